//! The `grantlint` command: parse the arguments, run the subcommand, exit with its code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = grantlint::cli::Cli::parse();
    grantlint::core::files::allow_outside_root(cli.allow_outside_root);
    grantlint::core::files::set_max_policy_file(cli.max_policy_file_size);
    grantlint::output::clean_up_when_interrupted();
    let code = grantlint::commands::run(cli);
    // Output that could not be written (a full disk, not a reader that stopped early) means
    // the run did not do its job, whatever it found.
    if grantlint::output::stdout_failed() {
        return ExitCode::from(grantlint::commands::CANNOT_RUN);
    }
    ExitCode::from(code)
}
