//! `grantlint report`: the weekly access review. `aggregate` computes the numbers once from
//! the checker's outcome and the grants it read; `markdown`, `html` and `json` only format them.

pub mod aggregate;
pub mod attachments;
pub mod history_section;
pub mod html;
pub mod json;
pub mod markdown;
pub mod period;

pub use aggregate::{Inputs, Review, Settings};
pub use period::Period;

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;

/// What the review keeps of each grant read: its place, start and tenant always (a finding
/// finds its grant by its place, a repeat-tenant span groups grants by tenant and start), and
/// its other times and texts ([`Details`]) when the review may show the grant. A grant in
/// neither the period nor the one before is kept as a stand-in of 40 bytes
/// ([`Record::keep_for`]); the few a shown repeat-tenant span reaches are read again
/// ([`refill`]). So a review's memory grows with the grants of its period, not with the
/// grants read.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The input it was read from, by its index among the inputs.
    pub file: u32,
    /// Where the grant starts in its file: every finding about it points at or after it.
    pub line: u32,
    pub column: u32,
    pub start: Option<chrono::DateTime<chrono::Utc>>,
    /// Its tenant's number among the [`Tenants`] read, so a stand-in is placed in its
    /// tenant's spans without its text.
    tenant: Option<NonZeroU32>,
    /// `None` for a stand-in.
    details: Option<Box<Details>>,
}

// The stand-in's size is the review's memory per grant outside its periods.
const _: () = assert!(std::mem::size_of::<Record>() <= 40);
// Where each text ends fits `Details::ends`, so no grant goes unkept.
const _: () = assert!(TEXTS * KEPT_TEXT_BYTES <= u16::MAX as usize);

/// The tenants of the grants read, each once, by the key repeat-tenant compares them by
/// ([`crate::rules::tenant_key`]: trimmed, case aside), numbered as they are first read. A
/// record holds its tenant's number: tenants are told apart exactly, and a stand-in is placed
/// in its tenant's spans without its text. Shared by the threads that read (one lock per
/// grant: a lookup, and an insertion per tenant).
#[derive(Default)]
pub struct Tenants {
    known: std::sync::Mutex<Known>,
}

/// Each tenant's key and number, both ways.
#[derive(Default)]
struct Known {
    numbers: HashMap<Arc<str>, NonZeroU32>,
    keys: Vec<Arc<str>>,
}

impl Tenants {
    /// The number of the tenant written `tenant`; `None` past four billion tenants.
    fn number(&self, tenant: &str) -> Option<NonZeroU32> {
        let tenant = crate::core::text::trim(tenant);
        crate::rules::with_tenant_key(tenant, |key| {
            let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
            let Known { numbers, keys } = &mut *known;
            if let Some(&number) = numbers.get(key) {
                return Some(number);
            }
            let number = NonZeroU32::new(u32::try_from(keys.len() + 1).ok()?)?;
            let key: Arc<str> = Arc::from(key);
            keys.push(Arc::clone(&key));
            numbers.insert(key, number);
            Some(number)
        })
    }

    /// The key of tenant `number`, as repeat-tenant compares tenants.
    pub fn key(&self, number: NonZeroU32) -> Option<Arc<str>> {
        let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        known.keys.get(number.get() as usize - 1).cloned()
    }
}

/// A record's times besides the start, and its texts in one allocation (each text cut at
/// [`KEPT_TEXT_BYTES`], "…").
#[derive(Clone, Debug, PartialEq)]
struct Details {
    approved_at: Option<chrono::DateTime<chrono::Utc>>,
    expires: Option<chrono::DateTime<chrono::Utc>>,
    /// The latest end its extensions allow: expiry-enforced holds the grant to it.
    extended_until: Option<chrono::DateTime<chrono::Utc>>,
    ended_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Which of the [`Text`]s the grant has (a bit each).
    present: u16,
    /// Where each [`Text`] ends in `texts` (at most nine texts of 1 KB each); the approvers,
    /// one by one, follow.
    ends: [u16; TEXTS],
    texts: Box<str>,
}

/// The texts of a [`Record`], in the order they are kept.
#[derive(Clone, Copy, Debug)]
enum Text {
    Id,
    Tenant,
    Grantee,
    Role,
    Reason,
    /// Everyone who approved, as shown: several approvals joined by ", ".
    Approver,
    Owner,
    Ticket,
    Status,
}

const TEXTS: usize = 9;

/// The review's period and the one before, as they decide whether a grant is kept whole: its
/// window meets one of them, or it has no start (the undated are shown).
#[derive(Clone, Copy)]
pub struct Periods<'a> {
    pub settings: &'a Settings,
    pub period: Period,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Periods<'_> {
    /// Whether a grant with these times and `status` is in neither period.
    fn outside(
        &self,
        start: Option<chrono::DateTime<chrono::Utc>>,
        times: &Details,
        status: Option<&str>,
    ) -> bool {
        start.is_some_and(|start| {
            let (from, to) = aggregate::window(
                start,
                times.ended_at,
                times.expires,
                times.extended_until,
                status,
                self.settings,
                self.now,
            );
            !self.period.overlaps(from, to) && !self.period.previous().overlaps(from, to)
        })
    }
}

impl Record {
    /// The hook for `check_with` that keeps every grant whole, numbering tenants in `tenants`.
    pub fn keep_whole(
        tenants: &Tenants,
    ) -> impl Fn(usize, &crate::grant::Grant) -> Option<Record> + Sync + '_ {
        move |file, grant| Record::kept(file, grant, tenants, |_, _| false)
    }

    /// The hook for `check_with` of the review: every grant is kept, as a stand-in when it is
    /// outside `periods`, else whole; tenants are numbered in `tenants`.
    pub fn keep_for<'a>(
        periods: Periods<'a>,
        tenants: &'a Tenants,
    ) -> impl Fn(usize, &crate::grant::Grant) -> Option<Record> + Sync + 'a {
        move |file, grant| {
            Record::kept(file, grant, tenants, |start, times| {
                periods.outside(start, times, grant.text(crate::grant::Field::Status))
            })
        }
    }

    /// Keeps `grant`: a stand-in when `outside`, asked with its start and other times (no
    /// texts yet), says so.
    fn kept(
        file: usize,
        grant: &crate::grant::Grant,
        tenants: &Tenants,
        outside: impl FnOnce(Option<chrono::DateTime<chrono::Utc>>, &Details) -> bool,
    ) -> Option<Record> {
        thread_local! {
            /// The texts and the approvers being gathered: a million grants make a million
            /// records, each one allocation of its own size, not a few growing ones.
            static SCRATCH: std::cell::RefCell<(String, String)> = Default::default();
        }
        use crate::grant::Field;
        let mut record = Record {
            file: u32::try_from(file).ok()?,
            line: grant.span.line,
            column: grant.span.column,
            start: grant.time(Field::Start),
            tenant: grant.text(Field::Tenant).and_then(|t| tenants.number(t)),
            details: None,
        };
        let mut details = Details {
            approved_at: grant.time(Field::ApprovedAt),
            expires: grant.time(Field::Expires),
            extended_until: grant.extended_until(),
            ended_at: grant.time(Field::EndedAt),
            present: 0,
            ends: [0; TEXTS],
            texts: Box::default(),
        };
        if outside(record.start, &details) {
            return Some(record); // a stand-in
        }
        SCRATCH.with_borrow_mut(|(all, approvers)| {
            all.clear();
            approvers.clear();
            // The approvers one by one (several for multi-approver systems), each cut, after
            // the other texts and each after a separator no name holds once kept.
            grant.each_approver(|approver, _| {
                if let Some(approver) = approver {
                    let approver = show::clip_to(approver, KEPT_TEXT_BYTES);
                    approvers.push('\u{0}');
                    if approver.contains('\u{0}') {
                        approvers.push_str(&approver.replace('\u{0}', ""));
                    } else {
                        approvers.push_str(&approver);
                    }
                }
            });
            let id = grant.id();
            let texts: [Option<&str>; TEXTS] = [
                id.as_deref(),
                grant.text(Field::Tenant),
                grant.text(Field::Grantee),
                grant.text(Field::Role),
                grant.text(Field::Reason),
                None, // the approvers joined, below
                grant.text(Field::Owner),
                grant.text(Field::Ticket),
                grant.text(Field::Status),
            ];
            for (k, text) in texts.iter().enumerate() {
                if k == Text::Approver as usize && !approvers.is_empty() {
                    // Everyone who approved, joined by ", ", cut as one text.
                    details.present |= 1 << k;
                    let from = all.len();
                    for (n, name) in approvers.split('\u{0}').skip(1).enumerate() {
                        if n > 0 {
                            all.push_str(", ");
                        }
                        all.push_str(name);
                    }
                    if all.len() - from > KEPT_TEXT_BYTES {
                        let joined = show::clip_to(&all[from..], KEPT_TEXT_BYTES).into_owned();
                        all.truncate(from);
                        all.push_str(&joined);
                    }
                } else if let Some(text) = text {
                    details.present |= 1 << k;
                    all.push_str(&show::clip_to(text, KEPT_TEXT_BYTES));
                }
                details.ends[k] = u16::try_from(all.len()).ok()?;
            }
            all.push_str(approvers);
            details.texts = Box::from(all.as_str());
            Some(())
        })?;
        record.details = Some(Box::new(details));
        Some(record)
    }

    /// Whether the grant is kept as a stand-in: in neither the review's period nor the one
    /// before ([`Record::keep_for`]), so the review asks nothing of it but its place, start
    /// and tenant, until [`refill`] reads it again for a span that shows it.
    pub fn outside(&self) -> bool {
        self.details.is_none()
    }

    /// Its tenant's number among the [`Tenants`] read: the same for every spelling that
    /// differs only in case, as repeat-tenant groups grants.
    pub fn tenant_number(&self) -> Option<NonZeroU32> {
        self.tenant
    }

    pub fn approved_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.details.as_ref()?.approved_at
    }

    pub fn expires(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.details.as_ref()?.expires
    }

    /// The latest end its extensions allow: expiry-enforced holds the grant to it.
    pub fn extended_until(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.details.as_ref()?.extended_until
    }

    pub fn ended_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.details.as_ref()?.ended_at
    }

    fn text(&self, text: Text) -> Option<&str> {
        let details = self.details.as_ref()?;
        let k = text as usize;
        if details.present & (1 << k) == 0 {
            return None;
        }
        let from = if k == 0 { 0 } else { details.ends[k - 1] };
        details
            .texts
            .get(usize::from(from)..usize::from(details.ends[k]))
    }

    /// Everyone who approved, one by one.
    pub fn approvers(&self) -> impl Iterator<Item = &str> {
        let rest = (self.details.as_ref())
            .and_then(|d| d.texts.get(usize::from(d.ends[TEXTS - 1])..))
            .unwrap_or("");
        rest.split('\u{0}').skip(1)
    }

    /// What the grant says of itself, as the list of grants shows it.
    pub fn grant_text(&self) -> crate::check::GrantText {
        let owned = |text: Option<&str>| text.map(str::to_string);
        crate::check::GrantText {
            id: owned(self.id()),
            tenant: owned(self.tenant()),
            grantee: owned(self.grantee()),
            role: owned(self.role()),
            reason: owned(self.reason()),
            approver: owned(self.approver()),
        }
    }
}

/// Replaces the stand-ins `wanted` (indices into `records`) with their whole records, read
/// again by `read`: it reads every input, hands each grant to the hook it is given, and
/// returns what the hook kept, in input order (`check_with` of a policy without rules).
/// Grants are matched by place, and by their order among grants of one place; each must be
/// the grant read first: the same start and tenant (numbered in `tenants`, as at the first
/// reading), and a stand-in still outside `periods`. Err: the first grant, in input order,
/// that is not, said in a sentence naming its file (by `files`) and place: the file changed
/// between the readings.
pub fn refill(
    records: &mut [Record],
    wanted: &[usize],
    tenants: &Tenants,
    periods: Periods,
    files: &[String],
    read: impl FnOnce(&(dyn Fn(usize, &crate::grant::Grant) -> Option<Record> + Sync)) -> Vec<Record>,
) -> Result<(), String> {
    use std::collections::{HashSet, VecDeque};
    type Place = (u32, u32, u32);
    let place = |r: &Record| (r.file, r.line, r.column);
    let places: HashSet<Place> = (wanted.iter())
        .filter_map(|&i| records.get(i).map(place))
        .collect();
    if places.is_empty() {
        return Ok(());
    }
    // Every grant at a wanted place, in input order: the second reading hands them back in
    // the same order.
    let mut at: HashMap<Place, VecDeque<usize>> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        if places.contains(&place(r)) {
            at.entry(place(r)).or_default().push_back(i);
        }
    }
    let keep = Record::keep_whole(tenants);
    let again = read(&|file, grant| {
        let here = (
            u32::try_from(file).ok()?,
            grant.span.line,
            grant.span.column,
        );
        places.contains(&here).then(|| keep(file, grant)).flatten()
    });
    let changed = |r: &Record| {
        let file = files
            .get(r.file as usize)
            .map_or("an input", String::as_str);
        format!(
            "{file}:{}:{}: the file changed while the review read it; run the review again \
             once it is written whole",
            r.line, r.column
        )
    };
    for record in again {
        let slot = at.get_mut(&place(&record)).and_then(VecDeque::pop_front);
        let Some(kept) = slot.and_then(|i| records.get_mut(i)) else {
            return Err(changed(&record));
        };
        let same = (kept.start, kept.tenant) == (record.start, record.tenant);
        let outside = (record.details.as_deref())
            .is_some_and(|times| periods.outside(record.start, times, record.status()));
        if !same || (kept.outside() && !outside) {
            return Err(changed(&record));
        }
        if kept.outside() {
            *kept = record;
        }
    }
    match at.values().filter_map(|left| left.front()).min() {
        Some(&i) => Err(records.get(i).map(changed).unwrap_or_default()),
        None => Ok(()),
    }
}

/// A record's texts, each by its name: `record.tenant()`.
macro_rules! texts {
    ($($(#[$doc:meta])* $name:ident: $text:ident,)*) => {
        impl Record {
            $($(#[$doc])* pub fn $name(&self) -> Option<&str> {
                self.text(Text::$text)
            })*
        }
    };
}

texts! {
    /// Named as every report names it: the id, else the ticket.
    id: Id,
    tenant: Tenant,
    grantee: Grantee,
    role: Role,
    reason: Reason,
    /// Everyone who approved, as shown: several approvals joined by ", ".
    approver: Approver,
    owner: Owner,
    ticket: Ticket,
    status: Status,
}

/// The longest text the review keeps of one value, in bytes.
pub const KEPT_TEXT_BYTES: usize = 1024;

/// `--format` of `grantlint report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReviewFormat {
    Markdown,
    Html,
    Json,
}

impl Review {
    pub fn render(&self, format: ReviewFormat) -> String {
        match format {
            ReviewFormat::Markdown => markdown::render(self),
            ReviewFormat::Html => html::render(self),
            ReviewFormat::Json => json::render(self),
        }
    }
}

/// How the renderers write times and optional values.
pub(crate) mod show {
    use chrono::{DateTime, Utc};

    pub fn time(t: &DateTime<Utc>) -> String {
        t.format("%Y-%m-%d %H:%M").to_string()
    }

    pub fn opt_time(t: &Option<DateTime<Utc>>) -> String {
        t.as_ref().map_or_else(|| "—".into(), time)
    }

    pub fn text(value: &Option<String>) -> &str {
        value.as_deref().unwrap_or("—")
    }

    pub fn percent(share: f64) -> String {
        format!("{:.0}%", share * 100.0)
    }

    /// How many rows of each table the Markdown and HTML pages show, most urgent first; the
    /// rest are counted ("and N more") and listed whole in the JSON review and the
    /// `--attachments` files, so a page of 100,000 grants stays a page a browser opens.
    pub const ROWS: usize = 50;

    /// The longest text a page shows of one value, in bytes: a 1 MB reason is cut with "…".
    pub const TEXT_BYTES: usize = 240;

    /// At most the first [`ROWS`] of `items`.
    pub fn first<T>(items: &[T]) -> &[T] {
        &items[..items.len().min(ROWS)]
    }

    /// "… and 1234 more": what a table leaves out of `total`, or `None` when it shows all.
    pub fn more(total: usize, what: &str) -> Option<String> {
        (total > ROWS).then(|| {
            format!(
                "… and {} more {what}: every one is in the JSON review and in the files of \
                 `--attachments DIR`.",
                total - ROWS
            )
        })
    }

    /// What the pages say under the headline when the period holds no grant of those read.
    pub fn none_in_period(headline: &super::aggregate::Headline) -> Option<String> {
        (headline.grants.current == 0 && headline.read > 0).then(|| {
            let read = match headline.read {
                1 => "the grant read falls".to_string(),
                n => format!("the {n} grants read falls"),
            };
            format!(
                "None of {read} in this period: if some were expected, check `--since` and \
                 `--until`."
            )
        })
    }

    /// How many problems of a repeat tenant the pages name, and how many tickets of each.
    pub const PROBLEMS: usize = 5;
    pub const TICKETS: usize = 10;

    /// The problems the pages name: those of two grants or more, at most [`PROBLEMS`].
    pub fn recurring(
        problems: &[super::aggregate::Problem],
    ) -> impl Iterator<Item = &super::aggregate::Problem> {
        problems.iter().filter(|p| p.grants >= 2).take(PROBLEMS)
    }

    /// The first [`TICKETS`] of `list`, joined, with "…" when there are more.
    pub fn some(list: &[String]) -> String {
        let mut out = list[..list.len().min(TICKETS)].join(", ");
        if list.len() > TICKETS {
            out.push_str(", …");
        }
        out
    }

    /// `text` cut to at most [`TEXT_BYTES`] bytes, at a character boundary, with "…".
    pub fn clip(text: &str) -> std::borrow::Cow<'_, str> {
        clip_to(text, TEXT_BYTES)
    }

    pub fn clip_to(text: &str, bytes: usize) -> std::borrow::Cow<'_, str> {
        if text.len() <= bytes {
            return text.into();
        }
        let mut end = bytes.saturating_sub('…'.len_utf8());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &text[..end]).into()
    }
}

#[cfg(test)]
mod tests;
