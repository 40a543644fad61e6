//! YAML exports, and JSON through the same parser (YAML 1.2 reads JSON), so that every value
//! keeps its line and column. A top-level list of grants, or a mapping with a `grants:` list;
//! several documents in one file. Grants are handed on one by one as they are read.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Budget, Options, Spanned};

use crate::core::node::{Node, core_schema, location_span as span};
use crate::core::source::{PolicyError, Source};

use super::InputError;
use super::limits::{self, Limits};
use super::understood::{InputMap, Kind};
use crate::core::span::Span;
use crate::grant::declared::Declarations;
use crate::grant::{FIELD_COUNT, Field, Grant};

/// Reads `text`, calling `sink` for every grant.
pub fn load(
    text: &str,
    name: &str,
    limits: &Limits,
    sink: &mut dyn FnMut(&Grant),
) -> Result<usize, InputError> {
    load_mapped(text, name, limits, sink).map(|(count, _)| count)
}

/// `load`, also saying which keys became which field and which were ignored. A file with
/// grants none of whose keys is a grant field is not a grants export: an error.
pub fn load_mapped(
    text: &str,
    name: &str,
    limits: &Limits,
    sink: &mut dyn FnMut(&Grant),
) -> Result<(usize, InputMap), InputError> {
    load_declared(text, name, limits, &Declarations::default(), sink)
}

/// `load_mapped`, also keeping the values of the fields the policy declares (`fields:`).
pub fn load_declared(
    text: &str,
    name: &str,
    limits: &Limits,
    fields: &Declarations,
    sink: &mut dyn FnMut(&Grant),
) -> Result<(usize, InputMap), InputError> {
    let mut reader = GrantReader {
        fields,
        sink,
        max_value_size: limits.max_value_size,
        grant: Grant::default(),
        count: 0,
        known: [None; FIELD_COUNT],
        unknown: Vec::new(),
    };
    let count = read_documents(text, name, limits, &mut reader)?;
    if count > 0 && reader.known.iter().all(Option::is_none) {
        let names: Vec<(String, Span)> = reader
            .unknown
            .iter()
            .map(|(n, at)| (n.clone(), *at))
            .collect();
        let mut error = super::understood::not_an_export(&names, name);
        error.message = error
            .message
            .replace("columns", "keys")
            .replace("column", "key");
        let at = names.first().map_or_else(
            || super::span_at(text.as_bytes(), document_start(text)),
            |(_, at)| *at,
        );
        return Err(error.at(at, Some(&std::sync::Arc::from(text))));
    }
    let names = Field::ALL
        .iter()
        .filter_map(|&f| reader.known[f as usize].map(|at| (f.name().to_string(), at, Some(f))))
        .chain(reader.unknown.into_iter().map(|(n, at)| (n, at, None)))
        .collect();
    Ok((count, InputMap::new(Kind::Keys, names)))
}

fn read_documents(
    text: &str,
    name: &str,
    limits: &Limits,
    reader: &mut GrantReader,
) -> Result<usize, InputError> {
    // One document streams; a file of several documents is read again document by document.
    let single =
        serde_saphyr::with_deserializer_from_str_with_options(text, options(text, limits), |de| {
            DocumentSeed(&mut *reader).deserialize(de)
        });
    match single {
        Ok(()) => Ok(reader.count),
        Err(e)
            if matches!(
                e.without_snippet(),
                serde_saphyr::Error::MultipleDocuments { .. }
            ) =>
        {
            // The first document's grants were handed on already.
            let documents: Vec<Document> =
                serde_saphyr::from_multiple_with_options(text, options(text, limits))
                    .map_err(|e| yaml_error(&e, text, name, limits))?;
            let handed_on = reader.count;
            for record in documents.iter().flat_map(|d| &d.0).skip(handed_on) {
                reader.hand_on(record);
            }
            Ok(reader.count)
        }
        Err(e) => Err(yaml_error(&e, text, name, limits)),
    }
}

/// Budgets that grow with the file, so a million-grant export loads while an alias bomb or a
/// deep nesting still stops early: by default every node must be paid for by input bytes.
pub(crate) fn options(text: &str, limits: &Limits) -> Options {
    let nodes = limits.yaml_nodes(text.len());
    let mut budget = Budget::default();
    budget.max_events = nodes.saturating_mul(2);
    budget.max_nodes = nodes;
    budget.max_total_scalar_bytes = nodes.saturating_mul(2).max(1 << 20);
    budget.max_depth = limits.max_yaml_depth;
    budget.max_aliases = limits.max_yaml_aliases;
    budget.max_anchors = limits.max_yaml_aliases;
    // Many uses of one anchor (one tenant named once, used by every grant) are fine: the node
    // budget already stops an expansion, and this heuristic has no flag to raise it.
    budget.enforce_alias_anchor_ratio = false;
    budget.flow_nesting_limit = limits.max_yaml_depth;
    budget.max_reader_input_bytes = None; // --max-file-size was checked before reading
    budget.max_documents = 10_000;
    let mut options = core_schema();
    options.budget = Some(budget);
    options
}

pub(crate) fn yaml_error(
    e: &serde_saphyr::Error,
    text: &str,
    name: &str,
    limits: &Limits,
) -> InputError {
    let mut inner = e;
    while let serde_saphyr::Error::AliasError { error, .. }
    | serde_saphyr::Error::WithSnippet { error, .. } = inner
    {
        inner = error;
    }
    let first = first_line(&inner.to_string());
    let error = match inner {
        serde_saphyr::Error::Budget { breach, .. } => {
            let (message, help) = limits::yaml_budget(breach, limits, text.len());
            InputError::new(name, message).help(help)
        }
        // The parser's own guard on flow nesting (`[[[[…`), set to the same depth.
        _ if first.starts_with("recursion limit exceeded") => {
            let depth = serde_saphyr::budget::BudgetBreach::Depth { depth: 0 };
            let (message, help) = limits::yaml_budget(&depth, limits, text.len());
            InputError::new(name, message).help(help)
        }
        serde_saphyr::Error::DuplicateMappingKey { key, .. } => InputError::new(
            name,
            match key {
                Some(key) => format!("the key `{}` appears twice in one mapping", clip(key)),
                None => "a key appears twice in one mapping".into(),
            },
        )
        .help("keep one of the two values: grantlint will not guess which one holds"),
        _ if looks_like_csv(text) => InputError::new(name, parser_message(inner)).help(
            "this looks like CSV, not YAML or JSON: read it as CSV (`--input-format csv`, or leave \
             out `--input-format` for a .csv file)",
        ),
        _ => InputError::new(name, parser_message(inner)).help(
            "fix the syntax at this place; grantlint reads a list of grants or a mapping with a `grants:` list",
        ),
    };
    // An error about the document as a whole (a scalar where the grants list should be)
    // comes without a place; it points at the document's first value.
    let at = error_span(e, text).unwrap_or_else(|| {
        let start = super::span_at(text.as_bytes(), document_start(text));
        place(text, start.line, start.column)
    });
    let text: std::sync::Arc<str> = std::sync::Arc::from(text);
    error.at(at, Some(&text))
}

/// The longest value or message quoted back in an error: the value may be a whole file read
/// as one YAML scalar (a CSV given `--input-format yaml`).
const QUOTED_MAX: usize = 60;

/// `text` cut to `QUOTED_MAX` characters on its first line, with `…` where it was cut.
pub(crate) fn clip(text: &str) -> Cow<'_, str> {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(QUOTED_MAX) {
        None if line.len() == text.len() => Cow::Borrowed(text),
        None => Cow::Owned(format!("{line}…")),
        Some((end, _)) => Cow::Owned(format!("{}…", &line[..end])),
    }
}

/// The first line of a parser's message, with anything it quotes cut short.
pub(crate) fn parser_message(e: &serde_saphyr::Error) -> String {
    let first = first_line(&e.to_string());
    // `error: line 3 column 21: unclosed bracket` repeats the place the diagnostic names.
    let mut first = first.strip_prefix("error: ").unwrap_or(&first);
    if let Some((place, rest)) = first.strip_prefix("line ").and_then(|t| t.split_once(": "))
        && place.split(" column ").all(|n| n.parse::<u32>().is_ok())
    {
        first = rest;
    }
    // … and so does a trailing `at line 2, column 25`.
    if let Some((rest, place)) = first.rsplit_once(" at line ")
        && place.split(", column ").all(|n| n.parse::<u32>().is_ok())
    {
        first = rest;
    }
    // serde quotes a mistyped value in full: `invalid type: string "…", expected …`.
    match (first.find('"'), first.rfind("\", expected")) {
        (Some(open), Some(close)) if open < close && close - open > QUOTED_MAX => format!(
            "{}{}\"{}",
            &first[..open + 1],
            clip(&first[open + 1..close]),
            &first[close + 1..]
        ),
        _ => clip_message(first),
    }
}

/// A message of several hundred characters is cut: it quotes input, not advice.
fn clip_message(message: &str) -> String {
    const MESSAGE_MAX: usize = 200;
    match message.char_indices().nth(MESSAGE_MAX) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message.to_string(),
    }
}

/// Parses a YAML file into a spanned tree, or records where its syntax breaks.
pub(crate) fn parse_yaml(source: &Source, errors: &mut Vec<PolicyError>) -> Option<Node> {
    match crate::core::node::parse(&source.text) {
        Ok(root) => Some(root),
        Err(e) => {
            errors.push(PolicyError::new(
                source,
                error_span(&e, &source.text),
                parser_message(&e),
                Some("fix the YAML syntax here".into()),
            ));
            None
        }
    }
}
/// Where a parser error is, as a span whose line, column and underline agree.
pub(crate) fn error_span(e: &serde_saphyr::Error, text: &str) -> Option<Span> {
    let at = e.location().map(span)?;
    Some(place(text, at.line, at.column))
}

/// The span of the character at a parser's 1-based line and column (in characters). Parsers
/// give a line and column but not always a byte offset, so it is derived here, and the snippet
/// underlines the place the message names. A byte-order mark is no column the user sees.
pub(crate) fn place(text: &str, line: u32, column: u32) -> Span {
    let offset = super::offset_of(text, line, column);
    let len = text
        .get(offset..)
        .and_then(|rest| rest.chars().next())
        .map_or(0, char::len_utf8);
    let column = if line == 1 && text.starts_with('\u{FEFF}') {
        column.saturating_sub(1).max(1)
    } else {
        column
    };
    Span {
        line,
        column,
        offset,
        len,
    }
}

/// `at` cut to its first line, for an error about a whole document or item: the snippet shows
/// where it starts, not all of it (a CSV given to a JSON source is one long text).
pub(crate) fn start_of(at: Span, text: &str) -> Span {
    let line_len = text
        .get(at.offset..)
        .and_then(|rest| memchr::memchr(b'\n', rest.as_bytes()))
        .unwrap_or(at.len);
    Span {
        len: at.len.min(line_len),
        ..at
    }
}

/// True when the first line of `text` reads as a CSV header: several delimiters and no
/// `key: value`.
fn looks_like_csv(text: &str) -> bool {
    let start = document_start(text);
    let line = text[start..].lines().next().unwrap_or_default();
    let delimiters = line.matches([',', ';', '\t']).count();
    delimiters >= 2 && !line.contains(": ") && !line.starts_with(['-', '[', '{'])
}

/// The byte offset of the first thing in `text` that is not blank, a comment or a directive.
fn document_start(text: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_start_matches(['\u{FEFF}', ' ', '\t', '\r', '\n']);
        if !content.is_empty() && !content.starts_with(['#', '%']) && !content.starts_with("---") {
            return offset + (line.len() - content.len());
        }
        offset += line.len();
    }
    0
}

/// serde-saphyr's messages may carry their own snippet; the diagnostic draws ours.
fn first_line(message: &str) -> String {
    message
        .lines()
        .next()
        .unwrap_or("cannot parse")
        .trim()
        .to_string()
}

struct GrantReader<'s> {
    sink: &'s mut dyn FnMut(&Grant),
    /// The policy's declared fields, read from keys that are no built-in field.
    fields: &'s Declarations,
    max_value_size: usize,
    grant: Grant,
    count: usize,
    /// Where each field's key was first seen.
    known: [Option<Span>; FIELD_COUNT],
    /// Keys that are no grant field, each once, with the grant it was first seen in.
    unknown: Vec<(String, Span)>,
}

impl GrantReader<'_> {
    fn hand_on(&mut self, record: &Spanned<Record<'_>>) {
        let grant = &mut self.grant;
        grant.clear(span(record.referenced));
        match &record.value {
            Record::Grant(values, extensions, others) => {
                for (other, value) in others {
                    // A handful of distinct keys per file: a short list is the quickest set.
                    if self.unknown.len() < 64 && !self.unknown.iter().any(|(n, _)| n == other) {
                        self.unknown.push((other.to_string(), grant.span));
                    }
                    if let Some(slot) = self.fields.slot_of_key(other) {
                        let field = &self.fields.fields[slot];
                        let at = span(value.referenced);
                        match &value.value {
                            Scalar::Text(text) | Scalar::List(text)
                                if text.len() > self.max_value_size =>
                            {
                                let (message, help) = limits::value_too_long(
                                    &field.name,
                                    text.len(),
                                    self.max_value_size,
                                );
                                grant.problem(None, at, message, &help);
                            }
                            Scalar::Text(text) | Scalar::List(text) => {
                                grant.set_declared(slot, &field.name, field.kind, text, at)
                            }
                            Scalar::Null => {}
                            Scalar::Nested => grant.problem(
                                None,
                                at,
                                format!("{} holds a nested mapping, not a value", field.name),
                                "write a single value here",
                            ),
                        }
                    }
                }
                if let Some(extensions) = extensions {
                    super::extensions::read(grant, extensions);
                }
                let mut given: [Option<Span>; FIELD_COUNT] = [None; FIELD_COUNT];
                for (field, value) in values {
                    let at = span(value.referenced);
                    if let Some(first) = given[*field as usize] {
                        // Two aliases of one field (`approver` and `Approved By`): taking either
                        // could hide a finding, so neither is guessed at.
                        grant.problem(
                            Some(*field),
                            at,
                            format!(
                                "{} is given twice in this grant (first at line {}, column {})",
                                field.name(),
                                first.line,
                                first.column
                            ),
                            "keep one of the two keys",
                        );
                        // Neither value is trusted, so no rule decides on the first one.
                        grant.unset(*field);
                        continue;
                    }
                    given[*field as usize] = Some(at);
                    self.known[*field as usize].get_or_insert(at);
                    match &value.value {
                        Scalar::Text(text) | Scalar::List(text)
                            if text.len() > self.max_value_size =>
                        {
                            let (message, help) = limits::value_too_long(
                                field.name(),
                                text.len(),
                                self.max_value_size,
                            );
                            grant.problem(Some(*field), at, message, &help);
                        }
                        Scalar::Text(text) => grant.set(*field, text, at, false),
                        Scalar::List(text) => grant.set(*field, text, at, true),
                        Scalar::Null => {}
                        Scalar::Nested => grant.problem(
                            Some(*field),
                            at,
                            format!("{} holds a nested mapping, not a value", field.name()),
                            "write a single value here",
                        ),
                    }
                }
            }
            Record::Other(kind) => grant.problem(
                None,
                grant.span,
                format!("expected a grant (a mapping of fields), found {kind}"),
                "each item of the grants list is a mapping such as `id: SUP-1`",
            ),
        }
        grant.finish();
        (self.sink)(grant);
        self.count += 1;
    }
}

/// What a document's grants go to: the checker as they are read, or a list.
trait Records<'de> {
    fn record(&mut self, record: Spanned<Record<'de>>);
}

impl<'de> Records<'de> for GrantReader<'_> {
    fn record(&mut self, record: Spanned<Record<'de>>) {
        self.hand_on(&record);
    }
}

impl<'de> Records<'de> for Vec<Spanned<Record<'de>>> {
    fn record(&mut self, record: Spanned<Record<'de>>) {
        self.push(record);
    }
}

/// A document: a list of grants, a mapping with `grants:`, or nothing.
struct DocumentSeed<'a, R>(&'a mut R);

impl<'de, R: Records<'de>> DeserializeSeed<'de> for DocumentSeed<'_, R> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de, R: Records<'de>> Visitor<'de> for DocumentSeed<'_, R> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of grants or a mapping with a `grants:` list")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    // A document that is one value, such as a CSV file read as YAML (all of it one plain
    // scalar): the value is named by its start, never quoted whole.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        Err(not_grants(&format!("the text `{}`", clip(v))))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Err(not_grants("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Err(not_grants("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(not_grants("a number"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(not_grants("true or false"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(record) = seq.next_element::<Spanned<Record<'de>>>()? {
            self.0.record(record);
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key.trim().eq_ignore_ascii_case("grants") && !found {
                found = true;
                map.next_value_seed(DocumentSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if found {
            Ok(())
        } else {
            Err(de::Error::custom(
                "this mapping has no `grants:` list; write the grants as a list, or under `grants:`",
            ))
        }
    }
}

fn not_grants<E: de::Error>(found: &str) -> E {
    E::custom(format!(
        "expected a list of grants or a mapping with a `grants:` list, found {found}"
    ))
}

/// A whole document kept in memory, for files of several documents.
struct Document<'de>(Vec<Spanned<Record<'de>>>);

impl<'de> de::Deserialize<'de> for Document<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let mut records = Vec::new();
        DocumentSeed(&mut records).deserialize(de)?;
        Ok(Document(records))
    }
}

/// One item of the grants list. Keys outside the alias table are skipped unread.
enum Record<'de> {
    Grant(
        Vec<(Field, Spanned<Scalar<'de>>)>,
        Option<Spanned<super::extensions::Extensions<'de>>>,
        /// Keys that are no grant field, with their values: for the did-you-mean of the
        /// mapping report, and the policy's declared fields.
        Vec<(Cow<'de, str>, Spanned<Scalar<'de>>)>,
    ),
    /// Not a mapping: a scalar or a list where a grant should be.
    Other(&'static str),
}

impl<'de> de::Deserialize<'de> for Record<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(RecordVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Record<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a grant")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record<'de>, A::Error> {
        let mut values = Vec::with_capacity(16);
        let mut extensions = None;
        let mut others = Vec::new();
        while let Some(FieldKey(key)) = map.next_key()? {
            match key {
                Key::Field(field) => values.push((field, map.next_value()?)),
                Key::Extensions if extensions.is_none() => extensions = Some(map.next_value()?),
                Key::Extensions | Key::Other(None) => {
                    map.next_value::<IgnoredAny>()?;
                }
                Key::Other(Some(name)) => {
                    let value = map.next_value()?;
                    others.push((name, value));
                }
            }
        }
        Ok(Record::Grant(values, extensions, others))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Record<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Record::Other("a list"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Record<'de>, E> {
        Ok(Record::Other("text"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Record<'de>, E> {
        Ok(Record::Other("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Record<'de>, E> {
        Ok(Record::Other("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Record<'de>, E> {
        Ok(Record::Other("a number"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Record<'de>, E> {
        Ok(Record::Other("true or false"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Record<'de>, E> {
        Ok(Record::Other("an empty item"))
    }
}

/// A grant's key: a field resolved through the alias table, the `extensions` list, or a key
/// grantlint does not check (with its name when it is text).
pub(super) enum Key<'de> {
    Field(Field),
    Extensions,
    Other(Option<Cow<'de, str>>),
}

pub(super) struct FieldKey<'de>(pub(super) Key<'de>);

impl<'de> de::Deserialize<'de> for FieldKey<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(FieldKeyVisitor)
    }
}

struct FieldKeyVisitor;

impl FieldKeyVisitor {
    fn key<'de>(key: &str, name: impl FnOnce() -> Cow<'de, str>) -> FieldKey<'de> {
        FieldKey(match Field::from_key(key) {
            Some(field) => Key::Field(field),
            None if key.trim().eq_ignore_ascii_case("extensions") => Key::Extensions,
            None => Key::Other(Some(name())),
        })
    }
}

impl<'de> Visitor<'de> for FieldKeyVisitor {
    type Value = FieldKey<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<FieldKey<'de>, E> {
        Ok(Self::key(key, || Cow::Borrowed(key)))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<FieldKey<'de>, E> {
        Ok(Self::key(key, || Cow::Owned(key.to_string())))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<FieldKey<'de>, E> {
        Ok(FieldKey(Key::Other(None)))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<FieldKey<'de>, E> {
        Ok(FieldKey(Key::Other(None)))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<FieldKey<'de>, E> {
        Ok(FieldKey(Key::Other(None)))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<FieldKey<'de>, E> {
        Ok(FieldKey(Key::Other(None)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<FieldKey<'de>, E> {
        Ok(FieldKey(Key::Other(None)))
    }
}

/// A field's value: text (numbers and booleans as written), a list of texts, or something a
/// grant field cannot hold.
pub(super) enum Scalar<'de> {
    Text(Cow<'de, str>),
    List(Cow<'de, str>),
    Null,
    Nested,
}

impl<'de> de::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Owned(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_string())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_string())))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_string())))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_string())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar<'de>, A::Error> {
        let mut joined = String::new();
        let mut nested = false;
        while let Some(item) = seq.next_element::<Scalar<'de>>()? {
            match item {
                Scalar::Text(text) => {
                    if !joined.is_empty() {
                        joined.push_str(", ");
                    }
                    joined.push_str(&text);
                }
                Scalar::Null => {}
                Scalar::List(_) | Scalar::Nested => nested = true,
            }
        }
        Ok(if nested {
            Scalar::Nested
        } else {
            Scalar::List(Cow::Owned(joined))
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Nested)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<crate::load::Located>, String> {
        let mut out = Vec::new();
        load(text, "t.yaml", &Limits::default(), &mut |g: &Grant| {
            out.push(crate::load::located(g))
        })
        .map_err(|e| e.to_string())?;
        Ok(out)
    }

    #[test]
    fn reads_a_list_and_locates_values() {
        let got =
            read("- id: SUP-1\n  Approved by: Ravi Patel\n  colour: blue\n- id: 2\n").unwrap();
        assert_eq!(
            got[0],
            vec![
                (Field::Id, "SUP-1".into(), 1, 7),
                (Field::Approver, "Ravi Patel".into(), 2, 16)
            ]
        );
        assert_eq!(got[1], vec![(Field::Id, "2".into(), 4, 7)]);
    }

    #[test]
    fn reads_a_grants_mapping_and_several_documents() {
        let got = read("team: x\ngrants:\n  - id: a\n---\n- id: b\n").unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(read("---\n---\n- id: a\n---\n- id: b\n").unwrap().len(), 2);
        assert_eq!(got[1][0], (Field::Id, "b".into(), 5, 7));
    }

    #[test]
    fn reads_json_with_locations() {
        let got = read(
            "{\"grants\": [\n  {\"id\": \"A\", \"tenant\": \"t-1\", \"start\": 1795442700}\n]}",
        )
        .unwrap();
        assert_eq!(got[0][0], (Field::Id, "A".into(), 2, 10));
        assert_eq!(got[0][1], (Field::Tenant, "t-1".into(), 2, 25));
        assert_eq!(got[0][2].1, "1795442700");
    }

    #[test]
    fn lists_and_empty_values() {
        let got = read("- tenant: [a, b]\n  reason: ''\n  approver: ~\n").unwrap();
        assert_eq!(got[0], vec![(Field::Tenant, "a, b".into(), 1, 11)]);
    }

    #[test]
    fn broken_syntax_is_a_located_error() {
        let e = read("- id: a\n  tenant: [unclosed\n").unwrap_err();
        assert!(e.starts_with("t.yaml:"), "{e}");
        let e = read("owner: x\n").unwrap_err();
        assert!(e.contains("no `grants:` list"), "{e}");
        let e = read("# just a note\n---\n  just text\n").unwrap_err();
        assert!(e.starts_with("t.yaml:3:3: "), "{e}");
    }

    #[test]
    fn values_keep_their_spelling_under_yaml_1_2() {
        let got =
            read("- {tenant: NO, approver: yes, ticket: 0042, id: 1_000, owner: True}\n").unwrap();
        let values: Vec<&str> = got[0].iter().map(|(_, v, _, _)| v.as_str()).collect();
        assert_eq!(values, ["1_000", "NO", "yes", "true", "0042"]);
    }

    #[test]
    fn quoted_values_are_cut_at_sixty_characters_on_their_first_line() {
        assert!(matches!(clip("Ravi Patel"), Cow::Borrowed("Ravi Patel")));
        assert_eq!(clip("id,tenant\nA,t-1\n"), "id,tenant…");
        let long = "é".repeat(70);
        assert_eq!(clip(&long), format!("{}…", "é".repeat(60)));
        // A whole file read as one scalar is named by its start.
        let e = read(&format!("{}\n", "id,tenant,approver,".repeat(10_000))).unwrap_err();
        assert!(e.len() < 200, "{e}");
        assert!(
            e.ends_with(
                "found the text `id,tenant,approver,id,tenant,approver,id,tenant,approver,id,…`"
            ),
            "{e}"
        );
    }

    #[test]
    fn an_empty_file_has_no_grants() {
        assert_eq!(read("").unwrap().len(), 0);
        assert_eq!(read("# nothing yet\n").unwrap().len(), 0);
    }
}
