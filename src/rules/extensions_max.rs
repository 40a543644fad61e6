use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::Grant;

declare_rule! {
    /// ## What it checks
    /// A grant has at most `max` recorded `extensions` (default 2).
    ///
    /// ## Why
    /// An extension or two is normal when a fix takes longer than planned. A grant extended
    /// again and again means the work has outgrown temporary access: it needs a new request,
    /// or the access model needs a look.
    ///
    /// ## Fails
    /// ```yaml
    /// extensions:
    ///   - {until: 2026-11-23T13:00:00Z, reason: …, approver: Ravi Patel}
    ///   - {until: 2026-11-23T14:00:00Z, reason: …, approver: Ravi Patel}
    ///   - {until: 2026-11-23T15:00:00Z, reason: …, approver: Ravi Patel}
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// extensions:
    ///   - {until: 2026-11-23T13:00:00Z, reason: …, approver: Ravi Patel}
    /// ```
    ///
    /// ## Settings
    /// `max`: how many extensions a grant may have.
    ExtensionsMax, "extensions-max", "the grant was extended too many times",
    severity: Warning,
    fires: "a grant has more than max extensions",
    settings {
        /// How many extensions a grant may have.
        max: Count = 2,
    }
}

pub struct ExtensionsMax {
    max: usize,
}

impl ExtensionsMax {
    fn build(settings: Settings) -> ExtensionsMax {
        ExtensionsMax { max: settings.max }
    }
}

impl Rule for ExtensionsMax {
    fn check(&self, grant: &Grant, _: &Context, out: &mut Vec<Violation>) {
        let count = grant.extensions.len();
        // Point at the first extension beyond the limit.
        if let Some(extra) = grant.extensions.get(self.max) {
            out.push(Violation::new(
                None,
                extra.span,
                format!(
                    "grant extended {count} times, above the {} maximum",
                    self.max
                ),
                "end this grant and open a new request instead of extending it again",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::core::span::Span;
    use crate::grant::Extension;
    use crate::grant::Field::Id;
    use crate::rules::testing::*;

    fn extended(count: u32) -> crate::grant::Grant {
        let mut g = grant(&[(Id, "SUP-1")]);
        for line in 0..count {
            g.extensions.push(Extension {
                span: Span {
                    line: 10 + line,
                    ..Span::default()
                },
                ..Extension::default()
            });
        }
        g
    }

    #[test]
    fn two_pass_three_fail_at_the_third() {
        let rule = rule("extensions-max", "{}");
        assert!(check(&*rule, &extended(0)).is_empty());
        assert!(check(&*rule, &extended(2)).is_empty());
        let g = extended(3);
        let mut out = Vec::new();
        rule.check(&g, &context(), &mut out);
        assert_eq!(
            out[0].message,
            "grant extended 3 times, above the 2 maximum"
        );
        assert_eq!(out[0].span.line, 12);
        let none = crate::rules::testing::rule("extensions-max", "{max: 0}");
        assert_eq!(check(&*none, &extended(1)).len(), 1);
    }
}
