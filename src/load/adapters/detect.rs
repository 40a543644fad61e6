//! Recognising a native export by its shape when `--source` is not given: the keys of a JSON
//! export's records, or the header of a CSV. Only the start of the file is read; a plain grants
//! file matches no system and is read as before.

use std::io::Read;

use super::{Native, Source};
use crate::load::mapping::{Mapping, normal_key};
use crate::load::{Format, Input, InputError, Origin, io_error};

/// How much of a file the shape is judged on: enough for the first records.
pub const HEAD: usize = 16 * 1024;

/// The system that exported `input`, if its shape is one grantlint knows; an error when it
/// fits several, or when a JSON lines file fits none.
pub fn detect(input: &Input, native: &Native) -> Result<Option<Source>, InputError> {
    let head = head(input)?;
    let candidates = match input.format {
        Format::Csv => csv_candidates(&head, native.delimiter, native.mapping),
        Format::Json => json_candidates(&head),
        Format::Yaml => yaml_candidates(&head),
    };
    match candidates.as_slice() {
        [] if input.name.ends_with(".jsonl") || input.name.ends_with(".ndjson") => Err(InputError::new(
            &input.name,
            "cannot tell which system wrote these JSON lines",
        )
        .help(format!(
            "grantlint reads JSON lines from Teleport's audit log (`access_request.*` events); pass --source, one of: {}",
            names(Source::ALL)
        ))),
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        several => Err(InputError::new(
            &input.name,
            format!("this export fits several systems: {}", names(several)),
        )
        .help("pass --source to say which system wrote it")),
    }
}

fn names(sources: &[Source]) -> String {
    sources
        .iter()
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first bytes of the input, as text (a character cut at the end becomes `�`).
pub fn head(input: &Input) -> Result<String, InputError> {
    let bytes = match &input.origin {
        Origin::Stdin(text) => text.as_bytes()[..text.len().min(HEAD)].to_vec(),
        Origin::Path(path) => {
            let file = crate::load::open_input(path, &input.name)?;
            let mut bytes = Vec::with_capacity(HEAD);
            file.take(HEAD as u64)
                .read_to_end(&mut bytes)
                .map_err(|e| io_error(&input.name, &e))?;
            bytes
        }
    };
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// True when `key` appears as a JSON object key (`"key":`).
fn has_key(head: &str, key: &str) -> bool {
    let quoted = format!("\"{key}\"");
    head.match_indices(&quoted)
        .any(|(i, _)| head[i + quoted.len()..].trim_start().starts_with(':'))
}

fn json_candidates(head: &str) -> Vec<Source> {
    let all = |keys: &[&str]| keys.iter().all(|k| has_key(head, k));
    let mut found = Vec::new();
    let teleport_requests = all(&["metadata", "spec"])
        && (head.contains("\"access_request\"") || all(&["roles", "user"]));
    let teleport_events = has_key(head, "event") && head.contains("\"access_request.");
    if teleport_requests || teleport_events {
        found.push(Source::Teleport);
    }
    if all(&["requester", "requestedDuration"]) || all(&["privilegedAccess", "timeline"]) {
        found.push(Source::GcpPam);
    }
    if all(&["roleDefinitionId", "scheduleInfo"])
        || all(&["roleDefinitionId", "principalId", "directoryScopeId"])
        || entra_approvals(head)
    {
        found.push(Source::EntraPim);
    }
    if all(&["accountId", "duration", "email"]) || all(&["accountId", "roleId"]) {
        found.push(Source::AwsTeam);
    }
    if all(&["requestedFor", "requestedBy", "requested"]) {
        found.push(Source::Okta);
    }
    if has_key(head, "requester_id")
        && ["target_user_id", "target_group_id", "reviewer_stages"]
            .iter()
            .any(|k| has_key(head, k))
    {
        found.push(Source::Opal);
    }
    // Jira's REST search response; ServiceNow's JSONv2 export and Table API.
    if all(&["issues", "key", "fields"]) {
        found.push(Source::Jira);
    }
    if (has_key(head, "records") || has_key(head, "result"))
        && (has_key(head, "sys_id") || all(&["number", "opened_at"]))
    {
        found.push(Source::Servicenow);
    }
    found
}

/// YAML: only `tctl get access_request` output, whose documents start `kind: access_request`
/// at the top level; a hand-written grants file never says that.
fn yaml_candidates(head: &str) -> Vec<Source> {
    let top = |key: &str, value: &str| {
        head.lines().any(|line| {
            line.strip_prefix(key)
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|rest| rest.trim().trim_matches(['"', '\'']) == value)
        })
    };
    if top("kind", "access_request") && head.lines().any(|l| l.trim_end() == "spec:") {
        vec![Source::Teleport]
    } else {
        Vec::new()
    }
}

/// Microsoft Graph approvals (`approval` with `steps` in beta, `stages` in v1.0).
fn entra_approvals(head: &str) -> bool {
    has_key(head, "reviewResult") && (has_key(head, "steps") || has_key(head, "stages"))
}

/// True when the input starts like an export of Entra PIM approvals, which the requests of
/// the same run are joined to.
pub fn is_entra_approvals(input: &Input) -> bool {
    head(input).is_ok_and(|head| entra_approvals(&head))
}

fn csv_candidates(head: &str, delimiter: u8, mapping: &Mapping) -> Vec<Source> {
    let first_line = head
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    let headers: Vec<String> = first_line
        .split(char::from(delimiter))
        .map(|h| normal_key(h.trim().trim_matches('"')))
        .filter(|h| mapping.column(h).is_none())
        .collect();
    let has = |name: &str| headers.iter().any(|h| h == name);
    let mut found = Vec::new();
    if has("issue_key") && (has("summary") || has("issue_id")) {
        found.push(Source::Jira);
    }
    if has("number")
        && (has("short_description") || has("opened_at") || has("sys_id") || has("opened_by"))
    {
        found.push(Source::Servicenow);
    }
    if (has("accountid") || has("account_id")) && has("duration") && has("email") {
        found.push(Source::AwsTeam);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shapes_name_their_system() {
        assert_eq!(
            json_candidates(
                r#"[{"kind": "access_request", "metadata": {}, "spec": {"user": "a"}}]"#
            ),
            vec![Source::Teleport]
        );
        assert_eq!(
            json_candidates("{\"event\":\"access_request.create\",\"id\":\"1\"}\n"),
            vec![Source::Teleport]
        );
        assert_eq!(
            json_candidates(r#"[{"name": "x", "requester": "a", "requestedDuration": "3600s"}]"#),
            vec![Source::GcpPam]
        );
        assert_eq!(
            json_candidates(r#"{"value": [{"roleDefinitionId": "x", "scheduleInfo" : {}}]}"#),
            vec![Source::EntraPim]
        );
        assert_eq!(
            json_candidates(r#"{"value": [{"id": "a", "steps": [{"reviewResult": "Approved"}]}]}"#),
            vec![Source::EntraPim]
        );
        assert_eq!(
            json_candidates(r#"[{"accountId": "1", "email": "a", "duration": "2"}]"#),
            vec![Source::AwsTeam]
        );
        assert_eq!(
            json_candidates(
                r#"{"data": [{"requestedBy": {}, "requestedFor": {}, "requested": {}}]}"#
            ),
            vec![Source::Okta]
        );
        assert_eq!(
            json_candidates(r#"{"requests": [{"requester_id": "u", "target_group_id": "g"}]}"#),
            vec![Source::Opal]
        );
        assert_eq!(
            json_candidates(r#"{"issues": [{"key": "SUP-1", "fields": {"summary": "x"}}]}"#),
            vec![Source::Jira]
        );
        assert_eq!(
            json_candidates(r#"{"result": [{"number": "CHG1", "sys_id": "a1"}]}"#),
            vec![Source::Servicenow]
        );
        // A plain grants file matches none; a value that reads like a key does not count.
        assert!(
            json_candidates(
                r#"[{"id": "SUP-1", "reason": "\"requester\" and \"requestedDuration\""}]"#
            )
            .is_empty()
        );
    }

    #[test]
    fn tctl_get_yaml_is_teleport_and_grants_yaml_is_not() {
        let tctl =
            "kind: access_request\nmetadata:\n  name: r1\nspec:\n  user: a\nversion: v3\n---\n";
        assert_eq!(yaml_candidates(tctl), vec![Source::Teleport]);
        let grants = "grants:\n  - id: SUP-1\n    reason: \"kind: access_request\"\n";
        assert!(yaml_candidates(grants).is_empty());
    }

    #[test]
    fn a_shape_of_two_systems_is_ambiguous() {
        let both =
            r#"[{"roleDefinitionId": "r", "scheduleInfo": {}, "accountId": "1", "roleId": "2"}]"#;
        assert_eq!(
            json_candidates(both),
            vec![Source::EntraPim, Source::AwsTeam]
        );
    }

    #[test]
    fn csv_headers_name_their_system() {
        let none = Mapping::default();
        assert_eq!(
            csv_candidates("Summary;Issue key;Issue id;Status\n", b';', &none),
            vec![Source::Jira]
        );
        assert_eq!(
            csv_candidates(
                "\u{feff}\"number\",\"short_description\",\"state\"\n",
                b',',
                &none
            ),
            vec![Source::Servicenow]
        );
        assert_eq!(
            csv_candidates("id,email,accountId,role,duration,status\n", b',', &none),
            vec![Source::AwsTeam]
        );
        assert!(csv_candidates("id,tenant,grantee,start,expires\n", b',', &none).is_empty());
    }
}
