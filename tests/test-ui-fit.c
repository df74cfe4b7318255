/* test-ui-fit.c — every window and dialog fits a 1024×768 screen, in Mongolian and in English
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each case runs in a child process (g_test_trap_subprocess) started with
 * LANGUAGE=mn or LANGUAGE=en under LANG=C.UTF-8, the .mo files taken from the
 * build tree (KASSA_LOCALEDIR), as test-ui-language.c does. The child opens
 * real windows on a training till with a day of sales in the display
 * harness, whose weston outputs are 1024×768:
 *
 * - each window's minimum size (gtk_widget_measure of the toplevel) is at
 *   most 1024 wide and 768 − a top bar high;
 * - shown, it is no larger than its output, and no label in it is cut: none
 *   is ellipsized, none is allocated less than its natural width (or, when
 *   it wraps, less than its height for that width), none reaches past the
 *   window's right edge;
 * - a screenshot of each lands in <build>/tests/artefacts/fit-<lang>-*.png.
 *
 * And the polish of issue 14: the cancel key's hint is as short as the
 * others, the Close-the-Day dialog selects no text when it opens or shows
 * its report, the history says a state in the cashier window's word for it,
 * and the Close-the-Day figures stand right-aligned under their headings.
 */

#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "kassa-amount.h"
#include "kassa-close-day-dialog.h"
#include "kassa-credentials-dialog.h"
#include "kassa-customer-display.h"
#include "kassa-history-window.h"
#include "kassa-manager.h"
#include "kassa-pin-dialog.h"
#include "kassa-preferences-window.h"
#include "kassa-refund-dialog.h"
#include "kassa-report.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"
#include "kassa-window.h"

#define LIMIT_S KASSA_TEST_UI_LIMIT_S
#define PIN     "2468"
/* The harness's outputs, and the smallest screen Kassa is meant for. */
#define SCREEN_WIDTH  1024
#define SCREEN_HEIGHT 768
/* weston's desktop shell and GNOME Shell keep this much of a screen for their top bar. */
#define PANEL_HEIGHT 32

static AdwApplication *test_app;

typedef struct
{
  KassaTestTill  t;
  GSettings     *settings;
  const char    *language;
  KassaInvoice  *paid;
  KassaInvoice  *refunded;
} Day;

/* ---- a day of sales ---- */

static void
refund (Day          *day,
        KassaInvoice *invoice)
{
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0 };

  kassa_till_refund_async (day->t.till, invoice, PIN, "returned", NULL, kassa_test_async_done_cb,
                           &w);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &w.done, LIMIT_S));
  g_assert_true (kassa_till_refund_finish (day->t.till, w.result, &error));
  g_assert_no_error (error);
  g_clear_object (&w.result);
}

static void
day_open (Day *day)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;
  const gint64 paid[] = { 1250000, 3200, 45000 };

  day->language = g_getenv ("LANGUAGE");
  g_assert_nonnull (day->language);
  kassa_test_ui_till_open (&day->t, "fit", 5, 0);
  g_assert_true (kassa_manager_set_pin (kassa_till_get_manager (day->t.till), NULL, PIN, &error));
  g_assert_no_error (error);
  day->settings = g_settings_new ("mn.kassa.Kassa");
  g_object_get (day->settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (day->settings, keys[i]);
  g_settings_set_string (day->settings, "shop-name", "Хүнсний дэлгүүр");

  for (guint i = 0; i < G_N_ELEMENTS (paid); i++)
    g_object_unref (kassa_test_ui_sell (day->t.counter, paid[i], TRUE));
  day->paid = kassa_test_ui_sell (day->t.counter, 24500, TRUE);
  g_object_unref (kassa_test_ui_sell (day->t.counter, 900, FALSE));
  day->refunded = kassa_test_ui_sell (day->t.counter, 2300, TRUE);
  refund (day, day->refunded);

  kassa_test_ui_pointer_to (0);
}

static void
day_close (Day *day)
{
  g_clear_object (&day->paid);
  g_clear_object (&day->refunded);
  g_clear_object (&day->settings);
  kassa_test_ui_till_close (&day->t);
}

/* ---- what fits ---- */

/* Fails the test and goes on (the next window may have more to say), saying
 * why on stderr: a child of g_test_trap_subprocess() runs quiet. */
static void G_GNUC_PRINTF (1, 2)
fail (const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("%s\n", message);
  g_test_fail ();
}

typedef struct
{
  GtkWidget *window;
  GString   *cut;
  guint      n_labels;
} CutCheck;

static void G_GNUC_PRINTF (2, 3)
fail_later (CutCheck   *check,
            const char *format,
            ...)
{
  va_list args;

  va_start (args, format);
  g_string_append_vprintf (check->cut, format, args);
  va_end (args);
  g_string_append_c (check->cut, '\n');
}

/* A kassa_test_ui_find_widget() match that never matches: it notes in
 * @data's cut every mapped label that does not show all of its text. */
static gboolean
note_cut_label (GtkWidget     *widget,
                gconstpointer  data)
{
  CutCheck *check = (CutCheck *) data;
  GtkLabel *label;
  const char *text;
  int width, height, natural = 0, needed = 0;
  GtkAllocation allocation;
  graphene_rect_t bounds;

  if (!GTK_IS_LABEL (widget))
    return FALSE;
  label = GTK_LABEL (widget);
  text = gtk_label_get_text (label);
  if (*text == '\0')
    return FALSE;

  check->n_labels++;
  /* gtk_widget_measure() counts the CSS margin, border and padding; so does the allocation. */
  gtk_widget_get_allocation (widget, &allocation);
  width = allocation.width;
  height = allocation.height;
  if (pango_layout_is_ellipsized (gtk_label_get_layout (label)))
    fail_later (check, "“%s” is ellipsized (%d px wide)", text, width);
  if (!gtk_label_get_wrap (label))
    {
      gtk_widget_measure (widget, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural, NULL, NULL);
      if (natural > width)
        fail_later (check, "“%s” needs %d px, has %d", text, natural, width);
    }
  else
    {
      gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, width, &needed, NULL, NULL, NULL);
      if (needed > height)
        fail_later (check, "“%s” needs %d px high at %d wide, has %d", text, needed, width,
                    height);
    }
  if (gtk_widget_compute_bounds (widget, check->window, &bounds) &&
      (bounds.origin.x < -0.5 ||
       bounds.origin.x + bounds.size.width > gtk_widget_get_width (check->window) + 0.5))
    fail_later (check, "“%s” reaches outside the window (x %.0f … %.0f)", text, bounds.origin.x,
                bounds.origin.x + bounds.size.width);

  return FALSE;
}

/* Fails unless every mapped label of @window shows all its text; returns how many were checked. */
static guint
assert_no_label_cut (GtkWidget  *window,
                     const char *what)
{
  g_autoptr(GString) cut = g_string_new (NULL);
  CutCheck check = { window, cut, 0 };

  kassa_test_ui_find_widget (window, note_cut_label, &check);
  if (cut->len > 0)
    fail ("%s: labels cut:\n%s", what, cut->str);

  return check.n_labels;
}

/* @window's minimum size fits a 1024×768 screen below a top bar: its
 * minimum width, and its minimum height as such and at the screen's width
 * (a window wraps its text at the width it has). */
static void
assert_minimum_fits (GtkWidget  *window,
                     const char *what)
{
  int min_width = 0, min_height = 0, min_height_on_screen = 0;

  gtk_widget_measure (window, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  gtk_widget_measure (window, GTK_ORIENTATION_VERTICAL, -1, &min_height, NULL, NULL, NULL);
  gtk_widget_measure (window, GTK_ORIENTATION_VERTICAL, MAX (min_width, SCREEN_WIDTH),
                      &min_height_on_screen, NULL, NULL, NULL);
  g_test_message ("%s minimum: %d×%d (%d high at %d wide)", what, min_width, min_height,
                  min_height_on_screen, SCREEN_WIDTH);
  if (min_width > SCREEN_WIDTH || min_height > SCREEN_HEIGHT - PANEL_HEIGHT ||
      min_height_on_screen > SCREEN_HEIGHT - PANEL_HEIGHT)
    fail ("%s needs at least %d×%d (%d high at %d wide): more than a %d×%d screen", what,
          min_width, min_height, min_height_on_screen, SCREEN_WIDTH, SCREEN_WIDTH, SCREEN_HEIGHT);
}

/* @window, shown, is no larger than its output. */
static void
assert_within_output (GtkWidget  *window,
                      const char *what)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  GdkMonitor *monitor = gdk_display_get_monitor_at_surface (gtk_widget_get_display (window),
                                                            surface);
  GdkRectangle geometry;

  g_assert_nonnull (monitor);
  gdk_monitor_get_geometry (monitor, &geometry);
  g_assert_cmpint (geometry.width, ==, SCREEN_WIDTH);
  g_assert_cmpint (geometry.height, ==, SCREEN_HEIGHT);
  g_test_message ("%s shown at %d×%d on %s", what, gtk_widget_get_width (window),
                  gtk_widget_get_height (window), gdk_monitor_get_connector (monitor));
  if (gtk_widget_get_width (window) > geometry.width ||
      gtk_widget_get_height (window) > geometry.height)
    fail ("%s is %d×%d on a %d×%d output", what, gtk_widget_get_width (window),
             gtk_widget_get_height (window), geometry.width, geometry.height);
}

/* Everything above for @window, then a screenshot "fit-<language>-@name" of @output. */
static void
check_shown (Day        *day,
             GtkWidget  *window,
             guint       output,
             const char *name)
{
  g_autofree char *what = g_strdup_printf ("%s (%s, %s)", G_OBJECT_TYPE_NAME (window), name,
                                           day->language);
  g_autofree char *shot = g_strdup_printf ("fit-%s-%s", day->language, name);

  kassa_test_ui_wait_painted (window);
  g_free (kassa_test_ui_screenshot (output, shot));
  assert_minimum_fits (window, what);
  assert_within_output (window, what);
  g_assert_cmpuint (assert_no_label_cut (window, what), >, 0);
}

static void
show (GtkWidget *window)
{
  gtk_window_present (GTK_WINDOW (window));
  if (!kassa_test_ui_wait (kassa_test_ui_widget_is_mapped, window, LIMIT_S))
    g_error ("the %s was never mapped", G_OBJECT_TYPE_NAME (window));
}

/* Shows @window on the cashier's output, checks it as "@name", destroys it. */
static void
check_dialog (Day        *day,
              GtkWindow  *window,
              const char *name)
{
  show (GTK_WIDGET (window));
  check_shown (day, GTK_WIDGET (window), 0, name);
  kassa_test_ui_destroy_window (window);
}

static gboolean
model_has_items (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (data)) > 0;
}

static gboolean
has_settlement (gpointer data)
{
  return kassa_close_day_dialog_get_settlement (data) != NULL;
}


/* The first GtkListView below @root. */
static gboolean
is_list_view (GtkWidget     *widget,
              gconstpointer  data)
{
  return GTK_IS_LIST_VIEW (widget) || GTK_IS_COLUMN_VIEW (widget);
}

static gboolean
is_search_entry (GtkWidget     *widget,
                 gconstpointer  data)
{
  return GTK_IS_SEARCH_ENTRY (widget);
}

/* A condition for kassa_test_ui_wait(): the history window @data has a sale
 * selected; selects its first one when it has none. */
static gboolean
select_first_sale (gpointer data)
{
  if (kassa_history_window_get_selected (data) != NULL)
    return TRUE;
  /* Enter in the search field selects the first sale found. */
  g_signal_emit_by_name (kassa_test_ui_find_widget (data, is_search_entry, NULL), "activate");

  return FALSE;
}

static void
charge_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(GError) error = NULL;

  invoice = kassa_counter_charge_finish (KASSA_COUNTER (source), result, &error);
  g_assert_no_error (error);
  *done = TRUE;
}

/* The close-day dialog, its PIN typed: the report. */
static KassaCloseDayDialog *
close_day_report (Day *day)
{
  KassaCloseDayDialog *dialog;

  dialog = KASSA_CLOSE_DAY_DIALOG (kassa_close_day_dialog_new (NULL, day->t.counter,
                                                               day->settings));
  show (GTK_WIDGET (dialog));
  kassa_test_ui_wait_active (GTK_WINDOW (dialog), "the close-day dialog");
  kassa_test_ui_keys (0, "2", "4", "6", "8", "Return", NULL);
  if (!kassa_test_ui_wait (has_settlement, dialog, LIMIT_S))
    g_error ("the day was not closed: %s", kassa_close_day_dialog_get_message (dialog));
  kassa_test_ui_wait_painted (GTK_WIDGET (dialog));

  return dialog;
}

/* ---- the windows ---- */

static void
run_windows (void)
{
  Day day = { 0 };
  KassaWindow *cashier;
  KassaCustomerDisplay *display;
  GtkWidget *window, *list;
  g_autoptr(GtkBuilder) builder = NULL;
  gboolean charged = FALSE;

  day_open (&day);

  /* The customer display, on the second output, idle and then with a QR. */
  kassa_test_ui_pointer_to (1);
  display = kassa_customer_display_new (GTK_APPLICATION (test_app), day.t.counter, NULL);
  show (GTK_WIDGET (display));
  kassa_test_ui_pointer_to (0);

  /* The cashier window, with the day's sales; then a payment waiting. */
  cashier = kassa_window_new (GTK_APPLICATION (test_app), day.t.counter);
  show (GTK_WIDGET (cashier));
  check_shown (&day, GTK_WIDGET (cashier), 0, "cashier");
  list = kassa_test_ui_find_widget (GTK_WIDGET (cashier), is_list_view, NULL);
  g_assert_nonnull (list);
  g_assert_cmpuint (assert_no_label_cut (list, "today’s sales"), >=, 6);
  check_shown (&day, GTK_WIDGET (display), 1, "customer-idle");

  kassa_counter_charge_async (day.t.counter, 1234500, KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL,
                              charge_done_cb, &charged);
  kassa_test_ui_wait_current_state (day.t.counter, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &charged, LIMIT_S));
  check_shown (&day, GTK_WIDGET (cashier), 0, "cashier-waiting");
  check_shown (&day, GTK_WIDGET (display), 1, "customer-qr");
  kassa_counter_customer_pays (day.t.counter, NULL);
  kassa_test_ui_wait_current_state (day.t.counter, KASSA_INVOICE_PAID);
  check_shown (&day, GTK_WIDGET (cashier), 0, "cashier-paid");
  check_shown (&day, GTK_WIDGET (display), 1, "customer-paid");
  kassa_test_ui_destroy_window (GTK_WINDOW (display));

  /* The history, a sale selected. */
  window = GTK_WIDGET (kassa_history_window_new (GTK_WINDOW (cashier), day.t.counter,
                                                 day.settings));
  show (window);
  g_assert_true (kassa_test_ui_wait (model_has_items, kassa_history_window_get_model (
                                       KASSA_HISTORY_WINDOW (window)), LIMIT_S));
  /* The cashier's click on the first sale (the search field's first filtering may come later). */
  g_assert_true (kassa_test_ui_wait (select_first_sale, window, LIMIT_S));
  kassa_test_ui_wait_painted (window);
  g_assert_true (kassa_test_ui_wait (select_first_sale, window, LIMIT_S));
  check_shown (&day, window, 0, "history");
  kassa_test_ui_destroy_window (GTK_WINDOW (window));

  /* The refund dialog, the PIN dialog, the preferences, the bank account. */
  check_dialog (&day, kassa_refund_dialog_new (GTK_WINDOW (cashier), day.t.counter, day.paid,
                                               day.settings), "refund");
  check_dialog (&day, kassa_pin_dialog_new (GTK_WINDOW (cashier),
                                            kassa_till_get_manager (day.t.till),
                                            KASSA_MANAGER_ACTION_PREFERENCES,
                                            _("Change the Bank Account")), "pin");
  check_dialog (&day, kassa_preferences_window_new (GTK_WINDOW (cashier), day.t.counter,
                                                    day.settings), "preferences");
  check_dialog (&day, kassa_credentials_dialog_new (GTK_WINDOW (cashier), day.settings),
                "credentials");

  /* The keyboard shortcuts. */
  builder = gtk_builder_new_from_resource ("/mn/kassa/Kassa/gtk/help-overlay.ui");
  window = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));
  g_assert_nonnull (window);
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (cashier));
  show (window);
  check_shown (&day, window, 0, "shortcuts");
  gtk_window_destroy (GTK_WINDOW (window));

  /* Close the day: the PIN, then the report. */
  check_dialog (&day, kassa_close_day_dialog_new (GTK_WINDOW (cashier), day.t.counter,
                                                  day.settings), "close-day");
  window = GTK_WIDGET (close_day_report (&day));
  check_shown (&day, window, 0, "close-day-report");
  kassa_test_ui_destroy_window (GTK_WINDOW (window));

  kassa_test_ui_destroy_window (GTK_WINDOW (cashier));
  day_close (&day);
}

/* ---- the polish ---- */

static gboolean
is_cancel_button (GtkWidget     *widget,
                  gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), data) == 0;
}

static gboolean
is_keycap (GtkWidget     *widget,
           gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, "keycap");
}

/* The key hint on the button of action @action: its keycap label. */
static GtkWidget *
key_hint (GtkWidget  *window,
          const char *action)
{
  GtkWidget *button = kassa_test_ui_find_widget (window, is_cancel_button, action);
  GtkWidget *keycap;

  g_assert_nonnull (button);
  keycap = kassa_test_ui_find_widget (button, is_keycap, NULL);
  g_assert_nonnull (keycap);

  return keycap;
}

/* The cancel button's hint says "Esc", as short as "F5" beside it, in the same keycap. */
static void
run_cancel_hint (void)
{
  Day day = { 0 };
  KassaWindow *cashier;
  GtkWidget *esc, *f5;
  gboolean charged = FALSE;

  day_open (&day);
  cashier = kassa_window_new (GTK_APPLICATION (test_app), day.t.counter);
  show (GTK_WIDGET (cashier));
  kassa_counter_charge_async (day.t.counter, 1500, KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL,
                              charge_done_cb, &charged);
  kassa_test_ui_wait_current_state (day.t.counter, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &charged, LIMIT_S));
  kassa_test_ui_wait_painted (GTK_WIDGET (cashier));

  esc = key_hint (GTK_WIDGET (cashier), "till.cancel-payment");
  f5 = key_hint (GTK_WIDGET (cashier), "till.check-now");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (esc)), ==, "Esc");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (f5)), ==, "F5");
  /* The same keycap: as high as F5's, and not much wider. */
  g_assert_cmpint (gtk_widget_get_height (esc), ==, gtk_widget_get_height (f5));
  g_assert_cmpint (gtk_widget_get_width (esc), <=, 2 * gtk_widget_get_width (f5));

  kassa_test_ui_destroy_window (GTK_WINDOW (cashier));
  day_close (&day);
}

/* A kassa_test_ui_find_widget() match: a selectable label with text selected, or the focus. */
static gboolean
is_label_selected (GtkWidget     *widget,
                   gconstpointer  data)
{
  int start = 0, end = 0;

  return GTK_IS_LABEL (widget) &&
         ((gtk_label_get_selectable (GTK_LABEL (widget)) &&
           gtk_label_get_selection_bounds (GTK_LABEL (widget), &start, &end) && start != end) ||
          gtk_widget_has_focus (widget));
}

static void
assert_nothing_selected (GtkWidget  *window,
                         const char *when)
{
  GtkWidget *selected = kassa_test_ui_find_widget (window, is_label_selected, NULL);

  if (selected != NULL)
    g_error ("%s: “%s” is %s", when, gtk_label_get_text (GTK_LABEL (selected)),
             gtk_widget_has_focus (selected) ? "focused" : "selected");
}

/* The Close-the-Day dialog opens with the PIN field focused and no text
 * selected; its report selects none either (the till's count was). */
static void
run_close_day_selection (void)
{
  Day day = { 0 };
  KassaCloseDayDialog *dialog;
  GtkWidget *focus;

  day_open (&day);
  dialog = close_day_report (&day);
  assert_nothing_selected (GTK_WIDGET (dialog), "the close-day report");
  focus = gtk_root_get_focus (GTK_ROOT (dialog));
  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_get_ancestor (focus, GTK_TYPE_BUTTON) != NULL);
  kassa_test_ui_destroy_window (GTK_WINDOW (dialog));

  dialog = KASSA_CLOSE_DAY_DIALOG (kassa_close_day_dialog_new (NULL, day.t.counter,
                                                               day.settings));
  show (GTK_WIDGET (dialog));
  kassa_test_ui_wait_painted (GTK_WIDGET (dialog));
  assert_nothing_selected (GTK_WIDGET (dialog), "the close-day dialog at open");
  focus = gtk_root_get_focus (GTK_ROOT (dialog));
  g_assert_nonnull (focus);
  g_assert_true (gtk_widget_get_ancestor (focus, ADW_TYPE_PASSWORD_ENTRY_ROW) != NULL);
  kassa_test_ui_destroy_window (GTK_WINDOW (dialog));
  day_close (&day);
}

/* The label beside the invoice number @number in the cashier's list of sales: its state. */
static const char *
cashier_state_word (GtkWidget  *list,
                    const char *number)
{
  GtkWidget *label = kassa_test_ui_find_widget (list, kassa_test_ui_is_label_with_text, number);
  GtkWidget *grid;

  g_assert_nonnull (label);
  grid = gtk_widget_get_parent (label);
  g_assert_true (GTK_IS_GRID (grid));
  label = gtk_grid_get_child_at (GTK_GRID (grid), 0, 0);
  g_assert_true (GTK_IS_LABEL (label));
  g_assert_true (gtk_widget_has_css_class (label, "sale-state"));

  return gtk_label_get_label (GTK_LABEL (label));
}

static gboolean
model_has_one (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (data)) == 1;
}

/* The history's row for @invoice says its state in the cashier window's word, and so do its details. */
static void
assert_history_says (GtkWidget    *history,
                     KassaInvoice *invoice,
                     const char   *word)
{
  GtkWidget *search = kassa_test_ui_find_widget (history, is_search_entry, NULL);
  GtkWidget *view = kassa_test_ui_find_widget (history, is_list_view, NULL);
  KassaHistoryModel *model = kassa_history_window_get_model (KASSA_HISTORY_WINDOW (history));
  g_autofree char *line = g_strdup_printf ("%s: %s", _("State"), word);
  const char *raw = kassa_invoice_state_to_string (kassa_invoice_get_state (invoice));

  gtk_editable_set_text (GTK_EDITABLE (search), kassa_invoice_get_number (invoice));
  g_signal_emit_by_name (search, "activate");
  g_assert_true (kassa_test_ui_wait (model_has_one, model, LIMIT_S));
  g_assert_true (kassa_test_ui_wait (select_first_sale, history, LIMIT_S));
  g_assert_true (kassa_history_window_get_selected (KASSA_HISTORY_WINDOW (history)) == invoice);
  kassa_test_ui_wait_painted (history);

  g_assert_nonnull (kassa_test_ui_find_widget (view, kassa_test_ui_is_label_with_text, word));
  g_assert_null (kassa_test_ui_find_widget (view, kassa_test_ui_is_label_with_text, raw));
  g_assert_nonnull (kassa_test_ui_find_widget (history, kassa_test_ui_is_label_containing, line));
}

/* The history names a state as the cashier window does ("Paid", not PAID). */
static void
run_history_state_words (void)
{
  Day day = { 0 };
  KassaWindow *cashier;
  GtkWidget *list, *history;
  g_autofree char *paid_word = NULL;
  g_autofree char *refunded_word = NULL;

  day_open (&day);
  cashier = kassa_window_new (GTK_APPLICATION (test_app), day.t.counter);
  show (GTK_WIDGET (cashier));
  kassa_test_ui_wait_painted (GTK_WIDGET (cashier));
  list = kassa_test_ui_find_widget (GTK_WIDGET (cashier), is_list_view, NULL);
  paid_word = g_strdup (cashier_state_word (list, kassa_invoice_get_number (day.paid)));
  refunded_word = g_strdup (cashier_state_word (list, kassa_invoice_get_number (day.refunded)));
  /* The cashier's words are the language's. */
  g_assert_cmpstr (paid_word, ==, _("Paid"));
  g_assert_cmpstr (refunded_word, ==, _("Refunded"));
  if (g_str_equal (day.language, "mn"))
    g_assert_cmpstr (paid_word, !=, "Paid");

  history = GTK_WIDGET (kassa_history_window_new (GTK_WINDOW (cashier), day.t.counter,
                                                  day.settings));
  show (history);
  assert_history_says (history, day.paid, paid_word);
  assert_history_says (history, day.refunded, refunded_word);
  kassa_test_ui_destroy_window (GTK_WINDOW (history));
  kassa_test_ui_destroy_window (GTK_WINDOW (cashier));
  day_close (&day);
}

/* Where @label's text ends, in @grid's coordinates. */
static float
text_right (GtkWidget *label,
            GtkWidget *grid)
{
  PangoRectangle logical;
  graphene_point_t end = GRAPHENE_POINT_INIT (0, 0);
  graphene_point_t in_grid;
  int x = 0, y = 0;

  gtk_label_get_layout_offsets (GTK_LABEL (label), &x, &y);
  pango_layout_get_pixel_extents (gtk_label_get_layout (GTK_LABEL (label)), NULL, &logical);
  end.x = x + logical.x + logical.width;
  g_assert_true (gtk_widget_compute_point (label, grid, &end, &in_grid));

  return in_grid.x;
}

/* The Close-the-Day figures end where their headings end, in tabular digits. */
static void
run_close_day_aligned (void)
{
  Day day = { 0 };
  KassaCloseDayDialog *dialog;
  const char *headings[] = { _("Till"), _("Bank"), _("Difference") };

  day_open (&day);
  dialog = close_day_report (&day);

  for (guint i = 0; i < G_N_ELEMENTS (headings); i++)
    {
      GtkWidget *heading = kassa_test_ui_find_widget (GTK_WIDGET (dialog),
                                                      kassa_test_ui_is_label_with_text,
                                                      headings[i]);
      GtkWidget *grid;
      int column = 0, row = 0;

      g_assert_nonnull (heading);
      grid = gtk_widget_get_parent (heading);
      g_assert_true (GTK_IS_GRID (grid));
      gtk_grid_query_child (GTK_GRID (grid), heading, &column, &row, NULL, NULL);
      /* Payments, then the total. */
      for (int below = 1; below <= 2; below++)
        {
          GtkWidget *figure = gtk_grid_get_child_at (GTK_GRID (grid), column, row + below);

          g_assert_true (GTK_IS_LABEL (figure));
          g_assert_true (gtk_widget_has_css_class (figure, "numeric"));
          g_test_message ("“%s” ends at %.1f, “%s” under it at %.1f", headings[i],
                          text_right (heading, grid), gtk_label_get_text (GTK_LABEL (figure)),
                          text_right (figure, grid));
          g_assert_cmpfloat_with_epsilon (text_right (figure, grid), text_right (heading, grid),
                                          1.0);
        }
    }

  kassa_test_ui_destroy_window (GTK_WINDOW (dialog));
  day_close (&day);
}

/* ---- the history counts the routine checks ---- */

static gboolean
is_text_view (GtkWidget     *widget,
              gconstpointer  data)
{
  return GTK_IS_TEXT_VIEW (widget);
}

typedef struct
{
  KassaJournal *journal;
  KassaInvoice *invoice;
} ChecksWait;

/* A condition for kassa_test_ui_wait(): the journal holds a run of at least
 * three "not paid yet" checks of the invoice (what the till has written, read
 * through the journal the till has open: no other process may read it now). */
static gboolean
three_routine_checks (gpointer data)
{
  ChecksWait *c = data;
  g_autofree char *json = kassa_journal_get_exchanges_json (c->journal, c->invoice, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *rows;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL))
    return FALSE;
  rows = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (rows); i++)
    if (json_object_get_int_member (json_array_get_object_element (rows, i), "count") >= 3)
      return TRUE;

  return FALSE;
}

static char *
iso_time (gint64 us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);

  return g_date_time_format_iso8601 (time);
}

/* The lines the history should write under @number's routine rows, read from
 * the journal file @path itself (SQLite, once the till has closed it): each
 * row's count and its first and last check. */
static GPtrArray *
routine_lines (const char *path,
               const char *number,
               gint64     *out_checks)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  *out_checks = 0;
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT repeats, first_at, at FROM exchanges "
                                       "WHERE invoice = ? AND routine = 1 ORDER BY id",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, number, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 repeats = sqlite3_column_int64 (stmt, 0);
      g_autofree char *first = iso_time (sqlite3_column_int64 (stmt, 1));
      g_autofree char *last = iso_time (sqlite3_column_int64 (stmt, 2));

      *out_checks += repeats;
      if (repeats > 1)
        g_ptr_array_add (lines,
                         g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                       "%u check with this answer, the first at "
                                                       "%s, the last at %s",
                                                       "%u checks with this answer, the first at "
                                                       "%s, the last at %s", (gulong) repeats),
                                          (guint) repeats, first, last));
    }
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return lines;
}

/* A sale left unpaid for a few polls, then paid: its details in the history
 * say how many "not paid yet" checks there were, the first and the last. */
static void
run_history_checks (void)
{
  Day day = { 0 };
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *log = NULL;
  g_autofree char *number = NULL;
  KassaWindow *cashier;
  GtkWidget *history, *view;
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  KassaTestAsync w = { 0 };
  ChecksWait checks_wait = { 0 };
  gint64 checks = 0;

  day_open (&day);
  path = g_strdup (day.t.journal_path);
  cashier = kassa_window_new (GTK_APPLICATION (test_app), day.t.counter);
  show (GTK_WIDGET (cashier));

  /* A QR sale the customer pays after a few polls (one every 200 ms). */
  kassa_counter_charge_async (day.t.counter, 7700, KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL,
                              kassa_test_async_done_cb, &w);
  g_assert_true (kassa_test_ui_wait (kassa_test_ui_flag_is_set, &w.done, LIMIT_S));
  invoice = kassa_counter_charge_finish (day.t.counter, w.result, &error);
  g_assert_no_error (error);
  g_clear_object (&w.result);
  number = g_strdup (kassa_invoice_get_number (invoice));
  kassa_test_ui_wait_invoice_state (invoice, KASSA_INVOICE_AWAITING_PAYMENT);
  checks_wait.journal = day.t.journal;
  checks_wait.invoice = invoice;
  if (!kassa_test_ui_wait (three_routine_checks, &checks_wait, LIMIT_S))
    g_error ("the till did not check %s three times in %d s", number, LIMIT_S);
  g_assert_true (kassa_counter_customer_pays (day.t.counter, &error));
  g_assert_no_error (error);
  kassa_test_ui_wait_invoice_state (invoice, KASSA_INVOICE_PAID);

  history = GTK_WIDGET (kassa_history_window_new (GTK_WINDOW (cashier), day.t.counter,
                                                  day.settings));
  show (history);
  assert_history_says (history, invoice, _("Paid"));
  view = kassa_test_ui_find_widget (history, is_text_view, NULL);
  g_assert_nonnull (view);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  log = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_free (kassa_test_ui_screenshot_of (history, 0, g_str_equal (day.language, "mn")
                                                     ? "fit-mn-history-checks"
                                                     : "fit-en-history-checks"));

  kassa_test_ui_destroy_window (GTK_WINDOW (history));
  kassa_test_ui_destroy_window (GTK_WINDOW (cashier));
  g_clear_object (&invoice);
  day_close (&day);

  /* What the journal file holds, and the window said it all. */
  lines = routine_lines (path, number, &checks);
  g_assert_cmpint (checks, >=, 3);
  g_assert_cmpuint (lines->len, >=, 1);
  for (guint i = 0; i < lines->len; i++)
    if (strstr (log, g_ptr_array_index (lines, i)) == NULL)
      g_error ("the history's log lacks “%s”:\n%s", (char *) g_ptr_array_index (lines, i), log);
  if (g_str_equal (day.language, "mn"))
    {
      g_assert_null (strstr (log, "checks with this answer"));
      g_assert_nonnull (strstr (log, "шалгалт"));
    }
  else
    g_assert_nonnull (strstr (log, "checks with this answer, the first at "));
}

/* ---- Preferences' receipt printer group (issue 15) ---- */

static gboolean
printers_looked_for (gpointer data)
{
  GtkWidget *group = data;

  return strstr (adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (group)),
                 _("Looking for printers…")) == NULL;
}

/* The Devices page with every row of the receipt printer group shown: a
 * network printer (its address row) and another width (its dots row), and
 * a test page's outcome. */
static void
run_preferences_printer (void)
{
  Day day = { 0 };
  GtkWidget *window;
  GtkWidget *printer_group;

  day_open (&day);
  g_settings_set_string (day.settings, "shop-address",
                         "Улаанбаатар, Сүхбаатар дүүрэг, 1-р хороо, Өнөр төв, 12 тоот");
  g_settings_set_string (day.settings, "shop-phone", "+976 7011-2233");
  g_settings_set_string (day.settings, "receipt-printer", "tcp:192.168.100.200:9100");
  g_settings_set_uint (day.settings, "receipt-printer-dots", 832);
  g_settings_set_boolean (day.settings, "cash-drawer", TRUE);

  window = GTK_WIDGET (kassa_preferences_window_new (NULL, day.t.counter, day.settings));
  show (window);
  printer_group = kassa_preferences_window_get_row (KASSA_PREFERENCES_WINDOW (window),
                                                  "receipt-printer-group");
  g_assert_true (kassa_test_ui_wait (printers_looked_for, printer_group, LIMIT_S));
  check_shown (&day, window, 0, "preferences-general");

  gtk_window_set_focus (GTK_WINDOW (window), NULL);
  adw_preferences_window_set_visible_page (
    ADW_PREFERENCES_WINDOW (window),
    ADW_PREFERENCES_PAGE (gtk_widget_get_ancestor (printer_group, ADW_TYPE_PREFERENCES_PAGE)));
  g_assert_true (gtk_widget_get_visible (kassa_preferences_window_get_row (
                   KASSA_PREFERENCES_WINDOW (window), "receipt-printer-address")));
  g_assert_true (gtk_widget_get_visible (kassa_preferences_window_get_row (
                   KASSA_PREFERENCES_WINDOW (window), "receipt-printer-dots")));
  check_shown (&day, window, 0, "preferences-devices");

  /* A test page to a printer that is not there: the longest outcome. */
  g_settings_set_string (day.settings, "receipt-printer", "tcp:127.0.0.1:9");
  g_assert_true (gtk_widget_activate_action (window, "prefs.print-test-page", NULL));
  {
    GtkWidget *test_row = kassa_preferences_window_get_row (KASSA_PREFERENCES_WINDOW (window),
                                                            "test-page");
    const char *printing = _("Printing the test page…");

    while (g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (test_row)), printing) == 0)
      g_main_context_iteration (NULL, TRUE);
    g_test_message ("test page: %s", adw_action_row_get_subtitle (ADW_ACTION_ROW (test_row)));
  }
  check_shown (&day, window, 0, "preferences-test-page");
  kassa_test_ui_destroy_window (GTK_WINDOW (window));

  day_close (&day);
}

/* ---- running each case in each language ---- */

typedef struct
{
  const char *language;
  void      (*run) (void);
} Case;

static void
test_in_language (gconstpointer data)
{
  const Case *c = data;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  if (g_test_subprocess ())
    {
      g_assert_cmpstr (g_getenv ("LANGUAGE"), ==, c->language);
      c->run ();
      return;
    }

  g_setenv ("LANGUAGE", c->language, TRUE);
  g_test_trap_subprocess (NULL, 240 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR |
                          G_TEST_SUBPROCESS_INHERIT_STDOUT);
  g_unsetenv ("LANGUAGE");
  g_test_trap_assert_passed ();
}

static void
add_case (const char *name,
          void      (*run) (void))
{
  static const char * const languages[] = { "mn", "en" };

  for (guint i = 0; i < G_N_ELEMENTS (languages); i++)
    {
      Case *c = g_new0 (Case, 1);
      g_autofree char *path = g_strdup_printf ("/ui/fit/%s/%s", languages[i], name);

      c->language = languages[i];
      c->run = run;
      g_test_add_data_func_full (path, c, test_in_language, g_free);
    }
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("KASSA_LOCALEDIR");
  int status;

  kassa_test_init (&argc, &argv);
  /* As main.c does: the windows' strings come from this domain. */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  add_case ("windows", run_windows);
  add_case ("cancel-hint", run_cancel_hint);
  add_case ("close-day-selection", run_close_day_selection);
  add_case ("history-state-words", run_history_state_words);
  add_case ("close-day-aligned", run_close_day_aligned);
  add_case ("history-checks", run_history_checks);
  add_case ("preferences-printer", run_preferences_printer);

  /* Only the children show windows. */
  if (kassa_test_ui_have_harness () && g_test_subprocess ())
    test_app = kassa_test_ui_app_new ();

  status = g_test_run ();
  g_clear_object (&test_app);

  return status;
}
