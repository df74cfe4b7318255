#!/bin/sh
# Kassa's two quick-start commands (see README.md):
#   ./dev.sh run     install what is missing, build, start Kassa (training mode)
#   ./dev.sh check   install what is missing (test tools too), build, run every test suite
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
cd "$(dirname "$0")"

case "${1:-}" in
  run)
    ./build-aux/install-deps.sh
    shift
    exec make run
    ;;
  check)
    ./build-aux/install-deps.sh --test
    exec make check
    ;;
  *)
    echo "usage: $0 run|check" >&2
    exit 2
    ;;
esac
