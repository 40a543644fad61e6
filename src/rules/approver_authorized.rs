use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::{Field, Grant};

declare_rule! {
    /// ## What it checks
    /// Every approver is a known, active person of the policy's `people:` directory who holds
    /// one of the `groups` the policy names (a group is one of the person's `groups`, or their
    /// `team`). An approver the directory does not know is a finding that says so: their
    /// authority cannot be checked, so the grant does not pass. Every approver of several is
    /// judged.
    ///
    /// Off in the default policy: turn it on, with the groups that may approve, where the
    /// policy has a directory. With `groups` empty, being a known, active person is enough.
    ///
    /// ## Why
    /// "Approved by someone" is not "approved by someone allowed to": Teleport's
    /// `review_requests` roles, Google Cloud PAM's approvers and AWS TEAM's approver groups
    /// name who may approve. An auditor asks that the approver held that authority.
    ///
    /// ## Fails
    /// ```yaml
    /// # with groups: [on-call-managers]; Dana Lee is in the directory, in no such group
    /// approver: Dana Lee
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// # with groups: [on-call-managers]; Ravi Patel has groups: [on-call-managers]
    /// approver: rpatel
    /// ```
    ///
    /// ## Settings
    /// `groups`: the groups or roles of the people directory an approver must hold one of.
    ApproverAuthorized, "approver-authorized", "the approver holds none of the groups allowed to approve",
    severity: Error,
    fires: "an approver is not in the people directory, is inactive, or holds none of `groups` (off by default: turn it on with the groups that may approve)",
    default: off,
    settings {
        /// The groups or roles of the people directory an approver must hold one of.
        groups: Texts = [],
    }
}

pub struct ApproverAuthorized {
    groups: Vec<String>,
}

impl ApproverAuthorized {
    fn build(settings: Settings) -> ApproverAuthorized {
        ApproverAuthorized {
            groups: settings.groups,
        }
    }
}

const HELP: &str = "have a person of a group the policy names approve, or add the approver's group to the people directory";

impl Rule for ApproverAuthorized {
    fn check(&self, grant: &Grant, context: &Context, out: &mut Vec<Violation>) {
        grant.each_approver(|approver, span| {
            // A missing approver is approver-named's finding.
            let Some(approver) = approver else { return };
            let Some(message) = self.judge(approver, context) else {
                return;
            };
            out.push(Violation::new(Some(Field::Approver), span, message, HELP));
        });
    }
}

impl ApproverAuthorized {
    /// Why `approver` may not approve, if so.
    fn judge(&self, approver: &str, context: &Context) -> Option<String> {
        let Some(people) = context.people.as_deref() else {
            return Some(format!(
                "approver `{approver}` cannot be checked: the policy has no `people:` directory"
            ));
        };
        if let Some(why) = people.not_known("approver", approver) {
            return Some(format!("{why}: their authority cannot be checked"));
        }
        let person = people.find(approver)?;
        if self.groups.is_empty() || self.groups.iter().any(|g| person.holds(g)) {
            return None;
        }
        Some(format!(
            "approver `{approver}` ({}) holds none of the groups that may approve: {}",
            person.name,
            self.groups.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::Rule;
    use crate::grant::Field::Approver;
    use crate::rules::testing::*;

    fn checked(rule: &dyn Rule, people: Option<&str>, approver: &str) -> Vec<String> {
        let mut context = context();
        context.people = people.map(|text| {
            let source = crate::core::source::Source {
                name: "p.yaml".into(),
                text: Arc::from(text),
            };
            let node = crate::core::node::parse(text).unwrap();
            let mut errors = Vec::new();
            let people = crate::rules::people::parse(&source, &node, &mut errors).unwrap();
            assert!(errors.is_empty(), "{errors:?}");
            people
        });
        let mut out = Vec::new();
        rule.check(&grant(&[(Approver, approver)]), &context, &mut out);
        out.into_iter().map(|v| v.message).collect()
    }

    const STAFF: &str = "- {name: Ravi Patel, handles: [rpatel], groups: [on-call-managers]}\n- {name: Dana Lee, team: support}\n- {name: Old Timer, groups: [on-call-managers], active: false}\n";

    #[test]
    fn every_approver_must_hold_a_named_group() {
        let rule = rule("approver-authorized", "{groups: [On-Call Managers]}");
        assert!(checked(&*rule, Some(STAFF), "rpatel").is_empty());
        assert_eq!(
            checked(&*rule, Some(STAFF), "rpatel; Dana Lee"),
            [
                "approver `Dana Lee` (Dana Lee) holds none of the groups that may approve: On-Call Managers"
            ]
        );
        assert_eq!(
            checked(&*rule, Some(STAFF), "Sam Stranger"),
            [
                "approver `Sam Stranger` is not in the people directory: their authority cannot be checked"
            ]
        );
        assert_eq!(checked(&*rule, Some(STAFF), "old timer").len(), 1);
        assert_eq!(
            checked(&*rule, None, "rpatel"),
            ["approver `rpatel` cannot be checked: the policy has no `people:` directory"]
        );
        // A team is a group too; no groups named: a known, active person is enough.
        let team = super::super::testing::rule("approver-authorized", "{groups: [support]}");
        assert!(checked(&*team, Some(STAFF), "Dana Lee").is_empty());
        let any = super::super::testing::rule("approver-authorized", "{}");
        assert!(checked(&*any, Some(STAFF), "Dana Lee").is_empty());
        assert_eq!(checked(&*any, Some(STAFF), "Sam Stranger").len(), 1);
    }
}
