/* kassa-report.c — the end-of-day settlement report: PDF, CSV and printable pages
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The report is a list of rows (title, key/value lines, table rows), each a
 * few cells laid out with Pango. Rows are measured for a page size and cut
 * into pages; a table continued on a new page repeats its header row.
 */

#include "config.h"

#include "kassa-report.h"

#include <string.h>

#include <cairo-pdf.h>
#include <glib/gi18n.h>

#include "kassa-amount.h"
#include "kassa-enum.h"
#include "kassa-report-private.h"

/* ------------------------------------------------------------------ */
/* Shared helpers (kassa-report-private.h)                             */

PangoContext *
kassa_report_pango_context_new (cairo_t *cr)
{
  PangoContext *context = pango_cairo_create_context (cr);
  cairo_font_options_t *options = cairo_font_options_create ();

  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (options, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (context, options);
  pango_cairo_context_set_resolution (context, 72.0);
  pango_context_set_round_glyph_positions (context, FALSE);
  cairo_font_options_destroy (options);

  return context;
}

PangoLayout *
kassa_report_text_layout (PangoContext   *context,
                          const char     *text,
                          double          font_pt,
                          gboolean        bold,
                          double          width_pt,
                          PangoAlignment  alignment)
{
  PangoLayout *layout = pango_layout_new (context);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string (KASSA_REPORT_FONT_FAMILY);

  pango_font_description_set_size (font, (gint) (font_pt * PANGO_SCALE));
  pango_font_description_set_weight (font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, font);
  if (width_pt > 0)
    {
      pango_layout_set_width (layout, (int) (width_pt * PANGO_SCALE));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
    }
  pango_layout_set_alignment (layout, alignment);
  pango_layout_set_text (layout, text != NULL ? text : "", -1);

  return layout;
}

double
kassa_report_layout_height (PangoLayout *layout)
{
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);

  return (double) logical.height / PANGO_SCALE;
}

double
kassa_report_layout_width (PangoLayout *layout)
{
  PangoRectangle logical;

  pango_layout_get_extents (layout, NULL, &logical);

  return (double) logical.width / PANGO_SCALE;
}

const char *
kassa_report_method_label (KassaInvoiceMethod method)
{
  switch (method)
    {
    case KASSA_INVOICE_METHOD_QR:
      return _("QR code");
    case KASSA_INVOICE_METHOD_DEEPLINK:
      return _("SocialPay link");
    case KASSA_INVOICE_METHOD_PHONE:
      return _("Phone");
    default:
      return kassa_invoice_method_to_string (method);
    }
}

char *
kassa_report_format_time (GDateTime *time)
{
  g_autoptr(GDateTime) local = NULL;

  if (time == NULL)
    return g_strdup ("");

  local = g_date_time_to_local (time);

  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

char *
kassa_report_format_money (gint64   amount,
                           gboolean signed_plus)
{
  g_autofree char *display = kassa_amount_to_display (amount);

  if (signed_plus && amount > 0)
    return g_strconcat ("+", display, NULL);

  return g_steal_pointer (&display);
}

typedef struct
{
  GOutputStream *stream;
  GError        *error;
} PdfSink;

static cairo_status_t
pdf_sink_write_cb (void                *closure,
                   const unsigned char *data,
                   unsigned int         length)
{
  PdfSink *sink = closure;

  if (sink->error != NULL)
    return CAIRO_STATUS_WRITE_ERROR;

  if (!g_output_stream_write_all (sink->stream, data, length, NULL, NULL, &sink->error))
    return CAIRO_STATUS_WRITE_ERROR;

  return CAIRO_STATUS_SUCCESS;
}

gboolean
kassa_report_write_pdf_pages (const char            *path,
                              const char            *title,
                              double                 width_pt,
                              double                 height_pt,
                              KassaReportCountFunc   count_pages,
                              KassaReportPageFunc    draw_page,
                              gpointer               user_data,
                              GError               **error)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileOutputStream) stream = NULL;
  g_autoptr(GCancellable) discard = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *display_name = NULL;
  PdfSink sink = { NULL, NULL };
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;
  int n_pages;

  g_return_val_if_fail (path != NULL, FALSE);

  file = g_file_new_for_path (path);
  display_name = g_filename_display_name (path);

  /* g_file_replace() writes a temporary file and renames it on close. */
  stream = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &local_error);
  if (stream == NULL)
    {
      g_set_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_IO,
                   _("Cannot write “%s”: %s"), display_name, local_error->message);
      return FALSE;
    }

  sink.stream = G_OUTPUT_STREAM (stream);
  surface = cairo_pdf_surface_create_for_stream (pdf_sink_write_cb, &sink, width_pt, height_pt);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Kassa " PACKAGE_VERSION);
  cr = cairo_create (surface);

  n_pages = count_pages (cr, user_data);
  for (int page = 0; page < n_pages; page++)
    {
      cairo_save (cr);
      draw_page (cr, page, user_data);
      cairo_restore (cr);
      cairo_show_page (cr);
    }

  status = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS || sink.error != NULL)
    {
      /* A cancelled close drops the temporary file and keeps @path as it was. */
      discard = g_cancellable_new ();
      g_cancellable_cancel (discard);
      g_output_stream_close (G_OUTPUT_STREAM (stream), discard, NULL);
      g_set_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_IO,
                   _("Cannot write “%s”: %s"), display_name,
                   sink.error != NULL ? sink.error->message : cairo_status_to_string (status));
      g_clear_error (&sink.error);
      return FALSE;
    }

  if (!g_output_stream_close (G_OUTPUT_STREAM (stream), NULL, &local_error))
    {
      g_set_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_IO,
                   _("Cannot write “%s”: %s"), display_name, local_error->message);
      return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The report's content                                                */

typedef struct
{
  KassaInvoice *invoice;
  gboolean      in_batch;
} ReportInvoice;

typedef enum
{
  ROW_PLAIN,
  ROW_HEADER,     /* a table's header: shaded, bold, repeated on continuation pages */
  ROW_ALERT,      /* a difference or an invoice to look at: red */
  ROW_GOOD,       /* the totals match: green */
} RowStyle;

typedef struct
{
  guint          n_columns;
  double         fractions[8];
  PangoAlignment alignment[8];
} TableSpec;

static const TableSpec table_full = { 1, { 1.0 }, { PANGO_ALIGN_LEFT } };
static const TableSpec table_key_value = {
  2, { 0.28, 0.72 }, { PANGO_ALIGN_LEFT, PANGO_ALIGN_LEFT },
};
static const TableSpec table_reconcile = {
  4, { 0.31, 0.23, 0.23, 0.23 },
  { PANGO_ALIGN_LEFT, PANGO_ALIGN_RIGHT, PANGO_ALIGN_RIGHT, PANGO_ALIGN_RIGHT },
};
static const TableSpec table_states = {
  3, { 0.46, 0.24, 0.30 }, { PANGO_ALIGN_LEFT, PANGO_ALIGN_RIGHT, PANGO_ALIGN_RIGHT },
};
/* #, time, invoice, state, amount, approval, card, in batch */
static const TableSpec table_invoices = {
  8, { 0.04, 0.15, 0.25, 0.11, 0.12, 0.10, 0.16, 0.07 },
  { PANGO_ALIGN_RIGHT, PANGO_ALIGN_LEFT, PANGO_ALIGN_LEFT, PANGO_ALIGN_LEFT,
    PANGO_ALIGN_RIGHT, PANGO_ALIGN_LEFT, PANGO_ALIGN_LEFT, PANGO_ALIGN_CENTER },
};

typedef struct
{
  const TableSpec *table;
  char           **cells;
  double           font_pt;
  gboolean         bold;
  RowStyle         style;
  double           space_before;
  gboolean         keep_with_next;
  int              header;   /* the header row to repeat above a continuation, or -1 */
  double           height;   /* measured for the current page width */
} Row;

#define CELL_PAD_X 3.0
#define CELL_PAD_Y 1.5
#define PAGE_MARGIN 42.0
#define FOOTER_SPACE 28.0
#define BODY_PT 9.5
#define TABLE_PT 7.5

struct _KassaReportLayout
{
  char         *settlement_id;
  GArray       *rows;           /* Row */
  GArray       *page_starts;    /* int: the first row of each page */
  double        laid_out_width;
  double        laid_out_height;
};

static void
row_clear (gpointer data)
{
  Row *row = data;

  g_strfreev (row->cells);
}

static int
add_row (KassaReportLayout *layout,
         const TableSpec   *table,
         double             font_pt,
         gboolean           bold,
         RowStyle           style,
         double             space_before,
         const char        *first_cell,
         ...)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  Row row = { 0 };
  va_list args;

  va_start (args, first_cell);
  for (const char *cell = first_cell; cell != NULL; cell = va_arg (args, const char *))
    g_strv_builder_add (builder, cell);
  va_end (args);

  row.table = table;
  row.cells = g_strv_builder_end (builder);
  row.font_pt = font_pt;
  row.bold = bold;
  row.style = style;
  row.space_before = space_before;
  row.header = -1;
  g_assert (g_strv_length (row.cells) == table->n_columns);
  g_array_append_val (layout->rows, row);

  return (int) layout->rows->len - 1;
}

static Row *
last_row (KassaReportLayout *layout)
{
  return &g_array_index (layout->rows, Row, layout->rows->len - 1);
}

static void
add_heading (KassaReportLayout *layout,
             const char        *text)
{
  add_row (layout, &table_full, 12.0, TRUE, ROW_PLAIN, 12.0, text, NULL);
  last_row (layout)->keep_with_next = TRUE;
}

static void
add_key_value (KassaReportLayout *layout,
               const char        *key,
               const char        *value,
               RowStyle           style)
{
  if (value == NULL || *value == '\0')
    return;

  add_row (layout, &table_key_value, BODY_PT, FALSE, style, 0.0, key, value, NULL);
}

const char *
kassa_report_settlement_state_label (KassaSettlementState state)
{
  switch (state)
    {
    case KASSA_SETTLEMENT_SETTLING:
      return _("Being sent to the bank");
    case KASSA_SETTLEMENT_SETTLE_UNKNOWN:
      return _("Sent; the bank’s answer was not seen yet");
    case KASSA_SETTLEMENT_SETTLED:
      return _("Settled");
    case KASSA_SETTLEMENT_FAILED:
      return _("Refused by the bank");
    default:
      return kassa_settlement_state_to_string (state);
    }
}

/* An invoice the manager should look at: still unresolved, paid but not in
 * this batch, or in the batch but no longer PAID (refunded after closing). */
static gboolean
invoice_needs_attention (const ReportInvoice *entry)
{
  KassaInvoiceState state = kassa_invoice_get_state (entry->invoice);

  if (!kassa_invoice_state_is_final (state))
    return TRUE;
  if (state == KASSA_INVOICE_PAID)
    return !entry->in_batch;

  return entry->in_batch;
}

static gint
compare_invoices (gconstpointer a,
                  gconstpointer b)
{
  const ReportInvoice *ia = a;
  const ReportInvoice *ib = b;
  gint order = g_date_time_compare (kassa_invoice_get_created (ia->invoice),
                                    kassa_invoice_get_created (ib->invoice));

  if (order != 0)
    return order;

  return g_strcmp0 (kassa_invoice_get_number (ia->invoice),
                    kassa_invoice_get_number (ib->invoice));
}

static void
report_invoice_clear (gpointer data)
{
  ReportInvoice *entry = data;

  g_clear_object (&entry->invoice);
}

/* The day's invoices of the batch's terminal (see kassa-report.h), oldest first. */
static GArray *
collect_invoices (KassaJournal     *journal,
                  KassaSettlement  *settlement,
                  GError          **error)
{
  g_autoptr(GArray) result = g_array_new (FALSE, TRUE, sizeof (ReportInvoice));
  g_autoptr(KassaSettlement) previous = NULL;
  g_autoptr(GError) previous_error = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GHashTable) in_batch = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GDateTime) from = NULL;
  const char * const *numbers = kassa_settlement_get_invoices (settlement);
  const char *terminal = kassa_settlement_get_terminal (settlement);
  GDateTime *created = kassa_settlement_get_created (settlement);

  g_array_set_clear_func (result, report_invoice_clear);

  for (guint i = 0; numbers[i] != NULL; i++)
    g_hash_table_add (in_batch, (gpointer) numbers[i]);

  /* From where the previous batch of this terminal that the bank did not
   * refuse began: a refused batch released its invoices to this one. One
   * query: listing every batch with its invoices costs ~0.2 s over a
   * million invoices (docs/benchmarks.md). */
  previous = kassa_journal_lookup_previous_settlement (journal, settlement, &previous_error);
  if (previous_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&previous_error));
      return NULL;
    }
  if (previous != NULL)
    from = g_date_time_ref (kassa_settlement_get_created (previous));

  /* The first batch of a journal: its day starts at local midnight. */
  if (from == NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (created);

      from = g_date_time_new_local (g_date_time_get_year (local),
                                    g_date_time_get_month (local),
                                    g_date_time_get_day_of_month (local), 0, 0, 0);
    }

  listed = kassa_journal_list (journal, from, created, error);
  if (listed == NULL)
    return NULL;

  for (guint i = 0; i < listed->len; i++)
    {
      KassaInvoice *invoice = g_ptr_array_index (listed, i);
      ReportInvoice entry;

      if (g_strcmp0 (kassa_invoice_get_terminal (invoice), terminal) != 0)
        continue;

      entry.invoice = g_object_ref (invoice);
      entry.in_batch = g_hash_table_contains (in_batch, kassa_invoice_get_number (invoice));
      g_hash_table_add (seen, (gpointer) kassa_invoice_get_number (invoice));
      g_array_append_val (result, entry);
    }

  /* Batch invoices from before the day (paid after an earlier batch began). */
  for (guint i = 0; numbers[i] != NULL; i++)
    {
      ReportInvoice entry;

      if (g_hash_table_contains (seen, numbers[i]))
        continue;

      entry.invoice = kassa_journal_lookup (journal, numbers[i], error);
      if (entry.invoice == NULL)
        return NULL;
      entry.in_batch = TRUE;
      g_array_append_val (result, entry);
    }

  g_array_sort (result, compare_invoices);

  return g_steal_pointer (&result);
}

static void
add_reconciliation (KassaReportLayout *layout,
                    KassaSettlement   *settlement)
{
  gboolean answered = kassa_settlement_get_has_bank_reply (settlement);
  gint64 local_count = kassa_settlement_get_local_count (settlement);
  gint64 local_amount = kassa_settlement_get_local_amount (settlement);
  gint64 bank_count = kassa_settlement_get_bank_count (settlement);
  gint64 bank_amount = kassa_settlement_get_bank_amount (settlement);
  g_autofree char *local_count_text = g_strdup_printf ("%" G_GINT64_FORMAT, local_count);
  g_autofree char *local_amount_text = kassa_report_format_money (local_amount, FALSE);
  g_autofree char *bank_count_text = NULL;
  g_autofree char *bank_amount_text = NULL;
  g_autofree char *count_diff_text = NULL;
  g_autofree char *amount_diff_text = NULL;
  int header;

  if (answered)
    {
      bank_count_text = g_strdup_printf ("%" G_GINT64_FORMAT, bank_count);
      bank_amount_text = kassa_report_format_money (bank_amount, FALSE);
      count_diff_text = bank_count == local_count
                        ? g_strdup ("0")
                        : g_strdup_printf ("%+" G_GINT64_FORMAT, bank_count - local_count);
      amount_diff_text = kassa_report_format_money (bank_amount - local_amount, TRUE);
    }
  else
    {
      /* Translators: in the bank's column when the bank has not answered */
      bank_count_text = g_strdup (_("no answer"));
      bank_amount_text = g_strdup (_("no answer"));
      count_diff_text = g_strdup ("—");
      amount_diff_text = g_strdup ("—");
    }

  add_heading (layout, _("Reconciliation"));
  header = add_row (layout, &table_reconcile, BODY_PT, TRUE, ROW_HEADER, 0.0,
                    "",
                    /* Translators: column heading: the till's own record */
                    _("Journal"),
                    /* Translators: column heading: what the bank reported */
                    _("Bank"),
                    _("Difference"), NULL);
  last_row (layout)->keep_with_next = TRUE;
  add_row (layout, &table_reconcile, BODY_PT, FALSE,
           answered && bank_count == local_count ? ROW_PLAIN : ROW_ALERT, 0.0,
           _("Payments"), local_count_text, bank_count_text, count_diff_text, NULL);
  last_row (layout)->header = header;
  add_row (layout, &table_reconcile, BODY_PT, FALSE,
           answered && bank_amount == local_amount ? ROW_PLAIN : ROW_ALERT, 0.0,
           _("Amount"), local_amount_text, bank_amount_text, amount_diff_text, NULL);
  last_row (layout)->header = header;

  if (!answered)
    add_row (layout, &table_full, BODY_PT, TRUE, ROW_ALERT, 4.0,
             _("The bank has not answered this settlement yet: nothing to compare."), NULL);
  else if (kassa_settlement_reconcile (settlement))
    add_row (layout, &table_full, BODY_PT, TRUE, ROW_GOOD, 4.0,
             _("The bank’s totals match the journal."), NULL);
  else
    add_row (layout, &table_full, BODY_PT, TRUE, ROW_ALERT, 4.0,
             _("The bank’s totals differ from the journal’s: check the invoices below "
               "and contact the bank."), NULL);
}

static void
add_state_summary (KassaReportLayout *layout,
                   GArray            *invoices)
{
  /* In the order a manager reads them: money first, then the rest. */
  static const KassaInvoiceState order[] = {
    KASSA_INVOICE_PAID, KASSA_INVOICE_REFUNDED, KASSA_INVOICE_CANCELLED,
    KASSA_INVOICE_DECLINED, KASSA_INVOICE_EXPIRED, KASSA_INVOICE_FAILED,
    KASSA_INVOICE_AWAITING_PAYMENT, KASSA_INVOICE_CREATING, KASSA_INVOICE_CREATE_UNKNOWN,
    KASSA_INVOICE_CANCELLING, KASSA_INVOICE_CANCEL_UNKNOWN, KASSA_INVOICE_REFUNDING,
    KASSA_INVOICE_REFUND_UNKNOWN,
  };
  gint64 batch_count = 0;
  gint64 batch_amount = 0;
  g_autofree char *batch_count_text = NULL;
  g_autofree char *batch_amount_text = NULL;
  int header;

  add_heading (layout, _("Invoices by state"));
  header = add_row (layout, &table_states, BODY_PT, TRUE, ROW_HEADER, 0.0,
                    _("State"), _("Invoices"), _("Amount"), NULL);
  last_row (layout)->keep_with_next = TRUE;

  for (guint s = 0; s < G_N_ELEMENTS (order); s++)
    {
      gint64 count = 0;
      gint64 amount = 0;
      g_autofree char *count_text = NULL;
      g_autofree char *amount_text = NULL;

      for (guint i = 0; i < invoices->len; i++)
        {
          ReportInvoice *entry = &g_array_index (invoices, ReportInvoice, i);

          if (kassa_invoice_get_state (entry->invoice) != order[s])
            continue;
          count++;
          amount += kassa_invoice_get_amount (entry->invoice);
        }
      if (count == 0)
        continue;

      count_text = g_strdup_printf ("%" G_GINT64_FORMAT, count);
      amount_text = kassa_report_format_money (amount, FALSE);
      add_row (layout, &table_states, BODY_PT, FALSE,
               kassa_invoice_state_is_final (order[s]) ? ROW_PLAIN : ROW_ALERT, 0.0,
               kassa_report_state_label (order[s]), count_text, amount_text, NULL);
      last_row (layout)->header = header;
    }

  for (guint i = 0; i < invoices->len; i++)
    {
      ReportInvoice *entry = &g_array_index (invoices, ReportInvoice, i);

      if (!entry->in_batch)
        continue;
      batch_count++;
      batch_amount += kassa_invoice_get_amount (entry->invoice);
    }
  batch_count_text = g_strdup_printf ("%" G_GINT64_FORMAT, batch_count);
  batch_amount_text = kassa_report_format_money (batch_amount, FALSE);
  add_row (layout, &table_states, BODY_PT, TRUE, ROW_PLAIN, 2.0,
           _("Counted in this batch"), batch_count_text, batch_amount_text, NULL);
  last_row (layout)->header = header;
}

static void
add_invoice_list (KassaReportLayout *layout,
                  GArray            *invoices)
{
  gboolean any_attention = FALSE;
  int header;

  add_heading (layout, _("Invoices"));
  if (invoices->len == 0)
    {
      add_row (layout, &table_full, BODY_PT, FALSE, ROW_PLAIN, 0.0,
               _("No invoices on this day."), NULL);
      return;
    }

  header = add_row (layout, &table_invoices, TABLE_PT, TRUE, ROW_HEADER, 0.0,
                    "#", _("Created"), _("Invoice"), _("State"), _("Amount"),
                    /* Translators: short column heading for the card approval code */
                    _("Approval"), _("Card"),
                    /* Translators: short column heading: counted in this batch */
                    _("Batch"), NULL);
  last_row (layout)->keep_with_next = TRUE;

  for (guint i = 0; i < invoices->len; i++)
    {
      ReportInvoice *entry = &g_array_index (invoices, ReportInvoice, i);
      KassaInvoice *invoice = entry->invoice;
      g_autoptr(GDateTime) local = g_date_time_to_local (kassa_invoice_get_created (invoice));
      g_autofree char *index_text = g_strdup_printf ("%u", i + 1);
      g_autofree char *time_text = g_date_time_format (local, "%Y-%m-%d %H:%M");
      g_autofree char *amount_text = kassa_report_format_money (kassa_invoice_get_amount (invoice),
                                                                FALSE);
      g_autofree char *card = kassa_report_mask_card (kassa_invoice_get_card_number (invoice));
      const char *approval = kassa_invoice_get_approval_code (invoice);
      gboolean attention = invoice_needs_attention (entry);

      any_attention |= attention;
      add_row (layout, &table_invoices, TABLE_PT, FALSE, attention ? ROW_ALERT : ROW_PLAIN, 0.0,
               index_text, time_text, kassa_invoice_get_number (invoice),
               kassa_report_state_label (kassa_invoice_get_state (invoice)), amount_text,
               approval != NULL ? approval : "", card != NULL ? card : "",
               entry->in_batch ? "✓" : "", NULL);
      last_row (layout)->header = header;
    }

  add_row (layout, &table_full, TABLE_PT, FALSE, ROW_PLAIN, 6.0,
           _("✓: counted in this batch (paid when the day was closed)."), NULL);
  if (any_attention)
    add_row (layout, &table_full, TABLE_PT, FALSE, ROW_ALERT, 0.0,
             _("In red: still unresolved, paid but not in this batch, or changed after "
               "the day was closed."), NULL);
}

KassaReportLayout *
kassa_report_layout_new (KassaJournal           *journal,
                         KassaSettlement        *settlement,
                         const KassaReportInfo  *info,
                         GError                **error)
{
  g_autoptr(KassaReportLayout) layout = NULL;
  g_autoptr(GArray) invoices = NULL;
  g_autofree char *created = NULL;
  g_autofree char *settled = NULL;
  const char *terminal;

  g_return_val_if_fail (KASSA_IS_JOURNAL (journal), NULL);
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (settlement), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  invoices = collect_invoices (journal, settlement, error);
  if (invoices == NULL)
    return NULL;

  layout = g_new0 (KassaReportLayout, 1);
  layout->settlement_id = g_strdup (kassa_settlement_get_id (settlement));
  layout->rows = g_array_new (FALSE, TRUE, sizeof (Row));
  g_array_set_clear_func (layout->rows, row_clear);
  layout->page_starts = g_array_new (FALSE, TRUE, sizeof (int));

  terminal = info != NULL && info->terminal != NULL ? info->terminal
                                                    : kassa_settlement_get_terminal (settlement);
  created = kassa_report_format_time (kassa_settlement_get_created (settlement));
  settled = kassa_report_format_time (kassa_settlement_get_settled (settlement));

  add_row (layout, &table_full, 18.0, TRUE, ROW_PLAIN, 0.0, _("Settlement report"), NULL);
  if (info != NULL && info->shop_name != NULL && *info->shop_name != '\0')
    add_row (layout, &table_full, 13.0, FALSE, ROW_PLAIN, 2.0, info->shop_name, NULL);
  add_row (layout, &table_full, 4.0, FALSE, ROW_PLAIN, 0.0, "", NULL);

  add_key_value (layout, _("Batch"), kassa_settlement_get_id (settlement), ROW_PLAIN);
  add_key_value (layout, _("Terminal"), terminal, ROW_PLAIN);
  add_key_value (layout, _("State"),
                 kassa_report_settlement_state_label (kassa_settlement_get_state (settlement)),
                 kassa_settlement_get_state (settlement) == KASSA_SETTLEMENT_SETTLED
                 ? ROW_PLAIN : ROW_ALERT);
  add_key_value (layout, _("Day closed"), created, ROW_PLAIN);
  add_key_value (layout, _("Bank answered"), settled, ROW_PLAIN);
  add_key_value (layout, _("Bank status"), kassa_settlement_get_bank_status (settlement),
                 ROW_PLAIN);
  add_key_value (layout, _("Last error"), kassa_settlement_get_last_error (settlement),
                 ROW_ALERT);

  add_reconciliation (layout, settlement);
  add_state_summary (layout, invoices);
  add_invoice_list (layout, invoices);

  return g_steal_pointer (&layout);
}

void
kassa_report_layout_free (KassaReportLayout *layout)
{
  if (layout == NULL)
    return;

  g_free (layout->settlement_id);
  g_array_unref (layout->rows);
  g_array_unref (layout->page_starts);
  g_free (layout);
}

/* ------------------------------------------------------------------ */
/* Measuring, paginating, drawing                                      */

static PangoLayout *
cell_layout (PangoContext *context,
             const Row    *row,
             guint         column,
             double        content_width)
{
  double width = content_width * row->table->fractions[column] - 2 * CELL_PAD_X;

  return kassa_report_text_layout (context, row->cells[column], row->font_pt,
                                   row->bold || (row->style == ROW_ALERT &&
                                                 row->table != &table_invoices),
                                   MAX (width, 1.0), row->table->alignment[column]);
}

static double
measure_row (PangoContext *context,
             const Row    *row,
             double        content_width)
{
  double height = 0;

  for (guint c = 0; c < row->table->n_columns; c++)
    {
      g_autoptr(PangoLayout) layout = cell_layout (context, row, c, content_width);

      height = MAX (height, kassa_report_layout_height (layout));
    }

  return height + 2 * CELL_PAD_Y;
}

static void
paginate (KassaReportLayout *layout,
          cairo_t           *cr,
          double             width_pt,
          double             height_pt)
{
  g_autoptr(KassaReportPangoContext) context = NULL;
  double content_width = width_pt - 2 * PAGE_MARGIN;
  double bottom = height_pt - FOOTER_SPACE - PAGE_MARGIN / 2;
  double y = PAGE_MARGIN;
  int first = 0;

  if (layout->page_starts->len > 0 && layout->laid_out_width == width_pt &&
      layout->laid_out_height == height_pt)
    return;

  context = kassa_report_pango_context_new (cr);
  for (guint i = 0; i < layout->rows->len; i++)
    {
      Row *row = &g_array_index (layout->rows, Row, i);

      row->height = measure_row (context, row, content_width);
    }

  g_array_set_size (layout->page_starts, 0);
  g_array_append_val (layout->page_starts, first);

  for (guint i = 0; i < layout->rows->len; i++)
    {
      Row *row = &g_array_index (layout->rows, Row, i);
      double needed = row->height + (y > PAGE_MARGIN ? row->space_before : 0);

      /* A heading or table header stays with the row after it. */
      if (row->keep_with_next && i + 1 < layout->rows->len)
        needed += g_array_index (layout->rows, Row, i + 1).height;

      if (y + needed > bottom && (int) i != g_array_index (layout->page_starts, int,
                                                          layout->page_starts->len - 1))
        {
          int start = (int) i;

          g_array_append_val (layout->page_starts, start);
          y = PAGE_MARGIN;
          if (row->header >= 0)
            y += g_array_index (layout->rows, Row, row->header).height;
        }
      else if (y > PAGE_MARGIN)
        {
          y += row->space_before;
        }

      y += row->height;
    }

  layout->laid_out_width = width_pt;
  layout->laid_out_height = height_pt;
}

int
kassa_report_get_n_pages (KassaReportLayout *layout,
                          cairo_t           *cr,
                          double             width_pt,
                          double             height_pt)
{
  g_return_val_if_fail (layout != NULL, 1);
  g_return_val_if_fail (cr != NULL, 1);

  paginate (layout, cr, width_pt, height_pt);

  return (int) layout->page_starts->len;
}

static void
set_text_colour (cairo_t  *cr,
                 RowStyle  style)
{
  switch (style)
    {
    case ROW_ALERT:
      cairo_set_source_rgb (cr, 0.75, 0.05, 0.05);
      break;
    case ROW_GOOD:
      cairo_set_source_rgb (cr, 0.0, 0.45, 0.15);
      break;
    case ROW_PLAIN:
    case ROW_HEADER:
    default:
      cairo_set_source_rgb (cr, 0, 0, 0);
      break;
    }
}

static void
draw_row (cairo_t      *cr,
          PangoContext *context,
          const Row    *row,
          double        x0,
          double        y,
          double        content_width)
{
  double x = x0;

  if (row->style == ROW_HEADER)
    {
      cairo_set_source_rgb (cr, 0.88, 0.88, 0.88);
      cairo_rectangle (cr, x0, y, content_width, row->height);
      cairo_fill (cr);
    }
  else if (row->style == ROW_ALERT && row->table != &table_full)
    {
      cairo_set_source_rgb (cr, 1.0, 0.9, 0.9);
      cairo_rectangle (cr, x0, y, content_width, row->height);
      cairo_fill (cr);
    }

  for (guint c = 0; c < row->table->n_columns; c++)
    {
      g_autoptr(PangoLayout) layout = cell_layout (context, row, c, content_width);

      set_text_colour (cr, row->style);
      cairo_move_to (cr, x + CELL_PAD_X, y + CELL_PAD_Y);
      pango_cairo_show_layout (cr, layout);
      x += content_width * row->table->fractions[c];
    }

  /* Hairlines between table rows. */
  if (row->table != &table_full && row->table != &table_key_value)
    {
      cairo_set_source_rgb (cr, 0.7, 0.7, 0.7);
      cairo_set_line_width (cr, 0.4);
      cairo_move_to (cr, x0, y + row->height);
      cairo_line_to (cr, x0 + content_width, y + row->height);
      cairo_stroke (cr);
    }
}

void
kassa_report_draw_page (KassaReportLayout *layout,
                        cairo_t           *cr,
                        double             width_pt,
                        double             height_pt,
                        int                page)
{
  g_autoptr(KassaReportPangoContext) context = NULL;
  g_autoptr(PangoLayout) footer = NULL;
  g_autofree char *footer_text = NULL;
  double content_width = width_pt - 2 * PAGE_MARGIN;
  double y = PAGE_MARGIN;
  int first, end;

  g_return_if_fail (layout != NULL);
  g_return_if_fail (cr != NULL);

  paginate (layout, cr, width_pt, height_pt);
  g_return_if_fail (page >= 0 && (guint) page < layout->page_starts->len);

  context = kassa_report_pango_context_new (cr);
  first = g_array_index (layout->page_starts, int, page);
  end = (guint) page + 1 < layout->page_starts->len
        ? g_array_index (layout->page_starts, int, page + 1)
        : (int) layout->rows->len;

  cairo_save (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_restore (cr);

  if (first < end)
    {
      const Row *row = &g_array_index (layout->rows, Row, first);

      if (row->header >= 0 && row->header != first)
        {
          const Row *header = &g_array_index (layout->rows, Row, row->header);

          draw_row (cr, context, header, PAGE_MARGIN, y, content_width);
          y += header->height;
        }
    }

  for (int i = first; i < end; i++)
    {
      const Row *row = &g_array_index (layout->rows, Row, i);

      if (i != first)
        y += row->space_before;
      draw_row (cr, context, row, PAGE_MARGIN, y, content_width);
      y += row->height;
    }

  /* Translators: page footer: batch id, page number, number of pages */
  footer_text = g_strdup_printf (_("Settlement %s — page %d of %u"), layout->settlement_id,
                                 page + 1, layout->page_starts->len);
  footer = kassa_report_text_layout (context, footer_text, 7.5, FALSE, content_width,
                                     PANGO_ALIGN_CENTER);
  cairo_set_source_rgb (cr, 0.35, 0.35, 0.35);
  cairo_move_to (cr, PAGE_MARGIN, height_pt - PAGE_MARGIN / 2 - FOOTER_SPACE / 2);
  pango_cairo_show_layout (cr, footer);
}

/* ------------------------------------------------------------------ */
/* PDF and CSV                                                         */

static int
count_report_pages_cb (cairo_t  *cr,
                       gpointer  user_data)
{
  return kassa_report_get_n_pages (user_data, cr, KASSA_REPORT_A4_WIDTH_PT,
                                   KASSA_REPORT_A4_HEIGHT_PT);
}

static void
draw_report_page_cb (cairo_t  *cr,
                     int       page,
                     gpointer  user_data)
{
  kassa_report_draw_page (user_data, cr, KASSA_REPORT_A4_WIDTH_PT, KASSA_REPORT_A4_HEIGHT_PT,
                          page);
}

gboolean
kassa_report_write_pdf (KassaJournal           *journal,
                        KassaSettlement        *settlement,
                        const KassaReportInfo  *info,
                        const char             *path,
                        GError                **error)
{
  g_autoptr(KassaReportLayout) layout = NULL;
  g_autofree char *title = NULL;

  g_return_val_if_fail (KASSA_IS_JOURNAL (journal), FALSE);
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (settlement), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  layout = kassa_report_layout_new (journal, settlement, info, error);
  if (layout == NULL)
    return FALSE;

  title = g_strdup_printf (_("Settlement report %s"), kassa_settlement_get_id (settlement));

  return kassa_report_write_pdf_pages (path, title, KASSA_REPORT_A4_WIDTH_PT,
                                       KASSA_REPORT_A4_HEIGHT_PT, count_report_pages_cb,
                                       draw_report_page_cb, layout, error);
}

/* The columns of the report CSV; docs/reports.md documents them. */
static const char * const csv_columns[] = {
  "settlement", "terminal", "invoice", "created", "state", "amount", "in_batch", "method",
  "approval_code", "card_number", "reference",
};

gboolean
kassa_report_write_csv (KassaJournal           *journal,
                        KassaSettlement        *settlement,
                        const KassaReportInfo  *info,
                        const char             *path,
                        GError                **error)
{
  g_autoptr(GArray) invoices = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *terminal;

  g_return_val_if_fail (KASSA_IS_JOURNAL (journal), FALSE);
  g_return_val_if_fail (KASSA_IS_SETTLEMENT (settlement), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  invoices = collect_invoices (journal, settlement, error);
  if (invoices == NULL)
    return FALSE;

  terminal = info != NULL && info->terminal != NULL ? info->terminal
                                                    : kassa_settlement_get_terminal (settlement);

  for (guint c = 0; c < G_N_ELEMENTS (csv_columns); c++)
    {
      if (c > 0)
        g_string_append_c (out, ',');
      g_string_append (out, csv_columns[c]);
    }
  g_string_append (out, "\r\n");

  for (guint i = 0; i < invoices->len; i++)
    {
      ReportInvoice *entry = &g_array_index (invoices, ReportInvoice, i);
      KassaInvoice *invoice = entry->invoice;
      g_autofree char *created = g_date_time_format_iso8601 (kassa_invoice_get_created (invoice));
      g_autofree char *amount = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                 kassa_invoice_get_amount (invoice));
      g_autofree char *card = kassa_report_mask_card (kassa_invoice_get_card_number (invoice));
      const char *fields[G_N_ELEMENTS (csv_columns)] = {
        kassa_settlement_get_id (settlement),
        terminal,
        kassa_invoice_get_number (invoice),
        created,
        kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)),
        amount,
        entry->in_batch ? "1" : "0",
        kassa_invoice_method_to_string (kassa_invoice_get_method (invoice)),
        kassa_invoice_get_approval_code (invoice),
        card,
        kassa_invoice_get_reference (invoice),
      };

      for (guint c = 0; c < G_N_ELEMENTS (fields); c++)
        {
          if (c > 0)
            g_string_append_c (out, ',');
          kassa_report_append_csv_field (out, fields[c]);
        }
      g_string_append (out, "\r\n");
    }

  file = g_file_new_for_path (path);
  if (!g_file_replace_contents (file, out->str, out->len, NULL, FALSE, G_FILE_CREATE_NONE,
                                NULL, NULL, &local_error))
    {
      g_autofree char *display_name = g_filename_display_name (path);

      g_set_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_IO,
                   _("Cannot write “%s”: %s"), display_name, local_error->message);
      return FALSE;
    }

  return TRUE;
}
