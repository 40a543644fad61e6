//! The policy-side files on arbitrary text: a people directory and waivers written in a
//! policy, and a baseline file. Nothing panics, and every policy error names its line and
//! column; a baseline that cannot be read says why.
#![no_main]

use grantlint::baseline::Baseline;
use grantlint::policy::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return; // policy-side files are read with read_to_string
    };
    // The fuzzer's text as the value of each key that names a policy-side file's content.
    let indented: String = text.lines().map(|l| format!("  {l}\n")).collect();
    for key in ["people", "waivers", "extends", "mapping"] {
        let policy = format!("version: 1\n{key}:\n{indented}");
        if let Err(errors) = Policy::from_text("fuzz.yaml", &policy) {
            for e in &errors.errors {
                assert!(e.location.is_some(), "{key}: an error without a place: {e}");
            }
        }
    }
    // A baseline is read from a file; one per process, rewritten for each input.
    let path = std::env::temp_dir().join(format!("grantlint-fuzz-{}.json", std::process::id()));
    if std::fs::write(&path, data).is_ok()
        && let Err(message) = Baseline::load(&path)
    {
        assert!(!message.is_empty());
    }
});
