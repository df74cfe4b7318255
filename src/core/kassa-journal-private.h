/* kassa-journal-private.h — what kassa-journal-query.c needs from KassaJournal
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not installed, not for front ends: the history queries (kassa-journal-query.c)
 * run their own SELECTs on the journal's database and turn rows into the same
 * cached KassaInvoice objects the rest of the till uses.
 */

#pragma once

#include <sqlite3.h>

#include "kassa-journal.h"

G_BEGIN_DECLS

/* The open database, or NULL (with @error set) once the journal is closed. */
sqlite3      *kassa_journal_get_db            (KassaJournal  *self,
                                               GError       **error);
/* The column list (SQL text) that kassa_journal_invoice_from_stmt() reads:
 * a SELECT must start with exactly these columns, extra ones may follow. */
const char   *kassa_journal_invoice_columns   (void);
/* The invoice of the current row (the cached object while it is alive). */
KassaInvoice *kassa_journal_invoice_from_stmt (KassaJournal  *self,
                                               sqlite3_stmt  *stmt,
                                               GError       **error);
/* Sets @error from a failed sqlite3 call on the journal's database. */
void          kassa_journal_set_sql_error     (KassaJournal  *self,
                                               int            rc,
                                               GError       **error);

G_END_DECLS
