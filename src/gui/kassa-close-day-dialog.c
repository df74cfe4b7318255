/* kassa-close-day-dialog.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-close-day-dialog.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kassa-amount.h"
#include "kassa-manager.h"
#include "kassa-print.h"
#include "kassa-report.h"

struct _KassaCloseDayDialog
{
  AdwWindow        parent_instance;

  GtkWidget       *settle_button;
  GtkWidget       *report_buttons;
  GtkWidget       *stack;
  GtkWidget       *unresolved_box;
  GtkWidget       *unresolved_label;
  GtkWidget       *pin_row;
  GtkWidget       *message_label;
  GtkWidget       *report_status_label;
  GtkWidget       *totals_grid;
  GtkWidget       *invoice_list;
  GtkWidget       *report_message_label;

  KassaCounter    *counter;
  GSettings       *settings;
  GCancellable    *cancellable;
  KassaSettlement *settlement;
  char            *message;
  guint            n_unresolved;
  gboolean         busy;
};

enum {
  PROP_0,
  PROP_SETTLEMENT,
  PROP_MESSAGE,
  PROP_N_UNRESOLVED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KassaCloseDayDialog, kassa_close_day_dialog, ADW_TYPE_WINDOW)

static KassaJournal *
get_journal (KassaCloseDayDialog *self)
{
  return kassa_till_get_journal (kassa_counter_get_till (self->counter));
}

static void
set_message (KassaCloseDayDialog *self,
             const char          *message,
             gboolean             is_error)
{
  GtkWidget *label = self->settlement != NULL ? self->report_message_label : self->message_label;

  g_free (self->message);
  self->message = g_strdup (message);
  gtk_label_set_label (GTK_LABEL (label), message != NULL ? message : "");
  gtk_widget_set_visible (label, message != NULL);
  if (is_error)
    gtk_widget_add_css_class (label, "inline-error");
  else
    gtk_widget_remove_css_class (label, "inline-error");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

static void
update_actions (KassaCloseDayDialog *self)
{
  gboolean have_report = self->settlement != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "closeday.settle",
                                 !self->busy && !have_report);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "closeday.resolve",
                                 !self->busy && self->n_unresolved > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "closeday.print", have_report);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "closeday.export-pdf", have_report);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "closeday.export-csv", have_report);
  /* Not insensitive: the focused field would lose the keyboard unannounced. */
  gtk_editable_set_editable (GTK_EDITABLE (self->pin_row), !self->busy);
}

static void
count_unresolved (KassaCloseDayDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) unfinished = kassa_journal_list_unfinished (get_journal (self), &error);
  guint n = unfinished != NULL ? unfinished->len : 0;

  if (unfinished == NULL)
    set_message (self, error->message, TRUE);

  if (n > 0)
    {
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "%u payment is not resolved yet. Resolve it with the bank "
                                      "first, so that the batch is complete.",
                                      "%u payments are not resolved yet. Resolve them with the "
                                      "bank first, so that the batch is complete.", n), n);

      gtk_label_set_label (GTK_LABEL (self->unresolved_label), text);
    }
  gtk_widget_set_visible (self->unresolved_box, n > 0);

  if (self->n_unresolved != n)
    {
      self->n_unresolved = n;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_UNRESOLVED]);
    }
  update_actions (self);
}

/* ── the report ───────────────────────────────────────────────────────── */

static GtkWidget *
grid_label (GtkGrid    *grid,
            const char *text,
            int         column,
            int         row,
            const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  /* The figures stand right-aligned under their headings, in tabular digits. */
  gtk_label_set_xalign (GTK_LABEL (label), column == 0 ? 0.0 : 1.0);
  gtk_label_set_selectable (GTK_LABEL (label), column > 0 && g_strcmp0 (css_class, "heading") != 0);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  if (column > 0)
    gtk_widget_add_css_class (label, "numeric");
  gtk_grid_attach (grid, label, column, row, 1, 1);
  return label;
}

/* A value across the three figure columns (the batch, the terminal, …), from their start. */
static void
grid_value (GtkGrid    *grid,
            const char *text,
            int         row)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_grid_attach (grid, label, 1, row, 3, 1);
}

static char *
format_local (GDateTime *time)
{
  g_autoptr(GDateTime) local = NULL;

  if (time == NULL)
    return g_strdup ("—");
  local = g_date_time_to_local (time);
  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

static void
fill_totals (KassaCloseDayDialog *self)
{
  KassaSettlement *s = self->settlement;
  GtkGrid *grid = GTK_GRID (self->totals_grid);
  gboolean bank = kassa_settlement_get_has_bank_reply (s);
  GtkWidget *child;
  g_autofree char *time = format_local (kassa_settlement_get_settled (s) != NULL
                                          ? kassa_settlement_get_settled (s)
                                          : kassa_settlement_get_created (s));
  g_autofree char *local_count = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                  kassa_settlement_get_local_count (s));
  g_autofree char *local_sum = kassa_amount_to_display (kassa_settlement_get_local_amount (s));
  g_autofree char *bank_count = NULL;
  g_autofree char *bank_sum = NULL;
  g_autofree char *diff_count = NULL;
  g_autofree char *diff_sum = NULL;
  gint64 dc = 0, da = 0;
  int row = 0;

  while ((child = gtk_widget_get_first_child (self->totals_grid)) != NULL)
    gtk_grid_remove (grid, child);

  grid_label (grid, _("Batch"), 0, row, "dim-label");
  grid_value (grid, kassa_settlement_get_id (s), row++);
  grid_label (grid, _("Terminal"), 0, row, "dim-label");
  grid_value (grid, kassa_settlement_get_terminal (s), row++);
  grid_label (grid, _("Time"), 0, row, "dim-label");
  grid_value (grid, time, row++);
  grid_label (grid, _("Bank status"), 0, row, "dim-label");
  grid_value (grid, kassa_settlement_get_bank_status (s) != NULL
                      ? kassa_settlement_get_bank_status (s) : "—", row++);

  grid_label (grid, _("Till"), 1, row, "heading");
  grid_label (grid, _("Bank"), 2, row, "heading");
  grid_label (grid, _("Difference"), 3, row++, "heading");

  if (bank)
    {
      dc = kassa_settlement_get_bank_count (s) - kassa_settlement_get_local_count (s);
      da = kassa_settlement_get_bank_amount (s) - kassa_settlement_get_local_amount (s);
      bank_count = g_strdup_printf ("%" G_GINT64_FORMAT, kassa_settlement_get_bank_count (s));
      bank_sum = kassa_amount_to_display (kassa_settlement_get_bank_amount (s));
      diff_count = g_strdup_printf ("%+" G_GINT64_FORMAT, dc);
      if (da != 0)
        {
          g_autofree char *magnitude = kassa_amount_to_display (ABS (da));

          diff_sum = g_strdup_printf ("%s%s", da > 0 ? "+" : "−", magnitude);
        }
      else
        diff_sum = g_strdup ("0");
    }

  grid_label (grid, _("Payments"), 0, row, NULL);
  grid_label (grid, local_count, 1, row, NULL);
  grid_label (grid, bank ? bank_count : "—", 2, row, NULL);
  grid_label (grid, bank ? diff_count : "—", 3, row++, dc != 0 ? "error" : NULL);
  grid_label (grid, _("Total"), 0, row, NULL);
  grid_label (grid, local_sum, 1, row, NULL);
  grid_label (grid, bank ? bank_sum : "—", 2, row, NULL);
  grid_label (grid, bank ? diff_sum : "—", 3, row++, da != 0 ? "error" : NULL);
}

static gboolean
in_batch (KassaSettlement *settlement,
          const char      *number)
{
  const char * const *numbers = kassa_settlement_get_invoices (settlement);

  return numbers != NULL && g_strv_contains (numbers, number);
}

static GtkWidget *
invoice_row (KassaInvoice *invoice,
             gboolean      counted)
{
  g_autofree char *amount = kassa_amount_to_display (kassa_invoice_get_amount (invoice));
  g_autofree char *time = format_local (kassa_invoice_get_created (invoice));
  g_autofree char *subtitle = g_strdup_printf ("%s · %s%s", time,
                                               kassa_report_state_label (kassa_invoice_get_state (invoice)),
                                               counted ? _(" · in the batch") : "");
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *amount_label = gtk_label_new (amount);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), kassa_invoice_get_number (invoice));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (!counted)
    gtk_widget_add_css_class (amount_label, "dim-label");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), amount_label);
  return row;
}

static void
fill_invoices (KassaCloseDayDialog *self)
{
  KassaJournal *journal = get_journal (self);
  const char *terminal = kassa_settlement_get_terminal (self->settlement);
  const char * const *numbers = kassa_settlement_get_invoices (self->settlement);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) midnight = g_date_time_new_local (g_date_time_get_year (now),
                                                         g_date_time_get_month (now),
                                                         g_date_time_get_day_of_month (now),
                                                         0, 0, 0);
  g_autoptr(GPtrArray) today = NULL;
  g_autoptr(GHashTable) shown = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->invoice_list)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->invoice_list), child);

  /* The batch's invoices first (they may be older than today) … */
  for (guint i = 0; numbers != NULL && numbers[i] != NULL; i++)
    {
      g_autoptr(KassaInvoice) invoice = kassa_journal_lookup (journal, numbers[i], NULL);

      if (invoice == NULL)
        continue;
      g_hash_table_add (shown, (gpointer) numbers[i]);
      gtk_list_box_append (GTK_LIST_BOX (self->invoice_list), invoice_row (invoice, TRUE));
    }

  /* … then the rest of today's sales of this terminal (refunded, cancelled …). */
  today = kassa_journal_list (journal, midnight, NULL, &error);
  if (today == NULL)
    {
      set_message (self, error->message, TRUE);
      return;
    }
  for (guint i = 0; i < today->len; i++)
    {
      KassaInvoice *invoice = today->pdata[i];

      if (g_strcmp0 (kassa_invoice_get_terminal (invoice), terminal) != 0 ||
          g_hash_table_contains (shown, kassa_invoice_get_number (invoice)))
        continue;
      gtk_list_box_append (GTK_LIST_BOX (self->invoice_list),
                           invoice_row (invoice, in_batch (self->settlement,
                                                           kassa_invoice_get_number (invoice))));
    }
}

static void
show_report (KassaCloseDayDialog *self)
{
  KassaSettlement *s = self->settlement;
  const char *status;

  switch (kassa_settlement_get_state (s))
    {
    case KASSA_SETTLEMENT_SETTLED:
      status = kassa_settlement_reconcile (s)
                 ? _("The day is closed. The bank's totals match the till's.")
                 : _("The day is closed, but the bank's totals differ from the till's.");
      break;
    case KASSA_SETTLEMENT_SETTLE_UNKNOWN:
    case KASSA_SETTLEMENT_SETTLING:
      status = _("The bank's answer was lost: the outcome is unknown — Kassa sends the batch "
                 "again until the bank answers.");
      break;
    case KASSA_SETTLEMENT_FAILED:
      status = _("The bank refused the batch; its payments go into the next one.");
      break;
    default:
      status = "";
      break;
    }

  gtk_label_set_label (GTK_LABEL (self->report_status_label), status);
  if (kassa_settlement_get_state (s) == KASSA_SETTLEMENT_SETTLED && kassa_settlement_reconcile (s))
    gtk_widget_remove_css_class (self->report_status_label, "error");
  else
    gtk_widget_add_css_class (self->report_status_label, "error");

  fill_totals (self);
  fill_invoices (self);

  gtk_widget_set_visible (self->report_buttons, TRUE);
  update_actions (self);
  /* The keyboard goes to Print before the PIN field goes: else GTK gives it
   * to the first selectable figure, which selects its text. */
  gtk_widget_grab_focus (gtk_widget_get_first_child (self->report_buttons));
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "report");
  gtk_widget_set_visible (self->settle_button, FALSE);
  gtk_window_set_default_widget (GTK_WINDOW (self), NULL);
}

/* ── actions ──────────────────────────────────────────────────────────── */

static void
recovered_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(KassaCloseDayDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;

  if (!kassa_till_recover_finish (KASSA_TILL (source), result, &summary, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->busy = FALSE;
  set_message (self, error != NULL ? error->message : summary, error != NULL);
  count_unresolved (self);
}

static void
resolve_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  KassaCloseDayDialog *self = KASSA_CLOSE_DAY_DIALOG (widget);

  self->busy = TRUE;
  update_actions (self);
  set_message (self, _("Asking the bank about the unresolved payments…"), FALSE);
  kassa_till_recover_async (kassa_counter_get_till (self->counter), self->cancellable,
                            recovered_cb, g_object_ref (self));
}

static void
settled_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(KassaCloseDayDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaSettlement) settlement = kassa_till_settle_finish (KASSA_TILL (source), result,
                                                                     &error);
  g_autoptr(GPtrArray) open = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self->busy = FALSE;

  if (settlement == NULL && error->domain == KASSA_MANAGER_ERROR)
    {
      /* Nothing journaled, nothing sent: the PIN can be typed again. */
      set_message (self, error->message, TRUE);
      gtk_editable_set_text (GTK_EDITABLE (self->pin_row), "");
      gtk_widget_grab_focus (self->pin_row);
      update_actions (self);
      return;
    }

  /* A lost answer leaves the batch journaled as SETTLE_UNKNOWN: show it. */
  if (settlement == NULL &&
      g_error_matches (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_UNKNOWN_OUTCOME))
    {
      open = kassa_journal_list_open_settlements (get_journal (self), NULL);
      if (open != NULL && open->len > 0)
        settlement = g_object_ref (open->pdata[open->len - 1]);
    }

  if (settlement == NULL)
    {
      set_message (self, error->message, TRUE);
      update_actions (self);
      return;
    }

  self->settlement = g_steal_pointer (&settlement);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SETTLEMENT]);
  set_message (self, error != NULL ? error->message : NULL, error != NULL);
  show_report (self);
}

static void
settle_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  KassaCloseDayDialog *self = KASSA_CLOSE_DAY_DIALOG (widget);
  g_autofree char *pin = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->pin_row)));
  g_autoptr(GError) error = NULL;

  if (self->busy || self->settlement != NULL)
    goto out;

  if (!kassa_manager_check_pin_format (pin, &error))
    {
      set_message (self, error->message, TRUE);
      gtk_widget_grab_focus (self->pin_row);
      goto out;
    }

  self->busy = TRUE;
  update_actions (self);
  set_message (self, _("Sending the batch to the bank…"), FALSE);
  kassa_till_settle_async (kassa_counter_get_till (self->counter), pin, self->cancellable,
                           settled_cb, g_object_ref (self));

out:
  explicit_bzero (pin, strlen (pin));
}

static void
report_info (KassaCloseDayDialog *self,
             KassaReportInfo     *info,
             char               **out_shop)
{
  *out_shop = self->settings != NULL ? g_settings_get_string (self->settings, "shop-name") : NULL;
  info->shop_name = *out_shop != NULL && **out_shop != '\0' ? *out_shop : NULL;
  info->terminal = kassa_settlement_get_terminal (self->settlement);
}

static void
print_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  KassaCloseDayDialog *self = KASSA_CLOSE_DAY_DIALOG (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *shop = NULL;
  KassaReportInfo info = { 0 };

  report_info (self, &info, &shop);
  /* The receipt printer is a roll: the A4 report always asks. */
  if (!kassa_print_report (GTK_WINDOW (self), get_journal (self), self->settlement, &info,
                           NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    set_message (self, error->message, TRUE);
}

static gboolean
export_to (KassaCloseDayDialog *self,
           gboolean             csv,
           const char          *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *shop = NULL;
  g_autofree char *text = NULL;
  KassaReportInfo info = { 0 };
  gboolean ok;

  report_info (self, &info, &shop);
  ok = csv ? kassa_report_write_csv (get_journal (self), self->settlement, &info, path, &error)
           : kassa_report_write_pdf (get_journal (self), self->settlement, &info, path, &error);
  if (!ok)
    {
      set_message (self, error->message, TRUE);
      return FALSE;
    }

  text = g_strdup_printf (_("Saved %s."), path);
  set_message (self, text, FALSE);
  return TRUE;
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     gpointer         user_data)
{
  KassaCloseDayDialog *self = user_data;
  gboolean csv = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "csv"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        export_to (self, csv, path);
    }

  g_object_unref (chooser);
  g_object_unref (self);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  KassaCloseDayDialog *self = KASSA_CLOSE_DAY_DIALOG (widget);
  gboolean csv = g_str_equal (action_name, "closeday.export-csv");
  const char *path = g_variant_get_string (parameter, NULL);
  g_autofree char *name = NULL;
  GtkFileChooserNative *chooser;

  if (self->settlement == NULL)
    return;

  if (*path != '\0')
    {
      export_to (self, csv, path);
      return;
    }

  chooser = gtk_file_chooser_native_new (csv ? _("Export the Report as CSV")
                                             : _("Export the Report as PDF"),
                                         GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  name = g_strdup_printf ("%s.%s", kassa_settlement_get_id (self->settlement),
                          csv ? "csv" : "pdf");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "csv", GINT_TO_POINTER (csv));
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ── GObject ──────────────────────────────────────────────────────────── */

static void
kassa_close_day_dialog_dispose (GObject *object)
{
  KassaCloseDayDialog *self = KASSA_CLOSE_DAY_DIALOG (object);

  /* Recovery and the settlement go on in the till; only our callbacks stop. */
  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (object), KASSA_TYPE_CLOSE_DAY_DIALOG);

  G_OBJECT_CLASS (kassa_close_day_dialog_parent_class)->dispose (object);
}

static void
kassa_close_day_dialog_finalize (GObject *object)
{
  KassaCloseDayDialog *self = KASSA_CLOSE_DAY_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->counter);
  g_clear_object (&self->settings);
  g_clear_object (&self->settlement);
  g_free (self->message);

  G_OBJECT_CLASS (kassa_close_day_dialog_parent_class)->finalize (object);
}

static void
kassa_close_day_dialog_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  KassaCloseDayDialog *self = KASSA_CLOSE_DAY_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTLEMENT:
      g_value_set_object (value, self->settlement);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    case PROP_N_UNRESOLVED:
      g_value_set_uint (value, self->n_unresolved);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_close_day_dialog_class_init (KassaCloseDayDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kassa_close_day_dialog_dispose;
  object_class->finalize = kassa_close_day_dialog_finalize;
  object_class->get_property = kassa_close_day_dialog_get_property;

  properties[PROP_SETTLEMENT] =
    g_param_spec_object ("settlement", NULL, NULL, KASSA_TYPE_SETTLEMENT,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_UNRESOLVED] =
    g_param_spec_uint ("n-unresolved", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/mn/kassa/Kassa/ui/kassa-close-day-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, KassaCloseDayDialog, settle_button);
  gtk_widget_class_bind_template_child (widget_class, KassaCloseDayDialog, report_buttons);
  gtk_widget_class_bind_template_child (widget_class, KassaCloseDayDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, KassaCloseDayDialog, unresolved_box);
  gtk_widget_class_bind_template_child (widget_class, KassaCloseDayDialog, unresolved_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCloseDayDialog, pin_row);
  gtk_widget_class_bind_template_child (widget_class, KassaCloseDayDialog, message_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCloseDayDialog, report_status_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCloseDayDialog, totals_grid);
  gtk_widget_class_bind_template_child (widget_class, KassaCloseDayDialog, invoice_list);
  gtk_widget_class_bind_template_child (widget_class, KassaCloseDayDialog, report_message_label);

  gtk_widget_class_install_action (widget_class, "closeday.resolve", NULL, resolve_action);
  gtk_widget_class_install_action (widget_class, "closeday.settle", NULL, settle_action);
  gtk_widget_class_install_action (widget_class, "closeday.print", NULL, print_action);
  gtk_widget_class_install_action (widget_class, "closeday.export-pdf", "s", export_action);
  gtk_widget_class_install_action (widget_class, "closeday.export-csv", "s", export_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
kassa_close_day_dialog_init (KassaCloseDayDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

GtkWindow *
kassa_close_day_dialog_new (GtkWindow    *parent,
                            KassaCounter *counter,
                            GSettings    *settings)
{
  KassaCloseDayDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (KASSA_IS_COUNTER (counter), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (KASSA_TYPE_CLOSE_DAY_DIALOG, "transient-for", parent, NULL);
  self->counter = g_object_ref (counter);
  self->settings = settings != NULL ? g_object_ref (settings) : NULL;
  count_unresolved (self);
  gtk_widget_grab_focus (self->pin_row);

  return GTK_WINDOW (self);
}

KassaSettlement *
kassa_close_day_dialog_get_settlement (KassaCloseDayDialog *self)
{
  g_return_val_if_fail (KASSA_IS_CLOSE_DAY_DIALOG (self), NULL);

  return self->settlement;
}

const char *
kassa_close_day_dialog_get_message (KassaCloseDayDialog *self)
{
  g_return_val_if_fail (KASSA_IS_CLOSE_DAY_DIALOG (self), NULL);

  return self->message;
}

guint
kassa_close_day_dialog_get_n_unresolved (KassaCloseDayDialog *self)
{
  g_return_val_if_fail (KASSA_IS_CLOSE_DAY_DIALOG (self), 0);

  return self->n_unresolved;
}
