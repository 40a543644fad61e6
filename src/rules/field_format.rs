use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::Grant;

declare_rule! {
    /// ## What it checks
    /// Every value can be read: times parse, `expires` is after `start`, a CSV row has as many
    /// cells as the header, text is valid UTF-8, a field holds a value and not a nested
    /// mapping. The rules that need an unreadable value skip that grant; the other records
    /// are still checked.
    ///
    /// ## Why
    /// A record that cannot be read cannot be checked, and "until fixed" is not an end time.
    /// A real end time forces a decision and makes auto expiry easy to verify.
    ///
    /// ## Fails
    /// ```yaml
    /// expires: until fixed
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// expires: 2026-11-23T16:05:00Z
    /// ```
    FieldFormat, "field-format", "a value cannot be read",
    severity: Error,
    fires: "a value cannot be read (bad time, expires before start, ragged CSV row, invalid UTF-8, a nested mapping); the rules that need that value are skipped for that grant",
    settings {}
}

pub struct FieldFormat;

impl FieldFormat {
    fn build(_: Settings) -> FieldFormat {
        FieldFormat
    }
}

impl Rule for FieldFormat {
    fn check(&self, grant: &Grant, _: &Context, out: &mut Vec<Violation>) {
        for problem in &grant.problems {
            out.push(Violation {
                declared: problem.declared,
                ..Violation::new(
                    problem.field,
                    problem.span,
                    problem.message.clone(),
                    problem.help.clone(),
                )
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::grant::Field::{Expires, Start};
    use crate::rules::testing::*;

    #[test]
    fn unreadable_times_and_reversed_windows() {
        let rule = rule("field-format", "{}");
        assert_eq!(
            check(&*rule, &grant(&[(Expires, "until fixed")])),
            [
                "expires `until fixed` is not a time: expected a date and time such as 2026-11-23T14:05:00Z"
            ]
        );
        assert_eq!(
            check(
                &*rule,
                &grant(&[
                    (Start, "2026-11-23T14:00:00Z"),
                    (Expires, "2026-11-23T13:00:00Z")
                ])
            ),
            ["expires is before start"]
        );
    }
}
