//! The review period: `--since`/`--until`, the previous period of the same length, and when a
//! grant's window overlaps a period.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// A half-open span of time, `since` included, `until` not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// The default period: the seven days before now.
pub const DEFAULT_LENGTH: TimeDelta = TimeDelta::days(7);

impl Period {
    /// The period from the command line: `until` defaults to now, `since` to seven days
    /// before `until`.
    pub fn new(
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Period, String> {
        let until = until.unwrap_or(now);
        let since = since.unwrap_or(until - DEFAULT_LENGTH);
        if since >= until {
            return Err(format!(
                "--since ({}) must be before --until ({})",
                since.format("%Y-%m-%d %H:%M UTC"),
                until.format("%Y-%m-%d %H:%M UTC")
            ));
        }
        Ok(Period { since, until })
    }

    /// The period of the same length that ends where this one starts.
    pub fn previous(&self) -> Period {
        Period {
            since: (self.since)
                .checked_sub_signed(self.until - self.since)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            until: self.since,
        }
    }

    /// True when a window from `start` to `end` overlaps the period. A window that is a single
    /// moment (`start == end`) belongs to the period that contains it.
    pub fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        start < self.until && (end > self.since || (start >= self.since && end >= start))
    }

    pub fn contains(&self, time: DateTime<Utc>) -> bool {
        self.since <= time && time < self.until
    }
}

/// `--since`: a date (midnight UTC at its start) or a time as grants write them.
pub fn parse_since(text: &str) -> Result<DateTime<Utc>, String> {
    parse_day_or_time(text, 0)
}

/// `--until`: a date counts whole (up to the midnight after it), or a time as grants write them.
pub fn parse_until(text: &str) -> Result<DateTime<Utc>, String> {
    parse_day_or_time(text, 1)
}

fn parse_day_or_time(text: &str, days_after: i64) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let midnight = day.and_time(chrono::NaiveTime::MIN).and_utc();
        return Ok(midnight + TimeDelta::days(days_after));
    }
    crate::core::time::parse_time(text).map_err(|why| not_a_date(text, why))
}

/// What `--since` and `--until` say to a value they cannot read: the forms they take, and the
/// value rewritten in them when it is a day written another way (`11/23/2026`, `23.11.2026`).
fn not_a_date(text: &str, why: &str) -> String {
    const FORMS: &str = "--since and --until take a day as year-month-day (2026-11-23) or a time \
                         (2026-11-23T09:00:00Z)";
    let days = other_day_forms(text);
    match days.as_slice() {
        [day] => format!("write this day as {}; {FORMS}", day.format("%Y-%m-%d")),
        [a, b] => format!(
            "write this day as {} or {}, whichever is meant; {FORMS}",
            a.format("%Y-%m-%d"),
            b.format("%Y-%m-%d")
        ),
        // A time's own fault (an hour of 25) is worth saying; a date parser's guess is not.
        _ if text.contains(':') => format!("{why}; {FORMS}"),
        _ => format!("not a day or a time grantlint reads; {FORMS}"),
    }
}

/// The days `text` may mean when it is three numbers with `/`, `.` or `-` between them other
/// than year-month-day: month/day/year, day/month/year (a two-digit year is 20xx), or
/// year/month/day.
fn other_day_forms(text: &str) -> Vec<NaiveDate> {
    let parts: Vec<&str> = text.split(['/', '.', '-']).collect();
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let [Some(a), Some(b), Some(c)] = [0, 1, 2].map(|i| parts.get(i).copied().and_then(number))
    else {
        return Vec::new();
    };
    if parts.len() != 3 {
        return Vec::new();
    }
    let year = |y: u32, digits: usize| match digits {
        4 => i32::try_from(y).ok(),
        2 => i32::try_from(2000 + y).ok(),
        _ => None,
    };
    let mut days: Vec<NaiveDate> = if parts[0].len() == 4 {
        year(a, 4)
            .and_then(|y| NaiveDate::from_ymd_opt(y, b, c))
            .into_iter()
            .collect()
    } else {
        let Some(y) = year(c, parts[2].len()) else {
            return Vec::new();
        };
        [(a, b), (b, a)]
            .into_iter()
            .filter_map(|(month, day)| NaiveDate::from_ymd_opt(y, month, day))
            .collect()
    };
    days.dedup();
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn defaults_to_the_seven_days_before_now_and_compares_with_the_week_before() {
        let p = Period::new(None, None, t("2026-11-24T12:00:00Z")).unwrap();
        assert_eq!(p.since, t("2026-11-17T12:00:00Z"));
        assert_eq!(p.until, t("2026-11-24T12:00:00Z"));
        let prev = p.previous();
        assert_eq!(prev.since, t("2026-11-10T12:00:00Z"));
        assert_eq!(prev.until, p.since);
        assert!(Period::new(Some(p.until), Some(p.since), p.until).is_err());
    }

    #[test]
    fn dates_cover_whole_days() {
        assert_eq!(
            parse_since("2026-11-17").unwrap(),
            t("2026-11-17T00:00:00Z")
        );
        assert_eq!(
            parse_until("2026-11-23").unwrap(),
            t("2026-11-24T00:00:00Z")
        );
        assert_eq!(
            parse_until("2026-11-23T08:00:00+01:00").unwrap(),
            t("2026-11-23T07:00:00Z")
        );
        assert!(parse_since("last week").is_err());
    }

    #[test]
    fn a_day_written_another_way_is_rewritten_in_the_message() {
        let e = parse_since("11/23/2026").unwrap_err();
        assert!(e.starts_with("write this day as 2026-11-23; "), "{e}");
        let e = parse_until("23.11.26").unwrap_err();
        assert!(e.starts_with("write this day as 2026-11-23; "), "{e}");
        let e = parse_since("03/04/2026").unwrap_err();
        assert!(
            e.starts_with("write this day as 2026-03-04 or 2026-04-03, "),
            "{e}"
        );
        let e = parse_since("2026/11/23").unwrap_err();
        assert!(e.starts_with("write this day as 2026-11-23; "), "{e}");
        let e = parse_since("11/11/2026").unwrap_err();
        assert!(e.starts_with("write this day as 2026-11-11; "), "{e}");
        let e = parse_since("last week").unwrap_err();
        assert!(e.starts_with("not a day or a time grantlint reads; --since and --until take a day as year-month-day (2026-11-23)"), "{e}");
        assert!(
            parse_since("99/99/2026")
                .unwrap_err()
                .starts_with("not a day")
        );
    }

    #[test]
    fn windows_overlap_at_either_edge() {
        let p = Period {
            since: t("2026-11-17T00:00:00Z"),
            until: t("2026-11-24T00:00:00Z"),
        };
        // Started before, ended inside; started inside, ends after; spans it whole.
        assert!(p.overlaps(t("2026-11-16T23:00:00Z"), t("2026-11-17T01:00:00Z")));
        assert!(p.overlaps(t("2026-11-23T23:00:00Z"), t("2026-11-24T03:00:00Z")));
        assert!(p.overlaps(t("2026-11-01T00:00:00Z"), t("2026-12-01T00:00:00Z")));
        // Ended exactly as the period began; starts exactly as it ends.
        assert!(!p.overlaps(t("2026-11-16T22:00:00Z"), t("2026-11-17T00:00:00Z")));
        assert!(!p.overlaps(t("2026-11-24T00:00:00Z"), t("2026-11-24T02:00:00Z")));
        // A moment inside the period.
        assert!(p.overlaps(t("2026-11-17T00:00:00Z"), t("2026-11-17T00:00:00Z")));
    }
}
