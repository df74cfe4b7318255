/* kassa-window.c — the cashier window
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-window.h"

#include <glib/gi18n.h>

#include "kassa-amount.h"
#include "kassa-bank-fields.h"
#include "kassa-error.h"
#include "kassa-print-queue.h"
#include "kassa-report.h"

struct _KassaWindow
{
  AdwApplicationWindow  parent_instance;

  KassaCounter         *counter;
  KassaInvoice         *invoice;       /* the counter's current invoice, observed */
  GCancellable         *cancellable;
  GtkWidget            *cancel_dialog; /* weak: the Esc confirmation, while shown */
  guint                 tick_id;
  gboolean              charging;      /* a charge is between its call and its answer */
  KassaInvoiceMethod    qr_method;     /* what Enter charges with: QR or DEEPLINK */
  GSettings            *size_settings; /* remembers the size and state; may be NULL */
  guint                 recent_idle_id; /* shows today's sales after the first frame */
  gboolean              recent_shown;  /* the list has its model */
  KassaPrintQueue      *print_queue;   /* may be NULL: no receipt banner */
  GPtrArray            *not_printed;   /* NotPrinted: today's receipts whose job failed */

  /* Template widgets */
  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *window_title;
  GtkWidget            *connection_box;
  GtkImage             *connection_icon;
  GtkLabel             *connection_label;
  GtkRevealer          *training_revealer;
  GtkRevealer          *alert_revealer;
  GtkLabel             *alert_label;
  GtkRevealer          *print_revealer;
  GtkLabel             *print_label;
  GtkEntry             *amount_entry;
  GtkRevealer          *amount_error_revealer;
  GtkLabel             *amount_error_label;
  GtkRevealer          *phone_revealer;
  GtkEntry             *phone_entry;
  GtkLabel             *phone_error_label;
  GtkLabel             *payment_amount_label;
  GtkLabel             *payment_state_label;
  GtkLabel             *payment_number_label;
  GtkLabel             *payment_time_label;
  GtkLabel             *payment_error_label;
  GtkWidget            *training_box;
  GtkLabel             *recent_empty_label;
  GtkListView          *recent_list;
};

G_DEFINE_FINAL_TYPE (KassaWindow, kassa_window, ADW_TYPE_APPLICATION_WINDOW)

/* A receipt whose newest print job failed. */
typedef struct
{
  char *number;
  char *reason;
} NotPrinted;

static void
not_printed_free (NotPrinted *item)
{
  g_free (item->number);
  g_free (item->reason);
  g_free (item);
}

enum {
  PROP_0,
  PROP_COUNTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The CSS classes that colour a state (style.css). */
static const char * const state_classes[] = {
  "state-pending", "state-waiting", "state-paid", "state-failed", "state-ended", "state-alarm",
};

/* ---- words ---- */

static const char *
state_css_class (KassaInvoice *invoice)
{
  switch (kassa_invoice_get_state (invoice))
    {
    case KASSA_INVOICE_AWAITING_PAYMENT:
      return "state-waiting";
    case KASSA_INVOICE_PAID:
      return kassa_invoice_get_paid_after_cancel (invoice) ? "state-alarm" : "state-paid";
    case KASSA_INVOICE_DECLINED:
    case KASSA_INVOICE_FAILED:
      return "state-failed";
    case KASSA_INVOICE_CANCELLED:
    case KASSA_INVOICE_EXPIRED:
    case KASSA_INVOICE_REFUNDED:
      return "state-ended";
    case KASSA_INVOICE_CREATING:
    case KASSA_INVOICE_CREATE_UNKNOWN:
    case KASSA_INVOICE_CANCELLING:
    case KASSA_INVOICE_CANCEL_UNKNOWN:
    case KASSA_INVOICE_REFUNDING:
    case KASSA_INVOICE_REFUND_UNKNOWN:
    default:
      return "state-pending";
    }
}

/* The state in the cashier's words: a sentence for the payment panel, or
 * (@brief) its name for the list of sales, the one the history, the reports
 * and the receipts use too (kassa_report_state_label()). */
static const char *
state_words (KassaInvoice *invoice,
             gboolean      brief)
{
  /* A payment the customer made after the cancel is kept: the cashier must see that. */
  if (brief && kassa_invoice_get_paid_after_cancel (invoice))
    return _("Paid after cancel");
  if (brief)
    return kassa_report_state_label (kassa_invoice_get_state (invoice));

  switch (kassa_invoice_get_state (invoice))
    {
    case KASSA_INVOICE_CREATING:
      return _("Creating the invoice at the bank…");
    case KASSA_INVOICE_CREATE_UNKNOWN:
      return _("The bank did not answer yet: checking whether the invoice exists…");
    case KASSA_INVOICE_AWAITING_PAYMENT:
      if (kassa_invoice_get_method (invoice) == KASSA_INVOICE_METHOD_PHONE)
        return _("Sent to the customer’s phone: waiting for payment");
      return _("Waiting for the customer to scan and pay");
    case KASSA_INVOICE_PAID:
      if (kassa_invoice_get_paid_after_cancel (invoice))
        return _("Paid after it was cancelled: the payment is kept");
      return _("Paid");
    case KASSA_INVOICE_DECLINED:
      return _("Declined by the customer");
    case KASSA_INVOICE_FAILED:
      return _("Not created: the bank refused the invoice");
    case KASSA_INVOICE_CANCELLING:
      return _("Cancelling at the bank…");
    case KASSA_INVOICE_CANCEL_UNKNOWN:
      return _("Cancel sent: waiting for the bank to confirm…");
    case KASSA_INVOICE_CANCELLED:
      return _("Cancelled");
    case KASSA_INVOICE_EXPIRED:
      return _("Expired: not paid in time");
    case KASSA_INVOICE_REFUNDING:
      return _("Refunding at the bank…");
    case KASSA_INVOICE_REFUND_UNKNOWN:
      return _("Refund sent: waiting for the bank to confirm…");
    case KASSA_INVOICE_REFUNDED:
      return _("Refunded");
    default:
      g_assert_not_reached ();
    }
}

static char *
method_words (KassaInvoice *invoice)
{
  switch (kassa_invoice_get_method (invoice))
    {
    case KASSA_INVOICE_METHOD_QR:
      return g_strdup (_("QR code"));
    case KASSA_INVOICE_METHOD_DEEPLINK:
      return g_strdup (_("SocialPay link"));
    case KASSA_INVOICE_METHOD_PHONE:
      /* Translators: %s is the customer's 8-digit phone number */
      return g_strdup_printf (_("phone %s"), kassa_invoice_get_phone (invoice));
    default:
      g_assert_not_reached ();
    }
}

static char *
format_duration (gint64 seconds)
{
  seconds = MAX (seconds, 0);

  if (seconds >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", (int) (seconds / 3600), (int) (seconds / 60 % 60),
                            (int) (seconds % 60));
  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

static char *
format_local_time (GDateTime  *when,
                   const char *format)
{
  g_autoptr(GDateTime) local = NULL;

  if (when == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (when);

  return g_date_time_format (local, format);
}

/* The bank's (or the network's) own words about @invoice, if any. */
static const char *
invoice_error_text (KassaInvoice *invoice)
{
  const char *text = kassa_invoice_get_last_error (invoice);
  KassaInvoiceState state = kassa_invoice_get_state (invoice);

  if (text != NULL && *text != '\0')
    return text;
  if (state == KASSA_INVOICE_FAILED || state == KASSA_INVOICE_DECLINED)
    {
      text = kassa_invoice_get_resp_desc (invoice);
      if (text != NULL && *text != '\0')
        return text;
    }

  return NULL;
}

static void
set_state_class (GtkWidget  *widget,
                 const char *css_class)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_classes); i++)
    gtk_widget_remove_css_class (widget, state_classes[i]);
  if (css_class != NULL)
    gtk_widget_add_css_class (widget, css_class);
}

/* ---- messages and focus ---- */

static void
toast (KassaWindow *self,
       const char  *text)
{
  AdwToast *t = adw_toast_new (text);

  adw_toast_set_timeout (t, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, t);
}

static gboolean
phone_mode (KassaWindow *self)
{
  return gtk_revealer_get_reveal_child (self->phone_revealer);
}

/* The next sale needs no mouse: whatever happened, the keyboard goes back to
 * the entry the cashier types into. */
static void
focus_input (KassaWindow *self)
{
  if (phone_mode (self))
    gtk_entry_grab_focus_without_selecting (self->phone_entry);
  else
    gtk_entry_grab_focus_without_selecting (self->amount_entry);
}

static void
show_amount_error (KassaWindow *self,
                   const char  *text)
{
  gtk_label_set_label (self->amount_error_label, text);
  gtk_revealer_set_reveal_child (self->amount_error_revealer, text != NULL);
  if (text != NULL)
    gtk_widget_error_bell (GTK_WIDGET (self));
}

static void
show_phone_error (KassaWindow *self,
                  const char  *text)
{
  gtk_label_set_label (self->phone_error_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->phone_error_label), text != NULL);
  if (text != NULL)
    gtk_widget_error_bell (GTK_WIDGET (self));
}

static void
set_phone_mode (KassaWindow *self,
                gboolean     phone)
{
  gtk_revealer_set_reveal_child (self->phone_revealer, phone);
  if (!phone)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->phone_entry), "");
      show_phone_error (self, NULL);
    }
  focus_input (self);
}

/* ---- the current payment ---- */

static void
update_actions (KassaWindow *self)
{
  gboolean open = self->counter != NULL && kassa_counter_get_open (self->counter);
  gboolean training = self->counter != NULL && kassa_counter_get_training (self->counter);
  gboolean awaiting = self->invoice != NULL &&
                      kassa_invoice_get_state (self->invoice) == KASSA_INVOICE_AWAITING_PAYMENT;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "till.charge-qr", !self->charging);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "till.charge-phone", !self->charging);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "till.cancel-payment", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "till.check-now", open);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "till.customer-pays", training && awaiting);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "till.customer-declines",
                                 training && awaiting);
}

static void
update_time (KassaWindow *self)
{
  g_autofree char *text = NULL;
  KassaTill *till = kassa_counter_get_till (self->counter);
  GDateTime *created;
  GTimeSpan age;

  if (self->invoice == NULL)
    {
      gtk_label_set_label (self->payment_time_label, "");
      return;
    }

  created = kassa_invoice_get_created (self->invoice);
  /* The till's own age (monotonic while it tracks the invoice): a clock
   * set back or forward does not move what the cashier reads. */
  age = kassa_till_get_invoice_age (till, self->invoice);
  if (!kassa_invoice_state_is_final (kassa_invoice_get_state (self->invoice)) && age >= 0)
    {
      gint64 elapsed = age / G_USEC_PER_SEC;
      guint expiry = kassa_till_get_expiry (till);
      g_autofree char *waited = format_duration (elapsed);
      g_autofree char *left = format_duration ((gint64) expiry - elapsed);

      /* Translators: both are durations, "1:05" (minutes:seconds) */
      text = g_strdup_printf (_("Open for %s · expires in %s"), waited, left);
    }
  else
    {
      g_autofree char *started = format_local_time (created, "%H:%M:%S");

      /* Translators: %s is a time of day, "14:03:12" */
      text = g_strdup_printf (_("Started at %s"), started);
    }

  gtk_label_set_label (self->payment_time_label, text);
}

static gboolean
tick_cb (gpointer user_data)
{
  KassaWindow *self = user_data;

  update_time (self);

  return G_SOURCE_CONTINUE;
}

static void
update_payment (KassaWindow *self)
{
  g_autofree char *amount = NULL;
  g_autofree char *method = NULL;
  g_autofree char *number = NULL;
  const char *error_text;
  gboolean open;

  if (self->invoice == NULL)
    {
      gtk_label_set_label (self->payment_amount_label, "—");
      gtk_label_set_label (self->payment_state_label,
                           _("Ready: type an amount and press Enter"));
      set_state_class (GTK_WIDGET (self->payment_state_label), NULL);
      gtk_label_set_label (self->payment_number_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->payment_error_label), FALSE);
      update_time (self);
      g_clear_handle_id (&self->tick_id, g_source_remove);
      return;
    }

  amount = kassa_amount_to_display (kassa_invoice_get_amount (self->invoice));
  gtk_label_set_label (self->payment_amount_label, amount);
  gtk_label_set_label (self->payment_state_label, state_words (self->invoice, FALSE));
  set_state_class (GTK_WIDGET (self->payment_state_label), state_css_class (self->invoice));

  method = method_words (self->invoice);
  /* Translators: "Invoice KS123 · QR code" or "Invoice KS123 · phone 99112233" */
  number = g_strdup_printf (_("Invoice %s · %s"), kassa_invoice_get_number (self->invoice),
                            method);
  gtk_label_set_label (self->payment_number_label, number);

  error_text = invoice_error_text (self->invoice);
  gtk_label_set_label (self->payment_error_label, error_text);
  gtk_widget_set_visible (GTK_WIDGET (self->payment_error_label), error_text != NULL);

  update_time (self);
  open = !kassa_invoice_state_is_final (kassa_invoice_get_state (self->invoice));
  if (open && self->tick_id == 0)
    self->tick_id = g_timeout_add (1000, tick_cb, self);
  else if (!open)
    g_clear_handle_id (&self->tick_id, g_source_remove);
}

static void
on_invoice_notify_cb (KassaInvoice *invoice,
                      GParamSpec   *pspec,
                      KassaWindow  *self)
{
  /* The Esc confirmation is about a payment that is still waiting. */
  if (self->cancel_dialog != NULL &&
      kassa_invoice_get_state (invoice) != KASSA_INVOICE_AWAITING_PAYMENT)
    gtk_window_destroy (GTK_WINDOW (self->cancel_dialog));

  update_payment (self);
  update_actions (self);
}

static void
set_invoice (KassaWindow  *self,
             KassaInvoice *invoice)
{
  if (self->invoice == invoice)
    return;

  if (self->invoice != NULL)
    g_signal_handlers_disconnect_by_func (self->invoice, on_invoice_notify_cb, self);
  if (self->cancel_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->cancel_dialog));
  g_set_object (&self->invoice, invoice);
  if (self->invoice != NULL)
    g_signal_connect_object (self->invoice, "notify", G_CALLBACK (on_invoice_notify_cb), self, 0);

  update_payment (self);
  update_actions (self);
}

static void
on_counter_current_invoice_cb (KassaCounter *counter,
                               GParamSpec   *pspec,
                               KassaWindow  *self)
{
  set_invoice (self, kassa_counter_get_current_invoice (counter));
}

static void
on_counter_open_cb (KassaCounter *counter,
                    GParamSpec   *pspec,
                    KassaWindow  *self)
{
  update_actions (self);
}

static void
on_counter_message_cb (KassaCounter *counter,
                       const char   *text,
                       KassaWindow  *self)
{
  kassa_window_add_alert (self, text);
}

static void
on_till_connection_state_cb (KassaTill   *till,
                             GParamSpec  *pspec,
                             KassaWindow *self)
{
  gboolean online = kassa_till_get_connection_state (till) == KASSA_CONNECTION_ONLINE;

  gtk_image_set_from_icon_name (self->connection_icon,
                                online ? "network-transmit-receive-symbolic"
                                       : "network-error-symbolic");
  gtk_label_set_label (self->connection_label,
                       online ? _("Bank connected") : _("Bank unreachable, retrying"));
  gtk_widget_set_tooltip_text (self->connection_box,
                               online ? _("The last exchange with the bank succeeded")
                                      : _("Kassa keeps asking the bank and resumes on its own"));
  if (online)
    {
      gtk_widget_remove_css_class (self->connection_box, "offline");
      gtk_widget_add_css_class (self->connection_box, "online");
    }
  else
    {
      gtk_widget_remove_css_class (self->connection_box, "online");
      gtk_widget_add_css_class (self->connection_box, "offline");
    }
}

/* ---- today's sales ---- */

static void
fill_sale_row (GtkListItem *item)
{
  KassaInvoice *invoice = gtk_list_item_get_item (item);
  GtkGrid *grid = GTK_GRID (gtk_list_item_get_child (item));
  GtkLabel *state = GTK_LABEL (gtk_grid_get_child_at (grid, 0, 0));
  GtkLabel *amount = GTK_LABEL (gtk_grid_get_child_at (grid, 1, 0));
  GtkLabel *number = GTK_LABEL (gtk_grid_get_child_at (grid, 0, 1));
  GtkLabel *time = GTK_LABEL (gtk_grid_get_child_at (grid, 1, 1));
  g_autofree char *time_text = format_local_time (kassa_invoice_get_created (invoice), "%H:%M");
  g_autofree char *amount_text = kassa_amount_to_display (kassa_invoice_get_amount (invoice));

  gtk_label_set_label (time, time_text);
  gtk_label_set_label (amount, amount_text);
  gtk_label_set_label (number, kassa_invoice_get_number (invoice));
  gtk_label_set_label (state, state_words (invoice, TRUE));
  set_state_class (GTK_WIDGET (state), state_css_class (invoice));
}

static void
on_sale_notify_cb (KassaInvoice *invoice,
                   GParamSpec   *pspec,
                   GtkListItem  *item)
{
  fill_sale_row (item);
}

static GtkWidget *
new_row_label (GtkGrid    *grid,
               int         column,
               int         row,
               const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), column == 0 ? 0.0f : 1.0f);
  gtk_widget_set_hexpand (label, column == 0);
  gtk_widget_add_css_class (label, css_class);
  gtk_grid_attach (grid, label, column, row, 1, 1);

  return label;
}

/* Two lines, so that a long state (“Төлбөр хүлээж байна”) and an eight-digit
 * amount fit the column whole: the state and the amount, then the invoice
 * number and the time. */
static void
setup_sale_row_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item,
                   KassaWindow              *self)
{
  GtkGrid *grid = GTK_GRID (gtk_grid_new ());
  GtkWidget *number, *time;

  gtk_grid_set_column_spacing (grid, 12);
  gtk_widget_add_css_class (GTK_WIDGET (grid), "sale-row");
  new_row_label (grid, 0, 0, "sale-state");
  new_row_label (grid, 1, 0, "sale-amount");
  number = new_row_label (grid, 0, 1, "dim-label");
  time = new_row_label (grid, 1, 1, "dim-label");
  /* The end of an invoice number is what tells two sales apart. */
  gtk_label_set_ellipsize (GTK_LABEL (number), PANGO_ELLIPSIZE_START);
  gtk_widget_add_css_class (number, "caption");
  gtk_widget_add_css_class (time, "caption");
  gtk_widget_add_css_class (time, "numeric");
  gtk_list_item_set_child (item, GTK_WIDGET (grid));
  gtk_list_item_set_activatable (item, FALSE);
}

static void
bind_sale_row_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item,
                  KassaWindow              *self)
{
  fill_sale_row (item);
  g_signal_connect_object (gtk_list_item_get_item (item), "notify",
                           G_CALLBACK (on_sale_notify_cb), item, 0);
}

static void
unbind_sale_row_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *item,
                    KassaWindow              *self)
{
  GObject *invoice = gtk_list_item_get_item (item);

  if (invoice != NULL)
    g_signal_handlers_disconnect_by_func (invoice, on_sale_notify_cb, item);
}

static void
on_recent_items_changed_cb (GListModel  *model,
                            guint        position,
                            guint        removed,
                            guint        added,
                            KassaWindow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->recent_empty_label),
                          self->recent_shown && g_list_model_get_n_items (model) == 0);
}

static void
show_recent_sales (KassaWindow *self)
{
  GListModel *recent = kassa_counter_get_recent_sales (self->counter);

  g_clear_handle_id (&self->recent_idle_id, g_source_remove);
  if (self->recent_shown)
    return;
  self->recent_shown = TRUE;
  gtk_list_view_set_model (self->recent_list,
                           GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (recent))));
  on_recent_items_changed_cb (recent, 0, 0, 0, self);
}

static gboolean
show_recent_sales_cb (gpointer user_data)
{
  KassaWindow *self = user_data;

  self->recent_idle_id = 0;
  show_recent_sales (self);
  return G_SOURCE_REMOVE;
}

/* A busy day's list is many rows to lay out and draw (on a PC without a GPU,
 * GL shaders to compile for each kind of node): the cashier's first frame
 * comes without them, and the list follows in the next one. */
static void
kassa_window_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  KassaWindow *self = KASSA_WINDOW (widget);

  GTK_WIDGET_CLASS (kassa_window_parent_class)->snapshot (widget, snapshot);
  if (!self->recent_shown && self->recent_idle_id == 0)
    self->recent_idle_id = g_idle_add (show_recent_sales_cb, self);
}

/* ---- charging ---- */

static void
charge_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(KassaWindow) self = user_data;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(GError) error = NULL;

  invoice = kassa_counter_charge_finish (KASSA_COUNTER (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->counter == NULL)
    return;

  self->charging = FALSE;
  update_actions (self);

  if (invoice != NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->amount_entry), "");
      show_amount_error (self, NULL);
      set_phone_mode (self, FALSE);
    }
  else if (g_error_matches (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_PHONE))
    {
      /* Nothing was journaled: let the cashier fix the number. */
      show_phone_error (self, error->message);
    }
  else if (error->domain == KASSA_INPUT_ERROR ||
           g_error_matches (error, KASSA_COUNTER_ERROR, KASSA_COUNTER_ERROR_BUSY) ||
           g_error_matches (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_NOT_RECOVERED))
    {
      /* Nothing was journaled: the amount stays for another try. */
      set_phone_mode (self, FALSE);
      show_amount_error (self, error->message);
    }
  else
    {
      /* The sale was journaled and failed (or its outcome is being
       * resolved): the payment panel shows it, the entry is free again. */
      gtk_editable_set_text (GTK_EDITABLE (self->amount_entry), "");
      show_amount_error (self, NULL);
      set_phone_mode (self, FALSE);
      toast (self, error->message);
    }

  focus_input (self);
}

static void
charge (KassaWindow        *self,
        KassaInvoiceMethod  method,
        const char         *phone)
{
  g_autoptr(GError) error = NULL;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->amount_entry));
  gint64 amount = 0;

  if (self->charging)
    return;

  if (!kassa_amount_parse (text, &amount, &error))
    {
      set_phone_mode (self, FALSE);
      show_amount_error (self, error->message);
      focus_input (self);
      return;
    }

  show_amount_error (self, NULL);
  self->charging = TRUE;
  update_actions (self);
  kassa_counter_charge_async (self->counter, amount, method, phone, NULL, self->cancellable,
                              charge_done_cb, g_object_ref (self));
}

static void
submit_phone (KassaWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) phone = g_string_new (NULL);

  /* People type "9911 2233" or "9911-2233". */
  for (const char *p = gtk_editable_get_text (GTK_EDITABLE (self->phone_entry)); *p; p++)
    if (*p != ' ' && *p != '-')
      g_string_append_c (phone, *p);

  if (!kassa_phone_validate (phone->str, &error))
    {
      show_phone_error (self, error->message);
      focus_input (self);
      return;
    }

  show_phone_error (self, NULL);
  charge (self, KASSA_INVOICE_METHOD_PHONE, phone->str);
}

/* ---- cancel ---- */

static void
cancel_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(KassaWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (kassa_counter_cancel_finish (KASSA_COUNTER (source), result, &error))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->counter == NULL)
    return;
  /* The customer paid first: the banner says it, and says what happens. */
  if (self->invoice != NULL && kassa_invoice_get_paid_after_cancel (self->invoice))
    return;

  toast (self, error->message);
}

static void
cancel_payment (KassaWindow *self)
{
  kassa_counter_cancel_async (self->counter, self->cancellable, cancel_done_cb,
                              g_object_ref (self));
}

static void
on_cancel_dialog_response_cb (AdwMessageDialog *dialog,
                              const char       *response,
                              KassaWindow      *self)
{
  KassaInvoice *invoice = g_object_get_data (G_OBJECT (dialog), "invoice");

  /* The dialog closes itself after this; the invoice's moves must not destroy
   * it in the middle of its own signal. */
  g_clear_weak_pointer (&self->cancel_dialog);

  /* Only the payment the question was about, and only while it waits. */
  if (g_strcmp0 (response, "cancel") == 0 && invoice == self->invoice &&
      kassa_counter_get_open (self->counter))
    cancel_payment (self);

  focus_input (self);
}

static void
confirm_cancel (KassaWindow *self)
{
  g_autofree char *amount = kassa_amount_to_display (kassa_invoice_get_amount (self->invoice));
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;

  if (self->cancel_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->cancel_dialog));
      return;
    }

  /* Translators: %s is an amount, "1,500₮" */
  body = g_strdup_printf (_("The customer has not paid %s yet. If they pay after the cancel, "
                            "the payment is kept and Kassa tells you."), amount);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                       _("Cancel This Payment?"), body));
  adw_message_dialog_add_responses (dialog,
                                    "keep", _("_Keep Waiting"),
                                    "cancel", _("_Cancel Payment"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "cancel", ADW_RESPONSE_DESTRUCTIVE);
  /* Esc again keeps waiting, Enter confirms: both keys the cashier already has under a finger. */
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "keep");
  g_object_set_data_full (G_OBJECT (dialog), "invoice", g_object_ref (self->invoice),
                          g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_cancel_dialog_response_cb),
                           self, 0);
  g_set_weak_pointer (&self->cancel_dialog, GTK_WIDGET (dialog));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- actions ---- */

static GtkEditable *
active_editable (KassaWindow *self)
{
  return GTK_EDITABLE (phone_mode (self) ? self->phone_entry : self->amount_entry);
}

static void
keypad_insert_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  KassaWindow *self = KASSA_WINDOW (widget);
  GtkEditable *editable = active_editable (self);
  int start, end, position;

  if (gtk_editable_get_selection_bounds (editable, &start, &end))
    gtk_editable_delete_text (editable, start, end);
  position = gtk_editable_get_position (editable);
  gtk_editable_insert_text (editable, g_variant_get_string (parameter, NULL), -1, &position);
  gtk_editable_set_position (editable, position);
  focus_input (self);
}

static void
keypad_backspace_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  KassaWindow *self = KASSA_WINDOW (widget);
  GtkEditable *editable = active_editable (self);
  int start, end, position;

  if (gtk_editable_get_selection_bounds (editable, &start, &end))
    gtk_editable_delete_text (editable, start, end);
  else if ((position = gtk_editable_get_position (editable)) > 0)
    gtk_editable_delete_text (editable, position - 1, position);
  focus_input (self);
}

static void
clear_amount_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  KassaWindow *self = KASSA_WINDOW (widget);

  gtk_editable_set_text (active_editable (self), "");
  show_amount_error (self, NULL);
  show_phone_error (self, NULL);
  focus_input (self);
}

static void
charge_qr_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  KassaWindow *self = KASSA_WINDOW (widget);

  set_phone_mode (self, FALSE);
  charge (self, self->qr_method, NULL);
}

static void
charge_phone_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  KassaWindow *self = KASSA_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  gint64 amount = 0;

  if (phone_mode (self))
    {
      submit_phone (self);
      return;
    }

  /* The amount first, so that a typo shows before the phone is asked. */
  if (!kassa_amount_parse (gtk_editable_get_text (GTK_EDITABLE (self->amount_entry)),
                           &amount, &error))
    {
      show_amount_error (self, error->message);
      focus_input (self);
      return;
    }

  show_amount_error (self, NULL);
  set_phone_mode (self, TRUE);
}

static void
cancel_payment_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  KassaWindow *self = KASSA_WINDOW (widget);
  KassaInvoiceState state;

  if (self->invoice == NULL || !kassa_counter_get_open (self->counter))
    return;

  state = kassa_invoice_get_state (self->invoice);
  if (state == KASSA_INVOICE_AWAITING_PAYMENT)
    confirm_cancel (self);
  else if (state == KASSA_INVOICE_CANCELLING || state == KASSA_INVOICE_CANCEL_UNKNOWN)
    toast (self, _("The payment is already being cancelled."));
  else
    cancel_payment (self); /* the customer has no QR yet: nothing to confirm */
}

/* Esc steps back one thing at a time: the phone question, the open payment,
 * then what was typed. */
static void
escape_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  KassaWindow *self = KASSA_WINDOW (widget);

  if (phone_mode (self))
    set_phone_mode (self, FALSE);
  else if (kassa_counter_get_open (self->counter))
    cancel_payment_action (widget, action_name, parameter);
  else
    {
      gtk_editable_set_text (GTK_EDITABLE (self->amount_entry), "");
      show_amount_error (self, NULL);
    }
  focus_input (self);
}

static void
check_now_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  KassaWindow *self = KASSA_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!kassa_counter_check_now (self->counter, &error))
    toast (self, error->message);
  else
    toast (self, _("Asking the bank…"));
  focus_input (self);
}

static void
customer_acts_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  KassaWindow *self = KASSA_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  gboolean done;

  if (g_str_equal (action_name, "till.customer-pays"))
    done = kassa_counter_customer_pays (self->counter, &error);
  else
    done = kassa_counter_customer_declines (self->counter, &error);
  if (!done)
    toast (self, error->message);
  focus_input (self);
}

static void
dismiss_alert_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  KassaWindow *self = KASSA_WINDOW (widget);

  gtk_revealer_set_reveal_child (self->alert_revealer, FALSE);
  gtk_label_set_label (self->alert_label, "");
  focus_input (self);
}

/* ---- receipts not printed ---- */

#define PRINT_BANNER_LINES 3

static void
update_print_banner (KassaWindow *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint n = self->not_printed->len;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "till.reprint", n > 0);
  gtk_revealer_set_reveal_child (self->print_revealer, n > 0);
  /* The newest few: the window still fits a 1024 × 768 screen with a day's
   * worth of failed receipts (Reprint prints them all). */
  for (guint i = n > PRINT_BANNER_LINES ? n - PRINT_BANNER_LINES : 0; i < n; i++)
    {
      NotPrinted *item = g_ptr_array_index (self->not_printed, i);

      if (text->len > 0)
        g_string_append_c (text, '\n');
      /* Translators: an invoice number, then why its receipt was not printed */
      g_string_append_printf (text, _("Receipt not printed: %s (invoice %s)"), item->reason,
                              item->number);
    }
  if (n > PRINT_BANNER_LINES)
    {
      guint more = n - PRINT_BANNER_LINES;

      g_string_append_c (text, '\n');
      /* Translators: under the newest receipts not printed, how many older ones there are */
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "and %u more receipt not printed",
                                                 "and %u more receipts not printed", more),
                              more);
    }
  gtk_label_set_label (self->print_label, text->str);
}

static int
find_not_printed (KassaWindow *self,
                  const char  *number)
{
  for (guint i = 0; i < self->not_printed->len; i++)
    {
      NotPrinted *item = g_ptr_array_index (self->not_printed, i);

      if (g_strcmp0 (item->number, number) == 0)
        return (int) i;
    }

  return -1;
}

static void
set_not_printed (KassaWindow *self,
                 const char  *number,
                 const char  *reason)
{
  int i = find_not_printed (self, number);

  if (reason == NULL)
    {
      if (i >= 0)
        g_ptr_array_remove_index (self->not_printed, i);
    }
  else if (i >= 0)
    {
      NotPrinted *item = g_ptr_array_index (self->not_printed, i);

      g_free (item->reason);
      item->reason = g_strdup (reason);
    }
  else
    {
      NotPrinted *item = g_new0 (NotPrinted, 1);

      item->number = g_strdup (number);
      item->reason = g_strdup (reason);
      g_ptr_array_add (self->not_printed, item);
      gtk_widget_error_bell (GTK_WIDGET (self));
    }
  update_print_banner (self);
}

static void
on_print_queue_job_changed_cb (KassaPrintQueue *queue,
                               KassaPrintKind   kind,
                               const char      *number,
                               KassaPrintState  state,
                               const char      *error_text,
                               KassaWindow     *self)
{
  if (kind != KASSA_PRINT_KIND_RECEIPT || number == NULL)
    return;

  if (state == KASSA_PRINT_STATE_FAILED)
    set_not_printed (self, number, error_text != NULL ? error_text : _("unknown error"));
  else
    set_not_printed (self, number, NULL);
}

/* Today's receipts whose newest job failed, as the journal says (after a
 * restart too): one query, not one per sale. */
static void
load_not_printed (KassaWindow *self)
{
  KassaJournal *journal = kassa_till_get_journal (kassa_counter_get_till (self->counter));
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) midnight = g_date_time_new_local (g_date_time_get_year (now),
                                                         g_date_time_get_month (now),
                                                         g_date_time_get_day_of_month (now),
                                                         0, 0, 0);
  g_autoptr(GPtrArray) numbers = NULL;
  g_autoptr(GError) error = NULL;

  numbers = kassa_journal_list_failed_receipts (journal, midnight, &error);
  if (numbers == NULL)
    {
      g_warning ("The receipts not printed could not be read: %s", error->message);
      return;
    }

  for (guint i = 0; i < numbers->len; i++)
    {
      const char *number = g_ptr_array_index (numbers, i);
      g_autofree char *reason = NULL;

      if (kassa_print_queue_get_receipt_state (self->print_queue, number, &reason) ==
          KASSA_PRINT_STATE_FAILED)
        set_not_printed (self, number, reason != NULL ? reason : _("unknown error"));
    }
}

static void
reprinted_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The banner follows ::job-changed. */
  if (!kassa_print_queue_job_finish (KASSA_PRINT_QUEUE (source), result, NULL, &error))
    g_debug ("Reprint failed: %s", error->message);
}

static void
reprint_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  KassaWindow *self = KASSA_WINDOW (widget);
  KassaJournal *journal = kassa_till_get_journal (kassa_counter_get_till (self->counter));
  g_autoptr(GPtrArray) numbers = g_ptr_array_new_with_free_func (g_free);

  if (self->print_queue == NULL)
    return;

  /* Each once: a job that starts takes its receipt off the banner. */
  for (guint i = 0; i < self->not_printed->len; i++)
    g_ptr_array_add (numbers,
                     g_strdup (((NotPrinted *) g_ptr_array_index (self->not_printed, i))->number));
  for (guint i = 0; i < numbers->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KassaInvoice) invoice = kassa_journal_lookup (journal,
                                                              g_ptr_array_index (numbers, i),
                                                              &error);

      if (invoice == NULL)
        {
          set_not_printed (self, g_ptr_array_index (numbers, i), error->message);
          continue;
        }
      kassa_print_queue_print_receipt_async (self->print_queue, invoice, self->cancellable,
                                             reprinted_cb, NULL);
    }
  focus_input (self);
}

/* ---- keys in the entries ---- */

static gboolean
on_entry_key_pressed_cb (GtkEventControllerKey *controller,
                          guint                  keyval,
                          guint                  keycode,
                          GdkModifierType        state,
                          KassaWindow           *self)
{
  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return FALSE;

  switch (keyval)
    {
    case GDK_KEY_Delete:
    case GDK_KEY_KP_Delete:
      gtk_widget_activate_action (GTK_WIDGET (self), "till.clear-amount", NULL);
      return TRUE;
    case GDK_KEY_Escape:
      gtk_widget_activate_action (GTK_WIDGET (self), "till.escape", NULL);
      return TRUE;
    default:
      return FALSE;
    }
}

static void
on_amount_activate_cb (GtkEntry    *entry,
                       KassaWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "till.charge-qr", NULL);
}

static void
on_amount_changed_cb (GtkEditable *editable,
                      KassaWindow *self)
{
  show_amount_error (self, NULL);
}

static void
on_phone_activate_cb (GtkEntry    *entry,
                      KassaWindow *self)
{
  submit_phone (self);
}

static void
on_phone_changed_cb (GtkEditable *editable,
                     KassaWindow *self)
{
  show_phone_error (self, NULL);
}

static void
attach_entry_keys (KassaWindow *self,
                   GtkEntry    *entry)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  /* Before the entry's own text handling, which would delete one character. */
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (on_entry_key_pressed_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (entry), keys);
}

/* Which bank and terminal this till talks to, under the title: a shop that
 * has just entered its account sees at once that it is in real mode. */
static void
show_bank (KassaWindow *self,
           KassaTill   *till,
           gboolean     training)
{
  KassaBankClient *client = kassa_till_get_client (till);
  g_autoptr(GUri) uri = NULL;
  g_autofree char *host = NULL;
  g_autofree char *subtitle = NULL;

  if (training)
    {
      adw_window_title_set_subtitle (self->window_title, _("Training — no real money"));
      return;
    }

  uri = g_uri_parse (kassa_bank_client_get_base_url (client), G_URI_FLAGS_NONE, NULL);
  if (uri != NULL && g_uri_get_port (uri) > 0)
    host = g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
  else
    host = g_strdup (uri != NULL ? g_uri_get_host (uri) : kassa_bank_client_get_base_url (client));

  /* Translators: the cashier window's subtitle in real mode: a terminal id, then the bank's
   * host name (e.g. "Terminal 12345678 · instore.golomtbank.com") */
  subtitle = g_strdup_printf (_("Terminal %s · %s"), kassa_bank_client_get_terminal (client),
                              host);
  adw_window_title_set_subtitle (self->window_title, subtitle);
}

/* ---- size and state, remembered ---- */

/* Like GNOME's applications: the size it has when not maximized (GTK keeps
 * the default size at that), and whether it is maximized. */
static void
save_size (KassaWindow *self)
{
  int width = 0, height = 0;

  if (self->size_settings == NULL)
    return;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (width > 0 && height > 0)
    {
      GSettingsSchemaKey *key;
      g_autoptr(GSettingsSchema) schema = NULL;
      g_autoptr(GVariant) w = g_variant_ref_sink (g_variant_new_int32 (width));
      g_autoptr(GVariant) h = g_variant_ref_sink (g_variant_new_int32 (height));

      /* Out of the schema's range (a window on a huge monitor): not remembered. */
      g_object_get (self->size_settings, "settings-schema", &schema, NULL);
      key = g_settings_schema_get_key (schema, "window-width");
      if (g_settings_schema_key_range_check (key, w))
        g_settings_set_int (self->size_settings, "window-width", width);
      g_settings_schema_key_unref (key);
      key = g_settings_schema_get_key (schema, "window-height");
      if (g_settings_schema_key_range_check (key, h))
        g_settings_set_int (self->size_settings, "window-height", height);
      g_settings_schema_key_unref (key);
    }
  g_settings_set_boolean (self->size_settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
kassa_window_close_request (GtkWindow *window)
{
  save_size (KASSA_WINDOW (window));

  return GTK_WINDOW_CLASS (kassa_window_parent_class)->close_request (window);
}

/* ---- GObject ---- */

static void
kassa_window_constructed (GObject *object)
{
  KassaWindow *self = KASSA_WINDOW (object);
  KassaTill *till;
  GListModel *recent;
  GtkListItemFactory *factory;
  gboolean training;

  G_OBJECT_CLASS (kassa_window_parent_class)->constructed (object);

  g_return_if_fail (KASSA_IS_COUNTER (self->counter));

  till = kassa_counter_get_till (self->counter);
  training = kassa_counter_get_training (self->counter);
  gtk_revealer_set_reveal_child (self->training_revealer, training);
  gtk_widget_set_visible (self->training_box, training);
  if (training)
    gtk_widget_add_css_class (GTK_WIDGET (self), "training");
  show_bank (self, till, training);

  g_signal_connect_object (self->counter, "notify::current-invoice",
                           G_CALLBACK (on_counter_current_invoice_cb), self, 0);
  g_signal_connect_object (self->counter, "notify::open", G_CALLBACK (on_counter_open_cb), self, 0);
  g_signal_connect_object (self->counter, "message", G_CALLBACK (on_counter_message_cb), self, 0);
  g_signal_connect_object (till, "notify::connection-state",
                           G_CALLBACK (on_till_connection_state_cb), self, 0);
  on_till_connection_state_cb (till, NULL, self);

  recent = kassa_counter_get_recent_sales (self->counter);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect_object (factory, "setup", G_CALLBACK (setup_sale_row_cb), self, 0);
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_sale_row_cb), self, 0);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (unbind_sale_row_cb), self, 0);
  gtk_list_view_set_factory (self->recent_list, factory);
  g_object_unref (factory);
  g_signal_connect_object (recent, "items-changed", G_CALLBACK (on_recent_items_changed_cb),
                           self, 0);
  /* With sales today the list waits for the first frame (snapshot); with
   * none, "No sales yet today." is in it already. */
  if (g_list_model_get_n_items (recent) == 0)
    show_recent_sales (self);
  else
    on_recent_items_changed_cb (recent, 0, 0, 0, self);

  set_invoice (self, kassa_counter_get_current_invoice (self->counter));
  update_payment (self);
  update_actions (self);
  focus_input (self);
}

static void
kassa_window_dispose (GObject *object)
{
  KassaWindow *self = KASSA_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->recent_idle_id, g_source_remove);
  if (self->cancel_dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (self->cancel_dialog));
  g_clear_weak_pointer (&self->cancel_dialog);

  if (self->invoice != NULL)
    g_signal_handlers_disconnect_by_func (self->invoice, on_invoice_notify_cb, self);
  g_clear_object (&self->invoice);
  if (self->print_queue != NULL)
    g_signal_handlers_disconnect_by_data (self->print_queue, self);
  g_clear_object (&self->print_queue);
  if (self->counter != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->counter, self);
      g_signal_handlers_disconnect_by_data (kassa_counter_get_till (self->counter), self);
      g_signal_handlers_disconnect_by_data (kassa_counter_get_recent_sales (self->counter), self);
    }

  save_size (self);
  g_clear_object (&self->size_settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), KASSA_TYPE_WINDOW);
  g_clear_object (&self->counter);

  G_OBJECT_CLASS (kassa_window_parent_class)->dispose (object);
}

static void
kassa_window_finalize (GObject *object)
{
  KassaWindow *self = KASSA_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->not_printed, g_ptr_array_unref);

  G_OBJECT_CLASS (kassa_window_parent_class)->finalize (object);
}

static void
kassa_window_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  KassaWindow *self = KASSA_WINDOW (object);

  switch (prop_id)
    {
    case PROP_COUNTER:
      g_value_set_object (value, self->counter);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_window_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  KassaWindow *self = KASSA_WINDOW (object);

  switch (prop_id)
    {
    case PROP_COUNTER:
      self->counter = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_window_class_init (KassaWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = kassa_window_constructed;
  object_class->dispose = kassa_window_dispose;
  object_class->finalize = kassa_window_finalize;
  object_class->get_property = kassa_window_get_property;
  object_class->set_property = kassa_window_set_property;
  GTK_WINDOW_CLASS (klass)->close_request = kassa_window_close_request;
  widget_class->snapshot = kassa_window_snapshot;

  properties[PROP_COUNTER] =
    g_param_spec_object ("counter", NULL, NULL, KASSA_TYPE_COUNTER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/mn/kassa/Kassa/ui/kassa-window.ui");
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, connection_box);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, connection_icon);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, connection_label);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, training_revealer);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, alert_revealer);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, alert_label);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, print_revealer);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, print_label);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, amount_entry);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, amount_error_revealer);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, amount_error_label);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, phone_revealer);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, phone_entry);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, phone_error_label);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, payment_amount_label);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, payment_state_label);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, payment_number_label);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, payment_time_label);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, payment_error_label);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, training_box);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, recent_empty_label);
  gtk_widget_class_bind_template_child (widget_class, KassaWindow, recent_list);

  gtk_widget_class_install_action (widget_class, "till.keypad-insert", "s", keypad_insert_action);
  gtk_widget_class_install_action (widget_class, "till.keypad-backspace", NULL,
                                   keypad_backspace_action);
  gtk_widget_class_install_action (widget_class, "till.clear-amount", NULL, clear_amount_action);
  gtk_widget_class_install_action (widget_class, "till.charge-qr", NULL, charge_qr_action);
  gtk_widget_class_install_action (widget_class, "till.charge-phone", NULL, charge_phone_action);
  gtk_widget_class_install_action (widget_class, "till.cancel-payment", NULL,
                                   cancel_payment_action);
  gtk_widget_class_install_action (widget_class, "till.escape", NULL, escape_action);
  gtk_widget_class_install_action (widget_class, "till.check-now", NULL, check_now_action);
  gtk_widget_class_install_action (widget_class, "till.customer-pays", NULL,
                                   customer_acts_action);
  gtk_widget_class_install_action (widget_class, "till.customer-declines", NULL,
                                   customer_acts_action);
  gtk_widget_class_install_action (widget_class, "till.dismiss-alert", NULL,
                                   dismiss_alert_action);
  gtk_widget_class_install_action (widget_class, "till.reprint", NULL, reprint_action);

  /* docs/cashier.md lists these; help-overlay.ui shows them. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F2, 0, "till.charge-phone", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                       "till.charge-phone", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "till.escape", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "till.check-now", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "till.reprint",
                                       NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "till.customer-pays", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, 0, "till.customer-declines",
                                       NULL);
}

static void
kassa_window_init (KassaWindow *self)
{
  self->cancellable = g_cancellable_new ();
  self->not_printed = g_ptr_array_new_with_free_func ((GDestroyNotify) not_printed_free);

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "till.reprint", FALSE);

  g_signal_connect_object (self->amount_entry, "activate", G_CALLBACK (on_amount_activate_cb),
                           self, 0);
  g_signal_connect_object (self->amount_entry, "changed", G_CALLBACK (on_amount_changed_cb),
                           self, 0);
  g_signal_connect_object (self->phone_entry, "activate", G_CALLBACK (on_phone_activate_cb),
                           self, 0);
  g_signal_connect_object (self->phone_entry, "changed", G_CALLBACK (on_phone_changed_cb),
                           self, 0);
  attach_entry_keys (self, self->amount_entry);
  attach_entry_keys (self, self->phone_entry);
}

/* ---- public API ---- */

KassaWindow *
kassa_window_new (GtkApplication *application,
                  KassaCounter   *counter)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (KASSA_IS_COUNTER (counter), NULL);

  return g_object_new (KASSA_TYPE_WINDOW,
                       "application", application,
                       "counter", counter,
                       NULL);
}

KassaCounter *
kassa_window_get_counter (KassaWindow *self)
{
  g_return_val_if_fail (KASSA_IS_WINDOW (self), NULL);

  return self->counter;
}

void
kassa_window_set_qr_method (KassaWindow        *self,
                            KassaInvoiceMethod  method)
{
  g_return_if_fail (KASSA_IS_WINDOW (self));
  g_return_if_fail (method == KASSA_INVOICE_METHOD_QR ||
                    method == KASSA_INVOICE_METHOD_DEEPLINK);

  self->qr_method = method;
}

KassaInvoiceMethod
kassa_window_get_qr_method (KassaWindow *self)
{
  g_return_val_if_fail (KASSA_IS_WINDOW (self), KASSA_INVOICE_METHOD_QR);

  return self->qr_method;
}

void
kassa_window_add_alert (KassaWindow *self,
                        const char  *text)
{
  const char *shown;

  g_return_if_fail (KASSA_IS_WINDOW (self));

  if (text == NULL || *text == '\0')
    return;

  /* Several pieces of news may come before the cashier looks: keep them all. */
  shown = gtk_label_get_label (self->alert_label);
  if (gtk_revealer_get_reveal_child (self->alert_revealer) && shown != NULL && *shown != '\0')
    {
      g_autofree char *both = g_strconcat (shown, "\n", text, NULL);

      gtk_label_set_label (self->alert_label, both);
    }
  else
    gtk_label_set_label (self->alert_label, text);

  gtk_revealer_set_reveal_child (self->alert_revealer, TRUE);
  gtk_widget_error_bell (GTK_WIDGET (self));
}

static void
maximize_on_enter_cb (GdkSurface *surface,
                      GdkMonitor *monitor,
                      GtkWindow  *window)
{
  g_signal_handlers_disconnect_by_func (surface, maximize_on_enter_cb, window);
  gtk_window_maximize (window);
}

static void
maximize_on_realize_cb (GtkWidget *widget,
                        gpointer   user_data)
{
  g_signal_handlers_disconnect_by_func (widget, maximize_on_realize_cb, user_data);
  g_signal_connect_object (gtk_native_get_surface (GTK_NATIVE (widget)), "enter-monitor",
                           G_CALLBACK (maximize_on_enter_cb), widget, 0);
}

void
kassa_window_remember_size (KassaWindow *self,
                            GSettings   *settings)
{
  GListModel *monitors;
  int width, height;
  guint n;

  g_return_if_fail (KASSA_IS_WINDOW (self));
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (!gtk_widget_get_realized (GTK_WIDGET (self)));

  g_set_object (&self->size_settings, settings);
  width = g_settings_get_int (settings, "window-width");
  height = g_settings_get_int (settings, "window-height");

  /* Remembered on a larger monitor than any there is now: no bigger than
   * the smallest, so that all of it is on screen wherever it opens. */
  monitors = gdk_display_get_monitors (gtk_widget_get_display (GTK_WIDGET (self)));
  n = g_list_model_get_n_items (monitors);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);
      GdkRectangle geometry;

      gdk_monitor_get_geometry (monitor, &geometry);
      width = MIN (width, geometry.width);
      height = MIN (height, geometry.height);
    }

  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
  /* Maximized once the compositor has put it on a monitor (its surface
   * entered one), not before. weston 10 maximizes a window that asks before
   * it is on screen on the output of the pointer's focus (with none: a
   * 0 × 0 configure, then it ends the connection as the window is not
   * 0 × 0), and on the window's next frame moves it to its first output:
   * the cashier window would end under the customer display. */
  if (g_settings_get_boolean (settings, "window-maximized"))
    g_signal_connect (self, "realize", G_CALLBACK (maximize_on_realize_cb), NULL);
}

void
kassa_window_set_print_queue (KassaWindow     *self,
                              KassaPrintQueue *queue)
{
  g_return_if_fail (KASSA_IS_WINDOW (self));
  g_return_if_fail (queue == NULL || KASSA_IS_PRINT_QUEUE (queue));

  if (self->print_queue == queue)
    return;

  if (self->print_queue != NULL)
    g_signal_handlers_disconnect_by_data (self->print_queue, self);
  g_set_object (&self->print_queue, queue);
  g_ptr_array_set_size (self->not_printed, 0);
  if (queue != NULL)
    {
      g_signal_connect_object (queue, "job-changed",
                               G_CALLBACK (on_print_queue_job_changed_cb), self, 0);
      load_not_printed (self);
    }
  update_print_banner (self);
}

const char *
kassa_window_get_print_message (KassaWindow *self)
{
  g_return_val_if_fail (KASSA_IS_WINDOW (self), NULL);

  if (self->not_printed->len == 0)
    return NULL;

  return gtk_label_get_label (self->print_label);
}
