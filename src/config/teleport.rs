//! Teleport role resources (`kind: role`, v5 to v8) as `tctl get roles` writes them (YAML
//! documents after `---`, or `--format=json`) and as teams keep them in a repository. A role
//! that may request other roles (`spec.allow.request.roles`) is a requester role: what its
//! requests may be is read from `spec.allow.request` and `spec.options`.

use chrono::TimeDelta;

use super::{Docs, Object, Probe, Resource, Shape, error_at, key_span, not_expected};
use crate::core::node::{Node, Value};
use crate::core::span::Span;
use crate::core::time::{format_duration, parse_duration};
use crate::grant::Field;
use crate::load::InputError;
use crate::load::adapters::record::Record;
use crate::load::limits::{MAX_PATTERN_SIZE, MAX_POLICY_PATTERNS, bounded_regex, format_size};

pub const DOCS: Docs = Docs {
    system: "Teleport roles",
    reads: "Role resources (`kind: role`, versions v5 to v8) as `tctl get roles` writes them \
(YAML documents after `---`, or `--format=json`) or as kept in a repository; documents of other \
kinds are counted, not linted. A role that may request roles (`spec.allow.request.roles`) is \
judged for the requests it lets its users make; a role that may review requests \
(`spec.allow.review_requests.roles`) is judged as their approver. Overrides match a grant's role (the requestable \
roles, joined by \", \", as in a request for all of them) and environment (the role's \
`metadata.labels.env`, else `environment`). Sources: goteleport.com/docs reference for the role \
resource (TeleportRoleV7/V8: spec.allow.request, spec.allow.review_requests, spec.allow.rules, \
spec.options), docs/pages/admin-guides/access-controls/access-requests/access-request-configuration.mdx \
(thresholds, suggested reviewers, review_requests and `where`, request annotations), \
gravitational/teleport lib/services/access_request.go, lib/auth/auth_with_roles.go and \
api/defaults (MaxCertDuration: 30h).",
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
            "spec.allow.request.annotations",
            "approver-named",
            "`pagerduty_services` or `teleport.dev/schedules`: an on-call plugin approves by itself, as `@teleport-access-approval-bot` (the rule's `bots`)",
        ),
        (
            "spec.allow.request.suggested_reviewers[]",
            "approver-named",
            "a suggested reviewer the rule does not accept as a person (a team alias such as `oncall@…`)",
        ),
        (
            "spec.allow.request.roles[]",
            "approver-named",
            "the file has reviewer roles but none whose `review_requests.roles` matches the role (a literal, `*` glob or `^…$` regex, as Teleport matches): only an administrator's `tctl request approve` can approve. Role files only: a Terraform `teleport_role` is judged alone, so this is not judged there",
        ),
        (
            "spec.allow.review_requests.roles[]",
            "approver-named",
            "the reviewing role, judged as the approver `role:NAME` of requests for that role, is one the rule does not accept: a role name passes unless the rule's `patterns` match it (e.g. a `-team` role); an unconditional `deny.review_requests.roles` removes a role",
        ),
        (
            "spec.allow.rules[] (access_request, update)",
            "self-approval",
            "a requester role may update access requests (a rule with no `where`, not denied by the role without a `where`): its holders can approve their own with `tctl request approve`",
        ),
        (
            "(none)",
            "ticket-linked",
            "always, while the rule is on, for a requester role: a role cannot require a ticket",
        ),
    ],
    cannot: &[
        "self-approval through reviews: Teleport never lets a user review their own request \
(lib/services/access_request.go `CanReviewRequest`: \"user cannot review their own request\"), \
so a role that may both request and review a role is not a finding",
        "`thresholds[].approve: 0` lets nothing through: Teleport counts a threshold's approvals \
only when `approve` is not 0 (`calculateReviewBasedResolution`), and an empty list means one \
approval; how many approvals is approvals-min's to judge on the requests",
        "who reviews when the file holds no reviewer role (a file of requester roles alone) or \
some role grants reviews by traits (`claims_to_roles`), whether a requester's pattern \
(`prod-*`) has reviewers, `where` clauses of allowed reviews, and a user's other roles",
        "expiry-required: every access request expires (at `max_duration` or the session TTL)",
        "how good a reason will be: only that one is required; check the requests with `--source teleport`",
        "access monitoring rules that approve automatically are separate resources, not read here",
    ],
};

/// The longest a Teleport certificate lives (api/defaults `MaxCertDuration`), and so a role's
/// session when `max_session_ttl` is not set.
const DEFAULT_SESSION: TimeDelta = TimeDelta::hours(30);

/// The roles of every document; documents of other kinds are counted.
pub fn read(roots: &[Node], text: &str, file: &str) -> Result<(Vec<Object>, usize), InputError> {
    let (mut roles, mut skipped) = (Vec::new(), 0);
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
                Some((kind, _)) if kind.eq_ignore_ascii_case("role") => roles.push(record),
                _ => skipped += 1,
            }
        }
    }
    // Each role's review matchers, compiled once for the whole file.
    let mut regexes = 0;
    let mut reviews = Vec::with_capacity(roles.len());
    for role in &roles {
        reviews.push(review_patterns(*role, &mut regexes, text, file)?);
    }
    let reviewers = Reviewers::of(&roles, &reviews);
    let mut objects = Vec::with_capacity(roles.len());
    for (record, reviewed) in roles.iter().zip(&reviews) {
        objects.push(role(*record, reviewed, &reviewers, text, file)?);
    }
    Ok((objects, skipped))
}

/// Who may review requests for which roles, from every role of the file that has
/// `spec.allow.review_requests`.
struct Reviewers<'r, 'a> {
    /// Each role's reviewable roles, as [`review_patterns`] made them.
    reviews: &'r [Vec<Reviewed<'a>>],
    /// Some role grants reviews by the user's traits (`claims_to_roles`): which roles those
    /// are is not in the file.
    by_traits: bool,
}

impl<'r, 'a> Reviewers<'r, 'a> {
    fn of(roles: &[Record<'a>], reviews: &'r [Vec<Reviewed<'a>>]) -> Reviewers<'r, 'a> {
        let by_traits = roles.iter().any(|role| {
            !role
                .list("spec.allow.review_requests.claims_to_roles")
                .is_empty()
        });
        Reviewers { reviews, by_traits }
    }

    /// Whether the file says who reviews at all: a file of requester roles alone cannot.
    fn known(&self) -> bool {
        self.reviews.iter().any(|r| !r.is_empty()) || self.by_traits
    }

    /// Whether some role of the file may review requests for `requested`. A requester's own
    /// pattern (`prod-*`, `^db-.*$`) stands for roles this cannot list, so it counts as reviewed.
    fn any_for(&self, requested: &str) -> bool {
        self.by_traits
            || requested.contains('*')
            || requested.starts_with('^')
            || self
                .reviews
                .iter()
                .flatten()
                .any(|r| r.matcher.matches(requested))
    }
}

/// A role matcher as Teleport reads one (lib/utils/parse: `NewMatcher`): a literal name, a
/// glob with `*`, or a regular expression between `^` and `$`.
enum Matcher<'a> {
    Literal(&'a str),
    Glob(&'a str),
    Regex(regex::Regex),
}

impl<'a> Matcher<'a> {
    /// The matcher of `pattern`, a regex compiled within the policy's limits; why not when
    /// it does not compile (Teleport refuses such a role).
    fn new(pattern: &'a str) -> Result<Matcher<'a>, String> {
        if Matcher::is_regex(pattern) {
            // Case-sensitive, as Teleport matches role names.
            bounded_regex(pattern, false)
                .map(Matcher::Regex)
                .map_err(|e| match e {
                    regex::Error::CompiledTooBig(_) => format!(
                        "compiles to more than {}, the limit for one pattern",
                        format_size(MAX_PATTERN_SIZE as u64)
                    ),
                    e => format!("is not a regular expression: {e}"),
                })
        } else if pattern.contains('*') {
            Ok(Matcher::Glob(pattern))
        } else {
            Ok(Matcher::Literal(pattern))
        }
    }

    fn is_regex(pattern: &str) -> bool {
        pattern.starts_with('^') && pattern.ends_with('$')
    }

    /// Whether a request for `requested` (itself a name, or a pattern a requester may use)
    /// can be reviewed under this matcher.
    fn matches(&self, requested: &str) -> bool {
        match self {
            Matcher::Literal(name) => *name == requested,
            Matcher::Glob(glob) => *glob == requested || glob_matches(glob, requested),
            Matcher::Regex(regex) => regex.is_match(requested),
        }
    }
}

/// `*` stands for any run of characters; everything else is itself.
fn glob_matches(glob: &str, text: &str) -> bool {
    let parts: Vec<&str> = glob.split('*').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    if parts.len() == 1 {
        return glob == text;
    }
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// A role a role may review requests for: its pattern, place and matcher.
struct Reviewed<'a> {
    pattern: &'a str,
    at: Span,
    matcher: Matcher<'a>,
}

/// The roles a role may review requests for: `allow.review_requests.roles` less the ones the
/// same role denies unconditionally (a deny with a `where` applies only sometimes, so it
/// removes nothing). Each pattern is compiled once; `regexes` counts the file's regular
/// expressions, at most [`MAX_POLICY_PATTERNS`]; one that does not compile, or past the
/// limit, is an error at its place.
fn review_patterns<'a>(
    role: Record<'a>,
    regexes: &mut usize,
    text: &str,
    file: &str,
) -> Result<Vec<Reviewed<'a>>, InputError> {
    let mut compile = |pattern: &'a str, at: Span| -> Result<Matcher<'a>, InputError> {
        if Matcher::is_regex(pattern) {
            *regexes += 1;
            if *regexes > MAX_POLICY_PATTERNS {
                let message = format!(
                    "a file's roles may hold at most {MAX_POLICY_PATTERNS} regular expressions \
in `review_requests.roles`; this is the first past the limit"
                );
                let help = "name the roles, or use `*` globs, or lint the roles in parts";
                return Err(error_at(file, text, at, message, help));
            }
        }
        Matcher::new(pattern).map_err(|why| {
            let message = format!("`{pattern}` {why}");
            let help = "fix the pattern: Teleport refuses a role whose regex does not compile";
            error_at(file, text, at, message, help)
        })
    };
    let mut denied = Vec::new();
    if role.text("spec.deny.review_requests.where").is_none() {
        for (pattern, at) in scalars(role, "spec.deny.review_requests.roles") {
            denied.push((pattern, compile(pattern, at)?));
        }
    }
    let mut reviewed = Vec::new();
    for (pattern, at) in scalars(role, "spec.allow.review_requests.roles") {
        let matcher = compile(pattern, at)?;
        if !denied.iter().any(|(d, m)| *d == "*" || m.matches(pattern)) {
            reviewed.push(Reviewed {
                pattern,
                at,
                matcher,
            });
        }
    }
    Ok(reviewed)
}

/// The scalar items of a list, with their places.
fn scalars<'a>(role: Record<'a>, path: &str) -> Vec<(&'a str, Span)> {
    role.list(path)
        .iter()
        .filter_map(|n| n.value.as_scalar().map(|r| (r, role.span_of(n))))
        .collect()
}

fn role_name(role: Record) -> String {
    match role.text("metadata.name") {
        Some((name, _)) => name.to_string(),
        None => format!("role at line {}", role.span().line),
    }
}

const WINDOW_HELP: &str = "set `spec.allow.request.max_duration` to the policy's maximum or less";
const REASON_HELP: &str = "require a reason: `spec.options.request_access: reason` (or \
`spec.allow.request.reason.mode: required`)";
const REVIEWER_HELP: &str = "let a role whose name the policy accepts as an approver review these \
requests, or accept such roles in approver-named's settings";
const AUTO_HELP: &str = "remove the annotation so that a person reviews each request, or waive \
approver-named for these roles with an override";
const SUGGESTED_HELP: &str = "suggest the people who review, by their user names";
const NO_REVIEWER_HELP: &str = "give a reviewer role `spec.allow.review_requests.roles` naming this \
role";
const SELF_HELP: &str = "remove the `update` verb on `access_request` from the requester role; let \
reviewers approve with `tsh request review`";

/// Request annotations that make a plugin approve by itself: PagerDuty's, and Opsgenie's and
/// ServiceNow's on-call schedules.
const AUTO_APPROVING: &[&str] = &["pagerduty_services", "teleport.dev/schedules"];

/// The user Teleport's automatic reviews and hosted plugins approve as (constants.go,
/// `SystemAccessApproverUserName`): approver-named's default `bots`.
const ACCESS_APPROVAL_BOT: &str = "@teleport-access-approval-bot";

/// Who requests and approves in a self-approval probe: one and the same holder of the role.
const REQUESTER: &str = "the requester";
const TICKET_HELP: &str = "ask for the ticket in the request reason and check the requests with \
`grantlint check --source teleport`, or turn ticket-linked off for these roles with an override";

/// A role judged on its own, as Terraform's `teleport_role` resources are: with no reviewer
/// roles beside it, "no one reviews" is not judged (as for a file of requester roles alone).
/// `regexes` counts the regular expressions of the file's roles so far.
pub(super) fn role_alone(
    resource: Resource,
    text: &str,
    file: &str,
    regexes: &mut usize,
) -> Result<Object, InputError> {
    written_out(resource, text, file)?;
    let record = resource.record;
    let reviewed = review_patterns(record, regexes, text, file)?;
    let mut object = role(record, &reviewed, &Reviewers::of(&[], &[]), text, file)?;
    if let Some((what, at)) = resource.unwritten(&ENVIRONMENT) {
        object.unwritten.push((Field::Environment, what, at));
    }
    Ok(object)
}

/// Where a role's environment is read, the first found: what `environment` overrides match.
const ENVIRONMENT: [&str; 2] = ["metadata.labels.env", "metadata.labels.environment"];

/// The parts of a role its checks read, and what each is.
const READS: [(&str, Shape); 20] = [
    ("spec", Shape::Map),
    ("spec.options", Shape::Map),
    ("spec.options.max_session_ttl", Shape::Value),
    ("spec.options.request_access", Shape::Value),
    ("spec.allow", Shape::Map),
    ("spec.allow.request", Shape::Map),
    ("spec.allow.request.roles", Shape::List),
    ("spec.allow.request.max_duration", Shape::Value),
    ("spec.allow.request.reason", Shape::Map),
    ("spec.allow.request.reason.mode", Shape::Value),
    ("spec.allow.request.suggested_reviewers", Shape::List),
    ("spec.allow.request.annotations", Shape::Map),
    ("spec.allow.rules", Shape::List),
    ("spec.allow.review_requests", Shape::Map),
    ("spec.allow.review_requests.roles", Shape::List),
    ("spec.deny", Shape::Map),
    ("spec.deny.rules", Shape::List),
    ("spec.deny.review_requests", Shape::Map),
    ("spec.deny.review_requests.roles", Shape::List),
    ("spec.deny.review_requests.where", Shape::Value),
];

/// What the checks read of each rule of `spec.allow.rules` and `spec.deny.rules`.
const RULE_READS: [(&str, Shape); 3] = [
    ("resources", Shape::List),
    ("verbs", Shape::List),
    ("where", Shape::Value),
];

/// Terraform writes every part of a role its checks read: in a plan a value known only after
/// apply is an error before this; in `.tf` source a variable, a local or a function call
/// stands where a map, a list, an item or a value is read (`roles = var.requestable`, `spec =
/// local.spec`, `roles = ["db", var.extra]`): what it holds is known only in a plan, so the
/// role cannot be judged, and must neither pass as one that requests nothing nor be judged
/// by the expression's text.
fn written_out(role: Resource, text: &str, file: &str) -> Result<(), InputError> {
    for (path, shape) in READS {
        if let Some(node) = role.record.get(path) {
            role.written_out(node, shape, path, text, file)?;
        }
    }
    for list in ["spec.allow.rules", "spec.deny.rules"] {
        for rule in role.record.records(list) {
            for (key, shape) in RULE_READS {
                if let Some(node) = rule.get(key) {
                    role.written_out(node, shape, &format!("{list}[].{key}"), text, file)?;
                }
            }
        }
    }
    Ok(())
}

fn role(
    role: Record,
    reviewed: &[Reviewed],
    reviewers: &Reviewers,
    text: &str,
    file: &str,
) -> Result<Object, InputError> {
    let name = role_name(role);
    let mut object = Object {
        noun: "role",
        short: name.clone(),
        name,
        span: role.span(),
        fields: Vec::new(),
        unwritten: Vec::new(),
        probes: Vec::new(),
    };
    let requestable = scalars(role, "spec.allow.request.roles");
    if let Some((_, at)) = requestable.first() {
        let joined: Vec<&str> = requestable.iter().map(|(r, _)| *r).collect();
        object.fields.push((Field::Role, joined.join(", "), *at));
    }
    let environment = ENVIRONMENT.iter().find_map(|path| role.text(path));
    if let Some((environment, at)) = environment {
        object
            .fields
            .push((Field::Environment, environment.to_string(), at));
    }
    // Whoever holds this role approves the requests it may review, named `role:NAME`: unlike
    // `group:NAME`, a role name passes approver-named unless the rule's `patterns` match it
    // (a deliberate choice: a role is as named as the people who hold it).
    let name = object.short.clone();
    review(reviewed, &name, &mut object);
    // A role that requests nothing lets no request through.
    if requestable.is_empty() {
        return Ok(object);
    }
    window(role, text, file, &mut object)?;
    reason(role, &requestable, &mut object);
    approvals(role, &requestable, reviewers, &mut object);
    object.probes.push(Probe::without(
        "ticket-linked",
        key_span(role, "spec.allow.request").unwrap_or(object.span),
        "cannot require a ticket (a role has no such setting)".into(),
        TICKET_HELP,
    ));
    Ok(object)
}

/// `allow.review_requests.roles`: the role's holders approve requests for these roles, so
/// the role is the approver of such a grant, named `role:NAME` as a group is `group:NAME`.
fn review(reviewed: &[Reviewed], name: &str, object: &mut Object) {
    let approver = format!("role:{name}");
    for &Reviewed { pattern, at, .. } in reviewed {
        let allows = format!("lets its holders (`{approver}`) approve requests for `{pattern}`");
        let probe = Probe::without("approver-named", at, allows, REVIEWER_HELP);
        object.probes.push(
            probe
                .with(Field::Role, pattern)
                .with(Field::Approver, &approver),
        );
    }
}

/// Who approves a requester role's requests: plugins that approve by themselves, suggested
/// reviewers, roles that may review, and the requester themself through `access_request`
/// write rules.
fn approvals(
    role: Record,
    requestable: &[(&str, Span)],
    reviewers: &Reviewers,
    object: &mut Object,
) {
    // Annotations that make an on-call plugin approve by itself (Teleport's docs, "Plugins
    // that support request annotations"): no person decides.
    if let Some(annotations) = role.get("spec.allow.request.annotations")
        && let Value::Map(entries) = &annotations.value
    {
        for (key, _) in entries {
            let Some(name) = key.value.as_scalar() else {
                continue;
            };
            if AUTO_APPROVING.contains(&name) {
                let allows =
                    format!("lets an on-call plugin approve its requests by itself (`{name}`)");
                let probe = Probe::without("approver-named", role.span_of(key), allows, AUTO_HELP);
                object
                    .probes
                    .push(probe.with(Field::Approver, ACCESS_APPROVAL_BOT));
            }
        }
    }
    for (reviewer, at) in scalars(role, "spec.allow.request.suggested_reviewers") {
        let allows = format!("suggests `{reviewer}` as the reviewer of its requests");
        let probe = Probe::without("approver-named", at, allows, SUGGESTED_HELP);
        object.probes.push(probe.with(Field::Approver, reviewer));
    }
    if reviewers.known() {
        for (requested, at) in requestable {
            if reviewers.any_for(requested) {
                continue;
            }
            let allows = format!(
                "lets `{requested}` be requested while no role of this file may review such \
requests: only an administrator's `tctl request approve` can approve them"
            );
            let probe = Probe::without("approver-named", *at, allows, NO_REVIEWER_HELP);
            object.probes.push(probe.with(Field::Role, requested));
        }
    }
    if let Some(at) = self_approving(role) {
        let allows = "lets its holders approve their own requests (`access_request` \
`update` in `spec.allow.rules`: `tctl request approve` checks no more)"
            .to_string();
        let probe = Probe::without("self-approval", at, allows, SELF_HELP);
        object.probes.push(
            probe
                .with(Field::Grantee, REQUESTER)
                .with(Field::Approver, REQUESTER),
        );
    }
}

/// The place of the `update` verb of an `allow.rules` entry over `access_request`: setting a
/// request's state is checked against that verb alone (lib/auth/auth_with_roles.go,
/// `SetAccessRequestState`), unlike a review, which is never the requester's own. A rule with a
/// `where` condition, or the same role denying the verb unconditionally, may not let it
/// through: no finding.
fn self_approving(role: Record) -> Option<Span> {
    let update = |rule: Record| {
        let any = |path: &str, word: &str| {
            scalars(rule, path)
                .into_iter()
                .find(|(v, _)| *v == word || *v == "*")
                .map(|(_, at)| at)
        };
        any("resources", "access_request")?;
        any("verbs", "update")
    };
    // A deny with a `where` applies only sometimes, so it takes nothing away (as in
    // `review_patterns`).
    if role
        .records("spec.deny.rules")
        .filter(|rule| rule.get("where").is_none())
        .any(|rule| update(rule).is_some())
    {
        return None;
    }
    role.records("spec.allow.rules")
        .filter(|rule| rule.text("where").is_none())
        .find_map(update)
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

    /// (rule, line) of every probe of every role in `text`.
    fn probes(text: &str) -> Vec<Vec<(&'static str, u32)>> {
        let roots = crate::core::node::parse_documents(text).unwrap();
        let (objects, _) = read(&roots, text, "t").unwrap();
        objects
            .iter()
            .map(|o| o.probes.iter().map(|p| (p.rule, p.at.line)).collect())
            .collect()
    }

    #[test]
    fn a_role_no_one_reviews_is_judged_only_when_the_file_can_say_so() {
        let requester = "kind: role\nmetadata:\n  name: q\nspec:\n  options:\n    request_access: reason\n  allow:\n    request:\n      roles: [db, 'prod-*']\n      max_duration: 1h\n";
        let approvers = |probes: &[(&str, u32)]| -> Vec<u32> {
            probes
                .iter()
                .filter(|p| p.0 == "approver-named")
                .map(|p| p.1)
                .collect()
        };
        // Alone: who reviews is not in the file.
        assert_eq!(approvers(&probes(requester)[0]), Vec::<u32>::new());
        // A reviewer of other roles: `db` has none; `prod-*` is a pattern, not judged.
        let other = format!(
            "{requester}---\nkind: role\nmetadata:\n  name: r\nspec:\n  allow:\n    review_requests:\n      roles: [web]\n"
        );
        assert_eq!(approvers(&probes(&other)[0]), [9]);
        // Reviews granted by traits may cover `db`.
        let traits = format!(
            "{other}---\nkind: role\nmetadata:\n  name: t\nspec:\n  allow:\n    review_requests:\n      claims_to_roles:\n        - {{claim: groups, value: dba, roles: [db]}}\n"
        );
        assert_eq!(approvers(&probes(&traits)[0]), Vec::<u32>::new());
    }

    #[test]
    fn updating_requests_is_self_approval_unless_a_condition_or_a_deny_says_otherwise() {
        let role = |rules: &str| {
            let text = format!(
                "kind: role\nmetadata:\n  name: q\nspec:\n  options:\n    request_access: reason\n  allow:\n    request:\n      roles: [db]\n      max_duration: 1h\n{rules}"
            );
            probes(&text)[0]
                .iter()
                .filter(|p| p.0 == "self-approval")
                .map(|p| p.1)
                .collect::<Vec<u32>>()
        };
        let allow = "    rules:\n      - resources: ['*']\n        verbs: ['*']\n";
        assert_eq!(role(allow), [13]);
        let read_only =
            "    rules:\n      - resources: [access_request]\n        verbs: [list, read]\n";
        assert_eq!(role(read_only), Vec::<u32>::new());
        let with_where = format!("{allow}        where: 'contains(user.spec.roles, \"x\")'\n");
        assert_eq!(role(&with_where), Vec::<u32>::new());
        let denied = format!(
            "{allow}  deny:\n    rules:\n      - resources: [access_request]\n        verbs: [update]\n"
        );
        assert_eq!(role(&denied), Vec::<u32>::new());
        let denied_sometimes =
            format!("{denied}        where: 'equals(user.metadata.name, \"x\")'\n");
        assert_eq!(role(&denied_sometimes), [13]);
    }

    #[test]
    fn reviewers_match_as_teleport_matches_roles() {
        assert!(glob_matches("prod-*", "prod-admin"));
        assert!(glob_matches("*-db-*", "prod-db-reader"));
        assert!(!glob_matches("prod-*", "staging-admin"));
        assert!(!glob_matches("a*b", "ab-c"));
        let matches = |p: &str, r: &str| Matcher::new(p).unwrap().matches(r);
        assert!(matches("^db-(reader|writer)$", "db-reader"));
        assert!(!matches("^db-(reader|writer)$", "db-admin"));
        assert!(matches("editor", "editor"));
        assert!(!matches("editor", "editors"));
    }

    /// The error reading `text` stops with: (line, message).
    fn read_error(text: &str) -> (u32, String) {
        let roots = crate::core::node::parse_documents(text).unwrap();
        match read(&roots, text, "t") {
            Ok(_) => panic!("read: {text}"),
            Err(e) => (e.location.map_or(0, |at| at.line), e.message),
        }
    }

    #[test]
    fn a_review_regex_that_does_not_compile_is_an_error_at_its_place() {
        let head = "kind: role\nmetadata:\n  name: r\nspec:\n  allow:\n    review_requests:\n";
        for (rest, line) in [
            ("      roles: [editor, '^db-($']\n", 7),
            (
                "      roles: [editor]\n  deny:\n    review_requests:\n      roles: ['^db-($']\n",
                10,
            ),
        ] {
            let (at, message) = read_error(&format!("{head}{rest}"));
            assert_eq!(at, line, "{rest}");
            assert!(message.contains("not a regular expression"), "{message}");
        }
    }

    #[test]
    fn a_file_may_hold_so_many_review_regexes_and_no_more() {
        let role = |i: usize| {
            format!(
                "kind: role\nmetadata:\n  name: r{i}\nspec:\n  allow:\n    review_requests:\n      roles: ['^db-{i}-.*$']\n"
            )
        };
        let most: Vec<String> = (0..MAX_POLICY_PATTERNS).map(role).collect();
        let text = most.join("---\n");
        let roots = crate::core::node::parse_documents(&text).unwrap();
        assert!(read(&roots, &text, "t").is_ok());
        let text = format!("{text}---\n{}", role(MAX_POLICY_PATTERNS));
        let (line, message) = read_error(&text);
        assert_eq!(
            line,
            7 * (MAX_POLICY_PATTERNS as u32 + 1) + MAX_POLICY_PATTERNS as u32
        );
        assert!(message.contains("first past the limit"), "{message}");
    }

    #[test]
    fn an_unconditional_deny_removes_a_reviewable_role_and_a_conditional_one_does_not() {
        let review = |deny: &str| {
            let text = format!(
                "kind: role\nmetadata:\n  name: r\nspec:\n  allow:\n    review_requests:\n      roles: [editor, prod-admin]\n  deny:\n    review_requests:\n{deny}"
            );
            let roots = crate::core::node::parse_documents(&text).unwrap();
            let (objects, _) = read(&roots, &text, "t").unwrap();
            let roles: Vec<String> = objects[0]
                .probes
                .iter()
                .map(|p| p.grant[0].1.clone())
                .collect();
            roles
        };
        assert_eq!(review("      roles: ['prod-*']\n"), ["editor"]);
        assert_eq!(
            review("      roles: ['prod-*']\n      where: 'request.reason == \"\"'\n"),
            ["editor", "prod-admin"]
        );
    }
}
