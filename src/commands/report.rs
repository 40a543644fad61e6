//! `grantlint report`: the weekly access review.

use std::io::IsTerminal;

use super::{CANNOT_RUN, PASSED, eprint_diagnostic, write_report};
use crate::cli::{ReportArgs, SignArgs};
use crate::history::{self, Create, History};
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
    if let (Some(output), Some(file)) = (&args.output, &args.history) {
        crate::output::check_targets(&[output, file], &[]).map_err(|_| {
            eprintln!(
                "grantlint: --output and --history name one file, {}: the review would overwrite its history",
                file.display()
            );
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
    let mut found = super::discover(&args.paths, &options, &selection, false)?;
    leave_out_configuration(&mut found, &options);
    // The inputs are known now: nothing the review writes (the page, the attachments, the
    // history) may be one of them. Refused before anything is checked, written or recorded.
    let read: Vec<&std::path::Path> = (found.inputs.iter())
        .filter_map(crate::load::Input::path)
        .collect();
    crate::output::check_targets(&targets, &read).map_err(|e| {
        eprintln!("grantlint: {e}");
        CANNOT_RUN
    })?;
    if let Some(file) = &args.history {
        crate::output::check_targets(&[file], &read).map_err(|_| {
            eprintln!(
                "grantlint: --history {} is one of the inputs; name a file of its own",
                file.display()
            );
            CANNOT_RUN
        })?;
    }
    let settings = review::Settings::from_policy(&policy, args.fail_on);
    // Every grant read is kept: whole when it is in the period, the one before, or has no
    // start; as a stand-in of its place, start and tenant otherwise (a finding finds its
    // grant by its place, a repeat-tenant span groups grants by tenant and start).
    let shown = review::Shown {
        settings: &settings,
        period,
        now,
    };
    let tenants = review::Tenants::default();
    let keep = review::Record::keep_for(shown, &tenants);
    // What each file was when first read: a second reading must read the same.
    let stamps: Vec<Option<Stamp>> = found.inputs.iter().map(stamp).collect();
    let (inputs, mut outcome, mut records) =
        super::check_found(found, &options, &policy, now, &keep);
    // The policy's waivers apply here as in `check`: waived findings get their own section.
    if let Err(errors) = crate::suppress::apply(&mut outcome, &policy.waivers, None, now) {
        eprint_diagnostic(&errors, color);
        return Err(CANNOT_RUN);
    }
    // Named as `check` names them (relative to the repository root, normalised), so the
    // review, its attachments, its diagnostics and the CI reports of one checkout agree
    // whatever the working directory.
    crate::report::paths::Naming::new(args.root.as_deref(), None).rename(&mut outcome);
    for error in &outcome.errors {
        eprint_diagnostic(error, color);
    }
    let rows = match (args.format, &args.attachments) {
        // The pages show the first rows of each list; the JSON review and the attachments
        // list every row.
        (review::ReviewFormat::Markdown | review::ReviewFormat::Html, None) => review::show::ROWS,
        _ => usize::MAX,
    };
    // A repeat-tenant span the review shows may reach grants kept as stand-ins (its grant of
    // the period live since long before it): those, and only those, are read again.
    let base = review::Inputs {
        records: &[],
        tenants: &tenants,
        outcome: &outcome,
        settings: &settings,
        policy: &policy.name,
        period,
        now,
        rows,
    };
    let wanted = review::Review::stand_ins_shown(&review::Inputs {
        records: &records,
        ..base
    });
    if !wanted.is_empty() {
        let mut unread = Vec::new();
        let reading = policy.reading_only();
        let refilled = review::refill(
            &mut records,
            &wanted,
            (&tenants, shown),
            &outcome.files,
            |keep| {
                let (again, kept) =
                    crate::check::check_with(&inputs, &options, &reading, now, keep);
                unread = again.errors;
                kept
            },
        );
        // A file that cannot be read again says why; one that reads otherwise changed.
        for error in &unread {
            eprint_diagnostic(error, color);
        }
        let changed = (inputs.iter().zip(&stamps))
            .find(|(input, before)| stamp(input) != **before)
            .map(|(input, _)| {
                format!(
                    "{}: the file changed while the review read it; run the review again once \
                     it is written whole",
                    input.name
                )
            });
        if let Some(why) = changed {
            eprintln!("grantlint: {why}");
            return Err(CANNOT_RUN);
        }
        if !unread.is_empty() {
            return Err(CANNOT_RUN);
        }
        if let Err(why) = refilled {
            eprintln!("grantlint: {why}");
            return Err(CANNOT_RUN);
        }
    }
    let review_inputs = review::Inputs {
        records: &records,
        ..base
    };
    let mut review = review::Review::build(&review_inputs);
    if let Some(file) = &args.history {
        review.history = record_history(file, &review, &review_inputs, &inputs)?;
    }
    if let Some(dir) = &args.attachments {
        write_attachments(dir, &review, &inputs)?;
    }
    let text = review.render(args.format);
    write_report(args.output.as_deref(), &text, &inputs)?;
    let code = if outcome.grants == 0 && outcome.errors.is_empty() {
        // The review says so too; a job that signs weeks off must not take it for a pass.
        eprintln!("grantlint: {}", super::nothing_checked(&outcome));
        CANNOT_RUN
    } else if outcome.errors.is_empty() {
        PASSED
    } else {
        CANNOT_RUN
    };
    // The process exits next: handing a million records and findings back to the allocator
    // one by one would only make the run longer.
    std::mem::forget((records, outcome, review, text));
    Ok(code)
}

/// Access-system configuration (Teleport roles, PAM entitlements, PIM and TEAM policies) is
/// linted by `check`: its roles and policies are not grants a review could place in a week,
/// and read as grants they would crowd the closeout as "unknown". Each such input is left out
/// and said to be, as an input problem: the review is incomplete, never passed.
fn leave_out_configuration(
    found: &mut crate::discover::Discovery,
    options: &crate::load::ReadOptions,
) {
    let crate::discover::Discovery { inputs, errors, .. } = found;
    inputs.retain(|input| {
        let Some(kind) = crate::config::kind(input, options) else {
            return true;
        };
        errors.push(
            crate::load::InputError::new(
                &input.name,
                format!(
                    "is access-system configuration ({}), not an export of grants: the review \
                     leaves it out",
                    kind.name()
                ),
            )
            .help("lint it with `grantlint check`; leave it out of the review with `--exclude`"),
        );
        false
    });
}

/// What a file was when read: its length and when it was last written (`None` for standard
/// input, held in memory, or a file whose metadata cannot be read).
type Stamp = (u64, std::time::SystemTime);

fn stamp(input: &crate::load::Input) -> Option<Stamp> {
    let meta = std::fs::metadata(input.path()?).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// Records the period in the history file and returns the comparison for the review. A
/// review that could not read an input, or read no grant, is not recorded: its missing
/// findings would read as fixed next week. Err: exit 2, said.
fn record_history(
    file: &std::path::Path,
    review: &review::Review,
    review_inputs: &review::Inputs,
    inputs: &[crate::load::Input],
) -> Result<Option<history::WeekOverWeek>, u8> {
    // `reviewed` made sure the history is none of the inputs before any work.
    let outcome = review_inputs.outcome;
    if !outcome.errors.is_empty() || outcome.grants == 0 {
        eprintln!(
            "grantlint: history {}: not recorded, because {}; its findings would read as fixed next week",
            file.display(),
            if outcome.grants == 0 {
                "no grant was read"
            } else {
                "an input could not be read"
            }
        );
        return Ok(None);
    }
    let digests = history::digest_inputs(inputs).map_err(|e| {
        eprintln!("grantlint: history {}: {e}", file.display());
        CANNOT_RUN
    })?;
    let observed = review::history_section::observed(review, review_inputs, digests);
    let compared = History::open(file, Create::Yes)
        .and_then(|mut history| history.record(&observed, review_inputs.now))
        .map_err(|e| {
            eprintln!("grantlint: {e}");
            CANNOT_RUN
        })?;
    Ok(Some(compared))
}

/// `grantlint review sign`: records the sign-off of a recorded period. Exit 0 when recorded;
/// 2 when the history, the period or the inputs do not allow it, said.
pub fn sign(args: &SignArgs) -> u8 {
    signed(args).unwrap_or_else(|code| code)
}

fn signed(args: &SignArgs) -> Result<u8, u8> {
    let color = std::io::stderr().is_terminal();
    let now = args.now.unwrap_or_else(chrono::Utc::now);
    let period = match (args.since, args.until) {
        (Some(since), Some(until)) => {
            let period = review::Period::new(Some(since), Some(until), now).map_err(|why| {
                eprintln!("grantlint: {why}");
                CANNOT_RUN
            })?;
            Some(history::PeriodRef {
                since: period.since,
                until: period.until,
            })
        }
        _ => None,
    };
    let mut inputs_sha256 = args.inputs_sha256.clone();
    if !args.paths.is_empty() {
        // Found as `report` finds them, so the same files give the same hash.
        let policy = super::load_policy(args.policy.as_deref(), None, color)?;
        let selection = crate::discover::Selection::new(&policy, &args.exclude);
        let options = crate::load::ReadOptions::default();
        let found = super::discover(&args.paths, &options, &selection, false)?;
        if !found.errors.is_empty() {
            for error in &found.errors {
                eprint_diagnostic(error, color);
            }
            return Err(CANNOT_RUN);
        }
        let digests = history::digest_inputs(&found.inputs).map_err(|e| {
            eprintln!("grantlint: {e}");
            CANNOT_RUN
        })?;
        let hash = history::population_hash(&digests);
        if let Some(given) = &inputs_sha256
            && *given != hash
        {
            eprintln!(
                "grantlint: the inputs given have SHA-256 {hash}, not --inputs-sha256 {given}: sign what the review read"
            );
            return Err(CANNOT_RUN);
        }
        inputs_sha256 = Some(hash);
    }
    // clap requires the paths or --inputs-sha256.
    let Some(inputs_sha256) = inputs_sha256 else {
        eprintln!("grantlint: give the inputs the review read, or --inputs-sha256");
        return Err(CANNOT_RUN);
    };
    let request = history::SignRequest {
        period,
        reviewer: args.reviewer.clone(),
        decisions: args.decisions.clone(),
        inputs_sha256,
        now,
    };
    let signed = History::open(&args.history, Create::No)
        .and_then(|mut history| history.sign(&request))
        .map_err(|e| {
            eprintln!("grantlint: {e}");
            CANNOT_RUN
        })?;
    let text = format!(
        "Signed off {} by {} at {} UTC: {} grants, inputs SHA-256 {}, {} decision{}, recorded in {}.\n",
        signed.period.label(),
        crate::core::terminal::shown_safely(&signed.reviewer),
        signed.signed_at.format("%Y-%m-%d %H:%M"),
        signed.grants,
        signed.inputs_sha256,
        signed.decisions.len(),
        if signed.decisions.len() == 1 { "" } else { "s" },
        args.history.display()
    );
    Ok(super::print_bytes(text.as_bytes()))
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
