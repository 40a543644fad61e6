//! Google Cloud Privileged Access Manager: Grant resources (googleapis
//! `google/cloud/privilegedaccessmanager/v1/privilegedaccessmanager.proto`) as gcloud and the
//! REST API write them.

use chrono::TimeDelta;

use super::record::{self, Base, Record, Shape};
use super::{Adapter, Lifecycle, Native, Out, expiry_after, shape_error};
use crate::core::node::{Node, Value};
use crate::core::span::Span;
use crate::core::time::{parse_duration, parse_time};
use crate::grant::{Approval, Field};
use crate::load::InputError;

pub const ADAPTER: Adapter = Adapter {
    name: "gcp-pam",
    system: "Google Cloud PAM",
    exports: "Grant resources of the `privilegedaccessmanager/v1` API, as `gcloud pam grants list` \
or `gcloud pam grants search` write them with `--format=json` (a list) or by default (YAML, one \
document per grant after `---`; pass `--source gcp-pam`), as `gcloud pam grants describe` writes \
one, or as the REST `grants.list` and `grants.search` responses (`{\"grants\": […], \
\"nextPageToken\": …}`; pass every page). The expiry is the grant time plus `requestedDuration` (proto3 JSON seconds, \
fractions allowed: `\"5400.500s\"`).",
    fields: &[
        ("name", "id", "projects/…/entitlements/…/grants/…"),
        ("requester", "grantee, requested_by", ""),
        (
            "justification.unstructuredJustification",
            "reason, admin_justification",
            "the requester's own words for this grant's roles, so it counts for `admin-justified`",
        ),
        (
            "privilegedAccess.gcpIamAccess.resource",
            "tenant",
            "the project, folder or organization",
        ),
        (
            "privilegedAccess.gcpIamAccess.roleBindings[].role",
            "role",
            "several roles make a list",
        ),
        (
            "timeline.events[].approved.actor",
            "approver",
            "every `approved` event is an approval, with its `reason` and `eventTime`",
        ),
        (
            "timeline.events[].eventTime",
            "approved_at",
            "of the first approval",
        ),
        ("createTime", "requested_at", ""),
        (
            "auditTrail.accessGrantTime",
            "start",
            "else the `activated` event's time; a grant still `ACTIVATING` starts at its \
`scheduled` activation time, else its last approval, else `createTime` (access is being given)",
        ),
        (
            "requestedDuration",
            "expires",
            "start + duration (`14400s`, `5400.500s`)",
        ),
        (
            "auditTrail.accessRemoveTime",
            "ended_at",
            "else the `revoked`, `ended` or `withdrawn` event's time",
        ),
        ("state", "status", ""),
    ],
    states: &[
        ("ACTIVATING, ACTIVE", "active"),
        ("REVOKING, REVOKED", "revoked"),
        ("ENDED, WITHDRAWING or WITHDRAWN after activation", "ended"),
        (
            "APPROVAL_AWAITED, SCHEDULED, ACTIVATION_FAILED, WITHDRAWING or WITHDRAWN before activation",
            "pending (never activated: counted, not linted)",
        ),
        (
            "EXPIRED",
            "pending (the approval timed out, access was never given: counted, not linted)",
        ),
        ("DENIED", "denied (counted, not linted)"),
    ],
    gaps: &[
        "the closeout owner and a ticket: a Grant has neither; name them in the justification or \
leave `owner-named` and `ticket-linked` at warning",
        "the whole history when paged: a response with a `nextPageToken` holds one page; pass every page",
    ],
    load,
};

const SHAPE: Shape = Shape {
    wrappers: &["grants"],
    keys: ["name", "requester"],
    description: "a JSON list of PAM Grant resources (`gcloud pam grants list --format=json`), \
or a `{\"grants\": […]}` API response",
};

fn load(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    if let Some(documents) = yaml_documents(text, native)? {
        for (node, base) in &documents {
            let grant = Record { node, base: *base };
            if grant.get("name").is_none() && grant.get("requester").is_none() {
                let found = "this document has neither `name` nor `requester`";
                return Err(shape_error(
                    native,
                    Some(grant.span()),
                    text,
                    found,
                    SHAPE.description,
                ));
            }
            map(grant, native, out);
        }
        return Ok(());
    }
    let root = record::parse(text, native.file)?;
    if let Value::Map(entries) = &root.value {
        // proto3 JSON leaves an empty list out: a page with no grants is `{}` or only a token.
        fn key((k, _): &(Node, Node)) -> Option<&str> {
            k.value.as_scalar()
        }
        if entries
            .iter()
            .all(|e| matches!(key(e), Some("nextPageToken" | "unreachable")))
        {
            return Ok(());
        }
        // One Grant: `gcloud pam grants describe`.
        if entries.iter().any(|e| key(e) == Some("requester")) {
            map(Record::new(&root), native, out);
            return Ok(());
        }
    }
    for grant in record::checked_records(&root, &SHAPE, text, native)? {
        map(grant, native, out);
    }
    Ok(())
}

/// gcloud's default output, without `--format=json`: one YAML document per grant, each after
/// a `---` line. `None` when the text is not several documents.
fn yaml_documents(text: &str, native: &Native) -> Result<Option<Vec<(Node, Base)>>, InputError> {
    let separator = |line: &str| line.trim_end() == "---";
    if !text.split_inclusive('\n').any(separator) {
        return Ok(None);
    }
    let mut documents = Vec::new();
    let (mut lines, mut offset) = (0u32, 0usize);
    let mut start = (0u32, 0usize);
    let parse = |from: (u32, usize), to: usize, documents: &mut Vec<(Node, Base)>| {
        let body = &text[from.1..to];
        if body.trim().is_empty() {
            return Ok(());
        }
        let node = record::parse(body, native.file).map_err(|mut e| {
            // Errors name the place in the whole file, not in the document.
            if let Some(at) = e.location {
                let at = Span {
                    line: at.line + from.0,
                    offset: at.offset + from.1,
                    ..at
                };
                e = InputError::new(native.file, e.message)
                    .help("each `---` document of gcloud's output is one Grant");
                e = e.at(at, Some(&std::sync::Arc::from(text)));
            }
            e
        })?;
        let base = Base {
            lines: from.0,
            offset: from.1,
        };
        documents.push((node, base));
        Ok(())
    };
    for line in text.split_inclusive('\n') {
        let (at, after) = (offset, offset + line.len());
        lines += 1;
        offset = after;
        if separator(line) {
            parse(start, at, &mut documents)?;
            start = (lines, after);
        }
    }
    parse(start, text.len(), &mut documents)?;
    Ok(Some(documents))
}

fn map(pam: Record, native: &Native, out: &mut Out) {
    let grant = out.start(pam.span());
    pam.set_declared(grant, &native.mapping.fields);
    pam.set(grant, Field::Id, "name");
    pam.set(grant, Field::Grantee, "requester");
    pam.set(grant, Field::RequestedBy, "requester");
    let justification = "justification.unstructuredJustification";
    pam.set(grant, Field::Reason, justification);
    pam.set(grant, Field::AdminJustification, justification);
    pam.set(
        grant,
        Field::Tenant,
        "privilegedAccess.gcpIamAccess.resource",
    );
    if let Some(access) = pam.record("privilegedAccess.gcpIamAccess") {
        let roles: Vec<(&str, _)> = access
            .records("roleBindings")
            .filter_map(|b| b.text("role"))
            .collect();
        if let Some((_, at)) = roles.first() {
            record::set_joined(grant, Field::Role, roles.iter().map(|(r, _)| *r), *at);
        }
    }
    pam.set(grant, Field::RequestedAt, "createTime");
    let events: Vec<Record> = pam.records("timeline.events").collect();
    let event = |kind: &str| events.iter().find(|e| e.get(kind).is_some()).copied();
    // Every `approved` event is one approval (an entitlement may need several approvers).
    let mut last_approval = None;
    for approved in events.iter().filter(|e| e.get("approved").is_some()) {
        let at = approved
            .text("eventTime")
            .and_then(|(t, span)| parse_time(t).ok().map(|t| (t, span)));
        match approved.text("approved.actor") {
            Some((actor, span)) => grant.approve(Approval {
                approver: (actor.to_string(), span),
                at,
                reason: approved
                    .text("approved.reason")
                    .map(|(r, span)| (r.to_string(), span)),
            }),
            None => approved.set(grant, Field::ApprovedAt, "eventTime"),
        }
        last_approval = Some(*approved);
    }
    pam.set(grant, Field::Start, "auditTrail.accessGrantTime");
    let activated = event("activated");
    if let Some(activated) = activated {
        activated.set(grant, Field::Start, "eventTime");
    }
    let state = pam.text("state");
    let activating = state.is_some_and(|(s, _)| s.eq_ignore_ascii_case("ACTIVATING"));
    if activating && grant.text(Field::Start).is_none() {
        // Access is being given: at its scheduled time, else right after the last approval,
        // else (no approval workflow) right after the request.
        if let Some(scheduled) = event("scheduled") {
            scheduled.set(grant, Field::Start, "scheduled.scheduledActivationTime");
        }
        if let Some(approved) = last_approval {
            approved.set(grant, Field::Start, "eventTime");
        }
        pam.set(grant, Field::Start, "createTime");
    }
    if let Some((text, at)) = pam.text("requestedDuration") {
        let why = |why| format!("requestedDuration `{text}`: {why}");
        expiry_after(grant, proto_duration(text).map_err(why), at);
    }
    pam.set(grant, Field::EndedAt, "auditTrail.accessRemoveTime");
    // `expired` is the approval timing out, not access ending.
    for kind in ["revoked", "ended", "withdrawn"] {
        if let Some(end) = event(kind) {
            end.set(grant, Field::EndedAt, "eventTime");
        }
    }
    let activated = activated.is_some() || pam.text("auditTrail.accessGrantTime").is_some();
    let (lifecycle, at) = match state {
        Some((state, at)) => {
            let lifecycle = match state.to_ascii_uppercase().as_str() {
                // PAM says itself whether access is live; its word is the state at export time.
                "ACTIVATING" | "ACTIVE" => Lifecycle::Active,
                "REVOKING" | "REVOKED" => Lifecycle::Revoked,
                "ENDED" => Lifecycle::Ended,
                "WITHDRAWING" | "WITHDRAWN" if activated => Lifecycle::Ended,
                "DENIED" => Lifecycle::Denied,
                // EXPIRED: "Expired after waiting for the approval workflow to complete".
                "APPROVAL_AWAITED" | "SCHEDULED" | "ACTIVATION_FAILED" | "EXPIRED"
                | "WITHDRAWING" | "WITHDRAWN" => Lifecycle::Pending,
                _ => {
                    grant.problem(
                        Some(Field::Status),
                        at,
                        format!("`{state}` is not a PAM grant state"),
                        "expected ACTIVE, ACTIVATING, ENDED, REVOKED, REVOKING, WITHDRAWN, WITHDRAWING, SCHEDULED, APPROVAL_AWAITED, DENIED, EXPIRED or ACTIVATION_FAILED",
                    );
                    Lifecycle::Active
                }
            };
            (lifecycle, at)
        }
        None => (
            Lifecycle::approved(grant.time(Field::Expires), native.now),
            pam.span(),
        ),
    };
    out.finish(lifecycle, at);
}

/// A proto3 JSON `google.protobuf.Duration`: seconds with up to nine fractional digits and an
/// `s` (`"14400s"`, `"5400.500s"`). Other duration forms are read as a fallback.
pub(crate) fn proto_duration(text: &str) -> Result<TimeDelta, String> {
    let seconds = text.trim().strip_suffix(['s', 'S']);
    let parsed = seconds.and_then(|s| {
        let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
        let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 9 {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let nanos: i64 = format!("{fraction:0<9}").parse().ok()?;
        TimeDelta::try_seconds(whole)?.checked_add(&TimeDelta::nanoseconds(nanos))
    });
    match parsed {
        Some(duration) if duration > TimeDelta::zero() => Ok(duration),
        Some(_) => Err("a grant's duration must be more than zero".into()),
        None => parse_duration(text).map_err(|why| {
            format!(
                "{why}; PAM writes seconds, with up to 9 decimals, and an `s` (`3600s`, `5400.5s`)"
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Source, field, read};
    use crate::grant::Field::*;
    use crate::load::mapping::Mapping;

    #[test]
    fn expiry_is_the_grant_time_plus_the_requested_duration() {
        let text = r#"{"grants": [
{"name": "g1", "requester": "alice@x.com", "requestedDuration": "14400s", "state": "ENDED",
 "justification": {"unstructuredJustification": "why"},
 "timeline": {"events": [{"eventTime": "2026-11-23T09:00:00Z", "approved": {"actor": "bob@x.com"}},
                         {"eventTime": "2026-11-23T09:00:05Z", "activated": {}},
                         {"eventTime": "2026-11-23T10:00:00Z", "ended": {}}]},
 "privilegedAccess": {"gcpIamAccess": {"resource": "//crm/projects/p", "roleBindings": [{"role": "roles/a"}, {"role": "roles/b"}]}},
 "auditTrail": {"accessGrantTime": "2026-11-23T09:00:06Z"}},
{"name": "g2", "requester": "x", "state": "WITHDRAWN"},
{"name": "g3", "requester": "x", "state": "DENIED"}
]}"#;
        let (grants, skipped) = read(Source::GcpPam, text, &Mapping::default());
        assert_eq!((grants.len(), skipped), (1, 2));
        let g = &grants[0];
        assert_eq!(field(g, Grantee), Some(("alice@x.com", 2, 29)));
        assert_eq!(field(g, Start).map(|f| f.0), Some("2026-11-23T09:00:06Z"));
        // 4 hours after the grant time, pointing at the requested duration.
        assert_eq!(field(g, Expires), Some(("2026-11-23T13:00:06Z", 2, 65)));
        assert_eq!(field(g, Approver).map(|f| f.0), Some("bob@x.com"));
        assert_eq!(
            field(g, ApprovedAt).map(|f| f.0),
            Some("2026-11-23T09:00:00Z")
        );
        assert_eq!(field(g, EndedAt).map(|f| f.0), Some("2026-11-23T10:00:00Z"));
        assert_eq!(field(g, Role).map(|f| f.0), Some("roles/a, roles/b"));
        assert_eq!(field(g, Tenant).map(|f| f.0), Some("//crm/projects/p"));
        assert_eq!(field(g, Status).map(|f| f.0), Some("ended"));
    }

    #[test]
    fn proto3_durations_are_seconds_with_up_to_nine_decimals() {
        use super::proto_duration;
        use chrono::TimeDelta;
        assert_eq!(proto_duration("14400s"), Ok(TimeDelta::hours(4)));
        assert_eq!(
            proto_duration("5400.500s"),
            Ok(TimeDelta::seconds(5400) + TimeDelta::milliseconds(500))
        );
        assert_eq!(
            proto_duration("0.000000001s"),
            Ok(TimeDelta::nanoseconds(1))
        );
        // Other duration forms still read; nonsense says what PAM writes.
        assert_eq!(proto_duration("1h30m"), Ok(TimeDelta::minutes(90)));
        for bad in ["5400.5.0s", "0s", "1.0000000001s", ".5s", "-3600s", "s"] {
            assert!(proto_duration(bad).is_err(), "{bad}");
        }
    }
}
