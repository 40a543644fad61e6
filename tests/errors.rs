//! Error messages as a user meets them: each names the file, line and column, underlines the
//! place it names, says the cause and the fix in a few lines, and the run exits 2.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use common::stderr;

const CANNOT_RUN: i32 = 2;

fn grantlint_in(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap()
}

/// Standard error with the diagnostic's wrapping undone: `│` continuation marks and line
/// breaks inside a message become single spaces.
fn flat(out: &Output) -> String {
    stderr(out)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `file:line:column` the snippet's header names (`╭─[file:2:21]`), and the column of
/// its `┬` underline mark counted from the snippet line's text.
fn snippet_place(err: &str) -> (String, usize) {
    let header = err
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("╭─["))
        .unwrap_or_else(|| panic!("no snippet in {err}"));
    let header = header.trim_end_matches(']').to_string();
    let lines: Vec<&str> = err.lines().collect();
    let mark = lines
        .iter()
        .position(|l| l.contains('┬'))
        .unwrap_or_else(|| panic!("no underline in {err}"));
    // `  3 │ text` above `    · ──┬`: the mark's column, in characters, within the text
    // that starts two characters after the `│`.
    let chars_before = |line: &str, c: char| line.chars().position(|x| x == c).unwrap();
    let text_start = chars_before(lines[mark - 1], '│') + 2;
    let column = chars_before(lines[mark], '┬') + 1 - text_start;
    (header, column)
}

#[test]
fn a_large_csv_read_as_yaml_is_named_briefly_at_its_first_cell() {
    let dir = tempfile::tempdir().unwrap();
    // 1.2 MB of help-desk export with the byte-order mark spreadsheets write.
    let mut csv =
        String::from("\u{FEFF}Ticket ID,Requester,Assignee,Approved By,Access Start,Access End\n");
    let mut n = 0;
    while csv.len() < 1_200_000 {
        n += 1;
        csv.push_str(&format!(
            "HD-{n},Dana Lee,Mina Chen,Ravi Patel,11/23/2026 2:05 PM,11/23/2026 4:05 PM\n"
        ));
    }
    std::fs::write(dir.path().join("helpdesk.csv"), &csv).unwrap();
    let out = grantlint_in(
        dir.path(),
        &["check", "--input-format", "yaml", "helpdesk.csv"],
    );
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
    let err = stderr(&out);
    // A few lines, not the file echoed back.
    assert!(err.len() < 2_000, "{} bytes of stderr:\n{err}", err.len());
    let flat = flat(&out);
    assert!(
        flat.contains(
            "helpdesk.csv:1:1: expected a list of grants or a mapping with a `grants:` list, \
             found the text `Ticket ID,Requester,Assignee,Approved By,Access Start,Access…`"
        ),
        "{flat}"
    );
    assert!(flat.contains("this looks like CSV"), "{flat}");
    assert!(flat.contains("`--input-format csv`"), "{flat}");
    // The snippet names and underlines the same place: the first cell, after the invisible
    // byte-order mark.
    assert_eq!(snippet_place(&err), ("helpdesk.csv:1:1".into(), 1));
    // Given to a JSON system's reader, the same file is refused as briefly, at the same place.
    for source in ["gcp-pam", "entra-pim", "teleport"] {
        let out = grantlint_in(dir.path(), &["check", "--source", source, "helpdesk.csv"]);
        assert_eq!(out.status.code(), Some(CANNOT_RUN), "{source}");
        let err = stderr(&out);
        assert!(err.len() < 2_000, "{source}: {} bytes:\n{err}", err.len());
        assert!(flat_contains(&out, "helpdesk.csv:1:1: "), "{source}: {err}");
        assert_eq!(snippet_place(&err).0, "helpdesk.csv:1:1", "{source}: {err}");
    }
}

#[test]
fn a_policy_syntax_error_underlines_the_place_it_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("grantlint.yaml"),
        "version: 1\nrules:\n  ticket-linked: off\n  window-max: {max: [4h\n",
    )
    .unwrap();
    let out = grantlint_in(dir.path(), &["policy", "check", "grantlint.yaml"]);
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
    let err = stderr(&out);
    let named = err
        .split_whitespace()
        .find(|w| w.starts_with("grantlint.yaml:") && w.ends_with(':'))
        .unwrap_or_else(|| panic!("no location in {err}"))
        .trim_end_matches(':')
        .to_string();
    assert_eq!(named, "grantlint.yaml:4:21", "{err}");
    // The `[` that is never closed, at line 4 column 21, is what is underlined.
    assert_eq!(snippet_place(&err), (named, 21), "{err}");
    let flat = flat(&out);
    // The parser's own "line 4 column 21" is not said twice.
    assert!(
        flat.contains("grantlint.yaml:4:21: unclosed bracket '['"),
        "{flat}"
    );
    assert!(flat.contains("help: fix the YAML syntax here"), "{flat}");
}

#[test]
fn a_grants_syntax_error_counts_columns_in_characters() {
    let dir = tempfile::tempdir().unwrap();
    // `x` is the 25th character of line 2 and its 27th byte.
    std::fs::write(
        dir.path().join("grants.yaml"),
        "- id: SUP-1\n  reason: \"Müller café\" x: [\n",
    )
    .unwrap();
    let out = grantlint_in(dir.path(), &["check", "grants.yaml"]);
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
    let err = stderr(&out);
    let flat = flat(&out);
    assert!(
        flat.contains("grants.yaml:2:25: invalid trailing content after double-quoted scalar ╭─["),
        "{flat}"
    );
    assert_eq!(
        snippet_place(&err),
        ("grants.yaml:2:25".into(), 25),
        "{err}"
    );
}

#[test]
fn since_names_the_forms_it_takes_and_rewrites_a_us_date() {
    let out = common::grantlint(&[
        "report",
        "--since",
        "11/23/2026",
        "fixtures/samples/grants.yaml",
    ]);
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
    let flat = flat(&out);
    assert!(
        flat.contains(
            "invalid value '11/23/2026' for '--since <DATE>': write this day as 2026-11-23; \
             --since and --until take a day as year-month-day (2026-11-23) or a time \
             (2026-11-23T09:00:00Z)"
        ),
        "{flat}"
    );
    assert!(!flat.contains("without a time of day"), "{flat}");
    // The form it names is taken.
    let out = common::grantlint(&[
        "report",
        "--since",
        "2026-11-17",
        "--until",
        "2026-11-23",
        "--now",
        common::NOW,
        "fixtures/samples/grants.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(common::stdout(&out).contains("2026-11-17 00:00 to 2026-11-24 00:00 UTC"));
}

#[test]
fn a_path_that_is_not_there_is_said_plainly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("grants.yaml"), "- id: a\n").unwrap();
    let out = grantlint_in(
        dir.path(),
        &["check", "grants.yaml", "exports/helpdesk.csv"],
    );
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
    let flat = flat(&out);
    assert!(
        flat.contains("exports/helpdesk.csv: no such file or folder"),
        "{flat}"
    );
    assert!(flat.contains("help: check the path"), "{flat}");
    assert!(!flat.contains("removed"), "{flat}");
}

#[test]
fn policy_check_names_its_file_argument_not_the_policy_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = grantlint_in(dir.path(), &["policy", "check", "nope.yaml"]);
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
    let flat = flat(&out);
    assert!(
        flat.contains("nope.yaml: cannot read the policy file: no such file or folder"),
        "{flat}"
    );
    assert!(
        flat.contains("help: check the FILE given to `grantlint policy check`"),
        "{flat}"
    );
    assert!(!flat.contains("--policy"), "{flat}");
    assert!(!flat.contains("os error"), "{flat}");
    assert!(
        flat.contains("`grantlint init nope.yaml` writes a starting policy"),
        "{flat}"
    );
    // A folder given as the file is named as one.
    let out = grantlint_in(dir.path(), &["policy", "check", "."]);
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
    assert!(
        flat_contains(
            &out,
            ".: cannot read the policy file: this is a folder, not a file"
        ),
        "{}",
        stderr(&out)
    );
    // `--policy` is still blamed where it is the culprit.
    let out = grantlint_in(
        dir.path(),
        &["check", "--policy", "nope.yaml", "grants.yaml"],
    );
    assert_eq!(out.status.code(), Some(CANNOT_RUN));
    assert!(flat_contains(&out, "check the path given to --policy"));
}

fn flat_contains(out: &Output, text: &str) -> bool {
    flat(out).contains(text)
}
