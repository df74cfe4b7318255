/* kassa-bank-sim-faults.c — fault injection: what the simulated bank does instead of answering
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-bank-sim-private.h"

SimFault
kassa_bank_sim_take_fault (KassaBankSim      *self,
                           KassaBankEndpoint  endpoint)
{
  SimFault *fault = &self->faults[endpoint];
  SimFault taken = *fault;

  if (fault->kind != KASSA_SIM_FAULT_NONE && fault->remaining > 0 && --fault->remaining == 0)
    {
      fault->kind = KASSA_SIM_FAULT_NONE;
      fault->delay_ms = 0;
    }

  return taken;
}

static gboolean
delayed_request_cb (gpointer data)
{
  DelayedRequest *delayed = data;
  KassaBankSim *self = delayed->sim;

  /* Being dispatched: the source goes away when we return. */
  g_clear_pointer (&delayed->source, g_source_unref);
  self->delayed = g_list_remove (self->delayed, delayed);

  kassa_bank_sim_handle_pos_request (self, delayed->msg, delayed->endpoint);
  soup_server_message_unpause (delayed->msg);
  kassa_sim_delayed_request_free (delayed);

  return G_SOURCE_REMOVE;
}

static void
on_delayed_message_disconnected_cb (SoupServerMessage *msg,
                                    gpointer           user_data)
{
  DelayedRequest *delayed = user_data;
  KassaBankSim *self = delayed->sim;

  /* libsoup 3.2's server reads nothing from a paused message's connection,
   * so a client that goes away during the delay is noticed only when the
   * answer is written, after the request was processed (a bank would do the
   * same). This fires for a connection that fails before that. */
  self->delayed = g_list_remove (self->delayed, delayed);
  kassa_sim_delayed_request_free (delayed);
}

static void
delay_request (KassaBankSim      *self,
               SoupServerMessage *msg,
               KassaBankEndpoint  endpoint,
               guint              delay_ms)
{
  DelayedRequest *delayed = g_new0 (DelayedRequest, 1);

  delayed->sim = self;
  delayed->msg = g_object_ref (msg);
  delayed->endpoint = endpoint;
  delayed->source = g_timeout_source_new (delay_ms);
  g_source_set_name (delayed->source, "[kassa-bank-sim] delayed reply");
  g_source_set_callback (delayed->source, delayed_request_cb, delayed, NULL);
  delayed->disconnected_id = g_signal_connect (msg, "disconnected",
                                               G_CALLBACK (on_delayed_message_disconnected_cb),
                                               delayed);
  self->delayed = g_list_prepend (self->delayed, delayed);

  soup_server_message_pause (msg);
  g_source_attach (delayed->source, self->context);
}

/* Closes the connection in the middle of a reply: the client has read the
 * status line and part of the body, then the stream ends. */
static void
drop_connection (SoupServerMessage *msg)
{
  static const char partial[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 400\r\n"
    "\r\n"
    "{\"header\":{\"code\":200";
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);
  g_autoptr(GError) error = NULL;

  if (stream == NULL)
    return;

  if (!g_output_stream_write_all (g_io_stream_get_output_stream (stream), partial,
                                  sizeof partial - 1, NULL, NULL, &error))
    g_debug ("Dropping a connection: %s", error->message);
  g_io_stream_close (stream, NULL, NULL);
}

void
kassa_bank_sim_apply_fault (KassaBankSim      *self,
                            SoupServerMessage *msg,
                            KassaBankEndpoint  endpoint,
                            const SimFault    *fault)
{
  static const char malformed[] = "{\"header\": {\"code\": 200,";
  static const char internal[] = "Internal Server Error\n";

  switch (fault->kind)
    {
    case KASSA_SIM_FAULT_DELAY:
      delay_request (self, msg, endpoint, fault->delay_ms);
      break;
    case KASSA_SIM_FAULT_HTTP_500:
      soup_server_message_set_status (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                        internal, sizeof internal - 1);
      break;
    case KASSA_SIM_FAULT_HTTP_500_ENVELOPE:
      kassa_sim_reply_envelope (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, 500, NULL,
                                "SYSTEM", DESC_SYSTEM);
      break;
    case KASSA_SIM_FAULT_MALFORMED_JSON:
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                        malformed, sizeof malformed - 1);
      break;
    case KASSA_SIM_FAULT_DROP:
      drop_connection (msg);
      break;
    case KASSA_SIM_FAULT_CODE_500:
      kassa_sim_reply_envelope (msg, SOUP_STATUS_OK, 500, NULL, "SYSTEM", DESC_SYSTEM);
      break;
    case KASSA_SIM_FAULT_NONE:
    default:
      kassa_bank_sim_handle_pos_request (self, msg, endpoint);
      break;
    }
}
