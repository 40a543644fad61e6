use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::{Field, Grant};
use crate::rules::params::Params;

declare_rule! {
    /// ## What it checks
    /// Every grant has both a `start` and an `expires` time.
    ///
    /// ## Why
    /// The end time should exist before anyone approves the request. A grant with no expiry is
    /// how temporary support access quietly becomes standing access.
    ///
    /// ## Fails
    /// ```yaml
    /// start: 2026-11-23T14:05:00Z
    /// # no expires
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// start: 2026-11-23T14:05:00Z
    /// expires: 2026-11-23T14:35:00Z
    /// ```
    ExpiryRequired, "expiry-required", "the grant has no start or no expiry"
}

pub struct ExpiryRequired;

impl ExpiryRequired {
    fn build(_: &mut Params) -> ExpiryRequired {
        ExpiryRequired
    }
}

impl Rule for ExpiryRequired {
    fn check(&self, grant: &Grant, _: &Context, out: &mut Vec<Violation>) {
        let (start, expires) = (grant.text(Field::Start), grant.text(Field::Expires));
        let (field, message) = match (start, expires) {
            (Some(_), Some(_)) => return,
            (Some(_), None) => (Field::Expires, "grant has no expiry"),
            (None, Some(_)) => (Field::Start, "grant has no start time"),
            (None, None) => (Field::Expires, "grant has neither a start nor an expiry"),
        };
        out.push(Violation::new(
            Some(field),
            grant.span,
            message.into(),
            "set start and expires before access is granted; for most support work 1 to 4 hours is enough",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::grant::Field::{Expires, Id, Start};
    use crate::rules::testing::*;

    #[test]
    fn both_times_are_required() {
        let rule = rule("expiry-required", "{}");
        let both = grant(&[
            (Start, "2026-11-23T10:00:00Z"),
            (Expires, "2026-11-23T11:00:00Z"),
        ]);
        assert!(check(&*rule, &both).is_empty());
        assert_eq!(
            check(&*rule, &grant(&[(Start, "2026-11-23T10:00:00Z")])),
            ["grant has no expiry"]
        );
        assert_eq!(
            check(&*rule, &grant(&[(Expires, "2026-11-23T10:00:00Z")])),
            ["grant has no start time"]
        );
        assert_eq!(
            check(&*rule, &grant(&[(Id, "x"), (Expires, "  ")])),
            ["grant has neither a start nor an expiry"]
        );
    }

    #[test]
    fn an_unreadable_expiry_is_present_not_missing() {
        let rule = rule("expiry-required", "{}");
        let g = grant(&[(Start, "2026-11-23T10:00:00Z"), (Expires, "until fixed")]);
        assert!(check(&*rule, &g).is_empty());
    }
}
