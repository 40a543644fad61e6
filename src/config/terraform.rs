//! Terraform: a plan (`terraform show -json`) or `.tf` source. Every resource of a type
//! grantlint reads is judged, whichever `--source` named the file, as one plan may hold PAM
//! entitlements and PIM policies alike: each becomes the object its own reader makes of it,
//! named by its address.

use super::{Object, Resource, error_at, gcp_pam};
use crate::core::node::{Node, Value};
use crate::load::InputError;
use crate::load::adapters::Source;
use crate::load::adapters::record::{Record, span};
use crate::load::mapping::Mapping;

/// The hashicorp/azurerm provider's PIM policy of an Azure role at a scope.
pub const AZURERM_POLICY: &str = "azurerm_role_management_policy";
/// The hashicorp/azuread provider's PIM policy of a group's membership or ownership.
pub const AZUREAD_GROUP_POLICY: &str = "azuread_group_role_management_policy";

/// The gravitational/teleport provider's role: the role resource's own fields, nested
/// attributes (objects, not lists of blocks) under the same snake_case names.
pub const TELEPORT_ROLE: &str = "teleport_role";

/// The resource types grantlint reads.
pub const TYPES: [&str; 4] = [
    gcp_pam::TERRAFORM_TYPE,
    AZURERM_POLICY,
    AZUREAD_GROUP_POLICY,
    TELEPORT_ROLE,
];

/// The configuration kind a resource type is of.
pub fn kind_of(kind: &str) -> Source {
    match kind {
        gcp_pam::TERRAFORM_TYPE => Source::GcpPamEntitlement,
        TELEPORT_ROLE => Source::TeleportRole,
        _ => Source::EntraPimPolicy,
    }
}

/// What `explain --source teleport-role` adds for Terraform (the Teleport page is the role
/// resource's own; the other kinds say it in theirs).
pub const TELEPORT_READS: &str = "Also Terraform, as a plan (`terraform show -json PLAN`, \
recognised by the resource type in its first 16 KiB, else pass the `--source`) or `.tf` \
source (pass `--source teleport-role`): each \
`teleport_role` (the gravitational/teleport provider: `metadata`, `spec.options`, \
`spec.allow.request` as nested attributes under the role's own names) is judged as the role it \
writes, named by its address; in `.tf` source a value from a variable or a function is known \
only in a plan.";

/// The types of `kind`, as an error names them.
fn named(kind: Source) -> String {
    let names: Vec<String> = TYPES
        .iter()
        .filter(|t| kind_of(t) == kind)
        .map(|t| format!("`{t}`"))
        .collect();
    names.join(" or ")
}

/// One resource's object, by its type's reader.
fn object(
    kind: &str,
    resource: Resource,
    address: &str,
    text: &str,
    file: &str,
    mapping: &Mapping,
    regexes: &mut usize,
) -> Result<Object, InputError> {
    match kind_of(kind) {
        Source::GcpPamEntitlement => gcp_pam::entitlement(resource, Some(address), text, file),
        Source::TeleportRole => {
            // Called by its address, as the Entra policies are: what a pull request's
            // author finds in the .tf files, in every format (the text one too).
            let mut role = super::teleport::role_alone(resource, text, file, regexes)?;
            role.name = address.to_string();
            role.short = address.to_string();
            Ok(role)
        }
        _ => super::entra_pim::terraform(resource, kind, address, text, file, mapping),
    }
}

/// True for a `terraform show -json` document.
pub fn is_plan(root: &Node) -> bool {
    let plan = Record::new(root);
    plan.get("terraform_version")
        .or_else(|| plan.get("format_version"))
        .is_some()
}

/// The objects of a plan's resources; an error naming `kind`'s types when it has none.
pub fn read_plan(
    root: &Node,
    kind: Source,
    text: &str,
    file: &str,
    mapping: &Mapping,
) -> Result<Vec<Object>, InputError> {
    let (mut objects, mut regexes) = (Vec::new(), 0);
    for (kind, address, values, unknown) in plan_resources(root) {
        if let Some(at) = unknown_under_spec(kind, unknown) {
            let message = format!(
                "`{address}`'s `spec` holds a value known only after apply (`after_unknown`)"
            );
            let help = "write the role's requests, reviews and rules from values known when \
planning, or lint the role once applied (`tctl get roles`)";
            return Err(error_at(file, text, at, message, help));
        }
        let resource = Resource::new(values, true).with_unknown(unknown);
        let object = object(kind, resource, address, text, file, mapping, &mut regexes)?;
        objects.push(object);
    }
    if objects.is_empty() {
        let message = format!("this Terraform plan has no {} resource", named(kind));
        return Err(error_at(file, text, span(root), message, &leave_out()));
    }
    Ok(objects)
}

/// The place of a `teleport_role`'s `after_unknown.spec` when some value under it is not
/// known until apply: the plan leaves such a value out of `after`, and a role read without it
/// would pass as one that requests nothing.
fn unknown_under_spec(kind: &str, unknown: Option<&Node>) -> Option<crate::core::span::Span> {
    fn any_true(node: &Node) -> bool {
        match &node.value {
            Value::Bool(b) => *b,
            Value::List(items) => items.iter().any(any_true),
            Value::Map(entries) => entries.iter().any(|(_, v)| any_true(v)),
            _ => false,
        }
    }
    let spec = Record::new(unknown?).get("spec")?;
    (kind == TELEPORT_ROLE && any_true(spec)).then(|| span(spec))
}

fn leave_out() -> String {
    format!(
        "grantlint reads these resources from Terraform: {}; leave this file out (`--exclude`)",
        TYPES.join(", ")
    )
}

/// A plan's resources grantlint reads (type, address, values): each one
/// `resource_changes[].change.after` leaves in place or creates, else (a plan without
/// changes) those of `planned_values`' modules.
fn plan_resources(root: &Node) -> Vec<(&str, &str, &Node, Option<&Node>)> {
    let plan = Record::new(root);
    // A data source (`mode: "data"`) reads what exists; only managed resources are written.
    let of_type = |r: &Record| -> Option<&'static str> {
        if r.text("mode").is_some_and(|(mode, _)| mode != "managed") {
            return None;
        }
        let (t, _) = r.text("type")?;
        TYPES.iter().copied().find(|k| *k == t)
    };
    let mut found = Vec::new();
    for change in plan.records("resource_changes") {
        let Some(kind) = of_type(&change) else {
            continue;
        };
        let deleted = change
            .list("change.actions")
            .iter()
            .all(|a| a.value.as_scalar() == Some("delete"));
        if let (Some((address, _)), Some(after), false) =
            (change.text("address"), change.get("change.after"), deleted)
        {
            found.push((kind, address, after, change.get("change.after_unknown")));
        }
    }
    if plan.get("resource_changes").is_none() {
        let mut modules = vec![plan.record("planned_values.root_module")];
        while let Some(module) = modules.pop() {
            let Some(module) = module else { continue };
            for resource in module.records("resources") {
                let Some(kind) = of_type(&resource) else {
                    continue;
                };
                if let (Some((address, _)), Some(values)) =
                    (resource.text("address"), resource.get("values"))
                {
                    found.push((kind, address, values, None));
                }
            }
            modules.extend(module.records("child_modules").map(Some));
        }
    }
    found
}

/// The objects of a `.tf` file's resources, each found at its attributes' places there; an
/// error naming `kind`'s types when it has none.
pub fn read_source(
    text: &str,
    file: &str,
    kind: Source,
    mapping: &Mapping,
) -> Result<Vec<Object>, InputError> {
    let (mut objects, mut regexes) = (Vec::new(), 0);
    for resource in super::hcl::resources(text, file, &TYPES)? {
        let roots =
            super::parse(&resource.json, file).map_err(|e| resource.place_error(e, text))?;
        let Some(root) = roots.first() else { continue };
        let values = Resource::new(root, true).with_expressions(&resource.expressions);
        let mut object = object(
            resource.kind,
            values,
            &resource.address,
            &resource.json,
            file,
            mapping,
            &mut regexes,
        )
        .map_err(|e| resource.place_error(e, text))?;
        resource.place_object(&mut object);
        objects.push(object);
    }
    if objects.is_empty() {
        let message = format!("this Terraform file has no {} resource", named(kind));
        return Err(InputError::new(file, message).help(leave_out()));
    }
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tf_error(tf: &str) -> InputError {
        match read_source(tf, "t.tf", Source::TeleportRole, &Mapping::default()) {
            Ok(_) => panic!("passed: {tf}"),
            Err(e) => e,
        }
    }

    #[test]
    fn a_teleport_role_whose_requests_are_not_written_out_is_an_error_at_their_place() {
        let head = "resource \"teleport_role\" \"r\" {\n  metadata = { name = \"r\" }\n";
        for (spec, line) in [
            ("  spec = local.spec\n", 3),
            (
                "  spec = {\n    allow = {\n      request = {\n        roles = var.requestable\n      }\n    }\n  }\n",
                6,
            ),
            (
                "  spec = {\n    allow = {\n      request = {\n        roles = concat([\"a\"], var.b)\n      }\n    }\n  }\n",
                6,
            ),
            (
                "  spec = {\n    allow = {\n      request = var.request\n    }\n  }\n",
                5,
            ),
            (
                "  spec = {\n    allow = {\n      request = {\n        roles = [\"db\"]\n        annotations = local.on_call\n      }\n    }\n  }\n",
                7,
            ),
            (
                "  spec = {\n    allow = {\n      request = { roles = [\"db\"], suggested_reviewers = var.r }\n      rules = var.rules\n    }\n  }\n",
                5,
            ),
        ] {
            let error = tf_error(&format!("{head}{spec}}}\n"));
            assert_eq!(error.location.map(|at| at.line), Some(line), "{spec}");
            assert!(error.message.contains("not "), "{}", error.message);
        }
        // Written out, the role is read.
        let written = format!(
            "{head}  spec = {{\n    allow = {{\n      request = {{ roles = [\"db\"] }}\n    }}\n  }}\n}}\n"
        );
        assert!(read_source(&written, "t.tf", Source::TeleportRole, &Mapping::default()).is_ok());
    }

    #[test]
    fn a_teleport_role_item_or_value_from_an_expression_is_an_error_at_its_place() {
        let role = |spec: &str| {
            format!(
                "resource \"teleport_role\" \"r\" {{\n  metadata = {{ name = \"r\" }}\n  spec = {{\n{spec}  }}\n}}\n"
            )
        };
        for (spec, line, what) in [
            (
                "    allow = {\n      request = {\n        roles = [\n          \"db\",\n          var.extra,\n        ]\n      }\n    }\n",
                8,
                "an item of `spec.allow.request.roles` is `var.extra`",
            ),
            (
                "    allow = {\n      request = { roles = [\"db\"], suggested_reviewers = [\"ann\", local.lead] }\n    }\n",
                5,
                "an item of `spec.allow.request.suggested_reviewers` is `local.lead`",
            ),
            (
                "    allow = {\n      review_requests = { roles = [\"${var.env}-db\"] }\n    }\n",
                5,
                "an item of `spec.allow.review_requests.roles` is `\"${var.env}-db\"`",
            ),
            (
                "    deny = {\n      review_requests = { roles = [lower(var.r)] }\n    }\n",
                5,
                "an item of `spec.deny.review_requests.roles` is `lower(var.r)`",
            ),
            (
                "    allow = {\n      request = {\n        roles        = [\"db\"]\n        max_duration = var.long ? \"8h\" : \"1h\"\n      }\n    }\n",
                7,
                "`spec.allow.request.max_duration` is `var.long ? \"8h\" : \"1h\"`",
            ),
            (
                "    options = { request_access = var.access }\n    allow = { request = { roles = [\"db\"] } }\n",
                4,
                "`spec.options.request_access` is `var.access`",
            ),
            (
                "    allow = {\n      rules = [{ resources = [\"access_request\"], verbs = var.verbs }]\n    }\n",
                5,
                "`spec.allow.rules[].verbs` is `var.verbs`, not a list",
            ),
            (
                "    allow = {\n      request = {\n        roles       = [\"db\"]\n        annotations = { (var.plugin) = [\"x\"] }\n      }\n    }\n",
                7,
                "a key of `spec.allow.request.annotations` is `(var.plugin)`",
            ),
        ] {
            let error = tf_error(&role(spec));
            assert_eq!(error.location.map(|at| at.line), Some(line), "{spec}");
            assert!(error.message.contains(what), "{}", error.message);
            assert!(error.message.ends_with("written out"), "{}", error.message);
            assert!(error.help.unwrap().contains("terraform show -json PLAN"));
        }
        // Expressions in what no check reads (logins, labels, thresholds), and a template of
        // literal parts, leave the role judged.
        let read = role(
            "    allow = {\n      logins = [var.login]\n      node_labels = { env = var.env }\n      request = {\n        roles      = [\"db\", \"web\"]\n        max_duration = <<-EOT\n          2h\n        EOT\n        thresholds = [{ approve = var.n }]\n      }\n    }\n",
        );
        let objects = read_source(&read, "t.tf", Source::TeleportRole, &Mapping::default())
            .unwrap_or_else(|e| panic!("{}", e.message));
        let role = objects[0]
            .fields
            .iter()
            .find(|f| f.0 == crate::grant::Field::Role)
            .map(|f| f.1.as_str());
        assert_eq!(role, Some("db, web"));
        let window = objects[0].probes.iter().find(|p| p.rule == "window-max");
        assert_eq!(
            window.map(|p| p.allows.as_str()),
            Some("lets requested access last 2h")
        );
    }

    #[test]
    fn a_teleport_role_with_values_unknown_until_apply_is_an_error_at_the_resource() {
        let plan = |unknown: &str| {
            let text = format!(
                r#"{{"format_version": "1.2", "resource_changes": [{{"address": "teleport_role.r", "type": "teleport_role", "change": {{"actions": ["create"], "after": {{"metadata": {{"name": "r"}}, "spec": {{"allow": {{"request": {{}}}}}}}}, "after_unknown": {unknown}}}}}]}}"#
            );
            let roots = super::super::parse(&text, "p.json").unwrap();
            read_plan(
                &roots[0],
                Source::TeleportRole,
                &text,
                "p.json",
                &Mapping::default(),
            )
            .map(|objects| objects.len())
        };
        let unknown = r#"{"spec": {"allow": {"request": {"roles": true}}}}"#;
        let error = plan(unknown).unwrap_err();
        assert!(error.message.contains("after_unknown"), "{}", error.message);
        assert_eq!(error.location.map(|at| at.line), Some(1));
        // Known values (`false`, or unknown outside `spec`) are read.
        assert_eq!(
            plan(r#"{"spec": {"allow": {"request": {"roles": false}}}, "id": true}"#).unwrap(),
            1
        );
    }

    #[test]
    fn a_data_source_of_a_read_type_is_not_judged_as_configuration() {
        let role =
            r#"{"metadata": {"name": "r"}, "spec": {"allow": {"request": {"roles": ["db"]}}}}"#;
        let text = format!(
            r#"{{"format_version": "1.2", "resource_changes": [{{"address": "data.teleport_role.r", "mode": "data", "type": "teleport_role", "change": {{"actions": ["read"], "after": {role}}}}}, {{"address": "teleport_role.m", "mode": "managed", "type": "teleport_role", "change": {{"actions": ["create"], "after": {role}}}}}]}}"#
        );
        let roots = super::super::parse(&text, "p.json").unwrap();
        let objects = read_plan(
            &roots[0],
            Source::TeleportRole,
            &text,
            "p.json",
            &Mapping::default(),
        )
        .unwrap();
        let names: Vec<&str> = objects.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["teleport_role.m"]);
    }

    #[test]
    fn a_file_of_teleport_roles_may_hold_so_many_review_regexes_and_no_more() {
        use crate::load::limits::MAX_POLICY_PATTERNS;
        let role = |i: usize| {
            format!(
                "resource \"teleport_role\" \"r{i}\" {{\n  spec = {{ allow = {{ review_requests = {{ roles = [\"^db-{i}$\"] }} }} }}\n}}\n"
            )
        };
        let most: String = (0..MAX_POLICY_PATTERNS).map(role).collect();
        assert!(read_source(&most, "t.tf", Source::TeleportRole, &Mapping::default()).is_ok());
        let more = format!("{most}{}", role(MAX_POLICY_PATTERNS));
        let error = tf_error(&more);
        assert!(
            error.message.contains("first past the limit"),
            "{}",
            error.message
        );
        assert_eq!(
            error.location.map(|at| at.line),
            Some(3 * MAX_POLICY_PATTERNS as u32 + 2)
        );
    }
}
