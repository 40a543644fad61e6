//! A large CSV file cut into segments: runs of whole records that are each read on their own,
//! by `read_records` as a whole file is, so that every core can read one big export.
//!
//! Where records end is found record by record (`split::record_end`, a few memchr calls a
//! record): a quoted cell may hold line ends, so a line end alone does not end a record.
//! From a record it cannot be sure about (text after a closing quote, a quote open at the
//! end, a record longer than a block), the rest of the file is read in order.

use std::io::Read;

use super::{
    Aliases, BOM, Cursor, Reading, Source, Start, line_ends, plain_delimiter, read_records, split,
};
use crate::grant::Grant;
use crate::load::limits::Limits;
use crate::load::{InputError, io_error};

/// About how many bytes a segment holds: enough that handing it to a thread costs nothing
/// next to reading it, few enough that the threads finish together.
const BLOCK: usize = 1 << 20;

/// A run of whole records, and where it starts in its file.
pub struct Segment {
    bytes: Vec<u8>,
    at: Cursor,
}

impl Segment {
    /// Where the segment lies in its file, in bytes.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.at.offset..self.at.offset + self.bytes.len()
    }

    /// The segment's buffer, to hold a later segment.
    pub fn into_buffer(self) -> Vec<u8> {
        self.bytes
    }
}

/// What [`Segments::next`] found.
pub enum Next {
    Segment(Segment),
    /// What is left must be read in order, by [`Segments::read_rest`].
    Rest,
    End,
}

/// How a file's segments are read once its header is known; shared by the threads reading.
#[derive(Clone)]
pub struct Layout {
    name: String,
    delimiter: u8,
    limits: Limits,
    columns: Aliases,
}

impl Layout {
    fn reading(&self, from: Start) -> Reading<'_> {
        Reading {
            name: &self.name,
            delimiter: self.delimiter,
            limits: &self.limits,
            from,
            split: true,
        }
    }

    /// Reads a segment's grants into `sink`; returns how many there were.
    pub fn read(
        &self,
        segment: &Segment,
        sink: &mut dyn FnMut(&Grant),
    ) -> Result<usize, InputError> {
        let how = self.reading(Start::Record(segment.at));
        read_records(
            Source::bytes(&segment.bytes),
            how,
            &mut self.columns.clone(),
            sink,
        )
    }
}

/// What segments are cut from: anything read, filled a block at a time (up to `want` more
/// bytes onto `block`; fewer only at the end).
pub trait Fill: Read {
    fn fill(&mut self, block: &mut Vec<u8>, want: usize) -> std::io::Result<usize> {
        (&mut *self).take(want as u64).read_to_end(block)
    }
}

impl Fill for &[u8] {}

/// A file, through the plain file's own `read_to_end`, which reads into the block's room as
/// it is: through `Read` alone every read zeroes the room first (2.5% of a run's
/// instructions); the bytes are counted and the file checked at its end all the same.
impl Fill for crate::core::files::Steady {
    fn fill(&mut self, block: &mut Vec<u8>, want: usize) -> std::io::Result<usize> {
        self.read_to_end_within(block, want)
    }
}

/// A plain grants CSV (columns through the alias table) cut into segments as it is read.
pub struct Segments<R> {
    reader: R,
    layout: Layout,
    /// The header has been read into `layout.columns`.
    header: bool,
    block_size: usize,
    /// Read and not yet cut; `block[0]` is at `at` in the file.
    block: Vec<u8>,
    at: Cursor,
    eof: bool,
    /// Cutting has stopped: the rest is read in order.
    rest: bool,
}

impl<R: Fill> Segments<R> {
    /// Reads the header; an error is the one reading the file whole would give.
    pub fn new(
        reader: R,
        name: &str,
        delimiter: u8,
        limits: &Limits,
    ) -> Result<Segments<R>, InputError> {
        Segments::with_block(reader, name, delimiter, limits, BLOCK)
    }

    /// `new`, cutting blocks of about `block_size` bytes: small ones in tests and fuzzing,
    /// so that small inputs are cut too.
    pub fn with_block(
        reader: R,
        name: &str,
        delimiter: u8,
        limits: &Limits,
        block_size: usize,
    ) -> Result<Segments<R>, InputError> {
        let mut segments = Segments {
            reader,
            layout: Layout {
                name: name.to_string(),
                delimiter,
                limits: *limits,
                columns: Aliases::default(),
            },
            header: false,
            block_size: block_size.max(1),
            block: Vec::with_capacity(block_size),
            at: Cursor::TOP,
            eof: false,
            rest: !plain_delimiter(delimiter),
        };
        if !segments.rest {
            segments.fill()?;
            segments.read_header()?;
        }
        Ok(segments)
    }

    /// How the segments are read.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Reads the header record from the first block, or leaves the whole file to be read in
    /// order when the header is not plain.
    fn read_header(&mut self) -> Result<(), InputError> {
        let bytes = self.block.as_slice();
        let blank = line_ends(bytes);
        let bom = if bytes[blank..].starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        let first = blank + bom;
        // No header yet, or an empty one: a line end after the mark, where csv-core's own
        // skipping of blank lines and marks decides what the header is. Read it all in order.
        let split::Scan::Record(len @ 1..) =
            split::record_end(&bytes[first..], self.layout.delimiter, self.eof)
        else {
            self.rest = true;
            return Ok(());
        };
        let cut = first + len + line_ends(&bytes[first + len..]);
        // Past a byte-order mark, `read_records` moves three bytes but no column: only a
        // line end before the cut makes the columns agree again.
        if bom > 0 && !bytes[first..cut].contains(&b'\n') {
            self.rest = true;
            return Ok(());
        }
        let mut columns = Aliases::default();
        read_records(
            Source::bytes(&bytes[..cut]),
            self.layout.reading(Start::File),
            &mut columns,
            &mut |_| {},
        )?;
        self.layout.columns = columns;
        self.header = true;
        self.at.advance(&bytes[..cut]);
        self.block.drain(..cut);
        Ok(())
    }

    /// Reads until the block is full or the input ends.
    fn fill(&mut self) -> Result<(), InputError> {
        let want = self.block_size.saturating_sub(self.block.len());
        if self.eof || want == 0 {
            return Ok(());
        }
        let got = self.reader.fill(&mut self.block, want).map_err(|e| {
            // Located where reading stopped: the rows before it were read.
            let mut at = self.at;
            at.advance(&self.block);
            io_error(&self.layout.name, &e).at(at.span(), None)
        })?;
        self.eof = got < want;
        Ok(())
    }

    /// The next segment: the whole records of the next block. `spare` is a buffer to reuse.
    pub fn next(&mut self, spare: Vec<u8>) -> Result<Next, InputError> {
        if self.rest {
            return Ok(Next::Rest);
        }
        self.fill()?;
        if self.block.is_empty() {
            return Ok(Next::End);
        }
        let cut = self.cut();
        if cut == 0 {
            // Not one whole record in a full block, or one that must be read in order.
            self.rest = true;
            return Ok(Next::Rest);
        }
        let mut block = spare;
        block.clear();
        // Room for a whole block: filling it then never moves it.
        block.reserve(self.block_size);
        block.extend_from_slice(&self.block[cut..]);
        let mut bytes = std::mem::replace(&mut self.block, block);
        bytes.truncate(cut);
        let segment = Segment { bytes, at: self.at };
        self.at.advance(&segment.bytes);
        Ok(Next::Segment(segment))
    }

    /// Where the block's last whole record ends, found record by record. A record whose end
    /// it cannot be sure about stops the cutting there (`rest`).
    fn cut(&mut self) -> usize {
        let bytes = self.block.as_slice();
        let mut end = 0;
        loop {
            end += line_ends(&bytes[end..]);
            if end == bytes.len() {
                return end;
            }
            match split::record_end(&bytes[end..], self.layout.delimiter, self.eof) {
                split::Scan::Record(len) => end += len,
                split::Scan::NeedMore => return end,
                split::Scan::Fallback => {
                    self.rest = true;
                    return end;
                }
            }
        }
    }

    /// Reads what is left in order, after the segments (or all of it, header first, when
    /// the file could not be cut at all).
    pub fn read_rest(self, sink: &mut dyn FnMut(&Grant)) -> Result<usize, InputError> {
        let from = if self.header {
            Start::Record(self.at)
        } else {
            Start::File
        };
        let mut columns = self.layout.columns.clone();
        let input = self.block.as_slice().chain(self.reader);
        read_records(
            Source::Stream(input),
            self.layout.reading(from),
            &mut columns,
            sink,
        )
    }
}

/// Reads `text` through segments of `block_size` bytes, one after another, as the checker
/// does on several threads: for tests and the fuzz target, which compare it with reading the
/// file whole. Returns the grants and how many segments were read.
#[doc(hidden)]
pub fn read_in_segments(
    text: &[u8],
    delimiter: u8,
    limits: &Limits,
    block_size: usize,
    sink: &mut dyn FnMut(&Grant),
) -> Result<(usize, usize), InputError> {
    let mut segments = Segments::with_block(text, "t.csv", delimiter, limits, block_size)?;
    let (mut grants, mut count) = (0, 0);
    loop {
        match segments.next(Vec::new())? {
            Next::Segment(segment) => {
                grants += segments.layout().read(&segment, sink)?;
                count += 1;
            }
            Next::Rest => return Ok((grants + segments.read_rest(sink)?, count)),
            Next::End => return Ok((grants, count)),
        }
    }
}
