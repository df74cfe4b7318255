/* kassa-ctl-till.c — the till commands of kassa-ctl: sale, pending, recover,
 * cancel, refund, settle, history, manager-pin, customer, audit
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same KassaTill and KassaJournal the GUI uses: kassa-ctl never talks to
 * the bank itself here. Invoice output is kassa_invoice_to_json(), one object
 * per line for every state change.
 *
 * This file parses every till command's options and runs those that only read
 * the journal (pending, history, audit, report, receipt); the others are the
 * bank module's (kassa-ctl-till-bank.c, kassa-ctl-till-private.h).
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

#include "kassa-receipt.h"
#include "kassa-report.h"

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
  /* 1 or 2: kassa_ctl_printer_main() checks them. */
  { "printer",     TILL_PRINTER,     2, FALSE, N_("list|status|test|drawer [URI]") },
};

/* The columns of `history --csv`: the keys of kassa_invoice_to_json(), in its order. */
static const char * const csv_columns[] = {
  "invoice", "state", "amount", "method", "desc", "phone", "reference", "created",
  "approval_code", "card_number", "resp_code", "resp_desc", "paid_after_cancel",
  "settlement_id", "last_error",
};

void
kassa_ctl_till_clear (Till *t)
{
  g_clear_handle_id (&t->give_up_id, g_source_remove);
  if (t->watched != NULL)
    g_clear_signal_handler (&t->watched_state_id, t->watched);
  g_clear_object (&t->watched);
  g_clear_object (&t->result);
  /* The till goes first: it cancels its requests and drops its timers. */
  g_clear_object (&t->till);
  g_clear_object (&t->client);
  /* The bank module's command shut the training bank down already. */
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

/* ------------------------------------------------------------------ */
/* Exit codes and messages                                             */

int
kassa_ctl_till_exit_code (const GError *error)
{
  const KassaCtlBankModule *module = kassa_ctl_bank_module_peek ();
  int code;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return KASSA_CTL_EXIT_UNKNOWN;

  /* Only the bank module's commands meet the till's, the manager's and the
   * training bank's errors: the module is loaded then. */
  if (module != NULL && (code = module->till_exit_code (error)) >= 0)
    return code;

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

  return kassa_ctl_exit_code_for_error (error);
}

int
kassa_ctl_till_fail (Till         *t,
                     const GError *error)
{
  kassa_ctl_print_error (error, t->secret);

  return kassa_ctl_till_exit_code (error);
}

int
kassa_ctl_till_usage_error (Till       *t,
                            const char *message)
{
  kassa_ctl_printerr ("%s", message);
  kassa_ctl_printerr (_("Try “kassa-ctl %s --help”."), t->command->name);

  return KASSA_CTL_EXIT_USAGE;
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

gboolean
kassa_ctl_till_print_line (const char  *text,
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

JsonNode *
kassa_ctl_till_invoice_to_node (KassaInvoice *invoice)
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
    json_array_add_element (array, kassa_ctl_till_invoice_to_node (g_ptr_array_index (invoices, i)));

  root = json_node_init_array (json_node_alloc (), array);
  text = json_to_string (root, FALSE);

  return kassa_ctl_till_print_line (text, error);
}

void
kassa_ctl_till_print_invoice_state (Till *t)
{
  KassaInvoiceState state = kassa_invoice_get_state (t->watched);
  g_autofree char *text = NULL;

  if ((int) state == t->last_printed)
    return;
  t->last_printed = (int) state;

  text = kassa_invoice_to_json (t->watched);
  if (t->print_error == NULL)
    kassa_ctl_till_print_line (text, &t->print_error);
}

static void
on_watched_state_cb (KassaInvoice *invoice,
                     GParamSpec   *pspec,
                     gpointer      user_data)
{
  Till *t = user_data;

  kassa_ctl_till_print_invoice_state (t);

  if (t->following && kassa_invoice_state_is_final (kassa_invoice_get_state (invoice)))
    t->done = TRUE;
}

/* Prints @invoice's state now and at every change. */
void
kassa_ctl_till_watch_invoice (Till         *t,
                              KassaInvoice *invoice,
                              gboolean      print_now)
{
  g_return_if_fail (t->watched == NULL);

  t->watched = g_object_ref (invoice);
  t->watched_state_id = g_signal_connect (invoice, "notify::state",
                                          G_CALLBACK (on_watched_state_cb), t);
  if (print_now)
    kassa_ctl_till_print_invoice_state (t);
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

void
kassa_ctl_till_store_result_cb (GObject      *source,
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
void
kassa_ctl_till_run (Till *t)
{
  t->done = t->interrupted || t->journal_failure != NULL;
  g_clear_object (&t->result);
  kassa_ctl_run_until (&t->done, t->cancellable);
}

/* A bank answer or a step the journal could not record ends the command at
 * once, whatever else happened: the person must not read a state the journal
 * does not have, nor wait for it. */
gboolean
kassa_ctl_till_journal_failed (Till *t,
                               int  *out_status)
{
  if (t->journal_failure == NULL)
    return FALSE;

  kassa_ctl_printerr ("%s", t->journal_failure);
  *out_status = KASSA_CTL_EXIT_JOURNAL;
  return TRUE;
}

void
kassa_ctl_till_on_journal_failed_cb (KassaTill    *till,
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

int
kassa_ctl_till_open_journal (Till *t)
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

int
kassa_ctl_till_lookup_invoice (Till          *t,
                               const char    *number,
                               KassaInvoice **out_invoice)
{
  g_autoptr(GError) error = NULL;

  if (!kassa_invoice_validate (number, &error))
    return kassa_ctl_till_fail (t, error);

  *out_invoice = kassa_journal_lookup (t->journal, number, &error);
  if (*out_invoice == NULL)
    {
      if (g_error_matches (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_NOT_FOUND))
        {
          kassa_ctl_printerr (_("No invoice “%s” in the journal “%s”"), number,
                              kassa_journal_get_path (t->journal));
          return KASSA_CTL_EXIT_USAGE;
        }
      return kassa_ctl_till_fail (t, error);
    }

  return KASSA_CTL_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

static int
command_pending (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) invoices = NULL;
  int status;

  if ((status = kassa_ctl_till_open_journal (t)) != KASSA_CTL_EXIT_OK)
    return status;

  if ((invoices = kassa_journal_list_unfinished (t->journal, &error)) == NULL ||
      !print_invoice_array (invoices, &error))
    return kassa_ctl_till_fail (t, error);

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
      g_autoptr(JsonNode) node = kassa_ctl_till_invoice_to_node (g_ptr_array_index (invoices, i));
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
    return kassa_ctl_till_usage_error (t, _("--json and --csv exclude each other"));
  if (t->from != NULL && (from = parse_date ("--from", t->from, &error)) == NULL)
    return kassa_ctl_till_usage_error (t, error->message);
  if (t->to != NULL && (to = parse_date ("--to", t->to, &error)) == NULL)
    return kassa_ctl_till_usage_error (t, error->message);

  if ((status = kassa_ctl_till_open_journal (t)) != KASSA_CTL_EXIT_OK)
    return status;

  if ((invoices = kassa_journal_list (t->journal, from, to, &error)) == NULL)
    return kassa_ctl_till_fail (t, error);

  if (t->csv)
    {
      if (!print_csv (invoices, &error))
        return kassa_ctl_till_fail (t, error);
    }
  else if (t->json)
    {
      if (!print_invoice_array (invoices, &error))
        return kassa_ctl_till_fail (t, error);
    }
  else
    {
      for (guint i = 0; i < invoices->len; i++)
        {
          g_autofree char *text = kassa_invoice_to_json (g_ptr_array_index (invoices, i));

          if (!kassa_ctl_till_print_line (text, &error))
            return kassa_ctl_till_fail (t, error);
        }
    }

  return KASSA_CTL_EXIT_OK;
}

/* One line of standard input, without its line ending; NULL at end of input. */
char *
kassa_ctl_till_read_pin_line (const char *prompt,
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
    return kassa_ctl_till_usage_error (t, _("audit takes verify or list"));
  if (t->json && !g_str_equal (what, "list"))
    return kassa_ctl_till_usage_error (t, _("--json is only for “audit list”"));

  if ((status = kassa_ctl_till_open_journal (t)) != KASSA_CTL_EXIT_OK)
    return status;

  if (g_str_equal (what, "verify"))
    {
      g_autoptr(JsonObject) output = json_object_new ();
      gint64 rows = 0, bad_id = 0;
      gboolean ok = kassa_journal_verify_audit (t->journal, &rows, &bad_id, &error);

      if (!ok && !g_error_matches (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_AUDIT_BROKEN))
        return kassa_ctl_till_fail (t, error);

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
        return ok ? kassa_ctl_till_fail (t, error) : KASSA_CTL_EXIT_INTERNAL;

      return ok ? KASSA_CTL_EXIT_OK : kassa_ctl_till_fail (t, error);
    }
  else
    {
      g_autoptr(GPtrArray) entries = kassa_journal_list_audit (t->journal, &error);
      g_autoptr(JsonArray) array = json_array_new ();

      if (entries == NULL)
        return kassa_ctl_till_fail (t, error);

      for (guint i = 0; i < entries->len; i++)
        {
          g_autoptr(JsonNode) node = audit_entry_to_node (g_ptr_array_index (entries, i));

          if (t->json)
            json_array_add_element (array, g_steal_pointer (&node));
          else
            {
              g_autofree char *text = json_to_string (node, FALSE);

              if (!kassa_ctl_till_print_line (text, &error))
                return kassa_ctl_till_fail (t, error);
            }
        }

      if (t->json)
        {
          g_autoptr(JsonNode) root = json_node_init_array (json_node_alloc (), array);
          g_autofree char *text = json_to_string (root, FALSE);

          if (!kassa_ctl_till_print_line (text, &error))
            return kassa_ctl_till_fail (t, error);
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
    return kassa_ctl_till_usage_error (t, error->message);

  if ((status = kassa_ctl_till_open_journal (t)) != KASSA_CTL_EXIT_OK)
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
      return kassa_ctl_till_fail (t, error);
    }

  if (!kassa_ctl_report_write (&t->documents, t->journal, settlement, &error))
    {
      kassa_ctl_print_error (error, NULL);
      return KASSA_CTL_EXIT_INTERNAL;
    }

  text = kassa_settlement_to_json (settlement);
  if (t->documents.slip_uri != NULL)
    {
      g_autoptr(JsonNode) node = json_from_string (text, NULL);
      gboolean printed = kassa_ctl_print_slip (&t->documents, t->journal, settlement,
                                               t->cancellable, json_node_get_object (node));

      if (!kassa_ctl_print_json (json_node_get_object (node), &error))
        return kassa_ctl_till_fail (t, error);
      return printed ? KASSA_CTL_EXIT_OK : KASSA_CTL_EXIT_INTERNAL;
    }
  if (!kassa_ctl_till_print_line (text, &error))
    return kassa_ctl_till_fail (t, error);

  return KASSA_CTL_EXIT_OK;
}

/* receipt INVOICE --pdf FILE --printer URI: a paid or refunded invoice's receipt. */
static int
command_receipt (Till *t)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  gboolean printer_failed = FALSE;
  int status;

  if (!kassa_ctl_report_options_check (&t->documents, TRUE, TRUE, &error))
    return kassa_ctl_till_usage_error (t, error->message);

  if ((status = kassa_ctl_till_open_journal (t)) != KASSA_CTL_EXIT_OK ||
      (status = kassa_ctl_till_lookup_invoice (t, t->words[1], &invoice)) != KASSA_CTL_EXIT_OK)
    return status;

  if (!kassa_receipt_check (invoice, &error))
    {
      kassa_ctl_print_error (error, NULL);
      return KASSA_CTL_EXIT_USAGE;
    }

  if (!kassa_ctl_receipt_write (&t->documents, t->journal, invoice, t->cancellable,
                                &printer_failed, &error))
    {
      if (printer_failed)
        /* Translators: the first %s is the invoice number, the second the printer's URI,
         * the third why the receipt did not print */
        kassa_ctl_printerr (_("The receipt of %s was not printed on %s: %s"),
                            kassa_invoice_get_number (invoice), t->documents.printer_uri,
                            error->message);
      else
        kassa_ctl_print_error (error, NULL);
      return KASSA_CTL_EXIT_INTERNAL;
    }

  return KASSA_CTL_EXIT_OK;
}

/* The commands of the bank module: its absence is their usage error only. */
static int
command_bank (Till *t)
{
  g_autoptr(GError) error = NULL;
  const KassaCtlBankModule *module = kassa_ctl_bank_module (&error);

  if (module == NULL)
    {
      kassa_ctl_print_error (error, NULL);
      return KASSA_CTL_EXIT_USAGE;
    }

  return module->till_command (t);
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
  const GOptionEntry printer[] = {
    { "dots", 0, 0, G_OPTION_ARG_STRING, &t->documents.dots,
      N_("test: the printer's width in dots: 384 (58 mm), 576 (80 mm, default), …"), N_("N") },
    { "shop", 0, 0, G_OPTION_ARG_STRING, &t->documents.shop_name,
      N_("test: the shop name printed on the test page (overrides KASSA_SHOP_NAME)"),
      N_("NAME") },
    { "pin", 0, 0, G_OPTION_ARG_STRING, &t->pin,
      N_("drawer: the manager PIN (“-”: read it from standard input)"), N_("PIN") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &t->json, N_("One JSON object"), NULL },
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
    case TILL_PRINTER:
      g_option_context_add_main_entries (context, printer, GETTEXT_PACKAGE);
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
               "batch's settlement report, matching or not. --slip URI prints the\n"
               "end-of-day slip on the receipt printer (--dots N: its width, default 576);\n"
               "a slip that fails leaves the batch settled, adds \"slip\" with \"printed\":\n"
               "false and exits 1.");
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
               "printed it): --report FILE.pdf (A4), --csv FILE.csv (RFC 4180), --slip URI\n"
               "(the end-of-day slip on the receipt printer, again), or more than one,\n"
               "from the journal alone; prints the settlement. docs/reports.md describes\n"
               "the documents.");
    case TILL_RECEIPT:
      return _("Writes the receipt of a paid or refunded invoice of the journal as PDF:\n"
               "--pdf FILE, --paper 58 or 80 (a roll, one page as long as the receipt)\n"
               "or a4; default 80. Prints {\"invoice\", \"state\", \"paper\", \"pdf\"}.\n"
               "--printer URI prints it on the receipt printer (usb:/dev/usb/lp0,\n"
               "tcp:HOST:PORT, cups:QUEUE, file:PATH) through the print queue, journaled\n"
               "as the GUI's; --dots N is its width (default 576, 80 mm; 384 for 58 mm).\n"
               "Adds \"printer\", \"printed\", \"status\", \"message\" and \"error\"; exit 1\n"
               "when it did not print.");
    case TILL_PRINTER:
      return _("The receipt printer. “list”: the USB printers and CUPS queues found, with\n"
               "their URIs. “status URI”: what the printer says (DLE EOT). “test URI”: a\n"
               "test page, journaled. “drawer URI --pin PIN”: opens the cash drawer on the\n"
               "printer's drawer port, with the manager PIN (audited). URIs:\n"
               "usb:/dev/usb/lp0, tcp:HOST[:PORT] (9100), cups:QUEUE, file:PATH (the raw\n"
               "bytes). Text for people, or one JSON object (--json). Exit 1 when the\n"
               "printer could not be reached or did not print.");
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

      return kassa_ctl_till_usage_error (&t, message);
    }

  n_words = g_strv_length (t.words);
  if (t.command->kind != TILL_PRINTER && n_words - 1 != t.command->n_args)
    {
      g_autofree char *message =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "“%s” takes %u argument, not %u",
                                      "“%s” takes %u arguments, not %u",
                                      t.command->n_args),
                         t.command->name, t.command->n_args, n_words - 1);

      return kassa_ctl_till_usage_error (&t, message);
    }

  if (t.training && bank_options_given (&t.bank))
    return kassa_ctl_till_usage_error (&t, _("--training uses the built-in training bank: --url, --terminal, "
                              "--secret-file, --ca-file, --reading and --profile cannot be "
                              "used with it"));
  if (t.poll_ms < 0 || t.expiry < 0)
    return kassa_ctl_till_usage_error (&t, _("--poll-ms and --expiry must be positive"));

  if (t.pin != NULL && g_str_equal (t.pin, "-"))
    {
      g_clear_pointer (&t.pin, kassa_ctl_secret_free);
      t.pin = kassa_ctl_till_read_pin_line (_("Manager PIN: "), isatty (STDIN_FILENO));
      if (t.pin == NULL)
        return kassa_ctl_till_usage_error (&t, _("No PIN on standard input"));
    }

  t.cancellable = g_cancellable_new ();
  g_cancellable_connect (t.cancellable, G_CALLBACK (on_cancellable_cancelled_cb), &t, NULL);

  switch (t.command->kind)
    {
    case TILL_PENDING:
      return command_pending (&t);
    case TILL_HISTORY:
      return command_history (&t);
    case TILL_SALE:
    case TILL_RECOVER:
    case TILL_CANCEL:
    case TILL_REFUND:
    case TILL_SETTLE:
    case TILL_MANAGER_PIN:
    case TILL_CUSTOMER:
      return command_bank (&t);
    case TILL_AUDIT:
      return command_audit (&t);
    case TILL_REPORT:
      return command_report (&t);
    case TILL_RECEIPT:
      return command_receipt (&t);
    case TILL_PRINTER:
      return kassa_ctl_printer_main (&t);
    default:
      g_assert_not_reached ();
    }
}
