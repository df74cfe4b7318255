/* kassa-application-print.c — the receipt printer: receipts and the drawer when a sale is paid
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application owns the KassaPrintQueue (journaled jobs, kassa-print-queue.h)
 * and keeps it set up as the settings say (kassa-print-settings.h). Every sale
 * of the till that ends PAID:
 * - with "cash-drawer" and a receipt printer, opens the drawer once (never a
 *   refund: only the PAID edge of a new sale does);
 * - with "auto-print-receipts", prints its receipt: through the queue when
 *   "receipt-printer" is set (the cashier window shows a failed one with
 *   Reprint), otherwise through the print dialog path (kassa_print_receipt(),
 *   printer-name and paper-width), whose failure is an alert for the cashier.
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

static void
on_sale_state_cb (KassaInvoice     *invoice,
                  GParamSpec       *pspec,
                  KassaApplication *self)
{
  KassaInvoiceState state = kassa_invoice_get_state (invoice);
  PrintJob *job;

  if (!kassa_invoice_state_is_final (state))
    return;

  /* Once per sale: its first final state. A later refund is not a sale. */
  g_signal_handlers_disconnect_by_func (invoice, on_sale_state_cb, self);
  if (state != KASSA_INVOICE_PAID)
    return;

  if (g_settings_get_boolean (self->settings, "cash-drawer") &&
      kassa_print_settings_has_printer (self->settings) && self->print_queue != NULL)
    _kassa_application_open_drawer (self, FALSE);

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
on_till_invoice_added_cb (KassaTill        *till,
                          KassaInvoice     *invoice,
                          KassaApplication *self)
{
  g_signal_connect_object (invoice, "notify::state", G_CALLBACK (on_sale_state_cb), self, 0);
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
  g_signal_connect_object (self->till, "invoice-added",
                           G_CALLBACK (on_till_invoice_added_cb), self, 0);
}
