//! ServiceNow exports as ServiceNow writes them: list exports (CSV, field names or labels), the
//! JSONv2 export (`{"records": […]}`) and the Table API (`{"result": […]}`, with
//! `sysparm_display_value` false or all). Fixtures in fixtures/servicenow (see its README).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{NOW, json, stderr};

use assert_cmd::Command;
use serde_json::Value;

/// (grant, rule, line, column, tenant) of every finding, in report order.
fn findings(report: &Value) -> Vec<(String, String, u64, u64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                // A finding about the whole file (column-missing) names no grant.
                f["grant"].as_str().unwrap_or("-").to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["tenant"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn row(
    grant: &str,
    rule: &str,
    line: u64,
    column: u64,
    tenant: &str,
) -> (String, String, u64, u64, String) {
    (grant.into(), rule.into(), line, column, tenant.into())
}

/// Lints a fixture with `--source servicenow`, and checks that recognising it by shape reads
/// it the same.
fn lint(file: &str) -> Value {
    let path = format!("fixtures/servicenow/{file}");
    let (code, named) = json(&["--source", "servicenow", &path]);
    assert_eq!(code, 1, "{named:#}");
    let (_, detected) = json(&[&path]);
    assert_eq!(
        named, detected,
        "{file}: detection differs from --source servicenow"
    );
    named
}

#[test]
fn change_requests_with_stored_states_have_a_grantee_and_expire() {
    let report = lint("change-requests.csv");
    // -1 Implement, 3 Closed, 0 Review are access; -5, -4, -3, -2 and 4 Canceled are not.
    assert_eq!(report["summary"]["grants"], 3);
    assert_eq!(report["summary"]["skipped"], 5);
    assert_eq!(
        findings(&report),
        vec![
            // State `-1` is Implement, so the change is live two hours after its planned end.
            row("CHG0030001", "expiry-enforced", 2, 310, "globex-prod"),
            // The implementer (assigned_to, else requested_by) approved the change.
            row("CHG0030001", "self-approval", 2, 348, "globex-prod"),
        ]
    );
}

#[test]
fn a_stored_state_is_read_by_its_table() {
    // `3` is Closed on a change request but On Hold on an incident: as an incident, the same
    // record is still live.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sn.csv");
    let csv = "number,sys_class_name,u_tenant,requested_by,u_approver,start_date,end_date,state\n\
CHG1,change_request,acme,Ann Lee,Bo Chan,2026-11-24 08:00:00,2026-11-24 10:00:00,3\n\
INC1,incident,acme,Ann Lee,Bo Chan,2026-11-24 08:00:00,2026-11-24 10:00:00,3\n\
INC2,,acme,Ann Lee,Bo Chan,2026-11-24 08:00:00,2026-11-24 10:00:00,3\n";
    std::fs::write(&path, csv).unwrap();
    let (_, report) = json(&["--source", "servicenow", path.to_str().unwrap()]);
    let expired: Vec<String> = findings(&report)
        .into_iter()
        .filter(|f| f.1 == "expiry-enforced")
        .map(|f| f.0)
        .collect();
    // INC2 has no class: its number's prefix says incident.
    assert_eq!(expired, vec!["INC1", "INC2"]);
    // A stored state of a table grantlint cannot tell is not guessed.
    std::fs::write(
        &path,
        "number,u_tenant,requested_by,start_date,end_date,state\nACC1,acme,Ann Lee,2026-11-24 08:00:00,2026-11-24 10:00:00,2\n",
    )
    .unwrap();
    let (code, report) = json(&["--source", "servicenow", path.to_str().unwrap()]);
    assert_eq!(code, 1);
    let unread = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "field-format")
        .expect("a field-format finding");
    assert_eq!(
        (unread["line"].as_u64(), unread["column"].as_u64()),
        (Some(2), Some(59))
    );
    assert_eq!(
        unread["message"],
        "state `2` is a stored value, and its meaning depends on the table"
    );
}

#[test]
fn requested_items_by_label_a_tenant_field_wins_over_company() {
    let report = lint("requested-items.csv");
    // Work in Progress, Closed Complete, Closed Incomplete; not: Open, Pending, Closed
    // Skipped, and a Work in Progress item whose approval was rejected.
    assert_eq!(report["summary"]["grants"], 3);
    assert_eq!(report["summary"]["skipped"], 4);
    assert_eq!(
        findings(&report),
        vec![row("RITM0020002", "shared-account", 3, 76, "contoso-prod")]
    );
    assert_eq!(
        report["findings"][0]["message"],
        "grantee `System Administrator` is a shared account"
    );
}

#[test]
fn table_api_stored_values_sys_ids_and_the_admin_account() {
    let report = lint("table-api-incidents.json");
    // States 2 and 3 are live, 6 and 7 ended; 1 New and 8 Canceled are not grants.
    assert_eq!(report["summary"]["grants"], 4);
    assert_eq!(report["summary"]["skipped"], 2);
    assert_eq!(
        findings(&report),
        vec![
            // assigned_to is the built-in admin's sys_id.
            row("INC0040001", "shared-account", 9, 131, "acme-prod"),
            row("INC0040001", "expiry-enforced", 16, 16, "acme-prod"),
            row("INC0040002", "window-max", 29, 23, "globex-prod"),
            // The same sys_id assigned and approving: self-approval without names.
            row("INC0040004", "self-approval", 54, 130, "umbrella-prod"),
        ]
    );
}

#[test]
fn table_api_display_values_and_utc_times() {
    let report = lint("table-api-display-all.json");
    assert_eq!(report["summary"]["grants"], 1);
    assert_eq!(report["summary"]["skipped"], 1, "the New change");
    assert_eq!(
        findings(&report),
        vec![
            row("CHG0030101", "owner-named", 3, 5, "globex-prod"),
            row("CHG0030101", "expiry-enforced", 15, 34, "globex-prod"),
            row("CHG0030101", "self-approval", 17, 39, "globex-prod"),
        ]
    );
    // The stored end (10:00 UTC) counts, not the display value in the user's zone (02:00).
    assert_eq!(
        report["findings"][1]["message"],
        "grant is still active 2h after it expired"
    );
    assert_eq!(
        report["findings"][2]["message"],
        "`Sam Okafor` approved their own access"
    );
    // A zone for local times (display values) leaves the stored UTC times as they are.
    let (_, zoned) = json(&[
        "--source",
        "servicenow",
        "--timezone",
        "America/Los_Angeles",
        "fixtures/servicenow/table-api-display-all.json",
    ]);
    assert_eq!(
        zoned["findings"][1]["message"],
        "grant is still active 2h after it expired"
    );
}

#[test]
fn jsonv2_records_read_their_display_values() {
    let report = lint("jsonv2-records.json");
    assert_eq!(report["summary"]["grants"], 1);
    assert_eq!(report["summary"]["skipped"], 1, "the skipped item");
    assert_eq!(
        findings(&report),
        vec![
            row("RITM0020101", "owner-named", 3, 5, "Acme Corporation"),
            row("RITM0020101", "self-approval", 15, 24, "Acme Corporation"),
            row("RITM0020101", "expiry-enforced", 18, 16, "Acme Corporation"),
        ]
    );
}

#[test]
fn json_on_standard_input_with_source_servicenow_is_read_as_json() {
    let text = std::fs::read("fixtures/servicenow/table-api-incidents.json").unwrap();
    let out = Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            "--format",
            "json",
            "--now",
            NOW,
            "--source",
            "servicenow",
            "-",
        ])
        .write_stdin(text)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["grants"], 4, "{}", stderr(&out));
    assert_eq!(report["summary"]["skipped"], 2);
}

#[test]
fn a_catalog_variable_is_mapped_and_the_business_justification_justifies_an_admin_role() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "version: 1\nextends: default\nmapping:\n  columns:\n    variables.access_level: role\n",
    )
    .unwrap();
    let admin_justified = |path: &str| {
        let (_, report) = json(&["--policy", policy.to_str().unwrap(), path]);
        findings(&report)
            .into_iter()
            .filter(|f| f.1 == "admin-justified")
            .count()
    };
    // The item asks for `Tenant Admin` (the `access_level` variable) and says why.
    assert_eq!(
        admin_justified("fixtures/servicenow/jsonv2-records.json"),
        0
    );
    let text = std::fs::read_to_string("fixtures/servicenow/jsonv2-records.json").unwrap();
    let unjustified = dir.path().join("records.json");
    std::fs::write(
        &unjustified,
        text.replace("\"business_justification\"", "\"notes\""),
    )
    .unwrap();
    assert_eq!(admin_justified(unjustified.to_str().unwrap()), 1);
}
