/* test-print-queue.c — KassaPrintQueue: journaled jobs to a real receipt printer stand-in
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Against real parts: a journal file, the receipt printer stand-in
 * (tests/kassa-test-printer.c) as its own process over TCP and a pty for
 * usb:, and Debian's own cupsd (tests/kassa-test-cups.c). What the stand-in
 * received is decoded as a printer would (kassa-escpos-decode.h) and its
 * receipt QR code read with zbarimg. docs/printing.md "A receipt is never lost".
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "kassa-core.h"
#include "kassa-escpos-decode.h"
#include "kassa-escpos.h"
#include "kassa-print-queue.h"
#include "kassa-test-cups.h"
#include "kassa-test-escpos.h"
#include "kassa-test-printer-util.h"
#include "kassa-test-util.h"

/* ---- helpers ---- */

static const KassaReportInfo shop_info = { "Дэлгүүр Test", KASSA_TEST_TERMINAL,
                                           "Улаанбаатар", "+976 9911 2233" };

static KassaJournal *
open_journal (const char *name)
{
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), name, NULL);
  g_autoptr(GError) error = NULL;
  KassaJournal *journal = kassa_journal_open (path, &error);

  g_assert_no_error (error);
  return journal;
}

/* A sale as the training till makes one: created, shown, paid by the bank. */
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

static KassaPrintQueue *
queue_for (KassaJournal *journal,
           const char   *uri,
           guint         width)
{
  g_autoptr(GError) error = NULL;
  KassaPrintQueue *queue = kassa_print_queue_new (journal);

  kassa_print_queue_set_info (queue, &shop_info);
  g_assert_true (kassa_print_queue_set_printer (queue, uri, width, &error));
  g_assert_no_error (error);
  return queue;
}

/* The job-changed signals seen. */
typedef struct
{
  GPtrArray *lines;   /* "receipt NUMBER printing", "drawer - failed: TEXT" */
} Events;

static void
on_queue_job_changed_cb (KassaPrintQueue *queue,
                         int              kind,
                         const char      *number,
                         int              state,
                         const char      *error_text,
                         Events          *events)
{
  g_ptr_array_add (events->lines,
                   g_strdup_printf ("%s %s %s%s%s", kassa_print_kind_to_string (kind),
                                    number != NULL ? number : "-",
                                    kassa_print_state_to_string (state),
                                    error_text != NULL ? ": " : "",
                                    error_text != NULL ? error_text : ""));
}

static void
watch (KassaPrintQueue *queue,
       Events          *events)
{
  events->lines = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (queue, "job-changed", G_CALLBACK (on_queue_job_changed_cb), events);
}

/* Runs one job to its end; returns its outcome, *@out_status and @error. */
typedef enum { JOB_RECEIPT, JOB_TEST_PAGE, JOB_DRAWER, JOB_SLIP } JobWhat;

static gboolean
run_job (KassaPrintQueue     *queue,
         JobWhat              what,
         gpointer             object,
         KassaPrinterStatus  *out_status,
         GError             **error)
{
  KassaTestAsync w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  switch (what)
    {
    case JOB_RECEIPT:
      kassa_print_queue_print_receipt_async (queue, object, NULL, kassa_test_async_done_cb, &w);
      break;
    case JOB_SLIP:
      kassa_print_queue_print_slip_async (queue, object, NULL, kassa_test_async_done_cb, &w);
      break;
    case JOB_TEST_PAGE:
      kassa_print_queue_print_test_page_async (queue, NULL, kassa_test_async_done_cb, &w);
      break;
    case JOB_DRAWER:
    default:
      kassa_print_queue_open_drawer_async (queue, NULL, kassa_test_async_done_cb, &w);
      break;
    }
  /* Printing never blocks: the call returned before the job ran. */
  g_assert_false (w.done);
  result = kassa_test_async_wait (&w, 60);
  return kassa_print_queue_job_finish (queue, result, out_status, error);
}

/* How many times @needle occurs in @haystack. */
static guint
count_occurrences (GBytes *haystack,
                   GBytes *needle)
{
  gsize h_len = 0, n_len = 0;
  const guint8 *h = g_bytes_get_data (haystack, &h_len);
  const guint8 *n = g_bytes_get_data (needle, &n_len);
  guint count = 0;

  for (const guint8 *p = h; n_len > 0 && p != NULL && (gsize) (p - h) + n_len <= h_len;)
    {
      p = memmem (p, h_len - (gsize) (p - h), n, n_len);
      if (p == NULL)
        break;
      count++;
      p += n_len;
    }
  return count;
}

/* Every byte the stand-in received, once @needle is in it @times (fails after 20 s). */
static GBytes *
wait_for_document (KassaTestPrinter *stand_in,
                   GBytes           *needle,
                   guint             times)
{
  for (guint i = 0; i < 400; i++)
    {
      GBytes *got = kassa_test_printer_wait_bytes (stand_in, g_bytes_get_size (needle) * times);

      if (count_occurrences (got, needle) >= times)
        return got;
      g_bytes_unref (got);
      g_usleep (50 * 1000);
    }
  g_error ("the stand-in did not receive the document %u times", times);
  return NULL;
}

/* One whole receipt in @got: ESC @, bands of @width, the cut, the QR of @number. */
static void
assert_receipt (GBytes     *got,
                guint       width,
                const char *number)
{
  g_autoptr(KassaEscposDecoded) decoded = kassa_test_escpos_decode (got);
  g_autofree char *png = g_strdup_printf ("%s-%u.png", number, width);
  g_autofree char *read = NULL;

  g_assert_cmpuint (decoded->width, ==, width);
  g_assert_cmpuint (decoded->height, >, 200);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_INIT), ==, 1);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_CUT), ==, 1);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_TEXT), ==, 0);
  read = kassa_test_escpos_read_qr (decoded, "print-queue", png);
  g_assert_cmpstr (read, ==, number);
}

static void
assert_receipt_state (KassaPrintQueue *queue,
                      const char      *number,
                      KassaPrintState  state,
                      const char      *mentions)
{
  g_autofree char *text = NULL;

  g_assert_cmpint (kassa_print_queue_get_receipt_state (queue, number, &text), ==, state);
  if (mentions == NULL)
    g_assert_null (text);
  else if (text == NULL || strstr (text, mentions) == NULL)
    g_error ("the receipt's reason “%s” does not mention “%s”", text, mentions);
}

/* ---- tests ---- */

static void
print_receipt_over (gboolean tcp,
                    guint    width)
{
  KassaTestPrinterOptions options = { .tcp = tcp, .pty = !tcp };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaJournal) journal = open_journal (tcp ? "tcp.sqlite" : "usb.sqlite");
  g_autoptr(KassaInvoice) invoice = paid_invoice (journal, 125000);
  g_autoptr(KassaPrintQueue) queue = NULL;
  g_autoptr(GBytes) expected = kassa_test_escpos_receipt (invoice, &shop_info, width);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *printing = NULL;
  g_autofree char *printed = NULL;
  const char *number = kassa_invoice_get_number (invoice);
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_ERROR;
  Events events;

  queue = queue_for (journal, tcp ? kassa_test_printer_get_tcp_uri (stand_in)
                                  : kassa_test_printer_get_usb_uri (stand_in), width);
  watch (queue, &events);
  assert_receipt_state (queue, number, KASSA_PRINT_STATE_NONE, NULL);

  g_assert_true (run_job (queue, JOB_RECEIPT, invoice, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, KASSA_PRINTER_STATUS_OK);

  got = wait_for_document (stand_in, expected, 1);
  g_assert_cmpuint (count_occurrences (got, expected), ==, 1);
  assert_receipt (got, width, number);

  assert_receipt_state (queue, number, KASSA_PRINT_STATE_PRINTED, NULL);
  printing = g_strdup_printf ("receipt %s printing", number);
  printed = g_strdup_printf ("receipt %s printed", number);
  g_assert_cmpuint (events.lines->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (events.lines, 0), ==, printing);
  g_assert_cmpstr (g_ptr_array_index (events.lines, 1), ==, printed);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);

  g_signal_handlers_disconnect_by_data (queue, &events);
  g_ptr_array_unref (events.lines);
}

static void
test_tcp_receipt (void)
{
  print_receipt_over (TRUE, KASSA_ESCPOS_WIDTH_80MM);
}

static void
test_usb_receipt (void)
{
  print_receipt_over (FALSE, KASSA_ESCPOS_WIDTH_58MM);
}

static void
test_off_then_reprint (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaJournal) journal = open_journal ("off.sqlite");
  g_autoptr(KassaInvoice) invoice = paid_invoice (journal, 5000);
  g_autofree char *off = kassa_test_printer_refused_uri ();
  g_autoptr(KassaPrintQueue) queue = queue_for (journal, off, KASSA_ESCPOS_WIDTH_80MM);
  g_autoptr(KassaTestPrinter) stand_in = NULL;
  g_autoptr(GBytes) expected = kassa_test_escpos_receipt (invoice, &shop_info, KASSA_ESCPOS_WIDTH_80MM);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *number = g_strdup (kassa_invoice_get_number (invoice));
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_OK;

  g_assert_false (run_job (queue, JOB_RECEIPT, invoice, &status, &error));
  g_assert_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_REFUSED);
  g_assert_cmpint (status, ==, KASSA_PRINTER_STATUS_UNKNOWN);
  /* The reason, in the cashier's words, stays with the receipt. */
  assert_receipt_state (queue, number, KASSA_PRINT_STATE_FAILED, "refused the connection");
  g_clear_error (&error);
  /* The sale is untouched. */
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);

  /* After a restart the receipt is still on the "not printed" list. */
  g_clear_object (&queue);
  g_clear_object (&invoice);
  g_clear_object (&journal);
  journal = open_journal ("off.sqlite");
  {
    g_autoptr(GPtrArray) failed = kassa_journal_list_failed_receipts (journal, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (failed->len, ==, 1);
    g_assert_cmpstr (g_ptr_array_index (failed, 0), ==, number);
  }
  invoice = kassa_journal_lookup (journal, number, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);

  /* The printer is back: Reprint prints it once. */
  stand_in = kassa_test_printer_spawn (&options);
  queue = queue_for (journal, kassa_test_printer_get_tcp_uri (stand_in),
                     KASSA_ESCPOS_WIDTH_80MM);
  g_assert_true (run_job (queue, JOB_RECEIPT, invoice, &status, &error));
  g_assert_no_error (error);
  got = wait_for_document (stand_in, expected, 1);
  assert_receipt (got, KASSA_ESCPOS_WIDTH_80MM, number);
  assert_receipt_state (queue, number, KASSA_PRINT_STATE_PRINTED, NULL);
  {
    g_autoptr(GPtrArray) failed = kassa_journal_list_failed_receipts (journal, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (failed->len, ==, 0);
  }
  /* Nothing else arrives later (no copy kept in memory and sent again). */
  g_usleep (500 * 1000);
  g_clear_pointer (&got, g_bytes_unref);
  got = kassa_test_printer_wait_bytes (stand_in, 1);
  g_assert_cmpuint (count_occurrences (got, expected), ==, 1);
}

static void
test_paper_out (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE, .status = "paper-out" };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaJournal) journal = open_journal ("paper.sqlite");
  g_autoptr(KassaInvoice) invoice = paid_invoice (journal, 7000);
  g_autoptr(KassaPrintQueue) queue = queue_for (journal,
                                                kassa_test_printer_get_tcp_uri (stand_in),
                                                KASSA_ESCPOS_WIDTH_80MM);
  g_autoptr(GBytes) expected = kassa_test_escpos_receipt (invoice, &shop_info, KASSA_ESCPOS_WIDTH_80MM);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char *number = kassa_invoice_get_number (invoice);
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_OK;

  g_assert_false (run_job (queue, JOB_RECEIPT, invoice, &status, &error));
  g_assert_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, kassa_printer_status_describe (KASSA_PRINTER_STATUS_PAPER_OUT));
  g_assert_cmpint (status, ==, KASSA_PRINTER_STATUS_PAPER_OUT);
  assert_receipt_state (queue, number, KASSA_PRINT_STATE_FAILED, "out of paper");
  g_clear_error (&error);

  /* Only the status was asked: no image was sent. */
  line = kassa_test_printer_read_line (stand_in, "job ");
  g_assert_cmpuint (kassa_test_printer_job_count (line, "raster"), ==, 0);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "status"), >, 0);

  /* Paper in: Reprint prints it once. */
  kassa_test_printer_set_status (stand_in, "ok");
  g_assert_true (run_job (queue, JOB_RECEIPT, invoice, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, KASSA_PRINTER_STATUS_OK);
  got = wait_for_document (stand_in, expected, 1);
  g_assert_cmpuint (count_occurrences (got, expected), ==, 1);
  assert_receipt_state (queue, number, KASSA_PRINT_STATE_PRINTED, NULL);
}

static void
test_close_after (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE, .close_after = 4096 };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaJournal) journal = open_journal ("dropped.sqlite");
  g_autoptr(KassaInvoice) invoice = paid_invoice (journal, 9000);
  g_autoptr(KassaPrintQueue) queue = queue_for (journal,
                                                kassa_test_printer_get_tcp_uri (stand_in),
                                                KASSA_ESCPOS_WIDTH_80MM);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_OK;

  g_assert_false (run_job (queue, JOB_RECEIPT, invoice, &status, &error));
  g_assert_true (error->domain == KASSA_PRINTER_ERROR || error->domain == G_IO_ERROR);
  g_assert_cmpint (kassa_print_queue_get_receipt_state (queue, kassa_invoice_get_number (invoice),
                                                        NULL), ==, KASSA_PRINT_STATE_FAILED);
  line = kassa_test_printer_read_line (stand_in, "dropped");
  g_assert_nonnull (line);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
}

static void
test_drawer (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaJournal) journal = open_journal ("drawer.sqlite");
  g_autoptr(KassaPrintQueue) queue = queue_for (journal,
                                                kassa_test_printer_get_tcp_uri (stand_in),
                                                KASSA_ESCPOS_WIDTH_80MM);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_ERROR;
  Events events;

  watch (queue, &events);
  g_assert_true (run_job (queue, JOB_DRAWER, NULL, &status, &error));
  g_assert_no_error (error);

  /* Status connections, then the one with the pulse. */
  do
    {
      g_free (line);
      line = kassa_test_printer_read_line (stand_in, "job ");
    }
  while (kassa_test_printer_job_count (line, "pulse") == 0);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "pulse"), ==, 1);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "raster"), ==, 0);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "init"), ==, 0);

  g_assert_cmpuint (events.lines->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (events.lines, 1), ==, "drawer - printed");
  g_ptr_array_unref (events.lines);
}

static void
test_not_paid (void)
{
  g_autoptr(KassaJournal) journal = open_journal ("open.sqlite");
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = kassa_journal_create_invoice (journal, KASSA_TEST_TERMINAL,
                                                                  100, KASSA_INVOICE_METHOD_QR,
                                                                  NULL, NULL, &error);
  g_autoptr(KassaPrintQueue) queue = queue_for (journal, "tcp:127.0.0.1:9",
                                                KASSA_ESCPOS_WIDTH_80MM);
  g_autoptr(GPtrArray) failed = NULL;
  KassaTestAsync w = { 0 };
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_no_error (error);
  kassa_print_queue_print_receipt_async (queue, invoice, NULL, kassa_test_async_done_cb, &w);
  result = kassa_test_async_wait (&w, 10);
  g_assert_false (kassa_print_queue_job_finish (queue, result, NULL, &error));
  g_assert_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_INVALID);
  g_clear_error (&error);
  /* No job: nothing in the journal. */
  assert_receipt_state (queue, kassa_invoice_get_number (invoice), KASSA_PRINT_STATE_NONE, NULL);

  /* Bad printer settings change nothing. */
  g_assert_false (kassa_print_queue_set_printer (queue, "lpt1", KASSA_ESCPOS_WIDTH_80MM, &error));
  g_assert_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_INVALID_URI);
  g_clear_error (&error);
  g_assert_false (kassa_print_queue_set_printer (queue, "tcp:127.0.0.1:9100", 500, &error));
  g_assert_error (error, KASSA_REPORT_ERROR, KASSA_REPORT_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpstr (kassa_print_queue_get_uri (queue), ==, "tcp:127.0.0.1:9");

  /* No printer set up: the job is journaled FAILED with why. */
  g_assert_true (kassa_print_queue_set_printer (queue, NULL, 0, &error));
  g_assert_null (kassa_print_queue_get_uri (queue));
  g_assert_false (run_job (queue, JOB_TEST_PAGE, NULL, NULL, &error));
  g_assert_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_INVALID_URI);
  g_assert_cmpstr (error->message, ==, "No receipt printer is set up");
  failed = kassa_journal_list_failed_receipts (journal, NULL, NULL);
  g_assert_cmpuint (failed->len, ==, 0);
}

/* ---- cups: through a real, private cupsd ---- */

static void
test_cups_receipt (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaTestCups) cups = kassa_test_cups_start ();
  g_autofree char *device = g_strdup_printf ("socket://127.0.0.1:%u",
                                             kassa_test_printer_get_port (stand_in));
  g_autoptr(KassaJournal) journal = open_journal ("cups.sqlite");
  g_autoptr(KassaInvoice) invoice = paid_invoice (journal, 42000);
  g_autoptr(KassaPrintQueue) queue = NULL;
  g_autoptr(GBytes) expected = kassa_test_escpos_receipt (invoice, &shop_info, KASSA_ESCPOS_WIDTH_80MM);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_ERROR;

  /* libcups reads CUPS_SERVER once per thread: every job runs in a new one. */
  g_setenv ("CUPS_SERVER", kassa_test_cups_get_server (cups), TRUE);
  kassa_test_cups_add_raw_queue (cups, "kassa-receipts", device);
  queue = queue_for (journal, "cups:kassa-receipts", KASSA_ESCPOS_WIDTH_80MM);

  g_assert_true (run_job (queue, JOB_RECEIPT, invoice, &status, &error));
  g_assert_no_error (error);
  /* A CUPS queue does not report the printer's status. */
  g_assert_cmpint (status, ==, KASSA_PRINTER_STATUS_UNKNOWN);
  got = wait_for_document (stand_in, expected, 1);
  /* Byte for byte: the queue is raw. */
  g_assert_cmpuint (g_bytes_get_size (got), ==, g_bytes_get_size (expected));
  g_assert_true (g_bytes_equal (got, expected));
  assert_receipt (got, KASSA_ESCPOS_WIDTH_80MM, kassa_invoice_get_number (invoice));
  assert_receipt_state (queue, kassa_invoice_get_number (invoice), KASSA_PRINT_STATE_PRINTED,
                        NULL);
  g_unsetenv ("CUPS_SERVER");
}

/* ---- a crash mid-job ---- */

static void
on_printing_kill_cb (KassaPrintQueue *queue,
                     int              kind,
                     const char      *number,
                     int              state,
                     const char      *error_text,
                     gpointer         user_data)
{
  if (state == KASSA_PRINT_STATE_PRINTING)
    raise (SIGKILL);
}

static void
test_crash_mid_job (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE, .status = "silent" };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaJournal) journal = open_journal ("crash.sqlite");
  g_autoptr(KassaInvoice) invoice = paid_invoice (journal, 3300);
  g_autofree char *number = g_strdup (kassa_invoice_get_number (invoice));
  g_autoptr(KassaPrintQueue) queue = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) failed = NULL;
  int status = 0;
  pid_t pid;

  g_clear_object (&invoice);
  g_clear_object (&journal);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      KassaJournal *child = kassa_journal_open (g_build_filename (g_get_user_data_dir (),
                                                                  "crash.sqlite", NULL), NULL);
      KassaInvoice *found = child != NULL ? kassa_journal_lookup (child, number, NULL) : NULL;
      KassaPrintQueue *child_queue;

      if (found == NULL)
        _exit (2);
      child_queue = kassa_print_queue_new (child);
      if (!kassa_print_queue_set_printer (child_queue, kassa_test_printer_get_tcp_uri (stand_in),
                                          KASSA_ESCPOS_WIDTH_80MM, NULL))
        _exit (3);
      /* Killed once the job is journaled, before its outcome is. */
      g_signal_connect (child_queue, "job-changed", G_CALLBACK (on_printing_kill_cb), NULL);
      kassa_print_queue_print_receipt_async (child_queue, found, NULL, NULL, NULL);
      _exit (4);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);

  journal = open_journal ("crash.sqlite");
  queue = kassa_print_queue_new (journal);
  assert_receipt_state (queue, number, KASSA_PRINT_STATE_FAILED, "Kassa stopped while printing");
  failed = kassa_journal_list_failed_receipts (journal, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (failed, 0), ==, number);
  invoice = kassa_journal_lookup (journal, number, &error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
}

/* Bytes @from … end of @all. */
static GBytes *
bytes_after (GBytes *all,
             gsize   from)
{
  return g_bytes_new_from_bytes (all, from, g_bytes_get_size (all) - from);
}

static gboolean
starts_with_status_request (GBytes *bytes)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  return size >= 3 && data[0] == 0x10 && data[1] == 0x04;
}

/* A printer that does not answer DLE EOT is asked once and waited for; its
 * next job starts with ESC @ at once (no status timeout before the first
 * byte), and it is asked after the job. Once it answers again (here: paper
 * out, read after a job), the next job asks before its first byte again and
 * nothing is sent. */
static void
test_silent_not_waited_for (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE, .status = "silent" };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaJournal) journal = open_journal ("silent.sqlite");
  g_autoptr(KassaInvoice) invoice = paid_invoice (journal, 4400);
  g_autoptr(KassaPrintQueue) queue = queue_for (journal, kassa_test_printer_get_tcp_uri (stand_in),
                                                KASSA_ESCPOS_WIDTH_58MM);
  g_autoptr(GBytes) expected = kassa_test_escpos_receipt (invoice, &shop_info, KASSA_ESCPOS_WIDTH_58MM);
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  g_autoptr(GBytes) second_job = NULL;
  g_autoptr(GBytes) third = NULL;
  g_autoptr(GBytes) after_fourth = NULL;
  g_autoptr(GError) error = NULL;
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_OK;
  const char *number = kassa_invoice_get_number (invoice);

  /* The first job: asked, unanswered, printed. */
  g_assert_true (run_job (queue, JOB_RECEIPT, invoice, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, KASSA_PRINTER_STATUS_UNKNOWN);
  first = wait_for_document (stand_in, expected, 1);
  g_assert_true (starts_with_status_request (first));

  /* The second: the document first. */
  g_assert_true (run_job (queue, JOB_RECEIPT, invoice, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, KASSA_PRINTER_STATUS_UNKNOWN);
  second = wait_for_document (stand_in, expected, 2);
  second_job = bytes_after (second, g_bytes_get_size (first));
  g_assert_false (starts_with_status_request (second_job));
  g_assert_cmpmem (g_bytes_get_data (second_job, NULL), g_bytes_get_size (expected),
                   g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));

  /* It answers again: paper out, read after the third job (the job fails:
   * the receipt may be cut short). */
  kassa_test_printer_set_status (stand_in, "paper-out");
  g_assert_false (run_job (queue, JOB_RECEIPT, invoice, &status, &error));
  g_assert_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_cmpint (status, ==, KASSA_PRINTER_STATUS_PAPER_OUT);
  third = wait_for_document (stand_in, expected, 3);

  /* The fourth asks first, and sends nothing of the receipt. */
  g_assert_false (run_job (queue, JOB_RECEIPT, invoice, &status, &error));
  g_assert_error (error, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_FAILED);
  g_assert_cmpint (status, ==, KASSA_PRINTER_STATUS_PAPER_OUT);
  after_fourth = kassa_test_printer_wait_bytes (stand_in, g_bytes_get_size (third));
  g_assert_cmpuint (count_occurrences (after_fourth, expected), ==, 3);
  assert_receipt_state (queue, number, KASSA_PRINT_STATE_FAILED, "paper");
}

int
main (int    argc,
      char **argv)
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/print-queue/tcp/receipt", test_tcp_receipt);
  g_test_add_func ("/print-queue/usb/receipt", test_usb_receipt);
  g_test_add_func ("/print-queue/tcp/off-then-reprint", test_off_then_reprint);
  g_test_add_func ("/print-queue/tcp/paper-out", test_paper_out);
  g_test_add_func ("/print-queue/tcp/close-after", test_close_after);
  g_test_add_func ("/print-queue/tcp/drawer", test_drawer);
  g_test_add_func ("/print-queue/not-paid", test_not_paid);
  g_test_add_func ("/print-queue/cups/receipt", test_cups_receipt);
  g_test_add_func ("/print-queue/crash-mid-job", test_crash_mid_job);
  g_test_add_func ("/print-queue/tcp/silent-not-waited-for", test_silent_not_waited_for);

  return g_test_run ();
}
