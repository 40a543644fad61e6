//! Every output format on arbitrary grants: the fuzzer's bytes are a CSV export (or, when
//! they start like one, YAML or JSON), checked with the default policy, and the run is
//! written in every format. Nothing panics; the JSON formats parse as JSON and JUnit as XML.
#![no_main]

use std::sync::Arc;

use grantlint::check::check;
use grantlint::load::{Format, Input, Origin, ReadOptions};
use grantlint::policy::Policy;
use grantlint::report::{Extras, FailOn, OutputFormat, Run, reporter};
use libfuzzer_sys::fuzz_target;

const FORMATS: [OutputFormat; 9] = [
    OutputFormat::Text,
    OutputFormat::Concise,
    OutputFormat::GitlabSast,
    OutputFormat::Json,
    OutputFormat::Sarif,
    OutputFormat::Junit,
    OutputFormat::Github,
    OutputFormat::Gitlab,
    OutputFormat::Csv,
];

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let format = match text.trim_start().chars().next() {
        Some('-' | '{' | '[') => Format::Yaml,
        _ => Format::Csv,
    };
    let inputs = [Input {
        name: "fuzz\u{202e}\n::error::.csv".into(),
        origin: Origin::Stdin(Arc::from(&*text)),
        format,
    }];
    let Ok(policy) = Policy::load(None) else {
        return;
    };
    let now = "2026-11-24T12:00:00Z".parse().unwrap_or_default();
    let outcome = check(&inputs, &ReadOptions::default(), &policy, now);
    let rules = grantlint::report::RuleInfo::of_policy(&policy);
    let settings = grantlint::report::Settings::default();
    let run = Run {
        outcome: &outcome,
        policy: "default",
        now,
        fail_on: FailOn::Error,
        min_severity: grantlint::finding::Severity::Info,
        rules: &rules,
        settings: &settings,
    };
    let extras = Extras {
        color: false,
        sources: &[],
    };
    for format in FORMATS {
        let mut out = Vec::new();
        reporter(format)
            .write(&run, &extras, &mut out)
            .expect("writing to memory");
        let written = std::str::from_utf8(&out).expect("every report is UTF-8");
        match format {
            OutputFormat::Json
            | OutputFormat::Sarif
            | OutputFormat::Gitlab
            | OutputFormat::GitlabSast => {
                serde_json::from_str::<serde_json::Value>(written)
                    .unwrap_or_else(|e| panic!("{format:?} is not JSON: {e}"));
            }
            OutputFormat::Junit => {
                let mut reader = quick_xml::Reader::from_str(written);
                loop {
                    match reader.read_event() {
                        Ok(quick_xml::events::Event::Eof) => break,
                        Ok(_) => {}
                        Err(e) => panic!("JUnit is not XML: {e}"),
                    }
                }
            }
            // What a person reads shows no bidi control from the data.
            OutputFormat::Text | OutputFormat::Concise | OutputFormat::Github => {
                for line in written.lines() {
                    assert!(
                        !line.contains('\u{202e}'),
                        "{format:?}: a bidi control reached the output: {line:?}"
                    );
                }
            }
            OutputFormat::Csv => {}
        }
    }
});
