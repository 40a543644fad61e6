//! The `grantlint` command: parse the arguments, run the subcommand, exit with its code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    ExitCode::from(grantlint::commands::run(grantlint::cli::Cli::parse()))
}
