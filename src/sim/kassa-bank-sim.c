/* kassa-bank-sim.c — the simulated bank: its tables, its server and its public API
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rest of the simulator lives beside it, one job a file, sharing
 * kassa-bank-sim-private.h: -wire.c (what it writes), -pos.c (the /pos
 * endpoints), -faults.c, -push.c (push and autopay), -control.c (/sim/…)
 * and -state.c (the state file).
 */

#include "config.h"

#include "kassa-bank-sim.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kassa-bank-fields.h"
#include "kassa-bank-sim-private.h"
#include "kassa-enum.h"
#include "kassa-training-customer.h"

enum {
  PROP_0,
  PROP_PROFILE,
  PROP_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void kassa_bank_sim_training_customer_init (KassaTrainingCustomerInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KassaBankSim, kassa_bank_sim, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (KASSA_TYPE_TRAINING_CUSTOMER,
                                                      kassa_bank_sim_training_customer_init))

G_DEFINE_QUARK (kassa-sim-error-quark, kassa_sim_error)

/* ------------------------------------------------------------------ */
/* Enumerations                                                        */

const char *
kassa_sim_invoice_state_to_string (KassaSimInvoiceState state)
{
  switch (state)
    {
    case KASSA_SIM_INVOICE_UNPAID:
      return "unpaid";
    case KASSA_SIM_INVOICE_PAID:
      return "paid";
    case KASSA_SIM_INVOICE_DECLINED:
      return "declined";
    case KASSA_SIM_INVOICE_CANCELLED:
      return "cancelled";
    case KASSA_SIM_INVOICE_REFUNDED:
      return "refunded";
    default:
      g_return_val_if_reached ("unknown");
    }
}

static const char * const fault_names[] = {
  [KASSA_SIM_FAULT_NONE] = "none",
  [KASSA_SIM_FAULT_DELAY] = "delay",
  [KASSA_SIM_FAULT_HTTP_500] = "http500",
  [KASSA_SIM_FAULT_HTTP_500_ENVELOPE] = "http500-envelope",
  [KASSA_SIM_FAULT_MALFORMED_JSON] = "malformed",
  [KASSA_SIM_FAULT_DROP] = "drop",
  [KASSA_SIM_FAULT_CODE_500] = "code500",
};

const char *
kassa_sim_fault_kind_to_string (KassaSimFaultKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (fault_names), "none");

  return fault_names[kind];
}

gboolean
kassa_sim_fault_kind_from_string (const char        *text,
                                  KassaSimFaultKind *out_kind)
{
  if (text == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (fault_names); i++)
    {
      if (g_strcmp0 (text, fault_names[i]) == 0)
        {
          if (out_kind != NULL)
            *out_kind = (KassaSimFaultKind) i;
          return TRUE;
        }
    }

  return FALSE;
}

G_DEFINE_ENUM_TYPE (KassaSimCancelReply, kassa_sim_cancel_reply,
  G_DEFINE_ENUM_VALUE (KASSA_SIM_CANCEL_REPLY_BOTH, "both"),
  G_DEFINE_ENUM_VALUE (KASSA_SIM_CANCEL_REPLY_STATUS, "status"),
  G_DEFINE_ENUM_VALUE (KASSA_SIM_CANCEL_REPLY_RESP_CODE, "resp-code"))

const char *
kassa_sim_invoice_method_to_string (InvoiceMethod method)
{
  switch (method)
    {
    case METHOD_QR:
      return "qr";
    case METHOD_DEEPLINK:
      return "deeplink";
    case METHOD_PHONE:
      return "phone";
    default:
      g_return_val_if_reached ("qr");
    }
}

/* ------------------------------------------------------------------ */
/* Table entries                                                       */

static void
sim_invoice_free (SimInvoice *inv)
{
  if (inv->autopay_source != NULL)
    {
      g_source_destroy (inv->autopay_source);
      g_clear_pointer (&inv->autopay_source, g_source_unref);
    }
  g_free (inv->terminal);
  g_free (inv->invoice);
  g_free (inv->phone);
  g_free (inv->approval_code);
  g_free (inv->card_number);
  g_free (inv);
}

static void
sim_terminal_free (SimTerminal *term)
{
  /* The secret is wiped before it goes back to the allocator. */
  if (term->secret != NULL)
    memset (term->secret, 0, strlen (term->secret));
  g_free (term->secret);
  g_hash_table_unref (term->settlements);
  g_free (term);
}

char *
kassa_sim_invoice_key (const char *terminal,
                       const char *invoice)
{
  /* Terminals are exactly 8 digits, so the key cannot be ambiguous. */
  return g_strconcat (terminal, ":", invoice, NULL);
}

SimInvoice *
kassa_bank_sim_lookup_invoice (KassaBankSim *self,
                               const char   *terminal,
                               const char   *invoice)
{
  g_autofree char *key = kassa_sim_invoice_key (terminal, invoice);

  return g_hash_table_lookup (self->invoices, key);
}

void
kassa_sim_delayed_request_free (DelayedRequest *delayed)
{
  if (delayed->source != NULL)
    {
      g_source_destroy (delayed->source);
      g_source_unref (delayed->source);
    }
  g_clear_signal_handler (&delayed->disconnected_id, delayed->msg);
  g_object_unref (delayed->msg);
  g_free (delayed);
}

/* ------------------------------------------------------------------ */
/* The server                                                          */

static gboolean
endpoint_from_path (const char        *path,
                    KassaBankEndpoint *out_endpoint)
{
  for (guint i = 0; i < KASSA_BANK_N_ENDPOINTS; i++)
    {
      if (g_strcmp0 (path, kassa_bank_endpoint_get_path ((KassaBankEndpoint) i)) == 0)
        {
          *out_endpoint = (KassaBankEndpoint) i;
          return TRUE;
        }
    }

  return FALSE;
}

static void
on_server_request_cb (SoupServer        *server,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query,
                      gpointer           user_data)
{
  static const char not_found[] = "Not Found\n";
  KassaBankSim *self = user_data;
  KassaBankEndpoint endpoint;
  SimFault fault;

  /* libsoup 3.2's server never closes a kept-alive connection once the client
   * goes (fixed in 3.3): without this, every request would leak a descriptor,
   * and training mode polls once a second. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");

  if (g_str_has_prefix (path, "/sim/"))
    {
      kassa_bank_sim_handle_control (self, msg, path);
      return;
    }

  if (!endpoint_from_path (path, &endpoint))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                        not_found, sizeof not_found - 1);
      return;
    }

  /* A faulted request never reaches the invoice table (except a delay,
   * which is then processed normally). */
  fault = kassa_bank_sim_take_fault (self, endpoint);
  kassa_bank_sim_apply_fault (self, msg, endpoint, &fault);
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static void
kassa_bank_sim_constructed (GObject *object)
{
  KassaBankSim *self = KASSA_BANK_SIM (object);

  G_OBJECT_CLASS (kassa_bank_sim_parent_class)->constructed (object);

  if (self->profile == NULL)
    self->profile = kassa_bank_profile_new ();
}

static void
kassa_bank_sim_dispose (GObject *object)
{
  KassaBankSim *self = KASSA_BANK_SIM (object);

  kassa_bank_sim_shutdown (self);
  g_clear_object (&self->server);
  g_clear_object (&self->push_session);
  if (self->invoice_order != NULL)
    g_ptr_array_set_size (self->invoice_order, 0);
  /* Destroys the autopay sources with the invoices. */
  g_hash_table_remove_all (self->invoices);

  G_OBJECT_CLASS (kassa_bank_sim_parent_class)->dispose (object);
}

static void
kassa_bank_sim_finalize (GObject *object)
{
  KassaBankSim *self = KASSA_BANK_SIM (object);

  g_clear_object (&self->profile);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->terminals, g_hash_table_unref);
  g_clear_pointer (&self->invoices, g_hash_table_unref);
  g_clear_pointer (&self->invoice_order, g_ptr_array_unref);
  g_free (self->first_terminal);
  g_free (self->url);
  g_free (self->push_url);
  g_free (self->merchant_name);
  g_free (self->state_file);

  G_OBJECT_CLASS (kassa_bank_sim_parent_class)->finalize (object);
}

static void
kassa_bank_sim_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  KassaBankSim *self = KASSA_BANK_SIM (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_bank_sim_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  KassaBankSim *self = KASSA_BANK_SIM (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_set_object (&self->profile, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_bank_sim_class_init (KassaBankSimClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = kassa_bank_sim_constructed;
  object_class->dispose = kassa_bank_sim_dispose;
  object_class->finalize = kassa_bank_sim_finalize;
  object_class->get_property = kassa_bank_sim_get_property;
  object_class->set_property = kassa_bank_sim_set_property;

  /**
   * KassaBankSim:profile:
   * The reading of every disputed wire detail the simulated bank speaks.
   */
  properties[PROP_PROFILE] =
    g_param_spec_object ("profile", NULL, NULL,
                         KASSA_TYPE_BANK_PROFILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * KassaBankSim:url:
   * "http://127.0.0.1:PORT" once listening, else %NULL.
   */
  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kassa_bank_sim_init (KassaBankSim *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->terminals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) sim_terminal_free);
  self->invoices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) sim_invoice_free);
  self->invoice_order = g_ptr_array_new ();
  self->error_http_status = SOUP_STATUS_OK;
  self->merchant_name = g_strdup (DEFAULT_MERCHANT_NAME);
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

KassaBankSim *
kassa_bank_sim_new (KassaBankProfile *profile)
{
  g_return_val_if_fail (profile == NULL || KASSA_IS_BANK_PROFILE (profile), NULL);

  return g_object_new (KASSA_TYPE_BANK_SIM, "profile", profile, NULL);
}

gboolean
kassa_bank_sim_add_terminal (KassaBankSim  *self,
                             const char    *terminal,
                             const char    *secret,
                             GError       **error)
{
  SimTerminal *term;

  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kassa_terminal_validate (terminal, error) || !kassa_secret_validate (secret, error))
    return FALSE;

  term = g_hash_table_lookup (self->terminals, terminal);
  if (term != NULL)
    {
      /* A new secret for a known terminal; its settlements stay. */
      memset (term->secret, 0, strlen (term->secret));
      g_free (term->secret);
      term->secret = g_strdup (secret);
      kassa_bank_sim_save_state (self);
      return TRUE;
    }

  term = g_new0 (SimTerminal, 1);
  term->secret = g_strdup (secret);
  term->settlements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (self->terminals, g_strdup (terminal), term);
  if (self->first_terminal == NULL)
    self->first_terminal = g_strdup (terminal);
  kassa_bank_sim_save_state (self);

  return TRUE;
}

gboolean
kassa_bank_sim_listen (KassaBankSim  *self,
                       guint          port,
                       const char    *tls_cert_file,
                       const char    *tls_key_file,
                       GError       **error)
{
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) local_error = NULL;
  SoupServerListenOptions options = 0;
  GSList *uris;
  guint bound_port;

  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->server != NULL)
    {
      g_set_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_LISTEN,
                   _("The bank simulator is already listening on %s"), self->url);
      return FALSE;
    }

  if ((tls_cert_file == NULL) != (tls_key_file == NULL))
    {
      g_set_error_literal (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_INVALID,
                           _("TLS needs both a certificate file and a key file"));
      return FALSE;
    }

  server = soup_server_new ("server-header", "kassa-bank-sim ", NULL);

  if (tls_cert_file != NULL)
    {
      g_autoptr(GTlsCertificate) certificate =
        g_tls_certificate_new_from_files (tls_cert_file, tls_key_file, &local_error);

      if (certificate == NULL)
        {
          g_set_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_LISTEN,
                       _("Cannot load the TLS certificate: %s"), local_error->message);
          return FALSE;
        }
      g_object_set (server, "tls-certificate", certificate, NULL);
      options |= SOUP_SERVER_LISTEN_HTTPS;
    }

  soup_server_add_handler (server, NULL, on_server_request_cb, self, NULL);

  /* Loopback only: the simulator accepts any caller who can reach it. */
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  address = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  if (!soup_server_listen (server, address, options, &local_error))
    {
      g_set_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_LISTEN,
                   _("Cannot listen on 127.0.0.1 port %u: %s"), port, local_error->message);
      return FALSE;
    }

  uris = soup_server_get_uris (server);
  bound_port = uris != NULL ? (guint) g_uri_get_port (uris->data) : port;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  self->server = g_steal_pointer (&server);
  g_free (self->url);
  self->url = g_strdup_printf ("%s://127.0.0.1:%u",
                               tls_cert_file != NULL ? "https" : "http", bound_port);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);

  return TRUE;
}

const char *
kassa_bank_sim_get_url (KassaBankSim *self)
{
  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), NULL);

  return self->url;
}

void
kassa_bank_sim_shutdown (KassaBankSim *self)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));

  g_cancellable_cancel (self->cancellable);
  g_list_free_full (g_steal_pointer (&self->delayed),
                    (GDestroyNotify) kassa_sim_delayed_request_free);
  if (self->server != NULL)
    {
      soup_server_remove_handler (self->server, NULL);
      soup_server_disconnect (self->server);
    }
}

void
kassa_bank_sim_set_error_http_status (KassaBankSim *self,
                                      guint         status)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));
  g_return_if_fail (status >= 100 && status <= 599);

  self->error_http_status = status;
}

void
kassa_bank_sim_set_lenient_amounts (KassaBankSim *self,
                                    gboolean      lenient)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));

  self->lenient_amounts = !!lenient;
}

void
kassa_bank_sim_set_cancel_reply (KassaBankSim        *self,
                                 KassaSimCancelReply  shape)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));
  g_return_if_fail (kassa_enum_to_nick (KASSA_TYPE_SIM_CANCEL_REPLY, shape, NULL) != NULL);

  self->cancel_reply = shape;
}

gboolean
kassa_bank_sim_set_merchant_name (KassaBankSim  *self,
                                  const char    *name,
                                  GError       **error)
{
  glong len;

  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (name == NULL || !g_utf8_validate (name, -1, NULL) ||
      (len = g_utf8_strlen (name, -1)) < 1 || len > EMV_MERCHANT_NAME_MAX)
    {
      g_set_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_INVALID,
                   _("The merchant name must be 1 to %d characters"), EMV_MERCHANT_NAME_MAX);
      return FALSE;
    }

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_iscntrl (g_utf8_get_char (p)))
        {
          g_set_error_literal (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_INVALID,
                               _("The merchant name must not contain control characters"));
          return FALSE;
        }
    }

  g_free (self->merchant_name);
  self->merchant_name = g_strdup (name);
  return TRUE;
}

void
kassa_bank_sim_set_push_url (KassaBankSim *self,
                             const char   *url)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));

  g_free (self->push_url);
  self->push_url = g_strdup (url);
}

static SimInvoice *
find_invoice (KassaBankSim  *self,
              const char    *terminal,
              const char    *invoice,
              GError       **error)
{
  SimInvoice *inv = NULL;

  if (terminal == NULL)
    terminal = self->first_terminal;
  if (terminal != NULL && invoice != NULL)
    inv = kassa_bank_sim_lookup_invoice (self, terminal, invoice);

  if (inv == NULL)
    {
      g_autofree char *excerpt = kassa_input_excerpt (invoice);

      g_set_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_UNKNOWN_INVOICE,
                   _("No invoice “%s” on terminal %s"), excerpt,
                   terminal != NULL ? terminal : "-");
    }

  return inv;
}

static gboolean
customer_acts (KassaBankSim  *self,
               const char    *terminal,
               const char    *invoice,
               gboolean       pay,
               GError       **error)
{
  SimInvoice *inv;

  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((inv = find_invoice (self, terminal, invoice, error)) == NULL)
    return FALSE;

  if (inv->state != KASSA_SIM_INVOICE_UNPAID)
    {
      g_set_error (error, KASSA_SIM_ERROR, KASSA_SIM_ERROR_WRONG_STATE,
                   _("Invoice “%s” is %s, not unpaid"), inv->invoice,
                   kassa_sim_invoice_state_to_string (inv->state));
      return FALSE;
    }

  if (pay)
    {
      kassa_bank_sim_mark_paid (self, inv);
    }
  else
    {
      kassa_sim_cancel_autopay (inv);
      inv->state = KASSA_SIM_INVOICE_DECLINED;
      kassa_bank_sim_save_state (self);
    }

  return TRUE;
}

gboolean
kassa_bank_sim_pay (KassaBankSim  *self,
                    const char    *terminal,
                    const char    *invoice,
                    GError       **error)
{
  return customer_acts (self, terminal, invoice, TRUE, error);
}

gboolean
kassa_bank_sim_decline (KassaBankSim  *self,
                        const char    *terminal,
                        const char    *invoice,
                        GError       **error)
{
  return customer_acts (self, terminal, invoice, FALSE, error);
}

/* KassaCounter plays the customer through KassaTrainingCustomer (src/core). */
static gboolean
training_customer_pay (KassaTrainingCustomer  *customer,
                       const char             *terminal,
                       const char             *invoice,
                       GError                **error)
{
  return kassa_bank_sim_pay (KASSA_BANK_SIM (customer), terminal, invoice, error);
}

static gboolean
training_customer_decline (KassaTrainingCustomer  *customer,
                           const char             *terminal,
                           const char             *invoice,
                           GError                **error)
{
  return kassa_bank_sim_decline (KASSA_BANK_SIM (customer), terminal, invoice, error);
}

static void
kassa_bank_sim_training_customer_init (KassaTrainingCustomerInterface *iface)
{
  iface->pay = training_customer_pay;
  iface->decline = training_customer_decline;
}

void
kassa_bank_sim_set_autopay (KassaBankSim *self,
                            guint         seconds)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));
  g_return_if_fail (seconds <= MAX_AUTOPAY_SECONDS);

  self->autopay_seconds = seconds;
}

KassaSimInvoiceState
kassa_bank_sim_get_invoice_state (KassaBankSim  *self,
                                  const char    *terminal,
                                  const char    *invoice,
                                  GError       **error)
{
  SimInvoice *inv;

  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), KASSA_SIM_INVOICE_UNPAID);
  g_return_val_if_fail (error == NULL || *error == NULL, KASSA_SIM_INVOICE_UNPAID);

  if ((inv = find_invoice (self, terminal, invoice, error)) == NULL)
    return KASSA_SIM_INVOICE_UNPAID;

  return inv->state;
}

char *
kassa_bank_sim_list_invoices (KassaBankSim *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (KASSA_IS_BANK_SIM (self), NULL);

  json_builder_begin_array (builder);
  for (guint i = 0; i < self->invoice_order->len; i++)
    {
      SimInvoice *inv = g_ptr_array_index (self->invoice_order, i);

      json_builder_begin_object (builder);
      kassa_sim_add_string (builder, "terminal", inv->terminal);
      kassa_sim_add_string (builder, "invoice", inv->invoice);
      json_builder_set_member_name (builder, "amount");
      json_builder_add_int_value (builder, inv->amount);
      kassa_sim_add_string (builder, "state", kassa_sim_invoice_state_to_string (inv->state));
      kassa_sim_add_string (builder, "method", kassa_sim_invoice_method_to_string (inv->method));
      if (inv->phone != NULL)
        kassa_sim_add_string (builder, "phone", inv->phone);
      json_builder_set_member_name (builder, "settled");
      json_builder_add_boolean_value (builder, inv->settled);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  return kassa_sim_node_to_string (root);
}

void
kassa_bank_sim_inject_fault (KassaBankSim      *self,
                             KassaBankEndpoint  endpoint,
                             KassaSimFaultKind  kind,
                             guint              delay_ms,
                             guint              count)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));
  g_return_if_fail ((guint) endpoint < KASSA_BANK_N_ENDPOINTS);
  g_return_if_fail ((guint) kind < G_N_ELEMENTS (fault_names));

  self->faults[endpoint].kind = kind;
  self->faults[endpoint].delay_ms = kind == KASSA_SIM_FAULT_DELAY ? delay_ms : 0;
  self->faults[endpoint].remaining = kind == KASSA_SIM_FAULT_NONE ? 0 : count;
}

void
kassa_bank_sim_clear_faults (KassaBankSim *self)
{
  g_return_if_fail (KASSA_IS_BANK_SIM (self));

  memset (self->faults, 0, sizeof self->faults);
}
