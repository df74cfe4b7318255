/* kassa-journal-settlement.c — settlement batches in the journal
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/journal.md "Settlement states": a batch is begun with the terminal's
 * PAID invoices that are in no batch, settled once, and its rows turned into
 * the same cached KassaSettlement objects while they are alive.
 */

#include "config.h"

#include "kassa-journal.h"

#include <string.h>

#include <glib/gi18n.h>
#include <sqlite3.h>

#include "kassa-error.h"
#include "kassa-invoice-private.h"
#include "kassa-journal-private.h"
#include "kassa-settlement-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* ── settlements ──────────────────────────────────────────────────────── */

static KassaSettlement *
settlement_from_stmt (KassaJournal  *self,
                      sqlite3_stmt  *stmt,
                      GError       **error)
{
  const char *id = (const char *) sqlite3_column_text (stmt, 0);
  KassaSettlementRow row = { 0 };
  g_autoptr(sqlite3_stmt) list = NULL;
  g_autoptr(GPtrArray) numbers = NULL;
  KassaSettlement *cached;
  int rc;

  cached = id != NULL ? g_hash_table_lookup (self->settlements, id) : NULL;
  if (cached != NULL)
    return g_object_ref (cached);

  if (id == NULL ||
      !kassa_settlement_state_from_string ((const char *) sqlite3_column_text (stmt, 2),
                                           &row.state))
    {
      kassa_journal_set_corrupt_error (error, self->path, _("a settlement row is unreadable"));
      return NULL;
    }

  list = kassa_journal_prepare (self->db, self->path,
                                "SELECT invoice FROM settlement_invoices WHERE settlement_id = ? "
                                "ORDER BY rowid", error);
  if (list == NULL)
    return NULL;
  kassa_journal_bind_text (list, 1, id);
  numbers = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (list)) == SQLITE_ROW)
    g_ptr_array_add (numbers, kassa_journal_column_text (list, 0));
  if (rc != SQLITE_DONE)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      return NULL;
    }
  g_ptr_array_add (numbers, NULL);

  row.id = kassa_journal_column_text (stmt, 0);
  row.terminal = kassa_journal_column_text (stmt, 1);
  row.created_us = sqlite3_column_int64 (stmt, 3);
  row.settled_us = sqlite3_column_int64 (stmt, 4);
  row.local_count = sqlite3_column_int64 (stmt, 5);
  row.local_amount = sqlite3_column_int64 (stmt, 6);
  row.has_bank_reply = sqlite3_column_type (stmt, 7) != SQLITE_NULL;
  row.bank_count = sqlite3_column_int64 (stmt, 7);
  row.bank_amount = sqlite3_column_int64 (stmt, 8);
  row.bank_status = kassa_journal_column_text (stmt, 9);
  row.last_error = kassa_journal_column_text (stmt, 10);
  row.invoices = (char **) g_ptr_array_free (g_steal_pointer (&numbers), FALSE);

  return kassa_journal_cache_settlement (self, kassa_settlement_new_from_row (&row));
}

static GPtrArray *
query_settlements (KassaJournal  *self,
                   sqlite3_stmt  *stmt,
                   GError       **error)
{
  return kassa_journal_query_rows (self, stmt, (KassaJournalFromStmt) settlement_from_stmt, error);
}


KassaSettlement *
kassa_journal_begin_settlement (KassaJournal  *self,
                                const char    *terminal,
                                GError       **error)
{
  g_autoptr(sqlite3_stmt) open_stmt = NULL;
  g_autoptr(sqlite3_stmt) paid_stmt = NULL;
  g_autoptr(sqlite3_stmt) insert_stmt = NULL;
  g_autoptr(sqlite3_stmt) link_stmt = NULL;
  g_autoptr(sqlite3_stmt) assign_stmt = NULL;
  g_autoptr(GPtrArray) numbers = NULL;
  KassaSettlementRow row = { 0 };
  KassaSettlement *settlement;
  gint64 seq = 0;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kassa_journal_valid_terminal (terminal))
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_TERMINAL,
                   _("The terminal id is missing or invalid"));
      return NULL;
    }

  if (!kassa_journal_begin (self, error))
    return NULL;

  open_stmt = kassa_journal_prepare (self->db, self->path,
                                     "SELECT id FROM settlements WHERE terminal = ? AND state IN "
                                     "('SETTLING', 'SETTLE_UNKNOWN') ORDER BY created_at LIMIT "
                                     "1", error);
  if (open_stmt == NULL)
    goto fail;
  kassa_journal_bind_text (open_stmt, 1, terminal);
  rc = sqlite3_step (open_stmt);
  if (rc == SQLITE_ROW)
    {
      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_BATCH_OPEN,
                   _("Settlement %s of terminal %s is not finished yet; it must be resolved "
                     "before another batch is started"),
                   (const char *) sqlite3_column_text (open_stmt, 0), terminal);
      goto fail;
    }
  if (rc != SQLITE_DONE)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      goto fail;
    }

  if (!kassa_journal_meta_read_seq (self, "next_settlement_seq", &seq, error))
    goto fail;

  row.created_us = g_get_real_time ();
  row.id = kassa_journal_make_number ('S', row.created_us, self->journal_id, seq);
  row.terminal = g_strdup (terminal);
  row.state = KASSA_SETTLEMENT_SETTLING;
  g_assert (strlen (row.id) <= 32);

  paid_stmt = kassa_journal_prepare (self->db, self->path,
                                     "SELECT number, amount FROM invoices WHERE terminal = ? AND "
                                     "state = 'PAID' "
                                     "AND settlement_id IS NULL ORDER BY id", error);
  if (paid_stmt == NULL)
    goto fail;
  kassa_journal_bind_text (paid_stmt, 1, terminal);
  numbers = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (paid_stmt)) == SQLITE_ROW)
    {
      gint64 amount = sqlite3_column_int64 (paid_stmt, 1);

      if (amount > G_MAXINT64 - row.local_amount)
        {
          kassa_journal_set_corrupt_error (error, self->path, _("the batch sum overflows"));
          goto fail;
        }
      row.local_amount += amount;
      row.local_count++;
      g_ptr_array_add (numbers, kassa_journal_column_text (paid_stmt, 0));
    }
  if (rc != SQLITE_DONE)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      goto fail;
    }

  insert_stmt = kassa_journal_prepare (self->db, self->path,
                                       "INSERT INTO settlements (id, terminal, state, created_at, "
                                       "local_count, "
                                       "local_amount, updated_at) VALUES (?, ?, ?, ?, ?, ?, "
                                       "?)", error);
  if (insert_stmt == NULL)
    goto fail;
  kassa_journal_bind_text (insert_stmt, 1, row.id);
  kassa_journal_bind_text (insert_stmt, 2, row.terminal);
  kassa_journal_bind_text (insert_stmt, 3, kassa_settlement_state_to_string (row.state));
  sqlite3_bind_int64 (insert_stmt, 4, row.created_us);
  sqlite3_bind_int64 (insert_stmt, 5, row.local_count);
  sqlite3_bind_int64 (insert_stmt, 6, row.local_amount);
  sqlite3_bind_int64 (insert_stmt, 7, row.created_us);
  if (!kassa_journal_step_done (self->db, self->path, insert_stmt, error))
    goto fail;

  link_stmt = kassa_journal_prepare (self->db, self->path,
                                     "INSERT INTO settlement_invoices (settlement_id, invoice) "
                                     "VALUES (?, ?)",
                                     error);
  assign_stmt = kassa_journal_prepare (self->db, self->path,
                                       "UPDATE invoices SET settlement_id = ?, updated_at = ? "
                                       "WHERE number = ?",
                                       error);
  if (link_stmt == NULL || assign_stmt == NULL)
    goto fail;
  for (guint i = 0; i < numbers->len; i++)
    {
      sqlite3_reset (link_stmt);
      kassa_journal_bind_text (link_stmt, 1, row.id);
      kassa_journal_bind_text (link_stmt, 2, numbers->pdata[i]);
      sqlite3_reset (assign_stmt);
      kassa_journal_bind_text (assign_stmt, 1, row.id);
      sqlite3_bind_int64 (assign_stmt, 2, row.created_us);
      kassa_journal_bind_text (assign_stmt, 3, numbers->pdata[i]);
      if (!kassa_journal_step_done (self->db, self->path, link_stmt, error) ||
          !kassa_journal_step_done (self->db, self->path, assign_stmt, error))
        goto fail;
    }

  if (!kassa_journal_meta_write_seq (self, "next_settlement_seq", seq + 1, error) ||
      !kassa_journal_commit (self, error))
    goto fail;

  /* Committed: now the live invoices learn their batch. */
  for (guint i = 0; i < numbers->len; i++)
    {
      KassaInvoice *invoice = g_hash_table_lookup (self->invoices, numbers->pdata[i]);

      if (invoice != NULL)
        {
          KassaInvoiceRow invoice_row;

          kassa_invoice_row_copy (kassa_invoice_get_row (invoice), &invoice_row);
          kassa_journal_replace_str (&invoice_row.settlement_id, row.id);
          invoice_row.updated_us = row.created_us;
          kassa_invoice_apply_row (invoice, &invoice_row);
        }
    }

  g_ptr_array_add (numbers, NULL);
  row.invoices = (char **) g_ptr_array_free (g_steal_pointer (&numbers), FALSE);
  settlement = kassa_settlement_new_from_row (&row);
  return kassa_journal_cache_settlement (self, settlement);

fail:
  kassa_journal_rollback (self);
  kassa_settlement_row_clear (&row);
  return NULL;
}

gboolean
kassa_journal_finish_settlement (KassaJournal                   *self,
                                 KassaSettlement                *settlement,
                                 KassaSettlementState            state,
                                 const KassaBankSettlementReply *reply,
                                 const char                     *note,
                                 GError                        **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) release_stmt = NULL;
  const KassaSettlementRow *current;
  KassaSettlementRow row = { 0 };
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (settlement), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kassa_journal_check_open (self, error))
    return FALSE;
  g_return_val_if_fail (g_hash_table_lookup (self->settlements,
                                             kassa_settlement_get_id (settlement)) == settlement,
                        FALSE);

  current = kassa_settlement_get_row (settlement);
  if (current->state == KASSA_SETTLEMENT_SETTLED)
    {
      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ALREADY_SETTLED,
                   _("Settlement %s has already been settled"), current->id);
      return FALSE;
    }
  if (!kassa_settlement_state_can_move (current->state, state))
    {
      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE,
                   _("Settlement %s is %s and cannot become %s"), current->id,
                   kassa_settlement_state_to_string (current->state),
                   kassa_settlement_state_to_string (state));
      return FALSE;
    }

  kassa_settlement_row_copy (current, &row);
  row.state = state;
  if (reply != NULL)
    {
      row.has_bank_reply = TRUE;
      row.bank_count = reply->count;
      row.bank_amount = reply->amount;
      kassa_journal_replace_str (&row.bank_status, reply->status);
    }
  if (note != NULL)
    kassa_journal_replace_str (&row.last_error, note);
  if (state == KASSA_SETTLEMENT_SETTLED)
    row.settled_us = now;

  if (!kassa_journal_begin (self, error))
    goto fail;

  stmt = kassa_journal_prepare (self->db, self->path,
                                "UPDATE settlements SET state = ?, bank_count = ?, bank_amount = "
                                "?, "
                                "bank_status = ?, settled_at = ?, last_error = ?, updated_at = ? "
                                "WHERE id = ? AND state = ?", error);
  if (stmt == NULL)
    goto fail;
  kassa_journal_bind_text (stmt, 1, kassa_settlement_state_to_string (row.state));
  if (row.has_bank_reply)
    {
      sqlite3_bind_int64 (stmt, 2, row.bank_count);
      sqlite3_bind_int64 (stmt, 3, row.bank_amount);
    }
  kassa_journal_bind_text (stmt, 4, row.bank_status);
  if (row.settled_us != 0)
    sqlite3_bind_int64 (stmt, 5, row.settled_us);
  kassa_journal_bind_text (stmt, 6, row.last_error);
  sqlite3_bind_int64 (stmt, 7, now);
  kassa_journal_bind_text (stmt, 8, row.id);
  kassa_journal_bind_text (stmt, 9, kassa_settlement_state_to_string (current->state));
  if (!kassa_journal_step_done (self->db, self->path, stmt, error))
    goto fail;
  if (sqlite3_changes (self->db) != 1)
    {
      kassa_journal_set_corrupt_error (error, self->path,
                                       _("a settlement changed behind Kassa’s back"));
      goto fail;
    }

  if (state == KASSA_SETTLEMENT_FAILED)
    {
      /* The bank refused the batch: its invoices go into the next one. */
      release_stmt = kassa_journal_prepare (self->db, self->path,
                                            "UPDATE invoices SET settlement_id = NULL, updated_at "
                                            "= ? "
                                            "WHERE settlement_id = ?", error);
      if (release_stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (release_stmt, 1, now);
      kassa_journal_bind_text (release_stmt, 2, row.id);
      if (!kassa_journal_step_done (self->db, self->path, release_stmt, error))
        goto fail;
    }

  if (!kassa_journal_commit (self, error))
    goto fail;

  if (state == KASSA_SETTLEMENT_FAILED)
    {
      for (guint i = 0; row.invoices[i] != NULL; i++)
        {
          KassaInvoice *invoice = g_hash_table_lookup (self->invoices, row.invoices[i]);

          if (invoice != NULL &&
              g_strcmp0 (kassa_invoice_get_settlement_id (invoice), row.id) == 0)
            {
              KassaInvoiceRow invoice_row;

              kassa_invoice_row_copy (kassa_invoice_get_row (invoice), &invoice_row);
              g_clear_pointer (&invoice_row.settlement_id, g_free);
              invoice_row.updated_us = now;
              kassa_invoice_apply_row (invoice, &invoice_row);
            }
        }
    }

  kassa_settlement_apply_row (settlement, &row);
  return TRUE;

fail:
  kassa_journal_rollback (self);
  kassa_settlement_row_clear (&row);
  return FALSE;
}

KassaSettlement *
kassa_journal_lookup_settlement (KassaJournal  *self,
                                 const char    *id,
                                 GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  KassaSettlement *settlement;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  settlement = kassa_journal_lookup_row (self, self->settlements,
                                         "SELECT " SETTLEMENT_COLUMNS " FROM settlements "
                                         "WHERE id = ?",
                                         id, (KassaJournalFromStmt) settlement_from_stmt,
                                         &local_error);
  if (settlement != NULL)
    return settlement;
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
    g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_NOT_FOUND,
                 _("There is no settlement %s in the journal"), id != NULL ? id : "");
  return NULL;
}

GPtrArray *
kassa_journal_list_settlements (KassaJournal  *self,
                                GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kassa_journal_check_open (self, error))
    return NULL;

  stmt = kassa_journal_prepare (self->db, self->path,
                                "SELECT " SETTLEMENT_COLUMNS " FROM settlements "
                                "ORDER BY created_at, rowid",
                                error);
  if (stmt == NULL)
    return NULL;

  return query_settlements (self, stmt, error);
}

KassaSettlement *
kassa_journal_lookup_previous_settlement (KassaJournal     *self,
                                          KassaSettlement  *settlement,
                                          GError          **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  const KassaSettlementRow *row;
  g_autofree char *id = NULL;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (settlement), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kassa_journal_check_open (self, error))
    return NULL;

  row = kassa_settlement_get_row (settlement);
  stmt = kassa_journal_prepare (self->db, self->path,
                                "SELECT id FROM settlements WHERE terminal = ? AND state != "
                                "'FAILED' "
                                "AND created_at < ? AND id != ? ORDER BY created_at DESC, rowid "
                                "DESC LIMIT 1",
                                error);
  if (stmt == NULL)
    return NULL;
  kassa_journal_bind_text (stmt, 1, row->terminal);
  sqlite3_bind_int64 (stmt, 2, row->created_us);
  kassa_journal_bind_text (stmt, 3, row->id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return NULL;
  if (rc != SQLITE_ROW)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      return NULL;
    }

  id = kassa_journal_column_text (stmt, 0);
  return kassa_journal_lookup_settlement (self, id, error);
}

GPtrArray *
kassa_journal_list_open_settlements (KassaJournal  *self,
                                     GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kassa_journal_check_open (self, error))
    return NULL;

  stmt = kassa_journal_prepare (self->db, self->path,
                                "SELECT " SETTLEMENT_COLUMNS " FROM settlements "
                                "WHERE state IN ('SETTLING', 'SETTLE_UNKNOWN') ORDER BY "
                                "created_at, rowid",
                                error);
  if (stmt == NULL)
    return NULL;

  return query_settlements (self, stmt, error);
}
