//! The `grantlint` command: parse arguments, run, map the outcome to an exit code.

use grantlint::{
    baseline, check, cli, load, output, policy, report, review, rules, suppress, terminal, verify,
};

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{CheckArgs, Cli, Color, Command, OutputFormat, PolicyCommand, ReportArgs};
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
        Command::Report(args) => run_report(&args),
        Command::Rules { policy } => list_rules(policy.as_deref()),
        Command::Explain {
            source: Some(source),
            ..
        } => {
            print!("{}", source.adapter().docs());
            PASSED
        }
        Command::Explain { rule, policy, .. } => {
            explain(rule.as_deref().unwrap_or_default(), policy.as_deref())
        }
        Command::Policy { command } => match command {
            PolicyCommand::Show { policy } => show_policy(policy.as_deref()),
            PolicyCommand::Check { file } => check_policy(file.as_deref()),
        },
        Command::Init { path, force } => init(&path, force),
        Command::Test { dir, policy } => run_tests(dir, policy),
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
    let mut policy = match Policy::discover(args.policy.as_deref()) {
        Ok(policy) => policy,
        Err(errors) => {
            eprint_diagnostic(&errors, color);
            return CANNOT_RUN;
        }
    };
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
    let (inputs, mut errors) = load::discover(&args.paths, &options);
    if inputs.is_empty() && errors.is_empty() {
        eprintln!("grantlint: no .yaml, .yml, .csv or .json files found in the paths given");
    }
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
    let read: Vec<&std::path::Path> = inputs
        .iter()
        .filter_map(|i| match &i.origin {
            load::Origin::Path(p) => Some(p.as_path()),
            load::Origin::Stdin(_) => None,
        })
        .collect();
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
    let output = render(args.format, color);
    if let Err(code) = write_report(args.output.as_deref(), &output, &inputs) {
        return code;
    }
    if !outcome.errors.is_empty() {
        CANNOT_RUN
    } else if run.passed() {
        PASSED
    } else {
        FAILED
    }
}

/// `grantlint report`: check the inputs, aggregate the period, write the review. Exits 0 once
/// the review is written; 2 when it could not run, or an input could not be read (the review
/// is still written, naming the file).
fn run_report(args: &ReportArgs) -> u8 {
    let color = std::io::stderr().is_terminal();
    let policy = match Policy::load(args.policy.as_deref()) {
        Ok(policy) => policy,
        Err(errors) => {
            eprint_diagnostic(&errors, color);
            return CANNOT_RUN;
        }
    };
    let now = args.now.unwrap_or_else(chrono::Utc::now);
    let period = match review::Period::new(args.since, args.until, now) {
        Ok(period) => period,
        Err(why) => {
            eprintln!("grantlint: {why}");
            return CANNOT_RUN;
        }
    };
    let options = ReadOptions {
        format: args.input_format,
        delimiter: args.delimiter,
        verbose: false,
        source: args.source,
        limits: args.limits.limits(),
    };
    let (inputs, mut errors) = load::discover(&args.paths, &options);
    let (mut outcome, records) =
        check::check_with(&inputs, &options, &policy, now, &review::GrantRecord::keep);
    errors.append(&mut outcome.errors);
    outcome.errors = errors;
    for error in &outcome.errors {
        eprint_diagnostic(error, color);
    }
    let settings = review::Settings::from_policy(&policy, args.fail_on);
    let text = review::Review::build(&review::Inputs {
        records: &records,
        outcome: &outcome,
        settings: &settings,
        policy: &policy.name,
        period,
        now,
    })
    .render(args.format);
    if let Err(code) = write_report(args.output.as_deref(), &text, &inputs) {
        return code;
    }
    if outcome.errors.is_empty() {
        PASSED
    } else {
        CANNOT_RUN
    }
}

/// Writes a report to `path` through `write_atomic` (never over an input), or to standard
/// output.
fn write_report(
    path: Option<&std::path::Path>,
    text: &str,
    inputs: &[load::Input],
) -> Result<(), u8> {
    if let Some(path) = path {
        let read: Vec<&std::path::Path> = inputs
            .iter()
            .filter_map(|i| match &i.origin {
                load::Origin::Path(p) => Some(p.as_path()),
                load::Origin::Stdin(_) => None,
            })
            .collect();
        if let Err(e) = output::write_atomic(path, text.as_bytes(), &read) {
            eprintln!("grantlint: {e}");
            return Err(CANNOT_RUN);
        }
    } else if let Err(e) = std::io::stdout().lock().write_all(text.as_bytes())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("grantlint: cannot write the report: {e}");
        return Err(CANNOT_RUN);
    }
    Ok(())
}

/// The text of each file that has findings, for the snippets; a file that cannot be read
/// again is shown without one.
fn snippet_sources(
    inputs: &[load::Input],
    outcome: &check::Outcome,
    limits: &load::Limits,
) -> Vec<Option<miette::NamedSource<std::sync::Arc<str>>>> {
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
                .map(|text| terminal::snippet_source(&input.name, text))
        })
        .collect()
}

fn print_bytes(bytes: &[u8]) -> u8 {
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("grantlint: cannot write to standard output: {e}");
            CANNOT_RUN
        }
        _ => PASSED,
    }
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

fn run_tests(dir: Option<std::path::PathBuf>, policy: Option<std::path::PathBuf>) -> u8 {
    let color = std::io::stderr().is_terminal();
    let dir = dir.unwrap_or_else(|| verify::DEFAULT_DIR.into());
    // The suite's own policy, when it carries one.
    let policy = policy.or_else(|| Some(dir.join("grantlint.yaml")).filter(|p| p.is_file()));
    let policy = match Policy::load(policy.as_deref()) {
        Ok(policy) => policy,
        Err(errors) => {
            eprint_diagnostic(&errors, color);
            return CANNOT_RUN;
        }
    };
    let cases = match verify::find_cases(&dir) {
        Ok(cases) => cases,
        Err(error) => {
            eprint_diagnostic(&error, color);
            return CANNOT_RUN;
        }
    };
    let options = ReadOptions::default();
    let mut results = Vec::new();
    let mut broken = false;
    for case in &cases {
        match verify::run_case(case, &policy, &options) {
            Ok(result) => results.push(result),
            Err(errors) => {
                broken = true;
                for error in &errors {
                    eprint_diagnostic(error, color);
                }
            }
        }
    }
    print!("{}", verify::render(&results));
    if broken {
        CANNOT_RUN
    } else if results.iter().all(verify::CaseResult::passed) {
        PASSED
    } else {
        FAILED
    }
}

fn list_rules(policy: Option<&std::path::Path>) -> u8 {
    let policy = match Policy::discover(policy) {
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
    for rule in &policy.custom {
        let severity = rule.severity.map_or("off", |s| s.name());
        out.push_str(&format!(
            "{:<24} {:<8} {} (custom)\n",
            rule.id, severity, rule.message
        ));
    }
    print!("{out}");
    PASSED
}

fn explain(id: &str, policy: Option<&std::path::Path>) -> u8 {
    let policy = match Policy::discover(policy) {
        Ok(policy) => policy,
        Err(errors) => {
            eprint_diagnostic(&errors, std::io::stderr().is_terminal());
            return CANNOT_RUN;
        }
    };
    if let Some(rule) = policy.custom.iter().find(|r| r.id == id) {
        print!("{}", rule.docs());
        return PASSED;
    }
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
                policy::template::rule_block(meta.id)
            );
            PASSED
        }
        None => {
            let ids = rules::REGISTRY.iter().map(|r| r.id);
            let hint =
                policy::did_you_mean(id, ids.chain(policy.custom.iter().map(|r| r.id.as_str())))
                    .unwrap_or_else(|| "`grantlint rules` lists them".into());
            eprintln!("grantlint: unknown rule `{id}`; {hint}");
            CANNOT_RUN
        }
    }
}

fn show_policy(given: Option<&std::path::Path>) -> u8 {
    match Policy::discover(given) {
        Ok(policy) => {
            print!("{}", policy.show());
            PASSED
        }
        Err(errors) => {
            eprint_diagnostic(&errors, std::io::stderr().is_terminal());
            CANNOT_RUN
        }
    }
}

fn check_policy(given: Option<&std::path::Path>) -> u8 {
    match Policy::discover(given) {
        Ok(policy) => {
            println!(
                "{}: valid ({} of {} rules on, {} overrides)",
                policy.name,
                policy.rules.len(),
                rules::REGISTRY.len(),
                policy.override_count()
            );
            PASSED
        }
        Err(errors) => {
            eprint_diagnostic(&errors, std::io::stderr().is_terminal());
            CANNOT_RUN
        }
    }
}

fn init(path: &std::path::Path, force: bool) -> u8 {
    if path.exists() && !force {
        eprintln!(
            "grantlint: {} already exists; pass --force to replace it",
            path.display()
        );
        return CANNOT_RUN;
    }
    match output::write_atomic(path, policy::template::starting_policy().as_bytes(), &[]) {
        Ok(()) => {
            println!(
                "wrote {}: the default policy in full, ready to edit",
                path.display()
            );
            PASSED
        }
        Err(e) => {
            eprintln!("grantlint: {e}");
            CANNOT_RUN
        }
    }
}
