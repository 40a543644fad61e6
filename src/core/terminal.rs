//! Text from the data, made safe to print to a terminal. An export or a file name can carry
//! ANSI escape sequences (recolour, move the cursor, retitle the window, hide a line), other
//! control characters, or Unicode bidirectional overrides that make a line read differently
//! from what it holds. None of them may reach the terminal: they are replaced with visible
//! stand-ins. JSON needs none of this; serde_json escapes every control character.

use std::borrow::Cow;
use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents};

/// Characters that must not reach a terminal: C0 and C1 controls (ESC starts every ANSI
/// sequence), DEL, and the bidirectional embeddings, overrides and isolates.
/// A control character, or a bidi control that would reorder what is shown around it (so that
/// `\u{202E}nehC aniM` shows as "Mina Chen").
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// For a value in a page or an annotation (HTML, Markdown, GitHub): bidi and other control
/// characters become `�`; line ends and tabs stay, for the format to encode its own way.
pub fn shown_safely(text: &str) -> Cow<'_, str> {
    let unsafe_here = |c: char| is_unsafe(c) && !matches!(c, '\n' | '\r' | '\t');
    if !text.chars().any(unsafe_here) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if unsafe_here(c) { '\u{FFFD}' } else { c })
            .collect(),
    )
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
    // controls), 0xD8 (the Arabic letter mark) or 0xE2 (bidi controls); a file without those
    // is shown as it is.
    let suspect = |b: &u8| {
        (*b < 0x20 && !matches!(b, b'\n' | b'\t')) || matches!(b, 0x7F | 0xC2 | 0xD8 | 0xE2)
    };
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

/// Whether a snippet can be drawn for `span`: miette pads the underline to the column and
/// draws it as wide as the span, and a width past 65,535 panics in Rust's formatting (a
/// finding deep in a one-line JSON export). Farther places are named by line and column only.
/// So is a line around it longer than that: miette prints the span's line and one on each
/// side whole, and a 200 MB value on one line would be echoed whole.
pub fn drawable(span: crate::core::span::Span, text: &str) -> bool {
    const MOST: usize = 4096;
    if span.column as usize > MOST || span.len > MOST {
        return false;
    }
    let bytes = text.as_bytes();
    let (start, end) = (
        span.offset.min(bytes.len()),
        (span.offset + span.len).min(bytes.len()),
    );
    // The line before the span's, the span's and the one after each end within MOST bytes.
    let before = &bytes[start.saturating_sub(2 * MOST)..start];
    let after = &bytes[end..(end + 2 * MOST).min(bytes.len())];
    let ends_before = memchr::memrchr_iter(b'\n', before).take(2).count();
    let ends_after = memchr::memchr_iter(b'\n', after).take(2).count();
    (ends_before == 2 || before.len() == start)
        && (ends_after == 2 || end + after.len() == bytes.len())
}

/// A file's text for a diagnostic's snippet, named and shown safely, its line ends indexed
/// once for the many snippets of one file in a report (see [`Lines`]).
pub fn snippet_source(name: &str, text: Arc<str>) -> NamedSource<Lines> {
    NamedSource::new(clean(name), Lines::new(shown(text)))
}

/// The same snippet under another name (a file renamed for reports, see report::paths).
pub fn renamed(source: &NamedSource<Lines>, name: &str) -> NamedSource<Lines> {
    NamedSource::new(clean(name), source.inner().clone())
}

fn shown(text: Arc<str>) -> Arc<str> {
    match clean_snippet(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(cleaned) => Arc::from(cleaned),
    }
}

/// A file's text with where its lines end. miette finds a snippet's lines by counting them
/// from the top of the text, which made the text report on a big file quadratic in its
/// findings (14.5 s for 10,000 grants); this hands miette the text from a few lines before
/// the span, and adds back the lines skipped.
#[derive(Clone)]
pub struct Lines {
    text: Arc<str>,
    /// Offsets just past each line end, as miette counts them: `\n`, `\r\n` or a lone `\r`.
    ends: Vec<usize>,
}

impl Lines {
    fn new(text: Arc<str>) -> Lines {
        let bytes = text.as_bytes();
        let ends = memchr::memchr2_iter(b'\n', b'\r', bytes)
            .filter(|&i| !(bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n')))
            .map(|i| i + 1)
            .collect();
        Lines { text, ends }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The 0-based column of `offset` in characters, a leading byte-order mark not counted.
    fn char_column(&self, offset: usize) -> usize {
        let line = self.ends.partition_point(|&end| end <= offset);
        let start = line
            .checked_sub(1)
            .and_then(|i| self.ends.get(i))
            .map_or(0, |&end| end);
        let before = self.text.get(start..offset).unwrap_or_default();
        let before = before.strip_prefix('\u{FEFF}').unwrap_or(before);
        before.chars().count()
    }
}

impl SourceCode for Lines {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // The span's line, and one more than the context before it, is where miette starts.
        let line = self.ends.partition_point(|&end| end <= span.offset());
        let skipped = line.saturating_sub(before + 1);
        let start = skipped
            .checked_sub(1)
            .and_then(|i| self.ends.get(i))
            .map_or(0, |&end| end);
        let window = self.text.get(start..).unwrap_or_default();
        let inner = SourceSpan::new((span.offset() - start).into(), span.len());
        let contents = window.read_span(&inner, before, after)?;
        let at = SourceSpan::new(
            (contents.span().offset() + start).into(),
            contents.span().len(),
        );
        // miette counts the column it prints in a snippet's header (`[file:2:25]`) in bytes,
        // and asks for it with no context lines; grantlint names columns in characters, with
        // a byte-order mark not counted, so the header says what the message says.
        let column = if before == 0 {
            self.char_column(span.offset())
        } else {
            contents.column()
        };
        Ok(Box::new(MietteSpanContents::new(
            contents.data(),
            at,
            contents.line() + skipped,
            column,
            contents.line_count() + skipped,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Reading a snippet from a few lines before it gives what miette's own reading of
        /// the whole text gives: the same lines, line and column numbers, and line count.
        #[test]
        fn snippets_read_from_their_lines_as_from_the_whole_text(
            pieces in proptest::collection::vec(
                proptest::sample::select(&["a", "bc", "\n", "\r\n", "\r", "\u{e9}", " "][..]), 0..80),
            at in 0usize..400,
            len in 0usize..20,
            before in 0usize..4,
            after in 0usize..4,
        ) {
            let text: String = pieces.concat();
            let at = text.char_indices().map(|(i, _)| i).chain([text.len()]).nth(at % (text.chars().count() + 1)).unwrap_or(0);
            let len = len.min(text.len() - at);
            let span = SourceSpan::new(at.into(), len);
            let lines = Lines::new(Arc::from(text.as_str()));
            // The header's column (asked with no lines before) is counted in characters here,
            // in bytes by miette: see `Lines::char_column`.
            let seen = |c: &dyn SpanContents| {
                let column = (before > 0).then(|| c.column());
                (c.data().to_vec(), *c.span(), c.line(), column, c.line_count())
            };
            let whole = text.as_str().read_span(&span, before, after).map(|c| seen(&*c));
            let windowed = lines.read_span(&span, before, after).map(|c| seen(&*c));
            proptest::prop_assert_eq!(windowed.ok(), whole.ok());
        }
    }

    #[test]
    fn the_header_column_counts_characters_and_not_a_byte_order_mark() {
        let lines = Lines::new(Arc::from("\u{FEFF}id,name\nMüller café x\n"));
        let column = |offset: usize| {
            let span = SourceSpan::new(offset.into(), 1);
            lines.read_span(&span, 0, 0).unwrap().column()
        };
        assert_eq!(column(3), 0); // `i`, after the mark
        assert_eq!(column(11 + "Müller café ".len()), 12); // `x`, not byte 14
    }

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
