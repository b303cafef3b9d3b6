#!/usr/bin/env bash
# Wasm -> host call cost, (i32) -> i32, 10M calls: warren (Rust host function, V8 fast API)
# beside wasmtime's Func::wrap, and node/deno calling a JS import. Prints ns/call and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000000}
REPS=${REPS:-5}
cargo build --release --quiet --bin warren --example bench_host
./target/release/warren compile benches/host/loop.wat -o target/loop.wasm
VENV=target/bench-venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check deno >/dev/null 2>&1 || true
if [ -z "${SKIP_WASMTIME:-}" ]; then
  echo "building the wasmtime comparison (first time takes minutes)..." >&2
  (cd benches/host/wasmtime && CARGO_TARGET_DIR=../../../target/wasmtime-bench cargo build --release --quiet) || echo "wasmtime build failed; skipped" >&2
fi
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { for _ in $(seq "$REPS"); do "$@"; done | median; }
W=$(measure ./target/release/examples/bench_host "$N")
NODE=$(measure node benches/host/node.mjs "$N" target/loop.wasm)
echo "warren   $W ns/call"
echo "node     $NODE ns/call   (warren/node = $(echo "$W / $NODE" | bc -l | cut -c1-4), target <= 1)"
if [ -x "$VENV/bin/deno" ]; then
  DENO=$(measure "$VENV/bin/deno" run --allow-read benches/host/node.mjs "$N" target/loop.wasm)
  echo "deno     $DENO ns/call"
fi
WT=target/wasmtime-bench/release/wasmtime-host-bench
if [ -x "$WT" ]; then
  WTN=$(measure "$WT" "$N" benches/host/loop.wat)
  echo "wasmtime $WTN ns/call   (warren/wasmtime = $(echo "$W / $WTN" | bc -l | cut -c1-4), target <= 3)"
fi
