/* kassa-history-model.h — every sale of the journal as a paged GListModel
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GListModel of KassaInvoice, newest first, over the invoices a
 * KassaJournalFilter matches. It never loads the journal: it counts the
 * matches, and reads pages of KASSA_HISTORY_MODEL_PAGE_SIZE rows on demand,
 * keeping at most KASSA_HISTORY_MODEL_MAX_PAGES of them (least recently used
 * out first). A page right after a page already read is fetched by key, any
 * other by OFFSET (see kassa-journal-query.h).
 *
 * Changes: a new filter or kassa_history_model_refresh() replaces every item
 * (items-changed (0, old, new)). With a till, a sale it journals
 * (::invoice-added) is inserted where it belongs when it matches the filter;
 * when the filter selects states, an invoice's move re-counts the model (in an
 * idle callback, once for many moves); so does the till's ::recovered. Items
 * are the journal's shared KassaInvoice objects, so their properties change
 * live without items-changed.
 */

#pragma once

#include <gio/gio.h>

#include "kassa-journal-query.h"
#include "kassa-till.h"

G_BEGIN_DECLS

#define KASSA_HISTORY_MODEL_PAGE_SIZE 200
#define KASSA_HISTORY_MODEL_MAX_PAGES 8

#define KASSA_TYPE_HISTORY_MODEL (kassa_history_model_get_type ())

G_DECLARE_FINAL_TYPE (KassaHistoryModel, kassa_history_model, KASSA, HISTORY_MODEL, GObject)

/* Properties: "journal" (construct-only), "till" (construct-only, may be
 * NULL), "filter" (KassaJournalFilter, boxed), "n-items" (read-only). */

/* References @journal and @till (may be NULL: no live updates). Shows every
 * invoice until a filter is set. */
KassaHistoryModel        *kassa_history_model_new             (KassaJournal             *journal,
                                                               KassaTill                *till);
KassaJournal             *kassa_history_model_get_journal     (KassaHistoryModel        *self);
/* Never NULL (an empty filter matches everything). */
const KassaJournalFilter *kassa_history_model_get_filter      (KassaHistoryModel        *self);
/* Copies @filter (NULL: everything). An equal filter changes nothing. */
void                      kassa_history_model_set_filter      (KassaHistoryModel        *self,
                                                               const KassaJournalFilter *filter);
/* Re-counts and drops every page (items-changed over everything). */
void                      kassa_history_model_refresh         (KassaHistoryModel        *self);
/* The last query error (NULL once a query succeeds again). A failed count is
 * an empty model; a failed page read leaves g_list_model_get_item() NULL. */
const GError             *kassa_history_model_get_error       (KassaHistoryModel        *self);
/* How many pages are held now (at most KASSA_HISTORY_MODEL_MAX_PAGES). */
guint                     kassa_history_model_get_n_pages     (KassaHistoryModel        *self);
/* How many pages were read by OFFSET and by key since creation (for tests). */
void                      kassa_history_model_get_page_reads  (KassaHistoryModel        *self,
                                                               guint                    *out_by_offset,
                                                               guint                    *out_by_key);

G_END_DECLS
