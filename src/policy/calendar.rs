//! `calendars:`: named working hours in a time zone, for conditions such as "access outside
//! business hours needs an incident link".
//!
//! ```yaml
//! calendars:
//!   business: {zone: Europe/Berlin, days: mon-fri, hours: "09:00-18:00", holidays: [2026-12-25]}
//! ```
//!
//! A time is within a calendar when, in the calendar's zone, its date is not a holiday, its
//! weekday is one of `days` and its time of day is within `hours` (start included, end not;
//! `22:00-06:00` runs over midnight). A later layer's calendar replaces one of the same name.

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use crate::core::node::{Node, Value, span};
use crate::core::source::{PolicyError, Source, did_you_mean};
use crate::load::mapping::{parse_timezone, zone_hint};

const KEYS: [&str; 4] = ["zone", "days", "hours", "holidays"];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

#[derive(Debug, PartialEq)]
pub struct Calendar {
    pub name: String,
    pub zone: Tz,
    /// A bit per weekday, Monday first.
    days: u8,
    /// Minutes after midnight: from (included), to (excluded).
    hours: (u32, u32),
    holidays: Vec<NaiveDate>,
}

impl Calendar {
    /// True when `time` falls within the calendar's working hours.
    pub fn contains(&self, time: DateTime<Utc>) -> bool {
        let local = time.with_timezone(&self.zone);
        if self.holidays.contains(&local.date_naive()) {
            return false;
        }
        if self.days & (1 << local.weekday().num_days_from_monday()) == 0 {
            return false;
        }
        let minute = local.hour() * 60 + local.minute();
        let (from, to) = self.hours;
        if from <= to {
            (from..to).contains(&minute)
        } else {
            minute >= from || minute < to
        }
    }
}

/// Every calendar of every layer.
#[derive(Debug, Default)]
pub struct Calendars {
    pub list: Vec<Arc<Calendar>>,
}

impl Calendars {
    pub fn get(&self, name: &str) -> Option<&Arc<Calendar>> {
        self.list.iter().find(|c| c.name == name)
    }

    /// Adds one layer's `calendars:`, reporting every problem with its place.
    pub fn add_layer(&mut self, source: &Source, node: &Node, errors: &mut Vec<PolicyError>) {
        let is = (
            "calendars",
            "a mapping from a calendar's name to its zone, days, hours and holidays",
        );
        let help = Some(
            "write e.g. `calendars: {business: {zone: Europe/Berlin, days: mon-fri, hours: \"09:00-18:00\"}}`",
        );
        for (key, value) in crate::core::source::section_entries(source, node, is, help, errors) {
            let name = key.value.as_scalar().unwrap_or("").trim().to_string();
            if let Some(calendar) = one(source, name, value, errors) {
                self.list.retain(|c| c.name != calendar.name);
                self.list.push(Arc::new(calendar));
            }
        }
    }
}

fn one(
    source: &Source,
    name: String,
    node: &Node,
    errors: &mut Vec<PolicyError>,
) -> Option<Calendar> {
    let mut error = |at: &Node, message: String, help: Option<String>| {
        errors.push(PolicyError::new(source, Some(span(at)), message, help));
    };
    let Value::Map(entries) = &node.value else {
        error(
            node,
            format!(
                "the calendar `{name}` is a mapping with zone, days, hours and holidays, not {}",
                node.value.kind()
            ),
            None,
        );
        return None;
    };
    let mut zone = None;
    let mut days = Some(0b0001_1111); // Monday to Friday
    let mut hours = Some((0, 24 * 60));
    let mut holidays = Some(Vec::new());
    let mut has_zone = false;
    for (key, value) in entries {
        let text = value.value.as_scalar().unwrap_or("");
        match key.value.as_scalar().unwrap_or("") {
            "zone" => {
                has_zone = true;
                zone = match parse_timezone(text) {
                    Ok(zone) => Some(zone),
                    Err(why) => {
                        error(value, format!("`zone` {why}"), zone_hint(text));
                        None
                    }
                }
            }
            "days" => {
                days = parse_days(value).map_err(|(m, h)| error(value, m, h)).ok();
            }
            "hours" => {
                hours = parse_hours(text)
                    .ok_or(())
                    .map_err(|()| {
                        error(
                            value,
                            format!("`hours` `{text}` is not a span of the day"),
                            Some("write e.g. \"09:00-18:00\" (24-hour clock, start-end)".into()),
                        )
                    })
                    .ok();
            }
            "holidays" => holidays = parse_holidays(value, &mut error),
            other => error(
                key,
                format!("unknown key `{other}` in the calendar `{name}`"),
                did_you_mean(other, KEYS)
                    .or_else(|| Some("a calendar has zone, days, hours and holidays".into())),
            ),
        }
    }
    if !has_zone {
        error(
            node,
            format!("the calendar `{name}` needs a `zone`"),
            Some("name the time zone its hours are in, e.g. `zone: Europe/Berlin`".into()),
        );
    }
    Some(Calendar {
        name,
        zone: zone?,
        days: days?,
        hours: hours?,
        holidays: holidays?,
    })
}

/// `mon-fri`, `sat, sun`, or a list of such.
fn parse_days(node: &Node) -> Result<u8, (String, Option<String>)> {
    let items: Vec<&str> = match &node.value {
        Value::List(items) => items.iter().filter_map(|i| i.value.as_scalar()).collect(),
        other => vec![other.as_scalar().unwrap_or("")],
    };
    let day = |d: &str| {
        let d = d.trim().to_ascii_lowercase();
        let d = d.get(..3).unwrap_or(&d).to_string();
        DAYS.iter()
            .position(|x| *x == d)
            .ok_or_else(|| (format!("`{d}` is not a weekday"), did_you_mean(&d, DAYS)))
    };
    let mut bits = 0u8;
    for item in items.iter().flat_map(|i| i.split(',')) {
        match item.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (day(from)?, day(to)?);
                let mut d = from;
                loop {
                    bits |= 1 << d;
                    if d == to {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => bits |= 1 << day(item)?,
        }
    }
    if bits == 0 {
        return Err((
            "`days` names no weekday".into(),
            Some("write e.g. `mon-fri` or `[sat, sun]`".into()),
        ));
    }
    Ok(bits)
}

/// `09:00-18:00` as minutes after midnight; `24:00` ends a day.
fn parse_hours(text: &str) -> Option<(u32, u32)> {
    let (from, to) = text.split_once('-')?;
    let minute = |t: &str| {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
    };
    let (from, to) = (minute(from)?, minute(to)?);
    (from != to).then_some((from, to))
}

fn parse_holidays(
    node: &Node,
    error: &mut impl FnMut(&Node, String, Option<String>),
) -> Option<Vec<NaiveDate>> {
    let Value::List(items) = &node.value else {
        error(
            node,
            format!("`holidays` is a list of dates, not {}", node.value.kind()),
            Some("write e.g. `holidays: [2026-12-24, 2026-12-25]`".into()),
        );
        return None;
    };
    let mut dates = Vec::new();
    let mut ok = true;
    for item in items {
        let text = item.value.as_scalar().unwrap_or("").trim();
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => dates.push(date),
            Err(_) => {
                ok = false;
                error(
                    item,
                    format!("holiday `{text}` is not a date"),
                    Some("write a date as YYYY-MM-DD, e.g. 2026-12-25".into()),
                );
            }
        }
    }
    ok.then_some(dates)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(yaml: &str) -> (Calendars, Vec<String>) {
        let (source, node) = Source::parsed("p.yaml", yaml);
        let mut errors = Vec::new();
        let mut calendars = Calendars::default();
        calendars.add_layer(&source, &node, &mut errors);
        (calendars, errors.iter().map(|e| e.brief(true)).collect())
    }

    fn at(text: &str) -> DateTime<Utc> {
        crate::core::time::parse_time(text).unwrap()
    }

    #[test]
    fn business_hours_in_a_zone_with_holidays() {
        let (c, errors) = read(
            "business: {zone: Europe/Berlin, days: mon-fri, hours: '09:00-18:00', holidays: [2026-12-25]}\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let b = c.get("business").unwrap();
        // Monday 23 November 2026: Berlin is UTC+1.
        assert!(b.contains(at("2026-11-23T08:00:00Z")), "09:00 in Berlin");
        assert!(!b.contains(at("2026-11-23T07:59:00Z")), "08:59 in Berlin");
        assert!(!b.contains(at("2026-11-23T17:00:00Z")), "18:00 is the end");
        assert!(!b.contains(at("2026-11-28T10:00:00Z")), "a Saturday");
        assert!(
            !b.contains(at("2026-12-25T10:00:00Z")),
            "a holiday (a Friday)"
        );
    }

    #[test]
    fn night_shifts_run_over_midnight_and_days_wrap() {
        let (c, errors) = read("night: {zone: UTC, days: 'fri-mon', hours: '22:00-06:00'}\n");
        assert!(errors.is_empty(), "{errors:?}");
        let n = c.get("night").unwrap();
        assert!(n.contains(at("2026-11-23T23:00:00Z")), "Monday late");
        assert!(n.contains(at("2026-11-22T03:00:00Z")), "Sunday early");
        assert!(!n.contains(at("2026-11-24T23:00:00Z")), "a Tuesday");
        assert!(!n.contains(at("2026-11-23T12:00:00Z")), "noon");
    }

    #[test]
    fn every_mistake_is_located() {
        let (_, errors) = read(concat!(
            "a: {zone: Europe/Berln, days: mon-fry, hours: '9-18', holidays: [2026-13-01]}\n",
            "b: {days: mon, huors: '09:00-17:00'}\n",
        ));
        assert_eq!(
            errors,
            [
                "1:11 `zone` `Europe/Berln` is not an IANA time zone name (did you mean `Europe/Berlin`?)",
                "1:31 `fry` is not a weekday (did you mean `fri`?)",
                "1:47 `hours` `9-18` is not a span of the day (write e.g. \"09:00-18:00\" (24-hour clock, start-end))",
                "1:66 holiday `2026-13-01` is not a date (write a date as YYYY-MM-DD, e.g. 2026-12-25)",
                "2:16 unknown key `huors` in the calendar `b` (did you mean `hours`?)",
                "2:4 the calendar `b` needs a `zone` (name the time zone its hours are in, e.g. `zone: Europe/Berlin`)",
            ]
        );
    }
}
