#!/usr/bin/env python3
# check-licence.py — the `data` suite's licence check: COPYING holds the GPL-3.0 text, and every
# source file of the tree names its copyright holder and its licence (GPL-3.0-or-later) in its
# first lines. `--fix` adds the missing lines in each file's own comment style.
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import subprocess
import sys

COPYRIGHT = 'Copyright 2026 Kassa developers'
SPDX = 'SPDX-License-Identifier: GPL-3.0-or-later'
HEAD_LINES = 15

# What is source here: code, build files, interface and settings files. Data (test replies, fuzz
# corpora, screenshots), prose (*.md), translations (po/ has its own header) and JSON (which has
# no comments) are not.
C_LIKE = ('.c', '.h', '.css')
HASH = ('.py', '.sh', '.supp', '.txt', '.in')
XML = ('.ui', '.xml', '.svg')
NAMED_HASH = ('meson.build', 'Makefile', 'run', 'dev.sh', 'meson_options.txt')
SKIP_DIRS = ('fuzz/corpus/', 'tests/data/', 'data/screenshots/', 'po/', 'subprojects/')


def style(path):
    base = os.path.basename(path)
    if path.endswith('.desktop.in'):
        return 'hash'
    if path.endswith('.metainfo.xml.in') or path.endswith(XML):
        return 'xml'
    if path.endswith(C_LIKE):
        return 'c'
    if base in NAMED_HASH or path.endswith(HASH):
        return 'hash'
    return None


def source_files(root):
    try:
        out = subprocess.run(['git', '-C', root, 'ls-files', '-z'], check=True,
                             capture_output=True).stdout.decode().split('\0')
        files = [f for f in out if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for top, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(('.git', '_build', 'build'))]
            files += [os.path.relpath(os.path.join(top, n), root) for n in names]
    for f in sorted(files):
        if f.startswith(SKIP_DIRS) or not os.path.isfile(os.path.join(root, f)):
            continue
        if style(f):
            yield f


def fix(path, kind, text):
    lines = text.split('\n')
    head = lines[:HEAD_LINES]
    for i, line in enumerate(head):
        if SPDX in line:
            prefix = line[:line.index(SPDX)]
            if not any(COPYRIGHT in l for l in head):
                lines.insert(i, prefix + COPYRIGHT)
            return '\n'.join(lines)
    # No licence line yet: add both, after a shebang or an XML declaration.
    at = 1 if lines and (lines[0].startswith('#!') or lines[0].startswith('<?xml')) else 0
    if kind == 'c':
        new = ['/* ' + COPYRIGHT, ' * ' + SPDX, ' */']
    elif kind == 'hash':
        # At the end of the file's opening comment, if it has one.
        end = at
        while end < len(lines) and lines[end].startswith('#'):
            end += 1
        if end + 3 > HEAD_LINES:
            end = at
        new = (['#'] if end > at else []) + ['# ' + COPYRIGHT, '# ' + SPDX]
        at = end
    else:
        new = ['<!-- ' + COPYRIGHT, '     ' + SPDX + ' -->']
    lines[at:at] = new
    return '\n'.join(lines)


def main(argv):
    do_fix = '--fix' in argv
    args = [a for a in argv if a != '--fix']
    root = args[0] if args else os.path.join(os.path.dirname(__file__), '..')
    bad = []

    copying = os.path.join(root, 'COPYING')
    try:
        with open(copying, encoding='utf-8') as f:
            licence = f.read()
        if 'GNU GENERAL PUBLIC LICENSE' not in licence or 'Version 3, 29 June 2007' not in licence:
            bad.append('COPYING: not the GPL-3.0 text')
    except OSError as e:
        bad.append(f'COPYING: {e.strerror}')

    count = 0
    for rel in source_files(root):
        path = os.path.join(root, rel)
        with open(path, encoding='utf-8') as f:
            text = f.read()
        count += 1
        head = '\n'.join(text.split('\n')[:HEAD_LINES])
        if COPYRIGHT in head and SPDX in head:
            continue
        if do_fix:
            with open(path, 'w', encoding='utf-8') as f:
                f.write(fix(rel, style(rel), text))
            print(f'fixed {rel}')
        else:
            missing = [w for w, s in (('copyright', COPYRIGHT), ('licence', SPDX)) if s not in head]
            bad.append(f'{rel}: no {" or ".join(missing)} line in its first {HEAD_LINES} lines')

    for line in bad:
        print(line, file=sys.stderr)
    if not bad:
        print(f'{count} source files name their copyright and licence; COPYING is GPL-3.0')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
