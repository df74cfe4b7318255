/* kassa-receipt.h — a customer receipt for a paid sale or a refund
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shop name, address, phone, terminal, invoice number, amount, approval code,
 * masked card, date and time, state, a thank-you line and a QR code of the
 * invoice number (kassa_receipt_build in kassa-report-private.h lists them
 * once for this and the ESC/POS receipt, kassa-escpos.h), fitted to the
 * paper: a 58 mm or 80 mm roll is one page as long as the receipt; A4 is one
 * sheet. Units are points.
 */

#pragma once

#include <cairo.h>
#include <gio/gio.h>

#include "kassa-invoice.h"
#include "kassa-report.h"

G_BEGIN_DECLS

/* Only PAID invoices (a sale receipt) and REFUNDED ones (a refund receipt) have
 * receipts; anything else is KASSA_REPORT_ERROR_INVALID. */
gboolean kassa_receipt_check          (KassaInvoice           *invoice,
                                       GError                **error);
/* The page size for @paper: a roll's width and the length this receipt needs,
 * or A4. */
void     kassa_receipt_get_page_size  (KassaInvoice           *invoice,
                                       const KassaReportInfo  *info,
                                       KassaPaperWidth         paper,
                                       double                 *out_width_pt,
                                       double                 *out_height_pt);
/* Draws the receipt on a page of kassa_receipt_get_page_size(), top-left corner
 * at @cr's origin. @invoice must pass kassa_receipt_check(). */
void     kassa_receipt_draw           (KassaInvoice           *invoice,
                                       const KassaReportInfo  *info,
                                       KassaPaperWidth         paper,
                                       cairo_t                *cr);
gboolean kassa_receipt_write_pdf      (KassaInvoice           *invoice,
                                       const KassaReportInfo  *info,
                                       KassaPaperWidth         paper,
                                       const char             *path,
                                       GError                **error);

G_END_DECLS
