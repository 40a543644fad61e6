//! The YAML loader on arbitrary bytes: never panics, and every error names a line and column.
#![no_main]

use grantlint::grant::Grant;
use grantlint::load::{self, Limits, yaml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = match load::utf8(data.to_vec(), "fuzz.yaml") {
        Ok(text) => text,
        Err(e) => {
            assert!(e.location.is_some(), "{e}");
            return;
        }
    };
    let limits = Limits {
        max_value_size: 64,
        ..Limits::default()
    };
    let mut sink = |grant: &Grant| {
        for problem in &grant.problems {
            assert!(problem.span.line >= 1 && problem.span.column >= 1);
        }
    };
    if let Err(e) = yaml::load(&text, "fuzz.yaml", &limits, &mut sink) {
        assert!(e.location.is_some(), "an error without a place: {e}");
    }
});
