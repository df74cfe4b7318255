/* test-ui-display.c — the customer display in a real Wayland session with two outputs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real journal, the training bank in-process, a till, a counter and the
 * customer display on weston's second output (chosen through the settings,
 * as a shop would). Sales go through the counter; what the customer sees is
 * proven on weston's own output: screenshots (kept as artefacts) decoded
 * with zbarimg, and the QR's pixels compared with the module matrix.
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "kassa-counter.h"
#include "kassa-customer-display.h"
#include "kassa-qr.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"
#include "kassa-training.h"

#define LIMIT_S 20

static AdwApplication *test_app;

typedef struct
{
  char                 *journal_path;
  KassaJournal         *journal;
  KassaBankSim         *bank;
  KassaBankClient      *client;
  KassaTill            *till;
  KassaCounter         *counter;
  GSettings            *settings;
  KassaCustomerDisplay *display;
  GdkMonitor           *outputs[2];  /* weston's screen0 (left), screen1 (right) */
} Fixture;

#define SKIP_WITHOUT_HARNESS()                                                  \
  G_STMT_START {                                                                \
    if (!kassa_test_ui_have_harness ())                                         \
      {                                                                         \
        g_test_skip ("no display harness: run under build-aux/with-display.sh"); \
        return;                                                                 \
      }                                                                         \
  } G_STMT_END

/* ---- waiting ---- */

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
pointer_is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
recovered_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;

  g_assert_true (kassa_till_recover_finish (KASSA_TILL (source), result, &summary, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

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

typedef struct
{
  Fixture           *f;
  KassaInvoiceState  state;
} StateWait;

static gboolean
current_in_state (gpointer data)
{
  StateWait *w = data;
  KassaInvoice *invoice = kassa_counter_get_current_invoice (w->f->counter);

  return invoice != NULL && kassa_invoice_get_state (invoice) == w->state;
}

static KassaInvoice *
wait_for_current_state (Fixture           *f,
                        KassaInvoiceState  state)
{
  StateWait w = { f, state };

  if (!kassa_test_ui_wait (current_in_state, &w, LIMIT_S))
    g_error ("the current invoice did not reach %s", kassa_invoice_state_to_string (state));

  return kassa_counter_get_current_invoice (f->counter);
}

static gboolean
count_frame_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  guint *frames = user_data;

  /* A commit every frame: GDK then waits for weston's "frame done", which
   * comes once weston has repainted its output. */
  gtk_widget_queue_draw (widget);
  (*frames)++;

  return G_SOURCE_CONTINUE;
}

static gboolean
three_frames (gpointer data)
{
  return *(guint *) data >= 3;
}

/* Once GTK has drawn @window and weston has composited it. */
static void
wait_painted (GtkWidget *window)
{
  guint frames = 0;
  guint id = gtk_widget_add_tick_callback (window, count_frame_cb, &frames, NULL);

  if (!kassa_test_ui_wait (three_frames, &frames, LIMIT_S))
    g_error ("the window did not draw");
  gtk_widget_remove_tick_callback (window, id);
}

/* Screenshots output 1, where the customer display is. */
static char *
screenshot (Fixture    *f,
            const char *name)
{
  char *path;

  wait_painted (GTK_WIDGET (f->display));
  path = kassa_test_ui_screenshot (1, name);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  return path;
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
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *state = NULL;
  gboolean recovered = FALSE;

  if (!kassa_test_ui_have_harness ())
    return;

  find_outputs (f);

  f->journal_path = g_build_filename (g_get_user_data_dir (), "display.sqlite", NULL);
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);

  state = kassa_training_state_path (f->journal_path);
  f->bank = kassa_training_bank_new (state, &secret, &error);
  g_assert_no_error (error);
  f->client = kassa_bank_client_new (kassa_bank_sim_get_url (f->bank), KASSA_TRAINING_TERMINAL,
                                     secret, NULL, NULL, &error);
  g_assert_no_error (error);
  explicit_bzero (secret, strlen (secret));
  kassa_bank_client_set_timeout (f->client, 3);

  f->journal = kassa_journal_open (f->journal_path, &error);
  g_assert_no_error (error);
  f->till = kassa_till_new (f->journal, f->client);
  kassa_till_set_poll_schedule (f->till, 200, 120, 200);
  kassa_till_set_max_backoff (f->till, 1);
  kassa_till_recover_async (f->till, NULL, recovered_cb, &recovered);
  g_assert_true (kassa_test_ui_wait (flag_is_set, &recovered, LIMIT_S));
  f->counter = kassa_counter_new (f->till, f->bank);

  /* The shop chose weston's second output, as the preferences would store it. */
  f->settings = g_settings_new ("mn.kassa.Kassa");
  g_settings_set_string (f->settings, "shop-name", "Номин дэлгүүр");
  g_settings_set_string (f->settings, "customer-display-connector",
                         gdk_monitor_get_connector (f->outputs[1]));
  g_settings_set_string (f->settings, "customer-display-model",
                         gdk_monitor_get_model (f->outputs[1]) ?: "");

  /* The pointer stays off the customer's output: it would sit in the screenshots. */
  kassa_test_ui_pointer_to (0);
  f->display = kassa_customer_display_new (GTK_APPLICATION (test_app), f->counter, f->settings);
  g_assert_true (kassa_customer_display_get_counter (f->display) == f->counter);
  g_assert_true (kassa_customer_display_get_monitor (f->display) == f->outputs[1]);
  gtk_window_present (GTK_WINDOW (f->display));
  wait_fullscreen_on (f, f->outputs[1]);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->display != NULL)
    {
      gpointer window = f->display;

      /* No reference cycle with the counter, the till or the settings. */
      g_object_add_weak_pointer (G_OBJECT (window), &window);
      gtk_window_destroy (GTK_WINDOW (f->display));
      f->display = NULL;
      g_assert_true (kassa_test_ui_wait (pointer_is_null, &window, LIMIT_S));
    }
  if (f->settings != NULL)
    {
      g_settings_reset (f->settings, "customer-display-connector");
      g_settings_reset (f->settings, "customer-display-model");
      g_settings_reset (f->settings, "shop-name");
    }
  g_clear_object (&f->settings);
  if (f->counter != NULL)
    g_assert_finalize_object (g_steal_pointer (&f->counter));
  g_clear_object (&f->till);
  if (f->journal != NULL)
    kassa_journal_close (f->journal);
  g_clear_object (&f->journal);
  g_clear_object (&f->client);
  if (f->bank != NULL)
    kassa_bank_sim_shutdown (f->bank);
  g_clear_object (&f->bank);
  g_clear_object (&f->outputs[0]);
  g_clear_object (&f->outputs[1]);
  g_free (f->journal_path);
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

  kassa_counter_charge_async (f->counter, amount, method, phone, NULL, NULL, charged_cb, &r);
  g_assert_true (kassa_test_ui_wait (flag_is_set, &r.done, LIMIT_S));
  g_assert_no_error (r.error);
  g_assert_nonnull (r.invoice);
  g_assert_true (r.invoice == kassa_counter_get_current_invoice (f->counter));
  /* The counter keeps it. */
  g_object_unref (r.invoice);

  return r.invoice;
}

/* ---- tests ---- */

/* The choice of monitor, with the real display's monitors. One output can
 * only be had by filtering weston's two (it always has two here). */
static void
test_choose_monitor (Fixture       *f,
                     gconstpointer  data)
{
  GListModel *monitors;
  g_autoptr(GListStore) one = g_list_store_new (GDK_TYPE_MONITOR);
  g_autoptr(GListStore) none = g_list_store_new (GDK_TYPE_MONITOR);
  const char *c0, *c1, *m1;

  SKIP_WITHOUT_HARNESS ();

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

  SKIP_WITHOUT_HARNESS ();

  g_assert_true (gtk_window_is_fullscreen (GTK_WINDOW (f->display)));
  g_assert_true (surface_monitor (f) == f->outputs[1]);

  screen = kassa_customer_display_get_screen (f->display);
  g_assert_cmpint (screen->kind, ==, KASSA_CUSTOMER_SCREEN_IDLE);
  g_assert_true (screen->training);
  g_assert_cmpstr (screen->shop_name, ==, "Номин дэлгүүр");
  idle = screenshot (f, "display-idle");
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

  SKIP_WITHOUT_HARNESS ();

  invoice = charge (f, 1500, KASSA_INVOICE_METHOD_QR, NULL);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);
  wait_kind (f, KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT);
  screen = kassa_customer_display_get_screen (f->display);
  g_assert_cmpstr (screen->qr_payload, ==, kassa_invoice_get_payload (invoice));
  g_assert_cmpstr (screen->amount_text, ==, "1,500₮");
  g_assert_cmpstr (screen->title_en, ==, "Scan with SocialPay");
  g_assert_cmpint (screen->seconds_left, >, 590);

  awaiting = screenshot (f, "display-awaiting");
  codes = kassa_test_ui_decode_qr (awaiting);
  g_assert_cmpuint (g_strv_length (codes), ==, 1);
  g_assert_cmpstr (codes[0], ==, kassa_invoice_get_payload (invoice));
  assert_qr_pixels (awaiting, kassa_invoice_get_payload (invoice));

  g_assert_true (kassa_counter_customer_pays (f->counter, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for_current_state (f, KASSA_INVOICE_PAID) == invoice);
  wait_kind (f, KASSA_CUSTOMER_SCREEN_PAID);
  screen = kassa_customer_display_get_screen (f->display);
  g_assert_cmpstr (screen->title_en, ==, "Paid. Thank you!");
  g_assert_cmpstr (screen->amount_text, ==, "1,500₮");
  paid = screenshot (f, "display-paid");
  assert_no_qr (paid);

  /* Back to the welcome after a few seconds, by itself. */
  wait_kind (f, KASSA_CUSTOMER_SCREEN_IDLE);
  idle = screenshot (f, "display-idle-after-paid");
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

  SKIP_WITHOUT_HARNESS ();

  charge (f, 2500, KASSA_INVOICE_METHOD_PHONE, "99112233");
  wait_kind (f, KASSA_CUSTOMER_SCREEN_SENT_TO_PHONE);
  screen = kassa_customer_display_get_screen (f->display);
  g_assert_cmpstr (screen->masked_phone, ==, "99** **33");
  g_assert_null (screen->qr_payload);
  phone = screenshot (f, "display-phone");
  assert_no_qr (phone);

  g_assert_true (kassa_counter_customer_declines (f->counter, &error));
  g_assert_no_error (error);
  wait_for_current_state (f, KASSA_INVOICE_DECLINED);
  wait_kind (f, KASSA_CUSTOMER_SCREEN_DECLINED);
  declined = screenshot (f, "display-declined");
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

  SKIP_WITHOUT_HARNESS ();

  invoice = charge (f, 700, KASSA_INVOICE_METHOD_DEEPLINK, NULL);
  wait_kind (f, KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT);
  awaiting = screenshot (f, "display-awaiting-deeplink");
  codes = kassa_test_ui_decode_qr (awaiting);
  g_assert_cmpuint (g_strv_length (codes), ==, 1);
  g_assert_cmpstr (codes[0], ==, kassa_invoice_get_payload (invoice));

  kassa_counter_cancel_async (f->counter, NULL, cancelled_cb, &r);
  g_assert_true (kassa_test_ui_wait (flag_is_set, &r.done, LIMIT_S));
  g_assert_no_error (r.error);
  wait_kind (f, KASSA_CUSTOMER_SCREEN_CANCELLED);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_CANCELLED);
  cancelled = screenshot (f, "display-cancelled");
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

  SKIP_WITHOUT_HARNESS ();

  kassa_bank_sim_inject_fault (f->bank, KASSA_BANK_ENDPOINT_QR, KASSA_SIM_FAULT_HTTP_500, 0, 0);
  kassa_bank_sim_inject_fault (f->bank, KASSA_BANK_ENDPOINT_CHECK, KASSA_SIM_FAULT_HTTP_500, 0,
                               0);
  kassa_counter_charge_async (f->counter, 900, KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL,
                              charged_cb, &r);
  g_assert_true (kassa_test_ui_wait (flag_is_set, &r.done, LIMIT_S));
  g_assert_null (r.invoice);
  g_assert_nonnull (r.error);
  g_clear_error (&r.error);
  g_assert_cmpint (kassa_till_get_connection_state (f->till), ==, KASSA_CONNECTION_OFFLINE);

  wait_kind (f, KASSA_CUSTOMER_SCREEN_UNREACHABLE);
  g_assert_cmpstr (kassa_customer_display_get_screen (f->display)->title_en, ==,
                   "Connecting to the bank");
  unreachable = screenshot (f, "display-unreachable");
  assert_no_qr (unreachable);

  /* The bank comes back: the till resolves the invoice by itself. */
  kassa_bank_sim_clear_faults (f->bank);
  g_assert_true (kassa_test_ui_wait (counter_is_closed, f->counter, LIMIT_S));
  g_assert_cmpint (kassa_till_get_connection_state (f->till), ==, KASSA_CONNECTION_ONLINE);
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

  SKIP_WITHOUT_HARNESS ();

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
      wait_painted (w.window);
    }
  g_clear_pointer (&windows, g_ptr_array_unref);

  g_free (kassa_test_ui_screenshot (0, "identify-0"));
  g_free (kassa_test_ui_screenshot (1, "identify-1"));
  g_assert_true (kassa_test_ui_wait (identify_windows_shown, GUINT_TO_POINTER (0), LIMIT_S));
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

#undef ADD

  if (kassa_test_ui_have_harness ())
    {
      g_autoptr(GError) error = NULL;

      test_app = adw_application_new (NULL, G_APPLICATION_NON_UNIQUE);
      g_application_set_resource_base_path (G_APPLICATION (test_app), "/mn/kassa/Kassa");
      g_application_register (G_APPLICATION (test_app), NULL, &error);
      g_assert_no_error (error);
      kassa_test_ui_use_system_data ();
    }

  status = g_test_run ();
  g_clear_object (&test_app);

  return status;
}
