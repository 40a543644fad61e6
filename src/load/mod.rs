//! Reading input files into `Grant`s (`discover` finds them). Loaders know nothing of rules.

pub mod adapters;
pub mod csv;
mod encoding;
pub mod extensions;
pub mod json_lines;
pub mod limits;
pub mod mapping;
pub mod understood;
pub mod yaml;

use std::fmt;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};

use crate::core::files::Steady;
use crate::core::span::Span;
use crate::core::terminal::{clean, snippet_source};
use crate::grant::Grant;
pub use limits::Limits;

/// The formats grantlint reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Yaml,
    Csv,
    Json,
}

impl Format {
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            // JSON lines: Teleport's audit log (load::adapters::teleport).
            "jsonl" | "ndjson" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Where a file's bytes come from.
#[derive(Clone, Debug)]
pub enum Origin {
    Path(PathBuf),
    /// Standard input, read whole up front (it can be read only once).
    Stdin(Arc<str>),
}

/// One input file: its name as the user gave it, where to read it, and its format.
#[derive(Clone, Debug)]
pub struct Input {
    pub name: String,
    pub origin: Origin,
    pub format: Format,
}

impl Input {
    /// The file's path; `None` for standard input.
    pub fn path(&self) -> Option<&Path> {
        match &self.origin {
            Origin::Path(path) => Some(path),
            Origin::Stdin(_) => None,
        }
    }

    /// The input's size in bytes, for the progress bar (0 when it cannot be told).
    pub fn size(&self) -> u64 {
        match &self.origin {
            Origin::Path(path) => std::fs::metadata(path).map_or(0, |m| m.len()),
            Origin::Stdin(text) => text.len() as u64,
        }
    }
}

/// How to read inputs, from the command line.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    pub format: Option<Format>,
    pub delimiter: u8,
    pub verbose: bool,
    /// `--source`: the system that exported the inputs (else recognised by shape).
    pub source: Option<adapters::Source>,
    pub limits: Limits,
}

impl Default for ReadOptions {
    /// Formats from file names, comma-separated CSV, systems recognised by shape.
    fn default() -> ReadOptions {
        ReadOptions {
            format: None,
            delimiter: b',',
            verbose: false,
            source: None,
            limits: Limits::default(),
        }
    }
}

/// An input that cannot be read as a whole. It names the file and, where there is one, the
/// line and column; the other files are still checked.
#[derive(Debug, Diagnostic)]
#[diagnostic(code(grantlint::input))]
pub struct InputError {
    pub file: String,
    pub message: String,
    pub location: Option<Span>,
    #[help]
    pub help: Option<String>,
    #[source_code]
    pub source_code: Option<NamedSource<crate::core::terminal::Lines>>,
    #[label("here")]
    pub label: Option<SourceSpan>,
}

impl std::error::Error for InputError {}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (file, message) = (clean(&self.file), clean(&self.message));
        match self.location {
            Some(at) => write!(f, "{file}:{}:{}: {message}", at.line, at.column),
            None => write!(f, "{file}: {message}"),
        }
    }
}

impl InputError {
    pub fn new(file: &str, message: impl Into<String>) -> InputError {
        InputError {
            file: file.to_string(),
            message: message.into(),
            location: None,
            help: None,
            source_code: None,
            label: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> InputError {
        self.help = Some(help.into());
        self
    }

    /// Points the error at `span` in `text`, so the report shows the line.
    pub fn at(mut self, span: Span, text: Option<&Arc<str>>) -> InputError {
        self.location = Some(span);
        if let Some(text) = text.filter(|text| crate::core::terminal::drawable(span, text)) {
            self.source_code = Some(snippet_source(&self.file, Arc::clone(text)));
            self.label = Some(SourceSpan::new(span.offset.into(), span.len));
        }
        self
    }
}

/// Standard input (`-`) as an input, in the format the options name.
pub fn read_stdin(options: &ReadOptions) -> Result<Input, InputError> {
    let by_source = options.source.map(adapters::Source::format);
    let format = options.format.or(by_source).ok_or_else(|| {
        InputError::new("-", "reading standard input needs a format")
            .help("pass --input-format yaml, csv or json")
    })?;
    let text = read_limited(std::io::stdin().lock(), "-", &options.limits)?;
    Ok(Input {
        name: "-".into(),
        origin: Origin::Stdin(text),
        format,
    })
}

/// Turns bytes into text, or names the line and column of the first byte that is not UTF-8.
pub fn utf8(bytes: Vec<u8>, name: &str) -> Result<Arc<str>, InputError> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Arc::from(text)),
        Err(e) => {
            let at = span_at(e.as_bytes(), e.utf8_error().valid_up_to());
            let mut error = InputError::new(name, "the file is not valid UTF-8")
                .help("save the export as UTF-8");
            error.location = Some(at);
            Err(error)
        }
    }
}

fn chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

/// The line and column (in characters) of a byte offset.
pub fn span_at(bytes: &[u8], offset: usize) -> Span {
    let offset = offset.min(bytes.len());
    let before = &bytes[..offset];
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    Span {
        line: memchr::memchr_iter(b'\n', before).count() as u32 + 1,
        column: chars(&before[line_start..]) as u32 + 1,
        offset,
        len: 0,
    }
}

/// The byte offset of a 1-based line and column (in characters) of `text`; the end of the
/// line or of the text when the column or line lies beyond it.
pub fn offset_of(text: &str, line: u32, column: u32) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', text.as_bytes())
            .nth(line as usize - 2)
            .map_or(text.len(), |i| i + 1)
    };
    let rest = &text[line_start..];
    let line_len = memchr::memchr(b'\n', rest.as_bytes()).unwrap_or(rest.len());
    line_start
        + rest[..line_len]
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(line_len, |(i, _)| i)
}

/// Reads one input, handing each grant to `sink` as soon as it is read; YAML and JSON also
/// say how their keys were understood (a CSV's columns are told by `adapters::understand`).
pub fn load(
    input: &Input,
    options: &ReadOptions,
    sink: &mut dyn FnMut(&Grant),
) -> Result<(usize, Option<understood::InputMap>), InputError> {
    let none = crate::grant::declared::Declarations::default();
    load_declared(input, options, &none, sink)
}

/// `load`, keeping the values of the fields the policy declares from YAML and JSON keys (a
/// CSV with declared columns is read through the policy's mapping instead).
pub fn load_declared(
    input: &Input,
    options: &ReadOptions,
    fields: &crate::grant::declared::Declarations,
    sink: &mut dyn FnMut(&Grant),
) -> Result<(usize, Option<understood::InputMap>), InputError> {
    let limits = &options.limits;
    match (input.format, &input.origin) {
        (Format::Csv, Origin::Path(path)) => {
            let file = open(path, &input.name, limits)?;
            if file.metadata().is_ok_and(|m| m.is_file()) {
                csv::load(file, &input.name, options.delimiter, limits, sink).map(|n| (n, None))
            } else {
                // A pipe or device has no size to check up front; read it under the limit.
                let text = read_limited(file, &input.name, limits)?;
                csv::load(
                    text.as_bytes(),
                    &input.name,
                    options.delimiter,
                    limits,
                    sink,
                )
                .map(|n| (n, None))
            }
        }
        (Format::Csv, Origin::Stdin(text)) => csv::load(
            text.as_bytes(),
            &input.name,
            options.delimiter,
            limits,
            sink,
        )
        .map(|n| (n, None)),
        (Format::Yaml | Format::Json, _) => {
            let text = read_text(input, limits)?;
            yaml::load_declared(&text, &input.name, limits, fields, sink)
                .map(|(n, map)| (n, Some(map)))
        }
    }
}

/// A CSV file opened to be read in segments on several threads (`csv::Segments`), its
/// header read; `None` for standard input, pipes and devices, which `load` reads.
pub fn segments(
    input: &Input,
    options: &ReadOptions,
) -> Result<Option<csv::Segments<Steady>>, InputError> {
    let Origin::Path(path) = &input.origin else {
        return Ok(None);
    };
    if input.format != Format::Csv {
        return Ok(None);
    }
    let file = open(path, &input.name, &options.limits)?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Ok(None);
    }
    csv::Segments::new(file, &input.name, options.delimiter, &options.limits).map(Some)
}

/// The whole text of an input, for parsers that need it and for diagnostics' snippets.
pub fn read_text(input: &Input, limits: &Limits) -> Result<Arc<str>, InputError> {
    match &input.origin {
        Origin::Stdin(text) => Ok(Arc::clone(text)),
        Origin::Path(path) => read_limited(open(path, &input.name, limits)?, &input.name, limits),
    }
}

/// Opens an input read-only, if [`crate::core::files::check`] lets it be read at all.
pub fn open_input(path: &Path, name: &str) -> Result<std::fs::File, InputError> {
    if let Err(refused) = crate::core::files::check(path, None) {
        let error = InputError::new(name, format!("cannot read: {}", refused.message));
        return Err(match refused.help {
            Some(help) => error.help(help),
            None => error,
        });
    }
    let mut file = std::fs::File::open(path).map_err(|e| io_error(name, &e))?;
    let mut head = Vec::with_capacity(encoding::HEAD);
    (&mut file)
        .take(encoding::HEAD as u64)
        .read_to_end(&mut head)
        .and_then(|_| file.seek(std::io::SeekFrom::Start(0)))
        .map_err(|e| io_error(name, &e))?;
    match encoding::refused(&head) {
        Some((message, help)) => Err(InputError::new(name, message).help(help)),
        None => Ok(file),
    }
}

/// Opens an input read-only, refusing a file above `--max-file-size` before reading it; a
/// file that changes while it is read is an error (`Steady`).
pub(crate) fn open(path: &Path, name: &str, limits: &Limits) -> Result<Steady, InputError> {
    let file = Steady::new(open_input(path, name)?);
    match file.metadata() {
        Ok(m) if m.is_dir() => Err(InputError::new(name, "this is a folder, not a file")),
        Ok(m) if m.len() > limits.max_file_size => Err(too_large(name, m.len(), limits)),
        _ => Ok(file),
    }
}

/// Reads at most `--max-file-size` bytes (and one more, to notice a longer input) as UTF-8;
/// a start that is not text is refused before the rest is read.
fn read_limited(reader: impl Read, name: &str, limits: &Limits) -> Result<Arc<str>, InputError> {
    let mut bytes = Vec::new();
    let mut reader = reader.take(limits.max_file_size.saturating_add(1));
    (&mut reader)
        .take(encoding::HEAD as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(name, &e))?;
    if let Some((message, help)) = encoding::refused(&bytes) {
        return Err(InputError::new(name, message).help(help));
    }
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(name, &e))?;
    if bytes.len() as u64 > limits.max_file_size {
        return Err(too_large(name, bytes.len() as u64, limits));
    }
    utf8(bytes, name)
}

fn too_large(name: &str, size: u64, limits: &Limits) -> InputError {
    let (message, help) = limits::file_too_large(size, limits);
    InputError::new(name, message).help(help)
}

pub fn io_error(name: &str, e: &std::io::Error) -> InputError {
    match e.kind() {
        // A link whose target is gone shows in a listing, so "no such file" would puzzle.
        std::io::ErrorKind::NotFound => match std::fs::read_link(name) {
            Ok(target) => InputError::new(
                name,
                format!(
                    "a link to {}, which does not exist",
                    crate::core::terminal::clean(&target.display().to_string())
                ),
            )
            .help("point the link at the export, or remove it"),
            Err(_) => InputError::new(name, crate::core::files::io_reason(e))
                .help("check the path: it is relative to the folder grantlint runs in"),
        },
        _ => InputError::new(
            name,
            format!("cannot read: {}", crate::core::files::io_reason(e)),
        ),
    }
}

/// Test helper: each present field of a grant with its text, line and column.
#[cfg(test)]
pub type Located = Vec<(crate::grant::Field, String, u32, u32)>;

#[cfg(test)]
pub fn located(grant: &Grant) -> Located {
    crate::grant::Field::ALL
        .iter()
        .filter_map(|&f| {
            grant.text(f).map(|t| {
                (
                    f,
                    t.to_string(),
                    grant.span_of(f).line,
                    grant.span_of(f).column,
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::offset_of;

    #[test]
    fn offsets_follow_lines_and_character_columns() {
        let text = "ab\nzoë x\n";
        assert_eq!(offset_of(text, 1, 1), 0);
        assert_eq!(offset_of(text, 2, 1), 3);
        assert_eq!(offset_of(text, 2, 5), 8);
        assert_eq!(offset_of(text, 2, 99), 9);
        assert_eq!(offset_of(text, 9, 1), text.len());
    }
}
