/* kassa-journal-audit.c — the hash-chained audit log of manager actions
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/journal.md "audit": each row's hash covers the previous row's hash,
 * and the head of the chain is kept in meta, so an edited or removed row
 * breaks verification.
 */

#include "config.h"

#include "kassa-journal.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>
#include <sqlite3.h>

#include "kassa-journal-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* ── the audit log ────────────────────────────────────────────────────── */

#define AUDIT_HEAD_KEY "audit_head"
#define AUDIT_ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

void
kassa_audit_entry_free (KassaAuditEntry *entry)
{
  if (entry == NULL)
    return;

  g_free (entry->action);
  g_free (entry->reason);
  g_free (entry->subject);
  g_free (entry->result);
  g_free (entry->prev_hash);
  g_free (entry->hash);
  g_free (entry);
}

static void
checksum_netstring (GChecksum  *checksum,
                    const char *text)
{
  char length[32];
  gsize len = text != NULL ? strlen (text) : 0;

  g_snprintf (length, sizeof length, "%" G_GSIZE_FORMAT ":", len);
  g_checksum_update (checksum, (const guchar *) length, -1);
  if (len > 0)
    g_checksum_update (checksum, (const guchar *) text, len);
  g_checksum_update (checksum, (const guchar *) ",", 1);
}

char *
kassa_audit_entry_compute_hash (const KassaAuditEntry *entry)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  char number[32];

  g_return_val_if_fail (entry != NULL, NULL);

  g_checksum_update (checksum, (const guchar *) "kassa-audit-v1\n", -1);
  g_checksum_update (checksum, (const guchar *) (entry->prev_hash != NULL ? entry->prev_hash : ""),
                     -1);
  g_checksum_update (checksum, (const guchar *) "\n", 1);
  g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, entry->id);
  checksum_netstring (checksum, number);
  g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, entry->time_us);
  checksum_netstring (checksum, number);
  checksum_netstring (checksum, entry->action);
  checksum_netstring (checksum, entry->reason);
  checksum_netstring (checksum, entry->subject);
  checksum_netstring (checksum, entry->result);

  return g_strdup (g_checksum_get_string (checksum));
}

/* "ID HASH" in meta: the last row appended. A row removed from the end would
 * otherwise leave a chain that still verifies. */
static gboolean
audit_read_head (KassaJournal  *self,
                 gint64        *out_id,
                 char         **out_hash,
                 GError       **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) parts = NULL;
  guint64 id = 0;

  *out_id = 0;
  *out_hash = NULL;
  if (!kassa_journal_meta_read (self->db, self->path, AUDIT_HEAD_KEY, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;

  parts = g_strsplit (text, " ", 3);
  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXINT64 - 1, &id, NULL) ||
      strlen (parts[1]) != 64)
    {
      kassa_journal_set_corrupt_error (error, self->path, _("bad audit head"));
      return FALSE;
    }

  *out_id = (gint64) id;
  *out_hash = g_strdup (parts[1]);
  return TRUE;
}

static gboolean
audit_max_id (KassaJournal  *self,
              gint64        *out_id,
              GError       **error)
{
  return kassa_journal_pragma_int (self->db, self->path,
                                   "SELECT coalesce(max(id), 0) FROM audit", out_id,
                                   error);
}

static gboolean
valid_audit_word (const char *text,
                  gsize       max_len)
{
  return text != NULL && *text != '\0' && strlen (text) <= max_len &&
         g_utf8_validate (text, -1, NULL);
}

gint64
kassa_journal_append_audit (KassaJournal  *self,
                            gint64         time_us,
                            const char    *action,
                            const char    *reason,
                            const char    *subject,
                            const char    *result,
                            GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *head_hash = NULL;
  g_autofree char *head = NULL;
  KassaAuditEntry entry = { 0 };
  gint64 head_id = 0;
  gint64 max_id = 0;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!valid_audit_word (action, 64) || !valid_audit_word (result, 1024) ||
      (reason != NULL && (strlen (reason) > 1024 || !g_utf8_validate (reason, -1, NULL))) ||
      (subject != NULL && (strlen (subject) > 128 || !g_utf8_validate (subject, -1, NULL))))
    {
      g_set_error_literal (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO,
                           _("An audit entry needs an action and a result, and its texts "
                             "must be short UTF-8 text"));
      return 0;
    }

  if (!kassa_journal_begin (self, error))
    return 0;

  /* Chain to the recorded head, not merely to the last row: a removed last row
   * then still shows as a break. */
  if (!audit_read_head (self, &head_id, &head_hash, error) ||
      !audit_max_id (self, &max_id, error))
    goto fail;

  entry.id = MAX (head_id, max_id) + 1;
  entry.time_us = time_us;
  entry.action = (char *) action;
  entry.reason = (char *) (reason != NULL ? reason : "");
  entry.subject = (char *) (subject != NULL ? subject : "");
  entry.result = (char *) result;
  entry.prev_hash = head_hash != NULL ? head_hash : (char *) AUDIT_ZERO_HASH;
  entry.hash = kassa_audit_entry_compute_hash (&entry);

  stmt = kassa_journal_prepare (self->db, self->path,
                                "INSERT INTO audit (id, time, action, reason, subject, result, "
                                "prev_hash, hash) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, entry.id);
  sqlite3_bind_int64 (stmt, 2, entry.time_us);
  kassa_journal_bind_text (stmt, 3, entry.action);
  kassa_journal_bind_text (stmt, 4, entry.reason);
  kassa_journal_bind_text (stmt, 5, entry.subject);
  kassa_journal_bind_text (stmt, 6, entry.result);
  kassa_journal_bind_text (stmt, 7, entry.prev_hash);
  kassa_journal_bind_text (stmt, 8, entry.hash);

  head = g_strdup_printf ("%" G_GINT64_FORMAT " %s", entry.id, entry.hash);
  if (!kassa_journal_step_done (self->db, self->path, stmt, error) ||
      !kassa_journal_meta_write (self->db, self->path, AUDIT_HEAD_KEY, head, error) ||
      !kassa_journal_commit (self, error))
    goto fail;

  g_free (entry.hash);
  return entry.id;

fail:
  g_free (entry.hash);
  kassa_journal_rollback (self);
  return 0;
}

GPtrArray *
kassa_journal_list_audit (KassaJournal  *self,
                          GError       **error)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kassa_journal_check_open (self, error))
    return NULL;

  stmt = kassa_journal_prepare (self->db, self->path,
                                "SELECT id, time, action, reason, subject, result, prev_hash, hash "
                                "FROM audit ORDER BY id", error);
  if (stmt == NULL)
    return NULL;

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) kassa_audit_entry_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KassaAuditEntry *entry = g_new0 (KassaAuditEntry, 1);

      entry->id = sqlite3_column_int64 (stmt, 0);
      entry->time_us = sqlite3_column_int64 (stmt, 1);
      /* NULL only if someone wrote the file behind Kassa's back; the hash
       * then fails to verify, which is the point. */
      entry->action = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      entry->reason = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
      entry->subject = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
      entry->result = g_strdup ((const char *) sqlite3_column_text (stmt, 5));
      entry->prev_hash = g_strdup ((const char *) sqlite3_column_text (stmt, 6));
      entry->hash = g_strdup ((const char *) sqlite3_column_text (stmt, 7));
      g_ptr_array_add (entries, entry);
    }

  if (rc != SQLITE_DONE)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      return NULL;
    }

  return g_steal_pointer (&entries);
}

static gboolean
audit_broken (GError **error,
              gint64  *out_bad_id,
              gint64   bad_id,
              char    *message)
{
  g_autofree char *owned = message;

  *out_bad_id = bad_id;
  g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_AUDIT_BROKEN,
               _("The audit log has been tampered with: %s"), owned);
  return FALSE;
}

gboolean
kassa_journal_verify_audit (KassaJournal  *self,
                            gint64        *out_rows,
                            gint64        *out_bad_id,
                            GError       **error)
{
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *head_hash = NULL;
  gint64 head_id = 0;
  gint64 bad_id_dummy = 0;
  gint64 rows_dummy = 0;
  const KassaAuditEntry *previous = NULL;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_bad_id == NULL)
    out_bad_id = &bad_id_dummy;
  if (out_rows == NULL)
    out_rows = &rows_dummy;
  *out_bad_id = 0;
  *out_rows = 0;

  if (!kassa_journal_check_open (self, error) ||
      !audit_read_head (self, &head_id, &head_hash, error) ||
      (entries = kassa_journal_list_audit (self, error)) == NULL)
    return FALSE;

  for (guint i = 0; i < entries->len; i++)
    {
      const KassaAuditEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *hash = kassa_audit_entry_compute_hash (entry);
      const char *expected_prev = previous != NULL ? previous->hash : AUDIT_ZERO_HASH;

      if (entry->action == NULL || entry->result == NULL || entry->reason == NULL ||
          entry->subject == NULL || g_strcmp0 (hash, entry->hash) != 0)
        return audit_broken (error, out_bad_id, entry->id,
                             g_strdup_printf (_("row %" PRId64 " was changed after "
                                                "it was written"), entry->id));

      if (g_strcmp0 (entry->prev_hash, expected_prev) != 0)
        {
          if (previous == NULL)
            return audit_broken (error, out_bad_id, entry->id,
                                 g_strdup_printf (_("row %" PRId64 " is not the "
                                                    "first row: earlier rows were removed"),
                                                  entry->id));
          return audit_broken (error, out_bad_id, entry->id,
                               g_strdup_printf (_("row %" PRId64 " does not follow "
                                                  "row %" PRId64 ": rows between "
                                                  "them were removed, or row %" PRId64
                                                  " was rewritten"),
                                                entry->id, previous->id, previous->id));
        }

      previous = entry;
      (*out_rows)++;
    }

  /* The head names the last row written. */
  if (previous == NULL && head_id == 0)
    return TRUE;
  if (previous == NULL)
    return audit_broken (error, out_bad_id, 1,
                         g_strdup_printf (_("every row, from row 1 to row %" PRId64
                                            ", was removed"), head_id));
  if (head_id == 0)
    return audit_broken (error, out_bad_id, previous->id,
                         g_strdup (_("the record of the last row is missing")));
  if (previous->id < head_id)
    return audit_broken (error, out_bad_id, previous->id + 1,
                         g_strdup_printf (_("the rows after row %" PRId64
                                            " (up to row %" PRId64 ") were removed"),
                                          previous->id, head_id));
  if (previous->id > head_id)
    return audit_broken (error, out_bad_id, head_id + 1,
                         g_strdup_printf (_("row %" PRId64 " was added behind "
                                            "Kassa’s back"), head_id + 1));
  if (g_strcmp0 (previous->hash, head_hash) != 0)
    return audit_broken (error, out_bad_id, previous->id,
                         g_strdup_printf (_("row %" PRId64 " was rewritten"),
                                          previous->id));

  return TRUE;
}
