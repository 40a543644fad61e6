//! Jira issue search exports: Export → CSV (all fields or current fields), and the REST
//! search response (`/rest/api/3/search` with `expand=names`), Jira Service Management
//! approvals included. Which of the two a file is, its first character says.

use std::borrow::Cow;

use super::record::{self, Record, Shape};
use super::tickets::{self, Cell, Kinds, Profile, Records};
use super::{Adapter, Lifecycle, Native, Out};
use crate::core::node::Value;
use crate::grant::{Approval, Field};
use crate::load::InputError;
use crate::load::mapping::normal_key;

pub const ADAPTER: Adapter = Adapter {
    name: "jira",
    system: "Jira",
    exports: "Filters → Export → CSV (all fields or current fields), or the REST search response \
(`GET /rest/api/3/search?jql=…&expand=names`, or `/rest/api/3/search/jql`, `{\"issues\": [{\"key\", \"fields\": {…}}], \
\"names\": {…}}`); a file starting with `{` or `[` is read as JSON. Headers that Jira repeats for \
multi-value fields (`Labels`, `Watchers`, `Custom field (Approvers)`) are joined into a list. \
Custom fields are read by their name inside `Custom field (…)` through the alias table \
(`Custom field (Tenant)` → tenant, `Custom field (Access end)` → expires); in the REST response \
`customfield_10050` is read by its name in `names` as if it were `Custom field (Access end)`, so \
one `mapping:` serves both. Users are read by their display name. Dates in Jira's default \
`23/Nov/26 2:05 PM` (`%d/%b/%y %I:%M %p`) are read in the policy's `mapping: {timezone: …}` or \
`--timezone` (Jira writes the exporting user's zone), else as UTC; REST times \
(`2026-11-23T14:05:00.000+0000`) carry their offset.",
    fields: &[
        ("Issue key", "id, ticket", "REST: `key`"),
        (
            "Summary",
            "reason",
            "else `Description`; a `Custom field (Justification)` wins",
        ),
        (
            "Description",
            "admin_justification",
            "what the requester wrote in the request; a `Custom field (Justification)` or \
`(Business justification)` wins. REST: the document's text",
        ),
        (
            "Custom field (Approvers)",
            "approver",
            "JSM's approvers, one column each: every one is an approval that approver-named and \
self-approval judge. REST: the `Approvals` field's approvers who approved win over it",
        ),
        (
            "Custom field (Grantee)",
            "grantee",
            "or `(Engineer)`, `(User)`, `(Used by)`: the person who uses the access",
        ),
        (
            "Reporter",
            "requested_by, grantee",
            "the grantee when no grantee field is set: in JSM the reporter is the customer the \
request is raised for (on behalf of, too). `Request participants` only follow the request",
        ),
        ("Assignee", "owner", ""),
        ("Created", "requested_at", ""),
        ("Status", "status", "REST: `status.name`"),
        (
            "Status Category",
            "(status)",
            "To Do / In Progress / Done, for a status not in the table below. REST: \
`status.statusCategory`",
        ),
        (
            "Custom field (…)",
            "by its name",
            "through the alias table or the policy's `mapping:`",
        ),
    ],
    states: &[
        (
            "In Progress, Work in progress, Implementing, Access Granted, Granted, Open, On Hold, \
Active",
            "active",
        ),
        ("Done, Closed, Resolved, Completed", "ended"),
        ("Revoked, Access Revoked, Access Removed", "revoked"),
        (
            "To Do, Backlog, New, Waiting for approval, Awaiting approval, Waiting for \
support, Pending",
            "pending (counted, not linted)",
        ),
        (
            "Declined, Rejected, Denied, Won't Do, Cancelled, Canceled, Withdrawn",
            "denied (counted, not linted)",
        ),
        (
            "any other status in category In Progress (indeterminate)",
            "active",
        ),
        ("any other status in category Done (done)", "ended"),
        (
            "any other status in category To Do (new)",
            "pending (counted, not linted)",
        ),
        ("anything else", "kept as written"),
    ],
    gaps: &[
        "which of the `Approvers` decided, and when: the CSV lists the people the approval was \
sent to. The REST search response carries the decisions in the `Approvals` field (JSM); \
export that to judge only those who approved, with the time they did",
        "when access started and must end: Jira has no such fields; add custom fields \
(`Access start`, `Access end`) or name yours in the policy's `mapping:`",
        "the customer tenant: add a `Tenant` custom field or map yours",
        "custom fields' names in the REST response: they come only with `expand=names`; \
without it, name the `customfield_N` ids in the policy's `mapping:`",
    ],
    load,
};

const SHAPE: Shape = Shape {
    wrappers: &["issues"],
    keys: ["key", "fields"],
    description: "a Jira CSV export, or the REST search response: `{\"issues\": [{\"key\", \
\"fields\"}]}`",
};

pub const PROFILE: Profile = Profile {
    columns: &[
        ("issue_key", &[Field::Id, Field::Ticket]),
        (
            "custom_field_(justification)",
            &[Field::Reason, Field::AdminJustification],
        ),
        (
            "custom_field_(business_justification)",
            &[Field::Reason, Field::AdminJustification],
        ),
        ("summary", &[Field::Reason]),
        ("description", &[Field::Reason, Field::AdminJustification]),
        ("custom_field_(approvers)", &[Field::Approver]),
        ("assignee", &[Field::Owner]),
        ("reporter", &[Field::RequestedBy, Field::Grantee]),
        ("created", &[Field::RequestedAt]),
        ("status", &[Field::Status]),
    ],
    unwrap: custom_field,
    date_formats: &["%d/%b/%y %I:%M %p", "%d/%b/%Y %I:%M %p", "%d/%b/%y %H:%M"],
    state,
    gates: &[],
    hours: None,
};

/// A status of a custom workflow is read by its category.
pub const KINDS: Kinds = Kinds {
    columns: &["status_category"],
    state: |status, category| Ok(state(status).or_else(|| category.and_then(category_state))),
};

fn load(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    let first = text.trim_start_matches('\u{feff}').trim_start();
    if !first.starts_with('{') && !first.starts_with('[') {
        return tickets::load_kinds(text, native, &PROFILE, Some(&KINDS), out);
    }
    let root = record::parse(text, native.file)?;
    let issues = record::checked_records(&root, &SHAPE, text, native)?;
    let names = Record::new(&root).record("names");
    let mut records = Records::new(&PROFILE, Some(&KINDS), native);
    let mut cells = Vec::new();
    for issue in issues {
        cells.clear();
        let mut approvals = Vec::new();
        let mut decisions = false;
        if let Some((key, at)) = issue.text("key") {
            cells.push(cell("Issue key", key, at));
        }
        if let Some(Value::Map(fields)) = issue.get("fields").map(|n| &n.value) {
            for (id, value) in fields {
                let Some(id) = id.value.as_scalar() else {
                    continue;
                };
                let name = names.and_then(|n| n.text(id)).map(|(n, _)| n);
                let value = issue.child(value);
                if id == "status" && matches!(value.node.value, Value::Map(_)) {
                    value_cells(
                        &mut cells,
                        "Status",
                        value.get("name").map(|n| issue.child(n)),
                    );
                    let category = value.record("statusCategory");
                    value_cells(
                        &mut cells,
                        "Status Category",
                        category.and_then(|c| c.get("name")).map(|n| issue.child(n)),
                    );
                    continue;
                }
                if decided(value, &mut approvals) {
                    decisions = true;
                    continue;
                }
                let header = match (id.starts_with("customfield_"), name) {
                    (true, Some(name)) => Cow::Owned(format!("Custom field ({name})")),
                    _ => Cow::Borrowed(id),
                };
                texts(value, &mut |text, at| {
                    cells.push(Cell {
                        header: header.clone(),
                        text: rest_time(text),
                        span: at,
                    })
                });
            }
        }
        if decisions {
            // Who was asked does not matter once the decisions are known.
            cells.retain(|c| normal_key(&c.header) != "custom_field_(approvers)");
        }
        records.read(out, issue.span(), &cells, approvals);
    }
    records.finish(out);
    Ok(())
}

fn cell<'t>(header: &'t str, text: &'t str, span: crate::core::span::Span) -> Cell<'t> {
    Cell {
        header: Cow::Borrowed(header),
        text: Cow::Borrowed(text),
        span,
    }
}

fn value_cells<'t>(cells: &mut Vec<Cell<'t>>, header: &'t str, value: Option<Record<'t>>) {
    if let Some(value) = value {
        texts(value, &mut |text, at| cells.push(cell(header, text, at)));
    }
}

/// The texts of a REST field value: a scalar; a user by its display name; an option by its
/// value; a document (Atlassian Document Format, the v3 `description`) by its text; a list
/// item by item.
fn texts<'t>(value: Record<'t>, each: &mut dyn FnMut(&'t str, crate::core::span::Span)) {
    match &value.node.value {
        Value::List(items) => {
            for item in items {
                texts(value.child(item), each);
            }
        }
        Value::Map(_) if value.text("type").is_some_and(|(t, _)| t == "doc") => {
            each_text(value, each);
        }
        Value::Map(_) => {
            if let Some((text, at)) = ["displayName", "value", "name", "emailAddress", "accountId"]
                .iter()
                .find_map(|key| value.text(key))
            {
                each(text, at);
            }
        }
        _ => {
            if let Some(text) = value.node.value.as_scalar() {
                each(text, value.span());
            }
        }
    }
}

/// Every `text` of a document's nodes, in order.
fn each_text<'t>(node: Record<'t>, each: &mut dyn FnMut(&'t str, crate::core::span::Span)) {
    if let Some((text, at)) = node.text("text") {
        each(text, at);
    }
    for child in node.records("content") {
        each_text(child, each);
    }
}

/// JSM's `Approvals` field: approvals with each approver's decision. Only those who approved
/// are approvals, with the time the approval was completed; true when `value` is that field.
fn decided(value: Record, approvals: &mut Vec<Approval>) -> bool {
    let items = match &value.node.value {
        Value::List(items) if !items.is_empty() => items,
        _ => return false,
    };
    if !items
        .iter()
        .all(|i| value.child(i).get("approvers").is_some())
    {
        return false;
    }
    for approval in items.iter().map(|i| value.child(i)) {
        let at = approval.text("completedDate.iso8601").and_then(|(t, at)| {
            crate::core::time::parse_time(&rest_time(t))
                .ok()
                .map(|t| (t, at))
        });
        for approver in approval.records("approvers") {
            let approved = approver
                .text("approverDecision")
                .is_some_and(|(d, _)| d.eq_ignore_ascii_case("approved"));
            let who = approver.record("approver").and_then(|a| {
                ["displayName", "emailAddress", "accountId"]
                    .iter()
                    .find_map(|key| a.text(key))
            });
            if let (true, Some((name, span))) = (approved, who) {
                approvals.push(Approval {
                    approver: (name.to_string(), span),
                    at,
                    reason: None,
                });
            }
        }
    }
    true
}

/// Jira's REST times end in an offset without a colon (`…000+0000`); RFC 3339 wants one.
fn rest_time(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let offset = n > 16
        && bytes[10] == b'T'
        && matches!(bytes[n - 5], b'+' | b'-')
        && bytes[n - 4..].iter().all(u8::is_ascii_digit);
    if offset {
        Cow::Owned(format!("{}:{}", &text[..n - 2], &text[n - 2..]))
    } else {
        Cow::Borrowed(text)
    }
}

/// `Custom field (Access end)` → `Access end`.
fn custom_field(header: &str) -> Option<&str> {
    header
        .trim()
        .strip_prefix("Custom field (")?
        .strip_suffix(')')
}

fn state(status: &str) -> Option<Lifecycle> {
    match normal_key(status).as_str() {
        // What is live is one list for every loader (`live_status`): `Open` included.
        live if super::live_status(live) => Some(Lifecycle::Active),
        "done" | "closed" | "resolved" | "completed" => Some(Lifecycle::Ended),
        "revoked" | "access_revoked" | "access_removed" => Some(Lifecycle::Revoked),
        "to_do"
        | "backlog"
        | "new"
        | "waiting_for_approval"
        | "awaiting_approval"
        | "waiting_for_support"
        | "pending" => Some(Lifecycle::Pending),
        "declined" | "rejected" | "denied" | "won't_do" | "cancelled" | "canceled"
        | "withdrawn" => Some(Lifecycle::Denied),
        _ => None,
    }
}

/// Jira's three status categories, by name (CSV, REST `name`) or key (REST `key`).
fn category_state(category: &str) -> Option<Lifecycle> {
    match normal_key(category).as_str() {
        "in_progress" | "indeterminate" => Some(Lifecycle::Active),
        "done" => Some(Lifecycle::Ended),
        "to_do" | "new" => Some(Lifecycle::Pending),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Source, field, read};
    use crate::grant::Field::*;
    use crate::load::mapping::Mapping;

    #[test]
    fn repeated_columns_custom_fields_and_jira_dates() {
        let csv = "Summary,Issue key,Status,Custom field (Tenant),Custom field (Tenant),Labels,Custom field (Access end),Custom field (Access start),Description\n\
Fix sync,SUP-1,In Progress,acme,globex,x,23/Nov/26 2:05 PM,23/Nov/26 9:05 AM,long text\n\
,SUP-2,Done,acme,,,,,Only a description\n\
Nope,SUP-3,Declined,acme,,,,,\n";
        let (grants, skipped) = read(Source::Jira, csv, &Mapping::default());
        assert_eq!((grants.len(), skipped), (2, 1));
        let g = &grants[0];
        assert_eq!(field(g, Id), Some(("SUP-1", 2, 10)));
        assert_eq!(field(g, Ticket), Some(("SUP-1", 2, 10)));
        // Two values of a repeated column: a list, so tenant-specific sees both tenants.
        assert_eq!(field(g, Tenant), Some(("acme, globex", 2, 28)));
        assert_eq!(field(g, Expires), Some(("2026-11-23T14:05:00Z", 2, 42)));
        assert_eq!(field(g, Start).map(|f| f.0), Some("2026-11-23T09:05:00Z"));
        assert_eq!(field(g, Reason).map(|f| f.0), Some("Fix sync"));
        assert_eq!(field(g, Status), Some(("active", 2, 16)));
        assert_eq!(
            field(&grants[1], Reason).map(|f| f.0),
            Some("Only a description")
        );
        assert_eq!(field(&grants[1], Tenant).map(|f| f.0), Some("acme"));
        assert_eq!(field(&grants[1], Status).map(|f| f.0), Some("ended"));
    }

    #[test]
    fn rest_json_reads_names_offsets_and_only_approving_decisions() {
        let json = r#"{"issues": [
{"key": "A-1", "fields": {"status": {"name": "Fulfilling", "statusCategory": {"key": "indeterminate", "name": "In Progress"}},
 "reporter": {"displayName": "Ann Lee"}, "customfield_1": "2026-11-23T14:05:00.000+0200",
 "customfield_2": [{"displayName": "Bo Chan"}],
 "customfield_3": [{"approvers": [{"approver": {"displayName": "Bo Chan"}, "approverDecision": "pending"}]}]}}
], "names": {"customfield_1": "Access end", "customfield_2": "Approvers", "customfield_3": "Approvals"}}"#;
        let (grants, skipped) = read(Source::Jira, json, &Mapping::default());
        assert_eq!((grants.len(), skipped), (1, 0));
        let g = &grants[0];
        assert_eq!(field(g, Status).map(|f| f.0), Some("active"));
        assert_eq!(field(g, Grantee), Some(("Ann Lee", 3, 30)));
        assert_eq!(
            field(g, Expires).map(|f| f.0),
            Some("2026-11-23T14:05:00.000+02:00")
        );
        // Bo was asked, and has not decided: no one approved.
        assert_eq!(field(g, Approver), None);
    }
}
