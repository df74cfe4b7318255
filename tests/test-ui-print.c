/* test-ui-print.c — the application on a receipt printer: auto-print, the drawer, Reprint
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * KassaApplication runs here (non-unique, training mode) with real windows
 * under the display harness, as in test-ui-app.c; the receipt printer is the
 * stand-in process (tests/kassa-test-printer.c) on tcp:127.0.0.1:PORT, whose
 * received bytes are decoded back into the printed image
 * (tests/kassa-escpos-decode.h). The settings are GSettings' memory backend,
 * shared with the application in this process. What each case checks is the
 * journal (its `prints` and audit rows), the windows and the printer's bytes.
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n.h>

#include "kassa-application.h"
#include "kassa-escpos-decode.h"
#include "kassa-escpos.h"
#include "kassa-history-window.h"
#include "kassa-journal.h"
#include "kassa-manager.h"
#include "kassa-pin-dialog.h"
#include "kassa-print-settings.h"
#include "kassa-printer.h"
#include "kassa-refund-dialog.h"
#include "kassa-test-escpos.h"
#include "kassa-test-printer-util.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"
#include "kassa-training.h"
#include "kassa-window.h"

#define LIMIT_S 30
#define PIN "2468"
#define SETTINGS_SCHEMA "mn.kassa.Kassa"

typedef struct
{
  KassaTestUiAppFixture app;      /* first: the bodies get a pointer to it */
  GSettings            *settings;
  KassaTestPrinter     *printer;  /* the stand-in the settings point at, or NULL */
  GPtrArray            *numbers;  /* char *: invoices a case carries over a restart */
  GPtrArray            *events;   /* "kind number state" of ::job-changed */
  KassaPrintState       state_at_paid;
  gboolean              saw_paid;
} Fixture;

/* ---- the application ---- */

static gboolean
app_ready (gpointer data)
{
  Fixture *f = data;
  GtkWindow *window = kassa_application_get_cashier_window (f->app.app);
  KassaCounter *counter = kassa_application_get_counter (f->app.app);

  return window != NULL && gtk_widget_get_mapped (GTK_WIDGET (window)) && counter != NULL &&
         kassa_till_get_recovered (kassa_counter_get_till (counter));
}

static void
wait_app_ready (Fixture *f)
{
  if (!kassa_test_ui_wait (app_ready, f, LIMIT_S))
    g_error ("the cashier window was not shown with a recovered till");
}

static KassaCounter *
counter_of (Fixture *f)
{
  return kassa_application_get_counter (f->app.app);
}

static KassaJournal *
journal_of (Fixture *f)
{
  return kassa_till_get_journal (kassa_counter_get_till (counter_of (f)));
}

static KassaPrintQueue *
queue_of (Fixture *f)
{
  KassaPrintQueue *queue = kassa_application_get_print_queue (f->app.app);

  g_assert_nonnull (queue);
  return queue;
}

static KassaWindow *
cashier_of (Fixture *f)
{
  return KASSA_WINDOW (kassa_application_get_cashier_window (f->app.app));
}

static void
on_job_changed_cb (KassaPrintQueue *queue,
                   KassaPrintKind   kind,
                   const char      *number,
                   KassaPrintState  state,
                   const char      *error_text,
                   Fixture         *f)
{
  g_ptr_array_add (f->events, g_strdup_printf ("%s %s %s", kassa_print_kind_to_string (kind),
                                               number != NULL ? number : "-",
                                               kassa_print_state_to_string (state)));
}

/* Connected after the application's own handler: what the journal says of
 * the receipt at the moment the sale is PAID. */
static void
on_sale_state_cb (KassaInvoice *invoice,
                  GParamSpec   *pspec,
                  Fixture      *f)
{
  if (kassa_invoice_get_state (invoice) != KASSA_INVOICE_PAID || f->saw_paid)
    return;

  f->saw_paid = TRUE;
  f->state_at_paid = kassa_print_queue_get_receipt_state (queue_of (f),
                                                          kassa_invoice_get_number (invoice),
                                                          NULL);
  g_ptr_array_add (f->events, g_strdup_printf ("sale %s paid", kassa_invoice_get_number (invoice)));
}

static void
on_invoice_added_cb (KassaTill    *till,
                     KassaInvoice *invoice,
                     Fixture      *f)
{
  f->saw_paid = FALSE;
  g_signal_connect (invoice, "notify::state", G_CALLBACK (on_sale_state_cb), f);
}

static void
watch_app (Fixture *f)
{
  g_ptr_array_set_size (f->events, 0);
  g_signal_connect (queue_of (f), "job-changed", G_CALLBACK (on_job_changed_cb), f);
  g_signal_connect (kassa_counter_get_till (counter_of (f)), "invoice-added",
                    G_CALLBACK (on_invoice_added_cb), f);
}

static void
unwatch_app (Fixture *f,
             KassaInvoice *invoice)
{
  g_signal_handlers_disconnect_by_data (queue_of (f), f);
  g_signal_handlers_disconnect_by_data (kassa_counter_get_till (counter_of (f)), f);
  if (invoice != NULL)
    g_signal_handlers_disconnect_by_data (invoice, f);
}

static gboolean
has_event (Fixture    *f,
           const char *event)
{
  for (guint i = 0; i < f->events->len; i++)
    if (g_str_equal (g_ptr_array_index (f->events, i), event))
      return TRUE;
  return FALSE;
}

static int
event_index (Fixture    *f,
             const char *event)
{
  for (guint i = 0; i < f->events->len; i++)
    if (g_str_equal (g_ptr_array_index (f->events, i), event))
      return (int) i;
  return -1;
}

static guint
count_kind_events (Fixture    *f,
                   const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < f->events->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (f->events, i), prefix))
      n++;
  return n;
}

typedef struct
{
  Fixture    *f;
  const char *event;
} EventWait;

static gboolean
event_seen (gpointer data)
{
  EventWait *w = data;

  return has_event (w->f, w->event);
}

static void
wait_event (Fixture    *f,
            const char *event)
{
  EventWait w = { f, event };

  if (!kassa_test_ui_wait (event_seen, &w, LIMIT_S))
    {
      g_autofree char *seen = NULL;

      g_ptr_array_add (f->events, NULL);
      seen = g_strjoinv (" | ", (char **) f->events->pdata);
      g_ptr_array_remove_index (f->events, f->events->len - 1);
      g_error ("no “%s” from the print queue (seen: %s)", event, seen);
    }
}

/* The journal's word on @number's newest receipt job. */
static KassaPrintState
journal_receipt_state (Fixture     *f,
                       const char  *number,
                       char       **out_reason)
{
  g_autoptr(GError) error = NULL;
  KassaPrintState state = KASSA_PRINT_STATE_NONE;

  g_assert_true (kassa_journal_get_receipt_print (journal_of (f), number, &state, out_reason,
                                                  &error));
  g_assert_no_error (error);
  return state;
}

/* ---- the printer's bytes ---- */

/* Everything the stand-in received so far. */
static GBytes *
received (KassaTestPrinter *printer)
{
  return kassa_test_printer_wait_bytes (printer, 0);
}

static KassaEscposDecoded *
decode (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  KassaEscposDecoded *decoded = kassa_escpos_decode_bytes (bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (decoded);
  return decoded;
}

/* How many dots of @decoded's image are black. */
static guint64
black_dots (KassaEscposDecoded *decoded)
{
  const guint8 *data;
  int stride;
  guint64 n = 0;

  g_assert_nonnull (decoded->image);
  cairo_surface_flush (decoded->image);
  data = cairo_image_surface_get_data (decoded->image);
  stride = cairo_image_surface_get_stride (decoded->image);
  for (guint y = 0; y < decoded->height; y++)
    for (guint x = 0; x < decoded->width; x++)
      if ((((const guint32 *) (data + (gsize) y * stride))[x] & 0xff) < 0x80)
        n++;
  return n;
}

/* The QR codes zbarimg reads off @decoded's image. */
static GStrv
read_qr (KassaEscposDecoded *decoded,
         const char         *name)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_BUILT, "artefacts", "ui-print", NULL);
  g_autofree char *png = g_strconcat (dir, G_DIR_SEPARATOR_S, name, ".png", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (kassa_escpos_decoded_write_png (decoded, png, &error));
  g_assert_no_error (error);
  return kassa_test_ui_decode_qr (png);
}

/* The bytes of @invoice's receipt as the encoder writes them for the
 * settings' shop, at @width. */
static GBytes *
expected_receipt (Fixture      *f,
                  KassaInvoice *invoice,
                  guint         width)
{
  g_autoptr(KassaReportInfo) info = kassa_print_settings_get_info (f->settings);

  return kassa_test_escpos_receipt (invoice, info, width);
}

/* ---- windows ---- */

static gboolean
banner_hidden (gpointer data)
{
  return kassa_window_get_print_message (KASSA_WINDOW (data)) == NULL;
}

typedef struct
{
  KassaWindow *window;
  const char  *number;
  const char  *reason;
} BannerWait;

static gboolean
banner_says (gpointer data)
{
  BannerWait *w = data;
  const char *text = kassa_window_get_print_message (w->window);

  return text != NULL && strstr (text, w->number) != NULL &&
         (w->reason == NULL || strstr (text, w->reason) != NULL);
}

/* The cashier window's "Receipt not printed" banner names @number and
 * @reason, on screen. */
static void
wait_banner (Fixture    *f,
             const char *number,
             const char *reason)
{
  BannerWait w = { cashier_of (f), number, reason };
  g_autofree char *line = NULL;

  if (!kassa_test_ui_wait (banner_says, &w, LIMIT_S))
    g_error ("the banner says “%s”, not the receipt %s with “%s”",
             kassa_window_get_print_message (cashier_of (f)), number, reason);
  /* Translators' words, as the window builds them. */
  line = g_strdup_printf (_("Receipt not printed: %s (invoice %s)"), reason, number);
  kassa_test_ui_wait_label_containing (GTK_WIDGET (cashier_of (f)), line);
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  if (!gtk_widget_get_mapped (root))
    return NULL;
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
wait_active (GtkWindow *window)
{
  kassa_test_ui_wait_active (window, G_OBJECT_TYPE_NAME (window));
}

static gboolean
is_password_row (GtkWidget     *widget,
                 gconstpointer  data)
{
  /* The refund dialog's row, the PIN dialog's entry. */
  return ADW_IS_PASSWORD_ENTRY_ROW (widget) || GTK_IS_PASSWORD_ENTRY (widget);
}

/* The weston output @window is on (weston lays output 0 left of output 1). */
static guint
output_of (GtkWindow *window)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  GdkMonitor *monitor = gdk_display_get_monitor_at_surface (gdk_display_get_default (), surface);
  GdkRectangle geometry;

  g_assert_nonnull (monitor);
  gdk_monitor_get_geometry (monitor, &geometry);
  return geometry.x == 0 ? 0 : 1;
}

/* Types the PIN into @window's PIN row with real keys on its output, and Enter. */
static void
type_pin (GtkWindow *window)
{
  GtkWidget *row = kassa_test_ui_find_widget (GTK_WIDGET (window), is_password_row, NULL);
  guint output;

  g_assert_nonnull (row);
  wait_active (window);
  /* The PIN dialog's entry has the keyboard from the start. */
  if (ADW_IS_PASSWORD_ENTRY_ROW (row))
    g_assert_true (gtk_widget_grab_focus (row));
  output = output_of (window);
  kassa_test_ui_type (output, PIN);
  kassa_test_ui_wait_text (GTK_EDITABLE (row), PIN);
  kassa_test_ui_keys (output, "Return", NULL);
}

/* ---- fixture ---- */

static void
reset_settings (GSettings *settings)
{
  const char *keys[] = { "receipt-printer", "receipt-printer-dots", "cash-drawer",
                         "auto-print-receipts", "shop-name", "shop-address", "shop-phone",
                         "paper-width", "printer-name" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_settings_reset (settings, keys[i]);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  kassa_test_ui_app_fixture_setup (&f->app, "kassa-print");
  if (f->app.tmpdir == NULL)
    return;

  f->settings = g_settings_new (SETTINGS_SCHEMA);
  reset_settings (f->settings);
  g_settings_set_string (f->settings, "shop-name", "Дэлгүүр Test");
  g_settings_set_string (f->settings, "shop-address", "Улаанбаатар, 1-р хороо");
  g_settings_set_string (f->settings, "shop-phone", "+976 9911 2233");
  f->events = g_ptr_array_new_with_free_func (g_free);
  f->numbers = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  kassa_test_ui_app_fixture_teardown (&f->app);
  if (f->settings != NULL)
    reset_settings (f->settings);
  g_clear_object (&f->settings);
  g_clear_pointer (&f->printer, kassa_test_printer_free);
  g_clear_pointer (&f->events, g_ptr_array_unref);
  g_clear_pointer (&f->numbers, g_ptr_array_unref);
}

static void
use_stand_in (Fixture    *f,
              const char *status)
{
  KassaTestPrinterOptions options = { .tcp = TRUE, .status = status };

  f->printer = kassa_test_printer_spawn (&options);
  g_settings_set_string (f->settings, "receipt-printer",
                         kassa_test_printer_get_tcp_uri (f->printer));
}

/* In the parent: runs the current case again in a child process (with
 * LANGUAGE=@language when not NULL), and returns TRUE; in the child, FALSE.
 * (gettext reads LANGUAGE once, at the first translated string.) */
static gboolean
run_in_child (const char *language)
{
  if (g_test_subprocess ())
    return FALSE;

  if (language != NULL)
    g_setenv ("LANGUAGE", language, TRUE);
  g_test_trap_subprocess (NULL, 180 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (language != NULL)
    g_unsetenv ("LANGUAGE");
  g_test_trap_assert_passed ();
  return TRUE;
}

/* Runs @body in a new application, then finalizes it (a restart may follow). */
static void
run_app (Fixture          *f,
         KassaTestUiAppBody body)
{
  f->app.body_ran = FALSE;
  /* weston opens the cashier window on the pointer's output: output 0,
   * where the keys below go. */
  kassa_test_ui_pointer_to (0);
  g_assert_cmpint (kassa_test_ui_app_run (&f->app, body), ==, 0);
  g_assert_finalize_object (f->app.app);
  f->app.app = NULL;
}

/* ---- a. b. a paid sale prints by itself; the drawer only when set ---- */

static void
auto_print_body (KassaTestUiAppFixture *app)
{
  Fixture *f = (Fixture *) app;
  gboolean drawer = g_settings_get_boolean (f->settings, "cash-drawer");
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(KassaEscposDecoded) decoded = NULL;
  g_auto(GStrv) codes = NULL;
  g_autofree char *paid = NULL;
  g_autofree char *printing = NULL;
  g_autofree char *printed = NULL;
  const char *number;

  wait_app_ready (f);
  watch_app (f);

  invoice = kassa_test_ui_sell (counter_of (f), 125000, TRUE);
  number = kassa_invoice_get_number (invoice);
  paid = g_strdup_printf ("sale %s paid", number);
  printing = g_strdup_printf ("receipt %s printing", number);
  printed = g_strdup_printf ("receipt %s printed", number);

  /* The sale was done before its receipt's job even began: the till never
   * waits for the printer. */
  g_assert_true (f->saw_paid);
  g_assert_cmpint (f->state_at_paid, ==, KASSA_PRINT_STATE_NONE);
  wait_event (f, printed);
  g_assert_cmpint (event_index (f, paid), <, event_index (f, printing));
  g_assert_cmpint (event_index (f, printing), <, event_index (f, printed));
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
  g_assert_cmpint (journal_receipt_state (f, number, NULL), ==, KASSA_PRINT_STATE_PRINTED);
  g_assert_null (kassa_window_get_print_message (cashier_of (f)));

  if (drawer)
    wait_event (f, "drawer - printed");

  /* The receipt, whole, at the set width, with the shop of the settings. */
  got = received (f->printer);
  expected = expected_receipt (f, invoice, KASSA_ESCPOS_WIDTH_58MM);
  g_assert_cmpuint (kassa_escpos_count_document (got, expected), ==, 1);
  decoded = decode (got);
  g_assert_cmpuint (decoded->width, ==, KASSA_ESCPOS_WIDTH_58MM);
  g_assert_cmpuint (decoded->height, >, 200);
  g_assert_cmpuint (black_dots (decoded), >, 1000);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_INIT), ==, 1);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_CUT), ==, 1);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_TEXT), ==, 0);
  codes = read_qr (decoded, drawer ? "auto-print-drawer" : "auto-print");
  g_assert_cmpuint (g_strv_length (codes), ==, 1);
  g_assert_cmpstr (codes[0], ==, number);

  /* ESC p once per paid sale with the drawer on; never with it off. */
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_PULSE), ==,
                    drawer ? 1 : 0);
  g_assert_cmpuint (count_kind_events (f, "drawer "), ==, drawer ? 2 : 0);

  unwatch_app (f, invoice);
}

static void
test_auto_print (Fixture       *f,
                 gconstpointer  data)
{
  gboolean drawer = GPOINTER_TO_INT (data);

  if (f->app.tmpdir == NULL)
    return;

  use_stand_in (f, "ok");
  g_settings_set_uint (f->settings, "receipt-printer-dots", KASSA_ESCPOS_WIDTH_58MM);
  g_settings_set_boolean (f->settings, "auto-print-receipts", TRUE);
  g_settings_set_boolean (f->settings, "cash-drawer", drawer);
  run_app (f, auto_print_body);
}

/* ---- c. a printer that is off or out of paper: the banner and Reprint ---- */

#define N_FAILED 4  /* one more than the banner lists */

/* The cashier window still fits 1024 × 768 below weston's panel (32 px). */
static void
assert_cashier_fits (Fixture *f)
{
  int min_width = 0, min_height = 0;

  gtk_widget_measure (GTK_WIDGET (cashier_of (f)), GTK_ORIENTATION_HORIZONTAL, -1, &min_width,
                      NULL, NULL, NULL);
  gtk_widget_measure (GTK_WIDGET (cashier_of (f)), GTK_ORIENTATION_VERTICAL, MAX (min_width, 1024),
                      &min_height, NULL, NULL, NULL);
  g_test_message ("the cashier window with the banner: at least %d×%d", min_width, min_height);
  g_assert_cmpint (min_width, <=, 1024);
  g_assert_cmpint (min_height, <=, 768 - 32);
}

/* The banner lists the newest receipts and counts the one older. */
static void
assert_banner_lists_newest (Fixture    *f,
                            const char *reason)
{
  g_autofree char *more = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                        "and %u more receipt not printed",
                                                        "and %u more receipts not printed", 1),
                                           1);
  const char *text;

  for (guint i = 1; i < N_FAILED; i++)
    wait_banner (f, g_ptr_array_index (f->numbers, i), reason);
  text = kassa_window_get_print_message (cashier_of (f));
  g_assert_null (strstr (text, g_ptr_array_index (f->numbers, 0)));
  g_assert_nonnull (strstr (text, more));
  kassa_test_ui_wait_label_containing (GTK_WIDGET (cashier_of (f)), more);
  assert_cashier_fits (f);
}

static void
refused_body (KassaTestUiAppFixture *app)
{
  Fixture *f = (Fixture *) app;

  wait_app_ready (f);
  watch_app (f);
  g_assert_null (kassa_window_get_print_message (cashier_of (f)));

  for (guint i = 0; i < N_FAILED; i++)
    {
      g_autoptr(KassaInvoice) invoice = kassa_test_ui_sell (counter_of (f), 5000 + i, TRUE);
      g_autofree char *failed = g_strdup_printf ("receipt %s failed",
                                                 kassa_invoice_get_number (invoice));
      g_autofree char *reason = NULL;

      g_ptr_array_add (f->numbers, g_strdup (kassa_invoice_get_number (invoice)));
      wait_event (f, failed);
      /* The reason in words, on the cashier window; the sale stays PAID. */
      g_assert_cmpint (journal_receipt_state (f, kassa_invoice_get_number (invoice), &reason), ==,
                       KASSA_PRINT_STATE_FAILED);
      g_assert_nonnull (strstr (reason, "refused the connection"));
      wait_banner (f, kassa_invoice_get_number (invoice), reason);
      g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
      g_signal_handlers_disconnect_by_data (invoice, f);
    }
  {
    g_autofree char *reason = NULL;

    journal_receipt_state (f, g_ptr_array_index (f->numbers, N_FAILED - 1), &reason);
    assert_banner_lists_newest (f, reason);
  }
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (cashier_of (f)), 0, "print-not-printed"));

  unwatch_app (f, NULL);
}

static void
restarted_body (KassaTestUiAppFixture *app)
{
  Fixture *f = (Fixture *) app;
  g_autoptr(GPtrArray) invoices = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  const char *paper_out = kassa_printer_status_describe (KASSA_PRINTER_STATUS_PAPER_OUT);
  GtkWidget *button;

  wait_app_ready (f);

  /* After the restart the banner is back, from the journal. */
  g_assert_cmpint (journal_receipt_state (f, g_ptr_array_index (f->numbers, N_FAILED - 1),
                                          &reason), ==, KASSA_PRINT_STATE_FAILED);
  assert_banner_lists_newest (f, reason);
  for (guint i = 0; i < N_FAILED; i++)
    {
      KassaInvoice *invoice = kassa_journal_lookup (journal_of (f),
                                                    g_ptr_array_index (f->numbers, i), &error);

      g_assert_no_error (error);
      g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
      g_ptr_array_add (invoices, invoice);
    }

  /* The printer is there now, but out of paper: Ctrl+R (real keys) tries
   * each receipt again, and the banner says why. */
  watch_app (f);
  use_stand_in (f, "paper-out");
  kassa_test_ui_pointer_to (0);
  wait_active (GTK_WINDOW (cashier_of (f)));
  kassa_test_ui_keys (0, "ctrl+r", NULL);
  for (guint i = 0; i < N_FAILED; i++)
    {
      g_autofree char *failed = g_strdup_printf ("receipt %s failed",
                                                 (char *) g_ptr_array_index (f->numbers, i));

      wait_event (f, failed);
    }
  assert_banner_lists_newest (f, paper_out);
  /* Only the status was asked: no image was sent. */
  got = received (f->printer);
  {
    g_autoptr(KassaEscposDecoded) decoded = decode (got);

    g_assert_null (decoded->image);
    g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_STATUS), >, 0);
  }
  g_clear_pointer (&got, g_bytes_unref);

  /* Paper in: the Reprint button prints each once, and the banner goes. */
  kassa_test_printer_set_status (f->printer, "ok");
  button = find_button (GTK_WIDGET (cashier_of (f)), _("_Reprint"));
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  for (guint i = 0; i < N_FAILED; i++)
    {
      g_autofree char *printed = g_strdup_printf ("receipt %s printed",
                                                  (char *) g_ptr_array_index (f->numbers, i));

      wait_event (f, printed);
    }
  if (!kassa_test_ui_wait (banner_hidden, cashier_of (f), LIMIT_S))
    g_error ("the banner stayed: %s", kassa_window_get_print_message (cashier_of (f)));
  g_assert_false (gtk_widget_get_mapped (button) && gtk_widget_is_sensitive (button));

  got = received (f->printer);
  for (guint i = 0; i < N_FAILED; i++)
    {
      g_autoptr(GBytes) expected = expected_receipt (f, g_ptr_array_index (invoices, i),
                                                     KASSA_ESCPOS_WIDTH_80MM);

      g_assert_cmpint (journal_receipt_state (f, g_ptr_array_index (f->numbers, i), NULL), ==,
                       KASSA_PRINT_STATE_PRINTED);
      g_assert_cmpuint (kassa_escpos_count_document (got, expected), ==, 1);
    }
  {
    g_autoptr(KassaEscposDecoded) decoded = decode (got);
    g_auto(GStrv) codes = read_qr (decoded, "reprinted");
    /* zbarimg --raw gives the codes of the strip of receipts one after
     * another, with nothing between them: each number once, nothing else. */
    g_autofree char *read = g_strjoinv ("", codes);
    gsize total = 0;

    g_assert_cmpuint (decoded->width, ==, KASSA_ESCPOS_WIDTH_80MM);
    g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_CUT), ==, N_FAILED);

    for (guint i = 0; i < N_FAILED; i++)
      {
        const char *number = g_ptr_array_index (f->numbers, i);
        const char *at = strstr (read, number);

        if (at == NULL || strstr (at + 1, number) != NULL)
          g_error ("zbarimg read “%s”: not %s once", read, number);
        total += strlen (number);
      }
    g_assert_cmpuint (strlen (read), ==, total);
  }

  /* Ctrl+R with nothing to reprint prints nothing. */
  kassa_test_ui_keys (0, "ctrl+r", NULL);
  {
    g_autoptr(GBytes) later = NULL;
    guint n_events = f->events->len;

    g_usleep (300 * 1000);
    while (g_main_context_iteration (NULL, FALSE))
      ;
    later = received (f->printer);
    g_assert_cmpuint (g_bytes_get_size (later), ==, g_bytes_get_size (got));
    g_assert_cmpuint (f->events->len, ==, n_events);
  }

  unwatch_app (f, NULL);
}

static void
test_not_printed (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *off = NULL;

  if (f->app.tmpdir == NULL)
    return;

  off = kassa_test_printer_refused_uri ();
  g_settings_set_string (f->settings, "receipt-printer", off);
  g_settings_set_boolean (f->settings, "auto-print-receipts", TRUE);
  run_app (f, refused_body);
  g_assert_cmpuint (f->numbers->len, ==, N_FAILED);
  /* Kassa starts again on the same journal. */
  run_app (f, restarted_body);
}

/* ---- d. e. the history: exact scanned number, Reprint, a refund receipt ---- */

static void
charged_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  KassaInvoice **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = kassa_charge_queue_charge_finish (KASSA_CHARGE_QUEUE (source), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (*out);
}

static gboolean
invoice_is_set (gpointer data)
{
  return *(KassaInvoice **) data != NULL;
}

/* A paid QR sale through the remote control's queue, whose reference is @reference. */
static KassaInvoice *
sell_with_reference (Fixture    *f,
                     gint64      amount,
                     const char *reference)
{
  g_autoptr(GError) error = NULL;
  KassaInvoice *invoice = NULL;

  kassa_charge_queue_charge_async (kassa_application_get_charge_queue (f->app.app), amount,
                                   KASSA_INVOICE_METHOD_QR, NULL, reference, NULL, charged_cb,
                                   &invoice);
  if (!kassa_test_ui_wait (invoice_is_set, &invoice, LIMIT_S))
    g_error ("the charge of %" G_GINT64_FORMAT " was not taken", amount);
  kassa_test_ui_wait_invoice_state (invoice, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_true (kassa_counter_customer_pays (counter_of (f), &error));
  g_assert_no_error (error);
  kassa_test_ui_wait_invoice_state (invoice, KASSA_INVOICE_PAID);
  return invoice;
}

typedef struct
{
  KassaHistoryWindow *window;
  KassaInvoice       *invoice;
} SelectedWait;

static gboolean
history_selects (gpointer data)
{
  SelectedWait *w = data;
  KassaInvoice *selected = kassa_history_window_get_selected (w->window);

  return selected != NULL &&
         g_strcmp0 (kassa_invoice_get_number (selected), kassa_invoice_get_number (w->invoice)) == 0;
}

static gboolean
refund_done (gpointer data)
{
  return kassa_refund_dialog_get_outcome (KASSA_REFUND_DIALOG (data)) ==
         KASSA_REFUND_OUTCOME_REFUNDED;
}

static gboolean
two_drawers (gpointer data)
{
  Fixture *f = data;
  guint n = 0;

  for (guint i = 0; i < f->events->len; i++)
    n += g_str_equal (g_ptr_array_index (f->events, i), "drawer - printed");
  return n == 2;
}

static void
history_body (KassaTestUiAppFixture *app)
{
  Fixture *f = (Fixture *) app;
  g_autoptr(KassaInvoice) first = NULL;
  g_autoptr(KassaInvoice) second = NULL;
  g_autoptr(KassaInvoice) refunded = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(GBytes) expected_refund = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *printed = NULL;
  KassaHistoryWindow *history;
  GtkWindow *dialog;
  SelectedWait sw;
  guint before;

  wait_app_ready (f);
  g_assert_true (kassa_manager_set_pin (kassa_till_get_manager (kassa_counter_get_till (counter_of (f))),
                                        NULL, PIN, &error));
  g_assert_no_error (error);
  watch_app (f);

  /* Auto-print is off: nothing is printed by a sale. The newer sale's
   * reference is the older one's number, so a search for that number finds
   * both, the newer first. */
  first = sell_with_reference (f, 3100, NULL);
  second = sell_with_reference (f, 3200, kassa_invoice_get_number (first));
  /* The drawer opened for each paid sale; no receipt was printed. */
  if (!kassa_test_ui_wait (two_drawers, f, LIMIT_S))
    g_error ("the drawer did not open once for each of the two sales");
  g_assert_cmpuint (count_kind_events (f, "receipt "), ==, 0);

  g_action_group_activate_action (G_ACTION_GROUP (f->app.app), "history", NULL);
  history = KASSA_HISTORY_WINDOW (kassa_test_ui_wait_toplevel (KASSA_TYPE_HISTORY_WINDOW));
  kassa_test_ui_pointer_to (0);
  wait_active (GTK_WINDOW (history));

  /* A scanner types the receipt's QR code (the number) and Enter: that very
   * sale is selected, not the first one found. */
  kassa_test_ui_keys (0, "ctrl+f", NULL);
  kassa_test_ui_type (0, kassa_invoice_get_number (first));
  kassa_test_ui_keys (0, "Return", NULL);
  sw.window = history;
  sw.invoice = first;
  if (!kassa_test_ui_wait (history_selects, &sw, LIMIT_S))
    g_error ("the history selects %s, not %s",
             kassa_history_window_get_selected (history) != NULL
               ? kassa_invoice_get_number (kassa_history_window_get_selected (history)) : "nothing",
             kassa_invoice_get_number (first));
  {
    KassaHistoryModel *model = kassa_history_window_get_model (history);
    g_autoptr(KassaInvoice) top = g_list_model_get_item (G_LIST_MODEL (model), 0);

    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 2);
    g_assert_cmpstr (kassa_invoice_get_number (top), ==, kassa_invoice_get_number (second));
  }

  /* Reprint: on the receipt printer, through the queue. */
  printed = g_strdup_printf ("receipt %s printed", kassa_invoice_get_number (first));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (history), "history.reprint", NULL));
  wait_event (f, printed);
  kassa_test_ui_wait_label_containing (GTK_WIDGET (history), _("The receipt was printed."));
  expected = expected_receipt (f, first, KASSA_ESCPOS_WIDTH_80MM);
  got = received (f->printer);
  g_assert_cmpuint (kassa_escpos_count_document (got, expected), ==, 1);
  g_clear_pointer (&got, g_bytes_unref);

  /* A refund with the manager PIN prints the refund receipt (auto-print on). */
  g_settings_set_boolean (f->settings, "auto-print-receipts", TRUE);
  before = count_kind_events (f, "receipt ");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (history), "history.refund", NULL));
  dialog = kassa_test_ui_wait_toplevel (KASSA_TYPE_REFUND_DIALOG);
  wait_active (dialog);
  /* The reason field has the keyboard first. */
  kassa_test_ui_type (0, "damaged");
  {
    GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (dialog));

    while (focus != NULL && !(GTK_IS_EDITABLE (focus) && !GTK_IS_TEXT (focus)))
      focus = gtk_widget_get_parent (focus);
    g_assert_nonnull (focus);
    kassa_test_ui_wait_text (GTK_EDITABLE (focus), "damaged");
  }
  type_pin (dialog);
  if (!kassa_test_ui_wait (refund_done, dialog, LIMIT_S))
    g_error ("the refund did not happen: %s", kassa_refund_dialog_get_message (KASSA_REFUND_DIALOG (dialog)));
  refunded = kassa_journal_lookup (journal_of (f), kassa_invoice_get_number (first), &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (refunded), ==, KASSA_INVOICE_REFUNDED);
  {
    EventWait w = { f, NULL };
    g_autofree char *again = g_strdup_printf ("receipt %s printed", kassa_invoice_get_number (first));

    w.event = again;
    /* Its second "printed" event. */
    while (count_kind_events (f, "receipt ") < before + 2)
      if (!g_main_context_iteration (NULL, TRUE))
        break;
    g_assert_true (event_seen (&w));
  }
  g_assert_cmpint (journal_receipt_state (f, kassa_invoice_get_number (first), NULL), ==,
                   KASSA_PRINT_STATE_PRINTED);
  expected_refund = expected_receipt (f, refunded, KASSA_ESCPOS_WIDTH_80MM);
  got = received (f->printer);
  g_assert_cmpuint (kassa_escpos_count_document (got, expected_refund), ==, 1);
  g_assert_cmpuint (kassa_escpos_count_document (got, expected), ==, 1);
  /* Not the drawer: a refund is not a sale. */
  g_assert_cmpuint (count_kind_events (f, "drawer "), ==, 4);

  gtk_window_destroy (dialog);
  gtk_window_destroy (GTK_WINDOW (history));
  unwatch_app (f, NULL);
}

static void
test_history (Fixture       *f,
              gconstpointer  data)
{
  if (f->app.tmpdir == NULL)
    return;

  use_stand_in (f, "ok");
  g_settings_set_boolean (f->settings, "cash-drawer", TRUE);
  run_app (f, history_body);
}

/* ---- f. Open Drawer: the manager's PIN, audited ---- */

static guint
count_audit (Fixture    *f,
             const char *action,
             const char *result)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = kassa_journal_list_audit (journal_of (f), &error);
  guint n = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    {
      KassaAuditEntry *row = g_ptr_array_index (rows, i);

      if (g_str_equal (row->action, action) && g_str_equal (row->result, result))
        n++;
    }
  return n;
}

static gboolean
pin_dialog_says (gpointer data)
{
  return kassa_pin_dialog_get_message (KASSA_PIN_DIALOG (data)) != NULL;
}

static void
drawer_body (KassaTestUiAppFixture *app)
{
  Fixture *f = (Fixture *) app;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *uri = g_settings_get_string (f->settings, "receipt-printer");
  GtkWindow *pin;

  wait_app_ready (f);
  g_assert_true (kassa_manager_set_pin (kassa_till_get_manager (kassa_counter_get_till (counter_of (f))),
                                        NULL, PIN, &error));
  g_assert_no_error (error);
  watch_app (f);

  /* No printer: a clear message, no PIN asked, nothing audited. */
  g_settings_set_string (f->settings, "receipt-printer", "");
  g_action_group_activate_action (G_ACTION_GROUP (f->app.app), "open-drawer", NULL);
  kassa_test_ui_wait_label_containing (GTK_WIDGET (cashier_of (f)),
              _("The cash drawer opens through the receipt printer: set one up in Preferences "
                "first."));
  g_assert_null (kassa_test_ui_find_toplevel (KASSA_TYPE_PIN_DIALOG));
  g_assert_cmpuint (count_audit (f, KASSA_MANAGER_ACTION_OPEN_DRAWER,
                                 KASSA_MANAGER_RESULT_AUTHORISED), ==, 0);
  g_assert_cmpuint (f->events->len, ==, 0);

  /* With the printer: the PIN, then ESC p, and two audit rows. */
  g_settings_set_string (f->settings, "receipt-printer", uri);
  g_action_group_activate_action (G_ACTION_GROUP (f->app.app), "open-drawer", NULL);
  pin = kassa_test_ui_wait_toplevel (KASSA_TYPE_PIN_DIALOG);
  g_assert_cmpuint (f->events->len, ==, 0);
  /* The PIN goes in through the dialog's own field and "Confirm": real keys
   * do not reliably reach a dialog over the cashier window while the
   * customer display is fullscreen (weston under the harness); the PIN
   * dialog's keys are tested in test-ui-preferences. The manager still
   * checks the PIN and writes the audit row. */
  kassa_test_ui_wait_active (pin, "the PIN dialog");
  {
    GtkWidget *row = kassa_test_ui_find_widget (GTK_WIDGET (pin), is_password_row, NULL);

    g_assert_nonnull (row);
    gtk_editable_set_text (GTK_EDITABLE (row), "9999");
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pin), "pin.confirm", NULL));
    /* A wrong PIN: the dialog stays, says so, nothing is sent. */
    if (!kassa_test_ui_wait (pin_dialog_says, pin, LIMIT_S))
      g_error ("the PIN dialog took a wrong PIN without a word");
    g_assert_cmpuint (count_audit (f, KASSA_MANAGER_ACTION_OPEN_DRAWER,
                                   KASSA_MANAGER_RESULT_WRONG_PIN), ==, 1);
    g_assert_cmpuint (f->events->len, ==, 0);
    gtk_editable_set_text (GTK_EDITABLE (row), PIN);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pin), "pin.confirm", NULL));
  }
  wait_event (f, "drawer - printed");
  g_assert_cmpuint (count_audit (f, KASSA_MANAGER_ACTION_OPEN_DRAWER,
                                 KASSA_MANAGER_RESULT_AUTHORISED), ==, 1);
  g_assert_cmpuint (count_audit (f, KASSA_MANAGER_ACTION_OPEN_DRAWER,
                                 KASSA_MANAGER_RESULT_OPENED), ==, 1);
  do
    {
      g_free (line);
      line = kassa_test_printer_read_line (f->printer, "job ");
    }
  while (kassa_test_printer_job_count (line, "pulse") == 0);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "pulse"), ==, 1);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "raster"), ==, 0);
  {
    g_autoptr(GBytes) got = received (f->printer);
    g_autoptr(KassaEscposDecoded) decoded = decode (got);

    g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_PULSE), ==, 1);
    g_assert_null (decoded->image);
  }

  unwatch_app (f, NULL);
}

static void
test_open_drawer (Fixture       *f,
                  gconstpointer  data)
{
  if (f->app.tmpdir == NULL)
    return;

  use_stand_in (f, "ok");
  run_app (f, drawer_body);
}

/* ---- g. no receipt printer: no banner, nothing on the stand-in ---- */

static void
no_printer_body (KassaTestUiAppFixture *app)
{
  Fixture *f = (Fixture *) app;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(GBytes) got = NULL;

  wait_app_ready (f);
  watch_app (f);

  invoice = kassa_test_ui_sell (counter_of (f), 4100, TRUE);
  /* Whatever the idle after PAID would do has run. */
  g_usleep (300 * 1000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpint (journal_receipt_state (f, kassa_invoice_get_number (invoice), NULL), ==,
                   KASSA_PRINT_STATE_NONE);
  g_assert_null (kassa_window_get_print_message (cashier_of (f)));
  g_assert_cmpuint (f->events->len, ==, 1);  /* only "sale … paid" */
  got = received (f->printer);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 0);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);

  unwatch_app (f, invoice);
}

static void
test_no_printer (Fixture       *f,
                 gconstpointer  data)
{
  if (f->app.tmpdir == NULL)
    return;

  /* A stand-in runs, but the settings name none; the drawer is on. */
  use_stand_in (f, "ok");
  g_settings_set_string (f->settings, "receipt-printer", "");
  g_settings_set_boolean (f->settings, "cash-drawer", TRUE);
  run_app (f, no_printer_body);
}

/* ---- in Mongolian: the banner and its reason ---- */

static void
mongolian_body (KassaTestUiAppFixture *app)
{
  Fixture *f = (Fixture *) app;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autofree char *failed = NULL;
  const char *paper_out = kassa_printer_status_describe (KASSA_PRINTER_STATUS_PAPER_OUT);
  wait_app_ready (f);
  g_assert_null (kassa_window_get_print_message (cashier_of (f)));
  watch_app (f);

  invoice = kassa_test_ui_sell (counter_of (f), 6000, TRUE);
  failed = g_strdup_printf ("receipt %s failed", kassa_invoice_get_number (invoice));
  wait_event (f, failed);
  wait_banner (f, kassa_invoice_get_number (invoice), paper_out);
  g_assert_nonnull (strstr (kassa_window_get_print_message (cashier_of (f)),
                            "Баримт хэвлэгдсэнгүй"));
  g_assert_nonnull (strstr (paper_out, "цаас"));
  g_assert_nonnull (find_button (GTK_WIDGET (cashier_of (f)), "_Дахин хэвлэх"));
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (cashier_of (f)), 0, "print-not-printed-mn"));

  unwatch_app (f, invoice);
}

static void
test_mongolian (Fixture       *f,
                gconstpointer  data)
{
  if (f->app.tmpdir == NULL)
    return;

  if (run_in_child ("mn"))
    return;

  g_assert_cmpstr (g_getenv ("LANGUAGE"), ==, "mn");
  use_stand_in (f, "paper-out");
  g_settings_set_boolean (f->settings, "auto-print-receipts", TRUE);
  run_app (f, mongolian_body);
}

/* ---- a sale left open at the stop, paid meanwhile, and a refund whose answer
 * was lost: their receipts after the restart ---- */

typedef struct
{
  Fixture    *f;
  const char *number;
} PrintedWait;

static gboolean
receipt_is_printed (gpointer data)
{
  PrintedWait *w = data;

  return journal_receipt_state (w->f, w->number, NULL) == KASSA_PRINT_STATE_PRINTED;
}

static void
wait_receipt_printed (Fixture    *f,
                      const char *number)
{
  PrintedWait w = { f, number };

  if (!kassa_test_ui_wait (receipt_is_printed, &w, LIMIT_S))
    g_error ("the receipt of %s was not printed (journal: %s)", number,
             kassa_print_state_to_string (journal_receipt_state (f, number, NULL)));
}

static void
left_open_body (KassaTestUiAppFixture *app)
{
  Fixture *f = (Fixture *) app;
  g_autoptr(KassaInvoice) paid = NULL;
  g_autoptr(KassaInvoice) open = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0 };

  wait_app_ready (f);

  /* One sale paid and printed before the stop… */
  paid = kassa_test_ui_sell (counter_of (f), 7100, TRUE);
  wait_receipt_printed (f, kassa_invoice_get_number (paid));
  g_ptr_array_add (f->numbers, g_strdup (kassa_invoice_get_number (paid)));

  /* …and one still awaiting payment when Kassa quits. */
  kassa_counter_charge_async (counter_of (f), 7200, KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL,
                              kassa_test_async_done_cb, &w);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &w.done, LIMIT_S));
  open = kassa_counter_charge_finish (counter_of (f), w.result, &error);
  g_assert_no_error (error);
  g_clear_object (&w.result);
  kassa_test_ui_wait_invoice_state (open, KASSA_INVOICE_AWAITING_PAYMENT);
  g_ptr_array_add (f->numbers, g_strdup (kassa_invoice_get_number (open)));
  g_assert_cmpint (journal_receipt_state (f, kassa_invoice_get_number (open), NULL), ==,
                   KASSA_PRINT_STATE_NONE);

  got = received (f->printer);
  expected = expected_receipt (f, paid, KASSA_ESCPOS_WIDTH_80MM);
  g_assert_cmpuint (kassa_escpos_count_document (got, expected), ==, 1);
}

static guint
count_occurrences (const char *haystack,
                   const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
recovered_body (KassaTestUiAppFixture *app)
{
  Fixture *f = (Fixture *) app;
  const char *paid_number = g_ptr_array_index (f->numbers, 0);
  const char *open_number = g_ptr_array_index (f->numbers, 1);
  g_autoptr(KassaInvoice) paid = NULL;
  g_autoptr(KassaInvoice) recovered = NULL;
  g_autoptr(GBytes) expected_refund = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(KassaEscposDecoded) decoded = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) codes = NULL;

  wait_app_ready (f);

  /* Recovery found it paid: its receipt is printed, and the drawer opens. */
  recovered = kassa_journal_lookup (journal_of (f), open_number, &error);
  g_assert_no_error (error);
  kassa_test_ui_wait_invoice_state (recovered, KASSA_INVOICE_PAID);
  wait_receipt_printed (f, open_number);
  g_assert_null (kassa_window_get_print_message (cashier_of (f)));

  /* Whatever else an idle would print has run. */
  g_usleep (300 * 1000);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  /* The sale paid before the stop was refunded at the bank, its answer
   * lost: its refund receipt prints once recovery sees it refunded. */
  paid = kassa_journal_lookup (journal_of (f), paid_number, &error);
  g_assert_no_error (error);
  kassa_test_ui_wait_invoice_state (paid, KASSA_INVOICE_REFUNDED);
  wait_receipt_printed (f, paid_number);

  /* Whatever else an idle would print has run. */
  g_usleep (300 * 1000);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  got = received (f->printer);
  expected = expected_receipt (f, recovered, KASSA_ESCPOS_WIDTH_80MM);
  expected_refund = expected_receipt (f, paid, KASSA_ESCPOS_WIDTH_80MM);
  /* Exactly once each: the recovered sale's receipt and the refund's; the
   * receipt of the sale paid before the stop is not printed again. */
  g_assert_cmpuint (kassa_escpos_count_document (got, expected), ==, 1);
  g_assert_cmpuint (kassa_escpos_count_document (got, expected_refund), ==, 1);
  g_assert_cmpint (journal_receipt_state (f, paid_number, NULL), ==, KASSA_PRINT_STATE_PRINTED);

  decoded = decode (got);
  /* Three documents: the sale before the stop, the recovered sale, the refund. */
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_CUT), ==, 3);
  /* The drawer: once per paid sale, the recovered one included; never the refund. */
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_PULSE), ==, 2);
  codes = read_qr (decoded, "recovered");
  {
    g_autofree char *read = g_strjoinv ("", codes);

    /* zbarimg reads the strip's codes one after another, in its own order:
     * the refunded sale's number twice (its receipt and the refund's), the
     * recovered sale's once, nothing else. */
    g_assert_cmpuint (count_occurrences (read, paid_number), ==, 2);
    g_assert_cmpuint (count_occurrences (read, open_number), ==, 1);
    g_assert_cmpuint (strlen (read), ==, 2 * strlen (paid_number) + strlen (open_number));
  }
}

static void
test_recovered (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(KassaBankSim) bank = NULL;
  g_autoptr(KassaBankClient) client = NULL;
  g_autoptr(KassaBankTransaction) transaction = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaInvoice) refunding = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *state_file = NULL;
  g_autofree char *secret = NULL;
  KassaTestAsync w = { 0 };

  if (f->app.tmpdir == NULL)
    return;

  use_stand_in (f, "ok");
  g_settings_set_boolean (f->settings, "auto-print-receipts", TRUE);
  g_settings_set_boolean (f->settings, "cash-drawer", TRUE);
  run_app (f, left_open_body);
  g_assert_cmpuint (f->numbers->len, ==, 2);

  /* While Kassa is stopped, the customer pays at the (training) bank. */
  state_file = kassa_training_state_path (f->app.journal_path);
  bank = kassa_training_bank_new (state_file, &secret, &error);
  g_assert_no_error (error);
  g_assert_true (kassa_bank_sim_pay (bank, KASSA_TRAINING_TERMINAL,
                                     g_ptr_array_index (f->numbers, 1), &error));
  g_assert_no_error (error);

  /* The refund of the sale paid before the stop reached the bank, but Kassa
   * stopped before its answer was journaled. */
  client = kassa_training_client_new (bank, secret, &error);
  g_assert_no_error (error);
  kassa_bank_client_refund_async (client, 7100, g_ptr_array_index (f->numbers, 0), NULL,
                                  kassa_test_async_done_cb, &w);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &w.done, LIMIT_S));
  transaction = kassa_bank_client_refund_finish (client, w.result, &error);
  g_assert_no_error (error);
  g_clear_object (&w.result);
  journal = kassa_journal_open (f->app.journal_path, &error);
  g_assert_no_error (error);
  refunding = kassa_journal_lookup (journal, g_ptr_array_index (f->numbers, 0), &error);
  g_assert_no_error (error);
  g_assert_true (kassa_journal_move (journal, refunding, KASSA_INVOICE_REFUNDING, NULL, NULL,
                                     NULL, &error));
  g_assert_no_error (error);
  g_assert_true (kassa_journal_move (journal, refunding, KASSA_INVOICE_REFUND_UNKNOWN, NULL,
                                     NULL, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&refunding);
  g_assert_finalize_object (g_steal_pointer (&journal));
  g_assert_finalize_object (g_steal_pointer (&client));
  kassa_bank_sim_shutdown (bank);
  g_clear_object (&bank);

  /* Kassa starts again on the same journal. */
  run_app (f, recovered_body);
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("KASSA_LOCALEDIR");

  kassa_test_init (&argc, &argv);
  /* As main.c does: the windows' strings come from this domain. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

#define ADD(path, data, func) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)
  ADD ("/ui/print/auto-print", GINT_TO_POINTER (FALSE), test_auto_print);
  ADD ("/ui/print/auto-print-drawer", GINT_TO_POINTER (TRUE), test_auto_print);
  ADD ("/ui/print/not-printed", NULL, test_not_printed);
  ADD ("/ui/print/history", NULL, test_history);
  ADD ("/ui/print/open-drawer", NULL, test_open_drawer);
  ADD ("/ui/print/no-printer", NULL, test_no_printer);
  ADD ("/ui/print/mongolian", NULL, test_mongolian);
  ADD ("/ui/print/recovered", NULL, test_recovered);
#undef ADD

  return g_test_run ();
}
