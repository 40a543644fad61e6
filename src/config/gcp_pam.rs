//! Google Cloud PAM entitlements (the `Entitlement` resource of the `privilegedaccessmanager`
//! API, REST reference projects.locations.entitlements) as `gcloud pam entitlements list` and
//! `describe` write them: JSON (`--format=json`), or YAML documents after `---` (the default),
//! or the REST `entitlements.list` response (`{"entitlements": […]}`).

use super::{Docs, Object, Probe, Resource, Shape, error_at, not_expected, number};
use crate::core::node::{Node, Value};
use crate::core::span::Span;
use crate::core::time::format_duration;
use crate::grant::Field;
use crate::load::InputError;
use crate::load::adapters::gcp_pam::proto_duration;

pub const DOCS: Docs = Docs {
    system: "Google Cloud PAM entitlements",
    reads: "Entitlement resources of the `privilegedaccessmanager/v1` API as `gcloud pam \
entitlements list` or `describe` write them (`--format=json`, or the default YAML: one document \
per entitlement after `---`), or the REST `entitlements.list` response (`{\"entitlements\": \
[…]}`); or a Terraform plan (`terraform show -json PLAN`): each \
`google_privileged_access_manager_entitlement` it creates or keeps, as planned \
(`resource_changes[].change.after`, else `planned_values`), named by its address, its values in \
the provider's snake_case (`max_request_duration`, `requester_justification_config`, \
`approval_workflow.manual_approvals.steps.approvals_needed`; recognised when the type is in the \
file's first 16 KiB, else pass the `--source`); or Terraform source, a `.tf` file (pass \
`--source gcp-pam-entitlement`), through an HCL parser, each finding at the attribute's line in \
the `.tf` file; a value from a variable or a function is known only in a plan. Overrides match a grant's tenant (`privilegedAccess.gcpIamAccess.resource`, as in PAM \
grants) and role (the role bindings' roles, joined by \", \"); an entitlement has no \
environment. Source: cloud.google.com/iam/docs/reference/pam/rest/v1/projects.locations.entitlements.",
    keys: &[
        (
            "maxRequestDuration",
            "window-max",
            "a grant may last longer than the applicable `max`",
        ),
        (
            "requesterJustificationConfig",
            "reason-specific",
            "`notMandatory`, or absent: a grant needs no reason",
        ),
        (
            "privilegedAccess.gcpIamAccess.roleBindings[].role",
            "admin-justified",
            "a privileged role (the rule's `patterns`) is granted while no justification is required; each role is judged alone",
        ),
        (
            "approvalWorkflow",
            "approver-named",
            "absent (\"no approvals are needed if this field is null\"), or no `manualApprovals.steps`",
        ),
        (
            "approvalWorkflow.manualApprovals.steps[].approvalsNeeded",
            "approver-named",
            "0, or absent (proto3 JSON leaves a 0 out)",
        ),
        (
            "approvalWorkflow.manualApprovals.steps[].approvers[].principals[]",
            "approver-named",
            "an approver the rule does not take for one named person (`group:…` matches its `\\bgroup\\b` pattern; `user:` is dropped before judging)",
        ),
        (
            "(none)",
            "ticket-linked",
            "always, while the rule is on: an entitlement cannot require a ticket",
        ),
    ],
    cannot: &[
        "self-approval: PAM itself refuses it (\"You can't approve your own request\", \
cloud.google.com/iam/docs/pam-approve-deny-grants), so `eligibleUsers` overlapping the approvers \
is no finding",
        "expiry-required: every grant ends, as `maxRequestDuration` is required",
        "how good a reason will be (reason-specific's words and phrases): only that one is \
required; check the grants themselves with `--source gcp-pam`",
        "`requireApproverJustification`: no rule asks for an approver's reason",
        "environment: an entitlement has none; match overrides on the tenant (the project, folder \
or organization) instead",
    ],
};

const SHAPE: &str = "PAM Entitlement resources (`gcloud pam entitlements list --format=json`), or \
an `{\"entitlements\": […]}` API response";

/// The entitlements of every document.
pub fn read(roots: &[Node], text: &str, file: &str) -> Result<(Vec<Object>, usize), InputError> {
    let mut objects = Vec::new();
    for root in roots {
        // A page with no entitlements: proto3 JSON leaves the empty list out.
        if let Value::Map(entries) = &root.value
            && entries
                .iter()
                .all(|(k, _)| matches!(k.value.as_scalar(), Some("nextPageToken" | "unreachable")))
        {
            continue;
        }
        let Some(items) = super::items(root, "entitlements") else {
            return Err(not_expected(
                file,
                text,
                root,
                SHAPE,
                "pass PAM entitlements",
            ));
        };
        for item in items {
            objects.push(entitlement(Resource::new(item, false), None, text, file)?);
        }
    }
    Ok((objects, 0))
}

/// The Terraform resource (hashicorp/google provider) of a PAM entitlement.
pub const TERRAFORM_TYPE: &str = "google_privileged_access_manager_entitlement";

const WINDOW_HELP: &str = "lower maxRequestDuration to the policy's maximum; a longer task is \
extended in recorded steps";
const REASON_HELP: &str =
    "require a justification: `requesterJustificationConfig: {unstructured: {}}`";
const APPROVAL_HELP: &str = "add `approvalWorkflow.manualApprovals` with a step of \
`approvalsNeeded: 1` and named approvers (`user:…`)";
const APPROVER_HELP: &str =
    "name the people who approve (`user:…`), not a group or a shared mailbox";
const TICKET_HELP: &str = "ask for the ticket in the justification and check the grants with \
`grantlint check --source gcp-pam`, or turn ticket-linked off for this tenant with an override";

/// The blocks the checks read (in Terraform, lists of one item, or of each step): in `.tf`
/// source a `dynamic` one is known only in a plan. Each step's `approvers` too.
const BLOCKS: [&str; 9] = [
    "privilegedAccess",
    "privilegedAccess.gcpIamAccess",
    "privilegedAccess.gcpIamAccess.roleBindings",
    "requesterJustificationConfig",
    "requesterJustificationConfig.unstructured",
    "requesterJustificationConfig.notMandatory",
    "approvalWorkflow",
    "approvalWorkflow.manualApprovals",
    "approvalWorkflow.manualApprovals.steps",
];

/// One entitlement; `address` names a Terraform resource (its `name` is not known before
/// it is applied).
/// The project, folder or organization access is granted on: what `tenant` overrides match.
const TENANT: &str = "privilegedAccess.gcpIamAccess.resource";

pub(super) fn entitlement(
    pam: Resource,
    address: Option<&str>,
    text: &str,
    file: &str,
) -> Result<Object, InputError> {
    let Value::Map(_) = pam.record.node.value else {
        let help = "pass PAM entitlements";
        return Err(not_expected(file, text, pam.record.node, SHAPE, help));
    };
    let name = match (address, pam.text("name")) {
        (Some(address), _) => address.to_string(),
        (None, Some((name, _))) => name.to_string(),
        (None, None) => format!("entitlement at line {}", pam.span().line),
    };
    let short = match (address, pam.text("entitlementId")) {
        (Some(_), Some((id, _))) => id.to_string(),
        _ => name.rsplit('/').next().unwrap_or(&name).to_string(),
    };
    let mut object = Object {
        noun: "entitlement",
        name,
        short,
        span: pam.span(),
        fields: Vec::new(),
        unwritten: Vec::new(),
        probes: Vec::new(),
    };
    for path in BLOCKS {
        if let Some((_, blocks)) = pam.entry(path) {
            pam.written_out(blocks, Shape::List, path, text, file)?;
        }
    }
    let access = pam.record("privilegedAccess.gcpIamAccess");
    let mut roles: Vec<(&str, Span)> = Vec::new();
    for binding in access.iter().flat_map(|a| a.records("roleBindings")) {
        if let Some(role) = binding.get("role") {
            let path = "privilegedAccess.gcpIamAccess.roleBindings[].role";
            pam.written_out(role, Shape::Value, path, text, file)?;
        }
        roles.extend(binding.text("role"));
    }
    if let Some((_, at)) = roles.first() {
        let mut joined: Vec<&str> = Vec::new();
        for (role, _) in &roles {
            if !joined.contains(role) {
                joined.push(role);
            }
        }
        object.fields.push((Field::Role, joined.join(", "), *at));
    }
    if let Some((tenant, at)) = pam.text(TENANT) {
        object.fields.push((Field::Tenant, tenant.to_string(), at));
    }
    if let Some((what, at)) = pam.unwritten(&[TENANT]) {
        object.unwritten.push((Field::Tenant, what, at));
    }

    let Some((duration, at)) = pam.text("maxRequestDuration") else {
        let message = format!("entitlement `{}` has no maxRequestDuration", object.short);
        let help = "an Entitlement always has one (it is required): pass entitlements as gcloud or the API write them";
        return Err(error_at(file, text, pam.span(), message, help));
    };
    let length = proto_duration(duration).map_err(|why| {
        let message = format!("maxRequestDuration `{duration}`: {why}");
        let help = match pam.terraform {
            // A variable, a call or a template in .tf source is known only once planned.
            true => {
                "a value from a variable or a function is known only in a plan: lint `terraform show -json PLAN`, or write the seconds here (`14400s`)"
            }
            false => "write seconds with an `s`, e.g. `14400s`",
        };
        error_at(file, text, at, message, help)
    })?;
    let allows = format!("lets a grant last {}", format_duration(length));
    object
        .probes
        .push(Probe::lasting(at, length, allows, WINDOW_HELP));

    justification(pam, &roles, &mut object);
    approvals(pam, text, file, &mut object)?;
    object.probes.push(Probe::without(
        "ticket-linked",
        object.span,
        "cannot require a ticket (PAM has no such setting)".into(),
        TICKET_HELP,
    ));
    Ok(object)
}

/// requesterJustificationConfig: `unstructured` requires the requester's words, which also
/// justify a privileged role (as the grants adapter reads them); `notMandatory` or nothing
/// requires none.
fn justification(pam: Resource, roles: &[(&str, Span)], object: &mut Object) {
    let config = pam.record("requesterJustificationConfig");
    if config.is_some_and(|c| c.get("unstructured").is_some()) {
        return;
    }
    let path = "requesterJustificationConfig";
    let (at, allows) = match config {
        Some(c) if c.get("notMandatory").is_some() => (
            pam.key_span("requesterJustificationConfig.notMandatory"),
            "does not require a justification (`notMandatory`)",
        ),
        Some(_) => (
            pam.key_span(path),
            "sets no justification mode, so none is required",
        ),
        None => (
            None,
            "has no requesterJustificationConfig, so no justification is required",
        ),
    };
    let at = at.unwrap_or(object.span);
    object.probes.push(Probe::without(
        "reason-specific",
        at,
        allows.into(),
        REASON_HELP,
    ));
    for (role, at) in roles {
        let allows = format!("grants `{role}` without requiring a justification");
        let probe = Probe::without("admin-justified", *at, allows, REASON_HELP);
        object.probes.push(probe.with(Field::Role, role));
    }
}

/// approvalWorkflow.manualApprovals: no workflow, no step or a step needing no approval lets
/// a grant through unapproved; every approver principal is judged as a grant's approver.
/// In `.tf` source, a count or a principal not written out is an error at its place.
fn approvals(pam: Resource, text: &str, file: &str, object: &mut Object) -> Result<(), InputError> {
    let none =
        |at, allows: &str| Probe::without("approver-named", at, allows.to_string(), APPROVAL_HELP);
    let Some(manual) = pam.record("approvalWorkflow.manualApprovals") else {
        let at = pam.key_span("approvalWorkflow").unwrap_or(object.span);
        object.probes.push(none(
            at,
            "needs no approval (no approvalWorkflow.manualApprovals)",
        ));
        return Ok(());
    };
    let steps = manual.records("steps");
    if steps.is_empty() {
        let at = pam
            .key_span("approvalWorkflow.manualApprovals")
            .unwrap_or(object.span);
        object.probes.push(none(
            at,
            "needs no approval (its manualApprovals has no steps)",
        ));
    }
    let path = "approvalWorkflow.manualApprovals.steps[]";
    for step in steps {
        if let Some(needed) = step.get("approvalsNeeded") {
            let path = format!("{path}.approvalsNeeded");
            pam.written_out(needed, Shape::Value, &path, text, file)?;
        }
        match step.get("approvalsNeeded") {
            Some(needed) if number(needed) == Some(0) => {
                let at = step.span_of(needed);
                object
                    .probes
                    .push(none(at, "needs no approval (`approvalsNeeded: 0`)"));
            }
            None => object.probes.push(none(
                step.span(),
                "needs no approval (no approvalsNeeded, which is 0)",
            )),
            Some(_) => {}
        }
        if let Some((_, approvers)) = step.entry("approvers") {
            let path = format!("{path}.approvers");
            pam.written_out(approvers, Shape::List, &path, text, file)?;
        }
        for approvers in step.records("approvers") {
            if let Some((_, principals)) = approvers.entry("principals") {
                let path = format!("{path}.approvers[].principals");
                pam.written_out(principals, Shape::List, &path, text, file)?;
            }
            for principal in approvers.list("principals") {
                let Some(text) = principal.value.as_scalar() else {
                    continue;
                };
                // A user is a person; any other principal is judged with its kind in front.
                let approver = text.strip_prefix("user:").unwrap_or(text);
                let allows = format!("lets `{text}` approve");
                let at = step.span_of(principal);
                let probe = Probe::without("approver-named", at, allows, APPROVER_HELP);
                object.probes.push(probe.with(Field::Approver, approver));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(text: &str) -> Vec<Object> {
        let roots = crate::core::node::parse_documents(text).unwrap();
        read(&roots, text, "t").unwrap().0
    }

    #[test]
    fn an_entitlement_says_what_it_lets_through_at_each_setting() {
        let text = r#"{"name": "projects/p/locations/global/entitlements/e1",
 "maxRequestDuration": "86400s",
 "requesterJustificationConfig": {"notMandatory": {}},
 "privilegedAccess": {"gcpIamAccess": {"resource": "//crm/projects/p", "roleBindings": [{"role": "roles/owner"}]}}}"#;
        let object = &objects(text)[0];
        assert_eq!(object.short, "e1");
        let probes: Vec<(&str, u32, &str)> = object
            .probes
            .iter()
            .map(|p| (p.rule, p.at.line, p.allows.as_str()))
            .collect();
        assert_eq!(
            probes,
            [
                ("window-max", 2, "lets a grant last 1d"),
                (
                    "reason-specific",
                    3,
                    "does not require a justification (`notMandatory`)"
                ),
                (
                    "admin-justified",
                    4,
                    "grants `roles/owner` without requiring a justification"
                ),
                (
                    "approver-named",
                    1,
                    "needs no approval (no approvalWorkflow.manualApprovals)"
                ),
                (
                    "ticket-linked",
                    1,
                    "cannot require a ticket (PAM has no such setting)"
                ),
            ]
        );
    }

    #[test]
    fn an_unreadable_duration_is_an_error_at_its_place() {
        let text = "name: e\nmaxRequestDuration: soon\n";
        let roots = crate::core::node::parse_documents(text).unwrap();
        let error = read(&roots, text, "t").unwrap_err();
        assert_eq!(error.location.map(|l| l.line), Some(2));
        assert!(error.message.contains("`soon`"), "{}", error.message);
    }
}
