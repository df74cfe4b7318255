/* test-ui-app.c — the application in this process: training mode, windows, a broken journal
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * KassaApplication runs here (non-unique, so it does not take the bus name),
 * with real windows under the display harness. Each test body runs from an
 * idle inside g_application_run() and waits for conditions with deadlines;
 * the application's shutdown then closes the journal like a real quit.
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "kassa-application.h"
#include "kassa-dbus.h"
#include "kassa-journal.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"
#include "kassa-training.h"
#include "kassa-window.h"

#define LIMIT_S 30

typedef KassaTestUiAppFixture AppFixture;

/* ---- helpers ---- */

static gboolean
cashier_window_mapped (gpointer data)
{
  AppFixture *f = data;
  GtkWindow *window = kassa_application_get_cashier_window (f->app);

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window));
}

/* Built once the cashier window's first frame is drawn. */
static gboolean
customer_display_built (gpointer data)
{
  AppFixture *f = data;

  return kassa_application_get_customer_display (f->app) != NULL;
}

static gboolean
till_recovered (gpointer data)
{
  AppFixture *f = data;
  KassaCounter *counter = kassa_application_get_counter (f->app);

  return counter != NULL && kassa_till_get_recovered (kassa_counter_get_till (counter));
}

typedef struct
{
  KassaInvoice *invoice;
  GError       *error;
  gboolean      done;
} ChargeResult;

static void
charged_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ChargeResult *r = user_data;

  r->invoice = kassa_charge_queue_charge_finish (KASSA_CHARGE_QUEUE (source), result, &r->error);
  r->done = TRUE;
}

typedef struct
{
  GBytes   *bytes;
  GError   *error;
  gboolean  done;
} HttpResult;

static void
http_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  HttpResult *r = user_data;

  r->bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &r->error);
  r->done = TRUE;
}

static char *
read_file (const char *path,
           gsize      *length)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);

  return contents;
}

/* ---- fixture ---- */

static void
fixture_setup (AppFixture    *f,
               gconstpointer  data)
{
  kassa_test_ui_app_fixture_setup (f, "kassa-app");
}

static void
fixture_teardown (AppFixture    *f,
                  gconstpointer  data)
{
  kassa_test_ui_app_fixture_teardown (f);
}

/* ---- training mode ---- */

static void
training_body (AppFixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  KassaCounter *counter;
  ChargeResult charge = { 0 };

  /* Both windows, the cashier's with the keyboard. */
  g_assert_true (kassa_test_ui_wait (cashier_window_mapped, f, LIMIT_S));
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (kassa_application_get_cashier_window (f->app)), ==,
                   "KassaWindow");
  g_assert_true (kassa_test_ui_wait (customer_display_built, f, LIMIT_S));
  g_assert_nonnull (kassa_application_get_customer_display (f->app));
  g_assert_nonnull (kassa_application_get_settings (f->app));
  g_free (kassa_test_ui_screenshot (0, "app-training-cashier"));

  counter = kassa_application_get_counter (f->app);
  g_assert_nonnull (counter);
  g_assert_true (kassa_counter_get_training (counter));
  g_assert_cmpstr (kassa_journal_get_path (kassa_till_get_journal (kassa_counter_get_till (counter))),
                   ==, f->journal_path);

  /* The training bank is a real server on loopback: a request without a
   * checksum is refused in the bank's envelope. */
  g_assert_true (g_str_has_prefix (kassa_application_get_training_url (f->app),
                                   "http://127.0.0.1:"));
  url = g_strconcat (kassa_application_get_training_url (f->app), "/pos/invoice/qr", NULL);
  {
    /* Asynchronously: the bank answers from this thread's main context. */
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    g_autoptr(GBytes) body = g_bytes_new_static ("{}", 2);
    g_autoptr(JsonParser) parser = json_parser_new ();
    HttpResult http = { 0 };
    JsonObject *header;

    soup_message_set_request_body_from_bytes (msg, "application/json", body);
    soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, http_done_cb,
                                      &http);
    g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &http.done, LIMIT_S));
    g_assert_no_error (http.error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 200);

    json_parser_load_from_data (parser, g_bytes_get_data (http.bytes, NULL),
                                g_bytes_get_size (http.bytes), &error);
    g_bytes_unref (http.bytes);
    g_assert_no_error (error);
    header = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                            "header");
    g_assert_nonnull (header);
    g_assert_cmpint (json_object_get_int_member (header, "code"), ==, 400);
  }

  /* A charge as the remote control makes it: it waits for recovery. */
  kassa_charge_queue_charge_async (kassa_application_get_charge_queue (f->app), 1500,
                                   KASSA_INVOICE_METHOD_QR, NULL, "app-test", NULL, charged_cb,
                                   &charge);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &charge.done, LIMIT_S));
  g_assert_no_error (charge.error);
  g_assert_true (till_recovered (f));
  g_assert_nonnull (charge.invoice);
  g_assert_true (kassa_counter_get_current_invoice (counter) == charge.invoice);
  g_assert_cmpint (kassa_invoice_get_state (charge.invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_cmpint (kassa_invoice_get_amount (charge.invoice), ==, 1500);
  g_assert_cmpstr (kassa_invoice_get_terminal (charge.invoice), ==, KASSA_TRAINING_TERMINAL);
  g_assert_nonnull (kassa_invoice_get_payload (charge.invoice));

  /* One payment at a time. */
  {
    ChargeResult second = { 0 };

    kassa_charge_queue_charge_async (kassa_application_get_charge_queue (f->app), 700,
                                     KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL, charged_cb,
                                     &second);
    g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &second.done, LIMIT_S));
    g_assert_error (second.error, KASSA_COUNTER_ERROR, KASSA_COUNTER_ERROR_BUSY);
    g_assert_cmpint (kassa_exit_code_for_error (second.error), ==, KASSA_EXIT_BUSY);
    g_assert_null (second.invoice);
    g_clear_error (&second.error);
  }

  g_assert_true (kassa_counter_customer_pays (counter, &error));
  g_assert_no_error (error);
  kassa_test_ui_wait_invoice_state (charge.invoice, KASSA_INVOICE_PAID);
  g_assert_cmpint (kassa_exit_code_for_state (KASSA_INVOICE_PAID), ==, KASSA_EXIT_OK);

  g_clear_object (&charge.invoice);
}

static void
test_app_training (AppFixture    *f,
                   gconstpointer  data)
{
  g_autofree char *state_file = NULL;

  if (f->tmpdir == NULL)
    return;

  g_assert_cmpint (kassa_test_ui_app_run (f, training_body), ==, 0);

  /* The training bank keeps its state beside the training journal. */
  g_assert_true (g_file_test (f->journal_path, G_FILE_TEST_IS_REGULAR));
  state_file = kassa_training_state_path (f->journal_path);
  g_assert_true (g_file_test (state_file, G_FILE_TEST_IS_REGULAR));

  /* The journal was closed at shutdown, with the paid sale in it. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(KassaJournal) journal = kassa_journal_open (f->journal_path, &error);
    g_autoptr(GPtrArray) invoices = NULL;

    g_assert_no_error (error);
    invoices = kassa_journal_list (journal, NULL, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (invoices->len, ==, 1);
    g_assert_cmpint (kassa_invoice_get_state (g_ptr_array_index (invoices, 0)), ==,
                     KASSA_INVOICE_PAID);
    g_assert_cmpstr (kassa_invoice_get_reference (g_ptr_array_index (invoices, 0)), ==,
                     "app-test");
  }
}

/* ---- a journal Kassa cannot use ---- */

typedef struct
{
  GQuark domain;
  int    code;
} Expected;

static Expected expected;

static gboolean
error_window_shown (gpointer data)
{
  AppFixture *f = data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (f->app));
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (f->app));

  if (window == NULL)
    window = windows != NULL ? windows->data : NULL;

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window));
}

static void
broken_journal_body (AppFixture *f)
{
  g_autoptr(GError) error = NULL;
  ChargeResult charge = { 0 };
  GList *windows;

  g_assert_true (kassa_test_ui_wait (error_window_shown, f, LIMIT_S));
  g_free (kassa_test_ui_screenshot (0, "app-broken-journal"));

  /* A window that says so, and nothing else: no till, no counter. */
  windows = gtk_application_get_windows (GTK_APPLICATION (f->app));
  g_assert_cmpuint (g_list_length (windows), ==, 1);
  g_assert_cmpstr (gtk_window_get_title (windows->data), ==, "Kassa cannot start");
  g_assert_null (kassa_application_get_cashier_window (f->app));
  g_assert_null (kassa_application_get_customer_display (f->app));
  g_assert_null (kassa_application_get_counter (f->app));
  g_assert_null (kassa_charge_queue_require_counter (kassa_application_get_charge_queue (f->app),
                                                     &error));
  g_assert_error (error, expected.domain, expected.code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->journal_path));

  /* A remote charge gets the same reason. */
  kassa_charge_queue_charge_async (kassa_application_get_charge_queue (f->app), 1500,
                                   KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL, charged_cb, &charge);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &charge.done, LIMIT_S));
  g_assert_null (charge.invoice);
  g_assert_error (charge.error, expected.domain, expected.code);
  g_assert_cmpint (kassa_exit_code_for_error (charge.error), ==, KASSA_EXIT_JOURNAL);
  g_clear_error (&charge.error);
}

static void
test_app_corrupt_journal (AppFixture    *f,
                          gconstpointer  data)
{
  static const char garbage[] = "this is not a Kassa journal\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;
  gsize length = 0;

  if (f->tmpdir == NULL)
    return;

  g_file_set_contents (f->journal_path, garbage, -1, &error);
  g_assert_no_error (error);

  expected.domain = KASSA_JOURNAL_ERROR;
  expected.code = KASSA_JOURNAL_ERROR_CORRUPT;
  g_assert_cmpint (kassa_test_ui_app_run (f, broken_journal_body), ==, 0);

  /* Left as it was: never recreated. */
  after = read_file (f->journal_path, &length);
  g_assert_cmpmem (after, length, garbage, strlen (garbage));
}

static void
test_app_locked_journal (AppFixture    *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) holder = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  if (f->tmpdir == NULL)
    return;

  /* Another process holds the journal: kassa-ctl waiting for a payment. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  holder = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("KASSA_CTL"), "--training",
                                        "sale", "1500", "--wait", "--autopay", "0",
                                        "--journal", f->journal_path, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (holder));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_nonnull (strstr (line, "\"invoice\""));

  expected.domain = KASSA_JOURNAL_ERROR;
  expected.code = KASSA_JOURNAL_ERROR_LOCKED;
  g_assert_cmpint (kassa_test_ui_app_run (f, broken_journal_body), ==, 0);

  g_subprocess_send_signal (holder, SIGTERM);
  g_subprocess_wait (holder, NULL, &error);
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add ("/ui/app/training", AppFixture, NULL,
              fixture_setup, test_app_training, fixture_teardown);
  g_test_add ("/ui/app/corrupt-journal", AppFixture, NULL,
              fixture_setup, test_app_corrupt_journal, fixture_teardown);
  g_test_add ("/ui/app/locked-journal", AppFixture, NULL,
              fixture_setup, test_app_locked_journal, fixture_teardown);

  return g_test_run ();
}
