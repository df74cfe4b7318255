/* kassa-credentials.c — the bank account's checks, connection test and save
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-credentials.h"

#include <glib/gi18n.h>

#include "kassa-bank-client.h"
#include "kassa-bank-fields.h"
#include "kassa-error.h"

/* Only an amount the bank accepts; the invoice does not exist, nothing is charged. */
#define TEST_AMOUNT 1

struct _KassaCredentials
{
  GObject           parent_instance;

  KassaSecretStore *store;
  GSettings        *settings;
};

G_DEFINE_FINAL_TYPE (KassaCredentials, kassa_credentials, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (KassaCredentialsStatus, kassa_credentials_status,
  G_DEFINE_ENUM_VALUE (KASSA_CREDENTIALS_STATUS_NONE, "none"),
  G_DEFINE_ENUM_VALUE (KASSA_CREDENTIALS_STATUS_INVALID, "invalid"),
  G_DEFINE_ENUM_VALUE (KASSA_CREDENTIALS_STATUS_TESTING, "testing"),
  G_DEFINE_ENUM_VALUE (KASSA_CREDENTIALS_STATUS_TEST_OK, "test-ok"),
  G_DEFINE_ENUM_VALUE (KASSA_CREDENTIALS_STATUS_TEST_FAILED, "test-failed"),
  G_DEFINE_ENUM_VALUE (KASSA_CREDENTIALS_STATUS_SAVING, "saving"),
  G_DEFINE_ENUM_VALUE (KASSA_CREDENTIALS_STATUS_SAVED, "saved"),
  G_DEFINE_ENUM_VALUE (KASSA_CREDENTIALS_STATUS_SAVE_FAILED, "save-failed"))

/* What the person typed, trimmed. The secret is wiped when freed. */
typedef struct
{
  char *terminal;
  char *secret;   /* NULL: keep the one already stored for the terminal */
  char *url;
} Form;

static void
form_free (Form *form)
{
  g_free (form->terminal);
  kassa_secret_free (form->secret);
  g_free (form->url);
  g_free (form);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Form, form_free)

static Form *
form_new (const char *terminal,
          const char *secret,
          const char *url)
{
  Form *form = g_new0 (Form, 1);

  form->terminal = g_strstrip (g_strdup (terminal != NULL ? terminal : ""));
  form->url = g_strstrip (g_strdup (url != NULL ? url : ""));
  /* Kept exactly as typed: spaces can be part of a key. */
  form->secret = secret != NULL && *secret != '\0' ? g_strdup (secret) : NULL;

  return form;
}

/* One test or save: the data of its GTask. */
typedef struct
{
  Form                   *form;
  KassaCredentials       *credentials;
  gboolean                save;       /* else a test */
  KassaBankClient        *client;     /* test only */
  char                   *invoice;
  guint                   timeout_s;

  /* The verdict */
  KassaCredentialsStatus  status;
  KassaCredentialsField   fields;
  char                   *message;
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->form, form_free);
  g_clear_object (&job->credentials);
  g_clear_object (&job->client);
  g_free (job->invoice);
  g_free (job->message);
  g_free (job);
}

/* ------------------------------------------------------------------ */
/* Checking the fields                                                 */

static gboolean
validate_url (const char  *url,
              GError     **error)
{
  if (*url == '\0')
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL,
                           _("Enter the bank address, for example "
                             "https://instore.golomtbank.com"));
      return FALSE;
    }

  return kassa_bank_url_validate (url, error);
}

gboolean
kassa_credentials_validate (const char             *terminal,
                            const char             *secret,
                            const char             *url,
                            KassaCredentialsField  *out_fields,
                            GError                **error)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(Form) form = form_new (terminal, secret, url);
  g_autoptr(GError) local_error = NULL;
  KassaCredentialsField fields = KASSA_CREDENTIALS_FIELD_NONE;
  int code = KASSA_INPUT_ERROR_URL;
  g_autofree char *text = NULL;

  if (!kassa_terminal_validate (form->terminal, &local_error))
    {
      fields |= KASSA_CREDENTIALS_FIELD_TERMINAL;
      code = local_error->code;
      g_ptr_array_add (problems, g_strdup (local_error->message));
      g_clear_error (&local_error);
    }

  if (form->secret != NULL && !kassa_secret_validate (form->secret, &local_error))
    {
      if (fields == KASSA_CREDENTIALS_FIELD_NONE)
        code = local_error->code;
      fields |= KASSA_CREDENTIALS_FIELD_SECRET;
      g_ptr_array_add (problems, g_strdup (local_error->message));
      g_clear_error (&local_error);
    }

  if (!validate_url (form->url, &local_error))
    {
      if (fields == KASSA_CREDENTIALS_FIELD_NONE)
        code = local_error->domain == KASSA_INPUT_ERROR ? local_error->code
                                                        : KASSA_INPUT_ERROR_URL;
      fields |= KASSA_CREDENTIALS_FIELD_URL;
      g_ptr_array_add (problems, g_strdup (local_error->message));
      g_clear_error (&local_error);
    }

  if (out_fields != NULL)
    *out_fields = fields;

  if (problems->len == 0)
    return TRUE;

  g_ptr_array_add (problems, NULL);
  text = g_strjoinv ("\n", (char **) problems->pdata);
  g_set_error_literal (error, KASSA_INPUT_ERROR, code, text);

  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Test and save                                                       */

static void
task_return_verdict (GTask                  *task,
                     KassaCredentialsStatus  status,
                     KassaCredentialsField   fields,
                     char                   *message)
{
  Job *job = g_task_get_task_data (task);

  job->status = status;
  job->fields = fields;
  g_free (job->message);
  job->message = message;
  g_task_return_boolean (task, TRUE);
}

/* TRUE when the store failed (*@error is set): the task has ended, cancelled,
 * or with the verdict of this kind of job and the store's reason. */
static gboolean
task_return_store_failure (GTask   *task,
                           GError **error)
{
  Job *job = g_task_get_task_data (task);

  if (*error == NULL)
    return FALSE;

  if (g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, g_steal_pointer (error));
  else
    task_return_verdict (task,
                         job->save ? KASSA_CREDENTIALS_STATUS_SAVE_FAILED
                                   : KASSA_CREDENTIALS_STATUS_TEST_FAILED,
                         KASSA_CREDENTIALS_FIELD_NONE, g_strdup ((*error)->message));
  return TRUE;
}

static void
test_checked_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(KassaBankTransaction) transaction = NULL;
  g_autoptr(GError) error = NULL;
  Job *job = g_task_get_task_data (task);
  KassaCredentialsField field = KASSA_CREDENTIALS_FIELD_NONE;
  KassaCredentialsStatus status;
  char *message = NULL;

  transaction = kassa_bank_client_check_finish (KASSA_BANK_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  status = kassa_bank_read_probe (job->form->terminal, job->form->url, job->timeout_s,
                                  transaction, error, &field, &message);
  g_debug ("Connection test of terminal %s at %s: %s", job->form->terminal, job->form->url,
           error != NULL ? error->message : "transaction");
  task_return_verdict (task, status, field, message);
}

static void
run_test (GTask *task_in)
{
  g_autoptr(GTask) task = task_in;
  g_autoptr(GError) error = NULL;
  Job *job = g_task_get_task_data (task);
  GCancellable *cancellable;

  job->client = kassa_bank_client_new (job->form->url, job->form->terminal, job->form->secret,
                                       NULL, NULL, &error);
  if (job->client == NULL)
    {
      KassaCredentialsField field = KASSA_CREDENTIALS_FIELD_NONE;
      KassaCredentialsStatus status;
      char *message = NULL;

      status = kassa_bank_read_probe (job->form->terminal, job->form->url, job->timeout_s,
                                      NULL, error, &field, &message);
      task_return_verdict (task, status, field, message);
      return;
    }
  kassa_bank_client_set_timeout (job->client, job->timeout_s);

  /* Unique, so that it can never meet a real invoice of this terminal. */
  job->invoice = g_strdup_printf ("KASSA-TEST-%08x%08x",
                                  (guint32) (g_get_real_time () / G_USEC_PER_SEC),
                                  g_random_int ());

  cancellable = g_task_get_cancellable (task);
  kassa_bank_client_check_async (job->client, TEST_AMOUNT, job->invoice, cancellable,
                                 test_checked_cb, g_steal_pointer (&task));
}

static void
finish_save (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  GSettings *settings = job->credentials->settings;

  /* The secret is in its store; now the rest, which makes the next start use it. */
  if (!g_settings_set_string (settings, "terminal", job->form->terminal) ||
      !g_settings_set_string (settings, "bank-url", job->form->url))
    {
      task_return_verdict (task, KASSA_CREDENTIALS_STATUS_SAVE_FAILED,
                           KASSA_CREDENTIALS_FIELD_NONE,
                           g_strdup (_("The settings are locked by the administrator; the "
                                       "terminal ID and bank address could not be saved.")));
      return;
    }

  task_return_verdict (task, KASSA_CREDENTIALS_STATUS_SAVED, KASSA_CREDENTIALS_FIELD_NONE,
                       /* Translators: %s is a terminal id */
                       g_strdup_printf (_("Saved. Kassa takes real payments with terminal %s "
                                          "from its next start; restart Kassa to leave "
                                          "training mode."),
                                        job->form->terminal));
}

static void
save_stored_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  kassa_secret_store_store_finish (KASSA_SECRET_STORE (object), result, &error);
  if (task_return_store_failure (task, &error))
    return;

  finish_save (task);
}

/* The secret field was left empty: the one stored for the terminal, if any. */
static void
stored_secret_found_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  Job *job = g_task_get_task_data (task);
  char *secret;

  secret = kassa_secret_store_lookup_finish (KASSA_SECRET_STORE (object), result, &error);
  if (task_return_store_failure (task, &error))
    return;

  if (secret == NULL)
    {
      task_return_verdict (task, KASSA_CREDENTIALS_STATUS_INVALID,
                           KASSA_CREDENTIALS_FIELD_SECRET,
                           /* Translators: %s is a terminal id */
                           g_strdup_printf (_("Enter the secret key the bank issued for "
                                              "terminal %s"), job->form->terminal));
      return;
    }

  if (job->save)
    {
      /* Stored already: saving keeps it. */
      kassa_secret_free (secret);
      finish_save (task);
      return;
    }

  job->form->secret = secret;
  run_test (g_steal_pointer (&task));
}

/* A task for a test or a save; NULL when a field is refused (the verdict is returned). */
static GTask *
verdict_task_new (KassaCredentials    *self,
                  gpointer             source_tag,
                  gboolean             save,
                  const char          *terminal,
                  const char          *secret,
                  const char          *url,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  KassaCredentialsField fields = KASSA_CREDENTIALS_FIELD_NONE;
  Job *job = g_new0 (Job, 1);

  g_task_set_source_tag (task, source_tag);
  job->form = form_new (terminal, secret, url);
  job->credentials = g_object_ref (self);
  job->save = save;
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);

  if (!kassa_credentials_validate (job->form->terminal, job->form->secret, job->form->url,
                                   &fields, &error))
    {
      task_return_verdict (task, KASSA_CREDENTIALS_STATUS_INVALID, fields,
                           g_strdup (error->message));
      return NULL;
    }

  return g_steal_pointer (&task);
}

void
kassa_credentials_test_async (KassaCredentials    *self,
                              const char          *terminal,
                              const char          *secret,
                              const char          *url,
                              guint                timeout_s,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (KASSA_IS_CREDENTIALS (self));
  g_return_if_fail (timeout_s > 0);

  task = verdict_task_new (self, kassa_credentials_test_async, FALSE, terminal, secret, url,
                           cancellable, callback, user_data);
  if (task == NULL)
    return;

  job = g_task_get_task_data (task);
  job->timeout_s = timeout_s;

  if (job->form->secret == NULL)
    {
      kassa_secret_store_lookup_async (self->store, job->form->terminal, cancellable,
                                       stored_secret_found_cb, g_steal_pointer (&task));
      return;
    }

  run_test (g_steal_pointer (&task));
}

void
kassa_credentials_save_async (KassaCredentials    *self,
                              const char          *terminal,
                              const char          *secret,
                              const char          *url,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (KASSA_IS_CREDENTIALS (self));

  task = verdict_task_new (self, kassa_credentials_save_async, TRUE, terminal, secret, url,
                           cancellable, callback, user_data);
  if (task == NULL)
    return;

  job = g_task_get_task_data (task);
  if (job->form->secret == NULL)
    {
      kassa_secret_store_lookup_async (self->store, job->form->terminal, cancellable,
                                       stored_secret_found_cb, g_steal_pointer (&task));
      return;
    }

  kassa_secret_store_store_async (self->store, job->form->terminal, job->form->secret,
                                  cancellable, save_stored_cb, g_steal_pointer (&task));
}

gboolean
kassa_credentials_verdict_finish (GAsyncResult            *result,
                                  KassaCredentialsStatus  *out_status,
                                  KassaCredentialsField   *out_fields,
                                  char                   **out_message,
                                  GError                 **error)
{
  Job *job;

  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (KASSA_IS_CREDENTIALS (g_task_get_source_object (G_TASK (result))),
                        FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  job = g_task_get_task_data (G_TASK (result));
  if (out_status != NULL)
    *out_status = job->status;
  if (out_fields != NULL)
    *out_fields = job->fields;
  if (out_message != NULL)
    *out_message = g_strdup (job->message);

  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Where the secret is kept                                            */

static void
stored_looked_up_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *secret;

  secret = kassa_secret_store_lookup_finish (KASSA_SECRET_STORE (object), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, secret != NULL);
  kassa_secret_free (secret);
}

void
kassa_credentials_lookup_stored_async (KassaCredentials    *self,
                                       const char          *terminal,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (KASSA_IS_CREDENTIALS (self));
  g_return_if_fail (terminal != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_credentials_lookup_stored_async);
  kassa_secret_store_lookup_async (self->store, terminal, cancellable, stored_looked_up_cb,
                                   task);
}

gboolean
kassa_credentials_lookup_stored_finish (KassaCredentials  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

char *
kassa_credentials_describe_storage (KassaCredentials *self,
                                    const char       *stored_terminal,
                                    const GError     *lookup_error)
{
  g_autofree char *where = NULL;
  g_autofree char *stored = NULL;

  g_return_val_if_fail (KASSA_IS_CREDENTIALS (self), NULL);

  where = kassa_secret_store_describe (self->store);

  /* A refused file (wrong permissions…) is said now, not only at the next start. */
  if (lookup_error != NULL)
    return g_strdup_printf ("%s %s", where, lookup_error->message);

  if (stored_terminal == NULL)
    return g_steal_pointer (&where);

  /* Translators: %s is a terminal id */
  stored = g_strdup_printf (_("A secret key for terminal %s is stored already; leave the "
                              "field empty to keep it."), stored_terminal);
  return g_strdup_printf ("%s %s", where, stored);
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static void
kassa_credentials_finalize (GObject *object)
{
  KassaCredentials *self = KASSA_CREDENTIALS (object);

  g_clear_object (&self->store);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (kassa_credentials_parent_class)->finalize (object);
}

static void
kassa_credentials_class_init (KassaCredentialsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = kassa_credentials_finalize;
}

static void
kassa_credentials_init (KassaCredentials *self)
{
}

KassaCredentials *
kassa_credentials_new (KassaSecretStore *store,
                       GSettings        *settings)
{
  KassaCredentials *self;

  g_return_val_if_fail (KASSA_IS_SECRET_STORE (store), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (KASSA_TYPE_CREDENTIALS, NULL);
  self->store = g_object_ref (store);
  self->settings = g_object_ref (settings);

  return self;
}

KassaSecretStore *
kassa_credentials_get_store (KassaCredentials *self)
{
  g_return_val_if_fail (KASSA_IS_CREDENTIALS (self), NULL);

  return self->store;
}

GSettings *
kassa_credentials_get_settings (KassaCredentials *self)
{
  g_return_val_if_fail (KASSA_IS_CREDENTIALS (self), NULL);

  return self->settings;
}
