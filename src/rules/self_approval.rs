use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::{Field, Grant};
use crate::rules::identity;

declare_rule! {
    /// ## What it checks
    /// The `approver` is not the `grantee`. Names are compared as people, not strings: case,
    /// white space, Unicode forms (NFKC), zero-width and bidi characters, a title after a comma
    /// or in parentheses, and Cyrillic or Greek look-alike letters make no difference. When the
    /// policy has a `people:` directory, a name also matches the same person's email and aliases.
    ///
    /// ## Why
    /// An approval is a second person confirming the tenant, the scope and the time limit.
    /// Approving your own access confirms nothing.
    ///
    /// ## Fails
    /// ```yaml
    /// grantee: Mina Chen
    /// approver: mina chen
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// grantee: Mina Chen
    /// approver: Ravi Patel
    /// ```
    SelfApproval, "self-approval", "the grantee approved their own access",
    severity: Error,
    fires: "approver is the grantee (compared as people: case, Unicode forms, invisible characters, titles and look-alike letters aside)",
    settings {}
}

pub struct SelfApproval;

impl SelfApproval {
    fn build(_: Settings) -> SelfApproval {
        SelfApproval
    }
}

impl Rule for SelfApproval {
    fn check(&self, grant: &Grant, context: &Context, out: &mut Vec<Violation>) {
        let Some(grantee) = grant.text(Field::Grantee) else {
            return;
        };
        // Every approval counts: one of several approvers being the grantee is still a
        // grantee approving their own access.
        // Nearly no approver holds a comma, as `Grant::finish` found: not searched for again.
        let commas = grant.approvers_may_hold_comma();
        grant.each_approver(|approver, span| {
            let Some(approver) = approver else { return };
            // The directory sees through email and aliases: "mina@acme.io" approving Mina Chen.
            let same = |approver: &str| {
                let same_person = context
                    .people
                    .as_ref()
                    .is_some_and(|p| p.same_person(approver, grantee));
                same_person || identity::same_name(approver, grantee)
            };
            // "Ravi Patel, Mina Chen" in a cell is read as a name and a title; the grantee
            // after the comma is still the grantee approving.
            let comma = || commas && approver.contains(',');
            if same(approver) || (comma() && approver.split(',').any(same)) {
                out.push(Violation::new(
                    Some(Field::Approver),
                    span,
                    format!("`{grantee}` approved their own access"),
                    "have someone other than the grantee approve the grant",
                ));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::grant::Field::{Approver, Grantee};
    use crate::rules::testing::*;

    #[test]
    fn a_look_alike_or_a_title_does_not_hide_the_grantee() {
        let rule = rule("self-approval", "{}");
        for approver in [
            "Mi\u{200B}na Chen",
            "\u{202E}Mina Chen\u{202C}",
            "Ｍｉｎａ Ｃｈｅｎ",
            "Mіna Сhen",
            "Mina Chen, support lead",
        ] {
            let g = grant(&[(Grantee, "Mina Chen"), (Approver, approver)]);
            assert_eq!(check(&*rule, &g).len(), 1, "{approver:?}");
        }
        let g = grant(&[(Grantee, "Patel, Ravi"), (Approver, "Patel, Anna")]);
        assert!(check(&*rule, &g).is_empty());
    }

    #[test]
    fn same_person_in_any_case_fails() {
        let rule = rule("self-approval", "{}");
        assert_eq!(
            check(
                &*rule,
                &grant(&[(Grantee, "Mina Chen"), (Approver, " mina CHEN ")])
            ),
            ["`Mina Chen` approved their own access"]
        );
        assert!(
            check(
                &*rule,
                &grant(&[(Grantee, "Mina Chen"), (Approver, "Ravi Patel")])
            )
            .is_empty()
        );
        assert!(check(&*rule, &grant(&[(Grantee, "Mina Chen")])).is_empty());
    }

    #[test]
    fn a_self_approval_in_the_second_slot_of_one_cell_fails() {
        let rule = rule("self-approval", "{}");
        for approvers in [
            "Ravi Patel; mina chen",
            "Ravi Patel | Mina Chen",
            "Ravi Patel\nMina Chen",
            "Ravi Patel and Mina Chen",
            "Ravi Patel, Mina Chen",
        ] {
            let g = grant(&[(Grantee, "Mina Chen"), (Approver, approvers)]);
            assert_eq!(
                check(&*rule, &g),
                ["`Mina Chen` approved their own access"],
                "{approvers:?}"
            );
        }
        let g = grant(&[(Grantee, "Mina Chen"), (Approver, "Ravi Patel; Dana Lee")]);
        assert!(check(&*rule, &g).is_empty());
        // As a loader hands it over, the value read once by `finish`.
        for (approvers, fails) in [("Ravi Patel, Mina Chen", 1), ("Ravi Patel", 0)] {
            let mut g = grant(&[(Grantee, "Mina Chen"), (Approver, approvers)]);
            g.finish();
            assert_eq!(check(&*rule, &g).len(), fails, "{approvers:?}");
        }
    }

    #[test]
    fn any_of_several_approvers_being_the_grantee_fails() {
        let rule = rule("self-approval", "{}");
        let mut g = grant(&[(Grantee, "Mina Chen")]);
        for name in ["Ravi Patel", "mina chen"] {
            g.approve(crate::grant::Approval {
                approver: (name.into(), crate::core::span::Span::default()),
                ..Default::default()
            });
        }
        assert_eq!(
            g.text(Approver),
            Some("Ravi Patel"),
            "the first is the approver"
        );
        assert_eq!(check(&*rule, &g), ["`Mina Chen` approved their own access"]);
    }
}
