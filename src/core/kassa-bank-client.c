/* kassa-bank-client.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-bank-client.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "kassa-amount.h"
#include "kassa-bank-fields.h"
#include "kassa-checksum.h"
#include "kassa-error.h"

struct _KassaBankClient
{
  GObject parent_instance;

  SoupSession      *session;
  KassaBankProfile *profile;
  char             *base_url;   /* no trailing slash */
  char             *terminal;
  char             *secret;     /* never logged, never in an error */
  guint             timeout;
};

G_DEFINE_FINAL_TYPE (KassaBankClient, kassa_bank_client, G_TYPE_OBJECT)

/* One request in flight. */
typedef struct
{
  KassaBankEndpoint  endpoint;
  char              *path;
  char              *invoice;        /* NULL for settlement */
  char              *amount_wire;    /* the amount exactly as sent; NULL for settlement */
  gint64             amount;
  GBytes            *request_body;
  SoupMessage       *message;

  /* The whole-exchange deadline cancels @internal; the caller's cancellable is chained to it. */
  GCancellable      *internal;
  GCancellable      *caller;
  gulong             caller_handler;
  GSource           *deadline;
  gboolean           timed_out;
} Request;

static void
request_free (Request *request)
{
  if (request->deadline != NULL)
    {
      g_source_destroy (request->deadline);
      g_source_unref (request->deadline);
    }
  if (request->caller != NULL)
    {
      g_cancellable_disconnect (request->caller, request->caller_handler);
      g_object_unref (request->caller);
    }
  g_clear_object (&request->internal);
  g_clear_object (&request->message);
  g_clear_pointer (&request->request_body, g_bytes_unref);
  g_free (request->path);
  g_free (request->invoice);
  g_free (request->amount_wire);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Request, request_free)

static gboolean
is_loopback_host (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static gboolean
url_host_is_loopback (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  return uri != NULL && g_uri_get_host (uri) != NULL && is_loopback_host (g_uri_get_host (uri));
}

gboolean
kassa_bank_url_validate (const char  *url,
                         GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *excerpt = kassa_input_excerpt (url);
  const char *scheme;
  const char *host;

  if (url == NULL || *url == '\0')
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL,
                           _("No bank address was given"));
      return FALSE;
    }

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL,
                   /* Translators: %s is a web address typed by the user */
                   _("The bank address “%s” is not a valid web address"), excerpt);
      return FALSE;
    }

  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);

  if (host == NULL || *host == '\0')
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL,
                   _("The bank address “%s” has no host name"), excerpt);
      return FALSE;
    }

  if (g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL ||
      g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL,
                   _("The bank address “%s” must not contain a user name, “?” or “#”"),
                   excerpt);
      return FALSE;
    }

  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;

  if (g_ascii_strcasecmp (scheme, "http") != 0)
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL,
                   _("The bank address “%s” must start with https://"), excerpt);
      return FALSE;
    }

  /* Unencrypted only where nothing leaves the computer: the simulator. */
  if (!is_loopback_host (host))
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL,
                   _("The bank address “%s” must start with https:// "
                     "(http:// is allowed only to this computer)"), excerpt);
      return FALSE;
    }

  return TRUE;
}

/* A valid address without its trailing slashes, or NULL. */
static char *
check_base_url (const char  *base_url,
                GError     **error)
{
  gsize length;

  if (!kassa_bank_url_validate (base_url, error))
    return NULL;

  length = strlen (base_url);
  while (length > 0 && base_url[length - 1] == '/')
    length--;

  return g_strndup (base_url, length);
}

static void
on_caller_cancelled_cb (GCancellable *caller,
                        gpointer      user_data)
{
  GCancellable *internal = user_data;

  /* May run in the canceller's thread; cancelling is thread-safe. */
  g_cancellable_cancel (internal);
}

static gboolean
on_deadline_cb (gpointer user_data)
{
  Request *request = user_data;

  request->timed_out = TRUE;
  g_cancellable_cancel (request->internal);

  return G_SOURCE_REMOVE;
}

/* Turns a libsoup/GIO failure into the documented bank error. */
static GError *
map_transport_error (KassaBankClient *self,
                     Request         *request,
                     GError          *soup_error)
{
  GError *error = NULL;

  /* The caller's own cancellation is theirs, unchanged. */
  if (request->caller != NULL && g_cancellable_is_cancelled (request->caller))
    {
      if (g_error_matches (soup_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return g_error_copy (soup_error);
      return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Operation was cancelled"));
    }

  if (request->timed_out || g_error_matches (soup_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      kassa_bank_error_set (&error, KASSA_BANK_ERROR_TIMEOUT, 0, -1, NULL, NULL,
                            /* Translators: %u is a number of seconds */
                            ngettext ("The bank did not answer within %u second; the request "
                                      "may or may not have been carried out",
                                      "The bank did not answer within %u seconds; the request "
                                      "may or may not have been carried out",
                                      self->timeout),
                            self->timeout);
      return error;
    }

  if (soup_error->domain == G_TLS_ERROR)
    {
      kassa_bank_error_set (&error, KASSA_BANK_ERROR_TLS, 0, -1, NULL, NULL,
                            /* Translators: %s is a technical explanation */
                            _("The bank’s identity could not be verified (TLS): %s"),
                            soup_error->message);
      return error;
    }

  kassa_bank_error_set (&error, KASSA_BANK_ERROR_TRANSPORT, 0, -1, NULL, NULL,
                        /* Translators: %s is a technical explanation */
                        _("Could not reach the bank: %s"), soup_error->message);
  return error;
}

/* The echoed fields of a transaction must be the request's (§6.8). */
static gboolean
check_transaction (KassaBankClient       *self,
                   Request               *request,
                   KassaBankTransaction  *transaction,
                   guint                  http_status,
                   GError               **error)
{
  gboolean transaction_shape;

  if (transaction->invoice != NULL && g_strcmp0 (transaction->invoice, request->invoice) != 0)
    {
      g_autofree char *excerpt = kassa_input_excerpt (transaction->invoice);

      kassa_bank_error_set (error, KASSA_BANK_ERROR_CHECKSUM_MISMATCH, http_status, 200,
                            NULL, NULL,
                            /* Translators: the first %s is an invoice number from the bank,
                             * the second the one the till asked about */
                            _("The bank answered about invoice “%s” instead of “%s”"),
                            excerpt, request->invoice);
      return FALSE;
    }

  if (transaction->terminal != NULL && g_strcmp0 (transaction->terminal, self->terminal) != 0)
    {
      g_autofree char *excerpt = kassa_input_excerpt (transaction->terminal);

      kassa_bank_error_set (error, KASSA_BANK_ERROR_CHECKSUM_MISMATCH, http_status, 200,
                            NULL, NULL,
                            /* Translators: the first %s is a terminal id from the bank,
                             * the second this till's */
                            _("The bank answered for terminal “%s” instead of “%s”"),
                            excerpt, self->terminal);
      return FALSE;
    }

  /* 0 means the bank sent no amount. */
  if (transaction->amount != 0 && transaction->amount != request->amount)
    {
      kassa_bank_error_set (error, KASSA_BANK_ERROR_CHECKSUM_MISMATCH, http_status, 200,
                            NULL, NULL,
                            /* Translators: both are amounts in tögrög */
                            _("The bank answered with amount %" PRId64
                              " instead of %" PRId64),
                            transaction->amount, request->amount);
      return FALSE;
    }

  /* The {desc, status} refund shape carries no checksum to verify. */
  transaction_shape = transaction->resp_code != NULL || transaction->resp_desc != NULL;
  if (kassa_bank_profile_get_reply_checksum (self->profile) ==
        KASSA_REPLY_CHECKSUM_TERMINAL_INVOICE_AMOUNT &&
      (request->endpoint == KASSA_BANK_ENDPOINT_CHECK || transaction_shape))
    {
      g_autofree char *expected = kassa_checksum_concat (self->secret, self->terminal,
                                                         request->invoice,
                                                         request->amount_wire, NULL);

      if (!kassa_checksum_equal (expected, transaction->checksum))
        {
          kassa_bank_error_set (error, KASSA_BANK_ERROR_CHECKSUM_MISMATCH, http_status, 200,
                                NULL, NULL, "%s",
                                transaction->checksum == NULL
                                ? _("The bank’s reply carries no checksum")
                                : _("The checksum of the bank’s reply is wrong"));
          return FALSE;
        }
    }

  return TRUE;
}

static void
send_and_read_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SoupSession *session = SOUP_SESSION (object);
  g_autoptr(GTask) task = user_data;
  KassaBankClient *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) soup_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  guint http_status;

  body = soup_session_send_and_read_finish (session, result, &soup_error);

  if (request->deadline != NULL)
    {
      g_source_destroy (request->deadline);
      g_clear_pointer (&request->deadline, g_source_unref);
    }

  if (body == NULL)
    {
      GError *mapped = map_transport_error (self, request, soup_error);

      g_debug ("%s: %s (%s)", request->path, mapped->message, soup_error->message);
      g_task_return_error (task, mapped);
      return;
    }

  http_status = soup_message_get_status (request->message);
  g_debug ("%s: HTTP %u, %" G_GSIZE_FORMAT " bytes", request->path, http_status,
           g_bytes_get_size (body));

  switch (request->endpoint)
    {
    case KASSA_BANK_ENDPOINT_QR:
    case KASSA_BANK_ENDPOINT_DEEPLINK:
    case KASSA_BANK_ENDPOINT_PHONE:
    case KASSA_BANK_ENDPOINT_CANCEL:
      {
        g_autoptr(KassaBankInvoiceReply) reply = NULL;

        reply = kassa_bank_reply_parse_invoice (self->profile, request->endpoint, http_status,
                                                body, &error);
        if (reply != NULL)
          g_task_return_pointer (task, g_steal_pointer (&reply),
                                 (GDestroyNotify) kassa_bank_invoice_reply_free);
      }
      break;

    case KASSA_BANK_ENDPOINT_CHECK:
    case KASSA_BANK_ENDPOINT_REFUND:
      {
        g_autoptr(KassaBankTransaction) transaction = NULL;

        transaction = kassa_bank_reply_parse_transaction (self->profile, request->endpoint,
                                                          http_status, body, &error);
        if (transaction != NULL &&
            !check_transaction (self, request, transaction, http_status, &error))
          g_clear_pointer (&transaction, kassa_bank_transaction_free);

        if (transaction != NULL)
          {
            g_debug ("%s: %s paid=%d resp_code=%s", request->path, request->invoice,
                     transaction->paid, transaction->resp_code);
            g_task_return_pointer (task, g_steal_pointer (&transaction),
                                   (GDestroyNotify) kassa_bank_transaction_free);
          }
      }
      break;

    case KASSA_BANK_ENDPOINT_SETTLEMENT:
      {
        g_autoptr(KassaBankSettlementReply) settlement = NULL;

        settlement = kassa_bank_reply_parse_settlement (self->profile, http_status, body, &error);
        if (settlement != NULL)
          g_task_return_pointer (task, g_steal_pointer (&settlement),
                                 (GDestroyNotify) kassa_bank_settlement_reply_free);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  if (error != NULL)
    {
      g_debug ("%s: %s", request->path, error->message);
      g_task_return_error (task, g_steal_pointer (&error));
    }
}

/* Sends @request (which the task then owns) as a POST, or returns @input_error. */
static void
start_request (KassaBankClient     *self,
               Request             *request_in,
               GError              *input_error,
               gpointer             source_tag,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(Request) request = request_in;
  g_autoptr(GTask) task = NULL;
  g_autofree char *url = NULL;
  Request *task_request;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  if (input_error != NULL)
    {
      /* GTask delivers it from the main loop, never inside the _async call. */
      g_task_return_error (task, input_error);
      return;
    }

  url = g_strconcat (self->base_url, request->path,
                     kassa_bank_profile_get_trailing_query (self->profile) ? "?" : "",
                     NULL);
  request->message = soup_message_new (SOUP_METHOD_POST, url);
  if (request->message == NULL)
    {
      /* The base URL was checked at construction; only a bug gets here. */
      g_task_return_new_error (task, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL,
                               _("The bank address “%s” is not a valid web address"),
                               self->base_url);
      return;
    }

  /* A redirect could carry the request to plain HTTP or another host. */
  soup_message_add_flags (request->message, SOUP_MESSAGE_NO_REDIRECT);
  soup_message_set_request_body_from_bytes (request->message, "application/json",
                                            request->request_body);
  soup_message_headers_replace (soup_message_get_request_headers (request->message),
                                "Accept", "application/json");

  request->internal = g_cancellable_new ();
  if (cancellable != NULL)
    {
      request->caller = g_object_ref (cancellable);
      request->caller_handler = g_cancellable_connect (cancellable,
                                                       G_CALLBACK (on_caller_cancelled_cb),
                                                       request->internal, NULL);
    }

  request->deadline = g_timeout_source_new ((guint) MIN ((guint64) self->timeout * 1000,
                                                         G_MAXUINT));
  g_source_set_static_name (request->deadline, "[kassa] bank request deadline");
  g_source_set_callback (request->deadline, on_deadline_cb, request, NULL);
  g_source_attach (request->deadline, g_task_get_context (task));

  g_debug ("POST %s invoice=%s amount=%s", url,
           request->invoice != NULL ? request->invoice : "-",
           request->amount_wire != NULL ? request->amount_wire : "-");

  task_request = g_steal_pointer (&request);
  g_task_set_task_data (task, task_request, (GDestroyNotify) request_free);

  soup_session_send_and_read_async (self->session, task_request->message, G_PRIORITY_DEFAULT,
                                    task_request->internal, send_and_read_cb,
                                    g_steal_pointer (&task));
}

static GBytes *
builder_to_bytes (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  gsize length = 0;
  char *data;

  json_generator_set_root (generator, root);
  data = json_generator_to_data (generator, &length);

  return g_bytes_new_take (data, length);
}

static void
add_amount_member (KassaBankClient *self,
                   JsonBuilder     *builder,
                   Request         *request)
{
  json_builder_set_member_name (builder, "amount");

  /* format_amount gives the integer's own digits when amount-as-number is set. */
  if (kassa_bank_profile_get_amount_as_number (self->profile))
    json_builder_add_int_value (builder, request->amount);
  else
    json_builder_add_string_value (builder, request->amount_wire);
}

/* qr, deeplink, phone, check, cancel, refund: {amount, checksum, invoice, terminal[, phone]}. */
static void
invoice_request_async (KassaBankClient     *self,
                       KassaBankEndpoint    endpoint,
                       const char          *path,
                       gint64               amount,
                       const char          *invoice,
                       const char          *phone,
                       gpointer             source_tag,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *checksum = NULL;
  GError *error = NULL;
  Request *request;

  request = g_new0 (Request, 1);
  request->endpoint = endpoint;
  request->path = g_strdup (path);

  if (!kassa_amount_validate (amount, &error) ||
      !kassa_invoice_validate (invoice, &error) ||
      (endpoint == KASSA_BANK_ENDPOINT_PHONE && !kassa_phone_validate (phone, &error)))
    {
      start_request (self, request, error, source_tag, cancellable, callback, user_data);
      return;
    }

  request->invoice = g_strdup (invoice);
  request->amount = amount;
  request->amount_wire = kassa_bank_profile_format_amount (self->profile, amount);

  /* The checksum is computed over the very string that goes into the JSON. */
  if (endpoint == KASSA_BANK_ENDPOINT_REFUND)
    {
      g_autofree const char **parts =
        kassa_bank_profile_refund_checksum_parts (self->profile, self->terminal, invoice,
                                                  request->amount_wire);

      checksum = kassa_checksum_concatv (self->secret, parts);
    }
  else if (endpoint == KASSA_BANK_ENDPOINT_PHONE)
    {
      checksum = kassa_checksum_concat (self->secret, self->terminal, invoice,
                                        request->amount_wire, phone, NULL);
    }
  else
    {
      checksum = kassa_checksum_concat (self->secret, self->terminal, invoice,
                                        request->amount_wire, NULL);
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  add_amount_member (self, builder, request);
  json_builder_set_member_name (builder, "checksum");
  json_builder_add_string_value (builder, checksum);
  json_builder_set_member_name (builder, "invoice");
  json_builder_add_string_value (builder, invoice);
  json_builder_set_member_name (builder, "terminal");
  json_builder_add_string_value (builder, self->terminal);
  if (endpoint == KASSA_BANK_ENDPOINT_PHONE)
    {
      json_builder_set_member_name (builder, "phone");
      json_builder_add_string_value (builder, phone);
    }
  json_builder_end_object (builder);

  request->request_body = builder_to_bytes (builder);

  start_request (self, request, NULL, source_tag, cancellable, callback, user_data);
}

static gpointer
finish_pointer (KassaBankClient  *self,
                GAsyncResult     *result,
                gpointer          source_tag,
                GError          **error)
{
  g_return_val_if_fail (KASSA_IS_BANK_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
kassa_bank_client_finalize (GObject *object)
{
  KassaBankClient *self = KASSA_BANK_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_object (&self->profile);
  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->terminal, g_free);
  if (self->secret != NULL)
    {
      /* Do not leave the secret lying in freed memory. */
      explicit_bzero (self->secret, strlen (self->secret));
      g_clear_pointer (&self->secret, g_free);
    }

  G_OBJECT_CLASS (kassa_bank_client_parent_class)->finalize (object);
}

static void
kassa_bank_client_class_init (KassaBankClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = kassa_bank_client_finalize;
}

static void
kassa_bank_client_init (KassaBankClient *self)
{
  self->timeout = KASSA_BANK_DEFAULT_TIMEOUT;
}

KassaBankClient *
kassa_bank_client_new (const char        *base_url,
                       const char        *terminal,
                       const char        *secret,
                       const char        *ca_file,
                       KassaBankProfile  *profile,
                       GError           **error)
{
  g_autoptr(KassaBankClient) self = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autofree char *clean_url = NULL;

  g_return_val_if_fail (profile == NULL || KASSA_IS_BANK_PROFILE (profile), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  clean_url = check_base_url (base_url, error);
  if (clean_url == NULL)
    return NULL;

  if (!kassa_terminal_validate (terminal, error) || !kassa_secret_validate (secret, error))
    return NULL;

  if (ca_file != NULL)
    {
      /* GTlsFileDatabase wants an absolute path (a relative one: a warning, an empty store). */
      g_autofree char *ca_path = g_canonicalize_filename (ca_file, NULL);

      database = g_tls_file_database_new (ca_path, error);
      if (database == NULL)
        {
          /* Translators: %s is a file name */
          g_prefix_error (error, _("Could not load the CA certificates in “%s”: "), ca_file);
          return NULL;
        }
    }

  self = g_object_new (KASSA_TYPE_BANK_CLIENT, NULL);
  self->base_url = g_steal_pointer (&clean_url);
  self->terminal = g_strdup (terminal);
  self->secret = g_strdup (secret);
  self->profile = profile != NULL ? g_object_ref (profile) : kassa_bank_profile_new ();

  /* No "accept-certificate" handler anywhere: a certificate that does not verify is an error. */
  self->session = soup_session_new_with_options ("user-agent", "Kassa/" PACKAGE_VERSION,
                                                 "timeout", self->timeout,
                                                 NULL);
  if (database != NULL)
    g_object_set (self->session, "tls-database", database, NULL);

  /* A bank on this computer (the simulator, a local relay) is never reached
   * through a proxy — GNOME's own proxy settings exempt localhost and
   * 127.0.0.0/8 too — so don't ask the system proxy resolver: loading it
   * (libproxy) costs each kassa-ctl command about 1.5 ms (bench/). */
  if (url_host_is_loopback (self->base_url))
    soup_session_set_proxy_resolver (self->session, NULL);

  return g_steal_pointer (&self);
}

const char *
kassa_bank_client_get_base_url (KassaBankClient *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_CLIENT (self), NULL);

  return self->base_url;
}

const char *
kassa_bank_client_get_terminal (KassaBankClient *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_CLIENT (self), NULL);

  return self->terminal;
}

KassaBankProfile *
kassa_bank_client_get_profile (KassaBankClient *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_CLIENT (self), NULL);

  return self->profile;
}

void
kassa_bank_client_set_timeout (KassaBankClient *self,
                               guint            seconds)
{
  g_return_if_fail (KASSA_IS_BANK_CLIENT (self));
  g_return_if_fail (seconds > 0);

  if (self->timeout == seconds)
    return;

  self->timeout = seconds;
  /* The session's own I/O timeout, as well as the per-request deadline. */
  g_object_set (self->session, "timeout", seconds, NULL);
}

guint
kassa_bank_client_get_timeout (KassaBankClient *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_CLIENT (self), 0);

  return self->timeout;
}

void
kassa_bank_client_qr_async (KassaBankClient     *self,
                            gint64               amount,
                            const char          *invoice,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (KASSA_IS_BANK_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* The profile picks the path; both paths answer the same {desc, status}. */
  invoice_request_async (self, KASSA_BANK_ENDPOINT_QR,
                         kassa_bank_profile_get_qr_path (self->profile),
                         amount, invoice, NULL, kassa_bank_client_qr_async,
                         cancellable, callback, user_data);
}

KassaBankInvoiceReply *
kassa_bank_client_qr_finish (KassaBankClient  *self,
                             GAsyncResult     *result,
                             GError          **error)
{
  return finish_pointer (self, result, kassa_bank_client_qr_async, error);
}

void
kassa_bank_client_deeplink_async (KassaBankClient     *self,
                                  gint64               amount,
                                  const char          *invoice,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (KASSA_IS_BANK_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  invoice_request_async (self, KASSA_BANK_ENDPOINT_DEEPLINK,
                         kassa_bank_endpoint_get_path (KASSA_BANK_ENDPOINT_DEEPLINK),
                         amount, invoice, NULL, kassa_bank_client_deeplink_async,
                         cancellable, callback, user_data);
}

KassaBankInvoiceReply *
kassa_bank_client_deeplink_finish (KassaBankClient  *self,
                                   GAsyncResult     *result,
                                   GError          **error)
{
  return finish_pointer (self, result, kassa_bank_client_deeplink_async, error);
}

void
kassa_bank_client_phone_async (KassaBankClient     *self,
                               gint64               amount,
                               const char          *invoice,
                               const char          *phone,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (KASSA_IS_BANK_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  invoice_request_async (self, KASSA_BANK_ENDPOINT_PHONE,
                         kassa_bank_endpoint_get_path (KASSA_BANK_ENDPOINT_PHONE),
                         amount, invoice, phone, kassa_bank_client_phone_async,
                         cancellable, callback, user_data);
}

KassaBankInvoiceReply *
kassa_bank_client_phone_finish (KassaBankClient  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  return finish_pointer (self, result, kassa_bank_client_phone_async, error);
}

void
kassa_bank_client_check_async (KassaBankClient     *self,
                               gint64               amount,
                               const char          *invoice,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (KASSA_IS_BANK_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  invoice_request_async (self, KASSA_BANK_ENDPOINT_CHECK,
                         kassa_bank_endpoint_get_path (KASSA_BANK_ENDPOINT_CHECK),
                         amount, invoice, NULL, kassa_bank_client_check_async,
                         cancellable, callback, user_data);
}

KassaBankTransaction *
kassa_bank_client_check_finish (KassaBankClient  *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  return finish_pointer (self, result, kassa_bank_client_check_async, error);
}

void
kassa_bank_client_cancel_async (KassaBankClient     *self,
                                gint64               amount,
                                const char          *invoice,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (KASSA_IS_BANK_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  invoice_request_async (self, KASSA_BANK_ENDPOINT_CANCEL,
                         kassa_bank_endpoint_get_path (KASSA_BANK_ENDPOINT_CANCEL),
                         amount, invoice, NULL, kassa_bank_client_cancel_async,
                         cancellable, callback, user_data);
}

KassaBankInvoiceReply *
kassa_bank_client_cancel_finish (KassaBankClient  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  return finish_pointer (self, result, kassa_bank_client_cancel_async, error);
}

void
kassa_bank_client_refund_async (KassaBankClient     *self,
                                gint64               amount,
                                const char          *invoice,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (KASSA_IS_BANK_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  invoice_request_async (self, KASSA_BANK_ENDPOINT_REFUND,
                         kassa_bank_endpoint_get_path (KASSA_BANK_ENDPOINT_REFUND),
                         amount, invoice, NULL, kassa_bank_client_refund_async,
                         cancellable, callback, user_data);
}

KassaBankTransaction *
kassa_bank_client_refund_finish (KassaBankClient  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  return finish_pointer (self, result, kassa_bank_client_refund_async, error);
}

void
kassa_bank_client_settlement_async (KassaBankClient     *self,
                                    const char          *settlement_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *checksum = NULL;
  GError *error = NULL;
  Request *request;

  g_return_if_fail (KASSA_IS_BANK_CLIENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  request = g_new0 (Request, 1);
  request->endpoint = KASSA_BANK_ENDPOINT_SETTLEMENT;
  request->path = g_strdup (kassa_bank_endpoint_get_path (KASSA_BANK_ENDPOINT_SETTLEMENT));

  if (!kassa_settlement_id_validate (settlement_id, &error))
    {
      start_request (self, request, error, kassa_bank_client_settlement_async,
                     cancellable, callback, user_data);
      return;
    }

  checksum = kassa_checksum_concat (self->secret, self->terminal, settlement_id, NULL);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "settlementId");
  json_builder_add_string_value (builder, settlement_id);
  json_builder_set_member_name (builder, "terminal");
  json_builder_add_string_value (builder, self->terminal);
  json_builder_set_member_name (builder, "checksum");
  json_builder_add_string_value (builder, checksum);
  json_builder_end_object (builder);

  request->request_body = builder_to_bytes (builder);

  start_request (self, request, NULL, kassa_bank_client_settlement_async,
                 cancellable, callback, user_data);
}

KassaBankSettlementReply *
kassa_bank_client_settlement_finish (KassaBankClient  *self,
                                     GAsyncResult     *result,
                                     GError          **error)
{
  return finish_pointer (self, result, kassa_bank_client_settlement_async, error);
}
