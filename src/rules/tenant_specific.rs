use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::{Field, Grant};
use crate::rules::params::Words;

declare_rule! {
    /// ## What it checks
    /// The grant names exactly one `tenant`: present, not a wildcard (`*`, all, any, global)
    /// and not a list (a YAML or JSON list of several, or text separated by `,`, `;` or `|`).
    ///
    /// ## Why
    /// A problem affecting one customer needs access to one tenant. If a login can jump across
    /// every tenant, it is too broad, and a mistake lands in the wrong account.
    ///
    /// ## Fails
    /// ```yaml
    /// tenant: "*"
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// tenant: acme-prod-eu
    /// ```
    ///
    /// ## Settings
    /// `wildcards`: values that mean every tenant.
    TenantSpecific, "tenant-specific", "the grant does not name exactly one tenant",
    severity: Error,
    fires: "tenant missing, a wildcard (`*`, all, any, global) or a list",
    settings {
        /// Values that mean every tenant.
        wildcards: Words = [
            "*",
            "all",
            "any",
            "global",
            "every",
            "everything",
            "all tenants",
            "any tenant",
        ],
    }
}

pub struct TenantSpecific {
    wildcards: Words,
}

impl TenantSpecific {
    fn build(settings: Settings) -> TenantSpecific {
        TenantSpecific {
            wildcards: settings.wildcards,
        }
    }
}

const HELP: &str = "name one tenant by id or account label, e.g. acme-prod-eu; request another grant for another tenant";

impl Rule for TenantSpecific {
    fn check(&self, grant: &Grant, _: &Context, out: &mut Vec<Violation>) {
        let span = grant.span_of(Field::Tenant);
        let message = match grant.text(Field::Tenant) {
            None => "no tenant named".to_string(),
            Some(tenant) => {
                // Byte by byte: these characters are in almost no tenant. A list given in YAML
                // or JSON is joined with ", ", so it has a comma too.
                let has = |marks: &[u8]| tenant.bytes().any(|b| marks.contains(&b));
                if has(b"*") || self.wildcards.contains(tenant) {
                    format!("tenant `{tenant}` is a wildcard")
                } else if has(b",;|") {
                    format!("tenant `{tenant}` names several tenants")
                } else {
                    return;
                }
            }
        };
        out.push(Violation::new(Some(Field::Tenant), span, message, HELP));
    }
}

#[cfg(test)]
mod tests {
    use crate::grant::Field::{Id, Tenant};
    use crate::rules::testing::*;

    #[test]
    fn one_tenant_passes_wildcards_and_lists_fail() {
        let rule = rule("tenant-specific", "{}");
        assert!(check(&*rule, &grant(&[(Tenant, "acme-prod-eu")])).is_empty());
        assert_eq!(
            check(&*rule, &grant(&[(Tenant, "*")])),
            ["tenant `*` is a wildcard"]
        );
        assert_eq!(check(&*rule, &grant(&[(Tenant, "acme-*")])).len(), 1);
        assert_eq!(
            check(&*rule, &grant(&[(Tenant, "ALL")])),
            ["tenant `ALL` is a wildcard"]
        );
        assert_eq!(
            check(&*rule, &grant(&[(Tenant, "acme; beta")])),
            ["tenant `acme; beta` names several tenants"]
        );
        assert_eq!(check(&*rule, &grant(&[(Id, "1")])), ["no tenant named"]);
    }
}
