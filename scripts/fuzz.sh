#!/usr/bin/env bash
# fuzz.sh - search for inputs that crash pgexport's parsers: builds the fuzz targets of
# tests/fuzz with clang, libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer (in
# build-fuzz/), and runs each for a bounded time, starting from its kept corpus.
#
#   scripts/fuzz.sh [--seconds N] [--merge] [TARGET...]
#
#   --seconds N  how long each target runs (default 60)
#   --merge      add the inputs that reached new code to tests/fuzz/corpus/<target>/ (minimised
#                with libFuzzer's -merge=1), to be committed with the change that needed them
#   TARGET       copy_binary, copy_text, s3_xml, config, pgoutput (default: all)
#
# A crash stops that target: its input is written to build-fuzz/crashes/<target>/ and the
# script exits 1 at the end. Copy the input into tests/fuzz/corpus/<target>/ with a name that
# says what it found, fix the bug, and the corpus replay in CTest (fuzz.<target>) keeps it
# fixed. Installs clang first (scripts/install-deps.sh --fuzz).
set -euo pipefail
PGX_TAG=fuzz
# shellcheck source=scripts/lib.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/lib.sh"
cd "$PGX_ROOT"

seconds=60 merge=0 targets=()
while (($#)); do
  case $1 in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --merge) merge=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) pgx_die "unknown option '$1' (see scripts/fuzz.sh --help)" ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || pgx_die "--seconds must be a positive number, got '$seconds'"
all=(copy_binary copy_text s3_xml config pgoutput)
((${#targets[@]})) || targets=("${all[@]}")
for target in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $target "* ]] || pgx_die "unknown target '$target' (one of: ${all[*]})"
done

scripts/install-deps.sh --no-ceph --fuzz
build=build-fuzz
# Coverage instrumentation and the sanitizers for every module, so the fuzzer sees into the
# code the targets call; -O1 keeps the sanitizers' reports readable.
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined -fsanitize=fuzzer-no-link"
mkdir -p "$build"
pgx_log "building the fuzz targets with clang in $build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_C_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" -DPGEXPORT_FUZZ=ON >"$build/build.log" 2>&1 ||
  { tail -20 "$build/build.log"; pgx_die "cmake failed (see $build/build.log)"; }
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}" >>"$build/build.log" 2>&1 ||
  { tail -30 "$build/build.log"; pgx_die "the build failed (see $build/build.log)"; }

crashed=()
for target in "${targets[@]}"; do
  kept=tests/fuzz/corpus/$target
  work=$build/corpus/$target crashes=$build/crashes/$target
  rm -rf "$work" && mkdir -p "$work" "$crashes"
  pgx_log "$target: ${seconds} s from $(find "$kept" -type f | wc -l) kept inputs"
  # -timeout: an input that takes 10 s is a hang; -rss_limit_mb: one that takes 2 GB is a leak
  # or an unbounded allocation.
  if ! "$build/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$crashes/" "$work" "$kept" >"$build/$target.log" 2>&1; then
    crashed+=("$target")
    pgx_log "$target: FOUND A CRASH: $(ls "$crashes" | head -1) (log: $build/$target.log)"
    grep -m3 -E 'ERROR|runtime error|SUMMARY' "$build/$target.log" >&2 || true
    continue
  fi
  pgx_log "$target: $(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$build/$target.log" | grep -Eo '[0-9]+$') runs, no crash"
  if ((merge)); then
    before=$(find "$kept" -type f | wc -l)
    "$build/fuzz_$target" -merge=1 "$kept" "$work" >>"$build/$target.log" 2>&1
    pgx_log "$target: corpus $before -> $(find "$kept" -type f | wc -l) inputs"
  fi
done
((${#crashed[@]} == 0)) || pgx_die "crashes in: ${crashed[*]} (inputs in $build/crashes/)"
pgx_log "no crash in ${targets[*]}"
