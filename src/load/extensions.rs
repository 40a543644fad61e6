//! A grant's `extensions:` list in YAML and JSON: each `{until, reason, approver, approved_at}`
//! read into an [`Extension`] whose values keep their places in the file. CSV has no nested
//! values, so CSV exports carry no extensions.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::yaml::Scalar;
use crate::core::node::location_span as span;
use crate::core::span::Span;
use crate::grant::{Extension, Field, Grant};

/// The value of a grant's `extensions` key: a list of extensions, or something else.
pub(super) enum Extensions<'de> {
    List(Vec<Spanned<Item<'de>>>),
    Other(&'static str),
}

/// One item of the list: a mapping of the keys an extension has, or something else.
pub(super) enum Item<'de> {
    Extension(Vec<(Key, Spanned<Scalar<'de>>)>),
    Other(&'static str),
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Key {
    Until,
    Reason,
    Approver,
    ApprovedAt,
}

impl Key {
    /// `until` (or the names `expires` is known by), and the grant's own names and aliases for
    /// reason, approver and approved_at.
    fn from_name(name: &str) -> Option<Key> {
        if name.trim().eq_ignore_ascii_case("until") {
            return Some(Key::Until);
        }
        match Field::from_key(name)? {
            Field::Expires => Some(Key::Until),
            Field::Reason => Some(Key::Reason),
            Field::Approver => Some(Key::Approver),
            Field::ApprovedAt => Some(Key::ApprovedAt),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Key::Until => "until",
            Key::Reason => "reason",
            Key::Approver => "approver",
            Key::ApprovedAt => "approved_at",
        }
    }
}

const HELP: &str = "write extensions as a list of mappings: `- {until: 2026-11-23T16:00:00Z, reason: …, approver: …, approved_at: …}`";

/// Reads the extensions into `grant`; values that cannot be read become `field-format`
/// problems, like the grant's own.
pub(super) fn read(grant: &mut Grant, extensions: &Spanned<Extensions<'_>>) {
    let items = match &extensions.value {
        Extensions::List(items) => items,
        Extensions::Other(kind) => {
            let at = span(extensions.referenced);
            grant.problem(
                None,
                at,
                format!("extensions holds {kind}, not a list"),
                HELP,
            );
            return;
        }
    };
    for (index, item) in items.iter().enumerate() {
        let number = index + 1;
        let mut extension = Extension {
            span: span(item.referenced),
            ..Extension::default()
        };
        let values = match &item.value {
            Item::Extension(values) => values,
            Item::Other(kind) => {
                grant.problem(
                    None,
                    extension.span,
                    format!("extension {number} is {kind}, not a mapping"),
                    HELP,
                );
                continue;
            }
        };
        for (key, value) in values {
            let at = span(value.referenced);
            let text = match &value.value {
                Scalar::Text(text) => text.trim(),
                Scalar::Null => continue,
                Scalar::List(_) | Scalar::Nested => {
                    grant.problem(
                        None,
                        at,
                        format!("{} of extension {number} is not a single value", key.name()),
                        "write a single value here",
                    );
                    continue;
                }
            };
            if text.is_empty() {
                continue;
            }
            match key {
                Key::Reason => set(&mut extension.reason, (text.to_string(), at)),
                Key::Approver => set(&mut extension.approver, (text.to_string(), at)),
                Key::Until | Key::ApprovedAt => match crate::core::time::parse_time(text) {
                    Ok(time) => {
                        let slot = if *key == Key::Until {
                            &mut extension.until
                        } else {
                            &mut extension.approved_at
                        };
                        set(slot, (time, at));
                    }
                    Err(why) => grant.problem(
                        None,
                        at,
                        format!(
                            "{} `{text}` of extension {number} is not a time: {why}",
                            key.name()
                        ),
                        "write times as RFC 3339 (2026-11-23T14:05:00Z), `2026-11-23 14:05 UTC` or Unix seconds",
                    ),
                },
            }
        }
        grant.extensions.push(extension);
    }
}

/// The first value of a key wins, as for the grant's own fields.
fn set<T>(slot: &mut Option<(T, Span)>, value: (T, Span)) {
    if slot.is_none() {
        *slot = Some(value);
    }
}

impl<'de> de::Deserialize<'de> for Extensions<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(ExtensionsVisitor)
    }
}

struct ExtensionsVisitor;

impl<'de> Visitor<'de> for ExtensionsVisitor {
    type Value = Extensions<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of extensions")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Extensions<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Extensions::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Extensions<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Extensions::Other("a mapping"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Extensions<'de>, E> {
        Ok(Extensions::List(Vec::new()))
    }

    fn visit_none<E: de::Error>(self) -> Result<Extensions<'de>, E> {
        Ok(Extensions::List(Vec::new()))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Extensions<'de>, E> {
        Ok(Extensions::Other("text"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Extensions<'de>, E> {
        Ok(Extensions::Other("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Extensions<'de>, E> {
        Ok(Extensions::Other("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Extensions<'de>, E> {
        Ok(Extensions::Other("a number"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Extensions<'de>, E> {
        Ok(Extensions::Other("true or false"))
    }
}

impl<'de> de::Deserialize<'de> for Item<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(ItemVisitor)
    }
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = Item<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an extension")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item<'de>, A::Error> {
        let mut values = Vec::with_capacity(4);
        while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match Key::from_name(&name) {
                Some(key) => values.push((key, map.next_value()?)),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Item::Extension(values))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Item<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Item::Other("a list"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Item<'de>, E> {
        Ok(Item::Other("text"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Item<'de>, E> {
        Ok(Item::Other("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Item<'de>, E> {
        Ok(Item::Other("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Item<'de>, E> {
        Ok(Item::Other("a number"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Item<'de>, E> {
        Ok(Item::Other("true or false"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Item<'de>, E> {
        Ok(Item::Other("an empty item"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_grant(text: &str) -> Grant {
        let mut out = Vec::new();
        crate::load::yaml::load(
            text,
            "t.yaml",
            &crate::load::limits::Limits::default(),
            &mut |g: &Grant| out.push(g.clone()),
        )
        .unwrap();
        out.remove(0)
    }

    #[test]
    fn extensions_keep_their_values_and_places() {
        let g = first_grant(concat!(
            "- id: SUP-1\n",
            "  extensions:\n",
            "    - until: 2026-11-23T16:00:00Z\n",
            "      reason: Invoice sync still failing after the first fix\n",
            "      approved by: Ravi Patel\n",
            "      approval_time: 2026-11-23T13:55:00Z\n",
            "    - {until: 2026-11-23T18:00:00Z, colour: blue}\n",
            "  tenant: t-1\n",
        ));
        assert_eq!(g.text(Field::Tenant), Some("t-1"));
        assert_eq!(g.extensions.len(), 2);
        let first = &g.extensions[0];
        assert_eq!(first.span.line, 3);
        let (until, at) = first.until.unwrap();
        assert_eq!(until.to_rfc3339(), "2026-11-23T16:00:00+00:00");
        assert_eq!((at.line, at.column), (3, 14));
        let (approver, at) = first.approver.as_ref().unwrap();
        assert_eq!(
            (approver.as_str(), at.line, at.column),
            ("Ravi Patel", 5, 20)
        );
        assert!(first.approved_at.is_some());
        assert!(g.extensions[1].reason.is_none());
        assert_eq!(
            g.extended_until().unwrap().to_rfc3339(),
            "2026-11-23T18:00:00+00:00"
        );
        assert!(g.problems.is_empty());
    }

    #[test]
    fn unreadable_extensions_are_problems_not_errors() {
        let g = first_grant(concat!(
            "- id: a\n",
            "  extensions:\n",
            "    - until: later\n",
            "    - just text\n",
        ));
        let messages: Vec<(&str, u32)> = g
            .problems
            .iter()
            .map(|p| (p.message.as_str(), p.span.line))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    "until `later` of extension 1 is not a time: expected a date and time such as 2026-11-23T14:05:00Z",
                    3
                ),
                ("extension 2 is text, not a mapping", 4),
            ]
        );
        let g = first_grant("- {id: a, extensions: {until: 1}}");
        assert_eq!(
            g.problems[0].message,
            "extensions holds a mapping, not a list"
        );
        let g = first_grant(
            "{\"grants\": [{\"id\": \"a\", \"extensions\": [{\"until\": \"2026-11-23T16:00:00Z\"}]}]}",
        );
        assert_eq!(g.extensions.len(), 1);
    }
}
