//! Feedback on long runs: a progress bar on standard error, only when it is a terminal, not in
//! CI, and only once a run has taken more than a second. Silent otherwise: a CI log or a
//! redirected stderr never sees it.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

struct Progress {
    bar: ProgressBar,
    started: Instant,
    grants: AtomicU64,
    files: AtomicU64,
    total_files: u64,
}

static PROGRESS: OnceLock<Progress> = OnceLock::new();

/// How often a loader reports grants: often enough to move the bar, rarely enough to cost
/// nothing next to reading them.
const EVERY: u64 = 4096;

/// Prepares the bar for a run over `files` totalling `bytes`, when standard error is a
/// terminal and the run is not in CI.
pub fn start(files: u64, bytes: u64) {
    if !std::io::stderr().is_terminal() || std::env::var_os("CI").is_some() {
        return;
    }
    let bar = ProgressBar::with_draw_target(Some(bytes), ProgressDrawTarget::hidden());
    let style = ProgressStyle::with_template("{spinner} {bar:30} {bytes}/{total_bytes} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    let _ = PROGRESS.set(Progress {
        bar,
        started: Instant::now(),
        grants: AtomicU64::new(0),
        files: AtomicU64::new(0),
        total_files: files,
    });
}

/// A loader read `count` more grants (called every [`EVERY`] grants and at a file's end).
pub fn grants(count: u64) {
    if let Some(p) = PROGRESS.get() {
        let grants = p.grants.fetch_add(count, Ordering::Relaxed) + count;
        p.show_after_a_second();
        p.bar.set_message(p.message(grants));
    }
}

/// Counts one grant; reports every [`EVERY`].
pub fn grant(read: &mut u64) {
    *read += 1;
    if (*read).is_multiple_of(EVERY) {
        grants(EVERY);
    }
}

/// A file of `bytes` is done; `read` grants of it were not reported yet.
pub fn file_done(bytes: u64, read: u64) {
    if let Some(p) = PROGRESS.get() {
        p.files.fetch_add(1, Ordering::Relaxed);
        grants(read % EVERY);
        p.bar.inc(bytes);
    }
}

/// Clears the bar before the report is printed.
pub fn finish() {
    if let Some(p) = PROGRESS.get() {
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

    fn message(&self, grants: u64) -> String {
        format!(
            "{grants} grants, {} of {} files",
            self.files.load(Ordering::Relaxed),
            self.total_files
        )
    }
}
