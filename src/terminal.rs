//! Text from the data, made safe to print to a terminal. An export or a file name can carry
//! ANSI escape sequences (recolour, move the cursor, retitle the window, hide a line), other
//! control characters, or Unicode bidirectional overrides that make a line read differently
//! from what it holds. None of them may reach the terminal: they are replaced with visible
//! stand-ins. JSON needs none of this; serde_json escapes every control character.

use std::borrow::Cow;
use std::sync::Arc;

use miette::NamedSource;

/// Characters that must not reach a terminal: C0 and C1 controls (ESC starts every ANSI
/// sequence), DEL, and the bidirectional embeddings, overrides and isolates.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// For messages, help and file names: each unsafe character becomes `�`; line ends stay.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c != '\n' && is_unsafe(c) {
                    '\u{FFFD}'
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// For a file's text shown in a snippet: like `clean`, but every replacement has the byte
/// length of what it replaces (`?` per byte, or `�` for a three-byte character), so the
/// byte offsets that underline a value stay right. Line ends and tabs stay, as does the `\r`
/// of a CRLF; a lone `\r` would send the cursor back over the line.
pub fn clean_snippet(text: &str) -> Cow<'_, str> {
    let unsafe_at = |i: usize, c: char| match c {
        '\n' | '\t' => false,
        '\r' => text.as_bytes().get(i + 1) != Some(&b'\n'),
        c => is_unsafe(c),
    };
    // Fast path over bytes: every unsafe character starts with a control byte, DEL, 0xC2 (C1
    // controls) or 0xE2 (bidi controls); a file without those is shown as it is.
    let suspect =
        |b: &u8| (*b < 0x20 && !matches!(b, b'\n' | b'\t')) || matches!(b, 0x7F | 0xC2 | 0xE2);
    if !text.as_bytes().iter().any(suspect) || !text.char_indices().any(|(i, c)| unsafe_at(i, c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if !unsafe_at(i, c) {
            out.push(c);
        } else if c.len_utf8() == 3 {
            out.push('\u{FFFD}');
        } else {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        }
    }
    Cow::Owned(out)
}

/// A file's text for a diagnostic's snippet, named and shown safely.
pub fn snippet_source(name: &str, text: Arc<str>) -> NamedSource<Arc<str>> {
    let text = match clean_snippet(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(cleaned) => Arc::from(cleaned),
    };
    NamedSource::new(clean(name), text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_controls_are_replaced() {
        assert_eq!(clean("plain\ntext"), "plain\ntext");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
        assert_eq!(
            clean("a\x1b[31mred\x07\u{202E}b"),
            "a\u{FFFD}[31mred\u{FFFD}\u{FFFD}b"
        );
        assert_eq!(
            clean("tab\there\rnul\0"),
            "tab\u{FFFD}here\u{FFFD}nul\u{FFFD}"
        );
    }

    #[test]
    fn snippets_keep_their_byte_offsets() {
        let text = "a: \x1b]0;pwned\x07\r\nb: \u{0085}x\u{202E}y\rz\tw\n";
        let shown = clean_snippet(text);
        assert_eq!(shown.len(), text.len());
        assert_eq!(shown, "a: ?]0;pwned?\r\nb: ??x\u{FFFD}y?z\tw\n");
        for (i, _) in text.char_indices() {
            assert!(shown.is_char_boundary(i), "{i}");
        }
    }
}
