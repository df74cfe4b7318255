/* kassa-journal.c
 *
 * Copyright 2026 Kassa developers
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

void
kassa_journal_set_corrupt_error (GError     **error,
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
void
kassa_journal_set_db_error (GError     **error,
                            sqlite3     *db,
                            const char  *path,
                            int          rc)
{
  const char *detail = db_detail (db, rc);

  if (rc_is_locked (rc))
    set_locked_error (error, path);
  else if (rc_is_corrupt (rc))
    kassa_journal_set_corrupt_error (error, path, detail);
  else
    g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO,
                 _("Cannot use the journal %s: %s"), path, detail);
}

gboolean
kassa_journal_check_open (KassaJournal  *self,
                          GError       **error)
{
  if (self->db != NULL)
    return TRUE;

  g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO,
               _("The journal %s is closed"), self->path);
  return FALSE;
}

/* ── small SQL helpers ────────────────────────────────────────────────── */

gboolean
kassa_journal_exec_sql (sqlite3     *db,
                        const char  *path,
                        const char  *sql,
                        GError     **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      kassa_journal_set_db_error (error, db, path, rc);
      return FALSE;
    }

  return TRUE;
}

sqlite3_stmt *
kassa_journal_prepare (sqlite3     *db,
                       const char  *path,
                       const char  *sql,
                       GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  if (rc != SQLITE_OK)
    {
      kassa_journal_set_db_error (error, db, path, rc);
      sqlite3_finalize (stmt);
      return NULL;
    }

  return stmt;
}

/* Runs a statement that returns no row. */
gboolean
kassa_journal_step_done (sqlite3       *db,
                         const char    *path,
                         sqlite3_stmt  *stmt,
                         GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE)
    {
      kassa_journal_set_db_error (error, db, path, rc);
      return FALSE;
    }

  return TRUE;
}

void
kassa_journal_bind_text (sqlite3_stmt *stmt,
                         int           index,
                         const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

char *
kassa_journal_column_text (sqlite3_stmt *stmt,
                           int           index)
{
  const unsigned char *text = sqlite3_column_text (stmt, index);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

#define CLEAR_CLEAN_MARKER \
  "DELETE FROM meta WHERE key = '" KASSA_JOURNAL_CLEAN_CLOSE_KEY "'"
#define SET_CLEAN_MARKER \
  "INSERT OR REPLACE INTO meta (key, value) VALUES ('" KASSA_JOURNAL_CLEAN_CLOSE_KEY "', '1')"

static gboolean check_in_place (KassaJournal  *self,
                                gboolean       clear_marker,
                                GError       **error);

/* Every write transaction starts here: first, is the file still at its path?
 * The session's first one also clears the clean-close marker, in the same
 * transaction: the write and the marker's removal are committed together or
 * not at all, so no sync of its own is spent on the marker (a crash before
 * the commit leaves the file as the last clean close left it). */
gboolean
kassa_journal_begin (KassaJournal  *self,
                     GError       **error)
{
  int rc;

  if (!kassa_journal_check_open (self, error) || !check_in_place (self, FALSE, error) ||
      !kassa_journal_exec_sql (self->db, self->path, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!self->clean_marker_left)
    return TRUE;

  rc = sqlite3_exec (self->db, CLEAR_CLEAN_MARKER, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      kassa_journal_rollback (self);
      return FALSE;
    }
  return TRUE;
}

gboolean
kassa_journal_commit (KassaJournal  *self,
                      GError       **error)
{
  if (!kassa_journal_exec_sql (self->db, self->path, "COMMIT", error))
    return FALSE;
  /* kassa_journal_begin() cleared the marker in what is now committed. */
  self->clean_marker_left = FALSE;
  return TRUE;
}

void
kassa_journal_rollback (KassaJournal *self)
{
  if (self->db != NULL && !sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

void
kassa_journal_replace_str (char       **field,
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
char *
kassa_journal_make_number (char        prefix,
                           gint64      now_us,
                           const char *journal_id,
                           gint64      seq)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (now_us / G_USEC_PER_SEC);
  g_autofree char *date = g_date_time_format (now, "%y%m%d");

  return g_strdup_printf ("%c%s-%s-%04" G_GINT64_FORMAT, prefix, date, journal_id, seq);
}

/* ── meta ─────────────────────────────────────────────────────────────── */

gboolean
kassa_journal_meta_read (sqlite3     *db,
                         const char  *path,
                         const char  *key,
                         char       **out_value,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt =
    kassa_journal_prepare (db, path, "SELECT value FROM meta WHERE key = ?", error);
  int rc;

  *out_value = NULL;
  if (stmt == NULL)
    return FALSE;

  kassa_journal_bind_text (stmt, 1, key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out_value = kassa_journal_column_text (stmt, 0);
      return TRUE;
    }
  if (rc == SQLITE_DONE)
    return TRUE;

  kassa_journal_set_db_error (error, db, path, rc);
  return FALSE;
}

gboolean
kassa_journal_meta_write (sqlite3     *db,
                          const char  *path,
                          const char  *key,
                          const char  *value,
                          GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (value != NULL)
    stmt = kassa_journal_prepare (db, path,
                                  "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", error);
  else
    stmt = kassa_journal_prepare (db, path, "DELETE FROM meta WHERE key = ?", error);
  if (stmt == NULL)
    return FALSE;

  kassa_journal_bind_text (stmt, 1, key);
  if (value != NULL)
    kassa_journal_bind_text (stmt, 2, value);

  return kassa_journal_step_done (db, path, stmt, error);
}

/* Reads a sequence counter of meta, inside a transaction. */
gboolean
kassa_journal_meta_read_seq (KassaJournal  *self,
                             const char    *key,
                             gint64        *out_seq,
                             GError       **error)
{
  g_autofree char *text = NULL;
  guint64 value = 0;

  if (!kassa_journal_meta_read (self->db, self->path, key, &text, error))
    return FALSE;

  if (text == NULL ||
      !g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64 - 1, &value, NULL))
    {
      kassa_journal_set_corrupt_error (error, self->path, _("bad sequence counter"));
      return FALSE;
    }

  *out_seq = (gint64) value;
  return TRUE;
}

gboolean
kassa_journal_meta_write_seq (KassaJournal  *self,
                              const char    *key,
                              gint64         seq,
                              GError       **error)
{
  char text[32];

  g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, seq);
  return kassa_journal_meta_write (self->db, self->path, key, text, error);
}

/* ── opening ──────────────────────────────────────────────────────────── */

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

  if (!kassa_journal_exec_sql (db, path, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!kassa_journal_meta_write (db, path, "journal_id", journal_id, error) ||
      (identity != NULL && !kassa_journal_meta_write (db, path, "journal_file", identity, error)) ||
      !kassa_journal_exec_sql (db, path, "COMMIT", error))
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
                     gboolean    *inout_marker_left,
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
  if (!kassa_journal_meta_read (db, path, "journal_file", &stored, error))
    return FALSE;
  if (g_strcmp0 (stored, current) == 0)
    return TRUE;

  /* Writes follow: not closed cleanly from here (see open_database). */
  if (*inout_marker_left)
    *inout_marker_left = sqlite3_exec (db, CLEAR_CLEAN_MARKER, NULL, NULL, NULL) != SQLITE_OK;

  if (stored == NULL || adopt)
    return kassa_journal_meta_write (db, path, "journal_file", current, error);

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

  if (!kassa_journal_meta_read_seq (self, "next_invoice_seq", &seq, error))
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

/* A new journal is built whole beside its path, in PATH.new, and renamed
 * into place (docs/journal.md "A new journal"). Until it is complete nothing
 * is synced; then one fsync of the file and one of its folder. Written in
 * place, the same schema cost about a dozen syncs (the empty file's header
 * in a rollback journal, the switch to WAL, the WAL's creation, the
 * migration, the file identity), each a wait for the disk that the first
 * sale of a new till paid for. A crash before the rename leaves no journal
 * at the path, and the next open builds it again; after it, a complete one
 * that was closed cleanly. Only the holder of PATH.lock builds, so a PATH.new
 * found here is a build a crash cut short, and is removed. */
/* Removes PATH.new and the files SQLite may have made beside it. FALSE (with
 * errno) when one that is there cannot be removed. */
static gboolean
remove_build (const char *tmp)
{
  static const char * const suffixes[] = { "", "-wal", "-shm", "-journal" };
  gboolean ok = TRUE;
  int saved_errno = 0;

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (tmp, suffixes[i], NULL);

      if (g_unlink (name) != 0 && errno != ENOENT && ok)
        {
          ok = FALSE;
          saved_errno = errno;
        }
    }

  errno = saved_errno;
  return ok;
}

static gboolean
build_new_journal (const char  *path,
                   GError     **error)
{
  g_autofree char *tmp = g_strconcat (path, ".new", NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *identity = NULL;
  g_autoptr(sqlite3) db = NULL;
  struct stat st;
  int rc;

  if (!remove_build (tmp))
    {
      set_errno_error (error, _("Cannot create the journal %s: %s"), path, errno);
      return FALSE;
    }

  if (!create_private_file (tmp, error))
    return FALSE;

  rc = sqlite3_open_v2 (tmp, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      kassa_journal_set_db_error (error, db, path, rc);
      return FALSE;
    }
  sqlite3_extended_result_codes (db, 1);

  /* No rollback journal and no sync while it is built: until the rename the
   * file is nobody's journal. */
  if (!kassa_journal_exec_sql (db, path, "PRAGMA locking_mode = EXCLUSIVE", error) ||
      !kassa_journal_exec_sql (db, path, "PRAGMA synchronous = OFF", error) ||
      !kassa_journal_exec_sql (db, path, "PRAGMA journal_mode = OFF", error))
    goto fail;

  /* The identity of the file it becomes (rename() keeps the inode), and the
   * clean-close marker, with the schema. */
  if (g_stat (tmp, &st) != 0)
    {
      set_errno_error (error, _("Cannot create the journal %s: %s"), path, errno);
      goto fail;
    }
  identity = file_identity (path, &st);
  if (!kassa_journal_create_schema (db, path, identity, error) ||
      !kassa_journal_exec_sql (db, path, "PRAGMA journal_mode = WAL", error))
    goto fail;

  rc = sqlite3_close (db);
  db = NULL;
  if (rc != SQLITE_OK)
    {
      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO,
                   _("Cannot create the journal %s: %s"), path, sqlite3_errstr (rc));
      goto fail;
    }

  if (!fsync_path (tmp, O_RDONLY) || g_rename (tmp, path) != 0 ||
      !fsync_path (dir, O_RDONLY | O_DIRECTORY))
    {
      set_errno_error (error, _("Cannot create the journal %s: %s"), path, errno);
      goto fail;
    }

  return TRUE;

fail:
  g_clear_pointer (&db, sqlite3_close);
  remove_build (tmp);
  return FALSE;
}

/* Opens @path (its PATH.lock already held). *@out_notice receives a sentence
 * the person must read, or stays NULL. @adopt: see check_file_identity(). */
static sqlite3 *
open_database (const char  *path,
               gboolean     adopt,
               char       **out_journal_id,
               struct stat *out_stat,
               char       **out_notice,
               gboolean    *out_checked,
               gboolean    *out_marker_left,
               GError     **error)
{
  g_autoptr(sqlite3) db = NULL;
  g_autofree char *journal_id = NULL;
  gint64 version = 0;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  int rc;

  /* An existing file is never created anew; a missing one is built whole
   * (an empty file is taken as a new journal too, in place). */
  if (g_lstat (path, out_stat) != 0 && errno == ENOENT)
    {
      if (!build_new_journal (path, error))
        return NULL;
    }
  else if (!create_private_file (path, error))
    return NULL;

  rc = sqlite3_open_v2 (path, &db, flags, NULL);
  if (rc != SQLITE_OK)
    {
      kassa_journal_set_db_error (error, db, path, rc);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, 0);

  /* No I/O yet: these only configure the connection. */
  if (!kassa_journal_exec_sql (db, path, "PRAGMA locking_mode = EXCLUSIVE", error) ||
      !kassa_journal_exec_sql (db, path, "PRAGMA foreign_keys = ON", error) ||
      !kassa_journal_exec_sql (db, path, "PRAGMA synchronous = FULL", error))
    return NULL;

  /* The first read: takes the lock (another holder → busy) and reads the
   * header (not a database → notadb). Nothing is written until the file is
   * known to be ours. */
  if (!kassa_journal_exec_sql (db, path, "BEGIN IMMEDIATE", error))
    return NULL;
  if (!kassa_journal_inspect (db, path, &version, out_checked, error))
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return NULL;
    }
  if (!kassa_journal_exec_sql (db, path, "COMMIT", error))
    return NULL;

  {
    g_autoptr(sqlite3_stmt) stmt =
      kassa_journal_prepare (db, path, "PRAGMA journal_mode = WAL", error);
    const char *mode;

    if (stmt == NULL)
      return NULL;
    rc = sqlite3_step (stmt);
    if (rc != SQLITE_ROW)
      {
        kassa_journal_set_db_error (error, db, path, rc);
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

  /* An empty file at the path is a new journal made in place. */
  if (version == 0)
    {
      g_autofree char *identity = NULL;

      if (g_stat (path, out_stat) != 0)
        {
          set_errno_error (error, _("Cannot create the journal %s: %s"), path, errno);
          return NULL;
        }
      identity = file_identity (path, out_stat);
      if (!kassa_journal_create_schema (db, path, identity, error))
        return NULL;
    }
  else if (!kassa_journal_migrate (db, path, version, error))
    return NULL;

  /* The clean-close marker is cleared before the first write of the
   * session (clear_clean_marker, from kassa_journal_begin()): from then
   * until kassa_journal_close() the journal counts as not closed cleanly,
   * and a crash at any later point makes the next open check it. A session
   * that only reads (kassa-ctl pending, history) writes nothing at all, so a
   * crash in it leaves a journal as sound as it found it. An upgrade, and a
   * file whose identity is written below, write at once: clear it first. A
   * full disk must not keep the journal from opening (recovery must still
   * tell the person what it could not record): then it is tried again
   * before the first write. */
  *out_marker_left = TRUE;
  if (version != 0 && version != KASSA_JOURNAL_SCHEMA_VERSION)
    *out_marker_left = sqlite3_exec (db, CLEAR_CLEAN_MARKER, NULL, NULL, NULL) != SQLITE_OK;

  if (!kassa_journal_meta_read (db, path, "journal_id", &journal_id, error))
    return NULL;
  if (!kassa_journal_is_journal_id (journal_id))
    {
      kassa_journal_set_corrupt_error (error, path, _("no journal id"));
      return NULL;
    }

  if (!check_file_identity (db, path, adopt, &journal_id, out_marker_left, out_notice, error))
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
      kassa_journal_bind_text (stmt, 1, tmp);
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
  db = open_database (self->path, TRUE, &journal_id, &st, &notice, &self->checked_at_open,
                      &self->clean_marker_left, error);
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

/* Before the first write outside kassa_journal_begin() (a single statement
 * that is its own transaction): the clean-close marker goes first. */
static gboolean
clear_clean_marker (KassaJournal  *self,
                    GError       **error)
{
  int rc;

  if (!self->clean_marker_left)
    return TRUE;
  rc = sqlite3_exec (self->db, CLEAR_CLEAN_MARKER, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      return FALSE;
    }
  self->clean_marker_left = FALSE;
  return TRUE;
}

/* Before each write: is the file we have open still the one at the path?
 * @clear_marker: the write is a statement of its own, not a transaction of
 * kassa_journal_begin(), so the marker is cleared before it. */
static gboolean
check_in_place (KassaJournal  *self,
                gboolean       clear_marker,
                GError       **error)
{
  struct stat st;

  if (g_stat (self->path, &st) == 0)
    {
      if ((st.st_dev != self->dev || st.st_ino != self->ino) &&
          !restore_in_place (self, TRUE, error))
        return FALSE;
    }
  else if (errno != ENOENT)
    {
      set_errno_error (error, _("Cannot use the journal %s: %s"), self->path, errno);
      return FALSE;
    }
  else if (!restore_in_place (self, FALSE, error))
    return FALSE;

  return !clear_marker || clear_clean_marker (self, error);
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

KassaSettlement *
kassa_journal_cache_settlement (KassaJournal    *self,
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
      kassa_journal_set_corrupt_error (error, self->path, _("an invoice row is unreadable"));
      return NULL;
    }

  row.number = kassa_journal_column_text (stmt, 0);
  row.terminal = kassa_journal_column_text (stmt, 1);
  row.amount = sqlite3_column_int64 (stmt, 2);
  row.phone = kassa_journal_column_text (stmt, 4);
  row.reference = kassa_journal_column_text (stmt, 5);
  row.created_us = sqlite3_column_int64 (stmt, 6);
  row.payload = kassa_journal_column_text (stmt, 8);
  row.approval_code = kassa_journal_column_text (stmt, 9);
  row.card_number = kassa_journal_column_text (stmt, 10);
  row.resp_code = kassa_journal_column_text (stmt, 11);
  row.resp_desc = kassa_journal_column_text (stmt, 12);
  row.paid_after_cancel = sqlite3_column_int (stmt, 13) != 0;
  row.settlement_id = kassa_journal_column_text (stmt, 14);
  row.last_error = kassa_journal_column_text (stmt, 15);
  row.updated_us = sqlite3_column_int64 (stmt, 16);

  return cache_invoice (self, kassa_invoice_new_from_row (&row));
}

GPtrArray *
kassa_journal_query_rows (KassaJournal          *self,
                          sqlite3_stmt          *stmt,
                          KassaJournalFromStmt   from_stmt,
                          GError               **error)
{
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func (g_object_unref);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gpointer object = from_stmt (self, stmt, error);

      if (object == NULL)
        return NULL;
      g_ptr_array_add (result, object);
    }

  if (rc != SQLITE_DONE)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      return NULL;
    }

  return g_steal_pointer (&result);
}

static GPtrArray *
query_invoices (KassaJournal  *self,
                sqlite3_stmt  *stmt,
                GError       **error)
{
  return kassa_journal_query_rows (self, stmt, (KassaJournalFromStmt) invoice_from_stmt, error);
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
    kassa_journal_prepare (self->db, self->path,
                           "INSERT INTO transitions (invoice, from_state, to_state, at, note) "
                           "VALUES (?, ?, ?, ?, ?)", error);

  if (stmt == NULL)
    return FALSE;

  kassa_journal_bind_text (stmt, 1, number);
  kassa_journal_bind_text (stmt, 2, from_state);
  kassa_journal_bind_text (stmt, 3, to_state);
  sqlite3_bind_int64 (stmt, 4, at_us);
  kassa_journal_bind_text (stmt, 5, note);

  return kassa_journal_step_done (self->db, self->path, stmt, error);
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

gboolean
kassa_journal_valid_terminal (const char *terminal)
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
    kassa_journal_prepare (self->db, self->path,
                           "UPDATE invoices SET state = ?, payload = ?, approval_code = ?, "
                           "card_number = ?, "
                           "resp_code = ?, resp_desc = ?, paid_after_cancel = ?, last_error = ?, "
                           "settlement_id = ?, updated_at = ? WHERE number = ? AND state = "
                           "?", error);

  if (stmt == NULL)
    return FALSE;

  kassa_journal_bind_text (stmt, 1, kassa_invoice_state_to_string (row->state));
  kassa_journal_bind_text (stmt, 2, row->payload);
  kassa_journal_bind_text (stmt, 3, row->approval_code);
  kassa_journal_bind_text (stmt, 4, row->card_number);
  kassa_journal_bind_text (stmt, 5, row->resp_code);
  kassa_journal_bind_text (stmt, 6, row->resp_desc);
  sqlite3_bind_int (stmt, 7, row->paid_after_cancel ? 1 : 0);
  kassa_journal_bind_text (stmt, 8, row->last_error);
  kassa_journal_bind_text (stmt, 9, row->settlement_id);
  sqlite3_bind_int64 (stmt, 10, row->updated_us);
  kassa_journal_bind_text (stmt, 11, row->number);
  kassa_journal_bind_text (stmt, 12, kassa_invoice_state_to_string (expected_state));

  if (!kassa_journal_step_done (self->db, self->path, stmt, error))
    return FALSE;

  if (sqlite3_changes (self->db) != 1)
    {
      /* The object and the file disagree: someone else wrote the file. */
      kassa_journal_set_corrupt_error (error, self->path,
                                       _("an invoice changed behind Kassa’s back"));
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

  self = g_object_new (KASSA_TYPE_JOURNAL, NULL);
  db = open_database (path, FALSE, &journal_id, &st, &notice, &self->checked_at_open,
                      &self->clean_marker_left, error);
  if (db == NULL)
    {
      close (lock_fd);
      return NULL;
    }

  self->path = g_strdup (path);
  self->db = db;
  self->lock_fd = lock_fd;
  self->dev = st.st_dev;
  self->ino = st.st_ino;
  self->journal_id = g_steal_pointer (&journal_id);
  self->open_notice = g_steal_pointer (&notice);

  if (!check_high_water (self, error))
    return NULL;

  /* Print jobs a crash cut short. Like every write, through
   * kassa_journal_begin(), which clears the clean-close marker first. A full
   * disk must not keep the journal from opening: the jobs then still read
   * PRINTING, and the next open tries again. */
  {
    g_autoptr(GError) local_error = NULL;

    if (!kassa_journal_fail_stale_prints (self, &local_error))
      g_debug ("Could not mark the unfinished print jobs of %s as failed: %s", path,
               local_error->message);
  }

  return g_steal_pointer (&self);
}

const char *
kassa_journal_get_open_notice (KassaJournal *self)
{
  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);

  return self->open_notice;
}

gboolean
kassa_journal_get_checked_at_open (KassaJournal *self)
{
  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);

  return self->checked_at_open;
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
      kassa_journal_rollback (self);
      /* The last write: every row before it is committed. Until it is, the
       * next open counts this session as a crash and checks the file. A
       * session that wrote nothing left the marker as it was, unless its
       * open checked the file (the last session crashed): the file is sound
       * now, and the next open need not check it again. */
      if ((!self->clean_marker_left || self->checked_at_open) &&
          sqlite3_exec (self->db, SET_CLEAN_MARKER, NULL, NULL, NULL) != SQLITE_OK)
        g_debug ("Could not mark the journal %s as closed cleanly: %s", self->path,
                 sqlite3_errmsg (self->db));
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

  if (!kassa_journal_valid_terminal (terminal))
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

  if (!kassa_journal_begin (self, error))
    return NULL;

  if (!kassa_journal_meta_read_seq (self, "next_invoice_seq", &seq, error))
    goto fail;

  row.created_us = row.updated_us = g_get_real_time ();
  row.number = kassa_journal_make_number ('K', row.created_us, self->journal_id, seq);
  row.terminal = g_strdup (terminal);
  row.amount = amount;
  row.method = method;
  row.phone = g_strdup (phone);
  row.reference = g_strdup (reference);
  row.state = KASSA_INVOICE_CREATING;
  g_assert (strlen (row.number) <= 32);

  stmt = kassa_journal_prepare (self->db, self->path,
                                "INSERT INTO invoices (number, terminal, amount, method, phone, "
                                "reference, "
                                "created_at, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                                "?)", error);
  if (stmt == NULL)
    goto fail;
  kassa_journal_bind_text (stmt, 1, row.number);
  kassa_journal_bind_text (stmt, 2, row.terminal);
  sqlite3_bind_int64 (stmt, 3, row.amount);
  kassa_journal_bind_text (stmt, 4, kassa_invoice_method_to_string (row.method));
  kassa_journal_bind_text (stmt, 5, row.phone);
  kassa_journal_bind_text (stmt, 6, row.reference);
  sqlite3_bind_int64 (stmt, 7, row.created_us);
  kassa_journal_bind_text (stmt, 8, kassa_invoice_state_to_string (row.state));
  sqlite3_bind_int64 (stmt, 9, row.updated_us);

  if (!kassa_journal_step_done (self->db, self->path, stmt, error) ||
      !insert_transition (self, row.number, NULL, kassa_invoice_state_to_string (row.state),
                          row.created_us, NULL, error) ||
      !kassa_journal_meta_write_seq (self, "next_invoice_seq", seq + 1, error) ||
      !kassa_journal_commit (self, error))
    goto fail;
  write_high_water (self->lock_fd, self->journal_id, seq + 1);

  invoice = kassa_invoice_new_from_row (&row);
  return cache_invoice (self, invoice);

fail:
  kassa_journal_rollback (self);
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
    kassa_journal_prepare (self->db, self->path,
                           "UPDATE invoices SET cancel_reason = ? WHERE number = ?",
                           error);

  if (stmt == NULL)
    return FALSE;

  kassa_journal_bind_text (stmt, 1, g_enum_get_value (enum_class, reason)->value_nick);
  kassa_journal_bind_text (stmt, 2, number);

  return kassa_journal_step_done (self->db, self->path, stmt, error);
}

/* An exchange's endpoint is one the journal has a name for. */
static gboolean
check_endpoint (KassaBankEndpoint   endpoint,
                GError            **error)
{
  if ((guint) endpoint < KASSA_BANK_N_ENDPOINTS)
    return TRUE;

  g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO,
               _("Unknown bank endpoint %d"), (int) endpoint);
  return FALSE;
}

/* One row of the exchange log, in the caller's transaction (or as a
 * statement of its own outside one). */
static gboolean
insert_exchange (KassaJournal      *self,
                 const char        *number,
                 const char        *settlement_id,
                 KassaBankEndpoint  endpoint,
                 const char        *request_json,
                 guint              http_status,
                 const char        *reply_body,
                 const GError      *reply_error,
                 gboolean           routine,
                 gint64             now_us,
                 GError           **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = kassa_journal_prepare (self->db, self->path,
                                "INSERT INTO exchanges (invoice, settlement_id, endpoint, "
                                "request_json, "
                                "http_status, reply_body, error_domain, error_code, error_message, "
                                "at, routine) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;

  kassa_journal_bind_text (stmt, 1, number);
  kassa_journal_bind_text (stmt, 2, settlement_id);
  kassa_journal_bind_text (stmt, 3, kassa_bank_endpoint_get_name (endpoint));
  kassa_journal_bind_text (stmt, 4, request_json);
  if (http_status != 0)
    sqlite3_bind_int (stmt, 5, (int) http_status);
  else
    sqlite3_bind_null (stmt, 5);
  kassa_journal_bind_text (stmt, 6, reply_body);
  if (reply_error != NULL)
    {
      kassa_journal_bind_text (stmt, 7, g_quark_to_string (reply_error->domain));
      sqlite3_bind_int (stmt, 8, reply_error->code);
      kassa_journal_bind_text (stmt, 9, reply_error->message);
    }
  else
    {
      sqlite3_bind_null (stmt, 7);
      sqlite3_bind_null (stmt, 8);
      sqlite3_bind_null (stmt, 9);
    }
  sqlite3_bind_int64 (stmt, 10, now_us);
  sqlite3_bind_int (stmt, 11, routine ? 1 : 0);

  return kassa_journal_step_done (self->db, self->path, stmt, error);
}

/* kassa_journal_move(), and the cancel's reason when @reason is known, and
 * @exchange (may be NULL), the bank's answer that caused the move, in the
 * same transaction. */
static gboolean
move_invoice (KassaJournal               *self,
              KassaInvoice               *invoice,
              KassaInvoiceState           state,
              const char                 *payload,
              const KassaBankTransaction *transaction,
              const char                 *note,
              KassaCancelReason           reason,
              const KassaJournalExchange *exchange,
              GError                    **error)
{
  const KassaInvoiceRow *current;
  KassaInvoiceRow row = { 0 };
  KassaInvoiceState from;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kassa_journal_check_open (self, error))
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
    kassa_journal_replace_str (&row.payload, payload);
  if (transaction != NULL)
    {
      if (transaction->approval_code != NULL)
        kassa_journal_replace_str (&row.approval_code, transaction->approval_code);
      if (transaction->card_number != NULL)
        kassa_journal_replace_str (&row.card_number, transaction->card_number);
      if (transaction->resp_code != NULL)
        kassa_journal_replace_str (&row.resp_code, transaction->resp_code);
      if (transaction->resp_desc != NULL)
        kassa_journal_replace_str (&row.resp_desc, transaction->resp_desc);
    }
  if (note != NULL)
    kassa_journal_replace_str (&row.last_error, note);
  /* The cashier asked to cancel (or the sale expired) and the customer paid
   * anyway: the money is there, and the cashier must be told. */
  if (state == KASSA_INVOICE_PAID &&
      (from == KASSA_INVOICE_CANCELLING || from == KASSA_INVOICE_CANCEL_UNKNOWN ||
       from == KASSA_INVOICE_CANCELLED || from == KASSA_INVOICE_EXPIRED))
    row.paid_after_cancel = TRUE;

  if (!kassa_journal_begin (self, error) ||
      !update_invoice_row (self, &row, from, error) ||
      (reason != KASSA_CANCEL_REASON_UNKNOWN &&
       !update_cancel_reason (self, row.number, reason, error)) ||
      (exchange != NULL &&
       !insert_exchange (self, row.number, NULL, exchange->endpoint, exchange->request_json,
                         exchange->http_status, exchange->reply_body, NULL, FALSE,
                         row.updated_us, error)) ||
      !insert_transition (self, row.number, kassa_invoice_state_to_string (from),
                          kassa_invoice_state_to_string (state), row.updated_us, note, error) ||
      !kassa_journal_commit (self, error))
    {
      kassa_journal_rollback (self);
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
                       KASSA_CANCEL_REASON_UNKNOWN, NULL, error);
}

gboolean
kassa_journal_move_recording (KassaJournal                *self,
                              KassaInvoice                *invoice,
                              KassaInvoiceState            state,
                              const char                  *payload,
                              const KassaBankTransaction  *transaction,
                              const char                  *note,
                              const KassaJournalExchange  *exchange,
                              GError                     **error)
{
  g_return_val_if_fail (exchange != NULL, FALSE);

  if (!check_endpoint (exchange->endpoint, error))
    return FALSE;

  return move_invoice (self, invoice, state, payload, transaction, note,
                       KASSA_CANCEL_REASON_UNKNOWN, exchange, error);
}

gboolean
kassa_journal_move_to_cancelling (KassaJournal       *self,
                                  KassaInvoice       *invoice,
                                  KassaCancelReason   reason,
                                  const char         *note,
                                  GError            **error)
{
  return move_invoice (self, invoice, KASSA_INVOICE_CANCELLING, NULL, NULL, note, reason, NULL,
                       error);
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

  if (!kassa_journal_check_open (self, error))
    return FALSE;

  stmt = kassa_journal_prepare (self->db, self->path,
                                "SELECT cancel_reason FROM invoices WHERE number = ?",
                                error);
  if (stmt == NULL)
    return FALSE;
  kassa_journal_bind_text (stmt, 1, kassa_invoice_get_number (invoice));

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_NOT_FOUND,
                   _("There is no invoice %s in the journal"), kassa_invoice_get_number (invoice));
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
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

  if (!kassa_journal_check_open (self, error))
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

  if (!kassa_journal_begin (self, error) ||
      !update_invoice_row (self, &row, current->state, error) ||
      !insert_transition (self, row.number, "PAID", "PAID", row.updated_us,
                          "paid after cancel", error) ||
      !kassa_journal_commit (self, error))
    {
      kassa_journal_rollback (self);
      kassa_invoice_row_clear (&row);
      return FALSE;
    }

  kassa_invoice_apply_row (invoice, &row);
  return TRUE;
}

/* Counts a routine exchange on the invoice's latest row when that one is a
 * routine exchange of the same endpoint: TRUE in *@out_counted then. */
static gboolean
count_routine (KassaJournal       *self,
               const char         *number,
               const char         *endpoint,
               gint64              now_us,
               gboolean           *out_counted,
               GError            **error)
{
  g_autoptr(sqlite3_stmt) last = NULL;
  g_autoptr(sqlite3_stmt) update = NULL;
  gint64 id;
  int rc;

  *out_counted = FALSE;
  last = kassa_journal_prepare (self->db, self->path,
                                "SELECT id, routine, endpoint FROM exchanges WHERE invoice = ? "
                                "ORDER BY id DESC LIMIT 1", error);
  if (last == NULL)
    return FALSE;
  kassa_journal_bind_text (last, 1, number);
  rc = sqlite3_step (last);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    {
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      return FALSE;
    }
  if (sqlite3_column_int (last, 1) == 0 ||
      g_strcmp0 ((const char *) sqlite3_column_text (last, 2), endpoint) != 0)
    return TRUE;
  id = sqlite3_column_int64 (last, 0);

  update = kassa_journal_prepare (self->db, self->path,
                                  "UPDATE exchanges SET repeats = repeats + 1, "
                                  "first_at = coalesce(first_at, at), at = ? WHERE id = ?", error);
  if (update == NULL)
    return FALSE;
  sqlite3_bind_int64 (update, 1, now_us);
  sqlite3_bind_int64 (update, 2, id);
  if (!kassa_journal_step_done (self->db, self->path, update, error))
    return FALSE;

  *out_counted = TRUE;
  return TRUE;
}

static gboolean
record_exchange (KassaJournal      *self,
                 KassaInvoice      *invoice,
                 const char        *settlement_id,
                 KassaBankEndpoint  endpoint,
                 const char        *request_json,
                 guint              http_status,
                 const char        *reply_body,
                 const GError      *reply_error,
                 gboolean           routine,
                 GError           **error)
{
  gint64 now_us = g_get_real_time ();
  gboolean counted = FALSE;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), FALSE);
  g_return_val_if_fail (invoice == NULL || KASSA_IS_INVOICE (invoice), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kassa_journal_check_open (self, error))
    return FALSE;
  if (!check_endpoint (endpoint, error))
    return FALSE;

  /* Only an invoice's exchanges are counted: a settlement's are few. A
   * routine one is a transaction (kassa_journal_begin() checks the file);
   * another is a statement of its own. */
  routine = routine && invoice != NULL;
  if (!routine && !check_in_place (self, TRUE, error))
    return FALSE;
  if (routine)
    {
      if (!kassa_journal_begin (self, error))
        return FALSE;
      if (!count_routine (self, kassa_invoice_get_number (invoice),
                          kassa_bank_endpoint_get_name (endpoint), now_us, &counted, error))
        goto fail;
      if (counted)
        {
          if (!kassa_journal_commit (self, error))
            goto fail;
          return TRUE;
        }
    }

  /* Outside a transaction, one statement is its own committed transaction. */
  if (!insert_exchange (self, invoice != NULL ? kassa_invoice_get_number (invoice) : NULL,
                        settlement_id, endpoint, request_json, http_status, reply_body,
                        reply_error, routine, now_us, error))
    goto fail;
  if (routine && !kassa_journal_commit (self, error))
    goto fail;
  return TRUE;

fail:
  if (routine)
    kassa_journal_rollback (self);
  return FALSE;
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
  return record_exchange (self, invoice, settlement_id, endpoint, request_json, http_status,
                          reply_body, reply_error, FALSE, error);
}

gboolean
kassa_journal_record_routine_exchange (KassaJournal      *self,
                                       KassaInvoice      *invoice,
                                       KassaBankEndpoint  endpoint,
                                       const char        *request_json,
                                       guint              http_status,
                                       const char        *reply_body,
                                       const GError      *reply_error,
                                       GError           **error)
{
  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), FALSE);

  return record_exchange (self, invoice, NULL, endpoint, request_json, http_status,
                          reply_body, reply_error, TRUE, error);
}

gpointer
kassa_journal_lookup_row (KassaJournal          *self,
                          GHashTable            *cache,
                          const char            *sql,
                          const char            *key,
                          KassaJournalFromStmt   from_stmt,
                          GError               **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gpointer cached;
  int rc;

  if (!kassa_journal_check_open (self, error))
    return NULL;

  if (key != NULL && (cached = g_hash_table_lookup (cache, key)) != NULL)
    return g_object_ref (cached);

  stmt = kassa_journal_prepare (self->db, self->path, sql, error);
  if (stmt == NULL)
    return NULL;
  kassa_journal_bind_text (stmt, 1, key);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return from_stmt (self, stmt, error);
  if (rc != SQLITE_DONE)
    kassa_journal_set_db_error (error, self->db, self->path, rc);

  return NULL;
}

KassaInvoice *
kassa_journal_lookup (KassaJournal  *self,
                      const char    *number,
                      GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  KassaInvoice *invoice;

  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  invoice = kassa_journal_lookup_row (self, self->invoices,
                                      "SELECT " INVOICE_COLUMNS " FROM invoices WHERE number = ?",
                                      number, (KassaJournalFromStmt) invoice_from_stmt,
                                      &local_error);
  if (invoice != NULL)
    return invoice;
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
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

  if (!kassa_journal_check_open (self, error))
    return NULL;

  /* The set of final states lives in one place, kassa_invoice_state_is_final:
   * the unfinished ones are listed from it, so that the state index finds
   * the few rows (NOT IN the final ones reads every invoice). */
  {
    g_autoptr(GString) sql = g_string_new ("SELECT " INVOICE_COLUMNS " FROM invoices WHERE "
                                           "state IN (");
    const char *separator = "";

    for (int state = 0; state <= KASSA_INVOICE_REFUNDED; state++)
      if (!kassa_invoice_state_is_final (state))
        {
          g_string_append_printf (sql, "%s'%s'", separator,
                                  kassa_invoice_state_to_string (state));
          separator = ", ";
        }
    g_string_append (sql, ") ORDER BY id");
    stmt = kassa_journal_prepare (self->db, self->path, sql->str, error);
  }
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

  if (!kassa_journal_check_open (self, error))
    return NULL;

  stmt = kassa_journal_prepare (self->db, self->path,
                                "SELECT " INVOICE_COLUMNS " FROM invoices "
                                "WHERE created_at >= ?1 AND created_at < ?2 "
                                "ORDER BY created_at, id", error);
  if (stmt == NULL)
    return NULL;

  /* A range the index on created_at reads (an "IS NULL OR" would read every
   * row); no bound is the widest range. */
  sqlite3_bind_int64 (stmt, 1, from != NULL ? date_time_to_us (from) : G_MININT64);
  sqlite3_bind_int64 (stmt, 2, to != NULL ? date_time_to_us (to) : G_MAXINT64);

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

  if (!kassa_journal_check_open (self, error))
    return NULL;

  stmt = kassa_journal_prepare (self->db, self->path,
                                "SELECT from_state, to_state, at, note FROM transitions "
                                "WHERE invoice = ? ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  kassa_journal_bind_text (stmt, 1, kassa_invoice_get_number (invoice));

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
      kassa_journal_set_db_error (error, self->db, self->path, rc);
      return NULL;
    }

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
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

  if (!kassa_journal_check_open (self, error) || !check_meta_key (key, FALSE, error))
    return NULL;

  if (!kassa_journal_meta_read (self->db, self->path, key, &value, error))
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

  if (!kassa_journal_check_open (self, error) || !check_meta_key (key, TRUE, error) ||
      !check_in_place (self, TRUE, error))
    return FALSE;

  return kassa_journal_meta_write (self->db, self->path, key, value, error);
}

/* ── for kassa-journal-query.c (kassa-journal-private.h) ──────────────── */

sqlite3 *
kassa_journal_get_db (KassaJournal  *self,
                      GError       **error)
{
  g_return_val_if_fail (KASSA_IS_JOURNAL (self), NULL);

  return kassa_journal_check_open (self, error) ? self->db : NULL;
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

  kassa_journal_set_db_error (error, self->db, self->path, rc);
}
