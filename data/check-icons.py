#!/usr/bin/env python3
# check-icons.py — the `data` suite's icon check: each icon under ICONDIR parses as SVG and has
# the size its folder promises (scalable: 128×128, symbolic: 16×16, one colour).
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-icons.py ICONDIR   (data/icons)

import os
import sys
import xml.etree.ElementTree as ET

SVG = '{http://www.w3.org/2000/svg}'
APP_ID = 'mn.kassa.Kassa'
EXPECTED = {
    os.path.join('hicolor', 'scalable', 'apps', APP_ID + '.svg'): 128,
    os.path.join('hicolor', 'symbolic', 'apps', APP_ID + '-symbolic.svg'): 16,
}


def check(path, size, symbolic):
    problems = []
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        return ['not well-formed XML: {}'.format(e)]
    if root.tag != SVG + 'svg':
        return ['the root element is {}, not an SVG <svg>'.format(root.tag)]
    view_box = root.get('viewBox', '').replace(',', ' ').split()
    if view_box != ['0', '0', str(size), str(size)]:
        problems.append('viewBox is "{}", not "0 0 {} {}"'.format(root.get('viewBox'), size, size))
    for attr in ('width', 'height'):
        if root.get(attr) not in (None, str(size)):
            problems.append('{} is {}, not {}'.format(attr, root.get(attr), size))
    drawn = [e for e in root.iter() if e.tag in (SVG + 'path', SVG + 'rect', SVG + 'circle')]
    if not drawn:
        problems.append('draws nothing')
    for e in root.iter():
        if e.tag.startswith(SVG) and e.tag[len(SVG):] in ('image', 'script', 'foreignObject'):
            problems.append('has a <{}>: icons are plain shapes'.format(e.tag[len(SVG):]))
        if not e.tag.startswith(SVG):
            problems.append('has a non-SVG element {} (an editor\'s metadata?)'.format(e.tag))
    if symbolic:
        colours = {e.get('fill') for e in drawn if e.get('fill') not in (None, 'none')}
        colours |= {e.get('stroke') for e in drawn if e.get('stroke') not in (None, 'none')}
        if len(colours) > 1:
            problems.append('a symbolic icon has one colour, this one has {}'.format(
                sorted(colours)))
    return problems


def main():
    if len(sys.argv) != 2:
        print('usage: check-icons.py ICONDIR', file=sys.stderr)
        return 2
    icondir = sys.argv[1]
    failed = False
    for rel, size in sorted(EXPECTED.items()):
        path = os.path.join(icondir, rel)
        if not os.path.isfile(path):
            print('FAIL {}: missing'.format(rel))
            failed = True
            continue
        problems = check(path, size, 'symbolic' in rel)
        for p in problems:
            print('FAIL {}: {}'.format(rel, p))
        if not problems:
            print('ok {} ({}×{})'.format(rel, size, size))
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
