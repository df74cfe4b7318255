#!/bin/sh
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
# build-aux/fuzz.sh — a long libFuzzer run of every fuzz target (`make fuzz`, docs/fuzzing.md)
#
# Usage: build-aux/fuzz.sh [TARGET…]        (targets: amount emv reply push printer-status;
#                                            default all)
#
#   FUZZ_SECONDS  how long each target runs (default 600)
#   FUZZ_JOBS     how many targets run at once (default: the number of CPUs)
#   BUILDDIR      as for run-tests.sh; the fuzz build is ${BUILDDIR:-_build}-fuzz
#
# Builds ${BUILDDIR}-fuzz with clang, libFuzzer, ASan and UBSan (the same setup
# as run-tests.sh), then fuzzes each target. Its corpus grows in
# ${BUILDDIR}-fuzz/corpus-TARGET (seeded from fuzz/corpus/TARGET, kept between
# runs, never tracked); crashing inputs are kept in ${BUILDDIR}-fuzz/artifacts/.
# Exits 1 if any target found something.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

fuzz=${BUILDDIR:-_build}-fuzz
seconds=${FUZZ_SECONDS:-600}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
all_targets="amount emv reply push printer-status"

# The -max_len of each target, as in fuzz/meson.build.
max_len () {
  case $1 in
    amount) echo 256 ;;
    emv) echo 1024 ;;
    reply) echo 8192 ;;
    push) echo 10240 ;;
    printer-status) echo 4096 ;;
    *) return 1 ;;
  esac
}

# One target; run by xargs below, in parallel with others.
if [ "${1:-}" = "--one" ]; then
  t=$2
  corpus=$fuzz/corpus-$t
  mkdir -p "$corpus" "$fuzz/artifacts"
  # New seeds join; what the corpus already holds stays.
  cp -n fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
  echo "$t: fuzzing for $seconds s, corpus $corpus ($(ls "$corpus" | wc -l) inputs)"
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
  G_SLICE=always-malloc G_DEBUG=gc-friendly LANG=C.UTF-8 GIO_USE_PROXY_RESOLVER=dummy \
    "$fuzz/fuzz/fuzz-$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len="$(max_len "$t")" -dict="fuzz/$t.dict" -print_final_stats=1 \
      -artifact_prefix="$fuzz/artifacts/$t-" "$corpus" >"$fuzz/fuzz-$t.log" 2>&1
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$fuzz/fuzz-$t.log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$fuzz/fuzz-$t.log" | tail -n 1)
  if [ "$status" -eq 0 ]; then
    echo "$t: ok, ${runs:-?} runs, $cov, corpus now $(ls "$corpus" | wc -l) inputs"
  else
    crash=$(sed -n 's/^.*Test unit written to \(.*\)$/\1/p' "$fuzz/fuzz-$t.log" | tail -n 1)
    echo "$t: FOUND SOMETHING (libFuzzer status $status), log $fuzz/fuzz-$t.log"
    grep -m 3 'ERROR\|Assertion\|assertion\|SUMMARY' "$fuzz/fuzz-$t.log" | sed 's/^/    /'
    [ -n "$crash" ] && echo "    input: $crash" &&
      echo "    reproduce: $fuzz/fuzz/fuzz-$t $crash"
  fi
  exit $status
fi

targets=${*:-$all_targets}
for t in $targets; do
  max_len "$t" >/dev/null || { echo "Unknown fuzz target '$t' (known: $all_targets)" >&2; exit 2; }
done

if ! command -v clang >/dev/null 2>&1; then
  echo "clang is not installed (Debian: clang libclang-rt-14-dev; make deps-test)" >&2
  exit 1
fi

[ -f "$fuzz/build.ninja" ] || \
  CC=clang meson setup "$fuzz" -Dfuzzing=true -Dgui=false \
    -Db_sanitize=address,undefined -Db_lundef=false || exit 1
meson compile -C "$fuzz" || exit 1

echo "Fuzzing $targets, $seconds s each, $jobs at a time"
status=0
printf '%s\n' $targets | xargs -P "$jobs" -I '{}' "$top/build-aux/fuzz.sh" --one '{}' || status=1

cat <<EOM

The grown corpora are in $fuzz/corpus-TARGET. To add what is new and
interesting to the seed corpus (only inputs that add coverage are copied):
  $fuzz/fuzz/fuzz-TARGET -merge=1 fuzz/corpus/TARGET $fuzz/corpus-TARGET
then review, name and commit the new files. An input that found a bug goes
into fuzz/corpus/TARGET/ too, under a name that says what it found.
EOM
exit $status
