//! Okta Identity Governance access requests: `GET /governance/api/v2/requests` and the full
//! request resources of `GET /governance/api/v2/requests/{requestId}`.

use super::record::{self, Record, Shape};
use super::{Adapter, Lifecycle, Native, Out, expiry_after};
use crate::core::span::Span;
use crate::core::time::{parse_duration, parse_time};
use crate::grant::{Approval, Field, Grant};
use crate::load::InputError;

pub const ADAPTER: Adapter = Adapter {
    name: "okta",
    system: "Okta Identity Governance",
    exports: "access requests from the Governance API: the list response of `GET \
/governance/api/v2/requests` (`{\"data\": […]}`), or full requests from `GET \
/governance/api/v2/requests/{requestId}`, one or a JSON list of them. Only the full request \
carries the justification, the approval decisions and `accessDuration`. Users, applications and \
access scopes are Okta ids; name access scopes in the policy's `mapping: roles:` (id → name).",
    fields: &[
        ("id", "id", ""),
        (
            "requestedFor.externalId",
            "grantee",
            "the Okta user (`00u…`) who receives the access",
        ),
        ("requestedBy.externalId", "requested_by", ""),
        (
            "requested.resourceId",
            "tenant",
            "the application the access is in",
        ),
        (
            "requested.accessScopeId",
            "role",
            "the group, entitlement bundle or application granted; named by `mapping: roles:`",
        ),
        (
            "requesterFieldValues[].value",
            "reason, admin_justification",
            "the requester's free-text answer (`type: TEXT`, not an `OKTA_` field): the one whose \
`label` asks for a justification or reason, else the first; it is the requester's own \
justification for this request, so it counts for `admin-justified`",
        ),
        (
            "requestApproval.decisions[].deciderId",
            "approver",
            "every `APPROVE` decision is an approval (`userId` and `APPROVED` in Okta's examples); \
the first is the approver; DENY and CANCEL are not approvals; the Okta user id, like the \
grantee, so that self-approval compares like with like (`deciderName` is not read)",
        ),
        (
            "requestApproval.decisions[].decided",
            "approved_at",
            "of that decision",
        ),
        (
            "requestApproval.externalRequestId",
            "ticket",
            "when `requestApproval.type` is EXTERNAL (a ServiceNow or Jira request)",
        ),
        ("created", "requested_at", ""),
        ("granted", "start", "when the approved access was granted"),
        (
            "revocationScheduled",
            "expires",
            "else `granted` + `accessDuration` (`PT4H`, `P1D`), else + the requester's \
`OKTA_ACCESS_DURATION` (or `ACCESS_DURATION`) answer",
        ),
        (
            "revoked",
            "ended_at",
            "when the access was revoked (revocationStatus REVOKED)",
        ),
        (
            "status",
            "status",
            "with `grantStatus` and `revocationStatus`, as in the table below",
        ),
    ],
    states: &[
        (
            "APPROVED, grantStatus GRANTED (or, without a grantStatus, `granted` set)",
            "active (revocation not due, pending or FAILED: the access is still there)",
        ),
        (
            "APPROVED, GRANTED, revocationStatus REVOKED",
            "expired when revoked at or after `revocationScheduled`, else revoked",
        ),
        (
            "APPROVED, grantStatus PENDING, FAILED, MANUAL_REQUIRED",
            "pending (approved, never provisioned: counted, not linted)",
        ),
        ("SUBMITTED, PENDING", "pending (counted, not linted)"),
        (
            "EXPIRED",
            "pending (closed after 60 days without activity, never granted: counted, not linted)",
        ),
        ("REJECTED, DENIED, CANCELED", "denied (counted, not linted)"),
    ],
    gaps: &[
        "the justification, the approvers and the expiry in the list response: `GET \
/governance/api/v2/requests` writes the sparse request (no `requesterFieldValues`, \
`requestApproval`, `accessDuration` or `revocationScheduled`); export each request with `GET \
/governance/api/v2/requests/{requestId}` for them",
        "names: people, applications and access scopes are Okta ids; the Users API \
(`/api/v1/users/{id}`) and the catalog entry (`requested.entryId`) have the names",
        "who approved an EXTERNAL approval: it is in the external system, under the ticket \
(`externalRequestId`)",
        "whether a MANUAL_REQUIRED grant was provisioned by hand: the application's own \
assignments say",
        "who owns the request through closeout",
    ],
    load,
};

const SHAPE: Shape = Shape {
    wrappers: &["data"],
    keys: ["requestedFor", "requestedBy"],
    description: "Okta Identity Governance requests: the `GET /governance/api/v2/requests` \
response (`{\"data\": […]}`), a request resource with `requestedFor`, or a JSON list of them",
};

fn load(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    // One request, as `GET …/requests/{requestId}` writes it, reads as a list of one.
    record::map_each(text, native, &SHAPE, |request| map(request, native, out))
}

fn map(request: Record, native: &Native, out: &mut Out) {
    let grant = out.start(request.span());
    request.set_declared(grant, &native.mapping.fields);
    request.set(grant, Field::Id, "id");
    request.set(grant, Field::Grantee, "requestedFor.externalId");
    request.set(grant, Field::RequestedBy, "requestedBy.externalId");
    request.set(grant, Field::Tenant, "requested.resourceId");
    if let Some((scope, at)) = request.text("requested.accessScopeId") {
        let named = native.mapping.role(&scope.to_ascii_lowercase());
        grant.set(Field::Role, named.unwrap_or(scope), at, false);
    }
    if let Some((why, at)) = justification(request) {
        grant.set(Field::Reason, why, at, false);
        grant.set(Field::AdminJustification, why, at, false);
    }
    if let Some(approval) = request.record("requestApproval") {
        let external = approval
            .text("type")
            .is_some_and(|(t, _)| t.eq_ignore_ascii_case("EXTERNAL"));
        if external {
            approval.set(grant, Field::Ticket, "externalRequestId");
        }
        for decision in approval.records("decisions") {
            approve(grant, decision);
        }
    }
    request.set(grant, Field::RequestedAt, "created");
    request.set(grant, Field::Start, "granted");
    request.set(grant, Field::Expires, "revocationScheduled");
    if grant.text(Field::Expires).is_none() {
        let duration = request.text("accessDuration").or_else(|| {
            request
                .records("requesterFieldValues")
                .filter(|f| {
                    f.text("id").is_some_and(|(id, _)| {
                        matches!(id, "OKTA_ACCESS_DURATION" | "ACCESS_DURATION")
                    })
                })
                .find_map(|f| f.text("value"))
        });
        if let Some((text, at)) = duration {
            let why = |why| format!("access duration `{text}`: {why}");
            expiry_after(grant, parse_duration(text).map_err(why), at);
        }
    }
    request.set(grant, Field::EndedAt, "revoked");
    let (lifecycle, at) = match request.text("status") {
        Some((status, at)) => (state(status, at, request, grant), at),
        // Okta always writes the status; without it, only a grant time says access was given.
        None => (granted(request, grant), request.span()),
    };
    out.finish(lifecycle, at);
}

/// The requester's free-text answer that justifies the request.
fn justification<'a>(request: Record<'a>) -> Option<(&'a str, Span)> {
    let answers: Vec<Record> = request
        .records("requesterFieldValues")
        .filter(|f| is_free_text(*f))
        .collect();
    let asks_why = |f: &&Record| {
        f.text("label").is_some_and(|(label, _)| {
            let label = label.to_ascii_lowercase();
            label.contains("justif") || label.contains("reason")
        })
    };
    answers
        .iter()
        .find(asks_why)
        .or(answers.first())
        .and_then(|f| f.text("value"))
}

/// A TEXT answer; Okta's own fields (`OKTA_…`, `ACCESS_DURATION`) are not the requester's words.
fn is_free_text(field: Record) -> bool {
    let reserved = field
        .text("id")
        .is_some_and(|(id, _)| id.starts_with("OKTA_") || id == "ACCESS_DURATION");
    let text = field
        .text("type")
        .is_none_or(|(kind, _)| kind.eq_ignore_ascii_case("TEXT"));
    text && !reserved
}

/// Records an approving decision; denials and cancellations are not approvals.
fn approve(grant: &mut Grant, decision: Record) {
    let approves = decision.text("decision").is_some_and(|(d, _)| {
        d.eq_ignore_ascii_case("APPROVE") || d.eq_ignore_ascii_case("APPROVED")
    });
    let who = decision
        .text("deciderId")
        .or_else(|| decision.text("userId"));
    let (true, Some((who, span))) = (approves, who) else {
        return;
    };
    let at = match decision.text("decided") {
        Some((when, at)) => match parse_time(when) {
            Ok(time) => Some((time, at)),
            Err(why) => {
                grant.problem(
                    Some(Field::ApprovedAt),
                    at,
                    format!("decided `{when}`: {why}"),
                    "write the decision time as ISO 8601, as Okta does",
                );
                None
            }
        },
        None => None,
    };
    grant.approve(Approval {
        approver: (who.to_string(), span),
        at,
        reason: None,
    });
}

fn state(status: &str, at: Span, request: Record, grant: &mut Grant) -> Lifecycle {
    match status.to_ascii_uppercase().as_str() {
        "APPROVED" => granted(request, grant),
        // EXPIRED: closed by Okta after 60 days without activity, before any grant.
        "SUBMITTED" | "PENDING" | "EXPIRED" => Lifecycle::Pending,
        "REJECTED" | "DENIED" | "CANCELED" => Lifecycle::Denied,
        _ => {
            grant.problem(
                Some(Field::Status),
                at,
                format!("`{status}` is not an Okta request status"),
                "expected SUBMITTED, PENDING, APPROVED, DENIED, REJECTED, CANCELED or EXPIRED",
            );
            Lifecycle::Active
        }
    }
}

/// An approved request: access only once Okta granted it, and live until it was revoked.
fn granted(request: Record, grant: &mut Grant) -> Lifecycle {
    let given = match request.text("grantStatus") {
        Some((status, at)) => match status.to_ascii_uppercase().as_str() {
            "GRANTED" => true,
            "PENDING" | "FAILED" | "MANUAL_REQUIRED" => false,
            _ => {
                grant.problem(
                    Some(Field::Status),
                    at,
                    format!("`{status}` is not an Okta grant status"),
                    "expected PENDING, GRANTED, FAILED or MANUAL_REQUIRED",
                );
                grant.text(Field::Start).is_some()
            }
        },
        None => grant.text(Field::Start).is_some(),
    };
    if !given {
        return Lifecycle::Pending;
    }
    let revoked = request
        .text("revocationStatus")
        .is_some_and(|(s, _)| s.eq_ignore_ascii_case("REVOKED"));
    if !revoked {
        // A revocation that is pending or failed leaves the access in place.
        return Lifecycle::Active;
    }
    match (grant.time(Field::EndedAt), grant.time(Field::Expires)) {
        (Some(ended), Some(expires)) if ended >= expires => Lifecycle::Expired,
        _ => Lifecycle::Revoked,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Source, field, read};
    use crate::grant::Field::*;
    use crate::load::mapping::Mapping;

    #[test]
    fn a_granted_request_reads_its_duration_decisions_and_justification() {
        let text = r#"{"data": [
{"id": "req1", "status": "APPROVED", "grantStatus": "GRANTED", "granted": "2026-11-23T09:00:00Z",
 "created": "2026-11-23T08:50:00Z", "accessDuration": "PT2H",
 "requestedBy": {"type": "OKTA_USER", "externalId": "00ua"}, "requestedFor": {"type": "OKTA_USER", "externalId": "00ua"},
 "requested": {"resourceId": "0oaapp", "accessScopeId": "00ggroup", "accessScopeType": "GROUP"},
 "requesterFieldValues": [{"id": "f1", "type": "TEXT", "label": "Ticket", "value": "SUP-1"},
                          {"id": "f2", "type": "TEXT", "label": "Business justification", "value": "why"}],
 "requestApproval": {"type": "OKTA", "providerName": "Okta Access Requests", "status": "APPROVED", "decisions": [
   {"deciderId": "00ub", "decision": "APPROVE", "decided": "2026-11-23T08:55:00Z"},
   {"deciderId": "00uc", "decision": "DENY", "decided": "2026-11-23T08:56:00Z"},
   {"userId": "00ud", "decision": "APPROVED", "decided": "2026-11-23T08:57:00Z"}]}},
{"id": "req2", "status": "APPROVED", "grantStatus": "MANUAL_REQUIRED", "requestedBy": {}, "requestedFor": {}},
{"id": "req3", "status": "EXPIRED", "requestedBy": {}, "requestedFor": {}}
]}"#;
        let (grants, skipped) = read(Source::Okta, text, &Mapping::default());
        assert_eq!((grants.len(), skipped), (1, 2));
        let g = &grants[0];
        assert_eq!(field(g, Expires), Some(("2026-11-23T11:00:00Z", 3, 55)));
        assert_eq!(field(g, Reason).map(|f| f.0), Some("why"));
        assert_eq!(field(g, AdminJustification).map(|f| f.0), Some("why"));
        assert_eq!(field(g, Approver).map(|f| f.0), Some("00ub"));
        assert_eq!(
            field(g, ApprovedAt).map(|f| f.0),
            Some("2026-11-23T08:57:00Z"),
            "the latest approving decision"
        );
        assert_eq!(field(g, Role).map(|f| f.0), Some("00ggroup"));
        assert_eq!(field(g, Status).map(|f| f.0), Some("active"));
        assert_eq!(field(g, Ticket), None, "an OKTA approval has no ticket");
    }

    #[test]
    fn one_request_reads_as_a_list_of_one() {
        let text = r#"{"id": "req1", "status": "APPROVED", "grantStatus": "GRANTED",
 "granted": "2026-11-23T09:00:00Z", "revocationScheduled": "2026-11-23T10:00:00Z",
 "revocationStatus": "REVOKED", "revoked": "2026-11-23T09:30:00Z",
 "requestedBy": {"externalId": "00ua"}, "requestedFor": {"externalId": "00ua"}, "requested": {}}"#;
        let (grants, skipped) = read(Source::Okta, text, &Mapping::default());
        assert_eq!((grants.len(), skipped), (1, 0));
        // Revoked before its scheduled revocation.
        assert_eq!(field(&grants[0], Status).map(|f| f.0), Some("revoked"));
        assert_eq!(
            field(&grants[0], EndedAt).map(|f| f.0),
            Some("2026-11-23T09:30:00Z")
        );
    }
}
