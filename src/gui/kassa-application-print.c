/* kassa-application-print.c — receipts printed automatically when a sale is paid
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * With the setting auto-print-receipts, every sale of the till that ends
 * PAID prints its receipt (kassa_print_receipt(): the printer and paper of
 * the settings); a receipt that could not be printed is an alert for the
 * cashier.
 */

#include "config.h"

#include "kassa-application-private.h"

#include <glib/gi18n.h>

#include "kassa-print.h"

typedef struct
{
  KassaApplication *app;
  KassaInvoice     *invoice;
} PrintJob;

static gboolean
print_receipt_cb (gpointer user_data)
{
  PrintJob *job = user_data;
  KassaApplication *self = job->app;
  g_autoptr(GError) error = NULL;
  g_autofree char *shop_name = g_settings_get_string (self->settings, "shop-name");
  g_autofree char *printer = g_settings_get_string (self->settings, "printer-name");
  g_autofree char *paper_text = g_settings_get_string (self->settings, "paper-width");
  KassaReportInfo info = { *shop_name != '\0' ? shop_name : NULL, NULL };
  KassaPaperWidth paper = KASSA_PAPER_80MM;

  kassa_paper_width_from_string (paper_text, &paper);
  if (!kassa_print_receipt (self->cashier_window, job->invoice, &info, paper,
                            *printer != '\0' ? printer : NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = NULL;

      /* Translators: %s is an invoice number, then why the receipt was not printed */
      text = g_strdup_printf (_("The receipt of invoice %s was not printed: %s"),
                              kassa_invoice_get_number (job->invoice), error->message);
      _kassa_application_add_alert (self, text);
    }

  g_object_unref (job->invoice);
  g_object_unref (job->app);
  g_free (job);

  return G_SOURCE_REMOVE;
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

  g_signal_handlers_disconnect_by_func (invoice, on_sale_state_cb, self);
  if (state != KASSA_INVOICE_PAID ||
      !g_settings_get_boolean (self->settings, "auto-print-receipts"))
    return;

  /* Printing runs a nested main loop: not from inside a notify. */
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

void
_kassa_application_auto_print_start (KassaApplication *self)
{
  g_signal_connect_object (self->till, "invoice-added",
                           G_CALLBACK (on_till_invoice_added_cb), self, 0);
}
