//! Teleport access requests: `tctl requests ls --format=json` (a list of `access_request`
//! resources), or audit events as JSON lines (`access_request.create`, `.review`, `.update`)
//! joined by request id.

use std::collections::HashMap;

use super::record::{self, Base, Record, set_joined};
use super::{Adapter, Lifecycle, Native, Out, shape_error};
use crate::grant::{Field, Span};
use crate::load::InputError;
use crate::policy::node::{Node, Value};

pub const ADAPTER: Adapter = Adapter {
    name: "teleport",
    system: "Teleport",
    exports: "`tctl requests ls --format=json` (a list of `access_request` resources), or audit \
events as JSON lines (`access_request.create`, `access_request.review`, `access_request.update`), \
joined by request id. An approved request without any review has no named approver.",
    fields: &[
        ("metadata.name", "id", "events: `id`"),
        ("spec.user", "grantee, requested_by", "events: `user`"),
        ("spec.roles", "role", "several roles make a list"),
        (
            "spec.request_reason",
            "reason",
            "events: `reason` of the create event",
        ),
        (
            "spec.resource_ids[].cluster",
            "tenant",
            "several clusters make a list",
        ),
        (
            "spec.reviews[].author",
            "approver",
            "the first review proposing APPROVED; events: `reviewer`",
        ),
        (
            "spec.reviews[].created",
            "approved_at",
            "of that review; events: its `time`",
        ),
        (
            "spec.created",
            "requested_at",
            "events: `time` of the create event",
        ),
        (
            "spec.assume_start_time",
            "start",
            "else the approval time, else `spec.created`",
        ),
        (
            "spec.max_duration",
            "expires",
            "else `spec.access_expiry`, else `spec.expires`",
        ),
        ("spec.state", "status", "integer 0–4 or its name"),
    ],
    states: &[
        ("0 NONE, 1 PENDING", "pending (counted, not linted)"),
        (
            "2 APPROVED",
            "active, or expired once past its expiry (Teleport ends the certificates)",
        ),
        ("3 DENIED", "denied (counted, not linted)"),
        ("4 PROMOTED", "ended (promoted to an access list)"),
    ],
    gaps: &[],
    load,
};

const SHAPE: &str = "a JSON list of access_request resources (`tctl requests ls --format=json`) \
or audit events as JSON lines";

fn load(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    if text.trim_start().starts_with('[') {
        let root = record::parse(text, native.file)?;
        let Value::List(requests) = &root.value else {
            return Err(shape_error(
                native,
                Some(record::span(&root)),
                text,
                "not a list",
                SHAPE,
            ));
        };
        for request in requests {
            map_request(Record::new(request), native, out, text)?;
        }
        Ok(())
    } else {
        events(text, native, out)
    }
}

fn map_request(
    request: Record,
    native: &Native,
    out: &mut Out,
    text: &str,
) -> Result<(), InputError> {
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
    request.set(grant, Field::Id, "metadata.name");
    spec.set(grant, Field::Grantee, "user");
    spec.set(grant, Field::RequestedBy, "user");
    spec.set_list(grant, Field::Role, "roles");
    spec.set(grant, Field::Reason, "request_reason");
    spec.set(grant, Field::RequestedAt, "created");
    set_clusters(spec, grant);
    let approval = spec.records("reviews").find(|review| {
        review
            .text("proposed_state")
            .is_some_and(|(s, _)| state(s) == Some(State::Approved))
    });
    if let Some(review) = approval {
        review.set(grant, Field::Approver, "author");
        review.set(grant, Field::ApprovedAt, "created");
    }
    spec.set(grant, Field::Start, "assume_start_time");
    if let Some(review) = approval {
        review.set(grant, Field::Start, "created");
    }
    spec.set(grant, Field::Start, "created");
    spec.set(grant, Field::Expires, "max_duration");
    spec.set(grant, Field::Expires, "access_expiry");
    spec.set(grant, Field::Expires, "expires");
    let (lifecycle, at) = lifecycle(spec.text("state"), native, out, request.span());
    out.finish(lifecycle, at);
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    None,
    Pending,
    Approved,
    Denied,
    Promoted,
}

/// `spec.state` as Teleport writes it: the enum's number or its name.
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

fn lifecycle(
    state_text: Option<(&str, Span)>,
    native: &Native,
    out: &mut Out,
    record: Span,
) -> (Lifecycle, Span) {
    let Some((text, at)) = state_text else {
        out.grant.problem(
            Some(Field::Status),
            record,
            "the request has no state".into(),
            "Teleport writes spec.state as 0–4 or NONE/PENDING/APPROVED/DENIED/PROMOTED",
        );
        return (Lifecycle::Active, record);
    };
    let lifecycle = match state(text) {
        Some(State::None | State::Pending) => Lifecycle::Pending,
        Some(State::Denied) => Lifecycle::Denied,
        Some(State::Promoted) => Lifecycle::Ended,
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
fn set_clusters(record: Record, grant: &mut crate::grant::Grant) {
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

/// Audit events: every line is one JSON object; the requests are built once all are read, in
/// the order their create events appear.
fn events(text: &str, native: &Native, out: &mut Out) -> Result<(), InputError> {
    let mut lines: Vec<Event> = Vec::new();
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        if line.trim().is_empty() {
            continue;
        }
        let node = record::parse(line, native.file).map_err(|mut e| {
            // Errors name the place in the whole file, not in the line.
            if let Some(at) = e.location {
                let at = Span {
                    line: index as u32 + 1,
                    offset: start + at.offset,
                    ..at
                };
                e = InputError::new(native.file, e.message)
                    .help("each line of an audit log is one JSON object");
                let text: std::sync::Arc<str> = std::sync::Arc::from(text);
                e = e.at(at, Some(&text));
            }
            e
        })?;
        let event = Event {
            line: node,
            base: Base {
                lines: index as u32,
                offset: start,
            },
        };
        if !matches!(event.line.value, Value::Map(_)) {
            return Err(shape_error(
                native,
                Some(event.record().span()),
                text,
                "this line is not a JSON object",
                SHAPE,
            ));
        }
        lines.push(event);
    }
    // Events of one request, by its id, in file order.
    let mut by_request: HashMap<&str, Vec<Record>> = HashMap::new();
    for record in lines.iter().map(Event::record) {
        if let Some((id, _)) = record.text("id") {
            by_request.entry(id).or_default().push(record);
        }
    }
    for create in lines.iter().map(Event::record) {
        if create.text("event").map(|(e, _)| e) != Some("access_request.create") {
            continue;
        }
        let related = create
            .text("id")
            .and_then(|(id, _)| by_request.get(id))
            .map_or(&[][..], Vec::as_slice);
        map_events(create, related, native, out);
    }
    if out.grants + out.skipped == 0
        && let Some(first) = lines.first()
    {
        return Err(shape_error(
            native,
            Some(first.record().span()),
            text,
            "no `access_request.create` event in this file",
            SHAPE,
        ));
    }
    Ok(())
}

fn map_events(create: Record, related: &[Record], native: &Native, out: &mut Out) {
    let grant = out.start(create.span());
    create.set(grant, Field::Id, "id");
    create.set(grant, Field::Grantee, "user");
    create.set(grant, Field::RequestedBy, "user");
    create.set_list(grant, Field::Role, "roles");
    create.set(grant, Field::Reason, "reason");
    create.set(grant, Field::RequestedAt, "time");
    set_clusters(create, grant);
    let kind = |r: &Record, name: &str| r.text("event").is_some_and(|(e, _)| e == name);
    let approving = related.iter().find(|r| {
        kind(r, "access_request.review")
            && r.text("proposed_state")
                .is_some_and(|(s, _)| state(s) == Some(State::Approved))
    });
    if let Some(review) = approving {
        review.set(grant, Field::Approver, "reviewer");
        review.set(grant, Field::ApprovedAt, "time");
    }
    create.set(grant, Field::Start, "assume_start_time");
    // The last update carries the request's final state; without one, the create event's.
    let update = related
        .iter()
        .rev()
        .find(|r| kind(r, "access_request.update"));
    if let Some(update) = update
        && update
            .text("state")
            .is_some_and(|(s, _)| state(s) == Some(State::Approved))
    {
        update.set(grant, Field::Start, "time");
    }
    create.set(grant, Field::Start, "time");
    create.set(grant, Field::Expires, "max_duration");
    create.set(grant, Field::Expires, "expires");
    let state_text = update
        .and_then(|u| u.text("state"))
        .or_else(|| create.text("state"));
    let (lifecycle, at) = lifecycle(state_text, native, out, create.span());
    out.finish(lifecycle, at);
}

#[cfg(test)]
mod tests {
    use super::super::{Source, field, read};
    use crate::grant::Field::*;
    use crate::policy::mapping::Mapping;

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
}
