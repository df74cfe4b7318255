/* test-ctl-print.c — kassa-ctl and the receipt printer: receipt --printer, settle/report --slip, printer list|status|test|drawer
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real kassa-ctl binary as a process, against real parts: a journal
 * file, the receipt printer stand-in (tests/kassa-test-printer.c) as its own
 * process over TCP, file: URIs, and Debian's own cupsd (tests/kassa-test-cups.c).
 * What a printer received is decoded as a printer would (kassa-escpos-decode.h)
 * and the receipt's QR code read with zbarimg. The journal's `prints` table is
 * read back with SQLite. docs/kassa-ctl.md, docs/printing.md.
 */

#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "kassa-core.h"
#include "kassa-escpos-decode.h"
#include "kassa-test-ctl.h"
#include "kassa-test-cups.h"
#include "kassa-test-escpos.h"
#include "kassa-test-printer-util.h"
#include "kassa-test-util.h"

#define PIN "2468"

typedef struct
{
  char *tmpdir;
  char *journal;
  char *data_home;
  char *paid;      /* a PAID invoice's number */
  char *refunded;  /* a REFUNDED one's */
  char *waiting;   /* one AWAITING_PAYMENT */
} Fixture;

static KassaInvoice *
new_invoice (KassaJournal *journal,
             gint64        amount)
{
  g_autoptr(GError) error = NULL;
  KassaInvoice *invoice = kassa_journal_create_invoice (journal, KASSA_TEST_TERMINAL, amount,
                                                        KASSA_INVOICE_METHOD_QR, NULL, NULL,
                                                        &error);

  g_assert_no_error (error);
  g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_AWAITING_PAYMENT, "payload",
                                     NULL, NULL, &error));
  g_assert_no_error (error);
  return invoice;
}

static void
pay (KassaJournal *journal,
     KassaInvoice *invoice)
{
  g_autoptr(GError) error = NULL;
  KassaBankTransaction paid = { 0 };

  paid.paid = TRUE;
  paid.resp_code = (char *) "00";
  paid.approval_code = (char *) "A1B2C3";
  paid.card_number = (char *) "949625******0003";
  paid.amount = kassa_invoice_get_amount (invoice);
  g_assert_true (kassa_journal_move (journal, invoice, KASSA_INVOICE_PAID, NULL, &paid, NULL,
                                     &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaInvoice) paid = NULL;
  g_autoptr(KassaInvoice) refunded = NULL;
  g_autoptr(KassaInvoice) waiting = NULL;

  f->tmpdir = g_dir_make_tmp ("test-ctl-print-XXXXXX", &error);
  g_assert_no_error (error);
  f->journal = g_build_filename (f->tmpdir, "journal.sqlite", NULL);
  f->data_home = g_build_filename (f->tmpdir, "data", NULL);

  journal = kassa_journal_open (f->journal, &error);
  g_assert_no_error (error);
  paid = new_invoice (journal, 1500);
  pay (journal, paid);
  refunded = new_invoice (journal, 2500);
  pay (journal, refunded);
  g_assert_true (kassa_journal_move (journal, refunded, KASSA_INVOICE_REFUNDING, NULL, NULL, NULL,
                                     &error));
  g_assert_no_error (error);
  g_assert_true (kassa_journal_move (journal, refunded, KASSA_INVOICE_REFUNDED, NULL, NULL, NULL,
                                     &error));
  g_assert_no_error (error);
  waiting = new_invoice (journal, 3500);

  f->paid = g_strdup (kassa_invoice_get_number (paid));
  f->refunded = g_strdup (kassa_invoice_get_number (refunded));
  f->waiting = g_strdup (kassa_invoice_get_number (waiting));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  kassa_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_free (f->journal);
  g_free (f->data_home);
  g_free (f->paid);
  g_free (f->refunded);
  g_free (f->waiting);
}

/* kassa-ctl ARGS… (NULL-terminated) with the fixture's journal and data
 * home, @input on stdin, @env (may be NULL) added to its environment. */
static KassaTestCtl *
ctl_env (Fixture            *f,
         const char         *input,
         const char * const *env,
         ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  KassaTestCtlOptions options = {
    .journal = f->journal,
    .data_home = f->data_home,
    .input = input,
    .env = env,
    .limit_s = 120,
  };
  const char *arg;
  va_list ap;

  va_start (ap, env);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  return kassa_test_ctl_run (&options, (const char * const *) args->pdata);
}

#define ctl(f, ...) ctl_env ((f), NULL, NULL, __VA_ARGS__, NULL)

/* The journal's print log, oldest first: "kind state" per job, ";" between. */
static char *
print_log (const char *journal)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_cmpint (sqlite3_open_v2 (journal, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT kind, state FROM prints ORDER BY id", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%s%s %s", out->len > 0 ? ";" : "",
                            (const char *) sqlite3_column_text (stmt, 0),
                            (const char *) sqlite3_column_text (stmt, 1));
  sqlite3_finalize (stmt);
  sqlite3_close_v2 (db);

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The state and reason of the newest receipt job of @number, through the journal. */
static KassaPrintState
receipt_state (const char  *journal_path,
               const char  *number,
               char       **out_reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) journal = kassa_journal_open (journal_path, &error);
  KassaPrintState state = KASSA_PRINT_STATE_NONE;

  g_assert_no_error (error);
  g_assert_true (kassa_journal_get_receipt_print (journal, number, &state, out_reason, &error));
  g_assert_no_error (error);
  return state;
}

static KassaEscposDecoded *
decode_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  char *data = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &data, &length, &error));
  g_assert_no_error (error);
  bytes = g_bytes_new_take (data, length);
  return kassa_test_escpos_decode (bytes);
}

/* One whole document: ESC @ first, bands of @width, one cut, no text. */
static void
assert_document (KassaEscposDecoded *decoded,
                 guint               width)
{
  g_assert_cmpuint (decoded->width, ==, width);
  g_assert_cmpuint (decoded->height, >, 200);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_INIT), ==, 1);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_CUT), ==, 1);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_TEXT), ==, 0);
  g_assert_cmpint (g_array_index (decoded->commands, KassaEscposCommand, 0).op, ==,
                   KASSA_ESCPOS_OP_INIT);
}

/* The next "job" line of the stand-in that sent raster (or a pulse, @pulse). */
static char *
read_job_line (KassaTestPrinter *stand_in,
               const char       *key)
{
  char *line = NULL;

  do
    {
      g_free (line);
      line = kassa_test_printer_read_line (stand_in, "job ");
    }
  while (kassa_test_printer_job_count (line, key) == 0);

  return line;
}

/* The printer members every printing command adds. */
static void
assert_printed (JsonObject *object,
                const char *uri,
                const char *status)
{
  g_assert_cmpstr (json_object_get_string_member (object, "printer"), ==, uri);
  g_assert_true (json_object_get_boolean_member (object, "printed"));
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, status);
  g_assert_nonnull (json_object_get_string_member (object, "message"));
  g_assert_true (json_object_get_null_member (object, "error"));
}

/* Exit 1, one JSON object with "printed": false on stdout (returned, a new
 * reference), and the reason on stderr. */
static JsonObject *
assert_not_printed (KassaTestCtl *run,
                    const char   *reason)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  kassa_test_ctl_assert_exit (run, 1);
  g_assert_true (g_str_has_prefix (run->err, "kassa-ctl: "));
  g_assert_nonnull (strstr (run->err, reason));
  g_assert_true (json_parser_load_from_data (parser, run->out, -1, &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_false (json_object_get_boolean_member (object, "printed"));
  g_assert_nonnull (strstr (json_object_get_string_member (object, "error"), reason));
  return json_object_ref (object);
}

/* ---- receipt --printer ---- */

static void
test_receipt_file (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->tmpdir, "receipt.bin", NULL);
  g_autofree char *uri = g_strconcat ("file:", path, NULL);
  g_autofree char *log = NULL;
  g_autofree char *read = NULL;
  g_autoptr(KassaTestCtl) run = NULL;
  g_autoptr(KassaEscposDecoded) decoded = NULL;
  JsonObject *object;

  run = ctl (f, "receipt", f->paid, "--printer", uri, "--dots", "384");
  object = kassa_test_ctl_assert_json (run);
  g_assert_cmpstr (json_object_get_string_member (object, "invoice"), ==, f->paid);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "PAID");
  assert_printed (object, uri, "unknown");  /* a file says nothing about paper */

  decoded = decode_file (path);
  assert_document (decoded, 384);
  read = kassa_test_escpos_read_qr (decoded, "ctl-print", "receipt-384.png");
  g_assert_cmpstr (read, ==, f->paid);
  g_assert_cmpint (receipt_state (f->journal, f->paid, NULL), ==, KASSA_PRINT_STATE_PRINTED);

  /* A refunded invoice prints its refund receipt, at the default 80 mm. */
  g_clear_pointer (&decoded, kassa_escpos_decoded_free);
  g_clear_pointer (&read, g_free);
  g_clear_pointer (&run, kassa_test_ctl_free);
  run = ctl (f, "receipt", f->refunded, "--printer", uri);
  object = kassa_test_ctl_assert_json (run);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "REFUNDED");
  assert_printed (object, uri, "unknown");
  decoded = decode_file (path);
  assert_document (decoded, 576);
  read = kassa_test_escpos_read_qr (decoded, "ctl-print", "refund-576.png");
  g_assert_cmpstr (read, ==, f->refunded);
  g_assert_cmpint (receipt_state (f->journal, f->refunded, NULL), ==, KASSA_PRINT_STATE_PRINTED);

  log = print_log (f->journal);
  g_assert_cmpstr (log, ==, "receipt printed;receipt printed");
}

static void
test_receipt_tcp (Fixture       *f,
                  gconstpointer  data)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  const char *uri = kassa_test_printer_get_tcp_uri (stand_in);
  g_autoptr(KassaTestCtl) run = NULL;
  g_autoptr(KassaEscposDecoded) decoded = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autofree char *line = NULL;
  g_autofree char *log = NULL;
  g_autofree char *read = NULL;
  JsonObject *object;

  run = ctl (f, "receipt", f->paid, "--printer", uri);
  object = kassa_test_ctl_assert_json (run);
  assert_printed (object, uri, "ok");

  line = read_job_line (stand_in, "raster");
  g_assert_cmpuint (kassa_test_printer_job_count (line, "cut"), ==, 1);
  got = kassa_test_printer_wait_bytes (stand_in, 1);
  decoded = kassa_test_escpos_decode (got);
  /* The status requests before and after, and the receipt between. */
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_STATUS), >, 0);
  g_assert_cmpuint (decoded->width, ==, 576);
  g_assert_cmpuint (decoded->height, >, 200);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_INIT), ==, 1);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_CUT), ==, 1);
  read = kassa_test_escpos_read_qr (decoded, "ctl-print", "receipt-tcp.png");
  g_assert_cmpstr (read, ==, f->paid);

  log = print_log (f->journal);
  g_assert_cmpstr (log, ==, "receipt printed");
}

static void
test_receipt_paper_out (Fixture       *f,
                        gconstpointer  data)
{
  KassaTestPrinterOptions options = { .tcp = TRUE, .status = "paper-out" };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  const char *uri = kassa_test_printer_get_tcp_uri (stand_in);
  g_autoptr(KassaTestCtl) run = NULL;
  g_autofree char *line = NULL;
  g_autofree char *log = NULL;
  g_autofree char *reason = NULL;
  g_autoptr(JsonObject) object = NULL;

  run = ctl (f, "receipt", f->paid, "--printer", uri);
  object = assert_not_printed (run, "out of paper");
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "paper-out");
  g_assert_nonnull (strstr (run->err, f->paid));

  /* Only the status was asked: no image was sent. */
  line = kassa_test_printer_read_line (stand_in, "job ");
  g_assert_cmpuint (kassa_test_printer_job_count (line, "raster"), ==, 0);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "status"), >, 0);

  g_assert_cmpint (receipt_state (f->journal, f->paid, &reason), ==, KASSA_PRINT_STATE_FAILED);
  g_assert_nonnull (strstr (reason, "out of paper"));
  g_clear_pointer (&reason, g_free);

  /* Paper in: the reprint prints. */
  kassa_test_printer_set_status (stand_in, "ok");
  g_clear_pointer (&run, kassa_test_ctl_free);
  run = ctl (f, "receipt", f->paid, "--printer", uri);
  assert_printed (kassa_test_ctl_assert_json (run), uri, "ok");
  g_free (read_job_line (stand_in, "raster"));
  g_assert_cmpint (receipt_state (f->journal, f->paid, NULL), ==, KASSA_PRINT_STATE_PRINTED);

  log = print_log (f->journal);
  g_assert_cmpstr (log, ==, "receipt failed;receipt printed");
}

static void
test_receipt_refused (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *uri = kassa_test_printer_refused_uri ();
  g_autoptr(KassaTestCtl) run = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *log = NULL;

  run = ctl (f, "receipt", f->paid, "--printer", uri);
  json_object_unref (assert_not_printed (run, "refused"));
  g_assert_cmpint (receipt_state (f->journal, f->paid, &reason), ==, KASSA_PRINT_STATE_FAILED);
  g_assert_nonnull (strstr (reason, "refused"));

  /* A missing USB device: the job is started, and FAILED. */
  g_clear_pointer (&run, kassa_test_ctl_free);
  run = ctl (f, "receipt", f->paid, "--printer", "usb:/nonexistent/lp7");
  kassa_test_ctl_assert_exit (run, 1);
  g_assert_nonnull (strstr (run->err, "/nonexistent/lp7"));

  log = print_log (f->journal);
  g_assert_cmpstr (log, ==, "receipt failed;receipt failed");
}

/* Bad input: exit 2, nothing on stdout, the reason on stderr, nothing journaled. */
static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->tmpdir, "never.bin", NULL);
  g_autofree char *uri = g_strconcat ("file:", path, NULL);
  g_autofree char *pdf = g_build_filename (f->tmpdir, "receipt.pdf", NULL);
  g_autofree char *log = NULL;
  const struct
  {
    const char *args[8];
    const char *says;
  } cases[] = {
    { { "receipt", f->paid, "--printer", uri, "--dots", "100" }, "100" },
    { { "receipt", f->paid, "--printer", uri, "--dots", "385" }, "385" },
    { { "receipt", f->paid, "--printer", uri, "--dots", "abc" }, "abc" },
    { { "receipt", f->paid, "--printer", "lpt:1" }, "lpt:1" },
    { { "receipt", f->paid, "--printer", "tcp:" }, "tcp:" },
    { { "receipt", f->paid, "--pdf", pdf, "--dots", "384" }, "--dots" },
    { { "receipt", "K000000-000000-0001", "--printer", uri }, "K000000-000000-0001" },
    { { "receipt", f->waiting, "--printer", uri }, f->waiting },
    { { "receipt", f->paid }, "--printer" },
    { { "printer" }, "list" },
    { { "printer", "frob" }, "frob" },
    { { "printer", "test" }, "URI" },
    { { "printer", "list", uri }, "list" },
    { { "printer", "status", "lpt:1" }, "lpt:1" },
    { { "printer", "test", uri, "--dots", "4096" }, "4096" },
    { { "printer", "test", uri, "--pin", PIN }, "--pin" },
    { { "printer", "list", "--dots", "384" }, "--dots" },
    { { "printer", "drawer", uri, "--pin", PIN, "--dots", "384" }, "--dots" },
    { { "printer", "drawer", uri }, "PIN" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      KassaTestCtlOptions options = { .journal = f->journal, .data_home = f->data_home,
                                      .limit_s = 60 };
      g_autoptr(KassaTestCtl) run = NULL;

      for (guint a = 0; cases[i].args[a] != NULL; a++)
        g_ptr_array_add (args, (gpointer) cases[i].args[a]);
      g_ptr_array_add (args, NULL);
      run = kassa_test_ctl_run (&options, (const char * const *) args->pdata);
      kassa_test_ctl_assert_failed (run, 2);
      if (strstr (run->err, cases[i].says) == NULL)
        g_error ("%s: stderr does not name “%s”: %s", run->command, cases[i].says, run->err);
    }

  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (pdf, G_FILE_TEST_EXISTS));
  log = print_log (f->journal);
  g_assert_cmpstr (log, ==, "");
}

/* ---- settle --slip, report --slip ---- */

static void
test_settle_slip (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *journal = g_build_filename (f->tmpdir, "training.sqlite", NULL);
  g_autofree char *path = g_build_filename (f->tmpdir, "slip.bin", NULL);
  g_autofree char *uri = g_strconcat ("file:", path, NULL);
  g_autofree char *refused = kassa_test_printer_refused_uri ();
  g_autofree char *batch = NULL;
  g_autofree char *log = NULL;
  g_autoptr(KassaTestCtl) run = NULL;
  g_autoptr(KassaEscposDecoded) decoded = NULL;
  JsonObject *object, *slip;

  run = ctl (f, "--training", "sale", "--journal", journal, "1500", "--wait", "--autopay", "1",
             "--poll-ms", "100");
  kassa_test_ctl_assert_exit (run, 0);
  g_clear_pointer (&run, kassa_test_ctl_free);
  run = ctl_env (f, PIN "\n", NULL, "--training", "manager-pin", "--journal", journal, NULL);
  kassa_test_ctl_assert_exit (run, 0);
  g_clear_pointer (&run, kassa_test_ctl_free);

  /* A bad --slip is refused before the batch is closed. */
  run = ctl (f, "--training", "settle", "--journal", journal, "--pin", PIN, "--slip", "lpt:1");
  kassa_test_ctl_assert_failed (run, 2);
  g_clear_pointer (&run, kassa_test_ctl_free);

  run = ctl (f, "--training", "settle", "--journal", journal, "--pin", PIN, "--slip", uri,
             "--dots", "384");
  object = kassa_test_ctl_assert_json (run);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "SETTLED");
  g_assert_cmpint (json_object_get_int_member (object, "local_count"), ==, 1);
  batch = g_strdup (json_object_get_string_member (object, "settlement"));
  slip = json_object_get_object_member (object, "slip");
  assert_printed (slip, uri, "unknown");
  decoded = decode_file (path);
  assert_document (decoded, 384);

  /* The same slip again from the journal, on a printer that refuses: exit 1. */
  g_clear_pointer (&run, kassa_test_ctl_free);
  run = ctl (f, "--training", "report", batch, "--journal", journal, "--slip", refused);
  kassa_test_ctl_assert_exit (run, 1);
  g_assert_nonnull (strstr (run->err, "refused"));
  g_assert_nonnull (strstr (run->err, batch));

  /* A slip that fails does not undo the settlement: an empty batch closes,
   * says so, and exits 1. */
  g_clear_pointer (&run, kassa_test_ctl_free);
  run = ctl (f, "--training", "settle", "--journal", journal, "--pin", PIN, "--slip", refused);
  kassa_test_ctl_assert_exit (run, 1);
  g_assert_nonnull (strstr (run->out, "\"state\":\"SETTLED\""));
  g_assert_nonnull (strstr (run->out, "\"printed\":false"));
  g_assert_nonnull (strstr (run->err, "The settlement is recorded"));

  log = print_log (journal);
  g_assert_cmpstr (log, ==, "slip printed;slip failed;slip failed");
}

/* ---- printer list|status|test|drawer ---- */

static void
test_printer_status (Fixture       *f,
                     gconstpointer  data)
{
  KassaTestPrinterOptions options = { .tcp = TRUE, .status = "cover-open" };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  const char *uri = kassa_test_printer_get_tcp_uri (stand_in);
  g_autofree char *refused = kassa_test_printer_refused_uri ();
  g_autoptr(KassaTestCtl) run = NULL;
  g_autofree char *log = NULL;
  JsonObject *object;

  run = ctl (f, "printer", "status", uri, "--json");
  object = kassa_test_ctl_assert_json (run);
  g_assert_cmpstr (json_object_get_string_member (object, "printer"), ==, uri);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "cover-open");
  g_assert_nonnull (strstr (json_object_get_string_member (object, "message"), "cover"));

  kassa_test_printer_set_status (stand_in, "paper-out");
  g_clear_pointer (&run, kassa_test_ctl_free);
  run = ctl (f, "printer", "status", uri);
  kassa_test_ctl_assert_exit (run, 0);
  g_assert_true (g_str_has_prefix (run->out, uri));
  g_assert_nonnull (strstr (run->out, "out of paper"));

  g_clear_pointer (&run, kassa_test_ctl_free);
  run = ctl (f, "printer", "status", refused);
  kassa_test_ctl_assert_failed (run, 1);
  g_assert_nonnull (strstr (run->err, "refused"));

  /* Asking is no job. */
  log = print_log (f->journal);
  g_assert_cmpstr (log, ==, "");
}

static void
test_printer_test_page (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->tmpdir, "test-page.bin", NULL);
  g_autofree char *uri = g_strconcat ("file:", path, NULL);
  g_autoptr(KassaTestCtl) run = NULL;
  g_autoptr(KassaEscposDecoded) decoded = NULL;
  g_autofree char *log = NULL;

  run = ctl (f, "printer", "test", uri, "--dots", "384", "--json");
  assert_printed (kassa_test_ctl_assert_json (run), uri, "unknown");
  decoded = decode_file (path);
  assert_document (decoded, 384);

  log = print_log (f->journal);
  g_assert_cmpstr (log, ==, "test-page printed");
}

static void
test_printer_drawer (Fixture       *f,
                     gconstpointer  data)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  const char *uri = kassa_test_printer_get_tcp_uri (stand_in);
  g_autoptr(KassaTestCtl) run = NULL;
  g_autoptr(KassaEscposDecoded) decoded = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autofree char *line = NULL;
  g_autofree char *log = NULL;
  JsonArray *audit;
  guint n;

  /* No PIN set yet: not authorised, nothing sent. */
  run = ctl (f, "printer", "drawer", uri, "--pin", PIN);
  kassa_test_ctl_assert_failed (run, 9);
  g_clear_pointer (&run, kassa_test_ctl_free);
  run = ctl_env (f, PIN "\n", NULL, "manager-pin", NULL);
  kassa_test_ctl_assert_exit (run, 0);
  g_clear_pointer (&run, kassa_test_ctl_free);
  run = ctl (f, "printer", "drawer", uri, "--pin", "1357");
  kassa_test_ctl_assert_failed (run, 9);
  g_clear_pointer (&run, kassa_test_ctl_free);
  log = print_log (f->journal);
  g_assert_cmpstr (log, ==, "");
  g_clear_pointer (&log, g_free);

  /* The right PIN, from stdin: the pulse. */
  run = ctl_env (f, PIN "\n", NULL, "printer", "drawer", uri, "--pin", "-", NULL);
  kassa_test_ctl_assert_exit (run, 0);
  g_assert_nonnull (strstr (run->out, "opened"));
  line = read_job_line (stand_in, "pulse");
  g_assert_cmpuint (kassa_test_printer_job_count (line, "pulse"), ==, 1);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "raster"), ==, 0);
  got = kassa_test_printer_wait_bytes (stand_in, 1);
  decoded = kassa_test_escpos_decode (got);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_PULSE), ==, 1);
  g_assert_cmpuint (kassa_escpos_decoded_count (decoded, KASSA_ESCPOS_OP_RASTER), ==, 0);
  for (guint i = 0; i < decoded->commands->len; i++)
    {
      KassaEscposCommand *command = &g_array_index (decoded->commands, KassaEscposCommand, i);

      if (command->op == KASSA_ESCPOS_OP_PULSE)
        g_assert_cmpstr (command->name, ==, "ESC p");
    }

  log = print_log (f->journal);
  g_assert_cmpstr (log, ==, "drawer printed");

  /* Audited as the GUI's Open Drawer: refused, then authorised and opened. */
  g_clear_pointer (&run, kassa_test_ctl_free);
  run = ctl (f, "audit", "list", "--json");
  kassa_test_ctl_assert_exit (run, 0);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) error = NULL;
    JsonObject *authorised, *opened;

    g_assert_true (json_parser_load_from_data (parser, run->out, -1, &error));
    audit = json_node_get_array (json_parser_get_root (parser));
    n = json_array_get_length (audit);
    g_assert_cmpuint (n, >=, 3);
    authorised = json_array_get_object_element (audit, n - 2);
    opened = json_array_get_object_element (audit, n - 1);
    g_assert_cmpstr (json_object_get_string_member (authorised, "action"), ==, "open-drawer");
    g_assert_cmpstr (json_object_get_string_member (authorised, "result"), ==, "authorised");
    g_assert_cmpstr (json_object_get_string_member (opened, "action"), ==, "open-drawer");
    g_assert_cmpstr (json_object_get_string_member (opened, "result"), ==, "opened");
    g_assert_cmpstr (json_object_get_string_member (opened, "subject"), ==, uri);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (audit, n - 3),
                                                    "result"), ==, "wrong-pin");
  }
}

/* A private cupsd with a raw queue whose device is the stand-in: list names
 * it, and a receipt printed through it arrives. */
static void
test_printer_cups (Fixture       *f,
                   gconstpointer  data)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaTestCups) cups = kassa_test_cups_start ();
  g_autofree char *device = g_strdup_printf ("socket://127.0.0.1:%u",
                                             kassa_test_printer_get_port (stand_in));
  g_autofree char *server = g_strconcat ("CUPS_SERVER=", kassa_test_cups_get_server (cups),
                                         NULL);
  const char *env[] = { server, NULL };
  g_autoptr(KassaTestCtl) run = NULL;
  g_autofree char *line = NULL;
  g_autofree char *log = NULL;
  JsonObject *object;
  JsonArray *printers;
  gboolean listed = FALSE;

  kassa_test_cups_add_raw_queue (cups, "kassa-ctl-test", device);

  run = ctl_env (f, NULL, env, "printer", "list", "--json", NULL);
  object = kassa_test_ctl_assert_json (run);
  printers = json_object_get_array_member (object, "printers");
  for (guint i = 0; i < json_array_get_length (printers); i++)
    {
      JsonObject *choice = json_array_get_object_element (printers, i);

      if (g_strcmp0 (json_object_get_string_member (choice, "uri"), "cups:kassa-ctl-test") == 0)
        listed = TRUE;
    }
  g_assert_true (listed);
  g_clear_pointer (&run, kassa_test_ctl_free);
  run = ctl_env (f, NULL, env, "printer", "list", NULL);
  kassa_test_ctl_assert_exit (run, 0);
  g_assert_nonnull (strstr (run->out, "cups:kassa-ctl-test\t"));

  g_clear_pointer (&run, kassa_test_ctl_free);
  run = ctl_env (f, NULL, env, "receipt", f->paid, "--printer", "cups:kassa-ctl-test", NULL);
  assert_printed (kassa_test_ctl_assert_json (run), "cups:kassa-ctl-test", "unknown");
  line = read_job_line (stand_in, "raster");
  g_assert_cmpuint (kassa_test_printer_job_count (line, "cut"), ==, 1);

  log = print_log (f->journal);
  g_assert_cmpstr (log, ==, "receipt printed");
}

int
main (int    argc,
      char **argv)
{
  kassa_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/ctl-print/receipt/file", test_receipt_file);
  ADD ("/ctl-print/receipt/tcp", test_receipt_tcp);
  ADD ("/ctl-print/receipt/paper-out", test_receipt_paper_out);
  ADD ("/ctl-print/receipt/refused", test_receipt_refused);
  ADD ("/ctl-print/bad-input", test_bad_input);
  ADD ("/ctl-print/settle-slip", test_settle_slip);
  ADD ("/ctl-print/printer/status", test_printer_status);
  ADD ("/ctl-print/printer/test-page", test_printer_test_page);
  ADD ("/ctl-print/printer/drawer", test_printer_drawer);
  ADD ("/ctl-print/printer/cups", test_printer_cups);
#undef ADD

  return g_test_run ();
}
