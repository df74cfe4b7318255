/* kassa-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-application.h"

#include <unistd.h>

#include <glib/gi18n.h>

#include "kassa-amount.h"
#include "kassa-bank-fields.h"
#include "kassa-close-day-dialog.h"
#include "kassa-credentials-dialog.h"
#include "kassa-customer-display.h"
#include "kassa-dbus.h"
#include "kassa-error.h"
#include "kassa-history-window.h"
#include "kassa-journal.h"
#include "kassa-manager.h"
#include "kassa-pin-dialog.h"
#include "kassa-preferences-window.h"
#include "kassa-print.h"
#include "kassa-push-listener.h"
#include "kassa-secret-store.h"
#include "kassa-training.h"
#include "kassa-window.h"

#define SETTINGS_SCHEMA_ID "mn.kassa.Kassa"
/* A charge waits this long for start-up and recovery before it gives up. */
#define READY_TIMEOUT_S 60
/* How long `kassa --charge` waits for the Kassa it started to appear on the bus. */
#define SPAWN_TIMEOUT_S 30
/* Identify displays: how long each monitor shows its name. */
#define IDENTIFY_SECONDS 4

typedef enum
{
  STAGE_STARTING,  /* settings read, secret being looked up */
  STAGE_READY,     /* journal, till and counter exist (recovery may still run) */
  STAGE_FAILED,    /* Kassa cannot take payments: startup_error says why */
} Stage;

/* One `kassa --charge` command line, held until its outcome. */
typedef struct
{
  KassaApplication        *app;
  GApplicationCommandLine *cmdline;
  KassaInvoice            *invoice;
  gboolean                 wait;
  gboolean                 charging;  /* the charge has not completed yet */
  gboolean                 finished;  /* answered; freed when no longer charging */
} RemoteCharge;

typedef struct
{
  gint64              amount;
  KassaInvoiceMethod  method;
  char               *phone;
  char               *reference;
  guint               timeout_id;
} ChargeData;

struct _KassaApplication
{
  AdwApplication    parent_instance;

  GSettings        *settings;
  char             *journal_option;   /* --journal, absolute */
  char             *journal_path;     /* the journal this instance uses (or tried) */

  Stage             stage;
  GError           *startup_error;
  GCancellable     *cancellable;

  KassaSecretStore *secret_store;
  KassaJournal     *journal;
  KassaBankSim     *training_bank;
  KassaBankClient  *client;
  KassaTill        *till;
  KassaCounter     *counter;
  KassaDbus        *dbus;
  KassaPushListener *push_listener;   /* real bank only; listens when the settings say so */

  GPtrArray        *alerts;           /* char *: news for the cashier window */
  GQueue            pending_charges;  /* GTask: waiting for start-up and recovery */
  GPtrArray        *remote_charges;   /* RemoteCharge */

  GtkWindow        *cashier_window;   /* weak */
  GtkWindow        *customer_display; /* weak */
  GtkWindow        *error_window;     /* weak */
  GtkWindow        *history_window;   /* weak */
  gboolean          activate_pending;
};

G_DEFINE_FINAL_TYPE (KassaApplication, kassa_application, ADW_TYPE_APPLICATION)

static void kassa_application_create_windows (KassaApplication *self);
static void flush_pending_charges            (KassaApplication *self);

static const GOptionEntry main_entries[] = {
  { "charge", 'c', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    /* Translators: --help text of the option --charge */
    N_("Charge AMOUNT (whole tögrög) on the running Kassa"), N_("AMOUNT") },
  { "method", 'm', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    N_("How the customer pays: qr (default), deeplink or phone"), N_("METHOD") },
  { "phone", 'p', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    N_("The customer’s 8-digit phone number, for --method phone"), N_("PHONE") },
  { "reference", 'r', G_OPTION_FLAG_NONE, G_OPTION_ARG_STRING, NULL,
    N_("Text kept with the invoice (e.g. the receipt number)"), N_("TEXT") },
  { "wait", 'w', G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE, NULL,
    N_("Wait for the outcome, print it as JSON and exit by it"), NULL },
  { "journal", 'j', G_OPTION_FLAG_NONE, G_OPTION_ARG_FILENAME, NULL,
    N_("The journal file (default: $KASSA_JOURNAL, else in $XDG_DATA_HOME/kassa)"),
    N_("PATH") },
  { NULL }
};

/* ---- exit codes and checks (public helpers) ---- */

int
kassa_exit_code_for_error (const GError *error)
{
  g_autoptr(GError) dbus_error = NULL;

  g_return_val_if_fail (error != NULL, KASSA_EXIT_INTERNAL);

  /* Kassa closed (or the request was given up) before the outcome was seen. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return KASSA_EXIT_UNKNOWN;

  dbus_error = kassa_dbus_error_from_error (error);
  switch (dbus_error->code)
    {
    case KASSA_DBUS_ERROR_INVALID_INPUT:
    case KASSA_DBUS_ERROR_NO_PAYMENT:
    case KASSA_DBUS_ERROR_NOT_TRAINING:
    case KASSA_DBUS_ERROR_ILLEGAL:
      return KASSA_EXIT_USAGE;
    case KASSA_DBUS_ERROR_BUSY:
      return KASSA_EXIT_BUSY;
    case KASSA_DBUS_ERROR_NOT_READY:
      return KASSA_EXIT_UNKNOWN;
    case KASSA_DBUS_ERROR_JOURNAL:
      return KASSA_EXIT_JOURNAL;
    case KASSA_DBUS_ERROR_UNKNOWN_OUTCOME:
    case KASSA_DBUS_ERROR_NETWORK:
      return KASSA_EXIT_NETWORK;
    case KASSA_DBUS_ERROR_REJECTED:
      return KASSA_EXIT_REJECTED;
    case KASSA_DBUS_ERROR_BANK_SYSTEM:
      return KASSA_EXIT_BANK_SYSTEM;
    case KASSA_DBUS_ERROR_MALFORMED:
      return KASSA_EXIT_MALFORMED;
    case KASSA_DBUS_ERROR_FAILED:
    default:
      return KASSA_EXIT_INTERNAL;
    }
}

gboolean
kassa_charge_request_check (gint64               amount,
                            const char          *method,
                            const char          *phone,
                            const char          *reference,
                            KassaInvoiceMethod  *out_method,
                            GError             **error)
{
  KassaInvoiceMethod parsed = KASSA_INVOICE_METHOD_QR;
  gboolean has_phone = phone != NULL && *phone != '\0';

  if (!kassa_amount_validate (amount, error))
    return FALSE;

  if (method != NULL && *method != '\0' && !kassa_invoice_method_from_string (method, &parsed))
    {
      g_autofree char *excerpt = g_utf8_make_valid (method, MIN (strlen (method), 32));

      /* Translators: %s is what was given as the payment method */
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                   _("Unknown payment method “%s”: use qr, deeplink or phone"), excerpt);
      return FALSE;
    }

  if (parsed == KASSA_INVOICE_METHOD_PHONE && !kassa_phone_validate (phone, error))
    return FALSE;
  if (parsed != KASSA_INVOICE_METHOD_PHONE && has_phone)
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_PHONE,
                           _("A phone number is only used with the payment method “phone”"));
      return FALSE;
    }

  if (!kassa_reference_validate (reference, error))
    return FALSE;

  if (out_method != NULL)
    *out_method = parsed;

  return TRUE;
}

/* ---- alerts ---- */

static void
add_alert (KassaApplication *self,
           const char       *text)
{
  /* Also in the log (the journal of the session, or kassa.log when started
   * by `kassa --charge`): whoever looks after the PC sees why Kassa trains. */
  g_message ("%s", text);
  if (self->cashier_window != NULL)
    kassa_window_add_alert (KASSA_WINDOW (self->cashier_window), text);
  else
    g_ptr_array_add (self->alerts, g_strdup (text));
}

static void
on_counter_message_cb (KassaCounter     *counter,
                       const char       *text,
                       KassaApplication *self)
{
  /* The window shows the counter's messages itself once it exists. */
  if (self->cashier_window == NULL)
    g_ptr_array_add (self->alerts, g_strdup (text));
}

/* ---- start-up: journal, bank, till, counter ---- */

static void
fail_startup (KassaApplication *self,
              GError           *error)
{
  g_clear_error (&self->startup_error);
  self->startup_error = error;
  self->stage = STAGE_FAILED;
  flush_pending_charges (self);
  if (self->activate_pending)
    g_application_activate (G_APPLICATION (self));
}

static KassaJournal *
open_journal (KassaApplication  *self,
              KassaJournalMode   mode,
              GError           **error)
{
  g_free (self->journal_path);
  self->journal_path = self->journal_option != NULL ? g_strdup (self->journal_option)
                                                    : kassa_journal_default_path (mode);

  /* The journal's messages name the file and say what to do. */
  return kassa_journal_open (self->journal_path, error);
}

static void
finish_startup (KassaApplication *self);

static void
start_training (KassaApplication *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state_file = NULL;
  char *secret = NULL;

  self->journal = open_journal (self, KASSA_JOURNAL_MODE_TRAINING, &error);
  if (self->journal == NULL)
    {
      fail_startup (self, g_steal_pointer (&error));
      return;
    }

  state_file = kassa_training_state_path (kassa_journal_get_path (self->journal));
  self->training_bank = kassa_training_bank_new (state_file, &secret, &error);
  if (self->training_bank == NULL)
    {
      g_prefix_error (&error, _("The training bank cannot be started: "));
      fail_startup (self, g_steal_pointer (&error));
      return;
    }

  self->client = kassa_training_client_new (self->training_bank, secret, &error);
  kassa_secret_free (secret);
  if (self->client == NULL)
    {
      fail_startup (self, g_steal_pointer (&error));
      return;
    }

  finish_startup (self);
}

static void
start_real (KassaApplication *self,
            const char       *terminal,
            const char       *secret)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_settings_get_string (self->settings, "bank-url");

  /* The configuration first: with an unusable one Kassa trains instead, and
   * the real journal is not touched. */
  self->client = kassa_bank_client_new (url, terminal, secret, NULL, NULL, &error);
  if (self->client == NULL)
    {
      g_autofree char *text = NULL;

      /* Translators: %s says what is wrong with the bank settings */
      text = g_strdup_printf (_("The bank settings cannot be used (%s). Kassa runs in "
                                "training mode: no real money. Enter the credentials again "
                                "from the menu."),
                              error->message);
      add_alert (self, text);
      start_training (self);
      return;
    }

  self->journal = open_journal (self, KASSA_JOURNAL_MODE_REAL, &error);
  if (self->journal == NULL)
    {
      g_clear_object (&self->client);
      fail_startup (self, g_steal_pointer (&error));
      return;
    }

  /* Pushes only ever come from the real bank; it listens once the settings ask. */
  self->push_listener = kassa_push_listener_new (terminal, secret, NULL);

  finish_startup (self);
}

static void
use_secret (KassaApplication *self,
            char             *secret,
            const GError     *error)
{
  g_autofree char *terminal = g_settings_get_string (self->settings, "terminal");

  if (secret == NULL)
    {
      g_autofree char *text = NULL;

      if (error != NULL)
        /* Translators: %s is a terminal id, then why its secret cannot be read */
        text = g_strdup_printf (_("The secret key of terminal %s cannot be read (%s). Kassa "
                                  "runs in training mode: no real money."),
                                terminal, error->message);
      else
        text = g_strdup_printf (_("No secret key is stored for terminal %s. Kassa runs in "
                                  "training mode: no real money. Enter the credentials from "
                                  "the menu."),
                                terminal);
      add_alert (self, text);
      start_training (self);
      return;
    }

  start_real (self, terminal, secret);
}

static void
secret_looked_up_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(KassaApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  char *secret;

  secret = kassa_secret_store_lookup_finish (KASSA_SECRET_STORE (source), result, &error);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    use_secret (self, secret, error);
  kassa_secret_free (secret);

  /* The hold of start_session() ends here, once the windows (or the error
   * window) exist to keep Kassa running. */
  g_application_release (G_APPLICATION (self));
}

static void
recover_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(KassaApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;

  if (!kassa_till_recover_finish (KASSA_TILL (source), result, &summary, &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      /* Translators: %s is why unfinished payments could not be checked */
      text = g_strdup_printf (_("Unfinished payments could not be checked with the bank: %s. "
                                "Restart Kassa to try again."),
                              error->message);
      add_alert (self, text);
      /* Charges waiting for recovery get the same news. */
      g_clear_error (&self->startup_error);
      self->startup_error = g_steal_pointer (&error);
      flush_pending_charges (self);
    }
  /* The summary reaches the cashier as the counter's ::message. */
}

static void
on_till_recovered_cb (KassaTill        *till,
                      GParamSpec       *pspec,
                      KassaApplication *self)
{
  flush_pending_charges (self);
}

/* ---- settings applied while Kassa runs ---- */

/* Polling and expiry, at once: the next check of every invoice uses them. */
static void
apply_till_settings (KassaApplication *self)
{
  guint fast_ms = g_settings_get_uint (self->settings, "poll-fast-ms");
  guint fast_period_s = g_settings_get_uint (self->settings, "poll-fast-period-s");
  guint slow_ms = g_settings_get_uint (self->settings, "poll-slow-ms");

  /* The schema bounds each value; the preferences keep the pair in order,
   * and so does this, for settings edited by hand. */
  kassa_till_set_poll_schedule (self->till, fast_ms, fast_period_s, MAX (slow_ms, fast_ms));
  kassa_till_set_expiry (self->till, g_settings_get_uint (self->settings, "expiry-s"));
}

static void
apply_push_settings (KassaApplication *self)
{
  g_autoptr(GError) error = NULL;
  guint16 port = 0;

  if (self->push_listener == NULL)
    return;

  kassa_push_listener_shutdown (self->push_listener);
  if (!g_settings_get_boolean (self->settings, "push-enabled"))
    return;

  g_settings_get (self->settings, "push-port", "q", &port);
  if (!kassa_push_listener_listen (self->push_listener, "127.0.0.1", port, "/kassa/push",
                                   NULL, NULL, &error))
    {
      g_autofree char *text = NULL;

      /* Translators: %u is a TCP port, %s says why it cannot be used */
      text = g_strdup_printf (_("Push notifications are off: Kassa cannot listen on port %u "
                                "(%s). Payments are still found by checking with the bank."),
                              port, error->message);
      add_alert (self, text);
      return;
    }

  g_debug ("Listening for pushes at %s", kassa_push_listener_get_url (self->push_listener));
}

static KassaInvoiceMethod
qr_method_setting (KassaApplication *self)
{
  g_autofree char *method = g_settings_get_string (self->settings, "qr-method");

  return g_strcmp0 (method, "deeplink") == 0 ? KASSA_INVOICE_METHOD_DEEPLINK
                                             : KASSA_INVOICE_METHOD_QR;
}

static void
on_settings_changed_cb (GSettings        *settings,
                        const char       *key,
                        KassaApplication *self)
{
  if (g_str_has_prefix (key, "poll-") || g_str_equal (key, "expiry-s"))
    apply_till_settings (self);
  else if (g_str_has_prefix (key, "push-"))
    apply_push_settings (self);
  else if (g_str_equal (key, "qr-method") && self->cashier_window != NULL)
    kassa_window_set_qr_method (KASSA_WINDOW (self->cashier_window), qr_method_setting (self));
}

/* ---- automatic receipts ---- */

typedef struct
{
  KassaApplication *app;
  KassaInvoice     *invoice;
} PrintJob;

static gboolean
print_receipt_cb (gpointer user_data)
{
  PrintJob *job = user_data;
  KassaApplication *self = job->app;
  g_autoptr(GError) error = NULL;
  g_autofree char *shop_name = g_settings_get_string (self->settings, "shop-name");
  g_autofree char *printer = g_settings_get_string (self->settings, "printer-name");
  g_autofree char *paper_text = g_settings_get_string (self->settings, "paper-width");
  KassaReportInfo info = { *shop_name != '\0' ? shop_name : NULL, NULL };
  KassaPaperWidth paper = KASSA_PAPER_80MM;

  kassa_paper_width_from_string (paper_text, &paper);
  if (!kassa_print_receipt (self->cashier_window, job->invoice, &info, paper,
                            *printer != '\0' ? printer : NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = NULL;

      /* Translators: %s is an invoice number, then why the receipt was not printed */
      text = g_strdup_printf (_("The receipt of invoice %s was not printed: %s"),
                              kassa_invoice_get_number (job->invoice), error->message);
      add_alert (self, text);
    }

  g_object_unref (job->invoice);
  g_object_unref (job->app);
  g_free (job);

  return G_SOURCE_REMOVE;
}

static void
on_sale_state_cb (KassaInvoice     *invoice,
                  GParamSpec       *pspec,
                  KassaApplication *self)
{
  KassaInvoiceState state = kassa_invoice_get_state (invoice);
  PrintJob *job;

  if (!kassa_invoice_state_is_final (state))
    return;

  g_signal_handlers_disconnect_by_func (invoice, on_sale_state_cb, self);
  if (state != KASSA_INVOICE_PAID ||
      !g_settings_get_boolean (self->settings, "auto-print-receipts"))
    return;

  /* Printing runs a nested main loop: not from inside a notify. */
  job = g_new0 (PrintJob, 1);
  job->app = g_object_ref (self);
  job->invoice = g_object_ref (invoice);
  g_idle_add (print_receipt_cb, job);
}

static void
on_till_invoice_added_cb (KassaTill        *till,
                          KassaInvoice     *invoice,
                          KassaApplication *self)
{
  g_signal_connect_object (invoice, "notify::state", G_CALLBACK (on_sale_state_cb), self, 0);
}

static void
finish_startup (KassaApplication *self)
{
  /* A journal found to be a copy of another (a restored backup) got a new
   * id for its new invoice numbers: the cashier and the log are told. */
  if (kassa_journal_get_open_notice (self->journal) != NULL)
    add_alert (self, kassa_journal_get_open_notice (self->journal));

  self->till = kassa_till_new (self->journal, self->client);
  self->counter = kassa_counter_new (self->till, KASSA_TRAINING_CUSTOMER (self->training_bank));
  g_signal_connect_object (self->counter, "message",
                           G_CALLBACK (on_counter_message_cb), self, 0);
  g_signal_connect_object (self->till, "notify::recovered",
                           G_CALLBACK (on_till_recovered_cb), self, 0);
  g_signal_connect_object (self->till, "invoice-added",
                           G_CALLBACK (on_till_invoice_added_cb), self, 0);
  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (on_settings_changed_cb), self, 0);
  apply_till_settings (self);
  if (self->push_listener != NULL)
    {
      kassa_till_set_push_listener (self->till, self->push_listener);
      apply_push_settings (self);
    }
  self->stage = STAGE_READY;

  if (self->dbus != NULL)
    kassa_dbus_set_counter (self->dbus, self->counter);

  kassa_till_recover_async (self->till, self->cancellable, recover_done_cb,
                            g_object_ref (self));

  if (self->activate_pending)
    g_application_activate (G_APPLICATION (self));
}

static void
start_session (KassaApplication *self)
{
  g_autofree char *terminal = g_settings_get_string (self->settings, "terminal");

  if (*terminal == '\0')
    {
      start_training (self);
      return;
    }

  /* The lookup is asynchronous (the keyring answers over D-Bus, it may even
   * ask to be unlocked): until it has answered there is no window, and
   * without a hold GApplication would quit as soon as activate() returned. */
  g_application_hold (G_APPLICATION (self));
  self->secret_store = kassa_secret_store_new (KASSA_SECRET_BACKEND_AUTO, NULL);
  kassa_secret_store_lookup_async (self->secret_store, terminal, self->cancellable,
                                   secret_looked_up_cb, g_object_ref (self));
}

/* ---- charges waiting for start-up and recovery ---- */

static void
charge_data_free (gpointer data)
{
  ChargeData *charge = data;

  g_clear_handle_id (&charge->timeout_id, g_source_remove);
  g_free (charge->phone);
  g_free (charge->reference);
  g_free (charge);
}

static void
counter_charge_done_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  KassaInvoice *invoice;

  invoice = kassa_counter_charge_finish (KASSA_COUNTER (source), result, &error);
  if (invoice == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, invoice, g_object_unref);
}

static void
start_charge (KassaApplication *self,
              GTask            *task)
{
  ChargeData *charge = g_task_get_task_data (task);

  g_clear_handle_id (&charge->timeout_id, g_source_remove);
  kassa_counter_charge_async (self->counter, charge->amount, charge->method, charge->phone,
                              charge->reference, g_task_get_cancellable (task),
                              counter_charge_done_cb, g_object_ref (task));
}

static gboolean
can_charge (KassaApplication *self)
{
  return self->stage == STAGE_READY && kassa_till_get_recovered (self->till);
}

static void
flush_pending_charges (KassaApplication *self)
{
  GTask *task;

  if (self->stage == STAGE_STARTING)
    return;

  if (self->stage == STAGE_READY && !kassa_till_get_recovered (self->till) &&
      self->startup_error == NULL)
    return;

  while ((task = g_queue_pop_head (&self->pending_charges)) != NULL)
    {
      if (can_charge (self))
        start_charge (self, task);
      else
        g_task_return_error (task, g_error_copy (self->startup_error));
      g_object_unref (task);
    }
}

static gboolean
charge_not_ready_cb (gpointer user_data)
{
  GTask *task = user_data;
  KassaApplication *self = g_task_get_source_object (task);
  ChargeData *charge = g_task_get_task_data (task);

  charge->timeout_id = 0;
  if (g_queue_remove (&self->pending_charges, task))
    {
      g_task_return_new_error (task, KASSA_DBUS_ERROR, KASSA_DBUS_ERROR_NOT_READY,
                               _("Kassa is still checking unfinished payments with the bank; "
                                 "try again when that is done."));
      g_object_unref (task);
    }

  return G_SOURCE_REMOVE;
}

/* ---- windows ---- */

static void
on_quit_clicked_cb (GtkButton        *button,
                    KassaApplication *self)
{
  g_application_quit (G_APPLICATION (self));
}

static void
show_error_window (KassaApplication *self)
{
  GtkWidget *window;
  GtkWidget *page;
  GtkWidget *button;
  g_autofree char *description = NULL;

  if (self->error_window != NULL)
    {
      gtk_window_present (self->error_window);
      return;
    }

  if (g_error_matches (self->startup_error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_LOCKED))
    description = g_strdup_printf ("%s\n\n%s", self->startup_error->message,
                                   _("Nothing was changed. Close the other Kassa (or kassa-ctl) "
                                     "that uses this journal, then start Kassa again."));
  else
    description = g_strdup_printf ("%s\n\n%s", self->startup_error->message,
                                   _("Nothing was changed."));

  window = adw_application_window_new (GTK_APPLICATION (self));
  gtk_window_set_title (GTK_WINDOW (window), _("Kassa cannot start"));
  gtk_window_set_default_size (GTK_WINDOW (window), 560, 420);

  page = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), "dialog-error-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (page), _("Kassa cannot take payments"));
  adw_status_page_set_description (ADW_STATUS_PAGE (page), description);

  button = gtk_button_new_with_mnemonic (_("_Quit"));
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "pill");
  gtk_widget_add_css_class (button, "suggested-action");
  g_signal_connect_object (button, "clicked", G_CALLBACK (on_quit_clicked_cb), self, 0);
  adw_status_page_set_child (ADW_STATUS_PAGE (page), button);

  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), page);
  g_set_weak_pointer (&self->error_window, GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_grab_focus (button);
}

static void
on_cashier_window_destroy_cb (GtkWidget        *window,
                              KassaApplication *self)
{
  /* The customer display has no close button of its own: it goes with the
   * cashier window, and with the last window the application ends. */
  if (self->customer_display != NULL)
    gtk_window_destroy (self->customer_display);
}

static void
kassa_application_create_windows (KassaApplication *self)
{
  if (self->customer_display == NULL)
    {
      GtkWindow *display = GTK_WINDOW (kassa_customer_display_new (GTK_APPLICATION (self),
                                                                  self->counter,
                                                                  self->settings));

      g_set_weak_pointer (&self->customer_display, display);
      gtk_window_present (display);
    }

  if (self->cashier_window == NULL)
    {
      GtkWindow *window = GTK_WINDOW (kassa_window_new (GTK_APPLICATION (self), self->counter));

      g_set_weak_pointer (&self->cashier_window, window);
      kassa_window_set_qr_method (KASSA_WINDOW (window), qr_method_setting (self));
      g_signal_connect_object (window, "destroy",
                               G_CALLBACK (on_cashier_window_destroy_cb), self, 0);
      for (guint i = 0; i < self->alerts->len; i++)
        kassa_window_add_alert (KASSA_WINDOW (window), g_ptr_array_index (self->alerts, i));
      g_ptr_array_set_size (self->alerts, 0);
    }

  /* The cashier window last, so that it has the keyboard. */
  gtk_window_present (self->cashier_window);
}

/* ---- actions ---- */

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
present_credentials_dialog (KassaApplication *self)
{
  /* Saved credentials take effect at the next start (the dialog says so). */
  gtk_window_present (kassa_credentials_dialog_new (self->cashier_window, self->settings));
}

static void
credentials_authorised_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(KassaApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  /* The PIN dialog said why it refused, or was closed. */
  if (kassa_pin_dialog_ask_finish (result, &error))
    present_credentials_dialog (self);
}

static void
credentials_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  KassaApplication *self = user_data;
  KassaManager *manager;

  /* Without the settings schema there is nowhere to keep them. */
  if (self->settings == NULL)
    return;

  /* New credentials leave training mode, or replace the bank account: the
   * manager's decision once there is a PIN (as in the preferences). */
  manager = self->till != NULL ? kassa_till_get_manager (self->till) : NULL;
  if (manager != NULL && kassa_manager_has_pin (manager))
    {
      gboolean training = self->training_bank != NULL;

      kassa_pin_dialog_ask (self->cashier_window, manager,
                            training ? KASSA_MANAGER_ACTION_LEAVE_TRAINING
                                     : KASSA_MANAGER_ACTION_PREFERENCES,
                            training ? _("Leave Training Mode") : _("Change the Bank Account"),
                            self->cancellable, credentials_authorised_cb, g_object_ref (self));
      return;
    }

  present_credentials_dialog (self);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  KassaApplication *self = user_data;

  if (self->settings == NULL)
    return;

  /* Asks the manager PIN first. */
  kassa_preferences_window_open (self->cashier_window, self->counter, self->settings);
}

static void
history_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  KassaApplication *self = user_data;
  GtkWindow *window;

  if (self->counter == NULL)
    return;

  if (self->history_window == NULL)
    {
      window = kassa_history_window_new (self->cashier_window, self->counter, self->settings);
      g_set_weak_pointer (&self->history_window, window);
    }
  gtk_window_present (self->history_window);
}

static void
close_day_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  KassaApplication *self = user_data;

  if (self->counter == NULL)
    return;

  /* Asks the manager PIN itself. */
  gtk_window_present (kassa_close_day_dialog_new (self->cashier_window, self->counter,
                                                  self->settings));
}

static void
identify_displays_activated (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  kassa_customer_display_identify (gdk_display_get_default (), IDENTIFY_SECONDS);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "credentials", credentials_activated, NULL, NULL, NULL, { 0 } },
  { "identify-displays", identify_displays_activated, NULL, NULL, NULL, { 0 } },
  { "preferences", preferences_activated, NULL, NULL, NULL, { 0 } },
  { "history", history_activated, NULL, NULL, NULL, { 0 } },
  { "close-day", close_day_activated, NULL, NULL, NULL, { 0 } },
};

/* ---- `kassa --charge` ---- */

static void
remote_charge_finish (RemoteCharge *rc,
                      int           status)
{
  KassaApplication *self = rc->app;

  if (rc->invoice != NULL)
    g_signal_handlers_disconnect_by_data (rc->invoice, rc);
  g_clear_object (&rc->invoice);

  g_application_command_line_set_exit_status (rc->cmdline, status);
  /* Releasing the command line answers the remote process. */
  g_clear_object (&rc->cmdline);
  g_ptr_array_remove (self->remote_charges, rc);
  rc->finished = TRUE;
  rc->app = NULL;
  g_application_release (G_APPLICATION (self));
  g_object_unref (self);

  /* The charge's callback still has @rc otherwise. */
  if (!rc->charging)
    g_free (rc);
}

static void
print_invoice (RemoteCharge *rc,
               KassaInvoice *invoice)
{
  g_autofree char *json = kassa_invoice_to_json (invoice);

  g_application_command_line_print (rc->cmdline, "%s\n", json);
}

static void
on_remote_invoice_state_cb (KassaInvoice *invoice,
                            GParamSpec   *pspec,
                            RemoteCharge *rc)
{
  KassaInvoiceState state = kassa_invoice_get_state (invoice);

  if (!kassa_invoice_state_is_final (state))
    return;

  print_invoice (rc, invoice);
  remote_charge_finish (rc, kassa_exit_code_for_state (state));
}

static void
remote_follow (RemoteCharge *rc,
               KassaInvoice *invoice)
{
  g_set_object (&rc->invoice, invoice);
  g_signal_connect (invoice, "notify::state", G_CALLBACK (on_remote_invoice_state_cb), rc);
  on_remote_invoice_state_cb (invoice, NULL, rc);
}

static void
remote_charge_done_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  RemoteCharge *rc = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;

  invoice = kassa_application_charge_finish (KASSA_APPLICATION (source), result, &error);
  rc->charging = FALSE;
  if (rc->finished)
    {
      /* Kassa was shut down meanwhile and has answered the remote. */
      g_free (rc);
      return;
    }

  if (invoice == NULL)
    {
      KassaCounter *counter = rc->app->counter;
      KassaInvoice *current = counter != NULL ? kassa_counter_get_current_invoice (counter)
                                              : NULL;

      g_application_command_line_printerr (rc->cmdline, "kassa: %s\n", error->message);

      /* The answer was lost: the till resolves the invoice by asking the bank,
       * and --wait waits for that. */
      if (rc->wait &&
          g_error_matches (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_UNKNOWN_OUTCOME) &&
          current != NULL && kassa_counter_get_open (counter))
        {
          remote_follow (rc, current);
          return;
        }

      remote_charge_finish (rc, kassa_exit_code_for_error (error));
      return;
    }

  if (!rc->wait)
    {
      print_invoice (rc, invoice);
      remote_charge_finish (rc, KASSA_EXIT_OK);
      return;
    }

  remote_follow (rc, invoice);
}

static gboolean
same_path (const char *a,
           const char *b)
{
  g_autofree char *ca = g_canonicalize_filename (a, NULL);
  g_autofree char *cb = g_canonicalize_filename (b, NULL);

  return g_strcmp0 (ca, cb) == 0;
}

/* Checks the options of a charge; prints the problem and returns FALSE. */
static gboolean
check_charge_options (GVariantDict        *options,
                      gint64              *out_amount,
                      KassaInvoiceMethod  *out_method,
                      GError             **error)
{
  const char *amount_text = NULL;
  const char *method = NULL;
  const char *phone = NULL;
  const char *reference = NULL;
  gboolean has_charge;

  has_charge = g_variant_dict_lookup (options, "charge", "&s", &amount_text);
  g_variant_dict_lookup (options, "method", "&s", &method);
  g_variant_dict_lookup (options, "phone", "&s", &phone);
  g_variant_dict_lookup (options, "reference", "&s", &reference);

  if (!has_charge)
    {
      if (method != NULL || phone != NULL || reference != NULL ||
          g_variant_dict_contains (options, "wait"))
        {
          g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
                               _("--method, --phone, --reference and --wait go with "
                                 "--charge AMOUNT"));
          return FALSE;
        }
      return TRUE;
    }

  return kassa_amount_parse (amount_text, out_amount, error) &&
         kassa_charge_request_check (*out_amount, method, phone, reference, out_method, error);
}

static int
kassa_application_command_line (GApplication            *application,
                                GApplicationCommandLine *cmdline)
{
  KassaApplication *self = KASSA_APPLICATION (application);
  GVariantDict *options = g_application_command_line_get_options_dict (cmdline);
  g_autoptr(GError) error = NULL;
  KassaInvoiceMethod method = KASSA_INVOICE_METHOD_QR;
  const char *journal = NULL;
  const char *phone = NULL;
  const char *reference = NULL;
  gint64 amount = 0;
  RemoteCharge *rc;

  if (g_variant_dict_lookup (options, "journal", "^&ay", &journal))
    {
      const char *in_use = self->journal_path != NULL ? self->journal_path
                                                      : self->journal_option;

      if (in_use != NULL && !same_path (journal, in_use))
        {
          /* Translators: %s is a file path */
          g_application_command_line_printerr (cmdline,
                                               _("kassa: Kassa is already running with the "
                                                 "journal “%s”; quit it to use another one.\n"),
                                               in_use);
          return KASSA_EXIT_USAGE;
        }
    }

  if (!check_charge_options (options, &amount, &method, &error))
    {
      g_application_command_line_printerr (cmdline, "kassa: %s\n", error->message);
      return KASSA_EXIT_USAGE;
    }

  g_application_activate (application);

  if (!g_variant_dict_contains (options, "charge"))
    return KASSA_EXIT_OK;

  g_variant_dict_lookup (options, "phone", "&s", &phone);
  g_variant_dict_lookup (options, "reference", "&s", &reference);

  rc = g_new0 (RemoteCharge, 1);
  rc->app = g_object_ref (self);
  rc->cmdline = g_object_ref (cmdline);
  rc->wait = g_variant_dict_contains (options, "wait");
  rc->charging = TRUE;
  g_ptr_array_add (self->remote_charges, rc);
  g_application_hold (application);

  kassa_application_charge_async (self, amount, method, phone,
                                  reference != NULL && *reference != '\0' ? reference : NULL,
                                  NULL, remote_charge_done_cb, rc);

  return KASSA_EXIT_OK;
}

static void
child_exited_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

/* Waits until @name is owned on the session bus, or @child has exited. */
static gboolean
wait_for_bus_name (GDBusConnection  *bus,
                   const char       *name,
                   GSubprocess      *child,
                   GError          **error)
{
  gint64 deadline = g_get_monotonic_time () + SPAWN_TIMEOUT_S * G_USEC_PER_SEC;
  gboolean exited = FALSE;

  g_subprocess_wait_async (child, NULL, child_exited_cb, &exited);

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GVariant) reply = NULL;
      gboolean has_owner = FALSE;

      reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "NameHasOwner",
                                           g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
      if (reply == NULL)
        return FALSE;
      g_variant_get (reply, "(b)", &has_owner);
      if (has_owner)
        return TRUE;

      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (exited)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       _("it exited at once (status %d); see %s"),
                       g_subprocess_get_exit_status (child), "$XDG_CACHE_HOME/kassa/kassa.log");
          return FALSE;
        }

      g_usleep (G_USEC_PER_SEC / 20);
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               _("it did not start within %d seconds"), SPAWN_TIMEOUT_S);
  return FALSE;
}

static void
detach_child_setup (gpointer user_data)
{
  /* Ctrl+C on `kassa --charge --wait` must not stop the till it started. */
  setsid ();
}

/* `kassa --charge` when no Kassa runs: starts one (with its windows) as a
 * separate process, so that this one can wait, print and exit by the outcome
 * like any other remote. */
static gboolean
ensure_primary (GApplication  *application,
                const char    *journal,
                GError       **error)
{
  const char *app_id = g_application_get_application_id (application);
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autofree char *exe = NULL;
  g_autofree char *log_dir = NULL;
  g_autofree char *log_path = NULL;
  gboolean has_owner = FALSE;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  /* No session bus: this process becomes a (non-unique) Kassa itself. */
  if (bus == NULL)
    return TRUE;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", app_id), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(b)", &has_owner);
  if (has_owner)
    return TRUE;

  exe = g_file_read_link ("/proc/self/exe", error);
  if (exe == NULL)
    return FALSE;

  /* The till must not hold the caller's pipes open: a script reading this
   * process's output would wait for the till to exit. Its messages go to a
   * log file instead, if there is a place for one. */
  log_dir = g_build_filename (g_get_user_cache_dir (), "kassa", NULL);
  log_path = g_build_filename (log_dir, "kassa.log", NULL);
  if (g_mkdir_with_parents (log_dir, 0700) == 0)
    {
      launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
      g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
    }
  else
    launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                          G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, detach_child_setup, NULL, NULL);
  if (journal != NULL)
    child = g_subprocess_launcher_spawn (launcher, error, exe, "--journal", journal, NULL);
  else
    child = g_subprocess_launcher_spawn (launcher, error, exe, NULL);
  if (child == NULL)
    return FALSE;

  return wait_for_bus_name (bus, app_id, child, error);
}

/* In the process where the command line was typed: its checks speak the
 * user's language, and a bad charge never reaches the running Kassa. */
static int
kassa_application_handle_local_options (GApplication *application,
                                        GVariantDict *options)
{
  KassaApplication *self = KASSA_APPLICATION (application);
  g_autoptr(GError) error = NULL;
  KassaInvoiceMethod method;
  const char *journal = NULL;
  gint64 amount = 0;

  if (g_variant_dict_lookup (options, "journal", "^&ay", &journal))
    {
      /* The running Kassa has another working directory. */
      g_autofree char *absolute = g_canonicalize_filename (journal, NULL);

      g_variant_dict_insert (options, "journal", "^ay", absolute);
      g_free (self->journal_option);
      self->journal_option = g_steal_pointer (&absolute);
    }

  if (!check_charge_options (options, &amount, &method, &error))
    {
      g_printerr ("kassa: %s\n", error->message);
      return KASSA_EXIT_USAGE;
    }

  if (g_variant_dict_contains (options, "charge") &&
      !(g_application_get_flags (application) & G_APPLICATION_NON_UNIQUE) &&
      !ensure_primary (application, self->journal_option, &error))
    {
      /* Translators: %s says why */
      g_printerr (_("kassa: Kassa could not be started: %s\n"), error->message);
      return KASSA_EXIT_INTERNAL;
    }

  return G_APPLICATION_CLASS (kassa_application_parent_class)->handle_local_options (application,
                                                                                      options);
}

/* ---- GApplication ---- */

static void
kassa_application_startup (GApplication *application)
{
  KassaApplication *self = KASSA_APPLICATION (application);
  const char *quit_accels[] = { "<Control>q", NULL };
  const char *preferences_accels[] = { "<Control>comma", NULL };
  const char *history_accels[] = { "<Control>h", NULL };
  g_autoptr(GSettingsSchema) schema = NULL;
  GSettingsSchemaSource *source;

  G_APPLICATION_CLASS (kassa_application_parent_class)->startup (application);

  /* Every window's icon (X11 and the window list): data/icons, named like the application. */
  gtk_window_set_default_icon_name (APP_ID);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.history",
                                         history_accels);

  source = g_settings_schema_source_get_default ();
  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, SETTINGS_SCHEMA_ID, TRUE);
  if (schema == NULL)
    {
      fail_startup (self, g_error_new (KASSA_DBUS_ERROR, KASSA_DBUS_ERROR_FAILED,
                                       /* Translators: %s is a GSettings schema id */
                                       _("The settings schema “%s” is not installed."),
                                       SETTINGS_SCHEMA_ID));
      return;
    }
  self->settings = g_settings_new_full (schema, NULL, NULL);

  start_session (self);
}

static void
kassa_application_activate (GApplication *application)
{
  KassaApplication *self = KASSA_APPLICATION (application);

  switch (self->stage)
    {
    case STAGE_STARTING:
      self->activate_pending = TRUE;
      break;
    case STAGE_FAILED:
      self->activate_pending = FALSE;
      show_error_window (self);
      break;
    case STAGE_READY:
    default:
      self->activate_pending = FALSE;
      kassa_application_create_windows (self);
      break;
    }
}

static gboolean
kassa_application_dbus_register (GApplication     *application,
                                 GDBusConnection  *connection,
                                 const char       *object_path,
                                 GError          **error)
{
  KassaApplication *self = KASSA_APPLICATION (application);

  if (!G_APPLICATION_CLASS (kassa_application_parent_class)->dbus_register (application,
                                                                            connection,
                                                                            object_path,
                                                                            error))
    return FALSE;

  self->dbus = kassa_dbus_new (connection, object_path, self, error);
  if (self->dbus == NULL)
    return FALSE;
  if (self->counter != NULL)
    kassa_dbus_set_counter (self->dbus, self->counter);

  return TRUE;
}

static void
kassa_application_dbus_unregister (GApplication    *application,
                                   GDBusConnection *connection,
                                   const char      *object_path)
{
  KassaApplication *self = KASSA_APPLICATION (application);

  if (self->dbus != NULL)
    kassa_dbus_unexport (self->dbus);
  g_clear_object (&self->dbus);

  G_APPLICATION_CLASS (kassa_application_parent_class)->dbus_unregister (application,
                                                                         connection,
                                                                         object_path);
}

static void
kassa_application_shutdown (GApplication *application)
{
  KassaApplication *self = KASSA_APPLICATION (application);
  GTask *task;

  g_cancellable_cancel (self->cancellable);

  while ((task = g_queue_pop_head (&self->pending_charges)) != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("Kassa was closed before the payment started."));
      g_object_unref (task);
    }
  /* GTask delivers those from an idle: let the callbacks answer their callers. */
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;

  /* Remote charges still waiting: the invoice stays in the journal and is
   * resolved at the next start. */
  while (self->remote_charges->len > 0)
    {
      RemoteCharge *rc = g_ptr_array_index (self->remote_charges, 0);

      g_application_command_line_printerr (rc->cmdline, "%s\n",
                                           _("kassa: Kassa was closed before the payment "
                                             "finished; it stays in the journal and is "
                                             "checked at the next start."));
      if (rc->invoice != NULL)
        print_invoice (rc, rc->invoice);
      remote_charge_finish (rc, KASSA_EXIT_UNKNOWN);
    }

  if (self->customer_display != NULL)
    gtk_window_destroy (self->customer_display);
  if (self->cashier_window != NULL)
    gtk_window_destroy (self->cashier_window);
  if (self->error_window != NULL)
    gtk_window_destroy (self->error_window);
  if (self->history_window != NULL)
    gtk_window_destroy (self->history_window);
  if (self->push_listener != NULL)
    kassa_push_listener_shutdown (self->push_listener);

  if (self->dbus != NULL)
    kassa_dbus_set_counter (self->dbus, NULL);
  g_clear_object (&self->counter);
  g_clear_object (&self->till);
  g_clear_object (&self->client);
  if (self->training_bank != NULL)
    kassa_bank_sim_shutdown (self->training_bank);
  g_clear_object (&self->training_bank);
  if (self->journal != NULL)
    kassa_journal_close (self->journal);
  g_clear_object (&self->journal);
  g_clear_object (&self->secret_store);

  G_APPLICATION_CLASS (kassa_application_parent_class)->shutdown (application);
}

static void
kassa_application_finalize (GObject *object)
{
  KassaApplication *self = KASSA_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->counter);
  g_clear_object (&self->till);
  g_clear_object (&self->client);
  g_clear_object (&self->training_bank);
  g_clear_object (&self->journal);
  g_clear_object (&self->secret_store);
  g_clear_object (&self->push_listener);
  g_clear_object (&self->dbus);
  g_clear_error (&self->startup_error);
  g_clear_pointer (&self->alerts, g_ptr_array_unref);
  g_clear_pointer (&self->remote_charges, g_ptr_array_unref);
  g_free (self->journal_option);
  g_free (self->journal_path);

  G_OBJECT_CLASS (kassa_application_parent_class)->finalize (object);
}

static void
kassa_application_class_init (KassaApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = kassa_application_finalize;

  app_class->handle_local_options = kassa_application_handle_local_options;
  app_class->command_line = kassa_application_command_line;
  app_class->startup = kassa_application_startup;
  app_class->activate = kassa_application_activate;
  app_class->dbus_register = kassa_application_dbus_register;
  app_class->dbus_unregister = kassa_application_dbus_unregister;
  app_class->shutdown = kassa_application_shutdown;
}

static void
kassa_application_init (KassaApplication *self)
{
  self->cancellable = g_cancellable_new ();
  self->alerts = g_ptr_array_new_with_free_func (g_free);
  self->remote_charges = g_ptr_array_new ();
  g_queue_init (&self->pending_charges);

  g_application_add_main_option_entries (G_APPLICATION (self), main_entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), NULL);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("QR payments with Golomt Bank SocialPay."));
  g_application_set_option_context_description (
    G_APPLICATION (self),
    _("Without options Kassa opens the cashier window and the customer display.\n"
      "With --charge the payment goes to the running Kassa (which is started if\n"
      "needed). Without --wait the invoice is printed as JSON once it awaits\n"
      "payment; with --wait the outcome is printed and sets the exit status:\n"
      "  0 paid, 2 invalid input (nothing charged), 3 bank unreachable,\n"
      "  4 refused by the bank, 5 bank failure, 6 unusable bank answer,\n"
      "  7 not paid (declined, cancelled, expired), 8 outcome unknown,\n"
      "  10 journal unusable, 12 another payment is open.\n"
      "The D-Bus interface is described in docs/dbus.md."));
}

/* ---- public API ---- */

KassaApplication *
kassa_application_new (void)
{
  return g_object_new (KASSA_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", "/mn/kassa/Kassa",
                       NULL);
}

KassaCounter *
kassa_application_get_counter (KassaApplication *self)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);

  return self->counter;
}

KassaCounter *
kassa_application_require_counter (KassaApplication  *self,
                                   GError           **error)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);

  if (self->counter != NULL)
    return self->counter;

  if (self->stage == STAGE_FAILED && self->startup_error != NULL)
    g_propagate_error (error, g_error_copy (self->startup_error));
  else
    g_set_error_literal (error, KASSA_DBUS_ERROR, KASSA_DBUS_ERROR_NOT_READY,
                         _("Kassa is still starting; try again in a moment."));

  return NULL;
}

GSettings *
kassa_application_get_settings (KassaApplication *self)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);

  return self->settings;
}

const char *
kassa_application_get_training_url (KassaApplication *self)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);

  return self->training_bank ? kassa_bank_sim_get_url (self->training_bank) : NULL;
}

GtkWindow *
kassa_application_get_cashier_window (KassaApplication *self)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);

  return self->cashier_window;
}

GtkWindow *
kassa_application_get_customer_display (KassaApplication *self)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);

  return self->customer_display;
}

void
kassa_application_charge_async (KassaApplication    *self,
                                gint64               amount,
                                KassaInvoiceMethod   method,
                                const char          *phone,
                                const char          *reference,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ChargeData *charge;

  g_return_if_fail (KASSA_IS_APPLICATION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, kassa_application_charge_async);

  charge = g_new0 (ChargeData, 1);
  charge->amount = amount;
  charge->method = method;
  charge->phone = g_strdup (phone);
  charge->reference = g_strdup (reference);
  g_task_set_task_data (task, charge, charge_data_free);

  if (self->stage == STAGE_FAILED || (self->startup_error != NULL && !can_charge (self)))
    {
      g_task_return_error (task, g_error_copy (self->startup_error));
      return;
    }

  /* The customer must see it: both windows, whoever asked. */
  g_application_activate (G_APPLICATION (self));

  if (can_charge (self))
    {
      start_charge (self, task);
      return;
    }

  charge->timeout_id = g_timeout_add_seconds (READY_TIMEOUT_S, charge_not_ready_cb, task);
  g_queue_push_tail (&self->pending_charges, g_steal_pointer (&task));
}

KassaInvoice *
kassa_application_charge_finish (KassaApplication  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
