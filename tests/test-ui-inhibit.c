/* test-ui-inhibit.c — Kassa keeps the session awake while the customer display is not idle
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GTK 4.8's GtkApplication asks org.gnome.SessionManager (Inhibit(app_id,
 * toplevel_xid, reason, flags) → cookie, Uninhibit(cookie)) when that name
 * has an owner at the application's start-up (gtk/gtkapplication-dbus.c);
 * weston 10 has no idle-inhibit protocol, so the harness' session bus is
 * where the inhibitor goes. No GNOME session runs here: a stand-in owns the
 * name on the harness' private bus before the application starts, from its
 * own connection and thread (GTK calls Inhibit synchronously), and records
 * every call. KassaApplication runs in this process in training mode, and
 * real sales go through its counter to the in-process training bank.
 */

#include "config.h"

#include <glib/gstdio.h>

#include "kassa-application.h"
#include "kassa-customer-display.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"

#define LIMIT_S 30
#define INHIBIT_IDLE 8 /* GTK_APPLICATION_INHIBIT_IDLE, as gnome-session reads it */

/* ---- the stand-in session manager ---- */

static const char session_manager_xml[] =
  "<node>"
  "  <interface name='org.gnome.SessionManager'>"
  "    <method name='Inhibit'>"
  "      <arg type='s' name='app_id' direction='in'/>"
  "      <arg type='u' name='toplevel_xid' direction='in'/>"
  "      <arg type='s' name='reason' direction='in'/>"
  "      <arg type='u' name='flags' direction='in'/>"
  "      <arg type='u' name='inhibit_cookie' direction='out'/>"
  "    </method>"
  "    <method name='Uninhibit'>"
  "      <arg type='u' name='inhibit_cookie' direction='in'/>"
  "    </method>"
  "    <method name='RegisterClient'>"
  "      <arg type='s' name='app_id' direction='in'/>"
  "      <arg type='s' name='client_startup_id' direction='in'/>"
  "      <arg type='o' name='client_id' direction='out'/>"
  "    </method>"
  "    <method name='UnregisterClient'>"
  "      <arg type='o' name='client_id' direction='in'/>"
  "    </method>"
  "    <method name='IsInhibited'>"
  "      <arg type='u' name='flags' direction='in'/>"
  "      <arg type='b' name='is_inhibited' direction='out'/>"
  "    </method>"
  "  </interface>"
  "  <interface name='org.gnome.SessionManager.ClientPrivate'>"
  "    <method name='EndSessionResponse'>"
  "      <arg type='b' name='is_ok' direction='in'/>"
  "      <arg type='s' name='reason' direction='in'/>"
  "    </method>"
  "    <signal name='Stop'/>"
  "    <signal name='QueryEndSession'><arg type='u' name='flags'/></signal>"
  "    <signal name='EndSession'><arg type='u' name='flags'/></signal>"
  "    <signal name='CancelEndSession'/>"
  "  </interface>"
  "</node>";

/* Where a registered client's ClientPrivate object lives (gnome-session:
 * /org/gnome/SessionManager/ClientN). */
#define CLIENT_PATH "/org/gnome/SessionManager/Client1"

typedef struct
{
  char  *app_id;
  char  *reason;
  guint  flags;
  guint  cookie;
} Inhibition;

typedef struct
{
  GMutex     lock;
  GPtrArray *inhibits;     /* Inhibition *, every Inhibit call */
  GArray    *uninhibits;   /* guint cookies, every Uninhibit call */
  GArray    *active;       /* guint cookies held now */
  guint      next_cookie;
  gboolean   owned;
  GMainLoop *loop;
} SessionManager;

static SessionManager sm;

static void
inhibition_free (gpointer data)
{
  Inhibition *i = data;

  g_free (i->app_id);
  g_free (i->reason);
  g_free (i);
}

static void
sm_method_call_cb (GDBusConnection       *connection,
                   const char            *sender,
                   const char            *object_path,
                   const char            *interface_name,
                   const char            *method_name,
                   GVariant              *parameters,
                   GDBusMethodInvocation *invocation,
                   gpointer               user_data)
{
  g_mutex_lock (&sm.lock);
  if (g_str_equal (method_name, "Inhibit"))
    {
      Inhibition *i = g_new0 (Inhibition, 1);
      guint xid;

      g_variant_get (parameters, "(susu)", &i->app_id, &xid, &i->reason, &i->flags);
      i->cookie = sm.next_cookie++;
      g_ptr_array_add (sm.inhibits, i);
      g_array_append_val (sm.active, i->cookie);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", i->cookie));
    }
  else if (g_str_equal (method_name, "Uninhibit"))
    {
      guint cookie;
      gboolean found = FALSE;

      g_variant_get (parameters, "(u)", &cookie);
      g_array_append_val (sm.uninhibits, cookie);
      for (guint n = 0; n < sm.active->len; n++)
        if (g_array_index (sm.active, guint, n) == cookie)
          {
            g_array_remove_index (sm.active, n);
            found = TRUE;
            break;
          }
      /* gnome-session answers an unknown cookie with an error. */
      if (found)
        g_dbus_method_invocation_return_value (invocation, NULL);
      else
        g_dbus_method_invocation_return_dbus_error (invocation,
                                                    "org.gnome.SessionManager.GeneralError",
                                                    "Unable to uninhibit: Invalid cookie");
    }
  else if (g_str_equal (method_name, "RegisterClient"))
    {
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(o)", CLIENT_PATH));
    }
  else if (g_str_equal (method_name, "IsInhibited"))
    {
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(b)", sm.active->len > 0));
    }
  else
    {
      /* UnregisterClient, EndSessionResponse */
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  g_mutex_unlock (&sm.lock);
}

static const GDBusInterfaceVTable sm_vtable = { sm_method_call_cb, NULL, NULL, { 0 } };

static void
sm_name_acquired_cb (GDBusConnection *connection,
                     const char      *name,
                     gpointer         user_data)
{
  g_mutex_lock (&sm.lock);
  sm.owned = TRUE;
  g_mutex_unlock (&sm.lock);
}

static void
sm_name_lost_cb (GDBusConnection *connection,
                 const char      *name,
                 gpointer         user_data)
{
  if (connection != NULL)
    g_error ("org.gnome.SessionManager is owned by someone else on the test bus");
}

static gpointer
sm_thread (gpointer data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GDBusNodeInfo) info = NULL;
  g_autofree char *address = NULL;

  g_main_context_push_thread_default (context);

  /* Its own connection: GTK's Inhibit is a synchronous call from the main
   * thread, which must not be the one to answer it. */
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  connection = g_dbus_connection_new_for_address_sync (address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  info = g_dbus_node_info_new_for_xml (session_manager_xml, &error);
  g_assert_no_error (error);
  g_dbus_connection_register_object (connection, "/org/gnome/SessionManager",
                                     info->interfaces[0], &sm_vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_register_object (connection, CLIENT_PATH,
                                     info->interfaces[1], &sm_vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  g_bus_own_name_on_connection (connection, "org.gnome.SessionManager",
                                G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                sm_name_acquired_cb, sm_name_lost_cb, NULL, NULL);

  sm.loop = g_main_loop_new (context, FALSE);
  g_main_loop_run (sm.loop);

  return NULL;
}

static void
sm_start (void)
{
  gboolean owned = FALSE;

  g_mutex_init (&sm.lock);
  sm.inhibits = g_ptr_array_new_with_free_func (inhibition_free);
  sm.uninhibits = g_array_new (FALSE, FALSE, sizeof (guint));
  sm.active = g_array_new (FALSE, FALSE, sizeof (guint));
  sm.next_cookie = 4100;
  g_thread_unref (g_thread_new ("session-manager", sm_thread, NULL));

  for (guint i = 0; i < 200 && !owned; i++)
    {
      g_mutex_lock (&sm.lock);
      owned = sm.owned;
      g_mutex_unlock (&sm.lock);
      if (!owned)
        g_usleep (50 * 1000);
    }
  g_assert_true (owned);
}

static guint
sm_inhibit_count (void)
{
  guint n;

  g_mutex_lock (&sm.lock);
  n = sm.inhibits->len;
  g_mutex_unlock (&sm.lock);

  return n;
}

static guint
sm_uninhibit_count (void)
{
  guint n;

  g_mutex_lock (&sm.lock);
  n = sm.uninhibits->len;
  g_mutex_unlock (&sm.lock);

  return n;
}

/* A copy of Inhibit call @n. */
static Inhibition
sm_inhibit (guint n)
{
  Inhibition copy;
  Inhibition *i;

  g_mutex_lock (&sm.lock);
  g_assert_cmpuint (n, <, sm.inhibits->len);
  i = g_ptr_array_index (sm.inhibits, n);
  copy = *i;
  g_mutex_unlock (&sm.lock);

  return copy;
}

static guint
sm_uninhibit (guint n)
{
  guint cookie;

  g_mutex_lock (&sm.lock);
  g_assert_cmpuint (n, <, sm.uninhibits->len);
  cookie = g_array_index (sm.uninhibits, guint, n);
  g_mutex_unlock (&sm.lock);

  return cookie;
}

static void
sm_reset (void)
{
  g_mutex_lock (&sm.lock);
  g_ptr_array_set_size (sm.inhibits, 0);
  g_array_set_size (sm.uninhibits, 0);
  g_array_set_size (sm.active, 0);
  g_mutex_unlock (&sm.lock);
}

typedef struct
{
  guint inhibits;
  guint uninhibits;
} Counts;

static gboolean
sm_counts_reached (gpointer data)
{
  Counts *c = data;

  return sm_inhibit_count () >= c->inhibits && sm_uninhibit_count () >= c->uninhibits;
}

static void
wait_counts (guint       inhibits,
             guint       uninhibits,
             const char *what)
{
  Counts c = { inhibits, uninhibits };

  if (!kassa_test_ui_wait (sm_counts_reached, &c, LIMIT_S))
    g_error ("%s: %u Inhibit and %u Uninhibit calls, expected %u and %u", what,
             sm_inhibit_count (), sm_uninhibit_count (), inhibits, uninhibits);
  g_assert_cmpuint (sm_inhibit_count (), ==, inhibits);
  g_assert_cmpuint (sm_uninhibit_count (), ==, uninhibits);
}

/* ---- the application ---- */

typedef KassaTestUiAppFixture Fixture;

static gboolean
ready (gpointer data)
{
  Fixture *f = data;
  GtkWindow *window = kassa_application_get_cashier_window (f->app);
  GtkWindow *display = kassa_application_get_customer_display (f->app);
  KassaCounter *counter = kassa_application_get_counter (f->app);

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window)) &&
         display != NULL && gtk_widget_get_mapped (GTK_WIDGET (display)) &&
         counter != NULL && kassa_till_get_recovered (kassa_counter_get_till (counter));
}

typedef struct
{
  KassaCustomerDisplay    *display;
  KassaCustomerScreenKind  kind;
} KindWait;

static gboolean
display_shows (gpointer data)
{
  KindWait *w = data;

  return kassa_customer_display_get_screen_kind (w->display) == w->kind;
}

static void
wait_display (Fixture                 *f,
              KassaCustomerScreenKind  kind)
{
  KindWait w = { KASSA_CUSTOMER_DISPLAY (kassa_application_get_customer_display (f->app)), kind };

  if (!kassa_test_ui_wait (display_shows, &w, LIMIT_S))
    g_error ("the customer display shows %s, not %s",
             kassa_customer_screen_kind_to_string (kassa_customer_display_get_screen_kind (w.display)),
             kassa_customer_screen_kind_to_string (kind));
}

/* Lets the main loop run for @ms: what must not happen has had its chance. */
static void
settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10 * 1000);
}

/* Inhibit call @n came from Kassa, for idle, with its reason. */
static guint
assert_inhibition (guint n)
{
  Inhibition i = sm_inhibit (n);

  g_assert_cmpstr (i.app_id, ==, APP_ID);
  g_assert_cmpuint (i.flags & INHIBIT_IDLE, ==, INHIBIT_IDLE);
  g_assert_cmpstr (i.reason, ==, "A customer is paying");

  return i.cookie;
}

static void
run_app (Fixture *f,
         void   (*body) (Fixture *f))
{
  g_assert_cmpint (kassa_test_ui_app_run (f, body), ==, 0);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  sm_reset ();
  kassa_test_ui_app_fixture_setup (f, "kassa-inhibit");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  kassa_test_ui_app_fixture_teardown (f);
}

static void
charge (KassaCounter       *counter,
        KassaInvoiceMethod  method,
        const char         *phone)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  KassaTestAsync w = { 0 };

  kassa_counter_charge_async (counter, 1500, method, phone, NULL, NULL,
                              kassa_test_async_done_cb, &w);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &w.done, LIMIT_S));
  invoice = kassa_counter_charge_finish (counter, w.result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (invoice);
  g_clear_object (&w.result);
}

/* ---- the tests ---- */

static void
sales_body (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  KassaCounter *counter;
  KassaTestAsync w = { 0 };
  guint cookie;

  g_assert_true (kassa_test_ui_wait (ready, f, LIMIT_S));
  counter = kassa_application_get_counter (f->app);
  wait_display (f, KASSA_CUSTOMER_SCREEN_IDLE);
  /* The welcome screen lets the screen saver do its job. */
  settle (500);
  g_assert_cmpuint (sm_inhibit_count (), ==, 0);

  /* The QR: inhibited. */
  charge (counter, KASSA_INVOICE_METHOD_QR, NULL);
  wait_display (f, KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT);
  wait_counts (1, 0, "QR shown");
  cookie = assert_inhibition (0);

  /* Paid: still, once. */
  g_assert_true (kassa_counter_customer_pays (counter, &error));
  g_assert_no_error (error);
  wait_display (f, KASSA_CUSTOMER_SCREEN_PAID);
  settle (500);
  wait_counts (1, 0, "paid shown");

  /* Back to the welcome screen: released, that very cookie. */
  wait_display (f, KASSA_CUSTOMER_SCREEN_IDLE);
  wait_counts (1, 1, "idle after paid");
  g_assert_cmpuint (sm_uninhibit (0), ==, cookie);

  /* Sent to the phone, then cancelled. */
  charge (counter, KASSA_INVOICE_METHOD_PHONE, "99112233");
  wait_display (f, KASSA_CUSTOMER_SCREEN_SENT_TO_PHONE);
  wait_counts (2, 1, "sent to phone");
  cookie = assert_inhibition (1);
  g_assert_cmpuint (cookie, !=, sm_uninhibit (0));

  kassa_counter_cancel_async (counter, NULL, kassa_test_async_done_cb, &w);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &w.done, LIMIT_S));
  g_assert_true (kassa_counter_cancel_finish (counter, w.result, &error));
  g_assert_no_error (error);
  g_clear_object (&w.result);
  wait_display (f, KASSA_CUSTOMER_SCREEN_CANCELLED);
  settle (500);
  wait_counts (2, 1, "cancelled shown");

  wait_display (f, KASSA_CUSTOMER_SCREEN_IDLE);
  wait_counts (2, 2, "idle after cancel");
  g_assert_cmpuint (sm_uninhibit (1), ==, cookie);
}

static void
test_inhibit_sales (Fixture       *f,
                    gconstpointer  data)
{
  if (f->tmpdir == NULL)
    return;

  run_app (f, sales_body);
  /* Nothing held at shutdown, nothing released twice. */
  settle (200);
  g_assert_cmpuint (sm_inhibit_count (), ==, 2);
  g_assert_cmpuint (sm_uninhibit_count (), ==, 2);
}

static void
quit_while_paying_body (Fixture *f)
{
  g_assert_true (kassa_test_ui_wait (ready, f, LIMIT_S));
  charge (kassa_application_get_counter (f->app), KASSA_INVOICE_METHOD_QR, NULL);
  wait_display (f, KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT);
  wait_counts (1, 0, "QR shown");
  assert_inhibition (0);
  /* run_body_cb() quits with the QR on screen. */
}

static void
test_inhibit_shutdown (Fixture       *f,
                       gconstpointer  data)
{
  if (f->tmpdir == NULL)
    return;

  run_app (f, quit_while_paying_body);

  /* GApplication flushes its connection as it ends: the stand-in has the
   * Uninhibit by now, or at once. */
  for (guint i = 0; i < 200 && sm_uninhibit_count () == 0; i++)
    g_usleep (25 * 1000);
  g_assert_cmpuint (sm_inhibit_count (), ==, 1);
  g_assert_cmpuint (sm_uninhibit_count (), ==, 1);
  g_assert_cmpuint (sm_uninhibit (0), ==, sm_inhibit (0).cookie);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  /* Before any GtkApplication starts up: GTK looks for the session
   * manager once, then. */
  if (kassa_test_ui_have_harness ())
    sm_start ();

  g_test_add ("/ui/inhibit/sales", Fixture, NULL,
              fixture_setup, test_inhibit_sales, fixture_teardown);
  g_test_add ("/ui/inhibit/shutdown", Fixture, NULL,
              fixture_setup, test_inhibit_shutdown, fixture_teardown);

  return g_test_run ();
}
