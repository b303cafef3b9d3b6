#!/usr/bin/env bash
# warren serve (issue 16): requests per second and p50/p99 latency of a hello-world
# handler at 64 connections with wrk on loopback, beside `deno serve` (PyPI's deno, into
# target/bench-venv) and node's http.createServer on the same handler, each round with
# warren's no-handler endpoint as the ceiling wrk allows; the same with each server held
# to half a CPU by a CFS quota (where a CPU cgroup can be made), so that the server and
# not wrk bounds req/s; then two tenants of one warren where one spins on every request
# (until its cpu_limit retires its isolate), to see how much the other's p99 moves; and a
# handler that awaits a 10 ms timer, one request at a time (--concurrency 1) and with the
# default concurrency, beside deno; and one that fetches each answer from an upstream.
# Servers are pinned to CPU 0 and wrk to CPU 1 when there are two. Targets: warren >=
# deno's req/s on one core; the spinning tenant moving the other's p99 by at most 2x.
# Each comparison is made ROUNDS times (5) in turn, and its median ratio reported, since
# this VM's speed drifts by ±15% over minutes. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-10}
CONNS=${CONNS:-64}
if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
fi
VENV=target/bench-venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
DENO=""
if "$VENV/bin/pip" install --quiet --disable-pip-version-check deno >/dev/null 2>&1; then
  DENO=$("$VENV/bin/python" -c 'import deno, os; print(deno.find_deno_bin())' 2>/dev/null || true)
  [ -x "$DENO" ] || DENO=$(ls "$VENV"/bin/deno 2>/dev/null || true)
fi
cargo build --release --quiet --bin warren
WARREN=./target/release/warren
if [ "$(nproc)" -ge 2 ]; then SRV="taskset -c 0"; LOAD="taskset -c 1"; else SRV=""; LOAD=""; fi

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "${CAP:-}" ]; then sleep 0.2; rmdir "$CAP" 2>/dev/null || true; fi
}
trap cleanup EXIT

wait_port() {
  for _ in $(seq 200); do
    if curl -s -o /dev/null "http://127.0.0.1:$1/" -H "Host: ${2:-localhost}"; then return 0; fi
    sleep 0.05
  done
  echo "server on port $1 did not come up" >&2
  return 1
}

# wrk's figures: "req/s p50 p99" (latencies in ms).
measure() {
  local url=$1 host=$2 out
  out=$($LOAD wrk -t1 -c"$CONNS" -d"${DUR}s" --latency -H "Host: $host" "$url")
  local rps p50 p99
  rps=$(echo "$out" | awk '/^Requests\/sec/ { print $2 }')
  p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
  p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
  echo "$rps $(ms "$p50") $(ms "$p99")"
}
# wrk prints 812.00us, 1.23ms, 2.01s: as milliseconds.
ms() {
  case "$1" in
    *us) echo "$1" | sed 's/us$//' | awk '{ printf "%.3f", $1 / 1000 }' ;;
    *ms) echo "$1" | sed 's/ms$//' | awk '{ printf "%.3f", $1 }' ;;
    *s) echo "$1" | sed 's/s$//' | awk '{ printf "%.3f", $1 * 1000 }' ;;
    *) echo "$1" ;;
  esac
}
start() {
  "$@" >/dev/null 2>&1 &
  PIDS+=($!)
}
row() { printf '  %-34s %10s req/s   p50 %8s ms   p99 %8s ms\n' "$1" $2; }
# The same, with the server's CPU time (user + system) per request.
cpurow() {
  printf '  %-34s %10s req/s   p50 %8s ms   p99 %8s ms   cpu %5s us/req\n' "$1" $2
}
TICK=$(getconf CLK_TCK)
# User + system CPU ticks of process $1 so far.
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

ROUNDS=${ROUNDS:-5}
# The median of numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.2f", $1 / $2; else print "-" }'; }
# One server, measured once: start it, wait for its port, print "req/s p50 p99 cpu", cpu
# the server's CPU time per request (user + system, in microseconds) over the run. Both
# the server and wrk use all of their CPU here, so req/s is bound by wrk as much as by
# the server: the CPU per request says what the server itself costs. PATH_ defaults to /.
once() {
  local port=$1 host=$2; shift 2
  start "$@"
  local pid=${PIDS[-1]}
  wait_port "$port" "$host"
  local before after out
  before=$(ticks "$pid")
  out=$(measure "http://127.0.0.1:$port${PATH_:-/}" "$host")
  after=$(ticks "$pid")
  echo "$out $(echo "$out $before $after" | awk -v t="$TICK" -v d="$DUR" \
    '{ if ($1 > 0) printf "%.2f", ($5 - $4) / t * 1e6 / ($1 * d); else print "-" }')"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

# The VM's speed drifts over minutes: warren and deno are measured in turn, ROUNDS times,
# and compared round by round; the ratio reported is the median of the rounds'. Each round
# also measures the ceiling of this machine and load: warren's /_warren/health, answered
# by hyper and a few lines of Rust, with no handler and no isolate.
echo "hello world, $CONNS connections, ${DUR}s each, $ROUNDS rounds (server on CPU 0, wrk on CPU 1):"
RATIOS=()
CPUS=()
CEILS=()
WS=()
for r in $(seq "$ROUNDS"); do
  W=$(once 8301 localhost $SRV "$WARREN" serve benches/serve/hello.mjs --port 8301 --threads 1 --no-access-log)
  cpurow "warren serve (1 conn thread) #$r" "$W"
  WS+=("${W%% *}")
  if [ -n "$DENO" ]; then
    D=$(once 8302 localhost $SRV "$DENO" serve --port 8302 --host 127.0.0.1 benches/serve/hello.mjs)
    cpurow "deno serve $("$DENO" --version | awk 'NR==1 {print $2}') #$r" "$D"
    RATIOS+=("$(ratio "${W%% *}" "${D%% *}")")
    CPUS+=("$(ratio "$(echo "$D" | awk '{print $4}')" "$(echo "$W" | awk '{print $4}')")")
  fi
  H=$(PATH_=/_warren/health once 8305 localhost $SRV "$WARREN" serve benches/serve/hello.mjs --port 8305 --threads 1 --no-access-log --observability)
  cpurow "no handler: warren /_warren/health #$r" "$H"
  if [ -n "$DENO" ]; then CEILS+=("$(ratio "${H%% *}" "${D%% *}")"); fi
done
if [ -z "$DENO" ]; then
  echo "  deno serve: skipped (pip install deno failed here)"
fi

N=$(once 8303 localhost $SRV node benches/serve/node_hello.mjs 8303)
cpurow "node $(node --version) http.createServer" "$N"

if [ -n "$DENO" ]; then
  echo "  warren / deno req/s, by round: ${RATIOS[*]}; median $(printf '%s\n' "${RATIOS[@]}" | median)   (target >= 1)"
  echo "  deno / warren CPU per request, by round: ${CPUS[*]}; median $(printf '%s\n' "${CPUS[@]}" | median)   (above 1: warren costs less)"
  echo "  no handler / deno req/s, by round: ${CEILS[*]}; median $(printf '%s\n' "${CEILS[@]}" | median)   (the ceiling: wrk's, when near 1)"
fi
echo "  warren / node req/s = $(ratio "$(printf '%s\n' "${WS[@]}" | median)" "${N%% *}")   (warren's median)"
C=$(once 8308 localhost $SRV "$WARREN" serve benches/serve/hello.mjs --port 8308 --threads 1 --no-access-log --concurrency 1)
cpurow "warren serve --concurrency 1" "$C"
echo "  warren (default concurrency) / warren --concurrency 1 req/s = $(ratio "$(printf '%s\n' "${WS[@]}" | median)" "${C%% *}")   (what serving requests in flight at once costs hello)"

# A handler that awaits (a 10 ms timer): one request at a time, an isolate holds it for
# the whole wait; with concurrency (the default) the isolate starts others meanwhile, as
# deno does.
echo "a handler that awaits a 10 ms timer, $CONNS connections, ${DUR}s each:"
T1=$(once 8309 localhost $SRV "$WARREN" serve benches/serve/timer.mjs --port 8309 --threads 1 --no-access-log --concurrency 1)
cpurow "warren serve --concurrency 1" "$T1"
TC=$(once 8310 localhost $SRV "$WARREN" serve benches/serve/timer.mjs --port 8310 --threads 1 --no-access-log)
cpurow "warren serve (default concurrency)" "$TC"
if [ -n "$DENO" ]; then
  TD=$(once 8311 localhost $SRV "$DENO" serve --port 8311 --host 127.0.0.1 benches/serve/timer.mjs)
  cpurow "deno serve" "$TD"
  echo "  warren / deno req/s = $(ratio "${TC%% *}" "${TD%% *}")   (at most $((CONNS * 100)) req/s for either: ${CONNS} connections, 10 ms each)"
fi

# A handler that fetches from an upstream (warren's hello, on wrk's CPU), each request one
# fetch whose body is read whole: warren's fetch (an async hyper client on the isolate's
# own event loop) against deno's.
echo "a handler that fetches each answer from an upstream, $CONNS connections, ${DUR}s each:"
start $LOAD "$WARREN" serve benches/serve/hello.mjs --port 8320 --threads 1 --no-access-log
UPSTREAM=${PIDS[-1]}
wait_port 8320 localhost
PW=$(once 8321 localhost $SRV "$WARREN" serve benches/serve/proxy.mjs --port 8321 --threads 1 --no-access-log --allow-net=127.0.0.1:8320)
cpurow "warren serve" "$PW"
if [ -n "$DENO" ]; then
  PD=$(once 8322 localhost $SRV "$DENO" serve --allow-net=127.0.0.1:8320 --port 8322 --host 127.0.0.1 benches/serve/proxy.mjs)
  cpurow "deno serve" "$PD"
  echo "  warren / deno req/s = $(ratio "${PW%% *}" "${PD%% *}")"
fi
kill "$UPSTREAM" 2>/dev/null || true

# wrk makes four syscalls per request (a read, a write, and two epoll_ctl to watch and
# unwatch the socket for writing) to a server's two, so the no-handler ceiling is wrk's,
# not a server's. To compare the servers themselves, each is then held to half of
# CPU 0 by a CFS quota (a CPU cgroup, where this machine lets the script make one), so that
# wrk has twice the CPU the server may use and req/s is what the server affords.
CAP=""
make_cap() {
  local v1=/sys/fs/cgroup/cpu/warren-bench v2=/sys/fs/cgroup/warren-bench
  if [ -w /sys/fs/cgroup/cpu ] && mkdir -p "$v1" 2>/dev/null \
    && echo 10000 >"$v1/cpu.cfs_period_us" && echo 5000 >"$v1/cpu.cfs_quota_us"; then
    CAP=$v1
  elif [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw cpu /sys/fs/cgroup/cgroup.controllers \
    && mkdir -p "$v2" 2>/dev/null && echo "5000 10000" >"$v2/cpu.max" 2>/dev/null; then
    CAP=$v2
  fi
}
make_cap 2>/dev/null || true
# A command's prefix to run it inside the capped cgroup (as the same process).
CAPPED=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CAP")
if [ -n "$DENO" ] && [ -n "$CAP" ]; then
  echo "hello world, each server held to half of CPU 0 (wrk on CPU 1), $ROUNDS rounds:"
  BOUND=()
  for r in $(seq "$ROUNDS"); do
    W=$(once 8306 localhost "${CAPPED[@]}" $SRV "$WARREN" serve benches/serve/hello.mjs --port 8306 --threads 1 --no-access-log)
    cpurow "warren serve, half a CPU #$r" "$W"
    D=$(once 8307 localhost "${CAPPED[@]}" $SRV "$DENO" serve --port 8307 --host 127.0.0.1 benches/serve/hello.mjs)
    cpurow "deno serve, half a CPU #$r" "$D"
    BOUND+=("$(ratio "${W%% *}" "${D%% *}")")
  done
  echo "  warren / deno req/s on half a CPU, by round: ${BOUND[*]}; median $(printf '%s\n' "${BOUND[@]}" | median)"
elif [ -n "$DENO" ]; then
  echo "  (no CPU cgroup could be made here: the comparison on half a CPU is skipped)"
fi

echo "two tenants in one warren (both CPUs shared by the server and wrk), $ROUNDS rounds:"
start "$WARREN" serve benches/serve/warren.toml --port 8304 --no-access-log
wait_port 8304 hello.test
P99S=()
for r in $(seq "$ROUNDS"); do
  ALONE=$(measure http://127.0.0.1:8304/ hello.test)
  row "hello alone #$r" "$ALONE"
  # The spinning tenant under load from a second wrk for the whole measurement.
  wrk -t1 -c4 -d"$((DUR + 2))s" -H "Host: spin.test" http://127.0.0.1:8304/ >/dev/null 2>&1 &
  SPIN=$!
  PIDS+=($SPIN)
  sleep 1
  WITH=$(measure http://127.0.0.1:8304/ hello.test)
  row "hello while spin spins #$r" "$WITH"
  wait "$SPIN" 2>/dev/null || true
  P99S+=("$(ratio "$(echo "$WITH" | awk '{print $3}')" "$(echo "$ALONE" | awk '{print $3}')")")
done
echo "  hello p99 with spin / alone, by round: ${P99S[*]}; median $(printf '%s\n' "${P99S[@]}" | median)   (target <= 2)"
