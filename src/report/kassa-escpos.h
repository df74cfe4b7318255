/* kassa-escpos.h — receipts, the end-of-day slip and a test page as ESC/POS raster images
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Thermal receipt printers (Epson TM-T20/T88 and their clones) print in text
 * mode only what their code pages hold: no Ө, ө, Ү, ү or ₮. So every document
 * is drawn with cairo + pango at the printer's width in dots and sent as
 * raster images (`GS v 0`), band by band, to a GOutputStream (a USB device, a
 * socket, a CUPS raw job or a file: src/report/kassa-printer.h opens those).
 * docs/printing.md lists the commands.
 *
 * A document is a list of blocks (lines of text, rules, a QR code), each with
 * its height in dots. Writing it draws, for each band of KASSA_ESCPOS_BAND_ROWS
 * rows, only the blocks that cross that band into one reused band surface: the
 * memory a document needs is its text plus one band, however long it is.
 *
 * Everything here is synchronous (the caller runs it in a worker thread) and
 * honours @cancellable between bands and in every write.
 */

#pragma once

#include <cairo.h>
#include <gio/gio.h>
#include <pango/pango.h>

#include "kassa-invoice.h"
#include "kassa-journal.h"
#include "kassa-report.h"
#include "kassa-settlement.h"

G_BEGIN_DECLS

/* Printers at 203 dpi (8 dots per mm): a 58 mm roll prints 48 mm = 384 dots,
 * an 80 mm roll 72 mm = 576 dots. */
#define KASSA_ESCPOS_DPI             203.0
#define KASSA_ESCPOS_WIDTH_58MM      384
#define KASSA_ESCPOS_WIDTH_80MM      576
/* A width is whole bytes of dots (GS v 0 counts bytes), within what roll
 * printers have: 256 dots (32 mm) up to 1024 (128 mm). */
#define KASSA_ESCPOS_MIN_WIDTH_DOTS  256
#define KASSA_ESCPOS_MAX_WIDTH_DOTS  1024
/* Rows per GS v 0 command: small enough that a band is 18 KiB at 1024 dots
 * and the printer's receive buffer (4 KiB on the cheapest clones) drains it
 * while printing, large enough that the command overhead (8 bytes) is noise. */
#define KASSA_ESCPOS_BAND_ROWS       128
/* A receipt's QR code: at least 3 dots per module, so a scanner reads it off
 * the paper (0.375 mm modules at 203 dpi). */
#define KASSA_ESCPOS_MIN_QR_MODULE   3

/* KASSA_REPORT_ERROR_INVALID when @width_dots is not a multiple of 8 within
 * KASSA_ESCPOS_MIN_WIDTH_DOTS … KASSA_ESCPOS_MAX_WIDTH_DOTS. */
gboolean kassa_escpos_check_width (guint    width_dots,
                                   GError **error);

/* The document builder, for the three documents below and for tests. Units
 * are dots; font sizes are points at KASSA_ESCPOS_DPI. */
typedef struct _KassaEscposDocument KassaEscposDocument;

KassaEscposDocument *kassa_escpos_document_new       (guint                 width_dots,
                                                      GError              **error);
void                 kassa_escpos_document_free      (KassaEscposDocument  *doc);
guint                kassa_escpos_document_get_width (KassaEscposDocument  *doc);
/* The height of everything added so far, in dots (the image's height). */
guint                kassa_escpos_document_get_height (KassaEscposDocument *doc);
/* A paragraph across the width, wrapped at words. */
void                 kassa_escpos_document_add_text  (KassaEscposDocument  *doc,
                                                      const char           *text,
                                                      double                font_pt,
                                                      gboolean              bold,
                                                      PangoAlignment        alignment);
/* "Label        value" on one line when both fit, else the label above the
 * value (right-aligned). Nothing for a NULL or empty value. */
void                 kassa_escpos_document_add_field (KassaEscposDocument  *doc,
                                                      const char           *label,
                                                      const char           *value,
                                                      double                font_pt,
                                                      gboolean              bold);
void                 kassa_escpos_document_add_rule  (KassaEscposDocument  *doc);
void                 kassa_escpos_document_add_space (KassaEscposDocument  *doc,
                                                      guint                 dots);
/* A centred QR code of @payload, KASSA_ESCPOS_MIN_QR_MODULE … 8 dots per
 * module with its quiet zone; KASSA_REPORT_ERROR_INVALID when it does not fit
 * the width at KASSA_ESCPOS_MIN_QR_MODULE dots per module. */
gboolean             kassa_escpos_document_add_qr    (KassaEscposDocument  *doc,
                                                      const char           *payload,
                                                      GError              **error);
/* A ruler with a tick every 8 dots (long every 64, numbered every 128) and a
 * grid of squares: the test page's check of the width and of the dots. */
void                 kassa_escpos_document_add_ruler (KassaEscposDocument  *doc);
/* ESC @, the image in bands of KASSA_ESCPOS_BAND_ROWS rows, a feed and a
 * partial cut, then a flush. A failed write is the stream's own error (its
 * domain and code kept), its message prefixed; G_IO_ERROR_CANCELLED when
 * @cancellable is cancelled: no band is written after that, nor the cut. */
gboolean             kassa_escpos_document_write     (KassaEscposDocument  *doc,
                                                      GOutputStream        *stream,
                                                      GCancellable         *cancellable,
                                                      GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaEscposDocument, kassa_escpos_document_free)

/* The customer receipt of a PAID or REFUNDED invoice (kassa_receipt_check):
 * the same content as the PDF receipt (kassa-receipt.h). */
gboolean kassa_escpos_print_receipt   (KassaInvoice           *invoice,
                                       const KassaReportInfo  *info,
                                       guint                   width_dots,
                                       GOutputStream          *stream,
                                       GCancellable           *cancellable,
                                       GError                **error);
/* The end-of-day slip of @settlement: the batch, the journal's and the bank's
 * count and sum, their difference, and the batch's invoices (read from
 * @journal). */
gboolean kassa_escpos_print_slip      (KassaJournal           *journal,
                                       KassaSettlement        *settlement,
                                       const KassaReportInfo  *info,
                                       guint                   width_dots,
                                       GOutputStream          *stream,
                                       GCancellable           *cancellable,
                                       GError                **error);
/* The same slip from @invoices (KassaInvoice: the batch's, in the order of
 * kassa_settlement_get_invoices()), read beforehand: for a worker thread,
 * which must not use the journal (kassa-print-queue.c). */
gboolean kassa_escpos_print_slip_invoices (KassaSettlement        *settlement,
                                           GPtrArray              *invoices,
                                           const KassaReportInfo  *info,
                                           guint                   width_dots,
                                           GOutputStream          *stream,
                                           GCancellable           *cancellable,
                                           GError                **error);
/* Shop name, the width in dots, a ruler and grid, every letter of the
 * Mongolian Cyrillic alphabet and ₮, the date and time (@now, or the current
 * time when NULL). */
gboolean kassa_escpos_print_test_page (const KassaReportInfo  *info,
                                       guint                   width_dots,
                                       GDateTime              *now,
                                       GOutputStream          *stream,
                                       GCancellable           *cancellable,
                                       GError                **error);
/* Opens a cash drawer on the printer's drawer port: ESC p, pin 2. Only the
 * pulse (no ESC @, which would reset a job in progress). */
gboolean kassa_escpos_open_drawer     (GOutputStream          *stream,
                                       GCancellable           *cancellable,
                                       GError                **error);

G_END_DECLS
