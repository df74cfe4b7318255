/* kassa-report-module.c — the entry point of libkassa-report-module.so
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gmodule.h>

#include "kassa-escpos.h"
#include "kassa-report-module.h"

G_MODULE_EXPORT const KassaReportModule *kassa_report_module_get (void);
G_MODULE_EXPORT const char *g_module_check_init (GModule *module);

/* pango and cairo register types and keep caches: never unload. */
G_MODULE_EXPORT const char *
g_module_check_init (GModule *module)
{
  g_module_make_resident (module);
  return NULL;
}

G_MODULE_EXPORT const KassaReportModule *
kassa_report_module_get (void)
{
  static const KassaReportModule table = {
    KASSA_REPORT_MODULE_ABI,
    kassa_report_write_pdf,
    kassa_report_write_csv,
    kassa_receipt_write_pdf,
    kassa_print_queue_new,
    kassa_print_queue_set_printer,
    kassa_print_queue_set_info,
    kassa_print_queue_print_receipt_async,
    kassa_print_queue_print_slip_async,
    kassa_print_queue_print_test_page_async,
    kassa_print_queue_open_drawer_async,
    kassa_print_queue_job_finish,
    kassa_printer_new_for_uri,
    kassa_printer_query_status,
    kassa_printer_discover,
    kassa_printer_status_to_string,
    kassa_printer_status_describe,
    kassa_escpos_check_width,
  };

  return &table;
}
