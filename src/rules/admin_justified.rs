use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::{Field, Grant};
use crate::rules::params::Patterns;

declare_rule! {
    /// ## What it checks
    /// A privileged `role` (admin, administrator, owner, superuser, root, …) comes with an
    /// `admin_justification`. The default patterns know each supported system's privileged
    /// roles: AWS `AdministratorAccess`, `PowerUserAccess` and `*FullAccess`; GCP `roles/owner`,
    /// `roles/editor`, `roles/*.admin` and `roles/*Admin`, and the service account
    /// impersonation roles; Teleport's preset `editor` and `access`; Entra's administrator roles
    /// and the other roles Microsoft labels privileged (Directory Writers, Directory
    /// Synchronization Accounts, Partner Tier1/Tier2 Support). Viewer and reader roles do not
    /// count. Native exports fill `admin_justification` from the system's justification.
    ///
    /// ## Why
    /// Read-only access is enough for many checks; a billing, audit or user management role is
    /// enough for most others. Full admin rights should be rare, and their reason written down.
    ///
    /// ## Fails
    /// ```yaml
    /// role: TenantAdmin
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// role: TenantAdmin
    /// admin_justification: SSO mapping rules can only be edited by tenant admins
    /// ```
    ///
    /// ## Settings
    /// `patterns`: regexes for privileged roles.
    AdminJustified, "admin-justified", "a privileged role has no admin justification",
    severity: Error,
    fires: "role matches a privileged pattern (admin, administrator, owner, superuser, root, each system's [privileged roles](docs/policy.md#phrases-patterns-and-privileged-roles)) and admin_justification is empty",
    settings {
        /// Regexes for privileged roles.
        patterns: Patterns = [
            "admin",
            r"\bowner\b",
            "superuser",
            r"\broot\b",
            r"\bsudo\b",
            "full[-_ ]?access",
            "privileged",
            "^owner",
            r"(^|,)\s*(roles/)?editor\s*(,|$)" # "GCP basic roles/editor, Teleport preset editor (one item of a list)",
            r"(^|,)\s*access\s*(,|$)" # "Teleport preset access",
            "power[-_ ]?user" # "AWS PowerUserAccess",
            r"\broles/iam\.serviceAccount(TokenCreator|User)\b" # "GCP: act as any service account",
            r"(^|,)\s*(directory writers|directory synchronization accounts|partner tier[12] support)\s*(,|$)" # "Entra privileged, no \"admin\" in the name",
        ],
    }
}

pub struct AdminJustified {
    patterns: Patterns,
}

impl AdminJustified {
    fn build(settings: Settings) -> AdminJustified {
        AdminJustified {
            patterns: settings.patterns,
        }
    }
}

impl Rule for AdminJustified {
    fn check(&self, grant: &Grant, _: &Context, out: &mut Vec<Violation>) {
        let Some(role) = grant.text(Field::Role) else {
            return;
        };
        if self.patterns.matches(role) && grant.text(Field::AdminJustification).is_none() {
            out.push(Violation::new(
                Some(Field::Role),
                grant.span_of(Field::Role),
                format!("privileged role `{role}` has no admin_justification"),
                "grant a narrower role (read-only, billing, logs), or record why it is not enough in admin_justification",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::grant::Field::{AdminJustification, Role};
    use crate::rules::testing::*;

    #[test]
    fn privileged_roles_need_a_justification() {
        let rule = rule("admin-justified", "{}");
        for role in [
            "admin",
            "Global Administrator",
            "AdministratorAccess",
            "Owner",
            "superuser",
            "root",
            "tenant-admin",
        ] {
            assert_eq!(check(&*rule, &grant(&[(Role, role)])).len(), 1, "{role}");
            assert!(
                check(
                    &*rule,
                    &grant(&[
                        (Role, role),
                        (AdminJustification, "mapping edits need admin")
                    ])
                )
                .is_empty()
            );
        }
        for role in [
            "read-only",
            "billing-reader",
            "ReadOnlyAccess",
            "support-logs",
        ] {
            assert!(check(&*rule, &grant(&[(Role, role)])).is_empty(), "{role}");
        }
    }

    /// Each system's privileged roles, and its nearest roles that are not.
    #[test]
    fn the_default_patterns_know_each_systems_privileged_roles() {
        let rule = rule("admin-justified", "{}");
        let privileged = [
            // Google Cloud: basic roles, admin roles, impersonation
            "roles/owner",
            "roles/editor",
            "roles/resourcemanager.organizationAdmin",
            "roles/iam.securityAdmin",
            "roles/compute.admin",
            "roles/iam.serviceAccountTokenCreator",
            "roles/iam.serviceAccountUser",
            "roles/logging.viewer, roles/editor",
            // AWS permission sets
            "AdministratorAccess",
            "PowerUserAccess",
            "IAMFullAccess",
            // Teleport presets, alone or in a list
            "editor",
            "access",
            "auditor, access",
            "Editor",
            // Entra directory roles
            "Global Administrator",
            "Privileged Role Administrator",
            "Privileged Authentication Administrator",
            "Security Administrator",
            "Directory Writers",
            "Directory Synchronization Accounts",
            "Partner Tier2 Support",
        ];
        for role in privileged {
            assert_eq!(check(&*rule, &grant(&[(Role, role)])).len(), 1, "{role}");
        }
        let not_privileged = [
            "roles/viewer",
            "roles/logging.viewer",
            "roles/bigquery.dataEditor",
            "roles/iam.serviceAccountViewer",
            "projects/acme/roles/editor",
            "ReadOnlyAccess",
            "ViewOnlyAccess",
            "SupportReadOnly",
            "auditor",
            "requester",
            "access-reviewer",
            "editors-readonly",
            "Global Reader",
            "Directory Readers",
            "Security Reader",
        ];
        for role in not_privileged {
            assert!(check(&*rule, &grant(&[(Role, role)])).is_empty(), "{role}");
        }
    }
}
