//! Opal access requests: `GET /requests` of the Opal API (`{"requests": […]}`).

use super::record::{self, Record, Shape};
use super::{Adapter, Lifecycle, Native, Out, expiry_after};
use crate::core::span::Span;
use crate::grant::{Approval, Field, Grant};
use crate::load::InputError;

pub const ADAPTER: Adapter = Adapter {
    name: "opal",
    system: "Opal",
    exports: "the Opal API's `GET /requests` response (`{\"requests\": […]}`), one Request \
(`GET /requests/{id}`) or a JSON list of them. People and groups are Opal ids. Access starts \
when the request is approved, for `duration_minutes`; the request does not record when it was \
approved, so `start` is the request time and `expires` the earliest the access can end.",
    fields: &[
        ("id", "id", ""),
        (
            "target_user_id",
            "grantee",
            "the Opal user who receives the access",
        ),
        (
            "target_group_id",
            "grantee, account_type `group`",
            "when there is no target user: a group's members receive the access, not one person",
        ),
        ("requester_id", "requested_by", ""),
        (
            "reason",
            "reason, admin_justification",
            "the requester's own reason for this request, so it counts for `admin-justified`",
        ),
        (
            "requested_items_list[].name",
            "tenant",
            "the resource or group requested; several make a list; else \
`reviewer_stages[].item_name`",
        ),
        (
            "requested_items_list[].access_level_name",
            "role",
            "the access level (role) requested; else `reviewer_stages[].access_level_name`",
        ),
        (
            "reviewer_stages[].stages[].reviewers[].id",
            "approver",
            "every reviewer whose `status` is APPROVED is an approval (the deprecated `stages` \
too); the first is the approver; the id, like `target_user_id`, so that self-approval compares \
like with like (`full_name` is not read)",
        ),
        (
            "created_at",
            "requested_at, start",
            "the request time: the earliest the access can start",
        ),
        (
            "duration_minutes",
            "expires",
            "start + minutes; -1, 0 or none is indefinite access (no expiry)",
        ),
        ("status", "status", ""),
    ],
    states: &[
        (
            "APPROVED",
            "active, or expired once past its expiry (Opal removes the access at the end of the \
duration)",
        ),
        ("PENDING", "pending (counted, not linted)"),
        (
            "DENIED, CANCELED",
            "denied (denied by a reviewer, or withdrawn by the requester before approval: \
counted, not linted)",
        ),
    ],
    gaps: &[
        "when the request was approved, so when access started and ended: Opal's events \
(`GET /events`) record the approval and the removal",
        "who approved when no listed reviewer did (an admin's approval, auto-approval): the \
events say",
        "an earlier end: access bound to a support ticket ends when the ticket closes",
        "names: people and groups are Opal ids; `GET /users/{id}` and `GET /groups/{id}` have \
the names",
        "the support ticket and who owns the request through closeout",
    ],
    load,
};

const SHAPE: Shape = Shape {
    wrappers: &["requests"],
    keys: ["requester_id", "target_user_id"],
    description: "Opal requests: the `GET /requests` response (`{\"requests\": […]}`), a \
Request object with `requester_id`, or a JSON list of them",
};

fn load(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    // One request, as `GET /requests/{id}` writes it, reads as a list of one.
    record::map_each(text, native, &SHAPE, |request| map(request, native, out))
}

fn map(request: Record, native: &Native, out: &mut Out) {
    let grant = out.start(request.span());
    request.set_declared(grant, &native.mapping.fields);
    request.set(grant, Field::Id, "id");
    request.set(grant, Field::Grantee, "target_user_id");
    if grant.text(Field::Grantee).is_none()
        && let Some((group, at)) = request.text("target_group_id")
    {
        grant.set(Field::Grantee, group, at, false);
        grant.set(Field::AccountType, "group", at, false);
    }
    request.set(grant, Field::RequestedBy, "requester_id");
    request.set(grant, Field::Reason, "reason");
    request.set(grant, Field::AdminJustification, "reason");
    let items: Vec<Record> = request.records("requested_items_list").collect();
    let stages: Vec<Record> = request.records("reviewer_stages").collect();
    // The requested items name the targets; the reviewer stages name them too, per item.
    let (targets, levels) = if items.is_empty() {
        (
            item_values(&stages, &["item_name", "requestedItemName"]),
            item_values(&stages, &["access_level_name", "requestedRoleName"]),
        )
    } else {
        (
            item_values(&items, &["name", "remote_name"]),
            item_values(&items, &["access_level_name"]),
        )
    };
    set_values(grant, Field::Tenant, &targets);
    set_values(grant, Field::Role, &levels);
    let mut reviews: Vec<Record> = stages
        .iter()
        .flat_map(|item| item.records("stages"))
        .collect();
    if stages.is_empty() {
        reviews.extend(request.records("stages.stages"));
    }
    for reviewer in reviews.iter().flat_map(|stage| stage.records("reviewers")) {
        let approved = reviewer
            .text("status")
            .is_some_and(|(s, _)| s.eq_ignore_ascii_case("APPROVED"));
        if let (true, Some((id, at))) = (approved, reviewer.text("id"))
            && !grant.approvals.iter().any(|a| a.approver.0 == id)
        {
            grant.approve(Approval {
                approver: (id.to_string(), at),
                at: None,
                reason: None,
            });
        }
    }
    request.set(grant, Field::RequestedAt, "created_at");
    request.set(grant, Field::Start, "created_at");
    if let Some((minutes, at)) = request.text("duration_minutes") {
        match minutes.parse::<i64>() {
            // -1 (and 0) is how Opal writes indefinite access: no expiry to compute.
            Ok(minutes) if minutes <= 0 => {}
            parsed => {
                let duration = match parsed {
                    Ok(m) => m
                        .checked_mul(60)
                        .and_then(chrono::TimeDelta::try_seconds)
                        .ok_or_else(|| format!("duration_minutes `{minutes}` is out of range")),
                    Err(_) => Err(format!(
                        "duration_minutes `{minutes}` is not a whole number of minutes"
                    )),
                };
                expiry_after(grant, duration, at);
            }
        }
    }
    let (lifecycle, at) = match request.text("status") {
        Some((status, at)) => {
            let lifecycle = match status.to_ascii_uppercase().as_str() {
                // Opal provisions on approval and removes the access at the end of the duration.
                "APPROVED" => Lifecycle::approved(grant.time(Field::Expires), native.now),
                "PENDING" => Lifecycle::Pending,
                "DENIED" | "CANCELED" => Lifecycle::Denied,
                _ => {
                    grant.problem(
                        Some(Field::Status),
                        at,
                        format!("`{status}` is not an Opal request status"),
                        "expected PENDING, APPROVED, DENIED or CANCELED",
                    );
                    Lifecycle::Active
                }
            };
            (lifecycle, at)
        }
        None => (
            Lifecycle::approved(grant.time(Field::Expires), native.now),
            request.span(),
        ),
    };
    out.finish(lifecycle, at);
}

/// The first of `keys` that each item has, with where it is written.
fn item_values<'a>(items: &[Record<'a>], keys: &[&str]) -> Vec<(&'a str, Span)> {
    items
        .iter()
        .filter_map(|item| keys.iter().find_map(|key| item.text(key)))
        .collect()
}

/// Sets `field` to the values, pointing at the first; several make a list.
fn set_values(grant: &mut Grant, field: Field, values: &[(&str, Span)]) {
    if let Some((_, at)) = values.first() {
        record::set_joined(grant, field, values.iter().map(|(v, _)| *v), *at);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Source, field, read};
    use crate::grant::Field::*;
    use crate::load::mapping::Mapping;

    #[test]
    fn duration_in_minutes_and_every_approving_reviewer() {
        let text = r#"{"requests": [
{"id": "r1", "requester_id": "u1", "target_user_id": "u1", "status": "APPROVED", "reason": "why",
 "created_at": "2026-11-24T09:00:00Z", "updated_at": "2026-11-24T09:10:00Z", "duration_minutes": 120,
 "requested_items_list": [{"resource_id": "res1", "name": "AWS Prod", "access_level_name": "AdministratorAccess"}],
 "reviewer_stages": [{"item_id": "res1", "item_name": "AWS Prod", "stages": [
   {"stage": 1, "operator": "AND", "reviewers": [{"id": "u2", "status": "APPROVED"}, {"id": "u3", "status": "REJECTED"}]},
   {"stage": 2, "operator": "OR", "reviewers": [{"id": "u4", "status": "APPROVED"}, {"id": "u2", "status": "APPROVED"}]}]}]},
{"id": "r2", "requester_id": "u1", "target_group_id": "g1", "status": "approved", "reason": "x", "created_at": "2026-11-24T09:00:00Z", "duration_minutes": -1},
{"id": "r3", "requester_id": "u1", "target_user_id": "u1", "status": "CANCELED", "reason": "x", "created_at": "2026-11-24T09:00:00Z"}
]}"#;
        let (grants, skipped) = read(Source::Opal, text, &Mapping::default());
        assert_eq!((grants.len(), skipped), (2, 1));
        let g = &grants[0];
        assert_eq!(field(g, Expires), Some(("2026-11-24T11:00:00Z", 3, 98)));
        assert_eq!(field(g, Tenant).map(|f| f.0), Some("AWS Prod"));
        assert_eq!(field(g, Role).map(|f| f.0), Some("AdministratorAccess"));
        assert_eq!(field(g, Approver).map(|f| f.0), Some("u2"));
        assert_eq!(field(g, AdminJustification).map(|f| f.0), Some("why"));
        // Opal ends the access itself: two hours after the request, now is past it.
        assert_eq!(field(g, Status).map(|f| f.0), Some("expired"));
        let group = &grants[1];
        assert_eq!(field(group, Grantee).map(|f| f.0), Some("g1"));
        assert_eq!(field(group, AccountType).map(|f| f.0), Some("group"));
        assert_eq!(field(group, Expires), None, "-1 is indefinite access");
    }

    #[test]
    fn one_request_reads_as_a_list_of_one() {
        let text = r#"{"id": "r1", "requester_id": "u1", "target_user_id": "u2", "status": "PENDING",
 "reason": "x", "created_at": "2026-11-24T09:00:00Z", "updated_at": "2026-11-24T09:00:00Z"}"#;
        let (grants, skipped) = read(Source::Opal, text, &Mapping::default());
        assert_eq!((grants.len(), skipped), (0, 1));
    }
}
