#!/bin/sh
# fuzz/run-fuzzer.sh — one short libFuzzer run as a TAP test (suite fuzz-run, docs/fuzzing.md)
#
# Usage: run-fuzzer.sh FUZZER NAME CORPUS-DIR DICT ARTIFACT-DIR SECONDS MAX-LEN
#
# Fuzzes a COPY of the seed corpus in a temporary directory, so the source tree
# is never written. A crash, leak, sanitizer report, timeout or broken
# invariant fails the test; the input that caused it is kept in ARTIFACT-DIR
# and the output says where and how to reproduce it. FUZZ_RUN_SECONDS
# overrides SECONDS.
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
set -u

if [ $# -ne 7 ]; then
  echo "Usage: $0 FUZZER NAME CORPUS-DIR DICT ARTIFACT-DIR SECONDS MAX-LEN" >&2
  exit 2
fi

fuzzer=$1
# The reproduce line below must work from anywhere.
case $fuzzer in
  /*) ;;
  *) fuzzer=$(pwd)/$fuzzer ;;
esac
name=$2
corpus=$3
dict=$4
artifacts=$5
seconds=${FUZZ_RUN_SECONDS:-$6}
max_len=$7

echo "1..1"

work=$(mktemp -d "${TMPDIR:-/tmp}/kassa-fuzz-$name.XXXXXX") || {
  echo "not ok 1 - $name: cannot make a temporary directory"
  exit 1
}
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM

mkdir -p "$work/corpus" "$artifacts" || exit 1
if ! cp "$corpus"/* "$work/corpus/"; then
  echo "not ok 1 - $name: cannot copy the seed corpus $corpus"
  exit 1
fi
seeds=$(ls "$work/corpus" | wc -l)

set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
  -print_final_stats=1 -artifact_prefix="$artifacts/$name-"
[ -f "$dict" ] && set -- "$@" -dict="$dict"

"$fuzzer" "$@" "$work/corpus" >"$work/log" 2>&1
status=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
grown=$(ls "$work/corpus" | wc -l)

if [ "$status" -eq 0 ]; then
  echo "ok 1 - $name: ${runs:-?} runs in $seconds s, corpus $seeds -> $grown inputs"
  exit 0
fi

crash=$(sed -n 's/^.*Test unit written to \(.*\)$/\1/p' "$work/log" | tail -n 1)
cp "$work/log" "$artifacts/$name-last-failure.log" 2>/dev/null
echo "not ok 1 - $name: libFuzzer exited with status $status; input kept at ${crash:-(none written)}"
sed -n '/ERROR\|WARNING\|ERROR:\|Assertion\|assertion\|SUMMARY\|^    #[0-9]/p' "$work/log" |
  head -n 60 | sed 's/^/# /'
echo "# full log: $artifacts/$name-last-failure.log"
[ -n "$crash" ] && echo "# reproduce: $fuzzer $crash"
exit 1
