/* test-ui-app.c — kassa starts in training mode, in a real window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "kassa-application.h"
#include "kassa-test-util.h"

typedef struct
{
  KassaApplication *app;
  SoupSession      *session;
  guint             http_status;
  char             *reply;
  gboolean          window_seen;
} AppFixture;

static void
training_bank_answered_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  AppFixture *fixture = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  SoupMessage *msg;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  fixture->http_status = soup_message_get_status (msg);
  fixture->reply = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  g_application_quit (G_APPLICATION (fixture->app));
}

static gboolean
inspect_window_cb (gpointer user_data)
{
  AppFixture *fixture = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (fixture->app));
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *url = NULL;
  const char *base;

  if (window == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window)))
    return G_SOURCE_CONTINUE;

  fixture->window_seen = TRUE;
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (window), ==, "KassaWindow");

  /* The training bank is a real server inside the app: a request without a
   * checksum must be refused in the bank's envelope. */
  base = kassa_application_get_training_url (fixture->app);
  g_assert_nonnull (base);
  g_assert_true (g_str_has_prefix (base, "http://127.0.0.1:"));
  url = g_strconcat (base, "/pos/invoice/qr", NULL);
  msg = soup_message_new ("POST", url);
  body = g_bytes_new_static ("{}", 2);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  soup_session_send_and_read_async (fixture->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    training_bank_answered_cb, fixture);

  return G_SOURCE_REMOVE;
}

static void
test_app_starts_in_training_mode (void)
{
  AppFixture fixture = { 0 };
  int status;

  fixture.app = kassa_application_new ();
  fixture.session = soup_session_new ();
  g_application_set_flags (G_APPLICATION (fixture.app), G_APPLICATION_NON_UNIQUE);
  g_timeout_add (50, inspect_window_cb, &fixture);

  status = g_application_run (G_APPLICATION (fixture.app), 0, NULL);

  g_assert_cmpint (status, ==, 0);
  g_assert_true (fixture.window_seen);
  g_assert_cmpuint (fixture.http_status, ==, 200);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) error = NULL;
    JsonObject *header;

    json_parser_load_from_data (parser, fixture.reply, -1, &error);
    g_assert_no_error (error);
    header = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                            "header");
    g_assert_nonnull (header);
    g_assert_cmpint (json_object_get_int_member (header, "code"), ==, 400);
  }

  g_free (fixture.reply);
  g_clear_object (&fixture.session);
  g_clear_object (&fixture.app);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/ui/app/starts-in-training-mode", test_app_starts_in_training_mode);

  return g_test_run ();
}
