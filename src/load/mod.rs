//! Finding input files and reading them into `Grant`s. Loaders know nothing of rules.

pub mod adapters;
pub mod csv;
pub mod extensions;
pub mod limits;
pub mod mapping;
pub mod understood;
pub mod yaml;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};

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
    fn from_extension(path: &Path) -> Option<Format> {
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
        if let Some(text) = text.filter(|_| crate::core::terminal::drawable(span)) {
            self.source_code = Some(snippet_source(&self.file, Arc::clone(text)));
            self.label = Some(SourceSpan::new(span.offset.into(), span.len));
        }
        self
    }
}

/// Expands the command line's paths into inputs, in the order given; a folder's files in name
/// order. Paths that cannot be walked become errors, and the walk goes on. Skips only hidden
/// and unsupported files: [`discover_with`] also leaves out grantlint's own files and excludes.
pub fn discover(paths: &[PathBuf], options: &ReadOptions) -> (Vec<Input>, Vec<InputError>) {
    let found = discover_with(paths, options, &Selection::default());
    (found.inputs, found.errors)
}

/// Why a file is not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// grantlint's own: a policy, its people file, waivers, a baseline, a report it writes,
    /// a policy test.
    Own,
    /// A tool's manifest such as `package.json`: never a grants export.
    NotExport,
    /// Matched by `--exclude` or the policy's `inputs.exclude`.
    Excluded,
    /// Outside the policy's `inputs.include`.
    NotIncluded,
    /// Not .yaml, .yml, .csv, .json, .jsonl or .ndjson.
    Unsupported,
    /// In a hidden folder (`.github/`) or `node_modules/`, or hidden itself: named by a hook
    /// (a folder search does not enter them, and does not count them).
    Hidden,
}

/// What a search leaves out besides hidden and unsupported files. It applies to the files
/// found in folders; a file named on the command line is always read, unless `from_hook` says
/// the names come from a hook (pre-commit), which passes every changed file.
#[derive(Default)]
pub struct Selection<'p> {
    /// grantlint's own files (absolute), each with what it is.
    own: Vec<(PathBuf, String)>,
    /// `--exclude`, or why it cannot be compiled.
    exclude: Option<Result<crate::policy::inputs::Globs, String>>,
    /// The policy's `inputs:`.
    policy: Option<&'p crate::policy::inputs::Inputs>,
    from_hook: bool,
}

impl<'p> Selection<'p> {
    /// Leaves out the policy's own files (the policy, the files it extends, its people file),
    /// what its `inputs:` excludes or does not include, and what `exclude` globs (relative to
    /// the current folder) match.
    pub fn new(policy: &'p crate::policy::Policy, exclude: &[String]) -> Selection<'p> {
        let mut selection = Selection {
            policy: Some(&policy.inputs),
            ..Selection::default()
        };
        for (path, what) in policy.own_files() {
            selection = selection.own(Some(&path), what);
        }
        if !exclude.is_empty() {
            let globs =
                crate::policy::inputs::Globs::new(Path::new(""), "--exclude".into(), exclude)
                    .map_err(|(i, why)| {
                        let glob = exclude.get(i).map_or("", String::as_str);
                        format!("invalid glob `{glob}` given to --exclude: {why}")
                    });
            selection.exclude = Some(globs);
        }
        selection
    }

    /// Leaves out `path` (when given), naming it as `what` under `-v`.
    pub fn own(mut self, path: Option<&Path>, what: &str) -> Selection<'p> {
        if let Some(path) = path {
            self.own.push((same_file_key(path), what.to_string()));
        }
        self
    }

    /// Applies the selection to files named on the command line too.
    pub fn from_hook(mut self, from_hook: bool) -> Selection<'p> {
        self.from_hook = from_hook;
        self
    }

    /// Why `path` is not read, with the detail `-v` names; `None` when it is read. `found` are
    /// more of grantlint's own files, referred to by policy files found while searching;
    /// `searched` is the folder given on the command line that `path` was found in.
    fn skip(
        &self,
        path: &Path,
        searched: Option<&Path>,
        found: &[(PathBuf, String)],
    ) -> Option<(Skip, String)> {
        if !self.own.is_empty() || !found.is_empty() {
            let key = same_file_key(path);
            if let Some((_, what)) = self.own.iter().chain(found).find(|(own, _)| *own == key) {
                return Some((Skip::Own, format!("grantlint's own: {what}")));
            }
        }
        if let Some(what) = own_by_name(path) {
            return Some((Skip::Own, format!("grantlint's own: {what}")));
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if NOT_EXPORTS.contains(&name) || name.ends_with(".schema.json") {
            return Some((Skip::NotExport, "a tool's file, not a grants export".into()));
        }
        let path = crate::policy::inputs::absolute(path);
        let policy = self.policy;
        let excluded_by = |globs: &'p crate::policy::inputs::Globs| {
            let glob = globs.matching(&path);
            (glob, &globs.origin)
        };
        // --exclude is written from the current folder; in a folder searched outside it, from
        // that folder, so `--exclude archive` works wherever the exports are.
        let by_flag = self
            .exclude
            .as_ref()
            .and_then(|e| e.as_ref().ok())
            .map(|globs| {
                let glob = match searched {
                    Some(folder) if !globs.governs(&path) => {
                        globs.matching_from(&crate::policy::inputs::absolute(folder), &path)
                    }
                    _ => globs.matching(&path),
                };
                (glob, &globs.origin)
            });
        // The policy's `inputs:` decide only inside the policy's folder (its repository).
        let by_policy = policy.and_then(|p| p.exclude.as_ref()).map(excluded_by);
        for (glob, from) in [by_flag, by_policy].into_iter().flatten() {
            if let Some(glob) = glob {
                return Some((Skip::Excluded, format!("excluded by `{glob}` ({from})")));
            }
        }
        if let Some(include) = policy.and_then(|p| p.include.as_ref())
            && include.governs(&path)
            && include.matching(&path).is_none()
        {
            let from = &include.origin;
            return Some((
                Skip::NotIncluded,
                format!("not in `inputs.include` ({from})"),
            ));
        }
        // Last, as it reads the file's first bytes.
        own_by_content(&path).map(|what| (Skip::Own, format!("grantlint's own: {what}")))
    }
}

/// grantlint's own files recognised by their first bytes: what it writes (a JSON report, a
/// baseline, a CSV of findings) and a waiver file, none of which can be a grants export. Each
/// begins the same way whatever it holds, so a short head is enough.
fn own_by_content(path: &Path) -> Option<&'static str> {
    // A pipe or device named by a hook would block or be consumed: only regular files.
    if !path.is_file() {
        return None;
    }
    let mut head = Vec::with_capacity(HEAD);
    std::fs::File::open(path)
        .and_then(|file| file.take(HEAD as u64).read_to_end(&mut head))
        .ok()?;
    let head = String::from_utf8_lossy(&head);
    let squeezed: String = head.chars().filter(|c| !c.is_whitespace()).collect();
    if squeezed.starts_with(r#"{"version":1,"tool":{"name":"grantlint""#) {
        return Some("a report grantlint wrote");
    }
    if squeezed.starts_with(r#"{"version":1,"entries":["#) {
        return Some("a baseline");
    }
    if squeezed.starts_with(r#"[{"type":"issue","check_name":""#) {
        return Some("a GitLab Code Quality report");
    }
    let first_line = head
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    if first_line.starts_with("file,line,column,severity,rule,grant,") {
        return Some("a CSV of findings grantlint wrote");
    }
    // A waiver file is a mapping with `waivers:`; a grants file is a list or has `grants:`.
    let top_level = |key: &str| head.lines().any(|line| line.starts_with(key));
    if top_level("waivers:") && !top_level("grants:") && !top_level("- ") {
        return Some("a waiver file");
    }
    None
}

/// How much of a file [`own_by_content`] reads.
const HEAD: usize = 4096;

/// Tools' own files that share an export's extension but never hold grants; their folders'
/// other files are still read. `.github/`, `.gitlab-ci.yml` and other hidden paths are not
/// searched at all.
const NOT_EXPORTS: &[&str] = &[
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "composer.json",
    "tsconfig.json",
    "jsconfig.json",
    "deno.json",
    "renovate.json",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.yml",
    "compose.yaml",
    "mkdocs.yml",
    "action.yml",
    "action.yaml",
];

/// Folders a search never enters: installed packages, never exports.
const NOT_SEARCHED: &[&str] = &["node_modules"];

/// grantlint's own files recognised by name: a policy file, and a policy test (an
/// expectation, or the export beside one, which `grantlint test` checks and which is written
/// to fail).
fn own_by_name(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    if crate::policy::locate::FILE_NAMES.contains(&name) {
        return Some("a policy file");
    }
    if name.ends_with(crate::verify::EXPECT) {
        return Some("a policy test's expectations");
    }
    let stem = path.file_stem()?.to_str()?;
    let expectation = path.with_file_name(format!("{stem}{}", crate::verify::EXPECT));
    expectation
        .is_file()
        .then_some("a policy test's export (`grantlint test` checks it)")
}

/// A path to compare with another for being the same file: the real path when it exists,
/// else the absolute one.
fn same_file_key(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| crate::policy::inputs::absolute(path))
}

/// The inputs a search found, what went wrong, and what it left out.
#[derive(Debug, Default)]
pub struct Discovery {
    pub inputs: Vec<Input>,
    pub errors: Vec<InputError>,
    /// The paths given, as given.
    pub paths: Vec<String>,
    /// How many files were looked at: found in folders (hidden ones not counted) or named.
    pub looked_at: usize,
    /// How many files were left out, by why.
    pub skipped: Vec<(Skip, usize)>,
    /// True when a folder was searched; false when every path named a file (or `-`).
    pub searched_folder: bool,
}

/// Why a search left nothing to read.
#[derive(Debug, PartialEq, Eq)]
pub enum Nothing {
    /// `--from-hook`: every file the hook named is grantlint's own or left out by the policy,
    /// so the change touched no export.
    Unchanged(String),
    /// Nothing to check: the run must not pass.
    Found(String),
}

impl Discovery {
    fn count(&mut self, why: Skip) {
        match self.skipped.iter_mut().find(|(w, _)| *w == why) {
            Some((_, n)) => *n += 1,
            None => self.skipped.push((why, 1)),
        }
    }

    /// How many files were left out for `why`.
    pub fn skipped(&self, why: Skip) -> usize {
        self.skipped
            .iter()
            .find(|(w, _)| *w == why)
            .map_or(0, |(_, n)| *n)
    }

    /// `Some` when nothing is left to read and no error says why, with the message naming the
    /// paths searched and what was left out.
    pub fn nothing_to_check(&self, from_hook: bool) -> Option<Nothing> {
        if !self.inputs.is_empty() || !self.errors.is_empty() {
            return None;
        }
        let paths: Vec<String> = self
            .paths
            .iter()
            .map(|p| format!("`{}`", clean(p)))
            .collect();
        let files = |n: usize| {
            if n == 1 {
                "1 file".to_string()
            } else {
                format!("{n} files")
            }
        };
        let mut parts = Vec::new();
        for (why, what) in [
            (Skip::Own, "grantlint's own"),
            (Skip::NotExport, "tools' files, not grants exports"),
            (
                Skip::Excluded,
                "excluded by --exclude or the policy's `inputs.exclude`",
            ),
            (Skip::NotIncluded, "not in the policy's `inputs.include`"),
            (Skip::Unsupported, "not .yaml, .yml, .csv, .json or .jsonl"),
            (Skip::Hidden, "hidden or installed packages"),
        ] {
            let n = self.skipped(why);
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        let detail = if parts.is_empty() {
            String::new()
        } else {
            format!(": {}", parts.join(", "))
        };
        let message = format!(
            "no grant exports found in {} (searched {}{detail})",
            paths.join(", "),
            files(self.looked_at)
        );
        if from_hook && !self.searched_folder {
            return Some(Nothing::Unchanged(format!(
                "nothing to check: {} named, none of them a grants export the policy reads",
                files(self.looked_at)
            )));
        }
        let help = if self.looked_at == 0 {
            "; check the path, or give the export files themselves"
        } else {
            "; run with -v to name each file left out, or check the policy's `inputs:`"
        };
        Some(Nothing::Found(format!("{message}{help}")))
    }
}

/// [`discover`], leaving out what `selection` says (see [`Selection`]), and counting it.
pub fn discover_with(paths: &[PathBuf], options: &ReadOptions, selection: &Selection) -> Discovery {
    let mut found = Discovery {
        paths: paths.iter().map(|p| p.display().to_string()).collect(),
        ..Discovery::default()
    };
    if let Some(Err(why)) = &selection.exclude {
        found
            .errors
            .push(InputError::new("--exclude", why.clone()).help(
                crate::policy::inputs::GLOB_HELP.replace("the policy file's", "the current"),
            ));
        return found;
    }
    for path in paths {
        let name = path.display().to_string();
        if name == "-" {
            found.looked_at += 1;
            match read_stdin(options) {
                Ok(input) => found.inputs.push(input),
                Err(e) => found.errors.push(e),
            }
            continue;
        }
        if path.is_dir() {
            found.searched_folder = true;
            walk_folder(path, options, selection, &mut found);
            continue;
        }
        if path.exists() {
            found.looked_at += 1;
        }
        if selection.from_hook
            && path.exists()
            && let Some((why, detail)) = hidden(path).or_else(|| selection.skip(path, None, &[]))
        {
            note(options, path, &detail);
            found.count(why);
            continue;
        }
        let by_source = options.source.map(adapters::Source::format);
        match options
            .format
            .or_else(|| Format::from_extension(path))
            .or(by_source)
        {
            Some(format) => found.inputs.push(Input {
                name,
                origin: Origin::Path(path.clone()),
                format,
            }),
            None if !path.exists() => found
                .errors
                .push(InputError::new(&name, "no such file or folder")),
            None => found.errors.push(
                InputError::new(&name, "cannot tell the format from the file name")
                    .help("name it .yaml, .yml, .csv or .json, or pass --input-format"),
            ),
        }
    }
    found
}

/// `Some` when a named path is in a folder a search would not enter, or is hidden itself.
fn hidden(path: &Path) -> Option<(Skip, String)> {
    path.components().find_map(|part| match part {
        std::path::Component::Normal(name) => {
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                Some((Skip::Hidden, "hidden".to_string()))
            } else if NOT_SEARCHED.contains(&&*name) {
                Some((Skip::Hidden, "installed packages".to_string()))
            } else {
                None
            }
        }
        _ => None,
    })
}

/// Names a file left out, under `-v`.
fn note(options: &ReadOptions, path: &Path, why: &str) {
    if options.verbose {
        let path = path.display().to_string();
        eprintln!("grantlint: skipping {} ({why})", clean(&path));
    }
}

fn walk_folder(root: &Path, options: &ReadOptions, selection: &Selection, found: &mut Discovery) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            let name = entry.file_name().to_string_lossy();
            let hidden = entry.depth() > 0 && name.starts_with('.');
            let packages = entry.file_type().is_dir() && NOT_SEARCHED.contains(&&*name);
            if hidden || packages {
                let path = entry.path().display().to_string();
                let what = if hidden {
                    "hidden"
                } else {
                    "installed packages"
                };
                if options.verbose {
                    eprintln!("grantlint: skipping {what} {}", clean(&path));
                }
            }
            !hidden && !packages
        });
    // Policy files found here refer to files (people, bases) that may come earlier in name
    // order, so every file is found first and chosen after.
    let mut referred = Vec::new();
    let mut candidates = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let name = e.path().unwrap_or(root).display().to_string();
                let why = if e.loop_ancestor().is_some() {
                    "a symbolic link loops back to a folder above it".to_string()
                } else {
                    e.io_error()
                        .map_or_else(|| e.to_string(), ToString::to_string)
                };
                found.errors.push(InputError::new(&name, why));
                continue;
            }
        };
        if entry.file_type().is_dir() {
            // `.grantlint.yaml` is hidden, so it is looked for rather than found.
            for policy_name in crate::policy::locate::FILE_NAMES {
                let policy = entry.path().join(policy_name);
                if policy.is_file() {
                    for (path, what) in crate::policy::inputs::references(&policy) {
                        referred.push((same_file_key(&path), what.to_string()));
                    }
                }
            }
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        found.looked_at += 1;
        match Format::from_extension(entry.path()) {
            Some(format) => candidates.push((entry.into_path(), format)),
            None => {
                note(options, entry.path(), "not .yaml, .yml, .csv or .json");
                found.count(Skip::Unsupported);
            }
        }
    }
    for (path, format) in candidates {
        if let Some((why, detail)) = selection.skip(&path, Some(root), &referred) {
            note(options, &path, &detail);
            found.count(why);
            continue;
        }
        found.inputs.push(Input {
            name: path.display().to_string(),
            origin: Origin::Path(path),
            format,
        });
    }
}

fn read_stdin(options: &ReadOptions) -> Result<Input, InputError> {
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
            yaml::load_mapped(&text, &input.name, limits, sink).map(|(n, map)| (n, Some(map)))
        }
    }
}

/// A CSV file opened to be read in segments on several threads (`csv::Segments`), its
/// header read; `None` for standard input, pipes and devices, which `load` reads.
pub fn segments(
    input: &Input,
    options: &ReadOptions,
) -> Result<Option<csv::Segments<std::fs::File>>, InputError> {
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

/// Opens an input read-only, refusing a file above `--max-file-size` before reading it.
fn open(path: &Path, name: &str, limits: &Limits) -> Result<std::fs::File, InputError> {
    let file = std::fs::File::open(path).map_err(|e| io_error(name, &e))?;
    match file.metadata() {
        Ok(m) if m.is_dir() => Err(InputError::new(name, "this is a folder, not a file")),
        Ok(m) if m.len() > limits.max_file_size => Err(too_large(name, m.len(), limits)),
        _ => Ok(file),
    }
}

/// Reads at most `--max-file-size` bytes (and one more, to notice a longer input) as UTF-8.
fn read_limited(reader: impl Read, name: &str, limits: &Limits) -> Result<Arc<str>, InputError> {
    let mut bytes = Vec::new();
    reader
        .take(limits.max_file_size.saturating_add(1))
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
            Err(_) => InputError::new(name, io_reason(e))
                .help("check the path: it is relative to the folder grantlint runs in"),
        },
        _ => InputError::new(name, format!("cannot read: {}", io_reason(e))),
    }
}

/// Why a file cannot be read, in plain words: most paths that are not there never were.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
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
