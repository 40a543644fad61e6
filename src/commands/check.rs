//! `grantlint check`: lint the inputs, apply waivers and the baseline, write every report.

use std::io::{IsTerminal, Write};

use super::{CANNOT_RUN, FAILED, PASSED, eprint_diagnostic, write_report};
use crate::cli::{CheckArgs, Color, OutputFormat};
use crate::core::terminal;
use crate::load::ReadOptions;
use crate::policy::Policy;
use crate::report::Run;
use crate::{baseline, check, load, output, policy, report, suppress};

/// `grantlint check`: exit 0, 1 or 2 as DESIGN.md says.
pub fn run(args: &CheckArgs) -> u8 {
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let mut policy = match Policy::discover(args.policy.as_deref()) {
        Ok(policy) => policy,
        Err(errors) => {
            eprint_diagnostic(&errors, color);
            return CANNOT_RUN;
        }
    };
    if let Some(zone) = args.timezone {
        policy.mapping.set_zone_for_all(zone);
    }
    let mut waivers = std::mem::take(&mut policy.waivers);
    if let Some(path) = &args.waivers {
        match policy::waivers::Waivers::load_file(path) {
            Ok(more) => waivers.entries.extend(more.entries),
            Err(errors) => {
                eprint_diagnostic(&errors, color);
                return CANNOT_RUN;
            }
        }
    }
    let mut baseline = None;
    if let Some(path) = &args.baseline {
        match baseline::Baseline::load(path) {
            Ok(b) => baseline = Some(b),
            Err(e) => {
                eprintln!("grantlint: {e}");
                return CANNOT_RUN;
            }
        }
    }
    let options = ReadOptions {
        format: args.input_format,
        delimiter: args.delimiter,
        verbose: args.verbose,
        source: args.source,
        limits: args.limits.limits(),
    };
    // Discovery leaves out grantlint's own files and what the policy or --exclude excludes.
    let found = crate::discover::discover_with(&args.paths, &options, &selection(args, &policy));
    match found.nothing_to_check(args.from_hook) {
        Some(crate::discover::Nothing::Unchanged(note)) => {
            eprintln!("grantlint: {note}");
            return PASSED;
        }
        Some(crate::discover::Nothing::Found(why)) => {
            eprintln!("grantlint: {why}");
            return CANNOT_RUN;
        }
        None => {}
    }
    let (inputs, mut errors) = (found.inputs, found.errors);
    let now = args.now.unwrap_or_else(chrono::Utc::now);
    // JUnit lists every grant, clean ones too; other formats keep none.
    let junit = args.format == OutputFormat::Junit
        || args.report.iter().any(|r| r.format == OutputFormat::Junit);
    let mut outcome = if junit {
        let (mut outcome, records) =
            check::check_with(&inputs, &options, &policy, now, &check::GrantRecord::keep);
        outcome.records = records;
        outcome
    } else {
        check::check(&inputs, &options, &policy, now)
    };
    errors.append(&mut outcome.errors);
    outcome.errors = errors;
    let read: Vec<&std::path::Path> = inputs.iter().filter_map(load::Input::path).collect();
    let own = match suppress::waive(&mut outcome, &waivers, now) {
        Ok(own) => own,
        Err(errors) => {
            eprint_diagnostic(&errors, color);
            return CANNOT_RUN;
        }
    };
    if let Some(path) = &args.write_baseline {
        // Waived findings stay out: a waiver is the reviewed, expiring way to accept one.
        let recorded = baseline::Baseline::record(&outcome.findings);
        if let Err(e) = output::write_atomic(path, recorded.to_json().as_bytes(), &read) {
            eprintln!("grantlint: {e}");
            return CANNOT_RUN;
        }
        baseline = Some(recorded);
    }
    if let Some(baseline) = &baseline {
        suppress::apply_baseline(&mut outcome, baseline);
    }
    suppress::add_findings(&mut outcome, own);
    for error in &outcome.errors {
        eprint_diagnostic(error, color);
    }
    if args.format == OutputFormat::Text {
        super::eprint_maps(&outcome);
    }
    let nothing_checked = outcome.grants == 0 && outcome.errors.is_empty();
    if nothing_checked {
        eprintln!("grantlint: {}", super::nothing_checked(&outcome));
    }
    let run = Run {
        outcome: &outcome,
        policy: &policy.name,
        now,
        fail_on: args.fail_on,
        min_severity: args.min_severity,
    };
    let render = |format: OutputFormat, color: bool| match format {
        OutputFormat::Json => report::json::render(&run),
        OutputFormat::Sarif => report::sarif::render(&run),
        OutputFormat::Junit => report::junit::render(&run),
        OutputFormat::Github => report::github::render(&run),
        OutputFormat::Gitlab => report::gitlab::render(&run),
        OutputFormat::Csv => report::csv::render(&run),
        OutputFormat::Text => {
            let sources = snippet_sources(&inputs, &outcome, &options.limits);
            report::text::render(&run, &sources, color)
        }
    };
    for target in &args.report {
        let text = render(target.format, false);
        if let Err(e) = output::write_atomic(&target.path, text.as_bytes(), &read) {
            eprintln!("grantlint: {e}");
            return CANNOT_RUN;
        }
    }
    if args.format == OutputFormat::Json && args.output.is_none() {
        // The common CI case streams: the largest report is never held whole in memory.
        let mut stdout = std::io::BufWriter::new(output::Stdout);
        let written = report::json::write(&run, &mut stdout).and_then(|()| stdout.flush());
        if let Err(e) = written {
            eprintln!("grantlint: cannot write the report: {e}");
            return CANNOT_RUN;
        }
    } else if let Err(code) =
        write_report(args.output.as_deref(), &render(args.format, color), &inputs)
    {
        return code;
    }
    let code = if !outcome.errors.is_empty() || nothing_checked {
        CANNOT_RUN
    } else if run.passed() {
        PASSED
    } else {
        FAILED
    };
    // The process exits next: handing a million findings back to the allocator one by one
    // would only make the run longer.
    std::mem::forget(outcome);
    code
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
    outcome: &check::Outcome,
    limits: &load::Limits,
) -> Vec<Option<miette::NamedSource<terminal::Lines>>> {
    // Waivers' own findings point into policy files, after the inputs: no snippet for those.
    let mut wanted = vec![false; outcome.files.len()];
    for f in &outcome.findings {
        wanted[f.file] = true;
    }
    inputs
        .iter()
        .zip(wanted)
        .map(|(input, wanted)| {
            wanted
                .then(|| load::read_text(input, limits).ok())
                .flatten()
                .map(|text| terminal::snippet_lines(&input.name, text))
        })
        .collect()
}

/// `grantlint inspect`: how each input was understood, without linting it. Exit 2 when an
/// input could not be read or no grant was read at all, as `check` would.
pub fn inspect(args: &CheckArgs) -> u8 {
    let mut policy = match Policy::discover(args.policy.as_deref()) {
        Ok(policy) => policy,
        Err(errors) => {
            eprint_diagnostic(&errors, false);
            return CANNOT_RUN;
        }
    };
    if let Some(zone) = args.timezone {
        policy.mapping.set_zone_for_all(zone);
    }
    let options = ReadOptions {
        format: args.input_format,
        delimiter: args.delimiter,
        verbose: args.verbose,
        source: args.source,
        limits: args.limits.limits(),
    };
    let found = crate::discover::discover_with(&args.paths, &options, &selection(args, &policy));
    if let Some(crate::discover::Nothing::Found(why) | crate::discover::Nothing::Unchanged(why)) =
        found.nothing_to_check(args.from_hook)
    {
        eprintln!("grantlint: {why}");
        return CANNOT_RUN;
    }
    let (inputs, mut errors) = (found.inputs, found.errors);
    let now = args.now.unwrap_or_else(chrono::Utc::now);
    let mut outcome = check::check(&inputs, &options, &policy, now);
    errors.append(&mut outcome.errors);
    outcome.errors = errors;
    let text = if args.format == OutputFormat::Json {
        report::json::inspect(&outcome)
    } else {
        for error in &outcome.errors {
            eprint_diagnostic(error, false);
        }
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
    };
    if let Err(code) = write_report(args.output.as_deref(), &text, &inputs) {
        return code;
    }
    if !outcome.errors.is_empty() || outcome.grants == 0 {
        CANNOT_RUN
    } else {
        PASSED
    }
}
