//! `--format json`: DESIGN.md's report, version 1.

use chrono::SecondsFormat;
use rayon::prelude::*;
use serde::Serialize;
use std::io::Write as _;

use super::Run;
use crate::baseline::Entry;
use crate::finding::Severity;

/// The report's fields before `findings`.
#[derive(Serialize)]
struct Head<'a> {
    version: u32,
    tool: Tool,
    policy: &'a str,
    now: String,
    summary: Summary<'a>,
}

/// The report's fields after `findings`, each left out when empty (additions to v1).
#[derive(Serialize)]
struct Tail<'a> {
    /// Waived or baselined findings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressed: Vec<SuppressedFinding<'a>>,
    /// Inputs that could not be read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<InputError<'a>>,
    /// How each CSV's columns, or each YAML or JSON file's keys, were read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inputs: Vec<InputMap<'a>>,
}

/// One input's columns or keys: which became which field, which were ignored (with the
/// field each most likely means), which fields none supplies, and the `mapping:` that would
/// read the ignored ones.
#[derive(Serialize)]
struct InputMap<'a> {
    file: &'a str,
    kind: &'static str,
    read: Vec<MappedName<'a>>,
    ignored: Vec<MappedName<'a>>,
    missing: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mapping: Option<String>,
}

#[derive(Serialize)]
struct MappedName<'a> {
    name: &'a str,
    line: u32,
    column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<&'static str>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary<'a> {
    files: usize,
    grants: usize,
    /// Requests of native exports that never became access (an addition to v1; absent when
    /// there are none).
    #[serde(skip_serializing_if = "is_zero")]
    skipped: usize,
    findings: usize,
    by_severity: BySeverity,
    passed: bool,
    /// Additions to v1, each absent when it does not apply.
    #[serde(skip_serializing_if = "is_zero")]
    suppressed: usize,
    /// Findings below `--min-severity`, left out of `findings`.
    #[serde(skip_serializing_if = "is_zero")]
    hidden: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<BaselineSummary<'a>>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
struct BaselineSummary<'a> {
    new: usize,
    baselined: usize,
    resolved: usize,
    /// Entries that matched nothing: fixed findings, or grants that are gone.
    stale: &'a [Entry],
}

#[derive(Serialize)]
struct SuppressedFinding<'a> {
    #[serde(flatten)]
    finding: Finding<'a>,
    by: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    approver: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
}

#[derive(Serialize)]
struct BySeverity {
    error: usize,
    warning: usize,
    info: usize,
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'a str,
    severity: Severity,
    grant: Option<&'a str>,
    tenant: Option<&'a str>,
    file: &'a str,
    line: u32,
    column: u32,
    field: Option<&'static str>,
    message: &'a str,
    help: &'a str,
    related: &'a [String],
}

#[derive(Serialize)]
struct InputError<'a> {
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

pub fn render(run: &Run) -> String {
    let mut out = Vec::new();
    // Writing plain structs of strings and numbers into memory cannot fail.
    let _ = write(run, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Findings serialised on one thread at a time: enough that handing a piece over costs
/// little next to writing it, few enough that its buffer (about 230 KB) stays in the
/// processor's cache. Pieces of 2,048, one per thread, took 92 ms on the 1M CSV, against 58.
const PIECE: usize = 512;

/// Writes the report exactly as serde_json's pretty printer writes it whole, but with the
/// findings serialised in pieces on every core and written in order as they are done: a
/// million findings need no second copy in memory.
pub fn write(run: &Run, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let shown: Vec<&crate::finding::Finding> = run.shown().collect();
    let head = serde_json::to_vec_pretty(&head(run, shown.len()))?;
    let tail = serde_json::to_vec_pretty(&tail(run))?;
    // Buffered here, so the serialiser's many small writes are not each a call through `dyn`.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    // The head's object without its closing brace; then the findings; then the tail's keys.
    out.write_all(head.strip_suffix(b"\n}").unwrap_or(&head))?;
    out.write_all(b",\n  \"findings\": [")?;
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
    out.write_all(if shown.is_empty() { b"]" } else { b"\n  ]" })?;
    if let Some(keys) = tail.strip_prefix(b"{").and_then(|t| t.strip_suffix(b"\n}")) {
        out.write_all(b",")?;
        out.write_all(keys)?;
    }
    out.write_all(b"\n}\n")?;
    out.flush()
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

/// A name that never needs an escape (a field's or a severity's; a test holds them so) as a
/// JSON string: written without looking at it.
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

fn head<'a>(run: &'a Run<'a>, findings: usize) -> Head<'a> {
    let outcome = run.outcome;
    let counts = run.counts();
    Head {
        version: 1,
        tool: Tool {
            name: "grantlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        policy: run.policy,
        now: run.now.to_rfc3339_opts(SecondsFormat::Secs, true),
        summary: Summary {
            files: outcome.inputs,
            grants: outcome.grants,
            skipped: outcome.skipped,
            findings,
            by_severity: BySeverity {
                error: counts.error,
                warning: counts.warning,
                info: counts.info,
            },
            passed: run.passed(),
            suppressed: run.shown_suppressed().count(),
            hidden: run.hidden(),
            baseline: outcome.baseline.as_ref().map(|b| BaselineSummary {
                new: b.new,
                baselined: b.baselined,
                resolved: b.resolved(),
                stale: &b.stale,
            }),
        },
    }
}

fn tail<'a>(run: &'a Run<'a>) -> Tail<'a> {
    Tail {
        suppressed: run
            .shown_suppressed()
            .map(|s| {
                let (by, reason, approver, expires) = s.by.parts();
                let expires = expires.map(|e| e.to_rfc3339_opts(SecondsFormat::Secs, true));
                SuppressedFinding {
                    finding: finding(run, &s.finding),
                    by,
                    reason,
                    approver,
                    expires,
                }
            })
            .collect(),
        errors: input_errors(run.outcome),
        inputs: input_maps(run.outcome),
    }
}

/// `grantlint inspect --format json`: how each input was read, and what it held.
pub fn inspect(outcome: &crate::check::Outcome) -> String {
    #[derive(Serialize)]
    struct Inspection<'a> {
        files: usize,
        grants: usize,
        skipped: usize,
        inputs: Vec<InputMap<'a>>,
        errors: Vec<InputError<'a>>,
    }
    let inspection = Inspection {
        files: outcome.inputs,
        grants: outcome.grants,
        skipped: outcome.skipped,
        inputs: input_maps(outcome),
        errors: input_errors(outcome),
    };
    serde_json::to_string_pretty(&inspection).unwrap_or_default() + "\n"
}

/// How each CSV's columns, or each YAML or JSON file's keys, were read.
fn input_maps(outcome: &crate::check::Outcome) -> Vec<InputMap<'_>> {
    outcome
        .files
        .iter()
        .zip(&outcome.maps)
        .filter_map(|(file, map)| Some(input_map(file, map.as_ref()?)))
        .collect()
}

/// The inputs that could not be read.
fn input_errors(outcome: &crate::check::Outcome) -> Vec<InputError<'_>> {
    outcome
        .errors
        .iter()
        .map(|e| InputError {
            file: &e.file,
            line: e.location.map(|s| s.line),
            column: e.location.map(|s| s.column),
            message: &e.message,
        })
        .collect()
}

fn input_map<'a>(file: &'a str, map: &'a crate::load::understood::InputMap) -> InputMap<'a> {
    let name = |n: &'a crate::load::understood::Name| MappedName {
        name: &n.text,
        line: n.span.line,
        column: n.span.column,
        field: n.field.map(|f| f.name()),
        suggestion: n.suggestion.map(|f| f.name()),
    };
    InputMap {
        file,
        kind: map.kind.name(),
        read: map
            .names
            .iter()
            .filter(|n| n.field.is_some())
            .map(name)
            .collect(),
        ignored: map.ignored().map(name).collect(),
        missing: map.missing.iter().map(|f| f.name()).collect(),
        mapping: map.mapping_lines(),
    }
}

fn finding<'a>(run: &Run<'a>, f: &'a crate::finding::Finding) -> Finding<'a> {
    Finding {
        rule: &f.rule,
        severity: f.severity,
        grant: f.grant.as_deref(),
        tenant: f.tenant.as_deref(),
        file: &run.outcome.files[f.file],
        line: f.span.line,
        column: f.span.column,
        field: f.field.map(|f| f.name()),
        message: &f.message,
        help: &f.help,
        related: &f.related,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Outcome;
    use crate::core::span::Span;
    use crate::finding::{Suppressed, Suppression};
    use crate::grant::Field;

    /// The report in one piece, as serde_json writes a whole document.
    #[derive(Serialize)]
    struct Whole<'a> {
        #[serde(flatten)]
        head: Head<'a>,
        findings: Vec<Finding<'a>>,
        #[serde(flatten)]
        tail: Tail<'a>,
    }

    fn outcome(findings: usize, suppressed: bool, errors: bool) -> Outcome {
        let found = |i: usize| crate::finding::Finding {
            rule: "reason-specific".into(),
            severity: [Severity::Error, Severity::Warning, Severity::Info][i % 3],
            grant: (!i.is_multiple_of(5)).then(|| format!("G-{i}").into()),
            tenant: Some("acme \"eu\"\n".into()),
            file: 0,
            span: Span {
                line: i as u32 + 2,
                column: 3,
                offset: 0,
                len: 1,
            },
            field: i.is_multiple_of(2).then_some(Field::Reason),
            at_grant: false,
            message: format!("reason `fix {i}` is vague \u{e9}").into(),
            help: "say what".into(),
            related: vec![format!("G-{}", i + 1); i % 3],
        };
        Outcome {
            files: vec!["a.csv".into()],
            inputs: 1,
            grants: findings,
            skipped: 0,
            findings: (0..findings).map(found).collect(),
            suppressed: suppressed
                .then(|| Suppressed {
                    finding: found(7),
                    by: Suppression::Waiver {
                        reason: "known".into(),
                        approver: "Ravi Patel".into(),
                        expires: "2026-12-01T00:00:00Z".parse().unwrap(),
                    },
                })
                .into_iter()
                .collect(),
            errors: errors
                .then(|| crate::load::InputError::new("b.csv", "cannot read"))
                .into_iter()
                .collect(),
            records: Vec::new(),
            baseline: None,
            maps: vec![None],
        }
    }

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

    #[test]
    fn pieces_written_on_every_core_make_serde_jsons_own_document() {
        for (findings, suppressed, errors) in [
            (0, false, false),
            (1, true, false),
            (PIECE * 3 + 17, true, true),
            (5, false, true),
        ] {
            let outcome = outcome(findings, suppressed, errors);
            for min_severity in [Severity::Info, Severity::Error] {
                let run = Run {
                    outcome: &outcome,
                    policy: "default",
                    now: "2026-11-24T12:00:00Z".parse().unwrap(),
                    fail_on: crate::report::FailOn::Error,
                    min_severity,
                };
                let shown: Vec<_> = run.shown().map(|f| finding(&run, f)).collect();
                let whole = Whole {
                    head: head(&run, shown.len()),
                    findings: shown,
                    tail: tail(&run),
                };
                let expected = serde_json::to_string_pretty(&whole).unwrap() + "\n";
                assert_eq!(render(&run), expected, "{findings} findings");
            }
        }
    }
}
