/* kassa-journal-query.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Filtered, paged SELECTs over the invoices table for the history. Newest
 * first is ORDER BY created_at DESC, id DESC: the index invoices_created
 * (created_at, and implicitly the rowid id) gives that order without a sort,
 * so a page is an index walk of LIMIT rows; a page after a known cursor seeks
 * the index instead of stepping over OFFSET rows.
 */

#include "config.h"

#include "kassa-journal-query.h"

#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "kassa-invoice-private.h"
#include "kassa-journal-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

#define ALL_STATES ((1u << (KASSA_INVOICE_REFUNDED + 1)) - 1)

/* ── the filter ───────────────────────────────────────────────────────── */

G_DEFINE_BOXED_TYPE (KassaJournalFilter, kassa_journal_filter,
                     kassa_journal_filter_copy, kassa_journal_filter_free)

KassaJournalFilter *
kassa_journal_filter_new (void)
{
  return g_new0 (KassaJournalFilter, 1);
}

KassaJournalFilter *
kassa_journal_filter_copy (const KassaJournalFilter *filter)
{
  KassaJournalFilter *copy;

  g_return_val_if_fail (filter != NULL, NULL);

  copy = g_new0 (KassaJournalFilter, 1);
  copy->from = filter->from != NULL ? g_date_time_ref (filter->from) : NULL;
  copy->to = filter->to != NULL ? g_date_time_ref (filter->to) : NULL;
  copy->states = filter->states;
  copy->amount_min = filter->amount_min;
  copy->amount_max = filter->amount_max;
  copy->text = g_strdup (filter->text);
  return copy;
}

void
kassa_journal_filter_free (KassaJournalFilter *filter)
{
  if (filter == NULL)
    return;

  g_clear_pointer (&filter->from, g_date_time_unref);
  g_clear_pointer (&filter->to, g_date_time_unref);
  g_free (filter->text);
  g_free (filter);
}

static gboolean
date_equal (GDateTime *a,
            GDateTime *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_date_time_equal (a, b);
}

static const char *
filter_text (const KassaJournalFilter *filter)
{
  return filter != NULL && filter->text != NULL && *filter->text != '\0' ? filter->text : NULL;
}

gboolean
kassa_journal_filter_equal (const KassaJournalFilter *a,
                            const KassaJournalFilter *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  return date_equal (a->from, b->from) &&
         date_equal (a->to, b->to) &&
         (a->states & ALL_STATES) == (b->states & ALL_STATES) &&
         a->amount_min == b->amount_min &&
         a->amount_max == b->amount_max &&
         g_strcmp0 (filter_text (a), filter_text (b)) == 0;
}

static gint64
date_time_to_us (GDateTime *time)
{
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

/* SQLite's LIKE folds ASCII letters only; so does this. */
static gboolean
contains_ascii_casefold (const char *haystack,
                         const char *needle)
{
  g_autofree char *h = NULL;
  g_autofree char *n = NULL;

  if (haystack == NULL)
    return FALSE;

  h = g_ascii_strdown (haystack, -1);
  n = g_ascii_strdown (needle, -1);
  return strstr (h, n) != NULL;
}

gboolean
kassa_journal_filter_matches (const KassaJournalFilter *filter,
                              KassaInvoice             *invoice)
{
  const KassaInvoiceRow *row;
  const char *text;

  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), FALSE);

  if (filter == NULL)
    return TRUE;

  row = kassa_invoice_get_row (invoice);
  if (filter->from != NULL && row->created_us < date_time_to_us (filter->from))
    return FALSE;
  if (filter->to != NULL && row->created_us >= date_time_to_us (filter->to))
    return FALSE;
  if ((filter->states & ALL_STATES) != 0 &&
      (filter->states & KASSA_JOURNAL_FILTER_STATE (row->state)) == 0)
    return FALSE;
  if (filter->amount_min > 0 && row->amount < filter->amount_min)
    return FALSE;
  if (filter->amount_max > 0 && row->amount > filter->amount_max)
    return FALSE;

  text = filter_text (filter);
  if (text != NULL &&
      !contains_ascii_casefold (row->number, text) &&
      !contains_ascii_casefold (row->reference, text))
    return FALSE;

  return TRUE;
}

/* ── SQL ──────────────────────────────────────────────────────────────── */

/* " WHERE …" for @filter with named parameters (:from, :to, :min, :max,
 * :text), plus the cursor condition (:c, :r) when @with_cursor. */
static void
append_where (GString                  *sql,
              const KassaJournalFilter *filter,
              gboolean                  with_cursor)
{
  const char *sep = " WHERE ";

#define AND(clause) G_STMT_START { g_string_append (sql, sep); g_string_append (sql, clause); \
                                   sep = " AND "; } G_STMT_END

  if (filter != NULL)
    {
      if (filter->from != NULL)
        AND ("created_at >= :from");
      if (filter->to != NULL)
        AND ("created_at < :to");
      if ((filter->states & ALL_STATES) != 0 && (filter->states & ALL_STATES) != ALL_STATES)
        {
          /* The names are our own enum's, not user input. */
          g_string_append (sql, sep);
          g_string_append (sql, "state IN (");
          for (int s = KASSA_INVOICE_CREATING, n = 0; s <= KASSA_INVOICE_REFUNDED; s++)
            if (filter->states & KASSA_JOURNAL_FILTER_STATE (s))
              g_string_append_printf (sql, "%s'%s'", n++ > 0 ? ", " : "",
                                      kassa_invoice_state_to_string (s));
          g_string_append (sql, ")");
          sep = " AND ";
        }
      if (filter->amount_min > 0)
        AND ("amount >= :min");
      if (filter->amount_max > 0)
        AND ("amount <= :max");
      if (filter_text (filter) != NULL)
        AND ("(number LIKE :text ESCAPE '\\' OR reference LIKE :text ESCAPE '\\')");
    }

  if (with_cursor)
    AND ("(created_at < :c OR (created_at = :c AND id < :r))");

#undef AND
}

static void
bind_named_int64 (sqlite3_stmt *stmt,
                  const char   *name,
                  gint64        value)
{
  int index = sqlite3_bind_parameter_index (stmt, name);

  if (index > 0)
    sqlite3_bind_int64 (stmt, index, value);
}

static char *
like_pattern (const char *text)
{
  GString *pattern = g_string_new ("%");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  g_string_append_c (pattern, '%');
  return g_string_free (pattern, FALSE);
}

static void
bind_filter (sqlite3_stmt             *stmt,
             const KassaJournalFilter *filter)
{
  const char *text;

  if (filter == NULL)
    return;

  if (filter->from != NULL)
    bind_named_int64 (stmt, ":from", date_time_to_us (filter->from));
  if (filter->to != NULL)
    bind_named_int64 (stmt, ":to", date_time_to_us (filter->to));
  if (filter->amount_min > 0)
    bind_named_int64 (stmt, ":min", filter->amount_min);
  if (filter->amount_max > 0)
    bind_named_int64 (stmt, ":max", filter->amount_max);

  text = filter_text (filter);
  if (text != NULL)
    {
      int index = sqlite3_bind_parameter_index (stmt, ":text");

      if (index > 0)
        sqlite3_bind_text (stmt, index, like_pattern (text), -1, g_free);
    }
}

static sqlite3_stmt *
prepare (KassaJournal  *self,
         const char    *sql,
         GError       **error)
{
  sqlite3 *db = kassa_journal_get_db (self, error);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (db == NULL)
    return NULL;

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      kassa_journal_set_sql_error (self, rc, error);
      sqlite3_finalize (stmt);
      return NULL;
    }

  return stmt;
}

/* A filter that matches nothing (e.g. min > max) still runs: SQL says 0. */

gboolean
kassa_journal_count_invoices (KassaJournal              *self,
                              const KassaJournalFilter  *filter,
                              guint                     *out_count,
                              GError                   **error)
{
  g_autoptr(GString) sql = g_string_new ("SELECT count(*) FROM invoices");
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (out_count != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  append_where (sql, filter, FALSE);
  stmt = prepare (self, sql->str, error);
  if (stmt == NULL)
    return FALSE;
  bind_filter (stmt, filter);

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      kassa_journal_set_sql_error (self, rc, error);
      return FALSE;
    }

  *out_count = (guint) MIN (sqlite3_column_int64 (stmt, 0), (gint64) G_MAXUINT);
  return TRUE;
}

GPtrArray *
kassa_journal_query_invoices (KassaJournal              *self,
                              const KassaJournalFilter  *filter,
                              const KassaJournalCursor  *after,
                              guint                      offset,
                              guint                      limit,
                              KassaJournalCursor        *out_last,
                              GError                   **error)
{
  g_autoptr(GString) sql = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) result = NULL;
  int n_columns;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  sql = g_string_new ("SELECT ");
  g_string_append (sql, kassa_journal_invoice_columns ());
  g_string_append (sql, ", id FROM invoices");
  append_where (sql, filter, after != NULL);
  g_string_append (sql, " ORDER BY created_at DESC, id DESC LIMIT :lim");
  if (after == NULL)
    g_string_append (sql, " OFFSET :off");

  stmt = prepare (self, sql->str, error);
  if (stmt == NULL)
    return NULL;
  bind_filter (stmt, filter);
  bind_named_int64 (stmt, ":lim", limit);
  bind_named_int64 (stmt, ":off", offset);
  if (after != NULL)
    {
      bind_named_int64 (stmt, ":c", after->created_us);
      bind_named_int64 (stmt, ":r", after->rowid);
    }

  n_columns = sqlite3_column_count (stmt);
  result = g_ptr_array_new_full (MIN (limit, 1024), g_object_unref);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KassaInvoice *invoice = kassa_journal_invoice_from_stmt (self, stmt, error);

      if (invoice == NULL)
        return NULL;
      g_ptr_array_add (result, invoice);
      if (out_last != NULL)
        {
          out_last->created_us = kassa_invoice_get_row (invoice)->created_us;
          out_last->rowid = sqlite3_column_int64 (stmt, n_columns - 1);
        }
    }

  if (rc != SQLITE_DONE)
    {
      kassa_journal_set_sql_error (self, rc, error);
      return NULL;
    }

  return g_steal_pointer (&result);
}

gboolean
kassa_journal_invoice_position (KassaJournal              *self,
                                const KassaJournalFilter  *filter,
                                KassaInvoice              *invoice,
                                guint                     *out_position,
                                GError                   **error)
{
  g_autoptr(sqlite3_stmt) key = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GString) sql = NULL;
  KassaJournalCursor cursor;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), FALSE);
  g_return_val_if_fail (out_position != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kassa_journal_filter_matches (filter, invoice))
    return FALSE;

  key = prepare (self, "SELECT created_at, id FROM invoices WHERE number = ?", error);
  if (key == NULL)
    return FALSE;
  sqlite3_bind_text (key, 1, kassa_invoice_get_number (invoice), -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (key);
  if (rc == SQLITE_DONE)
    return FALSE;
  if (rc != SQLITE_ROW)
    {
      kassa_journal_set_sql_error (self, rc, error);
      return FALSE;
    }
  cursor.created_us = sqlite3_column_int64 (key, 0);
  cursor.rowid = sqlite3_column_int64 (key, 1);

  /* Rows before it in newest-first order are those with a greater key. */
  sql = g_string_new ("SELECT count(*) FROM invoices");
  append_where (sql, filter, FALSE);
  g_string_append (sql, strstr (sql->str, " WHERE ") != NULL ? " AND " : " WHERE ");
  g_string_append (sql, "(created_at > :c OR (created_at = :c AND id > :r))");
  stmt = prepare (self, sql->str, error);
  if (stmt == NULL)
    return FALSE;
  bind_filter (stmt, filter);
  bind_named_int64 (stmt, ":c", cursor.created_us);
  bind_named_int64 (stmt, ":r", cursor.rowid);

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      kassa_journal_set_sql_error (self, rc, error);
      return FALSE;
    }

  *out_position = (guint) sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

char *
kassa_journal_get_exchanges_json (KassaJournal  *self,
                                  KassaInvoice  *invoice,
                                  GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = prepare (self,
                  "SELECT at, endpoint, http_status, request_json, reply_body, error_message, "
                  "repeats, coalesce(first_at, at) "
                  "FROM exchanges WHERE invoice = ? ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, kassa_invoice_get_number (invoice), -1, SQLITE_TRANSIENT);

  builder = json_builder_new ();
  json_builder_begin_array (builder);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      static const char * const names[] = { "at", "endpoint", "http_status", "request",
                                             "reply", "error", "count", "first_at" };

      json_builder_begin_object (builder);
      for (int i = 0; i < (int) G_N_ELEMENTS (names); i++)
        {
          json_builder_set_member_name (builder, names[i]);
          if (sqlite3_column_type (stmt, i) == SQLITE_NULL)
            json_builder_add_null_value (builder);
          else if (i == 0 || i == 7)
            {
              gint64 us = sqlite3_column_int64 (stmt, i);
              g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
              g_autofree char *at = seconds != NULL ? g_date_time_format_iso8601 (seconds) : NULL;

              if (at != NULL)
                json_builder_add_string_value (builder, at);
              else
                json_builder_add_null_value (builder);
            }
          else if (i == 2 || i == 6)
            json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, i));
          else
            json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, i));
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  if (rc != SQLITE_DONE)
    {
      kassa_journal_set_sql_error (self, rc, error);
      return NULL;
    }

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}
