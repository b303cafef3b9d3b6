//! `extism:host/env`, the module every Extism plugin imports: the kernel functions over the
//! plugin's [`Kernel`] and the host functions (`config_get`, `var_get`/`var_set`, `log_*`,
//! `get_log_level`, `http_request`/`http_status_code`/`http_headers`), as Extism's runtime
//! defines them (`runtime/src/pdk.rs`). Functions that take an offset take ownership of
//! its block, as Extism's do; a result block belongs to the plugin.
//!
//! During a call the plugin's kernel is the *active* kernel of its thread (a thread-local
//! the call protocol fills and empties with [`Plugin::activate`]): the kernel functions
//! then capture nothing, so V8 calls them through its fast API with no lookup and no lock.
//! A plugin isolate serves one call at a time on its own thread, so the active kernel is
//! always the calling plugin's.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::Stream;
use crate::host::{Caller, Linker};
use crate::plugins::extism::http::{self, HttpPolicy};
use crate::plugins::extism::kernel::Kernel;
use crate::plugins::extism::log::LogLevel;
use crate::value::Value;

/// The import module of the kernel and the host functions.
pub(crate) const MODULE: &str = "extism:host/env";

/// What a plugin's host functions read and never change: from its manifest entry.
pub(crate) struct Settings {
    /// `config`: each value's bytes (a string's UTF-8, anything else as JSON).
    pub config: HashMap<String, Vec<u8>>,
    pub log_level: LogLevel,
    /// The most bytes `var_set` may keep, keys and values together (0 disables vars).
    pub max_var_bytes: u64,
    pub http: HttpPolicy,
}

/// What a plugin's host functions change besides its kernel: its vars (kept across calls)
/// and the last HTTP response's status and headers.
pub(crate) struct State {
    vars: HashMap<String, Vec<u8>>,
    http_status: u16,
    http_headers: BTreeMap<String, String>,
}

/// One plugin's Extism host state, shared by its host functions and the call protocol.
pub(crate) struct Plugin {
    pub settings: Settings,
    state: Mutex<State>,
    /// The kernel between calls (`None` while it is active).
    parked: Mutex<Option<Kernel>>,
}

thread_local! {
    /// The kernel of the call in progress on this thread.
    static ACTIVE: RefCell<Option<Kernel>> = const { RefCell::new(None) };
}

/// Runs `f` on the active kernel; `default` when no call is in progress (the kernel
/// functions then do nothing, as they would on an empty kernel).
#[inline]
pub(crate) fn with_kernel<R>(default: R, f: impl FnOnce(&mut Kernel) -> R) -> R {
    ACTIVE.with(|k| match k.borrow_mut().as_mut() {
        Some(k) => f(k),
        None => default,
    })
}

/// The active kernel for as long as it lives: see [`Plugin::activate`].
pub(crate) struct Active<'a> {
    plugin: &'a Plugin,
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        let kernel = ACTIVE.with(|k| k.borrow_mut().take());
        *self.plugin.park() = kernel;
    }
}

impl Plugin {
    /// A plugin whose kernel memory holds at most `memory` bytes.
    pub(crate) fn new(settings: Settings, memory: u64) -> Plugin {
        Plugin {
            settings,
            parked: Mutex::new(Some(Kernel::new(memory))),
            state: Mutex::new(State {
                vars: HashMap::new(),
                http_status: 0,
                http_headers: BTreeMap::new(),
            }),
        }
    }

    /// The state, locked. Every change under the lock is one map or field write, so a
    /// panic cannot leave it half-changed and a poisoned lock is taken as it is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn park(&self) -> MutexGuard<'_, Option<Kernel>> {
        self.parked.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes this plugin's kernel the active kernel of this thread until the guard is
    /// dropped (a call, or initialisation).
    pub(crate) fn activate(&self) -> Active<'_> {
        let kernel = self.park().take();
        ACTIVE.with(|k| *k.borrow_mut() = kernel);
        Active { plugin: self }
    }
}

/// `config` as Extism sees it: bytes by key (strings as they are, other values as JSON).
pub(crate) fn config_bytes(config: &Value) -> HashMap<String, Vec<u8>> {
    let Value::Object(entries) = config else {
        return HashMap::new();
    };
    entries
        .iter()
        .map(|(k, v)| {
            let bytes = match v {
                Value::String(s) => s.as_bytes().to_vec(),
                other => other.to_json_bytes(),
            };
            (k.clone(), bytes)
        })
        .collect()
}

/// The block at `p`, taken (freed) from the active kernel: the key or value a host
/// function was handed.
pub(crate) fn take(p: u64, what: &str) -> Result<Vec<u8>, String> {
    with_kernel(Err(format!("{what}: no call is in progress")), |k| {
        let bytes = k
            .block(p)
            .ok_or_else(|| format!("{what}: {p} is not the offset of a block in kernel memory"))?
            .to_vec();
        k.free(p);
        Ok(bytes)
    })
}

fn take_str(p: u64, what: &str) -> Result<String, String> {
    String::from_utf8(take(p, what)?).map_err(|_| format!("{what} is not UTF-8"))
}

/// A new block of the active kernel holding `bytes`, or an error when kernel memory is
/// full.
pub(crate) fn give(bytes: &[u8]) -> Result<u64, String> {
    let p = with_kernel(0, |k| k.new_block(bytes));
    if p == 0 && !bytes.is_empty() {
        return Err(format!(
            "kernel memory is full: {} more bytes do not fit the plugin's memory limit",
            bytes.len()
        ));
    }
    Ok(p)
}

impl State {
    fn var_bytes(&self) -> u64 {
        self.vars
            .iter()
            .map(|(k, v)| (k.len() + v.len()) as u64)
            .sum()
    }
}

/// Registers `extism:host/env` on `linker` for `plugin`.
pub(crate) fn add_to_linker(linker: &mut Linker, plugin: &Arc<Plugin>) -> crate::Result<()> {
    kernel_functions(linker)?;
    host_functions(linker, plugin)
}

/// The kernel: plain numbers in and out and nothing captured, so V8 calls them through
/// its fast API with no lookup.
fn kernel_functions(linker: &mut Linker) -> crate::Result<()> {
    linker.func(MODULE, "alloc", |n: i64| {
        with_kernel(0, |k| k.alloc(n as u64) as i64)
    })?;
    linker.func(MODULE, "free", |o: i64| {
        with_kernel((), |k| k.free(o as u64))
    })?;
    linker.func(MODULE, "length", |o: i64| {
        with_kernel(0, |k| k.length(o as u64) as i64)
    })?;
    linker.func(MODULE, "length_unsafe", |o: i64| {
        with_kernel(0, |k| k.length(o as u64) as i64)
    })?;
    linker.func(MODULE, "load_u8", |o: i64| {
        with_kernel(0, |k| i32::from(k.load_u8(o as u64)))
    })?;
    linker.func(MODULE, "load_u64", |o: i64| {
        with_kernel(0, |k| k.load_u64(o as u64) as i64)
    })?;
    linker.func(MODULE, "store_u8", |o: i64, x: i32| {
        with_kernel((), |k| k.store_u8(o as u64, x as u8))
    })?;
    linker.func(MODULE, "store_u64", |o: i64, x: i64| {
        with_kernel((), |k| k.store_u64(o as u64, x as u64))
    })?;
    linker.func(MODULE, "input_load_u8", |i: i64| {
        with_kernel(0, |k| i32::from(k.input_load_u8(i as u64)))
    })?;
    linker.func(MODULE, "input_load_u64", |i: i64| {
        with_kernel(0, |k| k.input_load_u64(i as u64) as i64)
    })?;
    linker.func(MODULE, "input_length", || {
        with_kernel(0, |k| k.input_length() as i64)
    })?;
    linker.func(MODULE, "input_offset", || {
        with_kernel(0, |k| k.input_offset() as i64)
    })?;
    linker.func(MODULE, "output_set", |o: i64, n: i64| {
        with_kernel((), |k| k.output_set(o as u64, n as u64))
    })?;
    linker.func(MODULE, "error_set", |o: i64| {
        with_kernel((), |k| k.error_set(o as u64))
    })?;
    linker.func(MODULE, "error_get", || {
        with_kernel(0, |k| k.error_get() as i64)
    })?;
    Ok(())
}

fn host_functions(linker: &mut Linker, plugin: &Arc<Plugin>) -> crate::Result<()> {
    let p = plugin.clone();
    linker.func(
        MODULE,
        "config_get",
        move |key: i64| -> Result<i64, String> {
            let key = take_str(key as u64, "config_get's key")?;
            match p.settings.config.get(&key) {
                Some(v) => Ok(give(v)? as i64),
                None => Ok(0),
            }
        },
    )?;
    let p = plugin.clone();
    linker.func(MODULE, "var_get", move |key: i64| -> Result<i64, String> {
        let key = take_str(key as u64, "var_get's key")?;
        let value = p.lock().vars.get(&key).cloned();
        match value {
            Some(v) => Ok(give(&v)? as i64),
            None => Ok(0),
        }
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "var_set", move |key: i64, value: i64| -> Result<(), String> {
        let max = p.settings.max_var_bytes;
        if max == 0 {
            return Err("vars are disabled for this plugin (its max_var_bytes is 0)".into());
        }
        let key = take_str(key as u64, "var_set's key")?;
        if value == 0 {
            p.lock().vars.remove(&key);
            return Ok(());
        }
        let value = take(value as u64, "var_set's value")?;
        let mut s = p.lock();
        let old = s.vars.get(&key).map_or(0, |v| (key.len() + v.len()) as u64);
        let total = s.var_bytes() - old + (key.len() + value.len()) as u64;
        if total > max {
            return Err(format!(
                "var \"{key}\" would bring the plugin's vars to {total} bytes, past its max_var_bytes of {max}"
            ));
        }
        s.vars.insert(key, value);
        Ok(())
    })?;
    for level in LogLevel::MESSAGES {
        let p = plugin.clone();
        linker.func(
            MODULE,
            level.import_name(),
            move |mut caller: Caller<'_>, msg: i64| -> Result<(), String> {
                let text = take(msg as u64, "the log message")?;
                if level < p.settings.log_level {
                    return Ok(());
                }
                let mut line = format!("[{}] ", level.name()).into_bytes();
                line.extend_from_slice(&text);
                line.push(b'\n');
                caller.write_output(Stream::Stderr, &line);
                Ok(())
            },
        )?;
    }
    let p = plugin.clone();
    linker.func(MODULE, "get_log_level", move || p.settings.log_level.code())?;
    let p = plugin.clone();
    linker.func(
        MODULE,
        "http_request",
        move |mut caller: Caller<'_>, req: i64, body: i64| -> Result<i64, String> {
            {
                let mut s = p.lock();
                s.http_status = 0;
                s.http_headers.clear();
            }
            let request = take(req as u64, "http_request's request")?;
            let body = if body == 0 {
                None
            } else {
                Some(take(body as u64, "http_request's body")?)
            };
            let request: extism_manifest::HttpRequest = serde_json::from_slice(&request)
                .map_err(|e| format!("http_request's request is not an Extism HttpRequest: {e}"))?;
            let response =
                http::request_until(&p.settings.http, request, body, &caller.interrupt())?;
            {
                let mut s = p.lock();
                s.http_status = response.status;
                s.http_headers = response.headers;
            }
            Ok(give(&response.body)? as i64)
        },
    )?;
    let p = plugin.clone();
    linker.func(MODULE, "http_status_code", move || {
        i32::from(p.lock().http_status)
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "http_headers", move || -> Result<i64, String> {
        let json = {
            let s = p.lock();
            if s.http_status == 0 {
                return Ok(0);
            }
            serde_json::to_vec(&s.http_headers).map_err(|e| e.to_string())?
        };
        Ok(give(&json)? as i64)
    })?;
    Ok(())
}
