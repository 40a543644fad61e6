use chrono::TimeDelta;

use super::{Context, Rule, declare_rule};
use crate::core::time::format_duration;
use crate::finding::Violation;
use crate::grant::{Field, Grant};
use crate::rules::params::{Params, Words};

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
    ExpiryEnforced, "expiry-enforced", "access outlived its expiry"
}

pub struct ExpiryEnforced {
    grace: TimeDelta,
    active: Words,
    started: Words,
}

impl ExpiryEnforced {
    fn build(params: &mut Params) -> ExpiryEnforced {
        ExpiryEnforced {
            grace: params.duration("grace"),
            active: params.words("active_statuses"),
            started: params.words("started_statuses"),
        }
    }
}

impl Rule for ExpiryEnforced {
    fn check(&self, grant: &Grant, context: &Context, out: &mut Vec<Violation>) {
        let Some(expires) = grant.time(Field::Expires) else {
            return;
        };
        // A recorded extension moves the expiry on.
        let expires = grant
            .extended_until()
            .map_or(expires, |until| until.max(expires));
        // An expiry at the end of representable time has no deadline to miss.
        let Some(deadline) = expires.checked_add_signed(self.grace) else {
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
        let started = || {
            self.started.contains(status)
                && grant
                    .time(Field::Start)
                    .is_some_and(|start| start <= context.now)
        };
        if self.active.contains(status) || started() {
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
