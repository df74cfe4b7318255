/* kassa-credentials-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-credentials-dialog.h"

#include "kassa-account-form.h"
#include "kassa-secret-store.h"

struct _KassaCredentialsDialog
{
  AdwWindow         parent_instance;

  GSettings        *settings;

  /* Template widgets */
  KassaAccountForm *form;
};

enum {
  PROP_0,
  PROP_SETTINGS,
  PROP_STATUS,
  PROP_STATUS_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

static void
on_form_status_message_cb (KassaCredentialsDialog *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_MESSAGE]);
}

static void
on_form_saved_cb (KassaCredentialsDialog *self)
{
  g_signal_emit (self, signals[SIGNAL_SAVED], 0);
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static void
kassa_credentials_dialog_constructed (GObject *object)
{
  KassaCredentialsDialog *self = KASSA_CREDENTIALS_DIALOG (object);
  g_autoptr(KassaSecretStore) store = NULL;
  g_autoptr(KassaCredentials) credentials = NULL;

  G_OBJECT_CLASS (kassa_credentials_dialog_parent_class)->constructed (object);

  g_return_if_fail (G_IS_SETTINGS (self->settings));

  store = kassa_secret_store_new (KASSA_SECRET_BACKEND_AUTO, NULL);
  credentials = kassa_credentials_new (store, self->settings);
  kassa_account_form_set_credentials (self->form, credentials);

  g_signal_connect_object (self->form, "notify::status", G_CALLBACK (on_form_status_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->form, "notify::status-message",
                           G_CALLBACK (on_form_status_message_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->form, "saved", G_CALLBACK (on_form_saved_cb), self,
                           G_CONNECT_SWAPPED);

  gtk_widget_grab_focus (GTK_WIDGET (self->form));
}

static void
kassa_credentials_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), KASSA_TYPE_CREDENTIALS_DIALOG);

  G_OBJECT_CLASS (kassa_credentials_dialog_parent_class)->dispose (object);
}

static void
kassa_credentials_dialog_finalize (GObject *object)
{
  KassaCredentialsDialog *self = KASSA_CREDENTIALS_DIALOG (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (kassa_credentials_dialog_parent_class)->finalize (object);
}

static void
kassa_credentials_dialog_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  KassaCredentialsDialog *self = KASSA_CREDENTIALS_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_STATUS:
      g_value_set_enum (value, kassa_account_form_get_status (self->form));
      break;

    case PROP_STATUS_MESSAGE:
      g_value_set_string (value, kassa_account_form_get_status_message (self->form));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_credentials_dialog_set_property (GObject      *object,
                                       guint         prop_id,
                                       const GValue *value,
                                       GParamSpec   *pspec)
{
  KassaCredentialsDialog *self = KASSA_CREDENTIALS_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_credentials_dialog_class_init (KassaCredentialsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = kassa_credentials_dialog_constructed;
  object_class->dispose = kassa_credentials_dialog_dispose;
  object_class->finalize = kassa_credentials_dialog_finalize;
  object_class->get_property = kassa_credentials_dialog_get_property;
  object_class->set_property = kassa_credentials_dialog_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       KASSA_TYPE_CREDENTIALS_STATUS, KASSA_CREDENTIALS_STATUS_NONE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_STATUS_MESSAGE] =
    g_param_spec_string ("status-message", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

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
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (KASSA_TYPE_CREDENTIALS_DIALOG,
                       "settings", settings,
                       "transient-for", parent,
                       "application", parent != NULL ? gtk_window_get_application (parent) : NULL,
                       NULL);
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
