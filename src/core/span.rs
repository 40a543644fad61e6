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

impl Span {
    /// The span as plain numbers, to hand to a function out of line without the span
    /// itself having to be kept in memory (`Span::from_pieces` puts it back together).
    pub fn pieces(self) -> ([u32; 2], [usize; 2]) {
        ([self.line, self.column], [self.offset, self.len])
    }

    pub fn from_pieces(([line, column], [offset, len]): ([u32; 2], [usize; 2])) -> Span {
        Span {
            line,
            column,
            offset,
            len,
        }
    }
}
