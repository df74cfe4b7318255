/* test-journal.c — the durable journal on real SQLite files
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "kassa-error.h"
#include "kassa-journal.h"
#include "kassa-journal-maintenance.h"
#include "kassa-journal-query.h"
#include "kassa-test-util.h"

#define N_STATES (KASSA_INVOICE_REFUNDED + 1)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3, sqlite3_close_v2)

static char *
journal_path (const char *name)
{
  return g_build_filename (g_get_user_data_dir (), "kassa-test", name, NULL);
}

static KassaJournal *
open_ok (const char *path)
{
  g_autoptr(GError) error = NULL;
  KassaJournal *journal = kassa_journal_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (journal);
  return journal;
}

static KassaInvoice *
create_ok (KassaJournal *journal,
           const char   *terminal,
           gint64        amount)
{
  g_autoptr(GError) error = NULL;
  KassaInvoice *invoice = kassa_journal_create_invoice (journal, terminal, amount,
                                                        KASSA_INVOICE_METHOD_QR, NULL, NULL,
                                                        &error);

  g_assert_no_error (error);
  g_assert_nonnull (invoice);
  return invoice;
}

static void
move_ok (KassaJournal      *journal,
         KassaInvoice      *invoice,
         KassaInvoiceState  state)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (kassa_journal_move (journal, invoice, state, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, state);
}

static KassaInvoice *
create_paid (KassaJournal *journal,
             const char   *terminal,
             gint64        amount)
{
  KassaInvoice *invoice = create_ok (journal, terminal, amount);

  move_ok (journal, invoice, KASSA_INVOICE_AWAITING_PAYMENT);
  move_ok (journal, invoice, KASSA_INVOICE_PAID);
  return invoice;
}

/* A raw connection for checking a closed journal's file. */
static sqlite3 *
raw_open (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                   ==, SQLITE_OK);
  return db;
}

static void
raw_exec (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

static gint64
raw_int (sqlite3    *db,
         const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static char *
raw_text (sqlite3    *db,
          const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

/* ── paths ──────────────────────────────────────────────────────────── */

static void
test_default_path (void)
{
  g_autofree char *real = NULL;
  g_autofree char *training = NULL;
  g_autofree char *expected_real = g_build_filename (g_get_user_data_dir (), "kassa",
                                                     "journal.sqlite", NULL);
  g_autofree char *expected_training = g_build_filename (g_get_user_data_dir (), "kassa",
                                                         "training.sqlite", NULL);
  g_autofree char *from_env = NULL;

  g_unsetenv ("KASSA_JOURNAL");
  real = kassa_journal_default_path (KASSA_JOURNAL_MODE_REAL);
  training = kassa_journal_default_path (KASSA_JOURNAL_MODE_TRAINING);
  g_assert_cmpstr (real, ==, expected_real);
  g_assert_cmpstr (training, ==, expected_training);

  g_setenv ("KASSA_JOURNAL", "/srv/kassa/other.sqlite", TRUE);
  from_env = kassa_journal_default_path (KASSA_JOURNAL_MODE_TRAINING);
  g_assert_cmpstr (from_env, ==, "/srv/kassa/other.sqlite");
  g_unsetenv ("KASSA_JOURNAL");
}

static void
test_creates_folder (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "deep", "er", NULL);
  g_autofree char *path = g_build_filename (dir, "journal.sqlite", NULL);
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) again = NULL;
  GStatBuf st;

  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpstr (kassa_journal_get_path (journal), ==, path);
  g_assert_true (g_regex_match_simple ("^[0-9a-f]{6}$", kassa_journal_get_id (journal), 0, 0));

  /* A folder where the file should be is an I/O error, not a crash. */
  again = kassa_journal_open (dir, &error);
  g_assert_null (again);
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO);
}

/* ── round trip ─────────────────────────────────────────────────────── */

static void
test_round_trip (void)
{
  g_autofree char *path = journal_path ("round-trip.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(KassaInvoice) phone = NULL;
  g_autoptr(KassaInvoice) reloaded = NULL;
  g_autoptr(KassaInvoice) same = NULL;
  g_autoptr(JsonNode) history = NULL;
  g_autofree char *number = NULL;
  g_autofree char *phone_number = NULL;
  g_autofree char *history_json = NULL;
  g_autofree char *created = NULL;
  KassaBankTransaction transaction = {
    .paid = TRUE, .resp_code = (char *) "000", .resp_desc = (char *) "Амжилттай",
    .approval_code = (char *) "778899", .card_number = (char *) "5000****1234",
  };
  JsonArray *array;

  invoice = kassa_journal_create_invoice (journal, KASSA_TEST_TERMINAL, 15000,
                                          KASSA_INVOICE_METHOD_DEEPLINK, NULL, "Ширээ 4",
                                          &error);
  g_assert_no_error (error);
  number = g_strdup (kassa_invoice_get_number (invoice));
  created = g_date_time_format_iso8601 (kassa_invoice_get_created (invoice));

  /* The same object while it is alive. */
  same = kassa_journal_lookup (journal, number, &error);
  g_assert_no_error (error);
  g_assert_true (same == invoice);

  g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_AWAITING_PAYMENT,
                                     "socialpay-payment://q?x=1", NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_CANCELLING, NULL, NULL,
                                     NULL, &error));
  g_assert_no_error (error);
  /* The cancel failed on the network: retried later. */
  g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_AWAITING_PAYMENT, NULL,
                                     NULL, "The bank cannot be reached", &error));
  g_assert_no_error (error);
  g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_PAID, NULL, &transaction,
                                     NULL, &error));
  g_assert_no_error (error);
  g_assert_false (kassa_invoice_get_paid_after_cancel (invoice));

  phone = kassa_journal_create_invoice (journal, KASSA_TEST_TERMINAL, 1,
                                        KASSA_INVOICE_METHOD_PHONE, "88001122", NULL, &error);
  g_assert_no_error (error);
  phone_number = g_strdup (kassa_invoice_get_number (phone));

  g_clear_object (&same);
  g_clear_object (&invoice);
  g_clear_object (&phone);
  kassa_journal_close (journal);
  g_clear_object (&journal);

  journal = open_ok (path);
  reloaded = kassa_journal_lookup (journal, number, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kassa_invoice_get_number (reloaded), ==, number);
  g_assert_cmpstr (kassa_invoice_get_terminal (reloaded), ==, KASSA_TEST_TERMINAL);
  g_assert_cmpint (kassa_invoice_get_amount (reloaded), ==, 15000);
  g_assert_cmpint (kassa_invoice_get_method (reloaded), ==, KASSA_INVOICE_METHOD_DEEPLINK);
  g_assert_null (kassa_invoice_get_phone (reloaded));
  g_assert_cmpstr (kassa_invoice_get_reference (reloaded), ==, "Ширээ 4");
  g_assert_cmpint (kassa_invoice_get_state (reloaded), ==, KASSA_INVOICE_PAID);
  g_assert_cmpstr (kassa_invoice_get_payload (reloaded), ==, "socialpay-payment://q?x=1");
  g_assert_cmpstr (kassa_invoice_get_approval_code (reloaded), ==, "778899");
  g_assert_cmpstr (kassa_invoice_get_card_number (reloaded), ==, "5000****1234");
  g_assert_cmpstr (kassa_invoice_get_resp_code (reloaded), ==, "000");
  g_assert_cmpstr (kassa_invoice_get_resp_desc (reloaded), ==, "Амжилттай");
  g_assert_cmpstr (kassa_invoice_get_last_error (reloaded), ==, "The bank cannot be reached");
  g_assert_null (kassa_invoice_get_settlement_id (reloaded));
  {
    g_autofree char *created_again =
      g_date_time_format_iso8601 (kassa_invoice_get_created (reloaded));

    /* Microseconds survive. */
    g_assert_cmpstr (created_again, ==, created);
  }

  history_json = kassa_journal_get_history_json (journal, reloaded, &error);
  g_assert_no_error (error);
  history = json_from_string (history_json, &error);
  g_assert_no_error (error);
  array = json_node_get_array (history);
  g_assert_cmpuint (json_array_get_length (array), ==, 5);
  g_assert_true (json_object_get_null_member (json_array_get_object_element (array, 0), "from"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0), "to"),
                   ==, "CREATING");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 3), "note"),
                   ==, "The bank cannot be reached");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 4), "from"),
                   ==, "AWAITING_PAYMENT");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 4), "to"),
                   ==, "PAID");

  {
    g_autoptr(KassaInvoice) phone_again = kassa_journal_lookup (journal, phone_number, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (kassa_invoice_get_phone (phone_again), ==, "88001122");
    g_assert_cmpint (kassa_invoice_get_method (phone_again), ==, KASSA_INVOICE_METHOD_PHONE);
    g_assert_cmpint (kassa_invoice_get_state (phone_again), ==, KASSA_INVOICE_CREATING);
  }

  {
    g_autoptr(KassaInvoice) missing = kassa_journal_lookup (journal, "K000000-000000-0001",
                                                            &error);

    g_assert_null (missing);
    g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "K000000-000000-0001"));
  }
}

static void
test_list (void)
{
  g_autofree char *path = journal_path ("list.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) unfinished = NULL;
  g_autoptr(GPtrArray) none = NULL;
  g_autoptr(GPtrArray) from_second = NULL;
  g_autoptr(KassaInvoice) a = create_paid (journal, KASSA_TEST_TERMINAL, 10);
  g_autoptr(KassaInvoice) b = create_ok (journal, KASSA_TEST_TERMINAL, 20);
  g_autoptr(KassaInvoice) c = create_ok (journal, KASSA_TEST_TERMINAL, 30);
  g_autoptr(GDateTime) future = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_hours (future, 1);

  move_ok (journal, c, KASSA_INVOICE_FAILED);

  all = kassa_journal_list (journal, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  g_assert_true (all->pdata[0] == a);
  g_assert_true (all->pdata[1] == b);
  g_assert_true (all->pdata[2] == c);

  unfinished = kassa_journal_list_unfinished (journal, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (unfinished->len, ==, 1);
  g_assert_true (unfinished->pdata[0] == b);

  none = kassa_journal_list (journal, later, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);

  /* [created of b, +1h): b and c, not a. */
  from_second = kassa_journal_list (journal, kassa_invoice_get_created (b), later, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (from_second->len, ==, 2);
  g_assert_true (from_second->pdata[0] == b);
}

/* ── numbers ────────────────────────────────────────────────────────── */

static void
test_numbers_unique (void)
{
  g_autofree char *path = journal_path ("numbers.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GRegex) format = g_regex_new ("^K[0-9]{6}-[0-9a-f]{6}-[0-9]{4,}$", 0, 0, NULL);
  g_autofree char *journal_id = g_strdup (kassa_journal_get_id (journal));

  for (int i = 0; i < 1000; i++)
    {
      g_autoptr(KassaInvoice) invoice = create_ok (journal, KASSA_TEST_TERMINAL, i + 1);
      const char *number = kassa_invoice_get_number (invoice);

      g_assert_cmpuint (strlen (number), <=, 32);
      g_assert_true (g_regex_match (format, number, 0, NULL));
      g_assert_nonnull (strstr (number, journal_id));
      g_assert_false (g_hash_table_contains (seen, number));
      g_hash_table_add (seen, g_strdup (number));
    }

  kassa_journal_close (journal);
  g_clear_object (&journal);
  journal = open_ok (path);
  g_assert_cmpstr (kassa_journal_get_id (journal), ==, journal_id);

  for (int i = 0; i < 20; i++)
    {
      g_autoptr(KassaInvoice) invoice = create_ok (journal, KASSA_TEST_TERMINAL, 5);

      g_assert_false (g_hash_table_contains (seen, kassa_invoice_get_number (invoice)));
      g_hash_table_add (seen, g_strdup (kassa_invoice_get_number (invoice)));
      if (i == 19)
        g_assert_true (g_str_has_suffix (kassa_invoice_get_number (invoice), "-1020"));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 1020);
}

/* A child creates an invoice and dies without closing: the number is not
 * reused and the invoice is there. */
static void
test_crash_not_reused (void)
{
  g_autofree char *path = journal_path ("crash.sqlite");
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) unfinished = NULL;
  g_autoptr(KassaInvoice) second = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  pid_t pid;

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      KassaJournal *child_journal = kassa_journal_open (path, NULL);
      KassaInvoice *invoice;

      if (child_journal == NULL)
        _exit (3);
      invoice = kassa_journal_create_invoice (child_journal, KASSA_TEST_TERMINAL, 4200,
                                              KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL);
      if (invoice == NULL)
        _exit (4);
      _exit (1);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);

  journal = open_ok (path);
  all = kassa_journal_list (journal, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_cmpint (kassa_invoice_get_amount (all->pdata[0]), ==, 4200);
  g_assert_cmpint (kassa_invoice_get_state (all->pdata[0]), ==, KASSA_INVOICE_CREATING);
  g_assert_true (g_str_has_suffix (kassa_invoice_get_number (all->pdata[0]), "-0001"));

  unfinished = kassa_journal_list_unfinished (journal, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (unfinished->len, ==, 1);
  g_assert_true (unfinished->pdata[0] == all->pdata[0]);

  second = create_ok (journal, KASSA_TEST_TERMINAL, 4200);
  g_assert_cmpstr (kassa_invoice_get_number (second), !=,
                   kassa_invoice_get_number (all->pdata[0]));
  g_assert_true (g_str_has_suffix (kassa_invoice_get_number (second), "-0002"));
}

/* ── locking ────────────────────────────────────────────────────────── */

static void
assert_locked (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) second = kassa_journal_open (path, &error);

  g_assert_null (second);
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_LOCKED);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "in use by another Kassa"));
}

static void
test_locked_same_process (void)
{
  g_autofree char *path = journal_path ("locked.sqlite");
  g_autoptr(KassaJournal) first = open_ok (path);
  g_autoptr(KassaInvoice) invoice = create_ok (first, KASSA_TEST_TERMINAL, 10);

  assert_locked (path);
  /* The first one still works after the refused attempt. */
  move_ok (first, invoice, KASSA_INVOICE_AWAITING_PAYMENT);

  g_clear_object (&invoice);
  g_clear_object (&first);
  first = open_ok (path);
  assert_locked (path);
  kassa_journal_close (first);
  g_clear_object (&first);

  /* An existing file in use is also locked (not only a fresh one). */
  first = open_ok (path);
  assert_locked (path);
}

static void
test_locked_other_process (void)
{
  g_autofree char *path = journal_path ("locked-child.sqlite");
  int ready[2], go[2];
  char byte = 0;
  int status = 0;
  pid_t pid;

  /* Create it first, so the child opens an existing journal. */
  g_object_unref (open_ok (path));

  g_assert_cmpint (pipe (ready), ==, 0);
  g_assert_cmpint (pipe (go), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      KassaJournal *child_journal = kassa_journal_open (path, NULL);
      char c = child_journal != NULL ? 'y' : 'n';

      if (write (ready[1], &c, 1) != 1)
        _exit (2);
      if (read (go[0], &c, 1) != 1)
        _exit (2);
      _exit (0);
    }
  close (ready[1]);
  close (go[0]);

  g_assert_cmpint (read (ready[0], &byte, 1), ==, 1);
  g_assert_cmpint (byte, ==, 'y');

  assert_locked (path);

  g_assert_cmpint (write (go[1], "x", 1), ==, 1);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  close (ready[0]);
  close (go[1]);

  /* The lock went with the process. */
  g_object_unref (open_ok (path));
}

/* ── damaged and foreign files ──────────────────────────────────────── */

static void
assert_refused_untouched (const char *path,
                          GQuark      domain,
                          int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len = 0, after_len = 0;

  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));

  journal = kassa_journal_open (path, &error);
  g_assert_null (journal);
  g_assert_error (error, domain, code);
  g_assert_nonnull (strstr (error->message, path));

  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
}

static void
test_corrupt_text (void)
{
  g_autofree char *path = journal_path ("text.sqlite");
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "These are my notes, not a journal.\n", -1, NULL));
  assert_refused_untouched (path, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_CORRUPT);
}

static void
test_corrupt_random (void)
{
  g_autofree char *path = journal_path ("random.sqlite");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20250612);
  guint8 bytes[8192];

  for (gsize i = 0; i < sizeof bytes; i++)
    bytes[i] = g_rand_int_range (rand, 0, 256);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, (const char *) bytes, sizeof bytes, NULL));
  assert_refused_untouched (path, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_CORRUPT);
}

static void
test_corrupt_foreign (void)
{
  g_autofree char *path = journal_path ("foreign.sqlite");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(sqlite3) db = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  db = raw_open (path);
  raw_exec (db, "CREATE TABLE recipes (name TEXT, grams INTEGER);"
                "INSERT INTO recipes VALUES ('buuz', 300);");
  g_clear_pointer (&db, sqlite3_close_v2);

  assert_refused_untouched (path, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_CORRUPT);

  /* Our id and a version, but not our tables. */
  db = raw_open (path);
  raw_exec (db, "PRAGMA application_id = 1262572353; PRAGMA user_version = 1;");
  g_clear_pointer (&db, sqlite3_close_v2);
  assert_refused_untouched (path, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_CORRUPT);

  /* Another program's id, even with a version. */
  db = raw_open (path);
  raw_exec (db, "PRAGMA application_id = 42;");
  g_clear_pointer (&db, sqlite3_close_v2);
  assert_refused_untouched (path, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_CORRUPT);
}

static void
test_corrupt_truncated (void)
{
  g_autofree char *path = journal_path ("full.sqlite");
  g_autofree char *copy = journal_path ("truncated.sqlite");
  g_autofree char *contents = NULL;
  g_autoptr(KassaJournal) journal = open_ok (path);
  gsize length = 0;

  for (int i = 0; i < 300; i++)
    g_object_unref (create_paid (journal, KASSA_TEST_TERMINAL, 1000 + i));
  kassa_journal_close (journal);

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 16384);
  g_assert_true (g_file_set_contents (copy, contents, length / 2, NULL));
  assert_refused_untouched (copy, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_CORRUPT);

  /* Cut inside the first page: the header is there, the rest is not. */
  g_assert_true (g_file_set_contents (copy, contents, 1000, NULL));
  assert_refused_untouched (copy, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_CORRUPT);

  /* The original is fine. */
  g_clear_object (&journal);
  journal = open_ok (path);
}

static void
test_too_new (void)
{
  g_autofree char *path = journal_path ("new.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(sqlite3) db = NULL;
  g_autoptr(GError) error = NULL;

  g_object_unref (create_ok (journal, KASSA_TEST_TERMINAL, 10));
  kassa_journal_close (journal);
  g_clear_object (&journal);

  db = raw_open (path);
  raw_exec (db, "PRAGMA user_version = 99");
  g_clear_pointer (&db, sqlite3_close_v2);

  assert_refused_untouched (path, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_TOO_NEW);

  journal = kassa_journal_open (path, &error);
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_TOO_NEW);
  g_assert_nonnull (strstr (error->message, "99"));
}

/* ── schema versions ────────────────────────────────────────────────── */

/* The version 1 schema exactly as Kassa 0.1 wrote it: a frozen copy, so that
 * a change to the migration steps in the code cannot go unnoticed. */
static const char v1_schema[] =
  "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);"
  "CREATE TABLE settlements (id TEXT PRIMARY KEY NOT NULL, terminal TEXT NOT NULL,"
  "  state TEXT NOT NULL, created_at INTEGER NOT NULL,"
  "  local_count INTEGER NOT NULL DEFAULT 0 CHECK (local_count >= 0),"
  "  local_amount INTEGER NOT NULL DEFAULT 0 CHECK (local_amount >= 0),"
  "  bank_count INTEGER, bank_amount INTEGER, bank_status TEXT, settled_at INTEGER,"
  "  last_error TEXT, updated_at INTEGER NOT NULL);"
  "CREATE TABLE invoices (id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE,"
  "  terminal TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount > 0), method TEXT NOT NULL,"
  "  phone TEXT, reference TEXT, created_at INTEGER NOT NULL, state TEXT NOT NULL,"
  "  payload TEXT, approval_code TEXT, card_number TEXT, resp_code TEXT, resp_desc TEXT,"
  "  paid_after_cancel INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
  "  settlement_id TEXT REFERENCES settlements (id), updated_at INTEGER NOT NULL);"
  "CREATE TABLE transitions (id INTEGER PRIMARY KEY,"
  "  invoice TEXT NOT NULL REFERENCES invoices (number), from_state TEXT,"
  "  to_state TEXT NOT NULL, at INTEGER NOT NULL, note TEXT);"
  "CREATE INDEX transitions_invoice ON transitions (invoice);"
  "CREATE TABLE settlement_invoices (settlement_id TEXT NOT NULL REFERENCES settlements (id),"
  "  invoice TEXT NOT NULL REFERENCES invoices (number), PRIMARY KEY (settlement_id, invoice));"
  "INSERT INTO meta VALUES ('journal_id', 'abc123'), ('next_invoice_seq', '5'),"
  "  ('next_settlement_seq', '1');"
  "INSERT INTO invoices (number, terminal, amount, method, created_at, state, payload,"
  "  approval_code, updated_at) VALUES ('K240101-abc123-0004', '12345678', 9900, 'qr',"
  "  1704067200000000, 'PAID', '000201…', 'OLD42', 1704067200000000);"
  "INSERT INTO transitions (invoice, from_state, to_state, at) VALUES"
  "  ('K240101-abc123-0004', NULL, 'CREATING', 1704067200000000),"
  "  ('K240101-abc123-0004', 'CREATING', 'AWAITING_PAYMENT', 1704067200000001),"
  "  ('K240101-abc123-0004', 'AWAITING_PAYMENT', 'PAID', 1704067200000002);"
  "PRAGMA application_id = 1262572353;"
  "PRAGMA user_version = 1;";

static void
test_migrate_v1 (void)
{
  g_autofree char *path = journal_path ("v1.sqlite");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(sqlite3) db = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaInvoice) old = NULL;
  g_autoptr(KassaInvoice) fresh = NULL;
  g_autoptr(KassaSettlement) settlement = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *history = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *mode = NULL;

  g_assert_cmpint (KASSA_JOURNAL_SCHEMA_VERSION, ==, 6);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  db = raw_open (path);
  raw_exec (db, v1_schema);
  g_clear_pointer (&db, sqlite3_close_v2);

  journal = open_ok (path);
  g_assert_cmpstr (kassa_journal_get_id (journal), ==, "abc123");

  old = kassa_journal_lookup (journal, "K240101-abc123-0004", &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (old), ==, KASSA_INVOICE_PAID);
  g_assert_cmpint (kassa_invoice_get_amount (old), ==, 9900);
  g_assert_cmpstr (kassa_invoice_get_approval_code (old), ==, "OLD42");
  history = kassa_journal_get_history_json (journal, old, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (history, "\"2024-01-01T00:00:00.000002Z\""));

  /* What version 2 adds works on the migrated file. */
  g_assert_true (kassa_journal_record_exchange (journal, old, NULL, KASSA_BANK_ENDPOINT_CHECK,
                                                "{\"invoice\":\"K240101-abc123-0004\"}", 200,
                                                "{\"header\":{\"code\":200}}", NULL, &error));
  g_assert_no_error (error);

  /* The counter carries on from the old file. */
  fresh = create_ok (journal, KASSA_TEST_TERMINAL, 100);
  g_assert_true (g_str_has_suffix (kassa_invoice_get_number (fresh), "-abc123-0005"));

  /* Old paid invoices are settled like new ones. */
  settlement = kassa_journal_begin_settlement (journal, "12345678", &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_settlement_get_local_count (settlement), ==, 1);
  g_assert_cmpint (kassa_settlement_get_local_amount (settlement), ==, 9900);

  g_clear_object (&settlement);
  g_clear_object (&old);
  g_clear_object (&fresh);
  g_clear_object (&journal);

  db = raw_open (path);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, 6);
  g_assert_cmpint (raw_int (db, "PRAGMA application_id"), ==, 0x4b415341);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                "('exchanges', 'exchanges_invoice', 'invoices_created', "
                                "'invoices_state', 'audit')"), ==, 5);
  endpoint = raw_text (db, "SELECT endpoint FROM exchanges");
  g_assert_cmpstr (endpoint, ==, "check");
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM invoices"), ==, 2);
  mode = raw_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
}

/* The version 2 schema exactly as Kassa 0.2 (issue 4) wrote it, with a
 * manager PIN hashed the old way (100 000 rounds). */
static const char v2_schema[] =
  "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);"
  "CREATE TABLE settlements (id TEXT PRIMARY KEY NOT NULL, terminal TEXT NOT NULL,"
  "  state TEXT NOT NULL, created_at INTEGER NOT NULL,"
  "  local_count INTEGER NOT NULL DEFAULT 0 CHECK (local_count >= 0),"
  "  local_amount INTEGER NOT NULL DEFAULT 0 CHECK (local_amount >= 0),"
  "  bank_count INTEGER, bank_amount INTEGER, bank_status TEXT, settled_at INTEGER,"
  "  last_error TEXT, updated_at INTEGER NOT NULL);"
  "CREATE TABLE invoices (id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE,"
  "  terminal TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount > 0), method TEXT NOT NULL,"
  "  phone TEXT, reference TEXT, created_at INTEGER NOT NULL, state TEXT NOT NULL,"
  "  payload TEXT, approval_code TEXT, card_number TEXT, resp_code TEXT, resp_desc TEXT,"
  "  paid_after_cancel INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
  "  settlement_id TEXT REFERENCES settlements (id), updated_at INTEGER NOT NULL);"
  "CREATE TABLE transitions (id INTEGER PRIMARY KEY,"
  "  invoice TEXT NOT NULL REFERENCES invoices (number), from_state TEXT,"
  "  to_state TEXT NOT NULL, at INTEGER NOT NULL, note TEXT);"
  "CREATE INDEX transitions_invoice ON transitions (invoice);"
  "CREATE TABLE settlement_invoices (settlement_id TEXT NOT NULL REFERENCES settlements (id),"
  "  invoice TEXT NOT NULL REFERENCES invoices (number), PRIMARY KEY (settlement_id, invoice));"
  "CREATE TABLE exchanges (id INTEGER PRIMARY KEY,"
  "  invoice TEXT REFERENCES invoices (number), settlement_id TEXT REFERENCES settlements (id),"
  "  endpoint TEXT NOT NULL, request_json TEXT, http_status INTEGER, reply_body TEXT,"
  "  error_domain TEXT, error_code INTEGER, error_message TEXT, at INTEGER NOT NULL);"
  "CREATE INDEX exchanges_invoice ON exchanges (invoice);"
  "CREATE INDEX invoices_created ON invoices (created_at);"
  "CREATE INDEX invoices_state ON invoices (state);"
  "INSERT INTO meta VALUES ('journal_id', 'def456'), ('next_invoice_seq', '2'),"
  "  ('next_settlement_seq', '1'),"
  "  ('manager-pin', 'pbkdf2-sha256$100000$00112233445566778899aabbccddeeff$"
  "0000000000000000000000000000000000000000000000000000000000000000');"
  "INSERT INTO invoices (number, terminal, amount, method, created_at, state,"
  "  updated_at) VALUES ('K250101-def456-0001', '12345678', 5000, 'qr',"
  "  1735689600000000, 'PAID', 1735689600000000);"
  "INSERT INTO exchanges (invoice, endpoint, http_status, at) VALUES"
  "  ('K250101-def456-0001', 'check', 200, 1735689600000001);"
  "PRAGMA application_id = 1262572353;"
  "PRAGMA user_version = 2;";

static void
test_migrate_v2 (void)
{
  g_autofree char *path = journal_path ("v2.sqlite");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(sqlite3) db = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaInvoice) old = NULL;
  g_autoptr(GPtrArray) audit = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *head = NULL;
  gint64 rows = -1, bad = -1;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  db = raw_open (path);
  raw_exec (db, v2_schema);
  g_clear_pointer (&db, sqlite3_close_v2);

  journal = open_ok (path);
  g_assert_cmpstr (kassa_journal_get_id (journal), ==, "def456");
  old = kassa_journal_lookup (journal, "K250101-def456-0001", &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_amount (old), ==, 5000);

  /* The old PIN hash is kept as it was (KassaManager reads it). */
  pin = kassa_journal_get_meta (journal, "manager-pin", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (pin, "pbkdf2-sha256$100000$0011"));

  /* What version 3 adds: an empty audit log that verifies, then grows. */
  audit = kassa_journal_list_audit (journal, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (audit->len, ==, 0);
  g_assert_true (kassa_journal_verify_audit (journal, &rows, &bad, &error));
  g_assert_no_error (error);
  g_assert_cmpint (rows, ==, 0);
  g_assert_cmpint (bad, ==, 0);
  g_assert_cmpint (kassa_journal_append_audit (journal, 1735689700000000, "refund", "test",
                                               "K250101-def456-0001", "authorised", &error),
                   ==, 1);
  g_assert_no_error (error);
  g_assert_true (kassa_journal_verify_audit (journal, &rows, &bad, &error));
  g_assert_cmpint (rows, ==, 1);

  /* The chain's head is the journal's own key. */
  g_assert_false (kassa_journal_set_meta (journal, "audit_head", "1 00", &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO);
  g_clear_error (&error);

  g_clear_object (&old);
  g_clear_object (&journal);

  db = raw_open (path);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, 6);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM audit"), ==, 1);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM exchanges"), ==, 1);
  head = raw_text (db, "SELECT value FROM meta WHERE key = 'audit_head'");
  g_assert_true (g_str_has_prefix (head, "1 "));
}

/* A current file reopens without any change to its schema. */
static void
test_reopen_current (void)
{
  g_autofree char *path = journal_path ("current.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(sqlite3) db = NULL;
  g_autofree char *schema_before = NULL;
  g_autofree char *schema_after = NULL;
  const char *schema_sql = "SELECT group_concat(sql, ';') FROM "
                           "(SELECT sql FROM sqlite_master ORDER BY name)";

  g_object_unref (create_ok (journal, KASSA_TEST_TERMINAL, 10));
  g_clear_object (&journal);

  db = raw_open (path);
  schema_before = raw_text (db, schema_sql);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, KASSA_JOURNAL_SCHEMA_VERSION);
  g_clear_pointer (&db, sqlite3_close_v2);

  journal = open_ok (path);
  g_clear_object (&journal);

  db = raw_open (path);
  schema_after = raw_text (db, schema_sql);
  g_assert_cmpstr (schema_after, ==, schema_before);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, KASSA_JOURNAL_SCHEMA_VERSION);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM invoices"), ==, 1);
}

/* ── the state machine through the journal ──────────────────────────── */

/* A path of legal moves from CREATING to @target, found from the table. */
static GArray *
path_to (KassaInvoiceState target)
{
  int previous[N_STATES];
  gboolean seen[N_STATES] = { FALSE };
  int queue[N_STATES], head = 0, tail = 0;
  GArray *path = g_array_new (FALSE, FALSE, sizeof (KassaInvoiceState));

  queue[tail++] = KASSA_INVOICE_CREATING;
  seen[KASSA_INVOICE_CREATING] = TRUE;
  previous[KASSA_INVOICE_CREATING] = -1;
  while (head < tail)
    {
      int s = queue[head++];

      for (int t = 0; t < N_STATES; t++)
        if (!seen[t] && kassa_invoice_state_can_move (s, t))
          {
            seen[t] = TRUE;
            previous[t] = s;
            queue[tail++] = t;
          }
    }

  g_assert_true (seen[target]);
  for (int s = target; previous[s] != -1; s = previous[s])
    g_array_prepend_val (path, s);

  return path;
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  guint *count = user_data;

  (*count)++;
}

static void
test_every_pair_journal (void)
{
  g_autofree char *path = journal_path ("pairs.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  guint n_legal = 0;

  for (int from = 0; from < N_STATES; from++)
    {
      g_autoptr(GArray) steps = path_to (from);

      for (int to = 0; to < N_STATES; to++)
        {
          g_autoptr(KassaInvoice) invoice = create_ok (journal, KASSA_TEST_TERMINAL, 500);
          g_autoptr(GError) error = NULL;
          gboolean legal = kassa_invoice_state_can_move (from, to);
          guint notified = 0;
          gboolean moved;

          for (guint i = 0; i < steps->len; i++)
            move_ok (journal, invoice, g_array_index (steps, KassaInvoiceState, i));
          g_assert_cmpint (kassa_invoice_get_state (invoice), ==, from);

          g_signal_connect (invoice, "notify::state", G_CALLBACK (count_notify_cb), &notified);
          moved = kassa_journal_move (journal, invoice, to, NULL, NULL, NULL, &error);
          g_assert_cmpint (moved, ==, legal);
          if (legal)
            {
              g_assert_no_error (error);
              g_assert_cmpint (kassa_invoice_get_state (invoice), ==, to);
              g_assert_cmpuint (notified, ==, 1);
              n_legal++;
            }
          else
            {
              g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE);
              g_assert_nonnull (strstr (error->message, kassa_invoice_get_number (invoice)));
              g_assert_nonnull (strstr (error->message, kassa_invoice_state_to_string (from)));
              g_assert_cmpint (kassa_invoice_get_state (invoice), ==, from);
              g_assert_cmpuint (notified, ==, 0);
            }
        }
    }

  g_assert_cmpuint (n_legal, ==, 29);
}

static void
test_illegal_messages (void)
{
  g_autofree char *path = journal_path ("messages.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(KassaInvoice) paid = create_paid (journal, KASSA_TEST_TERMINAL, 100);
  g_autoptr(KassaInvoice) unpaid = create_ok (journal, KASSA_TEST_TERMINAL, 100);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;

  g_assert_false (kassa_journal_move (journal, paid, KASSA_INVOICE_CANCELLING, NULL, NULL, NULL,
                                      &error));
  expected = g_strdup_printf ("Invoice %s is PAID and cannot be cancelled",
                              kassa_invoice_get_number (paid));
  g_assert_cmpstr (error->message, ==, expected);
  g_clear_error (&error);

  /* Refund of an unpaid invoice. */
  g_assert_false (kassa_journal_move (journal, unpaid, KASSA_INVOICE_REFUNDING, NULL, NULL, NULL,
                                      &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE);
  g_assert_nonnull (strstr (error->message, "cannot be refunded"));
  g_clear_error (&error);

  /* A second refund. */
  move_ok (journal, paid, KASSA_INVOICE_REFUNDING);
  move_ok (journal, paid, KASSA_INVOICE_REFUNDED);
  g_assert_false (kassa_journal_move (journal, paid, KASSA_INVOICE_REFUNDING, NULL, NULL, NULL,
                                      &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE);
  g_assert_nonnull (strstr (error->message, "already been refunded"));
}

/* ── notify after commit ────────────────────────────────────────────── */

typedef struct
{
  KassaJournal *journal;
  guint         n_notified;
  gboolean      history_had_it;
  gboolean      could_write;
} NotifyCheck;

static void
on_state_notify_cb (KassaInvoice *invoice,
                    GParamSpec   *pspec,
                    NotifyCheck  *check)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *history = kassa_journal_get_history_json (check->journal, invoice, &error);
  g_autoptr(KassaInvoice) other = NULL;
  g_autofree char *needle = g_strdup_printf ("\"to\":\"%s\"",
                                             kassa_invoice_state_to_string (
                                               kassa_invoice_get_state (invoice)));

  g_assert_no_error (error);
  check->n_notified++;
  check->history_had_it = strstr (history, needle) != NULL;
  /* A new transaction can start only if the move's transaction is over. */
  other = kassa_journal_create_invoice (check->journal, KASSA_TEST_TERMINAL, 1,
                                        KASSA_INVOICE_METHOD_QR, NULL, NULL, &error);
  check->could_write = other != NULL && error == NULL;
  /* The bank's fields of the same move are already visible. */
  if (kassa_invoice_get_state (invoice) == KASSA_INVOICE_AWAITING_PAYMENT)
    g_assert_cmpstr (kassa_invoice_get_payload (invoice), ==, "QRDATA");
}

static void
test_notify_after_commit (void)
{
  g_autofree char *path = journal_path ("notify.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(KassaInvoice) invoice = create_ok (journal, KASSA_TEST_TERMINAL, 300);
  g_autoptr(GError) error = NULL;
  g_autofree char *number = g_strdup (kassa_invoice_get_number (invoice));
  g_autofree char *history_before = NULL;
  g_autofree char *history_after = NULL;
  NotifyCheck check = { journal, 0, FALSE, FALSE };
  guint n_payload = 0;

  g_signal_connect (invoice, "notify::state", G_CALLBACK (on_state_notify_cb), &check);
  g_signal_connect (invoice, "notify::payload", G_CALLBACK (count_notify_cb), &n_payload);

  g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_AWAITING_PAYMENT, "QRDATA",
                                     NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (check.n_notified, ==, 1);
  g_assert_cmpuint (n_payload, ==, 1);
  g_assert_true (check.history_had_it);
  g_assert_true (check.could_write);

  g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_PAID, NULL, NULL, NULL,
                                     &error));
  g_assert_no_error (error);
  g_assert_cmpuint (check.n_notified, ==, 2);
  g_assert_true (check.history_had_it);
  g_assert_true (check.could_write);
  /* Same payload again: no notify. */
  g_assert_cmpuint (n_payload, ==, 1);

  history_before = kassa_journal_get_history_json (journal, invoice, &error);
  g_assert_no_error (error);

  /* An illegal move: no notify, nothing changes, also on disk. */
  g_assert_false (kassa_journal_move (journal, invoice, KASSA_INVOICE_CANCELLING, "X", NULL,
                                      "nope", &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE);
  g_clear_error (&error);
  g_assert_cmpuint (check.n_notified, ==, 2);
  g_assert_cmpuint (n_payload, ==, 1);
  g_assert_cmpstr (kassa_invoice_get_payload (invoice), ==, "QRDATA");

  g_signal_handlers_disconnect_by_data (invoice, &check);
  g_clear_object (&invoice);
  g_clear_object (&journal);

  journal = open_ok (path);
  invoice = kassa_journal_lookup (journal, number, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
  g_assert_cmpstr (kassa_invoice_get_payload (invoice), ==, "QRDATA");
  g_assert_null (kassa_invoice_get_last_error (invoice));
  history_after = kassa_journal_get_history_json (journal, invoice, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (history_after, ==, history_before);
}

/* A failing write (the journal was closed) changes nothing and notifies nothing. */
static void
test_closed (void)
{
  g_autofree char *path = journal_path ("closed.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(KassaInvoice) invoice = create_ok (journal, KASSA_TEST_TERMINAL, 300);
  g_autoptr(KassaInvoice) none = NULL;
  g_autoptr(GError) error = NULL;
  guint notified = 0;

  g_signal_connect (invoice, "notify", G_CALLBACK (count_notify_cb), &notified);
  kassa_journal_close (journal);
  kassa_journal_close (journal);

  none = kassa_journal_create_invoice (journal, KASSA_TEST_TERMINAL, 1, KASSA_INVOICE_METHOD_QR,
                                       NULL, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "closed"));
  g_clear_error (&error);

  g_assert_false (kassa_journal_move (journal, invoice, KASSA_INVOICE_AWAITING_PAYMENT, NULL,
                                      NULL, NULL, &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO);
  g_assert_cmpuint (notified, ==, 0);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_CREATING);
}

static void
test_paid_after_cancel (void)
{
  g_autofree char *path = journal_path ("pac.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(KassaInvoice) late = create_ok (journal, KASSA_TEST_TERMINAL, 100);
  g_autoptr(KassaInvoice) plain = create_paid (journal, KASSA_TEST_TERMINAL, 100);
  g_autoptr(KassaInvoice) awaiting = create_ok (journal, KASSA_TEST_TERMINAL, 100);
  g_autoptr(GError) error = NULL;
  g_autofree char *late_number = g_strdup (kassa_invoice_get_number (late));
  g_autofree char *plain_number = g_strdup (kassa_invoice_get_number (plain));
  guint notified = 0;

  move_ok (journal, late, KASSA_INVOICE_AWAITING_PAYMENT);
  move_ok (journal, late, KASSA_INVOICE_CANCELLING);
  move_ok (journal, late, KASSA_INVOICE_CANCELLED);
  g_signal_connect (late, "notify::paid-after-cancel", G_CALLBACK (count_notify_cb), &notified);
  move_ok (journal, late, KASSA_INVOICE_PAID);
  g_assert_true (kassa_invoice_get_paid_after_cancel (late));
  g_assert_cmpuint (notified, ==, 1);

  g_assert_false (kassa_invoice_get_paid_after_cancel (plain));
  g_assert_true (kassa_journal_set_paid_after_cancel (journal, plain, &error));
  g_assert_no_error (error);
  g_assert_true (kassa_invoice_get_paid_after_cancel (plain));

  g_assert_false (kassa_journal_set_paid_after_cancel (journal, awaiting, &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE);
  g_clear_error (&error);
  g_assert_false (kassa_invoice_get_paid_after_cancel (awaiting));

  g_clear_object (&late);
  g_clear_object (&plain);
  g_clear_object (&awaiting);
  g_clear_object (&journal);
  journal = open_ok (path);
  late = kassa_journal_lookup (journal, late_number, &error);
  g_assert_no_error (error);
  plain = kassa_journal_lookup (journal, plain_number, &error);
  g_assert_no_error (error);
  g_assert_true (kassa_invoice_get_paid_after_cancel (late));
  g_assert_true (kassa_invoice_get_paid_after_cancel (plain));
}

static void
test_bad_input (void)
{
  g_autofree char *path = journal_path ("input.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  struct {
    const char         *terminal;
    gint64              amount;
    KassaInvoiceMethod  method;
    const char         *phone;
    int                 code;
  } cases[] = {
    { KASSA_TEST_TERMINAL, 0, KASSA_INVOICE_METHOD_QR, NULL, KASSA_INPUT_ERROR_AMOUNT },
    { KASSA_TEST_TERMINAL, -5, KASSA_INVOICE_METHOD_QR, NULL, KASSA_INPUT_ERROR_AMOUNT },
    { "", 10, KASSA_INVOICE_METHOD_QR, NULL, KASSA_INPUT_ERROR_TERMINAL },
    { NULL, 10, KASSA_INVOICE_METHOD_QR, NULL, KASSA_INPUT_ERROR_TERMINAL },
    { KASSA_TEST_TERMINAL, 10, KASSA_INVOICE_METHOD_PHONE, NULL, KASSA_INPUT_ERROR_PHONE },
    { KASSA_TEST_TERMINAL, 10, KASSA_INVOICE_METHOD_PHONE, "", KASSA_INPUT_ERROR_PHONE },
    { KASSA_TEST_TERMINAL, 10, 17, NULL, KASSA_INPUT_ERROR_INVOICE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KassaInvoice) invoice =
        kassa_journal_create_invoice (journal, cases[i].terminal, cases[i].amount,
                                      cases[i].method, cases[i].phone, NULL, &error);

      g_assert_null (invoice);
      g_assert_error (error, KASSA_INPUT_ERROR, cases[i].code);
      g_clear_error (&error);
    }

  all = kassa_journal_list (journal, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 0);
}

/* ── exchanges and meta ─────────────────────────────────────────────── */

static void
test_exchanges (void)
{
  g_autofree char *path = journal_path ("exchanges.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(KassaInvoice) invoice = create_ok (journal, KASSA_TEST_TERMINAL, 1000);
  g_autoptr(KassaSettlement) settlement = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) timeout = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                                                   "The bank did not answer in time");
  g_autoptr(sqlite3) db = NULL;
  g_autofree char *request = g_strdup_printf ("{\"amount\":\"1000\",\"invoice\":\"%s\","
                                              "\"terminal\":\"%s\",\"checksum\":\"ab12\"}",
                                              kassa_invoice_get_number (invoice),
                                              KASSA_TEST_TERMINAL);
  g_autofree char *contents = NULL;
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  gsize length = 0;

  g_assert_true (kassa_journal_record_exchange (journal, invoice, NULL, KASSA_BANK_ENDPOINT_QR,
                                                request, 200, "{\"header\":{\"code\":200}}",
                                                NULL, &error));
  g_assert_no_error (error);
  g_assert_true (kassa_journal_record_exchange (journal, invoice, NULL,
                                                KASSA_BANK_ENDPOINT_CHECK, request, 0, NULL,
                                                timeout, &error));
  g_assert_no_error (error);

  settlement = kassa_journal_begin_settlement (journal, KASSA_TEST_TERMINAL, &error);
  g_assert_no_error (error);
  g_assert_true (kassa_journal_record_exchange (journal, NULL,
                                                kassa_settlement_get_id (settlement),
                                                KASSA_BANK_ENDPOINT_SETTLEMENT, "{}", 500,
                                                "oops", NULL, &error));
  g_assert_no_error (error);

  /* Not for an unknown batch: the foreign key holds. */
  g_assert_false (kassa_journal_record_exchange (journal, NULL, "S000000-000000-9999",
                                                 KASSA_BANK_ENDPOINT_SETTLEMENT, "{}", 200,
                                                 NULL, NULL, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_clear_object (&invoice);
  g_clear_object (&settlement);
  g_clear_object (&journal);

  db = raw_open (path);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM exchanges"), ==, 3);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM exchanges WHERE endpoint = 'qr' AND "
                                "http_status = 200 AND error_domain IS NULL AND "
                                "reply_body LIKE '%code%' AND invoice IS NOT NULL"), ==, 1);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM exchanges WHERE endpoint = 'check' AND "
                                "http_status IS NULL AND error_domain = 'g-io-error-quark' AND "
                                "error_message = 'The bank did not answer in time'"), ==, 1);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM exchanges WHERE endpoint = 'settlement' "
                                "AND settlement_id IS NOT NULL AND invoice IS NULL"), ==, 1);
  g_clear_pointer (&db, sqlite3_close_v2);

  /* The secret was never handed to the journal, so it is nowhere in the file. */
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_null (g_strstr_len (contents, length, KASSA_TEST_SECRET));
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
}

static void
test_meta (void)
{
  g_autofree char *path = journal_path ("meta.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  g_autofree char *missing = NULL;

  missing = kassa_journal_get_meta (journal, "manager_pin", &error);
  g_assert_no_error (error);
  g_assert_null (missing);

  g_assert_true (kassa_journal_set_meta (journal, "manager_pin", "salt$hash", &error));
  g_assert_no_error (error);
  g_assert_false (kassa_journal_set_meta (journal, "journal_id", "ffffff", &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO);
  g_clear_error (&error);
  g_assert_false (kassa_journal_set_meta (journal, "next_invoice_seq", "1", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (kassa_journal_set_meta (journal, "Bad Key", "1", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_clear_object (&journal);
  journal = open_ok (path);
  value = kassa_journal_get_meta (journal, "manager_pin", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "salt$hash");
  g_assert_true (kassa_journal_set_meta (journal, "manager_pin", NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&value, g_free);
  value = kassa_journal_get_meta (journal, "manager_pin", &error);
  g_assert_no_error (error);
  g_assert_null (value);
}

/* ── settlement ─────────────────────────────────────────────────────── */

static KassaBankSettlementReply *
bank_reply (gint64      amount,
            gint64      count,
            const char *status)
{
  KassaBankSettlementReply reply = { amount, count, (char *) status };

  return kassa_bank_settlement_reply_copy (&reply);
}

static JsonObject *
settlement_json (KassaSettlement  *settlement,
                 JsonNode        **out_root)
{
  g_autofree char *json = kassa_settlement_to_json (settlement);
  g_autoptr(GError) error = NULL;

  *out_root = json_from_string (json, &error);
  g_assert_no_error (error);
  return json_node_get_object (*out_root);
}

static void
test_settlement_empty (void)
{
  g_autofree char *path = journal_path ("settle-empty.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(KassaSettlement) settlement = NULL;
  g_autoptr(KassaBankSettlementReply) reply = bank_reply (0, 0, "SUCCESS");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) root2 = NULL;
  JsonObject *object;

  settlement = kassa_journal_begin_settlement (journal, KASSA_TEST_TERMINAL, &error);
  g_assert_no_error (error);
  g_assert_true (g_regex_match_simple ("^S[0-9]{6}-[0-9a-f]{6}-0001$",
                                       kassa_settlement_get_id (settlement), 0, 0));
  g_assert_cmpint (kassa_settlement_get_state (settlement), ==, KASSA_SETTLEMENT_SETTLING);
  g_assert_true (kassa_settlement_get_empty (settlement));
  g_assert_cmpint (kassa_settlement_get_local_count (settlement), ==, 0);
  g_assert_cmpuint (g_strv_length ((char **) kassa_settlement_get_invoices (settlement)), ==, 0);
  g_assert_false (kassa_settlement_reconcile (settlement));

  object = settlement_json (settlement, &root);
  g_assert_true (json_object_get_boolean_member (object, "empty"));
  g_assert_false (json_object_get_boolean_member (object, "matches"));
  g_assert_true (json_object_get_null_member (object, "bank_count"));
  g_assert_true (json_object_get_null_member (object, "settled"));

  g_assert_true (kassa_journal_finish_settlement (journal, settlement, KASSA_SETTLEMENT_SETTLED,
                                                  reply, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (kassa_settlement_reconcile (settlement));
  g_assert_nonnull (kassa_settlement_get_settled (settlement));
  object = settlement_json (settlement, &root2);
  g_assert_true (json_object_get_boolean_member (object, "matches"));
  g_assert_cmpint (json_object_get_int_member (object, "bank_count"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "SETTLED");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "invoices")),
                    ==, 0);
}

/* Where a batch's day began: the terminal's last earlier batch the bank did
 * not refuse (the report's first row), found without listing every batch. */
static void
test_settlement_previous (void)
{
  g_autofree char *path = journal_path ("settle-previous.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(KassaBankSettlementReply) reply = bank_reply (0, 0, "SUCCESS");
  g_autoptr(KassaSettlement) first = NULL;
  g_autoptr(KassaSettlement) refused = NULL;
  g_autoptr(KassaSettlement) third = NULL;
  g_autoptr(KassaSettlement) other = NULL;
  g_autoptr(KassaSettlement) previous = NULL;
  g_autoptr(GError) error = NULL;

  first = kassa_journal_begin_settlement (journal, KASSA_TEST_TERMINAL, &error);
  g_assert_no_error (error);
  g_assert_null (kassa_journal_lookup_previous_settlement (journal, first, &error));
  g_assert_no_error (error);
  g_assert_true (kassa_journal_finish_settlement (journal, first, KASSA_SETTLEMENT_SETTLED,
                                                  reply, NULL, &error));
  refused = kassa_journal_begin_settlement (journal, KASSA_TEST_TERMINAL, &error);
  g_assert_no_error (error);
  g_assert_true (kassa_journal_finish_settlement (journal, refused, KASSA_SETTLEMENT_FAILED,
                                                  NULL, "refused", &error));
  other = kassa_journal_begin_settlement (journal, "87654321", &error);
  g_assert_no_error (error);
  third = kassa_journal_begin_settlement (journal, KASSA_TEST_TERMINAL, &error);
  g_assert_no_error (error);

  /* Not the refused batch, not another terminal's, not itself. */
  previous = kassa_journal_lookup_previous_settlement (journal, third, &error);
  g_assert_no_error (error);
  g_assert_true (previous == first);
  g_clear_object (&previous);
  previous = kassa_journal_lookup_previous_settlement (journal, refused, &error);
  g_assert_no_error (error);
  g_assert_true (previous == first);
  g_assert_null (kassa_journal_lookup_previous_settlement (journal, other, &error));
  g_assert_no_error (error);

  kassa_journal_close (journal);
  g_assert_null (kassa_journal_lookup_previous_settlement (journal, third, &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO);
}

static void
test_settlement_lifecycle (void)
{
  g_autofree char *path = journal_path ("settle.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(KassaInvoice) a = create_paid (journal, KASSA_TEST_TERMINAL, 100);
  g_autoptr(KassaInvoice) b = create_paid (journal, KASSA_TEST_TERMINAL, 250);
  g_autoptr(KassaInvoice) c = create_paid (journal, KASSA_TEST_TERMINAL, 1000);
  g_autoptr(KassaInvoice) other_terminal = create_paid (journal, "87654321", 7);
  g_autoptr(KassaInvoice) awaiting = create_ok (journal, KASSA_TEST_TERMINAL, 5000);
  g_autoptr(KassaInvoice) late = NULL;
  g_autoptr(KassaSettlement) batch = NULL;
  g_autoptr(KassaSettlement) second = NULL;
  g_autoptr(KassaSettlement) other_batch = NULL;
  g_autoptr(KassaSettlement) refused = NULL;
  g_autoptr(KassaSettlement) same = NULL;
  g_autoptr(GPtrArray) open = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(KassaBankSettlementReply) good = bank_reply (1350, 3, "SUCCESS");
  g_autoptr(KassaBankSettlementReply) short_reply = bank_reply (5000, 2, "SUCCESS");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *batch_id = NULL;
  const char * const *numbers;
  guint notified = 0;
  JsonObject *object;

  move_ok (journal, awaiting, KASSA_INVOICE_AWAITING_PAYMENT);
  g_signal_connect (a, "notify::settlement-id", G_CALLBACK (count_notify_cb), &notified);

  batch = kassa_journal_begin_settlement (journal, KASSA_TEST_TERMINAL, &error);
  g_assert_no_error (error);
  batch_id = g_strdup (kassa_settlement_get_id (batch));
  g_assert_cmpuint (strlen (batch_id), <=, 32);
  g_assert_cmpint (kassa_settlement_get_local_count (batch), ==, 3);
  g_assert_cmpint (kassa_settlement_get_local_amount (batch), ==, 1350);
  g_assert_false (kassa_settlement_get_empty (batch));
  numbers = kassa_settlement_get_invoices (batch);
  g_assert_cmpuint (g_strv_length ((char **) numbers), ==, 3);
  g_assert_cmpstr (numbers[0], ==, kassa_invoice_get_number (a));
  g_assert_cmpstr (numbers[1], ==, kassa_invoice_get_number (b));
  g_assert_cmpstr (numbers[2], ==, kassa_invoice_get_number (c));
  g_assert_cmpstr (kassa_invoice_get_settlement_id (a), ==, batch_id);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_null (kassa_invoice_get_settlement_id (other_terminal));
  g_assert_null (kassa_invoice_get_settlement_id (awaiting));

  /* One open batch per terminal. */
  second = kassa_journal_begin_settlement (journal, KASSA_TEST_TERMINAL, &error);
  g_assert_null (second);
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_BATCH_OPEN);
  g_assert_nonnull (strstr (error->message, batch_id));
  g_clear_error (&error);

  /* Another terminal is independent. */
  other_batch = kassa_journal_begin_settlement (journal, "87654321", &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_settlement_get_local_count (other_batch), ==, 1);
  g_assert_cmpstr (kassa_settlement_get_id (other_batch), !=, batch_id);

  /* Sent, outcome not seen. */
  g_assert_true (kassa_journal_finish_settlement (journal, batch, KASSA_SETTLEMENT_SETTLE_UNKNOWN,
                                                  NULL, "timed out", &error));
  g_assert_no_error (error);
  open = kassa_journal_list_open_settlements (journal, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (open->len, ==, 2);
  g_assert_true (open->pdata[0] == batch);
  second = kassa_journal_begin_settlement (journal, KASSA_TEST_TERMINAL, &error);
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_BATCH_OPEN);
  g_clear_error (&error);

  /* Resolved. */
  g_assert_true (kassa_journal_finish_settlement (journal, batch, KASSA_SETTLEMENT_SETTLED, good,
                                                  NULL, &error));
  g_assert_no_error (error);
  g_assert_true (kassa_settlement_reconcile (batch));
  g_assert_cmpstr (kassa_settlement_get_bank_status (batch), ==, "SUCCESS");

  /* Not twice. */
  g_assert_false (kassa_journal_finish_settlement (journal, batch, KASSA_SETTLEMENT_SETTLED, good,
                                                   NULL, &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ALREADY_SETTLED);
  g_assert_nonnull (strstr (error->message, batch_id));
  g_clear_error (&error);
  g_assert_false (kassa_journal_finish_settlement (journal, batch, KASSA_SETTLEMENT_FAILED, NULL,
                                                   NULL, &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ALREADY_SETTLED);
  g_clear_error (&error);

  /* The next batch covers only what was paid since. */
  move_ok (journal, awaiting, KASSA_INVOICE_PAID);
  late = create_paid (journal, KASSA_TEST_TERMINAL, 1);
  second = kassa_journal_begin_settlement (journal, KASSA_TEST_TERMINAL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_settlement_get_local_count (second), ==, 2);
  g_assert_cmpint (kassa_settlement_get_local_amount (second), ==, 5001);

  /* The bank disagrees: reported, not hidden. */
  g_assert_true (kassa_journal_finish_settlement (journal, second, KASSA_SETTLEMENT_SETTLED,
                                                  short_reply, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (kassa_settlement_reconcile (second));
  object = settlement_json (second, &root);
  g_assert_false (json_object_get_boolean_member (object, "matches"));
  g_assert_cmpint (json_object_get_int_member (object, "local_count"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (object, "bank_count"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (object, "local_amount"), ==, 5001);
  g_assert_cmpint (json_object_get_int_member (object, "bank_amount"), ==, 5000);

  /* A refused batch releases its invoices into the next one. */
  g_assert_true (kassa_journal_finish_settlement (journal, other_batch, KASSA_SETTLEMENT_FAILED,
                                                  NULL, "rejected: bad terminal", &error));
  g_assert_no_error (error);
  g_assert_null (kassa_invoice_get_settlement_id (other_terminal));
  g_assert_cmpuint (g_strv_length ((char **) kassa_settlement_get_invoices (other_batch)), ==, 1);
  g_assert_false (kassa_journal_finish_settlement (journal, other_batch,
                                                   KASSA_SETTLEMENT_SETTLING, NULL, NULL,
                                                   &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE);
  g_clear_error (&error);
  refused = kassa_journal_begin_settlement (journal, "87654321", &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_settlement_get_local_count (refused), ==, 1);
  g_assert_cmpstr (kassa_invoice_get_settlement_id (other_terminal), ==,
                   kassa_settlement_get_id (refused));

  same = kassa_journal_lookup_settlement (journal, batch_id, &error);
  g_assert_no_error (error);
  g_assert_true (same == batch);
  g_clear_object (&same);

  /* Everything survives a reopen. */
  g_clear_object (&a);
  g_clear_object (&b);
  g_clear_object (&c);
  g_clear_object (&other_terminal);
  g_clear_object (&awaiting);
  g_clear_object (&late);
  g_clear_object (&batch);
  g_clear_object (&second);
  g_clear_object (&other_batch);
  g_clear_object (&refused);
  g_clear_pointer (&open, g_ptr_array_unref);
  g_clear_object (&journal);

  journal = open_ok (path);
  batch = kassa_journal_lookup_settlement (journal, batch_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_settlement_get_state (batch), ==, KASSA_SETTLEMENT_SETTLED);
  g_assert_cmpint (kassa_settlement_get_local_count (batch), ==, 3);
  g_assert_cmpint (kassa_settlement_get_bank_amount (batch), ==, 1350);
  g_assert_true (kassa_settlement_get_has_bank_reply (batch));
  g_assert_true (kassa_settlement_reconcile (batch));
  g_assert_cmpstr (kassa_settlement_get_last_error (batch), ==, "timed out");
  g_assert_cmpuint (g_strv_length ((char **) kassa_settlement_get_invoices (batch)), ==, 3);
  g_assert_false (kassa_journal_finish_settlement (journal, batch, KASSA_SETTLEMENT_SETTLED, good,
                                                   NULL, &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ALREADY_SETTLED);
  g_clear_error (&error);

  all = kassa_journal_list_settlements (journal, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 4);
  g_assert_true (all->pdata[0] == batch);
  g_assert_cmpint (kassa_settlement_get_state (all->pdata[1]), ==, KASSA_SETTLEMENT_FAILED);
  /* The refused batch keeps its list for the record. */
  g_assert_cmpuint (g_strv_length ((char **) kassa_settlement_get_invoices (all->pdata[1])), ==, 1);

  open = kassa_journal_list_open_settlements (journal, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (open->len, ==, 1);
  g_assert_cmpint (kassa_settlement_get_state (open->pdata[0]), ==, KASSA_SETTLEMENT_SETTLING);

  same = kassa_journal_lookup_settlement (journal, "S000000-000000-0001", &error);
  g_assert_null (same);
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_NOT_FOUND);
}

static void
test_settlement_states (void)
{
  const char *names[] = { "SETTLING", "SETTLE_UNKNOWN", "SETTLED", "FAILED" };
  const gboolean legal[4][4] = {
    /* to:  SETTLING SETTLE_UNKNOWN SETTLED FAILED */
    { FALSE, TRUE, TRUE, TRUE },    /* from SETTLING */
    { TRUE, FALSE, TRUE, TRUE },    /* from SETTLE_UNKNOWN */
    { FALSE, FALSE, FALSE, FALSE }, /* from SETTLED */
    { FALSE, FALSE, FALSE, FALSE }, /* from FAILED */
  };

  for (int s = 0; s < 4; s++)
    {
      KassaSettlementState parsed = KASSA_SETTLEMENT_FAILED;

      g_assert_cmpstr (kassa_settlement_state_to_string (s), ==, names[s]);
      g_assert_true (kassa_settlement_state_from_string (names[s], &parsed));
      g_assert_cmpint (parsed, ==, s);
      g_assert_cmpint (kassa_settlement_state_is_final (s), ==, s >= 2);
      for (int t = 0; t < 4; t++)
        g_assert_cmpint (kassa_settlement_state_can_move (s, t), ==, legal[s][t]);
    }
  g_assert_false (kassa_settlement_state_from_string ("settled", NULL));
}

/* A new journal in an existing folder holds the PIN hash: 0600, and so are
 * its -wal and lock files, whatever the umask. */
static void
test_private_mode (void)
{
  g_autofree char *path = journal_path ("private.sqlite");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *lock = g_strconcat (path, ".lock", NULL);
  const mode_t umasks[] = { 0022, 0 };

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (umasks); i++)
    {
      mode_t old = umask (umasks[i]);
      g_autoptr(KassaJournal) journal = open_ok (path);
      g_autoptr(KassaInvoice) invoice = create_ok (journal, "T1", 1000);
      struct stat st;

      umask (old);
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
      g_assert_cmpint (g_stat (wal, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
      g_assert_cmpint (g_stat (lock, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);

      kassa_journal_close (journal);
      g_assert_cmpint (g_unlink (path), ==, 0);
      g_assert_cmpint (g_unlink (lock), ==, 0);
    }
}

/* Version 4: a cancel's reason is journaled with CANCELLING and read back;
 * a row from an older file (or with no cancel) reads as unknown. */
static void
test_cancel_reason (void)
{
  g_autofree char *path = journal_path ("cancel-reason.sqlite");
  g_autofree char *v2_path = journal_path ("cancel-reason-v2.sqlite");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaInvoice) cashier = NULL;
  g_autoptr(KassaInvoice) plain = NULL;
  g_autoptr(KassaInvoice) old = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3) db = NULL;
  g_autofree char *stored = NULL;
  KassaCancelReason reason = KASSA_CANCEL_REASON_BAD_PAYLOAD;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  journal = open_ok (path);
  cashier = create_ok (journal, KASSA_TEST_TERMINAL, 1000);
  plain = create_ok (journal, KASSA_TEST_TERMINAL, 1100);
  move_ok (journal, cashier, KASSA_INVOICE_AWAITING_PAYMENT);
  move_ok (journal, plain, KASSA_INVOICE_AWAITING_PAYMENT);

  /* No cancel yet: unknown. */
  g_assert_true (kassa_journal_get_cancel_reason (journal, cashier, &reason, &error));
  g_assert_no_error (error);
  g_assert_cmpint (reason, ==, KASSA_CANCEL_REASON_UNKNOWN);

  g_assert_true (kassa_journal_move_to_cancelling (journal, cashier, KASSA_CANCEL_REASON_CASHIER,
                                                   "by hand", &error));
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (cashier), ==, KASSA_INVOICE_CANCELLING);
  g_assert_cmpstr (kassa_invoice_get_last_error (cashier), ==, "by hand");
  g_assert_true (kassa_journal_get_cancel_reason (journal, cashier, &reason, &error));
  g_assert_cmpint (reason, ==, KASSA_CANCEL_REASON_CASHIER);

  /* A re-send through CANCEL_UNKNOWN without a reason keeps the recorded one. */
  move_ok (journal, cashier, KASSA_INVOICE_CANCEL_UNKNOWN);
  move_ok (journal, cashier, KASSA_INVOICE_CANCELLING);
  g_assert_true (kassa_journal_get_cancel_reason (journal, cashier, &reason, &error));
  g_assert_cmpint (reason, ==, KASSA_CANCEL_REASON_CASHIER);

  /* CANCELLING written as before (kassa_journal_move): no reason. */
  move_ok (journal, plain, KASSA_INVOICE_CANCELLING);
  g_assert_true (kassa_journal_get_cancel_reason (journal, plain, &reason, &error));
  g_assert_cmpint (reason, ==, KASSA_CANCEL_REASON_UNKNOWN);

  /* Only from a state that can be cancelled, and a refused move records nothing. */
  move_ok (journal, plain, KASSA_INVOICE_CANCELLED);
  g_assert_false (kassa_journal_move_to_cancelling (journal, plain, KASSA_CANCEL_REASON_EXPIRY,
                                                    NULL, &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE);
  g_clear_error (&error);
  g_assert_true (kassa_journal_get_cancel_reason (journal, plain, &reason, &error));
  g_assert_cmpint (reason, ==, KASSA_CANCEL_REASON_UNKNOWN);

  g_clear_object (&cashier);
  g_clear_object (&plain);
  g_clear_object (&journal);
  db = raw_open (path);
  stored = raw_text (db, "SELECT group_concat(coalesce(cancel_reason, '-'), ',') FROM "
                         "(SELECT cancel_reason FROM invoices ORDER BY id)");
  g_assert_cmpstr (stored, ==, "cashier,-");
  g_clear_pointer (&db, sqlite3_close_v2);

  /* A file from before version 4 gets the column; its rows read as unknown. */
  db = raw_open (v2_path);
  raw_exec (db, v2_schema);
  g_clear_pointer (&db, sqlite3_close_v2);
  journal = open_ok (v2_path);
  old = kassa_journal_lookup (journal, "K250101-def456-0001", &error);
  g_assert_no_error (error);
  reason = KASSA_CANCEL_REASON_EXPIRY;
  g_assert_true (kassa_journal_get_cancel_reason (journal, old, &reason, &error));
  g_assert_no_error (error);
  g_assert_cmpint (reason, ==, KASSA_CANCEL_REASON_UNKNOWN);
}

/* ---- issue 14: trimming and the clean-close marker ---- */

/* Writes 0xff over the first bytes of the root page of @index: a damage only
 * a check (or a query that uses the index) sees. The journal must be closed. */
static void
damage_index (const char *path,
              const char *index)
{
  g_autoptr(sqlite3) db = raw_open (path);
  g_autofree char *sql = g_strdup_printf ("SELECT rootpage FROM sqlite_master WHERE name = '%s'",
                                          index);
  gint64 root = raw_int (db, sql);
  gint64 page_size = raw_int (db, "PRAGMA page_size");
  guint8 garbage[16];
  int fd;

  g_clear_pointer (&db, sqlite3_close_v2);
  g_assert_cmpint (root, >, 1);
  memset (garbage, 0xff, sizeof garbage);
  fd = g_open (path, O_WRONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (pwrite (fd, garbage, sizeof garbage, (root - 1) * page_size), ==,
                   sizeof garbage);
  close (fd);
}

static char *
raw_marker (const char *path)
{
  g_autoptr(sqlite3) db = raw_open (path);

  if (raw_int (db, "SELECT count(*) FROM meta WHERE key = 'clean_close'") == 0)
    return NULL;
  return raw_text (db, "SELECT value FROM meta WHERE key = 'clean_close'");
}

static void
test_clean_close_skips_check (void)
{
  g_autofree char *path = journal_path ("clean-close.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autofree char *marker = NULL;

  g_object_unref (create_paid (journal, KASSA_TEST_TERMINAL, 1200));
  kassa_journal_close (journal);
  g_clear_object (&journal);

  marker = raw_marker (path);
  g_assert_cmpstr (marker, ==, "1");

  journal = open_ok (path);
  g_assert_false (kassa_journal_get_checked_at_open (journal));
  g_clear_object (&journal);

  /* A clean close skips the check even when the file is damaged where the
   * opening does not read: the damage is for `journal check` to find. */
  damage_index (path, "exchanges_invoice");
  journal = open_ok (path);
  g_assert_false (kassa_journal_get_checked_at_open (journal));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) problems = kassa_journal_check_integrity (journal, TRUE, 10, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (problems->len, >, 0);
    g_clear_pointer (&problems, g_ptr_array_unref);
    problems = kassa_journal_check_integrity (journal, FALSE, 10, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (problems->len, >, 0);
  }
}

static void
test_unclean_close_checks (void)
{
  g_autofree char *path = journal_path ("unclean-close.sqlite");
  g_autofree char *number = NULL;
  g_autofree char *marker = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(GError) error = NULL;
  int ends[2];
  char buffer[64] = { 0 };
  int status = 0;
  pid_t pid;

  g_object_unref (open_ok (path));
  marker = raw_marker (path);
  g_assert_cmpstr (marker, ==, "1");

  /* A process that holds the journal and is killed (kill -9) mid-session. */
  g_assert_cmpint (pipe (ends), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      KassaJournal *child = kassa_journal_open (path, NULL);
      KassaInvoice *sale = child != NULL ? kassa_journal_create_invoice (child, KASSA_TEST_TERMINAL,
                                                                         700,
                                                                         KASSA_INVOICE_METHOD_QR,
                                                                         NULL, NULL, NULL)
                                         : NULL;
      const char *text = sale != NULL ? kassa_invoice_get_number (sale) : "";

      if (write (ends[1], text, strlen (text)) < 0)
        _exit (2);
      raise (SIGKILL);
      _exit (3);
    }
  close (ends[1]);
  g_assert_cmpint (read (ends[0], buffer, sizeof buffer - 1), >, 0);
  close (ends[0]);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
  number = g_strdup (buffer);

  /* The next open checks, and the sale is there. */
  journal = open_ok (path);
  g_assert_true (kassa_journal_get_checked_at_open (journal));
  invoice = kassa_journal_lookup (journal, number, &error);
  g_assert_no_error (error);
  g_assert_nonnull (invoice);
  g_clear_object (&invoice);
  g_clear_object (&journal);

  /* Closed cleanly this time: the open after it does not. */
  journal = open_ok (path);
  g_assert_false (kassa_journal_get_checked_at_open (journal));
  g_clear_object (&journal);

  /* The marker unset (as after a crash) and the file damaged: refused,
   * through the usual corrupt-journal error, and left as it was. */
  {
    g_autoptr(sqlite3) db = raw_open (path);

    raw_exec (db, "DELETE FROM meta WHERE key = 'clean_close'");
  }
  damage_index (path, "exchanges_invoice");
  assert_refused_untouched (path, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_CORRUPT);
}

static gint64
exchange_rows (sqlite3    *db,
               const char *number)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM exchanges WHERE invoice = '%s'",
                                          number);

  return raw_int (db, sql);
}

static void
record_check (KassaJournal *journal,
              KassaInvoice *invoice,
              gboolean      routine,
              guint         http_status,
              const char   *reply,
              const GError *reply_error)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (routine)
    ok = kassa_journal_record_routine_exchange (journal, invoice, KASSA_BANK_ENDPOINT_CHECK,
                                                "{\"endpoint\":\"check\"}", http_status, reply,
                                                reply_error, &error);
  else
    ok = kassa_journal_record_exchange (journal, invoice, NULL, KASSA_BANK_ENDPOINT_CHECK,
                                        "{\"endpoint\":\"check\"}", http_status, reply,
                                        reply_error, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
}

/* The bank's "not paid yet" (the default profile's refusal), and a timeout. */
static GError *
not_paid_error (void)
{
  return g_error_new_literal (KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED,
                              "Төлбөр төлөгдөөгүй байна");
}

static GError *
timeout_error (void)
{
  return g_error_new_literal (KASSA_BANK_ERROR, KASSA_BANK_ERROR_TIMEOUT,
                              "The bank did not answer in time");
}

static void
test_routine_counted (void)
{
  g_autofree char *path = journal_path ("routine.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(KassaInvoice) quiet = create_ok (journal, KASSA_TEST_TERMINAL, 1000);
  g_autoptr(KassaInvoice) bumpy = create_ok (journal, KASSA_TEST_TERMINAL, 2000);
  g_autoptr(GError) not_paid = not_paid_error ();
  g_autoptr(GError) timeout = timeout_error ();
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3) db = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *json = NULL;
  g_autofree char *quiet_number = g_strdup (kassa_invoice_get_number (quiet));
  g_autofree char *bumpy_number = g_strdup (kassa_invoice_get_number (bumpy));
  g_autofree char *sql = NULL;
  JsonArray *array;

  /* A sale paid after 25 "not paid yet" checks, the two invoices' checks
   * interleaved as two tills' would be. */
  g_assert_true (kassa_journal_record_exchange (journal, quiet, NULL, KASSA_BANK_ENDPOINT_QR,
                                                "{}", 200, "{\"desc\":\"000201\"}", NULL,
                                                &error));
  g_assert_no_error (error);
  for (int i = 0; i < 25; i++)
    {
      record_check (journal, quiet, TRUE, 400, NULL, not_paid);
      if (i < 8)
        record_check (journal, bumpy, TRUE, 400, NULL, not_paid);
      else if (i < 11)
        record_check (journal, bumpy, FALSE, 0, NULL, timeout);  /* every error is kept */
      else if (i < 15)
        record_check (journal, bumpy, TRUE, 400, NULL, not_paid);
    }
  record_check (journal, quiet, FALSE, 200, "{\"resp_code\":\"00\"}", NULL);

  json = kassa_journal_get_exchanges_json (journal, quiet, &error);
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 3);
  {
    JsonObject *create = json_array_get_object_element (array, 0);
    JsonObject *run = json_array_get_object_element (array, 1);
    JsonObject *paid = json_array_get_object_element (array, 2);

    g_assert_cmpstr (json_object_get_string_member (create, "endpoint"), ==, "qr");
    g_assert_cmpint (json_object_get_int_member (create, "count"), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (run, "endpoint"), ==, "check");
    g_assert_cmpint (json_object_get_int_member (run, "count"), ==, 25);
    g_assert_cmpstr (json_object_get_string_member (run, "error"), ==,
                     "Төлбөр төлөгдөөгүй байна");
    g_assert_cmpint (json_object_get_int_member (paid, "count"), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (paid, "reply"), ==, "{\"resp_code\":\"00\"}");
  }
  kassa_journal_close (journal);

  db = raw_open (path);
  g_assert_cmpint (exchange_rows (db, quiet_number), <=, 3);
  sql = g_strdup_printf ("SELECT repeats FROM exchanges WHERE invoice = '%s' AND routine = 1",
                         quiet_number);
  g_assert_cmpint (raw_int (db, sql), ==, 25);
  g_free (sql);
  /* First and last time: the first check before the last. */
  sql = g_strdup_printf ("SELECT first_at < at FROM exchanges WHERE invoice = '%s' AND "
                         "routine = 1", quiet_number);
  g_assert_cmpint (raw_int (db, sql), ==, 1);
  g_free (sql);

  /* 8 routine, 3 errors (each its own row), 4 routine: five rows, 15 checks. */
  g_assert_cmpint (exchange_rows (db, bumpy_number), ==, 5);
  sql = g_strdup_printf ("SELECT count(*) FROM exchanges WHERE invoice = '%s' AND "
                         "error_message = 'The bank did not answer in time'", bumpy_number);
  g_assert_cmpint (raw_int (db, sql), ==, 3);
  g_free (sql);
  sql = g_strdup_printf ("SELECT group_concat(repeats, ',') FROM (SELECT repeats FROM exchanges "
                         "WHERE invoice = '%s' ORDER BY id)", bumpy_number);
  {
    g_autofree char *runs = raw_text (db, sql);

    g_assert_cmpstr (runs, ==, "8,1,1,1,4");
  }
}

static void
test_trim_v4 (void)
{
  g_autofree char *path = journal_path ("trim-v4.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(KassaInvoice) paid = create_ok (journal, KASSA_TEST_TERMINAL, 1000);
  g_autoptr(KassaInvoice) expired = create_ok (journal, KASSA_TEST_TERMINAL, 2000);
  g_autoptr(KassaInvoice) quick = create_ok (journal, KASSA_TEST_TERMINAL, 3000);
  g_autoptr(GError) not_paid = not_paid_error ();
  g_autoptr(GError) timeout = timeout_error ();
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3) db = NULL;
  g_autofree char *paid_number = g_strdup (kassa_invoice_get_number (paid));
  g_autofree char *expired_number = g_strdup (kassa_invoice_get_number (expired));
  g_autofree char *quick_number = g_strdup (kassa_invoice_get_number (quick));
  g_autofree char *runs = NULL;
  gint64 requests_before, requests_after;
  gboolean done = FALSE;
  guint steps = 0;

  /* What a v4 till stored: one row per poll. */
  for (int i = 0; i < 20; i++)
    record_check (journal, paid, FALSE, 400, NULL, not_paid);
  record_check (journal, paid, FALSE, 200, "{\"resp_code\":\"00\"}", NULL);
  for (int i = 0; i < 5; i++)
    record_check (journal, expired, FALSE, 200, "{\"resp_code\":\"01\"}", NULL);
  record_check (journal, expired, FALSE, 0, NULL, timeout);
  record_check (journal, expired, FALSE, 0, NULL, timeout);
  for (int i = 0; i < 5; i++)
    record_check (journal, expired, FALSE, 200, "{\"resp_code\":\"01\"}", NULL);
  record_check (journal, quick, FALSE, 200, "{\"resp_code\":\"00\"}", NULL);
  g_clear_object (&paid);
  g_clear_object (&expired);
  g_clear_object (&quick);
  g_clear_object (&journal);

  /* Back to schema version 4. */
  db = raw_open (path);
  raw_exec (db, "DROP TABLE prints;"
                "ALTER TABLE exchanges DROP COLUMN routine;"
                "ALTER TABLE exchanges DROP COLUMN repeats;"
                "ALTER TABLE exchanges DROP COLUMN first_at;"
                "DELETE FROM meta WHERE key = 'trim_exchanges_below';"
                "PRAGMA user_version = 4;");
  requests_before = raw_int (db, "SELECT count(*) FROM exchanges");
  g_assert_cmpint (requests_before, ==, 34);
  g_clear_pointer (&db, sqlite3_close_v2);

  /* The migration itself trims nothing: that waits for trim steps. */
  journal = open_ok (path);
  {
    KassaJournalStats stats;

    g_assert_true (kassa_journal_get_stats (journal, &stats, &error));
    g_assert_no_error (error);
    g_assert_cmpint (stats.exchange_rows, ==, 34);
    g_assert_cmpint (stats.trim_pending_below, >, 0);
  }
  while (!done)
    {
      g_assert_true (kassa_journal_trim_step (journal, 1, &done, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (++steps, <=, 10);
    }
  g_assert_cmpuint (steps, >=, 3);  /* one invoice a step */
  g_assert_true (kassa_journal_trim_step (journal, 1, &done, &error));
  g_assert_true (done);
  g_clear_object (&journal);

  db = raw_open (path);
  requests_after = raw_int (db, "SELECT sum(repeats) FROM exchanges");
  g_assert_cmpint (requests_after, ==, requests_before);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM meta WHERE key = 'trim_exchanges_below'"),
                   ==, 0);
  g_assert_cmpint (exchange_rows (db, paid_number), ==, 2);
  {
    g_autofree char *sql = g_strdup_printf ("SELECT group_concat(repeats, ',') FROM (SELECT "
                                            "repeats FROM exchanges WHERE invoice = '%s' ORDER "
                                            "BY id)", expired_number);

    /* The two timeouts stay, each its own row. */
    runs = raw_text (db, sql);
    g_assert_cmpstr (runs, ==, "5,1,1,5");
  }
  g_assert_cmpint (exchange_rows (db, quick_number), ==, 1);
}

/* A session that only reads (kassa-ctl pending, history) writes nothing: the
 * clean-close marker stays, so neither its close nor its crash costs the
 * next open a check. After a crash, a reading session's open checks, and its
 * close records that the file is sound. */
static void
test_reader_keeps_marker (void)
{
  g_autofree char *path = journal_path ("reader-marker.sqlite");
  g_autofree char *number = NULL;
  g_autofree char *marker = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  int status = 0;
  pid_t pid;

  journal = open_ok (path);
  invoice = create_ok (journal, KASSA_TEST_TERMINAL, 800);
  number = g_strdup (kassa_invoice_get_number (invoice));
  g_clear_object (&invoice);
  g_clear_object (&journal);

  /* A reader killed mid-session: the marker is still there. */
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      KassaJournal *child = kassa_journal_open (path, NULL);
      KassaInvoice *found = child != NULL ? kassa_journal_lookup (child, number, NULL) : NULL;

      if (found == NULL)
        _exit (2);
      raise (SIGKILL);
      _exit (3);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
  marker = raw_marker (path);
  g_assert_cmpstr (marker, ==, "1");
  g_clear_pointer (&marker, g_free);

  journal = open_ok (path);
  g_assert_false (kassa_journal_get_checked_at_open (journal));
  invoice = kassa_journal_lookup (journal, number, NULL);
  g_assert_nonnull (invoice);
  g_clear_object (&invoice);
  g_clear_object (&journal);

  /* After a crash (no marker) a reader's open checks; its clean close puts
   * the marker back. */
  {
    g_autoptr(sqlite3) db = raw_open (path);

    raw_exec (db, "DELETE FROM meta WHERE key = 'clean_close'");
  }
  journal = open_ok (path);
  g_assert_true (kassa_journal_get_checked_at_open (journal));
  g_clear_object (&journal);
  marker = raw_marker (path);
  g_assert_cmpstr (marker, ==, "1");

  journal = open_ok (path);
  g_assert_false (kassa_journal_get_checked_at_open (journal));
}

/* A new journal is built whole in PATH.new and renamed into place: a build a
 * crash cut short is removed, the new file is private and closed cleanly
 * from the start (a session killed before its first write leaves nothing to
 * check), and keeps its id. A build that cannot be made leaves no journal at
 * the path. */
static void
test_new_built_whole (void)
{
  g_autofree char *path = journal_path ("built-whole.sqlite");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = g_strconcat (path, ".new", NULL);
  g_autofree char *tmp_wal = g_strconcat (path, ".new-wal", NULL);
  g_autofree char *inside = g_build_filename (tmp, "file", NULL);
  g_autofree char *journal_id = NULL;
  g_autofree char *marker = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  int status = 0;
  struct stat st;
  pid_t pid;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);

  /* PATH.new cannot be removed (a folder with a file in it): an error that
   * names the journal, and nothing at the path. */
  g_assert_cmpint (g_mkdir_with_parents (tmp, 0700), ==, 0);
  g_assert_true (g_file_set_contents (inside, "x", -1, NULL));
  journal = kassa_journal_open (path, &error);
  g_assert_null (journal);
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  g_assert_cmpint (g_unlink (inside), ==, 0);
  g_assert_cmpint (g_rmdir (tmp), ==, 0);

  /* What a crash in the middle of a build leaves. */
  g_assert_true (g_file_set_contents (tmp, "half a database", -1, NULL));
  g_assert_true (g_file_set_contents (tmp_wal, "half a log", -1, NULL));
  journal = open_ok (path);
  g_assert_false (g_file_test (tmp, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (tmp_wal, G_FILE_TEST_EXISTS));
  g_assert_null (kassa_journal_get_open_notice (journal));
  g_assert_false (kassa_journal_get_checked_at_open (journal));
  journal_id = g_strdup (kassa_journal_get_id (journal));
  g_clear_object (&journal);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Killed before its first write: still clean, no check, same id. */
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      KassaJournal *child = kassa_journal_open (path, NULL);

      if (child == NULL)
        _exit (2);
      raise (SIGKILL);
      _exit (3);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  marker = raw_marker (path);
  g_assert_cmpstr (marker, ==, "1");

  journal = open_ok (path);
  g_assert_false (kassa_journal_get_checked_at_open (journal));
  g_assert_null (kassa_journal_get_open_notice (journal));
  g_assert_cmpstr (kassa_journal_get_id (journal), ==, journal_id);
  invoice = create_ok (journal, KASSA_TEST_TERMINAL, 500);
  g_assert_nonnull (strstr (kassa_invoice_get_number (invoice), journal_id));
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The schema as SQLite holds it: every table and index (automatic ones too)
 * with its CREATE statement, white space removed, sorted; and the version. */
static char *
schema_shape (const char *path)
{
  g_autoptr(GString) shape = g_string_new (NULL);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = raw_open (path);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT type, name, tbl_name, coalesce(sql, '') "
                                           "FROM sqlite_master", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      GString *row = g_string_new (NULL);
      const char *sql = (const char *) sqlite3_column_text (stmt, 3);

      g_string_printf (row, "%s %s %s ", sqlite3_column_text (stmt, 0),
                       sqlite3_column_text (stmt, 1), sqlite3_column_text (stmt, 2));
      for (const char *c = sql; *c != '\0'; c++)
        if (!g_ascii_isspace (*c))
          g_string_append_c (row, *c);
      g_ptr_array_add (rows, g_string_free (row, FALSE));
    }
  sqlite3_finalize (stmt);
  g_ptr_array_sort (rows, compare_strings);

  g_string_append_printf (shape, "version %" G_GINT64_FORMAT "\n",
                          raw_int (db, "PRAGMA user_version"));
  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (shape, "%s\n", (const char *) rows->pdata[i]);
  sqlite3_close_v2 (db);
  return g_string_free (g_steal_pointer (&shape), FALSE);
}

/* A new journal is made from one statement of the whole schema (generated
 * at build time from the migrations), not by replaying them: it must come
 * out exactly as a file upgraded step by step from version 1. So must an empty file, made a journal in place;
 * both are closed cleanly from the start. */
static void
test_schema_new_equals_upgraded (void)
{
  g_autofree char *new_path = journal_path ("schema-new.sqlite");
  g_autofree char *empty_path = journal_path ("schema-empty.sqlite");
  g_autofree char *old_path = journal_path ("schema-v1.sqlite");
  g_autofree char *dir = g_path_get_dirname (new_path);
  g_autofree char *new_shape = NULL;
  g_autofree char *empty_shape = NULL;
  g_autofree char *old_shape = NULL;
  g_autofree char *marker = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  sqlite3 *db;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  journal = open_ok (new_path);
  g_clear_object (&journal);

  g_assert_true (g_file_set_contents_full (empty_path, "", 0, G_FILE_SET_CONTENTS_NONE, 0600,
                                           NULL));
  journal = open_ok (empty_path);
  g_assert_false (kassa_journal_get_checked_at_open (journal));
  g_assert_cmpuint (strlen (kassa_journal_get_id (journal)), ==, 6);
  g_clear_object (&journal);

  db = raw_open (old_path);
  raw_exec (db, v1_schema);
  sqlite3_close_v2 (db);
  journal = open_ok (old_path);
  g_clear_object (&journal);

  new_shape = schema_shape (new_path);
  empty_shape = schema_shape (empty_path);
  old_shape = schema_shape (old_path);
  g_assert_cmpstr (new_shape, ==, old_shape);
  g_assert_cmpstr (empty_shape, ==, old_shape);
  g_assert_nonnull (strstr (new_shape, "cancel_reasonTEXT"));
  g_assert_nonnull (strstr (new_shape, "first_atINTEGER"));
  marker = raw_marker (empty_path);
  g_assert_cmpstr (marker, ==, "1");
  g_assert_nonnull (strstr (new_shape, "table prints prints"));
}

/* A version 5 journal (before the print log), made the way trim-v4 makes its
 * file: a current one taken back. It opens as version 6 with every invoice and
 * an empty `prints` table, which then journals jobs; a job left PRINTING (the
 * process died mid-job) reads FAILED at the next open. */
static void
test_migrate_v5 (void)
{
  g_autofree char *path = journal_path ("v5.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(KassaInvoice) paid = create_paid (journal, KASSA_TEST_TERMINAL, 4200);
  g_autoptr(KassaInvoice) waiting = create_ok (journal, KASSA_TEST_TERMINAL, 1300);
  g_autoptr(KassaInvoice) old = NULL;
  g_autoptr(GPtrArray) failed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3) db = NULL;
  g_autofree char *paid_number = g_strdup (kassa_invoice_get_number (paid));
  g_autofree char *waiting_number = g_strdup (kassa_invoice_get_number (waiting));
  g_autofree char *reason = NULL;
  KassaPrintState state = KASSA_PRINT_STATE_PRINTED;
  gint64 id;

  g_clear_object (&paid);
  g_clear_object (&waiting);
  g_clear_object (&journal);

  db = raw_open (path);
  raw_exec (db, "DROP TABLE prints; PRAGMA user_version = 5;");
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM sqlite_master WHERE name = 'prints'"),
                   ==, 0);
  g_clear_pointer (&db, sqlite3_close_v2);

  journal = open_ok (path);
  old = kassa_journal_lookup (journal, paid_number, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (old), ==, KASSA_INVOICE_PAID);
  g_assert_cmpint (kassa_invoice_get_amount (old), ==, 4200);
  g_clear_object (&old);
  old = kassa_journal_lookup (journal, waiting_number, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (old), ==, KASSA_INVOICE_CREATING);

  /* Never printed here; nothing failed. */
  g_assert_true (kassa_journal_get_receipt_print (journal, paid_number, &state, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state, ==, KASSA_PRINT_STATE_NONE);
  failed = kassa_journal_list_failed_receipts (journal, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failed->len, ==, 0);
  g_clear_pointer (&failed, g_ptr_array_unref);

  /* A receipt job that never ends: the process stops while printing. */
  id = kassa_journal_begin_print (journal, KASSA_PRINT_KIND_RECEIPT, paid_number, NULL,
                                  "tcp:192.0.2.1:9100", &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  g_assert_true (kassa_journal_get_receipt_print (journal, paid_number, &state, NULL, &error));
  g_assert_cmpint (state, ==, KASSA_PRINT_STATE_PRINTING);
  g_clear_object (&old);
  g_clear_object (&journal);

  db = raw_open (path);
  g_assert_cmpint (raw_int (db, "PRAGMA user_version"), ==, 6);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM invoices"), ==, 2);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM prints WHERE state = 'printing'"), ==, 1);
  g_clear_pointer (&db, sqlite3_close_v2);

  journal = open_ok (path);
  g_assert_true (kassa_journal_get_receipt_print (journal, paid_number, &state, &reason, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state, ==, KASSA_PRINT_STATE_FAILED);
  g_assert_nonnull (reason);
  g_assert_nonnull (strstr (reason, "stopped while printing"));
  failed = kassa_journal_list_failed_receipts (journal, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (failed, 0), ==, paid_number);
  /* It is never finished again on its own. */
  g_assert_false (kassa_journal_finish_print (journal, id, NULL, &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE);
}

/* A create reply and the move it causes are one transaction: both rows, at
 * the same time, or (an illegal move) neither. */
static void
test_exchange_with_move (void)
{
  g_autofree char *path = journal_path ("exchange-with-move.sqlite");
  g_autoptr(KassaJournal) journal = open_ok (path);
  g_autoptr(KassaInvoice) invoice = create_ok (journal, KASSA_TEST_TERMINAL, 1000);
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3) db = NULL;
  g_autofree char *number = g_strdup (kassa_invoice_get_number (invoice));
  g_autofree char *query = NULL;
  KassaJournalExchange exchange = {
    KASSA_BANK_ENDPOINT_QR, "{\"endpoint\":\"qr\"}", 200, "{\"header\":{\"code\":200}}"
  };
  KassaJournalExchange unknown = exchange;

  g_assert_true (kassa_journal_move_recording (journal, invoice, KASSA_INVOICE_AWAITING_PAYMENT,
                                               "payload", NULL, NULL, &exchange, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_cmpstr (kassa_invoice_get_payload (invoice), ==, "payload");

  /* An illegal move records neither the move nor the answer. */
  g_assert_false (kassa_journal_move_recording (journal, invoice, KASSA_INVOICE_REFUNDED, NULL,
                                                NULL, NULL, &exchange, &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_ILLEGAL_MOVE);
  g_clear_error (&error);
  /* Nor does an endpoint that does not exist. */
  unknown.endpoint = KASSA_BANK_N_ENDPOINTS;
  g_assert_false (kassa_journal_move_recording (journal, invoice, KASSA_INVOICE_PAID, NULL,
                                                NULL, NULL, &unknown, &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_IO);
  g_clear_error (&error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);
  g_clear_object (&invoice);
  g_clear_object (&journal);

  db = raw_open (path);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM exchanges"), ==, 1);
  query = g_strdup_printf ("SELECT count(*) FROM exchanges e JOIN transitions t "
                           "ON t.invoice = e.invoice AND t.at = e.at "
                           "WHERE e.invoice = '%s' AND e.endpoint = 'qr' AND "
                           "e.http_status = 200 AND e.routine = 0 AND "
                           "e.reply_body LIKE '%%code%%' AND "
                           "t.to_state = 'AWAITING_PAYMENT'", number);
  g_assert_cmpint (raw_int (db, query), ==, 1);
  g_assert_cmpint (raw_int (db, "SELECT count(*) FROM transitions"), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/journal/default-path", test_default_path);
  g_test_add_func ("/journal/creates-folder", test_creates_folder);
  g_test_add_func ("/journal/private-mode", test_private_mode);
  g_test_add_func ("/journal/round-trip", test_round_trip);
  g_test_add_func ("/journal/list", test_list);
  g_test_add_func ("/journal/numbers-unique", test_numbers_unique);
  g_test_add_func ("/journal/crash-not-reused", test_crash_not_reused);
  g_test_add_func ("/journal/locked/same-process", test_locked_same_process);
  g_test_add_func ("/journal/locked/other-process", test_locked_other_process);
  g_test_add_func ("/journal/corrupt/text", test_corrupt_text);
  g_test_add_func ("/journal/corrupt/random", test_corrupt_random);
  g_test_add_func ("/journal/corrupt/foreign", test_corrupt_foreign);
  g_test_add_func ("/journal/corrupt/truncated", test_corrupt_truncated);
  g_test_add_func ("/journal/too-new", test_too_new);
  g_test_add_func ("/journal/migrate-v1", test_migrate_v1);
  g_test_add_func ("/journal/migrate-v2", test_migrate_v2);
  g_test_add_func ("/journal/reopen-current", test_reopen_current);
  g_test_add_func ("/journal/every-pair", test_every_pair_journal);
  g_test_add_func ("/journal/illegal-messages", test_illegal_messages);
  g_test_add_func ("/journal/notify-after-commit", test_notify_after_commit);
  g_test_add_func ("/journal/closed", test_closed);
  g_test_add_func ("/journal/paid-after-cancel", test_paid_after_cancel);
  g_test_add_func ("/journal/bad-input", test_bad_input);
  g_test_add_func ("/journal/exchanges", test_exchanges);
  g_test_add_func ("/journal/meta", test_meta);
  g_test_add_func ("/settlement/states", test_settlement_states);
  g_test_add_func ("/settlement/empty", test_settlement_empty);
  g_test_add_func ("/settlement/lifecycle", test_settlement_lifecycle);
  g_test_add_func ("/settlement/previous", test_settlement_previous);
  g_test_add_func ("/journal/cancel-reason", test_cancel_reason);
  g_test_add_func ("/journal/clean-close/skips-check", test_clean_close_skips_check);
  g_test_add_func ("/journal/clean-close/unclean-checks", test_unclean_close_checks);
  g_test_add_func ("/journal/exchanges/routine-counted", test_routine_counted);
  g_test_add_func ("/journal/exchanges/trim-v4", test_trim_v4);
  g_test_add_func ("/journal/clean-close/reader-keeps-marker", test_reader_keeps_marker);
  g_test_add_func ("/journal/new/built-whole", test_new_built_whole);
  g_test_add_func ("/journal/schema/new-equals-upgraded", test_schema_new_equals_upgraded);
  g_test_add_func ("/journal/migrate-v5-prints", test_migrate_v5);
  g_test_add_func ("/journal/exchanges/with-move", test_exchange_with_move);

  return g_test_run ();
}
