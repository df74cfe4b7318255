#!/usr/bin/env python3
# check-potfiles.py — po/POTFILES.in is complete, exists and is sorted
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Fails (exit 1, one line per problem, naming the file) when a file under src/ or
# data/ has translatable strings but is not listed, when a listed file does not
# exist, or when the list is not sorted (byte order, as `LC_ALL=C sort`).
# Usage: check-potfiles.py SOURCE_ROOT   (the `data` suite runs it; docs/translation.md)

import os
import re
import sys

# What marks a file as translatable: the glib gettext macros (a word boundary
# before them, so g_autoptr( or foo_( do not count), ngettext and friends,
# GtkBuilder's translatable="yes"; .desktop.in and .metainfo.xml.in files are
# translatable by their kind.
MARKERS = re.compile(r'(?:^|[^A-Za-z0-9_])(?:N|C|NC)?_\(|ngettext|g_dngettext|'
                     r'translatable="yes"')
KIND_SUFFIXES = ('.desktop.in', '.metainfo.xml.in')
SCANNED_SUFFIXES = ('.c', '.h', '.ui') + KIND_SUFFIXES
SCANNED_DIRS = ('src', 'data')


def listed_files(potfiles):
    names = []
    with open(potfiles, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if line and not line.startswith('#'):
                names.append((number, line))
    return names


def translatable_files(root):
    found = set()
    for top in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in filenames:
                if not name.endswith(SCANNED_SUFFIXES):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                if name.endswith(KIND_SUFFIXES):
                    found.add(rel)
                    continue
                with open(path, encoding='utf-8', errors='replace') as f:
                    if MARKERS.search(f.read()):
                        found.add(rel)
    return found


def main():
    if len(sys.argv) != 2:
        print('usage: check-potfiles.py SOURCE_ROOT', file=sys.stderr)
        return 2

    root = sys.argv[1]
    potfiles = os.path.join(root, 'po', 'POTFILES.in')
    listed = listed_files(potfiles)
    names = [name for _, name in listed]
    problems = []

    for number, name in listed:
        if not os.path.isfile(os.path.join(root, name)):
            problems.append(f'po/POTFILES.in:{number}: {name} does not exist')

    seen = set()
    for number, name in listed:
        if name in seen:
            problems.append(f'po/POTFILES.in:{number}: {name} is listed twice')
        seen.add(name)

    # Byte order, like `LC_ALL=C sort`: the first line out of place is named.
    for (number, name), (_, previous) in zip(listed[1:], listed):
        if name.encode() < previous.encode():
            problems.append(f'po/POTFILES.in:{number}: not sorted: {name} comes after '
                            f'{previous}')

    for name in sorted(translatable_files(root) - seen):
        problems.append(f'{name} has translatable strings but is missing from po/POTFILES.in')

    for problem in problems:
        print(problem)
    if problems:
        print(f'# {len(problems)} problem(s) in po/POTFILES.in')
        return 1

    print(f'# po/POTFILES.in lists all {len(names)} files with translatable strings, sorted')
    return 0


if __name__ == '__main__':
    sys.exit(main())
