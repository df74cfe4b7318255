/* kassa-bank-sim-control.c — the simulator's control interface, /sim/…
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-bank-sim-private.h"

#include <string.h>

#include "kassa-bank-fields.h"

static void
control_reply (SoupServerMessage *msg,
               guint              status,
               JsonBuilder       *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  kassa_sim_set_json_reply (msg, status, root);
}

static void
control_error (SoupServerMessage *msg,
               guint              status,
               const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, FALSE);
  kassa_sim_add_string (builder, "error", message);
  json_builder_end_object (builder);
  control_reply (msg, status, builder);
}

static void
control_ok (SoupServerMessage *msg)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);
  control_reply (msg, SOUP_STATUS_OK, builder);
}

/* An optional integer member in [min, max]; FALSE if present and not one. */
gboolean
kassa_sim_get_int_member (JsonObject *object,
                          const char *name,
                          gint64      min,
                          gint64      max,
                          gint64     *inout_value)
{
  JsonNode *node = json_object_get_member (object, name);
  gint64 value;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;

  value = json_node_get_int (node);
  if (value < min || value > max)
    return FALSE;

  *inout_value = value;
  return TRUE;
}

/* An optional string member: absent or null gives NULL; FALSE for other types. */
static gboolean
get_optional_string (JsonObject  *object,
                     const char  *name,
                     const char **out_value)
{
  JsonNode *node = json_object_get_member (object, name);

  *out_value = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;

  *out_value = json_node_get_string (node);
  return TRUE;
}

static void
control_customer (KassaBankSim      *self,
                  SoupServerMessage *msg,
                  JsonObject        *object,
                  gboolean           pay)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;
  const char *invoice = kassa_sim_get_string_member (object, "invoice");
  const char *terminal = NULL;
  KassaSimInvoiceState state;
  gboolean ok;

  if (invoice == NULL || !get_optional_string (object, "terminal", &terminal))
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST,
                     "expected {\"invoice\": STRING, \"terminal\"?: STRING}");
      return;
    }

  if (pay)
    ok = kassa_bank_sim_pay (self, terminal, invoice, &error);
  else
    ok = kassa_bank_sim_decline (self, terminal, invoice, &error);

  if (!ok)
    {
      guint status = SOUP_STATUS_BAD_REQUEST;

      if (g_error_matches (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_UNKNOWN_INVOICE))
        status = SOUP_STATUS_NOT_FOUND;
      else if (g_error_matches (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_WRONG_STATE))
        status = SOUP_STATUS_CONFLICT;
      control_error (msg, status, error->message);
      return;
    }

  state = kassa_bank_sim_get_invoice_state (self, terminal, invoice, NULL);
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, TRUE);
  kassa_sim_add_string (builder, "terminal", terminal != NULL ? terminal : self->first_terminal);
  kassa_sim_add_string (builder, "invoice", invoice);
  kassa_sim_add_string (builder, "state", kassa_sim_invoice_state_to_string (state));
  json_builder_end_object (builder);
  control_reply (msg, SOUP_STATUS_OK, builder);
}

static void
control_autopay (KassaBankSim      *self,
                 SoupServerMessage *msg,
                 JsonObject        *object)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gint64 seconds = -1;

  if (!kassa_sim_get_int_member (object, "seconds", 0, MAX_AUTOPAY_SECONDS, &seconds) ||
      seconds < 0)
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST,
                     "expected {\"seconds\": INTEGER 0…86400} (0 = off)");
      return;
    }

  kassa_bank_sim_set_autopay (self, (guint) seconds);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ok");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "seconds");
  json_builder_add_int_value (builder, seconds);
  json_builder_end_object (builder);
  control_reply (msg, SOUP_STATUS_OK, builder);
}

static void
control_fault (KassaBankSim      *self,
               SoupServerMessage *msg,
               JsonObject        *object)
{
  const char *endpoint_name = kassa_sim_get_string_member (object, "endpoint");
  const char *kind_name = kassa_sim_get_string_member (object, "kind");
  KassaBankEndpoint endpoint;
  KassaSimFaultKind kind;
  gint64 delay_ms = 0;
  gint64 count = 0;

  if (endpoint_name == NULL || !kassa_bank_endpoint_from_name (endpoint_name, &endpoint))
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST,
                     "\"endpoint\" must be one of qr, deeplink, phone, check, cancel, "
                     "refund, settlement");
      return;
    }
  if (kind_name == NULL || !kassa_sim_fault_kind_from_string (kind_name, &kind))
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST,
                     "\"kind\" must be one of none, delay, http500, http500-envelope, "
                     "malformed, drop, code500");
      return;
    }
  if (!kassa_sim_get_int_member (object, "delay_ms", 0, MAX_DELAY_MS, &delay_ms) ||
      (kind == KASSA_SIM_FAULT_DELAY && delay_ms == 0))
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST,
                     "\"delay_ms\" must be an integer 1…600000 for a delay");
      return;
    }
  if (!kassa_sim_get_int_member (object, "count", 0, G_MAXUINT, &count))
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST,
                     "\"count\" must be a non-negative integer (0 = until cleared)");
      return;
    }

  kassa_bank_sim_inject_fault (self, endpoint, kind, (guint) delay_ms, (guint) count);
  control_ok (msg);
}

static void
control_push_url (KassaBankSim      *self,
                  SoupServerMessage *msg,
                  JsonObject        *object)
{
  const char *url = NULL;

  if (!json_object_has_member (object, "url") || !get_optional_string (object, "url", &url))
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST, "expected {\"url\": STRING or null}");
      return;
    }

  if (url != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

      if (uri == NULL || g_uri_get_host (uri) == NULL ||
          (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 &&
           g_strcmp0 (g_uri_get_scheme (uri), "https") != 0))
        {
          control_error (msg, SOUP_STATUS_BAD_REQUEST, "\"url\" must be an http(s) URL");
          return;
        }
    }

  kassa_bank_sim_set_push_url (self, url);
  control_ok (msg);
}

static void
control_invoices (KassaBankSim      *self,
                  SoupServerMessage *msg)
{
  char *text = kassa_bank_sim_list_invoices (self);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    text, strlen (text));
}

/* {"held": N}: requests a delay fault is holding right now (received, not yet
 * processed). Tests wait for one before killing a client mid-request. */
static void
control_held (KassaBankSim      *self,
              SoupServerMessage *msg)
{
  char *text = g_strdup_printf ("{\"held\": %u}", g_list_length (self->delayed));

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    text, strlen (text));
}

void
kassa_bank_sim_handle_control (KassaBankSim      *self,
                               SoupServerMessage *msg,
                               const char        *path)
{
  const char *method = soup_server_message_get_method (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonObject) object = NULL;
  gboolean is_post = g_strcmp0 (method, SOUP_METHOD_POST) == 0;

  if (g_strcmp0 (path, "/sim/invoices") == 0 &&
      (is_post || g_strcmp0 (method, SOUP_METHOD_GET) == 0))
    {
      control_invoices (self, msg);
      return;
    }

  if (g_strcmp0 (path, "/sim/held") == 0 &&
      (is_post || g_strcmp0 (method, SOUP_METHOD_GET) == 0))
    {
      control_held (self, msg);
      return;
    }

  if (g_strcmp0 (path, "/sim/pay") != 0 && g_strcmp0 (path, "/sim/decline") != 0 &&
      g_strcmp0 (path, "/sim/autopay") != 0 && g_strcmp0 (path, "/sim/fault") != 0 &&
      g_strcmp0 (path, "/sim/clear-faults") != 0 && g_strcmp0 (path, "/sim/push-url") != 0 &&
      g_strcmp0 (path, "/sim/invoices") != 0)
    {
      control_error (msg, SOUP_STATUS_NOT_FOUND, "unknown control path");
      return;
    }

  if (!is_post)
    {
      control_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "control requests are POST");
      return;
    }

  if (body->length > MAX_BODY_SIZE)
    {
      control_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "request too large");
      return;
    }

  object = kassa_sim_read_json_object (msg, TRUE);
  if (object == NULL)
    {
      control_error (msg, SOUP_STATUS_BAD_REQUEST, "the body must be one JSON object");
      return;
    }

  if (g_strcmp0 (path, "/sim/pay") == 0)
    control_customer (self, msg, object, TRUE);
  else if (g_strcmp0 (path, "/sim/decline") == 0)
    control_customer (self, msg, object, FALSE);
  else if (g_strcmp0 (path, "/sim/autopay") == 0)
    control_autopay (self, msg, object);
  else if (g_strcmp0 (path, "/sim/fault") == 0)
    control_fault (self, msg, object);
  else if (g_strcmp0 (path, "/sim/push-url") == 0)
    control_push_url (self, msg, object);
  else
    {
      kassa_bank_sim_clear_faults (self);
      control_ok (msg);
    }
}
