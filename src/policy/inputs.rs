//! The policy's `inputs:`: which files a folder search reads, and the files a policy refers to,
//! which a search must never read as grants.
//!
//! ```yaml
//! inputs:
//!   include: [exports/**]              # read only these (default: every export found)
//!   exclude: [exports/archive, "*.bak.csv"]
//! ```
//!
//! Globs are written from the folder of the policy file that holds them, as `people:` and
//! `extends` are. A glob with a `/` matches the path from that folder; one without matches a
//! file or folder name at any depth (`*.bak.csv`, `archive`). A glob that matches a folder
//! matches everything in it. `*` and `?` stay within one name; `**` crosses folders. Later
//! layers replace a list whole, key by key, as in `mapping:`.

use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::Policy;
use crate::core::node::{Node, Value, span};
use crate::core::source::{PolicyError, Source, did_you_mean};

const KEYS: [&str; 2] = ["include", "exclude"];

/// The policy's `inputs:` after layering.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Read only files these match; every export when `None`.
    pub include: Option<Globs>,
    /// Never read files these match.
    pub exclude: Option<Globs>,
}

/// A list of globs, written from one folder.
#[derive(Debug)]
pub struct Globs {
    /// The folder the globs are written from: absolute, with `.` and `..` folded away.
    base: PathBuf,
    /// Where the list was written, for `-v` notes: `grantlint.yaml`, or `--exclude`.
    pub origin: String,
    /// Globs with a `/`: matched against the path from `base` and each folder above it.
    rooted: GlobSet,
    rooted_texts: Vec<String>,
    /// Globs without a `/`: matched against each name along the path.
    named: GlobSet,
    named_texts: Vec<String>,
}

/// Compiles one glob as a path glob: `*` stays within a name. `Err` says what is wrong.
pub fn compile(text: &str) -> Result<globset::Glob, String> {
    let text = tidy(text);
    if text.is_empty() {
        return Err("an empty glob matches nothing".into());
    }
    GlobBuilder::new(text)
        .literal_separator(true)
        .build()
        .map_err(|e| e.kind().to_string())
}

/// A glob as matched: without a leading `./` or `/` (both mean the base folder) or a trailing
/// `/` (a folder matches everything in it anyway).
fn tidy(text: &str) -> &str {
    let text = text.trim();
    let text = text.strip_prefix("./").unwrap_or(text);
    let text = text.trim_start_matches('/');
    text.trim_end_matches('/')
}

impl Globs {
    /// Builds the globs in `texts`, written from `base`. `Err` names the first bad glob's index
    /// and what is wrong with it.
    pub fn new(base: &Path, origin: String, texts: &[String]) -> Result<Globs, (usize, String)> {
        let mut rooted = GlobSetBuilder::new();
        let mut named = GlobSetBuilder::new();
        let (mut rooted_texts, mut named_texts) = (Vec::new(), Vec::new());
        for (i, text) in texts.iter().enumerate() {
            let glob = compile(text).map_err(|why| (i, why))?;
            if tidy(text).contains('/') {
                rooted.add(glob);
                rooted_texts.push(text.clone());
            } else {
                named.add(glob);
                named_texts.push(text.clone());
            }
        }
        let build = |set: GlobSetBuilder| set.build().map_err(|e| (0, e.kind().to_string()));
        Ok(Globs {
            base: absolute(base),
            origin,
            rooted: build(rooted)?,
            rooted_texts,
            named: build(named)?,
            named_texts,
        })
    }

    /// True when `path` (absolute, as [`absolute`] makes it) is inside the folder the globs
    /// are written from, where they decide.
    pub fn governs(&self, path: &Path) -> bool {
        path.starts_with(&self.base)
    }

    /// The glob that matches `path` (absolute, as [`absolute`] makes it), if one does. A path
    /// outside the globs' folder matches none.
    pub fn matching(&self, path: &Path) -> Option<&str> {
        self.matching_from(&self.base, path)
    }

    /// The glob that matches `path` as seen from `base` (both absolute), if one does.
    pub fn matching_from(&self, base: &Path, path: &Path) -> Option<&str> {
        let relative = path.strip_prefix(base).ok()?;
        for name in relative.components() {
            if let Component::Normal(name) = name
                && let Some(&i) = self.named.matches(Path::new(name)).first()
            {
                return Some(&self.named_texts[i]);
            }
        }
        relative
            .ancestors()
            .filter(|p| !p.as_os_str().is_empty())
            .find_map(|p| {
                self.rooted
                    .matches(p)
                    .first()
                    .map(|&i| &self.rooted_texts[i])
            })
            .map(String::as_str)
    }
}

/// `path` made absolute from the current folder, with `.` and `..` folded away (without
/// following links, so that it reads as the user wrote it).
pub fn absolute(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    let joined = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut folded = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                folded.pop();
            }
            other => folded.push(other),
        }
    }
    folded
}

/// The folder a policy file's relative paths are written from.
fn folder_of(source: &Source) -> &Path {
    Path::new(&source.name).parent().unwrap_or(Path::new(""))
}

impl Inputs {
    /// Adds one layer's `inputs:`, collecting every problem with its place.
    pub fn add_layer(&mut self, source: &Source, node: &Node, errors: &mut Vec<PolicyError>) {
        let is = ("inputs", "a mapping with `include` and/or `exclude`");
        let help = "write e.g. `inputs: {exclude: [\"archive/**\"]}`";
        let entries = crate::core::source::section_entries(source, node, is, Some(help), errors);
        for (key, value) in entries {
            let name = key.value.as_scalar().unwrap_or("");
            let slot = match name {
                "include" => &mut self.include,
                "exclude" => &mut self.exclude,
                _ => {
                    errors.push(PolicyError::new(
                        source,
                        Some(span(key)),
                        format!("unknown key `{name}` in `inputs`"),
                        did_you_mean(name, KEYS)
                            .or_else(|| Some("`inputs` has `include` and `exclude`".into())),
                    ));
                    continue;
                }
            };
            if let Some(globs) = read_globs(source, name, value, errors) {
                *slot = Some(globs);
            }
        }
    }
}

/// One list of globs (a single glob may be written without the list), every bad one located.
fn read_globs(
    source: &Source,
    key: &str,
    node: &Node,
    errors: &mut Vec<PolicyError>,
) -> Option<Globs> {
    let items: Vec<&Node> = match &node.value {
        Value::List(items) => items.iter().collect(),
        Value::Text(_) => vec![node],
        Value::Null => return None,
        other => {
            errors.push(PolicyError::new(
                source,
                Some(span(node)),
                format!("`{key}` is a list of globs, not {}", other.kind()),
                Some(format!("write e.g. `{key}: [\"exports/**\"]`")),
            ));
            return None;
        }
    };
    if items.is_empty() && key == "include" {
        errors.push(PolicyError::new(
            source,
            Some(span(node)),
            "`include: []` would read nothing",
            Some("list the globs to read, or leave `include` out to read every export".into()),
        ));
        return None;
    }
    let before = errors.len();
    let mut texts = Vec::new();
    for item in items {
        let Some(text) = item.value.as_scalar() else {
            errors.push(PolicyError::new(
                source,
                Some(span(item)),
                format!("a glob is text, not {}", item.value.kind()),
                None,
            ));
            continue;
        };
        match compile(text) {
            Ok(_) => texts.push(text.to_string()),
            Err(why) => errors.push(PolicyError::new(
                source,
                Some(span(item)),
                format!("invalid glob `{text}` in `inputs.{key}`: {why}"),
                Some(GLOB_HELP.into()),
            )),
        }
    }
    if errors.len() > before {
        return None;
    }
    match Globs::new(folder_of(source), source.name.clone(), &texts) {
        Ok(globs) => Some(globs),
        Err((_, why)) => {
            errors.push(PolicyError::new(
                source,
                Some(span(node)),
                format!("the globs of `inputs.{key}` cannot be compiled: {why}"),
                None,
            ));
            None
        }
    }
}

/// How globs are written, for errors about them.
pub const GLOB_HELP: &str = "`*` is any text within a name, `**/` any folders, `?` one character, `{a,b}` either; globs are relative to the policy file's folder";

impl Policy {
    /// The files this policy is made of or refers to, each with what it is: the policy and
    /// every file it extends, and its people file. A folder search never reads them as grants.
    pub fn own_files(&self) -> Vec<(PathBuf, &'static str)> {
        let mut files = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            if layer.source.name == "default" {
                continue;
            }
            let what = if i + 1 == self.layers.len() {
                "the policy"
            } else {
                "a policy the policy extends"
            };
            files.push((PathBuf::from(&layer.source.name), what));
            files.extend(people_file(&layer.source, &layer.entries));
        }
        files
    }
}

/// The people file a policy's top-level `entries` name, if they name one.
fn people_file(source: &Source, entries: &[(Node, Node)]) -> Option<(PathBuf, &'static str)> {
    entries.iter().find_map(|(key, value)| match &value.value {
        Value::Text(file) if key.value.as_scalar() == Some("people") => {
            Some((folder_of(source).join(file), "the people directory"))
        }
        _ => None,
    })
}

/// The files a policy file found while searching a folder refers to (its people file and the
/// policy it extends), read leniently: a broken or unreadable policy refers to nothing, since
/// the search only needs to know what not to read.
pub fn references(path: &Path) -> Vec<(PathBuf, &'static str)> {
    // A policy is small; anything larger is not read here.
    const MAX: u64 = 1 << 20;
    if std::fs::metadata(path).map_or(true, |m| m.len() > MAX) {
        return Vec::new();
    }
    let Ok(text) = crate::core::files::read_policy_file(path, None) else {
        return Vec::new();
    };
    let source = Source {
        name: path.display().to_string(),
        text: text.into(),
    };
    let Some(Node {
        value: Value::Map(entries),
        ..
    }) = crate::load::yaml::parse_yaml(&source, &mut Vec::new())
    else {
        return Vec::new();
    };
    let mut files: Vec<_> = people_file(&source, &entries).into_iter().collect();
    for (key, value) in &entries {
        if key.value.as_scalar() == Some("extends")
            && let Some(base) = value.value.as_scalar()
            && base.trim() != "default"
        {
            files.push((folder_of(&source).join(base), "a policy file"));
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(yaml: &str) -> (Inputs, Vec<String>) {
        let (source, node) = Source::parsed("repo/grantlint.yaml", yaml);
        let mut errors = Vec::new();
        let mut inputs = Inputs::default();
        inputs.add_layer(&source, &node, &mut errors);
        // Help only where it names a key: the glob help is the same everywhere.
        let brief = |e: &PolicyError| e.brief(e.message.starts_with("unknown key"));
        (inputs, errors.iter().map(brief).collect())
    }

    fn at(path: &str) -> PathBuf {
        absolute(Path::new(path))
    }

    #[test]
    fn globs_match_from_the_policy_folder_names_anywhere_and_folders_whole() {
        let (inputs, errors) = read(
            "include: [exports/**, ./more/*.csv]\nexclude: [archive, '*.bak.csv', exports/old/]\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let include = inputs.include.unwrap();
        let exclude = inputs.exclude.unwrap();
        assert_eq!(
            include.matching(&at("repo/exports/a/b.csv")),
            Some("exports/**")
        );
        assert_eq!(
            include.matching(&at("repo/more/b.csv")),
            Some("./more/*.csv")
        );
        // `*` stays within one folder.
        assert_eq!(include.matching(&at("repo/more/deep/b.csv")), None);
        // Outside the policy's folder nothing matches.
        assert_eq!(include.matching(&at("exports/b.csv")), None);
        assert_eq!(
            exclude.matching(&at("repo/x/archive/2025/a.csv")),
            Some("archive")
        );
        assert_eq!(exclude.matching(&at("repo/a.bak.csv")), Some("*.bak.csv"));
        assert_eq!(
            exclude.matching(&at("repo/exports/old/a.csv")),
            Some("exports/old/")
        );
        assert_eq!(exclude.matching(&at("repo/exports/new/a.csv")), None);
    }

    #[test]
    fn every_problem_is_located() {
        let (_, errors) = read("include: []\nexclude: ['a/[b', {a: 1}, '']\nexclud: [x]\n");
        assert_eq!(
            errors,
            [
                "1:10 `include: []` would read nothing",
                "2:11 invalid glob `a/[b` in `inputs.exclude`: unclosed character class; missing ']'",
                "2:19 a glob is text, not a mapping",
                "2:27 invalid glob `` in `inputs.exclude`: an empty glob matches nothing",
                "3:1 unknown key `exclud` in `inputs` (did you mean `exclude`?)",
            ]
        );
        let (_, errors) = read("- a\n");
        assert_eq!(
            errors,
            ["1:1 `inputs` is a mapping with `include` and/or `exclude`, not a list"]
        );
    }
}
