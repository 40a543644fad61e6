//! ServiceNow list exports (Export → CSV) of requested items, change requests or incidents,
//! with field names (`number`, `opened_at`, the `?CSV` URL export) or column labels.

use super::tickets::{self, Profile};
use super::{Adapter, Lifecycle, Native, Out};
use crate::grant::Field;
use crate::load::InputError;
use crate::policy::mapping::normal_key;

pub const ADAPTER: Adapter = Adapter {
    name: "servicenow",
    system: "ServiceNow",
    exports: "a list view's Export → CSV (requested items, change requests, incidents), with \
field names (`number`, `opened_at`) or column labels (`Number`, `Opened`). Custom `u_` fields are \
read by their name through the alias table (`u_tenant` → tenant, `u_approver` → approver); \
name others in the policy's `mapping:`. Dates as ServiceNow writes them (`2026-11-23 14:05:00`) \
are read as UTC. A row whose `approval` is rejected or still requested is not a grant.",
    fields: &[
        ("number", "id, ticket", "`Number`"),
        ("short_description", "reason", "else `description`"),
        ("requested_for", "grantee", "`Requested for`"),
        ("opened_by", "requested_by", "`Opened by`"),
        ("assigned_to", "owner", "`Assigned to`"),
        ("company", "tenant", "`Company`"),
        ("opened_at", "requested_at", "`Opened`"),
        (
            "start_date",
            "start",
            "`Planned start date`; else `work_start` (`Actual start`)",
        ),
        ("end_date", "expires", "`Planned end date`"),
        ("work_end", "ended_at", "`Actual end`"),
        ("state", "status", "`State`"),
        (
            "approval",
            "(gate)",
            "Rejected → denied, Requested / Not Yet Requested → pending",
        ),
        (
            "u_…",
            "by its name",
            "through the alias table or the policy's `mapping:`",
        ),
    ],
    states: &[
        ("Work in Progress, In Progress, Implement, Active", "active"),
        (
            "Closed, Closed Complete, Closed Incomplete, Resolved, Review",
            "ended",
        ),
        (
            "New, Open, Pending, Scheduled, Assess, Authorize, Requested, Not Yet Requested",
            "pending (counted, not linted)",
        ),
        (
            "Rejected, Canceled, Cancelled, Closed Skipped",
            "denied (counted, not linted)",
        ),
        ("anything else", "kept as written"),
    ],
    gaps: &[],
    load,
};

pub const PROFILE: Profile = Profile {
    columns: &[
        ("number", &[Field::Id, Field::Ticket]),
        ("short_description", &[Field::Reason]),
        ("description", &[Field::Reason]),
        ("requested_for", &[Field::Grantee]),
        ("opened_by", &[Field::RequestedBy]),
        ("assigned_to", &[Field::Owner]),
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

fn load(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    tickets::load(text, native, &PROFILE, out)
}

/// `u_tenant` → `tenant`.
fn custom_field(header: &str) -> Option<&str> {
    header.trim().strip_prefix("u_")
}

fn state(state: &str) -> Option<Lifecycle> {
    match normal_key(state).as_str() {
        "work_in_progress" | "in_progress" | "implement" | "active" | "approved" => {
            Some(Lifecycle::Active)
        }
        "closed" | "closed_complete" | "closed_incomplete" | "resolved" | "review" => {
            Some(Lifecycle::Ended)
        }
        "new" | "open" | "pending" | "scheduled" | "assess" | "authorize" | "requested"
        | "not_yet_requested" => Some(Lifecycle::Pending),
        "rejected" | "canceled" | "cancelled" | "closed_skipped" => Some(Lifecycle::Denied),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Source, field, read};
    use crate::grant::Field::*;
    use crate::policy::mapping::Mapping;

    #[test]
    fn labels_custom_fields_and_the_approval_gate() {
        let csv = "Number,Short description,Company,Planned start date,Planned end date,State,Approval,u_approver\n\
RITM1,Fix sync,Acme,2026-11-23 09:00:00,2026-11-23 11:00:00,Work in Progress,Approved,Ravi Patel\n\
RITM2,Other,Acme,,,Work in Progress,Rejected,\n\
RITM3,Other,Acme,,,Open,Not Yet Requested,\n";
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
