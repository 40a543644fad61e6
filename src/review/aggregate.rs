//! The numbers of the weekly review, computed once from the grants and the checker's findings;
//! the Markdown, HTML and JSON renderers only format them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::num::NonZeroU32;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use serde::{Serialize, Serializer};

use super::Record;
use super::period::Period;
use crate::check::{GrantText, Outcome};
use crate::core::time::format_duration;
use crate::finding::{Finding, Severity};
use crate::grant::Field;
use crate::policy::Policy;
use crate::report::FailOn;
use crate::rules::params::Patterns;
use crate::rules::{self, ExpiryEnforced, identity, tenant_key};

/// The policy settings the review groups by, read by the rules that own them, so the review
/// and `check` never disagree about what "privileged" or "still active" means.
pub struct Settings {
    pub repeat_threshold: usize,
    pub repeat_within: TimeDelta,
    /// expiry-enforced as the policy sets it: the expiry a grant is held to, and live access.
    pub expiry: ExpiryEnforced,
    pub privileged: Patterns,
    pub fail_on: FailOn,
    /// The policy's people directory: people are counted once however a grant writes them.
    pub people: Option<std::sync::Arc<rules::people::Directory>>,
}

impl Settings {
    pub fn from_policy(policy: &Policy, fail_on: FailOn) -> Settings {
        let repeat: rules::repeat_tenant::Settings = policy.rule_settings();
        let admin: rules::admin_justified::Settings = policy.rule_settings();
        Settings {
            repeat_threshold: repeat.threshold.max(1),
            repeat_within: repeat.within,
            expiry: ExpiryEnforced::build(policy.rule_settings()),
            privileged: admin.patterns,
            fail_on,
            people: policy.people.clone(),
        }
    }
}

/// The rules whose findings the review shows as sections of their own: it lists what they
/// found, waived or not, and never judges a grant again.
const EXPIRY_ENFORCED: &str = "expiry-enforced";
const SELF_APPROVAL: &str = "self-approval";
const REPEAT_TENANT: &str = "repeat-tenant";

/// Where a grant stands now.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// expiry-enforced found it live past its expiry (extensions and grace allowed): revoke now.
    PastExpiry,
    /// No end recorded and no status that says it ended.
    NoEndRecorded,
    /// expiry-enforced found that it ended after its expiry (extensions and grace allowed).
    EndedLate,
    /// Live, within its expiry.
    Active,
    /// Starts after now.
    Scheduled,
    Ended,
    /// A status that says it is over (expired, revoked, …) without an end time.
    Closed,
    /// No start, no expiry, no status, no end: nothing says whether it is live. It may be
    /// standing access, so the closeout lists it to be checked by hand.
    Unknown,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::PastExpiry => "past expiry",
            State::NoEndRecorded => "no end recorded",
            State::EndedLate => "ended late",
            State::Active => "active",
            State::Scheduled => "scheduled",
            State::Ended => "ended",
            State::Closed => "closed",
            State::Unknown => "unknown — check",
        }
    }
}

/// The rules whose findings a security lead reads first, most dangerous first: access still
/// live past its expiry, standing access without an expiry, self-approval, shared accounts,
/// admin without justification. The other rules follow, most findings first.
pub const RISK_ORDER: [&str; 5] = [
    EXPIRY_ENFORCED,
    "expiry-required",
    SELF_APPROVAL,
    "shared-account",
    "admin-justified",
];

/// A rule's place in [`RISK_ORDER`]; the other rules after them all.
fn risk_rank(rule: &str) -> usize {
    RISK_ORDER
        .iter()
        .position(|r| *r == rule)
        .unwrap_or(RISK_ORDER.len())
}

/// A duration as a person needs it: to the minute below a day, to the hour from a day on,
/// never to the second ("3d21h", "5h54m", "25m", "<1m").
pub fn rounded(d: TimeDelta) -> String {
    const DAY: i64 = 86_400;
    let secs = d.num_seconds();
    let unit = if secs.abs() < DAY { 60 } else { 3_600 };
    // To the nearest unit, halves away from zero.
    let units = (secs.abs() + unit / 2) / unit * secs.signum();
    if units == 0 {
        return "<1m".into();
    }
    format_duration(TimeDelta::seconds(units * unit))
}

fn time<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn date<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.format("%Y-%m-%d").to_string())
}

fn opt_time<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => time(t, s),
        None => s.serialize_none(),
    }
}

/// A number this period and the one before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Change {
    pub current: usize,
    pub previous: usize,
}

impl Change {
    /// "+3", "-1" or "±0".
    pub fn delta(&self) -> String {
        match self.current as i64 - self.previous as i64 {
            0 => "±0".into(),
            d if d > 0 => format!("+{d}"),
            d => d.to_string(),
        }
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Headline {
    pub grants: Change,
    pub tenants: Change,
    pub people: Change,
    pub errors: Change,
    pub warnings: Change,
    pub infos: Change,
    /// Grants read but left out of every period: their start could not be read.
    pub left_out: usize,
    /// Every grant read, in any period or none: a period holding none of them says so, as
    /// a mistyped `--since` would otherwise read as a quiet week.
    pub read: usize,
    /// `result` is passed; kept for the readers of the JSON review.
    pub passed: bool,
    pub result: Verdict,
    pub passed_previous: bool,
}

/// What the period's review concludes. A review that left grants out, or could not read an
/// input, is incomplete at best: it never says passed about grants it did not look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Passed,
    Failed,
    Incomplete,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Incomplete => "incomplete",
        }
    }
}

/// One of the review's lists, in its order: every row for the JSON review and the
/// `--attachments` files; for the pages, which show the first [`super::show::ROWS`], only
/// those are built and the rest counted, so a review of a million grants never holds a row
/// of each. `len` is how many the list has; the rows built are the slice it derefs to.
#[derive(Debug)]
pub struct Rows<T> {
    rows: Vec<T>,
    total: usize,
}

impl<T> Rows<T> {
    /// The first `limit` of `items`, each made a row by `row`, and how many there are.
    fn build<I>(
        items: impl IntoIterator<Item = I>,
        limit: usize,
        mut row: impl FnMut(I) -> T,
    ) -> Rows<T> {
        let (mut rows, mut total) = (Vec::new(), 0);
        for item in items {
            if total < limit {
                rows.push(row(item));
            }
            total += 1;
        }
        Rows { rows, total }
    }

    /// How many rows the list has, built or not.
    pub fn len(&self) -> usize {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

impl<T> std::ops::Deref for Rows<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.rows
    }
}

/// Written as the list of the rows built: every row, in the JSON review.
impl<T: Serialize> Serialize for Rows<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.rows.serialize(s)
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Rows<T> {
    fn inline_schema() -> bool {
        Vec::<T>::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        Vec::<T>::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        Vec::<T>::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        Vec::<T>::json_schema(generator)
    }
}

/// A grant as the other sections name it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct GrantRef {
    pub id: Option<String>,
    pub tenant: Option<String>,
    pub grantee: Option<String>,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Closeout {
    pub grant: GrantRef,
    pub state: State,
    #[serde(serialize_with = "opt_time")]
    pub expires: Option<DateTime<Utc>>,
    /// How long it outlived its expiry: until now, or until it ended; written as
    /// expiry-enforced's finding writes it. The pages show it [`rounded`].
    pub overdue: Option<String>,
    /// The same in whole minutes (rounded down), for dashboards.
    pub overdue_minutes: Option<i64>,
    #[serde(skip)]
    pub overdue_rounded: Option<String>,
    pub action: &'static str,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct FindingRow {
    pub severity: Severity,
    pub grant: Option<String>,
    pub tenant: Option<String>,
    pub grantee: Option<String>,
    pub approver: Option<String>,
    pub message: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RuleFindings {
    pub rule: String,
    pub count: usize,
    pub findings: Rows<FindingRow>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct SuppressedRow {
    pub rule: String,
    pub finding: FindingRow,
    /// "waiver" or "baseline".
    pub by: &'static str,
    pub reason: Option<String>,
    pub approver: Option<String>,
    #[serde(serialize_with = "opt_time")]
    pub expires: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RepeatGrant {
    pub id: Option<String>,
    #[serde(serialize_with = "time")]
    pub start: DateTime<Utc>,
    pub grantee: Option<String>,
    pub reason: Option<String>,
    pub ticket: Option<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct RepeatTenant {
    pub tenant: String,
    pub grants: Vec<RepeatGrant>,
    /// The span's reasons grouped by similarity, the most grants first: the same product
    /// problem, each time access was needed for it.
    pub problems: Vec<Problem>,
}

/// Reasons of one tenant that say the same thing (their words overlap by [`SIMILAR`] or
/// more): how often the tenant needed access for it, and the tickets.
#[derive(Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Problem {
    /// The first reason of the group, as written.
    pub reason: String,
    /// The words every reason of the group has (lowercase, sorted).
    pub words: Vec<String>,
    pub grants: usize,
    /// The grants' ids and tickets, in the span's order (each once).
    pub ids: Vec<String>,
    pub tickets: Vec<String>,
}

/// How alike two reasons must be to be one problem: the Jaccard similarity of their word sets.
pub const SIMILAR: f64 = 0.4;

/// At most this many problems per tenant; the rest of its reasons join none.
const MAX_PROBLEMS: usize = 50;

/// A reason's words as compared: lowercase letters, three or more, without digits, less the
/// words every support reason has, each without an ending ("fails", "failed" and "failing"
/// are "fail").
fn words(reason: &str) -> std::collections::BTreeSet<String> {
    const COMMON: [&str; 24] = [
        "the", "and", "for", "after", "with", "from", "that", "this", "into", "tenant", "tenants",
        "customer", "access", "need", "needs", "needed", "please", "issue", "our", "their", "was",
        "are", "not", "via",
    ];
    reason
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && !w.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
        .filter(|w| !COMMON.contains(&w.as_str()))
        .map(|w| {
            let stem = ["ing", "ed", "s"]
                .iter()
                .find_map(|end| w.strip_suffix(end).filter(|s| s.chars().count() >= 3));
            stem.map_or_else(|| w.clone(), str::to_string)
        })
        .collect()
}

fn jaccard(a: &std::collections::BTreeSet<String>, b: &std::collections::BTreeSet<String>) -> f64 {
    let shared = a.intersection(b).count();
    let all = a.len() + b.len() - shared;
    if all == 0 {
        0.0
    } else {
        shared as f64 / all as f64
    }
}

/// Groups a tenant's grants by reason: each reason joins the first group whose first reason
/// it is [`SIMILAR`] to, else starts one (a grant without a reason joins none). Word sets, no
/// model: the same words in any order, a word more or less, are one problem.
pub fn problems<'g>(grants: impl Iterator<Item = &'g RepeatGrant>) -> Vec<Problem> {
    // Each group: the first reason's words, the problem, and the ids and tickets it already
    // lists (a set, so a busy tenant's thousands of grants stay linear).
    type Seen = std::collections::HashSet<String>;
    let mut groups: Vec<(std::collections::BTreeSet<String>, Problem, Seen)> = Vec::new();
    for grant in grants {
        let Some(reason) = grant.reason.as_deref() else {
            continue;
        };
        let words = words(reason);
        if words.is_empty() {
            continue;
        }
        let at = match groups
            .iter()
            .position(|(first, _, _)| jaccard(first, &words) >= SIMILAR)
        {
            Some(at) => at,
            None if groups.len() < MAX_PROBLEMS => {
                groups.push((
                    words.clone(),
                    Problem {
                        reason: reason.to_string(),
                        words: words.iter().cloned().collect(),
                        grants: 0,
                        ids: Vec::new(),
                        tickets: Vec::new(),
                    },
                    Seen::new(),
                ));
                groups.len() - 1
            }
            None => continue,
        };
        let (_, problem, seen) = &mut groups[at];
        problem.grants += 1;
        problem.words.retain(|w| words.contains(w));
        // Ids and tickets share one set: a value is listed once under each, told apart by
        // a prefix.
        let mut add = |list: &mut Vec<String>, kind: char, value: &Option<String>| {
            if let Some(v) = value
                && seen.insert(format!("{kind}{v}"))
            {
                list.push(v.clone());
            }
        };
        add(&mut problem.ids, 'i', &grant.id);
        add(&mut problem.tickets, 't', &grant.ticket);
    }
    let mut problems: Vec<Problem> = groups.into_iter().map(|(_, p, _)| p).collect();
    // Most grants first; ties in the order first seen (the sort is stable).
    problems.sort_by_key(|p| std::cmp::Reverse(p.grants));
    problems
}

#[derive(Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct NameCount {
    pub name: String,
    pub grants: usize,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct LateApproval {
    pub grant: GrantRef,
    pub approver: Option<String>,
    /// How long after access began the approval came, as approved-before-access writes it.
    pub after: String,
    /// The same, [`rounded`] as the pages show it.
    #[serde(skip)]
    pub after_rounded: String,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct People {
    pub grantees: Vec<NameCount>,
    pub approvers: Vec<NameCount>,
    pub self_approvals: Rows<GrantRef>,
    pub late_approvals: Rows<LateApproval>,
}

#[derive(Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Bucket {
    pub label: &'static str,
    pub grants: usize,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Windows {
    pub histogram: Vec<Bucket>,
    /// Grants with both a start and an expiry: the ones the histogram counts.
    pub measured: usize,
    pub median: Option<String>,
    pub privileged: usize,
    /// Privileged grants as a share of the period's grants, 0 to 1.
    pub privileged_share: f64,
}

/// How many days, weeks, months or years one bar of the grants-per-day series counts: the
/// shortest step that keeps the series at [`MAX_BARS`] bars or fewer, so a period of ten
/// thousand years is a few hundred bars, never a bar per day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Days(u32),
    Weeks(u32),
    Months(u32),
    Years(u32),
}

/// At most this many bars in the grants-per-day series.
pub const MAX_BARS: usize = 120;

impl Step {
    /// The shortest step from day, week, month, year (then several years) that divides the
    /// period into at most [`MAX_BARS`] bars.
    fn for_period(first: NaiveDate, last: NaiveDate) -> Step {
        let days = (last - first).num_days().max(0) as u64 + 1;
        let months = months_between(first, last) + 1;
        let years = u64::try_from(last.year() - first.year()).unwrap_or(0) + 1;
        let bars = MAX_BARS as u64;
        if days <= bars {
            Step::Days(1)
        } else if days.div_ceil(7) <= bars {
            Step::Weeks(1)
        } else if months <= bars {
            Step::Months(1)
        } else {
            Step::Years(u32::try_from(years.div_ceil(bars)).unwrap_or(u32::MAX))
        }
    }

    /// The bar `day` falls in, counted from the period's first day.
    fn bar(self, first: NaiveDate, day: NaiveDate) -> usize {
        let index = match self {
            Step::Days(n) => (day - first).num_days().max(0) as u64 / u64::from(n),
            Step::Weeks(n) => (day - first).num_days().max(0) as u64 / (7 * u64::from(n)),
            Step::Months(n) => months_between(first, day) / u64::from(n),
            Step::Years(n) => u64::try_from(day.year() - first.year()).unwrap_or(0) / u64::from(n),
        };
        usize::try_from(index).unwrap_or(usize::MAX)
    }

    /// The first day of bar `index`.
    fn start(self, first: NaiveDate, index: usize) -> Option<NaiveDate> {
        let index = u32::try_from(index).ok()?;
        match self {
            Step::Days(n) => first.checked_add_days(chrono::Days::new(u64::from(index * n))),
            Step::Weeks(n) => first.checked_add_days(chrono::Days::new(u64::from(index * n) * 7)),
            Step::Months(n) => {
                let month = first.with_day(1)?;
                let bar = month.checked_add_months(chrono::Months::new(index * n))?;
                Some(if index == 0 { first } else { bar })
            }
            Step::Years(n) => {
                let year = first.year().checked_add(i32::try_from(index * n).ok()?)?;
                let bar = NaiveDate::from_ymd_opt(year, 1, 1)?;
                Some(if index == 0 { first } else { bar })
            }
        }
    }

    /// "day", "week", "month", "year", or "10 years".
    pub fn name(self) -> String {
        let (n, unit) = match self {
            Step::Days(n) => (n, "day"),
            Step::Weeks(n) => (n, "week"),
            Step::Months(n) => (n, "month"),
            Step::Years(n) => (n, "year"),
        };
        if n == 1 {
            unit.to_string()
        } else {
            format!("{n} {unit}s")
        }
    }

    /// A bar's label: its day, or its month or year when it counts months or years.
    pub fn label(self, day: NaiveDate) -> String {
        match self {
            Step::Days(_) | Step::Weeks(_) => day.format("%m-%d").to_string(),
            Step::Months(_) => day.format("%Y-%m").to_string(),
            Step::Years(_) => day.format("%Y").to_string(),
        }
    }
}

impl Serialize for Step {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

/// Written as its name (`day`, `week`, `3 years`…), so a string in the schema.
impl schemars::JsonSchema for Step {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Step".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}

fn months_between(from: NaiveDate, to: NaiveDate) -> u64 {
    let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
    u64::try_from(months(to) - months(from)).unwrap_or(0)
}

/// Grants that started in one bar of the series: `day` is the bar's first day.
#[derive(Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct DayCount {
    #[serde(serialize_with = "date")]
    pub day: NaiveDate,
    pub grants: usize,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct GrantRow {
    #[serde(flatten)]
    pub grant: GrantText,
    #[serde(serialize_with = "opt_time")]
    pub start: Option<DateTime<Utc>>,
    /// When access ended, or else when it expires.
    #[serde(serialize_with = "opt_time")]
    pub end: Option<DateTime<Utc>>,
    pub state: State,
    /// The state in words: the export's own status for a closed grant.
    pub status: String,
    /// Rule ids of the grant's findings.
    pub findings: Vec<String>,
    pub file: String,
    pub line: u32,
}

impl GrantRow {
    /// id, tenant, grantee, role, reason and approver: the first columns of every list of
    /// grants.
    pub fn texts(&self) -> [&Option<String>; 6] {
        let g = &self.grant;
        [
            &g.id,
            &g.tenant,
            &g.grantee,
            &g.role,
            &g.reason,
            &g.approver,
        ]
    }
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PeriodOut {
    #[serde(serialize_with = "time")]
    pub since: DateTime<Utc>,
    #[serde(serialize_with = "time")]
    pub until: DateTime<Utc>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct InputProblem {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

/// The weekly review: every number the renderers show.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Review {
    pub version: u32,
    pub policy: String,
    #[serde(serialize_with = "time")]
    pub now: DateTime<Utc>,
    pub period: PeriodOut,
    pub previous_period: PeriodOut,
    pub repeat_threshold: usize,
    pub repeat_within: String,
    pub headline: Headline,
    pub closeout: Rows<Closeout>,
    pub findings: Vec<RuleFindings>,
    pub suppressed: Rows<SuppressedRow>,
    pub repeat_tenants: Rows<RepeatTenant>,
    pub people: People,
    pub windows: Windows,
    /// Grants by the day they started; by week, month or year (`grants_per_day_step`) when
    /// the period is too long for a bar per day.
    pub grants_per_day: Vec<DayCount>,
    pub grants_per_day_step: Step,
    pub top_tenants: Vec<NameCount>,
    pub grants: Rows<GrantRow>,
    /// Grants without a readable start: they belong to no period.
    pub undated: Rows<GrantRef>,
    pub input_errors: Vec<InputProblem>,
    /// Week over week, from `report --history` (src/history); absent without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<crate::history::WeekOverWeek>,
    /// The period's grants and findings, for the history; not in the JSON review.
    #[serde(skip)]
    pub scope: super::history_section::Scope,
}

/// The window buckets of the histogram, by upper bound in minutes; the last is open.
const BUCKETS: [(&str, i64); 6] = [
    ("≤30m", 30),
    ("≤1h", 60),
    ("≤2h", 120),
    ("≤4h", 240),
    ("≤8h", 480),
    (">8h", i64::MAX),
];

/// How many tenants the "top tenants" chart shows.
const TOP_TENANTS: usize = 10;

/// What the review needs besides the grants and findings.
pub struct Inputs<'a> {
    /// Every grant read, in input order ([`Record::keep_for`]).
    pub records: &'a [Record],
    /// The tenants the records are numbered by.
    pub tenants: &'a super::Tenants,
    pub outcome: &'a Outcome,
    pub settings: &'a Settings,
    pub policy: &'a str,
    pub period: Period,
    pub now: DateTime<Utc>,
    /// How many rows of each list to build: every one (`usize::MAX`) for the JSON review and
    /// the attachments, [`super::show::ROWS`] for a page ([`Rows`]).
    pub rows: usize,
}

impl Review {
    pub fn build(inputs: &Inputs) -> Review {
        Aggregator::new(inputs).review()
    }

    /// The stand-ins ([`Record::outside`]) the review would show: grants outside its two
    /// periods in the repeat-tenant spans it shows (the first `rows`), which a grant of the
    /// period live since long before it may reach. `report` reads them again
    /// ([`super::refill`]) before it builds the review.
    pub fn stand_ins_shown(inputs: &Inputs) -> Vec<usize> {
        if !inputs.records.iter().any(Record::outside) {
            return Vec::new(); // every grant read is in the periods (a review of every grant)
        }
        let aggregator = Aggregator::new(inputs);
        let current = aggregator.members(&aggregator.period);
        let spans = aggregator.spans(&current);
        (spans.into_iter().take(inputs.rows))
            .flat_map(|(_, span)| span)
            .filter(|&g| inputs.records[g].outside())
            .collect()
    }
}

struct Aggregator<'a> {
    records: &'a [Record],
    tenants: &'a super::Tenants,
    outcome: &'a Outcome,
    settings: &'a Settings,
    policy: &'a str,
    period: Period,
    now: DateTime<Utc>,
    rows: usize,
    /// Each finding's grant, as an index into `records`.
    finding_grant: Vec<Option<usize>>,
    suppressed_grant: Vec<Option<usize>>,
    verdicts: Verdicts,
}

/// What the rules the review has sections for found, by grant (an index into the records).
#[derive(Default)]
struct Verdicts {
    /// expiry-enforced: access ended after the deadline.
    ended_late: HashSet<usize>,
    /// expiry-enforced: still live after the deadline.
    past_expiry: HashSet<usize>,
    self_approved: HashSet<usize>,
    /// repeat-tenant: the first grant of each tenant's busiest span.
    repeat_openings: Vec<usize>,
}

impl Verdicts {
    /// Waived findings count too: a waiver accepts a finding, it does not undo it.
    fn gather<'f>(findings: impl Iterator<Item = (&'f Finding, Option<usize>)>) -> Verdicts {
        let mut verdicts = Verdicts::default();
        for (finding, grant) in findings {
            let Some(grant) = grant else { continue };
            match (&*finding.rule, finding.field) {
                (EXPIRY_ENFORCED, Some(Field::EndedAt)) => {
                    verdicts.ended_late.insert(grant);
                }
                (EXPIRY_ENFORCED, Some(Field::Status)) => {
                    verdicts.past_expiry.insert(grant);
                }
                (SELF_APPROVAL, _) => {
                    verdicts.self_approved.insert(grant);
                }
                (REPEAT_TENANT, _) => verdicts.repeat_openings.push(grant),
                _ => {}
            }
        }
        verdicts
    }
}

impl<'a> Aggregator<'a> {
    fn new(inputs: &Inputs<'a>) -> Aggregator<'a> {
        let locate = GrantLocator::new(inputs.records);
        let outcome = inputs.outcome;
        let finding_grant: Vec<Option<usize>> =
            outcome.findings.iter().map(|f| locate.find(f)).collect();
        let suppressed_grant: Vec<Option<usize>> = outcome
            .suppressed
            .iter()
            .map(|s| locate.find(&s.finding))
            .collect();
        let verdicts = Verdicts::gather(
            (outcome.findings.iter().zip(finding_grant.iter().copied())).chain(
                (outcome.suppressed.iter().map(|s| &s.finding))
                    .zip(suppressed_grant.iter().copied()),
            ),
        );
        Aggregator {
            records: inputs.records,
            tenants: inputs.tenants,
            outcome,
            settings: inputs.settings,
            policy: inputs.policy,
            period: inputs.period,
            now: inputs.now,
            rows: inputs.rows,
            finding_grant,
            suppressed_grant,
            verdicts,
        }
    }

    /// Whether the grant is live access now, as expiry-enforced means it.
    fn is_live(&self, record: &Record) -> bool {
        record.ended_at().is_none()
            && record
                .status()
                .is_some_and(|s| self.settings.expiry.live(s, record.start, self.now))
    }

    /// The expiry the grant is held to, as expiry-enforced holds it: extensions move it on.
    fn expires(&self, record: &Record) -> Option<DateTime<Utc>> {
        record
            .expires()
            .map(|e| ExpiryEnforced::held_to(e, record.extended_until()))
    }

    /// Where grant `i` stands now. Ended late and past expiry are expiry-enforced's findings.
    fn state(&self, i: usize) -> State {
        let record = &self.records[i];
        if self.verdicts.ended_late.contains(&i) {
            return State::EndedLate;
        }
        if self.verdicts.past_expiry.contains(&i) {
            return State::PastExpiry;
        }
        if record.ended_at().is_some() {
            return State::Ended;
        }
        if record.start.is_some_and(|s| s > self.now) {
            return State::Scheduled;
        }
        if self.is_live(record) {
            return State::Active;
        }
        if record.status().is_some() {
            State::Closed
        } else if record.start.is_none() && record.expires().is_none() {
            State::Unknown
        } else {
            State::NoEndRecorded
        }
    }

    /// The grant's window for placing it in a period (see [`window`]).
    fn window(&self, record: &Record) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        Some(window(
            record.start?,
            record.ended_at(),
            record.expires(),
            record.extended_until(),
            record.status(),
            self.settings,
            self.now,
        ))
    }

    fn in_period(&self, record: &Record, period: &Period) -> bool {
        // A record kept for spans only is in neither period asked about (`Record::keep_for`).
        !record.outside()
            && self
                .window(record)
                .is_some_and(|(start, end)| period.overlaps(start, end))
    }

    fn grant_ref(&self, record: &Record) -> GrantRef {
        GrantRef {
            id: owned(record.id()),
            tenant: owned(record.tenant()),
            grantee: owned(record.grantee()),
            owner: owned(record.owner()),
            ticket: owned(record.ticket()),
            file: self.file_name(record.file as usize),
            line: record.line,
        }
    }

    /// A person as the review counts them: the person of the policy's people directory a text
    /// names (by name, e-mail or alias; shown by their directory name), else the name itself
    /// compared as self-approval compares names (case, width, invisible characters and
    /// look-alike letters aside), without a title after a comma or in parentheses ("Ravi
    /// Patel, on-call engineering manager" is Ravi Patel). Returns the key and the name shown.
    fn person<'t>(&self, text: &'t str) -> (String, std::borrow::Cow<'t, str>) {
        if let Some(person) = (self.settings.people.as_deref()).and_then(|people| people.find(text))
        {
            return (
                format!("person:{}", identity::key(&person.name)),
                person.name.clone().into(),
            );
        }
        let name = identity::name_of(text);
        (identity::key(name), name.trim().into())
    }

    fn file_name(&self, file: usize) -> String {
        self.outcome.files.get(file).cloned().unwrap_or_default()
    }

    fn review(&self) -> Review {
        let previous = self.period.previous();
        let current: Vec<usize> = self.members(&self.period);
        let before: Vec<usize> = self.members(&previous);
        let in_current: HashSet<usize> = current.iter().copied().collect();
        let (grants_per_day, grants_per_day_step) = self.grants_per_day(&current);
        let findings: Vec<usize> = (0..self.outcome.findings.len())
            .filter(|&i| self.finding_grant[i].is_some_and(|g| in_current.contains(&g)))
            .collect();
        Review {
            version: 1,
            policy: self.policy.to_string(),
            now: self.now,
            period: PeriodOut {
                since: self.period.since,
                until: self.period.until,
            },
            previous_period: PeriodOut {
                since: previous.since,
                until: previous.until,
            },
            repeat_threshold: self.settings.repeat_threshold,
            repeat_within: format_duration(self.settings.repeat_within),
            headline: self.headline(&current, &before),
            closeout: self.closeout(&current),
            findings: self.findings_by_rule(&findings),
            suppressed: self.suppressed(&in_current),
            repeat_tenants: self.repeat_tenants(&current),
            people: self.people(&current),
            windows: self.windows(&current),
            grants_per_day,
            grants_per_day_step,
            top_tenants: top(
                current.iter().filter_map(|&i| self.records[i].tenant()),
                TOP_TENANTS,
                |tenant| (tenant_key(tenant), tenant.into()),
            ),
            grants: {
                // The rules of the grants shown only.
                let shown: HashSet<usize> = current.iter().take(self.rows).copied().collect();
                let mut rules = self.rules_by_grant(&shown);
                Rows::build(&current, self.rows, |&i| {
                    self.grant_row(i, rules.remove(&i).unwrap_or_default())
                })
            },
            undated: Rows::build(
                self.records.iter().filter(|r| r.start.is_none()),
                self.rows,
                |r| self.grant_ref(r),
            ),
            input_errors: self
                .outcome
                .errors
                .iter()
                .map(|e| InputProblem {
                    file: e.file.clone(),
                    line: e.location.map(|s| s.line),
                    column: e.location.map(|s| s.column),
                    message: e.message.clone(),
                })
                .collect(),
            history: None,
            scope: super::history_section::Scope {
                grants: current,
                findings,
            },
        }
    }

    /// The grants whose window overlaps `period`, in input order.
    fn members(&self, period: &Period) -> Vec<usize> {
        (0..self.records.len())
            .filter(|&i| self.in_period(&self.records[i], period))
            .collect()
    }

    fn headline(&self, current: &[usize], before: &[usize]) -> Headline {
        let distinct =
            |grants: &[usize], field: fn(&Record) -> Option<&str>, key: &dyn Fn(&str) -> String| {
                let mut tally = Tally::new(|text| (key(text), "".into()));
                for text in grants.iter().filter_map(|&i| field(&self.records[i])) {
                    tally.index(text);
                }
                tally.counts.len()
            };
        let person = |name: &str| self.person(name).0;
        let severities = |grants: &[usize]| {
            let members: HashSet<usize> = grants.iter().copied().collect();
            let mut counts: HashMap<Severity, usize> = HashMap::new();
            for (f, grant) in self.outcome.findings.iter().zip(&self.finding_grant) {
                if grant.is_some_and(|g| members.contains(&g)) {
                    *counts.entry(f.severity).or_default() += 1;
                }
            }
            counts
        };
        let (now_counts, before_counts) = (severities(current), severities(before));
        let change = |severity| Change {
            current: now_counts.get(&severity).copied().unwrap_or(0),
            previous: before_counts.get(&severity).copied().unwrap_or(0),
        };
        let passed = |counts: &HashMap<Severity, usize>| {
            !counts
                .iter()
                .any(|(&s, &n)| n > 0 && self.settings.fail_on.fails(s))
        };
        let left_out = self.records.iter().filter(|r| r.start.is_none()).count();
        let result = if !passed(&now_counts) {
            Verdict::Failed
        } else if left_out > 0 || !self.outcome.errors.is_empty() || self.outcome.grants == 0 {
            Verdict::Incomplete
        } else {
            Verdict::Passed
        };
        Headline {
            left_out,
            read: self.records.len(),
            result,
            grants: Change {
                current: current.len(),
                previous: before.len(),
            },
            tenants: Change {
                current: distinct(current, Record::tenant, &tenant_key),
                previous: distinct(before, Record::tenant, &tenant_key),
            },
            people: Change {
                current: distinct(current, Record::grantee, &person),
                previous: distinct(before, Record::grantee, &person),
            },
            errors: change(Severity::Error),
            warnings: change(Severity::Warning),
            infos: change(Severity::Info),
            passed: result == Verdict::Passed,
            passed_previous: passed(&before_counts),
        }
    }

    /// What to close out: the period's grants still live or outlived their expiry, and every
    /// grant with no readable lifecycle (it belongs to no period, and may be standing access).
    fn closeout(&self, current: &[usize]) -> Rows<Closeout> {
        let unknown = (0..self.records.len()).filter(|&i| self.state(i) == State::Unknown);
        // Each grant to close out by risk and how long overdue; its row is built only if shown.
        let mut order: Vec<(usize, TimeDelta, usize)> = Vec::new();
        for i in current.iter().copied().chain(unknown) {
            let state = self.state(i);
            // Most dangerous first: live past expiry, standing access (live without an
            // expiry), nothing known, nothing recording an end, ended late, live in time.
            let risk = match state {
                State::PastExpiry => 0,
                State::Active if self.records[i].expires().is_none() => 1,
                State::Unknown => 2,
                State::NoEndRecorded => 3,
                State::EndedLate => 4,
                State::Active => 5,
                State::Scheduled | State::Ended | State::Closed => continue,
            };
            order.push((risk, self.overdue(i, state).unwrap_or_default(), i));
        }
        // Then the longest overdue; ties in input order (the sort is stable).
        order.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        Rows::build(order, self.rows, |(_, _, i)| self.closeout_row(i))
    }

    /// How long grant `i` outlived its expiry: until now, or until it ended.
    fn overdue(&self, i: usize, state: State) -> Option<TimeDelta> {
        let record = &self.records[i];
        match (state, self.expires(record)) {
            (State::PastExpiry | State::NoEndRecorded, Some(e)) if self.now > e => {
                Some(self.now - e)
            }
            (State::EndedLate, Some(e)) => record.ended_at().map(|end| end - e),
            _ => None,
        }
    }

    fn closeout_row(&self, i: usize) -> Closeout {
        let record = &self.records[i];
        let state = self.state(i);
        let overdue = self.overdue(i, state);
        let action = match state {
            State::PastExpiry => "revoke now",
            State::Active if record.expires().is_none() => "revoke now: it has no expiry",
            State::Active => "confirm removal at expiry",
            State::NoEndRecorded => "confirm removal: nothing records that access ended",
            State::EndedLate => "confirm removal, and why expiry did not remove it",
            State::Unknown => {
                "unknown — check: nothing says when it started, when it ends or whether it is live"
            }
            State::Scheduled | State::Ended | State::Closed => "",
        };
        Closeout {
            grant: self.grant_ref(record),
            state,
            expires: self.expires(record),
            overdue: overdue.map(format_duration),
            overdue_minutes: overdue.map(|d| d.num_minutes()),
            overdue_rounded: overdue.map(rounded),
            action,
        }
    }

    fn finding_row(&self, finding: &Finding, grant: Option<usize>) -> FindingRow {
        let record = grant.map(|g| &self.records[g]);
        FindingRow {
            severity: finding.severity,
            grant: finding.grant.as_deref().map(str::to_string),
            tenant: finding.tenant.as_deref().map(str::to_string),
            grantee: record.and_then(|r| owned(r.grantee())),
            approver: record.and_then(|r| owned(r.approver())),
            message: finding.message.to_string(),
            file: self.file_name(finding.file),
            line: finding.span.line,
            column: finding.span.column,
        }
    }

    fn findings_by_rule(&self, findings: &[usize]) -> Vec<RuleFindings> {
        let mut by_rule: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &i in findings {
            by_rule
                .entry(&self.outcome.findings[i].rule)
                .or_default()
                .push(i);
        }
        let mut rules: Vec<RuleFindings> = by_rule
            .into_iter()
            .map(|(rule, findings)| RuleFindings {
                rule: rule.to_string(),
                count: findings.len(),
                findings: Rows::build(findings, self.rows, |i| {
                    self.finding_row(&self.outcome.findings[i], self.finding_grant[i])
                }),
            })
            .collect();
        // By risk, then most findings first; stable: rules with as many stay in id order.
        rules.sort_by_key(|r| (risk_rank(&r.rule), std::cmp::Reverse(r.count)));
        rules
    }

    fn suppressed(&self, in_current: &HashSet<usize>) -> Rows<SuppressedRow> {
        let suppressed = (self.outcome.suppressed.iter())
            .zip(&self.suppressed_grant)
            .filter(|(_, g)| g.is_some_and(|g| in_current.contains(&g)));
        Rows::build(suppressed, self.rows, |(s, &g)| {
            let (by, reason, approver, expires) = s.by.parts();
            let (reason, approver) = (reason.map(str::to_string), approver.map(str::to_string));
            SuppressedRow {
                rule: s.finding.rule.to_string(),
                finding: self.finding_row(&s.finding, g),
                by,
                reason,
                approver,
                expires,
            }
        })
    }

    /// repeat-tenant's findings with a grant in the period: each tenant's busiest span, the
    /// grants a security lead reads side by side to spot a product problem.
    fn repeat_tenants(&self, current: &[usize]) -> Rows<RepeatTenant> {
        Rows::build(self.spans(current), self.rows, |(_, span)| {
            let tenant = owned(self.records[span[0]].tenant()).unwrap_or_default();
            let grants: Vec<RepeatGrant> = span
                .iter()
                .map(|&g| {
                    let r = &self.records[g];
                    RepeatGrant {
                        id: owned(r.id()),
                        start: r.start.unwrap_or(self.period.until),
                        grantee: owned(r.grantee()),
                        reason: owned(r.reason()),
                        ticket: owned(r.ticket()),
                    }
                })
                .collect();
            RepeatTenant {
                tenant,
                problems: problems(grants.iter()),
                grants,
            }
        })
    }

    /// The spans of repeat-tenant's findings holding a grant of the period, busiest first,
    /// then by tenant: each with its tenant (as the rule compares tenants) and its grants by
    /// start, ties in input order, as the rule orders them. A span is the grants of the
    /// finding's tenant from its first grant to `within` after it: the rule's busiest span
    /// holds every one of them, or a later start would make a busier one. Grants are grouped
    /// by their tenant's number ([`Record::tenant_number`]), so stand-ins are placed too.
    fn spans(&self, current: &[usize]) -> Vec<(Arc<str>, Vec<usize>)> {
        if self.verdicts.repeat_openings.is_empty() {
            return Vec::new(); // most weeks: no tenant to group
        }
        let within = self.settings.repeat_within;
        let openings: Vec<(Arc<str>, NonZeroU32, Reach)> = (self.verdicts.repeat_openings.iter())
            .filter_map(|&opening| {
                let record = &self.records[opening];
                let (tenant, from) = (record.tenant_number()?, record.start?);
                let to = from
                    .checked_add_signed(within)
                    .unwrap_or(DateTime::<Utc>::MAX_UTC);
                Some((self.tenants.key(tenant)?, tenant, (from, to)))
            })
            .collect();
        // The period's grants' starts by tenant: a span holding none of them is not shown.
        let mut shown: HashMap<NonZeroU32, Vec<DateTime<Utc>>> = HashMap::new();
        for &g in current {
            if let (Some(tenant), Some(start)) =
                (self.records[g].tenant_number(), self.records[g].start)
            {
                shown.entry(tenant).or_default().push(start);
            }
        }
        let mut reach: HashMap<NonZeroU32, Vec<Reach>> = HashMap::new();
        for (_, tenant, (from, to)) in &openings {
            let starts = shown.get(tenant).map_or(&[][..], Vec::as_slice);
            if starts.iter().any(|s| (from..=to).contains(&s)) {
                reach.entry(*tenant).or_default().push((*from, *to));
            }
        }
        // One pass over the grants: those starting in a span of their tenant's.
        let mut by_tenant: HashMap<NonZeroU32, Vec<usize>> = HashMap::new();
        for (i, record) in self.records.iter().enumerate() {
            let (Some(tenant), Some(start)) = (record.tenant_number(), record.start) else {
                continue;
            };
            if let Some(spans) = reach.get(&tenant)
                && spans.iter().any(|(from, to)| (from..=to).contains(&&start))
            {
                by_tenant.entry(tenant).or_default().push(i);
            }
        }
        // Each tenant's grants by start, ties in input order, as the rule orders them.
        for grants in by_tenant.values_mut() {
            grants.sort_by_key(|&g| self.records[g].start);
        }
        let current: HashSet<usize> = current.iter().copied().collect();
        let mut spans: BTreeMap<Arc<str>, Vec<usize>> = BTreeMap::new();
        for (key, tenant, (from, to)) in &openings {
            let Some(grants) = by_tenant.get(tenant) else {
                continue;
            };
            if !(reach.get(tenant)).is_some_and(|r| r.contains(&(*from, *to))) {
                continue; // no grant of the period in it
            }
            // By start: the span is the run of grants from `from` to `to`.
            let start = |g: &usize| self.records[*g].start;
            let first = grants.partition_point(|g| start(g) < Some(*from));
            let end = grants.partition_point(|g| start(g) <= Some(*to));
            let span: Vec<usize> = grants[first..end.max(first)].to_vec();
            if span.iter().any(|g| current.contains(g)) {
                spans.insert(Arc::clone(key), span);
            }
        }
        // The busiest first; tenants with as many grants in tenant order (the sort is stable).
        let mut spans: Vec<(Arc<str>, Vec<usize>)> = spans.into_iter().collect();
        spans.sort_by_key(|(_, span)| std::cmp::Reverse(span.len()));
        spans
    }

    fn people(&self, current: &[usize]) -> People {
        let records = || current.iter().map(|&i| &self.records[i]);
        People {
            grantees: top(records().filter_map(Record::grantee), usize::MAX, |name| {
                self.person(name)
            }),
            approvers: {
                let mut tally = Tally::new(|name| self.person(name));
                let mut seen = Vec::new();
                for r in records() {
                    // A grant counts once per person who approved it, however many ways it
                    // names them (`rpatel; ravi.patel@…`).
                    seen.clear();
                    for name in r.approvers() {
                        let person = tally.index(name);
                        if !seen.contains(&person) {
                            seen.push(person);
                            tally.counts[person].1 += 1;
                        }
                    }
                }
                tally.top(usize::MAX)
            },
            self_approvals: Rows::build(
                (current.iter()).filter(|i| self.verdicts.self_approved.contains(i)),
                self.rows,
                |&i| self.grant_ref(&self.records[i]),
            ),
            late_approvals: Rows::build(
                records().filter_map(|r| match (r.approved_at(), r.start) {
                    (Some(approved), Some(start)) if approved > start => {
                        Some((r, approved - start))
                    }
                    _ => None,
                }),
                self.rows,
                |(r, after)| LateApproval {
                    grant: self.grant_ref(r),
                    approver: owned(r.approver()),
                    after: format_duration(after),
                    after_rounded: rounded(after),
                },
            ),
        }
    }

    fn windows(&self, current: &[usize]) -> Windows {
        let mut minutes: Vec<i64> = current
            .iter()
            .filter_map(|&i| {
                let r = &self.records[i];
                Some((r.expires()? - r.start?).num_minutes())
            })
            .collect();
        minutes.sort_unstable();
        let histogram = BUCKETS
            .iter()
            .enumerate()
            .map(|(b, &(label, upto))| {
                let above = if b == 0 { i64::MIN } else { BUCKETS[b - 1].1 };
                Bucket {
                    label,
                    grants: minutes.iter().filter(|&&m| m > above && m <= upto).count(),
                }
            })
            .collect();
        let median = match minutes.len() {
            0 => None,
            n if n % 2 == 1 => Some(minutes[n / 2]),
            n => Some((minutes[n / 2 - 1] + minutes[n / 2]) / 2),
        };
        let privileged = current
            .iter()
            .filter(|&&i| {
                self.records[i]
                    .role()
                    .is_some_and(|role| self.settings.privileged.matches(role))
            })
            .count();
        Windows {
            histogram,
            measured: minutes.len(),
            median: median.map(|m| rounded(TimeDelta::minutes(m))),
            privileged,
            privileged_share: if current.is_empty() {
                0.0
            } else {
                privileged as f64 / current.len() as f64
            },
        }
    }

    /// Grants by the day they started, for every day of the period (UTC), in bars of a day,
    /// a week, a month or years: at most [`MAX_BARS`], however long the period.
    fn grants_per_day(&self, current: &[usize]) -> (Vec<DayCount>, Step) {
        let first = self.period.since.date_naive();
        let last = (self.period.until - TimeDelta::seconds(1)).date_naive();
        let step = Step::for_period(first, last);
        let bars = step.bar(first, last).saturating_add(1).min(MAX_BARS);
        let mut counts = vec![0usize; bars];
        for &i in current {
            if let Some(start) = self.records[i].start
                && self.period.contains(start)
                && let Some(count) = counts.get_mut(step.bar(first, start.date_naive()))
            {
                *count += 1;
            }
        }
        let series = counts
            .into_iter()
            .enumerate()
            .filter_map(|(i, grants)| {
                Some(DayCount {
                    day: step.start(first, i)?,
                    grants,
                })
            })
            .collect();
        (series, step)
    }

    /// The ids of the rules with open findings on each grant, sorted: gathered in one pass, not
    /// one pass over every finding per grant.
    fn rules_by_grant(&self, shown: &HashSet<usize>) -> HashMap<usize, Vec<String>> {
        let mut rules: HashMap<usize, Vec<String>> = HashMap::new();
        for (f, g) in self.outcome.findings.iter().zip(&self.finding_grant) {
            if let Some(g) = g.filter(|g| shown.contains(g)) {
                rules.entry(g).or_default().push(f.rule.to_string());
            }
        }
        for ids in rules.values_mut() {
            ids.sort();
            ids.dedup();
        }
        rules
    }

    /// Grant `i` as the list of grants shows it, with the `rules` that found something in it.
    fn grant_row(&self, i: usize, findings: Vec<String>) -> GrantRow {
        let r = &self.records[i];
        let state = self.state(i);
        GrantRow {
            grant: r.grant_text(),
            start: r.start,
            end: r.ended_at().or(self.expires(r)),
            state,
            status: match (state, r.status()) {
                (State::Closed, Some(status)) => status.to_lowercase(),
                _ => state.label().to_string(),
            },
            findings,
            file: self.file_name(r.file as usize),
            line: r.line,
        }
    }
}

fn owned(text: Option<&str>) -> Option<String> {
    text.map(str::to_string)
}

/// A grant's window for placing it in a period: from its start to when it ended, or to now
/// while it is live (as expiry-enforced means it), or else to the expiry it is held to.
pub fn window(
    start: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    expires: Option<DateTime<Utc>>,
    extended_until: Option<DateTime<Utc>>,
    status: Option<&str>,
    settings: &Settings,
    now: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let expires = expires.map(|e| ExpiryEnforced::held_to(e, extended_until));
    let live =
        ended_at.is_none() && status.is_some_and(|s| settings.expiry.live(s, Some(start), now));
    let end = match (ended_at, expires) {
        (Some(ended), _) => ended,
        (None, expires) if live => expires.map_or(now, |e| e.max(now)),
        (None, Some(expires)) => expires,
        (None, None) => start,
    };
    (start, end.max(start))
}

/// The starts a span of repeat-tenant's holds: from its first grant's to `within` after.
type Reach = (DateTime<Utc>, DateTime<Utc>);

/// Names by how many grants they appear in, most first, then by name; names with one key
/// count as one, shown as `name` gives it for the first written (`name` gives the key and
/// how it is shown). People are told apart as self-approval tells them ([`Aggregator::person`]),
/// tenants as repeat-tenant does.
fn top<'n>(
    names: impl Iterator<Item = &'n str>,
    limit: usize,
    name: impl Fn(&'n str) -> (String, std::borrow::Cow<'n, str>),
) -> Vec<NameCount> {
    let mut tally = Tally::new(name);
    for text in names {
        let i = tally.index(text);
        tally.counts[i].1 += 1;
    }
    tally.top(limit)
}

/// Names counted by key, each text as written turned into its key once: a million grants
/// name a few thousand people and tenants, and a key costs an allocation or more.
struct Tally<'n, F> {
    name: F,
    /// Each text as written, and the index of its key.
    texts: HashMap<&'n str, usize>,
    keys: HashMap<String, usize>,
    /// Each key's name as shown (its first text's) and count, by index.
    counts: Vec<(String, usize)>,
}

impl<'n, F: Fn(&'n str) -> (String, std::borrow::Cow<'n, str>)> Tally<'n, F> {
    fn new(name: F) -> Self {
        Tally {
            name,
            texts: HashMap::new(),
            keys: HashMap::new(),
            counts: Vec::new(),
        }
    }

    /// The index of `text`'s key, counted or not.
    fn index(&mut self, text: &'n str) -> usize {
        if let Some(&i) = self.texts.get(text) {
            return i;
        }
        let (key, shown) = (self.name)(text);
        let counts = &mut self.counts;
        let i = *self.keys.entry(key).or_insert_with(|| {
            counts.push((shown.into_owned(), 0));
            counts.len() - 1
        });
        self.texts.insert(text, i);
        i
    }

    /// The names counted, most first, then by name.
    fn top(self, limit: usize) -> Vec<NameCount> {
        let mut out: Vec<NameCount> = (self.counts.into_iter())
            .filter(|(_, grants)| *grants > 0)
            .map(|(name, grants)| NameCount { name, grants })
            .collect();
        out.sort_by(|a, b| b.grants.cmp(&a.grants).then_with(|| a.name.cmp(&b.name)));
        out.truncate(limit);
        out
    }
}

/// Finds the grant a finding is about: the last grant of its file that starts at or before
/// the finding's place. Every finding points inside its grant's record.
struct GrantLocator {
    /// Each file's grants by (line, column), ties in input order.
    by_file: HashMap<u32, Vec<Located>>,
}

/// A grant's (line, column) and its index among the records.
type Located = ((u32, u32), usize);

impl GrantLocator {
    fn new(records: &[Record]) -> GrantLocator {
        let mut by_file: HashMap<u32, Vec<Located>> = HashMap::new();
        for (i, r) in records.iter().enumerate() {
            by_file
                .entry(r.file)
                .or_default()
                .push(((r.line, r.column), i));
        }
        for grants in by_file.values_mut() {
            grants.sort_by_key(|(at, _)| *at);
        }
        GrantLocator { by_file }
    }

    fn find(&self, finding: &Finding) -> Option<usize> {
        let grants = self.by_file.get(&u32::try_from(finding.file).ok()?)?;
        let at = (finding.span.line, finding.span.column);
        let after = grants.partition_point(|(place, _)| *place <= at);
        after.checked_sub(1).map(|k| grants[k].1)
    }
}
