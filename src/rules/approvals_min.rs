use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::{Field, Grant};
use crate::rules::identity;

declare_rule! {
    /// ## What it checks
    /// At least `min` distinct people approved the grant: every recorded approval, or every
    /// name the `approver` field holds (separated by `;`, `|`, a line break, ` and ` or ` & `,
    /// or the items of a YAML or JSON list; `approvers` is read as `approver`). Two names of one
    /// person count once: compared as people, and through the `people:` directory's names,
    /// emails, aliases and handles when the policy has one. With a directory, only known,
    /// active people count; an unknown name is `approver-named`'s finding. The grantee approving
    /// their own access is not counted.
    ///
    /// Off in the default policy: turn it on where two people must approve, e.g. in an
    /// override for production admin roles.
    ///
    /// ## Why
    /// A two-person rule (Google Cloud PAM's `approvalsNeeded`, Teleport's review thresholds,
    /// SOC 2 and PCI DSS dual control for privileged access) is met only by two people. One
    /// person written twice, under a name and a handle, is one approval.
    ///
    /// ## Fails
    /// ```yaml
    /// # with min: 2
    /// approver: Ravi Patel; rpatel   # one person, twice
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// # with min: 2
    /// approvers: [Ravi Patel, Dana Lee]
    /// ```
    ///
    /// ## Settings
    /// `min`: how many distinct people must approve.
    ApprovalsMin, "approvals-min", "fewer distinct people approved than the policy requires",
    severity: Error,
    fires: "fewer than `min` distinct people approved (names compared as people and through the people directory; off by default: turn it on per override)",
    default: off,
    settings {
        /// How many distinct people must approve.
        min: Count = 2,
    }
}

pub struct ApprovalsMin {
    min: usize,
}

impl ApprovalsMin {
    fn build(settings: Settings) -> ApprovalsMin {
        ApprovalsMin { min: settings.min }
    }
}

impl Rule for ApprovalsMin {
    fn check(&self, grant: &Grant, context: &Context, out: &mut Vec<Violation>) {
        let people = context.people.as_deref();
        let same = |a: &str, b: &str| {
            people.is_some_and(|p| p.same_person(a, b)) || identity::same_name(a, b)
        };
        let mut names = grant.distinct_approvers(same);
        // Approving your own access is no approval (self-approval's finding): not counted.
        if let Some(grantee) = grant.text(Field::Grantee) {
            names.retain(|n| !same(n, grantee));
        }
        // With a directory, a person is someone it knows, active; the rest name no one yet.
        let counted: Vec<&str> = match people {
            Some(people) => names
                .iter()
                .copied()
                .filter(|n| people.not_known("approver", n).is_none())
                .collect(),
            None => names.clone(),
        };
        if counted.len() >= self.min {
            return;
        }
        let listed = if counted.is_empty() {
            "no one".to_string()
        } else {
            counted
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut message = format!(
            "{} distinct approver{} needed, {} approved: {listed}",
            self.min,
            if self.min == 1 { "" } else { "s" },
            counted.len()
        );
        if names.len() > counted.len() {
            message.push_str(&format!(
                " ({} not a known, active person)",
                names.len() - counted.len()
            ));
        }
        out.push(Violation::new(
            Some(Field::Approver),
            grant.span_of(Field::Approver),
            message,
            "have more people approve, each under their own name; separate names with `;`",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::grant::Field::{Approver, Grantee};
    use crate::rules::testing::*;

    #[test]
    fn two_distinct_people_pass_and_one_person_twice_fails() {
        let rule = rule("approvals-min", "{}");
        assert!(check(&*rule, &grant(&[(Approver, "Ravi Patel; Dana Lee")])).is_empty());
        // The grantee's own approval does not count.
        assert_eq!(
            check(
                &*rule,
                &grant(&[(Grantee, "Dana Lee"), (Approver, "Ravi Patel; dana lee")])
            ),
            ["2 distinct approvers needed, 1 approved: `Ravi Patel`"]
        );
        assert_eq!(
            check(&*rule, &grant(&[(Approver, "Ravi Patel; ravi  PATEL")])),
            ["2 distinct approvers needed, 1 approved: `Ravi Patel`"]
        );
        assert_eq!(
            check(&*rule, &grant(&[(Grantee, "Mina Chen")])),
            ["2 distinct approvers needed, 0 approved: no one"]
        );
        // A comma in a cell is a title, not a second approver.
        assert_eq!(
            check(&*rule, &grant(&[(Approver, "Ravi Patel, Dana Lee")])).len(),
            1
        );
        let three = super::super::testing::rule("approvals-min", "{min: 3}");
        assert_eq!(
            check(&*three, &grant(&[(Approver, "Ravi Patel and Dana Lee")])),
            ["3 distinct approvers needed, 2 approved: `Ravi Patel`, `Dana Lee`"]
        );
    }
}
