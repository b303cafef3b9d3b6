//! [`Interrupt`]: how a limit that fires reaches a host function blocked in Rust (a WASI
//! sleep, a wait on stdin), which V8's `TerminateExecution` cannot stop.
//!
//! The runtime clears its interrupt when it arms a call's limits; the watchdog fires it
//! together with terminating the isolate. A blocking host function waits on it instead of
//! sleeping, so it returns as soon as the limit fires; the isolate then ends the call.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// A flag a blocking host call can wait on; fired when the current call's time limit
/// fires. Cloning shares it.
#[derive(Clone, Default, Debug)]
pub struct Interrupt(Arc<(Mutex<bool>, Condvar)>);

/// A wait that ended because the call's limit fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted: the call's limit fired")]
pub struct Interrupted;

impl Interrupt {
    /// A new interrupt, not fired.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fires it: every wait returns, and later waits return at once until it is cleared.
    pub fn fire(&self) {
        let (lock, cv) = &*self.0;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        cv.notify_all();
    }

    /// Clears it (the runtime does when a new call's limits are armed).
    pub fn clear(&self) {
        *self.0.0.lock().unwrap_or_else(PoisonError::into_inner) = false;
    }

    /// Whether it has fired since it was last cleared.
    pub fn fired(&self) -> bool {
        *self.0.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleeps for `duration`, or until it fires.
    ///
    /// # Errors
    /// [`Interrupted`] when it fired (before or during the sleep).
    pub fn sleep(&self, duration: Duration) -> Result<(), Interrupted> {
        let (lock, cv) = &*self.0;
        let until = Instant::now().checked_add(duration);
        let mut fired = lock.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if *fired {
                return Err(Interrupted);
            }
            let left = match until {
                Some(u) => u.saturating_duration_since(Instant::now()),
                // Further than `Instant` can count: wait in long steps.
                None => Duration::from_secs(3600),
            };
            if until.is_some() && left.is_zero() {
                return Ok(());
            }
            fired = cv
                .wait_timeout(fired, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}
