//! What every layer shares and nothing else: where a value sits in its file (`span`), reading
//! times (`time`) and the spanned YAML tree policies and exports are read into (`node`).
//! It depends on no other module of the crate, so loaders, policy, rules and reporters can
//! all build on it without a cycle (tests/architecture.rs checks the whole graph).

pub mod node;
pub mod span;
pub mod time;
