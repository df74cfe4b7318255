/* kassa-refund-dialog.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-refund-dialog.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kassa-amount.h"
#include "kassa-manager.h"
#include "kassa-print-settings.h"

struct _KassaRefundDialog
{
  AdwWindow           parent_instance;

  GtkWidget          *close_button;
  GtkWidget          *refund_button;
  GtkWidget          *number_row;
  GtkWidget          *amount_row;
  GtkWidget          *time_row;
  GtkWidget          *card_row;
  GtkWidget          *reason_row;
  GtkWidget          *pin_row;
  GtkWidget          *message_label;

  KassaCounter       *counter;
  KassaInvoice       *invoice;
  GSettings          *settings;
  KassaPrintQueue    *print_queue;   /* may be NULL */
  GCancellable       *cancellable;
  KassaRefundOutcome  outcome;
  char               *message;
};

enum {
  PROP_0,
  PROP_OUTCOME,
  PROP_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (KassaRefundDialog, kassa_refund_dialog, ADW_TYPE_WINDOW)

G_DEFINE_ENUM_TYPE (KassaRefundOutcome, kassa_refund_outcome,
  G_DEFINE_ENUM_VALUE (KASSA_REFUND_OUTCOME_NONE, "none"),
  G_DEFINE_ENUM_VALUE (KASSA_REFUND_OUTCOME_SENDING, "sending"),
  G_DEFINE_ENUM_VALUE (KASSA_REFUND_OUTCOME_REFUNDED, "refunded"),
  G_DEFINE_ENUM_VALUE (KASSA_REFUND_OUTCOME_REFUSED, "refused"),
  G_DEFINE_ENUM_VALUE (KASSA_REFUND_OUTCOME_UNKNOWN, "unknown"))

static void
set_state (KassaRefundDialog  *self,
           KassaRefundOutcome  outcome,
           const char         *message,
           gboolean            is_error)
{
  g_free (self->message);
  self->message = g_strdup (message);
  gtk_label_set_label (GTK_LABEL (self->message_label), message != NULL ? message : "");
  gtk_widget_set_visible (self->message_label, message != NULL);
  if (is_error)
    gtk_widget_add_css_class (self->message_label, "inline-error");
  else
    gtk_widget_remove_css_class (self->message_label, "inline-error");

  if (self->outcome != outcome)
    {
      self->outcome = outcome;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTCOME]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);

  /* Once the bank has been asked, there is nothing left to confirm. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "refund.confirm",
                                 outcome == KASSA_REFUND_OUTCOME_NONE &&
                                 kassa_invoice_get_state (self->invoice) == KASSA_INVOICE_PAID);
  /* Not insensitive: a focused field that turns insensitive loses the
   * keyboard without a focus-out (GTK warns), and the PIN is typed again. */
  gtk_editable_set_editable (GTK_EDITABLE (self->reason_row), outcome == KASSA_REFUND_OUTCOME_NONE);
  gtk_editable_set_editable (GTK_EDITABLE (self->pin_row), outcome == KASSA_REFUND_OUTCOME_NONE);
  if (outcome != KASSA_REFUND_OUTCOME_NONE && outcome != KASSA_REFUND_OUTCOME_SENDING)
    {
      gtk_button_set_label (GTK_BUTTON (self->close_button), _("_Close"));
      gtk_window_set_default_widget (GTK_WINDOW (self), self->close_button);
      gtk_widget_grab_focus (self->close_button);
    }
}

static void
print_receipt (KassaRefundDialog *self)
{
  g_autoptr(GError) error = NULL;

  if (self->settings == NULL || !g_settings_get_boolean (self->settings, "auto-print-receipts"))
    return;

  /* The refund receipt: through the queue when a receipt printer is set
   * (a failure is then on the cashier window's banner, with Reprint). */
  if (!kassa_print_settings_print_receipt (self->settings, self->print_queue, GTK_WINDOW (self),
                                           self->invoice, NULL, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_("%s The receipt was not printed: %s"),
                                               self->message, error->message);

      set_state (self, self->outcome, text, TRUE);
    }
}

static void
refunded_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(KassaRefundDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (kassa_till_refund_finish (KASSA_TILL (source), result, &error))
    {
      g_autofree char *amount = kassa_amount_to_display (kassa_invoice_get_amount (self->invoice));

      text = g_strdup_printf (_("Refunded %s to the customer."), amount);
      set_state (self, KASSA_REFUND_OUTCOME_REFUNDED, text, FALSE);
      print_receipt (self);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (error->domain == KASSA_MANAGER_ERROR)
    {
      /* Nothing was sent: the PIN can be typed again. */
      set_state (self, KASSA_REFUND_OUTCOME_NONE, error->message, TRUE);
      gtk_editable_set_text (GTK_EDITABLE (self->pin_row), "");
      gtk_widget_grab_focus (self->pin_row);
    }
  else if (g_error_matches (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_UNKNOWN_OUTCOME))
    {
      text = g_strdup_printf (_("The bank's answer was lost: the outcome is unknown — it will "
                                "be checked. (%s)"), error->message);
      set_state (self, KASSA_REFUND_OUTCOME_UNKNOWN, text, TRUE);
    }
  else if (kassa_invoice_get_state (self->invoice) == KASSA_INVOICE_PAID)
    {
      text = g_strdup_printf (_("The refund was refused; the sale stays paid. %s"),
                              error->message);
      set_state (self, KASSA_REFUND_OUTCOME_REFUSED, text, TRUE);
    }
  else
    set_state (self, KASSA_REFUND_OUTCOME_REFUSED, error->message, TRUE);
}

static void
confirm_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  KassaRefundDialog *self = KASSA_REFUND_DIALOG (widget);
  g_autofree char *reason = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->reason_row))));
  g_autofree char *pin = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->pin_row)));
  g_autoptr(GError) error = NULL;

  if (self->outcome != KASSA_REFUND_OUTCOME_NONE)
    goto out;

  if (*reason == '\0')
    {
      set_state (self, KASSA_REFUND_OUTCOME_NONE, _("Enter the reason for the refund."), TRUE);
      gtk_widget_grab_focus (self->reason_row);
      goto out;
    }
  if (!kassa_manager_check_pin_format (pin, &error))
    {
      set_state (self, KASSA_REFUND_OUTCOME_NONE, error->message, TRUE);
      gtk_widget_grab_focus (self->pin_row);
      goto out;
    }

  set_state (self, KASSA_REFUND_OUTCOME_SENDING, _("Refunding…"), FALSE);
  kassa_till_refund_async (kassa_counter_get_till (self->counter), self->invoice, pin, reason,
                           self->cancellable, refunded_cb, g_object_ref (self));

out:
  explicit_bzero (pin, strlen (pin));
}

static void
show_invoice (KassaRefundDialog *self)
{
  g_autofree char *amount = kassa_amount_to_display (kassa_invoice_get_amount (self->invoice));
  g_autoptr(GDateTime) local = g_date_time_to_local (kassa_invoice_get_created (self->invoice));
  g_autofree char *time = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
  g_autofree char *card = kassa_report_mask_card (kassa_invoice_get_card_number (self->invoice));

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->number_row),
                               kassa_invoice_get_number (self->invoice));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->amount_row), amount);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->time_row), time);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->card_row), card != NULL ? card : "—");

  if (kassa_invoice_get_state (self->invoice) != KASSA_INVOICE_PAID)
    {
      g_autofree char *text =
        g_strdup_printf (_("Only a paid sale can be refunded; this one is %s."),
                         kassa_invoice_state_to_string (kassa_invoice_get_state (self->invoice)));

      set_state (self, KASSA_REFUND_OUTCOME_NONE, text, TRUE);
    }
  else
    set_state (self, KASSA_REFUND_OUTCOME_NONE, NULL, FALSE);
}

static void
kassa_refund_dialog_dispose (GObject *object)
{
  KassaRefundDialog *self = KASSA_REFUND_DIALOG (object);

  /* The refund itself goes on in the till; only our callback is dropped. */
  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (object), KASSA_TYPE_REFUND_DIALOG);

  G_OBJECT_CLASS (kassa_refund_dialog_parent_class)->dispose (object);
}

static void
kassa_refund_dialog_finalize (GObject *object)
{
  KassaRefundDialog *self = KASSA_REFUND_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->counter);
  g_clear_object (&self->invoice);
  g_clear_object (&self->settings);
  g_clear_object (&self->print_queue);
  g_free (self->message);

  G_OBJECT_CLASS (kassa_refund_dialog_parent_class)->finalize (object);
}

static void
kassa_refund_dialog_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  KassaRefundDialog *self = KASSA_REFUND_DIALOG (object);

  switch (prop_id)
    {
    case PROP_OUTCOME:
      g_value_set_enum (value, self->outcome);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_refund_dialog_class_init (KassaRefundDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kassa_refund_dialog_dispose;
  object_class->finalize = kassa_refund_dialog_finalize;
  object_class->get_property = kassa_refund_dialog_get_property;

  properties[PROP_OUTCOME] =
    g_param_spec_enum ("outcome", NULL, NULL, KASSA_TYPE_REFUND_OUTCOME,
                       KASSA_REFUND_OUTCOME_NONE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MESSAGE] =
    g_param_spec_string ("message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/mn/kassa/Kassa/ui/kassa-refund-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, KassaRefundDialog, close_button);
  gtk_widget_class_bind_template_child (widget_class, KassaRefundDialog, refund_button);
  gtk_widget_class_bind_template_child (widget_class, KassaRefundDialog, number_row);
  gtk_widget_class_bind_template_child (widget_class, KassaRefundDialog, amount_row);
  gtk_widget_class_bind_template_child (widget_class, KassaRefundDialog, time_row);
  gtk_widget_class_bind_template_child (widget_class, KassaRefundDialog, card_row);
  gtk_widget_class_bind_template_child (widget_class, KassaRefundDialog, reason_row);
  gtk_widget_class_bind_template_child (widget_class, KassaRefundDialog, pin_row);
  gtk_widget_class_bind_template_child (widget_class, KassaRefundDialog, message_label);

  gtk_widget_class_install_action (widget_class, "refund.confirm", NULL, confirm_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
kassa_refund_dialog_init (KassaRefundDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

GtkWindow *
kassa_refund_dialog_new (GtkWindow    *parent,
                         KassaCounter *counter,
                         KassaInvoice *invoice,
                         GSettings    *settings)
{
  KassaRefundDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (KASSA_IS_COUNTER (counter), NULL);
  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (KASSA_TYPE_REFUND_DIALOG, "transient-for", parent, NULL);
  self->counter = g_object_ref (counter);
  self->invoice = g_object_ref (invoice);
  self->settings = settings != NULL ? g_object_ref (settings) : NULL;
  show_invoice (self);
  gtk_widget_grab_focus (self->reason_row);

  return GTK_WINDOW (self);
}

KassaInvoice *
kassa_refund_dialog_get_invoice (KassaRefundDialog *self)
{
  g_return_val_if_fail (KASSA_IS_REFUND_DIALOG (self), NULL);

  return self->invoice;
}

KassaRefundOutcome
kassa_refund_dialog_get_outcome (KassaRefundDialog *self)
{
  g_return_val_if_fail (KASSA_IS_REFUND_DIALOG (self), KASSA_REFUND_OUTCOME_NONE);

  return self->outcome;
}

const char *
kassa_refund_dialog_get_message (KassaRefundDialog *self)
{
  g_return_val_if_fail (KASSA_IS_REFUND_DIALOG (self), NULL);

  return self->message;
}

void
kassa_refund_dialog_set_print_queue (KassaRefundDialog *self,
                                     KassaPrintQueue   *queue)
{
  g_return_if_fail (KASSA_IS_REFUND_DIALOG (self));
  g_return_if_fail (queue == NULL || KASSA_IS_PRINT_QUEUE (queue));

  g_set_object (&self->print_queue, queue);
}
