"""The benchmark suite behind benches/run.sh: each benchmark run side by side with its peers
on identical inputs, medians of N runs, printed with ratios as a table and as JSON, and
written to docs/performance.md (between the suite markers) and target/bench/results.json.

Usage (from benches/run.sh, which builds and installs everything first):
    python3 benches/suite.py [GROUP...]     groups: cold js kernels host calls sqljs isolates wasi

A group run alone replaces that group's results; the others keep their last figures, so
the document always shows every group with the time and machine load it was measured at.
Environment: N (repetitions, default 5), WASMTIME (the wasmtime binary), DENO.
"""

import datetime
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
W = os.path.join(ROOT, "target", "bench")
WARREN = os.path.join(ROOT, "target", "release", "warren")
EXAMPLES = os.path.join(ROOT, "target", "release", "examples")
N = int(os.environ.get("N", "5"))
VENV = os.path.join(ROOT, "target", "bench-venv")
WASMTIME = os.environ.get("WASMTIME") or next(
    iter(glob.glob(os.path.join(VENV, "lib", "python3*", "site-packages", "wasmtime_cli", "wasmtime"))),
    shutil.which("wasmtime"))
DENO = os.environ.get("DENO") or (
    os.path.join(VENV, "bin", "deno") if os.path.exists(os.path.join(VENV, "bin", "deno")) else shutil.which("deno"))
NODE = shutil.which("node")
DOC = os.path.join(ROOT, "docs", "performance.md")
RESULTS = os.path.join(W, "results.json")
BEGIN, END = "<!-- suite:begin -->", "<!-- suite:end -->"

# warren's runs keep their compiled-Wasm cache inside target/bench, never in the user's.
WARREN_ENV = dict(os.environ, XDG_CACHE_HOME=os.path.join(W, "xdg-cache"))


def note(msg):
    print(msg, file=sys.stderr, flush=True)


def run_once(cmd, cwd=None, env=None):
    """Runs cmd once; returns (seconds, completed process)."""
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - t, p


def wall_ms(cmd, ok, cwd=None, env=None, n=None, warm=1):
    """Median wall time in ms of n runs, after `warm` unmeasured runs whose output `ok`
    must accept (a wrong answer is not a benchmark). None when the command fails."""
    for _ in range(warm):
        _, p = run_once(cmd, cwd, env)
        if p.returncode != 0 or not ok(p.stdout):
            note(f"  skipped {' '.join(cmd)[:120]}: status {p.returncode}, "
                 f"stdout {p.stdout.strip()[:80]!r}, stderr {p.stderr.strip()[:200]!r}")
            return None
    return statistics.median(run_once(cmd, cwd, env)[0] * 1000 for _ in range(n or N))


def printed(cmd, cwd=None, env=None, n=None, field=0):
    """Median of the number a command prints (its `field`-th word). None when it fails."""
    vals = []
    for _ in range(n or N):
        _, p = run_once(cmd, cwd, env)
        if p.returncode != 0:
            note(f"  skipped {' '.join(cmd)[:120]}: {p.stderr.strip()[:200]!r}")
            return None
        vals.append(float(p.stdout.split()[field]))
    return statistics.median(vals)


def have(path):
    return path is not None and (os.path.exists(path) or shutil.which(path) is not None)


def warren_supports(flag):
    out = subprocess.run([WARREN, "run", "--help"], capture_output=True, text=True).stdout
    return flag in out


def int32(text):
    """The first integer printed, as an i32 bit pattern (engines print i32s differently)."""
    return int(text.split()[0]) & 0xFFFFFFFF


# ---- groups: each returns (rows, targets) ----
# A row: {"work", "engine", "value", "unit"}. A target: {"what", "value", "limit", "op", "met"}.


def row(work, engine, value, unit):
    return {"work": work, "engine": engine, "value": value, "unit": unit}


def target(what, value, op, limit):
    met = None if value is None else (value <= limit if op == "<=" else value >= limit)
    return {"what": what, "value": value, "op": op, "limit": limit, "met": met}


def lookup(rows, work, engine):
    for r in rows:
        if r["work"] == work and r["engine"] == engine and r["value"] is not None:
            return r["value"]
    return None


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def group_cold():
    add_wasm = os.path.join(W, "add.wasm")
    add_mjs = os.path.join(W, "add.mjs")
    three = lambda out: out.strip() == "3"
    work = "cold `run add.wat --invoke add 1 2`"
    cmds = {
        "bare V8 floor": [os.path.join(EXAMPLES, "bare_v8"), add_wasm, "1", "2"],
        "warren": [WARREN, "run", "--invoke", "add", "wasm/add.wat", "1", "2"],
        "warren (.wasm)": [WARREN, "run", "--invoke", "add", add_wasm, "1", "2"],
        "warren --no-cache": [WARREN, "run", "--no-cache", "--invoke", "add", "wasm/add.wat", "1", "2"],
        "warren --tier=baseline --no-cache": [WARREN, "run", "--tier=baseline", "--no-cache", "--invoke", "add", "wasm/add.wat", "1", "2"],
        "wasmtime": [WASMTIME, "run", "--invoke", "add", add_wasm, "1", "2"],
        "deno": [DENO, "run", "--allow-read", add_mjs],
        "node": [NODE, add_mjs],
    }
    rows = []
    for engine, cmd in cmds.items():
        if have(cmd[0]):
            ms = wall_ms(cmd, three, cwd=ROOT, env=WARREN_ENV, n=max(N, 15))
            rows.append(row(work, engine, ms, "ms"))
    me = lookup(rows, work, "warren")
    targets = [
        target("cold --invoke: warren / wasmtime", ratio(me, lookup(rows, work, "wasmtime")), "<=", 1.1),
        target("cold --invoke: warren / deno", ratio(me, lookup(rows, work, "deno")), "<=", 0.3),
    ]
    return rows, targets


def group_js():
    f = os.path.join(ROOT, "benches", "calls", "empty.mjs")
    hi = lambda out: out.strip() == "hi"
    work = 'empty JS start `console.log("hi")`'
    cmds = {"warren": [WARREN, "run", f], "deno": [DENO, "run", f], "node": [NODE, f]}
    rows = [row(work, e, wall_ms(c, hi, env=WARREN_ENV, n=max(N, 15)), "ms")
            for e, c in cmds.items() if have(c[0])]
    me = lookup(rows, work, "warren")
    return rows, [target("empty JS start: warren / deno", ratio(me, lookup(rows, work, "deno")), "<=", 0.4)]


KERNELS = [
    ("fib", "38", "fib(38), recursive"),
    ("lcg", "300000000", "LCG, 3·10⁸ steps"),
    ("gemm", "8", "gemm 256² f64, ×8"),
    ("sha256", "16", "SHA-256 of 16 MiB"),
    ("sort", "2", "shell sort 2²⁰ i32, ×2"),
    ("mandel", "1500", "Mandelbrot 1500², one call"),
]


def kernel_engines(wasm):
    runner = os.path.join(ROOT, "benches", "kernels", "run.mjs")
    engines = {"warren": lambda k, a: [WARREN, "run", "--invoke", k, wasm, a]}
    if warren_supports("--tier"):
        engines["warren --tier=baseline"] = lambda k, a: [WARREN, "run", "--tier=baseline", "--invoke", k, wasm, a]
        engines["warren --tier=optimized"] = lambda k, a: [WARREN, "run", "--tier=optimized", "--invoke", k, wasm, a]
    if warren_supports("--no-cache"):
        engines["warren --no-cache"] = lambda k, a: [WARREN, "run", "--no-cache", "--invoke", k, wasm, a]
    engines.update({
        "wasmtime": lambda k, a: [WASMTIME, "run", "--invoke", k, wasm, a],
        "deno": lambda k, a: [DENO, "run", "--allow-read", runner, wasm, k, a],
        "node": lambda k, a: [NODE, runner, wasm, k, a],
    })
    return {e: f for e, f in engines.items() if have(f("x", "0")[0])}


def group_kernels():
    wasm = os.path.join(W, "kernels.wasm")
    rows, targets = [], []
    engines = kernel_engines(wasm)
    for k, a, work in KERNELS:
        want = None
        for engine, cmd in engines.items():
            _, p = run_once(cmd(k, a), env=WARREN_ENV)
            if p.returncode != 0:
                note(f"  {engine} {k}: failed: {p.stderr.strip()[:200]!r}")
                continue
            got = int32(p.stdout)
            want = got if want is None else want
            if got != want:
                note(f"  {engine} {k}: printed {got}, others {want}; skipped")
                continue
            ms = wall_ms(cmd(k, a), lambda out: int32(out) == want, env=WARREN_ENV, warm=0)
            rows.append(row(work, engine, ms, "ms"))
            note(f"  {work:28} {engine:24} {ms:9.1f} ms")
        me = lookup(rows, work, "warren")
        targets.append(target(f"{k}: warren / wasmtime", ratio(me, lookup(rows, work, "wasmtime")), "<=", 1.15))
        targets.append(target(f"{k}: node / warren", ratio(lookup(rows, work, "node"), me), ">=", 1.5))
        targets.append(target(f"{k}: deno / warren", ratio(lookup(rows, work, "deno"), me), ">=", 1.5))
    return rows, targets


def group_host():
    work = "Wasm -> host call, (i32) -> i32"
    loop_wasm = os.path.join(W, "loop.wasm")
    node_js = os.path.join(ROOT, "benches", "host", "node.mjs")
    wt = os.path.join(ROOT, "target", "wasmtime-bench", "release", "wasmtime-host-bench")
    cmds = {
        "warren": [os.path.join(EXAMPLES, "bench"), "host", "10000000"],
        "wasmtime": [wt, "10000000", os.path.join(ROOT, "benches", "host", "loop.wat")],
        "deno (JS import)": [DENO, "run", "--allow-read", node_js, "10000000", loop_wasm],
        "node (JS import)": [NODE, node_js, "10000000", loop_wasm],
    }
    rows = [row(work, e, printed(c), "ns/call") for e, c in cmds.items() if have(c[0])]
    me = lookup(rows, work, "warren")
    return rows, [target("host call: warren / wasmtime", ratio(me, lookup(rows, work, "wasmtime")), "<=", 1.5)]


def group_calls():
    work = "JS -> Wasm call, (i32) -> i32"
    inc = os.path.join(W, "inc.wasm")
    js = os.path.join(ROOT, "benches", "calls", "js_to_wasm.mjs")
    cmds = {
        "warren": [WARREN, "run", f"--allow-read={W}", js, inc, "10000000"],
        "deno": [DENO, "run", "--allow-read", js, inc, "10000000"],
        "node": [NODE, js, inc, "10000000"],
    }
    rows = [row(work, e, printed(c, env=WARREN_ENV), "ns/call") for e, c in cmds.items() if have(c[0])]
    rust = "Rust -> Wasm call, `Runtime::call`"
    rows.append(row(rust, "warren", printed([os.path.join(EXAMPLES, "bench"), "call", "2000000"]), "ns/call"))
    return rows, []


def group_sqljs():
    d = os.path.join(ROOT, "target", "compat", "cases", "sql.js")
    if not os.path.exists(os.path.join(d, "sql-wasm.wasm")):
        note("  sql.js is not fetched (target/compat); skipped")
        return [], []
    shutil.copy(os.path.join(ROOT, "benches", "sqljs", "ready.cjs"), d)
    work_ready = "sql.js ready (initSqlJs to first query), in-process"
    work_wall = "sql.js ready, whole process"
    ok = lambda out: out.split()[1:2] == ["42"]
    cmds = {}
    if warren_supports("--no-cache"):
        # The default tier runs JS programs' Wasm in Liftoff, which V8 does not serialize;
        # the cache holds what --tier=optimized compiles.
        cmds["warren cold (--no-cache)"] = [WARREN, "run", "--no-cache", "ready.cjs"]
        cmds["warren --tier=optimized --no-cache"] = [WARREN, "run", "--tier=optimized", "--no-cache", "ready.cjs"]
        cmds["warren --tier=optimized, cached"] = [WARREN, "run", "--tier=optimized", "ready.cjs"]
    else:
        cmds["warren"] = [WARREN, "run", "ready.cjs"]
    cmds["deno"] = [DENO, "run", "-A", "ready.cjs"]
    cmds["node"] = [NODE, "ready.cjs"]
    rows = []
    for engine, cmd in cmds.items():
        if not have(cmd[0]):
            continue
        # The unmeasured first run is what fills warren's cache.
        n = 3 if "optimized --no-cache" in engine else None
        ms = wall_ms(cmd, ok, cwd=d, env=WARREN_ENV, n=n)
        rows.append(row(work_wall, engine, ms, "ms"))
        if ms is not None:
            rows.append(row(work_ready, engine, printed(cmd, cwd=d, env=WARREN_ENV, n=n), "ms"))
    cold = lookup(rows, work_ready, "warren cold (--no-cache)")
    cached = lookup(rows, work_ready, "warren --tier=optimized, cached")
    return rows, [target("sql.js ready: cold / cached", ratio(cold, cached), ">=", 5.0)]


def group_isolates():
    rows, targets = [], []
    bench = os.path.join(EXAMPLES, "bench")
    for js in (False, True):
        for n in (1, 100, 1000):
            cmd = [bench, "isolates", str(n)] + (["js"] if js else [])
            outs = []
            for _ in range(max(1, min(N, 3))):
                _, p = run_once(cmd)
                if p.returncode != 0:
                    note(f"  isolates {n}: {p.stderr.strip()[:200]!r}")
                    break
                outs.append(json.loads(p.stdout))
            if not outs:
                continue
            kind = "runtime + first JS" if js else "runtime (isolate + context)"
            create = statistics.median(o["create_us_median"] for o in outs)
            rss = statistics.median(o["rss_kib_per_runtime"] for o in outs)
            rows.append(row(f"{kind}: creation, {n} live", "warren", create / 1000, "ms"))
            rows.append(row(f"{kind}: RSS per runtime, {n} live", "warren", rss / 1024, "MiB"))
            if not js:
                targets.append(target(f"creation with {n} live (ms)", create / 1000, "<=", 2.0))
                if n == 1000:
                    targets.append(target("RSS per idle runtime at 1000 (MiB)", rss / 1024, "<=", 3.0))
    # The floor: plain V8 isolates and contexts, no warren.
    outs = []
    for _ in range(max(1, min(N, 3))):
        _, p = run_once([bench, "isolates", "1000", "bare"])
        if p.returncode == 0:
            outs.append(json.loads(p.stdout))
    if outs:
        rows.append(row("plain V8 isolate + context: creation, 1000 live", "warren",
                        statistics.median(o["create_us_median"] for o in outs) / 1000, "ms"))
        rows.append(row("plain V8 isolate + context: RSS per isolate, 1000 live", "warren",
                        statistics.median(o["rss_kib_per_runtime"] for o in outs) / 1024, "MiB"))
    return rows, targets


def group_wasi():
    d = os.path.join(W, "wasi")
    node_run = os.path.join(d, "node_run.mjs")
    def cmds(prog, args):
        return {
            "warren": [WARREN, "run", "--dir", ".", prog, *args],
            "wasmtime": [WASMTIME, "run", "--dir", ".", prog, *args],
            "node:wasi (node)": [NODE, "--no-warnings", node_run, prog, *args],
            "node:wasi (warren)": [WARREN, "run", "--allow-write=.", node_run, prog, *args],
        }
    def same_copy(_):
        with open(os.path.join(d, "out.bin"), "rb") as a, open(os.path.join(d, "in.bin"), "rb") as b:
            return a.read() == b.read()
    benches = [
        ("WASI copy 100 MB (64 KiB chunks)", "copy.wasm", ["in.bin", "out.bin"], same_copy),
        ("WASI 1,000,000 lines to stdout", "lines.wasm", [],
         lambda out: out.count("\n") == 1000000 and out.endswith("line 999999\n")),
    ]
    rows, targets = [], []
    for work, prog, args, ok in benches:
        for engine, cmd in cmds(prog, args).items():
            if have(cmd[0]):
                rows.append(row(work, engine, wall_ms(cmd, ok, cwd=d, env=WARREN_ENV), "ms"))
        targets.append(target(f"{work}: warren / wasmtime",
                              ratio(lookup(rows, work, "warren"), lookup(rows, work, "wasmtime")), "<=", 1.2))
    return rows, targets


GROUPS = {
    "cold": ("Cold start of a Wasm `--invoke`", group_cold),
    "js": ("Empty JS start", group_js),
    "kernels": ("C kernels (clang --target=wasm32 -O2), whole process", group_kernels),
    "host": ("Wasm -> host calls", group_host),
    "calls": ("Calls into Wasm", group_calls),
    "sqljs": ("sql.js start, cold and from the compiled-Wasm cache", group_sqljs),
    "isolates": ("Isolate density (one process, one thread)", group_isolates),
    "wasi": ("WASI throughput", group_wasi),
}


# ---- output ----


def fmt(v, unit):
    if v is None:
        return "—"
    if unit == "ms":
        return f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms"
    if unit == "MiB":
        return f"{v:.2f} MiB"
    return f"{v:.2f} {unit}"


def table(g):
    """One markdown table: a row per work item, a column per engine, warren's ratio to each
    peer beside the peer's figure."""
    rows = g["rows"]
    works = list(dict.fromkeys(r["work"] for r in rows))
    engines = list(dict.fromkeys(r["engine"] for r in rows))
    out = ["| work | " + " | ".join(engines) + " |", "|---" * (len(engines) + 1) + "|"]
    for w in works:
        me = lookup(rows, w, "warren")
        cells = []
        for e in engines:
            r = next((r for r in rows if r["work"] == w and r["engine"] == e), None)
            if r is None:
                cells.append("")
                continue
            cell = fmt(r["value"], r["unit"])
            if e != "warren" and not e.startswith("warren") and me and r["value"]:
                cell += f" (warren {me / r['value']:.2f}×)"
            cells.append(cell)
        out.append(f"| {w} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def targets_md(g):
    lines = []
    for t in g["targets"]:
        mark = "not measured" if t["met"] is None else ("met" if t["met"] else "**missed**")
        v = "—" if t["value"] is None else f"{t['value']:.2f}"
        lines.append(f"- {t['what']}: {v} (target {t['op']} {t['limit']}) — {mark}")
    return "\n".join(lines)


def render(results):
    parts = [BEGIN, "", "_Generated by `benches/run.sh`; do not edit by hand._", ""]
    for name, (title, _) in GROUPS.items():
        g = results.get(name)
        if not g:
            continue
        load = ", ".join(f"{x:.1f}" for x in g["load"])
        parts += [f"### {title}", "",
                  f"Measured {g['when']}, median of {g['n']} runs; load average before/after: {load}.", "",
                  table(g), ""]
        if g["targets"]:
            parts += [targets_md(g), ""]
    parts += ["<details><summary>JSON</summary>", "", "```json",
              json.dumps(results, indent=1, ensure_ascii=False), "```", "", "</details>", "", END]
    return "\n".join(parts)


def write_doc(results):
    block = render(results)
    text = open(DOC).read() if os.path.exists(DOC) else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        text += "\n" + block + "\n"
    os.makedirs(os.path.dirname(DOC), exist_ok=True)
    with open(DOC, "w") as f:
        f.write(text)


def previous_results():
    """The last figures of every group: target/bench/results.json, or else (a fresh clone)
    the JSON block docs/performance.md carries, so running one group never drops the
    others' figures from the document."""
    if os.path.exists(RESULTS):
        with open(RESULTS) as f:
            return json.load(f)
    if not os.path.exists(DOC):
        return {}
    text = open(DOC).read()
    if BEGIN not in text or END not in text:
        return {}
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    if "```json" not in block:
        return {}
    try:
        return json.loads(block.split("```json", 1)[1].split("```", 1)[0])
    except ValueError:
        return {}


def main():
    names = sys.argv[1:] or list(GROUPS)
    for name in names:
        if name not in GROUPS:
            sys.exit(f"unknown group {name!r}; groups: {' '.join(GROUPS)}")
    results = previous_results()
    for name in names:
        title, fn = GROUPS[name]
        note(f"== {name}: {title}")
        load0 = os.getloadavg()[0]
        rows, targets = fn()
        results[name] = {
            "when": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "n": N,
            "load": [load0, os.getloadavg()[0]],
            "rows": rows,
            "targets": targets,
        }
        print(f"\n## {title}\n\n{table(results[name])}\n")
        if targets:
            print(targets_md(results[name]) + "\n")
        with open(RESULTS, "w") as f:
            json.dump(results, f, indent=1, ensure_ascii=False)
    print(json.dumps({n: results[n] for n in names}, ensure_ascii=False))
    write_doc(results)


if __name__ == "__main__":
    main()
