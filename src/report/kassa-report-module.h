/* kassa-report-module.h — the report drawing as a loadable module, for kassa-ctl
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kassa-ctl links no cairo or pango: a command that writes a document opens
 * libkassa-report-module.so (src/report/meson.build says where it is) and
 * calls the module's kassa_report_module_get(). The table is versioned: a
 * module of another build is refused rather than called.
 */

#pragma once

#include "kassa-print-queue.h"
#include "kassa-printer.h"
#include "kassa-receipt.h"
#include "kassa-report.h"

G_BEGIN_DECLS

/* Bump when the table or a function's signature changes. */
#define KASSA_REPORT_MODULE_ABI 2
#define KASSA_REPORT_MODULE_SYMBOL "kassa_report_module_get"

typedef struct
{
  guint abi; /* KASSA_REPORT_MODULE_ABI */
  gboolean (*report_write_pdf)  (KassaJournal           *journal,
                                 KassaSettlement        *settlement,
                                 const KassaReportInfo  *info,
                                 const char             *path,
                                 GError                **error);
  gboolean (*report_write_csv)  (KassaJournal           *journal,
                                 KassaSettlement        *settlement,
                                 const KassaReportInfo  *info,
                                 const char             *path,
                                 GError                **error);
  gboolean (*receipt_write_pdf) (KassaInvoice           *invoice,
                                 const KassaReportInfo  *info,
                                 KassaPaperWidth         paper,
                                 const char             *path,
                                 GError                **error);

  /* The receipt printer (kassa-print-queue.h, kassa-printer.h, kassa-escpos.h):
   * the same queue, the same journaled jobs as the GUI's. */
  KassaPrintQueue *(*print_queue_new) (KassaJournal          *journal);
  gboolean (*print_queue_set_printer)  (KassaPrintQueue       *queue,
                                        const char            *uri,
                                        guint                  width_dots,
                                        GError               **error);
  void     (*print_queue_set_info)     (KassaPrintQueue       *queue,
                                        const KassaReportInfo *info);
  void     (*print_queue_print_receipt_async) (KassaPrintQueue     *queue,
                                               KassaInvoice        *invoice,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
  void     (*print_queue_print_slip_async)    (KassaPrintQueue     *queue,
                                               KassaSettlement     *settlement,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
  void     (*print_queue_print_test_page_async) (KassaPrintQueue   *queue,
                                                 GCancellable      *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer           user_data);
  void     (*print_queue_open_drawer_async)   (KassaPrintQueue     *queue,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
  gboolean (*print_queue_job_finish)   (KassaPrintQueue       *queue,
                                        GAsyncResult          *result,
                                        KassaPrinterStatus    *out_status,
                                        GError               **error);
  KassaPrinter *(*printer_new_for_uri) (const char            *uri,
                                        GError               **error);
  gboolean (*printer_query_status)     (KassaPrinter          *printer,
                                        KassaPrinterStatus    *status,
                                        GCancellable          *cancellable,
                                        GError               **error);
  /* KassaPrinterChoice, freed with the array. */
  GPtrArray *(*printer_discover)       (GCancellable          *cancellable);
  const char *(*printer_status_to_string) (KassaPrinterStatus  status);
  const char *(*printer_status_describe)  (KassaPrinterStatus  status);
  gboolean (*escpos_check_width)       (guint                  width_dots,
                                        GError               **error);
} KassaReportModule;

typedef const KassaReportModule *(*KassaReportModuleGetFunc) (void);

G_END_DECLS
