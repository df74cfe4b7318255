/* kassa-history-window.h — every sale, searchable, with its full story
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkColumnView over KassaHistoryModel (paged queries: fast on a journal
 * of a million invoices) with a search field (invoice number or reference)
 * and filters (state, created from/to as YYYY-MM-DD in local time, amount
 * min/max). The selected sale's details: every field, every state change
 * (kassa_journal_get_history_json) and every bank exchange
 * (kassa_journal_get_exchanges_json). "Refund…" opens KassaRefundDialog for a
 * paid sale; "Reprint Receipt" prints a paid or refunded sale's receipt: on
 * the receipt printer through the print queue when "receipt-printer" is set
 * (kassa-print-settings.h), otherwise through the print dialog path. Enter in
 * the search selects the sale whose number is exactly the text (a scanned
 * receipt QR code is the invoice number), else the first one found.
 *
 * Actions (on the window): "history.refund", "history.reprint",
 * "history.search" (s: sets the search text, for D-Bus and tests).
 */

#pragma once

#include <adwaita.h>

#include "kassa-counter.h"
#include "kassa-history-model.h"
#include "kassa-print-queue.h"

G_BEGIN_DECLS

#define KASSA_TYPE_HISTORY_WINDOW (kassa_history_window_get_type ())

G_DECLARE_FINAL_TYPE (KassaHistoryWindow, kassa_history_window,
                      KASSA, HISTORY_WINDOW, AdwWindow)

/* Transient for @parent (may be NULL); not shown yet. @settings (schema
 * mn.kassa.Kassa, may be NULL) gives the shop name, printer and paper. */
GtkWindow         *kassa_history_window_new          (GtkWindow          *parent,
                                                      KassaCounter       *counter,
                                                      GSettings          *settings);
KassaHistoryModel *kassa_history_window_get_model    (KassaHistoryWindow *self);
/* The sale whose details are shown, or NULL. */
KassaInvoice      *kassa_history_window_get_selected (KassaHistoryWindow *self);
/* The filters' complaint (a bad date or amount), or NULL. */
const char        *kassa_history_window_get_message  (KassaHistoryWindow *self);

/* The receipt printer's queue reprints and refund receipts go through (may be NULL). */
void               kassa_history_window_set_print_queue (KassaHistoryWindow *self,
                                                         KassaPrintQueue    *queue);

G_END_DECLS
