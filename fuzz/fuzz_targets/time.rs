//! The time and duration parsers on arbitrary text: never panic; a time that parses prints
//! and parses back to the same instant.
#![no_main]

use grantlint::core::time::{format_duration, parse_duration, parse_time};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // RFC 3339 output reads back only within the four-digit years that parse_time reads.
    if let Ok(t) = parse_time(&text).map(|t| (t, t.format("%Y").to_string()))
        && let (t, year) = t
        && year.len() == 4
        && !year.starts_with('-')
    {
        let again = parse_time(&t.to_rfc3339());
        assert_eq!(again, Ok(t), "{text:?} read as {t} does not read back");
    }
    if let Ok(d) = parse_duration(&text) {
        let _ = format_duration(d);
    }
});
