//! Scale benchmark: how grantlint's speed and memory grow with the export, against the
//! parsers alone. Run with `cargo bench --bench scale` (see docs/performance.md).
//!
//! For each size it generates seeded synthetic exports (CSV, YAML, JSON; about 15% of grants
//! break a rule; tenants skewed so repeat-tenant has work), then times, as the median of
//! several runs, grantlint and its baseline taking turns:
//! - `grantlint check --format json > /dev/null` on each file, with its peak RSS;
//! - the CSV baseline: the `csv` crate reading the same file into a `ByteRecord`, counting rows;
//! - the YAML baseline: serde-saphyr deserialising the same file into a plain grant struct.

// A benchmark harness: a broken setup should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let mut sizes = vec![10_000, 100_000, 1_000_000];
    let mut runs = 5;
    let mut formats = vec!["csv", "yaml", "json"];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--measure" => return measure(Path::new(&args.next().unwrap_or_default())),
            "--sizes" => {
                sizes = args
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|s| s.parse().ok())
                    .collect()
            }
            "--runs" => runs = args.next().and_then(|r| r.parse().ok()).unwrap_or(runs),
            "--formats" => {
                let list = args.next().unwrap_or_default();
                formats = ["csv", "yaml", "json"]
                    .into_iter()
                    .filter(|f| list.split(',').any(|l| l == *f))
                    .collect();
            }
            _ => {} // cargo bench passes --bench
        }
    }
    let data = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scale");
    std::fs::create_dir_all(&data).expect("a folder for the generated exports");

    let mut table = String::from(
        "| grants | format | size | grantlint | peak RSS | parser alone | ratio |\n|---:|---|---:|---:|---:|---:|---:|\n",
    );
    for &n in &sizes {
        for &format in &formats {
            let path = data.join(format!("grants-{n}.{format}"));
            if !path.exists() {
                eprintln!("generating {}", path.display());
                generate(&path, format, n).expect("write the export");
            }
            let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            // A million YAML or JSON grants take most of a minute a run.
            let runs = if n >= 1_000_000 && format != "csv" {
                runs.min(3)
            } else {
                runs
            };
            let baseline: Option<fn(&Path)> = match format {
                "csv" => Some(csv_baseline),
                "yaml" => Some(yaml_baseline),
                _ => None,
            };
            // grantlint and its baseline take turns, so both see the machine alike: on a
            // shared machine, speed drifts from one minute to the next.
            let (mut lints, mut parses) = (Vec::new(), Vec::new());
            for _ in 0..runs.max(1) {
                lints.push(measure_child(&path));
                if let Some(parse) = baseline {
                    parses.push(timed(|| parse(&path)));
                }
            }
            let rss = lints.iter().map(|l| l.1).max().unwrap_or(0);
            let lint = median(lints.into_iter().map(|l| l.0).collect());
            let parse = baseline.map(|_| median(parses));
            let (parse_text, ratio) = match parse {
                Some(p) => (
                    secs(p),
                    format!("{:.2}×", lint.as_secs_f64() / p.as_secs_f64()),
                ),
                None => ("–".into(), "–".into()),
            };
            let _ = writeln!(
                table,
                "| {n} | {format} | {:.0} MB | {} | {:.0} MB | {parse_text} | {ratio} |",
                bytes as f64 / 1e6,
                secs(lint),
                rss as f64 / 1024.0
            );
            eprintln!("{}", table.lines().last().unwrap_or_default());
        }
    }
    println!("\n{table}");
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Runs grantlint once as a user would, returning its wall time and peak RSS (KiB). The run
/// goes through a fresh copy of this program (`--measure`), whose only child is that
/// grantlint, so the child's peak RSS is its own.
fn measure_child(path: &Path) -> (Duration, i64) {
    let me = std::env::current_exe().expect("this benchmark's path");
    let out = Command::new(&me)
        .arg("--measure")
        .arg(path)
        .output()
        .expect("run the measurement");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let secs: f64 = parts.next().and_then(|s| s.parse().ok()).expect("seconds");
    let rss: i64 = parts.next().and_then(|s| s.parse().ok()).expect("peak RSS");
    (Duration::from_secs_f64(secs), rss)
}

/// One timed grantlint run; prints seconds and the child's peak RSS in KiB.
fn measure(path: &Path) {
    let start = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_grantlint"))
        .args(["check", "--format", "json", "--now", "2026-11-24T12:00:00Z"])
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run grantlint");
    let elapsed = start.elapsed();
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "grantlint failed on {}: {status}",
        path.display()
    );
    println!("{} {}", elapsed.as_secs_f64(), child_peak_rss());
}

/// The largest peak RSS of any waited-for child so far, in KiB (Linux `ru_maxrss`).
fn child_peak_rss() -> i64 {
    use nix::sys::resource::{UsageWho, getrusage};
    getrusage(UsageWho::RUSAGE_CHILDREN).map_or(0, |u| u.max_rss())
}

fn csv_baseline(path: &Path) {
    let mut reader = csv::ReaderBuilder::new()
        .from_path(path)
        .expect("open the CSV");
    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    while reader.read_byte_record(&mut record).expect("read a row") {
        rows += 1;
    }
    std::hint::black_box(rows);
}

/// The canonical fields as a plain struct: what "serde-saphyr alone" deserialises into.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct PlainGrant {
    id: Option<String>,
    tenant: Option<String>,
    environment: Option<String>,
    grantee: Option<String>,
    account_type: Option<String>,
    role: Option<String>,
    scope: Option<String>,
    reason: Option<String>,
    requested_by: Option<String>,
    approver: Option<String>,
    approved_at: Option<String>,
    owner: Option<String>,
    ticket: Option<String>,
    requested_at: Option<String>,
    start: Option<String>,
    expires: Option<String>,
    ended_at: Option<String>,
    status: Option<String>,
}

fn yaml_baseline(path: &Path) {
    let text = std::fs::read_to_string(path).expect("read the YAML");
    let mut options = serde_saphyr::Options::default();
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = usize::MAX;
    budget.max_nodes = usize::MAX;
    budget.max_total_scalar_bytes = usize::MAX;
    options.budget = Some(budget);
    let grants: Vec<PlainGrant> =
        serde_saphyr::from_str_with_options(&text, options).expect("parse the YAML");
    std::hint::black_box(grants.len());
}

/// SplitMix64: a small, seeded generator, so every run writes the same exports.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const PEOPLE: &[&str] = &[
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
const REASONS: &[&str] = &[
    "Investigate failed SSO login for tenant after IdP certificate update",
    "Check invoice records after billing update and confirm sync issue",
    "Restart stuck invoice sync and confirm totals match the ledger",
    "Review webhook retries for the payments integration after outage",
    "Correct one group mapping rule that blocks new users from signing in",
];
const FIELDS: [&str; 18] = [
    "id",
    "tenant",
    "environment",
    "grantee",
    "account_type",
    "role",
    "scope",
    "reason",
    "requested_by",
    "approver",
    "approved_at",
    "owner",
    "ticket",
    "requested_at",
    "start",
    "expires",
    "ended_at",
    "status",
];

/// One synthetic grant; about 15% break one to three rules.
fn grant(rng: &mut Rng, i: usize, tenants: usize) -> [String; 18] {
    // Skewed tenants: a few tenants get most of the grants (square of a uniform draw).
    let t = ((rng.below(1 << 16) * rng.below(1 << 16)) as usize * tenants) >> 32;
    let start = 1_790_000_000 + (i as i64) * 30 + rng.below(600) as i64; // about a year
    let minutes = [30, 60, 90, 120, 240][rng.below(5) as usize];
    let mut g = [
        format!("SUP-{i}"),
        format!("tenant-{t:05}"),
        (if t.is_multiple_of(3) { "test" } else { "prod" }).to_string(),
        rng.pick(PEOPLE).to_string(),
        "personal".to_string(),
        (if rng.below(10) == 0 {
            "billing-admin"
        } else {
            "read-only"
        })
        .to_string(),
        "read logs, restart sync".to_string(),
        rng.pick(REASONS).to_string(),
        rng.pick(PEOPLE).to_string(),
        "Ravi Patel".to_string(),
        time(start - 120),
        "Dana Lee".to_string(),
        format!("CS-{}", 1000 + i),
        time(start - 600),
        time(start),
        time(start + minutes * 60),
        time(start + minutes * 60),
        "expired".to_string(),
    ];
    if g[5] == "billing-admin" {
        g[5] = "read-only".into(); // admin roles only among the violations below
    }
    if g[3] == g[9] {
        g[3] = "Mina Chen".into();
        g[9] = "Ravi Patel".into();
    }
    if rng.below(100) < 15 {
        for _ in 0..=rng.below(3) {
            match rng.below(8) {
                0 => g[15] = time(start + 6 * 3600),
                1 => g[7] = "Support issue.".into(),
                2 => g[9] = "Support team".into(),
                3 => g[5] = "TenantAdmin".into(),
                4 => g[3] = "support@vendor.io".into(),
                5 => g[12].clear(),
                6 => {
                    g[16].clear();
                    g[17] = "active".into();
                }
                _ => g[15] = "until fixed".into(),
            }
        }
    }
    g
}

fn time(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn generate(path: &Path, format: &str, n: usize) -> std::io::Result<()> {
    let mut rng = Rng(0x6772_616e_746c_696e ^ n as u64);
    let tenants = (n / 20).max(10);
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    match format {
        "csv" => writeln!(out, "{}", FIELDS.join(","))?,
        "json" => writeln!(out, "[")?,
        _ => {}
    }
    let mut quoted: HashMap<usize, String> = HashMap::new();
    for i in 0..n {
        let g = grant(&mut rng, i, tenants);
        match format {
            "csv" => {
                let row: Vec<&str> = g.iter().map(String::as_str).collect();
                let mut line = String::new();
                for (k, v) in row.iter().enumerate() {
                    if k > 0 {
                        line.push(',');
                    }
                    if v.contains(',') {
                        let q = quoted.entry(k).or_default();
                        q.clear();
                        q.push('"');
                        q.push_str(v);
                        q.push('"');
                        line.push_str(q);
                    } else {
                        line.push_str(v);
                    }
                }
                writeln!(out, "{line}")?;
            }
            "yaml" => {
                for (k, (field, v)) in FIELDS.iter().zip(&g).enumerate() {
                    let lead = if k == 0 { "- " } else { "  " };
                    writeln!(out, "{lead}{field}: \"{v}\"")?;
                }
            }
            _ => {
                let body: Vec<String> = FIELDS
                    .iter()
                    .zip(&g)
                    .map(|(f, v)| format!("\"{f}\": \"{v}\""))
                    .collect();
                let comma = if i + 1 < n { "," } else { "" };
                writeln!(out, "  {{{}}}{comma}", body.join(", "))?;
            }
        }
    }
    if format == "json" {
        writeln!(out, "]")?;
    }
    out.flush()
}
