//! Waivers and the baseline, applied after the check: findings they cover move to
//! `Outcome.suppressed` (shown, never failing), and waivers report on themselves: one that has
//! expired is `waiver-expired`, one that covered nothing is `waiver-unused`.

use chrono::{DateTime, TimeDelta, Utc};

use crate::baseline::{self, Baseline, Comparison};
use crate::check::Outcome;
use crate::core::source::PolicyError;
use crate::finding::{Finding, Suppressed, Suppression};
use crate::policy::PolicyErrors;
use crate::policy::waivers::{Waiver, Waivers};
use crate::rules::{FindingMeta, waiver_findings};

/// Applies the waivers, then the baseline, to the run's findings.
pub fn apply(
    outcome: &mut Outcome,
    waivers: &Waivers,
    baseline: Option<&Baseline>,
    now: DateTime<Utc>,
) -> Result<(), PolicyErrors> {
    let own = waive(outcome, waivers, now)?;
    if let Some(baseline) = baseline {
        apply_baseline(outcome, baseline);
    }
    add_findings(outcome, own);
    Ok(())
}

/// Moves the findings that live waivers cover to `suppressed`, and returns the waivers' own
/// findings (expired, unused) for [`add_findings`]. A waiver that reaches further ahead than
/// the policy's `max_days` is a policy error: the run stops (exit code 2).
pub fn waive(
    outcome: &mut Outcome,
    waivers: &Waivers,
    now: DateTime<Utc>,
) -> Result<Vec<Finding>, PolicyErrors> {
    let limit = now + TimeDelta::days(waivers.max_days());
    let errors: Vec<PolicyError> = waivers
        .entries
        .iter()
        .filter(|w| w.expires > limit)
        .map(|w| {
            PolicyError::new(
                &w.source,
                Some(w.expires_span),
                format!(
                    "this waiver expires {}, more than {} days after now ({})",
                    w.expires.format("%Y-%m-%d"),
                    waivers.max_days(),
                    now.format("%Y-%m-%d")
                ),
                Some(format!(
                    "set `expires` on or before {}, and renew it after a new review",
                    limit.format("%Y-%m-%d")
                )),
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(PolicyErrors { errors });
    }

    let mut used = vec![false; waivers.entries.len()];
    // Waived findings are taken out in place: with no waiver, a million findings stay put.
    let mut by = Vec::new();
    let waived: Vec<Finding> = outcome
        .findings
        .extract_if(.., |finding| {
            let waiver = waivers.entries.iter().position(|w| {
                w.expires > now
                    && w.covers(
                        &finding.rule,
                        finding.grant.as_deref(),
                        finding.tenant.as_deref(),
                    )
            });
            by.extend(waiver);
            waiver.is_some()
        })
        .collect();
    for (finding, i) in waived.into_iter().zip(by) {
        used[i] = true;
        let w = &waivers.entries[i];
        outcome.suppressed.push(Suppressed {
            finding,
            by: Suppression::Waiver {
                reason: w.reason.clone(),
                approver: w.approver.clone(),
                expires: w.expires,
            },
        });
    }

    let mut own = Vec::new();
    for (waiver, used) in waivers.entries.iter().zip(used) {
        if waiver.expires <= now {
            own.push(waiver_finding(
                outcome,
                waiver,
                waiver_findings::EXPIRED,
                format!(
                    "the waiver of {} for {} expired on {}",
                    waiver.rule,
                    covered(waiver),
                    waiver.expires.format("%Y-%m-%d %H:%M UTC")
                ),
                "fix the grants and remove the waiver, or review it again and set a new `expires`",
            ));
        } else if !used {
            own.push(waiver_finding(
                outcome,
                waiver,
                waiver_findings::UNUSED,
                format!(
                    "the waiver of {} for {} matched no finding",
                    waiver.rule,
                    covered(waiver)
                ),
                "correct its rule, grant or tenant, or remove it",
            ));
        }
    }
    Ok(own)
}

/// Moves the findings recorded in the baseline to `suppressed`, and records the comparison.
pub fn apply_baseline(outcome: &mut Outcome, baseline: &Baseline) {
    let mut budget = baseline.budget();
    let mut comparison = Comparison::default();
    let baselined: Vec<Finding> = outcome
        .findings
        .extract_if(.., |finding| {
            match budget
                .get_mut(&baseline::key(finding, &outcome.fields))
                .filter(|n| **n > 0)
            {
                Some(left) => {
                    *left -= 1;
                    true
                }
                None => false,
            }
        })
        .collect();
    comparison.baselined = baselined.len();
    comparison.new = outcome.findings.len();
    outcome
        .suppressed
        .extend(baselined.into_iter().map(|finding| Suppressed {
            finding,
            by: Suppression::Baseline,
        }));
    comparison.stale = baseline
        .entries
        .iter()
        .filter_map(|e| {
            let key = (
                e.rule.clone(),
                e.grant.clone(),
                e.tenant.clone(),
                e.field.clone(),
            );
            // Each key's leftover is reported once, on its first entry.
            let left = budget.remove(&key).filter(|n| *n > 0)?;
            Some(baseline::Entry {
                count: left,
                ..e.clone()
            })
        })
        .collect();
    outcome.baseline = Some(comparison);
}

/// Adds the waivers' own findings and restores DESIGN.md's order everywhere.
pub fn add_findings(outcome: &mut Outcome, own: Vec<Finding>) {
    // The checker's findings are in order, and taking some out keeps them so.
    if !own.is_empty() {
        outcome.findings.extend(own);
        outcome
            .findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    outcome
        .suppressed
        .sort_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
}

/// "grant SUP-1*, tenant t-9"
fn covered(waiver: &Waiver) -> String {
    let mut parts = Vec::new();
    if let Some(p) = &waiver.grant {
        parts.push(format!("grant {}", p.text));
    }
    if let Some(p) = &waiver.tenant {
        parts.push(format!("tenant {}", p.text));
    }
    parts.join(", ")
}

fn waiver_finding(
    outcome: &mut Outcome,
    waiver: &Waiver,
    kind: FindingMeta,
    message: String,
    help: &'static str,
) -> Finding {
    // The waiver's file joins the run's files, after the inputs, so findings can point at it.
    let file = match outcome.files.iter().position(|f| *f == waiver.source.name) {
        Some(i) => i,
        None => {
            outcome.files.push(waiver.source.name.clone());
            outcome.files.len() - 1
        }
    };
    Finding {
        rule: kind.id.into(),
        severity: kind.severity,
        grant: None,
        tenant: None,
        file,
        span: waiver.span,
        field: None,
        declared: None,
        at_grant: false,
        message: message.into(),
        help: help.into(),
        related: Vec::new(),
    }
}
