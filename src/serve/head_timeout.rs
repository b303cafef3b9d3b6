//! How long a connection may take to send the head of its next request (`head_timeout`),
//! the time it sits idle between keep-alive requests included: a clock per connection
//! that its requests set (serving one, or waiting since when), and a task per connection
//! that looks at it when the wait it last saw would be over. hyper's own header timeout
//! takes a timer per request (a boxed sleep made, put in tokio's timer wheel and taken
//! out again: about 1,700 instructions of each hello request, under callgrind); this
//! costs a request two stores and a clock read, and the connection one timer per period.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

/// What a connection is doing, as its watcher sees it.
#[derive(Debug)]
pub(crate) struct HeadClock {
    /// [`SERVING`] while a request is served (from its head to the end of its response),
    /// else the time it began to wait for the next head, as [`stamp`]s.
    since: AtomicU64,
}

/// The clock's value while a request is served.
const SERVING: u64 = 0;

/// The instant the stamps count from.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Now, as nanoseconds after [`epoch`] plus one (never [`SERVING`]).
fn stamp() -> u64 {
    u64::try_from(epoch().elapsed().as_nanos())
        .unwrap_or(u64::MAX - 1)
        .saturating_add(1)
}

impl HeadClock {
    /// A clock for a connection that begins now, waiting for its first head.
    pub(crate) fn new() -> Arc<HeadClock> {
        Arc::new(HeadClock {
            since: AtomicU64::new(stamp()),
        })
    }

    /// A request's head has come: no limit runs until its response has gone.
    pub(crate) fn serving(&self) {
        self.since.store(SERVING, Ordering::Relaxed);
    }

    /// The response has gone: the wait for the next head begins.
    pub(crate) fn waiting(&self) {
        self.since.store(stamp(), Ordering::Relaxed);
    }

    /// When the wait for a head began, if one is under way.
    fn waiting_since(&self) -> Option<Instant> {
        match self.since.load(Ordering::Relaxed) {
            SERVING => None,
            s => Some(epoch() + Duration::from_nanos(s - 1)),
        }
    }
}

/// Watches the connection served by `conn`, whose requests set `clock`: aborts it (its
/// socket is closed) once it has waited `limit` for a head, and returns when it ends.
pub(crate) async fn watch(clock: Arc<HeadClock>, limit: Duration, mut conn: JoinHandle<()>) {
    let mut at = clock.waiting_since().unwrap_or_else(Instant::now) + limit;
    loop {
        tokio::select! {
            _ = &mut conn => return,
            () = tokio::time::sleep_until(at.into()) => {}
        }
        let now = Instant::now();
        at = match clock.waiting_since() {
            // A request is served: look again when a wait begun now would be over.
            None => now + limit,
            Some(since) if since + limit <= now => {
                conn.abort();
                return;
            }
            Some(since) => since + limit,
        };
    }
}
