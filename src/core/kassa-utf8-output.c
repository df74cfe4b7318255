/* kassa-utf8-output.c — what Kassa's programs print is UTF-8, whatever the locale
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * g_print() and g_printerr() convert to the locale's character set, and under
 * LANG=C or with LANG unset (services, scripts, cron) that is ASCII: every
 * Mongolian word, Kassa's or the bank's, came out as "?". kassa-ctl and
 * `kassa --charge` always write UTF-8, as their JSON already was; the
 * language still follows LANGUAGE, LC_ALL, LC_MESSAGES and LANG.
 */

#include "config.h"

#include "kassa-utf8-output.h"

#include <stdio.h>

static void
print_utf8_cb (const char *text)
{
  fputs (text, stdout);
  fflush (stdout);
}

static void
printerr_utf8_cb (const char *text)
{
  fputs (text, stderr);
  fflush (stderr);
}

void
kassa_utf8_output_install (void)
{
  g_set_print_handler (print_utf8_cb);
  g_set_printerr_handler (printerr_utf8_cb);
}
