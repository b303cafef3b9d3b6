#!/usr/bin/env bash
# Plugin host costs (issue 12): per-call overhead of PluginHost::call to a trivial JS
# plugin and to a trivial Wasm plugin (JSON ABI and numeric), the cold load of a one-plugin
# host, and isolate creation; beside Extism's per-call cost from its Python SDK on an
# equivalent trivial plugin (installed into target/bench-venv from PyPI, when it installs).
# Targets: a ready plugin isolate under 5 ms, a call under 10 us. Prints figures; asserts
# nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${CALLS:-20000}
cargo build --release --quiet --bin warren --example plugin_host
OUT=$(./target/release/examples/plugin_host bench "$CALLS")
fig() { echo "$OUT" | awk -v k="$1" '$1 == k { print $2 }'; }
echo "warren PluginHost::call, median of 5 x $CALLS sequential calls from one tokio task:"
echo "  JS echo           $(fig call_js_echo_us) us/call   (target < 10)"
echo "  JS noop           $(fig call_js_noop_us) us/call"
echo "  Wasm JSON-ABI echo $(fig call_wasm_json_echo_us) us/call   (target < 10)"
echo "  Wasm numeric add  $(fig call_wasm_add_us) us/call"
echo "cold load (manifest -> thread -> isolate -> first answer), median of 11:"
echo "  JS plugin         $(fig cold_load_js_ms) ms"
echo "  Wasm plugin       $(fig cold_load_wasm_ms) ms"
echo "isolate creation, median of 21:"
echo "  bare isolate      $(fig isolate_ms) ms"
echo "  ready JS isolate  $(fig isolate_ready_js_ms) ms   (target < 5)"

VENV=target/bench-venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if "$VENV/bin/pip" install --quiet --disable-pip-version-check extism >/dev/null 2>&1; then
  ./target/release/warren compile benches/plugins/extism_echo.wat -o target/extism_echo.wasm
  EX=$("$VENV/bin/python" benches/plugins/extism_calls.py target/extism_echo.wasm "$CALLS")
  exfig() { echo "$EX" | awk -v k="$1" '$1 == k { print $2 }'; }
  echo "Extism $("$VENV/bin/pip" show extism 2>/dev/null | awk '/^Version/ {print $2}') (Python SDK), median of 5 x $CALLS calls:"
  echo "  echo              $(exfig echo) us/call   (warren JSON-ABI echo / Extism = $(echo "$(fig call_wasm_json_echo_us) / $(exfig echo)" | bc -l | cut -c1-4))"
  echo "  noop              $(exfig noop) us/call"
else
  echo "Extism: skipped (pip install extism failed here)"
fi
