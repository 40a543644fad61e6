//! ServiceNow exports of requested items, change requests or incidents: a list view's
//! Export → CSV (field names or column labels), the JSON export (`?JSONv2`, `{"records": […]}`)
//! and the Table API (`/api/now/table/…`, `{"result": […]}`) with `sysparm_display_value`
//! `false`, `true` or `all`. Which of them a file is, its first character says.

use std::borrow::Cow;

use super::record::{self, Record, Shape};
use super::tickets::{self, Cell, Kinds, Profile, Records};
use super::{Adapter, Lifecycle, Native, Out};
use crate::core::node::Value;
use crate::grant::Field;
use crate::load::InputError;
use crate::load::mapping::normal_key;

pub const ADAPTER: Adapter = Adapter {
    name: "servicenow",
    system: "ServiceNow",
    exports: "a list view's Export → CSV (requested items, change requests, incidents), with \
field names (`number`, `opened_at`, the `?CSV` URL export) or column labels (`Number`, \
`Opened`); the JSON export (`…_list.do?JSONv2`, `{\"records\": […]}`, `dv_` display values \
included); or the Table API (`/api/now/table/{table}`, `{\"result\": […]}`) with \
`sysparm_display_value=false` (sys_ids, numeric states), `true` or `all` \
(`{\"display_value\", \"value\", \"link\"}`: the display value is read, the stored value for \
times). A file starting with `{` or `[` is read as JSON. Custom `u_` fields are read by their name \
through the alias table (`u_tenant` → tenant, `u_approver` → approver) and win over a built-in \
field of the same meaning (`u_tenant` over `company`); name others in the policy's `mapping:`. \
Dates as ServiceNow writes them (`2026-11-23 14:05:00`) are read in the policy's `mapping: \
{timezone: …}` or `--timezone` (ServiceNow writes the exporting user's zone), else as UTC. A row whose `approval` is \
rejected or still requested is not a grant.",
    fields: &[
        (
            "number",
            "id, ticket",
            "`Number`; its prefix (CHG, RITM, INC) names the table",
        ),
        (
            "justification",
            "reason, admin_justification",
            "the change request's `Justification`, `u_justification`, or a requested item's \
`business_justification` variable: what the requester wrote for this access",
        ),
        (
            "variables",
            "by `variables.NAME`",
            "a requested item's catalog variables (JSONv2 `displayvariables=true`); name them in \
the policy's `mapping:` (`variables.access_end: expires`)",
        ),
        ("short_description", "reason", "else `description`"),
        (
            "requested_for",
            "grantee",
            "`Requested for` (requested items: the person the access is for)",
        ),
        (
            "assigned_to",
            "owner, grantee",
            "`Assigned to`; the grantee when there is no `requested_for`: on a change request or \
incident, the implementer who does the work with the access",
        ),
        (
            "requested_by",
            "requested_by, grantee",
            "`Requested by` (change requests); the grantee when no one is assigned",
        ),
        (
            "opened_by",
            "requested_by",
            "`Opened by`, when there is no `requested_by`",
        ),
        (
            "u_approver",
            "approver",
            "ServiceNow keeps approvals in `sysapproval_approver`",
        ),
        (
            "approval_set",
            "approved_at",
            "`Approval set`: when the approval was decided",
        ),
        ("company", "tenant", "`Company`; a `u_tenant` field wins"),
        ("opened_at", "requested_at", "`Opened`"),
        (
            "start_date",
            "start",
            "`Planned start date`; else `work_start` (`Actual start`)",
        ),
        ("end_date", "expires", "`Planned end date`"),
        ("work_end", "ended_at", "`Actual end`"),
        (
            "state",
            "status",
            "`State`: labels, or the stored number read by the record's table \
(`sys_class_name`, else the number's prefix)",
        ),
        (
            "approval",
            "(gate)",
            "Rejected → denied, Requested → pending",
        ),
        (
            "u_…",
            "by its name",
            "through the alias table or the policy's `mapping:`",
        ),
    ],
    states: &[
        (
            "Work in Progress, In Progress, Implement, On Hold, Open, Active, Approved; change -1; \
requested item 1, 2; incident 2, 3",
            "active",
        ),
        (
            "Closed, Closed Complete, Closed Incomplete, Resolved, Review; change 0, 3; \
requested item 3, 4; incident 6, 7",
            "ended",
        ),
        (
            "New, Pending, Scheduled, Assess, Authorize, Requested; change -5, -4, -3, -2; \
requested item -5; incident 1",
            "pending (counted, not linted)",
        ),
        (
            "Rejected, Canceled, Cancelled, Closed Skipped; change 4; requested item 7; \
incident 8",
            "denied (counted, not linted)",
        ),
        (
            "a number of another table, or with neither sys_class_name nor number",
            "a field-format finding: not guessed",
        ),
        ("anything else", "kept as written"),
    ],
    gaps: &[
        "every approver and each decision: a record carries one approver at most (a `u_` field); \
ServiceNow keeps approvals in `sysapproval_approver`. Map a field that holds the approver",
        "the customer tenant when `company` is not it: add a `u_tenant` field or map yours",
        "times shown as display values (`sysparm_display_value=true`, list exports) are in the \
exporting user's time zone; the stored values (`false`, or `all`) are UTC",
    ],
    load,
};

const SHAPE: Shape = Shape {
    wrappers: &["result", "records"],
    keys: ["number", "sys_id"],
    description: "a ServiceNow CSV export, `{\"records\": […]}` (JSONv2) or `{\"result\": […]}` \
(Table API)",
};

pub const PROFILE: Profile = Profile {
    columns: &[
        ("number", &[Field::Id, Field::Ticket]),
        ("justification", &[Field::Reason, Field::AdminJustification]),
        (
            "u_justification",
            &[Field::Reason, Field::AdminJustification],
        ),
        (
            "variables_business_justification",
            &[Field::Reason, Field::AdminJustification],
        ),
        ("short_description", &[Field::Reason]),
        ("description", &[Field::Reason]),
        ("requested_for", &[Field::Grantee]),
        ("assigned_to", &[Field::Owner, Field::Grantee]),
        ("requested_by", &[Field::RequestedBy, Field::Grantee]),
        ("opened_by", &[Field::RequestedBy]),
        ("approval_set", &[Field::ApprovedAt]),
        ("company", &[Field::Tenant]),
        ("opened_at", &[Field::RequestedAt]),
        ("opened", &[Field::RequestedAt]),
        ("start_date", &[Field::Start]),
        ("planned_start_date", &[Field::Start]),
        ("work_start", &[Field::Start]),
        ("actual_start", &[Field::Start]),
        ("end_date", &[Field::Expires]),
        ("planned_end_date", &[Field::Expires]),
        ("work_end", &[Field::EndedAt]),
        ("actual_end", &[Field::EndedAt]),
        ("state", &[Field::Status]),
    ],
    unwrap: custom_field,
    date_formats: &[
        "%Y-%m-%d %H:%M:%S",
        "%m/%d/%Y %H:%M:%S",
        "%d-%m-%Y %H:%M:%S",
    ],
    state,
    gates: &["approval"],
    hours: None,
};

/// A stored state is a number whose meaning depends on the record's table.
pub const KINDS: Kinds = Kinds {
    columns: &["sys_class_name", "task_type", "class", "number"],
    state: |status, table| match status.trim().parse::<i32>() {
        Ok(number) => match table.and_then(table_of) {
            Some(table) => Ok(numeric_state(table, number)),
            None => Err((
                format!("state `{number}` is a stored value, and its meaning depends on the table"),
                "export the `sys_class_name` or `number` column too (CHG…, RITM…, INC…), or the \
states' display values",
            )),
        },
        Err(_) => Ok(state(status)),
    },
};

fn load(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    let first = text.trim_start_matches('\u{feff}').trim_start();
    if !first.starts_with('{') && !first.starts_with('[') {
        return tickets::load_kinds(text, native, &PROFILE, Some(&KINDS), out);
    }
    let root = record::parse(text, native.file)?;
    // `GET /api/now/table/{table}/{sys_id}` answers one record, not a list.
    let single = Record::new(&root)
        .record("result")
        .filter(|r| r.get("sys_id").is_some() || r.get("number").is_some());
    let items = match single {
        Some(one) => vec![one],
        None => record::checked_records(&root, &SHAPE, text, native)?,
    };
    let mut records = Records::new(&PROFILE, Some(&KINDS), native);
    let mut cells = Vec::new();
    for item in items {
        cells.clear();
        let Value::Map(entries) = &item.node.value else {
            continue;
        };
        for (key, value) in entries {
            let Some(key) = key.value.as_scalar() else {
                continue;
            };
            if key.starts_with("dv_") {
                continue; // read with the field it shows
            }
            if key == "variables" {
                variables(item.child(value), &mut cells);
                continue;
            }
            let shown = item.text(&format!("dv_{key}"));
            if let Some((text, at, utc)) = field_text(item.child(value), shown) {
                // A stored time is UTC whatever zone the policy reads local times in.
                let text = if utc {
                    Cow::Owned(format!("{text} UTC"))
                } else {
                    Cow::Borrowed(text)
                };
                cells.push(Cell {
                    header: Cow::Borrowed(key),
                    text,
                    span: at,
                });
            }
        }
        records.read(out, item.span(), &cells, Vec::new());
    }
    records.finish(out);
    Ok(())
}

/// A requested item's catalog variables (JSONv2 `displayvariables=true`: `{"name", "value"}`
/// each) as the headers `variables.NAME`, so that a form's own questions can be mapped
/// (`variables.access_start: start`) without being taken for the record's fields.
fn variables<'t>(list: Record<'t>, cells: &mut Vec<Cell<'t>>) {
    let Value::List(items) = &list.node.value else {
        return;
    };
    for variable in items.iter().map(|v| list.child(v)) {
        if let (Some((name, _)), Some((text, at))) = (variable.text("name"), variable.text("value"))
        {
            cells.push(Cell {
                header: Cow::Owned(format!("variables.{name}")),
                text: Cow::Borrowed(text),
                span: at,
            });
        }
    }
}

/// The text of one field: a plain value, or of `{"display_value", "value", "link"}` the display
/// value (a name, not a sys_id; a state's label), except for a time, whose stored value is UTC
/// while its display value is in the exporting user's time zone. `shown` is JSONv2's `dv_` twin.
/// True with a stored time written without its zone (`2026-11-24 10:00:00`): it is UTC.
fn field_text<'t>(
    value: Record<'t>,
    shown: Option<(&'t str, crate::core::span::Span)>,
) -> Option<(&'t str, crate::core::span::Span, bool)> {
    let stored = match &value.node.value {
        Value::Map(_) => value.text("value"),
        _ => value.node.value.as_scalar().map(|t| (t, value.span())),
    };
    let display = match &value.node.value {
        Value::Map(_) => value.text("display_value"),
        _ => shown,
    };
    let is_time = stored.is_some_and(|(t, _)| crate::core::time::parse_time(t).is_ok());
    match (stored, display) {
        // ServiceNow stores `YYYY-MM-DD HH:MM:SS`, in UTC, with no zone written.
        (Some((text, at)), _) if is_time => Some((text, at, text.trim().len() == 19)),
        (_, Some((text, at))) => Some((text, at, false)),
        (stored, None) => stored.map(|(text, at)| (text, at, false)),
    }
}

/// `u_tenant` → `tenant`.
fn custom_field(header: &str) -> Option<&str> {
    header.trim().strip_prefix("u_")
}

fn state(state: &str) -> Option<Lifecycle> {
    match normal_key(state).as_str() {
        // What is live is one list for every loader (`live_status`): `Open` included.
        live if super::live_status(live) => Some(Lifecycle::Active),
        "approved" => Some(Lifecycle::Active),
        "closed" | "closed_complete" | "closed_incomplete" | "resolved" | "review" => {
            Some(Lifecycle::Ended)
        }
        "new" | "pending" | "scheduled" | "assess" | "authorize" | "requested" => {
            Some(Lifecycle::Pending)
        }
        "rejected" | "canceled" | "cancelled" | "closed_skipped" => Some(Lifecycle::Denied),
        _ => None,
    }
}

/// The tables whose stored states grantlint knows.
#[derive(Clone, Copy)]
enum Table {
    Change,
    /// Requested items and catalog tasks: the task table's states.
    Task,
    Incident,
}

/// The table of a record, from `sys_class_name` (value or label) or its number's prefix.
fn table_of(kind: &str) -> Option<Table> {
    match normal_key(kind).as_str() {
        "change_request" | "change" => return Some(Table::Change),
        "sc_req_item" | "requested_item" | "sc_task" | "catalog_task" | "sc_request"
        | "request" | "task" => return Some(Table::Task),
        "incident" => return Some(Table::Incident),
        _ => {}
    }
    let prefix: String = kind
        .trim()
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_uppercase();
    match prefix.as_str() {
        "CHG" => Some(Table::Change),
        "RITM" | "SCTASK" | "REQ" | "TASK" => Some(Table::Task),
        "INC" => Some(Table::Incident),
        _ => None,
    }
}

/// The base system's stored states (the `state` choice lists of each table).
fn numeric_state(table: Table, state: i32) -> Option<Lifecycle> {
    use Lifecycle::*;
    match (table, state) {
        (Table::Change, -5..=-2) => Some(Pending),
        (Table::Change, -1) => Some(Active),
        (Table::Change, 0 | 3) => Some(Ended),
        (Table::Change, 4) => Some(Denied),
        // 1 is the task's `Open`: live, as every loader reads `Open`.
        (Table::Task, -5) => Some(Pending),
        (Table::Task, 1 | 2) => Some(Active),
        (Table::Task, 3 | 4) => Some(Ended),
        (Table::Task, 7) => Some(Denied),
        (Table::Incident, 1) => Some(Pending),
        (Table::Incident, 2 | 3) => Some(Active),
        (Table::Incident, 6 | 7) => Some(Ended),
        (Table::Incident, 8) => Some(Denied),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Source, field, read};
    use crate::grant::Field::*;
    use crate::load::mapping::Mapping;

    #[test]
    fn labels_custom_fields_and_the_approval_gate() {
        let csv = "Number,Short description,Company,Planned start date,Planned end date,State,Approval,u_approver\n\
RITM1,Fix sync,Acme,2026-11-23 09:00:00,2026-11-23 11:00:00,Work in Progress,Approved,Ravi Patel\n\
RITM2,Other,Acme,,,Work in Progress,Rejected,\n\
RITM3,Other,Acme,,,New,Not Yet Requested,\n";
        let (grants, skipped) = read(Source::Servicenow, csv, &Mapping::default());
        assert_eq!((grants.len(), skipped), (1, 2));
        let g = &grants[0];
        assert_eq!(field(g, Id), Some(("RITM1", 2, 1)));
        assert_eq!(field(g, Tenant), Some(("Acme", 2, 16)));
        assert_eq!(field(g, Start).map(|f| f.0), Some("2026-11-23 09:00:00"));
        assert_eq!(field(g, Approver).map(|f| f.0), Some("Ravi Patel"));
        assert_eq!(field(g, Status).map(|f| f.0), Some("active"));
    }
}
