#!/usr/bin/env python3
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Counts GTest cases from meson testlog.json files and prints 'N passed, N failed'.

A test program that failed or timed out without reporting a failing case (a
crash, a sanitizer abort) counts as one failed case, so nothing is hidden; one
that passed without TAP output (a single check such as desktop-file-validate)
counts as one passed case."""

import json
import re
import sys

ok_re = re.compile(r'^ok \d+')
not_ok_re = re.compile(r'^not ok \d+')
skip_re = re.compile(r'#\s*SKIP', re.IGNORECASE)

passed = failed = skipped = 0
for path in sys.argv[1:]:
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            entry = json.loads(line)
            out = entry.get('stdout') or entry.get('stdo') or ''
            p = n = s = 0
            for l in out.splitlines():
                if not_ok_re.match(l):
                    n += 1
                elif ok_re.match(l):
                    if skip_re.search(l):
                        s += 1
                    else:
                        p += 1
            if entry.get('result') not in ('OK', 'SKIP', 'EXPECTEDFAIL') and n == 0:
                n = 1
                print('failed: %s (%s)' % (entry.get('name'), entry.get('result')))
            elif p + n + s == 0:
                # A test that is one check (exit status, no TAP): one case.
                if entry.get('result') == 'SKIP':
                    s = 1
                else:
                    p = 1
            passed += p
            failed += n
            skipped += s

print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
sys.exit(1 if failed else 0)
