/* kassa-receipt.c — a customer receipt for a paid sale or a refund
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One function lays the receipt out and either only measures it (to size a
 * roll's page) or draws it, so the page is exactly as long as what is drawn.
 */

#include "config.h"

#include "kassa-receipt.h"

#include <glib/gi18n.h>

#include "kassa-qr.h"
#include "kassa-report-private.h"

typedef struct
{
  double page_width;    /* points */
  double margin;        /* left and right */
  double top;           /* top and bottom */
  double font_pt;
  double min_font_pt;   /* a long value shrinks to this before it wraps */
  double content_width; /* for A4: a centred column, not the whole sheet */
} PaperMetrics;

static void
paper_metrics (KassaPaperWidth  paper,
               PaperMetrics    *metrics)
{
  metrics->page_width = KASSA_REPORT_MM_TO_PT (kassa_paper_width_get_mm (paper));

  switch (paper)
    {
    case KASSA_PAPER_58MM:
      /* Receipt printers print about 48 mm of a 58 mm roll. */
      metrics->margin = KASSA_REPORT_MM_TO_PT (5.0);
      metrics->top = KASSA_REPORT_MM_TO_PT (4.0);
      metrics->font_pt = 8.0;
      metrics->min_font_pt = 5.5;
      break;
    case KASSA_PAPER_80MM:
      metrics->margin = KASSA_REPORT_MM_TO_PT (4.0);
      metrics->top = KASSA_REPORT_MM_TO_PT (4.0);
      metrics->font_pt = 9.5;
      metrics->min_font_pt = 6.0;
      break;
    case KASSA_PAPER_A4:
    default:
      metrics->margin = KASSA_REPORT_MM_TO_PT (55.0);
      metrics->top = KASSA_REPORT_MM_TO_PT (25.0);
      metrics->font_pt = 11.0;
      metrics->min_font_pt = 7.0;
      break;
    }

  metrics->content_width = metrics->page_width - 2 * metrics->margin;
}

typedef struct
{
  cairo_t            *cr;        /* NULL: only measure */
  PangoContext       *context;
  const PaperMetrics *metrics;
  double              y;
} Pen;

static void
pen_show (Pen         *pen,
          PangoLayout *layout,
          double       x)
{
  if (pen->cr == NULL)
    return;

  cairo_move_to (pen->cr, x, pen->y);
  pango_cairo_show_layout (pen->cr, layout);
}

/* A centred paragraph. */
static void
put_centred (Pen        *pen,
             const char *text,
             double      scale,
             gboolean    bold)
{
  g_autoptr(PangoLayout) layout = kassa_report_text_layout (pen->context, text,
                                                            pen->metrics->font_pt * scale, bold,
                                                            pen->metrics->content_width,
                                                            PANGO_ALIGN_CENTER);

  pen_show (pen, layout, pen->metrics->margin);
  pen->y += kassa_report_layout_height (layout);
}

/* "Label      value": on one line when both fit, else the label on a line and
 * the value right-aligned below it, shrunk (down to min_font_pt) rather than
 * broken, so an invoice number stays one word. */
static void
put_field (Pen        *pen,
           const char *label,
           const char *value,
           gboolean    bold)
{
  const PaperMetrics *m = pen->metrics;
  g_autoptr(PangoLayout) label_layout = NULL;
  g_autoptr(PangoLayout) value_layout = NULL;
  double gap = m->font_pt;
  double label_width, value_width;
  double font_pt = m->font_pt;

  if (value == NULL || *value == '\0')
    return;

  label_layout = kassa_report_text_layout (pen->context, label, m->font_pt, FALSE, -1,
                                           PANGO_ALIGN_LEFT);
  value_layout = kassa_report_text_layout (pen->context, value, m->font_pt, bold, -1,
                                           PANGO_ALIGN_LEFT);
  label_width = kassa_report_layout_width (label_layout);
  value_width = kassa_report_layout_width (value_layout);

  if (label_width + gap + value_width <= m->content_width)
    {
      double height = MAX (kassa_report_layout_height (label_layout),
                           kassa_report_layout_height (value_layout));

      pen_show (pen, label_layout, m->margin);
      pen_show (pen, value_layout, m->margin + m->content_width - value_width);
      pen->y += height;
      return;
    }

  g_clear_object (&label_layout);
  label_layout = kassa_report_text_layout (pen->context, label, m->font_pt, FALSE,
                                           m->content_width, PANGO_ALIGN_LEFT);
  pen_show (pen, label_layout, m->margin);
  pen->y += kassa_report_layout_height (label_layout);

  if (value_width > m->content_width)
    font_pt = MAX (m->min_font_pt, m->font_pt * m->content_width / value_width * 0.98);
  g_clear_object (&value_layout);
  value_layout = kassa_report_text_layout (pen->context, value, font_pt, bold,
                                           m->content_width, PANGO_ALIGN_RIGHT);
  pen_show (pen, value_layout, m->margin);
  pen->y += kassa_report_layout_height (value_layout);
}

static void
put_rule (Pen *pen)
{
  double space = pen->metrics->font_pt * 0.6;

  pen->y += space;
  if (pen->cr != NULL)
    {
      static const double dashes[] = { 2.0, 1.5 };

      cairo_save (pen->cr);
      cairo_set_line_width (pen->cr, 0.6);
      cairo_set_dash (pen->cr, dashes, G_N_ELEMENTS (dashes), 0);
      cairo_move_to (pen->cr, pen->metrics->margin, pen->y);
      cairo_line_to (pen->cr, pen->metrics->margin + pen->metrics->content_width, pen->y);
      cairo_stroke (pen->cr);
      cairo_restore (pen->cr);
    }
  pen->y += space;
}

/* The QR code as an image of one pixel per module, scaled without smoothing
 * (a PDF viewer and a printer driver then keep the modules sharp). */
static void
put_qr (Pen        *pen,
        const char *payload)
{
  const PaperMetrics *m = pen->metrics;
  g_autoptr(KassaQrMatrix) qr = kassa_qr_matrix_new (payload, NULL);
  guint modules, side;
  double size;

  /* An invoice number always encodes: nothing to draw otherwise. */
  if (qr == NULL)
    return;

  modules = kassa_qr_matrix_get_width (qr);
  side = modules + 2 * KASSA_QR_QUIET_ZONE;
  /* Half the roll's width, at most 35 mm (on A4). */
  size = MIN (m->content_width * 0.5, KASSA_REPORT_MM_TO_PT (35.0));

  if (pen->cr != NULL)
    {
      cairo_surface_t *image = cairo_image_surface_create (CAIRO_FORMAT_RGB24, side, side);
      cairo_pattern_t *pattern;
      guint8 *data;
      int stride;

      cairo_surface_flush (image);
      data = cairo_image_surface_get_data (image);
      stride = cairo_image_surface_get_stride (image);
      for (guint y = 0; y < side; y++)
        for (guint x = 0; x < side; x++)
          {
            gboolean dark = x >= KASSA_QR_QUIET_ZONE && y >= KASSA_QR_QUIET_ZONE &&
                            x < modules + KASSA_QR_QUIET_ZONE &&
                            y < modules + KASSA_QR_QUIET_ZONE &&
                            kassa_qr_matrix_get_module (qr, x - KASSA_QR_QUIET_ZONE,
                                                        y - KASSA_QR_QUIET_ZONE);

            ((guint32 *) (gpointer) (data + y * stride))[x] = dark ? 0x000000 : 0xffffff;
          }
      cairo_surface_mark_dirty (image);

      cairo_save (pen->cr);
      cairo_translate (pen->cr, m->margin + (m->content_width - size) / 2, pen->y);
      cairo_scale (pen->cr, size / side, size / side);
      cairo_set_source_surface (pen->cr, image, 0, 0);
      pattern = cairo_get_source (pen->cr);
      cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
      cairo_rectangle (pen->cr, 0, 0, side, side);
      cairo_fill (pen->cr);
      cairo_restore (pen->cr);
      cairo_surface_destroy (image);
    }

  pen->y += size;
}

static void
pen_centred_cb (gpointer    sink,
                const char *text,
                double      scale,
                gboolean    bold)
{
  put_centred (sink, text, scale, bold);
}

static void
pen_field_cb (gpointer    sink,
              const char *label,
              const char *value,
              gboolean    bold)
{
  put_field (sink, label, value, bold);
}

static void
pen_rule_cb (gpointer sink)
{
  put_rule (sink);
}

static void
pen_qr_cb (gpointer    sink,
           const char *payload)
{
  put_qr (sink, payload);
}

static const KassaReceiptSink pen_sink = {
  pen_centred_cb, pen_field_cb, pen_rule_cb, pen_qr_cb,
};

void
kassa_receipt_build (KassaInvoice           *invoice,
                     const KassaReportInfo  *info,
                     const KassaReceiptSink *sink,
                     gpointer                data)
{
  gboolean refund = kassa_invoice_get_state (invoice) == KASSA_INVOICE_REFUNDED;
  const char *terminal = info != NULL && info->terminal != NULL
                         ? info->terminal : kassa_invoice_get_terminal (invoice);
  g_autofree char *when = kassa_report_format_time (kassa_invoice_get_created (invoice));
  g_autofree char *amount = kassa_report_format_money (kassa_invoice_get_amount (invoice), FALSE);
  g_autofree char *card = kassa_report_mask_card (kassa_invoice_get_card_number (invoice));

  if (info != NULL && info->shop_name != NULL && *info->shop_name != '\0')
    sink->centred (data, info->shop_name, 1.35, TRUE);
  if (info != NULL && info->address != NULL && *info->address != '\0')
    sink->centred (data, info->address, 0.9, FALSE);
  if (info != NULL && info->phone != NULL && *info->phone != '\0')
    {
      /* Translators: the shop's telephone number on a receipt */
      g_autofree char *phone = g_strdup_printf (_("Phone: %s"), info->phone);

      sink->centred (data, phone, 0.9, FALSE);
    }
  sink->centred (data, refund ? _("Refund receipt") : _("Payment receipt"), 1.1, TRUE);
  /* Not translated: the names of the bank's product and of the bank. */
  sink->centred (data, "SocialPay · Golomt Bank", 0.9, FALSE);
  sink->rule (data);

  sink->field (data, _("Terminal"), terminal, FALSE);
  sink->field (data, _("Invoice"), kassa_invoice_get_number (invoice), FALSE);
  sink->field (data, _("Date"), when, FALSE);
  sink->field (data, _("Paid with"),
               kassa_report_method_label (kassa_invoice_get_method (invoice)), FALSE);
  sink->field (data, _("Reference"), kassa_invoice_get_reference (invoice), FALSE);
  sink->field (data, _("Approval code"), kassa_invoice_get_approval_code (invoice), FALSE);
  sink->field (data, _("Card"), card, FALSE);
  sink->rule (data);

  sink->field (data, refund ? _("Refunded amount") : _("Amount"), amount, TRUE);
  sink->field (data, _("State"), kassa_report_state_label (kassa_invoice_get_state (invoice)),
               TRUE);
  sink->rule (data);

  if (refund)
    sink->centred (data, _("The amount is returned to the card or account it was paid with."),
                   0.9, FALSE);
  sink->centred (data, KASSA_RECEIPT_THANK_YOU, 1.0, TRUE);
  /* The invoice number, for a refund later: the history search reads it. */
  sink->qr (data, kassa_invoice_get_number (invoice));
}

/* Lays the receipt out from the top of the page; returns the page length. */
static double
render (KassaInvoice          *invoice,
        const KassaReportInfo *info,
        const PaperMetrics    *metrics,
        PangoContext          *context,
        cairo_t               *cr)
{
  Pen pen = { cr, context, metrics, metrics->top };

  if (cr != NULL)
    cairo_set_source_rgb (cr, 0, 0, 0);

  kassa_receipt_build (invoice, info, &pen_sink, &pen);

  return pen.y + metrics->top;
}

void
kassa_receipt_get_page_size (KassaInvoice          *invoice,
                             const KassaReportInfo *info,
                             KassaPaperWidth        paper,
                             double                *out_width_pt,
                             double                *out_height_pt)
{
  PaperMetrics metrics;
  double height = KASSA_REPORT_A4_HEIGHT_PT;

  g_return_if_fail (KASSA_IS_INVOICE (invoice));

  paper_metrics (paper, &metrics);

  if (paper != KASSA_PAPER_A4)
    {
      /* Measured on an unhinted context: the same on every surface. */
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_A8, 1, 1);
      cairo_t *cr = cairo_create (surface);
      g_autoptr(KassaReportPangoContext) context = kassa_report_pango_context_new (cr);

      height = render (invoice, info, &metrics, context, NULL);

      g_clear_object (&context);
      cairo_destroy (cr);
      cairo_surface_destroy (surface);
    }

  if (out_width_pt != NULL)
    *out_width_pt = metrics.page_width;
  if (out_height_pt != NULL)
    *out_height_pt = height;
}

void
kassa_receipt_draw (KassaInvoice          *invoice,
                    const KassaReportInfo *info,
                    KassaPaperWidth        paper,
                    cairo_t               *cr)
{
  g_autoptr(KassaReportPangoContext) context = NULL;
  PaperMetrics metrics;

  g_return_if_fail (KASSA_IS_INVOICE (invoice));
  g_return_if_fail (cr != NULL);

  paper_metrics (paper, &metrics);
  context = kassa_report_pango_context_new (cr);

  cairo_save (cr);
  render (invoice, info, &metrics, context, cr);
  cairo_restore (cr);
}

typedef struct
{
  KassaInvoice          *invoice;
  const KassaReportInfo *info;
  KassaPaperWidth        paper;
} ReceiptJob;

static int
count_receipt_pages_cb (cairo_t  *cr,
                        gpointer  user_data)
{
  return 1;
}

static void
draw_receipt_page_cb (cairo_t  *cr,
                      int       page,
                      gpointer  user_data)
{
  ReceiptJob *job = user_data;

  kassa_receipt_draw (job->invoice, job->info, job->paper, cr);
}

gboolean
kassa_receipt_write_pdf (KassaInvoice           *invoice,
                         const KassaReportInfo  *info,
                         KassaPaperWidth         paper,
                         const char             *path,
                         GError                **error)
{
  ReceiptJob job = { invoice, info, paper };
  g_autofree char *title = NULL;
  double width, height;

  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kassa_receipt_check (invoice, error))
    return FALSE;

  kassa_receipt_get_page_size (invoice, info, paper, &width, &height);
  title = g_strdup_printf (_("Receipt %s"), kassa_invoice_get_number (invoice));

  return kassa_report_write_pdf_pages (path, title, width, height, count_receipt_pages_cb,
                                       draw_receipt_page_cb, &job, error);
}
