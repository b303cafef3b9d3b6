#!/usr/bin/env bash
# The cost of fuel: each kernel of benches/fuel/kernels.wat run by `warren run --invoke`
# without fuel and with ample fuel (every module instrumented), median of N runs, and the
# ratio. A benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-5}
cargo build --release --quiet
W=target/release/warren
K=benches/fuel/kernels.wat
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_ms() { # time_ms ARGS... : wall milliseconds of one run
  local s e
  s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
  echo $(((e - s) / 1000000))
}
printf "%-8s %10s %10s %8s\n" kernel "plain ms" "fuel ms" ratio
for k in "fib 32" "lcg 300000000" "sieve 20"; do
  set -- $k
  plain=$(for _ in $(seq "$N"); do time_ms $W run --invoke "$1" $K "$2"; done | median)
  fuel=$(for _ in $(seq "$N"); do time_ms $W run --fuel 9000000000000000000 --invoke "$1" $K "$2"; done | median)
  same=$([ "$($W run --invoke "$1" $K "$2")" = "$($W run --fuel 9000000000000000000 --invoke "$1" $K "$2")" ] && echo "" || echo "  RESULTS DIFFER")
  printf "%-8s %10s %10s %8s%s\n" "$1" "$plain" "$fuel" "$(awk -v a="$fuel" -v b="$plain" 'BEGIN {printf "%.2fx", a / b}')" "$same"
done
