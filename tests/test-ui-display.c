/* test-ui-display.c — the customer display in real Wayland sessions with two outputs and with one
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real journal, the training bank in-process, a till, a counter and the
 * customer display on weston's second output (chosen through the settings,
 * as a shop would). Sales go through the counter; what the customer sees is
 * proven on weston's own output: screenshots (kept as artefacts) decoded
 * with zbarimg, and the QR's pixels compared with the module matrix.
 *
 * The one-monitor case runs on a second weston with one output, started by
 * the test inside the harness' Xvfb and opened as a second GdkDisplay.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kassa-counter.h"
#include "kassa-customer-display.h"
#include "kassa-qr.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"
#include "kassa-training.h"

#define LIMIT_S KASSA_TEST_UI_LIMIT_S

static AdwApplication *test_app;

typedef struct
{
  KassaTestTill         t;  /* the training till: journal, bank, client, till, counter */
  GSettings            *settings;
  KassaCustomerDisplay *display;
  GdkMonitor           *outputs[2];  /* weston's screen0 (left), screen1 (right) */
} Fixture;

/* ---- waiting ---- */

typedef struct
{
  Fixture    *f;
  GdkMonitor *monitor;
} PlaceWait;

static GdkMonitor *
surface_monitor (Fixture *f)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (f->display));

  if (surface == NULL || !gtk_widget_get_mapped (GTK_WIDGET (f->display)))
    return NULL;

  return gdk_display_get_monitor_at_surface (gtk_widget_get_display (GTK_WIDGET (f->display)),
                                             surface);
}

static gboolean
fullscreen_on (gpointer data)
{
  PlaceWait *w = data;

  return gtk_window_is_fullscreen (GTK_WINDOW (w->f->display)) &&
         surface_monitor (w->f) == w->monitor;
}

static void
wait_fullscreen_on (Fixture    *f,
                    GdkMonitor *monitor)
{
  PlaceWait w = { f, monitor };

  if (!kassa_test_ui_wait (fullscreen_on, &w, LIMIT_S))
    g_error ("the customer display is not fullscreen on %s (fullscreen: %d, on %s)",
             gdk_monitor_get_connector (monitor),
             gtk_window_is_fullscreen (GTK_WINDOW (f->display)),
             surface_monitor (f) ? gdk_monitor_get_connector (surface_monitor (f)) : "none");
}

typedef struct
{
  Fixture                 *f;
  KassaCustomerScreenKind  kind;
} KindWait;

static gboolean
shows_kind (gpointer data)
{
  KindWait *w = data;

  return kassa_customer_display_get_screen_kind (w->f->display) == w->kind;
}

static void
wait_kind (Fixture                 *f,
           KassaCustomerScreenKind  kind)
{
  KindWait w = { f, kind };

  if (!kassa_test_ui_wait (shows_kind, &w, LIMIT_S))
    g_error ("the customer display does not show %s but %s",
             kassa_customer_screen_kind_to_string (kind),
             kassa_customer_screen_kind_to_string (
               kassa_customer_display_get_screen_kind (f->display)));
}

static void
assert_no_qr (const char *png)
{
  g_auto(GStrv) codes = kassa_test_ui_decode_qr (png);

  g_assert_cmpuint (g_strv_length (codes), ==, 0);
}

/* ---- the QR's pixels ---- */

static gboolean
is_banner_yellow (const guchar *p)
{
  return p[0] > 200 && p[1] > 170 && p[2] < 120;
}

/* In the screenshot of the awaiting-payment screen: the QR symbol (the dark
 * modules' bounding box, on the left half, below the training banner) is at
 * least half the output's shorter side, each module is a whole number of
 * pixels, every pixel is pure black or pure white (crisp, not scaled), and
 * the modules are exactly those of @payload's matrix. */
static void
assert_qr_pixels (const char *png,
                  const char *payload)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (png, &error);
  g_autoptr(KassaQrMatrix) matrix = kassa_qr_matrix_new (payload, &error);
  int width, height, stride, channels;
  const guchar *pixels;
  int top = 0;
  int x0 = G_MAXINT, y0 = G_MAXINT, x1 = -1, y1 = -1;
  guint n, module;
  int side;

  g_assert_no_error (error);
  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  channels = gdk_pixbuf_get_n_channels (pixbuf);
  pixels = gdk_pixbuf_read_pixels (pixbuf);
  g_assert_cmpint (width, ==, 1024);
  g_assert_cmpint (height, ==, 768);

  /* Below the training banner. */
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x += 8)
      if (is_banner_yellow (pixels + y * stride + x * channels))
        {
          top = y + 1;
          break;
        }
  g_assert_cmpint (top, >, 0);

  for (int y = top; y < height; y++)
    for (int x = 0; x < width / 2; x++)
      {
        const guchar *p = pixels + y * stride + x * channels;

        if (p[0] < 128 && p[1] < 128 && p[2] < 128)
          {
            x0 = MIN (x0, x);
            x1 = MAX (x1, x);
            y0 = MIN (y0, y);
            y1 = MAX (y1, y);
          }
      }

  g_assert_cmpint (x1, >, x0);
  side = x1 - x0 + 1;
  g_test_message ("QR symbol at %d,%d, %d × %d pixels", x0, y0, side, y1 - y0 + 1);
  g_assert_cmpint (y1 - y0 + 1, ==, side);
  g_assert_cmpint (side * 2, >=, MIN (width, height));

  n = kassa_qr_matrix_get_width (matrix);
  g_assert_cmpint (side % (int) n, ==, 0);
  module = (guint) side / n;
  g_assert_cmpuint (module, >=, 2);

  /* The quiet zone is white too. */
  for (int y = y0 - 4 * (int) module; y < y1 + 4 * (int) module; y++)
    for (int x = x0 - 4 * (int) module; x < x1 + 4 * (int) module; x++)
      {
        const guchar *p = pixels + y * stride + x * channels;
        gboolean inside = x >= x0 && x <= x1 && y >= y0 && y <= y1;
        gboolean dark = inside &&
                        kassa_qr_matrix_get_module (matrix, (guint) (x - x0) / module,
                                                    (guint) (y - y0) / module);
        guchar want = dark ? 0 : 255;

        if (p[0] != want || p[1] != want || p[2] != want)
          g_error ("pixel %d,%d is %u,%u,%u, the QR wants %u", x, y, p[0], p[1], p[2], want);
      }
}

/* ---- fixture ---- */

static void
find_outputs (Fixture *f)
{
  GListModel *monitors = gdk_display_get_monitors (gdk_display_get_default ());
  GdkRectangle a, b;

  g_assert_cmpuint (g_list_model_get_n_items (monitors), ==, 2);
  f->outputs[0] = g_list_model_get_item (monitors, 0);
  f->outputs[1] = g_list_model_get_item (monitors, 1);
  gdk_monitor_get_geometry (f->outputs[0], &a);
  gdk_monitor_get_geometry (f->outputs[1], &b);
  /* weston lays screen0 left of screen1. */
  if (a.x > b.x)
    {
      GdkMonitor *swap = f->outputs[0];

      f->outputs[0] = f->outputs[1];
      f->outputs[1] = swap;
    }
  g_assert_nonnull (gdk_monitor_get_connector (f->outputs[0]));
  g_assert_nonnull (gdk_monitor_get_connector (f->outputs[1]));
  g_assert_cmpstr (gdk_monitor_get_connector (f->outputs[0]), !=,
                   gdk_monitor_get_connector (f->outputs[1]));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (!kassa_test_ui_have_harness ())
    return;

  find_outputs (f);
  kassa_test_ui_till_open (&f->t, "display", 3, 1);

  /* The shop chose weston's second output, as the preferences would store it. */
  f->settings = g_settings_new ("mn.kassa.Kassa");
  g_settings_set_string (f->settings, "shop-name", "Номин дэлгүүр");
  g_settings_set_string (f->settings, "customer-display-connector",
                         gdk_monitor_get_connector (f->outputs[1]));
  g_settings_set_string (f->settings, "customer-display-model",
                         gdk_monitor_get_model (f->outputs[1]) ?: "");

  /* The pointer stays off the customer's output: it would sit in the screenshots. */
  kassa_test_ui_pointer_to (0);
  f->display = kassa_customer_display_new (GTK_APPLICATION (test_app), f->t.counter, f->settings);
  g_assert_true (kassa_customer_display_get_counter (f->display) == f->t.counter);
  g_assert_true (kassa_customer_display_get_monitor (f->display) == f->outputs[1]);
  gtk_window_present (GTK_WINDOW (f->display));
  wait_fullscreen_on (f, f->outputs[1]);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  /* No reference cycle with the counter, the till or the settings. */
  if (f->display != NULL)
    kassa_test_ui_destroy_window (GTK_WINDOW (g_steal_pointer (&f->display)));
  if (f->settings != NULL)
    {
      g_settings_reset (f->settings, "customer-display-connector");
      g_settings_reset (f->settings, "customer-display-model");
      g_settings_reset (f->settings, "shop-name");
    }
  g_clear_object (&f->settings);
  kassa_test_ui_till_close (&f->t);
  g_clear_object (&f->outputs[0]);
  g_clear_object (&f->outputs[1]);
}

typedef struct
{
  KassaInvoice *invoice;
  GError       *error;
  gboolean      done;
} Result;

static void
charged_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Result *r = user_data;

  r->invoice = kassa_counter_charge_finish (KASSA_COUNTER (source), result, &r->error);
  r->done = TRUE;
}

static void
cancelled_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Result *r = user_data;

  kassa_counter_cancel_finish (KASSA_COUNTER (source), result, &r->error);
  r->done = TRUE;
}

static KassaInvoice *
charge (Fixture            *f,
        gint64              amount,
        KassaInvoiceMethod  method,
        const char         *phone)
{
  Result r = { 0, };

  kassa_counter_charge_async (f->t.counter, amount, method, phone, NULL, NULL, charged_cb, &r);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &r.done, LIMIT_S));
  g_assert_no_error (r.error);
  g_assert_nonnull (r.invoice);
  g_assert_true (r.invoice == kassa_counter_get_current_invoice (f->t.counter));
  /* The counter keeps it. */
  g_object_unref (r.invoice);

  return r.invoice;
}

/* ---- tests ---- */

/* The choice of monitor, with the real display's monitors; lists of one and
 * none by filtering weston's two (the window on a real one-output weston is
 * /ui/display/one-output). */
static void
test_choose_monitor (Fixture       *f,
                     gconstpointer  data)
{
  GListModel *monitors;
  g_autoptr(GListStore) one = g_list_store_new (GDK_TYPE_MONITOR);
  g_autoptr(GListStore) none = g_list_store_new (GDK_TYPE_MONITOR);
  const char *c0, *c1, *m1;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  monitors = gdk_display_get_monitors (gdk_display_get_default ());
  c0 = gdk_monitor_get_connector (f->outputs[0]);
  c1 = gdk_monitor_get_connector (f->outputs[1]);
  m1 = gdk_monitor_get_model (f->outputs[1]);
  g_test_message ("outputs: %s (%s), %s (%s)", c0, gdk_monitor_get_model (f->outputs[0]),
                  c1, m1);

  /* Remembered by connector (and model). */
  g_assert_true (kassa_customer_display_choose_monitor (monitors, c1, m1, NULL) == f->outputs[1]);
  g_assert_true (kassa_customer_display_choose_monitor (monitors, c0, NULL, NULL) ==
                 f->outputs[0]);
  g_assert_true (kassa_customer_display_choose_monitor (monitors, c0, "", f->outputs[0]) ==
                 f->outputs[0]);
  /* Same model on another port: the model wins over the stale connector. */
  if (m1 != NULL && g_strcmp0 (m1, gdk_monitor_get_model (f->outputs[0])) != 0)
    g_assert_true (kassa_customer_display_choose_monitor (monitors, "HDMI-9", m1, NULL) ==
                   f->outputs[1]);
  /* Unset or gone: not the cashier's monitor; without one, the second. */
  g_assert_true (kassa_customer_display_choose_monitor (monitors, "", "", f->outputs[1]) ==
                 f->outputs[0]);
  g_assert_true (kassa_customer_display_choose_monitor (monitors, "", "", f->outputs[0]) ==
                 f->outputs[1]);
  g_assert_true (kassa_customer_display_choose_monitor (monitors, "DP-7", "Nothing", NULL) ==
                 g_list_model_get_item (monitors, 1));
  g_object_unref (g_list_model_get_item (monitors, 1));

  /* One monitor: a normal window, even when the settings name it. */
  g_list_store_append (one, f->outputs[1]);
  g_assert_null (kassa_customer_display_choose_monitor (G_LIST_MODEL (one), c1, m1, NULL));
  g_assert_null (kassa_customer_display_choose_monitor (G_LIST_MODEL (one), NULL, NULL, NULL));
  g_assert_null (kassa_customer_display_choose_monitor (G_LIST_MODEL (none), c1, m1, NULL));
}

/* Fullscreen on the chosen output; a change of the setting moves it. */
static void
test_placement (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *idle = NULL;
  const KassaCustomerScreen *screen;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  g_assert_true (gtk_window_is_fullscreen (GTK_WINDOW (f->display)));
  g_assert_true (surface_monitor (f) == f->outputs[1]);

  screen = kassa_customer_display_get_screen (f->display);
  g_assert_cmpint (screen->kind, ==, KASSA_CUSTOMER_SCREEN_IDLE);
  g_assert_true (screen->training);
  g_assert_cmpstr (screen->shop_name, ==, "Номин дэлгүүр");
  idle = kassa_test_ui_screenshot_of (GTK_WIDGET (f->display), 1, "display-idle");
  assert_no_qr (idle);

  g_settings_set_string (f->settings, "customer-display-connector",
                         gdk_monitor_get_connector (f->outputs[0]));
  g_settings_set_string (f->settings, "customer-display-model",
                         gdk_monitor_get_model (f->outputs[0]) ?: "");
  g_assert_true (kassa_customer_display_get_monitor (f->display) == f->outputs[0]);
  wait_fullscreen_on (f, f->outputs[0]);

  g_settings_set_string (f->settings, "customer-display-connector",
                         gdk_monitor_get_connector (f->outputs[1]));
  g_settings_set_string (f->settings, "customer-display-model",
                         gdk_monitor_get_model (f->outputs[1]) ?: "");
  wait_fullscreen_on (f, f->outputs[1]);
}

/* Charge 1500: the screenshot of the customer's output decodes to exactly
 * the invoice's payload, drawn crisp and large; the customer pays: thank
 * you, then idle again. */
static void
test_qr_sale (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *awaiting = NULL;
  g_autofree char *paid = NULL;
  g_autofree char *idle = NULL;
  g_auto(GStrv) codes = NULL;
  g_autoptr(GError) error = NULL;
  const KassaCustomerScreen *screen;
  KassaInvoice *invoice;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  invoice = charge (f, 1500, KASSA_INVOICE_METHOD_QR, NULL);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);
  wait_kind (f, KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT);
  screen = kassa_customer_display_get_screen (f->display);
  g_assert_cmpstr (screen->qr_payload, ==, kassa_invoice_get_payload (invoice));
  g_assert_cmpstr (screen->amount_text, ==, "1,500₮");
  g_assert_cmpstr (screen->title_en, ==, "Scan with SocialPay");
  g_assert_cmpint (screen->seconds_left, >, 590);

  awaiting = kassa_test_ui_screenshot_of (GTK_WIDGET (f->display), 1, "display-awaiting");
  codes = kassa_test_ui_decode_qr (awaiting);
  g_assert_cmpuint (g_strv_length (codes), ==, 1);
  g_assert_cmpstr (codes[0], ==, kassa_invoice_get_payload (invoice));
  assert_qr_pixels (awaiting, kassa_invoice_get_payload (invoice));

  g_assert_true (kassa_counter_customer_pays (f->t.counter, &error));
  g_assert_no_error (error);
  g_assert_true (kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_PAID) == invoice);
  wait_kind (f, KASSA_CUSTOMER_SCREEN_PAID);
  screen = kassa_customer_display_get_screen (f->display);
  g_assert_cmpstr (screen->title_en, ==, "Paid. Thank you!");
  g_assert_cmpstr (screen->amount_text, ==, "1,500₮");
  paid = kassa_test_ui_screenshot_of (GTK_WIDGET (f->display), 1, "display-paid");
  assert_no_qr (paid);

  /* Back to the welcome after a few seconds, by itself. */
  wait_kind (f, KASSA_CUSTOMER_SCREEN_IDLE);
  idle = kassa_test_ui_screenshot_of (GTK_WIDGET (f->display), 1, "display-idle-after-paid");
  assert_no_qr (idle);
}

/* A phone invoice: the masked number, no QR; the customer declines. */
static void
test_phone_sale (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *phone = NULL;
  g_autofree char *declined = NULL;
  g_autoptr(GError) error = NULL;
  const KassaCustomerScreen *screen;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  charge (f, 2500, KASSA_INVOICE_METHOD_PHONE, "99112233");
  wait_kind (f, KASSA_CUSTOMER_SCREEN_SENT_TO_PHONE);
  screen = kassa_customer_display_get_screen (f->display);
  g_assert_cmpstr (screen->masked_phone, ==, "99** **33");
  g_assert_null (screen->qr_payload);
  phone = kassa_test_ui_screenshot_of (GTK_WIDGET (f->display), 1, "display-phone");
  assert_no_qr (phone);

  g_assert_true (kassa_counter_customer_declines (f->t.counter, &error));
  g_assert_no_error (error);
  kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_DECLINED);
  wait_kind (f, KASSA_CUSTOMER_SCREEN_DECLINED);
  declined = kassa_test_ui_screenshot_of (GTK_WIDGET (f->display), 1, "display-declined");
  assert_no_qr (declined);
}

/* The cashier cancels: the QR goes at once. */
static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *awaiting = NULL;
  g_autofree char *cancelled = NULL;
  g_auto(GStrv) codes = NULL;
  Result r = { 0, };
  KassaInvoice *invoice;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  invoice = charge (f, 700, KASSA_INVOICE_METHOD_DEEPLINK, NULL);
  wait_kind (f, KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT);
  awaiting = kassa_test_ui_screenshot_of (GTK_WIDGET (f->display), 1,
                                          "display-awaiting-deeplink");
  codes = kassa_test_ui_decode_qr (awaiting);
  g_assert_cmpuint (g_strv_length (codes), ==, 1);
  g_assert_cmpstr (codes[0], ==, kassa_invoice_get_payload (invoice));

  kassa_counter_cancel_async (f->t.counter, NULL, cancelled_cb, &r);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &r.done, LIMIT_S));
  g_assert_no_error (r.error);
  wait_kind (f, KASSA_CUSTOMER_SCREEN_CANCELLED);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_CANCELLED);
  cancelled = kassa_test_ui_screenshot_of (GTK_WIDGET (f->display), 1, "display-cancelled");
  assert_no_qr (cancelled);
}

static gboolean
counter_is_closed (gpointer data)
{
  return !kassa_counter_get_open (KASSA_COUNTER (data));
}

/* The bank fails: calm words, no QR. */
static void
test_unreachable (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *unreachable = NULL;
  Result r = { 0, };

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  kassa_bank_sim_inject_fault (f->t.bank, KASSA_BANK_ENDPOINT_QR, KASSA_SIM_FAULT_HTTP_500, 0, 0);
  kassa_bank_sim_inject_fault (f->t.bank, KASSA_BANK_ENDPOINT_CHECK, KASSA_SIM_FAULT_HTTP_500, 0,
                               0);
  kassa_counter_charge_async (f->t.counter, 900, KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL,
                              charged_cb, &r);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &r.done, LIMIT_S));
  g_assert_null (r.invoice);
  g_assert_nonnull (r.error);
  g_clear_error (&r.error);
  g_assert_cmpint (kassa_till_get_connection_state (f->t.till), ==, KASSA_CONNECTION_OFFLINE);

  wait_kind (f, KASSA_CUSTOMER_SCREEN_UNREACHABLE);
  g_assert_cmpstr (kassa_customer_display_get_screen (f->display)->title_en, ==,
                   "Connecting to the bank");
  unreachable = kassa_test_ui_screenshot_of (GTK_WIDGET (f->display), 1, "display-unreachable");
  assert_no_qr (unreachable);

  /* The bank comes back: the till resolves the invoice by itself. */
  kassa_bank_sim_clear_faults (f->t.bank);
  g_assert_true (kassa_test_ui_wait (counter_is_closed, f->t.counter, LIMIT_S));
  g_assert_cmpint (kassa_till_get_connection_state (f->t.till), ==, KASSA_CONNECTION_ONLINE);
}

static GPtrArray *
identify_windows (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();
  GPtrArray *windows = g_ptr_array_new ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (gtk_widget_has_css_class (l->data, "identify-display") &&
        gtk_widget_get_mapped (l->data) && gtk_window_is_fullscreen (l->data))
      g_ptr_array_add (windows, l->data);

  return windows;
}

static gboolean
identify_windows_shown (gpointer data)
{
  g_autoptr(GPtrArray) windows = identify_windows ();

  return windows->len == GPOINTER_TO_UINT (data);
}

typedef struct
{
  GdkDisplay *display;
  GtkWidget  *window;
} IdentifyWait;

/* Its title is its number: 1 for the first monitor in GDK's list. */
static gboolean
identify_on_its_monitor (gpointer data)
{
  IdentifyWait *w = data;
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (w->window));
  guint number = (guint) g_ascii_strtoull (gtk_window_get_title (GTK_WINDOW (w->window)),
                                           NULL, 10);
  g_autoptr(GdkMonitor) expected = NULL;

  g_assert_cmpuint (number, >=, 1);
  expected = g_list_model_get_item (gdk_display_get_monitors (w->display), number - 1);

  return gdk_display_get_monitor_at_surface (w->display, surface) == expected;
}

/* "Identify displays": one window per output, on that output, gone by itself. */
static void
test_identify (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) windows = NULL;
  GdkDisplay *display;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  display = gtk_widget_get_display (GTK_WIDGET (f->display));
  kassa_customer_display_identify (display, 3);
  g_assert_true (kassa_test_ui_wait (identify_windows_shown, GUINT_TO_POINTER (2), LIMIT_S));

  windows = identify_windows ();
  for (guint i = 0; i < windows->len; i++)
    {
      IdentifyWait w = { display, g_ptr_array_index (windows, i) };

      if (!kassa_test_ui_wait (identify_on_its_monitor, &w, LIMIT_S))
        g_error ("identify window %s is not on its monitor",
                 gtk_window_get_title (GTK_WINDOW (w.window)));
      kassa_test_ui_wait_painted (w.window);
    }
  g_clear_pointer (&windows, g_ptr_array_unref);

  g_free (kassa_test_ui_screenshot (0, "identify-0"));
  g_free (kassa_test_ui_screenshot (1, "identify-1"));
  g_assert_true (kassa_test_ui_wait (identify_windows_shown, GUINT_TO_POINTER (0), LIMIT_S));
}

/* ---- one output: a second weston ---- */

/* A second weston inside the same Xvfb, with one output: a real compositor
 * with one monitor, beside the harness' two-output one. GTK opens it as a
 * second GdkDisplay in this process. */
typedef struct
{
  KassaTestTill         t;
  GSettings            *settings;
  KassaCustomerDisplay *display;
  char                 *runtime_dir;  /* private (0700) XDG_RUNTIME_DIR of the weston */
  char                 *socket_path;
  GSubprocess          *weston;
  gboolean              weston_exited;
  GdkDisplay           *gdk_display;  /* the weston's */
  GdkMonitor           *output;       /* its only monitor */
  char                 *window_id;    /* its output's X window */
} OneOutput;

#define ONE_OUTPUT_SOCKET "kassa-one-output"

/* Runs in the child between fork and exec: the weston dies with the test,
 * however the test ends (an assertion aborts it before its teardown). */
static void
die_with_parent (gpointer user_data)
{
  pid_t parent = GPOINTER_TO_INT (user_data);

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    _exit (1);
}

static void
weston_exited_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  OneOutput *o = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  o->weston_exited = TRUE;
}

static char *
weston_log (OneOutput *o)
{
  g_autofree char *path = g_build_filename (o->runtime_dir, "weston.log", NULL);
  char *log = NULL;

  if (!g_file_get_contents (path, &log, NULL, NULL))
    log = g_strdup ("(no log)");

  return log;
}

static gboolean
weston_listening (gpointer data)
{
  OneOutput *o = data;

  return o->weston_exited || g_file_test (o->socket_path, G_FILE_TEST_EXISTS);
}

/* The X windows called "Weston Compositor…" that are not @except_*: the
 * outputs of the second weston (they are titled like the harness' own). */
static GPtrArray *
other_weston_windows (const char *except_0,
                      const char *except_1)
{
  const char *argv[] = { "xwininfo", "-display", g_getenv ("KASSA_TEST_X_DISPLAY"),
                         "-root", "-children", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    g_error ("xwininfo -root -children: %s", error->message);

  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *id = NULL;
      const char *line = lines[i];

      line += strspn (line, " ");
      if (!g_str_has_prefix (line, "0x") || strstr (line, "\"Weston Compositor") == NULL)
        continue;
      id = g_strndup (line, strcspn (line, " "));
      if (g_strcmp0 (id, except_0) != 0 && g_strcmp0 (id, except_1) != 0)
        g_ptr_array_add (ids, g_steal_pointer (&id));
    }

  return ids;
}

typedef struct
{
  const char *except[2];
  char       *found;
} WindowWait;

static gboolean
other_weston_window_found (gpointer data)
{
  WindowWait *w = data;
  g_autoptr(GPtrArray) ids = other_weston_windows (w->except[0], w->except[1]);

  if (ids->len == 0)
    return FALSE;
  g_assert_cmpuint (ids->len, ==, 1);
  w->found = g_strdup (g_ptr_array_index (ids, 0));

  return TRUE;
}

static void
one_output_setup (OneOutput     *o,
                  gconstpointer  data)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *harness_0 = NULL;
  g_autofree char *harness_1 = NULL;
  WindowWait w = { { NULL, NULL }, NULL };

  if (!kassa_test_ui_have_harness ())
    return;

  /* The harness' outputs, while their names are still unambiguous. */
  harness_0 = kassa_test_ui_output_window (0);
  harness_1 = kassa_test_ui_output_window (1);

  o->runtime_dir = g_dir_make_tmp ("kassa-weston-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (o->runtime_dir, 0700), ==, 0);
  o->socket_path = g_build_filename (o->runtime_dir, ONE_OUTPUT_SOCKET, NULL);
  log_path = g_build_filename (o->runtime_dir, "weston.log", NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "DISPLAY", g_getenv ("KASSA_TEST_X_DISPLAY"), TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", o->runtime_dir, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent,
                                         GINT_TO_POINTER (getpid ()), NULL);
  o->weston = g_subprocess_launcher_spawn (launcher, &error,
                                           "weston", "--backend=x11-backend.so",
                                           "--output-count=1", "--use-pixman",
                                           "--width=1024", "--height=768",
                                           "--socket=" ONE_OUTPUT_SOCKET, "--idle-time=0",
                                           NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (o->weston, NULL, weston_exited_cb, o);

  if (!kassa_test_ui_wait (weston_listening, o, LIMIT_S) || o->weston_exited)
    {
      g_autofree char *log = weston_log (o);

      g_error ("the second weston did not start (%s):\n%s",
               o->weston_exited ? "it exited" : "no socket", log);
    }

  /* An absolute path is a Wayland display name (libwayland ≥ 1.15). The
   * socket exists a little before weston answers on it (seen under load):
   * try again until it does, exits, or the limit passes. */
  for (gint64 until = g_get_monotonic_time () + LIMIT_S * G_USEC_PER_SEC;;)
    {
      o->gdk_display = gdk_display_open (o->socket_path);
      if (o->gdk_display != NULL || o->weston_exited || g_get_monotonic_time () > until)
        break;
      g_usleep (100 * 1000);
      g_main_context_iteration (NULL, FALSE);
    }
  if (o->gdk_display == NULL)
    g_error ("GTK cannot open the second weston at %s", o->socket_path);
  g_assert_true (o->gdk_display != gdk_display_get_default ());
  g_assert_cmpuint (g_list_model_get_n_items (gdk_display_get_monitors (o->gdk_display)), ==, 1);
  o->output = g_list_model_get_item (gdk_display_get_monitors (o->gdk_display), 0);
  g_test_message ("second weston: %s, output %s (%s)", o->socket_path,
                  gdk_monitor_get_connector (o->output), gdk_monitor_get_model (o->output));

  w.except[0] = harness_0;
  w.except[1] = harness_1;
  if (!kassa_test_ui_wait (other_weston_window_found, &w, LIMIT_S))
    g_error ("the second weston's output has no X window");
  o->window_id = w.found;

  kassa_test_ui_till_open (&o->t, "display-one-output", 5, 0);
  o->settings = g_settings_new ("mn.kassa.Kassa");
  g_settings_set_string (o->settings, "shop-name", "Номин дэлгүүр");
}

static void
one_output_teardown (OneOutput     *o,
                     gconstpointer  data)
{
  if (o->display != NULL)
    kassa_test_ui_destroy_window (GTK_WINDOW (g_steal_pointer (&o->display)));
  if (o->settings != NULL)
    {
      g_settings_reset (o->settings, "customer-display-connector");
      g_settings_reset (o->settings, "customer-display-model");
      g_settings_reset (o->settings, "shop-name");
    }
  g_clear_object (&o->settings);
  kassa_test_ui_till_close (&o->t);
  g_clear_object (&o->output);
  /* Before the compositor goes: GDK exits when it loses a connection. */
  if (o->gdk_display != NULL)
    gdk_display_close (g_steal_pointer (&o->gdk_display));
  if (o->weston != NULL)
    {
      g_subprocess_send_signal (o->weston, SIGTERM);
      if (!kassa_test_ui_wait (kassa_test_ui_flag_is_set, &o->weston_exited, LIMIT_S))
        {
          g_subprocess_force_exit (o->weston);
          g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &o->weston_exited,
                                             LIMIT_S));
        }
      g_clear_object (&o->weston);
    }
  if (o->runtime_dir != NULL)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (o->runtime_dir);
      g_autoptr(GFileEnumerator) children = g_file_enumerate_children (
        dir, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
      GFile *child;

      while (children != NULL &&
             g_file_enumerator_iterate (children, NULL, &child, NULL, NULL) && child != NULL)
        g_file_delete (child, NULL, NULL);
      g_rmdir (o->runtime_dir);
    }
  g_clear_pointer (&o->runtime_dir, g_free);
  g_clear_pointer (&o->socket_path, g_free);
  g_clear_pointer (&o->window_id, g_free);
}

/* weston's desktop-shell panel: a dark bar across the top of the output
 * (32 px in weston 10), which a fullscreen window hides. The customer display
 * is white and yellow. */
static void
assert_panel_visible (const char *png)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_file (png, &error);
  const guchar *pixels;
  int stride, channels;
  guint dark = 0;

  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 1024);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 768);
  pixels = gdk_pixbuf_read_pixels (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  channels = gdk_pixbuf_get_n_channels (pixbuf);

  /* Row 16, away from the panel's clock and launcher. */
  for (int x = 100; x < 700; x++)
    {
      const guchar *p = pixels + 16 * stride + x * channels;

      if (p[0] < 100 && p[1] < 100 && p[2] < 100)
        dark++;
    }
  g_assert_cmpuint (dark, >=, 500);
}

static gboolean
one_output_shown (gpointer data)
{
  OneOutput *o = data;

  return gtk_widget_get_mapped (GTK_WIDGET (o->display)) &&
         gtk_native_get_surface (GTK_NATIVE (o->display)) != NULL;
}

static gboolean
one_output_awaiting (gpointer data)
{
  OneOutput *o = data;

  return kassa_customer_display_get_screen_kind (o->display) ==
         KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT;
}

/* A compositor with one output: the customer display is a normal window
 * there (not fullscreen, it must not cover the cashier's screen), even when
 * the settings name that very output, and shows the QR of a charge. */
static void
test_one_output (OneOutput     *o,
                 gconstpointer  data)
{
  g_autofree char *idle = NULL;
  g_autofree char *awaiting = NULL;
  g_auto(GStrv) codes = NULL;
  GdkSurface *surface;
  GdkToplevelState state;
  GdkRectangle geometry;
  KassaInvoice *invoice;
  Result r = { 0, };

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  g_settings_set_string (o->settings, "customer-display-connector",
                         gdk_monitor_get_connector (o->output));
  g_settings_set_string (o->settings, "customer-display-model",
                         gdk_monitor_get_model (o->output) ?: "");

  o->display = kassa_customer_display_new (GTK_APPLICATION (test_app), o->t.counter,
                                           o->settings);
  /* On the default display (the harness' two outputs) it chose one... */
  g_assert_nonnull (kassa_customer_display_get_monitor (o->display));
  /* ...on the one-output weston it is a normal window. */
  gtk_window_set_display (GTK_WINDOW (o->display), o->gdk_display);
  g_assert_true (gtk_widget_get_display (GTK_WIDGET (o->display)) == o->gdk_display);
  g_assert_null (kassa_customer_display_get_monitor (o->display));
  gtk_window_present (GTK_WINDOW (o->display));

  g_assert_true (kassa_test_ui_wait (one_output_shown, o, LIMIT_S));
  kassa_test_ui_wait_painted (GTK_WIDGET (o->display));
  idle = kassa_test_ui_screenshot_window (o->window_id, "display-one-output-idle");
  assert_no_qr (idle);

  surface = gtk_native_get_surface (GTK_NATIVE (o->display));
  g_assert_true (gdk_surface_get_display (surface) == o->gdk_display);
  g_assert_true (gdk_display_get_monitor_at_surface (o->gdk_display, surface) == o->output);
  /* The compositor's word (xdg_toplevel configure), not only GTK's wish. */
  state = gdk_toplevel_get_state (GDK_TOPLEVEL (surface));
  g_test_message ("toplevel state 0x%x, surface %d × %d", state,
                  gdk_surface_get_width (surface), gdk_surface_get_height (surface));
  g_assert_false (state & GDK_TOPLEVEL_STATE_FULLSCREEN);
  g_assert_false (gtk_window_is_fullscreen (GTK_WINDOW (o->display)));
  g_assert_null (kassa_customer_display_get_monitor (o->display));
  /* Smaller than the monitor it shares with the cashier's window. */
  gdk_monitor_get_geometry (o->output, &geometry);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (o->display)), <, geometry.width);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (o->display)), <, geometry.height);
  /* On screen, weston's panel is not covered, as it would be by a
   * fullscreen window. */
  assert_panel_visible (idle);

  kassa_counter_charge_async (o->t.counter, 1500, KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL,
                              charged_cb, &r);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &r.done, LIMIT_S));
  g_assert_no_error (r.error);
  invoice = r.invoice;
  g_assert_true (kassa_test_ui_wait (one_output_awaiting, o, LIMIT_S));
  g_assert_cmpstr (kassa_customer_display_get_screen (o->display)->qr_payload, ==,
                   kassa_invoice_get_payload (invoice));

  kassa_test_ui_wait_painted (GTK_WIDGET (o->display));
  awaiting = kassa_test_ui_screenshot_window (o->window_id, "display-one-output-awaiting");
  codes = kassa_test_ui_decode_qr (awaiting);
  g_assert_cmpuint (g_strv_length (codes), ==, 1);
  g_assert_cmpstr (codes[0], ==, kassa_invoice_get_payload (invoice));
  assert_panel_visible (awaiting);

  /* Still a normal window. */
  g_assert_false (gdk_toplevel_get_state (GDK_TOPLEVEL (surface)) & GDK_TOPLEVEL_STATE_FULLSCREEN);
  g_assert_false (gtk_window_is_fullscreen (GTK_WINDOW (o->display)));
  g_object_unref (invoice);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  kassa_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/ui/display/choose-monitor", test_choose_monitor);
  ADD ("/ui/display/placement", test_placement);
  ADD ("/ui/display/qr-sale", test_qr_sale);
  ADD ("/ui/display/phone-sale", test_phone_sale);
  ADD ("/ui/display/cancel", test_cancel);
  ADD ("/ui/display/unreachable", test_unreachable);
  ADD ("/ui/display/identify", test_identify);
  g_test_add ("/ui/display/one-output", OneOutput, NULL, one_output_setup, test_one_output,
              one_output_teardown);

#undef ADD

  if (kassa_test_ui_have_harness ())
    test_app = kassa_test_ui_app_new ();

  status = g_test_run ();
  g_clear_object (&test_app);

  return status;
}
