/* kassa-print-queue.h — receipts, slips, test pages and drawer pulses to an ESC/POS printer, journaled
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one place the front ends (the GUI, kassa-ctl) print on a receipt
 * printer (docs/printing.md "A receipt is never lost"). Each job is written to
 * the journal (its `prints` table) before a byte goes to the printer, in state
 * PRINTING; a worker thread asks the printer's status, opens the printer
 * (kassa-printer.h), draws the document into it (kassa-escpos.h), asks the
 * status again, and the job's outcome (PRINTED, or FAILED with the reason in
 * the cashier's words) is journaled on the main context. A job left PRINTING
 * by a crash reads as FAILED ("Kassa stopped while printing") at the next
 * open: it is never printed again on its own, only by Reprint.
 *
 * Printing never blocks the till: a sale is done when the bank says paid.
 * Nothing is queued in memory only: what the journal does not hold was never
 * started.
 */

#pragma once

#include <gio/gio.h>

#include "kassa-invoice.h"
#include "kassa-journal.h"
#include "kassa-printer.h"
#include "kassa-report.h"
#include "kassa-settlement.h"

G_BEGIN_DECLS

/* KassaPrintKind and KassaPrintState: kassa-journal.h (the journal keeps them). */

#define KASSA_TYPE_PRINT_QUEUE (kassa_print_queue_get_type ())
G_DECLARE_FINAL_TYPE (KassaPrintQueue, kassa_print_queue, KASSA, PRINT_QUEUE, GObject)

/* Jobs are journaled in @journal. No printer yet: set_printer(). */
KassaPrintQueue *kassa_print_queue_new           (KassaJournal          *journal);
/* @uri: a kassa-printer.h URI, or NULL/"" for none (then every job fails
 * with KASSA_PRINTER_ERROR_INVALID_URI, "No receipt printer is set up").
 * @width_dots: kassa_escpos_check_width(). FALSE with @error for a bad URI or
 * width; the queue keeps its previous printer then. */
gboolean         kassa_print_queue_set_printer   (KassaPrintQueue       *self,
                                                  const char            *uri,
                                                  guint                  width_dots,
                                                  GError               **error);
const char      *kassa_print_queue_get_uri       (KassaPrintQueue       *self);
/* The shop's name, address and phone printed on every document (copied). */
void             kassa_print_queue_set_info      (KassaPrintQueue       *self,
                                                  const KassaReportInfo *info);

/* Each of these journals a job, runs it in a worker thread and calls back on
 * the thread-default main context of the call. _finish() returns the job's
 * outcome; *@out_status (may be NULL) is the printer's status read after the
 * job (UNKNOWN when it does not answer). */
void             kassa_print_queue_print_receipt_async (KassaPrintQueue     *self,
                                                        KassaInvoice        *invoice,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
void             kassa_print_queue_print_slip_async    (KassaPrintQueue     *self,
                                                        KassaSettlement     *settlement,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
void             kassa_print_queue_print_test_page_async (KassaPrintQueue   *self,
                                                          GCancellable      *cancellable,
                                                          GAsyncReadyCallback callback,
                                                          gpointer           user_data);
void             kassa_print_queue_open_drawer_async   (KassaPrintQueue     *self,
                                                        GCancellable        *cancellable,
                                                        GAsyncReadyCallback  callback,
                                                        gpointer             user_data);
gboolean         kassa_print_queue_job_finish          (KassaPrintQueue     *self,
                                                        GAsyncResult        *result,
                                                        KassaPrinterStatus  *out_status,
                                                        GError             **error);

/* The state of the newest receipt job of invoice @number (NONE: never
 * printed here), and its reason when FAILED (@out_error_text, may be NULL). */
KassaPrintState  kassa_print_queue_get_receipt_state   (KassaPrintQueue     *self,
                                                        const char          *number,
                                                        char               **out_error_text);

/* Signals:
 * ::job-changed (KassaPrintKind kind, const char *invoice_number_or_null,
 *                KassaPrintState state, const char *error_text_or_null)
 *   on the main context, when a job is journaled PRINTING and when it ends.
 */

G_END_DECLS
