//! The default text output: each finding as a miette diagnostic with the offending value
//! underlined in its file, then a one-line summary.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};

use super::{Extras, Needs, Reporter, Run};
use crate::core::terminal::{Lines, clean};
use crate::finding::{Finding, Severity, Suppression};

/// One finding, shaped for miette.
struct Shown<'a> {
    finding: &'a Finding,
    /// The field it is about, built-in or declared.
    field: Option<&'a str>,
    source: Option<&'a NamedSource<Lines>>,
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&clean(&self.finding.message))
    }
}

impl std::error::Error for Shown<'_> {}

impl Diagnostic for Shown<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}[{}]",
            self.finding.severity.name(),
            self.finding.rule
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(clean(&self.finding.help).into_owned()))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        let source = self.source?;
        if !crate::core::terminal::drawable(self.finding.span, source.inner().text()) {
            return None;
        }
        Some(source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source_code()?;
        let f = self.finding;
        let label = match self.field {
            _ if f.at_grant => "this grant".to_string(),
            Some(field) => field.to_string(),
            None => "here".to_string(),
        };
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(label),
            f.span.offset,
            f.span.len,
        ))))
    }
}

pub fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme).with_width(120)
}

/// `--format text`, the default: for people, with snippets of the inputs.
pub struct Text;

impl Reporter for Text {
    fn needs(&self) -> Needs {
        Needs {
            sources: true,
            ..Needs::default()
        }
    }

    fn for_people(&self) -> bool {
        true
    }

    fn write(
        &self,
        run: &Run,
        extras: &Extras,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        out.write_all(render(run, extras.sources, extras.color).as_bytes())
    }
}

/// Renders the findings; input errors go to standard error, apart from the report.
pub fn render(run: &Run, sources: &[Option<NamedSource<Lines>>], color: bool) -> String {
    if run.settings.statistics {
        return statistics(run) + &summary(run);
    }
    let handler = handler(color);
    let mut out = String::new();
    for finding in run.shown() {
        let shown = Shown {
            finding,
            field: run.outcome.field_name(finding),
            source: sources
                .get(finding.file)
                .and_then(Option::as_ref)
                // A span too wide to underline (a runaway value) is named by line and column.
                .filter(|s| {
                    let text = s.inner().text();
                    short_lines_around(text, finding.span)
                        && crate::core::terminal::drawable(finding.span, text)
                }),
        };
        if shown.source.is_none() {
            let at = finding.span;
            out.push_str(&format!(
                "{}:{}:{}: ",
                clean(&run.outcome.files[finding.file]),
                at.line,
                at.column
            ));
        }
        let _ = handler.render_report(&mut out, &shown);
        out.push('\n');
    }
    out.push_str(&suppressed(run));
    out.push_str(&summary(run));
    out
}

/// One line per waived or baselined finding, and one per stale baseline entry: shown, so an
/// exception never hides, but short, so they do not drown the new findings.
fn suppressed(run: &Run) -> String {
    let mut out = waived(run);
    out.push_str(&stale(run.outcome));
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// "file:line:col: error[rule] message (waived by … until …: reason)", or "(baselined)".
fn waived(run: &Run) -> String {
    let o = run.outcome;
    let mut out = String::new();
    for s in run.shown_suppressed() {
        let f = &s.finding;
        let by = match &s.by {
            Suppression::Waiver {
                reason,
                approver,
                expires,
            } => format!(
                "waived by {} until {}: {}",
                clean(approver),
                expires.format("%Y-%m-%d %H:%M UTC"),
                clean(reason)
            ),
            Suppression::Baseline => "baselined".into(),
        };
        out.push_str(&format!(
            "{}:{}:{}: {}[{}] {} ({by})\n",
            o.files[f.file],
            f.span.line,
            f.span.column,
            f.severity.name(),
            f.rule,
            clean(&f.message)
        ));
    }
    out
}

/// One line per baseline entry that matched no finding: fixed, or its grant is gone.
fn stale(o: &crate::check::Outcome) -> String {
    let mut out = String::new();
    for e in o.baseline.iter().flat_map(|b| &b.stale) {
        let part = |label: &str, v: &Option<String>| {
            v.as_deref()
                .map_or(String::new(), |v| format!(", {label} {}", clean(v)))
        };
        out.push_str(&format!(
            "baseline entry no longer matches: {}{}{}{}{}\n",
            e.rule,
            part("grant", &e.grant),
            part("tenant", &e.tenant),
            part("field", &e.field),
            if e.count > 1 {
                format!(" ({} findings)", e.count)
            } else {
                String::new()
            }
        ));
    }
    out
}

/// Snippets print whole lines: the finding's, and one before and after it. A runaway line (a
/// 200 MB value) would flood the terminal, so such a finding is named by its place alone.
const MAX_SNIPPET_LINE: usize = 1000;

fn short_lines_around(text: &str, span: crate::core::span::Span) -> bool {
    let bytes = text.as_bytes();
    let start = span.offset.min(bytes.len());
    let end = (start + span.len).min(bytes.len());
    // From the start of the line before to the end of the line after.
    let line_start = memchr::memrchr(b'\n', &bytes[..start]).unwrap_or(0);
    let from = memchr::memrchr(b'\n', &bytes[..line_start]).map_or(0, |i| i + 1);
    let line_end = memchr::memchr(b'\n', &bytes[end..]).map_or(bytes.len(), |i| end + i + 1);
    let to = memchr::memchr(b'\n', &bytes[line_end.min(bytes.len())..])
        .map_or(bytes.len(), |i| line_end + i);
    let mut line_from = from;
    for newline in memchr::memchr_iter(b'\n', &bytes[from..to]).map(|i| from + i) {
        if newline - line_from > MAX_SNIPPET_LINE {
            return false;
        }
        line_from = newline + 1;
    }
    to - line_from <= MAX_SNIPPET_LINE
}

/// `--statistics`: one line per rule and severity with findings, most first, like ruff's:
/// `   12  error    window-max  the access window is longer than the maximum`.
pub fn statistics(run: &Run) -> String {
    let mut counts: Vec<(usize, Severity, &str)> = Vec::new();
    for f in run.shown() {
        match counts
            .iter_mut()
            .find(|(_, s, r)| *s == f.severity && *r == f.rule)
        {
            Some(entry) => entry.0 += 1,
            None => counts.push((1, f.severity, &f.rule)),
        }
    }
    counts.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
    let width = counts.iter().map(|c| c.2.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (n, severity, rule) in counts {
        let summary = run
            .rules
            .iter()
            .find(|r| r.id == rule)
            .map_or(String::new(), |r| clean(&r.summary).into_owned());
        out.push_str(&format!(
            "{n:>6}  {:<8} {rule:<width$}  {summary}\n",
            severity.name()
        ));
    }
    out
}

/// "2 files, 41 grants: 27 errors, 5 warnings, 0 info; failed"
pub fn summary(run: &Run) -> String {
    let o = run.outcome;
    let c = run.counts();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    // Native exports hold requests that never became access; say how many were left out.
    let skipped = match o.skipped {
        0 => String::new(),
        n => format!(
            " ({} not linted: denied or never activated)",
            plural(n, "request")
        ),
    };
    let mut line = format!(
        "{}, {}{skipped}: {}, {}, {} info",
        plural(o.inputs, "file"),
        plural(o.grants, "grant"),
        plural(c.error, "error"),
        plural(c.warning, "warning"),
        c.info
    );
    let waived = run
        .shown_suppressed()
        .filter(|s| matches!(s.by, Suppression::Waiver { .. }))
        .count();
    if waived > 0 {
        line.push_str(&format!(", {waived} waived"));
    }
    if let Some(b) = &o.baseline {
        line.push_str(&format!(
            "; baseline: {} new, {} baselined, {} resolved",
            b.new,
            b.baselined,
            b.resolved()
        ));
    }
    let hidden = run.hidden();
    if hidden > 0 {
        line.push_str(&format!(", {hidden} below --min-severity not shown"));
    }
    if !o.errors.is_empty() {
        line.push_str(&format!(", {} unreadable", plural(o.errors.len(), "file")));
    }
    line.push_str(if run.passed() {
        "; passed\n"
    } else {
        "; failed\n"
    });
    line
}
