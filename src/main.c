/* main.c — the kassa executable
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>

#include <glib/gi18n.h>

#include "kassa-application.h"
#include "kassa-utf8-output.h"

/* The "language" setting: LANGUAGE must be set before the first translated
 * string, so it applies from the next start (the preferences say so). It is
 * gettext's language list, which works under any UTF-8 locale but not "C". */
static void
apply_language_setting (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *language = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, "mn.kassa.Kassa", TRUE);
  /* No schema: the application says so once it starts. */
  if (schema == NULL)
    return;

  settings = g_settings_new_full (schema, NULL, NULL);
  language = g_settings_get_string (settings, "language");
  if (g_strcmp0 (language, "mn") == 0 || g_strcmp0 (language, "en") == 0)
    g_setenv ("LANGUAGE", language, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(KassaApplication) app = NULL;
  const char *localedir = g_getenv ("KASSA_LOCALEDIR");

  apply_language_setting ();
  setlocale (LC_ALL, "");
  kassa_utf8_output_install ();
  /* KASSA_LOCALEDIR: the build tree's po/ (tests, `make run`); see docs/translation.md. */
  bindtextdomain (GETTEXT_PACKAGE,
                  localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = kassa_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
