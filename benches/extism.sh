#!/usr/bin/env bash
# Extism plugins (issue 15): per-call overhead of a trivial Extism plugin
# (benches/plugins/extism_echo.wat) in warren's plugin host beside Extism's Python SDK on
# the same module, and the kernel: warren's Rust kernel (in the plugin host) beside
# Extism's published kernel module, extism-runtime.wasm (taken from the `extism` crate on
# crates.io with `cargo fetch`, and driven from JS in warren with the plugin linked to it
# directly, as Extism links it), on benches/plugins/extism_kernel.wat copying 64 KiB byte by
# byte and 8 bytes at a time. Installs its peers into target/ (pip: extism; cargo: the
# extism crate's source). Prints figures and ratios; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${CALLS:-20000}
cargo build --release --quiet --bin warren --example plugin_host
W=./target/release/warren
OUT=$(./target/release/examples/plugin_host extism "$CALLS")
fig() { echo "$OUT" | awk -v k="$1" '$1 == k { print $2 }'; }
ratio() { echo "$1 / $2" | bc -l | awk '{ printf "%.2f", $1 }'; }
$W compile benches/plugins/extism_echo.wat -o target/extism_echo.wasm
$W compile benches/plugins/extism_kernel.wat -o target/extism_kernel.wasm
echo "warren PluginHost::call on an Extism plugin, median of 5 x $CALLS calls (7-byte input):"
echo "  noop               $(fig call_extism_noop_us) us/call"
echo "  echo               $(fig call_extism_echo_us) us/call"
echo "  copy   (64 KiB, 1 byte per kernel call)  $(fig call_extism_copy_us) us/call"
echo "  copy64 (64 KiB, 8 bytes per kernel call) $(fig call_extism_copy64_us) us/call"

VENV=target/bench-venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if "$VENV/bin/pip" install --quiet --disable-pip-version-check extism >/dev/null 2>&1; then
  EX=$("$VENV/bin/python" benches/plugins/extism_calls.py target/extism_echo.wasm "$CALLS")
  CP=$("$VENV/bin/python" benches/plugins/extism_copy.py target/extism_kernel.wasm "$((CALLS / 10))")
  exfig() { echo "$EX $CP" | tr ' ' '\n' | paste - - | awk -v k="$1" '$1 == k { print $2 }'; }
  echo "Extism $("$VENV/bin/pip" show extism 2>/dev/null | awk '/^Version/ {print $2}') (Python SDK, wasmtime), the same module:"
  echo "  noop               $(exfig noop) us/call   (warren / Extism = $(ratio "$(fig call_extism_noop_us)" "$(exfig noop)"))"
  echo "  echo               $(exfig echo) us/call   (warren / Extism = $(ratio "$(fig call_extism_echo_us)" "$(exfig echo)"))"
  echo "  copy               $(exfig copy) us/call   (warren / Extism = $(ratio "$(fig call_extism_copy_us)" "$(exfig copy)"))"
  echo "  copy64             $(exfig copy64) us/call   (warren / Extism = $(ratio "$(fig call_extism_copy64_us)" "$(exfig copy64)"))"
else
  echo "Extism Python SDK: skipped (pip install extism failed here)"
fi

# Extism's published kernel: from the extism crate's source, fetched by cargo.
K=target/extism-kernel
mkdir -p "$K/src"
[ -f "$K/Cargo.toml" ] || printf '[package]\nname = "extism-kernel-fetch"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\nextism = "1"\n' > "$K/Cargo.toml"
touch "$K/src/lib.rs"
KWASM=""
if (cd "$K" && cargo fetch --quiet) >/dev/null 2>&1; then
  CRATE=$(ls -t "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/extism-1.*.crate 2>/dev/null | head -1)
  if [ -n "$CRATE" ]; then
    V=$(basename "$CRATE" .crate)
    tar xzf "$CRATE" -O "$V/src/extism-runtime.wasm" > "$K/extism-runtime.wasm" && KWASM="$K/extism-runtime.wasm"
  fi
fi
if [ -n "$KWASM" ]; then
  KO=$($W run -A benches/extism_kernel.js "$KWASM" target/extism_kernel.wasm "$((CALLS / 10))")
  kfig() { echo "$KO" | awk -v k="$1" '$1 == k { print $2 }'; }
  echo "Extism's kernel module ($V, extism-runtime.wasm) in warren, plugin linked to it directly, driven from JS:"
  echo "  noop               $(kfig kernel_wasm_noop_us) us/call"
  echo "  copy               $(kfig kernel_wasm_copy_us) us/call   (Rust kernel / kernel module = $(ratio "$(fig call_extism_copy_us)" "$(kfig kernel_wasm_copy_us)"))"
  echo "  copy64             $(kfig kernel_wasm_copy64_us) us/call   (Rust kernel / kernel module = $(ratio "$(fig call_extism_copy64_us)" "$(kfig kernel_wasm_copy64_us)"))"
else
  echo "Extism's kernel module: skipped (cargo could not fetch the extism crate)"
fi
