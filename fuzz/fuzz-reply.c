/* fuzz-reply.c — libFuzzer target: the bank's replies, for every endpoint and reading
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Input: byte 0 chooses the endpoint ('0' qr, '1' deeplink, '2' phone, '3'
 * check, '4' cancel, '5' refund, '6' settlement; any byte, modulo 7), byte 1
 * the HTTP status and the profile's readings (bit flags, see below), and the
 * rest is the reply body exactly as received. The body goes to the parser the
 * bank client uses for that endpoint (kassa_bank_reply_parse_*), and what comes
 * out goes where production sends it: a check outcome to kassa_till_read_check(),
 * a qr/deeplink `desc` to kassa_till_validate_payload(), every reply to its
 * to_json() form (kassa-ctl, the journal).
 *
 * Invariants: exactly one of reply and error; errors are KASSA_BANK_ERROR with a
 * readable message and the HTTP status they were given; a created invoice has
 * status SUCCESS and a non-empty desc, a cancel passes the profile's cancel
 * test, a refund is paid, a check has resp fields; amounts and counts are not
 * negative; copies are equal; to_json is one valid JSON object. docs/fuzzing.md.
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "kassa-bank-profile.h"
#include "kassa-bank-reply.h"
#include "kassa-error.h"
#include "kassa-fuzz.h"
#include "kassa-till-private.h"

/* Byte 1, as bits: */
#define FLAG_STATUS_MASK     0x03  /* the HTTP status: 200, 400, 500 or 503 */
#define FLAG_PAID_RESP_DESC  0x04  /* paid-test=resp-desc */
#define FLAG_CANCEL_RESP     0x08  /* cancel-success-test=resp-code */
#define FLAG_TWO_DECIMALS    0x10  /* amount-format=two-decimals */
#define FLAG_AS_NUMBER       0x20  /* amount-as-number=true (only with plain amounts) */

static const guint http_statuses[] = { 200, 400, 500, 503 };

static KassaBankProfile *
profile_for_flags (guint8 flags)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();

  if (flags & FLAG_PAID_RESP_DESC)
    g_assert_true (kassa_bank_profile_set_reading (profile, "paid-test", "resp-desc", NULL));
  if (flags & FLAG_CANCEL_RESP)
    g_assert_true (kassa_bank_profile_set_reading (profile, "cancel-success-test", "resp-code",
                                                   NULL));
  if (flags & FLAG_TWO_DECIMALS)
    g_assert_true (kassa_bank_profile_set_reading (profile, "amount-format", "two-decimals",
                                                   NULL));
  else if (flags & FLAG_AS_NUMBER)
    g_assert_true (kassa_bank_profile_set_reading (profile, "amount-as-number", "true", NULL));

  return g_steal_pointer (&profile);
}

/* to_json output is what kassa-ctl prints and the journal stores. */
static void
check_json_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (json);
  g_assert_true (g_utf8_validate (json, -1, NULL));
  if (!json_parser_load_from_data (parser, json, -1, &error))
    g_error ("to_json gave invalid JSON (%s): %s", error->message, json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
}

static void
check_error (const GError *error,
             guint         http_status)
{
  kassa_fuzz_check_error (error, KASSA_BANK_ERROR);
  g_assert_true (error->code == KASSA_BANK_ERROR_TRANSPORT ||
                 error->code == KASSA_BANK_ERROR_MALFORMED_REPLY ||
                 error->code == KASSA_BANK_ERROR_REJECTED ||
                 error->code == KASSA_BANK_ERROR_BANK_SYSTEM);
  g_assert_cmpuint (kassa_bank_error_get_http_status (error), ==, http_status);

  /* No readable envelope: the HTTP status decides (kassa-bank-reply.h). */
  if (error->code == KASSA_BANK_ERROR_TRANSPORT)
    g_assert_true (http_status < 200 || (http_status >= 300 && http_status < 500));

  if (kassa_bank_error_get_error_type (error) != NULL)
    g_assert_true (g_utf8_validate (kassa_bank_error_get_error_type (error), -1, NULL));
  if (kassa_bank_error_get_error_desc (error) != NULL)
    g_assert_true (g_utf8_validate (kassa_bank_error_get_error_desc (error), -1, NULL));
}

static void
check_invoice (KassaBankProfile  *profile,
               KassaBankEndpoint  endpoint,
               guint              http_status,
               GBytes            *body)
{
  g_autoptr(KassaBankInvoiceReply) reply = NULL;
  g_autoptr(KassaBankInvoiceReply) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  reply = kassa_bank_reply_parse_invoice (profile, endpoint, http_status, body, &error);
  if (reply == NULL)
    {
      g_debug ("%s: %s", kassa_bank_endpoint_get_name (endpoint), error->message);
      check_error (error, http_status);
      return;
    }
  g_assert_no_error (error);
  g_debug ("%s: desc %s", kassa_bank_endpoint_get_name (endpoint), reply->desc);

  if (endpoint == KASSA_BANK_ENDPOINT_CANCEL)
    {
      g_assert_true (kassa_bank_profile_is_cancelled (profile, reply->status, reply->resp_code));
    }
  else
    {
      g_assert_nonnull (reply->status);
      g_assert_cmpint (g_ascii_strcasecmp (reply->status, "SUCCESS"), ==, 0);
      g_assert_nonnull (reply->desc);
      g_assert_cmpuint (strlen (reply->desc), >, 0);
    }

  /* What the till does with a created invoice's desc before showing it. */
  if (endpoint == KASSA_BANK_ENDPOINT_QR || endpoint == KASSA_BANK_ENDPOINT_DEEPLINK)
    {
      g_autoptr(GError) payload_error = NULL;
      KassaInvoiceMethod method = endpoint == KASSA_BANK_ENDPOINT_QR
                                  ? KASSA_INVOICE_METHOD_QR : KASSA_INVOICE_METHOD_DEEPLINK;

      if (!kassa_till_validate_payload (profile, method, 1000, reply->desc, &payload_error))
        {
          kassa_fuzz_check_error (payload_error, KASSA_TILL_ERROR);
          g_assert_cmpint (payload_error->code, ==, KASSA_TILL_ERROR_PAYLOAD);
        }
    }

  copy = kassa_bank_invoice_reply_copy (reply);
  g_assert_cmpstr (copy->desc, ==, reply->desc);
  g_assert_cmpstr (copy->status, ==, reply->status);
  g_assert_cmpstr (copy->resp_code, ==, reply->resp_code);

  json = kassa_bank_invoice_reply_to_json (reply);
  check_json_object (json);
}

static void
check_transaction (KassaBankProfile  *profile,
                   KassaBankEndpoint  endpoint,
                   guint              http_status,
                   GBytes            *body)
{
  g_autoptr(KassaBankTransaction) transaction = NULL;
  g_autoptr(KassaBankTransaction) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  KassaCheckReading reading;

  transaction = kassa_bank_reply_parse_transaction (profile, endpoint, http_status, body,
                                                    &error);
  if (endpoint == KASSA_BANK_ENDPOINT_CHECK)
    {
      /* The till reads every check outcome; none may be mistaken for paid. */
      reading = kassa_till_read_check (profile, transaction, error);
      g_assert_true (reading >= KASSA_CHECK_PAID && reading <= KASSA_CHECK_NO_ANSWER);
      g_assert_true ((reading == KASSA_CHECK_PAID) ==
                     (transaction != NULL && transaction->paid));
    }

  if (transaction == NULL)
    {
      g_debug ("%s: %s", kassa_bank_endpoint_get_name (endpoint), error->message);
      check_error (error, http_status);
      return;
    }
  g_assert_no_error (error);
  g_debug ("%s: paid %d, amount %" G_GINT64_FORMAT, kassa_bank_endpoint_get_name (endpoint),
           transaction->paid, transaction->amount);

  g_assert_cmpint (transaction->amount, >=, 0);
  g_assert_true (transaction->paid == kassa_bank_profile_is_paid (profile,
                                                                  transaction->resp_code,
                                                                  transaction->resp_desc));
  if (endpoint == KASSA_BANK_ENDPOINT_CHECK)
    g_assert_true (transaction->resp_code != NULL || transaction->resp_desc != NULL);
  else if (transaction->resp_code != NULL || transaction->resp_desc != NULL)
    g_assert_true (transaction->paid);  /* a refund that says so */

  copy = kassa_bank_transaction_copy (transaction);
  g_assert_true (copy->paid == transaction->paid);
  g_assert_cmpint (copy->amount, ==, transaction->amount);
  g_assert_cmpstr (copy->resp_code, ==, transaction->resp_code);
  g_assert_cmpstr (copy->checksum, ==, transaction->checksum);
  g_assert_cmpstr (copy->desc, ==, transaction->desc);

  json = kassa_bank_transaction_to_json (transaction);
  check_json_object (json);
}

static void
check_settlement (KassaBankProfile *profile,
                  guint             http_status,
                  GBytes           *body)
{
  g_autoptr(KassaBankSettlementReply) settlement = NULL;
  g_autoptr(KassaBankSettlementReply) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  settlement = kassa_bank_reply_parse_settlement (profile, http_status, body, &error);
  if (settlement == NULL)
    {
      g_debug ("settlement: %s", error->message);
      check_error (error, http_status);
      return;
    }
  g_assert_no_error (error);

  g_assert_cmpint (settlement->amount, >=, 0);
  g_assert_cmpint (settlement->count, >=, 0);

  copy = kassa_bank_settlement_reply_copy (settlement);
  g_assert_cmpint (copy->amount, ==, settlement->amount);
  g_assert_cmpint (copy->count, ==, settlement->count);
  g_assert_cmpstr (copy->status, ==, settlement->status);

  json = kassa_bank_settlement_reply_to_json (settlement);
  check_json_object (json);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(KassaBankProfile) profile = NULL;
  g_autoptr(GBytes) body = NULL;
  KassaBankEndpoint endpoint;
  guint http_status;
  guint8 flags;

  kassa_fuzz_init ();

  if (size < 2)
    return 0;

  endpoint = (KassaBankEndpoint) ((guint8) (data[0] - '0') % KASSA_BANK_N_ENDPOINTS);
  flags = (guint8) (data[1] - '0');
  http_status = http_statuses[flags & FLAG_STATUS_MASK];
  profile = profile_for_flags (flags);

  /* A copy of exactly the body's bytes, so ASan sees any read past its end. */
  body = g_bytes_new (data + 2, size - 2);

  switch (endpoint)
    {
    case KASSA_BANK_ENDPOINT_QR:
    case KASSA_BANK_ENDPOINT_DEEPLINK:
    case KASSA_BANK_ENDPOINT_PHONE:
    case KASSA_BANK_ENDPOINT_CANCEL:
      check_invoice (profile, endpoint, http_status, body);
      break;

    case KASSA_BANK_ENDPOINT_CHECK:
    case KASSA_BANK_ENDPOINT_REFUND:
      check_transaction (profile, endpoint, http_status, body);
      break;

    case KASSA_BANK_ENDPOINT_SETTLEMENT:
      check_settlement (profile, http_status, body);
      break;

    default:
      g_assert_not_reached ();
    }

  return 0;
}
