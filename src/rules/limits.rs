//! Cross-grant limits a policy declares (`limits:`): grants grouped by any fields (`by:
//! [grantee, tenant]`), counted within a span (`within: 7d`, `max: 3`) or while active at the
//! same time (`concurrent: 2`). A window limit counts as repeat-tenant does (it is the same
//! code, grouping by other fields); the checker keeps one small record per grant for each.

use chrono::TimeDelta;
use rayon::prelude::*;

use super::repeat_tenant::{RepeatTenant, WindowLimit};
use super::{Context, Grouped, Observations, Observed, Rule, same_tenant};
use crate::core::text::trim;
use crate::finding::Violation;
use crate::grant::declared::FieldRef;
use crate::grant::{Field, Grant};

/// Between the fields of a group's key: a control character no export writes in a name.
pub const SEPARATOR: char = '\u{1f}';

/// What a limit counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// More than `max` grants of one group starting within `within`.
    Window { max: usize, within: TimeDelta },
    /// More than `max` grants of one group active at the same time.
    Concurrent { max: usize },
}

/// Which grants a limit counts (`when:`): decided by the policy's conditions, which the
/// rules do not know.
pub trait Counts: Send + Sync {
    /// Whether `grant` is counted.
    fn counts(&self, grant: &Grant, context: &Context) -> bool;
}

/// One limit of `limits:`.
pub struct Limit {
    pub id: String,
    /// Built-in fields, or fields the policy declares (`fields:`).
    pub by: Vec<FieldRef>,
    pub measure: Measure,
    /// `when:`: only the grants it holds for are counted, and the condition in words.
    pub when: Option<(Box<dyn Counts>, String)>,
    /// The window limit's counting: repeat-tenant's, over this limit's groups.
    window: Option<RepeatTenant>,
}

impl Limit {
    pub fn new(id: String, by: Vec<FieldRef>, measure: Measure) -> Limit {
        let names = by_names(&by);
        let at = by
            .first()
            .cloned()
            .unwrap_or(FieldRef::Builtin(Field::Grantee));
        let window = match measure {
            Measure::Window { max, within } => Some(RepeatTenant::limit(
                WindowLimit { by: names, max, at },
                within,
            )),
            Measure::Concurrent { .. } => None,
        };
        Limit {
            id,
            by,
            measure,
            when: None,
            window,
        }
    }

    /// The limit counting only the grants `when` holds for (`text`: the condition in words).
    pub fn when(self, when: Box<dyn Counts>, text: String) -> Limit {
        Limit {
            when: Some((when, text)),
            ..self
        }
    }

    /// The fields grouped by, as findings and docs name them.
    fn by_names(&self) -> String {
        by_names(&self.by)
    }

    /// What the limit allows, in a line: the summary of `rules` and SARIF descriptors.
    pub fn summary(&self) -> String {
        let by = self.by_names();
        let grants = |max: usize| if max == 1 { "grant" } else { "grants" };
        let what = match self.measure {
            Measure::Window { max, within } => format!(
                "at most {max} {} of one {by} may start within {}",
                grants(max),
                crate::core::time::format_duration(within)
            ),
            Measure::Concurrent { max } => {
                let grants = grants(max);
                format!("at most {max} {grants} of one {by} may be active at the same time")
            }
        };
        match &self.when {
            Some((_, when)) => format!("{what}, counting grants where {when}"),
            None => what,
        }
    }

    /// The limit as a reader would say it, for `grantlint explain`.
    pub fn docs(&self) -> String {
        let (by, what) = (self.by_names(), self.summary());
        format!(
            "# {}\n\nlimit from the policy's `limits:`: {what}.\n\nGrants are grouped by {by} (people compared as people, through the people directory when there is one; other values, declared fields' too, ignoring case). A grant without a start, or without one of these fields, is not counted{}. A grant is active from its start until it ended (`ended_at`), else until it expires, else (no end recorded) until now. One finding per group, the other grants related: for a window, at the first grant of the busiest span; at once, at the grant that went over.\n",
            self.id,
            match &self.when {
                Some((_, when)) => format!(
                    "; nor is one the limit's `when` does not hold for ({when}), unless the condition cannot tell (a person the people directory does not know): then the grant is counted"
                ),
                None => String::new(),
            }
        )
    }
}

/// Fields as a finding names them: "grantee, tenant".
fn by_names(by: &[FieldRef]) -> String {
    by.iter().map(FieldRef::name).collect::<Vec<_>>().join(", ")
}

/// A person field's value as one key: the directory's name for the person, else the name as
/// compared (case, spacing, Unicode forms and a title after a comma aside).
fn person_key(text: &str, context: &Context) -> String {
    match context.people.as_deref().and_then(|p| p.find(text)) {
        // Grouped ignoring case, as every key is: the directory's spelling is what is shown.
        Some(person) => person.name.clone(),
        None => super::identity::key(super::identity::name_of(text)),
    }
}

impl Rule for std::sync::Arc<Limit> {
    fn needs_all(&self) -> bool {
        true
    }

    fn keyed(&self) -> bool {
        true
    }

    fn group(&self, grant: &Grant, context: &Context, key: &mut String) -> Option<Grouped> {
        if let Some((when, _)) = &self.when
            && !when.counts(grant, context)
        {
            return None;
        }
        for (i, field) in self.by.iter().enumerate() {
            let text = trim(field.text(grant)?);
            if i > 0 {
                key.push(SEPARATOR);
            }
            match field {
                FieldRef::Builtin(f) if super::people::PERSON_FIELDS.contains(f) => {
                    key.push_str(&person_key(text, context));
                }
                _ => key.push_str(text),
            }
        }
        let end = match self.measure {
            Measure::Window { .. } => None,
            // Access that never recorded its end is counted as active until now.
            Measure::Concurrent { .. } => Some(
                grant
                    .time(Field::EndedAt)
                    .or(grant.time(Field::Expires))
                    .unwrap_or(context.now),
            ),
        };
        Some(Grouped {
            span: self.by.first()?.span(grant),
            end,
        })
    }

    fn check_all(&self, all: &mut Observations, out: &mut Vec<(usize, Violation)>) {
        match (&self.window, self.measure) {
            (Some(window), _) => window.check_all(all, out),
            (None, Measure::Concurrent { max }) => self.concurrent(all, max, out),
            (None, Measure::Window { .. }) => {}
        }
    }
}

impl Limit {
    /// One finding per group whose grants were active more than `max` at once: at the
    /// grant that went over, at the busiest moment, the others active then related.
    fn concurrent(&self, all: &mut Observations, max: usize, out: &mut Vec<(usize, Violation)>) {
        let ends: Vec<i64> = (0..all.grants.len())
            .map(|i| all.end(i).unwrap_or(i64::MAX))
            .collect();
        let (grants, names) = all.grants_and_names();
        grants.par_sort_unstable();
        let grants = &*grants;
        let by = self.by_names();
        for chunk in grants.chunk_by(|a, b| a.tenant == b.tenant) {
            // Keys that only share a hash are told apart by their text.
            let mut groups: Vec<Vec<Observed>> = Vec::new();
            for grant in chunk {
                let text = names.tenant(grant.index as usize);
                match groups
                    .iter_mut()
                    .find(|g| same_tenant(names.tenant(g[0].index as usize), text))
                {
                    Some(group) => group.push(*grant),
                    None => groups.push(vec![*grant]),
                }
            }
            for group in groups {
                if group.len() <= max {
                    continue;
                }
                // Sorted by start: at each start, the ends of the grants still active, the
                // earliest on top. Linear-logarithmic, however many overlap.
                let mut active = std::collections::BinaryHeap::new();
                let mut busiest: Option<(usize, usize)> = None;
                for (at, grant) in group.iter().enumerate() {
                    // Access that ends as another starts does not overlap it.
                    while active
                        .peek()
                        .is_some_and(|std::cmp::Reverse(end)| *end <= grant.start_secs)
                    {
                        active.pop();
                    }
                    active.push(std::cmp::Reverse(ends[grant.index as usize]));
                    if active.len() > max && busiest.is_none_or(|(_, most)| active.len() > most) {
                        busiest = Some((at, active.len()));
                    }
                }
                let Some((at, _)) = busiest else {
                    continue;
                };
                let over = group[at];
                // The grants active when it started: those before it that had not ended.
                let others: Vec<Observed> = group[..at]
                    .iter()
                    .filter(|g| ends[g.index as usize] > over.start_secs)
                    .copied()
                    .collect();
                let key = names.tenant(over.index as usize).replace(SEPARATOR, ", ");
                let Some(at) = self.by.first() else {
                    continue;
                };
                let mut violation = Violation::about(
                    at,
                    Default::default(),
                    format!(
                        "{by} `{key}`: {} grants active at the same time (at most {max})",
                        others.len() + 1
                    ),
                    "end access that is no longer needed before granting more, or raise the limit",
                );
                violation.related = names.ids(&others);
                out.push((over.index as usize, violation));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// The most grants of `intervals` (start, end in hours) active at one moment, counted
    /// the plain way: at each start, those started by then and not ended.
    fn brute_force(intervals: &[(i64, i64)]) -> usize {
        intervals
            .iter()
            .map(|&(at, _)| {
                intervals
                    .iter()
                    .filter(|&&(s, e)| s <= at && e > at)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    proptest::proptest! {
        /// One engineer's grants: a finding exactly when more than `max` overlap, naming the
        /// most that do.
        #[test]
        fn concurrency_is_the_most_grants_active_at_one_moment(
            intervals in proptest::collection::vec((0i64..200, 1i64..30), 0..80),
            max in 1usize..5,
        ) {
            let intervals: Vec<(i64, i64)> = intervals.iter().map(|&(s, d)| (s, s + d)).collect();
            let hour = |h: i64| chrono::DateTime::from_timestamp(1_780_000_000 + h * 3600, 0).unwrap();
            let mut all = Observations::default();
            for (i, &(s, e)) in intervals.iter().enumerate() {
                let id = format!("g{i}");
                all.add_keyed("mina chen", hour(s), Some(&id), None, Some(hour(e)));
            }
            let limit = Arc::new(Limit::new("at-once".into(), vec![FieldRef::Builtin(Field::Grantee)], Measure::Concurrent { max }));
            let mut out = Vec::new();
            limit.check_all(&mut all, &mut out);
            let most = brute_force(&intervals);
            if most > max {
                proptest::prop_assert_eq!(out.len(), 1);
                let want = format!("grantee `mina chen`: {most} grants active at the same time (at most {max})");
                proptest::prop_assert_eq!(&out[0].1.message, &want);
                proptest::prop_assert_eq!(out[0].1.related.len(), most - 1);
            } else {
                proptest::prop_assert!(out.is_empty());
            }
        }
    }
}
