#!/bin/sh
# Runs a command inside the test display of DESIGN.md "Testing": Xvfb, inside it
# weston (x11 backend, two outputs, pixman), GTK on Wayland, all under a private
# D-Bus session. Usage: build-aux/with-display.sh COMMAND [ARGS...]
# Exports KASSA_TEST_X_DISPLAY so tests can screenshot weston's outputs
# ("Weston Compositor - screen0/1") with ImageMagick's import.
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -eu

runtime=$(mktemp -d /tmp/kassa-display.XXXXXX)
chmod 700 "$runtime"
xvfb_pid=""
weston_pid=""

cleanup () {
  [ -n "$weston_pid" ] && kill "$weston_pid" 2>/dev/null || true
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$runtime"
}
trap cleanup EXIT INT TERM

# Pick a free X display number.
n=90
while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do
  n=$((n + 1))
done

Xvfb ":$n" -screen 0 2600x1000x24 -nolisten tcp >"$runtime/xvfb.log" 2>&1 &
xvfb_pid=$!
i=0
while [ ! -e "/tmp/.X11-unix/X$n" ]; do
  i=$((i + 1)); [ $i -gt 100 ] && { cat "$runtime/xvfb.log" >&2; echo "Xvfb did not start" >&2; exit 1; }
  sleep 0.1
done

export XDG_RUNTIME_DIR="$runtime"
DISPLAY=":$n" weston --backend=x11-backend.so --output-count=2 --use-pixman \
  --width=1024 --height=768 --socket=kassa-test --idle-time=0 \
  >"$runtime/weston.log" 2>&1 &
weston_pid=$!
i=0
while [ ! -e "$runtime/kassa-test" ]; do
  i=$((i + 1)); [ $i -gt 200 ] && { cat "$runtime/weston.log" >&2; echo "weston did not start" >&2; exit 1; }
  sleep 0.1
done

# weston's x11 backend opens both output windows at +0+0 on the Xvfb screen, so
# screen1 would hide screen0 from screenshots: put them side by side.
for out in 0 1; do
  i=0
  while ! wid=$(DISPLAY=":$n" xwininfo -name "Weston Compositor - screen$out" 2>/dev/null \
                | awk '/Window id:/ { print $4; exit }') || [ -z "$wid" ]; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "weston output screen$out has no X window" >&2; exit 1; }
    sleep 0.1
  done
  DISPLAY=":$n" xdotool windowmove "$wid" $((out * 1100)) 0
done

export KASSA_TEST_X_DISPLAY=":$n"
# Absolute, so it survives tests that move XDG_RUNTIME_DIR (G_TEST_OPTION_ISOLATE_DIRS).
export WAYLAND_DISPLAY="$runtime/kassa-test"
export GDK_BACKEND=wayland
unset DISPLAY
dbus-run-session -- "$@"
