//! A watchdog thread that stops an isolate when a deadline passes: the wall-clock and
//! CPU-time limits of `Runtime` calls, and the deadline of each `warren wast` directive.
//!
//! CPU time is read from the isolate thread's own clock (`pthread_getcpuclockid`), as
//! Workers' `cpu_ms` is measured: a call waiting on a timer or an async host call is not
//! charged for the wait. A thread's CPU time never runs faster than the wall clock, so the
//! watchdog sleeps for the budget still unspent and only then reads the clock again.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Which limit stopped a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fired {
    Wall,
    Cpu,
}

/// The CPU clock of one thread.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CpuClock(libc::clockid_t);

impl CpuClock {
    /// The calling thread's CPU clock.
    pub(crate) fn current_thread() -> std::io::Result<CpuClock> {
        let mut id: libc::clockid_t = 0;
        // SAFETY: `pthread_self()` is the calling thread, alive for this call; `id` is a
        // valid out-pointer.
        let rc = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut id) };
        if rc != 0 {
            return Err(std::io::Error::from_raw_os_error(rc));
        }
        Ok(CpuClock(id))
    }

    /// CPU time the thread has used so far. Readable from any thread while the thread
    /// lives (the runtime owning the watchdog lives on it).
    pub(crate) fn now(self) -> Duration {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid out-pointer; an invalid clock id makes the call fail,
        // which leaves `ts` at zero.
        unsafe { libc::clock_gettime(self.0, &mut ts) };
        Duration::new(
            ts.tv_sec.max(0) as u64,
            ts.tv_nsec.clamp(0, 999_999_999) as u32,
        )
    }
}

/// A CPU-time budget: the clock, its reading when the call started, and how much it may
/// advance.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CpuBudget {
    pub clock: CpuClock,
    pub start: Duration,
    pub limit: Duration,
}

/// Stops a call that runs too long: a thread that calls
/// `IsolateHandle::terminate_execution` when an armed limit passes.
pub(crate) struct Watchdog {
    shared: Arc<(Mutex<WatchState>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct WatchState {
    deadline: Option<Instant>,
    cpu: Option<CpuBudget>,
    fired: Option<Fired>,
    stop: bool,
    /// When the thread, waiting, will wake by itself (`None`: only when notified). Arming
    /// wakes it only when the new limit could pass before that; disarming never does (it
    /// then wakes at most once, needlessly, at the old time). So calls in a row cost no
    /// context switch to the watchdog thread.
    wakes_at: Option<Instant>,
}

impl Watchdog {
    pub(crate) fn new(
        handle: v8::IsolateHandle,
        interrupt: Option<crate::Interrupt>,
    ) -> std::io::Result<Watchdog> {
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
                    let now = Instant::now();
                    let wall_left = st.deadline.map(|d| d.saturating_duration_since(now));
                    let cpu_left = st.cpu.map(|c| {
                        c.limit
                            .saturating_sub(c.clock.now().saturating_sub(c.start))
                    });
                    let fired = match (wall_left, cpu_left) {
                        (Some(w), _) if w.is_zero() => Some(Fired::Wall),
                        (_, Some(c)) if c.is_zero() => Some(Fired::Cpu),
                        _ => None,
                    };
                    if let Some(f) = fired {
                        handle.terminate_execution();
                        if let Some(i) = &interrupt {
                            i.fire();
                        }
                        st.fired = Some(f);
                        st.deadline = None;
                        st.cpu = None;
                        continue;
                    }
                    let wait = wall_left.into_iter().chain(cpu_left).min();
                    st.wakes_at = wait.map(|w| now + w);
                    st = match wait {
                        Some(wait) => {
                            cv.wait_timeout(st, wait)
                                .unwrap_or_else(|e| e.into_inner())
                                .0
                        }
                        None => cv.wait(st).unwrap_or_else(|e| e.into_inner()),
                    };
                }
            })?;
        Ok(Watchdog {
            shared,
            thread: Some(thread),
        })
    }

    /// Arms the watchdog: fire at the wall-clock `deadline`, or when `cpu` is spent.
    pub(crate) fn arm(&self, deadline: Option<Instant>, cpu: Option<CpuBudget>) {
        let (lock, cv) = &*self.shared;
        let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
        st.deadline = deadline;
        st.cpu = cpu;
        st.fired = None;
        // CPU time never runs faster than the wall clock: the budget cannot be spent
        // before `now + limit`.
        let due = deadline
            .into_iter()
            .chain(cpu.map(|c| Instant::now() + c.limit))
            .min();
        if due.is_some_and(|due| st.wakes_at.is_none_or(|w| due < w)) {
            cv.notify_one();
        }
    }

    /// Disarms it; returns which limit fired since it was armed, if one did (the caller
    /// must then cancel the termination before running anything else).
    pub(crate) fn disarm(&self) -> Option<Fired> {
        disarm(&self.shared)
    }

    /// A handle that disarms this watchdog, for a call that may end without its caller.
    pub(crate) fn disarmer(&self) -> Disarmer {
        Disarmer(self.shared.clone())
    }
}

/// Disarms a [`Watchdog`] from wherever it is held.
pub(crate) struct Disarmer(Arc<(Mutex<WatchState>, Condvar)>);

impl Disarmer {
    /// As [`Watchdog::disarm`].
    pub(crate) fn disarm(&self) -> Option<Fired> {
        disarm(&self.0)
    }
}

fn disarm(shared: &(Mutex<WatchState>, Condvar)) -> Option<Fired> {
    let (lock, _) = shared;
    let mut st = lock.lock().unwrap_or_else(|e| e.into_inner());
    st.deadline = None;
    st.cpu = None;
    st.fired.take()
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
