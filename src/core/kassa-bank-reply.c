/* kassa-bank-reply.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-bank-reply.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "kassa-error.h"
#include "kassa-json-private.h"

#define HEADER_CODE_OK       200
#define HEADER_CODE_REJECTED 400
#define HEADER_CODE_SYSTEM   500

/* The bank's own words reach the cashier; a runaway text must not fill the screen. */
#define BANK_TEXT_MAX_CHARS 200

#define SUCCESS_STATUS "SUCCESS"

static const struct
{
  const char *name;
  const char *path;
} endpoints[KASSA_BANK_N_ENDPOINTS] = {
  [KASSA_BANK_ENDPOINT_QR]         = { "qr",         "/pos/invoice/qr" },
  [KASSA_BANK_ENDPOINT_DEEPLINK]   = { "deeplink",   "/pos/invoice/qr/deeplink" },
  [KASSA_BANK_ENDPOINT_PHONE]      = { "phone",      "/pos/invoice/phone" },
  [KASSA_BANK_ENDPOINT_CHECK]      = { "check",      "/pos/invoice/check" },
  [KASSA_BANK_ENDPOINT_CANCEL]     = { "cancel",     "/pos/invoice/cancel" },
  [KASSA_BANK_ENDPOINT_REFUND]     = { "refund",     "/pos/payment/cancel" },
  [KASSA_BANK_ENDPOINT_SETTLEMENT] = { "settlement", "/pos/settlement" },
};

const char *
kassa_bank_endpoint_get_path (KassaBankEndpoint endpoint)
{
  g_return_val_if_fail ((guint) endpoint < KASSA_BANK_N_ENDPOINTS, NULL);

  return endpoints[endpoint].path;
}

const char *
kassa_bank_endpoint_get_name (KassaBankEndpoint endpoint)
{
  g_return_val_if_fail ((guint) endpoint < KASSA_BANK_N_ENDPOINTS, NULL);

  return endpoints[endpoint].name;
}

gboolean
kassa_bank_endpoint_from_name (const char        *name,
                               KassaBankEndpoint *out_endpoint)
{
  if (name == NULL)
    return FALSE;

  for (guint i = 0; i < KASSA_BANK_N_ENDPOINTS; i++)
    {
      if (strcmp (endpoints[i].name, name) == 0)
        {
          if (out_endpoint != NULL)
            *out_endpoint = (KassaBankEndpoint) i;
          return TRUE;
        }
    }

  return FALSE;
}

/* Boxed types */

KassaBankInvoiceReply *
kassa_bank_invoice_reply_copy (const KassaBankInvoiceReply *self)
{
  KassaBankInvoiceReply *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (KassaBankInvoiceReply, 1);
  copy->desc = g_strdup (self->desc);
  copy->status = g_strdup (self->status);
  copy->resp_code = g_strdup (self->resp_code);

  return copy;
}

void
kassa_bank_invoice_reply_free (KassaBankInvoiceReply *self)
{
  if (self == NULL)
    return;

  g_free (self->desc);
  g_free (self->status);
  g_free (self->resp_code);
  g_free (self);
}

G_DEFINE_BOXED_TYPE (KassaBankInvoiceReply, kassa_bank_invoice_reply,
                     kassa_bank_invoice_reply_copy, kassa_bank_invoice_reply_free)

KassaBankTransaction *
kassa_bank_transaction_copy (const KassaBankTransaction *self)
{
  KassaBankTransaction *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (KassaBankTransaction, 1);
  copy->paid = self->paid;
  copy->resp_code = g_strdup (self->resp_code);
  copy->resp_desc = g_strdup (self->resp_desc);
  copy->approval_code = g_strdup (self->approval_code);
  copy->amount = self->amount;
  copy->card_number = g_strdup (self->card_number);
  copy->terminal = g_strdup (self->terminal);
  copy->invoice = g_strdup (self->invoice);
  copy->checksum = g_strdup (self->checksum);
  copy->status = g_strdup (self->status);
  copy->desc = g_strdup (self->desc);

  return copy;
}

void
kassa_bank_transaction_free (KassaBankTransaction *self)
{
  if (self == NULL)
    return;

  g_free (self->resp_code);
  g_free (self->resp_desc);
  g_free (self->approval_code);
  g_free (self->card_number);
  g_free (self->terminal);
  g_free (self->invoice);
  g_free (self->checksum);
  g_free (self->status);
  g_free (self->desc);
  g_free (self);
}

G_DEFINE_BOXED_TYPE (KassaBankTransaction, kassa_bank_transaction,
                     kassa_bank_transaction_copy, kassa_bank_transaction_free)

KassaBankSettlementReply *
kassa_bank_settlement_reply_copy (const KassaBankSettlementReply *self)
{
  KassaBankSettlementReply *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (KassaBankSettlementReply, 1);
  copy->amount = self->amount;
  copy->count = self->count;
  copy->status = g_strdup (self->status);

  return copy;
}

void
kassa_bank_settlement_reply_free (KassaBankSettlementReply *self)
{
  if (self == NULL)
    return;

  g_free (self->status);
  g_free (self);
}

G_DEFINE_BOXED_TYPE (KassaBankSettlementReply, kassa_bank_settlement_reply,
                     kassa_bank_settlement_reply_copy, kassa_bank_settlement_reply_free)

/* Envelope */

/* The bank's text made fit for a toast: control characters become spaces,
 * surrounding space goes, and it is cut at BANK_TEXT_MAX_CHARS. */
static char *
clean_bank_text (const char *text)
{
  GString *clean;
  guint n_chars = 0;

  if (text == NULL)
    return NULL;

  clean = g_string_new (NULL);
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n_chars == BANK_TEXT_MAX_CHARS)
        {
          g_string_append (clean, "…");
          break;
        }

      if (g_unichar_iscntrl (c))
        g_string_append_c (clean, ' ');
      else
        g_string_append_unichar (clean, c);
      n_chars++;
    }

  g_strstrip (clean->str);
  clean->len = strlen (clean->str);

  if (clean->len == 0)
    {
      g_string_free (clean, TRUE);
      return NULL;
    }

  return g_string_free (clean, FALSE);
}

static void
set_malformed (GError     **error,
               guint        http_status,
               gint         header_code,
               const char  *detail)
{
  kassa_bank_error_set (error, KASSA_BANK_ERROR_MALFORMED_REPLY, http_status, header_code,
                        /* Translators: %s says what is wrong with the bank's reply */
                        NULL, NULL, _("The bank’s reply could not be understood: %s"), detail);
}

/* No readable envelope: what the HTTP status says is all there is. */
static void
set_no_envelope_error (GError     **error,
                       guint        http_status,
                       const char  *detail)
{
  if (http_status >= 200 && http_status < 300)
    {
      set_malformed (error, http_status, -1, detail);
    }
  else if (http_status >= 500 && http_status < 600)
    {
      kassa_bank_error_set (error, KASSA_BANK_ERROR_BANK_SYSTEM, http_status, -1, NULL, NULL,
                            /* Translators: %u is an HTTP status code such as 503 */
                            _("The bank’s server failed (HTTP status %u); try again later"),
                            http_status);
    }
  else
    {
      kassa_bank_error_set (error, KASSA_BANK_ERROR_TRANSPORT, http_status, -1, NULL, NULL,
                            /* Translators: %u is an HTTP status code such as 404 */
                            _("The bank’s server answered with HTTP status %u instead of a "
                              "bank reply"),
                            http_status);
    }
}

/* A member that must be an object when present; JSON null counts as absent
 * (erxes met `body.error: null`, §4). */
static gboolean
get_optional_object (JsonObject  *object,
                     const char  *member,
                     JsonObject **out_object)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  *out_object = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;

  *out_object = json_node_get_object (node);
  return TRUE;
}

/* A member that must be a string when present (null = absent). */
static gboolean
get_optional_string (JsonObject  *object,
                     const char  *member,
                     char       **out_string)
{
  JsonNode *node = json_object_get_member (object, member);

  *out_string = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;

  /* json-glib 1.6 decodes a lone high surrogate escape ("\ud800") into bytes
   * that are not UTF-8 (found by fuzz/fuzz-reply.c). parse_envelope() refuses
   * those already; should json-glib find another way, the bank's words still
   * reach the screen, the journal and kassa-ctl's JSON as UTF-8 (U+FFFD). */
  *out_string = g_utf8_make_valid (json_node_get_string (node), -1);
  return TRUE;
}

/* Reads the envelope. Returns body.response (a new reference) for header.code
 * 200, NULL with @error set for anything else. */
static JsonObject *
parse_envelope (guint    http_status,
                GBytes  *body,
                GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *error_type = NULL;
  g_autofree char *error_desc = NULL;
  g_autofree char *clean_desc = NULL;
  const char *data = NULL;
  gsize length = 0;
  JsonNode *root;
  JsonObject *root_object;
  JsonObject *header;
  JsonObject *body_object;
  JsonObject *error_object;
  JsonObject *response;
  JsonNode *code_node;
  gint64 code;

  if (body != NULL)
    data = g_bytes_get_data (body, &length);

  if (length == 0)
    {
      set_no_envelope_error (error, http_status, _("the reply is empty"));
      return NULL;
    }

  /* json-glib would stop at a NUL and accept the prefix; the bank never sends one. */
  if (memchr (data, '\0', length) != NULL)
    {
      set_no_envelope_error (error, http_status, _("the reply contains a NUL byte"));
      return NULL;
    }

  if (!g_utf8_validate_len (data, length, NULL))
    {
      set_no_envelope_error (error, http_status, _("the reply is not valid UTF-8 text"));
      return NULL;
    }

  /* Strict JSON only, before json-glib, which would take "{…}{…}" or "8{…}"
   * for their first value and leak the rest, among other things
   * (kassa-json-private.h). */
  if (!kassa_json_is_one_object (data, length))
    {
      const char *first = data;

      /* @data is not NUL-terminated. */
      while (first < data + length && g_ascii_isspace (*first))
        first++;

      /* An object with text after it is not JSON; anything else is not an object. */
      set_no_envelope_error (error, http_status,
                             first < data + length && *first == '{'
                               ? _("the reply is not valid JSON")
                               : _("the reply is not a JSON object"));
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &parse_error))
    {
      set_no_envelope_error (error, http_status, _("the reply is not valid JSON"));
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      set_no_envelope_error (error, http_status, _("the reply is not a JSON object"));
      return NULL;
    }
  root_object = json_node_get_object (root);

  if (!get_optional_object (root_object, "header", &header) || header == NULL)
    {
      set_no_envelope_error (error, http_status, _("the reply has no “header” object"));
      return NULL;
    }

  code_node = json_object_get_member (header, "code");
  if (code_node == NULL || json_node_get_value_type (code_node) != G_TYPE_INT64)
    {
      set_no_envelope_error (error, http_status, _("“header.code” is not an integer"));
      return NULL;
    }
  code = json_node_get_int (code_node);
  if (code < 0 || code > 999)
    {
      set_malformed (error, http_status, -1, _("“header.code” is out of range"));
      return NULL;
    }

  /* From here on the envelope is readable: header.code decides, not HTTP. */
  if (!get_optional_object (root_object, "body", &body_object))
    {
      set_malformed (error, http_status, (gint) code, _("“body” is not an object"));
      return NULL;
    }

  switch (code)
    {
    case HEADER_CODE_OK:
      {
        JsonNode *response_node = body_object != NULL
                                  ? json_object_get_member (body_object, "response") : NULL;

        if (response_node == NULL || !JSON_NODE_HOLDS_OBJECT (response_node))
          {
            set_malformed (error, http_status, (gint) code,
                           _("“body.response” is missing or not an object"));
            return NULL;
          }

        response = json_node_get_object (response_node);
        return json_object_ref (response);
      }

    case HEADER_CODE_REJECTED:
    case HEADER_CODE_SYSTEM:
      /* The outcome is known even if the details are not; wrongly typed details are dropped. */
      if (get_optional_object (body_object, "error", &error_object) && error_object != NULL)
        {
          if (!get_optional_string (error_object, "errorType", &error_type))
            g_clear_pointer (&error_type, g_free);
          if (!get_optional_string (error_object, "errorDesc", &error_desc))
            g_clear_pointer (&error_desc, g_free);
        }
      clean_desc = clean_bank_text (error_desc);

      if (code == HEADER_CODE_REJECTED)
        {
          if (clean_desc != NULL)
            kassa_bank_error_set (error, KASSA_BANK_ERROR_REJECTED, http_status, (gint) code,
                                  error_type, error_desc,
                                  /* Translators: %s is the bank's own explanation */
                                  _("The bank refused the request: %s"), clean_desc);
          else
            kassa_bank_error_set (error, KASSA_BANK_ERROR_REJECTED, http_status, (gint) code,
                                  error_type, error_desc, "%s",
                                  _("The bank refused the request without giving a reason"));
        }
      else
        {
          if (clean_desc != NULL)
            kassa_bank_error_set (error, KASSA_BANK_ERROR_BANK_SYSTEM, http_status, (gint) code,
                                  error_type, error_desc,
                                  /* Translators: %s is the bank's own explanation */
                                  _("The bank reported a failure of its own system: %s"),
                                  clean_desc);
          else
            kassa_bank_error_set (error, KASSA_BANK_ERROR_BANK_SYSTEM, http_status, (gint) code,
                                  error_type, error_desc, "%s",
                                  _("The bank reported a failure of its own system; "
                                    "try again later"));
        }
      return NULL;

    default:
      {
        /* Translators: %d is a 3-digit result code */
        g_autofree char *detail = g_strdup_printf (_("unknown result code %d"), (int) code);

        set_malformed (error, http_status, (gint) code, detail);
        return NULL;
      }
    }
}

/* Reads member @name of @response as a string field; a wrong type is malformed. */
static gboolean
read_string_field (JsonObject  *response,
                   const char  *name,
                   char       **out_string,
                   guint        http_status,
                   GError     **error)
{
  if (!get_optional_string (response, name, out_string))
    {
      /* Translators: %s is a field name such as “desc” */
      g_autofree char *detail = g_strdup_printf (_("“%s” is not a string"), name);

      set_malformed (error, http_status, HEADER_CODE_OK, detail);
      return FALSE;
    }

  return TRUE;
}

/* A count or amount the bank may send as a JSON integer or as a string. */
static gboolean
read_number_field (KassaBankProfile  *profile,
                   JsonObject        *response,
                   const char        *name,
                   gboolean           is_amount,
                   gint64            *out_value,
                   gboolean          *out_present,
                   guint              http_status,
                   GError           **error)
{
  JsonNode *node = json_object_get_member (response, name);
  g_autoptr(GError) local_error = NULL;
  GType value_type;

  *out_value = 0;
  *out_present = FALSE;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  value_type = json_node_get_value_type (node);
  if (value_type == G_TYPE_INT64)
    {
      gint64 value = json_node_get_int (node);

      if (value >= 0)
        {
          *out_value = value;
          *out_present = TRUE;
          return TRUE;
        }
    }
  else if (value_type == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);

      if (is_amount)
        {
          if (kassa_bank_profile_parse_amount (profile, text, out_value, &local_error))
            {
              *out_present = TRUE;
              return TRUE;
            }
        }
      else
        {
          guint64 value;

          /* Digits only: g_ascii_string_to_unsigned alone would take "+3" and " 3". */
          if (text[0] != '\0' && strspn (text, "0123456789") == strlen (text) &&
              g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &value, NULL))
            {
              *out_value = (gint64) value;
              *out_present = TRUE;
              return TRUE;
            }
        }
    }

  {
    g_autofree char *detail = local_error != NULL
                              /* Translators: %s is a field name such as “amount” */
                              ? g_strdup_printf (_("“%s”: %s"), name, local_error->message)
                              : g_strdup_printf (_("“%s” is not a whole number"), name);

    set_malformed (error, http_status, HEADER_CODE_OK, detail);
  }

  return FALSE;
}

KassaBankInvoiceReply *
kassa_bank_reply_parse_invoice (KassaBankProfile  *profile,
                                KassaBankEndpoint  endpoint,
                                guint              http_status,
                                GBytes            *body,
                                GError           **error)
{
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(KassaBankInvoiceReply) reply = NULL;
  const char *refusal = NULL;
  gboolean is_create;

  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (profile), NULL);
  g_return_val_if_fail (endpoint == KASSA_BANK_ENDPOINT_QR ||
                        endpoint == KASSA_BANK_ENDPOINT_DEEPLINK ||
                        endpoint == KASSA_BANK_ENDPOINT_PHONE ||
                        endpoint == KASSA_BANK_ENDPOINT_CANCEL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  response = parse_envelope (http_status, body, error);
  if (response == NULL)
    return NULL;

  reply = g_new0 (KassaBankInvoiceReply, 1);
  if (!read_string_field (response, "desc", &reply->desc, http_status, error) ||
      !read_string_field (response, "status", &reply->status, http_status, error) ||
      !read_string_field (response, "resp_code", &reply->resp_code, http_status, error))
    return NULL;

  /* A cancel reply is judged by the profile's cancel test instead. */
  is_create = endpoint != KASSA_BANK_ENDPOINT_CANCEL;
  if (is_create)
    {
      if (reply->status == NULL)
        {
          set_malformed (error, http_status, HEADER_CODE_OK, _("“status” is missing"));
          return NULL;
        }

      if (g_ascii_strcasecmp (reply->status, SUCCESS_STATUS) != 0)
        {
          g_autofree char *clean_desc = clean_bank_text (reply->desc);
          g_autofree char *clean_status = clean_bank_text (reply->status);

          kassa_bank_error_set (error, KASSA_BANK_ERROR_REJECTED, http_status, HEADER_CODE_OK,
                                reply->status, reply->desc,
                                /* Translators: the first %s is a status word such as
                                 * FAILED, the second the bank's explanation */
                                _("The bank did not create the invoice (%s): %s"),
                                clean_status != NULL ? clean_status : "?",
                                clean_desc != NULL ? clean_desc : _("no reason given"));
          return NULL;
        }

      if (reply->desc == NULL || reply->desc[0] == '\0')
        {
          set_malformed (error, http_status, HEADER_CODE_OK, _("“desc” is missing or empty"));
          return NULL;
        }
    }
  else if (!kassa_bank_profile_read_cancel (profile, reply->status, reply->resp_code, &refusal))
    {
      g_autofree char *clean_desc = clean_bank_text (reply->desc);

      if (reply->status == NULL && reply->resp_code == NULL)
        {
          set_malformed (error, http_status, HEADER_CODE_OK,
                         _("the reply has neither “status” nor “resp_code”"));
          return NULL;
        }

      kassa_bank_error_set (error, KASSA_BANK_ERROR_REJECTED, http_status, HEADER_CODE_OK,
                            refusal, reply->desc,
                            /* Translators: %s is the bank's explanation */
                            _("The bank did not cancel the invoice: %s"),
                            clean_desc != NULL ? clean_desc : _("no reason given"));
      return NULL;
    }

  return g_steal_pointer (&reply);
}

KassaBankTransaction *
kassa_bank_reply_parse_transaction (KassaBankProfile  *profile,
                                    KassaBankEndpoint  endpoint,
                                    guint              http_status,
                                    GBytes            *body,
                                    GError           **error)
{
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(KassaBankTransaction) transaction = NULL;
  gboolean has_amount;
  gboolean has_resp;

  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (profile), NULL);
  g_return_val_if_fail (endpoint == KASSA_BANK_ENDPOINT_CHECK ||
                        endpoint == KASSA_BANK_ENDPOINT_REFUND, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  response = parse_envelope (http_status, body, error);
  if (response == NULL)
    return NULL;

  transaction = g_new0 (KassaBankTransaction, 1);
  if (!read_string_field (response, "resp_code", &transaction->resp_code, http_status, error) ||
      !read_string_field (response, "resp_desc", &transaction->resp_desc, http_status, error) ||
      !read_string_field (response, "approval_code", &transaction->approval_code,
                          http_status, error) ||
      !read_string_field (response, "card_number", &transaction->card_number,
                          http_status, error) ||
      !read_string_field (response, "terminal", &transaction->terminal, http_status, error) ||
      !read_string_field (response, "invoice", &transaction->invoice, http_status, error) ||
      !read_string_field (response, "checksum", &transaction->checksum, http_status, error) ||
      !read_string_field (response, "status", &transaction->status, http_status, error) ||
      !read_string_field (response, "desc", &transaction->desc, http_status, error) ||
      !read_number_field (profile, response, "amount", TRUE, &transaction->amount, &has_amount,
                          http_status, error))
    return NULL;

  transaction->paid = kassa_bank_profile_is_paid (profile, transaction->resp_code,
                                                  transaction->resp_desc);
  has_resp = transaction->resp_code != NULL || transaction->resp_desc != NULL;

  if (endpoint == KASSA_BANK_ENDPOINT_CHECK)
    {
      /* Not paid is an answer (paid = FALSE); no answer at all is not. */
      if (!has_resp)
        {
          set_malformed (error, http_status, HEADER_CODE_OK,
                         _("the reply has neither “resp_code” nor “resp_desc”"));
          return NULL;
        }
      return g_steal_pointer (&transaction);
    }

  /* Refund: the transaction shape (S1, S2) or {desc, status} (S4); either must say yes. */
  if (transaction->status != NULL)
    {
      if (g_ascii_strcasecmp (transaction->status, SUCCESS_STATUS) != 0)
        {
          g_autofree char *clean_desc = clean_bank_text (transaction->desc != NULL
                                                         ? transaction->desc
                                                         : transaction->resp_desc);

          kassa_bank_error_set (error, KASSA_BANK_ERROR_REJECTED, http_status, HEADER_CODE_OK,
                                transaction->status, transaction->desc,
                                /* Translators: %s is the bank's explanation */
                                _("The bank did not refund the payment: %s"),
                                clean_desc != NULL ? clean_desc : _("no reason given"));
          return NULL;
        }
    }
  else if (!has_resp)
    {
      set_malformed (error, http_status, HEADER_CODE_OK,
                     _("the reply has neither “status” nor “resp_code”"));
      return NULL;
    }

  if (has_resp && !transaction->paid)
    {
      g_autofree char *clean_desc = clean_bank_text (transaction->resp_desc);

      kassa_bank_error_set (error, KASSA_BANK_ERROR_REJECTED, http_status, HEADER_CODE_OK,
                            transaction->resp_code, transaction->resp_desc,
                            /* Translators: %s is the bank's explanation */
                            _("The bank did not refund the payment: %s"),
                            clean_desc != NULL ? clean_desc : _("no reason given"));
      return NULL;
    }

  return g_steal_pointer (&transaction);
}

KassaBankSettlementReply *
kassa_bank_reply_parse_settlement (KassaBankProfile  *profile,
                                   guint              http_status,
                                   GBytes            *body,
                                   GError           **error)
{
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(KassaBankSettlementReply) settlement = NULL;
  gboolean has_amount;
  gboolean has_count;

  g_return_val_if_fail (KASSA_IS_BANK_PROFILE (profile), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  response = parse_envelope (http_status, body, error);
  if (response == NULL)
    return NULL;

  settlement = g_new0 (KassaBankSettlementReply, 1);
  if (!read_string_field (response, "status", &settlement->status, http_status, error) ||
      !read_number_field (profile, response, "amount", TRUE, &settlement->amount, &has_amount,
                          http_status, error) ||
      !read_number_field (profile, response, "count", FALSE, &settlement->count, &has_count,
                          http_status, error))
    return NULL;

  /* The report compares these with the journal: without them there is nothing to compare. */
  if (!has_amount || !has_count)
    {
      set_malformed (error, http_status, HEADER_CODE_OK,
                     _("the settlement reply lacks “amount” or “count”"));
      return NULL;
    }

  return g_steal_pointer (&settlement);
}

/* to_json */

static void
add_string_member (JsonBuilder *builder,
                   const char  *name,
                   const char  *value)
{
  if (value == NULL)
    return;

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static char *
builder_to_string (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

char *
kassa_bank_invoice_reply_to_json (const KassaBankInvoiceReply *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  add_string_member (builder, "desc", self->desc);
  add_string_member (builder, "status", self->status);
  add_string_member (builder, "resp_code", self->resp_code);
  json_builder_end_object (builder);

  return builder_to_string (builder);
}

char *
kassa_bank_transaction_to_json (const KassaBankTransaction *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "paid");
  json_builder_add_boolean_value (builder, self->paid);
  add_string_member (builder, "resp_code", self->resp_code);
  add_string_member (builder, "resp_desc", self->resp_desc);
  add_string_member (builder, "approval_code", self->approval_code);
  if (self->amount != 0)
    {
      json_builder_set_member_name (builder, "amount");
      json_builder_add_int_value (builder, self->amount);
    }
  add_string_member (builder, "card_number", self->card_number);
  add_string_member (builder, "terminal", self->terminal);
  add_string_member (builder, "invoice", self->invoice);
  add_string_member (builder, "checksum", self->checksum);
  add_string_member (builder, "status", self->status);
  add_string_member (builder, "desc", self->desc);
  json_builder_end_object (builder);

  return builder_to_string (builder);
}

char *
kassa_bank_settlement_reply_to_json (const KassaBankSettlementReply *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "amount");
  json_builder_add_int_value (builder, self->amount);
  json_builder_set_member_name (builder, "count");
  json_builder_add_int_value (builder, self->count);
  add_string_member (builder, "status", self->status);
  json_builder_end_object (builder);

  return builder_to_string (builder);
}
