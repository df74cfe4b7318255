/* kassa-ctl-report.c — the documents kassa-ctl writes: the settlement report
 * (settle and report: --report FILE.pdf, --csv FILE.csv) and receipts
 * (receipt INVOICE --pdf FILE --paper 58|80|a4)
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The drawing is src/report's, the same as the GUI prints, loaded as a module
 * (libkassa-report-module.so) by these commands only: the others never load
 * cairo, pango, harfbuzz or fontconfig (docs/kassa-ctl.md, "Lean start").
 */

#include "config.h"

#include "kassa-ctl-private.h"

#include <glib/gi18n.h>

#include <gmodule.h>

#include "kassa-receipt.h"
#include "kassa-report.h"
#include "kassa-report-module.h"

/* Opens the module once; a missing or broken one is an error of the
 * command that needs it, nothing else. */
static const KassaReportModule *
report_module (GError **error)
{
  static const KassaReportModule *table;
  const KassaCtlModuleSpec spec = {
    "KASSA_MODULEDIR", KASSA_REPORT_MODULE_BUILDDIR, KASSA_REPORT_MODULE_NAME,
    G_MODULE_BIND_LOCAL, KASSA_REPORT_MODULE_SYMBOL, KASSA_REPORT_MODULE_ABI,
    KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_IO,
    N_("Cannot write reports or receipts: the report module %s cannot be loaded "
       "(%s). Reinstall Kassa, or set KASSA_MODULEDIR to the directory that "
       "holds it."),
    N_("Cannot write reports or receipts: %s is not the report module of this "
       "kassa-ctl. Reinstall Kassa, or set KASSA_MODULEDIR to the directory that "
       "holds the right one."),
  };

  if (table == NULL)
    table = kassa_ctl_module_open_table (&spec, error);

  return table;
}

void
kassa_ctl_report_options_clear (KassaCtlReportOptions *options)
{
  g_clear_pointer (&options->report_path, g_free);
  g_clear_pointer (&options->csv_path, g_free);
  g_clear_pointer (&options->pdf_path, g_free);
  g_clear_pointer (&options->paper, g_free);
  g_clear_pointer (&options->shop_name, g_free);
}

void
kassa_ctl_report_options_add (KassaCtlReportOptions *options,
                              gboolean               receipt,
                              GOptionContext        *context)
{
  const GOptionEntry report_entries[] = {
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &options->report_path,
      N_("Write the settlement report to FILE as PDF (A4)"), N_("FILE") },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &options->csv_path,
      N_("Write the report's invoice list to FILE as CSV"), N_("FILE") },
    { "shop", 0, 0, G_OPTION_ARG_STRING, &options->shop_name,
      N_("The shop name printed on the report (overrides KASSA_SHOP_NAME)"), N_("NAME") },
    { NULL }
  };
  const GOptionEntry receipt_entries[] = {
    { "pdf", 0, 0, G_OPTION_ARG_FILENAME, &options->pdf_path,
      N_("Write the receipt to FILE as PDF"), N_("FILE") },
    { "paper", 0, 0, G_OPTION_ARG_STRING, &options->paper,
      N_("58 or 80 (a roll, mm) or a4 (default 80)"), N_("PAPER") },
    { "shop", 0, 0, G_OPTION_ARG_STRING, &options->shop_name,
      N_("The shop name printed on the receipt (overrides KASSA_SHOP_NAME)"), N_("NAME") },
    { NULL }
  };

  g_option_context_add_main_entries (context, receipt ? receipt_entries : report_entries,
                                     GETTEXT_PACKAGE);
}

gboolean
kassa_ctl_report_options_check (KassaCtlReportOptions  *options,
                                gboolean                receipt,
                                gboolean                required,
                                GError                **error)
{
  if (receipt)
    {
      if (options->pdf_path == NULL)
        {
          g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                               _("receipt needs --pdf FILE"));
          return FALSE;
        }
      if (options->paper != NULL && !kassa_paper_width_from_string (options->paper, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--paper “%s” is not a paper: use 58, 80 or a4"), options->paper);
          return FALSE;
        }
    }
  else if (required && options->report_path == NULL && options->csv_path == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("report needs --report FILE.pdf, --csv FILE.csv or both"));
      return FALSE;
    }

  /* Before anything is done: settle must not close the batch at the bank and
   * then find it cannot write the report. */
  if ((receipt || options->report_path != NULL || options->csv_path != NULL) &&
      report_module (error) == NULL)
    return FALSE;

  return TRUE;
}

static const char *
shop_name (KassaCtlReportOptions *options)
{
  if (options->shop_name != NULL && *options->shop_name != '\0')
    return options->shop_name;

  return kassa_ctl_getenv ("KASSA_SHOP_NAME");
}

gboolean
kassa_ctl_report_write (KassaCtlReportOptions  *options,
                        KassaJournal           *journal,
                        KassaSettlement        *settlement,
                        GError                **error)
{
  KassaReportInfo info = { shop_name (options), NULL };
  const KassaReportModule *module = NULL;

  if (options->report_path == NULL && options->csv_path == NULL)
    return TRUE;

  module = report_module (error);
  if (module == NULL)
    return FALSE;

  if (options->report_path != NULL &&
      !module->report_write_pdf (journal, settlement, &info, options->report_path, error))
    return FALSE;

  if (options->csv_path != NULL &&
      !module->report_write_csv (journal, settlement, &info, options->csv_path, error))
    return FALSE;

  return TRUE;
}

gboolean
kassa_ctl_receipt_write (KassaCtlReportOptions  *options,
                         KassaInvoice           *invoice,
                         GError                **error)
{
  KassaReportInfo info = { shop_name (options), NULL };
  g_autoptr(JsonObject) output = json_object_new ();
  g_autofree char *display_path = g_filename_display_name (options->pdf_path);
  KassaPaperWidth paper = KASSA_PAPER_80MM;
  const KassaReportModule *module = report_module (error);

  if (module == NULL)
    return FALSE;

  if (options->paper != NULL && !kassa_paper_width_from_string (options->paper, &paper))
    g_return_val_if_reached (FALSE); /* kassa_ctl_report_options_check() lets none through */

  if (!module->receipt_write_pdf (invoice, &info, paper, options->pdf_path, error))
    return FALSE;

  json_object_set_string_member (output, "invoice", kassa_invoice_get_number (invoice));
  json_object_set_string_member (output, "state",
                                 kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)));
  json_object_set_string_member (output, "paper", kassa_paper_width_to_string (paper));
  json_object_set_string_member (output, "pdf", display_path);

  return kassa_ctl_print_json (output, error);
}
