#!/usr/bin/env python3
# check-translation.py — a .po file translates every string of a fresh template
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Extracts the strings of po/POTFILES.in into a temporary kassa.pot (xgettext with
# the keywords of meson's `glib` preset, what `meson compile kassa-pot` uses; the
# source tree is not touched), then fails when LANG.po misses a msgid of it or
# has one the sources no longer use (msgcmp both ways), has an untranslated or
# fuzzy entry, or a header that is not UTF-8 with the language and plural forms
# named in docs/translation.md.
# Usage: check-translation.py SOURCE_ROOT LANG

import os
import re
import subprocess
import sys
import tempfile

# meson's i18n module, PRESET_ARGS['glib'] (meson 1.0), plus its own -k_.
XGETTEXT_ARGS = [
    '--package-name=kassa', '-k_', '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format',
    '--flag=g_printf:1:c-format', '--flag=g_fprintf:2:c-format',
    '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]

HEADERS = {
    'mn': {
        'Language': 'mn',
        'Content-Type': 'text/plain; charset=UTF-8',
        'Plural-Forms': 'nplurals=2; plural=(n != 1);',
    },
}


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def header_fields(po):
    """The header entry's fields, from the first msgstr of the file."""
    fields = {}
    text = open(po, encoding='utf-8').read()
    match = re.search(r'^msgid ""\nmsgstr ((?:"[^\n]*"\n)+)', text, re.M)
    if match is None:
        return fields
    body = ''.join(re.findall(r'"(.*)"', match.group(1))).replace('\\n', '\n')
    for line in body.split('\n'):
        if ':' in line:
            key, value = line.split(':', 1)
            fields[key.strip()] = value.strip()
    return fields


def main():
    if len(sys.argv) != 3:
        print('usage: check-translation.py SOURCE_ROOT LANG', file=sys.stderr)
        return 2

    root, lang = sys.argv[1], sys.argv[2]
    po = os.path.join(root, 'po', lang + '.po')
    problems = []

    with tempfile.TemporaryDirectory(prefix='kassa-pot-') as tmp:
        pot = os.path.join(tmp, 'kassa.pot')
        # xgettext prints its own warnings: a string it cannot read as a
        # format (a macro inside _()) is a bug to fix, so warnings fail too.
        result = run(['xgettext', '-f', os.path.join(root, 'po', 'POTFILES.in'),
                      '-D', root, '-o', pot] + XGETTEXT_ARGS)
        if result.returncode != 0 or 'warning' in result.stderr:
            print(result.stderr.rstrip())
            print('# xgettext failed or warned: the template is not trustworthy')
            return 1

        # msgcmp: every msgid of the template, translated (not fuzzy) in the .po.
        result = run(['msgcmp', po, pot])
        if result.returncode != 0:
            problems.append(result.stderr.rstrip())

        # …and no stale entry: every msgid of the .po is still in the template.
        result = run(['msgcmp', '--use-untranslated', pot, po])
        if result.returncode != 0:
            problems.append(f'po/{lang}.po has entries the sources no longer use:\n'
                            + result.stderr.rstrip())

        result = run(['msgfmt', '--statistics', '-o', os.devnull, po],
                     env=dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE=''))
        stats = result.stderr.strip()
        print(f'# {lang}.po: {stats}')
        if result.returncode != 0 or 'fuzzy' in stats or 'untranslated' in stats:
            problems.append(f'po/{lang}.po: not 100 % translated: {stats}')

        n_template = len(re.findall(r'^msgid ', open(pot, encoding='utf-8').read(), re.M)) - 1
        print(f'# the fresh template has {n_template} messages')

    fields = header_fields(po)
    for key, value in HEADERS.get(lang, {}).items():
        if fields.get(key) != value:
            problems.append(f'po/{lang}.po: header {key} is “{fields.get(key)}”, '
                            f'expected “{value}”')

    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
