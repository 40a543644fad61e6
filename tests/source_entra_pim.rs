//! Microsoft Entra PIM as Microsoft Graph returns it (fixtures/entra-pim, written from the
//! Graph reference; see its README): requests, instances and approvals, each status and
//! action, and one test per defect of issue 20.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{grantlint, json, stderr};

use serde_json::Value;

const REQUESTS: &str = "fixtures/entra-pim/requests.json";
const APPROVALS: &str = "fixtures/entra-pim/approvals.json";
const INSTANCES: &str = "fixtures/entra-pim/instances.json";

/// Checks `args` with `--source entra-pim` and without (recognised by shape): both must give
/// the same report, which is returned.
fn lint(args: &[&str]) -> Value {
    let mut named = vec!["--source", "entra-pim"];
    named.extend_from_slice(args);
    let (code, report) = json(&named);
    assert_eq!(code, 1, "{report:#}");
    let (_, detected) = json(args);
    assert_eq!(
        report, detected,
        "detection differs from --source entra-pim"
    );
    report
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

/// (rule, grant, line, column) of every finding, grant `-` for a file's own.
fn places(report: &Value) -> Vec<(String, String, u64, u64)> {
    findings(report)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["grant"].as_str().unwrap_or("-").to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn of_rule<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    findings(report)
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn of_grant<'a>(report: &'a Value, grant: &str) -> Vec<&'a Value> {
    findings(report)
        .iter()
        .filter(|f| f["grant"] == grant)
        .collect()
}

/// The id of the fixture's request number `n` (1-based, as in fixtures/entra-pim/README.md).
fn request(n: u32) -> String {
    format!("{:08x}-0000-4000-8000-{n:012x}", 0x2026000 + n)
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn requests_every_status_and_action() {
    let report = lint(&[REQUESTS]);
    // 27 requests: 11 grants, 4 extensions folded into their grants (3 on request 1, 1 on
    // request 20), and 12 never access: 2 removals, 9 statuses that never gave access and a
    // denied extension.
    assert_eq!(report["summary"]["grants"], 11);
    assert_eq!(report["summary"]["skipped"], 12);
    for never in [5, 9, 10, 11, 12, 13, 14, 15, 16, 17, 23, 24] {
        assert!(of_grant(&report, &request(never)).is_empty(), "{never}");
    }
    // ScheduleCreated (18), PendingRevocation (19), Revoked (26) were access and are linted.
    for linted in [18, 19, 26] {
        assert!(!of_grant(&report, &request(linted)).is_empty(), "{linted}");
    }
    // An action Graph keeps for later is read as an assignment, and said so.
    let odd = of_rule(&report, "field-format");
    assert_eq!(odd.len(), 1);
    assert_eq!(odd[0]["grant"], request(25).as_str());
    assert_eq!(
        (&odd[0]["line"], &odd[0]["column"]),
        (&1025.into(), &17.into())
    );
    assert_eq!(
        odd[0]["message"],
        "`unknownFutureValue` is not a PIM request action; read as an assignment"
    );
    insta::assert_json_snapshot!(report);
}

#[test]
fn groups_and_service_principals_are_not_people() {
    let report = lint(&[REQUESTS]);
    let shared: Vec<_> = of_rule(&report, "shared-account")
        .iter()
        .map(|f| {
            (
                f["grant"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shared,
        [
            (
                request(6),
                "account type `group` hides who used the access".to_string(),
                248,
                24
            ),
            (
                request(7),
                "account type `service` hides who used the access".to_string(),
                290,
                24
            ),
        ]
    );
    // The people among the principals are not flagged.
    assert!(
        of_grant(&report, &request(1))
            .iter()
            .all(|f| f["rule"] != "shared-account")
    );
}

#[test]
fn without_the_approvals_the_missing_approver_is_said_once_per_file() {
    let report = lint(&[REQUESTS]);
    let approver = of_rule(&report, "approver-named");
    // Said once, by the one rule for what an export does not hold.
    let file_level = of_rule(&report, "column-missing");
    assert_eq!(file_level.len(), 1, "{file_level:#?}");
    assert_eq!(file_level[0]["field"], "approver");
    let gap = file_level[0];
    assert_eq!((&gap["line"], &gap["column"]), (&9.into(), &21.into()));
    assert_eq!(gap["severity"], "error");
    let message = gap["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "this requests export cannot say who approved: 5 request(s) here went through approval"
        ),
        "{message}"
    );
    let help = gap["help"].as_str().unwrap();
    assert!(
        help.contains("roleManagement/directory/roleAssignmentApprovals/{approvalId}"),
        "{help}"
    );
    // No per-grant "no approver named" for the requests that went through approval…
    for approved in [1, 6, 8, 19, 22] {
        assert!(
            of_grant(&report, &request(approved))
                .iter()
                .all(|f| f["rule"] != "approver-named"),
            "{approved}"
        );
    }
    // …but one for each request that asked no one (no approvalId).
    let unapproved: Vec<_> = approver
        .iter()
        .filter_map(|f| f["grant"].as_str())
        .collect();
    let expected: Vec<String> = [7, 18, 20, 20, 25, 26, 27].map(request).to_vec();
    assert_eq!(unapproved, expected);
    assert!(of_rule(&report, "self-approval").is_empty());
    // With approver-named off, the file's finding goes too.
    let dir = tempfile::tempdir().unwrap();
    let policy = write(
        &dir,
        "policy.yaml",
        "version: 1\nextends: default\nrules:\n  approver-named: off\n",
    );
    let (_, off) = json(&["--policy", &policy, REQUESTS]);
    assert!(of_rule(&off, "approver-named").is_empty());
}

#[test]
fn the_approvals_export_given_alongside_is_joined_by_approval_id() {
    let report = lint(&[REQUESTS, APPROVALS]);
    assert_eq!(report["summary"]["files"], 2);
    assert_eq!(report["summary"]["grants"], 11);
    // Lee approved his own Global Administrator activation: found, at its approvalId.
    let own = of_rule(&report, "self-approval");
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["grant"], request(8).as_str());
    assert_eq!(
        (&own[0]["line"], &own[0]["column"]),
        (&301.into(), &21.into())
    );
    assert_eq!(
        own[0]["message"],
        "`lee.chen@contoso.com` approved their own access"
    );
    // The approvals file holds no approval for request 22: said once, by its approvalId.
    let gaps = of_rule(&report, "column-missing");
    assert_eq!(gaps.len(), 1);
    assert_eq!(
        (&gaps[0]["line"], &gaps[0]["column"]),
        (&903.into(), &21.into())
    );
    assert!(
        gaps[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("the approvals given hold no approval for 1 request(s) here (the first: approval `a1a1a1a1-0000-4000-8000-000000000006`)"),
        "{}",
        gaps[0]["message"]
    );
    // The second extension of request 1 asked no one; the first and third were approved.
    let extension = of_grant(&report, &request(1))
        .into_iter()
        .filter(|f| f["rule"] == "approver-named")
        .map(|f| f["message"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(extension, ["extension 2: no approver named"]);
    // The order of the files on the command line does not matter.
    let (_, reversed) = json(&[APPROVALS, REQUESTS]);
    assert_eq!(reversed["findings"], report["findings"]);
    insta::assert_json_snapshot!(report);
}

#[test]
fn approvals_in_the_requests_file_are_joined_too() {
    let requests: Value =
        serde_json::from_str(&std::fs::read_to_string(REQUESTS).unwrap()).unwrap();
    let approvals: Value =
        serde_json::from_str(&std::fs::read_to_string(APPROVALS).unwrap()).unwrap();
    let mut all = requests["value"].as_array().unwrap().clone();
    all.extend(approvals["value"].as_array().unwrap().iter().cloned());
    let dir = tempfile::tempdir().unwrap();
    let both = write(
        &dir,
        "both.json",
        &serde_json::to_string_pretty(&serde_json::json!({ "value": all })).unwrap(),
    );
    let report = lint(&[&both]);
    assert_eq!(report["summary"]["grants"], 11);
    let own = of_rule(&report, "self-approval");
    assert_eq!(own.len(), 1);
    // In the same file, the finding points at the reviewer as the approval writes it.
    let line = own[0]["line"].as_u64().unwrap();
    let text = std::fs::read_to_string(&both).unwrap();
    let written = text.lines().nth(line as usize - 1).unwrap();
    assert!(
        written.contains("\"userPrincipalName\": \"lee.chen@contoso.com\""),
        "{written}"
    );
}

#[test]
fn instances_are_active_grants_and_their_gaps_are_said_once() {
    let report = lint(&[INSTANCES]);
    assert_eq!(report["summary"]["grants"], 3);
    assert!(report["summary"]["skipped"].is_null(), "none skipped");
    assert!(
        of_rule(&report, "expiry-required")
            .iter()
            .all(|f| f["message"] == "grant has no expiry")
    );
    let mut file_level: Vec<_> = findings(&report)
        .iter()
        .filter(|f| f["grant"].is_null())
        .map(|f| (f["rule"].as_str().unwrap(), f["field"].as_str().unwrap()))
        .collect();
    file_level.sort();
    assert_eq!(
        file_level,
        [
            ("column-missing", "approver"),
            ("column-missing", "reason"),
            ("column-missing", "ticket")
        ]
    );
    // Each instance's start and end are read: a permanent assignment has no expiry, an
    // 8-hour activation is above the 4-hour maximum.
    let mut found = places(&report);
    found.retain(|(rule, ..)| {
        [
            "expiry-required",
            "window-max",
            "reason-specific",
            "ticket-linked",
            "column-missing",
        ]
        .contains(&rule.as_str())
    });
    let instance = |tail: &str| format!("lAPpYvVpN0KRkAEhdxReEJC2sEqbR_9Hr48lds9SGHI-1-{tail}");
    assert_eq!(
        found,
        [
            // Once for the file, at the first instance, for each field the export lacks.
            ("column-missing".to_string(), "-".to_string(), 4, 5),
            ("column-missing".to_string(), "-".to_string(), 4, 5),
            ("column-missing".to_string(), "-".to_string(), 4, 5),
            ("expiry-required".to_string(), instance("f"), 23, 5),
            ("window-max".to_string(), instance("g"), 49, 22),
        ]
    );
    insta::assert_json_snapshot!(report);
}

#[test]
fn extensions_extend_the_grant_they_follow() {
    let report = lint(&[REQUESTS]);
    // Requests 2–4 extend request 1 and request 21 (adminUpdate) changes request 20: none is
    // a grant of its own.
    for extension in [2, 3, 4, 21] {
        assert!(
            of_grant(&report, &request(extension)).is_empty(),
            "{extension}"
        );
    }
    let max = of_rule(&report, "extensions-max");
    assert_eq!(max.len(), 1);
    assert_eq!(max[0]["grant"], request(1).as_str());
    assert_eq!(
        max[0]["message"],
        "grant extended 3 times, above the 2 maximum"
    );
    assert_eq!(
        (&max[0]["line"], &max[0]["column"]),
        (&133.into(), &5.into())
    );
    let total = of_rule(&report, "window-total-max");
    assert_eq!(total.len(), 1);
    assert_eq!(total[0]["grant"], request(20).as_str());
    assert_eq!(
        total[0]["message"],
        "extensions stretch access to 9h30m in all, above the 8h maximum"
    );
    // Request 1 ran 09:00–13:35 with its extensions and was deactivated at 13:00: no
    // expiry finding; request 27 extends nothing in the export and is linted on its own.
    assert!(
        of_grant(&report, &request(1))
            .iter()
            .all(|f| f["rule"] != "expiry-enforced")
    );
    assert!(!of_grant(&report, &request(27)).is_empty());
}

#[test]
fn the_whole_directory_is_a_wildcard_not_a_tenant() {
    let report = lint(&[REQUESTS]);
    let wildcard: Vec<_> = of_rule(&report, "tenant-specific")
        .iter()
        .map(|f| {
            (
                f["grant"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let message = "tenant `* (the whole directory)` is a wildcard".to_string();
    assert_eq!(
        wildcard,
        [(request(7), message.clone()), (request(8), message)]
    );
    // Three directory-wide activations within a month are no one tenant's pattern.
    let one = |id: &str, day: u32| {
        format!(
            r#"{{"id": "{id}", "status": "Provisioned", "action": "selfActivate", "principalId": "p{id}",
"roleDefinitionId": "f2ef992c-3afb-46b9-b7cf-a126ee74c451", "directoryScopeId": "/",
"justification": "Read the Contoso directory settings for case CS-100{id}",
"scheduleInfo": {{"startDateTime": "2026-11-{day:02}T09:00:00Z", "expiration": {{"type": "afterDuration", "duration": "PT1H"}}}}}}"#
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "wide.json",
        &format!(
            "{{\"value\": [{}, {}, {}]}}",
            one("1", 2),
            one("2", 9),
            one("3", 16)
        ),
    );
    let (_, wide) = json(&[&path]);
    assert_eq!(wide["summary"]["grants"], 3);
    assert!(of_rule(&wide, "repeat-tenant").is_empty(), "{wide:#}");
    assert_eq!(of_rule(&wide, "tenant-specific").len(), 3);
    // The same three in one administrative unit are.
    let unit = std::fs::read_to_string(&path).unwrap().replace(
        "\"directoryScopeId\": \"/\"",
        "\"directoryScopeId\": \"/administrativeUnits/eu\"",
    );
    let path = write(&dir, "unit.json", &unit);
    let (_, unit) = json(&[&path]);
    assert_eq!(of_rule(&unit, "repeat-tenant").len(), 1);
}

#[test]
fn the_justification_counts_as_admin_justification() {
    let report = lint(&[REQUESTS]);
    // Every privileged request has a justification.
    assert!(of_rule(&report, "admin-justified").is_empty());
    // Without one, a privileged role fails.
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "bare.json",
        r#"{"value": [{"id": "r1", "status": "Provisioned", "action": "selfActivate", "principalId": "p1",
"roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10", "directoryScopeId": "/administrativeUnits/eu",
"scheduleInfo": {"startDateTime": "2026-11-23T09:00:00Z", "expiration": {"type": "afterDuration", "duration": "PT1H"}}}]}"#,
    );
    let (_, bare) = json(&[&path]);
    let justified = of_rule(&bare, "admin-justified");
    assert_eq!(justified.len(), 1);
    assert_eq!(
        justified[0]["message"],
        "privileged role `Global Administrator` has no admin_justification"
    );
}

#[test]
fn an_eligibility_export_is_refused_with_what_to_export() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "eligible.json",
        r#"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/roleEligibilityScheduleRequests",
"value": [{"id": "e1", "status": "Provisioned", "action": "adminAssign", "principalId": "p1",
"roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10", "directoryScopeId": "/",
"scheduleInfo": {"startDateTime": "2026-11-23T09:00:00Z", "expiration": {"type": "noExpiration"}}}]}"#,
    );
    let out = grantlint(&["check", "--color", "never", &path]);
    assert_eq!(out.status.code(), Some(2));
    // As one line: the terminal report wraps long lines.
    let err = stderr(&out);
    let err = err
        .split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        err.contains(
            "eligible.json:1:20: this is an export of eligibilities, which are not access"
        ),
        "{err}"
    );
    assert!(
        err.contains("export the activations and active assignments instead: roleAssignmentScheduleRequests or roleAssignmentScheduleInstances"),
        "{err}"
    );
}

#[test]
fn explain_names_the_exports_and_what_they_cannot_say() {
    let out = grantlint(&["explain", "--source", "entra-pim"]);
    assert_eq!(out.status.code(), Some(0));
    let docs = common::stdout(&out);
    for needle in [
        "roleAssignmentScheduleRequests",
        "roleAssignmentScheduleInstances",
        "roleAssignmentApprovals/{approvalId}",
        "| `principal.@odata.type` | account_type |",
        "| `justification` | reason, admin_justification |",
        "What this export cannot say:",
        "PendingRevocation",
    ] {
        assert!(docs.contains(needle), "{needle}: {docs}");
    }
}

#[test]
fn azure_resource_manager_requests_are_read_as_the_same_adapter() {
    let report = lint(&["fixtures/entra-pim/azure-requests.json"]);
    // 8 requests: 3 grants, an extension, a deactivation, and AdminDenied, TimedOut and
    // PendingApproval never access.
    assert_eq!(report["summary"]["grants"], 3);
    assert_eq!(report["summary"]["skipped"], 4);
    let arm = |n: u32| format!("fea7a502-9a96-4806-a26f-{n:012x}");
    for never in [2, 3, 6, 7, 8] {
        assert!(of_grant(&report, &arm(never)).is_empty(), "{never}");
    }
    // The group's standing Owner assignment: principalType Group, no expiry.
    let group: Vec<_> = of_grant(&report, &arm(4))
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        group.contains(&"account type `group` hides who used the access"),
        "{group:?}"
    );
    assert!(group.contains(&"grant has no expiry"), "{group:?}");
    // The SelfExtend of request 1 is its extension, with no approver.
    let extension: Vec<_> = of_grant(&report, &arm(1))
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        extension.contains(&"extension 1: no approver named"),
        "{extension:?}"
    );
    // The subscription's display name is the tenant.
    assert_eq!(of_grant(&report, &arm(5))[0]["tenant"], "Contoso Prod");
    let gap = of_rule(&report, "column-missing");
    assert_eq!(gap.len(), 1);
    assert!(
        gap[0]["message"].as_str().unwrap().starts_with(
            "this Azure Resource Manager export cannot say who approved: 1 request(s)"
        ),
        "{}",
        gap[0]["message"]
    );
}

#[test]
fn a_year_of_requests_is_read_whole() {
    // The parser's own node budget stopped a Graph export at about 8,000 requests, with an
    // error that blamed the JSON syntax; the file's size sets the budget now.
    let one = |i: u32| {
        format!(
            r#"{{"id": "r{i}", "status": "Provisioned", "action": "selfActivate", "principalId": "p{i}",
"roleDefinitionId": "f2ef992c-3afb-46b9-b7cf-a126ee74c451", "directoryScopeId": "/administrativeUnits/u{i}",
"justification": "Read the audit settings for customer case CS-{i}", "ticketInfo": {{"ticketNumber": "CS-{i}"}},
"scheduleInfo": {{"startDateTime": "2026-11-20T09:00:00Z", "expiration": {{"type": "afterDuration", "duration": "PT1H"}}}}}}"#
        )
    };
    let items: Vec<String> = (0..10_000).map(one).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "year.json",
        &format!("{{\"value\": [{}]}}", items.join(",\n")),
    );
    let (_, report) = json(&["--source", "entra-pim", &path]);
    assert_eq!(report["summary"]["grants"], 10_000, "{}", report["summary"]);
}

/// With column-missing off, nothing is gathered and nothing is lost: each request that went
/// through approval gets its own approver-named finding again.
#[test]
fn with_column_missing_off_the_findings_are_per_grant_again() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(&policy, "version: 1\nrules:\n  column-missing: off\n").unwrap();
    let report = lint(&["--policy", policy.to_str().unwrap(), REQUESTS]);
    assert!(of_rule(&report, "column-missing").is_empty());
    for approved in [1, 6, 8, 19, 22] {
        assert!(
            of_grant(&report, &request(approved))
                .iter()
                .any(|f| f["rule"] == "approver-named"),
            "{approved}"
        );
    }
}
