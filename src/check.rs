//! The checker: reads every input, runs every active rule on every grant, and gathers the
//! findings in DESIGN.md's order. Files are checked in parallel; the result does not depend on
//! the number of threads.

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use crate::finding::{Finding, Suppressed, Violation};
use crate::grant::{Field, Grant, Span};
use crate::load::{self, Input, InputError, ReadOptions};
use crate::policy::overrides::RuleSets;
use crate::policy::{ActiveRule, Policy};
use crate::rules::{Context, Observed, Tenants};

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
}

/// Where a grant was read, so reporters can list clean grants too.
#[derive(Clone, Debug, PartialEq)]
pub struct GrantRecord {
    pub file: usize,
    pub id: Option<String>,
    pub span: Span,
}

impl GrantRecord {
    /// The hook for [`check_with`] that keeps every grant's place.
    pub fn keep(file: usize, grant: &Grant) -> Option<GrantRecord> {
        Some(GrantRecord {
            file,
            id: grant.id().map(str::to_string),
            span: grant.span,
        })
    }
}

/// One file's share of the run.
struct FileResult<R> {
    grants: usize,
    skipped: usize,
    findings: Vec<Finding>,
    observed: Vec<(Observed, Span)>,
    /// The tenants `observed` names, by this file's own numbering.
    tenants: Tenants,
    /// What the caller's hook kept of each grant, in input order.
    records: Vec<R>,
    error: Option<InputError>,
}

impl<R> Default for FileResult<R> {
    fn default() -> Self {
        FileResult {
            grants: 0,
            skipped: 0,
            findings: Vec::new(),
            observed: Vec::new(),
            tenants: Tenants::default(),
            records: Vec::new(),
            error: None,
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
    let results: Vec<FileResult<R>> = inputs
        .par_iter()
        .enumerate()
        .map(|(file, input)| check_file(file, input, options, policy, &context, observe, keep))
        .collect();
    crate::progress::finish();
    eprintln!("TIMING files done");
    let t1 = std::time::Instant::now();

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
    };
    let mut observed = Vec::new();
    let mut places = Vec::new();
    let mut tenants = Tenants::default();
    let mut records = Vec::new();
    for (file, result) in results.into_iter().enumerate() {
        outcome.grants += result.grants;
        records.extend(result.records);
        outcome.skipped += result.skipped;
        outcome.findings.extend(result.findings);
        outcome.errors.extend(result.error);
        // One numbering for the run: the same tenant in two files is one tenant.
        let run_ids: Vec<u32> = (0..result.tenants.len() as u32)
            .map(|id| tenants.id(result.tenants.name(id)))
            .collect();
        for (mut o, span) in result.observed {
            o.tenant = run_ids[o.tenant as usize];
            observed.push(o);
            places.push((file, span));
        }
    }
    for active in policy.rules.iter().filter(|r| r.rule.needs_all()) {
        let mut violations = Vec::new();
        active.rule.check_all(&observed, &tenants, &mut violations);
        for (i, violation) in violations {
            let (file, span) = places[i];
            let grant = &observed[i];
            outcome.findings.push(Finding {
                rule: active.id.clone(),
                severity: active.severity,
                grant: grant.grant.as_deref().map(str::to_string),
                tenant: Some(tenants.name(grant.tenant).to_string()),
                file,
                span,
                field: violation.field,
                at_grant: false,
                message: violation.message,
                help: violation.help,
                related: violation.related,
            });
        }
    }
    eprintln!("TIMING merge+all {:?}", t1.elapsed());
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

fn check_file<R: Send>(
    file: usize,
    input: &Input,
    options: &ReadOptions,
    policy: &Policy,
    context: &Context,
    observe: bool,
    keep: &(dyn Fn(usize, &Grant) -> Option<R> + Sync),
) -> FileResult<R> {
    let native = load::adapters::Native {
        file: &input.name,
        delimiter: options.delimiter,
        now: context.now,
        mapping: &policy.mapping,
        limits: &options.limits,
    };
    let mut read = crate::progress::FileProgress::default();
    let size = input.size();
    let (mut result, loaded) = if size >= PIPELINE_BYTES && std::env::var_os("NOPIPE").is_none() {
        std::thread::scope(|scope| {
            let (to_checker, batches) = std::sync::mpsc::sync_channel::<Vec<Grant>>(4);
            let (to_reader, spent) = std::sync::mpsc::channel::<Vec<Grant>>();
            let checker = scope.spawn(move || {
                let mut checker = FileChecker::new(file, policy, context, observe, keep);
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
        let mut checker = FileChecker::new(file, policy, context, observe, keep);
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

/// Runs every rule on one file's grants, in input order, gathering the file's share.
struct FileChecker<'a, R> {
    file: usize,
    context: &'a Context,
    observe: bool,
    keep: &'a (dyn Fn(usize, &Grant) -> Option<R> + Sync),
    rule_sets: RuleSets<'a>,
    violations: Vec<Violation>,
    result: FileResult<R>,
}

impl<'a, R> FileChecker<'a, R> {
    fn new(
        file: usize,
        policy: &'a Policy,
        context: &'a Context,
        observe: bool,
        keep: &'a (dyn Fn(usize, &Grant) -> Option<R> + Sync),
    ) -> Self {
        FileChecker {
            file,
            context,
            observe,
            keep,
            rule_sets: RuleSets::new(policy),
            violations: Vec::new(),
            result: FileResult::default(),
        }
    }

    fn check(&mut self, grant: &Grant) {
        let (file, result) = (self.file, &mut self.result);
        result.records.extend((self.keep)(file, grant));
        for active in self.rule_sets.for_grant(grant) {
            active.rule.check(grant, self.context, &mut self.violations);
            for violation in self.violations.drain(..) {
                // A value that could not be read is field-format's finding alone: a rule that
                // needs it would only call it missing.
                if unreadable(grant, &violation) && active.id != "field-format" {
                    continue;
                }
                result
                    .findings
                    .push(finding(active, grant, file, violation));
            }
        }
        if self.observe
            && let (Some(tenant), Some(start)) =
                (grant.text(Field::Tenant), grant.time(Field::Start))
        {
            let tenant = result.tenants.id(tenant);
            result.observed.push((
                Observed {
                    tenant,
                    start,
                    grant: grant.id().map(Box::from),
                },
                grant.span_of(Field::Tenant),
            ));
        }
    }
}

fn unreadable(grant: &Grant, violation: &Violation) -> bool {
    violation.field.is_some() && grant.problems.iter().any(|p| p.field == violation.field)
}

fn finding(active: &ActiveRule, grant: &Grant, file: usize, v: Violation) -> Finding {
    Finding {
        rule: active.id.clone(),
        severity: active.severity,
        grant: grant.id().map(str::to_string),
        tenant: grant.text(Field::Tenant).map(str::to_string),
        file,
        span: v.span,
        field: v.field,
        at_grant: v.span == grant.span,
        message: v.message,
        help: v.help,
        related: v.related,
    }
}
