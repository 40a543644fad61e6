//! Microsoft Entra PIM role management policies as Microsoft Graph writes them
//! (`unifiedRoleManagementPolicy` with its `rules`): the policies of
//! `GET /policies/roleManagementPolicies?$expand=rules`, one policy, or the policy assignments of
//! `GET /policies/roleManagementPolicyAssignments?$expand=policy($expand=rules)`, which also
//! name the role a policy governs. The end-user assignment rules are the activation a grant
//! is; the admin rules decide whether eligible and active assignments may be permanent.

use super::{Docs, Object, Probe, START, error_at, key_span, not_expected};
use crate::core::node::{Node, Value};
use crate::core::span::Span;
use crate::core::time::{format_duration, parse_duration};
use crate::grant::Field;
use crate::load::InputError;
use crate::load::adapters::entra_pim::{WHOLE_DIRECTORY, known_role};
use crate::load::adapters::record::Record;
use crate::load::mapping::Mapping;

pub const DOCS: Docs = Docs {
    system: "Microsoft Entra PIM role management policies",
    reads: "Microsoft Graph `unifiedRoleManagementPolicy` resources with their `rules`: the \
response of `GET /policies/roleManagementPolicies?$filter=scopeId eq '/' and scopeType eq \
'DirectoryRole'&$expand=rules` (`{\"value\": […]}`), one policy, or the policy assignments of \
`GET /policies/roleManagementPolicyAssignments?$filter=…&$expand=policy($expand=rules)`, which \
also name the role (`roleDefinitionId`, named as the grants adapter names it: the policy's \
`mapping: roles`, else the built-in roles). Overrides match a grant's role (known only from an \
assignment) and tenant (`scopeId`; `/` is the whole directory, as in PIM requests). Sources: \
learn.microsoft.com/graph/api/resources/unifiedrolemanagementpolicy and the rule types \
unifiedRoleManagementPolicyExpirationRule, …EnablementRule, …ApprovalRule; \"Configure \
Microsoft Entra role settings in PIM\" for the default approvers.",
    keys: &[
        (
            "Expiration_EndUser_Assignment.maximumDuration",
            "window-max",
            "an activation may last longer than the applicable `max` (ISO 8601, `PT8H`)",
        ),
        (
            "Enablement_EndUser_Assignment.enabledRules",
            "reason-specific",
            "no `Justification`: an activation needs no reason",
        ),
        (
            "Enablement_EndUser_Assignment.enabledRules",
            "admin-justified",
            "no `Justification` for a privileged role (the rule's `patterns`; the role is known from an assignment)",
        ),
        (
            "Enablement_EndUser_Assignment.enabledRules",
            "ticket-linked",
            "no `Ticketing`, while the rule is on",
        ),
        (
            "Approval_EndUser_Assignment.setting.isApprovalRequired",
            "approver-named",
            "`false`: an activation needs no approval",
        ),
        (
            "Approval_EndUser_Assignment.setting.approvalStages[].primaryApprovers[]",
            "approver-named",
            "an approver the rule does not take for one named person: a `groupMembers` approver is judged as `group:NAME`; no approvers at all means the default approvers, Privileged Role Administrators and Global Administrators",
        ),
        (
            "Expiration_Admin_Eligibility.isExpirationRequired",
            "expiry-required",
            "`false`: eligible assignments may be permanent",
        ),
        (
            "Expiration_Admin_Assignment.isExpirationRequired",
            "expiry-required",
            "`false`: active assignments may be permanent",
        ),
    ],
    cannot: &[
        "self-approval: PIM does not let an approver approve their own activation",
        "how good a reason or a ticket number will be: only that one is required; check the \
activations with `--source entra-pim`",
        "the role of a policy listed on its own: Graph's policy does not name it; list the \
policy assignments with `$expand=policy($expand=rules)` to match overrides by role and to \
judge privileged roles",
        "notification and authentication context rules, MFA on activation: no rule asks for them",
        "a rule missing from the policy: Graph lists every rule of a policy, so a missing one \
is not judged",
    ],
};

const SHAPE: &str = "Microsoft Graph role management policies (`{\"value\": […]}` with `rules`) \
or policy assignments with `$expand=policy($expand=rules)`";

/// The policies of every document.
pub fn read(
    roots: &[Node],
    text: &str,
    file: &str,
    mapping: &Mapping,
) -> Result<(Vec<Object>, usize), InputError> {
    let mut objects = Vec::new();
    for root in roots {
        let Some(items) = super::items(root, "value") else {
            return Err(not_expected(
                file,
                text,
                root,
                SHAPE,
                "pass Graph's response",
            ));
        };
        for item in items {
            objects.push(policy(Record::new(item), text, file, mapping)?);
        }
    }
    Ok((objects, 0))
}

const WINDOW_HELP: &str = "lower the activation maximum duration (Expiration_EndUser_Assignment \
`maximumDuration`) to the policy's maximum";
const REASON_HELP: &str = "require justification on activation: add `Justification` to \
Enablement_EndUser_Assignment `enabledRules`";
const TICKET_HELP: &str = "require ticket information on activation: add `Ticketing` to \
Enablement_EndUser_Assignment `enabledRules`";
const APPROVAL_HELP: &str = "require approval to activate (`isApprovalRequired: true`) with named \
approvers";
const APPROVER_HELP: &str = "name the people who approve (`#microsoft.graph.singleUser`), not a \
group";
const EXPIRY_HELP: &str = "require an expiration (`isExpirationRequired: true`) with a \
`maximumDuration`";

fn policy(item: Record, text: &str, file: &str, mapping: &Mapping) -> Result<Object, InputError> {
    // An assignment carries its policy under `policy`, and names the role.
    let (policy, role) = match item.record("policy") {
        Some(policy) => (policy, item.text("roleDefinitionId")),
        None => (item, None),
    };
    if policy.get("rules").is_none() {
        let found = "this item has no `rules`".to_string();
        let help =
            "expand the rules: `$expand=rules`, or `$expand=policy($expand=rules)` for assignments";
        return Err(error_at(file, text, item.span(), found, help));
    }
    let id = policy
        .text("id")
        .or_else(|| item.text("policyId"))
        .map_or_else(
            || format!("policy at line {}", item.span().line),
            |(id, _)| id.to_string(),
        );
    let role = role.map(|(id, at)| (known_role(id, mapping).unwrap_or(id), at));
    let (noun, short) = match role {
        Some((role, _)) => ("PIM policy of role", role.to_string()),
        None => ("PIM policy", id.clone()),
    };
    let mut object = Object {
        noun,
        name: id,
        short,
        span: item.span(),
        fields: Vec::new(),
        probes: Vec::new(),
    };
    if let Some((role, at)) = role {
        object.fields.push((Field::Role, role.to_string(), at));
    }
    let scope = policy.text("scopeId").or_else(|| item.text("scopeId"));
    if let Some((scope, at)) = scope {
        let tenant = if scope == "/" { WHOLE_DIRECTORY } else { scope };
        object.fields.push((Field::Tenant, tenant.to_string(), at));
    }
    let rule = |id: &str| {
        policy
            .records("rules")
            .find(|r| r.text("id").is_some_and(|(i, _)| i == id))
    };
    if let Some(expiration) = rule("Expiration_EndUser_Assignment") {
        window(expiration, text, file, &mut object)?;
    }
    if let Some(enablement) = rule("Enablement_EndUser_Assignment") {
        enablement_rules(enablement, role.map(|(r, _)| r), &mut object);
    }
    if let Some(approval) = rule("Approval_EndUser_Assignment") {
        approvals(approval, &mut object);
    }
    for (id, what) in [
        ("Expiration_Admin_Eligibility", "eligible"),
        ("Expiration_Admin_Assignment", "active"),
    ] {
        if let Some(expiration) = rule(id)
            && let Some(required) = expiration.get("isExpirationRequired")
            && required.value.as_scalar() == Some("false")
        {
            let allows = format!("lets {what} assignments be permanent (`{id}`)");
            let probe = Probe::without(
                "expiry-required",
                expiration.span_of(required),
                allows,
                EXPIRY_HELP,
            );
            object.probes.push(probe.with(Field::Start, START));
        }
    }
    Ok(object)
}

/// Expiration_EndUser_Assignment: how long an activation may last.
fn window(rule: Record, text: &str, file: &str, object: &mut Object) -> Result<(), InputError> {
    let Some((duration, at)) = rule.text("maximumDuration") else {
        return Ok(());
    };
    let length = parse_duration(duration).map_err(|why| {
        let message = format!("maximumDuration `{duration}` is not a duration: {why}");
        error_at(
            file,
            text,
            at,
            message,
            "Graph writes ISO 8601 durations such as `PT8H`",
        )
    })?;
    let allows = format!("lets an activation last {}", format_duration(length));
    object
        .probes
        .push(Probe::lasting(at, length, allows, WINDOW_HELP));
    Ok(())
}

/// Enablement_EndUser_Assignment: what an activation must carry.
fn enablement_rules(rule: Record, role: Option<&str>, object: &mut Object) {
    let at = key_span(rule, "enabledRules").unwrap_or_else(|| rule.span());
    let enabled: Vec<&str> = rule
        .list("enabledRules")
        .iter()
        .filter_map(|n| n.value.as_scalar())
        .collect();
    let has = |name: &str| enabled.iter().any(|e| e.eq_ignore_ascii_case(name));
    if !has("Justification") {
        let allows = "does not require a justification to activate".to_string();
        object
            .probes
            .push(Probe::without("reason-specific", at, allows, REASON_HELP));
        if let Some(role) = role {
            let allows = format!("lets `{role}` be activated without a justification");
            let probe = Probe::without("admin-justified", at, allows, REASON_HELP);
            object.probes.push(probe.with(Field::Role, role));
        }
    }
    if !has("Ticketing") {
        let allows = "does not require ticket information to activate".to_string();
        object
            .probes
            .push(Probe::without("ticket-linked", at, allows, TICKET_HELP));
    }
}

/// Approval_EndUser_Assignment: whether activation waits for an approval, and whose.
fn approvals(rule: Record, object: &mut Object) {
    let required = rule.get("setting.isApprovalRequired");
    if required.is_none_or(|r| r.value.as_scalar() != Some("true")) {
        let at = required.map_or_else(|| rule.span(), |r| rule.span_of(r));
        let allows = "does not require approval to activate".to_string();
        object
            .probes
            .push(Probe::without("approver-named", at, allows, APPROVAL_HELP));
        return;
    }
    for stage in rule.records("setting.approvalStages") {
        let approvers: Vec<Record> = stage.records("primaryApprovers").collect();
        if approvers.is_empty() {
            // With no approvers chosen, PIM asks the directory's role administrators.
            let at = key_span(stage, "primaryApprovers").unwrap_or_else(|| stage.span());
            let approver = "group:Privileged Role Administrators and Global Administrators";
            let allows = "names no approver, so the default approvers decide".to_string();
            let probe = Probe::without("approver-named", at, allows, APPROVER_HELP);
            object.probes.push(probe.with(Field::Approver, approver));
        }
        for approver in approvers {
            let (kind, name) = approver_name(approver);
            let Some((name, at)) = name else { continue };
            let shown = match kind {
                Kind::Group => format!("group:{name}"),
                Kind::Person => name.to_string(),
            };
            let allows = format!("lets `{shown}` approve");
            let probe = Probe::without("approver-named", at, allows, APPROVER_HELP);
            object.probes.push(probe.with(Field::Approver, &shown));
        }
    }
}

enum Kind {
    Person,
    Group,
}

/// An approver (a `subjectSet`): a single user is a person; group members, managers and
/// others stand for whoever is in the set.
fn approver_name<'a>(approver: Record<'a>) -> (Kind, Option<(&'a str, Span)>) {
    // `@odata.type` has a dot in it: looked up whole, not as a path.
    let Value::Map(entries) = &approver.node.value else {
        return (Kind::Group, None);
    };
    let odata = entries
        .iter()
        .find(|(k, _)| k.value.as_scalar() == Some("@odata.type"))
        .and_then(|(_, v)| Some((v.value.as_scalar()?, approver.span_of(v))));
    let kind = match odata {
        Some((t, _)) if t.ends_with("singleUser") => Kind::Person,
        _ => Kind::Group,
    };
    let name = approver
        .text("description")
        .or_else(|| approver.text("userId"))
        .or_else(|| approver.text("groupId"))
        .or(odata);
    (kind, name)
}
