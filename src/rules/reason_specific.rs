use super::{Context, Rule, declare_rule};
use crate::finding::Violation;
use crate::grant::{Field, Grant};
use crate::rules::params::PhraseSet;

declare_rule! {
    /// ## What it checks
    /// The `reason` is present, has at least `min_words` words (default 4) and `min_chars`
    /// characters (default 20), and is not a generic phrase. Phrases are compared after
    /// lowercasing, trimming, collapsing spaces and dropping trailing punctuation, so
    /// "Support issue." is the generic "support issue".
    ///
    /// ## Why
    /// The reason should read like a note another person can understand six weeks later.
    /// "Need access" says nothing; a specific reason keeps the request grounded and makes
    /// reviews fast.
    ///
    /// ## Fails
    /// ```yaml
    /// reason: Support issue.
    /// ```
    ///
    /// ## Passes
    /// ```yaml
    /// reason: Investigate failed SSO login for Acme tenant after IdP certificate update
    /// ```
    ///
    /// ## Settings
    /// `min_words`, `min_chars`, and `generic`: the phrases that say nothing.
    ReasonSpecific, "reason-specific", "the reason is missing, too short or generic",
    severity: Error,
    fires: "reason missing, under min_words words or min_chars chars, or a generic phrase (\"support issue\", \"need access\", …) after lowercasing, trimming, collapsing spaces and dropping trailing punctuation",
    settings {
        /// The fewest words a reason may have.
        min_words: Count = 4,
        /// The fewest characters a reason may have.
        min_chars: Count = 20,
        /// Phrases that say nothing, compared after normalising.
        #[note = "Compared after lowercasing, trimming, collapsing spaces and dropping trailing punctuation."]
        generic: Phrases = [
            "support issue",
            "support",
            "support request",
            "support ticket",
            "customer issue",
            "customer request",
            "customer support",
            "need access",
            "needs access",
            "access needed",
            "access",
            "admin access",
            "need admin access",
            "temporary access",
            "emergency access",
            "access request",
            "investigate",
            "investigation",
            "investigate issue",
            "look into issue",
            "troubleshoot",
            "troubleshooting",
            "debug",
            "debugging",
            "fix",
            "fix issue",
            "fix it",
            "incident",
            "emergency",
            "urgent",
            "production issue",
            "prod issue",
            "maintenance",
            "as discussed",
            "as requested",
            "per request",
            "see ticket",
            "per ticket",
            "see case",
            "for today",
            "until fixed",
            "misc",
            "various",
            "other",
            "general",
            "general support",
            "n/a",
            "na",
            "none",
            "tbd",
            "todo",
            "test",
            "testing",
        ],
    }
}

pub struct ReasonSpecific {
    min_words: usize,
    min_chars: usize,
    generic: PhraseSet,
}

impl ReasonSpecific {
    fn build(settings: Settings) -> ReasonSpecific {
        ReasonSpecific {
            min_words: settings.min_words,
            min_chars: settings.min_chars,
            generic: settings.generic,
        }
    }
}

const HELP: &str = "say what broke and what support will do, e.g. \"Investigate failed SSO login for Acme tenant after IdP certificate update\"";

impl Rule for ReasonSpecific {
    fn check(&self, grant: &Grant, _: &Context, out: &mut Vec<Violation>) {
        if let Some(message) = self.judge(grant.text(Field::Reason)) {
            let span = grant.span_of(Field::Reason);
            out.push(Violation::new(Some(Field::Reason), span, message, HELP));
        }
        // Each extension is a new decision and needs its own reason.
        for (i, extension) in grant.extensions.iter().enumerate() {
            let reason = extension.reason.as_ref();
            if let Some(message) = self.judge(reason.map(|(text, _)| text.as_str())) {
                let span = reason.map_or(extension.span, |(_, at)| *at);
                let message = format!("extension {}: {message}", i + 1);
                out.push(Violation::new(Some(Field::Reason), span, message, HELP));
            }
        }
    }
}

impl ReasonSpecific {
    /// What is wrong with a reason, if anything.
    fn judge(&self, reason: Option<&str>) -> Option<String> {
        let Some(reason) = reason else {
            return Some("no reason given".into());
        };
        let message = if self.generic.contains(reason) {
            format!("reason `{reason}` is a generic phrase")
        } else {
            // Counting stops at the minimum: most reasons pass, and need no exact count.
            if has_words(reason, self.min_words) && has_chars(reason, self.min_chars) {
                return None;
            }
            let words = reason.split_whitespace().count();
            let chars = reason.chars().count();
            format!(
                "reason `{reason}` is too short: {words} word{}, {chars} characters (at least {} words and {} characters)",
                if words == 1 { "" } else { "s" },
                self.min_words,
                self.min_chars
            )
        };
        Some(message)
    }
}

/// `reason.chars().count() >= chars`; ASCII text has a character per byte.
fn has_chars(reason: &str, chars: usize) -> bool {
    if reason.is_ascii() {
        return reason.len() >= chars;
    }
    reason.chars().take(chars).count() >= chars
}

/// `reason.split_whitespace().count() >= words`, byte by byte for ASCII text.
fn has_words(reason: &str, words: usize) -> bool {
    if !reason.is_ascii() {
        return reason.split_whitespace().take(words).count() >= words;
    }
    let mut seen = 0;
    let mut in_word = false;
    for &b in reason.as_bytes() {
        // `char::is_whitespace` for ASCII: space, and tab through carriage return.
        let space = b == b' ' || (b'\t'..=b'\r').contains(&b);
        if !space && !in_word {
            seen += 1;
            if seen >= words {
                return true;
            }
        }
        in_word = !space;
    }
    seen >= words
}

#[cfg(test)]
mod tests {
    use super::has_words;
    use crate::grant::Field::{Id, Reason};
    use crate::rules::testing::*;

    proptest::proptest! {
        #[test]
        fn counting_words_agrees_with_split_whitespace(
            text in "[a \t\n\x0b\x0c\r\u{a0}é]{0,30}", words in 0usize..6
        ) {
            proptest::prop_assert_eq!(
                has_words(&text, words),
                text.split_whitespace().count() >= words
            );
        }
    }

    #[test]
    fn generic_phrases_fail_whatever_their_case_and_punctuation() {
        let rule = rule("reason-specific", "{}");
        assert_eq!(
            check(&*rule, &grant(&[(Reason, "Support issue.")])),
            ["reason `Support issue.` is a generic phrase"]
        );
        assert_eq!(
            check(&*rule, &grant(&[(Reason, "  NEED   access!")])),
            ["reason `NEED   access!` is a generic phrase"]
        );
    }

    #[test]
    fn word_and_character_minimums() {
        let rule = rule("reason-specific", "{}");
        // 4 words but 19 characters.
        assert_eq!(
            check(&*rule, &grant(&[(Reason, "fix sso for acme co")])),
            [
                "reason `fix sso for acme co` is too short: 5 words, 19 characters (at least 4 words and 20 characters)"
            ]
        );
        assert!(check(&*rule, &grant(&[(Reason, "fix sso for acme corp")])).is_empty());
        assert_eq!(
            check(&*rule, &grant(&[(Reason, "Reconcile invoices, tenant")])).len(),
            1
        );
        assert!(
            check(
                &*rule,
                &grant(&[(
                    Reason,
                    "Check invoice records after billing update and confirm sync issue."
                )])
            )
            .is_empty()
        );
    }

    #[test]
    fn missing_or_blank_reason() {
        let rule = rule("reason-specific", "{}");
        assert_eq!(check(&*rule, &grant(&[(Id, "1")])), ["no reason given"]);
        assert_eq!(check(&*rule, &grant(&[(Reason, "")])), ["no reason given"]);
    }

    #[test]
    fn each_extension_needs_its_own_reason() {
        use crate::core::span::Span;
        use crate::grant::Extension;
        let rule = rule("reason-specific", "{}");
        let mut g = grant(&[(Reason, "Check invoice records after the billing update")]);
        let at = Span {
            line: 9,
            ..Span::default()
        };
        g.extensions.push(Extension {
            reason: Some(("Check the resync with the customer today".into(), at)),
            ..Extension::default()
        });
        g.extensions.push(Extension {
            reason: Some(("Need access.".into(), at)),
            ..Extension::default()
        });
        g.extensions.push(Extension::default());
        assert_eq!(
            check(&*rule, &g),
            [
                "extension 2: reason `Need access.` is a generic phrase",
                "extension 3: no reason given"
            ]
        );
    }

    #[test]
    fn settings_change_the_bar() {
        let rule = rule(
            "reason-specific",
            "{min_words: 2, min_chars: 5, generic: [fix it]}",
        );
        assert!(check(&*rule, &grant(&[(Reason, "Need access")])).is_empty());
        assert_eq!(check(&*rule, &grant(&[(Reason, "Fix it.")])).len(), 1);
    }
}
