//! The watchdog: one thread for the whole process that stops an isolate when a deadline
//! passes: the wall-clock and CPU-time limits of `Runtime` calls, and the deadline of each
//! `warren wast` directive. Each runtime holds a [`Watchdog`], its entry in the watch list.
//!
//! CPU time is read from the isolate thread's own clock (`pthread_getcpuclockid`), as
//! Workers' `cpu_ms` is measured: a call waiting on a timer or an async host call is not
//! charged for the wait. A thread's CPU time never runs faster than the wall clock, so the
//! watchdog sleeps for the budget still unspent and only then reads the clock again.
//!
//! One shared thread, rather than one per runtime, because runtimes come and go (`warren
//! serve` makes one anew after every broken limit): a thread each cost a spawn and a join
//! each time, and a thread spawned by an isolate thread that runs at idle priority would
//! run at idle priority too, and fire late.

use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
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
    /// lives (the runtime whose entry reads it lives on it).
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

/// A runtime's entry in the watchdog's list: arming it has the watchdog thread call
/// `IsolateHandle::terminate_execution` when an armed limit passes. Dropping it takes the
/// entry out.
pub(crate) struct Watchdog {
    id: u64,
}

/// The watch list and the thread's next wake-up, behind the one lock.
#[derive(Default)]
struct Watched {
    /// By id. Every call arms and disarms its entry: Fx hashing (a multiply) rather than
    /// the default SipHash, which cost more than the rest of arming.
    entries: rustc_hash::FxHashMap<u64, Entry>,
    next_id: u64,
    /// When the thread, waiting, will wake by itself (`None`: only when notified). Arming
    /// wakes it only when the new limit could pass before that; disarming never does (it
    /// then wakes at most once, needlessly, at the old time). So calls in a row cost no
    /// context switch to the watchdog thread.
    wakes_at: Option<Instant>,
}

struct Entry {
    handle: v8::IsolateHandle,
    interrupt: Option<crate::Interrupt>,
    deadline: Option<Instant>,
    cpu: Option<CpuBudget>,
    fired: Option<Fired>,
}

struct Shared {
    watched: Mutex<Watched>,
    cv: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Watched> {
        self.watched.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The watch list, its thread started by the first runtime that needs it.
fn shared() -> std::io::Result<&'static Shared> {
    static SHARED: OnceLock<Result<&'static Shared, String>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let shared: &'static Shared = Box::leak(Box::new(Shared {
                watched: Mutex::new(Watched::default()),
                cv: Condvar::new(),
            }));
            std::thread::Builder::new()
                .name("warren-watchdog".into())
                .spawn(move || watch(shared))
                .map(|_| shared)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(std::io::Error::other)
}

/// The watchdog thread: fires each entry whose limit has passed, then sleeps until the
/// soonest of the others could.
fn watch(shared: &'static Shared) {
    let mut st = shared.lock();
    loop {
        let now = Instant::now();
        let mut wait: Option<Duration> = None;
        for entry in st.entries.values_mut() {
            let wall_left = entry.deadline.map(|d| d.saturating_duration_since(now));
            let cpu_left = entry.cpu.map(|c| {
                c.limit
                    .saturating_sub(c.clock.now().saturating_sub(c.start))
            });
            let fired = match (wall_left, cpu_left) {
                (Some(w), _) if w.is_zero() => Some(Fired::Wall),
                (_, Some(c)) if c.is_zero() => Some(Fired::Cpu),
                _ => None,
            };
            if let Some(f) = fired {
                entry.handle.terminate_execution();
                if let Some(i) = &entry.interrupt {
                    i.fire();
                }
                entry.fired = Some(f);
                entry.deadline = None;
                entry.cpu = None;
                continue;
            }
            wait = wait.into_iter().chain(wall_left).chain(cpu_left).min();
        }
        st.wakes_at = wait.map(|w| now + w);
        st = match wait {
            Some(wait) => {
                shared
                    .cv
                    .wait_timeout(st, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
            None => shared.cv.wait(st).unwrap_or_else(|e| e.into_inner()),
        };
    }
}

impl Watchdog {
    /// Adds `handle`'s isolate to the watch list, unarmed; `interrupt` is fired with the
    /// termination, to wake a host call the isolate waits in.
    ///
    /// # Errors
    /// The watchdog thread could not be started (the first time one was needed).
    pub(crate) fn new(
        handle: v8::IsolateHandle,
        interrupt: Option<crate::Interrupt>,
    ) -> std::io::Result<Watchdog> {
        let mut st = shared()?.lock();
        let id = st.next_id;
        st.next_id += 1;
        st.entries.insert(
            id,
            Entry {
                handle,
                interrupt,
                deadline: None,
                cpu: None,
                fired: None,
            },
        );
        Ok(Watchdog { id })
    }

    /// Arms the watchdog: fire at the wall-clock `deadline`, or when `cpu` is spent.
    pub(crate) fn arm(&self, deadline: Option<Instant>, cpu: Option<CpuBudget>) {
        let Ok(shared) = shared() else { return };
        let mut st = shared.lock();
        let wakes_at = st.wakes_at;
        let Some(entry) = st.entries.get_mut(&self.id) else {
            return;
        };
        entry.deadline = deadline;
        entry.cpu = cpu;
        entry.fired = None;
        // CPU time never runs faster than the wall clock: the budget cannot be spent
        // before `now + limit`.
        let due = deadline
            .into_iter()
            .chain(cpu.map(|c| Instant::now() + c.limit))
            .min();
        if due.is_some_and(|due| wakes_at.is_none_or(|w| due < w)) {
            // The thread now wakes for this (it sets `wakes_at` itself when it waits
            // again); a second arm before then need not notify it again.
            st.wakes_at = due;
            shared.cv.notify_one();
        }
    }

    /// Disarms it; returns which limit fired since it was armed, if one did (the caller
    /// must then cancel the termination before running anything else).
    pub(crate) fn disarm(&self) -> Option<Fired> {
        disarm(self.id)
    }

    /// A handle that disarms this watchdog, for a call that may end without its caller.
    pub(crate) fn disarmer(&self) -> Disarmer {
        Disarmer(self.id)
    }
}

/// Disarms a [`Watchdog`] from wherever it is held.
pub(crate) struct Disarmer(u64);

impl Disarmer {
    /// As [`Watchdog::disarm`].
    pub(crate) fn disarm(&self) -> Option<Fired> {
        disarm(self.0)
    }
}

fn disarm(id: u64) -> Option<Fired> {
    let mut st = shared().ok()?.lock();
    let entry = st.entries.get_mut(&id)?;
    entry.deadline = None;
    entry.cpu = None;
    entry.fired.take()
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Ok(shared) = shared() {
            shared.lock().entries.remove(&self.id);
        }
    }
}
