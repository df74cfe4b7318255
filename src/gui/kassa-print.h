/* kassa-print.h — receipts and settlement reports through GtkPrintOperation
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pages are drawn by src/report (the same drawing as the PDFs of
 * kassa-ctl). A receipt on a roll gets a custom GtkPaperSize as wide as the
 * roll and as long as the receipt; reports are A4.
 *
 * The calls are synchronous (GtkPrintOperation runs a nested main loop while
 * the print dialog is open) and return once the job has been handed to the
 * printing system. A person closing the dialog is G_IO_ERROR_CANCELLED; other
 * failures are GTK_PRINT_ERROR or KASSA_REPORT_ERROR with a message to show.
 */

#pragma once

#include <gtk/gtk.h>

#include "kassa-journal.h"
#include "kassa-receipt.h"
#include "kassa-report.h"

G_BEGIN_DECLS

/* Prints the receipt of a PAID or REFUNDED invoice. @printer_name NULL shows
 * the print dialog; otherwise prints straight to that printer (a name GTK's
 * print backends know, e.g. the CUPS queue name). */
gboolean kassa_print_receipt        (GtkWindow              *parent,
                                     KassaInvoice           *invoice,
                                     const KassaReportInfo  *info,
                                     KassaPaperWidth         paper,
                                     const char             *printer_name,
                                     GError                **error);
/* Prints the settlement report of @settlement (A4). */
gboolean kassa_print_report         (GtkWindow              *parent,
                                     KassaJournal           *journal,
                                     KassaSettlement        *settlement,
                                     const KassaReportInfo  *info,
                                     const char             *printer_name,
                                     GError                **error);

/* The same print operations exported to a PDF file at @path without a dialog
 * (GTK_PRINT_OPERATION_ACTION_EXPORT): what the printer would get. */
gboolean kassa_print_receipt_export (GtkWindow              *parent,
                                     KassaInvoice           *invoice,
                                     const KassaReportInfo  *info,
                                     KassaPaperWidth         paper,
                                     const char             *path,
                                     GError                **error);
gboolean kassa_print_report_export  (GtkWindow              *parent,
                                     KassaJournal           *journal,
                                     KassaSettlement        *settlement,
                                     const KassaReportInfo  *info,
                                     const char             *path,
                                     GError                **error);

G_END_DECLS
