/* kassa-ctl-till.c — the till commands of kassa-ctl: sale, pending, recover,
 * cancel, refund, settle, history, manager-pin, customer, audit
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same KassaTill and KassaJournal the GUI uses: kassa-ctl never talks to
 * the bank itself here. Invoice output is kassa_invoice_to_json(), one object
 * per line for every state change.
 */

#include "config.h"

#include "kassa-ctl-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "kassa-core.h"
#include "kassa-bank-sim.h"
#include "kassa-receipt.h"
#include "kassa-report.h"
#include "kassa-training.h"

/* While --training sale --wait runs, the simulated customer pays after this long. */
#define DEFAULT_TRAINING_AUTOPAY 3
#define PIN_LINE_MAX 64

typedef enum
{
  TILL_SALE,
  TILL_PENDING,
  TILL_RECOVER,
  TILL_CANCEL,
  TILL_REFUND,
  TILL_SETTLE,
  TILL_HISTORY,
  TILL_MANAGER_PIN,
  TILL_CUSTOMER,
  TILL_AUDIT,
  TILL_REPORT,
  TILL_RECEIPT,
} TillCommandKind;

typedef struct
{
  const char      *name;
  TillCommandKind  kind;
  guint            n_args;
  gboolean         needs_bank;
  const char      *parameters;  /* N_() */
} TillCommand;

static const TillCommand till_commands[] = {
  { "sale",        TILL_SALE,        1, TRUE,  N_("AMOUNT") },
  { "pending",     TILL_PENDING,     0, FALSE, "" },
  { "recover",     TILL_RECOVER,     0, TRUE,  "" },
  { "cancel",      TILL_CANCEL,      1, TRUE,  N_("INVOICE") },
  { "refund",      TILL_REFUND,      1, TRUE,  N_("INVOICE") },
  { "settle",      TILL_SETTLE,      0, TRUE,  "" },
  { "history",     TILL_HISTORY,     0, FALSE, "" },
  { "manager-pin", TILL_MANAGER_PIN, 0, FALSE, "" },
  { "customer",    TILL_CUSTOMER,    2, FALSE, N_("pay|decline INVOICE") },
  { "audit",       TILL_AUDIT,       1, FALSE, N_("verify|list") },
  { "report",      TILL_REPORT,      1, FALSE, N_("BATCH") },
  { "receipt",     TILL_RECEIPT,     1, FALSE, N_("INVOICE") },
};

/* The columns of `history --csv`: the keys of kassa_invoice_to_json(), in its order. */
static const char * const csv_columns[] = {
  "invoice", "state", "amount", "method", "desc", "phone", "reference", "created",
  "approval_code", "card_number", "resp_code", "resp_desc", "paid_after_cancel",
  "settlement_id", "last_error",
};

typedef struct
{
  const TillCommand   *command;
  char               **words;

  /* Options */
  KassaCtlBankOptions  bank;
  char                *journal_path;
  gboolean             training;
  int                  poll_ms;
  int                  expiry;
  char                *method;
  char                *phone;
  char                *reference;
  gboolean             wait;
  int                  autopay;
  char                *pin;
  char                *reason;
  char                *from;
  char                *to;
  gboolean             json;
  gboolean             csv;
  gboolean             clear;
  KassaCtlReportOptions documents;  /* settle, report, receipt (kassa-ctl-report.c) */

  /* What the command runs on */
  KassaJournal        *journal;
  KassaBankSim        *sim;
  KassaBankClient     *client;
  KassaTill           *till;
  char                *secret;
  GCancellable        *cancellable;

  /* The main loop */
  gboolean             done;
  gboolean             interrupted;
  gboolean             recovering;
  gboolean             offline;
  guint                give_up_id;  /* recovery while the bank is unreachable */
  gint64               reachable_us; /* recovery: when the bank last answered (or it began) */
  gboolean             following;   /* --wait: done when the invoice is final */
  GAsyncResult        *result;

  /* The invoice whose state changes are printed */
  KassaInvoice        *watched;
  gulong               watched_state_id;
  int                  last_printed;  /* a KassaInvoiceState, or -1 */
  GError              *print_error;

  char                *journal_failure;  /* the first ::journal-failed message */
} Till;

static void
till_clear (Till *t)
{
  g_clear_handle_id (&t->give_up_id, g_source_remove);
  if (t->watched != NULL)
    g_clear_signal_handler (&t->watched_state_id, t->watched);
  g_clear_object (&t->watched);
  g_clear_object (&t->result);
  /* The till goes first: it cancels its requests and drops its timers. */
  g_clear_object (&t->till);
  g_clear_object (&t->client);
  if (t->sim != NULL)
    kassa_bank_sim_shutdown (t->sim);
  g_clear_object (&t->sim);
  g_clear_object (&t->journal);
  g_clear_object (&t->cancellable);
  g_clear_pointer (&t->secret, kassa_ctl_secret_free);
  g_clear_pointer (&t->pin, kassa_ctl_secret_free);
  g_clear_pointer (&t->words, g_strfreev);
  kassa_ctl_bank_options_clear (&t->bank);
  kassa_ctl_report_options_clear (&t->documents);
  g_clear_pointer (&t->journal_path, g_free);
  g_clear_pointer (&t->method, g_free);
  g_clear_pointer (&t->phone, g_free);
  g_clear_pointer (&t->reference, g_free);
  g_clear_pointer (&t->reason, g_free);
  g_clear_pointer (&t->from, g_free);
  g_clear_pointer (&t->to, g_free);
  g_clear_error (&t->print_error);
  g_clear_pointer (&t->journal_failure, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Till, till_clear)

/* ------------------------------------------------------------------ */
/* Exit codes and messages                                             */

static int
till_exit_code (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return KASSA_CTL_EXIT_UNKNOWN;

  if (error->domain == KASSA_TILL_ERROR)
    {
      switch ((KassaTillError) error->code)
        {
        case KASSA_TILL_ERROR_NOT_AUTHORISED:
          return KASSA_CTL_EXIT_NOT_AUTHORISED;
        case KASSA_TILL_ERROR_ILLEGAL:
        case KASSA_TILL_ERROR_INVALID_PIN:
          return KASSA_CTL_EXIT_USAGE;
        case KASSA_TILL_ERROR_PAYLOAD:
          return KASSA_CTL_EXIT_MALFORMED;
        case KASSA_TILL_ERROR_UNKNOWN_OUTCOME:
          /* The till does not say why the answer was lost; nearly always the
           * network's, and in every case the invoice is journaled and will be
           * resolved. */
          return KASSA_CTL_EXIT_NETWORK;
        case KASSA_TILL_ERROR_NOT_RECOVERED:
          return KASSA_CTL_EXIT_UNKNOWN;
        default:
          return KASSA_CTL_EXIT_INTERNAL;
        }
    }

  if (error->domain == KASSA_MANAGER_ERROR)
    {
      switch ((KassaManagerError) error->code)
        {
        case KASSA_MANAGER_ERROR_INVALID_PIN:
          return KASSA_CTL_EXIT_USAGE;
        case KASSA_MANAGER_ERROR_NO_PIN:
        case KASSA_MANAGER_ERROR_WRONG_PIN:
        case KASSA_MANAGER_ERROR_RATE_LIMITED:
        default:
          return KASSA_CTL_EXIT_NOT_AUTHORISED;
        }
    }

  if (error->domain == KASSA_JOURNAL_ERROR)
    {
      switch ((KassaJournalError) error->code)
        {
        case KASSA_JOURNAL_ERROR_AUDIT_BROKEN:
          return KASSA_CTL_EXIT_AUDIT_BROKEN;
        case KASSA_JOURNAL_ERROR_LOCKED:
        case KASSA_JOURNAL_ERROR_CORRUPT:
        case KASSA_JOURNAL_ERROR_TOO_NEW:
        case KASSA_JOURNAL_ERROR_IO:
          return KASSA_CTL_EXIT_JOURNAL;
        case KASSA_JOURNAL_ERROR_NOT_FOUND:
        case KASSA_JOURNAL_ERROR_ILLEGAL_MOVE:
        case KASSA_JOURNAL_ERROR_ALREADY_SETTLED:
        case KASSA_JOURNAL_ERROR_BATCH_OPEN:
        default:
          return KASSA_CTL_EXIT_USAGE;
        }
    }

  if (error->domain == KASSA_SIM_ERROR)
    return KASSA_CTL_EXIT_USAGE;

  return kassa_ctl_exit_code_for_error (error);
}

static int
till_fail (Till         *t,
           const GError *error)
{
  kassa_ctl_print_error (error, t->secret);

  return till_exit_code (error);
}

static int
usage_error (Till       *t,
             const char *message)
{
  kassa_ctl_printerr ("%s", message);
  kassa_ctl_printerr (_("Try “kassa-ctl %s --help”."), t->command->name);

  return KASSA_CTL_EXIT_USAGE;
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

static gboolean
print_line (const char  *text,
            GError     **error)
{
  if (fputs (text, stdout) == EOF || fputc ('\n', stdout) == EOF || fflush (stdout) == EOF)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not write to standard output: %s"), g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

static JsonNode *
invoice_to_node (KassaInvoice *invoice)
{
  g_autofree char *text = kassa_invoice_to_json (invoice);

  /* Our own library's JSON: failing to parse it is a bug. */
  return json_from_string (text, NULL);
}

static gboolean
print_invoice_array (GPtrArray  *invoices,
                     GError    **error)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;

  for (guint i = 0; i < invoices->len; i++)
    json_array_add_element (array, invoice_to_node (g_ptr_array_index (invoices, i)));

  root = json_node_init_array (json_node_alloc (), array);
  text = json_to_string (root, FALSE);

  return print_line (text, error);
}

static void
print_invoice_state (Till *t)
{
  KassaInvoiceState state = kassa_invoice_get_state (t->watched);
  g_autofree char *text = NULL;

  if ((int) state == t->last_printed)
    return;
  t->last_printed = (int) state;

  text = kassa_invoice_to_json (t->watched);
  if (t->print_error == NULL)
    print_line (text, &t->print_error);
}

static void
on_watched_state_cb (KassaInvoice *invoice,
                     GParamSpec   *pspec,
                     gpointer      user_data)
{
  Till *t = user_data;

  print_invoice_state (t);

  if (t->following && kassa_invoice_state_is_final (kassa_invoice_get_state (invoice)))
    t->done = TRUE;
}

/* Prints @invoice's state now and at every change. */
static void
watch_invoice (Till         *t,
               KassaInvoice *invoice,
               gboolean      print_now)
{
  g_return_if_fail (t->watched == NULL);

  t->watched = g_object_ref (invoice);
  t->watched_state_id = g_signal_connect (invoice, "notify::state",
                                          G_CALLBACK (on_watched_state_cb), t);
  if (print_now)
    print_invoice_state (t);
}

/* ------------------------------------------------------------------ */
/* The main loop                                                       */

static void
on_cancellable_cancelled_cb (GCancellable *cancellable,
                             gpointer      user_data)
{
  Till *t = user_data;

  t->interrupted = TRUE;
  t->done = TRUE;
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Till *t = user_data;

  g_set_object (&t->result, result);
  t->done = TRUE;
}

/* Runs until the pending call stored its result, the followed invoice is final,
 * recovery found the bank unreachable, the journal failed to record
 * something, or SIGINT/SIGTERM. */
static void
till_run (Till *t)
{
  t->done = t->interrupted || t->journal_failure != NULL;
  g_clear_object (&t->result);
  kassa_ctl_run_until (&t->done, t->cancellable);
}

/* A bank answer or a step the journal could not record ends the command at
 * once, whatever else happened: the person must not read a state the journal
 * does not have, nor wait for it. */
static gboolean
till_journal_failed (Till *t,
                     int  *out_status)
{
  if (t->journal_failure == NULL)
    return FALSE;

  kassa_ctl_printerr ("%s", t->journal_failure);
  *out_status = KASSA_CTL_EXIT_JOURNAL;
  return TRUE;
}

static void
on_journal_failed_cb (KassaTill    *till,
                      KassaInvoice *invoice,
                      const char   *message,
                      gpointer      user_data)
{
  Till *t = user_data;

  if (t->journal_failure == NULL)
    t->journal_failure = g_strdup (message);
  t->done = TRUE;
}

/* Not an error: said on stderr, and the command goes on. */
static void
on_journal_notice_cb (KassaJournal *journal,
                      const char   *message,
                      gpointer      user_data)
{
  kassa_ctl_printerr ("%s", message);
}

/* ------------------------------------------------------------------ */
/* Setting up                                                          */

static char *
training_journal_path (Till *t)
{
  if (t->journal_path != NULL)
    return g_strdup (t->journal_path);

  /* Not kassa_journal_default_path(): KASSA_JOURNAL names the real journal,
   * and training sales must never land in it. */
  return g_build_filename (g_get_user_data_dir (), "kassa", "training.sqlite", NULL);
}

static int
till_open_journal (Till *t)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (t->training)
    path = training_journal_path (t);
  else if (t->journal_path != NULL)
    path = g_strdup (t->journal_path);
  else
    path = kassa_journal_default_path (KASSA_JOURNAL_MODE_REAL);

  t->journal = kassa_journal_open (path, &error);
  if (t->journal == NULL)
    {
      /* The journal's messages name the file already: no prefix that says
       * it again. */
      if (g_error_matches (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_LOCKED))
        kassa_ctl_printerr (_("The journal “%s” is in use by another Kassa or kassa-ctl "
                              "(close it first)"), path);
      else
        kassa_ctl_print_error (error, NULL);
      return KASSA_CTL_EXIT_JOURNAL;
    }

  if (kassa_journal_get_open_notice (t->journal) != NULL)
    kassa_ctl_printerr ("%s", kassa_journal_get_open_notice (t->journal));
  g_signal_connect (t->journal, "notice", G_CALLBACK (on_journal_notice_cb), t);

  return KASSA_CTL_EXIT_OK;
}

static int
till_start_training_bank (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state = kassa_training_state_path (kassa_journal_get_path (t->journal));

  t->sim = kassa_training_bank_new (state, &t->secret, &error);
  if (t->sim == NULL)
    {
      g_prefix_error (&error, _("Cannot start the training bank: "));
      kassa_ctl_print_error (error, NULL);
      return KASSA_CTL_EXIT_JOURNAL;
    }

  return KASSA_CTL_EXIT_OK;
}

static int
till_make_client (Till *t)
{
  g_autoptr(GError) error = NULL;

  if (t->training)
    {
      t->client = kassa_training_client_new (t->sim, t->secret, &error);
      if (t->client != NULL && t->bank.timeout > 0)
        kassa_bank_client_set_timeout (t->client, (guint) t->bank.timeout);
    }
  else
    t->client = kassa_ctl_bank_options_new_client (&t->bank, &t->secret, &error);

  if (t->client == NULL)
    {
      kassa_ctl_print_error (error, t->secret);
      return KASSA_CTL_EXIT_USAGE;
    }

  return KASSA_CTL_EXIT_OK;
}

static gboolean
give_up_recovery_cb (gpointer user_data)
{
  Till *t = user_data;

  t->give_up_id = 0;
  t->offline = TRUE;
  t->done = TRUE;

  return G_SOURCE_REMOVE;
}

/* While --wait follows an invoice: what went wrong, and that the till goes on. */
static void
print_offline (Till         *t,
               const GError *why)
{
  g_autoptr(GError) message = NULL;
  int kind = why != NULL ? kassa_ctl_exit_code_for_error (why) : KASSA_CTL_EXIT_NETWORK;

  /* "Cannot be reached" only when it did not answer: a system error or an
   * unreadable reply is an answer, and support looks elsewhere for it. */
  if (kind == KASSA_CTL_EXIT_BANK_SYSTEM)
    message = g_error_new (KASSA_BANK_ERROR, KASSA_BANK_ERROR_BANK_SYSTEM,
                           /* Translators: %s says what the bank answered */
                           _("The bank answered with an error: %s — still trying (Ctrl+C "
                             "stops waiting, the invoice stays in the journal)"),
                           why->message);
  else if (kind == KASSA_CTL_EXIT_MALFORMED)
    message = g_error_new (KASSA_BANK_ERROR, KASSA_BANK_ERROR_MALFORMED_REPLY,
                           /* Translators: %s says what is wrong with the bank's reply */
                           _("The bank answered, but its reply could not be read: %s — still "
                             "trying (Ctrl+C stops waiting, the invoice stays in the "
                             "journal)"),
                           why->message);
  else
    message = g_error_new_literal (KASSA_BANK_ERROR, KASSA_BANK_ERROR_TRANSPORT,
                                   _("The bank cannot be reached; still trying (Ctrl+C stops "
                                     "waiting, the invoice stays in the journal)"));

  /* The bank's words may echo anything; the secret never leaves. */
  kassa_ctl_print_error (message, t->secret);
}

static void
on_till_connection_state_cb (KassaTill  *till,
                             GParamSpec *pspec,
                             gpointer    user_data)
{
  Till *t = user_data;
  gboolean offline = kassa_till_get_connection_state (till) == KASSA_CONNECTION_OFFLINE;

  if (!offline)
    {
      g_clear_handle_id (&t->give_up_id, g_source_remove);
      t->reachable_us = g_get_monotonic_time ();
    }

  if (offline && t->recovering)
    {
      /* Recovery would wait for the bank forever; a command gives up when
       * the bank stays unreachable for one client timeout (a single failed
       * exchange is not enough). Counted from when it last answered, not
       * from this failure: a request that hung for the whole timeout has
       * already used it up, and counting again doubled the wait. */
      gint64 timeout_ms = (gint64) kassa_bank_client_get_timeout (t->client) * 1000;
      gint64 elapsed_ms = (g_get_monotonic_time () - t->reachable_us) / 1000;

      if (t->give_up_id == 0)
        t->give_up_id = g_timeout_add ((guint) CLAMP (timeout_ms - elapsed_ms, 0, timeout_ms),
                                       give_up_recovery_cb, t);
    }
  else if (offline && t->following)
    print_offline (t, kassa_till_get_connection_error (till));
}

static int
till_make_till (Till *t)
{
  t->till = kassa_till_new (t->journal, t->client);
  if (t->poll_ms > 0)
    kassa_till_set_poll_schedule (t->till, (guint) t->poll_ms, 120, (guint) t->poll_ms);
  if (t->expiry > 0)
    kassa_till_set_expiry (t->till, (guint) t->expiry);
  g_signal_connect (t->till, "notify::connection-state",
                    G_CALLBACK (on_till_connection_state_cb), t);
  g_signal_connect (t->till, "journal-failed", G_CALLBACK (on_journal_failed_cb), t);

  return KASSA_CTL_EXIT_OK;
}

/* The unfinished invoices of the till's terminal: what recovery works on. */
static GPtrArray *
own_unfinished (Till    *t,
                GError **error)
{
  g_autoptr(GPtrArray) all = kassa_journal_list_unfinished (t->journal, error);
  GPtrArray *own;
  const char *terminal = kassa_bank_client_get_terminal (t->client);

  if (all == NULL)
    return NULL;

  own = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < all->len; i++)
    {
      KassaInvoice *invoice = g_ptr_array_index (all, i);

      if (g_strcmp0 (kassa_invoice_get_terminal (invoice), terminal) == 0)
        g_ptr_array_add (own, g_object_ref (invoice));
    }

  return own;
}

/* Start-up recovery, which the till requires before anything else. The
 * summary goes to stderr when there was something to recover (or to
 * @out_summary). @out_recovered receives what was unfinished before. */
static int
till_recover (Till       *t,
              char      **out_summary,
              GPtrArray **out_recovered)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) settlements = NULL;
  g_autofree char *summary = NULL;
  int status;

  if ((before = own_unfinished (t, &error)) == NULL ||
      (settlements = kassa_journal_list_open_settlements (t->journal, &error)) == NULL)
    return till_fail (t, error);

  t->recovering = TRUE;
  t->reachable_us = g_get_monotonic_time ();
  kassa_till_recover_async (t->till, NULL, store_result_cb, t);
  till_run (t);
  t->recovering = FALSE;
  g_clear_handle_id (&t->give_up_id, g_source_remove);

  if (till_journal_failed (t, &status))
    return status;

  if (t->result == NULL)
    {
      if (t->offline)
        {
          kassa_ctl_printerr (g_dngettext (GETTEXT_PACKAGE,
                                           "The bank cannot be reached: %u unfinished payment "
                                           "could not be resolved. It stays in the journal; "
                                           "run “kassa-ctl recover” later.",
                                           "The bank cannot be reached: %u unfinished payments "
                                           "could not be resolved. They stay in the journal; "
                                           "run “kassa-ctl recover” later.",
                                           before->len + settlements->len),
                              before->len + settlements->len);
          if (t->command->kind == TILL_RECOVER)
            return KASSA_CTL_EXIT_NETWORK;

          /* Not 3, which says "journaled, will be resolved": this command's
           * own work was never journaled nor sent. 8, as for `kassa --charge`
           * while earlier payments are still being checked (try again). */
          kassa_ctl_printerr (_("Nothing was done for “kassa-ctl %s”: try again once the bank "
                                "can be reached"), t->command->name);
          return KASSA_CTL_EXIT_UNKNOWN;
        }

      kassa_ctl_printerr (_("Interrupted while resolving unfinished payments; they stay in "
                            "the journal"));
      return KASSA_CTL_EXIT_UNKNOWN;
    }

  if (!kassa_till_recover_finish (t->till, t->result, &summary, &error))
    return till_fail (t, error);

  if (out_summary != NULL)
    *out_summary = g_steal_pointer (&summary);
  else if (before->len > 0 || settlements->len > 0)
    kassa_ctl_printerr ("%s", summary);

  if (out_recovered != NULL)
    *out_recovered = g_steal_pointer (&before);

  return KASSA_CTL_EXIT_OK;
}

/* Journal, bank (training or real), client, till, and recovery. */
static int
till_setup (Till *t)
{
  int status;

  if ((status = till_open_journal (t)) != KASSA_CTL_EXIT_OK)
    return status;
  if (t->training && (status = till_start_training_bank (t)) != KASSA_CTL_EXIT_OK)
    return status;
  if ((status = till_make_client (t)) != KASSA_CTL_EXIT_OK)
    return status;

  return till_make_till (t);
}

static int
lookup_invoice (Till          *t,
                const char    *number,
                KassaInvoice **out_invoice)
{
  g_autoptr(GError) error = NULL;

  if (!kassa_invoice_validate (number, &error))
    return till_fail (t, error);

  *out_invoice = kassa_journal_lookup (t->journal, number, &error);
  if (*out_invoice == NULL)
    {
      if (g_error_matches (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_NOT_FOUND))
        {
          kassa_ctl_printerr (_("No invoice “%s” in the journal “%s”"), number,
                              kassa_journal_get_path (t->journal));
          return KASSA_CTL_EXIT_USAGE;
        }
      return till_fail (t, error);
    }

  return KASSA_CTL_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

static void
on_invoice_added_cb (KassaTill    *till,
                     KassaInvoice *invoice,
                     gpointer      user_data)
{
  Till *t = user_data;

  /* Recovery's background work never adds invoices: this is our sale. */
  if (t->watched == NULL)
    watch_invoice (t, invoice, TRUE);
}

static int
command_sale (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  KassaInvoiceMethod method = KASSA_INVOICE_METHOD_QR;
  gint64 amount;
  int status;

  /* Everything the till would refuse is refused here, before the journal. */
  if (!kassa_amount_parse (t->words[1], &amount, &error))
    return till_fail (t, error);
  if (t->method != NULL && !kassa_invoice_method_from_string (t->method, &method))
    return usage_error (t, _("--method must be qr, deeplink or phone"));
  if (method == KASSA_INVOICE_METHOD_PHONE && t->phone == NULL)
    return usage_error (t, _("--method phone needs --phone"));
  if (method != KASSA_INVOICE_METHOD_PHONE && t->phone != NULL)
    return usage_error (t, _("--phone is only for --method phone"));
  if (t->phone != NULL && !kassa_phone_validate (t->phone, &error))
    return till_fail (t, error);
  if (!kassa_reference_validate (t->reference, &error))
    return till_fail (t, error);
  if (t->autopay >= 0 && !t->training)
    return usage_error (t, _("--autopay is only for --training"));
  if (t->autopay > 86400)
    return usage_error (t, _("--autopay must be 0 to 86400 seconds"));

  if ((status = till_setup (t)) != KASSA_CTL_EXIT_OK ||
      (status = till_recover (t, NULL, NULL)) != KASSA_CTL_EXIT_OK)
    return status;

  if (t->training)
    kassa_bank_sim_set_autopay (t->sim, t->autopay >= 0 ? (guint) t->autopay
                                                         : DEFAULT_TRAINING_AUTOPAY);

  g_signal_connect (t->till, "invoice-added", G_CALLBACK (on_invoice_added_cb), t);
  kassa_till_sale_async (t->till, amount, method, t->phone, t->reference, t->cancellable,
                         store_result_cb, t);
  till_run (t);

  if (till_journal_failed (t, &status))
    return status;
  if (t->result == NULL)
    {
      if (t->watched == NULL)
        kassa_ctl_printerr (_("Interrupted; nothing was journaled"));
      else
        kassa_ctl_printerr (_("Interrupted: invoice %s is %s. It stays in the journal; "
                              "“kassa-ctl recover” resolves it."),
                            kassa_invoice_get_number (t->watched),
                            kassa_invoice_state_to_string (kassa_invoice_get_state (t->watched)));
      return KASSA_CTL_EXIT_UNKNOWN;
    }

  invoice = kassa_till_sale_finish (t->till, t->result, &error);
  if (invoice == NULL)
    {
      if (t->watched != NULL)
        {
          print_invoice_state (t);
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              kassa_ctl_printerr (_("Interrupted: invoice %s is %s. It stays in the journal; "
                                    "“kassa-ctl recover” resolves it."),
                                  kassa_invoice_get_number (t->watched),
                                  kassa_invoice_state_to_string (
                                    kassa_invoice_get_state (t->watched)));
              return KASSA_CTL_EXIT_UNKNOWN;
            }
        }
      return till_fail (t, error);
    }

  if (t->watched == NULL)
    watch_invoice (t, invoice, TRUE);
  print_invoice_state (t);

  if (t->wait && !kassa_invoice_state_is_final (kassa_invoice_get_state (invoice)))
    {
      t->following = TRUE;
      till_run (t);
      t->following = FALSE;
    }

  if (till_journal_failed (t, &status))
    return status;

  if (t->print_error != NULL)
    return till_fail (t, t->print_error);

  if (!t->wait)
    return KASSA_CTL_EXIT_OK;

  if (!kassa_invoice_state_is_final (kassa_invoice_get_state (invoice)))
    {
      kassa_ctl_printerr (_("Interrupted: invoice %s is %s. It stays in the journal; "
                            "“kassa-ctl recover” resolves it."),
                          kassa_invoice_get_number (invoice),
                          kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)));
      return KASSA_CTL_EXIT_UNKNOWN;
    }

  return kassa_exit_code_for_state (kassa_invoice_get_state (invoice));
}

static int
command_pending (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) invoices = NULL;
  int status;

  if ((status = till_open_journal (t)) != KASSA_CTL_EXIT_OK)
    return status;

  if ((invoices = kassa_journal_list_unfinished (t->journal, &error)) == NULL ||
      !print_invoice_array (invoices, &error))
    return till_fail (t, error);

  return KASSA_CTL_EXIT_OK;
}

static int
command_recover (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) recovered = NULL;
  g_autoptr(JsonObject) output = json_object_new ();
  g_autoptr(JsonArray) array = json_array_new ();
  g_autofree char *summary = NULL;
  int status;

  if ((status = till_setup (t)) != KASSA_CTL_EXIT_OK ||
      (status = till_recover (t, &summary, &recovered)) != KASSA_CTL_EXIT_OK)
    return status;

  for (guint i = 0; i < recovered->len; i++)
    json_array_add_element (array, invoice_to_node (g_ptr_array_index (recovered, i)));

  json_object_set_string_member (output, "summary", summary);
  json_object_set_array_member (output, "invoices", g_steal_pointer (&array));
  if (!kassa_ctl_print_json (output, &error))
    return till_fail (t, error);

  return KASSA_CTL_EXIT_OK;
}

static int
command_cancel_or_refund (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  gboolean refund = t->command->kind == TILL_REFUND;
  gboolean ok;
  int status;

  if (refund && t->pin == NULL)
    return usage_error (t, _("refund needs the manager PIN: --pin PIN (or --pin - to read it "
                             "from standard input)"));

  if ((status = till_setup (t)) != KASSA_CTL_EXIT_OK ||
      (status = till_recover (t, NULL, NULL)) != KASSA_CTL_EXIT_OK ||
      (status = lookup_invoice (t, t->words[1], &invoice)) != KASSA_CTL_EXIT_OK)
    return status;

  /* Only the changes this command makes are printed. */
  t->last_printed = (int) kassa_invoice_get_state (invoice);
  watch_invoice (t, invoice, FALSE);

  if (refund)
    kassa_till_refund_async (t->till, invoice, t->pin, t->reason, t->cancellable,
                             store_result_cb, t);
  else
    kassa_till_cancel_async (t->till, invoice, t->cancellable, store_result_cb, t);
  till_run (t);

  if (till_journal_failed (t, &status))
    return status;
  if (t->result == NULL)
    {
      kassa_ctl_printerr (_("Interrupted: invoice %s is %s"), kassa_invoice_get_number (invoice),
                          kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)));
      return KASSA_CTL_EXIT_UNKNOWN;
    }

  if (refund)
    ok = kassa_till_refund_finish (t->till, t->result, &error);
  else
    ok = kassa_till_cancel_finish (t->till, t->result, &error);

  if (t->print_error != NULL)
    return till_fail (t, t->print_error);

  if (!ok)
    {
      /* The customer paid before the cancel arrived: the bank refused it. */
      if (!refund && g_error_matches (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL) &&
          kassa_invoice_get_paid_after_cancel (invoice))
        {
          kassa_ctl_print_error (error, t->secret);
          return KASSA_CTL_EXIT_REJECTED;
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          kassa_ctl_printerr (_("Interrupted: invoice %s is %s"),
                              kassa_invoice_get_number (invoice),
                              kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)));
          return KASSA_CTL_EXIT_UNKNOWN;
        }
      return till_fail (t, error);
    }

  return KASSA_CTL_EXIT_OK;
}

static int
command_settle (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaSettlement) settlement = NULL;
  g_autofree char *text = NULL;
  int status;

  if (t->pin == NULL)
    return usage_error (t, _("settle needs the manager PIN: --pin PIN (or --pin - to read it "
                             "from standard input)"));
  if (!kassa_ctl_report_options_check (&t->documents, FALSE, FALSE, &error))
    return usage_error (t, error->message);

  if ((status = till_setup (t)) != KASSA_CTL_EXIT_OK ||
      (status = till_recover (t, NULL, NULL)) != KASSA_CTL_EXIT_OK)
    return status;

  kassa_till_settle_async (t->till, t->pin, t->cancellable, store_result_cb, t);
  till_run (t);

  if (t->result == NULL)
    {
      kassa_ctl_printerr (_("Interrupted; an unfinished settlement is sent again by the next "
                            "“kassa-ctl settle” or “kassa-ctl recover”"));
      return KASSA_CTL_EXIT_UNKNOWN;
    }

  settlement = kassa_till_settle_finish (t->till, t->result, &error);
  if (settlement == NULL)
    return till_fail (t, error);

  text = kassa_settlement_to_json (settlement);
  if (!print_line (text, &error))
    return till_fail (t, error);

  /* Written whether or not the totals match: a mismatch is when they are needed. */
  if (!kassa_ctl_report_write (&t->documents, t->journal, settlement, &error))
    {
      kassa_ctl_print_error (error, t->secret);
      kassa_ctl_printerr (_("The settlement is recorded; “kassa-ctl report %s” writes the "
                            "documents again"), kassa_settlement_get_id (settlement));
      return KASSA_CTL_EXIT_INTERNAL;
    }

  if (!kassa_settlement_reconcile (settlement))
    {
      kassa_ctl_printerr (_("Settlement %s does not match: the journal has %" PRId64
                            " payments, %" PRId64 " ₮; the bank %" PRId64
                            " payments, %" PRId64 " ₮"),
                          kassa_settlement_get_id (settlement),
                          kassa_settlement_get_local_count (settlement),
                          kassa_settlement_get_local_amount (settlement),
                          kassa_settlement_get_bank_count (settlement),
                          kassa_settlement_get_bank_amount (settlement));
      return KASSA_CTL_EXIT_MISMATCH;
    }

  return KASSA_CTL_EXIT_OK;
}

/* YYYY-MM-DD (local midnight) or a full ISO-8601 date and time (local time
 * when it has no offset). */
static GDateTime *
parse_date (const char  *option,
            const char  *text,
            GError     **error)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  GDateTime *date = NULL;

  if (strlen (text) == 10 && text[4] == '-' && text[7] == '-')
    {
      guint year = 0, month = 0, day = 0;
      gboolean digits = TRUE;

      for (guint i = 0; i < 10; i++)
        {
          if (i != 4 && i != 7 && !g_ascii_isdigit (text[i]))
            digits = FALSE;
        }
      if (digits)
        {
          year = (guint) g_ascii_strtoull (text, NULL, 10);
          month = (guint) g_ascii_strtoull (text + 5, NULL, 10);
          day = (guint) g_ascii_strtoull (text + 8, NULL, 10);
        }
      if (digits && g_date_valid_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year))
        date = g_date_time_new_local ((int) year, (int) month, (int) day, 0, 0, 0);
    }
  else
    date = g_date_time_new_from_iso8601 (text, local);

  if (date == NULL)
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 _("%s “%s” is not a date: use YYYY-MM-DD or an ISO-8601 date and time "
                   "(2024-05-01T09:30:00+08:00)"), option, text);

  return date;
}

static gboolean
print_csv (GPtrArray  *invoices,
           GError    **error)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint c = 0; c < G_N_ELEMENTS (csv_columns); c++)
    {
      if (c > 0)
        g_string_append_c (out, ',');
      g_string_append (out, csv_columns[c]);
    }
  g_string_append (out, "\r\n");

  for (guint i = 0; i < invoices->len; i++)
    {
      g_autoptr(JsonNode) node = invoice_to_node (g_ptr_array_index (invoices, i));
      JsonObject *object = json_node_get_object (node);

      for (guint c = 0; c < G_N_ELEMENTS (csv_columns); c++)
        {
          JsonNode *member = json_object_get_member (object, csv_columns[c]);
          g_autofree char *value = NULL;

          if (c > 0)
            g_string_append_c (out, ',');
          if (member == NULL || JSON_NODE_HOLDS_NULL (member))
            continue;

          switch (json_node_get_value_type (member))
            {
            case G_TYPE_STRING:
              value = g_strdup (json_node_get_string (member));
              break;
            case G_TYPE_INT64:
              value = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (member));
              break;
            case G_TYPE_BOOLEAN:
              value = g_strdup (json_node_get_boolean (member) ? "true" : "false");
              break;
            default:
              value = json_to_string (member, FALSE);
              break;
            }
          kassa_report_append_csv_field (out, value);
        }
      g_string_append (out, "\r\n");
    }

  if (fputs (out->str, stdout) == EOF || fflush (stdout) == EOF)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not write to standard output: %s"), g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

static int
command_history (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) from = NULL;
  g_autoptr(GDateTime) to = NULL;
  g_autoptr(GPtrArray) invoices = NULL;
  int status;

  if (t->json && t->csv)
    return usage_error (t, _("--json and --csv exclude each other"));
  if (t->from != NULL && (from = parse_date ("--from", t->from, &error)) == NULL)
    return usage_error (t, error->message);
  if (t->to != NULL && (to = parse_date ("--to", t->to, &error)) == NULL)
    return usage_error (t, error->message);

  if ((status = till_open_journal (t)) != KASSA_CTL_EXIT_OK)
    return status;

  if ((invoices = kassa_journal_list (t->journal, from, to, &error)) == NULL)
    return till_fail (t, error);

  if (t->csv)
    {
      if (!print_csv (invoices, &error))
        return till_fail (t, error);
    }
  else if (t->json)
    {
      if (!print_invoice_array (invoices, &error))
        return till_fail (t, error);
    }
  else
    {
      for (guint i = 0; i < invoices->len; i++)
        {
          g_autofree char *text = kassa_invoice_to_json (g_ptr_array_index (invoices, i));

          if (!print_line (text, &error))
            return till_fail (t, error);
        }
    }

  return KASSA_CTL_EXIT_OK;
}

/* One line of standard input, without its line ending; NULL at end of input. */
static char *
read_pin_line (const char *prompt,
               gboolean    tty)
{
  struct termios saved, quiet;
  gboolean echo_off = FALSE;
  char buffer[PIN_LINE_MAX + 2];
  char *line;

  if (tty)
    {
      fputs (prompt, stderr);
      fflush (stderr);
      if (tcgetattr (STDIN_FILENO, &saved) == 0)
        {
          quiet = saved;
          quiet.c_lflag &= ~(tcflag_t) ECHO;
          echo_off = tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }

  line = fgets (buffer, sizeof buffer, stdin);

  if (echo_off)
    {
      tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
      fputc ('\n', stderr);
    }

  if (line == NULL)
    {
      explicit_bzero (buffer, sizeof buffer);
      return NULL;
    }

  buffer[strcspn (buffer, "\r\n")] = '\0';
  line = g_strdup (buffer);
  explicit_bzero (buffer, sizeof buffer);

  return line;
}

static int
manager_fail (Till         *t,
              const GError *error,
              const char   *pin_a,
              const char   *pin_b)
{
  g_autoptr(GError) masked = g_error_copy (error);

  /* A PIN never reaches the terminal, whatever an error says. */
  if (pin_b != NULL && *pin_b != '\0')
    {
      g_autoptr(GString) message = g_string_new (masked->message);

      g_string_replace (message, pin_b, "****", 0);
      g_free (masked->message);
      masked->message = g_string_free (g_steal_pointer (&message), FALSE);
    }
  kassa_ctl_print_error (masked, pin_a);

  return till_exit_code (error);
}

static int
command_manager_pin (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaCtlSecret) pin = NULL;
  g_autoptr(KassaCtlSecret) current = NULL;
  g_autoptr(KassaManager) manager = NULL;
  gboolean tty = isatty (STDIN_FILENO);
  gboolean has_pin;
  int status;

  if ((status = till_open_journal (t)) != KASSA_CTL_EXIT_OK)
    return status;

  manager = kassa_manager_new (t->journal);
  has_pin = kassa_manager_has_pin (manager);

  if (t->clear && !has_pin)
    {
      kassa_ctl_printerr (_("No manager PIN is set; there is nothing to remove"));
      return KASSA_CTL_EXIT_USAGE;
    }

  /* Changing or removing a PIN needs the current one: --pin, or the first
   * line of standard input. */
  if (has_pin)
    {
      if (t->pin != NULL)
        current = g_strdup (t->pin);
      else
        current = read_pin_line (_("Current manager PIN: "), tty);
      if (current == NULL || current[0] == '\0')
        return usage_error (t, _("A manager PIN is set: the current PIN is needed (--pin, or "
                                 "the first line of standard input)"));
    }

  if (!t->clear)
    {
      pin = read_pin_line (_("New manager PIN (4 to 8 digits): "), tty);
      if (pin == NULL || pin[0] == '\0')
        return usage_error (t, has_pin ? _("No new PIN on standard input (after the current "
                                           "one; use --clear to remove the PIN)")
                                       : _("No PIN on standard input"));
      if (!kassa_manager_check_pin_format (pin, &error))
        return manager_fail (t, error, pin, current);

      if (tty)
        {
          g_autoptr(KassaCtlSecret) again = read_pin_line (_("The same PIN again: "), TRUE);

          if (again == NULL || !g_str_equal (pin, again))
            {
              kassa_ctl_printerr (_("The two PINs differ; nothing was changed"));
              return KASSA_CTL_EXIT_USAGE;
            }
        }
    }

  if (!kassa_manager_set_pin (manager, current, pin, &error))
    return manager_fail (t, error, pin, current);

  kassa_ctl_printerr (t->clear ? _("The manager PIN was removed: refunds and settlement are "
                                   "refused until a PIN is set")
                      : has_pin ? _("The manager PIN was changed")
                                : _("The manager PIN was set"));

  return KASSA_CTL_EXIT_OK;
}

static JsonNode *
audit_entry_to_node (const KassaAuditEntry *entry)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GDateTime) seconds = g_date_time_new_from_unix_utc (entry->time_us / G_USEC_PER_SEC);
  g_autoptr(GDateTime) time = NULL;
  g_autofree char *iso = NULL;

  if (seconds != NULL)
    {
      time = g_date_time_add (seconds, entry->time_us % G_USEC_PER_SEC);
      iso = g_date_time_format_iso8601 (time);
    }

  json_object_set_int_member (object, "id", entry->id);
  json_object_set_string_member (object, "time", iso);
  json_object_set_string_member (object, "action", entry->action);
  json_object_set_string_member (object, "reason", entry->reason);
  json_object_set_string_member (object, "subject", entry->subject);
  json_object_set_string_member (object, "result", entry->result);
  json_object_set_string_member (object, "prev_hash", entry->prev_hash);
  json_object_set_string_member (object, "hash", entry->hash);

  return json_node_init_object (json_node_alloc (), object);
}

static int
command_audit (Till *t)
{
  g_autoptr(GError) error = NULL;
  const char *what = t->words[1];
  int status;

  if (!g_str_equal (what, "verify") && !g_str_equal (what, "list"))
    return usage_error (t, _("audit takes verify or list"));
  if (t->json && !g_str_equal (what, "list"))
    return usage_error (t, _("--json is only for “audit list”"));

  if ((status = till_open_journal (t)) != KASSA_CTL_EXIT_OK)
    return status;

  if (g_str_equal (what, "verify"))
    {
      g_autoptr(JsonObject) output = json_object_new ();
      gint64 rows = 0, bad_id = 0;
      gboolean ok = kassa_journal_verify_audit (t->journal, &rows, &bad_id, &error);

      if (!ok && !g_error_matches (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_AUDIT_BROKEN))
        return till_fail (t, error);

      json_object_set_boolean_member (output, "ok", ok);
      if (ok)
        json_object_set_int_member (output, "rows", rows);
      else
        {
          json_object_set_int_member (output, "bad_row", bad_id);
          json_object_set_string_member (output, "message", error->message);
        }
      /* Broken: the row on stdout for scripts, the message on stderr for people. */
      if (!kassa_ctl_print_json (output, ok ? &error : NULL))
        return ok ? till_fail (t, error) : KASSA_CTL_EXIT_INTERNAL;

      return ok ? KASSA_CTL_EXIT_OK : till_fail (t, error);
    }
  else
    {
      g_autoptr(GPtrArray) entries = kassa_journal_list_audit (t->journal, &error);
      g_autoptr(JsonArray) array = json_array_new ();

      if (entries == NULL)
        return till_fail (t, error);

      for (guint i = 0; i < entries->len; i++)
        {
          g_autoptr(JsonNode) node = audit_entry_to_node (g_ptr_array_index (entries, i));

          if (t->json)
            json_array_add_element (array, g_steal_pointer (&node));
          else
            {
              g_autofree char *text = json_to_string (node, FALSE);

              if (!print_line (text, &error))
                return till_fail (t, error);
            }
        }

      if (t->json)
        {
          g_autoptr(JsonNode) root = json_node_init_array (json_node_alloc (), array);
          g_autofree char *text = json_to_string (root, FALSE);

          if (!print_line (text, &error))
            return till_fail (t, error);
        }
    }

  return KASSA_CTL_EXIT_OK;
}

/* report BATCH: the documents of an earlier batch, from the journal alone. */
static int
command_report (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaSettlement) settlement = NULL;
  g_autofree char *text = NULL;
  const char *id = t->words[1];
  int status;

  if (!kassa_ctl_report_options_check (&t->documents, FALSE, TRUE, &error))
    return usage_error (t, error->message);

  if ((status = till_open_journal (t)) != KASSA_CTL_EXIT_OK)
    return status;

  settlement = kassa_journal_lookup_settlement (t->journal, id, &error);
  if (settlement == NULL)
    {
      if (g_error_matches (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_NOT_FOUND))
        {
          kassa_ctl_printerr (_("No settlement “%s” in the journal “%s”"), id,
                              kassa_journal_get_path (t->journal));
          return KASSA_CTL_EXIT_USAGE;
        }
      return till_fail (t, error);
    }

  if (!kassa_ctl_report_write (&t->documents, t->journal, settlement, &error))
    {
      kassa_ctl_print_error (error, NULL);
      return KASSA_CTL_EXIT_INTERNAL;
    }

  text = kassa_settlement_to_json (settlement);
  if (!print_line (text, &error))
    return till_fail (t, error);

  return KASSA_CTL_EXIT_OK;
}

/* receipt INVOICE --pdf FILE: a paid or refunded invoice's receipt. */
static int
command_receipt (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  int status;

  if (!kassa_ctl_report_options_check (&t->documents, TRUE, TRUE, &error))
    return usage_error (t, error->message);

  if ((status = till_open_journal (t)) != KASSA_CTL_EXIT_OK ||
      (status = lookup_invoice (t, t->words[1], &invoice)) != KASSA_CTL_EXIT_OK)
    return status;

  if (!kassa_receipt_check (invoice, &error))
    {
      kassa_ctl_print_error (error, NULL);
      return KASSA_CTL_EXIT_USAGE;
    }

  if (!kassa_ctl_receipt_write (&t->documents, invoice, &error))
    {
      kassa_ctl_print_error (error, NULL);
      return KASSA_CTL_EXIT_INTERNAL;
    }

  return KASSA_CTL_EXIT_OK;
}

static int
command_customer (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) output = json_object_new ();
  const char *action = t->words[1];
  const char *number = t->words[2];
  KassaSimInvoiceState state;
  gboolean ok;
  int status;

  if (!t->training)
    return usage_error (t, _("customer acts only in the training bank: "
                             "kassa-ctl --training customer …"));
  if (!g_str_equal (action, "pay") && !g_str_equal (action, "decline"))
    return usage_error (t, _("customer takes pay or decline"));

  /* The journal's lock also keeps the training bank's state to one process. */
  if ((status = till_open_journal (t)) != KASSA_CTL_EXIT_OK ||
      (status = till_start_training_bank (t)) != KASSA_CTL_EXIT_OK)
    return status;

  if (g_str_equal (action, "pay"))
    ok = kassa_bank_sim_pay (t->sim, KASSA_TRAINING_TERMINAL, number, &error);
  else
    ok = kassa_bank_sim_decline (t->sim, KASSA_TRAINING_TERMINAL, number, &error);
  if (!ok)
    return till_fail (t, error);

  state = kassa_bank_sim_get_invoice_state (t->sim, KASSA_TRAINING_TERMINAL, number, NULL);
  json_object_set_string_member (output, "invoice", number);
  json_object_set_string_member (output, "bank_state", kassa_sim_invoice_state_to_string (state));
  if (!kassa_ctl_print_json (output, &error))
    return till_fail (t, error);

  return KASSA_CTL_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* Options                                                             */

static const TillCommand *
till_command_lookup (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (till_commands); i++)
    {
      if (g_str_equal (name, till_commands[i].name))
        return &till_commands[i];
    }

  return NULL;
}

static void
add_command_entries (Till           *t,
                     GOptionContext *context)
{
  const GOptionEntry common[] = {
    { "journal", 0, 0, G_OPTION_ARG_FILENAME, &t->journal_path,
      N_("The journal (overrides KASSA_JOURNAL)"), N_("PATH") },
    { "training", 0, 0, G_OPTION_ARG_NONE, &t->training,
      N_("Use the built-in training bank and the training journal"), NULL },
    { NULL }
  };
  const GOptionEntry tuning[] = {
    { "poll-ms", 0, 0, G_OPTION_ARG_INT, &t->poll_ms,
      N_("Check unpaid invoices every MS milliseconds (default 1000, then 3000)"), N_("MS") },
    { "expiry", 0, 0, G_OPTION_ARG_INT, &t->expiry,
      N_("Cancel an unpaid invoice after SECONDS (default 600)"), N_("SECONDS") },
    { NULL }
  };
  const GOptionEntry sale[] = {
    { "method", 0, 0, G_OPTION_ARG_STRING, &t->method,
      N_("qr (default), deeplink or phone"), N_("METHOD") },
    { "phone", 0, 0, G_OPTION_ARG_STRING, &t->phone,
      N_("The customer's phone, 8 digits (--method phone)"), N_("PHONE") },
    { "reference", 0, 0, G_OPTION_ARG_STRING, &t->reference,
      N_("A note kept with the invoice (e.g. the receipt number)"), N_("TEXT") },
    { "wait", 0, 0, G_OPTION_ARG_NONE, &t->wait,
      N_("Follow the invoice until it is paid, declined, cancelled or expired"), NULL },
    { "autopay", 0, 0, G_OPTION_ARG_INT, &t->autopay,
      N_("Training: the customer pays after SECONDS (default 3, 0 = never)"), N_("SECONDS") },
    { NULL }
  };
  const GOptionEntry refund[] = {
    { "pin", 0, 0, G_OPTION_ARG_STRING, &t->pin,
      N_("The manager PIN (“-”: read it from standard input)"), N_("PIN") },
    { "reason", 0, 0, G_OPTION_ARG_STRING, &t->reason,
      N_("Why the payment is refunded (kept in the audit log)"), N_("TEXT") },
    { NULL }
  };
  const GOptionEntry settle[] = {
    { "pin", 0, 0, G_OPTION_ARG_STRING, &t->pin,
      N_("The manager PIN (“-”: read it from standard input)"), N_("PIN") },
    { NULL }
  };
  const GOptionEntry audit[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &t->json, N_("list: one JSON array"), NULL },
    { NULL }
  };
  const GOptionEntry history[] = {
    { "from", 0, 0, G_OPTION_ARG_STRING, &t->from,
      N_("Invoices created at or after DATE (YYYY-MM-DD or ISO-8601)"), N_("DATE") },
    { "to", 0, 0, G_OPTION_ARG_STRING, &t->to,
      N_("Invoices created before DATE"), N_("DATE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &t->json, N_("One JSON array"), NULL },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &t->csv, N_("CSV with a header row"), NULL },
    { NULL }
  };
  const GOptionEntry manager_pin[] = {
    { "pin", 0, 0, G_OPTION_ARG_STRING, &t->pin,
      N_("The current manager PIN, when one is set (“-”: the first line of standard input)"),
      N_("PIN") },
    { "clear", 0, 0, G_OPTION_ARG_NONE, &t->clear,
      N_("Remove the PIN: refunds and settlement are refused until one is set"), NULL },
    { NULL }
  };

  g_option_context_add_main_entries (context, common, GETTEXT_PACKAGE);
  if (t->command->needs_bank)
    {
      kassa_ctl_bank_options_add (&t->bank, context);
      g_option_context_add_main_entries (context, tuning, GETTEXT_PACKAGE);
    }

  switch (t->command->kind)
    {
    case TILL_SALE:
      g_option_context_add_main_entries (context, sale, GETTEXT_PACKAGE);
      break;
    case TILL_REFUND:
      g_option_context_add_main_entries (context, refund, GETTEXT_PACKAGE);
      break;
    case TILL_HISTORY:
      g_option_context_add_main_entries (context, history, GETTEXT_PACKAGE);
      break;
    case TILL_MANAGER_PIN:
      g_option_context_add_main_entries (context, manager_pin, GETTEXT_PACKAGE);
      break;
    case TILL_SETTLE:
      g_option_context_add_main_entries (context, settle, GETTEXT_PACKAGE);
      kassa_ctl_report_options_add (&t->documents, FALSE, context);
      break;
    case TILL_REPORT:
      kassa_ctl_report_options_add (&t->documents, FALSE, context);
      break;
    case TILL_RECEIPT:
      kassa_ctl_report_options_add (&t->documents, TRUE, context);
      break;
    case TILL_AUDIT:
      g_option_context_add_main_entries (context, audit, GETTEXT_PACKAGE);
      break;
    case TILL_PENDING:
    case TILL_RECOVER:
    case TILL_CANCEL:
    case TILL_CUSTOMER:
    default:
      break;
    }
}

static const char *
command_summary (TillCommandKind kind)
{
  switch (kind)
    {
    case TILL_SALE:
      return _("Creates an invoice and prints it as one JSON line per state change\n"
               "(CREATING, AWAITING_PAYMENT with the QR payload in \"desc\", …). Without\n"
               "--wait it exits 0 once the invoice awaits payment: it stays in the journal\n"
               "and “pending” / “recover” resolve it. With --wait it follows the invoice\n"
               "to PAID (exit 0), or DECLINED, CANCELLED, EXPIRED (exit 7).");
    case TILL_PENDING:
      return _("Prints the journal's unfinished invoices as one JSON array. Does not\n"
               "contact the bank.");
    case TILL_RECOVER:
      return _("Resolves every unfinished invoice and settlement with the bank and prints\n"
               "{\"summary\": …, \"invoices\": [the invoices that were unfinished, as now]}.");
    case TILL_CANCEL:
      return _("Cancels an unpaid invoice of the journal; prints each state change.");
    case TILL_REFUND:
      return _("Refunds a paid invoice of the journal (the whole amount, once), with the\n"
               "manager PIN set by “kassa-ctl manager-pin”; prints each state change.\n"
               "The authorisation, with --reason, is written to the audit log.");
    case TILL_SETTLE:
      return _("Closes the batch, with the manager PIN: prints the settlement with its\n"
               "reconciliation (exit 0 when the bank's count and sum match the journal's,\n"
               "11 when they differ). --report FILE.pdf and --csv FILE.csv also write the\n"
               "batch's settlement report, matching or not.");
    case TILL_HISTORY:
      return _("Prints the journal's invoices, oldest first: one JSON object per line,\n"
               "one JSON array (--json), or CSV (--csv, RFC 4180, CRLF line ends).\n"
               "--from and --to take YYYY-MM-DD (local midnight) or ISO-8601; --to is\n"
               "exclusive.");
    case TILL_MANAGER_PIN:
      return _("Sets the manager PIN (4 to 8 digits) that authorises refunds, settlement,\n"
               "preferences and leaving training mode, read from standard input: twice on\n"
               "a terminal, one line otherwise. When a PIN is set, the current one is\n"
               "needed first (--pin, or the first line of standard input). Only a salted\n"
               "PBKDF2 hash is stored, in the journal; wrong PINs are rate limited.");
    case TILL_CUSTOMER:
      return _("Training only: the simulated customer pays or declines an invoice of the\n"
               "training bank. Then “kassa-ctl --training recover” sees it.");
    case TILL_AUDIT:
      return _("The hash-chained audit log of manager actions. “verify” checks the chain:\n"
               "{\"ok\": true, \"rows\": N}, or {\"ok\": false, \"bad_row\": ID, …} and exit\n"
               "13 when a row was changed or removed. “list” prints one JSON object per\n"
               "row, oldest first (--json: one array).");
    case TILL_REPORT:
      return _("Writes the settlement report of an earlier batch (its id as “settle”\n"
               "printed it): --report FILE.pdf (A4), --csv FILE.csv (RFC 4180), or both,\n"
               "from the journal alone; prints the settlement. docs/reports.md describes\n"
               "the documents.");
    case TILL_RECEIPT:
      return _("Writes the receipt of a paid or refunded invoice of the journal as PDF:\n"
               "--pdf FILE, --paper 58 or 80 (a roll, one page as long as the receipt)\n"
               "or a4; default 80. Prints {\"invoice\", \"state\", \"paper\", \"pdf\"}.");
    default:
      return "";
    }
}

static char *
command_description (Till *t)
{
  return g_strconcat (
    _("The journal: --journal, else KASSA_JOURNAL, else the default file under\n"
      "$XDG_DATA_HOME/kassa/. With --training: --journal, else\n"
      "$XDG_DATA_HOME/kassa/training.sqlite (KASSA_JOURNAL is ignored), and the\n"
      "training bank keeps its state in training-bank.json next to it.\n"
      "\n"
      "Every command that talks to the bank first resolves the journal's unfinished\n"
      "invoices (recovery) and says so on stderr when there were any.\n"
      "\n"),
    t->command->needs_bank && !t->training ? kassa_ctl_bank_options_help () : "",
    t->command->needs_bank && !t->training ? "\n\n" : "",
    kassa_ctl_exit_codes_help (),
    NULL);
}

static gboolean
bank_options_given (const KassaCtlBankOptions *bank)
{
  return bank->url != NULL || bank->terminal != NULL || bank->secret_file != NULL ||
         bank->ca_file != NULL || bank->profile != NULL || bank->readings != NULL;
}

int
kassa_ctl_till_main (int    argc,
                     char **argv)
{
  g_auto(Till) t = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = NULL;
  g_autofree char *description = NULL;
  guint n_words;

  t.command = till_command_lookup (argv[0]);
  g_return_val_if_fail (t.command != NULL, KASSA_CTL_EXIT_INTERNAL);
  t.autopay = -1;
  t.last_printed = -1;
  kassa_ctl_bank_options_init (&t.bank);

  prgname = g_strconcat ("kassa-ctl ", t.command->name, NULL);
  g_set_prgname (prgname);

  context = g_option_context_new (_(t.command->parameters));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  add_command_entries (&t, context);
  g_option_context_set_summary (context, command_summary (t.command->kind));
  description = command_description (&t);
  g_option_context_set_description (context, description);

  t.words = g_new0 (char *, argc + 1);
  for (int i = 0; i < argc; i++)
    t.words[i] = g_strdup (argv[i]);

  if (!g_option_context_parse_strv (context, &t.words, &error))
    {
      g_autofree char *message =
        kassa_ctl_option_error_message (error, (const char * const *) argv);

      return usage_error (&t, message);
    }

  n_words = g_strv_length (t.words);
  if (n_words - 1 != t.command->n_args)
    {
      g_autofree char *message =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "“%s” takes %u argument, not %u",
                                      "“%s” takes %u arguments, not %u",
                                      t.command->n_args),
                         t.command->name, t.command->n_args, n_words - 1);

      return usage_error (&t, message);
    }

  if (t.training && bank_options_given (&t.bank))
    return usage_error (&t, _("--training uses the built-in training bank: --url, --terminal, "
                              "--secret-file, --ca-file, --reading and --profile cannot be "
                              "used with it"));
  if (t.poll_ms < 0 || t.expiry < 0)
    return usage_error (&t, _("--poll-ms and --expiry must be positive"));

  if (t.pin != NULL && g_str_equal (t.pin, "-"))
    {
      g_clear_pointer (&t.pin, kassa_ctl_secret_free);
      t.pin = read_pin_line (_("Manager PIN: "), isatty (STDIN_FILENO));
      if (t.pin == NULL)
        return usage_error (&t, _("No PIN on standard input"));
    }

  t.cancellable = g_cancellable_new ();
  g_cancellable_connect (t.cancellable, G_CALLBACK (on_cancellable_cancelled_cb), &t, NULL);

  switch (t.command->kind)
    {
    case TILL_SALE:
      return command_sale (&t);
    case TILL_PENDING:
      return command_pending (&t);
    case TILL_RECOVER:
      return command_recover (&t);
    case TILL_CANCEL:
    case TILL_REFUND:
      return command_cancel_or_refund (&t);
    case TILL_SETTLE:
      return command_settle (&t);
    case TILL_HISTORY:
      return command_history (&t);
    case TILL_MANAGER_PIN:
      return command_manager_pin (&t);
    case TILL_CUSTOMER:
      return command_customer (&t);
    case TILL_AUDIT:
      return command_audit (&t);
    case TILL_REPORT:
      return command_report (&t);
    case TILL_RECEIPT:
      return command_receipt (&t);
    default:
      g_assert_not_reached ();
    }
}
