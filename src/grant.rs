//! `Grant`: one temporary access grant, with its canonical fields and where each came from.

use chrono::{DateTime, Utc};

pub mod declared;
mod held;

use crate::core::span::Span;
use crate::core::text::trim;

macro_rules! fields {
    ($($variant:ident => $name:literal [$($alias:literal),*] $doc:literal;)*) => {
        /// A canonical grant field (DESIGN.md, "Canonical grant fields").
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Field { $(#[doc = $doc] $variant),* }

        impl Field {
            pub const ALL: &'static [Field] = &[$(Field::$variant),*];

            /// The canonical name, as written in reports and policies.
            pub fn name(self) -> &'static str {
                match self { $(Field::$variant => $name),* }
            }

            /// Other header or key names accepted for this field.
            pub fn aliases(self) -> &'static [&'static str] {
                match self { $(Field::$variant => &[$($alias),*]),* }
            }

            fn from_normal(key: &str) -> Option<Field> {
                match key {
                    $($name $(| $alias)* => Some(Field::$variant),)*
                    _ => None,
                }
            }

        }
    };
}

fields! {
    Id => "id" ["grant_id", "request_id"] "grant or request id";
    Tenant => "tenant" ["tenant_id", "customer_tenant", "account"] "one customer tenant (id or account label)";
    Environment => "environment" ["env"] "prod / test / …";
    Grantee => "grantee" ["used_by", "user", "engineer"] "the named person who receives and uses access";
    AccountType => "account_type" ["account_kind"] "personal / shared / service";
    Role => "role" ["permission_set", "access_level"] "the role or permission set granted";
    Scope => "scope" ["allowed_actions"] "allowed actions, free text";
    Reason => "reason" ["justification", "request_reason", "customer_issue", "purpose"] "why access is needed, tied to the incident";
    RequestedBy => "requested_by" ["requester"] "who asked";
    Approver => "approver" ["approved_by", "approvers"] "the named person who approved";
    ApprovedAt => "approved_at" ["approval_time"] "when approval was given";
    Owner => "owner" ["case_owner"] "who owns the request through closeout";
    Ticket => "ticket" ["ticket_id", "case", "case_id", "issue_key"] "ticket or case reference";
    RequestedAt => "requested_at" ["created", "created_at"] "when it was requested";
    Start => "start" ["starts_at", "start_time", "access_start", "granted_at", "valid_from"] "when access starts";
    Expires => "expires" ["expires_at", "end", "end_time", "access_end", "expiry", "valid_until"] "when access must end";
    EndedAt => "ended_at" ["revoked_at", "removed_at"] "when access actually ended";
    Status => "status" ["state"] "active / expired / revoked / ended / …";
    AdminJustification => "admin_justification" ["admin_reason", "elevation_justification"] "why a privileged role is needed";
}

pub const FIELD_COUNT: usize = Field::ALL.len();

// Each field's dates learn their month/day order in a column of their own.
const _: () = assert!(FIELD_COUNT <= crate::core::time::COLUMNS);

impl Field {
    /// Resolves a header or key through the alias table. Matching ignores case, and spaces,
    /// dashes and dots count as underscores ("Approved by" = `approved_by`). It allocates
    /// nothing: YAML loaders call it for every key of every grant.
    pub fn from_key(key: &str) -> Option<Field> {
        let key = key.trim();
        let mut normal = [0u8; 32];
        if key.len() > normal.len() || !key.is_ascii() {
            return None; // no field name is that long or non-ASCII
        }
        for (out, b) in normal.iter_mut().zip(key.bytes()) {
            *out = match b {
                b' ' | b'-' | b'.' => b'_',
                b => b.to_ascii_lowercase(),
            };
        }
        std::str::from_utf8(&normal[..key.len()])
            .ok()
            .and_then(Field::from_normal)
    }

    /// The fields that hold a time.
    pub fn is_time(self) -> bool {
        matches!(
            self,
            Field::ApprovedAt | Field::RequestedAt | Field::Start | Field::Expires | Field::EndedAt
        )
    }
}

/// Where one field's value is: its text in the grant's buffer and its place in the file.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Value {
    text: (u32, u32),
    span: Span,
    list: bool,
}

/// A value that could not be read; becomes a `field-format` finding.
#[derive(Clone, Debug, PartialEq)]
pub struct FormatProblem {
    pub field: Option<Field>,
    /// The declared field's slot when the value is one of the policy's `fields:`.
    pub declared: Option<u8>,
    pub span: Span,
    pub message: String,
    pub help: String,
}

/// One recorded extension of a grant (`extensions:` in YAML and JSON): access extended in a
/// short step, with its own reason and approver. Each value keeps its place in the file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extension {
    /// The list item; findings about a missing value point here.
    pub span: Span,
    pub until: Option<(DateTime<Utc>, Span)>,
    pub reason: Option<(String, Span)>,
    pub approver: Option<(String, Span)>,
    pub approved_at: Option<(DateTime<Utc>, Span)>,
}

/// One approval of a grant by one person, for systems that record several (Teleport's
/// reviews, Opal's reviewers, Entra's approval stages, PAM's approvals). The first one is also
/// the grant's `approver`, and the latest time its `approved_at`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Approval {
    pub approver: (String, Span),
    pub at: Option<(DateTime<Utc>, Span)>,
    pub reason: Option<(String, Span)>,
}

/// One temporary access grant. Blank values are dropped while loading, so a present value is
/// never blank; times are parsed once, as they are set. Loaders reuse one `Grant` for every
/// record (`clear`), so reading a record allocates nothing once the buffers have grown.
#[derive(Clone, Debug, Default)]
pub struct Grant {
    /// Where the record starts; findings about a missing field point here.
    pub span: Span,
    buffer: String,
    values: [Option<Value>; FIELD_COUNT],
    times: [Option<DateTime<Utc>>; FIELD_COUNT],
    pub problems: Vec<FormatProblem>,
    /// Recorded extensions, in the order of the input.
    pub extensions: Vec<Extension>,
    /// Every approval, when the export records several; empty when the `approver` field
    /// alone says who approved (see [`Grant::approvers`]).
    pub approvals: Vec<Approval>,
    /// Fields this grant's export cannot carry, a bit per `Field`: the adapter says so once
    /// for the file (`adapters::Gap`), and the checker leaves out the findings about them.
    pub unexported: u32,
    /// Values of the fields the policy declares (`fields:`), in the order read; empty when
    /// it declares none.
    pub declared: Vec<declared::DeclaredValue>,
    /// The `approver` value's place in `buffer` when `finish` found that it is one name
    /// without a comma (no separator, no title), else `(0, 0)`: the approver rules then judge
    /// it whole instead of each splitting it again. Valid only while it is the value's place:
    /// `buffer` only grows between `clear`s, so a value set since has another place.
    plain_approver: (u32, u32),
}

impl Grant {
    #[cfg(test)]
    pub fn new(span: Span) -> Grant {
        Grant {
            span,
            ..Grant::default()
        }
    }

    /// Forgets a field's value, so rules see it as missing (a value that cannot be trusted).
    pub fn unset(&mut self, field: Field) {
        self.values[field as usize] = None;
        self.times[field as usize] = None;
    }

    /// Empties the grant for the next record, keeping its buffers.
    pub fn clear(&mut self, span: Span) {
        self.span = span;
        self.buffer.clear();
        self.values = [None; FIELD_COUNT];
        self.times = [None; FIELD_COUNT];
        self.problems.clear();
        self.extensions.clear();
        self.approvals.clear();
        self.unexported = 0;
        self.declared.clear();
        self.plain_approver = (0, 0);
    }

    /// Sets a field. Blank values count as missing; the first value of a field wins. `list`
    /// says the input gave several values (a YAML or JSON list), joined in `text` by ", ".
    pub fn set(&mut self, field: Field, text: &str, span: Span, list: bool) {
        let text = trim(text);
        if text.is_empty() || self.values[field as usize].is_some() {
            return;
        }
        let start = self.buffer.len();
        self.buffer.push_str(text);
        self.set_value(field, start..self.buffer.len(), span, list);
    }

    /// Sets a field to `buffer[range]`, trimmed and not blank, reading a time once.
    #[inline(always)]
    fn set_value(&mut self, field: Field, range: std::ops::Range<usize>, span: Span, list: bool) {
        if field.is_time() {
            let text = self.buffer.get(range.clone()).unwrap_or_default();
            match crate::core::time::canonical_time(text) {
                Some(t) => self.times[field as usize] = Some(t),
                None => self.read_time(field, range.clone(), span),
            }
        }
        self.values[field as usize] = Some(Value {
            text: (range.start as u32, range.end as u32),
            span,
            list,
        });
    }

    /// Reads a time in any other form than `2026-11-23T14:05:00Z`, with the file's reading of
    /// dates (`core::time::read`), or records why it cannot. Out of line: rare.
    #[cold]
    #[inline(never)]
    fn read_time(&mut self, field: Field, range: std::ops::Range<usize>, span: Span) {
        let text = self.buffer.get(range.clone()).unwrap_or_default();
        match crate::core::time::read(Some(field as usize), text, span.line) {
            Ok(t) => self.times[field as usize] = Some(t),
            Err(unreadable) => {
                let shown = crate::core::time::shown(text);
                let message = format!(
                    "{} `{shown}` is not a time: {}",
                    field.name(),
                    unreadable.why
                );
                self.problems.push(FormatProblem {
                    field: Some(field),
                    declared: None,
                    span,
                    message,
                    help: unreadable.help,
                });
            }
        }
    }

    /// Sets a declared field (slot `slot` of the policy's `fields:`), read as `kind`; blank
    /// values count as missing and the first value wins, as for built-in fields. A value
    /// that cannot be read is kept as text and becomes a `field-format` finding.
    pub fn set_declared(
        &mut self,
        slot: usize,
        name: &str,
        kind: declared::Kind,
        text: &str,
        span: Span,
    ) {
        let text = trim(text);
        if text.is_empty() || self.declared(slot).is_some() {
            return;
        }
        let typed = match declared::read(kind, text, span.line) {
            Ok(typed) => Some(typed),
            Err((why, help)) => {
                let shown = crate::core::time::shown(text);
                let message = format!("{name} `{shown}` is not a {}: {why}", kind.name());
                self.problem(None, span, message, help);
                // Named in the finding by its slot.
                if let Some(problem) = self.problems.last_mut() {
                    problem.declared = u8::try_from(slot).ok();
                }
                None
            }
        };
        self.declared.push(declared::DeclaredValue {
            slot,
            text: text.to_string(),
            span,
            typed,
        });
    }

    /// A declared field's value, if present.
    pub fn declared(&self, slot: usize) -> Option<&declared::DeclaredValue> {
        self.declared.iter().find(|v| v.slot == slot)
    }

    /// Records a value that could not be read at all; the rules that need it stay quiet.
    pub fn problem(&mut self, field: Option<Field>, span: Span, message: String, help: &str) {
        self.problems.push(FormatProblem {
            field,
            declared: None,
            span,
            message,
            help: help.to_string(),
        });
    }

    /// The trimmed text of a field, if present.
    pub fn text(&self, field: Field) -> Option<&str> {
        self.values[field as usize].map(|v| &self.buffer[v.text.0 as usize..v.text.1 as usize])
    }

    /// True when the input gave a list of values for this field.
    pub fn is_list(&self, field: Field) -> bool {
        self.values[field as usize].is_some_and(|v| v.list)
    }

    /// A time field, if present and readable.
    pub fn time(&self, field: Field) -> Option<DateTime<Utc>> {
        self.times[field as usize]
    }

    /// Where a finding about `field` points: the value, or the grant when it is missing.
    pub fn span_of(&self, field: Field) -> Span {
        self.values[field as usize].map_or(self.span, |v| v.span)
    }

    /// The latest `until` of the grant's extensions, if any is readable.
    pub fn extended_until(&self) -> Option<DateTime<Utc>> {
        self.extensions
            .iter()
            .filter_map(|e| e.until.map(|(t, _)| t))
            .max()
    }

    /// Adds an approval; the first also fills `approver` and `approved_at`.
    pub fn approve(&mut self, approval: Approval) {
        if self.approvals.is_empty() {
            let (approver, span) = &approval.approver;
            self.set(Field::Approver, approver, *span, false);
        }
        // Access is approved when the last approval lands: `approved_at` is the latest, so
        // approved-before-access sees an approval that completed after access began.
        if let Some((at, span)) = approval.at
            && self.time(Field::ApprovedAt).is_none_or(|t| at > t)
        {
            let text = at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
            self.unset(Field::ApprovedAt);
            self.set(Field::ApprovedAt, &text, span, false);
        }
        self.approvals.push(approval);
    }

    /// Hands `judge` everyone who approved, each with where it is written: every recorded
    /// approval, or the `approver` field (`None` when missing) when the export records one
    /// approver at most. Rules about approvers judge every entry. A closure, not an iterator:
    /// two rules call it for every grant, and a chained iterator cost each about 65
    /// instructions a grant (callgrind, 100k-grant CSV).
    #[inline]
    pub fn each_approver(&self, mut judge: impl FnMut(Option<&str>, Span)) {
        if self.approvals.is_empty() {
            let span = self.span_of(Field::Approver);
            match self.text(Field::Approver) {
                None => judge(None, span),
                // Nearly every value: one name, as `finish` found once for all the rules.
                Some(text) if self.approver_is_plain() => judge(Some(text), span),
                Some(text) => {
                    // A value of separators only ("; ;") names no one.
                    let mut named = false;
                    approver_names(text, self.is_list(Field::Approver), |name| {
                        named = true;
                        judge(Some(name), span);
                    });
                    if !named {
                        judge(None, span);
                    }
                }
            }
        } else {
            for approval in &self.approvals {
                judge(Some(&approval.approver.0), approval.approver.1);
            }
        }
    }

    /// True when `finish` found the `approver` value to be one name without a comma.
    #[inline(always)]
    fn approver_is_plain(&self) -> bool {
        self.values[Field::Approver as usize].is_some_and(|v| v.text == self.plain_approver)
    }

    /// False when no name [`Grant::each_approver`] hands out holds a comma: no approvals are
    /// recorded and `finish` found none in the `approver` value. True when unsure.
    #[inline(always)]
    pub fn approvers_may_hold_comma(&self) -> bool {
        !(self.approvals.is_empty() && self.approver_is_plain())
    }

    /// How many distinct approvers the grant names, each once: every recorded approval, or
    /// the names the `approver` field holds. `same` says whether two names are one person
    /// (the people directory, else names compared as people). Quadratic in the approvers,
    /// who are a handful: only the first [`MAX_APPROVERS`] are told apart.
    pub fn distinct_approvers(&self, same: impl Fn(&str, &str) -> bool) -> Vec<&str> {
        let mut all: Vec<&str> = Vec::new();
        // Borrowed from `self`, so not through `each_approver`'s closure.
        if self.approvals.is_empty() {
            if let Some(text) = self.text(Field::Approver) {
                approver_names(text, self.is_list(Field::Approver), |n| all.push(n));
            }
        } else {
            all.extend(self.approvals.iter().map(|a| a.approver.0.as_str()));
        }
        let mut names: Vec<&str> = Vec::with_capacity(all.len().min(MAX_APPROVERS));
        // Hostile input may name thousands: the first few dozen say whether enough approved.
        for name in all.into_iter().take(MAX_APPROVERS) {
            if !names.iter().any(|n| same(n, name)) {
                names.push(name);
            }
        }
        names
    }

    /// Marks a field this grant's export cannot carry (see `unexported`).
    pub fn mark_unexported(&mut self, field: Field) {
        self.unexported |= 1 << field as u32;
    }

    /// False when the export cannot carry `field` for this grant.
    pub fn exports(&self, field: Field) -> bool {
        self.unexported & (1 << field as u32) == 0
    }

    /// The grant's name in reports and baselines: its id, else its ticket (a help-desk
    /// export's `Ticket ID`, Jira's issue key), else who had access when
    /// (`Mina Chen at 2026-11-23 10:00`), so findings name the grant they are about and a
    /// baseline never keys two grants of one tenant alike for want of an id.
    #[inline(always)]
    pub fn id(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self.text(Field::Id).or_else(|| self.text(Field::Ticket)) {
            Some(id) => Some(std::borrow::Cow::Borrowed(id)),
            None => self.unnamed(),
        }
    }

    /// The name of a grant with neither id nor ticket: rare, so out of line.
    #[cold]
    fn unnamed(&self) -> Option<std::borrow::Cow<'_, str>> {
        let (grantee, start) = (self.text(Field::Grantee)?, self.text(Field::Start)?);
        Some(std::borrow::Cow::Owned(format!("{grantee} at {start}")))
    }

    /// Checks that need several fields; run once after every field is set. Also learns
    /// whether the `approver` value is one plain name, once for every rule that asks
    /// (`each_approver`): each splitting it again had cost 2% of a run's instructions.
    pub fn finish(&mut self) {
        if let Some(value) = self.values[Field::Approver as usize] {
            let range = value.text.0 as usize..value.text.1 as usize;
            // One name without a comma: none of the separators `approver_names` splits
            // on, even in a list.
            let plain = (self.buffer.as_bytes().get(range))
                .is_some_and(|text| !may_name_several(text, true));
            self.plain_approver = if plain { value.text } else { (0, 0) };
        }
        if let (Some(start), Some(expires)) = (self.time(Field::Start), self.time(Field::Expires))
            && expires < start
        {
            self.problem(
                Some(Field::Expires),
                self.span_of(Field::Expires),
                "expires is before start".into(),
                "check both times and their offsets; an expiry must come after the start",
            );
            // Rules that compare the two would only repeat this.
            self.times[Field::Expires as usize] = None;
        }
    }
}

/// The approvers of one grant told apart as people: comparing each with each is quadratic.
pub const MAX_APPROVERS: usize = 64;

/// Hands `name` each person one `approver` value names. Exports join several approvers into
/// one cell: `;`, `|`, a line break, and ` and ` or ` & ` between names separate them. A comma
/// separates only in a YAML or JSON list (`list`, whose items are joined by ", "): in a cell,
/// "Ravi Patel, on-call manager" is a name and a title and "Patel, Ravi" a surname first, as
/// [`crate::rules::identity`] reads them, so a comma there is never a list. A part with a
/// comma or a parenthesis is a name with a title and is not split on ` and ` either ("Ravi
/// Patel, head of support and success").
pub fn approver_names<'t>(text: &'t str, list: bool, mut name: impl FnMut(&'t str)) {
    // Nearly every value is one name: one scan over its bytes says so.
    if !may_name_several(text.as_bytes(), list) {
        name(text);
        return;
    }
    for piece in text.split([';', '|', '\n', '\r']) {
        let parts: &mut dyn Iterator<Item = &str> = if list {
            &mut piece.split(',')
        } else {
            &mut std::iter::once(piece)
        };
        for part in parts {
            if part.contains([',', '(']) {
                let part = trim(part);
                if !part.is_empty() {
                    name(part);
                }
                continue;
            }
            for one in split_and(part) {
                let one = trim(one);
                if !one.is_empty() {
                    name(one);
                }
            }
        }
    }
}

/// False when an `approver` value is one name whole: it holds none of the separators
/// [`approver_names`] splits on. One scan over its bytes.
fn may_name_several(bytes: &[u8], list: bool) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b';' | b'|' | b'\n' | b'\r' | b'&' => true,
        b',' => list,
        b' ' => bytes
            .get(i + 1..i + 5)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"and ")),
        _ => false,
    })
}

/// A part split on ` and ` (any case) and ` & `.
fn split_and(part: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(part);
    std::iter::from_fn(move || {
        let text = rest?;
        let lower = text.as_bytes();
        let at = (0..lower.len()).find_map(|i| {
            let w = lower.get(i..)?;
            if w.len() >= 5 && w[0] == b' ' && w[1..5].eq_ignore_ascii_case(b"and ") {
                Some((i, 5))
            } else if w.starts_with(b" & ") {
                Some((i, 3))
            } else {
                None
            }
        });
        match at {
            Some((i, len)) => {
                rest = text.get(i + len..);
                text.get(..i)
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str, list: bool) -> Vec<&str> {
        let mut out = Vec::new();
        approver_names(text, list, |n| out.push(n));
        out
    }

    #[test]
    fn an_approver_value_names_each_approver() {
        assert_eq!(names("Ravi Patel", false), ["Ravi Patel"]);
        assert_eq!(
            names("Ravi Patel; Mina Chen |Dana Lee\nJo Park", false),
            ["Ravi Patel", "Mina Chen", "Dana Lee", "Jo Park"]
        );
        assert_eq!(
            names("Ravi Patel and Mina Chen & Dana Lee", false),
            ["Ravi Patel", "Mina Chen", "Dana Lee"]
        );
        // A comma in a cell is a title or a surname first, never a list.
        assert_eq!(names("Patel, Ravi", false), ["Patel, Ravi"]);
        assert_eq!(
            names("Ravi Patel, head of support and success; Mina Chen", false),
            ["Ravi Patel, head of support and success", "Mina Chen"]
        );
        // A YAML list's items are joined by ", ".
        assert_eq!(
            names("Ravi Patel, Mina Chen", true),
            ["Ravi Patel", "Mina Chen"]
        );
        assert_eq!(names("Anderson Lee", false), ["Anderson Lee"]);
        assert_eq!(names("Sandy Andrews", false), ["Sandy Andrews"]);
        assert_eq!(names(" ; Ravi Patel;", false), ["Ravi Patel"]);
    }

    fn approvers(grant: &Grant) -> Vec<Option<String>> {
        let mut out = Vec::new();
        grant.each_approver(|name, _| out.push(name.map(str::to_string)));
        out
    }

    #[test]
    fn every_approver_is_judged_whatever_was_set_after_finish() {
        let at = Span::default();
        let mut g = Grant::new(at);
        g.set(Field::Approver, "Ravi Patel", at, false);
        g.finish();
        assert_eq!(approvers(&g), [Some("Ravi Patel".into())]);
        // A value set after `finish` is split as any other.
        g.unset(Field::Approver);
        g.set(Field::Approver, "Ravi Patel; Mina Chen", at, false);
        assert_eq!(
            approvers(&g),
            [Some("Ravi Patel".into()), Some("Mina Chen".into())]
        );
        g.finish();
        assert_eq!(approvers(&g).len(), 2);
        // The next record's value is not the last one's, even where it lies where that was.
        g.clear(at);
        g.set(Field::Approver, "Ravi Patel", at, false);
        g.finish();
        g.clear(at);
        g.set(Field::Approver, "Dana; Jo P", at, false);
        assert_eq!(approvers(&g), [Some("Dana".into()), Some("Jo P".into())]);
        g.clear(at);
        g.set(Field::Approver, "Dana Lee & Jo Park", at, false);
        g.finish();
        assert_eq!(
            approvers(&g),
            [Some("Dana Lee".into()), Some("Jo Park".into())]
        );
        g.clear(at);
        g.set(Field::Approver, " ; ", at, false);
        g.finish();
        assert_eq!(approvers(&g), [None]);
    }

    #[test]
    fn keys_resolve_through_aliases_case_and_separators() {
        assert_eq!(Field::from_key("Approved by"), Some(Field::Approver));
        assert_eq!(Field::from_key("approved-by"), Some(Field::Approver));
        assert_eq!(Field::from_key(" Valid.Until "), Some(Field::Expires));
        assert_eq!(Field::from_key("TENANT_ID"), Some(Field::Tenant));
        assert_eq!(Field::from_key("Customer Issue"), Some(Field::Reason));
        assert_eq!(Field::from_key("colour"), None);
    }

    #[test]
    fn aliases_are_unique_across_fields() {
        let mut seen = std::collections::HashSet::new();
        for f in Field::ALL {
            assert!(seen.insert(f.name()), "{}", f.name());
            for a in f.aliases() {
                assert!(seen.insert(a), "{a}");
            }
        }
    }

    #[test]
    fn blank_values_count_as_missing() {
        let mut g = Grant::new(Span::default());
        g.set(Field::Reason, "   ", Span::default(), false);
        assert!(g.text(Field::Reason).is_none());
        g.set(
            Field::Reason,
            " Check invoice sync ",
            Span::default(),
            false,
        );
        assert_eq!(g.text(Field::Reason), Some("Check invoice sync"));
    }
}
