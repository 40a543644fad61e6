//! A rule's settings, merged from every policy layer, read into typed values. Reading a key
//! marks it known; whatever a rule never reads is reported as an unknown key.

use std::collections::HashSet;

use chrono::TimeDelta;
use regex::RegexSet;

use crate::core::node::{Node, Value, span};
use crate::core::source::{PolicyError, Source, did_you_mean};
use crate::core::time::parse_duration;
use crate::finding::Severity;
use answers::{SetId, remembered};

mod answers;

/// A list of phrases compared after normalising (see [`normalize`]).
#[derive(Debug)]
pub struct PhraseSet {
    /// Normalised, as bytes: a key built on the stack is looked up as it is.
    phrases: HashSet<Box<[u8]>, foldhash::fast::RandomState>,
    /// The most letters and digits any phrase has: a text with more cannot be one of them,
    /// which spares normalising most reasons (they are long; the phrases are short).
    most_letters: usize,
    /// Which set this is, for the answers each thread remembers.
    id: SetId,
}

impl PhraseSet {
    pub fn new(phrases: impl IntoIterator<Item = String>) -> PhraseSet {
        let phrases: Vec<String> = phrases.into_iter().map(|p| normalize(&p)).collect();
        let most_letters = phrases.iter().map(|p| letters(p)).max().unwrap_or(0);
        let phrases = phrases
            .into_iter()
            .map(|p| p.into_bytes().into_boxed_slice())
            .collect();
        PhraseSet {
            phrases,
            most_letters,
            id: SetId::next(),
        }
    }

    /// Rules ask this for every grant. A text short enough to be a phrase (an approver, a
    /// vague reason) is remembered: such texts repeat from grant to grant.
    pub fn contains(&self, text: &str) -> bool {
        if more_letters_than(text, self.most_letters) {
            return false;
        }
        remembered(self.id, text, || self.normalized_contains(text))
    }

    /// `contains`, worked out: it allocates nothing for texts that fit a [`Key`].
    fn normalized_contains(&self, text: &str) -> bool {
        let mut key = Key::default();
        let fits = if text.is_ascii() {
            key.push_normalized_ascii(text.as_bytes())
        } else {
            normalized_chars(text).all(|c| key.push(c))
        };
        if fits {
            self.phrases.contains(key.bytes())
        } else {
            // A long phrase (or one in a script of wide characters): build it on the heap.
            self.phrases.contains(normalize(text).as_bytes())
        }
    }
}

/// Lowercased words, compared exactly: account types, statuses, wildcard tenants. The lists
/// are short, so a scan beats hashing. ASCII text, nearly every value, allocates nothing.
#[derive(Debug, Default, Clone)]
pub struct Words(Vec<String>);

impl Words {
    /// True when `text`, trimmed and lowercased, is one of the words.
    pub fn contains(&self, text: &str) -> bool {
        let text = crate::core::text::trim(text);
        if text.is_ascii() {
            return self.0.iter().any(|w| w.eq_ignore_ascii_case(text));
        }
        // `str::to_lowercase`, as the words were: it knows context (a final Σ becomes ς).
        let lower = text.to_lowercase();
        self.0.contains(&lower)
    }
}

/// A short text built on the stack, to look up in a set without allocating; what does not fit
/// is looked up the allocating way.
struct Key {
    bytes: [u8; Key::MAX],
    len: usize,
}

impl Default for Key {
    fn default() -> Key {
        Key {
            bytes: [0; Key::MAX],
            len: 0,
        }
    }
}

impl Key {
    const MAX: usize = 128;

    /// Appends a character; false when it does not fit.
    fn push(&mut self, c: char) -> bool {
        let end = self.len + c.len_utf8();
        if end > Key::MAX {
            return false;
        }
        c.encode_utf8(&mut self.bytes[self.len..end]);
        self.len = end;
        true
    }

    /// Appends [`normalize`] of ASCII text, byte by byte: what nearly every value is. False
    /// when it does not fit.
    fn push_normalized_ascii(&mut self, text: &[u8]) -> bool {
        let end = text
            .iter()
            .rposition(|&b| !TRAILING_ASCII[usize::from(b & 0x7f)])
            .map_or(0, |last| last + 1);
        let mut space = false;
        for &b in &text[..end] {
            if char::from(b).is_whitespace() {
                space = self.len > 0;
                continue;
            }
            if self.len + usize::from(space) >= Key::MAX {
                return false;
            }
            if space {
                self.bytes[self.len] = b' ';
                self.len += 1;
                space = false;
            }
            self.bytes[self.len] = b.to_ascii_lowercase();
            self.len += 1;
        }
        true
    }

    fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    #[cfg(test)]
    fn text(&self) -> &str {
        // Built from whole chars, so always UTF-8.
        std::str::from_utf8(self.bytes()).unwrap_or_default()
    }
}

/// Characters that normalising never drops (lowercasing may only add to them).
fn letters(text: &str) -> usize {
    text.chars().filter(|&c| !is_trailing(c)).count()
}

/// `letters(text) > most`, stopping as soon as it is: a long reason is decided early.
fn more_letters_than(text: &str, most: usize) -> bool {
    if text.len() <= most {
        return false; // even every byte a letter would not be more
    }
    if text.is_ascii() {
        let mut letters = 0;
        for &b in text.as_bytes() {
            letters += usize::from(!TRAILING_ASCII[usize::from(b & 0x7f)]);
            if letters > most {
                return true;
            }
        }
        return false;
    }
    text.chars()
        .filter(|&c| !is_trailing(c))
        .nth(most)
        .is_some()
}

/// [`is_trailing`] for each ASCII byte, looked up instead of tested: reasons are counted
/// byte by byte.
const TRAILING_ASCII: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        table[b] = is_trailing(b as u8 as char);
        b += 1;
    }
    table
};

const fn is_trailing(c: char) -> bool {
    c.is_whitespace() || c.is_ascii_punctuation() || c == '…'
}

/// Lowercases, trims, collapses inner white space and drops trailing punctuation, so that
/// "Support issue." and "support  issue" read the same.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    out.extend(normalized_chars(text));
    out
}

/// [`normalize`]'s characters, one by one, without building the string.
fn normalized_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.trim_end_matches(is_trailing)
        .split_whitespace()
        .enumerate()
        .flat_map(|(i, word)| {
            let space = (i > 0).then_some(' ');
            space
                .into_iter()
                .chain(word.chars().flat_map(char::to_lowercase))
        })
}

/// `normalize(a) == normalize(b)`, without allocating: rules compare names per grant.
pub fn same_normalized(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    // Names that start with different letters or digits differ: nearly every pair compared.
    let first = |text: &str| text.bytes().find(|b| !b.is_ascii_whitespace());
    if let (Some(x), Some(y)) = (first(a), first(b))
        && x.is_ascii_alphanumeric()
        && y.is_ascii_alphanumeric()
        && !x.eq_ignore_ascii_case(&y)
    {
        return false;
    }
    if !(a.is_ascii() && b.is_ascii()) {
        return normalized_chars(a).eq(normalized_chars(b));
    }
    // ASCII, nearly every name: the same words, ignoring case.
    let (mut a, mut b) = (ascii_words(a), ascii_words(b));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(y) => {}
            _ => return false,
        }
    }
}

/// The words of ASCII text as [`normalize`] sees them: trailing punctuation and white space
/// dropped, split at runs of white space.
fn ascii_words(text: &str) -> impl Iterator<Item = &[u8]> {
    let end = text
        .bytes()
        .rposition(|b| !is_trailing(char::from(b)))
        .map_or(0, |last| last + 1);
    text.as_bytes()[..end]
        .split(|&b| char::from(b).is_whitespace())
        .filter(|word| !word.is_empty())
}

/// Case-insensitive regular expressions, tested all at once.
#[derive(Debug)]
pub struct Patterns {
    set: RegexSet,
    /// Which set this is, for the answers each thread remembers.
    id: SetId,
}

impl Patterns {
    fn new(set: RegexSet) -> Patterns {
        Patterns {
            set,
            id: SetId::next(),
        }
    }

    pub fn matches(&self, text: &str) -> bool {
        remembered(self.id, text, || self.set.is_match(text))
    }
}

impl Default for Patterns {
    fn default() -> Self {
        Patterns::new(RegexSet::empty())
    }
}

/// A severity as written in a policy: `Ok(None)` for `off`, `Err(text)` for anything else.
pub fn parse_severity(value: &Value) -> Result<Option<Severity>, String> {
    // `off` is text under YAML 1.2; a severity written `false` means off too.
    let text = match value {
        Value::Bool(false) => "off".to_string(),
        other => other.as_scalar().unwrap_or("").to_ascii_lowercase(),
    };
    match text.as_str() {
        "error" => Ok(Some(Severity::Error)),
        "warning" => Ok(Some(Severity::Warning)),
        "info" => Ok(Some(Severity::Info)),
        "off" => Ok(None),
        _ => Err(text),
    }
}

struct Setting<'a> {
    source: &'a Source,
    key: &'a Node,
    value: &'a Node,
}

pub struct Params<'a> {
    rule: &'static str,
    settings: Vec<Setting<'a>>,
    severity: Option<(&'a Source, &'a Node)>,
    read: Vec<&'static str>,
    errors: Vec<PolicyError>,
}

impl<'a> Params<'a> {
    pub fn new(rule: &'static str) -> Params<'a> {
        Params {
            rule,
            settings: Vec::new(),
            severity: None,
            read: vec!["severity"],
            errors: Vec::new(),
        }
    }

    /// Adds one layer's entry for this rule: a severity alone (`ticket-linked: off`) or a
    /// mapping of settings.
    pub fn add_layer(
        &mut self,
        source: &'a Source,
        entry: &'a Node,
        errors: &mut Vec<PolicyError>,
    ) {
        match &entry.value {
            Value::Map(pairs) => {
                for (key, value) in pairs {
                    if key.value.as_scalar() == Some("severity") {
                        self.severity = Some((source, value));
                    } else {
                        self.settings
                            .retain(|s| s.key.value.as_scalar() != key.value.as_scalar());
                        self.settings.push(Setting { source, key, value });
                    }
                }
            }
            Value::Text(_) | Value::Bool(false) => self.severity = Some((source, entry)),
            Value::Null => {}
            other => errors.push(PolicyError::new(
                source,
                Some(span(entry)),
                format!(
                    "settings of {} must be a severity or a mapping, not {}",
                    self.rule,
                    other.kind()
                ),
                Some("write `off`, `error`, or a mapping such as {severity: warning}".into()),
            )),
        }
    }

    /// The configured severity; `None` when the rule is off.
    pub fn severity(&mut self, errors: &mut Vec<PolicyError>) -> Option<Severity> {
        let (source, node) = self.severity?;
        match parse_severity(&node.value) {
            Ok(severity) => severity,
            Err(text) => {
                errors.push(PolicyError::new(
                    source,
                    Some(span(node)),
                    format!(
                        "severity of {} must be error, warning, info or off, not `{text}`",
                        self.rule
                    ),
                    None,
                ));
                None
            }
        }
    }

    fn get(&mut self, key: &'static str) -> Option<&Setting<'a>> {
        self.read.push(key);
        let found = self
            .settings
            .iter()
            .position(|s| s.key.value.as_scalar() == Some(key));
        match found {
            Some(i) => Some(&self.settings[i]),
            None => {
                // Only a default policy missing a key gets here: a bug, caught by a test.
                let message = format!(
                    "rule {} has no setting `{key}` in the default policy",
                    self.rule
                );
                self.errors
                    .push(PolicyError::unlocated("default", message, None));
                None
            }
        }
    }

    fn invalid(&mut self, key: &'static str, why: String, help: Option<&str>) {
        let found = self
            .settings
            .iter()
            .find(|s| s.key.value.as_scalar() == Some(key));
        if let Some(s) = found {
            let error = PolicyError::new(
                s.source,
                Some(span(s.value)),
                format!("`{key}` of {}: {why}", self.rule),
                help.map(str::to_string),
            );
            self.errors.push(error);
        }
    }

    pub fn duration(&mut self, key: &'static str) -> TimeDelta {
        let Some(text) = self
            .get(key)
            .map(|s| s.value.value.as_scalar().map(str::to_string))
        else {
            return TimeDelta::zero();
        };
        match text.as_deref().map(parse_duration) {
            Some(Ok(d)) if d > TimeDelta::zero() => d,
            Some(Ok(_)) => {
                self.invalid(key, "must be longer than zero".into(), None);
                TimeDelta::zero()
            }
            Some(Err(why)) => {
                self.invalid(
                    key,
                    why.into(),
                    Some("write a duration such as 4h, 30m, 1h30m, 7d or PT4H"),
                );
                TimeDelta::zero()
            }
            None => {
                self.invalid(key, "expected a duration such as 4h".into(), None);
                TimeDelta::zero()
            }
        }
    }

    pub fn count(&mut self, key: &'static str) -> usize {
        let Some(value) = self.get(key).map(|s| s.value.value.clone()) else {
            return 0;
        };
        match &value {
            Value::Number(n) => match n.parse::<usize>() {
                Ok(n) => n,
                Err(_) => {
                    self.invalid(key, format!("expected a whole number, found {n}"), None);
                    0
                }
            },
            other => {
                self.invalid(
                    key,
                    format!("expected a whole number, found {}", other.kind()),
                    None,
                );
                0
            }
        }
    }

    /// A list of texts.
    pub fn texts(&mut self, key: &'static str) -> Vec<String> {
        let Some(value) = self.get(key).map(|s| s.value.value.clone()) else {
            return Vec::new();
        };
        match value {
            Value::List(items) => {
                let mut texts = Vec::with_capacity(items.len());
                for item in &items {
                    match item.value.as_scalar() {
                        Some(t) => texts.push(t.to_string()),
                        None => self.invalid(
                            key,
                            format!(
                                "expected a list of texts, found {} in it",
                                item.value.kind()
                            ),
                            None,
                        ),
                    }
                }
                texts
            }
            other => {
                self.invalid(
                    key,
                    format!("expected a list, found {}", other.kind()),
                    Some("write a YAML list: [a, b] or one `- item` per line"),
                );
                Vec::new()
            }
        }
    }

    pub fn phrases(&mut self, key: &'static str) -> PhraseSet {
        PhraseSet::new(self.texts(key))
    }

    /// Lowercased words, compared exactly.
    pub fn words(&mut self, key: &'static str) -> Words {
        let mut words: Vec<String> = self
            .texts(key)
            .iter()
            .map(|w| w.trim().to_lowercase())
            .collect();
        words.sort();
        words.dedup();
        Words(words)
    }

    pub fn patterns(&mut self, key: &'static str) -> Patterns {
        let texts = self.texts(key);
        // Compiled once, as one set, within the limits on count (checked before compiling)
        // and size; its error names the pattern that fails.
        match crate::load::limits::policy_regex_set(&texts) {
            Ok(set) => Patterns::new(set),
            Err((index, why)) => {
                let setting = self
                    .settings
                    .iter()
                    .find(|s| s.key.value.as_scalar() == Some(key));
                let item = match (setting.map(|s| &s.value.value), index) {
                    (Some(Value::List(items)), Some(i)) => items.get(i),
                    _ => None,
                };
                match (setting, item) {
                    (Some(s), Some(item)) => self.errors.push(PolicyError::new(
                        s.source,
                        Some(span(item)),
                        format!("`{key}` of {}: {why}", self.rule),
                        Some(
                            "join patterns into one with `|`, or list plain words or phrases"
                                .into(),
                        ),
                    )),
                    _ => self.invalid(key, why, None),
                }
                Patterns::default()
            }
        }
    }

    /// Reports the keys no rule read, and hands over what went wrong.
    pub fn finish(self, errors: &mut Vec<PolicyError>) {
        errors.extend(self.errors);
        for s in &self.settings {
            let key = s.key.value.as_scalar().unwrap_or("");
            if !self.read.contains(&key) {
                errors.push(PolicyError::new(
                    s.source,
                    Some(span(s.key)),
                    format!("unknown key `{key}` for rule {}", self.rule),
                    did_you_mean(key, self.read.iter().copied()),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::answers::ANSWERS as REMEMBERED_ANSWERS;
    use super::{Patterns, RegexSet, normalize};

    #[test]
    fn remembered_answers_are_the_regex_sets_own() {
        let build = |p: &[&str]| {
            Patterns::new(
                regex::RegexSetBuilder::new(p)
                    .case_insensitive(true)
                    .build()
                    .unwrap(),
            )
        };
        let (team, admin) = (build(&[r"\bteam\b"]), build(&["^admin"]));
        let set = |p: &str| RegexSet::new([format!("(?i){p}")]).unwrap();
        let (team_set, admin_set) = (set(r"\bteam\b"), set("^admin"));
        // Twice over, past the number kept, so answers are remembered, looked up and dropped;
        // the two sets never answer for each other.
        for round in 0..2 {
            for i in 0..REMEMBERED_ANSWERS + 10 {
                let text = match i % 4 {
                    0 => format!("Support Team {i}"),
                    1 => format!("Admin {i}"),
                    2 => "Ravi Patel".to_string(),
                    _ => format!("teammate {}", "x".repeat(i % 90)),
                };
                assert_eq!(
                    team.matches(&text),
                    team_set.is_match(&text),
                    "{round} {text}"
                );
                assert_eq!(
                    admin.matches(&text),
                    admin_set.is_match(&text),
                    "{round} {text}"
                );
            }
        }
    }

    #[test]
    fn normalizing_ignores_case_space_and_trailing_punctuation() {
        assert_eq!(normalize("  Support   Issue. "), "support issue");
        assert_eq!(normalize("Need access!!"), "need access");
        assert_eq!(normalize("on-call"), "on-call");
        assert_eq!(normalize("..."), "");
        assert_eq!(normalize("Need access . ."), "need access");
    }

    #[test]
    fn comparing_normalized_text_needs_no_string() {
        use super::same_normalized;
        assert!(same_normalized(" Mina  CHEN.", "mina chen"));
        assert!(same_normalized("Zoë", "ZOË"));
        assert!(!same_normalized("Mina Chen", "Mina Cheng"));
        assert!(!same_normalized("Mina", "Mina Chen"));
    }

    proptest::proptest! {
        #[test]
        fn comparing_ascii_names_agrees_with_normalize(
            a in "[ aAbB.!,\t\x0b\x0c-]{0,12}",
            b in "[ aAbB.!,\t\x0b\x0c-]{0,12}",
        ) {
            proptest::prop_assert_eq!(
                super::same_normalized(&a, &b),
                normalize(&a) == normalize(&b)
            );
        }

        #[test]
        fn counting_letters_stops_early_but_agrees(
            text in "[ aZ09.!,\t\x0b\x01…é-]{0,30}", most in 0usize..12
        ) {
            proptest::prop_assert_eq!(
                super::more_letters_than(&text, most),
                super::letters(&text) > most
            );
        }

        #[test]
        fn ascii_keys_normalize_like_normalize(text in "[ a-zA-Z.!,\t\x0b\x0c-]{0,40}") {
            let mut key = super::Key::default();
            proptest::prop_assert!(key.push_normalized_ascii(text.as_bytes()));
            proptest::prop_assert_eq!(key.text(), normalize(&text));
        }
    }

    #[test]
    fn long_and_non_ascii_phrases_and_words_are_found() {
        let long = "x ".repeat(100);
        let set = super::PhraseSet::new([
            long.clone(),
            "\u{43f}\u{43e}\u{434}\u{434}\u{435}\u{440}\u{436}\u{43a}\u{430} ".repeat(20),
        ]);
        assert!(set.contains(&format!("{}.", long.to_uppercase())));
        assert!(set.contains(
            &"\u{41f}\u{41e}\u{414}\u{414}\u{415}\u{420}\u{416}\u{41a}\u{410} ".repeat(20)
        ));
        let words = super::Words(vec!["\u{3bf}\u{3bb}\u{3bf}\u{3c2}".to_string()]); // "ολος", ending in a final sigma
        assert!(words.contains(" \u{39f}\u{39b}\u{39f}\u{3a3} "));
    }

    #[test]
    fn ascii_keys_drop_white_space_that_is_not_a_space() {
        let mut key = super::Key::default();
        assert!(key.push_normalized_ascii(b"\x0bSupport\x0c\tissue.\x0b"));
        assert_eq!(key.text(), "support issue");
    }

    #[test]
    fn long_texts_skip_the_phrase_lookup_but_never_miss_a_phrase() {
        let set = super::PhraseSet::new(["support issue".to_string(), "need access".to_string()]);
        assert!(set.contains("  SUPPORT   issue!! "));
        assert!(set.contains("Need access ..."));
        assert!(set.contains("need access…"));
        assert!(
            !set.contains("Investigate failed SSO login for tenant after IdP certificate update")
        );
    }
}
