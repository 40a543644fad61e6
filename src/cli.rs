//! The command line (clap derive).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};

use crate::load::Format;
use crate::report::FailOn;

/// Lint temporary support-access grants against a policy: expiry, reason, approver, shared
/// accounts, admin rights, enforcement, repeat tenants.
#[derive(Debug, Parser)]
#[command(name = "grantlint", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check grant exports against the policy; exit 1 on findings at or above --fail-on.
    Check(CheckArgs),
    /// List every rule with its id, severity in the policy and a one-line summary.
    Rules {
        /// Policy file whose severities to show (default: the embedded default policy).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
    },
    /// Print a rule's documentation: what it checks, why, a failing and a passing example.
    Explain {
        /// The rule id, e.g. window-max.
        rule: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or folders to check (.yaml, .yml, .csv, .json; folders are searched), or - for
    /// standard input with --input-format.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Policy file (default: the embedded default policy).
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

    /// CSV delimiter: one character, or `tab`.
    #[arg(long, default_value = ",", value_parser = parse_delimiter)]
    pub delimiter: u8,

    /// The time that counts as now, for expiry-enforced (default: the current time).
    #[arg(long, value_parser = parse_now, value_name = "TIME")]
    pub now: Option<DateTime<Utc>>,

    /// The least severity that fails the run (exit code 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "SEVERITY")]
    pub fail_on: FailOn,

    /// When to colour the text output (NO_COLOR is honoured by `auto`).
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,

    /// Name the files skipped while searching folders.
    #[arg(long, short)]
    pub verbose: bool,

    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
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

fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    crate::load::time::parse_time(text).map_err(|why| format!("{why} (e.g. 2026-11-23T14:05:00Z)"))
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
