"""Extism's per-call cost from its Python SDK, on the trivial plugin extism_echo.wasm:
prints the median microseconds per call of `noop` and of `echo` with a 7-byte input."""
import sys
import time

import extism

N = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
plugin = extism.Plugin(open(sys.argv[1], "rb").read(), wasi=False)
assert plugin.call("echo", b'"a b c"') == b'"a b c"'
for name in ["noop", "echo"]:
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(N):
            plugin.call(name, b'"a b c"')
        runs.append((time.perf_counter() - t) / N * 1e6)
    runs.sort()
    print(f"{name} {runs[2]:.2f}")
