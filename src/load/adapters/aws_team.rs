//! AWS IAM Identity Center TEAM (temporary elevated access management): request records as
//! JSON (the `requests` model of aws-samples/iam-identity-center-team
//! `amplify/backend/api/team/schema.graphql`), and the auditor's approvals CSV, which
//! `src/components/Audit/AuditApprovals.js` writes with react-csv from the same records after
//! rewriting their statuses.

use chrono::{DateTime, Utc};

use super::record::{self, Record, Shape};
use super::{Adapter, Lifecycle, Native, Out, expiry_after};
use crate::core::span::Span;
use crate::grant::{Approval, Field, Grant};
use crate::load::InputError;
use crate::load::csv::Columns;
use crate::load::mapping::normal_key;

pub const ADAPTER: Adapter = Adapter {
    name: "aws-team",
    system: "AWS TEAM",
    exports: "request records as JSON (a list, `{\"items\": […]}`, or a GraphQL response such as \
`{\"data\": {\"listRequests\": {\"items\": […]}}}`), or the auditor's approvals CSV (Audit → \
Approvals → Download: every field of every record, each cell quoted, arrays joined by commas). \
`duration` is in hours; the expiry is `startTime` plus the duration. `endTime` is when TEAM \
removed the access. Before that download TEAM rewrites `scheduled`, `in progress`, `ended` and \
`revoked` to `approved`, so a CSV row's `approved` is told apart by its times: a `revoker` makes \
it revoked, an `endTime` ended; else it has not started (not linted), is active, or is past its \
expiry (TEAM ends the access itself: expired).",
    fields: &[
        ("id", "id", ""),
        (
            "email",
            "grantee, requested_by",
            "the requester, who gets the access",
        ),
        ("accountId", "tenant", "`accountName` when there is no id"),
        ("role", "role", "the permission set"),
        (
            "justification",
            "reason, admin_justification",
            "the requester's only reason for this elevation, so it counts for `admin-justified`",
        ),
        ("ticketNo", "ticket", ""),
        (
            "approver",
            "approver",
            "the approver who acted (else `approverId`), one approval with `comment` as its reason; \
TEAM records no approval time",
        ),
        (
            "comment",
            "(approval reason)",
            "what the approver wrote when acting",
        ),
        (
            "approvers",
            "(not mapped)",
            "the members of the account's approver groups, who could approve: not approvals",
        ),
        (
            "owner",
            "(not mapped)",
            "Amplify's record owner: the requester's sign-in (`sub::username`), not a closeout owner",
        ),
        ("createdAt", "requested_at", ""),
        ("startTime", "start", ""),
        (
            "duration",
            "expires",
            "startTime + duration hours (`\"2\"`)",
        ),
        (
            "endTime",
            "ended_at",
            "set by TEAM when it removes the access",
        ),
        (
            "revoker, revokerId",
            "status",
            "who revoked: makes an approvals CSV row `approved` revoked",
        ),
        ("status", "status", ""),
    ],
    states: &[
        ("in progress", "active"),
        ("ended", "ended"),
        ("revoked", "revoked"),
        (
            "approved (approvals CSV)",
            "revoked, ended, active or expired by its times; not started: pending",
        ),
        (
            "pending, approved (JSON), scheduled, error",
            "pending (never activated: counted, not linted)",
        ),
        (
            "expired",
            "pending (no approver acted in time, access was never given: counted, not linted)",
        ),
        ("rejected, cancelled", "denied (counted, not linted)"),
    ],
    gaps: &[
        "when approval was given: TEAM keeps no approval time, so `approved-before-access` cannot judge TEAM grants",
        "the closeout owner: TEAM has none (`owner` is the requester's sign-in)",
        "whether an `error` request got access: TEAM writes `error` when granting fails and when removing fails; both are counted, not linted, so check TEAM's logs for errors",
    ],
    load,
};

const SHAPE: Shape = Shape {
    wrappers: &[
        "items",
        "data.listRequests.items",
        "data.requestByStatus.items",
        "data.requestByEmailAndStatus.items",
        "data.requestByApproverAndStatus.items",
    ],
    keys: ["accountId", "email"],
    description: "TEAM request records: a JSON list (or `items`) of objects with id, email, \
accountId, role, duration, status, or the auditor's CSV",
};

/// The request fields the adapter reads, as TEAM names them (JSON keys and CSV headers).
const KEYS: &[(&str, Option<Field>)] = &[
    ("id", Some(Field::Id)),
    ("email", Some(Field::Grantee)),
    ("accountId", Some(Field::Tenant)),
    ("accountName", Some(Field::Tenant)),
    ("role", Some(Field::Role)),
    ("justification", Some(Field::Reason)),
    ("ticketNo", Some(Field::Ticket)),
    ("approver", Some(Field::Approver)),
    ("approverId", Some(Field::Approver)),
    ("comment", None),
    ("revoker", None),
    ("revokerId", None),
    ("createdAt", Some(Field::RequestedAt)),
    ("startTime", Some(Field::Start)),
    ("duration", Some(Field::Expires)),
    ("endTime", Some(Field::EndedAt)),
    ("status", Some(Field::Status)),
];

/// A header or key without case or separators: react-csv writes the record's own keys
/// (`accountId`), hand-made exports may write `account_id`.
fn compact(key: &str) -> String {
    key.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn key_index(key: &str) -> Option<usize> {
    let key = compact(key);
    KEYS.iter().position(|(k, _)| compact(k) == key)
}

/// One request's values by TEAM's field names, from a JSON record or a CSV row.
trait Request {
    fn text(&self, key: &str) -> Option<(&str, Span)>;
}

impl Request for Record<'_> {
    fn text(&self, key: &str) -> Option<(&str, Span)> {
        Record::text(*self, key)
    }
}

fn load(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    let first = text.trim_start_matches('\u{feff}').trim_start();
    if !first.starts_with('[') && !first.starts_with('{') {
        return load_csv(text, native, out);
    }
    let root = record::parse(text, native.file)?;
    for request in record::checked_records(&root, &SHAPE, text, native)? {
        let grant = out.start(request.span());
        request.set_declared(grant, &native.mapping.fields);
        let (lifecycle, at) = map(&request, false, native.now, grant);
        out.finish(lifecycle, at);
    }
    Ok(())
}

/// Maps one request onto `grant`; returns where it is in its life and where that is written.
/// `rewritten`: the status comes from the approvals CSV, where `approved` stands for five.
fn map(
    request: &impl Request,
    rewritten: bool,
    now: DateTime<Utc>,
    grant: &mut Grant,
) -> (Lifecycle, Span) {
    let set = |grant: &mut Grant, field: Field, key: &str| {
        if let Some((text, at)) = request.text(key) {
            grant.set(field, text, at, false);
        }
    };
    set(grant, Field::Id, "id");
    set(grant, Field::Grantee, "email");
    set(grant, Field::RequestedBy, "email");
    set(grant, Field::Tenant, "accountId");
    set(grant, Field::Tenant, "accountName");
    set(grant, Field::Role, "role");
    set(grant, Field::Reason, "justification");
    set(grant, Field::AdminJustification, "justification");
    set(grant, Field::Ticket, "ticketNo");
    set(grant, Field::RequestedAt, "createdAt");
    set(grant, Field::Start, "startTime");
    if let Some((hours, at)) = request.text("duration") {
        expiry_after(grant, super::hours(hours), at);
    }
    // TEAM writes `endTime` only when it has removed the access.
    set(grant, Field::EndedAt, "endTime");
    let (lifecycle, at) = match request.text("status") {
        None => (
            Lifecycle::approved(grant.time(Field::Expires), now),
            grant.span,
        ),
        Some((text, at)) if rewritten && text.eq_ignore_ascii_case("approved") => {
            let revoked = request.text("revoker").or(request.text("revokerId"));
            (granted(grant, revoked.is_some(), now), at)
        }
        Some((text, at)) => match state(text) {
            Some(lifecycle) => (lifecycle, at),
            None => {
                grant.problem(
                    Some(Field::Status),
                    at,
                    format!("`{text}` is not a TEAM request status"),
                    "expected pending, approved, scheduled, in progress, ended, revoked, expired, rejected, cancelled or error",
                );
                (Lifecycle::Active, at)
            }
        },
    };
    if lifecycle.is_access() {
        // One approver acts on a TEAM request; `approver` is their email, `approverId` their
        // sign-in, written first (the email follows once TEAM has looked it up).
        if let Some((approver, span)) = request.text("approver").or(request.text("approverId")) {
            let reason = request.text("comment").map(|(r, at)| (r.to_string(), at));
            grant.approve(Approval {
                approver: (approver.to_string(), span),
                at: None,
                reason,
            });
        }
    }
    (lifecycle, at)
}

/// An approvals CSV row's `approved`: TEAM's `approved`, `scheduled`, `in progress`, `ended`
/// and `revoked` folded into one word (`AuditApprovals.js`, `updateItems`). The record's other
/// fields still tell them apart: who revoked, when TEAM removed the access, and the times.
fn granted(grant: &Grant, revoked: bool, now: DateTime<Utc>) -> Lifecycle {
    if revoked {
        return Lifecycle::Revoked;
    }
    if grant.text(Field::EndedAt).is_some() {
        return Lifecycle::Ended;
    }
    match grant.time(Field::Start) {
        // Approved or scheduled: the session has not started, no access yet.
        Some(start) if start > now => Lifecycle::Pending,
        // In progress, or past its expiry, when TEAM's revoke step removes it.
        _ => Lifecycle::approved(grant.time(Field::Expires), now),
    }
}

fn state(status: &str) -> Option<Lifecycle> {
    match normal_key(status).as_str() {
        "in_progress" | "active" => Some(Lifecycle::Active),
        "ended" => Some(Lifecycle::Ended),
        "revoked" => Some(Lifecycle::Revoked),
        // `expired`: no approver acted before the approval window closed (teamStatus turns a
        // still pending request into `expired`); access was never given.
        "pending" | "approved" | "scheduled" | "error" | "expired" => Some(Lifecycle::Pending),
        "rejected" | "cancelled" | "canceled" => Some(Lifecycle::Denied),
        _ => None,
    }
}

/// The approvals CSV: react-csv writes every key of the records as a header.
fn load_csv(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    let mut rows = Rows {
        native,
        columns: Vec::new(),
        cells: vec![None; KEYS.len()],
        mapped: Vec::new(),
        skipped: 0,
    };
    out.read_csv(text, native, &mut rows)?;
    out.skipped += rows.skipped;
    Ok(())
}

/// What a CSV column holds.
#[derive(Clone, Copy)]
enum Column {
    /// A column the policy's `mapping:` names: it fills the field first.
    Mapped(Field),
    /// One of TEAM's fields (`KEYS`).
    Team(usize),
    Ignored,
}

struct Rows<'a> {
    native: &'a Native<'a>,
    columns: Vec<Column>,
    /// This row's values of TEAM's fields, by `KEYS` index.
    cells: Vec<Option<(String, Span)>>,
    /// This row's values of mapped columns.
    mapped: Vec<(Field, String, Span)>,
    skipped: usize,
}

impl Request for Rows<'_> {
    fn text(&self, key: &str) -> Option<(&str, Span)> {
        let index = KEYS.iter().position(|(k, _)| *k == key)?;
        self.cells[index].as_ref().map(|(t, at)| (t.as_str(), *at))
    }
}

impl Columns for Rows<'_> {
    fn header(&mut self, names: Vec<(String, Span)>, file: &str) -> Result<(), InputError> {
        self.columns = names
            .iter()
            .map(
                |(name, _)| match self.native.mapping.column(&normal_key(name)) {
                    Some(field) => Column::Mapped(field),
                    None => key_index(name).map_or(Column::Ignored, Column::Team),
                },
            )
            .collect();
        // `--source aws-team` on a CSV with none of TEAM's columns: not its approvals export.
        if !names.is_empty() && self.columns.iter().all(|c| matches!(c, Column::Ignored)) {
            return Err(crate::load::understood::not_an_export(&names, file));
        }
        Ok(())
    }

    fn width(&self) -> usize {
        self.columns.len()
    }

    fn field(&self, index: usize) -> Option<Field> {
        match self.columns.get(index)? {
            Column::Mapped(field) => Some(*field),
            Column::Team(key) => KEYS[*key].1,
            Column::Ignored => None,
        }
    }

    fn cell(&mut self, _: &mut Grant, index: usize, text: &str, span: Span) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        match self.columns.get(index) {
            Some(Column::Mapped(field)) => self.mapped.push((*field, text.to_string(), span)),
            Some(Column::Team(key)) if self.cells[*key].is_none() => {
                self.cells[*key] = Some((text.to_string(), span));
            }
            _ => {}
        }
    }

    fn row(&mut self, grant: &mut Grant) -> bool {
        for (field, text, at) in self.mapped.drain(..) {
            grant.set(field, &text, at, false);
        }
        let (lifecycle, at) = map(&*self, true, self.native.now, grant);
        self.cells.iter_mut().for_each(|c| *c = None);
        if !lifecycle.is_access() {
            self.skipped += 1;
            return false;
        }
        grant.set(Field::Status, lifecycle.name(), at, false);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Source, field, read};
    use crate::grant::Field::*;
    use crate::load::mapping::Mapping;

    #[test]
    fn duration_in_hours_gives_the_expiry() {
        let text = r#"{"data": {"listRequests": {"items": [
{"id": "r1", "email": "a@x.com", "accountId": "111122223333", "role": "ReadOnly", "duration": "2",
 "startTime": "2026-11-23T09:00:00.000Z", "status": "revoked", "endTime": "2026-11-23T09:30:00.000Z",
 "approver": "b@x.com", "ticketNo": "SUP-1", "justification": "why"},
{"id": "r2", "email": "a@x.com", "accountId": "1", "duration": 1, "startTime": "2026-11-23T09:00:00Z", "status": "scheduled"}
]}}}"#;
        let (grants, skipped) = read(Source::AwsTeam, text, &Mapping::default());
        assert_eq!((grants.len(), skipped), (1, 1));
        let g = &grants[0];
        assert_eq!(field(g, Expires), Some(("2026-11-23T11:00:00Z", 2, 95)));
        assert_eq!(
            field(g, EndedAt).map(|f| f.0),
            Some("2026-11-23T09:30:00.000Z")
        );
        assert_eq!(field(g, Tenant).map(|f| f.0), Some("111122223333"));
        assert_eq!(field(g, Status).map(|f| f.0), Some("revoked"));
        assert_eq!(field(g, Ticket).map(|f| f.0), Some("SUP-1"));
    }

    #[test]
    fn the_auditor_csv_reads_through_the_same_mapping() {
        let csv = "id,email,accountId,role,startTime,duration,status,approver\nr1,a@x.com,1111,ReadOnly,2026-11-23T09:00:00Z,3,ended,b@x.com\nr2,a@x.com,1111,ReadOnly,2026-11-23T09:00:00Z,3,rejected,b@x.com\n";
        let (grants, skipped) = read(Source::AwsTeam, csv, &Mapping::default());
        assert_eq!((grants.len(), skipped), (1, 1));
        assert_eq!(
            field(&grants[0], Expires),
            Some(("2026-11-23T12:00:00Z", 2, 47))
        );
        assert_eq!(field(&grants[0], Grantee), Some(("a@x.com", 2, 4)));
        assert_eq!(field(&grants[0], Status), Some(("ended", 2, 49)));
    }
}
