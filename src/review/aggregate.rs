//! The numbers of the weekly review, computed once from the grants and the checker's findings;
//! the Markdown, HTML and JSON renderers only format them.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Serialize, Serializer};

use super::period::Period;
use crate::check::Outcome;
use crate::core::time::format_duration;
use crate::finding::{Finding, Severity};
use crate::grant::{Field, Grant};
use crate::policy::Policy;
use crate::report::FailOn;
use crate::rules::params::{Patterns, normalize};

/// What the review keeps of each grant while the checker reads it (see `check::check_with`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GrantRecord {
    pub file: usize,
    pub line: u32,
    pub column: u32,
    pub id: Option<String>,
    pub tenant: Option<String>,
    pub grantee: Option<String>,
    pub role: Option<String>,
    pub reason: Option<String>,
    /// Everyone who approved, as shown: several approvals joined by ", ".
    pub approver: Option<String>,
    /// Everyone who approved, one by one (several for multi-approver systems).
    pub approvers: Vec<String>,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    pub status: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub start: Option<DateTime<Utc>>,
    pub expires: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

impl GrantRecord {
    /// The hook handed to `check::check_with`: keeps every grant.
    pub fn keep(file: usize, grant: &Grant) -> Option<GrantRecord> {
        let text = |field| grant.text(field).map(str::to_string);
        let mut approvers = Vec::new();
        grant.each_approver(|approver, _| approvers.extend(approver.map(str::to_string)));
        Some(GrantRecord {
            file,
            line: grant.span.line,
            column: grant.span.column,
            // Named as every report names it: the id, else the ticket.
            id: grant.id().map(std::borrow::Cow::into_owned),
            tenant: text(Field::Tenant),
            grantee: text(Field::Grantee),
            role: text(Field::Role),
            reason: text(Field::Reason),
            approver: (!approvers.is_empty()).then(|| approvers.join(", ")),
            approvers,
            owner: text(Field::Owner),
            ticket: text(Field::Ticket),
            status: text(Field::Status),
            approved_at: grant.time(Field::ApprovedAt),
            start: grant.time(Field::Start),
            expires: grant.time(Field::Expires),
            ended_at: grant.time(Field::EndedAt),
        })
    }
}

/// The policy settings the review groups by, read from the rules that own them, so the review
/// and `check` never disagree about what "privileged" or "still active" means.
pub struct Settings {
    pub repeat_threshold: usize,
    pub repeat_within: TimeDelta,
    pub grace: TimeDelta,
    pub active_statuses: crate::rules::params::Words,
    pub privileged: Patterns,
    pub fail_on: FailOn,
}

impl Settings {
    pub fn from_policy(policy: &Policy, fail_on: FailOn) -> Settings {
        let (repeat_threshold, repeat_within) = policy.settings("repeat-tenant", |p| {
            (p.count("threshold").max(1), p.duration("within"))
        });
        let (grace, active_statuses) = policy.settings("expiry-enforced", |p| {
            (p.duration("grace"), p.words("active_statuses"))
        });
        Settings {
            repeat_threshold,
            repeat_within,
            grace,
            active_statuses,
            privileged: policy.settings("admin-justified", |p| p.patterns("patterns")),
            fail_on,
        }
    }
}

/// Where a grant stands now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Live and past its expiry (plus grace): revoke now.
    PastExpiry,
    /// No end recorded and no status that says it ended.
    NoEndRecorded,
    /// Ended, but later than its expiry (plus grace).
    EndedLate,
    /// Live, within its expiry.
    Active,
    /// Starts after now.
    Scheduled,
    Ended,
    /// A status that says it is over (expired, revoked, …) without an end time.
    Closed,
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
        }
    }
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct Headline {
    pub grants: Change,
    pub tenants: Change,
    pub people: Change,
    pub errors: Change,
    pub warnings: Change,
    pub infos: Change,
    /// Grants read but left out of every period: their start could not be read.
    pub left_out: usize,
    /// `result` is passed; kept for the readers of the JSON review.
    pub passed: bool,
    pub result: Verdict,
    pub passed_previous: bool,
}

/// What the period's review concludes. A review that left grants out, or could not read an
/// input, is incomplete at best: it never says passed about grants it did not look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
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

/// A grant as the other sections name it.
#[derive(Clone, Debug, Serialize)]
pub struct GrantRef {
    pub id: Option<String>,
    pub tenant: Option<String>,
    pub grantee: Option<String>,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Serialize)]
pub struct Closeout {
    pub grant: GrantRef,
    pub state: State,
    #[serde(serialize_with = "opt_time")]
    pub expires: Option<DateTime<Utc>>,
    /// How long it outlived its expiry: until now, or until it ended.
    pub overdue: Option<String>,
    pub action: &'static str,
}

#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct RuleFindings {
    pub rule: String,
    pub count: usize,
    pub findings: Vec<FindingRow>,
}

#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
pub struct RepeatGrant {
    pub id: Option<String>,
    #[serde(serialize_with = "time")]
    pub start: DateTime<Utc>,
    pub grantee: Option<String>,
    pub reason: Option<String>,
    pub ticket: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RepeatTenant {
    pub tenant: String,
    pub grants: Vec<RepeatGrant>,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct NameCount {
    pub name: String,
    pub grants: usize,
}

#[derive(Debug, Serialize)]
pub struct LateApproval {
    pub grant: GrantRef,
    pub approver: Option<String>,
    /// How long after access began the approval came.
    pub after: String,
}

#[derive(Debug, Serialize)]
pub struct People {
    pub grantees: Vec<NameCount>,
    pub approvers: Vec<NameCount>,
    pub self_approvals: Vec<GrantRef>,
    pub late_approvals: Vec<LateApproval>,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Bucket {
    pub label: &'static str,
    pub grants: usize,
}

#[derive(Debug, Serialize)]
pub struct Windows {
    pub histogram: Vec<Bucket>,
    /// Grants with both a start and an expiry: the ones the histogram counts.
    pub measured: usize,
    pub median: Option<String>,
    pub privileged: usize,
    /// Privileged grants as a share of the period's grants, 0 to 1.
    pub privileged_share: f64,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct DayCount {
    #[serde(serialize_with = "date")]
    pub day: NaiveDate,
    pub grants: usize,
}

#[derive(Debug, Serialize)]
pub struct GrantRow {
    pub id: Option<String>,
    pub tenant: Option<String>,
    pub grantee: Option<String>,
    pub role: Option<String>,
    pub reason: Option<String>,
    pub approver: Option<String>,
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

#[derive(Debug, Serialize)]
pub struct PeriodOut {
    #[serde(serialize_with = "time")]
    pub since: DateTime<Utc>,
    #[serde(serialize_with = "time")]
    pub until: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct InputProblem {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

/// The weekly review: every number the renderers show.
#[derive(Debug, Serialize)]
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
    pub closeout: Vec<Closeout>,
    pub findings: Vec<RuleFindings>,
    pub suppressed: Vec<SuppressedRow>,
    pub repeat_tenants: Vec<RepeatTenant>,
    pub people: People,
    pub windows: Windows,
    pub grants_per_day: Vec<DayCount>,
    pub top_tenants: Vec<NameCount>,
    pub grants: Vec<GrantRow>,
    /// Grants without a readable start: they belong to no period.
    pub undated: Vec<GrantRef>,
    pub input_errors: Vec<InputProblem>,
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
    pub records: &'a [GrantRecord],
    pub outcome: &'a Outcome,
    pub settings: &'a Settings,
    pub policy: &'a str,
    pub period: Period,
    pub now: DateTime<Utc>,
}

impl Review {
    pub fn build(inputs: &Inputs) -> Review {
        Aggregator::new(inputs).review()
    }
}

struct Aggregator<'a> {
    records: &'a [GrantRecord],
    outcome: &'a Outcome,
    settings: &'a Settings,
    policy: &'a str,
    period: Period,
    now: DateTime<Utc>,
    /// Each finding's grant, as an index into `records`.
    finding_grant: Vec<Option<usize>>,
    suppressed_grant: Vec<Option<usize>>,
}

impl<'a> Aggregator<'a> {
    fn new(inputs: &Inputs<'a>) -> Aggregator<'a> {
        let locate = GrantLocator::new(inputs.records);
        let outcome = inputs.outcome;
        Aggregator {
            records: inputs.records,
            outcome,
            settings: inputs.settings,
            policy: inputs.policy,
            period: inputs.period,
            now: inputs.now,
            finding_grant: outcome.findings.iter().map(|f| locate.find(f)).collect(),
            suppressed_grant: outcome
                .suppressed
                .iter()
                .map(|s| locate.find(&s.finding))
                .collect(),
        }
    }

    fn is_live(&self, record: &GrantRecord) -> bool {
        record.ended_at.is_none()
            && record
                .status
                .as_deref()
                .is_some_and(|s| self.settings.active_statuses.contains(s))
    }

    fn state(&self, record: &GrantRecord) -> State {
        // An expiry at the end of representable time has no deadline to miss.
        let deadline = record
            .expires
            .and_then(|e| e.checked_add_signed(self.settings.grace));
        if let Some(ended) = record.ended_at {
            return match deadline {
                Some(deadline) if ended > deadline => State::EndedLate,
                _ => State::Ended,
            };
        }
        if record.start.is_some_and(|s| s > self.now) {
            return State::Scheduled;
        }
        if self.is_live(record) {
            return match deadline {
                Some(deadline) if self.now > deadline => State::PastExpiry,
                _ => State::Active,
            };
        }
        if record.status.is_some() {
            State::Closed
        } else {
            State::NoEndRecorded
        }
    }

    /// The grant's window for placing it in a period: from its start to when it ended, or to
    /// now while it is live, or else to its expiry.
    fn window(&self, record: &GrantRecord) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let start = record.start?;
        let end = match (record.ended_at, record.expires) {
            (Some(ended), _) => ended,
            (None, expires) if self.is_live(record) => {
                expires.map_or(self.now, |e| e.max(self.now))
            }
            (None, Some(expires)) => expires,
            (None, None) => start,
        };
        Some((start, end.max(start)))
    }

    fn in_period(&self, record: &GrantRecord, period: &Period) -> bool {
        self.window(record)
            .is_some_and(|(start, end)| period.overlaps(start, end))
    }

    fn grant_ref(&self, record: &GrantRecord) -> GrantRef {
        GrantRef {
            id: record.id.clone(),
            tenant: record.tenant.clone(),
            grantee: record.grantee.clone(),
            owner: record.owner.clone(),
            ticket: record.ticket.clone(),
            file: self.file_name(record.file),
            line: record.line,
        }
    }

    fn file_name(&self, file: usize) -> String {
        self.outcome.files.get(file).cloned().unwrap_or_default()
    }

    fn review(&self) -> Review {
        let previous = self.period.previous();
        let current: Vec<usize> = self.members(&self.period);
        let before: Vec<usize> = self.members(&previous);
        let in_current: HashSet<usize> = current.iter().copied().collect();
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
            grants_per_day: self.grants_per_day(&current),
            top_tenants: top(
                current
                    .iter()
                    .filter_map(|&i| self.records[i].tenant.as_deref()),
                TOP_TENANTS,
            ),
            grants: current.iter().map(|&i| self.grant_row(i)).collect(),
            undated: self
                .records
                .iter()
                .filter(|r| r.start.is_none())
                .map(|r| self.grant_ref(r))
                .collect(),
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
        }
    }

    /// The grants whose window overlaps `period`, in input order.
    fn members(&self, period: &Period) -> Vec<usize> {
        (0..self.records.len())
            .filter(|&i| self.in_period(&self.records[i], period))
            .collect()
    }

    fn headline(&self, current: &[usize], before: &[usize]) -> Headline {
        let distinct = |grants: &[usize], field: fn(&GrantRecord) -> Option<&String>| {
            grants
                .iter()
                .filter_map(|&i| field(&self.records[i]))
                .map(|v| normalize(v))
                .collect::<HashSet<_>>()
                .len()
        };
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
            result,
            grants: Change {
                current: current.len(),
                previous: before.len(),
            },
            tenants: Change {
                current: distinct(current, |r| r.tenant.as_ref()),
                previous: distinct(before, |r| r.tenant.as_ref()),
            },
            people: Change {
                current: distinct(current, |r| r.grantee.as_ref()),
                previous: distinct(before, |r| r.grantee.as_ref()),
            },
            errors: change(Severity::Error),
            warnings: change(Severity::Warning),
            infos: change(Severity::Info),
            passed: result == Verdict::Passed,
            passed_previous: passed(&before_counts),
        }
    }

    fn closeout(&self, current: &[usize]) -> Vec<Closeout> {
        let mut rows: Vec<(Closeout, TimeDelta)> = Vec::new();
        for &i in current {
            let record = &self.records[i];
            let state = self.state(record);
            let overdue = match (state, record.expires) {
                (State::PastExpiry | State::NoEndRecorded, Some(e)) if self.now > e => {
                    Some(self.now - e)
                }
                (State::EndedLate, Some(e)) => record.ended_at.map(|end| end - e),
                _ => None,
            };
            let action = match state {
                State::PastExpiry => "revoke now",
                State::Active if record.expires.is_none() => "revoke now: it has no expiry",
                State::Active => "confirm removal at expiry",
                State::NoEndRecorded => "confirm removal: nothing records that access ended",
                State::EndedLate => "confirm removal, and why expiry did not remove it",
                State::Scheduled | State::Ended | State::Closed => continue,
            };
            rows.push((
                Closeout {
                    grant: self.grant_ref(record),
                    state,
                    expires: record.expires,
                    overdue: overdue.map(format_duration),
                    action,
                },
                overdue.unwrap_or_default(),
            ));
        }
        // Most urgent first: by state, then the longest overdue.
        rows.sort_by(|a, b| a.0.state.cmp(&b.0.state).then(b.1.cmp(&a.1)));
        rows.into_iter().map(|(c, _)| c).collect()
    }

    fn finding_row(&self, finding: &Finding, grant: Option<usize>) -> FindingRow {
        let record = grant.map(|g| &self.records[g]);
        FindingRow {
            severity: finding.severity,
            grant: finding.grant.as_deref().map(str::to_string),
            tenant: finding.tenant.as_deref().map(str::to_string),
            grantee: record.and_then(|r| r.grantee.clone()),
            approver: record.and_then(|r| r.approver.clone()),
            message: finding.message.to_string(),
            file: self.file_name(finding.file),
            line: finding.span.line,
            column: finding.span.column,
        }
    }

    fn findings_by_rule(&self, findings: &[usize]) -> Vec<RuleFindings> {
        let mut by_rule: BTreeMap<&str, Vec<FindingRow>> = BTreeMap::new();
        for &i in findings {
            let f = &self.outcome.findings[i];
            by_rule
                .entry(&f.rule)
                .or_default()
                .push(self.finding_row(f, self.finding_grant[i]));
        }
        let mut rules: Vec<RuleFindings> = by_rule
            .into_iter()
            .map(|(rule, findings)| RuleFindings {
                rule: rule.to_string(),
                count: findings.len(),
                findings,
            })
            .collect();
        // Stable: rules with as many findings stay in id order.
        rules.sort_by_key(|r| std::cmp::Reverse(r.count));
        rules
    }

    fn suppressed(&self, in_current: &HashSet<usize>) -> Vec<SuppressedRow> {
        self.outcome
            .suppressed
            .iter()
            .zip(&self.suppressed_grant)
            .filter(|(_, g)| g.is_some_and(|g| in_current.contains(&g)))
            .map(|(s, &g)| {
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
            .collect()
    }

    /// Tenants with at least the policy's repeat threshold of grants starting within its
    /// `within` span up to the end of the period, one of them in the period: the grants a
    /// security lead reads side by side to spot a product problem.
    fn repeat_tenants(&self, current: &[usize]) -> Vec<RepeatTenant> {
        let from = (self.period.until)
            .checked_sub_signed(self.settings.repeat_within)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let mut recent: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, record) in self.records.iter().enumerate() {
            if let (Some(tenant), Some(start)) = (&record.tenant, record.start)
                && from <= start
                && start < self.period.until
            {
                recent.entry(normalize(tenant)).or_default().push(i);
            }
        }
        let current: HashSet<usize> = current.iter().copied().collect();
        let mut tenants: Vec<RepeatTenant> = recent
            .into_values()
            .filter(|grants| {
                grants.len() >= self.settings.repeat_threshold
                    && grants.iter().any(|g| current.contains(g))
            })
            .map(|mut grants| {
                grants.sort_by_key(|&g| self.records[g].start);
                RepeatTenant {
                    tenant: self.records[grants[0]].tenant.clone().unwrap_or_default(),
                    grants: grants
                        .iter()
                        .map(|&g| {
                            let r = &self.records[g];
                            RepeatGrant {
                                id: r.id.clone(),
                                start: r.start.unwrap_or(self.period.until),
                                grantee: r.grantee.clone(),
                                reason: r.reason.clone(),
                                ticket: r.ticket.clone(),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        tenants.sort_by_key(|t| std::cmp::Reverse(t.grants.len()));
        tenants
    }

    fn people(&self, current: &[usize]) -> People {
        let records = || current.iter().map(|&i| &self.records[i]);
        People {
            grantees: top(records().filter_map(|r| r.grantee.as_deref()), usize::MAX),
            approvers: top(
                records().flat_map(|r| r.approvers.iter().map(String::as_str)),
                usize::MAX,
            ),
            self_approvals: records()
                .filter(|r| {
                    r.grantee.as_ref().is_some_and(|grantee| {
                        r.approvers
                            .iter()
                            .any(|approver| normalize(grantee) == normalize(approver))
                    })
                })
                .map(|r| self.grant_ref(r))
                .collect(),
            late_approvals: records()
                .filter_map(|r| match (r.approved_at, r.start) {
                    (Some(approved), Some(start)) if approved > start => Some(LateApproval {
                        grant: self.grant_ref(r),
                        approver: r.approver.clone(),
                        after: format_duration(approved - start),
                    }),
                    _ => None,
                })
                .collect(),
        }
    }

    fn windows(&self, current: &[usize]) -> Windows {
        let mut minutes: Vec<i64> = current
            .iter()
            .filter_map(|&i| {
                let r = &self.records[i];
                Some((r.expires? - r.start?).num_minutes())
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
                    .role
                    .as_deref()
                    .is_some_and(|role| self.settings.privileged.matches(role))
            })
            .count();
        Windows {
            histogram,
            measured: minutes.len(),
            median: median.map(|m| format_duration(TimeDelta::minutes(m))),
            privileged,
            privileged_share: if current.is_empty() {
                0.0
            } else {
                privileged as f64 / current.len() as f64
            },
        }
    }

    /// Grants by the day they started, for every day of the period (UTC).
    fn grants_per_day(&self, current: &[usize]) -> Vec<DayCount> {
        let first = self.period.since.date_naive();
        let last = (self.period.until - TimeDelta::seconds(1)).date_naive();
        let mut days: BTreeMap<NaiveDate, usize> = first
            .iter_days()
            .take_while(|d| *d <= last)
            .map(|d| (d, 0))
            .collect();
        for &i in current {
            if let Some(start) = self.records[i].start
                && self.period.contains(start)
            {
                *days.entry(start.date_naive()).or_default() += 1;
            }
        }
        days.into_iter()
            .map(|(day, grants)| DayCount { day, grants })
            .collect()
    }

    fn grant_row(&self, i: usize) -> GrantRow {
        let r = &self.records[i];
        let state = self.state(r);
        let mut findings: Vec<String> = self
            .finding_grant
            .iter()
            .zip(&self.outcome.findings)
            .filter(|(g, _)| **g == Some(i))
            .map(|(_, f)| f.rule.to_string())
            .collect();
        findings.sort();
        findings.dedup();
        GrantRow {
            id: r.id.clone(),
            tenant: r.tenant.clone(),
            grantee: r.grantee.clone(),
            role: r.role.clone(),
            reason: r.reason.clone(),
            approver: r.approver.clone(),
            start: r.start,
            end: r.ended_at.or(r.expires),
            state,
            status: match (state, &r.status) {
                (State::Closed, Some(status)) => status.to_lowercase(),
                _ => state.label().to_string(),
            },
            findings,
            file: self.file_name(r.file),
            line: r.line,
        }
    }
}

/// Names by how many grants they appear in, most first, then by name; names that differ only
/// in case or spacing count as one, shown as first written.
fn top<'n>(names: impl Iterator<Item = &'n str>, limit: usize) -> Vec<NameCount> {
    let mut counts: HashMap<String, (String, usize)> = HashMap::new();
    for name in names {
        counts
            .entry(normalize(name))
            .or_insert_with(|| (name.to_string(), 0))
            .1 += 1;
    }
    let mut out: Vec<NameCount> = counts
        .into_values()
        .map(|(name, grants)| NameCount { name, grants })
        .collect();
    out.sort_by(|a, b| b.grants.cmp(&a.grants).then_with(|| a.name.cmp(&b.name)));
    out.truncate(limit);
    out
}

/// Finds the grant a finding is about: the last grant of its file that starts at or before
/// the finding's place. Every finding points inside its grant's record.
struct GrantLocator<'a> {
    records: &'a [GrantRecord],
    by_file: HashMap<usize, Vec<usize>>,
}

impl<'a> GrantLocator<'a> {
    fn new(records: &'a [GrantRecord]) -> GrantLocator<'a> {
        let mut by_file: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, r) in records.iter().enumerate() {
            by_file.entry(r.file).or_default().push(i);
        }
        for grants in by_file.values_mut() {
            grants.sort_by_key(|&i| (records[i].line, records[i].column));
        }
        GrantLocator { records, by_file }
    }

    fn find(&self, finding: &Finding) -> Option<usize> {
        let grants = self.by_file.get(&finding.file)?;
        let at = (finding.span.line, finding.span.column);
        let after =
            grants.partition_point(|&i| (self.records[i].line, self.records[i].column) <= at);
        after.checked_sub(1).map(|k| grants[k])
    }
}
