//! JSON lines (Teleport's audit log): each line goes through the serde_json reader that builds
//! the located tree, which must place every value where the YAML reader placed it before
//! (differential: when both read a line, the same kinds at the same places); then the whole
//! text goes through the Teleport adapter. Nothing panics, every error names a line.
#![no_main]

use grantlint::core::node::{Node, Value, span};
use grantlint::grant::Grant;
use grantlint::load::adapters::{Native, Out, Related, Source};
use grantlint::load::json_lines;
use grantlint::load::mapping::Mapping;
use grantlint::load::{InputError, Limits};
use libfuzzer_sys::fuzz_target;

fn walk(node: &Node, out: &mut Vec<(&'static str, grantlint::core::span::Span)>) {
    out.push((node.value.kind(), span(node)));
    match &node.value {
        Value::Map(entries) => entries.iter().for_each(|(k, v)| {
            walk(k, out);
            walk(v, out);
        }),
        Value::List(items) => items.iter().for_each(|item| walk(item, out)),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for line in text.lines() {
        match json_lines::parse(line, 64) {
            Ok(ours) => {
                // A lone CR is a line end to YAML and blank space to JSON; an audit log's
                // lines are counted by LF alone, so only lines without one are compared.
                if let Some(theirs) = (!line.contains('\r'))
                    .then(|| grantlint::core::node::parse(line).ok())
                    .flatten()
                {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    walk(&ours, &mut a);
                    walk(&theirs, &mut b);
                    // Numbers are not compared: JSON and YAML disagree on a few spellings.
                    let same = |x: &[(&str, _)], y: &[(&str, _)]| {
                        x.len() == y.len()
                            && x.iter().zip(y).all(|(p, q)| p == q || (p.0 == "a number" || q.0 == "a number"))
                    };
                    assert!(same(&a, &b), "{line:?}\n{a:?}\n{b:?}");
                }
            }
            Err((_, offset)) => assert!(offset <= line.len() && line.is_char_boundary(offset)),
        }
    }
    let mapping = Mapping::default();
    let related = Related::default();
    let limits = Limits::default();
    let native = Native {
        file: "fuzz.jsonl",
        delimiter: b',',
        now: grantlint::core::time::parse_time("2026-11-24T12:00:00Z").unwrap(),
        mapping: &mapping,
        limits: &limits,
        related: &related,
    };
    let mut sink = |grant: &Grant| {
        for problem in &grant.problems {
            assert!(problem.span.line >= 1 && problem.span.column >= 1);
        }
    };
    let mut out = Out::new(&mut sink);
    let result: Result<(), InputError> = (Source::Teleport.adapter().load)(text, &native, &mut out);
    if let Err(e) = result {
        let _ = e.to_string();
    }
});
