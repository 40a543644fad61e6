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

/// Checks, before a run does any work, that no report it will write (`outputs`) replaces a
/// file it reads (`read`: the policy and what it extends, its people file, waivers, the
/// baseline) or another of its reports, whatever links or hard links lead there: the check
/// after the run would come too late to keep its work.
pub fn check_targets(outputs: &[&Path], read: &[&Path]) -> Result<(), String> {
    for (i, output) in outputs.iter().enumerate() {
        if let Some(other) = outputs[..i].iter().find(|o| same_file(o, output)) {
            return Err(format!(
                "two reports would be written to one file, {} and {}: one would be lost",
                other.display(),
                output.display()
            ));
        }
        if let Some(file) = read.iter().find(|r| same_file(r, output)) {
            return Err(format!(
                "refusing to write a report over {}, which this run reads",
                file.display()
            ));
        }
    }
    Ok(())
}

/// Whether two paths name one file: one inode (through links and hard links), or, for a file
/// not there yet, one place.
fn same_file(a: &Path, b: &Path) -> bool {
    // The metadata, not an open file: opening a FIFO to compare it would wait for a writer.
    if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            return (x.dev(), x.ino()) == (y.dev(), y.ino());
        }
        #[cfg(not(unix))]
        {
            let _ = (x, y);
            return std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok();
        }
    }
    matches!((place(a), place(b)), (Some(x), Some(y)) if x == y)
}

/// Where a path that may not exist yet would be: its folder's real path and its name.
fn place(path: &Path) -> Option<std::path::PathBuf> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(std::fs::canonicalize(folder).ok()?.join(path.file_name()?))
}

/// The temporary files being written, removed if the run is interrupted.
static WRITING: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes the temporary files being written when SIGINT or SIGTERM ends the run, which then
/// exits as a shell reports a process ended by that signal: 130 for SIGINT, 143 for SIGTERM.
/// Only SIGKILL can leave one, and a later run in that folder removes it (see `write_atomic`).
/// Called before any thread starts, so every thread inherits the blocked signals and only
/// the waiting thread receives them.
pub fn clean_up_when_interrupted() {
    #[cfg(unix)]
    {
        use nix::sys::signal::{SigSet, Signal};
        let mut signals = SigSet::empty();
        signals.add(Signal::SIGINT);
        signals.add(Signal::SIGTERM);
        if signals.thread_block().is_ok() {
            std::thread::spawn(move || {
                if let Ok(signal) = signals.wait() {
                    remove_temporary_files();
                    std::process::exit(128 + signal as i32);
                }
            });
        }
    }
    #[cfg(not(unix))]
    let _ = ctrlc::set_handler(|| {
        remove_temporary_files();
        std::process::exit(130);
    });
}

fn remove_temporary_files() {
    let writing = WRITING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for path in writing.iter() {
        let _ = std::fs::remove_file(path);
    }
}

/// How temporary files are named: hidden, and recognisably grantlint's.
const TEMPORARY: (&str, &str) = (".grantlint-", ".tmp");

/// Writes `bytes` to `path` through a temporary file in the same folder, renamed into place,
/// so a reader never sees half a report. Refuses to write over any of `inputs`. A device or
/// pipe (`-o /dev/stdout`) is written to as it is, never replaced by a file; a link to a file
/// in the repository is followed, so the link stays.
///
/// The file gets the mode any new file gets (0666 less the umask: 0644 under 022), not the
/// temporary file's private 0600, so a CI job or a teammate can read the report; a file it
/// replaces keeps its own mode.
pub fn write_atomic(path: &Path, bytes: &[u8], inputs: &[&Path]) -> Result<(), String> {
    if let Some(input) = inputs.iter().find(|input| same_file(input, path)) {
        return Err(format!(
            "refusing to write a report over the input {}",
            input.display()
        ));
    }
    let cannot = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    // `-o /dev/stdout` is standard output, whatever it is redirected to.
    let system = crate::core::files::system(&crate::core::files::lexical_absolute(path));
    if let Ok(existing) = std::fs::metadata(path)
        && (system || !existing.is_file())
    {
        return write_through(path, &existing, bytes).map_err(cannot);
    }
    let target = match std::fs::symlink_metadata(path) {
        Ok(link) if link.file_type().is_symlink() => {
            let leads_to = std::fs::read_link(path).map_err(cannot)?;
            let resolved = std::fs::canonicalize(path)
                .ok()
                .or_else(|| place(&path.parent().unwrap_or(Path::new("")).join(leads_to)))
                .filter(|resolved| crate::core::files::leads_within(path, resolved));
            resolved.ok_or_else(|| {
                format!(
                    "refusing to write {}: it is a link that leads outside the repository; \
                     pass --allow-outside-root to follow it",
                    path.display()
                )
            })?
        }
        _ => path.to_path_buf(),
    };
    let folder = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    remove_abandoned(folder);
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMPORARY.0).suffix(TEMPORARY.1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Asked of open(2), which takes the umask off, as for any file a program creates.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder.tempfile_in(folder).map_err(cannot)?;
    let temporary = file.path().to_path_buf();
    lock_writing().push(temporary.clone());
    #[cfg(unix)]
    if let Ok(existing) = std::fs::metadata(&target) {
        file.as_file()
            .set_permissions(existing.permissions())
            .map_err(cannot)?;
    }
    let written = file
        .write_all(bytes)
        .and_then(|()| file.flush())
        .map_err(cannot)
        .and_then(|()| {
            file.persist(&target)
                .map(drop)
                .map_err(|e| format!("cannot write {}: {}", path.display(), e.error))
        });
    lock_writing().retain(|p| *p != temporary);
    written
}

fn lock_writing() -> std::sync::MutexGuard<'static, Vec<std::path::PathBuf>> {
    WRITING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Writes to a character device, a pipe, or the file behind `/dev/stdout`, as it is (appending,
/// after what the run wrote there already); other special files are refused.
fn write_through(path: &Path, existing: &std::fs::Metadata, bytes: &[u8]) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = existing.file_type();
        if kind.is_char_device() || kind.is_fifo() || kind.is_file() {
            let mut file = std::fs::OpenOptions::new().append(true).open(path)?;
            return file.write_all(bytes).and_then(|()| file.flush());
        }
    }
    let _ = existing;
    Err(io::Error::other("it is not a file, a device or a pipe"))
}

/// Removes the temporary files a run killed mid-write (SIGKILL) left in `folder`: grantlint's,
/// by their name, and more than an hour old, so a run writing now keeps its own.
fn remove_abandoned(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let abandoned = name.starts_with(TEMPORARY.0)
            && name.ends_with(TEMPORARY.1)
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified < hour_ago);
        if abandoned {
            let _ = std::fs::remove_file(entry.path());
        }
    }
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

    #[test]
    fn a_temporary_file_a_killed_run_left_is_removed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let abandoned = dir.path().join(".grantlint-a1b2c3.tmp");
        let writing = dir.path().join(".grantlint-d4e5f6.tmp");
        let theirs = dir.path().join(".other-a1b2c3.tmp");
        for path in [&abandoned, &writing, &theirs] {
            std::fs::write(path, "half a report").unwrap();
        }
        let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        for path in [&abandoned, &theirs] {
            let file = std::fs::File::options().write(true).open(path).unwrap();
            file.set_modified(two_hours_ago).unwrap();
        }
        write_atomic(&dir.path().join("report.json"), b"{}", &[]).unwrap();
        assert!(!abandoned.exists());
        assert!(writing.exists() && theirs.exists());
    }
}
