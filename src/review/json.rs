//! `report --format json`: the review's aggregates, for dashboards.

use super::Review;

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Document<'a> {
    tool: Tool,
    #[serde(flatten)]
    review: &'a Review,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

pub fn render(review: &Review) -> String {
    let document = Document {
        tool: Tool {
            name: "grantlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        review,
    };
    // Plain structs of strings and numbers: serialising cannot fail.
    let mut out = serde_json::to_string_pretty(&document).unwrap_or_default();
    out.push('\n');
    out
}

/// docs/schemas/review-report.schema.json.
pub fn schema() -> String {
    crate::report::json::schema::REVIEW_REPORT.generate::<Document>()
}
