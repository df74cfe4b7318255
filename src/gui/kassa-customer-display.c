/* kassa-customer-display.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-customer-display.h"

#include <glib/gi18n.h>

#include "kassa-qr-paintable.h"

/* Often enough that the countdown never skips a second. */
#define TICK_MS 250

/* The size of a normal window (the .ui's default size), when its monitor is
 * large enough. */
#define NORMAL_WIDTH  1024
#define NORMAL_HEIGHT 720

struct _KassaCustomerDisplay
{
  AdwApplicationWindow  parent_instance;

  KassaCounter         *counter;
  GSettings            *settings;    /* may be NULL */
  KassaInvoice         *invoice;     /* the one being observed */
  KassaInvoiceState     invoice_state;
  gint64                state_since; /* monotonic µs: when invoice_state was first seen */
  KassaCustomerScreen  *screen;
  KassaQrPaintable     *qr;
  GdkMonitor           *monitor;     /* fullscreen on it; NULL: a normal window */
  GListModel           *monitors;    /* the display's, watched for hot-plug */
  guint                 tick_id;
  guint                 refullscreen_id;
  gboolean              moving;      /* left fullscreen to come back on self->monitor */
  GtkWindow            *cashier;     /* weak: the window it stays beside (show_beside) */
  GdkSurface           *cashier_surface;   /* the cashier's, watched */
  GPtrArray            *cashier_monitors;  /* GdkMonitor the cashier's surface is on, last entered last */
  guint                 show_id;     /* waits for the cashier's monitor, then shows */
  guint                 replace_id;  /* places it again once the cashier's monitors settle */
  guint                 give_back_id;/* hands the keyboard back to the cashier window */
  gboolean              remaximize;  /* maximize the cashier window once it is on a monitor */
  GdkMonitor           *pinned;      /* the cashier's monitor while it is mapped again */
  gboolean              expect_maximized; /* the cashier's maximize after being mapped again */
  gboolean              refresh_fullscreen; /* go fullscreen again once the cashier's monitors settle */
  gint64                guard_until; /* monotonic µs: until then, the keyboard goes back to the cashier */

  /* Template widgets */
  GtkLabel             *training_label;
  GtkLabel             *notice_label;
  GtkBox               *main_box;
  GtkPicture           *qr_picture;
  GtkLabel             *shop_label;
  GtkLabel             *title_mn_label;
  GtkLabel             *title_en_label;
  GtkLabel             *amount_label;
  GtkLabel             *phone_label;
  GtkLabel             *instruction_mn_label;
  GtkLabel             *instruction_en_label;
  GtkLabel             *countdown_label;
};

G_DEFINE_FINAL_TYPE (KassaCustomerDisplay, kassa_customer_display, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_COUNTER,
  PROP_SETTINGS,
  PROP_MONITOR,
  PROP_SCREEN_KIND,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- drawing the screen ---- */

static void
set_label (GtkLabel   *label,
           const char *text)
{
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && *text != '\0');
  gtk_label_set_text (label, text != NULL ? text : "");
}

/* The monitor whose size the QR code is made for. */
static GdkMonitor *
sizing_monitor (KassaCustomerDisplay *self)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self));
  g_autoptr(GdkMonitor) first = NULL;

  if (self->monitor != NULL)
    return self->monitor;
  if (surface != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      GdkDisplay *display = gtk_widget_get_display (GTK_WIDGET (self));
      GdkMonitor *monitor = gdk_display_get_monitor_at_surface (display, surface);

      if (monitor != NULL)
        return monitor;
    }

  first = g_list_model_get_item (self->monitors, 0);
  return first;  /* the list keeps it alive */
}

/* The symbol (without its quiet zone) at least half the monitor's shorter
 * side, a whole number of pixels per module, as long as it fits with the
 * banner and margins. The paintable then draws exactly that module size. */
static void
size_qr (KassaCustomerDisplay *self)
{
  KassaQrMatrix *matrix = kassa_qr_paintable_get_matrix (self->qr);
  GdkMonitor *monitor;
  GdkRectangle geometry;
  guint n, shorter, room, module;

  if (matrix == NULL || (monitor = sizing_monitor (self)) == NULL)
    {
      gtk_widget_set_size_request (GTK_WIDGET (self->qr_picture), -1, -1);
      return;
    }

  gdk_monitor_get_geometry (monitor, &geometry);
  shorter = (guint) MAX (MIN (geometry.width, geometry.height), 1);
  /* The training banner, the notice and the margins need about this much. */
  room = shorter > 160 ? shorter - 160 : shorter;
  n = kassa_qr_matrix_get_width (matrix);
  module = (shorter / 2 + n - 1) / n;
  while (module > 1 && module * (n + 2 * KASSA_QR_QUIET_ZONE) > room)
    module--;

  gtk_widget_set_size_request (GTK_WIDGET (self->qr_picture),
                               (int) (module * (n + 2 * KASSA_QR_QUIET_ZONE)),
                               (int) (module * (n + 2 * KASSA_QR_QUIET_ZONE)));
}

static void
apply_screen (KassaCustomerDisplay      *self,
              const KassaCustomerScreen *old,
              const KassaCustomerScreen *screen)
{
  g_autofree char *old_class = NULL;
  g_autofree char *new_class = NULL;
  g_autofree char *notice = NULL;
  g_autofree char *countdown = NULL;
  g_autoptr(GError) error = NULL;
  gboolean show_qr;

  if (old != NULL)
    {
      old_class = g_strconcat ("state-", kassa_customer_screen_kind_to_string (old->kind), NULL);
      gtk_widget_remove_css_class (GTK_WIDGET (self), old_class);
    }
  new_class = g_strconcat ("state-", kassa_customer_screen_kind_to_string (screen->kind), NULL);
  gtk_widget_add_css_class (GTK_WIDGET (self), new_class);

  set_label (self->training_label,
             screen->training ? KASSA_CUSTOMER_SCREEN_TRAINING_MN " / "
                                KASSA_CUSTOMER_SCREEN_TRAINING_EN
                              : NULL);
  if (screen->notice_mn != NULL)
    notice = g_strconcat (screen->notice_mn, "\n", screen->notice_en, NULL);
  set_label (self->notice_label, notice);
  set_label (self->shop_label, screen->shop_name);
  set_label (self->title_mn_label, screen->title_mn);
  set_label (self->title_en_label, screen->title_en);
  set_label (self->amount_label, screen->amount_text);
  set_label (self->phone_label, screen->masked_phone);
  set_label (self->instruction_mn_label, screen->instruction_mn);
  set_label (self->instruction_en_label, screen->instruction_en);
  if (screen->countdown_text != NULL)
    countdown = g_strconcat ("Үлдсэн хугацаа / Time left  ", screen->countdown_text, NULL);
  set_label (self->countdown_label, countdown);

  show_qr = kassa_qr_paintable_set_payload (self->qr, screen->qr_payload, &error);
  if (error != NULL)
    /* The till validated the payload before it was shown: a bug. */
    g_warning ("The QR payload of the current invoice cannot be drawn: %s", error->message);
  size_qr (self);
  gtk_widget_set_visible (GTK_WIDGET (self->qr_picture),
                          show_qr && screen->qr_payload != NULL);
}

static void
update_screen (KassaCustomerDisplay *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  gint64 now_us = g_get_monotonic_time ();
  g_autofree char *shop_name = NULL;
  KassaCustomerScreen *screen;
  KassaCustomerScreenKind old_kind;
  KassaTill *till = kassa_counter_get_till (self->counter);
  KassaCustomerScreenInput input = { 0, };

  /* A notify may have been missed (or come before we connected). */
  if (self->invoice != NULL && kassa_invoice_get_state (self->invoice) != self->invoice_state)
    {
      self->invoice_state = kassa_invoice_get_state (self->invoice);
      self->state_since = now_us;
    }

  if (self->settings != NULL)
    shop_name = g_settings_get_string (self->settings, "shop-name");

  input.invoice = self->invoice;
  input.online = kassa_till_get_connection_state (till) == KASSA_CONNECTION_ONLINE;
  input.now = now;
  input.expiry_seconds = kassa_till_get_expiry (till);
  input.shop_name = shop_name;
  input.training = kassa_counter_get_training (self->counter);
  /* The countdown and the result screen's time count on the monotonic
   * clock: setting the wall clock neither freezes nor skips them. */
  input.ages_known = TRUE;
  input.invoice_age = self->invoice != NULL ? kassa_till_get_invoice_age (till, self->invoice) : -1;
  input.state_age = now_us - self->state_since;

  screen = kassa_customer_screen_compute (&input);
  if (kassa_customer_screen_equal (self->screen, screen))
    {
      kassa_customer_screen_free (screen);
      return;
    }

  old_kind = self->screen != NULL ? self->screen->kind : (KassaCustomerScreenKind) -1;
  apply_screen (self, self->screen, screen);
  kassa_customer_screen_free (self->screen);
  self->screen = screen;

  if (old_kind != screen->kind)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCREEN_KIND]);
}

static gboolean
tick_cb (gpointer user_data)
{
  update_screen (KASSA_CUSTOMER_DISPLAY (user_data));

  return G_SOURCE_CONTINUE;
}

/* ---- observing the counter ---- */

static void
on_invoice_notify_cb (KassaInvoice         *invoice,
                      GParamSpec           *pspec,
                      KassaCustomerDisplay *self)
{
  update_screen (self);
}

static void
follow_invoice (KassaCustomerDisplay *self)
{
  KassaInvoice *invoice = kassa_counter_get_current_invoice (self->counter);

  if (invoice == self->invoice)
    return;

  if (self->invoice != NULL)
    g_signal_handlers_disconnect_by_data (self->invoice, self);
  g_set_object (&self->invoice, invoice);
  self->state_since = g_get_monotonic_time ();

  if (invoice != NULL)
    {
      self->invoice_state = kassa_invoice_get_state (invoice);
      g_signal_connect_object (invoice, "notify::state", G_CALLBACK (on_invoice_notify_cb),
                               self, 0);
      g_signal_connect_object (invoice, "notify::payload", G_CALLBACK (on_invoice_notify_cb),
                               self, 0);
    }
}

static void
on_counter_current_invoice_cb (KassaCounter         *counter,
                               GParamSpec           *pspec,
                               KassaCustomerDisplay *self)
{
  follow_invoice (self);
  update_screen (self);
}

static void
on_till_connection_state_cb (KassaTill            *till,
                             GParamSpec           *pspec,
                             KassaCustomerDisplay *self)
{
  update_screen (self);
}

static void
on_settings_shop_name_cb (GSettings            *settings,
                          const char           *key,
                          KassaCustomerDisplay *self)
{
  update_screen (self);
}

/* ---- the monitor ---- */

static gboolean
monitor_matches (GdkMonitor *monitor,
                 const char *connector,
                 const char *model)
{
  return (connector == NULL || g_strcmp0 (gdk_monitor_get_connector (monitor), connector) == 0) &&
         (model == NULL || g_strcmp0 (gdk_monitor_get_model (monitor), model) == 0);
}

static GdkMonitor *
find_monitor (GListModel *monitors,
              const char *connector,
              const char *model)
{
  guint n = g_list_model_get_n_items (monitors);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);

      if (monitor_matches (monitor, connector, model))
        return monitor;  /* the list keeps it alive */
    }

  return NULL;
}

GdkMonitor *
kassa_customer_display_choose_monitor (GListModel *monitors,
                                       const char *connector,
                                       const char *model,
                                       GdkMonitor *cashier_monitor)
{
  GdkMonitor *found = NULL;
  guint n;

  g_return_val_if_fail (G_IS_LIST_MODEL (monitors), NULL);

  n = g_list_model_get_n_items (monitors);
  if (n < 2)
    return NULL;

  if (connector != NULL && *connector != '\0')
    {
      gboolean have_model = model != NULL && *model != '\0';

      if (have_model)
        found = find_monitor (monitors, connector, model);
      if (found == NULL && have_model)
        found = find_monitor (monitors, NULL, model);
      if (found == NULL)
        found = find_monitor (monitors, connector, NULL);
      if (found != NULL)
        return found;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);

      if (cashier_monitor == NULL ? i == 1 : monitor != cashier_monitor)
        return monitor;
    }

  return NULL;
}

/* The monitor of the application's other window (the cashier's), if shown. */
static GdkMonitor *
find_cashier_monitor (KassaCustomerDisplay *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  GdkDisplay *display = gtk_widget_get_display (GTK_WIDGET (self));

  if (self->cashier != NULL)
    {
      /* The last one it entered: weston (10) does not always say that a
       * window moved to another output (fullscreen there) left its old one. */
      if (self->pinned != NULL)
        return self->pinned;
      if (self->cashier_monitors->len > 0)
        return g_ptr_array_index (self->cashier_monitors, self->cashier_monitors->len - 1);
      if (!gtk_widget_get_mapped (GTK_WIDGET (self->cashier)))
        return NULL;
      return gdk_display_get_monitor_at_surface (display,
                                                 gtk_native_get_surface (GTK_NATIVE (self->cashier)));
    }

  if (app == NULL)
    return NULL;

  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    {
      GtkWidget *window = l->data;
      GdkSurface *surface;

      if (window == GTK_WIDGET (self) || KASSA_IS_CUSTOMER_DISPLAY (window) ||
          !gtk_widget_get_mapped (window) || gtk_widget_get_display (window) != display)
        continue;

      surface = gtk_native_get_surface (GTK_NATIVE (window));
      if (surface != NULL)
        return gdk_display_get_monitor_at_surface (display, surface);
    }

  return NULL;
}

static void guard_keyboard (KassaCustomerDisplay *self);

/* A normal window shares the only monitor with the cashier's: before it is
 * first shown, make it smaller than that monitor (the .ui's 1024 × 720 is a
 * whole small monitor), with room for the compositor's panel and the
 * window's shadow, so that the compositor can place all of it on screen. */
static void
fit_normal_window (KassaCustomerDisplay *self)
{
  g_autoptr(GdkMonitor) monitor = NULL;
  GdkRectangle geometry;

  if (gtk_widget_get_realized (GTK_WIDGET (self)) ||
      (monitor = g_list_model_get_item (self->monitors, 0)) == NULL)
    return;

  gdk_monitor_get_geometry (monitor, &geometry);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               MIN (NORMAL_WIDTH, geometry.width * 7 / 8),
                               MIN (NORMAL_HEIGHT, geometry.height * 7 / 8));
}

static void
place_window (KassaCustomerDisplay *self)
{
  g_autofree char *connector = NULL;
  g_autofree char *model = NULL;
  GdkMonitor *chosen, *cashier_monitor;
  GdkRectangle geometry;

  if (self->settings != NULL)
    {
      connector = g_settings_get_string (self->settings, "customer-display-connector");
      model = g_settings_get_string (self->settings, "customer-display-model");
    }

  cashier_monitor = find_cashier_monitor (self);
  chosen = kassa_customer_display_choose_monitor (self->monitors, connector, model,
                                                  cashier_monitor);
  /* The remembered monitor is the cashier's now (the cashier window was
   * opened or dragged there): the customer display goes to another one. */
  if (chosen != NULL && chosen == cashier_monitor)
    chosen = kassa_customer_display_choose_monitor (self->monitors, NULL, NULL, cashier_monitor);
  g_debug ("Customer display on %s",
           chosen != NULL ? gdk_monitor_get_connector (chosen) : "a normal window");

  if (chosen != NULL)
    {
      /* A portrait monitor stacks the QR over the words, so that each half
       * is still at least half the shorter side. */
      gdk_monitor_get_geometry (chosen, &geometry);
      gtk_orientable_set_orientation (GTK_ORIENTABLE (self->main_box),
                                      geometry.width < geometry.height
                                        ? GTK_ORIENTATION_VERTICAL
                                        : GTK_ORIENTATION_HORIZONTAL);
      /* Already fullscreen on another output: a compositor (weston) may keep
       * a fullscreen surface where it is when only the output changes, so
       * leave fullscreen first and come back once that is done
       * (on_fullscreened_cb). */
      if (self->moving)
        ; /* on_fullscreened_cb() goes fullscreen on self->monitor */
      else if (self->monitor != NULL && self->monitor != chosen &&
               gtk_widget_get_mapped (GTK_WIDGET (self)) &&
               gtk_window_is_fullscreen (GTK_WINDOW (self)))
        {
          self->moving = TRUE;
          gtk_window_unfullscreen (GTK_WINDOW (self));
        }
      else
        gtk_window_fullscreen_on_monitor (GTK_WINDOW (self), chosen);
      if (chosen != self->monitor)
        guard_keyboard (self);
    }
  else
    {
      self->moving = FALSE;
      gtk_orientable_set_orientation (GTK_ORIENTABLE (self->main_box),
                                      GTK_ORIENTATION_HORIZONTAL);
      gtk_window_unfullscreen (GTK_WINDOW (self));
      fit_normal_window (self);
    }

  if (g_set_object (&self->monitor, chosen))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MONITOR]);
  size_qr (self);
}

static gboolean
refullscreen_cb (gpointer user_data)
{
  KassaCustomerDisplay *self = user_data;

  self->refullscreen_id = 0;
  self->moving = FALSE;
  if (self->monitor != NULL)
    {
      gtk_window_fullscreen_on_monitor (GTK_WINDOW (self), self->monitor);
      guard_keyboard (self);
    }

  return G_SOURCE_REMOVE;
}

static void
on_fullscreened_cb (KassaCustomerDisplay *self,
                    GParamSpec           *pspec,
                    gpointer              user_data)
{
  if (!self->moving || gtk_window_is_fullscreen (GTK_WINDOW (self)) ||
      self->refullscreen_id != 0)
    return;

  /* Not from inside the configure that left fullscreen. */
  self->refullscreen_id = g_idle_add (refullscreen_cb, self);
}

static void
on_monitors_items_changed_cb (GListModel           *monitors,
                              guint                 position,
                              guint                 removed,
                              guint                 added,
                              KassaCustomerDisplay *self)
{
  place_window (self);
}

static void
on_settings_monitor_cb (GSettings            *settings,
                        const char           *key,
                        KassaCustomerDisplay *self)
{
  place_window (self);
}

static void
load_css (GdkDisplay *display)
{
  g_autoptr(GtkCssProvider) provider = NULL;

  /* Once per display: every customer display window shares it. */
  if (g_object_get_data (G_OBJECT (display), "kassa-customer-display-css") != NULL)
    return;

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/mn/kassa/Kassa/customer-display.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data_full (G_OBJECT (display), "kassa-customer-display-css",
                          g_object_ref (provider), g_object_unref);
}

/* Watches the monitors of the display the window is on now. */
static void
watch_monitors (KassaCustomerDisplay *self)
{
  GdkDisplay *display = gtk_widget_get_display (GTK_WIDGET (self));

  if (self->monitors != NULL)
    g_signal_handlers_disconnect_by_data (self->monitors, self);
  g_set_object (&self->monitors, gdk_display_get_monitors (display));
  g_signal_connect_object (self->monitors, "items-changed",
                           G_CALLBACK (on_monitors_items_changed_cb), self, 0);
  load_css (display);
}

/* gtk_window_set_display() before the window is shown (GtkWindow:display is
 * not a construct property, so g_object_new() sets it after constructed()
 * too): the monitors are that display's. */
static void
on_display_notify_cb (KassaCustomerDisplay *self,
                      GParamSpec           *pspec,
                      gpointer              user_data)
{
  if (self->monitors == gdk_display_get_monitors (gtk_widget_get_display (GTK_WIDGET (self))))
    return;

  /* A monitor of the old display is nothing to this one. */
  self->moving = FALSE;
  g_clear_handle_id (&self->refullscreen_id, g_source_remove);
  if (g_set_object (&self->monitor, NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MONITOR]);
  watch_monitors (self);
  place_window (self);
}

/* ---- beside the cashier window ---- */

/* For a few seconds after it goes fullscreen somewhere, the keyboard is the
 * cashier's: a compositor may give it to the newly mapped (or moved)
 * fullscreen window, and nothing can be typed into the customer display. */
#define GUARD_US (5 * G_USEC_PER_SEC)
/* How long the cashier window may take to get the keyboard back when asked
 * (a compositor with xdg-activation) before it is mapped again. */
#define GIVE_BACK_MS 50
/* How long the cashier window's monitors must stay as they are; before the
 * display is first shown, shorter (the cashier waits for the keyboard). */
#define SETTLE_MS 250
#define SHOW_SETTLE_MS 100
/* Shown anyway when the cashier window has not entered a monitor by then. */
#define SHOW_LIMIT_MS 1000

static void
guard_keyboard (KassaCustomerDisplay *self)
{
  if (self->cashier != NULL)
    self->guard_until = g_get_monotonic_time () + GUARD_US;
}

static void
map_cashier_again (KassaCustomerDisplay *self)
{
  /* weston 10 lowers the fullscreen windows of the output it keeps for a
   * newly mapped window that is not maximized (its first) under its panel
   * and the other windows: the display goes fullscreen again afterwards
   * (replace_cb). */
  self->refresh_fullscreen = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self->cashier), FALSE);
  gtk_window_present (self->cashier);
}

static void on_cashier_monitors_changed (KassaCustomerDisplay *self);

/* Mapped again, the cashier window stays on the monitor it was on (pinned)
 * until it is maximized, unmaximized or fullscreened again: weston does not
 * tell when a window moves within the outputs it already touched. */
static void
on_cashier_state_cb (GtkWindow            *cashier,
                     GParamSpec           *pspec,
                     KassaCustomerDisplay *self)
{
  if (self->pinned == NULL || self->remaximize || self->give_back_id != 0)
    return;
  if (self->expect_maximized && gtk_window_is_maximized (cashier))
    {
      self->expect_maximized = FALSE;
      return;
    }

  g_clear_object (&self->pinned);
  on_cashier_monitors_changed (self);
}

static void
on_cashier_maximized_cb (GtkWindow            *cashier,
                         GParamSpec           *pspec,
                         KassaCustomerDisplay *self)
{
  if (gtk_window_is_maximized (cashier))
    return;

  g_signal_handlers_disconnect_by_func (cashier, on_cashier_maximized_cb, self);
  map_cashier_again (self);
}

static gboolean
give_back_cb (gpointer user_data)
{
  KassaCustomerDisplay *self = user_data;
  GtkWindow *cashier = self->cashier;

  self->give_back_id = 0;
  if (cashier == NULL || !gtk_widget_get_mapped (GTK_WIDGET (cashier)) ||
      gtk_window_is_active (cashier) || !gtk_window_is_active (GTK_WINDOW (self)))
    return G_SOURCE_REMOVE;

  /* Asking was not enough (weston, without xdg-activation): a window that is
   * mapped gets the keyboard, on the output of the pointer (still the
   * cashier's, where the cashier window was opened or dragged). */
  g_debug ("The cashier window is mapped again to get the keyboard back");
  /* Mapped again where it was (the pointer's output). Mapped normal first,
   * a window wider than the output less its shadow touches the next output
   * too, and weston 10 does not always say that it left it once maximized:
   * until its monitors settle, it is on the one it was on. */
  g_set_object (&self->pinned, find_cashier_monitor (self));
  /* Mapped normal, maximized again once on a monitor: weston 10 moves a
   * window mapped maximized to its first output (kassa_window_remember_size()).
   * GTK maps it as it was last configured: unmaximized first, then mapped. */
  if (gtk_window_is_maximized (cashier))
    {
      self->remaximize = TRUE;
      g_signal_connect_object (cashier, "notify::maximized",
                               G_CALLBACK (on_cashier_maximized_cb), self, 0);
      gtk_window_unmaximize (cashier);
      return G_SOURCE_REMOVE;
    }
  map_cashier_again (self);

  return G_SOURCE_REMOVE;
}

static void
on_is_active_cb (KassaCustomerDisplay *self,
                 GParamSpec           *pspec,
                 gpointer              user_data)
{
  if (self->cashier == NULL || !gtk_window_is_active (GTK_WINDOW (self)) ||
      g_get_monotonic_time () > self->guard_until ||
      !gtk_widget_get_mapped (GTK_WIDGET (self->cashier)) || self->give_back_id != 0)
    return;

  gtk_window_present (self->cashier);
  self->give_back_id = g_timeout_add (GIVE_BACK_MS, give_back_cb, self);
}

static gboolean
replace_cb (gpointer user_data)
{
  KassaCustomerDisplay *self = user_data;

  self->replace_id = 0;
  place_window (self);
  if (self->refresh_fullscreen && !self->moving && self->monitor != NULL &&
      gtk_widget_get_mapped (GTK_WIDGET (self)) && gtk_window_is_fullscreen (GTK_WINDOW (self)))
    {
      g_debug ("The customer display goes fullscreen again");
      self->refresh_fullscreen = FALSE;
      self->moving = TRUE;
      gtk_window_unfullscreen (GTK_WINDOW (self));
    }

  return G_SOURCE_REMOVE;
}

static gboolean
show_cb (gpointer user_data)
{
  KassaCustomerDisplay *self = user_data;

  self->show_id = 0;
  g_clear_handle_id (&self->replace_id, g_source_remove);
  place_window (self);
  guard_keyboard (self);
  gtk_window_present (GTK_WINDOW (self));

  return G_SOURCE_REMOVE;
}

/* The cashier window's monitors change in bursts (a window mapped across
 * two outputs, then maximized on one; a drag): the display is placed once
 * they have been still for SETTLE_MS. */
static void
on_cashier_monitors_changed (KassaCustomerDisplay *self)
{
  if (self->show_id != 0)
    {
      /* Waiting to be shown: soon is the time. */
      g_source_remove (self->show_id);
      self->show_id = g_timeout_add (SHOW_SETTLE_MS, show_cb, self);
    }
  else if (gtk_widget_get_visible (GTK_WIDGET (self)))
    {
      g_clear_handle_id (&self->replace_id, g_source_remove);
      self->replace_id = g_timeout_add (SETTLE_MS, replace_cb, self);
    }
}

static void
on_cashier_enter_monitor_cb (GdkSurface           *surface,
                             GdkMonitor           *monitor,
                             KassaCustomerDisplay *self)
{
  g_ptr_array_remove (self->cashier_monitors, monitor);
  g_ptr_array_add (self->cashier_monitors, g_object_ref (monitor));
  g_debug ("The cashier window entered %s", gdk_monitor_get_connector (monitor));
  if (self->remaximize && self->cashier != NULL)
    {
      self->remaximize = FALSE;
      self->expect_maximized = TRUE;
      gtk_window_maximize (self->cashier);
    }
  on_cashier_monitors_changed (self);
}

static void
on_cashier_leave_monitor_cb (GdkSurface           *surface,
                             GdkMonitor           *monitor,
                             KassaCustomerDisplay *self)
{
  g_ptr_array_remove (self->cashier_monitors, monitor);
  g_debug ("The cashier window left %s", gdk_monitor_get_connector (monitor));
  on_cashier_monitors_changed (self);
}

/* Unmapped, the surface is on no monitor, and GDK does not say it left them. */
static void
on_cashier_unmap_cb (GtkWidget            *cashier,
                     KassaCustomerDisplay *self)
{
  g_ptr_array_set_size (self->cashier_monitors, 0);
}

static void
watch_cashier_surface (KassaCustomerDisplay *self)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (self->cashier));

  if (surface == self->cashier_surface)
    return;

  if (self->cashier_surface != NULL)
    g_signal_handlers_disconnect_by_data (self->cashier_surface, self);
  g_set_object (&self->cashier_surface, surface);
  g_ptr_array_set_size (self->cashier_monitors, 0);
  if (surface == NULL)
    return;

  g_signal_connect_object (surface, "enter-monitor",
                           G_CALLBACK (on_cashier_enter_monitor_cb), self, 0);
  g_signal_connect_object (surface, "leave-monitor",
                           G_CALLBACK (on_cashier_leave_monitor_cb), self, 0);
}

static void
on_cashier_realize_cb (GtkWidget            *cashier,
                       KassaCustomerDisplay *self)
{
  watch_cashier_surface (self);
}

static void
on_cashier_unrealize_cb (GtkWidget            *cashier,
                         KassaCustomerDisplay *self)
{
  if (self->cashier_surface != NULL)
    g_signal_handlers_disconnect_by_data (self->cashier_surface, self);
  g_clear_object (&self->cashier_surface);
  g_ptr_array_set_size (self->cashier_monitors, 0);
}

/* ---- GObject ---- */

static void
kassa_customer_display_constructed (GObject *object)
{
  KassaCustomerDisplay *self = KASSA_CUSTOMER_DISPLAY (object);

  G_OBJECT_CLASS (kassa_customer_display_parent_class)->constructed (object);

  g_assert (self->counter != NULL);

  watch_monitors (self);
  g_signal_connect (self, "notify::display", G_CALLBACK (on_display_notify_cb), NULL);

  g_signal_connect_object (self->counter, "notify::current-invoice",
                           G_CALLBACK (on_counter_current_invoice_cb), self, 0);
  g_signal_connect_object (kassa_counter_get_till (self->counter), "notify::connection-state",
                           G_CALLBACK (on_till_connection_state_cb), self, 0);
  if (self->settings != NULL)
    {
      g_signal_connect_object (self->settings, "changed::shop-name",
                               G_CALLBACK (on_settings_shop_name_cb), self, 0);
      g_signal_connect_object (self->settings, "changed::customer-display-connector",
                               G_CALLBACK (on_settings_monitor_cb), self, 0);
      g_signal_connect_object (self->settings, "changed::customer-display-model",
                               G_CALLBACK (on_settings_monitor_cb), self, 0);
    }

  g_signal_connect (self, "notify::fullscreened", G_CALLBACK (on_fullscreened_cb), NULL);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (on_is_active_cb), NULL);

  follow_invoice (self);
  update_screen (self);
  place_window (self);
  self->tick_id = g_timeout_add (TICK_MS, tick_cb, self);
}

static void
kassa_customer_display_dispose (GObject *object)
{
  KassaCustomerDisplay *self = KASSA_CUSTOMER_DISPLAY (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->refullscreen_id, g_source_remove);
  g_clear_handle_id (&self->show_id, g_source_remove);
  g_clear_handle_id (&self->replace_id, g_source_remove);
  g_clear_handle_id (&self->give_back_id, g_source_remove);
  if (self->cashier_surface != NULL)
    g_signal_handlers_disconnect_by_data (self->cashier_surface, self);
  g_clear_object (&self->cashier_surface);
  g_clear_object (&self->pinned);
  if (self->cashier != NULL)
    g_signal_handlers_disconnect_by_data (self->cashier, self);
  g_clear_weak_pointer (&self->cashier);
  if (self->invoice != NULL)
    g_signal_handlers_disconnect_by_data (self->invoice, self);
  if (self->monitors != NULL)
    g_signal_handlers_disconnect_by_data (self->monitors, self);
  if (self->counter != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->counter, self);
      g_signal_handlers_disconnect_by_data (kassa_counter_get_till (self->counter), self);
    }
  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), KASSA_TYPE_CUSTOMER_DISPLAY);

  g_clear_object (&self->invoice);
  g_clear_object (&self->monitor);
  g_clear_object (&self->monitors);
  g_clear_object (&self->qr);
  g_clear_object (&self->settings);
  g_clear_object (&self->counter);

  G_OBJECT_CLASS (kassa_customer_display_parent_class)->dispose (object);
}

static void
kassa_customer_display_finalize (GObject *object)
{
  KassaCustomerDisplay *self = KASSA_CUSTOMER_DISPLAY (object);

  g_clear_pointer (&self->screen, kassa_customer_screen_free);
  g_clear_pointer (&self->cashier_monitors, g_ptr_array_unref);

  G_OBJECT_CLASS (kassa_customer_display_parent_class)->finalize (object);
}

static void
kassa_customer_display_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  KassaCustomerDisplay *self = KASSA_CUSTOMER_DISPLAY (object);

  switch (prop_id)
    {
    case PROP_COUNTER:
      g_value_set_object (value, self->counter);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    case PROP_MONITOR:
      g_value_set_object (value, self->monitor);
      break;
    case PROP_SCREEN_KIND:
      g_value_set_enum (value, kassa_customer_display_get_screen_kind (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_customer_display_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  KassaCustomerDisplay *self = KASSA_CUSTOMER_DISPLAY (object);

  switch (prop_id)
    {
    case PROP_COUNTER:
      self->counter = g_value_dup_object (value);
      break;
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_customer_display_class_init (KassaCustomerDisplayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = kassa_customer_display_constructed;
  object_class->dispose = kassa_customer_display_dispose;
  object_class->finalize = kassa_customer_display_finalize;
  object_class->get_property = kassa_customer_display_get_property;
  object_class->set_property = kassa_customer_display_set_property;

  properties[PROP_COUNTER] =
    g_param_spec_object ("counter", NULL, NULL, KASSA_TYPE_COUNTER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MONITOR] =
    g_param_spec_object ("monitor", NULL, NULL, GDK_TYPE_MONITOR,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCREEN_KIND] =
    g_param_spec_enum ("screen-kind", NULL, NULL, KASSA_TYPE_CUSTOMER_SCREEN_KIND,
                       KASSA_CUSTOMER_SCREEN_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/mn/kassa/Kassa/ui/kassa-customer-display.ui");
  gtk_widget_class_bind_template_child (widget_class, KassaCustomerDisplay, training_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCustomerDisplay, notice_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCustomerDisplay, main_box);
  gtk_widget_class_bind_template_child (widget_class, KassaCustomerDisplay, qr_picture);
  gtk_widget_class_bind_template_child (widget_class, KassaCustomerDisplay, shop_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCustomerDisplay, title_mn_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCustomerDisplay, title_en_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCustomerDisplay, amount_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCustomerDisplay, phone_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCustomerDisplay,
                                        instruction_mn_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCustomerDisplay,
                                        instruction_en_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCustomerDisplay, countdown_label);
}

static void
kassa_customer_display_init (KassaCustomerDisplay *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->qr = kassa_qr_paintable_new ();
  self->cashier_monitors = g_ptr_array_new_with_free_func (g_object_unref);
  gtk_picture_set_paintable (self->qr_picture, GDK_PAINTABLE (self->qr));
}

/* ---- public API ---- */

KassaCustomerDisplay *
kassa_customer_display_new (GtkApplication *app,
                            KassaCounter   *counter,
                            GSettings      *settings)
{
  g_return_val_if_fail (app == NULL || GTK_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (KASSA_IS_COUNTER (counter), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  return g_object_new (KASSA_TYPE_CUSTOMER_DISPLAY,
                       "application", app,
                       "counter", counter,
                       "settings", settings,
                       NULL);
}

KassaCounter *
kassa_customer_display_get_counter (KassaCustomerDisplay *self)
{
  g_return_val_if_fail (KASSA_IS_CUSTOMER_DISPLAY (self), NULL);

  return self->counter;
}

GdkMonitor *
kassa_customer_display_get_monitor (KassaCustomerDisplay *self)
{
  g_return_val_if_fail (KASSA_IS_CUSTOMER_DISPLAY (self), NULL);

  return self->monitor;
}

const KassaCustomerScreen *
kassa_customer_display_get_screen (KassaCustomerDisplay *self)
{
  g_return_val_if_fail (KASSA_IS_CUSTOMER_DISPLAY (self), NULL);

  return self->screen;
}

KassaCustomerScreenKind
kassa_customer_display_get_screen_kind (KassaCustomerDisplay *self)
{
  g_return_val_if_fail (KASSA_IS_CUSTOMER_DISPLAY (self), KASSA_CUSTOMER_SCREEN_IDLE);

  return self->screen != NULL ? self->screen->kind : KASSA_CUSTOMER_SCREEN_IDLE;
}

void
kassa_customer_display_show_beside (KassaCustomerDisplay *self,
                                    GtkWindow            *cashier,
                                    GPtrArray            *entered)
{
  g_return_if_fail (KASSA_IS_CUSTOMER_DISPLAY (self));
  g_return_if_fail (GTK_IS_WINDOW (cashier));
  g_return_if_fail (self->cashier == NULL);

  g_set_weak_pointer (&self->cashier, cashier);
  g_signal_connect_object (cashier, "realize", G_CALLBACK (on_cashier_realize_cb), self, 0);
  g_signal_connect_object (cashier, "unrealize", G_CALLBACK (on_cashier_unrealize_cb), self, 0);
  g_signal_connect_object (cashier, "unmap", G_CALLBACK (on_cashier_unmap_cb), self, 0);
  g_signal_connect_object (cashier, "notify::maximized", G_CALLBACK (on_cashier_state_cb),
                           self, 0);
  g_signal_connect_object (cashier, "notify::fullscreened", G_CALLBACK (on_cashier_state_cb),
                           self, 0);
  if (gtk_widget_get_realized (GTK_WIDGET (cashier)))
    watch_cashier_surface (self);
  if (self->cashier_surface != NULL && entered != NULL
      && gtk_widget_get_mapped (GTK_WIDGET (cashier)))
    for (guint i = 0; i < entered->len; i++)
      g_ptr_array_add (self->cashier_monitors, g_object_ref (g_ptr_array_index (entered, i)));

  /* Until the cashier window is on a monitor (its first frame is on
   * screen), or for at most SHOW_LIMIT_MS. */
  self->show_id = g_timeout_add (SHOW_LIMIT_MS, show_cb, self);
  if (self->cashier_monitors->len > 0)
    on_cashier_monitors_changed (self);
}

/* ---- Identify displays ---- */

typedef struct
{
  GPtrArray *windows;  /* GtkWindow, referenced */
} Identify;

static gboolean
identify_done_cb (gpointer user_data)
{
  Identify *identify = user_data;

  for (guint i = 0; i < identify->windows->len; i++)
    gtk_window_destroy (g_ptr_array_index (identify->windows, i));
  g_ptr_array_unref (identify->windows);
  g_free (identify);

  return G_SOURCE_REMOVE;
}

void
kassa_customer_display_identify (GdkDisplay *display,
                                 guint       seconds)
{
  GListModel *monitors;
  Identify *identify;
  guint n;

  g_return_if_fail (GDK_IS_DISPLAY (display));

  load_css (display);
  monitors = gdk_display_get_monitors (display);
  n = g_list_model_get_n_items (monitors);
  identify = g_new0 (Identify, 1);
  identify->windows = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);
      g_autofree char *number = g_strdup_printf ("%u", i + 1);
      g_autofree char *name = NULL;
      const char *connector = gdk_monitor_get_connector (monitor);
      const char *model = gdk_monitor_get_model (monitor);
      GdkRectangle geometry;
      GtkWidget *window = gtk_window_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
      GtkWidget *label;

      gdk_monitor_get_geometry (monitor, &geometry);
      /* Translators: identifies a monitor: connector ("HDMI-1"), model, size in pixels */
      name = g_strdup_printf (_("%s\n%s\n%d × %d"),
                              connector != NULL ? connector : _("Unknown connector"),
                              model != NULL ? model : _("Unknown model"),
                              geometry.width, geometry.height);

      gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
      gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
      label = gtk_label_new (number);
      gtk_widget_add_css_class (label, "identify-number");
      gtk_box_append (GTK_BOX (box), label);
      label = gtk_label_new (name);
      gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_CENTER);
      gtk_widget_add_css_class (label, "identify-name");
      gtk_box_append (GTK_BOX (box), label);

      gtk_window_set_title (GTK_WINDOW (window), number);
      gtk_window_set_decorated (GTK_WINDOW (window), FALSE);
      gtk_window_set_child (GTK_WINDOW (window), box);
      gtk_widget_add_css_class (window, "identify-display");
      gtk_window_fullscreen_on_monitor (GTK_WINDOW (window), monitor);
      gtk_window_present (GTK_WINDOW (window));
      g_ptr_array_add (identify->windows, g_object_ref (window));
    }

  g_timeout_add_seconds (MAX (seconds, 1), identify_done_cb, identify);
}
