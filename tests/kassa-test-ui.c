/* kassa-test-ui.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "kassa-test-ui.h"

static const char *
x_display (void)
{
  const char *display = g_getenv ("KASSA_TEST_X_DISPLAY");

  if (display == NULL || *display == '\0')
    g_error ("KASSA_TEST_X_DISPLAY is not set; run the ui suite under build-aux/with-display.sh");

  return display;
}

gboolean
kassa_test_ui_have_harness (void)
{
  const char *display = g_getenv ("KASSA_TEST_X_DISPLAY");

  return display != NULL && *display != '\0';
}

/* Runs @argv, fails the test unless it exits 0, returns its stdout. */
static char *
run_tool (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *line = g_strjoinv (" ", (char **) argv);
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, &status, &error))
    g_error ("%s: %s", line, error->message);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s: %s\n%s", line, error->message, err);

  return g_steal_pointer (&out);
}

char *
kassa_test_ui_output_window (guint output)
{
  g_autofree char *name = g_strdup_printf ("Weston Compositor - screen%u", output);
  const char *argv[] = { "xwininfo", "-display", x_display (), "-name", name, NULL };
  g_autofree char *out = run_tool (argv);
  const char *id = strstr (out, "Window id: ");

  if (id == NULL)
    g_error ("xwininfo did not find \"%s\": %s", name, out);
  id += strlen ("Window id: ");

  return g_strndup (id, strcspn (id, " \n"));
}

char *
kassa_test_ui_screenshot (guint       output,
                          const char *name)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_BUILT, "artefacts", NULL);
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  g_autofree char *window = kassa_test_ui_output_window (output);
  char *path = g_build_filename (dir, file, NULL);
  g_autofree char *out = NULL;
  const char *argv[] = { "import", "-display", x_display (), "-window", window, path, NULL };

  if (g_mkdir_with_parents (dir, 0755) != 0)
    g_error ("cannot create %s: %s", dir, g_strerror (errno));
  g_unlink (path);
  out = run_tool (argv);
  g_test_message ("screenshot of output %u: %s", output, path);

  return path;
}

GStrv
kassa_test_ui_decode_qr (const char *png_path)
{
  const char *argv[] = { "zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                         "-Sbinary", png_path, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, &status, &error))
    g_error ("zbarimg: %s", error->message);

  /* zbarimg exits 4 when it found no symbol: an empty answer, not a failure. */
  if (WIFEXITED (status) && WEXITSTATUS (status) == 4)
    return g_strv_builder_end (builder);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("zbarimg %s: %s\n%s", png_path, error->message, err);

  /* With -Sbinary, symbols are not separated: one QR per screenshot is all
   * the customer display ever shows, so the whole output is one payload
   * (minus the newline zbarimg adds). */
  if (g_str_has_suffix (out, "\n"))
    out[strlen (out) - 1] = '\0';
  if (*out != '\0')
    g_strv_builder_add (builder, out);

  return g_strv_builder_end (builder);
}

void
kassa_test_ui_pointer_to (guint output)
{
  g_autofree char *window = kassa_test_ui_output_window (output);
  const char *move[] = { "xdotool", "mousemove", "--window", window, "200", "200", NULL };
  g_autofree char *moved = NULL;

  g_setenv ("DISPLAY", x_display (), TRUE);
  moved = run_tool (move);
  g_unsetenv ("DISPLAY");
}

void
kassa_test_ui_keys (guint       output,
                    const char *first_key,
                    ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  va_list ap;

  /* The pointer on the output gives it the keyboard focus in weston. */
  kassa_test_ui_pointer_to (output);
  g_setenv ("DISPLAY", x_display (), TRUE);

  g_ptr_array_add (argv, (char *) "xdotool");
  g_ptr_array_add (argv, (char *) "key");
  g_ptr_array_add (argv, (char *) "--delay");
  g_ptr_array_add (argv, (char *) "40");
  va_start (ap, first_key);
  for (const char *key = first_key; key != NULL; key = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) key);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  out = run_tool ((const char * const *) argv->pdata);
  g_unsetenv ("DISPLAY");
}

gboolean
kassa_test_ui_wait (gboolean (*condition) (gpointer data),
                    gpointer   data,
                    guint      timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () >= deadline)
        return condition (data);
      /* Wake at least every 50 ms to look at the deadline. */
      g_main_context_iteration (NULL, FALSE);
      g_usleep (G_USEC_PER_SEC / 1000);
    }

  return TRUE;
}

void
kassa_test_ui_use_system_data (void)
{
  const char * const candidates[] = { "/usr/local/share", "/usr/share" };
  g_autoptr(GStrvBuilder) mime = g_strv_builder_new ();
  g_auto(GStrv) mime_dirs = NULL;
  GtkIconTheme *theme;

  g_return_if_fail (gdk_display_get_default () != NULL);

  theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *mime_dir = g_build_filename (candidates[i], "mime", NULL);
      g_autofree char *icon_dir = g_build_filename (candidates[i], "icons", NULL);

      if (g_file_test (mime_dir, G_FILE_TEST_IS_DIR))
        g_strv_builder_add (mime, mime_dir);
      if (g_file_test (icon_dir, G_FILE_TEST_IS_DIR))
        gtk_icon_theme_add_search_path (theme, icon_dir);
    }

  mime_dirs = g_strv_builder_end (mime);
  g_content_type_set_mime_dirs ((const char * const *) mime_dirs);
}
