/* test-ui-remote.c — `kassa --charge` and the D-Bus interface, against the real executable
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs $KASSA (the installed-to-be executable) under the display harness'
 * session bus, in training mode (no terminal configured; GSettings in memory)
 * with its journal in a temporary folder. The test is a cash register: it
 * starts charges from the command line and over D-Bus, plays the customer
 * through the training-only D-Bus methods, screenshots the customer output
 * and decodes its QR code, and finally reads the journal with kassa-ctl once
 * Kassa has quit (the journal is locked while it runs).
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "kassa-dbus.h"
#include "kassa-test-remote.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"

#define LIMIT_S 30

typedef struct
{
  char            *tmpdir;
  char            *journal;
  KassaTestRemote  remote;
  guint            signal_id;
  GPtrArray       *signals;   /* "NUMBER STATE" of every StateChanged */
  GSubprocess     *primary;   /* when the test started Kassa itself */
} Fixture;

/* ---- helpers ---- */

static GSubprocessLauncher *
launcher_new (Fixture *f)
{
  GSubprocessLauncher *launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);

  g_subprocess_launcher_setenv (launcher, "KASSA_JOURNAL", f->journal, TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "KASSA_SECRET_BACKEND");
  /* The isolated test folders hide the system's icons and MIME data. */
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_DIRS", "/usr/local/share:/usr/share", TRUE);

  return launcher;
}

/* Starts @argv (NULL-terminated, after the executable) with output captured. */
static KassaTestRun *
run_start (Fixture    *f,
           const char *exe,
           const char *first_arg,
           ...)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (f);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (argv, (char *) exe);
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  return kassa_test_run_start (launcher, (const char * const *) argv->pdata);
}

static void
till_call_ok (Fixture    *f,
              const char *method)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = kassa_test_remote_call (&f->remote, method, NULL, "()", &error);

  g_assert_no_error (error);
}

/* The method fails with the D-Bus error mn.kassa.Kassa.Error.@name and a message. */
static void
assert_till_error (Fixture    *f,
                   const char *method,
                   GVariant   *parameters,
                   const char *name,
                   int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = kassa_test_remote_call (&f->remote, method, parameters, NULL, &error);
  g_autofree char *remote = NULL;
  g_autofree char *expected = g_strconcat ("mn.kassa.Kassa.Error.", name, NULL);

  g_assert_null (reply);
  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, expected);
  /* This test links kassa-dbus: the name maps back to the domain. */
  g_assert_error (error, KASSA_DBUS_ERROR, code);
  g_dbus_error_strip_remote_error (error);
  g_test_message ("%s: %s: %s", method, name, error->message);
  g_assert_cmpuint (strlen (error->message), >, 10);
}

typedef struct
{
  Fixture    *f;
  const char *entry;
} SignalWait;

static gboolean
signal_seen (gpointer data)
{
  SignalWait *w = data;

  for (guint i = 0; i < w->f->signals->len; i++)
    if (g_str_equal (g_ptr_array_index (w->f->signals, i), w->entry))
      return TRUE;

  return FALSE;
}

static void
assert_signal_seen (Fixture    *f,
                    const char *number,
                    const char *state)
{
  g_autofree char *entry = g_strconcat (number, " ", state, NULL);
  SignalWait w = { f, entry };

  if (!kassa_test_ui_wait (signal_seen, &w, LIMIT_S))
    g_error ("no StateChanged for %s", entry);
}

static void
on_state_changed_cb (GDBusConnection *connection,
                     const char      *sender,
                     const char      *object_path,
                     const char      *interface_name,
                     const char      *signal_name,
                     GVariant        *parameters,
                     gpointer         user_data)
{
  Fixture *f = user_data;
  g_autoptr(JsonObject) object = NULL;
  const char *number;
  const char *state;
  const char *json;

  g_assert_true (g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sss)")));
  g_variant_get (parameters, "(&s&s&s)", &number, &state, &json);

  /* The JSON is the whole invoice, in agreement with the other arguments. */
  object = kassa_test_parse_object (json);
  g_assert_cmpstr (json_object_get_string_member (object, "invoice"), ==, number);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, state);

  g_ptr_array_add (f->signals, g_strconcat (number, " ", state, NULL));
}

/* Puts the pointer on weston's output 0: new windows open where it is, so
 * the cashier window lands on output 0 and the customer display, by default
 * on another monitor than the cashier's, on output 1. */
static void
pointer_to_cashier_output (void)
{
  g_autofree char *window = kassa_test_ui_output_window (0);
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "DISPLAY",
                                        g_getenv ("KASSA_TEST_X_DISPLAY"), TRUE);
  const char *argv[] = { "xdotool", "mousemove", "--window", window, "200", "200", NULL };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
}

static void
start_kassa (Fixture *f)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (f);
  g_autoptr(GError) error = NULL;

  g_assert_false (kassa_test_remote_is_running (&f->remote));
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_NONE);
  f->primary = g_subprocess_launcher_spawn (launcher, &error, kassa_test_env_path ("KASSA"), NULL);
  g_assert_no_error (error);
  if (!kassa_test_ui_wait (kassa_test_remote_running_cb, &f->remote, LIMIT_S))
    g_error ("kassa did not appear on the session bus");
}

/* Quits with app.quit: as a desktop shell activates it, or with its
 * keyboard shortcut Ctrl+Q on the cashier window (output 0). */
static void
quit_kassa_by (Fixture  *f,
               gboolean  by_key)
{
  g_autoptr(GError) error = NULL;

  if (by_key)
    kassa_test_ui_keys (0, "ctrl+q", NULL);
  else
    kassa_test_remote_activate (&f->remote, "quit");
  if (!kassa_test_ui_wait (kassa_test_remote_gone_cb, &f->remote, LIMIT_S))
    g_error ("kassa did not quit");

  if (f->primary != NULL)
    {
      g_subprocess_wait (f->primary, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (f->primary));
      g_assert_cmpint (g_subprocess_get_exit_status (f->primary), ==, 0);
      g_clear_object (&f->primary);
    }
}

static void
quit_kassa (Fixture *f)
{
  quit_kassa_by (f, FALSE);
}

/* The journal's invoices, read with kassa-ctl once Kassa has let it go. */
static JsonArray *
journal_history (Fixture *f)
{
  g_autoptr(KassaTestRun) run = run_start (f, kassa_test_env_path ("KASSA_CTL"), "history", "--json",
                                  "--journal", f->journal, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (kassa_test_run_finish (run), ==, 0);
  json_parser_load_from_data (parser, run->out, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));

  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

/* Screenshots the customer output until it shows exactly one QR code; returns it. */
static char *
customer_qr (const char *artefact)
{
  gint64 deadline = g_get_monotonic_time () + LIMIT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *png = kassa_test_ui_screenshot (1, artefact);
      g_auto(GStrv) codes = kassa_test_ui_decode_qr (png);

      if (g_strv_length (codes) == 1)
        return g_strdup (codes[0]);
      g_main_context_iteration (NULL, FALSE);
    }

  {
    /* Say where it went instead. */
    g_autofree char *png = kassa_test_ui_screenshot (0, "remote-no-qr-output-0");
    g_auto(GStrv) codes = kassa_test_ui_decode_qr (png);

    g_error ("no QR code on the customer output (1) within %d s; output 0 shows %u",
             LIMIT_S, g_strv_length (codes));
  }
  return NULL;
}

static gboolean
customer_shows_no_qr (gpointer data)
{
  g_autofree char *png = kassa_test_ui_screenshot (1, data);
  g_auto(GStrv) codes = kassa_test_ui_decode_qr (png);

  return g_strv_length (codes) == 0;
}

/* ---- fixture ---- */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (!kassa_test_ui_temp_journal ("kassa-remote", &f->tmpdir, &f->journal))
    return;

  pointer_to_cashier_output ();

  kassa_test_remote_init (&f->remote);
  f->signals = g_ptr_array_new_with_free_func (g_free);
  f->signal_id = g_dbus_connection_signal_subscribe (f->remote.bus, NULL, KASSA_DBUS_INTERFACE,
                                                     "StateChanged", f->remote.object_path, NULL,
                                                     G_DBUS_SIGNAL_FLAGS_NONE,
                                                     on_state_changed_cb, f, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->remote.bus == NULL)
    return;

  /* A failed test must not leave Kassa running for the next one. */
  if (kassa_test_remote_is_running (&f->remote))
    {
      guint pid = kassa_test_remote_pid (&f->remote);

      if (pid > 0)
        kill ((pid_t) pid, SIGTERM);
      kassa_test_ui_wait (kassa_test_remote_gone_cb, &f->remote, LIMIT_S);
    }
  if (f->primary != NULL)
    g_subprocess_wait (f->primary, NULL, NULL);
  g_clear_object (&f->primary);

  g_dbus_connection_signal_unsubscribe (f->remote.bus, f->signal_id);
  kassa_test_remote_clear (&f->remote);
  g_clear_pointer (&f->signals, g_ptr_array_unref);
  g_free (f->journal);
  g_free (f->tmpdir);
}

/* ---- tests ---- */

/* `kassa --charge 1500 --wait` with no Kassa running: it starts one (a
 * separate process), forwards the charge, and waits. The customer output
 * shows exactly the bank's desc as a QR code; the training customer pays;
 * the waiting process prints the PAID invoice and exits 0. */
static void
test_charge_wait_paid (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(KassaTestRun) charge = NULL;
  g_autoptr(KassaTestRun) locked = NULL;
  g_autoptr(JsonObject) awaiting = NULL;
  g_autoptr(JsonObject) paid = NULL;
  g_autoptr(JsonObject) printed = NULL;
  g_autoptr(JsonArray) history = NULL;
  g_autofree char *qr = NULL;
  g_autofree char *png = NULL;
  g_auto(GStrv) lines = NULL;
  const char *number;
  guint64 remote_pid;

  if (g_test_failed () || f->remote.bus == NULL)
    return;

  g_assert_false (kassa_test_remote_is_running (&f->remote));
  charge = run_start (f, kassa_test_env_path ("KASSA"), "--charge", "1500", "--wait", NULL);

  if (!kassa_test_ui_wait (kassa_test_remote_running_cb, &f->remote, LIMIT_S))
    {
      kassa_test_ui_wait (kassa_test_ui_flag_is_set, &charge->done, 1);
      g_error ("kassa --charge did not start Kassa: %s", charge->done ? charge->err : "");
    }
  /* The till is another process: this one only forwarded the command line. */
  remote_pid = g_ascii_strtoull (g_subprocess_get_identifier (charge->process), NULL, 10);
  g_assert_cmpuint (kassa_test_remote_pid (&f->remote), !=, remote_pid);

  awaiting = kassa_test_remote_wait_for_state (&f->remote, "AWAITING_PAYMENT");
  number = json_object_get_string_member (awaiting, "invoice");
  g_assert_cmpint (json_object_get_int_member (awaiting, "amount"), ==, 1500);
  g_assert_cmpstr (json_object_get_string_member (awaiting, "method"), ==, "qr");
  g_assert_nonnull (json_object_get_string_member (awaiting, "desc"));
  assert_signal_seen (f, number, "AWAITING_PAYMENT");
  g_assert_false (charge->done);

  /* What the customer scans is exactly the bank's desc. */
  qr = customer_qr ("remote-awaiting-customer");
  g_assert_cmpstr (qr, ==, json_object_get_string_member (awaiting, "desc"));
  g_free (kassa_test_ui_screenshot (0, "remote-awaiting-cashier"));

  /* The journal belongs to the running Kassa. */
  locked = run_start (f, kassa_test_env_path ("KASSA_CTL"), "history", "--json", "--journal", f->journal,
                      NULL);
  g_assert_cmpint (kassa_test_run_finish (locked), ==, 10);

  g_assert_false (charge->done);
  till_call_ok (f, "TrainingCustomerPays");

  g_assert_cmpint (kassa_test_run_finish (charge), ==, 0);
  lines = g_strsplit (g_strchomp (charge->out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  printed = kassa_test_parse_object (lines[0]);
  g_assert_cmpstr (json_object_get_string_member (printed, "invoice"), ==, number);
  g_assert_cmpstr (json_object_get_string_member (printed, "state"), ==, "PAID");
  g_assert_cmpint (json_object_get_int_member (printed, "amount"), ==, 1500);
  assert_signal_seen (f, number, "PAID");

  paid = kassa_test_remote_wait_for_state (&f->remote, "PAID");
  g_assert_cmpstr (json_object_get_string_member (paid, "invoice"), ==, number);

  /* The customer output leaves the QR code for the thank-you. */
  if (!kassa_test_ui_wait (customer_shows_no_qr, (gpointer) "remote-paid-customer", LIMIT_S))
    g_error ("the customer output still shows a QR code after the payment");
  png = kassa_test_ui_screenshot (0, "remote-paid-cashier");

  quit_kassa (f);
  history = journal_history (f);
  g_assert_cmpuint (json_array_get_length (history), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (history, 0),
                                                  "state"), ==, "PAID");
}

/* Bad input, from the command line and over D-Bus, is refused with a clear
 * message and nothing is journaled. */
static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  struct {
    const char *args[7];
    const char *in_message;
  } bad_lines[] = {
    { { "--charge", "abc", NULL }, "abc" },
    { { "--charge", "0", NULL }, NULL },
    { { "--charge", "-5", NULL }, NULL },
    { { "--charge", "15.50", NULL }, NULL },
    { { "--charge", "1500", "--method", "card", NULL }, "card" },
    { { "--charge", "1500", "--method", "phone", NULL }, NULL },
    { { "--charge", "1500", "--method", "phone", "--phone", "123", NULL }, "123" },
    { { "--charge", "1500", "--phone", "99119911", NULL }, "phone" },
    { { "--charge", "1500", "--reference", "two\nlines", NULL }, NULL },
    { { "--wait", NULL }, "--charge" },
  };
  g_autoptr(JsonArray) history = NULL;
  g_autofree char *state = NULL;
  g_autofree char *long_reference = NULL;

  if (g_test_failed () || f->remote.bus == NULL)
    return;

  start_kassa (f);

  for (guint i = 0; i < G_N_ELEMENTS (bad_lines); i++)
    {
      const char * const *a = bad_lines[i].args;
      g_autoptr(KassaTestRun) run = run_start (f, kassa_test_env_path ("KASSA"), a[0], a[1], a[2], a[3], a[4], a[5],
                                      NULL);

      g_test_message ("kassa %s %s %s", a[0], a[1] ? a[1] : "", a[2] ? a[2] : "");
      g_assert_cmpint (kassa_test_run_finish (run), ==, 2);
      g_assert_cmpstr (run->out, ==, "");
      g_assert_true (g_str_has_prefix (run->err, "kassa: "));
      g_assert_cmpuint (strlen (run->err), >, 20);
      if (bad_lines[i].in_message != NULL)
        g_assert_nonnull (strstr (run->err, bad_lines[i].in_message));
    }

  /* One Kassa, one journal. */
  {
    g_autofree char *other = g_build_filename (f->tmpdir, "other.sqlite", NULL);
    g_autoptr(KassaTestRun) run = run_start (f, kassa_test_env_path ("KASSA"), "--journal", other, "--charge", "1500",
                                    NULL);

    g_assert_cmpint (kassa_test_run_finish (run), ==, 2);
    g_assert_nonnull (strstr (run->err, f->journal));
    g_assert_false (g_file_test (other, G_FILE_TEST_EXISTS));
  }

  long_reference = g_strnfill (129, 'r');
  assert_till_error (f, "Charge", g_variant_new ("(xsss)", (gint64) 0, "qr", "", ""),
                     "InvalidInput", KASSA_DBUS_ERROR_INVALID_INPUT);
  assert_till_error (f, "Charge", g_variant_new ("(xsss)", (gint64) -1500, "qr", "", ""),
                     "InvalidInput", KASSA_DBUS_ERROR_INVALID_INPUT);
  assert_till_error (f, "Charge", g_variant_new ("(xsss)", G_GINT64_CONSTANT (1000000000001),
                                                 "qr", "", ""),
                     "InvalidInput", KASSA_DBUS_ERROR_INVALID_INPUT);
  assert_till_error (f, "Charge", g_variant_new ("(xsss)", (gint64) 1500, "card", "", ""),
                     "InvalidInput", KASSA_DBUS_ERROR_INVALID_INPUT);
  assert_till_error (f, "Charge", g_variant_new ("(xsss)", (gint64) 1500, "phone", "12", ""),
                     "InvalidInput", KASSA_DBUS_ERROR_INVALID_INPUT);
  assert_till_error (f, "Charge", g_variant_new ("(xsss)", (gint64) 1500, "qr", "99119911", ""),
                     "InvalidInput", KASSA_DBUS_ERROR_INVALID_INPUT);
  assert_till_error (f, "Charge", g_variant_new ("(xsss)", (gint64) 1500, "qr", "", "a\tb"),
                     "InvalidInput", KASSA_DBUS_ERROR_INVALID_INPUT);
  assert_till_error (f, "Charge", g_variant_new ("(xsss)", (gint64) 1500, "qr", "",
                                                 long_reference),
                     "InvalidInput", KASSA_DBUS_ERROR_INVALID_INPUT);

  /* Nothing to act on. */
  assert_till_error (f, "Cancel", NULL, "NoPayment", KASSA_DBUS_ERROR_NO_PAYMENT);
  assert_till_error (f, "CheckNow", NULL, "NoPayment", KASSA_DBUS_ERROR_NO_PAYMENT);
  assert_till_error (f, "TrainingCustomerPays", NULL, "NoPayment", KASSA_DBUS_ERROR_NO_PAYMENT);
  state = kassa_test_remote_state (&f->remote);
  g_assert_cmpstr (state, ==, "null");
  g_assert_cmpuint (f->signals->len, ==, 0);

  quit_kassa_by (f, TRUE);
  history = journal_history (f);
  g_assert_cmpuint (json_array_get_length (history), ==, 0);
}

/* A cash register over D-Bus: Charge, a second charge while busy (D-Bus and
 * command line), Cancel, a declined --wait, and a charge without --wait. */
static void
test_dbus_cancel_busy_decline (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(JsonObject) charged = NULL;
  g_autoptr(JsonObject) cancelled = NULL;
  g_autoptr(JsonArray) history = NULL;
  g_autoptr(KassaTestRun) busy = NULL;
  g_autoptr(KassaTestRun) declined = NULL;
  g_autoptr(KassaTestRun) no_wait = NULL;
  g_autoptr(JsonObject) declined_json = NULL;
  g_autoptr(JsonObject) awaiting = NULL;
  g_autofree char *number = NULL;
  const char *json;

  if (g_test_failed () || f->remote.bus == NULL)
    return;

  start_kassa (f);

  g_assert_true (kassa_test_remote_training (&f->remote));

  reply = kassa_test_remote_call (&f->remote, "Charge", g_variant_new ("(xsss)", (gint64) 2500, "qr", "", "receipt-42"),
                     "(s)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &json);
  charged = kassa_test_parse_object (json);
  number = g_strdup (json_object_get_string_member (charged, "invoice"));
  g_assert_cmpstr (json_object_get_string_member (charged, "state"), ==, "AWAITING_PAYMENT");
  g_assert_cmpint (json_object_get_int_member (charged, "amount"), ==, 2500);
  g_assert_cmpstr (json_object_get_string_member (charged, "reference"), ==, "receipt-42");
  assert_signal_seen (f, number, "AWAITING_PAYMENT");
  g_assert_cmpstr (customer_qr ("remote-dbus-customer"), ==,
                   json_object_get_string_member (charged, "desc"));

  /* One payment at a time, whoever asks. */
  assert_till_error (f, "Charge", g_variant_new ("(xsss)", (gint64) 100, "qr", "", ""),
                     "Busy", KASSA_DBUS_ERROR_BUSY);
  busy = run_start (f, kassa_test_env_path ("KASSA"), "--charge", "100", NULL);
  g_assert_cmpint (kassa_test_run_finish (busy), ==, 12);
  g_assert_cmpstr (busy->out, ==, "");
  g_assert_true (g_str_has_prefix (busy->err, "kassa: "));

  till_call_ok (f, "Cancel");
  cancelled = kassa_test_remote_wait_for_state (&f->remote, "CANCELLED");
  g_assert_cmpstr (json_object_get_string_member (cancelled, "invoice"), ==, number);
  assert_signal_seen (f, number, "CANCELLED");
  assert_till_error (f, "Cancel", NULL, "NoPayment", KASSA_DBUS_ERROR_NO_PAYMENT);

  /* --wait exits 7 when the customer declines. */
  declined = run_start (f, kassa_test_env_path ("KASSA"), "--charge", "1 000", "--wait", "--reference",
                        "receipt-43", NULL);
  awaiting = kassa_test_remote_wait_for_state (&f->remote, "AWAITING_PAYMENT");
  g_assert_cmpint (json_object_get_int_member (awaiting, "amount"), ==, 1000);
  g_assert_false (declined->done);
  till_call_ok (f, "TrainingCustomerDeclines");
  g_assert_cmpint (kassa_test_run_finish (declined), ==, 7);
  declined_json = kassa_test_parse_object (declined->out);
  g_assert_cmpstr (json_object_get_string_member (declined_json, "state"), ==, "DECLINED");
  g_assert_cmpstr (json_object_get_string_member (declined_json, "reference"), ==, "receipt-43");

  /* Without --wait: the invoice once it awaits payment, exit 0. */
  no_wait = run_start (f, kassa_test_env_path ("KASSA"), "--charge", "700", NULL);
  g_assert_cmpint (kassa_test_run_finish (no_wait), ==, 0);
  {
    g_autoptr(JsonObject) line = kassa_test_parse_object (no_wait->out);

    g_assert_cmpstr (json_object_get_string_member (line, "state"), ==, "AWAITING_PAYMENT");
    g_assert_cmpint (json_object_get_int_member (line, "amount"), ==, 700);
  }
  till_call_ok (f, "CheckNow");
  till_call_ok (f, "Cancel");
  g_clear_pointer (&cancelled, json_object_unref);
  cancelled = kassa_test_remote_wait_for_state (&f->remote, "CANCELLED");
  g_assert_cmpint (json_object_get_int_member (cancelled, "amount"), ==, 700);

  quit_kassa (f);
  history = journal_history (f);
  g_assert_cmpuint (json_array_get_length (history), ==, 3);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add ("/ui/remote/charge-wait-paid", Fixture, NULL,
              fixture_setup, test_charge_wait_paid, fixture_teardown);
  g_test_add ("/ui/remote/bad-input", Fixture, NULL,
              fixture_setup, test_bad_input, fixture_teardown);
  g_test_add ("/ui/remote/dbus-cancel-busy-decline", Fixture, NULL,
              fixture_setup, test_dbus_cancel_busy_decline, fixture_teardown);

  return g_test_run ();
}
