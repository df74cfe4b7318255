/* kassa-checksum.h — the Instore API's HMAC-SHA256 checksums
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KASSA_CHECKSUM_LENGTH 64

/* HMAC-SHA256 of @message keyed with @secret (raw UTF-8 bytes), as 64 lowercase
 * hex digits. */
char     *kassa_checksum_hmac       (const char  *secret,
                                     const char  *message);
/* HMAC over the plain concatenation of the NULL-terminated list of parts,
 * no separators: kassa_checksum_concat (secret, terminal, invoice, amount, NULL). */
char     *kassa_checksum_concat     (const char  *secret,
                                     ...) G_GNUC_NULL_TERMINATED;
char     *kassa_checksum_concatv    (const char         *secret,
                                     const char * const *parts);
/* Constant-time comparison; @received may be upper or lower case hex.
 * FALSE for anything that is not exactly 64 hex digits. */
gboolean  kassa_checksum_equal      (const char  *expected,
                                     const char  *received);

G_END_DECLS
