//! How an input was understood: which column (or key) became which grant field, which were
//! ignored (with the field each most likely means), and which fields nothing in the file
//! supplies. The loaders decide what a column means; this records their decision for
//! `grantlint inspect`, the text output and the JSON report, and turns it into the
//! `mapping:` lines that would fix what was missed.

use crate::core::span::Span;
use crate::grant::Field;
use crate::load::InputError;
use crate::load::mapping::normal_key;

/// A column of a CSV, or a key of YAML/JSON grants, and what it became.
#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    /// As written in the file (a header cell, or a key).
    pub text: String,
    /// Where it is first written.
    pub span: Span,
    /// The field the loader fills from it; `None` when it is ignored.
    pub field: Option<Field>,
    /// For an ignored name: the field it most likely means, when no other name fills it.
    pub suggestion: Option<Field>,
    /// The field the policy declares (`fields:`) that is read from it, if any.
    pub declared: Option<std::sync::Arc<str>>,
}

/// Whether the names are a CSV's columns or the keys of YAML/JSON grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Columns,
    Keys,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Columns => "columns",
            Kind::Keys => "keys",
        }
    }
}

/// How one input's columns or keys were read.
#[derive(Clone, Debug, PartialEq)]
pub struct InputMap {
    pub kind: Kind,
    pub names: Vec<Name>,
    /// Fields that no column (or key) supplies, in the canonical order.
    pub missing: Vec<Field>,
    /// Fields the policy declares that no column (or key) supplies, in the policy's order.
    pub declared_missing: Vec<std::sync::Arc<str>>,
}

impl InputMap {
    /// The map of `names`, each with the field the loader gave it.
    pub fn new(kind: Kind, names: Vec<(String, Span, Option<Field>)>) -> InputMap {
        let mut filled = [false; crate::grant::FIELD_COUNT];
        for (_, _, field) in &names {
            if let Some(field) = field {
                filled[*field as usize] = true;
            }
        }
        let mut names: Vec<Name> = names
            .into_iter()
            .map(|(text, span, field)| Name {
                suggestion: None,
                declared: None,
                text,
                span,
                field,
            })
            .collect();
        // Each missing field is suggested for at most one ignored name, the first that fits.
        for name in names.iter_mut().filter(|n| n.field.is_none()) {
            if let Some(field) = suggest(&name.text).filter(|f| !filled[*f as usize]) {
                filled[field as usize] = true;
                name.suggestion = Some(field);
            }
        }
        let supplied: Vec<Field> = names.iter().filter_map(|n| n.field).collect();
        let missing = Field::ALL
            .iter()
            .copied()
            .filter(|f| !supplied.contains(f))
            .collect();
        InputMap {
            kind,
            names,
            missing,
            declared_missing: Vec::new(),
        }
    }

    /// Marks the names the policy's declared fields are read from, and notes the declared
    /// fields no name supplies.
    pub fn declare(&mut self, fields: &crate::grant::declared::Declarations) {
        let mut supplied = vec![false; fields.fields.len()];
        for name in self.names.iter_mut().filter(|n| n.field.is_none()) {
            if let Some(slot) = fields.slot_of_key(&name.text) {
                supplied[slot] = true;
                name.declared = Some(std::sync::Arc::clone(&fields.fields[slot].name));
                name.suggestion = None;
            }
        }
        self.declared_missing = fields
            .fields
            .iter()
            .zip(supplied)
            .filter(|(_, supplied)| !supplied)
            .map(|(d, _)| std::sync::Arc::clone(&d.name))
            .collect();
    }

    /// True when no column or key is a grant field: the file is not a grants export.
    pub fn is_empty(&self) -> bool {
        self.names.iter().all(|n| n.field.is_none())
    }

    /// The names that fill no field, built-in or declared.
    pub fn ignored(&self) -> impl Iterator<Item = &Name> {
        self.names
            .iter()
            .filter(|n| n.field.is_none() && n.declared.is_none())
    }

    /// The policy lines that would map each ignored column to its suggested field, if any.
    /// `mapping:` reads CSV columns only: an ignored YAML or JSON key is renamed instead.
    pub fn mapping_lines(&self) -> Option<String> {
        if self.kind == Kind::Keys {
            return None;
        }
        let lines: Vec<String> = self
            .ignored()
            .filter_map(|n| {
                let field = n.suggestion?;
                Some(format!("    {}: {}\n", yaml_key(&n.text), field.name()))
            })
            .collect();
        (!lines.is_empty()).then(|| format!("mapping:\n  columns:\n{}", lines.concat()))
    }

    /// A few lines for a person: what became what, what was ignored, what is missing, and
    /// the `mapping:` lines that would fix it.
    pub fn describe(&self, file: &str) -> String {
        let mut out = String::new();
        let used: Vec<String> = self
            .names
            .iter()
            .filter_map(|n| {
                let field = n.field.map(Field::name).or(n.declared.as_deref())?;
                Some(if n.text == field {
                    field.to_string()
                } else {
                    format!("{} → {field}", n.text)
                })
            })
            .collect();
        let total = self.names.len();
        let kind = self.kind.name();
        out.push_str(&format!(
            "{file}: read {} of {total} {kind}: {}\n",
            used.len(),
            if used.is_empty() {
                "none".to_string()
            } else {
                used.join(", ")
            }
        ));
        let ignored: Vec<String> = self
            .ignored()
            .map(|n| match n.suggestion {
                Some(f) => format!("{} (did you mean {}?)", n.text, f.name()),
                None => n.text.clone(),
            })
            .collect();
        if !ignored.is_empty() {
            out.push_str(&format!("  ignored: {}\n", ignored.join(", ")));
        }
        if !self.missing.is_empty() || !self.declared_missing.is_empty() {
            let missing: Vec<&str> = self
                .missing
                .iter()
                .map(|f| f.name())
                .chain(self.declared_missing.iter().map(|d| &**d))
                .collect();
            out.push_str(&format!("  no {kind} for: {}\n", missing.join(", ")));
        }
        if let Some(lines) = self.mapping_lines() {
            out.push_str("  to read them, add to the policy (grantlint.yaml):\n");
            for line in lines.lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
        let renames: Vec<String> = match self.kind {
            Kind::Keys => self
                .ignored()
                .filter_map(|n| Some(format!("{} → {}", n.text, n.suggestion?.name())))
                .collect(),
            Kind::Columns => Vec::new(),
        };
        if !renames.is_empty() {
            out.push_str(&format!(
                "  to read them, rename the keys: {}\n",
                renames.join(", ")
            ));
        }
        out
    }

    /// Worth telling a person about unasked: a column or key was ignored. (Fields no column
    /// holds are told by the `column-missing` findings.)
    pub fn worth_telling(&self) -> bool {
        self.ignored().next().is_some()
    }
}

/// The error for a file in which no column (or key) is a grant field: whatever it is, it is
/// not a grants export, and linting it would only invent findings. It names what was seen,
/// the fields those names most likely mean, and a delimiter the header seems to use instead.
pub fn not_an_export(names: &[(String, Span)], file: &str) -> InputError {
    const SHOWN: usize = 8;
    let mut seen: Vec<String> = names
        .iter()
        .take(SHOWN)
        .map(|(n, _)| format!("`{}`", crate::core::terminal::clean(&shorten(n))))
        .collect();
    if names.len() > SHOWN {
        seen.push(format!("and {} more", names.len() - SHOWN));
    }
    let count = match names.len() {
        1 => "its one column is no grant field".to_string(),
        n => format!("none of its {n} columns is a grant field"),
    };
    let message = format!("not a grants export: {count} ({})", seen.join(", "));
    let delimiter = names.iter().find_map(|(n, _)| {
        [(';', "';'"), ('\t', "tab"), ('|', "'|'")]
            .into_iter()
            .find(|(c, _)| n.contains(*c))
    });
    let suggested: Vec<String> = names
        .iter()
        .filter_map(|(n, _)| Some(format!("{}: {}", yaml_key(n), suggest(n)?.name())))
        .collect();
    let help = if let Some((_, flag)) = delimiter {
        format!(
            "the header seems to be separated by {flag}, not the delimiter given: pass --delimiter {flag}"
        )
    } else if !suggested.is_empty() {
        format!(
            "if it is an export, name its columns in the policy: `mapping: {{columns: {{{}}}}}`",
            suggested.join(", ")
        )
    } else {
        "give grantlint an export of access grants (a header naming fields such as tenant, grantee, approver, start, expires), or name its columns in the policy's `mapping: {columns: …}`".to_string()
    };
    let at = names.first().map_or(Span::default(), |(_, at)| *at);
    InputError::new(file, message).help(help).at(at, None)
}

/// A name cut to a length a message can hold.
fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// A header as a YAML key: quoted when YAML would read it as something else.
fn yaml_key(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '_' | '-' | '.' | '(' | ')'))
        && !text.starts_with(['-', ' ']);
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// Headers that tools write for a grant field under a name of their own. Only suggested,
/// never applied: the person who knows the export confirms them in `mapping:`.
const LIKELY: &[(&str, Field)] = &[
    ("assignee", Field::Grantee),
    ("assigned_to", Field::Grantee),
    ("agent", Field::Grantee),
    ("technician", Field::Grantee),
    ("engineer_name", Field::Grantee),
    ("support_engineer", Field::Grantee),
    ("granted_to", Field::Grantee),
    ("approval_date", Field::ApprovedAt),
    ("approved_on", Field::ApprovedAt),
    ("approved_date", Field::ApprovedAt),
    ("approver_name", Field::Approver),
    ("approved", Field::Approver),
    ("customer", Field::Tenant),
    ("customer_name", Field::Tenant),
    ("organization", Field::Tenant),
    ("organisation", Field::Tenant),
    ("company", Field::Tenant),
    ("client", Field::Tenant),
    ("subject", Field::Reason),
    ("summary", Field::Reason),
    ("description", Field::Reason),
    ("business_justification", Field::Reason),
    ("access_level_requested", Field::Role),
    ("permission", Field::Role),
    ("permissions", Field::Role),
    ("created_on", Field::RequestedAt),
    ("opened", Field::RequestedAt),
    ("opened_at", Field::RequestedAt),
    ("submitted", Field::RequestedAt),
    ("from", Field::Start),
    ("begin", Field::Start),
    ("start_date", Field::Start),
    ("until", Field::Expires),
    ("to", Field::Expires),
    ("end_date", Field::Expires),
    ("expiration", Field::Expires),
    ("expiration_date", Field::Expires),
    ("expiry_date", Field::Expires),
    ("closed", Field::EndedAt),
    ("closed_at", Field::EndedAt),
    ("ended", Field::EndedAt),
    ("ticket_status", Field::Status),
    ("ticket_number", Field::Ticket),
    ("ticket_no", Field::Ticket),
    ("number", Field::Ticket),
    ("key", Field::Ticket),
    ("issue", Field::Ticket),
];

/// The field an unknown header or key most likely means: a name tools often write, or a
/// field name or alias it is a near miss of (a typo such as `aprover`).
pub fn suggest(name: &str) -> Option<Field> {
    // No field name or alias is near a long text: spare comparing a huge cell with each.
    if name.len() > 40 {
        return None;
    }
    let key = normal_key(name);
    if let Some((_, field)) = LIKELY.iter().find(|(k, _)| *k == key) {
        return Some(*field);
    }
    Field::ALL
        .iter()
        .flat_map(|&f| {
            std::iter::once(f.name())
                .chain(f.aliases().iter().copied())
                .map(move |n| (f, n))
        })
        .map(|(f, n)| (strsim::normalized_damerau_levenshtein(&key, n), f))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, f)| f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_field_a_header_means() {
        assert_eq!(suggest("Assignee"), Some(Field::Grantee));
        assert_eq!(suggest("Approval Date"), Some(Field::ApprovedAt));
        assert_eq!(suggest("aprover"), Some(Field::Approver));
        assert_eq!(suggest("expirs"), Some(Field::Expires));
        assert_eq!(suggest("Priority"), None);
        assert_eq!(suggest("Colour"), None);
        assert_eq!(suggest("Issue Type"), None, "not a typo of issue_key");
    }

    #[test]
    fn ignored_names_get_mapping_lines_and_missing_fields_are_listed() {
        let at = Span::default();
        let map = InputMap::new(
            Kind::Columns,
            vec![
                ("Ticket ID".into(), at, Some(Field::Ticket)),
                ("Assignee".into(), at, None),
                ("Approval Date".into(), at, None),
                ("Priority".into(), at, None),
            ],
        );
        assert!(!map.is_empty());
        assert!(map.missing.contains(&Field::Grantee));
        assert!(!map.missing.contains(&Field::Ticket));
        assert_eq!(
            map.mapping_lines().as_deref(),
            Some("mapping:\n  columns:\n    Assignee: grantee\n    Approval Date: approved_at\n")
        );
        let text = map.describe("help.csv");
        assert!(
            text.contains("read 1 of 4 columns: Ticket ID → ticket"),
            "{text}"
        );
        assert!(text.contains("Priority"), "{text}");
    }

    #[test]
    fn a_field_already_filled_is_not_suggested_again() {
        let at = Span::default();
        let map = InputMap::new(
            Kind::Columns,
            vec![
                ("Engineer".into(), at, Some(Field::Grantee)),
                ("Assignee".into(), at, None),
            ],
        );
        assert_eq!(map.names[1].suggestion, None);
        assert_eq!(map.mapping_lines(), None);
    }
}
