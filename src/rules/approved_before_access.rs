use super::{Context, Rule, declare_rule};
use crate::core::time::format_duration;
use crate::finding::Violation;
use crate::grant::{Field, Grant};

declare_rule! {
    /// ## What it checks
    /// Approval came before access: `approved_at` is not later than `start`.
    ///
    /// ## Why
    /// If a process allows approval after login, people will use that shortcut every time,
    /// and the approval becomes a formality recorded after the fact.
    ///
    /// ## Fails
    /// ```yaml
    /// start: 2026-11-23T14:05:00Z
    /// approved_at: 2026-11-23T14:20:00Z
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// approved_at: 2026-11-23T14:01:00Z
    /// start: 2026-11-23T14:05:00Z
    /// ```
    ApprovedBeforeAccess, "approved-before-access", "approval came after access began",
    severity: Error,
    fires: "approved_at is later than start",
    settings {}
}

pub struct ApprovedBeforeAccess;

impl ApprovedBeforeAccess {
    fn build(_: Settings) -> ApprovedBeforeAccess {
        ApprovedBeforeAccess
    }
}

impl Rule for ApprovedBeforeAccess {
    fn check(&self, grant: &Grant, _: &Context, out: &mut Vec<Violation>) {
        let (Some(approved), Some(start)) =
            (grant.time(Field::ApprovedAt), grant.time(Field::Start))
        else {
            return;
        };
        if approved > start {
            out.push(Violation::new(
                Some(Field::ApprovedAt),
                grant.span_of(Field::ApprovedAt),
                format!(
                    "approved {} after access began",
                    format_duration(approved - start)
                ),
                "approve before access starts; approval after login is a formality",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::grant::Field::{ApprovedAt, Start};
    use crate::rules::testing::*;

    #[test]
    fn approval_must_not_follow_the_start() {
        let rule = rule("approved-before-access", "{}");
        let at = |a| grant(&[(Start, "2026-11-23T14:05:00Z"), (ApprovedAt, a)]);
        assert!(check(&*rule, &at("2026-11-23T14:05:00Z")).is_empty());
        assert!(check(&*rule, &at("2026-11-23T15:00:00+02:00")).is_empty());
        assert_eq!(
            check(&*rule, &at("2026-11-23T14:20:00Z")),
            ["approved 15m after access began"]
        );
    }
}
