#!/usr/bin/env bash
# The test command (README): the Rust test suite (with the spec suite, the npm compat
# suite and the WASI programs), then the checks that compare warren's JS ports (inspect,
# web/Node pieces) with Node's own implementations (skipped, with a message, without node).
set -euo pipefail
cd "$(dirname "$0")/.."
# The WASI tests build C programs with clang for wasm32-wasi and compare with wasmtime.
bash scripts/setup-wasi.sh
cargo test
if command -v node >/dev/null 2>&1; then
  node js/tests/inspect_check.mjs
  node js/tests/web_check.mjs
else
  echo "inspect_check: skipped (node is not installed)"
fi
