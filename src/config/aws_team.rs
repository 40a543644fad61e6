//! AWS TEAM (aws-samples/iam-identity-center-team) policies as its GraphQL API and its
//! DynamoDB tables hold them (`amplify/backend/api/team/schema.graphql`): `Eligibility`
//! (who may request which permission sets in which accounts or OUs, for how many hours, with
//! or without approval), `Approvers` (which groups approve for an account or OU) and
//! `Settings` (the global approval, justification and ticket switches).

use super::{Docs, Object, Probe, error_at, not_expected};
use crate::core::node::{Node, Value};
use crate::core::span::Span;
use crate::core::time::format_duration;
use crate::grant::Field;
use crate::load::InputError;
use crate::load::adapters::hours;
use crate::load::adapters::record::Record;

pub const DOCS: Docs = Docs {
    system: "AWS TEAM eligibility, approver and settings policies",
    reads: "TEAM's policy records as its GraphQL API returns them (`listEligibilities`, \
`listApprovers`, `listSettings` responses, `{\"data\": {\"listEligibilities\": {\"items\": \
[…]}}}`), as a list, or under `items`: `Eligibility` (`name`, `type` User or Group, \
`accounts[]`, `ous[]`, `permissions[]` of `{name, id}`, `duration` in hours, \
`approvalRequired`, `ticketNo`: the admin's change ticket), `Approvers` (`name`, `type` Account \
or OU, `approvers[]` group names, `groupIds[]`) and `Settings` (`approval`, `comments`: require \
justification, `ticketNo`: require a ticket number, `duration`). Pass the settings with the \
policies: justification and tickets are global switches. Overrides match a grant's role (the \
permission sets, joined by \", \") and tenant (the account ids, else names, joined). Sources: \
aws-samples/iam-identity-center-team `amplify/backend/api/team/schema.graphql`, \
docs/docs/overview/policies.md and docs/docs/guides/admin.md.",
    keys: &[
        (
            "Eligibility.duration",
            "window-max",
            "a request may last longer than the applicable `max` (hours)",
        ),
        (
            "Eligibility.approvalRequired",
            "approver-named",
            "`false` or absent: a request needs no approval",
        ),
        (
            "Eligibility.permissions[].name",
            "admin-justified",
            "a privileged permission set (the rule's `patterns`) while the settings' `comments` (require justification) is `false`",
        ),
        (
            "Settings.approval",
            "approver-named",
            "`false`: the approval workflow is off, so no request needs approval",
        ),
        (
            "Settings.comments",
            "reason-specific",
            "`false`: a request needs no justification",
        ),
        (
            "Settings.ticketNo",
            "ticket-linked",
            "`false`: a request needs no ticket number, while the rule is on",
        ),
    ],
    cannot: &[
        "self-approval: \"TEAM does not allow an individual to approve their own request\" \
(docs/docs/overview/policies.md), even when requesters and approvers share a group",
        "expiry-required: every TEAM request ends after its duration",
        "who approves: approver policies name Identity Center groups by design; the person who \
approved is on each request, judged with `--source aws-team`",
        "justification and tickets when no `Settings` record is passed: they are global switches",
        "`Settings.duration`: an eligibility policy always sets its own maximum, which overrides it",
        "DynamoDB's typed JSON (`{\"S\": …}`): export through the GraphQL API, or convert it",
    ],
};

const SHAPE: &str = "TEAM eligibility, approver or settings records (a list, `items`, or a \
GraphQL `data` response)";

/// The records of every document; settings apply to every eligibility policy of the file.
pub fn read(roots: &[Node], text: &str, file: &str) -> Result<(Vec<Object>, usize), InputError> {
    let mut records = Vec::new();
    for root in roots {
        gather(root, text, file, &mut records)?;
    }
    // The global switch that requires a justification, if the settings are here.
    let justified = records.iter().find_map(|r| {
        let value = r.get("comments")?.value.as_scalar()?;
        Some(value == "true")
    });
    let mut objects = Vec::new();
    for record in records {
        if record.get("approvalRequired").is_some() || record.get("permissions").is_some() {
            objects.push(eligibility(record, justified, text, file)?);
        } else if record.get("comments").is_some() || record.get("approval").is_some() {
            objects.push(settings(record));
        } else if record.get("approvers").is_some() || record.get("groupIds").is_some() {
            objects.push(named(record, "approver policy for"));
        } else {
            let found = "this record is no eligibility, approver or settings record".to_string();
            return Err(error_at(file, text, record.span(), found, SHAPE));
        }
    }
    Ok((objects, 0))
}

/// The records under a document: itself, a list, `items`, or a GraphQL response's lists.
fn gather<'a>(
    node: &'a Node,
    text: &str,
    file: &str,
    out: &mut Vec<Record<'a>>,
) -> Result<(), InputError> {
    match &node.value {
        Value::Null => Ok(()),
        Value::List(items) => {
            out.extend(items.iter().map(Record::new));
            Ok(())
        }
        Value::Map(entries) => {
            let record = Record::new(node);
            if let Some(items) = record.get("items") {
                return gather(items, text, file, out);
            }
            if let Some(data) = record.get("data")
                && let Value::Map(lists) = &data.value
            {
                for (_, list) in lists {
                    gather(list, text, file, out)?;
                }
                return Ok(());
            }
            if entries.is_empty() {
                return Ok(());
            }
            out.push(record);
            Ok(())
        }
        _ => Err(not_expected(file, text, node, SHAPE, "pass TEAM's records")),
    }
}

const WINDOW_HELP: &str =
    "lower the policy's Max duration (`duration`, in hours) to the policy's maximum";
const APPROVAL_HELP: &str = "turn on Approval required for this eligibility policy";
const SETTINGS_APPROVAL_HELP: &str = "turn the Approval workflow setting on";
const REASON_HELP: &str = "turn the Require justification setting on (`comments: true`)";
const TICKET_HELP: &str = "turn the Require ticket number setting on (`ticketNo: true`)";

/// A record named by its `name`, else its `id`.
fn named(record: Record, noun: &'static str) -> Object {
    let id = record.text("id").or_else(|| record.text("name"));
    let name = id.map_or_else(
        || format!("record at line {}", record.span().line),
        |(id, _)| id.to_string(),
    );
    let short = record
        .text("name")
        .map_or_else(|| name.clone(), |(n, _)| n.to_string());
    Object {
        noun,
        name,
        short,
        span: record.span(),
        fields: Vec::new(),
        probes: Vec::new(),
    }
}

/// `{name, id}` items of a list: (id else name, name else id, the name's place).
fn data(record: Record, path: &str) -> Vec<(String, String, Span)> {
    record
        .records(path)
        .filter_map(|d| {
            let (id, at) = d.text("id").or_else(|| d.text("name"))?;
            let (name, at) = d.text("name").unwrap_or((id, at));
            Some((id.to_string(), name.to_string(), at))
        })
        .collect()
}

fn eligibility(
    record: Record,
    justified: Option<bool>,
    text: &str,
    file: &str,
) -> Result<Object, InputError> {
    let mut object = named(record, "eligibility policy for");
    let permissions = data(record, "permissions");
    if let Some((_, _, at)) = permissions.first() {
        let names: Vec<&str> = permissions.iter().map(|(_, n, _)| n.as_str()).collect();
        object.fields.push((Field::Role, names.join(", "), *at));
    }
    let accounts = data(record, "accounts");
    if let Some((_, _, at)) = accounts.first() {
        let ids: Vec<&str> = accounts.iter().map(|(id, _, _)| id.as_str()).collect();
        object.fields.push((Field::Tenant, ids.join(", "), *at));
    }
    if let Some((duration, at)) = record.text("duration") {
        let length = hours(duration).map_err(|why| {
            error_at(
                file,
                text,
                at,
                why,
                "TEAM writes the maximum in hours, e.g. \"4\"",
            )
        })?;
        let allows = format!("lets a request last {}", format_duration(length));
        object
            .probes
            .push(Probe::lasting(at, length, allows, WINDOW_HELP));
    }
    let required = record.get("approvalRequired");
    if required.is_none_or(|r| r.value.as_scalar() != Some("true")) {
        let at = required.map_or(object.span, |r| record.span_of(r));
        let allows = "does not require approval (`approvalRequired`)".to_string();
        object
            .probes
            .push(Probe::without("approver-named", at, allows, APPROVAL_HELP));
    }
    if justified == Some(false) {
        for (_, name, at) in &permissions {
            let allows = format!("lets `{name}` be requested without a justification");
            let probe = Probe::without("admin-justified", *at, allows, REASON_HELP);
            object.probes.push(probe.with(Field::Role, name));
        }
    }
    Ok(object)
}

fn settings(record: Record) -> Object {
    let mut object = named(record, "TEAM settings");
    let off = |key: &str| {
        record
            .get(key)
            .filter(|v| v.value.as_scalar() == Some("false"))
            .map(|v| record.span_of(v))
    };
    if let Some(at) = off("approval") {
        let allows = "turn the approval workflow off (`approval: false`)".to_string();
        let probe = Probe::without("approver-named", at, allows, SETTINGS_APPROVAL_HELP);
        object.probes.push(probe);
    }
    if let Some(at) = off("comments") {
        let allows = "do not require a justification (`comments: false`)".to_string();
        let probe = Probe::without("reason-specific", at, allows, REASON_HELP);
        object.probes.push(probe);
    }
    if let Some(at) = off("ticketNo") {
        let allows = "do not require a ticket number (`ticketNo: false`)".to_string();
        let probe = Probe::without("ticket-linked", at, allows, TICKET_HELP);
        object.probes.push(probe);
    }
    object
}
