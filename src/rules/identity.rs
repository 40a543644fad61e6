//! A person's name as grantlint compares it. Self-approval must not hide behind how a name is
//! typed: "Mina Chen" approving for "mina chen" in decomposed form (NFD), with a zero-width
//! space or a right-to-left mark inside, in full-width letters, with a Cyrillic "а" for the
//! Latin "a", or as "Mina Chen, support lead", is one person. So names are compared by a key:
//! NFKC, case folded, invisible format characters removed, white space collapsed, and the
//! Cyrillic and Greek letters that look Latin read as the Latin ones; and a title after a comma
//! or in parentheses is set aside when the other name has none.

use unicode_normalization::UnicodeNormalization;

use super::params::same_normalized;

/// Whether two texts name the same person: their [`key`]s are equal, or one is the other with
/// a title after a comma or in parentheses ("Ravi Patel, on-call manager" is Ravi Patel; but
/// "Patel, Ravi" and "Patel, Anna" are two people).
pub fn same_name(a: &str, b: &str) -> bool {
    // Names that start with different Latin letters differ however they go on, titles and all:
    // folding leaves an ASCII letter as it is (or composes it with its accent into another
    // letter). Nearly every pair compared ends here.
    let first = |text: &str| text.chars().find(|c| !c.is_whitespace());
    if let (Some(x), Some(y)) = (first(a), first(b))
        && x.is_ascii_alphanumeric()
        && y.is_ascii_alphanumeric()
        && !x.eq_ignore_ascii_case(&y)
    {
        return false;
    }
    let same = |a: &str, b: &str| match (a.is_ascii() && b.is_ascii(), plain(a) && plain(b)) {
        (true, _) => same_normalized(a, b), // nothing to fold
        // Accented names in their usual form: folded as they are compared, allocating nothing.
        (false, true) => folded(a).eq(folded(b)),
        (false, false) => key(a) == key(b),
    };
    if same(a, b) {
        return true;
    }
    match (titled(a), titled(b)) {
        (true, false) => same(name_of(a), b),
        (false, true) => same(a, name_of(b)),
        _ => false,
    }
}

/// The name a text gives, as compared: see the module's doc.
pub fn key(text: &str) -> String {
    if plain(text) {
        return folded(text).collect();
    }
    let folded: String = text
        .nfkc()
        .filter(|&c| !invisible(c))
        .map(latin_capital)
        .flat_map(char::to_lowercase)
        .map(latin_look_alike)
        .collect();
    // NFKC again: a dropped mark can leave a letter and its accent to compose.
    let composed: String = folded.nfkc().collect();
    composed.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a text is already in NFKC with nothing invisible: what nearly every name is, whose
/// key is then only folded.
fn plain(text: &str) -> bool {
    use unicode_normalization::{IsNormalized, is_nfkc_quick};
    is_nfkc_quick(text.chars()) == IsNormalized::Yes && !text.chars().any(invisible)
}

/// A [`plain`] text's key, character by character: lowercase, look-alikes read as Latin,
/// white space collapsed to single spaces.
fn folded(text: &str) -> impl Iterator<Item = char> + '_ {
    text.split_whitespace().enumerate().flat_map(|(i, word)| {
        let space = (i > 0).then_some(' ');
        let letters = word
            .chars()
            .map(latin_capital)
            .flat_map(char::to_lowercase)
            .map(latin_look_alike);
        space.into_iter().chain(letters)
    })
}

/// Whether a name mixes Latin letters with Cyrillic or Greek ones: how a look-alike of
/// another person's name is made.
pub fn mixes_scripts(text: &str) -> bool {
    if text.is_ascii() {
        return false;
    }
    let (mut latin, mut other) = (false, false);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        match c {
            'a'..='z' | 'A'..='Z' | '\u{00C0}'..='\u{024F}' => latin = true,
            '\u{0370}'..='\u{03FF}' | '\u{0400}'..='\u{052F}' => other = true,
            _ => {}
        }
    }
    latin && other
}

/// What sets a title apart: a comma or a parenthesis, also in their full-width and small
/// forms ("Mina Chen，lead" from an East Asian keyboard).
const TITLE_MARKS: [char; 6] = [',', '(', '\u{FF0C}', '\u{FF08}', '\u{FE50}', '\u{FE59}'];

/// Whether a text has a title after a comma or in parentheses.
fn titled(text: &str) -> bool {
    match text.is_ascii() {
        true => memchr::memchr2(b',', b'(', text.as_bytes()).is_some(),
        false => text.contains(TITLE_MARKS),
    }
}

/// The name before a title after a comma or in parentheses ("Ravi Patel, on-call manager"):
/// only a full name (two words or more), so "Patel, Ravi" is not read as "Patel".
pub fn name_of(text: &str) -> &str {
    let head = text.split(TITLE_MARKS).next().unwrap_or(text);
    match head.split_whitespace().nth(1) {
        Some(_) => head,
        None => text,
    }
}

/// Characters that show nothing: zero-width spaces and joiners, the byte-order mark, soft
/// hyphens, and the bidi controls that reorder what is shown.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// A Cyrillic or Greek capital that looks like a Latin one, as that Latin capital: read before
/// lowercasing, which would make Greek `Ν` a `ν` (a "v").
fn latin_capital(c: char) -> char {
    match c {
        'А' | 'Α' => 'A',
        'В' | 'Β' => 'B',
        'С' | 'Ϲ' => 'C',
        'Е' | 'Ε' => 'E',
        'Н' | 'Η' => 'H',
        'І' | 'Ι' | 'Ӏ' => 'I',
        'Ј' => 'J',
        'К' | 'Κ' => 'K',
        'М' | 'Μ' => 'M',
        'Ν' => 'N',
        'О' | 'Ο' => 'O',
        'Р' | 'Ρ' => 'P',
        'Ѕ' => 'S',
        'Т' | 'Τ' => 'T',
        'Х' | 'Χ' => 'X',
        'Υ' | 'Ү' => 'Y',
        'Ζ' => 'Z',
        other => other,
    }
}

/// A lowercase Cyrillic or Greek letter that looks like a Latin one, as that Latin letter.
fn latin_look_alike(c: char) -> char {
    match c {
        'а' | 'α' => 'a',
        'в' | 'β' => 'b',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'ε' => 'e',
        'һ' | 'н' => 'h',
        'і' | 'ι' | 'ӏ' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'о' | 'ο' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'υ' => 'u',
        'ν' => 'v',
        'ԝ' | 'ω' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_name_are_one_person() {
        for spelling in [
            "mina chen",
            "  MINA   CHEN ",
            "Mi\u{200B}na Chen",
            "Mina\u{2060} Chen",
            "\u{202E}Mina Chen\u{202C}",
            "Ｍｉｎａ Ｃｈｅｎ",
            "Mіna Сhen",
            "Mina Chen, support lead",
            "Mina Chen (on-call)",
            "Mina Chen\u{FF0C}support lead",
            "Mina Chen\u{FF08}on-call\u{FF09}",
        ] {
            assert!(same_name("Mina Chen", spelling), "{spelling:?}");
        }
        assert!(same_name("Zoë Ortiz", "Zoe\u{0308} Ortiz"));
        assert!(same_name("José Núñez", "JOSÉ  NÚÑEZ"));
        assert!(!same_name("José Núñez", "Jose Nunez, lead"));
        // A plain text's key is what the full folding gives.
        for name in ["José Núñez", "Зоя  Иванова", "Mіna Сhen"] {
            assert_eq!(key(name), folded(name).collect::<String>());
        }
        assert!(!same_name("Mina Chen", "Mina Cheng"));
        assert!(!same_name("Mina Chen", "Ravi Patel, Mina Chen's manager"));
        assert!(same_name("Patel, Ravi", "patel,  ravi"));
        assert!(!same_name("Patel, Ravi", "Patel, Anna"));
        assert!(!same_name("Patel, Ravi", "Patel"));
        assert!(same_name("Mina Chen", "\u{039C}ina Chen")); // a Greek capital Mu
        assert!(same_name("Nina Chen", "\u{039D}ina \u{0421}hen")); // Greek Nu, Cyrillic Es
    }

    #[test]
    fn look_alikes_mix_scripts_and_names_in_one_script_do_not() {
        assert!(mixes_scripts("Mіna Chen"));
        assert!(mixes_scripts("Ravi Pаtel"));
        assert!(!mixes_scripts("Mina Chen"));
        assert!(!mixes_scripts("Зоя Иванова"));
        assert!(!mixes_scripts("Ζωή Παππά"));
        assert!(!mixes_scripts("José Núñez"));
    }
}
