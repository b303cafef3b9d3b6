#!/usr/bin/env bash
# Cold start of `run add.wat --invoke add 1 2`: warren beside wasmtime, deno, node and a bare-V8 floor (examples/bare_v8.rs).
# One group of the benchmark suite (benches/run.sh), which builds, installs the peers and
# writes the figures to docs/performance.md.
exec bash "$(dirname "$0")/run.sh" cold "$@"
