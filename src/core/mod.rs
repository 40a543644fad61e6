//! What every layer shares and nothing else: where a value sits in its file (`span`),
//! trimming values (`text`), reading times (`time`), the spanned YAML tree policies and
//! exports are read into (`node`), a located problem in a policy-like file (`source`), and
//! text made safe for a terminal (`terminal`).
//! It depends on no other module of the crate, so loaders, policy, rules and reporters can
//! all build on it without a cycle (tests/architecture.rs checks the whole graph).

pub mod node;
pub mod source;
pub mod span;
pub mod terminal;
pub mod text;
pub mod time;
