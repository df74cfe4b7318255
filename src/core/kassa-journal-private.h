/* kassa-journal-private.h — what the parts of KassaJournal share
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not installed, not for front ends. KassaJournal is six files:
 * kassa-journal.c (opening, the file's identity, invoices, meta),
 * kassa-journal-schema.c (the schema, its versions and migrations),
 * kassa-journal-settlement.c (settlement batches), kassa-journal-audit.c
 * (the hash-chained audit log), kassa-journal-print.c (the print log) and
 * kassa-journal-query.c (the history's paged SELECTs). They share the
 * struct and the small SQL helpers below.
 */

#pragma once

#include <sys/types.h>

#include <sqlite3.h>

#include "kassa-journal.h"

G_BEGIN_DECLS

/* PRAGMA application_id of every Kassa journal: "KASA" in ASCII. */
#define KASSA_JOURNAL_APPLICATION_ID 0x4b415341

struct _KassaJournal
{
  GObject     parent_instance;

  char       *path;
  sqlite3    *db;
  char       *journal_id;

  /* PATH.lock, flock()ed while open: the lock holds for the path, whatever
   * happens to the journal file itself (renamed, deleted, replaced). */
  int         lock_fd;
  /* The journal file this connection uses, to notice before a write that
   * it is no longer at its path. */
  dev_t       dev;
  ino_t       ino;
  char       *open_notice;  /* what the person must be told about the opening */
  gboolean    checked_at_open; /* the full quick_check ran (unclean shutdown) */
  gboolean    clean_marker_left; /* the open could not clear it (disk full): before a write */

  /* Weak caches: number → KassaInvoice, id → KassaSettlement. The keys are
   * the objects' own strings; a weak reference removes the entry. */
  GHashTable *invoices;
  GHashTable *settlements;
};

/* The meta key a clean close writes and each open deletes
 * (docs/journal.md "Checking"). */
#define KASSA_JOURNAL_CLEAN_CLOSE_KEY "clean_close"

/* The meta key of the trimming of a v4 journal's exchanges still to do. */
#define KASSA_JOURNAL_TRIM_KEY "trim_exchanges_below"

#define INVOICE_COLUMNS \
  "number, terminal, amount, method, phone, reference, created_at, state, payload, " \
  "approval_code, card_number, resp_code, resp_desc, paid_after_cancel, settlement_id, " \
  "last_error, updated_at"

#define SETTLEMENT_COLUMNS \
  "id, terminal, state, created_at, settled_at, local_count, local_amount, bank_count, " \
  "bank_amount, bank_status, last_error"

/* ---- kassa-journal.c: errors, SQL and meta helpers, the caches ---- */

void kassa_journal_set_corrupt_error (GError     **error,
                                      const char  *path,
                                      const char  *detail);
/* Sets @error from a failed SQLite call on @db. */
void kassa_journal_set_db_error (GError     **error,
                                 sqlite3     *db,
                                 const char  *path,
                                 int          rc);
gboolean kassa_journal_check_open (KassaJournal  *self,
                                   GError       **error);
gboolean kassa_journal_exec_sql (sqlite3     *db,
                                 const char  *path,
                                 const char  *sql,
                                 GError     **error);
sqlite3_stmt *kassa_journal_prepare (sqlite3     *db,
                                     const char  *path,
                                     const char  *sql,
                                     GError     **error);
/* Runs a statement that returns no row. */
gboolean kassa_journal_step_done (sqlite3       *db,
                                  const char    *path,
                                  sqlite3_stmt  *stmt,
                                  GError       **error);
void kassa_journal_bind_text (sqlite3_stmt *stmt,
                              int           index,
                              const char   *text);
char *kassa_journal_column_text (sqlite3_stmt *stmt,
                                 int           index);
/* Every write transaction starts here: first, is the file still at its path? */
gboolean kassa_journal_begin (KassaJournal  *self,
                              GError       **error);
gboolean kassa_journal_commit (KassaJournal  *self,
                               GError       **error);
void kassa_journal_rollback (KassaJournal *self);
void kassa_journal_replace_str (char       **field,
                                const char  *value);
/* "K250612-3fa9c1-0001": prefix, UTC date, journal id, sequence. */
char *kassa_journal_make_number (char        prefix,
                                 gint64      now_us,
                                 const char *journal_id,
                                 gint64      seq);
gboolean kassa_journal_meta_read (sqlite3     *db,
                                  const char  *path,
                                  const char  *key,
                                  char       **out_value,
                                  GError     **error);
gboolean kassa_journal_meta_write (sqlite3     *db,
                                   const char  *path,
                                   const char  *key,
                                   const char  *value,
                                   GError     **error);
/* Reads a sequence counter of meta, inside a transaction. */
gboolean kassa_journal_meta_read_seq (KassaJournal  *self,
                                      const char    *key,
                                      gint64        *out_seq,
                                      GError       **error);
gboolean kassa_journal_meta_write_seq (KassaJournal  *self,
                                       const char    *key,
                                       gint64         seq,
                                       GError       **error);
KassaSettlement *kassa_journal_cache_settlement (KassaJournal    *self,
                                                 KassaSettlement *settlement);
gboolean kassa_journal_valid_terminal (const char *terminal);

/* The object of a row turned into its KassaInvoice or KassaSettlement. */
typedef gpointer (*KassaJournalFromStmt) (KassaJournal  *self,
                                          sqlite3_stmt  *stmt,
                                          GError       **error);
/* The objects of the rows @stmt selects, in order. */
GPtrArray *kassa_journal_query_rows (KassaJournal          *self,
                                     sqlite3_stmt          *stmt,
                                     KassaJournalFromStmt   from_stmt,
                                     GError               **error);
/* The object whose key (invoice number, settlement id) is @key: the cached
 * one in @cache while it is alive, else @from_stmt of the row @sql (one
 * parameter, the key) selects. NULL without @error set: no such row. */
gpointer kassa_journal_lookup_row (KassaJournal          *self,
                                   GHashTable            *cache,
                                   const char            *sql,
                                   const char            *key,
                                   KassaJournalFromStmt   from_stmt,
                                   GError               **error);

/* ---- kassa-journal-schema.c ---- */

gboolean kassa_journal_pragma_int (sqlite3     *db,
                                   const char  *path,
                                   const char  *sql,
                                   gint64      *out_value,
                                   GError     **error);
gboolean kassa_journal_is_journal_id (const char *text);
/* Inside the opening transaction: decides what the file is without writing.
 * Sets *@out_version to 0 for a new (empty) database. */
gboolean kassa_journal_inspect (sqlite3     *db,
                                const char  *path,
                                gint64      *out_version,
                                gboolean    *out_checked,
                                GError     **error);
/* Brings the schema from @version to KASSA_JOURNAL_SCHEMA_VERSION in one
 * transaction. A new journal also gets its id and counters. */
gboolean kassa_journal_migrate (sqlite3     *db,
                                const char  *path,
                                gint64       version,
                                GError     **error);

/* ---- kassa-journal-print.c ---- */

/* At open: jobs left PRINTING by a session that ended mid-job become FAILED.
 * Writes only when there is one. */
gboolean kassa_journal_fail_stale_prints (KassaJournal  *self,
                                          GError       **error);

/* ---- kassa-journal.c: for kassa-journal-query.c ---- */

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
