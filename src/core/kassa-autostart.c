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

/* The portal (xdg-desktop-portal's frontend) and its Request objects. */
#define PORTAL_NAME       "org.freedesktop.portal.Desktop"
#define PORTAL_PATH       "/org/freedesktop/portal/desktop"
#define BACKGROUND_IFACE  "org.freedesktop.portal.Background"
#define REQUEST_IFACE     "org.freedesktop.portal.Request"
/* Request::Response codes. */
#define RESPONSE_SUCCESS   0
#define RESPONSE_CANCELLED 1

G_DEFINE_QUARK (kassa-autostart-error-quark, kassa_autostart_error)

gboolean
kassa_autostart_in_flatpak (void)
{
  const char *info = g_getenv ("KASSA_FLATPAK_INFO");

  if (info == NULL || *info == '\0')
    info = "/.flatpak-info";
  return g_file_test (info, G_FILE_TEST_EXISTS);
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

/* ------------------------------------------------------------------ */
/* The Background portal                                               */

typedef struct
{
  GDBusConnection *connection;
  gboolean         enabled;
  char            *token;
  char            *handle;       /* the Request object's path */
  guint            response_id;  /* Request::Response subscription */
  gboolean         done;         /* the task has its result */
  GSource         *cancelled;    /* on the task's context */
} Request;

static void
request_free (Request *request)
{
  g_clear_object (&request->connection);
  g_free (request->token);
  g_free (request->handle);
  g_free (request);
}

/* The person's sentence for a request that got no answer: what could not be
 * done, then why. */
static void
return_failure (GTask      *task,
                gint        code,
                const char *detail)
{
  Request *request = g_task_get_task_data (task);
  const char *text;

  if (code == KASSA_AUTOSTART_ERROR_NO_PORTAL)
    {
      if (request->enabled)
        g_task_return_new_error (task, KASSA_AUTOSTART_ERROR, code,
                                 /* Translators: %s is the D-Bus error, as the system says it */
                                 _("Kassa cannot start at login: the desktop’s Background "
                                   "portal does not answer (%s)."), detail);
      else
        g_task_return_new_error (task, KASSA_AUTOSTART_ERROR, code,
                                 /* Translators: %s is the D-Bus error, as the system says it */
                                 _("Kassa cannot stop starting at login: the desktop’s "
                                   "Background portal does not answer (%s)."), detail);
      return;
    }

  if (code == KASSA_AUTOSTART_ERROR_CANCELLED)
    text = request->enabled ? _("Kassa cannot start at login: the desktop’s question was "
                                "cancelled.")
                            : _("Kassa cannot stop starting at login: the desktop’s question "
                                "was cancelled.");
  else
    text = request->enabled ? _("Kassa cannot start at login: the desktop turned the request "
                                "down.")
                            : _("Kassa cannot stop starting at login: the desktop turned the "
                                "request down.");
  g_task_return_error (task, g_error_new_literal (KASSA_AUTOSTART_ERROR, code, text));
}

/* Ends the wait for the Response: no more signal, no more cancel source. */
static void
request_stop (GTask *task)
{
  Request *request = g_task_get_task_data (task);

  request->done = TRUE;
  if (request->cancelled != NULL)
    {
      g_source_destroy (request->cancelled);
      g_clear_pointer (&request->cancelled, g_source_unref);
    }
  /* The subscription holds a reference to the task: the last unsubscribe may
   * drop it, so after everything else. */
  if (request->response_id != 0)
    {
      guint id = request->response_id;

      request->response_id = 0;
      g_dbus_connection_signal_unsubscribe (request->connection, id);
    }
}

/* The session bus or the portal's name failed us (@error, taken). */
static void
return_bus_failure (GTask  *task,
                    GError *error)
{
  request_stop (task);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      return;
    }
  g_dbus_error_strip_remote_error (error);
  return_failure (task, KASSA_AUTOSTART_ERROR_NO_PORTAL, error->message);
  g_error_free (error);
}

static void
on_request_response_cb (GDBusConnection *connection,
                        const char      *sender,
                        const char      *object_path,
                        const char      *interface_name,
                        const char      *signal_name,
                        GVariant        *parameters,
                        gpointer         user_data)
{
  g_autoptr(GTask) task = g_object_ref (G_TASK (user_data));
  Request *request = g_task_get_task_data (task);
  g_autoptr(GVariant) results = NULL;
  gboolean autostart = FALSE;
  guint32 response;

  if (request->done)
    return;
  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ua{sv})")))
    return;

  g_variant_get (parameters, "(u@a{sv})", &response, &results);
  request_stop (task);

  if (response == RESPONSE_SUCCESS)
    {
      /* Absent: not granted. */
      g_variant_lookup (results, "autostart", "b", &autostart);
      g_task_return_int (task, autostart);
    }
  else if (response == RESPONSE_CANCELLED)
    return_failure (task, KASSA_AUTOSTART_ERROR_CANCELLED, NULL);
  else
    return_failure (task, KASSA_AUTOSTART_ERROR_FAILED, NULL);
}

static void
request_subscribe (GTask *task)
{
  Request *request = g_task_get_task_data (task);

  request->response_id =
    g_dbus_connection_signal_subscribe (request->connection, PORTAL_NAME, REQUEST_IFACE,
                                        "Response", request->handle, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_request_response_cb, g_object_ref (task),
                                        g_object_unref);
}

static gboolean
on_cancelled_cb (GCancellable *cancellable,
                 gpointer      user_data)
{
  GTask *task = G_TASK (user_data);
  Request *request = g_task_get_task_data (task);

  if (request->done)
    return G_SOURCE_REMOVE;

  /* The desktop's question goes away too (when the request is known). */
  if (request->handle != NULL)
    g_dbus_connection_call (request->connection, PORTAL_NAME, request->handle, REQUEST_IFACE,
                            "Close", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  g_object_ref (task);
  request_stop (task);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
request_background_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *handle = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (request->done)
    return;
  if (reply == NULL)
    {
      return_bus_failure (task, g_steal_pointer (&error));
      return;
    }

  /* Portals before 0.9 did not use handle_token: the handle they return is
   * where the Response comes (it may have come already: then nothing more
   * does, and only cancelling ends the wait). */
  g_variant_get (reply, "(&o)", &handle);
  if (g_strcmp0 (handle, request->handle) != 0)
    {
      guint id = request->response_id;

      g_free (request->handle);
      request->handle = g_strdup (handle);
      request->response_id = 0;
      request_subscribe (task);
      g_dbus_connection_signal_unsubscribe (request->connection, id);
    }
}

static void
got_bus_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = G_TASK (user_data);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *sender = NULL;
  const char * const commandline[] = { "kassa", NULL };
  GVariantBuilder options;

  request->connection = g_bus_get_finish (result, &error);
  if (request->done)
    return;
  if (request->connection == NULL)
    {
      return_bus_failure (task, g_steal_pointer (&error));
      return;
    }

  /* The Request's path is known before the call (the portal spec:
   * /org/freedesktop/portal/desktop/request/SENDER/TOKEN, SENDER the unique
   * name without its ':' and with '_' for '.'): listening first, no Response
   * is missed. */
  sender = g_strdup (g_dbus_connection_get_unique_name (request->connection) + 1);
  g_strdelimit (sender, ".", '_');
  request->token = g_strdup_printf ("kassa%u", g_random_int ());
  request->handle = g_strconcat (PORTAL_PATH "/request/", sender, "/", request->token, NULL);
  request_subscribe (task);

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (request->token));
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Start Kassa when you log in")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (request->enabled));
  g_variant_builder_add (&options, "{sv}", "commandline",
                         g_variant_new_strv (commandline, -1));
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));

  /* No parent window: GTK 4.8 would need the Wayland toplevel's exported
   * handle, and the portal's dialog is fine without one. */
  g_dbus_connection_call (request->connection, PORTAL_NAME, PORTAL_PATH, BACKGROUND_IFACE,
                          "RequestBackground", g_variant_new ("(sa{sv})", "", &options),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          g_task_get_cancellable (task), request_background_cb,
                          g_object_ref (task));
}

void
kassa_autostart_request_async (gboolean             enabled,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Request *request = g_new0 (Request, 1);

  g_task_set_source_tag (task, kassa_autostart_request_async);
  request->enabled = enabled;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  if (cancellable != NULL)
    {
      request->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (request->cancelled, G_SOURCE_FUNC (on_cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (request->cancelled, g_task_get_context (task));
    }

  g_bus_get (G_BUS_TYPE_SESSION, cancellable, got_bus_cb, g_object_ref (task));
}

gboolean
kassa_autostart_request_finish (GAsyncResult  *result,
                                gboolean      *out_autostart,
                                GError       **error)
{
  gssize autostart;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  autostart = g_task_propagate_int (G_TASK (result), error);
  if (autostart < 0)
    return FALSE;
  if (out_autostart != NULL)
    *out_autostart = autostart != 0;
  return TRUE;
}
