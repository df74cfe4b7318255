/* kassa-test-printer-scan.h — the test printer's reading of an ESC/POS stream
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Just enough of ESC/POS to find the real-time status requests (DLE EOT n) in
 * a stream that also carries raster images: GS v 0 announces its image's size,
 * and the image bytes are skipped by that length, so image data that happens
 * to read 10 04 01 is not a request. Commands are counted, unknown bytes too.
 * Incremental: the stream may arrive in pieces of any size. Rebuilding the
 * images is kassa-escpos-decode's job; this is the printer's side.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 bytes;        /* every byte fed */
  guint   init;         /* ESC @ */
  guint   raster;       /* GS v 0 images */
  guint64 raster_bytes; /* their image data */
  guint   cut;          /* GS V */
  guint   pulse;        /* ESC p, DLE DC4 1 */
  guint   feed;         /* LF, ESC J, ESC d */
  guint   status;       /* DLE EOT n */
  guint64 text;         /* printable bytes outside commands */
  guint   other;        /* other known commands */
  guint64 unknown;      /* bytes that are no command this scanner knows */
} KassaTestPrinterCounts;

typedef struct
{
  KassaTestPrinterCounts counts;
  /* private */
  guint8  command[8];
  guint   have;         /* bytes of @command read */
  guint   need;         /* bytes @command has in all; 0 until known */
  guint64 skip;         /* image or payload bytes still to skip */
} KassaTestPrinterScan;

/* Called for each DLE EOT n, n being the byte after EOT (any value). */
typedef void (*KassaTestPrinterStatusFunc) (guint    n,
                                            gpointer user_data);

void kassa_test_printer_scan_init (KassaTestPrinterScan       *scan);
void kassa_test_printer_scan_feed (KassaTestPrinterScan       *scan,
                                   const guint8               *data,
                                   gsize                       size,
                                   KassaTestPrinterStatusFunc  on_status,
                                   gpointer                    user_data);

G_END_DECLS
