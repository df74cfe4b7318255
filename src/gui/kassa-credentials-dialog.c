/* kassa-credentials-dialog.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-credentials-dialog.h"

#include "kassa-account-form.h"
#include "kassa-secret-store.h"

struct _KassaCredentialsDialog
{
  AdwWindow         parent_instance;

  /* Template widgets */
  KassaAccountForm *form;
};

enum {
  SIGNAL_SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KassaCredentialsDialog, kassa_credentials_dialog, ADW_TYPE_WINDOW)

/* ------------------------------------------------------------------ */
/* Callbacks                                                           */

static void
test_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  kassa_account_form_test (KASSA_CREDENTIALS_DIALOG (widget)->form);
}

static void
save_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  kassa_account_form_save (KASSA_CREDENTIALS_DIALOG (widget)->form);
}

static void
on_form_status_cb (KassaCredentialsDialog *self)
{
  kassa_account_form_update_actions (self->form, GTK_WIDGET (self));
}

static void
on_form_saved_cb (KassaCredentialsDialog *self)
{
  g_signal_emit (self, signals[SIGNAL_SAVED], 0);
}

/* The form works on @settings and the secret store; the dialog owns its actions. */
static void
setup_form (KassaCredentialsDialog *self,
            GSettings              *settings)
{
  g_autoptr(KassaSecretStore) store = kassa_secret_store_new (KASSA_SECRET_BACKEND_AUTO, NULL);
  g_autoptr(KassaCredentials) credentials = kassa_credentials_new (store, settings);

  kassa_account_form_set_credentials (self->form, credentials);

  g_signal_connect_object (self->form, "notify::status", G_CALLBACK (on_form_status_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->form, "saved", G_CALLBACK (on_form_saved_cb), self,
                           G_CONNECT_SWAPPED);

  gtk_widget_grab_focus (GTK_WIDGET (self->form));
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static void
kassa_credentials_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), KASSA_TYPE_CREDENTIALS_DIALOG);

  G_OBJECT_CLASS (kassa_credentials_dialog_parent_class)->dispose (object);
}

static void
kassa_credentials_dialog_class_init (KassaCredentialsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kassa_credentials_dialog_dispose;

  signals[SIGNAL_SAVED] =
    g_signal_new ("saved",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  g_type_ensure (KASSA_TYPE_ACCOUNT_FORM);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/mn/kassa/Kassa/ui/kassa-credentials-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, KassaCredentialsDialog, form);

  gtk_widget_class_install_action (widget_class, "credentials.test", NULL, test_action_cb);
  gtk_widget_class_install_action (widget_class, "credentials.save", NULL, save_action_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
kassa_credentials_dialog_init (KassaCredentialsDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

GtkWindow *
kassa_credentials_dialog_new (GtkWindow *parent,
                              GSettings *settings)
{
  KassaCredentialsDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (KASSA_TYPE_CREDENTIALS_DIALOG,
                       "transient-for", parent,
                       "application", parent != NULL ? gtk_window_get_application (parent) : NULL,
                       NULL);
  setup_form (self, settings);

  return GTK_WINDOW (self);
}

KassaCredentialsStatus
kassa_credentials_dialog_get_status (KassaCredentialsDialog *self)
{
  g_return_val_if_fail (KASSA_IS_CREDENTIALS_DIALOG (self), KASSA_CREDENTIALS_STATUS_NONE);

  return kassa_account_form_get_status (self->form);
}

const char *
kassa_credentials_dialog_get_status_message (KassaCredentialsDialog *self)
{
  g_return_val_if_fail (KASSA_IS_CREDENTIALS_DIALOG (self), NULL);

  return kassa_account_form_get_status_message (self->form);
}

static GtkEditable *
get_row (KassaCredentialsDialog *self,
         KassaCredentialsField   field)
{
  g_return_val_if_fail (KASSA_IS_CREDENTIALS_DIALOG (self), NULL);

  return kassa_account_form_get_row (self->form, field);
}

GtkEditable *
kassa_credentials_dialog_get_terminal_row (KassaCredentialsDialog *self)
{
  return get_row (self, KASSA_CREDENTIALS_FIELD_TERMINAL);
}

GtkEditable *
kassa_credentials_dialog_get_secret_row (KassaCredentialsDialog *self)
{
  return get_row (self, KASSA_CREDENTIALS_FIELD_SECRET);
}

GtkEditable *
kassa_credentials_dialog_get_url_row (KassaCredentialsDialog *self)
{
  return get_row (self, KASSA_CREDENTIALS_FIELD_URL);
}

void
kassa_credentials_dialog_set_test_timeout (KassaCredentialsDialog *self,
                                           guint                   seconds)
{
  g_return_if_fail (KASSA_IS_CREDENTIALS_DIALOG (self));

  kassa_account_form_set_test_timeout (self->form, seconds);
}
