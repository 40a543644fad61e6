//! JSON lines (one JSON value a line: Teleport's audit log), read line by line instead of
//! whole: a 2.4 GB audit log held as one text, and every request event parsed through the
//! YAML parser, took gigabytes and minutes. Here a line is read, parsed with serde_json into
//! the same located tree (`Node`) the adapters look values up in, and dropped; a caller that
//! must come back to a line (to join events) keeps its place ([`At`]) and reads it again.

use std::io::{BufRead, Read, Seek};
use std::sync::Arc;

use serde::de::{self, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_saphyr::Location;

use crate::core::files::Steady;
use crate::core::node::{Node, Value};
use crate::core::span::Span;
use crate::load::{InputError, Limits, io_error};

/// The longest line read, as a multiple of `--max-value-size` (64 KiB → 16 MiB): an event is a
/// few hundred bytes, and a line without end (a file that is not JSON lines) must not be
/// gathered whole.
pub const LINE_VALUES: usize = 256;

/// Where a line starts (byte offset, and its index: line number − 1) and its length in bytes,
/// line end included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    pub start: usize,
    pub index: u32,
    pub len: usize,
}

impl At {
    /// The place `offset` bytes into the line, `column` its character column there.
    fn place(self, offset: usize, column: u32, len: usize) -> Span {
        Span {
            line: self.index + 1,
            column,
            offset: self.start + offset,
            len,
        }
    }
}

/// A JSON-lines input being read: its lines in order ([`Log::next_line`]), then any line again by
/// its place ([`Log::line`]).
pub struct Log<'a> {
    name: &'a str,
    most: usize,
    depth: usize,
    from: From,
    next: At,
    bytes: Vec<u8>,
}

enum From {
    /// Standard input, or a text a test gives.
    Text(Arc<str>),
    /// A file, read through `Steady` so a change while it is read is an error.
    File(std::io::BufReader<Steady>),
}

impl<'a> Log<'a> {
    pub fn text(name: &'a str, text: Arc<str>, limits: &Limits) -> Log<'a> {
        Log::new(name, From::Text(text), limits)
    }

    pub fn file(name: &'a str, file: Steady, limits: &Limits) -> Log<'a> {
        let reader = std::io::BufReader::with_capacity(256 * 1024, file);
        Log::new(name, From::File(reader), limits)
    }

    fn new(name: &'a str, from: From, limits: &Limits) -> Log<'a> {
        Log {
            name,
            most: limits.max_value_size.saturating_mul(LINE_VALUES),
            depth: limits.max_yaml_depth,
            from,
            next: At {
                start: 0,
                index: 0,
                len: 0,
            },
            bytes: Vec::new(),
        }
    }

    pub fn name(&self) -> &str {
        self.name
    }

    /// The next line (its end kept) and its place; `None` at the end of the input.
    pub fn next_line(&mut self) -> Result<Option<(&str, At)>, InputError> {
        let at = self.next;
        let (most, name) = (self.most, self.name);
        let len = match &mut self.from {
            From::Text(text) => {
                let rest = text.as_bytes().get(at.start..).unwrap_or_default();
                let len = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
                if len > most {
                    return Err(too_long(name, at, most));
                }
                len
            }
            From::File(reader) => {
                self.bytes.clear();
                let got = reader
                    .by_ref()
                    .take(most as u64 + 1)
                    .read_until(b'\n', &mut self.bytes)
                    .map_err(|e| io_error(name, &e).at(at.place(0, 1, 0), None))?;
                if got > most {
                    return Err(too_long(name, at, most));
                }
                got
            }
        };
        if len == 0 {
            return Ok(None);
        }
        self.next = At {
            start: at.start + len,
            index: at.index.saturating_add(1),
            len: 0,
        };
        let at = At { len, ..at };
        let line = match &self.from {
            From::Text(text) => Ok(&text[at.start..at.start + len]),
            From::File(..) => std::str::from_utf8(&self.bytes).map_err(|e| not_utf8(name, at, &e)),
        }?;
        Ok(Some((line, at)))
    }

    /// The line at `at` again (read back from the file: nothing is kept of it meanwhile).
    pub fn line(&mut self, at: At) -> Result<&str, InputError> {
        let name = self.name;
        match &mut self.from {
            From::Text(text) => Ok(text.get(at.start..at.start + at.len).unwrap_or_default()),
            From::File(reader) => {
                self.bytes.clear();
                self.bytes.resize(at.len, 0);
                let mut file = reader.get_ref().file();
                file.seek(std::io::SeekFrom::Start(at.start as u64))
                    .and_then(|_| file.read_exact(&mut self.bytes))
                    .map_err(|e| io_error(name, &e).at(at.place(0, 1, 0), None))?;
                std::str::from_utf8(&self.bytes).map_err(|e| not_utf8(name, at, &e))
            }
        }
    }

    /// Checks, once every line read again is done with, that the file is still the one read
    /// first: lines read back from a changed file would mix two exports.
    pub fn unchanged(&self) -> Result<(), InputError> {
        match &self.from {
            From::Text(_) => Ok(()),
            From::File(reader) => reader
                .get_ref()
                .unchanged()
                .map_err(|e| InputError::new(self.name, format!("cannot read: {e}"))),
        }
    }

    /// Parses the line at `at` (its text `line`) into located values, their places those of
    /// the whole input; a line that is not JSON is an error at its line and column.
    pub fn parse(&self, line: &str, at: At) -> Result<Node, InputError> {
        parse(line, self.depth).map_err(|(message, offset)| {
            let column = Columns::new(line).column(offset);
            let len = line[offset..].chars().next().map_or(0, char::len_utf8);
            self.error(message, at.place(offset, column, len))
                .help("each line of an audit log is one JSON object")
        })
    }

    /// An error at `span`, with a snippet when the input's text is at hand or small enough to
    /// read again.
    pub fn error(&self, message: impl Into<String>, span: Span) -> InputError {
        let error = InputError::new(self.name, message);
        let text = match &self.from {
            From::Text(text) => Some(Arc::clone(text)),
            From::File(reader) => reader
                .get_ref()
                .metadata()
                .ok()
                // A line in error is shown in a snippet when the file is small enough to be
                // read again whole; a larger one names the line and column only.
                .filter(|m| m.len() <= super::limits::MAX_SNIPPET_SOURCE)
                .and_then(|_| {
                    let mut text = String::new();
                    let mut file = reader.get_ref().file();
                    file.seek(std::io::SeekFrom::Start(0)).ok()?;
                    file.take(super::limits::MAX_SNIPPET_SOURCE)
                        .read_to_string(&mut text)
                        .ok()?;
                    Some(Arc::from(text))
                }),
        };
        error.at(span, text.as_ref())
    }
}

fn too_long(name: &str, at: At, most: usize) -> InputError {
    InputError::new(
        name,
        format!(
            "this line is longer than {}, the limit for one line of JSON lines ({LINE_VALUES} × --max-value-size)",
            crate::load::limits::format_size(most as u64)
        ),
    )
    .help("check that this is JSON lines (one event a line), or raise the limit with --max-value-size")
    .at(at.place(0, 1, 0), None)
}

fn not_utf8(name: &str, at: At, e: &std::str::Utf8Error) -> InputError {
    let mut error =
        InputError::new(name, "the file is not valid UTF-8").help("save the export as UTF-8");
    error.location = Some(at.place(e.valid_up_to(), 1, 0));
    error
}

/// Parses one line: the error's message and byte offset in the line when it is not JSON, or
/// nests deeper than `depth`.
pub fn parse(line: &str, depth: usize) -> Result<Node, (String, usize)> {
    // A byte-order mark opens the first line of some exports; it is no part of the JSON.
    let bom = if line.starts_with('\u{feff}') { 3 } else { 0 };
    let raw: &RawValue =
        serde_json::from_str(&line[bom..]).map_err(|e| json_error(line, bom, &e))?;
    let mut columns = Columns::new(line);
    located(raw, line, &mut columns, depth)
}

/// serde_json's message without the place it appends, and the byte offset of that place.
fn json_error(line: &str, bom: usize, e: &serde_json::Error) -> (String, usize) {
    let message = e.to_string();
    let message = match message.rsplit_once(" at line ") {
        Some((message, _)) => message.to_string(),
        None => message,
    };
    // serde_json counts columns in bytes, from 1; 0 is before the first byte.
    let offset = (bom + e.column().saturating_sub(1)).min(line.trim_end().len());
    let mut offset = offset;
    while !line.is_char_boundary(offset) {
        offset -= 1;
    }
    (message, offset)
}

/// The located tree of one JSON value, `raw` a slice of `line`. Each level's text is read
/// again by the level below it, so the work is the line's length times its depth, which
/// `depth` bounds.
fn located(
    raw: &RawValue,
    line: &str,
    columns: &mut Columns,
    depth: usize,
) -> Result<Node, (String, usize)> {
    let text = raw.get();
    let offset = text.as_ptr() as usize - line.as_ptr() as usize;
    let error = |e: serde_json::Error| json_error(line, 0, &e);
    let deeper = || {
        (
            "the data nests deeper than the --max-yaml-depth limit".to_string(),
            offset,
        )
    };
    let value = match text.as_bytes().first() {
        Some(b'{') => {
            let depth = depth.checked_sub(1).ok_or_else(deeper)?;
            let entries: Entries = serde_json::from_str(text).map_err(error)?;
            let mut map = Vec::with_capacity(entries.0.len());
            for (key, value) in entries.0 {
                let key = located(key, line, columns, depth)?;
                map.push((key, located(value, line, columns, depth)?));
            }
            Value::Map(map)
        }
        Some(b'[') => {
            let depth = depth.checked_sub(1).ok_or_else(deeper)?;
            let items: Vec<&RawValue> = serde_json::from_str(text).map_err(error)?;
            let mut list = Vec::with_capacity(items.len());
            for item in items {
                list.push(located(item, line, columns, depth)?);
            }
            Value::List(list)
        }
        Some(b'"') => Value::Text(serde_json::from_str(text).map_err(error)?),
        Some(b't') => Value::Bool(true),
        Some(b'f') => Value::Bool(false),
        Some(b'n') => Value::Null,
        // A number as the YAML reader wrote it: an integer as it is, else as a float prints.
        _ => {
            let number: serde_json::Number = serde_json::from_str(text).map_err(error)?;
            Value::Number(match (number.as_i64(), number.as_u64(), number.as_f64()) {
                (Some(i), _, _) => i.to_string(),
                (_, Some(u), _) => u.to_string(),
                (_, _, Some(f)) => f.to_string(),
                _ => text.to_string(),
            })
        }
    };
    let column = columns.column(offset);
    // A list or mapping is placed at its opening bracket, as the YAML reader places it.
    let len = match value {
        Value::Map(_) | Value::List(_) => 1,
        _ => text.len(),
    };
    Ok(Node::new(
        value,
        location(column, offset, len),
        Location::UNKNOWN,
    ))
}

/// A JSON object's entries in their order, keys and values as raw text.
struct Entries<'a>(Vec<(&'a RawValue, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        struct Walk;
        impl<'de> Visitor<'de> for Walk {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        de.deserialize_map(Walk)
    }
}

/// Character columns of byte offsets in one line, counted on from the last one asked (the
/// tree is built in the order of the text, so a line is counted once, not once per value).
struct Columns<'a> {
    line: &'a str,
    offset: usize,
    chars: usize,
}

impl<'a> Columns<'a> {
    fn new(line: &'a str) -> Columns<'a> {
        Columns {
            line,
            offset: 0,
            chars: 0,
        }
    }

    /// The 1-based column of `offset`, a byte-order mark not counted.
    fn column(&mut self, offset: usize) -> u32 {
        if offset < self.offset {
            (self.offset, self.chars) = (0, 0);
        }
        let between = self.line.get(self.offset..offset).unwrap_or_default();
        self.chars += between.chars().filter(|&c| c != '\u{feff}').count();
        self.offset = offset;
        u32::try_from(self.chars + 1).unwrap_or(u32::MAX)
    }
}

/// A parser location at `column` and `offset` (bytes) of a line, `len` bytes long.
/// serde-saphyr makes its `Location` only by parsing or by deserializing one, so this hands
/// it one through its own `Deserialize`; `location_span` reads back the byte offset and
/// length (the character offset is not used).
fn location(column: u32, offset: usize, len: usize) -> Location {
    use serde::Deserialize;
    let place = Part::Location {
        column: u64::from(column),
        offset: offset as u64,
        len: len as u64,
    };
    Location::deserialize(place).unwrap_or(Location::UNKNOWN)
}

/// One part of a `Location` as serde sees it: a number, a pair, a span, the location.
enum Part {
    Number(u64),
    Pair(u64, u64),
    Span(u64, u64),
    Location { column: u64, offset: u64, len: u64 },
}

impl<'de> IntoDeserializer<'de, de::value::Error> for Part {
    type Deserializer = Part;
    fn into_deserializer(self) -> Part {
        self
    }
}

impl<'de> Deserializer<'de> for Part {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        use de::value::{MapDeserializer, SeqDeserializer};
        match self {
            Part::Number(n) => visitor.visit_u64(n),
            Part::Pair(a, b) => visitor.visit_seq(SeqDeserializer::new(
                [Part::Number(a), Part::Number(b)].into_iter(),
            )),
            Part::Span(offset, len) => visitor.visit_map(MapDeserializer::new(
                [
                    ("offset", Part::Number(offset)),
                    ("len", Part::Number(len)),
                    ("byte_info", Part::Pair(offset, len)),
                ]
                .into_iter(),
            )),
            Part::Location {
                column,
                offset,
                len,
            } => visitor.visit_map(MapDeserializer::new(
                [
                    // Lines are counted by the caller's base; within its line a value is on
                    // line 1.
                    ("line", Part::Number(1)),
                    ("column", Part::Number(column)),
                    ("span", Part::Span(offset, len)),
                ]
                .into_iter(),
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::node::span;

    /// Every node's place and value, in the order of the text.
    fn walk(node: &Node, out: &mut Vec<(String, Span)>) {
        let at = span(node);
        match &node.value {
            Value::Map(entries) => {
                out.push(("{".into(), at));
                for (k, v) in entries {
                    walk(k, out);
                    walk(v, out);
                }
            }
            Value::List(items) => {
                out.push(("[".into(), at));
                items.iter().for_each(|item| walk(item, out));
            }
            other => out.push((format!("{other:?}"), at)),
        }
    }

    #[test]
    fn lines_are_located_as_the_yaml_reader_located_them() {
        // The places every finding on an audit log names: the same as before JSON lines were
        // read with serde_json (offsets, columns in characters, lengths).
        let fixtures = [
            include_str!("../../fixtures/teleport/audit.jsonl"),
            include_str!("../../fixtures/sources/teleport-audit.jsonl"),
            "{\"user\": \"zoë\", \"n\": [1, -2, 3.5, 1e3, true, null], \"é\": {\"a\": \"\\u00e9\\\"\"}}\n",
        ];
        for line in fixtures
            .iter()
            .flat_map(|text| text.lines())
            .filter(|l| !l.is_empty())
        {
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            walk(&parse(line, 64).unwrap(), &mut ours);
            walk(&crate::core::node::parse(line).unwrap(), &mut theirs);
            assert_eq!(ours, theirs, "{line}");
        }
    }

    #[test]
    fn a_broken_line_names_its_column_and_depth_is_bounded() {
        let (message, offset) = parse("{\"a\": [1, }", 64).unwrap_err();
        assert_eq!(offset, 10, "{message}");
        assert!(!message.contains("line 1"), "{message}");
        let deep = format!("{}{}", "[".repeat(70), "]".repeat(70));
        assert!(parse(&deep, 64).unwrap_err().0.contains("--max-yaml-depth"));
        assert!(parse(&deep, 80).is_ok());
    }

    #[test]
    fn a_log_is_read_line_by_line_and_lines_read_again() {
        let limits = Limits {
            max_value_size: 1,
            ..Limits::default()
        };
        let text: Arc<str> = Arc::from("{\"a\":1}\n\n{\"b\":2}");
        let mut log = Log::text("t", text, &limits);
        let mut places = Vec::new();
        while let Some((line, at)) = log.next_line().unwrap() {
            places.push((line.to_string(), at));
        }
        assert_eq!(places.len(), 3);
        assert_eq!(
            places[2].1,
            At {
                start: 9,
                index: 2,
                len: 7
            }
        );
        assert_eq!(log.line(places[0].1).unwrap(), "{\"a\":1}\n");
        // A line past 256 × --max-value-size is refused at its line.
        let long: Arc<str> = Arc::from(format!("{{}}\n{{\"a\":\"{}\"}}\n", "x".repeat(300)));
        let mut log = Log::text("t", long, &limits);
        assert!(log.next_line().unwrap().is_some());
        let error = log.next_line().unwrap_err();
        assert_eq!(error.location.map(|at| at.line), Some(2), "{error}");
    }
}
