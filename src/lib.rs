//! warren: a host for JavaScript and WebAssembly together, on V8.
//!
//! A [`Runtime`] owns one V8 isolate and its main context. It runs ES modules (with
//! top-level await and an event loop on tokio), compiles Wasm and WAT, and calls Wasm
//! exports with Rust values.
//!
//! ```
//! let mut rt = warren::Runtime::new(Default::default()).unwrap();
//! let bytes = warren::wat_to_wasm(None, br#"(module
//!   (func (export "mul") (param i64 i64) (result i64)
//!     local.get 0 local.get 1 i64.mul))"#).unwrap();
//! let inst = rt.instantiate_wasm("mul.wat", &bytes).unwrap();
//! let out = rt.invoke(&inst, "mul", &[warren::Val::I64(1 << 40), warren::Val::I64(3)]).unwrap();
//! assert_eq!(out, vec![warren::Val::I64(3 << 40)]);
//! ```
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod base_flags;
pub mod engine;
pub mod error;
pub mod fuel;
pub mod host;
mod http_client;
pub mod interrupt;
pub mod io_runtime;
pub mod modules;
pub mod permissions;
pub mod plugins;
mod runtime;
pub mod serve;
pub mod tier;
pub mod value;
pub mod wasi;
pub mod wasm;
pub mod wasm_cache;
pub mod wasm_types;
pub mod wast;
mod watchdog;

pub use error::{Error, JsError, Limit, LimitKind, LinkError, Result, Trap, TrapKind, WasmFrame};
pub use host::{Caller, Json, Linker, Memory};
pub use interrupt::{Interrupt, Interrupted};
pub use permissions::{Grant, GrantHint, PermissionError, Permissions};
pub use runtime::{
    CodeCacheStats, Func, Instance, JsModule, OutputSink, Runtime, RuntimeOptions, Stream,
    code_cache_stats,
};
pub use tier::Tier;
pub use value::Value;
pub use wasm::{FuncSig, ModuleInfo, Val, WasmModule, parse_arg, wat_to_wasm};
pub use wasm_cache::WasmCache;
