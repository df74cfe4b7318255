/* test-emv.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-emv.h"
#include "kassa-error.h"
#include "kassa-test-util.h"

/* The `desc` of the fact sheet's official "QR авах" sample (§13). */
#define SAMPLE \
  "00020101021215312662049626620496002303100000147520460105303496540411005802MN" \
  "5908kub-test6011ULAANBAATAR62440121000008191937071002124031500000000003430080020163045aea"
/* The same without "6304" and the CRC. */
#define SAMPLE_TLV \
  "00020101021215312662049626620496002303100000147520460105303496540411005802MN" \
  "5908kub-test6011ULAANBAATAR624401210000081919370710021240315000000000034300800201"
#define SAMPLE_X25 "5aea"
#define SAMPLE_CCITT "E87F"

/* A payload around tag 54 = @amount_value, sealed with X-25. */
static char *
payload_with_amount (const char *amount_value)
{
  g_autofree char *tlv = g_strdup_printf ("000201010212530349654%02u%s5802MN5908kub-test",
                                          (guint) strlen (amount_value), amount_value);

  return kassa_emv_seal (tlv, KASSA_EMV_CRC_X25);
}

static void
assert_parse_fails (const char *payload,
                    gint        code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaEmv) emv = kassa_emv_parse (payload, &error);

  if (emv != NULL)
    g_test_message ("accepted: %s", payload);
  g_assert_null (emv);
  g_assert_error (error, KASSA_EMV_ERROR, code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_sample (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaEmv) emv = kassa_emv_parse (SAMPLE, &error);
  gint64 amount = 0;

  g_assert_no_error (error);
  g_assert_nonnull (emv);
  g_assert_cmpint (kassa_emv_get_crc_kind (emv), ==, KASSA_EMV_CRC_X25);

  g_assert_true (kassa_emv_get_amount (emv, &amount, &error));
  g_assert_no_error (error);
  g_assert_cmpint (amount, ==, 1100);

  g_assert_cmpstr (kassa_emv_get_merchant_name (emv), ==, "kub-test");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "00"), ==, "01");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "01"), ==, "12");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "15"), ==, "2662049626620496002303100000147");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "52"), ==, "6010");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "53"), ==, "496");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "54"), ==, "1100");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "58"), ==, "MN");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "60"), ==, "ULAANBAATAR");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "62"), ==,
                   "01210000081919370710021240315000000000034300");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "80"), ==, "01");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "63"), ==, SAMPLE_X25);
  /* Sub-tags of a template are not top-level tags. */
  g_assert_null (kassa_emv_get_tag (emv, "03"));
  g_assert_null (kassa_emv_get_tag (emv, "99"));
}

static void
test_crc (void)
{
  gsize data_len = strlen (SAMPLE) - 4;
  g_autofree char *x25 = kassa_emv_crc (SAMPLE, data_len, KASSA_EMV_CRC_X25);
  g_autofree char *ccitt = kassa_emv_crc (SAMPLE, data_len, KASSA_EMV_CRC_CCITT_FALSE);
  g_autofree char *data = g_strndup (SAMPLE, data_len);
  g_autofree char *x25_nul = kassa_emv_crc (data, -1, KASSA_EMV_CRC_X25);
  /* The catalogue check values of both CRCs over "123456789". */
  g_autofree char *check_x25 = kassa_emv_crc ("123456789", -1, KASSA_EMV_CRC_X25);
  g_autofree char *check_ccitt = kassa_emv_crc ("123456789", -1, KASSA_EMV_CRC_CCITT_FALSE);
  /* Leading zeros are kept: four digits always. */
  g_autofree char *empty_x25 = kassa_emv_crc ("", 0, KASSA_EMV_CRC_X25);
  g_autofree char *empty_ccitt = kassa_emv_crc ("", 0, KASSA_EMV_CRC_CCITT_FALSE);

  g_assert_cmpstr (x25, ==, SAMPLE_X25);
  g_assert_cmpstr (ccitt, ==, SAMPLE_CCITT);
  g_assert_cmpstr (x25_nul, ==, SAMPLE_X25);
  g_assert_cmpstr (check_x25, ==, "906e");
  g_assert_cmpstr (check_ccitt, ==, "29B1");
  g_assert_cmpstr (empty_x25, ==, "0000");
  g_assert_cmpstr (empty_ccitt, ==, "FFFF");
}

static void
test_seal (void)
{
  g_autofree char *x25 = kassa_emv_seal (SAMPLE_TLV, KASSA_EMV_CRC_X25);
  g_autofree char *ccitt = kassa_emv_seal (SAMPLE_TLV, KASSA_EMV_CRC_CCITT_FALSE);

  g_assert_cmpstr (x25, ==, SAMPLE);
  g_assert_true (g_str_has_prefix (ccitt, SAMPLE_TLV "6304"));
  g_assert_true (g_str_has_suffix (ccitt, "6304" SAMPLE_CCITT));
  g_assert_cmpuint (strlen (ccitt), ==, strlen (SAMPLE));
}

static void
test_crc_kinds_and_case (void)
{
  static const struct { const char *crc; KassaEmvCrcKind kind; } cases[] = {
    { "5aea", KASSA_EMV_CRC_X25 },
    { "5AEA", KASSA_EMV_CRC_X25 },
    { "5aEa", KASSA_EMV_CRC_X25 },
    { "E87F", KASSA_EMV_CRC_CCITT_FALSE },
    { "e87f", KASSA_EMV_CRC_CCITT_FALSE },
    { "e87F", KASSA_EMV_CRC_CCITT_FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *payload = g_strconcat (SAMPLE_TLV, "6304", cases[i].crc, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(KassaEmv) emv = kassa_emv_parse (payload, &error);
      gint64 amount = 0;

      g_assert_no_error (error);
      g_assert_nonnull (emv);
      g_assert_cmpint (kassa_emv_get_crc_kind (emv), ==, cases[i].kind);
      g_assert_true (kassa_emv_get_amount (emv, &amount, NULL));
      g_assert_cmpint (amount, ==, 1100);
      g_assert_cmpstr (kassa_emv_get_merchant_name (emv), ==, "kub-test");
    }
}

static void
test_tampering (void)
{
  gsize data_len = strlen (SAMPLE) - 4;

  /* The amount 1100 → 1200: well-formed, but the CRC no longer matches. */
  {
    g_autofree char *tampered = g_strdup (SAMPLE);
    char *amount = strstr (tampered, "54041100");

    g_assert_nonnull (amount);
    amount[5] = '2';
    assert_parse_fails (tampered, KASSA_EMV_ERROR_CRC);
  }

  /* Every single changed character before the CRC is caught (as a CRC error,
   * or a syntax error where it broke a tag or a length). */
  for (gsize i = 0; i < data_len; i++)
    {
      g_autofree char *tampered = g_strdup (SAMPLE);
      g_autoptr(GError) error = NULL;
      g_autoptr(KassaEmv) emv = NULL;

      tampered[i] = tampered[i] == '7' ? '8' : '7';
      emv = kassa_emv_parse (tampered, &error);
      g_assert_null (emv);
      g_assert_nonnull (error);
      g_assert_true (error->domain == KASSA_EMV_ERROR);
      g_assert_true (error->code == KASSA_EMV_ERROR_CRC || error->code == KASSA_EMV_ERROR_SYNTAX);
    }

  /* A changed CRC digit, and a CRC that is not hex. */
  assert_parse_fails (SAMPLE_TLV "63045aeb", KASSA_EMV_ERROR_CRC);
  assert_parse_fails (SAMPLE_TLV "63040000", KASSA_EMV_ERROR_CRC);
  assert_parse_fails (SAMPLE_TLV "63045aeg", KASSA_EMV_ERROR_CRC);
  assert_parse_fails (SAMPLE_TLV "6304 aea", KASSA_EMV_ERROR_CRC);
}

static void
test_truncation (void)
{
  gsize len = strlen (SAMPLE);

  for (gsize i = 0; i < len; i++)
    {
      g_autofree char *prefix = g_strndup (SAMPLE, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(KassaEmv) emv = kassa_emv_parse (prefix, &error);

      g_assert_null (emv);
      g_assert_nonnull (error);
      g_assert_true (error->domain == KASSA_EMV_ERROR);
      g_assert_true (error->code == KASSA_EMV_ERROR_CRC || error->code == KASSA_EMV_ERROR_SYNTAX);
    }

  assert_parse_fails (NULL, KASSA_EMV_ERROR_SYNTAX);
  assert_parse_fails ("", KASSA_EMV_ERROR_SYNTAX);
  assert_parse_fails ("0", KASSA_EMV_ERROR_SYNTAX);
  assert_parse_fails ("000", KASSA_EMV_ERROR_SYNTAX);
  assert_parse_fails ("0002", KASSA_EMV_ERROR_SYNTAX);
  assert_parse_fails ("00020", KASSA_EMV_ERROR_SYNTAX);
  /* Cut at an element boundary: well-formed, but the CRC is gone. */
  assert_parse_fails ("000201", KASSA_EMV_ERROR_CRC);
  assert_parse_fails (SAMPLE_TLV, KASSA_EMV_ERROR_CRC);
  assert_parse_fails (SAMPLE_TLV "6304", KASSA_EMV_ERROR_SYNTAX);
  assert_parse_fails (SAMPLE_TLV "63045ae", KASSA_EMV_ERROR_SYNTAX);
}

static void
test_wrong_length (void)
{
  /* The merchant name's length says 9, and the next tag is read from inside a value;
   * sealed again so that only the length is wrong. */
  g_autofree char *longer = kassa_emv_seal ("0002010102125303496540411005909kub-test"
                                            "6011ULAANBAATAR", KASSA_EMV_CRC_X25);
  /* The length runs past the end. */
  g_autofree char *past_end = kassa_emv_seal ("00020101021254991100", KASSA_EMV_CRC_X25);
  /* A length that is not two digits, a tag that is not two digits. */
  g_autofree char *bad_length = kassa_emv_seal ("0002010102125303496540A1100",
                                                KASSA_EMV_CRC_X25);
  g_autofree char *bad_tag = kassa_emv_seal ("00020101021253034965A041100",
                                             KASSA_EMV_CRC_X25);
  /* Longer than meant, swallowing "6304" and the CRC: well-formed, but no CRC left. */
  g_autofree char *eats_crc = kassa_emv_seal ("0002010102125412kub-", KASSA_EMV_CRC_X25);

  assert_parse_fails (longer, KASSA_EMV_ERROR_SYNTAX);
  assert_parse_fails (past_end, KASSA_EMV_ERROR_SYNTAX);
  assert_parse_fails (bad_length, KASSA_EMV_ERROR_SYNTAX);
  assert_parse_fails (bad_tag, KASSA_EMV_ERROR_SYNTAX);
  assert_parse_fails (eats_crc, KASSA_EMV_ERROR_CRC);
}

static void
test_crc_placement (void)
{
  g_autofree char *crc_not_last = g_strconcat (SAMPLE, "9902ab", NULL);
  g_autofree char *crc_in_middle = NULL;
  g_autofree char *crc_length_5 = NULL;
  g_autofree char *crc_length_3 = NULL;

  /* Missing. */
  assert_parse_fails ("000201010212540411005802MN", KASSA_EMV_ERROR_CRC);

  /* Not last. */
  assert_parse_fails (crc_not_last, KASSA_EMV_ERROR_CRC);
  crc_in_middle = g_strconcat ("00020163045aea", "5802MN", NULL);
  assert_parse_fails (crc_in_middle, KASSA_EMV_ERROR_CRC);

  /* Tag 63 with a length other than 04. */
  {
    g_autofree char *data = g_strconcat (SAMPLE_TLV, "6305", NULL);
    g_autofree char *crc = kassa_emv_crc (data, -1, KASSA_EMV_CRC_X25);

    crc_length_5 = g_strconcat (data, crc, "0", NULL);
  }
  assert_parse_fails (crc_length_5, KASSA_EMV_ERROR_CRC);
  crc_length_3 = g_strconcat (SAMPLE_TLV, "6303aea", NULL);
  assert_parse_fails (crc_length_3, KASSA_EMV_ERROR_CRC);
}

static void
test_duplicate_tag (void)
{
  /* Two amounts: which one would the customer pay? */
  g_autofree char *payload = kassa_emv_seal ("00020101021254041100540411005802MN",
                                             KASSA_EMV_CRC_X25);

  assert_parse_fails (payload, KASSA_EMV_ERROR_SYNTAX);
}

static void
test_characters (void)
{
  /* A control character, even under a valid CRC. */
  g_autofree char *control = kassa_emv_seal ("0002015905kub\ntest", KASSA_EMV_CRC_X25);
  g_autofree char *nul_like = kassa_emv_seal ("0002015905kub\x7ftest", KASSA_EMV_CRC_X25);
  /* Not UTF-8. */
  g_autofree char *latin1 = kassa_emv_seal ("0002015905k\xfc" "b-t", KASSA_EMV_CRC_X25);
  /* UTF-8 counts characters: "Голомт" is 6 characters, 12 bytes. */
  g_autofree char *cyrillic = kassa_emv_seal ("0002015906Голомт5802MN", KASSA_EMV_CRC_X25);
  g_autofree char *cyrillic_bytes = kassa_emv_seal ("0002015912Голомт", KASSA_EMV_CRC_X25);
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaEmv) emv = NULL;

  assert_parse_fails (control, KASSA_EMV_ERROR_SYNTAX);
  assert_parse_fails (nul_like, KASSA_EMV_ERROR_SYNTAX);
  assert_parse_fails (latin1, KASSA_EMV_ERROR_SYNTAX);

  emv = kassa_emv_parse (cyrillic, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kassa_emv_get_merchant_name (emv), ==, "Голомт");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "58"), ==, "MN");

  /* Counted as bytes, the value swallows "6304" and half the CRC. */
  assert_parse_fails (cyrillic_bytes, KASSA_EMV_ERROR_SYNTAX);
}

static void
test_max_length (void)
{
  g_autoptr(GString) tlv = g_string_new ("000201");
  g_autofree char *filler = g_strnfill (99, 'x');
  g_autofree char *at_limit = NULL;
  g_autofree char *over_limit = NULL;
  g_autoptr(KassaEmv) emv = NULL;
  g_autoptr(GError) error = NULL;

  for (guint tag = 90; tag < 94; tag++)
    g_string_append_printf (tlv, "%02u99%s", tag, filler);
  /* 6 + 4 × 103 + 86 + 8 = 512 */
  g_string_append_printf (tlv, "9482%.*s", 82, filler);

  at_limit = kassa_emv_seal (tlv->str, KASSA_EMV_CRC_X25);
  g_assert_cmpuint (strlen (at_limit), ==, 512);
  emv = kassa_emv_parse (at_limit, &error);
  g_assert_no_error (error);
  g_assert_nonnull (emv);

  g_string_append (tlv, "9500");
  over_limit = kassa_emv_seal (tlv->str, KASSA_EMV_CRC_X25);
  g_assert_cmpuint (strlen (over_limit), ==, 516);
  assert_parse_fails (over_limit, KASSA_EMV_ERROR_SYNTAX);
}

static void
test_amount (void)
{
  static const struct { const char *value; gint64 amount; } good[] = {
    { "1100", 1100 },
    { "1100.00", 1100 },
    { "1100.0", 1100 },
    { "1", 1 },
    { "01100", 1100 },
    { "1000000", 1000000 },
    { "1000000000000", 1000000000000 },
  };
  static const char * const bad[] = {
    "1100.50", "1100.05", "0.5", "0", "0.00", "1100.", ".50", "-5", "+5", "1e3",
    "11,00", "11 00", "abc", "1000000000001", "9999999999999",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree char *payload = payload_with_amount (good[i].value);
      g_autoptr(KassaEmv) emv = kassa_emv_parse (payload, NULL);
      g_autoptr(GError) error = NULL;
      gint64 amount = 0;

      g_assert_nonnull (emv);
      g_assert_true (kassa_emv_get_amount (emv, &amount, &error));
      g_assert_no_error (error);
      g_assert_cmpint (amount, ==, good[i].amount);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *payload = payload_with_amount (bad[i]);
      g_autoptr(KassaEmv) emv = kassa_emv_parse (payload, NULL);
      g_autoptr(GError) error = NULL;
      gint64 amount = 42;

      g_assert_nonnull (emv);
      g_assert_false (kassa_emv_get_amount (emv, &amount, &error));
      g_assert_error (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_AMOUNT);
      g_assert_cmpint (amount, ==, 42);
    }
}

static void
test_amount_fraction_message (void)
{
  g_autofree char *payload = payload_with_amount ("1100.50");
  g_autoptr(KassaEmv) emv = kassa_emv_parse (payload, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (kassa_emv_get_amount (emv, NULL, &error));
  g_assert_error (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_AMOUNT);
  g_assert_nonnull (strstr (error->message, "1100.50"));
  g_assert_nonnull (strstr (error->message, "whole"));
}

static void
test_amount_missing (void)
{
  g_autofree char *payload = kassa_emv_seal ("0002010102125802MN5908kub-test",
                                             KASSA_EMV_CRC_X25);
  g_autofree char *empty_amount = kassa_emv_seal ("00020154005802MN", KASSA_EMV_CRC_X25);
  g_autoptr(KassaEmv) emv = kassa_emv_parse (payload, NULL);
  g_autoptr(KassaEmv) emv_empty = kassa_emv_parse (empty_amount, NULL);
  g_autoptr(GError) error = NULL;
  gint64 amount = 42;

  g_assert_nonnull (emv);
  g_assert_false (kassa_emv_get_amount (emv, &amount, &error));
  g_assert_error (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_AMOUNT);
  g_assert_cmpint (amount, ==, 42);
  g_clear_error (&error);

  g_assert_nonnull (emv_empty);
  g_assert_false (kassa_emv_get_amount (emv_empty, &amount, &error));
  g_assert_error (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_AMOUNT);
  g_assert_cmpint (amount, ==, 42);

  g_assert_null (kassa_emv_get_merchant_name (emv_empty));
}

static void
test_refcount (void)
{
  KassaEmv *emv = kassa_emv_parse (SAMPLE, NULL);
  KassaEmv *copy;

  g_assert_nonnull (emv);
  g_assert_true (kassa_emv_ref (emv) == emv);
  kassa_emv_unref (emv);

  /* As a boxed type, a copy is a new reference to the same payload. */
  g_assert_true (G_TYPE_IS_BOXED (KASSA_TYPE_EMV));
  copy = g_boxed_copy (KASSA_TYPE_EMV, emv);
  g_assert_true (copy == emv);
  kassa_emv_unref (emv);
  g_assert_cmpstr (kassa_emv_get_merchant_name (copy), ==, "kub-test");
  g_boxed_free (KASSA_TYPE_EMV, copy);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/emv/sample", test_sample);
  g_test_add_func ("/emv/crc", test_crc);
  g_test_add_func ("/emv/seal", test_seal);
  g_test_add_func ("/emv/crc-kinds-and-case", test_crc_kinds_and_case);
  g_test_add_func ("/emv/tampering", test_tampering);
  g_test_add_func ("/emv/truncation", test_truncation);
  g_test_add_func ("/emv/wrong-length", test_wrong_length);
  g_test_add_func ("/emv/crc-placement", test_crc_placement);
  g_test_add_func ("/emv/duplicate-tag", test_duplicate_tag);
  g_test_add_func ("/emv/characters", test_characters);
  g_test_add_func ("/emv/max-length", test_max_length);
  g_test_add_func ("/emv/amount", test_amount);
  g_test_add_func ("/emv/amount-fraction-message", test_amount_fraction_message);
  g_test_add_func ("/emv/amount-missing", test_amount_missing);
  g_test_add_func ("/emv/refcount", test_refcount);

  return g_test_run ();
}
