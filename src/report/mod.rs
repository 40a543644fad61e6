//! Reporters: one per output format, each a [`Reporter`] chosen in one place, [`reporter`].
//! A reporter reads the run (the outcome, the policy's name, the thresholds) and writes its
//! document to a writer; the command decides where: standard output as it is written, or a
//! file through memory, so that a file holds a whole report or none.
//!
//! A new format: a variant of [`OutputFormat`], a module here, and its line in [`reporter`];
//! `tests/formats.rs` then snapshots it over the shared fixtures.

pub mod concise;
pub mod csv;
pub mod fingerprint;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod paths;
pub mod sarif;
pub mod sast;
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
    /// One line per finding: `file:line:col: severity[rule] message`.
    Concise,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// JUnit XML: a test suite per file, a test case per grant.
    Junit,
    /// GitHub Actions workflow commands (annotations on the changed lines).
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// GitLab security report (SAST format), for the vulnerability report.
    GitlabSast,
    /// One finding per row.
    Csv,
}

/// The reporter of each format: the one place a format is chosen.
pub fn reporter(format: OutputFormat) -> &'static dyn Reporter {
    match format {
        OutputFormat::Text => &text::Text,
        OutputFormat::Concise => &concise::Concise,
        OutputFormat::Json => &Json,
        OutputFormat::Sarif => &WithEnds(sarif::render),
        OutputFormat::Junit => &junit::Junit,
        OutputFormat::Github => &WithEnds(github::render),
        OutputFormat::Gitlab => &Whole(gitlab::render),
        OutputFormat::GitlabSast => &Whole(sast::render),
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

/// A format built whole in memory that reads the inputs' text to say where each finding's
/// value ends (SARIF regions, GitHub annotations).
struct WithEnds(fn(&Run, &Ends) -> String);

impl Reporter for WithEnds {
    fn needs(&self) -> Needs {
        Needs {
            sources: true,
            ..Needs::default()
        }
    }

    fn write(&self, run: &Run, extras: &Extras, out: &mut dyn io::Write) -> io::Result<()> {
        out.write_all((self.0)(run, &Ends(extras.sources)).as_bytes())
    }
}

/// Where findings' values end, from the inputs' text where it was read.
pub struct Ends<'a>(pub &'a [Option<NamedSource<Lines>>]);

impl Ends<'_> {
    /// The line and column (1-based, in characters, as `Span` counts) of the last character
    /// of `f`'s value: exact where the input's text is at hand, else the value is taken to
    /// end on its line, one column per byte.
    pub fn of(&self, f: &crate::finding::Finding) -> (u32, u32) {
        let span = f.span;
        let (line, column) = (span.line.max(1), span.column.max(1));
        let last = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let text = self
            .0
            .get(f.file)
            .and_then(Option::as_ref)
            .and_then(|s| s.inner().text().get(span.offset..span.offset + span.len));
        let Some(text) = text.map(|t| t.trim_end_matches(['\n', '\r'])) else {
            return (
                line,
                column.saturating_add(last(span.len.saturating_sub(1))),
            );
        };
        match text.rfind('\n') {
            None => (
                line,
                column.saturating_add(last(text.chars().count().saturating_sub(1))),
            ),
            Some(at) => (
                line.saturating_add(last(text.matches('\n').count())),
                last(text[at + 1..].chars().count()).max(1),
            ),
        }
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
    /// The active policy's rules, built-in and custom, as reports describe them.
    pub rules: &'a [RuleInfo],
    /// What the command line asks of the reports beyond the findings.
    pub settings: &'a Settings,
}

/// GitHub code scanning's limit of results per SARIF run
/// (docs.github.com, "SARIF results exceed limit").
pub const SARIF_MAX_RESULTS: usize = 25_000;

/// `--category`, `--max-results`, `--statistics`: what the command line asks of the reports.
#[derive(Clone, Debug)]
pub struct Settings {
    /// SARIF `automationDetails.id`: tells code scanning which analysis a run replaces.
    pub category: Option<String>,
    /// The most results one SARIF run holds; the most severe are kept.
    pub max_results: usize,
    /// Text and concise: counts per rule instead of the findings.
    pub statistics: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            category: None,
            max_results: SARIF_MAX_RESULTS,
            statistics: false,
        }
    }
}

/// One rule a finding can name, as the active policy has it: the built-in rules (those
/// turned off too), the waivers' own findings, then the policy's custom rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: String,
    /// The policy's severity, else that of an override turning it on; `None` when off for
    /// every grant.
    pub severity: Option<Severity>,
    /// The severity the rule has when on: its default, or a custom rule's own.
    pub default_severity: Severity,
    pub summary: String,
    /// Markdown, as `grantlint explain` prints it.
    pub docs: String,
    pub custom: bool,
}

impl RuleInfo {
    /// Every rule of `policy`, in a fixed order: the registry's, the custom rules, the limits.
    pub fn of_policy(policy: &crate::policy::Policy) -> Vec<RuleInfo> {
        let builtin = crate::rules::findings().map(|meta| {
            let active = policy.rules.iter().find(|r| r.id == meta.id);
            let is_rule = crate::rules::REGISTRY.iter().any(|r| r.id == meta.id);
            RuleInfo {
                id: meta.id.to_string(),
                severity: match (active, is_rule) {
                    (Some(rule), _) => Some(rule.severity),
                    // Off by default, on where an override says so: enabled.
                    (None, true) => policy.severity_in_overrides(meta.id),
                    // The waivers' own findings: never off.
                    (None, false) => Some(meta.severity),
                },
                default_severity: meta.severity,
                summary: meta.summary.to_string(),
                docs: unindent(meta.docs),
                custom: false,
            }
        });
        let custom = policy.custom.iter().map(|rule| RuleInfo {
            id: rule.id.clone(),
            severity: policy
                .severity_of(&rule.id)
                .or_else(|| policy.severity_in_overrides(&rule.id)),
            default_severity: (policy.severity_of(&rule.id).or(rule.severity))
                .unwrap_or(Severity::Warning),
            summary: rule.message.clone(),
            docs: rule.docs(policy.severity_of(&rule.id)),
            custom: true,
        });
        // Limits are the policy's own rules too: described whether or not they found anything.
        let limits = policy.limits.iter().map(|l| RuleInfo {
            id: l.limit.id.clone(),
            severity: policy.severity_of(&l.limit.id),
            default_severity: l.severity.unwrap_or(Severity::Warning),
            summary: l.limit.summary(),
            docs: l.limit.docs(),
            custom: true,
        });
        builtin.chain(custom).chain(limits).collect()
    }

    /// The rules of the embedded default policy, for tests and tools that have no policy.
    pub fn of_default() -> Vec<RuleInfo> {
        crate::policy::Policy::load(None)
            .map(|p| RuleInfo::of_policy(&p))
            .unwrap_or_default()
    }
}

/// Doc comments arrive with the space after `///`.
fn unindent(docs: &str) -> String {
    docs.lines()
        .map(|l| format!("{}\n", l.strip_prefix(' ').unwrap_or(l)))
        .collect()
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
