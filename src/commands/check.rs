//! `grantlint check`: lint the inputs, apply waivers and the baseline, write every report.
//! `run` reads as the phases of a run: colour, policy, suppressions, discovery, the check,
//! the reports, the exit code.

use std::io::{IsTerminal, Write};
use std::path::Path;

use super::{CANNOT_RUN, FAILED, PASSED, eprint_diagnostic, write_file, write_report};
use crate::baseline::Baseline;
use crate::check::{GrantRecord, Outcome};
use crate::cli::{CheckArgs, Color};
use crate::core::terminal;
use crate::grant::Grant;
use crate::policy::Policy;
use crate::policy::waivers::Waivers;
use crate::report::{Extras, Needs, Reporter, Run};
use crate::{load, output, report, suppress};

/// `grantlint check`: exit 0, 1 or 2 as DESIGN.md says.
pub fn run(args: &CheckArgs) -> u8 {
    let color = use_color(args.color);
    phases(args, color).unwrap_or_else(|code| code)
}

/// The run, phase by phase. Err: the exit code of a run that stopped early, why said.
fn phases(args: &CheckArgs, color: bool) -> Result<u8, u8> {
    let mut policy = super::load_policy(args.policy.as_deref(), args.timezone, color)?;
    let suppressions = Suppressions::load(args, &mut policy, color)?;
    let options = stdin_format(args, read_options!(args));
    let found = discover(args, &options, &policy)?;
    check_targets(args, &policy, &found)?;
    let now = args.now.unwrap_or_else(chrono::Utc::now);
    let needs = needs(args);
    let (inputs, mut outcome) = check_inputs(found, &options, &policy, now, needs.records);
    let read: Vec<&Path> = inputs.iter().filter_map(load::Input::path).collect();
    suppressions.apply(
        &mut outcome,
        args.write_baseline.as_deref(),
        &read,
        now,
        color,
    )?;
    report::paths::Naming::new(args.root.as_deref(), args.stdin_filename.as_deref())
        .rename(&mut outcome);
    let for_people = report::reporter(args.format).for_people();
    let nothing_checked = tell(&outcome, for_people, color);
    let sources = if needs.sources {
        snippet_sources(&inputs, &outcome, &options.limits)
    } else {
        Vec::new()
    };
    let rules = report::RuleInfo::of_policy(&policy);
    let settings = report::Settings {
        category: args.category.clone(),
        max_results: args.max_results,
        statistics: args.statistics,
    };
    let run = Run {
        outcome: &outcome,
        policy: &policy.name,
        now,
        fail_on: args.fail_on,
        min_severity: args.min_severity,
        rules: &rules,
        settings: &settings,
    };
    write_reports(args, &run, &sources, &read, color)?;
    if std::iter::once(args.format)
        .chain(args.report.iter().map(|r| r.format))
        .any(|f| f == report::OutputFormat::Github)
    {
        report::github::append_job_summary(&run);
    }
    let code = exit_code(&run, nothing_checked);
    // The process exits next: handing a million findings back to the allocator one by one
    // would only make the run longer.
    std::mem::forget(outcome);
    Ok(code)
}

/// `--stdin-filename`'s extension is the format of standard input when it is the only input
/// and `--input-format` is not given.
fn stdin_format(args: &CheckArgs, mut options: load::ReadOptions) -> load::ReadOptions {
    if options.format.is_none()
        && args.paths.iter().all(|p| p.as_os_str() == "-")
        && let Some(name) = &args.stdin_filename
    {
        options.format = load::Format::from_extension(name);
    }
    options
}

/// What the run must gather for the `--format` report and every `--report`.
fn needs(args: &CheckArgs) -> Needs {
    let extra = args.report.iter().map(|target| target.format);
    Needs::of_all(
        std::iter::once(args.format)
            .chain(extra)
            .map(report::reporter),
    )
}

/// Checks the inputs found; every grant's place is kept when a report lists clean grants.
fn check_inputs(
    found: crate::discover::Discovery,
    options: &load::ReadOptions,
    policy: &Policy,
    now: chrono::DateTime<chrono::Utc>,
    records: bool,
) -> (Vec<load::Input>, Outcome) {
    let keep: &(dyn Fn(usize, &Grant) -> Option<GrantRecord> + Sync) = if records {
        &GrantRecord::keep
    } else {
        &|_, _| None
    };
    let (inputs, mut outcome, records) = super::check_found(found, options, policy, now, keep);
    outcome.records = records;
    (inputs, outcome)
}

/// `--color`: `auto` colours a terminal, unless NO_COLOR is set (and not empty).
fn use_color(when: Color) -> bool {
    match when {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// What takes findings out of the reports: the policy's waivers and `--waivers`, and the
/// `--baseline`.
struct Suppressions {
    waivers: Waivers,
    baseline: Option<Baseline>,
}

impl Suppressions {
    /// Read before any input, so a broken waivers or baseline file stops the run at once.
    fn load(args: &CheckArgs, policy: &mut Policy, color: bool) -> Result<Self, u8> {
        let mut waivers = std::mem::take(&mut policy.waivers);
        if let Some(path) = &args.waivers {
            let more = Waivers::load_file(path).map_err(|errors| {
                eprint_diagnostic(&errors, color);
                CANNOT_RUN
            })?;
            waivers.entries.extend(more.entries);
        }
        let baseline = match &args.baseline {
            Some(path) => Some(Baseline::load(path).map_err(|e| {
                eprintln!("grantlint: {e}");
                CANNOT_RUN
            })?),
            None => None,
        };
        Ok(Suppressions { waivers, baseline })
    }

    /// Waives, records the baseline (`--write-baseline` to `record`) and applies it, then
    /// adds the waivers' own findings (expired, unused), which no baseline hides.
    fn apply(
        self,
        outcome: &mut Outcome,
        record: Option<&Path>,
        read: &[&Path],
        now: chrono::DateTime<chrono::Utc>,
        color: bool,
    ) -> Result<(), u8> {
        let own = suppress::waive(outcome, &self.waivers, now).map_err(|errors| {
            eprint_diagnostic(&errors, color);
            CANNOT_RUN
        })?;
        let mut baseline = self.baseline;
        if let Some(path) = record {
            // Waived findings stay out: a waiver is the reviewed, expiring way to accept one.
            let recorded = Baseline::record(&outcome.findings, &outcome.fields);
            write_file(path, recorded.to_json().as_bytes(), read)?;
            baseline = Some(recorded);
        }
        if let Some(baseline) = &baseline {
            suppress::apply_baseline(outcome, baseline);
        }
        suppress::add_findings(outcome, own);
        Ok(())
    }
}

/// Refuses, before the check, a report that would replace a file the run reads (the policy,
/// what it extends, its people file, waivers, the baseline, an input) or another report. Writing the
/// baseline over the one read (`--baseline b.json --write-baseline b.json`) refreshes it.
fn check_targets(
    args: &CheckArgs,
    policy: &Policy,
    found: &crate::discover::Discovery,
) -> Result<(), u8> {
    let mut outputs: Vec<&Path> = args.report.iter().map(|r| r.path.as_path()).collect();
    outputs.extend(args.output.as_deref());
    let own = policy.own_files();
    let mut read: Vec<&Path> = own.iter().map(|(path, _)| path.as_path()).collect();
    read.extend(args.waivers.as_deref());
    read.extend(found.inputs.iter().filter_map(load::Input::path));
    let with_baseline = [&read[..], args.baseline.as_deref().as_slice()].concat();
    output::check_targets(&outputs, &with_baseline)
        .and_then(|()| {
            outputs.extend(args.write_baseline.as_deref());
            output::check_targets(&outputs, &read)
        })
        .map_err(|e| {
            eprintln!("grantlint: {e}");
            CANNOT_RUN
        })
}

/// Says on standard error what the reports leave to it: the inputs that could not be read,
/// how columns were read (to people, see `Reporter::for_people`), and a run that checked
/// nothing. Returns whether nothing was checked.
fn tell(outcome: &Outcome, for_people: bool, color: bool) -> bool {
    for error in &outcome.errors {
        eprint_diagnostic(error, color);
    }
    if for_people {
        super::eprint_maps(outcome);
    }
    let nothing_checked = outcome.grants == 0 && outcome.errors.is_empty();
    if nothing_checked {
        eprintln!("grantlint: {}", super::nothing_checked(outcome));
    }
    nothing_checked
}

/// Writes each `--report FORMAT=PATH`, then the `--format` report: to `--output`, or to
/// standard output as it is written (JSON's largest report is never held whole).
fn write_reports(
    args: &CheckArgs,
    run: &Run,
    sources: &[Option<miette::NamedSource<terminal::Lines>>],
    read: &[&Path],
    color: bool,
) -> Result<(), u8> {
    for target in &args.report {
        let extras = Extras {
            color: false,
            sources,
        };
        let bytes = in_memory(report::reporter(target.format), run, &extras)?;
        write_file(&target.path, &bytes, read)?;
    }
    let format = report::reporter(args.format);
    let extras = Extras { color, sources };
    if let Some(path) = &args.output {
        return write_file(path, &in_memory(format, run, &extras)?, read);
    }
    let mut stdout = std::io::BufWriter::new(output::Stdout);
    format
        .write(run, &extras, &mut stdout)
        .and_then(|()| stdout.flush())
        .map_err(|e| {
            eprintln!("grantlint: cannot write the report: {e}");
            CANNOT_RUN
        })
}

/// A whole report in memory, for a file that must hold all of it or nothing.
fn in_memory(reporter: &dyn Reporter, run: &Run, extras: &Extras) -> Result<Vec<u8>, u8> {
    let mut bytes = Vec::new();
    match reporter.write(run, extras, &mut bytes) {
        Ok(()) => Ok(bytes),
        Err(e) => {
            eprintln!("grantlint: cannot write the report: {e}");
            Err(CANNOT_RUN)
        }
    }
}

/// 2 when an input could not be read or nothing was checked, else 1 when a finding fails
/// the run (`--fail-on`), else 0.
fn exit_code(run: &Run, nothing_checked: bool) -> u8 {
    if !run.outcome.errors.is_empty() || nothing_checked {
        CANNOT_RUN
    } else if run.passed() {
        PASSED
    } else {
        FAILED
    }
}

/// The inputs to check. Discovery leaves out grantlint's own files and what the policy or
/// `--exclude` excludes.
fn discover(
    args: &CheckArgs,
    options: &load::ReadOptions,
    policy: &Policy,
) -> Result<crate::discover::Discovery, u8> {
    super::discover(
        &args.paths,
        options,
        &selection(args, policy),
        args.from_hook,
    )
}

/// What a search of the paths leaves out: the policy's own files and `inputs:`, `--exclude`,
/// and the other files this run reads. The files it writes are not named here: one that is
/// an export must stay an input, so that writing over it is refused; a report or baseline
/// from an earlier run is told by its first bytes.
fn selection<'p>(args: &CheckArgs, policy: &'p Policy) -> crate::discover::Selection<'p> {
    crate::discover::Selection::new(policy, &args.exclude)
        .from_hook(args.from_hook)
        .own(args.waivers.as_deref(), "the waivers given with --waivers")
        .own(
            args.baseline.as_deref(),
            "the baseline given with --baseline",
        )
}

/// The text of each file that has findings, for the snippets; a file that cannot be read
/// again is shown without one.
fn snippet_sources(
    inputs: &[load::Input],
    outcome: &Outcome,
    limits: &load::Limits,
) -> Vec<Option<miette::NamedSource<terminal::Lines>>> {
    // Waivers' own findings point into policy files, after the inputs: no snippet for those.
    let mut wanted = vec![false; outcome.files.len()];
    for f in &outcome.findings {
        wanted[f.file] = true;
    }
    // Named as the reports name the file (`report::paths`), not as given.
    inputs
        .iter()
        .zip(wanted)
        .zip(&outcome.files)
        .map(|((input, wanted), name)| {
            // A file of gigabytes (`--max-file-size` raised) is not held whole for snippets.
            (wanted && input.size() <= load::limits::MAX_SNIPPET_SOURCE)
                .then(|| load::read_text(input, limits).ok())
                .flatten()
                .map(|text| terminal::snippet_source(name, text))
        })
        .collect()
}

/// `grantlint inspect`: how each input was understood, without linting it. Exit 2 when an
/// input could not be read or no grant was read at all, as `check` would.
pub fn inspect(args: &CheckArgs) -> u8 {
    inspected(args).unwrap_or_else(|code| code)
}

fn inspected(args: &CheckArgs) -> Result<u8, u8> {
    let policy = super::load_policy(args.policy.as_deref(), args.timezone, false)?;
    let options = read_options!(args);
    // Even a hook's run that changed no export: there is nothing to show.
    let found = discover(args, &options, &policy).map_err(|_| CANNOT_RUN)?;
    check_targets(args, &policy, &found)?;
    let now = args.now.unwrap_or_else(chrono::Utc::now);
    let (inputs, outcome, _) =
        super::check_found(found, &options, &policy, now, &|_, _| None::<()>);
    let text = if args.format == crate::cli::OutputFormat::Json {
        report::json::inspect(&outcome)
    } else {
        for error in &outcome.errors {
            eprint_diagnostic(error, false);
        }
        describe_inputs(&outcome)
    };
    write_report(args.output.as_deref(), &text, &inputs)?;
    if !outcome.errors.is_empty() || outcome.grants == 0 {
        Ok(CANNOT_RUN)
    } else {
        Ok(PASSED)
    }
}

/// `inspect`'s text: each input's columns or keys as read, then what was read in all.
fn describe_inputs(outcome: &Outcome) -> String {
    let mut text = String::new();
    for (name, map) in outcome.files.iter().zip(&outcome.maps) {
        match map {
            Some(map) => text.push_str(&map.describe(name)),
            None => text.push_str(&format!(
                "{name}: read by its system's adapter; `grantlint explain --source …` shows its fields\n"
            )),
        }
    }
    let files = match outcome.inputs {
        1 => "1 file".to_string(),
        n => format!("{n} files"),
    };
    text.push_str(&format!("{files}, {} grants read", outcome.grants));
    if outcome.skipped > 0 {
        text.push_str(&format!(
            ", {} requests that never became access",
            outcome.skipped
        ));
    }
    text.push('\n');
    terminal::clean(&text).into_owned()
}
