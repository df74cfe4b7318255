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
 * paid sale; "Reprint Receipt" prints a paid or refunded sale's receipt.
 *
 * Actions (on the window): "history.refund", "history.reprint",
 * "history.search" (s: sets the search text, for D-Bus and tests).
 */

#pragma once

#include <adwaita.h>

#include "kassa-counter.h"
#include "kassa-history-model.h"

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

G_END_DECLS
