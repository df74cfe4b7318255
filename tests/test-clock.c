/* test-clock.c — expiry and polling when the wall clock jumps
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Real kassa-ctl processes run under libfaketime (LD_PRELOAD, Debian's
 * libfaketime) against a real kassa-bank-sim that keeps the true time. The
 * fake wall clock is read from a file on every call (FAKETIME_NO_CACHE), so a
 * test steps it while `sale --wait` runs; the monotonic clock is left alone
 * (FAKETIME_DONT_FAKE_MONOTONIC), as a real clock step leaves it. The restart
 * cases also run a till in this process on a journal whose invoice was
 * journaled by a clock far from today's.
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "kassa-core.h"
#include "kassa-journal.h"
#include "kassa-test-util.h"
#include "kassa-till.h"

#define FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
#define WAIT_S 60
#define SHORT_EXPIRY_S 4

typedef struct
{
  KassaTestSim *sim;
  char         *tmpdir;
  char         *journal;
  char         *data_home;
  char         *faketime_file;
} Fixture;

/* A kassa-ctl process whose stdout is read line by line. */
typedef struct
{
  GSubprocess      *process;
  GDataInputStream *out;
} Ctl;

static const char *
faketime_lib (void)
{
  const char *path = g_getenv ("KASSA_FAKETIME_LIB");

  return path != NULL ? path : FAKETIME_LIB;
}

static gboolean
have_faketime (void)
{
  if (g_file_test (faketime_lib (), G_FILE_TEST_EXISTS))
    return TRUE;

  g_test_skip ("libfaketime is not installed (build-aux/install-deps.sh installs faketime)");
  return FALSE;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sim = kassa_test_sim_spawnv (NULL);
  f->tmpdir = g_dir_make_tmp ("test-clock-XXXXXX", &error);
  g_assert_no_error (error);
  f->journal = g_build_filename (f->tmpdir, "journal.sqlite", NULL);
  f->data_home = g_build_filename (f->tmpdir, "data", NULL);
  f->faketime_file = g_build_filename (f->tmpdir, "faketime", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  kassa_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->journal);
  g_free (f->data_home);
  g_free (f->faketime_file);
  g_clear_pointer (&f->sim, kassa_test_sim_free);
}

/* Sets kassa-ctl's wall clock: "+0", "-1d", "+2h" (libfaketime's offsets). */
static void
set_clock (Fixture    *f,
           const char *offset)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_strconcat (offset, "\n", NULL);

  g_file_set_contents (f->faketime_file, line, -1, &error);
  g_assert_no_error (error);
}

static GSubprocess *
ctl_spawnv (Fixture            *f,
            gboolean            fake_clock,
            const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = g_get_environ ();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  env = g_environ_setenv (env, "KASSA_BANK_URL", kassa_test_sim_get_url (f->sim), TRUE);
  env = g_environ_setenv (env, "KASSA_TERMINAL", KASSA_TEST_TERMINAL, TRUE);
  env = g_environ_setenv (env, "KASSA_SECRET", KASSA_TEST_SECRET, TRUE);
  env = g_environ_setenv (env, "KASSA_BANK_CA_FILE", "", TRUE);
  env = g_environ_setenv (env, "KASSA_JOURNAL", f->journal, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", f->data_home, TRUE);
  env = g_environ_setenv (env, "LANG", "C.UTF-8", TRUE);
  env = g_environ_unsetenv (env, "LC_ALL");
  /* FAKETIME would win over the file. */
  env = g_environ_unsetenv (env, "FAKETIME");
  if (fake_clock)
    {
      env = g_environ_setenv (env, "LD_PRELOAD", faketime_lib (), TRUE);
      env = g_environ_setenv (env, "FAKETIME_TIMESTAMP_FILE", f->faketime_file, TRUE);
      env = g_environ_setenv (env, "FAKETIME_NO_CACHE", "1", TRUE);
      /* A clock step does not move the monotonic clock; neither does the fake one. */
      env = g_environ_setenv (env, "FAKETIME_DONT_FAKE_MONOTONIC", "1", TRUE);
      env = g_environ_setenv (env, "DONT_FAKE_MONOTONIC", "1", TRUE);
      /* In the sanitizer build the ASan runtime must come first among the
       * preloaded libraries; with libfaketime before it, it only needs to
       * be told not to refuse (both still work). */
      {
        const char *asan = g_environ_getenv (env, "ASAN_OPTIONS");
        g_autofree char *options = g_strconcat (asan != NULL ? asan : "",
                                                asan != NULL ? ":" : "",
                                                "verify_asan_link_order=0", NULL);

        env = g_environ_setenv (env, "ASAN_OPTIONS", options, TRUE);
      }
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_environ (launcher, env);

  g_ptr_array_add (argv, (char *) g_getenv ("KASSA_CTL"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_nonnull (argv->pdata[0]);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  return process;
}

static Ctl *
ctl_start (Fixture            *f,
           gboolean            fake_clock,
           const char * const *args)
{
  Ctl *ctl = g_new0 (Ctl, 1);

  ctl->process = ctl_spawnv (f, fake_clock, args);
  ctl->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (ctl->process));

  return ctl;
}

static void
ctl_free (Ctl *ctl)
{
  g_subprocess_force_exit (ctl->process);
  g_subprocess_wait (ctl->process, NULL, NULL);
  g_object_unref (ctl->out);
  g_object_unref (ctl->process);
  g_free (ctl);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Ctl, ctl_free)

typedef struct
{
  gboolean  done;
  char     *line;
} LineWait;

static void
line_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LineWait *w = user_data;

  w->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                       NULL, NULL);
  w->done = TRUE;
}

/* The next stdout line as JSON, or NULL at the end. If none comes within
 * @timeout_s, the process is killed and the test fails with @what. */
static JsonObject *
ctl_next (Ctl        *ctl,
          guint       timeout_s,
          const char *what)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  LineWait w = { 0, };

  g_data_input_stream_read_line_async (ctl->out, G_PRIORITY_DEFAULT, cancellable,
                                       line_done_cb, &w);
  while (!w.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (10000), TRUE);
  if (!w.done)
    {
      g_cancellable_cancel (cancellable);
      while (!w.done)
        g_main_context_iteration (NULL, TRUE);
      g_free (w.line);
      g_subprocess_force_exit (ctl->process);
      g_error ("No line from kassa-ctl within %u s: %s", timeout_s, what);
    }
  if (w.line == NULL)
    return NULL;

  g_test_message ("kassa-ctl: %s", w.line);
  node = json_from_string (w.line, &error);
  g_assert_no_error (error);
  g_free (w.line);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return json_object_ref (json_node_get_object (node));
}

/* Reads lines until @state; returns that line's invoice number. */
static char *
ctl_wait_for_state (Ctl        *ctl,
                    const char *state,
                    guint       timeout_s)
{
  for (;;)
    {
      g_autoptr(JsonObject) object = ctl_next (ctl, timeout_s, state);

      g_assert_nonnull (object);
      if (g_strcmp0 (json_object_get_string_member (object, "state"), state) == 0)
        return g_strdup (json_object_get_string_member (object, "invoice"));
    }
}

/* The last line before the process ends, and its exit status. */
static JsonObject *
ctl_finish (Ctl  *ctl,
            int  *status,
            guint timeout_s)
{
  g_autoptr(GError) error = NULL;
  JsonObject *last = NULL;
  JsonObject *object;

  while ((object = ctl_next (ctl, timeout_s, "the end")) != NULL)
    {
      g_clear_pointer (&last, json_object_unref);
      last = object;
    }
  g_subprocess_wait (ctl->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (ctl->process));
  *status = g_subprocess_get_exit_status (ctl->process);
  g_assert_nonnull (last);

  return last;
}

/* Runs kassa-ctl to its end; returns its last line. */
static JsonObject *
ctl_run (Fixture    *f,
         gboolean    fake_clock,
         int        *status,
         const char *first,
         ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(Ctl) ctl = NULL;
  va_list ap;

  va_start (ap, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  ctl = ctl_start (f, fake_clock, (const char * const *) args->pdata);

  return ctl_finish (ctl, status, WAIT_S);
}

/* The simulator's state of @invoice ("unpaid", "paid", "cancelled", …). */
static char *
sim_state (Fixture    *f,
           const char *invoice)
{
  g_autoptr(GHashTable) table = kassa_test_sim_invoices (f->sim);

  return g_strdup (g_hash_table_lookup (table, invoice));
}

static void
sim_pay (Fixture    *f,
         const char *invoice)
{
  g_autofree char *body = g_strdup_printf ("{\"invoice\": \"%s\"}", invoice);
  guint status = 0;
  g_autofree char *reply = kassa_test_sim_control (f->sim, "/sim/pay", body, &status);

  g_assert_cmpuint (status, ==, 200);
}

/* Runs the main context for @ms, so time passes for kassa-ctl. */
static void
pause_ms (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (10000), TRUE);
}

/* ------------------------------------------------------------------ */

/* The wall clock set back a day while the customer scans: the invoice still
 * expires after the expiry of real time (before the fix, its age stayed 0
 * and it never expired). */
static void
test_back_one_day (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *expiry = g_strdup_printf ("%d", SHORT_EXPIRY_S);
  g_autoptr(Ctl) ctl = NULL;
  g_autoptr(JsonObject) last = NULL;
  g_autofree char *number = NULL;
  g_autofree char *bank_state = NULL;
  gint64 started;
  int status = -1;

  if (!have_faketime ())
    return;

  set_clock (f, "+0");
  started = g_get_monotonic_time ();
  ctl = ctl_start (f, TRUE, (const char * const []) { "sale", "1000", "--wait",
                                                      "--poll-ms", "100", "--expiry", expiry,
                                                      NULL });
  number = ctl_wait_for_state (ctl, "AWAITING_PAYMENT", WAIT_S);
  set_clock (f, "-1d");

  last = ctl_finish (ctl, &status, WAIT_S);
  g_assert_cmpstr (json_object_get_string_member (last, "invoice"), ==, number);
  g_assert_cmpstr (json_object_get_string_member (last, "state"), ==, "EXPIRED");
  /* Not before the expiry either (the process started before the invoice). */
  g_assert_cmpint (g_get_monotonic_time () - started, >=,
                   (gint64) SHORT_EXPIRY_S * G_USEC_PER_SEC);
  bank_state = sim_state (f, number);
  g_assert_cmpstr (bank_state, ==, "cancelled");
}

/* The wall clock set forward two hours right after the QR is shown: the
 * invoice is not expired at once, and the customer can still pay. */
static void
test_forward_two_hours (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(Ctl) ctl = NULL;
  g_autoptr(JsonObject) last = NULL;
  g_autofree char *number = NULL;
  g_autofree char *bank_state = NULL;
  int status = -1;

  if (!have_faketime ())
    return;

  set_clock (f, "+0");
  ctl = ctl_start (f, TRUE, (const char * const []) { "sale", "1000", "--wait",
                                                      "--poll-ms", "100", "--expiry", "60",
                                                      NULL });
  number = ctl_wait_for_state (ctl, "AWAITING_PAYMENT", WAIT_S);
  set_clock (f, "+2h");
  /* Many polls at the new time: before the fix the first of them cancelled. */
  pause_ms (2000);
  bank_state = sim_state (f, number);
  g_assert_cmpstr (bank_state, ==, "unpaid");

  sim_pay (f, number);
  last = ctl_finish (ctl, &status, WAIT_S);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (last, "invoice"), ==, number);
  g_assert_cmpstr (json_object_get_string_member (last, "state"), ==, "PAID");
  g_clear_pointer (&bank_state, g_free);
  bank_state = sim_state (f, number);
  g_assert_cmpstr (bank_state, ==, "paid");
}

/* Recovery with the clock far ahead of the one that journaled the invoice
 * (30 days): the age is not believed, so the invoice is checked and kept,
 * not expired at once; the customer who pays is not lost. */
static void
test_restart_clock_ahead (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *expiry = g_strdup_printf ("%d", SHORT_EXPIRY_S);
  g_autoptr(JsonObject) sale = NULL;
  g_autoptr(JsonObject) recovered = NULL;
  g_autoptr(JsonObject) paid = NULL;
  g_autofree char *bank_state = NULL;
  const char *number;
  JsonArray *invoices;
  int status = -1;

  if (!have_faketime ())
    return;

  sale = ctl_run (f, FALSE, &status, "sale", "1000", "--poll-ms", "100", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (sale, "state"), ==, "AWAITING_PAYMENT");
  number = json_object_get_string_member (sale, "invoice");

  set_clock (f, "+30d");
  recovered = ctl_run (f, TRUE, &status, "recover", "--poll-ms", "100", "--expiry", expiry,
                       NULL);
  g_assert_cmpint (status, ==, 0);
  invoices = json_object_get_array_member (recovered, "invoices");
  g_assert_cmpuint (json_array_get_length (invoices), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (invoices, 0),
                                                  "state"), ==, "AWAITING_PAYMENT");
  bank_state = sim_state (f, number);
  g_assert_cmpstr (bank_state, ==, "unpaid");

  /* The customer pays; the next start, clock still ahead, finds it paid. */
  sim_pay (f, number);
  paid = ctl_run (f, TRUE, &status, "recover", "--poll-ms", "100", "--expiry", expiry, NULL);
  g_assert_cmpint (status, ==, 0);
  invoices = json_object_get_array_member (paid, "invoices");
  g_assert_cmpuint (json_array_get_length (invoices), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (invoices, 0),
                                                  "state"), ==, "PAID");
}

/* ---- a till in this process, on a journal written by a wrong clock ---- */

/* Moves the journaled creation time of every invoice by @shift_s: as if the
 * clock that journaled them had been that far off. */
static void
shift_created (const char *path,
               gint64      shift_s)
{
  sqlite3 *db = NULL;
  g_autofree char *sql = g_strdup_printf ("UPDATE invoices SET created_at = created_at + %"
                                          G_GINT64_FORMAT ";", shift_s * G_USEC_PER_SEC);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_close (db);
}

static KassaTill *
new_till (Fixture      *f,
          KassaJournal *journal)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankClient) client = NULL;
  KassaTill *till;

  client = kassa_bank_client_new (kassa_test_sim_get_url (f->sim), KASSA_TEST_TERMINAL,
                                  KASSA_TEST_SECRET, NULL, NULL, &error);
  g_assert_no_error (error);
  till = kassa_till_new (journal, client);
  kassa_till_set_poll_schedule (till, 100, 120, 100);
  kassa_till_set_expiry (till, SHORT_EXPIRY_S);

  return till;
}

static void
recover (KassaTill *till)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  KassaTestAsync w = { 0, };

  kassa_till_recover_async (till, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  g_assert_true (kassa_till_recover_finish (till, w.result, &summary, &error));
  g_assert_no_error (error);
  g_object_unref (w.result);
}

/* An invoice journaled @shift_s away from today's clock, recovered by a till
 * that keeps running: it is checked and kept at first, then expires after a
 * whole expiry of real time (a clock set back before the fix: never; one
 * far ahead: at once). */
static void
test_restart_journal_shifted (Fixture       *f,
                              gconstpointer  data)
{
  gint64 shift_s = GPOINTER_TO_INT (data) * (gint64) G_TIME_SPAN_DAY / G_USEC_PER_SEC;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaTill) till = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autofree char *number = NULL;
  g_autofree char *bank_state = NULL;
  g_autoptr(JsonObject) sale = NULL;
  gint64 started;
  int status = -1;

  sale = ctl_run (f, FALSE, &status, "sale", "1000", "--poll-ms", "100", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (sale, "state"), ==, "AWAITING_PAYMENT");
  number = g_strdup (json_object_get_string_member (sale, "invoice"));
  shift_created (f->journal, shift_s);

  journal = kassa_journal_open (f->journal, &error);
  g_assert_no_error (error);
  till = new_till (f, journal);
  started = g_get_monotonic_time ();
  recover (till);

  /* The till's own object: the journal hands out one per number. */
  invoice = kassa_journal_lookup (journal, number, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);
  /* The age counts from the recovery, not from the unbelievable wall age. */
  g_assert_cmpint (kassa_till_get_invoice_age (till, invoice), >=, 0);
  g_assert_cmpint (kassa_till_get_invoice_age (till, invoice), <,
                   (gint64) SHORT_EXPIRY_S * G_USEC_PER_SEC);

  kassa_test_wait_for_state (invoice, KASSA_INVOICE_EXPIRED, WAIT_S);
  /* Not before a whole expiry after the recovery began. */
  g_assert_cmpint (g_get_monotonic_time () - started, >=,
                   (gint64) SHORT_EXPIRY_S * G_USEC_PER_SEC);
  bank_state = sim_state (f, number);
  g_assert_cmpstr (bank_state, ==, "cancelled");
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

#define ADD(path, data, func) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("/clock/back-one-day", NULL, test_back_one_day);
  ADD ("/clock/forward-two-hours", NULL, test_forward_two_hours);
  ADD ("/clock/restart-clock-ahead", NULL, test_restart_clock_ahead);
  /* Journaled 30 days ahead of today's clock: today's clock was set back. */
  ADD ("/clock/restart-clock-behind-journal", GINT_TO_POINTER (30),
       test_restart_journal_shifted);
  /* Journaled 30 days behind: a dead clock battery, corrected after the sale. */
  ADD ("/clock/restart-journal-behind-clock", GINT_TO_POINTER (-30),
       test_restart_journal_shifted);
#undef ADD

  return g_test_run ();
}
