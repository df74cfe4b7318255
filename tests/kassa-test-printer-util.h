/* kassa-test-printer-util.h — the receipt printer stand-in as a process, for tests
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spawns $KASSA_TEST_PRINTER (tests/kassa-test-printer.c) in a temporary
 * directory, waits for its "ready", and reads what it received.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _KassaTestPrinter KassaTestPrinter;

typedef struct
{
  gboolean    tcp;          /* listen on a free loopback port */
  gboolean    pty;          /* a pty linked as usb:DIR/lp0 */
  const char *status;       /* "ok" when NULL */
  gint64      close_after;  /* 0: never drop */
} KassaTestPrinterOptions;

KassaTestPrinter *kassa_test_printer_spawn      (const KassaTestPrinterOptions *options);
/* "tcp:127.0.0.1:PORT", "usb:DIR/lp0" (NULL without that side). */
const char       *kassa_test_printer_get_tcp_uri (KassaTestPrinter *printer);
const char       *kassa_test_printer_get_usb_uri (KassaTestPrinter *printer);
guint16           kassa_test_printer_get_port    (KassaTestPrinter *printer);
/* Changes what DLE EOT answers and waits until the stand-in says so. */
void              kassa_test_printer_set_status  (KassaTestPrinter *printer,
                                                  const char       *status);
/* Every byte received so far, once there are at least @size of them (fails
 * the test after a long wait). */
GBytes           *kassa_test_printer_wait_bytes  (KassaTestPrinter *printer,
                                                  gsize             size);
/* The next line the stand-in prints that starts with @prefix ("job ",
 * "dropped"); earlier other lines are skipped. */
char             *kassa_test_printer_read_line   (KassaTestPrinter *printer,
                                                  const char       *prefix);
/* The value of @key in a "job …" line ("raster" in "job 9 init=1 raster=2"). */
guint64           kassa_test_printer_job_count   (const char       *job_line,
                                                  const char       *key);
/* SIGTERM, waits, removes its directory. */
void              kassa_test_printer_free        (KassaTestPrinter *printer);
/* "tcp:127.0.0.1:PORT" of a loopback port that was free a moment ago and has
 * no listener now: a printer that refuses the connection. */
char             *kassa_test_printer_refused_uri (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaTestPrinter, kassa_test_printer_free)

G_END_DECLS
