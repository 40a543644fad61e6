use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::{Field, Grant};
use crate::rules::params::{Patterns, Words};

declare_rule! {
    /// ## What it checks
    /// Access goes to one named person: the `grantee` is present, the `account_type` is not
    /// shared, service or generic, and the grantee does not look like a shared account
    /// (`support@…`, `admin`, `root`, `shared-…`, `helpdesk…`).
    ///
    /// ## Why
    /// If three people can sign in as the same user, the audit trail stops being useful: you
    /// know someone entered the tenant, not who changed a setting or left the session open.
    ///
    /// ## Fails
    /// ```yaml
    /// grantee: support@vendor.io
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// grantee: Mina Chen
    /// account_type: personal
    /// ```
    ///
    /// ## Settings
    /// `account_types`: account types that are not one person; `patterns`: regexes for shared
    /// account names. When the policy has a `people:` directory, the grantee must also be a known,
    /// active person.
    SharedAccount, "shared-account", "access goes to a shared account, not a named person",
    severity: Error,
    fires: "grantee missing, account_type shared/service/generic, or grantee matches a shared pattern (support@…, admin, root, shared-…, helpdesk…, ServiceNow's `System Administrator`)",
    settings {
        /// Account types that are not one person.
        account_types: Words = [
            "shared",
            "service",
            "generic",
            "group",
            "team",
            "system",
        ],
        /// Regexes for shared account names.
        patterns: Patterns = [
            "^support@",
            "^(admin|administrator|root|superuser|sysadmin)(@|$)",
            "^shared[-_.@ ]",
            "^helpdesk",
            "^(support|ops|it|oncall|on-call|team|noreply|no-reply)(@|$)",
            "^(svc|service)[-_.]",
            "^generic",
            "^system administrator$" # "ServiceNow's built-in admin, by name and by its sys_id",
            "^6816f79cc0a8016401c5a33be04be441$",
        ],
    }
}

pub struct SharedAccount {
    account_types: Words,
    patterns: Patterns,
}

impl SharedAccount {
    fn build(settings: Settings) -> SharedAccount {
        SharedAccount {
            account_types: settings.account_types,
            patterns: settings.patterns,
        }
    }
}

const HELP: &str = "give each person their own short-lived grant";

impl Rule for SharedAccount {
    fn check(&self, grant: &Grant, context: &Context, out: &mut Vec<Violation>) {
        if let Some(kind) = grant.text(Field::AccountType)
            && self.account_types.contains(kind)
        {
            out.push(Violation::new(
                Some(Field::AccountType),
                grant.span_of(Field::AccountType),
                format!("account type `{kind}` hides who used the access"),
                HELP,
            ));
            return;
        }
        let span = grant.span_of(Field::Grantee);
        match grant.text(Field::Grantee) {
            None => out.push(Violation::new(
                Some(Field::Grantee),
                span,
                "no named grantee".into(),
                HELP,
            )),
            Some(grantee) if self.patterns.matches(grantee) => out.push(Violation::new(
                Some(Field::Grantee),
                span,
                format!("grantee `{grantee}` is a shared account"),
                HELP,
            )),
            Some(grantee) => {
                let people = context.people.as_ref();
                if let Some(message) = people.and_then(|p| p.not_known("grantee", grantee)) {
                    let help = crate::rules::people::HELP;
                    out.push(Violation::new(Some(Field::Grantee), span, message, help));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::grant::Field::{AccountType, Grantee};
    use crate::rules::testing::*;

    #[test]
    fn named_people_pass() {
        let rule = rule("shared-account", "{}");
        for name in [
            "Mina Chen",
            "mina.chen@vendor.io",
            "Adminah Rootes",
            "Sharon Shared",
        ] {
            assert!(
                check(
                    &*rule,
                    &grant(&[(Grantee, name), (AccountType, "personal")])
                )
                .is_empty(),
                "{name}"
            );
        }
    }

    #[test]
    fn shared_names_and_types_fail() {
        let rule = rule("shared-account", "{}");
        for name in [
            "support@vendor.io",
            "admin",
            "ROOT",
            "shared-ops",
            "helpdesk",
            "helpdesk-eu",
        ] {
            assert_eq!(
                check(&*rule, &grant(&[(Grantee, name)])),
                [format!("grantee `{name}` is a shared account")]
            );
        }
        assert_eq!(
            check(
                &*rule,
                &grant(&[(Grantee, "Mina Chen"), (AccountType, "Shared")])
            ),
            ["account type `Shared` hides who used the access"]
        );
        assert_eq!(check(&*rule, &grant(&[(AccountType, "service")])).len(), 1);
        assert_eq!(
            check(&*rule, &grant(&[(AccountType, "personal")])),
            ["no named grantee"]
        );
    }
}
