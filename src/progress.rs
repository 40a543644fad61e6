//! Feedback on long runs: a progress bar on standard error, only when it is a terminal, not in
//! CI, and only once a run has taken more than a second. Silent otherwise: a CI log or a
//! redirected stderr never sees it.

use std::io::IsTerminal;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

struct Progress {
    bar: ProgressBar,
    started: Instant,
    grants: u64,
    files: u64,
    total_files: u64,
}

/// The run's bar, if it has one. `grantlint test` checks several exports in one process, so
/// each run replaces the last one's.
static PROGRESS: Mutex<Option<Progress>> = Mutex::new(None);

fn current() -> MutexGuard<'static, Option<Progress>> {
    PROGRESS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How often a loader reports grants: often enough to move the bar, rarely enough to cost
/// nothing next to reading them.
const EVERY: u64 = 4096;

/// Prepares the bar for a run over `files` totalling `bytes`, when standard error is a
/// terminal and the run is not in CI.
pub fn start(files: u64, bytes: u64) {
    let mut progress = current();
    *progress = None;
    if !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return;
    }
    let bar = ProgressBar::with_draw_target(Some(bytes), ProgressDrawTarget::hidden());
    let style = ProgressStyle::with_template("{spinner} {bar:30} {bytes}/{total_bytes} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    *progress = Some(Progress {
        bar,
        started: Instant::now(),
        grants: 0,
        files: 0,
        total_files: files,
    });
}

/// How far one file has got, as its loader reports.
#[derive(Default)]
pub struct FileProgress {
    grants: u64,
    /// Bytes of the file already added to the bar.
    bytes: u64,
}

/// A loader read `count` more grants and `bytes` more of its file, and maybe finished it.
fn advance(count: u64, bytes: u64, file_done: bool) {
    if let Some(p) = current().as_mut() {
        p.grants += count;
        p.files += u64::from(file_done);
        p.show_after_a_second();
        p.bar.inc(bytes);
        p.bar.set_message(p.message());
    }
}

/// Counts one grant, which starts at byte `offset` of its file; reports every [`EVERY`].
pub fn grant(file: &mut FileProgress, offset: usize) {
    file.grants += 1;
    if file.grants.is_multiple_of(EVERY) {
        let offset = offset as u64;
        advance(EVERY, offset.saturating_sub(file.bytes), false);
        file.bytes = file.bytes.max(offset);
    }
}

impl FileProgress {
    /// For a part of a file, read on its own, that starts at byte `offset`.
    pub fn from_offset(offset: usize) -> FileProgress {
        FileProgress {
            grants: 0,
            bytes: offset as u64,
        }
    }
}

/// A part of a file is read, up to byte `end`.
pub fn part_done(file: &FileProgress, end: usize) {
    advance(
        file.grants % EVERY,
        (end as u64).saturating_sub(file.bytes),
        false,
    );
}

/// A file of `size` bytes is done.
pub fn file_done(file: &FileProgress, size: u64) {
    advance(file.grants % EVERY, size.saturating_sub(file.bytes), true);
}

/// Clears the bar before the report is printed.
pub fn finish() {
    if let Some(p) = current().take() {
        p.bar.finish_and_clear();
    }
}

impl Progress {
    fn show_after_a_second(&self) {
        if self.bar.is_hidden() && self.started.elapsed() > Duration::from_secs(1) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    fn message(&self) -> String {
        format!(
            "{} grants, {} of {} files",
            self.grants, self.files, self.total_files
        )
    }
}
