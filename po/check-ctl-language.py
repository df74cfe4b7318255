#!/usr/bin/env python3
# check-ctl-language.py — kassa-ctl's errors follow LANGUAGE (mn, en)
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs the real kassa-ctl with a bad amount under LANG=C.UTF-8 and LANGUAGE=en,
# then LANGUAGE=mn, with KASSA_LOCALEDIR pointing at the build tree's .mo files
# (po/meson.build sets it). English must be the source text; Mongolian must be
# the msgstr that po/mn.po gives for that message, and different from English.
# Usage: check-ctl-language.py KASSA_CTL MN_PO

import os
import re
import subprocess
import sys

MSGID = '“%s” is not an amount'
BAD_AMOUNT = '12x'


def msgstr_of(po, msgid):
    """The translation of @msgid in @po (single-line msgid, no context)."""
    text = open(po, encoding='utf-8').read()
    for match in re.finditer(r'^msgid "((?:[^"\\]|\\.)*)"\nmsgstr ((?:"(?:[^"\\]|\\.)*"\n)+)',
                             text, re.M):
        if match.group(1).replace('\\"', '"') == msgid:
            parts = re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(2))
            return ''.join(parts).replace('\\"', '"')
    return None


def run_ctl(ctl, language):
    env = dict(os.environ, LANGUAGE=language, LANG='C.UTF-8', LC_ALL='',
               KASSA_TERMINAL='12345678', KASSA_SECRET='secret',
               KASSA_BANK_URL='http://127.0.0.1:9')
    env.pop('LC_MESSAGES', None)
    result = subprocess.run([ctl, 'bank', 'qr', BAD_AMOUNT, 'INV0001'], env=env,
                            capture_output=True, timeout=20)
    return result.returncode, result.stdout.decode('utf-8'), result.stderr.decode('utf-8')


def main():
    if len(sys.argv) != 3:
        print('usage: check-ctl-language.py KASSA_CTL MN_PO', file=sys.stderr)
        return 2

    ctl, po = sys.argv[1], sys.argv[2]
    failures = 0
    translation = msgstr_of(po, MSGID)

    if not translation:
        print(f'not ok 1 - po/mn.po translates “{MSGID}”')
        return 1
    print(f'ok 1 - po/mn.po translates “{MSGID}”')

    cases = [
        ('en', 'kassa-ctl: ' + MSGID.replace('%s', BAD_AMOUNT)),
        ('mn', 'kassa-ctl: ' + translation.replace('%s', BAD_AMOUNT)),
    ]
    outputs = {}
    for number, (language, expected) in enumerate(cases, 2):
        code, out, err = run_ctl(ctl, language)
        outputs[language] = err
        good = code == 2 and out == '' and err.strip() == expected
        failures += not good
        print(f'{"ok" if good else "not ok"} {number} - LANGUAGE={language}: '
              f'exit 2 and “{expected}” on stderr')
        if not good:
            print(f'# got exit {code}, stdout {out!r}, stderr {err!r}')

    different = outputs['en'] != outputs['mn'] and re.search('[А-Яа-яӨөҮү]', outputs['mn'])
    failures += not different
    print(f'{"ok" if different else "not ok"} 4 - the Mongolian error is Cyrillic, not English')
    print('1..4')

    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
