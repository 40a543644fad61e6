//! Fields a policy declares (`fields:`) beyond the built-in ones: a customer's consent, a VIP
//! flag, the time a ticket closed. Loaders keep their values on the grant with their places
//! (`Grant::set_declared`), read once by the declared type; custom rules and overrides name
//! them like built-in fields ([`FieldRef`]).

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::{Field, Grant};
use crate::core::span::Span;

/// The type of a declared field: how its text is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    List,
    Time,
    Duration,
    Number,
    Bool,
}

impl Kind {
    pub const NAMES: [&'static str; 6] = ["text", "list", "time", "duration", "number", "bool"];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::List => "list",
            Kind::Time => "time",
            Kind::Duration => "duration",
            Kind::Number => "number",
            Kind::Bool => "bool",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        let kinds = [
            Kind::Text,
            Kind::List,
            Kind::Time,
            Kind::Duration,
            Kind::Number,
            Kind::Bool,
        ];
        let name = name.trim().to_ascii_lowercase();
        kinds.into_iter().find(|k| k.name() == name)
    }
}

/// One declared field: its name, its type and the normalised headers or keys it is read from
/// (its own name among them).
#[derive(Clone, Debug, PartialEq)]
pub struct Declared {
    pub name: Arc<str>,
    pub kind: Kind,
    pub keys: Vec<String>,
}

/// Every field the policy declares, in the order written; a field's index is its slot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Declarations {
    pub fields: Vec<Declared>,
}

/// A header or key as the alias table compares them: trimmed, lowercase, with spaces, dashes
/// and dots as underscores.
pub fn normal_key(key: &str) -> String {
    key.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' | '.' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

impl Declarations {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The slot of the field a header or key is read into, if any.
    pub fn slot_of_key(&self, header: &str) -> Option<usize> {
        let key = normal_key(header);
        self.fields.iter().position(|d| d.keys.contains(&key))
    }

    /// The field a policy names (`customer_consent`), as conditions and overrides refer to it.
    pub fn named(&self, name: &str) -> Option<FieldRef> {
        let key = normal_key(name);
        let slot = self
            .fields
            .iter()
            .position(|d| normal_key(&d.name) == key)?;
        let declared = &self.fields[slot];
        Some(FieldRef::Declared {
            slot,
            name: Arc::clone(&declared.name),
            kind: declared.kind,
        })
    }

    /// A built-in field (through its aliases) or a declared one.
    pub fn resolve(&self, name: &str) -> Option<FieldRef> {
        Field::from_key(name)
            .map(FieldRef::Builtin)
            .or_else(|| self.named(name))
    }

    /// Every name a policy may use for a field, for did-you-mean.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        Field::ALL
            .iter()
            .map(|f| f.name())
            .chain(self.fields.iter().map(|d| &*d.name))
    }
}

/// A value of a declared field, read by its type.
#[derive(Clone, Debug, PartialEq)]
pub enum Typed {
    Text,
    List(Vec<String>),
    Time(DateTime<Utc>),
    Duration(TimeDelta),
    Number(f64),
    Bool(bool),
}

/// One declared field's value on a grant: its text as written, its place, and what it reads
/// as (`None` when it could not be read; the grant then holds a problem about it).
#[derive(Clone, Debug, PartialEq)]
pub struct DeclaredValue {
    pub slot: usize,
    pub text: String,
    pub span: Span,
    pub typed: Option<Typed>,
}

/// Reads `text` as a value of `kind`, or says why it cannot be and what to write instead.
pub fn read(kind: Kind, text: &str, line: u32) -> Result<Typed, (String, &'static str)> {
    let text = text.trim();
    match kind {
        Kind::Text => Ok(Typed::Text),
        Kind::List => Ok(Typed::List(
            text.split([',', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        )),
        Kind::Time => crate::core::time::read(None, text, line)
            .map(Typed::Time)
            .map_err(|u| {
                (
                    u.why.to_string(),
                    "write a time such as 2026-11-23T14:05:00Z",
                )
            }),
        Kind::Duration => crate::core::time::parse_duration(text)
            .map(Typed::Duration)
            .map_err(|why| (why.to_string(), "write a duration such as 15m, 4h or PT4H")),
        Kind::Number => text
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Typed::Number)
            .ok_or_else(|| {
                (
                    "expected a number".to_string(),
                    "write a number such as 3 or 2.5",
                )
            }),
        Kind::Bool => match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Ok(Typed::Bool(true)),
            "false" | "no" | "n" | "0" => Ok(Typed::Bool(false)),
            _ => Err((
                "expected true or false".to_string(),
                "write true/false, yes/no or 1/0",
            )),
        },
    }
}

/// A field a policy names: built-in, or declared in `fields:` (by slot). Conditions and
/// overrides hold these, so a declared field is tested like a built-in one.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldRef {
    Builtin(Field),
    Declared {
        slot: usize,
        name: Arc<str>,
        kind: Kind,
    },
}

impl FieldRef {
    pub fn name(&self) -> &str {
        match self {
            FieldRef::Builtin(f) => f.name(),
            FieldRef::Declared { name, .. } => name,
        }
    }

    /// The built-in field, for findings that name one.
    pub fn builtin(&self) -> Option<Field> {
        match self {
            FieldRef::Builtin(f) => Some(*f),
            FieldRef::Declared { .. } => None,
        }
    }

    /// The declared field's slot, for findings that name it (slots are fewer than
    /// [`crate::policy::fields::MAX_FIELDS`], so a byte holds one).
    pub fn slot(&self) -> Option<u8> {
        match self {
            FieldRef::Builtin(_) => None,
            FieldRef::Declared { slot, .. } => u8::try_from(*slot).ok(),
        }
    }

    /// The value's text, if the grant has one.
    pub fn text<'g>(&self, grant: &'g Grant) -> Option<&'g str> {
        match self {
            FieldRef::Builtin(f) => grant.text(*f),
            FieldRef::Declared { slot, .. } => grant.declared(*slot).map(|v| v.text.as_str()),
        }
    }

    /// The value as read by its type: built-in times are times, other built-in fields text.
    pub fn typed(&self, grant: &Grant) -> Option<Typed> {
        match self {
            FieldRef::Builtin(f) if f.is_time() => grant.time(*f).map(Typed::Time),
            FieldRef::Builtin(f) => grant.text(*f).map(|_| Typed::Text),
            FieldRef::Declared { slot, .. } => grant.declared(*slot).and_then(|v| v.typed.clone()),
        }
    }

    /// The field's type: built-in times are times, the rest text.
    pub fn kind(&self) -> Kind {
        match self {
            FieldRef::Builtin(f) if f.is_time() => Kind::Time,
            FieldRef::Builtin(_) => Kind::Text,
            FieldRef::Declared { kind, .. } => *kind,
        }
    }

    /// Where a finding about the field points: its value, or the grant when it is missing.
    pub fn span(&self, grant: &Grant) -> Span {
        match self {
            FieldRef::Builtin(f) => grant.span_of(*f),
            FieldRef::Declared { slot, .. } => grant.declared(*slot).map_or(grant.span, |v| v.span),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_by_type() {
        assert_eq!(read(Kind::Bool, " Yes ", 1), Ok(Typed::Bool(true)));
        assert_eq!(read(Kind::Number, "2.5", 1), Ok(Typed::Number(2.5)));
        assert_eq!(
            read(Kind::Duration, "15m", 1),
            Ok(Typed::Duration(TimeDelta::minutes(15)))
        );
        assert_eq!(
            read(Kind::List, "a, b;c", 1),
            Ok(Typed::List(vec!["a".into(), "b".into(), "c".into()]))
        );
        assert!(read(Kind::Number, "many", 1).is_err());
        assert!(read(Kind::Bool, "maybe", 1).is_err());
        assert!(read(Kind::Time, "soon", 1).is_err());
    }
}
