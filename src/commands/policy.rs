//! The policy's own commands: `rules`, `explain`, `policy show`, `policy check`, `init`, `test`.

use std::io::IsTerminal;

use super::{CANNOT_RUN, FAILED, PASSED, eprint_diagnostic};
use crate::load::ReadOptions;
use crate::policy::Policy;
use crate::{output, policy, rules, verify};

pub fn list_rules(policy: Option<&std::path::Path>) -> u8 {
    let policy = match Policy::discover(policy) {
        Ok(policy) => policy,
        Err(errors) => {
            eprint_diagnostic(&errors, std::io::stderr().is_terminal());
            return CANNOT_RUN;
        }
    };
    let mut out = String::new();
    for meta in rules::REGISTRY {
        let severity = policy
            .rules
            .iter()
            .find(|r| r.id == meta.id)
            .map_or("off", |r| r.severity.name());
        out.push_str(&format!(
            "{:<24} {:<8} {}\n",
            meta.id, severity, meta.summary
        ));
    }
    for rule in &policy.custom {
        let severity = policy.severity_of(&rule.id).map_or("off", |s| s.name());
        out.push_str(&format!(
            "{:<24} {:<8} {} (custom)\n",
            rule.id, severity, rule.message
        ));
    }
    for limit in &policy.limits {
        let severity = limit.severity.map_or("off", |s| s.name());
        out.push_str(&format!(
            "{:<24} {:<8} a cross-grant limit (limits)\n",
            limit.limit.id, severity
        ));
    }
    print!("{out}");
    PASSED
}

pub fn explain(id: &str, policy: Option<&std::path::Path>) -> u8 {
    let policy = match Policy::discover(policy) {
        Ok(policy) => policy,
        Err(errors) => {
            eprint_diagnostic(&errors, std::io::stderr().is_terminal());
            return CANNOT_RUN;
        }
    };
    if let Some(rule) = policy.custom.iter().find(|r| r.id == id) {
        print!("{}", rule.docs(policy.severity_of(id)));
        return PASSED;
    }
    if let Some(limit) = policy.limits.iter().find(|l| l.limit.id == id) {
        print!("{}", limit.limit.docs());
        return PASSED;
    }
    match rules::find(id) {
        Some(meta) => {
            let docs: String = meta
                .docs
                .lines()
                .map(|l| format!("{}\n", l.strip_prefix(' ').unwrap_or(l)))
                .collect();
            print!("# {}\n\n{}\n\n{docs}", meta.id, meta.summary);
            print!(
                "\n## Default settings\n```yaml\n{}```\n",
                policy::template::rule_block(meta.id)
            );
            PASSED
        }
        None => {
            let ids = rules::REGISTRY.iter().map(|r| r.id);
            let hint = crate::core::source::did_you_mean(
                id,
                ids.chain(policy.custom.iter().map(|r| r.id.as_str()))
                    .chain(policy.limits.iter().map(|l| l.limit.id.as_str())),
            )
            .unwrap_or_else(|| "`grantlint rules` lists them".into());
            eprintln!("grantlint: unknown rule `{id}`; {hint}");
            CANNOT_RUN
        }
    }
}

pub fn show(given: Option<&std::path::Path>) -> u8 {
    match Policy::discover(given) {
        Ok(policy) => {
            print!("{}", policy.show());
            PASSED
        }
        Err(errors) => {
            eprint_diagnostic(&errors, std::io::stderr().is_terminal());
            CANNOT_RUN
        }
    }
}

pub fn check(given: Option<&std::path::Path>) -> u8 {
    // The file is this command's argument, not `--policy`: an unreadable one is named as such.
    if let Some(path) = given
        && let Some((why, missing)) = unreadable(path)
    {
        let name = path.display().to_string();
        let mut help = "check the FILE given to `grantlint policy check`".to_string();
        if missing {
            help.push_str(&format!(
                "; `grantlint init {name}` writes a starting policy there"
            ));
        }
        let error = crate::core::source::PolicyError::unlocated(
            &name,
            format!("cannot read the policy file: {why}"),
            Some(help),
        );
        eprint_diagnostic(&error, std::io::stderr().is_terminal());
        return CANNOT_RUN;
    }
    match Policy::discover(given) {
        Ok(policy) => {
            // Built-in and custom rules are counted apart: `policy.rules` holds both.
            let custom_on = policy
                .rules
                .iter()
                .filter(|r| policy.custom.iter().any(|c| c.id == r.id))
                .count();
            let custom = match policy.custom.len() {
                0 => String::new(),
                n => format!(", {custom_on} of {n} custom rules on"),
            };
            // Limits run as rules too, and are counted apart as well.
            let limits_on = policy
                .limits
                .iter()
                .filter(|l| l.severity.is_some())
                .count();
            let limits = match policy.limits.len() {
                0 => String::new(),
                1 if limits_on == 1 => ", 1 limit".to_string(),
                n if n == limits_on => format!(", {n} limits"),
                n => format!(", {limits_on} of {n} limits on"),
            };
            println!(
                "{}: valid ({} of {} rules on{custom}{limits}, {} overrides)",
                policy.name,
                policy.rules.len().saturating_sub(custom_on + limits_on),
                rules::REGISTRY.len(),
                policy.override_count()
            );
            PASSED
        }
        Err(errors) => {
            eprint_diagnostic(&errors, std::io::stderr().is_terminal());
            CANNOT_RUN
        }
    }
}

/// Why `path` cannot be read as a policy file, and whether it is simply not there.
fn unreadable(path: &std::path::Path) -> Option<(String, bool)> {
    match std::fs::File::open(path).and_then(|f| f.metadata()) {
        Err(e) => Some((
            crate::core::files::io_reason(&e),
            e.kind() == std::io::ErrorKind::NotFound,
        )),
        Ok(m) if m.is_dir() => Some(("this is a folder, not a file".into(), false)),
        Ok(_) => None,
    }
}

pub fn init(path: &std::path::Path, force: bool) -> u8 {
    if path.exists() && !force {
        eprintln!(
            "grantlint: {} already exists; pass --force to replace it",
            path.display()
        );
        return CANNOT_RUN;
    }
    match output::write_atomic(path, policy::template::starting_policy().as_bytes(), &[]) {
        Ok(()) => {
            println!(
                "wrote {}: the default policy in full, ready to edit",
                path.display()
            );
            PASSED
        }
        Err(e) => {
            eprintln!("grantlint: {e}");
            CANNOT_RUN
        }
    }
}

pub fn run_tests(dir: Option<std::path::PathBuf>, policy: Option<std::path::PathBuf>) -> u8 {
    let color = std::io::stderr().is_terminal();
    let dir = dir.unwrap_or_else(|| verify::DEFAULT_DIR.into());
    // The suite's own policy, when it carries one.
    let policy = policy.or_else(|| Some(dir.join("grantlint.yaml")).filter(|p| p.is_file()));
    let policy = match Policy::load(policy.as_deref()) {
        Ok(policy) => policy,
        Err(errors) => {
            eprint_diagnostic(&errors, color);
            return CANNOT_RUN;
        }
    };
    let cases = match verify::find_cases(&dir) {
        Ok(cases) => cases,
        Err(error) => {
            eprint_diagnostic(&error, color);
            return CANNOT_RUN;
        }
    };
    let options = ReadOptions::default();
    let mut results = Vec::new();
    let mut broken = false;
    for case in &cases {
        match verify::run_case(case, &policy, &options) {
            Ok(result) => results.push(result),
            Err(errors) => {
                broken = true;
                for error in &errors {
                    eprint_diagnostic(error, color);
                }
            }
        }
    }
    print!("{}", verify::render(&results));
    if broken {
        CANNOT_RUN
    } else if results.iter().all(verify::CaseResult::passed) {
        PASSED
    } else {
        FAILED
    }
}
