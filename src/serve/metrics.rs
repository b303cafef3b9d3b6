//! Per-handler counters and the Prometheus text of `/_warren/metrics`: requests by status
//! class, a latency histogram (time to the response head), limit hits by limit, isolate
//! restarts, isolates demoted to idle priority, requests refused because the queue was
//! full, the queue's length and the requests in flight.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// The histogram's upper bounds, in seconds.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Which limit a request broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitKind {
    Timeout,
    Cpu,
    Memory,
}

/// One handler's counters.
#[derive(Debug, Default)]
pub(crate) struct HandlerMetrics {
    /// By status class: 1xx to 5xx.
    classes: [AtomicU64; 5],
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    micros: AtomicU64,
    limits: [AtomicU64; 3],
    restarts: AtomicU64,
    demoted: AtomicU64,
    rejected: AtomicU64,
    in_flight: AtomicU64,
}

impl HandlerMetrics {
    /// A request answered with `status` after `took`.
    pub fn answered(&self, status: u16, took: Duration) {
        let class = usize::from((status / 100).clamp(1, 5)) - 1;
        self.classes[class].fetch_add(1, Relaxed);
        let secs = took.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Relaxed);
        }
        self.count.fetch_add(1, Relaxed);
        self.micros
            .fetch_add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Relaxed);
    }

    pub fn limit_hit(&self, kind: LimitKind) {
        self.limits[kind as usize].fetch_add(1, Relaxed);
    }

    pub fn restarted(&self) {
        self.restarts.fetch_add(1, Relaxed);
    }

    /// An isolate thread went to idle priority after a broken time limit.
    pub fn demoted(&self) {
        self.demoted.fetch_add(1, Relaxed);
    }

    /// A demoted isolate thread was replaced by one at normal priority.
    pub fn restored(&self) {
        let _ = self
            .demoted
            .fetch_update(Relaxed, Relaxed, |n| Some(n.saturating_sub(1)));
    }

    pub fn rejected(&self) {
        self.rejected.fetch_add(1, Relaxed);
    }

    /// One of the handler's isolates went from `from` requests in flight to `to`.
    pub fn in_flight_moved(&self, from: usize, to: usize) {
        if to > from {
            self.in_flight.fetch_add((to - from) as u64, Relaxed);
        } else if from > to {
            self.in_flight.fetch_sub((from - to) as u64, Relaxed);
        }
    }
}

/// A metric family with one number per handler (given the handler's counters and queue).
type Family = (
    &'static str,
    &'static str,
    &'static str,
    fn(&HandlerMetrics, usize) -> u64,
);

/// The Prometheus text exposition of every handler's counters, with the number of requests
/// waiting in its queue.
pub(crate) fn render(handlers: &[(&str, &HandlerMetrics, usize)]) -> String {
    let mut out = String::new();
    let label = |name: &str| name.replace('\\', "\\\\").replace('"', "\\\"");
    let _ = writeln!(
        out,
        "# HELP warren_requests_total Requests answered, by handler and status class.\n# TYPE warren_requests_total counter"
    );
    for (name, m, _) in handlers {
        for (i, c) in m.classes.iter().enumerate() {
            let _ = writeln!(
                out,
                "warren_requests_total{{handler=\"{}\",class=\"{}xx\"}} {}",
                label(name),
                i + 1,
                c.load(Relaxed)
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP warren_request_duration_seconds Time to the response head.\n# TYPE warren_request_duration_seconds histogram"
    );
    for (name, m, _) in handlers {
        let mut total = 0;
        for (b, n) in BUCKETS.iter().zip(&m.buckets) {
            total += n.load(Relaxed);
            let _ = writeln!(
                out,
                "warren_request_duration_seconds_bucket{{handler=\"{}\",le=\"{b}\"}} {total}",
                label(name)
            );
        }
        let count = m.count.load(Relaxed);
        let _ = writeln!(
            out,
            "warren_request_duration_seconds_bucket{{handler=\"{0}\",le=\"+Inf\"}} {count}\nwarren_request_duration_seconds_sum{{handler=\"{0}\"}} {1}\nwarren_request_duration_seconds_count{{handler=\"{0}\"}} {count}",
            label(name),
            m.micros.load(Relaxed) as f64 / 1e6,
        );
    }
    let _ = writeln!(
        out,
        "# HELP warren_limit_hits_total Requests stopped at a limit.\n# TYPE warren_limit_hits_total counter"
    );
    for (name, m, _) in handlers {
        for (kind, n) in ["timeout", "cpu", "memory"].iter().zip(&m.limits) {
            let _ = writeln!(
                out,
                "warren_limit_hits_total{{handler=\"{}\",limit=\"{kind}\"}} {}",
                label(name),
                n.load(Relaxed)
            );
        }
    }
    // The families with one number per handler: name, help, type, the number.
    let families: [Family; 5] = [
        (
            "warren_isolate_restarts_total",
            "Isolates retired after a fault and made anew.",
            "counter",
            |m, _| m.restarts.load(Relaxed),
        ),
        (
            "warren_isolates_demoted",
            "Isolates running at idle priority since a request broke a time limit.",
            "gauge",
            |m, _| m.demoted.load(Relaxed),
        ),
        (
            "warren_queue_rejections_total",
            "Requests answered 503 because the queue was full.",
            "counter",
            |m, _| m.rejected.load(Relaxed),
        ),
        (
            "warren_queue_length",
            "Requests waiting for a free isolate.",
            "gauge",
            |_, queued| queued as u64,
        ),
        (
            "warren_requests_in_flight",
            "Requests an isolate has taken and not finished (one answered within its first call is not counted).",
            "gauge",
            |m, _| m.in_flight.load(Relaxed),
        ),
    ];
    for (family, help, kind, value) in families {
        let _ = writeln!(out, "# HELP {family} {help}\n# TYPE {family} {kind}");
        for (name, m, queued) in handlers {
            let _ = writeln!(
                out,
                "{family}{{handler=\"{}\"}} {}",
                label(name),
                value(m, *queued)
            );
        }
    }
    out
}
