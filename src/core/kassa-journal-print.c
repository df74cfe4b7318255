/* kassa-journal-print.c — the print log: one row per job sent to a receipt printer
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/printing.md "A receipt is never lost": a job is a row in state
 * `printing` before its first byte goes out, `printed` or `failed` (with the
 * reason) after. A row still `printing` at open is a job a crash cut short.
 */

#include "config.h"

#include "kassa-journal.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>
#include <sqlite3.h>

#include "kassa-journal-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

static const char * const kind_words[] = {
  [KASSA_PRINT_KIND_RECEIPT] = "receipt",
  [KASSA_PRINT_KIND_SLIP] = "slip",
  [KASSA_PRINT_KIND_TEST_PAGE] = "test-page",
  [KASSA_PRINT_KIND_DRAWER] = "drawer",
};

static const char * const state_words[] = {
  [KASSA_PRINT_STATE_NONE] = "none",
  [KASSA_PRINT_STATE_PRINTING] = "printing",
  [KASSA_PRINT_STATE_PRINTED] = "printed",
  [KASSA_PRINT_STATE_FAILED] = "failed",
};

/* An error text longer than this is cut (at a character): it is a sentence. */
#define MAX_ERROR_BYTES 2048

const char *
kassa_print_kind_to_string (KassaPrintKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_words), NULL);

  return kind_words[kind];
}

const char *
kassa_print_state_to_string (KassaPrintState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_words), NULL);

  return state_words[state];
}

static KassaPrintState
state_from_word (const char *word)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_words); i++)
    if (g_strcmp0 (word, state_words[i]) == 0)
      return (KassaPrintState) i;

  /* Only a file written behind Kassa's back: not printed, as far as we know. */
  return KASSA_PRINT_STATE_FAILED;
}

gint64
kassa_journal_begin_print (KassaJournal    *self,
                           KassaPrintKind   kind,
                           const char      *invoice,
                           const char      *settlement,
                           const char      *printer,
                           GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 id;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), 0);
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_words), 0);
  g_return_val_if_fail (printer != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!kassa_journal_begin (self, error))
    return 0;

  stmt = kassa_journal_prepare (self->db, self->path,
                                "INSERT INTO prints (kind, invoice, settlement, printer, state, "
                                "started_at) VALUES (?, ?, ?, ?, 'printing', ?)", error);
  if (stmt == NULL)
    goto fail;
  kassa_journal_bind_text (stmt, 1, kind_words[kind]);
  kassa_journal_bind_text (stmt, 2, invoice);
  kassa_journal_bind_text (stmt, 3, settlement);
  kassa_journal_bind_text (stmt, 4, printer);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
  if (!kassa_journal_step_done (self->db, self->path, stmt, &local_error))
    {
      /* The foreign keys: a number or batch the journal does not have. */
      if (sqlite3_extended_errcode (self->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
        g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_NOT_FOUND,
                     _("There is no invoice %s or batch %s in the journal"),
                     invoice != NULL ? invoice : "-", settlement != NULL ? settlement : "-");
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      goto fail;
    }
  id = sqlite3_last_insert_rowid (self->db);
  if (!kassa_journal_commit (self, error))
    goto fail;

  return id;

fail:
  kassa_journal_rollback (self);
  return 0;
}

gboolean
kassa_journal_finish_print (KassaJournal  *self,
                            gint64         id,
                            const char    *error_text,
                            GError       **error)
{
  g_autoptr(sqlite3_stmt) select = NULL;
  g_autoptr(sqlite3_stmt) update = NULL;
  g_autofree char *state = NULL;
  g_autofree char *text = NULL;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (error_text != NULL)
    {
      const char *end = NULL;

      text = g_strdup (error_text);
      g_utf8_validate (text, -1, &end);
      *(char *) end = '\0';
      if (strlen (text) > MAX_ERROR_BYTES)
        *g_utf8_find_prev_char (text, text + MAX_ERROR_BYTES + 1) = '\0';
      if (*text == '\0')
        {
          g_free (text);
          text = g_strdup (_("The printer did not print"));
        }
    }

  if (!kassa_journal_begin (self, error))
    return FALSE;

  select = kassa_journal_prepare (self->db, self->path,
                                  "SELECT state FROM prints WHERE id = ?", error);
  if (select == NULL)
    goto fail;
  sqlite3_bind_int64 (select, 1, id);
  rc = sqlite3_step (select);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_NOT_FOUND,
                   _("There is no print job %" PRId64 " in the journal"), id);
      goto fail;
    }
  if (rc != SQLITE_ROW)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      goto fail;
    }
  state = kassa_journal_column_text (select, 0);
  if (g_strcmp0 (state, state_words[KASSA_PRINT_STATE_PRINTING]) != 0)
    {
      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE,
                   _("The print job %" PRId64 " has already ended (%s)"), id, state);
      goto fail;
    }

  update = kassa_journal_prepare (self->db, self->path,
                                  "UPDATE prints SET state = ?, error = ?, finished_at = ? "
                                  "WHERE id = ?", error);
  if (update == NULL)
    goto fail;
  kassa_journal_bind_text (update, 1, state_words[text == NULL ? KASSA_PRINT_STATE_PRINTED
                                                               : KASSA_PRINT_STATE_FAILED]);
  kassa_journal_bind_text (update, 2, text);
  sqlite3_bind_int64 (update, 3, g_get_real_time ());
  sqlite3_bind_int64 (update, 4, id);
  if (!kassa_journal_step_done (self->db, self->path, update, error) ||
      !kassa_journal_commit (self, error))
    goto fail;

  return TRUE;

fail:
  kassa_journal_rollback (self);
  return FALSE;
}

gboolean
kassa_journal_get_receipt_print (KassaJournal     *self,
                                 const char       *number,
                                 KassaPrintState  *out_state,
                                 char            **out_error_text,
                                 GError          **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *state = NULL;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (number != NULL, FALSE);
  g_return_val_if_fail (out_state != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *out_state = KASSA_PRINT_STATE_NONE;
  if (out_error_text != NULL)
    *out_error_text = NULL;

  if (!kassa_journal_check_open (self, error))
    return FALSE;

  stmt = kassa_journal_prepare (self->db, self->path,
                                "SELECT state, error FROM prints "
                                "WHERE invoice = ? AND kind = 'receipt' "
                                "ORDER BY id DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  kassa_journal_bind_text (stmt, 1, number);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      return FALSE;
    }

  state = kassa_journal_column_text (stmt, 0);
  *out_state = state_from_word (state);
  if (out_error_text != NULL && *out_state == KASSA_PRINT_STATE_FAILED)
    *out_error_text = kassa_journal_column_text (stmt, 1);
  return TRUE;
}

GPtrArray *
kassa_journal_list_failed_receipts (KassaJournal  *self,
                                    GDateTime     *since,
                                    GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) numbers = NULL;
  gint64 since_us = G_MININT64;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kassa_journal_check_open (self, error))
    return NULL;

  if (since != NULL)
    since_us = g_date_time_to_unix (since) * G_USEC_PER_SEC +
               g_date_time_get_microsecond (since);

  /* The newest receipt job of each invoice, where that one failed. */
  stmt = kassa_journal_prepare (self->db, self->path,
                                "SELECT p.invoice FROM prints p "
                                "WHERE p.kind = 'receipt' AND p.state = 'failed' "
                                "  AND p.started_at >= ? "
                                "  AND p.id = (SELECT max(q.id) FROM prints q "
                                "              WHERE q.invoice = p.invoice "
                                "                AND q.kind = 'receipt') "
                                "ORDER BY p.id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, since_us);

  numbers = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (numbers, kassa_journal_column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      return NULL;
    }

  return g_steal_pointer (&numbers);
}

gboolean
kassa_journal_fail_stale_prints (KassaJournal  *self,
                                 GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 stale = 0;

  /* A read first: a session that finds nothing to mend writes nothing. */
  if (!kassa_journal_pragma_int (self->db, self->path,
                                 "SELECT EXISTS (SELECT 1 FROM prints WHERE state = 'printing')",
                                 &stale, error))
    return FALSE;
  if (!stale)
    return TRUE;

  if (!kassa_journal_begin (self, error))
    return FALSE;
  stmt = kassa_journal_prepare (self->db, self->path,
                                "UPDATE prints SET state = 'failed', error = ?, finished_at = ? "
                                "WHERE state = 'printing'", error);
  if (stmt == NULL)
    goto fail;
  kassa_journal_bind_text (stmt, 1, _("Kassa stopped while printing"));
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  if (!kassa_journal_step_done (self->db, self->path, stmt, error) ||
      !kassa_journal_commit (self, error))
    goto fail;

  return TRUE;

fail:
  kassa_journal_rollback (self);
  return FALSE;
}
