/* kassa-close-day-dialog.h — end of day: settle the batch and show the report
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Close the day": if the journal holds unresolved payments it says so first
 * and offers "Resolve now" (kassa_till_recover_async(), which asks the bank
 * about each). Then the manager PIN and "Close the Day" settle through
 * KassaTill (kassa_till_settle_async(): the till authorises the PIN, journals
 * the batch and sends it). The report follows on screen: batch id, terminal,
 * time, local count and sum against the bank's, the difference highlighted,
 * and the day's invoices (paid, refunded, cancelled, failed …) with those of
 * the batch marked. Print (GtkPrintOperation, kassa-print.h) and Export as
 * PDF or CSV (src/report) from there.
 *
 * Actions (on the dialog): "closeday.resolve", "closeday.settle",
 * "closeday.print", "closeday.export-pdf" (s), "closeday.export-csv" (s):
 * the export actions take a file path; "" asks with a file chooser.
 * Properties (read-only, notify): "settlement" (KassaSettlement, once the
 * bank answered or the batch was journaled), "message" (the sentence shown,
 * or NULL), "n-unresolved" (guint).
 */

#pragma once

#include <adwaita.h>

#include "kassa-counter.h"

G_BEGIN_DECLS

#define KASSA_TYPE_CLOSE_DAY_DIALOG (kassa_close_day_dialog_get_type ())

G_DECLARE_FINAL_TYPE (KassaCloseDayDialog, kassa_close_day_dialog,
                      KASSA, CLOSE_DAY_DIALOG, AdwWindow)

/* Modal and transient for @parent (may be NULL); not shown yet. @settings
 * (schema mn.kassa.Kassa, may be NULL) gives the shop name and printer. */
GtkWindow       *kassa_close_day_dialog_new              (GtkWindow           *parent,
                                                          KassaCounter        *counter,
                                                          GSettings           *settings);
KassaSettlement *kassa_close_day_dialog_get_settlement   (KassaCloseDayDialog *self);
const char      *kassa_close_day_dialog_get_message      (KassaCloseDayDialog *self);
guint            kassa_close_day_dialog_get_n_unresolved (KassaCloseDayDialog *self);

G_END_DECLS
