/* kassa-bank-sim-push.c — push notifications and autopay of the simulated bank
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-bank-sim-private.h"

#include <string.h>

static void
push_sent_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = NULL;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  guint status = msg != NULL ? soup_message_get_status (msg) : 0;

  reply = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (reply == NULL)
    g_debug ("Push notification failed: %s", error->message);
  else
    g_debug ("Push notification answered with HTTP %u", status);
}

static void
send_push (KassaBankSim     *self,
           const SimInvoice *inv)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *text = NULL;

  if (self->push_url == NULL)
    return;

  msg = soup_message_new (SOUP_METHOD_POST, self->push_url);
  if (msg == NULL)
    {
      g_debug ("Push URL is not usable; no notification sent");
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  kassa_bank_sim_add_transaction (self, builder, inv, "00", DESC_SUCCESS, TRUE);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = kassa_sim_node_to_string (root);
  body = g_bytes_new_take (text, strlen (text));
  text = NULL;

  if (self->push_session == NULL)
    /* No proxy: the merchant's push URL is a till on the local network or
     * loopback, and the system proxy settings may not even be readable. */
    self->push_session = soup_session_new_with_options ("timeout", PUSH_TIMEOUT_SECONDS,
                                                        "user-agent", "kassa-bank-sim",
                                                        "proxy-resolver", NULL,
                                                        NULL);

  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  /* Fire and forget: the bank does not care what the merchant answers. */
  soup_session_send_and_read_async (self->push_session, msg, G_PRIORITY_DEFAULT,
                                    self->cancellable, push_sent_cb, NULL);
}

void
kassa_sim_cancel_autopay (SimInvoice *inv)
{
  if (inv->autopay_source == NULL)
    return;

  g_source_destroy (inv->autopay_source);
  g_clear_pointer (&inv->autopay_source, g_source_unref);
}

void
kassa_bank_sim_mark_paid (KassaBankSim *self,
                          SimInvoice   *inv)
{
  g_autofree char *last4 = kassa_sim_random_digits (4);

  kassa_sim_cancel_autopay (inv);
  inv->state = KASSA_SIM_INVOICE_PAID;
  g_free (inv->approval_code);
  inv->approval_code = kassa_sim_random_digits (6);
  g_free (inv->card_number);
  inv->card_number = g_strdup_printf ("949625******%s", last4);
  kassa_bank_sim_save_state (self);

  send_push (self, inv);
}

static gboolean
autopay_cb (gpointer data)
{
  SimInvoice *inv = data;

  /* The source is being dispatched; drop our reference so nobody destroys it twice. */
  g_clear_pointer (&inv->autopay_source, g_source_unref);
  if (inv->state == KASSA_SIM_INVOICE_UNPAID)
    kassa_bank_sim_mark_paid (inv->sim, inv);

  return G_SOURCE_REMOVE;
}

void
kassa_bank_sim_schedule_autopay (KassaBankSim *self,
                                 SimInvoice   *inv)
{
  if (self->autopay_seconds == 0)
    return;

  inv->autopay_source = g_timeout_source_new (self->autopay_seconds * 1000);
  g_source_set_name (inv->autopay_source, "[kassa-bank-sim] autopay");
  g_source_set_callback (inv->autopay_source, autopay_cb, inv, NULL);
  g_source_attach (inv->autopay_source, self->context);
}
