//! A rule's settings, declared once in the rule's own file (see `declare_rule!`): key, kind,
//! default and a one-line doc. The checker reads them through [`Params`], which keeps located
//! errors, "did you mean" and unknown keys; `policies/default.yaml`, the rules part of
//! `docs/policy.schema.json` and README's rules table are written from the same declarations
//! (see [`super::generate`]).

use crate::rules::params::{Params, Patterns, PhraseSet, Words};

/// What a setting holds: how it is read, written in the default policy and described in the
/// schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `4h`, `30m`, `PT4H`; longer than zero.
    Duration,
    /// A whole number.
    Count,
    /// A list of texts the rule uses as it is.
    Texts,
    /// Phrases, compared after normalising.
    Phrases,
    /// Words, compared exactly ignoring case; written on one line when they fit.
    Words,
    /// Case-insensitive regular expressions; always quoted, as backslashes are common.
    Patterns,
}

impl Kind {
    /// The schema definition (`#/$defs/…`) a value of this kind must match.
    pub fn schema(self) -> &'static str {
        match self {
            Kind::Duration => "duration",
            Kind::Count => "count",
            Kind::Texts | Kind::Phrases | Kind::Words => "texts",
            Kind::Patterns => "patterns",
        }
    }
}

/// A setting's default as the default policy writes it.
#[derive(Clone, Copy, Debug)]
pub enum Default {
    /// A duration or a number, as written.
    Scalar(&'static str),
    List(&'static [Item]),
}

/// One item of a default list, with the comment written after it, if any.
#[derive(Clone, Copy, Debug)]
pub struct Item {
    pub text: &'static str,
    pub note: Option<&'static str>,
}

/// One setting of a rule.
#[derive(Debug)]
pub struct SettingMeta {
    pub key: &'static str,
    pub kind: Kind,
    pub default: Default,
    /// One line, for the schema's description.
    pub doc: &'static str,
    /// Comment lines written above the setting in the default policy.
    pub note: &'static [&'static str],
}

/// A rule's typed settings (`declare_rule!` writes it): which rule they belong to, and how
/// to read them from a policy's merged layers. Reporters that group by a rule's threshold
/// read them with `Policy::rule_settings`, as the rule does.
pub trait RuleSettings: Sized {
    const RULE: &'static str;
    fn read(params: &mut Params) -> Self;
}

/// A kind of setting as a Rust type: what reading it gives a rule.
pub trait Read {
    type Value;
    const KIND: Kind;
    fn read(params: &mut Params, key: &'static str) -> Self::Value;
}

/// Kinds as types, for `declare_rule!`'s `key: Kind = default` lines: each reads its value
/// with the `Params` method of the same name.
pub mod kind {
    use super::{Kind, Params, Read};

    macro_rules! kinds {
        ($($kind:ident: $value:ty = $read:ident;)*) => {$(
            pub struct $kind;

            impl Read for $kind {
                type Value = $value;
                const KIND: Kind = Kind::$kind;
                fn read(params: &mut Params, key: &'static str) -> $value {
                    params.$read(key)
                }
            }
        )*};
    }

    kinds! {
        Duration: chrono::TimeDelta = duration;
        Count: usize = count;
        Texts: Vec<String> = texts;
        Phrases: super::PhraseSet = phrases;
        Words: super::Words = words;
        Patterns: super::Patterns = patterns;
    }
}

/// A default as `declare_rule!` takes it: a literal (`"4h"`, `4`), a list of text literals,
/// each optionally followed by `# "comment"`, or the name of a shared list made with `items!`.
macro_rules! default_value {
    ([$($list:tt)*]) => {
        crate::rules::settings::Default::List(crate::rules::settings::items![$($list)*])
    };
    ($scalar:literal) => {
        crate::rules::settings::Default::Scalar(concat!($scalar))
    };
    // A list shared by several rules, made with `items!`.
    ($shared:ident) => {
        crate::rules::settings::Default::List($shared)
    };
}
pub(crate) use default_value;

/// Default list items: text literals, each optionally followed by `# "comment"`.
macro_rules! items {
    ($($item:literal $(# $note:literal)?),* $(,)?) => {
        &[$(crate::rules::settings::Item {
            text: $item,
            note: crate::rules::settings::note!($($note)?),
        }),*]
    };
}
pub(crate) use items;

macro_rules! note {
    () => {
        None
    };
    ($note:literal) => {
        Some($note)
    };
}
pub(crate) use note;
