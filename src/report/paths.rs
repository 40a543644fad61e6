//! How every report names a file: relative to the repository root, whatever the working
//! directory, so a run from a subfolder (a monorepo's `working-directory:`) names
//! `fixtures/samples/grants.json` as code scanning, GitLab and a reviewer reading the JSON
//! all expect, and one finding keeps one name across runs.
//!
//! - The root is `--root DIR`, else the nearest folder holding `.git` above the working
//!   directory (as the policy is found), else the working directory.
//! - Names are normalised as text: `/` separators, no `./`, `a/../b` is `b`; links are not
//!   followed, so a name stays the one the user sees in the checkout.
//! - A file outside the root keeps its absolute path (normalised): a `../` name would point
//!   elsewhere for every consumer that resolves it against the root. SARIF writes it as a
//!   `file://` URI (see `sarif.rs`).
//! - Standard input is `-`, or the name given with `--stdin-filename`, named like a path.

use std::path::{Component, Path, PathBuf};

use crate::check::Outcome;

/// The root the names are relative to, and what standard input is called.
#[derive(Clone, Debug)]
pub struct Naming {
    root: PathBuf,
    stdin: Option<String>,
}

impl Naming {
    /// `--root` (relative to the working directory) or the repository root; `--stdin-filename`.
    pub fn new(root: Option<&Path>, stdin: Option<&Path>) -> Naming {
        let root = match root {
            Some(dir) => crate::core::files::lexical_absolute(dir),
            None => repository_root(),
        };
        Naming {
            root,
            stdin: stdin.map(|p| p.to_string_lossy().into_owned()),
        }
    }

    /// The root names are relative to.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The report name of the file given as `given` (a path as the user gave it, or `-`).
    pub fn name(&self, given: &str) -> String {
        let given = match (given, &self.stdin) {
            ("-", Some(stdin)) => stdin.as_str(),
            ("-", None) => return given.to_string(),
            _ => given,
        };
        let absolute = crate::core::files::lexical_absolute(Path::new(given));
        if let Ok(inside) = absolute.strip_prefix(&self.root) {
            return slashed(inside);
        }
        // The root or the file may be reached through a link (macOS's /tmp): compare the real
        // folders before calling the file outside.
        let real_root = std::fs::canonicalize(&self.root).ok();
        let real_folder = absolute
            .parent()
            .and_then(|folder| std::fs::canonicalize(folder).ok());
        if let (Some(root), Some(folder), Some(file)) =
            (real_root, real_folder, absolute.file_name())
            && let Ok(inside) = folder.join(file).strip_prefix(&root)
        {
            return slashed(inside);
        }
        slashed(&absolute)
    }

    /// Renames every file of the outcome (inputs, waiver files, unreadable inputs) once, so
    /// that every reporter prints the same name.
    pub fn rename(&self, outcome: &mut Outcome) {
        for file in &mut outcome.files {
            *file = self.name(file);
        }
        for error in &mut outcome.errors {
            // Errors that are no file (`--exclude`'s) keep their label.
            if !error.file.starts_with("--") {
                error.file = self.name(&error.file);
                // The snippet's label too, so a diagnostic names its file once.
                if let Some(source) = &error.source_code {
                    error.source_code = Some(crate::core::terminal::renamed(source, &error.file));
                }
            }
        }
    }
}

/// The nearest folder holding `.git` above the working directory, else the working directory.
fn repository_root() -> PathBuf {
    let cwd = crate::core::files::lexical_absolute(Path::new("."));
    cwd.ancestors()
        .find(|dir| dir.join(".git").exists())
        .map_or_else(|| cwd.clone(), Path::to_path_buf)
}

/// A path as text with `/` between its parts; the empty path (the root itself) is `.`.
fn slashed(path: &Path) -> String {
    let mut out = String::new();
    for part in path.components() {
        match part {
            Component::RootDir => out.push('/'),
            Component::Prefix(prefix) => out.push_str(&prefix.as_os_str().to_string_lossy()),
            Component::CurDir | Component::ParentDir => {}
            Component::Normal(name) => {
                if !out.is_empty() && !out.ends_with('/') {
                    out.push('/');
                }
                out.push_str(&name.to_string_lossy());
            }
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// Whether a report name is outside the root (absolute).
pub fn is_outside(name: &str) -> bool {
    name.starts_with('/') || Path::new(name).is_absolute()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming(root: &Path) -> Naming {
        Naming {
            root: root.to_path_buf(),
            stdin: Some("exports/piped.csv".into()),
        }
    }

    #[test]
    fn names_are_relative_to_the_root_and_normalised() {
        let cwd = crate::core::files::lexical_absolute(Path::new("."));
        let n = naming(&cwd);
        assert_eq!(n.name("./a/b.csv"), "a/b.csv");
        assert_eq!(n.name("a/../b/./c.csv"), "b/c.csv");
        assert_eq!(
            n.name(&cwd.join("x").join("y.yaml").display().to_string()),
            "x/y.yaml"
        );
        assert_eq!(n.name("-"), "exports/piped.csv");
    }

    #[test]
    fn a_run_from_a_subfolder_names_files_from_the_root() {
        let cwd = crate::core::files::lexical_absolute(Path::new("."));
        let root = cwd.parent().unwrap();
        let here = cwd.file_name().unwrap().to_string_lossy();
        assert_eq!(naming(root).name("a.csv"), format!("{here}/a.csv"));
    }

    #[test]
    fn a_file_outside_the_root_keeps_its_absolute_path() {
        let cwd = crate::core::files::lexical_absolute(Path::new("."));
        let n = naming(&cwd.join("sub"));
        let name = n.name("../elsewhere/../g.csv");
        assert!(is_outside(&name), "{name}");
        assert!(name.ends_with("/g.csv") && !name.contains(".."), "{name}");
        let plain = Naming {
            root: cwd,
            stdin: None,
        };
        assert_eq!(plain.name("-"), "-");
    }
}
