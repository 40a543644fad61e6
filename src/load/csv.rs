//! CSV exports, read as a stream. csv-core gives each field's raw byte extent, so every cell
//! keeps its exact line and column even across quoted newlines, CRLF and a byte-order mark.

use std::borrow::Cow;
use std::io::Read;

use csv_core::{ReadFieldResult, ReaderBuilder};

mod segments;
mod split;

pub use segments::{Fill, Layout, Next, Segment, Segments, read_in_segments};

use super::limits::{self, Limits};
use super::{InputError, io_error};
use crate::core::span::Span;
use crate::grant::{Field, Grant};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where the reader is in the raw input: what a field's span is made from.
#[derive(Clone, Copy, Debug)]
struct Cursor {
    offset: usize,
    line: u32,
    column: u32,
}

impl Cursor {
    const TOP: Cursor = Cursor {
        offset: 0,
        line: 1,
        column: 1,
    };

    fn span(self) -> Span {
        Span {
            line: self.line,
            column: self.column,
            offset: self.offset,
            len: 0,
        }
    }

    /// Moves over raw bytes that the CSV parser consumed.
    fn advance(&mut self, raw: &[u8]) {
        self.offset += raw.len();
        if raw.len() <= 4 {
            // The line end between two records: two library calls cost more than it takes
            // to look at each byte.
            for &b in raw {
                if b == b'\n' {
                    (self.line, self.column) = (self.line + 1, 1);
                } else if b & 0xC0 != 0x80 {
                    self.column += 1;
                }
            }
            return;
        }
        match memchr::memrchr(b'\n', raw) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', raw).count() as u32;
                self.column = 1 + chars(&raw[last + 1..]);
            }
            None => self.column += chars(raw),
        }
    }
}

/// Where the cells of a record on one line are, asked for in order of the cells: columns are
/// counted in characters from where the record starts, each byte once.
struct CellPlaces<'a> {
    record: &'a [u8],
    at: Cursor,
    ascii: bool,
    /// Bytes of the record counted so far, and the column they end at.
    counted: usize,
    column: u32,
}

impl<'a> CellPlaces<'a> {
    fn new(record: &'a str, at: Cursor) -> CellPlaces<'a> {
        CellPlaces {
            record: record.as_bytes(),
            at,
            ascii: record.is_ascii(),
            counted: 0,
            column: at.column,
        }
    }

    /// Inlined: a call per cell costs more than the counting.
    #[inline(always)]
    fn span(&mut self, raw: &split::RawCell) -> Span {
        if self.ascii {
            self.column = self.at.column + raw.start as u32;
        } else {
            self.column += chars(&self.record[self.counted..raw.start]);
            self.counted = raw.start;
        }
        Span {
            line: self.at.line,
            column: self.column,
            offset: self.at.offset + raw.start,
            len: raw.end - raw.start,
        }
    }

    /// Where the record ends.
    fn end(self) -> Cursor {
        Cursor {
            offset: self.at.offset + self.record.len(),
            line: self.at.line,
            column: if self.ascii {
                self.at.column + self.record.len() as u32
            } else {
                self.column + chars(&self.record[self.counted..])
            },
        }
    }
}

fn chars(raw: &[u8]) -> u32 {
    if raw.is_ascii() {
        raw.len() as u32
    } else {
        raw.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u32
    }
}

/// How a file's columns become grant fields: the alias table here; ticket profiles bring
/// their own (`load::adapters::tickets`).
pub trait Columns {
    /// Takes the header row: each name with its place, for errors such as two columns that
    /// hold the same field.
    fn header(&mut self, names: Vec<(String, Span)>, file: &str) -> Result<(), InputError>;
    /// The number of columns the header named.
    fn width(&self) -> usize;
    /// The field of a column, for problems with its cells.
    fn field(&self, index: usize) -> Option<Field>;
    /// Takes one cell of a row.
    fn cell(&mut self, grant: &mut Grant, index: usize, text: &str, span: Span);
    /// Ends a row; false when the row is not a grant (a denied request) and is not checked.
    fn row(&mut self, _grant: &mut Grant) -> bool {
        true
    }
    /// Each column's field, when every cell is its column's field as written: the fast path
    /// may then set values straight from the record the grant holds, without copying each.
    fn plain(&self) -> Option<&[Option<Field>]> {
        None
    }
}

/// Columns matched through the alias table.
#[derive(Clone, Default)]
struct Aliases(Vec<Option<Field>>);

impl Columns for Aliases {
    fn header(&mut self, names: Vec<(String, Span)>, file: &str) -> Result<(), InputError> {
        self.0 = names.iter().map(|(h, _)| Field::from_key(h)).collect();
        if !names.is_empty() && self.0.iter().all(Option::is_none) {
            return Err(crate::load::understood::not_an_export(&names, file));
        }
        for (i, field) in self.0.iter().enumerate() {
            let Some(field) = field else { continue };
            if let Some(first) = self.0[..i].iter().position(|f| f == &Some(*field)) {
                let message = format!(
                    "columns {} (`{}`) and {} (`{}`) both hold {}",
                    first + 1,
                    names[first].0,
                    i + 1,
                    names[i].0,
                    field.name()
                );
                return Err(InputError::new(file, message)
                    .help("rename or remove one of the two columns")
                    .at(names[i].1, None));
            }
        }
        Ok(())
    }

    fn width(&self) -> usize {
        self.0.len()
    }

    fn field(&self, index: usize) -> Option<Field> {
        self.0.get(index).copied().flatten()
    }

    fn cell(&mut self, grant: &mut Grant, index: usize, text: &str, span: Span) {
        if let Some(field) = self.field(index) {
            grant.set(field, text, span, false);
        }
    }

    fn plain(&self) -> Option<&[Option<Field>]> {
        Some(&self.0)
    }
}

/// The header of a CSV, each name with its place, read as the loaders read it; `head` is the
/// start of the file (the rows after the header that it holds are read and dropped).
pub fn header_names(
    head: &[u8],
    name: &str,
    delimiter: u8,
    limits: &Limits,
) -> Result<Vec<(String, Span)>, InputError> {
    /// Keeps the header and reads no cell.
    struct Header(Vec<(String, Span)>);
    impl Columns for Header {
        fn header(&mut self, names: Vec<(String, Span)>, _: &str) -> Result<(), InputError> {
            self.0 = names;
            Ok(())
        }
        fn width(&self) -> usize {
            self.0.len()
        }
        fn field(&self, _: usize) -> Option<Field> {
            None
        }
        fn cell(&mut self, _: &mut Grant, _: usize, _: &str, _: Span) {}
    }
    // Up to the first line end outside quotes: the rows are not wanted.
    let end = memchr::memchr_iter(b'\n', head)
        .find(|&i| {
            memchr::memchr_iter(b'"', &head[..i])
                .count()
                .is_multiple_of(2)
        })
        .map_or(head.len(), |i| i + 1);
    let mut header = Header(Vec::new());
    let how = Reading::file(name, delimiter, limits);
    read_records(Source::bytes(&head[..end]), how, &mut header, &mut |_| {})?;
    Ok(header.0)
}

/// Each column's field through the alias table; an error when two columns hold one field or
/// none holds any (the file is not a grants export).
pub fn alias_fields(
    names: Vec<(String, Span)>,
    file: &str,
) -> Result<Vec<Option<Field>>, InputError> {
    let mut aliases = Aliases::default();
    aliases.header(names, file)?;
    Ok(aliases.0)
}

/// Everything a grant holds after loading, as text: its fields with their places, and its
/// problems. For the tests and the fuzz target that compare two ways of reading a file.
#[doc(hidden)]
pub fn describe(grant: &Grant) -> String {
    let fields: Vec<_> = Field::ALL
        .iter()
        .filter_map(|&f| grant.text(f).map(|t| (f, t.to_string(), grant.span_of(f))))
        .collect();
    format!("{:?} {fields:?} {:?}", grant.span, grant.problems)
}

/// Reads CSV from `reader`, calling `sink` for every row after the header.
pub fn load(
    reader: impl Read,
    name: &str,
    delimiter: u8,
    limits: &Limits,
    sink: &mut dyn FnMut(&Grant),
) -> Result<usize, InputError> {
    load_with(
        reader,
        name,
        delimiter,
        limits,
        &mut Aliases::default(),
        sink,
    )
}

/// Reads CSV, mapping columns with `columns`.
///
/// A record on one line of the buffer, plain and quoted cells alike (nearly every record of
/// a real export), is split at its delimiters directly and its cells located by arithmetic
/// (`split`). csv-core reads the header and whatever the fast path hands back (a line end
/// inside quotes, text after a closing quote, invalid UTF-8, a record longer than the
/// buffer), field by field, with each cell's raw extent. Both give the same cells, spans and
/// problems (property-tested below).
pub fn load_with(
    reader: impl Read,
    name: &str,
    delimiter: u8,
    limits: &Limits,
    columns: &mut impl Columns,
    sink: &mut dyn FnMut(&Grant),
) -> Result<usize, InputError> {
    let how = Reading::file(name, delimiter, limits);
    read_records(Source::Stream(reader), how, columns, sink)
}

/// How `read_records` reads: the file's name (for errors), its delimiter and limits, where
/// it starts, and whether the fast path is on (tests compare it with csv-core alone).
#[derive(Clone, Copy)]
struct Reading<'a> {
    name: &'a str,
    delimiter: u8,
    limits: &'a Limits,
    from: Start,
    split: bool,
}

impl<'a> Reading<'a> {
    /// A whole file, header first, through the fast path.
    fn file(name: &'a str, delimiter: u8, limits: &'a Limits) -> Reading<'a> {
        Reading {
            name,
            delimiter,
            limits,
            from: Start::File,
            split: true,
        }
    }
}

/// Where reading starts: at the top of a file, header first, or at a record of a file whose
/// columns are known (a segment, or the rest of a file after segments).
#[derive(Clone, Copy)]
enum Start {
    File,
    Record(Cursor),
}

/// What `read_records` reads: a stream, through a buffer of its own, or bytes already in
/// memory (a segment), read where they are.
enum Source<'a, R> {
    Stream(R),
    Bytes(&'a [u8]),
}

impl<'a> Source<'a, std::io::Empty> {
    fn bytes(bytes: &'a [u8]) -> Self {
        Source::Bytes(bytes)
    }
}

fn read_records(
    source: Source<impl Read>,
    how: Reading,
    columns: &mut impl Columns,
    sink: &mut dyn FnMut(&Grant),
) -> Result<usize, InputError> {
    let Reading {
        name,
        delimiter,
        limits,
        from,
        split,
    } = how;
    // Built when the fast path first hands a record back: building one costs more than a
    // segment's worth of plain records. csv-core skips a byte-order mark at the start of what
    // it reads first; past the header, a line end fed first makes it a parser between two
    // records.
    let mut parser = None;
    let new_parser = || {
        let mut parser = ReaderBuilder::new().delimiter(delimiter).build();
        if let Start::Record(_) = from {
            let _ = parser.read_field(b"\n", &mut []);
        }
        parser
    };
    // `input[start..end]` is not parsed yet; a stream refills `input` as it is read.
    let (mut reader, mut input) = match source {
        Source::Stream(reader) => (Some(reader), Cow::Owned(vec![0u8; 64 * 1024])),
        Source::Bytes(bytes) => (None, Cow::Borrowed(bytes)),
    };
    // Bytes in memory are checked for UTF-8 at once, not record by record: one call on a
    // segment costs a fraction of a call per record. A record, cut at ASCII bytes, is then
    // a slice of the text.
    let text = match &input {
        Cow::Borrowed(bytes) => simdutf8::basic::from_utf8(bytes).ok(),
        Cow::Owned(_) => None,
    };
    let mut end = match reader {
        Some(_) => fill(&mut reader, input.to_mut()).map_err(|e| io_error(name, &e))?,
        None => input.len(),
    };
    // Bytes in memory are whole: at their end from the start, so never refilled or moved.
    let mut eof = reader.is_none() || end == 0;
    let mut start = 0;
    let mut at = match from {
        Start::File => Cursor::TOP,
        Start::Record(at) => at,
    };
    let splittable = split && plain_delimiter(delimiter);
    let mut rows = Rows {
        name,
        limits,
        columns,
        header: matches!(from, Start::File).then(Vec::new),
        grant: Grant::default(),
        index: 0,
        blank_row: true,
        grants: 0,
    };
    let (mut cells, mut scratch) = (Vec::new(), String::new());
    let mut slow = SlowRecord {
        cell: vec![0u8; 1024],
        ..SlowRecord::default()
    };

    loop {
        let blank = line_ends(&input[start..end]);
        at.advance(&input[start..start + blank]);
        start += blank;
        if start == end {
            if eof {
                break;
            }
            end = fill(&mut reader, input.to_mut()).map_err(|e| io_error(name, &e))?;
            start = 0;
            eof = end == 0;
            continue;
        }
        let before_header = rows.header.as_ref().is_some_and(Vec::is_empty);
        if before_header && !eof && end - start < 2 * BOM.len() {
            // Reads can be short (a pipe): a byte-order mark split across two would be read
            // as text. Hold enough for ours and for the one csv-core skips at its first read.
            input.to_mut().copy_within(start..end, 0);
            end -= start;
            start = 0;
            let more =
                fill(&mut reader, &mut input.to_mut()[end..]).map_err(|e| io_error(name, &e))?;
            eof = more == 0;
            end += more;
            continue;
        }
        if before_header && input[start..end].starts_with(BOM) {
            // A byte-order mark is no part of the header, even after blank lines.
            start += BOM.len();
            at.offset += BOM.len();
        }
        if splittable && rows.header.is_none() {
            match split::scan(&input[start..end], delimiter, eof, &mut cells) {
                split::Scan::Record(_) if cells.len() > limits::MAX_CELLS => {
                    return Err(too_wide(name, at));
                }
                split::Scan::Record(len) => {
                    // simdutf8 checks a record in half the instructions `std` takes.
                    let record = match text {
                        Some(text) => text.get(start..start + len),
                        None => simdutf8::basic::from_utf8(&input[start..start + len]).ok(),
                    };
                    if let Some(record) = record {
                        at = rows.split_record(record, &cells, &mut scratch, at);
                        start += len;
                        rows.end_record(sink)?;
                        continue;
                    }
                }
                split::Scan::NeedMore if start > 0 => {
                    // The record goes on past the buffer: move it to the front, read more.
                    input.to_mut().copy_within(start..end, 0);
                    end -= start;
                    start = 0;
                    let more = fill(&mut reader, &mut input.to_mut()[end..])
                        .map_err(|e| io_error(name, &e))?;
                    eof = more == 0;
                    end += more;
                    continue;
                }
                // Longer than the buffer, or not for the fast path.
                split::Scan::NeedMore | split::Scan::Fallback => {}
            }
        }
        // csv-core reads this record field by field, refilling the buffer as it goes. A
        // record of millions of cells (a line of commas) is refused where it starts: each
        // header cell is kept. A long cell is not kept (`--max-value-size`).
        let record_at = at;
        loop {
            if start == end && !eof {
                end = fill(&mut reader, input.to_mut()).map_err(|e| io_error(name, &e))?;
                start = 0;
                eof = end == 0;
            }
            let parser = parser.get_or_insert_with(new_parser);
            match slow.read_field(parser, &input[start..end], &mut at, delimiter, limits) {
                (nin, Some((cell, span, record_end))) => {
                    start += nin;
                    rows.cell(cell, span);
                    if rows.index > limits::MAX_CELLS {
                        return Err(too_wide(name, record_at));
                    }
                    if record_end {
                        rows.end_record(sink)?;
                        break;
                    }
                }
                (nin, None) => start += nin,
            }
            // A header cell past the value limit names no column: the file is not an export,
            // and a line of gigabytes is not read to its end to say so.
            if rows.header.is_some() && slow.dropped > 0 {
                let (message, help) = limits::header_too_long(limits);
                return Err(InputError::new(name, message)
                    .help(help)
                    .at(record_at.span(), None));
            }
            if start == end && eof && slow.done {
                break;
            }
        }
        if slow.done {
            break;
        }
    }
    Ok(rows.grants)
}

/// The error for a record starting `at` with more cells than any export has columns.
fn too_wide(name: &str, at: Cursor) -> InputError {
    let (message, help) = limits::record_too_wide();
    InputError::new(name, message)
        .help(help)
        .at(at.span(), None)
}

/// The line ends (and blank lines) at the start of `bytes`: csv-core skips them between
/// records, and so do the fast path and the cutting into segments.
fn line_ends(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .take_while(|&&b| b == b'\n' || b == b'\r')
        .count()
}

/// The fast path and segments split at the delimiter, which must not be a byte that quoting
/// or line ends give a meaning.
fn plain_delimiter(delimiter: u8) -> bool {
    delimiter.is_ascii() && !matches!(delimiter, b'"' | b'\r' | b'\n')
}

/// One cell's text as read.
enum Cell<'a> {
    Text(&'a str),
    /// Not UTF-8: the raw bytes.
    Bytes(&'a [u8]),
    /// Longer than the value limit: its size; the text is not kept.
    TooLong(usize),
}

impl<'a> Cell<'a> {
    /// A cell the fast path split: its text, or its size when over the value limit.
    fn read(
        raw: &split::RawCell,
        record: &'a str,
        scratch: &'a mut String,
        limits: &Limits,
    ) -> Cell<'a> {
        let size = raw.size(record.as_bytes());
        if size > limits.max_value_size {
            Cell::TooLong(size)
        } else {
            Cell::Text(raw.text(record, scratch))
        }
    }

    /// Empty or white space: a row of only such cells holds no grant.
    fn is_blank(&self) -> bool {
        match self {
            Cell::Text(text) => text.trim_ascii().is_empty(),
            Cell::Bytes(_) | Cell::TooLong(_) => false,
        }
    }
}

/// The fast path's loop over the cells of a record whose columns are fields as written
/// (`Columns::plain`): the grant holds the record, and each value is where it is in it.
/// Returns where the record ends and whether all its cells were blank. It runs for every
/// cell of a big export, so it does only what such a cell needs; what is rare (doubled
/// quotes, a value over the limit, a cell past the header's) takes the longer way.
fn set_cells(
    grant: &mut Grant,
    fields: &[Option<Field>],
    limits: &Limits,
    record: &str,
    cells: &[split::RawCell],
    scratch: &mut String,
    at: Cursor,
) -> (Cursor, bool) {
    let mut places = CellPlaces::new(record, at);
    grant.clear(cells.first().map_or(at.span(), |raw| places.span(raw)));
    grant.hold(record);
    // Whether a cell of a field held more than white space: the row is then no blank one.
    let mut filled = false;
    for (raw, field) in cells.iter().zip(fields) {
        let Some(field) = *field else { continue };
        let span = places.span(raw);
        if raw.escaped || raw.end - raw.start > limits.max_value_size {
            filled |= set_cell_apart(grant, field, limits, record, raw, scratch, span);
        } else {
            filled |= grant.set_held(field, raw.inner(), span);
        }
    }
    if cells.len() > fields.len() {
        let span = places.span(&cells[fields.len()]);
        grant.problem(
            None,
            span,
            format!("this row has more cells than the header's {}", fields.len()),
            "quote cells that contain the delimiter, or add the missing header",
        );
    }
    // Nearly every row has a field: only a row without one is looked at cell by cell.
    let blank = !filled
        && cells
            .iter()
            .all(|raw| Cell::read(raw, record, scratch, limits).is_blank());
    (places.end(), blank)
}

/// Sets a cell with doubled quotes, or one that may be too long; true when it holds more
/// than white space. Out of line: rare.
#[cold]
#[inline(never)]
fn set_cell_apart(
    grant: &mut Grant,
    field: Field,
    limits: &Limits,
    record: &str,
    raw: &split::RawCell,
    scratch: &mut String,
    span: Span,
) -> bool {
    let size = raw.size(record.as_bytes());
    if size > limits.max_value_size {
        let (message, help) = limits::value_too_long(field.name(), size, limits.max_value_size);
        grant.problem(Some(field), span, message, &help);
        true
    } else if raw.escaped {
        grant.set(field, raw.text(record, scratch), span, false);
        true // it holds a quote
    } else {
        grant.set_held(field, raw.inner(), span)
    }
}

/// Turns cells into the header, then into grants handed to the sink.
struct Rows<'a, C> {
    name: &'a str,
    limits: &'a Limits,
    columns: &'a mut C,
    /// The header's names while it is read; `None` once the columns are known.
    header: Option<Vec<(String, Span)>>,
    grant: Grant,
    /// The cell's position in its row.
    index: usize,
    blank_row: bool,
    grants: usize,
}

impl<C: Columns> Rows<'_, C> {
    /// Takes a record that the fast path split (`split::scan`), locating each cell from its
    /// raw extent: the record is on one line. Returns where the record ends.
    fn split_record(
        &mut self,
        record: &str,
        cells: &[split::RawCell],
        scratch: &mut String,
        at: Cursor,
    ) -> Cursor {
        if let Some(fields) = self.columns.plain() {
            let (end, blank) = set_cells(
                &mut self.grant,
                fields,
                self.limits,
                record,
                cells,
                scratch,
                at,
            );
            (self.index, self.blank_row) = (cells.len(), blank);
            return end;
        }
        let mut places = CellPlaces::new(record, at);
        for (index, raw) in cells.iter().enumerate() {
            let span = places.span(raw);
            if index == 0 {
                self.grant.clear(span);
            }
            let cell = Cell::read(raw, record, scratch, self.limits);
            self.blank_row = self.blank_row && cell.is_blank();
            self.index += 1;
            self.value(index, cell, span);
        }
        places.end()
    }

    /// Takes one cell that csv-core read.
    fn cell(&mut self, cell: Cell, span: Span) {
        self.blank_row = self.blank_row && cell.is_blank();
        let index = self.index;
        self.index += 1;
        if let Some(names) = &mut self.header {
            let name = match cell {
                Cell::Text(text) => text.to_string(),
                Cell::Bytes(raw) => String::from_utf8_lossy(raw).into_owned(),
                Cell::TooLong(_) => String::new(),
            };
            names.push((name, span));
            return;
        }
        if index == 0 {
            self.grant.clear(span);
        }
        self.value(index, cell, span);
    }

    /// Sets the value of the row's cell `index`. Inlined: it runs for every cell.
    #[inline(always)]
    fn value(&mut self, index: usize, cell: Cell, span: Span) {
        let width = self.columns.width();
        if index > width {
            return;
        }
        if index == width {
            self.grant.problem(
                None,
                span,
                format!("this row has more cells than the header's {width}"),
                "quote cells that contain the delimiter, or add the missing header",
            );
            return;
        }
        match (cell, self.columns.field(index)) {
            (Cell::Text(text), _) => self.columns.cell(&mut self.grant, index, text, span),
            (Cell::TooLong(size), Some(field)) => {
                let (message, help) =
                    limits::value_too_long(field.name(), size, self.limits.max_value_size);
                self.grant.problem(Some(field), span, message, &help);
            }
            (Cell::Bytes(_), Some(field)) => self.grant.problem(
                Some(field),
                span,
                format!("{} is not valid UTF-8", field.name()),
                "save the export as UTF-8",
            ),
            (_, None) => {}
        }
    }

    fn end_record(&mut self, sink: &mut dyn FnMut(&Grant)) -> Result<(), InputError> {
        let cells = std::mem::replace(&mut self.index, 0);
        let blank = std::mem::replace(&mut self.blank_row, true);
        if let Some(names) = self.header.take() {
            return self.columns.header(names, self.name);
        }
        if blank {
            return Ok(()); // spreadsheets leave rows of empty cells behind; they hold no grant
        }
        let width = self.columns.width();
        if cells < width {
            self.grant.problem(
                None,
                self.grant.span,
                format!("this row has {cells} cells, the header has {width}"),
                "a cell is missing or a quote is not closed; the missing cells count as empty",
            );
        }
        if self.columns.row(&mut self.grant) {
            self.grant.finish();
            sink(&self.grant);
            self.grants += 1;
        }
        Ok(())
    }
}

/// csv-core's field-by-field reading of one record, with each cell's raw extent.
#[derive(Default)]
struct SlowRecord {
    cell: Vec<u8>,
    cell_len: usize,
    /// Bytes of an over-long cell that were dropped: such a cell is reported, not kept.
    dropped: usize,
    cell_start: Option<Span>,
    /// csv-core saw the end of the input.
    done: bool,
}

impl SlowRecord {
    /// Feeds csv-core from `input`; returns the bytes consumed and, when a field ended, the
    /// cell, its span, and whether it ended the record.
    fn read_field<'a>(
        &'a mut self,
        parser: &mut csv_core::Reader,
        input: &[u8],
        at: &mut Cursor,
        delimiter: u8,
        limits: &Limits,
    ) -> (usize, Option<(Cell<'a>, Span, bool)>) {
        if self.cell_start.is_none() && !input.is_empty() {
            self.cell_start = Some(at.span());
        }
        let span_start = self.cell_start.unwrap_or_else(|| at.span());
        let (result, nin, nout) = parser.read_field(input, &mut self.cell[self.cell_len..]);
        let consumed = &input[..nin];
        at.advance(consumed);
        self.cell_len += nout;
        let record_end = match result {
            ReadFieldResult::InputEmpty => return (nin, None),
            ReadFieldResult::OutputFull if self.cell_len > limits.max_value_size => {
                self.dropped += self.cell_len;
                self.cell_len = 0;
                return (nin, None);
            }
            ReadFieldResult::OutputFull => {
                let longer = (self.cell.len() * 2).min(limits.max_value_size + 1);
                self.cell.resize(longer.max(self.cell.len() + 1), 0);
                return (nin, None);
            }
            ReadFieldResult::End => {
                self.done = true;
                return (nin, None);
            }
            ReadFieldResult::Field { record_end } => record_end,
        };
        // The raw cell ends before the delimiter or line end that closed it.
        let trailing = consumed
            .iter()
            .rev()
            .take_while(|&&b| b == delimiter || b == b'\n' || b == b'\r')
            .count()
            .min(2);
        let span = Span {
            len: (at.offset - trailing).saturating_sub(span_start.offset),
            ..span_start
        };
        let size = self.dropped + self.cell_len;
        let raw = &self.cell[..std::mem::take(&mut self.cell_len)];
        self.dropped = 0;
        self.cell_start = None;
        let cell = if size > limits.max_value_size {
            Cell::TooLong(size)
        } else {
            match std::str::from_utf8(raw) {
                Ok(text) => Cell::Text(text),
                Err(_) => Cell::Bytes(raw),
            }
        };
        (nin, Some((cell, span, record_end)))
    }
}

/// Reads what the reader gives into `buffer`, retrying interrupted reads; bytes in memory
/// (no reader) have nothing more.
fn fill(reader: &mut Option<impl Read>, buffer: &mut [u8]) -> std::io::Result<usize> {
    let Some(reader) = reader else {
        return Ok(0);
    };
    loop {
        match reader.read(buffer) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &[u8]) -> Vec<crate::load::Located> {
        let mut out = Vec::new();
        load(text, "t.csv", b',', &Limits::default(), &mut |g: &Grant| {
            out.push(crate::load::located(g))
        })
        .unwrap();
        out
    }

    /// A reader that hands out its bytes in chunks of the given sizes, in turn, as pipes and
    /// standard input do.
    struct Chunked<'a> {
        data: &'a [u8],
        sizes: Vec<usize>,
        next: usize,
    }

    impl Read for Chunked<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            let size = self.sizes.get(self.next % self.sizes.len().max(1));
            self.next += 1;
            let n = size
                .map_or(buffer.len(), |&s| s.max(1))
                .min(buffer.len())
                .min(self.data.len());
            buffer[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// Everything a grant holds after loading: fields with their spans, and problems.
    fn loaded(text: &[u8], split: bool, limits: &Limits) -> Result<Vec<String>, String> {
        loaded_in_chunks(text, split, limits, b',', Vec::new())
    }

    /// `loaded`, read in segments of `block_size` bytes; also how many segments there were.
    fn loaded_in_segments(
        text: &[u8],
        limits: &Limits,
        delimiter: u8,
        block_size: usize,
    ) -> Result<(Vec<String>, usize), String> {
        let mut out = Vec::new();
        let (grants, count) =
            segments::read_in_segments(text, delimiter, limits, block_size, &mut |g: &Grant| {
                out.push(describe(g))
            })
            .map_err(|e| e.to_string())?;
        assert_eq!(grants, out.len());
        Ok((out, count))
    }

    fn loaded_in_chunks(
        text: &[u8],
        split: bool,
        limits: &Limits,
        delimiter: u8,
        chunks: Vec<usize>,
    ) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        read_records(
            Source::Stream(Chunked {
                data: text,
                sizes: chunks,
                next: 0,
            }),
            Reading {
                name: "t.csv",
                delimiter,
                limits,
                from: Start::File,
                split,
            },
            &mut Aliases::default(),
            &mut |g: &Grant| out.push(describe(g)),
        )
        .map_err(|e| e.to_string())?;
        Ok(out)
    }

    #[test]
    fn splitting_records_agrees_with_csv_core() {
        let limits = Limits {
            max_value_size: 12,
            ..Limits::default()
        };
        let cases: &[&[u8]] = &[
            b"id,tenant,reason\n1,acme,fix sync\n2,beta,\"quoted, cell\"\n",
            b"id,tenant\r\n1,acme\r\n\r\n\r\n2,beta\r\n",
            b"id,tenant\r1,acme\r2,beta",
            b"id,tenant\n1,acme\n2,beta",
            b"\xEF\xBB\xBFid,tenant\n\n1,Zo\xC3\xAB,\xC3\x85ngstr\xC3\xB6m\n",
            b"id,tenant\n1\n2,b,extra,more\n,\n , \n3,c\n",
            b"id,tenant,reason\n1,acme,this reason is far too long\n2,\xFF\xFE,x\n",
            b"id,reason,tenant\n1,ab\"c,acme\n2,\"two\nlines\",beta\n3,\"a\"\"b\"c,x\n",
            b"id,tenant\n\"1\",acme\n",
            b"",
            b"id,tenant",
            b"id,tenant\n",
        ];
        // Records that straddle the 64 KiB read buffer, some quoted, one not UTF-8.
        let mut many = b"id,tenant,reason\n".to_vec();
        for i in 0..5000 {
            let reason = match i % 7 {
                0 => "\"quoted, with comma\"".to_string(),
                1 => "r\u{e9}sum\u{e9}".to_string(),
                _ => format!("reason {i}"),
            };
            many.extend(format!("SUP-{i},tenant-{},{reason}\r\n", i % 13).as_bytes());
        }
        many.extend(b"x,\xFF,y\n");
        for case in cases.iter().copied().chain([&many[..]]) {
            assert_eq!(
                loaded(case, true, &limits),
                loaded(case, false, &limits),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
    }

    /// What may come before a header: blank lines and byte-order marks, in any order.
    const BEFORE_HEADER: [&[u8]; 6] = [
        b"",
        BOM,
        b"\n",
        b"\xEF\xBB\xBF\n",
        b"\r\n\xEF\xBB\xBF\r\n",
        b"\xEF\xBB\xBF\n\xEF\xBB\xBF",
    ];

    /// A header, then pieces of CSV in any order, some repeated into runs that cross the
    /// 64 KiB buffer.
    fn csv_of(pieces: Vec<(usize, usize)>, delimiter: u8) -> Vec<u8> {
        let d = [delimiter];
        let alphabet: [&[u8]; 15] = [
            b"a",
            b"bc",
            b" ",
            b"\xC3\xA9",
            &d,
            &d,
            b"\n",
            b"\r\n",
            b"\r",
            b"\"",
            b"\"\"",
            b"\xFF",
            BOM,
            b"x",
            b",",
        ];
        let d = char::from(delimiter);
        let mut text = format!("id{d}tenant{d}reason\n").into_bytes();
        for (piece, times) in pieces {
            for _ in 0..times {
                text.extend(alphabet[piece]);
            }
        }
        text
    }

    proptest::proptest! {
        /// Any CSV read through short reads, with three delimiters and small and large value
        /// limits.
        #[test]
        fn splitting_agrees_with_csv_core_on_any_input(
            pieces in proptest::collection::vec(
                (0usize..15, proptest::prop_oneof![9 => 1usize..3, 1 => 1usize..30_000]), 0..60),
            chunks in proptest::collection::vec(proptest::prop_oneof![1usize..8, 1usize..70_000], 0..4),
            delimiter in proptest::sample::select(&b",;\t"[..]),
            max_value_size in proptest::prop_oneof![1usize..20, 1000usize..100_000],
            before in proptest::sample::select(&BEFORE_HEADER[..]),
        ) {
            let text = [before, &csv_of(pieces, delimiter)].concat();
            let limits = Limits { max_value_size, ..Limits::default() };
            proptest::prop_assert_eq!(
                loaded_in_chunks(&text, true, &limits, delimiter, chunks),
                loaded_in_chunks(&text, false, &limits, delimiter, Vec::new())
            );
        }

        /// Any CSV cut into segments of any size reads as the whole file does.
        #[test]
        fn segments_read_as_the_whole_file(
            pieces in proptest::collection::vec(
                (0usize..15, proptest::prop_oneof![9 => 1usize..3, 1 => 1usize..3_000]), 0..80),
            delimiter in proptest::sample::select(&b",;\t"[..]),
            max_value_size in proptest::prop_oneof![1usize..20, 1000usize..100_000],
            block_size in proptest::prop_oneof![1usize..64, 64usize..5_000],
            before in proptest::sample::select(&BEFORE_HEADER[..]),
        ) {
            let text = [before, &csv_of(pieces, delimiter)].concat();
            let limits = Limits { max_value_size, ..Limits::default() };
            proptest::prop_assert_eq!(
                loaded_in_segments(&text, &limits, delimiter, block_size).map(|(g, ..)| g),
                loaded_in_chunks(&text, true, &limits, delimiter, Vec::new())
            );
        }
    }

    #[test]
    fn segments_cut_a_file_and_read_on_in_order_where_they_cannot() {
        let limits = Limits::default();
        let mut text = b"\xEF\xBB\xBFid,tenant,reason\r\n".to_vec();
        for i in 0..200 {
            let reason = match i % 5 {
                0 => "\"two\nlines, quoted\"",
                1 => "r\u{e9}sum\u{e9} \"as is\"",
                _ => "plain",
            };
            text.extend(format!("SUP-{i},t{},{reason}\r\n\n", i % 7).as_bytes());
        }
        let whole = loaded_in_chunks(&text, true, &limits, b',', Vec::new()).unwrap();
        let (got, count) = loaded_in_segments(&text, &limits, b',', 256).unwrap();
        assert_eq!(got, whole);
        assert!(count > 10, "{count} segments");
        // Text after a closing quote: the segments stop there and the rest is read in order.
        text.extend(b"SUP-x,t1,\"a\"b\n");
        text.extend(b"SUP-y,t2,after\n".repeat(50));
        let whole = loaded_in_chunks(&text, true, &limits, b',', Vec::new()).unwrap();
        let (got, count) = loaded_in_segments(&text, &limits, b',', 256).unwrap();
        assert_eq!((got.len(), &got), (251, &whole));
        assert!(count > 10, "{count} segments");
    }

    proptest::proptest! {
        /// Moving over bytes, short or long, at once or piece by piece, lands on the line and
        /// column their text ends at.
        #[test]
        fn a_cursor_counts_lines_and_characters(
            text in "[a\r\n\u{e9}\u{1F600}]{0,40}",
            cut in 0usize..40,
        ) {
            let bytes = text.as_bytes();
            let last_line = text.rsplit('\n').next().unwrap_or_default();
            let want = Cursor {
                offset: bytes.len(),
                line: 1 + text.matches('\n').count() as u32,
                column: 1 + last_line.chars().count() as u32,
            };
            let mut whole = Cursor::TOP;
            whole.advance(bytes);
            let mut pieces = Cursor::TOP;
            let (a, b) = bytes.split_at(cut.min(bytes.len()));
            pieces.advance(a);
            pieces.advance(b);
            proptest::prop_assert_eq!((whole.offset, whole.line, whole.column), (want.offset, want.line, want.column));
            proptest::prop_assert_eq!((pieces.offset, pieces.line, pieces.column), (want.offset, want.line, want.column));
        }
    }

    #[test]
    fn segments_end_where_records_do_even_with_line_ends_in_quotes() {
        let limits = Limits::default();
        let row = |i: usize, reason: &str| format!("SUP-{i},t{},{reason}\n", i % 7);
        let mut text = b"id,tenant,reason\n".to_vec();
        for i in 0..200 {
            // Every tenth reason holds a line end: a block's last line end may be in quotes.
            let reason = if i % 10 == 3 {
                "\"two\nlines\""
            } else {
                "\"plain, quoted\""
            };
            text.extend(row(i, reason).as_bytes());
        }
        let whole = loaded_in_chunks(&text, true, &limits, b',', Vec::new()).unwrap();
        let (got, count) = loaded_in_segments(&text, &limits, b',', 256).unwrap();
        assert_eq!((got.len(), &got), (200, &whole));
        assert!(count > 15, "{count} segments");
    }

    #[test]
    fn a_bad_header_is_the_same_error_in_segments() {
        let text = b"id,grant_id\n1,2\n";
        let limits = Limits::default();
        assert_eq!(
            loaded_in_segments(text, &limits, b',', 4).map(|(g, ..)| g),
            loaded(text, true, &limits)
        );
        assert!(loaded(text, true, &limits).is_err());
    }

    #[test]
    fn a_byte_order_mark_after_blank_lines_is_no_part_of_the_header() {
        let got = rows(b"\r\n\n\xEF\xBB\xBFid,tenant\n1,acme\n");
        assert_eq!(got[0][0], (Field::Id, "1".into(), 4, 1));
        assert_eq!(got[0][1], (Field::Tenant, "acme".into(), 4, 3));
    }

    #[test]
    fn maps_aliased_headers_and_locates_cells() {
        let got = rows(b"Grant ID,Customer Tenant,Approved by\nSUP-1,acme,Ravi Patel\n");
        assert_eq!(
            got,
            vec![vec![
                (Field::Id, "SUP-1".into(), 2, 1),
                (Field::Tenant, "acme".into(), 2, 7),
                (Field::Approver, "Ravi Patel".into(), 2, 12),
            ]]
        );
    }

    #[test]
    fn handles_bom_crlf_and_quoted_newlines() {
        let got = rows(
            b"\xEF\xBB\xBFid,reason,tenant\r\n1,\"two\r\nlines, quoted\",acme\r\n2,plain,beta\r\n",
        );
        assert_eq!(got[0][0], (Field::Id, "1".into(), 2, 1));
        assert_eq!(got[0][1], (Field::Tenant, "acme".into(), 3, 16));
        assert_eq!(got[0][2].1, "two\r\nlines, quoted");
        assert_eq!(got[1][0], (Field::Id, "2".into(), 4, 1));
    }

    #[test]
    fn counts_columns_in_characters() {
        let got = rows("id,grantee,tenant\n1,Zoë Ångström,acme\n".as_bytes());
        assert_eq!(got[0][1], (Field::Tenant, "acme".into(), 2, 16));
    }

    #[test]
    fn ragged_rows_are_problems_not_errors() {
        let mut problems = Vec::new();
        load(
            &b"id,tenant\n1\n2,b,extra\n"[..],
            "t.csv",
            b',',
            &Limits::default(),
            &mut |g: &Grant| {
                problems.push(g.problems.iter().map(|p| p.span.line).collect::<Vec<_>>());
            },
        )
        .unwrap();
        assert_eq!(problems, vec![vec![2], vec![3]]);
    }

    #[test]
    fn two_columns_for_one_field_are_a_located_error() {
        let e = load(
            &b"id,Approved by,tenant,approver\n1,a,b,c\n"[..],
            "t.csv",
            b',',
            &Limits::default(),
            &mut |_: &Grant| {},
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:1:23: columns 2 (`Approved by`) and 4 (`approver`) both hold approver"
        );
    }

    #[test]
    fn rows_of_empty_cells_are_skipped() {
        let got = rows(b"id,tenant\n1,a\n,\n , \n2,b\n");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1][0], (Field::Id, "2".into(), 5, 1));
    }

    #[test]
    fn small_buffers_do_not_move_spans() {
        // A long cell crosses the 64 KiB input buffer and grows the cell buffer.
        let long = "x".repeat(100_000);
        let text = format!("id,reason,tenant\n1,{long},acme\n");
        let got = rows(text.as_bytes());
        assert_eq!(got[0][1], (Field::Tenant, "acme".into(), 2, 100_004));
    }

    #[test]
    fn an_over_long_cell_is_a_located_problem_and_is_not_kept() {
        let limits = Limits {
            max_value_size: 10_000,
            ..Limits::default()
        };
        let long = "x".repeat(50_000);
        let text = format!(
            "id,reason,tenant\n1,\"{long}\",acme\n2,{},beta\n",
            "y".repeat(10_000)
        );
        let mut got = Vec::new();
        load(text.as_bytes(), "t.csv", b',', &limits, &mut |g: &Grant| {
            got.push((
                g.text(Field::Reason).map(str::len),
                g.problems.clone(),
                g.text(Field::Tenant).map(str::to_string),
            ));
        })
        .unwrap();
        assert_eq!(got[0].0, None);
        assert_eq!(got[0].1.len(), 1);
        assert_eq!(got[0].1[0].field, Some(Field::Reason));
        assert_eq!((got[0].1[0].span.line, got[0].1[0].span.column), (2, 3));
        assert!(
            got[0].1[0].message.contains("above the 9.8 KiB limit"),
            "{}",
            got[0].1[0].message
        );
        assert_eq!(got[0].2.as_deref(), Some("acme"));
        // A value of exactly the limit is kept.
        assert_eq!(got[1].0, Some(10_000));
        assert!(got[1].1.is_empty());
    }
}
