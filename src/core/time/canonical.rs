//! The fast path of reading a time: `2026-11-23T14:05:00Z`, the form nearly every export
//! writes, in one step and without allocating. Kept apart from the general reader (`super`),
//! which reads the same texts alike (a property test there) and explains what is wrong.

use chrono::{DateTime, Utc};

use super::digits;

/// `2026-11-23T14:05:00Z`, the form nearly every export writes, read in one step. `None` for
/// anything else, valid or not: the general path reads it and explains what is wrong.
pub(super) fn canonical(b: &[u8]) -> Option<DateTime<Utc>> {
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
