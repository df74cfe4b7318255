/* test-ui-manager.c — refund, end of day and history, driven by real keys
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real journal with a manager PIN, the training bank in-process, a till,
 * a counter, and the manager's windows in a real Wayland session. Reasons,
 * PINs and searches are typed with xdotool (X → weston → Wayland → GTK); the
 * test observes the invoices, the settlement and what the windows show
 * through public API (mapped labels, the windows' getters). Screenshots of
 * output 0 are saved as artefacts.
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "kassa-amount.h"
#include "kassa-close-day-dialog.h"
#include "kassa-counter.h"
#include "kassa-history-window.h"
#include "kassa-manager.h"
#include "kassa-refund-dialog.h"
#include "kassa-test-ui.h"
#include "kassa-test-util.h"
#include "kassa-training.h"

#define LIMIT_S 30
#define PIN     "2468"

static AdwApplication *test_app;

typedef struct
{
  char            *journal_path;
  KassaJournal    *journal;
  KassaBankSim    *bank;
  KassaBankClient *client;
  KassaTill       *till;
  KassaCounter    *counter;
  GSettings       *settings;
  GtkWindow       *window;   /* the window under test */
} Fixture;

/* ---- waiting ---- */

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

/* ---- what a window shows, through public widget API ---- */

static gboolean
is_column_view (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_COLUMN_VIEW (widget);
}

static gboolean
is_password_row (GtkWidget     *widget,
                 gconstpointer  data)
{
  return ADW_IS_PASSWORD_ENTRY_ROW (widget);
}

typedef struct
{
  GtkWindow              *window;
  KassaTestUiWidgetMatch  match;
  gconstpointer           data;
} ShowWait;

static gboolean
window_shows (gpointer data)
{
  ShowWait *w = data;

  return kassa_test_ui_find_widget (GTK_WIDGET (w->window), w->match, w->data) != NULL;
}

static void
wait_shown (GtkWindow              *window,
            KassaTestUiWidgetMatch  match,
            gconstpointer           data,
            const char             *what)
{
  ShowWait w = { window, match, data };

  if (!kassa_test_ui_wait (window_shows, &w, LIMIT_S))
    g_error ("the window does not show %s", what);
}

static gboolean
window_is_active (gpointer data)
{
  return gtk_window_is_active (GTK_WINDOW (data));
}

static void
present_and_focus (Fixture   *f,
                   GtkWindow *window)
{
  f->window = window;
  kassa_test_ui_pointer_to (0);
  gtk_window_present (window);
  if (!kassa_test_ui_wait (window_is_active, window, LIMIT_S))
    g_error ("the %s never got the keyboard focus", G_OBJECT_TYPE_NAME (window));
}

static gboolean
count_frame_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  gtk_widget_queue_draw (widget);
  (*(guint *) user_data)++;
  return G_SOURCE_CONTINUE;
}

static gboolean
three_frames (gpointer data)
{
  return *(guint *) data >= 3;
}

static void
screenshot (GtkWindow  *window,
            const char *name)
{
  g_autofree char *path = NULL;
  guint frames = 0;
  guint id = gtk_widget_add_tick_callback (GTK_WIDGET (window), count_frame_cb, &frames, NULL);

  if (!kassa_test_ui_wait (three_frames, &frames, LIMIT_S))
    g_error ("the window did not draw");
  gtk_widget_remove_tick_callback (GTK_WIDGET (window), id);

  path = kassa_test_ui_screenshot (0, name);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
}

/* Focuses the (only) PIN row of @window, as a click on it would. */
static GtkEditable *
focus_pin_row (GtkWindow *window)
{
  GtkWidget *row = kassa_test_ui_find_widget (GTK_WIDGET (window), is_password_row, NULL);

  g_assert_nonnull (row);
  g_assert_true (gtk_widget_grab_focus (row));
  return GTK_EDITABLE (row);
}

typedef struct
{
  GtkEditable *editable;
  const char  *text;
} TextWait;

static gboolean
editable_has_text (gpointer data)
{
  TextWait *w = data;

  return g_strcmp0 (gtk_editable_get_text (w->editable), w->text) == 0;
}

/* Keys travel through X and weston: wait until GTK has them all. */
static void
wait_text (GtkEditable *editable,
           const char  *text)
{
  TextWait w = { editable, text };

  if (!kassa_test_ui_wait (editable_has_text, &w, LIMIT_S))
    g_error ("the field holds “%s”, not “%s”", gtk_editable_get_text (editable), text);
}

/* The row (or entry) that holds the keyboard focus of @window. */
static GtkEditable *
focused_field (GtkWindow *window)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));

  g_assert_nonnull (focus);
  /* The focus is the GtkText inside a row or entry: its delegating editable. */
  while (focus != NULL && !(GTK_IS_EDITABLE (focus) && !GTK_IS_TEXT (focus)))
    focus = gtk_widget_get_parent (focus);
  g_assert_nonnull (focus);
  return GTK_EDITABLE (focus);
}

/* ---- sales through the counter ---- */

/* ---- fixture ---- */

static void
recovered_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (kassa_till_recover_finish (KASSA_TILL (source), result, NULL, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  gboolean recovered = FALSE;

  if (!kassa_test_ui_have_harness ())
    return;

  f->journal_path = g_build_filename (g_get_user_data_dir (), "manager.sqlite", NULL);
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);

  f->bank = kassa_training_bank_new (NULL, &secret, &error);
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
  g_assert_true (kassa_manager_set_pin (kassa_till_get_manager (f->till), NULL, PIN, &error));
  g_assert_no_error (error);
  kassa_till_recover_async (f->till, NULL, recovered_cb, &recovered);
  g_assert_true (kassa_test_ui_wait (flag_is_set, &recovered, LIMIT_S));
  f->counter = kassa_counter_new (f->till, KASSA_TRAINING_CUSTOMER (f->bank));
  f->settings = g_settings_new ("mn.kassa.Kassa");
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

      g_object_add_weak_pointer (G_OBJECT (window), &window);
      gtk_window_destroy (f->window);
      f->window = NULL;
      g_assert_true (kassa_test_ui_wait (pointer_is_null, &window, LIMIT_S));
    }
  g_clear_object (&f->settings);
  g_clear_object (&f->counter);
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

typedef struct
{
  KassaRefundDialog *dialog;
  KassaRefundOutcome outcome;
  gboolean           any_message;
} OutcomeWait;

static gboolean
refund_outcome_is (gpointer data)
{
  OutcomeWait *w = data;

  return kassa_refund_dialog_get_outcome (w->dialog) == w->outcome &&
         (!w->any_message || kassa_refund_dialog_get_message (w->dialog) != NULL);
}

static void
wait_refund_outcome (KassaRefundDialog  *dialog,
                     KassaRefundOutcome  outcome)
{
  OutcomeWait w = { dialog, outcome, TRUE };

  if (!kassa_test_ui_wait (refund_outcome_is, &w, LIMIT_S))
    {
      kassa_test_ui_screenshot (0, "refund-failed");
      g_error ("the refund dialog did not reach outcome %d (it is %d: %s)", outcome,
               kassa_refund_dialog_get_outcome (dialog),
               kassa_refund_dialog_get_message (dialog));
    }
}

/* A wrong PIN is refused and nothing reaches the bank; the right one refunds. */
static void
test_refund (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autofree char *history = NULL;
  g_autofree char *amount = NULL;
  KassaRefundDialog *dialog;
  GtkEditable *reason;
  GtkEditable *pin;

  SKIP_WITHOUT_HARNESS ();

  invoice = kassa_test_ui_sell (f->counter, 2500, TRUE);
  amount = kassa_amount_to_display (2500);

  dialog = KASSA_REFUND_DIALOG (kassa_refund_dialog_new (NULL, f->counter, invoice, f->settings));
  present_and_focus (f, GTK_WINDOW (dialog));
  wait_shown (GTK_WINDOW (dialog), kassa_test_ui_is_label_with_text, amount, "the amount");
  wait_shown (GTK_WINDOW (dialog), kassa_test_ui_is_label_with_text,
              kassa_invoice_get_number (invoice),
              "the invoice number");

  /* The reason field has the keyboard first. */
  reason = focused_field (GTK_WINDOW (dialog));
  g_assert_false (ADW_IS_PASSWORD_ENTRY_ROW (reason));
  kassa_test_ui_type (0, "damaged");
  wait_text (reason, "damaged");
  pin = focus_pin_row (GTK_WINDOW (dialog));
  kassa_test_ui_type (0, "9999");
  wait_text (pin, "9999");
  kassa_test_ui_keys (0, "Return", NULL);
  /* The manager refused it: the dialog says so and empties the PIN field. */
  wait_text (pin, "");
  wait_refund_outcome (dialog, KASSA_REFUND_OUTCOME_NONE);
  screenshot (GTK_WINDOW (dialog), "refund-wrong-pin");

  /* Nothing was journaled or sent. */
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
  g_assert_cmpint (kassa_bank_sim_get_invoice_state (f->bank, NULL,
                                                     kassa_invoice_get_number (invoice), &error),
                   ==, KASSA_SIM_INVOICE_PAID);
  g_assert_no_error (error);
  history = kassa_journal_get_history_json (f->journal, invoice, &error);
  g_assert_no_error (error);
  g_assert_null (strstr (history, "REFUND"));

  /* The dialog cleared the PIN and kept the focus there. */
  g_assert_true (focused_field (GTK_WINDOW (dialog)) == pin);
  kassa_test_ui_type (0, PIN);
  wait_text (pin, PIN);
  kassa_test_ui_keys (0, "Return", NULL);
  wait_refund_outcome (dialog, KASSA_REFUND_OUTCOME_REFUNDED);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_REFUNDED);
  g_assert_cmpint (kassa_bank_sim_get_invoice_state (f->bank, NULL,
                                                     kassa_invoice_get_number (invoice), &error),
                   ==, KASSA_SIM_INVOICE_REFUNDED);
  g_assert_no_error (error);
  screenshot (GTK_WINDOW (dialog), "refund-done");

  /* Escape closes it. */
  kassa_test_ui_keys (0, "Escape", NULL);
  {
    gpointer weak = dialog;

    g_object_add_weak_pointer (G_OBJECT (dialog), &weak);
    g_assert_true (kassa_test_ui_wait (pointer_is_null, &weak, LIMIT_S));
    f->window = NULL;
  }
}

static gboolean
has_settlement (gpointer data)
{
  return kassa_close_day_dialog_get_settlement (data) != NULL;
}

/* A day with paid, refunded and cancelled sales: the report's totals are the
 * simulator's, and equal the till's. */
static void
test_close_day (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) a = NULL;
  g_autoptr(KassaInvoice) b = NULL;
  g_autoptr(KassaInvoice) c = NULL;
  g_autoptr(KassaInvoice) d = NULL;
  g_autofree char *sum_text = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *csv_text = NULL;
  KassaCloseDayDialog *dialog;
  KassaSettlement *settlement;
  GtkEditable *pin;
  KassaTestAsync w = { 0 };

  SKIP_WITHOUT_HARNESS ();

  a = kassa_test_ui_sell (f->counter, 1000, TRUE);
  b = kassa_test_ui_sell (f->counter, 2300, TRUE);
  c = kassa_test_ui_sell (f->counter, 700, TRUE);
  d = kassa_test_ui_sell (f->counter, 400, FALSE);
  kassa_till_refund_async (f->till, c, PIN, "test", NULL, kassa_test_async_done_cb, &w);
  g_assert_true (kassa_test_ui_wait (flag_is_set, &w.done, LIMIT_S));
  g_assert_true (kassa_till_refund_finish (f->till, w.result, &error));
  g_assert_no_error (error);
  g_object_unref (w.result);

  dialog = KASSA_CLOSE_DAY_DIALOG (kassa_close_day_dialog_new (NULL, f->counter, f->settings));
  present_and_focus (f, GTK_WINDOW (dialog));
  g_assert_cmpuint (kassa_close_day_dialog_get_n_unresolved (dialog), ==, 0);
  screenshot (GTK_WINDOW (dialog), "close-day-start");

  /* The PIN field has the keyboard. */
  pin = focused_field (GTK_WINDOW (dialog));
  g_assert_true (ADW_IS_PASSWORD_ENTRY_ROW (pin));
  kassa_test_ui_type (0, PIN);
  wait_text (pin, PIN);
  kassa_test_ui_keys (0, "Return", NULL);
  g_assert_true (kassa_test_ui_wait (has_settlement, dialog, LIMIT_S));
  settlement = kassa_close_day_dialog_get_settlement (dialog);

  g_assert_cmpint (kassa_settlement_get_state (settlement), ==, KASSA_SETTLEMENT_SETTLED);
  g_assert_true (kassa_settlement_get_has_bank_reply (settlement));
  g_assert_cmpint (kassa_settlement_get_local_count (settlement), ==, 2);
  g_assert_cmpint (kassa_settlement_get_local_amount (settlement), ==, 3300);
  g_assert_cmpint (kassa_settlement_get_bank_count (settlement), ==, 2);
  g_assert_cmpint (kassa_settlement_get_bank_amount (settlement), ==, 3300);
  g_assert_true (kassa_settlement_reconcile (settlement));

  /* On screen: the batch, the totals (till and bank), every sale of the day. */
  sum_text = kassa_amount_to_display (3300);
  wait_shown (GTK_WINDOW (dialog), kassa_test_ui_is_label_with_text,
              kassa_settlement_get_id (settlement),
              "the batch id");
  wait_shown (GTK_WINDOW (dialog), kassa_test_ui_is_label_with_text, sum_text, "the total");
  wait_shown (GTK_WINDOW (dialog), kassa_test_ui_is_label_with_text, KASSA_TRAINING_TERMINAL,
              "the terminal");
  wait_shown (GTK_WINDOW (dialog), kassa_test_ui_is_label_with_text, kassa_invoice_get_number (c),
              "the refunded sale");
  wait_shown (GTK_WINDOW (dialog), kassa_test_ui_is_label_with_text, kassa_invoice_get_number (d),
              "the cancelled sale");
  screenshot (GTK_WINDOW (dialog), "close-day-report");

  /* Export, as the buttons do (with a path instead of the file chooser). */
  pdf = g_build_filename (g_get_user_data_dir (), "day.pdf", NULL);
  csv = g_build_filename (g_get_user_data_dir (), "day.csv", NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "closeday.export-pdf", "s", pdf));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dialog), "closeday.export-csv", "s", csv));
  g_assert_true (g_file_test (pdf, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_get_contents (csv, &csv_text, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (csv_text, kassa_invoice_get_number (a)));
  g_assert_nonnull (strstr (csv_text, kassa_invoice_get_number (b)));
}

static gboolean
model_has_one (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (data)) == 1;
}

/* The history window finds a sale by its number, typed into the search. */
static void
test_history_search (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(KassaInvoice) a = NULL;
  g_autoptr(KassaInvoice) b = NULL;
  g_autoptr(KassaInvoice) c = NULL;
  g_autoptr(KassaInvoice) found = NULL;
  KassaHistoryWindow *window;
  KassaHistoryModel *model;
  GtkSelectionModel *selection;
  GtkWidget *column_view;

  SKIP_WITHOUT_HARNESS ();

  a = kassa_test_ui_sell (f->counter, 1100, TRUE);
  b = kassa_test_ui_sell (f->counter, 1200, FALSE);
  c = kassa_test_ui_sell (f->counter, 1300, TRUE);

  window = KASSA_HISTORY_WINDOW (kassa_history_window_new (NULL, f->counter, f->settings));
  present_and_focus (f, GTK_WINDOW (window));
  model = kassa_history_window_get_model (window);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 3);
  screenshot (GTK_WINDOW (window), "history-all");

  /* The search field has the keyboard. */
  g_assert_true (GTK_IS_SEARCH_ENTRY (focused_field (GTK_WINDOW (window))));
  kassa_test_ui_type (0, kassa_invoice_get_number (b));
  g_assert_true (kassa_test_ui_wait (model_has_one, model, LIMIT_S));
  found = g_list_model_get_item (G_LIST_MODEL (model), 0);
  g_assert_true (found == b);
  wait_shown (GTK_WINDOW (window), kassa_test_ui_is_label_with_text, kassa_invoice_get_number (b),
              "the sale found");
  screenshot (GTK_WINDOW (window), "history-found");

  /* Selecting it shows its details and its story (the journal's log). */
  column_view = kassa_test_ui_find_widget (GTK_WIDGET (window), is_column_view, NULL);
  selection = gtk_column_view_get_model (GTK_COLUMN_VIEW (column_view));
  g_assert_true (gtk_selection_model_select_item (selection, 0, TRUE));
  g_assert_true (kassa_history_window_get_selected (window) == b);
  wait_shown (GTK_WINDOW (window), kassa_test_ui_is_label_containing, "State: Cancelled",
              "the details");
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (window), "history.refund", NULL) &&
                  kassa_test_ui_find_toplevel (KASSA_TYPE_REFUND_DIALOG) != NULL);
  screenshot (GTK_WINDOW (window), "history-details");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  kassa_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/ui/manager/refund", test_refund);
  ADD ("/ui/manager/close-day", test_close_day);
  ADD ("/ui/manager/history-search", test_history_search);

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
