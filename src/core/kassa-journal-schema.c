/* kassa-journal-schema.c — the journal's schema: its versions and migrations
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/journal.md "Schema" lists the versions. Opening a file inspects it
 * read-only (kassa_journal_inspect), then brings it to the current version in
 * one transaction (kassa_journal_migrate).
 */

#include "config.h"

#include "kassa-journal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <glib/gi18n.h>
#include <sqlite3.h>

#include "kassa-journal-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* Migrations: step i brings a journal from user_version i to i + 1. A step
 * never changes once released; a new version appends a step. */
static const char * const migrations[] = {
  /* 0 → 1 */
  "CREATE TABLE meta ("
  "  key   TEXT PRIMARY KEY NOT NULL,"
  "  value TEXT NOT NULL"
  ");"
  "CREATE TABLE settlements ("
  "  id           TEXT PRIMARY KEY NOT NULL,"
  "  terminal     TEXT NOT NULL,"
  "  state        TEXT NOT NULL,"
  "  created_at   INTEGER NOT NULL,"
  "  local_count  INTEGER NOT NULL DEFAULT 0 CHECK (local_count >= 0),"
  "  local_amount INTEGER NOT NULL DEFAULT 0 CHECK (local_amount >= 0),"
  "  bank_count   INTEGER,"
  "  bank_amount  INTEGER,"
  "  bank_status  TEXT,"
  "  settled_at   INTEGER,"
  "  last_error   TEXT,"
  "  updated_at   INTEGER NOT NULL"
  ");"
  "CREATE TABLE invoices ("
  "  id                INTEGER PRIMARY KEY,"
  "  number            TEXT NOT NULL UNIQUE,"
  "  terminal          TEXT NOT NULL,"
  "  amount            INTEGER NOT NULL CHECK (amount > 0),"
  "  method            TEXT NOT NULL,"
  "  phone             TEXT,"
  "  reference         TEXT,"
  "  created_at        INTEGER NOT NULL,"
  "  state             TEXT NOT NULL,"
  "  payload           TEXT,"
  "  approval_code     TEXT,"
  "  card_number       TEXT,"
  "  resp_code         TEXT,"
  "  resp_desc         TEXT,"
  "  paid_after_cancel INTEGER NOT NULL DEFAULT 0,"
  "  last_error        TEXT,"
  "  settlement_id     TEXT REFERENCES settlements (id),"
  "  updated_at        INTEGER NOT NULL"
  ");"
  "CREATE TABLE transitions ("
  "  id         INTEGER PRIMARY KEY,"
  "  invoice    TEXT NOT NULL REFERENCES invoices (number),"
  "  from_state TEXT,"
  "  to_state   TEXT NOT NULL,"
  "  at         INTEGER NOT NULL,"
  "  note       TEXT"
  ");"
  "CREATE INDEX transitions_invoice ON transitions (invoice);"
  "CREATE TABLE settlement_invoices ("
  "  settlement_id TEXT NOT NULL REFERENCES settlements (id),"
  "  invoice       TEXT NOT NULL REFERENCES invoices (number),"
  "  PRIMARY KEY (settlement_id, invoice)"
  ");",

  /* 1 → 2: the log of bank exchanges, and indexes for history and recovery */
  "CREATE TABLE exchanges ("
  "  id            INTEGER PRIMARY KEY,"
  "  invoice       TEXT REFERENCES invoices (number),"
  "  settlement_id TEXT REFERENCES settlements (id),"
  "  endpoint      TEXT NOT NULL,"
  "  request_json  TEXT,"
  "  http_status   INTEGER,"
  "  reply_body    TEXT,"
  "  error_domain  TEXT,"
  "  error_code    INTEGER,"
  "  error_message TEXT,"
  "  at            INTEGER NOT NULL"
  ");"
  "CREATE INDEX exchanges_invoice ON exchanges (invoice);"
  "CREATE INDEX invoices_created ON invoices (created_at);"
  "CREATE INDEX invoices_state ON invoices (state);",

  /* 2 → 3: the hash-chained audit log of manager actions (kassa-manager.h) */
  "CREATE TABLE audit ("
  "  id        INTEGER PRIMARY KEY,"
  "  time      INTEGER NOT NULL,"
  "  action    TEXT NOT NULL,"
  "  reason    TEXT NOT NULL DEFAULT '',"
  "  subject   TEXT NOT NULL DEFAULT '',"
  "  result    TEXT NOT NULL,"
  "  prev_hash TEXT NOT NULL,"
  "  hash      TEXT NOT NULL"
  ");",

  /* 3 → 4: why a cancel was made (KassaCancelReason nick; NULL before) */
  "ALTER TABLE invoices ADD COLUMN cancel_reason TEXT;",

  /* 4 → 5: routine exchanges are counted, not stored one by one
   * (docs/journal.md "Trimming"). A routine row stands for @repeats
   * exchanges made from @first_at to @at. The rows a v4 journal already
   * holds are trimmed later, a chunk of invoices at a time
   * (kassa_journal_trim_step): trim_exchanges_below is the invoice id below
   * which there is still work. Adding columns rewrites no row. */
  "ALTER TABLE exchanges ADD COLUMN routine INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE exchanges ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE exchanges ADD COLUMN first_at INTEGER;"
  "INSERT INTO meta (key, value) SELECT 'trim_exchanges_below', max(id) + 1 FROM invoices "
  "  HAVING max(id) IS NOT NULL;",

  /* 5 → 6: the print log (kassa-journal-print.c, docs/printing.md "A receipt
   * is never lost"): one row per job sent to a receipt printer. */
  "CREATE TABLE prints ("
  "  id          INTEGER PRIMARY KEY,"
  "  kind        TEXT NOT NULL,"
  "  invoice     TEXT REFERENCES invoices (number),"
  "  settlement  TEXT REFERENCES settlements (id),"
  "  printer     TEXT NOT NULL,"
  "  state       TEXT NOT NULL,"
  "  error       TEXT,"
  "  started_at  INTEGER NOT NULL,"
  "  finished_at INTEGER"
  ");"
  "CREATE INDEX prints_invoice ON prints (invoice);",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == KASSA_JOURNAL_SCHEMA_VERSION);

/* The tables each version must have. */
static const struct {
  const char *table;
  int         since;
} required_tables[] = {
  { "meta", 1 },
  { "settlements", 1 },
  { "invoices", 1 },
  { "transitions", 1 },
  { "settlement_invoices", 1 },
  { "exchanges", 2 },
  { "audit", 3 },
  { "prints", 6 },
};


gboolean
kassa_journal_pragma_int (sqlite3     *db,
                          const char  *path,
                          const char  *sql,
                          gint64      *out_value,
                          GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = kassa_journal_prepare (db, path, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      kassa_journal_set_db_error (error, db, path, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc);
      return FALSE;
    }

  *out_value = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static gboolean
table_exists (sqlite3     *db,
              const char  *path,
              const char  *table,
              gboolean    *out_exists,
              GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt =
    kassa_journal_prepare (db, path,
                           "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  kassa_journal_bind_text (stmt, 1, table);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      kassa_journal_set_db_error (error, db, path, rc);
      return FALSE;
    }

  *out_exists = rc == SQLITE_ROW;
  return TRUE;
}

static gboolean
quick_check (sqlite3     *db,
             const char  *path,
             GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = kassa_journal_prepare (db, path, "PRAGMA quick_check(1)", error);
  const char *result;
  int rc;

  if (stmt == NULL)
    return FALSE;

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      kassa_journal_set_db_error (error, db, path, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc);
      return FALSE;
    }

  result = (const char *) sqlite3_column_text (stmt, 0);
  if (g_strcmp0 (result, "ok") != 0)
    {
      /* SQLite's report spans lines ("*** in database main ***\n…"): one
       * line in the message. */
      g_autofree char *detail = g_strdup (result != NULL ? result : _("integrity check failed"));

      g_strdelimit (detail, "\n", ' ');
      kassa_journal_set_corrupt_error (error, path, detail);
      return FALSE;
    }

  return TRUE;
}

/* A journal closed cleanly is a whole SQLite file with no WAL beside it: its
 * header's page count (when valid: the change counter equals the
 * version-valid-for number) times its page size is at most the file's size.
 * A shorter file was cut (a copy that stopped half way, a full disk). */
static gboolean
check_file_size (const char  *path,
                 GError     **error)
{
  guint8 header[100];
  struct stat st;
  guint64 page_size, pages;
  ssize_t n;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return TRUE;  /* SQLite has it open: its own reads report any trouble */
  n = pread (fd, header, sizeof header, 0);
  if (fstat (fd, &st) != 0)
    st.st_size = 0;
  close (fd);

  if (n != (ssize_t) sizeof header)
    {
      kassa_journal_set_corrupt_error (error, path, _("the file is shorter than its header"));
      return FALSE;
    }

  page_size = ((guint64) header[16] << 8) | header[17];
  if (page_size == 1)
    page_size = 65536;
  pages = ((guint64) header[28] << 24) | ((guint64) header[29] << 16) |
          ((guint64) header[30] << 8) | header[31];
  if (pages == 0 || memcmp (header + 24, header + 92, 4) != 0)
    return TRUE;
  if ((guint64) st.st_size < pages * page_size)
    {
      kassa_journal_set_corrupt_error (error, path, _("the file is shorter than its header says: "
                                                      "it was cut"));
      return FALSE;
    }

  return TRUE;
}

gboolean
kassa_journal_is_journal_id (const char *text)
{
  if (text == NULL || strlen (text) != 6)
    return FALSE;

  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;

  return TRUE;
}

/* Inside the opening transaction: decides what the file is without writing.
 * Sets *@out_version to 0 for a new (empty) database. */
gboolean
kassa_journal_inspect (sqlite3     *db,
                       const char  *path,
                       gint64      *out_version,
                       gboolean    *out_checked,
                       GError     **error)
{
  gint64 application_id = 0;
  gint64 version = 0;
  gint64 n_objects = 0;

  *out_checked = FALSE;
  if (!kassa_journal_pragma_int (db, path, "PRAGMA application_id", &application_id, error) ||
      !kassa_journal_pragma_int (db, path, "PRAGMA user_version", &version, error) ||
      !kassa_journal_pragma_int (db, path, "SELECT count(*) FROM sqlite_master", &n_objects, error))
    return FALSE;

  if (application_id == 0 && version == 0 && n_objects == 0)
    {
      *out_version = 0;
      return TRUE;
    }

  if (application_id != KASSA_JOURNAL_APPLICATION_ID)
    {
      /* Another program's database, or ours damaged in its header: the full
       * check says which, as before there was a clean-close marker. */
      if (!quick_check (db, path, error))
        return FALSE;
      /* Translators: this and the other details go inside “The journal %s is
       * damaged or is not a Kassa journal (%s)” */
      kassa_journal_set_corrupt_error (error, path, _("another program’s database"));
      return FALSE;
    }

  if (version > KASSA_JOURNAL_SCHEMA_VERSION)
    {
      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_TOO_NEW,
                   _("The journal %s was written by a newer Kassa (schema version %"
                     PRId64 ", this Kassa knows up to %d); update Kassa to use it"),
                   path, version, KASSA_JOURNAL_SCHEMA_VERSION);
      return FALSE;
    }

  if (version < 1)
    {
      kassa_journal_set_corrupt_error (error, path, _("no schema version"));
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (required_tables); i++)
    {
      gboolean exists = FALSE;

      if (required_tables[i].since > version)
        continue;
      if (!table_exists (db, path, required_tables[i].table, &exists, error))
        return FALSE;
      if (!exists)
        {
          g_autofree char *detail = g_strdup_printf (_("table %s is missing"),
                                                     required_tables[i].table);

          kassa_journal_set_corrupt_error (error, path, detail);
          return FALSE;
        }
    }

  /* The full check only when the last session did not close the journal
   * (a crash, a kill, a power cut: docs/journal.md "Checking"). A clean
   * close still gets the cheap test of the file against its header. */
  {
    g_autofree char *clean = NULL;

    if (!kassa_journal_meta_read (db, path, KASSA_JOURNAL_CLEAN_CLOSE_KEY, &clean, error))
      return FALSE;
    if (g_strcmp0 (clean, "1") != 0)
      {
        if (!quick_check (db, path, error))
          return FALSE;
        *out_checked = TRUE;
      }
    else if (!check_file_size (path, error))
      return FALSE;
  }

  {
    g_autofree char *journal_id = NULL;

    if (!kassa_journal_meta_read (db, path, "journal_id", &journal_id, error))
      return FALSE;
    if (!kassa_journal_is_journal_id (journal_id))
      {
        kassa_journal_set_corrupt_error (error, path, _("no journal id"));
        return FALSE;
      }
  }

  *out_version = version;
  return TRUE;
}

/* Brings the schema from @version to KASSA_JOURNAL_SCHEMA_VERSION in one
 * transaction. A new journal also gets its id and counters. */
gboolean
kassa_journal_migrate (sqlite3     *db,
                       const char  *path,
                       gint64       version,
                       GError     **error)
{
  g_autofree char *set_version = NULL;
  g_autofree char *set_application_id = NULL;

  if (version == KASSA_JOURNAL_SCHEMA_VERSION)
    return TRUE;

  if (!kassa_journal_exec_sql (db, path, "BEGIN IMMEDIATE", error))
    return FALSE;

  for (gint64 v = version; v < KASSA_JOURNAL_SCHEMA_VERSION; v++)
    {
      if (!kassa_journal_exec_sql (db, path, migrations[v], error))
        goto fail;
    }

  if (version == 0)
    {
      char journal_id[8];

      g_snprintf (journal_id, sizeof journal_id, "%06x", g_random_int () & 0xffffff);
      if (!kassa_journal_meta_write (db, path, "journal_id", journal_id, error) ||
          !kassa_journal_meta_write (db, path, "next_invoice_seq", "1", error) ||
          !kassa_journal_meta_write (db, path, "next_settlement_seq", "1", error))
        goto fail;
    }

  set_application_id = g_strdup_printf ("PRAGMA application_id = %d", KASSA_JOURNAL_APPLICATION_ID);
  set_version = g_strdup_printf ("PRAGMA user_version = %d", KASSA_JOURNAL_SCHEMA_VERSION);
  if (!kassa_journal_exec_sql (db, path, set_application_id, error) ||
      !kassa_journal_exec_sql (db, path, set_version, error) ||
      !kassa_journal_exec_sql (db, path, "COMMIT", error))
    goto fail;

  return TRUE;

fail:
  if (!sqlite3_get_autocommit (db))
    sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  if (version > 0)
    g_prefix_error (error, _("Cannot update the journal to schema version %d: "),
                    KASSA_JOURNAL_SCHEMA_VERSION);
  return FALSE;
}
