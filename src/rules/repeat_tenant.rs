use chrono::TimeDelta;

use rayon::prelude::*;

use super::{Names, Observations, Observed, Rule, declare_rule, lowercase, same_tenant};
use crate::core::time::format_duration;
use crate::finding::Violation;
use crate::grant::Field;

declare_rule! {
    /// ## What it checks
    /// No tenant has `threshold` (default 3) or more grants starting within one `within`
    /// span (default 30d). One finding per tenant, at the first grant of its busiest span,
    /// listing the other grants as related.
    ///
    /// ## Why
    /// If the same tenant needs emergency access every month, the access process is not the
    /// real issue: the product may have a bug, a missing admin control, or a workflow that
    /// keeps pushing staff into manual fixes. Someone should own that root cause.
    ///
    /// ## Fails
    /// ```yaml
    /// - {tenant: acme-prod-eu, start: 2026-11-02T10:00:00Z}
    /// - {tenant: acme-prod-eu, start: 2026-11-09T10:00:00Z}
    /// - {tenant: acme-prod-eu, start: 2026-11-20T10:00:00Z}
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// - {tenant: acme-prod-eu, start: 2026-09-02T10:00:00Z}
    /// - {tenant: acme-prod-eu, start: 2026-11-20T10:00:00Z}
    /// ```
    ///
    /// ## Settings
    /// `threshold`: how many grants make a pattern; `within`: the span they must start in.
    RepeatTenant, "repeat-tenant", "a tenant keeps needing emergency access",
    severity: Warning,
    fires: "a tenant has at least threshold grants starting within one span of `within` (one finding per tenant, at the first grant of its busiest span; the others are `related`)",
    settings {
        /// How many grants make a pattern.
        threshold: Count = 3,
        /// The span the grants must start in.
        within: Duration = "30d",
    }
}

/// repeat-tenant, or a policy's window limit (`limits:`), which counts the same way over
/// grants grouped by other fields.
pub struct RepeatTenant {
    threshold: usize,
    within: TimeDelta,
    /// For a window limit: how its findings name the group and the limit.
    limit: Option<WindowLimit>,
}

/// What a window limit's findings say: the fields grouped by, and the most grants allowed.
pub struct WindowLimit {
    pub by: String,
    pub max: usize,
    /// The field findings are about: the first grouped by, built-in or declared.
    pub at: crate::grant::declared::FieldRef,
}

impl RepeatTenant {
    fn build(settings: Settings) -> RepeatTenant {
        RepeatTenant {
            threshold: settings.threshold,
            within: settings.within,
            limit: None,
        }
    }

    /// A window limit: more than `max` grants of one group starting within `within`.
    pub fn limit(limit: WindowLimit, within: TimeDelta) -> RepeatTenant {
        RepeatTenant {
            threshold: limit.max.saturating_add(1),
            within,
            limit: Some(limit),
        }
    }
}

/// A tenant as repeat-tenant groups it: trimmed, compared ignoring case, as [`same_tenant`]
/// does. Only this, and not a phrase normaliser: "acme corp" and "acme corp!" are two tenants.
/// For readers that group tenants by a key (the weekly review); the rule itself hashes.
pub fn tenant_key(tenant: &str) -> String {
    lowercase(crate::core::text::trim(tenant))
}

impl Rule for RepeatTenant {
    fn needs_all(&self) -> bool {
        true
    }

    fn check_all(&self, all: &mut Observations, out: &mut Vec<(usize, Violation)>) {
        let within = format_duration(self.within);
        let (grants, names) = all.grants_and_names();
        // Each tenant's grants together, by start, ties in input order.
        grants.par_sort_unstable();
        // On every core: pieces that overlap by one grant, so every pair next to each other
        // is in one piece.
        let grants = &*grants;
        let compare = !(0..grants.len().div_ceil(ALIKE))
            .into_par_iter()
            .all(|k| names.alike(&grants[k * ALIKE..grants.len().min((k + 1) * ALIKE + 1)]));
        out.par_extend(
            grants
                .par_chunk_by(|a, b| a.tenant == b.tenant)
                .flat_map_iter(|grants| {
                    let mut found = Vec::new();
                    self.tenant(grants, names, compare, &within, &mut found);
                    found
                }),
        );
    }
}

/// Sorted grants asked at once whether their tenant hashes each name one tenant.
const ALIKE: usize = 1 << 14;

impl RepeatTenant {
    /// The grants that share one tenant hash, sorted by start: nearly always one tenant's.
    /// Unless every hash is known to name one tenant (`compare` false), tenants that only
    /// share the hash are told apart here by their text.
    fn tenant(
        &self,
        grants: &[Observed],
        names: Names,
        compare: bool,
        within_text: &str,
        found: &mut Vec<(usize, Violation)>,
    ) {
        if grants.len() < self.threshold.max(1) {
            return; // nor has any tenant among them enough
        }
        // The grant that first names the tenant: the finding calls it as that grant does.
        let first = |grants: &[Observed]| grants.iter().map(|o| o.index).min().unwrap_or_default();
        // One tenant's grants: a finding if its busiest window holds enough. Texts are only
        // read for a finding: most tenants have none.
        let judge = |grants: &[Observed]| {
            self.busiest(grants)
                .and_then(|window| self.finding(window, first(grants), within_text, names))
        };
        let one_tenant = !compare || {
            let name = names.tenant(first(grants) as usize);
            grants
                .iter()
                .all(|o| same_tenant(names.tenant(o.index as usize), name))
        };
        if one_tenant {
            found.extend(judge(grants));
            return;
        }
        // Two tenants with one hash: so rare that grouping by text may cost.
        // Each tenant's grants, in the order the tenants come, found by their text.
        let (mut tenants, mut place) = (Vec::<Vec<Observed>>::new(), foldhash::HashMap::default());
        for grant in grants {
            let tenant = lowercase(names.tenant(grant.index as usize));
            let at = *place.entry(tenant).or_insert_with(|| {
                tenants.push(Vec::new());
                tenants.len() - 1
            });
            tenants[at].push(*grant);
        }
        for grants in tenants {
            found.extend(judge(&grants));
        }
    }

    /// One tenant's grants, sorted by start: its busiest window, if that holds enough.
    fn busiest<'g>(&self, grants: &'g [Observed]) -> Option<&'g [Observed]> {
        if grants.len() < self.threshold.max(1) {
            return None;
        }
        // Nanoseconds, as the starts: a window edge is exact.
        let within = i128::from(self.within.num_seconds()) * 1_000_000_000
            + i128::from(self.within.subsec_nanos());
        let start =
            |o: &Observed| i128::from(o.start_secs) * 1_000_000_000 + i128::from(o.start_nanos);
        // The busiest window, by a sliding window over the sorted starts: linear.
        let (mut best, mut best_from, mut from) = (0, 0, 0);
        for to in 0..grants.len() {
            while start(&grants[to]) - start(&grants[from]) > within {
                from += 1;
            }
            if to + 1 - from > best {
                (best, best_from) = (to + 1 - from, from);
            }
        }
        (best >= self.threshold.max(1)).then(|| &grants[best_from..best_from + best])
    }

    /// The finding for a tenant's busiest `window`, at its first grant, the others related;
    /// none for an empty window.
    /// `first` is the grant whose spelling names the tenant; `within_text` is `within`,
    /// written once.
    fn finding(
        &self,
        window: &[Observed],
        first: u32,
        within_text: &str,
        names: Names,
    ) -> Option<(usize, Violation)> {
        let (opening, rest) = window.split_first()?;
        names.fetch(first as usize, window);
        if let Some(limit) = &self.limit {
            let group = names
                .tenant(first as usize)
                .replace(super::limits::SEPARATOR, ", ");
            let mut violation = Violation::about(
                &limit.at,
                Default::default(),
                format!(
                    "{} `{group}`: {} grants started within {within_text} (at most {})",
                    limit.by,
                    window.len(),
                    limit.max
                ),
                "more grants than the policy's limit allows: find why this keeps happening, or raise the limit",
            );
            violation.related = names.ids(rest);
            return Some((opening.index as usize, violation));
        }
        // A wildcard (Entra's whole directory) is no one customer: tenant-specific reports it.
        if names.tenant(first as usize).contains('*') {
            return None;
        }
        let mut violation = Violation::new(
            Some(Field::Tenant),
            Default::default(),
            format!(
                "tenant `{}` needed access {} times within {} (threshold {})",
                names.tenant(first as usize),
                window.len(),
                within_text,
                self.threshold
            ),
            "a likely product problem: hand the root cause to an owner instead of granting access again",
        );
        // Sized once: collecting grew it step by step, a copy each time.
        violation.related = Vec::with_capacity(rest.len());
        violation.related.extend(
            rest.iter()
                .filter_map(|o| names.id(o.index as usize))
                .map(str::to_string),
        );
        Some((opening.index as usize, violation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::rule;

    fn observe(grants: &[(&str, &str, &str)]) -> Observations {
        let mut all = Observations::default();
        for (tenant, start, id) in grants {
            all.add(tenant, start.parse().unwrap(), Some(id));
        }
        all
    }

    fn check(mut all: Observations) -> Vec<(usize, String, Vec<String>)> {
        let mut out = Vec::new();
        rule("repeat-tenant", "{}").check_all(&mut all, &mut out);
        out.into_iter()
            .map(|(i, v)| (i, v.message, v.related))
            .collect()
    }

    fn run(grants: &[(&str, &str, &str)]) -> Vec<(usize, String, Vec<String>)> {
        check(observe(grants))
    }

    #[test]
    fn three_within_thirty_days_is_one_finding() {
        let got = run(&[
            ("acme", "2026-11-20T10:00:00Z", "c"),
            ("ACME", "2026-11-02T10:00:00Z", "a"),
            ("beta", "2026-11-03T10:00:00Z", "x"),
            ("acme ", "2026-11-09T10:00:00Z", "b"),
            ("acme", "2026-12-30T10:00:00Z", "d"),
        ]);
        assert_eq!(
            got,
            vec![(
                1,
                "tenant `acme` needed access 3 times within 30d (threshold 3)".into(),
                vec!["b".into(), "c".into()]
            )]
        );
    }

    #[test]
    fn starts_are_ordered_and_windowed_to_the_nanosecond() {
        let got = run(&[
            ("acme", "2026-11-02T10:00:00.0009Z", "a"),
            ("acme", "2026-11-02T10:00:00.0001Z", "b"),
            ("acme", "2026-11-02T10:00:00.0005Z", "c"),
        ]);
        assert_eq!(
            (got[0].0, got[0].2.clone()),
            (1, vec!["c".into(), "a".into()])
        );
        // One nanosecond past the 30 days is outside the window.
        let got = run(&[
            ("acme", "2026-11-01T10:00:00.000000001Z", "a"),
            ("acme", "2026-11-20T10:00:00Z", "b"),
            ("acme", "2026-12-01T10:00:00.000000002Z", "c"),
        ]);
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn tenants_that_share_a_hash_are_still_told_apart() {
        let grants = [
            ("acme", "2026-11-02T10:00:00Z", "a"),
            ("beta", "2026-11-03T10:00:00Z", "x"),
            ("Acme", "2026-11-09T10:00:00Z", "b"),
            ("beta", "2026-11-10T10:00:00Z", "y"),
            ("ACME", "2026-11-20T10:00:00Z", "c"),
        ];
        let mut all = observe(&grants);
        for grant in &mut all.grants {
            grant.tenant = 7; // as if every tenant hashed alike
        }
        let got = check(all);
        assert_eq!(got, run(&grants));
        assert_eq!(got[0].2, ["b", "c"]);
    }

    #[test]
    fn tenants_that_share_a_hash_are_told_apart_across_threads() {
        // Each thread's run of grants names one tenant: only joining the runs can tell.
        let starts: Vec<String> = (0..64)
            .map(|day| format!("2026-{:02}-{:02}T10:00:00Z", 1 + day / 28, 1 + day % 28))
            .collect();
        let grants: Vec<(&str, &str, &str)> = ["acme", "beta"]
            .into_iter()
            .flat_map(|tenant| {
                starts
                    .iter()
                    .map(move |start| (tenant, start.as_str(), "g"))
            })
            .collect();
        let mut all = observe(&grants);
        for grant in &mut all.grants {
            grant.tenant = 7;
        }
        let got = check(all);
        assert_eq!(got, run(&grants));
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn the_tenant_key_is_same_tenant() {
        let spellings = [
            "acme corp",
            "Acme  Corp.",
            "acme corp!",
            " ACME CORP ",
            "Ärzte",
            "ärzte",
        ];
        for a in spellings {
            for b in spellings {
                let (a_, b_) = (crate::core::text::trim(a), crate::core::text::trim(b));
                assert_eq!(
                    tenant_key(a) == tenant_key(b),
                    same_tenant(a_, b_),
                    "{a:?} {b:?}"
                );
            }
        }
        assert_eq!(tenant_key(" ACME CORP "), tenant_key("acme corp"));
        assert_ne!(tenant_key("Acme  Corp."), tenant_key("acme corp"));
    }

    #[test]
    fn spread_out_grants_pass() {
        let got = run(&[
            ("acme", "2026-09-01T10:00:00Z", "a"),
            ("acme", "2026-10-01T10:00:01Z", "b"),
            ("acme", "2026-10-31T10:00:02Z", "c"),
        ]);
        assert!(got.is_empty());
        // Exactly 30 days apart counts as within.
        let got = run(&[
            ("acme", "2026-09-01T10:00:00Z", "a"),
            ("acme", "2026-09-15T10:00:00Z", "b"),
            ("acme", "2026-10-01T10:00:00Z", "c"),
        ]);
        assert_eq!(got.len(), 1);
    }

    proptest::proptest! {
        /// Many tenants, some spelled two ways: the findings are the ones a plain count by
        /// tenant gives.
        #[test]
        fn findings_are_those_of_counting_each_tenant_alone(
            grants in proptest::collection::vec((0u8..200, proptest::bool::ANY, 0u32..120), 0..600)
        ) {
            let texts: Vec<(String, String, String)> = grants
                .iter()
                .enumerate()
                .map(|(i, &(tenant, upper, day))| {
                    let name = format!("tenant-{tenant}");
                    let name = if upper { name.to_uppercase() } else { name };
                    let start = chrono::DateTime::from_timestamp(1_780_000_000 + i64::from(day) * 86_400, 0)
                        .unwrap()
                        .to_rfc3339();
                    (name, start, format!("g{i}"))
                })
                .collect();
            let borrowed: Vec<(&str, &str, &str)> = texts
                .iter()
                .map(|(t, s, i)| (t.as_str(), s.as_str(), i.as_str()))
                .collect();
            let mut got = run(&borrowed);
            got.sort();
            // Each tenant alone: its grants by start, then input order; the first grant of
            // its first busiest 30-day window.
            let mut by_tenant: std::collections::BTreeMap<String, Vec<(u32, usize)>> = Default::default();
            for (i, &(tenant, _, day)) in grants.iter().enumerate() {
                by_tenant.entry(format!("tenant-{tenant}")).or_default().push((day, i));
            }
            let mut want = Vec::new();
            for mut starts in by_tenant.into_values() {
                starts.sort();
                let (mut best, mut best_from) = (0, 0);
                for to in 0..starts.len() {
                    let from = starts.iter().position(|s| starts[to].0 - s.0 <= 30).unwrap();
                    if to + 1 - from > best {
                        (best, best_from) = (to + 1 - from, from);
                    }
                }
                if best >= 3 {
                    let first = starts.iter().map(|s| s.1).min().unwrap();
                    let window = &starts[best_from..best_from + best];
                    want.push((
                        window[0].1,
                        format!("tenant `{}` needed access {best} times within 30d (threshold 3)", texts[first].0),
                        window[1..].iter().map(|s| format!("g{}", s.1)).collect::<Vec<_>>(),
                    ));
                }
            }
            want.sort();
            proptest::prop_assert_eq!(got, want);
        }
    }
}
