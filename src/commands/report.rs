//! `grantlint report`: the weekly access review.

use std::io::IsTerminal;

use super::{CANNOT_RUN, PASSED, eprint_diagnostic, write_report};
use crate::cli::{ReportArgs, SignArgs};
use crate::history::{self, Create, History};
use crate::review;

/// `grantlint report`: check the inputs, aggregate the period, write the review. Exits 0 once
/// the review is written; 2 when it could not run, when an input could not be read or is
/// configuration named on the command line (the review is still written, naming the file),
/// and when an input changed while the review read it (nothing is written).
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
    leave_out_configuration(&mut found, &options);
    let settings = review::Settings::from_policy(&policy, args.fail_on);
    // Every grant read is kept: whole when it is in the period, the one before, or has no
    // start; as a stand-in of its place, start and tenant otherwise (a finding finds its
    // grant by its place, a repeat-tenant span groups grants by tenant and start).
    let periods = review::Periods {
        settings: &settings,
        period,
        now,
    };
    let tenants = review::Tenants::default();
    let keep = review::Record::keep_for(periods, &tenants);
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
    let naming = crate::report::paths::Naming::new(args.root.as_deref(), None);
    naming.rename(&mut outcome);
    for error in &outcome.errors {
        eprint_diagnostic(error, color);
    }
    let rows = match (args.format, &args.attachments) {
        // The pages show the first rows of each list; the JSON review and the attachments
        // list every row.
        (review::ReviewFormat::Markdown | review::ReviewFormat::Html, None) => review::show::ROWS,
        _ => usize::MAX,
    };
    // What the review is built from, but for the records: asked first of the records as read
    // (which stand-ins it shows), then of them once those are read again.
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
    // A repeat-tenant span the review shows may reach grants kept as stand-ins (its grant of
    // the period live since long before it): those, and only those, are read again.
    let wanted = review::Review::stand_ins_shown(&review::Inputs {
        records: &records,
        ..base
    });
    if !wanted.is_empty() {
        let reading = Reading {
            inputs: &inputs,
            options: &options,
            policy: &policy,
            now,
            naming: &naming,
        };
        read_again(
            &mut records,
            &wanted,
            &tenants,
            periods,
            &reading,
            &stamps,
            color,
        )?;
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
/// and read as grants they would crowd the closeout as "unknown". A configuration file found
/// in a folder beside the exports is left out, said once; one named on the command line is
/// an input problem, as the user meant it to be reviewed: the review is incomplete, exit 2.
fn leave_out_configuration(
    found: &mut crate::discover::Discovery,
    options: &crate::load::ReadOptions,
) {
    let crate::discover::Discovery {
        inputs,
        errors,
        paths,
        ..
    } = found;
    inputs.retain(|input| {
        let Some(kind) = crate::config::kind(input, options) else {
            return true;
        };
        let what = format!(
            "access-system configuration ({}), which `grantlint check` lints",
            kind.name()
        );
        if paths.contains(&input.name) {
            errors.push(
                crate::load::InputError::new(
                    &input.name,
                    format!("is {what}, not an export of grants: the review leaves it out"),
                )
                .help("name only grant exports to `report`; lint this file with `grantlint check`"),
            );
        } else {
            eprintln!(
                "grantlint: left out {}: {what}; the review is of grants",
                crate::core::terminal::clean(&input.name)
            );
        }
        false
    });
}

/// How `report` read its inputs, to read them again.
struct Reading<'a> {
    inputs: &'a [crate::load::Input],
    options: &'a crate::load::ReadOptions,
    policy: &'a crate::policy::Policy,
    now: chrono::DateTime<chrono::Utc>,
    /// How the first reading's files were named in the review.
    naming: &'a crate::report::paths::Naming,
}

/// Reads again the stand-ins `wanted`, whole (`review::refill`), reading only the files that
/// hold them, with the policy's reading and no rules. Err (exit 2, said, and no review
/// written): one of those files changed since the first reading (its length or modification
/// time, or a grant read again is not the one read first), or cannot be read again.
fn read_again(
    records: &mut [review::Record],
    wanted: &[usize],
    tenants: &review::Tenants,
    periods: review::Periods,
    reading: &Reading,
    stamps: &[Option<Stamp>],
    color: bool,
) -> Result<(), u8> {
    // The files that hold a stand-in shown were read whole the first time; another file's
    // reading, even a failed one, has nothing the review needs, but for the exports joined
    // to them (Entra's approvals), read as the first time.
    let mut holding: Vec<usize> = (wanted.iter())
        .filter_map(|&i| records.get(i).map(|r| r.file as usize))
        .collect();
    holding.sort_unstable();
    holding.dedup();
    let files: Vec<usize> = (0..reading.inputs.len())
        .filter(|f| {
            holding.binary_search(f).is_ok()
                || crate::load::adapters::Related::joined(&reading.inputs[*f])
        })
        .collect();
    let subset: Vec<crate::load::Input> = (files.iter())
        .filter_map(|&f| reading.inputs.get(f).cloned())
        .collect();
    // Each file as the review names it.
    let named: Vec<String> = (reading.inputs.iter())
        .map(|i| reading.naming.name(&i.name))
        .collect();
    let reading_only = reading.policy.reading_only();
    let mut unread = Vec::new();
    let refilled = review::refill(records, wanted, tenants, periods, &named, |keep| {
        let (mut again, kept) = crate::check::check_with(
            &subset,
            reading.options,
            &reading_only,
            reading.now,
            &|k, grant| keep(*files.get(k)?, grant),
        );
        reading.naming.rename(&mut again);
        unread = (again.errors.into_iter())
            .filter(|e| holding.iter().any(|&f| named.get(f) == Some(&e.file)))
            .collect();
        kept
    });
    let changed = (holding.iter())
        .find(|&&f| reading.inputs.get(f).map(stamp) != stamps.get(f).copied())
        .and_then(|&f| named.get(f));
    let why = match (changed, unread.is_empty(), refilled) {
        (Some(file), _, _) => Some(format!(
            "{file}: the file changed while the review read it; run the review again once it \
             is written whole"
        )),
        (None, false, _) => {
            for error in &unread {
                eprint_diagnostic(error, color);
            }
            Some("an input the review read twice could not be read the second time".into())
        }
        (None, true, Err(why)) => Some(why),
        (None, true, Ok(())) => None,
    };
    match why {
        Some(why) => {
            eprintln!("grantlint: {why}");
            eprintln!("grantlint: no review written");
            Err(CANNOT_RUN)
        }
        None => Ok(()),
    }
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
