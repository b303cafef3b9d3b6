//! The limit flags of `warren run`: memory, wall-clock time, CPU time and fuel, parsed once
//! into the runtime's options.

use std::time::Duration;

use clap::Args;

#[derive(Args, Debug, Default)]
pub struct LimitArgs {
    /// Cap the runtime's memory (JS heap, ArrayBuffers and Wasm memories together):
    /// `64MiB`, `1GiB`, or bytes. Past it an allocation fails (`memory.grow` returns -1)
    /// or the program stops with status 1.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_memory: Option<usize>,
    /// Stop the program after this much wall-clock time (`200ms`, `2s`), with status 1.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, conflicts_with = "time_limit")]
    timeout: Option<Duration>,
    /// The same as --timeout, in seconds.
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    time_limit: Option<Duration>,
    /// Stop the program after this much CPU time on its thread (`100ms`); time spent
    /// waiting on timers or async host calls is not counted.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    cpu_limit: Option<Duration>,
    /// Give Wasm this much fuel (one unit per operator run, for the whole program);
    /// running out traps with `out of fuel`. Deterministic, unlike the time limits.
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// Stop the program when its JS heap passes this many MiB, with status 1.
    #[arg(long, value_name = "MIB")]
    max_heap: Option<usize>,
}

impl LimitArgs {
    /// Sets the limits on `options`.
    pub fn apply(&self, options: &mut warren::RuntimeOptions) {
        options.max_memory = self.max_memory;
        options.time_limit = self.timeout.or(self.time_limit);
        options.cpu_limit = self.cpu_limit;
        options.fuel = self.fuel;
        options.max_heap_bytes = self.max_heap.map(|m| m << 20);
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s)
        .map_err(|e| format!("{e} (write a duration such as 200ms or 2s)"))?;
    if d.is_zero() {
        return Err("the duration must be more than zero".into());
    }
    Ok(d)
}

fn parse_secs(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!("must be a positive number of seconds, got {s}")),
    }
}

fn parse_size(s: &str) -> Result<usize, String> {
    let b: bytesize::ByteSize = s
        .parse()
        .map_err(|e| format!("{e} (write a size such as 64MiB or 1GiB)"))?;
    let n = usize::try_from(b.as_u64()).map_err(|_| format!("{s} is too large"))?;
    if n < 1 << 20 {
        return Err(format!("{s} is less than 1 MiB, too small to run anything"));
    }
    Ok(n)
}
