//! Jira issue search exports: Export → CSV (all fields or current fields).

use super::tickets::{self, Profile};
use super::{Adapter, Lifecycle, Native, Out};
use crate::grant::Field;
use crate::load::InputError;
use crate::policy::mapping::normal_key;

pub const ADAPTER: Adapter = Adapter {
    name: "jira",
    system: "Jira",
    exports: "Filters → Export → CSV (all fields or current fields). Headers that Jira repeats \
for multi-value fields (`Labels`, `Watchers`, a multi-select custom field) are joined into a \
list. Custom fields are read by their name inside `Custom field (…)` through the alias table \
(`Custom field (Tenant)` → tenant, `Custom field (Approver)` → approver, `Custom field (Access \
end)` → expires); name others in the policy's `mapping:`. Dates in Jira's default \
`23/Nov/26 2:05 PM` (`%d/%b/%y %I:%M %p`) are read as UTC.",
    fields: &[
        ("Issue key", "id, ticket", ""),
        ("Summary", "reason", "else `Description`"),
        ("Assignee", "owner", ""),
        ("Reporter", "requested_by", ""),
        ("Created", "requested_at", ""),
        ("Status", "status", ""),
        (
            "Custom field (…)",
            "by its name",
            "through the alias table or the policy's `mapping:`",
        ),
    ],
    states: &[
        ("In Progress, Access Granted, Granted, Active", "active"),
        ("Done, Closed, Resolved", "ended"),
        ("Revoked", "revoked"),
        (
            "Open, To Do, Backlog, Waiting for approval, Pending",
            "pending (counted, not linted)",
        ),
        (
            "Declined, Rejected, Denied, Won't Do, Cancelled",
            "denied (counted, not linted)",
        ),
        ("anything else", "kept as written"),
    ],
    gaps: &[],
    load,
};

pub const PROFILE: Profile = Profile {
    columns: &[
        ("issue_key", &[Field::Id, Field::Ticket]),
        ("summary", &[Field::Reason]),
        ("description", &[Field::Reason]),
        ("assignee", &[Field::Owner]),
        ("reporter", &[Field::RequestedBy]),
        ("created", &[Field::RequestedAt]),
        ("status", &[Field::Status]),
    ],
    unwrap: custom_field,
    date_formats: &["%d/%b/%y %I:%M %p", "%d/%b/%Y %I:%M %p", "%d/%b/%y %H:%M"],
    state,
    gates: &[],
    hours: None,
};

fn load(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    tickets::load(text, native, &PROFILE, out)
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
        "in_progress" | "access_granted" | "granted" | "active" => Some(Lifecycle::Active),
        "done" | "closed" | "resolved" => Some(Lifecycle::Ended),
        "revoked" => Some(Lifecycle::Revoked),
        "open" | "to_do" | "backlog" | "waiting_for_approval" | "awaiting_approval" | "pending" => {
            Some(Lifecycle::Pending)
        }
        "declined" | "rejected" | "denied" | "won't_do" | "cancelled" | "canceled" => {
            Some(Lifecycle::Denied)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Source, field, read};
    use crate::grant::Field::*;
    use crate::policy::mapping::Mapping;

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
}
