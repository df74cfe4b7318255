/* kassa-pin-dialog.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-pin-dialog.h"

#include <string.h>

#include <glib/gi18n.h>

struct _KassaPinDialog
{
  AdwWindow     parent_instance;

  GtkWidget    *confirm_button;
  GtkWidget    *prompt_label;
  GtkWidget    *pin_entry;
  GtkWidget    *message_label;

  KassaManager *manager;
  char         *action;
  GTask        *task;         /* of kassa_pin_dialog_ask(), or NULL */
  GCancellable *checking;     /* the authorisation in flight */
  guint         wait_id;      /* the rate limit's countdown */
  GCancellable *ask_cancellable;
  gulong        ask_handler;
  gboolean      authorised;
};

G_DEFINE_FINAL_TYPE (KassaPinDialog, kassa_pin_dialog, ADW_TYPE_WINDOW)

static void
set_message (KassaPinDialog *self,
             const char     *message)
{
  gtk_label_set_label (GTK_LABEL (self->message_label), message != NULL ? message : "");
  gtk_widget_set_visible (self->message_label, message != NULL);
}

static void
update_sensitivity (KassaPinDialog *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "pin.confirm",
                                 self->checking == NULL && self->wait_id == 0);
  /* Not insensitive: the focused field would lose the keyboard unannounced. */
  gtk_editable_set_editable (GTK_EDITABLE (self->pin_entry), self->checking == NULL);
}

static gboolean
countdown_cb (gpointer data)
{
  KassaPinDialog *self = data;
  guint wait = kassa_manager_get_wait (self->manager);
  g_autofree char *text = NULL;

  if (wait == 0)
    {
      self->wait_id = 0;
      set_message (self, _("You can try the PIN again."));
      update_sensitivity (self);
      return G_SOURCE_REMOVE;
    }

  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "Too many wrong PINs. Try again in %u second.",
                                       "Too many wrong PINs. Try again in %u seconds.", wait),
                          wait);
  set_message (self, text);
  return G_SOURCE_CONTINUE;
}

static void
start_countdown (KassaPinDialog *self)
{
  if (self->wait_id != 0 || kassa_manager_get_wait (self->manager) == 0)
    return;

  self->wait_id = g_timeout_add_seconds (1, countdown_cb, self);
  countdown_cb (self);
  update_sensitivity (self);
}

static void
authorised_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(KassaPinDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = kassa_manager_authorise_finish (KASSA_MANAGER (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->checking);
  update_sensitivity (self);

  if (ok)
    {
      self->authorised = TRUE;
      if (self->task != NULL)
        g_task_return_boolean (g_steal_pointer (&self->task), TRUE);
      gtk_window_close (GTK_WINDOW (self));
      return;
    }

  gtk_editable_set_text (GTK_EDITABLE (self->pin_entry), "");
  gtk_widget_grab_focus (self->pin_entry);
  set_message (self, error->message);
  if (g_error_matches (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_RATE_LIMITED) ||
      g_error_matches (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_WRONG_PIN))
    start_countdown (self);

  if (g_error_matches (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_NO_PIN) &&
      self->task != NULL)
    {
      g_task_return_error (g_steal_pointer (&self->task), g_steal_pointer (&error));
      gtk_window_close (GTK_WINDOW (self));
    }
}

static void
confirm_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  KassaPinDialog *self = KASSA_PIN_DIALOG (widget);
  g_autofree char *pin = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->pin_entry)));
  g_autoptr(GError) error = NULL;

  if (self->checking != NULL || self->wait_id != 0)
    return;

  if (!kassa_manager_check_pin_format (pin, &error))
    {
      set_message (self, error->message);
      gtk_widget_grab_focus (self->pin_entry);
      explicit_bzero (pin, strlen (pin));
      return;
    }

  set_message (self, NULL);
  self->checking = g_cancellable_new ();
  update_sensitivity (self);
  kassa_manager_authorise_async (self->manager, pin, self->action, NULL, self->checking,
                                 authorised_cb, g_object_ref (self));
  explicit_bzero (pin, strlen (pin));
}

static gboolean
kassa_pin_dialog_close_request (GtkWindow *window)
{
  KassaPinDialog *self = KASSA_PIN_DIALOG (window);

  if (self->checking != NULL)
    g_cancellable_cancel (self->checking);
  g_clear_object (&self->checking);
  if (self->task != NULL)
    g_task_return_new_error (g_steal_pointer (&self->task), G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _("No PIN was entered"));

  return GTK_WINDOW_CLASS (kassa_pin_dialog_parent_class)->close_request (window);
}

static void
kassa_pin_dialog_dispose (GObject *object)
{
  KassaPinDialog *self = KASSA_PIN_DIALOG (object);

  g_clear_handle_id (&self->wait_id, g_source_remove);
  if (self->ask_cancellable != NULL)
    g_cancellable_disconnect (self->ask_cancellable, self->ask_handler);
  self->ask_handler = 0;
  g_clear_object (&self->ask_cancellable);
  if (self->checking != NULL)
    g_cancellable_cancel (self->checking);
  g_clear_object (&self->checking);
  if (self->task != NULL)
    g_task_return_new_error (g_steal_pointer (&self->task), G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _("No PIN was entered"));
  gtk_widget_dispose_template (GTK_WIDGET (object), KASSA_TYPE_PIN_DIALOG);

  G_OBJECT_CLASS (kassa_pin_dialog_parent_class)->dispose (object);
}

static void
kassa_pin_dialog_finalize (GObject *object)
{
  KassaPinDialog *self = KASSA_PIN_DIALOG (object);

  g_clear_object (&self->manager);
  g_free (self->action);

  G_OBJECT_CLASS (kassa_pin_dialog_parent_class)->finalize (object);
}

static void
kassa_pin_dialog_class_init (KassaPinDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = kassa_pin_dialog_dispose;
  object_class->finalize = kassa_pin_dialog_finalize;
  window_class->close_request = kassa_pin_dialog_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/mn/kassa/Kassa/ui/kassa-pin-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, KassaPinDialog, confirm_button);
  gtk_widget_class_bind_template_child (widget_class, KassaPinDialog, prompt_label);
  gtk_widget_class_bind_template_child (widget_class, KassaPinDialog, pin_entry);
  gtk_widget_class_bind_template_child (widget_class, KassaPinDialog, message_label);

  gtk_widget_class_install_action (widget_class, "pin.confirm", NULL, confirm_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
kassa_pin_dialog_init (KassaPinDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWindow *
kassa_pin_dialog_new (GtkWindow    *parent,
                      KassaManager *manager,
                      const char   *action,
                      const char   *title)
{
  KassaPinDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (KASSA_IS_MANAGER (manager), NULL);
  g_return_val_if_fail (action != NULL, NULL);

  self = g_object_new (KASSA_TYPE_PIN_DIALOG, "transient-for", parent, NULL);
  self->manager = g_object_ref (manager);
  self->action = g_strdup (action);
  /* The title says what the PIN is for; the prompt what to do (the same
   * words twice read as a mistake). */
  gtk_label_set_label (GTK_LABEL (self->prompt_label), _("Enter the manager PIN."));
  if (title != NULL)
    gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_widget_grab_focus (self->pin_entry);
  start_countdown (self);

  return GTK_WINDOW (self);
}

const char *
kassa_pin_dialog_get_message (KassaPinDialog *self)
{
  g_return_val_if_fail (KASSA_IS_PIN_DIALOG (self), NULL);

  if (!gtk_widget_get_visible (self->message_label))
    return NULL;
  return gtk_label_get_label (GTK_LABEL (self->message_label));
}

static void
ask_cancelled_cb (GCancellable   *cancellable,
                  KassaPinDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

void
kassa_pin_dialog_ask (GtkWindow           *parent,
                      KassaManager        *manager,
                      const char          *action,
                      const char          *title,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  KassaPinDialog *self;

  g_return_if_fail (KASSA_IS_MANAGER (manager));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_pin_dialog_ask);

  if (!kassa_manager_has_pin (manager))
    {
      g_task_return_new_error (task, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_NO_PIN,
                               _("No manager PIN has been set yet"));
      return;
    }

  self = KASSA_PIN_DIALOG (kassa_pin_dialog_new (parent, manager, action, title));
  self->task = g_steal_pointer (&task);
  if (cancellable != NULL)
    {
      self->ask_cancellable = g_object_ref (cancellable);
      /* No reference: the handler is disconnected when the dialog goes. */
      self->ask_handler = g_cancellable_connect (cancellable, G_CALLBACK (ask_cancelled_cb),
                                                 self, NULL);
    }
  gtk_window_present (GTK_WINDOW (self));
}

gboolean
kassa_pin_dialog_ask_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == kassa_pin_dialog_ask, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
