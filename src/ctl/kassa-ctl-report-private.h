/* kassa-ctl-report-private.h — the report module's table, for the executable's document and printer commands
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Only the executable's files that draw or print include this (the bank
 * module does not see the report module's headers).
 */

#pragma once

#include "kassa-ctl-private.h"

#include "kassa-report-module.h"

G_BEGIN_DECLS

/* Opens libkassa-report-module.so once (kassa-ctl-report.c); NULL with
 * @error when it is missing or not this kassa-ctl's. */
const KassaReportModule *kassa_ctl_report_module (GError **error);

/* What the documents say about the shop: --shop (else KASSA_SHOP_NAME),
 * KASSA_SHOP_ADDRESS, KASSA_SHOP_PHONE and KASSA_TERMINAL. Borrowed. */
KassaReportInfo          kassa_ctl_report_info   (KassaCtlReportOptions *options);

/* Checks --dots (sets options->dots_value, 576 when not given) and the URI
 * @uri of the option @uri_option ("--printer", "--slip", "URI") before
 * anything is done: a G_OPTION_ERROR (a usage error) naming the option. @uri
 * NULL: only that --dots was not given without a printer. */
gboolean                 kassa_ctl_report_check_printer (KassaCtlReportOptions  *options,
                                                         const char             *uri,
                                                         const char             *uri_option,
                                                         GError                **error);

G_END_DECLS
