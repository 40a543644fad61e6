//! One function per subcommand; `main` only parses the arguments and exits with the code
//! the subcommand returns. Shared here: the exit codes and how reports and diagnostics are
//! written.

mod check;
mod policy;
mod report;

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, Command, PolicyCommand};
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
        Command::Inspect(args) => check::inspect(&args),
        Command::Rules { policy } => policy::list_rules(policy.as_deref()),
        Command::Explain {
            source: Some(source),
            ..
        } => {
            print!("{}", source.adapter().docs());
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
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "grantlint", &mut out);
            print_bytes(&out)
        }
        Command::Man => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut out) {
                Ok(()) => print_bytes(&out),
                Err(e) => {
                    eprintln!("grantlint: cannot render the man page: {e}");
                    CANNOT_RUN
                }
            }
        }
    }
}

/// Writes a report to `path` through `write_atomic` (never over an input), or to standard
/// output.
pub(crate) fn write_report(
    path: Option<&std::path::Path>,
    text: &str,
    inputs: &[load::Input],
) -> Result<(), u8> {
    if let Some(path) = path {
        let read: Vec<&std::path::Path> = inputs.iter().filter_map(load::Input::path).collect();
        if let Err(e) = output::write_atomic(path, text.as_bytes(), &read) {
            eprintln!("grantlint: {e}");
            return Err(CANNOT_RUN);
        }
    } else if let Err(e) = output::Stdout.write_all(text.as_bytes()) {
        eprintln!("grantlint: cannot write the report: {e}");
        return Err(CANNOT_RUN);
    }
    Ok(())
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
pub(crate) fn eprint_maps(outcome: &crate::check::Outcome) {
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
pub(crate) fn nothing_checked(outcome: &crate::check::Outcome) -> String {
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
