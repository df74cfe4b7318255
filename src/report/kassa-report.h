/* kassa-report.h — the end-of-day settlement report as PDF, CSV and printable pages
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * cairo + pango, no GTK: kassa-ctl writes reports headless, the GUI prints the
 * same pages through GtkPrintOperation (src/gui/kassa-print.h). docs/reports.md
 * describes the documents.
 *
 * All drawing is in points (1/72 inch): a cairo PDF surface's unit, and the
 * print context's after gtk_print_operation_set_unit (GTK_UNIT_POINTS).
 */

#pragma once

#include <cairo.h>
#include <gio/gio.h>

#include "kassa-journal.h"
#include "kassa-settlement.h"

G_BEGIN_DECLS

/* A state's name for people, translated and short: "Paid", "Refunded",
 * "Awaiting payment", … The one name the reports, the receipts, the history
 * and the cashier's list of sales give a state. */
const char *kassa_report_state_label  (KassaInvoiceState  state);
/* A payment method's name for people: "QR code", "SocialPay link", "Phone". */
const char *kassa_report_method_label (KassaInvoiceMethod method);

typedef enum
{
  KASSA_REPORT_ERROR_IO,          /* the file cannot be written (message names it) */
  KASSA_REPORT_ERROR_INVALID,     /* the input cannot make this document (message says why) */
} KassaReportError;

#define KASSA_REPORT_ERROR (kassa_report_error_quark ())
GQuark kassa_report_error_quark (void);

/* What the documents say about the shop. Each may be NULL: the shop name,
 * address and phone are then left out, the terminal is the settlement's
 * (report) or invoice's (receipt). The address and phone are on receipts and
 * the end-of-day slip, not on the A4 report. */
typedef struct
{
  const char *shop_name;
  const char *terminal;
  const char *address;
  const char *phone;
} KassaReportInfo;

/* Paper for receipts: a 58 mm or 80 mm roll (one long page, as long as the
 * receipt needs) or an A4 sheet. */
typedef enum
{
  KASSA_PAPER_58MM,
  KASSA_PAPER_80MM,
  KASSA_PAPER_A4,
} KassaPaperWidth;

#define KASSA_TYPE_PAPER_WIDTH (kassa_paper_width_get_type ())
GType        kassa_paper_width_get_type    (void) G_GNUC_CONST;
/* "58mm", "80mm", "a4" (the GSettings / kassa-ctl words). from_string also
 * takes "58", "80", "A4". */
const char  *kassa_paper_width_to_string   (KassaPaperWidth  paper);
gboolean     kassa_paper_width_from_string (const char      *text,
                                            KassaPaperWidth *out_paper);
/* The paper's width in millimetres (58, 80, 210). */
double       kassa_paper_width_get_mm      (KassaPaperWidth  paper);

/* A4 in points. */
#define KASSA_REPORT_A4_WIDTH_PT  595.2756
#define KASSA_REPORT_A4_HEIGHT_PT 841.8898

/* "949625******0003": keeps the first six and last four digits of a card
 * number, masks the rest (whatever the bank sent). NULL for NULL/empty. */
char        *kassa_report_mask_card        (const char      *card_number);

/* The report of one batch: the settlement's figures and the day's invoices of
 * its terminal (every invoice created since the previous unfailed batch of the
 * terminal began, plus every invoice the batch covers), read once from
 * @journal. Pages are laid out for a given page size on first use. */
typedef struct _KassaReportLayout KassaReportLayout;

KassaReportLayout *kassa_report_layout_new       (KassaJournal            *journal,
                                                  KassaSettlement         *settlement,
                                                  const KassaReportInfo   *info,
                                                  GError                 **error);
void               kassa_report_layout_free      (KassaReportLayout       *layout);
/* The number of pages (≥ 1) for pages of @width_pt × @height_pt; @cr is any
 * context of the target (its font options are used for measuring). */
int                kassa_report_get_n_pages      (KassaReportLayout       *layout,
                                                  cairo_t                 *cr,
                                                  double                   width_pt,
                                                  double                   height_pt);
/* Draws page @page (0-based) with its top-left corner at @cr's origin. */
void               kassa_report_draw_page        (KassaReportLayout       *layout,
                                                  cairo_t                 *cr,
                                                  double                   width_pt,
                                                  double                   height_pt,
                                                  int                      page);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaReportLayout, kassa_report_layout_free)

/* The report as an A4 PDF, paginated. */
gboolean kassa_report_write_pdf (KassaJournal           *journal,
                                 KassaSettlement        *settlement,
                                 const KassaReportInfo  *info,
                                 const char             *path,
                                 GError                **error);
/* The report's invoice list as CSV (RFC 4180: CRLF, quoted where needed,
 * UTF-8, a header row, amounts as integers of tögrög). The columns are listed
 * in docs/reports.md; `in_batch` is 1 for the invoices the batch counts, so
 * their amounts sum to the batch's local amount. */
gboolean kassa_report_write_csv (KassaJournal           *journal,
                                 KassaSettlement        *settlement,
                                 const KassaReportInfo  *info,
                                 const char             *path,
                                 GError                **error);
/* Appends @value to @out as one CSV field (RFC 4180): quoted, with quotes
 * doubled, when it holds a comma, a quote or a line break; NULL is an empty
 * field. Also used by `kassa-ctl history --csv`. */
void     kassa_report_append_csv_field (GString    *out,
                                        const char *value);

G_END_DECLS
