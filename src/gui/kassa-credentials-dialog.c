/* kassa-credentials-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-credentials-dialog.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kassa-bank-client.h"
#include "kassa-bank-fields.h"
#include "kassa-error.h"
#include "kassa-secret-store.h"

#define DEFAULT_TEST_TIMEOUT 15 /* seconds */
/* Only an amount the bank accepts; the invoice does not exist, nothing is charged. */
#define TEST_AMOUNT 1

struct _KassaCredentialsDialog
{
  AdwWindow               parent_instance;

  GSettings              *settings;
  KassaSecretStore       *store;
  GCancellable           *cancellable;        /* everything; cancelled at dispose */
  GCancellable           *test_cancellable;   /* the running connection test */
  GCancellable           *lookup_cancellable; /* "is a secret stored for this terminal?" */

  KassaCredentialsStatus  status;
  char                   *status_message;
  guint                   test_timeout;
  char                   *stored_terminal;    /* a secret is known to be stored for it */

  /* Template widgets */
  AdwEntryRow            *terminal_row;
  AdwPasswordEntryRow    *secret_row;
  AdwEntryRow            *url_row;
  GtkLabel               *validation_label;
  GtkLabel               *storage_label;
  GtkLabel               *status_label;
  GtkSpinner             *spinner;
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
  KassaSecretStore       *store;
  GSettings              *settings;   /* save only */
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
  g_clear_object (&job->store);
  g_clear_object (&job->settings);
  g_clear_object (&job->client);
  g_free (job->invoice);
  g_free (job->message);
  g_free (job);
}

/* ------------------------------------------------------------------ */
/* State shown to the person                                           */

static void
set_status (KassaCredentialsDialog *self,
            KassaCredentialsStatus  status,
            const char             *message)
{
  GtkWidget *label = GTK_WIDGET (self->status_label);
  gboolean busy = status == KASSA_CREDENTIALS_STATUS_TESTING ||
                  status == KASSA_CREDENTIALS_STATUS_SAVING;

  gtk_widget_remove_css_class (label, "success");
  gtk_widget_remove_css_class (label, "error");
  if (status == KASSA_CREDENTIALS_STATUS_TEST_OK || status == KASSA_CREDENTIALS_STATUS_SAVED)
    gtk_widget_add_css_class (label, "success");
  else if (status == KASSA_CREDENTIALS_STATUS_TEST_FAILED ||
           status == KASSA_CREDENTIALS_STATUS_SAVE_FAILED)
    gtk_widget_add_css_class (label, "error");

  /* Invalid input has its own label, next to the fields. */
  gtk_label_set_text (self->status_label, message != NULL ? message : "");
  gtk_widget_set_visible (label, message != NULL && status != KASSA_CREDENTIALS_STATUS_INVALID);

  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "credentials.test",
                                 status != KASSA_CREDENTIALS_STATUS_TESTING);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "credentials.save",
                                 status != KASSA_CREDENTIALS_STATUS_SAVING);

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
}

static void
update_storage_label (KassaCredentialsDialog *self)
{
  g_autofree char *where = kassa_secret_store_describe (self->store);
  g_autofree char *text = NULL;

  if (self->stored_terminal != NULL)
    {
      g_autofree char *stored = NULL;

      /* Translators: %s is a terminal id */
      stored = g_strdup_printf (_("A secret key for terminal %s is stored already; leave the "
                                  "field empty to keep it."), self->stored_terminal);
      text = g_strdup_printf ("%s %s", where, stored);
    }
  else
    text = g_steal_pointer (&where);

  gtk_label_set_text (self->storage_label, text);
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
clear_validation (KassaCredentialsDialog *self)
{
  set_row_error (self->terminal_row, FALSE);
  set_row_error (self->secret_row, FALSE);
  set_row_error (self->url_row, FALSE);
  gtk_label_set_text (self->validation_label, "");
  gtk_widget_set_visible (GTK_WIDGET (self->validation_label), FALSE);
}

/* Marks the rows at fault; a refused field is said next to the fields. */
static void
show_verdict (KassaCredentialsDialog *self,
              KassaCredentialsStatus  status,
              KassaCredentialsField   fields,
              const char             *message)
{
  gboolean invalid = status == KASSA_CREDENTIALS_STATUS_INVALID;

  set_row_error (self->terminal_row, (fields & KASSA_CREDENTIALS_FIELD_TERMINAL) != 0);
  set_row_error (self->secret_row, (fields & KASSA_CREDENTIALS_FIELD_SECRET) != 0);
  set_row_error (self->url_row, (fields & KASSA_CREDENTIALS_FIELD_URL) != 0);

  gtk_label_set_text (self->validation_label, invalid && message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->validation_label), invalid && message != NULL);
  set_status (self, status, message);
}

/* ------------------------------------------------------------------ */
/* Reading and checking the fields                                     */

static Form *
read_form (KassaCredentialsDialog *self)
{
  return form_new (gtk_editable_get_text (GTK_EDITABLE (self->terminal_row)),
                   gtk_editable_get_text (GTK_EDITABLE (self->secret_row)),
                   gtk_editable_get_text (GTK_EDITABLE (self->url_row)));
}

/* Checks the address with the bank client's own rules (https, or http to this computer). */
static gboolean
validate_url (const char  *url,
              GError     **error)
{
  g_autoptr(KassaBankClient) client = NULL;

  if (*url == '\0')
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL,
                           _("Enter the bank address, for example "
                             "https://instore.golomtbank.com"));
      return FALSE;
    }

  client = kassa_bank_client_new (url, "00000000", "placeholder", NULL, NULL, error);

  return client != NULL;
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

/* Every field, every problem; FALSE when any (shown already). */
static gboolean
validate_form (KassaCredentialsDialog *self,
               Form                   *form)
{
  g_autoptr(GError) error = NULL;
  KassaCredentialsField fields = KASSA_CREDENTIALS_FIELD_NONE;

  clear_validation (self);

  if (kassa_credentials_validate (form->terminal, form->secret, form->url, &fields, &error))
    return TRUE;

  show_verdict (self, KASSA_CREDENTIALS_STATUS_INVALID, fields, error->message);
  return FALSE;
}

/* The secret field was left empty and nothing is stored for the terminal. */
static char *
secret_missing_message (const char *terminal)
{
  /* Translators: %s is a terminal id */
  return g_strdup_printf (_("Enter the secret key the bank issued for terminal %s"), terminal);
}

/* ------------------------------------------------------------------ */
/* Test connection                                                     */

/* The bank's own words, for the person: "desc (TYPE)", or a fallback. */
static char *
bank_words (const GError *error)
{
  const char *type = kassa_bank_error_get_error_type (error);
  const char *desc = kassa_bank_error_get_error_desc (error);

  if (desc != NULL && type != NULL)
    return g_strdup_printf ("%s (%s)", desc, type);
  if (desc != NULL)
    return g_strdup (desc);
  if (type != NULL)
    return g_strdup (type);

  return g_strdup (error->message);
}

/* Turns the answer to `check` of an invoice that does not exist into a verdict. */
static KassaCredentialsStatus
judge_test (const Form              *form,
            KassaBankClient         *client,
            const GError            *error,
            KassaCredentialsField   *out_field,
            char                   **out_message)
{
  g_autofree char *words = NULL;
  const char *type;

  *out_field = KASSA_CREDENTIALS_FIELD_NONE;

  if (error == NULL)
    {
      /* A transaction whose checksum the client verified with this secret. */
      *out_message = g_strdup_printf (_("The connection works: the bank knows terminal %s and "
                                        "accepted the secret key."), form->terminal);
      return KASSA_CREDENTIALS_STATUS_TEST_OK;
    }

  if (error->domain == KASSA_INPUT_ERROR)
    {
      *out_message = g_strdup (error->message);
      return KASSA_CREDENTIALS_STATUS_INVALID;
    }

  if (error->domain != KASSA_BANK_ERROR)
    {
      *out_message = g_strdup_printf (_("The connection test failed: %s"), error->message);
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;
    }

  words = bank_words (error);
  type = kassa_bank_error_get_error_type (error);
  *out_field = KASSA_CREDENTIALS_FIELD_URL;

  switch ((KassaBankError) error->code)
    {
    case KASSA_BANK_ERROR_REJECTED:
      /* The bank checks terminal and checksum before it looks the invoice up:
       * "no such invoice" or "not paid" means both passed. */
      if (g_strcmp0 (type, "NOT_FOUND") == 0 || g_strcmp0 (type, "NOT_PAID") == 0)
        {
          *out_field = KASSA_CREDENTIALS_FIELD_NONE;
          *out_message = g_strdup_printf (_("The connection works: the bank knows terminal %s "
                                            "and accepted the secret key (it answered “%s” "
                                            "about a test invoice, as expected)."),
                                          form->terminal, words);
          return KASSA_CREDENTIALS_STATUS_TEST_OK;
        }
      if (g_strcmp0 (type, "CHECKSUM") == 0)
        {
          *out_field = KASSA_CREDENTIALS_FIELD_SECRET;
          *out_message = g_strdup_printf (_("The bank refused the secret key for terminal %s: "
                                            "“%s”. Check the secret key; it must be exactly as "
                                            "the bank issued it."), form->terminal, words);
        }
      else if (g_strcmp0 (type, "TERMINAL") == 0)
        {
          *out_field = KASSA_CREDENTIALS_FIELD_TERMINAL;
          *out_message = g_strdup_printf (_("The bank does not know terminal %s: “%s”. Check "
                                            "the terminal ID."), form->terminal, words);
        }
      else
        {
          *out_field = KASSA_CREDENTIALS_FIELD_NONE;
          *out_message = g_strdup_printf (_("The bank refused the test request: “%s”. Kassa "
                                            "cannot tell whether the terminal ID and secret "
                                            "key are right."), words);
        }
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;

    case KASSA_BANK_ERROR_CHECKSUM_MISMATCH:
      *out_field = KASSA_CREDENTIALS_FIELD_SECRET;
      *out_message = g_strdup_printf (_("The bank answered, but its answer does not match "
                                        "this terminal and secret key (%s). Check the secret "
                                        "key."), error->message);
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;

    case KASSA_BANK_ERROR_TIMEOUT:
      *out_message = g_strdup_printf (ngettext ("The bank did not answer within %u second. "
                                                "Check the bank address and this computer’s "
                                                "network connection.",
                                                "The bank did not answer within %u seconds. "
                                                "Check the bank address and this computer’s "
                                                "network connection.",
                                                kassa_bank_client_get_timeout (client)),
                                      kassa_bank_client_get_timeout (client));
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;

    case KASSA_BANK_ERROR_TLS:
      /* Translators: %s is a sentence without its full stop, "The bank’s identity could
       * not be verified (TLS): …" */
      *out_message = g_strdup_printf (_("%s. Nothing was sent. Check the bank address; a "
                                        "network that intercepts secure connections also "
                                        "causes this."), error->message);
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;

    case KASSA_BANK_ERROR_TRANSPORT:
      /* Translators: the first %s is a sentence without its full stop, "Could not reach
       * the bank: …"; the second a web address */
      *out_message = g_strdup_printf (_("%s. Check the bank address (%s) and this computer’s "
                                        "network connection."), error->message, form->url);
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;

    case KASSA_BANK_ERROR_MALFORMED_REPLY:
      *out_message = g_strdup_printf (_("Something answered at %s, but not the bank’s payment "
                                        "service (%s). Check the bank address."),
                                      form->url, error->message);
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;

    case KASSA_BANK_ERROR_BANK_SYSTEM:
    default:
      *out_field = KASSA_CREDENTIALS_FIELD_NONE;
      *out_message = g_strdup_printf (_("The bank reported a problem on its side: “%s”. Try "
                                        "again later."), words);
      return KASSA_CREDENTIALS_STATUS_TEST_FAILED;
    }
}

/* ------------------------------------------------------------------ */
/* Test and save, shared with the preferences window                   */

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

static GTask *
verdict_task_new (gpointer             source_tag,
                  KassaSecretStore    *store,
                  GSettings           *settings,
                  const char          *terminal,
                  const char          *secret,
                  const char          *url,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);

  g_task_set_source_tag (task, source_tag);
  job->form = form_new (terminal, secret, url);
  job->store = g_object_ref (store);
  job->settings = settings != NULL ? g_object_ref (settings) : NULL;
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);

  return task;
}

/* FALSE when a field is refused (the verdict is returned). */
static gboolean
task_validate (GTask *task)
{
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  KassaCredentialsField fields = KASSA_CREDENTIALS_FIELD_NONE;

  if (kassa_credentials_validate (job->form->terminal, job->form->secret, job->form->url,
                                  &fields, &error))
    return TRUE;

  task_return_verdict (task, KASSA_CREDENTIALS_STATUS_INVALID, fields,
                       g_strdup (error->message));
  return FALSE;
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

  status = judge_test (job->form, job->client, error, &field, &message);
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

      status = judge_test (job->form, NULL, error, &field, &message);
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
test_secret_found_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  Job *job = g_task_get_task_data (task);
  char *secret;

  secret = kassa_secret_store_lookup_finish (KASSA_SECRET_STORE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (error != NULL)
    {
      task_return_verdict (task, KASSA_CREDENTIALS_STATUS_TEST_FAILED,
                           KASSA_CREDENTIALS_FIELD_NONE, g_strdup (error->message));
      return;
    }
  if (secret == NULL)
    {
      task_return_verdict (task, KASSA_CREDENTIALS_STATUS_INVALID,
                           KASSA_CREDENTIALS_FIELD_SECRET,
                           secret_missing_message (job->form->terminal));
      return;
    }

  job->form->secret = secret;
  run_test (g_steal_pointer (&task));
}

void
kassa_credentials_test_async (KassaSecretStore    *store,
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

  g_return_if_fail (KASSA_IS_SECRET_STORE (store));
  g_return_if_fail (timeout_s > 0);

  task = verdict_task_new (kassa_credentials_test_async, store, NULL, terminal, secret, url,
                           cancellable, callback, user_data);
  job = g_task_get_task_data (task);
  job->timeout_s = timeout_s;

  if (!task_validate (task))
    return;

  if (job->form->secret == NULL)
    {
      kassa_secret_store_lookup_async (store, job->form->terminal, cancellable,
                                       test_secret_found_cb, g_steal_pointer (&task));
      return;
    }

  run_test (g_steal_pointer (&task));
}

static void
finish_save (GTask *task)
{
  Job *job = g_task_get_task_data (task);

  /* The secret is in its store; now the rest, which makes the next start use it. */
  if (!g_settings_set_string (job->settings, "terminal", job->form->terminal) ||
      !g_settings_set_string (job->settings, "bank-url", job->form->url))
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
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (error != NULL)
    {
      task_return_verdict (task, KASSA_CREDENTIALS_STATUS_SAVE_FAILED,
                           KASSA_CREDENTIALS_FIELD_NONE, g_strdup (error->message));
      return;
    }

  finish_save (task);
}

static void
save_secret_found_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  Job *job = g_task_get_task_data (task);
  char *secret;

  secret = kassa_secret_store_lookup_finish (KASSA_SECRET_STORE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (error != NULL)
    {
      task_return_verdict (task, KASSA_CREDENTIALS_STATUS_SAVE_FAILED,
                           KASSA_CREDENTIALS_FIELD_NONE, g_strdup (error->message));
      return;
    }
  if (secret == NULL)
    {
      task_return_verdict (task, KASSA_CREDENTIALS_STATUS_INVALID,
                           KASSA_CREDENTIALS_FIELD_SECRET,
                           secret_missing_message (job->form->terminal));
      return;
    }

  kassa_secret_free (secret);
  finish_save (task);
}

void
kassa_credentials_save_async (KassaSecretStore    *store,
                              GSettings           *settings,
                              const char          *terminal,
                              const char          *secret,
                              const char          *url,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (KASSA_IS_SECRET_STORE (store));
  g_return_if_fail (G_IS_SETTINGS (settings));

  task = verdict_task_new (kassa_credentials_save_async, store, settings, terminal, secret,
                           url, cancellable, callback, user_data);
  job = g_task_get_task_data (task);

  if (!task_validate (task))
    return;

  if (job->form->secret == NULL)
    {
      kassa_secret_store_lookup_async (store, job->form->terminal, cancellable,
                                       save_secret_found_cb, g_steal_pointer (&task));
      return;
    }

  kassa_secret_store_store_async (store, job->form->terminal, job->form->secret, cancellable,
                                  save_stored_cb, g_steal_pointer (&task));
}

gboolean
kassa_credentials_verdict_finish (GAsyncResult            *result,
                                  KassaCredentialsStatus  *out_status,
                                  KassaCredentialsField   *out_fields,
                                  char                   **out_message,
                                  GError                 **error)
{
  Job *job;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

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
/* The dialog's actions                                                */

/* @self is not referenced: dispose cancels, and a cancelled job ends here. */
static void
dialog_test_done_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  KassaCredentialsDialog *self = user_data;
  g_autofree char *message = NULL;
  KassaCredentialsStatus status;
  KassaCredentialsField fields;

  if (!kassa_credentials_verdict_finish (result, &status, &fields, &message, NULL))
    return;

  show_verdict (self, status, fields, message);
}

static void
test_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  KassaCredentialsDialog *self = KASSA_CREDENTIALS_DIALOG (widget);
  g_autoptr(Form) form = read_form (self);

  if (!validate_form (self, form))
    return;

  g_cancellable_cancel (self->test_cancellable);
  g_clear_object (&self->test_cancellable);
  self->test_cancellable = g_cancellable_new ();

  /* Translators: shown while the connection test runs */
  set_status (self, KASSA_CREDENTIALS_STATUS_TESTING, _("Asking the bank…"));

  kassa_credentials_test_async (self->store, form->terminal, form->secret, form->url,
                                self->test_timeout, self->test_cancellable,
                                dialog_test_done_cb, self);
}

static void
dialog_save_done_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  KassaCredentialsDialog *self = user_data;
  g_autofree char *message = NULL;
  KassaCredentialsStatus status;
  KassaCredentialsField fields;

  if (!kassa_credentials_verdict_finish (result, &status, &fields, &message, NULL))
    return;

  if (status == KASSA_CREDENTIALS_STATUS_SAVED)
    {
      /* Never shown again once saved. */
      gtk_editable_set_text (GTK_EDITABLE (self->secret_row), "");
      g_free (self->stored_terminal);
      self->stored_terminal = g_settings_get_string (self->settings, "terminal");
      update_storage_label (self);
    }

  show_verdict (self, status, fields, message);

  if (status == KASSA_CREDENTIALS_STATUS_SAVED)
    g_signal_emit (self, signals[SIGNAL_SAVED], 0);
}

static void
save_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  KassaCredentialsDialog *self = KASSA_CREDENTIALS_DIALOG (widget);
  g_autoptr(Form) form = read_form (self);

  if (!validate_form (self, form))
    return;

  /* Translators: shown while saving */
  set_status (self, KASSA_CREDENTIALS_STATUS_SAVING, _("Saving…"));

  kassa_credentials_save_async (self->store, self->settings, form->terminal, form->secret,
                                form->url, self->cancellable, dialog_save_done_cb, self);
}

/* ------------------------------------------------------------------ */
/* Where the secret goes, and whether one is stored                    */

static void
stored_lookup_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  KassaCredentialsDialog *self = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = kassa_secret_store_lookup_finish (KASSA_SECRET_STORE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Not cancelled: the terminal field still holds the terminal looked up. */
  g_clear_pointer (&self->stored_terminal, g_free);
  if (secret != NULL)
    self->stored_terminal =
      g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->terminal_row))));
  kassa_secret_free (secret);

  /* A refused file (wrong permissions…) is said now, not only at the next start. */
  if (error != NULL)
    {
      g_autofree char *where = kassa_secret_store_describe (self->store);
      g_autofree char *text = g_strdup_printf ("%s %s", where, error->message);

      gtk_label_set_text (self->storage_label, text);
      return;
    }

  update_storage_label (self);
}

static void
refresh_stored (KassaCredentialsDialog *self)
{
  g_autofree char *terminal = NULL;

  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->lookup_cancellable);
  g_clear_pointer (&self->stored_terminal, g_free);

  terminal = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->terminal_row))));
  if (!kassa_terminal_validate (terminal, NULL))
    {
      update_storage_label (self);
      return;
    }

  self->lookup_cancellable = g_cancellable_new ();
  kassa_secret_store_lookup_async (self->store, terminal, self->lookup_cancellable,
                                   stored_lookup_cb, self);
}

static void
store_resolved_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  KassaCredentialsDialog *self = user_data;
  g_autoptr(GError) error = NULL;

  kassa_secret_store_resolve_finish (KASSA_SECRET_STORE (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  update_storage_label (self);
  refresh_stored (self);
}

/* ------------------------------------------------------------------ */
/* Callbacks                                                           */

static void
on_terminal_row_changed_cb (KassaCredentialsDialog *self)
{
  set_row_error (self->terminal_row, FALSE);
  if (kassa_secret_store_get_backend (self->store) != KASSA_SECRET_BACKEND_AUTO)
    refresh_stored (self);
}

static void
on_row_changed_cb (GtkEditable *row)
{
  set_row_error (row, FALSE);
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static void
kassa_credentials_dialog_constructed (GObject *object)
{
  KassaCredentialsDialog *self = KASSA_CREDENTIALS_DIALOG (object);
  g_autofree char *terminal = NULL;
  g_autofree char *url = NULL;

  G_OBJECT_CLASS (kassa_credentials_dialog_parent_class)->constructed (object);

  g_return_if_fail (G_IS_SETTINGS (self->settings));

  terminal = g_settings_get_string (self->settings, "terminal");
  url = g_settings_get_string (self->settings, "bank-url");
  gtk_editable_set_text (GTK_EDITABLE (self->terminal_row), terminal);
  gtk_editable_set_text (GTK_EDITABLE (self->url_row), url);

  g_signal_connect_swapped (self->terminal_row, "changed",
                            G_CALLBACK (on_terminal_row_changed_cb), self);
  g_signal_connect (self->secret_row, "changed", G_CALLBACK (on_row_changed_cb), NULL);
  g_signal_connect (self->url_row, "changed", G_CALLBACK (on_row_changed_cb), NULL);

  update_storage_label (self);
  kassa_secret_store_resolve_async (self->store, self->cancellable, store_resolved_cb, self);

  gtk_widget_grab_focus (*terminal == '\0' ? GTK_WIDGET (self->terminal_row)
                                           : GTK_WIDGET (self->secret_row));
}

static void
kassa_credentials_dialog_dispose (GObject *object)
{
  KassaCredentialsDialog *self = KASSA_CREDENTIALS_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->test_cancellable);
  g_cancellable_cancel (self->lookup_cancellable);
  g_clear_object (&self->test_cancellable);
  g_clear_object (&self->lookup_cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), KASSA_TYPE_CREDENTIALS_DIALOG);

  G_OBJECT_CLASS (kassa_credentials_dialog_parent_class)->dispose (object);
}

static void
kassa_credentials_dialog_finalize (GObject *object)
{
  KassaCredentialsDialog *self = KASSA_CREDENTIALS_DIALOG (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->status_message, g_free);
  g_clear_pointer (&self->stored_terminal, g_free);

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

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/mn/kassa/Kassa/ui/kassa-credentials-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, KassaCredentialsDialog, terminal_row);
  gtk_widget_class_bind_template_child (widget_class, KassaCredentialsDialog, secret_row);
  gtk_widget_class_bind_template_child (widget_class, KassaCredentialsDialog, url_row);
  gtk_widget_class_bind_template_child (widget_class, KassaCredentialsDialog, validation_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCredentialsDialog, storage_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCredentialsDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, KassaCredentialsDialog, spinner);

  gtk_widget_class_install_action (widget_class, "credentials.test", NULL, test_action_cb);
  gtk_widget_class_install_action (widget_class, "credentials.save", NULL, save_action_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
kassa_credentials_dialog_init (KassaCredentialsDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->test_timeout = DEFAULT_TEST_TIMEOUT;
  self->store = kassa_secret_store_new (KASSA_SECRET_BACKEND_AUTO, NULL);
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

  return self->status;
}

const char *
kassa_credentials_dialog_get_status_message (KassaCredentialsDialog *self)
{
  g_return_val_if_fail (KASSA_IS_CREDENTIALS_DIALOG (self), NULL);

  return self->status_message;
}

GtkEditable *
kassa_credentials_dialog_get_terminal_row (KassaCredentialsDialog *self)
{
  g_return_val_if_fail (KASSA_IS_CREDENTIALS_DIALOG (self), NULL);

  return GTK_EDITABLE (self->terminal_row);
}

GtkEditable *
kassa_credentials_dialog_get_secret_row (KassaCredentialsDialog *self)
{
  g_return_val_if_fail (KASSA_IS_CREDENTIALS_DIALOG (self), NULL);

  return GTK_EDITABLE (self->secret_row);
}

GtkEditable *
kassa_credentials_dialog_get_url_row (KassaCredentialsDialog *self)
{
  g_return_val_if_fail (KASSA_IS_CREDENTIALS_DIALOG (self), NULL);

  return GTK_EDITABLE (self->url_row);
}

void
kassa_credentials_dialog_set_test_timeout (KassaCredentialsDialog *self,
                                           guint                   seconds)
{
  g_return_if_fail (KASSA_IS_CREDENTIALS_DIALOG (self));
  g_return_if_fail (seconds > 0);

  self->test_timeout = seconds;
}
