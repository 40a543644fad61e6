//! The command-line cases as data. `tests/cmd/NAME.toml` holds the arguments (and, where
//! needed, `fs.cwd`, `env`, `status.code`); `NAME.stdin` what is typed in; `NAME.stdout` and
//! `NAME.stderr` the whole output expected (an empty file: nothing); `NAME.in/` the folder a
//! case runs in and `NAME.out/` the files it must leave there. Inputs shared by several cases
//! are in `tests/cmd/inputs/`. Cases run from the repository root, all at once; one with an
//! `.out/` folder runs in a temporary copy of its `.in/`, so nothing in the tree is written.
//!
//! Every case says `binary = true`: output is compared byte for byte. trycmd's text mode would
//! read each `\` as a Windows path separator and turn it into `/`, so JSON escapes and the
//! regexes of `policy show` would go unchecked. Files in `.out/` are compared that way all the
//! same (trycmd gives no choice there), so they must hold no `\`.
//!
//! When an output changes on purpose (a rule added: `rules` lists it, `policy check` counts
//! it, `explain` shows it), rewrite the expected files and read the diff before committing:
//!     TRYCMD=overwrite cargo test --test cmd
//! One case: `cargo test --test cmd -- cli_cases trycmd=NAME`.

#![allow(clippy::unwrap_used)]

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}

/// trycmd reads `NAME.stdout` only when `NAME.toml` exists: a case renamed or removed would
/// leave its expected output behind, unread. Every file here belongs to a case.
#[test]
fn every_expected_file_belongs_to_a_case() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cmd");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.ends_with("inputs") || path.extension().is_some_and(|e| e == "toml") {
            continue;
        }
        assert!(
            path.with_extension("toml").is_file(),
            "{} has no case {}",
            path.display(),
            path.with_extension("toml").display()
        );
    }
}
