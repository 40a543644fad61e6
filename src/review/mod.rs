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

/// What the review keeps of each grant read, whatever the period: its times and its texts in
/// one allocation (each text cut at [`KEPT_TEXT_BYTES`], "…"). Every grant is kept, so a
/// repeat-tenant span around a grant live since long before the period finds its grants
/// without a second reading of the inputs, and a record costs what its texts cost (about 140
/// bytes besides them), not one allocation per text. The rows the review shows are built from
/// it only for the grants shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub file: usize,
    /// Where the grant starts in its file: every finding about it points at or after it.
    pub line: u32,
    pub column: u32,
    pub approved_at: Option<chrono::DateTime<chrono::Utc>>,
    pub start: Option<chrono::DateTime<chrono::Utc>>,
    pub expires: Option<chrono::DateTime<chrono::Utc>>,
    /// The latest end its extensions allow: expiry-enforced holds the grant to it.
    pub extended_until: Option<chrono::DateTime<chrono::Utc>>,
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Which of the [`Text`]s the grant has (a bit each).
    present: u16,
    /// Kept for repeat-tenant's spans only: the grant is in neither the period nor the one
    /// before, so the review shows it only as a span's grant (its tenant, start, id, grantee,
    /// reason, ticket) and keeps none of its other texts ([`Record::keep_for`]).
    outside: bool,
    /// Where each [`Text`] ends in `texts`; the approvers, one by one, follow.
    ends: [u32; TEXTS],
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

/// The texts a repeat-tenant span shows of a grant ([`Record::outside`]).
const SPAN_TEXTS: [usize; 5] = [
    Text::Id as usize,
    Text::Tenant as usize,
    Text::Grantee as usize,
    Text::Reason as usize,
    Text::Ticket as usize,
];

impl Record {
    /// The hook for `check_with` that keeps a record of every grant.
    pub fn keep(file: usize, grant: &crate::grant::Grant) -> Option<Record> {
        Record::kept(file, grant, |_| false)
    }

    /// The hook for `check_with` of the review of `period`: every grant is kept (a finding
    /// finds its grant by its place, a repeat-tenant span may hold any grant of its tenant),
    /// but a grant in neither `period` nor the one before keeps only what a span shows.
    pub fn keep_for(
        settings: &Settings,
        period: Period,
        now: chrono::DateTime<chrono::Utc>,
    ) -> impl Fn(usize, &crate::grant::Grant) -> Option<Record> + Sync + '_ {
        let previous = period.previous();
        move |file, grant| {
            Record::kept(file, grant, |r: &Record| {
                // A grant without a start belongs to no period but is shown (undated, unknown).
                r.start.is_some_and(|start| {
                    let (from, to) = aggregate::window(
                        start,
                        r.ended_at,
                        r.expires,
                        r.extended_until,
                        grant.text(crate::grant::Field::Status),
                        settings,
                        now,
                    );
                    !period.overlaps(from, to) && !previous.overlaps(from, to)
                })
            })
        }
    }

    /// Keeps `grant`; `outside` is asked with its times (and no texts) kept.
    fn kept(
        file: usize,
        grant: &crate::grant::Grant,
        outside: impl Fn(&Record) -> bool,
    ) -> Option<Record> {
        thread_local! {
            /// The texts and the approvers being gathered: a million grants make a million
            /// records, each one allocation of its own size, not a few growing ones.
            static SCRATCH: std::cell::RefCell<(String, String)> = Default::default();
        }
        use crate::grant::Field;
        let mut record = Record {
            file,
            line: grant.span.line,
            column: grant.span.column,
            approved_at: grant.time(Field::ApprovedAt),
            start: grant.time(Field::Start),
            expires: grant.time(Field::Expires),
            extended_until: grant.extended_until(),
            ended_at: grant.time(Field::EndedAt),
            present: 0,
            outside: false,
            ends: [0; TEXTS],
            texts: Box::default(),
        };
        record.outside = outside(&record);
        let slim = record.outside;
        let shown = move |text: Text| !slim || SPAN_TEXTS.contains(&(text as usize));
        SCRATCH.with_borrow_mut(|(all, approvers)| {
            all.clear();
            approvers.clear();
            // The approvers one by one (several for multi-approver systems), each cut, after
            // the other texts and each after a separator no name holds once kept.
            if shown(Text::Approver) {
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
            }
            let id = grant.id();
            let texts: [Option<&str>; TEXTS] = [
                id.as_deref(),
                grant.text(Field::Tenant),
                grant.text(Field::Grantee),
                grant.text(Field::Role).filter(|_| shown(Text::Role)),
                grant.text(Field::Reason),
                None, // the approvers joined, below
                grant.text(Field::Owner).filter(|_| shown(Text::Owner)),
                grant.text(Field::Ticket),
                grant.text(Field::Status).filter(|_| shown(Text::Status)),
            ];
            let (mut present, mut ends) = (0u16, [0u32; TEXTS]);
            for (k, text) in texts.iter().enumerate() {
                if k == Text::Approver as usize && !approvers.is_empty() {
                    // Everyone who approved, joined by ", ", cut as one text.
                    present |= 1 << k;
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
                    present |= 1 << k;
                    all.push_str(&show::clip_to(text, KEPT_TEXT_BYTES));
                }
                ends[k] = u32::try_from(all.len()).ok()?;
            }
            all.push_str(approvers);
            record.present = present;
            record.ends = ends;
            record.texts = Box::from(all.as_str());
            Some(record)
        })
    }

    /// Whether the grant is in neither the review's period nor the one before
    /// ([`Record::keep_for`]): the review asks nothing of it but a span's texts.
    pub fn outside(&self) -> bool {
        self.outside
    }

    fn text(&self, text: Text) -> Option<&str> {
        let k = text as usize;
        if self.present & (1 << k) == 0 {
            return None;
        }
        let from = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        self.texts.get(from..self.ends[k] as usize)
    }

    /// Everyone who approved, one by one.
    pub fn approvers(&self) -> impl Iterator<Item = &str> {
        let rest = self
            .texts
            .get(self.ends[TEXTS - 1] as usize..)
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
