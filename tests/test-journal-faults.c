/* test-journal-faults.c — what kassa-ctl does when the journal's file fails it
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real faults only: a disk that is full because a small tmpfs is (the test
 * runs in its own mount namespace, as root; skipped with the reason
 * otherwise), a journal deleted, renamed or copied with the file system's own
 * calls, a file cut short. kassa-ctl runs as a real process against a real
 * kassa-bank-sim. docs/journal.md and docs/reliability.md describe what
 * should happen.
 */

#include "config.h"

#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "kassa-journal.h"
#include "kassa-test-ctl.h"
#include "kassa-test-util.h"

static char *no_mounts_reason;  /* why the tmpfs tests are skipped, or NULL */

typedef struct
{
  KassaTestSim *sim;
  char         *tmpdir;
  char         *disk;      /* a folder a tmpfs may be mounted on */
  gboolean      mounted;
  char         *journal;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sim = kassa_test_sim_spawnv (NULL);
  f->tmpdir = g_dir_make_tmp ("test-journal-faults-XXXXXX", &error);
  g_assert_no_error (error);
  f->disk = g_build_filename (f->tmpdir, "disk", NULL);
  g_assert_cmpint (g_mkdir (f->disk, 0700), ==, 0);
  f->journal = g_build_filename (f->disk, "journal.sqlite", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->mounted)
    g_assert_cmpint (umount2 (f->disk, MNT_DETACH), ==, 0);
  kassa_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->disk);
  g_free (f->journal);
  g_clear_pointer (&f->sim, kassa_test_sim_free);
}

/* A tmpfs on f->disk, or FALSE (the test is skipped) when this process has
 * no mount namespace of its own. */
static gboolean
mount_small_disk (Fixture *f)
{
  if (no_mounts_reason != NULL)
    {
      g_test_skip (no_mounts_reason);
      return FALSE;
    }

  kassa_test_mount_tmpfs (f->disk, 2048);
  f->mounted = TRUE;
  return TRUE;
}

#define CTL_LIMIT_S 120

/* Starts kassa-ctl with the simulator, the test terminal and @journal (NULL:
 * the fixture's). A kassa-ctl that does not end within 2 minutes (it hangs:
 * the old code's sale --wait on a full disk) is killed, and the test fails. */
static KassaTestCtl *
ctl_startv (Fixture            *f,
            const char         *journal,
            const char * const *args)
{
  KassaTestCtlOptions options = {
    .sim = f->sim,
    .journal = journal != NULL ? journal : f->journal,
    .limit_s = CTL_LIMIT_S,
  };

  return kassa_test_ctl_start (&options, args);
}

/* Waits for the end of a run started with ctl_start() and hands it over. */
static KassaTestCtl *
ctl_finish (KassaTestCtl **run)
{
  kassa_test_ctl_finish (*run);
  return g_steal_pointer (run);
}

static KassaTestCtl *
ctl_runv (Fixture            *f,
          const char         *journal,
          const char * const *args)
{
  KassaTestCtl *run = ctl_startv (f, journal, args);

  return ctl_finish (&run);
}

/* NULL-terminated argument lists. */
#define ctl_start(f, ...) ctl_startv ((f), NULL, (const char * const []) { __VA_ARGS__, NULL })
#define ctl_run_on(f, journal, ...) \
  ctl_runv ((f), (journal), (const char * const []) { __VA_ARGS__, NULL })
#define ctl_run(f, ...) ctl_run_on ((f), NULL, __VA_ARGS__)

/* The number of the invoice on the last stdout line. */
static char *
last_invoice (KassaTestCtl   *r,
              const char  *state)
{
  g_auto(GStrv) lines = g_strsplit (g_strstrip (r->out), "\n", -1);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;

  g_assert_nonnull (lines[0]);
  node = json_from_string (lines[g_strv_length (lines) - 1], NULL);
  g_assert_nonnull (node);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, state);
  return g_strdup (json_object_get_string_member (object, "invoice"));
}

static char *
sale_awaiting (Fixture    *f,
               const char *journal)
{
  g_autoptr(KassaTestCtl) r = ctl_run_on (f, journal, "sale", "1500", "--poll-ms", "100");

  g_assert_cmpint (r->status, ==, 0);
  return last_invoice (r, "AWAITING_PAYMENT");
}

static guint
count (const char *haystack,
       const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* The invoice @number's state in the journal at @path (opened after kassa-ctl
 * ended). */
static KassaInvoiceState
journal_state (const char *path,
               const char *number)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) journal = kassa_journal_open (path, &error);
  g_autoptr(KassaInvoice) invoice = NULL;

  g_assert_no_error (error);
  invoice = kassa_journal_lookup (journal, number, &error);
  g_assert_no_error (error);
  return kassa_invoice_get_state (invoice);
}

/* The journal id part of an invoice number: K250612-3fa9c1-0001 → 3fa9c1. */
static char *
number_journal_id (const char *number)
{
  g_auto(GStrv) parts = g_strsplit (number, "-", -1);

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  return g_strdup (parts[1]);
}

/* ---- 1: the disk is full when the bank says PAID ---- */

static void
test_disk_full_recover (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *number = NULL;
  g_autoptr(KassaTestCtl) full = NULL;
  g_autoptr(KassaTestCtl) again = NULL;

  if (!mount_small_disk (f))
    return;

  number = sale_awaiting (f, NULL);
  kassa_test_sim_pay (f->sim, number);
  kassa_test_fill_disk (f->disk);

  /* Paid at the bank, not recorded: said, never "awaiting payment". */
  full = ctl_run (f, "recover", "--poll-ms", "100");
  g_assert_cmpint (full->status, ==, 10);
  g_assert_nonnull (strstr (full->err, number));
  g_assert_nonnull (strstr (full->err, "is paid, but it could not be recorded"));
  g_assert_nonnull (strstr (full->err, "the disk is full"));
  g_assert_nonnull (strstr (full->err, "Do not charge the customer again"));
  g_assert_null (strstr (full->err, "awaiting payment"));
  g_assert_null (strstr (full->out, "awaiting payment"));

  /* With room again, the payment is recorded. */
  kassa_test_unfill_disk (f->disk);
  again = ctl_run (f, "recover", "--poll-ms", "100");
  g_assert_cmpint (again->status, ==, 0);
  g_assert_nonnull (strstr (again->out, "1 paid"));
  g_assert_cmpint (journal_state (f->journal, number), ==, KASSA_INVOICE_PAID);
}

static void
test_disk_full_sale_wait (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(KassaTestCtl) sale = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(KassaTestCtl) r = NULL;
  const char *number;

  if (!mount_small_disk (f))
    return;

  sale = ctl_start (f, "sale", "1500", "--wait", "--poll-ms", "100");
  first = kassa_test_ctl_wait_for_state (sale, "AWAITING_PAYMENT", CTL_LIMIT_S);
  number = json_object_get_string_member (first, "invoice");

  kassa_test_fill_disk (f->disk);
  kassa_test_sim_pay (f->sim, number);

  r = ctl_finish (&sale);
  g_assert_cmpint (r->status, ==, 10);
  g_assert_nonnull (strstr (r->err, number));
  g_assert_nonnull (strstr (r->err, "is paid, but it could not be recorded"));
  g_assert_nonnull (strstr (r->err, "the disk is full"));
  /* Nothing claims a state the journal does not have. */
  g_assert_null (strstr (r->out, "\"PAID\""));

  kassa_test_unfill_disk (f->disk);
  g_clear_pointer (&r, kassa_test_ctl_free);
  r = ctl_run (f, "recover", "--poll-ms", "100");
  g_assert_cmpint (r->status, ==, 0);
  g_assert_cmpint (journal_state (f->journal, number), ==, KASSA_INVOICE_PAID);
}

/* ---- 3: the journal deleted or renamed while kassa-ctl runs ---- */

typedef enum
{
  GONE_DELETED,
  GONE_DELETED_WITH_WAL,
  GONE_RENAMED,
} Gone;

static void
test_journal_gone (Fixture       *f,
                   gconstpointer  data)
{
  Gone how = GPOINTER_TO_INT (data);
  g_autofree char *earlier = sale_awaiting (f, NULL);
  g_autofree char *wal = g_strconcat (f->journal, "-wal", NULL);
  g_autofree char *moved = g_strconcat (f->journal, ".moved", NULL);
  g_autoptr(KassaTestCtl) sale = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(KassaTestCtl) r = NULL;
  g_autofree char *number = NULL;
  struct stat st;

  /* The earlier sale is paid and resolved by the next run's recovery. */
  kassa_test_sim_pay (f->sim, earlier);
  sale = ctl_start (f, "sale", "2500", "--wait", "--poll-ms", "100");
  first = kassa_test_ctl_wait_for_state (sale, "AWAITING_PAYMENT", CTL_LIMIT_S);
  number = g_strdup (json_object_get_string_member (first, "invoice"));

  switch (how)
    {
    case GONE_DELETED_WITH_WAL:
      g_assert_cmpint (g_unlink (wal), ==, 0);
      G_GNUC_FALLTHROUGH;
    case GONE_DELETED:
      g_assert_cmpint (g_unlink (f->journal), ==, 0);
      break;
    case GONE_RENAMED:
    default:
      g_assert_cmpint (g_rename (f->journal, moved), ==, 0);
      break;
    }

  /* The path is still this kassa-ctl's, whatever happened to the file. */
  {
    g_autoptr(KassaTestCtl) second = ctl_run (f, "pending");

    g_assert_cmpint (second->status, ==, 10);
    g_assert_nonnull (strstr (second->err, "in use by another Kassa"));
    g_assert_false (g_file_test (f->journal, G_FILE_TEST_EXISTS));
  }

  kassa_test_sim_pay (f->sim, number);
  r = ctl_finish (&sale);
  g_assert_cmpint (r->status, ==, 0);
  g_assert_nonnull (strstr (r->out, "\"PAID\""));
  g_assert_nonnull (strstr (r->err, "was deleted or moved away while Kassa was using it"));
  g_assert_nonnull (strstr (r->err, "put it back, with every record"));

  /* Back at its path, every row in it, private. */
  g_assert_cmpint (g_stat (f->journal, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (journal_state (f->journal, earlier), ==, KASSA_INVOICE_PAID);
  g_assert_cmpint (journal_state (f->journal, number), ==, KASSA_INVOICE_PAID);

  /* The moved file is another file with the same journal id: opened, it is
   * told apart and numbers new invoices with another id. */
  if (how == GONE_RENAMED)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KassaJournal) copy = kassa_journal_open (moved, &error);
      g_autofree char *id = number_journal_id (number);

      g_assert_no_error (error);
      g_assert_nonnull (kassa_journal_get_open_notice (copy));
      g_assert_cmpstr (kassa_journal_get_id (copy), !=, id);
    }
}

/* ---- 8c: a copied journal ---- */

static void
copy_file (const char *from,
           const char *to)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (from, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (to, contents, (gssize) length, &error));
  g_assert_no_error (error);
}

static void
test_copied (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *copy = g_build_filename (f->tmpdir, "restored.sqlite", NULL);
  g_autofree char *first = sale_awaiting (f, NULL);
  g_autofree char *first_id = number_journal_id (first);
  g_autofree char *copy_number = NULL;
  g_autofree char *copy_id = NULL;
  g_autofree char *copy_again = NULL;
  g_autoptr(KassaTestCtl) on_copy = NULL;
  g_autoptr(KassaTestCtl) on_copy_again = NULL;
  g_autoptr(KassaTestCtl) original = NULL;

  /* A backup, made while nothing runs, restored beside the original. */
  copy_file (f->journal, copy);

  on_copy = ctl_run_on (f, copy, "sale", "1500", "--poll-ms", "100");
  g_assert_cmpint (on_copy->status, ==, 0);
  g_assert_nonnull (strstr (on_copy->err, "is a copy of another journal file"));
  g_assert_nonnull (strstr (on_copy->err, first_id));
  copy_number = last_invoice (on_copy, "AWAITING_PAYMENT");
  copy_id = number_journal_id (copy_number);
  g_assert_cmpstr (copy_id, !=, first_id);
  g_assert_nonnull (strstr (on_copy->err, copy_id));
  /* The old invoice keeps its number in the copy. */
  g_assert_cmpint (journal_state (copy, first), ==, KASSA_INVOICE_AWAITING_PAYMENT);

  /* Said once: the copy is now a journal of its own. */
  on_copy_again = ctl_run_on (f, copy, "sale", "1600", "--poll-ms", "100");
  g_assert_cmpint (on_copy_again->status, ==, 0);
  g_assert_null (strstr (on_copy_again->err, "is a copy"));
  copy_again = last_invoice (on_copy_again, "AWAITING_PAYMENT");
  g_assert_true (g_str_has_prefix (strchr (copy_again, '-') + 1, copy_id));

  /* The original's next sale is not a duplicate at the bank. */
  original = ctl_run (f, "sale", "1700", "--poll-ms", "100");
  g_assert_cmpint (original->status, ==, 0);
  g_assert_null (strstr (original->err, "is a copy"));
  g_free (last_invoice (original, "AWAITING_PAYMENT"));
}

/* A backup restored over the journal in place (as cp does: same file, same
 * inode, so the file's identity in meta still matches): the sales made after
 * the backup are already at the bank, so the restored journal's next number
 * would be a duplicate there. PATH.lock's high-water mark shows it is behind;
 * it gets a new journal id and says so. */
static void
test_restored_in_place (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *backup = g_build_filename (f->tmpdir, "backup.sqlite", NULL);
  g_autofree char *wal = g_strconcat (f->journal, "-wal", NULL);
  g_autofree char *first = sale_awaiting (f, NULL);
  g_autofree char *first_id = number_journal_id (first);
  g_autofree char *second = NULL;
  g_autofree char *restored_number = NULL;
  g_autofree char *restored_id = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(KassaTestCtl) after_backup = NULL;
  g_autoptr(KassaTestCtl) on_restored = NULL;
  g_autoptr(KassaTestCtl) again = NULL;
  g_autoptr(GError) error = NULL;
  struct stat before, after;
  gsize length = 0;
  int fd;

  copy_file (f->journal, backup);
  after_backup = ctl_run (f, "sale", "1500", "--poll-ms", "100");
  g_assert_cmpint (after_backup->status, ==, 0);
  second = last_invoice (after_backup, "AWAITING_PAYMENT");

  /* cp backup.sqlite journal.sqlite: the same file, its contents replaced. */
  g_assert_cmpint (g_stat (f->journal, &before), ==, 0);
  g_assert_true (g_file_get_contents (backup, &contents, &length, &error));
  g_assert_no_error (error);
  g_remove (wal);
  fd = open (f->journal, O_WRONLY | O_TRUNC);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, contents, length), ==, (gssize) length);
  g_assert_cmpint (close (fd), ==, 0);
  g_assert_cmpint (g_stat (f->journal, &after), ==, 0);
  g_assert_cmpuint (after.st_ino, ==, before.st_ino);

  on_restored = ctl_run (f, "sale", "1600", "--poll-ms", "100");
  g_assert_cmpint (on_restored->status, ==, 0);
  g_assert_nonnull (strstr (on_restored->err, "older than the invoices already numbered"));
  restored_number = last_invoice (on_restored, "AWAITING_PAYMENT");
  g_assert_cmpstr (restored_number, !=, second);
  restored_id = number_journal_id (restored_number);
  g_assert_cmpstr (restored_id, !=, first_id);
  g_assert_nonnull (strstr (on_restored->err, restored_id));

  /* Said once: the next run is up to date with the mark. */
  again = ctl_run (f, "sale", "1700", "--poll-ms", "100");
  g_assert_cmpint (again->status, ==, 0);
  g_assert_null (strstr (again->err, "older than"));
  g_free (last_invoice (again, "AWAITING_PAYMENT"));
}

/* ---- 7: truncated journals and messages that say one thing once ---- */

static void
test_truncated (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_length = 0, after_length = 0;
  gsize length;
  g_autoptr(KassaTestCtl) r = NULL;

  {
    g_autoptr(KassaJournal) journal = kassa_journal_open (f->journal, &error);

    g_assert_no_error (error);
    for (guint i = 0; i < 4; i++)
      {
        g_autoptr(KassaInvoice) invoice =
          kassa_journal_create_invoice (journal, KASSA_TEST_TERMINAL, 1000 + i,
                                        KASSA_INVOICE_METHOD_QR, NULL, NULL, &error);

        g_assert_no_error (error);
      }
  }

  g_assert_true (g_file_get_contents (f->journal, &before, &before_length, &error));
  length = GPOINTER_TO_SIZE (data) == 0 ? before_length / 2 : (before_length / 4096 / 2) * 4096;
  g_assert_cmpuint (length, >, 0);
  g_assert_cmpint (truncate (f->journal, (off_t) length), ==, 0);
  g_clear_pointer (&before, g_free);
  g_assert_true (g_file_get_contents (f->journal, &before, &before_length, &error));

  r = ctl_run (f, "pending");
  g_assert_cmpint (r->status, ==, 10);
  g_assert_nonnull (strstr (r->err, "is damaged or is not a Kassa journal"));
  g_assert_nonnull (strstr (r->err, "It was left untouched"));
  g_assert_null (strstr (r->err, "disk I/O error"));
  g_assert_cmpuint (count (r->err, f->journal), ==, 1);

  g_assert_true (g_file_get_contents (f->journal, &after, &after_length, &error));
  g_assert_cmpmem (before, before_length, after, after_length);
}

static void
test_locked_message (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) journal = kassa_journal_open (f->journal, &error);
  g_autoptr(KassaTestCtl) r = NULL;
  g_autoptr(KassaTestCtl) io = NULL;
  g_autofree char *blocked = g_build_filename (f->tmpdir, "file", "journal.sqlite", NULL);
  g_autofree char *file = g_build_filename (f->tmpdir, "file", NULL);

  g_assert_no_error (error);
  r = ctl_run (f, "pending");
  g_assert_cmpint (r->status, ==, 10);
  g_assert_nonnull (strstr (r->err, "is in use by another Kassa or kassa-ctl"));
  g_assert_cmpuint (count (r->err, f->journal), ==, 1);
  g_assert_cmpuint (count (r->err, "in use"), ==, 1);

  /* A folder that cannot be made: the reason, the path once. */
  g_assert_true (g_file_set_contents (file, "", 0, &error));
  io = ctl_run_on (f, blocked, "pending");
  g_assert_cmpint (io->status, ==, 10);
  g_assert_cmpuint (count (io->err, file), ==, 1);
  g_assert_null (strstr (io->err, "Cannot open the journal"));
}

int
main (int   argc,
      char *argv[])
{
  /* Before any thread: the namespace is the process's, and its children's. */
  if (!kassa_test_private_mounts (&no_mounts_reason))
    g_printerr ("# tmpfs tests will be skipped: %s\n", no_mounts_reason);

  kassa_test_init (&argc, &argv);

#define ADD(path, data, fn) \
  g_test_add ("/journal-faults/" path, Fixture, (data), fixture_setup, fn, fixture_teardown)

  ADD ("disk-full/recover", NULL, test_disk_full_recover);
  ADD ("disk-full/sale-wait", NULL, test_disk_full_sale_wait);
  ADD ("gone/deleted", GINT_TO_POINTER (GONE_DELETED), test_journal_gone);
  ADD ("gone/deleted-with-wal", GINT_TO_POINTER (GONE_DELETED_WITH_WAL), test_journal_gone);
  ADD ("gone/renamed", GINT_TO_POINTER (GONE_RENAMED), test_journal_gone);
  ADD ("copied", NULL, test_copied);
  ADD ("restored-in-place", NULL, test_restored_in_place);
  ADD ("truncated/mid-page", GSIZE_TO_POINTER (0), test_truncated);
  ADD ("truncated/page-boundary", GSIZE_TO_POINTER (1), test_truncated);
  ADD ("messages-once", NULL, test_locked_message);

  return g_test_run ();
}
