use super::approver_named::TEAM_ALIASES;
use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::{Field, Grant};
use crate::rules::params::Patterns;

declare_rule! {
    /// ## What it checks
    /// The grant has an `owner` who is a person, not a team or alias.
    ///
    /// ## Why
    /// One person should own the request from start to finish and check that the grant is
    /// gone when the work ends. Shared ownership usually means no ownership.
    ///
    /// ## Fails
    /// ```yaml
    /// owner: Support team
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// owner: Dana Lee
    /// ```
    ///
    /// ## Settings
    /// `patterns`: regexes for teams and aliases. When the policy has a `people:` directory, the
    /// owner must also be a known, active person.
    OwnerNamed, "owner-named", "no person owns the grant through closeout",
    severity: Warning,
    fires: "owner missing or a team/alias",
    settings {
        /// Regexes for teams and aliases.
        patterns: Patterns = TEAM_ALIASES,
    }
}

pub struct OwnerNamed {
    patterns: Patterns,
}

impl OwnerNamed {
    fn build(settings: Settings) -> OwnerNamed {
        OwnerNamed {
            patterns: settings.patterns,
        }
    }
}

const HELP: &str = "name the one person who checks the grant is gone at closeout";

impl Rule for OwnerNamed {
    fn check(&self, grant: &Grant, context: &Context, out: &mut Vec<Violation>) {
        let span = grant.span_of(Field::Owner);
        match grant.text(Field::Owner) {
            None => out.push(Violation::new(
                Some(Field::Owner),
                span,
                "no owner named".into(),
                HELP,
            )),
            Some(owner) if self.patterns.matches(owner) => out.push(Violation::new(
                Some(Field::Owner),
                span,
                format!("owner `{owner}` is a team or alias, not a person"),
                HELP,
            )),
            Some(owner) => {
                let people = context.people.as_ref();
                if let Some(message) = people.and_then(|p| p.not_known("owner", owner)) {
                    let help = crate::rules::people::HELP;
                    out.push(Violation::new(Some(Field::Owner), span, message, help));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::grant::Field::{Id, Owner};
    use crate::rules::testing::*;

    #[test]
    fn a_person_owns_the_grant() {
        let rule = rule("owner-named", "{}");
        assert!(check(&*rule, &grant(&[(Owner, "Dana Lee")])).is_empty());
        assert_eq!(
            check(&*rule, &grant(&[(Owner, "Support team")])),
            ["owner `Support team` is a team or alias, not a person"]
        );
        assert_eq!(check(&*rule, &grant(&[(Id, "1")])), ["no owner named"]);
    }
}
