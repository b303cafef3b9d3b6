//! `extism:host/env`, the module every Extism plugin imports: the kernel functions over the
//! plugin's [`Kernel`] and the host functions (`config_get`, `var_get`/`var_set`, `log_*`,
//! `get_log_level`, `http_request`/`http_status_code`/`http_headers`), as Extism's runtime
//! defines them (`runtime/src/pdk.rs`). Functions that take an offset take ownership of
//! its block, as Extism's do; a result block belongs to the plugin.

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

/// What a plugin's host functions change: its kernel memory, its vars (kept across calls)
/// and the last HTTP response's status and headers.
pub(crate) struct State {
    pub kernel: Kernel,
    vars: HashMap<String, Vec<u8>>,
    http_status: u16,
    http_headers: BTreeMap<String, String>,
}

/// One plugin's Extism host state, shared by its host functions and the call protocol.
pub(crate) struct Plugin {
    pub settings: Settings,
    state: Mutex<State>,
}

impl Plugin {
    /// A plugin whose kernel memory holds at most `memory` bytes.
    pub(crate) fn new(settings: Settings, memory: u64) -> Plugin {
        Plugin {
            settings,
            state: Mutex::new(State {
                kernel: Kernel::new(memory),
                vars: HashMap::new(),
                http_status: 0,
                http_headers: BTreeMap::new(),
            }),
        }
    }

    /// The state, locked. A panic while it was locked cannot leave the kernel unusable
    /// (the next call resets it), so a poisoned lock is taken as it is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
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

impl State {
    /// The block at `p`, taken (freed) from the kernel: the key or value a host function
    /// was handed.
    pub(crate) fn take(&mut self, p: u64, what: &str) -> Result<Vec<u8>, String> {
        let bytes = self
            .kernel
            .block(p)
            .ok_or_else(|| format!("{what}: {p} is not the offset of a block in kernel memory"))?
            .to_vec();
        self.kernel.free(p);
        Ok(bytes)
    }

    fn take_str(&mut self, p: u64, what: &str) -> Result<String, String> {
        String::from_utf8(self.take(p, what)?).map_err(|_| format!("{what} is not UTF-8"))
    }

    /// A new block holding `bytes`, or an error when kernel memory is full.
    pub(crate) fn give(&mut self, bytes: &[u8]) -> Result<u64, String> {
        let p = self.kernel.new_block(bytes);
        if p == 0 && !bytes.is_empty() {
            return Err(format!(
                "kernel memory is full: {} more bytes do not fit the plugin's memory limit",
                bytes.len()
            ));
        }
        Ok(p)
    }

    fn var_bytes(&self) -> u64 {
        self.vars
            .iter()
            .map(|(k, v)| (k.len() + v.len()) as u64)
            .sum()
    }
}

/// Registers `extism:host/env` on `linker` for `plugin`.
pub(crate) fn add_to_linker(linker: &mut Linker, plugin: &Arc<Plugin>) -> crate::Result<()> {
    kernel_functions(linker, plugin)?;
    host_functions(linker, plugin)
}

/// The kernel: plain numbers in and out, so V8 calls them through its fast API.
fn kernel_functions(linker: &mut Linker, plugin: &Arc<Plugin>) -> crate::Result<()> {
    let p = plugin.clone();
    linker.func(MODULE, "alloc", move |n: i64| {
        p.lock().kernel.alloc(n as u64) as i64
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "free", move |o: i64| p.lock().kernel.free(o as u64))?;
    let p = plugin.clone();
    linker.func(MODULE, "length", move |o: i64| {
        p.lock().kernel.length(o as u64) as i64
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "length_unsafe", move |o: i64| {
        p.lock().kernel.length(o as u64) as i64
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "load_u8", move |o: i64| {
        i32::from(p.lock().kernel.load_u8(o as u64))
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "load_u64", move |o: i64| {
        p.lock().kernel.load_u64(o as u64) as i64
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "store_u8", move |o: i64, x: i32| {
        p.lock().kernel.store_u8(o as u64, x as u8)
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "store_u64", move |o: i64, x: i64| {
        p.lock().kernel.store_u64(o as u64, x as u64)
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "input_load_u8", move |i: i64| {
        i32::from(p.lock().kernel.input_load_u8(i as u64))
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "input_load_u64", move |i: i64| {
        p.lock().kernel.input_load_u64(i as u64) as i64
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "input_length", move || {
        p.lock().kernel.input_length() as i64
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "input_offset", move || {
        p.lock().kernel.input_offset() as i64
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "output_set", move |o: i64, n: i64| {
        p.lock().kernel.output_set(o as u64, n as u64)
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "error_set", move |o: i64| {
        p.lock().kernel.error_set(o as u64)
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "error_get", move || {
        p.lock().kernel.error_get() as i64
    })?;
    Ok(())
}

fn host_functions(linker: &mut Linker, plugin: &Arc<Plugin>) -> crate::Result<()> {
    let p = plugin.clone();
    linker.func(
        MODULE,
        "config_get",
        move |key: i64| -> Result<i64, String> {
            let mut s = p.lock();
            let key = s.take_str(key as u64, "config_get's key")?;
            match p.settings.config.get(&key) {
                Some(v) => Ok(s.give(v)? as i64),
                None => Ok(0),
            }
        },
    )?;
    let p = plugin.clone();
    linker.func(MODULE, "var_get", move |key: i64| -> Result<i64, String> {
        let mut s = p.lock();
        let key = s.take_str(key as u64, "var_get's key")?;
        match s.vars.get(&key).cloned() {
            Some(v) => Ok(s.give(&v)? as i64),
            None => Ok(0),
        }
    })?;
    let p = plugin.clone();
    linker.func(
        MODULE,
        "var_set",
        move |key: i64, value: i64| -> Result<(), String> {
            let max = p.settings.max_var_bytes;
            let mut s = p.lock();
            if max == 0 {
                return Err("vars are disabled for this plugin (its max_var_bytes is 0)".into());
            }
            let key = s.take_str(key as u64, "var_set's key")?;
            if value == 0 {
                s.vars.remove(&key);
                return Ok(());
            }
            let value = s.take(value as u64, "var_set's value")?;
            let old = s.vars.get(&key).map_or(0, |v| (key.len() + v.len()) as u64);
            let total = s.var_bytes() - old + (key.len() + value.len()) as u64;
            if total > max {
                return Err(format!(
                    "var \"{key}\" would bring the plugin's vars to {total} bytes, past its max_var_bytes of {max}"
                ));
            }
            s.vars.insert(key, value);
            Ok(())
        },
    )?;
    for level in LogLevel::MESSAGES {
        let p = plugin.clone();
        linker.func(
            MODULE,
            level.import_name(),
            move |mut caller: Caller<'_>, msg: i64| -> Result<(), String> {
                let text = {
                    let mut s = p.lock();
                    let bytes = s.take(msg as u64, "the log message")?;
                    if level < p.settings.log_level {
                        return Ok(());
                    }
                    bytes
                };
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
        move |req: i64, body: i64| -> Result<i64, String> {
            let (request, body) = {
                let mut s = p.lock();
                s.http_status = 0;
                s.http_headers.clear();
                let request = s.take(req as u64, "http_request's request")?;
                let body = if body == 0 {
                    None
                } else {
                    Some(s.take(body as u64, "http_request's body")?)
                };
                (request, body)
            };
            let request: extism_manifest::HttpRequest = serde_json::from_slice(&request)
                .map_err(|e| format!("http_request's request is not an Extism HttpRequest: {e}"))?;
            let response = http::request(&p.settings.http, &request, body.as_deref())
                .map_err(|e| e.to_string())?;
            let mut s = p.lock();
            s.http_status = response.status;
            s.http_headers = response.headers;
            Ok(s.give(&response.body)? as i64)
        },
    )?;
    let p = plugin.clone();
    linker.func(MODULE, "http_status_code", move || {
        i32::from(p.lock().http_status)
    })?;
    let p = plugin.clone();
    linker.func(MODULE, "http_headers", move || -> Result<i64, String> {
        let mut s = p.lock();
        if s.http_status == 0 {
            return Ok(0);
        }
        let json = serde_json::to_vec(&s.http_headers).map_err(|e| e.to_string())?;
        Ok(s.give(&json)? as i64)
    })?;
    Ok(())
}
