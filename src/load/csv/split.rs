//! The fast path of CSV reading: one record that sits on one line of the buffer, split at its
//! delimiters with memchr. It handles what real exports are made of (plain cells, and quoted
//! cells with doubled quotes) and hands anything else back to csv-core: a line end inside
//! quotes, text after a closing quote, a record longer than the buffer. Where it answers, it
//! answers exactly as csv-core would (a property test in `csv` compares the two).

use memchr::{memchr, memchr_iter, memchr3};

/// One cell of a record, by its raw extent in the record's bytes.
#[derive(Clone, Copy, Debug)]
pub struct RawCell {
    pub start: usize,
    pub end: usize,
    pub quoted: bool,
    /// Quoted, and holds doubled quotes that stand for one.
    pub escaped: bool,
}

impl RawCell {
    /// The cell's value: the raw text without its quotes, doubled quotes made single.
    pub fn text<'a>(&self, record: &'a str, scratch: &'a mut String) -> &'a str {
        if !self.quoted {
            return &record[self.start..self.end];
        }
        let inner = &record[self.start + 1..self.end - 1];
        if !self.escaped {
            return inner;
        }
        scratch.clear();
        for (i, piece) in inner.split("\"\"").enumerate() {
            if i > 0 {
                scratch.push('"');
            }
            scratch.push_str(piece);
        }
        scratch
    }

    /// Where the value is in the record, for a cell without doubled quotes: inside its
    /// quotes, if it has them.
    pub fn inner(&self) -> std::ops::Range<usize> {
        let quotes = usize::from(self.quoted);
        self.start + quotes..self.end - quotes
    }

    /// The value's length in bytes, which the value limit applies to.
    pub fn size(&self, record: &[u8]) -> usize {
        if !self.quoted {
            return self.end - self.start;
        }
        let inner = &record[self.start + 1..self.end - 1];
        let doubled = if self.escaped {
            memchr_iter(b'"', inner).count() / 2
        } else {
            0
        };
        inner.len() - doubled
    }
}

/// What `scan` made of the start of the buffer.
#[derive(Debug, PartialEq)]
pub enum Scan {
    /// One record, `len` bytes long (not counting its line end), cells in `cells`.
    Record(usize),
    /// The record goes on past the end of the buffer.
    NeedMore,
    /// Not a record this path reads: csv-core must.
    Fallback,
}

/// Splits the record at the start of `buffer` into `cells`. `eof` says the buffer holds the
/// rest of the input. The delimiter must be ASCII and none of `"`, CR or LF.
pub fn scan(buffer: &[u8], delimiter: u8, eof: bool, cells: &mut Vec<RawCell>) -> Scan {
    cells.clear();
    let mut specials = Specials::new(buffer, delimiter);
    let mut pos = 0;
    loop {
        if buffer.get(pos) == Some(&b'"') {
            let mut from = pos + 1;
            let mut escaped = false;
            // Delimiters inside quotes are text.
            let close = loop {
                match specials.next_from(from).map(|at| (at, buffer[at])) {
                    None if eof => return Scan::Fallback, // an unclosed quote
                    None => return Scan::NeedMore,
                    Some((at, b'"')) if buffer.get(at + 1) == Some(&b'"') => {
                        escaped = true;
                        from = at + 2;
                    }
                    Some((at, b'"')) => break at,
                    Some((_, b'\n' | b'\r')) => return Scan::Fallback,
                    Some((at, _)) => from = at + 1,
                }
            };
            cells.push(RawCell {
                start: pos,
                end: close + 1,
                quoted: true,
                escaped,
            });
            match after_quote(buffer, close, delimiter, eof) {
                Ok(next) => pos = next,
                Err(scan) => return scan,
            }
        } else {
            // Unquoted: a quote inside is an ordinary byte, as csv-core reads it.
            let mut from = pos;
            let end = loop {
                match specials.next_from(from) {
                    Some(at) if buffer[at] == b'"' => from = at + 1,
                    Some(at) => break at,
                    None if eof => break buffer.len(),
                    None => return Scan::NeedMore,
                }
            };
            cells.push(RawCell {
                start: pos,
                end,
                quoted: false,
                escaped: false,
            });
            if buffer.get(end) == Some(&delimiter) {
                pos = end + 1;
            } else {
                return Scan::Record(end);
            }
        }
    }
}

/// Finds where the record at the start of `buffer` ends, as csv-core would, without
/// splitting it into cells: for cutting a file into runs of whole records (`segments`).
/// Quoted cells may hold line ends here. `Record(len)` does not count the line end; text
/// after a closing quote, or a quote still open at the end of the input, is `Fallback`.
pub fn record_end(buffer: &[u8], delimiter: u8, eof: bool) -> Scan {
    let mut pos = 0;
    loop {
        let Some(k) = memchr3(b'"', b'\n', b'\r', &buffer[pos..]) else {
            return if eof {
                Scan::Record(buffer.len())
            } else {
                Scan::NeedMore
            };
        };
        let quote = pos + k;
        if buffer[quote] != b'"' {
            return Scan::Record(quote);
        }
        // A quote opens a quoted cell only at the start of a cell; elsewhere it is text.
        if quote > 0 && buffer[quote - 1] != delimiter {
            pos = quote + 1;
            continue;
        }
        let mut from = quote + 1;
        let close = loop {
            match memchr(b'"', &buffer[from..]) {
                None if eof => return Scan::Fallback,
                None => return Scan::NeedMore,
                Some(k) if buffer.get(from + k + 1) == Some(&b'"') => from += k + 2,
                Some(k) => break from + k,
            }
        };
        match after_quote(buffer, close, delimiter, eof) {
            Ok(next) => pos = next,
            Err(scan) => return scan,
        }
    }
}

/// What follows the quote at `close` that closes a quoted cell: `Ok` with where the next cell
/// starts, or what the record is (it ends there, goes on past the buffer, or has text after
/// the quote, which csv-core must read).
fn after_quote(buffer: &[u8], close: usize, delimiter: u8, eof: bool) -> Result<usize, Scan> {
    match buffer.get(close + 1) {
        Some(&b) if b == delimiter => Ok(close + 2),
        Some(b'\n' | b'\r') => Err(Scan::Record(close + 1)),
        None if eof => Err(Scan::Record(close + 1)),
        None => Err(Scan::NeedMore),
        Some(_) => Err(Scan::Fallback),
    }
}

/// Where the delimiters, quotes and line ends of a buffer are, found 16 bytes at a time as
/// a bit mask: one pass over a record, where searching afresh for each cell's end costs
/// more to start than a short cell takes to read.
struct Specials<'a> {
    buffer: &'a [u8],
    needles: Needles,
    /// The start of the block in `mask`, a multiple of 16.
    base: usize,
    /// Bit `i`: `buffer[base + i]` is special.
    mask: u32,
}

impl<'a> Specials<'a> {
    fn new(buffer: &'a [u8], delimiter: u8) -> Specials<'a> {
        let needles = Needles::new(delimiter);
        Specials {
            buffer,
            needles,
            base: 0,
            mask: needles.block_at(buffer, 0),
        }
    }

    /// The first special byte at or after `from`. Scanning only moves forward: `from` is
    /// never before a position already passed.
    fn next_from(&mut self, from: usize) -> Option<usize> {
        if from >= self.base + 16 {
            self.base = from - from % 16;
            self.mask = self.needles.block_at(self.buffer, self.base);
        }
        if from > self.base {
            self.mask &= u32::MAX << (from - self.base);
        }
        while self.mask == 0 {
            self.base += 16;
            if self.base >= self.buffer.len() {
                return None;
            }
            self.mask = self.needles.block_at(self.buffer, self.base);
        }
        Some(self.base + self.mask.trailing_zeros() as usize)
    }
}

/// The bytes `Specials` looks for: the delimiter, a quote, and line ends.
#[derive(Clone, Copy)]
struct Needles {
    delimiter: u8,
    /// Each byte repeated in a vector, for SSE2 (which every x86-64 processor has).
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    splats: [safe_arch::m128i; 4],
}

impl Needles {
    fn new(delimiter: u8) -> Needles {
        Needles {
            delimiter,
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            splats: [delimiter, b'"', b'\n', b'\r'].map(|b| safe_arch::set_splat_i8_m128i(b as i8)),
        }
    }

    /// The special bytes of the (up to) 16 bytes at `base`, as bits.
    fn block_at(&self, buffer: &[u8], base: usize) -> u32 {
        let rest = buffer.get(base..).unwrap_or_default();
        if let Some(block) = rest.first_chunk::<16>() {
            return self.find(*block);
        }
        let mut block = [0u8; 16];
        block[..rest.len()].copy_from_slice(rest);
        self.find(block) & ((1 << rest.len()) - 1)
    }

    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    fn find(&self, block: [u8; 16]) -> u32 {
        use safe_arch::{bitor_m128i, cmp_eq_mask_i8_m128i, m128i, move_mask_i8_m128i};
        let block = m128i::from(block);
        let [a, b, c, d] = self.splats.map(|splat| cmp_eq_mask_i8_m128i(block, splat));
        move_mask_i8_m128i(bitor_m128i(bitor_m128i(a, b), bitor_m128i(c, d))) as u32
    }

    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    fn find(&self, block: [u8; 16]) -> u32 {
        self.find_one_by_one(block)
    }

    /// `find`, byte by byte: for other processors, and to test the vector one.
    #[cfg_attr(
        all(target_arch = "x86_64", target_feature = "sse2", not(test)),
        allow(dead_code)
    )]
    fn find_one_by_one(&self, block: [u8; 16]) -> u32 {
        block.iter().enumerate().fold(0, |mask, (i, &b)| {
            let special = b == self.delimiter || matches!(b, b'"' | b'\n' | b'\r');
            mask | (u32::from(special) << i)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(buffer: &str, eof: bool) -> (Scan, Vec<String>) {
        let mut raw = Vec::new();
        let scan = scan(buffer.as_bytes(), b',', eof, &mut raw);
        let mut scratch = String::new();
        let texts = raw
            .iter()
            .map(|c| c.text(buffer, &mut scratch).to_string())
            .collect();
        (scan, texts)
    }

    #[test]
    fn splits_plain_and_quoted_cells() {
        assert_eq!(
            cells("a,\"b, c\",\"say \"\"hi\"\"\",,d\nnext", false),
            (
                Scan::Record(24),
                vec![
                    "a".into(),
                    "b, c".into(),
                    "say \"hi\"".into(),
                    "".into(),
                    "d".into()
                ]
            )
        );
    }

    #[test]
    fn hands_back_what_it_does_not_read() {
        assert_eq!(cells("a,\"two\nlines\"\n", false).0, Scan::Fallback);
        assert_eq!(cells("a,\"b\"c\n", false).0, Scan::Fallback);
        assert_eq!(cells("a,\"open", true).0, Scan::Fallback);
        assert_eq!(cells("a,b", false).0, Scan::NeedMore);
        assert_eq!(cells("a,\"b\"", false).0, Scan::NeedMore);
        assert_eq!(
            cells("a,b", true),
            (Scan::Record(3), vec!["a".into(), "b".into()])
        );
    }

    #[test]
    fn finds_record_ends_across_quoted_line_ends() {
        let end = |text: &str, eof| record_end(text.as_bytes(), b',', eof);
        assert_eq!(end("a,\"two\nlines\",b\nnext", false), Scan::Record(15));
        assert_eq!(end("a,b\"c\nnext", false), Scan::Record(5));
        assert_eq!(end("\"a\"\"\nb\"\r\n", false), Scan::Record(7));
        assert_eq!(end("a,\"b\"c\n", false), Scan::Fallback);
        assert_eq!(end("a,\"open\n", true), Scan::Fallback);
        assert_eq!(end("a,\"open\n", false), Scan::NeedMore);
        assert_eq!(end("a,\"b\"", false), Scan::NeedMore);
        assert_eq!(end("a,b", true), Scan::Record(3));
    }

    proptest::proptest! {
        #[test]
        fn special_bytes_are_found_as_one_by_one(
            block in proptest::array::uniform16(proptest::sample::select(b"a,;\"\n\r\0\xff\t".to_vec())),
            delimiter in proptest::sample::select(b",;\t\0\xff".to_vec()),
        ) {
            let needles = Needles::new(delimiter);
            proptest::prop_assert_eq!(needles.find(block), needles.find_one_by_one(block));
        }
    }

    #[test]
    fn specials_are_found_from_anywhere_in_long_buffers() {
        let buffer = b"abc,def\"ghijklmnopqrstuvwxyz0123456789,\r\nxyz";
        let mut specials = Specials::new(buffer, b',');
        let expected: Vec<usize> = (0..=buffer.len())
            .map(|from| (from..buffer.len()).find(|&i| b",\"\r\n".contains(&buffer[i])))
            .map(|found| found.unwrap_or(usize::MAX))
            .collect();
        // In order, as scanning asks, and afresh from every start.
        for (from, &want) in expected.iter().enumerate() {
            let got = specials.next_from(from).unwrap_or(usize::MAX);
            assert_eq!(got, want, "from {from}");
            let fresh = Specials::new(buffer, b',').next_from(from);
            assert_eq!(fresh.unwrap_or(usize::MAX), want, "afresh from {from}");
        }
    }

    #[test]
    fn sizes_count_unescaped_bytes() {
        let record = "\"a\"\"b\",xyz";
        let mut raw = Vec::new();
        scan(record.as_bytes(), b',', true, &mut raw);
        assert_eq!(raw[0].size(record.as_bytes()), 3);
        assert_eq!(raw[1].size(record.as_bytes()), 3);
    }
}
