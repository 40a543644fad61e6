//! `Finding` and `Severity`: what rules report and reporters print.

use std::borrow::Cow;

use serde::Serialize;

use crate::core::span::Span;
use crate::grant::Field;
use crate::grant::declared::FieldRef;

/// How much a finding matters. Ordered, so `--fail-on warning` means "warning or worse".
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    clap::ValueEnum,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What a rule says about one grant, before the checker adds who and where.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub field: Option<Field>,
    /// The declared field (its slot in the policy's `fields:`) the violation is about, when
    /// `field` is `None`.
    pub declared: Option<u8>,
    pub span: Span,
    pub message: String,
    pub help: Cow<'static, str>,
    /// Other grants involved (repeat-tenant).
    pub related: Vec<String>,
}

impl Violation {
    pub fn new(
        field: Option<Field>,
        span: Span,
        message: String,
        help: impl Into<Cow<'static, str>>,
    ) -> Violation {
        Violation {
            field,
            declared: None,
            span,
            message,
            help: help.into(),
            related: Vec::new(),
        }
    }

    /// A violation about a field a policy names, built-in or declared.
    pub fn about(
        field: &FieldRef,
        span: Span,
        message: String,
        help: impl Into<Cow<'static, str>>,
    ) -> Violation {
        Violation {
            declared: field.slot(),
            ..Violation::new(field.builtin(), span, message, help)
        }
    }
}

/// One rule's verdict on one grant, located in its input file. A run can hold hundreds of
/// thousands: texts are boxed, without spare capacity.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: Cow<'static, str>,
    pub severity: Severity,
    pub grant: Option<Box<str>>,
    pub tenant: Option<Box<str>>,
    /// Index into the run's list of files.
    pub file: usize,
    pub span: Span,
    pub field: Option<Field>,
    /// The declared field (its slot in the policy's `fields:`) the finding is about, when
    /// `field` is `None`: a byte here, its name looked up when reported
    /// ([`Finding::field_name`]).
    pub declared: Option<u8>,
    /// The span is the grant's own: the finding is about the grant, or a field it lacks.
    pub at_grant: bool,
    pub message: Box<str>,
    pub help: Cow<'static, str>,
    pub related: Vec<String>,
}

impl Finding {
    /// The order DESIGN.md promises: file, line, column, rule.
    pub fn sort_key(&self) -> (usize, u32, u32, &str) {
        (self.file, self.span.line, self.span.column, &self.rule)
    }

    /// The name of the field the finding is about, built-in or declared (`declared` holds the
    /// names of the policy's `fields:`, by slot, as [`crate::check::Outcome`] keeps them).
    pub fn field_name<'a>(&self, declared: &'a [std::sync::Arc<str>]) -> Option<&'a str> {
        match (self.field, self.declared) {
            (Some(field), _) => Some(field.name()),
            (None, Some(slot)) => declared.get(usize::from(slot)).map(|n| &**n),
            (None, None) => None,
        }
    }
}

/// Why a finding does not count against the run: a waiver in the policy, or a baseline entry.
#[derive(Clone, Debug, PartialEq)]
pub enum Suppression {
    Waiver {
        reason: String,
        approver: String,
        expires: chrono::DateTime<chrono::Utc>,
    },
    Baseline,
}

impl Suppression {
    /// What reporters print: `waiver` or `baseline`, and a waiver's reason, approver and
    /// expiry.
    pub fn parts(
        &self,
    ) -> (
        &'static str,
        Option<&str>,
        Option<&str>,
        Option<chrono::DateTime<chrono::Utc>>,
    ) {
        match self {
            Suppression::Waiver {
                reason,
                approver,
                expires,
            } => ("waiver", Some(reason), Some(approver), Some(*expires)),
            Suppression::Baseline => ("baseline", None, None, None),
        }
    }
}

/// A finding that is shown but does not fail the run.
#[derive(Clone, Debug, PartialEq)]
pub struct Suppressed {
    pub finding: Finding,
    pub by: Suppression,
}

#[cfg(test)]
mod tests {
    /// A run can hold millions of findings: naming a declared field costs no byte (its slot
    /// sits in the padding beside the severity and the built-in field).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_finding_stays_160_bytes() {
        assert_eq!(std::mem::size_of::<super::Finding>(), 160);
    }
}
