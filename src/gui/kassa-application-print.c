/* kassa-application-print.c — the receipt printer: receipts and the drawer when a sale is paid
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application owns the KassaPrintQueue (journaled jobs, kassa-print-queue.h)
 * and keeps it set up as the settings say (kassa-print-settings.h). Every sale
 * the till tracks that becomes PAID (started in this session, recovered at
 * start-up, or paid after its cancel; KassaTill::invoice-tracked):
 * - with "cash-drawer" and a receipt printer, opens the drawer once (never a
 *   refund: only the edge into PAID of a sale does);
 * - with "auto-print-receipts", prints its receipt: through the queue when
 *   "receipt-printer" is set (the cashier window shows a failed one with
 *   Reprint), otherwise through the print dialog path (kassa_print_receipt(),
 *   printer-name and paper-width), whose failure is an alert for the cashier.
 * A refund whose outcome the refund dialog did not see (lost answer, or
 * pending at the stop) prints its refund receipt here when it turns REFUNDED.
 */

#include "config.h"

#include "kassa-application-private.h"

#include <glib/gi18n.h>

#include "kassa-print-settings.h"
#include "kassa-window.h"

typedef struct
{
  KassaApplication *app;
  KassaInvoice     *invoice;
} PrintJob;

static void
say_not_printed (KassaApplication *self,
                 KassaInvoice     *invoice,
                 const GError     *error)
{
  g_autofree char *text = NULL;

  /* Translators: %s is an invoice number, then why the receipt was not printed */
  text = g_strdup_printf (_("The receipt of invoice %s was not printed: %s"),
                          kassa_invoice_get_number (invoice), error->message);
  _kassa_application_add_alert (self, text);
}

static gboolean
print_receipt_cb (gpointer user_data)
{
  PrintJob *job = user_data;
  KassaApplication *self = job->app;
  g_autoptr(GError) error = NULL;

  if (!kassa_print_settings_print_receipt (self->settings, self->print_queue,
                                           self->cashier_window, job->invoice, NULL, NULL,
                                           &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    say_not_printed (self, job->invoice, error);

  g_object_unref (job->invoice);
  g_object_unref (job->app);
  g_free (job);

  return G_SOURCE_REMOVE;
}

typedef struct
{
  KassaApplication *app;
  gboolean          audited;
} DrawerJob;

static void
drawer_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  DrawerJob *job = user_data;
  g_autoptr(KassaApplication) self = job->app;
  g_autoptr(GError) error = NULL;
  gboolean opened;

  opened = kassa_print_queue_job_finish (KASSA_PRINT_QUEUE (source), result, NULL, &error);
  if (job->audited)
    {
      /* The authorisation has its audit row; this one says what came of it. */
      KassaManager *manager = self->till != NULL ? kassa_till_get_manager (self->till) : NULL;
      g_autofree char *outcome = opened ? g_strdup (KASSA_MANAGER_RESULT_OPENED)
                                        : g_strdup_printf ("failed: %s", error->message);
      g_autoptr(GError) audit_error = NULL;

      if (manager != NULL &&
          !kassa_manager_record (manager, KASSA_MANAGER_ACTION_OPEN_DRAWER, NULL, NULL, outcome,
                                 &audit_error))
        g_warning ("The drawer's audit row was not written: %s", audit_error->message);
    }
  g_free (job);

  if (!opened && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Translators: %s says why the cash drawer did not open */
      g_autofree char *text = g_strdup_printf (_("The cash drawer did not open: %s"),
                                               error->message);

      _kassa_application_add_alert (self, text);
    }
}

void
_kassa_application_open_drawer (KassaApplication *self,
                                gboolean          audited)
{
  DrawerJob *job;

  g_return_if_fail (self->print_queue != NULL);

  job = g_new0 (DrawerJob, 1);
  job->app = g_object_ref (self);
  job->audited = audited;
  kassa_print_queue_open_drawer_async (self->print_queue, NULL, drawer_opened_cb, job);
}

/* What the application has seen of one invoice the till tracks (the
 * invoice's data, so a second ::invoice-tracked of it adds nothing). */
typedef struct
{
  KassaInvoiceState last;
  gboolean          refund_unseen; /* a refund whose outcome no dialog saw */
} InvoiceWatch;

#define INVOICE_WATCH_KEY "kassa-application-print-watch"

static void
print_later (KassaApplication *self,
             KassaInvoice     *invoice)
{
  PrintJob *job;

  if (!g_settings_get_boolean (self->settings, "auto-print-receipts"))
    return;

  /* Printing may run a nested main loop (the print dialog path): not from
   * inside a notify. */
  job = g_new0 (PrintJob, 1);
  job->app = g_object_ref (self);
  job->invoice = g_object_ref (invoice);
  g_idle_add (print_receipt_cb, job);
}

static void
on_tracked_state_cb (KassaInvoice     *invoice,
                     GParamSpec       *pspec,
                     KassaApplication *self)
{
  InvoiceWatch *watch = g_object_get_data (G_OBJECT (invoice), INVOICE_WATCH_KEY);
  KassaInvoiceState state = kassa_invoice_get_state (invoice);
  KassaInvoiceState last;

  if (watch == NULL || state == watch->last)
    return;
  last = watch->last;
  watch->last = state;

  switch (state)
    {
    case KASSA_INVOICE_PAID:
      /* Back from a refund that did not happen: the sale's receipt was
       * printed when it was paid. */
      watch->refund_unseen = FALSE;
      if (last == KASSA_INVOICE_REFUNDING || last == KASSA_INVOICE_REFUND_UNKNOWN)
        return;
      /* A sale of this session or one recovered at start-up, or paid after
       * its cancel: once, on the edge into PAID. */
      if (g_settings_get_boolean (self->settings, "cash-drawer") &&
          kassa_print_settings_has_printer (self->settings) && self->print_queue != NULL)
        _kassa_application_open_drawer (self, FALSE);
      print_later (self, invoice);
      return;

    case KASSA_INVOICE_REFUND_UNKNOWN:
      watch->refund_unseen = TRUE;
      return;

    case KASSA_INVOICE_REFUNDED:
      /* The refund dialog prints the receipt of a refund it saw done; one
       * whose answer was lost, or recovered at start-up, prints here. Never
       * the drawer: a refund is not a sale. */
      if (watch->refund_unseen)
        print_later (self, invoice);
      watch->refund_unseen = FALSE;
      return;

    case KASSA_INVOICE_CREATING:
    case KASSA_INVOICE_CREATE_UNKNOWN:
    case KASSA_INVOICE_AWAITING_PAYMENT:
    case KASSA_INVOICE_DECLINED:
    case KASSA_INVOICE_FAILED:
    case KASSA_INVOICE_CANCELLING:
    case KASSA_INVOICE_CANCEL_UNKNOWN:
    case KASSA_INVOICE_CANCELLED:
    case KASSA_INVOICE_EXPIRED:
    case KASSA_INVOICE_REFUNDING:
    default:
      return;
    }
}

/* Every invoice the till follows, whichever session started it: a new
 * sale, one recovered at start-up (it was PAID before the stop only if a
 * refund was pending, and then is not printed again), a cancelled one
 * checked again. */
static void
on_till_invoice_tracked_cb (KassaTill        *till,
                            KassaInvoice     *invoice,
                            KassaApplication *self)
{
  KassaInvoiceState state = kassa_invoice_get_state (invoice);
  InvoiceWatch *watch;

  if (g_object_get_data (G_OBJECT (invoice), INVOICE_WATCH_KEY) != NULL)
    return;

  watch = g_new0 (InvoiceWatch, 1);
  watch->last = state;
  watch->refund_unseen = state == KASSA_INVOICE_REFUNDING ||
                         state == KASSA_INVOICE_REFUND_UNKNOWN;
  g_object_set_data_full (G_OBJECT (invoice), INVOICE_WATCH_KEY, watch, g_free);
  g_signal_connect_object (invoice, "notify::state", G_CALLBACK (on_tracked_state_cb), self, 0);
}

static void
apply_print_settings (KassaApplication *self)
{
  g_autoptr(GError) error = NULL;

  if (!kassa_print_settings_apply (self->settings, self->print_queue, &error))
    _kassa_application_add_alert (self, error->message);
}

static void
on_settings_changed_cb (GSettings        *settings,
                        const char       *key,
                        KassaApplication *self)
{
  if (g_str_has_prefix (key, "receipt-printer") || g_str_equal (key, "paper-width") ||
      g_str_has_prefix (key, "shop-"))
    apply_print_settings (self);
}

void
_kassa_application_auto_print_start (KassaApplication *self)
{
  self->print_queue = kassa_print_queue_new (self->journal);
  apply_print_settings (self);
  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (on_settings_changed_cb), self, 0);
  g_signal_connect_object (self->till, "invoice-tracked",
                           G_CALLBACK (on_till_invoice_tracked_cb), self, 0);
}
