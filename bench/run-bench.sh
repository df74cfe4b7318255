#!/bin/sh
# run-bench.sh — `make bench`: builds an optimized tree and runs every benchmark
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench/run-bench.sh BUILDDIR [run-bench.py options: --quick, --only PARTS, --runs N]
#
# Numbers come from an optimized build: when BUILDDIR is a debug or plain
# build (make's _build is debug), the benchmarks use BUILDDIR-bench instead,
# configured with --buildtype=release on first use and rebuilt every time.
# A release or debugoptimized BUILDDIR is used as it is. KASSA_BENCH_AS_IS=1
# measures BUILDDIR whatever its build type. The table is printed and
# written to <the tree measured>/bench/results.md, and copied to
# BUILDDIR/bench/results.md (docs/benchmarks.md).
set -eu

if [ $# -lt 1 ]; then
  echo "usage: $0 BUILDDIR [--quick] [--only charge,detect,cold,qr,journal] [--runs N]" >&2
  exit 2
fi
builddir=$1
shift
srcdir=$(cd "$(dirname "$0")/.." && pwd)
cd "$srcdir"

buildtype=""
if [ -f "$builddir/build.ninja" ]; then
  buildtype=$(meson introspect --buildoptions "$builddir" | python3 -c '
import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))')
fi

case "${KASSA_BENCH_AS_IS:-}:$buildtype" in
  1:*|*:release|*:debugoptimized)
    target=$builddir
    ;;
  *)
    target=$builddir-bench
    if [ ! -f "$target/build.ninja" ]; then
      echo "run-bench: $builddir is a ${buildtype:-missing} build;" \
           "configuring an optimized $target" >&2
      meson setup --buildtype=release "$target"
    fi
    ;;
esac

meson compile -C "$target"
python3 "$srcdir/bench/run-bench.py" "$target" "$@"

# Where `make bench` users look: the build folder they named.
if [ "$target" != "$builddir" ] && [ -d "$builddir" ]; then
  mkdir -p "$builddir/bench"
  cp "$target/bench/results.md" "$builddir/bench/results.md"
  echo "copied to $builddir/bench/results.md" >&2
fi
