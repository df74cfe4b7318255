/* kassa-bank-sim-pos.c — the /pos endpoints of the simulated bank
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-bank-sim-private.h"

#include <string.h>

#include "kassa-amount.h"
#include "kassa-bank-fields.h"
#include "kassa-checksum.h"

typedef struct
{
  const char  *terminal;
  const char  *invoice;
  const char  *phone;
  const char  *settlement_id;
  const char  *checksum;
  char        *amount_text;   /* exactly as received */
  gint64       amount;
  SimTerminal *term;
} PosRequest;

static void
pos_request_clear (PosRequest *req)
{
  g_clear_pointer (&req->amount_text, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PosRequest, pos_request_clear)

const char *
kassa_sim_get_string_member (JsonObject *object,
                             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static char *
expected_checksum (KassaBankSim      *self,
                   KassaBankEndpoint  endpoint,
                   const PosRequest  *req,
                   const char        *amount_text)
{
  const char *secret = req->term->secret;

  switch (endpoint)
    {
    case KASSA_BANK_ENDPOINT_QR:
    case KASSA_BANK_ENDPOINT_DEEPLINK:
    case KASSA_BANK_ENDPOINT_CHECK:
    case KASSA_BANK_ENDPOINT_CANCEL:
      return kassa_checksum_concat (secret, req->terminal, req->invoice, amount_text, NULL);
    case KASSA_BANK_ENDPOINT_PHONE:
      return kassa_checksum_concat (secret, req->terminal, req->invoice, amount_text,
                                    req->phone, NULL);
    case KASSA_BANK_ENDPOINT_REFUND:
      {
        g_autofree const char **parts =
          kassa_bank_profile_refund_checksum_parts (self->profile, req->terminal,
                                                    req->invoice, amount_text);

        return kassa_checksum_concatv (secret, parts);
      }
    case KASSA_BANK_ENDPOINT_SETTLEMENT:
      return kassa_checksum_concat (secret, req->terminal, req->settlement_id, NULL);
    default:
      g_return_val_if_reached (NULL);
    }
}

typedef enum
{
  FIELD_INVOICE = 1 << 0,
  FIELD_AMOUNT = 1 << 1,
  FIELD_PHONE = 1 << 2,
  FIELD_SETTLEMENT_ID = 1 << 3,
} RequestFields;

/* Reads and checks the request fields in the bank's order: presence and
 * types, terminal, invoice, amount, checksum, phone. On failure the error
 * envelope has been set and FALSE is returned. */
static gboolean
read_pos_request (KassaBankSim      *self,
                  SoupServerMessage *msg,
                  KassaBankEndpoint  endpoint,
                  JsonObject        *object,
                  RequestFields      fields,
                  PosRequest        *req)
{
  JsonNode *amount_node = NULL;
  g_autofree char *expected = NULL;
  gboolean checksum_ok;

  /* Presence and types first: they make the request unreadable. */
  req->terminal = kassa_sim_get_string_member (object, "terminal");
  req->checksum = kassa_sim_get_string_member (object, "checksum");
  if (req->terminal == NULL || req->checksum == NULL)
    goto invalid;
  if (fields & FIELD_INVOICE)
    {
      req->invoice = kassa_sim_get_string_member (object, "invoice");
      if (req->invoice == NULL)
        goto invalid;
    }
  if (fields & FIELD_PHONE)
    {
      req->phone = kassa_sim_get_string_member (object, "phone");
      if (req->phone == NULL)
        goto invalid;
    }
  if (fields & FIELD_SETTLEMENT_ID)
    {
      req->settlement_id = kassa_sim_get_string_member (object, "settlementId");
      if (req->settlement_id == NULL)
        goto invalid;
    }
  if (fields & FIELD_AMOUNT)
    {
      GType type;

      amount_node = json_object_get_member (object, "amount");
      if (amount_node == NULL || !JSON_NODE_HOLDS_VALUE (amount_node))
        goto invalid;
      type = json_node_get_value_type (amount_node);
      if (type != G_TYPE_STRING && type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
        goto invalid;
    }

  req->term = g_hash_table_lookup (self->terminals, req->terminal);
  if (req->term == NULL)
    {
      kassa_bank_sim_reply_error (self, msg, "TERMINAL", DESC_TERMINAL);
      return FALSE;
    }

  if ((fields & FIELD_INVOICE) && !kassa_invoice_validate (req->invoice, NULL))
    {
      kassa_bank_sim_reply_error (self, msg, "INVOICE", DESC_INVOICE);
      return FALSE;
    }

  if ((fields & FIELD_SETTLEMENT_ID) && !kassa_settlement_id_validate (req->settlement_id, NULL))
    {
      kassa_bank_sim_reply_error (self, msg, "SETTLEMENT_ID", DESC_SETTLEMENT_ID);
      return FALSE;
    }

  if (fields & FIELD_AMOUNT)
    {
      GType type = json_node_get_value_type (amount_node);

      if (type == G_TYPE_STRING)
        req->amount_text = g_strdup (json_node_get_string (amount_node));
      else if (type == G_TYPE_INT64 && kassa_bank_profile_get_amount_as_number (self->profile))
        req->amount_text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (amount_node));

      if (req->amount_text == NULL ||
          !kassa_sim_parse_request_amount (req->amount_text, &req->amount))
        {
          kassa_bank_sim_reply_error (self, msg, "AMOUNT", DESC_AMOUNT);
          return FALSE;
        }
    }

  /* The checksum is over the amount string exactly as it was received. */
  expected = expected_checksum (self, endpoint, req, req->amount_text);
  checksum_ok = kassa_checksum_equal (expected, req->checksum);

  /* Lenient: the bank might hash a normalised number ("1000.00" ~ "1000"). */
  if (!checksum_ok && self->lenient_amounts && (fields & FIELD_AMOUNT))
    {
      g_autofree char *plain = kassa_amount_to_wire (req->amount);
      g_autofree char *lenient = expected_checksum (self, endpoint, req, plain);

      checksum_ok = kassa_checksum_equal (lenient, req->checksum);
    }

  if (!checksum_ok)
    {
      kassa_bank_sim_reply_error (self, msg, "CHECKSUM", DESC_CHECKSUM);
      return FALSE;
    }

  if ((fields & FIELD_PHONE) && !kassa_phone_validate (req->phone, NULL))
    {
      kassa_bank_sim_reply_error (self, msg, "PHONE", DESC_PHONE);
      return FALSE;
    }

  return TRUE;

invalid:
  kassa_bank_sim_reply_error (self, msg, "VALIDATION", DESC_VALIDATION);
  return FALSE;
}

static void
handle_create (KassaBankSim      *self,
               SoupServerMessage *msg,
               KassaBankEndpoint  endpoint,
               JsonObject        *object)
{
  g_auto(PosRequest) req = { 0 };
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *desc = NULL;
  RequestFields fields = FIELD_INVOICE | FIELD_AMOUNT;
  SimInvoice *inv;

  if (endpoint == KASSA_BANK_ENDPOINT_PHONE)
    fields |= FIELD_PHONE;
  if (!read_pos_request (self, msg, endpoint, object, fields, &req))
    return;

  /* Invoice numbers are unique forever per terminal, even after cancel. */
  if (kassa_bank_sim_lookup_invoice (self, req.terminal, req.invoice) != NULL)
    {
      kassa_bank_sim_reply_error (self, msg, "DUPLICATE", DESC_DUPLICATE);
      return;
    }

  inv = g_new0 (SimInvoice, 1);
  inv->sim = self;
  inv->terminal = g_strdup (req.terminal);
  inv->invoice = g_strdup (req.invoice);
  inv->amount = req.amount;
  inv->state = KASSA_SIM_INVOICE_UNPAID;
  inv->phone = g_strdup (req.phone);
  switch (endpoint)
    {
    case KASSA_BANK_ENDPOINT_QR:
      inv->method = METHOD_QR;
      desc = kassa_bank_sim_build_emv_payload (self, inv);
      break;
    case KASSA_BANK_ENDPOINT_DEEPLINK:
      inv->method = METHOD_DEEPLINK;
      desc = kassa_sim_random_deeplink ();
      break;
    case KASSA_BANK_ENDPOINT_PHONE:
      inv->method = METHOD_PHONE;
      desc = g_strdup ("success");
      break;
    case KASSA_BANK_ENDPOINT_CHECK:
    case KASSA_BANK_ENDPOINT_CANCEL:
    case KASSA_BANK_ENDPOINT_REFUND:
    case KASSA_BANK_ENDPOINT_SETTLEMENT:
    default:
      g_assert_not_reached ();
    }

  g_hash_table_insert (self->invoices, kassa_sim_invoice_key (inv->terminal, inv->invoice), inv);
  g_ptr_array_add (self->invoice_order, inv);
  kassa_bank_sim_schedule_autopay (self, inv);
  kassa_bank_sim_save_state (self);

  json_builder_begin_object (builder);
  kassa_sim_add_string (builder, "desc", desc);
  kassa_sim_add_string (builder, "status", "SUCCESS");
  json_builder_end_object (builder);
  kassa_sim_reply_ok (msg, builder);
}

#define N_SIM_STATES (KASSA_SIM_INVOICE_REFUNDED + 1)

/* How a request about an existing invoice is refused in each state of the
 * invoice: an errorType and its text, or NULL to go on. */
typedef struct
{
  const char *error_type;
  const char *error_desc;
} StateRefusal;

static const StateRefusal check_refusals[N_SIM_STATES] = {
  [KASSA_SIM_INVOICE_CANCELLED] = { "CANCELLED", DESC_CANCELLED },
  [KASSA_SIM_INVOICE_REFUNDED] = { "REFUNDED", DESC_REFUNDED },
};

static const StateRefusal cancel_refusals[N_SIM_STATES] = {
  [KASSA_SIM_INVOICE_PAID] = { "ALREADY_PAID", DESC_ALREADY_PAID },
  [KASSA_SIM_INVOICE_DECLINED] = { "DECLINED", DESC_DECLINED },
  [KASSA_SIM_INVOICE_CANCELLED] = { "ALREADY_CANCELLED", DESC_ALREADY_CANCELLED },
  [KASSA_SIM_INVOICE_REFUNDED] = { "REFUNDED", DESC_REFUNDED },
};

static const StateRefusal refund_refusals[N_SIM_STATES] = {
  [KASSA_SIM_INVOICE_UNPAID] = { "NOT_PAID", DESC_NOT_PAID },
  [KASSA_SIM_INVOICE_DECLINED] = { "NOT_PAID", DESC_NOT_PAID },
  [KASSA_SIM_INVOICE_CANCELLED] = { "NOT_PAID", DESC_NOT_PAID },
  [KASSA_SIM_INVOICE_REFUNDED] = { "ALREADY_REFUNDED", DESC_ALREADY_REFUNDED },
};

/* A check, cancel or refund: reads the request, looks the invoice up,
 * compares the amount and refuses it by its state. On failure the error
 * reply has been set and NULL is returned. */
static SimInvoice *
read_invoice_request (KassaBankSim       *self,
                      SoupServerMessage  *msg,
                      KassaBankEndpoint   endpoint,
                      JsonObject         *object,
                      const StateRefusal  refusals[N_SIM_STATES])
{
  g_auto(PosRequest) req = { 0 };
  SimInvoice *inv;

  if (!read_pos_request (self, msg, endpoint, object, FIELD_INVOICE | FIELD_AMOUNT, &req))
    return NULL;

  inv = kassa_bank_sim_lookup_invoice (self, req.terminal, req.invoice);
  if (inv == NULL)
    {
      kassa_bank_sim_reply_error (self, msg, "NOT_FOUND", DESC_NOT_FOUND);
      return NULL;
    }

  if (inv->amount != req.amount)
    {
      kassa_bank_sim_reply_error (self, msg, "AMOUNT", DESC_AMOUNT_MISMATCH);
      return NULL;
    }

  g_assert ((guint) inv->state < N_SIM_STATES);
  if (refusals[inv->state].error_type != NULL)
    {
      kassa_bank_sim_reply_error (self, msg, refusals[inv->state].error_type,
                                  refusals[inv->state].error_desc);
      return NULL;
    }

  return inv;
}

static void
handle_check (KassaBankSim      *self,
              SoupServerMessage *msg,
              SimInvoice        *inv)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  switch (inv->state)
    {
    case KASSA_SIM_INVOICE_PAID:
      kassa_bank_sim_add_transaction (self, builder, inv, "00", DESC_SUCCESS, TRUE);
      break;
    case KASSA_SIM_INVOICE_UNPAID:
      if (kassa_bank_profile_get_unpaid_check_style (self->profile) ==
          KASSA_UNPAID_CHECK_ERROR_ENVELOPE)
        {
          kassa_bank_sim_reply_error (self, msg, "NOT_PAID", DESC_NOT_PAID);
          return;
        }
      kassa_bank_sim_add_transaction (self, builder, inv, "01", DESC_UNPAID, FALSE);
      break;
    case KASSA_SIM_INVOICE_DECLINED:
      kassa_bank_sim_add_transaction (self, builder, inv, "05", DESC_DECLINED, FALSE);
      break;
    case KASSA_SIM_INVOICE_CANCELLED:
    case KASSA_SIM_INVOICE_REFUNDED:
    default:
      g_assert_not_reached ();
    }
  json_builder_end_object (builder);
  kassa_sim_reply_ok (msg, builder);
}

static void
handle_cancel (KassaBankSim      *self,
               SoupServerMessage *msg,
               SimInvoice        *inv)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  kassa_sim_cancel_autopay (inv);
  inv->state = KASSA_SIM_INVOICE_CANCELLED;
  kassa_bank_sim_save_state (self);

  /* Both success fields by default: what either reading of a cancel accepts. */
  json_builder_begin_object (builder);
  kassa_sim_add_string (builder, "desc", DESC_INVOICE_CANCELLED);
  if (self->cancel_reply != KASSA_SIM_CANCEL_REPLY_RESP_CODE)
    kassa_sim_add_string (builder, "status", "SUCCESS");
  if (self->cancel_reply != KASSA_SIM_CANCEL_REPLY_STATUS)
    {
      kassa_sim_add_string (builder, "resp_code", "00");
      kassa_sim_add_string (builder, "resp_desc", DESC_SUCCESS);
    }
  json_builder_end_object (builder);
  kassa_sim_reply_ok (msg, builder);
}

static void
handle_refund (KassaBankSim      *self,
               SoupServerMessage *msg,
               SimInvoice        *inv)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  inv->state = KASSA_SIM_INVOICE_REFUNDED;
  kassa_bank_sim_save_state (self);

  /* Both readings of §6.9 at once: the transaction info and {desc, status}. */
  json_builder_begin_object (builder);
  kassa_bank_sim_add_transaction (self, builder, inv, "00", DESC_SUCCESS, TRUE);
  kassa_sim_add_string (builder, "desc", DESC_PAYMENT_REFUNDED);
  kassa_sim_add_string (builder, "status", "SUCCESS");
  json_builder_end_object (builder);
  kassa_sim_reply_ok (msg, builder);
}

static void
handle_settlement (KassaBankSim      *self,
                   SoupServerMessage *msg,
                   JsonObject        *object)
{
  g_auto(PosRequest) req = { 0 };
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *amount = NULL;
  SimSettlement *settlement;

  if (!read_pos_request (self, msg, KASSA_BANK_ENDPOINT_SETTLEMENT, object,
                         FIELD_SETTLEMENT_ID, &req))
    return;

  /* The same settlement id gives the same answer: a retried request after a
   * lost reply must not close an empty second batch. */
  settlement = g_hash_table_lookup (req.term->settlements, req.settlement_id);
  if (settlement == NULL)
    {
      settlement = g_new0 (SimSettlement, 1);
      for (guint i = 0; i < self->invoice_order->len; i++)
        {
          SimInvoice *inv = g_ptr_array_index (self->invoice_order, i);

          if (inv->settled || g_strcmp0 (inv->terminal, req.terminal) != 0)
            continue;
          if (inv->state == KASSA_SIM_INVOICE_PAID)
            {
              settlement->amount += inv->amount;
              settlement->count++;
              inv->settled = TRUE;
            }
          else if (inv->state == KASSA_SIM_INVOICE_REFUNDED)
            {
              /* Paid and refunded within the batch: neither counts. */
              inv->settled = TRUE;
            }
        }
      g_hash_table_insert (req.term->settlements, g_strdup (req.settlement_id), settlement);
      kassa_bank_sim_save_state (self);
    }

  amount = kassa_bank_sim_format_amount (self, settlement->amount);
  json_builder_begin_object (builder);
  kassa_sim_add_string (builder, "amount", amount);
  json_builder_set_member_name (builder, "count");
  json_builder_add_int_value (builder, settlement->count);
  kassa_sim_add_string (builder, "status", "SUCCESS");
  json_builder_end_object (builder);
  kassa_sim_reply_ok (msg, builder);
}

static gboolean
is_json_content_type (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *type = soup_message_headers_get_content_type (headers, NULL);

  return type != NULL && g_ascii_strcasecmp (type, "application/json") == 0;
}

/* Reads the request body as one JSON object; NULL if it is not one. */
JsonObject *
kassa_sim_read_json_object (SoupServerMessage *msg,
                            gboolean           empty_is_object)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  JsonNode *root;

  if (len == 0 && empty_is_object)
    return json_object_new ();
  /* Real length: a NUL inside the body is not JSON. */
  if (len == 0 || memchr (data, '\0', len) != NULL ||
      !g_utf8_validate (data, len, NULL) ||
      !json_parser_load_from_data (parser, data, len, NULL))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  return json_object_ref (json_node_get_object (root));
}

void
kassa_bank_sim_handle_pos_request (KassaBankSim      *self,
                                   SoupServerMessage *msg,
                                   KassaBankEndpoint  endpoint)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonObject) object = NULL;
  SimInvoice *inv;

  if (g_strcmp0 (soup_server_message_get_method (msg), SOUP_METHOD_POST) != 0)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", "POST");
      kassa_sim_reply_envelope (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, 400, NULL,
                                "METHOD", DESC_METHOD);
      return;
    }

  if (body->length > MAX_BODY_SIZE)
    {
      kassa_sim_reply_envelope (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, 400, NULL,
                                "VALIDATION", DESC_TOO_LARGE);
      return;
    }

  if (!is_json_content_type (msg) || (object = kassa_sim_read_json_object (msg, FALSE)) == NULL)
    {
      kassa_bank_sim_reply_error (self, msg, "VALIDATION", DESC_VALIDATION);
      return;
    }

  switch (endpoint)
    {
    case KASSA_BANK_ENDPOINT_QR:
    case KASSA_BANK_ENDPOINT_DEEPLINK:
    case KASSA_BANK_ENDPOINT_PHONE:
      handle_create (self, msg, endpoint, object);
      break;
    case KASSA_BANK_ENDPOINT_CHECK:
      if ((inv = read_invoice_request (self, msg, endpoint, object, check_refusals)) != NULL)
        handle_check (self, msg, inv);
      break;
    case KASSA_BANK_ENDPOINT_CANCEL:
      if ((inv = read_invoice_request (self, msg, endpoint, object, cancel_refusals)) != NULL)
        handle_cancel (self, msg, inv);
      break;
    case KASSA_BANK_ENDPOINT_REFUND:
      if ((inv = read_invoice_request (self, msg, endpoint, object, refund_refusals)) != NULL)
        handle_refund (self, msg, inv);
      break;
    case KASSA_BANK_ENDPOINT_SETTLEMENT:
      handle_settlement (self, msg, object);
      break;
    default:
      g_assert_not_reached ();
    }
}
