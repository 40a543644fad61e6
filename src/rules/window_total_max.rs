use chrono::TimeDelta;

use super::{Context, Rule, declare_rule};
use crate::core::time::format_duration;
use crate::finding::Violation;
use crate::grant::{Field, Grant};

declare_rule! {
    /// ## What it checks
    /// For a grant with `extensions`, the whole window, from `start` to the last extension's
    /// `until`, is at most `max` (default 8h). A grant without extensions is left to
    /// window-max.
    ///
    /// ## Why
    /// Extending access in short, recorded steps is good practice; extending it step by step
    /// into a week is a long-lived grant by another name. The total caps how far the steps go
    /// before the work needs a fresh request.
    ///
    /// ## Fails
    /// ```yaml
    /// start: 2026-11-23T08:00:00Z
    /// expires: 2026-11-23T12:00:00Z
    /// extensions:
    ///   - {until: 2026-11-23T16:00:00Z, reason: …, approver: Ravi Patel}
    ///   - {until: 2026-11-23T19:00:00Z, reason: …, approver: Ravi Patel}   # 11h in all
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// start: 2026-11-23T08:00:00Z
    /// expires: 2026-11-23T12:00:00Z
    /// extensions:
    ///   - {until: 2026-11-23T14:00:00Z, reason: …, approver: Ravi Patel}   # 6h in all
    /// ```
    ///
    /// ## Settings
    /// `max`: the longest total window, as `30m`, `8h`, `1h30m`, `7d` or `PT8H`.
    WindowTotalMax, "window-total-max", "extensions stretch access beyond the total maximum",
    severity: Error,
    fires: "a grant with extensions: start to the last extension's `until` > max",
    note: ["Extensions: start to the last extension's `until`, and how many extensions a grant may have."],
    settings {
        /// The longest total window, start to the last extension's `until`.
        max: Duration = "8h",
    }
}

pub struct WindowTotalMax {
    max: TimeDelta,
}

impl WindowTotalMax {
    fn build(settings: Settings) -> WindowTotalMax {
        WindowTotalMax { max: settings.max }
    }
}

impl Rule for WindowTotalMax {
    fn check(&self, grant: &Grant, _: &Context, out: &mut Vec<Violation>) {
        let Some(start) = grant.time(Field::Start) else {
            return;
        };
        // The extension that reaches furthest; the first of equals.
        let last = grant
            .extensions
            .iter()
            .filter_map(|e| e.until)
            .reduce(|a, b| if b.0 > a.0 { b } else { a });
        let Some((until, span)) = last else {
            return;
        };
        let total = until - start;
        if total > self.max {
            out.push(Violation::new(
                Some(Field::Expires),
                span,
                format!(
                    "extensions stretch access to {} in all, above the {} maximum",
                    format_duration(total),
                    format_duration(self.max)
                ),
                "end this grant and open a new request, with a fresh reason and approval",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::core::span::Span;
    use crate::grant::Extension;
    use crate::grant::Field::{Expires, Start};
    use crate::rules::testing::*;

    fn extended(untils: &[&str]) -> crate::grant::Grant {
        let mut g = grant(&[
            (Start, "2026-11-23T08:00:00Z"),
            (Expires, "2026-11-23T12:00:00Z"),
        ]);
        for (i, until) in untils.iter().enumerate() {
            let at = Span {
                line: 10 + i as u32,
                ..Span::default()
            };
            g.extensions.push(Extension {
                until: Some((until.parse().unwrap(), at)),
                ..Extension::default()
            });
        }
        g
    }

    #[test]
    fn eight_hours_in_all_pass_more_fail_at_the_last_until() {
        let rule = rule("window-total-max", "{}");
        assert!(
            check(
                &*rule,
                &extended(&["2026-11-23T14:00:00Z", "2026-11-23T16:00:00Z"])
            )
            .is_empty()
        );
        let g = extended(&["2026-11-23T16:00:00Z", "2026-11-23T16:30:00Z"]);
        let mut out = Vec::new();
        rule.check(&g, &context(), &mut out);
        assert_eq!(
            out[0].message,
            "extensions stretch access to 8h30m in all, above the 8h maximum"
        );
        assert_eq!(out[0].span.line, 11);
    }

    #[test]
    fn without_extensions_window_max_decides() {
        let rule = rule("window-total-max", "{max: 1h}");
        assert!(check(&*rule, &extended(&[])).is_empty());
        assert_eq!(check(&*rule, &extended(&["2026-11-23T12:30:00Z"])).len(), 1);
    }
}
