//! CSV exports of ticket tools, read through a column profile: which header holds which grant
//! field, how the tool writes dates, and which states are not grants. The policy's `mapping:`
//! names further columns; it wins over the profile and the alias table. Times are read by
//! `core::time` with the policy's date settings, then the profile's formats.
//! A header may repeat (Jira writes one column per value of a multi-value field): its values
//! are joined into a list, so two tenants in one grant are seen as two, and several approvers
//! are several approvals. JSON exports of the same tools (Jira's REST search, ServiceNow's
//! Table API) are read through the same profile, record by record (`Records`).

use std::collections::HashMap;

use super::record::set_joined;
use super::{Lifecycle, Native, Out, time_text};
use crate::core::span::Span;
use crate::core::time::{self, Dates};
use crate::grant::{Approval, Field, Grant};
use crate::load::InputError;
use crate::load::csv::Columns;
use crate::load::mapping::normal_key;

/// How one tool's CSV export reads.
pub struct Profile {
    /// Normalised header (see `normal_key`) → the fields it fills, best first.
    pub columns: &'static [(&'static str, &'static [Field])],
    /// Turns a header into a key of the alias table, e.g. Jira's `Custom field (Tenant)`.
    pub unwrap: fn(&str) -> Option<&str>,
    /// Date formats besides grantlint's own (chrono `strftime` syntax), tried after them and
    /// the policy's, and for a numeric date whose month/day order nothing else settles.
    pub date_formats: &'static [&'static str],
    /// The tool's states; `None` keeps the value as written.
    pub state: fn(&str) -> Option<Lifecycle>,
    /// Headers whose value alone can make a row not a grant (ServiceNow's `approval`).
    pub gates: &'static [&'static str],
    /// A header holding the grant's length in hours (AWS TEAM): expiry = start + hours.
    pub hours: Option<&'static str>,
}

impl Profile {
    /// Any CSV: the alias table and the policy's mapping; states are kept as written, as in
    /// a plain grants file.
    pub const PLAIN: Profile = Profile {
        columns: &[],
        unwrap: |_| None,
        date_formats: &[],
        state: |_| None,
        gates: &[],
        hours: None,
    };
}

/// States that the status alone cannot tell: ServiceNow's numeric states mean one thing per
/// table (`3` is Closed on a change request, Closed Complete on a requested item, On Hold on an
/// incident), and a Jira status of a custom workflow is known by its status category.
pub struct Kinds {
    /// Normalised headers whose value says the row's kind (its table, its status category),
    /// best first.
    pub columns: &'static [&'static str],
    /// The lifecycle of a status, given the row's kind when one of `columns` has a value;
    /// `None` keeps the status as written. An error says why the status cannot be read
    /// (a stored state of an unknown table) and what to do.
    pub state: fn(status: &str, kind: Option<&str>) -> Result<Option<Lifecycle>, Unread>,
}

/// A status that cannot be read without more than the row holds: the message and the help.
pub type Unread = (String, &'static str);

/// Reads a ticket CSV through `profile`.
pub fn load(
    text: &str,
    native: &Native,
    profile: &Profile,
    out: &mut Out,
) -> Result<(), InputError> {
    load_kinds(text, native, profile, None, out)
}

/// `load`, with states read by the row's kind.
pub fn load_kinds(
    text: &str,
    native: &Native,
    profile: &Profile,
    kinds: Option<&Kinds>,
    out: &mut Out,
) -> Result<(), InputError> {
    let mut columns = TicketColumns::new(profile, kinds, native);
    // The tool's own date formats join the policy's for this file's times.
    let _dates = Dates::with_profile(profile.date_formats).enter();
    out.read_csv(text, native, &mut columns)?;
    out.skipped += columns.skipped;
    Ok(())
}

/// Each column's fields as `load` reads it through `profile` and the policy's mapping; the
/// error `load` would give for a header it cannot take.
pub fn fields(
    names: Vec<(String, Span)>,
    native: &Native,
    profile: &Profile,
) -> Result<Vec<Vec<Field>>, InputError> {
    let mut columns = TicketColumns::new(profile, None, native);
    columns.header(names, native.file)?;
    Ok(columns
        .columns
        .iter()
        .map(|(_, fills)| {
            fills
                .iter()
                .filter_map(|c| match c {
                    Column::Field { field, .. } => Some(*field),
                    _ => None,
                })
                .collect()
        })
        .collect())
}

/// A column: what it fills and how strongly (lower wins when two headers fill one field).
#[derive(Clone, Copy)]
enum Column {
    Field {
        field: Field,
        rank: usize,
    },
    /// A field the policy declares (`fields:`), by its slot.
    Declared(usize),
    Gate,
    Ignored,
}

struct TicketColumns<'a> {
    profile: &'a Profile,
    kinds: Option<&'a Kinds>,
    native: &'a Native<'a>,
    /// Per column: its header and what it fills (a header may fill several fields).
    columns: Vec<(String, Vec<Column>)>,
    /// The row's cells: column index, text and place.
    cells: Vec<(usize, String, Span)>,
    skipped: usize,
}

impl<'a> TicketColumns<'a> {
    fn new(profile: &'a Profile, kinds: Option<&'a Kinds>, native: &'a Native<'a>) -> Self {
        TicketColumns {
            profile,
            kinds,
            native,
            columns: Vec::new(),
            cells: Vec::new(),
            skipped: 0,
        }
    }

    /// What a header fills, strongest first: the policy's mapping; a custom field the
    /// organisation added (Jira's `Custom field (Tenant)`, ServiceNow's `u_tenant`) or a column
    /// named as a grant field (`Tenant`, the label of such a field), which says more than a
    /// built-in column of the same meaning (`company`); then the profile's columns in order.
    fn resolve(&self, header: &str) -> Vec<Column> {
        let key = normal_key(header);
        if let Some(field) = self.native.mapping.column(&key) {
            return vec![Column::Field { field, rank: 0 }];
        }
        if let Some(slot) = self.native.mapping.fields.slot_of_key(header) {
            return vec![Column::Declared(slot)];
        }
        if let Some((rank, (_, fields))) = self
            .profile
            .columns
            .iter()
            .enumerate()
            .find(|(_, (name, _))| *name == key)
        {
            return fields
                .iter()
                .map(|&field| Column::Field {
                    field,
                    rank: rank + 2,
                })
                .collect();
        }
        if self.profile.gates.contains(&key.as_str()) {
            return vec![Column::Gate];
        }
        let custom = (self.profile.unwrap)(header).and_then(Field::from_key);
        match custom.or_else(|| Field::from_key(header)) {
            Some(field) => vec![Column::Field { field, rank: 1 }],
            None => vec![Column::Ignored],
        }
    }

    /// The row's kind for `Kinds`: the value of the first of its columns that has one.
    fn kind<'c>(&self, cells: &'c [(usize, String, Span)]) -> Option<&'c str> {
        let kinds = self.kinds?;
        kinds.columns.iter().find_map(|name| {
            cells
                .iter()
                .find(|(i, _, _)| self.columns[*i].0 == *name)
                .map(|(_, text, _)| text.as_str())
        })
    }

    /// The lifecycle a status names, by the row's kind where the profile has kinds.
    fn state(&self, status: &str, kind: Option<&str>) -> Result<Option<Lifecycle>, Unread> {
        match self.kinds {
            Some(kinds) => (kinds.state)(status, kind),
            None => Ok((self.profile.state)(status)),
        }
    }

    /// How strongly column `index` fills `field`, and its header (repeats share it).
    fn filling(&self, index: usize, field: Field) -> Option<(usize, &str)> {
        let (header, columns) = &self.columns[index];
        columns.iter().find_map(|c| match *c {
            Column::Field { field: f, rank } if f == field => Some((rank, header.as_str())),
            _ => None,
        })
    }
}

impl Columns for TicketColumns<'_> {
    fn header(&mut self, names: Vec<(String, Span)>, file: &str) -> Result<(), InputError> {
        // Repeated names are fine here: Jira repeats a column for each value of a field.
        self.columns = names
            .iter()
            .map(|(h, _)| (normal_key(h), self.resolve(h)))
            .collect();
        if !names.is_empty() && (0..self.columns.len()).all(|i| self.field(i).is_none()) {
            return Err(crate::load::understood::not_an_export(&names, file));
        }
        Ok(())
    }

    fn width(&self) -> usize {
        self.columns.len()
    }

    fn field(&self, index: usize) -> Option<Field> {
        self.columns.get(index).and_then(|(_, c)| {
            c.iter().find_map(|c| match c {
                Column::Field { field, .. } => Some(*field),
                _ => None,
            })
        })
    }

    fn cell(&mut self, _grant: &mut Grant, index: usize, text: &str, span: Span) {
        if !text.trim().is_empty() {
            self.cells.push((index, text.trim().to_string(), span));
        }
    }

    fn row(&mut self, grant: &mut Grant) -> bool {
        let cells = std::mem::take(&mut self.cells);
        let mut lifecycle = None;
        let kind = self.kind(&cells);
        for &field in Field::ALL {
            // The best-ranked header that has a value fills the field; its repeats are joined.
            let Some(best) = cells.iter().filter_map(|c| self.filling(c.0, field)).min() else {
                continue;
            };
            let values: Vec<&(usize, String, Span)> = cells
                .iter()
                .filter(|c| self.filling(c.0, field) == Some(best))
                .collect();
            let at = values[0].2;
            if field.is_time() {
                // Read with the file's `Dates`, the profile's formats among them (`load`);
                // a form other than ISO 8601's is kept as grantlint writes it.
                let text = &values[0].1;
                let read =
                    (!time::is_iso(text)).then(|| time::read(Some(field as usize), text, at.line));
                match read {
                    Some(Ok(t)) => grant.set(field, &time_text(t), at, false),
                    // As written: read as ISO, or read once more to record why it cannot be.
                    _ => grant.set(field, text, at, false),
                }
            } else if field == Field::Status {
                let text = &values[0].1;
                match self.state(text, kind) {
                    Ok(Some(state)) => {
                        lifecycle = Some(state);
                        grant.set(field, state.name(), at, false);
                    }
                    Ok(None) => grant.set(field, text, at, false),
                    Err((message, help)) => grant.problem(Some(field), at, message, help),
                }
            } else if field == Field::Approver {
                approve_each(grant, &values);
            } else {
                set_joined(grant, field, values.iter().map(|(_, t, _)| t.as_str()), at);
            }
        }
        let declared = &self.native.mapping.fields;
        for (index, text, at) in &cells {
            if let Some(Column::Declared(slot)) = self.columns[*index].1.first()
                && let Some(field) = declared.fields.get(*slot)
            {
                grant.set_declared(*slot, &field.name, field.kind, text, *at);
            }
        }
        if let Some(hours) = self.profile.hours
            && let Some((_, text, at)) = cells.iter().find(|(i, _, _)| self.columns[*i].0 == hours)
        {
            super::expiry_after(grant, super::hours(text), *at);
        }
        let gated = cells.iter().any(|(index, text, _)| {
            matches!(self.columns[*index].1.first(), Some(Column::Gate))
                && (self.profile.state)(text).is_some_and(|s| !s.is_access())
        });
        self.cells = cells;
        self.cells.clear();
        if gated || lifecycle.is_some_and(|s| !s.is_access()) {
            self.skipped += 1;
            return false;
        }
        true
    }
}

/// The approver cells of a row: one approver is the `approver` field; several (Jira repeats
/// `Custom field (Approvers)` for each) are an approval each, so every one is judged. Approvals
/// the adapter read with their decisions (Jira's `Approvals` field) win over a bare list.
fn approve_each(grant: &mut Grant, values: &[&(usize, String, Span)]) {
    if !grant.approvals.is_empty() {
        return;
    }
    let mut distinct: Vec<&(usize, String, Span)> = Vec::new();
    for value in values {
        if !distinct.iter().any(|d| d.1 == value.1) {
            distinct.push(value);
        }
    }
    if let [(_, text, at)] = distinct.as_slice() {
        grant.set(Field::Approver, text, *at, false);
        return;
    }
    for (_, text, at) in distinct {
        grant.approve(Approval {
            approver: (text.clone(), *at),
            at: None,
            reason: None,
        });
    }
}

/// Reads the records of a JSON export through a ticket profile, as if each were a CSV row:
/// a record's keys are its headers, so the profile, the alias table and the policy's mapping
/// read both exports of a tool alike.
pub struct Records<'a> {
    columns: TicketColumns<'a>,
    /// Normalised header → column.
    index: HashMap<String, usize>,
}

/// One value of a JSON record: the header it counts as, its text and its place.
pub struct Cell<'t> {
    pub header: std::borrow::Cow<'t, str>,
    pub text: std::borrow::Cow<'t, str>,
    pub span: Span,
}

impl<'a> Records<'a> {
    pub fn new(profile: &'a Profile, kinds: Option<&'a Kinds>, native: &'a Native<'a>) -> Self {
        Records {
            columns: TicketColumns::new(profile, kinds, native),
            index: HashMap::new(),
        }
    }

    /// Reads one record starting at `span`; `approvals` are those read with their decisions.
    pub fn read(&mut self, out: &mut Out, span: Span, cells: &[Cell], approvals: Vec<Approval>) {
        for cell in cells {
            let key = normal_key(&cell.header);
            let index = match self.index.get(&key) {
                Some(&index) => index,
                None => {
                    let resolved = self.columns.resolve(&cell.header);
                    self.columns.columns.push((key.clone(), resolved));
                    self.index.insert(key, self.columns.columns.len() - 1);
                    self.columns.columns.len() - 1
                }
            };
            let text = cell.text.trim();
            if !text.is_empty() {
                self.columns
                    .cells
                    .push((index, text.to_string(), cell.span));
            }
        }
        out.start(span);
        for approval in approvals {
            out.grant.approve(approval);
        }
        if self.columns.row(&mut out.grant) {
            out.grant.finish();
            (out.sink)(&out.grant);
            out.grants += 1;
        }
    }

    /// Counts the records that were not grants.
    pub fn finish(self, out: &mut Out) {
        out.skipped += self.columns.skipped;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::node::Node;
    use crate::grant::Field::*;

    fn mapping(yaml: &str) -> crate::load::mapping::Mapping {
        let node: Node = crate::core::node::parse(yaml).unwrap();
        let source = crate::core::source::Source {
            name: "p".into(),
            text: yaml.into(),
        };
        let mut errors = Vec::new();
        let mut mapping = crate::load::mapping::Mapping::default();
        mapping.add_layer(&source, &node, &mut errors);
        assert!(errors.is_empty());
        mapping
    }

    fn read(csv: &str, mapping: &crate::load::mapping::Mapping) -> (Vec<Grant>, usize) {
        let native = Native {
            file: "t.csv",
            delimiter: b',',
            now: chrono::Utc::now(),
            mapping,
            limits: &crate::load::limits::Limits::default(),
            related: &super::super::Related::default(),
        };
        let mut grants = Vec::new();
        let mut sink = |g: &Grant| grants.push(g.clone());
        let mut out = Out::new(&mut sink);
        load(csv, &native, &Profile::PLAIN, &mut out).unwrap();
        let skipped = out.skipped;
        (grants, skipped)
    }

    #[test]
    fn mapped_columns_win_and_dates_follow_the_policy_format() {
        let m = mapping(
            "columns: {Customer: tenant, Until: expires, Name: grantee}\ndate_format: '%m/%d/%Y %H:%M'\n",
        );
        let _dates = m.dates(None).enter();
        let (grants, skipped) = read(
            "Customer,Until,Name,status\nacme,11/23/2026 14:05,Alice,denied\nacme,23.11.2026,Bob,active\n",
            &m,
        );
        // A plain CSV keeps its statuses as written: nothing is skipped.
        assert_eq!((grants.len(), skipped), (2, 0));
        assert_eq!(grants[0].text(Tenant), Some("acme"));
        assert_eq!(grants[0].text(Expires), Some("2026-11-23T14:05:00Z"));
        assert_eq!(grants[0].span_of(Expires).column, 6);
        assert_eq!(grants[0].text(Status), Some("denied"));
        let problem = &grants[1].problems[0];
        assert_eq!(problem.field, Some(Expires));
        assert!(problem.help.contains("%m/%d/%Y %H:%M"), "{}", problem.help);
    }
}
