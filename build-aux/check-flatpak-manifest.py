#!/usr/bin/env python3
# check-flatpak-manifest.py — the `data` suite's check of flatpak/mn.kassa.Kassa.json, which cannot
# be built here (no Flatpak remote): the file is what flatpak-builder needs and the sandbox is as
# small as docs/packaging.md says.
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-flatpak-manifest.py [--self-test] MANIFEST APP_ID MESON BUILDDIR
# The manifest's command must be one of the programs `meson install` of BUILDDIR puts in bindir
# (asked with `MESON introspect`). --self-test breaks copies of the manifest in known ways and
# fails unless the check rejects every one of them.

import copy
import json
import os
import re
import subprocess
import sys

# Exactly these, no more (docs/packaging.md says why each is there).
ALLOWED_FINISH_ARGS = {
    '--share=network',        # the bank's API; the training bank and the push listener on loopback
    '--socket=wayland',
    '--socket=fallback-x11',  # X11 only where there is no Wayland
    '--share=ipc',            # X11's shared memory, for the fallback
    '--device=dri',           # GTK 4 draws with the GPU (two windows, one fullscreen, every second)
    '--talk-name=org.freedesktop.secrets',  # the bank secret in the Secret Service
    '--socket=cups',          # cups: receipt printers, and the queues Preferences lists
    # usb: receipt printers (/dev/usb/lp*): no narrower flatpak option reaches them
    # (--device=dri, kvm, shm and input do not; flatpak/README.md)
    '--device=all',
}
RUNTIME = 'org.gnome.Platform'
SDK = 'org.gnome.Sdk'
# The code's minimum GTK (4.8) and libadwaita (1.2) came with GNOME 43.
MIN_RUNTIME = 43
SHA256 = re.compile(r'^[0-9a-f]{64}$')


class DuplicateKey(ValueError):
    pass


def no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey('key "{}" appears twice'.format(key))
        seen[key] = value
    return seen


def all_modules(modules):
    for module in modules:
        if isinstance(module, dict):
            yield module
            yield from all_modules(module.get('modules', []))


def check(manifest, app_id, binaries):
    """Returns the list of problems of the parsed @manifest (empty: fine)."""
    problems = []
    if not isinstance(manifest, dict):
        return ['the manifest is not a JSON object']

    ident = manifest.get('id', manifest.get('app-id'))
    if 'id' in manifest and 'app-id' in manifest:
        problems.append('both "id" and "app-id"')
    if ident != app_id:
        problems.append('id is {!r}, not {!r}'.format(ident, app_id))
    if manifest.get('runtime') != RUNTIME:
        problems.append('runtime is {!r}, not {}'.format(manifest.get('runtime'), RUNTIME))
    if manifest.get('sdk') != SDK:
        problems.append('sdk is {!r}, not {}'.format(manifest.get('sdk'), SDK))
    version = manifest.get('runtime-version')
    if not isinstance(version, str) or not version:
        problems.append('no runtime-version (the branch)')
    elif not version.isdigit() or int(version) < MIN_RUNTIME:
        problems.append('runtime-version {!r} is not a GNOME release ≥ {}'.format(version,
                                                                                   MIN_RUNTIME))
    if manifest.get('command') not in binaries:
        problems.append('command {!r} is not one of the installed programs {}'.format(
            manifest.get('command'), sorted(binaries)))

    finish_args = manifest.get('finish-args')
    if not isinstance(finish_args, list) or not all(isinstance(a, str) for a in finish_args):
        problems.append('finish-args is not a list of strings')
    else:
        if len(finish_args) != len(set(finish_args)):
            problems.append('finish-args has duplicates')
        for extra in sorted(set(finish_args) - ALLOWED_FINISH_ARGS):
            problems.append('finish-args has {} beyond the allowed set'.format(extra))
        for missing in sorted(ALLOWED_FINISH_ARGS - set(finish_args)):
            problems.append('finish-args lacks {}'.format(missing))

    modules = manifest.get('modules')
    if not isinstance(modules, list) or not modules:
        return problems + ['no modules']
    for module in all_modules(modules):
        name = module.get('name', '?')
        sources = module.get('sources')
        if not isinstance(sources, list) or not sources:
            problems.append('module {} has no sources'.format(name))
            continue
        for source in sources:
            kind = source.get('type') if isinstance(source, dict) else None
            if kind == 'dir':
                if source.get('path') != '..':
                    problems.append('module {}: a dir source other than the project ({!r})'.format(
                        name, source.get('path')))
            elif kind in ('archive', 'file'):
                if not str(source.get('url', '')).startswith('https://'):
                    problems.append('module {}: {} is not https'.format(name, source.get('url')))
                if not SHA256.match(str(source.get('sha256', ''))):
                    problems.append('module {}: {} has no sha256'.format(name, source.get('url')))
            else:
                problems.append('module {}: a {!r} source has no checksum'.format(name, kind))

    kassa = modules[-1] if isinstance(modules[-1], dict) else {}
    if kassa.get('name') != 'kassa':
        problems.append('the last module is {!r}, not kassa'.format(kassa.get('name')))
    if kassa.get('buildsystem') != 'meson':
        problems.append('kassa is not built with meson')
    if kassa.get('run-tests') is not True:
        problems.append('kassa does not run its tests (run-tests)')
    if kassa.get('test-rule', None) != '':
        problems.append('kassa: test-rule is not "" (plain `ninja test` would run the ui suite)')
    commands = kassa.get('test-commands') or []
    if not any(c.startswith('meson test') and '--no-suite ui' in c for c in commands):
        problems.append('kassa: no test-command runs `meson test … --no-suite ui`')
    test_args = (kassa.get('build-options') or {}).get('test-args') or []
    if '--share=network' not in test_args:
        problems.append('kassa: the tests lack --share=network (the simulator on loopback)')
    if any('profile=development' in o for o in kassa.get('config-opts') or []):
        problems.append('kassa: the development profile would install ' + app_id + '.Devel')

    names = [m.get('name') for m in all_modules(modules)]
    if 'libqrencode' not in names:
        problems.append('no libqrencode module (the GNOME runtime does not ship it)')
    elif 'kassa' in names and names.index('libqrencode') > names.index('kassa'):
        problems.append('libqrencode is built after kassa')

    return problems


def installed_programs(meson, builddir):
    """The names of the files `meson install` puts in bindir."""
    def introspect(what):
        out = subprocess.run([meson, 'introspect', what, builddir], check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        return json.loads(out)

    options = {o['name']: o['value'] for o in introspect('--buildoptions')}
    bindir = os.path.join(options['prefix'], options['bindir'])
    return {os.path.basename(dest) for dest in introspect('--installed').values()
            if os.path.dirname(dest) == bindir}


def load(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f, object_pairs_hook=no_duplicates)


def self_test(manifest, app_id, binaries):
    """Each breakage must be caught; returns the number that were not."""
    def drop_sha(m):
        del m['modules'][0]['sources'][0]['sha256']

    def git_source(m):
        m['modules'][0]['sources'][0] = {'type': 'git', 'url': 'https://example.org/q.git'}

    def kassa(m):
        return m['modules'][-1]

    breakages = {
        'an extra --filesystem=home': lambda m: m['finish-args'].append('--filesystem=home'),
        'no --share=network': lambda m: m['finish-args'].remove('--share=network'),
        'no --socket=cups': lambda m: m['finish-args'].remove('--socket=cups'),
        'no --device=all': lambda m: m['finish-args'].remove('--device=all'),
        'an extra --filesystem=/dev': lambda m: m['finish-args'].append('--filesystem=/dev'),
        'an extra --socket=system-bus': lambda m: m['finish-args'].append(
            '--socket=system-bus'),
        'an extra --talk-name=org.freedesktop.Flatpak': lambda m: m['finish-args'].append(
            '--talk-name=org.freedesktop.Flatpak'),
        'another id': lambda m: m.update({'id': app_id + '.Devel'}),
        'no runtime-version': lambda m: m.pop('runtime-version'),
        'GNOME 42': lambda m: m.update({'runtime-version': '42'}),
        'a KDE runtime': lambda m: m.update({'runtime': 'org.kde.Platform'}),
        'a command that is not installed': lambda m: m.update({'command': 'kassa-gui'}),
        'a source without sha256': drop_sha,
        'a git source': git_source,
        'no run-tests': lambda m: kassa(m).pop('run-tests'),
        'the ui suite in the tests': lambda m: kassa(m).update(
            {'test-commands': ['meson test --no-rebuild']}),
        'ninja test': lambda m: kassa(m).pop('test-rule'),
        'tests without network': lambda m: kassa(m).pop('build-options'),
        'no libqrencode': lambda m: m['modules'].pop(0),
    }
    missed = 0
    for what, breakage in breakages.items():
        broken = copy.deepcopy(manifest)
        breakage(broken)
        found = check(broken, app_id, binaries)
        print('{} {}: {}'.format('ok' if found else 'MISSED', what,
                                 found[0] if found else 'accepted'))
        missed += 0 if found else 1
    try:
        json.loads('{"id": "a", "id": "b"}', object_pairs_hook=no_duplicates)
        print('MISSED a duplicate key')
        missed += 1
    except DuplicateKey as e:
        print('ok a duplicate key:', e)
    return missed


def main():
    args = sys.argv[1:]
    testing = args[:1] == ['--self-test']
    if testing:
        args = args[1:]
    if len(args) != 4:
        print('usage: check-flatpak-manifest.py [--self-test] MANIFEST APP_ID MESON BUILDDIR',
              file=sys.stderr)
        return 2
    path, app_id, meson, builddir = args
    binaries = installed_programs(meson, builddir)
    try:
        manifest = load(path)
    except (OSError, ValueError) as e:
        print('FAIL {}: {}'.format(path, e))
        return 1

    problems = check(manifest, app_id, binaries)
    if testing:
        if problems:
            print('FAIL the manifest itself does not pass:', problems)
            return 1
        return 1 if self_test(manifest, app_id, binaries) else 0

    for p in problems:
        print('FAIL', p)
    if not problems:
        print('ok {}: {} {}, {} modules, finish-args {}'.format(
            app_id, manifest['runtime'], manifest['runtime-version'], len(manifest['modules']),
            ' '.join(manifest['finish-args'])))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
