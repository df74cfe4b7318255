/* kassa-test-remote.c — the built `kassa` driven from outside
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-test-remote.h"

#include "kassa-dbus.h"
#include "kassa-test-ui.h"

/* ---- processes ---- */

void
kassa_test_run_free (KassaTestRun *run)
{
  g_clear_object (&run->process);
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  KassaTestRun *run = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &run->out, &run->err,
                                        &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

KassaTestRun *
kassa_test_run_start (GSubprocessLauncher *launcher,
                      const char * const  *argv)
{
  g_autoptr(GError) error = NULL;
  KassaTestRun *run = g_new0 (KassaTestRun, 1);

  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                             G_SUBPROCESS_FLAGS_STDERR_PIPE);
  run->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (run->process, NULL, NULL, run_done_cb, run);

  return run;
}

int
kassa_test_run_finish (KassaTestRun *run)
{
  if (!kassa_test_ui_wait (kassa_test_ui_flag_is_set, &run->done, KASSA_TEST_REMOTE_LIMIT_S))
    g_error ("the process did not exit within %d s", KASSA_TEST_REMOTE_LIMIT_S);
  g_assert_true (g_subprocess_get_if_exited (run->process));
  g_test_message ("exit %d, stdout: %s, stderr: %s", g_subprocess_get_exit_status (run->process),
                  run->out, run->err);

  return g_subprocess_get_exit_status (run->process);
}

JsonObject *
kassa_test_parse_object (const char *json)
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

/* ---- the session bus ---- */

void
kassa_test_remote_init (KassaTestRemote *remote)
{
  g_autoptr(GError) error = NULL;
  GString *path = g_string_new ("/");

  g_string_append (path, APP_ID);
  g_string_replace (path, ".", "/", 0);
  remote->object_path = g_string_free (path, FALSE);
  remote->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  /* Registers the error names, so that D-Bus errors come back in the domain. */
  g_assert_cmpuint (KASSA_DBUS_ERROR, !=, 0);
}

void
kassa_test_remote_clear (KassaTestRemote *remote)
{
  g_clear_object (&remote->bus);
  g_clear_pointer (&remote->object_path, g_free);
}

static GVariant *
bus_call (KassaTestRemote *remote,
          const char      *method,
          GVariant        *parameters,
          const char      *reply_type)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (remote->bus, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus", method,
                                       parameters, G_VARIANT_TYPE (reply_type),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);

  return reply;
}

gboolean
kassa_test_remote_is_running (KassaTestRemote *remote)
{
  g_autoptr(GVariant) reply = bus_call (remote, "NameHasOwner", g_variant_new ("(s)", APP_ID),
                                        "(b)");
  gboolean owned = FALSE;

  g_variant_get (reply, "(b)", &owned);

  return owned;
}

gboolean
kassa_test_remote_running_cb (gpointer data)
{
  return kassa_test_remote_is_running (data);
}

gboolean
kassa_test_remote_gone_cb (gpointer data)
{
  return !kassa_test_remote_is_running (data);
}

guint
kassa_test_remote_pid (KassaTestRemote *remote)
{
  g_autoptr(GVariant) reply = bus_call (remote, "GetConnectionUnixProcessID",
                                        g_variant_new ("(s)", APP_ID), "(u)");
  guint pid = 0;

  g_variant_get (reply, "(u)", &pid);

  return pid;
}

/* ---- Kassa's own interface ---- */

GVariant *
kassa_test_remote_call (KassaTestRemote *remote,
                        const char      *method,
                        GVariant        *parameters,
                        const char      *reply_type,
                        GError         **error)
{
  return g_dbus_connection_call_sync (remote->bus, APP_ID, remote->object_path,
                                      KASSA_DBUS_INTERFACE, method, parameters,
                                      reply_type ? G_VARIANT_TYPE (reply_type) : NULL,
                                      G_DBUS_CALL_FLAGS_NONE, 60000, NULL, error);
}

char *
kassa_test_remote_state (KassaTestRemote *remote)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = kassa_test_remote_call (remote, "State", NULL, "(s)", &error);
  char *json = NULL;

  g_assert_no_error (error);
  g_variant_get (reply, "(s)", &json);

  return json;
}

typedef struct
{
  KassaTestRemote *remote;
  const char      *state;
  char            *json;
} StateWait;

static gboolean
state_is (gpointer data)
{
  StateWait *w = data;
  g_autoptr(JsonObject) object = NULL;

  g_clear_pointer (&w->json, g_free);
  w->json = kassa_test_remote_state (w->remote);
  if (g_str_equal (w->json, "null"))
    return FALSE;
  object = kassa_test_parse_object (w->json);

  return g_strcmp0 (json_object_get_string_member (object, "state"), w->state) == 0;
}

JsonObject *
kassa_test_remote_wait_for_state (KassaTestRemote *remote,
                                  const char      *state)
{
  StateWait w = { remote, state, NULL };
  JsonObject *object;

  if (!kassa_test_ui_wait (state_is, &w, KASSA_TEST_REMOTE_LIMIT_S))
    g_error ("the current invoice did not reach %s: %s", state, w.json);
  object = kassa_test_parse_object (w.json);
  g_free (w.json);

  return object;
}

gboolean
kassa_test_remote_training (KassaTestRemote *remote)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;

  reply = g_dbus_connection_call_sync (remote->bus, APP_ID, remote->object_path,
                                       "org.freedesktop.DBus.Properties", "Get",
                                       g_variant_new ("(ss)", KASSA_DBUS_INTERFACE, "Training"),
                                       G_VARIANT_TYPE ("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(v)", &value);
  g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN));

  return g_variant_get_boolean (value);
}

void
kassa_test_remote_activate (KassaTestRemote *remote,
                            const char      *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantBuilder) params = g_variant_builder_new (G_VARIANT_TYPE ("av"));

  reply = g_dbus_connection_call_sync (remote->bus, APP_ID, remote->object_path,
                                       "org.gtk.Actions", "Activate",
                                       g_variant_new ("(sava{sv})", name, params, NULL),
                                       NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
}
