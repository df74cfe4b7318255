/* kassa-escpos-documents.c — the receipt, the end-of-day slip and the test page as ESC/POS
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each document is laid out as blocks (kassa-escpos.c) and written band by
 * band. The receipt's content is kassa_receipt_build's, the PDF receipt's.
 */

#include "config.h"

#include "kassa-escpos.h"

#include <glib/gi18n.h>

#include "kassa-receipt.h"
#include "kassa-report-private.h"

/* Points at 203 dpi: 8.5 pt is 24 dots, about 28 characters across 58 mm. */
static double
body_font_pt (guint width_dots)
{
  return width_dots < 500 ? 8.5 : 10.0;
}

typedef struct
{
  KassaEscposDocument *doc;
  double               font_pt;
  GError              *error;   /* the first block that could not be laid out */
} ReceiptSink;

static void
sink_centred_cb (gpointer    data,
                 const char *text,
                 double      scale,
                 gboolean    bold)
{
  ReceiptSink *sink = data;

  kassa_escpos_document_add_text (sink->doc, text, sink->font_pt * scale, bold,
                                  PANGO_ALIGN_CENTER);
}

static void
sink_field_cb (gpointer    data,
               const char *label,
               const char *value,
               gboolean    bold)
{
  ReceiptSink *sink = data;

  kassa_escpos_document_add_field (sink->doc, label, value, sink->font_pt, bold);
}

static void
sink_rule_cb (gpointer data)
{
  ReceiptSink *sink = data;

  kassa_escpos_document_add_rule (sink->doc);
}

static void
sink_qr_cb (gpointer    data,
            const char *payload)
{
  ReceiptSink *sink = data;

  kassa_escpos_document_add_space (sink->doc, 8);
  if (sink->error == NULL)
    kassa_escpos_document_add_qr (sink->doc, payload, &sink->error);
}

static const KassaReceiptSink escpos_sink = {
  sink_centred_cb, sink_field_cb, sink_rule_cb, sink_qr_cb,
};

gboolean
kassa_escpos_print_receipt (KassaInvoice           *invoice,
                            const KassaReportInfo  *info,
                            guint                   width_dots,
                            GOutputStream          *stream,
                            GCancellable           *cancellable,
                            GError                **error)
{
  g_autoptr(KassaEscposDocument) doc = NULL;
  ReceiptSink sink = { NULL, body_font_pt (width_dots), NULL };

  g_return_val_if_fail (KASSA_IS_INVOICE (invoice), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!kassa_receipt_check (invoice, error))
    return FALSE;
  doc = kassa_escpos_document_new (width_dots, error);
  if (doc == NULL)
    return FALSE;

  sink.doc = doc;
  kassa_receipt_build (invoice, info, &escpos_sink, &sink);
  if (sink.error != NULL)
    {
      g_propagate_error (error, sink.error);
      return FALSE;
    }

  return kassa_escpos_document_write (doc, stream, cancellable, error);
}

/* ------------------------------------------------------------------ */
/* The end-of-day slip                                                 */

static void
add_shop (KassaEscposDocument   *doc,
          const KassaReportInfo *info,
          double                 font_pt)
{
  if (info == NULL)
    return;

  kassa_escpos_document_add_text (doc, info->shop_name, font_pt * 1.35, TRUE,
                                  PANGO_ALIGN_CENTER);
  kassa_escpos_document_add_text (doc, info->address, font_pt * 0.9, FALSE, PANGO_ALIGN_CENTER);
  if (info->phone != NULL && *info->phone != '\0')
    {
      g_autofree char *phone = g_strdup_printf (_("Phone: %s"), info->phone);

      kassa_escpos_document_add_text (doc, phone, font_pt * 0.9, FALSE, PANGO_ALIGN_CENTER);
    }
}

static void
add_count_and_sum (KassaEscposDocument *doc,
                   double               font_pt,
                   const char          *count_label,
                   const char          *count,
                   const char          *amount_label,
                   const char          *amount)
{
  kassa_escpos_document_add_field (doc, count_label, count, font_pt, FALSE);
  kassa_escpos_document_add_field (doc, amount_label, amount, font_pt, TRUE);
}

static void
add_reconciliation (KassaEscposDocument *doc,
                    KassaSettlement     *settlement,
                    double               font_pt)
{
  gint64 local_count = kassa_settlement_get_local_count (settlement);
  gint64 local_amount = kassa_settlement_get_local_amount (settlement);
  g_autofree char *local_count_text = g_strdup_printf ("%" G_GINT64_FORMAT, local_count);
  g_autofree char *local_amount_text = kassa_report_format_money (local_amount, FALSE);

  add_count_and_sum (doc, font_pt, _("Journal: payments"), local_count_text,
                     _("Journal: amount"), local_amount_text);

  if (kassa_settlement_get_has_bank_reply (settlement))
    {
      gint64 bank_count = kassa_settlement_get_bank_count (settlement);
      gint64 bank_amount = kassa_settlement_get_bank_amount (settlement);
      g_autofree char *bank_count_text = g_strdup_printf ("%" G_GINT64_FORMAT, bank_count);
      g_autofree char *bank_amount_text = kassa_report_format_money (bank_amount, FALSE);
      g_autofree char *count_diff = g_strdup_printf ("%+" G_GINT64_FORMAT,
                                                     bank_count - local_count);
      g_autofree char *amount_diff = kassa_report_format_money (bank_amount - local_amount,
                                                                TRUE);

      add_count_and_sum (doc, font_pt, _("Bank: payments"), bank_count_text,
                         _("Bank: amount"), bank_amount_text);
      add_count_and_sum (doc, font_pt, _("Difference: payments"),
                         bank_count == local_count ? "0" : count_diff,
                         _("Difference: amount"), amount_diff);
      kassa_escpos_document_add_text (doc, kassa_settlement_reconcile (settlement)
                                           ? _("The bank’s totals match the journal.")
                                           : _("The bank’s totals differ from the journal’s: "
                                               "check the invoices below and contact the bank."),
                                      font_pt, TRUE, PANGO_ALIGN_LEFT);
    }
  else
    {
      kassa_escpos_document_add_text (doc, _("The bank has not answered this settlement yet: "
                                             "nothing to compare."),
                                      font_pt, TRUE, PANGO_ALIGN_LEFT);
    }
}

/* The slip's invoices come from @journal, one at a time, or from @invoices
 * (the batch's, in its order) already read. */
static gboolean
print_slip (KassaJournal           *journal,
            GPtrArray              *invoices,
            KassaSettlement        *settlement,
            const KassaReportInfo  *info,
            guint                   width_dots,
            GOutputStream          *stream,
            GCancellable           *cancellable,
            GError                **error)
{
  g_autoptr(KassaEscposDocument) doc = NULL;
  g_autofree char *created = NULL;
  g_autofree char *settled = NULL;
  g_autofree char *heading = NULL;
  const char * const *numbers;
  const char *terminal;
  double font_pt = body_font_pt (width_dots);
  double small_pt = font_pt * 0.85;

  doc = kassa_escpos_document_new (width_dots, error);
  if (doc == NULL)
    return FALSE;

  terminal = info != NULL && info->terminal != NULL ? info->terminal
                                                    : kassa_settlement_get_terminal (settlement);
  created = kassa_report_format_time (kassa_settlement_get_created (settlement));
  settled = kassa_report_format_time (kassa_settlement_get_settled (settlement));
  numbers = kassa_settlement_get_invoices (settlement);

  add_shop (doc, info, font_pt);
  kassa_escpos_document_add_text (doc, _("End-of-day slip"), font_pt * 1.1, TRUE,
                                  PANGO_ALIGN_CENTER);
  kassa_escpos_document_add_rule (doc);
  kassa_escpos_document_add_field (doc, _("Batch"), kassa_settlement_get_id (settlement),
                                   font_pt, FALSE);
  kassa_escpos_document_add_field (doc, _("Terminal"), terminal, font_pt, FALSE);
  kassa_escpos_document_add_field (doc, _("State"),
                                   kassa_report_settlement_state_label (
                                     kassa_settlement_get_state (settlement)),
                                   font_pt, FALSE);
  kassa_escpos_document_add_field (doc, _("Day closed"), created, font_pt, FALSE);
  kassa_escpos_document_add_field (doc, _("Bank answered"), settled, font_pt, FALSE);
  kassa_escpos_document_add_field (doc, _("Last error"),
                                   kassa_settlement_get_last_error (settlement), font_pt, FALSE);
  kassa_escpos_document_add_rule (doc);
  add_reconciliation (doc, settlement, font_pt);
  kassa_escpos_document_add_rule (doc);

  /* Translators: the heading of the end-of-day slip's list; %u is how many */
  heading = g_strdup_printf (_("Invoices in this batch: %u"), g_strv_length ((GStrv) numbers));
  kassa_escpos_document_add_text (doc, heading, font_pt, TRUE, PANGO_ALIGN_LEFT);
  if (numbers[0] == NULL)
    kassa_escpos_document_add_text (doc, _("No invoices in this batch."), small_pt, FALSE,
                                    PANGO_ALIGN_LEFT);

  /* One invoice at a time: only its text stays in the document. */
  for (guint i = 0; numbers[i] != NULL; i++)
    {
      g_autoptr(KassaInvoice) invoice = NULL;
      g_autoptr(GDateTime) local = NULL;
      g_autofree char *label = NULL;
      g_autofree char *amount = NULL;
      g_autofree char *time_text = NULL;
      KassaInvoiceState state;

      if (journal != NULL)
        invoice = kassa_journal_lookup (journal, numbers[i], error);
      else if (i < invoices->len)
        invoice = g_object_ref (g_ptr_array_index (invoices, i));
      else
        g_set_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_INVALID,
                     _("The invoice %s of the batch is missing"), numbers[i]);
      if (invoice == NULL)
        return FALSE;

      local = g_date_time_to_local (kassa_invoice_get_created (invoice));
      time_text = g_date_time_format (local, "%H:%M");
      label = g_strdup_printf ("%s  %s", time_text, kassa_invoice_get_number (invoice));
      amount = kassa_report_format_money (kassa_invoice_get_amount (invoice), FALSE);
      kassa_escpos_document_add_field (doc, label, amount, small_pt, FALSE);
      /* Changed since the day was closed (refunded): say so. */
      state = kassa_invoice_get_state (invoice);
      if (state != KASSA_INVOICE_PAID)
        kassa_escpos_document_add_text (doc, kassa_report_state_label (state), small_pt, TRUE,
                                        PANGO_ALIGN_RIGHT);
    }

  return kassa_escpos_document_write (doc, stream, cancellable, error);
}

gboolean
kassa_escpos_print_slip (KassaJournal           *journal,
                         KassaSettlement        *settlement,
                         const KassaReportInfo  *info,
                         guint                   width_dots,
                         GOutputStream          *stream,
                         GCancellable           *cancellable,
                         GError                **error)
{
  g_return_val_if_fail (KASSA_IS_JOURNAL (journal), FALSE);
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (settlement), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return print_slip (journal, NULL, settlement, info, width_dots, stream, cancellable, error);
}

gboolean
kassa_escpos_print_slip_invoices (KassaSettlement        *settlement,
                                  GPtrArray              *invoices,
                                  const KassaReportInfo  *info,
                                  guint                   width_dots,
                                  GOutputStream          *stream,
                                  GCancellable           *cancellable,
                                  GError                **error)
{
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (settlement), FALSE);
  g_return_val_if_fail (invoices != NULL, FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return print_slip (NULL, invoices, settlement, info, width_dots, stream, cancellable, error);
}

/* ------------------------------------------------------------------ */
/* The test page                                                       */

/* The Mongolian Cyrillic alphabet: the Russian 33 letters and Ө, Ү. Not translated. */
#define MONGOLIAN_UPPER "А Б В Г Д Е Ё Ж З И Й К Л М Н О Ө П Р С Т У Ү Ф Х Ц Ч Ш Щ Ъ Ы Ь Э Ю Я"
#define MONGOLIAN_LOWER "а б в г д е ё ж з и й к л м н о ө п р с т у ү ф х ц ч ш щ ъ ы ь э ю я"

gboolean
kassa_escpos_print_test_page (const KassaReportInfo  *info,
                              guint                   width_dots,
                              GDateTime              *now,
                              GOutputStream          *stream,
                              GCancellable           *cancellable,
                              GError                **error)
{
  g_autoptr(KassaEscposDocument) doc = NULL;
  g_autoptr(GDateTime) current = NULL;
  g_autofree char *width_text = NULL;
  g_autofree char *when = NULL;
  g_autofree char *money = kassa_report_format_money (1234567, FALSE);
  double font_pt = body_font_pt (width_dots);

  g_return_val_if_fail (G_IS_OUTPUT_STREAM (stream), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  doc = kassa_escpos_document_new (width_dots, error);
  if (doc == NULL)
    return FALSE;

  current = now != NULL ? g_date_time_ref (now) : g_date_time_new_now_local ();
  when = kassa_report_format_time (current);
  /* Translators: on the printer's test page: the print width, in dots and millimetres */
  width_text = g_strdup_printf (_("Print width: %u dots (%.0f mm at 203 dpi)"), width_dots,
                                width_dots * 25.4 / KASSA_ESCPOS_DPI);

  add_shop (doc, info, font_pt);
  kassa_escpos_document_add_text (doc, _("Printer test page"), font_pt * 1.1, TRUE,
                                  PANGO_ALIGN_CENTER);
  kassa_escpos_document_add_text (doc, width_text, font_pt, FALSE, PANGO_ALIGN_CENTER);
  kassa_escpos_document_add_space (doc, 8);
  kassa_escpos_document_add_ruler (doc);
  kassa_escpos_document_add_space (doc, 8);
  kassa_escpos_document_add_text (doc, MONGOLIAN_UPPER, font_pt, FALSE, PANGO_ALIGN_LEFT);
  kassa_escpos_document_add_text (doc, MONGOLIAN_LOWER, font_pt, FALSE, PANGO_ALIGN_LEFT);
  kassa_escpos_document_add_text (doc, MONGOLIAN_UPPER, font_pt, TRUE, PANGO_ALIGN_LEFT);
  kassa_escpos_document_add_text (doc, "Ө ө Ү ү ₮", font_pt * 1.6, TRUE, PANGO_ALIGN_CENTER);
  kassa_escpos_document_add_text (doc, "0 1 2 3 4 5 6 7 8 9", font_pt, FALSE, PANGO_ALIGN_LEFT);
  kassa_escpos_document_add_field (doc, _("Amount"), money, font_pt, TRUE);
  kassa_escpos_document_add_rule (doc);
  kassa_escpos_document_add_text (doc, when, font_pt, FALSE, PANGO_ALIGN_CENTER);
  kassa_escpos_document_add_text (doc, "Kassa " PACKAGE_VERSION, font_pt * 0.85, FALSE,
                                  PANGO_ALIGN_CENTER);

  return kassa_escpos_document_write (doc, stream, cancellable, error);
}
