/* kassa-counter.c — the checkout counter: one payment at a time, shared by every front end
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-counter.h"

#include <glib/gi18n.h>

#include "kassa-amount.h"
#include "kassa-task.h"

struct _KassaCounter
{
  GObject        parent_instance;

  KassaTill     *till;
  KassaTrainingCustomer *training; /* NULL outside training mode */
  KassaInvoice  *current;
  GListStore    *recent;         /* KassaInvoice, newest first */
  GHashTable    *watched;        /* KassaInvoice → TRUE: paid-after-cancel handlers connected */
  gboolean       charging;       /* a charge is between its call and the journal */
  gboolean       had_unfinished; /* recovery has something to report */
};

G_DEFINE_FINAL_TYPE (KassaCounter, kassa_counter, G_TYPE_OBJECT)

G_DEFINE_QUARK (kassa-counter-error-quark, kassa_counter_error)

enum {
  PROP_0,
  PROP_TILL,
  PROP_TRAINING,
  PROP_CURRENT_INVOICE,
  PROP_OPEN,
  PROP_RECENT_SALES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- the current invoice ---- */

static void
on_current_state_cb (KassaInvoice *invoice,
                     GParamSpec   *pspec,
                     KassaCounter *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPEN]);
}

static void
set_current (KassaCounter *self,
             KassaInvoice *invoice)
{
  gboolean was_open = kassa_counter_get_open (self);

  if (self->current == invoice)
    return;

  if (self->current != NULL)
    g_signal_handlers_disconnect_by_func (self->current, on_current_state_cb, self);
  g_set_object (&self->current, invoice);
  if (self->current != NULL)
    g_signal_connect_object (self->current, "notify::state",
                             G_CALLBACK (on_current_state_cb), self, 0);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_INVOICE]);
  if (was_open != kassa_counter_get_open (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OPEN]);
}

/* ---- recent sales ---- */

static void
on_paid_after_cancel_cb (KassaInvoice *invoice,
                         GParamSpec   *pspec,
                         KassaCounter *self)
{
  g_autofree char *amount = NULL;
  g_autofree char *text = NULL;

  if (!kassa_invoice_get_paid_after_cancel (invoice))
    return;

  amount = kassa_amount_to_display (kassa_invoice_get_amount (invoice));
  /* Translators: %s are an amount ("1,500₮") and an invoice number. */
  text = g_strdup_printf (_("The customer paid %s for invoice %s after it was cancelled. "
                            "The payment is kept as paid."),
                          amount, kassa_invoice_get_number (invoice));
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text);
}

static void
watch_invoice (KassaCounter *self,
               KassaInvoice *invoice)
{
  if (g_hash_table_contains (self->watched, invoice))
    return;

  g_hash_table_add (self->watched, g_object_ref (invoice));
  g_signal_connect_object (invoice, "notify::paid-after-cancel",
                           G_CALLBACK (on_paid_after_cancel_cb), self, 0);
}

static gboolean
recent_contains (KassaCounter *self,
                 KassaInvoice *invoice)
{
  return g_list_store_find (self->recent, invoice, NULL);
}

/* Today's invoices from the journal, newest first, and any unfinished one
 * (a sale from yesterday that recovery is resolving belongs on screen too). */
static void
load_recent (KassaCounter *self)
{
  KassaJournal *journal = kassa_till_get_journal (self->till);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) midnight = NULL;
  g_autoptr(GPtrArray) today = NULL;
  g_autoptr(GPtrArray) unfinished = NULL;
  g_autoptr(GPtrArray) open_settlements = NULL;
  g_autoptr(GError) error = NULL;

  midnight = g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                                    g_date_time_get_day_of_month (now), 0, 0, 0);
  today = kassa_journal_list (journal, midnight, NULL, &error);
  if (today == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Today’s sales could not be read: %s"),
                                               error->message);

      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text);
      return;
    }

  /* Oldest first from the journal; the list shows newest first. */
  for (guint i = 0; i < today->len; i++)
    {
      KassaInvoice *invoice = g_ptr_array_index (today, i);

      g_list_store_insert (self->recent, 0, invoice);
      watch_invoice (self, invoice);
    }

  unfinished = kassa_journal_list_unfinished (journal, NULL);
  open_settlements = kassa_journal_list_open_settlements (journal, NULL);
  self->had_unfinished = (unfinished != NULL && unfinished->len > 0) ||
                         (open_settlements != NULL && open_settlements->len > 0);
  for (guint i = 0; unfinished != NULL && i < unfinished->len; i++)
    {
      KassaInvoice *invoice = g_ptr_array_index (unfinished, i);

      if (!recent_contains (self, invoice))
        {
          g_list_store_append (self->recent, invoice);
          watch_invoice (self, invoice);
        }
    }
}

static void
on_invoice_added_cb (KassaTill    *till,
                     KassaInvoice *invoice,
                     KassaCounter *self)
{
  if (!recent_contains (self, invoice))
    g_list_store_insert (self->recent, 0, invoice);
  watch_invoice (self, invoice);

  /* Every sale this till starts is the customer's current payment; sales
   * only start through the counter while the application runs. */
  self->charging = FALSE;
  set_current (self, invoice);
}

static void
on_recovered_cb (KassaTill    *till,
                 const char   *summary,
                 KassaCounter *self)
{
  /* "No unfinished payments" is not news for the cashier. */
  if (self->had_unfinished && summary != NULL && *summary != '\0')
    g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, summary);
}

/* The journal could not record what the bank said, or put itself back at
 * its path: the cashier reads the same sentence kassa-ctl prints. */
static void
on_journal_failed_cb (KassaTill    *till,
                      KassaInvoice *invoice,
                      const char   *message,
                      KassaCounter *self)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
}

static void
on_journal_notice_cb (KassaJournal *journal,
                      const char   *message,
                      KassaCounter *self)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
}

/* ---- GObject ---- */

static void
kassa_counter_dispose (GObject *object)
{
  KassaCounter *self = KASSA_COUNTER (object);

  if (self->till != NULL)
    g_signal_handlers_disconnect_by_data (self->till, self);
  if (self->current != NULL)
    g_signal_handlers_disconnect_by_func (self->current, on_current_state_cb, self);
  g_clear_object (&self->current);
  g_clear_pointer (&self->watched, g_hash_table_unref);
  g_clear_object (&self->recent);
  g_clear_object (&self->training);
  g_clear_object (&self->till);

  G_OBJECT_CLASS (kassa_counter_parent_class)->dispose (object);
}

static void
kassa_counter_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KassaCounter *self = KASSA_COUNTER (object);

  switch (prop_id)
    {
    case PROP_TILL:
      g_value_set_object (value, self->till);
      break;
    case PROP_TRAINING:
      g_value_set_boolean (value, kassa_counter_get_training (self));
      break;
    case PROP_CURRENT_INVOICE:
      g_value_set_object (value, self->current);
      break;
    case PROP_OPEN:
      g_value_set_boolean (value, kassa_counter_get_open (self));
      break;
    case PROP_RECENT_SALES:
      g_value_set_object (value, self->recent);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_counter_class_init (KassaCounterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kassa_counter_dispose;
  object_class->get_property = kassa_counter_get_property;

  properties[PROP_TILL] =
    g_param_spec_object ("till", NULL, NULL, KASSA_TYPE_TILL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TRAINING] =
    g_param_spec_boolean ("training", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CURRENT_INVOICE] =
    g_param_spec_object ("current-invoice", NULL, NULL, KASSA_TYPE_INVOICE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OPEN] =
    g_param_spec_boolean ("open", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECENT_SALES] =
    g_param_spec_object ("recent-sales", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
kassa_counter_init (KassaCounter *self)
{
  self->recent = g_list_store_new (KASSA_TYPE_INVOICE);
  self->watched = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
}

KassaCounter *
kassa_counter_new (KassaTill             *till,
                   KassaTrainingCustomer *training)
{
  KassaCounter *self;

  g_return_val_if_fail (KASSA_IS_TILL (till), NULL);
  g_return_val_if_fail (training == NULL || KASSA_IS_TRAINING_CUSTOMER (training), NULL);

  self = g_object_new (KASSA_TYPE_COUNTER, NULL);
  self->till = g_object_ref (till);
  if (training != NULL)
    self->training = g_object_ref (training);

  g_signal_connect_object (till, "invoice-added", G_CALLBACK (on_invoice_added_cb), self, 0);
  g_signal_connect_object (till, "recovered", G_CALLBACK (on_recovered_cb), self, 0);
  g_signal_connect_object (till, "journal-failed", G_CALLBACK (on_journal_failed_cb), self, 0);
  g_signal_connect_object (kassa_till_get_journal (till), "notice",
                           G_CALLBACK (on_journal_notice_cb), self, 0);
  load_recent (self);

  return self;
}

KassaTill *
kassa_counter_get_till (KassaCounter *self)
{
  g_return_val_if_fail (KASSA_IS_COUNTER (self), NULL);

  return self->till;
}

gboolean
kassa_counter_get_training (KassaCounter *self)
{
  g_return_val_if_fail (KASSA_IS_COUNTER (self), FALSE);

  return self->training != NULL;
}

KassaInvoice *
kassa_counter_get_current_invoice (KassaCounter *self)
{
  g_return_val_if_fail (KASSA_IS_COUNTER (self), NULL);

  return self->current;
}

gboolean
kassa_counter_get_open (KassaCounter *self)
{
  g_return_val_if_fail (KASSA_IS_COUNTER (self), FALSE);

  return self->current != NULL &&
         !kassa_invoice_state_is_final (kassa_invoice_get_state (self->current));
}

GListModel *
kassa_counter_get_recent_sales (KassaCounter *self)
{
  g_return_val_if_fail (KASSA_IS_COUNTER (self), NULL);

  return G_LIST_MODEL (self->recent);
}

/* ---- charge ---- */

static void
sale_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  KassaCounter *self = g_task_get_source_object (task);
  GError *error = NULL;
  KassaInvoice *invoice;

  invoice = kassa_till_sale_finish (KASSA_TILL (source), result, &error);
  /* Refused before anything was journaled (bad input, not recovered). */
  self->charging = FALSE;

  kassa_task_return_object (task, invoice, error);
}

void
kassa_counter_charge_async (KassaCounter        *self,
                            gint64               amount,
                            KassaInvoiceMethod   method,
                            const char          *phone,
                            const char          *reference,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (KASSA_IS_COUNTER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_counter_charge_async);

  if (self->charging || kassa_counter_get_open (self))
    {
      g_task_return_new_error (task, KASSA_COUNTER_ERROR, KASSA_COUNTER_ERROR_BUSY,
                               _("Another payment is still open: finish or cancel it first."));
      return;
    }

  self->charging = TRUE;
  kassa_till_sale_async (self->till, amount, method, phone, reference, cancellable,
                         sale_done_cb, g_steal_pointer (&task));
}

KassaInvoice *
kassa_counter_charge_finish (KassaCounter  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (KASSA_IS_COUNTER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- cancel, check ---- */

static gboolean
require_open (KassaCounter  *self,
              GError       **error)
{
  if (!kassa_counter_get_open (self))
    {
      g_set_error_literal (error, KASSA_COUNTER_ERROR, KASSA_COUNTER_ERROR_NO_PAYMENT,
                           _("There is no open payment."));
      return FALSE;
    }

  return TRUE;
}

static void
cancel_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!kassa_till_cancel_finish (KASSA_TILL (source), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
kassa_counter_cancel_async (KassaCounter        *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (KASSA_IS_COUNTER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_counter_cancel_async);

  if (!require_open (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  kassa_till_cancel_async (self->till, self->current, cancellable, cancel_done_cb,
                           g_steal_pointer (&task));
}

gboolean
kassa_counter_cancel_finish (KassaCounter  *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (KASSA_IS_COUNTER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
kassa_counter_check_now (KassaCounter  *self,
                         GError       **error)
{
  g_return_val_if_fail (KASSA_IS_COUNTER (self), FALSE);

  if (!require_open (self, error))
    return FALSE;

  kassa_till_check_now (self->till, self->current);
  return TRUE;
}

/* ---- training: the simulated customer ---- */

static gboolean
customer_acts (KassaCounter  *self,
               gboolean       pays,
               GError       **error)
{
  KassaInvoice *invoice = self->current;
  gboolean done;

  if (self->training == NULL)
    {
      g_set_error_literal (error, KASSA_COUNTER_ERROR, KASSA_COUNTER_ERROR_NOT_TRAINING,
                           _("Only in training mode can Kassa play the customer."));
      return FALSE;
    }

  if (!require_open (self, error))
    return FALSE;

  if (kassa_invoice_get_state (invoice) != KASSA_INVOICE_AWAITING_PAYMENT)
    {
      g_set_error_literal (error, KASSA_COUNTER_ERROR, KASSA_COUNTER_ERROR_NO_PAYMENT,
                           _("The payment is not waiting for the customer yet."));
      return FALSE;
    }

  if (pays)
    done = kassa_training_customer_pay (self->training, kassa_invoice_get_terminal (invoice),
                                        kassa_invoice_get_number (invoice), error);
  else
    done = kassa_training_customer_decline (self->training,
                                            kassa_invoice_get_terminal (invoice),
                                            kassa_invoice_get_number (invoice), error);
  if (!done)
    return FALSE;

  /* The till learns it the way it would from a real bank: by checking. */
  kassa_till_check_now (self->till, invoice);
  return TRUE;
}

gboolean
kassa_counter_customer_pays (KassaCounter  *self,
                             GError       **error)
{
  g_return_val_if_fail (KASSA_IS_COUNTER (self), FALSE);

  return customer_acts (self, TRUE, error);
}

gboolean
kassa_counter_customer_declines (KassaCounter  *self,
                                 GError       **error)
{
  g_return_val_if_fail (KASSA_IS_COUNTER (self), FALSE);

  return customer_acts (self, FALSE, error);
}
