//! The checker: reads every input, runs every active rule on every grant, and gathers the
//! findings in DESIGN.md's order. Files are checked in parallel; the result does not depend on
//! the number of threads.

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::core::span::Span;
use crate::finding::{Finding, Suppressed, Violation};
use crate::grant::{Field, Grant};
use crate::load::csv::{Next, Redo, Segment, Segments};
use crate::load::understood::InputMap;
use crate::load::{self, Input, InputError, ReadOptions};
use crate::policy::overrides::RuleSets;
use crate::policy::{ActiveRule, Policy};
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
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
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
    /// What the caller's hook kept of each grant, in input order.
    records: Vec<R>,
    error: Option<InputError>,
    /// Findings about a field the file does not hold (no column, or an export that cannot
    /// carry it), gathered into one per field.
    absent: Vec<Absent>,
    map: Option<InputMap>,
    /// What the adapter said its export cannot carry, and where.
    gaps: Vec<load::adapters::Gap>,
}

/// The per-grant findings about one field that no column of the file holds.
struct Absent {
    field: Field,
    rules: Vec<std::borrow::Cow<'static, str>>,
    severity: crate::finding::Severity,
    grants: usize,
}

impl<R> FileResult<R> {
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
                at_grant: false,
                message: message.into(),
                help: help.into(),
                related: Vec::new(),
            });
        }
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
            records: Vec::new(),
            error: None,
            absent: Vec::new(),
            map: None,
            gaps: Vec::new(),
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
    let observe = policy.rules.iter().any(|r| r.rule.needs_all());
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
        ..
    } = all;
    (outcome.grants, outcome.skipped, outcome.findings) = (all.grants, all.skipped, all.findings);
    let mut across = Vec::new();
    for active in policy.rules.iter().filter(|r| r.rule.needs_all()) {
        let mut violations = Vec::new();
        active.rule.check_all(&mut observed, &mut violations);
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
                tenant: Some(observed.tenant(i).into()),
                file: place.file as usize,
                span: place.span(),
                field: violation.field,
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

/// Inputs at least this large are read on one thread and checked on another, so one big
/// export uses both cores; smaller ones are not worth a thread.
const PIPELINE_BYTES: u64 = 4 << 20;

/// Grants handed from the reader to the checker at a time.
const BATCH: usize = 512;

/// What every file's check shares.
struct Shared<'a> {
    options: &'a ReadOptions,
    policy: &'a Policy,
    context: &'a Context,
    related: &'a load::adapters::Related,
}

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
        Err(error) => {
            return FileResult {
                error: Some(error),
                ..FileResult::default()
            };
        }
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
    if size >= PIPELINE_BYTES
        && let Some(segments) = load::adapters::segments(input, options, &native)
    {
        let mut result = check_segments(segments, &checker, &dates);
        crate::progress::file_done(
            &crate::progress::FileProgress::from_offset(size as usize),
            size,
        );
        result.map = map;
        result.report_absent(file, cap);
        return result;
    }
    let mut read = crate::progress::FileProgress::default();
    let (mut result, loaded) = if size >= PIPELINE_BYTES {
        std::thread::scope(|scope| {
            let (to_checker, batches) = std::sync::mpsc::sync_channel::<Vec<Grant>>(4);
            let (to_reader, spent) = std::sync::mpsc::channel::<Vec<Grant>>();
            let checker = scope.spawn(move || {
                let mut checker = checker();
                for batch in batches {
                    for grant in &batch {
                        checker.check(grant);
                    }
                    // The reader reuses the batch's grants and their buffers.
                    let _ = to_reader.send(batch);
                }
                checker.result
            });
            let mut batch: Vec<Grant> = Vec::with_capacity(BATCH);
            let mut filled = 0;
            let loaded = load::adapters::load(input, options, &native, &mut |grant: &Grant| {
                crate::progress::grant(&mut read, grant.span.offset);
                if filled == batch.len() {
                    batch.push(Grant::default());
                }
                batch[filled].copy_from(grant);
                filled += 1;
                if filled == BATCH {
                    let mut next = spent.try_recv().unwrap_or_default();
                    std::mem::swap(&mut batch, &mut next);
                    next.truncate(filled);
                    let _ = to_checker.send(next);
                    filled = 0;
                }
            });
            batch.truncate(filled);
            if !batch.is_empty() {
                let _ = to_checker.send(batch);
            }
            drop(to_checker);
            // The checker only ends when the reader has; its panic is the checker's own bug.
            let result = checker
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (result, loaded)
        })
    } else {
        let mut checker = checker();
        let loaded = load::adapters::load(input, options, &native, &mut |grant: &Grant| {
            crate::progress::grant(&mut read, grant.span.offset);
            checker.check(grant);
        });
        (checker.result, loaded)
    };
    crate::progress::file_done(&read, size);
    match loaded {
        Ok(loaded) => {
            result.grants = loaded.grants;
            result.skipped = loaded.skipped;
            result.map = map.or(loaded.map);
            result.gaps = loaded.gaps;
            result.report_absent(file, cap);
        }
        Err(error) => {
            // Half a file's findings would mislead; the error says what to fix first.
            result = FileResult {
                error: Some(error),
                ..FileResult::default()
            };
        }
    }
    result
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

/// Checks a big plain CSV on every core: this thread only cuts the file into segments, and
/// workers read and check one segment each, so one export uses all cores and no grant is
/// handed between threads. The result is the one reading the file whole gives: the parts
/// joined in file order, or the error alone.
fn check_segments<'a, R: Send>(
    mut segments: Segments<std::fs::File>,
    checker: &(dyn Fn() -> FileChecker<'a, R> + Sync),
    dates: &std::sync::Arc<crate::core::time::Dates>,
) -> FileResult<R> {
    let layout = segments.layout().clone();
    let workers = rayon::current_num_threads().max(1);
    std::thread::scope(|scope| {
        // Bounded: the file is read no further ahead than the workers can take.
        let (to_workers, work) = std::sync::mpsc::sync_channel::<(usize, Segment)>(workers);
        // Shared by the workers, and dropped with the last one, so the cutting stops even if
        // every worker were gone.
        let work = std::sync::Arc::new(std::sync::Mutex::new(work));
        let (to_cutter, done) = std::sync::mpsc::channel::<Done<R>>();
        let mut handles = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (work, to_cutter, layout) =
                (std::sync::Arc::clone(&work), to_cutter.clone(), &layout);
            handles.push(scope.spawn(move || {
                // Each worker reads times as the file's other readers do.
                let _dates = dates.enter();
                loop {
                    let next = work
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .recv();
                    let Ok((index, segment)) = next else { break };
                    let range = segment.range();
                    let mut read = crate::progress::FileProgress::from_offset(range.start);
                    let mut checker = checker();
                    // A segment read again after a wrong guess counts twice on the progress
                    // bar: a few megabytes, once a file at most.
                    let part = layout.read(&segment, &mut |grant: &Grant| {
                        crate::progress::grant(&mut read, grant.span.offset);
                        checker.check(grant);
                    });
                    crate::progress::part_done(&read, range.end);
                    let result = checker.finish(part.grants);
                    let buffer = segment.into_buffer();
                    if to_cutter.send((index, result, part.redo, buffer)).is_err() {
                        break;
                    }
                }
            }));
        }
        drop((to_cutter, work));
        // The next part back. Workers only stop once the cutting has, so one that has
        // stopped before panicked, and its part will never come: `None`, and leaving the
        // scope then passes the panic on, where waiting would hang.
        let receive = || loop {
            match done.recv_timeout(std::time::Duration::from_millis(50)) {
                Ok(part) => return Some(part),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout)
                    if !handles.iter().any(|h| h.is_finished()) => {}
                Err(_) => return None,
            }
        };
        // Parts come back in any order and are joined in file order as soon as they can
        // be, so finished segments do not pile up.
        let mut parts: Vec<Option<(FileResult<R>, Option<Redo>)>> = Vec::new();
        let mut joined = FileResult::default();
        let mut next = 0;
        // Segments with the workers, and whether more can be cut.
        let (mut out, mut cutting) = (0, true);
        let mut buffers = Vec::new();
        let mut error = None;
        let mut rest = false;
        loop {
            // Nothing to cut: wait for the workers.
            let wait = !cutting && out > 0;
            let mut take = |(index, result, redo, buffer): Done<R>| {
                parts[index] = Some((result, redo));
                buffers.push(buffer);
                out -= 1;
            };
            if wait {
                match receive() {
                    Some(part) => take(part),
                    None => break,
                }
            }
            done.try_iter().for_each(&mut take);
            while let Some((result, redo)) = parts.get_mut(next).and_then(Option::take) {
                if let Some(redo) = redo {
                    // Cut at a wrong guess: this part and all after it are void. Once the
                    // workers are done with theirs, cutting goes on from its start.
                    let void: Option<Vec<_>> = (0..out).map(|_| receive()).collect();
                    cutting = error.is_none() && void.is_some();
                    buffers.extend(void.into_iter().flatten().map(|(.., buffer)| buffer));
                    (out, rest) = (0, false);
                    parts.truncate(next);
                    if cutting && let Err(e) = segments.redo(redo) {
                        (error, cutting) = (Some(e), false);
                    }
                    break;
                }
                joined.append(result);
                next += 1;
            }
            if !cutting {
                if out == 0 {
                    break;
                }
                continue;
            }
            match segments.next(buffers.pop().unwrap_or_default()) {
                Ok(Next::Segment(segment)) => {
                    parts.push(None);
                    if to_workers.send((parts.len() - 1, segment)).is_err() {
                        break;
                    }
                    out += 1;
                }
                // Read once every part before it is joined, as a wrong guess moves its start.
                Ok(Next::Rest) => (rest, cutting) = (true, false),
                Ok(Next::End) => cutting = false,
                Err(e) => (error, cutting) = (Some(e), false),
            }
        }
        drop(to_workers);
        if rest && error.is_none() {
            // The file could not be cut from here on: this thread reads the rest in order.
            let mut checker = checker();
            let mut read = crate::progress::FileProgress::default();
            let loaded = segments.read_rest(&mut |grant: &Grant| {
                crate::progress::grant(&mut read, grant.span.offset);
                checker.check(grant);
            });
            joined.append(checker.finish(loaded));
        }
        if let Some(error) = error.or(joined.error.take()) {
            // Half a file's findings would mislead; the error says what to fix first.
            return FileResult {
                error: Some(error),
                ..FileResult::default()
            };
        }
        joined
    })
}

/// A segment's share, as a worker hands it back: its index, what was found, whether it must
/// be read again, and its buffer for the next segment.
type Done<R> = (usize, FileResult<R>, Option<Redo>, Vec<u8>);

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
        }
    }

    /// The share of the grants checked, for a part of a file read on its own.
    fn finish(self, loaded: Result<usize, InputError>) -> FileResult<R> {
        match loaded {
            Ok(grants) => FileResult {
                grants,
                ..self.result
            },
            Err(error) => FileResult {
                error: Some(error),
                ..FileResult::default()
            },
        }
    }

    fn check(&mut self, grant: &Grant) {
        let (file, result) = (self.file, &mut self.result);
        result.records.extend((self.keep)(file, grant));
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
        at_grant: v.span == grant.span,
        message: v.message.into(),
        help: v.help,
        related: v.related,
    }
}
