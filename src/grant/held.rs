//! The CSV reader's fast path into a grant: the grant keeps the whole record's text once
//! (`hold`) and each value is set by where it is in it (`set_held`), instead of being copied
//! and trimmed one by one (`Grant::set`). Worth 15% of check's instructions on the 100k-row
//! CSV: 1,393M with `set` for every cell against 1,207M (callgrind; docs/performance.md).

use super::{Field, Grant, Span, trim};

impl Grant {
    /// Keeps a whole record's text, so that its values can be set by where they are in it
    /// (`set_held`) instead of copying each: a CSV reader's fast path. Right after `clear`.
    pub fn hold(&mut self, record: &str) {
        self.buffer.push_str(record);
    }

    /// `set`, with the text at `range` of the record the grant holds (`hold`); true when
    /// the text is more than white space. Inlined, as `set_value` is, into the CSV reader's
    /// loop over cells: a call per cell had cost 6% of a run's instructions.
    #[inline(always)]
    pub fn set_held(&mut self, field: Field, range: std::ops::Range<usize>, span: Span) -> bool {
        // A value that starts and ends with a visible ASCII character, nearly every one, is
        // neither blank nor in need of trimming, and its ends are character boundaries.
        let bytes = self.buffer.as_bytes();
        let visible = |at: usize| bytes.get(at).is_some_and(u8::is_ascii_graphic);
        if range.start < range.end
            && range.end <= bytes.len()
            && visible(range.start)
            && visible(range.end - 1)
        {
            if self.values[field as usize].is_none() {
                self.set_value(field, range, span, false);
            }
            return true;
        }
        let Some(text) = self.buffer.get(range.clone()) else {
            return false;
        };
        let trimmed = trim(text);
        if trimmed.is_empty() {
            return false;
        }
        if self.values[field as usize].is_none() {
            let start = range.start + (trimmed.as_ptr() as usize - text.as_ptr() as usize);
            self.set_value(field, start..start + trimmed.len(), span, false);
        }
        true
    }
}
