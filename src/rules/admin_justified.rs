use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::{Field, Grant};
use crate::rules::params::{Params, Patterns};

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
    AdminJustified, "admin-justified", "a privileged role has no admin justification"
}

pub struct AdminJustified {
    patterns: Patterns,
}

impl AdminJustified {
    fn build(params: &mut Params) -> AdminJustified {
        AdminJustified {
            patterns: params.patterns("patterns"),
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
