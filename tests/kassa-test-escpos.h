/* kassa-test-escpos.h — what the tests do with a decoded ESC/POS stream: decode it or fail, read its QR code
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tests that print (test-escpos, test-print-queue, test-ctl-print) share
 * these: the decoder is kassa-escpos-decode.h, the QR reader Debian's zbarimg.
 */

#pragma once

#include <glib.h>

#include "kassa-escpos.h"
#include "kassa-escpos-decode.h"

G_BEGIN_DECLS

/* @bytes decoded as a printer would; fails the test when they are malformed. */
KassaEscposDecoded *kassa_test_escpos_decode  (GBytes             *bytes);
/* What zbarimg reads in the image @png, or NULL when it finds no QR code. */
char               *kassa_test_escpos_zbar    (const char         *png);
/* Writes @decoded's image to tests/artefacts/@dir/@name (build tree) and
 * returns what zbarimg reads in it (NULL: no QR code). */
char               *kassa_test_escpos_read_qr (KassaEscposDecoded *decoded,
                                               const char         *dir,
                                               const char         *name);

/* The bytes of @invoice's receipt for @info at @width, as the encoder writes
 * them (what a printer must receive). */
GBytes             *kassa_test_escpos_receipt (KassaInvoice          *invoice,
                                               const KassaReportInfo *info,
                                               guint                  width);

G_END_DECLS
