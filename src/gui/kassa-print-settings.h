/* kassa-print-settings.h — the receipt printer the settings name, for every window that prints
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One home for what the settings (mn.kassa.Kassa) say about printing:
 * "receipt-printer" (a kassa-printer.h URI; "" = the print dialog path of
 * kassa-print.h with "printer-name" and "paper-width"), "receipt-printer-dots"
 * (0: 384 dots for 58 mm paper, 576 otherwise), and the shop's "shop-name",
 * "shop-address" and "shop-phone" printed on every document. The cashier
 * window, the history, the refund dialog and the application's auto-print
 * all print receipts through kassa_print_settings_print_receipt().
 */

#pragma once

#include <gtk/gtk.h>

#include "kassa-print-queue.h"
#include "kassa-report.h"

G_BEGIN_DECLS

/* The shop's name, address and phone from @settings, owned by the caller
 * (free with kassa_print_settings_info_free). */
KassaReportInfo *kassa_print_settings_get_info    (GSettings        *settings);
void             kassa_print_settings_info_free   (KassaReportInfo  *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaReportInfo, kassa_print_settings_info_free)

/* The printer's width in dots: "receipt-printer-dots", or from "paper-width". */
guint            kassa_print_settings_get_dots    (GSettings        *settings);

/* Whether "receipt-printer" names a thermal printer (not ""). */
gboolean         kassa_print_settings_has_printer (GSettings        *settings);

/* Checks "receipt-printer" and the width: FALSE with the reason (in the
 * person's words) when the URI is not one of kassa-printer.h's forms or the
 * width cannot be printed. "" is valid (no thermal printer). */
gboolean         kassa_print_settings_check       (GSettings        *settings,
                                                   GError          **error);

/* Gives @queue the printer, width and shop of @settings. A bad printer or
 * width leaves @queue without a printer (every job then fails, nothing is
 * printed on an old printer) and returns FALSE with the reason. */
gboolean         kassa_print_settings_apply       (GSettings        *settings,
                                                   KassaPrintQueue  *queue,
                                                   GError          **error);

/* Prints the receipt of a PAID or REFUNDED @invoice as the settings say:
 * through @queue (journaled, in the background; @callback, may be NULL, gets
 * the job's outcome through kassa_print_queue_job_finish()) when
 * "receipt-printer" is set, otherwise through kassa_print_receipt() over
 * @parent (the print dialog path; synchronous, @callback is not called).
 * FALSE with @error when nothing could be started: a bad "receipt-printer",
 * no @queue, or the print dialog path failed (G_IO_ERROR_CANCELLED: the
 * person closed the dialog). */
gboolean         kassa_print_settings_print_receipt (GSettings          *settings,
                                                     KassaPrintQueue    *queue,
                                                     GtkWindow          *parent,
                                                     KassaInvoice       *invoice,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data,
                                                     GError            **error);

G_END_DECLS
