//! The policy parser on arbitrary text: never panics, and every error names its line and
//! column (a policy file always has one: it was read).
#![no_main]

use grantlint::policy::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return; // the policy is read with read_to_string; non-UTF-8 never reaches the parser
    };
    if let Err(errors) = Policy::from_text("fuzz.yaml", text) {
        for e in &errors.errors {
            assert!(e.location.is_some(), "an error without a place: {e}");
        }
    }
});
