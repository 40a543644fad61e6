//! CSV exports, read as a stream. csv-core gives each field's raw byte extent, so every cell
//! keeps its exact line and column even across quoted newlines, CRLF and a byte-order mark.

use std::io::Read;

use csv_core::{ReadFieldResult, ReaderBuilder};

use super::limits::{self, Limits};
use super::{InputError, io_error};
use crate::grant::{Field, Grant, Span};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Where the reader is in the raw input: what a field's span is made from.
#[derive(Clone, Copy)]
struct Cursor {
    offset: usize,
    line: u32,
    column: u32,
}

impl Cursor {
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
        match memchr::memrchr(b'\n', raw) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', raw).count() as u32;
                self.column = 1 + chars(&raw[last + 1..]);
            }
            None => self.column += chars(raw),
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
}

/// Columns matched through the alias table.
#[derive(Default)]
struct Aliases(Vec<Option<Field>>);

impl Columns for Aliases {
    fn header(&mut self, names: Vec<(String, Span)>, file: &str) -> Result<(), InputError> {
        self.0 = names.iter().map(|(h, _)| Field::from_key(h)).collect();
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
pub fn load_with(
    mut reader: impl Read,
    name: &str,
    delimiter: u8,
    limits: &Limits,
    columns: &mut impl Columns,
    sink: &mut dyn FnMut(&Grant),
) -> Result<usize, InputError> {
    let mut parser = ReaderBuilder::new().delimiter(delimiter).build();
    let mut input = vec![0u8; 64 * 1024];
    let (mut start, mut end) = (0, 0); // the unparsed part of `input`
    let mut eof = false;
    let mut cell = vec![0u8; 1024];
    let mut cell_len = 0;
    // Bytes of an over-long cell that were dropped: such a cell is reported, not kept.
    let mut dropped = 0;
    let mut at = Cursor {
        offset: 0,
        line: 1,
        column: 1,
    };
    let mut cell_start: Option<Span> = None;
    let mut index = 0; // the cell's position in its row
    let mut header = false;
    let mut header_names: Vec<(String, Span)> = Vec::new();
    let mut grant = Grant::default();
    let mut grants = 0;
    let mut first_read = true;
    let mut blank_row = true;

    loop {
        if start == end && !eof {
            end = fill(&mut reader, &mut input).map_err(|e| io_error(name, &e))?;
            start = 0;
            eof = end == 0;
            if first_read && input[..end].starts_with(BOM) {
                start = BOM.len(); // a byte-order mark is no part of the first header
                at.offset = BOM.len();
            }
            first_read = false;
        }
        if cell_start.is_none() && start < end {
            // A record's first cell starts after the line end that closed the row before,
            // which csv-core may consume only now.
            let mut here = at;
            if index == 0 {
                let blank = input[start..end]
                    .iter()
                    .take_while(|&&b| b == b'\n' || b == b'\r')
                    .count();
                here.advance(&input[start..start + blank]);
            }
            cell_start = Some(here.span());
        }
        let span_start = cell_start.unwrap_or_else(|| at.span());
        let (result, nin, nout) = parser.read_field(&input[start..end], &mut cell[cell_len..]);
        let consumed = &input[start..start + nin];
        at.advance(consumed);
        start += nin;
        cell_len += nout;
        match result {
            ReadFieldResult::InputEmpty => {}
            ReadFieldResult::OutputFull if cell_len > limits.max_value_size => {
                dropped += cell_len;
                cell_len = 0;
            }
            ReadFieldResult::OutputFull => {
                let longer = (cell.len() * 2).min(limits.max_value_size + 1);
                cell.resize(longer.max(cell.len() + 1), 0);
            }
            ReadFieldResult::Field { record_end } => {
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
                let size = dropped + cell_len;
                let too_long = size > limits.max_value_size;
                let raw = if too_long { &[][..] } else { &cell[..cell_len] };
                blank_row &= raw.trim_ascii().is_empty() && !too_long;
                if header {
                    if index == 0 {
                        grant.clear(span);
                    }
                    let width = columns.width();
                    if index < width && too_long {
                        if let Some(field) = columns.field(index) {
                            let (message, help) =
                                limits::value_too_long(field.name(), size, limits.max_value_size);
                            grant.problem(Some(field), span, message, &help);
                        }
                    } else if index < width {
                        match (std::str::from_utf8(raw), columns.field(index)) {
                            (Ok(text), _) => columns.cell(&mut grant, index, text, span),
                            (Err(_), Some(field)) => grant.problem(
                                Some(field),
                                span,
                                format!("{} is not valid UTF-8", field.name()),
                                "save the export as UTF-8",
                            ),
                            (Err(_), None) => {}
                        }
                    } else if index == width {
                        grant.problem(
                            None,
                            span,
                            format!("this row has more cells than the header's {width}"),
                            "quote cells that contain the delimiter, or add the missing header",
                        );
                    }
                } else {
                    header_names.push((String::from_utf8_lossy(raw).into_owned(), span));
                }
                index += 1;
                cell_len = 0;
                dropped = 0;
                cell_start = None;
                if record_end {
                    if !header {
                        header = true;
                        columns.header(std::mem::take(&mut header_names), name)?;
                    } else if !blank_row {
                        // (Spreadsheets leave rows of empty cells behind; they hold no grant.)
                        if index < columns.width() {
                            grant.problem(
                                None,
                                grant.span,
                                format!("this row has {index} cells, the header has {}", columns.width()),
                                "a cell is missing or a quote is not closed; the missing cells count as empty",
                            );
                        }
                        if columns.row(&mut grant) {
                            grant.finish();
                            sink(&grant);
                            grants += 1;
                        }
                    }
                    index = 0;
                    blank_row = true;
                }
            }
            ReadFieldResult::End => break,
        }
    }
    Ok(grants)
}

/// Reads as much as the buffer holds, retrying interrupted reads.
fn fill(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
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
