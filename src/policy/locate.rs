//! Which policy file applies when none is given: the nearest `grantlint.yaml` or
//! `.grantlint.yaml`, from the current folder up to the repository root.

use std::path::{Path, PathBuf};

/// The names searched in each folder, in order of preference.
pub const FILE_NAMES: [&str; 2] = ["grantlint.yaml", ".grantlint.yaml"];

/// The policy to load: the one given, else the nearest policy file above the current folder,
/// else `None` for the embedded default.
pub fn locate(given: Option<&Path>) -> Option<PathBuf> {
    if let Some(given) = given {
        return Some(given.to_path_buf());
    }
    let here = std::env::current_dir().ok()?;
    nearest(&here)
}

/// Searches `folder` and its parents, stopping after the first folder that holds `.git` (the
/// repository root), so a policy outside the repository never applies by accident. The path
/// is relative to `folder` (`grantlint.yaml`, `../../.grantlint.yaml`), as users would type it.
pub fn nearest(folder: &Path) -> Option<PathBuf> {
    let mut relative = PathBuf::new();
    for dir in folder.ancestors() {
        for name in FILE_NAMES {
            if dir.join(name).is_file() {
                return Some(relative.join(name));
            }
        }
        // `.git` is a folder in a clone and a file in a worktree.
        if dir.join(".git").exists() {
            return None;
        }
        relative.push("..");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_file_wins_and_the_search_stops_at_the_repository_root() {
        let root = tempfile::tempdir().unwrap();
        let repo = root.path().join("repo");
        let deep = repo.join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir(repo.join(".git")).unwrap();
        // Outside the repository: never found.
        std::fs::write(root.path().join("grantlint.yaml"), "version: 1\n").unwrap();
        assert_eq!(nearest(&deep), None);

        std::fs::write(repo.join(".grantlint.yaml"), "version: 1\n").unwrap();
        assert_eq!(nearest(&deep), Some(PathBuf::from("../../.grantlint.yaml")));
        // grantlint.yaml is preferred over .grantlint.yaml in the same folder.
        std::fs::write(repo.join("grantlint.yaml"), "version: 1\n").unwrap();
        assert_eq!(nearest(&deep), Some(PathBuf::from("../../grantlint.yaml")));
        std::fs::write(deep.join(".grantlint.yaml"), "version: 1\n").unwrap();
        assert_eq!(nearest(&deep), Some(PathBuf::from(".grantlint.yaml")));
    }

    #[test]
    fn a_given_path_is_used_as_is() {
        assert_eq!(
            locate(Some(Path::new("team.yaml"))),
            Some(PathBuf::from("team.yaml"))
        );
    }
}
