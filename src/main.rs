//! The `grantlint` command: parse arguments, run, map the outcome to an exit code.

use grantlint::{check, cli, load, output, policy, report, rules, terminal};

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use cli::{CheckArgs, Cli, Color, Command, OutputFormat};
use load::ReadOptions;
use policy::Policy;
use report::Run;

/// Exit codes (DESIGN.md): no failing finding, failing findings, could not run.
const PASSED: u8 = 0;
const FAILED: u8 = 1;
const CANNOT_RUN: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => run_check(&args),
        Command::Rules { policy } => list_rules(policy.as_deref()),
        Command::Explain { rule } => explain(&rule),
    };
    ExitCode::from(code)
}

fn run_check(args: &CheckArgs) -> u8 {
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let policy = match Policy::load(args.policy.as_deref()) {
        Ok(policy) => policy,
        Err(errors) => {
            eprint_diagnostic(&errors, color);
            return CANNOT_RUN;
        }
    };
    let options = ReadOptions {
        format: args.input_format,
        delimiter: args.delimiter,
        verbose: args.verbose,
        limits: args.limits.limits(),
    };
    let (inputs, mut errors) = load::discover(&args.paths, &options);
    if inputs.is_empty() && errors.is_empty() {
        eprintln!("grantlint: no .yaml, .yml, .csv or .json files found in the paths given");
    }
    let now = args.now.unwrap_or_else(chrono::Utc::now);
    let mut outcome = check::check(&inputs, &options, &policy, now);
    errors.append(&mut outcome.errors);
    outcome.errors = errors;
    for error in &outcome.errors {
        eprint_diagnostic(error, color);
    }
    let run = Run {
        outcome: &outcome,
        policy: &policy.name,
        now,
        fail_on: args.fail_on,
    };
    let output = match args.format {
        OutputFormat::Json => report::json::render(&run),
        OutputFormat::Text => {
            let sources = snippet_sources(&inputs, &outcome, &options.limits);
            report::text::render(&run, &sources, color)
        }
    };
    if let Some(path) = &args.output {
        let read: Vec<&std::path::Path> = inputs
            .iter()
            .filter_map(|i| match &i.origin {
                load::Origin::Path(p) => Some(p.as_path()),
                load::Origin::Stdin(_) => None,
            })
            .collect();
        if let Err(e) = output::write_atomic(path, output.as_bytes(), &read) {
            eprintln!("grantlint: {e}");
            return CANNOT_RUN;
        }
    } else if let Err(e) = std::io::stdout().lock().write_all(output.as_bytes())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("grantlint: cannot write the report: {e}");
        return CANNOT_RUN;
    }
    if !outcome.errors.is_empty() {
        CANNOT_RUN
    } else if run.passed() {
        PASSED
    } else {
        FAILED
    }
}

/// The text of each file that has findings, for the snippets; a file that cannot be read
/// again is shown without one.
fn snippet_sources(
    inputs: &[load::Input],
    outcome: &check::Outcome,
    limits: &load::Limits,
) -> Vec<Option<miette::NamedSource<std::sync::Arc<str>>>> {
    let mut wanted = vec![false; inputs.len()];
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
                .map(|text| terminal::snippet_source(&input.name, text))
        })
        .collect()
}

fn eprint_diagnostic(diagnostic: &dyn miette::Diagnostic, color: bool) {
    let mut out = String::new();
    if report::text::handler(color)
        .render_report(&mut out, diagnostic)
        .is_err()
    {
        out = format!("{diagnostic}\n");
    }
    eprint!("{out}");
}

fn list_rules(policy: Option<&std::path::Path>) -> u8 {
    let policy = match Policy::load(policy) {
        Ok(policy) => policy,
        Err(errors) => {
            eprint_diagnostic(&errors, std::io::stderr().is_terminal());
            return CANNOT_RUN;
        }
    };
    let mut out = String::new();
    for meta in rules::REGISTRY {
        let severity = policy
            .rules
            .iter()
            .find(|r| r.id == meta.id)
            .map_or("off", |r| r.severity.name());
        out.push_str(&format!(
            "{:<24} {:<8} {}\n",
            meta.id, severity, meta.summary
        ));
    }
    print!("{out}");
    PASSED
}

/// The rule's block of policies/default.yaml, comments and all.
fn default_settings(id: &str) -> String {
    let mut block = String::new();
    let mut inside = false;
    for line in policy::DEFAULT_POLICY.lines() {
        if let Some(key) = line.strip_prefix("  ").filter(|l| !l.starts_with(' ')) {
            inside = key.strip_suffix(':').is_some_and(|k| k == id);
        }
        if inside && !line.trim().is_empty() {
            block.push_str(line.strip_prefix("  ").unwrap_or(line));
            block.push('\n');
        }
    }
    block
}

fn explain(id: &str) -> u8 {
    match rules::find(id) {
        Some(meta) => {
            let docs: String = meta
                .docs
                .lines()
                .map(|l| format!("{}\n", l.strip_prefix(' ').unwrap_or(l)))
                .collect();
            print!("# {}\n\n{}\n\n{docs}", meta.id, meta.summary);
            print!(
                "\n## Default settings\n```yaml\n{}```\n",
                default_settings(meta.id)
            );
            PASSED
        }
        None => {
            let hint = policy::did_you_mean(id, rules::REGISTRY.iter().map(|r| r.id))
                .unwrap_or_else(|| "`grantlint rules` lists them".into());
            eprintln!("grantlint: unknown rule `{id}`; {hint}");
            CANNOT_RUN
        }
    }
}
