/* kassa-journal-maintenance.c — trimming, checking and measuring a journal
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/journal.md "Trimming" and "Checking". The live till never stores a
 * routine check twice (kassa_journal_record_routine_exchange); what a v4
 * journal already holds is trimmed here, a chunk of invoices per
 * transaction, while the till runs: an upgrade never makes the first start
 * slow.
 */

#include "config.h"

#include "kassa-journal-maintenance.h"

#include <errno.h>
#include <stdlib.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "kassa-journal-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* The runs of identical consecutive check answers of the invoices with an
 * id in [?1, ?2): a v4 till stored one row per poll. An answer is routine
 * when it is a 200 or the bank's 400 refusal (how the default profile says
 * "not paid yet"); transport failures, timeouts, 5xx and unreadable replies
 * are never counted together. Each run keeps its first row, which counts
 * the others. */
static const char runs_sql[] =
  "WITH x AS ("
  "  SELECT e.id, e.invoice, e.at, coalesce(e.first_at, e.at) AS first_at, e.repeats,"
  "    CASE WHEN e.endpoint = 'check' AND (e.error_domain IS NULL OR e.http_status = 400)"
  "          AND lag(e.endpoint) OVER w = 'check'"
  "          AND lag(e.http_status) OVER w IS e.http_status"
  "          AND lag(e.reply_body) OVER w IS e.reply_body"
  "          AND lag(e.error_domain) OVER w IS e.error_domain"
  "          AND lag(e.error_code) OVER w IS e.error_code"
  "          AND lag(e.error_message) OVER w IS e.error_message"
  "         THEN 0 ELSE 1 END AS starts"
  "  FROM invoices i JOIN exchanges e ON e.invoice = i.number"
  "  WHERE i.id >= ?1 AND i.id < ?2"
  "  WINDOW w AS (PARTITION BY e.invoice ORDER BY e.id)"
  "), r AS ("
  "  SELECT *, sum(starts) OVER (PARTITION BY invoice ORDER BY id) AS run FROM x"
  ")"
  "SELECT invoice, min(id), max(id), sum(repeats), min(first_at), max(at)"
  "  FROM r GROUP BY invoice, run HAVING count(*) > 1";

gboolean
kassa_journal_trim_step (KassaJournal  *self,
                         guint          max_invoices,
                         gboolean      *out_done,
                         GError       **error)
{
  g_autoptr(sqlite3_stmt) runs = NULL;
  g_autoptr(sqlite3_stmt) keep = NULL;
  g_autoptr(sqlite3_stmt) drop = NULL;
  g_autofree char *below_text = NULL;
  g_autofree char *next = NULL;
  gint64 below, from;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (max_invoices > 0, FALSE);
  g_return_val_if_fail (out_done != NULL, FALSE);

  *out_done = FALSE;
  if (!kassa_journal_check_open (self, error) ||
      !kassa_journal_meta_read (self->db, self->path, KASSA_JOURNAL_TRIM_KEY, &below_text, error))
    return FALSE;
  if (below_text == NULL)
    {
      *out_done = TRUE;
      return TRUE;
    }

  below = g_ascii_strtoll (below_text, NULL, 10);
  from = MAX (below - (gint64) max_invoices, 0);

  if (!kassa_journal_begin (self, error))
    return FALSE;

  if ((runs = kassa_journal_prepare (self->db, self->path, runs_sql, error)) == NULL ||
      (keep = kassa_journal_prepare (self->db, self->path,
                                     "UPDATE exchanges SET routine = 1, repeats = ?, "
                                     "first_at = ?, at = ? WHERE id = ?", error)) == NULL ||
      (drop = kassa_journal_prepare (self->db, self->path,
                                     "DELETE FROM exchanges WHERE invoice = ? AND id > ? "
                                     "AND id <= ?", error)) == NULL)
    goto fail;

  sqlite3_bind_int64 (runs, 1, from);
  sqlite3_bind_int64 (runs, 2, below);
  while ((rc = sqlite3_step (runs)) == SQLITE_ROW)
    {
      const char *invoice = (const char *) sqlite3_column_text (runs, 0);

      sqlite3_bind_int64 (keep, 1, sqlite3_column_int64 (runs, 3));
      sqlite3_bind_int64 (keep, 2, sqlite3_column_int64 (runs, 4));
      sqlite3_bind_int64 (keep, 3, sqlite3_column_int64 (runs, 5));
      sqlite3_bind_int64 (keep, 4, sqlite3_column_int64 (runs, 1));
      if (!kassa_journal_step_done (self->db, self->path, keep, error))
        goto fail;
      sqlite3_reset (keep);

      kassa_journal_bind_text (drop, 1, invoice);
      sqlite3_bind_int64 (drop, 2, sqlite3_column_int64 (runs, 1));
      sqlite3_bind_int64 (drop, 3, sqlite3_column_int64 (runs, 2));
      if (!kassa_journal_step_done (self->db, self->path, drop, error))
        goto fail;
      sqlite3_reset (drop);
    }
  if (rc != SQLITE_DONE)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      goto fail;
    }

  if (from <= 0)
    {
      if (!kassa_journal_exec_sql (self->db, self->path,
                                   "DELETE FROM meta WHERE key = '" KASSA_JOURNAL_TRIM_KEY "'",
                                   error))
        goto fail;
    }
  else
    {
      next = g_strdup_printf ("%" G_GINT64_FORMAT, from);
      if (!kassa_journal_meta_write (self->db, self->path, KASSA_JOURNAL_TRIM_KEY, next, error))
        goto fail;
    }

  if (!kassa_journal_commit (self, error))
    goto fail;

  *out_done = from <= 0;
  return TRUE;

fail:
  kassa_journal_rollback (self);
  return FALSE;
}

GPtrArray *
kassa_journal_check_integrity (KassaJournal  *self,
                               gboolean       full,
                               guint          max_problems,
                               GError       **error)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *sql = NULL;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (max_problems > 0, NULL);

  if (!kassa_journal_check_open (self, error))
    return NULL;

  sql = g_strdup_printf ("PRAGMA %s(%u)", full ? "integrity_check" : "quick_check",
                         max_problems);
  stmt = kassa_journal_prepare (self->db, self->path, sql, error);
  if (stmt == NULL)
    return NULL;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *line = (const char *) sqlite3_column_text (stmt, 0);

      if (g_strcmp0 (line, "ok") != 0)
        g_ptr_array_add (problems, g_strdup (line != NULL ? line : "?"));
    }

  if (rc != SQLITE_DONE)
    {
      /* A page SQLite cannot even read is a problem found, not a failure. */
      if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
        {
          g_ptr_array_add (problems, g_strdup (sqlite3_errmsg (self->db)));
          return g_steal_pointer (&problems);
        }
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      return NULL;
    }

  return g_steal_pointer (&problems);
}

static gboolean
count (KassaJournal  *self,
       const char    *sql,
       gint64        *out_value,
       GError       **error)
{
  return kassa_journal_pragma_int (self->db, self->path, sql, out_value, error);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

gboolean
kassa_journal_get_stats (KassaJournal       *self,
                         KassaJournalStats  *out_stats,
                         GError            **error)
{
  g_autoptr(sqlite3_stmt) exchanges = NULL;
  g_autoptr(sqlite3_stmt) states = NULL;
  g_autoptr(sqlite3_stmt) span = NULL;
  g_autofree char *wal = NULL;
  g_autofree char *trim = NULL;
  KassaJournalStats stats = { 0 };
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (out_stats != NULL, FALSE);

  if (!kassa_journal_check_open (self, error))
    return FALSE;

  /* What each figure costs (docs/kassa-ctl.md, "journal stats"): count(*)
   * of a table reads its smallest index, page by page; the invoices per
   * state walk invoices_state once, and their sum is the invoice count; the
   * oldest and newest are two seeks in invoices_created. The exchanges the
   * rows stand for (the sum of their repeats) are the one figure SQLite can
   * only get by reading every row of the log: that scan counts the rows too. */
  if (!count (self, "SELECT count(*) FROM settlements", &stats.settlements, error) ||
      !count (self, "SELECT count(*) FROM transitions", &stats.transitions, error) ||
      !count (self, "SELECT count(*) FROM audit", &stats.audit_rows, error) ||
      !count (self, "PRAGMA page_size", &stats.page_size, error) ||
      !count (self, "PRAGMA page_count", &stats.page_count, error) ||
      !count (self, "PRAGMA freelist_count", &stats.freelist_count, error))
    return FALSE;

  exchanges = kassa_journal_prepare (self->db, self->path,
                                     "SELECT count(*), coalesce(sum(repeats), 0) FROM exchanges",
                                     error);
  if (exchanges == NULL)
    return FALSE;
  rc = sqlite3_step (exchanges);
  if (rc != SQLITE_ROW)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      return FALSE;
    }
  stats.exchange_rows = sqlite3_column_int64 (exchanges, 0);
  stats.exchanges = sqlite3_column_int64 (exchanges, 1);

  states = kassa_journal_prepare (self->db, self->path,
                                  "SELECT state, count(*) FROM invoices GROUP BY state", error);
  if (states == NULL)
    return FALSE;
  while ((rc = sqlite3_step (states)) == SQLITE_ROW)
    {
      KassaInvoiceState state;
      gint64 n = sqlite3_column_int64 (states, 1);

      stats.invoices += n;
      if (kassa_invoice_state_from_string ((const char *) sqlite3_column_text (states, 0),
                                           &state) &&
          (guint) state < G_N_ELEMENTS (stats.per_state))
        stats.per_state[state] = n;
    }
  if (rc != SQLITE_DONE)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      return FALSE;
    }

  span = kassa_journal_prepare (self->db, self->path,
                                "SELECT (SELECT min(created_at) FROM invoices), "
                                "(SELECT max(created_at) FROM invoices)", error);
  if (span == NULL)
    return FALSE;
  rc = sqlite3_step (span);
  if (rc != SQLITE_ROW)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      return FALSE;
    }
  stats.oldest_us = sqlite3_column_int64 (span, 0);
  stats.newest_us = sqlite3_column_int64 (span, 1);

  if (!kassa_journal_meta_read (self->db, self->path, KASSA_JOURNAL_TRIM_KEY, &trim, error))
    return FALSE;
  if (trim != NULL)
    stats.trim_pending_below = g_ascii_strtoll (trim, NULL, 10);

  wal = g_strconcat (self->path, "-wal", NULL);
  stats.file_bytes = file_size (self->path);
  stats.wal_bytes = file_size (wal);

  *out_stats = stats;
  return TRUE;
}
