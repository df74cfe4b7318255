#!/bin/sh
# Regenerates the metainfo's screenshots, data/screenshots/*.png, from the ui test that takes
# them (tests/test-ui-screenshots.c: a training day in the test display, every window fullscreen
# on a 1024×768 output). Usage: build-aux/update-screenshots.sh [BUILDDIR]
# BUILDDIR (default _build-screenshots) is set up when it does not exist. Needs the test tools
# (./build-aux/install-deps.sh --test). Commit the PNGs it writes; see docs/packaging.md.
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu
cd "$(dirname "$0")/.."

builddir=${1:-_build-screenshots}
if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir"
fi
meson compile -C "$builddir"

artefacts="$builddir/tests/artefacts"
rm -f "$artefacts"/store-*.png
build-aux/with-display.sh meson test -C "$builddir" --suite ui --no-rebuild test-ui-screenshots

mkdir -p data/screenshots
# The test's picture name → the name the metainfo's <image> URL ends with.
for pair in store-cashier:cashier store-customer-display:customer-display \
            store-history:history store-close-day:close-day; do
  from="$artefacts/${pair%%:*}.png"
  to="data/screenshots/${pair#*:}.png"
  if [ ! -s "$from" ]; then
    echo "update-screenshots: $from was not made; see $builddir/meson-logs/testlog.txt" >&2
    exit 1
  fi
  # -strip: no creation dates in the PNG, so an unchanged picture is an unchanged file.
  convert "$from" -strip "$to"
  echo "$to"
done
