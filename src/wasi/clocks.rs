//! Time and waiting: `clock_res_get`/`clock_time_get` (realtime, monotonic, process and
//! thread CPU time), `random_get`, and `poll_oneoff` over clocks and descriptors.

use std::time::Duration;

use rustix::time::ClockId;

use crate::wasi::abi::{
    self, EVENT_FD_READWRITE_HANGUP, SUBSCRIPTION_CLOCK_ABSTIME, clockid, eventtype,
};
use crate::wasi::errno::{Errno, WasiResult, bad_arg};
use crate::wasi::fds::Desc;
use crate::wasi::{Call, StdinSource};

/// The host clock for a `clockid` argument (not one is a trap, as under wasmtime).
fn clock(id: u32) -> WasiResult<ClockId> {
    Ok(match id {
        clockid::REALTIME => ClockId::Realtime,
        clockid::MONOTONIC => ClockId::Monotonic,
        clockid::PROCESS_CPUTIME => ClockId::ProcessCPUTime,
        clockid::THREAD_CPUTIME => ClockId::ThreadCPUTime,
        _ => return Err(bad_arg("clockid", id)),
    })
}

fn ns(t: rustix::time::Timespec) -> WasiResult<u64> {
    u64::try_from(t.tv_sec)
        .ok()
        .and_then(|s| s.checked_mul(1_000_000_000))
        .and_then(|s| s.checked_add(u64::try_from(t.tv_nsec).ok()?))
        .ok_or_else(|| Errno::Overflow.into())
}

/// The monotonic clock now, in nanoseconds (what `clock_time_get(monotonic)` returns and
/// absolute monotonic subscriptions are measured on).
fn monotonic_now() -> u64 {
    ns(rustix::time::clock_gettime(ClockId::Monotonic)).unwrap_or(0)
}

pub(crate) fn clock_res_get(c: &mut Call, id: u32, out: u32) -> WasiResult<()> {
    let res = ns(rustix::time::clock_getres(clock(id)?))?;
    c.mem.write_u64(out, res)
}

pub(crate) fn clock_time_get(c: &mut Call, id: u32, _precision: u64, out: u32) -> WasiResult<()> {
    let now = ns(rustix::time::clock_gettime(clock(id)?))?;
    c.mem.write_u64(out, now)
}

pub(crate) fn random_get(c: &mut Call, buf: u32, len: u32) -> WasiResult<()> {
    getrandom::fill(c.mem.slice_mut(buf, len)?).map_err(|_| Errno::Io)?;
    Ok(())
}

/// What one subscription waits for.
enum Wait {
    /// A clock, as a deadline on the monotonic clock.
    Until(u64),
    /// Always ready (a file, an output stream, stdin that is not the terminal's).
    Ready { hangup: bool },
    /// The process's stdin: ready when fd 0 is.
    Stdin,
}

struct Sub {
    userdata: u64,
    kind: u8,
    wait: Wait,
}

fn write_event(c: &mut Call, at: u32, s: &Sub, nbytes: u64, flags: u16) -> WasiResult<()> {
    c.mem.write_u64(at, s.userdata)?;
    c.mem.write_u16(at + 8, 0)?;
    c.mem.write_u8(at + 10, s.kind)?;
    c.mem.write_u64(at + 16, nbytes)?;
    c.mem.write_u16(at + 24, flags)
}

/// Whether stdin has input (or end of file) within `timeout` (`None`: wait for it).
/// Whether stdin has input (or its end) within `timeout` (`None`: however long it takes).
/// Waits in steps of at most [`INTERRUPT_STEP`] so that a call's time limit firing
/// (`interrupt`) ends the wait: `Errno::Intr`.
pub(crate) fn stdin_ready(
    timeout: Option<Duration>,
    interrupt: &crate::Interrupt,
) -> WasiResult<bool> {
    use rustix::event::{PollFd, PollFlags, Timespec};
    let stdin = std::io::stdin();
    let until = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
    loop {
        if interrupt.fired() {
            return Err(Errno::Intr.into());
        }
        let left = until.map(|u| u.saturating_duration_since(std::time::Instant::now()));
        let step = left.map_or(INTERRUPT_STEP, |l| l.min(INTERRUPT_STEP));
        let ts = Timespec {
            tv_sec: step.as_secs() as _,
            tv_nsec: step.subsec_nanos() as _,
        };
        let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
        match rustix::event::poll(&mut fds, Some(&ts)) {
            Ok(n) if n > 0 => return Ok(true),
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(std::io::Error::from(e).into()),
        }
        if left.is_some_and(|l| l <= step) {
            return Ok(false);
        }
    }
}

/// How long a wait on stdin goes without looking at the call's interrupt.
const INTERRUPT_STEP: Duration = Duration::from_millis(50);

pub(crate) fn poll_oneoff(
    c: &mut Call,
    subs: u32,
    events: u32,
    n: u32,
    nevents: u32,
) -> WasiResult<()> {
    if n == 0 {
        // An indefinite sleep is not a thing in preview1.
        return Err(Errno::Inval.into());
    }
    let size = n
        .checked_mul(abi::SUBSCRIPTION_SIZE)
        .ok_or(Errno::Overflow)?;
    c.mem.check(subs, size, 8)?;
    let mut list = Vec::with_capacity(n as usize);
    for i in 0..n {
        let at = subs + i * abi::SUBSCRIPTION_SIZE;
        let userdata = c.mem.read_u64(at)?;
        let kind = c.mem.read_u8(at + 8)?;
        let wait = match kind {
            eventtype::CLOCK => {
                let id = c.mem.read_u32(at + 16)?;
                let timeout = c.mem.read_u64(at + 24)?;
                let flags = c.mem.read_u16(at + 40)?;
                if flags & !SUBSCRIPTION_CLOCK_ABSTIME != 0 {
                    return Err(Errno::Inval.into());
                }
                let absolute = flags & SUBSCRIPTION_CLOCK_ABSTIME != 0;
                let now = monotonic_now();
                let deadline = match (id, absolute) {
                    (clockid::MONOTONIC, true) => timeout,
                    (clockid::MONOTONIC | clockid::REALTIME, false) => now.saturating_add(timeout),
                    (clockid::REALTIME, true) => {
                        let real = ns(rustix::time::clock_gettime(ClockId::Realtime))?;
                        now.saturating_add(timeout.saturating_sub(real))
                    }
                    _ => return Err(Errno::Inval.into()),
                };
                // The common case, a plain sleep: wasmtime answers it with a thread sleep
                // and reports `nbytes` 1.
                if n == 1 && !absolute {
                    c.interrupt
                        .sleep(Duration::from_nanos(timeout))
                        .map_err(|_| Errno::Intr)?;
                    c.mem.check(events, abi::EVENT_SIZE, 8)?;
                    let s = Sub {
                        userdata,
                        kind,
                        wait: Wait::Until(deadline),
                    };
                    write_event(c, events, &s, 1, 0)?;
                    return c.mem.write_u32(nevents, 1);
                }
                Wait::Until(deadline)
            }
            eventtype::FD_READ | eventtype::FD_WRITE => {
                let fd = c.mem.read_u32(at + 16)?;
                match (kind, c.cx.fds.get(fd)?) {
                    (eventtype::FD_READ, Desc::Stdin) => match c.cx.stdin {
                        StdinSource::Inherit => Wait::Stdin,
                        _ => Wait::Ready { hangup: false },
                    },
                    (eventtype::FD_READ, Desc::File(f)) => {
                        let size = f.file.metadata()?.len();
                        Wait::Ready {
                            hangup: size.saturating_sub(f.pos) == 0,
                        }
                    }
                    (eventtype::FD_WRITE, Desc::Stdout | Desc::Stderr | Desc::File(_)) => {
                        Wait::Ready { hangup: false }
                    }
                    _ => return Err(Errno::Badf.into()),
                }
            }
            _ => return Err(Errno::Inval.into()),
        };
        list.push(Sub {
            userdata,
            kind,
            wait,
        });
    }
    let events_size = n.checked_mul(abi::EVENT_SIZE).ok_or(Errno::Overflow)?;
    c.mem.check(events, events_size, 8)?;
    let has_stdin = list.iter().any(|s| matches!(s.wait, Wait::Stdin));
    let mut stdin_is_ready = false;
    loop {
        let now = monotonic_now();
        let any_ready = list.iter().any(|s| match s.wait {
            Wait::Until(d) => d <= now,
            Wait::Ready { .. } => true,
            Wait::Stdin => stdin_is_ready,
        });
        if any_ready {
            break;
        }
        let next = list
            .iter()
            .filter_map(|s| match s.wait {
                Wait::Until(d) => Some(d),
                _ => None,
            })
            .min();
        let timeout = next.map(|d| Duration::from_nanos(d.saturating_sub(now)));
        if has_stdin {
            stdin_is_ready = stdin_ready(timeout, c.interrupt)?;
        } else if let Some(t) = timeout {
            c.interrupt.sleep(t).map_err(|_| Errno::Intr)?;
        }
    }
    let now = monotonic_now();
    let mut count = 0u32;
    for s in &list {
        let (ready, nbytes, flags) = match s.wait {
            Wait::Until(d) => (d <= now, 0, 0),
            Wait::Ready { hangup } => (true, 1, if hangup { EVENT_FD_READWRITE_HANGUP } else { 0 }),
            Wait::Stdin => (stdin_is_ready, 1, 0),
        };
        if ready {
            write_event(c, events + count * abi::EVENT_SIZE, s, nbytes, flags)?;
            count += 1;
        }
    }
    c.mem.write_u32(nevents, count)
}
