//! Review benchmark: how long `grantlint report` takes and how big its pages are, against
//! `check` on the same export. Run with `cargo bench --bench review` (docs/performance.md).
//!
//! For each size (default 10k and 100k grants) it writes a seeded CSV export whose whole
//! range is the review period (the worst case: every grant is in the period), then times,
//! as the median of several runs, `check --format json`, and `report` as HTML and Markdown
//! (with `--attachments`, so every row is written somewhere), with the peak RSS of each, and
//! the page sizes. With `-- --chromium` it also opens each HTML page in headless Chromium
//! through tests/browser/check-report.sh and prints the render time it reports.

// A benchmark harness: a broken setup should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NOW: &str = "2026-11-24T12:00:00Z";

fn main() {
    let mut sizes = vec![10_000, 100_000];
    let mut runs = 3;
    let mut chromium = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--sizes" => {
                sizes = (args.next().unwrap_or_default().split(','))
                    .filter_map(|s| s.parse().ok())
                    .collect()
            }
            "--runs" => runs = args.next().and_then(|r| r.parse().ok()).unwrap_or(runs),
            "--chromium" => chromium = true,
            _ => {} // cargo bench passes --bench
        }
    }
    let data = Path::new(env!("CARGO_TARGET_TMPDIR")).join("review");
    std::fs::create_dir_all(&data).expect("a folder for the generated exports");
    let mut table = String::from(
        "| grants | check | report html | report markdown | peak RSS (report) | HTML | Markdown | Chromium render |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for &n in &sizes {
        let export = data.join(format!("grants-{n}.csv"));
        if !export.exists() {
            eprintln!("generating {}", export.display());
            generate(&export, n).expect("write the export");
        }
        let check = median(
            (0..runs)
                .map(|_| run(&check_args(&export), None).0)
                .collect(),
        );
        let mut row = vec![n.to_string(), secs(check)];
        let (mut rss, mut pages) = (0, Vec::new());
        for format in ["html", "markdown"] {
            let page = data.join(format!("review-{n}.{format}"));
            let attached = data.join(format!("attached-{n}"));
            let args = report_args(&export, format, &attached);
            let mut times = Vec::new();
            for _ in 0..runs {
                let (time, peak) = run(&args, Some(&page));
                times.push(time);
                rss = rss.max(peak);
            }
            row.push(secs(median(times)));
            pages.push(page);
        }
        row.push(format!("{:.0} MB", rss as f64 / 1024.0));
        for page in &pages {
            let bytes = std::fs::metadata(page).map(|m| m.len()).unwrap_or(0);
            row.push(format!("{:.0} KB", bytes as f64 / 1e3));
        }
        row.push(if chromium {
            render_time(&pages[0])
        } else {
            "–".into()
        });
        let _ = writeln!(table, "| {} |", row.join(" | "));
        eprintln!("{}", table.lines().last().unwrap_or_default());
    }
    println!("\n{table}");
}

fn check_args(export: &Path) -> Vec<String> {
    ["check", "--format", "json", "--now", NOW]
        .map(String::from)
        .into_iter()
        .chain([export.display().to_string()])
        .collect()
}

fn report_args(export: &Path, format: &str, attached: &Path) -> Vec<String> {
    let mut args: Vec<String> = [
        "report",
        "--now",
        NOW,
        "--since",
        "2026-01-01",
        "--until",
        "2027-01-01",
        "--format",
    ]
    .map(String::from)
    .into();
    args.push(format.into());
    args.push("--attachments".into());
    args.push(attached.display().to_string());
    args.push(export.display().to_string());
    args
}

/// One grantlint run, its output to `out` (or nowhere): wall time and the child's peak RSS
/// in KiB (the largest so far: the report runs after check, and uses more).
fn run(args: &[String], out: Option<&PathBuf>) -> (Duration, i64) {
    let stdout = match out {
        Some(path) => Stdio::from(std::fs::File::create(path).expect("the page")),
        None => Stdio::null(),
    };
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_grantlint"))
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::null())
        .status()
        .expect("run grantlint");
    let elapsed = start.elapsed();
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "grantlint {args:?}: {status}"
    );
    (elapsed, child_peak_rss())
}

fn child_peak_rss() -> i64 {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_CHILDREN).map_or(0, |u| u.max_rss())
}

/// What tests/browser/check-report.sh says of the page's render time.
fn render_time(page: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check-report.sh");
    let out = Command::new(script)
        .arg(page)
        .output()
        .expect("run check-report.sh");
    let text = String::from_utf8_lossy(&out.stdout);
    match text
        .split_once(" in ")
        .and_then(|(_, rest)| rest.split_once(" s "))
    {
        Some((secs, _)) if out.status.success() => format!("{secs} s"),
        _ => format!("failed: {}", String::from_utf8_lossy(&out.stderr).trim()),
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// `n` grants over the months from 2026-10-20, one every 30 seconds, from a seeded
/// generator: skewed tenants, ten people, reasons from a few products, and about one grant
/// in six breaking a rule (no approver, a shared account, still active, a long window).
fn generate(path: &Path, n: usize) -> std::io::Result<()> {
    const PEOPLE: [&str; 10] = [
        "Mina Chen",
        "Ravi Patel",
        "Dana Lee",
        "Omar Haddad",
        "Ana Silva",
        "Lee Wong",
        "Kofi Mensah",
        "Sara Kim",
        "Priya Nair",
        "Tomás Ortega",
    ];
    const REASONS: [&str; 4] = [
        "Investigate failed SSO login for tenant after IdP certificate update",
        "Restart stuck invoice sync and confirm totals match the ledger",
        "Review webhook retries for the payments integration after outage",
        "Correct one group mapping rule that blocks new users from signing in",
    ];
    let mut seed: u64 = 0x7265_7669_6577 ^ n as u64;
    let mut next = move |below: u64| {
        // SplitMix64.
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % below
    };
    let time = |unix: i64| {
        chrono::DateTime::from_timestamp(unix, 0)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default()
    };
    let tenants = (n as u64 / 20).max(10);
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "id,tenant,grantee,account_type,role,reason,approver,owner,ticket,start,expires,ended_at,status"
    )?;
    for i in 0..n {
        let tenant = next(tenants) * next(tenants) / tenants; // skewed
        let start = 1_792_454_400 + i as i64 * 30; // 2026-10-20
        let expires = start + [1_800, 3_600, 7_200][next(3) as usize];
        let grantee = PEOPLE[next(10) as usize];
        let mut approver = PEOPLE[(next(9) + 1) as usize];
        if approver == grantee {
            approver = "Ravi Patel";
        }
        let (mut account, mut ended, mut status) = ("personal", time(expires), "expired");
        match next(12) {
            0 => approver = "",
            1 => account = "shared",
            2 => (ended, status) = (String::new(), "active"),
            _ => {}
        }
        writeln!(
            out,
            "SUP-{i},tenant-{tenant:05},{grantee},{account},read-only,{},{approver},Dana Lee,CS-{i},{},{},{ended},{status}",
            REASONS[next(4) as usize],
            time(start),
            time(expires),
        )?;
    }
    out.flush()
}
