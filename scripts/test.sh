#!/usr/bin/env bash
# The test command (README): the Rust test suite, then the console-formatting check that
# compares js/inspect.js with Node's own util.inspect (skipped, with a message, without node).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test
if command -v node >/dev/null 2>&1; then
  node js/tests/inspect_check.mjs
else
  echo "inspect_check: skipped (node is not installed)"
fi
