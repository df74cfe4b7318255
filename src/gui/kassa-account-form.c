/* kassa-account-form.c — the bank account's fields, its storage note, "Test connection"
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-account-form.h"

#include <glib/gi18n.h>

#include "kassa-bank-fields.h"

struct _KassaAccountForm
{
  AdwBin                  parent_instance;

  KassaCredentials       *credentials;
  GCancellable           *cancellable;        /* everything; cancelled at dispose */
  GCancellable           *test_cancellable;   /* the running connection test */
  GCancellable           *lookup_cancellable; /* "is a secret stored for this terminal?" */

  KassaCredentialsStatus  status;
  char                   *status_message;
  guint                   test_timeout;
  char                   *stored_terminal;    /* a secret is known to be stored for it */
  GError                 *lookup_error;       /* the stored secret cannot be read */
  char                   *note;

  /* Template widgets */
  AdwPreferencesGroup    *group;
  AdwEntryRow            *terminal_row;
  AdwPasswordEntryRow    *secret_row;
  AdwEntryRow            *url_row;
  GtkLabel               *validation_label;
  GtkLabel               *storage_label;
  GtkButton              *test_button;
  GtkButton              *save_button;
  GtkSpinner             *spinner;
  GtkLabel               *status_label;
};

enum {
  PROP_0,
  PROP_TITLE,
  PROP_NOTE,
  PROP_TEST_ACTION_NAME,
  PROP_SAVE_ACTION_NAME,
  PROP_SHOW_SAVE_BUTTON,
  PROP_STATUS,
  PROP_STATUS_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_VERDICT,
  SIGNAL_SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (KassaAccountForm, kassa_account_form, ADW_TYPE_BIN)

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static gboolean
is_busy (KassaCredentialsStatus status)
{
  return status == KASSA_CREDENTIALS_STATUS_TESTING || status == KASSA_CREDENTIALS_STATUS_SAVING;
}

static const char *
row_text (gpointer row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
set_row_error (gpointer row,
               gboolean error)
{
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
}

static void
update_storage_label (KassaAccountForm *self)
{
  g_autofree char *text = NULL;

  if (self->credentials == NULL)
    return;

  text = kassa_credentials_describe_storage (self->credentials, self->stored_terminal,
                                             self->lookup_error);
  if (self->note != NULL)
    {
      char *with_note = g_strdup_printf ("%s %s", text, self->note);

      g_free (text);
      text = with_note;
    }

  gtk_label_set_text (self->storage_label, text);
}

/* ------------------------------------------------------------------ */
/* Whether a secret is stored for the terminal typed                   */

static void
stored_looked_up_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  KassaAccountForm *self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean stored;

  stored = kassa_credentials_lookup_stored_finish (KASSA_CREDENTIALS (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Not cancelled: the terminal field still holds the terminal looked up. */
  if (stored)
    self->stored_terminal = g_strstrip (g_strdup (row_text (self->terminal_row)));
  self->lookup_error = g_steal_pointer (&error);

  update_storage_label (self);
}

static void
refresh_stored (KassaAccountForm *self)
{
  g_autofree char *terminal = NULL;

  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);
  g_clear_pointer (&self->stored_terminal, g_free);
  g_clear_error (&self->lookup_error);

  terminal = g_strstrip (g_strdup (row_text (self->terminal_row)));
  if (!kassa_terminal_validate (terminal, NULL))
    {
      update_storage_label (self);
      return;
    }

  self->lookup_cancellable = g_cancellable_new ();
  kassa_credentials_lookup_stored_async (self->credentials, terminal, self->lookup_cancellable,
                                         stored_looked_up_cb, self);
}

static void
store_resolved_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  KassaAccountForm *self = user_data;
  g_autoptr(GError) error = NULL;

  kassa_secret_store_resolve_finish (KASSA_SECRET_STORE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  update_storage_label (self);
  refresh_stored (self);
}

/* ------------------------------------------------------------------ */
/* Test and save                                                       */

/* @self is not referenced: dispose cancels, and a cancelled job ends here. */
static void
verdict_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  KassaAccountForm *self = user_data;
  g_autofree char *message = NULL;
  KassaCredentialsStatus status;
  KassaCredentialsField fields;

  /* Cancelled: the form is gone (or a newer test replaced this one). */
  if (!kassa_credentials_verdict_finish (result, &status, &fields, &message, NULL))
    return;

  if (status == KASSA_CREDENTIALS_STATUS_SAVED)
    {
      /* Never shown again once saved; the terminal saved has a key stored now. */
      gtk_editable_set_text (GTK_EDITABLE (self->secret_row), "");
      g_free (self->stored_terminal);
      self->stored_terminal =
        g_settings_get_string (kassa_credentials_get_settings (self->credentials), "terminal");
      g_clear_error (&self->lookup_error);
      update_storage_label (self);
    }

  kassa_account_form_show_status (self, status, fields, message);

  if (status == KASSA_CREDENTIALS_STATUS_SAVED)
    g_signal_emit (self, signals[SIGNAL_SAVED], 0);
}

/* ------------------------------------------------------------------ */
/* Callbacks                                                           */

static void
on_terminal_row_changed_cb (KassaAccountForm *self)
{
  set_row_error (self->terminal_row, FALSE);
  if (kassa_secret_store_get_backend (kassa_credentials_get_store (self->credentials)) !=
      KASSA_SECRET_BACKEND_AUTO)
    refresh_stored (self);
}

static void
on_row_changed_cb (GtkEditable *row)
{
  set_row_error (row, FALSE);
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static gboolean
kassa_account_form_grab_focus (GtkWidget *widget)
{
  KassaAccountForm *self = KASSA_ACCOUNT_FORM (widget);

  /* The terminal first; once there is one, the secret key. */
  if (*row_text (self->terminal_row) == '\0')
    return gtk_widget_grab_focus (GTK_WIDGET (self->terminal_row));

  return gtk_widget_grab_focus (GTK_WIDGET (self->secret_row));
}

static void
kassa_account_form_dispose (GObject *object)
{
  KassaAccountForm *self = KASSA_ACCOUNT_FORM (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->test_cancellable);
  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->test_cancellable);
  g_clear_object (&self->lookup_cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), KASSA_TYPE_ACCOUNT_FORM);

  G_OBJECT_CLASS (kassa_account_form_parent_class)->dispose (object);
}

static void
kassa_account_form_finalize (GObject *object)
{
  KassaAccountForm *self = KASSA_ACCOUNT_FORM (object);

  g_clear_object (&self->credentials);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->status_message, g_free);
  g_clear_pointer (&self->stored_terminal, g_free);
  g_clear_error (&self->lookup_error);
  g_clear_pointer (&self->note, g_free);

  G_OBJECT_CLASS (kassa_account_form_parent_class)->finalize (object);
}

static void
set_action_name (KassaAccountForm *self,
                 GtkButton        *button,
                 const char       *name,
                 GParamSpec       *pspec)
{
  if (g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), name) == 0)
    return;

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), name);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
kassa_account_form_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  KassaAccountForm *self = KASSA_ACCOUNT_FORM (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, adw_preferences_group_get_title (self->group));
      break;

    case PROP_NOTE:
      g_value_set_string (value, self->note);
      break;

    case PROP_TEST_ACTION_NAME:
      g_value_set_string (value, gtk_actionable_get_action_name (GTK_ACTIONABLE (
                                                                   self->test_button)));
      break;

    case PROP_SAVE_ACTION_NAME:
      g_value_set_string (value, gtk_actionable_get_action_name (GTK_ACTIONABLE (
                                                                   self->save_button)));
      break;

    case PROP_SHOW_SAVE_BUTTON:
      g_value_set_boolean (value, gtk_widget_get_visible (GTK_WIDGET (self->save_button)));
      break;

    case PROP_STATUS:
      g_value_set_enum (value, self->status);
      break;

    case PROP_STATUS_MESSAGE:
      g_value_set_string (value, self->status_message);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_account_form_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  KassaAccountForm *self = KASSA_ACCOUNT_FORM (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      adw_preferences_group_set_title (self->group, g_value_get_string (value));
      break;

    case PROP_NOTE:
      kassa_account_form_set_note (self, g_value_get_string (value));
      break;

    case PROP_TEST_ACTION_NAME:
      set_action_name (self, self->test_button, g_value_get_string (value), pspec);
      break;

    case PROP_SAVE_ACTION_NAME:
      set_action_name (self, self->save_button, g_value_get_string (value), pspec);
      break;

    case PROP_SHOW_SAVE_BUTTON:
      if (gtk_widget_get_visible (GTK_WIDGET (self->save_button)) != g_value_get_boolean (value))
        {
          gtk_widget_set_visible (GTK_WIDGET (self->save_button), g_value_get_boolean (value));
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_account_form_class_init (KassaAccountFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = kassa_account_form_dispose;
  object_class->finalize = kassa_account_form_finalize;
  object_class->get_property = kassa_account_form_get_property;
  object_class->set_property = kassa_account_form_set_property;
  widget_class->grab_focus = kassa_account_form_grab_focus;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL,
                         "",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

  properties[PROP_NOTE] =
    g_param_spec_string ("note", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_TEST_ACTION_NAME] =
    g_param_spec_string ("test-action-name", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_SAVE_ACTION_NAME] =
    g_param_spec_string ("save-action-name", NULL, NULL,
                         NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_SHOW_SAVE_BUTTON] =
    g_param_spec_boolean ("show-save-button", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_STATUS] =
    g_param_spec_enum ("status", NULL, NULL,
                       KASSA_TYPE_CREDENTIALS_STATUS, KASSA_CREDENTIALS_STATUS_NONE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_STATUS_MESSAGE] =
    g_param_spec_string ("status-message", NULL, NULL,
                         NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_VERDICT] =
    g_signal_new ("verdict",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  signals[SIGNAL_SAVED] =
    g_signal_new ("saved",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/mn/kassa/Kassa/ui/kassa-account-form.ui");
  gtk_widget_class_bind_template_child (widget_class, KassaAccountForm, group);
  gtk_widget_class_bind_template_child (widget_class, KassaAccountForm, terminal_row);
  gtk_widget_class_bind_template_child (widget_class, KassaAccountForm, secret_row);
  gtk_widget_class_bind_template_child (widget_class, KassaAccountForm, url_row);
  gtk_widget_class_bind_template_child (widget_class, KassaAccountForm, validation_label);
  gtk_widget_class_bind_template_child (widget_class, KassaAccountForm, storage_label);
  gtk_widget_class_bind_template_child (widget_class, KassaAccountForm, test_button);
  gtk_widget_class_bind_template_child (widget_class, KassaAccountForm, save_button);
  gtk_widget_class_bind_template_child (widget_class, KassaAccountForm, spinner);
  gtk_widget_class_bind_template_child (widget_class, KassaAccountForm, status_label);
}

static void
kassa_account_form_init (KassaAccountForm *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->test_timeout = KASSA_CREDENTIALS_DEFAULT_TEST_TIMEOUT;
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

void
kassa_account_form_set_credentials (KassaAccountForm *self,
                                    KassaCredentials *credentials)
{
  GSettings *settings;
  g_autofree char *terminal = NULL;
  g_autofree char *url = NULL;

  g_return_if_fail (KASSA_IS_ACCOUNT_FORM (self));
  g_return_if_fail (KASSA_IS_CREDENTIALS (credentials));
  g_return_if_fail (self->credentials == NULL);

  self->credentials = g_object_ref (credentials);
  settings = kassa_credentials_get_settings (credentials);

  terminal = g_settings_get_string (settings, "terminal");
  url = g_settings_get_string (settings, "bank-url");
  gtk_editable_set_text (GTK_EDITABLE (self->terminal_row), terminal);
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), url);

  g_signal_connect_swapped (self->terminal_row, "changed",
                            G_CALLBACK (on_terminal_row_changed_cb), self);
  g_signal_connect (self->secret_row, "changed", G_CALLBACK (on_row_changed_cb), NULL);
  g_signal_connect (self->url_row, "changed", G_CALLBACK (on_row_changed_cb), NULL);

  update_storage_label (self);
  kassa_secret_store_resolve_async (kassa_credentials_get_store (credentials), self->cancellable,
                                    store_resolved_cb, self);
}

void
kassa_account_form_set_note (KassaAccountForm *self,
                             const char       *note)
{
  g_return_if_fail (KASSA_IS_ACCOUNT_FORM (self));

  if (g_strcmp0 (self->note, note) == 0)
    return;

  g_free (self->note);
  self->note = g_strdup (note);
  update_storage_label (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTE]);
}

GtkEditable *
kassa_account_form_get_row (KassaAccountForm      *self,
                            KassaCredentialsField  field)
{
  g_return_val_if_fail (KASSA_IS_ACCOUNT_FORM (self), NULL);

  switch (field)
    {
    case KASSA_CREDENTIALS_FIELD_TERMINAL:
      return GTK_EDITABLE (self->terminal_row);
    case KASSA_CREDENTIALS_FIELD_SECRET:
      return GTK_EDITABLE (self->secret_row);
    case KASSA_CREDENTIALS_FIELD_URL:
      return GTK_EDITABLE (self->url_row);
    case KASSA_CREDENTIALS_FIELD_NONE:
    default:
      g_return_val_if_reached (NULL);
    }
}

KassaCredentialsStatus
kassa_account_form_get_status (KassaAccountForm *self)
{
  g_return_val_if_fail (KASSA_IS_ACCOUNT_FORM (self), KASSA_CREDENTIALS_STATUS_NONE);

  return self->status;
}

const char *
kassa_account_form_get_status_message (KassaAccountForm *self)
{
  g_return_val_if_fail (KASSA_IS_ACCOUNT_FORM (self), NULL);

  return self->status_message;
}

void
kassa_account_form_set_test_timeout (KassaAccountForm *self,
                                     guint             seconds)
{
  g_return_if_fail (KASSA_IS_ACCOUNT_FORM (self));
  g_return_if_fail (seconds > 0);

  self->test_timeout = seconds;
}

/* Marks the rows at fault; a refused field is said next to the fields, the rest below. */
void
kassa_account_form_show_status (KassaAccountForm       *self,
                                KassaCredentialsStatus  status,
                                KassaCredentialsField   fields,
                                const char             *message)
{
  GtkWidget *label = GTK_WIDGET (self->status_label);
  gboolean invalid = status == KASSA_CREDENTIALS_STATUS_INVALID;
  gboolean busy = is_busy (status);
  gboolean good = status == KASSA_CREDENTIALS_STATUS_TEST_OK ||
                  status == KASSA_CREDENTIALS_STATUS_SAVED;

  g_return_if_fail (KASSA_IS_ACCOUNT_FORM (self));

  set_row_error (self->terminal_row, (fields & KASSA_CREDENTIALS_FIELD_TERMINAL) != 0);
  set_row_error (self->secret_row, (fields & KASSA_CREDENTIALS_FIELD_SECRET) != 0);
  set_row_error (self->url_row, (fields & KASSA_CREDENTIALS_FIELD_URL) != 0);

  gtk_label_set_text (self->validation_label, invalid && message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->validation_label), invalid && message != NULL);

  gtk_widget_remove_css_class (label, "success");
  gtk_widget_remove_css_class (label, "error");
  if (good)
    gtk_widget_add_css_class (label, "success");
  else if (!busy && message != NULL)
    gtk_widget_add_css_class (label, "error");
  gtk_label_set_text (self->status_label, message != NULL && !invalid ? message : "");
  gtk_widget_set_visible (label, message != NULL && !invalid);

  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);

  if (g_strcmp0 (self->status_message, message) != 0)
    {
      g_free (self->status_message);
      self->status_message = g_strdup (message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_MESSAGE]);
    }

  if (self->status != status)
    {
      self->status = status;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }

  g_signal_emit (self, signals[SIGNAL_VERDICT], 0);
}

gboolean
kassa_account_form_validate (KassaAccountForm *self)
{
  g_autoptr(GError) error = NULL;
  KassaCredentialsField fields = KASSA_CREDENTIALS_FIELD_NONE;

  g_return_val_if_fail (KASSA_IS_ACCOUNT_FORM (self), FALSE);

  if (kassa_credentials_validate (row_text (self->terminal_row), row_text (self->secret_row),
                                  row_text (self->url_row), &fields, &error))
    return TRUE;

  kassa_account_form_show_status (self, KASSA_CREDENTIALS_STATUS_INVALID, fields,
                                  error->message);
  return FALSE;
}

void
kassa_account_form_test (KassaAccountForm *self)
{
  g_return_if_fail (KASSA_IS_ACCOUNT_FORM (self));
  g_return_if_fail (self->credentials != NULL);

  if (!kassa_account_form_validate (self))
    return;

  g_cancellable_cancel (self->test_cancellable);
  g_clear_object (&self->test_cancellable);
  self->test_cancellable = g_cancellable_new ();

  /* Translators: shown while the connection test runs */
  kassa_account_form_show_status (self, KASSA_CREDENTIALS_STATUS_TESTING,
                                  KASSA_CREDENTIALS_FIELD_NONE, _("Asking the bank…"));
  kassa_credentials_test_async (self->credentials, row_text (self->terminal_row),
                                row_text (self->secret_row), row_text (self->url_row),
                                self->test_timeout, self->test_cancellable,
                                verdict_done_cb, self);
}

void
kassa_account_form_save (KassaAccountForm *self)
{
  g_return_if_fail (KASSA_IS_ACCOUNT_FORM (self));
  g_return_if_fail (self->credentials != NULL);

  /* The save action is off meanwhile; this is for a caller that waited (the PIN). */
  if (is_busy (self->status))
    return;

  if (!kassa_account_form_validate (self))
    return;

  /* Translators: shown while saving */
  kassa_account_form_show_status (self, KASSA_CREDENTIALS_STATUS_SAVING,
                                  KASSA_CREDENTIALS_FIELD_NONE, _("Saving…"));
  kassa_credentials_save_async (self->credentials, row_text (self->terminal_row),
                                row_text (self->secret_row), row_text (self->url_row),
                                self->cancellable, verdict_done_cb, self);
}

void
kassa_account_form_update_actions (KassaAccountForm *self,
                                   GtkWidget        *owner)
{
  const char *test_action;
  const char *save_action;

  g_return_if_fail (KASSA_IS_ACCOUNT_FORM (self));
  g_return_if_fail (GTK_IS_WIDGET (owner));

  test_action = gtk_actionable_get_action_name (GTK_ACTIONABLE (self->test_button));
  save_action = gtk_actionable_get_action_name (GTK_ACTIONABLE (self->save_button));

  /* A test replaces the one running; nothing is saved while a test or a save runs. */
  if (test_action != NULL)
    gtk_widget_action_set_enabled (owner, test_action,
                                   self->status != KASSA_CREDENTIALS_STATUS_TESTING);
  if (save_action != NULL)
    gtk_widget_action_set_enabled (owner, save_action, !is_busy (self->status));
}
