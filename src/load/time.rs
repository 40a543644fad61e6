//! Times and durations as DESIGN.md defines them, parsed without allocating.

use chrono::{DateTime, TimeDelta, Utc};

/// Reads a grant time: RFC 3339 / ISO 8601 (`2026-11-23T14:05:00Z`, `+02:00`, fractions),
/// `2026-11-23 14:05[:00]` with optional `Z`, `UTC` or offset, `2026-11-23T14:05`, or integer
/// Unix seconds. A time without an offset is UTC.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, &'static str> {
    let s = crate::grant::trim(text);
    match canonical(s.as_bytes()) {
        Some(time) => Ok(time),
        None => parse_any(s),
    }
}

/// `2026-11-23T14:05:00Z`, the form nearly every export writes, read in one step. `None` for
/// anything else, valid or not: the general path reads it and explains what is wrong.
fn canonical(b: &[u8]) -> Option<DateTime<Utc>> {
    let &[
        y1,
        y2,
        y3,
        y4,
        b'-',
        m1,
        m2,
        b'-',
        d1,
        d2,
        b'T',
        h1,
        h2,
        b':',
        n1,
        n2,
        b':',
        s1,
        s2,
        b'Z',
    ] = b
    else {
        return None;
    };
    let number = |b: &[u8]| digits(b).ok();
    let date = (
        number(&[y1, y2, y3, y4])?,
        number(&[m1, m2])?,
        number(&[d1, d2])?,
    );
    let (hour, minute, second) = (number(&[h1, h2])?, number(&[n1, n2])?, number(&[s1, s2])?);
    if hour > 23 || minute > 59 || second > 59 {
        return None; // a leap second, or no such time: the general path's business
    }
    calendar_date(date)?
        .and_hms_opt(hour, minute, second)
        .map(|t| t.and_utc())
}

/// A calendar date, remembered per thread: a grant's times, and neighbouring grants', mostly
/// fall on one day, and finding a date's place in the calendar is most of reading a time.
fn calendar_date((year, month, day): (u32, u32, u32)) -> Option<chrono::NaiveDate> {
    type Remembered = Option<((u32, u32, u32), chrono::NaiveDate)>;
    thread_local! {
        static LAST: std::cell::Cell<Remembered> = const { std::cell::Cell::new(None) };
    }
    LAST.with(|last| match last.get() {
        Some((key, date)) if key == (year, month, day) => Some(date),
        _ => {
            let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
            last.set(Some(((year, month, day), date)));
            Some(date)
        }
    })
}

/// Every documented form; the error says what is wrong.
fn parse_any(s: &str) -> Result<DateTime<Utc>, &'static str> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = s.parse().map_err(|_| "Unix seconds out of range")?;
        return DateTime::from_timestamp(secs, 0).ok_or("Unix seconds out of range");
    }
    let b = s.as_bytes();
    if b.len() < 16 {
        return Err(if b.len() == 10 {
            "a date without a time of day"
        } else {
            "expected a date and time such as 2026-11-23T14:05:00Z"
        });
    }
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' {
        return Err("expected a date and time such as 2026-11-23T14:05:00Z");
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let mut rest = &b[16..];
    let mut second = 0;
    let mut nanos = 0;
    if let [b':', s1, s2, tail @ ..] = rest {
        second = digits(&[*s1, *s2])?;
        rest = tail;
        if let [b'.' | b',', tail @ ..] = rest {
            let n = tail.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return Err("a decimal point without fraction digits");
            }
            for (i, d) in tail[..n.min(9)].iter().enumerate() {
                nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
            }
            rest = &tail[n..];
        }
    }
    let offset_secs = parse_offset(rest)?;
    if month == 0 || month > 12 || day == 0 || day > days_in_month(year, month) {
        return Err("no such date");
    }
    if second == 60 {
        second = 59; // a leap second counts as the second before it
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err("no such time of day");
    }
    // Built from the calendar date directly: converting through Unix seconds would make
    // chrono find the date again by division, for each of a grant's several times.
    let local = chrono::NaiveDate::from_ymd_opt(year as i32, month, day)
        .and_then(|date| date.and_hms_nano_opt(hour, minute, second, nanos))
        .ok_or("time out of range")?;
    let utc = match offset_secs {
        0 => Some(local),
        offset => local.checked_sub_signed(TimeDelta::seconds(offset)),
    };
    utc.map(|t| t.and_utc()).ok_or("time out of range")
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `` (UTC), `Z`, ` UTC`, `+02:00`, `+0200`, `+02`, with an optional space before.
fn parse_offset(rest: &[u8]) -> Result<i64, &'static str> {
    let rest = rest.trim_ascii_start();
    match rest {
        [] | [b'Z' | b'z'] => Ok(0),
        _ if rest.eq_ignore_ascii_case(b"UTC") || rest.eq_ignore_ascii_case(b"GMT") => Ok(0),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (h, m) = match tail {
                [h1, h2] => (digits(&[*h1, *h2])?, 0),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                    (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?)
                }
                _ => return Err("an offset must look like +02:00"),
            };
            if h > 23 || m > 59 {
                return Err("offset out of range");
            }
            let secs = i64::from(h * 3600 + m * 60);
            Ok(if *sign == b'-' { -secs } else { secs })
        }
        _ => Err("unexpected text after the time; allowed are Z, UTC or an offset like +02:00"),
    }
}

fn digits(b: &[u8]) -> Result<u32, &'static str> {
    b.iter().try_fold(0u32, |acc, &c| {
        if c.is_ascii_digit() {
            Ok(acc * 10 + u32::from(c - b'0'))
        } else {
            Err("expected a date and time such as 2026-11-23T14:05:00Z")
        }
    })
}

/// Reads a policy duration: `30m`, `4h`, `1h30m`, `7d`, `90s`, or ISO 8601 `PT4H`, `P1DT2H`.
pub fn parse_duration(text: &str) -> Result<TimeDelta, &'static str> {
    let s = text.trim();
    if s.is_empty() {
        return Err("an empty duration");
    }
    let upper = s.to_ascii_uppercase();
    let (body, iso) = match upper.strip_prefix('P') {
        Some(body) => (body.to_string(), true),
        None => (upper, false),
    };
    let mut total: i64 = 0;
    let mut number: Option<i64> = None;
    let mut in_time = !iso;
    let mut units = 0;
    for c in body.chars() {
        match c {
            '0'..='9' => {
                let d = i64::from(c as u8 - b'0');
                number = Some(
                    number
                        .unwrap_or(0)
                        .checked_mul(10)
                        .and_then(|n| n.checked_add(d))
                        .ok_or("duration too large")?,
                );
            }
            'T' if iso && !in_time && number.is_none() => in_time = true,
            'W' | 'D' | 'H' | 'M' | 'S' => {
                let n = number.take().ok_or("a unit without a number before it")?;
                let unit = match (c, in_time) {
                    ('W', false) => 7 * 86_400,
                    ('D', _) if !iso || !in_time => 86_400,
                    ('H', true) => 3_600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return Err("units are d, h, m, s (or ISO 8601 like PT4H)"),
                };
                total = n
                    .checked_mul(unit)
                    .and_then(|v| total.checked_add(v))
                    .ok_or("duration too large")?;
                units += 1;
            }
            ' ' => {}
            _ => return Err("units are d, h, m, s (or ISO 8601 like PT4H)"),
        }
    }
    if number.is_some() {
        return Err("a number needs a unit, as in 4h or 30m");
    }
    if units == 0 {
        return Err("expected a duration such as 4h, 30m, 1h30m, 7d or PT4H");
    }
    TimeDelta::try_seconds(total).ok_or("duration too large")
}

/// Writes a duration the way policies do: `4h`, `1h30m`, `7d`, `45s`.
pub fn format_duration(d: TimeDelta) -> String {
    let mut secs = d.num_seconds();
    if secs == 0 {
        return "0m".into();
    }
    let mut out = String::new();
    if secs < 0 {
        out.push('-');
        secs = -secs;
    }
    for (unit, len) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= len {
            out.push_str(&format!("{}{unit}", secs / len));
            secs %= len;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> String {
        parse_time(s)
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    proptest::proptest! {
        /// The one-step reading of `YYYY-MM-DDTHH:MM:SSZ` agrees with the general one on
        /// every such text, impossible dates and times included.
        #[test]
        fn the_common_form_reads_as_the_general_path_does(
            (year, month, day) in (0u32..10_000, 0u32..=13, 0u32..=32),
            (hour, minute, second) in (0u32..=24, 0u32..=60, 0u32..=61),
            noise in proptest::option::of((0usize..20, proptest::char::range('+', 'Z'))),
        ) {
            let mut text =
                format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z");
            if let Some((at, c)) = noise {
                text.replace_range(at..at + 1, &c.to_string());
            }
            proptest::prop_assert_eq!(parse_time(&text), parse_any(&text), "{}", text);
        }
    }

    #[test]
    fn reads_every_documented_time_form() {
        let utc = "2026-11-23T14:05:00+00:00";
        assert_eq!(t("2026-11-23T14:05:00Z"), utc);
        assert_eq!(t("2026-11-23T16:05:00+02:00"), utc);
        assert_eq!(t("2026-11-23T09:05:00-05:00"), utc);
        assert_eq!(t("2026-11-23 14:05"), utc);
        assert_eq!(t("2026-11-23 14:05:00"), utc);
        assert_eq!(t("2026-11-23 14:05 UTC"), utc);
        assert_eq!(t("2026-11-23 14:05Z"), utc);
        assert_eq!(t("2026-11-23 16:05 +02:00"), utc);
        assert_eq!(t("2026-11-23T14:05"), utc);
        assert_eq!(t("1795442700"), utc);
        assert_eq!(
            t("2026-11-23T14:05:00.250Z"),
            "2026-11-23T14:05:00.250+00:00"
        );
        assert_eq!(t(" 2026-11-23t14:05:00z "), utc);
    }

    #[test]
    fn calendar_dates_and_offsets_are_exact() {
        assert_eq!(t("1969-12-31T23:00:00-02:00"), "1970-01-01T01:00:00+00:00");
        assert_eq!(t("2000-03-01T00:30:00+01:00"), "2000-02-29T23:30:00+00:00");
        assert_eq!(t("1600-01-01 00:00 UTC"), "1600-01-01T00:00:00+00:00");
        assert!(t("2100-02-29T10:00Z").starts_with("error: no such date"));
        assert_eq!(t("2024-02-29T10:00Z"), "2024-02-29T10:00:00+00:00");
        assert_eq!(t("2026-11-23T23:59:60Z"), "2026-11-23T23:59:59+00:00");
    }

    #[test]
    fn rejects_what_is_not_a_time() {
        assert!(t("tomorrow").starts_with("error"));
        assert!(t("2026-11-23").starts_with("error: a date without"));
        assert!(t("2026-02-30T10:00Z").starts_with("error: no such date"));
        assert!(t("2026-11-23T25:00Z").starts_with("error"));
        assert!(t("2026-11-23T14:05 CET").starts_with("error"));
        assert!(t("2026-11-23T14:05:00+25:00").starts_with("error"));
        assert!(t("99999999999999999999").starts_with("error"));
        assert!(t("2026-11-23T14:05:00.Z").starts_with("error"));
    }

    #[test]
    fn reads_durations() {
        let secs = |s| parse_duration(s).map(|d| d.num_seconds());
        assert_eq!(secs("30m"), Ok(1800));
        assert_eq!(secs("4h"), Ok(14_400));
        assert_eq!(secs("1h30m"), Ok(5400));
        assert_eq!(secs("7d"), Ok(604_800));
        assert_eq!(secs("PT4H"), Ok(14_400));
        assert_eq!(secs("pt1h30m"), Ok(5400));
        assert_eq!(secs("P1DT2H"), Ok(93_600));
        assert!(secs("4").is_err());
        assert!(secs("h").is_err());
        assert!(secs("4x").is_err());
        assert!(secs("").is_err());
        assert!(secs("PT").is_err());
        assert!(secs("99999999999999999999d").is_err());
    }

    #[test]
    fn formats_durations_as_policies_write_them() {
        assert_eq!(format_duration(TimeDelta::minutes(90)), "1h30m");
        assert_eq!(format_duration(TimeDelta::hours(6)), "6h");
        assert_eq!(format_duration(TimeDelta::seconds(4 * 3600 + 60)), "4h1m");
        assert_eq!(format_duration(TimeDelta::days(3)), "3d");
    }
}
