//! The `findings` list of the JSON report, written exactly as serde_json's pretty printer
//! writes it (tests hold the two equal), in pieces on every core. A fast path: serde_json
//! writing the list itself took 13% more of check's instructions on the 100k-row CSV
//! (1,364M against 1,207M, callgrind; see docs/performance.md). The report's view of a
//! finding (`super::Finding`) stays a plain serde struct.

use rayon::prelude::*;

use super::{Finding, Run, finding};

/// Findings serialised on one thread at a time: enough that handing a piece over costs
/// little next to writing it, few enough that its buffer (about 230 KB) stays in the
/// processor's cache. Pieces of 2,048, one per thread, took 92 ms on the 1M CSV, against 58.
pub const PIECE: usize = 512;

/// Writes the list of `shown` findings, from its `[` to its `]`, in pieces serialised on
/// every core and written in order as they are done: a million findings need no second
/// copy in memory.
pub fn write(
    out: &mut impl std::io::Write,
    run: &Run,
    shown: &[&crate::finding::Finding],
) -> std::io::Result<()> {
    out.write_all(b"[")?;
    // Several pieces per thread and batch, so a thread that is done takes over another's
    // share; each buffer is reused from batch to batch.
    let mut pieces = vec![Vec::new(); 4 * rayon::current_num_threads().max(1)];
    // Each file's name, written once for all its findings.
    let files: Vec<Vec<u8>> = run.outcome.files.iter().map(|name| quoted(name)).collect();
    let mut first = true;
    for batch in shown.chunks(PIECE * pieces.len()) {
        pieces
            .par_iter_mut()
            .zip(batch.par_chunks(PIECE))
            .for_each(|(piece, findings)| {
                piece.clear();
                for f in findings {
                    piece.extend_from_slice(b",\n    ");
                    write_finding(piece, &finding(run, f), &files[f.file]);
                }
            });
        for piece in &pieces[..batch.len().div_ceil(PIECE)] {
            // The first finding has no comma before it.
            out.write_all(&piece[usize::from(first)..])?;
            first = false;
        }
    }
    out.write_all(if shown.is_empty() { b"]" } else { b"\n  ]" })
}

/// Writes one finding of the `findings` list exactly as serde_json's pretty printer does
/// (a test holds the two equal): the report's bulk, written without serde's per-byte and
/// per-key machinery. `file` is `f.file` written as a JSON string (`quoted`).
fn write_finding(out: &mut Vec<u8>, f: &Finding, file: &[u8]) {
    // Each key with the punctuation and indentation around it, as one piece of text.
    macro_rules! key {
        (first $name:literal) => {
            out.extend_from_slice(concat!("{\n      \"", $name, "\": ").as_bytes())
        };
        ($name:literal) => {
            out.extend_from_slice(concat!(",\n      \"", $name, "\": ").as_bytes())
        };
    }
    let text = |out: &mut Vec<u8>, text: Option<&str>| match text {
        Some(text) => write_str(out, text),
        None => out.extend_from_slice(b"null"),
    };
    let mut number = itoa::Buffer::new();
    key!(first "rule");
    write_str(out, f.rule);
    key!("severity");
    write_name(out, f.severity.name());
    key!("grant");
    text(out, f.grant);
    key!("tenant");
    text(out, f.tenant);
    key!("file");
    out.extend_from_slice(file);
    key!("line");
    out.extend_from_slice(number.format(f.line).as_bytes());
    key!("column");
    out.extend_from_slice(number.format(f.column).as_bytes());
    key!("field");
    match f.field {
        Some(name) => write_name(out, name),
        None => out.extend_from_slice(b"null"),
    }
    key!("message");
    write_str(out, f.message);
    key!("help");
    write_str(out, f.help);
    key!("related");
    if f.related.is_empty() {
        out.extend_from_slice(b"[]");
    } else {
        for (i, id) in f.related.iter().enumerate() {
            out.extend_from_slice(if i == 0 {
                b"[\n        "
            } else {
                b",\n        "
            });
            write_str(out, id);
        }
        out.extend_from_slice(b"\n      ]");
    }
    out.extend_from_slice(b"\n    }");
}

/// A JSON string as serde_json writes it: `"`, `\\` and control characters escaped, short
/// forms where JSON has them, everything else as is.
fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.push(b'"');
    // Nearly every text needs no escape: one check, then one copy.
    if !needs_escape(bytes) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !special(b) {
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        start = i + 1;
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0C => out.extend_from_slice(b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xF)]);
            }
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// A byte JSON strings escape: a control character, a quote or a backslash.
fn special(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// `text` as a JSON string, on its own.
fn quoted(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    write_str(&mut out, text);
    out
}

/// A name that never needs an escape (a field's or a severity's; a test holds them so; a
/// declared field's name is snake_case, as `fields:` requires) as a JSON string: written
/// without looking at it.
fn write_name(out: &mut Vec<u8>, name: &str) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.push(b'"');
}

/// Whether any byte of `bytes` is [`special`], asked of eight bytes at a time: most texts are
/// shorter than a vector loop takes to get going, and a byte loop cost several instructions
/// a byte.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of each byte below `n`. A borrow can only set a bit above a byte that is
    // itself below `n`, so whether any bit is set is exact.
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH;
    let any_special = |word: &[u8; 8]| {
        let word = u64::from_ne_bytes(*word);
        below(word, 0x20)
            | below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1)
    };
    let Some(last) = bytes.last_chunk::<8>() else {
        return bytes.iter().any(|&b| special(b));
    };
    // The last eight bytes, which may overlap the words before them, cover the rest.
    let (words, _) = bytes.as_chunks::<8>();
    words
        .iter()
        .fold(any_special(last), |any, word| any | any_special(word))
        != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;
    use crate::grant::Field;
    use serde::Serialize;

    /// `value` as serde_json's pretty printer writes it `level` deep in a document.
    fn nested(value: &impl Serialize, level: usize) -> String {
        use serde_json::ser::Formatter as _;
        let mut formatter = serde_json::ser::PrettyFormatter::new();
        for _ in 0..level {
            formatter.begin_object(&mut std::io::sink()).unwrap();
        }
        let mut out = Vec::new();
        value
            .serialize(&mut serde_json::Serializer::with_formatter(
                &mut out, formatter,
            ))
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    proptest::proptest! {
        #[test]
        fn a_finding_is_written_as_serde_json_writes_it(
            texts in proptest::collection::vec("(\\PC|[\"\\\\\u{0}-\u{1f}\u{7f}])*", 6),
            related in proptest::collection::vec("[A-Z\"\\\\\n-]{0,6}", 0..3),
            line: u32,
            column: u32,
            present in proptest::collection::vec(proptest::bool::ANY, 3),
        ) {
            let f = Finding {
                rule: &texts[0],
                severity: Severity::Warning,
                grant: present[0].then_some(texts[1].as_str()),
                tenant: present[1].then_some(texts[2].as_str()),
                file: &texts[3],
                line,
                column,
                field: present[2].then_some("reason"),
                message: &texts[4],
                help: &texts[5],
                related: &related,
            };
            let mut written = Vec::new();
            write_finding(&mut written, &f, &quoted(f.file));
            proptest::prop_assert_eq!(String::from_utf8(written).unwrap(), nested(&f, 2));
        }
    }

    #[test]
    fn names_written_as_they_are_need_no_escape() {
        let severities = [Severity::Info, Severity::Warning, Severity::Error].map(Severity::name);
        let fields = Field::ALL.iter().map(|f| f.name());
        for name in fields.chain(severities) {
            assert!(!needs_escape(name.as_bytes()), "{name}");
            let mut written = Vec::new();
            write_name(&mut written, name);
            assert_eq!(written, serde_json::to_vec(name).unwrap());
        }
    }

    proptest::proptest! {
        /// Any byte, anywhere in a text of any length, is found by the word-wise check.
        #[test]
        fn escapes_are_found_wherever_they_are(
            text in proptest::collection::vec(
                proptest::sample::select(b"a \x1f\x00\"\\\x7f\xff!#[]".to_vec()),
                0..40,
            )
        ) {
            let one_by_one = text.iter().any(|&b| special(b));
            proptest::prop_assert_eq!(needs_escape(&text), one_by_one);
        }
    }

    #[test]
    fn every_ascii_character_is_escaped_as_serde_json_escapes_it() {
        let ascii: String = (0..=0x7fu8).map(char::from).collect();
        let mut written = Vec::new();
        write_str(&mut written, &ascii);
        assert_eq!(written, serde_json::to_vec(&ascii).unwrap());
    }
}
