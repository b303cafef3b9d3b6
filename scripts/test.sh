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
  # The recorded expectations of tests/node/*.mjs are Node's own output.
  for f in tests/node/*.mjs; do
    node "$f" | diff -u "${f%.mjs}.out" - || { echo "$f: Node's output differs from ${f%.mjs}.out" >&2; exit 1; }
  done
else
  echo "inspect_check: skipped (node is not installed)"
fi
