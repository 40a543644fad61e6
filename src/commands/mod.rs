//! One function per subcommand; `main` only parses the arguments and exits with the code
//! the subcommand returns. Shared here: the exit codes and how reports and diagnostics are
//! written.

/// The reading flags `check`, `inspect` and `report` share, as `ReadOptions`: their
/// argument structs name them alike.
macro_rules! read_options {
    ($args:expr) => {
        crate::load::ReadOptions {
            format: $args.input_format,
            delimiter: $args.delimiter,
            verbose: $args.verbose,
            source: $args.source,
            limits: $args.limits.limits(),
        }
    };
}

mod check;
pub mod docs;
mod policy;
mod report;

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::check::{Outcome, check_with};
use crate::cli::{Cli, Command, PolicyCommand};
use crate::grant::Grant;
use crate::load::ReadOptions;
use crate::policy::Policy;
use crate::{load, output};

/// Exit codes (DESIGN.md): no failing finding, failing findings, could not run.
pub const PASSED: u8 = 0;
pub const FAILED: u8 = 1;
pub const CANNOT_RUN: u8 = 2;

/// Runs the subcommand; returns the exit code.
pub fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Review {
            command: crate::cli::ReviewCommand::Sign(args),
        } => report::sign(&args),
        Command::Inspect(args) => check::inspect(&args),
        Command::Rules { policy } => policy::list_rules(policy.as_deref()),
        Command::Explain {
            source: Some(source),
            ..
        } => {
            match source.is_config() {
                true => print!("{}", crate::config::docs(source)),
                false => print!("{}", source.adapter().docs()),
            }
            PASSED
        }
        Command::Explain { rule, policy, .. } => {
            policy::explain(rule.as_deref().unwrap_or_default(), policy.as_deref())
        }
        Command::Policy { command } => match command {
            PolicyCommand::Show { policy } => policy::show(policy.as_deref()),
            PolicyCommand::Check { file } => policy::check(file.as_deref()),
        },
        Command::Init { path, force } => policy::init(&path, force),
        Command::Test { dir, policy } => policy::run_tests(dir, policy),
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { dir } => docs::man(dir.as_deref()),
    }
}

/// The policy (`--policy`, else the nearest, else the default) with `--timezone` over its
/// mapping's zone. Err: exit 2, the policy's errors said.
pub(crate) fn load_policy(
    path: Option<&Path>,
    zone: Option<chrono_tz::Tz>,
    color: bool,
) -> Result<Policy, u8> {
    let mut policy = Policy::discover(path).map_err(|errors| {
        eprint_diagnostic(&errors, color);
        CANNOT_RUN
    })?;
    if let Some(zone) = zone {
        policy.mapping.set_zone_for_all(zone);
    }
    Ok(policy)
}

/// The inputs under `paths`. Err when there is nothing to check, said: exit 0 for a hook's
/// run that changed no export, else 2.
pub(crate) fn discover(
    paths: &[PathBuf],
    options: &ReadOptions,
    selection: &crate::discover::Selection,
    from_hook: bool,
) -> Result<crate::discover::Discovery, u8> {
    let found = crate::discover::discover_with(paths, options, selection);
    match found.nothing_to_check(from_hook) {
        None => Ok(found),
        Some(crate::discover::Nothing::Unchanged(note)) => {
            eprintln!("grantlint: {note}");
            Err(PASSED)
        }
        Some(crate::discover::Nothing::Found(why)) => {
            eprintln!("grantlint: {why}");
            Err(CANNOT_RUN)
        }
    }
}

/// Checks the inputs found, keeping what `keep` takes of each grant. The files discovery
/// could not read lead the outcome's errors.
pub(crate) fn check_found<R: Send>(
    found: crate::discover::Discovery,
    options: &ReadOptions,
    policy: &Policy,
    now: DateTime<Utc>,
    keep: &(dyn Fn(usize, &Grant) -> Option<R> + Sync),
) -> (Vec<load::Input>, Outcome, Vec<R>) {
    let (mut outcome, kept) = check_with(&found.inputs, options, policy, now, keep);
    let mut errors = found.errors;
    errors.append(&mut outcome.errors);
    outcome.errors = errors;
    (found.inputs, outcome, kept)
}

/// Writes a report to `path` through `write_atomic` (never over an input), or to standard
/// output.
pub(crate) fn write_report(
    path: Option<&Path>,
    text: &str,
    inputs: &[load::Input],
) -> Result<(), u8> {
    if let Some(path) = path {
        let read: Vec<&Path> = inputs.iter().filter_map(load::Input::path).collect();
        write_file(path, text.as_bytes(), &read)
    } else if let Err(e) = output::Stdout.write_all(text.as_bytes()) {
        eprintln!("grantlint: cannot write the report: {e}");
        Err(CANNOT_RUN)
    } else {
        Ok(())
    }
}

/// Writes `bytes` to `path` whole, never over one of the files `read`. Err: exit 2, said.
pub(crate) fn write_file(path: &Path, bytes: &[u8], read: &[&Path]) -> Result<(), u8> {
    output::write_atomic(path, bytes, read).map_err(|e| {
        eprintln!("grantlint: {e}");
        CANNOT_RUN
    })
}

pub(crate) fn print_bytes(bytes: &[u8]) -> u8 {
    match output::Stdout.write_all(bytes) {
        Err(e) => {
            eprintln!("grantlint: cannot write to standard output: {e}");
            CANNOT_RUN
        }
        Ok(()) => PASSED,
    }
}

pub(crate) fn eprint_diagnostic(diagnostic: &dyn miette::Diagnostic, color: bool) {
    let mut out = String::new();
    if crate::report::text::handler(color)
        .render_report(&mut out, diagnostic)
        .is_err()
    {
        out = format!("{diagnostic}\n");
    }
    eprint!("{out}");
}

/// Tells, once per file, how its columns or keys were read, when some were ignored: what a
/// person needs to see that a column they rely on was not read.
pub(crate) fn eprint_maps(outcome: &Outcome) {
    for (name, map) in outcome.files.iter().zip(&outcome.maps) {
        if let Some(map) = map.as_ref().filter(|m| m.worth_telling()) {
            eprint!(
                "grantlint: {}",
                crate::core::terminal::clean(&map.describe(name))
            );
        }
    }
}

/// Why a run that read no grant checked nothing.
pub(crate) fn nothing_checked(outcome: &Outcome) -> String {
    let files = match outcome.inputs {
        1 => "its one file".to_string(),
        n => format!("its {n} files"),
    };
    if outcome.skipped > 0 {
        format!(
            "nothing was checked: {files} hold {} requests, none of which became access (denied, pending or never activated)",
            outcome.skipped
        )
    } else {
        format!("nothing was checked: no grant was read from {files}")
    }
}
