//! Reporters: one per output format, each a [`Reporter`] chosen in one place, [`reporter`].
//! A reporter reads the run (the outcome, the policy's name, the thresholds) and writes its
//! document to a writer; the command decides where: standard output as it is written, or a
//! file through memory, so that a file holds a whole report or none.
//!
//! A new format: a variant of [`OutputFormat`], a module here, and its line in [`reporter`];
//! `tests/formats.rs` then snapshots it over the shared fixtures.

pub mod csv;
pub mod fingerprint;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;

use std::io;

use chrono::{DateTime, Utc};
use miette::NamedSource;

use crate::check::Outcome;
use crate::core::terminal::Lines;
use crate::finding::Severity;

/// `--format` and `--report FORMAT=PATH`: every report grantlint writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// JUnit XML: a test suite per file, a test case per grant.
    Junit,
    /// GitHub Actions workflow commands (annotations on the changed lines).
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// One finding per row.
    Csv,
}

/// The reporter of each format: the one place a format is chosen.
pub fn reporter(format: OutputFormat) -> &'static dyn Reporter {
    match format {
        OutputFormat::Text => &text::Text,
        OutputFormat::Json => &Json,
        OutputFormat::Sarif => &Whole(sarif::render),
        OutputFormat::Junit => &junit::Junit,
        OutputFormat::Github => &Whole(github::render),
        OutputFormat::Gitlab => &Whole(gitlab::render),
        OutputFormat::Csv => &Whole(csv::render),
    }
}

/// One output format: what it needs of the run, and how it writes.
pub trait Reporter {
    /// What the run must gather for this report beyond its findings; nothing by default.
    fn needs(&self) -> Needs {
        Needs::default()
    }

    /// Read by a person at a terminal: as the `--format`, the run also tells on standard
    /// error how each input's columns were read when some were ignored. Machine formats
    /// carry that in the report (JSON's `inputs`) or not at all, and keep standard error to
    /// errors.
    fn for_people(&self) -> bool {
        false
    }

    /// Writes the whole report to `out`. It may write as it goes (JSON writes its findings
    /// as they are serialised, never holding the report whole), so a caller that must not
    /// leave half a report, a file, hands it memory and writes that.
    fn write(&self, run: &Run, extras: &Extras, out: &mut dyn io::Write) -> io::Result<()>;
}

/// What a reporter asks of the run besides the findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// Every grant read, clean ones too, in `Outcome::records` (JUnit's test cases); other
    /// reports keep no grant, so a plain run holds none.
    pub records: bool,
    /// The text of each input with findings, in `Extras::sources`, for snippets.
    pub sources: bool,
}

impl Needs {
    /// What any of `reporters` needs.
    pub fn of_all<'r>(reporters: impl IntoIterator<Item = &'r dyn Reporter>) -> Needs {
        reporters
            .into_iter()
            .map(|r| r.needs())
            .fold(Needs::default(), |all, one| Needs {
                records: all.records || one.records,
                sources: all.sources || one.sources,
            })
    }
}

/// What a reporter is given besides the run: whether to colour this copy, and the inputs'
/// text when it `needs` it.
#[derive(Clone, Copy)]
pub struct Extras<'a> {
    /// Colour: asked with `--color`, for the `--format` report only; a `--report` file never
    /// has it.
    pub color: bool,
    /// Each input's text where it has findings, by file index, when a reporter `needs`
    /// sources; empty otherwise, and a reporter then names places without snippets.
    pub sources: &'a [Option<NamedSource<Lines>>],
}

/// A format whose report is built whole in memory, then written.
struct Whole(fn(&Run) -> String);

impl Reporter for Whole {
    fn write(&self, run: &Run, _: &Extras, out: &mut dyn io::Write) -> io::Result<()> {
        out.write_all((self.0)(run).as_bytes())
    }
}

/// `--format json`: written as it goes (see [`json::write`]).
struct Json;

impl Reporter for Json {
    fn write(&self, run: &Run, _: &Extras, out: &mut dyn io::Write) -> io::Result<()> {
        json::write(run, out)
    }
}

/// `--fail-on`: the least severity that fails the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Info => true,
            FailOn::Never => false,
        }
    }
}

/// What every reporter needs besides the findings.
pub struct Run<'a> {
    pub outcome: &'a Outcome,
    pub policy: &'a str,
    pub now: DateTime<Utc>,
    pub fail_on: FailOn,
    /// `--min-severity`: findings below it are left out of every report, yet still fail the
    /// run at or above `--fail-on`.
    pub min_severity: Severity,
}

/// Counts for the summary line and the JSON summary.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl Run<'_> {
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for f in self.shown() {
            match f.severity {
                Severity::Error => counts.error += 1,
                Severity::Warning => counts.warning += 1,
                Severity::Info => counts.info += 1,
            }
        }
        counts
    }

    /// The findings at or above `--min-severity`, the ones reports list.
    pub fn shown(&self) -> impl Iterator<Item = &crate::finding::Finding> {
        self.outcome
            .findings
            .iter()
            .filter(|f| f.severity >= self.min_severity)
    }

    /// Suppressed findings at or above `--min-severity`.
    pub fn shown_suppressed(&self) -> impl Iterator<Item = &crate::finding::Suppressed> {
        self.outcome
            .suppressed
            .iter()
            .filter(|s| s.finding.severity >= self.min_severity)
    }

    /// Findings left out by `--min-severity`.
    pub fn hidden(&self) -> usize {
        self.outcome.findings.len() - self.shown().count()
    }

    /// A run passes only when it read at least one grant, every input could be read, and
    /// no finding fails it: nothing checked is never a pass.
    pub fn passed(&self) -> bool {
        self.outcome.grants > 0
            && self.outcome.errors.is_empty()
            && !self
                .outcome
                .findings
                .iter()
                .any(|f| self.fail_on.fails(f.severity))
    }
}
