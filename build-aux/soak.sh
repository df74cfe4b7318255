#!/bin/sh
# build-aux/soak.sh — the soak: 10 000 sales with random faults and kills (`make soak`,
# docs/reliability.md)
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/soak.sh [BUILDDIR] [--sales N] [--seed S] [--dir DIR] [--keep] [--verbose]
#
# Builds kassa-soak, kassa-ctl and kassa-bank-sim in BUILDDIR (default _build)
# and runs N sales (default 10 000) through kassa-ctl against kassa-bank-sim,
# then checks that the journal agrees with the simulator. The seed is random
# unless given, and printed: --seed replays the same run. Prints the counts and
# one TAP line per check; exits 0 only when every check passed.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

build=_build
case "${1:-}" in
  ""|-*) ;;
  *) build=$1; shift ;;
esac

[ -f "$build/build.ninja" ] || meson setup "$build"
meson compile -C "$build" kassa-soak kassa-ctl kassa-bank-sim

case " $* " in
  *" --sales "*) ;;
  *) set -- --sales 10000 "$@" ;;
esac

# The environment of the meson test suites (tests/meson.build): no proxy, no
# real bank, fast manager PINs (1000 PBKDF2 rounds instead of 600 000).
export KASSA_CTL="$top/$build/src/ctl/kassa-ctl"
export KASSA_BANK_SIM="$top/$build/src/sim/kassa-bank-sim"
export KASSA_TEST_PBKDF2_ITERATIONS=1000
export GIO_USE_PROXY_RESOLVER=dummy
export GSETTINGS_BACKEND=memory
export TZ=UTC
export LANG=C.UTF-8
unset LC_ALL KASSA_CRASH_POINT KASSA_SECRET KASSA_TERMINAL KASSA_JOURNAL 2>/dev/null || true

exec "$top/$build/tests/reliability/kassa-soak" "$@"
