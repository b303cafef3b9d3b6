//! A watchdog thread that stops an isolate when a deadline passes: the time limit of
//! `Runtime` calls and of each `warren wast` directive.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

/// Stops a call that runs too long: a thread that calls
/// `IsolateHandle::terminate_execution` when the armed deadline passes.
pub(crate) struct Watchdog {
    shared: Arc<(Mutex<WatchState>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct WatchState {
    deadline: Option<Instant>,
    fired: bool,
    stop: bool,
}

impl Watchdog {
    pub(crate) fn new(handle: v8::IsolateHandle) -> std::io::Result<Watchdog> {
        let shared = Arc::new((Mutex::new(WatchState::default()), Condvar::new()));
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("warren-watchdog".into())
            .spawn(move || {
                let (lock, cv) = &*s;
                let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if st.stop {
                        return;
                    }
                    match st.deadline {
                        Some(d) if Instant::now() >= d => {
                            handle.terminate_execution();
                            st.fired = true;
                            st.deadline = None;
                        }
                        Some(d) => {
                            let wait = d.saturating_duration_since(Instant::now());
                            st = cv
                                .wait_timeout(st, wait)
                                .unwrap_or_else(|e| e.into_inner())
                                .0;
                        }
                        None => st = cv.wait(st).unwrap_or_else(|e| e.into_inner()),
                    }
                }
            })?;
        Ok(Watchdog {
            shared,
            thread: Some(thread),
        })
    }

    /// Arms the watchdog to fire at `deadline`.
    pub(crate) fn arm(&self, deadline: Instant) {
        let (lock, cv) = &*self.shared;
        let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
        st.deadline = Some(deadline);
        st.fired = false;
        cv.notify_one();
    }

    /// Disarms it; returns whether it fired since it was armed (the caller must then cancel
    /// the termination before running anything else).
    pub(crate) fn disarm(&self) -> bool {
        let (lock, cv) = &*self.shared;
        let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
        st.deadline = None;
        cv.notify_one();
        std::mem::take(&mut st.fired)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        {
            let (lock, cv) = &*self.shared;
            lock.lock().unwrap_or_else(|e| e.into_inner()).stop = true;
            cv.notify_one();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
