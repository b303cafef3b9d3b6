//! The `.wast` spec-script runner: runs WebAssembly spec test scripts through V8's Wasm
//! engine, one fresh isolate per file on its own large-stack thread, with a watchdog that
//! turns a runaway directive into a failure, and reports pass/fail counts per directive kind.
//!
//! Scripts are parsed by the `wast` crate. Values cross into V8 through generated wrapper
//! modules so that comparisons are bit-exact (see `wrapper.rs`); V8's trap messages are mapped
//! to the spec's wording by [`crate::TrapKind`].
//!
//! ```no_run
//! let opts = warren::wast::WastOptions::default();
//! let reports = warren::wast::run_files(&["i32.wast".into()], &opts);
//! let (passed, total) = reports[0].assertions();
//! assert_eq!(passed, total);
//! ```

mod runner;
mod values;
mod wrapper;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

/// V8 flags for the Wasm proposals the spec suite covers that V8 15.2 does not ship by
/// default. Shipped ones (GC, exnref, tail calls, memory64, multi-memory, relaxed SIMD,
/// extended const, typed function references, threads, legacy exceptions) have no flag any
/// more. V8 15.2 has no custom-page-sizes flag at all. Each flag here is checked to take
/// effect by the `wast` integration tests (an unknown flag would be silently ignored).
pub const PROPOSAL_FLAGS: &str = "--wasm-wide-arithmetic --wasm-custom-descriptors";

/// Stack size of the threads that run scripts. V8's own limit (`--stack-size`, set by
/// [`crate::engine`] to 984 KiB) stays far below it, so deep recursion is a catchable
/// `RangeError` and the Rust and V8 C++ frames around it always have room.
pub const THREAD_STACK_BYTES: usize = 64 << 20;

/// Called after each file finishes: (files done, files in all, the file's report).
pub type Progress = Arc<dyn Fn(usize, usize, &FileReport) + Send + Sync>;

/// How to run scripts.
#[derive(Clone)]
pub struct WastOptions {
    /// Files run at once (each on its own thread and isolate). 0 means one per CPU.
    pub jobs: usize,
    /// The longest one directive (a call, an instantiation) may run before it is stopped
    /// and counted as failed.
    pub directive_timeout: Duration,
    /// The longest one file may run; directives after that are counted as failed.
    pub file_timeout: Duration,
    /// Told about each finished file (the CLI draws a progress line on a terminal).
    pub progress: Option<Progress>,
    /// Run every module instrumented for fuel (`crate::fuel`) with ample fuel, so the
    /// suite checks that instrumentation changes no result.
    pub fuel: bool,
}

impl std::fmt::Debug for WastOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WastOptions")
            .field("jobs", &self.jobs)
            .field("directive_timeout", &self.directive_timeout)
            .field("file_timeout", &self.file_timeout)
            .field("progress", &self.progress.is_some())
            .field("fuel", &self.fuel)
            .finish()
    }
}

impl Default for WastOptions {
    fn default() -> Self {
        WastOptions {
            jobs: 0,
            directive_timeout: Duration::from_secs(20),
            file_timeout: Duration::from_secs(55),
            progress: None,
            fuel: false,
        }
    }
}

/// Passed and failed counts for one directive kind.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
}

/// One directive that failed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Failure {
    /// 1-based line of the directive in the script.
    pub line: usize,
    /// The directive kind (`assert_return`, `module`, ...).
    pub kind: String,
    pub reason: String,
}

/// The result of running one script.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub path: String,
    /// Counts per directive kind, sorted by kind.
    pub kinds: BTreeMap<String, Counts>,
    pub failures: Vec<Failure>,
    /// Set when the script could not be run at all (unreadable, does not parse).
    pub error: Option<String>,
    pub millis: u64,
    /// With [`WastOptions::fuel`], how many modules were compiled instrumented.
    pub fuel_instrumented: usize,
}

impl FileReport {
    fn new(path: &Path) -> Self {
        FileReport {
            path: path.display().to_string(),
            kinds: BTreeMap::new(),
            failures: Vec::new(),
            error: None,
            millis: 0,
            fuel_instrumented: 0,
        }
    }

    pub(crate) fn record(&mut self, kind: &str, line: usize, result: Result<(), String>) {
        let c = self.kinds.entry(kind.to_string()).or_default();
        match result {
            Ok(()) => c.passed += 1,
            Err(reason) => {
                c.failed += 1;
                self.failures.push(Failure {
                    line,
                    kind: kind.to_string(),
                    reason,
                });
            }
        }
    }

    /// Counts a directive that could not run because the script did not parse (its failure
    /// is the file's `error`).
    pub(crate) fn count_unrun(&mut self, kind: &str) {
        self.kinds.entry(kind.to_string()).or_default().failed += 1;
    }

    /// Assertions (`assert_*` directives) passed, and their total.
    pub fn assertions(&self) -> (u64, u64) {
        self.kinds
            .iter()
            .filter(|(k, _)| k.starts_with("assert_"))
            .fold((0, 0), |(p, t), (_, c)| {
                (p + c.passed, t + c.passed + c.failed)
            })
    }

    /// Whether every directive passed and the script ran.
    pub fn all_passed(&self) -> bool {
        self.error.is_none() && self.failures.is_empty()
    }
}

/// Enables the proposal flags ([`PROPOSAL_FLAGS`]) for isolates created from now on.
pub fn enable_proposals() {
    crate::engine::set_flags(PROPOSAL_FLAGS);
}

/// Expands the inputs: directories become the `.wast` files under them (recursively,
/// sorted); files are kept as given.
///
/// # Errors
/// [`crate::Error::Io`] for an input that does not exist or a directory that cannot be read.
pub fn collect_files(inputs: &[PathBuf]) -> crate::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input).map_err(|e| crate::Error::io(input, e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(input, &mut found)?;
            found.sort();
            out.extend(found);
        } else {
            out.push(input.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> crate::Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| crate::Error::io(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| crate::Error::io(dir, e))?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "wast") {
            out.push(path);
        }
    }
    Ok(())
}

/// Runs each file in a fresh isolate, `opts.jobs` at a time, and returns the reports in
/// input order. Enables [`PROPOSAL_FLAGS`] first. Never panics on bad input: a file that
/// cannot be read or parsed gets a report with `error` set.
pub fn run_files(paths: &[PathBuf], opts: &WastOptions) -> Vec<FileReport> {
    enable_proposals();
    let jobs = if opts.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.jobs
    }
    .clamp(1, paths.len().max(1));
    let next = Arc::new(Mutex::new(0usize));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let total = paths.len();
    let results: Arc<Mutex<Vec<Option<FileReport>>>> =
        Arc::new(Mutex::new(vec![None; paths.len()]));
    let shared_paths: Arc<Vec<PathBuf>> = Arc::new(paths.to_vec());
    let mut workers = Vec::new();
    for _ in 0..jobs {
        let (next, results, queue, opts, done) = (
            next.clone(),
            results.clone(),
            shared_paths.clone(),
            opts.clone(),
            done.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("warren-wast".into())
            .stack_size(THREAD_STACK_BYTES)
            .spawn(move || {
                loop {
                    let i = {
                        let mut n = next.lock().unwrap_or_else(|e| e.into_inner());
                        let i = *n;
                        *n += 1;
                        i
                    };
                    let Some(path) = queue.get(i) else { break };
                    let report = run_one(path, &opts);
                    if let Some(progress) = &opts.progress {
                        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                        progress(n, total, &report);
                    }
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(report);
                }
            });
        match spawned {
            Ok(h) => workers.push(h),
            Err(_) if !workers.is_empty() => break,
            Err(e) => {
                return paths
                    .iter()
                    .map(|p| {
                        let mut r = FileReport::new(p);
                        r.error = Some(format!("cannot start a runner thread: {e}"));
                        r
                    })
                    .collect();
            }
        }
    }
    for w in workers {
        let _ = w.join();
    }
    let results = std::mem::take(&mut *results.lock().unwrap_or_else(|e| e.into_inner()));
    results
        .into_iter()
        .zip(paths.iter())
        .map(|(r, p)| {
            r.unwrap_or_else(|| {
                let mut r = FileReport::new(p);
                r.error = Some("the runner thread stopped before finishing this file".into());
                r
            })
        })
        .collect()
}

/// Runs one file on the current thread (which must have a large stack), catching panics.
fn run_one(path: &Path, opts: &WastOptions) -> FileReport {
    let start = Instant::now();
    let mut report = FileReport::new(path);
    match std::fs::read(path) {
        Err(e) => report.error = Some(format!("cannot read {}: {e}", path.display())),
        Ok(bytes) => match String::from_utf8(bytes) {
            Err(_) => report.error = Some(format!("{} is not UTF-8 text", path.display())),
            Ok(text) => {
                let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    runner::run_script(path, &text, opts, &mut report)
                }));
                if let Err(p) = caught {
                    let what = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    report.error = Some(format!("internal error (panic) in the runner: {what}"));
                }
            }
        },
    }
    report.millis = start.elapsed().as_millis() as u64;
    report
}
