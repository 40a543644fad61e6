//! Microsoft Entra Privileged Identity Management: the Microsoft Graph
//! `roleManagement/directory/roleAssignmentScheduleRequests` response (`value[]`).

use super::record::{self, Record};
use super::{Adapter, Lifecycle, Native, Out, expiry_after};
use crate::grant::{Field, Span};
use crate::load::InputError;
use crate::load::time::parse_duration;

pub const ADAPTER: Adapter = Adapter {
    name: "entra-pim",
    system: "Microsoft Entra PIM",
    exports: "the Microsoft Graph response of `GET /roleManagement/directory/roleAssignmentScheduleRequests` \
(`{\"value\": […]}`, or the bare list). Role GUIDs become names through the well-known built-in \
roles and the policy's `mapping: {roles: {GUID: name}}`. A `noExpiration` activation is a grant \
without expiry. Deactivation requests (`selfDeactivate`, `adminRemove`) are not grants: they set \
`ended_at` of the activation they end and are counted as skipped.",
    fields: &[
        ("id", "id", ""),
        (
            "principal.userPrincipalName",
            "grantee",
            "with `$expand=principal`; else `principalId`",
        ),
        (
            "roleDefinition.displayName",
            "role",
            "with `$expand=roleDefinition`; else `roleDefinitionId` through the role names",
        ),
        ("directoryScopeId", "tenant", "`/` is the whole directory"),
        ("justification", "reason", ""),
        ("ticketInfo.ticketNumber", "ticket", ""),
        (
            "createdBy.user.displayName",
            "requested_by",
            "else `createdBy.user.id`",
        ),
        ("createdDateTime", "requested_at", ""),
        ("scheduleInfo.startDateTime", "start", ""),
        (
            "scheduleInfo.expiration.endDateTime",
            "expires",
            "type `afterDateTime`",
        ),
        (
            "scheduleInfo.expiration.duration",
            "expires",
            "type `afterDuration`: start + duration (`PT4H`); `noExpiration`: none",
        ),
        (
            "createdDateTime of a later deactivation",
            "ended_at",
            "same principal, role and scope",
        ),
        ("status", "status", ""),
    ],
    states: &[
        (
            "Provisioned, Granted",
            "active, or expired once past its expiry (PIM ends the activation)",
        ),
        ("Revoked", "revoked"),
        (
            "PendingApproval, PendingAdminDecision, PendingProvisioning, PendingScheduleCreation, ScheduleCreated, Canceled, Failed",
            "pending (never activated: counted, not linted)",
        ),
        ("Denied", "denied (counted, not linted)"),
    ],
    gaps: &[],
    load,
};

const SHAPE: &str =
    "a Microsoft Graph response with a `value` list of roleAssignmentScheduleRequests";

/// Well-known built-in Entra roles: template id → display name.
const BUILT_IN_ROLES: &[(&str, &str)] = &[
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
    ),
    (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
    ),
    (
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Authentication Administrator",
    ),
    (
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "Security Administrator",
    ),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
    ),
    (
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Administrator",
    ),
    (
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
        "Teams Administrator",
    ),
    (
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        "Intune Administrator",
    ),
    (
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
    ),
    (
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
    ),
    (
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Authentication Administrator",
    ),
    (
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        "Conditional Access Administrator",
    ),
    (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
    ),
    (
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "Password Administrator",
    ),
    (
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        "Groups Administrator",
    ),
    (
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        "Billing Administrator",
    ),
    (
        "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
        "License Administrator",
    ),
    (
        "17315797-102d-40b4-93e0-432062caca18",
        "Compliance Administrator",
    ),
    (
        "f023fd81-a637-4b56-95fd-791ac0226033",
        "Service Support Administrator",
    ),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"),
    ("5d6b6bb7-de71-4623-b4af-96380a352509", "Security Reader"),
    ("4a5d8f65-41da-4de4-8968-e035b65339cf", "Reports Reader"),
    ("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "Directory Readers"),
];

fn load(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    let root = record::parse(text, native.file)?;
    let keys = ["roleDefinitionId", "principalId"];
    let requests = record::checked_records(&root, &["value"], keys, text, native, SHAPE)?;
    let removals: Vec<Record> = requests
        .iter()
        .copied()
        .filter(|r| is_removal(*r))
        .collect();
    for request in &requests {
        if is_removal(*request) {
            out.skipped += 1;
        } else {
            map(*request, &removals, native, out);
        }
    }
    Ok(())
}

fn is_removal(request: Record) -> bool {
    request.text("action").is_some_and(|(a, _)| {
        matches!(
            a.to_ascii_lowercase().as_str(),
            "selfdeactivate" | "adminremove"
        )
    })
}

/// The role's name: expanded, built in, or from the policy's mapping; else the GUID itself.
fn role_name<'a>(id: &'a str, native: &'a Native) -> &'a str {
    let lower = id.to_ascii_lowercase();
    native
        .mapping
        .role(&lower)
        .or_else(|| {
            BUILT_IN_ROLES
                .iter()
                .find(|(guid, _)| *guid == lower)
                .map(|(_, name)| *name)
        })
        .unwrap_or(id)
}

fn map(request: Record, removals: &[Record], native: &Native, out: &mut Out) {
    let grant = out.start(request.span());
    request.set(grant, Field::Id, "id");
    request.set(grant, Field::Grantee, "principal.userPrincipalName");
    request.set(grant, Field::Grantee, "principalId");
    request.set(grant, Field::Role, "roleDefinition.displayName");
    if let Some((id, at)) = request.text("roleDefinitionId") {
        grant.set(Field::Role, role_name(id, native), at, false);
    }
    request.set(grant, Field::Tenant, "directoryScopeId");
    request.set(grant, Field::Reason, "justification");
    request.set(grant, Field::Ticket, "ticketInfo.ticketNumber");
    request.set(grant, Field::RequestedBy, "createdBy.user.displayName");
    request.set(grant, Field::RequestedBy, "createdBy.user.id");
    request.set(grant, Field::RequestedAt, "createdDateTime");
    request.set(grant, Field::Start, "scheduleInfo.startDateTime");
    let expiration = request.record("scheduleInfo.expiration");
    match expiration.and_then(|e| e.text("type")) {
        Some((kind, at)) => match kind.to_ascii_lowercase().as_str() {
            "afterdatetime" => {
                request.set(grant, Field::Expires, "scheduleInfo.expiration.endDateTime")
            }
            "afterduration" => match request.text("scheduleInfo.expiration.duration") {
                Some((duration, at)) => {
                    let start = grant.time(Field::Start);
                    let duration = parse_duration(duration)
                        .map_err(|why| format!("duration `{duration}`: {why}"));
                    expiry_after(grant, start, duration, at);
                }
                None => grant.problem(
                    Some(Field::Expires),
                    at,
                    "afterDuration without a `duration`".into(),
                    "Graph writes the duration as ISO 8601, e.g. PT4H",
                ),
            },
            "noexpiration" => {}
            _ => grant.problem(
                Some(Field::Expires),
                at,
                format!("`{kind}` is not an expiration type"),
                "expected noExpiration, afterDateTime or afterDuration",
            ),
        },
        None => request.set(grant, Field::Expires, "scheduleInfo.expiration.endDateTime"),
    }
    if let Some((ended, at)) = deactivation(request, removals, grant.time(Field::Start)) {
        grant.set(Field::EndedAt, ended, at, false);
    }
    let (lifecycle, at) = match request.text("status") {
        Some((status, at)) => (lifecycle(status, grant, at, native), at),
        None => (
            Lifecycle::approved(grant.time(Field::Expires), native.now),
            request.span(),
        ),
    };
    out.finish(lifecycle, at);
}

fn lifecycle(
    status: &str,
    grant: &mut crate::grant::Grant,
    at: Span,
    native: &Native,
) -> Lifecycle {
    match status.to_ascii_lowercase().as_str() {
        "provisioned" | "granted" => Lifecycle::approved(grant.time(Field::Expires), native.now),
        "revoked" => Lifecycle::Revoked,
        "denied" => Lifecycle::Denied,
        "canceled" | "failed" | "scheduledcreated" | "schedulecreated" => Lifecycle::Pending,
        s if s.starts_with("pending") => Lifecycle::Pending,
        _ => {
            grant.problem(
                Some(Field::Status),
                at,
                format!("`{status}` is not a PIM request status"),
                "expected Provisioned, Granted, Revoked, Denied, Canceled, PendingApproval, …",
            );
            Lifecycle::Active
        }
    }
}

/// The first deactivation of the same principal, role and scope after the activation began.
fn deactivation<'a>(
    request: Record<'a>,
    removals: &[Record<'a>],
    start: Option<chrono::DateTime<chrono::Utc>>,
) -> Option<(&'a str, Span)> {
    let start = start?;
    let same =
        |r: &Record, key: &str| r.text(key).map(|(t, _)| t) == request.text(key).map(|(t, _)| t);
    removals
        .iter()
        .filter(|r| {
            same(r, "principalId") && same(r, "roleDefinitionId") && same(r, "directoryScopeId")
        })
        .filter_map(|r| r.text("createdDateTime"))
        .filter(|(t, _)| crate::load::time::parse_time(t).is_ok_and(|t| t >= start))
        .min_by_key(|(t, _)| crate::load::time::parse_time(t).ok())
}

#[cfg(test)]
mod tests {
    use super::super::{Source, field, read};
    use crate::grant::Field::*;
    use crate::policy::mapping::Mapping;

    fn request(id: &str, role: &str, expiration: &str, status: &str) -> String {
        format!(
            r#"{{"id": "{id}", "action": "selfActivate", "status": "{status}", "principalId": "p1",
"roleDefinitionId": "{role}", "directoryScopeId": "/",
"scheduleInfo": {{"startDateTime": "2026-11-23T10:00:00Z", "expiration": {expiration}}}}}"#
        )
    }

    #[test]
    fn expiration_types_and_role_names() {
        let text = format!(
            "{{\"value\": [{}, {}, {}, {}, {}]}}",
            request(
                "a",
                "62E90394-69F5-4237-9190-012177145E10",
                r#"{"type": "afterDuration", "duration": "PT4H"}"#,
                "Provisioned"
            ),
            request("b", "custom-1", r#"{"type": "noExpiration"}"#, "Granted"),
            request(
                "c",
                "unknown-2",
                r#"{"type": "afterDateTime", "endDateTime": "2026-11-23T11:30:00Z"}"#,
                "Revoked"
            ),
            request(
                "d",
                "custom-1",
                r#"{"type": "noExpiration"}"#,
                "PendingApproval"
            ),
            r#"{"id": "e", "action": "selfDeactivate", "principalId": "p1", "roleDefinitionId": "unknown-2", "directoryScopeId": "/", "createdDateTime": "2026-11-23T11:00:00Z"}"#,
        );
        let policy: crate::policy::node::Node =
            crate::policy::node::parse("roles: {CUSTOM-1: Tenant Support Operator}").unwrap();
        let mut mapping = Mapping::default();
        let source = crate::policy::Source {
            name: "p".into(),
            text: "".into(),
        };
        mapping.add_layer(&source, &policy, &mut Vec::new());
        let (grants, skipped) = read(Source::EntraPim, &text, &mapping);
        assert_eq!((grants.len(), skipped), (3, 2));
        assert_eq!(
            field(&grants[0], Role).map(|f| f.0),
            Some("Global Administrator")
        );
        assert_eq!(
            field(&grants[0], Expires).map(|f| f.0),
            Some("2026-11-23T14:00:00Z")
        );
        assert_eq!(field(&grants[0], Status).map(|f| f.0), Some("expired"));
        assert_eq!(
            field(&grants[1], Role).map(|f| f.0),
            Some("Tenant Support Operator")
        );
        assert_eq!(field(&grants[1], Expires), None, "noExpiration");
        assert_eq!(field(&grants[1], Status).map(|f| f.0), Some("active"));
        assert_eq!(field(&grants[2], Role).map(|f| f.0), Some("unknown-2"));
        assert_eq!(
            field(&grants[2], Expires).map(|f| f.0),
            Some("2026-11-23T11:30:00Z")
        );
        assert_eq!(
            field(&grants[2], EndedAt).map(|f| f.0),
            Some("2026-11-23T11:00:00Z")
        );
        assert_eq!(field(&grants[2], Status).map(|f| f.0), Some("revoked"));
        assert_eq!(field(&grants[0], Grantee), Some(("p1", 1, 90)));
    }
}
