//! Times and durations as DESIGN.md defines them.
//!
//! A grant time is read in two steps. `canonical` reads `2026-11-23T14:05:00Z`, the form nearly
//! every export writes, in one step and without allocating; it is all the hot path runs. Any
//! other text goes to [`read`], which knows the forms spreadsheets and ticket tools write
//! (`11/23/2026 2:05 PM`, `23/Nov/26 2:05 PM`, `27 Nov 2026 11:05`, Excel serials, …) and
//! reads them with the file's [`Dates`]: the policy's formats, month/day order and time zone.
//! The two agree on every canonical text (a property test below). `read` alone would do, but
//! costs 21% more instructions on the 100,000-row CSV benchmark (callgrind, `--format json`:
//! 1,419M against 1,168M), so the one-step reader stays.
//!
//! Month/day order. `25/11/2026` can only be day first and `11/25/2026` only month first; a
//! date such as `03/04/2026` could be either. The policy's `date_order` settles it; without one,
//! the order is learned once per file, from the whole file: the first ambiguous date makes the
//! file be read once more (single-threaded, grants thrown away) to see which orders each field's
//! unambiguous dates show (`Dates::learn`). So the answer never depends on which row comes
//! first or which segment a thread reads, and files whose dates are all ISO never pay for it.

use std::cell::RefCell;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

use canonical::canonical;

mod canonical;

/// Reads a grant time with the current file's [`Dates`] (UTC and no formats outside a file):
/// every form [`read`] knows. The error is the short reason; `read` also says what to do.
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, &'static str> {
    let s = crate::core::text::trim(text);
    match canonical(s.as_bytes()) {
        Some(time) => Ok(time),
        None => read(None, s, 0).map_err(|e| e.why),
    }
}

/// The hot path's whole share of reading a time: `Some` only for `2026-11-23T14:05:00Z`.
#[inline(always)]
pub fn canonical_time(text: &str) -> Option<DateTime<Utc>> {
    canonical(crate::core::text::trim(text).as_bytes())
}

/// How a numeric date such as `03/04/2026` puts month and day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Month first: `11/23/2026` (the US).
    Mdy,
    /// Day first: `23/11/2026` (most of the world).
    Dmy,
}

impl Order {
    pub const NAMES: [&'static str; 2] = ["mdy", "dmy"];

    pub fn name(self) -> &'static str {
        match self {
            Order::Mdy => "mdy",
            Order::Dmy => "dmy",
        }
    }

    pub fn from_name(name: &str) -> Option<Order> {
        match name.trim().to_ascii_lowercase().as_str() {
            "mdy" => Some(Order::Mdy),
            "dmy" => Some(Order::Dmy),
            _ => None,
        }
    }
}

/// A time that could not be read: the short reason, and what to do about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Unreadable {
    pub why: &'static str,
    pub help: String,
}

/// Rereads the file with the given `Dates` entered, throwing its grants away (`Dates::learn`).
pub type Reread = Box<dyn Fn(&Arc<Dates>) + Send + Sync>;

/// How one file's times are read: the policy's `date_format`s, `date_order` and `timezone`,
/// the export profile's own formats, and the month/day order learned from the file.
///
/// Loaders reach it through the thread they read on (`Dates::enter`) rather than through
/// their signatures: only the cold path of reading a time looks at it, so the hot path and
/// every loader's interface stay as they are.
pub struct Dates {
    formats: Vec<String>,
    /// An export profile's formats (Jira, ServiceNow): tried when nothing else reads a time.
    profile: &'static [&'static str],
    order: Option<Order>,
    zone: Option<Tz>,
    file: Arc<FileOrders>,
}

/// What one file's dates say about month/day order, shared by every thread reading the file.
struct FileOrders {
    learned: OnceLock<Learned>,
    reread: Option<Reread>,
    /// Set while the file is being reread to learn: the evidence goes here.
    learning: Option<Mutex<Learned>>,
}

/// Where a field's dates first showed each order (line numbers).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Seen {
    dmy: Option<u32>,
    mdy: Option<u32>,
}

impl Seen {
    fn add(&mut self, order: Order, line: u32) {
        let slot = match order {
            Order::Dmy => &mut self.dmy,
            Order::Mdy => &mut self.mdy,
        };
        *slot = Some(slot.map_or(line, |seen| seen.min(line)));
    }
}

/// How many columns learn their month/day order apart: a grant field's index (`Field as
/// usize`) is a column, and grant.rs asserts that every field has one.
pub const COLUMNS: usize = 31;

/// Per column (and one slot for times outside a field, such as an extension's `until`).
#[derive(Clone, Debug, Default)]
struct Learned([Seen; COLUMNS + 1]);

/// Why the order of an ambiguous date is not known.
enum Unknown {
    /// No date in the file tells.
    Nothing,
    /// The field's dates show both orders.
    Both { dmy: u32, mdy: u32 },
}

impl Learned {
    fn slot(column: Option<usize>) -> usize {
        column.filter(|&c| c < COLUMNS).unwrap_or(COLUMNS)
    }

    /// The order of `column`'s dates; a column whose dates never tell follows the file's other
    /// time fields when those agree (an export writes every date one way).
    fn order(&self, column: Option<usize>) -> Result<Order, Unknown> {
        let decide = |seen: Seen| match seen {
            Seen {
                dmy: Some(dmy),
                mdy: Some(mdy),
            } => Err(Unknown::Both { dmy, mdy }),
            Seen { dmy: Some(_), .. } => Ok(Order::Dmy),
            Seen { mdy: Some(_), .. } => Ok(Order::Mdy),
            _ => Err(Unknown::Nothing),
        };
        match decide(self.0[Learned::slot(column)]) {
            Err(Unknown::Nothing) => {
                let mut all = Seen::default();
                for seen in &self.0 {
                    all.dmy = all.dmy.or(seen.dmy);
                    all.mdy = all.mdy.or(seen.mdy);
                }
                match decide(all) {
                    Err(Unknown::Both { .. }) => Err(Unknown::Nothing),
                    decided => decided,
                }
            }
            decided => decided,
        }
    }
}

thread_local! {
    /// The `Dates` of the file this thread is reading (`Dates::enter`).
    static CURRENT: RefCell<Option<Arc<Dates>>> = const { RefCell::new(None) };
}

/// Outside any file: UTC, no formats, no order.
static PLAIN: LazyLock<Dates> = LazyLock::new(|| Dates::plain(None));

/// While alive, the thread reads times with its `Dates`; dropping it restores the previous.
pub struct Entered {
    previous: Option<Arc<Dates>>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

impl Dates {
    fn plain(reread: Option<Reread>) -> Dates {
        Dates {
            formats: Vec::new(),
            profile: &[],
            order: None,
            zone: None,
            file: Arc::new(FileOrders {
                learned: OnceLock::new(),
                reread,
                learning: None,
            }),
        }
    }

    /// One file's reading: the policy's formats, order and zone, and how to reread the file
    /// should its month/day order have to be learned.
    pub fn new(
        formats: Vec<String>,
        order: Option<Order>,
        zone: Option<Tz>,
        reread: Option<Reread>,
    ) -> Arc<Dates> {
        Arc::new(Dates {
            formats,
            order,
            zone,
            ..Dates::plain(reread)
        })
    }

    /// The current thread's `Dates`, with an export profile's formats added: what one
    /// ticket export is read with. It learns and shares the file's order as the original.
    pub fn with_profile(profile: &'static [&'static str]) -> Arc<Dates> {
        let current = CURRENT.with(|c| c.borrow().clone());
        let base: &Dates = current.as_deref().unwrap_or(&PLAIN);
        Arc::new(Dates {
            formats: base.formats.clone(),
            profile,
            order: base.order,
            zone: base.zone,
            file: Arc::clone(&base.file),
        })
    }

    /// Reads times on this thread with these `Dates` until the guard is dropped.
    pub fn enter(self: &Arc<Dates>) -> Entered {
        let previous = CURRENT.with(|c| c.borrow_mut().replace(Arc::clone(self)));
        Entered { previous }
    }

    fn learning(&self) -> bool {
        self.file.learning.is_some()
    }

    /// The order of `column`'s ambiguous dates, learned from the whole file once.
    fn learned(&self, column: Option<usize>) -> Result<Order, Unknown> {
        if self.file.reread.is_none() {
            return Err(Unknown::Nothing);
        }
        self.file.learned.get_or_init(|| self.learn()).order(column)
    }

    /// Reads the file once more to see which order each field's unambiguous dates show.
    fn learn(&self) -> Learned {
        let learning = Arc::new(Dates {
            formats: self.formats.clone(),
            profile: self.profile,
            order: None,
            zone: self.zone,
            file: Arc::new(FileOrders {
                learned: OnceLock::new(),
                reread: None,
                learning: Some(Mutex::new(Learned::default())),
            }),
        });
        if let Some(reread) = &self.file.reread {
            reread(&learning);
        }
        match &learning.file.learning {
            Some(seen) => seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
            None => Learned::default(),
        }
    }

    fn note(&self, column: Option<usize>, order: Order, line: u32) {
        if let Some(seen) = &self.file.learning {
            let mut seen = seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            seen.0[Learned::slot(column)].add(order, line);
        }
    }

    /// Reads a time that `canonical` did not; see [`read`].
    fn read(&self, column: Option<usize>, s: &str, line: u32) -> Result<DateTime<Utc>, Unreadable> {
        if s.len() > 64 {
            return Err(self.unreadable("too long to be a time", Hint::Forms));
        }
        if let Some(serial) = excel_serial(s) {
            return match serial {
                Ok(local) => self.place(local, None),
                Err(why) => Err(self.unreadable(why, Hint::Excel)),
            };
        }
        let iso = parse_any(s);
        if let Ok((local, offset)) = iso {
            return self.place(local, offset);
        }
        for format in &self.formats {
            if let Some((local, offset)) = strftime(s, format) {
                return self.place(local, offset);
            }
        }
        let failed = match loose(s, self.order) {
            Ok(read) => {
                if let Some(order) = read.implied {
                    self.note(column, order, line);
                }
                return self.place(read.time, read.offset);
            }
            // While learning, an ambiguous date tells nothing; its grant is thrown away.
            Err(Why::Ambiguous { first, second }) if !self.learning() => {
                match self.learned(column) {
                    Ok(order) => match loose(s, Some(order)) {
                        Ok(read) => return self.place(read.time, read.offset),
                        Err(why) => why,
                    },
                    Err(unknown) => Why::Unordered {
                        first,
                        second,
                        unknown,
                    },
                }
            }
            Err(why) => why,
        };
        for format in self.profile {
            if let Some((local, offset)) = strftime(s, format) {
                return self.place(local, offset);
            }
        }
        Err(match failed {
            Why::Shape => match iso {
                // Text that starts as ISO 8601 does: its own reader says best what is wrong.
                Err(why) if looks_iso(s) => self.unreadable(why, Hint::Forms),
                _ => self.unreadable(
                    "expected a date and time such as 2026-11-23T14:05:00Z",
                    Hint::Forms,
                ),
            },
            Why::Bad(why) => self.unreadable(why, Hint::Forms),
            Why::DateOnly => self.unreadable("a date without a time of day", Hint::DateOnly),
            Why::Zone => self.unreadable(
                "a time zone written as a name or abbreviation, which grantlint does not read",
                Hint::Zone,
            ),
            Why::AgainstOrder(order) => self.unreadable(
                "not a date in the policy's `date_order`",
                Hint::AgainstOrder(order),
            ),
            Why::Ambiguous { first, second } => self.unordered(first, second, Unknown::Nothing),
            Why::Unordered {
                first,
                second,
                unknown,
            } => self.unordered(first, second, unknown),
        })
    }

    /// An ambiguous numeric date (`first/second/…`) whose order is not known.
    fn unordered(&self, first: u32, second: u32, unknown: Unknown) -> Unreadable {
        let mut unreadable = self.unreadable(
            "day and month could be either way round; set `date_order: mdy` or `dmy`",
            Hint::Order { first, second },
        );
        if let Unknown::Both { dmy, mdy } = unknown {
            unreadable.why = "day and month could be either way round, and this column has \
                              both orders; set `date_order: mdy` or `dmy`";
            unreadable.help = format!(
                "line {dmy} has a day-first date and line {mdy} a month-first one; {}",
                unreadable.help
            );
        }
        unreadable
    }

    /// The instant of a local date and time: at its offset, else in the zone, else UTC.
    fn place(
        &self,
        local: NaiveDateTime,
        offset: Option<i64>,
    ) -> Result<DateTime<Utc>, Unreadable> {
        let out_of_range = || self.unreadable("time out of range", Hint::Forms);
        match (offset, self.zone) {
            (Some(0), _) | (None, None) => Ok(local.and_utc()),
            (Some(offset), _) => local
                .checked_sub_signed(TimeDelta::seconds(offset))
                .map(|t| t.and_utc())
                .ok_or_else(out_of_range),
            (None, Some(zone)) => match zone.from_local_datetime(&local) {
                chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
                // Clocks going back show the hour twice: the first time it is shown counts.
                chrono::LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
                chrono::LocalResult::None => Err(self.unreadable(
                    "no such local time: the clocks skip it in the time zone",
                    Hint::Gap(zone),
                )),
            },
        }
    }

    fn unreadable(&self, why: &'static str, hint: Hint) -> Unreadable {
        Unreadable {
            why,
            help: self.help(hint),
        }
    }

    /// What to do about a time that could not be read: short, and naming the policy key.
    fn help(&self, hint: Hint) -> String {
        let forms = "grantlint reads ISO 8601 (2026-11-23T14:05:00Z, 2026-11-23 14:05), \
                     11/23/2026 2:05 PM, 23 Nov 2026 14:05, Excel serials and Unix seconds";
        let mut formats = match self.formats.as_slice() {
            [] => String::new(),
            formats => format!(", the policy's date_format {}", formats.join(", ")),
        };
        if !self.profile.is_empty() {
            formats.push_str(&format!(", the export's {}", self.profile.join(", ")));
        }
        let format =
            "for another form set `mapping: {date_format: \"%d.%m.%Y %H:%M\"}` in the policy";
        match hint {
            Hint::Forms => format!("{forms}{formats}; {format}"),
            Hint::DateOnly => {
                format!("write the time of day too, as in 2026-11-23 14:05{formats}; {format}")
            }
            Hint::Excel => "format the column as a date and time before exporting, or write \
                            RFC 3339 (2026-11-23T14:05:00Z)"
                .into(),
            Hint::Zone => "write an offset (+01:00), or say how the export's times are meant: \
                           `mapping: {timezone: Europe/Berlin}` in the policy or --timezone"
                .into(),
            Hint::Gap(zone) => format!(
                "times without an offset are read in {zone} (the policy's `mapping: {{timezone}}` \
                 or --timezone); check the time, or write its offset"
            ),
            Hint::AgainstOrder(order) => format!(
                "the policy says `mapping: {{date_order: {}}}`; fix the date, or the order if \
                 the export writes {}",
                order.name(),
                match order {
                    Order::Mdy => "the day first (dmy)",
                    Order::Dmy => "the month first (mdy)",
                }
            ),
            Hint::Order { first, second } => {
                let month = |m: u32| cap(MONTHS[(m as usize).clamp(1, 12) - 1]);
                let date = format!("{first}/{second}");
                format!(
                    "say in the policy which the export writes: `mapping: {{date_order: mdy}}` \
                     ({date} is {} {second}) or `mapping: {{date_order: dmy}}` ({date} is \
                     {first} {})",
                    month(first),
                    month(second),
                )
            }
        }
    }
}

/// Capitalised, for month names in messages.
fn cap(name: &str) -> String {
    let mut out = name[..1].to_ascii_uppercase();
    out.push_str(&name[1..]);
    out
}

/// What a time's help says.
#[derive(Clone, Copy)]
enum Hint {
    Forms,
    DateOnly,
    Excel,
    Zone,
    Gap(Tz),
    AgainstOrder(Order),
    Order { first: u32, second: u32 },
}

/// Reads a time that `canonical` did not, with the current thread's [`Dates`]: RFC 3339 and
/// the other documented ISO forms; the policy's `date_format`s; numeric dates in either order
/// (`11/23/2026`, `23.11.2026`, two-digit years), month names (`23/Nov/26`, `27 Nov 2026`,
/// `Nov 27, 2026`, `2026-Nov-27`), a weekday before them, 12-hour clocks with AM/PM, `Z`, `UTC`
/// or an offset after them; Excel serial numbers (`46349.5868`); Unix seconds; an export
/// profile's formats. A time without an offset is read in the file's time zone (UTC unless
/// the policy or `--timezone` names one). `column` is the grant field read (its index), whose
/// dates learn one month/day order; `line` is where the value is, for order evidence.
pub fn read(column: Option<usize>, text: &str, line: u32) -> Result<DateTime<Utc>, Unreadable> {
    let s = crate::core::text::trim(text);
    let current = CURRENT.with(|c| c.borrow().clone());
    current.as_deref().unwrap_or(&PLAIN).read(column, s, line)
}

/// True for the ISO 8601 forms and Unix seconds, which read alike in every file.
pub fn is_iso(text: &str) -> bool {
    let s = crate::core::text::trim(text);
    canonical(s.as_bytes()).is_some() || parse_any(s).is_ok()
}

/// A value as a message shows it: at most 40 characters.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(39) {
        Some((end, _)) if text[end..].chars().nth(1).is_some() => {
            format!("{}…", &text[..end]).into()
        }
        _ => text.into(),
    }
}

/// Text that starts as an ISO 8601 date: `2026-`.
fn looks_iso(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// A decimal number of days since 1899-12-30, as Excel stores a date and time; an integer of
/// five digits is Excel's date alone. `None` for text that is neither.
fn excel_serial(s: &str) -> Option<Result<NaiveDateTime, &'static str>> {
    let (days, fraction) = s.split_once('.').unwrap_or((s, ""));
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(days) || days.len() > 7 || !(fraction.is_empty() || all_digits(fraction)) {
        return None;
    }
    if fraction.is_empty() {
        // Longer integers are Unix seconds; five digits would be 1970, not a grant's time.
        return (days.len() == 5 && days >= "20000")
            .then_some(Err("an Excel serial date without a time of day"));
    }
    let days: i64 = days.parse().ok()?;
    let fraction: f64 = format!("0.{fraction}").parse().ok()?;
    // Before 1900-03-01, Excel's serials count a 29 February 1900 that never was.
    if !(61..=2_958_465).contains(&days) {
        return Some(Err("an Excel serial date out of range"));
    }
    let seconds = (fraction * 86_400.0).round() as i64;
    Some(
        NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|epoch| epoch.and_hms_opt(0, 0, 0))
            .and_then(|epoch| epoch.checked_add_signed(TimeDelta::days(days)))
            .and_then(|day| day.checked_add_signed(TimeDelta::seconds(seconds)))
            .ok_or("an Excel serial date out of range"),
    )
}

/// A time in a chrono `strftime` format, with its offset when the format reads one.
fn strftime(s: &str, format: &str) -> Option<(NaiveDateTime, Option<i64>)> {
    if format.contains("%z") || format.contains("%:z") || format.contains("%#z") {
        let t = DateTime::parse_from_str(s, format).ok()?;
        return Some((
            t.naive_local(),
            Some(i64::from(t.offset().local_minus_utc())),
        ));
    }
    NaiveDateTime::parse_from_str(s, format)
        .ok()
        .map(|t| (t, None))
}

/// Why `loose` could not read a time.
enum Why {
    /// Not a form it knows.
    Shape,
    Bad(&'static str),
    DateOnly,
    Zone,
    /// A numeric date whose order is unknown, e.g. `03/04/2026` (first = 3, second = 4).
    Ambiguous {
        first: u32,
        second: u32,
    },
    /// Same, after the file's dates were asked.
    Unordered {
        first: u32,
        second: u32,
        unknown: Unknown,
    },
    AgainstOrder(Order),
}

/// A time `loose` read: local, with its offset if written, and the order its numeric date
/// showed when only one order could read it.
struct Loose {
    time: NaiveDateTime,
    offset: Option<i64>,
    implied: Option<Order>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Token<'a> {
    Number(u32, usize),
    Word(&'a str),
    /// A punctuation mark; a run of spaces and commas is one `b' '`.
    Mark(u8),
}

/// At most this many tokens: `Friday, November 27, 2026 11:05:00.250 PM +01:00` has 21.
const MAX_TOKENS: usize = 24;

/// Splits a time into numbers, words and marks, each with where it starts.
fn tokens(s: &str) -> Option<Vec<(Token<'_>, usize)>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let token = match b[i] {
            b'0'..=b'9' => {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if i - start > 9 {
                    return None;
                }
                Token::Number(digits(&b[start..i]).ok()?, i - start)
            }
            c if c.is_ascii_alphabetic() => {
                while i < b.len() && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                Token::Word(&s[start..i])
            }
            b' ' | b',' | b'\t' => {
                while i < b.len() && matches!(b[i], b' ' | b',' | b'\t') {
                    i += 1;
                }
                Token::Mark(b' ')
            }
            c if c.is_ascii_punctuation() => {
                i += 1;
                Token::Mark(c)
            }
            _ => return None,
        };
        out.push((token, start));
        if out.len() > MAX_TOKENS {
            return None;
        }
    }
    Some(out)
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A month's name, whole or cut to three letters or more (`Nov`, `Sept`), any case.
fn month(word: &str) -> Option<u32> {
    if word.len() < 3 {
        return None;
    }
    let word = word.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| m.starts_with(&word))
        .map(|i| i as u32 + 1)
}

fn weekday(word: &str) -> bool {
    const DAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let word = word.to_ascii_lowercase();
    word.len() >= 3 && DAYS.iter().any(|d| d.starts_with(&word))
}

/// A two-digit year as `strftime`'s `%y` reads it: 69–99 are 1969–1999, 00–68 2000–2068.
fn full_year(year: u32, len: usize) -> Option<i32> {
    match len {
        2 if year >= 69 => Some(1900 + year as i32),
        2 => Some(2000 + year as i32),
        4 => Some(year as i32),
        _ => None,
    }
}

/// Month and day of a numeric date `first/second`, and the order it shows when only one
/// order can read it.
fn month_day(
    first: u32,
    second: u32,
    order: Option<Order>,
) -> Result<(u32, u32, Option<Order>), Why> {
    let mdy = (1..=12).contains(&first) && (1..=31).contains(&second);
    let dmy = (1..=12).contains(&second) && (1..=31).contains(&first);
    match (mdy, dmy, order) {
        (false, false, _) => Err(Why::Bad("no such date")),
        (true, false, Some(Order::Dmy)) => Err(Why::AgainstOrder(Order::Dmy)),
        (false, true, Some(Order::Mdy)) => Err(Why::AgainstOrder(Order::Mdy)),
        (true, false, _) => Ok((first, second, Some(Order::Mdy))),
        (false, true, _) => Ok((second, first, Some(Order::Dmy))),
        _ if first == second => Ok((first, first, None)),
        (_, _, Some(Order::Mdy)) => Ok((first, second, None)),
        (_, _, Some(Order::Dmy)) => Ok((second, first, None)),
        (_, _, None) => Err(Why::Ambiguous { first, second }),
    }
}

/// The forms spreadsheets and ticket tools write (see [`read`]), ISO 8601's aside.
fn loose(s: &str, order: Option<Order>) -> Result<Loose, Why> {
    use Token::{Mark, Number, Word};
    let tokens = tokens(s).ok_or(Why::Shape)?;
    let mut t = tokens.as_slice();
    if let [(Word(w), _), (Mark(b' '), _), rest @ ..] = t
        && weekday(w)
    {
        t = rest;
    }
    let date_mark = |m: u8| matches!(m, b'/' | b'-' | b'.');
    let ((year, month_number, day, implied), rest) = match t {
        [
            (Number(y, 4), _),
            (Mark(a), _),
            (Number(m, 1..=2), _),
            (Mark(b), _),
            (Number(d, 1..=2), _),
            rest @ ..,
        ] if a == b && date_mark(*a) => ((*y as i32, *m, *d, None), rest),
        [
            (Number(y, 4), _),
            (Mark(a), _),
            (Word(m), _),
            (Mark(b), _),
            (Number(d, 1..=2), _),
            rest @ ..,
        ] if a == b && date_mark(*a) => ((*y as i32, month(m).ok_or(Why::Shape)?, *d, None), rest),
        [
            (Number(first, 1..=2), _),
            (Mark(a), _),
            (Number(second, 1..=2), _),
            (Mark(b), _),
            (Number(y, len @ (2 | 4)), _),
            rest @ ..,
        ] if a == b && date_mark(*a) => {
            let year = full_year(*y, *len).ok_or(Why::Shape)?;
            let (m, d, implied) = month_day(*first, *second, order)?;
            ((year, m, d, implied), rest)
        }
        [
            (Number(d, 1..=2), _),
            (Mark(a), _),
            (Word(m), _),
            (Mark(b), _),
            (Number(y, len @ (2 | 4)), _),
            rest @ ..,
        ] if a == b && (date_mark(*a) || *a == b' ') => {
            let year = full_year(*y, *len).ok_or(Why::Shape)?;
            ((year, month(m).ok_or(Why::Shape)?, *d, None), rest)
        }
        [
            (Word(m), _),
            (Mark(a), _),
            (Number(d, 1..=2), _),
            (Mark(b), _),
            (Number(y, 4), _),
            rest @ ..,
        ] if a == b && (*a == b' ' || *a == b'-') => {
            ((*y as i32, month(m).ok_or(Why::Shape)?, *d, None), rest)
        }
        _ => return Err(Why::Shape),
    };
    let date = NaiveDate::from_ymd_opt(year, month_number, day).ok_or(Why::Bad("no such date"))?;
    // The time of day: ` ` or `T`, then `H:MM`, `:SS` and a fraction if written.
    let rest = match rest {
        [] => return Err(Why::DateOnly),
        [(Mark(b' '), _), rest @ ..] => rest,
        [(Word("T" | "t"), _), rest @ ..] => rest,
        _ => return Err(Why::Shape),
    };
    let (mut hour, minute, mut rest) = match rest {
        [
            (Number(h, 1..=2), _),
            (Mark(b':'), _),
            (Number(m, 2), _),
            rest @ ..,
        ] => (*h, *m, rest),
        [] => return Err(Why::DateOnly),
        _ => return Err(Why::Shape),
    };
    let (mut second, mut nanos) = (0, 0);
    if let [(Mark(b':'), _), (Number(sec, 2), _), tail @ ..] = rest {
        second = (*sec).min(59); // a leap second counts as the second before it
        rest = tail;
        if let [(Mark(b'.' | b','), _), (Number(_, len), at), tail @ ..] = rest {
            for (i, d) in s.as_bytes()[*at..*at + len].iter().take(9).enumerate() {
                nanos += u32::from(d - b'0') * 10u32.pow(8 - i as u32);
            }
            rest = tail;
        }
    }
    let rest = match rest {
        [(Mark(b' '), _), tail @ ..] => tail,
        rest => rest,
    };
    let rest = match rest {
        [(Word(half), _), tail @ ..]
            if half.eq_ignore_ascii_case("am") || half.eq_ignore_ascii_case("pm") =>
        {
            if !(1..=12).contains(&hour) {
                return Err(Why::Bad("an hour from 1 to 12 goes with AM or PM"));
            }
            hour = hour % 12
                + if half.eq_ignore_ascii_case("pm") {
                    12
                } else {
                    0
                };
            tail
        }
        rest => rest,
    };
    if hour > 23 || minute > 59 {
        return Err(Why::Bad("no such time of day"));
    }
    let offset = match rest {
        [] => None,
        [(_, at), ..] => {
            let tail = s[*at..].trim();
            match tail {
                "" => None,
                _ if tail.eq_ignore_ascii_case("z")
                    || tail.eq_ignore_ascii_case("utc")
                    || tail.eq_ignore_ascii_case("gmt") =>
                {
                    Some(0)
                }
                _ if tail
                    .bytes()
                    .all(|b| b.is_ascii_alphabetic() || b == b'/' || b == b'_') =>
                {
                    return Err(Why::Zone);
                }
                _ => Some(parse_offset(tail.as_bytes()).map_err(Why::Bad)?),
            }
        }
    };
    let time = date
        .and_hms_nano_opt(hour, minute, second, nanos)
        .ok_or(Why::Bad("no such time of day"))?;
    Ok(Loose {
        time,
        offset,
        implied,
    })
}

/// The documented ISO 8601 forms and Unix seconds, as local date and time with the offset if
/// one is written (`None`: none; Unix seconds are UTC). The error says what is wrong.
fn parse_any(s: &str) -> Result<(NaiveDateTime, Option<i64>), &'static str> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = s.parse().map_err(|_| "Unix seconds out of range")?;
        return DateTime::from_timestamp(secs, 0)
            .map(|t| (t.naive_utc(), Some(0)))
            .ok_or("Unix seconds out of range");
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
    let offset = match rest.trim_ascii() {
        [] => None,
        rest => Some(parse_offset(rest)?),
    };
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
    Ok((local, offset))
}

/// `parse_any` read as UTC, as the fast path reads: for the test that they agree.
#[cfg(test)]
fn parse_any_utc(s: &str) -> Result<DateTime<Utc>, &'static str> {
    let (local, offset) = parse_any(s)?;
    local
        .checked_sub_signed(TimeDelta::seconds(offset.unwrap_or(0)))
        .map(|t| t.and_utc())
        .ok_or("time out of range")
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

    /// Two columns, as grant fields would be.
    #[derive(Clone, Copy, Debug)]
    enum Field {
        Start,
        Expires,
    }

    fn t(s: &str) -> String {
        parse_time(s)
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|e| format!("error: {e}"))
    }

    proptest::proptest! {
        /// The one-step reading of `YYYY-MM-DDTHH:MM:SSZ` agrees with the general one on
        /// every such text, impossible dates and times included: what it reads, the general
        /// path reads alike, and what the general path refuses, it refuses.
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
            let general = parse_any_utc(&text);
            match canonical(text.as_bytes()) {
                Some(time) => proptest::prop_assert_eq!(Ok(time), general, "{}", text),
                // A leap second is the one valid time it leaves to the general path.
                None => proptest::prop_assert!(
                    general.is_err() || text.get(17..19) == Some("60"),
                    "{} {:?}", text, general
                ),
            }
        }
    }

    proptest::proptest! {
        /// Any text, and any text shaped like the forms `loose` reads, is a time or a reason,
        /// never a panic, in a zone with daylight saving as in UTC.
        #[test]
        fn any_text_reads_or_says_why(
            text in "\\PC{0,70}",
            shaped in "[0-9]{1,4}[/.\\- ][0-9A-Za-z]{1,9}[/.\\- ][0-9]{1,4}[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,12})?)?( ?[AaPp][Mm])?( ?(Z|UTC|CET|[+-][0-9]{2}:?[0-9]{2}))?",
        ) {
            let berlin = Dates::new(Vec::new(), None, Some(chrono_tz::Europe::Berlin), None);
            for text in [&text, &shaped] {
                let _ = parse_time(text);
                let _ = with(&berlin, Field::Start, text);
            }
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

    /// Reads `text` as `field` with `dates` entered: the time in RFC 3339, or the error and
    /// its help.
    fn with(dates: &Arc<Dates>, field: Field, text: &str) -> String {
        let _entered = dates.enter();
        match read(Some(field as usize), text, 1) {
            Ok(t) => t.to_rfc3339(),
            Err(e) => format!("error: {} | {}", e.why, e.help),
        }
    }

    /// A file of (field, value, line) whose month/day order may have to be learned.
    fn file(values: &'static [(Field, &'static str, u32)], order: Option<Order>) -> Arc<Dates> {
        Dates::new(
            Vec::new(),
            order,
            None,
            Some(Box::new(move |dates| {
                let _entered = dates.enter();
                for (field, text, line) in values {
                    let _ = read(Some(*field as usize), text, *line);
                }
            })),
        )
    }

    #[test]
    fn reads_the_forms_spreadsheets_and_ticket_tools_write() {
        let at = |s| t(s) == "2026-11-23T14:05:00+00:00";
        for text in [
            "11/23/2026 2:05 PM",
            "11/23/2026 02:05:00 pm",
            "11/23/26 14:05",
            "23/11/2026 14:05",
            "23.11.2026 14:05",
            "23-11-2026 14:05:00",
            "Nov 23 2026 2:05 PM",
            "November 23, 2026 2:05 PM",
            "Monday, November 23, 2026 2:05 PM",
            "23 Nov 2026 14:05",
            "23 November 2026 14:05",
            "23/Nov/26 2:05 PM",
            "23-Nov-26 14:05",
            "23-NOV-2026 14:05",
            "2026-Nov-23 14:05",
            "2026/11/23 14:05",
            "2026-11-23 02:05 PM",
            "2026-11-23 14:05:00",
            "2026-11-23T14:05:00.000+0000",
            "23 Nov 2026 15:05 +01:00",
            "Nov 23 2026 2:05 PM UTC",
            "46349.5868",
        ] {
            assert!(at(text), "{text}: {}", t(text));
        }
        assert_eq!(t("11/23/2026 12:05 AM"), "2026-11-23T00:05:00+00:00");
        assert_eq!(t("11/23/2026 12:05 PM"), "2026-11-23T12:05:00+00:00");
        assert_eq!(t("Sept 3 2026 09:00"), "2026-09-03T09:00:00+00:00");
        // Two-digit years as strftime's %y: 69–99 are the 1900s.
        assert_eq!(t("13/02/69 10:00 AM").get(..4), Some("1969"));
        assert_eq!(t("13/02/68 10:00").get(..4), Some("2068"));
    }

    #[test]
    fn says_what_is_wrong_with_a_spreadsheet_form() {
        assert!(t("11/23/2026 13:05 PM").starts_with("error: an hour from 1 to 12"));
        assert!(t("11/31/2026 10:00").starts_with("error: no such date"));
        assert!(t("31/31/2026 10:00").starts_with("error: no such date"));
        assert!(t("11/23/2026").starts_with("error: a date without a time of day"));
        assert!(t("Nov 23 2026 14:05 PST").starts_with("error: a time zone written as"));
        assert!(t("46349").starts_with("error: an Excel serial date without a time"));
        assert!(t("12.5").starts_with("error: an Excel serial date out of range"));
        let dates = Dates::new(Vec::new(), None, None, None);
        let long = "9".repeat(30) + " o'clock on the " + &"x".repeat(100);
        let help = with(&dates, Field::Start, &long);
        assert!(help.starts_with("error: too long to be a time"), "{help}");
        assert!(help.contains("`mapping: {date_format:"), "{help}");
        assert_eq!(shown(&long).chars().count(), 40);
        assert_eq!(shown("11/23/2026 2:05 PM"), "11/23/2026 2:05 PM");
    }

    #[test]
    fn an_ambiguous_date_asks_for_the_order_and_the_policy_order_settles_it() {
        let plain = Dates::new(Vec::new(), None, None, None);
        let unknown = with(&plain, Field::Start, "03/04/2026 10:00");
        assert!(
            unknown.starts_with(
                "error: day and month could be either way round; set `date_order: mdy` or `dmy`"
            ) && unknown.contains("`mapping: {date_order: mdy}` (3/4 is March 4)")
                && unknown.contains("`mapping: {date_order: dmy}` (3/4 is 3 April)"),
            "{unknown}"
        );
        // The same number twice reads alike either way.
        assert_eq!(t("04/04/2026 10:00"), "2026-04-04T10:00:00+00:00");
        let mdy = Dates::new(Vec::new(), Some(Order::Mdy), None, None);
        let dmy = Dates::new(Vec::new(), Some(Order::Dmy), None, None);
        assert_eq!(
            with(&mdy, Field::Start, "03/04/2026 10:00"),
            "2026-03-04T10:00:00+00:00"
        );
        assert_eq!(
            with(&dmy, Field::Start, "03/04/2026 10:00"),
            "2026-04-03T10:00:00+00:00"
        );
        let against = with(&mdy, Field::Start, "25/11/2026 10:00");
        assert!(
            against.starts_with("error: not a date in the policy's `date_order`")
                && against.contains("`mapping: {date_order: mdy}`"),
            "{against}"
        );
    }

    #[test]
    fn the_order_is_learned_from_the_whole_file_whatever_comes_first() {
        use Field::{Expires, Start};
        // The ambiguous date comes before, or after, the one that tells.
        for values in [
            &[
                (Start, "03/04/2026 10:00", 2),
                (Start, "25/11/2026 10:00", 3),
            ][..],
            &[
                (Start, "25/11/2026 10:00", 2),
                (Start, "03/04/2026 10:00", 3),
            ][..],
        ] {
            let values: &'static [(Field, &str, u32)] =
                Box::leak(values.to_vec().into_boxed_slice());
            assert_eq!(
                with(&file(values, None), Start, "03/04/2026 10:00"),
                "2026-04-03T10:00:00+00:00"
            );
        }
        static US: &[(Field, &str, u32)] = &[
            (Start, "03/04/2026 10:00", 2),
            (Start, "11/23/2026 10:00", 3),
        ];
        assert_eq!(
            with(&file(US, None), Start, "03/04/2026 10:00"),
            "2026-03-04T10:00:00+00:00"
        );
        // A field whose dates never tell follows the other fields when they agree.
        static OTHER: &[(Field, &str, u32)] = &[
            (Start, "03/04/2026 10:00", 2),
            (Expires, "25/04/2026 10:00", 2),
        ];
        assert_eq!(
            with(&file(OTHER, None), Start, "03/04/2026 10:00"),
            "2026-04-03T10:00:00+00:00"
        );
        // Nothing tells, or the column holds both orders: the order must be said.
        static NOTHING: &[(Field, &str, u32)] = &[
            (Start, "03/04/2026 10:00", 2),
            (Start, "05/06/2026 10:00", 3),
        ];
        assert!(with(&file(NOTHING, None), Start, "03/04/2026 10:00").contains("date_order: dmy"));
        static BOTH: &[(Field, &str, u32)] = &[
            (Start, "03/04/2026 10:00", 2),
            (Start, "11/23/2026 10:00", 7),
            (Start, "25/11/2026 10:00", 9),
        ];
        let both = with(&file(BOTH, None), Start, "03/04/2026 10:00");
        assert!(
            both.contains("this column has both orders; set `date_order: mdy` or `dmy`")
                && both.contains("line 9 has a day-first date and line 7 a month-first one"),
            "{both}"
        );
        // The policy's order wins over what the file shows.
        assert_eq!(
            with(&file(US, Some(Order::Dmy)), Start, "03/04/2026 10:00"),
            "2026-04-03T10:00:00+00:00"
        );
    }

    #[test]
    fn the_policy_formats_are_tried_in_order() {
        let dates = Dates::new(
            vec!["%Y%m%d %H%M".into(), "%d.%m.%Y um %H:%M".into()],
            None,
            None,
            None,
        );
        assert_eq!(
            with(&dates, Field::Start, "20261123 1405"),
            "2026-11-23T14:05:00+00:00"
        );
        assert_eq!(
            with(&dates, Field::Start, "23.11.2026 um 14:05"),
            "2026-11-23T14:05:00+00:00"
        );
        let help = with(&dates, Field::Start, "tomorrow");
        assert!(
            help.contains("the policy's date_format %Y%m%d %H%M, %d.%m.%Y um %H:%M"),
            "{help}"
        );
    }

    #[test]
    fn an_export_profile_says_the_order_only_when_nothing_else_does() {
        // ServiceNow's default format writes month first.
        const SERVICENOW: &[&str] = &["%m/%d/%Y %H:%M:%S"];
        for (order, read) in [
            (None, "2026-03-04T10:00:00+00:00"),
            (Some(Order::Dmy), "2026-04-03T10:00:00+00:00"),
        ] {
            let file = Dates::new(Vec::new(), order, None, None);
            let _file = file.enter();
            let profile = Dates::with_profile(SERVICENOW);
            assert_eq!(with(&profile, Field::Start, "03/04/2026 10:00:00"), read);
        }
        // A date that only one order reads is read so, whatever the profile writes.
        let profile = Dates::with_profile(SERVICENOW);
        let help = with(&profile, Field::Start, "soon");
        assert!(help.contains(", the export's %m/%d/%Y %H:%M:%S;"), "{help}");
        assert_eq!(
            with(&profile, Field::Start, "25/11/2026 10:00:00"),
            "2026-11-25T10:00:00+00:00"
        );
    }

    #[test]
    fn a_time_zone_reads_times_without_an_offset() {
        let zone: Tz = "Europe/Berlin".parse().unwrap();
        let berlin = Dates::new(Vec::new(), None, Some(zone), None);
        let read = |s| with(&berlin, Field::Start, s);
        assert_eq!(read("2026-11-23 15:05"), "2026-11-23T14:05:00+00:00");
        assert_eq!(read("23/Nov/26 3:05 PM"), "2026-11-23T14:05:00+00:00");
        assert_eq!(read("2026-07-01 16:05"), "2026-07-01T14:05:00+00:00");
        assert_eq!(read("46349.6285"), "2026-11-23T14:05:02+00:00");
        // A written offset, and Unix seconds, say their own instant.
        assert_eq!(read("2026-11-23 14:05Z"), "2026-11-23T14:05:00+00:00");
        assert_eq!(
            read("2026-11-23T16:05:00+02:00"),
            "2026-11-23T14:05:00+00:00"
        );
        assert_eq!(read("1795442700"), "2026-11-23T14:05:00+00:00");
        // Clocks forward: the skipped hour is no time; back: the first 02:30 counts.
        let gap = read("2026-03-29 02:30");
        assert!(
            gap.starts_with("error: no such local time") && gap.contains("Europe/Berlin"),
            "{gap}"
        );
        assert_eq!(read("2026-10-25 02:30"), "2026-10-25T00:30:00+00:00");
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
