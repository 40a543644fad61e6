//! The checker: reads every input, runs every active rule on every grant, and gathers the
//! findings in DESIGN.md's order. One execution model: rayon tasks over ordered segments.
//! Files are checked in parallel; a big plain CSV is cut into segments, checked in parallel
//! too, and every share is joined in file order, so the result does not depend on the
//! number of threads. Nothing waits on a timer: a panic in any task reaches the caller.

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::core::span::Span;
use crate::finding::{Finding, Suppressed, Violation};
use crate::grant::{Field, Grant};
use crate::load::csv::{Layout, Next, Segment, Segments};
use crate::load::understood::InputMap;
use crate::load::{self, Input, InputError, ReadOptions};
use crate::policy::overrides::RuleSets;
use crate::policy::{ActiveRule, Policy};
use crate::progress::FileProgress;
use crate::rules::{Context, Observations};

/// Everything a run found, for the reporters.
pub struct Outcome {
    /// File names as given, indexed by `Finding::file`: the inputs, then any waiver file that
    /// waivers' own findings point into.
    pub files: Vec<String>,
    /// How many of `files` are inputs.
    pub inputs: usize,
    pub grants: usize,
    /// Requests in native exports that never became access (denied, pending, never
    /// activated): counted, not checked.
    pub skipped: usize,
    pub findings: Vec<Finding>,
    /// Findings waived by the policy or recorded in the baseline: reported apart, never failing.
    pub suppressed: Vec<Suppressed>,
    /// Inputs that could not be read as a whole.
    pub errors: Vec<InputError>,
    /// Every grant read, in file order, for JUnit's one test case per grant. Filled only when
    /// asked for (`check_with(…, &GrantRecord::keep)`), so a plain run keeps no grants.
    pub records: Vec<GrantRecord>,
    /// What a baseline did to this run, when one was given.
    pub baseline: Option<crate::baseline::Comparison>,
    /// How each input's columns or keys were understood, by input index (`None` for the
    /// JSON exports of access systems, whose mapping is the adapter's table).
    pub maps: Vec<Option<InputMap>>,
    /// The names of the policy's declared fields (`fields:`), by slot: what a finding's
    /// `declared` names.
    pub fields: Vec<std::sync::Arc<str>>,
}

impl Outcome {
    /// The name of the field `finding` is about, built-in or declared.
    pub fn field_name(&self, finding: &Finding) -> Option<&str> {
        finding.field_name(&self.fields)
    }
}

/// What reporters keep of each grant read: where it is (JUnit lists clean grants too) and the
/// fields the weekly review shows. The one record of a grant outside the checker.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GrantRecord {
    pub file: usize,
    /// The grant's own span, which every finding about it points inside.
    pub span: Span,
    pub text: GrantText,
    /// Everyone who approved, one by one (several for multi-approver systems).
    pub approvers: Vec<String>,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    pub status: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub start: Option<DateTime<Utc>>,
    pub expires: Option<DateTime<Utc>>,
    /// The latest end its extensions allow: expiry-enforced holds the grant to it.
    pub extended_until: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// What a grant says of itself, as the review's list of grants shows it.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct GrantText {
    /// Named as every report names it: the id, else the ticket.
    pub id: Option<String>,
    pub tenant: Option<String>,
    pub grantee: Option<String>,
    pub role: Option<String>,
    pub reason: Option<String>,
    /// Everyone who approved, as shown: several approvals joined by ", ".
    pub approver: Option<String>,
}

impl GrantRecord {
    /// The hook for [`check_with`] that keeps every grant.
    pub fn keep(file: usize, grant: &Grant) -> Option<GrantRecord> {
        let text = |field| grant.text(field).map(str::to_string);
        let mut approvers = Vec::new();
        grant.each_approver(|approver, _| approvers.extend(approver.map(str::to_string)));
        Some(GrantRecord {
            file,
            span: grant.span,
            text: GrantText {
                id: grant.id().map(std::borrow::Cow::into_owned),
                tenant: text(Field::Tenant),
                grantee: text(Field::Grantee),
                role: text(Field::Role),
                reason: text(Field::Reason),
                approver: (!approvers.is_empty()).then(|| approvers.join(", ")),
            },
            approvers,
            owner: text(Field::Owner),
            ticket: text(Field::Ticket),
            status: text(Field::Status),
            approved_at: grant.time(Field::ApprovedAt),
            start: grant.time(Field::Start),
            expires: grant.time(Field::Expires),
            extended_until: grant.extended_until(),
            ended_at: grant.time(Field::EndedAt),
        })
    }
}

/// One file's share of the run.
struct FileResult<R> {
    grants: usize,
    skipped: usize,
    findings: Vec<Finding>,
    /// For cross-grant rules: each grant with a tenant and a start, and where its tenant is.
    observed: Observations,
    places: Vec<Place>,
    /// For each rule that groups grants by fields of its own (`limits:`), in policy order:
    /// its observations and where each observed grant's field is.
    keyed: Vec<(Observations, Vec<Place>)>,
    /// What the caller's hook kept of each grant, in input order.
    records: Vec<R>,
    error: Option<InputError>,
    /// Findings about a field the file does not hold (no column, or an export that cannot
    /// carry it), gathered into one per field.
    absent: Vec<Absent>,
    map: Option<InputMap>,
    /// What the adapter said its export cannot carry, and where.
    gaps: Vec<load::adapters::Gap>,
    /// The declared fields (by slot, a bit each) some grant of the file has.
    declared_seen: u64,
}

/// The per-grant findings about one field that no column of the file holds.
struct Absent {
    field: Field,
    rules: Vec<std::borrow::Cow<'static, str>>,
    severity: crate::finding::Severity,
    grants: usize,
}

impl<R> FileResult<R> {
    /// A file that could not be read as a whole: its error alone.
    fn failed(error: InputError) -> FileResult<R> {
        FileResult {
            error: Some(error),
            ..FileResult::default()
        }
    }

    /// Adds the next file's (or segment's) share after this one. The first one's lists are
    /// taken over, not copied: one big export is the common case.
    fn append(&mut self, next: FileResult<R>) {
        self.grants += next.grants;
        self.skipped += next.skipped;
        self.error = self.error.take().or(next.error);
        take_or_extend(&mut self.findings, next.findings);
        take_or_extend(&mut self.places, next.places);
        take_or_extend(&mut self.records, next.records);
        self.observed.append(next.observed);
        if self.keyed.is_empty() {
            self.keyed = next.keyed;
        } else {
            for (mine, (observed, places)) in self.keyed.iter_mut().zip(next.keyed) {
                mine.0.append(observed);
                take_or_extend(&mut mine.1, places);
            }
        }
        for absent in next.absent {
            match self.absent.iter_mut().find(|a| a.field == absent.field) {
                Some(mine) => {
                    mine.grants += absent.grants;
                    mine.severity = mine.severity.max(absent.severity);
                    for rule in absent.rules {
                        if !mine.rules.contains(&rule) {
                            mine.rules.push(rule);
                        }
                    }
                }
                None => self.absent.push(absent),
            }
        }
        self.map = self.map.take().or(next.map);
        self.declared_seen |= next.declared_seen;
    }

    /// Counts a finding about `field`, which no column holds, instead of keeping it.
    fn absent(&mut self, field: Field, active: &ActiveRule) {
        let i = match self.absent.iter().position(|a| a.field == field) {
            Some(i) => i,
            None => {
                self.absent.push(Absent {
                    field,
                    rules: Vec::new(),
                    severity: active.severity,
                    grants: 0,
                });
                self.absent.len() - 1
            }
        };
        let absent = &mut self.absent[i];
        absent.grants += 1;
        absent.severity = absent.severity.max(active.severity);
        if !absent.rules.contains(&active.id) {
            absent.rules.push(active.id.clone());
        }
    }

    /// Marks the columns or keys the policy's declared fields are read from, and says once
    /// for the file, as a `column-missing` finding at its header, each declared field that
    /// none supplies: rules and overrides that test it would otherwise pass unseen.
    fn report_declared(
        &mut self,
        file: usize,
        cap: crate::finding::Severity,
        gathering: bool,
        fields: &crate::grant::declared::Declarations,
    ) {
        if fields.is_empty() {
            return;
        }
        let Some(map) = self.map.as_mut() else {
            // A native export (Teleport, PAM, …) reads declared fields from paths in its
            // records, and has no header: said at the file's start when no grant had one.
            if gathering && self.grants > 0 {
                let start = Span {
                    line: 1,
                    column: 1,
                    ..Span::default()
                };
                for (slot, declared) in fields.fields.iter().enumerate() {
                    if self.declared_seen & 1u64.checked_shl(slot as u32).unwrap_or(0) == 0 {
                        let finding = declared_missing(file, cap, start, "record", slot, declared);
                        self.findings.push(finding);
                    }
                }
            }
            return;
        };
        map.declare(fields);
        if !gathering || self.grants == 0 {
            return;
        }
        let span = map.names.first().map_or(Span::default(), |n| n.span);
        let kind = map.kind.name().trim_end_matches('s');
        for name in &map.declared_missing {
            let Some(slot) = fields.fields.iter().position(|d| d.name == *name) else {
                continue;
            };
            let finding = declared_missing(file, cap, span, kind, slot, &fields.fields[slot]);
            self.findings.push(finding);
        }
    }

    /// Turns the gathered findings about a field the file does not hold into one
    /// `column-missing` finding per field: at the adapter's gap, saying what the export
    /// cannot carry and which export does; else at a CSV's header, with the mapping.
    fn report_absent(&mut self, file: usize, cap: crate::finding::Severity) {
        for absent in std::mem::take(&mut self.absent) {
            let field = absent.field.name();
            let rules = absent.rules.join(", ");
            let (span, message, help) = match self.gaps.iter().find(|g| g.field == absent.field) {
                Some(gap) => (gap.span, gap.message.clone(), gap.help.clone()),
                None => {
                    let names = self.map.as_ref().map_or(&[][..], |m| &m.names[..]);
                    let header = names
                        .iter()
                        .find(|n| n.suggestion == Some(absent.field))
                        .map_or("<its column>", |n| n.text.as_str());
                    let grants = match absent.grants {
                        1 => "1 grant has".to_string(),
                        n => format!("{n} grants have"),
                    };
                    (
                        names.first().map_or(Span::default(), |n| n.span),
                        format!(
                            "no column of this export holds {field}, so {grants} none ({rules})"
                        ),
                        format!(
                            "add a column for {field}, or map the column that holds it in the policy: `mapping: {{columns: {{{header}: {field}}}}}`"
                        ),
                    )
                }
            };
            self.findings.push(Finding {
                rule: "column-missing".into(),
                severity: absent.severity.min(cap),
                grant: None,
                tenant: None,
                file,
                span,
                field: Some(absent.field),
                declared: None,
                at_grant: false,
                message: message.into(),
                help: help.into(),
                related: Vec::new(),
            });
        }
    }
}

/// The `column-missing` finding for a declared field no column, key or record of a file
/// supplies.
fn declared_missing(
    file: usize,
    cap: crate::finding::Severity,
    span: Span,
    kind: &str,
    slot: usize,
    declared: &crate::grant::declared::Declared,
) -> Finding {
    let (name, from) = (&declared.name, declared.keys.join(", "));
    Finding {
        rule: "column-missing".into(),
        severity: cap,
        grant: None,
        tenant: None,
        file,
        span,
        field: None,
        declared: u8::try_from(slot).ok(),
        at_grant: false,
        message: format!(
            "no {kind} of this export holds the declared field {name} (read from: {from}), so no grant has it"
        )
        .into(),
        help: if kind == "record" {
            format!(
                "name the path of keys that holds it in the export's records, such as `fields: {{{name}: {{from: [metadata.labels.{name}]}}}}`"
            )
        } else {
            format!(
                "add the column, or name the one that holds it under `fields: {{{name}: {{from: [...]}}}}` in the policy"
            )
        }
        .into(),
        related: Vec::new(),
    }
}

/// Appends `more` to `list`, or takes it over when `list` is empty.
fn take_or_extend<T>(list: &mut Vec<T>, more: Vec<T>) {
    if list.is_empty() {
        *list = more;
    } else {
        list.extend(more);
    }
}

impl<R> Default for FileResult<R> {
    fn default() -> Self {
        FileResult {
            grants: 0,
            skipped: 0,
            findings: Vec::new(),
            observed: Observations::default(),
            places: Vec::new(),
            keyed: Vec::new(),
            records: Vec::new(),
            error: None,
            absent: Vec::new(),
            map: None,
            gaps: Vec::new(),
            declared_seen: 0,
        }
    }
}

pub fn check(
    inputs: &[Input],
    options: &ReadOptions,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Outcome {
    check_with(inputs, options, policy, now, &|_, _| None::<()>).0
}

/// `check`, also handing every grant read to `keep(file, grant)`, which says what to keep of
/// it. Loaders stream grants and keep none, so a reporter that lists grants (the weekly
/// review) takes its own record here. Records come in file order, then input order; a file
/// that cannot be read as a whole gives none.
pub fn check_with<R: Send>(
    inputs: &[Input],
    options: &ReadOptions,
    policy: &Policy,
    now: DateTime<Utc>,
    keep: &(dyn Fn(usize, &Grant) -> Option<R> + Sync),
) -> (Outcome, Vec<R>) {
    let context = Context {
        now,
        people: policy.people.clone(),
    };
    crate::progress::start(inputs.len() as u64, inputs.iter().map(Input::size).sum());
    let observe = policy
        .rules
        .iter()
        .any(|r| r.rule.needs_all() && !r.rule.keyed());
    // Exports joined to others (Entra's approvals) are read first, once.
    let related = load::adapters::Related::gather(inputs, options);
    let results: Vec<FileResult<R>> = inputs
        .par_iter()
        .enumerate()
        .map(|(file, input)| {
            let shared = Shared {
                options,
                policy,
                context: &context,
                related: &related,
            };
            check_file(file, input, &shared, observe, keep)
        })
        .collect();
    crate::progress::finish();

    let mut outcome = Outcome {
        files: inputs.iter().map(|i| i.name.clone()).collect(),
        inputs: inputs.len(),
        grants: 0,
        skipped: 0,
        findings: Vec::new(),
        suppressed: Vec::new(),
        errors: Vec::new(),
        records: Vec::new(),
        baseline: None,
        maps: Vec::with_capacity(inputs.len()),
        fields: policy
            .mapping
            .fields
            .fields
            .iter()
            .map(|d| std::sync::Arc::clone(&d.name))
            .collect(),
    };
    let mut all = FileResult::default();
    for mut result in results {
        outcome.errors.extend(result.error.take());
        outcome.maps.push(result.map.take());
        all.append(result);
    }
    let FileResult {
        mut observed,
        places,
        records,
        keyed,
        ..
    } = all;
    (outcome.grants, outcome.skipped, outcome.findings) = (all.grants, all.skipped, all.findings);
    let mut across = Vec::new();
    let mut keyed = keyed.into_iter();
    for active in policy.rules.iter().filter(|r| r.rule.needs_all()) {
        // A rule grouping by fields of its own reads its own observations.
        let mut own = active
            .rule
            .keyed()
            .then(|| keyed.next().unwrap_or_default());
        let (observed, places) = match &mut own {
            Some((observed, places)) => (observed, &*places),
            None => (&mut observed, &places),
        };
        let mut violations = Vec::new();
        active.rule.check_all(observed, &mut violations);
        // In input order, which is nearly always report order: the sort below then merges
        // them into the per-grant findings, which are in order already, as one run. Stable,
        // so a rule's findings on one grant keep the rule's order whatever the threads.
        violations.par_sort_by_key(|&(i, _)| i);
        // On every core: each finding reads its grant's place, id and tenant from all over
        // memory.
        across.par_extend(violations.into_par_iter().map(|(i, violation)| {
            let place = places[i];
            Finding {
                rule: active.id.clone(),
                severity: active.severity,
                grant: observed.id(i).map(Box::from),
                tenant: observed.finding_tenant(i).map(Box::from),
                file: place.file as usize,
                span: place.span(),
                field: violation.field,
                declared: violation.declared,
                at_grant: false,
                message: violation.message.into(),
                help: violation.help,
                related: violation.related,
            }
        }));
    }
    // Returning a hundred megabytes to the system takes milliseconds: another core does it
    // while this one sorts.
    rayon::spawn(move || drop((observed, places)));
    outcome.findings.append(&mut across);
    outcome
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    (outcome, records)
}

/// Plain CSV inputs at least this large are cut into segments checked on every core; a
/// smaller input is read whole by the thread that checks it, as cutting is not worth it.
const SEGMENTED_BYTES: u64 = 4 << 20;

/// What every file's check shares.
struct Shared<'a> {
    options: &'a ReadOptions,
    policy: &'a Policy,
    context: &'a Context,
    related: &'a load::adapters::Related,
}

/// Checks one input. Every input is a run of segments checked in order: a big plain CSV is
/// cut into many (`check_segments`), any other input is one, read and checked whole here.
fn check_file<R: Send>(
    file: usize,
    input: &Input,
    shared: &Shared,
    observe: bool,
    keep: &(dyn Fn(usize, &Grant) -> Option<R> + Sync),
) -> FileResult<R> {
    let Shared {
        options,
        policy,
        context,
        related,
    } = *shared;
    // Access-system configuration: judged for what it lets through, not read as grants.
    if let Some(kind) = crate::config::kind(input, options) {
        return check_config(file, input, kind, shared, keep);
    }
    let native = load::adapters::Native {
        file: &input.name,
        delimiter: options.delimiter,
        now: context.now,
        mapping: &policy.mapping,
        limits: &options.limits,
        related,
    };
    let map = match load::adapters::understand(input, options, &native) {
        Ok(map) => map,
        Err(error) => return FileResult::failed(error),
    };
    // Fields no column holds: their per-grant findings become one at the header, at the
    // highest severity they stand for, capped by column-missing's own.
    let gather = policy.rules.iter().find(|r| r.id == "column-missing");
    let missing = match &map {
        Some(map) if gather.is_some() => map.missing.iter().fold(0u32, |m, f| m | 1 << *f as u32),
        _ => 0,
    };
    let cap = gather.map_or(crate::finding::Severity::Error, |r| r.severity);
    // A zone set for the system that wrote this file (`timezone: {jira: …}`) is its own.
    let source = match options.source {
        Some(source) => Some(source),
        None if policy.mapping.source_zones.is_empty() => None,
        None => load::adapters::detect::detect(input, &native)
            .ok()
            .flatten(),
    };
    let dates = policy
        .mapping
        .dates_of(source, Some(reread(input, options, policy, context.now)));
    let _dates = dates.enter();
    let size = input.size();
    let gathering = gather.is_some();
    let checker = || FileChecker::new(file, policy, context, observe, keep, missing, gathering);
    if size >= SEGMENTED_BYTES
        && let Some(segments) = load::adapters::segments(input, options, &native)
    {
        let mut result = check_segments(segments, &checker, &dates);
        crate::progress::file_done(&FileProgress::from_offset(size as usize), size);
        result.map = map;
        result.report_declared(file, cap, gathering, &policy.mapping.fields);
        result.report_absent(file, cap);
        return result;
    }
    let mut checker = checker();
    let mut read = FileProgress::default();
    let loaded = load::adapters::load(input, options, &native, &mut |grant: &Grant| {
        crate::progress::grant(&mut read, grant.span.offset);
        checker.check(grant);
    });
    crate::progress::file_done(&read, size);
    match loaded {
        Ok(loaded) => {
            let mut result = FileResult {
                grants: loaded.grants,
                skipped: loaded.skipped,
                map: map.or(loaded.map),
                gaps: loaded.gaps,
                ..checker.result
            };
            result.report_declared(file, cap, gathering, &policy.mapping.fields);
            result.report_absent(file, cap);
            result
        }
        // Half a file's findings would mislead; the error says what to fix first.
        Err(error) => FileResult::failed(error),
    }
}

/// Checks a configuration file: each object counts as one grant checked, named after it.
fn check_config<R: Send>(
    file: usize,
    input: &Input,
    kind: load::adapters::Source,
    shared: &Shared,
    keep: &(dyn Fn(usize, &Grant) -> Option<R> + Sync),
) -> FileResult<R> {
    let (policy, context) = (shared.policy, shared.context);
    match crate::config::check(file, input, kind, policy, context, shared.options, keep) {
        Ok(checked) => FileResult {
            grants: checked.objects,
            skipped: checked.skipped,
            findings: checked.findings,
            records: checked.records,
            ..FileResult::default()
        },
        Err(error) => FileResult::failed(error),
    }
}

/// How to read a file again to learn its month/day order (`core::time::Dates`): whole, in
/// order on the calling thread, its grants thrown away. Owns what it needs, as the `Dates`
/// that keeps it may outlive this call's borrows on the threads that read the file.
fn reread(
    input: &Input,
    options: &ReadOptions,
    policy: &Policy,
    now: DateTime<Utc>,
) -> crate::core::time::Reread {
    let (input, options, mapping) = (input.clone(), options.clone(), policy.mapping.clone());
    Box::new(move |dates| {
        let _dates = dates.enter();
        let native = load::adapters::Native {
            file: &input.name,
            delimiter: options.delimiter,
            now,
            mapping: &mapping,
            limits: &options.limits,
            // Only times are wanted here: no other export is joined.
            related: &load::adapters::Related::default(),
        };
        // An error here is the one the real reading reports.
        let _ = load::adapters::load(&input, &options, &native, &mut |_| {});
    })
}

/// Segments being checked while this thread cuts the next, per thread: enough that a thread
/// that is done finds another, few enough that the file is read only a few megabytes ahead.
const AHEAD_PER_THREAD: usize = 2;

/// Checks a big plain CSV on every core: this thread cuts the file into segments and hands
/// each to a rayon task that reads and checks it, so no grant is handed between threads.
/// Once enough segments are being checked, this thread checks the next one itself: the
/// reading never runs ahead of the checking, and nothing waits. The result is the one
/// reading the file whole gives: the parts joined in file order, or the error alone.
fn check_segments<'a, R: Send>(
    mut segments: Segments<impl crate::load::csv::Fill + Send>,
    checker: &(dyn Fn() -> FileChecker<'a, R> + Sync),
    dates: &std::sync::Arc<crate::core::time::Dates>,
) -> FileResult<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let layout = segments.layout().clone();
    // On one thread a task would wait for the end of the file, and every share after it
    // with it: that thread checks each segment as it cuts it.
    let ahead = match rayon::current_num_threads() {
        0 | 1 => 0,
        threads => AHEAD_PER_THREAD * threads,
    };
    // Each segment's share, by its place in the file, until every share before it is
    // joined: this thread joins them while it cuts, so a share's lists are freed, and their
    // memory reused by the next segments, as the file is read. Held to the end, every share
    // stayed resident beside the joined lists (297 MB instead of 192 MB on a 1M-row CSV).
    let parts = std::sync::Mutex::new(Parts::<R>::default());
    let spare = std::sync::Mutex::new(Vec::<Vec<u8>>::new());
    // Segments handed to tasks and not yet checked.
    let out = AtomicUsize::new(0);
    let check = |index: usize, segment: Segment| {
        let part = check_segment(&layout, &segment, checker, dates);
        lock(&parts).put(index, part);
        lock(&spare).push(segment.into_buffer());
    };
    let (mut rest, mut error) = (false, None);
    let mut joined = FileResult::default();
    rayon::scope(|scope| {
        for index in 0.. {
            let ready = lock(&parts).ready();
            ready.into_iter().for_each(|part| joined.append(part));
            let buffer = lock(&spare).pop().unwrap_or_default();
            let segment = match segments.next(buffer) {
                Ok(Next::Segment(segment)) => segment,
                Ok(Next::Rest) => {
                    rest = true;
                    break;
                }
                Ok(Next::End) => break,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            };
            lock(&parts).waiting.push_back(None);
            if out.load(Ordering::Acquire) < ahead {
                out.fetch_add(1, Ordering::AcqRel);
                let (check, out) = (&check, &out);
                scope.spawn(move |_| {
                    check(index, segment);
                    out.fetch_sub(1, Ordering::AcqRel);
                });
            } else {
                check(index, segment);
            }
        }
    });
    if let Some(error) = error {
        return FileResult::failed(error);
    }
    let parts = parts
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    parts
        .waiting
        .into_iter()
        .flatten()
        .for_each(|part| joined.append(part));
    if rest {
        // The file could not be cut from here on: this thread reads the rest in order.
        let mut checker = checker();
        let mut read = FileProgress::default();
        let loaded = segments.read_rest(&mut |grant: &Grant| {
            crate::progress::grant(&mut read, grant.span.offset);
            checker.check(grant);
        });
        joined.append(checker.finish(loaded));
    }
    match joined.error.take() {
        // Half a file's findings would mislead; the error says what to fix first.
        Some(error) => FileResult::failed(error),
        None => joined,
    }
}

/// The shares of a file's segments not yet joined, in file order: `waiting[0]` is segment
/// `first`'s, `None` while it is being checked.
struct Parts<R> {
    waiting: std::collections::VecDeque<Option<FileResult<R>>>,
    first: usize,
}

impl<R> Default for Parts<R> {
    fn default() -> Self {
        Parts {
            waiting: std::collections::VecDeque::new(),
            first: 0,
        }
    }
}

impl<R> Parts<R> {
    fn put(&mut self, index: usize, part: FileResult<R>) {
        if let Some(slot) = index
            .checked_sub(self.first)
            .and_then(|i| self.waiting.get_mut(i))
        {
            *slot = Some(part);
        }
    }

    /// The shares that can be joined now: those checked, up to the first one still being
    /// checked. Joined by the caller after the lock is let go.
    fn ready(&mut self) -> Vec<FileResult<R>> {
        let mut ready = Vec::new();
        while let Some(Some(_)) = self.waiting.front() {
            ready.extend(self.waiting.pop_front().flatten());
            self.first += 1;
        }
        ready
    }
}

/// A lock whose holder cannot have left its data half-changed: a task that panicked passes
/// its panic on when the scope ends.
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Reads and checks one segment, on whichever thread takes it.
fn check_segment<'a, R>(
    layout: &Layout,
    segment: &Segment,
    checker: &(dyn Fn() -> FileChecker<'a, R> + Sync),
    dates: &std::sync::Arc<crate::core::time::Dates>,
) -> FileResult<R> {
    // Times are read as the file's other readers read them.
    let _dates = dates.enter();
    let range = segment.range();
    let mut read = FileProgress::from_offset(range.start);
    let mut checker = checker();
    let grants = layout.read(segment, &mut |grant: &Grant| {
        crate::progress::grant(&mut read, grant.span.offset);
        checker.check(grant);
    });
    crate::progress::part_done(&read, range.end);
    checker.finish(grants)
}

/// Runs every rule on one file's grants, in input order, gathering the file's share.
struct FileChecker<'a, R> {
    file: usize,
    context: &'a Context,
    observe: bool,
    keep: &'a (dyn Fn(usize, &Grant) -> Option<R> + Sync),
    rule_sets: RuleSets<'a>,
    violations: Vec<Violation>,
    result: FileResult<R>,
    /// The fields no column of the file holds, a bit each.
    missing: u32,
    /// column-missing is on: findings about a field the file does not hold are gathered.
    gather: bool,
    /// The rules that group grants by fields of their own, in policy order.
    keyed: Vec<&'a dyn crate::rules::Rule>,
    /// A group's key, reused for every grant.
    key: String,
}

impl<'a, R> FileChecker<'a, R> {
    fn new(
        file: usize,
        policy: &'a Policy,
        context: &'a Context,
        observe: bool,
        keep: &'a (dyn Fn(usize, &Grant) -> Option<R> + Sync),
        missing: u32,
        gather: bool,
    ) -> Self {
        FileChecker {
            file,
            context,
            observe,
            keep,
            rule_sets: RuleSets::new(policy),
            violations: Vec::new(),
            result: FileResult::default(),
            missing,
            gather,
            keyed: policy
                .rules
                .iter()
                .filter(|r| r.rule.needs_all() && r.rule.keyed())
                .map(|r| &*r.rule)
                .collect(),
            key: String::new(),
        }
    }

    /// The share of the grants checked, for a part of a file read on its own.
    fn finish(self, loaded: Result<usize, InputError>) -> FileResult<R> {
        match loaded {
            Ok(grants) => FileResult {
                grants,
                ..self.result
            },
            Err(error) => FileResult::failed(error),
        }
    }

    fn check(&mut self, grant: &Grant) {
        let (file, result) = (self.file, &mut self.result);
        result.records.extend((self.keep)(file, grant));
        for value in &grant.declared {
            result.declared_seen |= 1u64.checked_shl(value.slot as u32).unwrap_or(0);
        }
        let first = result.findings.len();
        for active in self.rule_sets.for_grant(grant) {
            active.rule.check(grant, self.context, &mut self.violations);
            for violation in self.violations.drain(..) {
                // A value that could not be read is field-format's finding alone: a rule that
                // needs it would only call it missing.
                if unreadable(grant, &violation) && active.id != "field-format" {
                    continue;
                }
                // A finding about a field the file does not hold (no column holds it, or the
                // export cannot carry it): said once for the file instead.
                if let Some(field) = violation.field
                    && self.gather
                    && ((self.missing & 1 << field as u32 != 0 && violation.span == grant.span)
                        || !grant.exports(field))
                {
                    result.absent(field, active);
                    continue;
                }
                result
                    .findings
                    .push(finding(active, grant, file, violation));
            }
        }
        // In report order already, grant by grant: the run's final sort then finds one long
        // sorted run instead of moving a million findings.
        result.findings[first..].sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        if self.observe
            && let (Some(tenant), Some(start)) =
                (grant.text(Field::Tenant), grant.time(Field::Start))
        {
            result.observed.add(tenant, start, grant.id().as_deref());
            result
                .places
                .push(Place::new(file, grant.span_of(Field::Tenant)));
        }
        if !self.keyed.is_empty() {
            self.observe_keyed(grant);
        }
    }
}

impl<R> FileChecker<'_, R> {
    /// Hands the grant to each rule that groups grants by fields of its own (`limits:`).
    /// Out of line: most policies have none.
    #[cold]
    #[inline(never)]
    fn observe_keyed(&mut self, grant: &Grant) {
        let result = &mut self.result;
        result.keyed.resize_with(self.keyed.len(), Default::default);
        let Some(start) = grant.time(Field::Start) else {
            return;
        };
        for (rule, (observed, places)) in self.keyed.iter().zip(&mut result.keyed) {
            self.key.clear();
            if let Some(grouped) = rule.group(grant, self.context, &mut self.key) {
                let tenant = grant.text(Field::Tenant);
                let id = grant.id();
                observed.add_keyed(&self.key, start, id.as_deref(), tenant, grouped.end);
                places.push(Place::new(self.file, grouped.span));
            }
        }
    }
}

/// Where an observed grant's tenant is written: a [`Span`] and a file in 24 bytes, as the
/// checker keeps one per grant.
#[derive(Clone, Copy)]
struct Place {
    offset: u64,
    line: u32,
    column: u32,
    len: u32,
    file: u32,
}

impl Place {
    fn new(file: usize, span: Span) -> Place {
        Place {
            offset: span.offset as u64,
            line: span.line,
            column: span.column,
            len: u32::try_from(span.len).unwrap_or(u32::MAX),
            file: file as u32,
        }
    }

    fn span(self) -> Span {
        Span {
            line: self.line,
            column: self.column,
            offset: self.offset as usize,
            len: self.len as usize,
        }
    }
}

/// The finding that stands for an export's gap, under its rule's severity; none when the
/// rule is off.
fn unreadable(grant: &Grant, violation: &Violation) -> bool {
    violation.field.is_some() && grant.problems.iter().any(|p| p.field == violation.field)
}

fn finding(active: &ActiveRule, grant: &Grant, file: usize, v: Violation) -> Finding {
    Finding {
        rule: active.id.clone(),
        severity: active.severity,
        grant: grant.id().map(|id| Box::from(&*id)),
        tenant: grant.text(Field::Tenant).map(Box::from),
        file,
        span: v.span,
        field: v.field,
        declared: v.declared,
        at_grant: v.span == grant.span,
        message: v.message.into(),
        help: v.help,
        related: v.related,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Limits;

    /// A big export's worth of rows, small enough for a test: every tenth grant breaks a
    /// rule, so each segment has findings of its own.
    fn export(rows: usize) -> Vec<u8> {
        let mut text = b"id,tenant,approver,start,expires,reason\n".to_vec();
        for i in 0..rows {
            let approver = if i % 10 == 3 { "" } else { "Ravi Patel" };
            text.extend(
                format!(
                    "SUP-{i},t{},{approver},2026-11-02T10:00:00Z,2026-11-02T11:00:00Z,\"fix sync, #{i}\"\n",
                    i % 13
                )
                .as_bytes(),
            );
        }
        text
    }

    /// Gives its bytes, then fails as a disk or a network share can: a fault injected into
    /// the cutting of a file into segments.
    struct FailsAt<'a> {
        data: &'a [u8],
        at: usize,
    }

    impl crate::load::csv::Fill for FailsAt<'_> {}

    impl std::io::Read for FailsAt<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            if self.at == 0 {
                return Err(std::io::Error::other("the disk went away"));
            }
            let n = buffer.len().min(self.at).min(self.data.len());
            buffer[..n].copy_from_slice(&self.data[..n]);
            (self.data, self.at) = (&self.data[n..], self.at - n);
            Ok(n)
        }
    }

    /// Checks `reader` as a segmented file of blocks of 256 bytes, on `threads` threads,
    /// with `keep` as the caller's hook; every finding as text, and the error.
    fn check_in_segments(
        reader: impl crate::load::csv::Fill + Send,
        threads: usize,
        keep: &(dyn Fn(usize, &Grant) -> Option<()> + Sync),
    ) -> (Vec<String>, usize, Option<InputError>) {
        let policy = Policy::load(None).unwrap();
        let context = Context {
            now: "2026-11-24T12:00:00Z".parse().unwrap(),
            people: None,
        };
        let dates = policy.mapping.dates_of(None, None);
        let checker = || FileChecker::new(0, &policy, &context, true, keep, 0, false);
        let segments = Segments::with_block(reader, "t.csv", b',', &Limits::default(), 256);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let result = pool.install(|| check_segments(segments.unwrap(), &checker, &dates));
        let findings = result.findings.iter().map(|f| format!("{f:?}")).collect();
        (findings, result.grants, result.error)
    }

    #[test]
    fn segments_on_any_number_of_threads_find_what_one_whole_reading_finds() {
        let text = export(300);
        let policy = Policy::load(None).unwrap();
        let context = Context {
            now: "2026-11-24T12:00:00Z".parse().unwrap(),
            people: None,
        };
        let keep = |_: usize, _: &Grant| None::<()>;
        let mut whole = FileChecker::new(0, &policy, &context, true, &keep, 0, false);
        let grants =
            crate::load::csv::load(&text[..], "t.csv", b',', &Limits::default(), &mut |g| {
                whole.check(g)
            });
        let want: Vec<String> = whole
            .result
            .findings
            .iter()
            .map(|f| format!("{f:?}"))
            .collect();
        assert_eq!(grants.unwrap(), 300);
        assert!(want.len() >= 30, "{} findings", want.len());
        for threads in [1, 2, 5] {
            let (got, grants, error) = check_in_segments(&text[..], threads, &keep);
            assert!(error.is_none(), "{error:?}");
            assert_eq!((grants, &got), (300, &want), "{threads} threads");
        }
    }

    #[test]
    fn a_read_error_in_a_middle_segment_is_the_files_one_error_at_its_place() {
        let text = export(300);
        // Halfway: segments before it are checked, and after it none can be cut.
        let at = text.len() / 2;
        let line = 1 + text[..at].iter().filter(|&&b| b == b'\n').count() as u32;
        let reader = FailsAt { data: &text, at };
        let (findings, grants, error) = check_in_segments(reader, 3, &|_, _| None);
        let error = error.expect("the read error");
        assert_eq!(error.file, "t.csv");
        assert!(error.message.contains("the disk went away"), "{error}");
        // Located at the line reading stopped in, within a block of it.
        let place = error.location.expect("a place");
        assert!(place.line.abs_diff(line) < 10, "{place:?} for line {line}");
        // Half a file's findings would mislead: none are kept.
        assert_eq!((findings.len(), grants), (0, 0));
    }

    #[test]
    fn a_panic_while_checking_a_middle_segment_reaches_the_caller_and_nothing_waits() {
        let text = export(300);
        // The caller's hook stands for any bug in the checking of one segment.
        let keep = |_: usize, grant: &Grant| -> Option<()> {
            assert!(grant.id().as_deref() != Some("SUP-150"), "a bug at SUP-150");
            None
        };
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check_in_segments(&text[..], 3, &keep)
        }));
        let panic = run.expect_err("the panic, passed on");
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|m| m.to_string()))
            .unwrap_or_default();
        assert!(message.contains("a bug at SUP-150"), "{message}");
    }
}
