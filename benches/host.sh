#!/usr/bin/env bash
# Wasm -> host call cost, (i32) -> i32, 10M calls: warren (Rust host function, V8 fast API) beside wasmtime's Func::wrap, and node/deno calling a JS import.
# One group of the benchmark suite (benches/run.sh), which builds, installs the peers and
# writes the figures to docs/performance.md.
exec bash "$(dirname "$0")/run.sh" host "$@"
