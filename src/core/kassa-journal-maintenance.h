/* kassa-journal-maintenance.h — keeping a journal small and whole for years
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The trimming of the routine exchanges a v4 journal still holds (done a
 * chunk at a time, never at open), the integrity check on demand, and the
 * figures of `kassa-ctl journal stats`. docs/journal.md "Trimming" and
 * "Checking".
 */

#pragma once

#include "kassa-journal.h"

G_BEGIN_DECLS

/* The invoices the till trims per step (bench/ measures one step). */
#define KASSA_JOURNAL_TRIM_CHUNK 50

/* Trims the exchanges of up to @max_invoices invoices migrated from a v4
 * journal: each run of identical consecutive check answers of an invoice
 * becomes one row counting them. *@out_done is TRUE once nothing is left
 * (also when there never was anything). One transaction per call. */
gboolean kassa_journal_trim_step (KassaJournal  *self,
                                  guint          max_invoices,
                                  gboolean      *out_done,
                                  GError       **error);

/* The integrity check of the open journal: PRAGMA integrity_check (@full)
 * or quick_check. Returns the problems SQLite found (an empty array: none),
 * at most @max_problems of them; NULL with @error when the check could not
 * run. */
GPtrArray *kassa_journal_check_integrity (KassaJournal  *self,
                                          gboolean       full,
                                          guint          max_problems,
                                          GError       **error);

typedef struct
{
  gint64  invoices;
  gint64  per_state[KASSA_INVOICE_REFUNDED + 1]; /* invoices by KassaInvoiceState */
  gint64  settlements;
  gint64  exchange_rows;      /* rows of the exchange log */
  gint64  exchanges;          /* exchanges they stand for (routine ones counted) */
  gint64  transitions;
  gint64  audit_rows;
  gint64  page_size;
  gint64  page_count;
  gint64  freelist_count;
  gint64  file_bytes;         /* the journal file on disk */
  gint64  wal_bytes;          /* its write-ahead log, 0 when there is none */
  gint64  oldest_us;          /* the oldest and newest invoice's creation, 0 if none */
  gint64  newest_us;
  gint64  trim_pending_below; /* invoices with a smaller id still to trim; 0 when done */
} KassaJournalStats;

/* The figures of the journal: counts, size on disk, pages. */
gboolean kassa_journal_get_stats (KassaJournal       *self,
                                  KassaJournalStats  *out_stats,
                                  GError            **error);

G_END_DECLS
