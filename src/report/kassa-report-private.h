/* kassa-report-private.h — what the report and the receipt share
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <pango/pangocairo.h>

#include "kassa-invoice.h"
#include "kassa-report.h"

G_BEGIN_DECLS

#define KASSA_REPORT_FONT_FAMILY "DejaVu Sans, Sans"
#define KASSA_REPORT_MM_TO_PT(mm) ((mm) * 72.0 / 25.4)

/* A context for @cr whose font sizes are points (resolution 72) and whose
 * metrics are unhinted, so that measuring on one surface and drawing on another
 * (PDF, a printer) give the same sizes. */
PangoContext *kassa_report_pango_context_new (cairo_t                *cr);
/* Pango 1.50 has no autoptr for PangoContext. */
typedef PangoContext KassaReportPangoContext;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaReportPangoContext, g_object_unref)
PangoLayout  *kassa_report_text_layout       (PangoContext           *context,
                                              const char             *text,
                                              double                  font_pt,
                                              gboolean                bold,
                                              double                  width_pt,
                                              PangoAlignment          alignment);
double        kassa_report_layout_height     (PangoLayout            *layout);
double        kassa_report_layout_width      (PangoLayout            *layout);

/* Local time, "2024-05-01 09:30:00". "" for NULL. */
char         *kassa_report_format_time       (GDateTime              *time);
/* "1,500₮"; with @signed_plus a positive value gets a "+". */
char         *kassa_report_format_money      (gint64                  amount,
                                              gboolean                signed_plus);

/* The number of pages of a document, measured on @cr. */
typedef int  (*KassaReportCountFunc) (cairo_t  *cr,
                                      gpointer  user_data);
/* Draws page @page (0-based) of a document. */
typedef void (*KassaReportPageFunc)  (cairo_t  *cr,
                                      int       page,
                                      gpointer  user_data);
/* Writes a PDF with pages of @width_pt × @height_pt to @path through a
 * temporary file: @path is replaced only when the whole document was written. */
gboolean      kassa_report_write_pdf_pages   (const char             *path,
                                              const char             *title,
                                              double                  width_pt,
                                              double                  height_pt,
                                              KassaReportCountFunc    count_pages,
                                              KassaReportPageFunc     draw_page,
                                              gpointer                user_data,
                                              GError                **error);

/* A settlement state's name for people: "Settled", "Refused by the bank", … */
const char   *kassa_report_settlement_state_label (KassaSettlementState state);

/* The last line of every receipt, in both languages whatever the interface's
 * (the customer may read either): not translated. */
#define KASSA_RECEIPT_THANK_YOU "Баярлалаа! Thank you!"

/* What a receipt carries, in order, for each kind of output (the PDF/cairo
 * receipt in kassa-receipt.c, the ESC/POS raster one in kassa-escpos-documents.c):
 * one list, so both print the same. */
typedef struct
{
  /* A centred paragraph, @scale × the body font. */
  void (*centred) (gpointer sink, const char *text, double scale, gboolean bold);
  /* "Label   value"; nothing when @value is NULL or empty. */
  void (*field)   (gpointer sink, const char *label, const char *value, gboolean bold);
  void (*rule)    (gpointer sink);
  /* A QR code of @payload, centred. */
  void (*qr)      (gpointer sink, const char *payload);
} KassaReceiptSink;

/* Calls @sink's functions for each piece of @invoice's receipt. */
void          kassa_receipt_build            (KassaInvoice           *invoice,
                                              const KassaReportInfo  *info,
                                              const KassaReceiptSink *sink,
                                              gpointer                data);

G_END_DECLS
