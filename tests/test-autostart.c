/* test-autostart.c — the XDG autostart entry, written into a real config folder
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * G_TEST_OPTION_ISOLATE_DIRS gives each test its own XDG_CONFIG_HOME: the
 * entry is a real file, read back with GKeyFile as a session would.
 */

#include "config.h"

#include <unistd.h>

#include <glib/gstdio.h>

#include "kassa-autostart.h"
#include "kassa-test-portal.h"
#include "kassa-test-util.h"

#define ID "mn.kassa.Kassa.Test"

static void
assert_entry (GKeyFile   *file,
              const char *key,
              const char *expected)
{
  g_autofree char *value = g_key_file_get_string (file, "Desktop Entry", key, NULL);

  g_assert_cmpstr (value, ==, expected);
}

static void
test_write_remove (void)
{
  g_autofree char *path = kassa_autostart_path (ID);
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *expected = g_build_filename (g_get_user_config_dir (), "autostart",
                                                ID ".desktop", NULL);

  g_assert_cmpstr (path, ==, expected);
  g_assert_false (kassa_autostart_get_enabled (ID));

  g_assert_true (kassa_autostart_set_enabled (ID, "/opt/kassa dir/bin/kassa", TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (kassa_autostart_get_enabled (ID));

  g_assert_true (g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  assert_entry (file, "Type", "Application");
  assert_entry (file, "Name", "Kassa");
  assert_entry (file, "Icon", ID);
  g_assert_true (g_key_file_get_boolean (file, "Desktop Entry", "X-GNOME-Autostart-enabled",
                                         &error));
  g_assert_no_error (error);
  /* The Exec line is a command line: a path with a space stays one word. */
  exec = g_key_file_get_string (file, "Desktop Entry", "Exec", NULL);
  {
    g_auto(GStrv) argv = NULL;

    g_assert_true (g_shell_parse_argv (exec, NULL, &argv, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (g_strv_length (argv), ==, 1);
    g_assert_cmpstr (argv[0], ==, "/opt/kassa dir/bin/kassa");
  }

  /* Disabled by the desktop's own tool: off. */
  g_key_file_set_boolean (file, "Desktop Entry", "X-GNOME-Autostart-enabled", FALSE);
  g_assert_true (g_key_file_save_to_file (file, path, &error));
  g_assert_false (kassa_autostart_get_enabled (ID));
  /* On again: rewritten. */
  g_assert_true (kassa_autostart_set_enabled (ID, "/usr/bin/kassa", TRUE, &error));
  g_assert_true (kassa_autostart_get_enabled (ID));

  g_assert_true (kassa_autostart_set_enabled (ID, "/usr/bin/kassa", FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (kassa_autostart_get_enabled (ID));
  /* Off twice is fine. */
  g_assert_true (kassa_autostart_set_enabled (ID, "/usr/bin/kassa", FALSE, &error));
  g_assert_no_error (error);
}

static void
test_not_an_entry (void)
{
  g_autofree char *path = kassa_autostart_path (ID);
  g_autofree char *folder = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "not a key file\n", -1, NULL));
  g_assert_false (kassa_autostart_get_enabled (ID));
  g_assert_true (g_file_set_contents (path, "[Desktop Entry]\nHidden=true\n", -1, NULL));
  g_assert_false (kassa_autostart_get_enabled (ID));
}

static void
test_read_only (void)
{
  g_autofree char *path = kassa_autostart_path (ID);
  g_autofree char *folder = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  if (geteuid () == 0)
    {
      /* root writes through any mode bits: use a folder that is a file. */
      g_autofree char *parent = g_path_get_dirname (folder);

      g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
      g_assert_true (g_file_set_contents (folder, "", 0, NULL));
      g_assert_false (kassa_autostart_set_enabled (ID, "/usr/bin/kassa", TRUE, &error));
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, folder));
      g_assert_true (g_file_test (folder, G_FILE_TEST_IS_REGULAR));
      return;
    }

  g_assert_true (kassa_autostart_set_enabled (ID, "/usr/bin/kassa", TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &before, NULL, NULL));
  g_assert_cmpint (g_chmod (folder, 0500), ==, 0);

  g_assert_false (kassa_autostart_set_enabled (ID, "/other/kassa", TRUE, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_ACCES);
  g_assert_nonnull (strstr (error->message, folder));
  g_clear_error (&error);
  g_assert_false (kassa_autostart_set_enabled (ID, "/usr/bin/kassa", FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_nonnull (strstr (error->message, path));

  /* Nothing changed. */
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (before, ==, after);
  g_assert_true (kassa_autostart_get_enabled (ID));
  g_assert_cmpint (g_chmod (folder, 0700), ==, 0);
}

/* ------------------------------------------------------------------ */
/* Inside Flatpak: the Background portal (a stand-in on a private bus)  */

#define WAIT_S 30

static void
test_flatpak_info (void)
{
  g_autofree char *info = g_build_filename (g_get_user_runtime_dir (), "flatpak-info", NULL);

  /* The real sandbox's file is not there on this machine. */
  g_assert_false (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS));
  g_setenv ("KASSA_FLATPAK_INFO", info, TRUE);
  g_assert_false (kassa_autostart_in_flatpak ());
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_runtime_dir (), 0700), ==, 0);
  g_assert_true (g_file_set_contents (info, "[Application]\nname=" ID "\n", -1, NULL));
  g_assert_true (kassa_autostart_in_flatpak ());
  g_unsetenv ("KASSA_FLATPAK_INFO");
  g_assert_false (kassa_autostart_in_flatpak ());
}

/* kassa_autostart_request_async() has no source object (a function, not a
 * method): kassa_test_async_done_cb() wants one. */
static void
request_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KassaTestAsync *w = user_data;

  g_assert_null (source);
  g_assert_false (w->done);
  w->result = g_object_ref (result);
  w->done = TRUE;
}

/* Asks the portal for @enabled; returns whether the request succeeded, with
 * the portal's autostart in *@out_autostart. */
static gboolean
request (gboolean       enabled,
         GCancellable  *cancellable,
         gboolean      *out_autostart,
         GError       **error)
{
  KassaTestAsync w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  kassa_autostart_request_async (enabled, cancellable, request_done_cb, &w);
  result = kassa_test_async_wait (&w, WAIT_S);
  return kassa_autostart_request_finish (result, out_autostart, error);
}

static void
test_portal_grant (void)
{
  g_autoptr(KassaTestPortal) portal = kassa_test_portal_new (KASSA_TEST_PORTAL_GRANT);
  g_autofree char *path = kassa_autostart_path (ID);
  g_autoptr(GError) error = NULL;
  gboolean autostart = FALSE;

  g_assert_true (request (TRUE, NULL, &autostart, &error));
  g_assert_no_error (error);
  g_assert_true (autostart);
  g_assert_cmpuint (kassa_test_portal_n_requests (portal), ==, 1);
  kassa_test_portal_assert_request (portal, 0, TRUE);

  g_assert_true (request (FALSE, NULL, &autostart, &error));
  g_assert_no_error (error);
  g_assert_false (autostart);
  g_assert_cmpuint (kassa_test_portal_n_requests (portal), ==, 2);
  kassa_test_portal_assert_request (portal, 1, FALSE);

  /* Each request has its own token. */
  {
    const char *first = NULL;
    const char *second = NULL;

    g_variant_lookup (kassa_test_portal_get_options (portal, 0), "handle_token", "&s", &first);
    g_variant_lookup (kassa_test_portal_get_options (portal, 1), "handle_token", "&s", &second);
    g_assert_cmpstr (first, !=, second);
  }
  /* The portal writes the host's entry: none here. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static void
test_portal_deny_autostart (void)
{
  g_autoptr(KassaTestPortal) portal = kassa_test_portal_new (KASSA_TEST_PORTAL_DENY_AUTOSTART);
  g_autoptr(GError) error = NULL;
  gboolean autostart = TRUE;

  /* An answer, not an error: Kassa may run, but will not start at login. */
  g_assert_true (request (TRUE, NULL, &autostart, &error));
  g_assert_no_error (error);
  g_assert_false (autostart);
  kassa_test_portal_assert_request (portal, 0, TRUE);
}

static void
test_portal_cancelled (void)
{
  g_autoptr(KassaTestPortal) portal = kassa_test_portal_new (KASSA_TEST_PORTAL_CANCEL);
  g_autoptr(GError) error = NULL;
  gboolean autostart = TRUE;

  g_assert_false (request (TRUE, NULL, &autostart, &error));
  g_assert_error (error, KASSA_AUTOSTART_ERROR, KASSA_AUTOSTART_ERROR_CANCELLED);
  g_assert_nonnull (strstr (error->message, "Kassa cannot start at login"));
  g_assert_nonnull (strstr (error->message, "cancelled"));
  g_assert_true (autostart);
  g_clear_error (&error);

  g_assert_false (request (FALSE, NULL, &autostart, &error));
  g_assert_error (error, KASSA_AUTOSTART_ERROR, KASSA_AUTOSTART_ERROR_CANCELLED);
  g_assert_nonnull (strstr (error->message, "Kassa cannot stop starting at login"));
  g_clear_error (&error);

  kassa_test_portal_set_reply (portal, KASSA_TEST_PORTAL_FAIL);
  g_assert_false (request (TRUE, NULL, &autostart, &error));
  g_assert_error (error, KASSA_AUTOSTART_ERROR, KASSA_AUTOSTART_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "turned the request down"));
  g_assert_cmpuint (kassa_test_portal_n_requests (portal), ==, 3);
}

static void
test_portal_none (void)
{
  g_autoptr(GError) error = NULL;
  gboolean autostart = TRUE;

  /* Nobody owns org.freedesktop.portal.Desktop on this bus. */
  g_assert_false (request (TRUE, NULL, &autostart, &error));
  g_assert_error (error, KASSA_AUTOSTART_ERROR, KASSA_AUTOSTART_ERROR_NO_PORTAL);
  g_assert_nonnull (strstr (error->message, "Background portal does not answer"));
  g_assert_nonnull (strstr (error->message, "org.freedesktop.portal.Desktop"));
  g_assert_true (autostart);
}

static gboolean
portal_has_request (KassaTestPortal *portal)
{
  return kassa_test_portal_n_requests (portal) > 0;
}

static gboolean
portal_closed_first (KassaTestPortal *portal)
{
  return kassa_test_portal_get_closed (portal, 0);
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main context until @condition holds (or fails the test). */
static void
wait_for_portal (gboolean        (*condition) (KassaTestPortal *portal),
                 KassaTestPortal  *portal)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_USEC_PER_SEC;
  /* Wakes the loop when nothing else happens: the deadline is seen. */
  guint tick = g_timeout_add (100, tick_cb, NULL);

  while (!condition (portal) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  g_assert_true (condition (portal));
}

static void
test_portal_close (void)
{
  g_autoptr(KassaTestPortal) portal = kassa_test_portal_new (KASSA_TEST_PORTAL_GRANT);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0 };

  /* The person has not answered yet when Kassa gives up (its window closes). */
  kassa_test_portal_set_hold (portal, TRUE);
  kassa_autostart_request_async (TRUE, cancellable, request_done_cb, &w);
  wait_for_portal (portal_has_request, portal);
  g_assert_false (w.done);

  g_cancellable_cancel (cancellable);
  result = kassa_test_async_wait (&w, WAIT_S);
  g_assert_false (kassa_autostart_request_finish (result, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* The desktop's question is closed: no answer comes. */
  wait_for_portal (portal_closed_first, portal);
  kassa_test_portal_release (portal);
}

int
main (int   argc,
      char *argv[])
{
  GTestDBus *bus;
  int status;

  kassa_test_init (&argc, &argv);

  g_test_add_func ("/autostart/write-remove", test_write_remove);
  g_test_add_func ("/autostart/not-an-entry", test_not_an_entry);
  g_test_add_func ("/autostart/read-only", test_read_only);
  g_test_add_func ("/autostart/flatpak-info", test_flatpak_info);
  g_test_add_func ("/autostart/portal/grant", test_portal_grant);
  g_test_add_func ("/autostart/portal/deny-autostart", test_portal_deny_autostart);
  g_test_add_func ("/autostart/portal/cancelled", test_portal_cancelled);
  g_test_add_func ("/autostart/portal/none", test_portal_none);
  g_test_add_func ("/autostart/portal/close", test_portal_close);

  /* The Background portal's tests: a private session bus (a real
   * dbus-daemon) for the stand-in portal, as a desktop session has. */
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  status = g_test_run ();
  g_test_dbus_down (bus);
  g_object_unref (bus);

  return status;
}
