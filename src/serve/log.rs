//! What the server reports as it runs: one [`LogEvent`] per request answered (the access
//! log) and per handler fault, handed to the embedder's [`LogSink`] (the library prints
//! nothing), with their Common Log Format and JSON renderings.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Receives the server's events.
pub type LogSink = Arc<dyn Fn(&LogEvent) + Send + Sync>;

/// One event of the server.
#[derive(Debug, Clone)]
pub enum LogEvent {
    /// A request answered.
    Access(AccessEntry),
    /// A handler failed or broke a limit (what the client never sees).
    Fault { handler: String, message: String },
}

/// One request answered.
#[derive(Debug, Clone)]
pub struct AccessEntry {
    pub remote: SocketAddr,
    /// When the request arrived.
    pub time: SystemTime,
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    /// `HTTP/1.1`, `HTTP/1.0`.
    pub version: &'static str,
    pub status: u16,
    /// The body bytes sent, when known before it was sent (not for a streamed body).
    pub bytes: Option<u64>,
    /// The handler that answered, if one did.
    pub handler: Option<String>,
    /// Time to the response head.
    pub duration: Duration,
}

impl LogEvent {
    /// The line of the text log: Common Log Format for an access, `handler NAME: ...`
    /// for a fault.
    pub fn to_text(&self) -> String {
        match self {
            LogEvent::Access(a) => format!(
                "{} - - [{}] \"{} {} {}\" {} {}",
                a.remote.ip(),
                clf_time(a.time),
                a.method,
                a.target,
                a.version,
                a.status,
                a.bytes.map_or_else(|| "-".to_string(), |b| b.to_string())
            ),
            LogEvent::Fault { handler, message } => format!("handler \"{handler}\": {message}"),
        }
    }

    /// The event as one JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            LogEvent::Access(a) => serde_json::json!({
                "type": "access",
                "time": humantime::format_rfc3339_millis(a.time).to_string(),
                "remote": a.remote.ip().to_string(),
                "method": a.method,
                "target": a.target,
                "version": a.version,
                "status": a.status,
                "bytes": a.bytes,
                "handler": a.handler,
                "duration_ms": a.duration.as_secs_f64() * 1e3,
            }),
            LogEvent::Fault { handler, message } => serde_json::json!({
                "type": "fault",
                "handler": handler,
                "message": message,
            }),
        }
    }
}

/// `10/Oct/2000:13:55:36 +0000`, in UTC.
fn clf_time(t: SystemTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{day:02}/{}/{year}:{:02}:{:02}:{:02} +0000",
        MONTHS[(month - 1) as usize],
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}
