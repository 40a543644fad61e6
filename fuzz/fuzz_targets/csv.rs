//! The CSV loader on arbitrary bytes: never panics, every problem it records points inside
//! the input, the one error in-memory input can have (a field in two header columns) names
//! its line and column, and a file cut into segments (as the checker cuts a big export,
//! here in blocks of a few bytes so that small inputs are cut too) reads as the whole file.
#![no_main]

use grantlint::grant::Grant;
use grantlint::load::{Limits, csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the delimiter, as --delimiter does; the second the block size.
    let (delimiter, text) = match data.split_first() {
        Some((&d, rest)) if d.is_ascii() => (d, rest),
        _ => (b',', data),
    };
    let (block, text) = match text.split_first() {
        Some((&b, rest)) => (usize::from(b % 64) + 1, rest),
        None => (1, text),
    };
    let limits = Limits {
        max_value_size: 64,
        ..Limits::default()
    };
    let mut whole = Vec::new();
    let mut sink = |grant: &Grant| {
        for problem in &grant.problems {
            assert!(problem.span.line >= 1 && problem.span.column >= 1);
            assert!(problem.span.offset + problem.span.len <= text.len());
        }
        whole.push(csv::describe(grant));
    };
    let read = csv::load(text, "fuzz.csv", delimiter, &limits, &mut sink);
    if let Err(e) = &read {
        assert!(e.location.is_some(), "an error without a place: {e}");
    }
    let mut cut = Vec::new();
    let segmented = csv::read_in_segments(text, delimiter, &limits, block, &mut |grant| {
        cut.push(csv::describe(grant))
    });
    match (read, segmented) {
        (Ok(grants), Ok((in_segments, _))) => {
            assert_eq!(grants, in_segments);
            assert_eq!(whole, cut);
        }
        // `read_in_segments` names its input `t.csv`.
        (Err(whole), Err(cut)) => assert_eq!(
            whole.to_string().replacen("fuzz.csv", "t.csv", 1),
            cut.to_string()
        ),
        (whole, cut) => panic!("whole: {whole:?}, in segments: {cut:?}"),
    }
});
