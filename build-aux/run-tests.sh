#!/bin/sh
# Builds Kassa and runs every test suite, then again under AddressSanitizer +
# UndefinedBehaviorSanitizer (the ui suite only there), then short libFuzzer
# runs (clang). Ends with one line "N passed, N failed" counting the
# individual GTest cases of every run.
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

build=${BUILDDIR:-_build}
asan=${build}-asan
fuzz=${build}-fuzz
status=0
logs=""

[ -f "$build/build.ninja" ] || meson setup "$build" || exit 1
meson compile -C "$build" || exit 1

run_suites () {
  dir=$1; shift
  # Each run gets its own log; meson overwrites testlog.json.
  "$@" meson test -C "$dir" --print-errorlogs --num-processes 2 $SUITES || status=1
  cp "$dir/meson-logs/testlog.json" "$dir/meson-logs/testlog-$RUN.json"
  logs="$logs $dir/meson-logs/testlog-$RUN.json"
}

RUN=main SUITES="--suite core --suite net --suite data --suite fuzz --suite soak --suite valgrind" \
  run_suites "$build"
# Real windows: Xvfb + weston with two outputs (DESIGN.md "Testing"). They run
# once, in the sanitizer build below (the same -O0 code, with ASan + UBSan:
# docs/reliability.md); here only when the sanitizers are skipped.
if [ -n "${KASSA_SKIP_SANITIZERS:-}" ]; then
  RUN=ui SUITES="--suite ui" run_suites "$build" "$top/build-aux/with-display.sh"
fi

if [ -z "${KASSA_SKIP_SANITIZERS:-}" ]; then
  # With the GUI (a tree made by an older run-tests.sh was -Dgui=false).
  if [ -f "$asan/build.ninja" ]; then
    meson configure "$asan" -Dgui=true || exit 1
  else
    meson setup "$asan" -Db_sanitize=address,undefined -Db_lundef=false || exit 1
  fi
  meson compile -C "$asan" || exit 1
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0 \
  LSAN_OPTIONS=suppressions=$top/build-aux/lsan.supp:print_suppressions=0 KASSA_TEST_NO_TLS=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    RUN=asan SUITES="--suite core --suite net --suite fuzz" run_suites "$asan"
  # The windows: memory errors and undefined behaviour, no leak check (leak
  # stacks stop in the uninstrumented GLib/GTK and cannot be suppressed; the
  # slow unwinder that would fix that hangs GTK), so TLS runs too.
  # docs/reliability.md.
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    RUN=asan-ui SUITES="--suite ui" run_suites "$asan" "$top/build-aux/with-display.sh"
fi

# libFuzzer: a short run of every fuzz target (docs/fuzzing.md). Needs clang.
if [ -z "${KASSA_SKIP_FUZZ:-}" ]; then
  if command -v clang >/dev/null 2>&1; then
    [ -f "$fuzz/build.ninja" ] || \
      CC=clang meson setup "$fuzz" -Dfuzzing=true -Dgui=false \
        -Db_sanitize=address,undefined -Db_lundef=false || exit 1
    meson compile -C "$fuzz" || exit 1
    RUN=fuzz SUITES="--suite fuzz-run" run_suites "$fuzz"
  else
    echo "clang is not installed: the libFuzzer runs are skipped (the corpus replay tests ran)"
  fi
fi

python3 "$top/build-aux/count-tests.py" $logs || status=1
exit $status
