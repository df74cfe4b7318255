/* test-ui-cashier.c — the cashier window, driven by real keys
 *
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

#define LIMIT_S 20

/* One application for the whole run, registered before the first test: a
 * GtkApplication starts up once, and the windows of every test belong to it. */
static AdwApplication *test_app;

typedef struct
{
  char            *journal_path;
  KassaJournal    *journal;
  KassaBankSim    *bank;
  KassaBankClient *client;
  KassaTill       *till;
  KassaCounter    *counter;
  KassaWindow     *window;
} Fixture;

/* ---- waiting ---- */

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
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
  KassaInvoice *invoice;

  if (!kassa_test_ui_wait (current_in_state, &w, LIMIT_S))
    {
      invoice = kassa_counter_get_current_invoice (f->counter);
      g_error ("the current invoice did not reach %s (it is %s)",
               kassa_invoice_state_to_string (state),
               invoice ? kassa_invoice_state_to_string (kassa_invoice_get_state (invoice))
                       : "none");
    }

  return kassa_counter_get_current_invoice (f->counter);
}

/* ---- what the window shows, through public widget API ---- */

typedef gboolean (*WidgetMatch) (GtkWidget *widget, gconstpointer data);

static GtkWidget *
find_widget (GtkWidget     *root,
             WidgetMatch    match,
             gconstpointer  data)
{
  if (!gtk_widget_get_mapped (root))
    return NULL;
  if (match (root, data))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, match, data);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
is_label_with_text (GtkWidget     *widget,
                    gconstpointer  text)
{
  return GTK_IS_LABEL (widget) &&
         g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0;
}

static gboolean
is_label_containing (GtkWidget     *widget,
                     gconstpointer  text)
{
  return GTK_IS_LABEL (widget) &&
         strstr (gtk_label_get_label (GTK_LABEL (widget)), text) != NULL;
}

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
  Fixture       *f;
  WidgetMatch    match;
  gconstpointer  data;
  gboolean       present;
} ShowWait;

static gboolean
window_shows (gpointer data)
{
  ShowWait *w = data;

  return (find_widget (GTK_WIDGET (w->f->window), w->match, w->data) != NULL) == w->present;
}

static void
wait_shown (Fixture       *f,
            WidgetMatch    match,
            gconstpointer  data,
            gboolean       present,
            const char    *what)
{
  ShowWait w = { f, match, data, present };

  if (!kassa_test_ui_wait (window_shows, &w, LIMIT_S))
    g_error ("the cashier window %s %s", present ? "does not show" : "still shows", what);
}

static GtkWindow *
find_toplevel (GType type)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_mapped (l->data))
      return l->data;

  return NULL;
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
  GtkWindow *window = find_toplevel (w->type);

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

static guint
n_recent (Fixture *f)
{
  return g_list_model_get_n_items (kassa_counter_get_recent_sales (f->counter));
}

static void
assert_focus_in_amount_entry (Fixture *f)
{
  GtkWidget *entry = find_widget (GTK_WIDGET (f->window), is_entry_for,
                                  GINT_TO_POINTER (GTK_INPUT_PURPOSE_DIGITS));
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (f->window));

  g_assert_nonnull (entry);
  g_assert_nonnull (focus);
  g_assert_true (focus == entry || gtk_widget_is_ancestor (focus, entry));
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

/* What the model says is on screen only after GTK has drawn it and weston
 * has composited it: wait for a few frames of @window. */
static void
wait_painted (GtkWidget *window)
{
  guint frames = 0;
  guint id = gtk_widget_add_tick_callback (window, count_frame_cb, &frames, NULL);

  if (!kassa_test_ui_wait (three_frames, &frames, LIMIT_S))
    g_error ("the window did not draw");
  gtk_widget_remove_tick_callback (window, id);
}

static void
screenshot (GtkWidget  *window,
            const char *name)
{
  g_autofree char *path = NULL;

  wait_painted (window);
  path = kassa_test_ui_screenshot (0, name);

  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
}

/* ---- fixture ---- */

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

  f->journal_path = g_build_filename (g_get_user_data_dir (), "cashier.sqlite", NULL);
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);

  state = kassa_training_state_path (f->journal_path);
  f->bank = kassa_training_bank_new (state, &secret, &error);
  g_assert_no_error (error);
  f->client = kassa_bank_client_new (kassa_bank_sim_get_url (f->bank), KASSA_TRAINING_TERMINAL,
                                     secret, NULL, NULL, &error);
  g_assert_no_error (error);
  explicit_bzero (secret, strlen (secret));
  kassa_bank_client_set_timeout (f->client, 5);

  f->journal = kassa_journal_open (f->journal_path, &error);
  g_assert_no_error (error);
  f->till = kassa_till_new (f->journal, f->client);
  kassa_till_set_poll_schedule (f->till, 200, 120, 200);
  kassa_till_recover_async (f->till, NULL, recovered_cb, &recovered);
  g_assert_true (kassa_test_ui_wait (flag_is_set, &recovered, LIMIT_S));
  f->counter = kassa_counter_new (f->till, f->bank);

  /* weston opens the window where the pointer is: on output 0, screenshotted. */
  kassa_test_ui_pointer_to (0);
  f->window = kassa_window_new (GTK_APPLICATION (test_app), f->counter);
  g_assert_cmpstr (G_OBJECT_TYPE_NAME (f->window), ==, "KassaWindow");
  g_assert_true (kassa_window_get_counter (f->window) == f->counter);
  gtk_window_present (GTK_WINDOW (f->window));
  if (!kassa_test_ui_wait (window_is_active, f, LIMIT_S))
    g_error ("the cashier window never got the keyboard focus");
  /* The whole window on output 0, for the screenshots (once mapped: weston
   * answers a maximize before the first commit with a 0×0 configure). */
  gtk_window_maximize (GTK_WINDOW (f->window));
  if (!kassa_test_ui_wait (window_is_maximized, f, LIMIT_S))
    g_error ("the cashier window was not maximized");
}

static gboolean
pointer_is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->window != NULL)
    {
      gpointer window = f->window;

      /* The window must not outlive its destruction: no reference cycle
       * with the counter or its own async calls. */
      g_object_add_weak_pointer (G_OBJECT (window), &window);
      gtk_window_destroy (GTK_WINDOW (f->window));
      f->window = NULL;
      g_assert_true (kassa_test_ui_wait (pointer_is_null, &window, LIMIT_S));
    }
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
  g_free (f->journal_path);
}

#define SKIP_WITHOUT_HARNESS()                                                  \
  G_STMT_START {                                                                \
    if (!kassa_test_ui_have_harness ())                                         \
      {                                                                         \
        g_test_skip ("no display harness: run under build-aux/with-display.sh"); \
        return;                                                                 \
      }                                                                         \
  } G_STMT_END

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

  SKIP_WITHOUT_HARNESS ();

  screenshot (GTK_WIDGET (f->window), "cashier-idle");
  wait_shown (f, is_inline_error, NULL, FALSE, "no message at start");

  kassa_test_ui_keys (0, "1", "5", "0", "0", "Return", NULL);
  invoice = wait_for_current_state (f, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_cmpint (kassa_invoice_get_amount (invoice), ==, 1500);
  g_assert_cmpint (kassa_invoice_get_method (invoice), ==, KASSA_INVOICE_METHOD_QR);
  g_assert_nonnull (kassa_invoice_get_payload (invoice));
  wait_shown (f, is_label_with_text, shown_amount, TRUE, "the amount 1,500₮");
  wait_shown (f, is_label_containing, kassa_invoice_get_number (invoice), TRUE,
              "the invoice number");
  g_assert_cmpuint (n_recent (f), ==, 1);
  screenshot (GTK_WIDGET (f->window), "cashier-awaiting");

  /* A second sale while this one is open: refused where the cashier looks,
   * nothing journaled, the open payment untouched. */
  kassa_test_ui_keys (0, "7", "0", "0", "Return", NULL);
  wait_shown (f, is_inline_error, NULL, TRUE, "a message about the open payment");
  g_assert_true (kassa_counter_get_current_invoice (f->counter) == invoice);
  g_assert_cmpuint (n_recent (f), ==, 1);
  screenshot (GTK_WIDGET (f->window), "cashier-busy");
  kassa_test_ui_keys (0, "Delete", NULL);
  wait_shown (f, is_inline_error, NULL, FALSE, "the message after Delete");

  kassa_test_ui_keys (0, "F9", NULL);
  g_assert_true (wait_for_current_state (f, KASSA_INVOICE_PAID) == invoice);
  g_assert_cmpuint (n_recent (f), ==, 1);
  screenshot (GTK_WIDGET (f->window), "cashier-paid");
  assert_focus_in_amount_entry (f);

  /* The next sale needs no mouse. */
  kassa_test_ui_keys (0, "2", "0", "0", "Return", NULL);
  invoice = wait_for_current_state (f, KASSA_INVOICE_AWAITING_PAYMENT);
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

  SKIP_WITHOUT_HARNESS ();

  kassa_till_set_poll_schedule (f->till, 60000, 1, 60000);
  kassa_test_ui_keys (0, "3", "0", "0", "Return", NULL);
  invoice = wait_for_current_state (f, KASSA_INVOICE_AWAITING_PAYMENT);

  /* The customer pays at the bank; the till is not told. */
  g_assert_true (kassa_bank_sim_pay (f->bank, KASSA_TRAINING_TERMINAL,
                                     kassa_invoice_get_number (invoice), &error));
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);

  kassa_test_ui_keys (0, "F5", NULL);
  g_assert_true (wait_for_current_state (f, KASSA_INVOICE_PAID) == invoice);
}

/* F2 asks the phone; a bad number is refused inline and nothing is
 * journaled; 8 digits send the invoice; F10 (training) → declined. */
static void
test_phone_sale_declined (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) phone_error = NULL;
  KassaInvoice *invoice;

  SKIP_WITHOUT_HARNESS ();

  g_assert_false (kassa_phone_validate ("1234", &phone_error));

  kassa_test_ui_keys (0, "9", "9", "0", "0", "F2", NULL);
  wait_shown (f, is_entry_for, GINT_TO_POINTER (GTK_INPUT_PURPOSE_PHONE), TRUE,
              "the phone number entry");

  kassa_test_ui_keys (0, "1", "2", "3", "4", "Return", NULL);
  wait_shown (f, is_label_with_text, phone_error->message, TRUE, "why 1234 is refused");
  g_assert_null (kassa_counter_get_current_invoice (f->counter));
  g_assert_cmpuint (n_recent (f), ==, 0);
  screenshot (GTK_WIDGET (f->window), "cashier-bad-phone");

  kassa_test_ui_keys (0, "Delete", "9", "9", "1", "1", "2", "2", "3", "3", "Return", NULL);
  invoice = wait_for_current_state (f, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_cmpint (kassa_invoice_get_method (invoice), ==, KASSA_INVOICE_METHOD_PHONE);
  g_assert_cmpstr (kassa_invoice_get_phone (invoice), ==, "99112233");
  g_assert_cmpint (kassa_invoice_get_amount (invoice), ==, 9900);
  /* Back to the amount: the phone question is gone. */
  wait_shown (f, is_entry_for, GINT_TO_POINTER (GTK_INPUT_PURPOSE_PHONE), FALSE,
              "the phone number entry");
  screenshot (GTK_WIDGET (f->window), "cashier-phone");

  kassa_test_ui_keys (0, "F10", NULL);
  g_assert_true (wait_for_current_state (f, KASSA_INVOICE_DECLINED) == invoice);
  g_assert_cmpuint (n_recent (f), ==, 1);
  screenshot (GTK_WIDGET (f->window), "cashier-declined");
  assert_focus_in_amount_entry (f);
}

/* Esc once the QR is shown asks first: Esc keeps waiting, Enter cancels. */
static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  KassaInvoice *invoice;

  SKIP_WITHOUT_HARNESS ();

  kassa_test_ui_keys (0, "2", "5", "0", "0", "Return", NULL);
  invoice = wait_for_current_state (f, KASSA_INVOICE_AWAITING_PAYMENT);

  kassa_test_ui_keys (0, "Escape", NULL);
  wait_toplevel (ADW_TYPE_MESSAGE_DIALOG, TRUE);
  screenshot (GTK_WIDGET (find_toplevel (ADW_TYPE_MESSAGE_DIALOG)), "cashier-cancel-confirm");
  kassa_test_ui_keys (0, "Escape", NULL);
  wait_toplevel (ADW_TYPE_MESSAGE_DIALOG, FALSE);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_true (kassa_test_ui_wait (window_is_active, f, LIMIT_S));

  kassa_test_ui_keys (0, "Escape", NULL);
  wait_toplevel (ADW_TYPE_MESSAGE_DIALOG, TRUE);
  kassa_test_ui_keys (0, "Return", NULL);
  g_assert_true (wait_for_current_state (f, KASSA_INVOICE_CANCELLED) == invoice);
  wait_toplevel (ADW_TYPE_MESSAGE_DIALOG, FALSE);
  g_assert_true (kassa_test_ui_wait (window_is_active, f, LIMIT_S));
  screenshot (GTK_WIDGET (f->window), "cashier-cancelled");
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

  SKIP_WITHOUT_HARNESS ();

  /* Polling a minute away: the till learns of the payment only when it
   * cancels (the bank refuses) and checks. */
  kassa_till_set_poll_schedule (f->till, 60000, 1, 60000);
  g_signal_connect (f->counter, "message", G_CALLBACK (on_message_cb), messages);
  kassa_test_ui_keys (0, "4", "0", "0", "Return", NULL);
  invoice = wait_for_current_state (f, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_true (kassa_bank_sim_pay (f->bank, KASSA_TRAINING_TERMINAL,
                                     kassa_invoice_get_number (invoice), &error));
  g_assert_no_error (error);

  kassa_test_ui_keys (0, "Escape", NULL);
  wait_toplevel (ADW_TYPE_MESSAGE_DIALOG, TRUE);
  kassa_test_ui_keys (0, "Return", NULL);
  g_assert_true (wait_for_current_state (f, KASSA_INVOICE_PAID) == invoice);
  g_assert_true (kassa_invoice_get_paid_after_cancel (invoice));
  g_assert_true (kassa_test_ui_wait (have_message, messages, LIMIT_S));
  wait_shown (f, is_label_with_text, messages->pdata[0], TRUE, "the paid-after-cancel banner");
  g_assert_true (kassa_test_ui_wait (window_is_active, f, LIMIT_S));
  screenshot (GTK_WIDGET (f->window), "cashier-paid-after-cancel");

  /* It stays through the next sale, until the cashier dismisses it. */
  kassa_test_ui_keys (0, "5", "0", "0", "Return", NULL);
  wait_for_current_state (f, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_true (kassa_counter_get_current_invoice (f->counter) != invoice);
  wait_shown (f, is_label_with_text, messages->pdata[0], TRUE, "the paid-after-cancel banner");
  kassa_test_ui_keys (0, "alt+d", NULL);
  wait_shown (f, is_label_with_text, messages->pdata[0], FALSE, "the paid-after-cancel banner");
  assert_focus_in_amount_entry (f);
  g_signal_handlers_disconnect_by_func (f->counter, on_message_cb, messages);
}

/* A bad amount is refused inline, with the parser's words, and nothing is
 * journaled. */
static void
test_bad_amount (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 amount = 0;

  SKIP_WITHOUT_HARNESS ();

  g_assert_false (kassa_amount_parse ("1,50", &amount, &error));

  kassa_test_ui_keys (0, "1", "comma", "5", "0", "Return", NULL);
  wait_shown (f, is_label_with_text, error->message, TRUE, "why 1,50 is refused");
  g_assert_null (kassa_counter_get_current_invoice (f->counter));
  g_assert_cmpuint (n_recent (f), ==, 0);
  screenshot (GTK_WIDGET (f->window), "cashier-bad-amount");

  /* F2 checks the amount before it asks a phone number. */
  kassa_test_ui_keys (0, "F2", NULL);
  wait_shown (f, is_label_with_text, error->message, TRUE, "why 1,50 is refused");
  g_assert_null (find_widget (GTK_WIDGET (f->window), is_entry_for,
                              GINT_TO_POINTER (GTK_INPUT_PURPOSE_PHONE)));
  g_assert_null (kassa_counter_get_current_invoice (f->counter));
  g_assert_cmpuint (n_recent (f), ==, 0);
}

/* Ctrl+? opens the keyboard shortcuts window (GtkApplication's help overlay). */
static void
test_shortcuts_window (Fixture       *f,
                       gconstpointer  data)
{
  SKIP_WITHOUT_HARNESS ();

  kassa_test_ui_keys (0, "ctrl+question", NULL);
  wait_toplevel (GTK_TYPE_SHORTCUTS_WINDOW, TRUE);
  screenshot (GTK_WIDGET (find_toplevel (GTK_TYPE_SHORTCUTS_WINDOW)), "cashier-shortcuts");
  kassa_test_ui_keys (0, "Escape", NULL);
  wait_toplevel (GTK_TYPE_SHORTCUTS_WINDOW, FALSE);
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

#undef ADD

  if (kassa_test_ui_have_harness ())
    {
      g_autoptr(GError) error = NULL;

      /* No id: nothing is exported on the session bus. */
      test_app = adw_application_new (NULL, G_APPLICATION_NON_UNIQUE);
      /* Where GtkApplication finds gtk/help-overlay.ui and AdwApplication style.css. */
      g_application_set_resource_base_path (G_APPLICATION (test_app), "/mn/kassa/Kassa");
      g_application_register (G_APPLICATION (test_app), NULL, &error);
      g_assert_no_error (error);
      kassa_test_ui_use_system_data ();
    }

  status = g_test_run ();
  g_clear_object (&test_app);

  return status;
}
