/* test-ui-real.c — real mode, started as a shop starts it
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The built `kassa` ($KASSA) started as its own process with a bank account
 * configured the way a shop configures it: the terminal and the bank address
 * in GSettings (the keyfile backend, written with the `gsettings` tool), the
 * secret key in a real Secret Service (gnome-keyring-daemon, started in this
 * session and unlocked with a test password) or in the 0600 file. The bank is
 * kassa-bank-sim, another process. The test is the cashier and the manager:
 * it types on the keyboard (xdotool → weston → GTK), reads the customer
 * display's QR code from a screenshot, pays as the customer at the
 * simulator, and checks every step against the simulator's state. Kassa's
 * own news (the alerts) are also written to its standard error, which the
 * test reads.
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "kassa-dbus.h"
#include "kassa-journal.h"
#include "kassa-secret-store.h"
#include "kassa-test-remote.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"

#define PIN "4826"
#define KEYRING_PASSWORD "kassa-test-keyring"
#define SECRET_SERVICE_NAME "org.freedesktop.secrets"

typedef struct
{
  KassaTestSim    *sim;
  KassaTestRemote  remote;
  GSubprocess     *keyring;   /* gnome-keyring-daemon, when the case has one */
  GSubprocess     *kassa;
  char            *log_path;  /* kassa's standard error */
} Fixture;

/* ---- set-up, as a shop does it ---- */

static void
run_tool (const char * const *argv,
          const char         *input)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process))
    g_error ("%s %s failed: %s%s", argv[0], argv[1], out, err);
}

static void
set_setting (const char *key,
             const char *value)
{
  const char *argv[] = { "gsettings", "set", "mn.kassa.Kassa", key, value, NULL };

  run_tool (argv, NULL);
}

/* The terminal and bank address, and the manager PIN in the real journal. */
static void
configure_account (Fixture    *f,
                   const char *url)
{
  const char *pin_argv[] = { kassa_test_env_path ("KASSA_CTL"), "manager-pin", NULL };

  set_setting ("terminal", KASSA_TEST_TERMINAL);
  set_setting ("bank-url", url != NULL ? url : kassa_test_sim_get_url (f->sim));
  run_tool (pin_argv, PIN "\n");
}

static void
store_secret_in_file (void)
{
  g_autoptr(KassaSecretStore) store = kassa_secret_store_new (KASSA_SECRET_BACKEND_FILE, NULL);
  g_autoptr(GError) error = NULL;

  kassa_secret_store_store_sync (store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
secret_service_is_running (gpointer data)
{
  Fixture *f = data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (f->remote.bus, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", SECRET_SERVICE_NAME),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &owned);

  return owned;
}

static gboolean
secret_service_is_gone (gpointer data)
{
  return !secret_service_is_running (data);
}

/* gnome-keyring-daemon in this session's bus, its keyrings in this test's own
 * data folder, unlocked with the test password (which creates the login
 * keyring); then the secret stored in it through KassaSecretStore, as the
 * credentials dialog stores it. */
static void
start_keyring (Fixture *f)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(KassaSecretStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *runtime = NULL;
  GOutputStream *input;

  if (g_find_program_in_path ("gnome-keyring-daemon") == NULL)
    g_error ("gnome-keyring-daemon is not installed (build-aux/install-deps.sh --test)");
  g_assert_false (secret_service_is_running (f));

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  /* Its control socket: the isolated test folders have no runtime folder. */
  runtime = g_build_filename (g_get_user_cache_dir (), "keyring-runtime", NULL);
  g_assert_cmpint (g_mkdir_with_parents (runtime, 0700), ==, 0);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  f->keyring = g_subprocess_launcher_spawn (launcher, &error, "gnome-keyring-daemon",
                                            "--foreground", "--unlock",
                                            "--components=secrets", NULL);
  g_assert_no_error (error);
  input = g_subprocess_get_stdin_pipe (f->keyring);
  g_output_stream_write_all (input, KEYRING_PASSWORD, strlen (KEYRING_PASSWORD), NULL, NULL,
                             &error);
  g_assert_no_error (error);
  g_output_stream_close (input, NULL, &error);
  g_assert_no_error (error);
  if (!kassa_test_ui_wait (secret_service_is_running, f, KASSA_TEST_REMOTE_LIMIT_S))
    g_error ("gnome-keyring-daemon did not appear on the session bus");

  /* libsecret keeps its session with the daemon of an earlier test. */
  secret_service_disconnect ();
  store = kassa_secret_store_new (KASSA_SECRET_BACKEND_SECRET_SERVICE, NULL);
  kassa_secret_store_store_sync (store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, NULL, &error);
  g_assert_no_error (error);
}

/* Locks the keyring's collections, as a screen lock or a timeout does. */
static void
lock_keyring (Fixture *f)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *paths[] = { "/org/freedesktop/secrets/collection/login", NULL };

  reply = g_dbus_connection_call_sync (f->remote.bus, SECRET_SERVICE_NAME, "/org/freedesktop/secrets",
                                       "org.freedesktop.Secret.Service", "Lock",
                                       g_variant_new ("(^ao)", paths), NULL,
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}

/* ---- Kassa ---- */

/* A launcher for `kassa` with nothing but what a shop's session has: no
 * journal, training or bank variable, the settings in the keyfile backend.
 * @secret_backend: NULL lets Kassa choose (the keyring here), "file" is a
 * kiosk PC without a keyring. */
static GSubprocessLauncher *
kassa_launcher_new (const char *secret_backend)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);

  g_subprocess_launcher_unsetenv (launcher, "KASSA_JOURNAL");
  g_subprocess_launcher_unsetenv (launcher, "KASSA_BANK_URL");
  g_subprocess_launcher_unsetenv (launcher, "KASSA_TERMINAL");
  g_subprocess_launcher_unsetenv (launcher, "KASSA_SECRET");
  if (secret_backend != NULL)
    g_subprocess_launcher_setenv (launcher, "KASSA_SECRET_BACKEND", secret_backend, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "KASSA_SECRET_BACKEND");
  /* The isolated test folders hide the system's icons and MIME data. */
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_DIRS", "/usr/local/share:/usr/share", TRUE);

  return launcher;
}

/* Starts `kassa` as the shop does; its standard error goes to f->log_path. */
static void
start_kassa (Fixture    *f,
             const char *secret_backend)
{
  g_autoptr(GSubprocessLauncher) launcher = kassa_launcher_new (secret_backend);
  g_autoptr(GError) error = NULL;

  g_assert_false (kassa_test_remote_is_running (&f->remote));
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_stderr_file_path (launcher, f->log_path);

  f->kassa = g_subprocess_launcher_spawn (launcher, &error, kassa_test_env_path ("KASSA"), NULL);
  g_assert_no_error (error);
  if (!kassa_test_ui_wait (kassa_test_remote_running_cb, &f->remote, KASSA_TEST_REMOTE_LIMIT_S))
    g_error ("kassa did not appear on the session bus");
}

static gboolean
kassa_has_exited (gpointer data)
{
  Fixture *f = data;

  return g_subprocess_get_identifier (f->kassa) == NULL;
}

/* Whether Kassa can take payments: CheckNow answers NotReady while it is
 * still starting, NoPayment once its till is there. */
static gboolean
kassa_is_ready (gpointer data)
{
  Fixture *f = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  g_assert_false (kassa_has_exited (f));
  reply = kassa_test_remote_call (&f->remote, "CheckNow", NULL, "()", &error);
  if (g_error_matches (error, KASSA_DBUS_ERROR, KASSA_DBUS_ERROR_NOT_READY))
    return FALSE;
  if (!g_error_matches (error, KASSA_DBUS_ERROR, KASSA_DBUS_ERROR_NO_PAYMENT))
    g_assert_no_error (error);

  return TRUE;
}

static void
wait_ready (Fixture *f)
{
  if (!kassa_test_ui_wait (kassa_is_ready, f, KASSA_TEST_REMOTE_LIMIT_S))
    g_error ("kassa did not get ready");
  /* The windows are up a few frames after that: the cashier window, then
   * the customer display, which on weston hands the keyboard back to the
   * cashier window by mapping it again (docs/customer-display.md), over a
   * second under load. */
  g_usleep (3 * G_USEC_PER_SEC);
}

static char *
kassa_log (Fixture *f)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents (f->log_path, &text, NULL, NULL))
    return g_strdup ("");

  return g_steal_pointer (&text);
}

/* Kassa stays up: a second later it still runs, in the same process. */
static void
assert_still_running (Fixture *f)
{
  g_usleep (G_USEC_PER_SEC);
  g_assert_false (kassa_has_exited (f));
  g_assert_true (kassa_test_remote_is_running (&f->remote));
}

/* The alert Kassa logged contains @text. */
static void
assert_alert (Fixture    *f,
              const char *text)
{
  g_autofree char *log = kassa_log (f);

  g_test_message ("kassa's log: %s", log);
  g_assert_nonnull (strstr (log, text));
}

static void
quit_kassa (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  /* As the desktop's "Quit" does it: whichever window has the keyboard. */
  kassa_test_remote_activate (&f->remote, "quit");
  if (!kassa_test_ui_wait (kassa_test_remote_gone_cb, &f->remote, KASSA_TEST_REMOTE_LIMIT_S))
    g_error ("kassa did not quit");
  g_subprocess_wait (f->kassa, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (f->kassa));
  g_assert_cmpint (g_subprocess_get_exit_status (f->kassa), ==, 0);
}

/* ---- the simulator's state ---- */

/* The simulator's entry for invoice @number (a new reference), or NULL. */
static JsonObject *
sim_invoice (Fixture    *f,
             const char *number)
{
  g_autofree char *reply = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *array;
  guint status = 0;

  reply = kassa_test_sim_control (f->sim, "/sim/invoices", "{}", &status);
  g_assert_cmpuint (status, ==, 200);
  root = json_from_string (reply, &error);
  g_assert_no_error (error);
  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (object, "invoice"), number) == 0)
        return json_object_ref (object);
    }

  return NULL;
}

static guint
sim_invoice_count (Fixture *f)
{
  g_autoptr(GHashTable) invoices = kassa_test_sim_invoices (f->sim);

  return g_hash_table_size (invoices);
}

typedef struct
{
  Fixture    *f;
  const char *number;
  const char *state;
} SimWait;

static gboolean
sim_state_is (gpointer data)
{
  SimWait *w = data;
  g_autoptr(JsonObject) object = sim_invoice (w->f, w->number);

  return object != NULL &&
         g_strcmp0 (json_object_get_string_member (object, "state"), w->state) == 0;
}

static gboolean
sim_settled (gpointer data)
{
  SimWait *w = data;
  g_autoptr(JsonObject) object = sim_invoice (w->f, w->number);

  return object != NULL && json_object_get_boolean_member (object, "settled");
}

static void
wait_sim_state (Fixture    *f,
                const char *number,
                const char *state)
{
  SimWait w = { f, number, state };

  if (!kassa_test_ui_wait (sim_state_is, &w, KASSA_TEST_REMOTE_LIMIT_S))
    {
      kassa_test_ui_screenshot (0, "real-sim-state");
      g_error ("the bank did not see invoice %s %s", number, state);
    }
}

static void
sim_pay (Fixture    *f,
         const char *number)
{
  g_autofree char *json = g_strdup_printf ("{\"invoice\": \"%s\"}", number);
  g_autofree char *reply = NULL;
  guint status = 0;

  reply = kassa_test_sim_control (f->sim, "/sim/pay", json, &status);
  g_assert_cmpuint (status, ==, 200);
}

/* ---- the keyboard ---- */

/* The cashier types @amount and Enter; returns the invoice the bank made,
 * after checking that the customer display shows exactly its QR payload. */
static JsonObject *
sell_by_keys (Fixture    *f,
              const char *amount,
              const char *screenshot)
{
  g_autoptr(JsonObject) invoice = NULL;
  g_autoptr(JsonObject) at_bank = NULL;
  g_autofree char *png = NULL;
  g_auto(GStrv) codes = NULL;
  guint before = sim_invoice_count (f);

  kassa_test_ui_type (0, amount);
  kassa_test_ui_keys (0, "Return", NULL);
  invoice = kassa_test_remote_wait_for_state (&f->remote, "AWAITING_PAYMENT");
  g_assert_cmpint (json_object_get_int_member (invoice, "amount"), ==,
                   g_ascii_strtoll (amount, NULL, 10));
  g_assert_cmpuint (sim_invoice_count (f), ==, before + 1);
  at_bank = sim_invoice (f, json_object_get_string_member (invoice, "invoice"));
  g_assert_nonnull (at_bank);
  g_assert_cmpstr (json_object_get_string_member (at_bank, "state"), ==, "unpaid");
  g_assert_cmpint (json_object_get_int_member (at_bank, "amount"), ==,
                   json_object_get_int_member (invoice, "amount"));

  /* The customer display (output 1) shows the bank's desc as a QR code. */
  g_usleep (G_USEC_PER_SEC / 2);
  png = kassa_test_ui_screenshot (1, screenshot);
  codes = kassa_test_ui_decode_qr (png);
  g_assert_cmpuint (g_strv_length (codes), ==, 1);
  g_assert_cmpstr (codes[0], ==, json_object_get_string_member (invoice, "desc"));

  return g_steal_pointer (&invoice);
}

/* ---- fixture ---- */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (!kassa_test_ui_have_harness ())
    return;

  /* Settings as a shop keeps them: on disk, read by the next start. */
  g_setenv ("GSETTINGS_BACKEND", "keyfile", TRUE);
  /* Every process of the test (gsettings, kassa-ctl, the keyring, Kassa)
   * shares this test's own folders, as one user's programs do. */
  g_setenv ("HOME", g_get_home_dir (), TRUE);
  g_setenv ("XDG_DATA_HOME", g_get_user_data_dir (), TRUE);
  g_setenv ("XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  g_setenv ("XDG_CACHE_HOME", g_get_user_cache_dir (), TRUE);
  kassa_test_remote_init (&f->remote);
  f->sim = kassa_test_sim_spawnv ((const char * const []) { NULL });
  f->log_path = g_build_filename (g_get_user_cache_dir (), "kassa-stderr.log", NULL);
  g_mkdir_with_parents (g_get_user_cache_dir (), 0700);
  /* New windows open on the pointer's output: the cashier's is output 0. */
  kassa_test_ui_pointer_to (0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->remote.bus == NULL)
    return;

  /* A failed test must not leave Kassa or the keyring running for the next one. */
  if (f->kassa != NULL && !kassa_has_exited (f))
    {
      g_subprocess_send_signal (f->kassa, SIGTERM);
      g_subprocess_wait (f->kassa, NULL, NULL);
    }
  kassa_test_ui_wait (kassa_test_remote_gone_cb, &f->remote, KASSA_TEST_REMOTE_LIMIT_S);
  g_clear_object (&f->kassa);
  if (f->keyring != NULL)
    {
      g_subprocess_send_signal (f->keyring, SIGTERM);
      g_subprocess_wait (f->keyring, NULL, NULL);
      kassa_test_ui_wait (secret_service_is_gone, f, KASSA_TEST_REMOTE_LIMIT_S);
    }
  g_clear_object (&f->keyring);
  g_clear_pointer (&f->sim, kassa_test_sim_free);
  kassa_test_remote_clear (&f->remote);

  /* Whatever the case, Kassa broke none of GLib's rules on the way: a
   * critical or a warning in its standard error is a bug (one was a task
   * read after it was handed on, when no secret is stored in the keyring). */
  if (f->log_path != NULL && !g_test_failed ())
    {
      g_autofree char *log = kassa_log (f);

      if (strstr (log, "-CRITICAL **") != NULL || strstr (log, "-WARNING **") != NULL)
        g_error ("kassa wrote a GLib critical or warning:\n%s", log);
    }
  g_free (f->log_path);
}

/* ---- tests ---- */

/* The whole day in real mode: two QR sales typed on the keyboard and paid by
 * the customer, a refund and the close of the day from the GUI with the
 * manager PIN; every step as the bank sees it. */
static void
run_day (Fixture *f)
{
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(JsonObject) settled = NULL;
  g_autoptr(JsonObject) refunded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autofree char *journal_path = NULL;
  g_autofree char *log = NULL;
  g_autofree char *number = NULL;

  wait_ready (f);
  g_assert_false (kassa_test_remote_training (&f->remote));
  kassa_test_ui_screenshot (0, "real-cashier");
  /* The cashier clicks into the amount: the customer display, made
   * fullscreen after the cashier window was shown, took the keyboard
   * (issue 14 puts each window on its monitor with the right focus). */
  kassa_test_ui_click (0, 230, 250);

  first = sell_by_keys (f, "1500", "real-qr-first");
  number = g_strdup (json_object_get_string_member (first, "invoice"));
  sim_pay (f, number);
  g_clear_pointer (&first, json_object_unref);
  first = kassa_test_remote_wait_for_state (&f->remote, "PAID");
  g_assert_cmpstr (json_object_get_string_member (first, "invoice"), ==, number);

  second = sell_by_keys (f, "2300", "real-qr-second");
  sim_pay (f, json_object_get_string_member (second, "invoice"));
  g_clear_pointer (&second, json_object_unref);
  second = kassa_test_remote_wait_for_state (&f->remote, "PAID");

  /* The manager refunds the first: History (Ctrl+H), its number, Enter
   * selects it, Alt+R, a reason, Tab, the PIN, Enter. */
  kassa_test_ui_keys (0, "ctrl+h", NULL);
  g_usleep (G_USEC_PER_SEC);
  kassa_test_ui_type (0, number);
  kassa_test_ui_keys (0, "Return", NULL);
  g_usleep (G_USEC_PER_SEC / 2);
  kassa_test_ui_screenshot (0, "real-history");
  kassa_test_ui_keys (0, "alt+r", NULL);
  g_usleep (G_USEC_PER_SEC);
  kassa_test_ui_type (0, "damaged");
  kassa_test_ui_keys (0, "Tab", NULL);
  kassa_test_ui_type (0, PIN);
  kassa_test_ui_screenshot (0, "real-refund");
  kassa_test_ui_keys (0, "Return", NULL);
  wait_sim_state (f, number, "refunded");
  kassa_test_ui_screenshot (0, "real-refunded");
  kassa_test_ui_keys (0, "Escape", NULL);

  /* The manager closes the day: the menu's "Close the Day…" (the
   * application action a desktop shell would activate), the PIN, Enter.
   * The bank settles the second sale; the refunded one is closed with it. */
  kassa_test_remote_activate (&f->remote, "close-day");
  g_usleep (G_USEC_PER_SEC);
  kassa_test_ui_type (0, PIN);
  kassa_test_ui_keys (0, "Return", NULL);
  {
    SimWait w = { f, json_object_get_string_member (second, "invoice"), NULL };

    if (!kassa_test_ui_wait (sim_settled, &w, KASSA_TEST_REMOTE_LIMIT_S))
      {
        kassa_test_ui_screenshot (0, "real-close-day-failed");
        g_error ("the bank did not settle invoice %s", w.number);
      }
  }
  settled = sim_invoice (f, json_object_get_string_member (second, "invoice"));
  g_assert_true (json_object_get_boolean_member (settled, "settled"));
  refunded = sim_invoice (f, number);
  g_assert_true (json_object_get_boolean_member (refunded, "settled"));
  g_usleep (G_USEC_PER_SEC / 2);
  kassa_test_ui_screenshot (0, "real-close-day");
  kassa_test_ui_keys (0, "Escape", NULL);

  log = kassa_log (f);
  g_test_message ("kassa's log: %s", log);
  g_assert_null (strstr (log, "training mode"));
  quit_kassa (f);

  /* The journal (unlocked now) agrees with the bank, invoice by invoice. */
  journal_path = g_build_filename (g_get_user_data_dir (), "kassa", "journal.sqlite", NULL);
  journal = kassa_journal_open (journal_path, &error);
  g_assert_no_error (error);
  kassa_test_assert_journal_agrees (journal, f->sim);
}

static void
test_keyring (Fixture       *f,
              gconstpointer  data)
{
  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  start_keyring (f);
  configure_account (f, NULL);
  start_kassa (f, NULL);
  run_day (f);
}

static void
test_file (Fixture       *f,
           gconstpointer  data)
{
  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  store_secret_in_file ();
  configure_account (f, NULL);
  start_kassa (f, "file");
  run_day (f);
}

/* An account without a stored secret: training mode, and Kassa says why. */
static void
test_no_secret (Fixture       *f,
                gconstpointer  data)
{
  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  configure_account (f, NULL);
  start_kassa (f, "file");
  wait_ready (f);
  assert_still_running (f);
  g_assert_true (kassa_test_remote_training (&f->remote));
  assert_alert (f, "No secret key is stored for terminal " KASSA_TEST_TERMINAL);
  kassa_test_ui_screenshot (0, "real-no-secret");
  g_assert_cmpuint (sim_invoice_count (f), ==, 0);
  quit_kassa (f);
}

/* A secret file others can read is refused: training mode, and the alert
 * says how to fix it. */
static void
test_unsafe_secret (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *path = NULL;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  store_secret_in_file ();
  path = g_build_filename (g_get_user_config_dir (), "kassa", "secret-" KASSA_TEST_TERMINAL,
                           NULL);
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  configure_account (f, NULL);
  start_kassa (f, "file");
  wait_ready (f);
  assert_still_running (f);
  g_assert_true (kassa_test_remote_training (&f->remote));
  assert_alert (f, "cannot be read");
  assert_alert (f, "chmod");
  quit_kassa (f);
}

/* The keyring is locked: it asks for its password (gcr's prompt, a window of
 * its own). The cashier dismisses it: training mode, with the alert. */
static void
test_keyring_locked (Fixture       *f,
                     gconstpointer  data)
{
  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  start_keyring (f);
  lock_keyring (f);
  configure_account (f, NULL);
  start_kassa (f, NULL);
  /* Kassa waits for the keyring's answer, and stays up while it waits. */
  g_usleep (3 * G_USEC_PER_SEC);
  kassa_test_ui_screenshot (0, "real-keyring-prompt");
  assert_still_running (f);
  g_assert_false (kassa_is_ready (f));
  kassa_test_ui_keys (0, "Escape", NULL);
  wait_ready (f);
  assert_still_running (f);
  g_assert_true (kassa_test_remote_training (&f->remote));
  assert_alert (f, "The secret key of terminal " KASSA_TEST_TERMINAL " cannot be read");
  assert_alert (f, "keyring that holds it is locked");
  kassa_test_ui_screenshot (0, "real-keyring-locked");
  quit_kassa (f);
}

/* A bank address Kassa cannot use (plain http to another computer). */
static void
test_bad_url (Fixture       *f,
              gconstpointer  data)
{
  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  store_secret_in_file ();
  configure_account (f, "http://bank.example.mn");
  start_kassa (f, "file");
  wait_ready (f);
  assert_still_running (f);
  g_assert_true (kassa_test_remote_training (&f->remote));
  assert_alert (f, "The bank settings cannot be used");
  kassa_test_ui_screenshot (0, "real-bad-url");
  quit_kassa (f);
}

/* `kassa --charge 1500 --wait` with no Kassa running, in real mode: it starts
 * one (which must stay up while it looks up the secret), the charge waits
 * for it, the customer pays at the bank, and the command exits 0 with the
 * PAID invoice. A second `kassa` then only brings the running one forward. */
static void
test_charge_starts_kassa (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(KassaTestRun) charge = NULL;
  g_autoptr(KassaTestRun) second = NULL;
  g_autoptr(JsonObject) awaiting = NULL;
  g_autoptr(JsonObject) paid = NULL;
  const char *charge_argv[] = { kassa_test_env_path ("KASSA"), "--charge", "1500", "--wait",
                                NULL };
  const char *second_argv[] = { kassa_test_env_path ("KASSA"), NULL };
  const char *line;
  guint pid;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  store_secret_in_file ();
  configure_account (f, NULL);
  g_assert_false (kassa_test_remote_is_running (&f->remote));
  launcher = kassa_launcher_new ("file");
  charge = kassa_test_run_start (launcher, charge_argv);
  if (!kassa_test_ui_wait (kassa_test_remote_running_cb, &f->remote, KASSA_TEST_REMOTE_LIMIT_S))
    g_error ("kassa --charge did not start a Kassa");

  awaiting = kassa_test_remote_wait_for_state (&f->remote, "AWAITING_PAYMENT");
  g_assert_false (kassa_test_remote_training (&f->remote));
  g_assert_cmpuint (sim_invoice_count (f), ==, 1);
  pid = kassa_test_remote_pid (&f->remote);

  second = kassa_test_run_start (launcher, second_argv);
  g_assert_cmpint (kassa_test_run_finish (second), ==, 0);
  g_assert_cmpuint (kassa_test_remote_pid (&f->remote), ==, pid);

  sim_pay (f, json_object_get_string_member (awaiting, "invoice"));
  g_assert_cmpint (kassa_test_run_finish (charge), ==, 0);
  line = strrchr (g_strchomp (charge->out), '\n');
  paid = kassa_test_parse_object (line != NULL ? line + 1 : charge->out);
  g_assert_cmpstr (json_object_get_string_member (paid, "state"), ==, "PAID");
  g_assert_cmpstr (json_object_get_string_member (paid, "invoice"), ==,
                   json_object_get_string_member (awaiting, "invoice"));
  wait_sim_state (f, json_object_get_string_member (paid, "invoice"), "paid");

  kassa_test_remote_activate (&f->remote, "quit");
  if (!kassa_test_ui_wait (kassa_test_remote_gone_cb, &f->remote, KASSA_TEST_REMOTE_LIMIT_S))
    g_error ("kassa did not quit");
}

/* A payment left unfinished (the till stopped while it awaited payment; the
 * customer paid meanwhile) is resolved with the real bank when Kassa starts,
 * and a charge that arrives during start-up waits for that. */
static void
test_recover_at_start (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(KassaTestRun) sale = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *journal_path = NULL;
  g_autofree char *secret_file = NULL;
  const char *sale_argv[] = { kassa_test_env_path ("KASSA_CTL"), "sale", "2700",
                              "--secret-file", NULL, NULL };
  const char *line;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  store_secret_in_file ();
  configure_account (f, NULL);
  secret_file = g_build_filename (g_get_user_config_dir (), "kassa",
                                  "secret-" KASSA_TEST_TERMINAL, NULL);
  sale_argv[4] = secret_file;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_unsetenv (launcher, "KASSA_JOURNAL");
  g_subprocess_launcher_setenv (launcher, "KASSA_BANK_URL", kassa_test_sim_get_url (f->sim),
                                TRUE);
  g_subprocess_launcher_setenv (launcher, "KASSA_TERMINAL", KASSA_TEST_TERMINAL, TRUE);
  sale = kassa_test_run_start (launcher, sale_argv);
  g_assert_cmpint (kassa_test_run_finish (sale), ==, 0);
  line = strrchr (g_strchomp (sale->out), '\n');
  created = kassa_test_parse_object (line != NULL ? line + 1 : sale->out);
  g_assert_cmpstr (json_object_get_string_member (created, "state"), ==, "AWAITING_PAYMENT");
  sim_pay (f, json_object_get_string_member (created, "invoice"));

  start_kassa (f, "file");
  wait_ready (f);
  assert_still_running (f);
  g_assert_false (kassa_test_remote_training (&f->remote));
  quit_kassa (f);

  journal_path = g_build_filename (g_get_user_data_dir (), "kassa", "journal.sqlite", NULL);
  journal = kassa_journal_open (journal_path, &error);
  g_assert_no_error (error);
  invoice = kassa_journal_lookup (journal, json_object_get_string_member (created, "invoice"),
                                  &error);
  g_assert_no_error (error);
  g_assert_nonnull (invoice);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
  kassa_test_assert_journal_agrees (journal, f->sim);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/ui/real/keyring", test_keyring);
  ADD ("/ui/real/file", test_file);
  ADD ("/ui/real/no-secret", test_no_secret);
  ADD ("/ui/real/unsafe-secret", test_unsafe_secret);
  ADD ("/ui/real/keyring-locked", test_keyring_locked);
  ADD ("/ui/real/bad-url", test_bad_url);
  ADD ("/ui/real/charge-starts-kassa", test_charge_starts_kassa);
  ADD ("/ui/real/recover-at-start", test_recover_at_start);

#undef ADD

  return g_test_run ();
}
