#!/bin/sh
# Builds Kassa and runs every test suite, then the core and net suites again
# under AddressSanitizer + UndefinedBehaviorSanitizer. Ends with one line
# "N passed, N failed" counting the individual GTest cases of every run.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

build=${BUILDDIR:-_build}
asan=${build}-asan
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

RUN=main SUITES="--suite core --suite net" run_suites "$build"
# Real windows: Xvfb + weston with two outputs (DESIGN.md "Testing").
RUN=ui SUITES="--suite ui" run_suites "$build" "$top/build-aux/with-display.sh"

if [ -z "${KASSA_SKIP_SANITIZERS:-}" ]; then
  [ -f "$asan/build.ninja" ] || \
    meson setup "$asan" -Db_sanitize=address,undefined -Db_lundef=false -Dgui=false || exit 1
  meson compile -C "$asan" || exit 1
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0 \
  LSAN_OPTIONS=suppressions=$top/build-aux/lsan.supp:print_suppressions=0 KASSA_TEST_NO_TLS=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    RUN=asan SUITES="--suite core --suite net" run_suites "$asan"
fi

python3 "$top/build-aux/count-tests.py" $logs || status=1
exit $status
