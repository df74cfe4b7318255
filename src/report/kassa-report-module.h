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

#include "kassa-receipt.h"
#include "kassa-report.h"

G_BEGIN_DECLS

/* Bump when the table or a function's signature changes. */
#define KASSA_REPORT_MODULE_ABI 1
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
} KassaReportModule;

typedef const KassaReportModule *(*KassaReportModuleGetFunc) (void);

G_END_DECLS
