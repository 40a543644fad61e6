//! Which files a run reads: the command line's paths expanded, less hidden files, grantlint's
//! own files and what the policy's `inputs:` or `--exclude` leave out. It sits above `policy`
//! (it reads the policy's globs and the policy files it finds) and below the commands.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::core::terminal::clean;
use crate::load::{Format, Input, InputError, Origin, ReadOptions, read_stdin};

/// The end of a policy test's expectations file (`case.expect.yaml`): grantlint's own.
pub const EXPECT: &str = ".expect.yaml";

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

/// The header lines of the tables `report --attachments` writes (src/review/attachments.rs;
/// tests/review.rs holds the two equal): rows of grants and findings, never an export.
const REVIEW_ATTACHMENTS: [&str; 3] = [
    "grant,tenant,grantee,owner,ticket,state,expires,overdue,action,file,line",
    "rule,severity,status,grant,tenant,grantee,approver,message,file,line,column",
    "id,tenant,grantee,role,reason,approver,start,end,state,findings,file,line",
];

/// grantlint's own files recognised by their first bytes: what it writes (a JSON report, a
/// baseline, a CSV of findings) and a waiver file, none of which can be a grants export. Each
/// begins the same way whatever it holds, so a short head is enough.
fn own_by_content(path: &Path) -> Option<&'static str> {
    // A pipe or device named by a hook would block or be consumed: only regular files, and
    // only those grantlint may read at all.
    if !path.is_file() || crate::core::files::check(path, None).is_err() {
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
    if squeezed.starts_with(r#"{"version":"15.0.7","scan":{"analyzer":{"id":"grantlint""#) {
        return Some("a GitLab security report grantlint wrote");
    }
    let first_line = head
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    if first_line.starts_with("file,line,column,severity,rule,grant,") {
        return Some("a CSV of findings grantlint wrote");
    }
    if REVIEW_ATTACHMENTS.contains(&first_line.trim_end()) {
        return Some("a table the weekly review attached");
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
    if name.ends_with(EXPECT) {
        return Some("a policy test's expectations");
    }
    let stem = path.file_stem()?.to_str()?;
    let expectation = path.with_file_name(format!("{stem}{EXPECT}"));
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
        paths: paths.iter().map(|p| name_of(p)).collect(),
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
        let name = name_of(path);
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
        let by_source = options.source.map(crate::load::adapters::Source::format);
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

/// How a file is named in every report: its path, with control characters written as escapes,
/// so that a file named `a\n::error::x` cannot start a line a CI system runs as a command.
pub fn name_of(path: &Path) -> String {
    let name = path.display().to_string();
    if !name.chars().any(char::is_control) {
        return name;
    }
    name.chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect()
}

/// Names a file left out, under `-v`.
fn note(options: &ReadOptions, path: &Path, why: &str) {
    if options.verbose {
        eprintln!("grantlint: skipping {} ({why})", clean(&name_of(path)));
    }
}

/// Whether a folder search reached a linked folder that leads outside the repository,
/// whose files are not read (`core::files::check`).
fn linked_outside(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0
        && entry.path_is_symlink()
        && entry.file_type().is_dir()
        && std::fs::canonicalize(entry.path())
            .is_ok_and(|resolved| !crate::core::files::leads_within(entry.path(), &resolved))
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
            if !hidden && !packages && linked_outside(entry) {
                // Each file under it would be refused on its own: said once, not descended.
                eprintln!(
                    "grantlint: not searching {}: a link to a folder outside the repository \
                     (pass --allow-outside-root to search it)",
                    clean(&name_of(entry.path()))
                );
                return false;
            }
            if hidden || packages {
                let path = name_of(entry.path());
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
                let name = name_of(e.path().unwrap_or(root));
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
            name: name_of(&path),
            origin: Origin::Path(path),
            format,
        });
    }
}
