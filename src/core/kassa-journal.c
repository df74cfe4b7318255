/* kassa-journal.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/journal.md describes the file: schema, versions, number formats and
 * what is reported as locked or corrupt.
 */

#include "config.h"

#include "kassa-journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "kassa-error.h"
#include "kassa-invoice-private.h"
#include "kassa-journal-private.h"
#include "kassa-settlement-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3, sqlite3_close_v2)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

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

  /* Weak caches: number → KassaInvoice, id → KassaSettlement. The keys are
   * the objects' own strings; a weak reference removes the entry. */
  GHashTable *invoices;
  GHashTable *settlements;
};

enum {
  SIGNAL_NOTICE,
  N_SIGNALS
};

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KassaJournal, kassa_journal, G_TYPE_OBJECT)

G_DEFINE_QUARK (kassa-journal-error-quark, kassa_journal_error)

G_DEFINE_ENUM_TYPE (KassaCancelReason, kassa_cancel_reason,
  G_DEFINE_ENUM_VALUE (KASSA_CANCEL_REASON_UNKNOWN, "unknown"),
  G_DEFINE_ENUM_VALUE (KASSA_CANCEL_REASON_CASHIER, "cashier"),
  G_DEFINE_ENUM_VALUE (KASSA_CANCEL_REASON_EXPIRY, "expiry"),
  G_DEFINE_ENUM_VALUE (KASSA_CANCEL_REASON_LOST_PAYLOAD, "lost-payload"),
  G_DEFINE_ENUM_VALUE (KASSA_CANCEL_REASON_BAD_PAYLOAD, "bad-payload"))

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
};

#define INVOICE_COLUMNS \
  "number, terminal, amount, method, phone, reference, created_at, state, payload, " \
  "approval_code, card_number, resp_code, resp_desc, paid_after_cancel, settlement_id, " \
  "last_error, updated_at"

#define SETTLEMENT_COLUMNS \
  "id, terminal, state, created_at, settled_at, local_count, local_amount, bank_count, " \
  "bank_amount, bank_status, last_error"

/* ── errors ───────────────────────────────────────────────────────────── */

static gboolean
rc_is_corrupt (int rc)
{
  int primary = rc & 0xff;

  /* A short read is a file that ends before its header says it does: a
   * truncated journal, not a failing disk. */
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB || rc == SQLITE_IOERR_SHORT_READ;
}

static gboolean
rc_is_locked (int rc)
{
  int primary = rc & 0xff;

  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

static void
set_locked_error (GError     **error,
                  const char  *path)
{
  g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_LOCKED,
               _("The journal %s is in use by another Kassa"), path);
}

static void
set_corrupt_error (GError     **error,
                   const char  *path,
                   const char  *detail)
{
  g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_CORRUPT,
               _("The journal %s is damaged or is not a Kassa journal (%s). It was left "
                 "untouched: move it away or restore a backup, then start Kassa again."),
               path, detail);
}

/* What went wrong in a failed SQLite call: our words for the cases a person
 * can act on, else SQLite's. */
static const char *
db_detail (sqlite3 *db,
           int      rc)
{
  if ((rc & 0xff) == SQLITE_FULL)
    return _("the disk is full");
  if (rc == SQLITE_READONLY_DBMOVED)
    return _("the file was moved or deleted while it was open");
  if (rc == SQLITE_IOERR_SHORT_READ)
    return _("the file is shorter than its contents say: it was cut off");

  return db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc);
}

/* Sets @error from a failed SQLite call on @db. */
static void
set_db_error (GError     **error,
              sqlite3     *db,
              const char  *path,
              int          rc)
{
  const char *detail = db_detail (db, rc);

  if (rc_is_locked (rc))
    set_locked_error (error, path);
  else if (rc_is_corrupt (rc))
    set_corrupt_error (error, path, detail);
  else
    g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO,
                 _("Cannot use the journal %s: %s"), path, detail);
}

static gboolean
check_open (KassaJournal  *self,
            GError       **error)
{
  if (self->db != NULL)
    return TRUE;

  g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO,
               _("The journal %s is closed"), self->path);
  return FALSE;
}

/* ── small SQL helpers ────────────────────────────────────────────────── */

static gboolean
exec_sql (sqlite3     *db,
          const char  *path,
          const char  *sql,
          GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      set_db_error (error, db, path, rc);
      return FALSE;
    }

  return TRUE;
}

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *path,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      set_db_error (error, db, path, rc);
      sqlite3_finalize (stmt);
      return NULL;
    }

  return stmt;
}

/* Runs a statement that returns no row. */
static gboolean
step_done (sqlite3       *db,
           const char    *path,
           sqlite3_stmt  *stmt,
           GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      set_db_error (error, db, path, rc);
      return FALSE;
    }

  return TRUE;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static char *
column_text (sqlite3_stmt *stmt,
             int           index)
{
  const unsigned char *text = sqlite3_column_text (stmt, index);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

static gboolean check_in_place (KassaJournal  *self,
                                GError       **error);

/* Every write transaction starts here: first, is the file still at its path? */
static gboolean
begin (KassaJournal  *self,
       GError       **error)
{
  return check_open (self, error) && check_in_place (self, error) &&
         exec_sql (self->db, self->path, "BEGIN IMMEDIATE", error);
}

static gboolean
commit (KassaJournal  *self,
        GError       **error)
{
  return exec_sql (self->db, self->path, "COMMIT", error);
}

static void
rollback (KassaJournal *self)
{
  if (self->db != NULL && !sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

static void
replace_str (char       **field,
             const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*field);
  *field = copy;
}

static gint64
date_time_to_us (GDateTime *time)
{
  return g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
}

static char *
format_us (gint64 us)
{
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) time = NULL;

  if (seconds == NULL)
    return NULL;

  time = g_date_time_add (seconds, us % G_USEC_PER_SEC);
  return g_date_time_format_iso8601 (time);
}

/* "K250612-3fa9c1-0001": prefix, UTC date, journal id, sequence. */
static char *
make_number (char         prefix,
             gint64       now_us,
             const char  *journal_id,
             gint64       seq)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (now_us / G_USEC_PER_SEC);
  g_autofree char *date = g_date_time_format (now, "%y%m%d");

  return g_strdup_printf ("%c%s-%s-%04" G_GINT64_FORMAT, prefix, date, journal_id, seq);
}

/* ── meta ─────────────────────────────────────────────────────────────── */

static gboolean
meta_read (sqlite3     *db,
           const char  *path,
           const char  *key,
           char       **out_value,
           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (db, path, "SELECT value FROM meta WHERE key = ?", error);
  int rc;

  *out_value = NULL;
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out_value = column_text (stmt, 0);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    return TRUE;

  set_db_error (error, db, path, rc);
  return FALSE;
}

static gboolean
meta_write (sqlite3     *db,
            const char  *path,
            const char  *key,
            const char  *value,
            GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (value != NULL)
    stmt = prepare (db, path, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", error);
  else
    stmt = prepare (db, path, "DELETE FROM meta WHERE key = ?", error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, key);
  if (value != NULL)
    bind_text (stmt, 2, value);

  return step_done (db, path, stmt, error);
}

/* Reads a sequence counter of meta, inside a transaction. */
static gboolean
meta_read_seq (KassaJournal  *self,
               const char    *key,
               gint64        *out_seq,
               GError       **error)
{
  g_autofree char *text = NULL;
  guint64 value = 0;

  if (!meta_read (self->db, self->path, key, &text, error))
    return FALSE;

  if (text == NULL ||
      !g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64 - 1, &value, NULL))
    {
      set_corrupt_error (error, self->path, _("bad sequence counter"));
      return FALSE;
    }

  *out_seq = (gint64) value;
  return TRUE;
}

static gboolean
meta_write_seq (KassaJournal  *self,
                const char    *key,
                gint64         seq,
                GError       **error)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, seq);
  return meta_write (self->db, self->path, key, text, error);
}

/* ── opening ──────────────────────────────────────────────────────────── */

static gboolean
pragma_int (sqlite3     *db,
            const char  *path,
            const char  *sql,
            gint64      *out_value,
            GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (db, path, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      set_db_error (error, db, path, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc);
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
    prepare (db, path, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, table);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      set_db_error (error, db, path, rc);
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
  g_autoptr(sqlite3_stmt) stmt = prepare (db, path, "PRAGMA quick_check(1)", error);
  const char *result;
  int rc;

  if (stmt == NULL)
    return FALSE;

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      set_db_error (error, db, path, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc);
      return FALSE;
    }

  result = (const char *) sqlite3_column_text (stmt, 0);
  if (g_strcmp0 (result, "ok") != 0)
    {
      set_corrupt_error (error, path, result != NULL ? result : _("integrity check failed"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
is_journal_id (const char *text)
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
static gboolean
inspect (sqlite3     *db,
         const char  *path,
         gint64      *out_version,
         GError     **error)
{
  gint64 application_id = 0;
  gint64 version = 0;
  gint64 n_objects = 0;

  if (!quick_check (db, path, error) ||
      !pragma_int (db, path, "PRAGMA application_id", &application_id, error) ||
      !pragma_int (db, path, "PRAGMA user_version", &version, error) ||
      !pragma_int (db, path, "SELECT count(*) FROM sqlite_master", &n_objects, error))
    return FALSE;

  if (application_id == 0 && version == 0 && n_objects == 0)
    {
      *out_version = 0;
      return TRUE;
    }

  if (application_id != KASSA_JOURNAL_APPLICATION_ID)
    {
      /* Translators: this and the other details go inside “The journal %s is
       * damaged or is not a Kassa journal (%s)” */
      set_corrupt_error (error, path, _("another program’s database"));
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
      set_corrupt_error (error, path, _("no schema version"));
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

          set_corrupt_error (error, path, detail);
          return FALSE;
        }
    }

  {
    g_autofree char *journal_id = NULL;

    if (!meta_read (db, path, "journal_id", &journal_id, error))
      return FALSE;
    if (!is_journal_id (journal_id))
      {
        set_corrupt_error (error, path, _("no journal id"));
        return FALSE;
      }
  }

  *out_version = version;
  return TRUE;
}

/* Brings the schema from @version to KASSA_JOURNAL_SCHEMA_VERSION in one
 * transaction. A new journal also gets its id and counters. */
static gboolean
migrate (sqlite3     *db,
         const char  *path,
         gint64       version,
         GError     **error)
{
  g_autofree char *set_version = NULL;
  g_autofree char *set_application_id = NULL;

  if (version == KASSA_JOURNAL_SCHEMA_VERSION)
    return TRUE;

  if (!exec_sql (db, path, "BEGIN IMMEDIATE", error))
    return FALSE;

  for (gint64 v = version; v < KASSA_JOURNAL_SCHEMA_VERSION; v++)
    {
      if (!exec_sql (db, path, migrations[v], error))
        goto fail;
    }

  if (version == 0)
    {
      char journal_id[8];

      g_snprintf (journal_id, sizeof journal_id, "%06x", g_random_int () & 0xffffff);
      if (!meta_write (db, path, "journal_id", journal_id, error) ||
          !meta_write (db, path, "next_invoice_seq", "1", error) ||
          !meta_write (db, path, "next_settlement_seq", "1", error))
        goto fail;
    }

  set_application_id = g_strdup_printf ("PRAGMA application_id = %d", KASSA_JOURNAL_APPLICATION_ID);
  set_version = g_strdup_printf ("PRAGMA user_version = %d", KASSA_JOURNAL_SCHEMA_VERSION);
  if (!exec_sql (db, path, set_application_id, error) ||
      !exec_sql (db, path, set_version, error) ||
      !exec_sql (db, path, "COMMIT", error))
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

/* An I/O error: @format names the path and then the system's reason. */
static void
set_errno_error (GError     **error,
                 const char  *format,
                 const char  *path,
                 int          saved_errno)
{
  g_autofree char *message = NULL;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  /* Every caller passes a literal _("… %s … %s"): the path, then the reason. */
  message = g_strdup_printf (format, path, g_strerror (saved_errno));
#pragma GCC diagnostic pop
  g_set_error_literal (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO, message);
}

/* Creates a missing journal file as an empty file of mode 0600, whatever the
 * umask: it holds the manager PIN hash. SQLite gives the -wal file the mode
 * of the database file. An existing file is left as it is. */
static gboolean
create_private_file (const char  *path,
                     GError     **error)
{
  int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  if (fd < 0 && errno == EEXIST)
    return TRUE;
  if (fd < 0 || fchmod (fd, 0600) != 0)
    {
      int saved_errno = errno;

      if (fd >= 0)
        close (fd);
      set_errno_error (error, _("Cannot create the journal %s: %s"), path, saved_errno);
      return FALSE;
    }

  close (fd);
  return TRUE;
}

/* Takes PATH.lock (created 0600 if missing, never deleted). A lock on the
 * journal file itself follows the file when it is renamed; this one stays
 * with the path. Returns the descriptor, or -1 with @error set. */
static int
lock_path (const char  *path,
           GError     **error)
{
  g_autofree char *lock_path = g_strconcat (path, ".lock", NULL);
  int fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      set_errno_error (error, _("Cannot use the journal %s: %s"), path, errno);
      return -1;
    }

  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved_errno = errno;

      close (fd);
      if (saved_errno == EWOULDBLOCK)
        set_locked_error (error, path);
      else
        set_errno_error (error, _("Cannot use the journal %s: %s"), path, saved_errno);
      return -1;
    }

  return fd;
}

static char *
file_identity (const char        *path,
               const struct stat *st)
{
  g_autofree char *absolute = g_canonicalize_filename (path, NULL);

  return g_strdup_printf ("%" G_GUINT64_FORMAT " %s", (guint64) st->st_ino, absolute);
}

static char *
new_journal_id (const char *old_id)
{
  char journal_id[8];

  do
    g_snprintf (journal_id, sizeof journal_id, "%06x", g_random_int () & 0xffffff);
  while (g_strcmp0 (journal_id, old_id) == 0);

  return g_strdup (journal_id);
}

/* Gives the journal a new id for its new invoices (and records @identity,
 * when not NULL, as its file), in one transaction. */
static gboolean
renumber (sqlite3     *db,
          const char  *path,
          const char  *identity,
          char       **inout_journal_id,
          GError     **error)
{
  g_autofree char *journal_id = new_journal_id (*inout_journal_id);

  if (!exec_sql (db, path, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!meta_write (db, path, "journal_id", journal_id, error) ||
      (identity != NULL && !meta_write (db, path, "journal_file", identity, error)) ||
      !exec_sql (db, path, "COMMIT", error))
    {
      if (!sqlite3_get_autocommit (db))
        sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }

  g_free (*inout_journal_id);
  *inout_journal_id = g_steal_pointer (&journal_id);
  return TRUE;
}

/* The journal id is part of every invoice number, so two files with one id
 * used at the same bank terminal make colliding numbers. meta keeps the inode
 * and path of the file the id belongs to; a copy (a restored backup, a copy
 * made while Kassa was closed) or a moved file is another file: it gets a new
 * journal id for its new invoices (old invoices keep their numbers), and
 * *@out_notice says so. A journal without the key (new, or from an older
 * Kassa) is given it, and so is a file the journal itself put back
 * (@adopt). */
static gboolean
check_file_identity (sqlite3     *db,
                     const char  *path,
                     gboolean     adopt,
                     char       **inout_journal_id,
                     char       **out_notice,
                     GError     **error)
{
  g_autofree char *stored = NULL;
  g_autofree char *current = NULL;
  g_autofree char *stored_id = g_strdup (*inout_journal_id);
  struct stat st;

  if (g_stat (path, &st) != 0)
    {
      set_errno_error (error, _("Cannot use the journal %s: %s"), path, errno);
      return FALSE;
    }

  current = file_identity (path, &st);
  if (!meta_read (db, path, "journal_file", &stored, error))
    return FALSE;
  if (g_strcmp0 (stored, current) == 0)
    return TRUE;

  if (stored == NULL || adopt)
    return meta_write (db, path, "journal_file", current, error);

  if (!renumber (db, path, current, inout_journal_id, error))
    return FALSE;

  *out_notice =
    g_strdup_printf (_("The journal %s is a copy of another journal file (a restored "
                       "backup, or a copy or move of the file), which may still be in use. "
                       "So that new invoice numbers cannot collide with the other file’s, "
                       "this journal now numbers new invoices with journal id %s instead of "
                       "%s; the invoices already in it keep their numbers."),
                     path, *inout_journal_id, stored_id);
  return TRUE;
}

/* PATH.lock also keeps the high-water mark of the invoice numbers made
 * through this path, "JOURNAL_ID NEXT_SEQ", written after each new invoice
 * is committed. A backup restored over the journal in place (cp keeps the
 * inode, so check_file_identity() cannot see it) is behind that mark: its
 * next numbers have already been sent to the bank. The mark is only ever
 * written from committed values, so a crash never makes it run ahead. */
static void
write_high_water (int         lock_fd,
                  const char *journal_id,
                  gint64      next_seq)
{
  char text[64];
  int n = g_snprintf (text, sizeof text, "%s %" G_GINT64_FORMAT "\n", journal_id, next_seq);

  /* Best effort: without the mark only this check is lost. */
  if (pwrite (lock_fd, text, (size_t) n, 0) == n)
    (void) !ftruncate (lock_fd, n);
}

static gboolean
read_high_water (int      lock_fd,
                 char   **out_journal_id,
                 gint64  *out_next_seq)
{
  char text[64] = { 0 };
  g_auto(GStrv) parts = NULL;
  guint64 seq = 0;
  ssize_t n = pread (lock_fd, text, sizeof text - 1, 0);

  if (n <= 0)
    return FALSE;
  parts = g_strsplit (g_strstrip (text), " ", 2);
  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXINT64 - 1, &seq, NULL))
    return FALSE;

  *out_journal_id = g_strdup (parts[0]);
  *out_next_seq = (gint64) seq;
  return TRUE;
}

/* A journal behind the high-water mark of its path gets a new id (see
 * write_high_water()); then the mark is brought up to date. */
static gboolean
check_high_water (KassaJournal  *self,
                  GError       **error)
{
  g_autofree char *mark_id = NULL;
  g_autofree char *old_id = NULL;
  gint64 mark_seq = 0;
  gint64 seq = 0;

  if (!meta_read_seq (self, "next_invoice_seq", &seq, error))
    return FALSE;

  if (read_high_water (self->lock_fd, &mark_id, &mark_seq) &&
      g_strcmp0 (mark_id, self->journal_id) == 0 && mark_seq > seq)
    {
      old_id = g_strdup (self->journal_id);
      if (!renumber (self->db, self->path, NULL, &self->journal_id, error))
        return FALSE;
      g_free (self->open_notice);
      self->open_notice =
        g_strdup_printf (_("The journal %s is older than the invoices already numbered with "
                           "it (a backup restored over it?): its next numbers were already "
                           "sent to the bank. So that they cannot collide, this journal now "
                           "numbers new invoices with journal id %s instead of %s; the "
                           "invoices already in it keep their numbers, and the invoices "
                           "made after the backup are not in it."),
                         self->path, self->journal_id, old_id);
    }

  write_high_water (self->lock_fd, self->journal_id, seq);
  return TRUE;
}

/* Opens @path (its PATH.lock already held). *@out_notice receives a sentence
 * the person must read, or stays NULL. @adopt: see check_file_identity(). */
static sqlite3 *
open_database (const char  *path,
               gboolean     adopt,
               char       **out_journal_id,
               struct stat *out_stat,
               char       **out_notice,
               GError     **error)
{
  g_autoptr(sqlite3) db = NULL;
  g_autofree char *journal_id = NULL;
  gint64 version = 0;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  int rc;

  /* An existing file is never created anew; only a missing one is, empty. */
  if (!create_private_file (path, error))
    return NULL;

  rc = sqlite3_open_v2 (path, &db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      set_db_error (error, db, path, rc);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, 0);

  /* No I/O yet: these only configure the connection. */
  if (!exec_sql (db, path, "PRAGMA locking_mode = EXCLUSIVE", error) ||
      !exec_sql (db, path, "PRAGMA foreign_keys = ON", error) ||
      !exec_sql (db, path, "PRAGMA synchronous = FULL", error))
    return NULL;

  /* The first read: takes the lock (another holder → busy) and reads the
   * header (not a database → notadb). Nothing is written until the file is
   * known to be ours. */
  if (!exec_sql (db, path, "BEGIN IMMEDIATE", error))
    return NULL;
  if (!inspect (db, path, &version, error))
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return NULL;
    }
  if (!exec_sql (db, path, "COMMIT", error))
    return NULL;

  {
    g_autoptr(sqlite3_stmt) stmt = prepare (db, path, "PRAGMA journal_mode = WAL", error);
    const char *mode;

    if (stmt == NULL)
      return NULL;
    rc = sqlite3_step (stmt);
    if (rc != SQLITE_ROW)
      {
        set_db_error (error, db, path, rc);
        return NULL;
      }
    mode = (const char *) sqlite3_column_text (stmt, 0);
    if (g_ascii_strcasecmp (mode != NULL ? mode : "", "wal") != 0)
      {
        g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO,
                     _("Cannot use the journal %s: write-ahead logging is not available"),
                     path);
        return NULL;
      }
  }

  if (!migrate (db, path, version, error))
    return NULL;

  if (!meta_read (db, path, "journal_id", &journal_id, error))
    return NULL;
  if (!is_journal_id (journal_id))
    {
      set_corrupt_error (error, path, _("no journal id"));
      return NULL;
    }

  if (!check_file_identity (db, path, adopt, &journal_id, out_notice, error))
    return NULL;
  if (g_stat (path, out_stat) != 0)
    {
      set_errno_error (error, _("Cannot use the journal %s: %s"), path, errno);
      return NULL;
    }

  *out_journal_id = g_steal_pointer (&journal_id);
  return g_steal_pointer (&db);
}

/* ── a journal that left its path ─────────────────────────────────────── */

static gboolean
fsync_path (const char *path,
            int         flags)
{
  int fd = g_open (path, flags | O_CLOEXEC, 0);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync (fd) == 0;
  close (fd);
  return ok;
}

/* A name beside @path that is not taken: PATH.SUFFIX-YYYYmmdd-HHMMSS[-N]. */
static char *
aside_name (const char *path,
            const char *suffix)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  char *name = g_strdup_printf ("%s.%s-%s", path, suffix, stamp);

  for (guint i = 2; g_file_test (name, G_FILE_TEST_EXISTS); i++)
    {
      g_free (name);
      name = g_strdup_printf ("%s.%s-%s-%u", path, suffix, stamp, i);
    }

  return name;
}

/* The open file is no longer at @self->path (deleted, renamed, or another
 * file put there). SQLite still reads the open database, WAL included: write
 * a complete copy beside the path (VACUUM INTO, fsync), move any other file
 * at the path aside (never deleted), rename the copy into place, close the
 * old connection and open the copy. No committed row is lost; the person is
 * told through ::notice. */
static gboolean
restore_in_place (KassaJournal  *self,
                  gboolean       replaced,
                  GError       **error)
{
  g_autofree char *tmp = g_strconcat (self->path, ".restore-XXXXXX", NULL);
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *wal = g_strconcat (self->path, "-wal", NULL);
  g_autofree char *displaced = NULL;
  g_autofree char *stale_wal = NULL;
  g_autofree char *journal_id = NULL;
  g_autofree char *notice = NULL;
  g_autofree char *message = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  struct stat st;
  sqlite3 *db;
  int fd;
  int rc;

  /* An empty file is what VACUUM INTO accepts; made here so that it is 0600. */
  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      set_errno_error (error, _("The journal %s is no longer at its place and cannot be "
                                "put back: %s"), self->path, errno);
      return FALSE;
    }
  close (fd);

  if (sqlite3_prepare_v2 (self->db, "VACUUM INTO ?", -1, &stmt, NULL) == SQLITE_OK)
    {
      bind_text (stmt, 1, tmp);
      rc = sqlite3_step (stmt);
    }
  else
    rc = sqlite3_errcode (self->db);
  if (rc != SQLITE_DONE || !fsync_path (tmp, O_RDONLY))
    {
      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO,
                   _("The journal %s is no longer at its place and cannot be put back: %s"),
                   self->path, rc != SQLITE_DONE ? db_detail (self->db, rc)
                                                 : g_strerror (errno));
      g_unlink (tmp);
      return FALSE;
    }

  /* Another file at the path (a copy put back, another journal) is kept. */
  if (replaced)
    {
      displaced = aside_name (self->path, "displaced");
      if (link (self->path, displaced) != 0)
        {
          int saved_errno = errno;

          g_unlink (tmp);
          set_errno_error (error, _("The journal %s was replaced by another file, which "
                                    "cannot be moved aside: %s"), self->path, saved_errno);
          return FALSE;
        }
    }

  if (g_rename (tmp, self->path) != 0)
    {
      int saved_errno = errno;

      g_unlink (tmp);
      set_errno_error (error, _("The journal %s is no longer at its place and cannot be "
                                "put back: %s"), self->path, saved_errno);
      return FALSE;
    }
  fsync_path (dir, O_RDONLY | O_DIRECTORY);

  /* Closing checkpoints the old WAL into the old file and removes PATH-wal
   * when it is the old connection's. A -wal left beside the copy would be
   * replayed into it: move it aside. */
  sqlite3_close_v2 (self->db);
  self->db = NULL;
  if (g_file_test (wal, G_FILE_TEST_EXISTS))
    {
      stale_wal = aside_name (self->path, "stale-wal");
      g_rename (wal, stale_wal);
    }

  /* The copy has a new inode, but it is this journal put back, not a copy
   * of it that another file may also use: it keeps its journal id. */
  db = open_database (self->path, TRUE, &journal_id, &st, &notice, error);
  if (db == NULL)
    return FALSE;

  self->db = db;
  self->dev = st.st_dev;
  self->ino = st.st_ino;

  if (displaced != NULL)
    message = g_strdup_printf (_("The journal %s was replaced by another file while Kassa was "
                                 "using it. Kassa put its journal back, with every record; the "
                                 "other file was kept as %s."), self->path, displaced);
  else
    message = g_strdup_printf (_("The journal %s was deleted or moved away while Kassa was "
                                 "using it. Kassa put it back, with every record. If it was "
                                 "moved, the moved file is an old copy: do not use it for "
                                 "sales."), self->path);
  g_signal_emit (self, signals[SIGNAL_NOTICE], 0, message);
  return TRUE;
}

/* Before each write: is the file we have open still the one at the path? */
static gboolean
check_in_place (KassaJournal  *self,
                GError       **error)
{
  struct stat st;

  if (g_stat (self->path, &st) == 0)
    {
      if (st.st_dev == self->dev && st.st_ino == self->ino)
        return TRUE;
      return restore_in_place (self, TRUE, error);
    }

  if (errno != ENOENT)
    {
      set_errno_error (error, _("Cannot use the journal %s: %s"), self->path, errno);
      return FALSE;
    }

  return restore_in_place (self, FALSE, error);
}

/* ── invoices ─────────────────────────────────────────────────────────── */

static void
on_invoice_finalized (gpointer  data,
                      GObject  *where_the_object_was)
{
  KassaJournal *self = data;
  KassaInvoice *invoice = (KassaInvoice *) where_the_object_was;

  /* The object is being disposed: its number is still valid. */
  g_hash_table_remove (self->invoices, kassa_invoice_get_row (invoice)->number);
}

static void
on_settlement_finalized (gpointer  data,
                         GObject  *where_the_object_was)
{
  KassaJournal *self = data;
  KassaSettlement *settlement = (KassaSettlement *) where_the_object_was;

  g_hash_table_remove (self->settlements, kassa_settlement_get_row (settlement)->id);
}

static KassaInvoice *
cache_invoice (KassaJournal *self,
               KassaInvoice *invoice)
{
  g_hash_table_insert (self->invoices, (gpointer) kassa_invoice_get_number (invoice), invoice);
  g_object_weak_ref (G_OBJECT (invoice), on_invoice_finalized, self);
  return invoice;
}

static KassaSettlement *
cache_settlement (KassaJournal    *self,
                  KassaSettlement *settlement)
{
  g_hash_table_insert (self->settlements, (gpointer) kassa_settlement_get_id (settlement),
                       settlement);
  g_object_weak_ref (G_OBJECT (settlement), on_settlement_finalized, self);
  return settlement;
}

/* The invoice of the current row of a SELECT INVOICE_COLUMNS (cached object if alive). */
static KassaInvoice *
invoice_from_stmt (KassaJournal  *self,
                   sqlite3_stmt  *stmt,
                   GError       **error)
{
  const char *number = (const char *) sqlite3_column_text (stmt, 0);
  KassaInvoiceRow row = { 0 };
  KassaInvoice *cached;

  cached = number != NULL ? g_hash_table_lookup (self->invoices, number) : NULL;
  if (cached != NULL)
    return g_object_ref (cached);

  if (number == NULL ||
      !kassa_invoice_method_from_string ((const char *) sqlite3_column_text (stmt, 3),
                                         &row.method) ||
      !kassa_invoice_state_from_string ((const char *) sqlite3_column_text (stmt, 7),
                                        &row.state))
    {
      set_corrupt_error (error, self->path, _("an invoice row is unreadable"));
      return NULL;
    }

  row.number = column_text (stmt, 0);
  row.terminal = column_text (stmt, 1);
  row.amount = sqlite3_column_int64 (stmt, 2);
  row.phone = column_text (stmt, 4);
  row.reference = column_text (stmt, 5);
  row.created_us = sqlite3_column_int64 (stmt, 6);
  row.payload = column_text (stmt, 8);
  row.approval_code = column_text (stmt, 9);
  row.card_number = column_text (stmt, 10);
  row.resp_code = column_text (stmt, 11);
  row.resp_desc = column_text (stmt, 12);
  row.paid_after_cancel = sqlite3_column_int (stmt, 13) != 0;
  row.settlement_id = column_text (stmt, 14);
  row.last_error = column_text (stmt, 15);
  row.updated_us = sqlite3_column_int64 (stmt, 16);

  return cache_invoice (self, kassa_invoice_new_from_row (&row));
}

static GPtrArray *
query_invoices (KassaJournal  *self,
                sqlite3_stmt  *stmt,
                GError       **error)
{
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func (g_object_unref);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KassaInvoice *invoice = invoice_from_stmt (self, stmt, error);

      if (invoice == NULL)
        return NULL;
      g_ptr_array_add (result, invoice);
    }

  if (rc != SQLITE_DONE)
    {
      set_db_error (error, self->db, self->path, rc);
      return NULL;
    }

  return g_steal_pointer (&result);
}

static gboolean
insert_transition (KassaJournal       *self,
                   const char         *number,
                   const char         *from_state,
                   const char         *to_state,
                   gint64              at_us,
                   const char         *note,
                   GError            **error)
{
  g_autoptr(sqlite3_stmt) stmt =
    prepare (self->db, self->path,
             "INSERT INTO transitions (invoice, from_state, to_state, at, note) "
             "VALUES (?, ?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, number);
  bind_text (stmt, 2, from_state);
  bind_text (stmt, 3, to_state);
  sqlite3_bind_int64 (stmt, 4, at_us);
  bind_text (stmt, 5, note);

  return step_done (self->db, self->path, stmt, error);
}

static void
set_illegal_move_error (GError            **error,
                        const char         *number,
                        KassaInvoiceState   from,
                        KassaInvoiceState   to)
{
  const char *from_name = kassa_invoice_state_to_string (from);

  if (to == KASSA_INVOICE_CANCELLING)
    g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE,
                 _("Invoice %s is %s and cannot be cancelled"), number, from_name);
  else if (to == KASSA_INVOICE_REFUNDING && (from == KASSA_INVOICE_REFUNDED ||
                                             from == KASSA_INVOICE_REFUNDING ||
                                             from == KASSA_INVOICE_REFUND_UNKNOWN))
    g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE,
                 _("Invoice %s is %s: it has already been refunded or is being refunded"),
                 number, from_name);
  else if (to == KASSA_INVOICE_REFUNDING)
    g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE,
                 _("Invoice %s is %s and cannot be refunded; only a paid invoice can"),
                 number, from_name);
  else
    g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE,
                 _("Invoice %s is %s and cannot become %s"),
                 number, from_name, kassa_invoice_state_to_string (to));
}

static gboolean
valid_terminal (const char *terminal)
{
  return terminal != NULL && *terminal != '\0' && strlen (terminal) <= 64 &&
         g_utf8_validate (terminal, -1, NULL);
}

/* Writes the mutable columns of @row (the number and @expected_state select
 * the row) inside the caller's transaction. */
static gboolean
update_invoice_row (KassaJournal          *self,
                    const KassaInvoiceRow *row,
                    KassaInvoiceState      expected_state,
                    GError               **error)
{
  g_autoptr(sqlite3_stmt) stmt =
    prepare (self->db, self->path,
             "UPDATE invoices SET state = ?, payload = ?, approval_code = ?, card_number = ?, "
             "resp_code = ?, resp_desc = ?, paid_after_cancel = ?, last_error = ?, "
             "settlement_id = ?, updated_at = ? WHERE number = ? AND state = ?", error);

  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, kassa_invoice_state_to_string (row->state));
  bind_text (stmt, 2, row->payload);
  bind_text (stmt, 3, row->approval_code);
  bind_text (stmt, 4, row->card_number);
  bind_text (stmt, 5, row->resp_code);
  bind_text (stmt, 6, row->resp_desc);
  sqlite3_bind_int (stmt, 7, row->paid_after_cancel ? 1 : 0);
  bind_text (stmt, 8, row->last_error);
  bind_text (stmt, 9, row->settlement_id);
  sqlite3_bind_int64 (stmt, 10, row->updated_us);
  bind_text (stmt, 11, row->number);
  bind_text (stmt, 12, kassa_invoice_state_to_string (expected_state));

  if (!step_done (self->db, self->path, stmt, error))
    return FALSE;

  if (sqlite3_changes (self->db) != 1)
    {
      /* The object and the file disagree: someone else wrote the file. */
      set_corrupt_error (error, self->path, _("an invoice changed behind Kassa’s back"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
check_own_invoice (KassaJournal  *self,
                   KassaInvoice  *invoice)
{
  return g_hash_table_lookup (self->invoices, kassa_invoice_get_number (invoice)) == invoice;
}

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
      set_corrupt_error (error, self->path, _("a settlement row is unreadable"));
      return NULL;
    }

  list = prepare (self->db, self->path,
                  "SELECT invoice FROM settlement_invoices WHERE settlement_id = ? "
                  "ORDER BY rowid", error);
  if (list == NULL)
    return NULL;
  bind_text (list, 1, id);
  numbers = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (list)) == SQLITE_ROW)
    g_ptr_array_add (numbers, column_text (list, 0));
  if (rc != SQLITE_DONE)
    {
      set_db_error (error, self->db, self->path, rc);
      return NULL;
    }
  g_ptr_array_add (numbers, NULL);

  row.id = column_text (stmt, 0);
  row.terminal = column_text (stmt, 1);
  row.created_us = sqlite3_column_int64 (stmt, 3);
  row.settled_us = sqlite3_column_int64 (stmt, 4);
  row.local_count = sqlite3_column_int64 (stmt, 5);
  row.local_amount = sqlite3_column_int64 (stmt, 6);
  row.has_bank_reply = sqlite3_column_type (stmt, 7) != SQLITE_NULL;
  row.bank_count = sqlite3_column_int64 (stmt, 7);
  row.bank_amount = sqlite3_column_int64 (stmt, 8);
  row.bank_status = column_text (stmt, 9);
  row.last_error = column_text (stmt, 10);
  row.invoices = (char **) g_ptr_array_free (g_steal_pointer (&numbers), FALSE);

  return cache_settlement (self, kassa_settlement_new_from_row (&row));
}

static GPtrArray *
query_settlements (KassaJournal  *self,
                   sqlite3_stmt  *stmt,
                   GError       **error)
{
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func (g_object_unref);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      KassaSettlement *settlement = settlement_from_stmt (self, stmt, error);

      if (settlement == NULL)
        return NULL;
      g_ptr_array_add (result, settlement);
    }

  if (rc != SQLITE_DONE)
    {
      set_db_error (error, self->db, self->path, rc);
      return NULL;
    }

  return g_steal_pointer (&result);
}

/* ── GObject ──────────────────────────────────────────────────────────── */

static void
drop_caches (KassaJournal *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->invoices);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_object_weak_unref (value, on_invoice_finalized, self);
      g_hash_table_iter_remove (&iter);
    }

  g_hash_table_iter_init (&iter, self->settlements);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_object_weak_unref (value, on_settlement_finalized, self);
      g_hash_table_iter_remove (&iter);
    }
}

static void
kassa_journal_finalize (GObject *object)
{
  KassaJournal *self = (KassaJournal *)object;

  kassa_journal_close (self);
  g_clear_pointer (&self->invoices, g_hash_table_unref);
  g_clear_pointer (&self->settlements, g_hash_table_unref);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->journal_id, g_free);
  g_clear_pointer (&self->open_notice, g_free);

  G_OBJECT_CLASS (kassa_journal_parent_class)->finalize (object);
}

static void
kassa_journal_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  KassaJournal *self = KASSA_JOURNAL (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_journal_class_init (KassaJournalClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = kassa_journal_finalize;
  object_class->get_property = kassa_journal_get_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* ::notice (const char *message): something the person must be told that
   * did not fail, e.g. the journal was put back at its path. */
  signals[SIGNAL_NOTICE] =
    g_signal_new ("notice", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
kassa_journal_init (KassaJournal *self)
{
  self->invoices = g_hash_table_new (g_str_hash, g_str_equal);
  self->settlements = g_hash_table_new (g_str_hash, g_str_equal);
  self->lock_fd = -1;
}

/* ── public API ───────────────────────────────────────────────────────── */

char *
kassa_journal_default_path (KassaJournalMode mode)
{
  const char *env = g_getenv ("KASSA_JOURNAL");

  if (env != NULL && *env != '\0')
    return g_strdup (env);

  return g_build_filename (g_get_user_data_dir (), "kassa",
                           mode == KASSA_JOURNAL_MODE_TRAINING ? "training.sqlite"
                                                               : "journal.sqlite",
                           NULL);
}

KassaJournal *
kassa_journal_open (const char  *path,
                    GError     **error)
{
  g_autoptr(KassaJournal) self = NULL;
  g_autofree char *journal_id = NULL;
  g_autofree char *notice = NULL;
  g_autofree char *dir = NULL;
  struct stat st;
  sqlite3 *db;
  int lock_fd;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (*path == '\0')
    {
      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO,
                   _("The journal path is empty"));
      return NULL;
    }

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO,
                   _("Cannot create the folder %s for the journal: %s"),
                   dir, g_strerror (saved_errno));
      return NULL;
    }

  lock_fd = lock_path (path, error);
  if (lock_fd < 0)
    return NULL;

  db = open_database (path, FALSE, &journal_id, &st, &notice, error);
  if (db == NULL)
    {
      close (lock_fd);
      return NULL;
    }

  self = g_object_new (KASSA_TYPE_JOURNAL, NULL);
  self->path = g_strdup (path);
  self->db = db;
  self->lock_fd = lock_fd;
  self->dev = st.st_dev;
  self->ino = st.st_ino;
  self->journal_id = g_steal_pointer (&journal_id);
  self->open_notice = g_steal_pointer (&notice);

  if (!check_high_water (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
kassa_journal_get_open_notice (KassaJournal *self)
{
  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);

  return self->open_notice;
}

const char *
kassa_journal_get_path (KassaJournal *self)
{
  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);

  return self->path;
}

const char *
kassa_journal_get_id (KassaJournal *self)
{
  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);

  return self->journal_id;
}

void
kassa_journal_close (KassaJournal *self)
{
  g_return_if_fail (KASSA_IS_JOURNAL (self));

  /* Objects handed out stay valid but are no longer this journal's. */
  if (self->invoices != NULL)
    drop_caches (self);

  if (self->db != NULL)
    {
      rollback (self);
      sqlite3_close_v2 (self->db);
      self->db = NULL;
    }

  /* After the database: the path is free once the file is closed. */
  if (self->lock_fd >= 0)
    {
      close (self->lock_fd);
      self->lock_fd = -1;
    }
}

KassaInvoice *
kassa_journal_create_invoice (KassaJournal        *self,
                              const char          *terminal,
                              gint64               amount,
                              KassaInvoiceMethod   method,
                              const char          *phone,
                              const char          *reference,
                              GError             **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  KassaInvoiceRow row = { 0 };
  KassaInvoice *invoice;
  gint64 seq = 0;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!valid_terminal (terminal))
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_TERMINAL,
                   _("The terminal id is missing or invalid"));
      return NULL;
    }
  if (amount <= 0)
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
                   _("The amount must be more than zero"));
      return NULL;
    }
  if ((guint) method > KASSA_INVOICE_METHOD_PHONE)
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                   _("Unknown payment method"));
      return NULL;
    }
  if (method == KASSA_INVOICE_METHOD_PHONE && (phone == NULL || *phone == '\0'))
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_PHONE,
                   _("An invoice sent to a phone needs the customer’s phone number"));
      return NULL;
    }
  if ((phone != NULL && !g_utf8_validate (phone, -1, NULL)) ||
      (reference != NULL && !g_utf8_validate (reference, -1, NULL)))
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                   _("The phone number or reference is not valid text"));
      return NULL;
    }

  if (!begin (self, error))
    return NULL;

  if (!meta_read_seq (self, "next_invoice_seq", &seq, error))
    goto fail;

  row.created_us = row.updated_us = g_get_real_time ();
  row.number = make_number ('K', row.created_us, self->journal_id, seq);
  row.terminal = g_strdup (terminal);
  row.amount = amount;
  row.method = method;
  row.phone = g_strdup (phone);
  row.reference = g_strdup (reference);
  row.state = KASSA_INVOICE_CREATING;
  g_assert (strlen (row.number) <= 32);

  stmt = prepare (self->db, self->path,
                  "INSERT INTO invoices (number, terminal, amount, method, phone, reference, "
                  "created_at, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    goto fail;
  bind_text (stmt, 1, row.number);
  bind_text (stmt, 2, row.terminal);
  sqlite3_bind_int64 (stmt, 3, row.amount);
  bind_text (stmt, 4, kassa_invoice_method_to_string (row.method));
  bind_text (stmt, 5, row.phone);
  bind_text (stmt, 6, row.reference);
  sqlite3_bind_int64 (stmt, 7, row.created_us);
  bind_text (stmt, 8, kassa_invoice_state_to_string (row.state));
  sqlite3_bind_int64 (stmt, 9, row.updated_us);

  if (!step_done (self->db, self->path, stmt, error) ||
      !insert_transition (self, row.number, NULL, kassa_invoice_state_to_string (row.state),
                          row.created_us, NULL, error) ||
      !meta_write_seq (self, "next_invoice_seq", seq + 1, error) ||
      !commit (self, error))
    goto fail;
  write_high_water (self->lock_fd, self->journal_id, seq + 1);

  invoice = kassa_invoice_new_from_row (&row);
  return cache_invoice (self, invoice);

fail:
  rollback (self);
  kassa_invoice_row_clear (&row);
  return NULL;
}

/* Records why the invoice is being cancelled, inside the caller's transaction. */
static gboolean
update_cancel_reason (KassaJournal       *self,
                      const char         *number,
                      KassaCancelReason   reason,
                      GError            **error)
{
  g_autoptr(GEnumClass) enum_class = g_type_class_ref (KASSA_TYPE_CANCEL_REASON);
  g_autoptr(sqlite3_stmt) stmt =
    prepare (self->db, self->path, "UPDATE invoices SET cancel_reason = ? WHERE number = ?",
             error);

  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, g_enum_get_value (enum_class, reason)->value_nick);
  bind_text (stmt, 2, number);

  return step_done (self->db, self->path, stmt, error);
}

/* kassa_journal_move(), and the cancel's reason when @reason is known. */
static gboolean
move_invoice (KassaJournal               *self,
              KassaInvoice               *invoice,
              KassaInvoiceState           state,
              const char                 *payload,
              const KassaBankTransaction *transaction,
              const char                 *note,
              KassaCancelReason           reason,
              GError                    **error)
{
  const KassaInvoiceRow *current;
  KassaInvoiceRow row = { 0 };
  KassaInvoiceState from;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_open (self, error))
    return FALSE;
  g_return_val_if_fail (check_own_invoice (self, invoice), FALSE);

  current = kassa_invoice_get_row (invoice);
  from = current->state;
  if (!kassa_invoice_state_can_move (from, state))
    {
      set_illegal_move_error (error, current->number, from, state);
      return FALSE;
    }

  kassa_invoice_row_copy (current, &row);
  row.state = state;
  row.updated_us = g_get_real_time ();
  if (payload != NULL)
    replace_str (&row.payload, payload);
  if (transaction != NULL)
    {
      if (transaction->approval_code != NULL)
        replace_str (&row.approval_code, transaction->approval_code);
      if (transaction->card_number != NULL)
        replace_str (&row.card_number, transaction->card_number);
      if (transaction->resp_code != NULL)
        replace_str (&row.resp_code, transaction->resp_code);
      if (transaction->resp_desc != NULL)
        replace_str (&row.resp_desc, transaction->resp_desc);
    }
  if (note != NULL)
    replace_str (&row.last_error, note);
  /* The cashier asked to cancel (or the sale expired) and the customer paid
   * anyway: the money is there, and the cashier must be told. */
  if (state == KASSA_INVOICE_PAID &&
      (from == KASSA_INVOICE_CANCELLING || from == KASSA_INVOICE_CANCEL_UNKNOWN ||
       from == KASSA_INVOICE_CANCELLED || from == KASSA_INVOICE_EXPIRED))
    row.paid_after_cancel = TRUE;

  if (!begin (self, error) ||
      !update_invoice_row (self, &row, from, error) ||
      (reason != KASSA_CANCEL_REASON_UNKNOWN &&
       !update_cancel_reason (self, row.number, reason, error)) ||
      !insert_transition (self, row.number, kassa_invoice_state_to_string (from),
                          kassa_invoice_state_to_string (state), row.updated_us, note, error) ||
      !commit (self, error))
    {
      rollback (self);
      kassa_invoice_row_clear (&row);
      return FALSE;
    }

  kassa_invoice_apply_row (invoice, &row);
  return TRUE;
}

gboolean
kassa_journal_move (KassaJournal               *self,
                    KassaInvoice               *invoice,
                    KassaInvoiceState           state,
                    const char                 *payload,
                    const KassaBankTransaction *transaction,
                    const char                 *note,
                    GError                    **error)
{
  return move_invoice (self, invoice, state, payload, transaction, note,
                       KASSA_CANCEL_REASON_UNKNOWN, error);
}

gboolean
kassa_journal_move_to_cancelling (KassaJournal       *self,
                                  KassaInvoice       *invoice,
                                  KassaCancelReason   reason,
                                  const char         *note,
                                  GError            **error)
{
  return move_invoice (self, invoice, KASSA_INVOICE_CANCELLING, NULL, NULL, note, reason, error);
}

gboolean
kassa_journal_get_cancel_reason (KassaJournal       *self,
                                 KassaInvoice       *invoice,
                                 KassaCancelReason  *reason,
                                 GError            **error)
{
  g_autoptr(GEnumClass) enum_class = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GEnumValue *value = NULL;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), FALSE);
  g_return_val_if_fail (reason != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_open (self, error))
    return FALSE;

  stmt = prepare (self->db, self->path, "SELECT cancel_reason FROM invoices WHERE number = ?",
                  error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, kassa_invoice_get_number (invoice));

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_NOT_FOUND,
                   _("There is no invoice %s in the journal"), kassa_invoice_get_number (invoice));
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      set_db_error (error, self->db, self->path, rc);
      return FALSE;
    }

  /* NULL (older rows) and a word this Kassa does not know read as unknown. */
  enum_class = g_type_class_ref (KASSA_TYPE_CANCEL_REASON);
  if (sqlite3_column_type (stmt, 0) == SQLITE_TEXT)
    value = g_enum_get_value_by_nick (enum_class, (const char *) sqlite3_column_text (stmt, 0));
  *reason = value != NULL ? (KassaCancelReason) value->value : KASSA_CANCEL_REASON_UNKNOWN;

  return TRUE;
}

gboolean
kassa_journal_set_paid_after_cancel (KassaJournal  *self,
                                     KassaInvoice  *invoice,
                                     GError       **error)
{
  const KassaInvoiceRow *current;
  KassaInvoiceRow row = { 0 };

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_open (self, error))
    return FALSE;
  g_return_val_if_fail (check_own_invoice (self, invoice), FALSE);

  current = kassa_invoice_get_row (invoice);
  if (current->state != KASSA_INVOICE_PAID)
    {
      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE,
                   _("Invoice %s is %s, not PAID, so it cannot be paid after a cancel"),
                   current->number, kassa_invoice_state_to_string (current->state));
      return FALSE;
    }
  if (current->paid_after_cancel)
    return TRUE;

  kassa_invoice_row_copy (current, &row);
  row.paid_after_cancel = TRUE;
  row.updated_us = g_get_real_time ();

  if (!begin (self, error) ||
      !update_invoice_row (self, &row, current->state, error) ||
      !insert_transition (self, row.number, "PAID", "PAID", row.updated_us,
                          "paid after cancel", error) ||
      !commit (self, error))
    {
      rollback (self);
      kassa_invoice_row_clear (&row);
      return FALSE;
    }

  kassa_invoice_apply_row (invoice, &row);
  return TRUE;
}

gboolean
kassa_journal_record_exchange (KassaJournal      *self,
                               KassaInvoice      *invoice,
                               const char        *settlement_id,
                               KassaBankEndpoint  endpoint,
                               const char        *request_json,
                               guint              http_status,
                               const char        *reply_body,
                               const GError      *reply_error,
                               GError           **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (invoice == NULL || KASSA_IS_INVOICE (invoice), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_open (self, error) || !check_in_place (self, error))
    return FALSE;
  if ((guint) endpoint >= KASSA_BANK_N_ENDPOINTS)
    {
      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO,
                   _("Unknown bank endpoint %d"), (int) endpoint);
      return FALSE;
    }

  stmt = prepare (self->db, self->path,
                  "INSERT INTO exchanges (invoice, settlement_id, endpoint, request_json, "
                  "http_status, reply_body, error_domain, error_code, error_message, at) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, invoice != NULL ? kassa_invoice_get_number (invoice) : NULL);
  bind_text (stmt, 2, settlement_id);
  bind_text (stmt, 3, kassa_bank_endpoint_get_name (endpoint));
  bind_text (stmt, 4, request_json);
  if (http_status != 0)
    sqlite3_bind_int (stmt, 5, (int) http_status);
  else
    sqlite3_bind_null (stmt, 5);
  bind_text (stmt, 6, reply_body);
  if (reply_error != NULL)
    {
      bind_text (stmt, 7, g_quark_to_string (reply_error->domain));
      sqlite3_bind_int (stmt, 8, reply_error->code);
      bind_text (stmt, 9, reply_error->message);
    }
  else
    {
      sqlite3_bind_null (stmt, 7);
      sqlite3_bind_null (stmt, 8);
      sqlite3_bind_null (stmt, 9);
    }
  sqlite3_bind_int64 (stmt, 10, g_get_real_time ());

  /* One statement outside a transaction is its own committed transaction. */
  return step_done (self->db, self->path, stmt, error);
}

KassaInvoice *
kassa_journal_lookup (KassaJournal  *self,
                      const char    *number,
                      GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  KassaInvoice *cached;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_open (self, error))
    return NULL;

  if (number != NULL && (cached = g_hash_table_lookup (self->invoices, number)) != NULL)
    return g_object_ref (cached);

  stmt = prepare (self->db, self->path,
                  "SELECT " INVOICE_COLUMNS " FROM invoices WHERE number = ?", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, number);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return invoice_from_stmt (self, stmt, error);
  if (rc != SQLITE_DONE)
    {
      set_db_error (error, self->db, self->path, rc);
      return NULL;
    }

  g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_NOT_FOUND,
               _("There is no invoice %s in the journal"), number != NULL ? number : "");
  return NULL;
}

GPtrArray *
kassa_journal_list_unfinished (KassaJournal  *self,
                               GError       **error)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  GPtrArray *result;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_open (self, error))
    return NULL;

  /* The set of final states lives in one place: kassa_invoice_state_is_final. */
  stmt = prepare (self->db, self->path,
                  "SELECT " INVOICE_COLUMNS " FROM invoices WHERE state NOT IN "
                  "('FAILED', 'DECLINED', 'CANCELLED', 'EXPIRED', 'PAID', 'REFUNDED') "
                  "ORDER BY id", error);
  if (stmt == NULL)
    return NULL;

  all = query_invoices (self, stmt, error);
  if (all == NULL)
    return NULL;

  result = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < all->len; i++)
    if (!kassa_invoice_state_is_final (kassa_invoice_get_state (all->pdata[i])))
      g_ptr_array_add (result, g_object_ref (all->pdata[i]));

  return result;
}

GPtrArray *
kassa_journal_list (KassaJournal  *self,
                    GDateTime     *from,
                    GDateTime     *to,
                    GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_open (self, error))
    return NULL;

  stmt = prepare (self->db, self->path,
                  "SELECT " INVOICE_COLUMNS " FROM invoices "
                  "WHERE (?1 IS NULL OR created_at >= ?1) AND (?2 IS NULL OR created_at < ?2) "
                  "ORDER BY created_at, id", error);
  if (stmt == NULL)
    return NULL;

  if (from != NULL)
    sqlite3_bind_int64 (stmt, 1, date_time_to_us (from));
  if (to != NULL)
    sqlite3_bind_int64 (stmt, 2, date_time_to_us (to));

  return query_invoices (self, stmt, error);
}

char *
kassa_journal_get_history_json (KassaJournal  *self,
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

  if (!check_open (self, error))
    return NULL;

  stmt = prepare (self->db, self->path,
                  "SELECT from_state, to_state, at, note FROM transitions "
                  "WHERE invoice = ? ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, kassa_invoice_get_number (invoice));

  builder = json_builder_new ();
  json_builder_begin_array (builder);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autofree char *at = format_us (sqlite3_column_int64 (stmt, 2));
      const char *names[] = { "from", "to", NULL, "note" };

      json_builder_begin_object (builder);
      for (int i = 0; i < 4; i++)
        {
          const char *text;

          json_builder_set_member_name (builder, i == 2 ? "at" : names[i]);
          text = i == 2 ? at : (const char *) sqlite3_column_text (stmt, i);
          if (text != NULL)
            json_builder_add_string_value (builder, text);
          else
            json_builder_add_null_value (builder);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  if (rc != SQLITE_DONE)
    {
      set_db_error (error, self->db, self->path, rc);
      return NULL;
    }

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
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

  if (!valid_terminal (terminal))
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_TERMINAL,
                   _("The terminal id is missing or invalid"));
      return NULL;
    }

  if (!begin (self, error))
    return NULL;

  open_stmt = prepare (self->db, self->path,
                       "SELECT id FROM settlements WHERE terminal = ? AND state IN "
                       "('SETTLING', 'SETTLE_UNKNOWN') ORDER BY created_at LIMIT 1", error);
  if (open_stmt == NULL)
    goto fail;
  bind_text (open_stmt, 1, terminal);
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
      set_db_error (error, self->db, self->path, rc);
      goto fail;
    }

  if (!meta_read_seq (self, "next_settlement_seq", &seq, error))
    goto fail;

  row.created_us = g_get_real_time ();
  row.id = make_number ('S', row.created_us, self->journal_id, seq);
  row.terminal = g_strdup (terminal);
  row.state = KASSA_SETTLEMENT_SETTLING;
  g_assert (strlen (row.id) <= 32);

  paid_stmt = prepare (self->db, self->path,
                       "SELECT number, amount FROM invoices WHERE terminal = ? AND state = 'PAID' "
                       "AND settlement_id IS NULL ORDER BY id", error);
  if (paid_stmt == NULL)
    goto fail;
  bind_text (paid_stmt, 1, terminal);
  numbers = g_ptr_array_new_with_free_func (g_free);
  while ((rc = sqlite3_step (paid_stmt)) == SQLITE_ROW)
    {
      gint64 amount = sqlite3_column_int64 (paid_stmt, 1);

      if (amount > G_MAXINT64 - row.local_amount)
        {
          set_corrupt_error (error, self->path, _("the batch sum overflows"));
          goto fail;
        }
      row.local_amount += amount;
      row.local_count++;
      g_ptr_array_add (numbers, column_text (paid_stmt, 0));
    }
  if (rc != SQLITE_DONE)
    {
      set_db_error (error, self->db, self->path, rc);
      goto fail;
    }

  insert_stmt = prepare (self->db, self->path,
                         "INSERT INTO settlements (id, terminal, state, created_at, local_count, "
                         "local_amount, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", error);
  if (insert_stmt == NULL)
    goto fail;
  bind_text (insert_stmt, 1, row.id);
  bind_text (insert_stmt, 2, row.terminal);
  bind_text (insert_stmt, 3, kassa_settlement_state_to_string (row.state));
  sqlite3_bind_int64 (insert_stmt, 4, row.created_us);
  sqlite3_bind_int64 (insert_stmt, 5, row.local_count);
  sqlite3_bind_int64 (insert_stmt, 6, row.local_amount);
  sqlite3_bind_int64 (insert_stmt, 7, row.created_us);
  if (!step_done (self->db, self->path, insert_stmt, error))
    goto fail;

  link_stmt = prepare (self->db, self->path,
                       "INSERT INTO settlement_invoices (settlement_id, invoice) VALUES (?, ?)",
                       error);
  assign_stmt = prepare (self->db, self->path,
                         "UPDATE invoices SET settlement_id = ?, updated_at = ? WHERE number = ?",
                         error);
  if (link_stmt == NULL || assign_stmt == NULL)
    goto fail;
  for (guint i = 0; i < numbers->len; i++)
    {
      sqlite3_reset (link_stmt);
      bind_text (link_stmt, 1, row.id);
      bind_text (link_stmt, 2, numbers->pdata[i]);
      sqlite3_reset (assign_stmt);
      bind_text (assign_stmt, 1, row.id);
      sqlite3_bind_int64 (assign_stmt, 2, row.created_us);
      bind_text (assign_stmt, 3, numbers->pdata[i]);
      if (!step_done (self->db, self->path, link_stmt, error) ||
          !step_done (self->db, self->path, assign_stmt, error))
        goto fail;
    }

  if (!meta_write_seq (self, "next_settlement_seq", seq + 1, error) ||
      !commit (self, error))
    goto fail;

  /* Committed: now the live invoices learn their batch. */
  for (guint i = 0; i < numbers->len; i++)
    {
      KassaInvoice *invoice = g_hash_table_lookup (self->invoices, numbers->pdata[i]);

      if (invoice != NULL)
        {
          KassaInvoiceRow invoice_row;

          kassa_invoice_row_copy (kassa_invoice_get_row (invoice), &invoice_row);
          replace_str (&invoice_row.settlement_id, row.id);
          invoice_row.updated_us = row.created_us;
          kassa_invoice_apply_row (invoice, &invoice_row);
        }
    }

  g_ptr_array_add (numbers, NULL);
  row.invoices = (char **) g_ptr_array_free (g_steal_pointer (&numbers), FALSE);
  settlement = kassa_settlement_new_from_row (&row);
  return cache_settlement (self, settlement);

fail:
  rollback (self);
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

  if (!check_open (self, error))
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
      replace_str (&row.bank_status, reply->status);
    }
  if (note != NULL)
    replace_str (&row.last_error, note);
  if (state == KASSA_SETTLEMENT_SETTLED)
    row.settled_us = now;

  if (!begin (self, error))
    goto fail;

  stmt = prepare (self->db, self->path,
                  "UPDATE settlements SET state = ?, bank_count = ?, bank_amount = ?, "
                  "bank_status = ?, settled_at = ?, last_error = ?, updated_at = ? "
                  "WHERE id = ? AND state = ?", error);
  if (stmt == NULL)
    goto fail;
  bind_text (stmt, 1, kassa_settlement_state_to_string (row.state));
  if (row.has_bank_reply)
    {
      sqlite3_bind_int64 (stmt, 2, row.bank_count);
      sqlite3_bind_int64 (stmt, 3, row.bank_amount);
    }
  bind_text (stmt, 4, row.bank_status);
  if (row.settled_us != 0)
    sqlite3_bind_int64 (stmt, 5, row.settled_us);
  bind_text (stmt, 6, row.last_error);
  sqlite3_bind_int64 (stmt, 7, now);
  bind_text (stmt, 8, row.id);
  bind_text (stmt, 9, kassa_settlement_state_to_string (current->state));
  if (!step_done (self->db, self->path, stmt, error))
    goto fail;
  if (sqlite3_changes (self->db) != 1)
    {
      set_corrupt_error (error, self->path, _("a settlement changed behind Kassa’s back"));
      goto fail;
    }

  if (state == KASSA_SETTLEMENT_FAILED)
    {
      /* The bank refused the batch: its invoices go into the next one. */
      release_stmt = prepare (self->db, self->path,
                              "UPDATE invoices SET settlement_id = NULL, updated_at = ? "
                              "WHERE settlement_id = ?", error);
      if (release_stmt == NULL)
        goto fail;
      sqlite3_bind_int64 (release_stmt, 1, now);
      bind_text (release_stmt, 2, row.id);
      if (!step_done (self->db, self->path, release_stmt, error))
        goto fail;
    }

  if (!commit (self, error))
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
  rollback (self);
  kassa_settlement_row_clear (&row);
  return FALSE;
}

KassaSettlement *
kassa_journal_lookup_settlement (KassaJournal  *self,
                                 const char    *id,
                                 GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  KassaSettlement *cached;
  int rc;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_open (self, error))
    return NULL;

  if (id != NULL && (cached = g_hash_table_lookup (self->settlements, id)) != NULL)
    return g_object_ref (cached);

  stmt = prepare (self->db, self->path,
                  "SELECT " SETTLEMENT_COLUMNS " FROM settlements WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return settlement_from_stmt (self, stmt, error);
  if (rc != SQLITE_DONE)
    {
      set_db_error (error, self->db, self->path, rc);
      return NULL;
    }

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

  if (!check_open (self, error))
    return NULL;

  stmt = prepare (self->db, self->path,
                  "SELECT " SETTLEMENT_COLUMNS " FROM settlements ORDER BY created_at, rowid",
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

  if (!check_open (self, error))
    return NULL;

  row = kassa_settlement_get_row (settlement);
  stmt = prepare (self->db, self->path,
                  "SELECT id FROM settlements WHERE terminal = ? AND state != 'FAILED' "
                  "AND created_at < ? AND id != ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
                  error);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, row->terminal);
  sqlite3_bind_int64 (stmt, 2, row->created_us);
  bind_text (stmt, 3, row->id);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return NULL;
  if (rc != SQLITE_ROW)
    {
      set_db_error (error, self->db, self->path, rc);
      return NULL;
    }

  id = column_text (stmt, 0);
  return kassa_journal_lookup_settlement (self, id, error);
}

GPtrArray *
kassa_journal_list_open_settlements (KassaJournal  *self,
                                     GError       **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_open (self, error))
    return NULL;

  stmt = prepare (self->db, self->path,
                  "SELECT " SETTLEMENT_COLUMNS " FROM settlements "
                  "WHERE state IN ('SETTLING', 'SETTLE_UNKNOWN') ORDER BY created_at, rowid",
                  error);
  if (stmt == NULL)
    return NULL;

  return query_settlements (self, stmt, error);
}

static gboolean
check_meta_key (const char  *key,
                gboolean     writing,
                GError     **error)
{
  gboolean valid = key != NULL && *key != '\0' && strlen (key) <= 64;

  for (const char *p = key; valid && *p != '\0'; p++)
    valid = g_ascii_islower (*p) || g_ascii_isdigit (*p) || strchr ("_.-", *p) != NULL;

  if (valid && writing &&
      (g_str_has_prefix (key, "journal_") || g_str_has_prefix (key, "next_") ||
       g_str_has_prefix (key, "audit_")))
    valid = FALSE;

  if (!valid)
    g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO,
                 _("“%s” is not a setting that can be kept in the journal"),
                 key != NULL ? key : "");

  return valid;
}

char *
kassa_journal_get_meta (KassaJournal  *self,
                        const char    *key,
                        GError       **error)
{
  char *value = NULL;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_open (self, error) || !check_meta_key (key, FALSE, error))
    return NULL;

  if (!meta_read (self->db, self->path, key, &value, error))
    return NULL;

  return value;
}

gboolean
kassa_journal_set_meta (KassaJournal  *self,
                        const char    *key,
                        const char    *value,
                        GError       **error)
{
  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_open (self, error) || !check_meta_key (key, TRUE, error) ||
      !check_in_place (self, error))
    return FALSE;

  return meta_write (self->db, self->path, key, value, error);
}

/* ── for kassa-journal-query.c (kassa-journal-private.h) ──────────────── */

sqlite3 *
kassa_journal_get_db (KassaJournal  *self,
                      GError       **error)
{
  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);

  return check_open (self, error) ? self->db : NULL;
}

const char *
kassa_journal_invoice_columns (void)
{
  return INVOICE_COLUMNS;
}

KassaInvoice *
kassa_journal_invoice_from_stmt (KassaJournal  *self,
                                 sqlite3_stmt  *stmt,
                                 GError       **error)
{
  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);

  return invoice_from_stmt (self, stmt, error);
}

void
kassa_journal_set_sql_error (KassaJournal  *self,
                             int            rc,
                             GError       **error)
{
  g_return_if_fail (KASSA_IS_JOURNAL (self));

  set_db_error (error, self->db, self->path, rc);
}

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
  if (!meta_read (self->db, self->path, AUDIT_HEAD_KEY, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;

  parts = g_strsplit (text, " ", 3);
  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXINT64 - 1, &id, NULL) ||
      strlen (parts[1]) != 64)
    {
      set_corrupt_error (error, self->path, _("bad audit head"));
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
  return pragma_int (self->db, self->path, "SELECT coalesce(max(id), 0) FROM audit", out_id,
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

  if (!begin (self, error))
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

  stmt = prepare (self->db, self->path,
                  "INSERT INTO audit (id, time, action, reason, subject, result, prev_hash, hash) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, entry.id);
  sqlite3_bind_int64 (stmt, 2, entry.time_us);
  bind_text (stmt, 3, entry.action);
  bind_text (stmt, 4, entry.reason);
  bind_text (stmt, 5, entry.subject);
  bind_text (stmt, 6, entry.result);
  bind_text (stmt, 7, entry.prev_hash);
  bind_text (stmt, 8, entry.hash);

  head = g_strdup_printf ("%" G_GINT64_FORMAT " %s", entry.id, entry.hash);
  if (!step_done (self->db, self->path, stmt, error) ||
      !meta_write (self->db, self->path, AUDIT_HEAD_KEY, head, error) ||
      !commit (self, error))
    goto fail;

  g_free (entry.hash);
  return entry.id;

fail:
  g_free (entry.hash);
  rollback (self);
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

  if (!check_open (self, error))
    return NULL;

  stmt = prepare (self->db, self->path,
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
      set_db_error (error, self->db, self->path, rc);
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

  if (!check_open (self, error) ||
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
