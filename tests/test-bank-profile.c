/* test-bank-profile.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "kassa-bank-profile.h"
#include "kassa-bank-reply.h"
#include "kassa-checksum.h"
#include "kassa-error.h"
#include "kassa-test-util.h"

#define DEFAULT_DESCRIPTION \
  "amount-format=plain refund-checksum-order=terminal-invoice-amount qr-endpoint=qr " \
  "unpaid-check-style=error-envelope paid-test=resp-code cancel-success-test=either " \
  "reply-checksum=ignore trailing-query=false amount-as-number=false"

static void
test_defaults (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autofree char *description = kassa_bank_profile_describe (profile);

  g_assert_cmpint (kassa_bank_profile_get_amount_format (profile), ==, KASSA_AMOUNT_FORMAT_PLAIN);
  g_assert_cmpint (kassa_bank_profile_get_refund_checksum_order (profile), ==,
                   KASSA_REFUND_CHECKSUM_TERMINAL_INVOICE_AMOUNT);
  g_assert_cmpint (kassa_bank_profile_get_qr_endpoint (profile), ==, KASSA_QR_ENDPOINT_QR);
  g_assert_cmpint (kassa_bank_profile_get_unpaid_check_style (profile), ==,
                   KASSA_UNPAID_CHECK_ERROR_ENVELOPE);
  g_assert_cmpint (kassa_bank_profile_get_paid_test (profile), ==, KASSA_PAID_TEST_RESP_CODE);
  g_assert_cmpint (kassa_bank_profile_get_cancel_success_test (profile), ==,
                   KASSA_CANCEL_SUCCESS_EITHER);
  g_assert_cmpint (kassa_bank_profile_get_reply_checksum (profile), ==,
                   KASSA_REPLY_CHECKSUM_IGNORE);
  g_assert_false (kassa_bank_profile_get_trailing_query (profile));
  g_assert_false (kassa_bank_profile_get_amount_as_number (profile));

  g_assert_cmpstr (description, ==, DEFAULT_DESCRIPTION);

  g_assert_finalize_object (g_steal_pointer (&profile));
}

static void
test_properties (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  GParamSpec *pspec;
  KassaQrEndpoint endpoint;
  gboolean trailing;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (profile), "refund-checksum-order");
  g_assert_nonnull (pspec);
  g_assert_true (G_IS_PARAM_SPEC_ENUM (pspec));
  g_assert_true (G_PARAM_SPEC_VALUE_TYPE (pspec) == KASSA_TYPE_REFUND_CHECKSUM_ORDER);
  g_assert_true (pspec->flags & G_PARAM_EXPLICIT_NOTIFY);

  g_assert_cmpstr (g_enum_get_value (g_type_class_peek (KASSA_TYPE_AMOUNT_FORMAT),
                                     KASSA_AMOUNT_FORMAT_TWO_DECIMALS)->value_nick,
                   ==, "two-decimals");

  g_object_set (profile, "qr-endpoint", KASSA_QR_ENDPOINT_DEEPLINK, "trailing-query", TRUE, NULL);
  g_object_get (profile, "qr-endpoint", &endpoint, "trailing-query", &trailing, NULL);
  g_assert_cmpint (endpoint, ==, KASSA_QR_ENDPOINT_DEEPLINK);
  g_assert_true (trailing);
}

static void
on_notify_cb (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  GPtrArray *names = user_data;

  g_ptr_array_add (names, g_strdup (pspec->name));
}

static void
test_notify (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;

  g_signal_connect (profile, "notify", G_CALLBACK (on_notify_cb), names);

  /* Same value: no notification. */
  g_assert_true (kassa_bank_profile_set_reading (profile, "paid-test", "resp-code", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (names->len, ==, 0);

  g_assert_true (kassa_bank_profile_set_reading (profile, "paid-test", "resp-desc", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (names->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (names, 0), ==, "paid-test");

  g_assert_true (kassa_bank_profile_set_from_string (profile,
                                                     "paid-test=resp-desc\n"
                                                     "qr-endpoint=deeplink\n"
                                                     "amount-as-number=yes\n",
                                                     &error));
  g_assert_no_error (error);
  /* Only the two that changed, once each, after the whole text was applied (any order). */
  g_assert_cmpuint (names->len, ==, 3);
  g_assert_true (g_ptr_array_find_with_equal_func (names, "qr-endpoint", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (names, "amount-as-number", g_str_equal, NULL));
}

static void
test_set_reading (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autoptr(GError) error = NULL;
  const struct
  {
    const char *key;
    const char *value;
  } readings[] = {
    { "amount-format", "two-decimals" },
    { "refund-checksum-order", "amount-invoice-terminal" },
    { "qr-endpoint", "deeplink" },
    { "unpaid-check-style", "resp-code" },
    { "paid-test", "resp-desc" },
    { "cancel-success-test", "resp-code" },
    { "reply-checksum", "terminal-invoice-amount" },
    { "trailing-query", "true" },
  };
  g_autofree char *description = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (readings); i++)
    {
      g_assert_true (kassa_bank_profile_set_reading (profile, readings[i].key, readings[i].value,
                                                     &error));
      g_assert_no_error (error);
    }

  g_assert_cmpint (kassa_bank_profile_get_amount_format (profile), ==,
                   KASSA_AMOUNT_FORMAT_TWO_DECIMALS);
  g_assert_cmpint (kassa_bank_profile_get_refund_checksum_order (profile), ==,
                   KASSA_REFUND_CHECKSUM_AMOUNT_INVOICE_TERMINAL);
  g_assert_cmpint (kassa_bank_profile_get_qr_endpoint (profile), ==, KASSA_QR_ENDPOINT_DEEPLINK);
  g_assert_cmpint (kassa_bank_profile_get_unpaid_check_style (profile), ==,
                   KASSA_UNPAID_CHECK_RESP_CODE);
  g_assert_cmpint (kassa_bank_profile_get_paid_test (profile), ==, KASSA_PAID_TEST_RESP_DESC);
  g_assert_cmpint (kassa_bank_profile_get_cancel_success_test (profile), ==,
                   KASSA_CANCEL_SUCCESS_RESP_CODE);
  g_assert_cmpint (kassa_bank_profile_get_reply_checksum (profile), ==,
                   KASSA_REPLY_CHECKSUM_TERMINAL_INVOICE_AMOUNT);
  g_assert_true (kassa_bank_profile_get_trailing_query (profile));

  description = kassa_bank_profile_describe (profile);
  g_assert_cmpstr (description, ==,
                   "amount-format=two-decimals refund-checksum-order=amount-invoice-terminal "
                   "qr-endpoint=deeplink unpaid-check-style=resp-code paid-test=resp-desc "
                   "cancel-success-test=resp-code reply-checksum=terminal-invoice-amount "
                   "trailing-query=true amount-as-number=false");

  /* describe() output read back gives the same profile: one reading per word. */
  {
    g_autoptr(KassaBankProfile) copy = kassa_bank_profile_new ();
    g_auto(GStrv) words = g_strsplit (description, " ", -1);
    g_autofree char *lines = g_strjoinv ("\n", words);
    g_autofree char *copy_description = NULL;

    g_assert_true (kassa_bank_profile_set_from_string (copy, lines, &error));
    g_assert_no_error (error);
    copy_description = kassa_bank_profile_describe (copy);
    g_assert_cmpstr (copy_description, ==, description);
  }
}

static void
test_set_reading_errors (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;

  g_assert_false (kassa_bank_profile_set_reading (profile, "amount-fromat", "plain", &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "amount-fromat"));
  g_clear_error (&error);

  g_assert_false (kassa_bank_profile_set_reading (profile, "amount-format", "cents", &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
  /* The message names the allowed values. */
  g_assert_nonnull (strstr (error->message, "cents"));
  g_assert_nonnull (strstr (error->message, "two-decimals"));
  g_clear_error (&error);

  g_assert_false (kassa_bank_profile_set_reading (profile, "trailing-query", "maybe", &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
  g_clear_error (&error);

  /* Enum values are nicks, not C names or numbers. */
  g_assert_false (kassa_bank_profile_set_reading (profile, "qr-endpoint", "1", &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_false (kassa_bank_profile_set_reading (profile, "qr-endpoint",
                                                  "KASSA_QR_ENDPOINT_DEEPLINK", &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
  g_clear_error (&error);

  /* The two readings that cannot hold together. */
  g_assert_true (kassa_bank_profile_set_reading (profile, "amount-as-number", "true", &error));
  g_assert_no_error (error);
  g_assert_false (kassa_bank_profile_set_reading (profile, "amount-format", "two-decimals",
                                                  &error));
  g_assert_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_cmpint (kassa_bank_profile_get_amount_format (profile), ==, KASSA_AMOUNT_FORMAT_PLAIN);

  g_assert_true (kassa_bank_profile_set_reading (profile, "amount-as-number", "false", &error));
  g_assert_no_error (error);
  description = kassa_bank_profile_describe (profile);
  g_assert_cmpstr (description, ==, DEFAULT_DESCRIPTION);
}

static void
test_from_string (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (kassa_bank_profile_set_from_string (profile,
                                                     "# the bank told us in 2025\n"
                                                     "\n"
                                                     "  refund-checksum-order = "
                                                     "amount-invoice-terminal  \n"
                                                     "paid-test=resp-desc # erxes 2022\n"
                                                     "\t# indented comment\n"
                                                     "trailing-query=1\r\n"
                                                     "amount-format=two-decimals",
                                                     &error));
  g_assert_no_error (error);
  g_assert_cmpint (kassa_bank_profile_get_refund_checksum_order (profile), ==,
                   KASSA_REFUND_CHECKSUM_AMOUNT_INVOICE_TERMINAL);
  g_assert_cmpint (kassa_bank_profile_get_paid_test (profile), ==, KASSA_PAID_TEST_RESP_DESC);
  g_assert_true (kassa_bank_profile_get_trailing_query (profile));
  g_assert_cmpint (kassa_bank_profile_get_amount_format (profile), ==,
                   KASSA_AMOUNT_FORMAT_TWO_DECIMALS);

  /* Empty text and comments only change nothing and are fine. */
  g_assert_true (kassa_bank_profile_set_from_string (profile, "", &error));
  g_assert_true (kassa_bank_profile_set_from_string (profile, "# nothing\n\n", &error));
  g_assert_no_error (error);
  g_assert_cmpint (kassa_bank_profile_get_paid_test (profile), ==, KASSA_PAID_TEST_RESP_DESC);

  /* A later line wins. */
  g_assert_true (kassa_bank_profile_set_from_string (profile,
                                                     "qr-endpoint=deeplink\nqr-endpoint=qr\n",
                                                     &error));
  g_assert_no_error (error);
  g_assert_cmpint (kassa_bank_profile_get_qr_endpoint (profile), ==, KASSA_QR_ENDPOINT_QR);
}

static void
test_from_string_atomic (void)
{
  const struct
  {
    const char *text;
    int         code;
    const char *in_message;
  } bad[] = {
    { "qr-endpoint=deeplink\nunknown-key=1\n", G_KEY_FILE_ERROR_KEY_NOT_FOUND, "Line 2" },
    { "qr-endpoint=deeplink\npaid-test=resp_code\n", G_KEY_FILE_ERROR_INVALID_VALUE, "Line 2" },
    { "qr-endpoint=deeplink\n\njust words\n", G_KEY_FILE_ERROR_PARSE, "Line 3" },
    { "qr-endpoint=deeplink\n=plain\n", G_KEY_FILE_ERROR_KEY_NOT_FOUND, "Line 2" },
    { "qr-endpoint=deeplink\namount-format=\n", G_KEY_FILE_ERROR_INVALID_VALUE, "Line 2" },
    { "qr-endpoint=deeplink\namount-format=two-decimals\namount-as-number=true\n",
      G_KEY_FILE_ERROR_INVALID_VALUE, "amount-as-number" },
    { "qr-endpoint=deeplink\n\xff\xfe=1\n", G_KEY_FILE_ERROR_PARSE, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *description = NULL;

      g_test_message ("profile text %" G_GSIZE_FORMAT, i);
      g_assert_false (kassa_bank_profile_set_from_string (profile, bad[i].text, &error));
      g_assert_error (error, G_KEY_FILE_ERROR, bad[i].code);
      if (bad[i].in_message != NULL)
        g_assert_nonnull (strstr (error->message, bad[i].in_message));

      /* The valid first line was not applied either. */
      description = kassa_bank_profile_describe (profile);
      g_assert_cmpstr (description, ==, DEFAULT_DESCRIPTION);
    }
}

static void
test_format_amount (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autofree char *plain = NULL;
  g_autofree char *million = NULL;
  g_autofree char *max = NULL;
  g_autofree char *zero = NULL;
  g_autofree char *decimals = NULL;
  g_autofree char *decimal_million = NULL;
  g_autofree char *as_number = NULL;

  plain = kassa_bank_profile_format_amount (profile, 1000);
  million = kassa_bank_profile_format_amount (profile, 1000000);
  max = kassa_bank_profile_format_amount (profile, 1000000000000);
  zero = kassa_bank_profile_format_amount (profile, 0);
  g_assert_cmpstr (plain, ==, "1000");
  g_assert_cmpstr (million, ==, "1000000"); /* never "1e+06" */
  g_assert_cmpstr (max, ==, "1000000000000");
  g_assert_cmpstr (zero, ==, "0");

  g_object_set (profile, "amount-format", KASSA_AMOUNT_FORMAT_TWO_DECIMALS, NULL);
  decimals = kassa_bank_profile_format_amount (profile, 1000);
  decimal_million = kassa_bank_profile_format_amount (profile, 1000000);
  g_assert_cmpstr (decimals, ==, "1000.00");
  g_assert_cmpstr (decimal_million, ==, "1000000.00");

  /* Set through the property, the JSON number's digits win. */
  g_object_set (profile, "amount-as-number", TRUE, NULL);
  as_number = kassa_bank_profile_format_amount (profile, 1000);
  g_assert_cmpstr (as_number, ==, "1000");
}

static void
test_parse_amount (void)
{
  g_autoptr(KassaBankProfile) plain = kassa_bank_profile_new ();
  g_autoptr(KassaBankProfile) decimals = kassa_bank_profile_new ();
  const char *good_plain[] = { "1000", "1", "0", "999999999999999999" };
  const gint64 good_plain_values[] = { 1000, 1, 0, G_GINT64_CONSTANT (999999999999999999) };
  const char *bad_always[] = {
    "", " 1000", "1000 ", "+1000", "-1000", "01000", "1e3", "1,000", "1 000", "0x10",
    "1000.5", "1000.01", "1000.", ".00", "1000.000", "1000.00.00", "١٠٠٠",
    "9999999999999999999", "99999999999999999999999",
  };
  g_autoptr(GError) error = NULL;
  gint64 value;

  g_object_set (decimals, "amount-format", KASSA_AMOUNT_FORMAT_TWO_DECIMALS, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (good_plain); i++)
    {
      value = -1;
      g_assert_true (kassa_bank_profile_parse_amount (plain, good_plain[i], &value, &error));
      g_assert_no_error (error);
      g_assert_cmpint (value, ==, good_plain_values[i]);

      value = -1;
      g_assert_true (kassa_bank_profile_parse_amount (decimals, good_plain[i], &value, &error));
      g_assert_no_error (error);
      g_assert_cmpint (value, ==, good_plain_values[i]);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad_always); i++)
    {
      g_test_message ("amount “%s”", bad_always[i]);
      g_assert_false (kassa_bank_profile_parse_amount (plain, bad_always[i], &value, &error));
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT);
      g_clear_error (&error);
      g_assert_false (kassa_bank_profile_parse_amount (decimals, bad_always[i], &value, &error));
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT);
      g_clear_error (&error);
    }

  /* "1000.00" only under two-decimals. */
  g_assert_false (kassa_bank_profile_parse_amount (plain, "1000.00", &value, &error));
  g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT);
  g_clear_error (&error);
  g_assert_true (kassa_bank_profile_parse_amount (decimals, "1000.00", &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (value, ==, 1000);
  g_assert_true (kassa_bank_profile_parse_amount (decimals, "1000.0", &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (value, ==, 1000);

  g_assert_false (kassa_bank_profile_parse_amount (plain, NULL, &value, &error));
  g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT);
}

static void
test_refund_checksum_parts (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autofree const char **parts = NULL;
  g_autofree const char **reversed = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *reversed_hex = NULL;

  parts = kassa_bank_profile_refund_checksum_parts (profile, KASSA_TEST_TERMINAL, "INV0001",
                                                     "1000");
  g_assert_cmpuint (g_strv_length ((char **) parts), ==, 3);
  g_assert_cmpstr (parts[0], ==, KASSA_TEST_TERMINAL);
  g_assert_cmpstr (parts[2], ==, "1000");
  hex = kassa_checksum_concatv (KASSA_TEST_SECRET, parts);
  /* Fact sheet §2.3 */
  g_assert_cmpstr (hex, ==, "e4d49e758d276b0da1247f36230e7765872e0e4094623018ff8f42407db9fe87");

  g_object_set (profile, "refund-checksum-order",
                KASSA_REFUND_CHECKSUM_AMOUNT_INVOICE_TERMINAL, NULL);
  reversed = kassa_bank_profile_refund_checksum_parts (profile, KASSA_TEST_TERMINAL, "INV0001",
                                                        "1000");
  g_assert_cmpuint (g_strv_length ((char **) reversed), ==, 3);
  g_assert_cmpstr (reversed[0], ==, "1000");
  g_assert_cmpstr (reversed[1], ==, "INV0001");
  g_assert_cmpstr (reversed[2], ==, KASSA_TEST_TERMINAL);
  reversed_hex = kassa_checksum_concatv (KASSA_TEST_SECRET, reversed);
  g_assert_cmpstr (reversed_hex, ==,
                   "28aa5df5375cd5a8d6fe9593d319699f6593e6da6d2048639c7b6f95bc1b8c04");
}

static void
test_qr_path (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();

  g_assert_cmpstr (kassa_bank_profile_get_qr_path (profile), ==, "/pos/invoice/qr");
  g_object_set (profile, "qr-endpoint", KASSA_QR_ENDPOINT_DEEPLINK, NULL);
  g_assert_cmpstr (kassa_bank_profile_get_qr_path (profile), ==, "/pos/invoice/qr/deeplink");
}

static void
test_is_paid (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();

  g_assert_true (kassa_bank_profile_is_paid (profile, "00", NULL));
  g_assert_true (kassa_bank_profile_is_paid (profile, "00", "anything"));
  g_assert_false (kassa_bank_profile_is_paid (profile, "0", "Амжилттай"));
  g_assert_false (kassa_bank_profile_is_paid (profile, "05", "Амжилттай"));
  g_assert_false (kassa_bank_profile_is_paid (profile, " 00", NULL));
  g_assert_false (kassa_bank_profile_is_paid (profile, NULL, "Амжилттай"));

  g_object_set (profile, "paid-test", KASSA_PAID_TEST_RESP_DESC, NULL);
  g_assert_true (kassa_bank_profile_is_paid (profile, NULL, "Амжилттай"));
  g_assert_true (kassa_bank_profile_is_paid (profile, "05", "Амжилттай"));
  g_assert_false (kassa_bank_profile_is_paid (profile, "00", NULL));
  g_assert_false (kassa_bank_profile_is_paid (profile, "00", "Successful"));
  g_assert_false (kassa_bank_profile_is_paid (profile, "00", "Амжилтгүй"));
}

static void
test_is_cancelled (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();

  /* The strict readings; the default, either, is /bank-profile/read-cancel. */
  g_object_set (profile, "cancel-success-test", KASSA_CANCEL_SUCCESS_STATUS, NULL);
  g_assert_true (kassa_bank_profile_is_cancelled (profile, "SUCCESS", NULL));
  g_assert_true (kassa_bank_profile_is_cancelled (profile, "success", NULL));
  g_assert_false (kassa_bank_profile_is_cancelled (profile, "FAILED", "00"));
  g_assert_false (kassa_bank_profile_is_cancelled (profile, NULL, "00"));

  g_object_set (profile, "cancel-success-test", KASSA_CANCEL_SUCCESS_RESP_CODE, NULL);
  g_assert_true (kassa_bank_profile_is_cancelled (profile, NULL, "00"));
  g_assert_true (kassa_bank_profile_is_cancelled (profile, "FAILED", "00"));
  g_assert_false (kassa_bank_profile_is_cancelled (profile, "SUCCESS", NULL));
  g_assert_false (kassa_bank_profile_is_cancelled (profile, "SUCCESS", "05"));
}

/* Every reading against every combination of the two fields, with the word
 * that refused (docs/bank-protocol.md, cancel-success-test). */
static void
test_read_cancel (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  const struct
  {
    const char *status;
    const char *resp_code;
    /* per reading: either, status, resp-code; the refusal word, or NULL = cancelled */
    const char *refusal[3];
    gboolean    cancelled[3];
  } cases[] = {
    { "SUCCESS", NULL, { NULL, NULL, "SUCCESS" }, { TRUE, TRUE, FALSE } },
    { "success", NULL, { NULL, NULL, "success" }, { TRUE, TRUE, FALSE } },
    { NULL, "00", { NULL, "00", NULL }, { TRUE, FALSE, TRUE } },
    { "SUCCESS", "00", { NULL, NULL, NULL }, { TRUE, TRUE, TRUE } },
    /* Contradictions: under either, the field that says no wins. */
    { "SUCCESS", "05", { "05", NULL, "05" }, { FALSE, TRUE, FALSE } },
    { "FAILED", "00", { "FAILED", "FAILED", NULL }, { FALSE, FALSE, TRUE } },
    { "FAILED", "05", { "FAILED", "FAILED", "05" }, { FALSE, FALSE, FALSE } },
    { "FAILED", NULL, { "FAILED", "FAILED", "FAILED" }, { FALSE, FALSE, FALSE } },
    { NULL, "05", { "05", "05", "05" }, { FALSE, FALSE, FALSE } },
    /* Present but empty is present and not a success word. */
    { "", "00", { "", "", NULL }, { FALSE, FALSE, TRUE } },
    { "SUCCESS", "", { "", NULL, "" }, { FALSE, TRUE, FALSE } },
    { "SUCCESS ", NULL, { "SUCCESS ", "SUCCESS ", "SUCCESS " }, { FALSE, FALSE, FALSE } },
    { NULL, "0", { "0", "0", "0" }, { FALSE, FALSE, FALSE } },
    /* Neither: no word to quote (the reply parser calls it malformed). */
    { NULL, NULL, { NULL, NULL, NULL }, { FALSE, FALSE, FALSE } },
  };
  const KassaCancelSuccessTest readings[] = {
    KASSA_CANCEL_SUCCESS_EITHER, KASSA_CANCEL_SUCCESS_STATUS, KASSA_CANCEL_SUCCESS_RESP_CODE,
  };

  g_assert_cmpint (kassa_bank_profile_get_cancel_success_test (profile), ==,
                   KASSA_CANCEL_SUCCESS_EITHER);

  for (gsize r = 0; r < G_N_ELEMENTS (readings); r++)
    {
      g_object_set (profile, "cancel-success-test", readings[r], NULL);

      for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
        {
          const char *refusal = "unset";
          gboolean cancelled;

          cancelled = kassa_bank_profile_read_cancel (profile, cases[i].status,
                                                      cases[i].resp_code, &refusal);
          if (cancelled != cases[i].cancelled[r])
            g_error ("reading %" G_GSIZE_FORMAT ", status %s, resp_code %s: expected %s",
                     r, cases[i].status, cases[i].resp_code,
                     cases[i].cancelled[r] ? "cancelled" : "refused");
          g_assert_cmpstr (refusal, ==, cases[i].refusal[r]);
          g_assert_true (kassa_bank_profile_is_cancelled (profile, cases[i].status,
                                                          cases[i].resp_code) == cancelled);
          g_assert_true (kassa_bank_profile_read_cancel (profile, cases[i].status,
                                                         cases[i].resp_code, NULL) == cancelled);
        }
    }

  /* The reading's text form. */
  g_assert_true (kassa_bank_profile_set_reading (profile, "cancel-success-test", "either", NULL));
  g_assert_cmpint (kassa_bank_profile_get_cancel_success_test (profile), ==,
                   KASSA_CANCEL_SUCCESS_EITHER);
  g_assert_false (kassa_bank_profile_set_reading (profile, "cancel-success-test", "both", NULL));
  g_assert_false (kassa_bank_profile_set_reading (profile, "cancel-success-test", "Either", NULL));
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/bank-profile/defaults", test_defaults);
  g_test_add_func ("/bank-profile/properties", test_properties);
  g_test_add_func ("/bank-profile/notify", test_notify);
  g_test_add_func ("/bank-profile/set-reading", test_set_reading);
  g_test_add_func ("/bank-profile/set-reading-errors", test_set_reading_errors);
  g_test_add_func ("/bank-profile/from-string", test_from_string);
  g_test_add_func ("/bank-profile/from-string-atomic", test_from_string_atomic);
  g_test_add_func ("/bank-profile/format-amount", test_format_amount);
  g_test_add_func ("/bank-profile/parse-amount", test_parse_amount);
  g_test_add_func ("/bank-profile/refund-checksum-parts", test_refund_checksum_parts);
  g_test_add_func ("/bank-profile/qr-path", test_qr_path);
  g_test_add_func ("/bank-profile/is-paid", test_is_paid);
  g_test_add_func ("/bank-profile/is-cancelled", test_is_cancelled);
  g_test_add_func ("/bank-profile/read-cancel", test_read_cancel);

  return g_test_run ();
}
