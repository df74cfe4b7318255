#!/usr/bin/env python3
# check-install.py — the `data` suite's install check: `meson install --destdir` of this build
# into a temporary folder puts every program and data file where a desktop expects it.
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-install.py MESON BUILDDIR APP_ID GUI(true|false) PREFIX BINDIR DATADIR LOCALEDIR
#                         LINGUAS
# BINDIR, DATADIR and LOCALEDIR are relative to PREFIX (or absolute), as meson's options are.

import os
import subprocess
import sys
import tempfile


def read_linguas(path):
    langs = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0]
            langs += line.split()
    return langs


def main():
    if len(sys.argv) != 10:
        print('usage: check-install.py MESON BUILDDIR APP_ID GUI PREFIX BINDIR DATADIR LOCALEDIR '
              'LINGUAS', file=sys.stderr)
        return 2
    meson, builddir, app_id, gui, prefix, bindir, datadir, localedir, linguas = sys.argv[1:]
    bindir = os.path.join(prefix, bindir)
    datadir = os.path.join(prefix, datadir)
    localedir = os.path.join(prefix, localedir)

    expected = [
        (os.path.join(bindir, 'kassa-ctl'), True),
        (os.path.join(bindir, 'kassa-bank-sim'), True),
        (os.path.join(datadir, 'glib-2.0', 'schemas', 'mn.kassa.Kassa.gschema.xml'), False),
        (os.path.join(datadir, 'dbus-1', 'interfaces', 'mn.kassa.Kassa.Till.xml'), False),
    ]
    # The window and what describes it to the desktop.
    gui_files = [
        (os.path.join(bindir, 'kassa'), True),
        (os.path.join(datadir, 'applications', app_id + '.desktop'), False),
        (os.path.join(datadir, 'metainfo', app_id + '.metainfo.xml'), False),
        (os.path.join(datadir, 'icons', 'hicolor', 'scalable', 'apps', app_id + '.svg'), False),
        (os.path.join(datadir, 'icons', 'hicolor', 'symbolic', 'apps',
                      app_id + '-symbolic.svg'), False),
    ]
    if gui == 'true':
        expected += gui_files
    for lang in read_linguas(linguas):
        expected.append((os.path.join(localedir, lang, 'LC_MESSAGES', 'kassa.mo'), False))

    with tempfile.TemporaryDirectory(prefix='kassa-install-') as destdir:
        run = subprocess.run([meson, 'install', '-C', builddir, '--no-rebuild', '--quiet',
                              '--destdir', destdir],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if run.returncode != 0:
            print('FAIL meson install exited {}:\n{}'.format(run.returncode, run.stdout))
            return 1

        problems = []
        for path, executable in expected:
            # DESTDIR is prepended to the absolute install path, as meson does.
            staged = os.path.join(destdir, os.path.relpath(path, os.sep))
            if not os.path.isfile(staged):
                problems.append('{} was not installed'.format(path))
            elif executable and not os.access(staged, os.X_OK):
                problems.append('{} is not executable'.format(path))
            elif os.path.getsize(staged) == 0:
                problems.append('{} is empty'.format(path))
            else:
                print('ok', path)
        if gui != 'true':
            for path, _ in gui_files:
                if os.path.exists(os.path.join(destdir, os.path.relpath(path, os.sep))):
                    problems.append('{} was installed without the window '
                                    '(-Dgui=false)'.format(path))

    for p in problems:
        print('FAIL', p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
