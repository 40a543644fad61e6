//! `grantlint man` and `grantlint completions`: documentation generated from the clap
//! definition that parses the command line, so neither can drift from `--help`.

use std::path::Path;

use clap::CommandFactory;
use clap::builder::{PossibleValue, PossibleValuesParser};

use super::{CANNOT_RUN, PASSED, print_bytes, write_file};
use crate::cli::Cli;

/// The command line as the shells complete it: `explain RULE` offers every built-in finding
/// id with its summary. Only here: parsing still takes any id, since a policy's custom rules
/// can be explained too.
pub fn completed() -> clap::Command {
    let ids: Vec<PossibleValue> = crate::rules::findings()
        .map(|f| PossibleValue::new(f.id).help(f.summary))
        .collect();
    Cli::command().mut_subcommand("explain", |explain| {
        explain.mut_arg("rule", |rule| {
            rule.value_parser(PossibleValuesParser::new(ids))
        })
    })
}

pub fn completions(shell: clap_complete::Shell) -> u8 {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut completed(), "grantlint", &mut out);
    if shell == clap_complete::Shell::Fish {
        out.extend_from_slice(fish_rule_ids().as_bytes());
    }
    print_bytes(&out)
}

/// clap_complete's fish script completes options only, never positional arguments (said in
/// its documentation), so `explain RULE`'s ids are added here, one `complete` line each.
fn fish_rule_ids() -> String {
    // fish's single quotes: only `\` and `'` are special.
    let quote = |text: &str| format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"));
    crate::rules::findings()
        .map(|f| {
            format!(
                "complete -c grantlint -n \"__fish_grantlint_using_subcommand explain\" -f -a {} -d {}\n",
                quote(f.id),
                quote(f.summary)
            )
        })
        .collect()
}

/// `grantlint man`: the top page on standard output; with `--dir`, a page for the command and
/// one for each subcommand (`grantlint.1`, `grantlint-check.1`, `grantlint-policy-show.1`, …),
/// the pages the top page's SEE ALSO and SUBCOMMANDS name.
pub fn man(dir: Option<&Path>) -> u8 {
    let Some(dir) = dir else {
        return print_bytes(&page(&top(), &[]));
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("grantlint: cannot create {}: {e}", dir.display());
        return CANNOT_RUN;
    }
    for (name, roff) in pages() {
        if let Err(code) = write_file(&dir.join(format!("{name}.1")), &roff, &[]) {
            return code;
        }
    }
    PASSED
}

/// The command with its subcommands named as their pages are (`grantlint-check`).
fn top() -> clap::Command {
    let mut cmd = completed().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// Every page: (file name without `.1`, roff), the command's first.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    fn walk(cmd: &clap::Command, path: &[&str], out: &mut Vec<(String, Vec<u8>)>) {
        let name = cmd.get_display_name().unwrap_or(cmd.get_name()).to_string();
        out.push((name, page(cmd, path)));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let mut path = path.to_vec();
            path.push(sub.get_name());
            walk(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(&top(), &[], &mut out);
    out
}

/// One page: clap_mangen's sections, then EXIT STATUS, ENVIRONMENT and SEE ALSO.
fn page(cmd: &clap::Command, path: &[&str]) -> Vec<u8> {
    let man = clap_mangen::Man::new(cmd.clone()).manual("grantlint manual");
    let mut out = Vec::new();
    // Into memory: writing cannot fail.
    let _ = man.render(&mut out);
    out.extend_from_slice(exit_status(path).as_bytes());
    out.extend_from_slice(environment(path).as_bytes());
    out.extend_from_slice(see_also(path).as_bytes());
    out
}

/// A roff paragraph list (`.TP`): each tag in bold, its text below.
fn tagged(heading: &str, items: &[(&str, &str)]) -> String {
    let mut roff = format!(".SH \"{heading}\"\n");
    for (tag, text) in items {
        roff.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", escape(tag), escape(text)));
    }
    roff
}

/// Text as roff reads it literally: backslashes and hyphens escaped, no line taken for a
/// request.
fn escape(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-");
    if text.starts_with(['.', '\'']) {
        format!("\\&{text}")
    } else {
        text
    }
}

const COULD_NOT_RUN: &str = "could not run: bad arguments, an unreadable or unparseable input \
                             or policy, nothing to read, or a report that could not be written";
const INTERRUPTED: (&str, &str) = (
    "130",
    "interrupted (SIGINT or SIGTERM); a report being written is removed",
);

/// DESIGN.md's exit codes, as each subcommand gives them.
fn exit_status(path: &[&str]) -> String {
    let items: Vec<(&str, &str)> = match path {
        [] | ["check"] => vec![
            (
                "0",
                "no finding at or above \\-\\-fail\\-on (default error)",
            ),
            ("1", "at least one finding at or above \\-\\-fail\\-on"),
            ("2", COULD_NOT_RUN),
            INTERRUPTED,
        ],
        ["inspect"] => vec![
            ("0", "the inputs were read; findings do not change the code"),
            ("2", COULD_NOT_RUN),
        ],
        ["report"] => vec![
            (
                "0",
                "the review was written, whatever its headline says (passed, failed or incomplete)",
            ),
            ("2", COULD_NOT_RUN),
            INTERRUPTED,
        ],
        ["test"] => vec![
            (
                "0",
                "every policy test produced exactly the findings it expects",
            ),
            (
                "1",
                "a policy test's findings differ from its NAME.expect.yaml",
            ),
            ("2", COULD_NOT_RUN),
        ],
        ["policy", "check"] => vec![
            ("0", "the policy is valid"),
            ("2", "the policy is not valid, or could not be read"),
        ],
        _ => vec![("0", "done"), ("2", COULD_NOT_RUN)],
    };
    // The codes above are already escaped where they name flags.
    let mut roff = ".SH \"EXIT STATUS\"\n".to_string();
    for (code, text) in items {
        roff.push_str(&format!(".TP\n\\fB{code}\\fR\n{text}\n"));
    }
    roff
}

/// The environment variables grantlint reads (tests/packaging.rs holds every `var_os` in
/// src/ to this list).
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "NO_COLOR",
        "set and not empty: \"--color auto\" does not colour the text output",
    ),
    (
        "CI",
        "set: no progress bar, even on a terminal (CI logs keep no redrawn lines)",
    ),
    (
        "GITHUB_STEP_SUMMARY",
        "set by GitHub Actions: with \"--format github\", a Markdown job summary (counts per rule, \
         the top findings) is appended to this file",
    ),
];

fn environment(path: &[&str]) -> String {
    match path {
        [] | ["check"] | ["inspect"] | ["report"] => tagged("ENVIRONMENT", ENVIRONMENT),
        _ => String::new(),
    }
}

fn see_also(path: &[&str]) -> String {
    let mut roff = ".SH \"SEE ALSO\"\n".to_string();
    if path.is_empty() {
        roff.push_str(
            "The pages of each subcommand, e.g. \\fBgrantlint\\-check\\fR(1); \
             \\fBgrantlint explain\\fR \\fIRULE\\fR for each rule.\n",
        );
    } else {
        roff.push_str("\\fBgrantlint\\fR(1)\n");
    }
    roff.push_str(".PP\nREADME.md, docs/ci.md and docs/policy.md in the source repository.\n");
    roff
}
