//! Teleport access requests: `tctl requests ls --format=json` and `tctl get access_request`
//! (a list of `access_request` resources, as JSON or as YAML documents), or audit events as
//! JSON lines (`access_request.create`, `.review`, `.update`) joined by request id.
//!
//! Field names and meanings are those of Teleport's own definitions: `AccessRequestV3`,
//! `AccessRequestSpecV3`, `AccessReview` and `RequestState` in
//! api/proto/teleport/legacy/types/types.proto, and the `AccessRequestCreate` event (all three
//! event kinds) in api/proto/teleport/legacy/types/events/events.proto.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use super::record::{self, Base, Record, set_joined};
use super::{Adapter, Lifecycle, Native, Out, shape_error};
use crate::core::node::{Node, Value};
use crate::core::span::Span;
use crate::core::time::parse_time;
use crate::grant::{Approval, Field, Grant};
use crate::load::InputError;
use crate::load::json_lines::{At, Log};

pub const ADAPTER: Adapter = Adapter {
    name: "teleport",
    system: "Teleport",
    exports: "`tctl requests ls --format=json` or `tctl get access_request` (a list of \
`access_request` resources: JSON, or the default YAML, one document per request), or audit events \
as JSON lines (`access_request.create`, `access_request.review`, `access_request.update`), joined \
by request id. Every review proposing APPROVED is an approval, and so is an update to APPROVED \
(by its `delegator`, else its `updated_by`); a request is granted once a review or an update \
leaves it APPROVED. Reviews by a bot (Teleport's `@teleport-access-approval-bot`, see \
`approver-named`'s `bots`) are automatic approvals. Sources: gravitational/teleport \
api/proto/teleport/legacy/types/types.proto and …/types/events/events.proto.",
    fields: &[
        ("metadata.name", "id", "events: `id`"),
        (
            "spec.user",
            "grantee, requested_by",
            "events: `user` of the create event",
        ),
        (
            "spec.roles",
            "role",
            "several roles make a list; events: `roles`",
        ),
        (
            "spec.request_reason",
            "reason, admin_justification",
            "the requester's own reason for this elevation, so it also counts as the admin justification; events: `reason` of the create event",
        ),
        (
            "spec.resource_ids[].cluster",
            "tenant",
            "several clusters make a list; events: `resource_ids[].cluster`",
        ),
        (
            "spec.reviews[].author",
            "approver",
            "every review whose `proposed_state` is APPROVED is an approval; events: `reviewer` of each `access_request.review` proposing APPROVED, and `delegator`, else `updated_by`, of an `access_request.update` to APPROVED",
        ),
        (
            "spec.reviews[].created",
            "approved_at",
            "of each approving review (the first is the grant's); events: the event's `time`",
        ),
        (
            "spec.reviews[].reason",
            "(approval reason)",
            "kept with each approval; events: `reason` of the review or update",
        ),
        (
            "spec.created",
            "requested_at",
            "events: `time` of the create event",
        ),
        (
            "spec.assume_start_time",
            "start",
            "else the last approving review's `created` (events: the `time` of the review or update that left the request APPROVED), else `spec.created`",
        ),
        (
            "spec.expires",
            "expires",
            "the access expiry (`GetAccessExpiry`: the latest any session from this request lasts); events: `expires` of the create event",
        ),
        (
            "spec.max_duration",
            "expires",
            "only when `spec.expires` is absent: how long access may be granted for; events: `max_duration`",
        ),
        (
            "spec.state",
            "status",
            "RequestState, the number 0–4 or its name; events: `state` of the last review or update, else of the create event",
        ),
    ],
    states: &[
        (
            "0 NONE (also no state at all: it is omitted when 0), 1 PENDING",
            "pending (counted, not linted)",
        ),
        (
            "2 APPROVED",
            "active, or expired once past its expiry (Teleport ends the certificates)",
        ),
        ("3 DENIED", "denied (counted, not linted)"),
        (
            "4 PROMOTED",
            "skipped (counted, not linted): promoted to an access list, no certificate was issued from the request",
        ),
    ],
    gaps: &[
        "the ticket and the closeout owner: Teleport has no field for either (a ticket written in the reason is all there is)",
        "whether the roles were used: a request records the grant, not the sessions; session and `cert.create` events in the audit log do",
        "`spec.session_ttl` (how long each certificate lasts), `spec.expiry` and `metadata.expires` (when Teleport deletes the request resource) are not the end of access and are not read; a request deleted at its resource expiry is only in the audit log",
        "the tenant of a role request: only resource requests name clusters (`resource_ids[].cluster`)",
        "in an audit log, a request whose `access_request.create` event is before the log's first line: its reviews and updates are not read",
    ],
    load,
};

const SHAPE: &str = "a list of access_request resources (`tctl requests ls --format=json`, \
`tctl get access_request` as JSON or YAML) or audit events as JSON lines";

fn load(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    // Audit events are one JSON object per line; anything else is one or more documents (a JSON
    // list, a JSON object, or `tctl get`'s YAML documents separated by `---`).
    if is_event_log(text, false) {
        let mut log = Log::text(native.file, Arc::from(text), native.limits);
        events(&mut log, native, out)
    } else {
        documents(text, native, out)
    }
}

/// Resources: every document is one `access_request` or a list of them.
fn documents(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    let roots = parse_documents(text, native.file)?;
    for root in &roots {
        match &root.value {
            Value::List(requests) => {
                for request in requests {
                    map_request(Record::new(request), native, out, text)?;
                }
            }
            Value::Map(_) => map_request(Record::new(root), native, out, text)?,
            // `---` at the end of `tctl get` output leaves an empty document.
            Value::Null => {}
            other => {
                return Err(shape_error(
                    native,
                    Some(record::span(root)),
                    text,
                    &format!("found {}", other.kind()),
                    SHAPE,
                ));
            }
        }
    }
    Ok(())
}

/// Parses every YAML (or JSON) document of the file, each value with its place in the file.
fn parse_documents(text: &str, file: &str) -> Result<Vec<Node>, InputError> {
    crate::core::node::parse_documents(text).map_err(|e| {
        let error = InputError::new(file, crate::load::yaml::parser_message(&e)).help(
            "fix the YAML or JSON syntax at this place; `tctl get access_request` output reads as it is",
        );
        match crate::load::yaml::error_span(&e, text) {
            Some(at) => error.at(at, Some(&Arc::from(text))),
            None => error,
        }
    })
}

fn map_request(
    request: Record,
    native: &Native,
    out: &mut Out,
    text: &str,
) -> Result<(), InputError> {
    if let Some((kind, at)) = request.text("kind")
        && kind != "access_request"
    {
        return Err(shape_error(
            native,
            Some(at),
            text,
            &format!("this is a `{kind}` resource, not an `access_request`"),
            SHAPE,
        ));
    }
    let Some(spec) = request.record("spec") else {
        return Err(shape_error(
            native,
            Some(request.span()),
            text,
            "this request has no `spec` mapping",
            SHAPE,
        ));
    };
    let grant = out.start(request.span());
    request.set_declared(grant, &native.mapping.fields);
    request.set(grant, Field::Id, "metadata.name");
    set_requested(spec, grant, "request_reason", "created");
    // Every approving review is an approval; the last one is when the request could be used.
    let mut last_approval = None;
    for review in spec.records("reviews") {
        if !review
            .text("proposed_state")
            .is_some_and(|(s, _)| state(s) == Some(State::Approved))
        {
            continue;
        }
        if let Some(author) = review.text("author") {
            let created = review.text("created");
            approve(grant, author, created, review.text("reason"));
            last_approval = created.or(last_approval);
        }
    }
    spec.set(grant, Field::Start, "assume_start_time");
    if let Some((at, span)) = last_approval {
        grant.set(Field::Start, at, span, false);
    }
    spec.set(grant, Field::Start, "created");
    spec.set(grant, Field::Expires, "expires");
    spec.set(grant, Field::Expires, "max_duration");
    let (lifecycle, at) = lifecycle(spec.text("state"), native, out, request.span());
    out.finish(lifecycle, at);
    Ok(())
}

/// Records one approval, once per approver; its time is kept when it reads as a time (one that
/// does not is still set on the grant's `approved_at`, where it is reported as malformed).
fn approve(
    grant: &mut Grant,
    (approver, span): (&str, Span),
    when: Option<(&str, Span)>,
    reason: Option<(&str, Span)>,
) {
    if grant.approvals.iter().any(|a| a.approver.0 == approver) {
        return;
    }
    let first = grant.approvals.is_empty();
    let at = when.and_then(|(text, at)| parse_time(text).ok().map(|time| (time, at)));
    grant.approve(Approval {
        approver: (approver.to_string(), span),
        at,
        reason: reason.map(|(text, at)| (text.to_string(), at)),
    });
    if first
        && at.is_none()
        && let Some((text, at)) = when
    {
        grant.set(Field::ApprovedAt, text, at, false);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    None,
    Pending,
    Approved,
    Denied,
    Promoted,
}

/// A `RequestState` as Teleport writes it: the enum's number (resources) or its name (events).
fn state(text: &str) -> Option<State> {
    match text.trim().to_ascii_uppercase().as_str() {
        "0" | "NONE" => Some(State::None),
        "1" | "PENDING" => Some(State::Pending),
        "2" | "APPROVED" => Some(State::Approved),
        "3" | "DENIED" => Some(State::Denied),
        "4" | "PROMOTED" => Some(State::Promoted),
        _ => None,
    }
}

fn is_approved(record: &Record, key: &str) -> bool {
    record
        .text(key)
        .is_some_and(|(s, _)| state(s) == Some(State::Approved))
}

fn lifecycle(
    state_text: Option<(&str, Span)>,
    native: &Native,
    out: &mut Out,
    record: Span,
) -> (Lifecycle, Span) {
    // `state` is `omitempty` in the resource: absent is NONE (0), never granted.
    let Some((text, at)) = state_text else {
        return (Lifecycle::Pending, record);
    };
    let lifecycle = match state(text) {
        Some(State::None | State::Pending) => Lifecycle::Pending,
        // Promoted to an access list: access comes from the list, not from a certificate
        // issued for this request, so the request itself never became access.
        Some(State::Denied | State::Promoted) => Lifecycle::Denied,
        Some(State::Approved) => Lifecycle::approved(out.grant.time(Field::Expires), native.now),
        None => {
            out.grant.problem(
                Some(Field::Status),
                at,
                format!("`{text}` is not a Teleport request state"),
                "expected 0–4 or NONE, PENDING, APPROVED, DENIED, PROMOTED",
            );
            Lifecycle::Active
        }
    };
    (lifecycle, at)
}

/// The clusters of the requested resources: the tenant (several make a list).
fn set_clusters(record: Record, grant: &mut Grant) {
    let mut resources = record.records("resource_ids").peekable();
    let Some(first) = resources.peek().copied() else {
        return;
    };
    let at = first.text("cluster").map_or(first.span(), |(_, at)| at);
    let names: Vec<&str> = resources
        .filter_map(|r| r.text("cluster").map(|(t, _)| t))
        .collect();
    set_joined(grant, Field::Tenant, names.into_iter(), at);
}

/// One audit event line, parsed, with the place of its line in the file.
struct Event {
    line: Node,
    base: Base,
}

impl Event {
    fn record(&self) -> Record<'_> {
        Record {
            node: &self.line,
            base: self.base,
        }
    }
}

/// True when a Teleport export is audit events, one JSON object a line, rather than
/// documents (a JSON list or object, `tctl get`'s YAML). `head` is its start, or all of it;
/// `cut` says it may end mid-line, where a line opening with `{` is taken as an event.
pub fn is_event_log(head: &str, cut: bool) -> bool {
    let first = head
        .trim_start_matches('\u{feff}')
        .split_inclusive('\n')
        .find(|l| !l.trim().is_empty() && !l.trim().starts_with('#'));
    first.is_some_and(|line| {
        let text = line.trim();
        text.starts_with('{') && (text.ends_with('}') || (cut && !line.ends_with('\n')))
    })
}

/// Reads an audit log line by line from the file or standard input (`load` has it whole only
/// when a caller gives the text).
pub fn load_event_log(
    input: &crate::load::Input,
    native: &Native,
    out: &mut Out,
) -> Result<(), InputError> {
    let mut log = match &input.origin {
        crate::load::Origin::Stdin(text) => Log::text(native.file, Arc::clone(text), native.limits),
        crate::load::Origin::Path(path) => {
            let file = crate::load::open(path, &input.name, native.limits)?;
            Log::file(native.file, file, native.limits)
        }
    };
    events(&mut log, native, out)
}

/// Audit events: every line is one JSON object; the requests are built once all are read, in
/// the order their create events appear. An audit log holds every kind of event (sessions,
/// logins) and can hold millions, so it is read a line at a time and never held whole. A first
/// pass reads only each line's kind and request id. What it keeps, the only memory that grows
/// with the log: for each `access_request.*` event its place (three numbers), and for each
/// request its id — nothing for any other event. Each request's lines are then read again by
/// their places, parsed (with their places) when it is built, and dropped after.
fn events(log: &mut Log, native: &Native, out: &mut Out) -> Result<(), InputError> {
    // Where each create event is, and each request's reviews and updates, in file order.
    let mut creates: Vec<At> = Vec::new();
    let mut by_request: HashMap<String, Vec<At>> = HashMap::new();
    let mut first = None;
    while let Some((line, at)) = log.next_line()? {
        if line.trim().is_empty() {
            continue;
        }
        first = first.or(Some(at));
        let head = match line.trim_start().starts_with('{') {
            true => serde_json::from_str::<Head>(line).ok(),
            false => None,
        };
        let (kind, id) = match head {
            Some(head) => (head.event, head.id),
            // Not plain: the full parse says where it is wrong, or reads what it holds.
            None => {
                let line = line.to_string();
                let event = parse_line(log, &line, at)?;
                let text = |key| {
                    let value = event.record().text(key);
                    value.map(|(t, _)| Cow::Owned(t.to_string()))
                };
                (text("event"), text("id"))
            }
        };
        match kind.as_deref() {
            Some("access_request.create") => creates.push(at),
            Some("access_request.review" | "access_request.update") => {
                if let Some(id) = id {
                    by_request.entry(id.into_owned()).or_default().push(at);
                }
            }
            _ => {}
        }
    }
    for at in creates {
        let create = read_line(log, at)?;
        let create = create.record();
        let related = match create.text("id").and_then(|(id, _)| by_request.get(id)) {
            Some(lines) => lines
                .iter()
                .map(|&at| read_line(log, at))
                .collect::<Result<Vec<Event>, InputError>>()?,
            None => Vec::new(),
        };
        let related: Vec<Record> = related.iter().map(Event::record).collect();
        map_events(create, &related, native, out);
    }
    log.unchanged()?;
    if out.grants + out.skipped == 0
        && let Some(first) = first
    {
        let first = read_line(log, first)?;
        return Err(log
            .error(
                format!("no `access_request.create` event in this file; expected {SHAPE}"),
                first.record().span(),
            )
            .help("check that --source names the system that exported this file"));
    }
    Ok(())
}

/// What the first pass reads of an audit event: its kind and request id. Any other key is
/// skipped unread; a line this cannot read is parsed in full.
#[derive(serde::Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    event: Option<Cow<'a, str>>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
}

/// The audit log's line at `at`, read again and parsed.
fn read_line(log: &mut Log, at: At) -> Result<Event, InputError> {
    let line = log.line(at)?.to_string();
    parse_line(log, &line, at)
}

/// Parses the audit log's line `line` at `at`, with its places in the whole file; a line that
/// is not a JSON object is a located error.
fn parse_line(log: &Log, line: &str, at: At) -> Result<Event, InputError> {
    let event = Event {
        line: log.parse(line, at)?,
        base: Base {
            lines: at.index,
            offset: at.start,
        },
    };
    if !matches!(event.line.value, Value::Map(_)) {
        return Err(log
            .error(
                format!("this line is not a JSON object; expected {SHAPE}"),
                event.record().span(),
            )
            .help("check that --source names the system that exported this file"));
    }
    Ok(event)
}

/// What a request resource's `spec` and a create event both say, under their own names for
/// the reason and the creation time: who asked, for which roles, why, when, and where.
fn set_requested(request: Record, grant: &mut Grant, reason: &str, created: &str) {
    request.set(grant, Field::Grantee, "user");
    request.set(grant, Field::RequestedBy, "user");
    request.set_list(grant, Field::Role, "roles");
    request.set(grant, Field::Reason, reason);
    request.set(grant, Field::AdminJustification, reason);
    request.set(grant, Field::RequestedAt, created);
    set_clusters(request, grant);
}

/// One request from its create event and the reviews and updates that follow it. A review's
/// `state` is the request's state after that review (events.proto), so a review that meets
/// the threshold leaves it APPROVED with no update needed.
fn map_events(create: Record, related: &[Record], native: &Native, out: &mut Out) {
    let grant = out.start(create.span());
    create.set_declared(grant, &native.mapping.fields);
    create.set(grant, Field::Id, "id");
    set_requested(create, grant, "reason", "time");
    let kind = |r: &Record, name: &str| r.text("event").is_some_and(|(e, _)| e == name);
    let mut state_text = create.text("state");
    // The time of the first event that left the request APPROVED: when it could be used.
    let mut granted_at = None;
    for event in related {
        let approver = if kind(event, "access_request.review") {
            is_approved(event, "proposed_state")
                .then(|| event.text("reviewer"))
                .flatten()
        } else if kind(event, "access_request.update") {
            // A plugin names whoever made it update the state as the `delegator`.
            is_approved(event, "state")
                .then(|| event.text("delegator").or_else(|| event.text("updated_by")))
                .flatten()
        } else {
            continue;
        };
        if let Some(approver) = approver {
            approve(grant, approver, event.text("time"), event.text("reason"));
        }
        if let Some(state) = event.text("state") {
            state_text = Some(state);
            if granted_at.is_none() && is_approved(event, "state") {
                granted_at = event.text("time");
            }
        }
    }
    create.set(grant, Field::Start, "assume_start_time");
    if let Some((at, span)) = granted_at {
        grant.set(Field::Start, at, span, false);
    }
    create.set(grant, Field::Start, "time");
    create.set(grant, Field::Expires, "expires");
    create.set(grant, Field::Expires, "max_duration");
    let (lifecycle, at) = lifecycle(state_text, native, out, create.span());
    out.finish(lifecycle, at);
}
#[cfg(test)]
mod tests {
    use super::super::{Source, field, read};
    use crate::grant::Field::*;
    use crate::load::mapping::Mapping;

    const REQUESTS: &str = r#"[
{"metadata": {"name": "r1"}, "spec": {"user": "alice", "roles": ["a", "b"], "state": 2,
 "created": "2026-11-23T08:00:00Z", "request_reason": "why",
 "reviews": [{"author": "bob", "proposed_state": "DENIED", "created": "2026-11-23T08:01:00Z"},
             {"author": "carol", "proposed_state": "APPROVED", "created": "2026-11-23T08:02:00Z"}],
 "resource_ids": [{"cluster": "acme"}, {"cluster": "acme"}],
 "max_duration": "2026-11-23T10:00:00Z", "assume_start_time": "0001-01-01T00:00:00Z"}},
{"metadata": {"name": "r2"}, "spec": {"user": "dan", "roles": ["x"], "state": "APPROVED",
 "created": "2026-11-24T11:00:00Z", "max_duration": "2026-11-24T13:00:00Z",
 "resource_ids": [{"cluster": "c1"}, {"cluster": "c2"}]}},
{"metadata": {"name": "r3"}, "spec": {"user": "eve", "state": 3}},
{"metadata": {"name": "r4"}, "spec": {"user": "eve", "state": "PENDING"}}
]"#;

    #[test]
    fn requests_map_with_their_places() {
        let (grants, skipped) = read(Source::Teleport, REQUESTS, &Mapping::default());
        assert_eq!((grants.len(), skipped), (2, 2));
        let r1 = &grants[0];
        assert_eq!(field(r1, Id), Some(("r1", 2, 23)));
        assert_eq!(field(r1, Grantee), Some(("alice", 2, 47)));
        assert_eq!(field(r1, Role).map(|f| f.0), Some("a, b"));
        // The approving review, not the first one; the zero time is no start.
        assert_eq!(field(r1, Approver), Some(("carol", 5, 25)));
        assert_eq!(
            field(r1, ApprovedAt).map(|f| f.0),
            Some("2026-11-23T08:02:00Z")
        );
        assert_eq!(field(r1, Start).map(|f| f.0), Some("2026-11-23T08:02:00Z"));
        assert_eq!(field(r1, Tenant).map(|f| f.0), Some("acme"));
        assert_eq!(
            field(r1, Expires).map(|f| f.0),
            Some("2026-11-23T10:00:00Z")
        );
        // Approved and past its expiry: Teleport ended it.
        assert_eq!(field(r1, Status), Some(("expired", 2, 86)));
        let r2 = &grants[1];
        assert_eq!(field(r2, Status).map(|f| f.0), Some("active"));
        assert_eq!(field(r2, Approver), None, "approved without any review");
        assert_eq!(field(r2, Tenant).map(|f| f.0), Some("c1, c2"));
    }

    #[test]
    fn yaml_documents_keep_their_places_and_every_approval() {
        let yaml = "kind: access_request\nmetadata:\n  name: r1\nspec:\n  state: 2\n  user: alice\n  expires: \"2026-11-24T11:00:00Z\"\n  reviews:\n  - author: bob\n    proposed_state: 2\n    created: \"2026-11-24T09:00:00Z\"\n  - author: carol\n    proposed_state: 2\n    created: \"2026-11-24T09:10:00Z\"\n---\nkind: access_request\nmetadata:\n  name: r2\nspec:\n  user: dan\n---\n";
        let (grants, skipped) = read(Source::Teleport, yaml, &Mapping::default());
        assert_eq!((grants.len(), skipped), (1, 1), "r2 has no state: NONE");
        let r1 = &grants[0];
        assert_eq!(field(r1, Approver), Some(("bob", 9, 13)));
        assert_eq!(
            field(r1, ApprovedAt).map(|f| f.0),
            Some("2026-11-24T09:10:00Z"),
            "the latest approving review"
        );
        // Access could be used once the last approval was in.
        assert_eq!(field(r1, Start), Some(("2026-11-24T09:10:00Z", 14, 14)));
    }

    #[test]
    fn audit_events_join_by_request_id() {
        let log = concat!(
            "{\"event\":\"access_request.create\",\"id\":\"r1\",\"user\":\"alice\",\"roles\":[\"a\"],\"state\":\"PENDING\",\"time\":\"2026-11-24T09:00:00Z\",\"reason\":\"why\",\"max_duration\":\"2026-11-24T13:00:00Z\"}\n",
            "{\"event\":\"access_request.create\",\"id\":\"r2\",\"user\":\"bob\",\"state\":\"PENDING\",\"time\":\"2026-11-24T09:00:00Z\"}\n",
            "{\"event\":\"access_request.review\",\"id\":\"r1\",\"reviewer\":\"carol\",\"proposed_state\":\"APPROVED\",\"time\":\"2026-11-24T09:05:00Z\"}\n",
            "{\"event\":\"access_request.update\",\"id\":\"r1\",\"state\":\"APPROVED\",\"time\":\"2026-11-24T09:05:01Z\"}\n",
        );
        let (grants, skipped) = read(Source::Teleport, log, &Mapping::default());
        assert_eq!(skipped, 1, "r2 is still pending");
        let r1 = &grants[0];
        assert_eq!(field(r1, Id), Some(("r1", 1, 39)));
        assert_eq!(field(r1, Approver), Some(("carol", 3, 55)));
        assert_eq!(field(r1, Start), Some(("2026-11-24T09:05:01Z", 4, 70)));
        assert_eq!(field(r1, Status), Some(("active", 4, 52)));
    }

    #[test]
    fn other_events_are_skipped_and_a_broken_line_is_located() {
        let create = "{\"event\":\"access_request.create\",\"id\":\"r1\",\"user\":\"alice\",\"state\":\"APPROVED\",\"time\":\"2026-11-24T09:00:00Z\",\"max_duration\":\"2026-11-24T13:00:00Z\"}\n";
        // A session event naming the same id is no review of the request.
        let session = "{\"event\":\"session.start\",\"id\":\"r1\",\"reviewer\":\"mallory\",\"proposed_state\":\"APPROVED\"}\n";
        let log = format!("{session}{create}{session}");
        let (grants, _) = read(Source::Teleport, &log, &Mapping::default());
        assert_eq!(grants.len(), 1);
        assert_eq!(field(&grants[0], Approver), None);
        assert_eq!(field(&grants[0], Id), Some(("r1", 2, 39)));
        // A line that is not an object, or not JSON, is an error at its own line.
        for (bad, line) in [("[1]\n", 3), ("{\"event\": \n", 3)] {
            let log = format!("{create}{session}{bad}{create}");
            let mut sink = |_: &crate::grant::Grant| {};
            let mut out = super::super::Out::new(&mut sink);
            let error = super::super::with_native(&Mapping::default(), |native| {
                super::load(&log, native, &mut out).unwrap_err()
            });
            assert_eq!(
                error.location.map(|at| at.line),
                Some(line),
                "{bad}: {error}"
            );
        }
    }
}
