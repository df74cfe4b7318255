/* kassa-dbus.c — the mn.kassa.Kassa.Till D-Bus interface of a running Kassa
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-dbus.h"

#include <glib/gi18n.h>

#include "kassa-charge-request.h"
#include "kassa-error.h"
#include "kassa-journal.h"

#define TILL_XML_RESOURCE "/mn/kassa/Kassa/dbus/mn.kassa.Kassa.Till.xml"

struct _KassaDbus
{
  GObject           parent_instance;

  GDBusConnection  *connection;
  char             *object_path;
  guint             registration_id;
  GDBusNodeInfo    *node_info;
  KassaChargeQueue *queue;        /* weak: its owner owns us */

  KassaCounter     *counter;
  KassaInvoice     *followed;     /* the counter's current invoice */
};

G_DEFINE_FINAL_TYPE (KassaDbus, kassa_dbus, G_TYPE_OBJECT)

/* ---- errors ---- */

static const GDBusErrorEntry dbus_error_entries[] = {
  { KASSA_DBUS_ERROR_FAILED,          "mn.kassa.Kassa.Error.Failed" },
  { KASSA_DBUS_ERROR_INVALID_INPUT,   "mn.kassa.Kassa.Error.InvalidInput" },
  { KASSA_DBUS_ERROR_BUSY,            "mn.kassa.Kassa.Error.Busy" },
  { KASSA_DBUS_ERROR_NO_PAYMENT,      "mn.kassa.Kassa.Error.NoPayment" },
  { KASSA_DBUS_ERROR_NOT_TRAINING,    "mn.kassa.Kassa.Error.NotTraining" },
  { KASSA_DBUS_ERROR_NOT_READY,       "mn.kassa.Kassa.Error.NotReady" },
  { KASSA_DBUS_ERROR_JOURNAL,         "mn.kassa.Kassa.Error.Journal" },
  { KASSA_DBUS_ERROR_ILLEGAL,         "mn.kassa.Kassa.Error.Illegal" },
  { KASSA_DBUS_ERROR_UNKNOWN_OUTCOME, "mn.kassa.Kassa.Error.UnknownOutcome" },
  { KASSA_DBUS_ERROR_NETWORK,         "mn.kassa.Kassa.Error.Network" },
  { KASSA_DBUS_ERROR_REJECTED,        "mn.kassa.Kassa.Error.Rejected" },
  { KASSA_DBUS_ERROR_BANK_SYSTEM,     "mn.kassa.Kassa.Error.BankSystem" },
  { KASSA_DBUS_ERROR_MALFORMED,       "mn.kassa.Kassa.Error.Malformed" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (dbus_error_entries) == KASSA_DBUS_N_ERRORS);

GQuark
kassa_dbus_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("kassa-dbus-error-quark", &quark, dbus_error_entries,
                                      G_N_ELEMENTS (dbus_error_entries));

  return (GQuark) quark;
}

static KassaDbusError
dbus_code_for_error (const GError *error)
{
  if (error->domain == KASSA_DBUS_ERROR)
    return error->code;

  if (error->domain == KASSA_INPUT_ERROR)
    return KASSA_DBUS_ERROR_INVALID_INPUT;

  if (error->domain == KASSA_COUNTER_ERROR)
    {
      switch ((KassaCounterError) error->code)
        {
        case KASSA_COUNTER_ERROR_BUSY:
          return KASSA_DBUS_ERROR_BUSY;
        case KASSA_COUNTER_ERROR_NO_PAYMENT:
          return KASSA_DBUS_ERROR_NO_PAYMENT;
        case KASSA_COUNTER_ERROR_NOT_TRAINING:
          return KASSA_DBUS_ERROR_NOT_TRAINING;
        case KASSA_COUNTER_ERROR_NOT_READY:
          return KASSA_DBUS_ERROR_NOT_READY;
        default:
          return KASSA_DBUS_ERROR_FAILED;
        }
    }

  if (error->domain == KASSA_TILL_ERROR)
    {
      switch ((KassaTillError) error->code)
        {
        case KASSA_TILL_ERROR_NOT_RECOVERED:
          return KASSA_DBUS_ERROR_NOT_READY;
        case KASSA_TILL_ERROR_ILLEGAL:
        case KASSA_TILL_ERROR_NOT_AUTHORISED:
        case KASSA_TILL_ERROR_INVALID_PIN:
          return KASSA_DBUS_ERROR_ILLEGAL;
        case KASSA_TILL_ERROR_PAYLOAD:
          return KASSA_DBUS_ERROR_MALFORMED;
        case KASSA_TILL_ERROR_UNKNOWN_OUTCOME:
          return KASSA_DBUS_ERROR_UNKNOWN_OUTCOME;
        default:
          return KASSA_DBUS_ERROR_FAILED;
        }
    }

  if (error->domain == KASSA_JOURNAL_ERROR)
    {
      switch ((KassaJournalError) error->code)
        {
        case KASSA_JOURNAL_ERROR_LOCKED:
        case KASSA_JOURNAL_ERROR_CORRUPT:
        case KASSA_JOURNAL_ERROR_TOO_NEW:
        case KASSA_JOURNAL_ERROR_IO:
          return KASSA_DBUS_ERROR_JOURNAL;
        case KASSA_JOURNAL_ERROR_NOT_FOUND:
        case KASSA_JOURNAL_ERROR_ILLEGAL_MOVE:
        case KASSA_JOURNAL_ERROR_ALREADY_SETTLED:
        case KASSA_JOURNAL_ERROR_BATCH_OPEN:
        case KASSA_JOURNAL_ERROR_AUDIT_BROKEN:
        default:
          return KASSA_DBUS_ERROR_ILLEGAL;
        }
    }

  if (error->domain == KASSA_BANK_ERROR)
    {
      switch ((KassaBankError) error->code)
        {
        case KASSA_BANK_ERROR_TRANSPORT:
        case KASSA_BANK_ERROR_TIMEOUT:
        case KASSA_BANK_ERROR_TLS:
          return KASSA_DBUS_ERROR_NETWORK;
        case KASSA_BANK_ERROR_REJECTED:
          return KASSA_DBUS_ERROR_REJECTED;
        case KASSA_BANK_ERROR_BANK_SYSTEM:
          return KASSA_DBUS_ERROR_BANK_SYSTEM;
        case KASSA_BANK_ERROR_MALFORMED_REPLY:
        case KASSA_BANK_ERROR_CHECKSUM_MISMATCH:
          return KASSA_DBUS_ERROR_MALFORMED;
        default:
          return KASSA_DBUS_ERROR_FAILED;
        }
    }

  if (error->domain == G_IO_ERROR || error->domain == G_TLS_ERROR ||
      error->domain == G_RESOLVER_ERROR)
    return KASSA_DBUS_ERROR_NETWORK;

  return KASSA_DBUS_ERROR_FAILED;
}

GError *
kassa_dbus_error_from_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  return g_error_new_literal (KASSA_DBUS_ERROR, dbus_code_for_error (error), error->message);
}

static void
return_error (GDBusMethodInvocation *invocation,
              const GError          *error)
{
  g_autoptr(GError) dbus_error = kassa_dbus_error_from_error (error);

  g_dbus_method_invocation_return_gerror (invocation, dbus_error);
}

/* ---- StateChanged ---- */

static void
emit_state_changed (KassaDbus    *self,
                    KassaInvoice *invoice)
{
  g_autofree char *json = kassa_invoice_to_json (invoice);
  g_autoptr(GError) error = NULL;

  if (self->registration_id == 0)
    return;

  if (!g_dbus_connection_emit_signal (self->connection, NULL, self->object_path,
                                      KASSA_DBUS_INTERFACE, "StateChanged",
                                      g_variant_new ("(sss)",
                                                     kassa_invoice_get_number (invoice),
                                                     kassa_invoice_state_to_string (
                                                       kassa_invoice_get_state (invoice)),
                                                     json),
                                      &error))
    g_debug ("StateChanged not sent: %s", error->message);
}

static void
on_followed_changed_cb (KassaInvoice *invoice,
                        GParamSpec   *pspec,
                        KassaDbus    *self)
{
  emit_state_changed (self, invoice);
}

static void
follow_invoice (KassaDbus    *self,
                KassaInvoice *invoice)
{
  if (self->followed == invoice)
    return;

  if (self->followed != NULL)
    g_signal_handlers_disconnect_by_data (self->followed, self);
  g_set_object (&self->followed, invoice);
  if (invoice == NULL)
    return;

  g_signal_connect_object (invoice, "notify::state",
                           G_CALLBACK (on_followed_changed_cb), self, 0);
  /* A cancelled payment that turns out paid after all moves its state too;
   * the flag itself is news for a cash register as well. */
  g_signal_connect_object (invoice, "notify::paid-after-cancel",
                           G_CALLBACK (on_followed_changed_cb), self, 0);
  emit_state_changed (self, invoice);
}

static void
on_counter_current_invoice_cb (KassaCounter *counter,
                               GParamSpec   *pspec,
                               KassaDbus    *self)
{
  follow_invoice (self, kassa_counter_get_current_invoice (counter));
}

static gboolean
get_training (KassaDbus *self)
{
  return self->counter != NULL && kassa_counter_get_training (self->counter);
}

static void
emit_training_changed (KassaDbus *self)
{
  g_autoptr(GError) error = NULL;
  GVariantBuilder changed;

  if (self->registration_id == 0)
    return;

  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&changed, "{sv}", "Training", g_variant_new_boolean (get_training (self)));
  if (!g_dbus_connection_emit_signal (self->connection, NULL, self->object_path,
                                      "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                      g_variant_new ("(sa{sv}as)", KASSA_DBUS_INTERFACE,
                                                     &changed, NULL),
                                      &error))
    g_debug ("PropertiesChanged not sent: %s", error->message);
}

/* The queue's counter appeared (or changed, or went at shutdown):
 * StateChanged follows its current invoice from now on. */
static void
set_counter (KassaDbus    *self,
             KassaCounter *counter)
{
  if (self->counter == counter)
    return;

  if (self->counter != NULL)
    g_signal_handlers_disconnect_by_data (self->counter, self);
  g_set_object (&self->counter, counter);
  if (counter != NULL)
    g_signal_connect_object (counter, "notify::current-invoice",
                             G_CALLBACK (on_counter_current_invoice_cb), self, 0);

  follow_invoice (self, counter != NULL ? kassa_counter_get_current_invoice (counter) : NULL);
  emit_training_changed (self);
}

static void
on_queue_counter_cb (KassaChargeQueue *queue,
                     GParamSpec       *pspec,
                     KassaDbus        *self)
{
  set_counter (self, kassa_charge_queue_get_counter (queue));
}

/* ---- methods ---- */

static void
charge_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autofree char *json = NULL;

  invoice = kassa_charge_queue_charge_finish (KASSA_CHARGE_QUEUE (source), result, &error);
  if (invoice == NULL)
    {
      return_error (invocation, error);
      return;
    }

  json = kassa_invoice_to_json (invoice);
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", json));
}

static void
handle_charge (KassaDbus             *self,
               GVariant              *parameters,
               GDBusMethodInvocation *invocation)
{
  g_autoptr(GError) error = NULL;
  KassaInvoiceMethod method;
  const char *method_text;
  const char *phone;
  const char *reference;
  gint64 amount;

  g_variant_get (parameters, "(x&s&s&s)", &amount, &method_text, &phone, &reference);

  if (!kassa_charge_request_check (amount, method_text, phone, reference, &method, &error))
    {
      return_error (invocation, error);
      return;
    }

  kassa_charge_queue_charge_async (self->queue, amount, method,
                                   *phone != '\0' ? phone : NULL,
                                   *reference != '\0' ? reference : NULL,
                                   NULL, charge_done_cb, g_object_ref (invocation));
}

static void
cancel_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;

  if (!kassa_counter_cancel_finish (KASSA_COUNTER (source), result, &error))
    return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, NULL);
}

static void
kassa_dbus_method_call (GDBusConnection       *connection,
                        const char            *sender,
                        const char            *object_path,
                        const char            *interface_name,
                        const char            *method_name,
                        GVariant              *parameters,
                        GDBusMethodInvocation *invocation,
                        gpointer               user_data)
{
  KassaDbus *self = user_data;
  g_autoptr(GError) error = NULL;
  KassaCounter *counter;

  if (self->queue == NULL)
    {
      g_dbus_method_invocation_return_error_literal (invocation, KASSA_DBUS_ERROR,
                                                     KASSA_DBUS_ERROR_NOT_READY,
                                                     _("Kassa is shutting down."));
      return;
    }

  if (g_strcmp0 (method_name, "Charge") == 0)
    {
      handle_charge (self, parameters, invocation);
      return;
    }

  if (g_strcmp0 (method_name, "State") == 0)
    {
      KassaInvoice *invoice;
      g_autofree char *json = NULL;

      counter = kassa_charge_queue_get_counter (self->queue);
      invoice = counter != NULL ? kassa_counter_get_current_invoice (counter) : NULL;
      json = invoice != NULL ? kassa_invoice_to_json (invoice) : g_strdup ("null");
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", json));
      return;
    }

  counter = kassa_charge_queue_require_counter (self->queue, &error);
  if (counter == NULL)
    {
      return_error (invocation, error);
      return;
    }

  if (g_strcmp0 (method_name, "Cancel") == 0)
    {
      kassa_counter_cancel_async (counter, NULL, cancel_done_cb, g_object_ref (invocation));
      return;
    }

  if (g_strcmp0 (method_name, "CheckNow") == 0)
    {
      if (!kassa_counter_check_now (counter, &error))
        return_error (invocation, error);
      else
        g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }

  if (g_strcmp0 (method_name, "TrainingCustomerPays") == 0 ||
      g_strcmp0 (method_name, "TrainingCustomerDeclines") == 0)
    {
      gboolean done;

      if (g_strcmp0 (method_name, "TrainingCustomerPays") == 0)
        done = kassa_counter_customer_pays (counter, &error);
      else
        done = kassa_counter_customer_declines (counter, &error);

      if (!done)
        return_error (invocation, error);
      else
        g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }

  /* GDBus only dispatches the methods of the introspection data. */
  g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD,
                                         _("No method “%s”"), method_name);
}

static GVariant *
kassa_dbus_get_property (GDBusConnection  *connection,
                         const char       *sender,
                         const char       *object_path,
                         const char       *interface_name,
                         const char       *property_name,
                         GError          **error,
                         gpointer          user_data)
{
  KassaDbus *self = user_data;

  if (g_strcmp0 (property_name, "Training") == 0)
    return g_variant_new_boolean (get_training (self));

  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY,
               _("No property “%s”"), property_name);
  return NULL;
}

static const GDBusInterfaceVTable till_vtable = {
  kassa_dbus_method_call,
  kassa_dbus_get_property,
  NULL,
  { 0 },
};

/* ---- GObject ---- */

static void
kassa_dbus_dispose (GObject *object)
{
  KassaDbus *self = KASSA_DBUS (object);

  kassa_dbus_unexport (self);
  follow_invoice (self, NULL);
  if (self->counter != NULL)
    g_signal_handlers_disconnect_by_data (self->counter, self);
  g_clear_object (&self->counter);
  if (self->queue != NULL)
    g_signal_handlers_disconnect_by_data (self->queue, self);
  g_clear_weak_pointer (&self->queue);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (kassa_dbus_parent_class)->dispose (object);
}

static void
kassa_dbus_finalize (GObject *object)
{
  KassaDbus *self = KASSA_DBUS (object);

  g_clear_pointer (&self->node_info, g_dbus_node_info_unref);
  g_free (self->object_path);

  G_OBJECT_CLASS (kassa_dbus_parent_class)->finalize (object);
}

static void
kassa_dbus_class_init (KassaDbusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kassa_dbus_dispose;
  object_class->finalize = kassa_dbus_finalize;
}

static void
kassa_dbus_init (KassaDbus *self)
{
}

/* ---- public API ---- */

KassaDbus *
kassa_dbus_new (GDBusConnection   *connection,
                const char        *object_path,
                KassaChargeQueue  *queue,
                GError           **error)
{
  g_autoptr(KassaDbus) self = NULL;
  g_autoptr(GBytes) xml = NULL;
  GDBusInterfaceInfo *iface;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (g_variant_is_object_path (object_path), NULL);
  g_return_val_if_fail (KASSA_IS_CHARGE_QUEUE (queue), NULL);

  /* Registers the error names before the first error is returned. */
  kassa_dbus_error_quark ();

  self = g_object_new (KASSA_TYPE_DBUS, NULL);
  self->connection = g_object_ref (connection);
  self->object_path = g_strdup (object_path);
  g_set_weak_pointer (&self->queue, queue);

  xml = g_resources_lookup_data (TILL_XML_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (xml == NULL)
    return NULL;
  self->node_info = g_dbus_node_info_new_for_xml (g_bytes_get_data (xml, NULL), error);
  if (self->node_info == NULL)
    return NULL;
  iface = g_dbus_node_info_lookup_interface (self->node_info, KASSA_DBUS_INTERFACE);
  if (iface == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s does not describe %s", TILL_XML_RESOURCE, KASSA_DBUS_INTERFACE);
      return NULL;
    }

  self->registration_id = g_dbus_connection_register_object (connection, object_path, iface,
                                                             &till_vtable, self, NULL, error);
  if (self->registration_id == 0)
    return NULL;

  g_signal_connect_object (queue, "notify::counter", G_CALLBACK (on_queue_counter_cb), self, 0);
  if (kassa_charge_queue_get_counter (queue) != NULL)
    set_counter (self, kassa_charge_queue_get_counter (queue));

  return g_steal_pointer (&self);
}

void
kassa_dbus_unexport (KassaDbus *self)
{
  g_return_if_fail (KASSA_IS_DBUS (self));

  if (self->registration_id != 0)
    g_dbus_connection_unregister_object (self->connection, self->registration_id);
  self->registration_id = 0;
}
