#!/usr/bin/env bash
# Cold evaluation of a module graph: 200 JS modules + 20 Wasm modules (10 distinct, each
# imported twice), beside deno and node (node needs --experimental-wasm-modules).
# Median of N runs, printed with ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-15}
cargo build --release --quiet --bin warren
VENV=target/bench-venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check deno >/dev/null 2>&1 || true
G=target/bench-graph
rm -rf "$G" && mkdir -p "$G"
for i in $(seq 0 9); do
  printf '(module (func (export "f%d") (param i32) (result i32) (i32.add (local.get 0) (i32.const %d))))\n' "$i" "$i" > "$G/w$i.wat"
  ./target/release/warren compile "$G/w$i.wat" -o "$G/w$i.wasm"
  cp "$G/w$i.wasm" "$G/v$i.wasm"
done
for i in $(seq 0 199); do
  {
    if [ "$i" -lt 199 ]; then echo "import { v$((i + 1)) } from './m$((i + 1)).mjs';"; else echo "const v200 = 0;"; fi
    if [ "$i" -lt 10 ]; then echo "import { f$i } from './w$i.wasm';"; echo "import { f$i as g$i } from './v$i.wasm';"; fi
    if [ "$i" -lt 10 ]; then echo "export const v$i = v$((i + 1)) + f$i(1) + g$i(1);"; else echo "export const v$i = v$((i + 1)) + $i;"; fi
  } > "$G/m$i.mjs"
done
echo "import { v0 } from './m0.mjs'; console.log(v0);" > "$G/main.mjs"
"$VENV/bin/python" - "$N" "$G" <<'PY'
import os, shutil, statistics, subprocess, sys, time
n, g = int(sys.argv[1]), sys.argv[2]
venv = os.path.abspath("target/bench-venv/bin")
cmds = {
    "warren": ["./target/release/warren", "run", f"{g}/main.mjs"],
    "deno": [f"{venv}/deno", "run", "--allow-read", f"{g}/main.mjs"],
    "node": ["node", "--experimental-wasm-modules", "--no-warnings", f"{g}/main.mjs"],
}
want = None
res = {}
for name, cmd in cmds.items():
    if not os.path.exists(cmd[0]) and shutil.which(cmd[0]) is None:
        print(f"{name:8} skipped (not installed)"); continue
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        print(f"{name:8} skipped: {out.stderr.strip()[:200]}"); continue
    want = want or out.stdout
    if out.stdout != want:
        print(f"{name:8} printed {out.stdout!r}, expected {want!r}")
    ts = []
    for _ in range(n):
        t = time.perf_counter(); subprocess.run(cmd, capture_output=True); ts.append(time.perf_counter() - t)
    res[name] = statistics.median(ts) * 1000
for name, ms in res.items():
    r = f"  warren/{name} = {res['warren'] / ms:.2f}" if "warren" in res else ""
    print(f"{name:8} {ms:8.2f} ms{r}")
if "warren" in res and "deno" in res:
    print(f"\ntarget: warren <= 0.5x deno's time; got {res['warren'] / res['deno']:.2f}x")
PY
