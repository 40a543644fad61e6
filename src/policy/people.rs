//! The people directory (`people:`): known staff, inline in the policy or in a YAML file beside
//! it. With a directory, approvers, owners and grantees must be known, active people, and
//! self-approval sees through a person's email and aliases.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::node::{Node, Value, span};
use super::params::normalize;
use super::{PolicyError, Source, did_you_mean};

#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub name: String,
    pub email: Option<String>,
    pub aliases: Vec<String>,
    pub team: Option<String>,
    pub active: bool,
}

/// Known staff, looked up by name, email or alias after [`normalize`].
#[derive(Debug, Default)]
pub struct Directory {
    people: Vec<Person>,
    index: HashMap<String, usize>,
}

impl Directory {
    /// The person a text names: the whole text, else the part before a comma or parenthesis
    /// ("Ravi Patel, on-call engineering manager" is Ravi Patel).
    pub fn find(&self, text: &str) -> Option<&Person> {
        let head = text.split([',', '(']).next().unwrap_or(text);
        [text, head]
            .iter()
            .find_map(|t| self.index.get(&normalize(t)))
            .map(|&i| &self.people[i])
    }

    /// Why `text`, in the role of `what` (approver, owner, grantee), is not a known active
    /// person; `None` when it is.
    pub fn not_known(&self, what: &str, text: &str) -> Option<String> {
        match self.find(text) {
            None => Some(format!("{what} `{text}` is not in the people directory")),
            Some(person) if !person.active => Some(format!(
                "{what} `{text}` is {}, who is no longer active",
                person.name
            )),
            Some(_) => None,
        }
    }

    /// True when both texts name the same known person.
    pub fn same_person(&self, a: &str, b: &str) -> bool {
        match (self.find(a), self.find(b)) {
            (Some(a), Some(b)) => std::ptr::eq(a, b),
            _ => false,
        }
    }
}

pub const HELP: &str = "name a person from the policy's people directory, or add them to it";

const PERSON_KEYS: [&str; 5] = ["name", "email", "aliases", "team", "active"];

/// Reads `people:`: an inline list, or a YAML file named relative to the policy file.
pub fn parse(
    source: &Source,
    node: &Node,
    errors: &mut Vec<PolicyError>,
) -> Option<Arc<Directory>> {
    match &node.value {
        Value::List(items) => Some(Arc::new(read_list(source, items, errors))),
        Value::Text(file) => {
            let base = Path::new(&source.name).parent().unwrap_or(Path::new(""));
            let path = base.join(file);
            let name = path.display().to_string();
            if name.to_ascii_lowercase().ends_with(".csv") {
                errors.push(PolicyError::new(
                    source,
                    Some(span(node)),
                    "a people file is YAML or JSON; CSV is not read yet",
                    Some("write the staff list as YAML: a list of {name, email, aliases, team, active}".into()),
                ));
                return None;
            }
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) => {
                    errors.push(PolicyError::new(
                        source,
                        Some(span(node)),
                        format!("cannot read the people file {name}: {e}"),
                        Some("the path is relative to the policy file".into()),
                    ));
                    return None;
                }
            };
            let file_source = Source {
                name,
                text: Arc::from(text),
            };
            let root: Node = match serde_saphyr::from_str(&file_source.text) {
                Ok(root) => root,
                Err(e) => {
                    let at = e.location().map(crate::load::yaml::span);
                    let message = e
                        .to_string()
                        .lines()
                        .next()
                        .unwrap_or("cannot parse")
                        .to_string();
                    errors.push(PolicyError::new(
                        &file_source,
                        at,
                        message,
                        Some("fix the YAML syntax here".into()),
                    ));
                    return None;
                }
            };
            match &root.value {
                Value::List(items) => Some(Arc::new(read_list(&file_source, items, errors))),
                other => {
                    errors.push(PolicyError::new(
                        &file_source,
                        Some(span(&root)),
                        format!("a people file is a list of people, not {}", other.kind()),
                        Some("write one `- name: …` entry per person".into()),
                    ));
                    None
                }
            }
        }
        other => {
            errors.push(PolicyError::new(
                source,
                Some(span(node)),
                format!(
                    "`people` is a list of people or a file name, not {}",
                    other.kind()
                ),
                None,
            ));
            None
        }
    }
}

fn read_list(source: &Source, items: &[Node], errors: &mut Vec<PolicyError>) -> Directory {
    let mut directory = Directory::default();
    for item in items {
        let Value::Map(entries) = &item.value else {
            errors.push(PolicyError::new(
                source,
                Some(span(item)),
                format!(
                    "a person is a mapping with a `name`, not {}",
                    item.value.kind()
                ),
                None,
            ));
            continue;
        };
        let mut person = Person {
            name: String::new(),
            email: None,
            aliases: Vec::new(),
            team: None,
            active: true,
        };
        let mut fine = true;
        let mut error = |at: &Node, message: String, help: Option<String>| {
            errors.push(PolicyError::new(source, Some(span(at)), message, help));
            fine = false;
        };
        for (key, value) in entries {
            let name = key.value.as_scalar().unwrap_or("");
            let text = value.value.as_scalar().map(|t| t.trim().to_string());
            match (name, &value.value) {
                ("aliases", Value::List(list)) => {
                    for alias in list {
                        match alias.value.as_scalar() {
                            Some(a) => person.aliases.push(a.trim().to_string()),
                            None => error(alias, "an alias is text".into(), None),
                        }
                    }
                }
                ("active", Value::Bool(active)) => person.active = *active,
                ("active", _) => error(value, "`active` is true or false".into(), None),
                ("name" | "email" | "team" | "aliases", _) if text.is_none() => error(
                    value,
                    format!("`{name}` is text, not {}", value.value.kind()),
                    None,
                ),
                ("name", _) => person.name = text.unwrap_or_default(),
                ("email", _) => person.email = text,
                ("team", _) => person.team = text,
                ("aliases", _) => person.aliases.extend(text),
                _ => error(
                    key,
                    format!("unknown key `{name}` for a person"),
                    did_you_mean(name, PERSON_KEYS),
                ),
            }
        }
        if person.name.is_empty() {
            error(item, "this person has no `name`".into(), None);
        }
        if !fine {
            continue;
        }
        let index = directory.people.len();
        let keys = std::iter::once(&person.name)
            .chain(&person.email)
            .chain(&person.aliases);
        for key in keys {
            directory.index.entry(normalize(key)).or_insert(index);
        }
        directory.people.push(person);
    }
    directory
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Arc<Directory>, Vec<String>> {
        let source = Source {
            name: "p.yaml".into(),
            text: Arc::from(text),
        };
        let node: Node = serde_saphyr::from_str(text).unwrap();
        let mut errors = Vec::new();
        let directory = parse(&source, &node, &mut errors);
        if errors.is_empty() {
            Ok(directory.unwrap())
        } else {
            Err(errors
                .iter()
                .map(|e| {
                    let at = e.location.unwrap_or_default();
                    format!("{}:{} {}", at.line, at.column, e.message)
                })
                .collect())
        }
    }

    const STAFF: &str = "- {name: Ravi Patel, email: ravi.patel@acme.io, aliases: [rpatel], team: support}\n- {name: Mina Chen, email: mina@acme.io}\n- {name: Old Timer, active: false}\n";

    #[test]
    fn people_are_found_by_name_email_or_alias_in_any_case() {
        let d = parse_text(STAFF).unwrap();
        assert_eq!(d.find("ravi patel").unwrap().name, "Ravi Patel");
        assert_eq!(d.find("RAVI.PATEL@acme.io").unwrap().name, "Ravi Patel");
        assert_eq!(d.find(" rpatel ").unwrap().name, "Ravi Patel");
        assert_eq!(
            d.find("Ravi Patel, on-call engineering manager")
                .unwrap()
                .name,
            "Ravi Patel"
        );
        assert!(d.find("Dana Lee").is_none());
        assert_eq!(d.not_known("approver", "Ravi Patel"), None);
        assert_eq!(
            d.not_known("approver", "Dana Lee").unwrap(),
            "approver `Dana Lee` is not in the people directory"
        );
        assert_eq!(
            d.not_known("owner", "old timer").unwrap(),
            "owner `old timer` is Old Timer, who is no longer active"
        );
        assert!(d.same_person("mina@acme.io", "Mina Chen"));
        assert!(!d.same_person("Mina Chen", "Ravi Patel"));
    }

    #[test]
    fn mistakes_in_the_directory_are_located() {
        let got = parse_text(
            "- {name: A, activ: true}\n- {email: b@x.io}\n- {name: C, active: maybe}\n- just text\n",
        )
        .unwrap_err();
        assert_eq!(
            got,
            [
                "1:13 unknown key `activ` for a person",
                "2:3 this person has no `name`",
                "3:21 `active` is true or false",
                "4:3 a person is a mapping with a `name`, not text",
            ]
        );
    }

    #[test]
    fn a_people_file_is_read_relative_to_the_policy() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("staff.yaml"), STAFF).unwrap();
        std::fs::write(dir.path().join("bad.yaml"), "- {name: A, tem: x}\n").unwrap();
        let source = |name: &str| Source {
            name: dir.path().join(name).display().to_string(),
            text: Arc::from(""),
        };
        let node: Node = serde_saphyr::from_str("staff.yaml").unwrap();
        let mut errors = Vec::new();
        let d = parse(&source("policy.yaml"), &node, &mut errors).unwrap();
        assert!(errors.is_empty());
        assert!(d.find("rpatel").is_some());
        let node: Node = serde_saphyr::from_str("bad.yaml").unwrap();
        parse(&source("policy.yaml"), &node, &mut errors);
        assert!(errors[0].file.ends_with("bad.yaml"), "{}", errors[0].file);
        assert_eq!(errors[0].location.unwrap().column, 13);
    }
}
