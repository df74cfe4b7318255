/* test-report.c — settlement reports and receipts (PDF, CSV) from a real day
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real kassa-bank-sim process, a real till and journal: sales that are paid,
 * refunded, cancelled and declined, then settlement. The documents are read
 * back with poppler's pdftotext/pdfinfo/pdftoppm, the CSV with an RFC 4180
 * parser, and their totals compared with the simulator's own answer. The last
 * tests run kassa-ctl's settle --report/--csv, report and receipt.
 */

#include "config.h"

#include <string.h>

#include <cairo.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "kassa-core.h"
#include "kassa-manager.h"
#include "kassa-receipt.h"
#include "kassa-report.h"
#include "kassa-test-ctl.h"
#include "kassa-test-util.h"

/* A deadline, not a wait: the PIN's PBKDF2 takes ~20 s under ASan with slow unwinding. */
#define WAIT_S 120
#define PIN "2468"
#define SHOP "Номин дэлгүүр"
#define ADDRESS "Сүхбаатар дүүрэг, 1-р хороо"
#define PHONE "7011-2233"

typedef struct
{
  KassaTestSim    *sim;
  KassaJournal    *journal;
  KassaBankClient *client;
  KassaTill       *till;
  char            *dir;      /* documents written by the test */
} Fixture;

/* ---- tools ---- */

/* Runs @argv, returns its exit status and stdout. */
static int
run_tool (const char * const  *argv,
          const char          *input,
          char               **out_stdout,
          char               **out_stderr)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                     G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                     G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, input != NULL ? input : "", NULL, &out, &err, &error);
  g_assert_no_error (error);

  if (out_stdout != NULL)
    *out_stdout = g_steal_pointer (&out);
  if (out_stderr != NULL)
    *out_stderr = g_steal_pointer (&err);

  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

static char *
pdf_text (const char *path)
{
  const char *argv[] = { "pdftotext", "-enc", "UTF-8", path, "-", NULL };
  g_autofree char *err = NULL;
  char *text = NULL;

  g_assert_cmpint (run_tool (argv, NULL, &text, &err), ==, 0);

  return text;
}

/* "Page size:      164.409 x 354.2 pts" and "Pages: N" of pdfinfo. */
static void
pdf_info (const char *path,
          double     *out_width,
          double     *out_height,
          int        *out_pages)
{
  const char *argv[] = { "pdfinfo", path, NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean seen_size = FALSE;

  g_assert_cmpint (run_tool (argv, NULL, &out, NULL), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "Page size:"))
        {
          char *end = NULL;
          const char *p = lines[i] + strlen ("Page size:");

          *out_width = g_ascii_strtod (p, &end);
          g_assert_true (end != p);
          p = strstr (end, "x");
          g_assert_nonnull (p);
          *out_height = g_ascii_strtod (p + 1, NULL);
          seen_size = TRUE;
        }
      else if (g_str_has_prefix (lines[i], "Pages:") && out_pages != NULL)
        {
          *out_pages = (int) g_ascii_strtoll (lines[i] + strlen ("Pages:"), NULL, 10);
        }
    }
  g_assert_true (seen_size);
}

/* Pixels of the report's light-red highlight (255, 230, 230) on page 1. */
static guint
count_highlight_pixels (Fixture    *f,
                        const char *pdf)
{
  g_autofree char *prefix = g_build_filename (f->dir, "page", NULL);
  g_autofree char *png = g_strconcat (prefix, ".png", NULL);
  const char *argv[] = { "pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", "-singlefile",
                         pdf, prefix, NULL };
  cairo_surface_t *surface;
  guint count = 0;
  int stride, width, height;
  const guchar *data;

  g_assert_cmpint (run_tool (argv, NULL, NULL, NULL), ==, 0);
  surface = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (surface), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_flush (surface);
  g_assert_cmpint (cairo_image_surface_get_format (surface), !=, CAIRO_FORMAT_A8);

  width = cairo_image_surface_get_width (surface);
  height = cairo_image_surface_get_height (surface);
  stride = cairo_image_surface_get_stride (surface);
  data = cairo_image_surface_get_data (surface);
  for (int y = 0; y < height; y++)
    {
      const guint32 *row = (const guint32 *) (gconstpointer) (data + y * stride);

      for (int x = 0; x < width; x++)
        {
          guint r = (row[x] >> 16) & 0xff, g = (row[x] >> 8) & 0xff, b = row[x] & 0xff;

          if (r >= 250 && g >= 220 && g <= 240 && b >= 220 && b <= 240)
            count++;
        }
    }
  cairo_surface_destroy (surface);
  g_remove (png);

  return count;
}

/* RFC 4180: rows of fields; quoted fields may hold commas, quotes and line breaks. */
static GPtrArray *
parse_csv (const char *text)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GStrvBuilder) row = g_strv_builder_new ();
  g_autoptr(GString) field = g_string_new (NULL);
  const char *p = text;

  while (*p != '\0')
    {
      if (*p == '"')
        {
          for (p++; ; p++)
            {
              g_assert_true (*p != '\0');  /* an unterminated quote is malformed CSV */
              if (*p == '"' && p[1] == '"')
                {
                  g_string_append_c (field, '"');
                  p++;
                }
              else if (*p == '"')
                {
                  p++;
                  break;
                }
              else
                g_string_append_c (field, *p);
            }
          g_assert_true (*p == ',' || *p == '\r' || *p == '\0');
          continue;
        }

      if (*p == ',')
        {
          g_strv_builder_add (row, field->str);
          g_string_truncate (field, 0);
          p++;
        }
      else if (*p == '\r')
        {
          /* RFC 4180 lines end with CRLF, never a bare CR or LF. */
          g_assert_cmpint (p[1], ==, '\n');
          g_strv_builder_add (row, field->str);
          g_string_truncate (field, 0);
          g_ptr_array_add (rows, g_strv_builder_end (row));
          g_clear_pointer (&row, g_strv_builder_unref);
          row = g_strv_builder_new ();
          p += 2;
        }
      else
        {
          g_assert_cmpint (*p, !=, '\n');
          g_string_append_c (field, *p);
          p++;
        }
    }
  /* The last row ends with CRLF too. */
  g_assert_cmpuint (field->len, ==, 0);

  return rows;
}

static guint
csv_column (char       **header,
            const char  *name)
{
  for (guint i = 0; header[i] != NULL; i++)
    if (g_str_equal (header[i], name))
      return i;

  g_error ("no column %s in the CSV", name);
}

static gint64
parse_integer (const char *text)
{
  g_autoptr(GError) error = NULL;
  gint64 value = 0;

  g_ascii_string_to_signed (text, 10, G_MININT64, G_MAXINT64, &value, &error);
  g_assert_no_error (error);

  return value;
}

static char *
artefact_path (const char *name)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_BUILT, "artefacts", "report", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);

  return g_build_filename (dir, name, NULL);
}

/* ---- fixture ---- */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  static guint serial;
  g_autofree char *name = g_strdup_printf ("journal-%u.sqlite", ++serial);
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), name, NULL);
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0, };

  f->sim = kassa_test_sim_spawnv (NULL);
  f->client = kassa_bank_client_new (kassa_test_sim_get_url (f->sim), KASSA_TEST_TERMINAL,
                                     KASSA_TEST_SECRET, NULL, NULL, &error);
  g_assert_no_error (error);
  f->journal = kassa_journal_open (path, &error);
  g_assert_no_error (error);
  f->till = kassa_till_new (f->journal, f->client);
  kassa_till_set_poll_schedule (f->till, 100, 120, 100);

  kassa_till_recover_async (f->till, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  g_assert_true (kassa_till_recover_finish (f->till, w.result, NULL, &error));
  g_assert_no_error (error);
  g_object_unref (w.result);

  g_assert_true (kassa_manager_set_pin (kassa_till_get_manager (f->till), NULL, PIN, &error));
  g_assert_no_error (error);

  f->dir = g_build_filename (g_get_user_data_dir (), "documents", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->dir, 0700), ==, 0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->till);
  g_clear_object (&f->client);
  g_clear_object (&f->journal);
  g_clear_pointer (&f->sim, kassa_test_sim_free);
  g_free (f->dir);
}

static char *
doc_path (Fixture    *f,
          const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

static void
sim_action (Fixture    *f,
            const char *path,
            const char *number)
{
  g_autofree char *json = g_strdup_printf ("{\"invoice\": \"%s\"}", number);
  guint status = 0;
  g_autofree char *reply = kassa_test_sim_control (f->sim, path, json, &status);

  if (status != 200)
    g_error ("%s %s: HTTP %u %s", path, json, status, reply);
}

static KassaInvoice *
sale (Fixture    *f,
      gint64      amount,
      const char *reference)
{
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0, };
  KassaInvoice *invoice;

  kassa_till_sale_async (f->till, amount, KASSA_INVOICE_METHOD_QR, NULL, reference, NULL,
                         kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  invoice = kassa_till_sale_finish (f->till, w.result, &error);
  g_object_unref (w.result);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);

  return invoice;
}

static KassaInvoice *
paid_sale (Fixture    *f,
           gint64      amount,
           const char *reference)
{
  KassaInvoice *invoice = sale (f, amount, reference);

  sim_action (f, "/sim/pay", kassa_invoice_get_number (invoice));
  kassa_test_wait_for_state (invoice, KASSA_INVOICE_PAID, WAIT_S);

  return invoice;
}

static void
refund (Fixture      *f,
        KassaInvoice *invoice)
{
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0, };

  kassa_till_refund_async (f->till, invoice, PIN, "customer returned it", NULL,
                           kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  g_assert_true (kassa_till_refund_finish (f->till, w.result, &error));
  g_assert_no_error (error);
  g_object_unref (w.result);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_REFUNDED);
}

static void
cancel (Fixture      *f,
        KassaInvoice *invoice)
{
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0, };

  kassa_till_cancel_async (f->till, invoice, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  g_assert_true (kassa_till_cancel_finish (f->till, w.result, &error));
  g_assert_no_error (error);
  g_object_unref (w.result);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_CANCELLED);
}

static KassaSettlement *
settle (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0, };
  KassaSettlement *settlement;

  kassa_till_settle_async (f->till, PIN, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  settlement = kassa_till_settle_finish (f->till, w.result, &error);
  g_object_unref (w.result);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_settlement_get_state (settlement), ==, KASSA_SETTLEMENT_SETTLED);

  return settlement;
}

/* The simulator's answer for @id, asked again (settlement is idempotent there). */
static KassaBankSettlementReply *
sim_settlement (Fixture    *f,
                const char *id)
{
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0, };
  KassaBankSettlementReply *reply;

  kassa_bank_client_settlement_async (f->client, id, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  reply = kassa_bank_client_settlement_finish (f->client, w.result, &error);
  g_object_unref (w.result);
  g_assert_no_error (error);

  return reply;
}

/* ---- tests ---- */

typedef struct
{
  KassaInvoice *paid_a;
  KassaInvoice *refunded;
  KassaInvoice *cancelled;
  KassaInvoice *declined;
  KassaInvoice *paid_b;
} Day;

static void
day_clear (Day *day)
{
  g_clear_object (&day->paid_a);
  g_clear_object (&day->refunded);
  g_clear_object (&day->cancelled);
  g_clear_object (&day->declined);
  g_clear_object (&day->paid_b);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Day, day_clear)

/* 1 500 paid, 2 700 paid then refunded, 3 300 cancelled, 4 100 declined, 5 200
 * paid (with a reference that needs CSV quoting): 2 payments, 6 700 ₮. */
static void
make_day (Fixture *f,
          Day     *day)
{
  day->paid_a = paid_sale (f, 1500, NULL);
  day->refunded = paid_sale (f, 2700, NULL);
  refund (f, day->refunded);
  day->cancelled = sale (f, 3300, NULL);
  cancel (f, day->cancelled);
  day->declined = sale (f, 4100, NULL);
  sim_action (f, "/sim/decline", kassa_invoice_get_number (day->declined));
  kassa_test_wait_for_state (day->declined, KASSA_INVOICE_DECLINED, WAIT_S);
  /* No line break: the till refuses control characters in a reference. */
  day->paid_b = paid_sale (f, 5200, "Table 4, \"window\"");
}

static void
check_day (Fixture *f,
           Day     *day_out)
{
  Day day = *day_out;
  g_autoptr(KassaSettlement) settlement = NULL;
  g_autoptr(KassaBankSettlementReply) bank = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pdf = artefact_path ("report-day.pdf");
  g_autofree char *csv = doc_path (f, "report-day.csv");
  g_autofree char *text = NULL;
  g_autofree char *csv_text = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  KassaReportInfo info = { SHOP, NULL };
  KassaInvoice *all[5];
  char **header;
  gint64 batch_sum = 0, batch_count = 0;
  double width, height;
  int pages = 0;

  all[0] = day.paid_a;
  all[1] = day.refunded;
  all[2] = day.cancelled;
  all[3] = day.declined;
  all[4] = day.paid_b;

  settlement = settle (f);
  g_assert_true (kassa_settlement_reconcile (settlement));
  bank = sim_settlement (f, kassa_settlement_get_id (settlement));
  g_assert_cmpint (bank->count, ==, 2);
  g_assert_cmpint (bank->amount, ==, 1500 + 5200);

  g_assert_true (kassa_report_write_pdf (f->journal, settlement, &info, pdf, &error));
  g_assert_no_error (error);
  g_assert_true (kassa_report_write_csv (f->journal, settlement, &info, csv, &error));
  g_assert_no_error (error);

  /* The PDF: A4, the batch, terminal, shop, both totals, every invoice and state. */
  pdf_info (pdf, &width, &height, &pages);
  g_assert_cmpfloat_with_epsilon (width, 595.28, 0.5);
  g_assert_cmpfloat_with_epsilon (height, 841.89, 0.5);
  g_assert_cmpint (pages, ==, 1);
  text = pdf_text (pdf);
  g_assert_nonnull (strstr (text, "Settlement report"));
  g_assert_nonnull (strstr (text, SHOP));
  g_assert_nonnull (strstr (text, kassa_settlement_get_id (settlement)));
  g_assert_nonnull (strstr (text, KASSA_TEST_TERMINAL));
  g_assert_nonnull (strstr (text, "The bank’s totals match the journal."));
  /* Journal and bank columns both say 6,700₮ (and the paid-state row, the batch row). */
  {
    guint n = 0;

    for (const char *p = strstr (text, "6,700₮"); p != NULL; p = strstr (p + 1, "6,700₮"))
      n++;
    g_assert_cmpuint (n, >=, 2);
  }
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    g_assert_nonnull (strstr (text, kassa_invoice_get_number (all[i])));
  g_assert_nonnull (strstr (text, "Refunded"));
  g_assert_nonnull (strstr (text, "Cancelled"));
  g_assert_nonnull (strstr (text, "Declined"));
  g_assert_nonnull (strstr (text, "2,700₮"));
  g_assert_nonnull (strstr (text, "4,100₮"));
  /* The bank's card number, masked as it came. */
  g_assert_nonnull (strstr (text, kassa_invoice_get_card_number (day.paid_a)));
  /* Nothing to highlight on a matching day. */
  g_assert_cmpuint (count_highlight_pixels (f, pdf), ==, 0);

  /* The CSV: one header row, one row per invoice, integer amounts; the batch's
   * rows sum to what the simulator answered. */
  g_assert_true (g_file_get_contents (csv, &csv_text, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_utf8_validate (csv_text, -1, NULL));
  rows = parse_csv (csv_text);
  g_assert_cmpuint (rows->len, ==, 1 + G_N_ELEMENTS (all));
  header = g_ptr_array_index (rows, 0);
  for (guint r = 1; r < rows->len; r++)
    {
      char **row = g_ptr_array_index (rows, r);
      KassaInvoice *invoice = all[r - 1];   /* oldest first */
      gint64 amount;

      g_assert_cmpuint (g_strv_length (row), ==, g_strv_length (header));
      g_assert_cmpstr (row[csv_column (header, "settlement")], ==,
                       kassa_settlement_get_id (settlement));
      g_assert_cmpstr (row[csv_column (header, "terminal")], ==, KASSA_TEST_TERMINAL);
      g_assert_cmpstr (row[csv_column (header, "invoice")], ==, kassa_invoice_get_number (invoice));
      g_assert_cmpstr (row[csv_column (header, "state")], ==,
                       kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)));
      amount = parse_integer (row[csv_column (header, "amount")]);
      g_assert_cmpint (amount, ==, kassa_invoice_get_amount (invoice));
      if (parse_integer (row[csv_column (header, "in_batch")]) == 1)
        {
          batch_sum += amount;
          batch_count++;
        }
    }
  g_assert_cmpint (batch_count, ==, bank->count);
  g_assert_cmpint (batch_sum, ==, bank->amount);
  g_assert_cmpint (batch_sum, ==, kassa_settlement_get_bank_amount (settlement));
  /* The quoted reference survives with its comma and quotes. */
  g_assert_cmpstr (((char **) g_ptr_array_index (rows, 5))[csv_column (header, "reference")], ==,
                   "Table 4, \"window\"");
  /* A line break (a reference journaled before the till refused them) is quoted too. */
  {
    g_autoptr(GString) field = g_string_new (NULL);

    kassa_report_append_csv_field (field, "Table 4\nsecond line");
    g_assert_cmpstr (field->str, ==, "\"Table 4\nsecond line\"");
  }
}

/* A second batch, in which the bank counts a payment the journal does not
 * know: the report shows both figures, the differences, and highlights them;
 * it lists only the invoices since the first batch. */
static void
check_mismatch (Fixture *f,
                Day     *day)
{
  g_autoptr(KassaInvoice) paid = paid_sale (f, 1500, NULL);
  g_autoptr(KassaSettlement) settlement = NULL;
  g_autoptr(KassaBankInvoiceReply) created = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pdf = artefact_path ("report-mismatch.pdf");
  g_autofree char *text = NULL;
  KassaTestAsync w = { 0, };

  kassa_bank_client_qr_async (f->client, 800, "OUTSIDE-1", NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  created = kassa_bank_client_qr_finish (f->client, w.result, &error);
  g_object_unref (w.result);
  g_assert_no_error (error);
  sim_action (f, "/sim/pay", "OUTSIDE-1");

  settlement = settle (f);
  g_assert_false (kassa_settlement_reconcile (settlement));
  g_assert_cmpint (kassa_settlement_get_bank_count (settlement), ==, 2);

  g_assert_true (kassa_report_write_pdf (f->journal, settlement, NULL, pdf, &error));
  g_assert_no_error (error);
  text = pdf_text (pdf);
  g_assert_nonnull (strstr (text, "differ from the journal"));
  g_assert_nonnull (strstr (text, "+800₮"));
  g_assert_nonnull (strstr (text, "2,300₮"));
  g_assert_nonnull (strstr (text, "+1"));
  g_assert_nonnull (strstr (text, kassa_invoice_get_number (paid)));
  g_assert_null (strstr (text, kassa_invoice_get_number (day->paid_a)));
  g_assert_null (strstr (text, kassa_invoice_get_number (day->declined)));
  g_assert_cmpuint (count_highlight_pixels (f, pdf), >, 100);
}

static void
assert_receipt (Fixture         *f,
                KassaInvoice    *invoice,
                KassaPaperWidth  paper,
                double           want_width_pt,
                const char      *title)
{
  KassaReportInfo info = { SHOP, NULL, ADDRESS, PHONE };
  g_autofree char *name = g_strdup_printf ("receipt-%s-%s.pdf",
                                           kassa_invoice_get_state (invoice) == KASSA_INVOICE_PAID
                                           ? "paid" : "refunded",
                                           kassa_paper_width_to_string (paper));
  g_autofree char *pdf = artefact_path (name);
  g_autofree char *text = NULL;
  g_autofree char *amount = g_strdup_printf ("%" G_GINT64_FORMAT, kassa_invoice_get_amount (invoice));
  g_autofree char *amount_display = kassa_amount_to_display (kassa_invoice_get_amount (invoice));
  g_autoptr(GDateTime) local = g_date_time_to_local (kassa_invoice_get_created (invoice));
  g_autofree char *when = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
  g_autoptr(GError) error = NULL;
  double width = 0, height = 0, want_height = 0;
  int pages = 0;

  g_assert_true (kassa_receipt_write_pdf (invoice, &info, paper, pdf, &error));
  g_assert_no_error (error);

  pdf_info (pdf, &width, &height, &pages);
  g_assert_cmpint (pages, ==, 1);
  g_assert_cmpfloat_with_epsilon (width, want_width_pt, 0.1);
  kassa_receipt_get_page_size (invoice, &info, paper, NULL, &want_height);
  g_assert_cmpfloat_with_epsilon (height, want_height, 0.1);
  if (paper == KASSA_PAPER_A4)
    g_assert_cmpfloat_with_epsilon (height, 841.89, 0.1);
  else
    g_assert_cmpfloat (height, <, 841.89);  /* a roll is cut where the receipt ends */

  text = pdf_text (pdf);
  g_assert_nonnull (strstr (text, title));
  g_assert_nonnull (strstr (text, SHOP));
  g_assert_nonnull (strstr (text, KASSA_TEST_TERMINAL));
  g_assert_nonnull (strstr (text, kassa_invoice_get_number (invoice)));
  g_assert_nonnull (strstr (text, amount_display));
  g_assert_nonnull (strstr (text, kassa_invoice_get_approval_code (invoice)));
  g_assert_nonnull (strstr (text, kassa_invoice_get_card_number (invoice)));
  g_assert_true (g_str_has_prefix (kassa_invoice_get_card_number (invoice), "949625******"));
  g_assert_nonnull (strstr (text, when));
  g_assert_nonnull (strstr (text, kassa_invoice_get_state (invoice) == KASSA_INVOICE_PAID
                                  ? "Paid" : "Refunded"));
  /* What the ESC/POS receipt carries too: the shop's address and phone, the
   * thank-you line in both languages, and the invoice number as a QR code. */
  g_assert_nonnull (strstr (text, ADDRESS));
  g_assert_nonnull (strstr (text, PHONE));
  g_assert_nonnull (strstr (text, "Баярлалаа! Thank you!"));
  {
    g_autofree char *prefix = g_strconcat (pdf, "-page", NULL);
    g_autofree char *png = g_strconcat (prefix, ".png", NULL);
    const char *render[] = { "pdftoppm", "-r", "203", "-png", "-singlefile", pdf, prefix, NULL };
    const char *scan[] = { "zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", png,
                           NULL };
    g_autofree char *read = NULL;

    g_assert_cmpint (run_tool (render, NULL, NULL, NULL), ==, 0);
    g_assert_cmpint (run_tool (scan, NULL, &read, NULL), ==, 0);
    g_assert_cmpstr (g_strchomp (read), ==, kassa_invoice_get_number (invoice));
  }
}

static void
check_receipts (Fixture *f,
                Day     *day)
{
  KassaInvoice *paid = day->paid_b;
  KassaInvoice *refunded = day->refunded;
  KassaInvoice *cancelled = day->cancelled;
  g_autoptr(GError) error = NULL;
  g_autofree char *bad = doc_path (f, "cancelled.pdf");
  g_autofree char *missing_dir = g_build_filename (f->dir, "no", "such", "dir", "r.pdf", NULL);

  assert_receipt (f, paid, KASSA_PAPER_58MM, 58.0 * 72 / 25.4, "Payment receipt");
  assert_receipt (f, paid, KASSA_PAPER_80MM, 80.0 * 72 / 25.4, "Payment receipt");
  assert_receipt (f, paid, KASSA_PAPER_A4, 595.28, "Payment receipt");
  assert_receipt (f, refunded, KASSA_PAPER_58MM, 58.0 * 72 / 25.4, "Refund receipt");
  assert_receipt (f, refunded, KASSA_PAPER_A4, 595.28, "Refund receipt");

  /* No receipt for a sale that was not paid; nothing written. */
  g_assert_false (kassa_receipt_write_pdf (cancelled, NULL, KASSA_PAPER_80MM, bad, &error));
  g_assert_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, kassa_invoice_get_number (cancelled)));
  g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* A file that cannot be written is an error naming it. */
  g_assert_false (kassa_receipt_write_pdf (paid, NULL, KASSA_PAPER_80MM, missing_dir, &error));
  g_assert_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "r.pdf"));
}

static void
test_paper_and_mask (void)
{
  KassaPaperWidth paper;
  struct { const char *in, *out; } cards[] = {
    { "949625******0003", "949625******0003" },
    { "4987381234563883", "498738******3883" },
    { "4987 3812 3456 3883", "4987 38** **** 3883" },
    { "123456", "**3456" },
    { "12", "**" },
    { "<b>9496</b>", "****" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cards); i++)
    {
      g_autofree char *masked = kassa_report_mask_card (cards[i].in);

      g_assert_cmpstr (masked, ==, cards[i].out);
    }
  g_assert_null (kassa_report_mask_card (NULL));
  g_assert_null (kassa_report_mask_card (""));

  g_assert_true (kassa_paper_width_from_string ("58", &paper));
  g_assert_cmpint (paper, ==, KASSA_PAPER_58MM);
  g_assert_true (kassa_paper_width_from_string ("80mm", &paper));
  g_assert_cmpint (paper, ==, KASSA_PAPER_80MM);
  g_assert_true (kassa_paper_width_from_string ("A4", &paper));
  g_assert_cmpint (paper, ==, KASSA_PAPER_A4);
  g_assert_false (kassa_paper_width_from_string ("57", &paper));
  g_assert_false (kassa_paper_width_from_string (NULL, &paper));
  g_assert_cmpstr (kassa_paper_width_to_string (KASSA_PAPER_58MM), ==, "58mm");
  g_assert_cmpfloat (kassa_paper_width_get_mm (KASSA_PAPER_80MM), ==, 80.0);
}

/* Many invoices, straight in a journal (no bank needed for the document):
 * the report paginates, repeats the table header and loses no invoice. */
static void
test_report_pages (void)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "pages.sqlite", NULL);
  g_autofree char *pdf = artefact_path ("report-pages.pdf");
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaSettlement) settlement = NULL;
  g_autoptr(KassaReportLayout) layout = NULL;
  g_autoptr(GPtrArray) invoices = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  KassaBankSettlementReply reply = { 0 };
  gint64 sum = 0;
  cairo_surface_t *surface;
  cairo_t *cr;
  int pages = 0, n_pages;
  double width, height;

  journal = kassa_journal_open (path, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 130; i++)
    {
      g_autoptr(KassaInvoice) invoice = kassa_journal_create_invoice (journal, KASSA_TEST_TERMINAL,
                                                                      1000 + i,
                                                                      KASSA_INVOICE_METHOD_QR,
                                                                      NULL, NULL, &error);
      KassaBankTransaction paid = { 0 };

      g_assert_no_error (error);
      g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_AWAITING_PAYMENT,
                                         "payload", NULL, NULL, &error));
      g_assert_no_error (error);
      if (i % 3 != 0)
        {
          paid.paid = TRUE;
          paid.resp_code = (char *) "00";
          paid.approval_code = (char *) "123456";
          paid.card_number = (char *) "949625******0003";
          paid.amount = 1000 + i;
          g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_PAID, NULL, &paid,
                                             NULL, &error));
          sum += 1000 + i;
        }
      else
        {
          g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_DECLINED, NULL, NULL,
                                             NULL, &error));
        }
      g_assert_no_error (error);
      g_ptr_array_add (invoices, g_steal_pointer (&invoice));
    }

  settlement = kassa_journal_begin_settlement (journal, KASSA_TEST_TERMINAL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_settlement_get_local_amount (settlement), ==, sum);
  reply.amount = sum;
  reply.count = kassa_settlement_get_local_count (settlement);
  reply.status = (char *) "SUCCESS";
  g_assert_true (kassa_journal_finish_settlement (journal, settlement, KASSA_SETTLEMENT_SETTLED,
                                                  &reply, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (kassa_report_write_pdf (journal, settlement, NULL, pdf, &error));
  g_assert_no_error (error);
  pdf_info (pdf, &width, &height, &pages);
  g_assert_cmpint (pages, >=, 3);
  text = pdf_text (pdf);
  for (guint i = 0; i < invoices->len; i++)
    g_assert_nonnull (strstr (text, kassa_invoice_get_number (g_ptr_array_index (invoices, i))));
  {
    g_autofree char *last = g_strdup_printf ("page %d of %d", pages, pages);
    guint headers = 0;

    g_assert_nonnull (strstr (text, last));
    /* The invoice table's header ("Approval") on every page it runs over. */
    for (const char *p = strstr (text, "Approval"); p != NULL; p = strstr (p + 1, "Approval"))
      headers++;
    g_assert_cmpuint (headers, >=, (guint) pages - 1);
  }

  /* The printing API: the same page count for the same page size, and a
   * smaller page needs more pages. */
  layout = kassa_report_layout_new (journal, settlement, NULL, &error);
  g_assert_no_error (error);
  surface = cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cr = cairo_create (surface);
  n_pages = kassa_report_get_n_pages (layout, cr, KASSA_REPORT_A4_WIDTH_PT,
                                      KASSA_REPORT_A4_HEIGHT_PT);
  g_assert_cmpint (n_pages, ==, pages);
  g_assert_cmpint (kassa_report_get_n_pages (layout, cr, KASSA_REPORT_A4_WIDTH_PT,
                                             KASSA_REPORT_A4_HEIGHT_PT / 2), >, pages);
  kassa_report_draw_page (layout, cr, KASSA_REPORT_A4_WIDTH_PT, KASSA_REPORT_A4_HEIGHT_PT / 2, 0);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* One day, one fixture: the manager PIN's PBKDF2 is slow under sanitizers, so
 * the day's sales, refund and two settlements serve every check. */
static void
test_report_day (Fixture       *f,
                 gconstpointer  data)
{
  g_auto(Day) day = { 0 };

  make_day (f, &day);
  check_day (f, &day);
  check_receipts (f, &day);
  check_mismatch (f, &day);
}

/* ---- kassa-ctl ---- */

static int
ctl (const char  *journal,
     const char  *input,
     char       **out,
     char       **err,
     const char  *first,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(KassaTestCtl) run = NULL;
  KassaTestCtlOptions options = { .input = input };
  va_list ap;

  /* The command word, then the training journal, then the command's arguments. */
  g_ptr_array_add (args, (char *) first);
  g_ptr_array_add (args, (char *) "--training");
  g_ptr_array_add (args, (char *) "--journal");
  g_ptr_array_add (args, (char *) journal);
  va_start (ap, first);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  run = kassa_test_ctl_run (&options, (const char * const *) args->pdata);
  if (out != NULL)
    *out = g_steal_pointer (&run->out);
  if (err != NULL)
    *err = g_steal_pointer (&run->err);

  return run->status;
}

/* A string member of the last JSON line of kassa-ctl's output. */
static char *
json_member (const char *json,
             const char *member)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = g_strsplit (json, "\n", -1);
  JsonObject *object;
  guint last = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      last = i;
  json_parser_load_from_data (parser, lines[last], -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));

  return g_strdup (json_object_get_string_member (object, member));
}

static void
test_ctl (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "ctl", NULL);
  g_autofree char *journal = g_build_filename (dir, "training.sqlite", NULL);
  g_autofree char *pdf = g_build_filename (dir, "settle.pdf", NULL);
  g_autofree char *csv = g_build_filename (dir, "settle.csv", NULL);
  g_autofree char *again = g_build_filename (dir, "again.csv", NULL);
  g_autofree char *receipt = g_build_filename (dir, "receipt.pdf", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *first = NULL, *second = NULL, *batch = NULL;
  g_autofree char *text = NULL, *csv_text = NULL, *again_text = NULL;
  double width, height;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);

  g_assert_cmpint (ctl (journal, NULL, &out, &err, "sale", "1500", "--wait", "--autopay", "1",
                        "--poll-ms", "100", NULL), ==, 0);
  first = json_member (out, "invoice");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl (journal, NULL, &out, &err, "sale", "2500", "--wait", "--autopay", "1",
                        "--poll-ms", "100", NULL), ==, 0);
  second = json_member (out, "invoice");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl (journal, PIN "\n", NULL, NULL, "manager-pin", NULL), ==, 0);

  /* A bad option is refused before anything is sent. */
  g_assert_cmpint (ctl (journal, NULL, NULL, &err, "receipt", first, "--pdf", receipt,
                        "--paper", "57", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "57"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (ctl (journal, NULL, &out, &err, "settle", "--pin", PIN, "--report", pdf,
                        "--csv", csv, "--shop", SHOP, NULL), ==, 0);
  batch = json_member (out, "settlement");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  text = pdf_text (pdf);
  g_assert_nonnull (strstr (text, batch));
  g_assert_nonnull (strstr (text, SHOP));
  g_assert_nonnull (strstr (text, first));
  g_assert_nonnull (strstr (text, second));
  g_assert_nonnull (strstr (text, "4,000₮"));
  g_assert_true (g_file_get_contents (csv, &csv_text, NULL, NULL));
  g_assert_nonnull (strstr (csv_text, first));
  g_assert_nonnull (strstr (csv_text, ",1500,1,"));
  g_assert_nonnull (strstr (csv_text, ",2500,1,"));

  /* The same batch later, from the journal alone: the same CSV. */
  g_assert_cmpint (ctl (journal, NULL, &out, &err, "report", batch, "--csv", again, NULL), ==, 0);
  g_assert_nonnull (strstr (out, batch));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (g_file_get_contents (again, &again_text, NULL, NULL));
  g_assert_cmpstr (again_text, ==, csv_text);
  g_assert_cmpint (ctl (journal, NULL, NULL, &err, "report", batch, NULL), ==, 2);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl (journal, NULL, NULL, &err, "report", "S000000-000000-9", "--csv", again,
                        NULL), ==, 2);
  g_assert_nonnull (strstr (err, "S000000-000000-9"));
  g_clear_pointer (&err, g_free);

  /* A 58 mm receipt. */
  g_assert_cmpint (ctl (journal, NULL, &out, &err, "receipt", first, "--pdf", receipt,
                        "--paper", "58", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"paper\":\"58mm\""));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  pdf_info (receipt, &width, &height, NULL);
  g_assert_cmpfloat_with_epsilon (width, 58.0 * 72 / 25.4, 0.1);
  g_clear_pointer (&text, g_free);
  text = pdf_text (receipt);
  g_assert_nonnull (strstr (text, first));
  g_assert_nonnull (strstr (text, "1,500₮"));

  g_assert_cmpint (ctl (journal, NULL, NULL, &err, "receipt", "K000000-000000-0001", "--pdf",
                        receipt, NULL), ==, 2);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ctl (journal, NULL, NULL, &err, "receipt", first, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "--pdf"));
}

/* The paper words: the nicks, read in any case, and the bare widths. */
static void
test_paper_names (void)
{
  const struct
  {
    const char      *text;
    KassaPaperWidth  paper;
  } good[] = {
    { "58mm", KASSA_PAPER_58MM }, { "58MM", KASSA_PAPER_58MM }, { "58", KASSA_PAPER_58MM },
    { "80mm", KASSA_PAPER_80MM }, { "80Mm", KASSA_PAPER_80MM }, { "80", KASSA_PAPER_80MM },
    { "a4", KASSA_PAPER_A4 }, { "A4", KASSA_PAPER_A4 },
  };
  const char *bad[] = { "", "58 ", " 80", "a", "4", "58m", "210", "A4mm", "80mmm" };
  KassaPaperWidth paper;

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      paper = KASSA_PAPER_A4 + 1;
      g_assert_true (kassa_paper_width_from_string (good[i].text, &paper));
      g_assert_cmpint (paper, ==, good[i].paper);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      paper = KASSA_PAPER_80MM;
      g_assert_false (kassa_paper_width_from_string (bad[i], &paper));
      g_assert_cmpint (paper, ==, KASSA_PAPER_80MM);
    }

  g_assert_true (kassa_paper_width_from_string ("80", NULL));
  g_assert_cmpstr (kassa_paper_width_to_string (KASSA_PAPER_58MM), ==, "58mm");
  g_assert_cmpstr (kassa_paper_width_to_string (KASSA_PAPER_80MM), ==, "80mm");
  g_assert_cmpstr (kassa_paper_width_to_string (KASSA_PAPER_A4), ==, "a4");
  g_assert_cmpstr (g_type_name (KASSA_TYPE_PAPER_WIDTH), ==, "KassaPaperWidth");
}

/* The libraries a run of kassa-ctl loaded, from the dynamic loader's own
 * account (LD_DEBUG=libs on stderr): TRUE when one whose name starts with
 * @lib ("libpango") was loaded. */
static gboolean
loaded (const char *ld_debug,
        const char *lib)
{
  g_autofree char *needle = g_strconcat ("/", lib, NULL);
  g_auto(GStrv) lines = g_strsplit (ld_debug, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "calling init:") != NULL && strstr (lines[i], needle) != NULL)
      return TRUE;

  return FALSE;
}

static KassaTestCtl *
ctl_env (const char * const *env,
         const char         *first,
         ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  KassaTestCtlOptions options = { .env = env };
  va_list ap;

  g_ptr_array_add (args, (char *) first);
  va_start (ap, first);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  return kassa_test_ctl_run (&options, (const char * const *) args->pdata);
}

/* kassa-ctl loads cairo, pango, harfbuzz and fontconfig for the documents
 * only (the report module); without the module those commands fail clearly
 * and write nothing, and every other command still works. */
static void
test_ctl_lean (void)
{
  static const char * const drawing[] = { "libpango", "libcairo", "libharfbuzz", "libfontconfig" };
  static const char * const ld_debug[] = { "LD_DEBUG=libs", NULL };
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "ctl-lean", NULL);
  g_autofree char *empty = g_build_filename (dir, "no-modules", NULL);
  g_autofree char *module_env = g_strconcat ("KASSA_MODULEDIR=", empty, NULL);
  const char * const no_module[] = { module_env, NULL };
  g_autofree char *journal = g_build_filename (dir, "training.sqlite", NULL);
  g_autofree char *receipt = g_build_filename (dir, "receipt.pdf", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.pdf", NULL);
  g_autofree char *csv = g_build_filename (dir, "missing.csv", NULL);
  g_autofree char *invoice = NULL;
  g_autofree char *text = NULL;
  KassaTestCtl *run;

  g_assert_cmpint (g_mkdir_with_parents (empty, 0700), ==, 0);

  /* sale and pending: the loader's account names glib and sqlite, never the drawing. */
  run = ctl_env (ld_debug, "sale", "--training", "--journal", journal, "1500", "--wait",
                 "--autopay", "1", "--poll-ms", "100", NULL);
  g_assert_cmpint (run->status, ==, 0);
  invoice = json_member (run->out, "invoice");
  g_assert_true (loaded (run->err, "libglib-2.0"));
  g_assert_true (loaded (run->err, "libsqlite3"));
  for (gsize i = 0; i < G_N_ELEMENTS (drawing); i++)
    g_assert_false (loaded (run->err, drawing[i]));
  kassa_test_ctl_free (run);

  run = ctl_env (ld_debug, "pending", "--training", "--journal", journal, NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (g_strstrip (run->out), ==, "[]");
  g_assert_true (loaded (run->err, "libsqlite3"));
  for (gsize i = 0; i < G_N_ELEMENTS (drawing); i++)
    g_assert_false (loaded (run->err, drawing[i]));
  kassa_test_ctl_free (run);

  /* A receipt loads the drawing, and is drawn. */
  run = ctl_env (ld_debug, "receipt", "--training", "--journal", journal, invoice, "--pdf",
                 receipt, NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_true (loaded (run->err, "libpango-1.0"));
  g_assert_true (loaded (run->err, "libcairo"));
  kassa_test_ctl_free (run);
  text = pdf_text (receipt);
  g_assert_nonnull (strstr (text, invoice));
  g_assert_nonnull (strstr (text, "1,500₮"));

  /* No module: the documents fail before anything is done, saying so and where it looked. */
  run = ctl_env (no_module, "receipt", "--training", "--journal", journal, invoice, "--pdf",
                 missing, NULL);
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, "report module"));
  g_assert_nonnull (strstr (run->err, empty));
  g_assert_nonnull (strstr (run->err, "KASSA_MODULEDIR"));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  kassa_test_ctl_free (run);

  run = ctl_env (no_module, "settle", "--training", "--journal", journal, "--pin", PIN,
                 "--csv", csv, NULL);
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, "report module"));
  g_assert_false (g_file_test (csv, G_FILE_TEST_EXISTS));
  kassa_test_ctl_free (run);

  /* In Mongolian too. */
  {
    const char * const mongolian[] = { module_env, "LANGUAGE=mn", NULL };

    run = ctl_env (mongolian, "receipt", "--training", "--journal", journal, invoice, "--pdf",
                   missing, NULL);
    g_assert_cmpint (run->status, ==, 2);
    g_assert_nonnull (strstr (run->err, empty));
    g_assert_null (strstr (run->err, "report module"));
    kassa_test_ctl_free (run);
  }

  /* Everything else still works without it: the sale is still there, unsettled. */
  run = ctl_env (no_module, "history", "--training", "--journal", journal, NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (run->out, invoice));
  kassa_test_ctl_free (run);
  run = ctl_env (no_module, "sale", "--training", "--journal", journal, "2500", "--wait",
                 "--autopay", "1", "--poll-ms", "100", NULL);
  g_assert_cmpint (run->status, ==, 0);
  kassa_test_ctl_free (run);
}

/* The journal commands (pending, history, audit, journal, report, receipt) load none of
 * libsoup, libcrypto, libsecret, libgcrypt: the commands that talk to the bank
 * are the bank module's (libkassa-ctl-bank.so), which loads them. Without that
 * module those commands fail clearly, and the journal commands still work. */
static void
test_ctl_lean_bank (void)
{
  static const char * const bank_libs[] = { "libsoup-3.0", "libcrypto", "libsecret-1",
                                            "libgcrypt" };
  static const char * const drawing[] = { "libpango", "libcairo", "libharfbuzz", "libfontconfig" };
  static const char * const ld_debug[] = { "LD_DEBUG=libs", NULL };
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "ctl-lean-bank", NULL);
  g_autofree char *empty = g_build_filename (dir, "no-modules", NULL);
  g_autofree char *module_env = g_strconcat ("KASSA_CTL_BANK_MODULEDIR=", empty, NULL);
  const char * const no_module[] = { module_env, NULL };
  g_autofree char *journal = g_build_filename (dir, "training.sqlite", NULL);
  g_autofree char *invoice = NULL;
  const char *journal_commands[] = { "pending", "history", "audit", "journal" };
  KassaTestCtl *run;

  g_assert_cmpint (g_mkdir_with_parents (empty, 0700), ==, 0);

  /* A sale loads the bank's libraries (the module) and sells. */
  run = ctl_env (ld_debug, "sale", "--training", "--journal", journal, "1500", "--wait",
                 "--autopay", "1", "--poll-ms", "100", NULL);
  g_assert_cmpint (run->status, ==, 0);
  invoice = json_member (run->out, "invoice");
  g_assert_nonnull (invoice);
  g_assert_true (loaded (run->err, "libsoup-3.0"));
  g_assert_true (loaded (run->err, "libcrypto"));
  g_assert_true (loaded (run->err, "libsecret-1"));
  g_assert_true (loaded (run->err, "libkassa-ctl-bank.so"));
  kassa_test_ctl_free (run);

  /* The journal commands: the journal's libraries only. */
  for (gsize c = 0; c < G_N_ELEMENTS (journal_commands); c++)
    {
      if (g_str_equal (journal_commands[c], "audit"))
        run = ctl_env (ld_debug, "audit", "--training", "--journal", journal, "verify", NULL);
      else if (g_str_equal (journal_commands[c], "journal"))
        run = ctl_env (ld_debug, "journal", "--journal", journal, "check", NULL);
      else
        run = ctl_env (ld_debug, journal_commands[c], "--training", "--journal", journal, NULL);
      g_assert_cmpint (run->status, ==, 0);
      g_assert_true (loaded (run->err, "libsqlite3"));
      g_assert_true (loaded (run->err, "libjson-glib-1.0"));
      for (gsize i = 0; i < G_N_ELEMENTS (bank_libs); i++)
        g_assert_false (loaded (run->err, bank_libs[i]));
      for (gsize i = 0; i < G_N_ELEMENTS (drawing); i++)
        g_assert_false (loaded (run->err, drawing[i]));
      g_assert_false (loaded (run->err, "libkassa-ctl-bank.so"));
      if (g_str_equal (journal_commands[c], "history"))
        g_assert_nonnull (strstr (run->out, invoice));
      if (g_str_equal (journal_commands[c], "pending"))
        g_assert_cmpstr (g_strstrip (run->out), ==, "[]");
      kassa_test_ctl_free (run);
    }

  /* No bank module: the commands that need it fail before anything is done,
   * saying so and where it looked; the sale is not journaled. */
  run = ctl_env (no_module, "sale", "--training", "--journal", journal, "2500", NULL);
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, "bank module"));
  g_assert_nonnull (strstr (run->err, empty));
  g_assert_nonnull (strstr (run->err, "KASSA_CTL_BANK_MODULEDIR"));
  g_assert_null (strstr (run->out, "invoice"));
  kassa_test_ctl_free (run);

  run = ctl_env (no_module, "bank", "check", "K261207-000000-0001", NULL);
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, "bank module"));
  kassa_test_ctl_free (run);

  {
    const char * const mongolian[] = { module_env, "LANGUAGE=mn", NULL };

    run = ctl_env (mongolian, "recover", "--training", "--journal", journal, NULL);
    g_assert_cmpint (run->status, ==, 2);
    g_assert_nonnull (strstr (run->err, empty));
    g_assert_null (strstr (run->err, "bank module"));
    kassa_test_ctl_free (run);
  }

  /* --help needs no module either. */
  run = ctl_env (no_module, "sale", "--help", NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (run->out, "--wait"));
  kassa_test_ctl_free (run);

  /* The journal commands still work: one sale, no second one. */
  run = ctl_env (no_module, "history", "--training", "--journal", journal, "--json", NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (run->out, invoice));
  g_assert_null (strstr (run->out, "2500"));
  kassa_test_ctl_free (run);
  run = ctl_env (no_module, "pending", "--training", "--journal", journal, NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (g_strstrip (run->out), ==, "[]");
  kassa_test_ctl_free (run);
}

/* A module that is there but is not this kassa-ctl's (a bank module whose table
 * has another version, a report module without its function) is refused before
 * anything of it is called: a clear error naming the file, exit 2, nothing done. */
static void
test_ctl_wrong_module (void)
{
  const char *wrong = g_getenv ("KASSA_TEST_WRONG_MODULE");
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "ctl-wrong-module", NULL);
  g_autofree char *modules = g_build_filename (dir, "modules", NULL);
  g_autofree char *bank = g_build_filename (modules, "libkassa-ctl-bank.so", NULL);
  g_autofree char *report = g_build_filename (modules, "libkassa-report-module.so", NULL);
  g_autofree char *bank_env = g_strconcat ("KASSA_CTL_BANK_MODULEDIR=", modules, NULL);
  g_autofree char *report_env = g_strconcat ("KASSA_MODULEDIR=", modules, NULL);
  const char * const wrong_bank[] = { bank_env, NULL };
  const char * const wrong_bank_mn[] = { bank_env, "LANGUAGE=mn", NULL };
  const char * const wrong_report[] = { report_env, NULL };
  const char * const wrong_report_mn[] = { report_env, "LANGUAGE=mn", NULL };
  g_autofree char *journal = g_build_filename (dir, "training.sqlite", NULL);
  g_autofree char *receipt = g_build_filename (dir, "receipt.pdf", NULL);
  g_autofree char *csv = g_build_filename (dir, "day.csv", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *invoice = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  KassaTestCtl *run;

  g_assert_nonnull (wrong);
  g_assert_cmpint (g_mkdir_with_parents (modules, 0700), ==, 0);
  g_assert_true (g_file_get_contents (wrong, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (bank, contents, (gssize) length, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (report, contents, (gssize) length, &error));
  g_assert_no_error (error);

  /* One real sale, with the real modules. */
  run = ctl_env (NULL, "sale", "--training", "--journal", journal, "1500", "--wait",
                 "--autopay", "1", "--poll-ms", "100", NULL);
  g_assert_cmpint (run->status, ==, 0);
  invoice = json_member (run->out, "invoice");
  g_assert_nonnull (invoice);
  kassa_test_ctl_free (run);

  /* The bank module of another version: refused, the sale not journaled. */
  run = ctl_env (wrong_bank, "sale", "--training", "--journal", journal, "2500", NULL);
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, "is not the bank module of this kassa-ctl"));
  g_assert_nonnull (strstr (run->err, bank));
  g_assert_nonnull (strstr (run->err, "KASSA_CTL_BANK_MODULEDIR"));
  g_assert_null (strstr (run->out, "invoice"));
  kassa_test_ctl_free (run);

  run = ctl_env (wrong_bank_mn, "recover", "--training", "--journal", journal, NULL);
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, bank));
  g_assert_nonnull (strstr (run->err, "банкны модуль биш"));
  g_assert_null (strstr (run->err, "bank module"));
  kassa_test_ctl_free (run);

  /* The report module without its function: refused, no document written. */
  run = ctl_env (wrong_report, "receipt", "--training", "--journal", journal, invoice, "--pdf",
                 receipt, NULL);
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, "is not the report module of this kassa-ctl"));
  g_assert_nonnull (strstr (run->err, report));
  g_assert_nonnull (strstr (run->err, "KASSA_MODULEDIR"));
  g_assert_false (g_file_test (receipt, G_FILE_TEST_EXISTS));
  kassa_test_ctl_free (run);

  run = ctl_env (wrong_report_mn, "settle", "--training", "--journal", journal, "--pin", PIN,
                 "--csv", csv, NULL);
  g_assert_cmpint (run->status, ==, 2);
  g_assert_nonnull (strstr (run->err, report));
  g_assert_nonnull (strstr (run->err, "тайлангийн модуль биш"));
  g_assert_null (strstr (run->err, "report module"));
  g_assert_false (g_file_test (csv, G_FILE_TEST_EXISTS));
  kassa_test_ctl_free (run);

  /* Nothing was done: one sale, unsettled, and the real modules still work. */
  run = ctl_env (NULL, "history", "--training", "--journal", journal, "--json", NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (run->out, invoice));
  g_assert_null (strstr (run->out, "2500"));
  kassa_test_ctl_free (run);
  run = ctl_env (NULL, "receipt", "--training", "--journal", journal, invoice, "--pdf",
                 receipt, NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_true (g_file_test (receipt, G_FILE_TEST_EXISTS));
  kassa_test_ctl_free (run);
}

int
main (int    argc,
      char **argv)
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/report/paper-and-mask", test_paper_and_mask);
  g_test_add_func ("/report/pages", test_report_pages);
  g_test_add ("/report/day", Fixture, NULL, fixture_setup, test_report_day, fixture_teardown);
  g_test_add_func ("/report/ctl", test_ctl);
  g_test_add_func ("/report/paper-names", test_paper_names);
  g_test_add_func ("/report/ctl-lean", test_ctl_lean);
  g_test_add_func ("/report/ctl-lean-bank", test_ctl_lean_bank);
  g_test_add_func ("/report/ctl-wrong-module", test_ctl_wrong_module);

  return g_test_run ();
}
