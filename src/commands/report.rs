//! `grantlint report`: the weekly access review.

use std::io::IsTerminal;

use super::{CANNOT_RUN, PASSED, eprint_diagnostic, write_report};
use crate::cli::ReportArgs;
use crate::review;

/// `grantlint report`: check the inputs, aggregate the period, write the review. Exits 0 once
/// the review is written; 2 when it could not run, or an input could not be read (the review
/// is still written, naming the file).
pub fn run(args: &ReportArgs) -> u8 {
    reviewed(args).unwrap_or_else(|code| code)
}

fn reviewed(args: &ReportArgs) -> Result<u8, u8> {
    let color = std::io::stderr().is_terminal();
    let policy = super::load_policy(args.policy.as_deref(), args.timezone, color)?;
    // Every file the review writes, checked before any work against what the run reads
    // and against each other.
    let attachments: Vec<std::path::PathBuf> = (args.attachments.iter())
        .flat_map(|dir| review::attachments::FILES.map(|name| dir.join(name)))
        .collect();
    let targets: Vec<&std::path::Path> = (args.output.iter().map(|p| p.as_path()))
        .chain(attachments.iter().map(|p| p.as_path()))
        .collect();
    if !targets.is_empty() {
        let own = policy.own_files();
        let read: Vec<&std::path::Path> = own.iter().map(|(path, _)| path.as_path()).collect();
        crate::output::check_targets(&targets, &read).map_err(|e| {
            eprintln!("grantlint: {e}");
            CANNOT_RUN
        })?;
    }
    let now = args.now.unwrap_or_else(chrono::Utc::now);
    let period = review::Period::new(args.since, args.until, now).map_err(|why| {
        eprintln!("grantlint: {why}");
        CANNOT_RUN
    })?;
    let options = read_options!(args);
    // Discovery leaves out grantlint's own files and what the policy or --exclude excludes.
    let selection = crate::discover::Selection::new(&policy, &args.exclude);
    let found = super::discover(&args.paths, &options, &selection, false)?;
    let (inputs, mut outcome, records) =
        super::check_found(found, &options, &policy, now, &review::keep);
    // The policy's waivers apply here as in `check`: waived findings get their own section.
    if let Err(errors) = crate::suppress::apply(&mut outcome, &policy.waivers, None, now) {
        eprint_diagnostic(&errors, color);
        return Err(CANNOT_RUN);
    }
    for error in &outcome.errors {
        eprint_diagnostic(error, color);
    }
    let settings = review::Settings::from_policy(&policy, args.fail_on);
    let built = review::Review::build(&review::Inputs {
        records: &records,
        outcome: &outcome,
        settings: &settings,
        policy: &policy.name,
        period,
        now,
    });
    if let Some(dir) = &args.attachments {
        write_attachments(dir, &built, &inputs)?;
    }
    let text = built.render(args.format);
    write_report(args.output.as_deref(), &text, &inputs)?;
    if outcome.grants == 0 && outcome.errors.is_empty() {
        // The review says so too; a job that signs weeks off must not take it for a pass.
        eprintln!("grantlint: {}", super::nothing_checked(&outcome));
        return Ok(CANNOT_RUN);
    }
    Ok(if outcome.errors.is_empty() {
        PASSED
    } else {
        CANNOT_RUN
    })
}

/// `--attachments DIR`: every row of the review's tables, each file written whole and never
/// over a file the run reads.
fn write_attachments(
    dir: &std::path::Path,
    review: &review::Review,
    inputs: &[crate::load::Input],
) -> Result<(), u8> {
    std::fs::create_dir_all(dir).map_err(|e| {
        eprintln!("grantlint: cannot create {}: {e}", dir.display());
        CANNOT_RUN
    })?;
    let read: Vec<&std::path::Path> = inputs.iter().filter_map(crate::load::Input::path).collect();
    for (name, bytes) in review::attachments::render(review) {
        super::write_file(&dir.join(name), &bytes, &read)?;
    }
    Ok(())
}
