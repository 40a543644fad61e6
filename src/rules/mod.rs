//! The rules: one file each, declaring with `declare_rule!` its documentation (the doc
//! comment), default severity and typed settings with their defaults; one line each in
//! `REGISTRY`. The default policy, the schema's rules and README's rules table are generated
//! from them (`generate`, held equal by tests/generated.rs). Every id a finding can carry is
//! in `findings()`. Rules are pure: they read a grant (or all grants) and the policy's
//! settings, and say what is wrong. The severity a policy sets, file and output are the
//! checker's and the reporters' business.

use chrono::{DateTime, Utc};

use crate::finding::{Severity, Violation};
use crate::grant::Grant;
use crate::rules::params::Params;

pub mod admin_justified;
mod approvals_min;
mod approved_before_access;
mod approver_authorized;
mod approver_named;
mod column_missing;
mod expiry_enforced;
mod expiry_required;
mod extensions_max;
mod field_format;
pub mod generate;
pub mod identity;
pub mod limits;
mod owner_named;
pub mod params;
pub mod people;
mod reason_specific;
pub mod repeat_tenant;
mod self_approval;
pub mod settings;
mod shared_account;
mod tenant_specific;
mod ticket_linked;
pub mod waiver_findings;
mod window_max;
mod window_total_max;

// What the weekly review asks the rules, so it means what they mean.
pub use expiry_enforced::ExpiryEnforced;
pub use repeat_tenant::tenant_key;

/// What the checker knows while checking one grant.
pub struct Context {
    pub now: DateTime<Utc>,
    /// The policy's people directory, for the rules that check who someone is.
    pub people: Option<std::sync::Arc<crate::rules::people::Directory>>,
}

/// A grant as cross-grant rules see it: 24 bytes, since the checker keeps one per grant.
/// Ordered by tenant, start, then input order, which is how repeat-tenant sorts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Observed {
    /// The tenant's [`tenant_hash`]: the grants of one tenant share it.
    pub tenant: u64,
    /// The start, as seconds since 1970 and nanoseconds: exact, as the export wrote it.
    pub start_secs: i64,
    pub start_nanos: u32,
    /// The grant's place in input order: its tenant and id in [`Observations`] are there.
    pub index: u32,
}

/// What cross-grant rules look at: one small record per grant, with the tenants and ids it
/// names in two buffers, by input index. Nothing is looked up while grants are added, so
/// the records of several files, or of segments of one file read on several threads, are
/// joined by appending; rules group grants by tenant once, at the end.
#[derive(Default)]
pub struct Observations {
    pub grants: Vec<Observed>,
    /// Each grant's tenant as written (trimmed), by the grant's index; for a rule that groups
    /// by other fields (`limits:`), the group's key.
    tenants: Texts,
    /// Each grant's id, by the grant's index.
    ids: Texts,
    /// For a rule that groups by other fields: each grant's tenant, for its findings.
    grant_tenants: Texts,
    /// For a concurrency limit: when each grant's access ended, in seconds since 1970.
    ends: Vec<i64>,
}

/// How a rule that groups grants by fields of its own (`limits:`) observes a grant.
pub struct Grouped {
    /// Where a finding about the group points, in the grant: the value of the first field
    /// grouped by.
    pub span: crate::core::span::Span,
    /// When access ended, for a concurrency limit.
    pub end: Option<DateTime<Utc>>,
}

impl Observations {
    /// Adds a grant of a rule that groups by its own `key` (see [`Rule::group`]).
    pub fn add_keyed(
        &mut self,
        key: &str,
        start: DateTime<Utc>,
        id: Option<&str>,
        tenant: Option<&str>,
        end: Option<DateTime<Utc>>,
    ) {
        self.add(key, start, id);
        self.grant_tenants.push(tenant.unwrap_or_default());
        if let Some(end) = end {
            self.ends.push(end.timestamp());
        }
    }

    /// When grant `index`'s access ended (seconds), for a concurrency limit.
    pub fn end(&self, index: usize) -> Option<i64> {
        self.ends.get(index).copied()
    }

    /// The tenant a finding about grant `index` names: its own, for a grouped rule.
    pub fn finding_tenant(&self, index: usize) -> Option<&str> {
        if self.grant_tenants.ends.is_empty() {
            return Some(self.tenant(index));
        }
        Some(self.grant_tenants.get(index)).filter(|t| !t.is_empty())
    }

    pub fn add(&mut self, tenant: &str, start: DateTime<Utc>, id: Option<&str>) {
        let tenant = crate::core::text::trim(tenant);
        self.grants.push(Observed {
            tenant: tenant_hash(tenant),
            start_secs: start.timestamp(),
            start_nanos: start.timestamp_subsec_nanos(),
            index: self.grants.len() as u32,
        });
        self.tenants.push(tenant);
        self.ids.push(id.unwrap_or_default());
    }

    /// The tenant of grant `index`, as written.
    pub fn tenant(&self, index: usize) -> &str {
        self.names().tenant(index)
    }

    /// The id of grant `index`, if it has one.
    pub fn id(&self, index: usize) -> Option<&str> {
        self.names().id(index)
    }

    fn names(&self) -> Names<'_> {
        Names {
            tenants: &self.tenants,
            ids: &self.ids,
        }
    }

    /// The grants, to reorder, beside the tenants and ids they point into.
    pub fn grants_and_names(&mut self) -> (&mut [Observed], Names<'_>) {
        let names = Names {
            tenants: &self.tenants,
            ids: &self.ids,
        };
        (&mut self.grants, names)
    }

    /// Adds another file's (or segment's) observations after these.
    pub fn append(&mut self, other: Observations) {
        if self.grants.is_empty() {
            *self = other;
            return;
        }
        let base = self.grants.len() as u32;
        self.grants.extend(other.grants.iter().map(|g| Observed {
            index: base + g.index,
            ..*g
        }));
        self.tenants.append(&other.tenants);
        self.ids.append(&other.ids);
        self.grant_tenants.append(&other.grant_tenants);
        self.ends.extend(other.ends);
    }
}

/// The tenants and ids of [`Observations`], by a grant's `index`.
#[derive(Clone, Copy)]
pub struct Names<'a> {
    tenants: &'a Texts,
    ids: &'a Texts,
}

impl<'a> Names<'a> {
    /// The tenant of grant `index`, as written.
    pub fn tenant(self, index: usize) -> &'a str {
        self.tenants.get(index)
    }

    /// The id of grant `index`, if it has one.
    pub fn id(self, index: usize) -> Option<&'a str> {
        Some(self.ids.get(index)).filter(|id| !id.is_empty())
    }

    /// The ids of `grants` that have one: a finding's related grants.
    pub fn ids(self, grants: &[Observed]) -> Vec<String> {
        grants
            .iter()
            .filter_map(|o| self.id(o.index as usize))
            .map(str::to_string)
            .collect()
    }

    /// Asks for the tenant of grant `first` and the ids of `grants` all at once, ahead of
    /// reading them: they lie all over memory, and each read alone would wait on its own.
    pub fn fetch(self, first: usize, grants: &[Observed]) {
        self.tenants.fetch_end(first);
        for grant in grants {
            self.ids.fetch_end(grant.index as usize);
        }
        self.tenants.fetch_text(first);
        for grant in grants {
            self.ids.fetch_text(grant.index as usize);
        }
    }

    /// Whether the grants next to each other in `grants` that share a tenant hash name one
    /// tenant, so all of a hash's grants do when they are together. Their texts lie all over
    /// memory, and each read would wait on its own: they are asked for a few grants ahead.
    pub fn alike(self, grants: &[Observed]) -> bool {
        const AHEAD: usize = 8;
        let mut alike = true;
        for (i, pair) in grants.windows(2).enumerate() {
            if let Some(later) = grants.get(i + 2 * AHEAD) {
                self.tenants.fetch_end(later.index as usize);
            }
            if let Some(next) = grants.get(i + AHEAD) {
                self.tenants.fetch_text(next.index as usize); // its end is at hand by now
            }
            if pair[0].tenant == pair[1].tenant {
                let (a, b) = (pair[0].index as usize, pair[1].index as usize);
                alike &= same_tenant(self.tenant(a), self.tenant(b));
            }
        }
        alike
    }
}

/// A tenant's identity: tenants are the same when they match ignoring case (their text is
/// trimmed already). The hash is the same on every thread and in every run; grants whose
/// hashes match are still compared by [`same_tenant`].
pub fn tenant_hash(tenant: &str) -> u64 {
    use std::hash::BuildHasher;
    let state = foldhash::fast::FixedState::with_seed(0x6772_616e_746c_696e);
    with_tenant_key(tenant, |key| state.hash_one(key.as_bytes()))
}

/// Calls `with` on the key of a tenant (trimmed already) as [`same_tenant`] compares tenants:
/// its text in lower case. Most exports write tenants in lower case, or in short ASCII, so
/// the key is the text itself or made on the stack: a grant's tenant allocates nothing.
pub fn with_tenant_key<T>(tenant: &str, with: impl FnOnce(&str) -> T) -> T {
    if !tenant
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
    {
        return with(tenant); // lowercase already
    }
    let mut short = [0u8; 64];
    if tenant.is_ascii()
        && let Some(short) = short.get_mut(..tenant.len())
    {
        short.copy_from_slice(tenant.as_bytes());
        short.make_ascii_lowercase();
        if let Ok(key) = std::str::from_utf8(short) {
            return with(key);
        }
    }
    with(&lowercase(tenant))
}

/// Whether two tenants (trimmed) are one, ignoring case.
pub fn same_tenant(a: &str, b: &str) -> bool {
    if a == b {
        return true; // nearly every export writes a tenant the same way each time
    }
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        lowercase(a) == lowercase(b)
    }
}

/// Lowercase as tenants are compared: character by character.
pub fn lowercase(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// Strings in one buffer, by index: a million grant ids cost their text and four bytes each,
/// not an allocation each. An empty string stands for "none" (values are never blank).
#[derive(Default)]
struct Texts {
    text: String,
    ends: Vec<u32>,
}

impl Texts {
    /// Appends a string; past 4 GiB of text, an empty one, so indices stay in step.
    fn push(&mut self, value: &str) {
        match u32::try_from(self.text.len() + value.len()) {
            Ok(end) => {
                self.text.push_str(value);
                self.ends.push(end);
            }
            Err(_) => self.ends.push(self.ends.last().copied().unwrap_or(0)),
        }
    }

    fn append(&mut self, other: &Texts) {
        let base = self.text.len();
        match u32::try_from(base + other.text.len()) {
            Ok(_) => {
                self.text.push_str(&other.text);
                // Fits, as the sum does.
                self.ends
                    .extend(other.ends.iter().map(|&e| e + base as u32));
            }
            Err(_) => (0..other.ends.len()).for_each(|index| self.push(other.get(index))),
        }
    }

    /// Asks the processor for where text `index` ends, ahead of reading it.
    fn fetch_end(&self, index: usize) {
        if let Some(end) = self.ends.get(index) {
            fetch(end);
        }
    }

    /// Asks the processor for text `index` itself, ahead of reading it.
    fn fetch_text(&self, index: usize) {
        let start = index.checked_sub(1).and_then(|i| self.ends.get(i));
        if let Some(byte) = self.text.as_bytes().get(start.map_or(0, |&e| e as usize)) {
            fetch(byte);
        }
    }

    fn get(&self, index: usize) -> &str {
        let start = index
            .checked_sub(1)
            .and_then(|i| self.ends.get(i))
            .map_or(0, |&e| e as usize);
        let end = self.ends.get(index).map_or(start, |&e| e as usize);
        self.text.get(start..end).unwrap_or_default()
    }
}

/// Loads `value`'s cache line without waiting for it.
#[inline(always)]
fn fetch<T>(value: &T) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
    safe_arch::prefetch_t0(value);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse")))]
    let _ = value;
}

pub trait Rule: Send + Sync {
    /// Checks one grant.
    fn check(&self, _grant: &Grant, _context: &Context, _out: &mut Vec<Violation>) {}

    /// True for rules that look at all grants together, after the last one is read.
    fn needs_all(&self) -> bool {
        false
    }

    /// Checks all grants; each violation names the input index of the grant it points at.
    /// A rule may reorder `all.grants` (each keeps its `index`), so as not to sort a copy of
    /// a million of them.
    fn check_all(&self, _all: &mut Observations, _out: &mut Vec<(usize, Violation)>) {}

    /// For a rule that looks at all grants grouped by fields of its own (`limits:`): writes
    /// the grant's group into `key` and says where its findings point; `None` leaves the
    /// grant out. Rules that say `None` here (repeat-tenant) are observed by tenant.
    fn group(&self, _grant: &Grant, _context: &Context, _key: &mut String) -> Option<Grouped> {
        None
    }

    /// True for rules that group grants by [`Rule::group`]: each gets observations of its own.
    fn keyed(&self) -> bool {
        false
    }
}

/// A rule's id, its one-line summary, its documentation, its default severity and settings,
/// and how to build it from settings.
pub struct RuleMeta {
    pub id: &'static str,
    pub summary: &'static str,
    pub docs: &'static str,
    /// The severity of the default policy.
    pub severity: Severity,
    /// When the rule fires, in a few words: README's rules table.
    pub fires: &'static str,
    /// Off in the default policy: a control a policy turns on where it applies (approvals-min
    /// on prod admin); `severity` is what it warns at once on.
    pub off: bool,
    /// Comment lines written above the rule in the default policy.
    pub note: &'static [&'static str],
    pub settings: &'static [settings::SettingMeta],
    pub build: fn(&mut Params) -> Box<dyn Rule>,
}

/// Declares a rule's `META` from its doc comment, so `grantlint explain` prints the very text
/// that documents the code, and its typed `Settings`, each with its kind, default and doc:
///
/// ```text
/// declare_rule! {
///     /// ## What it checks …
///     WindowMax, "window-max", "the access window is longer than the maximum",
///     severity: Error,
///     fires: "expires − start > max",
///     settings {
///         /// The longest window allowed.
///         max: Duration = "4h",
///     }
/// }
/// ```
///
/// The rule's `build` takes its `Settings`. Lists are written `[a, b # "comment on b"]`;
/// `#[note = "…"]` on a setting (or `note: ["…"]` after `fires`) is a comment line above it
/// in the default policy.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $rule:ident, $id:literal, $summary:literal,
        severity: $severity:ident,
        fires: $fires:literal,
        $(default: $off:ident,)?
        $(note: [$($rule_note:literal),* $(,)?],)?
        settings {$(
            $(#[doc = $setting_doc:literal])*
            $(#[note = $setting_note:literal])*
            $key:ident: $kind:ident = $default:tt
        ),* $(,)?}
    ) => {
        $(#[doc = $doc])*
        pub const META: crate::rules::RuleMeta = crate::rules::RuleMeta {
            id: $id,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
            severity: crate::finding::Severity::$severity,
            fires: $fires,
            off: crate::rules::off!($($off)?),
            note: &[$($($rule_note),*)?],
            settings: &[$(crate::rules::settings::SettingMeta {
                key: stringify!($key),
                kind: <crate::rules::settings::kind::$kind as crate::rules::settings::Read>::KIND,
                default: crate::rules::settings::default_value!($default),
                doc: concat!($($setting_doc),*),
                note: &[$($setting_note),*],
            }),*],
            build: |params| {
                let settings = <Settings as crate::rules::settings::RuleSettings>::read(params);
                Box::new($rule::build(settings))
            },
        };

        /// The rule's settings, read from the policy's layers in the order declared.
        pub struct Settings {$(
            $(#[doc = $setting_doc])*
            pub $key: <crate::rules::settings::kind::$kind as crate::rules::settings::Read>::Value,
        )*}

        impl crate::rules::settings::RuleSettings for Settings {
            const RULE: &'static str = $id;

            #[allow(unused_variables)] // a rule without settings reads none
            fn read(params: &mut crate::rules::params::Params) -> Settings {
                Settings {$(
                    $key: <crate::rules::settings::kind::$kind as crate::rules::settings::Read>::read(
                        params,
                        stringify!($key),
                    ),
                )*}
            }
        }
    };
}
pub(crate) use declare_rule;

/// `default: off` in `declare_rule!`: the rule is off in the default policy.
macro_rules! off {
    () => {
        false
    };
    (off) => {
        true
    };
}
pub(crate) use off;

/// Every rule, in the order `grantlint rules` lists them.
pub const REGISTRY: &[RuleMeta] = &[
    window_max::META,
    expiry_required::META,
    reason_specific::META,
    approver_named::META,
    self_approval::META,
    shared_account::META,
    admin_justified::META,
    approved_before_access::META,
    expiry_enforced::META,
    tenant_specific::META,
    ticket_linked::META,
    owner_named::META,
    repeat_tenant::META,
    field_format::META,
    column_missing::META,
    window_total_max::META,
    extensions_max::META,
    approvals_min::META,
    approver_authorized::META,
];

pub fn find(id: &str) -> Option<&'static RuleMeta> {
    REGISTRY.iter().find(|r| r.id == id)
}

/// An id a finding can carry, with what reporters say about it: its default severity, a
/// one-line summary and its documentation.
#[derive(Clone, Copy, Debug)]
pub struct FindingMeta {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub docs: &'static str,
    /// Off in the default policy (SARIF's `enabled: false`).
    pub off: bool,
}

impl RuleMeta {
    pub const fn finding(&self) -> FindingMeta {
        FindingMeta {
            id: self.id,
            off: self.off,
            severity: self.severity,
            summary: self.summary,
            docs: self.docs,
        }
    }
}

/// Rules whose finding means access that is live or answerable to no one right now: still
/// active after it expired (revoke now), approved by the grantee, held by a shared account, or
/// on every tenant. Reports that grade risk beyond the policy's severity (GitLab's `critical`
/// and `blocker`, SARIF's `security-severity`) grade these a step higher.
pub const HIGH_RISK: &[&str] = &[
    "expiry-enforced",
    "self-approval",
    "shared-account",
    "tenant-specific",
];

/// The findings no rule makes: waivers' reports on themselves.
pub const OTHER_FINDINGS: &[FindingMeta] = &[waiver_findings::EXPIRED, waiver_findings::UNUSED];

/// Every built-in id a finding can carry, each once: the rules, then the other findings.
/// Custom rules may take none of them.
pub fn findings() -> impl Iterator<Item = FindingMeta> {
    REGISTRY
        .iter()
        .map(RuleMeta::finding)
        .chain(OTHER_FINDINGS.iter().copied())
}

/// The built-in finding id `id`, if there is one.
pub fn finding(id: &str) -> Option<FindingMeta> {
    findings().find(|f| f.id == id)
}

/// Shared test helpers: build a rule from the default policy plus overrides, check grants.
#[cfg(test)]
pub mod testing {
    use std::sync::Arc;

    use super::*;
    use crate::core::source::Source;
    use crate::core::span::Span;
    use crate::grant::Field;

    /// Builds `id` from the default policy's settings, then `extra` (YAML flow mapping).
    pub fn rule(id: &str, extra: &str) -> Box<dyn Rule> {
        let meta = find(id).expect("known rule");
        let default: crate::core::node::Node =
            crate::core::node::parse(include_str!("../../policies/default.yaml")).unwrap();
        let extra: crate::core::node::Node = crate::core::node::parse(extra).unwrap();
        let source = Source {
            name: "test".into(),
            text: Arc::from(""),
        };
        let mut params = Params::new(meta.id);
        let mut errors = Vec::new();
        if let crate::core::node::Value::Map(top) = &default.value {
            for (k, v) in top {
                if k.value.as_scalar() == Some("rules")
                    && let crate::core::node::Value::Map(rules) = &v.value
                {
                    for (rk, rv) in rules {
                        if rk.value.as_scalar() == Some(meta.id) {
                            params.add_layer(&source, rv, &mut errors);
                        }
                    }
                }
            }
        }
        params.add_layer(&source, &extra, &mut errors);
        let built = (meta.build)(&mut params);
        params.finish(&mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        built
    }

    pub fn grant(fields: &[(Field, &str)]) -> Grant {
        let mut g = Grant::new(Span {
            line: 1,
            column: 1,
            offset: 0,
            len: 1,
        });
        for (i, (f, v)) in fields.iter().enumerate() {
            g.set(
                *f,
                v,
                Span {
                    line: i as u32 + 2,
                    column: 3,
                    offset: 0,
                    len: v.len(),
                },
                false,
            );
        }
        g.finish();
        g
    }

    pub fn context() -> Context {
        Context {
            now: now(),
            people: None,
        }
    }

    pub fn now() -> DateTime<Utc> {
        "2026-11-24T12:00:00Z".parse().unwrap()
    }

    /// The messages `rule` gives for the grant.
    pub fn check(rule: &dyn Rule, g: &Grant) -> Vec<String> {
        let mut out = Vec::new();
        rule.check(g, &context(), &mut out);
        out.into_iter().map(|v| v.message).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        for meta in REGISTRY {
            for section in ["## What it checks", "## Why", "## Fails", "## Passes"] {
                assert!(meta.docs.contains(section), "{} lacks {section}", meta.id);
            }
        }
        // Every id a finding can carry, not only the rules': a waiver finding named like a
        // rule would be waived, baselined and reported as that rule.
        let mut seen = std::collections::HashSet::new();
        for finding in findings() {
            assert!(seen.insert(finding.id), "duplicate id {}", finding.id);
            assert!(
                finding
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                finding.id
            );
            assert!(finding.docs.contains("## What it checks"), "{}", finding.id);
        }
        assert_eq!(seen.len(), REGISTRY.len() + OTHER_FINDINGS.len());
    }

    /// `explain` documents settings in prose; each declared setting must be named there, with
    /// a one-line doc for the schema.
    #[test]
    fn every_setting_is_declared_once_and_documented() {
        for meta in REGISTRY {
            let section = meta.docs.split("## Settings").nth(1).unwrap_or("");
            let mut keys = std::collections::HashSet::new();
            for setting in meta.settings {
                assert!(
                    keys.insert(setting.key),
                    "{}: `{}` twice",
                    meta.id,
                    setting.key
                );
                assert_ne!(setting.key, "severity", "{}", meta.id);
                assert!(
                    section.contains(&format!("`{}`", setting.key)),
                    "{}'s ## Settings does not name `{}`",
                    meta.id,
                    setting.key
                );
                let doc = setting.doc.trim();
                assert!(!doc.is_empty() && !doc.contains('\n'), "{}", setting.key);
            }
        }
    }
}
