//! Google Cloud Privileged Access Manager: `gcloud pam grants list --format=json`.

use super::record::{self, Record};
use super::{Adapter, Lifecycle, Native, Out, expiry_after};
use crate::grant::Field;
use crate::load::InputError;
use crate::load::time::parse_duration;

pub const ADAPTER: Adapter = Adapter {
    name: "gcp-pam",
    system: "Google Cloud PAM",
    exports: "`gcloud pam grants list --location=global --entitlement=… --format=json` (a list of \
Grant resources; a `{\"grants\": […]}` API response also reads). The expiry is the grant time \
plus the requested duration.",
    fields: &[
        ("name", "id", "projects/…/entitlements/…/grants/…"),
        ("requester", "grantee, requested_by", ""),
        ("justification.unstructuredJustification", "reason", ""),
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
            "the first approval",
        ),
        (
            "timeline.events[].eventTime",
            "approved_at",
            "of that approval",
        ),
        ("createTime", "requested_at", ""),
        (
            "auditTrail.accessGrantTime",
            "start",
            "else the `activated` event's time",
        ),
        (
            "requestedDuration",
            "expires",
            "start + duration (`14400s`)",
        ),
        (
            "auditTrail.accessRemoveTime",
            "ended_at",
            "else the `revoked`, `ended` or `expired` event's time",
        ),
        ("state", "status", ""),
    ],
    states: &[
        ("ACTIVATING, ACTIVE", "active"),
        ("EXPIRED", "expired"),
        ("REVOKING, REVOKED", "revoked"),
        ("ENDED, WITHDRAWN after activation", "ended"),
        (
            "APPROVAL_AWAITED, SCHEDULED, ACTIVATION_FAILED, WITHDRAWING, WITHDRAWN",
            "pending (never activated: counted, not linted)",
        ),
        ("DENIED", "denied (counted, not linted)"),
    ],
    gaps: &[],
    load,
};

const SHAPE: &str = "a JSON list of PAM Grant resources (`gcloud pam grants list --format=json`)";

fn load(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    let root = record::parse(text, native.file)?;
    let keys = ["name", "requester"];
    for grant in record::checked_records(&root, &["grants"], keys, text, native, SHAPE)? {
        map(grant, native, out);
    }
    Ok(())
}

fn map(pam: Record, native: &Native, out: &mut Out) {
    let grant = out.start(pam.span());
    pam.set(grant, Field::Id, "name");
    pam.set(grant, Field::Grantee, "requester");
    pam.set(grant, Field::RequestedBy, "requester");
    pam.set(
        grant,
        Field::Reason,
        "justification.unstructuredJustification",
    );
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
    if let Some(approved) = event("approved") {
        approved.set(grant, Field::Approver, "approved.actor");
        approved.set(grant, Field::ApprovedAt, "eventTime");
    }
    pam.set(grant, Field::Start, "auditTrail.accessGrantTime");
    let activated = event("activated");
    if let Some(activated) = activated {
        activated.set(grant, Field::Start, "eventTime");
    }
    if let Some((duration, at)) = pam.text("requestedDuration") {
        let start = grant.time(Field::Start);
        expiry_after(
            grant,
            start,
            parse_duration(duration)
                .map_err(|why| format!("requestedDuration `{duration}`: {why}")),
            at,
        );
    }
    pam.set(grant, Field::EndedAt, "auditTrail.accessRemoveTime");
    for kind in ["revoked", "ended", "expired"] {
        if let Some(end) = event(kind) {
            end.set(grant, Field::EndedAt, "eventTime");
        }
    }
    let activated = activated.is_some() || grant.text(Field::Start).is_some();
    let (lifecycle, at) = match pam.text("state") {
        Some((state, at)) => {
            let lifecycle = match state.to_ascii_uppercase().as_str() {
                // PAM says itself whether access is live; its word is the state at export time.
                "ACTIVATING" | "ACTIVE" => Lifecycle::Active,
                "EXPIRED" => Lifecycle::Expired,
                "REVOKING" | "REVOKED" => Lifecycle::Revoked,
                "ENDED" => Lifecycle::Ended,
                "WITHDRAWING" | "WITHDRAWN" if activated => Lifecycle::Ended,
                "DENIED" => Lifecycle::Denied,
                "APPROVAL_AWAITED" | "SCHEDULED" | "ACTIVATION_FAILED" | "WITHDRAWING"
                | "WITHDRAWN" => Lifecycle::Pending,
                _ => {
                    grant.problem(
                        Some(Field::Status),
                        at,
                        format!("`{state}` is not a PAM grant state"),
                        "expected ACTIVE, EXPIRED, REVOKED, ENDED, DENIED, APPROVAL_AWAITED, …",
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

#[cfg(test)]
mod tests {
    use super::super::{Source, field, read};
    use crate::grant::Field::*;
    use crate::policy::mapping::Mapping;

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
}
