/* test-ui-credentials.c — the bank credentials dialog against kassa-bank-sim as a real process
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The dialog is driven through its public surface: the rows it exposes for
 * tests (gtk_editable_set_text) and its actions ("credentials.test",
 * "credentials.save"). Settings use the memory GSettings backend, the secret
 * the file fallback (no Secret Service runs in the test session).
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "kassa-credentials-dialog.h"
#include "kassa-secret-store.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"

#define WAIT_SECONDS 30

typedef struct
{
  KassaTestSim           *sim;
  GSettings              *settings;
  KassaCredentialsDialog *dialog;
  guint                   saved_count;
  char                   *secret_path;
} Fixture;

static void
on_saved_cb (KassaCredentialsDialog *dialog,
             gpointer                user_data)
{
  Fixture *f = user_data;

  f->saved_count++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->sim = kassa_test_sim_spawnv (NULL);

  /* The memory backend lives as long as the process: start from the defaults. */
  f->settings = g_settings_new ("mn.kassa.Kassa");
  g_settings_reset (f->settings, "terminal");
  g_settings_reset (f->settings, "bank-url");

  f->secret_path = g_build_filename (g_get_user_config_dir (), "kassa",
                                     "secret-" KASSA_TEST_TERMINAL, NULL);

  /* weston opens new windows on the pointer's output: the screenshots' one. */
  kassa_test_ui_pointer_to (0);
  f->dialog = KASSA_CREDENTIALS_DIALOG (kassa_credentials_dialog_new (NULL, f->settings));
  g_signal_connect (f->dialog, "saved", G_CALLBACK (on_saved_cb), f);
  gtk_window_present (GTK_WINDOW (f->dialog));
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_widget_is_mapped, f->dialog, WAIT_SECONDS));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  GtkWidget *dialog = GTK_WIDGET (g_steal_pointer (&f->dialog));

  /* Closing, then the last reference: no cycle keeps the dialog alive. */
  if (dialog != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
      gtk_window_close (GTK_WINDOW (dialog));
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_assert_null (dialog);
    }

  g_clear_object (&f->settings);
  g_clear_pointer (&f->sim, kassa_test_sim_free);
  g_free (f->secret_path);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static void
fill (Fixture    *f,
      const char *terminal,
      const char *secret,
      const char *url)
{
  gtk_editable_set_text (kassa_credentials_dialog_get_terminal_row (f->dialog), terminal);
  gtk_editable_set_text (kassa_credentials_dialog_get_secret_row (f->dialog), secret);
  gtk_editable_set_text (kassa_credentials_dialog_get_url_row (f->dialog), url);
}

static gboolean
is_settled (gpointer data)
{
  KassaCredentialsStatus status = kassa_credentials_dialog_get_status (data);

  return status != KASSA_CREDENTIALS_STATUS_TESTING &&
         status != KASSA_CREDENTIALS_STATUS_SAVING;
}

/* Activates @action and waits for its verdict; returns the status. */
static KassaCredentialsStatus
run_action (Fixture    *f,
            const char *action)
{
  KassaCredentialsStatus status;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), action, NULL));
  g_assert_true (kassa_test_ui_wait (is_settled, f->dialog, WAIT_SECONDS));

  status = kassa_credentials_dialog_get_status (f->dialog);
  g_test_message ("%s → %d: %s", action, status,
                  kassa_credentials_dialog_get_status_message (f->dialog));

  return status;
}

static void
assert_message_has (Fixture    *f,
                    const char *part)
{
  const char *message = kassa_credentials_dialog_get_status_message (f->dialog);

  g_assert_nonnull (message);
  if (strstr (message, part) == NULL)
    g_error ("“%s” is not in the message “%s”", part, message);
}

static void
assert_message_lacks (Fixture    *f,
                      const char *part)
{
  const char *message = kassa_credentials_dialog_get_status_message (f->dialog);

  g_assert_null (strstr (message != NULL ? message : "", part));
}

/* Which rows are marked as wrong. */
static void
assert_marked (Fixture  *f,
               gboolean  terminal,
               gboolean  secret,
               gboolean  url)
{
  g_assert_cmpint (gtk_widget_has_css_class (
                     GTK_WIDGET (kassa_credentials_dialog_get_terminal_row (f->dialog)), "error"),
                   ==, terminal);
  g_assert_cmpint (gtk_widget_has_css_class (
                     GTK_WIDGET (kassa_credentials_dialog_get_secret_row (f->dialog)), "error"),
                   ==, secret);
  g_assert_cmpint (gtk_widget_has_css_class (
                     GTK_WIDGET (kassa_credentials_dialog_get_url_row (f->dialog)), "error"),
                   ==, url);
}

/* Nothing in GSettings, no secret anywhere. */
static void
assert_nothing_saved (Fixture *f)
{
  g_autofree char *terminal = g_settings_get_string (f->settings, "terminal");
  g_autofree char *url = g_settings_get_string (f->settings, "bank-url");

  g_assert_cmpstr (terminal, ==, "");
  g_assert_cmpstr (url, ==, "https://instore.golomtbank.com");
  g_assert_false (g_file_test (f->secret_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (f->saved_count, ==, 0);
}

static char *
stored_secret (const char *terminal)
{
  g_autoptr(KassaSecretStore) store = kassa_secret_store_new (KASSA_SECRET_BACKEND_FILE, NULL);
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = kassa_secret_store_lookup_sync (store, terminal, NULL, &error);
  g_assert_no_error (error);

  return secret;
}

static void
set_fault (Fixture    *f,
           const char *json)
{
  g_autofree char *reply = NULL;
  guint status = 0;

  reply = kassa_test_sim_control (f->sim, "/sim/fault", json, &status);
  g_assert_cmpuint (status, ==, 200);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void
test_defaults (Fixture       *f,
               gconstpointer  data)
{
  /* An unconfigured till: no terminal, the bank's production address. */
  g_assert_cmpstr (gtk_editable_get_text (kassa_credentials_dialog_get_terminal_row (f->dialog)),
                   ==, "");
  g_assert_cmpstr (gtk_editable_get_text (kassa_credentials_dialog_get_secret_row (f->dialog)),
                   ==, "");
  g_assert_cmpstr (gtk_editable_get_text (kassa_credentials_dialog_get_url_row (f->dialog)),
                   ==, "https://instore.golomtbank.com");
  g_assert_cmpint (kassa_credentials_dialog_get_status (f->dialog), ==,
                   KASSA_CREDENTIALS_STATUS_NONE);
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (f->dialog)));

  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->dialog), 0, "credentials-dialog"));
}

static void
test_connection_ok (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *spaced_url = NULL;

  fill (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, kassa_test_sim_get_url (f->sim));
  g_assert_cmpint (run_action (f, "credentials.test"), ==, KASSA_CREDENTIALS_STATUS_TEST_OK);
  assert_message_has (f, "connection works");
  assert_message_has (f, KASSA_TEST_TERMINAL);
  assert_message_lacks (f, KASSA_TEST_SECRET);
  assert_marked (f, FALSE, FALSE, FALSE);

  /* Spaces pasted around the terminal and the address do not matter. */
  spaced_url = g_strconcat (" ", kassa_test_sim_get_url (f->sim), "/ ", NULL);
  fill (f, " " KASSA_TEST_TERMINAL " ", KASSA_TEST_SECRET, spaced_url);
  g_assert_cmpint (run_action (f, "credentials.test"), ==, KASSA_CREDENTIALS_STATUS_TEST_OK);

  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->dialog), 0, "credentials-test-ok"));

  /* Testing saves nothing. */
  assert_nothing_saved (f);
}

static void
test_connection_refused_credentials (Fixture       *f,
                                     gconstpointer  data)
{
  /* A wrong secret: the bank's checksum error, in its own words. */
  fill (f, KASSA_TEST_TERMINAL, "not-the-secret", kassa_test_sim_get_url (f->sim));
  g_assert_cmpint (run_action (f, "credentials.test"), ==, KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  assert_message_has (f, "refused the secret key");
  assert_message_has (f, "CHECKSUM");
  assert_message_lacks (f, "not-the-secret");
  assert_marked (f, FALSE, TRUE, FALSE);
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->dialog), 0,
                                       "credentials-test-wrong-secret"));

  /* A terminal the bank does not know. */
  fill (f, "87654321", KASSA_TEST_SECRET, kassa_test_sim_get_url (f->sim));
  g_assert_cmpint (run_action (f, "credentials.test"), ==, KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  assert_message_has (f, "does not know terminal 87654321");
  assert_marked (f, TRUE, FALSE, FALSE);

  assert_nothing_saved (f);
}

static void
test_connection_unreachable (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GError) error = NULL;
  g_autofree char *closed_url = NULL;
  guint16 port;

  /* A port that was free a moment ago: nothing listens there. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, 0);
  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  g_clear_object (&address);
  address = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
  g_socket_close (socket, NULL);
  closed_url = g_strdup_printf ("http://127.0.0.1:%u", port);

  fill (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, closed_url);
  g_assert_cmpint (run_action (f, "credentials.test"), ==, KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  assert_message_has (f, "Could not reach the bank");
  assert_message_has (f, closed_url);
  assert_marked (f, FALSE, FALSE, TRUE);

  /* The bank holds the request past the dialog's patience. */
  kassa_credentials_dialog_set_test_timeout (f->dialog, 1);
  set_fault (f, "{\"endpoint\": \"check\", \"kind\": \"delay\", \"delay_ms\": 5000, \"count\": 1}");
  fill (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, kassa_test_sim_get_url (f->sim));
  g_assert_cmpint (run_action (f, "credentials.test"), ==, KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  assert_message_has (f, "did not answer within 1 second");

  /* Something answers, but not with the bank's envelope. */
  set_fault (f, "{\"endpoint\": \"check\", \"kind\": \"malformed\", \"count\": 1}");
  g_assert_cmpint (run_action (f, "credentials.test"), ==, KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  assert_message_has (f, "not the bank’s payment service");

  /* The bank's own failure. */
  set_fault (f, "{\"endpoint\": \"check\", \"kind\": \"code500\", \"count\": 1}");
  g_assert_cmpint (run_action (f, "credentials.test"), ==, KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  assert_message_has (f, "problem on its side");

  /* Faults used up: the same values work. */
  g_assert_cmpint (run_action (f, "credentials.test"), ==, KASSA_CREDENTIALS_STATUS_TEST_OK);

  assert_nothing_saved (f);
}

/* A bank whose certificate this computer does not trust. */
static void
test_connection_tls (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  KassaTestSim *tls_sim;
  const char * const req[] = {
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "server.key", "-out", "server.pem",
    NULL,
  };

  /* As in test-bank-client: LeakSanitizer and glib-networking's GnuTLS do not mix. */
  if (g_getenv ("KASSA_TEST_NO_TLS") != NULL)
    {
      g_test_skip ("KASSA_TEST_NO_TLS is set (sanitizer run)");
      return;
    }

  if (openssl == NULL)
    {
      g_test_skip ("the openssl command is not installed");
      return;
    }

  dir = g_build_filename (g_get_user_runtime_dir (), "tls", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  kassa_test_run_openssl (dir, req);
  cert = g_build_filename (dir, "server.pem", NULL);
  key = g_build_filename (dir, "server.key", NULL);

  tls_sim = kassa_test_sim_spawn ("--tls-cert", cert, "--tls-key", key, NULL);
  g_assert_true (g_str_has_prefix (kassa_test_sim_get_url (tls_sim), "https://"));

  fill (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, kassa_test_sim_get_url (tls_sim));
  g_assert_cmpint (run_action (f, "credentials.test"), ==, KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  assert_message_has (f, "identity could not be verified");

  kassa_test_sim_free (tls_sim);
  assert_nothing_saved (f);
}

static void
assert_secret_not_in_settings (Fixture    *f,
                               const char *secret)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (f->settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_settings_get_value (f->settings, keys[i]);
      g_autofree char *printed = g_variant_print (value, FALSE);

      g_assert_null (strstr (printed, secret));
    }
}

static void
test_save (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *terminal = NULL;
  g_autofree char *url = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *other_url = NULL;
  struct stat st;

  fill (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, kassa_test_sim_get_url (f->sim));
  g_assert_cmpint (run_action (f, "credentials.save"), ==, KASSA_CREDENTIALS_STATUS_SAVED);
  assert_message_has (f, "next start");
  g_assert_cmpuint (f->saved_count, ==, 1);

  terminal = g_settings_get_string (f->settings, "terminal");
  url = g_settings_get_string (f->settings, "bank-url");
  g_assert_cmpstr (terminal, ==, KASSA_TEST_TERMINAL);
  g_assert_cmpstr (url, ==, kassa_test_sim_get_url (f->sim));

  /* The secret went to the private file, and nowhere else. */
  g_assert_cmpint (g_stat (f->secret_path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  secret = stored_secret (KASSA_TEST_TERMINAL);
  g_assert_cmpstr (secret, ==, KASSA_TEST_SECRET);
  assert_secret_not_in_settings (f, KASSA_TEST_SECRET);

  /* Not shown again once saved. */
  g_assert_cmpstr (gtk_editable_get_text (kassa_credentials_dialog_get_secret_row (f->dialog)),
                   ==, "");
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->dialog), 0, "credentials-saved"));

  /* An empty secret field keeps the stored key: test and save use it. */
  g_assert_cmpint (run_action (f, "credentials.test"), ==, KASSA_CREDENTIALS_STATUS_TEST_OK);
  other_url = g_strconcat (kassa_test_sim_get_url (f->sim), "/", NULL);
  gtk_editable_set_text (kassa_credentials_dialog_get_url_row (f->dialog), other_url);
  g_assert_cmpint (run_action (f, "credentials.save"), ==, KASSA_CREDENTIALS_STATUS_SAVED);
  g_assert_cmpuint (f->saved_count, ==, 2);
  g_clear_pointer (&url, g_free);
  url = g_settings_get_string (f->settings, "bank-url");
  g_assert_cmpstr (url, ==, other_url);
  g_clear_pointer (&secret, kassa_secret_free);
  secret = stored_secret (KASSA_TEST_TERMINAL);
  g_assert_cmpstr (secret, ==, KASSA_TEST_SECRET);

  /* A new secret replaces the old one. */
  gtk_editable_set_text (kassa_credentials_dialog_get_secret_row (f->dialog), "renewed key");
  g_assert_cmpint (run_action (f, "credentials.save"), ==, KASSA_CREDENTIALS_STATUS_SAVED);
  g_clear_pointer (&secret, kassa_secret_free);
  secret = stored_secret (KASSA_TEST_TERMINAL);
  g_assert_cmpstr (secret, ==, "renewed key");

  /* A dialog opened later shows what was saved, but never the secret. */
  {
    GtkWindow *again = kassa_credentials_dialog_new (NULL, f->settings);
    KassaCredentialsDialog *dialog = KASSA_CREDENTIALS_DIALOG (again);

    g_assert_cmpstr (gtk_editable_get_text (kassa_credentials_dialog_get_terminal_row (dialog)),
                     ==, KASSA_TEST_TERMINAL);
    g_assert_cmpstr (gtk_editable_get_text (kassa_credentials_dialog_get_url_row (dialog)),
                     ==, other_url);
    g_assert_cmpstr (gtk_editable_get_text (kassa_credentials_dialog_get_secret_row (dialog)),
                     ==, "");
    gtk_window_destroy (again);
  }
  kassa_secret_free (g_steal_pointer (&secret));
}

/* Every field is checked before anything is sent or saved. */
static void
test_invalid (Fixture       *f,
              gconstpointer  data)
{
  const char *url = kassa_test_sim_get_url (f->sim);
  struct {
    const char *terminal;
    const char *secret;
    const char *url;
    const char *message;
  } cases[] = {
    { "", KASSA_TEST_SECRET, url, "No terminal id" },
    { "1234567", KASSA_TEST_SECRET, url, "exactly 8 digits" },
    { "1234567a", KASSA_TEST_SECRET, url, "exactly 8 digits" },
    { KASSA_TEST_TERMINAL, "tab\tinside", url, "control characters" },
    { KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, "", "Enter the bank address" },
    { KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, "http://instore.golomtbank.com",
      "must start with https://" },
    { KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, "ftp://127.0.0.1", "must start with https://" },
    { KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, "instore.golomtbank.com", "bank address" },
    { KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, "https://bank.example/?x=1", "“?”" },
    /* Nothing stored for the terminal and nothing typed. */
    { KASSA_TEST_TERMINAL, "", url, "Enter the secret key" },
  };
  const char * const actions[] = { "credentials.save", "credentials.test" };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    for (gsize a = 0; a < G_N_ELEMENTS (actions); a++)
      {
        fill (f, cases[i].terminal, cases[i].secret, cases[i].url);
        g_assert_cmpint (run_action (f, actions[a]), ==, KASSA_CREDENTIALS_STATUS_INVALID);
        assert_message_has (f, cases[i].message);
        assert_message_lacks (f, "tab\tinside");
        assert_nothing_saved (f);
      }

  /* All three wrong: all three said at once. */
  fill (f, "12", "line\nbreak", "http://example.com");
  g_assert_cmpint (run_action (f, "credentials.save"), ==, KASSA_CREDENTIALS_STATUS_INVALID);
  assert_message_has (f, "8 digits");
  assert_message_has (f, "control characters");
  assert_message_has (f, "https://");
  assert_marked (f, TRUE, TRUE, TRUE);
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->dialog), 0, "credentials-invalid"));
  assert_nothing_saved (f);

  /* http is fine to this computer (the simulator, training). */
  fill (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, "http://localhost:9");
  g_assert_cmpint (run_action (f, "credentials.save"), ==, KASSA_CREDENTIALS_STATUS_SAVED);
}

/* A secret store that refuses (a configuration folder others can open):
 * the save fails with its reason, and GSettings stays as it was. */
static void
test_save_refused (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *directory = g_build_filename (g_get_user_config_dir (), "kassa", NULL);

  g_assert_cmpint (g_mkdir_with_parents (directory, 0755), ==, 0);
  g_assert_cmpint (g_chmod (directory, 0755), ==, 0);

  fill (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, kassa_test_sim_get_url (f->sim));
  g_assert_cmpint (run_action (f, "credentials.save"), ==, KASSA_CREDENTIALS_STATUS_SAVE_FAILED);
  assert_message_has (f, "chmod 700");
  assert_message_lacks (f, KASSA_TEST_SECRET);
  assert_nothing_saved (f);

  g_assert_cmpint (g_chmod (directory, 0700), ==, 0);
  g_assert_cmpint (run_action (f, "credentials.save"), ==, KASSA_CREDENTIALS_STATUS_SAVED);
}

static gboolean
is_active (gpointer data)
{
  return gtk_window_is_active (GTK_WINDOW (data));
}

static gboolean
is_saved (gpointer data)
{
  return kassa_credentials_dialog_get_status (data) == KASSA_CREDENTIALS_STATUS_SAVED;
}

/* Keyboard only, through GTK's own event path: the terminal field has the
 * focus, Tab moves on, Enter saves, Escape closes. */
static void
test_keyboard (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *terminal = NULL;
  GtkWidget *dialog;
  char *secret;

  if (!kassa_test_ui_wait (is_active, f->dialog, WAIT_SECONDS))
    g_error ("the dialog never got the keyboard focus");
  kassa_test_ui_keys (0, "1", "2", "3", "4", "5", "6", "7", "8", "Tab",
                      "s", "e", "c", "r", "e", "t", "1", "2", "3", "Return", NULL);
  if (!kassa_test_ui_wait (is_saved, f->dialog, WAIT_SECONDS))
    g_error ("not saved: status %d “%s”, terminal “%s”, focus %s",
             kassa_credentials_dialog_get_status (f->dialog),
             kassa_credentials_dialog_get_status_message (f->dialog),
             gtk_editable_get_text (kassa_credentials_dialog_get_terminal_row (f->dialog)),
             gtk_window_get_focus (GTK_WINDOW (f->dialog))
             ? G_OBJECT_TYPE_NAME (gtk_window_get_focus (GTK_WINDOW (f->dialog))) : "none");

  terminal = g_settings_get_string (f->settings, "terminal");
  g_assert_cmpstr (terminal, ==, KASSA_TEST_TERMINAL);
  secret = stored_secret (KASSA_TEST_TERMINAL);
  g_assert_cmpstr (secret, ==, KASSA_TEST_SECRET);
  kassa_secret_free (secret);

  /* Escape closes, and closing frees it. */
  dialog = GTK_WIDGET (g_steal_pointer (&f->dialog));
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
  kassa_test_ui_keys (0, "Escape", NULL);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_pointer_is_null, &dialog, WAIT_SECONDS));
}

static GtkWidget *
find_action_button (GtkWidget  *widget,
                    const char *action)
{
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0 &&
      gtk_widget_get_visible (widget))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_action_button (child, action);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Nothing is saved while a test runs: "Save" is off until the verdict. */
static void
test_no_save_while_testing (Fixture       *f,
                            gconstpointer  data)
{
  GtkWidget *save_button = find_action_button (GTK_WIDGET (f->dialog), "credentials.save");

  g_assert_nonnull (save_button);
  g_assert_true (gtk_widget_is_sensitive (save_button));

  set_fault (f, "{\"endpoint\": \"check\", \"kind\": \"delay\", \"delay_ms\": 2000, \"count\": 1}");
  fill (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, kassa_test_sim_get_url (f->sim));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->dialog), "credentials.test", NULL));
  g_assert_cmpint (kassa_credentials_dialog_get_status (f->dialog), ==,
                   KASSA_CREDENTIALS_STATUS_TESTING);
  g_assert_false (gtk_widget_is_sensitive (save_button));

  gtk_widget_activate_action (GTK_WIDGET (f->dialog), "credentials.save", NULL);
  g_assert_cmpint (kassa_credentials_dialog_get_status (f->dialog), ==,
                   KASSA_CREDENTIALS_STATUS_TESTING);

  g_assert_true (kassa_test_ui_wait (is_settled, f->dialog, WAIT_SECONDS));
  g_assert_cmpint (kassa_credentials_dialog_get_status (f->dialog), ==,
                   KASSA_CREDENTIALS_STATUS_TEST_OK);
  g_assert_true (gtk_widget_is_sensitive (save_button));
  assert_nothing_saved (f);
}

int
main (int   argc,
      char *argv[])
{
  if (!kassa_test_ui_init_with_file_secrets (&argc, &argv, "/credentials/no-display"))
    return g_test_run ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/credentials/defaults", test_defaults);
  ADD ("/credentials/test/ok", test_connection_ok);
  ADD ("/credentials/test/refused-credentials", test_connection_refused_credentials);
  ADD ("/credentials/test/unreachable", test_connection_unreachable);
  ADD ("/credentials/test/tls", test_connection_tls);
  ADD ("/credentials/save", test_save);
  ADD ("/credentials/save-refused", test_save_refused);
  ADD ("/credentials/invalid", test_invalid);
  ADD ("/credentials/keyboard", test_keyboard);
  ADD ("/credentials/no-save-while-testing", test_no_save_while_testing);

#undef ADD

  return g_test_run ();
}
