#!/usr/bin/env bash
# Runs each fuzz target of fuzz/ (cargo-fuzz, libFuzzer) for a fixed number of inputs and
# prints, per target: runs, crashes, exec/s and elapsed time (docs/reliability.md).
#
#   bash scripts/fuzz.sh [ITERATIONS] [TARGET...]   # default 1000000 inputs, every target
#   FUZZ_SECONDS=30 bash scripts/fuzz.sh            # each target for 30 s instead (CI smoke)
#
# Installs cargo-fuzz if it is missing. cargo-fuzz passes nightly flags (-Z, sanitizer
# coverage); RUSTC_BOOTSTRAP=1 lets the stable compiler accept them. The sanitizer is
# AddressSanitizer (the prebuilt V8 library is not instrumented, warren's Rust code is);
# FUZZ_SANITIZER=none builds without it. Exits non-zero if any target crashed; the input
# is in fuzz/artifacts/TARGET/ (reproduce: cargo fuzz run TARGET FILE, from fuzz/).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

runs=${1:-1000000}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(loader invoke_args fuel manifest)
fi
sanitizer=${FUZZ_SANITIZER:-address}

export RUSTC_BOOTSTRAP=1
# V8 keeps process-lifetime allocations (and warren one small handle per memory-capped
# runtime, src/runtime/stop.rs): leak reports at exit would only be noise.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi

start=$(date +%s)
build_log=$(mktemp)
if ! cargo fuzz build --sanitizer "$sanitizer" >"$build_log" 2>&1; then
  tail -n 40 "$build_log"
  echo "fuzz build failed"
  exit 1
fi
rm -f "$build_log"
echo "build: $(($(date +%s) - start)) s (sanitizer: $sanitizer)"

# Seeds: the committed ones, plus every WAT sample of the repository for the loader
# (prefixed with the byte that selects its raw-input mode).
seed() {
  local t=$1
  mkdir -p "corpus/$t"
  if [ -d "seeds/$t" ]; then
    cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true
  fi
  if [ "$t" = loader ]; then
    local f n
    for f in ../wasm/*.wat $(find ../tests/fixtures -name '*.wat'); do
      n=corpus/loader/wat-$(echo "$f" | tr '/.' '__')
      [ -e "$n" ] || { printf '\0'; cat "$f"; } >"$n"
    done
  fi
  # The manifest target: every plugin manifest of the repository (mode byte 0 for TOML,
  # 1 for JSON).
  if [ "$t" = manifest ]; then
    local f n
    for f in $(find ../examples ../tests -name '*.toml' -o -name 'warren*.json'); do
      n=corpus/manifest/m-$(echo "$f" | tr '/.' '__')
      case $f in
        *.json) [ -e "$n" ] || { printf '\1'; cat "$f"; } >"$n" ;;
        *) [ -e "$n" ] || { printf '\0'; cat "$f"; } >"$n" ;;
      esac
    done
  fi
}

# Inputs libFuzzer saved as failures (not slow-unit-*, which are only reports).
failures() {
  find "artifacts/$1" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \
    -o -name 'leak-*' \) | wc -l
}

status=0
summary=()
for t in "${targets[@]}"; do
  seed "$t"
  mkdir -p "artifacts/$t"
  before=$(failures "$t")
  if [ -n "${FUZZ_SECONDS:-}" ]; then
    limit=(-max_total_time="$FUZZ_SECONDS")
  else
    limit=(-runs="$runs")
  fi
  log=$(mktemp)
  t0=$(date +%s)
  set +e
  cargo fuzz run --sanitizer "$sanitizer" "$t" "corpus/$t" -- "${limit[@]}" \
    -max_len=4096 -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  elapsed=$(($(date +%s) - t0))
  after=$(failures "$t")
  crashes=$((after - before))
  done_runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
  line="$t: runs ${done_runs:-?}, crashes $crashes, exec/s ${eps:-?}, elapsed ${elapsed} s, peak RSS ${rss:-?} MB"
  echo "$line"
  summary+=("$line")
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    status=1
    # The whole log stays beside the input: what failed may depend on the state the
    # process built up, and the end of the log alone may not say.
    kept="artifacts/$t/log-$(date -u +%Y%m%dT%H%M%S).txt"
    cp "$log" "$kept"
    echo "--- $t failed (exit $rc); the end of its log (all of it in fuzz/$kept):"
    grep -v '^#[0-9]' "$log" | tail -n 60
  fi
  rm -f "$log"
done

echo "fuzz summary ($(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%F)):"
printf '  %s\n' "${summary[@]}"
exit $status
