/* kassa-test-cups.h — a private, real cupsd for tests
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Debian's cupsd (cups-daemon; the socket backend comes with the cups
 * package) started in the foreground with its own ServerRoot, spool, cache,
 * state and log directories in a temporary directory, listening on a free
 * loopback port and a socket there, no browsing, no web interface, no
 * authentication. docs/printing.md, "Testing with a real CUPS", says why each
 * setting is there.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _KassaTestCups KassaTestCups;

/* Starts cupsd and waits until it answers; fails the test if it cannot. */
KassaTestCups *kassa_test_cups_start          (void);
/* "127.0.0.1:PORT": what CUPS_SERVER and lpadmin -h take. */
const char    *kassa_test_cups_get_server     (KassaTestCups *cups);
/* lpadmin -p @name -E -v @device_uri -m raw: a raw queue, enabled and accepting. */
void           kassa_test_cups_add_raw_queue  (KassaTestCups *cups,
                                               const char    *name,
                                               const char    *device_uri);
/* Runs a CUPS command line tool (cupsreject, lpstat, …) with -h SERVER
 * inserted after its name; fails the test unless it exits 0. */
void           kassa_test_cups_run            (KassaTestCups *cups,
                                               const char    *tool,
                                               ...) G_GNUC_NULL_TERMINATED;
/* Stops cupsd (SIGTERM, waits) and removes its directory. */
void           kassa_test_cups_free           (KassaTestCups *cups);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaTestCups, kassa_test_cups_free)

G_END_DECLS
