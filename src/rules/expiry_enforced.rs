use chrono::{DateTime, TimeDelta, Utc};

use super::{Context, Rule, declare_rule};
use crate::core::time::format_duration;
use crate::finding::Violation;
use crate::grant::{Field, Grant};
use crate::rules::params::Words;

declare_rule! {
    /// ## What it checks
    /// The expiry was actually enforced: access ended (`ended_at`) no later than `expires`
    /// plus `grace` (default 5m); and a grant with no `ended_at` whose `status` says access
    /// is live (active, open, granted, in progress, work in progress, implement, …; or
    /// approved or scheduled with its start passed) is not past `expires` plus `grace` now
    /// (`--now`).
    ///
    /// ## Why
    /// Do not assume auto expiry worked because a timer was set. Open the access record and
    /// confirm the grant is gone; if it is still active, remove it before moving on.
    ///
    /// ## Fails
    /// ```yaml
    /// expires: 2026-11-23T14:35:00Z
    /// ended_at: 2026-11-23T18:00:00Z
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// expires: 2026-11-23T14:35:00Z
    /// ended_at: 2026-11-23T14:35:02Z
    /// status: expired
    /// ```
    ///
    /// ## Settings
    /// `grace`: how late removal may be; `active_statuses`: statuses that mean access is live;
    /// `started_statuses`: statuses that mean access is live once its start has passed.
    ExpiryEnforced, "expiry-enforced", "access outlived its expiry",
    severity: Error,
    fires: "ended_at later than expires + grace; or no ended_at, a live status (active, open, granted, in progress, work in progress, implement, …; approved or scheduled once started: see [Statuses](#how-an-export-was-understood)), and now > expires + grace",
    settings {
        /// How late removal may be.
        grace: Duration = "5m",
        /// Statuses that mean access is live.
        #[note = "Statuses that mean access is live, as access systems and ticket tools write them."]
        active_statuses: Words = [
            "active",
            "open",
            "granted",
            "access granted",
            "in progress",
            "work in progress",
            "implement",
            "implementing",
            "provisioned",
            "ongoing",
            "on hold",
        ],
        /// Statuses that mean access is live once its start has passed.
        #[note = "Statuses that mean access is live once its start has passed (approved, then used)."]
        started_statuses: Words = [
            "approved",
            "scheduled",
        ],
    }
}

pub struct ExpiryEnforced {
    grace: TimeDelta,
    active: Words,
    started: Words,
}

impl ExpiryEnforced {
    /// The rule as the policy sets it: the checker's, and the weekly review's, which must mean
    /// what `check` means by a deadline and by live access.
    pub fn build(settings: Settings) -> ExpiryEnforced {
        ExpiryEnforced {
            grace: settings.grace,
            active: settings.active_statuses,
            started: settings.started_statuses,
        }
    }

    /// The expiry a grant is held to: a recorded extension moves it on, never back.
    pub fn held_to(expires: DateTime<Utc>, extended_until: Option<DateTime<Utc>>) -> DateTime<Utc> {
        extended_until.map_or(expires, |until| until.max(expires))
    }

    /// When access must have ended by: the expiry it is held to plus the grace. None for an
    /// expiry at the end of representable time, which has no deadline to miss.
    pub fn deadline(&self, held_to: DateTime<Utc>) -> Option<DateTime<Utc>> {
        held_to.checked_add_signed(self.grace)
    }

    /// Whether a grant with no end recorded and this status is live access at `now`: its status
    /// says so, or it was approved (or scheduled) and its start has passed.
    pub fn live(&self, status: &str, start: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        self.active.contains(status)
            || (self.started.contains(status) && start.is_some_and(|start| start <= now))
    }
}

impl Rule for ExpiryEnforced {
    fn check(&self, grant: &Grant, context: &Context, out: &mut Vec<Violation>) {
        let Some(expires) = grant.time(Field::Expires) else {
            return;
        };
        let expires = Self::held_to(expires, grant.extended_until());
        let Some(deadline) = self.deadline(expires) else {
            return;
        };
        if let Some(ended) = grant.time(Field::EndedAt) {
            if ended > deadline {
                out.push(Violation::new(
                    Some(Field::EndedAt),
                    grant.span_of(Field::EndedAt),
                    format!(
                        "access ended {} after its expiry",
                        format_duration(ended - expires)
                    ),
                    "make the access system remove grants at their expiry, and check that it did",
                ));
            }
            return;
        }
        let Some(status) = grant.text(Field::Status) else {
            return;
        };
        if grant.text(Field::EndedAt).is_some() || context.now <= deadline {
            return; // the cheap tests first: most grants end or are not yet due
        }
        // Approved, then used: an approved grant whose start has passed is live access.
        if self.live(status, grant.time(Field::Start), context.now) {
            out.push(Violation::new(
                Some(Field::Status),
                grant.span_of(Field::Status),
                format!(
                    "grant is still {status} {} after it expired",
                    format_duration(context.now - expires)
                ),
                "revoke it now and confirm the removal in the access system",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::grant::Field::{EndedAt, Expires, Status};
    use crate::rules::testing::*;

    #[test]
    fn an_expiry_at_the_end_of_time_has_no_deadline_to_miss() {
        let rule = rule("expiry-enforced", "{}");
        // The largest Unix seconds a time can be: adding the grace would overflow.
        let last = grant(&[(Expires, "8210266876799"), (EndedAt, "8210266876799")]);
        assert!(check(&*rule, &last).is_empty());
    }

    #[test]
    fn ending_within_grace_passes() {
        let rule = rule("expiry-enforced", "{}");
        let ended = |e| grant(&[(Expires, "2026-11-23T14:35:00Z"), (EndedAt, e)]);
        assert!(check(&*rule, &ended("2026-11-23T14:40:00Z")).is_empty());
        assert_eq!(
            check(&*rule, &ended("2026-11-23T14:40:01Z")),
            ["access ended 5m1s after its expiry"]
        );
    }

    #[test]
    fn an_extension_moves_the_deadline_on_never_back() {
        let rule = rule("expiry-enforced", "{}");
        let extended = |until: &str| {
            let mut g = grant(&[
                (Expires, "2026-11-23T12:00:00Z"),
                (EndedAt, "2026-11-23T13:30:00Z"),
            ]);
            g.extensions.push(crate::grant::Extension {
                until: Some((until.parse().unwrap(), Default::default())),
                ..Default::default()
            });
            g
        };
        assert!(check(&*rule, &extended("2026-11-23T14:00:00Z")).is_empty());
        assert_eq!(
            check(&*rule, &extended("2026-11-23T13:00:00Z")),
            ["access ended 30m after its expiry"]
        );
        // An extension that ends before the expiry does not shorten it.
        assert_eq!(
            check(&*rule, &extended("2026-11-23T11:00:00Z")),
            ["access ended 1h30m after its expiry"]
        );
    }

    #[test]
    fn still_active_after_expiry_fails_against_now() {
        let rule = rule("expiry-enforced", "{}");
        // now is 2026-11-24T12:00Z
        let g = grant(&[(Expires, "2026-11-24T09:00:00Z"), (Status, "Active")]);
        assert_eq!(
            check(&*rule, &g),
            ["grant is still Active 3h after it expired"]
        );
        let g = grant(&[(Expires, "2026-11-24T11:56:00Z"), (Status, "active")]);
        assert!(check(&*rule, &g).is_empty(), "within grace");
        let g = grant(&[(Expires, "2026-11-24T09:00:00Z"), (Status, "expired")]);
        assert!(check(&*rule, &g).is_empty());
        let g = grant(&[
            (Expires, "2026-11-24T09:00:00Z"),
            (Status, "granted"),
            (EndedAt, "2026-11-24T09:01:00Z"),
        ]);
        assert!(check(&*rule, &g).is_empty());
    }

    #[test]
    fn ticket_statuses_of_live_work_count_as_live() {
        let rule = rule("expiry-enforced", "{}");
        for status in ["In Progress", "Work in Progress", "Implement", "open"] {
            let g = grant(&[(Expires, "2026-11-24T09:00:00Z"), (Status, status)]);
            assert_eq!(
                check(&*rule, &g),
                [format!("grant is still {status} 3h after it expired")],
                "{status}"
            );
        }
    }

    #[test]
    fn approved_counts_as_live_once_started() {
        use crate::grant::Field::Start;
        let rule = rule("expiry-enforced", "{}");
        let g = grant(&[
            (Start, "2026-11-24T08:00:00Z"),
            (Expires, "2026-11-24T09:00:00Z"),
            (Status, "Approved"),
        ]);
        assert_eq!(
            check(&*rule, &g),
            ["grant is still Approved 3h after it expired"]
        );
        // No start: nothing says the approved access was ever used.
        let g = grant(&[(Expires, "2026-11-24T09:00:00Z"), (Status, "Approved")]);
        assert!(check(&*rule, &g).is_empty());
    }
}
