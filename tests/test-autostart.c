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

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/autostart/write-remove", test_write_remove);
  g_test_add_func ("/autostart/not-an-entry", test_not_an_entry);
  g_test_add_func ("/autostart/read-only", test_read_only);

  return g_test_run ();
}
