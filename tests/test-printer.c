/* test-printer.c — KassaPrinter: URIs, raw jobs and status over usb:, tcp:, cups:, file:
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Against real parts: the receipt printer stand-in (tests/kassa-test-printer.c)
 * as its own process on a loopback TCP port and on a pty that stands in for
 * /dev/usb/lp0, and Debian's own cupsd with a private configuration
 * (tests/kassa-test-cups.c) whose raw queue sends to the stand-in's socket.
 * What arrives is compared byte for byte with what was sent.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <grp.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <glib/gstdio.h>
#include <libintl.h>

#include "kassa-printer-private.h"
#include "kassa-test-cups.h"
#include "kassa-test-printer-util.h"
#include "kassa-test-util.h"

/* ---- helpers ---- */

static void
assert_printer_error (const GError      *error,
                      KassaPrinterError  code,
                      const char        *mentions)
{
  g_assert_error (error, KASSA_PRINTER_ERROR, (gint) code);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_cmpuint (strlen (error->message), >, 10);
  if (mentions != NULL && strstr (error->message, mentions) == NULL)
    g_error ("“%s” does not mention “%s”", error->message, mentions);
}

static KassaPrinter *
printer_for (const char *uri)
{
  g_autoptr(GError) error = NULL;
  KassaPrinter *printer = kassa_printer_new_for_uri (uri, &error);

  g_assert_no_error (error);
  g_assert_nonnull (printer);
  /* Short status and connect waits: the silent and unreachable cases wait them out. */
  kassa_printer_set_timeouts (printer, 2000, 10000, 300);
  return printer;
}

/* An ESC/POS job as the raster encoder writes one: ESC @, a GS v 0 image whose
 * data holds DLE EOT 1 byte patterns (image bytes, not requests), a feed, a cut. */
static GBytes *
make_raster_job (guint width_bytes,
                 guint rows)
{
  GByteArray *job = g_byte_array_new ();
  const guint8 init[] = { 0x1b, 0x40 };
  const guint8 header[] = { 0x1d, 0x76, 0x30, 0x00, width_bytes & 0xff, width_bytes >> 8,
                            rows & 0xff, rows >> 8 };
  const guint8 tail[] = { 0x1b, 0x64, 0x03, 0x1d, 0x56, 0x42, 0x00 };

  g_byte_array_append (job, init, sizeof init);
  g_byte_array_append (job, header, sizeof header);
  for (guint i = 0; i < width_bytes * rows; i++)
    {
      static const guint8 pattern[] = { 0x10, 0x04, 0x01, 0xff, 0x10, 0x04, 0x04, 0x55 };
      g_byte_array_append (job, &pattern[i % sizeof pattern], 1);
    }
  g_byte_array_append (job, (const guint8 *) "\n", 1);
  g_byte_array_append (job, tail, sizeof tail);
  return g_byte_array_free_to_bytes (job);
}

static GBytes *
make_noise (gsize size)
{
  guint8 *data = g_malloc (size);
  guint32 x = 2463534242u;

  for (gsize i = 0; i < size; i++)
    {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      data[i] = (guint8) x;
    }
  return g_bytes_new_take (data, size);
}

static void
assert_bytes_equal (GBytes *got,
                    GBytes *expected)
{
  g_assert_cmpuint (g_bytes_get_size (got), ==, g_bytes_get_size (expected));
  g_assert_true (g_bytes_equal (got, expected));
}

static KassaPrinterStatus
query_status (KassaPrinter *printer)
{
  g_autoptr(GError) error = NULL;
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_OK;

  g_assert_true (kassa_printer_query_status (printer, &status, NULL, &error));
  g_assert_no_error (error);
  return status;
}

/* ---- URIs ---- */

static void
test_uri_good (void)
{
  static const struct
  {
    const char *uri;
    KassaPrinterKind kind;
    const char *target;
    guint16 port;
  } cases[] = {
    { "usb:/dev/usb/lp0", KASSA_PRINTER_KIND_USB, "/dev/usb/lp0", 0 },
    { "tcp:192.168.1.50", KASSA_PRINTER_KIND_TCP, "192.168.1.50", 9100 },
    { "tcp:192.168.1.50:9101", KASSA_PRINTER_KIND_TCP, "192.168.1.50", 9101 },
    { "tcp:printer.shop.lan:9100", KASSA_PRINTER_KIND_TCP, "printer.shop.lan", 9100 },
    { "tcp:[::1]:9100", KASSA_PRINTER_KIND_TCP, "::1", 9100 },
    { "tcp:[fe80::1]", KASSA_PRINTER_KIND_TCP, "fe80::1", 9100 },
    { "cups:POS-58", KASSA_PRINTER_KIND_CUPS, "POS-58", 0 },
    { "cups:Кассын_принтер", KASSA_PRINTER_KIND_CUPS, "Кассын_принтер", 0 },
    { "file:/tmp/receipt.bin", KASSA_PRINTER_KIND_FILE, "/tmp/receipt.bin", 0 },
    { "file:receipt.bin", KASSA_PRINTER_KIND_FILE, "receipt.bin", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KassaPrinter) printer = kassa_printer_new_for_uri (cases[i].uri, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (kassa_printer_get_uri (printer), ==, cases[i].uri);
      g_assert_cmpint (kassa_printer_get_kind (printer), ==, cases[i].kind);
      g_assert_cmpstr (kassa_printer_get_target (printer), ==, cases[i].target);
      g_assert_cmpuint (kassa_printer_get_port (printer), ==, cases[i].port);
    }
}

static void
test_uri_bad (void)
{
  static const char * const bad[] = {
    "", "lp0", "/dev/usb/lp0", "usb:", "usb:lp0", "usb:/dev/usb/lp0\n", "USB:/dev/usb/lp0",
    "tcp:", "tcp::9100", "tcp:host:", "tcp:host:0", "tcp:host:65536", "tcp:host:+80",
    "tcp:host:9100x", "tcp:ho st", "tcp:-host", "tcp:::1", "tcp:[::1", "tcp:[host]:9100",
    "tcp:[::1]9100", "cups:", "cups:a/b", "cups:a b", "cups:a#b", "http://printer:9100",
    "socket://printer", "file:", "file:/tmp/a\tb",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(KassaPrinter) printer = kassa_printer_new_for_uri (bad[i], &error);

      if (printer != NULL)
        g_error ("“%s” was taken for a printer", bad[i]);
      assert_printer_error (error, KASSA_PRINTER_ERROR_INVALID_URI, NULL);
      if (bad[i][0] != '\0' && strchr (bad[i], '\n') == NULL && strchr (bad[i], '\t') == NULL)
        g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

/* ---- status bytes ---- */

static void
test_status_parse (void)
{
  static const struct
  {
    guint n;
    guint8 byte;
    gboolean ok;
    KassaPrinterStatus status;
  } cases[] = {
    { 1, 0x12, TRUE, KASSA_PRINTER_STATUS_OK },
    { 1, 0x16, TRUE, KASSA_PRINTER_STATUS_OK },          /* drawer pin 3 high */
    { 1, 0x1a, TRUE, KASSA_PRINTER_STATUS_OFFLINE },
    { 2, 0x12, TRUE, KASSA_PRINTER_STATUS_OK },
    { 2, 0x16, TRUE, KASSA_PRINTER_STATUS_COVER_OPEN },
    { 2, 0x32, TRUE, KASSA_PRINTER_STATUS_PAPER_OUT },
    { 2, 0x52, TRUE, KASSA_PRINTER_STATUS_ERROR },
    { 2, 0x1a, TRUE, KASSA_PRINTER_STATUS_OK },          /* feeding with the button */
    { 3, 0x12, TRUE, KASSA_PRINTER_STATUS_OK },
    { 3, 0x1a, TRUE, KASSA_PRINTER_STATUS_ERROR },       /* autocutter */
    { 3, 0x32, TRUE, KASSA_PRINTER_STATUS_ERROR },       /* unrecoverable */
    { 3, 0x52, TRUE, KASSA_PRINTER_STATUS_ERROR },       /* head temperature */
    { 4, 0x12, TRUE, KASSA_PRINTER_STATUS_OK },
    { 4, 0x1e, TRUE, KASSA_PRINTER_STATUS_PAPER_NEAR_END },
    { 4, 0x16, TRUE, KASSA_PRINTER_STATUS_PAPER_NEAR_END },
    { 4, 0x72, TRUE, KASSA_PRINTER_STATUS_PAPER_OUT },
    { 4, 0x7e, TRUE, KASSA_PRINTER_STATUS_PAPER_OUT },
    /* Not status bytes: a fixed bit is wrong. */
    { 1, 0x00, FALSE, KASSA_PRINTER_STATUS_UNKNOWN },
    { 1, 0xff, FALSE, KASSA_PRINTER_STATUS_UNKNOWN },
    { 1, 0x13, FALSE, KASSA_PRINTER_STATUS_UNKNOWN },    /* bit 0 */
    { 1, 0x10, FALSE, KASSA_PRINTER_STATUS_UNKNOWN },    /* bit 1 */
    { 1, 0x02, FALSE, KASSA_PRINTER_STATUS_UNKNOWN },    /* bit 4 */
    { 4, 0x92, FALSE, KASSA_PRINTER_STATUS_UNKNOWN },    /* bit 7 */
    /* Not requests. */
    { 0, 0x12, FALSE, KASSA_PRINTER_STATUS_UNKNOWN },
    { 5, 0x12, FALSE, KASSA_PRINTER_STATUS_UNKNOWN },
    { 49, 0x12, FALSE, KASSA_PRINTER_STATUS_UNKNOWN },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      KassaPrinterStatus status = KASSA_PRINTER_STATUS_OK;

      g_test_message ("DLE EOT %u -> 0x%02x", cases[i].n, cases[i].byte);
      g_assert_cmpint (kassa_printer_status_parse (cases[i].n, cases[i].byte, &status), ==,
                       cases[i].ok);
      g_assert_cmpint (status, ==, cases[i].status);
    }
}

static void
test_status_words (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (KassaPrinterStatus s = KASSA_PRINTER_STATUS_UNKNOWN; s <= KASSA_PRINTER_STATUS_OFFLINE; s++)
    {
      const char *line = kassa_printer_status_describe (s);
      KassaPrinterStatus back = KASSA_PRINTER_STATUS_UNKNOWN;

      g_assert_true (g_utf8_validate (line, -1, NULL));
      g_assert_cmpuint (strlen (line), >, 10);
      g_assert_false (g_hash_table_contains (seen, line));
      g_hash_table_add (seen, (gpointer) line);
      g_assert_true (kassa_printer_status_from_string (kassa_printer_status_to_string (s), &back));
      g_assert_cmpint (back, ==, s);
      /* Any reading outranks UNKNOWN; a reading never loses to OK. */
      g_assert_cmpint (kassa_printer_status_worst (KASSA_PRINTER_STATUS_UNKNOWN, s), ==, s);
      if (s != KASSA_PRINTER_STATUS_UNKNOWN)
        g_assert_cmpint (kassa_printer_status_worst (s, KASSA_PRINTER_STATUS_OK), ==, s);
    }
  g_assert_cmpint (kassa_printer_status_worst (KASSA_PRINTER_STATUS_OFFLINE,
                                               KASSA_PRINTER_STATUS_PAPER_OUT), ==,
                   KASSA_PRINTER_STATUS_PAPER_OUT);
  g_assert_cmpint (kassa_printer_status_worst (KASSA_PRINTER_STATUS_PAPER_OUT,
                                               KASSA_PRINTER_STATUS_COVER_OPEN), ==,
                   KASSA_PRINTER_STATUS_COVER_OPEN);
  g_assert_cmpint (kassa_printer_status_worst (KASSA_PRINTER_STATUS_PAPER_NEAR_END,
                                               KASSA_PRINTER_STATUS_OFFLINE), ==,
                   KASSA_PRINTER_STATUS_OFFLINE);
  g_assert_false (kassa_printer_status_from_string ("paper", &(KassaPrinterStatus) { 0 }));
}

/* ---- file: ---- */

static void
test_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kassa-printer-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "receipt.bin", NULL);
  g_autofree char *uri = g_strconcat ("file:", path, NULL);
  g_autofree char *missing = g_strconcat ("file:", dir, "/no/such/dir/receipt.bin", NULL);
  g_autoptr(KassaPrinter) printer = printer_for (uri);
  g_autoptr(KassaPrinter) nowhere = printer_for (missing);
  g_autoptr(GBytes) job = make_raster_job (48, 100);
  g_autoptr(GBytes) second = make_noise (1000);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_OK;

  g_assert_true (kassa_printer_print_bytes (printer, job, "test", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, g_bytes_get_data (job, NULL), g_bytes_get_size (job));
  g_clear_pointer (&contents, g_free);

  /* Each job is the whole file. */
  g_assert_true (kassa_printer_print_bytes (printer, second, "test", NULL, &error));
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, g_bytes_get_data (second, NULL), 1000);

  /* A file has no status to tell. */
  g_assert_true (kassa_printer_query_status (printer, &status, NULL, &error));
  g_assert_cmpint (status, ==, KASSA_PRINTER_STATUS_UNKNOWN);

  g_assert_false (kassa_printer_print_bytes (nowhere, job, "test", NULL, &error));
  assert_printer_error (error, KASSA_PRINTER_ERROR_NOT_FOUND, "receipt.bin");

  g_unlink (path);
  g_rmdir (dir);
}

/* ---- tcp: ---- */

static void
test_tcp_print (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaPrinter) printer = printer_for (kassa_test_printer_get_tcp_uri (stand_in));
  g_autoptr(GBytes) job = make_raster_job (72, 2000);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_assert_true (kassa_printer_print_bytes (printer, job, "receipt", NULL, &error));
  g_assert_no_error (error);
  line = kassa_test_printer_read_line (stand_in, "job ");
  got = kassa_test_printer_wait_bytes (stand_in, g_bytes_get_size (job));
  assert_bytes_equal (got, job);

  /* The stand-in read it as the printer would: the image bytes 10 04 01 were
   * image data, not status requests. */
  g_assert_cmpuint (kassa_test_printer_job_count (line, "init"), ==, 1);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "raster"), ==, 1);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "cut"), ==, 1);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "status"), ==, 0);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "unknown"), ==, 0);
}

/* A status request after an image in the same stream is one, and only it. */
static void
test_tcp_status_in_stream (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaPrinter) printer = printer_for (kassa_test_printer_get_tcp_uri (stand_in));
  g_autoptr(GBytes) image = make_raster_job (48, 64);
  g_autoptr(GOutputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const guint8 request[] = { 0x10, 0x04, 0x01, 0x1b, 0x99 };

  stream = kassa_printer_open (printer, "status", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_bytes (stream, image, NULL, &error) > 0);
  g_assert_true (g_output_stream_write_all (stream, request, sizeof request, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (stream, NULL, &error));
  g_assert_no_error (error);

  line = kassa_test_printer_read_line (stand_in, "job ");
  g_assert_cmpuint (kassa_test_printer_job_count (line, "status"), ==, 1);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "raster"), ==, 1);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "unknown"), ==, 2);  /* ESC 0x99 */
}

static void
test_tcp_refused (void)
{
  g_autofree char *uri = kassa_test_printer_refused_uri ();
  g_autoptr(KassaPrinter) printer = NULL;
  g_autoptr(GBytes) job = make_noise (100);
  g_autoptr(GError) error = NULL;
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_OK;

  printer = printer_for (uri);

  g_assert_false (kassa_printer_print_bytes (printer, job, "receipt", NULL, &error));
  assert_printer_error (error, KASSA_PRINTER_ERROR_REFUSED, uri + 4);
  g_clear_error (&error);

  /* Unreachable is an error for the status too, not UNKNOWN. */
  g_assert_false (kassa_printer_query_status (printer, &status, NULL, &error));
  assert_printer_error (error, KASSA_PRINTER_ERROR_REFUSED, NULL);
  g_assert_cmpint (status, ==, KASSA_PRINTER_STATUS_UNKNOWN);
}

/* A listener that never accepts, its backlog full: the kernel drops further
 * SYNs, so a connect hangs as it does to a printer that is switched off. */
static void
test_tcp_connect_timeout (void)
{
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  int listener = socket (AF_INET, SOCK_STREAM, 0);
  int fillers[16];
  guint n_fillers = 0;
  gboolean full = FALSE;
  g_autofree char *uri = NULL;
  g_autoptr(KassaPrinter) printer = NULL;
  g_autoptr(GBytes) job = make_noise (100);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (bind (listener, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (listener, 0), ==, 0);
  g_assert_cmpint (getsockname (listener, (struct sockaddr *) &addr, &len), ==, 0);

  while (!full && n_fillers < G_N_ELEMENTS (fillers))
    {
      int fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      struct pollfd pfd = { fd, POLLOUT, 0 };

      fillers[n_fillers++] = fd;
      if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
        g_assert_cmpint (errno, ==, EINPROGRESS);
      full = poll (&pfd, 1, 500) == 0;
    }
  g_assert_true (full);

  uri = g_strdup_printf ("tcp:127.0.0.1:%u", ntohs (addr.sin_port));
  printer = printer_for (uri);
  kassa_printer_set_timeouts (printer, 300, 1000, 300);
  g_assert_false (kassa_printer_print_bytes (printer, job, "receipt", NULL, &error));
  assert_printer_error (error, KASSA_PRINTER_ERROR_TIMEOUT, uri + 4);

  for (guint i = 0; i < n_fillers; i++)
    close (fillers[i]);
  close (listener);
}

static void
test_tcp_disconnected (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE, .close_after = 4096 };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaPrinter) printer = printer_for (kassa_test_printer_get_tcp_uri (stand_in));
  g_autoptr(GBytes) job = make_noise (16 * 1024 * 1024);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_assert_false (kassa_printer_print_bytes (printer, job, "receipt", NULL, &error));
  assert_printer_error (error, KASSA_PRINTER_ERROR_DISCONNECTED,
                        kassa_test_printer_get_tcp_uri (stand_in) + 4);
  line = kassa_test_printer_read_line (stand_in, "dropped");
  got = kassa_test_printer_wait_bytes (stand_in, 4096);
  g_assert_cmpuint (g_bytes_get_size (got), ==, 4096);
}

/* Through the stream: once a write failed the job is over, and every later
 * write says why, as the first did. */
static void
test_tcp_disconnected_stream (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE, .close_after = 100 };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaPrinter) printer = printer_for (kassa_test_printer_get_tcp_uri (stand_in));
  g_autoptr(GBytes) chunk = make_noise (64 * 1024);
  g_autoptr(GOutputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;
  g_autofree char *line = NULL;
  guint writes = 0;

  stream = kassa_printer_open (printer, "receipt", NULL, &error);
  g_assert_no_error (error);
  while (g_output_stream_write_all (stream, g_bytes_get_data (chunk, NULL),
                                    g_bytes_get_size (chunk), NULL, NULL, &error))
    g_assert_cmpuint (++writes, <, 1000);
  assert_printer_error (error, KASSA_PRINTER_ERROR_DISCONNECTED, NULL);
  g_assert_false (g_output_stream_write_all (stream, "x", 1, NULL, NULL, &again));
  g_assert_error (again, KASSA_PRINTER_ERROR, KASSA_PRINTER_ERROR_DISCONNECTED);
  g_assert_cmpstr (again->message, ==, error->message);
  g_output_stream_close (stream, NULL, NULL);
  line = kassa_test_printer_read_line (stand_in, "dropped");
}

static void
check_states (KassaTestPrinter *stand_in,
              KassaPrinter     *printer)
{
  static const struct
  {
    const char *state;
    KassaPrinterStatus status;
  } states[] = {
    { "ok", KASSA_PRINTER_STATUS_OK },
    { "paper-out", KASSA_PRINTER_STATUS_PAPER_OUT },
    { "near-end", KASSA_PRINTER_STATUS_PAPER_NEAR_END },
    { "cover-open", KASSA_PRINTER_STATUS_COVER_OPEN },
    { "error", KASSA_PRINTER_STATUS_ERROR },
    { "offline", KASSA_PRINTER_STATUS_OFFLINE },
    { "silent", KASSA_PRINTER_STATUS_UNKNOWN },
    { "ok", KASSA_PRINTER_STATUS_OK },
  };

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      g_test_message ("%s: %s", kassa_printer_get_uri (printer), states[i].state);
      kassa_test_printer_set_status (stand_in, states[i].state);
      g_assert_cmpint (query_status (printer), ==, states[i].status);
    }
}

static void
test_tcp_status (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaPrinter) printer = printer_for (kassa_test_printer_get_tcp_uri (stand_in));

  check_states (stand_in, printer);
}

/* ---- usb: (a pty standing in for /dev/usb/lp0) ---- */

static void
test_usb_print (void)
{
  KassaTestPrinterOptions options = { .pty = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaPrinter) printer = printer_for (kassa_test_printer_get_usb_uri (stand_in));
  g_autoptr(GBytes) job = make_raster_job (72, 1000);
  g_autoptr(GBytes) second = make_noise (100 * 1000);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GByteArray) both = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (kassa_printer_print_bytes (printer, job, "receipt", NULL, &error));
  g_assert_no_error (error);
  got = kassa_test_printer_wait_bytes (stand_in, g_bytes_get_size (job));
  assert_bytes_equal (got, job);
  g_clear_pointer (&got, g_bytes_unref);

  /* The device stays usable for the next job. */
  g_assert_true (kassa_printer_print_bytes (printer, second, "receipt", NULL, &error));
  g_byte_array_append (both, g_bytes_get_data (job, NULL), g_bytes_get_size (job));
  g_byte_array_append (both, g_bytes_get_data (second, NULL), g_bytes_get_size (second));
  got = kassa_test_printer_wait_bytes (stand_in, both->len);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), both->data, both->len);
}

static void
test_usb_status (void)
{
  KassaTestPrinterOptions options = { .pty = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaPrinter) printer = printer_for (kassa_test_printer_get_usb_uri (stand_in));

  check_states (stand_in, printer);
}

static void
test_usb_disconnected (void)
{
  KassaTestPrinterOptions options = { .pty = TRUE, .close_after = 2000 };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaPrinter) printer = printer_for (kassa_test_printer_get_usb_uri (stand_in));
  g_autoptr(GBytes) job = make_noise (1024 * 1024);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_assert_false (kassa_printer_print_bytes (printer, job, "receipt", NULL, &error));
  assert_printer_error (error, KASSA_PRINTER_ERROR_DISCONNECTED, "lp0");
  line = kassa_test_printer_read_line (stand_in, "dropped");
}

static void
test_usb_not_found (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kassa-printer-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "lp0", NULL);
  g_autofree char *missing_uri = g_strconcat ("usb:", dir, "/lp9", NULL);
  g_autofree char *dir_uri = g_strconcat ("usb:", dir, NULL);
  g_autofree char *file_uri = g_strconcat ("usb:", file, NULL);
  const char *uris[] = { missing_uri, dir_uri, file_uri };
  g_autoptr(GBytes) job = make_noise (10);

  g_assert_true (g_file_set_contents (file, "not a device", -1, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (uris); i++)
    {
      g_autoptr(KassaPrinter) printer = printer_for (uris[i]);
      g_autoptr(GError) error = NULL;
      KassaPrinterStatus status = KASSA_PRINTER_STATUS_OK;

      g_assert_false (kassa_printer_print_bytes (printer, job, "receipt", NULL, &error));
      assert_printer_error (error, KASSA_PRINTER_ERROR_NOT_FOUND, uris[i] + 4);
      g_clear_error (&error);
      g_assert_false (kassa_printer_query_status (printer, &status, NULL, &error));
      assert_printer_error (error, KASSA_PRINTER_ERROR_NOT_FOUND, uris[i] + 4);
    }
  /* Nothing was written into the regular file. */
  {
    g_autofree char *contents = NULL;
    g_assert_true (g_file_get_contents (file, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "not a device");
  }
  g_unlink (file);
  g_rmdir (dir);
}

/* ---- async, cancel, discovery ---- */

static void
test_async (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE, .status = "near-end" };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaPrinter) printer = printer_for (kassa_test_printer_get_tcp_uri (stand_in));
  g_autoptr(GBytes) job = make_raster_job (48, 300);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  KassaTestAsync printed = { 0 };
  KassaTestAsync asked = { 0 };
  g_autoptr(GAsyncResult) result = NULL;
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_UNKNOWN;

  kassa_printer_print_bytes_async (printer, job, "receipt", NULL, kassa_test_async_done_cb,
                                   &printed);
  result = kassa_test_async_wait (&printed, 60);
  g_assert_true (kassa_printer_print_bytes_finish (printer, result, &error));
  g_assert_no_error (error);
  got = kassa_test_printer_wait_bytes (stand_in, g_bytes_get_size (job));
  assert_bytes_equal (got, job);
  g_clear_object (&result);

  kassa_printer_query_status_async (printer, NULL, kassa_test_async_done_cb, &asked);
  result = kassa_test_async_wait (&asked, 60);
  g_assert_true (kassa_printer_query_status_finish (printer, result, &status, &error));
  g_assert_cmpint (status, ==, KASSA_PRINTER_STATUS_PAPER_NEAR_END);
}

static void
test_cancelled (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autoptr(KassaPrinter) printer = printer_for (kassa_test_printer_get_tcp_uri (stand_in));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GBytes) job = make_noise (1000);
  g_autoptr(GError) error = NULL;
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_OK;

  g_cancellable_cancel (cancellable);
  g_assert_false (kassa_printer_print_bytes (printer, job, "receipt", cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (kassa_printer_query_status (printer, &status, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_discover_usb (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kassa-printer-XXXXXX", NULL);
  const char *names[] = { "lp1", "lp0", "hiddev0" };
  g_autoptr(GPtrArray) choices =
    g_ptr_array_new_with_free_func ((GDestroyNotify) kassa_printer_choice_free);
  g_autofree char *lp0 = g_build_filename (dir, "lp0", NULL);
  g_autofree char *uri0 = g_strconcat ("usb:", lp0, NULL);
  KassaPrinterChoice *first;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_assert_true (g_file_set_contents (path, "", 0, NULL));
    }
  kassa_printer_discover_usb (dir, choices);
  g_assert_cmpuint (choices->len, ==, 2);
  first = choices->pdata[0];
  g_assert_cmpstr (first->uri, ==, uri0);
  g_assert_nonnull (strstr (first->label, lp0));
  g_assert_true (g_str_has_suffix (((KassaPrinterChoice *) choices->pdata[1])->uri, "/lp1"));

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

/* ---- cups: through a real, private cupsd ---- */

static KassaTestCups *cups_server;
static guint n_queues;

/* One cupsd for all the cups: tests (it takes a second to start); libcups
 * reads CUPS_SERVER once per thread, so it is set before the first call. */
static KassaTestCups *
get_cups (void)
{
  if (cups_server == NULL)
    {
      cups_server = kassa_test_cups_start ();
      g_setenv ("CUPS_SERVER", kassa_test_cups_get_server (cups_server), TRUE);
    }
  return cups_server;
}

/* A new raw queue whose device is @stand_in's socket; returns its name. */
static char *
add_queue (KassaTestPrinter *stand_in)
{
  g_autofree char *device = g_strdup_printf ("socket://127.0.0.1:%u",
                                             kassa_test_printer_get_port (stand_in));
  char *name = g_strdup_printf ("kassa-test-%u", ++n_queues);

  kassa_test_cups_add_raw_queue (get_cups (), name, device);
  return name;
}

static void
test_cups_print (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autofree char *queue = add_queue (stand_in);
  g_autofree char *uri = g_strconcat ("cups:", queue, NULL);
  g_autoptr(KassaPrinter) printer = printer_for (uri);
  g_autoptr(GBytes) job = make_raster_job (72, 1500);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  KassaPrinterStatus status = KASSA_PRINTER_STATUS_OK;

  g_assert_true (kassa_printer_print_bytes (printer, job, "Kassa receipt", NULL, &error));
  g_assert_no_error (error);

  /* cupsd's socket backend delivers it, unfiltered. */
  line = kassa_test_printer_read_line (stand_in, "job ");
  got = kassa_test_printer_wait_bytes (stand_in, g_bytes_get_size (job));
  assert_bytes_equal (got, job);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "raster"), ==, 1);
  g_assert_cmpuint (kassa_test_printer_job_count (line, "cut"), ==, 1);

  /* CUPS passes no status on. */
  g_assert_true (kassa_printer_query_status (printer, &status, NULL, &error));
  g_assert_cmpint (status, ==, KASSA_PRINTER_STATUS_UNKNOWN);
}

static void
test_cups_unknown_queue (void)
{
  g_autoptr(KassaPrinter) printer = NULL;
  g_autoptr(GBytes) job = make_noise (100);
  g_autoptr(GError) error = NULL;

  get_cups ();
  printer = printer_for ("cups:no-such-queue");
  g_assert_false (kassa_printer_print_bytes (printer, job, "receipt", NULL, &error));
  assert_printer_error (error, KASSA_PRINTER_ERROR_QUEUE_NOT_FOUND, "no-such-queue");
}

static void
test_cups_rejecting (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autofree char *queue = add_queue (stand_in);
  g_autofree char *uri = g_strconcat ("cups:", queue, NULL);
  g_autoptr(KassaPrinter) printer = printer_for (uri);
  g_autoptr(GBytes) job = make_noise (100);
  g_autoptr(GError) error = NULL;

  kassa_test_cups_run (get_cups (), "cupsreject", queue, NULL);
  g_assert_false (kassa_printer_print_bytes (printer, job, "receipt", NULL, &error));
  assert_printer_error (error, KASSA_PRINTER_ERROR_QUEUE_UNUSABLE, queue);
  g_clear_error (&error);

  /* Accepting again, it prints. */
  kassa_test_cups_run (get_cups (), "cupsaccept", queue, NULL);
  g_assert_true (kassa_printer_print_bytes (printer, job, "receipt", NULL, &error));
  g_assert_no_error (error);
  g_bytes_unref (kassa_test_printer_wait_bytes (stand_in, g_bytes_get_size (job)));
}

static gpointer
print_without_server_thread (gpointer data)
{
  KassaPrinter *printer = data;
  g_autoptr(GBytes) job = make_noise (100);
  GError *error = NULL;

  /* A new thread: libcups reads CUPS_SERVER afresh. */
  if (kassa_printer_print_bytes (printer, job, "receipt", NULL, &error))
    g_error ("printed without a CUPS server");
  return error;
}

static void
test_cups_no_server (void)
{
  g_autoptr(KassaPrinter) printer = printer_for ("cups:kassa-test-1");
  g_autofree char *saved = g_strdup (g_getenv ("CUPS_SERVER"));
  g_autoptr(GError) error = NULL;

  g_setenv ("CUPS_SERVER", "127.0.0.1:9", TRUE);
  error = g_thread_join (g_thread_new ("no-cups", print_without_server_thread, printer));
  if (saved != NULL)
    g_setenv ("CUPS_SERVER", saved, TRUE);
  else
    g_unsetenv ("CUPS_SERVER");
  assert_printer_error (error, KASSA_PRINTER_ERROR_QUEUE_NOT_FOUND, "CUPS");
}

static void
discovered_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (source);  /* discovery has no source object */
  g_assert_null (*out);
  *out = g_object_ref (result);
}

static void
test_cups_discover (void)
{
  KassaTestPrinterOptions options = { .tcp = TRUE };
  g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
  g_autofree char *queue = add_queue (stand_in);
  g_autofree char *uri = g_strconcat ("cups:", queue, NULL);
  g_autoptr(GPtrArray) choices = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gboolean listed = FALSE;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  kassa_printer_discover_async (NULL, discovered_cb, &result);
  while (result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (result);
  choices = kassa_printer_discover_finish (result, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < choices->len; i++)
    {
      KassaPrinterChoice *choice = choices->pdata[i];
      g_autoptr(KassaPrinter) printer = printer_for (choice->uri);

      /* Every choice is a URI KassaPrinter takes, with a label. */
      g_assert_cmpuint (strlen (choice->label), >, 0);
      if (g_str_equal (choice->uri, uri))
        {
          listed = TRUE;
          g_assert_nonnull (strstr (choice->label, queue));
        }
      else
        g_assert_true (g_str_has_prefix (choice->uri, "usb:/dev/usb/lp")
                       || g_str_has_prefix (choice->uri, "cups:kassa-test-"));
    }
  g_assert_true (listed);
}

/* The cashier reads them in Mongolian (the build tree's translations). */
static void
test_mongolian (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaPrinter) printer = NULL;

  bindtextdomain (GETTEXT_PACKAGE, kassa_test_env_path ("KASSA_LOCALEDIR"));
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_setenv ("LANGUAGE", "mn", TRUE);

  printer = kassa_printer_new_for_uri ("tcp:host:99999", &error);
  g_assert_null (printer);
  assert_printer_error (error, KASSA_PRINTER_ERROR_INVALID_URI, "tcp:host:99999");
  g_assert_nonnull (strstr (error->message, "хэвлэгчийн хаяг биш"));
  g_assert_nonnull (strstr (error->message, "65535 хүртэлх тоо"));
  g_assert_cmpstr (kassa_printer_status_describe (KASSA_PRINTER_STATUS_PAPER_OUT), ==,
                   "Хэвлэгчийн цаас дууссан байна.");

  g_setenv ("LANGUAGE", "", TRUE);
}

/* A device this user may not open: the stand-in's pty slave (root's, mode
 * 0620) opened by a child that dropped root for nobody, as a cashier not in
 * the lp group opens /dev/usb/lp0. As root the parent could open anything. */
static void
test_usb_permission (void)
{
  if (g_test_subprocess ())
    {
      const char *device = g_getenv ("KASSA_TEST_PRINTER_DEVICE");
      g_autofree char *uri = g_strconcat ("usb:", device, NULL);
      g_autoptr(KassaPrinter) printer = printer_for (uri);
      g_autoptr(GBytes) job = make_noise (10);
      g_autoptr(GError) error = NULL;

      g_assert_cmpint (setgroups (0, NULL), ==, 0);
      g_assert_cmpint (setgid (65534), ==, 0);
      g_assert_cmpint (setuid (65534), ==, 0);
      g_assert_false (kassa_printer_print_bytes (printer, job, "receipt", NULL, &error));
      assert_printer_error (error, KASSA_PRINTER_ERROR_PERMISSION, device);
      g_assert_nonnull (strstr (error->message, "“lp”"));
      return;
    }

  if (geteuid () != 0)
    {
      g_test_skip ("needs root, to open the device as another user");
      return;
    }

  {
    KassaTestPrinterOptions options = { .pty = TRUE };
    g_autoptr(KassaTestPrinter) stand_in = kassa_test_printer_spawn (&options);
    g_autofree char *device = g_file_read_link (kassa_test_printer_get_usb_uri (stand_in) + 4,
                                                NULL);

    g_assert_nonnull (device);
    g_setenv ("KASSA_TEST_PRINTER_DEVICE", device, TRUE);
    g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed ();
    g_unsetenv ("KASSA_TEST_PRINTER_DEVICE");
  }
}

int
main (int    argc,
      char **argv)
{
  int status;

  kassa_test_init (&argc, &argv);

  g_test_add_func ("/printer/uri/good", test_uri_good);
  g_test_add_func ("/printer/uri/bad", test_uri_bad);
  g_test_add_func ("/printer/status/parse", test_status_parse);
  g_test_add_func ("/printer/status/words", test_status_words);
  g_test_add_func ("/printer/file", test_file);
  g_test_add_func ("/printer/tcp/print", test_tcp_print);
  g_test_add_func ("/printer/tcp/status-in-stream", test_tcp_status_in_stream);
  g_test_add_func ("/printer/tcp/refused", test_tcp_refused);
  g_test_add_func ("/printer/tcp/connect-timeout", test_tcp_connect_timeout);
  g_test_add_func ("/printer/tcp/disconnected", test_tcp_disconnected);
  g_test_add_func ("/printer/tcp/status", test_tcp_status);
  g_test_add_func ("/printer/usb/print", test_usb_print);
  g_test_add_func ("/printer/usb/status", test_usb_status);
  g_test_add_func ("/printer/usb/disconnected", test_usb_disconnected);
  g_test_add_func ("/printer/usb/not-found", test_usb_not_found);
  g_test_add_func ("/printer/async", test_async);
  g_test_add_func ("/printer/cancelled", test_cancelled);
  g_test_add_func ("/printer/discover/usb", test_discover_usb);
  g_test_add_func ("/printer/cups/print", test_cups_print);
  g_test_add_func ("/printer/cups/unknown-queue", test_cups_unknown_queue);
  g_test_add_func ("/printer/cups/rejecting", test_cups_rejecting);
  g_test_add_func ("/printer/cups/no-server", test_cups_no_server);
  g_test_add_func ("/printer/cups/discover", test_cups_discover);
  g_test_add_func ("/printer/mongolian", test_mongolian);
  g_test_add_func ("/printer/tcp/disconnected-stream", test_tcp_disconnected_stream);
  g_test_add_func ("/printer/usb/permission", test_usb_permission);

  status = g_test_run ();
  g_clear_pointer (&cups_server, kassa_test_cups_free);
  return status;
}
