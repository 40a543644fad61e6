use chrono::TimeDelta;

use rayon::prelude::*;

use super::{Observations, Observed, Rule, declare_rule, lowercase, same_tenant};
use crate::finding::Violation;
use crate::grant::Field;
use crate::load::time::format_duration;
use crate::policy::params::Params;

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
    RepeatTenant, "repeat-tenant", "a tenant keeps needing emergency access"
}

pub struct RepeatTenant {
    threshold: usize,
    within: TimeDelta,
}

impl RepeatTenant {
    fn build(params: &mut Params) -> RepeatTenant {
        RepeatTenant {
            threshold: params.count("threshold"),
            within: params.duration("within"),
        }
    }
}

impl Rule for RepeatTenant {
    fn needs_all(&self) -> bool {
        true
    }

    fn check_all(&self, all: &mut Observations, out: &mut Vec<(usize, Violation)>) {
        let (mut first, distinct) = first_grants(all);
        if !distinct {
            // Two tenants with one hash: so rare that numbering tenants by text may cost.
            let mut numbers = foldhash::HashMap::default();
            let tenants: Vec<u64> = (0..all.grants.len())
                .map(|index| {
                    let next = numbers.len() as u64;
                    *numbers.entry(lowercase(all.tenant(index))).or_insert(next)
                })
                .collect();
            first.clear();
            for (index, &tenant) in tenants.iter().enumerate().rev() {
                first.insert(tenant, index);
            }
            for grant in &mut all.grants {
                grant.tenant = tenants[grant.index as usize];
            }
        }
        // Each tenant's grants by start, ties in input order: one sort, in place.
        all.grants.par_sort_unstable();
        let all = &*all;
        let within = format_duration(self.within);
        out.par_extend(
            all.grants
                .par_chunk_by(|a, b| a.tenant == b.tenant)
                .filter_map(|grants| {
                    let name = all.tenant(*first.get(&grants[0].tenant)?);
                    self.busiest(grants, name, &within, all)
                }),
        );
    }
}

/// Each tenant hash's first grant, and whether every grant of a hash names the same tenant.
/// Each thread takes a run of grants in input order, so the tenants' texts are read in
/// order, not at random; each hash keeps its first text at hand for the comparisons.
fn first_grants(all: &Observations) -> (foldhash::HashMap<u64, usize>, bool) {
    let run = all
        .grants
        .len()
        .div_ceil(rayon::current_num_threads())
        .max(1);
    let (firsts, distinct): (Vec<_>, Vec<bool>) = all
        .grants
        .par_chunks(run)
        .map(|grants| {
            let mut first = foldhash::HashMap::<u64, (usize, &str)>::default();
            let mut distinct = true;
            for grant in grants {
                let index = grant.index as usize;
                let tenant = all.tenant(index);
                let (earliest, name) = first.entry(grant.tenant).or_insert((index, tenant));
                distinct &= same_tenant(name, tenant);
                if index < *earliest {
                    (*earliest, *name) = (index, tenant);
                }
            }
            (first, distinct)
        })
        .unzip();
    let mut distinct = distinct.into_iter().all(|d| d);
    let mut firsts = firsts.into_iter();
    let mut first = firsts.next().unwrap_or_default();
    for later in firsts {
        for (tenant, (index, name)) in later {
            let (earlier, first_name) = first.entry(tenant).or_insert((index, name));
            distinct &= same_tenant(first_name, name);
            if index < *earlier {
                (*earlier, *first_name) = (index, name);
            }
        }
    }
    let first = first
        .into_iter()
        .map(|(tenant, (index, _))| (tenant, index))
        .collect();
    (first, distinct)
}

impl RepeatTenant {
    /// One tenant's grants, sorted by start: a finding if its busiest window holds enough.
    /// `name` is the tenant as first written; `within_text` is `within`, written once.
    fn busiest(
        &self,
        grants: &[Observed],
        name: &str,
        within_text: &str,
        all: &Observations,
    ) -> Option<(usize, Violation)> {
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
        if best < self.threshold.max(1) {
            return None;
        }
        let window = &grants[best_from..best_from + best];
        let mut violation = Violation::new(
            Some(Field::Tenant),
            Default::default(),
            format!(
                "tenant `{}` needed access {best} times within {} (threshold {})",
                name, within_text, self.threshold
            ),
            "a likely product problem: hand the root cause to an owner instead of granting access again",
        );
        violation.related = window[1..]
            .iter()
            .filter_map(|o| all.id(o.index as usize))
            .map(str::to_string)
            .collect();
        Some((window[0].index as usize, violation))
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
}
