/* kassa-bank-sim-wire.c — what the simulated bank writes: amounts, QR payloads, envelopes
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-bank-sim-private.h"

#include <string.h>

#include "kassa-amount.h"
#include "kassa-checksum.h"
#include "kassa-emv.h"

/* The amount as this profile writes it in replies and pushes. */
char *
kassa_bank_sim_format_amount (KassaBankSim *self,
                              gint64        amount)
{
  if (amount >= KASSA_AMOUNT_MIN && amount <= KASSA_AMOUNT_MAX)
    return kassa_bank_profile_format_amount (self->profile, amount);

  /* Settlement totals may be 0 or exceed one sale's maximum. */
  if (kassa_bank_profile_get_amount_format (self->profile) == KASSA_AMOUNT_FORMAT_TWO_DECIMALS)
    return g_strdup_printf ("%" G_GINT64_FORMAT ".00", amount);

  return g_strdup_printf ("%" G_GINT64_FORMAT, amount);
}

/* A request amount: whole tögrög, plain digits with an optional all-zero
 * fraction of one or two digits ("1000", "1000.00"). No sign, no exponent,
 * no leading zero, 1 ≤ amount ≤ 10^12. */
gboolean
kassa_sim_parse_request_amount (const char *text,
                                gint64     *out_amount)
{
  const char *p = text;
  gint64 value = 0;
  gsize n_digits = 0;

  if (text == NULL || !g_ascii_isdigit (*p) || *p == '0')
    return FALSE;

  for (; g_ascii_isdigit (*p); p++)
    {
      if (++n_digits > 13)
        return FALSE;
      value = value * 10 + (*p - '0');
    }

  if (*p == '.')
    {
      gsize n_fraction = 0;

      for (p++; *p == '0'; p++)
        n_fraction++;
      if (n_fraction < 1 || n_fraction > 2)
        return FALSE;
    }

  if (*p != '\0' || value < KASSA_AMOUNT_MIN || value > KASSA_AMOUNT_MAX)
    return FALSE;

  *out_amount = value;
  return TRUE;
}

char *
kassa_sim_random_digits (guint n)
{
  GString *out = g_string_sized_new (n);

  for (guint i = 0; i < n; i++)
    g_string_append_c (out, (char) ('0' + g_random_int_range (0, 10)));

  return g_string_free (out, FALSE);
}

char *
kassa_sim_random_deeplink (void)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  GString *out = g_string_new (DEEPLINK_PREFIX);

  for (guint i = 0; i < DEEPLINK_KEY_LENGTH; i++)
    g_string_append_c (out, alphabet[g_random_int_range (0, sizeof alphabet - 1)]);

  return g_string_free (out, FALSE);
}

static void
append_tlv (GString    *out,
            const char *tag,
            const char *value)
{
  glong len = g_utf8_strlen (value, -1);

  g_return_if_fail (len <= 99);
  g_string_append_printf (out, "%s%02ld%s", tag, len, value);
}

/* An EMV merchant-presented payload shaped like the bank's sample (§13). */
char *
kassa_bank_sim_build_emv_payload (KassaBankSim     *self,
                                  const SimInvoice *inv)
{
  g_autoptr(GString) tlv = g_string_new (NULL);
  g_autoptr(GString) extra = g_string_new (NULL);
  g_autofree char *account = NULL;
  g_autofree char *amount = kassa_amount_to_wire (inv->amount);
  g_autofree char *reference = NULL;

  /* The account is derived from the terminal so each terminal has its own. */
  account = g_strdup_printf ("2662049626620496%s00147", inv->terminal);

  if (strlen (inv->invoice) <= EMV_REFERENCE_MAX)
    reference = g_strdup (inv->invoice);
  else
    reference = g_strdup_printf ("%012" G_GUINT64_FORMAT, ++self->reference_seq);

  append_tlv (extra, "01", reference);
  append_tlv (extra, "07", inv->terminal);

  append_tlv (tlv, "00", "01");
  append_tlv (tlv, "01", "12");
  append_tlv (tlv, "15", account);
  append_tlv (tlv, "52", "6010");
  append_tlv (tlv, "53", "496");
  append_tlv (tlv, "54", amount);
  append_tlv (tlv, "58", "MN");
  append_tlv (tlv, "59", self->merchant_name);
  append_tlv (tlv, "60", "ULAANBAATAR");
  append_tlv (tlv, "62", extra->str);

  return kassa_emv_seal (tlv->str, KASSA_EMV_CRC_X25);
}

char *
kassa_sim_node_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}

void
kassa_sim_set_json_reply (SoupServerMessage *msg,
                          guint              http_status,
                          JsonNode          *node)
{
  g_autofree char *text = kassa_sim_node_to_string (node);
  gsize len = strlen (text);

  soup_server_message_set_status (msg, http_status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), len);
}

/* The §4 envelope. @response (consumed) for code 200; otherwise @error_type/@error_desc. */
void
kassa_sim_reply_envelope (SoupServerMessage *msg,
                          guint              http_status,
                          int                code,
                          JsonNode          *response,
                          const char        *error_type,
                          const char        *error_desc)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format_iso8601 (now);
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "header");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_int_value (builder, code);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, code == 200 ? "success" : "failed");
  json_builder_set_member_name (builder, "date");
  json_builder_add_string_value (builder, date);
  json_builder_end_object (builder);

  json_builder_set_member_name (builder, "body");
  json_builder_begin_object (builder);
  if (response != NULL)
    {
      json_builder_set_member_name (builder, "response");
      json_builder_add_value (builder, response);
    }
  else
    {
      json_builder_set_member_name (builder, "error");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "errorType");
      json_builder_add_string_value (builder, error_type);
      json_builder_set_member_name (builder, "errorDesc");
      json_builder_add_string_value (builder, error_desc);
      json_builder_end_object (builder);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  kassa_sim_set_json_reply (msg, http_status, root);
}

void
kassa_sim_reply_ok (SoupServerMessage *msg,
                    JsonBuilder       *response)
{
  kassa_sim_reply_envelope (msg, SOUP_STATUS_OK, 200, json_builder_get_root (response), NULL, NULL);
}

void
kassa_bank_sim_reply_error (KassaBankSim      *self,
                            SoupServerMessage *msg,
                            const char        *error_type,
                            const char        *error_desc)
{
  kassa_sim_reply_envelope (msg, self->error_http_status, 400, NULL, error_type, error_desc);
}

void
kassa_sim_add_string (JsonBuilder *builder,
                      const char  *name,
                      const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

/* body.response of check and refund: the transaction info (§6.8). */
void
kassa_bank_sim_add_transaction (KassaBankSim     *self,
                                JsonBuilder      *builder,
                                const SimInvoice *inv,
                                const char       *resp_code,
                                const char       *resp_desc,
                                gboolean          with_card)
{
  g_autofree char *amount = kassa_bank_sim_format_amount (self, inv->amount);
  SimTerminal *term = g_hash_table_lookup (self->terminals, inv->terminal);
  g_autofree char *checksum = kassa_checksum_concat (term->secret, inv->terminal,
                                                     inv->invoice, amount, NULL);

  kassa_sim_add_string (builder, "resp_code", resp_code);
  kassa_sim_add_string (builder, "resp_desc", resp_desc);
  if (with_card)
    {
      kassa_sim_add_string (builder, "approval_code", inv->approval_code);
      kassa_sim_add_string (builder, "card_number", inv->card_number);
    }
  kassa_sim_add_string (builder, "amount", amount);
  kassa_sim_add_string (builder, "terminal", inv->terminal);
  kassa_sim_add_string (builder, "invoice", inv->invoice);
  kassa_sim_add_string (builder, "checksum", checksum);
}
