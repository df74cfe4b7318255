/* kassa-autostart.c — "Start Kassa when I log in": the XDG autostart entry
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-autostart.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#define GROUP G_KEY_FILE_DESKTOP_GROUP

gboolean
kassa_autostart_in_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

char *
kassa_autostart_path (const char *app_id)
{
  g_autofree char *name = g_strconcat (app_id, ".desktop", NULL);

  return g_build_filename (g_get_user_config_dir (), "autostart", name, NULL);
}

gboolean
kassa_autostart_get_enabled (const char *app_id)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *path = kassa_autostart_path (app_id);
  g_autoptr(GError) error = NULL;
  gboolean enabled;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, NULL) ||
      !g_key_file_has_group (file, GROUP))
    return FALSE;

  if (g_key_file_get_boolean (file, GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, NULL))
    return FALSE;

  enabled = g_key_file_get_boolean (file, GROUP, "X-GNOME-Autostart-enabled", &error);
  /* Absent: the entry is enabled, as every desktop reads it. */
  return enabled || error != NULL;
}

static char *
entry_text (const char *app_id,
            const char *exec)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *quoted = g_shell_quote (exec);

  g_key_file_set_string (file, GROUP, G_KEY_FILE_DESKTOP_KEY_TYPE,
                         G_KEY_FILE_DESKTOP_TYPE_APPLICATION);
  g_key_file_set_string (file, GROUP, G_KEY_FILE_DESKTOP_KEY_NAME, "Kassa");
  g_key_file_set_locale_string (file, GROUP, G_KEY_FILE_DESKTOP_KEY_NAME, "mn", "Касс");
  g_key_file_set_string (file, GROUP, G_KEY_FILE_DESKTOP_KEY_COMMENT,
                         "SocialPay QR payment till");
  g_key_file_set_string (file, GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, quoted);
  g_key_file_set_string (file, GROUP, G_KEY_FILE_DESKTOP_KEY_ICON, app_id);
  g_key_file_set_boolean (file, GROUP, G_KEY_FILE_DESKTOP_KEY_TERMINAL, FALSE);
  g_key_file_set_boolean (file, GROUP, "X-GNOME-Autostart-enabled", TRUE);

  return g_key_file_to_data (file, NULL, NULL);
}

gboolean
kassa_autostart_set_enabled (const char  *app_id,
                             const char  *exec,
                             gboolean     enabled,
                             GError     **error)
{
  g_autofree char *path = kassa_autostart_path (app_id);
  g_autofree char *folder = g_path_get_dirname (path);
  g_autofree char *text = NULL;

  g_return_val_if_fail (app_id != NULL && exec != NULL, FALSE);

  if (!enabled)
    {
      int saved;

      if (g_unlink (path) == 0)
        return TRUE;
      saved = errno;
      if (saved == ENOENT)
        return TRUE;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   /* Translators: %s is a file, then why it cannot be removed */
                   _("Kassa cannot stop starting at login: %s cannot be removed (%s)."),
                   path, g_strerror (saved));
      return FALSE;
    }

  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   /* Translators: %s is a folder, then why it cannot be made */
                   _("Kassa cannot start at login: the folder %s cannot be made (%s)."),
                   folder, g_strerror (saved));
      return FALSE;
    }

  /* Atomically: a new file renamed over the old one, never half an entry. */
  text = entry_text (app_id, exec);
  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
    {
      g_autoptr(GError) cause = g_steal_pointer (error);

      g_set_error (error, cause->domain, cause->code,
                   /* Translators: %s is a folder, then why a file cannot be written there */
                   _("Kassa cannot start at login: nothing can be written in %s (%s)."),
                   folder, cause->message);
      return FALSE;
    }

  return TRUE;
}
