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

/// What the review keeps of each grant: its record, with each text cut at
/// [`KEPT_TEXT_BYTES`] ("…"), so a million grants with long reasons stay in memory as a
/// million short ones. The JSON review and the attachments show the texts so cut.
pub fn keep(file: usize, grant: &crate::grant::Grant) -> Option<crate::check::GrantRecord> {
    let mut record = crate::check::GrantRecord::keep(file, grant)?;
    let text = &mut record.text;
    for value in [
        &mut text.id,
        &mut text.tenant,
        &mut text.grantee,
        &mut text.role,
        &mut text.reason,
        &mut text.approver,
        &mut record.owner,
        &mut record.ticket,
        &mut record.status,
    ] {
        if let Some(v) = value
            && v.len() > KEPT_TEXT_BYTES
        {
            *v = show::clip_to(v, KEPT_TEXT_BYTES).into_owned();
        }
    }
    Some(record)
}

/// What the review keeps of one grant read: the whole record when the review may show it,
/// else a [`Mark`]: where the grant is, so the findings about it still map to it and to no
/// other, and what repeat-tenant's spans need to know whether it belongs to one. A week's
/// review of a year's export so keeps a week's records, not a year's.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // inline, so `split` turns the list into the records in place
pub enum Kept {
    Record(crate::check::GrantRecord),
    Mark(Mark),
}

/// A grant the review does not show: outside the period, the one before and repeat-tenant's
/// reach around both.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mark {
    pub file: usize,
    pub span: crate::core::span::Span,
    pub start: chrono::DateTime<chrono::Utc>,
    /// [`aggregate::tenant_hash`] of its tenant, when it has one.
    pub tenant: Option<u64>,
    /// How many records come before it, in input order.
    pub before: usize,
}

/// The hook for `check_with` that keeps a record of the grants the review of `period` may show
/// (their window overlaps it or the period before, they start within repeat-tenant's `within`
/// of either, or they have no start) and a [`Mark`] of the rest.
pub fn keeper<'s>(
    period: Period,
    settings: &'s Settings,
    now: chrono::DateTime<chrono::Utc>,
) -> impl Fn(usize, &crate::grant::Grant) -> Option<Kept> + Sync + 's {
    use crate::grant::Field;
    let previous = period.previous();
    let reach = |t: chrono::DateTime<chrono::Utc>, by: chrono::TimeDelta| t.checked_add_signed(by);
    let from = reach(previous.since, -settings.repeat_within)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    let to = reach(period.until, settings.repeat_within)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
    move |file, grant| {
        let start = grant.time(Field::Start);
        let shown = start.is_none_or(|start| {
            (from..=to).contains(&start) || {
                // The status as the record would keep it, so the window is the record's.
                let status = grant
                    .text(Field::Status)
                    .map(|s| show::clip_to(s, KEPT_TEXT_BYTES));
                let window = aggregate::window(
                    start,
                    grant.time(Field::EndedAt),
                    grant.time(Field::Expires),
                    grant.extended_until(),
                    status.as_deref(),
                    settings,
                    now,
                );
                period.overlaps(window.0, window.1) || previous.overlaps(window.0, window.1)
            }
        });
        Some(match (shown, start) {
            (false, Some(start)) => Kept::Mark(Mark {
                file,
                span: grant.span,
                start,
                tenant: grant
                    .text(Field::Tenant)
                    .map(|t| aggregate::tenant_hash(&show::clip_to(t, KEPT_TEXT_BYTES))),
                before: 0,
            }),
            _ => Kept::Record(keep(file, grant)?),
        })
    }
}

/// The records and the marks of [`keeper`]'s grants, each mark placed among the records.
pub fn split(kept: Vec<Kept>) -> (Vec<crate::check::GrantRecord>, Vec<Mark>) {
    let mut marks = Vec::new();
    let mut before = 0;
    for k in &kept {
        match k {
            Kept::Record(_) => before += 1,
            Kept::Mark(mark) => marks.push(Mark { before, ..*mark }),
        }
    }
    // Collected in place (the records fit where the list was): a million records are never
    // held twice.
    let mut records: Vec<crate::check::GrantRecord> = (kept.into_iter())
        .filter_map(|k| match k {
            Kept::Record(record) => Some(record),
            Kept::Mark(_) => None,
        })
        .collect();
    if records.len() < records.capacity() / 2 {
        records.shrink_to_fit();
    }
    (records, marks)
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
