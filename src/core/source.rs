//! A policy file's text and name (`Source`), a problem located in it (`PolicyError`), and
//! "did you mean": what every part that reads a policy file reports problems with.

use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::core::node::{Node, Value, span};
use crate::core::span::Span;
use crate::core::terminal::{clean, snippet_source};

/// A policy file's text and name, for located errors.
#[derive(Clone)]
pub struct Source {
    pub name: String,
    pub text: Arc<str>,
}

impl Source {
    /// A policy file named `name` holding `yaml`, and its parsed tree: what a section's
    /// reader takes, for its tests.
    #[cfg(test)]
    pub fn parsed(name: &str, yaml: &str) -> (Source, Node) {
        let source = Source {
            name: name.into(),
            text: Arc::from(yaml),
        };
        (source, crate::core::node::parse(yaml).unwrap())
    }
}

/// One problem in a policy file.
#[derive(Debug, Diagnostic)]
#[diagnostic(code(grantlint::policy))]
pub struct PolicyError {
    pub message: String,
    pub file: String,
    pub location: Option<Span>,
    #[help]
    pub help: Option<String>,
    #[source_code]
    source_code: Option<NamedSource<crate::core::terminal::Lines>>,
    #[label("here")]
    label: Option<SourceSpan>,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (file, message) = (clean(&self.file), clean(&self.message));
        match self.location {
            Some(at) => write!(f, "{file}:{}:{}: {message}", at.line, at.column),
            None => write!(f, "{file}: {message}"),
        }
    }
}

impl std::error::Error for PolicyError {}

impl PolicyError {
    /// `line:column message`, and ` (help)` when asked: how unit tests compare errors.
    #[cfg(test)]
    pub fn brief(&self, with_help: bool) -> String {
        let at = self
            .location
            .map_or(String::new(), |s| format!("{}:{} ", s.line, s.column));
        let help = match (&self.help, with_help) {
            (Some(h), true) => format!(" ({h})"),
            _ => String::new(),
        };
        format!("{at}{}{help}", self.message)
    }

    /// A problem with a policy file as a whole, such as one that cannot be read.
    pub fn unlocated(file: &str, message: String, help: Option<String>) -> PolicyError {
        PolicyError {
            message,
            file: file.to_string(),
            location: None,
            help,
            source_code: None,
            label: None,
        }
    }

    pub fn new(
        source: &Source,
        at: Option<Span>,
        message: impl Into<String>,
        help: Option<String>,
    ) -> PolicyError {
        PolicyError {
            message: message.into(),
            file: source.name.clone(),
            location: at,
            help,
            source_code: at
                .filter(|&s| crate::core::terminal::drawable(s, &source.text))
                .map(|_| snippet_source(&source.name, Arc::clone(&source.text))),
            label: at
                .filter(|&s| crate::core::terminal::drawable(s, &source.text))
                .map(|s| SourceSpan::new(s.offset.into(), s.len)),
        }
    }
}

/// "did you mean …?" for a misspelt name, when one is close.
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(wrong, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

/// A section's entries when it is a mapping, none when it is empty; anything else is an
/// error saying what the section `is` and how to write it.
pub fn section_entries<'n>(
    source: &Source,
    node: &'n Node,
    (section, is): (&str, &str),
    help: Option<&str>,
    errors: &mut Vec<PolicyError>,
) -> &'n [(Node, Node)] {
    match &node.value {
        Value::Map(entries) => entries,
        Value::Null => &[],
        other => {
            let message = format!("`{section}` is {is}, not {}", other.kind());
            let help = help.map(str::to_string);
            errors.push(PolicyError::new(source, Some(span(node)), message, help));
            &[]
        }
    }
}
