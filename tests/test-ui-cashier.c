/* test-ui-cashier.c — the cashier window, driven by real keys
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real journal, the training bank in-process (as the application runs it),
 * a till, a counter and the cashier window in a real Wayland session. Every
 * action is a key sent with xdotool: X → weston → Wayland → GTK, GTK's own
 * event path. The test observes the counter and its invoices, and what the
 * window shows through public widget API (mapped labels); screenshots of
 * output 0 are saved as artefacts.
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "kassa-amount.h"
#include "kassa-bank-fields.h"
#include "kassa-counter.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"
#include "kassa-training.h"
#include "kassa-window.h"

#define LIMIT_S KASSA_TEST_UI_LIMIT_S

/* One application for the whole run, registered before the first test: a
 * GtkApplication starts up once, and the windows of every test belong to it. */
static AdwApplication *test_app;

typedef struct
{
  KassaTestTill  t;  /* the training till: journal, bank, client, till, counter */
  KassaWindow   *window;
} Fixture;

/* ---- waiting ---- */

static gboolean
window_is_active (gpointer data)
{
  Fixture *f = data;

  return gtk_window_is_active (GTK_WINDOW (f->window));
}

static gboolean
window_is_maximized (gpointer data)
{
  Fixture *f = data;

  return gtk_window_is_maximized (GTK_WINDOW (f->window));
}

/* ---- what the window shows, through public widget API ---- */

/* The window's inline messages (under the amount and phone entries) carry
 * the style class "inline-error". */
static gboolean
is_inline_error (GtkWidget     *widget,
                 gconstpointer  data)
{
  const char *text;

  if (!GTK_IS_LABEL (widget) || !gtk_widget_has_css_class (widget, "inline-error"))
    return FALSE;
  text = gtk_label_get_label (GTK_LABEL (widget));

  return text != NULL && *text != '\0';
}

static gboolean
is_entry_for (GtkWidget     *widget,
              gconstpointer  purpose)
{
  return GTK_IS_ENTRY (widget) &&
         (int) gtk_entry_get_input_purpose (GTK_ENTRY (widget)) == GPOINTER_TO_INT (purpose);
}

typedef struct
{
  Fixture                *f;
  KassaTestUiWidgetMatch  match;
  gconstpointer           data;
  gboolean                present;
} ShowWait;

static gboolean
window_shows (gpointer data)
{
  ShowWait *w = data;

  return (kassa_test_ui_find_widget (GTK_WIDGET (w->f->window), w->match,
                                     w->data) != NULL) == w->present;
}

static void
wait_shown (Fixture                *f,
            KassaTestUiWidgetMatch  match,
            gconstpointer           data,
            gboolean                present,
            const char             *what)
{
  ShowWait w = { f, match, data, present };

  if (!kassa_test_ui_wait (window_shows, &w, LIMIT_S))
    g_error ("the cashier window %s %s", present ? "does not show" : "still shows", what);
}

typedef struct
{
  GType    type;
  gboolean active;  /* also wait until it has the keyboard */
  gboolean present;
} ToplevelWait;

static gboolean
toplevel_there (gpointer data)
{
  ToplevelWait *w = data;
  GtkWindow *window = kassa_test_ui_find_toplevel (w->type);

  if (!w->present)
    return window == NULL;

  return window != NULL && (!w->active || gtk_window_is_active (window));
}

static void
wait_toplevel (GType    type,
               gboolean present)
{
  ToplevelWait w = { type, TRUE, present };

  if (!kassa_test_ui_wait (toplevel_there, &w, LIMIT_S))
    g_error ("a %s window %s", g_type_name (type), present ? "did not open" : "did not close");
}

/* Waits until a @type window exists, with or without the keyboard. */
static void
wait_toplevel_shown (GType type)
{
  ToplevelWait w = { type, FALSE, TRUE };

  if (!kassa_test_ui_wait (toplevel_there, &w, LIMIT_S))
    g_error ("a %s window did not open", g_type_name (type));
}

static guint
n_recent (Fixture *f)
{
  return g_list_model_get_n_items (kassa_counter_get_recent_sales (f->t.counter));
}

static void
assert_focus_in_amount_entry (Fixture *f)
{
  GtkWidget *entry = kassa_test_ui_find_widget (GTK_WIDGET (f->window), is_entry_for,
                                                GINT_TO_POINTER (GTK_INPUT_PURPOSE_DIGITS));
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (f->window));

  g_assert_nonnull (entry);
  g_assert_nonnull (focus);
  g_assert_true (focus == entry || gtk_widget_is_ancestor (focus, entry));
}

/* ---- fixture ---- */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  if (!kassa_test_ui_have_harness ())
    return;

  kassa_test_ui_till_open (&f->t, "cashier", 5, 0);

  /* weston opens the window where the pointer is: on output 0, screenshotted. */
  kassa_test_ui_pointer_to (0);
  f->window = kassa_window_new (GTK_APPLICATION (test_app), f->t.counter);
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (f->window), ==, "KassaWindow");
  g_assert_true (kassa_window_get_counter (f->window) == f->t.counter);
  gtk_window_present (GTK_WINDOW (f->window));
  if (!kassa_test_ui_wait (window_is_active, f, LIMIT_S))
    g_error ("the cashier window never got the keyboard focus");
  /* The whole window on output 0, for the screenshots (once mapped: weston
   * answers a maximize before the first commit with a 0×0 configure). */
  gtk_window_maximize (GTK_WINDOW (f->window));
  if (!kassa_test_ui_wait (window_is_maximized, f, LIMIT_S))
    g_error ("the cashier window was not maximized");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  /* The window must not outlive its destruction: no reference cycle with
   * the counter or its own async calls. */
  if (f->window != NULL)
    kassa_test_ui_destroy_window (GTK_WINDOW (g_steal_pointer (&f->window)));
  kassa_test_ui_till_close (&f->t);
}

/* ---- tests ---- */

/* 1500 Enter → a QR invoice the window shows; Enter again while it is open
 * is refused inline; Delete clears; F9 (training) → paid; the amount entry
 * still has the keyboard. */
static void
test_qr_sale (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *shown_amount = kassa_amount_to_display (1500);
  KassaInvoice *invoice;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->window), 0, "cashier-idle"));
  wait_shown (f, is_inline_error, NULL, FALSE, "no message at start");

  kassa_test_ui_keys (0, "1", "5", "0", "0", "Return", NULL);
  invoice = kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_cmpint (kassa_invoice_get_amount (invoice), ==, 1500);
  g_assert_cmpint (kassa_invoice_get_method (invoice), ==, KASSA_INVOICE_METHOD_QR);
  g_assert_nonnull (kassa_invoice_get_payload (invoice));
  wait_shown (f, kassa_test_ui_is_label_with_text, shown_amount, TRUE, "the amount 1,500₮");
  wait_shown (f, kassa_test_ui_is_label_containing, kassa_invoice_get_number (invoice), TRUE,
              "the invoice number");
  g_assert_cmpuint (n_recent (f), ==, 1);
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->window), 0, "cashier-awaiting"));

  /* A second sale while this one is open: refused where the cashier looks,
   * nothing journaled, the open payment untouched. */
  kassa_test_ui_keys (0, "7", "0", "0", "Return", NULL);
  wait_shown (f, is_inline_error, NULL, TRUE, "a message about the open payment");
  g_assert_true (kassa_counter_get_current_invoice (f->t.counter) == invoice);
  g_assert_cmpuint (n_recent (f), ==, 1);
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->window), 0, "cashier-busy"));
  kassa_test_ui_keys (0, "Delete", NULL);
  wait_shown (f, is_inline_error, NULL, FALSE, "the message after Delete");

  kassa_test_ui_keys (0, "F9", NULL);
  g_assert_true (kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_PAID) == invoice);
  g_assert_cmpuint (n_recent (f), ==, 1);
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->window), 0, "cashier-paid"));
  assert_focus_in_amount_entry (f);

  /* The next sale needs no mouse. */
  kassa_test_ui_keys (0, "2", "0", "0", "Return", NULL);
  invoice = kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_cmpint (kassa_invoice_get_amount (invoice), ==, 200);
  g_assert_cmpuint (n_recent (f), ==, 2);
}

/* F5 asks the bank at once: with polling a minute away, only F5 can make the
 * till learn that the customer paid. */
static void
test_check_now (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  KassaInvoice *invoice;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  kassa_till_set_poll_schedule (f->t.till, 60000, 1, 60000);
  kassa_test_ui_keys (0, "3", "0", "0", "Return", NULL);
  invoice = kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_AWAITING_PAYMENT);

  /* The customer pays at the bank; the till is not told. */
  g_assert_true (kassa_bank_sim_pay (f->t.bank, KASSA_TRAINING_TERMINAL,
                                     kassa_invoice_get_number (invoice), &error));
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);

  kassa_test_ui_keys (0, "F5", NULL);
  g_assert_true (kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_PAID) == invoice);
}

/* F2 asks the phone; a bad number is refused inline and nothing is
 * journaled; 8 digits send the invoice; F10 (training) → declined. */
static void
test_phone_sale_declined (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) phone_error = NULL;
  KassaInvoice *invoice;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  g_assert_false (kassa_phone_validate ("1234", &phone_error));

  kassa_test_ui_keys (0, "9", "9", "0", "0", "F2", NULL);
  wait_shown (f, is_entry_for, GINT_TO_POINTER (GTK_INPUT_PURPOSE_PHONE), TRUE,
              "the phone number entry");

  kassa_test_ui_keys (0, "1", "2", "3", "4", "Return", NULL);
  wait_shown (f, kassa_test_ui_is_label_with_text, phone_error->message, TRUE,
              "why 1234 is refused");
  g_assert_null (kassa_counter_get_current_invoice (f->t.counter));
  g_assert_cmpuint (n_recent (f), ==, 0);
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->window), 0, "cashier-bad-phone"));

  kassa_test_ui_keys (0, "Delete", "9", "9", "1", "1", "2", "2", "3", "3", "Return", NULL);
  invoice = kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_cmpint (kassa_invoice_get_method (invoice), ==, KASSA_INVOICE_METHOD_PHONE);
  g_assert_cmpstr (kassa_invoice_get_phone (invoice), ==, "99112233");
  g_assert_cmpint (kassa_invoice_get_amount (invoice), ==, 9900);
  /* Back to the amount: the phone question is gone. */
  wait_shown (f, is_entry_for, GINT_TO_POINTER (GTK_INPUT_PURPOSE_PHONE), FALSE,
              "the phone number entry");
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->window), 0, "cashier-phone"));

  kassa_test_ui_keys (0, "F10", NULL);
  g_assert_true (kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_DECLINED) == invoice);
  g_assert_cmpuint (n_recent (f), ==, 1);
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->window), 0, "cashier-declined"));
  assert_focus_in_amount_entry (f);
}

/* Esc once the QR is shown asks first: Esc keeps waiting, Enter cancels. */
static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  KassaInvoice *invoice;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  kassa_test_ui_keys (0, "2", "5", "0", "0", "Return", NULL);
  invoice = kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_AWAITING_PAYMENT);

  kassa_test_ui_keys (0, "Escape", NULL);
  wait_toplevel (ADW_TYPE_MESSAGE_DIALOG, TRUE);
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (kassa_test_ui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG)), 0,
                                       "cashier-cancel-confirm"));
  kassa_test_ui_keys (0, "Escape", NULL);
  wait_toplevel (ADW_TYPE_MESSAGE_DIALOG, FALSE);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_true (kassa_test_ui_wait (window_is_active, f, LIMIT_S));

  kassa_test_ui_keys (0, "Escape", NULL);
  wait_toplevel (ADW_TYPE_MESSAGE_DIALOG, TRUE);
  kassa_test_ui_keys (0, "Return", NULL);
  g_assert_true (kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_CANCELLED) == invoice);
  wait_toplevel (ADW_TYPE_MESSAGE_DIALOG, FALSE);
  g_assert_true (kassa_test_ui_wait (window_is_active, f, LIMIT_S));
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->window), 0, "cashier-cancelled"));
  assert_focus_in_amount_entry (f);
}

static void
on_message_cb (KassaCounter *counter,
               const char   *text,
               GPtrArray    *messages)
{
  g_ptr_array_add (messages, g_strdup (text));
}

static gboolean
have_message (gpointer data)
{
  return ((GPtrArray *) data)->len > 0;
}

/* The customer pays just as the cashier cancels: the payment is kept, and
 * the window says so in a banner that stays until dismissed (Alt+D). */
static void
test_paid_after_cancel (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  KassaInvoice *invoice;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  /* Polling a minute away: the till learns of the payment only when it
   * cancels (the bank refuses) and checks. */
  kassa_till_set_poll_schedule (f->t.till, 60000, 1, 60000);
  g_signal_connect (f->t.counter, "message", G_CALLBACK (on_message_cb), messages);
  kassa_test_ui_keys (0, "4", "0", "0", "Return", NULL);
  invoice = kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_true (kassa_bank_sim_pay (f->t.bank, KASSA_TRAINING_TERMINAL,
                                     kassa_invoice_get_number (invoice), &error));
  g_assert_no_error (error);

  kassa_test_ui_keys (0, "Escape", NULL);
  wait_toplevel (ADW_TYPE_MESSAGE_DIALOG, TRUE);
  kassa_test_ui_keys (0, "Return", NULL);
  g_assert_true (kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_PAID) == invoice);
  g_assert_true (kassa_invoice_get_paid_after_cancel (invoice));
  g_assert_true (kassa_test_ui_wait (have_message, messages, LIMIT_S));
  wait_shown (f, kassa_test_ui_is_label_with_text, messages->pdata[0], TRUE,
              "the paid-after-cancel banner");
  g_assert_true (kassa_test_ui_wait (window_is_active, f, LIMIT_S));
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->window), 0, "cashier-paid-after-cancel"));

  /* It stays through the next sale, until the cashier dismisses it. */
  kassa_test_ui_keys (0, "5", "0", "0", "Return", NULL);
  kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_true (kassa_counter_get_current_invoice (f->t.counter) != invoice);
  wait_shown (f, kassa_test_ui_is_label_with_text, messages->pdata[0], TRUE,
              "the paid-after-cancel banner");
  kassa_test_ui_keys (0, "alt+d", NULL);
  wait_shown (f, kassa_test_ui_is_label_with_text, messages->pdata[0], FALSE,
              "the paid-after-cancel banner");
  assert_focus_in_amount_entry (f);
  g_signal_handlers_disconnect_by_func (f->t.counter, on_message_cb, messages);
}

/* A bad amount is refused inline, with the parser's words, and nothing is
 * journaled. */
static void
test_bad_amount (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 amount = 0;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  g_assert_false (kassa_amount_parse ("1,50", &amount, &error));

  kassa_test_ui_keys (0, "1", "comma", "5", "0", "Return", NULL);
  wait_shown (f, kassa_test_ui_is_label_with_text, error->message, TRUE, "why 1,50 is refused");
  g_assert_null (kassa_counter_get_current_invoice (f->t.counter));
  g_assert_cmpuint (n_recent (f), ==, 0);
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (f->window), 0, "cashier-bad-amount"));

  /* F2 checks the amount before it asks a phone number. */
  kassa_test_ui_keys (0, "F2", NULL);
  wait_shown (f, kassa_test_ui_is_label_with_text, error->message, TRUE, "why 1,50 is refused");
  g_assert_null (kassa_test_ui_find_widget (GTK_WIDGET (f->window), is_entry_for,
                                            GINT_TO_POINTER (GTK_INPUT_PURPOSE_PHONE)));
  g_assert_null (kassa_counter_get_current_invoice (f->t.counter));
  g_assert_cmpuint (n_recent (f), ==, 0);
}

/* Ctrl+? opens the keyboard shortcuts window (GtkApplication's help overlay). */
static void
test_shortcuts_window (Fixture       *f,
                       gconstpointer  data)
{
  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  kassa_test_ui_wait_active (GTK_WINDOW (f->window), "the cashier window");
  kassa_test_ui_keys (0, "ctrl+question", NULL);
  wait_toplevel_shown (GTK_TYPE_SHORTCUTS_WINDOW);
  kassa_test_ui_wait_active (kassa_test_ui_find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW), "the shortcuts window");
  g_free (kassa_test_ui_screenshot_of (GTK_WIDGET (kassa_test_ui_find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW)), 0,
                                       "cashier-shortcuts"));
  kassa_test_ui_keys (0, "Escape", NULL);
  wait_toplevel (GTK_TYPE_SHORTCUTS_WINDOW, FALSE);
}

/* A row of "Today's sales" (setup_sale_row_cb() in kassa-window.c): the
 * invoice number under the state. */
static gboolean
is_sale_row_for (GtkWidget     *widget,
                 gconstpointer  number)
{
  GtkWidget *label;

  if (!GTK_IS_GRID (widget) || !gtk_widget_has_css_class (widget, "sale-row"))
    return FALSE;
  label = gtk_grid_get_child_at (GTK_GRID (widget), 0, 1);

  return GTK_IS_LABEL (label) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (label)), number) == 0;
}

/* A window opened on a day with sales shows them: the list joins after the
 * window's first frame (cold start), it must still come, and the window
 * never says there are none. */
static void
test_todays_sales_on_open (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *number = NULL;
  KassaInvoice *invoice;

  KASSA_TEST_UI_SKIP_WITHOUT_HARNESS ();

  kassa_test_ui_keys (0, "1", "5", "0", "0", "Return", NULL);
  invoice = kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_AWAITING_PAYMENT);
  number = g_strdup (kassa_invoice_get_number (invoice));
  kassa_test_ui_keys (0, "F9", NULL);
  g_assert_true (kassa_test_ui_wait_current_state (f->t.counter, KASSA_INVOICE_PAID) == invoice);
  wait_shown (f, is_sale_row_for, number, TRUE, "the sale in today's sales");

  kassa_test_ui_destroy_window (GTK_WINDOW (g_steal_pointer (&f->window)));
  f->window = kassa_window_new (GTK_APPLICATION (test_app), f->t.counter);
  g_assert_cmpuint (n_recent (f), ==, 1);
  gtk_window_present (GTK_WINDOW (f->window));
  kassa_test_ui_wait_active (GTK_WINDOW (f->window), "the new cashier window");
  wait_shown (f, is_sale_row_for, number, TRUE, "the sale in today's sales of a new window");
  wait_shown (f, kassa_test_ui_is_label_with_text, "No sales yet today.", FALSE,
              "no “No sales yet today.” with a sale today");
  assert_focus_in_amount_entry (f);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  kassa_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/ui/cashier/qr-sale", test_qr_sale);
  ADD ("/ui/cashier/check-now", test_check_now);
  ADD ("/ui/cashier/phone-sale-declined", test_phone_sale_declined);
  ADD ("/ui/cashier/cancel", test_cancel);
  ADD ("/ui/cashier/paid-after-cancel", test_paid_after_cancel);
  ADD ("/ui/cashier/bad-amount", test_bad_amount);
  ADD ("/ui/cashier/shortcuts-window", test_shortcuts_window);
  ADD ("/ui/cashier/todays-sales-on-open", test_todays_sales_on_open);

#undef ADD

  if (kassa_test_ui_have_harness ())
    test_app = kassa_test_ui_app_new ();

  status = g_test_run ();
  g_clear_object (&test_app);

  return status;
}
