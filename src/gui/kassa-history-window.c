/* kassa-history-window.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-history-window.h"

#include <stdio.h>

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "kassa-amount.h"
#include "kassa-journal-query.h"
#include "kassa-print.h"
#include "kassa-print-settings.h"
#include "kassa-refund-dialog.h"
#include "kassa-report.h"

typedef enum
{
  COLUMN_NUMBER,
  COLUMN_CREATED,
  COLUMN_AMOUNT,
  COLUMN_STATE,
  COLUMN_REFERENCE,
} Column;

struct _KassaHistoryWindow
{
  AdwWindow           parent_instance;

  GtkWidget          *search_entry;
  GtkWidget          *state_dropdown;
  GtkWidget          *from_entry;
  GtkWidget          *to_entry;
  GtkWidget          *min_entry;
  GtkWidget          *max_entry;
  GtkWidget          *message_label;
  GtkWidget          *column_view;
  GtkWidget          *detail_label;
  GtkWidget          *log_view;
  GtkWidget          *count_label;

  KassaCounter       *counter;
  GSettings          *settings;
  KassaHistoryModel  *model;
  GtkSingleSelection *selection;
  KassaInvoice       *selected;
  char               *message;
  KassaPrintQueue    *print_queue;   /* may be NULL */
};

G_DEFINE_FINAL_TYPE (KassaHistoryWindow, kassa_history_window, ADW_TYPE_WINDOW)

static KassaJournal *
get_journal (KassaHistoryWindow *self)
{
  return kassa_till_get_journal (kassa_counter_get_till (self->counter));
}

static char *
format_local (GDateTime  *time,
              const char *format)
{
  g_autoptr(GDateTime) local = NULL;

  if (time == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (time);
  return g_date_time_format (local, format);
}

/* ── the list ─────────────────────────────────────────────────────────── */

static char *
column_text (KassaInvoice *invoice,
             Column        column)
{
  switch (column)
    {
    case COLUMN_NUMBER:
      return g_strdup (kassa_invoice_get_number (invoice));
    case COLUMN_CREATED:
      /* The seconds are in the details: the list keeps its columns whole on a small screen. */
      return format_local (kassa_invoice_get_created (invoice), "%Y-%m-%d %H:%M");
    case COLUMN_AMOUNT:
      return kassa_amount_to_display (kassa_invoice_get_amount (invoice));
    case COLUMN_STATE:
      return g_strdup (kassa_report_state_label (kassa_invoice_get_state (invoice)));
    case COLUMN_REFERENCE:
      return g_strdup (kassa_invoice_get_reference (invoice) != NULL
                         ? kassa_invoice_get_reference (invoice) : "");
    default:
      g_assert_not_reached ();
    }
}

static void
update_cell (KassaInvoice *invoice,
             GParamSpec   *pspec,
             GtkLabel     *label)
{
  Column column = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (label), "column"));
  g_autofree char *text = column_text (invoice, column);

  gtk_label_set_label (label, text);
}

static void
setup_cell (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  data)
{
  Column column = GPOINTER_TO_INT (data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), column == COLUMN_AMOUNT ? 1.0 : 0.0);
  /* Only the free-text reference may be cut (its column takes the rest of
   * the width); a number, a time, an amount or a state is shown whole. */
  if (column == COLUMN_REFERENCE)
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (column == COLUMN_AMOUNT || column == COLUMN_NUMBER)
    gtk_widget_add_css_class (label, "numeric");
  g_object_set_data (G_OBJECT (label), "column", data);
  gtk_list_item_set_child (item, label);
}

static void
bind_cell (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  data)
{
  KassaInvoice *invoice = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);

  update_cell (invoice, NULL, GTK_LABEL (label));
  if (GPOINTER_TO_INT (data) == COLUMN_STATE)
    g_signal_connect_object (invoice, "notify::state", G_CALLBACK (update_cell), label, 0);
}

static void
unbind_cell (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  data)
{
  KassaInvoice *invoice = gtk_list_item_get_item (item);

  if (invoice != NULL)
    g_signal_handlers_disconnect_by_func (invoice, update_cell, gtk_list_item_get_child (item));
}

static void
add_column (KassaHistoryWindow *self,
            const char         *title,
            Column              column,
            gboolean            expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) view_column = NULL;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), GINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), GINT_TO_POINTER (column));
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), GINT_TO_POINTER (column));
  view_column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (view_column, expand);
  gtk_column_view_column_set_resizable (view_column, TRUE);
  gtk_column_view_append_column (GTK_COLUMN_VIEW (self->column_view), view_column);
}

static void
update_count (KassaHistoryWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u sale", "%u sales",
                                                        n), n);

  gtk_label_set_label (GTK_LABEL (self->count_label), text);
}

/* ── the details ──────────────────────────────────────────────────────── */

static const char *
member_text (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

/* The journal's state name ("AWAITING_PAYMENT") as the list says it. */
static const char *
state_text (const char *name)
{
  KassaInvoiceState state;

  if (name == NULL)
    return "—";
  if (!kassa_invoice_state_from_string (name, &state))
    return name;
  return kassa_report_state_label (state);
}

static void
append_log (GString    *log,
            const char *json,
            gboolean    exchanges)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *array;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL) ||
      !JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
    return;

  array = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *o = json_array_get_object_element (array, i);
      const char *at = member_text (o, "at");

      if (o == NULL)
        continue;
      if (!exchanges)
        {
          const char *from = member_text (o, "from");
          const char *note = member_text (o, "note");

          g_string_append_printf (log, "%s  %s → %s%s%s\n", at != NULL ? at : "",
                                  state_text (from), state_text (member_text (o, "to")),
                                  note != NULL ? "  " : "", note != NULL ? note : "");
        }
      else
        {
          const char *reply = member_text (o, "reply");
          const char *error = member_text (o, "error");

          gint64 count = json_object_get_int_member_with_default (o, "count", 1);

          g_string_append_printf (log, "%s  %s %" G_GINT64_FORMAT "\n    %s\n",
                                  at != NULL ? at : "", member_text (o, "endpoint"),
                                  json_object_get_int_member_with_default (o, "http_status", 0),
                                  error != NULL ? error : reply != NULL ? reply : "");
          /* A routine row counts the "not paid yet" checks it stands for
           * (docs/journal.md "Trimming"). */
          if (count > 1)
            {
              const char *first = member_text (o, "first_at");

              g_string_append (log, "    ");
              g_string_append_printf (log,
                                      /* Translators: the bank was asked N times with the same
                                       * answer; %s are the times of the first and last */
                                      g_dngettext (GETTEXT_PACKAGE,
                                                   "%u check with this answer, the first at %s, "
                                                   "the last at %s",
                                                   "%u checks with this answer, the first at %s, "
                                                   "the last at %s", (gulong) count),
                                      (guint) count, first != NULL ? first : "",
                                      at != NULL ? at : "");
              g_string_append_c (log, '\n');
            }
        }
    }
}

static void
show_details (KassaHistoryWindow *self)
{
  KassaInvoice *invoice = self->selected;
  KassaInvoiceState state = invoice != NULL ? kassa_invoice_get_state (invoice) : 0;
  g_autoptr(GString) detail = NULL;
  g_autoptr(GString) log = NULL;
  g_autofree char *created = NULL;
  g_autofree char *amount = NULL;
  g_autofree char *card = NULL;
  g_autofree char *transitions = NULL;
  g_autofree char *exchanges = NULL;
  g_autoptr(GError) error = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "history.refund",
                                 invoice != NULL && state == KASSA_INVOICE_PAID);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "history.reprint",
                                 invoice != NULL && (state == KASSA_INVOICE_PAID ||
                                                     state == KASSA_INVOICE_REFUNDED));

  if (invoice == NULL)
    {
      gtk_label_set_label (GTK_LABEL (self->detail_label),
                           _("Select a sale to see its details."));
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->log_view)), "", 0);
      return;
    }

  created = format_local (kassa_invoice_get_created (invoice), "%Y-%m-%d %H:%M:%S");
  amount = kassa_amount_to_display (kassa_invoice_get_amount (invoice));
  card = kassa_report_mask_card (kassa_invoice_get_card_number (invoice));

  detail = g_string_new (NULL);
#define LINE(label, value) \
  if ((value) != NULL && *(const char *) (value) != '\0') \
    g_string_append_printf (detail, "%s: %s\n", (label), (const char *) (value))
  LINE (_("Invoice"), kassa_invoice_get_number (invoice));
  LINE (_("State"), kassa_report_state_label (state));
  LINE (_("Amount"), amount);
  LINE (_("Created"), created);
  LINE (_("Terminal"), kassa_invoice_get_terminal (invoice));
  LINE (_("Method"), kassa_report_method_label (kassa_invoice_get_method (invoice)));
  LINE (_("Phone"), kassa_invoice_get_phone (invoice));
  LINE (_("Reference"), kassa_invoice_get_reference (invoice));
  LINE (_("Approval code"), kassa_invoice_get_approval_code (invoice));
  LINE (_("Card"), card);
  LINE (_("Bank reply"), kassa_invoice_get_resp_desc (invoice));
  LINE (_("Batch"), kassa_invoice_get_settlement_id (invoice));
  LINE (_("Last error"), kassa_invoice_get_last_error (invoice));
#undef LINE
  if (kassa_invoice_get_paid_after_cancel (invoice))
    g_string_append_printf (detail, "%s\n", _("Paid after it was cancelled."));
  gtk_label_set_label (GTK_LABEL (self->detail_label), detail->str);

  log = g_string_new (NULL);
  transitions = kassa_journal_get_history_json (get_journal (self), invoice, &error);
  if (transitions == NULL)
    g_string_append_printf (log, "%s\n", error->message);
  append_log (log, transitions, FALSE);
  g_clear_error (&error);
  exchanges = kassa_journal_get_exchanges_json (get_journal (self), invoice, &error);
  if (exchanges == NULL)
    g_string_append_printf (log, "%s\n", error->message);
  else
    g_string_append_c (log, '\n');
  append_log (log, exchanges, TRUE);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->log_view)),
                            log->str, -1);
}

static void
on_selected_state (KassaInvoice       *invoice,
                   GParamSpec         *pspec,
                   KassaHistoryWindow *self)
{
  show_details (self);
}

static void
set_selected (KassaHistoryWindow *self,
              KassaInvoice       *invoice)
{
  if (self->selected == invoice)
    return;

  if (self->selected != NULL)
    g_signal_handlers_disconnect_by_func (self->selected, on_selected_state, self);
  g_set_object (&self->selected, invoice);
  if (invoice != NULL)
    g_signal_connect_object (invoice, "notify", G_CALLBACK (on_selected_state), self, 0);
  show_details (self);
}

static void
on_selection_changed (GtkSingleSelection *selection,
                      GParamSpec         *pspec,
                      KassaHistoryWindow *self)
{
  set_selected (self, gtk_single_selection_get_selected_item (selection));
}

static void
on_items_changed (GListModel         *model,
                  guint               position,
                  guint               removed,
                  guint               added,
                  KassaHistoryWindow *self)
{
  update_count (self);
}

/* ── the filter ───────────────────────────────────────────────────────── */

static void
set_message (KassaHistoryWindow *self,
             const char         *message)
{
  g_free (self->message);
  self->message = g_strdup (message);
  gtk_label_set_label (GTK_LABEL (self->message_label), message != NULL ? message : "");
  gtk_widget_set_visible (self->message_label, message != NULL);
}

static gboolean
parse_day (const char  *text,
           GDateTime  **out_day,
           GError     **error)
{
  int year, month, day;
  char end;

  *out_day = NULL;
  if (*text == '\0')
    return TRUE;

  if (sscanf (text, "%4d-%2d-%2d%c", &year, &month, &day, &end) != 3 ||
      !g_date_valid_dmy (day, month, year))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a date: write it as YYYY-MM-DD"), text);
      return FALSE;
    }

  *out_day = g_date_time_new_local (year, month, day, 0, 0, 0);
  return *out_day != NULL;
}

static gboolean
parse_bound (GtkWidget  *entry,
             gint64     *out_amount,
             GError    **error)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));

  *out_amount = 0;
  return *text == '\0' || kassa_amount_parse (text, out_amount, error);
}

static const guint32 state_masks[] = {
  0,
  KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_PAID),
  KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_REFUNDED),
  KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_CANCELLED) |
    KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_EXPIRED),
  KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_DECLINED) |
    KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_FAILED),
  KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_CREATING) |
    KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_CREATE_UNKNOWN) |
    KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_AWAITING_PAYMENT) |
    KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_CANCELLING) |
    KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_CANCEL_UNKNOWN) |
    KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_REFUNDING) |
    KASSA_JOURNAL_FILTER_STATE (KASSA_INVOICE_REFUND_UNKNOWN),
};

static void
apply_filter (KassaHistoryWindow *self)
{
  g_autoptr(KassaJournalFilter) filter = kassa_journal_filter_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) to_day = NULL;
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_entry))));
  guint state = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->state_dropdown));

  if (!parse_day (gtk_editable_get_text (GTK_EDITABLE (self->from_entry)), &filter->from, &error) ||
      !parse_day (gtk_editable_get_text (GTK_EDITABLE (self->to_entry)), &to_day, &error) ||
      !parse_bound (self->min_entry, &filter->amount_min, &error) ||
      !parse_bound (self->max_entry, &filter->amount_max, &error))
    {
      /* The list keeps the last good filter. */
      set_message (self, error->message);
      return;
    }
  set_message (self, NULL);

  /* "To" is a whole day, inclusive. */
  if (to_day != NULL)
    filter->to = g_date_time_add_days (to_day, 1);
  filter->states = state < G_N_ELEMENTS (state_masks) ? state_masks[state] : 0;
  filter->text = *text != '\0' ? g_steal_pointer (&text) : NULL;

  kassa_history_model_set_filter (self->model, filter);
}

static void
on_filter_changed (KassaHistoryWindow *self)
{
  apply_filter (self);
}

/* Enter in the search field: the search at once (not after the typing
 * delay), and the first sale found selected with the keyboard on the list,
 * so that "number, Enter, Alt+R" refunds without the mouse. */
static void
on_search_activate (KassaHistoryWindow *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_entry))));
  guint n;
  guint position = 0;

  apply_filter (self);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  if (n == 0)
    return;

  /* A receipt's QR code is its invoice number, typed by the scanner with an
   * Enter: that very sale, not the first whose number or reference contains
   * it (another sale's reference may hold the number). The search holds only
   * sales containing the text: a few rows to look at. */
  for (guint i = 0; *text != '\0' && i < n && i < 1000; i++)
    {
      g_autoptr(KassaInvoice) invoice = g_list_model_get_item (G_LIST_MODEL (self->selection), i);

      if (invoice != NULL && g_ascii_strcasecmp (kassa_invoice_get_number (invoice), text) == 0)
        {
          position = i;
          break;
        }
    }

  gtk_single_selection_set_selected (self->selection, position);
  gtk_widget_grab_focus (self->column_view);
}

/* ── actions ──────────────────────────────────────────────────────────── */

static void
refund_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  KassaHistoryWindow *self = KASSA_HISTORY_WINDOW (widget);
  GtkWindow *dialog;

  if (self->selected == NULL || kassa_invoice_get_state (self->selected) != KASSA_INVOICE_PAID)
    return;

  dialog = kassa_refund_dialog_new (GTK_WINDOW (self), self->counter, self->selected,
                                    self->settings);
  kassa_refund_dialog_set_print_queue (KASSA_REFUND_DIALOG (dialog), self->print_queue);
  gtk_window_present (dialog);
}

static void
receipt_printed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GWeakRef *ref = user_data;
  g_autoptr(KassaHistoryWindow) self = g_weak_ref_get (ref);
  g_autoptr(GError) error = NULL;
  gboolean printed;

  g_weak_ref_clear (ref);
  g_free (ref);
  printed = kassa_print_queue_job_finish (KASSA_PRINT_QUEUE (source), result, NULL, &error);
  if (self == NULL)
    return;

  if (printed)
    set_message (self, _("The receipt was printed."));
  else
    {
      /* Translators: %s says why the receipt was not printed */
      g_autofree char *text = g_strdup_printf (_("The receipt was not printed: %s"),
                                               error->message);

      set_message (self, text);
    }
}

static void
reprint_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  KassaHistoryWindow *self = KASSA_HISTORY_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  GWeakRef *ref;

  if (self->selected == NULL)
    return;

  if (self->settings == NULL)
    {
      KassaReportInfo info = { NULL, kassa_invoice_get_terminal (self->selected), NULL, NULL };

      if (!kassa_print_receipt (GTK_WINDOW (self), self->selected, &info, KASSA_PAPER_80MM, NULL,
                                &error) &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_message (self, error->message);
      return;
    }

  /* On the receipt printer when one is set (the queue journals the job);
   * otherwise the print dialog path: the person chose to print. */
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  if (!kassa_print_settings_print_receipt (self->settings, self->print_queue, GTK_WINDOW (self),
                                           self->selected, receipt_printed_cb, ref, &error))
    {
      g_weak_ref_clear (ref);
      g_free (ref);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_message (self, error->message);
      return;
    }
  if (kassa_print_settings_has_printer (self->settings))
    set_message (self, _("Printing the receipt…"));
  else
    {
      /* The print dialog path does not call back. */
      g_weak_ref_clear (ref);
      g_free (ref);
    }
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  KassaHistoryWindow *self = KASSA_HISTORY_WINDOW (widget);

  gtk_editable_set_text (GTK_EDITABLE (self->search_entry),
                         g_variant_get_string (parameter, NULL));
  apply_filter (self);
}

static gboolean
focus_search (GtkWidget *widget,
              GVariant  *args,
              gpointer   user_data)
{
  return gtk_widget_grab_focus (KASSA_HISTORY_WINDOW (widget)->search_entry);
}

/* ── GObject ──────────────────────────────────────────────────────────── */

static void
kassa_history_window_dispose (GObject *object)
{
  KassaHistoryWindow *self = KASSA_HISTORY_WINDOW (object);

  if (self->selected != NULL)
    g_signal_handlers_disconnect_by_func (self->selected, on_selected_state, self);
  g_clear_object (&self->selected);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_items_changed, self);
  gtk_widget_dispose_template (GTK_WIDGET (object), KASSA_TYPE_HISTORY_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (kassa_history_window_parent_class)->dispose (object);
}

static void
kassa_history_window_finalize (GObject *object)
{
  KassaHistoryWindow *self = KASSA_HISTORY_WINDOW (object);

  g_clear_object (&self->counter);
  g_clear_object (&self->settings);
  g_clear_object (&self->print_queue);
  g_free (self->message);

  G_OBJECT_CLASS (kassa_history_window_parent_class)->finalize (object);
}

static void
kassa_history_window_class_init (KassaHistoryWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kassa_history_window_dispose;
  object_class->finalize = kassa_history_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/mn/kassa/Kassa/ui/kassa-history-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KassaHistoryWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, KassaHistoryWindow, state_dropdown);
  gtk_widget_class_bind_template_child (widget_class, KassaHistoryWindow, from_entry);
  gtk_widget_class_bind_template_child (widget_class, KassaHistoryWindow, to_entry);
  gtk_widget_class_bind_template_child (widget_class, KassaHistoryWindow, min_entry);
  gtk_widget_class_bind_template_child (widget_class, KassaHistoryWindow, max_entry);
  gtk_widget_class_bind_template_child (widget_class, KassaHistoryWindow, message_label);
  gtk_widget_class_bind_template_child (widget_class, KassaHistoryWindow, column_view);
  gtk_widget_class_bind_template_child (widget_class, KassaHistoryWindow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, KassaHistoryWindow, log_view);
  gtk_widget_class_bind_template_child (widget_class, KassaHistoryWindow, count_label);

  gtk_widget_class_install_action (widget_class, "history.refund", NULL, refund_action);
  gtk_widget_class_install_action (widget_class, "history.reprint", NULL, reprint_action);
  gtk_widget_class_install_action (widget_class, "history.search", "s", search_action);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, focus_search, NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
kassa_history_window_init (KassaHistoryWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  add_column (self, _("Invoice"), COLUMN_NUMBER, FALSE);
  add_column (self, _("Time"), COLUMN_CREATED, FALSE);
  add_column (self, _("Amount"), COLUMN_AMOUNT, FALSE);
  add_column (self, _("State"), COLUMN_STATE, FALSE);
  add_column (self, _("Reference"), COLUMN_REFERENCE, TRUE);

  g_signal_connect_swapped (self->search_entry, "search-changed",
                            G_CALLBACK (on_filter_changed), self);
  g_signal_connect_swapped (self->search_entry, "activate",
                            G_CALLBACK (on_search_activate), self);
  g_signal_connect_swapped (self->state_dropdown, "notify::selected",
                            G_CALLBACK (on_filter_changed), self);
  g_signal_connect_swapped (self->from_entry, "activate", G_CALLBACK (on_filter_changed), self);
  g_signal_connect_swapped (self->to_entry, "activate", G_CALLBACK (on_filter_changed), self);
  g_signal_connect_swapped (self->min_entry, "activate", G_CALLBACK (on_filter_changed), self);
  g_signal_connect_swapped (self->max_entry, "activate", G_CALLBACK (on_filter_changed), self);
}

GtkWindow *
kassa_history_window_new (GtkWindow    *parent,
                          KassaCounter *counter,
                          GSettings    *settings)
{
  KassaHistoryWindow *self;
  KassaTill *till;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (KASSA_IS_COUNTER (counter), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (KASSA_TYPE_HISTORY_WINDOW, "transient-for", parent, NULL);
  self->counter = g_object_ref (counter);
  self->settings = settings != NULL ? g_object_ref (settings) : NULL;

  till = kassa_counter_get_till (counter);
  self->model = kassa_history_model_new (kassa_till_get_journal (till), till);
  g_signal_connect (self->model, "items-changed", G_CALLBACK (on_items_changed), self);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->model)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  /* A new GtkSingleSelection autoselects its first row: the list would show it
   * selected while the details say to select a sale. */
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (on_selection_changed),
                    self);
  gtk_column_view_set_model (GTK_COLUMN_VIEW (self->column_view),
                             GTK_SELECTION_MODEL (self->selection));
  update_count (self);
  show_details (self);
  gtk_widget_grab_focus (self->search_entry);

  return GTK_WINDOW (self);
}

KassaHistoryModel *
kassa_history_window_get_model (KassaHistoryWindow *self)
{
  g_return_val_if_fail (KASSA_IS_HISTORY_WINDOW (self), NULL);

  return self->model;
}

KassaInvoice *
kassa_history_window_get_selected (KassaHistoryWindow *self)
{
  g_return_val_if_fail (KASSA_IS_HISTORY_WINDOW (self), NULL);

  return self->selected;
}

const char *
kassa_history_window_get_message (KassaHistoryWindow *self)
{
  g_return_val_if_fail (KASSA_IS_HISTORY_WINDOW (self), NULL);

  return self->message;
}

void
kassa_history_window_set_print_queue (KassaHistoryWindow *self,
                                      KassaPrintQueue    *queue)
{
  g_return_if_fail (KASSA_IS_HISTORY_WINDOW (self));
  g_return_if_fail (queue == NULL || KASSA_IS_PRINT_QUEUE (queue));

  g_set_object (&self->print_queue, queue);
}
