//! Limits on what one input may hold, so a hostile or broken export is refused in well under a
//! second with a message that names the file, the limit and the flag that raises it, instead of
//! exhausting memory, the stack or the CI job's time.

use serde_saphyr::budget::BudgetBreach;

/// The limits one run applies to every input (flags of `grantlint check`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes in one input file (`--max-file-size`).
    pub max_file_size: u64,
    /// Bytes in one CSV cell or YAML/JSON value (`--max-value-size`); a longer value is a
    /// `field-format` finding at that value, and its text is not kept.
    pub max_value_size: usize,
    /// Nesting of YAML/JSON lists and mappings (`--max-yaml-depth`).
    pub max_yaml_depth: usize,
    /// Alias uses (`*name`) in one YAML file (`--max-yaml-aliases`).
    pub max_yaml_aliases: usize,
    /// Nodes a YAML file may expand to, aliases counted each time they are used
    /// (`--max-yaml-nodes`). `None`: one per input byte (at least 10,000), which a file
    /// without aliases can never reach.
    pub max_yaml_nodes: Option<usize>,
}

pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * KIB;
pub const GIB: u64 = 1024 * MIB;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_size: GIB,
            max_value_size: 64 * KIB as usize,
            max_yaml_depth: 64,
            max_yaml_aliases: 10_000,
            max_yaml_nodes: None,
        }
    }
}

impl Limits {
    /// The node budget for a YAML text of `size` bytes.
    pub fn yaml_nodes(&self, size: usize) -> usize {
        self.max_yaml_nodes.unwrap_or(size.max(10_000))
    }
}

/// Reads a size such as `1GiB`, `64KiB`, `200MB`, `512k` or `1048576` (bytes). Suffixes count
/// in 1024s, whether written KiB, KB or K.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| "a size is a whole number, optionally with KiB, MiB or GiB".to_string())?;
    let unit = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => KIB,
        "m" | "mb" | "mib" => MIB,
        "g" | "gb" | "gib" => GIB,
        "t" | "tb" | "tib" => 1024 * GIB,
        other => return Err(format!("unknown size unit `{other}`; use KiB, MiB or GiB")),
    };
    number
        .checked_mul(unit)
        .ok_or_else(|| "that size is too large".to_string())
}

/// `1 GiB`, `64 KiB`, `1.5 MiB`, `300 bytes`.
pub fn format_size(bytes: u64) -> String {
    for (unit, name) in [(GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")] {
        if bytes >= unit {
            return if bytes.is_multiple_of(unit) {
                format!("{} {name}", bytes / unit)
            } else {
                format!("{:.1} {name}", bytes as f64 / unit as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

/// The message and help for a file larger than `--max-file-size`.
pub fn file_too_large(size: u64, limits: &Limits) -> (String, String) {
    (
        format!(
            "the file is {}, above the {} limit for one input",
            format_size(size),
            format_size(limits.max_file_size)
        ),
        format!(
            "split the export, or raise the limit with --max-file-size (e.g. --max-file-size {})",
            format_size(size.next_power_of_two()).replace(' ', "")
        ),
    )
}

/// The message and help for a value longer than `--max-value-size`.
pub fn value_too_long(field: &str, size: usize, max_value_size: usize) -> (String, String) {
    (
        format!(
            "{field} is {} long, above the {} limit for one value; its text is not checked",
            format_size(size as u64),
            format_size(max_value_size as u64)
        ),
        "check the export for a runaway value (an unclosed quote?), or raise the limit with --max-value-size".into(),
    )
}

/// The most cells one CSV record may have: far more columns than any export has. A header's
/// cells are all kept, so a line of a billion commas would fill memory.
pub const MAX_CELLS: usize = 10_000;

/// The largest input whose text is read again for a snippet (the text report's findings, an
/// error in a streamed JSON-lines file): above it, findings and errors are named by line and
/// column alone, so a streamed or segmented file is never held whole in memory for them.
pub const MAX_SNIPPET_SOURCE: u64 = 64 * 1024 * 1024;

/// The message and help for a CSV header cell longer than `--max-value-size`.
pub fn header_too_long(limits: &Limits) -> (String, &'static str) {
    (
        format!(
            "the header has a cell longer than {}: no column is named so, so this is not a grants export",
            format_size(limits.max_value_size as u64)
        ),
        "check that this is a grants export and that --delimiter is its delimiter",
    )
}

/// The message and help for a CSV record with more than [`MAX_CELLS`] cells.
pub fn record_too_wide() -> (String, &'static str) {
    (
        format!("this record has more than {MAX_CELLS} cells, far more than an export's columns"),
        "check that this is a grants export and that --delimiter is its delimiter",
    )
}

/// The message and help for a YAML budget that was exceeded, naming the flag that raises it.
pub fn yaml_budget(breach: &BudgetBreach, limits: &Limits, size: usize) -> (String, String) {
    let nodes = limits.yaml_nodes(size);
    let (message, flag) = match breach {
        BudgetBreach::Depth { .. } => (
            format!(
                "the data nests deeper than {} lists and mappings, the limit",
                limits.max_yaml_depth
            ),
            "--max-yaml-depth",
        ),
        BudgetBreach::Aliases { .. }
        | BudgetBreach::Anchors { .. }
        | BudgetBreach::AliasAnchorRatio { .. } => (
            format!(
                "the file uses more than {} YAML aliases or anchors, the limit",
                limits.max_yaml_aliases
            ),
            "--max-yaml-aliases",
        ),
        BudgetBreach::Nodes { .. }
        | BudgetBreach::Events { .. }
        | BudgetBreach::ScalarBytes { .. }
        | BudgetBreach::RecordedAnchorEvents { .. }
        | BudgetBreach::RecordedAnchorBytes { .. } => (
            format!(
                "the file expands to more than {nodes} YAML nodes, the limit (aliases count each time they are used; an alias bomb?)"
            ),
            "--max-yaml-nodes",
        ),
        other => (
            format!("the file exceeds a YAML parser limit ({other:?})"),
            "--max-yaml-nodes",
        ),
    };
    (
        message,
        format!(
            "write the grants out without deep nesting or repeated aliases, or raise the limit with {flag}"
        ),
    )
}

/// The most regular expressions one policy file's custom rules may test (`matches:`): far
/// above any real policy, and counted before any is compiled.
pub const MAX_POLICY_PATTERNS: usize = 256;

/// What one policy pattern may take once compiled, and its search cache per thread: a
/// pattern such as `\w{500}` takes megabytes, and a few hundred of them gigabytes.
pub const MAX_PATTERN_SIZE: usize = 256 * KIB as usize;

/// Compiles one regular expression within [`MAX_PATTERN_SIZE`] (compiled and search cache):
/// every pattern a policy or a configuration file brings is bounded by this one limit.
pub fn bounded_regex(pattern: &str, case_insensitive: bool) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(case_insensitive)
        .size_limit(MAX_PATTERN_SIZE)
        .dfa_size_limit(MAX_PATTERN_SIZE)
        .build()
}

/// Compiles a policy's regular expression (case-insensitive) within [`MAX_PATTERN_SIZE`],
/// saying what to do when it is larger.
pub fn policy_regex(pattern: &str) -> Result<regex::Regex, String> {
    bounded_regex(pattern, true)
        .map_err(|e| regex_error(e, "this regex", MAX_PATTERN_SIZE, "one pattern"))
}

/// What a regex error says: a pattern (`what`) larger than `limit` compiled, or invalid.
fn regex_error(e: regex::Error, what: &str, limit: usize, of: &str) -> String {
    match e {
        regex::Error::CompiledTooBig(_) => format!(
            "{what} compiles to more than {}, the limit for {of}; write it shorter (a bounded \
             repeat such as {{500}} copies what it repeats)",
            format_size(limit as u64)
        ),
        e => format!("invalid regex: {e}"),
    }
}

/// What one rule's `patterns` setting may take once compiled (all its patterns are one set):
/// four times one pattern's limit, far above any list of names or phrases.
pub const MAX_PATTERN_SET_SIZE: usize = 4 * MAX_PATTERN_SIZE;

/// Compiles a rule's `patterns` setting (case-insensitive, one set), refusing more than
/// [`MAX_POLICY_PATTERNS`] patterns before compiling any (`Err((Some(index), why))`, the index
/// of the first one past the limit) and a set larger than [`MAX_PATTERN_SET_SIZE`] once
/// compiled (`Err((None, why))`).
pub fn policy_regex_set(patterns: &[String]) -> Result<regex::RegexSet, (Option<usize>, String)> {
    if patterns.len() > MAX_POLICY_PATTERNS {
        return Err((
            Some(MAX_POLICY_PATTERNS),
            format!(
                "a rule's `patterns` can hold at most {MAX_POLICY_PATTERNS} regular expressions; \
                 this is the first past the limit"
            ),
        ));
    }
    regex::RegexSetBuilder::new(patterns)
        .case_insensitive(true)
        .size_limit(MAX_PATTERN_SET_SIZE)
        .dfa_size_limit(MAX_PATTERN_SET_SIZE)
        .build()
        .map_err(|e| {
            let why = regex_error(e, "the setting", MAX_PATTERN_SET_SIZE, "one setting");
            (None, why)
        })
}

/// The first `matches:` test past [`MAX_POLICY_PATTERNS`] in a policy's `custom:` list, to
/// refuse the list before compiling any of its patterns.
pub fn too_many_patterns(custom: &crate::core::node::Node) -> Option<&crate::core::node::Node> {
    use crate::core::node::{Node, Value};
    fn walk<'a>(node: &'a Node, seen: &mut usize) -> Option<&'a Node> {
        match &node.value {
            Value::List(items) => items.iter().find_map(|item| walk(item, seen)),
            Value::Map(entries) => entries.iter().find_map(|(key, value)| {
                if key.value.as_scalar() == Some("matches") {
                    *seen += 1;
                    if *seen > MAX_POLICY_PATTERNS {
                        return Some(key);
                    }
                }
                walk(value, seen)
            }),
            _ => None,
        }
    }
    walk(custom, &mut 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_and_print() {
        assert_eq!(parse_size("1GiB"), Ok(GIB));
        assert_eq!(parse_size("64 KiB"), Ok(64 * KIB));
        assert_eq!(parse_size("2g"), Ok(2 * GIB));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("1.5GiB").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("99999999999999 TiB").is_err());
        assert_eq!(format_size(GIB), "1 GiB");
        assert_eq!(format_size(64 * KIB), "64 KiB");
        assert_eq!(format_size(3 * MIB / 2), "1.5 MiB");
        assert_eq!(format_size(12), "12 bytes");
    }
}
