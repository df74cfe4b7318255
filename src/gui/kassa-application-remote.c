/* kassa-application-remote.c — Kassa's command line: options, `kassa --charge`, exit codes
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The options are checked in the process where they were typed (its
 * language, and a bad charge never reaches the running Kassa); with
 * --charge and no Kassa running, one is started as its own process. The
 * running instance charges through its KassaChargeQueue and answers the
 * remote process when the invoice awaits payment, or with --wait when it
 * ends, by the exit codes documented in docs/dbus.md.
 */

#include "config.h"

#include "kassa-application-private.h"

#include <unistd.h>

#include <glib/gi18n.h>

#include "kassa-amount.h"
#include "kassa-charge-request.h"
#include "kassa-error.h"

/* How long `kassa --charge` waits for the Kassa it started to appear on the bus. */
#define SPAWN_TIMEOUT_S 30

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

  invoice = kassa_charge_queue_charge_finish (KASSA_CHARGE_QUEUE (source), result, &error);
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

int
_kassa_application_command_line (GApplication            *application,
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

  kassa_charge_queue_charge_async (self->charge_queue, amount, method, phone,
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

/* Whether @name has an owner on @bus: in *@out_has_owner, FALSE with @error
 * when the bus does not answer. */
static gboolean
name_has_owner (GDBusConnection  *bus,
                const char       *name,
                gboolean         *out_has_owner,
                GError          **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(b)", out_has_owner);

  return TRUE;
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
      gboolean has_owner = FALSE;

      if (!name_has_owner (bus, name, &has_owner, error))
        return FALSE;
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

  if (!name_has_owner (bus, app_id, &has_owner, error))
    return FALSE;
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
/* -1: the options are for the GApplication to handle (as the vfunc's default). */
int
_kassa_application_handle_local_options (GApplication *application,
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

  return -1;
}

void
_kassa_application_remote_init (KassaApplication *self)
{
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

/* Remote charges still waiting at shutdown: the invoice stays in the journal
 * and is resolved at the next start. */
void
_kassa_application_remote_shutdown (KassaApplication *self)
{
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
}
