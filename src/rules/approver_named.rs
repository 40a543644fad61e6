use super::settings::{Item, items};
use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::{Field, Grant};
use crate::rules::params::{Patterns, PhraseSet};

declare_rule! {
    /// ## What it checks
    /// The `approver` names one person: it is present, is not a generic phrase ("approved",
    /// "manager approved", "on-call", …), does not match a team or alias pattern (`team`,
    /// `group`, `support@…`) and is not a bot. Every recorded approval is judged.
    ///
    /// ## Why
    /// Approval needs a real name. "Support team" or "manager approved" cannot answer a
    /// customer who asks who let an engineer into their tenant, and why. Neither can a bot: an
    /// automatic approval (Teleport's access-approval bot approving by an access monitoring
    /// rule or an on-call schedule) is a rule applied, not a person's decision.
    ///
    /// ## Fails
    /// ```yaml
    /// approver: Support team
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// approver: Ravi Patel, on-call engineering manager
    /// ```
    ///
    /// ## Settings
    /// `generic`: phrases that name nobody; `patterns`: regexes for teams and aliases; `bots`:
    /// the user names of bots and plugins that approve by themselves, compared whole as phrases
    /// are, ignoring case (default: Teleport's `@teleport-access-approval-bot`, which built-in automatic
    /// reviews and Teleport's hosted plugins use; add the user of a self-hosted plugin that
    /// approves). When the policy has a `people:` directory, the approver must also be a known,
    /// active person.
    ApproverNamed, "approver-named", "the approver is missing, generic, or a team",
    severity: Error,
    fires: r#"approver missing, a generic phrase ("manager approved", "approved", "on-call", …), a team/alias pattern (`\bteam\b`, `\bgroup\b`, `support@…`), or a bot (`bots`: Teleport's `@teleport-access-approval-bot`; an automatic approval); every recorded approval is judged"#,
    settings {
        /// Phrases that name nobody, compared after normalising.
        generic: Texts = [
            "approved",
            "pre-approved",
            "auto-approved",
            "auto",
            "automatic",
            "self",
            "self-approved",
            "manager",
            "manager approved",
            "approved by manager",
            "lead",
            "team lead",
            "on-call",
            "oncall",
            "on call",
            "verbal",
            "verbally approved",
            "slack",
            "email",
            "yes",
            "ok",
            "n/a",
            "na",
            "none",
            "tbd",
            "unknown",
            "system",
            "admin",
            "security",
            "management",
        ],
        /// Regexes for teams and aliases.
        patterns: Patterns = TEAM_ALIASES,
        /// User names of bots and plugins that approve by themselves.
        #[note = "User names of bots and plugins that approve by themselves: their approval is automatic,"]
        #[note = "not a named person's. Compared exactly, ignoring case. Teleport's built-in automatic"]
        #[note = "reviews and its hosted plugins approve as this user (gravitational/teleport constants.go,"]
        #[note = "SystemAccessApproverUserName); add the user a self-hosted plugin runs as."]
        bots: Texts = [
            "@teleport-access-approval-bot",
        ],
    }
}

/// Names of teams and shared mailboxes, not of a person: no one approved, no one owns.
pub(super) const TEAM_ALIASES: &[Item] = items![
    r"\bteam\b",
    r"\bgroup\b",
    r"\bsquad\b",
    r"\bdepartment\b",
    "^(support|helpdesk|help|ops|security|secops|it|admin|admins|oncall|on-call|team|noreply|no-reply)@",
];

pub struct ApproverNamed {
    /// The generic phrases and the bots together: what names no person.
    no_one: PhraseSet,
    patterns: Patterns,
    bots: PhraseSet,
}

impl ApproverNamed {
    fn build(settings: Settings) -> ApproverNamed {
        ApproverNamed {
            no_one: PhraseSet::new(settings.generic.iter().chain(&settings.bots).cloned()),
            patterns: settings.patterns,
            bots: PhraseSet::new(settings.bots),
        }
    }
}

const HELP: &str = "name the one person who approved, e.g. \"Ravi Patel\"";
const BOT_HELP: &str = "have a person review such requests, or waive this rule where a policy \
allows automatic approval";

impl Rule for ApproverNamed {
    fn check(&self, grant: &Grant, context: &Context, out: &mut Vec<Violation>) {
        // Every approval of a multi-approver system is judged, not only the first.
        grant.each_approver(|approver, span| {
            if let Some((message, help)) = self.judge(approver, context) {
                out.push(Violation::new(Some(Field::Approver), span, message, help));
            }
        });
        // Each extension is a new decision and needs its own named approver.
        for (i, extension) in grant.extensions.iter().enumerate() {
            let approver = extension.approver.as_ref();
            if let Some((message, help)) =
                self.judge(approver.map(|(text, _)| text.as_str()), context)
            {
                let span = approver.map_or(extension.span, |(_, at)| *at);
                let message = format!("extension {}: {message}", i + 1);
                out.push(Violation::new(Some(Field::Approver), span, message, help));
            }
        }
    }
}

impl ApproverNamed {
    /// What is wrong with an approver, if anything, and what to do about it.
    fn judge(&self, approver: Option<&str>, context: &Context) -> Option<(String, &'static str)> {
        let message = match approver {
            None => "no approver named".to_string(),
            // One lookup for both lists, which every grant pays; which list only on a hit.
            Some(approver) if self.no_one.contains(approver) => {
                if self.bots.contains(approver) {
                    let message = format!(
                        "approver `{approver}` is a bot: the approval was automatic, not a named person's"
                    );
                    return Some((message, BOT_HELP));
                }
                format!("approver `{approver}` names no one")
            }
            Some(approver) if self.patterns.matches(approver) => {
                format!("approver `{approver}` is a team or alias, not a person")
            }
            // How a look-alike of another person's name is made ("Mіna" with a Cyrillic і).
            Some(approver) if crate::rules::identity::mixes_scripts(approver) => {
                let message = format!(
                    "approver `{approver}` mixes Latin letters with Cyrillic or Greek ones: a look-alike of another name?"
                );
                return Some((message, "write the approver's name in one script"));
            }
            // With a people directory, the approver must be a known, active person.
            Some(approver) => {
                let message = context.people.as_ref()?.not_known("approver", approver)?;
                return Some((message, HELP));
            }
        };
        Some((message, HELP))
    }
}

#[cfg(test)]
mod tests {
    use crate::grant::Field::{Approver, Id};
    use crate::rules::testing::*;

    #[test]
    fn a_name_mixing_scripts_is_a_look_alike() {
        let rule = rule("approver-named", "{}");
        let messages = check(&*rule, &grant(&[(Approver, "Mіna Chen")]));
        assert_eq!(messages.len(), 1);
        assert!(messages[0].contains("mixes Latin letters with Cyrillic"));
        assert!(check(&*rule, &grant(&[(Approver, "Зоя Иванова")])).is_empty());
    }

    #[test]
    fn a_person_passes() {
        let rule = rule("approver-named", "{}");
        assert!(check(&*rule, &grant(&[(Approver, "Ravi Patel")])).is_empty());
        assert!(
            check(
                &*rule,
                &grant(&[(Approver, "Ravi Patel, on-call engineering manager")])
            )
            .is_empty()
        );
        assert!(check(&*rule, &grant(&[(Approver, "ravi.patel@acme.io")])).is_empty());
    }

    #[test]
    fn each_extension_needs_a_named_approver() {
        use crate::core::span::Span;
        use crate::grant::Extension;
        let rule = rule("approver-named", "{}");
        let mut g = grant(&[(Approver, "Ravi Patel")]);
        let at = Span {
            line: 9,
            ..Span::default()
        };
        g.extensions.push(Extension {
            approver: Some(("Support Team".into(), at)),
            ..Extension::default()
        });
        g.extensions.push(Extension::default());
        assert_eq!(
            check(&*rule, &g),
            [
                "extension 1: approver `Support Team` is a team or alias, not a person",
                "extension 2: no approver named"
            ]
        );
    }

    #[test]
    fn generic_phrases_teams_and_aliases_fail() {
        let rule = rule("approver-named", "{}");
        assert_eq!(
            check(&*rule, &grant(&[(Approver, "Manager approved.")])),
            ["approver `Manager approved.` names no one"]
        );
        assert_eq!(
            check(&*rule, &grant(&[(Approver, "On-call")])),
            ["approver `On-call` names no one"]
        );
        assert_eq!(
            check(&*rule, &grant(&[(Approver, "Support Team")])),
            ["approver `Support Team` is a team or alias, not a person"]
        );
        assert_eq!(
            check(&*rule, &grant(&[(Approver, "support@acme.io")])).len(),
            1
        );
        assert_eq!(
            check(&*rule, &grant(&[(Approver, "billing-admins group")])).len(),
            1
        );
        assert_eq!(check(&*rule, &grant(&[(Id, "1")])), ["no approver named"]);
    }

    #[test]
    fn every_recorded_approval_is_judged() {
        use crate::core::span::Span;
        use crate::grant::Approval;
        let rule = rule("approver-named", "{}");
        let mut g = grant(&[]);
        for (name, line) in [("Ravi Patel", 3), ("Support Team", 7)] {
            let at = Span {
                line,
                ..Span::default()
            };
            g.approve(Approval {
                approver: (name.into(), at),
                ..Approval::default()
            });
        }
        assert_eq!(
            check(&*rule, &g),
            ["approver `Support Team` is a team or alias, not a person"]
        );
    }

    #[test]
    fn a_bot_is_no_named_approver() {
        let rule = rule("approver-named", "{}");
        assert_eq!(
            check(
                &*rule,
                &grant(&[(Approver, "@Teleport-Access-Approval-Bot")])
            ),
            [
                "approver `@Teleport-Access-Approval-Bot` is a bot: the approval was automatic, not a named person's"
            ]
        );
        // A policy names its own plugin users.
        let own = super::super::testing::rule("approver-named", "{bots: [pagerduty-plugin]}");
        assert_eq!(
            check(&*own, &grant(&[(Approver, "pagerduty-plugin")])).len(),
            1
        );
        assert!(check(&*own, &grant(&[(Approver, "ravi.patel@acme.io")])).is_empty());
    }
}
