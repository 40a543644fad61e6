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
}

#[cfg(test)]
mod tests;
