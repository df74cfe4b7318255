/* kassa-ctl-print.c — the receipt printer from the command line: receipt
 * --printer, settle/report --slip, and printer list|status|test|drawer
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every job goes through the GUI's print queue (kassa-print-queue.h, from
 * libkassa-report-module.so), so it is journaled in the journal's `prints`
 * table exactly as the GUI's: PRINTING before a byte is sent, then PRINTED or
 * FAILED with the reason (docs/printing.md "A receipt is never lost").
 * `printer drawer` needs the manager PIN, checked and audited by the bank
 * module (libcrypto), which then calls kassa_ctl_printer_run_job() here.
 */

#include "config.h"

#include "kassa-ctl-report-private.h"
#include "kassa-ctl-till-private.h"

#include <glib/gi18n.h>

#include "kassa-escpos.h"

typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} JobWait;

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  JobWait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

gboolean
kassa_ctl_print_job (KassaCtlReportOptions  *options,
                     const char             *uri,
                     KassaJournal           *journal,
                     KassaPrintKind          kind,
                     gpointer                subject,
                     GCancellable           *cancellable,
                     JsonObject             *output,
                     GError                **error)
{
  const KassaReportModule *module = kassa_ctl_report_module (error);
  KassaReportInfo info = kassa_ctl_report_info (options);
  g_autoptr(KassaPrintQueue) queue = NULL;
  g_autoptr(GError) job_error = NULL;
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_UNKNOWN;
  JobWait wait = { FALSE, NULL };
  gboolean printed;

  if (module == NULL)
    return FALSE;

  queue = module->print_queue_new (journal);
  if (!module->print_queue_set_printer (queue, uri,
                                        options->dots_value != 0 ? options->dots_value
                                                                 : KASSA_ESCPOS_WIDTH_80MM,
                                        error))
    return FALSE;
  module->print_queue_set_info (queue, &info);

  switch (kind)
    {
    case KASSA_PRINT_KIND_RECEIPT:
      module->print_queue_print_receipt_async (queue, subject, cancellable, job_done_cb, &wait);
      break;
    case KASSA_PRINT_KIND_SLIP:
      module->print_queue_print_slip_async (queue, subject, cancellable, job_done_cb, &wait);
      break;
    case KASSA_PRINT_KIND_TEST_PAGE:
      module->print_queue_print_test_page_async (queue, cancellable, job_done_cb, &wait);
      break;
    case KASSA_PRINT_KIND_DRAWER:
    default:
      module->print_queue_open_drawer_async (queue, cancellable, job_done_cb, &wait);
      break;
    }

  /* The job ends on its own (the printer's timeouts), also when cancelled:
   * its outcome is journaled before the callback. */
  kassa_ctl_run_until (&wait.done, cancellable);
  printed = module->print_queue_job_finish (queue, wait.result, &status, &job_error);
  g_clear_object (&wait.result);

  json_object_set_string_member (output, "printer", uri);
  json_object_set_boolean_member (output, "printed", printed);
  json_object_set_string_member (output, "status", module->printer_status_to_string (status));
  json_object_set_string_member (output, "message", module->printer_status_describe (status));
  if (printed)
    json_object_set_null_member (output, "error");
  else
    json_object_set_string_member (output, "error", job_error->message);

  if (!printed)
    {
      g_propagate_error (error, g_steal_pointer (&job_error));
      return FALSE;
    }

  return TRUE;
}

gboolean
kassa_ctl_print_slip (KassaCtlReportOptions *options,
                      KassaJournal          *journal,
                      KassaSettlement       *settlement,
                      GCancellable          *cancellable,
                      JsonObject            *settlement_json)
{
  g_autoptr(JsonObject) slip = json_object_new ();
  g_autoptr(GError) error = NULL;
  gboolean printed;

  if (options->slip_uri == NULL)
    return TRUE;

  printed = kassa_ctl_print_job (options, options->slip_uri, journal, KASSA_PRINT_KIND_SLIP,
                                 settlement, cancellable, slip, &error);
  json_object_set_object_member (settlement_json, "slip", g_steal_pointer (&slip));
  if (!printed)
    {
      /* Translators: the first %s is the printer's URI, the second why the slip did not print */
      kassa_ctl_printerr (_("The end-of-day slip was not printed on %s: %s"), options->slip_uri,
                          error->message);
      /* Translators: %s is the settlement batch's id */
      kassa_ctl_printerr (_("The settlement is recorded; “kassa-ctl report %s --slip URI” prints "
                            "the slip again"), kassa_settlement_get_id (settlement));
    }

  return printed;
}

/* ------------------------------------------------------------------ */
/* printer list|status|test|drawer                                      */

static gboolean
print_output (Till        *t,
              JsonObject  *output,
              const char  *text,
              GError     **error)
{
  g_autofree char *line = NULL;

  if (t->json)
    return kassa_ctl_print_json (output, error);

  line = g_strconcat (text, "\n", NULL);
  return kassa_ctl_print_text (line, error);
}

int
kassa_ctl_printer_run_job (Till            *t,
                           KassaPrintKind   kind,
                           GError         **out_error)
{
  g_autoptr(JsonObject) output = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *uri = t->documents.printer_uri;
  gboolean printed;

  printed = kassa_ctl_print_job (&t->documents, uri, t->journal, kind, NULL, t->cancellable,
                                 output, &error);

  if (!printed)
    {
      if (kind == KASSA_PRINT_KIND_DRAWER)
        /* Translators: the first %s is the printer's URI, the second why the drawer did not open */
        kassa_ctl_printerr (_("The cash drawer on %s did not open: %s"), uri, error->message);
      else
        /* Translators: the first %s is the printer's URI, the second why the page did not print */
        kassa_ctl_printerr (_("The test page was not printed on %s: %s"), uri, error->message);
      /* The object says so too, for scripts (like journal check's {"ok": false}). */
      if (t->json)
        kassa_ctl_print_json (output, NULL);
      if (out_error != NULL)
        *out_error = g_steal_pointer (&error);
      return KASSA_CTL_EXIT_INTERNAL;
    }

  if (kind == KASSA_PRINT_KIND_DRAWER)
    /* Translators: the first %s is the printer's URI, the second its status in words */
    text = g_strdup_printf (_("The cash drawer on %s was opened. %s"), uri,
                            json_object_get_string_member (output, "message"));
  else
    /* Translators: the first %s is the printer's URI, the second its status in words */
    text = g_strdup_printf (_("The test page was printed on %s. %s"), uri,
                            json_object_get_string_member (output, "message"));
  if (!print_output (t, output, text, &error))
    return kassa_ctl_till_fail (t, error);

  return KASSA_CTL_EXIT_OK;
}

static int
printer_list (Till                    *t,
              const KassaReportModule *module)
{
  g_autoptr(GPtrArray) choices = module->printer_discover (t->cancellable);
  g_autoptr(JsonObject) output = json_object_new ();
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < choices->len; i++)
    {
      KassaPrinterChoice *choice = g_ptr_array_index (choices, i);
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "uri", choice->uri);
      json_object_set_string_member (object, "label", choice->label);
      json_array_add_object_element (array, object);
      g_string_append_printf (text, "%s\t%s\n", choice->uri, choice->label);
    }
  json_object_set_array_member (output, "printers", g_steal_pointer (&array));

  if (choices->len == 0)
    g_string_append_printf (text, "%s\n",
                            _("No USB receipt printer and no CUPS queue was found. A network "
                              "printer is tcp:HOST or tcp:HOST:PORT (port 9100 by default)."));

  if (t->json ? !kassa_ctl_print_json (output, &error)
              : !kassa_ctl_print_text (text->str, &error))
    return kassa_ctl_till_fail (t, error);

  return KASSA_CTL_EXIT_OK;
}

static int
printer_status (Till                    *t,
                const KassaReportModule *module)
{
  g_autoptr(KassaPrinter) printer = NULL;
  g_autoptr(JsonObject) output = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  const char *uri = t->documents.printer_uri;
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_UNKNOWN;

  printer = module->printer_new_for_uri (uri, &error);
  if (printer == NULL || !module->printer_query_status (printer, &status, t->cancellable, &error))
    {
      /* Translators: the first %s is the printer's URI, the second why it gave no status */
      kassa_ctl_printerr (_("Cannot ask %s for its status: %s"), uri, error->message);
      return KASSA_CTL_EXIT_INTERNAL;
    }

  json_object_set_string_member (output, "printer", uri);
  json_object_set_string_member (output, "status", module->printer_status_to_string (status));
  json_object_set_string_member (output, "message", module->printer_status_describe (status));
  /* Translators: %s is the printer's URI, then its status in words */
  text = g_strdup_printf (_("%s: %s"), uri, module->printer_status_describe (status));
  if (!print_output (t, output, text, &error))
    return kassa_ctl_till_fail (t, error);

  return KASSA_CTL_EXIT_OK;
}

int
kassa_ctl_printer_main (Till *t)
{
  g_autoptr(GError) error = NULL;
  const KassaReportModule *module = NULL;
  guint n_words = g_strv_length (t->words);
  const char *what;
  int status;

  if (n_words < 2)
    return kassa_ctl_till_usage_error (t, _("printer needs list, status URI, test URI or "
                                            "drawer URI"));
  what = t->words[1];
  if (!g_str_equal (what, "list") && !g_str_equal (what, "status") &&
      !g_str_equal (what, "test") && !g_str_equal (what, "drawer"))
    {
      g_autofree char *message =
        g_strdup_printf (_("“%s” is not a printer command: use list, status, test or drawer"),
                         what);

      return kassa_ctl_till_usage_error (t, message);
    }

  if (g_str_equal (what, "list"))
    {
      if (n_words != 2)
        return kassa_ctl_till_usage_error (t, _("“printer list” takes no URI"));
    }
  else if (n_words != 3)
    {
      /* Translators: %s is status, test or drawer */
      g_autofree char *message =
        g_strdup_printf (_("“printer %s” needs one URI: usb:/dev/usb/lp0, tcp:HOST:PORT, "
                           "cups:QUEUE or file:PATH"), what);

      return kassa_ctl_till_usage_error (t, message);
    }
  else
    t->documents.printer_uri = g_strdup (t->words[2]);

  if (t->documents.dots != NULL && !g_str_equal (what, "test"))
    return kassa_ctl_till_usage_error (t, _("--dots is for “printer test” only"));
  if (t->pin != NULL && !g_str_equal (what, "drawer"))
    return kassa_ctl_till_usage_error (t, _("--pin is for “printer drawer” only"));
  if (!kassa_ctl_report_check_printer (&t->documents, t->documents.printer_uri, "URI", &error))
    return kassa_ctl_till_usage_error (t, error->message);

  module = kassa_ctl_report_module (&error);
  if (module == NULL)
    {
      kassa_ctl_print_error (error, NULL);
      return KASSA_CTL_EXIT_USAGE;
    }

  if (g_str_equal (what, "list"))
    return printer_list (t, module);
  if (g_str_equal (what, "status"))
    return printer_status (t, module);

  if (g_str_equal (what, "drawer"))
    {
      /* The manager PIN: checked and audited by the bank module (PBKDF2). */
      const KassaCtlBankModule *bank = kassa_ctl_bank_module (&error);

      if (bank == NULL)
        {
          kassa_ctl_print_error (error, NULL);
          return KASSA_CTL_EXIT_USAGE;
        }
      return bank->till_command (t);
    }

  if ((status = kassa_ctl_till_open_journal (t)) != KASSA_CTL_EXIT_OK)
    return status;

  return kassa_ctl_printer_run_job (t, KASSA_PRINT_KIND_TEST_PAGE, NULL);
}
