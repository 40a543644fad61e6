//! `--format github`: GitHub Actions workflow commands, so each finding is shown on its line
//! in the pull request: `::error file=…,line=…,endLine=…,col=…,endColumn=…,title=…::message`.
//! GitHub shows only the first few annotations of each kind per step, so the most severe come
//! first: unreadable inputs, then errors, warnings and notices, each by file and line.
//!
//! With `$GITHUB_STEP_SUMMARY` set, [`job_summary`] is also appended there: counts per rule,
//! the top findings and the closing line, as Markdown with every value from the data escaped.

use std::cmp::Reverse;
use std::fmt::Write as _;

use super::{Ends, Run};
use crate::finding::{Finding, Severity};

/// How many findings the job summary lists: the most severe.
const TOP_FINDINGS: usize = 20;

pub fn render(run: &Run, ends: &Ends) -> String {
    let outcome = run.outcome;
    let mut out = String::new();
    for e in &outcome.errors {
        let at = e.location.map_or(String::new(), |s| {
            format!(",line={},col={}", s.line, s.column)
        });
        out.push_str(&format!(
            "::error file={}{at},title=grantlint: unreadable input::{}\n",
            property(&e.file),
            data(&e.message)
        ));
    }
    for f in by_severity(run) {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let grant = f
            .grant
            .as_deref()
            .map_or(String::new(), |g| format!(" ({g})"));
        let (end_line, end_column) = ends.of(f);
        out.push_str(&format!(
            "::{command} file={},line={},endLine={end_line},col={},endColumn={end_column},title={}::{}\n",
            property(&outcome.files[f.file]),
            f.span.line.max(1),
            f.span.column.max(1),
            property(&format!("grantlint {}{grant}", f.rule)),
            data(&format!("{}\nhelp: {}", f.message, f.help)),
        ));
    }
    out.push_str(&super::text::summary(run));
    out
}

/// The shown findings, most severe first, then by file name, line, column and rule.
fn by_severity<'a>(run: &'a Run) -> Vec<&'a Finding> {
    let files = &run.outcome.files;
    let mut shown: Vec<&Finding> = run.shown().collect();
    shown.sort_by(|a, b| {
        (
            Reverse(a.severity),
            &files[a.file],
            a.span.line,
            a.span.column,
            &a.rule,
        )
            .cmp(&(
                Reverse(b.severity),
                &files[b.file],
                b.span.line,
                b.span.column,
                &b.rule,
            ))
    });
    shown
}

/// The job summary (`$GITHUB_STEP_SUMMARY`): the closing line, findings per rule, the most
/// severe findings and the unreadable inputs, in Markdown.
pub fn job_summary<'a>(run: &'a Run<'a>) -> String {
    let outcome = run.outcome;
    let mut out = String::new();
    let verdict = if run.passed() { "passed" } else { "failed" };
    let _ = writeln!(out, "## grantlint: {verdict}\n");
    let _ = writeln!(out, "{}", markdown(super::text::summary(run).trim_end()));
    let mut per_rule: Vec<(&str, Severity, usize, usize)> = Vec::new();
    let mut count = |f: &'a Finding, open: bool| {
        let i = match per_rule
            .iter()
            .position(|(r, s, ..)| *r == f.rule && *s == f.severity)
        {
            Some(i) => i,
            None => {
                per_rule.push((&f.rule, f.severity, 0, 0));
                per_rule.len() - 1
            }
        };
        if open {
            per_rule[i].2 += 1;
        } else {
            per_rule[i].3 += 1;
        }
    };
    run.shown().for_each(|f| count(f, true));
    run.shown_suppressed()
        .for_each(|s| count(&s.finding, false));
    if !per_rule.is_empty() {
        per_rule.sort_by_key(|&(rule, severity, open, _)| (Reverse(severity), Reverse(open), rule));
        out.push_str("\n| rule | severity | open | waived or baselined |\n|---|---|---:|---:|\n");
        for (rule, severity, open, suppressed) in per_rule {
            let _ = writeln!(
                out,
                "| `{}` | {} | {open} | {suppressed} |",
                code(rule),
                severity.name()
            );
        }
    }
    let top = by_severity(run);
    if !top.is_empty() {
        let _ = writeln!(
            out,
            "\n### {} most severe findings\n\n| severity | where | rule | grant | finding |\n|---|---|---|---|---|",
            top.len().min(TOP_FINDINGS)
        );
        for f in top.iter().take(TOP_FINDINGS) {
            let _ = writeln!(
                out,
                "| {} | `{}:{}:{}` | `{}` | {} | {} |",
                f.severity.name(),
                code(&outcome.files[f.file]),
                f.span.line,
                f.span.column,
                code(&f.rule),
                markdown(f.grant.as_deref().unwrap_or("")),
                markdown(&f.message)
            );
        }
    }
    if !outcome.errors.is_empty() {
        out.push_str("\n### Unreadable inputs\n\n");
        for e in &outcome.errors {
            let _ = writeln!(out, "- `{}`: {}", code(&e.file), markdown(&e.message));
        }
    }
    out.push('\n');
    out
}

/// Text from the data inside Markdown: nothing in it may start a table cell, a link, an
/// image, HTML or emphasis, nor end the line.
fn markdown(text: &str) -> String {
    let safe = crate::core::terminal::shown_safely(text);
    let mut out = String::with_capacity(safe.len());
    for c in safe.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text inside a code span: a backtick would end it and `|` the table cell; no Markdown is
/// read inside, so nothing else needs escaping.
fn code(text: &str) -> String {
    crate::core::terminal::shown_safely(text)
        .replace('`', "'")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// Appends the job summary to `$GITHUB_STEP_SUMMARY` when the runner set it. A summary that
/// cannot be written is said on standard error; the run's result does not change.
pub fn append_job_summary(run: &Run) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    use std::io::Write;
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| file.write_all(job_summary(run).as_bytes()));
    if let Err(e) = written {
        eprintln!(
            "grantlint: cannot append the job summary to $GITHUB_STEP_SUMMARY ({}): {e}",
            std::path::Path::new(&path).display()
        );
    }
}

/// A command's message: `%`, CR and LF would end or corrupt the command.
fn data(text: &str) -> String {
    crate::core::terminal::shown_safely(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: as [`data`], and `:` and `,` would end the property.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_text_is_escaped() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn summary_text_cannot_make_markdown() {
        assert_eq!(
            markdown("<img src=x> | [a](b)\n# h *x*"),
            "&lt;img src=x&gt; \\| \\[a\\]\\(b\\) \\# h \\*x\\*"
        );
        assert_eq!(code("a`b|c\nd"), "a'b\\|c d");
    }
}
