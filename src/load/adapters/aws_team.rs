//! AWS IAM Identity Center TEAM (temporary elevated access management): request records as
//! JSON, and the auditor's approvals CSV download.

use super::record::{self, Record};
use super::tickets::{self, Profile};
use super::{Adapter, Lifecycle, Native, Out, expiry_after};
use crate::grant::Field;
use crate::load::InputError;
use crate::policy::mapping::normal_key;

pub const ADAPTER: Adapter = Adapter {
    name: "aws-team",
    system: "AWS TEAM",
    exports: "request records as JSON (a list, `{\"items\": […]}`, or the GraphQL \
`{\"data\": {\"listRequests\": {\"items\": […]}}}`), or the auditor's approvals CSV download \
(headers as the record's field names). `duration` is in hours; the expiry is `startTime` plus \
the duration. `endTime` is when the session really ended.",
    fields: &[
        ("id", "id", ""),
        ("email", "grantee, requested_by", ""),
        ("accountId", "tenant", "`accountName` when there is no id"),
        ("role", "role", ""),
        ("justification", "reason", ""),
        ("ticketNo", "ticket", ""),
        (
            "approver",
            "approver",
            "the approver who acted; `approvers` lists those who could",
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
            "when the status is ended, revoked or expired",
        ),
        ("status", "status", ""),
    ],
    states: &[
        ("in progress", "active"),
        ("ended", "ended"),
        ("revoked", "revoked"),
        ("expired", "expired"),
        (
            "pending, approved, scheduled, error",
            "pending (never activated: counted, not linted)",
        ),
        ("rejected, cancelled", "denied (counted, not linted)"),
    ],
    gaps: &[],
    load,
};

const SHAPE: &str = "TEAM request records: a JSON list (or `items`) of objects with id, email, \
accountId, role, duration, status, or the auditor's CSV";

/// The auditor's CSV: the record's field names as headers.
pub const PROFILE: Profile = Profile {
    columns: &[
        ("id", &[Field::Id]),
        ("email", &[Field::Grantee, Field::RequestedBy]),
        ("accountid", &[Field::Tenant]),
        ("account_id", &[Field::Tenant]),
        ("accountname", &[Field::Tenant]),
        ("account_name", &[Field::Tenant]),
        ("role", &[Field::Role]),
        ("justification", &[Field::Reason]),
        ("ticketno", &[Field::Ticket]),
        ("ticket_no", &[Field::Ticket]),
        ("approver", &[Field::Approver]),
        ("createdat", &[Field::RequestedAt]),
        ("starttime", &[Field::Start]),
        ("start_time", &[Field::Start]),
        ("endtime", &[Field::EndedAt]),
        ("end_time", &[Field::EndedAt]),
        ("status", &[Field::Status]),
    ],
    unwrap: |_| None,
    date_formats: &[],
    state,
    gates: &[],
    hours: Some("duration"),
};

fn load(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    let first = text.trim_start_matches('\u{feff}').trim_start();
    if !first.starts_with('[') && !first.starts_with('{') {
        return tickets::load(text, native, &PROFILE, out);
    }
    let root = record::parse(text, native.file)?;
    let wrappers = ["items", "data.listRequests.items"];
    let keys = ["accountId", "email"];
    for request in record::checked_records(&root, &wrappers, keys, text, native, SHAPE)? {
        map(request, native, out);
    }
    Ok(())
}

fn map(request: Record, native: &Native, out: &mut Out) {
    let grant = out.start(request.span());
    request.set(grant, Field::Id, "id");
    request.set(grant, Field::Grantee, "email");
    request.set(grant, Field::RequestedBy, "email");
    request.set(grant, Field::Tenant, "accountId");
    request.set(grant, Field::Tenant, "accountName");
    request.set(grant, Field::Role, "role");
    request.set(grant, Field::Reason, "justification");
    request.set(grant, Field::Ticket, "ticketNo");
    request.set(grant, Field::Approver, "approver");
    request.set(grant, Field::RequestedAt, "createdAt");
    request.set(grant, Field::Start, "startTime");
    if let Some((hours, at)) = request.text("duration") {
        let start = grant.time(Field::Start);
        expiry_after(grant, start, super::hours(hours), at);
    }
    let status = request.text("status");
    let lifecycle = status.map(|(s, _)| state(s));
    if matches!(
        lifecycle,
        Some(Some(
            Lifecycle::Ended | Lifecycle::Revoked | Lifecycle::Expired
        ))
    ) {
        request.set(grant, Field::EndedAt, "endTime");
    }
    let (lifecycle, at) = match (status, lifecycle) {
        (Some((_, at)), Some(Some(lifecycle))) => (lifecycle, at),
        (Some((text, at)), _) => {
            grant.problem(
                Some(Field::Status),
                at,
                format!("`{text}` is not a TEAM request status"),
                "expected pending, approved, in progress, ended, expired, revoked, rejected, cancelled",
            );
            (Lifecycle::Active, at)
        }
        (None, _) => (
            Lifecycle::approved(grant.time(Field::Expires), native.now),
            request.span(),
        ),
    };
    out.finish(lifecycle, at);
}

fn state(status: &str) -> Option<Lifecycle> {
    match normal_key(status).as_str() {
        "in_progress" | "active" => Some(Lifecycle::Active),
        "ended" => Some(Lifecycle::Ended),
        "revoked" => Some(Lifecycle::Revoked),
        "expired" => Some(Lifecycle::Expired),
        "pending" | "approved" | "scheduled" | "error" => Some(Lifecycle::Pending),
        "rejected" | "cancelled" | "canceled" => Some(Lifecycle::Denied),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Source, field, read};
    use crate::grant::Field::*;
    use crate::policy::mapping::Mapping;

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
