/* kassa-charge-queue.c — charges that wait until Kassa can take payments
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-charge-queue.h"

#include <glib/gi18n.h>

#include "kassa-task.h"

struct _KassaChargeQueue
{
  GObject        parent_instance;

  KassaCounter  *counter;  /* NULL while Kassa starts, when it failed, after shutdown */
  GError        *error;    /* why Kassa cannot take payments, or NULL */
  GQueue         waiting;  /* GTask: waiting for start-up and recovery */
};

G_DEFINE_FINAL_TYPE (KassaChargeQueue, kassa_charge_queue, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_COUNTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_ACCEPTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  gint64              amount;
  KassaInvoiceMethod  method;
  char               *phone;
  char               *reference;
  guint               timeout_id;
} ChargeData;

static void
charge_data_free (gpointer data)
{
  ChargeData *charge = data;

  g_clear_handle_id (&charge->timeout_id, g_source_remove);
  g_free (charge->phone);
  g_free (charge->reference);
  g_free (charge);
}

/* ---- starting a charge ---- */

static void
counter_charge_done_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  KassaInvoice *invoice;

  invoice = kassa_counter_charge_finish (KASSA_COUNTER (source), result, &error);
  kassa_task_return_object (task, invoice, error);
}

static void
start_charge (KassaChargeQueue *self,
              GTask            *task)
{
  ChargeData *charge = g_task_get_task_data (task);

  g_clear_handle_id (&charge->timeout_id, g_source_remove);
  kassa_counter_charge_async (self->counter, charge->amount, charge->method, charge->phone,
                              charge->reference, g_task_get_cancellable (task),
                              counter_charge_done_cb, g_object_ref (task));
}

static gboolean
can_charge (KassaChargeQueue *self)
{
  return self->counter != NULL &&
         kassa_till_get_recovered (kassa_counter_get_till (self->counter));
}

static void
flush (KassaChargeQueue *self)
{
  GTask *task;

  /* Still starting, or still recovering: the charges wait. */
  if (!can_charge (self) && self->error == NULL)
    return;

  while ((task = g_queue_pop_head (&self->waiting)) != NULL)
    {
      if (can_charge (self))
        start_charge (self, task);
      else
        g_task_return_error (task, g_error_copy (self->error));
      g_object_unref (task);
    }
}

static gboolean
charge_not_ready_cb (gpointer user_data)
{
  GTask *task = user_data;
  KassaChargeQueue *self = g_task_get_source_object (task);
  ChargeData *charge = g_task_get_task_data (task);

  charge->timeout_id = 0;
  if (g_queue_remove (&self->waiting, task))
    {
      g_task_return_new_error (task, KASSA_COUNTER_ERROR, KASSA_COUNTER_ERROR_NOT_READY,
                               _("Kassa is still checking unfinished payments with the bank; "
                                 "try again when that is done."));
      g_object_unref (task);
    }

  return G_SOURCE_REMOVE;
}

static void
on_till_recovered_cb (KassaTill        *till,
                      GParamSpec       *pspec,
                      KassaChargeQueue *self)
{
  flush (self);
}

/* ---- GObject ---- */

static void
kassa_charge_queue_dispose (GObject *object)
{
  KassaChargeQueue *self = KASSA_CHARGE_QUEUE (object);

  kassa_charge_queue_close (self);
  kassa_charge_queue_set_counter (self, NULL);

  G_OBJECT_CLASS (kassa_charge_queue_parent_class)->dispose (object);
}

static void
kassa_charge_queue_finalize (GObject *object)
{
  KassaChargeQueue *self = KASSA_CHARGE_QUEUE (object);

  g_clear_error (&self->error);

  G_OBJECT_CLASS (kassa_charge_queue_parent_class)->finalize (object);
}

static void
kassa_charge_queue_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  KassaChargeQueue *self = KASSA_CHARGE_QUEUE (object);

  switch (prop_id)
    {
    case PROP_COUNTER:
      g_value_set_object (value, self->counter);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_charge_queue_class_init (KassaChargeQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = kassa_charge_queue_dispose;
  object_class->finalize = kassa_charge_queue_finalize;
  object_class->get_property = kassa_charge_queue_get_property;

  properties[PROP_COUNTER] =
    g_param_spec_object ("counter", NULL, NULL, KASSA_TYPE_COUNTER,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_ACCEPTED] =
    g_signal_new ("accepted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
kassa_charge_queue_init (KassaChargeQueue *self)
{
  g_queue_init (&self->waiting);
}

/* ---- public API ---- */

KassaChargeQueue *
kassa_charge_queue_new (void)
{
  return g_object_new (KASSA_TYPE_CHARGE_QUEUE, NULL);
}

void
kassa_charge_queue_set_counter (KassaChargeQueue *self,
                                KassaCounter     *counter)
{
  g_return_if_fail (KASSA_IS_CHARGE_QUEUE (self));
  g_return_if_fail (counter == NULL || KASSA_IS_COUNTER (counter));

  if (self->counter == counter)
    return;

  if (self->counter != NULL)
    g_signal_handlers_disconnect_by_func (kassa_counter_get_till (self->counter),
                                          on_till_recovered_cb, self);
  g_set_object (&self->counter, counter);
  if (counter != NULL)
    g_signal_connect_object (kassa_counter_get_till (counter), "notify::recovered",
                             G_CALLBACK (on_till_recovered_cb), self, 0);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COUNTER]);
}

KassaCounter *
kassa_charge_queue_get_counter (KassaChargeQueue *self)
{
  g_return_val_if_fail (KASSA_IS_CHARGE_QUEUE (self), NULL);

  return self->counter;
}

void
kassa_charge_queue_fail (KassaChargeQueue *self,
                         const GError     *error)
{
  g_return_if_fail (KASSA_IS_CHARGE_QUEUE (self));
  g_return_if_fail (error != NULL);

  g_clear_error (&self->error);
  self->error = g_error_copy (error);
  flush (self);
}

KassaCounter *
kassa_charge_queue_require_counter (KassaChargeQueue  *self,
                                    GError           **error)
{
  g_return_val_if_fail (KASSA_IS_CHARGE_QUEUE (self), NULL);

  if (self->counter != NULL)
    return self->counter;

  if (self->error != NULL)
    g_propagate_error (error, g_error_copy (self->error));
  else
    g_set_error_literal (error, KASSA_COUNTER_ERROR, KASSA_COUNTER_ERROR_NOT_READY,
                         _("Kassa is still starting; try again in a moment."));

  return NULL;
}

void
kassa_charge_queue_charge_async (KassaChargeQueue    *self,
                                 gint64               amount,
                                 KassaInvoiceMethod   method,
                                 const char          *phone,
                                 const char          *reference,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ChargeData *charge;

  g_return_if_fail (KASSA_IS_CHARGE_QUEUE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_charge_queue_charge_async);

  charge = g_new0 (ChargeData, 1);
  charge->amount = amount;
  charge->method = method;
  charge->phone = g_strdup (phone);
  charge->reference = g_strdup (reference);
  g_task_set_task_data (task, charge, charge_data_free);

  if (self->error != NULL && !can_charge (self))
    {
      g_task_return_error (task, g_error_copy (self->error));
      return;
    }

  g_signal_emit (self, signals[SIGNAL_ACCEPTED], 0);

  if (can_charge (self))
    {
      start_charge (self, task);
      return;
    }

  charge->timeout_id = g_timeout_add_seconds (KASSA_CHARGE_QUEUE_WAIT_S, charge_not_ready_cb,
                                              task);
  g_queue_push_tail (&self->waiting, g_steal_pointer (&task));
}

KassaInvoice *
kassa_charge_queue_charge_finish (KassaChargeQueue  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (KASSA_IS_CHARGE_QUEUE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
kassa_charge_queue_close (KassaChargeQueue *self)
{
  GTask *task;

  g_return_if_fail (KASSA_IS_CHARGE_QUEUE (self));

  while ((task = g_queue_pop_head (&self->waiting)) != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("Kassa was closed before the payment started."));
      g_object_unref (task);
    }
}
