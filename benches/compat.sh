#!/usr/bin/env bash
# Time from start to result for the sql.js and wabt drivers of ../shared/compat, cold,
# beside node and deno running the same driver. Median of N runs, with ratios to node.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10}
cargo build --release --quiet --bin warren
VENV=target/bench-venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check deno >/dev/null 2>&1 || true
if [ ! -f target/compat/cases/sql.js/sql-wasm.wasm ]; then
  rm -rf target/compat && cp -r ../shared/compat target/compat && chmod -R u+w target/compat
  (cd target/compat && NPM_CACHE_DIR=$PWD/../npm-cache bash fetch.sh)
fi
"$VENV/bin/python" - "$N" <<'PY'
import os, shutil, statistics, subprocess, sys, time
n = int(sys.argv[1])
root = os.getcwd()
venv = os.path.join(root, "target/bench-venv/bin")
for case in ["sql.js", "wabt"]:
    d = os.path.join(root, "target/compat/cases", case)
    expected = open(os.path.join(d, "test.cjs.expected")).read()
    cmds = {
        "warren": [os.path.join(root, "target/release/warren"), "run", "test.cjs"],
        "node": ["node", "test.cjs"],
        "deno": [f"{venv}/deno", "run", "-A", "test.cjs"],
    }
    res = {}
    for name, cmd in cmds.items():
        if not os.path.exists(cmd[0]) and shutil.which(cmd[0]) is None:
            continue
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=d)
        if out.stdout != expected:
            print(f"{case:7} {name:7} wrong output ({out.stderr.strip()[:120]}); skipped"); continue
        ts = []
        for _ in range(n):
            t = time.perf_counter(); subprocess.run(cmd, capture_output=True, cwd=d); ts.append(time.perf_counter() - t)
        res[name] = statistics.median(ts) * 1000
    for name, ms in res.items():
        ratio = f"  {name}/node = {ms / res['node']:.2f}" if "node" in res else ""
        print(f"{case:7} {name:7} {ms:8.1f} ms{ratio}")
    print()
print("target: warren <= 0.8x node")
PY
