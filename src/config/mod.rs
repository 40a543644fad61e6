//! Access-system configuration (issue 21): Google Cloud PAM entitlements, Teleport roles.
//! Each configuration object (an entitlement, a role) is read into an [`Object`]: the fields a
//! grant it lets through would carry (role, environment, tenant: what overrides match on) and
//! [`Probe`]s, each the loosest grant one of its settings lets through, located at that
//! setting. The probe goes through the policy's own rule for it, chosen by the same overrides
//! a grant would meet, so a finding is one the grant would get, under the same rule id. No
//! threshold is read or copied here: the rules judge, this module only says what the
//! configuration allows.

pub mod aws_team;
pub mod entra_pim;
pub mod gcp_pam;
mod hcl;
pub mod teleport;
pub mod terraform;

use std::borrow::Cow;

use chrono::{DateTime, TimeDelta, Utc};

use crate::core::node::{Node, Value};
use crate::core::span::Span;
use crate::finding::Finding;
use crate::grant::{Field, Grant};
use crate::load::adapters::Source;
use crate::load::adapters::record::Record;
use crate::load::{Format, Input, InputError, ReadOptions};
use crate::policy::Policy;
use crate::policy::overrides::RuleSets;
use crate::rules::Context;

/// One configuration object and what it lets through.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    /// What the system calls it: `entitlement`, `role`.
    pub noun: &'static str,
    /// Its full name: the finding's grant id in every report.
    pub name: String,
    /// The name messages use (an entitlement's id, not its whole resource path).
    pub short: String,
    /// The object itself: findings about a setting it lacks point here.
    pub span: Span,
    /// What a grant it lets through carries: role, environment, tenant.
    pub fields: Vec<(Field, String, Span)>,
    /// The fields `.tf` source writes from an expression (or under one), known only in a plan:
    /// the field, what is written ("`metadata.labels.env` is `var.env`") and where. Its text
    /// stands in `fields` as before; [`check`] refuses the object when an override matches on
    /// the field, as the override could not be told to apply.
    pub unwritten: Vec<(Field, String, Span)>,
    pub probes: Vec<Probe>,
}

/// The loosest grant one setting lets through, to be judged by one rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    pub rule: &'static str,
    /// The offending key, or the object when the setting is missing.
    pub at: Span,
    /// What the configuration allows, in words: "does not require a justification".
    pub allows: String,
    pub help: Cow<'static, str>,
    /// The grant's fields beyond the object's own, all at `at`.
    pub grant: Vec<(Field, String)>,
}

/// A start for probes that need one: any fixed time will do, as only lengths are judged.
pub(crate) const START: &str = "2026-01-01T00:00:00Z";

impl Probe {
    /// A grant with none of the fields `rule` looks for: no reason, no approver, no ticket.
    pub fn without(
        rule: &'static str,
        at: Span,
        allows: String,
        help: impl Into<Cow<'static, str>>,
    ) -> Probe {
        Probe {
            rule,
            at,
            allows,
            help: help.into(),
            grant: Vec::new(),
        }
    }

    /// A grant with these fields.
    pub fn with(mut self, field: Field, text: &str) -> Probe {
        self.grant.push((field, text.to_string()));
        self
    }

    /// A grant that lasts `length`: window-max judges it.
    pub fn lasting(at: Span, length: TimeDelta, allows: String, help: &'static str) -> Probe {
        let start: DateTime<Utc> = START.parse().unwrap_or_default();
        let expires = start.checked_add_signed(length).unwrap_or(start);
        let expires = crate::load::adapters::time_text(expires);
        Probe::without("window-max", at, allows, help)
            .with(Field::Start, START)
            .with(Field::Expires, &expires)
    }
}

impl Object {
    /// Fills `grant` with a probe's fields at `at`, then what every grant this object lets
    /// through carries (a probe's own role wins: the first value of a field is kept).
    fn fill(&self, grant: &mut Grant, probe: &[(Field, String)], at: Span) {
        grant.clear(self.span);
        for (field, text) in probe {
            grant.set(*field, text, at, false);
        }
        grant.set(Field::Id, &self.name, self.span, false);
        for (field, text, at) in &self.fields {
            grant.set(*field, text, *at, false);
        }
        grant.finish();
    }
}

/// What one configuration file held, for the checker.
pub struct Checked<R> {
    pub objects: usize,
    /// Documents of other kinds in the file (a `tctl get all` dump's users): counted, not linted.
    pub skipped: usize,
    pub findings: Vec<Finding>,
    /// What the caller's hook kept of each object, as of a grant named after it.
    pub records: Vec<R>,
}

/// The configuration kind of `input`: named by `--source`, else recognised by its shape. `None`
/// for everything else, which is read as grants as before.
pub fn kind(input: &Input, options: &ReadOptions) -> Option<Source> {
    match options.source {
        Some(source) if source.is_config() => Some(source),
        Some(_) => None,
        // No configuration is CSV: a CSV's head is not read twice.
        None if input.format == Format::Csv => None,
        None => {
            let head = crate::load::adapters::detect::head(input).ok()?;
            detect(&head, input.format)
        }
    }
}

/// Recognises configuration by the start of the file. Grants exports never carry these keys:
/// PAM grants have `requestedDuration`, not `maxRequestDuration`; Teleport requests are
/// `kind: access_request`.
pub fn detect(head: &str, format: Format) -> Option<Source> {
    let head = head.trim_start_matches('\u{feff}');
    match format {
        Format::Csv => None,
        Format::Json if json_key(head, "maxRequestDuration") => Some(Source::GcpPamEntitlement),
        // `terraform show -json` of a plan with PAM entitlements or PIM policies.
        Format::Json if plan_kind(head).is_some() => plan_kind(head),
        Format::Json if json_value(head, "kind", "role") => Some(Source::TeleportRole),
        // Graph's policies, their rules' types and the assignments' context all say so.
        Format::Json if json_key(head, "rules") && head.contains("oleManagementPolic") => {
            Some(Source::EntraPimPolicy)
        }
        // TEAM's policy records; its requests (grants) carry `accountId` and `email` instead.
        Format::Json
            if json_key(head, "approvalRequired")
                || json_key(head, "groupIds")
                || json_key(head, "listEligibilities")
                || (json_key(head, "comments") && json_key(head, "ticketNo")) =>
        {
            Some(Source::AwsTeamPolicy)
        }
        Format::Json => None,
        Format::Yaml if yaml_top(head, "maxRequestDuration", None) => {
            Some(Source::GcpPamEntitlement)
        }
        Format::Yaml if yaml_top(head, "kind", Some("role")) => Some(Source::TeleportRole),
        Format::Yaml => None,
    }
}

/// The kind of the first resource type grantlint reads in a Terraform plan's text.
fn plan_kind(head: &str) -> Option<Source> {
    if !json_key(head, "terraform_version") {
        return None;
    }
    let kind = terraform::TYPES.iter().find(|t| head.contains(**t))?;
    Some(terraform::kind_of(kind))
}

/// `"key":` somewhere in JSON text.
fn json_key(head: &str, key: &str) -> bool {
    !json_after(head, key).is_empty()
}

/// `"key": "value"` somewhere in JSON text.
fn json_value(head: &str, key: &str, value: &str) -> bool {
    json_after(head, key).into_iter().any(|rest| {
        rest.strip_prefix('"')
            .and_then(|r| r.strip_prefix(value))
            .is_some_and(|r| r.starts_with('"'))
    })
}

/// What follows each `"key":` in JSON text, blanks skipped.
fn json_after<'h>(head: &'h str, key: &str) -> Vec<&'h str> {
    let quoted = format!("\"{key}\"");
    head.match_indices(&quoted)
        .filter_map(|(i, _)| {
            let rest = head[i + quoted.len()..].trim_start().strip_prefix(':')?;
            Some(rest.trim_start())
        })
        .collect()
}

/// A top-level YAML line `key:` (with `value`, when given), at the start of a line.
fn yaml_top(head: &str, key: &str, value: Option<&str>) -> bool {
    head.lines().any(|line| {
        line.strip_prefix(key)
            .and_then(|rest| rest.strip_prefix(':'))
            .is_some_and(|rest| {
                let rest = rest.split(" #").next().unwrap_or("").trim();
                value.is_none_or(|v| rest.trim_matches(['"', '\'']) == v)
            })
    })
}

/// Reads one configuration file and judges every object through the policy's rules.
pub fn check<R>(
    file: usize,
    input: &Input,
    kind: Source,
    policy: &Policy,
    context: &Context,
    options: &ReadOptions,
    keep: &(dyn Fn(usize, &Grant) -> Option<R> + Sync),
) -> Result<Checked<R>, InputError> {
    let text = crate::load::read_text(input, &options.limits)?;
    let (objects, skipped) = read(kind, &text, &input.name, &policy.mapping)?;
    let mut checked = Checked {
        objects: objects.len(),
        skipped,
        findings: Vec::new(),
        records: Vec::new(),
    };
    let mut sets = RuleSets::new(policy);
    let mut grant = Grant::default();
    let mut violations = Vec::new();
    for object in &objects {
        placeable(object, policy, &text, &input.name)?;
        object.fill(&mut grant, &[], object.span);
        checked.records.extend(keep(file, &grant));
        for probe in &object.probes {
            object.fill(&mut grant, &probe.grant, probe.at);
            // Only the probe's rule: the probe stands for one setting, and the other rules
            // would only say what it does not carry.
            let Some(active) = sets.for_grant(&grant).iter().find(|r| r.id == probe.rule) else {
                continue;
            };
            active.rule.check(&grant, context, &mut violations);
            for violation in violations.drain(..) {
                checked.findings.push(Finding {
                    rule: active.id.clone(),
                    severity: active.severity,
                    grant: Some(object.name.as_str().into()),
                    tenant: grant.text(Field::Tenant).map(Box::from),
                    file,
                    span: probe.at,
                    field: violation.field,
                    declared: violation.declared,
                    at_grant: probe.at == object.span,
                    message: format!(
                        "{} `{}` {}: {}",
                        object.noun, object.short, probe.allows, violation.message
                    )
                    .into(),
                    help: probe.help.clone(),
                    related: Vec::new(),
                });
            }
        }
    }
    checked
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(checked)
}

/// An error at the first field of `object` that `.tf` source writes from an expression and
/// one of the policy's overrides matches on: which overrides apply is not known, and judged
/// under none the object could pass rules meant for it (`environment: prod` → 1h). A field
/// no override matches on leaves the object judged as before.
fn placeable(object: &Object, policy: &Policy, text: &str, file: &str) -> Result<(), InputError> {
    let Some((field, what, at)) = object
        .unwritten
        .iter()
        .find(|(field, ..)| policy.overrides_match_on(*field))
    else {
        return Ok(());
    };
    let message = format!(
        "{what}, and the policy's overrides match on {}: {} `{}` cannot be placed under them",
        field.name(),
        object.noun,
        object.short
    );
    Err(error_at(file, text, *at, message, LITERAL_HELP))
}

/// The objects of one file of `kind`, and how many documents were of another kind. The
/// policy's mapping names Entra's roles.
pub fn read(
    kind: Source,
    text: &str,
    file: &str,
    mapping: &crate::load::mapping::Mapping,
) -> Result<(Vec<Object>, usize), InputError> {
    // Terraform reads every resource type it knows, whichever kind named the file.
    let terraform = matches!(
        kind,
        Source::GcpPamEntitlement | Source::EntraPimPolicy | Source::TeleportRole
    );
    // Terraform source is HCL, not YAML or JSON.
    if terraform && file.ends_with(".tf") {
        return Ok((terraform::read_source(text, file, kind, mapping)?, 0));
    }
    let roots = parse(text, file)?;
    if terraform
        && let [root] = roots.as_slice()
        && terraform::is_plan(root)
    {
        return Ok((terraform::read_plan(root, kind, text, file, mapping)?, 0));
    }
    match kind {
        Source::TeleportRole => teleport::read(&roots, text, file),
        Source::EntraPimPolicy => entra_pim::read(&roots, text, file, mapping),
        Source::AwsTeamPolicy => aws_team::read(&roots, text, file),
        _ => gcp_pam::read(&roots, text, file),
    }
}

/// Every YAML or JSON document of the file, each value with its place in the file.
fn parse(text: &str, file: &str) -> Result<Vec<Node>, InputError> {
    crate::core::node::parse_documents(text).map_err(|e| {
        let error = InputError::new(file, crate::load::yaml::parser_message(&e))
            .help("fix the YAML or JSON syntax at this place");
        match crate::load::yaml::error_span(&e, text) {
            Some(at) => error.at(at, Some(&std::sync::Arc::from(text))),
            None => error,
        }
    })
}

/// An error at a place in a configuration file.
fn error_at(file: &str, text: &str, at: Span, message: String, help: &str) -> InputError {
    InputError::new(file, message)
        .help(help)
        .at(at, Some(&std::sync::Arc::from(text)))
}

/// The objects of a document: none for an empty one (`---` at the end), the items of a list or
/// of the list under `wrapper` (`{"value": […]}`), else the document itself; `None` for a
/// scalar, which is no object.
fn items<'a>(root: &'a Node, wrapper: &str) -> Option<Vec<&'a Node>> {
    match &root.value {
        Value::Null => Some(Vec::new()),
        Value::List(items) => Some(items.iter().collect()),
        Value::Map(_) => match Record::new(root).get(wrapper).map(|n| &n.value) {
            Some(Value::List(items)) => Some(items.iter().collect()),
            _ => Some(vec![root]),
        },
        _ => None,
    }
}

/// A document or item of the wrong kind: what was found, and what was expected.
fn not_expected(file: &str, text: &str, node: &Node, shape: &str, help: &str) -> InputError {
    let found = format!("found {}; expected {shape}", node.value.kind());
    let at = crate::load::adapters::record::span(node);
    error_at(file, text, at, found, help)
}

/// The place of the key of `path`'s last step (`approvalWorkflow.manualApprovals`), where a
/// finding about the setting points; `None` when the key is not there.
pub fn key_span(record: Record, path: &str) -> Option<Span> {
    let (parent, key) = match path.rsplit_once('.') {
        Some((parent, key)) => (record.get(parent)?, key),
        None => (record.node, path),
    };
    let Value::Map(entries) = &parent.value else {
        return None;
    };
    entries
        .iter()
        .find(|(k, _)| k.value.as_scalar() == Some(key))
        .map(|(k, _)| record.span_of(k))
}

/// A resource as its API writes it (camelCase keys), or as Terraform's plan JSON writes the
/// provider's schema of it (snake_case keys, every nested block a list, of one when set and
/// empty when not). Paths are written the API's way and read either way.
#[derive(Clone, Copy)]
pub struct Resource<'a> {
    pub record: Record<'a>,
    pub terraform: bool,
    /// In `.tf` source, the lines of the values and keys written from expressions (ascending).
    expressions: &'a [u32],
    /// In a plan, the resource's `after_unknown`: `true` where a value is known only after
    /// apply (and left out of `after`).
    unknown: Option<&'a Node>,
}

/// What a check reads at a place: an object, a list of values, or one value.
#[derive(Clone, Copy, PartialEq)]
pub enum Shape {
    Map,
    List,
    Value,
}

/// The help of a value `.tf` source does not write out where a check reads it.
const LITERAL_HELP: &str = "write it literally; a value from a variable, a local or a function \
is known only in a plan: lint `terraform show -json PLAN`";

impl<'a> Resource<'a> {
    pub fn new(node: &'a Node, terraform: bool) -> Resource<'a> {
        Resource {
            record: Record::new(node),
            terraform,
            expressions: &[],
            unknown: None,
        }
    }

    /// The resource of a plan whose `after_unknown` is `unknown`.
    pub(crate) fn with_unknown(self, unknown: Option<&'a Node>) -> Resource<'a> {
        Resource { unknown, ..self }
    }

    /// The resource of `.tf` source whose values and keys on the lines `expressions` were
    /// written from expressions.
    fn with_expressions(self, expressions: &'a [u32]) -> Resource<'a> {
        Resource {
            expressions,
            ..self
        }
    }

    /// Whether `.tf` source wrote `node` (a value or an object's key) as an expression.
    fn expression(self, node: &Node) -> bool {
        self.expressions
            .binary_search(&self.span_of(node).line)
            .is_ok()
    }

    /// What of the value a reader takes from the first of `paths` it finds is not known
    /// until planned or applied, and where: in `.tf` source, an expression (the value, an
    /// object on the way to it such as `labels = var.labels`, or, when a step is not written,
    /// a key of its object that is one: `(var.k) = "prod"`); in a plan, a value
    /// `after_unknown` marks, or an object on the way to it. `None` when it is known, or
    /// absent.
    pub fn unwritten(self, paths: &[&str]) -> Option<(String, Span)> {
        for path in paths {
            if let Some(found) = self.expression_on(path).or_else(|| self.unknown_on(path)) {
                return Some(found);
            }
            if self.text(path).is_some() {
                return None;
            }
        }
        None
    }

    /// The first expression on the way to `path`'s value, or the value itself.
    fn expression_on(self, path: &str) -> Option<(String, Span)> {
        if self.expressions.is_empty() {
            return None;
        }
        let is = |walked: &str, node: &Node| {
            let value = node.value.as_scalar().unwrap_or("?");
            let what = format!("`{walked}` is `{value}`, not written out");
            (what, self.span_of(node))
        };
        let mut node = self.record.node;
        let mut walked = String::new();
        for step in path.split('.') {
            let here = self.unwrap(node)?;
            if self.expression(here) {
                return Some(is(&walked, here));
            }
            let Value::Map(entries) = &here.value else {
                return None;
            };
            let key = self.spelled(step);
            let Some((_, value)) = entries
                .iter()
                .find(|(k, _)| k.value.as_scalar() == Some(key.as_str()))
            else {
                let (k, _) = entries.iter().find(|(k, _)| self.expression(k))?;
                let value = k.value.as_scalar().unwrap_or("?");
                let what = format!("a key of `{walked}` is `{value}`, not written out");
                return Some((what, self.span_of(k)));
            };
            if !walked.is_empty() {
                walked.push('.');
            }
            walked.push_str(&key);
            node = value;
        }
        let value = self.unwrap(node)?;
        self.expression(value).then(|| is(&walked, value))
    }

    /// Where the plan's `after_unknown` marks `path`'s value, or an object on the way to it,
    /// as known only after apply.
    fn unknown_on(self, path: &str) -> Option<(String, Span)> {
        let mut node = self.unknown?;
        let mut walked = String::new();
        for step in path.split('.').chain([""]) {
            if let Value::List(items) = &node.value {
                node = items.first()?;
            }
            if matches!(node.value, Value::Bool(true)) {
                let what = format!("`{walked}` is known only after apply (`after_unknown`)");
                return Some((what, self.span_of(node)));
            }
            let Value::Map(entries) = &node.value else {
                return None;
            };
            let key = self.spelled(step);
            let (_, value) = entries
                .iter()
                .find(|(k, _)| k.value.as_scalar() == Some(key.as_str()))?;
            if !walked.is_empty() {
                walked.push('.');
            }
            walked.push_str(&key);
            node = value;
        }
        None
    }

    /// An error at `node`, the value of `path` that a check reads as `shape`, when Terraform
    /// does not write it out: an object or a list that is something else (`roles =
    /// var.requestable`), or, in `.tf` source, an expression among a list's items or an
    /// object's keys, or a single value that is one. An expression's text is not its value,
    /// which only a plan knows, so it must neither pass nor be blamed as a name.
    pub fn written_out(
        self,
        node: &Node,
        shape: Shape,
        path: &str,
        text: &str,
        file: &str,
    ) -> Result<(), InputError> {
        let path = self.spelled(path);
        let error = |node: &Node, what: String, shape: &str| {
            let value = node.value.as_scalar().unwrap_or("?");
            let message = format!("{what} is `{value}`, not {shape}written out");
            Err(error_at(
                file,
                text,
                self.span_of(node),
                message,
                LITERAL_HELP,
            ))
        };
        let parts: Vec<(&Node, &str)> = match (&node.value, shape) {
            (Value::Null, _) => Vec::new(),
            (Value::Map(entries), Shape::Map) => {
                entries.iter().map(|(k, _)| (k, "a key")).collect()
            }
            (Value::List(items), Shape::List) => items.iter().map(|i| (i, "an item")).collect(),
            (_, Shape::Value) => vec![(node, "")],
            // Terraform writes what it knows of an object or a list as one.
            (_, Shape::Map) if self.terraform => {
                return error(node, format!("`{path}`"), "an object ");
            }
            (_, Shape::List) if self.terraform => {
                return error(node, format!("`{path}`"), "a list ");
            }
            _ => Vec::new(),
        };
        match parts.into_iter().find(|(n, _)| self.expression(n)) {
            Some((n, "")) => error(n, format!("`{path}`"), ""),
            Some((n, which)) => error(n, format!("{which} of `{path}`"), ""),
            None => Ok(()),
        }
    }

    fn child(self, node: &'a Node) -> Resource<'a> {
        Resource {
            record: self.record.child(node),
            // `after_unknown` is the whole resource's.
            unknown: None,
            ..self
        }
    }

    pub fn span(self) -> Span {
        self.record.span()
    }

    pub fn span_of(self, node: &Node) -> Span {
        self.record.span_of(node)
    }

    /// A Terraform block's one item; a set value as it is.
    fn unwrap(self, node: &'a Node) -> Option<&'a Node> {
        match &node.value {
            Value::List(items) if self.terraform => items.first(),
            _ => Some(node),
        }
    }

    /// The key and the value of `path`'s last step.
    fn entry(self, path: &str) -> Option<(&'a Node, &'a Node)> {
        let mut node = self.record.node;
        let mut found = None;
        for step in path.split('.') {
            let key = self.spelled(step);
            let Value::Map(entries) = &self.unwrap(node)?.value else {
                return None;
            };
            let (k, v) = entries
                .iter()
                .find(|(k, _)| k.value.as_scalar() == Some(key.as_str()))?;
            found = Some((k, v));
            node = v;
        }
        found
    }

    /// A step as this spelling writes it: `maxRequestDuration` is `max_request_duration`.
    fn spelled(self, step: &str) -> String {
        if !self.terraform {
            return step.to_string();
        }
        let mut out = String::with_capacity(step.len() + 4);
        for c in step.chars() {
            if c.is_ascii_uppercase() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }

    /// The value at `path`: a block's one item; `None` when absent, null or an empty block.
    pub fn get(self, path: &str) -> Option<&'a Node> {
        let (_, value) = self.entry(path)?;
        let value = self.unwrap(value)?;
        (!matches!(value.value, Value::Null)).then_some(value)
    }

    /// Where the key of `path` is written.
    pub fn key_span(self, path: &str) -> Option<Span> {
        self.entry(path).map(|(key, _)| self.span_of(key))
    }

    pub fn text(self, path: &str) -> Option<(&'a str, Span)> {
        let node = self.get(path)?;
        let text = node.value.as_scalar()?.trim();
        (!text.is_empty()).then(|| (text, self.span_of(node)))
    }

    pub fn record(self, path: &str) -> Option<Resource<'a>> {
        self.get(path)
            .filter(|n| matches!(n.value, Value::Map(_)))
            .map(|n| self.child(n))
    }

    /// The items of a list: every one, also in Terraform.
    pub fn list(self, path: &str) -> &'a [Node] {
        match self.entry(path).map(|(_, v)| &v.value) {
            Some(Value::List(items)) => items,
            _ => &[],
        }
    }

    pub fn records(self, path: &str) -> Vec<Resource<'a>> {
        self.list(path).iter().map(|n| self.child(n)).collect()
    }
}

/// A whole number, as JSON and YAML write one.
fn number(node: &Node) -> Option<i64> {
    node.value.as_scalar()?.trim().parse().ok()
}

/// Documentation of one configuration kind, for `grantlint explain --source` and
/// docs/config.md.
pub struct Docs {
    pub system: &'static str,
    /// What is read and how to produce it.
    pub reads: &'static str,
    /// (key, rule, when it is a finding).
    pub keys: &'static [(&'static str, &'static str, &'static str)],
    /// What the configuration cannot say, or the system enforces by itself.
    pub cannot: &'static [&'static str],
}

/// The documentation of a configuration kind, as Markdown.
pub fn docs(kind: Source) -> String {
    let docs = match kind {
        Source::TeleportRole => &teleport::DOCS,
        Source::EntraPimPolicy => &entra_pim::DOCS,
        Source::AwsTeamPolicy => &aws_team::DOCS,
        _ => &gcp_pam::DOCS,
    };
    let mut out = format!(
        "### {} (`--source {}`)\n\n{}\n\n",
        docs.system,
        kind.name(),
        docs.reads
    );
    if kind == Source::TeleportRole {
        out.push_str(terraform::TELEPORT_READS);
        out.push_str("\n\n");
    }
    out.push_str("| key | rule | a finding when |\n|---|---|---|\n");
    for (key, rule, when) in docs.keys {
        out.push_str(&format!("| `{key}` | {rule} | {when} |\n"));
    }
    out.push_str("\nWhat this configuration cannot say, or the system enforces itself:\n\n");
    for line in docs.cannot {
        out.push_str(&format!("- {line}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_is_told_from_grants_exports_by_its_keys() {
        let pam = r#"[{"name": "projects/p/locations/global/entitlements/e", "maxRequestDuration": "3600s"}]"#;
        assert_eq!(detect(pam, Format::Json), Some(Source::GcpPamEntitlement));
        let grants = r#"[{"name": "g", "requester": "a", "requestedDuration": "3600s"}]"#;
        assert_eq!(detect(grants, Format::Json), None);
        let role = "kind: role\nversion: v7\nmetadata:\n  name: r\n";
        assert_eq!(detect(role, Format::Yaml), Some(Source::TeleportRole));
        let request = "kind: access_request\nmetadata:\n  name: r\n";
        assert_eq!(detect(request, Format::Yaml), None);
        assert_eq!(
            detect(r#"[{"kind": "role", "metadata": {}}]"#, Format::Json),
            Some(Source::TeleportRole)
        );
        let graph = r##"{"value": [{"id": "Directory_t_p", "rules": [{"@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyExpirationRule"}]}]}"##;
        assert_eq!(detect(graph, Format::Json), Some(Source::EntraPimPolicy));
        let team = r#"{"data": {"listEligibilities": {"items": [{"id": "e", "duration": "9", "approvalRequired": true}]}}}"#;
        assert_eq!(detect(team, Format::Json), Some(Source::AwsTeamPolicy));
        let requests = r#"[{"accountId": "1", "email": "a", "duration": "2"}]"#;
        assert_eq!(detect(requests, Format::Json), None);
        // PIM requests are grants.
        let requests = r#"{"value": [{"roleDefinitionId": "x", "scheduleInfo": {}}]}"#;
        assert_eq!(detect(requests, Format::Json), None);
        // A grants file that mentions the words in a value is not configuration.
        let grants = "grants:\n  - id: SUP-1\n    reason: \"kind: role\"\n";
        assert_eq!(detect(grants, Format::Yaml), None);
    }
}
