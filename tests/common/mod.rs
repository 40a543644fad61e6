//! What the integration tests share: running the built binary as a user would.

// Each test crate uses some of these, never all.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// The fixed "now" of every test, so expiry findings do not depend on the clock.
pub const NOW: &str = "2026-11-24T12:00:00Z";

/// Runs `grantlint ARGS` from the repository root, colour decided by the flags alone.
pub fn grantlint(args: &[&str]) -> Output {
    Command::cargo_bin("grantlint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap()
}

/// `check --format json --now NOW ARGS`: the exit code and the parsed report.
pub fn json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json", "--now", NOW];
    all.extend_from_slice(args);
    let out = grantlint(&all);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), report)
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// (rule, grant, line, column) of every finding, in report order.
pub fn placed_findings(report: &Value) -> Vec<(String, String, u64, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["grant"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect()
}
