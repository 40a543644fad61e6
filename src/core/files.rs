//! Which files grantlint may open. In CI the paths come from a pull request: a committed
//! `grantlint.yaml` that is a link to `/proc/self/environ`, `extends: ../../../etc/passwd`
//! or an export linked to a private key would otherwise put a secret into an error snippet in
//! the job's log, and a FIFO or `/dev/zero` would hang the job or fill its memory. So every
//! file is resolved (links followed) and read only when it
//! - lies inside its repository: the nearest folder holding `.git` above the file that
//!   names it (the policy the command line named, for all it extends; the policy file, for
//!   its people file), else the working folder when that file lies in it, else that file's
//!   folder; or above its own path when the command line names it. `--allow-outside-root`
//!   lifts this;
//! - is a regular file: no FIFO, device, socket or folder, and nothing under `/proc`, `/sys`
//!   or `/dev`, whose "files" never end or change while read.
//!
//! The checks look at the path only; they open nothing, so a FIFO cannot block them.

use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

static ANYWHERE: AtomicBool = AtomicBool::new(false);

/// `--allow-outside-root`: files may lie outside their repository (a shared policy in
/// `/etc`), though never be special files.
pub fn allow_outside_root(allow: bool) {
    ANYWHERE.store(allow, Ordering::Relaxed);
}

/// The most a policy, people, waiver or baseline file may hold by default: far above any real
/// one (a baseline of a quarter of a million findings is about 30 MiB), and refused before
/// it is read.
pub const MAX_POLICY_FILE: u64 = 64 * 1024 * 1024;

const MIB: f64 = 1024.0 * 1024.0;

static MAX_POLICY_SIZE: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(MAX_POLICY_FILE);

/// `--max-policy-file-size`: the most a policy-side file may hold.
pub fn set_max_policy_file(bytes: u64) {
    MAX_POLICY_SIZE.store(bytes, Ordering::Relaxed);
}

/// Why a file is not read. The message names the path and where it leads, never its content;
/// `help` is `None` where the caller knows better (a path that does not exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub message: String,
    pub help: Option<&'static str>,
}

/// Reads a policy-side file (the policy, what it extends, its people file, waivers, a
/// baseline) whole: one that [`check`] refuses or that holds more than [`MAX_POLICY_FILE`]
/// bytes is not read. `named_in` is the file whose key names it, if any.
pub fn read_policy_file(path: &Path, named_in: Option<&Path>) -> Result<String, Refused> {
    use std::io::Read;
    check(path, named_in)?;
    let io = |e: std::io::Error| Refused {
        message: io_reason(&e),
        help: None,
    };
    let most = MAX_POLICY_SIZE.load(Ordering::Relaxed);
    let too_large = |size: u64| Refused {
        message: format!(
            "it holds {:.1} MiB, above the {:.1} MiB limit for a policy-side file",
            size as f64 / MIB,
            most as f64 / MIB
        ),
        help: Some(
            "check the path; a baseline of millions of findings may need --max-policy-file-size",
        ),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    // Refused before a byte is read when its size is known.
    if let Ok(metadata) = file.metadata()
        && metadata.len() > most
    {
        return Err(too_large(metadata.len()));
    }
    let mut text = String::new();
    file.take(most.saturating_add(1))
        .read_to_string(&mut text)
        .map_err(io)?;
    if text.len() as u64 > most {
        return Err(too_large(text.len() as u64));
    }
    Ok(text)
}

/// Why a file cannot be read, in plain words: most paths that are not there never were.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// Checks that `path`, named in the file `named_in` or else on the command line, may be read
/// (see the module's doc). A path that does not exist passes: opening it says so in the
/// caller's words.
pub fn check(path: &Path, named_in: Option<&Path>) -> Result<(), Refused> {
    let system_file = |shown: &Path| Refused {
        message: format!("it leads to {}, a system file", shown.display()),
        help: Some("give a regular file: system files change while read and may hold secrets"),
    };
    let Ok(resolved) = std::fs::canonicalize(path) else {
        // Not there: opening it says so. But a path that cannot be resolved and still opens
        // (`/dev/stdin` on a pipe, a deleted file's `/proc/self/fd/N`) is a system file.
        if std::fs::metadata(path).is_err() && !system(&lexical_absolute(path)) {
            return Ok(());
        }
        return Err(system_file(path));
    };
    if system(&resolved) || system(&lexical_absolute(path)) {
        return Err(system_file(&resolved));
    }
    if let Ok(metadata) = std::fs::metadata(&resolved)
        && !metadata.is_file()
        && !metadata.is_dir()
    {
        return Err(Refused {
            message: format!("it is {}, not a regular file", kind(&metadata)),
            help: Some("save the data to a file first, or pipe it to standard input (`-`)"),
        });
    }
    let root = repository_of(named_in.unwrap_or(path));
    if !within(&resolved, &root) {
        let lies = match resolved == lexical_absolute(path) {
            true => "it lies".to_string(),
            false => format!("it leads to {},", resolved.display()),
        };
        return Err(Refused {
            message: format!("{lies} outside {}", root.display()),
            help: Some(
                "files are read only inside the repository (or folder) that names them; \
                 pass --allow-outside-root to read one elsewhere",
            ),
        });
    }
    Ok(())
}

/// Whether a path lies under `/proc`, `/sys` or `/dev`, whose files never end, change while
/// read, or stand for another process's data.
pub fn system(path: &Path) -> bool {
    ["/proc", "/sys", "/dev"]
        .iter()
        .any(|special| path.starts_with(special))
}

/// Whether `resolved` (a real path) may be read or written as lying in `root`.
fn within(resolved: &Path, root: &Path) -> bool {
    ANYWHERE.load(Ordering::Relaxed) || resolved.starts_with(root)
}

/// Whether `resolved`, where the link `path` leads, lies in the repository of `path`.
pub fn leads_within(path: &Path, resolved: &Path) -> bool {
    within(resolved, &repository_of(path))
}

/// What a special file is, in words.
fn kind(metadata: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    let _ = metadata;
    "a special file"
}

/// The repository `path` is written in, links resolved: the nearest folder above it, as
/// written, that holds `.git`, else the folder it is in. The folders are taken as written
/// (`..` folded, links not followed) so that a linked folder cannot move the root.
pub fn repository_of(path: &Path) -> PathBuf {
    let written = lexical_absolute(path);
    let folder = written.parent().unwrap_or(Path::new("/"));
    // Without `.git` (a tarball, a Docker build context), the working folder when the file lies
    // in it, else the file's own folder.
    let working = std::env::current_dir()
        .ok()
        .filter(|cwd| folder.starts_with(cwd));
    let root = folder
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .or(working.as_deref())
        .unwrap_or(folder);
    std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf())
}

/// `path` made absolute against the working directory, `.` and `..` folded as text.
pub fn lexical_absolute(path: &Path) -> PathBuf {
    let joined = match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    let mut out = PathBuf::new();
    for part in joined.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// A file read to its end that must not change meanwhile. An export still being written, or
/// truncated by another job, would otherwise pass on the grants read so far; so reading past
/// the size the file had when opened, stopping short of it, or finding its size or time
/// changed at the end is an error where reading stopped. Pipes and devices, which have no
/// size, are read as they are.
pub struct Steady {
    file: std::fs::File,
    /// The size and time of change when opened; `None` for a pipe or device.
    seen: Option<(u64, Option<std::time::SystemTime>)>,
    read: u64,
}

impl Steady {
    pub fn new(file: std::fs::File) -> Steady {
        let seen = file
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|m| (m.len(), m.modified().ok()));
        Steady {
            file,
            seen,
            read: 0,
        }
    }

    pub fn metadata(&self) -> std::io::Result<std::fs::Metadata> {
        self.file.metadata()
    }

    /// The file, to read a part of it again (JSON lines joined by id); [`Steady::unchanged`]
    /// then says whether what was read again is still what was read first.
    pub fn file(&self) -> &std::fs::File {
        &self.file
    }

    /// An error when the file's size or time of change is no longer what it was when opened
    /// (for a file read to its end, then read again in parts).
    pub fn unchanged(&self) -> std::io::Result<()> {
        match self.changed(self.seen.is_some_and(|(size, _)| self.read >= size)) {
            Some(why) => Err(std::io::Error::other(why)),
            None => Ok(()),
        }
    }

    /// Reads up to `want` more bytes onto `block` with the file's own `read_to_end`, which
    /// reads into the block's room as it is (through [`Read`] alone, the room is zeroed
    /// before every read); fewer only at the end of the file, which is then checked.
    pub fn read_to_end_within(
        &mut self,
        block: &mut Vec<u8>,
        want: usize,
    ) -> std::io::Result<usize> {
        use std::io::Read;
        let got = (&mut self.file).take(want as u64).read_to_end(block)?;
        self.read += got as u64;
        let at_end = got < want;
        if (at_end || self.seen.is_some_and(|(size, _)| self.read > size))
            && let Some(why) = self.changed(at_end)
        {
            return Err(std::io::Error::other(why));
        }
        Ok(got)
    }

    /// Why the file is not what it was when opened, if it is not.
    fn changed(&self, at_end: bool) -> Option<String> {
        let (size, modified) = self.seen?;
        let now = self.file.metadata().ok();
        let (len, time) = now.map_or((size, modified), |m| (m.len(), m.modified().ok()));
        if self.read > size || len > size {
            return Some(format!(
                "the file grew while it was read (from {size} bytes): another program is writing it"
            ));
        }
        if (at_end && self.read < size) || len < size {
            return Some(format!(
                "the file was cut short while it was read ({} of {size} bytes): another program changed it",
                self.read.min(len)
            ));
        }
        (at_end && time != modified)
            .then(|| "the file changed while it was read: another program is writing it".into())
    }
}

impl std::io::Read for Steady {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buffer)?;
        self.read += n as u64;
        let at_end = n == 0 && !buffer.is_empty();
        if (at_end || self.seen.is_some_and(|(size, _)| self.read > size))
            && let Some(why) = self.changed(at_end)
        {
            return Err(std::io::Error::other(why));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_in_its_folder_is_read_and_a_link_out_of_it_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let inside = dir.path().join("policy.yaml");
        std::fs::write(&inside, "version: 1\n").unwrap();
        assert_eq!(check(&inside, None), Ok(()));
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret");
        std::fs::write(&secret, "TOKEN=1").unwrap();
        let link = dir.path().join("base.yaml");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        let refused = check(&link, None).unwrap_err();
        assert!(refused.message.contains("outside"), "{refused:?}");
        assert!(!refused.message.contains("TOKEN"));
        assert_eq!(check(&dir.path().join("missing.yaml"), None), Ok(()));
        // A file named by another is bounded by the repository of the one that names it.
        assert!(check(&secret, Some(&inside)).is_err());
        assert_eq!(check(&secret, None), Ok(()));
    }

    #[test]
    fn a_repository_reaches_above_the_folder_but_a_linked_folder_does_not_move_it() {
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir(repo.path().join(".git")).unwrap();
        std::fs::create_dir(repo.path().join("policies")).unwrap();
        std::fs::write(repo.path().join("base.yaml"), "version: 1\n").unwrap();
        let policy = repo.path().join("policies/grantlint.yaml");
        assert_eq!(check(&repo.path().join("base.yaml"), Some(&policy)), Ok(()));
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::write(elsewhere.path().join("x.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), repo.path().join("linked")).unwrap();
        assert!(check(&repo.path().join("linked/x.yaml"), Some(&policy)).is_err());
    }

    #[test]
    fn system_files_and_devices_are_refused_even_when_anywhere_is_allowed() {
        let refused = check(Path::new("/proc/self/environ"), None).unwrap_err();
        assert!(refused.message.contains("system file"), "{refused:?}");
        assert!(check(Path::new("/dev/zero"), None).is_err());
        // A pipe behind /dev/stdin cannot be resolved to a path, and is still refused.
        assert!(check(Path::new("/dev/stdin"), None).is_err());
        assert!(check(Path::new("/proc/self/fd/0"), None).is_err());
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let refused = check(&fifo, None).unwrap_err();
        assert!(refused.message.contains("named pipe"), "{refused:?}");
    }

    #[test]
    fn a_file_cut_short_or_growing_while_read_is_an_error() {
        use std::io::{Read, Write};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grants.csv");
        let read_half_then = |change: &dyn Fn(&std::fs::File)| {
            std::fs::write(&path, vec![b'x'; 1 << 16]).unwrap();
            let mut steady = Steady::new(std::fs::File::open(&path).unwrap());
            let mut half = vec![0; 1 << 15];
            steady.read_exact(&mut half).unwrap();
            change(&std::fs::OpenOptions::new().write(true).open(&path).unwrap());
            let mut rest = Vec::new();
            steady.read_to_end(&mut rest).map(|_| rest.len())
        };
        let cut = read_half_then(&|file| file.set_len(1 << 14).unwrap()).unwrap_err();
        assert!(cut.to_string().contains("cut short"), "{cut}");
        let grew = read_half_then(&|mut file| {
            use std::io::Seek;
            file.seek(std::io::SeekFrom::End(0)).unwrap();
            file.write_all(b"SUP-9,acme\n").unwrap();
        })
        .unwrap_err();
        assert!(grew.to_string().contains("grew"), "{grew}");
        // Left alone, it is read to its end.
        assert_eq!(read_half_then(&|_| {}).unwrap(), 1 << 15);
    }
}
