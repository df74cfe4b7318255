/* kassa-bank-fields.h — request fields checked before anything is sent
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define KASSA_INVOICE_MAX_LENGTH 32
#define KASSA_SETTLEMENT_ID_MAX_LENGTH 32
#define KASSA_REFERENCE_MAX_CHARS 128

/* Terminal: exactly 8 ASCII digits. */
gboolean kassa_terminal_validate       (const char  *terminal,
                                        GError     **error);
/* Invoice: 1–32 characters from [A-Za-z0-9_-]. */
gboolean kassa_invoice_validate        (const char  *invoice,
                                        GError     **error);
/* Phone: exactly 8 ASCII digits (a Mongolian mobile number, no country code). */
gboolean kassa_phone_validate          (const char  *phone,
                                        GError     **error);
/* Settlement id: 1–32 characters from [A-Za-z0-9_-]. */
gboolean kassa_settlement_id_validate  (const char  *settlement_id,
                                        GError     **error);
/* Secret: non-empty, no control characters. The secret itself is never put
 * into the error message. */
gboolean kassa_secret_validate         (const char  *secret,
                                        GError     **error);

/* Reference (a note kept with an invoice, printed on receipts and in the
 * history): valid UTF-8, at most 128 characters, no control characters (Cc),
 * no format characters (Cf: direction marks and overrides, zero-width
 * characters, which can make a printed text say something else) and no line
 * or paragraph separators. NULL is allowed (no reference). */
gboolean kassa_reference_validate      (const char  *reference,
                                        GError     **error);

/* @text made safe to quote in an error message: valid UTF-8, trimmed, anything
 * unprintable replaced by U+FFFD, at most 32 characters (then "…"). NULL gives "". */
char    *kassa_input_excerpt           (const char  *text);

G_END_DECLS
