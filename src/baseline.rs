//! Baselines: the findings a team accepted when it adopted grantlint, so CI fails only on new
//! ones. An entry is keyed by rule, grant id, tenant and field, never by line or file, so
//! reordering or splitting an export neither hides nor revives a finding.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;

/// A baseline file (JSON, written by `--write-baseline`).
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

/// Findings that share one key; `count` of them are accepted.
#[derive(
    Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub grant: Option<String>,
    pub tenant: Option<String>,
    pub field: Option<String>,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub count: usize,
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

/// The key a finding is matched on.
pub type Key = (String, Option<String>, Option<String>, Option<String>);

/// `fields` names the policy's declared fields by slot ([`crate::check::Outcome::fields`]).
pub fn key(finding: &Finding, fields: &[std::sync::Arc<str>]) -> Key {
    (
        finding.rule.to_string(),
        finding.grant.as_deref().map(str::to_string),
        // Tenants are one tenant whatever their case (as repeat-tenant counts them).
        finding.tenant.as_deref().map(|t| t.trim().to_lowercase()),
        finding.field_name(fields).map(str::to_string),
    )
}

/// What a baseline did to a run: how many findings are new or accepted, and the entries that
/// matched nothing any more (their findings were fixed, or the grants are gone).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    pub new: usize,
    pub baselined: usize,
    pub stale: Vec<Entry>,
}

impl Comparison {
    /// Baseline findings that are gone.
    pub fn resolved(&self) -> usize {
        self.stale.iter().map(|e| e.count).sum()
    }
}

impl Baseline {
    /// Records these findings, in key order, so the file diffs well under review.
    pub fn record<'a>(
        findings: impl IntoIterator<Item = &'a Finding>,
        fields: &[std::sync::Arc<str>],
    ) -> Baseline {
        let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
        for finding in findings {
            *counts.entry(key(finding, fields)).or_default() += 1;
        }
        Baseline {
            version: 1,
            entries: counts
                .into_iter()
                .map(|((rule, grant, tenant, field), count)| Entry {
                    rule,
                    grant,
                    tenant,
                    field,
                    count,
                })
                .collect(),
        }
    }

    pub fn to_json(&self) -> String {
        // Plain strings and numbers: serialising cannot fail.
        let mut out = serde_json::to_string_pretty(self).unwrap_or_default();
        out.push('\n');
        out
    }

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let name = path.display();
        let text = crate::core::files::read_policy_file(path, None).map_err(|refused| {
            let help = refused.help.map(|h| format!("; {h}")).unwrap_or_default();
            format!("cannot read the baseline {name}: {}{help}", refused.message)
        })?;
        if text.trim().is_empty() {
            return Err(format!(
                "{name}:1:1: the baseline is empty; write one with --write-baseline"
            ));
        }
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
            // serde_json counts columns from 0 at the start of a line; a place is 1-based, and
            // named once, before the message.
            let message = e.to_string();
            let why = message.split(" at line ").next().unwrap_or(&message);
            format!(
                "{name}:{}:{}: not a grantlint baseline: {why}; write one with --write-baseline",
                e.line(),
                e.column().max(1),
            )
        })?;
        if baseline.version != 1 {
            return Err(format!(
                "{name}: baseline version {} is not supported; this grantlint writes version 1",
                baseline.version
            ));
        }
        Ok(baseline)
    }

    /// Remaining accepted count per key, for matching one run's findings.
    pub fn budget(&self) -> BTreeMap<Key, usize> {
        let mut budget = BTreeMap::new();
        for e in &self.entries {
            *budget
                .entry((
                    e.rule.clone(),
                    e.grant.clone(),
                    e.tenant.as_deref().map(|t| t.trim().to_lowercase()),
                    e.field.clone(),
                ))
                .or_default() += e.count;
        }
        budget
    }
}
