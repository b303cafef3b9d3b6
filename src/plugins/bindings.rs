//! The host modules built for each plugin: `host:config` (its manifest `config` table) and
//! `host:plugins` (calls to the plugins its `imports` name), each for JS and for Wasm.
//!
//! JS: `get(key?)` returns the config value (the whole table without a key, `null` for a
//! missing one); `await call(name, export, value)` calls another plugin.
//!
//! Wasm (`docs/plugin-abi.md`): `host:config.read(key_ptr, key_len, buf_ptr, buf_len) ->
//! i32` copies the value's JSON into the buffer and returns its full length (-1 when the
//! key is missing); `host:plugins.start(name_ptr, name_len, export_ptr, export_len,
//! input_ptr, input_len) -> i32` prepares a call and returns its handle, `wait(handle) ->
//! i32` makes it (suspending the Wasm stack through JSPI) and returns the result's JSON
//! length, with bit 31 set when the result is an error message, and `read(handle, ptr)`
//! copies that result to `ptr` and frees the handle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use crate::host::{Caller, Linker};
use crate::plugins::error::PluginError;
use crate::plugins::host::Router;
use crate::value::Value;

/// Bit 31 of a length: the bytes are an error message, not a JSON result.
pub(crate) const ERROR_FLAG: u32 = 1 << 31;

/// Defines `host:config` (under the Linker namespace `ns`) over `config`.
pub(crate) fn add_config(linker: &mut Linker, ns: &str, config: Value) -> crate::Result<()> {
    let config = Arc::new(config);
    let c = config.clone();
    linker.func(ns, "get", move |key: Option<String>| -> Value {
        match key {
            None => (*c).clone(),
            Some(k) => c.get(&k).cloned().unwrap_or(Value::Null),
        }
    })?;
    linker.func(
        ns,
        "read",
        move |mut caller: Caller<'_>,
              key_ptr: u32,
              key_len: u32,
              buf_ptr: u32,
              buf_len: u32|
              -> Result<i32, String> {
            let mut mem = caller.memory()?;
            let value = if key_len == 0 {
                Some(&*config)
            } else {
                let key = mem.read_string(u64::from(key_ptr), u64::from(key_len))?;
                config.get(&key)
            };
            let Some(value) = value else {
                return Ok(-1);
            };
            let json = value.to_json_bytes();
            let n = json.len().min(buf_len as usize);
            mem.write(u64::from(buf_ptr), &json[..n])?;
            i32::try_from(json.len()).map_err(|_| "config value too large".to_string())
        },
    )?;
    Ok(())
}

/// Who is calling out, for `host:plugins`: the plugin, its isolate, the plugins it may
/// call, and the host that routes the call.
pub(crate) struct Outbound {
    pub caller: String,
    pub isolate: usize,
    pub allowed: Vec<String>,
    pub router: Weak<Router>,
}

impl Outbound {
    /// Calls `target.export` with `input` through the host.
    pub async fn call(
        &self,
        target: &str,
        export: &str,
        input: Value,
    ) -> Result<Value, PluginError> {
        let router = self.router.upgrade().ok_or_else(|| {
            PluginError::Closed("the host is shut down, or still loading its plugins".into())
        })?;
        router.call_from(self, target, export, input).await
    }
}

/// A Wasm plugin's calls in progress, by handle.
#[derive(Default)]
struct Outbox {
    next: i32,
    calls: HashMap<i32, Outgoing>,
}

enum Outgoing {
    /// Prepared by `start`: whom to call with what, or why the request is already bad.
    Request(Result<(String, String, Value), String>),
    /// In flight (`wait` took the request).
    Waiting,
    /// The result's JSON, or an error message.
    Done(Result<Vec<u8>, String>),
}

/// Defines `host:plugins` (under the Linker namespace `ns`) for calls out of `out`.
pub(crate) fn add_plugins(linker: &mut Linker, ns: &str, out: Arc<Outbound>) -> crate::Result<()> {
    let o = out.clone();
    linker.func_async(
        ns,
        "call",
        move |target: String, export: String, input: Option<Value>| {
            let o = o.clone();
            async move {
                o.call(&target, &export, input.unwrap_or(Value::Null))
                    .await
                    .map_err(|e| e.to_string())
            }
        },
    )?;

    // A panic while the outbox is locked cannot leave its map half-changed, so a poisoned
    // lock is taken as it is.
    let outbox = Arc::new(Mutex::new(Outbox::default()));
    let b = outbox.clone();
    linker.func(
        ns,
        "start",
        move |mut caller: Caller<'_>,
              name_ptr: u32,
              name_len: u32,
              export_ptr: u32,
              export_len: u32,
              input_ptr: u32,
              input_len: u32|
              -> Result<i32, String> {
            let mut mem = caller.memory()?;
            let name = mem.read_string(u64::from(name_ptr), u64::from(name_len))?;
            let export = mem.read_string(u64::from(export_ptr), u64::from(export_len))?;
            let input = mem.read(u64::from(input_ptr), u64::from(input_len))?;
            let request = serde_json::from_slice::<serde_json::Value>(&input)
                .map(|v| (name, export, Value::from(v)))
                .map_err(|e| format!("the input is not JSON: {e}"));
            let mut b = b.lock().unwrap_or_else(|e| e.into_inner());
            if b.calls.len() >= 1024 {
                return Err("more than 1024 plugin calls started and never read".into());
            }
            let h = b.next;
            b.next = b.next.wrapping_add(1) & 0x7fff_ffff;
            b.calls.insert(h, Outgoing::Request(request));
            Ok(h)
        },
    )?;
    let b = outbox.clone();
    linker.func_async(ns, "wait", move |handle: i32| {
        let b = b.clone();
        let out = out.clone();
        async move {
            let request = {
                let mut m = b.lock().unwrap_or_else(|e| e.into_inner());
                match m.calls.insert(handle, Outgoing::Waiting) {
                    Some(Outgoing::Request(r)) => r,
                    other => {
                        // Put back what was there (or nothing): the handle was not ready.
                        match other {
                            Some(o) => m.calls.insert(handle, o),
                            None => m.calls.remove(&handle),
                        };
                        return Err(format!(
                            "no call {handle} waits to be made (call start first, and wait once)"
                        ));
                    }
                }
            };
            let result = match request {
                Ok((target, export, input)) => out
                    .call(&target, &export, input)
                    .await
                    .map(|v| v.to_json_bytes())
                    .map_err(|e| e.to_string()),
                Err(why) => Err(why),
            };
            let n = match &result {
                Ok(bytes) => bytes.len(),
                Err(msg) => msg.len(),
            };
            let Some(n) = u32::try_from(n).ok().filter(|n| *n < ERROR_FLAG) else {
                b.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .calls
                    .remove(&handle);
                return Err("the result is 2 GiB or larger".to_string());
            };
            let len = if result.is_ok() { n } else { n | ERROR_FLAG };
            b.lock()
                .unwrap_or_else(|e| e.into_inner())
                .calls
                .insert(handle, Outgoing::Done(result));
            Ok(len as i32)
        }
    })?;
    let b = outbox;
    linker.func(
        ns,
        "read",
        move |mut caller: Caller<'_>, handle: i32, ptr: u32| -> Result<(), String> {
            let done = {
                let mut m = b.lock().unwrap_or_else(|e| e.into_inner());
                match m.calls.remove(&handle) {
                    Some(Outgoing::Done(d)) => d,
                    Some(other) => {
                        m.calls.insert(handle, other);
                        return Err(format!(
                            "call {handle} has no result yet (wait for it first)"
                        ));
                    }
                    None => return Err(format!("no call {handle} (read once, after wait)")),
                }
            };
            let bytes = match &done {
                Ok(b) => b.as_slice(),
                Err(m) => m.as_bytes(),
            };
            caller.memory()?.write(u64::from(ptr), bytes)
        },
    )?;
    Ok(())
}
