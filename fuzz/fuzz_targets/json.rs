//! The JSON path: JSON text built from the fuzzer's bytes goes through the same loader as
//! YAML; nothing panics and every error names a line and column.
#![no_main]

use grantlint::grant::Grant;
use grantlint::load::{Limits, yaml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Mostly-valid JSON reaches deeper than random bytes: wrap the input as a grants list
    // when it does not already look like JSON.
    let raw = String::from_utf8_lossy(data);
    let text = if raw.trim_start().starts_with(['{', '[']) {
        raw.into_owned()
    } else {
        let value = serde_json::Value::String(raw.into_owned());
        format!("{{\"grants\": [{{\"id\": \"f\", \"reason\": {value}, \"start\": {value}}}]}}")
    };
    let mut sink = |grant: &Grant| {
        for problem in &grant.problems {
            assert!(problem.span.line >= 1 && problem.span.column >= 1);
        }
    };
    if let Err(e) = yaml::load(&text, "fuzz.json", &Limits::default(), &mut sink) {
        assert!(e.location.is_some(), "an error without a place: {e}");
    }
});
