//! `warren wast FILE|DIR...`: runs WebAssembly spec scripts through V8 and prints pass/fail
//! counts per directive kind (or a summary table, or JSON). Exit status 0 only when every
//! directive of every file passed.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use warren::wast::{FileReport, WastOptions};

#[derive(Args)]
pub struct WastArgs {
    /// `.wast` files, or directories searched recursively for them.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print the reports as JSON.
    #[arg(long)]
    json: bool,
    /// Print one row per file and the totals (files fully passing, assertions passed).
    #[arg(long)]
    summary: bool,
    /// Files run at once, each in its own isolate. Default: one per CPU.
    #[arg(short, long, default_value_t = 0)]
    jobs: usize,
    /// List every failure (by default at most 10 per file).
    #[arg(short, long)]
    verbose: bool,
    /// Instrument every module for fuel (with ample fuel): the results must not change.
    #[arg(long)]
    fuel: bool,
    /// Seconds one directive may run before it is stopped and counted as failed.
    #[arg(long, default_value_t = 20, value_name = "SECS")]
    timeout: u64,
}

pub fn wast(args: WastArgs) -> warren::Result<i32> {
    let files = warren::wast::collect_files(&args.files)?;
    if files.is_empty() {
        return Err(warren::Error::Args("no .wast files found".into()));
    }
    // On a terminal, a progress line on stderr while the files run.
    let tty = std::io::stderr().is_terminal() && files.len() > 1;
    let progress: Option<warren::wast::Progress> = tty.then(|| {
        std::sync::Arc::new(|done: usize, total: usize, r: &FileReport| {
            let name = r.path.rsplit('/').next().unwrap_or(&r.path);
            err!("\r\x1b[2K[{done}/{total}] {name}");
        }) as warren::wast::Progress
    });
    let opts = WastOptions {
        jobs: args.jobs,
        directive_timeout: Duration::from_secs(args.timeout.max(1)),
        progress,
        fuel: args.fuel,
        ..Default::default()
    };
    let start = Instant::now();
    let reports = warren::wast::run_files(&files, &opts);
    if tty {
        err!("\r\x1b[2K");
    }
    let elapsed = start.elapsed();
    let totals = Totals::of(&reports);
    if args.json {
        let doc = serde_json::json!({
            "files": reports,
            "totals": {
                "files": totals.files,
                "files_passing": totals.files_passing,
                "assertions_passed": totals.passed,
                "assertions": totals.total,
                "millis": elapsed.as_millis() as u64,
            }
        });
        outln!(
            "{}",
            serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
        );
    } else if args.summary {
        print_summary(&reports, &totals, elapsed);
    } else {
        for r in &reports {
            print_report(r, args.verbose);
        }
        if reports.len() > 1 {
            print_totals(&totals, elapsed);
        }
    }
    Ok(if totals.all_passed { 0 } else { 1 })
}

struct Totals {
    files: usize,
    files_passing: usize,
    passed: u64,
    total: u64,
    all_passed: bool,
}

impl Totals {
    fn of(reports: &[FileReport]) -> Totals {
        let mut t = Totals {
            files: reports.len(),
            files_passing: 0,
            passed: 0,
            total: 0,
            all_passed: true,
        };
        for r in reports {
            let (p, n) = r.assertions();
            t.passed += p;
            t.total += n;
            if r.all_passed() {
                t.files_passing += 1;
            } else {
                t.all_passed = false;
            }
        }
        t
    }
}

fn print_report(r: &FileReport, verbose: bool) {
    if let Some(e) = &r.error {
        let unrun: u64 = r.kinds.values().map(|c| c.failed).sum();
        outln!("{}: ERROR ({unrun} directives not run): {e}", r.path);
        return;
    }
    let (p, n) = r.assertions();
    let status = if r.all_passed() { "ok" } else { "FAIL" };
    let kinds: Vec<String> = r
        .kinds
        .iter()
        .map(|(k, c)| format!("{k} {}/{}", c.passed, c.passed + c.failed))
        .collect();
    outln!(
        "{}: {status}: {p}/{n} assertions passed ({}) in {} ms",
        r.path,
        kinds.join(", "),
        r.millis
    );
    let limit = if verbose { usize::MAX } else { 10 };
    for f in r.failures.iter().take(limit) {
        outln!("  {}:{}: {}: {}", r.path, f.line, f.kind, f.reason);
    }
    if r.failures.len() > limit {
        outln!(
            "  ... and {} more failures (-v lists them all)",
            r.failures.len() - limit
        );
    }
}

fn print_summary(reports: &[FileReport], t: &Totals, elapsed: Duration) {
    let width = reports
        .iter()
        .map(|r| r.path.len())
        .max()
        .unwrap_or(4)
        .max(4);
    outln!(
        "{:width$}  {:>13}  {:>8}  status",
        "file",
        "assertions",
        "ms"
    );
    for r in reports {
        let (p, n) = r.assertions();
        let status = match &r.error {
            Some(e) => format!("ERROR {e}"),
            None if r.all_passed() => "ok".into(),
            None => format!("FAIL ({} failed)", r.failures.len()),
        };
        outln!(
            "{:width$}  {:>13}  {:>8}  {status}",
            r.path,
            format!("{p}/{n}"),
            r.millis
        );
    }
    print_totals(t, elapsed);
}

fn print_totals(t: &Totals, elapsed: Duration) {
    let pct = if t.total == 0 {
        100.0
    } else {
        t.passed as f64 * 100.0 / t.total as f64
    };
    outln!(
        "files fully passing: {}/{}; assertions passed: {}/{} ({pct:.2}%); {:.1} s",
        t.files_passing,
        t.files,
        t.passed,
        t.total,
        elapsed.as_secs_f64()
    );
}
