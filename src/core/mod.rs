//! What every layer shares and nothing else: where a value sits in its file (`span`),
//! trimming values (`text`), reading times (`time`), the spanned YAML tree policies and
//! exports are read into (`node`), a located problem in a policy-like file (`source`),
//! text made safe for a terminal (`terminal`), and which files may be opened at all (`files`).
//! It depends on no other module of the crate, so loaders, policy, rules and reporters can
//! all build on it without a cycle (tests/architecture.rs checks the whole graph).

pub mod files;
pub mod node;
pub mod source;
pub mod span;
pub mod terminal;
pub mod text;
pub mod time;
