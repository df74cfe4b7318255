/* test-escpos.c — receipts, slips and test pages as ESC/POS raster, read back as a printer would
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The documents are written to real streams (memory, a file), decoded by the
 * test printer's decoder (kassa-escpos-decode.h) into the command list and
 * the rebuilt image; zbarimg reads the receipt's QR code off that image.
 * Invoices come from a real journal on disk.
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "kassa-core.h"
#include "kassa-escpos-decode.h"
#include "kassa-test-escpos.h"
#include "kassa-escpos.h"
#include "kassa-receipt.h"
#include "kassa-report-private.h"
#include "kassa-test-util.h"

#define SHOP "Номин дэлгүүр"
#define ADDRESS "Сүхбаатар дүүрэг, 1-р хороо"
#define PHONE "7011-2233"

/* ---- helpers ---- */

static char *
artefact_path (const char *name)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_BUILT, "artefacts", "escpos", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);

  return g_build_filename (dir, name, NULL);
}

static KassaJournal *
open_journal (const char *name)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), name, NULL);
  g_autoptr(GError) error = NULL;
  KassaJournal *journal = kassa_journal_open (path, &error);

  g_assert_no_error (error);

  return journal;
}

static KassaInvoice *
paid_invoice (KassaJournal *journal,
              gint64        amount)
{
  g_autoptr(GError) error = NULL;
  KassaInvoice *invoice = kassa_journal_create_invoice (journal, KASSA_TEST_TERMINAL, amount,
                                                        KASSA_INVOICE_METHOD_QR, NULL, NULL,
                                                        &error);
  KassaBankTransaction paid = { 0 };

  g_assert_no_error (error);
  g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_AWAITING_PAYMENT, "payload",
                                     NULL, NULL, &error));
  g_assert_no_error (error);
  paid.paid = TRUE;
  paid.resp_code = (char *) "00";
  paid.approval_code = (char *) "A1B2C3";
  paid.card_number = (char *) "949625******0003";
  paid.amount = amount;
  g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_PAID, NULL, &paid, NULL,
                                     &error));
  g_assert_no_error (error);

  return invoice;
}

static void
refund_invoice (KassaJournal *journal,
                KassaInvoice *invoice)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_REFUNDING, NULL, NULL,
                                     NULL, &error));
  g_assert_no_error (error);
  g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_REFUNDED, NULL, NULL, NULL,
                                     &error));
  g_assert_no_error (error);
}

static GBytes *
memory_bytes (GOutputStream *stream)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_output_stream_close (stream, NULL, &error));
  g_assert_no_error (error);

  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (stream));
}

static const KassaEscposCommand *
command_at (KassaEscposDecoded *decoded,
            int                 index)
{
  guint i = index >= 0 ? (guint) index : decoded->commands->len - (guint) -index;

  g_assert_cmpuint (i, <, decoded->commands->len);

  return &g_array_index (decoded->commands, KassaEscposCommand, i);
}

/* The shape every document has: ESC @ first, bands of the width, a feed,
 * the partial cut (GS V 66 0) last. */
static void
assert_document (KassaEscposDecoded *decoded,
                 guint               width_dots)
{
  const KassaEscposCommand *last = command_at (decoded, -1);

  g_assert_cmpint (command_at (decoded, 0)->op, ==, KASSA_ESCPOS_OP_INIT);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_INIT), ==, 1);
  g_assert_cmpint (last->op, ==, KASSA_ESCPOS_OP_CUT);
  g_assert_true (last->partial);
  g_assert_cmpuint (last->mode, ==, 66);
  g_assert_cmpuint (last->n, ==, 0);
  g_assert_cmpint (command_at (decoded, -2)->op, ==, KASSA_ESCPOS_OP_FEED_DOTS);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_CUT), ==, 1);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_TEXT), ==, 0);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_PULSE), ==, 0);
  g_assert_cmpuint (decoded->width, ==, width_dots);
  g_assert_nonnull (decoded->image);
  g_assert_cmpint (cairo_image_surface_get_width (decoded->image), ==, (int) width_dots);
  /* Every band is GS v 0 at normal size, at most KASSA_ESCPOS_BAND_ROWS rows. */
  for (guint i = 0; i < decoded->commands->len; i++)
    {
      const KassaEscposCommand *command = command_at (decoded, (int) i);

      if (command->op != KASSA_ESCPOS_OP_RASTER)
        continue;
      g_assert_cmpuint (command->mode, ==, 0);
      g_assert_cmpuint (command->width_bytes, ==, width_dots / 8);
      g_assert_cmpuint (command->rows, <=, KASSA_ESCPOS_BAND_ROWS);
    }
  g_assert_cmpuint (decoded->n_bands, ==,
                    (decoded->height + KASSA_ESCPOS_BAND_ROWS - 1) / KASSA_ESCPOS_BAND_ROWS);
}

/* Dark pixels in rows @y0 … @y1 - 1 of @image. */
static guint
count_dark (cairo_surface_t *image,
            int              y0,
            int              y1)
{
  const guint8 *data;
  int stride = cairo_image_surface_get_stride (image);
  int width = cairo_image_surface_get_width (image);
  guint n = 0;

  cairo_surface_flush (image);
  data = cairo_image_surface_get_data (image);
  for (int y = MAX (y0, 0); y < MIN (y1, cairo_image_surface_get_height (image)); y++)
    for (int x = 0; x < width; x++)
      if ((((const guint32 *) (gconstpointer) (data + y * stride))[x] & 0xffffff) == 0)
        n++;

  return n;
}

static gboolean
is_dark (cairo_surface_t *image,
         int              x,
         int              y)
{
  const guint8 *data = cairo_image_surface_get_data (image);
  int stride = cairo_image_surface_get_stride (image);

  return (((const guint32 *) (gconstpointer) (data + y * stride))[x] & 0xffffff) == 0;
}

/* The receipt's content as text, from the list both outputs draw. */
static void
text_centred_cb (gpointer sink, const char *text, double scale, gboolean bold)
{
  g_string_append_printf (sink, "%s\n", text);
}

static void
text_field_cb (gpointer sink, const char *label, const char *value, gboolean bold)
{
  if (value != NULL && *value != '\0')
    g_string_append_printf (sink, "%s: %s\n", label, value);
}

static void
text_rule_cb (gpointer sink)
{
  g_string_append (sink, "--\n");
}

static void
text_qr_cb (gpointer sink, const char *payload)
{
  g_string_append_printf (sink, "[QR %s]\n", payload);
}

static char *
receipt_text (KassaInvoice          *invoice,
              const KassaReportInfo *info)
{
  static const KassaReceiptSink text_sink = {
    text_centred_cb, text_field_cb, text_rule_cb, text_qr_cb,
  };
  GString *out = g_string_new (NULL);

  kassa_receipt_build (invoice, info, &text_sink, out);

  return g_string_free (out, FALSE);
}

static KassaEscposDecoded *
print_receipt (KassaInvoice          *invoice,
               const KassaReportInfo *info,
               guint                  width,
               const char            *png_name)
{
  g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *png = artefact_path (png_name);
  KassaEscposDecoded *decoded;

  g_assert_true (kassa_escpos_print_receipt (invoice, info, width, stream, NULL, &error));
  g_assert_no_error (error);
  bytes = memory_bytes (stream);
  decoded = kassa_test_escpos_decode (bytes);
  assert_document (decoded, width);
  g_assert_true (kassa_escpos_decoded_write_png (decoded, png, &error));
  g_assert_no_error (error);

  return decoded;
}

/* ---- tests ---- */

/* A paid sale's receipt at 58 mm and 80 mm: ESC @ first, the cut last, an
 * image exactly as wide as the printer, and a QR code a scanner reads as the
 * invoice number. The same bytes written to a real file decode the same with
 * the command-line decoder. */
static void
test_receipt_widths (void)
{
  g_autoptr(KassaJournal) journal = open_journal ("receipt.sqlite");
  g_autoptr(KassaInvoice) invoice = paid_invoice (journal, 15000);
  KassaReportInfo info = { SHOP, NULL, ADDRESS, PHONE };
  const guint widths[] = { KASSA_ESCPOS_WIDTH_58MM, KASSA_ESCPOS_WIDTH_80MM };
  guint heights[G_N_ELEMENTS (widths)];

  for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
    {
      g_autofree char *name = g_strdup_printf ("receipt-paid-%u.png", widths[w]);
      g_autofree char *png = artefact_path (name);
      g_autoptr(KassaEscposDecoded) decoded = print_receipt (invoice, &info, widths[w], name);
      g_autofree char *read = kassa_test_escpos_zbar (png);

      g_assert_cmpstr (read, ==, kassa_invoice_get_number (invoice));
      /* Text, not only a QR code: ink above the QR code. */
      g_assert_cmpuint (count_dark (decoded->image, 0, 64), >, 200);
      heights[w] = decoded->height;
    }
  /* The wider roll is not the narrow one scaled: a bigger font, another height. */
  g_assert_cmpuint (heights[0], !=, heights[1]);

  /* Into a real file, then the decoder tool: PATH -> PNG + JSON. */
  {
    g_autofree char *bin = artefact_path ("receipt-paid-576.bin");
    g_autofree char *png = artefact_path ("receipt-paid-576-tool.png");
    g_autofree char *tool = g_test_build_filename (G_TEST_BUILT, "kassa-escpos-decode-tool", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (bin);
    g_autoptr(GFileOutputStream) stream = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autofree char *out = NULL;
    g_autofree char *read = NULL;
    const char *argv[] = { tool, bin, png, NULL };
    JsonObject *summary;
    int status = 0;

    stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (kassa_escpos_print_receipt (invoice, &info, KASSA_ESCPOS_WIDTH_80MM,
                                               G_OUTPUT_STREAM (stream), NULL, &error));
    g_assert_no_error (error);
    g_assert_true (g_output_stream_close (G_OUTPUT_STREAM (stream), NULL, &error));
    g_assert_no_error (error);

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                  &error);
    g_assert_no_error (error);
    g_spawn_check_wait_status (status, &error);
    g_assert_no_error (error);
    json_parser_load_from_data (parser, out, -1, &error);
    g_assert_no_error (error);
    summary = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpint (json_object_get_int_member (summary, "width"), ==, KASSA_ESCPOS_WIDTH_80MM);
    g_assert_cmpint (json_object_get_int_member (summary, "height"), ==, heights[1]);
    g_assert_true (json_object_get_boolean_member (summary, "init_first"));
    g_assert_true (json_object_get_boolean_member (summary, "cut_last"));
    g_assert_cmpint (json_object_get_int_member (summary, "cuts"), ==, 1);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (summary, "pulses")),
                      ==, 0);
    read = kassa_test_escpos_zbar (png);
    g_assert_cmpstr (read, ==, kassa_invoice_get_number (invoice));
  }
}

/* What a receipt carries (issue 15), for a paid sale and a refund: the list
 * both the PDF and the raster receipt draw, and the raster of each. */
static void
test_receipt_content (void)
{
  g_autoptr(KassaJournal) journal = open_journal ("content.sqlite");
  g_autoptr(KassaInvoice) paid = paid_invoice (journal, 2700);
  g_autoptr(KassaInvoice) refunded = paid_invoice (journal, 2700);
  g_autoptr(KassaEscposDecoded) paid_image = NULL;
  g_autoptr(KassaEscposDecoded) refund_image = NULL;
  KassaReportInfo info = { SHOP, NULL, ADDRESS, PHONE };
  KassaReportInfo bare = { NULL, NULL, NULL, NULL };
  g_autofree char *paid_text = NULL;
  g_autofree char *refund_text = NULL;
  g_autofree char *bare_text = NULL;
  g_autofree char *qr = NULL;
  g_autofree char *amount = kassa_amount_to_display (2700);
  g_autofree char *when = kassa_report_format_time (kassa_invoice_get_created (paid));
  g_autofree char *refund_png = artefact_path ("receipt-refunded-384.png");
  g_autofree char *read = NULL;

  refund_invoice (journal, refunded);

  paid_text = receipt_text (paid, &info);
  refund_text = receipt_text (refunded, &info);
  bare_text = receipt_text (paid, &bare);
  qr = g_strdup_printf ("[QR %s]", kassa_invoice_get_number (paid));

  for (guint i = 0; i < 2; i++)
    {
      const char *text = i == 0 ? paid_text : refund_text;

      g_assert_nonnull (strstr (text, SHOP));
      g_assert_nonnull (strstr (text, ADDRESS));
      g_assert_nonnull (strstr (text, PHONE));
      g_assert_nonnull (strstr (text, KASSA_TEST_TERMINAL));
      g_assert_nonnull (strstr (text, amount));
      g_assert_nonnull (strstr (text, "Paid with: QR code"));
      g_assert_nonnull (strstr (text, "Approval code: A1B2C3"));
      g_assert_nonnull (strstr (text, "Card: 949625******0003"));
      g_assert_nonnull (strstr (text, "Баярлалаа! Thank you!"));
      g_assert_nonnull (strstr (text, when));
    }
  g_assert_nonnull (strstr (paid_text, "Payment receipt"));
  g_assert_nonnull (strstr (paid_text, "State: Paid"));
  g_assert_nonnull (strstr (paid_text, qr));
  g_assert_null (strstr (paid_text, "Refund"));
  g_assert_nonnull (strstr (refund_text, "Refund receipt"));
  g_assert_nonnull (strstr (refund_text, "State: Refunded"));
  g_assert_nonnull (strstr (refund_text, "Refunded amount"));
  g_assert_null (strstr (refund_text, "State: Paid"));
  /* Without the shop's details, they are left out, the rest stays. */
  g_assert_null (strstr (bare_text, ADDRESS));
  g_assert_null (strstr (bare_text, "Phone"));
  g_assert_nonnull (strstr (bare_text, qr));

  /* The raster refund receipt: another image (its title, state and note), still
   * with the QR code of its invoice. */
  paid_image = print_receipt (paid, &info, KASSA_ESCPOS_WIDTH_58MM, "receipt-paid-384.png");
  refund_image = print_receipt (refunded, &info, KASSA_ESCPOS_WIDTH_58MM,
                                "receipt-refunded-384.png");
  g_assert_cmpuint (refund_image->height, >, paid_image->height);
  read = kassa_test_escpos_zbar (refund_png);
  g_assert_cmpstr (read, ==, kassa_invoice_get_number (refunded));

  /* Only paid and refunded invoices have receipts; nothing is written. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
    g_autoptr(KassaInvoice) open = kassa_journal_create_invoice (journal, KASSA_TEST_TERMINAL,
                                                                 100, KASSA_INVOICE_METHOD_QR,
                                                                 NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_false (kassa_escpos_print_receipt (open, &info, KASSA_ESCPOS_WIDTH_58MM, stream,
                                                NULL, &error));
    g_assert_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_INVALID);
    g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (stream)),
                      ==, 0);
  }
}

static KassaEscposDecoded *
print_text (const char *text,
            double      font_pt)
{
  g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr(KassaEscposDocument) doc = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  doc = kassa_escpos_document_new (KASSA_ESCPOS_WIDTH_58MM, &error);
  g_assert_no_error (error);
  kassa_escpos_document_add_text (doc, text, font_pt, FALSE, PANGO_ALIGN_LEFT);
  g_assert_true (kassa_escpos_document_write (doc, stream, NULL, &error));
  g_assert_no_error (error);
  bytes = memory_bytes (stream);

  return kassa_test_escpos_decode (bytes);
}

/* Mongolian letters print as glyphs: "Ө" alone leaves ink only where its line
 * is, is "О" plus its bar (not a missing-glyph box), and other letters give
 * other images. */
static void
test_mongolian (void)
{
  g_autoptr(KassaEscposDecoded) oe = print_text ("Ө", 24.0);
  g_autoptr(KassaEscposDecoded) o = print_text ("О", 24.0);
  g_autoptr(KassaEscposDecoded) ue = print_text ("Ү", 24.0);
  g_autoptr(KassaEscposDecoded) u = print_text ("У", 24.0);
  g_autoptr(KassaEscposDecoded) oe_small = print_text ("ө", 24.0);
  g_autoptr(KassaEscposDecoded) tugrik = print_text ("₮", 24.0);
  KassaEscposDecoded *all[] = { oe, o, ue, u, oe_small, tugrik };
  guint in_o = 0, in_both = 0;

  g_assert_cmpuint (oe->height, ==, o->height);
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      guint total = count_dark (all[i]->image, 0, (int) all[i]->height);

      g_assert_cmpuint (total, >, 300);
      /* The ink is in the text's line: at the left, not in the top margin. */
      g_assert_cmpuint (count_dark (all[i]->image, 0, 8), ==, 0);
      for (guint j = 0; j < i; j++)
        {
          gboolean same = all[i]->height == all[j]->height &&
                          memcmp (cairo_image_surface_get_data (all[i]->image),
                                  cairo_image_surface_get_data (all[j]->image),
                                  cairo_image_surface_get_stride (all[i]->image) *
                                  all[i]->height) == 0;

          g_assert_false (same);
        }
    }

  for (int y = 0; y < (int) o->height; y++)
    for (int x = 0; x < (int) o->width; x++)
      if (is_dark (o->image, x, y))
        {
          in_o++;
          in_both += is_dark (oe->image, x, y);
        }
  g_assert_cmpuint (count_dark (oe->image, 0, (int) oe->height), >, in_o);
  g_assert_cmpuint (in_both * 100, >=, in_o * 90);
}

/* A 200-invoice batch slip streams in bands of at most KASSA_ESCPOS_BAND_ROWS
 * rows: as many bands as its height needs, none larger than one band, and
 * taller than a 20-invoice slip. */
static KassaEscposDecoded *
print_batch (const char *name,
             guint       n_invoices,
             guint       width)
{
  g_autoptr(KassaJournal) journal = open_journal (name);
  g_autoptr(KassaSettlement) settlement = NULL;
  g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  KassaBankSettlementReply reply = { 0 };
  KassaReportInfo info = { SHOP, NULL, ADDRESS, PHONE };
  KassaEscposDecoded *decoded;

  for (guint i = 0; i < n_invoices; i++)
    g_object_unref (paid_invoice (journal, 1000 + i));

  settlement = kassa_journal_begin_settlement (journal, KASSA_TEST_TERMINAL, &error);
  g_assert_no_error (error);
  reply.amount = kassa_settlement_get_local_amount (settlement) + 500;
  reply.count = kassa_settlement_get_local_count (settlement) + 1;
  reply.status = (char *) "SUCCESS";
  g_assert_true (kassa_journal_finish_settlement (journal, settlement, KASSA_SETTLEMENT_SETTLED,
                                                  &reply, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (kassa_escpos_print_slip (journal, settlement, &info, width, stream, NULL,
                                          &error));
  g_assert_no_error (error);
  bytes = memory_bytes (stream);
  decoded = kassa_test_escpos_decode (bytes);
  assert_document (decoded, width);

  return decoded;
}

static void
test_slip_bands (void)
{
  g_autoptr(KassaEscposDecoded) small = print_batch ("slip-20.sqlite", 20,
                                                     KASSA_ESCPOS_WIDTH_80MM);
  g_autoptr(KassaEscposDecoded) big = print_batch ("slip-200.sqlite", 200,
                                                   KASSA_ESCPOS_WIDTH_80MM);
  g_autoptr(KassaEscposDecoded) narrow = print_batch ("slip-200-58.sqlite", 200,
                                                      KASSA_ESCPOS_WIDTH_58MM);
  g_autoptr(GError) error = NULL;
  g_autofree char *png = artefact_path ("slip-200-576.png");
  gsize band_bytes = 8 + KASSA_ESCPOS_WIDTH_80MM / 8 * KASSA_ESCPOS_BAND_ROWS;

  g_assert_true (kassa_escpos_decoded_write_png (big, png, &error));
  g_assert_no_error (error);

  /* 200 lines of ≥ 20 dots: thousands of rows, dozens of bands, each ≤ one band. */
  g_assert_cmpuint (big->height, >, 200 * 20);
  g_assert_cmpuint (big->n_bands, >=, big->height / KASSA_ESCPOS_BAND_ROWS);
  g_assert_cmpuint (big->max_band_bytes, <=, band_bytes);
  g_assert_cmpuint (big->max_band_bytes, ==, band_bytes);
  g_assert_cmpuint (narrow->max_band_bytes, ==,
                    8 + KASSA_ESCPOS_WIDTH_58MM / 8 * KASSA_ESCPOS_BAND_ROWS);
  /* 180 more invoices, at least 180 more lines. */
  g_assert_cmpuint (big->height, >, small->height + 180 * 20);
  g_assert_cmpuint (big->n_bands, >, small->n_bands);
  /* Ink all the way down: the last invoices are drawn, not only laid out. */
  g_assert_cmpuint (count_dark (big->image, (int) big->height - 600, (int) big->height - 16), >,
                    1000);
}

/* The test page: the ruler's edges mark both ends of the width. */
static void
test_test_page (void)
{
  const guint widths[] = { KASSA_ESCPOS_WIDTH_58MM, KASSA_ESCPOS_WIDTH_80MM };
  KassaReportInfo info = { SHOP, NULL, NULL, NULL };
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 12, 7, 14, 0, 0);

  for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
    {
      g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(KassaEscposDecoded) decoded = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("test-page-%u.png", widths[w]);
      g_autofree char *png = artefact_path (name);
      guint left = 0, right = 0;

      g_assert_true (kassa_escpos_print_test_page (&info, widths[w], now, stream, NULL,
                                                   &error));
      g_assert_no_error (error);
      bytes = memory_bytes (stream);
      decoded = kassa_test_escpos_decode (bytes);
      assert_document (decoded, widths[w]);
      g_assert_true (kassa_escpos_decoded_write_png (decoded, png, &error));
      g_assert_no_error (error);

      for (int y = 0; y < (int) decoded->height; y++)
        {
          left += is_dark (decoded->image, 0, y);
          right += is_dark (decoded->image, (int) widths[w] - 1, y);
        }
      g_assert_cmpuint (left, >=, 100);
      g_assert_cmpuint (right, >=, 100);
    }
}

/* A width a printer cannot have is a clear error, and nothing is sent. */
static void
test_bad_width (void)
{
  g_autoptr(KassaJournal) journal = open_journal ("width.sqlite");
  g_autoptr(KassaInvoice) invoice = paid_invoice (journal, 500);
  const guint widths[] = { 0, 100, 248, 383, 385, 580, 1032, 4096 };

  for (guint i = 0; i < G_N_ELEMENTS (widths); i++)
    {
      g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
      g_autoptr(GError) error = NULL;
      g_autofree char *number = g_strdup_printf ("%u dots", widths[i]);

      g_assert_false (kassa_escpos_print_receipt (invoice, NULL, widths[i], stream, NULL,
                                                  &error));
      g_assert_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, number));
      g_assert_nonnull (strstr (error->message, "multiple of 8"));
      g_clear_error (&error);
      g_assert_false (kassa_escpos_print_test_page (NULL, widths[i], NULL, stream, NULL,
                                                    &error));
      g_assert_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_INVALID);
      g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (stream)),
                        ==, 0);
    }
  g_assert_true (kassa_escpos_check_width (KASSA_ESCPOS_MIN_WIDTH_DOTS, NULL));
  g_assert_true (kassa_escpos_check_width (KASSA_ESCPOS_MAX_WIDTH_DOTS, NULL));
}

/* A stream that keeps what it is given and cancels @cancellable once it holds
 * @cancel_after bytes: a job cancelled while the printer takes the bands. */
typedef struct
{
  GOutputStream  parent;
  GByteArray    *received;
  GCancellable  *cancellable;
  gsize          cancel_after;
  guint          writes_after_cancel;
} CancellingStream;

typedef GOutputStreamClass CancellingStreamClass;

static GType cancelling_stream_get_type (void);
G_DEFINE_TYPE (CancellingStream, cancelling_stream, G_TYPE_OUTPUT_STREAM)

static gssize
cancelling_stream_write (GOutputStream  *stream,
                         const void     *buffer,
                         gsize           count,
                         GCancellable   *cancellable,
                         GError        **error)
{
  CancellingStream *self = (CancellingStream *) stream;

  if (g_cancellable_is_cancelled (self->cancellable))
    self->writes_after_cancel++;
  g_byte_array_append (self->received, buffer, count);
  if (self->received->len >= self->cancel_after)
    g_cancellable_cancel (self->cancellable);

  return (gssize) count;
}

static void
cancelling_stream_finalize (GObject *object)
{
  CancellingStream *self = (CancellingStream *) object;

  g_byte_array_unref (self->received);
  g_object_unref (self->cancellable);
  G_OBJECT_CLASS (cancelling_stream_parent_class)->finalize (object);
}

static void
cancelling_stream_class_init (CancellingStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cancelling_stream_finalize;
  klass->write_fn = cancelling_stream_write;
}

static void
cancelling_stream_init (CancellingStream *self)
{
  self->received = g_byte_array_new ();
}

static void
test_cancel (void)
{
  g_autoptr(KassaJournal) journal = open_journal ("cancel.sqlite");
  g_autoptr(KassaInvoice) invoice = paid_invoice (journal, 500);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GOutputStream) full = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) full_bytes = NULL;
  g_autoptr(KassaEscposDecoded) whole = NULL;
  g_autoptr(KassaEscposDecoded) part = NULL;
  g_autoptr(GError) error = NULL;
  CancellingStream *stream;
  gsize band = 8 + KASSA_ESCPOS_WIDTH_80MM / 8 * KASSA_ESCPOS_BAND_ROWS;

  g_assert_true (kassa_escpos_print_receipt (invoice, NULL, KASSA_ESCPOS_WIDTH_80MM, full, NULL,
                                             &error));
  g_assert_no_error (error);
  full_bytes = memory_bytes (full);
  whole = kassa_test_escpos_decode (full_bytes);
  g_assert_cmpuint (whole->n_bands, >=, 4);

  /* Cancelled once the first two bands are in. */
  stream = g_object_new (cancelling_stream_get_type (), NULL);
  stream->cancellable = g_object_ref (cancellable);
  stream->cancel_after = 2 + 2 * band;
  g_assert_false (kassa_escpos_print_receipt (invoice, NULL, KASSA_ESCPOS_WIDTH_80MM,
                                              G_OUTPUT_STREAM (stream), cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (stream->writes_after_cancel, ==, 0);
  g_assert_cmpuint (stream->received->len, ==, 2 + 2 * band);
  g_assert_cmpmem (stream->received->data, stream->received->len,
                   g_bytes_get_data (full_bytes, NULL), stream->received->len);
  g_clear_error (&error);
  part = kassa_escpos_decode (stream->received->data, stream->received->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (part->n_bands, ==, 2);
  g_assert_cmpuint (kassa_escpos_decoded_count (part, KASSA_ESCPOS_OP_CUT), ==, 0);
  g_object_unref (stream);

  /* Cancelled before: nothing at all. */
  g_clear_error (&error);
  {
    g_autoptr(GOutputStream) untouched = g_memory_output_stream_new_resizable ();

    g_assert_false (kassa_escpos_print_receipt (invoice, NULL, KASSA_ESCPOS_WIDTH_58MM, untouched,
                                                cancellable, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpuint (g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (untouched)),
                      ==, 0);
  }
}

/* The drawer pulse alone: ESC p on pin 2 with the documented times, no reset. */
static void
test_drawer (void)
{
  g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(KassaEscposDecoded) decoded = NULL;
  g_autoptr(GError) error = NULL;
  const KassaEscposCommand *pulse;

  g_assert_true (kassa_escpos_open_drawer (stream, NULL, &error));
  g_assert_no_error (error);
  bytes = memory_bytes (stream);
  decoded = kassa_test_escpos_decode (bytes);
  g_assert_cmpuint (decoded->commands->len, ==, 1);
  pulse = command_at (decoded, 0);
  g_assert_cmpint (pulse->op, ==, KASSA_ESCPOS_OP_PULSE);
  g_assert_cmpstr (pulse->name, ==, "ESC p");
  g_assert_cmpuint (pulse->mode, ==, 2);
  g_assert_cmpuint (pulse->on_ms, ==, 120);
  g_assert_cmpuint (pulse->off_ms, ==, 480);
  g_assert_null (decoded->image);
}

/* The decoder knows the common commands and refuses garbage, naming where. */
static void
test_decoder (void)
{
  static const guint8 common[] = {
    0x1b, '@', 0x1b, 'a', 1, 0x1b, 'E', 1, 'H', 'i', '\n', 0x1d, '!', 0x11,
    0x10, 0x04, 1, 0x1d, 'r', 1, 0x1b, 'd', 3, 0x1b, 'J', 24,
    0x1d, '(', 'k', 3, 0, '1', 'C', 6,                   /* QR: module size 6 */
    0x1d, 'v', '0', 0, 1, 0, 2, 0, 0x80, 0x01,           /* 8 × 2 dots */
    0x1d, 'v', '0', 0, 1, 0, 1, 0, 0xff,                 /* 8 × 1 */
    0x1b, 'p', 0, 25, 250, 0x10, 0x14, 1, 0, 1,
    0x1d, 'V', 1, 0x1d, 'V', 65, 3,
  };
  struct { const guint8 data[12]; gsize length; int code; const char *offset; } bad[] = {
    { { 0x1b, '@', 0x01 }, 3, KASSA_ESCPOS_DECODE_ERROR_UNKNOWN, "byte 2" },
    { { 0x1b, '@', 0x1b, 'Z', 0 }, 5, KASSA_ESCPOS_DECODE_ERROR_UNKNOWN, "byte 2" },
    { { 0x1d, 'v', '0', 0, 2, 0, 4, 0, 1, 2 }, 10, KASSA_ESCPOS_DECODE_ERROR_TRUNCATED, "byte 0" },
    { { 'a', 0x1b, 'p', 7, 1, 2 }, 6, KASSA_ESCPOS_DECODE_ERROR_INVALID, "byte 1" },
    { { 0x1d, 'V', 9 }, 3, KASSA_ESCPOS_DECODE_ERROR_INVALID, "byte 0" },
    { { 0x10, 0x04, 9 }, 3, KASSA_ESCPOS_DECODE_ERROR_INVALID, "byte 0" },
    { { 0x1d, 'v', '0', 0, 1, 0, 1, 0, 0, 0x1d, 'v' }, 11, KASSA_ESCPOS_DECODE_ERROR_TRUNCATED,
      "byte 9" },
    { { 0x1b }, 1, KASSA_ESCPOS_DECODE_ERROR_TRUNCATED, "byte 0" },
  };
  g_autoptr(KassaEscposDecoded) decoded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  decoded = kassa_escpos_decode (common, sizeof common, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (decoded->width, ==, 8);
  g_assert_cmpuint (decoded->height, ==, 3);
  g_assert_cmpuint (decoded->n_bands, ==, 2);
  g_assert_true (is_dark (decoded->image, 0, 0));
  g_assert_false (is_dark (decoded->image, 1, 0));
  g_assert_true (is_dark (decoded->image, 7, 1));
  g_assert_false (is_dark (decoded->image, 0, 1));
  g_assert_true (is_dark (decoded->image, 4, 2));
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_STATUS), ==, 2);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_PULSE), ==, 2);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_CUT), ==, 2);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_TEXT), ==, 1);
  g_assert_true (command_at (decoded, -2)->partial);
  g_assert_false (command_at (decoded, -1)->partial);
  json = kassa_escpos_decoded_to_json (decoded);
  g_assert_nonnull (strstr (json, "\"init_first\":true"));
  g_assert_nonnull (strstr (json, "\"on_ms\":50"));
  g_assert_nonnull (strstr (json, "\"name\":\"GS ( k\""));

  /* Bands of two widths are not one image. */
  {
    static const guint8 widths[] = { 0x1d, 'v', '0', 0, 1, 0, 1, 0, 0,
                                     0x1d, 'v', '0', 0, 2, 0, 1, 0, 0, 0 };

    g_assert_null (kassa_escpos_decode (widths, sizeof widths, &error));
    g_assert_error (error, KASSA_ESCPOS_DECODE_ERROR, KASSA_ESCPOS_DECODE_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "byte 9"));
    g_clear_error (&error);
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_null (kassa_escpos_decode (bad[i].data, bad[i].length, &error));
      g_assert_error (error, KASSA_ESCPOS_DECODE_ERROR, bad[i].code);
      g_assert_nonnull (strstr (error->message, bad[i].offset));
      g_clear_error (&error);
    }

  /* The tool says so too, and fails. */
  {
    g_autofree char *bin = artefact_path ("garbage.bin");
    g_autofree char *tool = g_test_build_filename (G_TEST_BUILT, "kassa-escpos-decode-tool", NULL);
    g_autofree char *err = NULL;
    const char *argv[] = { tool, bin, NULL };
    int status = 0;

    g_assert_true (g_file_set_contents (bin, "\x1b@\x1b\x7fjunk", -1, &error));
    g_assert_no_error (error);
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                  &status, &error);
    g_assert_no_error (error);
    g_assert_true (WIFEXITED (status));
    g_assert_cmpint (WEXITSTATUS (status), ==, 1);
    g_assert_nonnull (strstr (err, "unknown command at byte 2"));
  }
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/escpos/receipt-widths", test_receipt_widths);
  g_test_add_func ("/escpos/receipt-content", test_receipt_content);
  g_test_add_func ("/escpos/mongolian", test_mongolian);
  g_test_add_func ("/escpos/slip-bands", test_slip_bands);
  g_test_add_func ("/escpos/test-page", test_test_page);
  g_test_add_func ("/escpos/bad-width", test_bad_width);
  g_test_add_func ("/escpos/cancel", test_cancel);
  g_test_add_func ("/escpos/drawer", test_drawer);
  g_test_add_func ("/escpos/decoder", test_decoder);

  return g_test_run ();
}
