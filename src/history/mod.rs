//! The review's memory between weeks: one embedded SQLite file (`report --history FILE`).
//! Each review records its period, the population it reviewed (how many grants, a SHA-256 of
//! the inputs) and its findings by fingerprint (`report::fingerprint`, independent of lines),
//! so the next review can say which findings are new, fixed or still open and for how long,
//! and `grantlint review sign` can tie a reviewer's sign-off to exactly that population.
//!
//! This module knows nothing of the review's sections: `review::history_section` hands it what
//! the period holds and renders what it answers.

mod store;

use std::collections::HashSet;
use std::io::Read;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::finding::Severity;
use crate::load::{Input, Origin};

pub use store::{Create, History, HistoryError};

/// How many periods the trends show, the current one included.
pub const TREND_PERIODS: usize = 12;

/// One input file as recorded: the population's evidence an auditor can check with
/// `sha256sum`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct InputDigest {
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
}

/// The SHA-256 of each input's bytes, read again after the check in 64 KiB pieces (bounded
/// memory); standard input was kept whole by the loader.
pub fn digest_inputs(inputs: &[Input]) -> Result<Vec<InputDigest>, String> {
    inputs
        .iter()
        .map(|input| {
            let mut hash = Sha256::new();
            let bytes = match &input.origin {
                Origin::Stdin(text) => {
                    hash.update(text.as_bytes());
                    text.len() as u64
                }
                Origin::Path(path) => {
                    let fail = |e: std::io::Error| {
                        format!("cannot read {} again to hash it: {e}", input.name)
                    };
                    let mut file = std::fs::File::open(path).map_err(fail)?;
                    let mut buffer = vec![0u8; 64 * 1024];
                    let mut total = 0u64;
                    loop {
                        let n = file.read(&mut buffer).map_err(fail)?;
                        if n == 0 {
                            break;
                        }
                        hash.update(&buffer[..n]);
                        total += n as u64;
                    }
                    total
                }
            };
            Ok(InputDigest {
                name: input.name.clone(),
                sha256: hex(&hash.finalize()),
                bytes,
            })
        })
        .collect()
}

/// The population's hash: the SHA-256 of the inputs' own SHA-256s (lowercase hex), sorted,
/// each followed by a newline. Names and order do not count, bytes do; an auditor repeats it
/// with `sha256sum FILES | cut -c1-64 | sort | sha256sum`.
pub fn population_hash(inputs: &[InputDigest]) -> String {
    let mut digests: Vec<&str> = inputs.iter().map(|i| i.sha256.as_str()).collect();
    digests.sort_unstable();
    let mut hash = Sha256::new();
    for digest in digests {
        hash.update(digest.as_bytes());
        hash.update(b"\n");
    }
    hex(&hash.finalize())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// One finding as history keeps it: its identity across weeks and what names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    pub fingerprint: String,
    pub rule: String,
    pub grant: Option<String>,
    pub tenant: Option<String>,
    pub severity: Severity,
}

/// A grant as findings name it: its id (else its ticket) and its tenant.
pub type GrantKey = (Option<String>, Option<String>);

/// A grant's (id, tenant) as 8 bytes: a million grants' keys stay a few megabytes. Only
/// compared within one run, so std's hasher (fixed keys) serves.
pub fn grant_key(grant: Option<&str>, tenant: Option<&str>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (grant, tenant).hash(&mut hasher);
    hasher.finish()
}

/// What one review records: the period, its population and its findings.
#[derive(Debug)]
pub struct Observed {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub policy: String,
    /// Grants in the period: the population reviewed.
    pub grants: usize,
    pub inputs: Vec<InputDigest>,
    pub findings: Vec<Observation>,
    /// The period's grants, as [`grant_key`]s: a finding of last period whose grant is not
    /// among them was not looked at again, so it is never called fixed.
    pub reviewed: HashSet<u64>,
    /// Fingerprints of this run's waived findings: accepted, not fixed.
    pub waived: HashSet<String>,
}

fn time<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&stamp(t))
}

fn date<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.format("%Y-%m-%d").to_string())
}

/// Times as the database and the JSON review write them: RFC 3339 in UTC, whole seconds, so
/// that text order is time order.
pub(crate) fn stamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A recorded period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct PeriodRef {
    #[serde(serialize_with = "time")]
    pub since: DateTime<Utc>,
    #[serde(serialize_with = "time")]
    pub until: DateTime<Utc>,
}

impl PeriodRef {
    /// "2026-11-23 to 2026-11-30", with times only when a bound is not midnight.
    pub fn label(&self) -> String {
        let show = |t: &DateTime<Utc>| {
            if t.time() == chrono::NaiveTime::MIN {
                t.format("%Y-%m-%d").to_string()
            } else {
                t.format("%Y-%m-%d %H:%M").to_string()
            }
        };
        format!("{} to {}", show(&self.since), show(&self.until))
    }
}

/// The population a review recorded, as the audit evidence names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Population {
    #[serde(flatten)]
    pub period: PeriodRef,
    pub grants: usize,
    pub inputs_sha256: String,
    pub inputs: Vec<InputDigest>,
    #[serde(serialize_with = "time")]
    pub recorded_at: DateTime<Utc>,
}

/// A finding followed across periods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Tracked {
    pub fingerprint: String,
    pub rule: String,
    pub grant: Option<String>,
    pub tenant: Option<String>,
    pub severity: Severity,
    /// The start of the first period of its current run of periods with it.
    #[serde(serialize_with = "date")]
    pub first_seen: NaiveDate,
    /// Recorded periods in a row that held it, up to this one (or the last that held it).
    pub periods_open: usize,
    /// Weeks from the start of its first period to the end of the last, to the nearest whole
    /// week, at least 1.
    pub weeks_open: i64,
}

/// One rule's findings in each of the trend's periods, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RuleTrend {
    pub rule: String,
    pub counts: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Trends {
    /// Up to the last 12 recorded periods, oldest first, this one last.
    pub periods: Vec<PeriodRef>,
    pub rules: Vec<RuleTrend>,
}

/// A grant whose finding was fixed in an earlier period and is back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Reappearing {
    pub grant: Option<String>,
    pub tenant: Option<String>,
    pub rules: Vec<String>,
    /// The latest period in which a finding of it was fixed.
    pub fixed_in: PeriodRef,
}

/// A reviewer's sign-off of one recorded period: the audit evidence (population, reviewer,
/// date, decisions).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SignOff {
    pub period: PeriodRef,
    pub reviewer: String,
    #[serde(serialize_with = "time")]
    pub signed_at: DateTime<Utc>,
    pub decisions: Vec<String>,
    /// The population signed for, as recorded when it was signed.
    pub grants: usize,
    pub inputs_sha256: String,
    /// False when the period was recorded again since, from other inputs: the sign-off is for
    /// the population it names, not for the period's record now.
    pub matches_record: bool,
}

/// Week over week: what `report --history` adds to the review.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct WeekOverWeek {
    /// The history file, as given.
    pub file: String,
    pub population: Population,
    /// The recorded period this one is compared with: the latest that starts before it.
    pub previous: Option<PeriodRef>,
    pub new: Vec<Tracked>,
    pub still_open: Vec<Tracked>,
    /// Last period's findings whose grant was reviewed again and no longer has them.
    pub fixed: Vec<Tracked>,
    /// Last period's findings that are waived now: accepted, not fixed.
    pub waived: Vec<Tracked>,
    /// Last period's findings whose grant is not in this period: not looked at, not fixed.
    pub not_reviewed: Vec<Tracked>,
    pub trends: Trends,
    pub reappearing: Vec<Reappearing>,
    /// The latest sign-off of this period or an earlier one.
    pub last_sign_off: Option<SignOff>,
}

/// What `review sign` asks to record.
#[derive(Debug)]
pub struct SignRequest {
    /// The period to sign; `None`: the latest recorded.
    pub period: Option<PeriodRef>,
    pub reviewer: String,
    pub decisions: Vec<String>,
    /// The population hash the reviewer's inputs have now (from the files, or as given).
    pub inputs_sha256: String,
    pub now: DateTime<Utc>,
}
