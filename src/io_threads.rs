//! Threads for blocking outbound work (a `fetch`, an Extism `http_request`), kept and
//! reused: a request made on one costs no thread creation (about twenty syscalls and a
//! fresh stack's page faults, which were most of a proxying handler's CPU). They belong to
//! no tokio runtime, so a runtime dropped while work it gave up on still runs never waits
//! for that work; a thread idle for [`IDLE_FOR`] ends.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// How long an idle thread waits for work before it ends.
const IDLE_FOR: Duration = Duration::from_secs(30);

type Job = Box<dyn FnOnce() + Send>;

/// The idle threads, each by its number with where its next job goes.
static IDLE: Mutex<Vec<(u64, mpsc::Sender<Job>)>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

fn idle() -> MutexGuard<'static, Vec<(u64, mpsc::Sender<Job>)>> {
    // A panic while it was held left nothing half-done: entries are pushed and removed whole.
    IDLE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `job` on an idle thread, or on a new one when none is idle.
///
/// # Errors
/// The system's, when no thread could be made.
pub(crate) fn run(job: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
    let mut job: Job = Box::new(job);
    loop {
        let Some((_, tx)) = idle().pop() else { break };
        match tx.send(job) {
            Ok(()) => return Ok(()),
            // Its thread ended (a job of it panicked): the next one.
            Err(mpsc::SendError(back)) => job = back,
        }
    }
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("warren-io".into())
        .spawn(move || serve(id, job, &tx, &rx))
        .map(drop)
}

/// A thread's life: `job`, then each job it is given, until it has been idle for
/// [`IDLE_FOR`].
fn serve(id: u64, mut job: Job, tx: &mpsc::Sender<Job>, rx: &mpsc::Receiver<Job>) {
    loop {
        job();
        idle().push((id, tx.clone()));
        job = match rx.recv_timeout(IDLE_FOR) {
            Ok(next) => next,
            Err(RecvTimeoutError::Timeout) => {
                let mut idle = idle();
                if let Some(at) = idle.iter().position(|(i, _)| *i == id) {
                    idle.swap_remove(at);
                    return;
                }
                // Taken meanwhile: its job is on the way.
                drop(idle);
                match rx.recv() {
                    Ok(next) => next,
                    Err(_) => return,
                }
            }
            // Never: this thread holds a sender itself.
            Err(RecvTimeoutError::Disconnected) => return,
        };
    }
}
