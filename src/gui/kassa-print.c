/* kassa-print.c — receipts and settlement reports through GtkPrintOperation
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The operation prints on the whole sheet (use-full-page) in points, so the
 * pages are exactly those of the PDFs src/report writes: the documents keep
 * their own margins. A roll gets a custom paper as wide as the roll and as
 * long as the receipt, which CUPS receipt printers cut there.
 */

#include "config.h"

#include "kassa-print.h"

#include <glib/gi18n.h>

typedef struct
{
  /* A receipt … */
  KassaInvoice          *invoice;
  KassaPaperWidth        paper;
  /* … or a report */
  KassaReportLayout     *layout;
  const KassaReportInfo *info;
} PrintJob;

static void
on_begin_print_cb (GtkPrintOperation *operation,
                   GtkPrintContext   *context,
                   PrintJob          *job)
{
  int n_pages = 1;

  if (job->layout != NULL)
    n_pages = kassa_report_get_n_pages (job->layout, gtk_print_context_get_cairo_context (context),
                                        gtk_print_context_get_width (context),
                                        gtk_print_context_get_height (context));

  gtk_print_operation_set_n_pages (operation, n_pages);
}

static void
on_draw_page_cb (GtkPrintOperation *operation,
                 GtkPrintContext   *context,
                 int                page,
                 PrintJob          *job)
{
  cairo_t *cr = gtk_print_context_get_cairo_context (context);

  if (job->layout != NULL)
    kassa_report_draw_page (job->layout, cr, gtk_print_context_get_width (context),
                            gtk_print_context_get_height (context), page);
  else
    kassa_receipt_draw (job->invoice, job->info, job->paper, cr);
}

static GtkPageSetup *
page_setup_new (GtkPaperSize *paper_size)
{
  GtkPageSetup *setup = gtk_page_setup_new ();

  gtk_page_setup_set_orientation (setup, GTK_PAGE_ORIENTATION_PORTRAIT);
  gtk_page_setup_set_paper_size (setup, paper_size);
  gtk_page_setup_set_top_margin (setup, 0, GTK_UNIT_POINTS);
  gtk_page_setup_set_bottom_margin (setup, 0, GTK_UNIT_POINTS);
  gtk_page_setup_set_left_margin (setup, 0, GTK_UNIT_POINTS);
  gtk_page_setup_set_right_margin (setup, 0, GTK_UNIT_POINTS);

  return setup;
}

/* The operation for @job on @paper_size; @printer_name preselects a printer. */
static GtkPrintOperation *
operation_new (PrintJob     *job,
               GtkPaperSize *paper_size,
               const char   *job_name,
               const char   *printer_name)
{
  GtkPrintOperation *operation = gtk_print_operation_new ();
  g_autoptr(GtkPageSetup) setup = page_setup_new (paper_size);
  g_autoptr(GtkPrintSettings) settings = gtk_print_settings_new ();

  gtk_print_settings_set_paper_size (settings, paper_size);
  if (printer_name != NULL)
    gtk_print_settings_set_printer (settings, printer_name);

  gtk_print_operation_set_job_name (operation, job_name);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_use_full_page (operation, TRUE);
  gtk_print_operation_set_default_page_setup (operation, setup);
  gtk_print_operation_set_print_settings (operation, settings);
  gtk_print_operation_set_embed_page_setup (operation, job->layout != NULL);

  g_signal_connect (operation, "begin-print", G_CALLBACK (on_begin_print_cb), job);
  g_signal_connect (operation, "draw-page", G_CALLBACK (on_draw_page_cb), job);

  return operation;
}

/* Exports to @export_path when set, else prints on @printer_name, or asks
 * which printer when that is NULL. */
static gboolean
operation_run (GtkPrintOperation  *operation,
               const char         *printer_name,
               const char         *export_path,
               GtkWindow          *parent,
               GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  GtkPrintOperationAction action;
  GtkPrintOperationResult result;

  if (export_path != NULL)
    {
      gtk_print_operation_set_export_filename (operation, export_path);
      action = GTK_PRINT_OPERATION_ACTION_EXPORT;
    }
  else
    {
      action = printer_name != NULL ? GTK_PRINT_OPERATION_ACTION_PRINT
                                    : GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG;
    }

  result = gtk_print_operation_run (operation, action, parent, &local_error);

  switch (result)
    {
    case GTK_PRINT_OPERATION_RESULT_APPLY:
    case GTK_PRINT_OPERATION_RESULT_IN_PROGRESS:
      return TRUE;
    case GTK_PRINT_OPERATION_RESULT_CANCEL:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Printing was cancelled"));
      return FALSE;
    case GTK_PRINT_OPERATION_RESULT_ERROR:
    default:
      if (local_error != NULL)
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                    _("Could not print: "));
      else
        g_set_error_literal (error, GTK_PRINT_ERROR, GTK_PRINT_ERROR_GENERAL,
                             _("Could not print"));
      return FALSE;
    }
}

static GtkPaperSize *
receipt_paper_size (KassaInvoice          *invoice,
                    const KassaReportInfo *info,
                    KassaPaperWidth        paper)
{
  g_autofree char *name = NULL;
  g_autofree char *display_name = NULL;
  double width, height;

  if (paper == KASSA_PAPER_A4)
    return gtk_paper_size_new (GTK_PAPER_NAME_A4);

  kassa_receipt_get_page_size (invoice, info, paper, &width, &height);
  name = g_strdup_printf ("kassa-roll-%s", kassa_paper_width_to_string (paper));
  /* Translators: a paper roll's width in millimetres */
  display_name = g_strdup_printf (_("%.0f mm roll"), kassa_paper_width_get_mm (paper));

  return gtk_paper_size_new_custom (name, display_name, width, height, GTK_UNIT_POINTS);
}

static gboolean
run_receipt (GtkWindow               *parent,
             KassaInvoice            *invoice,
             const KassaReportInfo   *info,
             KassaPaperWidth          paper,
             const char              *printer_name,
             const char              *export_path,
             GError                 **error)
{
  PrintJob job = { invoice, paper, NULL, info };
  g_autoptr(GtkPrintOperation) operation = NULL;
  g_autofree char *job_name = NULL;
  GtkPaperSize *paper_size;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), FALSE);
  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kassa_receipt_check (invoice, error))
    return FALSE;

  /* Translators: the print job's name */
  job_name = g_strdup_printf (_("Receipt %s"), kassa_invoice_get_number (invoice));
  paper_size = receipt_paper_size (invoice, info, paper);
  operation = operation_new (&job, paper_size, job_name, printer_name);
  gtk_paper_size_free (paper_size);

  return operation_run (operation, printer_name, export_path, parent, error);
}

static gboolean
run_report (GtkWindow               *parent,
            KassaJournal            *journal,
            KassaSettlement         *settlement,
            const KassaReportInfo   *info,
            const char              *printer_name,
            const char              *export_path,
            GError                 **error)
{
  g_autoptr(KassaReportLayout) layout = NULL;
  g_autoptr(GtkPrintOperation) operation = NULL;
  g_autofree char *job_name = NULL;
  PrintJob job = { NULL, KASSA_PAPER_A4, NULL, info };
  GtkPaperSize *paper_size;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), FALSE);
  g_return_val_if_fail (KASSA_IS_JOURNAL (journal), FALSE);
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (settlement), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  layout = kassa_report_layout_new (journal, settlement, info, error);
  if (layout == NULL)
    return FALSE;
  job.layout = layout;

  /* Translators: the print job's name */
  job_name = g_strdup_printf (_("Settlement report %s"), kassa_settlement_get_id (settlement));
  paper_size = gtk_paper_size_new (GTK_PAPER_NAME_A4);
  operation = operation_new (&job, paper_size, job_name, printer_name);
  gtk_paper_size_free (paper_size);

  return operation_run (operation, printer_name, export_path, parent, error);
}

gboolean
kassa_print_receipt (GtkWindow              *parent,
                     KassaInvoice           *invoice,
                     const KassaReportInfo  *info,
                     KassaPaperWidth         paper,
                     const char             *printer_name,
                     GError                **error)
{
  return run_receipt (parent, invoice, info, paper, printer_name, NULL, error);
}

gboolean
kassa_print_report (GtkWindow              *parent,
                    KassaJournal           *journal,
                    KassaSettlement        *settlement,
                    const KassaReportInfo  *info,
                    const char             *printer_name,
                    GError                **error)
{
  return run_report (parent, journal, settlement, info, printer_name, NULL, error);
}

gboolean
kassa_print_receipt_export (GtkWindow              *parent,
                            KassaInvoice           *invoice,
                            const KassaReportInfo  *info,
                            KassaPaperWidth         paper,
                            const char             *path,
                            GError                **error)
{
  g_return_val_if_fail (path != NULL, FALSE);

  return run_receipt (parent, invoice, info, paper, NULL, path, error);
}

gboolean
kassa_print_report_export (GtkWindow              *parent,
                           KassaJournal           *journal,
                           KassaSettlement        *settlement,
                           const KassaReportInfo  *info,
                           const char             *path,
                           GError                **error)
{
  g_return_val_if_fail (path != NULL, FALSE);

  return run_report (parent, journal, settlement, info, NULL, path, error);
}
