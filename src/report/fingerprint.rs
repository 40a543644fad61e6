//! Identities for findings that survive line moves: SARIF `partialFingerprints`, GitLab
//! `fingerprint`. Built from the same key as the baseline (rule, grant id, tenant, field),
//! never from the line, so code scanning keeps one alert for one problem across runs.

use std::collections::HashMap;

use crate::finding::Finding;

/// One fingerprint per finding, in order. Findings that share a key (grants without an id in
/// one tenant) are told apart by their order among themselves.
/// `fields` names the policy's declared fields by slot ([`crate::check::Outcome::fields`]).
pub fn fingerprints<'a>(
    fields: &[std::sync::Arc<str>],
    findings: impl IntoIterator<Item = &'a Finding>,
) -> Vec<String> {
    let mut seen: HashMap<u64, usize> = HashMap::new();
    findings
        .into_iter()
        .map(|f| {
            let mut hash = Fnv::default();
            hash.write(&f.rule);
            hash.write(f.grant.as_deref().unwrap_or(""));
            hash.write(f.tenant.as_deref().unwrap_or(""));
            hash.write(f.field_name(fields).unwrap_or(""));
            if f.grant.is_none() && f.tenant.is_none() {
                // Nothing names the subject (a waiver's own finding): its message does.
                hash.write(&f.message);
            }
            let value = hash.0;
            let nth = seen.entry(value).or_default();
            *nth += 1;
            match *nth {
                1 => format!("{value:016x}"),
                n => format!("{value:016x}:{n}"),
            }
        })
        .collect()
}

/// FNV-1a (64 bit): tiny, and its value never changes between Rust releases, unlike std's
/// `DefaultHasher`.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, text: &str) {
        for byte in text.bytes().chain([0xff]) {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::span::Span;
    use crate::grant::Field;

    fn finding(line: u32, grant: Option<&str>) -> Finding {
        Finding {
            rule: "window-max".into(),
            severity: crate::finding::Severity::Error,
            grant: grant.map(Box::from),
            tenant: Some("t-1".into()),
            file: 0,
            span: Span {
                line,
                column: 3,
                offset: 0,
                len: 1,
            },
            field: Some(Field::Expires),
            declared: None,
            at_grant: false,
            message: format!("line {line}").into(),
            help: "".into(),
            related: Vec::new(),
        }
    }

    #[test]
    fn fingerprints_ignore_lines_and_stay_unique() {
        let a = fingerprints(&[], [&finding(3, Some("A"))]);
        let moved = fingerprints(&[], [&finding(90, Some("A"))]);
        assert_eq!(a, moved);
        // Pinned: a changed value would open new alerts for every finding in code scanning.
        assert_eq!(a[0], "5e17f089a276afcd");
        let twins = fingerprints(&[], [&finding(3, None), &finding(9, None)]);
        assert_ne!(twins[0], twins[1]);
        assert!(twins[1].ends_with(":2"));
        assert_ne!(fingerprints(&[], [&finding(3, Some("B"))]), a);
    }
}
