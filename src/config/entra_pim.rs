//! Microsoft Entra PIM role management policies as Microsoft Graph writes them
//! (`unifiedRoleManagementPolicy` with its `rules`): the policies of
//! `GET /policies/roleManagementPolicies?$expand=rules`, one policy, or the policy assignments of
//! `GET /policies/roleManagementPolicyAssignments?$expand=policy($expand=rules)`, which also
//! name the role a policy governs. The end-user assignment rules are the activation a grant
//! is; the admin rules decide whether eligible and active assignments may be permanent.

use super::terraform::AZUREAD_GROUP_POLICY;
use super::{Docs, Object, Probe, Resource, START, Shape, error_at, key_span, not_expected};
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
Microsoft Entra role settings in PIM\" for the default approvers. Also Terraform, as a plan \
(`terraform show -json PLAN`, recognised by the resource type in its first 16 KiB, else pass \
the `--source`) or `.tf` source (pass `--source \
entra-pim-policy`): each `azurerm_role_management_policy` (hashicorp/azurerm: an Azure role's \
policy at a `scope`, the tenant; `role_definition_id` named by its last step, the role's GUID, \
through `mapping: roles`, else Azure's built-in Owner, Contributor, User Access Administrator, \
Role Based Access Control Administrator or Reader) and `azuread_group_role_management_policy` (hashicorp/azuread: PIM for Groups; \
`role_id` `member` or `owner` is the role, `group_id` the tenant), named by its address. Their \
arguments are the Graph settings the providers write them to, judged alike (rows marked \
Terraform). An argument left out is left as Azure has it (the providers' arguments are \
Optional and Computed), so it is a finding at its block, or at the resource when the block is \
missing too; a plan knows Azure's value for a policy it updates.",
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
        (
            "activation_rules.maximum_duration (Terraform)",
            "window-max",
            "as `maximumDuration`; not set: up to `P1D`, the longest the providers accept",
        ),
        (
            "activation_rules.require_justification (Terraform)",
            "reason-specific, admin-justified",
            "`false` or not set, as no `Justification`",
        ),
        (
            "activation_rules.require_ticket_info (Terraform)",
            "ticket-linked",
            "`false` or not set, as no `Ticketing`",
        ),
        (
            "activation_rules.require_approval (Terraform)",
            "approver-named",
            "`false` or not set, as `isApprovalRequired: false`",
        ),
        (
            "activation_rules.approval_stage.primary_approver (Terraform)",
            "approver-named",
            "as `primaryApprovers`: `type` `User` (azurerm) or `singleUser` (azuread) is a person named by its `object_id`; `Group`, `groupMembers` or no type is judged as `group:OBJECT_ID`",
        ),
        (
            "eligible_assignment_rules.expiration_required (Terraform)",
            "expiry-required",
            "`false` or not set (an `expire_after` alone does not require an expiration)",
        ),
        (
            "active_assignment_rules.expiration_required (Terraform)",
            "expiry-required",
            "`false` or not set",
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
        "Terraform's `active_assignment_rules.require_justification`, `require_ticket_info` and \
`require_multifactor_authentication` (Enablement_Admin_Assignment): they govern an \
administrator's direct assignment, not an activation, and no rule asks for them",
        "in `.tf` source, a value from a variable, a function or another resource: known only \
in a plan, so a role (`role_definition_id`, `role_id`) or a setting so written is an error at \
its place and an approver so written a finding there; lint the plan (a \
`data.azurerm_role_definition` of the same file with a literal `name` names the role)",
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

/// A Terraform `azurerm_role_management_policy` or `azuread_group_role_management_policy`
/// (`kind`), from a plan's values or `.tf` source made into them, named by its `address`.
/// Each argument is the Graph rule setting the provider writes it to
/// (`buildRoleManagementPolicyForUpdate` in terraform-provider-azurerm; the azuread resource
/// alike); an argument not written is left as Azure has it.
pub fn terraform(
    tf: Resource,
    kind: &str,
    address: &str,
    text: &str,
    file: &str,
    mapping: &Mapping,
) -> Result<Object, InputError> {
    let Value::Map(_) = tf.record.node.value else {
        let shape = format!("the values of a `{kind}` resource");
        return Err(not_expected(
            file,
            text,
            tf.record.node,
            &shape,
            "pass a Terraform plan or .tf file",
        ));
    };
    // The role is what overrides and admin-justified match: in `.tf` source it must be
    // written out (or named through a `data.azurerm_role_definition` of the file).
    let role_key = match kind == AZUREAD_GROUP_POLICY {
        true => "roleId",
        false => "roleDefinitionId",
    };
    if let Some(node) = tf.get(role_key) {
        tf.written_out(node, Shape::Value, role_key, text, file)?;
    }
    // PIM for Groups: the role is `member` or `owner`; the group is the policy's scope, as
    // Graph's `scopeId` of a group policy is.
    let scope_key = match kind == AZUREAD_GROUP_POLICY {
        true => "groupId",
        false => "scope",
    };
    let (role, scope) = match kind == AZUREAD_GROUP_POLICY {
        true => (tf.text("roleId"), tf.text(scope_key)),
        false => {
            let role = tf.text("roleDefinitionId").map(|(id, at)| {
                // An Azure role definition is named by the last step of its resource id.
                let guid = id.rsplit('/').next().unwrap_or(id);
                (known_role(guid, mapping).unwrap_or(id), at)
            });
            (role, tf.text(scope_key))
        }
    };
    let mut object = object(address.to_string(), role, scope, tf.span(), true);
    if let Some((what, at)) = tf.unwritten(&[scope_key]) {
        object.unwritten.push((Field::Tenant, what, at));
    }
    let block = |path: &str| tf.record(path).map_or_else(|| tf.span(), |b| b.span());
    let activation = block("activationRules");
    let flag = |path: &str, key: &'static str, at: Span| -> Result<Set<bool>, InputError> {
        let Some(node) = tf.get(path) else {
            return Ok(Set::Left(at, key));
        };
        let at = tf.span_of(node);
        match node.value.as_scalar() {
            Some("true") => Ok(Set::To(true, at)),
            Some("false") => Ok(Set::To(false, at)),
            other => {
                let message = format!("`{key}` is `{}`, not true or false", other.unwrap_or("?"));
                let help = "write `true` or `false`; a value from a variable or a function is \
known only in a plan: lint `terraform show -json PLAN`";
                Err(error_at(file, text, at, message, help))
            }
        }
    };
    let maximum = tf.text("activationRules.maximumDuration");
    let settings = Settings {
        spelling: &TERRAFORM,
        maximum: Some(maximum.map_or(
            Set::Left(activation, "activation_rules.maximum_duration"),
            |(d, at)| Set::To(d, at),
        )),
        justification: Some(flag(
            "activationRules.requireJustification",
            "activation_rules.require_justification",
            activation,
        )?),
        ticket: Some(flag(
            "activationRules.requireTicketInfo",
            "activation_rules.require_ticket_info",
            activation,
        )?),
        approval: Some(flag(
            "activationRules.requireApproval",
            "activation_rules.require_approval",
            activation,
        )?),
        stages: tf
            .records("activationRules.approvalStage")
            .into_iter()
            .map(|stage| {
                let listed = stage.records("primaryApprover");
                let (mut approvers, mut unknown) = (Vec::new(), Vec::new());
                // Approvers from a `dynamic` block are known only in a plan.
                if let Some((_, node)) = stage.entry("primaryApprover")
                    && stage.expression(node)
                {
                    unknown.push(stage.span_of(node));
                }
                for approver in &listed {
                    match terraform_approver(*approver) {
                        Ok(named) => approvers.push(named),
                        Err(at) => unknown.push(at),
                    }
                }
                Stage {
                    at: stage
                        .key_span("primaryApprover")
                        .unwrap_or_else(|| stage.span()),
                    listed: !listed.is_empty() || !unknown.is_empty(),
                    approvers,
                    unknown,
                }
            })
            .collect(),
        eligible_expiry: Some(flag(
            "eligibleAssignmentRules.expirationRequired",
            "eligible_assignment_rules.expiration_required",
            block("eligibleAssignmentRules"),
        )?),
        active_expiry: Some(flag(
            "activeAssignmentRules.expirationRequired",
            "active_assignment_rules.expiration_required",
            block("activeAssignmentRules"),
        )?),
    };
    probes(&settings, text, file, &mut object)?;
    Ok(object)
}

/// A `primary_approver`: of type `User` (azurerm) or `singleUser` (azuread) a person, else
/// (`Group`, `groupMembers`) whoever is in the group; named by its `object_id`.
/// An approver whose `object_id` is not known until apply (left out of a plan, or in `.tf` a
/// reference or a call, which an object id, a GUID, never looks like) is `Err` at its place,
/// as is one whose `type` is not written out.
fn terraform_approver(approver: Resource<'_>) -> Result<(Kind, &str, Span), Span> {
    // Written from an expression, the type or the id is not known: who approves cannot be told.
    let expression = |key| approver.get(key).filter(|n| approver.expression(n));
    if let Some(node) = expression("type").or_else(|| expression("objectId")) {
        return Err(approver.span_of(node));
    }
    let kind = match approver.text("type") {
        Some(("User" | "singleUser", _)) => Kind::Person,
        _ => Kind::Group,
    };
    match approver.text("objectId") {
        Some((name, at)) if name.contains(['.', '(', '[', '$']) => Err(at),
        Some((name, at)) => Ok((kind, name, at)),
        None => Err(approver.span()),
    }
}

/// How one way of writing a policy names its settings, for the help and the messages; what
/// each setting means is decided once, in [`probes`].
struct Spelling {
    window: &'static str,
    reason: &'static str,
    ticket: &'static str,
    approval: &'static str,
    approver: &'static str,
    expiry: &'static str,
    /// The eligible and the active assignments' expiration settings.
    eligible: &'static str,
    active: &'static str,
    /// The activation's maximum, and how to write it.
    maximum: &'static str,
    duration: &'static str,
}

const GRAPH: Spelling = Spelling {
    window: "lower the activation maximum duration (Expiration_EndUser_Assignment \
`maximumDuration`) to the policy's maximum",
    reason: "require justification on activation: add `Justification` to \
Enablement_EndUser_Assignment `enabledRules`",
    ticket: "require ticket information on activation: add `Ticketing` to \
Enablement_EndUser_Assignment `enabledRules`",
    approval: "require approval to activate (`isApprovalRequired: true`) with named approvers",
    approver: "name the people who approve (`#microsoft.graph.singleUser`), not a group",
    expiry: "require an expiration (`isExpirationRequired: true`) with a `maximumDuration`",
    eligible: "Expiration_Admin_Eligibility",
    active: "Expiration_Admin_Assignment",
    maximum: "maximumDuration",
    duration: "Graph writes ISO 8601 durations such as `PT8H`",
};

const TERRAFORM: Spelling = Spelling {
    window: "lower `activation_rules.maximum_duration` to the policy's maximum",
    reason: "require justification on activation: `activation_rules { require_justification = \
true }`",
    ticket: "require ticket information on activation: `activation_rules { require_ticket_info \
= true }`",
    approval: "require approval to activate: `activation_rules { require_approval = true }` with \
an `approval_stage` of named approvers",
    approver: "name the people who approve (a `primary_approver` of type `User` in azurerm, \
`singleUser` in azuread), not a group",
    expiry: "require an expiration: `expiration_required = true` with an `expire_after`",
    eligible: "eligible_assignment_rules.expiration_required",
    active: "active_assignment_rules.expiration_required",
    maximum: "activation_rules.maximum_duration",
    duration: "write an ISO 8601 duration such as `PT8H`; a value from a variable or a function \
is known only in a plan: lint `terraform show -json PLAN`",
};

/// One setting as the configuration writes it.
#[derive(Clone, Copy)]
enum Set<T> {
    /// Written: its value, and where.
    To(T, Span),
    /// Not written in Terraform, which then keeps whatever Azure has (the provider's
    /// arguments are Optional and Computed): the block or resource that would hold it, and
    /// the argument's name.
    Left(Span, &'static str),
}

impl<T: Copy> Set<T> {
    fn at(self) -> Span {
        match self {
            Set::To(_, at) | Set::Left(at, _) => at,
        }
    }

    /// The value written; `None` when left to Azure.
    fn value(self) -> Option<T> {
        match self {
            Set::To(value, _) => Some(value),
            Set::Left(..) => None,
        }
    }

    /// What the configuration allows, said of a setting left to Azure too.
    fn allows(self, what: String) -> String {
        match self {
            Set::To(..) => what,
            Set::Left(_, key) => {
                format!("{what} (`{key}` is not set: Terraform keeps whatever Azure has)")
            }
        }
    }
}

/// What a PIM policy sets for activations and assignments, as Graph's rules or a Terraform
/// resource write it. `None`: not judged (Graph lists every rule of a policy, so a rule it
/// leaves out is not there to judge).
struct Settings<'a> {
    spelling: &'static Spelling,
    /// Expiration_EndUser_Assignment `maximumDuration`: the activation's longest length.
    maximum: Option<Set<&'a str>>,
    /// Enablement_EndUser_Assignment: `Justification`, `Ticketing` enabled.
    justification: Option<Set<bool>>,
    ticket: Option<Set<bool>>,
    /// Approval_EndUser_Assignment `isApprovalRequired`, and its stages.
    approval: Option<Set<bool>>,
    stages: Vec<Stage<'a>>,
    /// Expiration_Admin_Eligibility / _Assignment `isExpirationRequired`.
    eligible_expiry: Option<Set<bool>>,
    active_expiry: Option<Set<bool>>,
}

/// An approval stage: where its approvers are written, whether any is listed, and the named ones.
struct Stage<'a> {
    at: Span,
    listed: bool,
    approvers: Vec<(Kind, &'a str, Span)>,
    /// The places of approvers whose id is known only after apply.
    unknown: Vec<Span>,
}

/// The longest activation the providers accept (`P1D`, the last of `maximum_duration`'s
/// values), for a policy that leaves the maximum to Azure.
const LONGEST_ACTIVATION: &str = "P1D";

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
    let scope = policy.text("scopeId").or_else(|| item.text("scopeId"));
    let mut object = object(id, role, scope, item.span(), false);
    let rule = |id: &str| {
        policy
            .records("rules")
            .find(|r| r.text("id").is_some_and(|(i, _)| i == id))
    };
    let mut settings = Settings {
        spelling: &GRAPH,
        maximum: None,
        justification: None,
        ticket: None,
        approval: None,
        stages: Vec::new(),
        eligible_expiry: None,
        active_expiry: None,
    };
    if let Some(expiration) = rule("Expiration_EndUser_Assignment") {
        settings.maximum = expiration
            .text("maximumDuration")
            .map(|(d, at)| Set::To(d, at));
    }
    if let Some(enablement) = rule("Enablement_EndUser_Assignment") {
        let at = key_span(enablement, "enabledRules").unwrap_or_else(|| enablement.span());
        let enabled: Vec<&str> = enablement
            .list("enabledRules")
            .iter()
            .filter_map(|n| n.value.as_scalar())
            .collect();
        let has = |name: &str| enabled.iter().any(|e| e.eq_ignore_ascii_case(name));
        settings.justification = Some(Set::To(has("Justification"), at));
        settings.ticket = Some(Set::To(has("Ticketing"), at));
    }
    if let Some(approval) = rule("Approval_EndUser_Assignment") {
        let required = approval.get("setting.isApprovalRequired");
        let at = required.map_or_else(|| approval.span(), |r| approval.span_of(r));
        let yes = required.is_some_and(|r| r.value.as_scalar() == Some("true"));
        settings.approval = Some(Set::To(yes, at));
        for stage in approval.records("setting.approvalStages") {
            let listed: Vec<Record> = stage.records("primaryApprovers").collect();
            settings.stages.push(Stage {
                at: key_span(stage, "primaryApprovers").unwrap_or_else(|| stage.span()),
                listed: !listed.is_empty(),
                approvers: listed.into_iter().filter_map(approver_name).collect(),
                unknown: Vec::new(),
            });
        }
    }
    for (id, setting) in [
        (
            "Expiration_Admin_Eligibility",
            &mut settings.eligible_expiry,
        ),
        ("Expiration_Admin_Assignment", &mut settings.active_expiry),
    ] {
        if let Some(expiration) = rule(id)
            && let Some(required) = expiration.get("isExpirationRequired")
        {
            let yes = required.value.as_scalar() != Some("false");
            *setting = Some(Set::To(yes, expiration.span_of(required)));
        }
    }
    probes(&settings, text, file, &mut object)?;
    Ok(object)
}

/// The object of a policy: named `name`, of `role` (what overrides and admin-justified
/// match), in `scope` (the tenant; `/` is the whole directory). A Terraform resource is
/// called by its address, which a pull request's author looks for; Graph's policy by its
/// role when an assignment names it.
fn object(
    name: String,
    role: Option<(&str, Span)>,
    scope: Option<(&str, Span)>,
    span: Span,
    terraform: bool,
) -> Object {
    let (noun, short) = match role {
        Some((role, _)) if !terraform => ("PIM policy of role", role.to_string()),
        _ => ("PIM policy", name.clone()),
    };
    let mut object = Object {
        noun,
        name,
        short,
        span,
        fields: Vec::new(),
        unwritten: Vec::new(),
        probes: Vec::new(),
    };
    if let Some((role, at)) = role {
        object.fields.push((Field::Role, role.to_string(), at));
    }
    if let Some((scope, at)) = scope {
        let tenant = if scope == "/" { WHOLE_DIRECTORY } else { scope };
        object.fields.push((Field::Tenant, tenant.to_string(), at));
    }
    object
}

/// The one place a PIM policy's settings become what they let through. The end-user
/// assignment settings are the activation a grant is; the admin expiration settings decide
/// whether eligible and active assignments may be permanent.
fn probes(
    settings: &Settings,
    text: &str,
    file: &str,
    object: &mut Object,
) -> Result<(), InputError> {
    let words = settings.spelling;
    let role = object
        .fields
        .iter()
        .find(|(f, ..)| *f == Field::Role)
        .map(|(_, role, _)| role.clone());
    if let Some(maximum) = settings.maximum {
        let duration = maximum.value().unwrap_or(LONGEST_ACTIVATION);
        let length = parse_duration(duration).map_err(|why| {
            let message = format!("{} `{duration}` is not a duration: {why}", words.maximum);
            error_at(file, text, maximum.at(), message, words.duration)
        })?;
        let allows = match maximum {
            Set::To(..) => format!("lets an activation last {}", format_duration(length)),
            Set::Left(..) => maximum.allows(format!(
                "lets an activation last up to {}, the longest the providers accept",
                format_duration(length)
            )),
        };
        let probe = Probe::lasting(maximum.at(), length, allows, words.window);
        object.probes.push(probe);
    }
    if let Some(justification) = settings.justification
        && justification.value() != Some(true)
    {
        let at = justification.at();
        let allows = justification.allows("does not require a justification to activate".into());
        let probe = Probe::without("reason-specific", at, allows, words.reason);
        object.probes.push(probe);
        if let Some(role) = &role {
            let allows = format!("lets `{role}` be activated without a justification");
            let probe = Probe::without(
                "admin-justified",
                at,
                justification.allows(allows),
                words.reason,
            );
            object.probes.push(probe.with(Field::Role, role));
        }
    }
    if let Some(ticket) = settings.ticket
        && ticket.value() != Some(true)
    {
        let allows = ticket.allows("does not require ticket information to activate".into());
        let probe = Probe::without("ticket-linked", ticket.at(), allows, words.ticket);
        object.probes.push(probe);
    }
    if let Some(approval) = settings.approval {
        if approval.value() != Some(true) {
            let allows = approval.allows("does not require approval to activate".into());
            let probe = Probe::without("approver-named", approval.at(), allows, words.approval);
            object.probes.push(probe);
        } else {
            stages(&settings.stages, approval.at(), words, object);
        }
    }
    for (setting, what, key) in [
        (settings.eligible_expiry, "eligible", words.eligible),
        (settings.active_expiry, "active", words.active),
    ] {
        if let Some(required) = setting
            && required.value() != Some(true)
        {
            let allows = match required {
                Set::To(..) => format!("lets {what} assignments be permanent (`{key}`)"),
                Set::Left(..) => required.allows(format!("lets {what} assignments be permanent")),
            };
            let probe = Probe::without("expiry-required", required.at(), allows, words.expiry);
            object.probes.push(probe.with(Field::Start, START));
        }
    }
    Ok(())
}

/// The approvers of each stage, each judged as a grant's approver.
fn stages(stages: &[Stage], approval: Span, words: &Spelling, object: &mut Object) {
    if stages.is_empty() {
        // No stage written (or a `dynamic` one, known only in a plan): who approves is not
        // in the configuration.
        let allows = "requires approval but writes no approval stage that names an approver \
(a `dynamic` block is known only in a plan)"
            .to_string();
        let probe = Probe::without("approver-named", approval, allows, words.approval);
        object.probes.push(probe);
    }
    for stage in stages {
        for at in &stage.unknown {
            let allows = "lets an approver not known until apply approve (no literal \
`object_id`)"
                .to_string();
            let probe = Probe::without("approver-named", *at, allows, words.approver);
            object.probes.push(probe);
        }
        if !stage.listed {
            // With no approvers chosen, PIM asks the directory's role administrators.
            let approver = "group:Privileged Role Administrators and Global Administrators";
            let allows = "names no approver, so the default approvers decide".to_string();
            let probe = Probe::without("approver-named", stage.at, allows, words.approver);
            object.probes.push(probe.with(Field::Approver, approver));
        }
        for (kind, name, at) in &stage.approvers {
            let shown = match kind {
                Kind::Group => format!("group:{name}"),
                Kind::Person => name.to_string(),
            };
            let allows = format!("lets `{shown}` approve");
            let probe = Probe::without("approver-named", *at, allows, words.approver);
            object.probes.push(probe.with(Field::Approver, &shown));
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Person,
    Group,
}

/// An approver (a `subjectSet`): a single user is a person; group members, managers and
/// others stand for whoever is in the set. `None` when it has no name.
fn approver_name<'a>(approver: Record<'a>) -> Option<(Kind, &'a str, Span)> {
    // `@odata.type` has a dot in it: looked up whole, not as a path.
    let Value::Map(entries) = &approver.node.value else {
        return None;
    };
    let odata = entries
        .iter()
        .find(|(k, _)| k.value.as_scalar() == Some("@odata.type"))
        .and_then(|(_, v)| Some((v.value.as_scalar()?, approver.span_of(v))));
    let kind = match odata {
        Some((t, _)) if t.ends_with("singleUser") => Kind::Person,
        _ => Kind::Group,
    };
    let (name, at) = approver
        .text("description")
        .or_else(|| approver.text("userId"))
        .or_else(|| approver.text("groupId"))
        .or(odata)?;
    Some((kind, name, at))
}
