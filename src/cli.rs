//! The command line (clap derive).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};

use crate::finding::Severity;
use crate::load::Format;
use crate::load::adapters::Source;
use crate::report::FailOn;
use crate::review::ReviewFormat;

/// Lint temporary support-access grants against a policy: expiry, reason, approver, shared
/// accounts, admin rights, enforcement, repeat tenants.
#[derive(Debug, Parser)]
#[command(name = "grantlint", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Read files that, links resolved, lie outside the repository (or folder) that names
    /// them: a shared policy in /etc, an export linked from elsewhere. Off by default, so that
    /// a pull request cannot make grantlint print a file from outside the checkout.
    #[arg(long, global = true)]
    pub allow_outside_root: bool,
    /// The most a policy, what it extends, its people file, a waiver file or a baseline may
    /// hold; a larger one is refused before it is read. A baseline of millions of findings
    /// may need more.
    #[arg(long, global = true, value_name = "SIZE", default_value = "64MiB", value_parser = crate::load::limits::parse_size)]
    pub max_policy_file_size: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check grant exports against the policy; exit 1 on findings at or above --fail-on.
    Check(CheckArgs),
    /// Write the weekly access review (Markdown, HTML or JSON) for a period, compared with the
    /// period before it.
    Report(ReportArgs),
    /// The weekly review's sign-off, kept in the history of `report --history`.
    Review {
        #[command(subcommand)]
        command: ReviewCommand,
    },
    /// Show how each input was understood: which column or key became which grant field,
    /// which were ignored (with the field each most likely means), which fields none
    /// supplies, and the `mapping:` lines that would read them. Exit 2 when nothing could be read.
    Inspect(CheckArgs),
    /// List every rule with its id, severity in the policy and a one-line summary.
    Rules {
        /// Policy file whose severities to show (default: the nearest grantlint.yaml, else the
        /// embedded default policy).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
    },
    /// Run policy tests: each export in DIR beside NAME.expect.yaml must produce exactly the
    /// findings listed there; exit 1 showing the difference when it does not.
    Test {
        /// Folder of policy tests (default: policy-tests).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Policy under test (default: DIR/grantlint.yaml if present, else the embedded default).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
    },
    /// Print a rule's documentation: what it checks, why, a failing and a passing example; or,
    /// with --source, how a system's export maps onto grants.
    Explain {
        /// The rule id, e.g. window-max, or a custom rule of --policy.
        #[arg(required_unless_present = "source", conflicts_with = "source")]
        rule: Option<String>,
        /// A source system, e.g. teleport: its export's field and state mapping.
        #[arg(long, value_enum, value_name = "SYSTEM")]
        source: Option<Source>,
        /// Policy file whose custom rules to explain too.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
    },
    /// Show or validate the policy (given, found, or the default).
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Write a commented grantlint.yaml that states the default policy in full.
    Init {
        /// Where to write it.
        #[arg(default_value = "grantlint.yaml", value_name = "FILE")]
        path: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Print a shell completion script, e.g. `grantlint completions bash > /etc/bash_completion.d/grantlint`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `grantlint man > grantlint.1`; with --dir, write a page
    /// for grantlint and one for each subcommand (grantlint-check.1, …) into DIR.
    Man {
        /// Folder to write every page into (made if missing), e.g. /usr/local/share/man/man1.
        #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
        dir: Option<PathBuf>,
    },
}

/// `grantlint policy …`. Without a file, the policy is the nearest grantlint.yaml or
/// .grantlint.yaml up to the repository root, else the embedded default.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the effective policy after layering, each value with the file and line it comes from.
    Show {
        /// Policy file.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
    },
    /// Validate a policy without checking any grants: exit 0 when valid, 2 when not.
    Check {
        /// Policy file.
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

/// `grantlint review …`.
#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Record a reviewer's sign-off of a recorded period: who, when, what was decided, tied to
    /// the population the review recorded (grant count and the inputs' SHA-256). Refused when
    /// the period is not recorded or its inputs changed since.
    Sign(SignArgs),
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("population").required(true).multiple(true).args(["paths", "inputs_sha256"])))]
pub struct SignArgs {
    /// The history file `report --history` wrote.
    #[arg(long, value_name = "FILE")]
    pub history: PathBuf,

    /// Who reviewed and signs.
    #[arg(long, value_name = "NAME", value_parser = parse_not_blank)]
    pub reviewer: String,

    /// A decision taken in the review, e.g. "revoke G-1042" (repeatable, in order).
    #[arg(long = "decision", required = true, value_name = "TEXT", value_parser = parse_not_blank)]
    pub decisions: Vec<String>,

    /// The period to sign, as given to `report` (default: the latest recorded period).
    #[arg(long, value_parser = crate::review::period::parse_since, value_name = "DATE", requires = "until")]
    pub since: Option<DateTime<Utc>>,

    /// End of the period to sign, as given to `report`.
    #[arg(long, value_parser = crate::review::period::parse_until, value_name = "DATE", requires = "since")]
    pub until: Option<DateTime<Utc>>,

    /// The inputs' SHA-256 the review shows; the inputs themselves can be given instead.
    #[arg(long, value_name = "HEX", value_parser = parse_sha256)]
    pub inputs_sha256: Option<String>,

    /// The inputs the review read, hashed again to prove they did not change (found as
    /// `report` finds them: give the same paths, --policy and --exclude).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Policy file, as given to `report` (it can leave files out of a folder search).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Leave out files, as given to `report`.
    #[arg(long, value_name = "GLOB", value_parser = parse_glob)]
    pub exclude: Vec<String>,

    /// The time of the sign-off (default: now).
    #[arg(long, value_parser = parse_now, value_name = "TIME")]
    pub now: Option<DateTime<Utc>>,
}

fn parse_not_blank(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("must not be empty".into());
    }
    Ok(text.to_string())
}

/// 64 hexadecimal digits, as `sha256sum` and the review print them.
fn parse_sha256(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("expected a SHA-256: 64 hexadecimal digits, as the review shows them".into());
    }
    Ok(text.to_ascii_lowercase())
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or folders to check (.yaml, .yml, .csv, .json, .jsonl; folders are searched), or -
    /// for standard input with --input-format.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Policy file (default: the nearest grantlint.yaml or .grantlint.yaml up to the
    /// repository root, else the embedded default policy).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,

    /// Write the report to FILE (whole, through a temporary file) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Read inputs as this format, whatever their names (required for standard input).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<Format>,

    /// The system that exported the inputs (default: recognised by shape, else a plain grants
    /// file).
    #[arg(long, value_enum, value_name = "SYSTEM")]
    pub source: Option<Source>,

    /// CSV delimiter: one character, or `tab`.
    #[arg(long, default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,

    /// IANA time zone for times written without an offset, e.g. Europe/Berlin (default: the
    /// policy's `mapping: {timezone}`, else UTC).
    #[arg(long, value_parser = parse_timezone, value_name = "ZONE")]
    pub timezone: Option<chrono_tz::Tz>,

    /// The time that counts as now, for expiry-enforced (default: the current time).
    #[arg(long, value_parser = parse_now, value_name = "TIME")]
    pub now: Option<DateTime<Utc>>,

    /// The least severity that fails the run (exit code 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// The least severity shown in reports; independent of --fail-on, so hidden findings can
    /// still fail the run.
    #[arg(long, value_enum, default_value_t = Severity::Info, value_name = "SEVERITY")]
    pub min_severity: Severity,

    /// Also write a report in FORMAT to PATH (repeatable), e.g. `--report sarif=grantlint.sarif`.
    #[arg(long, value_parser = parse_report, value_name = "FORMAT=PATH")]
    pub report: Vec<ReportTarget>,

    /// Suppress the findings recorded in this baseline file; the summary counts new,
    /// baselined and resolved findings.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record the current findings as the baseline in FILE; this run then passes on them.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Waivers to apply besides the policy's own (`waivers:` in the policy's format).
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,

    /// When to colour the text output (NO_COLOR is honoured by `auto`).
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,

    /// Name the files skipped while searching folders.
    #[arg(long, short)]
    pub verbose: bool,

    /// Leave out files found in folders that GLOB matches (repeatable), relative to the current
    /// folder; a GLOB without `/` matches a file or folder name anywhere, e.g. `archive`.
    #[arg(long, value_name = "GLOB", value_parser = parse_glob)]
    pub exclude: Vec<String>,

    /// The paths come from a hook (pre-commit) that passes every changed file: leave out the
    /// named files a folder search would (grantlint's own, excluded, outside
    /// `inputs.include`), and pass when none is left.
    #[arg(long)]
    pub from_hook: bool,

    /// Name files in reports relative to DIR (default: the repository root, the nearest folder
    /// holding .git above the working directory, else the working directory). Files outside
    /// it are named by their absolute path.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// The name reports give standard input (`-`), e.g. exports/grants.csv; its extension
    /// also sets --input-format when standard input is the only path and none is given.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,

    /// SARIF: the analysis category (`automationDetails.id`), so that code scanning keeps the
    /// alerts of several grantlint runs on one repository apart, e.g. `prod-exports`.
    #[arg(long, value_name = "NAME")]
    pub category: Option<String>,

    /// SARIF: the most results one report holds (GitHub code scanning takes 25,000 per run);
    /// the most severe are kept and a notification counts the rest.
    #[arg(long, value_name = "N", default_value_t = crate::report::SARIF_MAX_RESULTS)]
    pub max_results: usize,

    /// Text and concise: the number of findings of each rule instead of the findings.
    #[arg(long)]
    pub statistics: bool,

    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Files or folders to review (.yaml, .yml, .csv, .json; folders are searched), or - for
    /// standard input with --input-format.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Start of the period: a date (2026-11-17, from midnight UTC) or a time
    /// (default: 7 days before --until).
    #[arg(long, value_parser = crate::review::period::parse_since, value_name = "DATE")]
    pub since: Option<DateTime<Utc>>,

    /// End of the period, not included: a date counts whole, or a time (default: now).
    #[arg(long, value_parser = crate::review::period::parse_until, value_name = "DATE")]
    pub until: Option<DateTime<Utc>>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReviewFormat::Markdown)]
    pub format: ReviewFormat,

    /// Write the report to FILE (whole, through a temporary file) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also write every row of the review's tables as CSV files in DIR (closeout.csv,
    /// findings.csv, grants.csv): the page shows the first rows of each.
    #[arg(long, value_name = "DIR")]
    pub attachments: Option<PathBuf>,

    /// The time that counts as now: the default period's end, and what is still active.
    #[arg(long, value_parser = parse_now, value_name = "TIME")]
    pub now: Option<DateTime<Utc>>,

    /// Policy file (default: the embedded default policy).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// The least severity that makes the headline say "failed" (the exit code stays 0).
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// Read inputs as this format, whatever their names (required for standard input).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<Format>,

    /// The system that exported the inputs (default: recognised by the file's shape).
    #[arg(long, value_enum, value_name = "SYSTEM")]
    pub source: Option<Source>,

    #[command(flatten)]
    pub limits: LimitArgs,

    /// CSV delimiter: one character, or `tab`.
    #[arg(long, default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,

    /// Leave out files found in folders that GLOB matches (repeatable), relative to the current
    /// folder; a GLOB without `/` matches a file or folder name anywhere, e.g. `archive`.
    #[arg(long, value_name = "GLOB", value_parser = parse_glob)]
    pub exclude: Vec<String>,

    /// Name the files skipped while searching folders.
    #[arg(long, short)]
    pub verbose: bool,

    /// Name files in the review relative to DIR, as `check --root` does (default: the
    /// repository root, the nearest folder holding .git above the working directory, else the
    /// working directory). Files outside it are named by their absolute path.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// IANA time zone for times written without an offset, e.g. Europe/Berlin (default: the
    /// policy's `mapping: {timezone}`, else UTC).
    #[arg(long, value_parser = parse_timezone, value_name = "ZONE")]
    pub timezone: Option<chrono_tz::Tz>,

    /// Keep the reviews in the SQLite file FILE (created on first use): record this period's
    /// population and findings (again: replaced), and show new, fixed and still-open findings,
    /// trends and the last sign-off.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
}

// Defined with the reporters, which choose one per format.
pub use crate::report::OutputFormat;

/// One `--report FORMAT=PATH`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportTarget {
    pub format: OutputFormat,
    pub path: PathBuf,
}

fn parse_report(text: &str) -> Result<ReportTarget, String> {
    let (format, path) = text
        .split_once('=')
        .filter(|(_, path)| !path.is_empty())
        .ok_or("write FORMAT=PATH, e.g. sarif=grantlint.sarif")?;
    let format = OutputFormat::from_str(format, true).map_err(|_| {
        let names: Vec<String> = OutputFormat::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        format!("unknown format `{format}`; one of {}", names.join(", "))
    })?;
    Ok(ReportTarget {
        format,
        path: PathBuf::from(path),
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() => Ok(text.as_bytes()[0]),
        _ => Err("the delimiter is one ASCII character, or `tab`".into()),
    }
}

fn parse_glob(text: &str) -> Result<String, String> {
    crate::policy::inputs::compile(text)
        .map(|_| text.to_string())
        .map_err(|why| format!("{why} (`*` is any text within a name, `**/` any folders)"))
}

fn parse_timezone(text: &str) -> Result<chrono_tz::Tz, String> {
    crate::load::mapping::parse_timezone(text).map_err(|why| {
        let hint = crate::load::mapping::zone_hint(text).unwrap_or_default();
        format!("{why} ({hint})")
    })
}

fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    crate::core::time::parse_time(text).map_err(|why| {
        if why.contains("such as") {
            why.to_string()
        } else {
            format!("{why} (e.g. 2026-11-23T14:05:00Z)")
        }
    })
}

/// Limits on one input (README, "Limits"); each error that hits one names its flag.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Limits")]
pub struct LimitArgs {
    /// Largest input file, e.g. 2GiB.
    #[arg(long, value_name = "SIZE", default_value = "1GiB", value_parser = crate::load::limits::parse_size)]
    pub max_file_size: u64,

    /// Longest CSV cell or YAML/JSON value; a longer one is a field-format finding.
    #[arg(long, value_name = "SIZE", default_value = "64KiB", value_parser = parse_value_size)]
    pub max_value_size: usize,

    /// Deepest nesting of YAML/JSON lists and mappings.
    #[arg(long, value_name = "N", default_value_t = crate::load::Limits::default().max_yaml_depth)]
    pub max_yaml_depth: usize,

    /// Most YAML alias uses (`*name`) in one file.
    #[arg(long, value_name = "N", default_value_t = crate::load::Limits::default().max_yaml_aliases)]
    pub max_yaml_aliases: usize,

    /// Most YAML nodes one file may expand to, aliases counted at each use (default: one per
    /// byte of the file).
    #[arg(long, value_name = "N")]
    pub max_yaml_nodes: Option<usize>,
}

impl LimitArgs {
    pub fn limits(&self) -> crate::load::Limits {
        crate::load::Limits {
            max_file_size: self.max_file_size,
            max_value_size: self.max_value_size,
            max_yaml_depth: self.max_yaml_depth,
            max_yaml_aliases: self.max_yaml_aliases,
            max_yaml_nodes: self.max_yaml_nodes,
        }
    }
}

fn parse_value_size(text: &str) -> Result<usize, String> {
    let size = crate::load::limits::parse_size(text)?;
    usize::try_from(size).map_err(|_| "that size is too large".to_string())
}
