/* kassa-test-portal.c — a stand-in org.freedesktop.portal.Desktop with the Background portal
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-test-portal.h"

#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"

static const char portal_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.portal.Background'>"
  "    <method name='RequestBackground'>"
  "      <arg type='s' name='parent_window' direction='in'/>"
  "      <arg type='a{sv}' name='options' direction='in'/>"
  "      <arg type='o' name='handle' direction='out'/>"
  "    </method>"
  "    <property name='version' type='u' access='read'/>"
  "  </interface>"
  "  <interface name='org.freedesktop.portal.Request'>"
  "    <method name='Close'/>"
  "    <signal name='Response'>"
  "      <arg type='u' name='response'/>"
  "      <arg type='a{sv}' name='results'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

typedef struct
{
  KassaTestPortal      *portal;
  char                 *sender;
  char                 *handle;
  GVariant             *options;
  KassaTestPortalReply  reply;
  guint                 registration;
  guint                 idle_id;
  gboolean              closed;
  gboolean              answered;
} PortalRequest;

struct _KassaTestPortal
{
  GDBusConnection      *connection;
  GDBusNodeInfo        *info;
  guint                 registration;
  guint                 owner_id;
  gboolean              owned;
  KassaTestPortalReply  reply;
  gboolean              hold;
  GPtrArray            *requests;  /* PortalRequest * */
};

static void
portal_request_unexport (PortalRequest *request)
{
  if (request->registration != 0)
    g_dbus_connection_unregister_object (request->portal->connection, request->registration);
  request->registration = 0;
}

static void
portal_request_free (gpointer data)
{
  PortalRequest *request = data;

  portal_request_unexport (request);
  g_clear_handle_id (&request->idle_id, g_source_remove);
  g_free (request->sender);
  g_free (request->handle);
  g_clear_pointer (&request->options, g_variant_unref);
  g_free (request);
}

static void
portal_request_respond (PortalRequest *request)
{
  g_autoptr(GError) error = NULL;
  GVariantBuilder results;
  guint32 response = 0;
  gboolean autostart = FALSE;

  if (request->closed || request->answered)
    return;
  request->answered = TRUE;

  g_variant_builder_init (&results, G_VARIANT_TYPE_VARDICT);
  g_variant_lookup (request->options, "autostart", "b", &autostart);
  switch (request->reply)
    {
    case KASSA_TEST_PORTAL_GRANT:
    case KASSA_TEST_PORTAL_DENY_AUTOSTART:
      g_variant_builder_add (&results, "{sv}", "background", g_variant_new_boolean (TRUE));
      g_variant_builder_add (&results, "{sv}", "autostart",
                             g_variant_new_boolean (request->reply == KASSA_TEST_PORTAL_GRANT &&
                                                    autostart));
      break;
    case KASSA_TEST_PORTAL_CANCEL:
      response = 1;
      break;
    case KASSA_TEST_PORTAL_FAIL:
    default:
      response = 2;
      break;
    }

  /* xdg-desktop-portal sends the Response to the caller alone, then drops the
   * Request object. */
  g_dbus_connection_emit_signal (request->portal->connection, request->sender, request->handle,
                                 "org.freedesktop.portal.Request", "Response",
                                 g_variant_new ("(ua{sv})", response, &results), &error);
  g_assert_no_error (error);
  portal_request_unexport (request);
}

static gboolean
respond_cb (gpointer data)
{
  PortalRequest *request = data;

  request->idle_id = 0;
  portal_request_respond (request);
  return G_SOURCE_REMOVE;
}

static void
request_method_call_cb (GDBusConnection       *connection,
                        const char            *sender,
                        const char            *object_path,
                        const char            *interface_name,
                        const char            *method_name,
                        GVariant              *parameters,
                        GDBusMethodInvocation *invocation,
                        gpointer               user_data)
{
  PortalRequest *request = user_data;

  /* Close: only its caller may; no Response follows. */
  if (g_strcmp0 (sender, request->sender) != 0)
    {
      g_dbus_method_invocation_return_dbus_error (invocation,
                                                  "org.freedesktop.portal.Error.NotAllowed",
                                                  "Not the caller of this request");
      return;
    }
  request->closed = TRUE;
  g_dbus_method_invocation_return_value (invocation, NULL);
  portal_request_unexport (request);
}

static const GDBusInterfaceVTable request_vtable = { request_method_call_cb, NULL, NULL, { 0 } };

/* The option types xdg-desktop-portal's Background accepts. */
static const struct { const char *key; const char *type; } background_options[] = {
  { "handle_token", "s" },
  { "reason", "s" },
  { "autostart", "b" },
  { "commandline", "as" },
  { "dbus-activatable", "b" },
};

static gboolean
check_options (GVariant  *options,
               char     **out_message)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    for (gsize i = 0; i < G_N_ELEMENTS (background_options); i++)
      if (g_str_equal (key, background_options[i].key) &&
          !g_variant_is_of_type (value, G_VARIANT_TYPE (background_options[i].type)))
        {
          *out_message = g_strdup_printf ("Expected type '%s' for option '%s', got '%s'",
                                          background_options[i].type, key,
                                          g_variant_get_type_string (value));
          g_variant_unref (value);
          return FALSE;
        }

  return TRUE;
}

static gboolean
is_path_element (const char *token)
{
  if (*token == '\0')
    return FALSE;
  for (const char *p = token; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

static void
portal_method_call_cb (GDBusConnection       *connection,
                       const char            *sender,
                       const char            *object_path,
                       const char            *interface_name,
                       const char            *method_name,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation,
                       gpointer               user_data)
{
  KassaTestPortal *portal = user_data;
  g_autoptr(GVariant) options = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *escaped = NULL;
  const char *parent = NULL;
  const char *token = NULL;
  PortalRequest *request;

  g_variant_get (parameters, "(&s@a{sv})", &parent, &options);
  if (!check_options (options, &message))
    {
      g_dbus_method_invocation_return_dbus_error (invocation,
                                                  "org.freedesktop.portal.Error.InvalidArgument",
                                                  message);
      return;
    }
  if (!g_variant_lookup (options, "handle_token", "&s", &token))
    token = "t";
  if (!is_path_element (token))
    {
      g_dbus_method_invocation_return_dbus_error (invocation,
                                                  "org.freedesktop.portal.Error.InvalidArgument",
                                                  "Invalid token");
      return;
    }

  request = g_new0 (PortalRequest, 1);
  request->portal = portal;
  request->sender = g_strdup (sender);
  escaped = g_strdup (sender + 1);
  g_strdelimit (escaped, ".", '_');
  request->handle = g_strconcat (PORTAL_PATH "/request/", escaped, "/", token, NULL);
  request->options = g_variant_ref (options);
  request->reply = portal->reply;
  request->registration = g_dbus_connection_register_object (connection, request->handle,
                                                             portal->info->interfaces[1],
                                                             &request_vtable, request, NULL,
                                                             &error);
  g_assert_no_error (error);
  g_ptr_array_add (portal->requests, request);

  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", request->handle));
  if (!portal->hold)
    request->idle_id = g_idle_add (respond_cb, request);
}

static GVariant *
portal_get_property_cb (GDBusConnection  *connection,
                        const char       *sender,
                        const char       *object_path,
                        const char       *interface_name,
                        const char       *property_name,
                        GError          **error,
                        gpointer          user_data)
{
  /* xdg-desktop-portal 1.16 (Debian 12): version 1, no SetStatus. */
  return g_variant_new_uint32 (1);
}

static const GDBusInterfaceVTable portal_vtable = {
  portal_method_call_cb, portal_get_property_cb, NULL, { 0 }
};

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  KassaTestPortal *portal = user_data;

  portal->owned = TRUE;
}

static void
name_lost_cb (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  if (connection != NULL)
    g_error (PORTAL_NAME " is owned by someone else on the test bus");
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

KassaTestPortal *
kassa_test_portal_new (KassaTestPortalReply reply)
{
  KassaTestPortal *portal = g_new0 (KassaTestPortal, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  guint tick;

  portal->reply = reply;
  portal->requests = g_ptr_array_new_with_free_func (portal_request_free);
  /* Its own connection: the portal is another peer than the caller. */
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  portal->connection =
    g_dbus_connection_new_for_address_sync (address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  g_assert_no_error (error);
  portal->info = g_dbus_node_info_new_for_xml (portal_xml, &error);
  g_assert_no_error (error);
  portal->registration = g_dbus_connection_register_object (portal->connection, PORTAL_PATH,
                                                            portal->info->interfaces[0],
                                                            &portal_vtable, portal, NULL,
                                                            &error);
  g_assert_no_error (error);
  portal->owner_id = g_bus_own_name_on_connection (portal->connection, PORTAL_NAME,
                                                   G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                   name_acquired_cb, name_lost_cb, portal, NULL);
  /* A tick wakes the loop when nothing else happens: the deadline is seen. */
  tick = g_timeout_add (100, tick_cb, NULL);
  while (!portal->owned && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  g_assert_true (portal->owned);

  return portal;
}

void
kassa_test_portal_set_reply (KassaTestPortal      *portal,
                             KassaTestPortalReply  reply)
{
  portal->reply = reply;
}

void
kassa_test_portal_set_hold (KassaTestPortal *portal,
                            gboolean         hold)
{
  portal->hold = hold;
}

void
kassa_test_portal_release (KassaTestPortal *portal)
{
  portal->hold = FALSE;
  for (guint i = 0; i < portal->requests->len; i++)
    portal_request_respond (g_ptr_array_index (portal->requests, i));
}

guint
kassa_test_portal_n_requests (KassaTestPortal *portal)
{
  return portal->requests->len;
}

GVariant *
kassa_test_portal_get_options (KassaTestPortal *portal,
                               guint            index)
{
  PortalRequest *request;

  g_assert_cmpuint (index, <, portal->requests->len);
  request = g_ptr_array_index (portal->requests, index);
  return request->options;
}

gboolean
kassa_test_portal_get_closed (KassaTestPortal *portal,
                              guint            index)
{
  PortalRequest *request;

  g_assert_cmpuint (index, <, portal->requests->len);
  request = g_ptr_array_index (portal->requests, index);
  return request->closed;
}

void
kassa_test_portal_assert_request (KassaTestPortal *portal,
                                  guint            index,
                                  gboolean         autostart)
{
  GVariant *options = kassa_test_portal_get_options (portal, index);
  g_autofree const char **commandline = NULL;
  const char *token = NULL;
  const char *reason = NULL;
  gboolean asked = !autostart;
  gboolean activatable = TRUE;

  g_assert_cmpuint (g_variant_n_children (options), ==, 5);
  g_assert_true (g_variant_lookup (options, "handle_token", "&s", &token));
  g_assert_true (is_path_element (token));
  g_assert_true (g_variant_lookup (options, "reason", "&s", &reason));
  g_assert_cmpstr (reason, !=, "");
  g_assert_true (g_variant_lookup (options, "autostart", "b", &asked));
  g_assert_cmpint (asked, ==, autostart);
  g_assert_true (g_variant_lookup (options, "commandline", "^a&s", &commandline));
  g_assert_cmpuint (g_strv_length ((char **) commandline), ==, 1);
  g_assert_cmpstr (commandline[0], ==, "kassa");
  g_assert_true (g_variant_lookup (options, "dbus-activatable", "b", &activatable));
  g_assert_false (activatable);
}

void
kassa_test_portal_free (KassaTestPortal *portal)
{
  g_autoptr(GError) error = NULL;

  g_bus_unown_name (portal->owner_id);
  g_ptr_array_unref (portal->requests);
  g_dbus_connection_unregister_object (portal->connection, portal->registration);
  g_dbus_connection_close_sync (portal->connection, NULL, &error);
  g_assert_no_error (error);
  g_object_unref (portal->connection);
  g_dbus_node_info_unref (portal->info);
  g_free (portal);
}
