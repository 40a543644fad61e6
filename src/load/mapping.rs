//! The policy's `mapping:`: how to read exports whose headers are not in the alias table.
//!
//! ```yaml
//! mapping:
//!   columns:                       # header → canonical field
//!     Customer: tenant
//!     Engineer on duty: grantee
//!   date_format: ["%d.%m.%Y %H:%M", "%Y%m%d %H%M"]   # chrono strftime; one or a list
//!   date_order: dmy                # how `03/04/2026` reads: mdy or dmy
//!   timezone: Europe/Berlin        # IANA name: how times without an offset are read, or
//!                                  # per system: {jira: Europe/Berlin, default: UTC}
//!   roles:                         # Entra PIM role definition id → name
//!     0b2fa6c3-5bd2-4a8e-9e2b-bc3b1ad2e6f1: Tenant Support Operator
//! ```
//!
//! Later layers add to and override earlier ones, key by key.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::format::{Item, StrftimeItems};
use chrono_tz::Tz;

use crate::core::node::{Node, Value, span};
use crate::core::source::{PolicyError, Source, did_you_mean};
use crate::core::time::{Dates, Order, Reread};
use crate::grant::Field;
use crate::grant::declared::Declarations;

/// The keys of `mapping:`.
const KEYS: [&str; 5] = ["columns", "date_format", "date_order", "timezone", "roles"];

#[derive(Clone, Debug, Default)]
pub struct Mapping {
    /// Normalised header → field.
    columns: HashMap<String, Field>,
    /// The policy's `date_format`s, tried in order after grantlint's own forms.
    pub date_formats: Vec<String>,
    /// How an ambiguous numeric date (`03/04/2026`) reads.
    pub date_order: Option<Order>,
    /// How times without an offset are read (`--timezone` wins); UTC when unset.
    pub timezone: Option<Tz>,
    /// A zone for the exports of one system (`timezone: {jira: Europe/Berlin}`): Jira and
    /// ServiceNow write the exporting user's local time, other files may not.
    pub source_zones: Vec<(crate::load::adapters::Source, Tz)>,
    /// Lowercased role id → name.
    roles: HashMap<String, String>,
    /// The fields the policy declares (`fields:`), read from the columns and keys they name.
    pub fields: Arc<Declarations>,
}

/// A header or key as the alias table compares them (one meaning in one place: declared
/// fields match their columns the same way).
pub use crate::grant::declared::normal_key;

impl Mapping {
    /// True when the policy maps no column and declares no field. How dates are read does
    /// not count: every loader reads them with the file's `core::time::Dates`. A plain CSV
    /// is read through the fast path only then (declared fields go through the mapped
    /// reading, `load::adapters::tickets`, so policies without them pay nothing).
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty() && self.fields.is_empty()
    }

    /// The field a (normalised) header maps to.
    pub fn column(&self, normal_header: &str) -> Option<Field> {
        self.columns.get(normal_header).copied()
    }

    /// How one file's times are read under this mapping; `reread` reads the file again, for
    /// learning its month/day order (`core::time::Dates`).
    pub fn dates(&self, reread: Option<Reread>) -> Arc<Dates> {
        self.dates_of(None, reread)
    }

    /// `dates` for a file exported by `source`: its own zone, when the policy names one.
    pub fn dates_of(
        &self,
        source: Option<crate::load::adapters::Source>,
        reread: Option<Reread>,
    ) -> Arc<Dates> {
        let zone = source
            .and_then(|s| self.source_zones.iter().find(|(z, _)| *z == s))
            .map(|(_, zone)| *zone)
            .or(self.timezone);
        Dates::new(self.date_formats.clone(), self.date_order, zone, reread)
    }

    /// `--timezone`: one zone for every file, over the policy's.
    pub fn set_zone_for_all(&mut self, zone: Tz) {
        self.timezone = Some(zone);
        self.source_zones.clear();
    }

    /// The name of a (lowercased) role id.
    pub fn role(&self, id: &str) -> Option<&str> {
        self.roles.get(id).map(String::as_str)
    }

    /// Adds one layer's `mapping:`, collecting every problem with its place.
    pub fn add_layer(&mut self, source: &Source, node: &Node, errors: &mut Vec<PolicyError>) {
        let is = (
            "mapping",
            "a mapping of `columns`, `date_format`, `date_order`, `timezone` and `roles`",
        );
        let entries = crate::core::source::section_entries(source, node, is, None, errors);
        for (key, value) in entries {
            match key.value.as_scalar() {
                Some("columns") => self.add_columns(source, value, errors),
                Some("date_format") => self.set_date_formats(source, value, errors),
                Some("date_order") => self.set_date_order(source, value, errors),
                Some("timezone") => self.set_timezone(source, value, errors),
                Some("roles") => {
                    for (id, name) in pairs(source, value, "roles", errors) {
                        self.roles.insert(id.to_ascii_lowercase(), name.to_string());
                    }
                }
                other => errors.push(PolicyError::new(
                    source,
                    Some(span(key)),
                    format!("unknown key `{}` in `mapping`", other.unwrap_or("")),
                    did_you_mean(other.unwrap_or(""), KEYS),
                )),
            }
        }
    }

    fn add_columns(&mut self, source: &Source, node: &Node, errors: &mut Vec<PolicyError>) {
        for (header, field_node) in pairs_with_nodes(source, node, "columns", errors) {
            let name = field_node.value.as_scalar().unwrap_or("");
            // One column feeds one field: else the declared field would later be blamed on
            // a column the export has.
            if let Some(slot) = self.fields.slot_of_key(header) {
                let declared = &self.fields.fields[slot].name;
                errors.push(PolicyError::new(
                    source,
                    Some(span(field_node)),
                    format!(
                        "column `{header}` is mapped to `{name}` and also read by the declared field `{declared}`"
                    ),
                    Some(format!(
                        "read the column one way: drop it from `mapping: columns` or from `{declared}`'s `from:`"
                    )),
                ));
                continue;
            }
            match Field::from_key(name) {
                Some(field) => {
                    self.columns.insert(normal_key(header), field);
                }
                None => errors.push(PolicyError::new(
                    source,
                    Some(span(field_node)),
                    format!("`{name}` is not a grant field"),
                    did_you_mean(name, Field::ALL.iter().map(|f| f.name()))
                        .or_else(|| Some("the fields are listed in README, \"Inputs\"".into())),
                )),
            }
        }
    }

    /// `date_format`: one strftime format, or a list of them tried in order. A later layer's
    /// list replaces an earlier one's.
    fn set_date_formats(&mut self, source: &Source, node: &Node, errors: &mut Vec<PolicyError>) {
        let nodes: Vec<&Node> = match &node.value {
            Value::List(items) => items.iter().collect(),
            _ => vec![node],
        };
        let mut formats = Vec::new();
        for node in nodes {
            let Some(format) = node.value.as_scalar() else {
                errors.push(PolicyError::new(
                    source,
                    Some(span(node)),
                    format!("a `date_format` is text, not {}", node.value.kind()),
                    Some(
                        "write a strftime format such as \"%d/%b/%y %I:%M %p\", or a list of them"
                            .into(),
                    ),
                ));
                continue;
            };
            let items: Vec<Item> = StrftimeItems::new(format).collect();
            let has_time = format.contains("%H")
                || format.contains("%I")
                || format.contains("%R")
                || format.contains("%T");
            if items.iter().any(|i| matches!(i, Item::Error)) || !has_time {
                errors.push(PolicyError::new(
                    source,
                    Some(span(node)),
                    format!("`{format}` is not a date and time format"),
                    Some("use chrono strftime fields with a time of day, e.g. \"%d/%b/%y %I:%M %p\" or \"%m/%d/%Y %H:%M\"".into()),
                ));
                continue;
            }
            formats.push(format.to_string());
        }
        self.date_formats = formats;
    }

    /// `date_order: mdy | dmy`.
    fn set_date_order(&mut self, source: &Source, node: &Node, errors: &mut Vec<PolicyError>) {
        let name = node.value.as_scalar().unwrap_or("");
        match Order::from_name(name) {
            Some(order) => self.date_order = Some(order),
            None => errors.push(PolicyError::new(
                source,
                Some(span(node)),
                format!("`date_order` is `mdy` or `dmy`, not `{name}`"),
                did_you_mean(&name.to_ascii_lowercase(), Order::NAMES)
                    .or_else(|| Some("mdy reads 03/04/2026 as March 4, dmy as 3 April".into())),
            )),
        }
    }

    /// `timezone`: an IANA name such as `Europe/Berlin`, or a zone per system that wrote the
    /// export (`{jira: Europe/Berlin, servicenow: America/New_York, default: UTC}`).
    fn set_timezone(&mut self, source: &Source, node: &Node, errors: &mut Vec<PolicyError>) {
        if let Value::Map(entries) = &node.value {
            use crate::load::adapters::Source as System;
            let systems = || System::ALL.iter().map(|s| s.name()).chain(["default"]);
            for (key, zone) in entries {
                let name = key.value.as_scalar().unwrap_or("");
                let system = System::ALL.iter().copied().find(|s| s.name() == name);
                if system.is_none() && name != "default" {
                    errors.push(PolicyError::new(
                        source,
                        Some(span(key)),
                        format!("`timezone` is set per system, and `{name}` is none"),
                        did_you_mean(name, systems()).or_else(|| {
                            Some(format!(
                                "name one of: {}",
                                systems().collect::<Vec<_>>().join(", ")
                            ))
                        }),
                    ));
                    continue;
                }
                let name = zone.value.as_scalar().unwrap_or("");
                match (parse_timezone(name), system) {
                    (Ok(zone), Some(system)) => {
                        self.source_zones.retain(|(s, _)| *s != system);
                        self.source_zones.push((system, zone));
                    }
                    (Ok(zone), None) => self.timezone = Some(zone),
                    (Err(why), _) => errors.push(PolicyError::new(
                        source,
                        Some(span(zone)),
                        format!("`timezone` {why}"),
                        zone_hint(name),
                    )),
                }
            }
            return;
        }
        let name = node.value.as_scalar().unwrap_or("");
        match parse_timezone(name) {
            Ok(zone) => self.timezone = Some(zone),
            Err(why) => errors.push(PolicyError::new(
                source,
                Some(span(node)),
                format!("`timezone` {why}"),
                zone_hint(name),
            )),
        }
    }
}

/// An IANA time zone name, in any case: `Europe/Berlin`, `America/New_York`, `UTC`.
pub fn parse_timezone(name: &str) -> Result<Tz, String> {
    let name = name.trim();
    name.parse::<Tz>()
        .ok()
        .or_else(|| {
            chrono_tz::TZ_VARIANTS
                .iter()
                .copied()
                .find(|zone| zone.name().eq_ignore_ascii_case(name))
        })
        .ok_or_else(|| format!("`{name}` is not an IANA time zone name"))
}

/// The zone a mistyped name most likely meant, or how names look.
pub fn zone_hint(name: &str) -> Option<String> {
    did_you_mean(name, chrono_tz::TZ_VARIANTS.iter().map(|z| z.name())).or_else(|| {
        Some("write an IANA name such as Europe/Berlin, America/New_York or UTC".into())
    })
}

/// The text → text pairs of a mapping such as `roles:`.
fn pairs<'n>(
    source: &Source,
    node: &'n Node,
    what: &str,
    errors: &mut Vec<PolicyError>,
) -> Vec<(&'n str, &'n str)> {
    pairs_with_nodes(source, node, what, errors)
        .into_iter()
        .filter_map(|(k, v)| match v.value.as_scalar() {
            Some(text) => Some((k, text)),
            None => {
                errors.push(PolicyError::new(
                    source,
                    Some(span(v)),
                    format!("a value of `{what}` is text, not {}", v.value.kind()),
                    None,
                ));
                None
            }
        })
        .collect()
}

fn pairs_with_nodes<'n>(
    source: &Source,
    node: &'n Node,
    what: &str,
    errors: &mut Vec<PolicyError>,
) -> Vec<(&'n str, &'n Node)> {
    let Value::Map(entries) = &node.value else {
        if !matches!(node.value, Value::Null) {
            errors.push(PolicyError::new(
                source,
                Some(span(node)),
                format!("`{what}` is a mapping, not {}", node.value.kind()),
                None,
            ));
        }
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(k, v)| k.value.as_scalar().map(|k| (k, v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(yaml: &str) -> (Mapping, Vec<String>) {
        let (source, node) = Source::parsed("p.yaml", yaml);
        let mut errors = Vec::new();
        let mut mapping = Mapping::default();
        mapping.add_layer(&source, &node, &mut errors);
        let errors = errors.iter().map(|e| e.brief(true)).collect();
        (mapping, errors)
    }

    #[test]
    fn columns_date_format_and_roles_are_read() {
        let (m, errors) = read(
            "columns:\n  Customer Name: tenant\n  Engineer: grantee\ndate_format: '%d/%b/%y %I:%M %p'\nroles:\n  ABC-1: Support Operator\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(m.column("customer_name"), Some(Field::Tenant));
        assert_eq!(m.column(&normal_key(" Engineer")), Some(Field::Grantee));
        assert_eq!(m.date_formats, vec!["%d/%b/%y %I:%M %p".to_string()]);
        assert_eq!(m.role("abc-1"), Some("Support Operator"));
    }

    #[test]
    fn date_formats_a_list_the_order_and_the_time_zone_are_read() {
        let (m, errors) = read(
            "date_format: ['%d.%m.%Y %H:%M', '%Y%m%d %H%M']\ndate_order: DMY\ntimezone: europe/berlin\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(m.date_formats, vec!["%d.%m.%Y %H:%M", "%Y%m%d %H%M"]);
        assert_eq!(m.date_order, Some(Order::Dmy));
        assert_eq!(m.timezone, Some(chrono_tz::Europe::Berlin));
        // Dates alone do not make a CSV a mapped one: it is still read as a plain file.
        assert!(m.is_empty());
    }

    #[test]
    fn a_zone_per_system_is_read_and_checked() {
        use crate::load::adapters::Source;
        let (m, errors) = read("timezone: {jira: Europe/Berlin, default: UTC, jria: UTC}\n");
        assert_eq!(
            errors,
            vec!["1:47 `timezone` is set per system, and `jria` is none (did you mean `jira`?)"]
        );
        assert_eq!(
            m.source_zones,
            vec![(Source::Jira, chrono_tz::Europe::Berlin)]
        );
        assert_eq!(m.timezone, Some(chrono_tz::UTC));
    }

    #[test]
    fn bad_date_settings_are_located_with_a_hint() {
        let (_, errors) = read(
            "date_format: ['%d.%m.%Y %H:%M', '%d.%m.%Y']\ndate_order: myd\ntimezone: Europe/Berln\ndate_fromat: x\n",
        );
        assert_eq!(
            errors,
            vec![
                "1:33 `%d.%m.%Y` is not a date and time format (use chrono strftime fields with a time of day, e.g. \"%d/%b/%y %I:%M %p\" or \"%m/%d/%Y %H:%M\")".to_string(),
                "2:13 `date_order` is `mdy` or `dmy`, not `myd` (mdy reads 03/04/2026 as March 4, dmy as 3 April)".into(),
                "3:11 `timezone` `Europe/Berln` is not an IANA time zone name (did you mean `Europe/Berlin`?)".into(),
                "4:1 unknown key `date_fromat` in `mapping` (did you mean `date_format`?)".into(),
            ]
        );
    }

    #[test]
    fn every_problem_is_located() {
        let (_, errors) = read("columns:\n  Customer: tenent\ndate_format: '%Q %d'\nrole: {}\n");
        assert_eq!(
            errors,
            vec![
                "2:13 `tenent` is not a grant field (did you mean `tenant`?)".to_string(),
                "3:14 `%Q %d` is not a date and time format (use chrono strftime fields with a time of day, e.g. \"%d/%b/%y %I:%M %p\" or \"%m/%d/%Y %H:%M\")".into(),
                "4:1 unknown key `role` in `mapping` (did you mean `roles`?)".into(),
            ]
        );
    }
}
