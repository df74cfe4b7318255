/* kassa-fuzz.c — helpers of the fuzz targets (kassa-fuzz.h)
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-fuzz.h"

#include <string.h>

void
kassa_fuzz_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      g_once_init_leave (&initialised, 1);
    }
}

void
kassa_fuzz_check_error (const GError *error,
                        GQuark        domain)
{
  g_assert_nonnull (error);
  if (error->domain != domain)
    g_error ("error of domain %s instead of %s: %s", g_quark_to_string (error->domain),
             g_quark_to_string (domain), error->message);
  g_assert_nonnull (error->message);
  g_assert_cmpuint (strlen (error->message), >, 0);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

char *
kassa_fuzz_strndup (const uint8_t *data,
                    size_t         size)
{
  /* g_strndup (NULL, 0) would be NULL; libFuzzer may pass NULL for an empty input. */
  if (data == NULL)
    return g_strdup ("");

  return g_strndup ((const char *) data, size);
}
