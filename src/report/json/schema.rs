//! The JSON Schemas of the JSON reports, generated from the types that give them their shape
//! (schemars), and published under docs/schemas/ (tests/packaging.rs holds the committed
//! copies equal to these and real outputs valid against them).
//!
//! Each schema has its own `$id`, naming the report and its version: `check --format json`
//! and `report --format json` both say `"version": 1`, and the schema is what tells them apart.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};

use super::{Finding, Head, Tail};

/// The check report as one document: the fast writer (`super::write`) writes the head, the
/// findings and the tail in pieces, and a test in `super` holds its output equal to this
/// type written by serde_json, so the schema generated from it is the writer's.
#[derive(serde::Serialize, JsonSchema)]
#[allow(dead_code)] // Outside tests only its shape is used.
pub(super) struct CheckReport<'a> {
    #[serde(flatten)]
    pub(super) head: Head<'a>,
    pub(super) findings: Vec<Finding<'a>>,
    #[serde(flatten)]
    pub(super) tail: Tail<'a>,
}

/// Where the schemas are published; each `$id` is this, the report's name and its version.
const BASE: &str = "https://grantlint.dev/schemas/";

/// One published schema: which report, which version of it, what it is.
pub struct Published {
    /// The file name under docs/schemas/.
    pub file: &'static str,
    pub version: u32,
    pub title: &'static str,
    pub description: &'static str,
}

pub const CHECK_REPORT: Published = Published {
    file: "check-report.schema.json",
    version: 1,
    title: "grantlint check report",
    description: "The output of `grantlint check --format json` (DESIGN.md's JSON report). \
                  Keys added within a version are optional; a change of shape bumps `version`.",
};

pub const REVIEW_REPORT: Published = Published {
    file: "review-report.schema.json",
    version: 1,
    title: "grantlint review report",
    description: "The output of `grantlint report --format json`: the weekly review's numbers. \
                  Keys added within a version are optional; a change of shape bumps `version`.",
};

impl Published {
    /// `https://grantlint.dev/schemas/check-report/v1.schema.json` and the like: distinct for
    /// each report and each version.
    pub fn id(&self) -> String {
        let name = self.file.trim_end_matches(".schema.json");
        format!("{BASE}{name}/v{}.schema.json", self.version)
    }

    /// The schema of `T` as this report's published text: draft 2020-12, describing what
    /// grantlint writes (serde's serialize side), with `$id`, title, description and
    /// `version` fixed to this version.
    pub fn generate<T: JsonSchema>(&self) -> String {
        let generator = SchemaSettings::draft2020_12()
            .for_serialize()
            .into_generator();
        let mut schema: Schema = generator.into_root_schema_for::<T>();
        schema.insert("$id".into(), self.id().into());
        schema.insert("title".into(), self.title.into());
        schema.insert("description".into(), self.description.into());
        if let Some(version) = schema
            .get_mut("properties")
            .and_then(|p| p.get_mut("version"))
            .and_then(|v| v.as_object_mut())
        {
            version.insert("const".into(), self.version.into());
        }
        // Plain maps of strings: serialising cannot fail.
        serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
    }
}

/// docs/schemas/check-report.schema.json.
pub fn check_report() -> String {
    CHECK_REPORT.generate::<CheckReport>()
}
