//! Writing reports to files: whole or not at all, and never over an input.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same folder, renamed into place,
/// so a reader never sees half a report. Refuses to write over any of `inputs`.
///
/// The file gets the mode any new file gets (0666 less the umask: 0644 under 022), not the
/// temporary file's private 0600, so a CI job or a teammate can read the report; a file it
/// replaces keeps its own mode.
pub fn write_atomic(path: &Path, bytes: &[u8], inputs: &[&Path]) -> Result<(), String> {
    let target = std::fs::canonicalize(path).ok();
    for input in inputs {
        if let (Some(target), Ok(input)) = (&target, std::fs::canonicalize(input))
            && *target == input
        {
            return Err(format!(
                "refusing to write a report over the input {}",
                path.display()
            ));
        }
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let cannot = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Asked of open(2), which takes the umask off, as for any file a program creates.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder.tempfile_in(folder).map_err(cannot)?;
    #[cfg(unix)]
    if let Ok(existing) = std::fs::metadata(path) {
        file.as_file()
            .set_permissions(existing.permissions())
            .map_err(cannot)?;
    }
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(cannot)?;
    file.persist(path)
        .map_err(|e| format!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_and_never_over_an_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("grants.yaml");
        std::fs::write(&input, "- id: a\n").unwrap();
        let report = dir.path().join("report.json");
        write_atomic(&report, b"{}", &[&input]).unwrap();
        assert_eq!(std::fs::read_to_string(&report).unwrap(), "{}");
        let err = write_atomic(&input, b"{}", &[&input]).unwrap_err();
        assert!(err.contains("refusing"), "{err}");
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "- id: a\n");
        // Nothing is left behind in the folder but the two files.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }
}
