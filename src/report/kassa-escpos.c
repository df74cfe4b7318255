/* kassa-escpos.c — a document of blocks, drawn band by band into ESC/POS raster commands
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The commands (docs/printing.md; Epson's ESC/POS reference):
 *   ESC @                  1B 40           initialise: a clean state whatever came before
 *   GS v 0 m xL xH yL yH d 1D 76 30 00 …   a raster image: m = 0 (normal size), x bytes
 *                                          (8 dots each, MSB leftmost) by y rows, 1 = black
 *   ESC J n                1B 4A n         feed n dots (the bottom margin under the image)
 *   GS V 66 0              1D 56 42 00     "function B": feed to the cutter, partial cut
 *   ESC p 0 t1 t2          1B 70 00 …      a pulse on the drawer port's pin 2
 * The document kinds (receipt, slip, test page) are in kassa-escpos-documents.c.
 */

#include "config.h"

#include "kassa-escpos.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "kassa-qr.h"
#include "kassa-report-private.h"

/* 1 mm at the side: roll printers print to the edge of their width. */
#define SIDE_MARGIN 8
#define TOP_MARGIN 8
#define BOTTOM_MARGIN 16
/* ~3 mm of white below the last line before the cutter's own feed. */
#define FEED_BEFORE_CUT 24
#define QR_MAX_MODULE 8
/* ESC p: 0 = pin 2 (the drawer on nearly every RJ11 cable); on 60 × 2 ms = 120 ms
 * (a solenoid needs 50–200 ms); off 240 × 2 ms = 480 ms, 4 × the on time, as
 * printer makers ask (duty ≤ 20 %). */
#define DRAWER_PIN 0
#define DRAWER_ON_2MS 60
#define DRAWER_OFF_2MS 240

typedef enum
{
  BLOCK_TEXT,
  BLOCK_FIELD,          /* label and value on one line */
  BLOCK_FIELD_STACKED,  /* label, then the value right-aligned below */
  BLOCK_RULE,
  BLOCK_SPACE,
  BLOCK_QR,
  BLOCK_RULER,
} BlockKind;

typedef struct
{
  BlockKind       kind;
  char           *text;
  char           *value;
  double          font_pt;
  double          value_font_pt;
  gboolean        bold;
  PangoAlignment  alignment;
  double          y;        /* dots from the top of the image */
  double          height;   /* dots */
  double          split;    /* BLOCK_FIELD_STACKED: where the value starts */
  KassaQrMatrix  *qr;
  guint           module;
} Block;

struct _KassaEscposDocument
{
  guint            width;
  double           y;
  GArray          *blocks;    /* Block, in y order */
  cairo_surface_t *measure_surface;
  cairo_t         *measure_cr;
  PangoContext    *context;
};

static void
block_clear (gpointer data)
{
  Block *block = data;

  g_free (block->text);
  g_free (block->value);
  g_clear_pointer (&block->qr, kassa_qr_matrix_unref);
}

gboolean
kassa_escpos_check_width (guint    width_dots,
                          GError **error)
{
  if (width_dots % 8 == 0 && width_dots >= KASSA_ESCPOS_MIN_WIDTH_DOTS &&
      width_dots <= KASSA_ESCPOS_MAX_WIDTH_DOTS)
    return TRUE;

  g_set_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_INVALID,
               _("A receipt printer %u dots wide cannot be printed on: the width must be a "
                 "multiple of 8 from %u to %u dots (384 for 58 mm paper, 576 for 80 mm)"),
               width_dots, KASSA_ESCPOS_MIN_WIDTH_DOTS, KASSA_ESCPOS_MAX_WIDTH_DOTS);
  return FALSE;
}

/* Font sizes are points at the printer's resolution, lengths are dots. */
static PangoContext *
printer_context_new (cairo_t *cr)
{
  PangoContext *context = kassa_report_pango_context_new (cr);

  pango_cairo_context_set_resolution (context, KASSA_ESCPOS_DPI);

  return context;
}

KassaEscposDocument *
kassa_escpos_document_new (guint    width_dots,
                           GError **error)
{
  KassaEscposDocument *doc;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!kassa_escpos_check_width (width_dots, error))
    return NULL;

  doc = g_new0 (KassaEscposDocument, 1);
  doc->width = width_dots;
  doc->y = TOP_MARGIN;
  doc->blocks = g_array_new (FALSE, TRUE, sizeof (Block));
  g_array_set_clear_func (doc->blocks, block_clear);
  doc->measure_surface = cairo_image_surface_create (CAIRO_FORMAT_A8, 1, 1);
  doc->measure_cr = cairo_create (doc->measure_surface);
  doc->context = printer_context_new (doc->measure_cr);

  return doc;
}

void
kassa_escpos_document_free (KassaEscposDocument *doc)
{
  if (doc == NULL)
    return;

  g_array_unref (doc->blocks);
  g_clear_object (&doc->context);
  cairo_destroy (doc->measure_cr);
  cairo_surface_destroy (doc->measure_surface);
  g_free (doc);
}

guint
kassa_escpos_document_get_width (KassaEscposDocument *doc)
{
  g_return_val_if_fail (doc != NULL, 0);

  return doc->width;
}

guint
kassa_escpos_document_get_height (KassaEscposDocument *doc)
{
  g_return_val_if_fail (doc != NULL, 0);

  return (guint) ceil (doc->y) + BOTTOM_MARGIN;
}

static double
content_width (KassaEscposDocument *doc)
{
  return doc->width - 2 * SIDE_MARGIN;
}

static Block *
append_block (KassaEscposDocument *doc,
              BlockKind            kind,
              double               height)
{
  Block block = { 0 };

  block.kind = kind;
  block.y = doc->y;
  block.height = height;
  block.alignment = PANGO_ALIGN_LEFT;
  g_array_append_val (doc->blocks, block);
  doc->y += height;

  return &g_array_index (doc->blocks, Block, doc->blocks->len - 1);
}

void
kassa_escpos_document_add_text (KassaEscposDocument *doc,
                                const char          *text,
                                double               font_pt,
                                gboolean             bold,
                                PangoAlignment       alignment)
{
  g_autoptr(PangoLayout) layout = NULL;
  Block *block;

  g_return_if_fail (doc != NULL);

  if (text == NULL || *text == '\0')
    return;

  layout = kassa_report_text_layout (doc->context, text, font_pt, bold, content_width (doc),
                                     alignment);
  block = append_block (doc, BLOCK_TEXT, kassa_report_layout_height (layout));
  block->text = g_strdup (text);
  block->font_pt = font_pt;
  block->bold = bold;
  block->alignment = alignment;
}

void
kassa_escpos_document_add_field (KassaEscposDocument *doc,
                                 const char          *label,
                                 const char          *value,
                                 double               font_pt,
                                 gboolean             bold)
{
  g_autoptr(PangoLayout) label_layout = NULL;
  g_autoptr(PangoLayout) value_layout = NULL;
  double gap = font_pt * KASSA_ESCPOS_DPI / 72.0;
  double width, label_width, value_width, value_font_pt = font_pt;
  Block *block;

  g_return_if_fail (doc != NULL);

  if (value == NULL || *value == '\0')
    return;

  width = content_width (doc);

  label_layout = kassa_report_text_layout (doc->context, label, font_pt, FALSE, -1,
                                           PANGO_ALIGN_LEFT);
  value_layout = kassa_report_text_layout (doc->context, value, font_pt, bold, -1,
                                           PANGO_ALIGN_LEFT);
  label_width = kassa_report_layout_width (label_layout);
  value_width = kassa_report_layout_width (value_layout);

  if (label_width + gap + value_width <= width)
    {
      block = append_block (doc, BLOCK_FIELD,
                            MAX (kassa_report_layout_height (label_layout),
                                 kassa_report_layout_height (value_layout)));
    }
  else
    {
      double label_height, value_height;

      /* A long value (an invoice number) shrinks to 70 % before it wraps. */
      if (value_width > width)
        value_font_pt = MAX (font_pt * 0.7, font_pt * width / value_width * 0.98);
      g_clear_object (&label_layout);
      g_clear_object (&value_layout);
      label_layout = kassa_report_text_layout (doc->context, label, font_pt, FALSE, width,
                                               PANGO_ALIGN_LEFT);
      value_layout = kassa_report_text_layout (doc->context, value, value_font_pt, bold, width,
                                               PANGO_ALIGN_RIGHT);
      label_height = kassa_report_layout_height (label_layout);
      value_height = kassa_report_layout_height (value_layout);
      block = append_block (doc, BLOCK_FIELD_STACKED, label_height + value_height);
      block->split = label_height;
    }

  block->text = g_strdup (label);
  block->value = g_strdup (value);
  block->font_pt = font_pt;
  block->value_font_pt = value_font_pt;
  block->bold = bold;
}

void
kassa_escpos_document_add_rule (KassaEscposDocument *doc)
{
  g_return_if_fail (doc != NULL);

  append_block (doc, BLOCK_RULE, 22);
}

void
kassa_escpos_document_add_space (KassaEscposDocument *doc,
                                 guint                dots)
{
  g_return_if_fail (doc != NULL);

  append_block (doc, BLOCK_SPACE, dots);
}

gboolean
kassa_escpos_document_add_qr (KassaEscposDocument  *doc,
                              const char           *payload,
                              GError              **error)
{
  g_autoptr(KassaQrMatrix) qr = NULL;
  guint fits, module, side;
  Block *block;

  g_return_val_if_fail (doc != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  qr = kassa_qr_matrix_new (payload, error);
  if (qr == NULL)
    return FALSE;

  fits = kassa_qr_matrix_module_size_for (qr, (guint) content_width (doc));
  if (fits < KASSA_ESCPOS_MIN_QR_MODULE)
    {
      g_set_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_INVALID,
                   _("The QR code of “%s” does not fit a printer %u dots wide"),
                   payload, doc->width);
      return FALSE;
    }

  /* About half the width: big enough to scan at arm's length, not a wall of ink. */
  module = kassa_qr_matrix_module_size_for (qr, (guint) (content_width (doc) * 0.55));
  module = CLAMP (module, KASSA_ESCPOS_MIN_QR_MODULE, MIN (fits, QR_MAX_MODULE));
  side = (kassa_qr_matrix_get_width (qr) + 2 * KASSA_QR_QUIET_ZONE) * module;

  /* Whole dots: a module is exactly @module dots in both directions. */
  doc->y = ceil (doc->y);
  block = append_block (doc, BLOCK_QR, side);
  block->qr = g_steal_pointer (&qr);
  block->module = module;

  return TRUE;
}

void
kassa_escpos_document_add_ruler (KassaEscposDocument *doc)
{
  g_return_if_fail (doc != NULL);

  doc->y = ceil (doc->y);
  /* 40 dots of ticks and numbers, 64 of grid. */
  append_block (doc, BLOCK_RULER, 40 + 64);
}

/* ------------------------------------------------------------------ */
/* Drawing                                                             */

static void
draw_ruler (cairo_t      *cr,
            PangoContext *context,
            guint         width,
            double        y)
{
  cairo_save (cr);
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);

  /* The edges of the printable width, then ticks along the top. */
  cairo_rectangle (cr, 0, y, 2, 104);
  cairo_rectangle (cr, width - 2, y, 2, 104);
  cairo_rectangle (cr, 0, y, width, 2);
  for (guint x = 0; x < width; x += 8)
    cairo_rectangle (cr, x, y, 1, x % 64 == 0 ? 16 : 8);
  cairo_fill (cr);

  for (guint x = 128; x < width; x += 128)
    {
      g_autofree char *number = g_strdup_printf ("%u", x);
      g_autoptr(PangoLayout) layout = kassa_report_text_layout (context, number, 6.0, FALSE, -1,
                                                                PANGO_ALIGN_LEFT);

      cairo_move_to (cr, x + 3, y + 14);
      pango_cairo_show_layout (cr, layout);
    }

  /* A chessboard of 16-dot squares: every dot of the head gets used. */
  for (guint row = 0; row < 4; row++)
    for (guint x = 0; x < width; x += 16)
      if (((x / 16) + row) % 2 == 0)
        cairo_rectangle (cr, x, y + 40 + row * 16, 16, 16);
  cairo_fill (cr);
  cairo_restore (cr);
}

static void
draw_block (cairo_t             *cr,
            PangoContext        *context,
            KassaEscposDocument *doc,
            const Block         *block)
{
  /* The text blocks' layouts: a label or paragraph, and a value. */
  g_autoptr(PangoLayout) first = NULL;
  g_autoptr(PangoLayout) second = NULL;
  double width = content_width (doc);

  switch (block->kind)
    {
    case BLOCK_TEXT:
      first = kassa_report_text_layout (context, block->text, block->font_pt, block->bold, width,
                                        block->alignment);
      cairo_move_to (cr, SIDE_MARGIN, block->y);
      pango_cairo_show_layout (cr, first);
      break;

    case BLOCK_FIELD:
      first = kassa_report_text_layout (context, block->text, block->font_pt, FALSE, -1,
                                        PANGO_ALIGN_LEFT);
      second = kassa_report_text_layout (context, block->value, block->font_pt, block->bold, -1,
                                         PANGO_ALIGN_LEFT);
      cairo_move_to (cr, SIDE_MARGIN, block->y);
      pango_cairo_show_layout (cr, first);
      cairo_move_to (cr, SIDE_MARGIN + width - kassa_report_layout_width (second), block->y);
      pango_cairo_show_layout (cr, second);
      break;

    case BLOCK_FIELD_STACKED:
      first = kassa_report_text_layout (context, block->text, block->font_pt, FALSE, width,
                                        PANGO_ALIGN_LEFT);
      second = kassa_report_text_layout (context, block->value, block->value_font_pt,
                                         block->bold, width, PANGO_ALIGN_RIGHT);
      cairo_move_to (cr, SIDE_MARGIN, block->y);
      pango_cairo_show_layout (cr, first);
      cairo_move_to (cr, SIDE_MARGIN, block->y + block->split);
      pango_cairo_show_layout (cr, second);
      break;

    case BLOCK_RULE:
      {
        double line_y = floor (block->y + block->height / 2) - 1;

        for (double x = SIDE_MARGIN; x < SIDE_MARGIN + width; x += 12)
          cairo_rectangle (cr, x, line_y, MIN (7, SIDE_MARGIN + width - x), 2);
        cairo_fill (cr);
      }
      break;

    case BLOCK_QR:
      {
        guint modules = kassa_qr_matrix_get_width (block->qr);
        guint side = (modules + 2 * KASSA_QR_QUIET_ZONE) * block->module;
        double x0 = floor ((doc->width - side) / 2.0) + KASSA_QR_QUIET_ZONE * block->module;
        double y0 = block->y + KASSA_QR_QUIET_ZONE * block->module;

        for (guint my = 0; my < modules; my++)
          for (guint mx = 0; mx < modules; mx++)
            if (kassa_qr_matrix_get_module (block->qr, mx, my))
              cairo_rectangle (cr, x0 + mx * block->module, y0 + my * block->module,
                               block->module, block->module);
        cairo_fill (cr);
      }
      break;

    case BLOCK_RULER:
      draw_ruler (cr, context, doc->width, block->y);
      break;

    case BLOCK_SPACE:
    default:
      break;
    }
}

/* ------------------------------------------------------------------ */
/* Encoding                                                            */

/* Rows 0 … @rows - 1 of @surface as one GS v 0 command: dark = 1. */
static void
encode_band (cairo_surface_t *surface,
                          guint            rows,
                          GByteArray      *out)
{
  const guint8 *data;
  cairo_format_t format = cairo_image_surface_get_format (surface);
  int width = cairo_image_surface_get_width (surface);
  int stride = cairo_image_surface_get_stride (surface);
  guint width_bytes = (guint) (width + 7) / 8;
  guint8 header[8] = { 0x1d, 'v', '0', 0,
                       width_bytes & 0xff, width_bytes >> 8, rows & 0xff, rows >> 8 };
  guint start;

  g_return_if_fail (format == CAIRO_FORMAT_A8 || format == CAIRO_FORMAT_RGB24 ||
                    format == CAIRO_FORMAT_ARGB32);
  g_return_if_fail (rows >= 1 && rows <= (guint) cairo_image_surface_get_height (surface));

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);

  g_byte_array_append (out, header, sizeof header);
  start = out->len;
  g_byte_array_set_size (out, start + width_bytes * rows);
  memset (out->data + start, 0, width_bytes * rows);

  for (guint y = 0; y < rows; y++)
    {
      const guint8 *row = data + (gsize) y * stride;
      guint8 *bits = out->data + start + (gsize) y * width_bytes;

      for (int x = 0; x < width; x++)
        {
          gboolean dark;

          if (format == CAIRO_FORMAT_A8)
            {
              /* Ink is coverage. */
              dark = row[x] >= 128;
            }
          else
            {
              guint32 pixel = ((const guint32 *) (gconstpointer) row)[x];
              guint r = (pixel >> 16) & 0xff, g = (pixel >> 8) & 0xff, b = pixel & 0xff;

              /* Rec. 601 luma; on ARGB32 a transparent pixel is paper. */
              dark = (r * 299 + g * 587 + b * 114) / 1000 < 128 &&
                     (format == CAIRO_FORMAT_RGB24 || (pixel >> 24) >= 128);
            }
          if (dark)
            bits[x / 8] |= 0x80 >> (x % 8);
        }
    }
}

/* The stream's own error (the transport says what went wrong), with context. */
static gboolean
send_failed (GError **error)
{
  if (error != NULL && *error != NULL &&
      !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_prefix_error (error, _("Cannot send to the receipt printer: "));

  return FALSE;
}

static gboolean
write_bytes (GOutputStream  *stream,
             const guint8   *data,
             gsize           length,
             GCancellable   *cancellable,
             GError        **error)
{
  if (g_output_stream_write_all (stream, data, length, NULL, cancellable, error))
    return TRUE;

  return send_failed (error);
}

static gboolean
flush_stream (GOutputStream  *stream,
              GCancellable   *cancellable,
              GError        **error)
{
  if (g_output_stream_flush (stream, cancellable, error))
    return TRUE;

  return send_failed (error);
}

gboolean
kassa_escpos_document_write (KassaEscposDocument  *doc,
                             GOutputStream        *stream,
                             GCancellable         *cancellable,
                             GError              **error)
{
  static const guint8 init[] = { 0x1b, '@' };
  static const guint8 cut[] = { 0x1b, 'J', FEED_BEFORE_CUT, 0x1d, 'V', 66, 0 };
  g_autoptr(GByteArray) band = NULL;
  g_autoptr(KassaReportPangoContext) context = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  guint height, first = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (doc != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!write_bytes (stream, init, sizeof init, cancellable, error))
    return FALSE;

  height = kassa_escpos_document_get_height (doc);
  band = g_byte_array_sized_new (8 + doc->width / 8 * KASSA_ESCPOS_BAND_ROWS);
  surface = cairo_image_surface_create (CAIRO_FORMAT_A8, doc->width, KASSA_ESCPOS_BAND_ROWS);
  cr = cairo_create (surface);
  context = printer_context_new (cr);

  for (guint top = 0; top < height && ok; top += KASSA_ESCPOS_BAND_ROWS)
    {
      guint rows = MIN (KASSA_ESCPOS_BAND_ROWS, height - top);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }

      cairo_save (cr);
      cairo_set_operator (cr, CAIRO_OPERATOR_CLEAR);
      cairo_paint (cr);
      cairo_restore (cr);

      cairo_save (cr);
      cairo_translate (cr, 0, -(double) top);
      cairo_set_source_rgba (cr, 0, 0, 0, 1);
      /* Blocks are in y order: skip those above the band, stop below it. */
      while (first < doc->blocks->len)
        {
          const Block *block = &g_array_index (doc->blocks, Block, first);

          if (block->y + block->height > top)
            break;
          first++;
        }
      for (guint i = first; i < doc->blocks->len; i++)
        {
          const Block *block = &g_array_index (doc->blocks, Block, i);

          if (block->y >= top + rows)
            break;
          draw_block (cr, context, doc, block);
        }
      cairo_restore (cr);

      g_byte_array_set_size (band, 0);
      encode_band (surface, rows, band);
      ok = write_bytes (stream, band->data, band->len, cancellable, error);
    }

  g_clear_object (&context);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);

  if (!ok)
    return FALSE;
  if (!write_bytes (stream, cut, sizeof cut, cancellable, error))
    return FALSE;
  return flush_stream (stream, cancellable, error);
}

gboolean
kassa_escpos_open_drawer (GOutputStream  *stream,
                          GCancellable   *cancellable,
                          GError        **error)
{
  static const guint8 pulse[] = { 0x1b, 'p', DRAWER_PIN, DRAWER_ON_2MS, DRAWER_OFF_2MS };

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!write_bytes (stream, pulse, sizeof pulse, cancellable, error))
    return FALSE;
  return flush_stream (stream, cancellable, error);
}
