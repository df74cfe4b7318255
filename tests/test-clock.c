/* test-clock.c — expiry and polling when the wall clock jumps
 *
 * Copyright 2026 Kassa developers
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
#include "kassa-test-ctl.h"
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

/* Starts kassa-ctl with the simulator, the test terminal, the fixture's
 * journal and data folder; with @fake_clock under libfaketime, reading the
 * wall clock from the fixture's file. Each stdout line must be a JSON object.
 * A run that takes longer than WAIT_S is killed and fails the test. */
static KassaTestCtl *
ctl_start (Fixture            *f,
           gboolean            fake_clock,
           const char * const *args)
{
  g_autoptr(GPtrArray) env = g_ptr_array_new_with_free_func (g_free);
  KassaTestCtlOptions options = {
    .sim = f->sim,
    .journal = f->journal,
    .data_home = f->data_home,
    .limit_s = WAIT_S,
    .flags = KASSA_TEST_CTL_JSON_LINES,
  };

  /* FAKETIME would win over the file. */
  g_ptr_array_add (env, g_strdup ("FAKETIME"));
  if (fake_clock)
    {
      const char *asan = g_getenv ("ASAN_OPTIONS");

      g_ptr_array_add (env, g_strconcat ("LD_PRELOAD=", faketime_lib (), NULL));
      g_ptr_array_add (env, g_strconcat ("FAKETIME_TIMESTAMP_FILE=", f->faketime_file, NULL));
      g_ptr_array_add (env, g_strdup ("FAKETIME_NO_CACHE=1"));
      /* A clock step does not move the monotonic clock; neither does the fake one. */
      g_ptr_array_add (env, g_strdup ("FAKETIME_DONT_FAKE_MONOTONIC=1"));
      g_ptr_array_add (env, g_strdup ("DONT_FAKE_MONOTONIC=1"));
      /* In the sanitizer build the ASan runtime must come first among the
       * preloaded libraries; with libfaketime before it, it only needs to
       * be told not to refuse (both still work). */
      g_ptr_array_add (env, g_strconcat ("ASAN_OPTIONS=", asan != NULL ? asan : "",
                                         asan != NULL ? ":" : "",
                                         "verify_asan_link_order=0", NULL));
    }
  g_ptr_array_add (env, NULL);
  options.env = (const char * const *) env->pdata;

  return kassa_test_ctl_start (&options, args);
}

/* The last line before the process ends, and its exit status. */
static JsonObject *
ctl_finish (KassaTestCtl *ctl,
            int          *status)
{
  kassa_test_ctl_finish (ctl);
  for (guint i = 0; i < ctl->lines->len; i++)
    kassa_test_ctl_line_object (ctl, i);
  *status = ctl->status;

  return json_object_ref (kassa_test_ctl_last_object (ctl));
}

/* Runs kassa-ctl to its end; returns its last line. */
static JsonObject *
ctl_runv (Fixture            *f,
          gboolean            fake_clock,
          int                *status,
          const char * const *args)
{
  g_autoptr(KassaTestCtl) ctl = ctl_start (f, fake_clock, args);

  return ctl_finish (ctl, status);
}

/* NULL-terminated argument lists. */
#define ctl_run(f, fake_clock, status, ...) \
  ctl_runv ((f), (fake_clock), (status), (const char * const []) { __VA_ARGS__ })

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
  g_autoptr(KassaTestCtl) ctl = NULL;
  g_autoptr(JsonObject) awaiting = NULL;
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
  awaiting = kassa_test_ctl_wait_for_state (ctl, "AWAITING_PAYMENT", WAIT_S);
  number = g_strdup (json_object_get_string_member (awaiting, "invoice"));
  set_clock (f, "-1d");

  last = ctl_finish (ctl, &status);
  g_assert_cmpstr (json_object_get_string_member (last, "invoice"), ==, number);
  g_assert_cmpstr (json_object_get_string_member (last, "state"), ==, "EXPIRED");
  /* Not before the expiry either (the process started before the invoice). */
  g_assert_cmpint (g_get_monotonic_time () - started, >=,
                   (gint64) SHORT_EXPIRY_S * G_USEC_PER_SEC);
  bank_state = kassa_test_sim_state (f->sim, number);
  g_assert_cmpstr (bank_state, ==, "cancelled");
}

/* The wall clock set forward two hours right after the QR is shown: the
 * invoice is not expired at once, and the customer can still pay. */
static void
test_forward_two_hours (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(KassaTestCtl) ctl = NULL;
  g_autoptr(JsonObject) awaiting = NULL;
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
  awaiting = kassa_test_ctl_wait_for_state (ctl, "AWAITING_PAYMENT", WAIT_S);
  number = g_strdup (json_object_get_string_member (awaiting, "invoice"));
  set_clock (f, "+2h");
  /* Many polls at the new time: before the fix the first of them cancelled. */
  pause_ms (2000);
  bank_state = kassa_test_sim_state (f->sim, number);
  g_assert_cmpstr (bank_state, ==, "unpaid");

  kassa_test_sim_pay (f->sim, number);
  last = ctl_finish (ctl, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (last, "invoice"), ==, number);
  g_assert_cmpstr (json_object_get_string_member (last, "state"), ==, "PAID");
  g_clear_pointer (&bank_state, g_free);
  bank_state = kassa_test_sim_state (f->sim, number);
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
  bank_state = kassa_test_sim_state (f->sim, number);
  g_assert_cmpstr (bank_state, ==, "unpaid");

  /* The customer pays; the next start, clock still ahead, finds it paid. */
  kassa_test_sim_pay (f->sim, number);
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
  bank_state = kassa_test_sim_state (f->sim, number);
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
