#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each, one after another.
#   fuzz/run.sh 600                 # each target 10 minutes
#   fuzz/run.sh 60 csv yaml         # two targets, a minute each
#   JOBS=2 fuzz/run.sh 600          # two targets at a time
# Only the stable toolchain is needed: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly
# flags (-Zsanitizer, -Cpasses=sancov) to stable rustc. Install it once: cargo install cargo-fuzz
# New inputs go to fuzz/work/<target> (ignored by git); the committed seeds in
# fuzz/corpus/<target> are read, never written. Crashes land in fuzz/artifacts/<target>/;
# each one becomes a regression test in tests/hostile.rs.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv yaml json json_lines policy policy_files report time)
jobs=${JOBS:-1}
export RUSTC_BOOTSTRAP=1
# SANITIZER=none skips AddressSanitizer (faster; the crate forbids unsafe code anyway).
sanitizer=(-s "${SANITIZER:-address}")
cargo fuzz build -O "${sanitizer[@]}"
run() {
    local target=$1 failed=0
    mkdir -p "work/$target" "artifacts/$target"
    cargo fuzz run -O "${sanitizer[@]}" "$target" "work/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"work/$target.log" 2>&1 || failed=1
    grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)|ERROR: libFuzzer|panicked at" "work/$target.log" | sed "s/^/$target: /" || true
    if [ "$failed" = 1 ]; then
        echo "$target: FAILED, see fuzz/work/$target.log and fuzz/artifacts/$target/" >&2
        return 1
    fi
    echo "$target: no crash in ${seconds}s"
}
status=0
running=0
for target in "${targets[@]}"; do
    run "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || status=1
        running=$((running - 1))
    fi
done
while [ "$running" -gt 0 ]; do
    wait -n || status=1
    running=$((running - 1))
done
exit $status
