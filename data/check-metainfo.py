#!/usr/bin/env python3
# check-metainfo.py — what appstreamcli and desktop-file-validate cannot know: the merged metainfo
# and desktop file agree with each other and with the project (application id, icon, command,
# version), and every screenshot the metainfo names is a real PNG in data/screenshots.
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-metainfo.py METAINFO DESKTOP DATADIR APP_ID VERSION LINGUAS
# Each language of po/LINGUAS must have reached both merged files (meson 1.0 does not re-merge
# them when only a .po file changed: delete them from the build tree, or build afresh).

import configparser
import os
import struct
import sys
import xml.etree.ElementTree as ET


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b'\x89PNG\r\n\x1a\n' or head[12:16] != b'IHDR':
        return None
    return struct.unpack('>II', head[16:24])


def main():
    if len(sys.argv) != 7:
        print('usage: check-metainfo.py METAINFO DESKTOP DATADIR APP_ID VERSION LINGUAS',
              file=sys.stderr)
        return 2
    metainfo, desktop, datadir, app_id, version, linguas = sys.argv[1:]
    problems = []

    root = ET.parse(metainfo).getroot()
    entry = configparser.RawConfigParser(interpolation=None, strict=True)
    entry.optionxform = str
    entry.read(desktop, encoding='utf-8')
    entry = entry['Desktop Entry']

    if root.findtext('id') != app_id:
        problems.append('metainfo id is {}, not {}'.format(root.findtext('id'), app_id))
    launchables = [e.text for e in root.findall('launchable')]
    if launchables != [app_id + '.desktop']:
        problems.append('launchable is {}, not {}.desktop'.format(launchables, app_id))
    if os.path.basename(desktop) != app_id + '.desktop':
        problems.append('the desktop file is named {}'.format(os.path.basename(desktop)))
    if entry.get('Icon') != app_id:
        problems.append('desktop Icon= is {}, not {}'.format(entry.get('Icon'), app_id))

    binaries = [e.text for e in root.findall('provides/binary')]
    command = entry.get('Exec', '').split()[0] if entry.get('Exec') else None
    if command not in binaries:
        problems.append('desktop Exec= runs {}, which the metainfo does not provide {}'.format(
            command, binaries))

    releases = root.findall('releases/release')
    if not releases or releases[0].get('version') != version:
        problems.append('the newest release is {}, the project is {}'.format(
            releases[0].get('version') if releases else None, version))

    shots = root.findall('screenshots/screenshot')
    if not shots:
        problems.append('no screenshots')
    if [s.get('type') for s in shots].count('default') != 1:
        problems.append('not exactly one default screenshot')
    for shot in shots:
        url = shot.findtext('image') or ''
        caption = (shot.findtext('caption') or '').strip()
        if not url.startswith('https://'):
            problems.append('screenshot {} is not an https URL'.format(url))
        if not caption:
            problems.append('screenshot {} has no caption'.format(url))
        path = os.path.join(datadir, 'screenshots', os.path.basename(url))
        if not os.path.isfile(path):
            problems.append('screenshot {} is not in data/screenshots (run '
                            'build-aux/update-screenshots.sh)'.format(os.path.basename(url)))
            continue
        size = png_size(path)
        if size is None:
            problems.append('{} is not a PNG'.format(path))
        elif size[0] < 620 or size[1] < 400:
            problems.append('{} is only {}×{}'.format(path, size[0], size[1]))

    xml_lang = '{http://www.w3.org/XML/1998/namespace}lang'
    with open(linguas, encoding='utf-8') as f:
        langs = [w for line in f for w in line.split('#', 1)[0].split()]
    for lang in langs:
        if not entry.get('Comment[{}]'.format(lang)):
            problems.append('the desktop file has no Comment[{}]'.format(lang))
        if not [e for e in root.findall('summary') if e.get(xml_lang) == lang]:
            problems.append('the metainfo has no summary in {}'.format(lang))

    for p in problems:
        print('FAIL', p)
    if not problems:
        print('ok {}: {} screenshots, release {}, languages {}'.format(
            app_id, len(shots), version, ' '.join(langs) or 'none'))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
