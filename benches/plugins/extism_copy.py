"""Extism's Python SDK on benches/plugins/extism_kernel.wasm: median microseconds per call
of `copy` and `copy64` with a 64 KiB input (kernel traffic through Extism's own kernel)."""
import sys
import time

import extism

N = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
plugin = extism.Plugin(open(sys.argv[1], "rb").read(), wasi=False)
data = bytes(i & 0xFF for i in range(64 * 1024))
assert plugin.call("copy", data) == data
for name in ["copy", "copy64"]:
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(N):
            plugin.call(name, data)
        runs.append((time.perf_counter() - t) / N * 1e6)
    runs.sort()
    print(f"{name} {runs[2]:.2f}")
