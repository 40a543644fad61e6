//! The history file: SQLite through rusqlite (SQLite compiled in, `bundled`). Every use is one
//! `BEGIN IMMEDIATE` transaction with a busy timeout, so two reviews writing one file at once
//! take turns instead of failing or interleaving. The file is checked before anything is
//! written: not SQLite, damaged, another program's database, or a newer schema is an error
//! naming the file, and the file is left as it was.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, params};

use super::{
    GrantKey, Observation, Observed, PeriodRef, Population, Reappearing, RuleTrend, SignOff,
    SignRequest, TREND_PERIODS, Tracked, Trends, WeekOverWeek, population_hash, stamp,
};
use crate::finding::Severity;

/// `PRAGMA application_id`: "glhs", grantlint history. Tells our file from any other SQLite
/// database, which is never written into.
const APPLICATION_ID: i64 = 0x676c_6873;

/// Schema migrations: entry `i` takes a file from version `i` to `i + 1`. The file's
/// `PRAGMA user_version` is the number applied; a new version adds an entry, never edits one.
const MIGRATIONS: &[&str] = &[
    // 1: periods with their population, findings by fingerprint, fixes, sign-offs.
    "CREATE TABLE periods (
        id INTEGER PRIMARY KEY,
        since TEXT NOT NULL,
        until TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        grants INTEGER NOT NULL,
        inputs_sha256 TEXT NOT NULL,
        policy TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        UNIQUE (since, until)
    );
    CREATE TABLE inputs (
        period_id INTEGER NOT NULL REFERENCES periods(id),
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        PRIMARY KEY (period_id, position)
    ) WITHOUT ROWID;
    CREATE TABLE findings (
        period_id INTEGER NOT NULL REFERENCES periods(id),
        fingerprint TEXT NOT NULL,
        rule TEXT NOT NULL,
        grant_id TEXT,
        tenant TEXT,
        severity TEXT NOT NULL,
        PRIMARY KEY (period_id, fingerprint)
    ) WITHOUT ROWID;
    CREATE INDEX findings_by_fingerprint ON findings (fingerprint);
    CREATE TABLE fixes (
        period_id INTEGER NOT NULL REFERENCES periods(id),
        fingerprint TEXT NOT NULL,
        PRIMARY KEY (period_id, fingerprint)
    ) WITHOUT ROWID;
    CREATE INDEX fixes_by_fingerprint ON fixes (fingerprint);
    CREATE TABLE signoffs (
        id INTEGER PRIMARY KEY,
        since TEXT NOT NULL,
        until TEXT NOT NULL,
        reviewer TEXT NOT NULL,
        signed_at TEXT NOT NULL,
        grants INTEGER NOT NULL,
        inputs_sha256 TEXT NOT NULL
    );
    CREATE TABLE decisions (
        signoff_id INTEGER NOT NULL REFERENCES signoffs(id),
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (signoff_id, position)
    ) WITHOUT ROWID;",
];

/// The schema version this grantlint writes and reads.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a run waits for another run's transaction on the same file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether opening may create the file: a review does, a sign-off needs a recorded review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    Yes,
    No,
}

/// What went wrong with the history file; each names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(
        "history {file}: cannot open it: {message}\n  help: name a file in a folder that exists and can be written"
    )]
    Open { file: String, message: String },
    #[error(
        "history {file}: there is no history file here\n  help: run `grantlint report --history {file}` first; it records the period to sign"
    )]
    Missing { file: String },
    #[error(
        "history {file}: not a readable SQLite database ({message}); it was left as it is\n  help: restore it from a backup, or name a new file; grantlint never overwrites or repairs a history"
    )]
    Damaged { file: String, message: String },
    #[error(
        "history {file}: an SQLite database, but not a grantlint history (application_id {found:#x}); it was left as it is\n  help: name another file"
    )]
    NotOurs { file: String, found: i64 },
    #[error(
        "history {file}: written by a newer grantlint (schema version {found}; this one reads up to {supported}); it was left as it is\n  help: run the newer grantlint, or name another file"
    )]
    Newer {
        file: String,
        found: i64,
        supported: i64,
    },
    #[error(
        "history {file}: no review recorded for {wanted}{recorded}\n  help: run `grantlint report --history {file}` for that period first, or sign a recorded one with --since/--until"
    )]
    NoPeriod {
        file: String,
        wanted: String,
        recorded: String,
    },
    #[error(
        "history {file}: the inputs changed since the review of {period} was recorded: it reviewed {grants} grants from inputs with SHA-256 {recorded}, the inputs now have {now}\n  help: run `grantlint report --history {file}` for that period again, read the new review, then sign it"
    )]
    InputsChanged {
        file: String,
        period: String,
        grants: usize,
        recorded: String,
        now: String,
    },
    #[error("history {file}: {message}")]
    Sql { file: String, message: String },
}

/// An open history file.
pub struct History {
    connection: Connection,
    /// The file as given, for messages.
    file: String,
}

impl History {
    /// Opens the file (creating it when `create` says so); nothing is read or written yet.
    pub fn open(path: &Path, create: Create) -> Result<History, HistoryError> {
        let file = path.display().to_string();
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create == Create::Yes {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        } else if !path.exists() {
            return Err(HistoryError::Missing { file });
        }
        let connection =
            Connection::open_with_flags(path, flags).map_err(|e| HistoryError::Open {
                file: file.clone(),
                message: e.to_string(),
            })?;
        connection
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| HistoryError::Open {
                file: file.clone(),
                message: e.to_string(),
            })?;
        Ok(History { connection, file })
    }

    /// Records the period (replacing an earlier record of the same period) and compares it
    /// with the recorded periods before it, in one transaction.
    pub fn record(
        &mut self,
        observed: &Observed,
        now: DateTime<Utc>,
    ) -> Result<WeekOverWeek, HistoryError> {
        let file = self.file.clone();
        let sql = |e: rusqlite::Error| sql_error(&file, e);
        let tx = self.begin(Create::Yes)?;
        let inputs_sha256 = population_hash(&observed.inputs);
        let current = PeriodRef {
            since: observed.since,
            until: observed.until,
        };
        tx.execute(
            "INSERT INTO periods (since, until, recorded_at, grants, inputs_sha256, policy, tool_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (since, until) DO UPDATE SET recorded_at = excluded.recorded_at,
                 grants = excluded.grants, inputs_sha256 = excluded.inputs_sha256,
                 policy = excluded.policy, tool_version = excluded.tool_version",
            params![
                stamp(&current.since),
                stamp(&current.until),
                stamp(&now),
                observed.grants as i64,
                inputs_sha256,
                observed.policy,
                env!("CARGO_PKG_VERSION"),
            ],
        )
        .map_err(sql)?;
        let id: i64 = tx
            .query_row(
                "SELECT id FROM periods WHERE since = ?1 AND until = ?2",
                params![stamp(&current.since), stamp(&current.until)],
                |row| row.get(0),
            )
            .map_err(sql)?;
        // Recording a period again replaces what it held: a re-run never duplicates.
        for table in ["inputs", "findings", "fixes"] {
            tx.execute(&format!("DELETE FROM {table} WHERE period_id = ?1"), [id])
                .map_err(sql)?;
        }
        {
            let mut insert = tx
                .prepare("INSERT INTO inputs (period_id, position, name, sha256, bytes) VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(sql)?;
            for (position, input) in observed.inputs.iter().enumerate() {
                insert
                    .execute(params![
                        id,
                        position as i64,
                        input.name,
                        input.sha256,
                        input.bytes as i64
                    ])
                    .map_err(sql)?;
            }
            let mut insert = tx
                .prepare("INSERT OR REPLACE INTO findings (period_id, fingerprint, rule, grant_id, tenant, severity) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .map_err(sql)?;
            for f in &observed.findings {
                insert
                    .execute(params![
                        id,
                        f.fingerprint,
                        f.rule,
                        f.grant,
                        f.tenant,
                        f.severity.name()
                    ])
                    .map_err(sql)?;
            }
        }
        let compared = compare(&tx, &file, id, current, observed)?;
        let population = Population {
            period: current,
            grants: observed.grants,
            inputs_sha256,
            inputs: observed.inputs.clone(),
            recorded_at: now,
        };
        let trends = trends(&tx, &file, current)?;
        let last_sign_off = last_sign_off(&tx, &file, current)?;
        tx.commit().map_err(sql)?;
        Ok(WeekOverWeek {
            file: self.file.clone(),
            population,
            previous: compared.previous,
            new: compared.new,
            still_open: compared.still_open,
            fixed: compared.fixed,
            waived: compared.waived,
            not_reviewed: compared.not_reviewed,
            trends,
            reappearing: compared.reappearing,
            last_sign_off,
        })
    }

    /// Records a sign-off of a recorded period whose population still has the inputs' hash.
    pub fn sign(&mut self, request: &SignRequest) -> Result<SignOff, HistoryError> {
        let file = self.file.clone();
        let sql = |e: rusqlite::Error| sql_error(&file, e);
        let tx = self.begin(Create::No)?;
        let found = match request.period {
            Some(p) => tx
                .query_row(
                    "SELECT since, until, grants, inputs_sha256 FROM periods WHERE since = ?1 AND until = ?2",
                    params![stamp(&p.since), stamp(&p.until)],
                    |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, i64>(2)?, row.get::<_, String>(3)?)),
                )
                .optional(),
            None => tx
                .query_row(
                    "SELECT since, until, grants, inputs_sha256 FROM periods ORDER BY since DESC, until DESC LIMIT 1",
                    [],
                    |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, i64>(2)?, row.get::<_, String>(3)?)),
                )
                .optional(),
        }
        .map_err(sql)?;
        let Some((since, until, grants, recorded)) = found else {
            return Err(HistoryError::NoPeriod {
                file: file.clone(),
                wanted: request
                    .period
                    .map_or_else(|| "any period".into(), |p| p.label()),
                recorded: recorded_periods(&tx, &file)?,
            });
        };
        let period = PeriodRef {
            since: parse_time(&file, &since)?,
            until: parse_time(&file, &until)?,
        };
        let grants = usize::try_from(grants).unwrap_or(0);
        if !recorded.eq_ignore_ascii_case(&request.inputs_sha256) {
            return Err(HistoryError::InputsChanged {
                file: file.clone(),
                period: period.label(),
                grants,
                recorded,
                now: request.inputs_sha256.clone(),
            });
        }
        tx.execute(
            "INSERT INTO signoffs (since, until, reviewer, signed_at, grants, inputs_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![since, until, request.reviewer, stamp(&request.now), grants as i64, recorded],
        )
        .map_err(sql)?;
        let id = tx.last_insert_rowid();
        for (position, text) in request.decisions.iter().enumerate() {
            tx.execute(
                "INSERT INTO decisions (signoff_id, position, text) VALUES (?1, ?2, ?3)",
                params![id, position as i64, text],
            )
            .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        Ok(SignOff {
            period,
            reviewer: request.reviewer.clone(),
            signed_at: request.now,
            decisions: request.decisions.clone(),
            grants,
            inputs_sha256: recorded,
            matches_record: true,
        })
    }

    /// Starts the write transaction, then checks the file is a history this grantlint reads,
    /// creating the schema in a new file and migrating an older one forward. On any error the
    /// transaction is rolled back: the file is as it was.
    fn begin(&mut self, create: Create) -> Result<Transaction<'_>, HistoryError> {
        let file = self.file.clone();
        let damaged = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => HistoryError::Damaged {
                file: file.clone(),
                message: e.to_string(),
            },
            _ => sql_error(&file, e),
        };
        let tx = self
            .connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(damaged)?;
        let pragma = |name: &str| tx.pragma_query_value(None, name, |row| row.get::<_, i64>(0));
        let application = pragma("application_id").map_err(damaged)?;
        let version = pragma("user_version").map_err(damaged)?;
        let objects: i64 = tx
            .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
            .map_err(damaged)?;
        let fresh = application == 0 && version == 0 && objects == 0;
        if fresh && create == Create::No {
            return Err(HistoryError::NoPeriod {
                file: file.clone(),
                wanted: "any period".into(),
                recorded: ": the file holds no review".into(),
            });
        }
        if !fresh && application != APPLICATION_ID {
            return Err(HistoryError::NotOurs {
                file: file.clone(),
                found: application,
            });
        }
        if version > SCHEMA_VERSION {
            return Err(HistoryError::Newer {
                file: file.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if !fresh {
            let check: String = tx
                .query_row("PRAGMA quick_check", [], |row| row.get(0))
                .map_err(damaged)?;
            if check != "ok" {
                return Err(HistoryError::Damaged {
                    file: file.clone(),
                    message: check,
                });
            }
        }
        let start = usize::try_from(version).unwrap_or(0);
        for migration in &MIGRATIONS[start..] {
            tx.execute_batch(migration).map_err(damaged)?;
        }
        if start < MIGRATIONS.len() {
            tx.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(damaged)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(damaged)?;
        }
        Ok(tx)
    }
}

fn sql_error(file: &str, e: rusqlite::Error) -> HistoryError {
    HistoryError::Sql {
        file: file.to_string(),
        message: e.to_string(),
    }
}

fn parse_time(file: &str, text: &str) -> Result<DateTime<Utc>, HistoryError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| HistoryError::Damaged {
            file: file.to_string(),
            message: format!("a recorded time `{text}` cannot be read: {e}"),
        })
}

/// "; recorded: 2026-11-16 to 2026-11-23, …" (the latest five), or ": the file holds no review".
fn recorded_periods(tx: &Transaction, file: &str) -> Result<String, HistoryError> {
    // Every stored time sorts before "9".
    let periods = periods_where(tx, file, "since < ?1", "9", 5)?;
    if periods.is_empty() {
        return Ok(": the file holds no review".into());
    }
    let labels: Vec<String> = periods.iter().map(|(_, p)| p.label()).collect();
    Ok(format!("; recorded, latest first: {}", labels.join(", ")))
}

/// SQLite's LIMIT for "no limit".
const ALL: i64 = -1;

/// Recorded periods matching `condition` (which compares `since` with ?1), latest first.
fn periods_where(
    tx: &Transaction,
    file: &str,
    condition: &str,
    since: &str,
    limit: i64,
) -> Result<Vec<(i64, PeriodRef)>, HistoryError> {
    let sql = |e: rusqlite::Error| sql_error(file, e);
    let query = format!(
        "SELECT id, since, until FROM periods WHERE {condition} ORDER BY since DESC, until DESC LIMIT ?2"
    );
    let mut statement = tx.prepare(&query).map_err(sql)?;
    let rows = statement
        .query_map(params![since, limit], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .map_err(sql)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, since, until) = row.map_err(sql)?;
        out.push((
            id,
            PeriodRef {
                since: parse_time(file, &since)?,
                until: parse_time(file, &until)?,
            },
        ));
    }
    Ok(out)
}

struct Compared {
    previous: Option<PeriodRef>,
    new: Vec<Tracked>,
    still_open: Vec<Tracked>,
    fixed: Vec<Tracked>,
    waived: Vec<Tracked>,
    not_reviewed: Vec<Tracked>,
    reappearing: Vec<Reappearing>,
}

/// Weeks from `since` to `until`, to the nearest whole week, at least 1.
fn weeks(since: DateTime<Utc>, until: DateTime<Utc>) -> i64 {
    let week = TimeDelta::weeks(1).num_seconds();
    (((until - since).num_seconds().max(0) + week / 2) / week).max(1)
}

fn severity(text: &str) -> Severity {
    match text {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => Severity::Info,
    }
}

/// Compares period `id` (just recorded) with the recorded periods before it.
fn compare(
    tx: &Transaction,
    file: &str,
    id: i64,
    current: PeriodRef,
    observed: &Observed,
) -> Result<Compared, HistoryError> {
    let sql = |e: rusqlite::Error| sql_error(file, e);
    let since = stamp(&current.since);
    // Every recorded period before this one, latest first: a finding's run of periods is
    // followed back through them.
    let before = periods_where(tx, file, "since < ?1", &since, ALL)?;
    let previous = before.first().copied();
    let mut last: Vec<Observation> = Vec::new();
    if let Some((previous_id, _)) = previous {
        let mut statement = tx
            .prepare("SELECT fingerprint, rule, grant_id, tenant, severity FROM findings WHERE period_id = ?1")
            .map_err(sql)?;
        let rows = statement
            .query_map([previous_id], |row| {
                Ok(Observation {
                    fingerprint: row.get(0)?,
                    rule: row.get(1)?,
                    grant: row.get(2)?,
                    tenant: row.get(3)?,
                    severity: severity(&row.get::<_, String>(4)?),
                })
            })
            .map_err(sql)?;
        for row in rows {
            last.push(row.map_err(sql)?);
        }
    }
    // Which earlier periods held each fingerprint of this period or the last.
    let mut held: HashMap<String, HashSet<i64>> = HashMap::new();
    {
        let mut statement = tx
            .prepare(
                "SELECT period_id, fingerprint FROM findings WHERE period_id != ?1 AND fingerprint IN
                 (SELECT fingerprint FROM findings WHERE period_id = ?1 OR period_id = ?2)",
            )
            .map_err(sql)?;
        let rows = statement
            .query_map(params![id, previous.map_or(-1, |p| p.0)], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(sql)?;
        for row in rows {
            let (period, fingerprint) = row.map_err(sql)?;
            held.entry(fingerprint).or_default().insert(period);
        }
    }
    // How many of the periods before this one, from the latest back, held it in a row.
    let run = |fingerprint: &str| {
        held.get(fingerprint).map_or(0, |periods| {
            before
                .iter()
                .take_while(|(id, _)| periods.contains(id))
                .count()
        })
    };
    // A finding held by `earlier` periods in a row before the one ending at `until`, which
    // holds it too when `counts_last` (this period) and is one of them otherwise (the last).
    let tracked = |o: &Observation, earlier: usize, counts_last: bool, until: DateTime<Utc>| {
        let first = match earlier {
            0 => current.since,
            n => before[n - 1].1.since,
        };
        Tracked {
            fingerprint: o.fingerprint.clone(),
            rule: o.rule.clone(),
            grant: o.grant.clone(),
            tenant: o.tenant.clone(),
            severity: o.severity,
            first_seen: first.date_naive(),
            periods_open: earlier + usize::from(counts_last),
            weeks_open: weeks(first, until),
        }
    };
    let last_prints: HashSet<&str> = last.iter().map(|o| o.fingerprint.as_str()).collect();
    let (mut new, mut still_open) = (Vec::new(), Vec::new());
    for o in &observed.findings {
        let row = tracked(o, run(&o.fingerprint), true, current.until);
        if last_prints.contains(o.fingerprint.as_str()) {
            still_open.push(row);
        } else {
            new.push(row);
        }
    }
    let now_prints: HashSet<&str> = observed
        .findings
        .iter()
        .map(|o| o.fingerprint.as_str())
        .collect();
    let (mut fixed, mut waived, mut not_reviewed) = (Vec::new(), Vec::new(), Vec::new());
    if let Some((_, previous_period)) = previous {
        let mut insert = tx
            .prepare("INSERT OR IGNORE INTO fixes (period_id, fingerprint) VALUES (?1, ?2)")
            .map_err(sql)?;
        for o in last
            .iter()
            .filter(|o| !now_prints.contains(o.fingerprint.as_str()))
        {
            // The last period held it, so its run is at least that one.
            let row = tracked(o, run(&o.fingerprint).max(1), false, previous_period.until);
            let key = super::grant_key(o.grant.as_deref(), o.tenant.as_deref());
            if observed.waived.contains(&o.fingerprint) {
                waived.push(row);
            } else if o.grant.is_some() && observed.reviewed.contains(&key) {
                insert.execute(params![id, o.fingerprint]).map_err(sql)?;
                fixed.push(row);
            } else {
                not_reviewed.push(row);
            }
        }
    }
    // Longest open first; then by rule and grant, so the order never depends on the file.
    for list in [
        &mut new,
        &mut still_open,
        &mut fixed,
        &mut waived,
        &mut not_reviewed,
    ] {
        list.sort_by(|a, b| {
            (b.weeks_open, b.severity)
                .cmp(&(a.weeks_open, a.severity))
                .then_with(|| (&a.rule, &a.grant, &a.tenant).cmp(&(&b.rule, &b.grant, &b.tenant)))
        });
    }
    let reappearing = reappearing(tx, file, id, &since, &new)?;
    Ok(Compared {
        previous: previous.map(|p| p.1),
        new,
        still_open,
        fixed,
        waived,
        not_reviewed,
        reappearing,
    })
}

/// New findings that an earlier period fixed: their grants, with the latest period that fixed
/// one of them.
fn reappearing(
    tx: &Transaction,
    file: &str,
    id: i64,
    since: &str,
    new: &[Tracked],
) -> Result<Vec<Reappearing>, HistoryError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let sql = |e: rusqlite::Error| sql_error(file, e);
    let mut statement = tx
        .prepare(
            "SELECT fixes.fingerprint, periods.since, periods.until FROM fixes
             JOIN periods ON periods.id = fixes.period_id
             WHERE periods.since < ?1 AND fixes.fingerprint IN
                 (SELECT fingerprint FROM findings WHERE period_id = ?2)
             ORDER BY periods.since",
        )
        .map_err(sql)?;
    let rows = statement
        .query_map(params![since, id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })
        .map_err(sql)?;
    // The latest fix of each fingerprint (rows come oldest first).
    let mut fixed_in: HashMap<String, PeriodRef> = HashMap::new();
    for row in rows {
        let (fingerprint, since, until) = row.map_err(sql)?;
        let period = PeriodRef {
            since: parse_time(file, &since)?,
            until: parse_time(file, &until)?,
        };
        fixed_in.insert(fingerprint, period);
    }
    let mut grants: BTreeMap<GrantKey, (BTreeSet<String>, PeriodRef)> = BTreeMap::new();
    for t in new {
        let Some(&period) = fixed_in.get(&t.fingerprint) else {
            continue;
        };
        let entry = grants
            .entry((t.grant.clone(), t.tenant.clone()))
            .or_insert_with(|| (BTreeSet::new(), period));
        entry.0.insert(t.rule.clone());
        if period.since > entry.1.since {
            entry.1 = period;
        }
    }
    Ok(grants
        .into_iter()
        .map(|((grant, tenant), (rules, fixed_in))| Reappearing {
            grant,
            tenant,
            rules: rules.into_iter().collect(),
            fixed_in,
        })
        .collect())
}

/// Findings per rule in the last periods up to this one.
fn trends(tx: &Transaction, file: &str, current: PeriodRef) -> Result<Trends, HistoryError> {
    let sql = |e: rusqlite::Error| sql_error(file, e);
    let mut periods = periods_where(
        tx,
        file,
        "since <= ?1",
        &stamp(&current.since),
        TREND_PERIODS as i64,
    )?;
    periods.reverse();
    let mut counts: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut statement = tx
        .prepare("SELECT rule, count(*) FROM findings WHERE period_id = ?1 GROUP BY rule")
        .map_err(sql)?;
    for (i, (id, _)) in periods.iter().enumerate() {
        let rows = statement
            .query_map([id], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .map_err(sql)?;
        for row in rows {
            let (rule, count) = row.map_err(sql)?;
            counts.entry(rule).or_insert_with(|| vec![0; periods.len()])[i] =
                usize::try_from(count).unwrap_or(0);
        }
    }
    let mut rules: Vec<RuleTrend> = counts
        .into_iter()
        .map(|(rule, counts)| RuleTrend { rule, counts })
        .collect();
    // Most findings now first; ties in id order (the map's).
    rules.sort_by_key(|r| std::cmp::Reverse(r.counts.last().copied().unwrap_or(0)));
    Ok(Trends {
        periods: periods.into_iter().map(|(_, p)| p).collect(),
        rules,
    })
}

/// The latest sign-off of this period or an earlier one, and whether the period's record
/// still has the population it was signed for.
fn last_sign_off(
    tx: &Transaction,
    file: &str,
    current: PeriodRef,
) -> Result<Option<SignOff>, HistoryError> {
    let sql = |e: rusqlite::Error| sql_error(file, e);
    let found = tx
        .query_row(
            "SELECT s.id, s.since, s.until, s.reviewer, s.signed_at, s.grants, s.inputs_sha256,
                    p.grants = s.grants AND p.inputs_sha256 = s.inputs_sha256
             FROM signoffs s LEFT JOIN periods p ON p.since = s.since AND p.until = s.until
             WHERE s.since <= ?1 ORDER BY s.signed_at DESC, s.id DESC LIMIT 1",
            [stamp(&current.since)],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, i64>(5)?,
                    row.get::<_, String>(6)?,
                    row.get::<_, Option<bool>>(7)?,
                ))
            },
        )
        .optional()
        .map_err(sql)?;
    let Some((id, since, until, reviewer, signed_at, grants, inputs_sha256, matches)) = found
    else {
        return Ok(None);
    };
    let mut statement = tx
        .prepare("SELECT text FROM decisions WHERE signoff_id = ?1 ORDER BY position")
        .map_err(sql)?;
    let decisions = statement
        .query_map([id], |row| row.get::<_, String>(0))
        .map_err(sql)?
        .collect::<Result<Vec<String>, _>>()
        .map_err(sql)?;
    Ok(Some(SignOff {
        period: PeriodRef {
            since: parse_time(file, &since)?,
            until: parse_time(file, &until)?,
        },
        reviewer,
        signed_at: parse_time(file, &signed_at)?,
        decisions,
        grants: usize::try_from(grants).unwrap_or(0),
        inputs_sha256,
        matches_record: matches.unwrap_or(false),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(path: &Path) -> (i64, i64) {
        let db = Connection::open(path).unwrap();
        let get = |name| db.pragma_query_value(None, name, |r| r.get(0)).unwrap();
        (get("application_id"), get("user_version"))
    }

    /// A history at an older schema (here: marked ours, nothing applied yet) is migrated
    /// forward when opened, in the same transaction as the run's own writes.
    #[test]
    fn an_older_schema_is_migrated_forward() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let db = Connection::open(&path).unwrap();
            db.pragma_update(None, "application_id", APPLICATION_ID)
                .unwrap();
        }
        assert_eq!(version(&path), (APPLICATION_ID, 0));
        let mut history = History::open(&path, Create::No).unwrap();
        history.begin(Create::No).unwrap().commit().unwrap();
        drop(history);
        assert_eq!(version(&path), (APPLICATION_ID, SCHEMA_VERSION));
    }

    #[test]
    fn weeks_open_round_to_the_nearest_week() {
        let t = |d: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 11, d)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
        };
        assert_eq!(weeks(t(2), t(3)), 1);
        assert_eq!(weeks(t(2), t(10)), 1);
        assert_eq!(weeks(t(2), t(13)), 2);
        assert_eq!(weeks(t(2), t(23)), 3);
    }
}
