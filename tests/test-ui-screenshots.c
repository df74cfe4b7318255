/* test-ui-screenshots.c — the metainfo's screenshots, taken of a real training day
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One short day at a training till, in a real Wayland session with two
 * outputs: a few sales, then the cashier types a charge (real keys through X →
 * weston → GTK), the customer display shows its QR on the second output (the
 * screenshot is decoded: it is the invoice's payload), the customer pays, the
 * manager looks at the history and closes the day. Each window is fullscreen
 * on its output when it is screenshotted, so the pictures are the window
 * alone. The screenshots land in <build>/tests/artefacts/store-*.png;
 * build-aux/update-screenshots.sh copies them to data/screenshots/, which the
 * metainfo names (docs/packaging.md).
 *
 * It also checks that the cashier window and the manager's windows, at their
 * minimum sizes, fit the smallest screen the metainfo's
 * <requires><display_length> admits.
 */

#include "config.h"

#include <string.h>

#include "kassa-amount.h"
#include "kassa-close-day-dialog.h"
#include "kassa-customer-display.h"
#include "kassa-history-window.h"
#include "kassa-manager.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"
#include "kassa-window.h"

#define LIMIT_S 30
#define PIN     "2468"
/* weston's desktop shell and GNOME Shell keep this much of a screen for their top bar. */
#define PANEL_HEIGHT 32
/* The narrowest landscape screens (1024×600 netbooks, 1024×768). */
#define NARROWEST_LANDSCAPE 1024

static AdwApplication *test_app;

/* ---- waiting ---- */

typedef struct
{
  GtkWindow  *window;
  GdkMonitor *monitor;
} PlaceWait;

static gboolean
fullscreen_on (gpointer data)
{
  PlaceWait *w = data;
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (w->window));

  return gtk_window_is_fullscreen (w->window) &&
         gtk_widget_get_mapped (GTK_WIDGET (w->window)) && surface != NULL &&
         gdk_display_get_monitor_at_surface (gtk_widget_get_display (GTK_WIDGET (w->window)),
                                             surface) == w->monitor;
}

/* Shows @window fullscreen on @monitor, active (it has the keyboard). */
static void
show_fullscreen (GtkWindow  *window,
                 GdkMonitor *monitor)
{
  PlaceWait w = { window, monitor };

  gtk_window_present (window);
  if (!kassa_test_ui_wait (kassa_test_ui_widget_is_mapped, window, LIMIT_S))
    g_error ("the %s was never mapped", G_OBJECT_TYPE_NAME (window));
  /* Once mapped: weston answers a state change before the first commit with a 0×0 configure. */
  gtk_window_fullscreen_on_monitor (window, monitor);
  if (!kassa_test_ui_wait (fullscreen_on, &w, LIMIT_S))
    g_error ("the %s is not fullscreen on %s", G_OBJECT_TYPE_NAME (window),
             gdk_monitor_get_connector (monitor));
}

static gboolean
window_is_active (gpointer data)
{
  return gtk_window_is_active (GTK_WINDOW (data));
}

static gboolean
has_settlement (gpointer data)
{
  return kassa_close_day_dialog_get_settlement (data) != NULL;
}

/* ---- weston's outputs and the pointer ---- */

/* Output @n (0: weston's screen0, the cashier's; 1: the customer's). */
static GdkMonitor *
output (guint n)
{
  GListModel *monitors = gdk_display_get_monitors (gdk_display_get_default ());
  g_autoptr(GdkMonitor) a = NULL;
  g_autoptr(GdkMonitor) b = NULL;
  GdkRectangle ga, gb;

  g_assert_cmpuint (g_list_model_get_n_items (monitors), ==, 2);
  a = g_list_model_get_item (monitors, 0);
  b = g_list_model_get_item (monitors, 1);
  gdk_monitor_get_geometry (a, &ga);
  gdk_monitor_get_geometry (b, &gb);
  /* weston lays screen0 left of screen1; the list owns the monitors. */
  if ((ga.x < gb.x) == (n == 0))
    return a;
  return b;
}

/* Moves the pointer to the bottom-right pixel of output 0: the arrow's tip is
 * its hot spot, so the rest of it falls outside and the screenshots show no
 * pointer. The next kassa_test_ui_keys() brings it back. */
static void
pointer_away (void)
{
  g_autofree char *window = kassa_test_ui_output_window (0);
  g_autofree char *x = NULL;
  g_autofree char *y = NULL;
  g_autoptr(GError) error = NULL;
  GdkRectangle geometry;
  int status = 0;

  gdk_monitor_get_geometry (output (0), &geometry);
  x = g_strdup_printf ("%d", geometry.width - 1);
  y = g_strdup_printf ("%d", geometry.height - 1);
  {
    const char *argv[] = { "xdotool", "mousemove", "--sync", "--window", window, x, y, NULL };

    g_setenv ("DISPLAY", g_getenv ("KASSA_TEST_X_DISPLAY"), TRUE);
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                                 G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status,
                                 &error));
  }
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);
}

/* ---- the day's sales, through the counter ---- */

static void
refund (KassaTestTill *t,
        KassaInvoice  *invoice)
{
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0 };

  kassa_till_refund_async (t->till, invoice, PIN, "returned", NULL, kassa_test_async_done_cb, &w);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &w.done, LIMIT_S));
  g_assert_true (kassa_till_refund_finish (t->till, w.result, &error));
  g_assert_no_error (error);
  g_clear_object (&w.result);
}

/* ---- the metainfo ---- */

/* The smallest screen side the merged metainfo requires (<requires><display_length
 * compare="ge">N</display_length>), in logical pixels. */
static guint
required_display_length (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strconcat (APP_ID, ".metainfo.xml", NULL);
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "..", "data", name, NULL);
  g_autofree char *text = NULL;
  g_autofree char *number = NULL;
  const char *requires, *length;
  const char *tag = "<display_length compare=\"ge\">";
  guint64 value = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  requires = strstr (text, "<requires>");
  g_assert_nonnull (requires);
  length = strstr (requires, tag);
  g_assert_nonnull (length);
  g_assert_true (length < strstr (requires, "</requires>"));
  length += strlen (tag);
  number = g_strndup (length, strcspn (length, "<"));
  g_assert_true (g_ascii_string_to_unsigned (number, 10, 320, 4096, &value, &error));
  g_assert_no_error (error);

  return (guint) value;
}

/* ---- the tests ---- */

/* Measures @window (shown) at its minimum size and fails unless it fits a
 * landscape screen @length pixels high (below a top bar) and at least
 * NARROWEST_LANDSCAPE wide. Destroys @window. */
static void
assert_fits (GtkWidget *window,
             guint      length)
{
  int min_width = 0, min_height = 0;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_widget_is_mapped, window, LIMIT_S));
  gtk_widget_measure (window, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  gtk_widget_measure (window, GTK_ORIENTATION_VERTICAL, min_width, &min_height, NULL, NULL, NULL);
  g_test_message ("%s minimum: %d×%d; metainfo: display_length ≥ %u",
                  G_OBJECT_TYPE_NAME (window), min_width, min_height, length);
  g_assert_cmpint (min_height, <=, (int) length - PANEL_HEIGHT);
  g_assert_cmpint (min_width, <=, NARROWEST_LANDSCAPE);
  kassa_test_ui_destroy_window (GTK_WINDOW (window));
}

/* The cashier window and the manager's windows, at their minimum sizes, fit a
 * landscape screen whose height is the metainfo's smallest display length.
 * (The customer display is fullscreen and sizes its QR to the monitor.) */
static void
test_fits_display_length (void)
{
  g_autoptr(GSettings) settings = NULL;
  KassaTestTill t = { 0 };
  guint length;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  length = required_display_length ();
  kassa_test_ui_till_open (&t, "fits", 5, 0);
  settings = g_settings_new ("mn.kassa.Kassa");
  kassa_test_ui_pointer_to (0);
  assert_fits (GTK_WIDGET (kassa_window_new (GTK_APPLICATION (test_app), t.counter)), length);
  assert_fits (GTK_WIDGET (kassa_history_window_new (NULL, t.counter, settings)), length);
  assert_fits (GTK_WIDGET (kassa_close_day_dialog_new (NULL, t.counter, settings)), length);
  kassa_test_ui_till_close (&t);
}

static void
test_store (void)
{
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(KassaInvoice) refunded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cashier_png = NULL;
  g_autofree char *customer_png = NULL;
  g_autofree char *sum_text = NULL;
  g_auto(GStrv) codes = NULL;
  KassaTestTill t = { 0 };
  KassaWindow *cashier;
  KassaCustomerDisplay *display;
  GtkWindow *history;
  KassaCloseDayDialog *close_day;
  KassaInvoice *invoice;
  KassaSettlement *settlement;
  GListModel *model;
  const gint64 paid[] = { 12500, 3200, 45000, 7800 };
  gint64 paid_sum = 0;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  kassa_test_ui_till_open (&t, "screenshots", 5, 0);
  g_assert_true (kassa_manager_set_pin (kassa_till_get_manager (t.till), NULL, PIN, &error));
  g_assert_no_error (error);

  settings = g_settings_new ("mn.kassa.Kassa");
  /* A grocery, as a Mongolian shop would name itself. */
  g_settings_set_string (settings, "shop-name", "Хүнсний дэлгүүр");
  g_settings_set_string (settings, "customer-display-connector",
                         gdk_monitor_get_connector (output (1)));
  g_settings_set_string (settings, "customer-display-model",
                         gdk_monitor_get_model (output (1)) ?: "");

  /* The morning: paid sales, one the customer walked away from, one refunded. */
  for (guint i = 0; i < G_N_ELEMENTS (paid); i++)
    {
      g_object_unref (kassa_test_ui_sell (t.counter, paid[i], TRUE));
      paid_sum += paid[i];
    }
  g_object_unref (kassa_test_ui_sell (t.counter, 900, FALSE));
  refunded = kassa_test_ui_sell (t.counter, 2300, TRUE);
  refund (&t, refunded);

  /* The customer display on output 1, then the cashier window on output 0, as Kassa opens them:
   * the cashier's window is the last one presented, and has the keyboard. */
  kassa_test_ui_pointer_to (0);
  display = kassa_customer_display_new (GTK_APPLICATION (test_app), t.counter, settings);
  g_assert_true (kassa_customer_display_get_monitor (display) == output (1));
  gtk_window_present (GTK_WINDOW (display));
  {
    PlaceWait w = { GTK_WINDOW (display), output (1) };

    if (!kassa_test_ui_wait (fullscreen_on, &w, LIMIT_S))
      g_error ("the customer display is not fullscreen on the second output");
  }
  cashier = kassa_window_new (GTK_APPLICATION (test_app), t.counter);
  show_fullscreen (GTK_WINDOW (cashier), output (0));
  g_assert_true (kassa_test_ui_wait (window_is_active, cashier, LIMIT_S));

  /* The cashier types 24 500 and Enter. */
  kassa_test_ui_keys (0, "2", "4", "5", "0", "0", "Return", NULL);
  invoice = kassa_test_ui_wait_current_state (t.counter, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_cmpint (kassa_invoice_get_amount (invoice), ==, 24500);
  pointer_away ();
  cashier_png = kassa_test_ui_screenshot_of (GTK_WIDGET (cashier), 0, "store-cashier");
  customer_png = kassa_test_ui_screenshot_of (GTK_WIDGET (display), 1, "store-customer-display");
  /* The QR in the picture is what the bank asked the customer to pay. */
  codes = kassa_test_ui_decode_qr (customer_png);
  g_assert_cmpuint (g_strv_length (codes), ==, 1);
  g_assert_cmpstr (codes[0], ==, kassa_invoice_get_payload (invoice));

  /* F9 (training): the customer pays. */
  kassa_test_ui_keys (0, "F9", NULL);
  kassa_test_ui_wait_invoice_state (invoice, KASSA_INVOICE_PAID);
  paid_sum += 24500;

  /* The manager's history: every sale of the day. */
  history = kassa_history_window_new (GTK_WINDOW (cashier), t.counter, settings);
  show_fullscreen (history, output (0));
  model = G_LIST_MODEL (kassa_history_window_get_model (KASSA_HISTORY_WINDOW (history)));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, G_N_ELEMENTS (paid) + 3);
  pointer_away ();
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (history), 0, "store-history"));
  kassa_test_ui_destroy_window (history);

  /* Close the day: the PIN field has the keyboard. */
  close_day = KASSA_CLOSE_DAY_DIALOG (kassa_close_day_dialog_new (GTK_WINDOW (cashier), t.counter,
                                                                  settings));
  show_fullscreen (GTK_WINDOW (close_day), output (0));
  g_assert_true (kassa_test_ui_wait (window_is_active, close_day, LIMIT_S));
  kassa_test_ui_keys (0, "2", "4", "6", "8", "Return", NULL);
  g_assert_true (kassa_test_ui_wait (has_settlement, close_day, LIMIT_S));
  settlement = kassa_close_day_dialog_get_settlement (close_day);
  g_assert_cmpint (kassa_settlement_get_state (settlement), ==, KASSA_SETTLEMENT_SETTLED);
  g_assert_cmpint (kassa_settlement_get_local_count (settlement), ==, G_N_ELEMENTS (paid) + 1);
  g_assert_cmpint (kassa_settlement_get_local_amount (settlement), ==, paid_sum);
  g_assert_true (kassa_settlement_reconcile (settlement));
  sum_text = kassa_amount_to_display (paid_sum);
  g_assert_nonnull (kassa_test_ui_find_widget (GTK_WIDGET (close_day),
                                               kassa_test_ui_is_label_with_text, sum_text));
  pointer_away ();
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (close_day), 0, "store-close-day"));
  kassa_test_ui_destroy_window (GTK_WINDOW (close_day));

  kassa_test_ui_destroy_window (GTK_WINDOW (display));
  kassa_test_ui_destroy_window (GTK_WINDOW (cashier));
  g_settings_reset (settings, "shop-name");
  g_settings_reset (settings, "customer-display-connector");
  g_settings_reset (settings, "customer-display-model");
  kassa_test_ui_till_close (&t);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  kassa_test_init (&argc, &argv);

  g_test_add_func ("/ui/screenshots/fits-display-length", test_fits_display_length);
  g_test_add_func ("/ui/screenshots/store", test_store);

  if (kassa_test_ui_have_harness ())
    test_app = kassa_test_ui_app_new ();

  status = g_test_run ();
  g_clear_object (&test_app);

  return status;
}
