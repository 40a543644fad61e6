//! The command line (clap derive).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};

use crate::load::Format;
use crate::load::adapters::Source;
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
    /// Print a rule's documentation: what it checks, why, a failing and a passing example; or,
    /// with --source, how a system's export maps onto grants.
    Explain {
        /// The rule id, e.g. window-max.
        #[arg(required_unless_present = "source", conflicts_with = "source")]
        rule: Option<String>,
        /// A source system, e.g. teleport: its export's field and state mapping.
        #[arg(long, value_enum, value_name = "SYSTEM")]
        source: Option<Source>,
    },
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or folders to check (.yaml, .yml, .csv, .json, .jsonl; folders are searched), or -
    /// for standard input with --input-format.
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

    /// The system that exported the inputs (default: recognised by shape, else a plain grants
    /// file).
    #[arg(long, value_enum, value_name = "SYSTEM")]
    pub source: Option<Source>,

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
