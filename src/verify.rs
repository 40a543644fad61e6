//! `grantlint test`: policy tests, like `conftest verify`. Each case is an export beside a
//! `NAME.expect.yaml` that lists the findings the policy must produce (rule and grant id). A
//! case passes when the findings are exactly those; otherwise it shows what is missing and
//! what is unexpected, so a policy change in a pull request shows what it does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::check;
use crate::core::node::{Node, Value, span};
use crate::discover::EXPECT;
use crate::load::{InputError, ReadOptions};
use crate::policy::Policy;

/// The folder searched when none is given.
pub const DEFAULT_DIR: &str = "policy-tests";
/// Export extensions, in the order a case's export is looked for.
const EXPORTS: [&str; 4] = ["yaml", "yml", "json", "csv"];

/// A finding as a case states it: the rule and the grant id.
type Verdict = (String, Option<String>);

/// One case's result: the verdicts it expected but did not get, and those it got unasked.
pub struct CaseResult {
    pub name: String,
    pub missing: Vec<Verdict>,
    /// With where each was found and its message.
    pub unexpected: Vec<(Verdict, String)>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty()
    }
}

/// What a `.expect.yaml` says.
struct Expectation {
    now: Option<DateTime<Utc>>,
    /// Compare only these rules' findings; all rules when `None`.
    rules: Option<Vec<String>>,
    findings: Vec<Verdict>,
}

/// Every `*.expect.yaml` under `dir`, in name order.
pub fn find_cases(dir: &Path) -> Result<Vec<PathBuf>, InputError> {
    let name = dir.display().to_string();
    if !dir.is_dir() {
        return Err(InputError::new(&name, "no such folder of policy tests").help(format!(
            "give the folder as `grantlint test DIR`; without one, grantlint looks in {DEFAULT_DIR}/"
        )));
    }
    let mut cases = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| InputError::new(&name, format!("cannot search: {e}")))?;
        if entry.file_type().is_file() && entry.file_name().to_string_lossy().ends_with(EXPECT) {
            cases.push(entry.into_path());
        }
    }
    if cases.is_empty() {
        return Err(InputError::new(&name, "no policy tests found").help(format!(
            "a test is an export (case.yaml, .json or .csv) beside case{EXPECT}, which lists the findings it must produce"
        )));
    }
    Ok(cases)
}

/// Runs one case against `policy`.
pub fn run_case(
    expect_path: &Path,
    policy: &Policy,
    options: &ReadOptions,
) -> Result<CaseResult, Vec<InputError>> {
    let expect_name = expect_path.display().to_string();
    let stem = expect_name
        .strip_suffix(EXPECT)
        .unwrap_or(&expect_name)
        .to_string();
    let export = EXPORTS
        .iter()
        .map(|ext| PathBuf::from(format!("{stem}.{ext}")))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            vec![
                InputError::new(&expect_name, "this test has no export beside it").help(format!(
                    "put the grants to check in {stem}.yaml, .yml, .json or .csv"
                )),
            ]
        })?;
    let expectation = read_expectation(expect_path).map_err(|e| vec![e])?;
    let (inputs, errors) = crate::discover::discover(&[export], options);
    if !errors.is_empty() {
        return Err(errors);
    }
    let now = expectation.now.unwrap_or_else(Utc::now);
    let outcome = check::check(&inputs, options, policy, now);
    if !outcome.errors.is_empty() {
        return Err(outcome.errors);
    }
    let counted = |rule: &str| {
        expectation
            .rules
            .as_ref()
            .is_none_or(|rules| rules.iter().any(|r| r == rule))
    };
    // Verdicts are compared as multisets: two findings of one rule on one grant are two.
    let mut expected: BTreeMap<&Verdict, usize> = BTreeMap::new();
    for verdict in &expectation.findings {
        *expected.entry(verdict).or_default() += 1;
    }
    let mut unexpected = Vec::new();
    for finding in outcome.findings.iter().filter(|f| counted(&f.rule)) {
        let verdict = (
            finding.rule.to_string(),
            finding.grant.as_deref().map(str::to_string),
        );
        match expected.get_mut(&verdict) {
            Some(n) if *n > 0 => *n -= 1,
            _ => {
                let at = format!(
                    "{}:{}:{}: {}",
                    outcome.files[finding.file],
                    finding.span.line,
                    finding.span.column,
                    finding.message
                );
                unexpected.push((verdict, at));
            }
        }
    }
    let missing = expected
        .into_iter()
        .flat_map(|(verdict, n)| std::iter::repeat_n(verdict.clone(), n))
        .collect();
    Ok(CaseResult {
        name: stem,
        missing,
        unexpected,
    })
}

fn read_expectation(path: &Path) -> Result<Expectation, InputError> {
    let name = path.display().to_string();
    let text: Arc<str> = crate::core::files::read_policy_file(path, None)
        .map_err(|refused| {
            let error = InputError::new(&name, format!("cannot read: {}", refused.message));
            match refused.help {
                Some(help) => error.help(help),
                None => error,
            }
        })?
        .into();
    let root: Node = crate::core::node::parse(&text).map_err(|e| {
        let error = InputError::new(&name, crate::load::yaml::parser_message(&e))
            .help("fix the YAML syntax here");
        match crate::load::yaml::error_span(&e, &text) {
            Some(at) => error.at(at, Some(&text)),
            None => error,
        }
    })?;
    let located = |node: &Node, message: String, help: &str| {
        InputError::new(&name, message)
            .help(help)
            .at(span(node), Some(&text))
    };
    const SHAPE: &str = "write `findings: [{rule: window-max, grant: SUP-1}, …]`, optionally with `now:` and `rules: [..]`";
    let Value::Map(entries) = &root.value else {
        return Err(located(
            &root,
            format!(
                "expected a mapping with `findings`, found {}",
                root.value.kind()
            ),
            SHAPE,
        ));
    };
    let mut expectation = Expectation {
        now: None,
        rules: None,
        findings: Vec::new(),
    };
    let mut has_findings = false;
    for (key, value) in entries {
        match key.value.as_scalar().unwrap_or("") {
            "now" => {
                let when = value.value.as_scalar().unwrap_or("");
                match crate::core::time::parse_time(when) {
                    Ok(t) => expectation.now = Some(t),
                    Err(why) => {
                        return Err(located(
                            value,
                            format!("`now` is not a time: {why}"),
                            "write a time such as 2026-11-24T12:00:00Z",
                        ));
                    }
                }
            }
            "rules" => expectation.rules = Some(texts(value, &located)?),
            "findings" => {
                has_findings = true;
                let items = match &value.value {
                    Value::List(items) => items.as_slice(),
                    Value::Null => &[],
                    other => {
                        return Err(located(
                            value,
                            format!("`findings` is a list, not {}", other.kind()),
                            SHAPE,
                        ));
                    }
                };
                for item in items {
                    expectation.findings.push(verdict(item, &located)?);
                }
            }
            other => {
                return Err(located(
                    key,
                    format!("unknown key `{other}` in a policy test"),
                    SHAPE,
                ));
            }
        }
    }
    if !has_findings {
        return Err(located(
            &root,
            "a policy test needs `findings` (write `findings: []` for a clean export)".into(),
            SHAPE,
        ));
    }
    Ok(expectation)
}

fn texts(
    node: &Node,
    located: &dyn Fn(&Node, String, &str) -> InputError,
) -> Result<Vec<String>, InputError> {
    let Value::List(items) = &node.value else {
        return Err(located(
            node,
            "`rules` is a list of rule ids".into(),
            "e.g. rules: [ticket-format, window-max]",
        ));
    };
    items
        .iter()
        .map(|item| {
            item.value
                .as_scalar()
                .map(str::to_string)
                .ok_or_else(|| located(item, "expected a rule id".into(), "e.g. ticket-format"))
        })
        .collect()
}

fn verdict(
    item: &Node,
    located: &dyn Fn(&Node, String, &str) -> InputError,
) -> Result<Verdict, InputError> {
    const HELP: &str = "each finding is {rule: ID, grant: GRANT-ID}; write `grant: null` for a grant without an id";
    let Value::Map(entries) = &item.value else {
        return Err(located(
            item,
            format!("expected a finding, found {}", item.value.kind()),
            HELP,
        ));
    };
    let mut rule = None;
    let mut grant = None;
    for (key, value) in entries {
        match key.value.as_scalar().unwrap_or("") {
            "rule" => rule = value.value.as_scalar().map(str::to_string),
            "grant" => grant = value.value.as_scalar().map(str::to_string),
            other => {
                return Err(located(
                    key,
                    format!("unknown key `{other}` in a finding"),
                    HELP,
                ));
            }
        }
    }
    match rule {
        Some(rule) => Ok((rule, grant)),
        None => Err(located(item, "this finding names no `rule`".into(), HELP)),
    }
}

/// The report: one line per case, the differences under each failing one, and a summary.
pub fn render(results: &[CaseResult]) -> String {
    let grant = |g: &Option<String>| g.clone().unwrap_or_else(|| "(no id)".into());
    let mut out = String::new();
    for case in results {
        if case.passed() {
            out.push_str(&format!("ok    {}\n", case.name));
            continue;
        }
        out.push_str(&format!("FAIL  {}\n", case.name));
        for (rule, g) in &case.missing {
            out.push_str(&format!("  - missing     {rule} on {}\n", grant(g)));
        }
        for ((rule, g), at) in &case.unexpected {
            out.push_str(&format!("  + unexpected  {rule} on {}  ({at})\n", grant(g)));
        }
    }
    let failed = results.iter().filter(|c| !c.passed()).count();
    out.push_str(&format!(
        "{} test{}: {} passed, {failed} failed\n",
        results.len(),
        if results.len() == 1 { "" } else { "s" },
        results.len() - failed
    ));
    out
}
