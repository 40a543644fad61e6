//! The findings waivers make about themselves after the check (`suppress.rs`): no rule runs
//! them, but a finding carries their ids as it carries a rule's, so they are in the registry.

use super::FindingMeta;
use crate::finding::Severity;

pub const EXPIRED: FindingMeta = FindingMeta {
    off: false,
    id: "waiver-expired",
    severity: Severity::Error,
    summary: "a waiver has expired and no longer applies",
    docs: "## What it checks\nA waiver whose `expires` is at or before now (`--now`). It stops \
           applying, so the findings it covered count again.\n\n## Why\nAn exception to the \
           access policy must end by itself, as the grants it covers should; an expired waiver \
           is a decision nobody renewed.\n\n## Fix\nFix the grants and remove the waiver, or \
           review it again and set a new `expires`.\n",
};

pub const UNUSED: FindingMeta = FindingMeta {
    off: false,
    id: "waiver-unused",
    severity: Severity::Warning,
    summary: "a waiver matched no finding",
    docs: "## What it checks\nA waiver that has not expired but covered no finding in this \
           run.\n\n## Why\nA waiver that matches nothing has a typo in its rule, grant or tenant, \
           or outlived its grants; left in place it would silently cover a future grant.\n\n\
           ## Fix\nCorrect its `rule`, `grant` or `tenant`, or remove it.\n",
};
