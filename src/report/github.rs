//! `--format github`: GitHub Actions workflow commands, so each finding is shown on its line
//! in the pull request: `::error file=…,line=…,col=…,title=…::message`.

use super::Run;
use super::fingerprint::relative_path;
use crate::finding::Severity;

pub fn render(run: &Run) -> String {
    let outcome = run.outcome;
    let mut out = String::new();
    for f in run.shown() {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let grant = f
            .grant
            .as_deref()
            .map_or(String::new(), |g| format!(" ({g})"));
        out.push_str(&format!(
            "::{command} file={},line={},col={},title={}::{}\n",
            property(&relative_path(&outcome.files[f.file])),
            f.span.line,
            f.span.column,
            property(&format!("grantlint {}{grant}", f.rule)),
            data(&format!("{}\nhelp: {}", f.message, f.help)),
        ));
    }
    for e in &outcome.errors {
        let at = e.location.map_or(String::new(), |s| {
            format!(",line={},col={}", s.line, s.column)
        });
        out.push_str(&format!(
            "::error file={}{at},title=grantlint: unreadable input::{}\n",
            property(&relative_path(&e.file)),
            data(&e.message)
        ));
    }
    out.push_str(&super::text::summary(run));
    out
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
}
