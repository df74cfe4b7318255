/* kassa-test-escpos.c — what the tests do with a decoded ESC/POS stream
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-test-escpos.h"

#include <sys/wait.h>

#include <glib/gstdio.h>

KassaEscposDecoded *
kassa_test_escpos_decode (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  KassaEscposDecoded *decoded = kassa_escpos_decode (data, length, &error);

  g_assert_no_error (error);
  g_assert_nonnull (decoded);

  return decoded;
}

char *
kassa_test_escpos_zbar (const char *png)
{
  const char *argv[] = { "zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", png,
                         NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  /* zbarimg's "no symbol found". */
  if (WIFEXITED (status) && WEXITSTATUS (status) == 4)
    return NULL;
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  g_strchomp (out);

  return g_steal_pointer (&out);
}

char *
kassa_test_escpos_read_qr (KassaEscposDecoded *decoded,
                           const char         *dir,
                           const char         *name)
{
  g_autofree char *folder = g_test_build_filename (G_TEST_BUILT, "artefacts", dir, NULL);
  g_autofree char *png = g_build_filename (folder, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (kassa_escpos_decoded_write_png (decoded, png, &error));
  g_assert_no_error (error);

  return kassa_test_escpos_zbar (png);
}

GBytes *
kassa_test_escpos_receipt (KassaInvoice          *invoice,
                           const KassaReportInfo *info,
                           guint                  width)
{
  g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_assert_true (kassa_escpos_print_receipt (invoice, info, width, stream, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (stream, NULL, &error));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (stream));
}
