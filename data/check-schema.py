#!/usr/bin/env python3
# check-schema.py — what glib-compile-schemas --strict does not ask of the schema: every key has a
# summary and a description, and every number a <range> (the preferences window reads its limits
# from there, docs/manager.md).
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-schema.py SCHEMA.gschema.xml

import sys
import xml.etree.ElementTree as ET

NUMBER_TYPES = set('ynqiuxtd')


def main():
    if len(sys.argv) != 2:
        print('usage: check-schema.py SCHEMA.gschema.xml', file=sys.stderr)
        return 2
    problems = []
    keys = list(ET.parse(sys.argv[1]).getroot().iter('key'))
    if not keys:
        problems.append('no keys')
    for key in keys:
        name = key.get('name')
        for part in ('summary', 'description'):
            if not (key.findtext(part) or '').strip():
                problems.append('{}: no {}'.format(name, part))
        if key.get('type') in NUMBER_TYPES and key.find('range') is None:
            problems.append('{}: a number without a <range>'.format(name))
        choices = [c.get('value') for c in key.iter('choice')]
        default = (key.findtext('default') or '').strip().strip('\'"')
        if choices and default not in choices:
            problems.append('{}: the default {!r} is not one of {}'.format(name, default, choices))
    for p in problems:
        print('FAIL', p)
    if not problems:
        print('ok {} keys'.format(len(keys)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
