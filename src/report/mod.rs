//! Reporters: one per output format. Each reads the run's outcome and writes a whole document,
//! so that a report is written completely or not at all.

pub mod csv;
pub mod fingerprint;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;

use chrono::{DateTime, Utc};

use crate::check::Outcome;
use crate::finding::Severity;

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

    /// No finding at or above `--fail-on`, and every input was read.
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
