/* test-fields.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-bank-fields.h"
#include "kassa-error.h"
#include "kassa-test-util.h"

typedef gboolean (*ValidateFunc) (const char *value, GError **error);

static void
assert_valid (ValidateFunc  validate,
              const char   *value)
{
  g_autoptr(GError) error = NULL;

  if (!validate (value, &error))
    g_test_message ("“%s” rejected: %s", value, error->message);
  g_assert_no_error (error);
  g_assert_true (validate (value, NULL));
}

static void
assert_invalid (ValidateFunc  validate,
                const char   *value,
                gint          code)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (validate (value, &error));
  g_assert_error (error, KASSA_INPUT_ERROR, code);
  g_assert_cmpstr (error->message, !=, "");
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  /* No control characters, however hostile the value. */
  for (const char *p = error->message; *p != '\0'; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
  /* NULL error is fine too. */
  g_assert_false (validate (value, NULL));
}

static void
test_terminal (void)
{
  static const char * const bad[] = {
    NULL, "", "1234567", "123456789", "1234567a", " 12345678", "12345678 ", "1234-5678",
    "１２３４５６７８", "12345678\n", "-1234567", "+1234567", "1234567\xff",
  };
  g_autoptr(GError) error = NULL;

  assert_valid (kassa_terminal_validate, KASSA_TEST_TERMINAL);
  assert_valid (kassa_terminal_validate, "00000000");

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_invalid (kassa_terminal_validate, bad[i], KASSA_INPUT_ERROR_TERMINAL);

  /* The offending value is quoted. */
  g_assert_false (kassa_terminal_validate ("1234567", &error));
  g_assert_nonnull (strstr (error->message, "“1234567”"));
  g_assert_nonnull (strstr (error->message, "8 digits"));
}

static void
test_invoice (void)
{
  g_autofree char *len32 = g_strnfill (KASSA_INVOICE_MAX_LENGTH, 'A');
  g_autofree char *len33 = g_strnfill (KASSA_INVOICE_MAX_LENGTH + 1, 'A');
  static const char * const bad[] = {
    "", "INV 0001", "INV/0001", "INV.0001", "ИНВ0001", "INV0001\n", "INV\t1", "INV'1", "INV\"1",
    "INV%s", "INV\xff",
  };
  g_autoptr(GError) error = NULL;

  assert_valid (kassa_invoice_validate, "INV0001");
  assert_valid (kassa_invoice_validate, "a");
  assert_valid (kassa_invoice_validate, "Kassa_2024-01-01_0001");
  assert_valid (kassa_invoice_validate, "-_-");
  assert_valid (kassa_invoice_validate, len32);

  assert_invalid (kassa_invoice_validate, NULL, KASSA_INPUT_ERROR_INVOICE);
  assert_invalid (kassa_invoice_validate, len33, KASSA_INPUT_ERROR_INVOICE);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_invalid (kassa_invoice_validate, bad[i], KASSA_INPUT_ERROR_INVOICE);

  g_assert_false (kassa_invoice_validate (len33, &error));
  g_assert_nonnull (strstr (error->message, "33"));
  g_assert_nonnull (strstr (error->message, "32"));
  g_clear_error (&error);

  g_assert_false (kassa_invoice_validate ("INV/0001", &error));
  g_assert_nonnull (strstr (error->message, "“INV/0001”"));
}

static void
test_phone (void)
{
  static const char * const bad[] = {
    NULL, "", "9911223", "991122334", "+97699112233", "97699112233", "9911 2233",
    "9911-2233", "9911223a", "99112233\n",
  };

  assert_valid (kassa_phone_validate, "99112233");
  assert_valid (kassa_phone_validate, "88001122");

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_invalid (kassa_phone_validate, bad[i], KASSA_INPUT_ERROR_PHONE);
}

static void
test_reference (void)
{
  g_autoptr(GString) longest = g_string_new (NULL);
  g_autoptr(GString) too_long = NULL;
  static const char * const bad[] = {
    "bad\xff", "line\nbreak", "tab\there", "nul-less\x7f", "\xc2\x85next-line",
    "a\u2028b", "a\u2029b",
    /* The bidirectional controls and marks, and invisible format characters */
    "a\u202eb", "a\u202ab", "a\u202bb", "a\u202cb", "a\u202db", "a\u200eb", "a\u200fb",
    "a\u2066b", "a\u2067b", "a\u2068b", "a\u2069b", "a\u061cb", "a\u200bb", "a\u200db",
    "a\ufeffb", "a\u00adb", "a\u180eb", "\u202e1000",
  };

  for (guint i = 0; i < KASSA_REFERENCE_MAX_CHARS; i++)
    g_string_append (longest, "Ө");
  too_long = g_string_new (longest->str);
  g_string_append_c (too_long, 'x');

  assert_valid (kassa_reference_validate, NULL);
  assert_valid (kassa_reference_validate, "");
  assert_valid (kassa_reference_validate, "Баримт №42, ширээ 7");
  assert_valid (kassa_reference_validate, "Order 42 (ёөү ЁӨҮ) – 1 500₮ ✓");
  assert_valid (kassa_reference_validate, longest->str);

  assert_invalid (kassa_reference_validate, too_long->str, KASSA_INPUT_ERROR_REFERENCE);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_invalid (kassa_reference_validate, bad[i], KASSA_INPUT_ERROR_REFERENCE);
}

static void
test_settlement_id (void)
{
  g_autofree char *len32 = g_strnfill (KASSA_SETTLEMENT_ID_MAX_LENGTH, '9');
  g_autofree char *len33 = g_strnfill (KASSA_SETTLEMENT_ID_MAX_LENGTH + 1, '9');

  assert_valid (kassa_settlement_id_validate, "SETTLE20240101");
  assert_valid (kassa_settlement_id_validate, "2024-01-01_z");
  assert_valid (kassa_settlement_id_validate, len32);

  assert_invalid (kassa_settlement_id_validate, NULL, KASSA_INPUT_ERROR_SETTLEMENT_ID);
  assert_invalid (kassa_settlement_id_validate, "", KASSA_INPUT_ERROR_SETTLEMENT_ID);
  assert_invalid (kassa_settlement_id_validate, len33, KASSA_INPUT_ERROR_SETTLEMENT_ID);
  assert_invalid (kassa_settlement_id_validate, "2024 01 01", KASSA_INPUT_ERROR_SETTLEMENT_ID);
  assert_invalid (kassa_settlement_id_validate, "2024/01/01", KASSA_INPUT_ERROR_SETTLEMENT_ID);
}

static void
test_secret (void)
{
  static const char * const bad[] = {
    NULL, "", "secret\n", "sec\tret", "\x1b[0msecret", "secret\x7f", "sec\xc2\x85ret",
    "secr\xff" "et",
  };

  assert_valid (kassa_secret_validate, KASSA_TEST_SECRET);
  assert_valid (kassa_secret_validate, "x");
  assert_valid (kassa_secret_validate, "нууц үг with spaces & symbols !@#$%^");

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_invalid (kassa_secret_validate, bad[i], KASSA_INPUT_ERROR_SECRET);
}

static void
test_secret_never_echoed (void)
{
  static const char * const secrets[] = {
    "TopSecretKey123\n", "TopSecretKey123\t", "\x01TopSecretKey123", "TopSecretKey123\xc3",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (secrets); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (kassa_secret_validate (secrets[i], &error));
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_SECRET);
      g_assert_null (strstr (error->message, "TopSecret"));
      g_assert_null (strstr (error->message, "Key123"));
    }
}

static void
test_excerpt (void)
{
  g_autofree char *long_text = g_strnfill (100, 'z');
  g_autofree char *null_text = kassa_input_excerpt (NULL);
  g_autofree char *plain = kassa_input_excerpt ("  INV/1  ");
  g_autofree char *control = kassa_input_excerpt ("a\x1b[2Jb\nc");
  g_autofree char *bidi = kassa_input_excerpt ("abc\u202Edef");
  g_autofree char *invalid = kassa_input_excerpt ("ab\xff" "cd");
  g_autofree char *shortened = kassa_input_excerpt (long_text);
  g_autofree char *cyrillic = kassa_input_excerpt ("Голомт");
  g_autofree char *expected_long = g_strconcat ("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "…", NULL);

  g_assert_cmpstr (null_text, ==, "");
  g_assert_cmpstr (plain, ==, "INV/1");
  g_assert_cmpstr (control, ==, "a\uFFFD[2Jb\uFFFDc");
  g_assert_cmpstr (bidi, ==, "abc\uFFFDdef");
  g_assert_cmpstr (invalid, ==, "ab\uFFFDcd");
  g_assert_cmpstr (shortened, ==, expected_long);
  g_assert_cmpstr (cyrillic, ==, "Голомт");
}

static void
test_long_value_quoted_safely (void)
{
  g_autofree char *long_bad = g_strnfill (5000, '/');
  g_autoptr(GError) error = NULL;

  g_assert_false (kassa_invoice_validate (long_bad, &error));
  g_assert_cmpuint (strlen (error->message), <, 200);
  g_clear_error (&error);

  g_assert_false (kassa_terminal_validate (long_bad, &error));
  g_assert_cmpuint (strlen (error->message), <, 200);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/fields/terminal", test_terminal);
  g_test_add_func ("/fields/invoice", test_invoice);
  g_test_add_func ("/fields/phone", test_phone);
  g_test_add_func ("/fields/settlement-id", test_settlement_id);
  g_test_add_func ("/fields/reference", test_reference);
  g_test_add_func ("/fields/secret", test_secret);
  g_test_add_func ("/fields/secret-never-echoed", test_secret_never_echoed);
  g_test_add_func ("/fields/excerpt", test_excerpt);
  g_test_add_func ("/fields/long-value-quoted-safely", test_long_value_quoted_safely);

  return g_test_run ();
}
