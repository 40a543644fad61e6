//! `grantlint report`: the weekly access review. `aggregate` computes the numbers once from
//! the checker's outcome and the grants it read; `markdown`, `html` and `json` only format them.

pub mod aggregate;
pub mod history_section;
pub mod html;
pub mod json;
pub mod markdown;
pub mod period;

pub use aggregate::{Inputs, Review, Settings};
pub use period::Period;

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
