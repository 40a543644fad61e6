//! `grantlint report`: the weekly access review.

use std::io::IsTerminal;

use super::{CANNOT_RUN, PASSED, eprint_diagnostic, write_report};
use crate::cli::ReportArgs;
use crate::load::ReadOptions;
use crate::policy::Policy;
use crate::{check, review};

/// `grantlint report`: check the inputs, aggregate the period, write the review. Exits 0 once
/// the review is written; 2 when it could not run, or an input could not be read (the review
/// is still written, naming the file).
pub fn run(args: &ReportArgs) -> u8 {
    let color = std::io::stderr().is_terminal();
    let mut policy = match Policy::discover(args.policy.as_deref()) {
        Ok(policy) => policy,
        Err(errors) => {
            eprint_diagnostic(&errors, color);
            return CANNOT_RUN;
        }
    };
    if let Some(zone) = args.timezone {
        policy.mapping.set_zone_for_all(zone);
    }
    let now = args.now.unwrap_or_else(chrono::Utc::now);
    let period = match review::Period::new(args.since, args.until, now) {
        Ok(period) => period,
        Err(why) => {
            eprintln!("grantlint: {why}");
            return CANNOT_RUN;
        }
    };
    let options = ReadOptions {
        format: args.input_format,
        delimiter: args.delimiter,
        verbose: args.verbose,
        source: args.source,
        limits: args.limits.limits(),
    };
    // Discovery leaves out grantlint's own files and what the policy or --exclude excludes.
    let selection = crate::discover::Selection::new(&policy, &args.exclude);
    let found = crate::discover::discover_with(&args.paths, &options, &selection);
    if let Some(crate::discover::Nothing::Found(why) | crate::discover::Nothing::Unchanged(why)) =
        found.nothing_to_check(false)
    {
        eprintln!("grantlint: {why}");
        return CANNOT_RUN;
    }
    let (inputs, mut errors) = (found.inputs, found.errors);
    let (mut outcome, records) =
        check::check_with(&inputs, &options, &policy, now, &review::GrantRecord::keep);
    errors.append(&mut outcome.errors);
    outcome.errors = errors;
    // The policy's waivers apply here as in `check`: waived findings get their own section.
    if let Err(errors) = crate::suppress::apply(&mut outcome, &policy.waivers, None, now) {
        eprint_diagnostic(&errors, color);
        return CANNOT_RUN;
    }
    for error in &outcome.errors {
        eprint_diagnostic(error, color);
    }
    let settings = review::Settings::from_policy(&policy, args.fail_on);
    let text = review::Review::build(&review::Inputs {
        records: &records,
        outcome: &outcome,
        settings: &settings,
        policy: &policy.name,
        period,
        now,
    })
    .render(args.format);
    if let Err(code) = write_report(args.output.as_deref(), &text, &inputs) {
        return code;
    }
    if outcome.grants == 0 && outcome.errors.is_empty() {
        // The review says so too; a job that signs weeks off must not take it for a pass.
        eprintln!("grantlint: {}", super::nothing_checked(&outcome));
        return CANNOT_RUN;
    }
    if outcome.errors.is_empty() {
        PASSED
    } else {
        CANNOT_RUN
    }
}
