//! The people directory (`people:`): known staff, inline in the policy or in a YAML, JSON or
//! CSV file beside it. With a directory, approvers, owners and grantees must be known, active people, and
//! every name, email, alias or handle of a person is that person wherever people are compared.
//! Each person's `team`, `groups` and `manager` answer `in_group`, `manager_of` and
//! approver-authorized.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::identity;
use crate::core::node::{Node, Value, span};
use crate::core::source::{PolicyError, Source, did_you_mean};
use crate::core::span::Span;
use crate::grant::{Field, Grant};
use crate::load::InputError;
use crate::load::csv::Columns;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Person {
    pub name: String,
    pub email: Option<String>,
    /// Other emails the person writes from (`emails:`).
    pub emails: Vec<String>,
    pub aliases: Vec<String>,
    /// User names in the access systems and chat (`handles:`): `rpatel`, `@ravi`.
    pub handles: Vec<String>,
    pub team: Option<String>,
    /// Groups and roles the person holds (`groups:`): `on-call-managers`, `prod-approvers`.
    pub groups: Vec<String>,
    /// Who the person reports to, as a name, email, alias or handle of another person.
    pub manager: Option<String>,
    pub active: bool,
}

impl Person {
    fn new() -> Person {
        Person {
            active: true,
            ..Person::default()
        }
    }

    /// Whether the person holds `group`: one of their `groups`, or their `team`. Group names
    /// are compared ignoring case, spaces, dashes and underscores ("On-call managers" is
    /// `on-call-managers`), as directories and policies spell them differently.
    pub fn holds(&self, group: &str) -> bool {
        self.groups
            .iter()
            .chain(&self.team)
            .any(|g| same_group(g, group))
    }
}

/// Whether two group or team names are the same, ignoring case, spaces, dashes and
/// underscores ("On-call managers" is `on-call-managers`).
pub fn same_group(a: &str, b: &str) -> bool {
    let key = |g: &str| -> String {
        identity::key(g)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_'))
            .collect()
    };
    key(a) == key(b)
}

/// Known staff, looked up by name, email or alias by their [`identity::key`].
#[derive(Debug, Default)]
pub struct Directory {
    people: Vec<Person>,
    index: HashMap<String, usize>,
}

impl Directory {
    /// The person a text names: the whole text, else the part before a comma or parenthesis
    /// ("Ravi Patel, on-call engineering manager" is Ravi Patel).
    pub fn find(&self, text: &str) -> Option<&Person> {
        [text, identity::name_of(text)]
            .iter()
            .find_map(|t| self.index.get(&identity::key(t)))
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

    /// Whether `manager` names the manager of the person `of` names; `None` when either is
    /// not in the directory or `of` has no manager written, which is no answer.
    pub fn is_manager_of(&self, manager: &str, of: &str) -> Option<bool> {
        let (manager, of) = (self.find(manager)?, self.find(of)?);
        let theirs = self.find(of.manager.as_deref()?)?;
        Some(std::ptr::eq(manager, theirs))
    }
}

/// The fields that name people: compared as people, and looked up in the directory.
pub const PERSON_FIELDS: [Field; 4] = [
    Field::Grantee,
    Field::Approver,
    Field::RequestedBy,
    Field::Owner,
];

pub const HELP: &str = "name a person from the policy's people directory, or add them to it";

const PERSON_KEYS: [&str; 9] = [
    "name", "email", "emails", "aliases", "handles", "team", "groups", "manager", "active",
];

/// The keys of a person that hold a list (a YAML list, or text separated by `;` or `|`).
const LIST_KEYS: [&str; 4] = ["emails", "aliases", "handles", "groups"];

/// Reads `people:`: an inline list, or a YAML, JSON or CSV file named relative to the policy
/// file.
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
            let text =
                match crate::core::files::read_policy_file(&path, Some(Path::new(&source.name))) {
                    Ok(text) => text,
                    Err(refused) => {
                        errors.push(PolicyError::new(
                            source,
                            Some(span(node)),
                            format!("cannot read the people file {name}: {}", refused.message),
                            Some(
                                refused
                                    .help
                                    .unwrap_or("the path is relative to the policy file")
                                    .into(),
                            ),
                        ));
                        return None;
                    }
                };
            let file_source = Source {
                name,
                text: Arc::from(text),
            };
            if file_source.name.to_ascii_lowercase().ends_with(".csv") {
                return read_csv(&file_source, errors).map(Arc::new);
            }
            let root = crate::load::yaml::parse_yaml(&file_source, errors)?;
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
        let mut person = Person::new();
        let mut fine = true;
        let mut error = |at: &Node, message: String, help: Option<String>| {
            errors.push(PolicyError::new(source, Some(span(at)), message, help));
            fine = false;
        };
        for (key, value) in entries {
            let name = key.value.as_scalar().unwrap_or("");
            let text = value.value.as_scalar().map(|t| t.trim().to_string());
            match (name, &value.value) {
                (list_key, Value::List(list)) if LIST_KEYS.contains(&list_key) => {
                    for item in list {
                        match item.value.as_scalar() {
                            Some(a) => person.list(list_key).push(a.trim().to_string()),
                            None => error(item, format!("each of `{list_key}` is text"), None),
                        }
                    }
                }
                ("active", Value::Bool(active)) => person.active = *active,
                // `yes` and `no` are text under YAML 1.2; the flag reads them as the CSV does.
                ("active", Value::Text(flag)) if active_flag(flag).is_some() => {
                    person.active = active_flag(flag).unwrap_or(true);
                }
                ("active", _) => error(
                    value,
                    "`active` is true or false".into(),
                    Some("write `active: true` or `active: false`".into()),
                ),
                _ if PERSON_KEYS.contains(&name) && name != "active" && text.is_none() => error(
                    value,
                    format!("`{name}` is text, not {}", value.value.kind()),
                    None,
                ),
                ("name", _) => person.name = text.unwrap_or_default(),
                ("email", _) => person.email = text,
                ("team", _) => person.team = text,
                ("manager", _) => person.manager = text,
                (list_key, _) if LIST_KEYS.contains(&list_key) => {
                    person.list(list_key).extend(text);
                }
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
        if fine {
            directory.add(person);
        }
    }
    directory
}

impl Person {
    /// The list a list key (`LIST_KEYS`) fills.
    fn list(&mut self, key: &str) -> &mut Vec<String> {
        match key {
            "emails" => &mut self.emails,
            "handles" => &mut self.handles,
            "groups" => &mut self.groups,
            _ => &mut self.aliases,
        }
    }
}

impl Directory {
    fn add(&mut self, person: Person) {
        let index = self.people.len();
        // Every way of naming the person finds them; the first person to claim a key keeps it.
        let keys = std::iter::once(&person.name)
            .chain(&person.email)
            .chain(&person.emails)
            .chain(&person.aliases)
            .chain(&person.handles);
        for key in keys {
            self.index.entry(identity::key(key)).or_insert(index);
        }
        self.people.push(person);
    }
}

/// A person's `active` flag written as text: in a CSV cell, or `yes`/`no` in YAML.
fn active_flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// Reads a CSV staff list: a header naming some of `name, email, emails, aliases, handles,
/// team, groups, manager, active`, one person per row; lists separated by `;` or `|`. Read by grantlint's own CSV reader, so a
/// mistake is located at its cell.
fn read_csv(source: &Source, errors: &mut Vec<PolicyError>) -> Option<Directory> {
    let mut columns = PeopleColumns {
        keys: Vec::new(),
        person: None,
        directory: Directory::default(),
        problems: Vec::new(),
    };
    let limits = crate::load::limits::Limits::default();
    let read = crate::load::csv::load_with(
        source.text.as_bytes(),
        &source.name,
        b',',
        &limits,
        &mut columns,
        &mut |_| {},
    );
    if let Err(e) = read {
        errors.push(PolicyError::new(source, e.location, e.message, e.help));
        return None;
    }
    let fine = columns.problems.is_empty();
    for (at, message, help) in columns.problems {
        errors.push(PolicyError::new(source, Some(at), message, help));
    }
    fine.then_some(columns.directory)
}

struct PeopleColumns {
    /// Each column's person key, or `None` for a column that names none.
    keys: Vec<Option<&'static str>>,
    person: Option<Person>,
    directory: Directory,
    problems: Vec<(Span, String, Option<String>)>,
}

impl Columns for PeopleColumns {
    fn header(&mut self, names: Vec<(String, Span)>, _: &str) -> Result<(), InputError> {
        for (name, at) in names {
            let key = name.trim().to_ascii_lowercase();
            let known = PERSON_KEYS.iter().copied().find(|k| *k == key);
            if known.is_none() {
                self.problems.push((
                    at,
                    format!("unknown column `{}` in a people file", name.trim()),
                    did_you_mean(&key, PERSON_KEYS),
                ));
            }
            self.keys.push(known);
        }
        Ok(())
    }

    fn width(&self) -> usize {
        self.keys.len()
    }

    fn field(&self, _: usize) -> Option<Field> {
        None
    }

    fn cell(&mut self, _: &mut Grant, index: usize, text: &str, at: Span) {
        let person = self.person.get_or_insert_with(Person::new);
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        match self.keys.get(index).copied().flatten() {
            Some("name") => person.name = text.to_string(),
            Some("email") => person.email = Some(text.to_string()),
            Some("team") => person.team = Some(text.to_string()),
            Some("manager") => person.manager = Some(text.to_string()),
            Some(key @ ("aliases" | "emails" | "handles" | "groups")) => person.list(key).extend(
                text.split([';', '|'])
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_string),
            ),
            Some("active") => match active_flag(text) {
                Some(active) => person.active = active,
                None => self.problems.push((
                    at,
                    format!("`active` is true or false, not `{text}`"),
                    None,
                )),
            },
            _ => {}
        }
    }

    fn row(&mut self, grant: &mut Grant) -> bool {
        // A ragged row, an over-long or non-UTF-8 cell: the reader's own problems.
        for p in grant.problems.drain(..) {
            self.problems.push((p.span, p.message, Some(p.help)));
        }
        match self.person.take() {
            Some(person) if !person.name.is_empty() => self.directory.add(person),
            _ => self
                .problems
                .push((grant.span, "this person has no `name`".into(), None)),
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Arc<Directory>, Vec<String>> {
        let source = Source {
            name: "p.yaml".into(),
            text: Arc::from(text),
        };
        let node: Node = crate::core::node::parse(text).unwrap();
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
    fn handles_emails_groups_and_managers_name_one_person() {
        let d = parse_text(
            "- {name: Ravi Patel, emails: [rp@old.example.com], handles: [rpatel, '@ravi'], groups: [on-call-managers, prod-approvers]}\n- {name: Mina Chen, manager: '@ravi', team: support}\n",
        )
        .unwrap();
        for name in ["rp@old.example.com", "@RAVI", "rpatel"] {
            assert!(d.same_person(name, "Ravi Patel"), "{name}");
        }
        let ravi = d.find("rpatel").unwrap();
        assert!(ravi.holds("Prod-Approvers") && !ravi.holds("support"));
        assert!(d.find("Mina Chen").unwrap().holds("SUPPORT"));
        assert_eq!(d.is_manager_of("Ravi Patel", "mina chen"), Some(true));
        assert_eq!(d.is_manager_of("Mina Chen", "Ravi Patel"), None);
        assert_eq!(d.is_manager_of("Mina Chen", "Mina Chen"), Some(false));
        assert_eq!(d.is_manager_of("Sam Stranger", "Mina Chen"), None);
    }

    #[test]
    fn names_and_flags_are_read_as_yaml_1_2() {
        // `No` and `On` are people's names, not booleans; `active: no` still means inactive.
        let d =
            parse_text("- {name: No, aliases: [On]}\n- {name: Old Timer, active: no}\n").unwrap();
        assert_eq!(d.find("on").unwrap().name, "No");
        assert!(!d.find("old timer").unwrap().active);
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
    fn a_csv_people_file_is_read_and_its_mistakes_located() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("staff.csv"),
            "Name,Email,Aliases,Team,Active\nRavi Patel,ravi.patel@acme.io,rpatel;ravi,leads,true\nOld Timer,old@acme.io,,ops,no\n",
        )
        .unwrap();
        let policy = dir.path().join("grantlint.yaml");
        let source = Source {
            name: policy.display().to_string(),
            text: Arc::from(""),
        };
        let node: Node = crate::core::node::parse("staff.csv").unwrap();
        let mut errors = Vec::new();
        let people = parse(&source, &node, &mut errors).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            people.find("RPATEL").map(|p| p.name.as_str()),
            Some("Ravi Patel")
        );
        assert_eq!(people.find("old@acme.io").map(|p| p.active), Some(false));

        std::fs::write(
            dir.path().join("staff.csv"),
            "name,mail\nRavi Patel,x\n,y\nDana Lee,z,extra\n",
        )
        .unwrap();
        let mut errors = Vec::new();
        assert!(parse(&source, &node, &mut errors).is_none());
        let got: Vec<String> = errors
            .iter()
            .map(|e| {
                let at = e.location.unwrap();
                format!("{}:{} {}", at.line, at.column, e.message)
            })
            .collect();
        assert_eq!(
            got,
            [
                "1:6 unknown column `mail` in a people file",
                "3:1 this person has no `name`",
                "4:12 this row has more cells than the header's 2"
            ]
        );
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `email`?"));
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
        let node: Node = crate::core::node::parse("staff.yaml").unwrap();
        let mut errors = Vec::new();
        let d = parse(&source("policy.yaml"), &node, &mut errors).unwrap();
        assert!(errors.is_empty());
        assert!(d.find("rpatel").is_some());
        let node: Node = crate::core::node::parse("bad.yaml").unwrap();
        parse(&source("policy.yaml"), &node, &mut errors);
        assert!(errors[0].file.ends_with("bad.yaml"), "{}", errors[0].file);
        assert_eq!(errors[0].location.unwrap().column, 13);
    }
}
