//! Teleport role resources (`kind: role`, v5 to v8) as `tctl get roles` writes them (YAML
//! documents after `---`, or `--format=json`) and as teams keep them in a repository. A role
//! that may request other roles (`spec.allow.request.roles`) is a requester role: what its
//! requests may be is read from `spec.allow.request` and `spec.options`.

use chrono::TimeDelta;

use super::{Docs, Object, Probe, error_at, key_span, not_expected, number};
use crate::core::node::Node;
use crate::core::span::Span;
use crate::core::time::{format_duration, parse_duration};
use crate::grant::Field;
use crate::load::InputError;
use crate::load::adapters::record::Record;

pub const DOCS: Docs = Docs {
    system: "Teleport roles",
    reads: "Role resources (`kind: role`, versions v5 to v8) as `tctl get roles` writes them \
(YAML documents after `---`, or `--format=json`) or as kept in a repository; documents of other \
kinds are counted, not linted. A role that may request roles (`spec.allow.request.roles`) is \
judged for the requests it lets its users make. Overrides match a grant's role (the requestable \
roles, joined by \", \", as in a request for all of them) and environment (the role's \
`metadata.labels.env`, else `environment`). Sources: goteleport.com/docs reference for the role \
resource (TeleportRoleV7/V8: spec.allow.request, spec.options) and gravitational/teleport \
api/types/role.go, api/defaults (MaxCertDuration: 30h).",
    keys: &[
        (
            "spec.allow.request.max_duration",
            "window-max",
            "requested access may last longer than the applicable `max`",
        ),
        (
            "spec.options.max_session_ttl",
            "window-max",
            "no `max_duration`: access lasts as long as the session, above the `max` (Teleport's default: 30h)",
        ),
        (
            "spec.options.request_access",
            "reason-specific",
            "not `reason`, and `spec.allow.request.reason.mode` is not `required`: a request needs no reason",
        ),
        (
            "spec.allow.request.roles[]",
            "admin-justified",
            "a privileged role (the rule's `patterns`) may be requested without a reason; each role is judged alone",
        ),
        (
            "spec.allow.request.thresholds[].approve",
            "approver-named",
            "`approve: 0`: a request goes through with no approval",
        ),
        (
            "(none)",
            "ticket-linked",
            "always, while the rule is on, for a requester role: a role cannot require a ticket",
        ),
    ],
    cannot: &[
        "self-approval: Teleport never lets a user review their own request (api/types/access_request.go: \
\"a user cannot review their own requests\")",
        "expiry-required: every access request expires (at `max_duration` or the session TTL)",
        "who approves: reviewers are the users of roles whose `spec.allow.review_requests.roles` \
names the role, and `suggested_reviewers` are only suggestions; approver-named judges the grants",
        "how good a reason will be: only that one is required; check the requests with `--source teleport`",
        "access monitoring rules that approve automatically are separate resources, not read here",
    ],
};

/// The longest a Teleport certificate lives (api/defaults `MaxCertDuration`), and so a role's
/// session when `max_session_ttl` is not set.
const DEFAULT_SESSION: TimeDelta = TimeDelta::hours(30);

/// The roles of every document; documents of other kinds are counted.
pub fn read(roots: &[Node], text: &str, file: &str) -> Result<(Vec<Object>, usize), InputError> {
    let (mut objects, mut skipped) = (Vec::new(), 0);
    for root in roots {
        let Some(items) = super::items(root, "") else {
            let shape = "Teleport role resources";
            return Err(not_expected(
                file,
                text,
                root,
                shape,
                "pass `kind: role` resources",
            ));
        };
        for item in items {
            let record = Record::new(item);
            match record.text("kind") {
                Some((kind, _)) if kind.eq_ignore_ascii_case("role") => {
                    objects.push(role(record, text, file)?);
                }
                _ => skipped += 1,
            }
        }
    }
    Ok((objects, skipped))
}

const WINDOW_HELP: &str = "set `spec.allow.request.max_duration` to the policy's maximum or less";
const REASON_HELP: &str = "require a reason: `spec.options.request_access: reason` (or \
`spec.allow.request.reason.mode: required`)";
const APPROVAL_HELP: &str = "require at least one approval: `thresholds: [{approve: 1, deny: 1}]`";
const TICKET_HELP: &str = "ask for the ticket in the request reason and check the requests with \
`grantlint check --source teleport`, or turn ticket-linked off for these roles with an override";

pub(super) fn role(role: Record, text: &str, file: &str) -> Result<Object, InputError> {
    let name = match role.text("metadata.name") {
        Some((name, _)) => name.to_string(),
        None => format!("role at line {}", role.span().line),
    };
    let mut object = Object {
        noun: "role",
        short: name.clone(),
        name,
        span: role.span(),
        fields: Vec::new(),
        probes: Vec::new(),
    };
    let requestable: Vec<(&str, Span)> = role
        .list("spec.allow.request.roles")
        .iter()
        .filter_map(|n| n.value.as_scalar().map(|r| (r, role.span_of(n))))
        .collect();
    if let Some((_, at)) = requestable.first() {
        let joined: Vec<&str> = requestable.iter().map(|(r, _)| *r).collect();
        object.fields.push((Field::Role, joined.join(", "), *at));
    }
    let environment = role
        .text("metadata.labels.env")
        .or_else(|| role.text("metadata.labels.environment"));
    if let Some((environment, at)) = environment {
        object
            .fields
            .push((Field::Environment, environment.to_string(), at));
    }
    // A role that requests nothing lets no request through.
    if requestable.is_empty() {
        return Ok(object);
    }
    window(role, text, file, &mut object)?;
    reason(role, &requestable, &mut object);
    for threshold in role.records("spec.allow.request.thresholds") {
        if let Some(approve) = threshold.get("approve")
            && number(approve) == Some(0)
        {
            object.probes.push(Probe::without(
                "approver-named",
                threshold.span_of(approve),
                "lets a request through with no approval (`approve: 0`)".into(),
                APPROVAL_HELP,
            ));
        }
    }
    object.probes.push(Probe::without(
        "ticket-linked",
        key_span(role, "spec.allow.request").unwrap_or(object.span),
        "cannot require a ticket (a role has no such setting)".into(),
        TICKET_HELP,
    ));
    Ok(object)
}

/// How long requested access may last: `max_duration`, else the session's TTL.
fn window(role: Record, text: &str, file: &str, object: &mut Object) -> Result<(), InputError> {
    let read = |path: &str| -> Result<Option<(TimeDelta, Span, &str)>, InputError> {
        let Some((value, at)) = role.text(path) else {
            return Ok(None);
        };
        match parse_duration(value) {
            Ok(length) => Ok(Some((length, at, value))),
            Err(why) => Err(error_at(
                file,
                text,
                at,
                format!("`{path}: {value}` is not a duration: {why}"),
                "write a duration such as `4h`, `30m` or `1h30m`",
            )),
        }
    };
    let probe = match read("spec.allow.request.max_duration")? {
        Some((length, at, _)) => Probe::lasting(
            at,
            length,
            format!("lets requested access last {}", format_duration(length)),
            WINDOW_HELP,
        ),
        None => match read("spec.options.max_session_ttl")? {
            Some((length, at, _)) => Probe::lasting(
                at,
                length,
                format!(
                    "sets no max_duration, so requested access lasts the session, up to {}",
                    format_duration(length)
                ),
                WINDOW_HELP,
            ),
            None => Probe::lasting(
                key_span(role, "spec.allow.request").unwrap_or(object.span),
                DEFAULT_SESSION,
                "sets neither max_duration nor max_session_ttl, so requested access lasts \
Teleport's default session, 30h"
                    .into(),
                WINDOW_HELP,
            ),
        },
    };
    object.probes.push(probe);
    Ok(())
}

/// A reason is required by `request_access: reason` or `request.reason.mode: required`.
fn reason(role: Record, requestable: &[(&str, Span)], object: &mut Object) {
    let access = role.text("spec.options.request_access");
    let mode = role.text("spec.allow.request.reason.mode");
    let required = |v: Option<(&str, Span)>, word: &str| v.is_some_and(|(v, _)| v == word);
    if required(access, "reason") || required(mode, "required") {
        return;
    }
    let (at, allows) = match (access, mode) {
        (_, Some((mode, at))) => (
            at,
            format!("does not require a reason (`reason.mode: {mode}`)"),
        ),
        (Some((access, at)), None) => (
            at,
            format!("does not require a reason (`request_access: {access}`)"),
        ),
        (None, None) => (
            key_span(role, "spec.allow.request").unwrap_or(object.span),
            "does not require a reason (no `request_access: reason`)".into(),
        ),
    };
    object
        .probes
        .push(Probe::without("reason-specific", at, allows, REASON_HELP));
    for (requested, at) in requestable {
        let allows = format!("lets `{requested}` be requested without a reason");
        let probe = Probe::without("admin-justified", *at, allows, REASON_HELP);
        object.probes.push(probe.with(Field::Role, requested));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_of_several_documents_keep_their_places_and_other_kinds_are_counted() {
        let text = "kind: role\nversion: v7\nmetadata:\n  name: a\nspec:\n  allow:\n    request:\n      roles: [editor]\n      max_duration: 8h\n---\nkind: user\nmetadata:\n  name: u\n---\nkind: role\nversion: v8\nmetadata:\n  name: b\nspec:\n  options:\n    request_access: reason\n  allow:\n    request:\n      roles: [viewer]\n      max_duration: 1h\n";
        let roots = crate::core::node::parse_documents(text).unwrap();
        let (objects, skipped) = read(&roots, text, "t").unwrap();
        assert_eq!((objects.len(), skipped), (2, 1));
        let rules = |o: &Object| -> Vec<(&str, u32)> {
            o.probes.iter().map(|p| (p.rule, p.at.line)).collect()
        };
        assert_eq!(
            rules(&objects[0]),
            [
                ("window-max", 9),
                ("reason-specific", 7),
                ("admin-justified", 8),
                ("ticket-linked", 7)
            ]
        );
        assert_eq!(
            rules(&objects[1]),
            [("window-max", 25), ("ticket-linked", 23)]
        );
    }
}
