/* test-sim.c — kassa-bank-sim as a real process, spoken to in raw HTTP
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "kassa-checksum.h"
#include "kassa-emv.h"
#include "kassa-error.h"
#include "kassa-test-util.h"

#define T KASSA_TEST_TERMINAL
#define S KASSA_TEST_SECRET

#define DESC_VALIDATION "Хүсэлтийн формат буруу байна"
#define DESC_CHECKSUM   "Checksum буруу байна"
#define DESC_NOT_PAID   "Төлбөр төлөгдөөгүй байна"

/* ------------------------------------------------------------------ */
/* Raw HTTP and JSON helpers                                           */

typedef struct
{
  guint     status;
  char     *text;
  JsonNode *root;   /* NULL when the body is not JSON */
} Reply;

static void
reply_free (Reply *reply)
{
  g_free (reply->text);
  g_clear_pointer (&reply->root, json_node_unref);
  g_free (reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL) ||
      json_parser_get_root (parser) == NULL)
    return NULL;

  return json_node_copy (json_parser_get_root (parser));
}

static Reply *
request_full (KassaTestSim *sim,
              const char   *method,
              const char   *path,
              const char   *content_type,
              const char   *body)
{
  g_autofree char *url = g_strconcat (kassa_test_sim_get_url (sim), path, NULL);
  g_autoptr(GError) error = NULL;
  Reply *reply = g_new0 (Reply, 1);

  reply->text = kassa_test_http (method, url, content_type, body, -1, &reply->status, &error);
  g_assert_no_error (error);
  g_assert_nonnull (reply->text);
  reply->root = parse_json (reply->text);

  return reply;
}

static Reply *
post (KassaTestSim *sim,
      const char   *path,
      const char   *body)
{
  return request_full (sim, "POST", path, "application/json", body);
}

static Reply *
control (KassaTestSim *sim,
         const char   *path,
         const char   *json)
{
  Reply *reply = g_new0 (Reply, 1);

  reply->text = kassa_test_sim_control (sim, path, json, &reply->status);
  reply->root = parse_json (reply->text);

  return reply;
}

static JsonNode *
member (JsonObject *object,
        const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    g_error ("member “%s” missing", name);

  return node;
}

static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = member (object, name);

  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_true (json_node_get_value_type (node) == G_TYPE_STRING);

  return json_node_get_string (node);
}

static gint64
member_int (JsonObject *object,
            const char *name)
{
  JsonNode *node = member (object, name);

  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  g_assert_true (json_node_get_value_type (node) == G_TYPE_INT64);

  return json_node_get_int (node);
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node = member (object, name);

  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return json_node_get_object (node);
}

static JsonObject *
root_object (Reply *reply)
{
  if (reply->root == NULL || !JSON_NODE_HOLDS_OBJECT (reply->root))
    g_error ("not a JSON object: %s", reply->text);

  return json_node_get_object (reply->root);
}

static void
assert_header (JsonObject *root,
               gint64      code)
{
  JsonObject *header = member_object (root, "header");
  g_autoptr(GDateTime) date = NULL;

  g_assert_cmpint (member_int (header, "code"), ==, code);
  g_assert_cmpstr (member_string (header, "status"), ==, code == 200 ? "success" : "failed");
  date = g_date_time_new_from_iso8601 (member_string (header, "date"), NULL);
  g_assert_nonnull (date);
}

/* Asserts the success envelope; returns body.response (owned by @reply). */
static JsonObject *
assert_ok (Reply *reply)
{
  JsonObject *root;
  JsonObject *body;

  if (reply->status != 200)
    g_test_message ("reply: %s", reply->text);
  g_assert_cmpuint (reply->status, ==, 200);
  root = root_object (reply);
  assert_header (root, 200);
  body = member_object (root, "body");
  g_assert_false (json_object_has_member (body, "error"));

  return member_object (body, "response");
}

static void
assert_failed (Reply      *reply,
               guint       http_status,
               gint64      code,
               const char *error_type)
{
  JsonObject *root;
  JsonObject *error;
  const char *desc;

  root = root_object (reply);
  if (reply->status != http_status)
    g_test_message ("reply: %s", reply->text);
  g_assert_cmpuint (reply->status, ==, http_status);
  assert_header (root, code);
  error = member_object (member_object (root, "body"), "error");
  g_assert_cmpstr (member_string (error, "errorType"), ==, error_type);
  desc = member_string (error, "errorDesc");
  g_assert_true (g_utf8_validate (desc, -1, NULL));
  g_assert_cmpuint (strlen (desc), >, 0);
}

static void
assert_rejected (Reply      *reply,
                 const char *error_type)
{
  assert_failed (reply, 200, 400, error_type);
}

static const char *
error_desc (Reply *reply)
{
  return member_string (member_object (member_object (root_object (reply), "body"), "error"),
                        "errorDesc");
}

/* {terminal, invoice, amount, checksum} with the amount's JSON text as given
 * (quoted or not) and a checksum over @amount_checksum. */
static char *
body_raw (const char *terminal,
          const char *invoice,
          const char *amount_json,
          const char *checksum)
{
  return g_strdup_printf ("{\"terminal\":\"%s\",\"invoice\":\"%s\",\"amount\":%s,"
                          "\"checksum\":\"%s\"}", terminal, invoice, amount_json, checksum);
}

/* A correct invoice request for the test terminal. */
static char *
invoice_body (const char *invoice,
              const char *amount)
{
  g_autofree char *checksum = kassa_checksum_concat (S, T, invoice, amount, NULL);
  g_autofree char *amount_json = g_strdup_printf ("\"%s\"", amount);

  return body_raw (T, invoice, amount_json, checksum);
}

static char *
phone_body (const char *invoice,
            const char *amount,
            const char *phone)
{
  g_autofree char *checksum = kassa_checksum_concat (S, T, invoice, amount, phone, NULL);

  return g_strdup_printf ("{\"terminal\":\"%s\",\"invoice\":\"%s\",\"amount\":\"%s\","
                          "\"phone\":\"%s\",\"checksum\":\"%s\"}",
                          T, invoice, amount, phone, checksum);
}

static char *
settlement_body (const char *settlement_id)
{
  g_autofree char *checksum = kassa_checksum_concat (S, T, settlement_id, NULL);

  return g_strdup_printf ("{\"terminal\":\"%s\",\"settlementId\":\"%s\",\"checksum\":\"%s\"}",
                          T, settlement_id, checksum);
}

static Reply *
invoice_request (KassaTestSim *sim,
                 const char   *path,
                 const char   *invoice,
                 const char   *amount)
{
  g_autofree char *body = invoice_body (invoice, amount);

  return post (sim, path, body);
}

static JsonObject *
create_qr (KassaTestSim *sim,
           const char   *invoice,
           const char   *amount,
           Reply       **out_reply)
{
  *out_reply = invoice_request (sim, "/pos/invoice/qr", invoice, amount);
  return assert_ok (*out_reply);
}

static void
create_qr_ok (KassaTestSim *sim,
              const char   *invoice,
              const char   *amount)
{
  g_autoptr(Reply) reply = NULL;

  create_qr (sim, invoice, amount, &reply);
}

static void
customer (KassaTestSim *sim,
          const char   *action,
          const char   *invoice,
          guint         expected_status)
{
  g_autofree char *path = g_strconcat ("/sim/", action, NULL);
  g_autofree char *json = g_strdup_printf ("{\"invoice\":\"%s\"}", invoice);
  g_autoptr(Reply) reply = control (sim, path, json);
  JsonObject *root = root_object (reply);

  g_assert_cmpuint (reply->status, ==, expected_status);
  g_assert_cmpint (json_object_get_boolean_member (root, "ok"), ==, expected_status == 200);
  if (expected_status == 200)
    {
      g_assert_cmpstr (member_string (root, "invoice"), ==, invoice);
      g_assert_cmpstr (member_string (root, "state"), ==,
                       g_str_equal (action, "pay") ? "paid" : "declined");
    }
  else
    {
      g_assert_cmpuint (strlen (member_string (root, "error")), >, 0);
    }
}

static void
fault (KassaTestSim *sim,
       const char   *endpoint,
       const char   *kind,
       guint         delay_ms,
       guint         count)
{
  g_autofree char *json = g_strdup_printf ("{\"endpoint\":\"%s\",\"kind\":\"%s\","
                                           "\"delay_ms\":%u,\"count\":%u}",
                                           endpoint, kind, delay_ms, count);
  g_autoptr(Reply) reply = control (sim, "/sim/fault", json);

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_true (json_object_get_boolean_member (root_object (reply), "ok"));
}

/* The state the simulator's table holds for @invoice ("" if absent). */
static char *
invoice_state (KassaTestSim *sim,
               const char   *invoice)
{
  g_autoptr(Reply) reply = request_full (sim, "GET", "/sim/invoices", NULL, NULL);
  JsonArray *array;

  g_assert_cmpuint (reply->status, ==, 200);
  g_assert_true (reply->root != NULL && JSON_NODE_HOLDS_ARRAY (reply->root));
  array = json_node_get_array (reply->root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *item = json_array_get_object_element (array, i);

      if (g_strcmp0 (member_string (item, "invoice"), invoice) == 0)
        return g_strdup (member_string (item, "state"));
    }

  return g_strdup ("");
}

static void
assert_state (KassaTestSim *sim,
              const char   *invoice,
              const char   *expected)
{
  g_autofree char *state = invoice_state (sim, invoice);

  g_assert_cmpstr (state, ==, expected);
}

/* ------------------------------------------------------------------ */
/* Creating invoices                                                   */

static void
test_qr (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autoptr(Reply) reply = NULL;
  g_autoptr(KassaEmv) emv = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *crc = NULL;
  JsonObject *response;
  const char *desc;
  gsize len;
  gint64 amount = 0;

  response = create_qr (sim, "QR-0001", "1500", &reply);
  g_assert_cmpstr (member_string (response, "status"), ==, "SUCCESS");
  desc = member_string (response, "desc");

  emv = kassa_emv_parse (desc, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_emv_get_crc_kind (emv), ==, KASSA_EMV_CRC_X25);
  g_assert_true (kassa_emv_get_amount (emv, &amount, &error));
  g_assert_cmpint (amount, ==, 1500);
  g_assert_cmpstr (kassa_emv_get_tag (emv, "54"), ==, "1500");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "00"), ==, "01");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "01"), ==, "12");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "53"), ==, "496");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "58"), ==, "MN");
  g_assert_cmpstr (kassa_emv_get_tag (emv, "60"), ==, "ULAANBAATAR");
  g_assert_cmpstr (kassa_emv_get_merchant_name (emv), ==, "KASSA TRAINING");
  g_assert_nonnull (strstr (kassa_emv_get_tag (emv, "15"), T));
  /* Sub-tag 01 of tag 62 is the reference: the invoice, when it fits. */
  g_assert_true (g_str_has_prefix (kassa_emv_get_tag (emv, "62"), "0107QR-0001"));

  /* The CRC is X-25 in lowercase, like the bank's sample. */
  len = strlen (desc);
  g_assert_true (g_str_has_prefix (desc + len - 8, "6304"));
  crc = kassa_emv_crc (desc, len - 4, KASSA_EMV_CRC_X25);
  g_assert_cmpstr (desc + len - 4, ==, crc);
  for (gsize i = len - 4; i < len; i++)
    g_assert_true (g_ascii_isdigit (desc[i]) || (desc[i] >= 'a' && desc[i] <= 'f'));
}

static void
test_qr_long_invoice (void)
{
  const char *invoice = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"; /* 32: too long for tag 62/01 */
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawn ("--merchant-name", "Дэлгүүр 7", NULL);
  g_autoptr(Reply) reply = NULL;
  g_autoptr(KassaEmv) emv = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *response;
  const char *extra;
  guint ref_len;

  response = create_qr (sim, invoice, "1000000", &reply);
  emv = kassa_emv_parse (member_string (response, "desc"), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kassa_emv_get_tag (emv, "54"), ==, "1000000");
  g_assert_cmpstr (kassa_emv_get_merchant_name (emv), ==, "Дэлгүүр 7");

  extra = kassa_emv_get_tag (emv, "62");
  g_assert_true (g_str_has_prefix (extra, "01"));
  g_assert_true (g_ascii_isdigit (extra[2]) && g_ascii_isdigit (extra[3]));
  ref_len = (guint) (extra[2] - '0') * 10 + (guint) (extra[3] - '0');
  g_assert_cmpuint (ref_len, >=, 1);
  g_assert_cmpuint (ref_len, <=, 25);
  g_assert_null (strstr (extra, invoice));
}

static void
test_deeplink (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autoptr(Reply) first = invoice_request (sim, "/pos/invoice/qr/deeplink", "DL-1", "2500");
  g_autoptr(Reply) second = invoice_request (sim, "/pos/invoice/qr/deeplink", "DL-2", "2500");
  JsonObject *response = assert_ok (first);
  const char *desc = member_string (response, "desc");
  const char *key;

  g_assert_cmpstr (member_string (response, "status"), ==, "SUCCESS");
  g_assert_true (g_str_has_prefix (desc, "socialpay-payment://key="));
  key = desc + strlen ("socialpay-payment://key=");
  g_assert_cmpuint (strlen (key), ==, 32);
  for (const char *p = key; *p != '\0'; p++)
    g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');

  /* Random per invoice. */
  g_assert_cmpstr (member_string (assert_ok (second), "desc"), !=, desc);
}

static void
test_phone (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autofree char *good = phone_body ("PH-1", "3000", "99112233");
  g_autofree char *short_phone = phone_body ("PH-2", "3000", "9911223");
  g_autofree char *letters = phone_body ("PH-3", "3000", "9911223a");
  g_autofree char *plain_sum = kassa_checksum_concat (S, T, "PH-4", "3000", NULL);
  g_autofree char *wrong_sum = NULL;
  g_autoptr(Reply) ok = post (sim, "/pos/invoice/phone", good);
  g_autoptr(Reply) bad1 = post (sim, "/pos/invoice/phone", short_phone);
  g_autoptr(Reply) bad2 = post (sim, "/pos/invoice/phone", letters);
  g_autoptr(Reply) bad3 = NULL;
  g_autoptr(Reply) list = NULL;
  JsonObject *response = assert_ok (ok);
  JsonObject *item;

  g_assert_cmpstr (member_string (response, "desc"), ==, "success");
  g_assert_cmpstr (member_string (response, "status"), ==, "SUCCESS");
  assert_rejected (bad1, "PHONE");
  assert_rejected (bad2, "PHONE");

  /* The phone is part of the checksum: one over terminal+invoice+amount is wrong. */
  wrong_sum = g_strdup_printf ("{\"terminal\":\"%s\",\"invoice\":\"PH-4\",\"amount\":\"3000\","
                               "\"phone\":\"99112233\",\"checksum\":\"%s\"}", T, plain_sum);
  bad3 = post (sim, "/pos/invoice/phone", wrong_sum);
  assert_rejected (bad3, "CHECKSUM");

  list = request_full (sim, "POST", "/sim/invoices", "application/json", "{}");
  g_assert_cmpuint (list->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list->root)), ==, 1);
  item = json_array_get_object_element (json_node_get_array (list->root), 0);
  g_assert_cmpstr (member_string (item, "terminal"), ==, T);
  g_assert_cmpstr (member_string (item, "invoice"), ==, "PH-1");
  g_assert_cmpint (member_int (item, "amount"), ==, 3000);
  g_assert_cmpstr (member_string (item, "state"), ==, "unpaid");
  g_assert_cmpstr (member_string (item, "method"), ==, "phone");
  g_assert_cmpstr (member_string (item, "phone"), ==, "99112233");
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */

static void
test_bad_checksum (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autofree char *other_key = kassa_checksum_concat ("secret124", T, "INV0001", "1000", NULL);
  g_autofree char *body1 = body_raw (T, "INV0001", "\"1000\"", other_key);
  g_autofree char *decimals_sum = kassa_checksum_concat (S, T, "INV0001", "1000", NULL);
  g_autofree char *body2 = body_raw (T, "INV0001", "\"1000.00\"", decimals_sum);
  g_autofree char *body3 = body_raw (T, "INV0001", "\"1000\"", "not-a-checksum");
  g_autoptr(Reply) r1 = post (sim, "/pos/invoice/qr", body1);
  g_autoptr(Reply) r2 = post (sim, "/pos/invoice/qr", body2);
  g_autoptr(Reply) r3 = post (sim, "/pos/invoice/qr", body3);
  g_autoptr(Reply) ok = NULL;

  assert_rejected (r1, "CHECKSUM");
  g_assert_cmpstr (error_desc (r1), ==, DESC_CHECKSUM);
  /* Strict by default: the checksum is over the amount string as sent. */
  assert_rejected (r2, "CHECKSUM");
  assert_rejected (r3, "CHECKSUM");

  /* The fact sheet's vector: "1000.00" needs its own checksum (§2.3). */
  ok = post (sim, "/pos/invoice/qr",
             "{\"terminal\":\"12345678\",\"invoice\":\"INV0001\",\"amount\":\"1000.00\","
             "\"checksum\":\"bbfc503a50f5dbbc640ec2978032f502aa310196ab485f9d0f312fdc382384b8\"}");
  assert_ok (ok);
  assert_state (sim, "INV0001", "unpaid");
}

static void
test_lenient_amounts (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawn ("--lenient-amounts", NULL);
  g_autofree char *plain_sum = kassa_checksum_concat (S, T, "INV-L", "1000", NULL);
  g_autofree char *body = body_raw (T, "INV-L", "\"1000.00\"", plain_sum);
  g_autofree char *body_exact = invoice_body ("INV-L2", "1000.00");
  g_autofree char *bad_sum = kassa_checksum_concat (S, T, "INV-L3", "1001", NULL);
  g_autofree char *body_bad = body_raw (T, "INV-L3", "\"1000.00\"", bad_sum);
  g_autoptr(Reply) r1 = post (sim, "/pos/invoice/qr", body);
  g_autoptr(Reply) r2 = post (sim, "/pos/invoice/qr", body_exact);
  g_autoptr(Reply) r3 = post (sim, "/pos/invoice/qr", body_bad);

  assert_ok (r1);
  assert_ok (r2);
  assert_rejected (r3, "CHECKSUM");
}

static void
test_unknown_terminal (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autofree char *checksum = kassa_checksum_concat (S, "87654321", "INV1", "1000", NULL);
  g_autofree char *body = body_raw ("87654321", "INV1", "\"1000\"", checksum);
  g_autofree char *short_sum = kassa_checksum_concat (S, "1234567", "INV1", "1000", NULL);
  g_autofree char *short_body = body_raw ("1234567", "INV1", "\"1000\"", short_sum);
  g_autoptr(Reply) r1 = post (sim, "/pos/invoice/qr", body);
  g_autoptr(Reply) r2 = post (sim, "/pos/invoice/check", body);
  g_autoptr(Reply) r3 = post (sim, "/pos/invoice/qr", short_body);

  assert_rejected (r1, "TERMINAL");
  assert_rejected (r2, "TERMINAL");
  assert_rejected (r3, "TERMINAL");
}

static void
test_bad_amounts (void)
{
  const char * const bad[] = {
    "0", "-1", "1e3", "10.5", "1000000000001", "", " 1000", "1000 ", "0x10", "1,000",
    "01000", "1000.", "1000.001", "+1000", "１０００", "99999999999999999999",
  };
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *invoice = g_strdup_printf ("BAD-%u", i);
      g_autoptr(Reply) reply = invoice_request (sim, "/pos/invoice/qr", invoice, bad[i]);

      g_test_message ("amount “%s”", bad[i]);
      assert_rejected (reply, "AMOUNT");
    }

  /* A JSON number is not the documented string (default reading). */
  {
    g_autofree char *checksum = kassa_checksum_concat (S, T, "NUM-1", "1000", NULL);
    g_autofree char *body = body_raw (T, "NUM-1", "1000", checksum);
    g_autoptr(Reply) reply = post (sim, "/pos/invoice/qr", body);

    assert_rejected (reply, "AMOUNT");
  }

  /* The limits themselves are fine. */
  create_qr_ok (sim, "MAX-1", "1000000000000");
  create_qr_ok (sim, "MIN-1", "1");
  assert_state (sim, "BAD-0", "");
}

static void
test_bad_requests (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autofree char *good = invoice_body ("REQ-1", "1000");
  g_autofree char *long_invoice = invoice_body ("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", "1000");
  g_autofree char *bad_chars = invoice_body ("INV 1", "1000");
  g_autofree char *no_checksum = g_strdup_printf ("{\"terminal\":\"%s\",\"invoice\":\"REQ-2\","
                                                  "\"amount\":\"1000\"}", T);
  g_autofree char *seven_sum = kassa_checksum_concat (S, T, "7", "1000", NULL);
  g_autofree char *number_invoice = g_strdup_printf ("{\"terminal\":\"%s\",\"invoice\":7,"
                                                     "\"amount\":\"1000\",\"checksum\":\"%s\"}",
                                                     T, seven_sum);
  g_autoptr(GString) huge = g_string_new (NULL);
  g_autoptr(Reply) r = NULL;

  /* Non-POST: 405 with the envelope. */
  r = request_full (sim, "GET", "/pos/invoice/qr", NULL, NULL);
  assert_failed (r, 405, 400, "METHOD");
  g_clear_pointer (&r, reply_free);
  r = request_full (sim, "PUT", "/pos/invoice/check", "application/json", good);
  assert_failed (r, 405, 400, "METHOD");
  g_clear_pointer (&r, reply_free);

  /* Not JSON, not an object, wrong content type. */
  r = post (sim, "/pos/invoice/qr", "terminal=12345678&invoice=REQ-1");
  assert_rejected (r, "VALIDATION");
  g_assert_cmpstr (error_desc (r), ==, DESC_VALIDATION);
  g_clear_pointer (&r, reply_free);
  r = post (sim, "/pos/invoice/qr", "[1, 2, 3]");
  assert_rejected (r, "VALIDATION");
  g_clear_pointer (&r, reply_free);
  r = post (sim, "/pos/invoice/qr", "{\"terminal\": \"12345678\"");
  assert_rejected (r, "VALIDATION");
  g_clear_pointer (&r, reply_free);
  r = request_full (sim, "POST", "/pos/invoice/qr", "text/plain", good);
  assert_rejected (r, "VALIDATION");
  g_clear_pointer (&r, reply_free);
  r = request_full (sim, "POST", "/pos/invoice/qr", "application/x-www-form-urlencoded", good);
  assert_rejected (r, "VALIDATION");
  g_clear_pointer (&r, reply_free);

  /* Missing fields and wrong field types. */
  r = post (sim, "/pos/invoice/qr", no_checksum);
  assert_rejected (r, "VALIDATION");
  g_clear_pointer (&r, reply_free);
  r = post (sim, "/pos/invoice/qr", number_invoice);
  assert_rejected (r, "VALIDATION");
  g_clear_pointer (&r, reply_free);
  r = post (sim, "/pos/invoice/qr", "{}");
  assert_rejected (r, "VALIDATION");
  g_clear_pointer (&r, reply_free);

  /* Invoice numbers: 1–32 safe characters. */
  r = post (sim, "/pos/invoice/qr", long_invoice);
  assert_rejected (r, "INVOICE");
  g_clear_pointer (&r, reply_free);
  r = post (sim, "/pos/invoice/qr", bad_chars);
  assert_rejected (r, "INVOICE");
  g_clear_pointer (&r, reply_free);

  /* More than 64 KiB: 413 with the envelope. */
  g_string_append_printf (huge, "{\"terminal\":\"%s\",\"pad\":\"", T);
  for (guint i = 0; i < 70 * 1024; i++)
    g_string_append_c (huge, 'a');
  g_string_append (huge, "\"}");
  r = post (sim, "/pos/invoice/qr", huge->str);
  assert_failed (r, 413, 400, "VALIDATION");
  g_clear_pointer (&r, reply_free);

  /* Unknown /pos paths are 404. */
  r = post (sim, "/pos/invoice/info", good);
  g_assert_cmpuint (r->status, ==, 404);
  g_clear_pointer (&r, reply_free);

  /* Nothing of the above created an invoice; a trailing "?" is tolerated. */
  r = post (sim, "/pos/invoice/qr?", good);
  assert_ok (r);
  g_clear_pointer (&r, reply_free);
  r = post (sim, "/pos/invoice/qr?x=1", good);
  assert_rejected (r, "DUPLICATE");
}

static void
test_duplicate (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autofree char *cancel = invoice_body ("DUP-1", "1000");
  g_autoptr(Reply) r1 = NULL;
  g_autoptr(Reply) r2 = NULL;
  g_autoptr(Reply) r3 = NULL;
  g_autoptr(Reply) r4 = NULL;

  create_qr_ok (sim, "DUP-1", "1000");
  r1 = invoice_request (sim, "/pos/invoice/qr", "DUP-1", "1000");
  assert_rejected (r1, "DUPLICATE");
  /* Unique across the three ways of creating one. */
  r2 = invoice_request (sim, "/pos/invoice/qr/deeplink", "DUP-1", "2000");
  assert_rejected (r2, "DUPLICATE");

  /* Even after cancel, a number is never reused. */
  r3 = post (sim, "/pos/invoice/cancel", cancel);
  assert_ok (r3);
  r4 = invoice_request (sim, "/pos/invoice/qr", "DUP-1", "1000");
  assert_rejected (r4, "DUPLICATE");
}

/* ------------------------------------------------------------------ */
/* States                                                              */

static void
assert_paid_transaction (JsonObject *response,
                         const char *invoice,
                         const char *amount)
{
  g_autofree char *checksum = kassa_checksum_concat (S, T, invoice, amount, NULL);
  const char *approval = member_string (response, "approval_code");
  const char *card = member_string (response, "card_number");

  g_assert_cmpstr (member_string (response, "resp_code"), ==, "00");
  g_assert_cmpstr (member_string (response, "resp_desc"), ==, "Амжилттай");
  g_assert_cmpuint (strlen (approval), ==, 6);
  for (const char *p = approval; *p != '\0'; p++)
    g_assert_true (g_ascii_isdigit (*p));
  g_assert_true (g_regex_match_simple ("^[0-9]{6}\\*{6}[0-9]{4}$", card, 0, 0));
  g_assert_cmpstr (member_string (response, "amount"), ==, amount);
  g_assert_cmpstr (member_string (response, "terminal"), ==, T);
  g_assert_cmpstr (member_string (response, "invoice"), ==, invoice);
  g_assert_cmpstr (member_string (response, "checksum"), ==, checksum);
}

static void
test_check (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autoptr(Reply) unpaid = NULL;
  g_autoptr(Reply) paid = NULL;
  g_autoptr(Reply) declined = NULL;
  g_autoptr(Reply) unknown = NULL;
  g_autoptr(Reply) mismatch = NULL;
  g_autoptr(Reply) cancelled = NULL;
  g_autoptr(Reply) refunded = NULL;
  g_autoptr(Reply) cancel = NULL;
  g_autoptr(Reply) refund = NULL;
  JsonObject *response;

  create_qr_ok (sim, "CHK-1", "1200");
  unpaid = invoice_request (sim, "/pos/invoice/check", "CHK-1", "1200");
  assert_rejected (unpaid, "NOT_PAID");
  g_assert_cmpstr (error_desc (unpaid), ==, DESC_NOT_PAID);

  customer (sim, "pay", "CHK-1", 200);
  paid = invoice_request (sim, "/pos/invoice/check?", "CHK-1", "1200");
  assert_paid_transaction (assert_ok (paid), "CHK-1", "1200");

  /* Another amount than the invoice's. */
  mismatch = invoice_request (sim, "/pos/invoice/check", "CHK-1", "1201");
  assert_rejected (mismatch, "AMOUNT");

  create_qr_ok (sim, "CHK-2", "500");
  customer (sim, "decline", "CHK-2", 200);
  declined = invoice_request (sim, "/pos/invoice/check", "CHK-2", "500");
  response = assert_ok (declined);
  g_assert_cmpstr (member_string (response, "resp_code"), ==, "05");
  g_assert_cmpstr (member_string (response, "resp_desc"), ==, "Гүйлгээ татгалзсан");
  g_assert_false (json_object_has_member (response, "approval_code"));

  unknown = invoice_request (sim, "/pos/invoice/check", "CHK-NONE", "500");
  assert_rejected (unknown, "NOT_FOUND");

  create_qr_ok (sim, "CHK-3", "700");
  cancel = invoice_request (sim, "/pos/invoice/cancel", "CHK-3", "700");
  assert_ok (cancel);
  cancelled = invoice_request (sim, "/pos/invoice/check", "CHK-3", "700");
  assert_rejected (cancelled, "CANCELLED");

  refund = invoice_request (sim, "/pos/payment/cancel", "CHK-1", "1200");
  assert_ok (refund);
  refunded = invoice_request (sim, "/pos/invoice/check", "CHK-1", "1200");
  assert_rejected (refunded, "REFUNDED");
}

static void
test_cancel (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autoptr(Reply) ok = NULL;
  g_autoptr(Reply) again = NULL;
  g_autoptr(Reply) paid = NULL;
  g_autoptr(Reply) declined = NULL;
  g_autoptr(Reply) refunded = NULL;
  g_autoptr(Reply) unknown = NULL;
  g_autoptr(Reply) mismatch = NULL;
  g_autoptr(Reply) refund = NULL;
  JsonObject *response;

  create_qr_ok (sim, "CAN-1", "1000");
  mismatch = invoice_request (sim, "/pos/invoice/cancel", "CAN-1", "999");
  assert_rejected (mismatch, "AMOUNT");
  assert_state (sim, "CAN-1", "unpaid");

  ok = invoice_request (sim, "/pos/invoice/cancel", "CAN-1", "1000");
  response = assert_ok (ok);
  g_assert_cmpstr (member_string (response, "status"), ==, "SUCCESS");
  g_assert_cmpstr (member_string (response, "desc"), ==, "Нэхэмжлэх цуцлагдлаа");
  assert_state (sim, "CAN-1", "cancelled");
  again = invoice_request (sim, "/pos/invoice/cancel", "CAN-1", "1000");
  assert_rejected (again, "ALREADY_CANCELLED");
  /* The customer can no longer pay it. */
  customer (sim, "pay", "CAN-1", 409);

  create_qr_ok (sim, "CAN-2", "1000");
  customer (sim, "pay", "CAN-2", 200);
  paid = invoice_request (sim, "/pos/invoice/cancel", "CAN-2", "1000");
  assert_rejected (paid, "ALREADY_PAID");
  assert_state (sim, "CAN-2", "paid");

  refund = invoice_request (sim, "/pos/payment/cancel", "CAN-2", "1000");
  assert_ok (refund);
  refunded = invoice_request (sim, "/pos/invoice/cancel", "CAN-2", "1000");
  assert_rejected (refunded, "REFUNDED");

  create_qr_ok (sim, "CAN-3", "1000");
  customer (sim, "decline", "CAN-3", 200);
  declined = invoice_request (sim, "/pos/invoice/cancel", "CAN-3", "1000");
  assert_rejected (declined, "DECLINED");

  unknown = invoice_request (sim, "/pos/invoice/cancel", "CAN-NONE", "1000");
  assert_rejected (unknown, "NOT_FOUND");
}

static void
test_refund (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autoptr(Reply) unpaid = NULL;
  g_autoptr(Reply) ok = NULL;
  g_autoptr(Reply) again = NULL;
  g_autoptr(Reply) mismatch = NULL;
  g_autoptr(Reply) reversed = NULL;
  g_autofree char *reversed_sum = kassa_checksum_concat (S, "2000", "REF-1", T, NULL);
  g_autofree char *reversed_body = body_raw (T, "REF-1", "\"2000\"", reversed_sum);
  JsonObject *response;

  create_qr_ok (sim, "REF-1", "2000");
  unpaid = invoice_request (sim, "/pos/payment/cancel", "REF-1", "2000");
  assert_rejected (unpaid, "NOT_PAID");

  customer (sim, "pay", "REF-1", 200);
  customer (sim, "pay", "REF-1", 409);
  customer (sim, "decline", "REF-1", 409);

  /* The default reading: terminal+invoice+amount; the reversed order is refused. */
  reversed = post (sim, "/pos/payment/cancel", reversed_body);
  assert_rejected (reversed, "CHECKSUM");
  mismatch = invoice_request (sim, "/pos/payment/cancel", "REF-1", "1999");
  assert_rejected (mismatch, "AMOUNT");
  assert_state (sim, "REF-1", "paid");

  ok = invoice_request (sim, "/pos/payment/cancel", "REF-1", "2000");
  response = assert_ok (ok);
  assert_paid_transaction (response, "REF-1", "2000");
  assert_state (sim, "REF-1", "refunded");

  again = invoice_request (sim, "/pos/payment/cancel", "REF-1", "2000");
  assert_rejected (again, "ALREADY_REFUNDED");
}

static void
test_refund_order_reading (void)
{
  g_autoptr(KassaTestSim) sim =
    kassa_test_sim_spawn ("--reading", "refund-checksum-order=amount-invoice-terminal", NULL);
  g_autofree char *reversed_sum = kassa_checksum_concat (S, "2000", "RO-1", T, NULL);
  g_autofree char *reversed_body = body_raw (T, "RO-1", "\"2000\"", reversed_sum);
  g_autoptr(Reply) default_order = NULL;
  g_autoptr(Reply) ok = NULL;

  create_qr_ok (sim, "RO-1", "2000");
  customer (sim, "pay", "RO-1", 200);

  default_order = invoice_request (sim, "/pos/payment/cancel", "RO-1", "2000");
  assert_rejected (default_order, "CHECKSUM");
  assert_state (sim, "RO-1", "paid");

  ok = post (sim, "/pos/payment/cancel", reversed_body);
  assert_ok (ok);
  assert_state (sim, "RO-1", "refunded");
}

static void
test_unpaid_check_resp_code (void)
{
  g_autoptr(KassaTestSim) sim =
    kassa_test_sim_spawn ("--reading", "unpaid-check-style=resp-code", NULL);
  g_autoptr(Reply) unpaid = NULL;
  g_autofree char *checksum = kassa_checksum_concat (S, T, "UC-1", "800", NULL);
  JsonObject *response;

  create_qr_ok (sim, "UC-1", "800");
  unpaid = invoice_request (sim, "/pos/invoice/check", "UC-1", "800");
  response = assert_ok (unpaid);
  g_assert_cmpstr (member_string (response, "resp_code"), ==, "01");
  g_assert_cmpstr (member_string (response, "resp_desc"), ==, "Төлөгдөөгүй");
  g_assert_cmpstr (member_string (response, "terminal"), ==, T);
  g_assert_cmpstr (member_string (response, "invoice"), ==, "UC-1");
  g_assert_cmpstr (member_string (response, "amount"), ==, "800");
  g_assert_cmpstr (member_string (response, "checksum"), ==, checksum);
  g_assert_false (json_object_has_member (response, "approval_code"));
}

static void
test_bad_reading (void)
{
  const char *argv[] = {
    g_getenv ("KASSA_BANK_SIM"), "--terminal", T, "--secret", S,
    "--reading", "refund-checksum-order=sideways", NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process =
    g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                       G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);

  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
}

/* ------------------------------------------------------------------ */
/* Settlement                                                          */

static void
assert_settlement (Reply      *reply,
                   const char *amount,
                   gint64      count)
{
  JsonObject *response = assert_ok (reply);

  g_assert_cmpstr (member_string (response, "amount"), ==, amount);
  g_assert_cmpint (member_int (response, "count"), ==, count);
  g_assert_cmpstr (member_string (response, "status"), ==, "SUCCESS");
}

static Reply *
settle (KassaTestSim *sim,
        const char   *settlement_id)
{
  g_autofree char *body = settlement_body (settlement_id);

  return post (sim, "/pos/settlement", body);
}

static void
test_settlement (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autoptr(Reply) refund = NULL;
  g_autoptr(Reply) s1 = NULL;
  g_autoptr(Reply) s2 = NULL;
  g_autoptr(Reply) s1_again = NULL;
  g_autoptr(Reply) s3 = NULL;
  g_autoptr(Reply) s1_third = NULL;
  g_autoptr(Reply) bad = NULL;
  g_autoptr(Reply) bad_id = NULL;
  g_autofree char *y_sum = kassa_checksum_concat (S, T, "Y", NULL);
  g_autofree char *wrong_sum = g_strdup_printf ("{\"terminal\":\"%s\",\"settlementId\":\"X\","
                                                "\"checksum\":\"%s\"}", T, y_sum);
  g_autofree char *long_id = settlement_body ("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456");

  create_qr_ok (sim, "ST-1", "1000");
  create_qr_ok (sim, "ST-2", "2000");
  create_qr_ok (sim, "ST-3", "3000");
  create_qr_ok (sim, "ST-4", "4000");   /* never paid */
  create_qr_ok (sim, "ST-5", "5000");   /* declined */
  customer (sim, "pay", "ST-1", 200);
  customer (sim, "pay", "ST-2", 200);
  customer (sim, "pay", "ST-3", 200);
  customer (sim, "decline", "ST-5", 200);
  refund = invoice_request (sim, "/pos/payment/cancel", "ST-2", "2000");
  assert_ok (refund);

  s1 = settle (sim, "SETTLE-1");
  assert_settlement (s1, "4000", 2);

  /* A new batch is empty. */
  s2 = settle (sim, "SETTLE-2");
  assert_settlement (s2, "0", 0);

  /* The same id gives the same stored answer, even after more sales. */
  create_qr_ok (sim, "ST-6", "600");
  customer (sim, "pay", "ST-6", 200);
  s1_again = settle (sim, "SETTLE-1");
  assert_settlement (s1_again, "4000", 2);
  s3 = settle (sim, "SETTLE-3");
  assert_settlement (s3, "600", 1);
  s1_third = settle (sim, "SETTLE-1");
  assert_settlement (s1_third, "4000", 2);

  bad = post (sim, "/pos/settlement", wrong_sum);
  assert_rejected (bad, "CHECKSUM");
  bad_id = post (sim, "/pos/settlement", long_id);
  assert_rejected (bad_id, "SETTLEMENT_ID");
}

static void
test_amount_as_number (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawn ("--reading", "amount-as-number=true", NULL);
  g_autofree char *checksum = kassa_checksum_concat (S, T, "AN-1", "1000", NULL);
  g_autofree char *body = body_raw (T, "AN-1", "1000", checksum);
  g_autofree char *fraction_sum = kassa_checksum_concat (S, T, "AN-2", "1000.5", NULL);
  g_autofree char *fraction = body_raw (T, "AN-2", "1000.5", fraction_sum);
  g_autoptr(Reply) created = post (sim, "/pos/invoice/qr", body);
  g_autoptr(Reply) bad = post (sim, "/pos/invoice/qr", fraction);
  g_autoptr(Reply) check = NULL;

  assert_ok (created);
  assert_rejected (bad, "AMOUNT");
  customer (sim, "pay", "AN-1", 200);
  check = post (sim, "/pos/invoice/check", body);
  /* Replies still write the amount as a string. */
  assert_paid_transaction (assert_ok (check), "AN-1", "1000");
}

static void
test_two_decimals (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawn ("--reading", "amount-format=two-decimals",
                                                      NULL);
  g_autoptr(Reply) check = NULL;
  g_autoptr(Reply) s1 = NULL;
  g_autoptr(Reply) s2 = NULL;

  create_qr_ok (sim, "TD-1", "1000.00");
  customer (sim, "pay", "TD-1", 200);
  check = invoice_request (sim, "/pos/invoice/check", "TD-1", "1000.00");
  assert_paid_transaction (assert_ok (check), "TD-1", "1000.00");

  s1 = settle (sim, "TD-S1");
  assert_settlement (s1, "1000.00", 1);
  s2 = settle (sim, "TD-S2");
  assert_settlement (s2, "0.00", 0);
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */

static void
test_fault_delay (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autoptr(Reply) delayed = NULL;
  g_autoptr(Reply) cancel = NULL;
  g_autoptr(Reply) after = NULL;
  gint64 start;
  gint64 elapsed;

  create_qr_ok (sim, "FD-1", "1000");
  customer (sim, "pay", "FD-1", 200);
  fault (sim, "check", "delay", 400, 1);

  start = g_get_monotonic_time ();
  delayed = invoice_request (sim, "/pos/invoice/check", "FD-1", "1000");
  elapsed = g_get_monotonic_time () - start;
  g_assert_cmpint (elapsed, >=, 400 * 1000);
  assert_paid_transaction (assert_ok (delayed), "FD-1", "1000");

  /* A delayed request is then processed normally: it does change state. */
  create_qr_ok (sim, "FD-2", "1000");
  fault (sim, "cancel", "delay", 200, 1);
  start = g_get_monotonic_time ();
  cancel = invoice_request (sim, "/pos/invoice/cancel", "FD-2", "1000");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 200 * 1000);
  assert_ok (cancel);
  assert_state (sim, "FD-2", "cancelled");

  /* count = 1: the next one is not delayed (and answers normally). */
  after = invoice_request (sim, "/pos/invoice/check", "FD-1", "1000");
  assert_ok (after);
}

static void
test_fault_http500 (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autoptr(Reply) r1 = NULL;
  g_autoptr(Reply) r2 = NULL;
  g_autoptr(Reply) r3 = NULL;

  /* A faulted create creates nothing; the retry is not a duplicate. */
  fault (sim, "qr", "http500", 0, 1);
  r1 = invoice_request (sim, "/pos/invoice/qr", "F5-1", "1000");
  g_assert_cmpuint (r1->status, ==, 500);
  g_assert_true (r1->root == NULL || !JSON_NODE_HOLDS_OBJECT (r1->root));
  g_assert_null (strstr (r1->text, "header"));
  assert_state (sim, "F5-1", "");

  r2 = invoice_request (sim, "/pos/invoice/qr", "F5-1", "1000");
  assert_ok (r2);

  /* Other endpoints are not affected. */
  fault (sim, "refund", "http500", 0, 0);
  r3 = invoice_request (sim, "/pos/invoice/check", "F5-1", "1000");
  assert_rejected (r3, "NOT_PAID");
}

static void
test_fault_http500_envelope (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autoptr(Reply) r1 = NULL;

  create_qr_ok (sim, "FE-1", "1000");
  customer (sim, "pay", "FE-1", 200);
  fault (sim, "refund", "http500-envelope", 0, 1);
  r1 = invoice_request (sim, "/pos/payment/cancel", "FE-1", "1000");
  assert_failed (r1, 500, 500, "SYSTEM");
  assert_state (sim, "FE-1", "paid");
}

static void
test_fault_code500 (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autoptr(Reply) r1 = NULL;
  g_autoptr(Reply) r2 = NULL;
  g_autoptr(Reply) r3 = NULL;
  g_autoptr(Reply) cleared = NULL;

  create_qr_ok (sim, "FC-1", "1000");
  /* count 0: until cleared. */
  fault (sim, "cancel", "code500", 0, 0);
  r1 = invoice_request (sim, "/pos/invoice/cancel", "FC-1", "1000");
  assert_failed (r1, 200, 500, "SYSTEM");
  r2 = invoice_request (sim, "/pos/invoice/cancel", "FC-1", "1000");
  assert_failed (r2, 200, 500, "SYSTEM");
  assert_state (sim, "FC-1", "unpaid");

  cleared = control (sim, "/sim/clear-faults", "{}");
  g_assert_cmpuint (cleared->status, ==, 200);
  r3 = invoice_request (sim, "/pos/invoice/cancel", "FC-1", "1000");
  assert_ok (r3);
}

static void
test_fault_malformed (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autoptr(Reply) r1 = NULL;

  create_qr_ok (sim, "FM-1", "1000");
  fault (sim, "check", "malformed", 0, 1);
  r1 = invoice_request (sim, "/pos/invoice/check", "FM-1", "1000");
  g_assert_cmpuint (r1->status, ==, 200);
  g_assert_null (r1->root);
  g_assert_true (g_str_has_prefix (r1->text, "{"));
}

static void
test_fault_drop (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autofree char *url = g_strconcat (kassa_test_sim_get_url (sim), "/pos/invoice/cancel", NULL);
  g_autofree char *body = invoice_body ("FX-1", "1000");
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Reply) after = NULL;
  guint status = 0;

  create_qr_ok (sim, "FX-1", "1000");
  fault (sim, "cancel", "drop", 0, 1);
  text = kassa_test_http ("POST", url, "application/json", body, -1, &status, &error);
  g_assert_null (text);
  g_assert_nonnull (error);
  g_test_message ("drop gave: %s", error->message);
  assert_state (sim, "FX-1", "unpaid");

  /* The server is still fine. */
  after = post (sim, "/pos/invoice/cancel", body);
  assert_ok (after);
}

static void
test_fault_control_errors (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  const char * const bad[] = {
    "{\"endpoint\":\"check\",\"kind\":\"explode\"}",
    "{\"endpoint\":\"nowhere\",\"kind\":\"drop\"}",
    "{\"endpoint\":\"check\",\"kind\":\"delay\"}",
    "{\"endpoint\":\"check\",\"kind\":\"drop\",\"count\":-1}",
    "{\"endpoint\":\"check\",\"kind\":\"drop\",\"count\":\"1\"}",
    "{\"kind\":\"drop\"}",
    "not json",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(Reply) reply = control (sim, "/sim/fault", bad[i]);
      JsonObject *root = root_object (reply);

      g_assert_cmpuint (reply->status, ==, 400);
      g_assert_false (json_object_get_boolean_member (root, "ok"));
      g_assert_cmpuint (strlen (member_string (root, "error")), >, 0);
    }
}

/* ------------------------------------------------------------------ */
/* Control interface                                                   */

static void
test_control (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  g_autoptr(Reply) with_terminal = NULL;
  g_autoptr(Reply) other_terminal = NULL;
  g_autoptr(Reply) bad_json = NULL;
  g_autoptr(Reply) no_invoice = NULL;
  g_autoptr(Reply) unknown_path = NULL;
  g_autoptr(Reply) get_pay = NULL;
  g_autoptr(Reply) bad_push = NULL;
  g_autoptr(Reply) bad_autopay = NULL;
  g_autoptr(Reply) list = NULL;
  JsonArray *array;

  customer (sim, "pay", "CT-NONE", 404);
  customer (sim, "decline", "CT-NONE", 404);

  create_qr_ok (sim, "CT-1", "100");
  with_terminal = control (sim, "/sim/pay", "{\"invoice\":\"CT-1\",\"terminal\":\"12345678\"}");
  g_assert_cmpuint (with_terminal->status, ==, 200);
  g_assert_cmpstr (member_string (root_object (with_terminal), "state"), ==, "paid");
  other_terminal = control (sim, "/sim/pay", "{\"invoice\":\"CT-1\",\"terminal\":\"87654321\"}");
  g_assert_cmpuint (other_terminal->status, ==, 404);

  bad_json = control (sim, "/sim/pay", "{\"invoice\":");
  g_assert_cmpuint (bad_json->status, ==, 400);
  g_assert_false (json_object_get_boolean_member (root_object (bad_json), "ok"));
  no_invoice = control (sim, "/sim/decline", "{\"invoice\": 5}");
  g_assert_cmpuint (no_invoice->status, ==, 400);
  unknown_path = control (sim, "/sim/explode", "{}");
  g_assert_cmpuint (unknown_path->status, ==, 404);
  get_pay = request_full (sim, "GET", "/sim/pay", NULL, NULL);
  g_assert_cmpuint (get_pay->status, ==, 405);
  bad_push = control (sim, "/sim/push-url", "{\"url\":\"ftp://example.org/\"}");
  g_assert_cmpuint (bad_push->status, ==, 400);
  bad_autopay = control (sim, "/sim/autopay", "{\"seconds\":-3}");
  g_assert_cmpuint (bad_autopay->status, ==, 400);

  create_qr_ok (sim, "CT-2", "200");
  {
    g_autoptr(Reply) deeplink = invoice_request (sim, "/pos/invoice/qr/deeplink", "CT-3", "300");

    assert_ok (deeplink);
  }
  list = request_full (sim, "GET", "/sim/invoices", NULL, NULL);
  g_assert_cmpuint (list->status, ==, 200);
  array = json_node_get_array (list->root);
  g_assert_cmpuint (json_array_get_length (array), ==, 3);
  g_assert_cmpstr (member_string (json_array_get_object_element (array, 0), "state"), ==, "paid");
  g_assert_cmpstr (member_string (json_array_get_object_element (array, 1), "method"), ==, "qr");
  g_assert_cmpint (member_int (json_array_get_object_element (array, 1), "amount"), ==, 200);
  g_assert_cmpstr (member_string (json_array_get_object_element (array, 2), "method"), ==,
                   "deeplink");
  g_assert_false (json_object_has_member (json_array_get_object_element (array, 2), "phone"));
}

static char *
run_client (const char  *url_env,
            int         *out_status,
            const char  *first_arg,
            ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  va_list ap;

  g_ptr_array_add (argv, (char *) g_getenv ("KASSA_BANK_SIM"));
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  if (url_env != NULL)
    g_subprocess_launcher_setenv (launcher, "KASSA_BANK_URL", url_env, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  *out_status = g_subprocess_get_exit_status (process);

  return out;
}

static void
test_client_commands (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  const char *url = kassa_test_sim_get_url (sim);
  g_autofree char *out1 = NULL;
  g_autofree char *out2 = NULL;
  g_autofree char *out3 = NULL;
  g_autofree char *out4 = NULL;
  g_autofree char *out5 = NULL;
  g_autofree char *out6 = NULL;
  g_autofree char *out7 = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(Reply) check = NULL;
  int status = -1;

  create_qr_ok (sim, "CL-1", "100");
  create_qr_ok (sim, "CL-2", "100");

  out1 = run_client (NULL, &status, "pay", "CL-1", "--url", url, NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out1, "\"state\":\"paid\""));
  assert_state (sim, "CL-1", "paid");

  out2 = run_client (NULL, &status, "pay", "CL-1", "--url", url, NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (out2, "\"ok\":false"));

  /* The URL may come from KASSA_BANK_URL. */
  out3 = run_client (url, &status, "decline", "CL-2", NULL);
  g_assert_cmpint (status, ==, 0);
  assert_state (sim, "CL-2", "declined");

  out4 = run_client (url, &status, "invoices", NULL);
  g_assert_cmpint (status, ==, 0);
  list = parse_json (out4);
  g_assert_true (list != NULL && JSON_NODE_HOLDS_ARRAY (list));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 2);

  out5 = run_client (url, &status, "fault", "check", "code500", "--count", "1", NULL);
  g_assert_cmpint (status, ==, 0);
  check = invoice_request (sim, "/pos/invoice/check", "CL-1", "100");
  assert_failed (check, 200, 500, "SYSTEM");

  out6 = run_client (url, &status, "fault", "check", "teleport", NULL);
  g_assert_cmpint (status, ==, 1);

  out7 = run_client (url, &status, "clear-faults", NULL);
  g_assert_cmpint (status, ==, 0);
}

/* ------------------------------------------------------------------ */
/* Customer side: autopay and push                                     */

static gboolean
is_paid_now (KassaTestSim *sim,
             const char   *invoice)
{
  g_autofree char *state = invoice_state (sim, invoice);

  return g_str_equal (state, "paid");
}

static void
test_autopay (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawn ("--autopay", "1", NULL);
  g_autoptr(Reply) off = NULL;
  g_autoptr(Reply) check = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 paid_after = -1;

  create_qr_ok (sim, "AP-1", "1000");
  assert_state (sim, "AP-1", "unpaid");

  while (g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC)
    {
      if (is_paid_now (sim, "AP-1"))
        {
          paid_after = g_get_monotonic_time () - start;
          break;
        }
      g_usleep (50 * 1000);
    }
  g_assert_cmpint (paid_after, >=, 900 * 1000);
  check = invoice_request (sim, "/pos/invoice/check", "AP-1", "1000");
  assert_paid_transaction (assert_ok (check), "AP-1", "1000");

  /* A cancelled invoice is not paid by autopay. */
  {
    g_autoptr(Reply) cancel = NULL;

    create_qr_ok (sim, "AP-2", "1000");
    cancel = invoice_request (sim, "/pos/invoice/cancel", "AP-2", "1000");
    assert_ok (cancel);
  }

  off = control (sim, "/sim/autopay", "{\"seconds\":0}");
  g_assert_cmpuint (off->status, ==, 200);
  create_qr_ok (sim, "AP-3", "1000");
  g_usleep (1500 * 1000);
  assert_state (sim, "AP-2", "cancelled");
  assert_state (sim, "AP-3", "unpaid");
}

typedef struct
{
  gboolean  received;
  char     *path;
  char     *method;
  char     *content_type;
  char     *body;
} PushSink;

static void
on_push_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  PushSink *sink = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  const char *type = soup_message_headers_get_content_type (
    soup_server_message_get_request_headers (msg), NULL);

  g_free (sink->path);
  g_free (sink->method);
  g_free (sink->content_type);
  g_free (sink->body);
  sink->path = g_strdup (path);
  sink->method = g_strdup (soup_server_message_get_method (msg));
  sink->content_type = g_strdup (type);
  sink->body = g_strndup (body->data, body->length);
  sink->received = TRUE;
  soup_server_message_set_status (msg, 200, NULL);
}

static SoupServer *
push_sink_new (PushSink  *sink,
               char     **out_url)
{
  SoupServer *server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  soup_server_add_handler (server, NULL, on_push_cb, sink, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  *out_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  return server;
}

static void
push_sink_clear (PushSink *sink)
{
  g_free (sink->path);
  g_free (sink->method);
  g_free (sink->content_type);
  g_free (sink->body);
  memset (sink, 0, sizeof *sink);
}

static void
assert_push (PushSink   *sink,
             const char *path,
             const char *invoice,
             const char *amount)
{
  g_autoptr(JsonNode) root = parse_json (sink->body);
  g_autofree char *checksum = kassa_checksum_concat (S, T, invoice, amount, NULL);
  JsonObject *object;

  g_assert_cmpstr (sink->path, ==, path);
  g_assert_cmpstr (sink->method, ==, "POST");
  g_assert_cmpstr (sink->content_type, ==, "application/json");
  g_assert_true (root != NULL && JSON_NODE_HOLDS_OBJECT (root));
  object = json_node_get_object (root);
  /* Flat: no envelope. */
  g_assert_false (json_object_has_member (object, "header"));
  g_assert_cmpstr (member_string (object, "resp_code"), ==, "00");
  g_assert_cmpstr (member_string (object, "resp_desc"), ==, "Амжилттай");
  g_assert_cmpstr (member_string (object, "amount"), ==, amount);
  g_assert_cmpstr (member_string (object, "invoice"), ==, invoice);
  g_assert_cmpstr (member_string (object, "terminal"), ==, T);
  g_assert_cmpuint (strlen (member_string (object, "approval_code")), ==, 6);
  g_assert_true (g_regex_match_simple ("^[0-9]{6}\\*{6}[0-9]{4}$",
                                       member_string (object, "card_number"), 0, 0));
  g_assert_cmpstr (member_string (object, "checksum"), ==, checksum);
}

static void
test_push (void)
{
  PushSink sink = { 0 };
  g_autofree char *base = NULL;
  g_autoptr(SoupServer) server = push_sink_new (&sink, &base);
  g_autofree char *push_url = g_strconcat (base, "/kassa/push", NULL);
  g_autofree char *control_json = NULL;
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawn ("--push-url", push_url, NULL);
  g_autoptr(Reply) set = NULL;

  create_qr_ok (sim, "PU-1", "4200");
  customer (sim, "pay", "PU-1", 200);
  kassa_test_wait_for (&sink.received, 10);
  assert_push (&sink, "/kassa/push", "PU-1", "4200");
  push_sink_clear (&sink);

  /* The push URL can be changed over the control interface. */
  control_json = g_strdup_printf ("{\"url\":\"%s/other\"}", base);
  set = control (sim, "/sim/push-url", control_json);
  g_assert_cmpuint (set->status, ==, 200);
  create_qr_ok (sim, "PU-2", "99");
  customer (sim, "pay", "PU-2", 200);
  kassa_test_wait_for (&sink.received, 10);
  assert_push (&sink, "/other", "PU-2", "99");
  push_sink_clear (&sink);

  soup_server_disconnect (server);
}

static void
test_push_autopay (void)
{
  PushSink sink = { 0 };
  g_autofree char *base = NULL;
  g_autoptr(SoupServer) server = push_sink_new (&sink, &base);
  g_autoptr(KassaTestSim) sim = NULL;
  g_autoptr(Reply) autopay = NULL;
  g_autofree char *json = NULL;

  sim = kassa_test_sim_spawnv (NULL);
  json = g_strdup_printf ("{\"url\":\"%s/p\"}", base);
  g_clear_pointer (&autopay, reply_free);
  autopay = control (sim, "/sim/push-url", json);
  g_assert_cmpuint (autopay->status, ==, 200);
  g_clear_pointer (&autopay, reply_free);
  autopay = control (sim, "/sim/autopay", "{\"seconds\":1}");
  g_assert_cmpuint (autopay->status, ==, 200);

  create_qr_ok (sim, "PA-1", "1000");
  g_assert_false (sink.received);
  kassa_test_wait_for (&sink.received, 10);
  assert_push (&sink, "/p", "PA-1", "1000");
  push_sink_clear (&sink);
  soup_server_disconnect (server);
}

/* ------------------------------------------------------------------ */
/* Process options                                                     */

static void
test_error_http_status (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawn ("--error-http-status", "400", NULL);
  g_autofree char *bad_sum = kassa_checksum_concat (S, T, "EH-1", "1001", NULL);
  g_autofree char *bad = body_raw (T, "EH-1", "\"1000\"", bad_sum);
  g_autoptr(Reply) rejected = post (sim, "/pos/invoice/qr", bad);
  g_autoptr(Reply) ok = NULL;
  g_autoptr(Reply) unpaid = NULL;

  assert_failed (rejected, 400, 400, "CHECKSUM");
  ok = invoice_request (sim, "/pos/invoice/qr", "EH-1", "1000");
  assert_ok (ok);
  unpaid = invoice_request (sim, "/pos/invoice/check", "EH-1", "1000");
  assert_failed (unpaid, 400, 400, "NOT_PAID");
}

static gboolean
contains_bytes (const char *haystack,
                gsize       len,
                const char *needle)
{
  gsize needle_len = strlen (needle);

  for (gsize i = 0; i + needle_len <= len; i++)
    {
      if (memcmp (haystack + i, needle, needle_len) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
test_secret_not_in_cmdline (void)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  const char *pid = g_subprocess_get_identifier (kassa_test_sim_get_process (sim));
  g_autofree char *path = g_strdup_printf ("/proc/%s/cmdline", pid);
  g_autofree char *cmdline = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &cmdline, &len, &error));
  g_assert_no_error (error);
  /* Really the sim's command line… */
  g_assert_true (contains_bytes (cmdline, len, "--secret"));
  g_assert_true (contains_bytes (cmdline, len, T));
  /* …without the secret. */
  g_assert_false (contains_bytes (cmdline, len, S));

  /* And the secret still works. */
  create_qr_ok (sim, "SEC-1", "1000");
}

static void
test_secret_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kassa-sim-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "secret", NULL);
  const char *argv[] = {
    g_getenv ("KASSA_BANK_SIM"), "--port", "0", "--terminal", "23456789",
    "--secret-file", file, NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *url = NULL;
  g_autofree char *checksum = kassa_checksum_concat ("file-secret", "23456789", "SF-1", "10",
                                                     NULL);
  g_autofree char *body = body_raw ("23456789", "SF-1", "\"10\"", checksum);
  g_autofree char *target = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) root = NULL;
  guint status = 0;

  g_assert_true (g_file_set_contents_full (file, "file-secret\n", -1,
                                          G_FILE_SET_CONTENTS_NONE, 0600, &error));
  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  url = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (url, "http://127.0.0.1:"));

  target = g_strconcat (url, "/pos/invoice/qr", NULL);
  text = kassa_test_http ("POST", target, "application/json", body, -1, &status, &error);
  g_assert_no_error (error);
  root = parse_json (text);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (
                     json_node_get_object (root), "header"), "code"), ==, 200);

  g_subprocess_send_signal (process, SIGTERM);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  /* SIGTERM is a clean exit. */
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  g_unlink (file);
  g_rmdir (dir);
}

static void
test_bad_options (void)
{
  const char *sim = g_getenv ("KASSA_BANK_SIM");
  const char * const cases[][10] = {
    { sim, "--terminal", T, "--secret", S, "--port", "abc", NULL },
    { sim, "--secret", S, NULL },
    { sim, "--terminal", "1234567", "--secret", S, NULL },
    { sim, "--terminal", T, NULL },
    { sim, "--terminal", T, "--secret", S, "--secret-file", "/nonexistent", NULL },
    { sim, "--terminal", T, "--secret", S, "--port", "70000", NULL },
    { sim, "--terminal", T, "--secret", S, "--error-http-status", "42", NULL },
    { sim, "--terminal", T, "--secret", S, "--merchant-name", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", NULL },
    { sim, "--terminal", T, "--secret", S, "--reading", "no-such-key=1", NULL },
    { sim, "--terminal", T, "--secret", S, "--reading", "novalue", NULL },
    { sim, "--terminal", T, "--secret", S, "--push-url", "mailto:x@example.org", NULL },
    { sim, "--terminal", T, "--secret", S, "--tls-cert", "/nonexistent", NULL },
    { sim, "--terminal", T, "--secret", S, "--autopay", "-1", NULL },
    { sim, "--terminal", T, "--secret", S, "--cancel-reply", "none", NULL },
    { sim, "--terminal", T, "--secret", S, "--cancel-reply", "Both", NULL },
    { sim, "--terminal", T, "--secret", S, "--bogus", NULL },
    { sim, "--terminal", T, "--secret", S, "extra", NULL },
    { sim, "--terminal", T, "--secret", "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) process = NULL;
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      process = g_subprocess_newv ((const char * const *) cases[i],
                                   G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                   G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error));
      g_assert_no_error (error);
      g_test_message ("case %u: %s", i, err);
      g_assert_true (g_subprocess_get_if_exited (process));
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
      g_assert_cmpstr (out, ==, "");
      g_assert_cmpuint (strlen (err), >, 0);
      g_assert_null (strstr (err, S));
    }
}

static void
test_tls (void)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *dir = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) gen = NULL;
  g_autoptr(KassaTestSim) sim = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autofree char *url = NULL;
  g_autofree char *untrusted = NULL;
  g_autofree char *body = invoice_body ("TLS-1", "1000");
  guint status = 0;

  if (openssl == NULL)
    {
      g_test_skip ("openssl is needed to make a test certificate");
      return;
    }

  dir = g_dir_make_tmp ("kassa-sim-tls-XXXXXX", &error);
  g_assert_no_error (error);
  cert = g_build_filename (dir, "cert.pem", NULL);
  key = g_build_filename (dir, "key.pem", NULL);
  gen = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                          &error, openssl, "req", "-x509", "-newkey", "ec",
                          "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                          "-keyout", key, "-out", cert, "-days", "1",
                          "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                          NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (gen, NULL, &error));
  g_assert_no_error (error);

  sim = kassa_test_sim_spawn ("--tls-cert", cert, "--tls-key", key, NULL);
  g_assert_true (g_str_has_prefix (kassa_test_sim_get_url (sim), "https://127.0.0.1:"));
  url = g_strconcat (kassa_test_sim_get_url (sim), "/pos/invoice/qr", NULL);

  /* Not trusted by default: the client's verification is really on. */
  untrusted = kassa_test_http ("POST", url, "application/json", body, -1, &status, &error);
  g_assert_null (untrusted);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);

  /* Trusted with its certificate as the CA. */
  database = g_tls_file_database_new (cert, &error);
  g_assert_no_error (error);
  session = soup_session_new_with_options ("timeout", 30, "tls-database", database,
                                           "proxy-resolver", NULL, NULL);
  msg = soup_message_new ("POST", url);
  request = g_bytes_new (body, strlen (body));
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  {
    g_autofree char *text = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
    Reply parsed = { 200, text, parse_json (text) };
    JsonObject *response = assert_ok (&parsed);

    g_assert_cmpstr (member_string (response, "status"), ==, "SUCCESS");
    g_clear_pointer (&parsed.root, json_node_unref);
  }

  g_unlink (cert);
  g_unlink (key);
  g_rmdir (dir);
}

/* The success fields of a cancel reply: both by default, or one of them
 * (--cancel-reply), whatever the profile's cancel-success-test. */
static void
test_cancel_reply (void)
{
  const struct
  {
    const char *option;
    const char *value;
    gboolean    has_status;
    gboolean    has_resp_code;
  } cases[] = {
    { NULL, NULL, TRUE, TRUE },
    { "--cancel-reply", "both", TRUE, TRUE },
    { "--cancel-reply", "status", TRUE, FALSE },
    { "--cancel-reply", "resp-code", FALSE, TRUE },
    { "--reading", "cancel-success-test=status", TRUE, TRUE },
    { "--reading", "cancel-success-test=resp-code", TRUE, TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KassaTestSim) sim = kassa_test_sim_spawn (cases[i].option, cases[i].value, NULL);
      g_autoptr(Reply) cancel = NULL;
      JsonObject *response;

      g_test_message ("%s %s", cases[i].option, cases[i].value);
      create_qr_ok (sim, "CR-1", "1000");
      cancel = invoice_request (sim, "/pos/invoice/cancel", "CR-1", "1000");
      response = assert_ok (cancel);
      g_assert_cmpstr (member_string (response, "desc"), ==, "Нэхэмжлэх цуцлагдлаа");
      g_assert_true (json_object_has_member (response, "status") == cases[i].has_status);
      g_assert_true (json_object_has_member (response, "resp_code") == cases[i].has_resp_code);
      g_assert_true (json_object_has_member (response, "resp_desc") == cases[i].has_resp_code);
      if (cases[i].has_status)
        g_assert_cmpstr (member_string (response, "status"), ==, "SUCCESS");
      if (cases[i].has_resp_code)
        {
          g_assert_cmpstr (member_string (response, "resp_code"), ==, "00");
          g_assert_cmpstr (member_string (response, "resp_desc"), ==, "Амжилттай");
        }
      assert_state (sim, "CR-1", "cancelled");
    }
}

int
main (int    argc,
      char **argv)
{
  /* G_TEST_OPTION_ISOLATE_DIRS hides the GSettings schemas, and the GNOME
   * proxy module aborts without them on the first connection; loopback needs
   * no proxy anyway. Inherited by the simulator processes. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/sim/create/qr", test_qr);
  g_test_add_func ("/sim/create/qr-long-invoice", test_qr_long_invoice);
  g_test_add_func ("/sim/create/deeplink", test_deeplink);
  g_test_add_func ("/sim/create/phone", test_phone);
  g_test_add_func ("/sim/create/duplicate", test_duplicate);
  g_test_add_func ("/sim/validate/checksum", test_bad_checksum);
  g_test_add_func ("/sim/validate/lenient-amounts", test_lenient_amounts);
  g_test_add_func ("/sim/validate/terminal", test_unknown_terminal);
  g_test_add_func ("/sim/validate/amounts", test_bad_amounts);
  g_test_add_func ("/sim/validate/requests", test_bad_requests);
  g_test_add_func ("/sim/state/check", test_check);
  g_test_add_func ("/sim/state/cancel", test_cancel);
  g_test_add_func ("/sim/state/refund", test_refund);
  g_test_add_func ("/sim/reading/refund-order", test_refund_order_reading);
  g_test_add_func ("/sim/reading/unpaid-check-resp-code", test_unpaid_check_resp_code);
  g_test_add_func ("/sim/reading/bad", test_bad_reading);
  g_test_add_func ("/sim/settlement", test_settlement);
  g_test_add_func ("/sim/reading/amount-as-number", test_amount_as_number);
  g_test_add_func ("/sim/reading/two-decimals", test_two_decimals);
  g_test_add_func ("/sim/fault/delay", test_fault_delay);
  g_test_add_func ("/sim/fault/http500", test_fault_http500);
  g_test_add_func ("/sim/fault/http500-envelope", test_fault_http500_envelope);
  g_test_add_func ("/sim/fault/code500", test_fault_code500);
  g_test_add_func ("/sim/fault/malformed", test_fault_malformed);
  g_test_add_func ("/sim/fault/drop", test_fault_drop);
  g_test_add_func ("/sim/fault/control-errors", test_fault_control_errors);
  g_test_add_func ("/sim/control/requests", test_control);
  g_test_add_func ("/sim/control/client-commands", test_client_commands);
  g_test_add_func ("/sim/customer/autopay", test_autopay);
  g_test_add_func ("/sim/customer/push", test_push);
  g_test_add_func ("/sim/customer/push-autopay", test_push_autopay);
  g_test_add_func ("/sim/process/error-http-status", test_error_http_status);
  g_test_add_func ("/sim/process/secret-not-in-cmdline", test_secret_not_in_cmdline);
  g_test_add_func ("/sim/process/secret-file", test_secret_file);
  g_test_add_func ("/sim/process/bad-options", test_bad_options);
  g_test_add_func ("/sim/process/tls", test_tls);
  g_test_add_func ("/sim/process/cancel-reply", test_cancel_reply);

  return g_test_run ();
}
