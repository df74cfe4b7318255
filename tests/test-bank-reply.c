/* test-bank-reply.c — the bank's replies, parsed from canned bodies (no network)
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "kassa-bank-profile.h"
#include "kassa-bank-reply.h"
#include "kassa-error.h"
#include "kassa-test-util.h"

/* The `desc` of the fact sheet's official "QR авах" sample (§13). */
#define QR_SAMPLE_DESC \
  "00020101021215312662049626620496002303100000147520460105303496540411005802MN" \
  "5908kub-test6011ULAANBAATAR62440121000008191937071002124031500000000003430080020163045aea"

#define OK_HEADER "\"header\":{\"code\":200,\"status\":\"success\"}"

/* Helpers */

/* The body as the network delivers it: exactly @length bytes in their own
 * allocation, no NUL after them, so a parser reading past the end is caught
 * by ASan/valgrind. */
static GBytes *
make_body (const char *data,
           gssize      length)
{
  gsize n = length < 0 ? strlen (data) : (gsize) length;

  return g_bytes_new_take (g_memdup2 (data, n), n);
}

static char *
load_data (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);

  /* Without the final newline, no proper prefix is valid JSON. */
  return g_strchomp (contents);
}

static KassaBankInvoiceReply *
parse_invoice (KassaBankProfile  *profile,
               KassaBankEndpoint  endpoint,
               guint              http_status,
               const char        *text,
               GError           **error)
{
  g_autoptr(GBytes) body = make_body (text, -1);

  return kassa_bank_reply_parse_invoice (profile, endpoint, http_status, body, error);
}

static KassaBankTransaction *
parse_transaction (KassaBankProfile  *profile,
                   KassaBankEndpoint  endpoint,
                   guint              http_status,
                   const char        *text,
                   GError           **error)
{
  g_autoptr(GBytes) body = make_body (text, -1);

  return kassa_bank_reply_parse_transaction (profile, endpoint, http_status, body, error);
}

static KassaBankSettlementReply *
parse_settlement (KassaBankProfile  *profile,
                  guint              http_status,
                  const char        *text,
                  GError           **error)
{
  g_autoptr(GBytes) body = make_body (text, -1);

  return kassa_bank_reply_parse_settlement (profile, http_status, body, error);
}

/* Asserts that @text fails as a check reply with @code. */
static void
assert_check_fails (KassaBankProfile *profile,
                    guint             http_status,
                    const char       *text,
                    int               code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankTransaction) transaction = NULL;

  g_test_message ("HTTP %u: %s", http_status, text);
  transaction = parse_transaction (profile, KASSA_BANK_ENDPOINT_CHECK, http_status, text, &error);
  g_assert_null (transaction);
  g_assert_error (error, KASSA_BANK_ERROR, code);
  g_assert_cmpuint (kassa_bank_error_get_http_status (error), ==, http_status);
  /* Every message is for a person: not empty, valid UTF-8. */
  g_assert_cmpstr (error->message, !=, "");
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

/* Endpoints and boxed types */

static void
test_endpoints (void)
{
  const struct
  {
    KassaBankEndpoint endpoint;
    const char *name;
    const char *path;
  } expected[] = {
    { KASSA_BANK_ENDPOINT_QR, "qr", "/pos/invoice/qr" },
    { KASSA_BANK_ENDPOINT_DEEPLINK, "deeplink", "/pos/invoice/qr/deeplink" },
    { KASSA_BANK_ENDPOINT_PHONE, "phone", "/pos/invoice/phone" },
    { KASSA_BANK_ENDPOINT_CHECK, "check", "/pos/invoice/check" },
    { KASSA_BANK_ENDPOINT_CANCEL, "cancel", "/pos/invoice/cancel" },
    { KASSA_BANK_ENDPOINT_REFUND, "refund", "/pos/payment/cancel" },
    { KASSA_BANK_ENDPOINT_SETTLEMENT, "settlement", "/pos/settlement" },
  };
  KassaBankEndpoint endpoint;

  g_assert_cmpuint (G_N_ELEMENTS (expected), ==, KASSA_BANK_N_ENDPOINTS);

  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_assert_cmpstr (kassa_bank_endpoint_get_name (expected[i].endpoint), ==, expected[i].name);
      g_assert_cmpstr (kassa_bank_endpoint_get_path (expected[i].endpoint), ==, expected[i].path);
      g_assert_true (kassa_bank_endpoint_from_name (expected[i].name, &endpoint));
      g_assert_cmpint (endpoint, ==, expected[i].endpoint);
    }

  g_assert_false (kassa_bank_endpoint_from_name ("QR", &endpoint));
  g_assert_false (kassa_bank_endpoint_from_name ("/pos/invoice/qr", &endpoint));
  g_assert_false (kassa_bank_endpoint_from_name ("", &endpoint));
  g_assert_false (kassa_bank_endpoint_from_name (NULL, &endpoint));
}

static void
test_boxed (void)
{
  KassaBankInvoiceReply invoice = { (char *) "desc", (char *) "SUCCESS", NULL };
  KassaBankTransaction transaction = {
    TRUE, (char *) "00", (char *) "Амжилттай", (char *) "123456", 1000,
    (char *) "949625******0003", (char *) "12345678", (char *) "INV0001", NULL, NULL, NULL,
  };
  KassaBankSettlementReply settlement = { 25000, 3, (char *) "SUCCESS" };
  g_autoptr(KassaBankInvoiceReply) invoice_copy = NULL;
  g_autoptr(KassaBankTransaction) transaction_copy = NULL;
  g_autoptr(KassaBankSettlementReply) settlement_copy = NULL;

  g_assert_true (G_TYPE_IS_BOXED (KASSA_TYPE_BANK_INVOICE_REPLY));
  g_assert_true (G_TYPE_IS_BOXED (KASSA_TYPE_BANK_TRANSACTION));
  g_assert_true (G_TYPE_IS_BOXED (KASSA_TYPE_BANK_SETTLEMENT_REPLY));

  invoice_copy = g_boxed_copy (KASSA_TYPE_BANK_INVOICE_REPLY, &invoice);
  g_assert_true (invoice_copy->desc != invoice.desc);
  g_assert_cmpstr (invoice_copy->desc, ==, "desc");
  g_assert_cmpstr (invoice_copy->status, ==, "SUCCESS");
  g_assert_null (invoice_copy->resp_code);

  transaction_copy = g_boxed_copy (KASSA_TYPE_BANK_TRANSACTION, &transaction);
  g_assert_true (transaction_copy->paid);
  g_assert_cmpint (transaction_copy->amount, ==, 1000);
  g_assert_cmpstr (transaction_copy->resp_desc, ==, "Амжилттай");
  g_assert_cmpstr (transaction_copy->card_number, ==, "949625******0003");
  g_assert_cmpstr (transaction_copy->invoice, ==, "INV0001");
  g_assert_null (transaction_copy->checksum);

  settlement_copy = g_boxed_copy (KASSA_TYPE_BANK_SETTLEMENT_REPLY, &settlement);
  g_assert_cmpint (settlement_copy->amount, ==, 25000);
  g_assert_cmpint (settlement_copy->count, ==, 3);
  g_assert_cmpstr (settlement_copy->status, ==, "SUCCESS");

  /* NULL is freed quietly, as g_free does. */
  kassa_bank_invoice_reply_free (NULL);
  kassa_bank_transaction_free (NULL);
  kassa_bank_settlement_reply_free (NULL);
}

/* Create replies */

static void
test_qr_official_sample (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autofree char *text = load_data ("reply-qr-sample.json");
  g_autoptr(GError) error = NULL;

  for (KassaBankEndpoint endpoint = KASSA_BANK_ENDPOINT_QR;
       endpoint <= KASSA_BANK_ENDPOINT_PHONE; endpoint++)
    {
      g_autoptr(KassaBankInvoiceReply) reply = NULL;

      reply = parse_invoice (profile, endpoint, 200, text, &error);
      g_assert_no_error (error);
      g_assert_nonnull (reply);
      g_assert_cmpstr (reply->desc, ==, QR_SAMPLE_DESC);
      g_assert_cmpstr (reply->status, ==, "SUCCESS");
      g_assert_null (reply->resp_code);
    }
}

static void
test_create_replies (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankInvoiceReply) deeplink = NULL;
  g_autoptr(KassaBankInvoiceReply) phone = NULL;
  g_autoptr(KassaBankInvoiceReply) lower = NULL;

  deeplink = parse_invoice (profile, KASSA_BANK_ENDPOINT_DEEPLINK, 200,
                            "{" OK_HEADER ",\"body\":{\"response\":{"
                            "\"desc\":\"socialpay-payment://key=AbCdEf0123\","
                            "\"status\":\"SUCCESS\"},\"error\":null}}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (deeplink->desc, ==, "socialpay-payment://key=AbCdEf0123");

  phone = parse_invoice (profile, KASSA_BANK_ENDPOINT_PHONE, 200,
                         "{" OK_HEADER ",\"body\":{\"response\":{"
                         "\"desc\":\"success\",\"status\":\"SUCCESS\"}}}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (phone->desc, ==, "success");

  /* Status compared without regard to case. */
  lower = parse_invoice (profile, KASSA_BANK_ENDPOINT_QR, 200,
                         "{" OK_HEADER ",\"body\":{\"response\":{"
                         "\"desc\":\"0002010102\",\"status\":\"success\"}}}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (lower->status, ==, "success");
}

static void
test_create_failures (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  const struct
  {
    const char *response;
    int         code;
  } cases[] = {
    /* The bank said no. */
    { "{\"desc\":\"Нэхэмжлэх давхардсан\",\"status\":\"FAILED\"}", KASSA_BANK_ERROR_REJECTED },
    { "{\"status\":\"FAILED\"}", KASSA_BANK_ERROR_REJECTED },
    /* Not what a create reply is. */
    { "{\"desc\":\"0002010102\"}", KASSA_BANK_ERROR_MALFORMED_REPLY },
    { "{\"desc\":\"\",\"status\":\"SUCCESS\"}", KASSA_BANK_ERROR_MALFORMED_REPLY },
    { "{\"status\":\"SUCCESS\"}", KASSA_BANK_ERROR_MALFORMED_REPLY },
    { "{\"desc\":null,\"status\":\"SUCCESS\"}", KASSA_BANK_ERROR_MALFORMED_REPLY },
    { "{\"desc\":12345,\"status\":\"SUCCESS\"}", KASSA_BANK_ERROR_MALFORMED_REPLY },
    { "{\"desc\":\"0002\",\"status\":true}", KASSA_BANK_ERROR_MALFORMED_REPLY },
    { "{\"desc\":[\"0002\"],\"status\":\"SUCCESS\"}", KASSA_BANK_ERROR_MALFORMED_REPLY },
    { "{}", KASSA_BANK_ERROR_MALFORMED_REPLY },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strconcat ("{" OK_HEADER ",\"body\":{\"response\":",
                                           cases[i].response, "}}", NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(KassaBankInvoiceReply) reply = NULL;

      g_test_message ("%s", text);
      reply = parse_invoice (profile, KASSA_BANK_ENDPOINT_QR, 200, text, &error);
      g_assert_null (reply);
      g_assert_error (error, KASSA_BANK_ERROR, cases[i].code);
    }

  /* The bank's words reach the cashier. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(KassaBankInvoiceReply) reply = NULL;

    reply = parse_invoice (profile, KASSA_BANK_ENDPOINT_PHONE, 200,
                           "{" OK_HEADER ",\"body\":{\"response\":{"
                           "\"desc\":\"Хэрэглэгч олдсонгүй\",\"status\":\"FAILED\"}}}", &error);
    g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED);
    g_assert_nonnull (strstr (error->message, "Хэрэглэгч олдсонгүй"));
    g_assert_cmpstr (kassa_bank_error_get_error_desc (error), ==, "Хэрэглэгч олдсонгүй");
    g_assert_cmpint (kassa_bank_error_get_header_code (error), ==, 200);
  }
}

/* Check */

static void
test_check_paid (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autofree char *text = load_data ("reply-check-paid.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankTransaction) transaction = NULL;
  g_autoptr(KassaBankTransaction) by_desc = NULL;

  transaction = parse_transaction (profile, KASSA_BANK_ENDPOINT_CHECK, 200, text, &error);
  g_assert_no_error (error);
  g_assert_true (transaction->paid);
  g_assert_cmpstr (transaction->resp_code, ==, "00");
  g_assert_cmpstr (transaction->resp_desc, ==, "Амжилттай");
  g_assert_cmpstr (transaction->approval_code, ==, "123456");
  g_assert_cmpint (transaction->amount, ==, 1000);
  g_assert_cmpstr (transaction->card_number, ==, "949625******0003");
  g_assert_cmpstr (transaction->terminal, ==, "12345678");
  g_assert_cmpstr (transaction->invoice, ==, "INV0001");
  g_assert_cmpstr (transaction->checksum, ==,
                   "e4d49e758d276b0da1247f36230e7765872e0e4094623018ff8f42407db9fe87");
  g_assert_null (transaction->status);
  g_assert_null (transaction->desc);

  /* The same reply under the resp-desc paid test is still paid. */
  g_object_set (profile, "paid-test", KASSA_PAID_TEST_RESP_DESC, NULL);
  by_desc = parse_transaction (profile, KASSA_BANK_ENDPOINT_CHECK, 200, text, &error);
  g_assert_no_error (error);
  g_assert_true (by_desc->paid);
}

static void
test_check_paid_test_reading (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  /* resp_code says paid, resp_desc says nothing of the sort. */
  const char *code_only = "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"00\","
                          "\"resp_desc\":\"Approved\",\"amount\":\"1000\"}}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankTransaction) by_code = NULL;
  g_autoptr(KassaBankTransaction) by_desc = NULL;

  by_code = parse_transaction (profile, KASSA_BANK_ENDPOINT_CHECK, 200, code_only, &error);
  g_assert_no_error (error);
  g_assert_true (by_code->paid);

  g_object_set (profile, "paid-test", KASSA_PAID_TEST_RESP_DESC, NULL);
  by_desc = parse_transaction (profile, KASSA_BANK_ENDPOINT_CHECK, 200, code_only, &error);
  g_assert_no_error (error);
  g_assert_false (by_desc->paid);
}

static void
test_check_unpaid_error_envelope (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autofree char *text = load_data ("reply-check-unpaid.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankTransaction) transaction = NULL;

  /* The default reading: header.code 400 with body.error; whatever the HTTP status. */
  for (guint http_status = 200; http_status <= 400; http_status += 200)
    {
      transaction = parse_transaction (profile, KASSA_BANK_ENDPOINT_CHECK, http_status, text,
                                       &error);
      g_assert_null (transaction);
      g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED);
      g_assert_cmpstr (kassa_bank_error_get_error_type (error), ==, "INVOICE_NOT_PAID");
      g_assert_cmpstr (kassa_bank_error_get_error_desc (error), ==, "Гүйлгээ төлөгдөөгүй байна");
      g_assert_cmpint (kassa_bank_error_get_header_code (error), ==, 400);
      g_assert_cmpuint (kassa_bank_error_get_http_status (error), ==, http_status);
      g_assert_nonnull (strstr (error->message, "Гүйлгээ төлөгдөөгүй байна"));
      g_clear_error (&error);
    }
}

static void
test_check_unpaid_resp_code (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  const char *unpaid = "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"01\","
                       "\"resp_desc\":\"Төлөгдөөгүй\",\"amount\":\"1000\","
                       "\"terminal\":\"12345678\",\"invoice\":\"INV0001\"}}}";
  g_autoptr(GError) error = NULL;

  g_object_set (profile, "unpaid-check-style", KASSA_UNPAID_CHECK_RESP_CODE, NULL);

  /* Not paid is an answer, not an error. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(KassaBankTransaction) transaction = NULL;

      transaction = parse_transaction (profile, KASSA_BANK_ENDPOINT_CHECK, 200, unpaid, &error);
      g_assert_no_error (error);
      g_assert_false (transaction->paid);
      g_assert_cmpstr (transaction->resp_code, ==, "01");
      g_assert_cmpstr (transaction->resp_desc, ==, "Төлөгдөөгүй");

      /* And the same whatever the profile's paid test. */
      g_object_set (profile, "paid-test", KASSA_PAID_TEST_RESP_DESC, NULL);
    }
}

static void
test_check_declined (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankTransaction) transaction = NULL;
  g_autofree char *json = NULL;

  transaction = parse_transaction (profile, KASSA_BANK_ENDPOINT_CHECK, 200,
                                   "{" OK_HEADER ",\"body\":{\"response\":{"
                                   "\"resp_code\":\"05\",\"resp_desc\":\"Татгалзсан\","
                                   "\"amount\":1000,\"terminal\":\"12345678\","
                                   "\"invoice\":\"INV0001\"},\"error\":null}}", &error);
  g_assert_no_error (error);
  g_assert_false (transaction->paid);
  g_assert_cmpstr (transaction->resp_code, ==, "05");
  g_assert_cmpint (transaction->amount, ==, 1000);

  json = kassa_bank_transaction_to_json (transaction);
  g_assert_nonnull (strstr (json, "\"paid\":false"));
}

static void
test_check_amount_types (void)
{
  g_autoptr(KassaBankProfile) plain = kassa_bank_profile_new ();
  g_autoptr(KassaBankProfile) decimals = kassa_bank_profile_new ();
  const struct
  {
    const char *amount;
    gint64      plain;     /* -1: an error */
    gint64      decimals;
  } cases[] = {
    { "\"1000\"", 1000, 1000 },
    { "1000", 1000, 1000 },
    { "\"1000.00\"", -1, 1000 },
    { "\"1000.0\"", -1, 1000 },
    { "\"1000.50\"", -1, -1 },
    { "1000.0", -1, -1 },       /* a JSON double: never money */
    { "1000.5", -1, -1 },
    { "1e3", -1, -1 },
    { "-1000", -1, -1 },
    { "\"-1000\"", -1, -1 },
    { "\" 1000\"", -1, -1 },
    { "\"\"", -1, -1 },
    { "true", -1, -1 },
    { "{}", -1, -1 },
    { "[1000]", -1, -1 },
    { "null", 0, 0 },           /* absent */
    { "\"1000000000000\"", 1000000000000, 1000000000000 },
    { "\"99999999999999999999\"", -1, -1 },
  };

  g_object_set (decimals, "amount-format", KASSA_AMOUNT_FORMAT_TWO_DECIMALS, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strconcat ("{" OK_HEADER ",\"body\":{\"response\":"
                                           "{\"resp_code\":\"00\",\"amount\":",
                                           cases[i].amount, "}}}", NULL);
      KassaBankProfile *profiles[] = { plain, decimals };
      gint64 expected[] = { cases[i].plain, cases[i].decimals };

      for (guint p = 0; p < G_N_ELEMENTS (profiles); p++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(KassaBankTransaction) transaction = NULL;

          g_test_message ("amount %s, profile %u", cases[i].amount, p);
          transaction = parse_transaction (profiles[p], KASSA_BANK_ENDPOINT_CHECK, 200, text,
                                           &error);
          if (expected[p] < 0)
            {
              g_assert_null (transaction);
              g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_MALFORMED_REPLY);
            }
          else
            {
              g_assert_no_error (error);
              g_assert_cmpint (transaction->amount, ==, expected[p]);
            }
        }
    }
}

/* Cancel and refund */

static void
test_cancel (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  const char *by_status = "{" OK_HEADER ",\"body\":{\"response\":{\"desc\":\"Цуцлагдлаа\","
                          "\"status\":\"SUCCESS\"}}}";
  const char *by_code = "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"00\","
                        "\"resp_desc\":\"Амжилттай\"}}}";
  const char *failed = "{" OK_HEADER ",\"body\":{\"response\":{\"desc\":\"Аль хэдийн төлөгдсөн\","
                       "\"status\":\"FAILED\",\"resp_code\":\"05\"}}}";
  const char *neither = "{" OK_HEADER ",\"body\":{\"response\":{\"desc\":\"?\"}}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankInvoiceReply) reply = NULL;

  /* The two strict readings; the default, either, is /bank-reply/cancel-readings. */
  g_object_set (profile, "cancel-success-test", KASSA_CANCEL_SUCCESS_STATUS, NULL);

  reply = parse_invoice (profile, KASSA_BANK_ENDPOINT_CANCEL, 200, by_status, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply->status, ==, "SUCCESS");
  g_clear_pointer (&reply, kassa_bank_invoice_reply_free);

  /* Under the strict status reading a resp_code alone proves nothing. */
  reply = parse_invoice (profile, KASSA_BANK_ENDPOINT_CANCEL, 200, by_code, &error);
  g_assert_null (reply);
  g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED);
  g_clear_error (&error);

  reply = parse_invoice (profile, KASSA_BANK_ENDPOINT_CANCEL, 200, failed, &error);
  g_assert_null (reply);
  g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED);
  g_assert_nonnull (strstr (error->message, "Аль хэдийн төлөгдсөн"));
  g_clear_error (&error);

  reply = parse_invoice (profile, KASSA_BANK_ENDPOINT_CANCEL, 200, neither, &error);
  g_assert_null (reply);
  g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_MALFORMED_REPLY);
  g_clear_error (&error);

  g_object_set (profile, "cancel-success-test", KASSA_CANCEL_SUCCESS_RESP_CODE, NULL);

  reply = parse_invoice (profile, KASSA_BANK_ENDPOINT_CANCEL, 200, by_code, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reply->resp_code, ==, "00");
  g_assert_null (reply->desc);
  g_clear_pointer (&reply, kassa_bank_invoice_reply_free);

  reply = parse_invoice (profile, KASSA_BANK_ENDPOINT_CANCEL, 200, by_status, &error);
  g_assert_null (reply);
  g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED);
  g_clear_error (&error);

  reply = parse_invoice (profile, KASSA_BANK_ENDPOINT_CANCEL, 200, failed, &error);
  g_assert_null (reply);
  g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED);
}

static void
test_refund (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autofree char *paid = load_data ("reply-check-paid.json");
  const char *desc_status = "{" OK_HEADER ",\"body\":{\"response\":{\"desc\":\"Буцаалт хийгдлээ\","
                            "\"status\":\"SUCCESS\"}}}";
  const char *status_failed = "{" OK_HEADER ",\"body\":{\"response\":{"
                              "\"desc\":\"Хугацаа хэтэрсэн\","
                              "\"status\":\"FAILED\"}}}";
  const char *declined = "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"12\","
                         "\"resp_desc\":\"Буцаах боломжгүй\",\"amount\":\"1000\"}}}";
  const char *empty = "{" OK_HEADER ",\"body\":{\"response\":{}}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankTransaction) transaction = NULL;

  /* The transaction shape (S1, S2). */
  transaction = parse_transaction (profile, KASSA_BANK_ENDPOINT_REFUND, 200, paid, &error);
  g_assert_no_error (error);
  g_assert_true (transaction->paid);
  g_assert_cmpint (transaction->amount, ==, 1000);
  g_clear_pointer (&transaction, kassa_bank_transaction_free);

  /* The {desc, status} shape (S4). */
  transaction = parse_transaction (profile, KASSA_BANK_ENDPOINT_REFUND, 200, desc_status, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (transaction->status, ==, "SUCCESS");
  g_assert_cmpstr (transaction->desc, ==, "Буцаалт хийгдлээ");
  g_assert_cmpint (transaction->amount, ==, 0);
  g_clear_pointer (&transaction, kassa_bank_transaction_free);

  transaction = parse_transaction (profile, KASSA_BANK_ENDPOINT_REFUND, 200, status_failed,
                                   &error);
  g_assert_null (transaction);
  g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED);
  g_assert_nonnull (strstr (error->message, "Хугацаа хэтэрсэн"));
  g_clear_error (&error);

  transaction = parse_transaction (profile, KASSA_BANK_ENDPOINT_REFUND, 200, declined, &error);
  g_assert_null (transaction);
  g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED);
  g_assert_nonnull (strstr (error->message, "Буцаах боломжгүй"));
  g_clear_error (&error);

  transaction = parse_transaction (profile, KASSA_BANK_ENDPOINT_REFUND, 200, empty, &error);
  g_assert_null (transaction);
  g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_MALFORMED_REPLY);
}

/* Settlement */

static void
test_settlement (void)
{
  g_autoptr(KassaBankProfile) plain = kassa_bank_profile_new ();
  g_autoptr(KassaBankProfile) decimals = kassa_bank_profile_new ();
  g_autofree char *sample = load_data ("reply-settlement.json");
  const struct
  {
    const char *response;
    gint64      amount;   /* -1: an error under plain */
    gint64      count;
    gboolean    decimals_ok;
  } cases[] = {
    { "{\"amount\":\"25000\",\"count\":3,\"status\":\"SUCCESS\"}", 25000, 3, TRUE },
    { "{\"amount\":\"25000\",\"count\":\"3\",\"status\":\"SUCCESS\"}", 25000, 3, TRUE },
    { "{\"amount\":25000,\"count\":3}", 25000, 3, TRUE },
    { "{\"amount\":\"0\",\"count\":0,\"status\":\"SUCCESS\"}", 0, 0, TRUE },
    { "{\"amount\":\"25000.00\",\"count\":3}", -1, 0, TRUE },
    { "{\"amount\":\"25000\",\"count\":3.0}", -1, 0, FALSE },
    { "{\"amount\":\"25000\",\"count\":\"3x\"}", -1, 0, FALSE },
    { "{\"amount\":\"25000\",\"count\":\"+3\"}", -1, 0, FALSE },
    { "{\"amount\":\"25000\",\"count\":\"\"}", -1, 0, FALSE },
    { "{\"amount\":\"25000\",\"count\":-3}", -1, 0, FALSE },
    { "{\"amount\":\"25000\",\"count\":true}", -1, 0, FALSE },
    { "{\"amount\":\"25000\"}", -1, 0, FALSE },
    { "{\"count\":3}", -1, 0, FALSE },
    { "{\"amount\":\"25000\",\"count\":3,\"status\":1}", -1, 0, FALSE },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankSettlementReply) reply = NULL;

  reply = parse_settlement (plain, 200, sample, &error);
  g_assert_no_error (error);
  g_assert_cmpint (reply->amount, ==, 25000);
  g_assert_cmpint (reply->count, ==, 3);
  g_assert_cmpstr (reply->status, ==, "SUCCESS");

  g_object_set (decimals, "amount-format", KASSA_AMOUNT_FORMAT_TWO_DECIMALS, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strconcat ("{" OK_HEADER ",\"body\":{\"response\":",
                                           cases[i].response, "}}", NULL);
      g_autoptr(KassaBankSettlementReply) plain_reply = NULL;
      g_autoptr(KassaBankSettlementReply) decimals_reply = NULL;

      g_test_message ("%s", text);
      plain_reply = parse_settlement (plain, 200, text, &error);
      if (cases[i].amount < 0)
        {
          g_assert_null (plain_reply);
          g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_MALFORMED_REPLY);
          g_clear_error (&error);
        }
      else
        {
          g_assert_no_error (error);
          g_assert_cmpint (plain_reply->amount, ==, cases[i].amount);
          g_assert_cmpint (plain_reply->count, ==, cases[i].count);
        }

      decimals_reply = parse_settlement (decimals, 200, text, &error);
      if (cases[i].decimals_ok)
        {
          g_assert_no_error (error);
          g_assert_nonnull (decimals_reply);
        }
      else
        {
          g_assert_null (decimals_reply);
          g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_MALFORMED_REPLY);
          g_clear_error (&error);
        }
    }

  /* Settlement errors go through the same envelope. */
  g_clear_pointer (&reply, kassa_bank_settlement_reply_free);
  reply = parse_settlement (plain, 200,
                            "{\"header\":{\"code\":400},\"body\":{\"error\":{"
                            "\"errorType\":\"SETTLED\",\"errorDesc\":\"Аль хэдийн хаагдсан\"}}}",
                            &error);
  g_assert_null (reply);
  g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED);
  g_assert_cmpstr (kassa_bank_error_get_error_type (error), ==, "SETTLED");
}

/* Envelope: errors */

static void
test_rejected_without_error_object (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  const char *texts[] = {
    "{\"header\":{\"code\":400,\"status\":\"failed\"}}",
    "{\"header\":{\"code\":400,\"status\":\"failed\"},\"body\":{}}",
    "{\"header\":{\"code\":400,\"status\":\"failed\"},\"body\":null}",
    "{\"header\":{\"code\":400,\"status\":\"failed\"},\"body\":{\"error\":null}}",
    "{\"header\":{\"code\":400,\"status\":\"failed\"},\"body\":{\"error\":{}}}",
    /* Wrongly typed details are dropped; the refusal stands. */
    "{\"header\":{\"code\":400},\"body\":{\"error\":{\"errorType\":7,\"errorDesc\":[1]}}}",
    "{\"header\":{\"code\":400},\"body\":{\"error\":\"checksum\"}}",
    "{\"header\":{\"code\":400},\"body\":{\"error\":{\"errorDesc\":\"  \\n \"}}}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KassaBankTransaction) transaction = NULL;

      g_test_message ("%s", texts[i]);
      transaction = parse_transaction (profile, KASSA_BANK_ENDPOINT_CHECK, 200, texts[i],
                                       &error);
      g_assert_null (transaction);
      g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED);
      g_assert_cmpint (kassa_bank_error_get_header_code (error), ==, 400);
      g_assert_null (kassa_bank_error_get_error_type (error));
      g_assert_cmpstr (error->message, !=, "");
    }
}

static void
test_rejected_with_error_object (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankInvoiceReply) reply = NULL;

  /* A control character in the bank's text does not reach the screen; the raw text is kept. */
  reply = parse_invoice (profile, KASSA_BANK_ENDPOINT_QR, 400,
                         "{\"header\":{\"code\":400,\"status\":\"failed\"},\"body\":{\"error\":{"
                         "\"errorType\":\"VALIDATION\","
                         "\"errorDesc\":\"Checksum\\u0007 буруу байна\"}}}",
                         &error);
  g_assert_null (reply);
  g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED);
  g_assert_cmpstr (kassa_bank_error_get_error_type (error), ==, "VALIDATION");
  g_assert_cmpstr (kassa_bank_error_get_error_desc (error), ==, "Checksum\a буруу байна");
  g_assert_nonnull (strstr (error->message, "Checksum  буруу байна"));
  g_assert_null (strchr (error->message, '\a'));
  g_assert_cmpuint (kassa_bank_error_get_http_status (error), ==, 400);
}

static void
test_bank_system (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  const char *envelope = "{\"header\":{\"code\":500,\"status\":\"failed\"},\"body\":{\"error\":{"
                         "\"errorType\":\"SYSTEM\",\"errorDesc\":\"Системийн алдаа\"}}}";

  /* The 500 envelope, with HTTP 200 or HTTP 500. */
  for (guint http_status = 200; http_status <= 500; http_status += 300)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KassaBankTransaction) transaction = NULL;

      transaction = parse_transaction (profile, KASSA_BANK_ENDPOINT_CHECK, http_status, envelope,
                                       &error);
      g_assert_null (transaction);
      g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_BANK_SYSTEM);
      g_assert_cmpstr (kassa_bank_error_get_error_desc (error), ==, "Системийн алдаа");
      g_assert_cmpint (kassa_bank_error_get_header_code (error), ==, 500);
      g_assert_nonnull (strstr (error->message, "Системийн алдаа"));
    }

  assert_check_fails (profile, 200, "{\"header\":{\"code\":500}}", KASSA_BANK_ERROR_BANK_SYSTEM);
}

static void
test_no_envelope (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  const char *html = "<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
                     "<body><h1>Not Found</h1></body></html>";

  /* HTTP 5xx without an envelope: the bank's system. */
  assert_check_fails (profile, 500, "", KASSA_BANK_ERROR_BANK_SYSTEM);
  assert_check_fails (profile, 500, "Internal Server Error", KASSA_BANK_ERROR_BANK_SYSTEM);
  assert_check_fails (profile, 502, html, KASSA_BANK_ERROR_BANK_SYSTEM);
  assert_check_fails (profile, 503, "{\"error\":\"unavailable\"}", KASSA_BANK_ERROR_BANK_SYSTEM);

  /* Another HTTP error without an envelope: not a bank answer at all. */
  assert_check_fails (profile, 404, html, KASSA_BANK_ERROR_TRANSPORT);
  assert_check_fails (profile, 404, "", KASSA_BANK_ERROR_TRANSPORT);
  assert_check_fails (profile, 403, "Forbidden", KASSA_BANK_ERROR_TRANSPORT);
  assert_check_fails (profile, 301, "", KASSA_BANK_ERROR_TRANSPORT);

  /* A 2xx that is not the envelope: malformed. */
  assert_check_fails (profile, 200, html, KASSA_BANK_ERROR_MALFORMED_REPLY);
  assert_check_fails (profile, 200, "", KASSA_BANK_ERROR_MALFORMED_REPLY);
  assert_check_fails (profile, 200, "OK", KASSA_BANK_ERROR_MALFORMED_REPLY);
  assert_check_fails (profile, 204, "", KASSA_BANK_ERROR_MALFORMED_REPLY);

  /* A missing body is an empty one. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(KassaBankSettlementReply) reply = NULL;

    reply = kassa_bank_reply_parse_settlement (profile, 200, NULL, &error);
    g_assert_null (reply);
    g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_MALFORMED_REPLY);
  }
}

static void
test_wrong_node_types (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  const char *texts[] = {
    "[]",
    "\"header\"",
    "200",
    "null",
    "{}",
    "{\"header\":\"200\"}",
    "{\"header\":[200]}",
    "{\"header\":null,\"body\":{\"response\":{\"resp_code\":\"00\"}}}",
    "{\"header\":{}}",
    "{\"header\":{\"code\":\"200\"},\"body\":{\"response\":{\"resp_code\":\"00\"}}}",
    "{\"header\":{\"code\":200.0},\"body\":{\"response\":{\"resp_code\":\"00\"}}}",
    "{\"header\":{\"code\":2e2},\"body\":{\"response\":{\"resp_code\":\"00\"}}}",
    "{\"header\":{\"code\":true},\"body\":{\"response\":{\"resp_code\":\"00\"}}}",
    "{\"header\":{\"code\":null},\"body\":{\"response\":{\"resp_code\":\"00\"}}}",
    "{\"header\":{\"code\":{}},\"body\":{\"response\":{\"resp_code\":\"00\"}}}",
    "{\"header\":{\"status\":\"success\"},\"body\":{\"response\":{\"resp_code\":\"00\"}}}",
    "{" OK_HEADER "}",
    "{" OK_HEADER ",\"body\":null}",
    "{" OK_HEADER ",\"body\":\"response\"}",
    "{" OK_HEADER ",\"body\":[{\"response\":{\"resp_code\":\"00\"}}]}",
    "{" OK_HEADER ",\"body\":{}}",
    "{" OK_HEADER ",\"body\":{\"response\":null}}",
    "{" OK_HEADER ",\"body\":{\"response\":[{\"resp_code\":\"00\"}]}}",
    "{" OK_HEADER ",\"body\":{\"response\":\"00\"}}",
    "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":0}}}",
    "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"00\",\"resp_desc\":false}}}",
    "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"00\",\"invoice\":1}}}",
    "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"00\",\"card_number\":{}}}}",
    "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"00\",\"checksum\":[]}}}",
    "{" OK_HEADER ",\"body\":{\"response\":{}}}",
    "{" OK_HEADER ",\"body\":{\"response\":{\"approval_code\":\"1\"}}}",
    /* Codes that are not the documented three. */
    "{\"header\":{\"code\":201},\"body\":{\"response\":{\"resp_code\":\"00\"}}}",
    "{\"header\":{\"code\":0},\"body\":{\"response\":{\"resp_code\":\"00\"}}}",
    "{\"header\":{\"code\":-200},\"body\":{\"response\":{\"resp_code\":\"00\"}}}",
    "{\"header\":{\"code\":200000000000},\"body\":{\"response\":{\"resp_code\":\"00\"}}}",
    /* Not quite JSON. */
    "{\"header\":{\"code\":200},\"body\":{\"response\":{\"resp_code\":\"00\"}}}}",
    "{\"header\":{\"code\":200},\"body\":{\"response\":{\"resp_code\":\"00\"}}} x",
    "{'header':{'code':200}}",
    "{\"header\":{\"code\":200,},\"body\":{\"response\":{\"resp_code\":\"00\"}}}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    assert_check_fails (profile, 200, texts[i], KASSA_BANK_ERROR_MALFORMED_REPLY);

  /* desc a number, on a create reply. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(KassaBankInvoiceReply) reply = NULL;

    reply = parse_invoice (profile, KASSA_BANK_ENDPOINT_QR, 200,
                           "{" OK_HEADER ",\"body\":{\"response\":{\"desc\":1100,"
                           "\"status\":\"SUCCESS\"}}}", &error);
    g_assert_null (reply);
    g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_MALFORMED_REPLY);
    g_assert_nonnull (strstr (error->message, "desc"));
  }
}

static void
test_error_absent_on_success (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  const char *texts[] = {
    "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"00\"}}}",
    "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"00\"},\"error\":null}}",
    "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"00\"},\"error\":{}}}",
    "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"00\"},\"success\":{}}}",
    /* Optional fields sent as null are absent. */
    "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"00\",\"card_number\":null,"
    "\"amount\":null}}}",
    /* header.code decides, not the HTTP status. */
    "  {\"header\":{\"code\":200},\"body\":{\"response\":{\"resp_code\":\"00\"}}}\r\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KassaBankTransaction) transaction = NULL;

      transaction = parse_transaction (profile, KASSA_BANK_ENDPOINT_CHECK, 200, texts[i], &error);
      g_assert_no_error (error);
      g_assert_true (transaction->paid);
      g_assert_null (transaction->card_number);
      g_assert_cmpint (transaction->amount, ==, 0);
    }
}

/* Truncation, NULs, encoding */

static void
check_every_prefix (KassaBankProfile  *profile,
                    KassaBankEndpoint  endpoint,
                    const char        *text)
{
  gsize length = strlen (text);

  for (gsize n = 0; n < length; n++)
    {
      g_autoptr(GBytes) body = make_body (text, n);
      g_autoptr(GError) error = NULL;
      gpointer reply;

      switch (endpoint)
        {
        case KASSA_BANK_ENDPOINT_QR:
          reply = kassa_bank_reply_parse_invoice (profile, endpoint, 200, body, &error);
          g_clear_pointer (&reply, kassa_bank_invoice_reply_free);
          break;
        case KASSA_BANK_ENDPOINT_CHECK:
          reply = kassa_bank_reply_parse_transaction (profile, endpoint, 200, body, &error);
          g_clear_pointer (&reply, kassa_bank_transaction_free);
          break;
        case KASSA_BANK_ENDPOINT_SETTLEMENT:
          reply = kassa_bank_reply_parse_settlement (profile, 200, body, &error);
          g_clear_pointer (&reply, kassa_bank_settlement_reply_free);
          break;
        case KASSA_BANK_ENDPOINT_DEEPLINK:
        case KASSA_BANK_ENDPOINT_PHONE:
        case KASSA_BANK_ENDPOINT_CANCEL:
        case KASSA_BANK_ENDPOINT_REFUND:
        default:
          g_assert_not_reached ();
        }

      if (error == NULL)
        g_error ("a %" G_GSIZE_FORMAT "-byte prefix of a %" G_GSIZE_FORMAT "-byte reply "
                 "was accepted", n, length);
      g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_MALFORMED_REPLY);
    }

  /* And the whole is fine: the loop tested truncation, not a bad sample. */
  {
    g_autoptr(GBytes) body = make_body (text, length);
    g_autoptr(GError) error = NULL;

    if (endpoint == KASSA_BANK_ENDPOINT_QR)
      {
        g_autoptr(KassaBankInvoiceReply) reply =
          kassa_bank_reply_parse_invoice (profile, endpoint, 200, body, &error);
        g_assert_nonnull (reply);
      }
    else if (endpoint == KASSA_BANK_ENDPOINT_CHECK)
      {
        g_autoptr(KassaBankTransaction) reply =
          kassa_bank_reply_parse_transaction (profile, endpoint, 200, body, &error);
        g_assert_nonnull (reply);
      }
    else
      {
        g_autoptr(KassaBankSettlementReply) reply =
          kassa_bank_reply_parse_settlement (profile, 200, body, &error);
        g_assert_nonnull (reply);
      }
    g_assert_no_error (error);
  }
}

static void
test_truncated (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autofree char *qr = load_data ("reply-qr-sample.json");
  g_autofree char *paid = load_data ("reply-check-paid.json");
  g_autofree char *settlement = load_data ("reply-settlement.json");

  check_every_prefix (profile, KASSA_BANK_ENDPOINT_QR, qr);
  check_every_prefix (profile, KASSA_BANK_ENDPOINT_CHECK, paid);
  check_every_prefix (profile, KASSA_BANK_ENDPOINT_SETTLEMENT, settlement);
}

static void
test_embedded_nul (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  /* A valid reply, then a NUL and rubbish: a parser stopping at the NUL would accept it. */
  static const char after[] = "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"00\"}}}"
                              "\0garbage";
  /* A NUL inside a string value. */
  static const char inside[] = "{" OK_HEADER ",\"body\":{\"response\":{\"resp_code\":\"00\","
                               "\"card_number\":\"9496\0\"}}}";
  const struct
  {
    const char *data;
    gsize       length;
    guint       http_status;
    int         code;
  } cases[] = {
    { after, sizeof after - 1, 200, KASSA_BANK_ERROR_MALFORMED_REPLY },
    { inside, sizeof inside - 1, 200, KASSA_BANK_ERROR_MALFORMED_REPLY },
    { "\0", 1, 200, KASSA_BANK_ERROR_MALFORMED_REPLY },
    { after, sizeof after - 1, 500, KASSA_BANK_ERROR_BANK_SYSTEM },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) body = make_body (cases[i].data, cases[i].length);
      g_autoptr(GError) error = NULL;
      g_autoptr(KassaBankTransaction) transaction = NULL;

      transaction = kassa_bank_reply_parse_transaction (profile, KASSA_BANK_ENDPOINT_CHECK,
                                                        cases[i].http_status, body, &error);
      g_assert_null (transaction);
      g_assert_error (error, KASSA_BANK_ERROR, cases[i].code);
    }
}

static void
test_invalid_utf8 (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  const char *texts[] = {
    "{" OK_HEADER ",\"body\":{\"response\":{\"desc\":\"\xff\xfe\",\"status\":\"SUCCESS\"}}}",
    /* An overlong "/" and a lone continuation byte. */
    "{" OK_HEADER ",\"body\":{\"response\":{\"desc\":\"\xc0\xaf\",\"status\":\"SUCCESS\"}}}",
    "{" OK_HEADER ",\"body\":{\"response\":{\"desc\":\"QR\x80\",\"status\":\"SUCCESS\"}}}",
    /* Half of "Амжилттай" (cut inside a character). */
    "{" OK_HEADER ",\"body\":{\"response\":{\"desc\":\"\xd0\",\"status\":\"SUCCESS\"}}}",
    /* Latin-1 text in the bank's error. */
    "{\"header\":{\"code\":400},\"body\":{\"error\":{\"errorDesc\":\"caf\xe9\"}}}",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KassaBankInvoiceReply) reply = NULL;

      reply = parse_invoice (profile, KASSA_BANK_ENDPOINT_QR, 200, texts[i], &error);
      g_assert_null (reply);
      g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_MALFORMED_REPLY);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }

  /* JSON escapes are fine: \u0410 is "А". */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(KassaBankInvoiceReply) reply = NULL;

    reply = parse_invoice (profile, KASSA_BANK_ENDPOINT_PHONE, 200,
                           "{" OK_HEADER ",\"body\":{\"response\":{\"desc\":\"\\u0410\","
                           "\"status\":\"SUCCESS\"}}}", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (reply->desc, ==, "А");
  }
}

/* to_json */

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  return json_object_ref (json_node_get_object (root));
}

static void
test_to_json (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autofree char *paid = load_data ("reply-check-paid.json");
  g_autofree char *qr = load_data ("reply-qr-sample.json");
  g_autofree char *settlement_text = load_data ("reply-settlement.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankTransaction) transaction = NULL;
  g_autoptr(KassaBankInvoiceReply) invoice = NULL;
  g_autoptr(KassaBankSettlementReply) settlement = NULL;
  g_autofree char *transaction_json = NULL;
  g_autofree char *invoice_json = NULL;
  g_autofree char *settlement_json = NULL;
  g_autoptr(JsonObject) object = NULL;

  transaction = parse_transaction (profile, KASSA_BANK_ENDPOINT_CHECK, 200, paid, &error);
  g_assert_no_error (error);
  transaction_json = kassa_bank_transaction_to_json (transaction);
  g_assert_null (strchr (transaction_json, '\n'));
  object = parse_object (transaction_json);
  g_assert_true (json_object_get_boolean_member (object, "paid"));
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, "amount")), ==,
                   G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (object, "amount"), ==, 1000);
  g_assert_cmpstr (json_object_get_string_member (object, "resp_code"), ==, "00");
  g_assert_cmpstr (json_object_get_string_member (object, "resp_desc"), ==, "Амжилттай");
  g_assert_cmpstr (json_object_get_string_member (object, "approval_code"), ==, "123456");
  g_assert_cmpstr (json_object_get_string_member (object, "card_number"), ==, "949625******0003");
  g_assert_cmpstr (json_object_get_string_member (object, "invoice"), ==, "INV0001");
  g_assert_cmpstr (json_object_get_string_member (object, "terminal"), ==, "12345678");
  g_assert_false (json_object_has_member (object, "status"));
  g_clear_pointer (&object, json_object_unref);

  invoice = parse_invoice (profile, KASSA_BANK_ENDPOINT_QR, 200, qr, &error);
  g_assert_no_error (error);
  invoice_json = kassa_bank_invoice_reply_to_json (invoice);
  object = parse_object (invoice_json);
  g_assert_cmpstr (json_object_get_string_member (object, "desc"), ==, QR_SAMPLE_DESC);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "SUCCESS");
  g_assert_cmpuint (json_object_get_size (object), ==, 2);
  g_clear_pointer (&object, json_object_unref);

  settlement = parse_settlement (profile, 200, settlement_text, &error);
  g_assert_no_error (error);
  settlement_json = kassa_bank_settlement_reply_to_json (settlement);
  g_assert_cmpstr (settlement_json, ==, "{\"amount\":25000,\"count\":3,\"status\":\"SUCCESS\"}");
}

/* Every cancel reply shape under every reading, through the parser: accepted,
 * REJECTED with the refusing word as errorType, or MALFORMED. */
static void
test_cancel_readings (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  const char *readings[] = { "either", "status", "resp-code" };
#define CANCEL_REPLY(fields) \
  "{" OK_HEADER ",\"body\":{\"response\":{\"desc\":\"Цуцлагдлаа\"" fields "}}}"
  const struct
  {
    const char *text;
    /* per reading: NULL = accepted, "" = malformed, else the errorType of REJECTED */
    const char *outcome[3];
  } cases[] = {
    /* What the simulator sends: both (default), status only, resp_code only. */
    { CANCEL_REPLY (",\"status\":\"SUCCESS\",\"resp_code\":\"00\",\"resp_desc\":\"Амжилттай\""),
      { NULL, NULL, NULL } },
    { CANCEL_REPLY (",\"status\":\"SUCCESS\""), { NULL, NULL, "SUCCESS" } },
    { CANCEL_REPLY (",\"resp_code\":\"00\",\"resp_desc\":\"Амжилттай\""),
      { NULL, "00", NULL } },
    /* Refusals and contradictions. */
    { CANCEL_REPLY (",\"status\":\"SUCCESS\",\"resp_code\":\"05\""), { "05", NULL, "05" } },
    { CANCEL_REPLY (",\"status\":\"FAILED\",\"resp_code\":\"00\""),
      { "FAILED", "FAILED", NULL } },
    { CANCEL_REPLY (",\"status\":\"FAILED\""), { "FAILED", "FAILED", "FAILED" } },
    { CANCEL_REPLY (",\"resp_code\":\"05\",\"resp_desc\":\"Татгалзсан\""),
      { "05", "05", "05" } },
    /* null is absent. */
    { CANCEL_REPLY (",\"status\":null,\"resp_code\":\"00\""), { NULL, "00", NULL } },
    { CANCEL_REPLY (",\"status\":\"SUCCESS\",\"resp_code\":null"), { NULL, NULL, "SUCCESS" } },
    { CANCEL_REPLY (""), { "", "", "" } },
    { CANCEL_REPLY (",\"status\":null,\"resp_code\":null"), { "", "", "" } },
  };
#undef CANCEL_REPLY

  for (gsize r = 0; r < G_N_ELEMENTS (readings); r++)
    {
      g_assert_true (kassa_bank_profile_set_reading (profile, "cancel-success-test", readings[r],
                                                     NULL));

      for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(KassaBankInvoiceReply) reply = NULL;
          const char *outcome = cases[i].outcome[r];

          g_test_message ("%s: %s", readings[r], cases[i].text);
          reply = parse_invoice (profile, KASSA_BANK_ENDPOINT_CANCEL, 200, cases[i].text, &error);
          if (outcome == NULL)
            {
              g_assert_no_error (error);
              g_assert_nonnull (reply);
              g_assert_cmpstr (reply->desc, ==, "Цуцлагдлаа");
            }
          else if (*outcome == '\0')
            {
              g_assert_null (reply);
              g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_MALFORMED_REPLY);
            }
          else
            {
              g_assert_null (reply);
              g_assert_error (error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED);
              g_assert_cmpstr (kassa_bank_error_get_error_type (error), ==, outcome);
              g_assert_nonnull (strstr (error->message, "Цуцлагдлаа"));
            }
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/bank-reply/endpoints", test_endpoints);
  g_test_add_func ("/bank-reply/boxed", test_boxed);
  g_test_add_func ("/bank-reply/qr/official-sample", test_qr_official_sample);
  g_test_add_func ("/bank-reply/create/success", test_create_replies);
  g_test_add_func ("/bank-reply/create/failures", test_create_failures);
  g_test_add_func ("/bank-reply/check/paid", test_check_paid);
  g_test_add_func ("/bank-reply/check/paid-test-reading", test_check_paid_test_reading);
  g_test_add_func ("/bank-reply/check/unpaid-error-envelope", test_check_unpaid_error_envelope);
  g_test_add_func ("/bank-reply/check/unpaid-resp-code", test_check_unpaid_resp_code);
  g_test_add_func ("/bank-reply/check/declined", test_check_declined);
  g_test_add_func ("/bank-reply/check/amount-types", test_check_amount_types);
  g_test_add_func ("/bank-reply/cancel", test_cancel);
  g_test_add_func ("/bank-reply/refund", test_refund);
  g_test_add_func ("/bank-reply/settlement", test_settlement);
  g_test_add_func ("/bank-reply/envelope/rejected-without-error",
                   test_rejected_without_error_object);
  g_test_add_func ("/bank-reply/envelope/rejected-with-error", test_rejected_with_error_object);
  g_test_add_func ("/bank-reply/envelope/bank-system", test_bank_system);
  g_test_add_func ("/bank-reply/envelope/no-envelope", test_no_envelope);
  g_test_add_func ("/bank-reply/envelope/wrong-node-types", test_wrong_node_types);
  g_test_add_func ("/bank-reply/envelope/error-absent-on-success", test_error_absent_on_success);
  g_test_add_func ("/bank-reply/bytes/truncated", test_truncated);
  g_test_add_func ("/bank-reply/bytes/embedded-nul", test_embedded_nul);
  g_test_add_func ("/bank-reply/bytes/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/bank-reply/to-json", test_to_json);
  g_test_add_func ("/bank-reply/cancel-readings", test_cancel_readings);

  return g_test_run ();
}
