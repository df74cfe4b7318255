/* test-qr.c — the QR module matrix, decoded back by a real reader (zbarimg)
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "kassa-emv.h"
#include "kassa-qr.h"
#include "kassa-test-util.h"

/* Writes @matrix as a binary PGM, @scale pixels per module, with the quiet zone. */
static char *
write_pgm (KassaQrMatrix *matrix,
           guint          scale,
           const char    *name)
{
  g_autoptr(GError) error = NULL;
  guint width = kassa_qr_matrix_get_width (matrix);
  guint side = (width + 2 * KASSA_QR_QUIET_ZONE) * scale;
  g_autoptr(GString) pgm = g_string_new (NULL);
  char *path = g_build_filename (g_get_tmp_dir (), name, NULL);

  g_string_append_printf (pgm, "P5\n%u %u\n255\n", side, side);
  for (guint py = 0; py < side; py++)
    for (guint px = 0; px < side; px++)
      {
        int x = (int) (px / scale) - KASSA_QR_QUIET_ZONE;
        int y = (int) (py / scale) - KASSA_QR_QUIET_ZONE;
        gboolean dark = x >= 0 && y >= 0 && x < (int) width && y < (int) width &&
                        kassa_qr_matrix_get_module (matrix, (guint) x, (guint) y);

        g_string_append_c (pgm, dark ? 0 : (char) 255);
      }

  g_file_set_contents (path, pgm->str, (gssize) pgm->len, &error);
  g_assert_no_error (error);

  return path;
}

static gboolean
have_zbarimg (void)
{
  g_autofree char *path = g_find_program_in_path ("zbarimg");

  return path != NULL;
}

/* What zbarimg reads in @path, byte for byte, or NULL when it finds nothing. */
static char *
decode (const char *path)
{
  const char *argv[] = { "zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                         "-Sbinary", path, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 4)
    return NULL;
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);

  /* zbarimg ends the symbol with a newline. */
  if (g_str_has_suffix (out, "\n"))
    out[strlen (out) - 1] = '\0';

  return g_steal_pointer (&out);
}

/* The error correction level written in the symbol's format information
 * (ISO 18004 §7.9; positions as libqrencode writes them): 0 = M, 1 = L,
 * 2 = H, 3 = Q. Read from both copies, which must agree. */
static guint
format_level (KassaQrMatrix *matrix)
{
  guint width = kassa_qr_matrix_get_width (matrix);
  guint first = 0;
  guint second = 0;

  for (guint i = 0; i < 8; i++)
    {
      first |= (guint) kassa_qr_matrix_get_module (matrix, 8, i < 6 ? i : i + 1) << i;
      second |= (guint) kassa_qr_matrix_get_module (matrix, width - 1 - i, 8) << i;
    }
  for (guint i = 0; i < 7; i++)
    {
      first |= (guint) kassa_qr_matrix_get_module (matrix, i == 0 ? 7 : 6 - i, 8) << (8 + i);
      second |= (guint) kassa_qr_matrix_get_module (matrix, 8, width - 7 + i) << (8 + i);
    }
  g_assert_cmphex (first, ==, second);

  return (first ^ 0x5412) >> 13;
}

static void
assert_round_trip (const char *payload,
                   const char *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaQrMatrix) matrix = kassa_qr_matrix_new (payload, &error);
  g_autofree char *path = NULL;
  g_autofree char *decoded = NULL;
  guint width;

  g_assert_no_error (error);
  g_assert_nonnull (matrix);
  g_assert_cmpstr (kassa_qr_matrix_get_payload (matrix), ==, payload);

  width = kassa_qr_matrix_get_width (matrix);
  g_assert_cmpuint (kassa_qr_matrix_get_version (matrix), >=, 1);
  g_assert_cmpuint (kassa_qr_matrix_get_version (matrix), <=, 40);
  g_assert_cmpuint (width, ==, 17 + 4 * kassa_qr_matrix_get_version (matrix));
  /* Finder pattern corners are dark, the separator next to them light. */
  g_assert_true (kassa_qr_matrix_get_module (matrix, 0, 0));
  g_assert_true (kassa_qr_matrix_get_module (matrix, width - 1, 0));
  g_assert_true (kassa_qr_matrix_get_module (matrix, 0, width - 1));
  g_assert_false (kassa_qr_matrix_get_module (matrix, 7, 7));
  g_assert_cmpuint (format_level (matrix), ==, 0 /* M */);

  if (!have_zbarimg ())
    {
      g_test_skip ("zbarimg is not installed");
      return;
    }

  path = write_pgm (matrix, 4, file);
  decoded = decode (path);
  g_assert_cmpstr (decoded, ==, payload);
}

static void
append_tlv (GString    *out,
            const char *tag,
            const char *value)
{
  g_string_append_printf (out, "%s%02ld%s", tag, g_utf8_strlen (value, -1), value);
}

/* A payload exactly as the simulator builds it (kassa-bank-sim.c), merchant
 * name and all, CRC X-25 like the bank's sample. */
static void
test_emv (void)
{
  g_autoptr(GString) tlv = g_string_new (NULL);
  g_autoptr(GString) extra = g_string_new (NULL);
  g_autofree char *payload = NULL;
  g_autoptr(KassaEmv) emv = NULL;
  g_autoptr(GError) error = NULL;
  gint64 amount = 0;

  append_tlv (extra, "01", "ab12cd-000042");
  append_tlv (extra, "07", "12345678");
  append_tlv (tlv, "00", "01");
  append_tlv (tlv, "01", "12");
  append_tlv (tlv, "15", "26620496266204961234567800147");
  append_tlv (tlv, "52", "6010");
  append_tlv (tlv, "53", "496");
  append_tlv (tlv, "54", "1500");
  append_tlv (tlv, "58", "MN");
  append_tlv (tlv, "59", "KASSA TRAINING");
  append_tlv (tlv, "60", "ULAANBAATAR");
  append_tlv (tlv, "62", extra->str);
  payload = kassa_emv_seal (tlv->str, KASSA_EMV_CRC_X25);

  /* The fixture itself must be a valid payload, or the test proves little. */
  emv = kassa_emv_parse (payload, &error);
  g_assert_no_error (error);
  g_assert_true (kassa_emv_get_amount (emv, &amount, &error));
  g_assert_cmpint (amount, ==, 1500);

  assert_round_trip (payload, "emv.pgm");
}

static void
test_deeplink (void)
{
  /* Mixed case: a reader that folds case would break the key. */
  assert_round_trip ("socialpay-payment://key=AbCdEfGhIjKlMnOpQrStUvWxYz-_0123", "deeplink.pgm");
}

static void
test_utf8 (void)
{
  /* A Mongolian merchant name is UTF-8: encoded as bytes, read back as bytes. */
  assert_round_trip ("Сайн дэлгүүр — 1,500₮", "utf8.pgm");
}

static void
test_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *too_long = g_strnfill (KASSA_QR_MAX_BYTES + 1, 'a');
  g_autoptr(KassaQrMatrix) largest = NULL;

  g_assert_null (kassa_qr_matrix_new (NULL, &error));
  g_assert_error (error, KASSA_QR_ERROR, KASSA_QR_ERROR_EMPTY);
  g_clear_error (&error);

  g_assert_null (kassa_qr_matrix_new ("", &error));
  g_assert_error (error, KASSA_QR_ERROR, KASSA_QR_ERROR_EMPTY);
  g_clear_error (&error);

  g_assert_null (kassa_qr_matrix_new (too_long, &error));
  g_assert_error (error, KASSA_QR_ERROR, KASSA_QR_ERROR_TOO_LONG);
  g_assert_nonnull (strstr (error->message, "2332"));
  g_clear_error (&error);

  /* The limit itself fits: version 40. */
  too_long[KASSA_QR_MAX_BYTES] = '\0';
  largest = kassa_qr_matrix_new (too_long, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kassa_qr_matrix_get_version (largest), ==, 40);
  g_assert_cmpuint (kassa_qr_matrix_get_width (largest), ==, 177);
}

static void
test_module_size (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaQrMatrix) matrix = kassa_qr_matrix_new ("1", &error);

  g_assert_no_error (error);
  g_assert_cmpuint (kassa_qr_matrix_get_width (matrix), ==, 21);

  /* 21 modules + 2 × 4 quiet = 29 modules. */
  g_assert_cmpuint (kassa_qr_matrix_module_size_for (matrix, 0), ==, 0);
  g_assert_cmpuint (kassa_qr_matrix_module_size_for (matrix, 28), ==, 0);
  g_assert_cmpuint (kassa_qr_matrix_module_size_for (matrix, 29), ==, 1);
  g_assert_cmpuint (kassa_qr_matrix_module_size_for (matrix, 289), ==, 9);
  g_assert_cmpuint (kassa_qr_matrix_module_size_for (matrix, 290), ==, 10);
  g_assert_cmpuint (kassa_qr_matrix_module_size_for (matrix, 318), ==, 10);
}

static void
test_boxed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaQrMatrix) matrix = kassa_qr_matrix_new ("boxed", &error);
  KassaQrMatrix *copy;

  g_assert_no_error (error);
  copy = g_boxed_copy (KASSA_TYPE_QR_MATRIX, matrix);
  g_assert_true (copy == matrix);
  g_boxed_free (KASSA_TYPE_QR_MATRIX, copy);
  g_assert_cmpstr (kassa_qr_matrix_get_payload (matrix), ==, "boxed");
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/qr/emv", test_emv);
  g_test_add_func ("/qr/deeplink", test_deeplink);
  g_test_add_func ("/qr/utf8", test_utf8);
  g_test_add_func ("/qr/errors", test_errors);
  g_test_add_func ("/qr/module-size", test_module_size);
  g_test_add_func ("/qr/boxed", test_boxed);

  return g_test_run ();
}
