//! Writing out: reports to files, whole or not at all and never over an input; and standard
//! output and error, where a reader that stops early is not an error.
//!
//! Every `print!`, `println!`, `eprint!` and `eprintln!` in grantlint is the macro below, not
//! std's: std's panics when the reader has closed the pipe (`grantlint explain window-max |
//! head -c1`, exit 101). Here a closed pipe ends the output quietly and the run exits with the
//! code it reached, as ripgrep does: 0 for `rules`, `explain` or `policy show`, and a failed
//! check still fails. (`lib.rs` declares this module first, so the macros cover every module.)

use std::fmt;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

macro_rules! print {
    ($($arg:tt)*) => {
        $crate::output::print(format_args!($($arg)*))
    };
}

macro_rules! println {
    () => {
        $crate::output::print(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}

macro_rules! eprint {
    ($($arg:tt)*) => {
        $crate::output::eprint(format_args!($($arg)*))
    };
}

macro_rules! eprintln {
    () => {
        $crate::output::eprint(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::eprint(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Set once the reader of standard output has gone: later output is dropped unwritten.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
/// Set when standard output failed otherwise (a full disk): the run cannot have done its job.
static STDOUT_FAILED: AtomicBool = AtomicBool::new(false);

/// Standard output for reports and listings. A closed pipe is not an error: what is written
/// after it is dropped, and the run goes on to exit with its own code. Other errors are
/// returned.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if STDOUT_CLOSED.load(Ordering::Relaxed) {
            return Ok(buf.len());
        }
        closed_is_done(io::stdout().write(buf), buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if STDOUT_CLOSED.load(Ordering::Relaxed) {
            return Ok(());
        }
        closed_is_done(io::stdout().flush(), ())
    }
}

fn closed_is_done<T>(result: io::Result<T>, done: T) -> io::Result<T> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(done)
        }
        other => other,
    }
}

/// What `print!` and `println!` do. A write that fails for a reason other than a closed pipe
/// is said once on standard error, and the run exits 2 (see `stdout_failed`).
pub fn print(args: fmt::Arguments) {
    if let Err(e) = Stdout.write_fmt(args)
        && !STDOUT_FAILED.swap(true, Ordering::Relaxed)
    {
        eprint(format_args!(
            "grantlint: cannot write to standard output: {e}\n"
        ));
    }
}

/// True when `print!` could not write all it was given (not counting a closed pipe).
pub fn stdout_failed() -> bool {
    STDOUT_FAILED.load(Ordering::Relaxed)
}

/// What `eprint!` and `eprintln!` do: diagnostics that cannot be written, because standard
/// error is closed or full, have nowhere else to go and are dropped.
pub fn eprint(args: fmt::Arguments) {
    let _ = io::stderr().write_fmt(args);
}

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
