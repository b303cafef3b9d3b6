#!/usr/bin/env bash
# WASI throughput: a 100 MB file copied through fd_read/fd_write in 64 KiB chunks, and
# 1,000,000 short lines written to stdout (one fd_write each), under warren, wasmtime and
# node's node:wasi. Median of N runs each, printed with ratios to wasmtime (target <= 1.2).
# Needs clang-19 for wasm32-wasi and wasmtime (scripts/setup-wasi.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-5}
bash scripts/setup-wasi.sh
cargo build --release --quiet --bin warren
W=$PWD/target/bench/wasi
mkdir -p "$W"
for p in copy lines; do
  clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -o "$W/$p.wasm" "benches/wasi/$p.c"
done
cp benches/wasi/node_run.mjs "$W/"
[ -f "$W/in.bin" ] || head -c 100000000 /dev/urandom > "$W/in.bin"
WASMTIME=$(ls "$PWD"/target/wasi-venv/lib/python3*/site-packages/wasmtime_cli/wasmtime 2>/dev/null | head -1 || true)
export WASMTIME
cd "$W"
python3 - "$N" "$PWD/../../release/warren" <<'PY'
import os, shutil, statistics, subprocess, sys, time
n, warren = int(sys.argv[1]), sys.argv[2]
wasmtime = os.environ.get("WASMTIME") or shutil.which("wasmtime")
node = shutil.which("node")
def cmds(prog, args):
    return {
        "warren": [warren, "run", "--dir", ".", prog, *args],
        "wasmtime": [wasmtime, "run", "--dir", ".", prog, *args] if wasmtime else None,
        "node:wasi (node)": [node, "--no-warnings", "node_run.mjs", prog, *args] if node else None,
        "node:wasi (warren)": [warren, "run", "--allow-write=.", "node_run.mjs", prog, *args],
    }
benches = {
    "copy 100 MB (64 KiB chunks)": ("copy.wasm", ["in.bin", "out.bin"], lambda out: open("out.bin", "rb").read() == open("in.bin", "rb").read()),
    "1,000,000 lines to stdout": ("lines.wasm", [], lambda out: out.count(b"\n") == 1000000 and out.endswith(b"line 999999\n")),
}
for title, (prog, args, ok) in benches.items():
    print(f"\n{title}: median of {n} runs")
    res = {}
    for name, cmd in cmds(prog, args).items():
        if cmd is None:
            print(f"  {name:20} skipped (not installed)"); continue
        out = subprocess.run(cmd, capture_output=True)
        if out.returncode != 0 or not ok(out.stdout):
            print(f"  {name:20} skipped (failed: {out.stderr.decode()[:200]!r})"); continue
        ts = []
        for _ in range(n):
            t = time.perf_counter(); subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); ts.append(time.perf_counter() - t)
        res[name] = statistics.median(ts) * 1000
    base = res.get("wasmtime")
    for name, ms in res.items():
        ratio = f"{ms / base:6.2f}x wasmtime" if base else ""
        print(f"  {name:20} {ms:9.1f} ms  {ratio}")
    if base and "warren" in res:
        print(f"  warren / wasmtime = {res['warren'] / base:.2f} (target <= 1.2)")
PY
