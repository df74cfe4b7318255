/* test-ui-preferences.c — the preferences window, its checks, the PIN, the settings applied
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window runs over a training till (journal, training bank, till,
 * counter: kassa_test_ui_till_open()) with the memory GSettings backend and
 * the file secret store. Rows are driven through their public surface
 * (gtk_editable_set_text + AdwEntryRow::apply, the combo rows' "selected",
 * the switches), the PIN dialog through real key presses. The last test runs
 * KassaApplication itself in this process and checks that the till and the
 * cashier window follow the settings.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/fs.h>

#include <adwaita.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "kassa-application.h"
#include "kassa-autostart.h"
#include "kassa-error.h"
#include "kassa-escpos-decode.h"
#include "kassa-escpos.h"
#include "kassa-manager.h"
#include "kassa-pin-dialog.h"
#include "kassa-preferences-window.h"
#include "kassa-printer.h"
#include "kassa-secret-store.h"
#include "kassa-test-cups.h"
#include "kassa-test-portal.h"
#include "kassa-test-printer-util.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"
#include "kassa-window.h"

#define WAIT_SECONDS 30
#define MANAGER_PIN "2468"

typedef struct
{
  KassaTestTill           t;
  GSettings              *settings;
  KassaPreferencesWindow *window;
} Fixture;

static void
reset_settings (GSettings *settings)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  /* The memory backend lives as long as the process: start from the defaults. */
  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);
}

static KassaManager *
manager_of (Fixture *f)
{
  return kassa_till_get_manager (f->t.till);
}

static void
open_window (Fixture *f)
{
  /* weston opens new windows on the pointer's output: the screenshots' one. */
  kassa_test_ui_pointer_to (0);
  f->window = KASSA_PREFERENCES_WINDOW (kassa_preferences_window_new (NULL, f->t.counter,
                                                                      f->settings));
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_widget_is_mapped, f->window, WAIT_SECONDS));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->settings = g_settings_new ("mn.kassa.Kassa");
  reset_settings (f->settings);
  kassa_test_ui_till_open (&f->t, "preferences", 10, 0);

  if (GPOINTER_TO_INT (data))
    open_window (f);
}

static void
close_window (GtkWidget *window)
{
  /* Closing, then the last reference: no cycle keeps the window alive. */
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_pointer_is_null, &window, WAIT_SECONDS));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->window != NULL)
    close_window (GTK_WIDGET (g_steal_pointer (&f->window)));

  kassa_test_ui_till_close (&f->t);
  g_clear_object (&f->settings);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static GtkWidget *
row (Fixture    *f,
     const char *key)
{
  GtkWidget *widget = kassa_preferences_window_get_row (f->window, key);

  g_assert_nonnull (widget);
  return widget;
}

/* Types @text into the row of @key and presses its apply button. */
static void
apply_text (Fixture    *f,
            const char *key,
            const char *text)
{
  GtkWidget *entry_row = row (f, key);

  gtk_editable_set_text (GTK_EDITABLE (entry_row), text);
  g_signal_emit_by_name (entry_row, "apply");
}

static void
assert_message_has (Fixture    *f,
                    const char *part)
{
  const char *message = kassa_preferences_window_get_message (f->window);

  g_assert_nonnull (message);
  if (strstr (message, part) == NULL)
    g_error ("“%s” is not in the message “%s”", part, message);
}

static void
screenshot (Fixture    *f,
            const char *name)
{
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->window), 0, name));
}

static void
show_page_of (Fixture    *f,
              const char *key)
{
  GtkWidget *page = gtk_widget_get_ancestor (row (f, key), ADW_TYPE_PREFERENCES_PAGE);

  /* As a click on the page switcher does: GTK 4.8 warns when a focused
   * entry is hidden with its page. */
  gtk_window_set_focus (GTK_WINDOW (f->window), NULL);
  adw_preferences_window_set_visible_page (ADW_PREFERENCES_WINDOW (f->window),
                                           ADW_PREFERENCES_PAGE (page));
}

static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWindow *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) &&
          gtk_widget_get_visible (GTK_WIDGET (window)))
        return window;
    }

  return NULL;
}

static gboolean
pin_dialog_shown (gpointer data)
{
  return find_toplevel (KASSA_TYPE_PIN_DIALOG) != NULL;
}

static gboolean
pin_dialog_gone (gpointer data)
{
  return find_toplevel (KASSA_TYPE_PIN_DIALOG) == NULL;
}

static gboolean
pin_dialog_has_message (gpointer data)
{
  GtkWindow *dialog = find_toplevel (KASSA_TYPE_PIN_DIALOG);

  return dialog != NULL && kassa_pin_dialog_get_message (KASSA_PIN_DIALOG (dialog)) != NULL;
}

/* Types @pin and Enter into the PIN dialog, through GTK's own event path. */
static void
type_pin (const char *pin)
{
  if (!kassa_test_ui_wait (pin_dialog_shown, NULL, WAIT_SECONDS))
    g_error ("no PIN dialog opened");
  kassa_test_ui_wait_active (find_toplevel (KASSA_TYPE_PIN_DIALOG), "the PIN dialog");

  for (const char *p = pin; *p != '\0'; p++)
    {
      char key[2] = { *p, '\0' };

      kassa_test_ui_keys (0, key, NULL);
    }
  kassa_test_ui_keys (0, "Return", NULL);
}

static void
set_pin (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (kassa_manager_set_pin (manager_of (f), NULL, MANAGER_PIN, &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */

static void
test_defaults (Fixture       *f,
               gconstpointer  data)
{
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "poll-fast-ms"))), ==, "1000");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "poll-fast-period-s"))), ==,
                   "120");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "poll-slow-ms"))), ==, "3000");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "expiry-s"))), ==, "600");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "push-port"))), ==, "8089");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "bank-url"))), ==,
                   "https://instore.golomtbank.com");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "secret"))), ==, "");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (f, "qr-method"))), ==, 0);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (f, "paper-width"))), ==, 1);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (f, "language"))), ==, 0);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (f, "customer-display"))),
                    ==, 0);
  /* Two weston outputs, both listed after "automatic". */
  g_assert_cmpuint (g_list_model_get_n_items (
                      adw_combo_row_get_model (ADW_COMBO_ROW (row (f, "customer-display")))),
                    ==, 1 + g_list_model_get_n_items (
                      gdk_display_get_monitors (gdk_display_get_default ())));
  g_assert_false (g_settings_get_boolean (f->settings, "push-enabled"));
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (f->window)));

  /* No PIN yet: the window offers to set one (no "current PIN" to give). */
  g_assert_false (gtk_widget_get_visible (row (f, "pin-old")));

  screenshot (f, "preferences-general");
  show_page_of (f, "poll-fast-ms");
  screenshot (f, "preferences-payments");
  show_page_of (f, "printer-name");
  screenshot (f, "preferences-devices");
}

/* Applies @text to the row of @key: refused, the message has @message, the
 * row is marked, and GSettings keeps its value. */
static void
assert_refused (Fixture    *f,
                const char *key,
                const char *text,
                const char *message)
{
  g_autoptr(GVariant) before = g_settings_get_value (f->settings, key);
  g_autoptr(GVariant) after = NULL;

  g_test_message ("%s = “%s”", key, text);
  apply_text (f, key, text);
  assert_message_has (f, message);
  g_assert_true (kassa_preferences_window_get_message_is_error (f->window));
  g_assert_true (gtk_widget_has_css_class (row (f, key), "error"));

  after = g_settings_get_value (f->settings, key);
  g_assert_true (g_variant_equal (before, after));
}

/* Every refused value: the message says why, the row is marked, GSettings keeps its value. */
static void
test_invalid_values (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *long_name = g_strnfill (49, 'x');
  g_autofree char *long_printer = g_strnfill (128, 'p');
  struct {
    const char *key;
    const char *text;
    const char *message;
  } cases[] = {
    { "shop-name", "Tab\tinside", "control characters" },
    { "shop-name", long_name, "at most 48 characters" },
    { "poll-fast-ms", "", "from 250 to 10000" },
    { "poll-fast-ms", "abc", "from 250 to 10000" },
    { "poll-fast-ms", "249", "from 250 to 10000" },
    { "poll-fast-ms", "10001", "from 250 to 10000" },
    { "poll-fast-ms", "-500", "from 250 to 10000" },
    { "poll-fast-ms", "1.5", "from 250 to 10000" },
    { "poll-fast-ms", "99999999999999999999", "from 250 to 10000" },
    { "poll-fast-ms", "5000", "not be longer than the slow one (3000" },
    { "poll-fast-period-s", "3601", "from 0 to 3600" },
    { "poll-slow-ms", "500", "not be shorter than the fast one (1000" },
    { "poll-slow-ms", "60001", "from 250 to 60000" },
    { "expiry-s", "29", "from 30 to 3600" },
    { "expiry-s", "ten", "from 30 to 3600" },
    { "push-port", "80", "from 1024 to 65535" },
    { "push-port", "65536", "from 1024 to 65535" },
    { "printer-name", "My Printer", "no spaces" },
    { "printer-name", "a/b", "no spaces" },
    { "printer-name", long_printer, "at most 127 bytes" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GVariant) value = NULL;
      g_autoptr(GError) error = NULL;

      assert_refused (f, cases[i].key, cases[i].text, cases[i].message);
      g_assert_true (g_settings_get_user_value (f->settings, cases[i].key) == NULL);

      /* The check without the window says the same. */
      g_assert_false (kassa_preferences_check_value (f->settings, cases[i].key, cases[i].text,
                                                     &value, &error));
      g_assert_true (error->domain == KASSA_INPUT_ERROR);
      g_assert_nonnull (strstr (error->message, cases[i].message));
      g_assert_null (value);

      /* Typing again clears the mark. */
      gtk_editable_set_text (GTK_EDITABLE (row (f, cases[i].key)), "1");
      g_assert_false (gtk_widget_has_css_class (row (f, cases[i].key), "error"));
    }

  show_page_of (f, "poll-fast-ms");
  apply_text (f, "poll-slow-ms", "100");
  screenshot (f, "preferences-invalid");
}

static void
test_save_values (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *shop = NULL;
  g_autofree char *printer = NULL;
  g_autofree char *value = NULL;
  guint16 port = 0;

  apply_text (f, "shop-name", "  Номин дэлгүүр ");
  assert_message_has (f, "Saved");
  g_assert_false (kassa_preferences_window_get_message_is_error (f->window));
  shop = g_settings_get_string (f->settings, "shop-name");
  g_assert_cmpstr (shop, ==, "Номин дэлгүүр");

  /* The order matters for the pair: slow first, then a fast one above the old slow one. */
  apply_text (f, "poll-slow-ms", "8000");
  g_assert_cmpuint (g_settings_get_uint (f->settings, "poll-slow-ms"), ==, 8000);
  apply_text (f, "poll-fast-ms", "5000");
  g_assert_cmpuint (g_settings_get_uint (f->settings, "poll-fast-ms"), ==, 5000);
  apply_text (f, "poll-fast-period-s", "0");
  g_assert_cmpuint (g_settings_get_uint (f->settings, "poll-fast-period-s"), ==, 0);
  apply_text (f, "expiry-s", " 300 ");
  g_assert_cmpuint (g_settings_get_uint (f->settings, "expiry-s"), ==, 300);
  apply_text (f, "push-port", "18089");
  g_settings_get (f->settings, "push-port", "q", &port);
  g_assert_cmpuint (port, ==, 18089);
  apply_text (f, "printer-name", "Receipt_58");
  printer = g_settings_get_string (f->settings, "printer-name");
  g_assert_cmpstr (printer, ==, "Receipt_58");
  g_assert_false (kassa_preferences_window_get_message_is_error (f->window));

  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "qr-method")), 1);
  value = g_settings_get_string (f->settings, "qr-method");
  g_assert_cmpstr (value, ==, "deeplink");
  g_clear_pointer (&value, g_free);

  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "paper-width")), 0);
  value = g_settings_get_string (f->settings, "paper-width");
  g_assert_cmpstr (value, ==, "58mm");
  g_clear_pointer (&value, g_free);

  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "language")), 1);
  value = g_settings_get_string (f->settings, "language");
  g_assert_cmpstr (value, ==, "mn");
  g_clear_pointer (&value, g_free);
  assert_message_has (f, "starts again");

  /* The second monitor for the customer: remembered by connector and model. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "customer-display")), 2);
  {
    g_autoptr(GdkMonitor) monitor = g_list_model_get_item (
      gdk_display_get_monitors (gdk_display_get_default ()), 1);
    g_autofree char *connector = g_settings_get_string (f->settings,
                                                        "customer-display-connector");
    g_autofree char *model = g_settings_get_string (f->settings, "customer-display-model");

    g_assert_cmpstr (connector, ==, gdk_monitor_get_connector (monitor));
    g_assert_cmpstr (model, ==, gdk_monitor_get_model (monitor) ? gdk_monitor_get_model (monitor)
                                                                 : "");
  }

  /* Switches save as they are flipped (GtkSwitch's own "activate" animates
   * first: the state is set directly). */
  gtk_switch_set_active (GTK_SWITCH (find_descendant (row (f, "push-enabled"), GTK_TYPE_SWITCH)),
                         TRUE);
  g_assert_true (g_settings_get_boolean (f->settings, "push-enabled"));
  gtk_switch_set_active (GTK_SWITCH (find_descendant (row (f, "auto-print-receipts"),
                                                       GTK_TYPE_SWITCH)), TRUE);
  g_assert_true (g_settings_get_boolean (f->settings, "auto-print-receipts"));

  show_page_of (f, "printer-name");
  screenshot (f, "preferences-saved");

  /* A window opened later shows what was saved. */
  close_window (GTK_WIDGET (g_steal_pointer (&f->window)));
  open_window (f);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "poll-fast-ms"))), ==, "5000");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "shop-name"))), ==,
                   "Номин дэлгүүр");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (f, "qr-method"))), ==, 1);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (f, "customer-display"))),
                    ==, 2);
}

static gboolean
account_settled (gpointer data)
{
  KassaCredentialsStatus status = kassa_preferences_window_get_account_status (data);

  return status != KASSA_CREDENTIALS_STATUS_TESTING &&
         status != KASSA_CREDENTIALS_STATUS_SAVING;
}

static KassaCredentialsStatus
run_account_action (Fixture    *f,
                    const char *action)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), action, NULL));
  g_assert_true (kassa_test_ui_wait (account_settled, f->window, WAIT_SECONDS));

  return kassa_preferences_window_get_account_status (f->window);
}

static void
fill_account (Fixture    *f,
              const char *terminal,
              const char *secret,
              const char *url)
{
  gtk_editable_set_text (GTK_EDITABLE (row (f, "terminal")), terminal);
  gtk_editable_set_text (GTK_EDITABLE (row (f, "secret")), secret);
  gtk_editable_set_text (GTK_EDITABLE (row (f, "bank-url")), url);
}

static void
assert_account_unsaved (Fixture *f)
{
  g_autofree char *terminal = g_settings_get_string (f->settings, "terminal");

  g_assert_cmpstr (terminal, ==, "");
}

/* The bank account: the credentials dialog's checks and test, then the PIN to leave training. */
static void
test_account (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(KassaTestSim) sim = kassa_test_sim_spawnv (NULL);
  const char *url = kassa_test_sim_get_url (sim);
  g_autofree char *terminal = NULL;
  g_autofree char *saved_url = NULL;

  fill_account (f, "1234567", KASSA_TEST_SECRET, "http://example.com");
  g_assert_cmpint (run_account_action (f, "prefs.save-account"), ==,
                   KASSA_CREDENTIALS_STATUS_INVALID);
  assert_message_has (f, "8 digits");
  assert_message_has (f, "https://");
  g_assert_true (gtk_widget_has_css_class (row (f, "terminal"), "error"));
  g_assert_true (gtk_widget_has_css_class (row (f, "bank-url"), "error"));
  g_assert_false (gtk_widget_has_css_class (row (f, "secret"), "error"));
  assert_account_unsaved (f);
  screenshot (f, "preferences-account-invalid");

  /* Nothing typed and nothing stored. */
  fill_account (f, KASSA_TEST_TERMINAL, "", url);
  g_assert_cmpint (run_account_action (f, "prefs.save-account"), ==,
                   KASSA_CREDENTIALS_STATUS_INVALID);
  assert_message_has (f, "Enter the secret key");
  assert_account_unsaved (f);

  fill_account (f, KASSA_TEST_TERMINAL, "not-the-secret", url);
  g_assert_cmpint (run_account_action (f, "prefs.test-connection"), ==,
                   KASSA_CREDENTIALS_STATUS_TEST_FAILED);
  assert_message_has (f, "refused the secret key");
  g_assert_null (strstr (kassa_preferences_window_get_message (f->window), "not-the-secret"));

  fill_account (f, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, url);
  g_assert_cmpint (run_account_action (f, "prefs.test-connection"), ==,
                   KASSA_CREDENTIALS_STATUS_TEST_OK);
  assert_message_has (f, "connection works");
  assert_account_unsaved (f);

  /* Training mode with a manager PIN: saving asks it; a wrong one saves nothing. */
  set_pin (f);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.save-account",
                                             NULL));
  type_pin ("1357");
  g_assert_true (kassa_test_ui_wait (pin_dialog_has_message, NULL, WAIT_SECONDS));
  assert_account_unsaved (f);
  kassa_test_ui_keys (0, "Escape", NULL);
  g_assert_true (kassa_test_ui_wait (pin_dialog_gone, NULL, WAIT_SECONDS));
  g_assert_true (kassa_test_ui_wait (account_settled, f->window, WAIT_SECONDS));
  assert_message_has (f, "needs the manager PIN");
  assert_account_unsaved (f);

  /* The right PIN: saved. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.save-account",
                                             NULL));
  type_pin (MANAGER_PIN);
  g_assert_true (kassa_test_ui_wait (pin_dialog_gone, NULL, WAIT_SECONDS));
  g_assert_true (kassa_test_ui_wait (account_settled, f->window, WAIT_SECONDS));
  g_assert_cmpint (kassa_preferences_window_get_account_status (f->window), ==,
                   KASSA_CREDENTIALS_STATUS_SAVED);
  assert_message_has (f, "next start");
  terminal = g_settings_get_string (f->settings, "terminal");
  saved_url = g_settings_get_string (f->settings, "bank-url");
  g_assert_cmpstr (terminal, ==, KASSA_TEST_TERMINAL);
  g_assert_cmpstr (saved_url, ==, url);
  /* Never shown again once saved. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "secret"))), ==, "");
  screenshot (f, "preferences-account-saved");
}

static gboolean
preferences_shown (gpointer data)
{
  return find_toplevel (KASSA_TYPE_PREFERENCES_WINDOW) != NULL;
}

/* Opening the window asks the manager PIN, and only the right one opens it. */
static void
test_pin_required (Fixture       *f,
                   gconstpointer  data)
{
  GtkWindow *window;

  set_pin (f);
  kassa_test_ui_pointer_to (0);
  kassa_preferences_window_open (NULL, f->t.counter, f->settings);

  type_pin ("0000");
  g_assert_true (kassa_test_ui_wait (pin_dialog_has_message, NULL, WAIT_SECONDS));
  g_assert_false (preferences_shown (NULL));
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (find_toplevel (KASSA_TYPE_PIN_DIALOG)), 0,
                                       "preferences-pin-wrong"));

  /* Closing the PIN dialog opens nothing. */
  kassa_test_ui_keys (0, "Escape", NULL);
  g_assert_true (kassa_test_ui_wait (pin_dialog_gone, NULL, WAIT_SECONDS));
  g_assert_false (preferences_shown (NULL));

  kassa_preferences_window_open (NULL, f->t.counter, f->settings);
  type_pin (MANAGER_PIN);
  g_assert_true (kassa_test_ui_wait (preferences_shown, NULL, WAIT_SECONDS));
  window = find_toplevel (KASSA_TYPE_PREFERENCES_WINDOW);
  f->window = KASSA_PREFERENCES_WINDOW (window);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_widget_is_mapped, f->window, WAIT_SECONDS));
  /* With a PIN set, changing it needs the current one. */
  g_assert_true (gtk_widget_get_visible (row (f, "pin-old")));
}

/* No PIN yet: the window opens, and sets one (checked, typed twice). */
static void
test_pin_set (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  KassaManager *manager = manager_of (f);

  kassa_test_ui_pointer_to (0);
  kassa_preferences_window_open (NULL, f->t.counter, f->settings);
  g_assert_true (kassa_test_ui_wait (preferences_shown, NULL, WAIT_SECONDS));
  f->window = KASSA_PREFERENCES_WINDOW (find_toplevel (KASSA_TYPE_PREFERENCES_WINDOW));
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_widget_is_mapped, f->window, WAIT_SECONDS));
  g_assert_false (kassa_manager_has_pin (manager));

  gtk_editable_set_text (GTK_EDITABLE (row (f, "pin-new")), "12");
  gtk_editable_set_text (GTK_EDITABLE (row (f, "pin-confirm")), "12");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.set-pin", NULL));
  g_assert_true (kassa_preferences_window_get_message_is_error (f->window));
  g_assert_true (gtk_widget_has_css_class (row (f, "pin-new"), "error"));
  g_assert_false (kassa_manager_has_pin (manager));

  gtk_editable_set_text (GTK_EDITABLE (row (f, "pin-new")), "123456");
  gtk_editable_set_text (GTK_EDITABLE (row (f, "pin-confirm")), "123465");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.set-pin", NULL));
  assert_message_has (f, "differ");
  g_assert_false (kassa_manager_has_pin (manager));

  gtk_editable_set_text (GTK_EDITABLE (row (f, "pin-confirm")), "123456");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.set-pin", NULL));
  assert_message_has (f, "is set");
  g_assert_true (kassa_manager_has_pin (manager));
  g_assert_true (gtk_widget_get_visible (row (f, "pin-old")));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "pin-new"))), ==, "");

  /* Changing it needs the current PIN. */
  gtk_editable_set_text (GTK_EDITABLE (row (f, "pin-old")), "654321");
  gtk_editable_set_text (GTK_EDITABLE (row (f, "pin-new")), "9753");
  gtk_editable_set_text (GTK_EDITABLE (row (f, "pin-confirm")), "9753");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.set-pin", NULL));
  g_assert_true (kassa_preferences_window_get_message_is_error (f->window));
  g_assert_true (gtk_widget_has_css_class (row (f, "pin-old"), "error"));

  gtk_editable_set_text (GTK_EDITABLE (row (f, "pin-old")), "123456");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.set-pin", NULL));
  assert_message_has (f, "changed");

  /* The new PIN is the one that authorises now. */
  g_assert_false (kassa_manager_set_pin (manager, "123456", "1111", &error));
  g_assert_error (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_WRONG_PIN);
  g_clear_error (&error);
  g_assert_true (kassa_manager_set_pin (manager, "9753", "1111", &error));
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */
/* The application applies the settings                                */

typedef struct
{
  KassaApplication *app;
  char             *tmpdir;
  gboolean          ran;
} AppRun;

static gboolean
app_ready (gpointer data)
{
  AppRun *run = data;
  KassaCounter *counter = kassa_application_get_counter (run->app);
  GtkWindow *window = kassa_application_get_cashier_window (run->app);

  return counter != NULL && kassa_till_get_recovered (kassa_counter_get_till (counter)) &&
         window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window));
}

static void
assert_schedule (KassaTill *till,
                 guint      fast_ms,
                 guint      fast_period_s,
                 guint      slow_ms)
{
  guint f = 0, p = 0, s = 0;

  kassa_till_get_poll_schedule (till, &f, &p, &s);
  g_assert_cmpuint (f, ==, fast_ms);
  g_assert_cmpuint (p, ==, fast_period_s);
  g_assert_cmpuint (s, ==, slow_ms);
}

static gboolean
app_body_cb (gpointer user_data)
{
  AppRun *run = user_data;
  GSettings *settings;
  KassaTill *till;
  KassaWindow *window;

  if (!kassa_test_ui_wait (app_ready, run, WAIT_SECONDS))
    g_error ("Kassa did not start in training mode");

  settings = kassa_application_get_settings (run->app);
  till = kassa_counter_get_till (kassa_application_get_counter (run->app));
  window = KASSA_WINDOW (kassa_application_get_cashier_window (run->app));

  /* Started with the settings' values (reset to the defaults; the bank's are the same). */
  assert_schedule (till, 1000, 120, 3000);
  g_assert_cmpuint (kassa_till_get_expiry (till), ==, 600);
  g_assert_cmpint (kassa_window_get_qr_method (window), ==, KASSA_INVOICE_METHOD_QR);

  /* Changes apply at once. */
  g_settings_set_uint (settings, "poll-slow-ms", 7000);
  g_settings_set_uint (settings, "poll-fast-ms", 400);
  g_settings_set_uint (settings, "poll-fast-period-s", 30);
  g_settings_set_uint (settings, "expiry-s", 90);
  assert_schedule (till, 400, 30, 7000);
  g_assert_cmpuint (kassa_till_get_expiry (till), ==, 90);

  /* A pair out of order (edited by hand): the slow interval is never the shorter. */
  g_settings_set_uint (settings, "poll-slow-ms", 300);
  assert_schedule (till, 400, 30, 400);

  g_settings_set_string (settings, "qr-method", "deeplink");
  g_assert_cmpint (kassa_window_get_qr_method (window), ==, KASSA_INVOICE_METHOD_DEEPLINK);

  /* app.preferences without a PIN set: the window opens (and offers to set one). */
  g_action_group_activate_action (G_ACTION_GROUP (run->app), "preferences", NULL);
  if (!kassa_test_ui_wait (preferences_shown, NULL, WAIT_SECONDS))
    g_error ("app.preferences opened no preferences window");
  gtk_window_destroy (find_toplevel (KASSA_TYPE_PREFERENCES_WINDOW));

  run->ran = TRUE;
  g_application_quit (G_APPLICATION (run->app));

  return G_SOURCE_REMOVE;
}

static void
on_app_startup_cb (GApplication *app,
                   gpointer      user_data)
{
  kassa_test_ui_use_system_data ();
}

static void
test_app_applies (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("mn.kassa.Kassa");
  g_autoptr(GError) error = NULL;
  g_autofree char *journal = NULL;
  AppRun run = { NULL, NULL, FALSE };

  reset_settings (settings);
  run.tmpdir = g_dir_make_tmp ("kassa-prefs-XXXXXX", &error);
  g_assert_no_error (error);
  journal = g_build_filename (run.tmpdir, "training.sqlite", NULL);
  g_setenv ("KASSA_JOURNAL", journal, TRUE);

  kassa_test_ui_pointer_to (0);
  run.app = kassa_application_new ();
  g_application_set_flags (G_APPLICATION (run.app),
                           G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (run.app, "startup", G_CALLBACK (on_app_startup_cb), NULL);
  g_idle_add (app_body_cb, &run);
  g_assert_cmpint (g_application_run (G_APPLICATION (run.app), 0, NULL), ==, 0);
  g_assert_true (run.ran);
  g_assert_finalize_object (run.app);

  g_unsetenv ("KASSA_JOURNAL");
  g_free (run.tmpdir);
}

static gboolean
has_label_with (GtkWidget  *widget,
                const char *part)
{
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), part) != NULL)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_label_with (child, part))
      return TRUE;

  return FALSE;
}

static gboolean
names_stored_terminal (gpointer data)
{
  return has_label_with (GTK_WIDGET (data), "A secret key for terminal " KASSA_TEST_TERMINAL
                                            " is stored already");
}

static gboolean
names_no_stored_terminal (gpointer data)
{
  return !names_stored_terminal (data);
}

/* As the credentials dialog: the terminal whose key is stored already is named. */
static void
test_account_names_stored (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(KassaSecretStore) store = kassa_secret_store_new (KASSA_SECRET_BACKEND_FILE, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (kassa_secret_store_store_sync (store, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                                                NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_settings_set_string (f->settings, "terminal", KASSA_TEST_TERMINAL));

  open_window (f);
  g_assert_true (kassa_test_ui_wait (names_stored_terminal, f->window, WAIT_SECONDS));
  /* The training note stays. */
  g_assert_true (has_label_with (GTK_WIDGET (f->window), "Kassa runs in training mode now"));

  /* Another terminal has no key stored. */
  gtk_editable_set_text (GTK_EDITABLE (row (f, "terminal")), "87654321");
  g_assert_true (kassa_test_ui_wait (names_no_stored_terminal, f->window, WAIT_SECONDS));
}

/* ------------------------------------------------------------------ */
/* Starting at login (each test has its own XDG_CONFIG_HOME)           */

static GtkSwitch *
autostart_switch (Fixture *f)
{
  GtkWidget *widget = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row (f,
                                                                                  "autostart")));

  g_assert_true (GTK_IS_SWITCH (widget));
  return GTK_SWITCH (widget);
}

static gboolean
switch_is_on (gpointer data)
{
  return gtk_switch_get_active (GTK_SWITCH (data));
}

static gboolean
switch_is_off (gpointer data)
{
  return !gtk_switch_get_active (GTK_SWITCH (data));
}

/* As a click on the row: its switch flips (at the end of its animation). */
static void
activate_autostart (Fixture *f)
{
  GtkSwitch *sw = autostart_switch (f);
  gboolean was_on = gtk_switch_get_active (sw);

  adw_action_row_activate (ADW_ACTION_ROW (row (f, "autostart")));
  g_assert_true (kassa_test_ui_wait (was_on ? switch_is_off : switch_is_on, sw, WAIT_SECONDS));
}

static void
test_autostart (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *path = kassa_autostart_path (APP_ID);
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *exec = NULL;
  g_auto(GStrv) argv = NULL;
  int argc = 0;

  g_assert_true (g_str_has_prefix (path, g_get_user_config_dir ()));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  open_window (f);
  g_assert_true (gtk_widget_is_visible (row (f, "autostart")));
  g_assert_false (gtk_switch_get_active (autostart_switch (f)));

  activate_autostart (f);
  g_assert_true (gtk_switch_get_active (autostart_switch (f)));
  g_assert_true (g_key_file_load_from_file (entry, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  exec = g_key_file_get_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC,
                                &error);
  g_assert_no_error (error);
  /* A command line (quoted): the installed kassa, alone. */
  g_assert_true (g_shell_parse_argv (exec, &argc, &argv, &error));
  g_assert_no_error (error);
  g_assert_cmpint (argc, ==, 1);
  g_assert_true (g_str_has_suffix (argv[0], "/kassa"));
  g_assert_cmpstr (argv[0], ==, BINDIR "/kassa");
  g_assert_true (kassa_autostart_get_enabled (APP_ID));
  g_assert_null (kassa_preferences_window_get_message (f->window));

  /* A new window shows the entry as it is. */
  close_window (GTK_WIDGET (g_steal_pointer (&f->window)));
  open_window (f);
  g_assert_true (gtk_switch_get_active (autostart_switch (f)));

  activate_autostart (f);
  g_assert_false (gtk_switch_get_active (autostart_switch (f)));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (kassa_autostart_get_enabled (APP_ID));
}

static gboolean
has_message (gpointer data)
{
  return kassa_preferences_window_get_message (KASSA_PREFERENCES_WINDOW (data)) != NULL;
}

static void
test_autostart_error (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *folder = g_build_filename (g_get_user_config_dir (), "autostart", NULL);
  g_autoptr(GError) error = NULL;

  /* The tests run as root: a mode does not stop writes, a file in the
   * folder's place does. */
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_config_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (folder, "not a folder", -1, &error));
  g_assert_no_error (error);

  open_window (f);
  g_assert_false (gtk_switch_get_active (autostart_switch (f)));
  adw_action_row_activate (ADW_ACTION_ROW (row (f, "autostart")));
  g_assert_true (kassa_test_ui_wait (has_message, f->window, WAIT_SECONDS));

  g_assert_false (gtk_switch_get_active (autostart_switch (f)));
  g_assert_false (gtk_switch_get_state (autostart_switch (f)));
  g_assert_true (kassa_preferences_window_get_message_is_error (f->window));
  assert_message_has (f, "Kassa cannot start at login");
  assert_message_has (f, folder);
  g_assert_true (g_file_test (folder, G_FILE_TEST_IS_REGULAR));
  g_assert_false (kassa_autostart_get_enabled (APP_ID));
}

/* ------------------------------------------------------------------ */
/* Starting at login inside Flatpak: the Background portal, a stand-in  */
/* on the harness' private session bus                                 */

/* Kassa believes it is inside Flatpak: $KASSA_FLATPAK_INFO names a file
 * that is there, as /.flatpak-info is in a sandbox. */
static void
pretend_flatpak (void)
{
  g_autofree char *info = g_build_filename (g_get_user_cache_dir (), "flatpak-info", NULL);

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_cache_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (info, "[Application]\nname=" APP_ID "\n", -1, NULL));
  g_setenv ("KASSA_FLATPAK_INFO", info, TRUE);
  g_assert_true (kassa_autostart_in_flatpak ());
}

static void
end_flatpak (void)
{
  g_unsetenv ("KASSA_FLATPAK_INFO");
  g_assert_false (kassa_autostart_in_flatpak ());
}

typedef struct
{
  KassaTestPortal *portal;
  guint            n;
} PortalWait;

static gboolean
portal_has_requests (gpointer data)
{
  PortalWait *w = data;

  return kassa_test_portal_n_requests (w->portal) >= w->n;
}

static gboolean
switch_state_is_on (gpointer data)
{
  return gtk_switch_get_state (GTK_SWITCH (data)) &&
         gtk_widget_is_sensitive (GTK_WIDGET (data));
}

static gboolean
switch_state_is_off (gpointer data)
{
  return !gtk_switch_get_state (GTK_SWITCH (data)) &&
         gtk_widget_is_sensitive (GTK_WIDGET (data));
}

static void
test_autostart_portal (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(KassaTestPortal) portal = kassa_test_portal_new (KASSA_TEST_PORTAL_GRANT);
  g_autofree char *path = kassa_autostart_path (APP_ID);
  PortalWait w = { portal, 1 };
  GtkSwitch *sw;

  pretend_flatpak ();
  g_assert_false (g_settings_get_boolean (f->settings, "autostart-requested"));
  open_window (f);
  g_assert_true (gtk_widget_is_visible (row (f, "autostart")));
  sw = autostart_switch (f);
  g_assert_false (gtk_switch_get_active (sw));

  /* The person is still looking at the desktop's question: the row waits. */
  kassa_test_portal_set_hold (portal, TRUE);
  adw_action_row_activate (ADW_ACTION_ROW (row (f, "autostart")));
  g_assert_true (kassa_test_ui_wait (portal_has_requests, &w, WAIT_SECONDS));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (sw)));
  g_assert_false (gtk_switch_get_state (sw));
  g_assert_false (g_settings_get_boolean (f->settings, "autostart-requested"));
  kassa_test_portal_assert_request (portal, 0, TRUE);

  kassa_test_portal_release (portal);
  g_assert_true (kassa_test_ui_wait (switch_state_is_on, sw, WAIT_SECONDS));
  g_assert_true (gtk_switch_get_active (sw));
  g_assert_true (g_settings_get_boolean (f->settings, "autostart-requested"));
  g_assert_null (kassa_preferences_window_get_message (f->window));
  /* The portal writes the host's entry, not Kassa. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* A new window shows the last answer. */
  close_window (GTK_WIDGET (g_steal_pointer (&f->window)));
  open_window (f);
  sw = autostart_switch (f);
  g_assert_true (gtk_switch_get_active (sw));

  adw_action_row_activate (ADW_ACTION_ROW (row (f, "autostart")));
  w.n = 2;
  g_assert_true (kassa_test_ui_wait (portal_has_requests, &w, WAIT_SECONDS));
  kassa_test_portal_assert_request (portal, 1, FALSE);
  g_assert_true (kassa_test_ui_wait (switch_state_is_off, sw, WAIT_SECONDS));
  g_assert_false (gtk_switch_get_active (sw));
  g_assert_false (g_settings_get_boolean (f->settings, "autostart-requested"));
  g_assert_null (kassa_preferences_window_get_message (f->window));
  g_assert_cmpuint (kassa_test_portal_n_requests (portal), ==, 2);
  end_flatpak ();
}

typedef struct
{
  KassaPreferencesWindow *window;
  char                   *before;
} MessageWait;

static gboolean
message_changed (gpointer data)
{
  MessageWait *w = data;
  const char *message = kassa_preferences_window_get_message (w->window);

  return message != NULL && g_strcmp0 (message, w->before) != 0;
}

/* Flips the switch (on when @was_on is FALSE) and waits for a new message;
 * the switch is back where it was, usable, and the key unchanged. */
static void
flip_autostart_refused (Fixture  *f,
                        gboolean  was_on)
{
  GtkSwitch *sw = autostart_switch (f);
  MessageWait w = { f->window, g_strdup (kassa_preferences_window_get_message (f->window)) };

  g_assert_cmpint (gtk_switch_get_active (sw), ==, was_on);
  adw_action_row_activate (ADW_ACTION_ROW (row (f, "autostart")));
  g_assert_true (kassa_test_ui_wait (message_changed, &w, WAIT_SECONDS));
  g_free (w.before);
  g_assert_true (kassa_test_ui_wait (was_on ? switch_state_is_on : switch_state_is_off, sw,
                                     WAIT_SECONDS));
  g_assert_cmpint (gtk_switch_get_active (sw), ==, was_on);
  g_assert_true (kassa_preferences_window_get_message_is_error (f->window));
  g_assert_cmpint (g_settings_get_boolean (f->settings, "autostart-requested"), ==, was_on);
}

static void
test_autostart_portal_refused (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(KassaTestPortal) portal = kassa_test_portal_new (KASSA_TEST_PORTAL_CANCEL);

  pretend_flatpak ();
  open_window (f);

  /* The person cancelled the desktop's question. */
  flip_autostart_refused (f, FALSE);
  assert_message_has (f, "Kassa cannot start at login");
  assert_message_has (f, "cancelled");
  kassa_test_portal_assert_request (portal, 0, TRUE);

  /* The desktop ended it otherwise. */
  kassa_test_portal_set_reply (portal, KASSA_TEST_PORTAL_FAIL);
  flip_autostart_refused (f, FALSE);
  assert_message_has (f, "turned the request down");

  /* An answer, but no autostart: said, and the switch shows it. */
  kassa_test_portal_set_reply (portal, KASSA_TEST_PORTAL_DENY_AUTOSTART);
  flip_autostart_refused (f, FALSE);
  assert_message_has (f, "did not allow Kassa to start at login");

  /* On, then a cancelled "off": still on. */
  g_assert_true (g_settings_set_boolean (f->settings, "autostart-requested", TRUE));
  close_window (GTK_WIDGET (g_steal_pointer (&f->window)));
  open_window (f);
  kassa_test_portal_set_reply (portal, KASSA_TEST_PORTAL_CANCEL);
  flip_autostart_refused (f, TRUE);
  assert_message_has (f, "Kassa cannot stop starting at login");
  kassa_test_portal_assert_request (portal, 3, FALSE);
  g_assert_cmpuint (kassa_test_portal_n_requests (portal), ==, 4);
  end_flatpak ();
}

static void
test_autostart_portal_none (Fixture       *f,
                            gconstpointer  data)
{
  /* No portal owns org.freedesktop.portal.Desktop on the session bus. */
  pretend_flatpak ();
  open_window (f);
  flip_autostart_refused (f, FALSE);
  assert_message_has (f, "Kassa cannot start at login");
  assert_message_has (f, "Background portal does not answer");
  end_flatpak ();
}

/* Whether the inode flag FS_IMMUTABLE_FL of @path could be set (@on) or
 * cleared: an immutable folder refuses even root's unlink (chattr +i). */
static gboolean
set_immutable (const char *path,
               gboolean    on)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int flags = 0;
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = ioctl (fd, FS_IOC_GETFLAGS, &flags) == 0;
  if (ok)
    {
      flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
      ok = ioctl (fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
  close (fd);
  return ok;
}

static void
test_autostart_remove_error (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *path = kassa_autostart_path (APP_ID);
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  GtkSwitch *sw;
  gboolean active;
  gboolean state;
  gboolean is_error;
  gboolean answered;

  g_assert_true (kassa_autostart_set_enabled (APP_ID, BINDIR "/kassa", TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &before, NULL, NULL));
  open_window (f);
  sw = autostart_switch (f);
  g_assert_true (gtk_switch_get_active (sw));

  /* The folder cannot change: a mode for a user, the immutable flag for root
   * (whom no mode stops). */
  if (geteuid () == 0)
    {
      if (!set_immutable (folder, TRUE))
        {
          g_test_skip ("the file system has no immutable flag (chattr +i) for the folder");
          return;
        }
    }
  else
    g_assert_cmpint (g_chmod (folder, 0500), ==, 0);

  adw_action_row_activate (ADW_ACTION_ROW (row (f, "autostart")));
  answered = kassa_test_ui_wait (has_message, f->window, WAIT_SECONDS);
  message = g_strdup (kassa_preferences_window_get_message (f->window));
  is_error = kassa_preferences_window_get_message_is_error (f->window);
  active = gtk_switch_get_active (sw);
  state = gtk_switch_get_state (sw);

  /* The folder as it was before any assertion can stop the test. */
  if (geteuid () == 0)
    g_assert_true (set_immutable (folder, FALSE));
  else
    g_assert_cmpint (g_chmod (folder, 0700), ==, 0);

  g_assert_true (answered);
  g_assert_nonnull (message);
  g_assert_true (is_error);
  g_assert_nonnull (strstr (message, "Kassa cannot stop starting at login"));
  g_assert_nonnull (strstr (message, path));
  g_assert_true (active);
  g_assert_true (state);
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);
  g_assert_true (kassa_autostart_get_enabled (APP_ID));
}

/* ------------------------------------------------------------------ */
/* The receipt printer group (issue 15)                                */

/* The index of the printer row's first choice whose label has @part, or -1. */
static int
printer_choice_index (Fixture    *f,
                      const char *part)
{
  GListModel *model = adw_combo_row_get_model (ADW_COMBO_ROW (row (f, "receipt-printer")));

  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      const char *label = gtk_string_list_get_string (GTK_STRING_LIST (model), i);

      if (strstr (label, part) != NULL)
        return (int) i;
    }

  return -1;
}

typedef struct
{
  Fixture    *f;
  const char *part;
} ChoiceWait;

static gboolean
printer_choice_listed (gpointer data)
{
  ChoiceWait *w = data;

  return printer_choice_index (w->f, w->part) >= 0;
}

static void
select_printer_choice (Fixture    *f,
                       const char *part)
{
  int index = printer_choice_index (f, part);

  if (index < 0)
    g_error ("no printer choice “%s”", part);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "receipt-printer")), (guint) index);
}

static const char *
subtitle_of (Fixture    *f,
             const char *key)
{
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row (f, key)));
}

static const char *
printers_found (Fixture *f)
{
  return adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (
                                                  row (f, "receipt-printer-group")));
}

static gboolean
discovery_done (gpointer data)
{
  Fixture *f = data;

  return strstr (printers_found (f), _("Looking for printers…")) == NULL;
}

/* A private cupsd's raw queue is listed, picked, and becomes cups:QUEUE;
 * Refresh lists a queue added while the window is open. */
static void
test_printer_cups (Fixture       *f,
                   gconstpointer  data)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = NULL;
  g_autoptr(KassaTestCups) cups = NULL;
  g_autofree char *device = NULL;
  g_autofree char *stored = NULL;
  ChoiceWait w = { f, "kassa-prefs-receipts" };
  ChoiceWait w2 = { f, "kassa-prefs-second" };

  if (!g_file_test ("/usr/sbin/cupsd", G_FILE_TEST_IS_EXECUTABLE) &&
      g_find_program_in_path ("cupsd") == NULL)
    {
      g_test_skip ("cupsd (Debian's cups-daemon) is not installed");
      return;
    }

  stand_in = kassa_test_printer_spawn (&options);
  cups = kassa_test_cups_start ();
  device = g_strdup_printf ("socket://127.0.0.1:%u", kassa_test_printer_get_port (stand_in));
  kassa_test_cups_add_raw_queue (cups, "kassa-prefs-receipts", device);
  /* The window looks in a new thread each time: it sees this server. */
  g_setenv ("CUPS_SERVER", kassa_test_cups_get_server (cups), TRUE);

  open_window (f);
  g_assert_true (kassa_test_ui_wait (printer_choice_listed, &w, WAIT_SECONDS));
  g_assert_true (kassa_test_ui_wait (discovery_done, f, WAIT_SECONDS));
  g_assert_nonnull (strstr (printers_found (f), "found on USB and in CUPS"));
  /* None first, the network last. */
  g_assert_cmpint (printer_choice_index (f, _("None (system print dialog)")), ==, 0);
  g_assert_cmpint (printer_choice_index (f, _("Network printer…")), >,
                   printer_choice_index (f, "kassa-prefs-receipts"));
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (f, "receipt-printer"))),
                    ==, 0);

  select_printer_choice (f, "kassa-prefs-receipts");
  stored = g_settings_get_string (f->settings, "receipt-printer");
  g_assert_cmpstr (stored, ==, "cups:kassa-prefs-receipts");
  g_assert_false (kassa_preferences_window_get_message_is_error (f->window));
  g_assert_false (gtk_widget_get_visible (row (f, "receipt-printer-address")));

  /* Refresh: a queue added now is listed; the chosen one stays chosen. */
  g_assert_cmpint (printer_choice_index (f, "kassa-prefs-second"), <, 0);
  kassa_test_cups_add_raw_queue (cups, "kassa-prefs-second", device);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.find-printers",
                                             NULL));
  g_assert_true (kassa_test_ui_wait (printer_choice_listed, &w2, WAIT_SECONDS));
  g_assert_true (kassa_test_ui_wait (discovery_done, f, WAIT_SECONDS));
  g_assert_cmpint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (f, "receipt-printer"))), ==,
                   printer_choice_index (f, "kassa-prefs-receipts"));

  /* None again: the print dialog path. */
  select_printer_choice (f, _("None (system print dialog)"));
  g_clear_pointer (&stored, g_free);
  stored = g_settings_get_string (f->settings, "receipt-printer");
  g_assert_cmpstr (stored, ==, "");

  show_page_of (f, "receipt-printer");
  screenshot (f, "preferences-receipt-printer");
  g_unsetenv ("CUPS_SERVER");
}

static void
apply_address (Fixture    *f,
               const char *text)
{
  GtkWidget *entry_row = row (f, "receipt-printer-address");

  gtk_editable_set_text (GTK_EDITABLE (entry_row), text);
  g_signal_emit_by_name (entry_row, "apply");
}

static void
assert_printer (Fixture    *f,
                const char *uri)
{
  g_autofree char *stored = g_settings_get_string (f->settings, "receipt-printer");

  g_assert_cmpstr (stored, ==, uri);
}

/* "Network printer…": host or host:port, port 9100 by default; a bad address
 * is refused at the row and changes nothing. */
static void
test_printer_network (Fixture       *f,
                      gconstpointer  data)
{
  const char *bad[] = { "", "two words", "printer.local:0", "printer.local:70000",
                        "10.0.0.5:port", "fe80::1", "-printer", "host:9100:1" };

  g_assert_false (gtk_widget_get_visible (row (f, "receipt-printer-address")));
  select_printer_choice (f, _("Network printer…"));
  /* Chosen, not saved until the address is applied. */
  g_assert_true (gtk_widget_get_visible (row (f, "receipt-printer-address")));
  assert_printer (f, "");

  apply_address (f, "printer.local");
  assert_printer (f, "tcp:printer.local:9100");
  g_assert_false (kassa_preferences_window_get_message_is_error (f->window));
  g_assert_false (gtk_widget_has_css_class (row (f, "receipt-printer-address"), "error"));

  apply_address (f, " 10.0.0.5:9101 ");
  assert_printer (f, "tcp:10.0.0.5:9101");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "receipt-printer-address"))),
                   ==, "10.0.0.5:9101");
  apply_address (f, "[fe80::1]");
  assert_printer (f, "tcp:[fe80::1]:9100");

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GVariant) value = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("address “%s”", bad[i]);
      apply_address (f, bad[i]);
      assert_printer (f, "tcp:[fe80::1]:9100");
      g_assert_true (kassa_preferences_window_get_message_is_error (f->window));
      g_assert_true (gtk_widget_has_css_class (row (f, "receipt-printer-address"), "error"));
      assert_message_has (f, *bad[i] == '\0' ? "Type the network printer’s address"
                                             : "is not a network printer address");
      g_assert_false (kassa_preferences_check_value (f->settings, "receipt-printer", bad[i],
                                                     &value, &error));
      g_assert_true (error->domain == KASSA_INPUT_ERROR);
      g_assert_null (value);
    }

  /* Reopened, the network printer is chosen and its address shown. */
  close_window (GTK_WIDGET (g_steal_pointer (&f->window)));
  open_window (f);
  g_assert_cmpint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (f, "receipt-printer"))), ==,
                   printer_choice_index (f, _("Network printer…")));
  g_assert_true (gtk_widget_get_visible (row (f, "receipt-printer-address")));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "receipt-printer-address"))),
                   ==, "[fe80::1]:9100");

  /* A stored printer that is not found now is still shown, and kept. */
  g_settings_set_string (f->settings, "receipt-printer", "usb:/dev/usb/lp7");
  g_assert_cmpint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (f, "receipt-printer"))), ==,
                   printer_choice_index (f, "usb:/dev/usb/lp7"));
  g_assert_false (gtk_widget_get_visible (row (f, "receipt-printer-address")));
  assert_printer (f, "usb:/dev/usb/lp7");
}

static guint
width_selected (Fixture *f)
{
  return adw_combo_row_get_selected (ADW_COMBO_ROW (row (f, "receipt-width")));
}

/* 58 mm, 80 mm or other dots (kassa_escpos_check_width()). */
static void
test_printer_width (Fixture       *f,
                    gconstpointer  data)
{
  const char *bad[] = { "", "500", "100", "2048", "abc", "-384", "384.0" };

  /* Dots 0: from the 80 mm paper. */
  g_assert_cmpuint (width_selected (f), ==, 1);
  g_assert_false (gtk_widget_get_visible (row (f, "receipt-printer-dots")));

  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "receipt-width")), 0);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "receipt-printer-dots"), ==, 384);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "receipt-width")), 1);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "receipt-printer-dots"), ==, 576);

  /* Other: saved when applied, and only a width the printer can do. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "receipt-width")), 2);
  g_assert_true (gtk_widget_get_visible (row (f, "receipt-printer-dots")));
  g_assert_cmpuint (g_settings_get_uint (f->settings, "receipt-printer-dots"), ==, 576);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      assert_refused (f, "receipt-printer-dots", bad[i], "a multiple of 8 from 256 to 1024");
      g_assert_cmpuint (g_settings_get_uint (f->settings, "receipt-printer-dots"), ==, 576);
    }
  apply_text (f, "receipt-printer-dots", "512");
  g_assert_cmpuint (g_settings_get_uint (f->settings, "receipt-printer-dots"), ==, 512);
  g_assert_false (kassa_preferences_window_get_message_is_error (f->window));
  g_assert_cmpuint (width_selected (f), ==, 2);

  /* The row follows the setting. */
  g_settings_set_uint (f->settings, "receipt-printer-dots", 0);
  g_settings_set_string (f->settings, "paper-width", "58mm");
  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "receipt-width")), 0);
  g_assert_cmpuint (g_settings_get_uint (f->settings, "receipt-printer-dots"), ==, 384);
  close_window (GTK_WIDGET (g_steal_pointer (&f->window)));
  g_settings_set_uint (f->settings, "receipt-printer-dots", 832);
  open_window (f);
  g_assert_cmpuint (width_selected (f), ==, 2);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row (f, "receipt-printer-dots"))), ==,
                   "832");
}

static gboolean
test_page_settled (gpointer data)
{
  Fixture *f = data;

  return g_strcmp0 (subtitle_of (f, "test-page"), _("Printing the test page…")) != 0;
}

static void
print_test_page (Fixture *f)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.print-test-page",
                                             NULL));
  /* Never blocks: the page is on its way when the action returns. */
  g_assert_cmpstr (subtitle_of (f, "test-page"), ==, _("Printing the test page…"));
  g_assert_true (kassa_test_ui_wait (test_page_settled, f, WAIT_SECONDS));
}

static void
assert_subtitle_has (Fixture    *f,
                     const char *key,
                     const char *part)
{
  const char *text = subtitle_of (f, key);

  if (text == NULL || strstr (text, part) == NULL)
    g_error ("“%s” is not in the subtitle “%s”", part, text);
}

/* The image of the last job with raster the stand-in got. */
static KassaEscposDecoded *
decode_last_page (KassaTestPrinter *stand_in)
{
  g_autofree char *line = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  KassaEscposDecoded *decoded;
  gsize size = 0;
  const guint8 *bytes;

  /* Status connections, then the one with the page. */
  do
    {
      g_free (line);
      line = kassa_test_printer_read_line (stand_in, "job ");
    }
  while (kassa_test_printer_job_count (line, "raster") == 0);
  got = kassa_test_printer_wait_bytes (stand_in, 1);
  bytes = g_bytes_get_data (got, &size);
  decoded = kassa_escpos_decode (bytes, size, &error);
  g_assert_no_error (error);
  return decoded;
}

/* Print Test Page through the queue to the tcp stand-in, at the set width;
 * the outcome and the status in words; paper out; a printer that does not
 * report status. */
static void
test_printer_test_page (Fixture       *f,
                        gconstpointer  data)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u",
                                              kassa_test_printer_get_port (stand_in));
  g_autofree char *file_dir = NULL;
  g_autofree char *file_path = NULL;
  g_autofree char *file_uri = NULL;
  g_autoptr(GError) error = NULL;

  /* No printer yet: says so, prints nothing. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "prefs.print-test-page",
                                             NULL));
  assert_subtitle_has (f, "test-page", "Choose the receipt printer first");
  g_assert_true (kassa_preferences_window_get_message_is_error (f->window));

  select_printer_choice (f, _("Network printer…"));
  apply_address (f, address);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "receipt-width")), 0);

  print_test_page (f);
  assert_subtitle_has (f, "test-page", "The test page was printed.");
  assert_subtitle_has (f, "test-page", kassa_printer_status_describe (KASSA_PRINTER_STATUS_OK));
  g_assert_false (kassa_preferences_window_get_message_is_error (f->window));
  assert_message_has (f, "The test page was printed.");
  {
    g_autoptr(KassaEscposDecoded) decoded = decode_last_page (stand_in);

    g_assert_cmpuint (decoded->width, ==, KASSA_ESCPOS_WIDTH_58MM);
    g_assert_cmpuint (decoded->height, >, 100);
    g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_INIT), ==, 1);
    g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_CUT), ==, 1);
    g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_TEXT), ==, 0);
  }
  show_page_of (f, "test-page");
  screenshot (f, "preferences-test-page");

  /* Paper out: not printed, and the words say why, once. */
  kassa_test_printer_set_status (stand_in, "paper-out");
  print_test_page (f);
  {
    const char *words = kassa_printer_status_describe (KASSA_PRINTER_STATUS_PAPER_OUT);
    const char *text = subtitle_of (f, "test-page");

    assert_subtitle_has (f, "test-page", "The test page was not printed");
    assert_subtitle_has (f, "test-page", words);
    g_assert_null (strstr (strstr (text, words) + strlen (words), words));
    g_assert_true (kassa_preferences_window_get_message_is_error (f->window));
  }

  /* Cover open. */
  kassa_test_printer_set_status (stand_in, "cover-open");
  print_test_page (f);
  assert_subtitle_has (f, "test-page",
                       kassa_printer_status_describe (KASSA_PRINTER_STATUS_COVER_OPEN));

  /* The printer gone: not printed, and why; the window goes on. */
  g_clear_pointer (&stand_in, kassa_test_printer_free);
  print_test_page (f);
  assert_subtitle_has (f, "test-page", "The test page was not printed");
  g_assert_true (kassa_preferences_window_get_message_is_error (f->window));

  /* A printer that never answers status (file:) at 80 mm. */
  file_dir = g_dir_make_tmp ("kassa-prefs-XXXXXX", &error);
  g_assert_no_error (error);
  file_path = g_build_filename (file_dir, "page.bin", NULL);
  file_uri = g_strconcat ("file:", file_path, NULL);
  g_settings_set_string (f->settings, "receipt-printer", file_uri);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row (f, "receipt-width")), 1);
  print_test_page (f);
  assert_subtitle_has (f, "test-page", "The test page was printed.");
  assert_subtitle_has (f, "test-page",
                       kassa_printer_status_describe (KASSA_PRINTER_STATUS_UNKNOWN));
  {
    g_autofree char *contents = NULL;
    gsize size = 0;
    g_autoptr(KassaEscposDecoded) decoded = NULL;

    g_assert_true (g_file_get_contents (file_path, &contents, &size, &error));
    decoded = kassa_escpos_decode ((const guint8 *) contents, size, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (decoded->width, ==, KASSA_ESCPOS_WIDTH_80MM);
  }
  g_assert_cmpint (g_remove (file_path), ==, 0);
  g_assert_cmpint (g_rmdir (file_dir), ==, 0);
}

/* The shop's address and phone, checked. */
static void
test_shop_address_phone (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *long_address = g_strnfill (97, 'a');
  g_autofree char *longest_address = g_strnfill (96, 'a');
  g_autofree char *long_phone = g_strnfill (33, '1');
  g_autofree char *stored = NULL;
  struct {
    const char *key;
    const char *text;
    const char *message;
  } bad[] = {
    { "shop-address", long_address, "at most 96 characters" },
    { "shop-address", "Line\nbreak", "one line" },
    { "shop-address", "Tab\there", "one line" },
    { "shop-phone", "call me", "digits, spaces and “+ - ( )” only" },
    { "shop-phone", "7011*2233", "digits, spaces and “+ - ( )” only" },
    { "shop-phone", long_phone, "at most 32 characters" },
  };

  apply_text (f, "shop-address", "Улаанбаатар, СБД, 1-р хороо, Өнөр төв 12");
  stored = g_settings_get_string (f->settings, "shop-address");
  g_assert_cmpstr (stored, ==, "Улаанбаатар, СБД, 1-р хороо, Өнөр төв 12");
  apply_text (f, "shop-phone", " +976 (11) 7011-2233 ");
  g_clear_pointer (&stored, g_free);
  stored = g_settings_get_string (f->settings, "shop-phone");
  g_assert_cmpstr (stored, ==, "+976 (11) 7011-2233");
  apply_text (f, "shop-address", longest_address);
  g_clear_pointer (&stored, g_free);
  stored = g_settings_get_string (f->settings, "shop-address");
  g_assert_cmpstr (stored, ==, longest_address);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_refused (f, bad[i].key, bad[i].text, bad[i].message);

  /* Empty: nothing printed. */
  apply_text (f, "shop-phone", "");
  g_clear_pointer (&stored, g_free);
  stored = g_settings_get_string (f->settings, "shop-phone");
  g_assert_cmpstr (stored, ==, "");
  g_assert_false (kassa_preferences_window_get_message_is_error (f->window));
}

static gboolean
cash_drawer_on (gpointer data)
{
  Fixture *f = data;

  return g_settings_get_boolean (f->settings, "cash-drawer");
}

static gboolean
cash_drawer_off (gpointer data)
{
  return !cash_drawer_on (data);
}

static gboolean
test_page_said_choose (gpointer data)
{
  Fixture *f = data;
  const char *text = subtitle_of (f, "test-page");

  return text != NULL && strstr (text, "Choose the receipt printer first") != NULL;
}

static gboolean
is_popover (GtkWidget     *widget,
            gconstpointer  data)
{
  return GTK_IS_POPOVER (widget);
}

/* A condition: the list of the combo row @data is open (mapped). */
static gboolean
popover_shown (gpointer data)
{
  return kassa_test_ui_find_widget (data, is_popover, NULL) != NULL;
}

static gboolean
network_chosen (gpointer data)
{
  Fixture *f = data;

  return (int) adw_combo_row_get_selected (ADW_COMBO_ROW (row (f, "receipt-printer"))) ==
         printer_choice_index (f, _("Network printer…"));
}

static gboolean
network_printer_saved (gpointer data)
{
  Fixture *f = data;
  g_autofree char *stored = g_settings_get_string (f->settings, "receipt-printer");

  return g_strcmp0 (stored, "tcp:till-printer:9100") == 0;
}

/* The cash drawer switch; the group by keyboard: the switch's row with
 * Space, Print Test Page with Return. */
static void
test_printer_drawer_keyboard (Fixture       *f,
                              gconstpointer  data)
{
  GtkWidget *button;

  g_assert_false (g_settings_get_boolean (f->settings, "cash-drawer"));
  show_page_of (f, "cash-drawer");
  kassa_test_ui_wait_active (GTK_WINDOW (f->window), "preferences");

  g_assert_true (gtk_widget_grab_focus (row (f, "cash-drawer")));
  kassa_test_ui_keys (0, "space", NULL);
  g_assert_true (kassa_test_ui_wait (cash_drawer_on, f, WAIT_SECONDS));
  kassa_test_ui_keys (0, "space", NULL);
  g_assert_true (kassa_test_ui_wait (cash_drawer_off, f, WAIT_SECONDS));

  /* The setting changed elsewhere: the switch follows. */
  g_settings_set_boolean (f->settings, "cash-drawer", TRUE);
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (
    adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row (f, "cash-drawer"))))));

  button = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row (f, "test-page")));
  g_assert_true (gtk_widget_get_focusable (button) || gtk_widget_get_can_focus (button));
  g_assert_true (gtk_widget_grab_focus (button));
  kassa_test_ui_keys (0, "Return", NULL);
  g_assert_true (kassa_test_ui_wait (test_page_said_choose, f, WAIT_SECONDS));

  /* The printer list by keyboard: Space opens it, Up/Down and Enter pick
   * (here, with nothing found: None, then the network printer). */
  g_assert_true (kassa_test_ui_wait (discovery_done, f, WAIT_SECONDS));
  g_assert_cmpint (printer_choice_index (f, _("Network printer…")), ==, 1);
  g_assert_true (gtk_widget_grab_focus (row (f, "receipt-printer")));
  kassa_test_ui_keys (0, "space", NULL);
  g_assert_true (kassa_test_ui_wait (popover_shown, row (f, "receipt-printer"), WAIT_SECONDS));
  kassa_test_ui_keys (0, "Down", "Return", NULL);
  g_assert_true (kassa_test_ui_wait (network_chosen, f, WAIT_SECONDS));
  g_assert_true (gtk_widget_get_visible (row (f, "receipt-printer-address")));

  /* The address typed and applied with Enter. */
  g_assert_true (gtk_widget_grab_focus (row (f, "receipt-printer-address")));
  kassa_test_ui_type (0, "till-printer");
  kassa_test_ui_keys (0, "Return", NULL);
  g_assert_true (kassa_test_ui_wait (network_printer_saved, f, WAIT_SECONDS));

  g_assert_true (gtk_widget_grab_focus (row (f, "receipt-width")));
}

typedef struct
{
  AppRun            run;
  KassaTestPrinter *stand_in;
  guint             test_pages_printed;  /* on the application's queue */
} AppPrintRun;

static void
on_app_queue_job_changed_cb (KassaPrintQueue *queue,
                             KassaPrintKind   kind,
                             const char      *number,
                             KassaPrintState  state,
                             const char      *error_text,
                             AppPrintRun     *r)
{
  if (kind == KASSA_PRINT_KIND_TEST_PAGE && state == KASSA_PRINT_STATE_PRINTED)
    r->test_pages_printed++;
}

static gboolean
app_print_body_cb (gpointer user_data)
{
  AppPrintRun *r = user_data;
  KassaPrintQueue *queue;
  Fixture f = { 0 };

  if (!kassa_test_ui_wait (app_ready, &r->run, WAIT_SECONDS))
    g_error ("Kassa did not start in training mode");
  queue = kassa_application_get_print_queue (r->run.app);
  g_assert_nonnull (queue);
  g_signal_connect (queue, "job-changed", G_CALLBACK (on_app_queue_job_changed_cb), r);

  g_action_group_activate_action (G_ACTION_GROUP (r->run.app), "preferences", NULL);
  if (!kassa_test_ui_wait (preferences_shown, NULL, WAIT_SECONDS))
    g_error ("app.preferences opened no preferences window");
  f.window = KASSA_PREFERENCES_WINDOW (find_toplevel (KASSA_TYPE_PREFERENCES_WINDOW));
  f.settings = kassa_application_get_settings (r->run.app);

  /* The window prints through the application's queue, which follows the settings. */
  print_test_page (&f);
  assert_subtitle_has (&f, "test-page", "The test page was printed.");
  g_assert_cmpuint (r->test_pages_printed, ==, 1);
  {
    g_autoptr(KassaEscposDecoded) decoded = decode_last_page (r->stand_in);

    g_assert_cmpuint (decoded->width, ==, 512);
  }

  g_signal_handlers_disconnect_by_data (queue, r);
  gtk_window_destroy (GTK_WINDOW (f.window));
  r->run.ran = TRUE;
  g_application_quit (G_APPLICATION (r->run.app));

  return G_SOURCE_REMOVE;
}

/* Inside Kassa, Print Test Page goes through KassaApplication's print queue. */
static void
test_printer_application_queue (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("mn.kassa.Kassa");
  g_autoptr(GError) error = NULL;
  g_autofree char *journal = NULL;
  KassaTestPrinterOptions options = { .tcp = TRUE };
  AppPrintRun r = { { NULL, NULL, FALSE }, NULL, 0 };

  reset_settings (settings);
  r.stand_in = kassa_test_printer_spawn (&options);
  g_settings_set_string (settings, "receipt-printer", kassa_test_printer_get_tcp_uri (r.stand_in));
  g_settings_set_uint (settings, "receipt-printer-dots", 512);
  r.run.tmpdir = g_dir_make_tmp ("kassa-prefs-XXXXXX", &error);
  g_assert_no_error (error);
  journal = g_build_filename (r.run.tmpdir, "training.sqlite", NULL);
  g_setenv ("KASSA_JOURNAL", journal, TRUE);

  kassa_test_ui_pointer_to (0);
  r.run.app = kassa_application_new ();
  g_application_set_flags (G_APPLICATION (r.run.app),
                           G_APPLICATION_HANDLES_COMMAND_LINE | G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (r.run.app, "startup", G_CALLBACK (on_app_startup_cb), NULL);
  g_idle_add (app_print_body_cb, &r);
  g_assert_cmpint (g_application_run (G_APPLICATION (r.run.app), 0, NULL), ==, 0);
  g_assert_true (r.run.ran);
  g_assert_finalize_object (r.run.app);

  g_unsetenv ("KASSA_JOURNAL");
  g_free (r.run.tmpdir);
  kassa_test_printer_free (r.stand_in);
  reset_settings (settings);
}

int
main (int   argc,
      char *argv[])
{
  if (!kassa_test_ui_init_with_file_secrets (&argc, &argv, "/preferences/no-display"))
    return g_test_run ();
  /* GTK 4.8's cursor blink warns ("GtkText - did not receive a focus-out
   * event") when it fires in an entry of a window that lost the keyboard to
   * another (the PIN dialog): a harmless warning that fails a test. */
  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);

#define ADD(path, func, open) \
  g_test_add (path, Fixture, GINT_TO_POINTER (open), fixture_setup, func, fixture_teardown)

  ADD ("/preferences/defaults", test_defaults, TRUE);
  ADD ("/preferences/values/invalid", test_invalid_values, TRUE);
  ADD ("/preferences/values/save", test_save_values, TRUE);
  ADD ("/preferences/account", test_account, TRUE);
  ADD ("/preferences/pin/required", test_pin_required, FALSE);
  ADD ("/preferences/pin/set", test_pin_set, FALSE);
  ADD ("/preferences/account/names-stored-terminal", test_account_names_stored, FALSE);
  ADD ("/preferences/autostart", test_autostart, FALSE);
  ADD ("/preferences/autostart/error", test_autostart_error, FALSE);
  ADD ("/preferences/autostart/portal", test_autostart_portal, FALSE);
  ADD ("/preferences/autostart/portal/refused", test_autostart_portal_refused, FALSE);
  ADD ("/preferences/autostart/portal/none", test_autostart_portal_none, FALSE);
  ADD ("/preferences/autostart/remove-error", test_autostart_remove_error, FALSE);

  g_test_add_func ("/preferences/application-applies", test_app_applies);

  ADD ("/preferences/receipt-printer/cups", test_printer_cups, FALSE);
  ADD ("/preferences/receipt-printer/network", test_printer_network, TRUE);
  ADD ("/preferences/receipt-printer/width", test_printer_width, TRUE);
  ADD ("/preferences/receipt-printer/test-page", test_printer_test_page, TRUE);
  ADD ("/preferences/shop/address-phone", test_shop_address_phone, TRUE);
  ADD ("/preferences/receipt-printer/drawer-keyboard", test_printer_drawer_keyboard, TRUE);

#undef ADD

  g_test_add_func ("/preferences/receipt-printer/application-queue",
                   test_printer_application_queue);

  return g_test_run ();
}
