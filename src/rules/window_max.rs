use chrono::TimeDelta;

use super::{Context, Rule, declare_rule};
use crate::core::time::format_duration;
use crate::finding::Violation;
use crate::grant::{Field, Grant};

declare_rule! {
    /// ## What it checks
    /// The access window, `expires` minus `start`, is at most `max` (default 4h).
    ///
    /// ## Why
    /// For most support work 1 to 4 hours is enough. A seven-day grant is not cautious, it is
    /// just easy, and long windows fade into the background until nobody checks them. Extend a
    /// short grant in recorded steps instead.
    ///
    /// ## Fails
    /// ```yaml
    /// start: 2026-11-23T09:00:00Z
    /// expires: 2026-11-23T15:00:00Z   # 6h
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// start: 2026-11-23T14:05:00Z
    /// expires: 2026-11-23T14:35:00Z   # 30m
    /// ```
    ///
    /// ## Settings
    /// `max`: the longest window allowed, as `30m`, `4h`, `1h30m`, `7d` or `PT4H`.
    WindowMax, "window-max", "the access window is longer than the maximum",
    severity: Error,
    fires: "expires − start > max",
    settings {
        /// The longest access window allowed, expires minus start.
        max: Duration = "4h",
    }
}

pub struct WindowMax {
    max: TimeDelta,
}

impl WindowMax {
    fn build(settings: Settings) -> WindowMax {
        WindowMax { max: settings.max }
    }
}

impl Rule for WindowMax {
    fn check(&self, grant: &Grant, _: &Context, out: &mut Vec<Violation>) {
        let (Some(start), Some(expires)) = (grant.time(Field::Start), grant.time(Field::Expires))
        else {
            return;
        };
        let window = expires - start;
        if window > self.max {
            out.push(Violation::new(
                Some(Field::Expires),
                grant.span_of(Field::Expires),
                format!(
                    "access window is {}, above the {} maximum",
                    format_duration(window),
                    format_duration(self.max)
                ),
                "shorten the grant or extend it in steps with a recorded reason",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::grant::Field::{Expires, Start};
    use crate::rules::testing::*;

    #[test]
    fn four_hours_pass_four_hours_one_minute_fail() {
        let rule = rule("window-max", "{}");
        let ok = grant(&[
            (Start, "2026-11-23T10:00:00Z"),
            (Expires, "2026-11-23T14:00:00Z"),
        ]);
        assert!(check(&*rule, &ok).is_empty());
        let long = grant(&[
            (Start, "2026-11-23T10:00:00Z"),
            (Expires, "2026-11-23T14:01:00Z"),
        ]);
        assert_eq!(
            check(&*rule, &long),
            ["access window is 4h1m, above the 4h maximum"]
        );
    }

    #[test]
    fn offsets_are_honoured() {
        let rule = rule("window-max", "{}");
        // 10:00+02:00 is 08:00Z: a 5h window, not 3h.
        let g = grant(&[
            (Start, "2026-11-23T10:00:00+02:00"),
            (Expires, "2026-11-23T13:00:00Z"),
        ]);
        assert_eq!(
            check(&*rule, &g),
            ["access window is 5h, above the 4h maximum"]
        );
    }

    #[test]
    fn the_maximum_is_a_setting() {
        let rule = rule("window-max", "{max: 1h}");
        let g = grant(&[(Start, "2026-11-23 10:00"), (Expires, "2026-11-23 11:30")]);
        assert_eq!(
            check(&*rule, &g),
            ["access window is 1h30m, above the 1h maximum"]
        );
    }

    #[test]
    fn missing_or_unreadable_times_are_left_to_other_rules() {
        let rule = rule("window-max", "{}");
        assert!(check(&*rule, &grant(&[(Start, "2026-11-23T10:00:00Z")])).is_empty());
        assert!(
            check(
                &*rule,
                &grant(&[(Start, "soon"), (Expires, "2026-12-23T10:00:00Z")])
            )
            .is_empty()
        );
    }
}
