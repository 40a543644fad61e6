//! Files written from the rule registry (as ruff's `generate_all`): the default policy, the
//! rules part of the policy schema, README's rules table. This test fails when a committed
//! copy differs from what the registry says; `UPDATE_GENERATED=1 cargo test --test generated`
//! rewrites them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use grantlint::rules::generate;

type Generator = fn(&str) -> Result<String, String>;

#[test]
fn committed_files_are_what_the_registry_generates() {
    let files: [(&str, Generator); 3] = [
        ("policies/default.yaml", |_| Ok(generate::default_policy())),
        ("docs/policy.schema.json", generate::policy_schema),
        ("README.md", generate::readme),
    ];
    let update = std::env::var_os("UPDATE_GENERATED").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (path, generator) in files {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let committed = std::fs::read_to_string(&path).unwrap();
        let fresh = generator(&committed).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if fresh == committed {
            continue;
        }
        if update {
            std::fs::write(&path, &fresh).unwrap();
        } else {
            let line = committed
                .lines()
                .zip(fresh.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| committed.lines().count().min(fresh.lines().count()));
            let near = |text: &str| text.lines().nth(line).unwrap_or("(end)").to_string();
            stale.push(format!(
                "{} line {}:\n  committed: {}\n  generated: {}",
                path.display(),
                line + 1,
                near(&committed),
                near(&fresh)
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "generated files differ from the rule registry; run \
         `UPDATE_GENERATED=1 cargo test --test generated` and commit them:\n{}",
        stale.join("\n")
    );
}
