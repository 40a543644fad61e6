//! `Span`: where a value sits in its input file.

/// Where a value sits in its input file: 1-based line and column (in characters), and the
/// byte range that a diagnostic underlines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub offset: usize,
    pub len: usize,
}
