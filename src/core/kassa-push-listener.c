/* kassa-push-listener.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-push-listener-private.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "kassa-amount.h"
#include "kassa-bank-fields.h"
#include "kassa-checksum.h"
#include "kassa-error.h"
#include "kassa-json-private.h"

/* The longest resp_code passed on; the bank's are two characters. */
#define MAX_RESP_CODE_LENGTH 16
#define MAX_PATH_LENGTH      256
#define REQUEST_BODY_KEY     "kassa-push-request-body"
#define LISTEN_BACKLOG       64

struct _KassaPushListener
{
  GObject           parent_instance;

  char             *terminal;
  char             *secret;
  KassaBankProfile *profile;

  /* Our own accept loop: libsoup 3.2's server has no connection cap and no
   * read deadline, so connections are accepted here and handed to @server. */
  GSocketService   *service;
  GTlsCertificate  *tls_certificate;
  GQueue            connections;      /* PushConnection *, oldest first */
  guint             max_connections;
  guint             request_timeout;  /* seconds */

  SoupServer       *server;
  GMainContext     *context;
  char             *path;
  char             *url;

  /* Verified pushes not yet announced (PendingPush *), and the idle source
   * that announces them outside of the HTTP handler. */
  GQueue            pending;
  GSource          *announce_source;
};

enum {
  PROP_0,
  PROP_TERMINAL,
  PROP_SECRET,
  PROP_PROFILE,
  PROP_URL,
  PROP_MAX_CONNECTIONS,
  PROP_REQUEST_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  PUSH_RECEIVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KassaPushListener, kassa_push_listener, G_TYPE_OBJECT)

/* The keys of a push (fact sheet §6.11); others are ignored. */
static const char * const push_keys[] = {
  "resp_code", "resp_desc", "amount", "invoice", "terminal",
  "approval_code", "card_number", "checksum",
};

typedef struct
{
  char   *invoice;
  gint64  amount;
  char   *resp_code;
} PendingPush;

static void
pending_push_free (gpointer data)
{
  PendingPush *push = data;

  g_free (push->invoice);
  g_free (push->resp_code);
  g_free (push);
}

/* An accepted connection, until its deadline, its eviction or shutdown(). */
typedef struct
{
  KassaPushListener *self;
  GSocketConnection *connection;
  GSource           *deadline;
} PushConnection;

static void
set_refusal (KassaPushVerdict *verdict,
             guint             status,
             const char       *reason,
             const char       *detail)
{
  verdict->status = status;
  verdict->reason = reason;
  verdict->detail = g_strdup (detail);
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */

/* Every refusal: a short fixed reason for the caller, details in the debug
 * log only. Neither ever contains the secret or the expected checksum. */
static void
refuse (SoupServerMessage *msg,
        guint              status,
        const char        *reason,
        const char        *detail)
{
  g_autofree char *body = g_strdup_printf ("{\"ok\":false,\"error\":\"%s\"}", reason);
  /* The path arrives percent-decoded: keep control characters out of the log. */
  g_autofree char *path = kassa_input_excerpt (g_uri_get_path (soup_server_message_get_uri (msg)));
  gsize length = strlen (body);

  g_debug ("Push refused with HTTP %u (%s %s from %s): %s", status,
           soup_server_message_get_method (msg), path,
           soup_server_message_get_remote_host (msg) != NULL
             ? soup_server_message_get_remote_host (msg) : "?",
           detail);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&body), length);
}

static void
refuse_with_verdict (SoupServerMessage      *msg,
                     const KassaPushVerdict *verdict)
{
  refuse (msg, verdict->status, verdict->reason, verdict->detail);
}

/* ------------------------------------------------------------------ */
/* Announcing                                                          */

static gboolean
announce_pushes_cb (gpointer user_data)
{
  KassaPushListener *self = user_data;
  g_autoptr(KassaPushListener) hold = g_object_ref (self);
  PendingPush *push;

  g_clear_pointer (&self->announce_source, g_source_unref);

  /* A handler may call shutdown(), which empties the queue: the rest is dropped. */
  while ((push = g_queue_pop_head (&self->pending)) != NULL)
    {
      g_signal_emit (self, signals[PUSH_RECEIVED], 0, push->invoice, push->amount,
                     push->resp_code);
      pending_push_free (push);
    }

  return G_SOURCE_REMOVE;
}

/* Signal handlers run from an idle source, not inside libsoup's request
 * handling: they may do anything, including shutting the listener down. */
static void
queue_push (KassaPushListener *self,
            const char        *invoice,
            gint64             amount,
            const char        *resp_code)
{
  PendingPush *push = g_new0 (PendingPush, 1);

  push->invoice = g_strdup (invoice);
  push->amount = amount;
  push->resp_code = g_strdup (resp_code);
  g_queue_push_tail (&self->pending, push);

  if (self->announce_source == NULL)
    {
      self->announce_source = g_idle_source_new ();
      g_source_set_static_name (self->announce_source, "[kassa] announce pushes");
      g_source_set_callback (self->announce_source, announce_pushes_cb, self, NULL);
      g_source_attach (self->announce_source, self->context);
    }
}

/* ------------------------------------------------------------------ */
/* Connections: the cap and the deadline                               */

static GSocket *
push_connection_get_socket (PushConnection *conn)
{
  return g_socket_connection_get_socket (conn->connection);
}

/* Stops tracking @conn. libsoup owns the connection and closes it itself, so
 * this never closes the descriptor under it: an open one is shut down, which
 * libsoup reads as the end of the stream and answers by closing. */
static void
push_connection_drop (PushConnection *conn,
                      const char     *reason)
{
  KassaPushListener *self = conn->self;
  GSocket *socket = push_connection_get_socket (conn);

  if (reason != NULL && !g_socket_is_closed (socket))
    {
      g_debug ("Push connection closed: %s", reason);
      g_socket_shutdown (socket, TRUE, TRUE, NULL);
    }

  g_queue_remove (&self->connections, conn);
  g_source_destroy (conn->deadline);
  g_source_unref (conn->deadline);
  g_object_unref (conn->connection);
  g_free (conn);
}

static gboolean
on_connection_deadline_cb (gpointer user_data)
{
  PushConnection *conn = user_data;
  g_autofree char *reason =
    g_strdup_printf ("no complete request and reply within %u s", conn->self->request_timeout);

  push_connection_drop (conn, reason);

  return G_SOURCE_REMOVE;
}

/* Connections libsoup has already closed (answered, or the client went). */
static void
forget_closed_connections (KassaPushListener *self)
{
  GList *link = self->connections.head;

  while (link != NULL)
    {
      PushConnection *conn = link->data;

      link = link->next;
      if (g_socket_is_closed (push_connection_get_socket (conn)))
        push_connection_drop (conn, NULL);
    }
}

/* At the cap, the oldest connection makes room rather than the new one being
 * refused: a push is one small request answered at once, so the oldest is the
 * one least likely to be a real push, and a few slow clients cannot lock the
 * bank out until their deadline. */
static gboolean
on_service_incoming_cb (GSocketService    *service,
                        GSocketConnection *connection,
                        GObject           *source_object,
                        gpointer           user_data)
{
  KassaPushListener *self = user_data;
  g_autoptr(GSocketAddress) local_address = NULL;
  g_autoptr(GSocketAddress) remote_address = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  PushConnection *conn;

  local_address = g_socket_connection_get_local_address (connection, &error);
  if (local_address != NULL)
    remote_address = g_socket_connection_get_remote_address (connection, &error);
  if (remote_address == NULL)
    {
      g_debug ("Push connection dropped at once: %s", error->message);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }

  forget_closed_connections (self);
  while (self->connections.length >= self->max_connections)
    {
      g_autofree char *reason =
        g_strdup_printf ("the oldest of %u connections, to make room", self->max_connections);

      push_connection_drop (g_queue_peek_head (&self->connections), reason);
    }

  if (self->tls_certificate != NULL)
    {
      stream = g_tls_server_connection_new (G_IO_STREAM (connection), self->tls_certificate,
                                            &error);
      if (stream == NULL)
        {
          g_debug ("Push connection dropped at once: %s", error->message);
          g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
          return TRUE;
        }
      /* As libsoup's own listener: many clients just close. */
      g_object_set (stream, "require-close-notify", FALSE, NULL);
    }
  else
    {
      stream = g_object_ref (G_IO_STREAM (connection));
    }

  conn = g_new0 (PushConnection, 1);
  conn->self = self;
  conn->connection = g_object_ref (connection);
  conn->deadline = g_timeout_source_new_seconds (self->request_timeout);
  g_source_set_static_name (conn->deadline, "[kassa] push connection deadline");
  g_source_set_callback (conn->deadline, on_connection_deadline_cb, conn, NULL);
  g_source_attach (conn->deadline, self->context);
  g_queue_push_tail (&self->connections, conn);

  /* Without listeners of its own, libsoup closes the connection after the
   * first reply, whatever the client asked. */
  soup_server_accept_iostream (self->server, stream, local_address, remote_address, NULL);

  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

static gboolean
is_push_key (const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (push_keys); i++)
    {
      if (g_str_equal (key, push_keys[i]))
        return TRUE;
    }

  return FALSE;
}

/* A flat JSON object; the known keys must be strings (or null = absent).
 * Under amount-as-number, `amount` may be a JSON integer; its text is then
 * what the checksum covers, as it is when the till sends one. */
static GHashTable *
fields_from_json (KassaPushListener  *self,
                  const char         *data,
                  gsize               length,
                  GError            **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  JsonNode *root;
  JsonObject *object;

  /* Strict JSON only: json-glib 1.6 accepts more and leaks on some of it
   * ("{…}{…}", unpaired surrogates; kassa-json-private.h). */
  if (!kassa_json_is_one_object (data, length))
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                           "the body is not one JSON object");
      return NULL;
    }

  if (!json_parser_load_from_data (parser, data, length, error))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                           "the body is not a JSON object");
      return NULL;
    }

  object = json_node_get_object (root);
  for (gsize i = 0; i < G_N_ELEMENTS (push_keys); i++)
    {
      const char *key = push_keys[i];
      JsonNode *node = json_object_get_member (object, key);

      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        continue;

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_hash_table_insert (fields, g_strdup (key), g_strdup (json_node_get_string (node)));
        }
      else if (g_str_equal (key, "amount") &&
               kassa_bank_profile_get_amount_as_number (self->profile) &&
               JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
        {
          g_hash_table_insert (fields, g_strdup (key),
                               g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node)));
        }
      else
        {
          g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA,
                       "“%s” is not a string", key);
          return NULL;
        }
    }

  return g_steal_pointer (&fields);
}

static GHashTable *
fields_from_form (const char  *data,
                  gsize        length,
                  GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GHashTable) decoded = NULL;
  g_autoptr(GHashTable) fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (memchr (data, '\0', length) != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "the form body contains a NUL byte");
      return NULL;
    }

  text = g_strndup (data, length);
  decoded = soup_form_decode (text);
  for (gsize i = 0; i < G_N_ELEMENTS (push_keys); i++)
    {
      const char *value = g_hash_table_lookup (decoded, push_keys[i]);

      if (value != NULL)
        g_hash_table_insert (fields, g_strdup (push_keys[i]), g_strdup (value));
    }

  return g_steal_pointer (&fields);
}

/* Like erxes, fields missing from the body are taken from the query string;
 * a field given in both with different values is refused as ambiguous. */
static gboolean
merge_query (GHashTable  *fields,
             GHashTable  *query,
             GError     **error)
{
  GHashTableIter iter;
  gpointer key, value;

  if (query == NULL)
    return TRUE;

  g_hash_table_iter_init (&iter, query);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *in_body;

      if (!is_push_key (key) || value == NULL)
        continue;

      in_body = g_hash_table_lookup (fields, key);
      if (in_body == NULL)
        g_hash_table_insert (fields, g_strdup (key), g_strdup (value));
      else if (!g_str_equal (in_body, value))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "“%s” differs between the body and the query string", (char *) key);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
looks_like_json (const char *data,
                 gsize       length)
{
  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isspace (data[i]))
        return data[i] == '{';
    }

  return FALSE;
}

/* The body's fields by Content-Type: application/json, or
 * application/x-www-form-urlencoded; without a Content-Type, a body that
 * starts with "{" is JSON and anything else a form. */
static GHashTable *
parse_fields (KassaPushListener  *self,
              const char         *content_type,
              GByteArray         *body,
              GHashTable         *query,
              GError            **error)
{
  const char *data = (const char *) body->data;
  gsize length = body->len;
  g_autoptr(GHashTable) fields = NULL;

  if (length == 0)
    fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  else if (content_type != NULL && g_ascii_strcasecmp (content_type, "application/json") == 0)
    fields = fields_from_json (self, data, length, error);
  else if (content_type != NULL &&
           g_ascii_strcasecmp (content_type, "application/x-www-form-urlencoded") == 0)
    fields = fields_from_form (data, length, error);
  else if (content_type == NULL && looks_like_json (data, length))
    fields = fields_from_json (self, data, length, error);
  else if (content_type == NULL)
    fields = fields_from_form (data, length, error);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                 "unsupported Content-Type “%s”", content_type);

  if (fields == NULL || !merge_query (fields, query, error))
    return NULL;

  return g_steal_pointer (&fields);
}

/* resp_code is not covered by the checksum; it is passed on, not trusted. */
static gboolean
resp_code_is_sane (const char *resp_code)
{
  gsize length = strlen (resp_code);

  if (length == 0 || length > MAX_RESP_CODE_LENGTH)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isgraph (resp_code[i]))
        return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Request handling                                                    */

/* kassa-push-listener-private.h: everything but HTTP itself is decided here. */
void
kassa_push_listener_check_body (KassaPushListener   *self,
                                const char          *content_type,
                                GHashTable          *query,
                                const KassaPushBody *body,
                                KassaPushVerdict    *verdict)
{
  static const char required[][10] = { "resp_code", "amount", "invoice", "terminal", "checksum" };
  g_autoptr(GHashTable) fields = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  const char *resp_code, *amount_text, *invoice, *terminal, *checksum;
  gint64 amount = 0;

  g_return_if_fail (KASSA_IS_PUSH_LISTENER (self));
  g_return_if_fail (body != NULL);
  g_return_if_fail (verdict != NULL);

  kassa_push_verdict_clear (verdict);

  if (body->too_big)
    {
      set_refusal (verdict, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too large",
                   "body above the limit");
      return;
    }

  fields = parse_fields (self, content_type, body->data, query, &error);
  if (fields == NULL)
    {
      set_refusal (verdict, SOUP_STATUS_BAD_REQUEST, "malformed push", error->message);
      return;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    {
      if (!g_hash_table_contains (fields, required[i]))
        {
          g_autofree char *detail = g_strdup_printf ("“%s” is missing", required[i]);

          set_refusal (verdict, SOUP_STATUS_BAD_REQUEST, "malformed push", detail);
          return;
        }
    }

  resp_code = g_hash_table_lookup (fields, "resp_code");
  amount_text = g_hash_table_lookup (fields, "amount");
  invoice = g_hash_table_lookup (fields, "invoice");
  terminal = g_hash_table_lookup (fields, "terminal");
  checksum = g_hash_table_lookup (fields, "checksum");

  if (!kassa_terminal_validate (terminal, &error))
    {
      set_refusal (verdict, SOUP_STATUS_BAD_REQUEST, "malformed push", error->message);
      return;
    }

  /* Well-formed but not ours: the caller is not allowed to tell us about it. */
  if (!g_str_equal (terminal, self->terminal))
    {
      g_autofree char *detail = g_strdup_printf ("terminal %s is not this till’s", terminal);

      set_refusal (verdict, SOUP_STATUS_FORBIDDEN, "unknown terminal", detail);
      return;
    }

  if (!kassa_invoice_validate (invoice, &error) ||
      !kassa_bank_profile_parse_amount (self->profile, amount_text, &amount, &error) ||
      !kassa_amount_validate (amount, &error))
    {
      set_refusal (verdict, SOUP_STATUS_BAD_REQUEST, "malformed push", error->message);
      return;
    }

  if (!resp_code_is_sane (resp_code))
    {
      set_refusal (verdict, SOUP_STATUS_BAD_REQUEST, "malformed push",
                   "resp_code is empty, too long or not printable ASCII");
      return;
    }

  /* Over the pushed amount string exactly as received (fact sheet §6.11). */
  expected = kassa_checksum_concat (self->secret, terminal, invoice, amount_text, NULL);
  if (!kassa_checksum_equal (expected, checksum))
    {
      g_autofree char *excerpt = kassa_input_excerpt (invoice);
      g_autofree char *detail = g_strdup_printf ("bad checksum for invoice %s", excerpt);

      set_refusal (verdict, SOUP_STATUS_FORBIDDEN, "bad checksum", detail);
      return;
    }

  verdict->status = SOUP_STATUS_OK;
  verdict->invoice = g_strdup (invoice);
  verdict->amount = amount;
  verdict->resp_code = g_strdup (resp_code);
}

/* kassa-push-listener-private.h */
gboolean
kassa_push_listener_check_head (KassaPushListener *self,
                                const char        *path,
                                const char        *method,
                                goffset            content_length,
                                KassaPushVerdict  *verdict)
{
  g_return_val_if_fail (KASSA_IS_PUSH_LISTENER (self), FALSE);
  g_return_val_if_fail (verdict != NULL, FALSE);

  kassa_push_verdict_clear (verdict);

  if (g_strcmp0 (path, self->path) != 0)
    {
      set_refusal (verdict, SOUP_STATUS_NOT_FOUND, "not found", "unknown path");
      return FALSE;
    }

  if (g_strcmp0 (method, SOUP_METHOD_POST) != 0)
    {
      set_refusal (verdict, SOUP_STATUS_METHOD_NOT_ALLOWED, "method not allowed", "not POST");
      return FALSE;
    }

  if (content_length > KASSA_PUSH_MAX_BODY_SIZE)
    {
      set_refusal (verdict, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too large",
                   "declared Content-Length above the limit");
      return FALSE;
    }

  return TRUE;
}

void
kassa_push_verdict_clear (KassaPushVerdict *verdict)
{
  g_return_if_fail (verdict != NULL);

  g_clear_pointer (&verdict->detail, g_free);
  g_clear_pointer (&verdict->invoice, g_free);
  g_clear_pointer (&verdict->resp_code, g_free);
  verdict->status = 0;
  verdict->reason = NULL;
  verdict->amount = 0;
}

KassaPushBody *
kassa_push_body_new (void)
{
  KassaPushBody *body = g_new0 (KassaPushBody, 1);

  body->data = g_byte_array_new ();

  return body;
}

void
kassa_push_body_append (KassaPushBody *body,
                        const guint8  *data,
                        gsize          size)
{
  g_return_if_fail (body != NULL);
  g_return_if_fail (data != NULL || size == 0);

  if (body->too_big)
    return;

  if (size > KASSA_PUSH_MAX_BODY_SIZE - body->data->len)
    {
      /* Keep reading (and dropping) the rest; the reply is 413. */
      body->too_big = TRUE;
      g_byte_array_set_size (body->data, 0);
      return;
    }

  g_byte_array_append (body->data, data, size);
}

void
kassa_push_body_free (KassaPushBody *body)
{
  if (body == NULL)
    return;

  g_byte_array_unref (body->data);
  g_free (body);
}

static void
on_request_got_chunk_cb (SoupServerMessage *msg,
                         GBytes            *chunk,
                         gpointer           user_data)
{
  KassaPushBody *body = user_data;
  gsize size;
  const guint8 *data = g_bytes_get_data (chunk, &size);

  kassa_push_body_append (body, data, size);
}

/* After the headers, before the body: path, method and declared size are
 * refused here, and the body is never stored by libsoup (a chunked body of
 * any size would be), only by us up to the limit. */
static void
on_server_early_request_cb (SoupServer        *server,
                            SoupServerMessage *msg,
                            const char        *path,
                            GHashTable        *query,
                            gpointer           user_data)
{
  KassaPushListener *self = user_data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  g_auto(KassaPushVerdict) verdict = { 0, };
  goffset content_length = -1;
  KassaPushBody *body;

  /* libsoup 3.2's server never closes a kept-alive connection once the client
   * goes (fixed in 3.3): every request would leak a descriptor. */
  soup_message_headers_replace (response_headers, "Connection", "close");
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);

  if (soup_message_headers_get_encoding (request_headers) == SOUP_ENCODING_CONTENT_LENGTH)
    content_length = soup_message_headers_get_content_length (request_headers);

  if (!kassa_push_listener_check_head (self, path, soup_server_message_get_method (msg),
                                       content_length, &verdict))
    {
      if (verdict.status == SOUP_STATUS_METHOD_NOT_ALLOWED)
        soup_message_headers_replace (response_headers, "Allow", "POST");
      refuse_with_verdict (msg, &verdict);
      return;
    }

  body = kassa_push_body_new ();
  g_object_set_data_full (G_OBJECT (msg), REQUEST_BODY_KEY, body,
                          (GDestroyNotify) kassa_push_body_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_request_got_chunk_cb), body);
}

static void
on_server_request_cb (SoupServer        *server,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query,
                      gpointer           user_data)
{
  static const char ok[] = "{\"ok\":true}";
  KassaPushListener *self = user_data;
  KassaPushBody *body = g_object_get_data (G_OBJECT (msg), REQUEST_BODY_KEY);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_auto(KassaPushVerdict) verdict = { 0, };

  /* Only reached when the early handler let the request through. */
  if (body == NULL)
    {
      refuse (msg, SOUP_STATUS_BAD_REQUEST, "malformed push", "no body state");
      return;
    }

  kassa_push_listener_check_body (self, soup_message_headers_get_content_type (headers, NULL),
                                  query, body, &verdict);
  if (verdict.status != SOUP_STATUS_OK)
    {
      refuse_with_verdict (msg, &verdict);
      return;
    }

  g_debug ("Push accepted from %s: invoice %s, amount %" G_GINT64_FORMAT ", resp_code %s",
           soup_server_message_get_remote_host (msg) != NULL
             ? soup_server_message_get_remote_host (msg) : "?",
           verdict.invoice, verdict.amount, verdict.resp_code);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                    ok, sizeof ok - 1);
  queue_push (self, verdict.invoice, verdict.amount, verdict.resp_code);
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static void
kassa_push_listener_constructed (GObject *object)
{
  KassaPushListener *self = KASSA_PUSH_LISTENER (object);

  G_OBJECT_CLASS (kassa_push_listener_parent_class)->constructed (object);

  if (self->profile == NULL)
    self->profile = kassa_bank_profile_new ();
}

static void
kassa_push_listener_dispose (GObject *object)
{
  KassaPushListener *self = KASSA_PUSH_LISTENER (object);

  kassa_push_listener_shutdown (self);

  G_OBJECT_CLASS (kassa_push_listener_parent_class)->dispose (object);
}

static void
kassa_push_listener_finalize (GObject *object)
{
  KassaPushListener *self = KASSA_PUSH_LISTENER (object);

  g_clear_object (&self->profile);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->terminal);
  if (self->secret != NULL)
    memset (self->secret, 0, strlen (self->secret));
  g_free (self->secret);
  g_free (self->path);
  g_free (self->url);

  G_OBJECT_CLASS (kassa_push_listener_parent_class)->finalize (object);
}

static void
kassa_push_listener_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  KassaPushListener *self = KASSA_PUSH_LISTENER (object);

  switch (prop_id)
    {
    case PROP_TERMINAL:
      g_value_set_string (value, self->terminal);
      break;
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;
    case PROP_REQUEST_TIMEOUT:
      g_value_set_uint (value, self->request_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_push_listener_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  KassaPushListener *self = KASSA_PUSH_LISTENER (object);

  switch (prop_id)
    {
    case PROP_TERMINAL:
      g_free (self->terminal);
      self->terminal = g_value_dup_string (value);
      break;
    case PROP_SECRET:
      g_free (self->secret);
      self->secret = g_value_dup_string (value);
      break;
    case PROP_PROFILE:
      g_set_object (&self->profile, g_value_get_object (value));
      break;
    case PROP_MAX_CONNECTIONS:
      if (self->max_connections != g_value_get_uint (value))
        {
          self->max_connections = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_REQUEST_TIMEOUT:
      if (self->request_timeout != g_value_get_uint (value))
        {
          self->request_timeout = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_push_listener_class_init (KassaPushListenerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = kassa_push_listener_constructed;
  object_class->dispose = kassa_push_listener_dispose;
  object_class->finalize = kassa_push_listener_finalize;
  object_class->get_property = kassa_push_listener_get_property;
  object_class->set_property = kassa_push_listener_set_property;

  properties[PROP_TERMINAL] =
    g_param_spec_string ("terminal", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Write-only: the secret never comes back out of the object. */
  properties[PROP_SECRET] =
    g_param_spec_string ("secret", NULL, NULL, NULL,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL, KASSA_TYPE_BANK_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Both apply to connections accepted from then on. */
  properties[PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL,
                       1, KASSA_PUSH_MAX_CONNECTIONS_LIMIT, KASSA_PUSH_MAX_CONNECTIONS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_REQUEST_TIMEOUT] =
    g_param_spec_uint ("request-timeout", NULL, NULL,
                       1, KASSA_PUSH_REQUEST_TIMEOUT_LIMIT, KASSA_PUSH_REQUEST_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * KassaPushListener::push-received:
   * @self: the listener
   * @invoice: the invoice number, valid and for this terminal
   * @amount: the pushed amount, in tögrög
   * @resp_code: the bank's resp_code ("00" = paid), NOT covered by the checksum
   *
   * A push whose checksum was verified. Only a hint: ask the bank (`check`)
   * before believing anything. Emitted from an idle source in the listener's
   * main context, after the bank was answered 200.
   */
  signals[PUSH_RECEIVED] =
    g_signal_new ("push-received",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  G_TYPE_INT64,
                  G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
kassa_push_listener_init (KassaPushListener *self)
{
  g_queue_init (&self->pending);
  g_queue_init (&self->connections);
  self->max_connections = KASSA_PUSH_MAX_CONNECTIONS;
  self->request_timeout = KASSA_PUSH_REQUEST_TIMEOUT;
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

KassaPushListener *
kassa_push_listener_new (const char       *terminal,
                         const char       *secret,
                         KassaBankProfile *profile)
{
  g_return_val_if_fail (kassa_terminal_validate (terminal, NULL), NULL);
  g_return_val_if_fail (kassa_secret_validate (secret, NULL), NULL);
  g_return_val_if_fail (profile == NULL || KASSA_IS_BANK_PROFILE (profile), NULL);

  return g_object_new (KASSA_TYPE_PUSH_LISTENER,
                       "terminal", terminal,
                       "secret", secret,
                       "profile", profile,
                       NULL);
}

static gboolean
path_is_valid (const char *path)
{
  gsize length = strlen (path);

  if (length == 0 || length > MAX_PATH_LENGTH || path[0] != '/' || strstr (path, "..") != NULL)
    return FALSE;

  for (gsize i = 0; i < length; i++)
    {
      if (!g_ascii_isalnum (path[i]) && strchr ("/_.~-", path[i]) == NULL)
        return FALSE;
    }

  return TRUE;
}

gboolean
kassa_push_listener_listen (KassaPushListener  *self,
                            const char         *address,
                            guint               port,
                            const char         *path,
                            const char         *tls_cert_file,
                            const char         *tls_key_file,
                            GError            **error)
{
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GInetAddress) inet_address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autofree char *host = NULL;
  g_autoptr(GSocketAddress) local_address = NULL;

  g_return_val_if_fail (KASSA_IS_PUSH_LISTENER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  /* A second listen() without shutdown() is a bug of the caller. */
  g_return_val_if_fail (self->server == NULL, FALSE);

  inet_address = g_inet_address_new_from_string (address);
  if (inet_address == NULL)
    {
      g_autofree char *excerpt = kassa_input_excerpt (address);

      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL,
                   /* Translators: %s is what was configured, e.g. "localhost" */
                   _("The push listener’s address “%s” is not an IP address such as 127.0.0.1"),
                   excerpt);
      return FALSE;
    }

  if (port > G_MAXUINT16)
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL,
                   _("The push listener’s port %u is not between 0 and 65535"), port);
      return FALSE;
    }

  if (!path_is_valid (path))
    {
      g_autofree char *excerpt = kassa_input_excerpt (path);

      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL,
                   _("The push listener’s path “%s” must start with “/” and use only "
                     "letters, digits and / _ . ~ -"), excerpt);
      return FALSE;
    }

  if ((tls_cert_file == NULL) != (tls_key_file == NULL))
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL,
                           _("The push listener needs both a TLS certificate and a key file, "
                             "or neither"));
      return FALSE;
    }

  /* No Server header: nothing to learn about us from a refusal. */
  server = soup_server_new ("server-header", NULL, NULL);

  if (tls_cert_file != NULL)
    {
      certificate = g_tls_certificate_new_from_files (tls_cert_file, tls_key_file, error);
      if (certificate == NULL)
        {
          g_prefix_error (error, _("Cannot load the push listener’s TLS certificate: "));
          return FALSE;
        }
    }

  soup_server_add_early_handler (server, NULL, on_server_early_request_cb, self, NULL);
  soup_server_add_handler (server, NULL, on_server_request_cb, self, NULL);

  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();

  /* Accepting starts in the thread-default main context of this call. */
  socket_address = g_inet_socket_address_new (inet_address, port);
  service = g_socket_service_new ();
  /* A burst beyond the kernel's queue is not refused but stalls for seconds
   * (or for good, under SYN cookies): queued connections cost no descriptor. */
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (service), LISTEN_BACKLOG);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), socket_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &local_address, error))
    {
      g_prefix_error (error, _("Cannot listen for bank pushes on %s port %u: "), address, port);
      return FALSE;
    }
  g_signal_connect (service, "incoming", G_CALLBACK (on_service_incoming_cb), self);
  g_socket_service_start (service);

  host = g_inet_address_to_string (inet_address);
  self->server = g_steal_pointer (&server);
  self->service = g_steal_pointer (&service);
  self->tls_certificate = g_steal_pointer (&certificate);
  g_free (self->path);
  self->path = g_strdup (path);
  g_free (self->url);
  self->url = g_strdup_printf ("%s://%s%s%s:%u%s",
                               tls_cert_file != NULL ? "https" : "http",
                               g_inet_address_get_family (inet_address) == G_SOCKET_FAMILY_IPV6
                                 ? "[" : "",
                               host,
                               g_inet_address_get_family (inet_address) == G_SOCKET_FAMILY_IPV6
                                 ? "]" : "",
                               g_inet_socket_address_get_port (
                                 G_INET_SOCKET_ADDRESS (local_address)),
                               path);
  if (!g_inet_address_get_is_loopback (inet_address) && tls_cert_file == NULL)
    g_debug ("The push listener is reachable from the network without TLS: "
             "put a TLS proxy in front of it");
  g_debug ("Listening for bank pushes on %s", self->url);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);

  return TRUE;
}

const char *
kassa_push_listener_get_url (KassaPushListener *self)
{
  g_return_val_if_fail (KASSA_IS_PUSH_LISTENER (self), NULL);

  return self->url;
}

const char *
kassa_push_listener_get_terminal (KassaPushListener *self)
{
  g_return_val_if_fail (KASSA_IS_PUSH_LISTENER (self), NULL);

  return self->terminal;
}

KassaBankProfile *
kassa_push_listener_get_profile (KassaPushListener *self)
{
  g_return_val_if_fail (KASSA_IS_PUSH_LISTENER (self), NULL);

  return self->profile;
}

void
kassa_push_listener_shutdown (KassaPushListener *self)
{
  g_return_if_fail (KASSA_IS_PUSH_LISTENER (self));

  if (self->announce_source != NULL)
    {
      g_source_destroy (self->announce_source);
      g_clear_pointer (&self->announce_source, g_source_unref);
    }
  g_queue_clear_full (&self->pending, pending_push_free);

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_signal_handlers_disconnect_by_data (self->service, self);
      g_clear_object (&self->service);
    }
  g_clear_object (&self->tls_certificate);
  /* The server closes them all just below. */
  while (self->connections.head != NULL)
    push_connection_drop (self->connections.head->data, NULL);

  if (self->server != NULL)
    {
      soup_server_remove_handler (self->server, NULL);
      soup_server_disconnect (self->server);
      g_clear_object (&self->server);
    }

  g_clear_pointer (&self->path, g_free);
  if (self->url != NULL)
    {
      g_clear_pointer (&self->url, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
    }
}
