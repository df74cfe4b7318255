/* fuzz-printer-status.c — libFuzzer target: a receipt printer's status answers and stream
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Byte 0 chooses how the rest is cut into pieces (1 + byte modulo 64 bytes
 * each). Every byte of the rest is read as the answer to DLE EOT n for n = 0…5
 * by kassa_printer_status_parse(), as kassa-printer.c reads what a printer
 * sends back. The rest is also an ESC/POS stream for the test printer's
 * scanner (tests/kassa-test-printer-scan.c), read whole and in pieces.
 * Invariants: a byte is a reading exactly when n is a request and its fixed
 * bits are right, and then it is never UNKNOWN; every state has a sentence
 * and a name that reads back; the worst of two readings is one of them, the
 * same either way round; the scanner finds the same requests and counts
 * however the stream is cut. docs/fuzzing.md.
 */

#include "config.h"

#include <string.h>

#include "kassa-fuzz.h"
#include "kassa-printer.h"
#include "kassa-test-printer-scan.h"

static void
check_status_byte (guint8 byte)
{
  for (guint n = 0; n <= 5; n++)
    {
      KassaPrinterStatus status = KASSA_PRINTER_STATUS_OK;
      gboolean is_reading = kassa_printer_status_parse (n, byte, &status);
      gboolean expected = n >= 1 && n <= 4 && (byte & 0x93) == 0x12;
      KassaPrinterStatus back = KASSA_PRINTER_STATUS_UNKNOWN;
      const char *line = kassa_printer_status_describe (status);

      g_assert_cmpint (is_reading, ==, expected);
      if (is_reading)
        g_assert_cmpint (status, !=, KASSA_PRINTER_STATUS_UNKNOWN);
      else
        g_assert_cmpint (status, ==, KASSA_PRINTER_STATUS_UNKNOWN);
      g_assert_cmpint (status, >=, KASSA_PRINTER_STATUS_UNKNOWN);
      g_assert_cmpint (status, <=, KASSA_PRINTER_STATUS_OFFLINE);
      g_assert_true (line != NULL && *line != '\0' && g_utf8_validate (line, -1, NULL));
      g_assert_true (kassa_printer_status_from_string (kassa_printer_status_to_string (status),
                                                       &back));
      g_assert_cmpint (back, ==, status);
      /* No bit but the documented ones changes a reading. */
      if (is_reading && n == KASSA_PRINTER_DLE_EOT_PRINTER)
        g_assert_cmpint (status, ==, (byte & 0x08) ? KASSA_PRINTER_STATUS_OFFLINE
                                                   : KASSA_PRINTER_STATUS_OK);
    }
}

static void
check_worst (guint8 a,
             guint8 b)
{
  KassaPrinterStatus x = (KassaPrinterStatus) (a % (KASSA_PRINTER_STATUS_OFFLINE + 1));
  KassaPrinterStatus y = (KassaPrinterStatus) (b % (KASSA_PRINTER_STATUS_OFFLINE + 1));
  KassaPrinterStatus worst = kassa_printer_status_worst (x, y);

  g_assert_true (worst == x || worst == y);
  g_assert_cmpint (worst, ==, kassa_printer_status_worst (y, x));
  g_assert_cmpint (kassa_printer_status_worst (worst, x), ==, worst);
}

static void
record_request_cb (guint    n,
                   gpointer user_data)
{
  guint8 byte = (guint8) n;
  g_byte_array_append (user_data, &byte, 1);
}

static void
check_scanner (const guint8 *data,
               gsize         size,
               gsize         piece)
{
  KassaTestPrinterScan whole;
  KassaTestPrinterScan pieces;
  g_autoptr(GByteArray) whole_requests = g_byte_array_new ();
  g_autoptr(GByteArray) piece_requests = g_byte_array_new ();

  kassa_test_printer_scan_init (&whole);
  kassa_test_printer_scan_feed (&whole, data, size, record_request_cb, whole_requests);

  kassa_test_printer_scan_init (&pieces);
  for (gsize at = 0; at < size; at += piece)
    kassa_test_printer_scan_feed (&pieces, data + at, MIN (piece, size - at), record_request_cb,
                                  piece_requests);

  g_assert_cmpuint (whole.counts.bytes, ==, size);
  g_assert_cmpuint (whole.counts.status, ==, whole_requests->len);
  g_assert_cmpmem (whole_requests->data, whole_requests->len,
                   piece_requests->data, piece_requests->len);
  g_assert_true (memcmp (&whole.counts, &pieces.counts, sizeof whole.counts) == 0);
  /* Every request is a DLE EOT in the input. */
  g_assert_cmpuint ((guint64) whole.counts.status * 3, <=, size);
  g_assert_cmpuint (whole.counts.raster_bytes, <=, G_GUINT64_CONSTANT (65535) * 65535
                                                   * (whole.counts.raster + 1));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  kassa_fuzz_init ();

  if (size == 0)
    return 0;

  for (gsize i = 1; i < size; i++)
    {
      check_status_byte (data[i]);
      if (i + 1 < size)
        check_worst (data[i], data[i + 1]);
    }
  check_scanner (data + 1, size - 1, 1 + data[0] % 64);
  return 0;
}
