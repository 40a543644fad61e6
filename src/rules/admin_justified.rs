use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::{Field, Grant};
use crate::policy::params::{Params, Patterns};

declare_rule! {
    /// ## What it checks
    /// A privileged `role` (admin, administrator, owner, superuser, root, …) comes with an
    /// `admin_justification`.
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
}
