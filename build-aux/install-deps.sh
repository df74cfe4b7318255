#!/bin/sh
# Installs what Kassa needs to build, run and test on Debian 12 / Ubuntu 22.04+.
# Only packages that are missing are installed; nothing is downloaded otherwise.
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

BUILD_PKGS="gcc make meson python3 ninja-build pkg-config gettext libglib2.0-dev libglib2.0-bin
  libgtk-4-dev libadwaita-1-dev libsoup-3.0-dev libjson-glib-dev libqrencode-dev
  libssl-dev libsqlite3-dev libsecret-1-dev desktop-file-utils appstream
  glib-networking gtk-update-icon-cache libcups2-dev"
TEST_PKGS="xvfb weston imagemagick zbar-tools xdotool dbus dbus-x11 x11-utils sqlite3 openssl
  curl ca-certificates python3 fonts-dejavu-core poppler-utils clang libclang-rt-14-dev valgrind
  faketime gnome-keyring cups-daemon cups-client cups"

want="$BUILD_PKGS"
if [ "${1:-}" = "--test" ]; then
  want="$want $TEST_PKGS"
fi

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

echo "Installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends $missing
