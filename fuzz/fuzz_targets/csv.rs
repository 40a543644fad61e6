//! The CSV loader on arbitrary bytes: never panics, every problem it records points inside
//! the input, and the one error in-memory input can have (a field in two header columns)
//! names its line and column.
#![no_main]

use grantlint::grant::Grant;
use grantlint::load::{Limits, csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the delimiter, as --delimiter does.
    let (delimiter, text) = match data.split_first() {
        Some((&d, rest)) if d.is_ascii() => (d, rest),
        _ => (b',', data),
    };
    let limits = Limits {
        max_value_size: 64,
        ..Limits::default()
    };
    let mut sink = |grant: &Grant| {
        for problem in &grant.problems {
            assert!(problem.span.line >= 1 && problem.span.column >= 1);
            assert!(problem.span.offset + problem.span.len <= text.len());
        }
    };
    if let Err(e) = csv::load(text, "fuzz.csv", delimiter, &limits, &mut sink) {
        assert!(e.location.is_some(), "an error without a place: {e}");
    }
});
