//! grantlint: a policy-as-code linter and audit reporter for temporary support access.
//!
//! Data flows one way: `load` reads inputs into `Grant`s, `policy` compiles the policy file into
//! rules, `check` runs the rules and gathers `Finding`s, `report` writes them out. A module uses
//! only those before it (tests/architecture.rs fails on a cycle): `core` (span, text, time,
//! spanned node, located policy errors, terminal-safe text) -> `grant` -> `finding` ->
//! `baseline`, `load` -> `rules` -> `policy` -> `discover`, `check` -> `suppress`, `verify` ->
//! `report` -> `history` -> `review` -> `cli` -> `commands`; `output` and `progress` use none.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

// First, so that its `print!`/`eprint!` macros (a closed pipe is a quiet end, not a panic)
// replace std's in every module below.
#[macro_use]
pub mod output;

pub mod baseline;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod core;
pub mod discover;
pub mod finding;
pub mod grant;
pub mod history;
pub mod load;
pub mod policy;
pub mod progress;
pub mod report;
pub mod review;
pub mod rules;
pub mod suppress;
pub mod verify;
