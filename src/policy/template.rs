//! Policy text written for people: each rule's block of the default policy (for `explain`),
//! and the commented starting policy that `grantlint init` writes.

use super::DEFAULT_POLICY;
use crate::rules::REGISTRY;

/// The rule's block of policies/default.yaml, comments and all, unindented.
pub fn rule_block(id: &str) -> String {
    let mut block = String::new();
    let mut inside = false;
    for line in DEFAULT_POLICY.lines() {
        if let Some(key) = line.strip_prefix("  ").filter(|l| !l.starts_with(' ')) {
            inside = key.strip_suffix(':').is_some_and(|k| k == id);
        }
        if inside && !line.trim().is_empty() {
            block.push_str(line.strip_prefix("  ").unwrap_or(line));
            block.push('\n');
        }
    }
    block
}

/// A `grantlint.yaml` that states the default policy in full, each rule with a one-line
/// comment, so a team edits values instead of looking them up.
pub fn starting_policy() -> String {
    let mut text = String::from(
        "# grantlint policy. It states the default policy in full: edit what your team's rule\n\
         # differs on and delete the rest (what a policy leaves out keeps its default).\n\
         # `grantlint explain RULE` documents a rule; `grantlint policy check` validates this\n\
         # file; `grantlint policy show` prints the effective policy and where each value is set.\n\
         # Severities: error, warning, info, off. Durations: 30m, 4h, 1h30m, 7d or PT4H.\n\
         version: 1\n\
         extends: default\n\
         \n\
         rules:\n",
    );
    for meta in REGISTRY {
        text.push_str(&format!("  # {}: {}\n", meta.id, meta.summary));
        for line in rule_block(meta.id).lines() {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
        }
        text.push('\n');
    }
    text.push_str(
        "# Settings for some grants only: a match on role, environment and/or tenant (text with\n\
         # * globs, ignoring case, or a /regex/), applied in order, later entries winning.\n\
         # overrides:\n\
         #   - match: {environment: prod, role: \"/admin|owner/\"}\n\
         #     rules: {window-max: {max: 1h}}\n\
         #   - match: {tenant: \"*-test\"}\n\
         #     rules: {ticket-linked: off, window-max: {max: 8h}}\n\
         \n\
         # How to read exports. Times in ISO 8601, US and day-first numeric dates, month names,\n\
         # AM/PM and Excel serials are read as they are; say what cannot be guessed.\n\
         # mapping:\n\
         #   columns: {\"Customer\": tenant, \"Engineer on duty\": grantee}\n\
         #   date_format: [\"%d.%m.%Y %H:%M\"]  # further chrono strftime forms, tried in order\n\
         #   date_order: mdy                  # 03/04/2026 is March 4 (mdy) or 3 April (dmy)\n\
         #   timezone: Europe/Berlin          # times without an offset; default UTC\n",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_block_with_its_severity() {
        for meta in REGISTRY {
            let block = rule_block(meta.id);
            assert!(block.starts_with(&format!("{}:\n", meta.id)), "{block}");
            assert!(block.contains("  severity: "), "{}", meta.id);
        }
    }

    #[test]
    fn the_starting_policy_is_the_default_policy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grantlint.yaml");
        let text = starting_policy();
        std::fs::write(&path, &text).unwrap();
        let policy =
            crate::policy::Policy::load(Some(&path)).unwrap_or_else(|e| panic!("{:?}", e.errors));
        let default = crate::policy::Policy::load(None).unwrap();
        let severities = |p: &crate::policy::Policy| {
            p.rules
                .iter()
                .map(|r| (r.id.clone(), r.severity))
                .collect::<Vec<_>>()
        };
        assert_eq!(severities(&policy), severities(&default));
        // Every rule is stated, with a comment, and every default setting is written out.
        for meta in REGISTRY {
            assert!(text.contains(&format!("  # {}: ", meta.id)), "{}", meta.id);
        }
        assert!(text.contains("    max: 4h\n") && text.contains("    within: 30d\n"));
        // The commented `mapping:` block, uncommented, is a valid policy.
        let mapping: String = text
            .lines()
            .skip_while(|l| !l.starts_with("# mapping:"))
            .map(|l| format!("{}\n", l.strip_prefix("# ").unwrap_or(l)))
            .collect();
        assert!(mapping.contains("date_order: mdy") && mapping.contains("timezone: Europe/Berlin"));
        std::fs::write(&path, format!("version: 1\n{mapping}")).unwrap();
        let policy =
            crate::policy::Policy::load(Some(&path)).unwrap_or_else(|e| panic!("{:?}", e.errors));
        assert_eq!(policy.mapping.timezone, Some(chrono_tz::Europe::Berlin));
    }
}
