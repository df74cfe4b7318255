/* kassa-ctl-till-bank.c — the till commands that talk to the bank (sale,
 * recover, cancel, refund, settle), set the manager PIN or play the training
 * customer: part of libkassa-ctl-bank.so
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The executable parsed the options (kassa-ctl-till.c); what the commands
 * share with it (output, the journal, exit codes) they call there.
 */

#include "config.h"

#include "kassa-ctl-till-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include <gmodule.h>

#include "kassa-core.h"
#include "kassa-bank-sim.h"
#include "kassa-training.h"

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
  g_signal_connect (t->till, "journal-failed", G_CALLBACK (kassa_ctl_till_on_journal_failed_cb), t);

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
    return kassa_ctl_till_fail (t, error);

  t->recovering = TRUE;
  t->reachable_us = g_get_monotonic_time ();
  kassa_till_recover_async (t->till, NULL, kassa_ctl_till_store_result_cb, t);
  kassa_ctl_till_run (t);
  t->recovering = FALSE;
  g_clear_handle_id (&t->give_up_id, g_source_remove);

  if (kassa_ctl_till_journal_failed (t, &status))
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
    return kassa_ctl_till_fail (t, error);

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

  if ((status = kassa_ctl_till_open_journal (t)) != KASSA_CTL_EXIT_OK)
    return status;
  if (t->training && (status = till_start_training_bank (t)) != KASSA_CTL_EXIT_OK)
    return status;
  if ((status = till_make_client (t)) != KASSA_CTL_EXIT_OK)
    return status;

  return till_make_till (t);
}

static void
on_invoice_added_cb (KassaTill    *till,
                     KassaInvoice *invoice,
                     gpointer      user_data)
{
  Till *t = user_data;

  /* Recovery's background work never adds invoices: this is our sale. */
  if (t->watched == NULL)
    kassa_ctl_till_watch_invoice (t, invoice, TRUE);
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
    return kassa_ctl_till_fail (t, error);
  if (t->method != NULL && !kassa_invoice_method_from_string (t->method, &method))
    return kassa_ctl_till_usage_error (t, _("--method must be qr, deeplink or phone"));
  if (method == KASSA_INVOICE_METHOD_PHONE && t->phone == NULL)
    return kassa_ctl_till_usage_error (t, _("--method phone needs --phone"));
  if (method != KASSA_INVOICE_METHOD_PHONE && t->phone != NULL)
    return kassa_ctl_till_usage_error (t, _("--phone is only for --method phone"));
  if (t->phone != NULL && !kassa_phone_validate (t->phone, &error))
    return kassa_ctl_till_fail (t, error);
  if (!kassa_reference_validate (t->reference, &error))
    return kassa_ctl_till_fail (t, error);
  if (t->autopay >= 0 && !t->training)
    return kassa_ctl_till_usage_error (t, _("--autopay is only for --training"));
  if (t->autopay > 86400)
    return kassa_ctl_till_usage_error (t, _("--autopay must be 0 to 86400 seconds"));

  if ((status = till_setup (t)) != KASSA_CTL_EXIT_OK ||
      (status = till_recover (t, NULL, NULL)) != KASSA_CTL_EXIT_OK)
    return status;

  if (t->training)
    kassa_bank_sim_set_autopay (t->sim, t->autopay >= 0 ? (guint) t->autopay
                                                         : DEFAULT_TRAINING_AUTOPAY);

  g_signal_connect (t->till, "invoice-added", G_CALLBACK (on_invoice_added_cb), t);
  kassa_till_sale_async (t->till, amount, method, t->phone, t->reference, t->cancellable,
                         kassa_ctl_till_store_result_cb, t);
  kassa_ctl_till_run (t);

  if (kassa_ctl_till_journal_failed (t, &status))
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
          kassa_ctl_till_print_invoice_state (t);
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
      return kassa_ctl_till_fail (t, error);
    }

  if (t->watched == NULL)
    kassa_ctl_till_watch_invoice (t, invoice, TRUE);
  kassa_ctl_till_print_invoice_state (t);

  if (t->wait && !kassa_invoice_state_is_final (kassa_invoice_get_state (invoice)))
    {
      t->following = TRUE;
      kassa_ctl_till_run (t);
      t->following = FALSE;
    }

  if (kassa_ctl_till_journal_failed (t, &status))
    return status;

  if (t->print_error != NULL)
    return kassa_ctl_till_fail (t, t->print_error);

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
    json_array_add_element (array, kassa_ctl_till_invoice_to_node (g_ptr_array_index (recovered, i)));

  json_object_set_string_member (output, "summary", summary);
  json_object_set_array_member (output, "invoices", g_steal_pointer (&array));
  if (!kassa_ctl_print_json (output, &error))
    return kassa_ctl_till_fail (t, error);

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
    return kassa_ctl_till_usage_error (t, _("refund needs the manager PIN: --pin PIN (or --pin - to read it "
                             "from standard input)"));

  if ((status = till_setup (t)) != KASSA_CTL_EXIT_OK ||
      (status = till_recover (t, NULL, NULL)) != KASSA_CTL_EXIT_OK ||
      (status = kassa_ctl_till_lookup_invoice (t, t->words[1], &invoice)) != KASSA_CTL_EXIT_OK)
    return status;

  /* Only the changes this command makes are printed. */
  t->last_printed = (int) kassa_invoice_get_state (invoice);
  kassa_ctl_till_watch_invoice (t, invoice, FALSE);

  if (refund)
    kassa_till_refund_async (t->till, invoice, t->pin, t->reason, t->cancellable,
                             kassa_ctl_till_store_result_cb, t);
  else
    kassa_till_cancel_async (t->till, invoice, t->cancellable, kassa_ctl_till_store_result_cb, t);
  kassa_ctl_till_run (t);

  if (kassa_ctl_till_journal_failed (t, &status))
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
    return kassa_ctl_till_fail (t, t->print_error);

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
      return kassa_ctl_till_fail (t, error);
    }

  return KASSA_CTL_EXIT_OK;
}

static int
command_settle (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaSettlement) settlement = NULL;
  g_autofree char *text = NULL;
  gboolean slip_printed = TRUE;
  int status;

  if (t->pin == NULL)
    return kassa_ctl_till_usage_error (t, _("settle needs the manager PIN: --pin PIN (or --pin - to read it "
                             "from standard input)"));
  if (!kassa_ctl_report_options_check (&t->documents, FALSE, FALSE, &error))
    return kassa_ctl_till_usage_error (t, error->message);

  if ((status = till_setup (t)) != KASSA_CTL_EXIT_OK ||
      (status = till_recover (t, NULL, NULL)) != KASSA_CTL_EXIT_OK)
    return status;

  kassa_till_settle_async (t->till, t->pin, t->cancellable, kassa_ctl_till_store_result_cb, t);
  kassa_ctl_till_run (t);

  if (t->result == NULL)
    {
      kassa_ctl_printerr (_("Interrupted; an unfinished settlement is sent again by the next "
                            "“kassa-ctl settle” or “kassa-ctl recover”"));
      return KASSA_CTL_EXIT_UNKNOWN;
    }

  settlement = kassa_till_settle_finish (t->till, t->result, &error);
  if (settlement == NULL)
    return kassa_ctl_till_fail (t, error);

  text = kassa_settlement_to_json (settlement);
  if (t->documents.slip_uri != NULL)
    {
      /* The settlement is done whatever the printer does: the slip's outcome
       * is part of the output, and a failed slip is exit 1 (below). */
      g_autoptr(JsonNode) node = json_from_string (text, NULL);

      slip_printed = kassa_ctl_print_slip (&t->documents, t->journal, settlement,
                                           t->cancellable, json_node_get_object (node));
      if (!kassa_ctl_print_json (json_node_get_object (node), &error))
        return kassa_ctl_till_fail (t, error);
    }
  else if (!kassa_ctl_till_print_line (text, &error))
    return kassa_ctl_till_fail (t, error);

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

  return slip_printed ? KASSA_CTL_EXIT_OK : KASSA_CTL_EXIT_INTERNAL;
}

/* printer drawer URI --pin PIN: as the GUI's Open Drawer, a manager action,
 * authorised and audited ("open-drawer", then its outcome). The URI and
 * --dots were checked by kassa_ctl_printer_main(). */
static int
command_printer_drawer (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) drawer_error = NULL;
  g_autoptr(KassaManager) manager = NULL;
  g_autofree char *outcome = NULL;
  const char *uri = t->documents.printer_uri;
  int status;

  if (t->pin == NULL)
    return kassa_ctl_till_usage_error (t, _("printer drawer needs the manager PIN: --pin PIN (or "
                                            "--pin - to read it from standard input)"));

  if ((status = kassa_ctl_till_open_journal (t)) != KASSA_CTL_EXIT_OK)
    return status;

  manager = kassa_manager_new (t->journal);
  kassa_manager_authorise_full_async (manager, t->pin, KASSA_MANAGER_ACTION_OPEN_DRAWER, NULL,
                                      uri, t->cancellable, kassa_ctl_till_store_result_cb, t);
  kassa_ctl_till_run (t);
  if (t->result == NULL)
    return KASSA_CTL_EXIT_UNKNOWN;
  if (!kassa_manager_authorise_finish (manager, t->result, &error))
    return kassa_ctl_till_fail (t, error);

  status = kassa_ctl_printer_run_job (t, KASSA_PRINT_KIND_DRAWER, &drawer_error);

  /* The authorisation has its audit row; this one says what came of it. */
  if (drawer_error == NULL)
    outcome = g_strdup (KASSA_MANAGER_RESULT_OPENED);
  else
    outcome = g_strdup_printf ("failed: %s", drawer_error->message);
  if (!kassa_manager_record (manager, KASSA_MANAGER_ACTION_OPEN_DRAWER, NULL, uri, outcome,
                             &error))
    return kassa_ctl_till_fail (t, error);

  return status;
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

  return kassa_ctl_till_exit_code (error);
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

  if ((status = kassa_ctl_till_open_journal (t)) != KASSA_CTL_EXIT_OK)
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
        current = kassa_ctl_till_read_pin_line (_("Current manager PIN: "), tty);
      if (current == NULL || current[0] == '\0')
        return kassa_ctl_till_usage_error (t, _("A manager PIN is set: the current PIN is needed (--pin, or "
                                 "the first line of standard input)"));
    }

  if (!t->clear)
    {
      pin = kassa_ctl_till_read_pin_line (_("New manager PIN (4 to 8 digits): "), tty);
      if (pin == NULL || pin[0] == '\0')
        return kassa_ctl_till_usage_error (t, has_pin ? _("No new PIN on standard input (after the current "
                                           "one; use --clear to remove the PIN)")
                                       : _("No PIN on standard input"));
      if (!kassa_manager_check_pin_format (pin, &error))
        return manager_fail (t, error, pin, current);

      if (tty)
        {
          g_autoptr(KassaCtlSecret) again = kassa_ctl_till_read_pin_line (_("The same PIN again: "), TRUE);

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
    return kassa_ctl_till_usage_error (t, _("customer acts only in the training bank: "
                             "kassa-ctl --training customer …"));
  if (!g_str_equal (action, "pay") && !g_str_equal (action, "decline"))
    return kassa_ctl_till_usage_error (t, _("customer takes pay or decline"));

  /* The journal's lock also keeps the training bank's state to one process. */
  if ((status = kassa_ctl_till_open_journal (t)) != KASSA_CTL_EXIT_OK ||
      (status = till_start_training_bank (t)) != KASSA_CTL_EXIT_OK)
    return status;

  if (g_str_equal (action, "pay"))
    ok = kassa_bank_sim_pay (t->sim, KASSA_TRAINING_TERMINAL, number, &error);
  else
    ok = kassa_bank_sim_decline (t->sim, KASSA_TRAINING_TERMINAL, number, &error);
  if (!ok)
    return kassa_ctl_till_fail (t, error);

  state = kassa_bank_sim_get_invoice_state (t->sim, KASSA_TRAINING_TERMINAL, number, NULL);
  json_object_set_string_member (output, "invoice", number);
  json_object_set_string_member (output, "bank_state", kassa_sim_invoice_state_to_string (state));
  if (!kassa_ctl_print_json (output, &error))
    return kassa_ctl_till_fail (t, error);

  return KASSA_CTL_EXIT_OK;
}

static int
till_bank_exit_code (const GError *error)
{
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

  if (error->domain == KASSA_SIM_ERROR)
    return KASSA_CTL_EXIT_USAGE;

  return -1;
}

static int
till_bank_command (Till *t)
{
  int status;

  switch (t->command->kind)
    {
    case TILL_SALE:
      status = command_sale (t);
      break;
    case TILL_RECOVER:
      status = command_recover (t);
      break;
    case TILL_CANCEL:
    case TILL_REFUND:
      status = command_cancel_or_refund (t);
      break;
    case TILL_SETTLE:
      status = command_settle (t);
      break;
    case TILL_MANAGER_PIN:
      status = command_manager_pin (t);
      break;
    case TILL_CUSTOMER:
      status = command_customer (t);
      break;
    case TILL_PRINTER:
      status = command_printer_drawer (t);
      break;
    case TILL_PENDING:
    case TILL_HISTORY:
    case TILL_AUDIT:
    case TILL_REPORT:
    case TILL_RECEIPT:
    default:
      g_return_val_if_reached (KASSA_CTL_EXIT_INTERNAL);
    }

  /* The till goes first: it cancels its requests and drops its timers. */
  g_clear_handle_id (&t->give_up_id, g_source_remove);
  if (t->watched != NULL)
    g_clear_signal_handler (&t->watched_state_id, t->watched);
  g_clear_object (&t->watched);
  g_clear_object (&t->result);
  g_clear_object (&t->till);
  g_clear_object (&t->client);
  if (t->sim != NULL)
    kassa_bank_sim_shutdown (t->sim);
  g_clear_object (&t->sim);

  return status;
}

G_MODULE_EXPORT const KassaCtlBankModule *kassa_ctl_bank_module_get (void);
G_MODULE_EXPORT const char *g_module_check_init (GModule *module);

G_MODULE_EXPORT const char *
g_module_check_init (GModule *module)
{
  g_module_make_resident (module);
  return NULL;
}

G_MODULE_EXPORT const KassaCtlBankModule *
kassa_ctl_bank_module_get (void)
{
  static const KassaCtlBankModule table = {
    KASSA_CTL_BANK_MODULE_ABI,
    kassa_ctl_bank_main,
    till_bank_command,
    till_bank_exit_code,
  };

  return &table;
}
