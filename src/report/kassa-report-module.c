/* kassa-report-module.c — the entry point of libkassa-report-module.so
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gmodule.h>

#include "kassa-report-module.h"

G_MODULE_EXPORT const KassaReportModule *kassa_report_module_get (void);

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
  };

  return &table;
}
