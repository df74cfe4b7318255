/* test-ui-remote.c — `kassa --charge` and the D-Bus interface, against the real executable
 *
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
#include "kassa-test-ui.h"
#include "kassa-test-util.h"

#define LIMIT_S 30

typedef struct
{
  char            *tmpdir;
  char            *journal;
  char            *object_path;
  GDBusConnection *bus;
  guint            signal_id;
  GPtrArray       *signals;   /* "NUMBER STATE" of every StateChanged */
  GSubprocess     *primary;   /* when the test started Kassa itself */
} Fixture;

/* A process of which the test waits for the output and exit. */
typedef struct
{
  GSubprocess *process;
  char        *out;
  char        *err;
  gboolean     done;
} Run;

static void
run_free (Run *run)
{
  g_clear_object (&run->process);
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

/* ---- helpers ---- */

static const char *
env_path (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL || *value == '\0')
    g_error ("%s is not set; run the ui suite with meson test under build-aux/with-display.sh",
             name);

  return value;
}

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

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Run *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &run->out, &run->err,
                                        &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

/* Starts @argv (NULL-terminated, after the executable) with output captured. */
static Run *
run_start (Fixture    *f,
           const char *exe,
           const char *first_arg,
           ...)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (f);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Run *run = g_new0 (Run, 1);
  va_list ap;

  g_ptr_array_add (argv, (char *) exe);
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  run->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (run->process, NULL, NULL, run_done_cb, run);

  return run;
}

/* Waits for @run to exit and returns its exit status. */
static int
run_finish (Run *run)
{
  if (!kassa_test_ui_wait (kassa_test_ui_flag_is_set, &run->done, LIMIT_S))
    g_error ("the process did not exit within %d s", LIMIT_S);
  g_assert_true (g_subprocess_get_if_exited (run->process));
  g_test_message ("exit %d, stdout: %s, stderr: %s", g_subprocess_get_exit_status (run->process),
                  run->out, run->err);

  return g_subprocess_get_exit_status (run->process);
}

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  return json_object_ref (json_node_get_object (root));
}

static gboolean
name_has_owner (Fixture *f)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (f->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", APP_ID), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &owned);

  return owned;
}

static gboolean
kassa_is_running (gpointer data)
{
  return name_has_owner (data);
}

static gboolean
kassa_is_gone (gpointer data)
{
  return !name_has_owner (data);
}

static guint
kassa_pid (Fixture *f)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint pid = 0;

  reply = g_dbus_connection_call_sync (f->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", APP_ID), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &pid);

  return pid;
}

/* Calls a mn.kassa.Kassa.Till method; returns its reply or NULL with @error. */
static GVariant *
till_call (Fixture     *f,
           const char  *method,
           GVariant    *parameters,
           const char  *reply_type,
           GError     **error)
{
  return g_dbus_connection_call_sync (f->bus, APP_ID, f->object_path, KASSA_DBUS_INTERFACE,
                                      method, parameters,
                                      reply_type ? G_VARIANT_TYPE (reply_type) : NULL,
                                      G_DBUS_CALL_FLAGS_NONE, 60000, NULL, error);
}

static void
till_call_ok (Fixture    *f,
              const char *method)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = till_call (f, method, NULL, "()", &error);

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
  g_autoptr(GVariant) reply = till_call (f, method, parameters, NULL, &error);
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

static char *
till_state (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = till_call (f, "State", NULL, "(s)", &error);
  char *json = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(s)", &json);

  return json;
}

typedef struct
{
  Fixture    *f;
  const char *state;
  char       *json;
} StateWait;

static gboolean
state_is (gpointer data)
{
  StateWait *w = data;
  g_autoptr(JsonObject) object = NULL;

  g_clear_pointer (&w->json, g_free);
  w->json = till_state (w->f);
  if (g_str_equal (w->json, "null"))
    return FALSE;
  object = parse_object (w->json);

  return g_strcmp0 (json_object_get_string_member (object, "state"), w->state) == 0;
}

/* Polls State until the current invoice is in @state; returns its JSON. */
static JsonObject *
wait_for_state (Fixture    *f,
                const char *state)
{
  StateWait w = { f, state, NULL };
  JsonObject *object;

  if (!kassa_test_ui_wait (state_is, &w, LIMIT_S))
    g_error ("the current invoice did not reach %s: %s", state, w.json);
  object = parse_object (w.json);
  g_free (w.json);

  return object;
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
  object = parse_object (json);
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

  g_assert_false (name_has_owner (f));
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_NONE);
  f->primary = g_subprocess_launcher_spawn (launcher, &error, env_path ("KASSA"), NULL);
  g_assert_no_error (error);
  if (!kassa_test_ui_wait (kassa_is_running, f, LIMIT_S))
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
    {
      g_autoptr(GVariant) reply = NULL;
      g_autoptr(GVariantBuilder) params = g_variant_builder_new (G_VARIANT_TYPE ("av"));

      reply = g_dbus_connection_call_sync (f->bus, APP_ID, f->object_path, "org.gtk.Actions",
                                           "Activate",
                                           g_variant_new ("(sava{sv})", "quit", params, NULL),
                                           NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      g_assert_no_error (error);
    }
  if (!kassa_test_ui_wait (kassa_is_gone, f, LIMIT_S))
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
  g_autoptr(Run) run = run_start (f, env_path ("KASSA_CTL"), "history", "--json",
                                  "--journal", f->journal, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (run_finish (run), ==, 0);
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
  g_autoptr(GError) error = NULL;
  GString *path;

  if (!kassa_test_ui_have_harness ())
    {
      g_test_skip ("needs the display harness (build-aux/with-display.sh)");
      return;
    }

  pointer_to_cashier_output ();
  f->tmpdir = g_dir_make_tmp ("kassa-remote-XXXXXX", &error);
  g_assert_no_error (error);
  f->journal = g_build_filename (f->tmpdir, "training.sqlite", NULL);

  path = g_string_new ("/");
  g_string_append (path, APP_ID);
  g_string_replace (path, ".", "/", 0);
  f->object_path = g_string_free (path, FALSE);

  f->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  f->signals = g_ptr_array_new_with_free_func (g_free);
  f->signal_id = g_dbus_connection_signal_subscribe (f->bus, NULL, KASSA_DBUS_INTERFACE,
                                                     "StateChanged", f->object_path, NULL,
                                                     G_DBUS_SIGNAL_FLAGS_NONE,
                                                     on_state_changed_cb, f, NULL);
  /* Registers the error names, so that D-Bus errors come back in the domain. */
  g_assert_cmpuint (KASSA_DBUS_ERROR, !=, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->bus == NULL)
    return;

  /* A failed test must not leave Kassa running for the next one. */
  if (name_has_owner (f))
    {
      guint pid = kassa_pid (f);

      if (pid > 0)
        kill ((pid_t) pid, SIGTERM);
      kassa_test_ui_wait (kassa_is_gone, f, LIMIT_S);
    }
  if (f->primary != NULL)
    g_subprocess_wait (f->primary, NULL, NULL);
  g_clear_object (&f->primary);

  g_dbus_connection_signal_unsubscribe (f->bus, f->signal_id);
  g_clear_object (&f->bus);
  g_clear_pointer (&f->signals, g_ptr_array_unref);
  g_free (f->object_path);
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
  g_autoptr(Run) charge = NULL;
  g_autoptr(Run) locked = NULL;
  g_autoptr(JsonObject) awaiting = NULL;
  g_autoptr(JsonObject) paid = NULL;
  g_autoptr(JsonObject) printed = NULL;
  g_autoptr(JsonArray) history = NULL;
  g_autofree char *qr = NULL;
  g_autofree char *png = NULL;
  g_auto(GStrv) lines = NULL;
  const char *number;
  guint64 remote_pid;

  if (g_test_failed () || f->bus == NULL)
    return;

  g_assert_false (name_has_owner (f));
  charge = run_start (f, env_path ("KASSA"), "--charge", "1500", "--wait", NULL);

  if (!kassa_test_ui_wait (kassa_is_running, f, LIMIT_S))
    {
      kassa_test_ui_wait (kassa_test_ui_flag_is_set, &charge->done, 1);
      g_error ("kassa --charge did not start Kassa: %s", charge->done ? charge->err : "");
    }
  /* The till is another process: this one only forwarded the command line. */
  remote_pid = g_ascii_strtoull (g_subprocess_get_identifier (charge->process), NULL, 10);
  g_assert_cmpuint (kassa_pid (f), !=, remote_pid);

  awaiting = wait_for_state (f, "AWAITING_PAYMENT");
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
  locked = run_start (f, env_path ("KASSA_CTL"), "history", "--json", "--journal", f->journal,
                      NULL);
  g_assert_cmpint (run_finish (locked), ==, 10);

  g_assert_false (charge->done);
  till_call_ok (f, "TrainingCustomerPays");

  g_assert_cmpint (run_finish (charge), ==, 0);
  lines = g_strsplit (g_strchomp (charge->out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 1);
  printed = parse_object (lines[0]);
  g_assert_cmpstr (json_object_get_string_member (printed, "invoice"), ==, number);
  g_assert_cmpstr (json_object_get_string_member (printed, "state"), ==, "PAID");
  g_assert_cmpint (json_object_get_int_member (printed, "amount"), ==, 1500);
  assert_signal_seen (f, number, "PAID");

  paid = wait_for_state (f, "PAID");
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

  if (g_test_failed () || f->bus == NULL)
    return;

  start_kassa (f);

  for (guint i = 0; i < G_N_ELEMENTS (bad_lines); i++)
    {
      const char * const *a = bad_lines[i].args;
      g_autoptr(Run) run = run_start (f, env_path ("KASSA"), a[0], a[1], a[2], a[3], a[4], a[5],
                                      NULL);

      g_test_message ("kassa %s %s %s", a[0], a[1] ? a[1] : "", a[2] ? a[2] : "");
      g_assert_cmpint (run_finish (run), ==, 2);
      g_assert_cmpstr (run->out, ==, "");
      g_assert_true (g_str_has_prefix (run->err, "kassa: "));
      g_assert_cmpuint (strlen (run->err), >, 20);
      if (bad_lines[i].in_message != NULL)
        g_assert_nonnull (strstr (run->err, bad_lines[i].in_message));
    }

  /* One Kassa, one journal. */
  {
    g_autofree char *other = g_build_filename (f->tmpdir, "other.sqlite", NULL);
    g_autoptr(Run) run = run_start (f, env_path ("KASSA"), "--journal", other, "--charge", "1500",
                                    NULL);

    g_assert_cmpint (run_finish (run), ==, 2);
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
  state = till_state (f);
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
  g_autoptr(GVariant) training = NULL;
  g_autoptr(JsonObject) charged = NULL;
  g_autoptr(JsonObject) cancelled = NULL;
  g_autoptr(JsonArray) history = NULL;
  g_autoptr(Run) busy = NULL;
  g_autoptr(Run) declined = NULL;
  g_autoptr(Run) no_wait = NULL;
  g_autoptr(JsonObject) declined_json = NULL;
  g_autoptr(JsonObject) awaiting = NULL;
  g_autofree char *number = NULL;
  const char *json;

  if (g_test_failed () || f->bus == NULL)
    return;

  start_kassa (f);

  training = g_dbus_connection_call_sync (f->bus, APP_ID, f->object_path,
                                          "org.freedesktop.DBus.Properties", "Get",
                                          g_variant_new ("(ss)", KASSA_DBUS_INTERFACE,
                                                         "Training"),
                                          G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1,
                                          NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GVariant) value = NULL;

    g_variant_get (training, "(v)", &value);
    g_assert_true (g_variant_get_boolean (value));
  }

  reply = till_call (f, "Charge", g_variant_new ("(xsss)", (gint64) 2500, "qr", "", "receipt-42"),
                     "(s)", &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &json);
  charged = parse_object (json);
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
  busy = run_start (f, env_path ("KASSA"), "--charge", "100", NULL);
  g_assert_cmpint (run_finish (busy), ==, 12);
  g_assert_cmpstr (busy->out, ==, "");
  g_assert_true (g_str_has_prefix (busy->err, "kassa: "));

  till_call_ok (f, "Cancel");
  cancelled = wait_for_state (f, "CANCELLED");
  g_assert_cmpstr (json_object_get_string_member (cancelled, "invoice"), ==, number);
  assert_signal_seen (f, number, "CANCELLED");
  assert_till_error (f, "Cancel", NULL, "NoPayment", KASSA_DBUS_ERROR_NO_PAYMENT);

  /* --wait exits 7 when the customer declines. */
  declined = run_start (f, env_path ("KASSA"), "--charge", "1 000", "--wait", "--reference",
                        "receipt-43", NULL);
  awaiting = wait_for_state (f, "AWAITING_PAYMENT");
  g_assert_cmpint (json_object_get_int_member (awaiting, "amount"), ==, 1000);
  g_assert_false (declined->done);
  till_call_ok (f, "TrainingCustomerDeclines");
  g_assert_cmpint (run_finish (declined), ==, 7);
  declined_json = parse_object (declined->out);
  g_assert_cmpstr (json_object_get_string_member (declined_json, "state"), ==, "DECLINED");
  g_assert_cmpstr (json_object_get_string_member (declined_json, "reference"), ==, "receipt-43");

  /* Without --wait: the invoice once it awaits payment, exit 0. */
  no_wait = run_start (f, env_path ("KASSA"), "--charge", "700", NULL);
  g_assert_cmpint (run_finish (no_wait), ==, 0);
  {
    g_autoptr(JsonObject) line = parse_object (no_wait->out);

    g_assert_cmpstr (json_object_get_string_member (line, "state"), ==, "AWAITING_PAYMENT");
    g_assert_cmpint (json_object_get_int_member (line, "amount"), ==, 700);
  }
  till_call_ok (f, "CheckNow");
  till_call_ok (f, "Cancel");
  g_clear_pointer (&cancelled, json_object_unref);
  cancelled = wait_for_state (f, "CANCELLED");
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
