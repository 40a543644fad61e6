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
[…]}}}`), as a list, or under `items`, or as DynamoDB holds them (`aws dynamodb scan \
--table-name Eligibility-…` output, `{\"Items\": [{\"duration\": {\"S\": \"9\"}, …}]}`, or \
`get-item`'s `Item`; typed values are unwrapped and a finding points at the key; a page of \
several, with `NextToken` or `LastEvaluatedKey`, is an error): `Eligibility` (`name`, `type` User or Group, \
`accounts[]`, `ous[]`, `permissions[]` of `{name, id}`, `duration` in hours, \
`approvalRequired`, `ticketNo`: the admin's change ticket), `Approvers` (`name`, `type` Account \
or OU, `approvers[]` group names, `groupIds[]`) and `Settings` (`approval`, `comments`: require \
justification, `ticketNo`: require a ticket number, `duration`). Pass the settings with the \
policies: justification and tickets are global switches. Overrides match a grant's role (the \
permission sets, joined by \", \") and tenant (the account ids, else names, joined). Sources: \
aws-samples/iam-identity-center-team `amplify/backend/api/team/schema.graphql`, \
`amplify/backend/function/teamRouter/src/index.py` (the tables' typed values), \
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
        "a page of a longer list (GraphQL `nextToken`, DynamoDB `LastEvaluatedKey`): an error, \
as the records of the other pages would pass unread",
        "`Settings.duration`: an eligibility policy always sets its own maximum, which overrides it",
    ],
};

const SHAPE: &str = "TEAM eligibility, approver or settings records (a list, `items`, or a \
GraphQL `data` response)";

/// The records of every document; settings apply to every eligibility policy of the file.
pub fn read(roots: &[Node], text: &str, file: &str) -> Result<(Vec<Object>, usize), InputError> {
    // DynamoDB's typed JSON is read as the API's records, each value where its key is.
    let mut plain = Vec::with_capacity(roots.len());
    for root in roots {
        plain.push(untyped(root, text, file)?);
    }
    let mut records = Vec::new();
    for (root, plain) in roots.iter().zip(&plain) {
        gather(plain.as_ref().unwrap_or(root), text, file, &mut records)?;
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
                // A GraphQL list is paged too: the records of later pages would pass unread.
                if let Some(next) = record.get("nextToken")
                    && !matches!(next.value, Value::Null)
                {
                    let found = "this response is one page of several (`nextToken`)".to_string();
                    let help = "list again with the `nextToken` until it is null, and pass every \
page's items";
                    return Err(error_at(file, text, record.span_of(next), found, help));
                }
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

/// DynamoDB's attribute value types (`AttributeValue`): one of these keys wraps every value.
const TYPES: &[&str] = &["S", "N", "BOOL", "NULL", "L", "M", "SS", "NS", "B", "BS"];

const DYNAMODB_HELP: &str = "pass `aws dynamodb scan --table-name TABLE` output whole, or TEAM's \
GraphQL records";

/// A document of DynamoDB's typed JSON as the API's records: `aws dynamodb scan` (`Items`),
/// `get-item` (`Item`), or a list of typed items (`jq .Items`). `None` for any other document.
fn untyped(root: &Node, text: &str, file: &str) -> Result<Option<Node>, InputError> {
    let record = Record::new(root);
    // Part of a table is no table: the missing items would pass unread.
    for more in ["NextToken", "LastEvaluatedKey"] {
        if let Some(at) = record
            .get(more)
            .filter(|n| !matches!(n.value, Value::Null))
            .map(|n| record.span_of(n))
        {
            let found = format!("this scan output is one page of several (`{more}`)");
            return Err(error_at(file, text, at, found, DYNAMODB_HELP));
        }
    }
    match &root.value {
        Value::Map(_) => {
            if let Some(items) = record.get("Items") {
                let Value::List(list) = &items.value else {
                    let found = "`Items` is no list of DynamoDB items".to_string();
                    return Err(error_at(
                        file,
                        text,
                        record.span_of(items),
                        found,
                        DYNAMODB_HELP,
                    ));
                };
                let plain: Result<Vec<Node>, InputError> =
                    list.iter().map(|i| item(i, text, file)).collect();
                return Ok(Some(Node::new(
                    Value::List(plain?),
                    items.referenced,
                    items.defined,
                )));
            }
            if let Some(one) = record.get("Item") {
                return item(one, text, file).map(Some);
            }
            typed(root).then(|| item(root, text, file)).transpose()
        }
        Value::List(list) if list.first().is_some_and(typed) => {
            let plain: Result<Vec<Node>, InputError> =
                list.iter().map(|i| item(i, text, file)).collect();
            Ok(Some(Node::new(
                Value::List(plain?),
                root.referenced,
                root.defined,
            )))
        }
        _ => Ok(None),
    }
}

/// Whether a node is a DynamoDB item: a mapping whose every value is one typed value.
fn typed(node: &Node) -> bool {
    match &node.value {
        Value::Map(entries) if !entries.is_empty() => entries.iter().all(|(_, v)| tag(v).is_some()),
        _ => false,
    }
}

/// The type and the wrapped value of `{"S": "9"}`.
fn tag(node: &Node) -> Option<(&str, &Node)> {
    match &node.value {
        Value::Map(entries) if entries.len() == 1 => {
            let (key, value) = &entries[0];
            let key = key.value.as_scalar()?;
            TYPES.contains(&key).then_some((key, value))
        }
        _ => None,
    }
}

/// An item as a record: each value unwrapped and placed at its key, where a finding about it
/// points (the CLI writes the typed value on the lines after the key).
fn item(node: &Node, text: &str, file: &str) -> Result<Node, InputError> {
    let Value::Map(entries) = &node.value else {
        let found = format!("found {}; expected a DynamoDB item", node.value.kind());
        let at = crate::load::adapters::record::span(node);
        return Err(error_at(file, text, at, found, DYNAMODB_HELP));
    };
    let mut plain = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let mut value = attribute(value, text, file)?;
        value.referenced = key.referenced;
        value.defined = key.defined;
        plain.push((key.clone(), value));
    }
    Ok(Node::new(Value::Map(plain), node.referenced, node.defined))
}

/// One typed value, unwrapped: the one place that reads DynamoDB's types.
fn attribute(node: &Node, text: &str, file: &str) -> Result<Node, InputError> {
    let Some((kind, inner)) = tag(node) else {
        let found = format!(
            "found {}; expected a DynamoDB attribute value such as {{\"S\": \"9\"}}",
            node.value.kind()
        );
        let at = crate::load::adapters::record::span(node);
        return Err(error_at(file, text, at, found, DYNAMODB_HELP));
    };
    let scalar = |to: fn(String) -> Value| -> Result<Value, InputError> {
        match inner.value.as_scalar() {
            Some(s) => Ok(to(s.to_string())),
            None => {
                let found = format!("`{kind}` holds {}; expected text", inner.value.kind());
                let at = crate::load::adapters::record::span(inner);
                Err(error_at(file, text, at, found, DYNAMODB_HELP))
            }
        }
    };
    let list = |each: &dyn Fn(&Node) -> Result<Node, InputError>| -> Result<Value, InputError> {
        match &inner.value {
            Value::List(items) => Ok(Value::List(
                items.iter().map(each).collect::<Result<_, _>>()?,
            )),
            _ => {
                let found = format!("`{kind}` holds {}; expected a list", inner.value.kind());
                let at = crate::load::adapters::record::span(inner);
                Err(error_at(file, text, at, found, DYNAMODB_HELP))
            }
        }
    };
    // A set's item is text (a number's too, as DynamoDB writes it); a list or a map there is
    // not a DynamoDB set.
    let set_item = |n: &Node| -> Result<String, InputError> {
        match n.value.as_scalar() {
            Some(s) => Ok(s.to_string()),
            None => {
                let found = format!("an item of `{kind}` is {}; expected text", n.value.kind());
                let at = crate::load::adapters::record::span(n);
                Err(error_at(file, text, at, found, DYNAMODB_HELP))
            }
        }
    };
    let value = match kind {
        "S" | "B" => scalar(Value::Text)?,
        "N" => scalar(Value::Number)?,
        "BOOL" => match inner.value {
            Value::Bool(b) => Value::Bool(b),
            _ => scalar(Value::Text)?,
        },
        "NULL" => Value::Null,
        "L" => list(&|n| attribute(n, text, file))?,
        "SS" | "BS" => list(&|n| {
            Ok(Node::new(
                Value::Text(set_item(n)?),
                n.referenced,
                n.defined,
            ))
        })?,
        "NS" => list(&|n| {
            Ok(Node::new(
                Value::Number(set_item(n)?),
                n.referenced,
                n.defined,
            ))
        })?,
        // "M"
        _ => {
            return item(inner, text, file)
                .map(|m| Node::new(m.value, node.referenced, node.defined));
        }
    };
    Ok(Node::new(value, node.referenced, node.defined))
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
        unwritten: Vec::new(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_item_that_is_not_text_is_an_error_at_its_place() {
        for set in ["SS", "NS"] {
            let text = format!(
                "{{\"Item\": {{\"id\": {{\"S\": \"e\"}},\n \"set\": {{\"{set}\": [\"1\",\n {{\"S\": \"x\"}}]}}}}}}"
            );
            let roots = crate::core::node::parse_documents(&text).unwrap();
            let Err(error) = untyped(&roots[0], &text, "t") else {
                panic!("read: {text}");
            };
            assert_eq!(error.location.map(|at| at.line), Some(3), "{set}");
            assert!(error.message.contains("expected text"), "{}", error.message);
        }
    }

    #[test]
    fn every_attribute_type_is_unwrapped_and_placed_at_its_key() {
        let text = r#"{"Item": {"id": {"S": "e"},
 "n": {"N": "12"}, "gone": {"NULL": true}, "flag": {"BOOL": false},
 "set": {"SS": ["a", "b"]},
 "nested": {"M": {"inner": {"L": [{"S": "x"}, {"N": "1"}]}}}}}"#;
        let roots = crate::core::node::parse_documents(text).unwrap();
        let plain = untyped(&roots[0], text, "t").unwrap().unwrap();
        let record = Record::new(&plain);
        assert_eq!(
            record.text("id").map(|(t, at)| (t, at.line)),
            Some(("e", 1))
        );
        let (n, at) = record.text("n").unwrap();
        assert_eq!((n, at.line, at.column), ("12", 2, 2));
        assert!(matches!(record.get("gone").unwrap().value, Value::Null));
        assert_eq!(record.text("flag").map(|t| t.0), Some("false"));
        let set: Vec<_> = record
            .list("set")
            .iter()
            .filter_map(|n| n.value.as_scalar())
            .collect();
        assert_eq!(set, ["a", "b"]);
        let inner: Vec<_> = record
            .list("nested.inner")
            .iter()
            .filter_map(|n| n.value.as_scalar())
            .collect();
        assert_eq!(inner, ["x", "1"]);
        // GraphQL records are left as they are.
        let text = r#"{"items": [{"id": "e", "duration": "2"}]}"#;
        let roots = crate::core::node::parse_documents(text).unwrap();
        assert!(untyped(&roots[0], text, "t").unwrap().is_none());
    }
}
