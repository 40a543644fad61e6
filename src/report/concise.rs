//! `--format concise`: one line per finding, `file:line:col: severity[rule] message`, then the
//! summary line: for a terminal or an editor's problem matcher when snippets are too much.
//! With `--statistics`, the counts per rule instead of the findings (as text does).

use super::{Extras, Reporter, Run};
use crate::core::terminal::clean;

pub struct Concise;

impl Reporter for Concise {
    fn for_people(&self) -> bool {
        true
    }

    fn write(&self, run: &Run, _: &Extras, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(render(run).as_bytes())
    }
}

pub fn render(run: &Run) -> String {
    if run.settings.statistics {
        return super::text::statistics(run) + &super::text::summary(run);
    }
    let mut out = String::new();
    for f in run.shown() {
        // One line each: a line end in a value would split the finding in two.
        let message = clean(&f.message).replace(['\n', '\r'], " ");
        out.push_str(&format!(
            "{}:{}:{}: {}[{}] {message}\n",
            clean(&run.outcome.files[f.file]),
            f.span.line,
            f.span.column,
            f.severity.name(),
            f.rule,
        ));
    }
    out.push_str(&super::text::summary(run));
    out
}
