#!/usr/bin/env bash
# WASI throughput: a 100 MB file copied through fd_read/fd_write in 64 KiB chunks, and 1,000,000 short lines to stdout, under warren, wasmtime and node's node:wasi.
# One group of the benchmark suite (benches/run.sh), which builds, installs the peers and
# writes the figures to docs/performance.md.
exec bash "$(dirname "$0")/run.sh" wasi "$@"
