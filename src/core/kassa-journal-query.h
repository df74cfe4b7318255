/* kassa-journal-query.h — filtered, paged queries over the journal's invoices
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The history (KassaHistoryModel, `kassa-ctl history`) never loads the whole
 * journal: it counts the invoices a filter matches and reads them a page at a
 * time, newest first (created time, then insertion order). The queries use
 * the journal's indexes on created_at and state (schema v2); see
 * docs/manager.md for the plans and timings on a million invoices.
 */

#pragma once

#include <gio/gio.h>

#include "kassa-journal.h"

G_BEGIN_DECLS

/* Which invoices the history shows. Every criterion is optional:
 *   from, to     created in [from, to) (NULL: unbounded)
 *   states       a bit mask of (1 << KassaInvoiceState); 0: every state
 *   amount_min,  in tögrög, inclusive; 0: unbounded
 *   amount_max
 *   text         a case-insensitive substring of the invoice number or the
 *                reference (NULL or "": any); LIKE wildcards are literal
 */
typedef struct
{
  GDateTime *from;
  GDateTime *to;
  guint32    states;
  gint64     amount_min;
  gint64     amount_max;
  char      *text;
} KassaJournalFilter;

#define KASSA_JOURNAL_FILTER_STATE(state) (1u << (state))

#define KASSA_TYPE_JOURNAL_FILTER (kassa_journal_filter_get_type ())
GType               kassa_journal_filter_get_type (void) G_GNUC_CONST;

/* An empty filter (matches everything). */
KassaJournalFilter *kassa_journal_filter_new      (void);
KassaJournalFilter *kassa_journal_filter_copy     (const KassaJournalFilter *filter);
void                kassa_journal_filter_free     (KassaJournalFilter       *filter);
gboolean            kassa_journal_filter_equal    (const KassaJournalFilter *a,
                                                   const KassaJournalFilter *b);
/* Whether @invoice passes @filter (NULL: everything), as the SQL would say. */
gboolean            kassa_journal_filter_matches  (const KassaJournalFilter *filter,
                                                   KassaInvoice             *invoice);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaJournalFilter, kassa_journal_filter_free)

/* Where a page ended: the sort key of its last row. A page that starts right
 * after a known cursor is read by key (an index seek), not by OFFSET. */
typedef struct
{
  gint64 created_us;
  gint64 rowid;
} KassaJournalCursor;

/* How many invoices @filter (NULL: all) matches. */
gboolean   kassa_journal_count_invoices    (KassaJournal              *self,
                                            const KassaJournalFilter  *filter,
                                            guint                     *out_count,
                                            GError                   **error);
/* Up to @limit invoices matching @filter, newest first, starting at position
 * @offset — or, when @after is given, at the first row after it (then @offset
 * is ignored). @out_last (may be NULL) receives the last row's cursor (left
 * alone when the page is empty). Returns a new array of KassaInvoice. */
GPtrArray *kassa_journal_query_invoices    (KassaJournal              *self,
                                            const KassaJournalFilter  *filter,
                                            const KassaJournalCursor  *after,
                                            guint                      offset,
                                            guint                      limit,
                                            KassaJournalCursor        *out_last,
                                            GError                   **error);
/* The position of @invoice among the invoices @filter matches (newest first);
 * FALSE without an error when it does not match (or is not in the journal). */
gboolean   kassa_journal_invoice_position  (KassaJournal              *self,
                                            const KassaJournalFilter  *filter,
                                            KassaInvoice              *invoice,
                                            guint                     *out_position,
                                            GError                   **error);
/* Every bank exchange of @invoice as a JSON array text, oldest first:
 * [{"at", "endpoint", "http_status", "request", "reply", "error", "count",
 * "first_at"}] (the journal never holds a secret, so neither does this). A
 * row stands for "count" exchanges with the same outcome, made from
 * "first_at" to "at" (docs/journal.md "Trimming"); "count" is 1 for most. */
char      *kassa_journal_get_exchanges_json (KassaJournal             *self,
                                             KassaInvoice             *invoice,
                                             GError                  **error);

G_END_DECLS
