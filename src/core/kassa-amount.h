/* kassa-amount.h — money as typed by a cashier, as sent to the bank, as shown
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whole tögrög. Money is never a double. */
#define KASSA_AMOUNT_MIN ((gint64) 1)
#define KASSA_AMOUNT_MAX ((gint64) 1000000000000) /* 10^12 tögrög */

/* Parses what a cashier types: "1500", "1 500", "1,500", "1500₮", "1 500 ₮".
 * Separators must group exactly three digits. Rejects empty text, 0, negatives,
 * fractions, values above KASSA_AMOUNT_MAX and anything else with a
 * KASSA_INPUT_ERROR_AMOUNT whose message can be shown to the cashier. */
gboolean  kassa_amount_parse        (const char  *text,
                                     gint64      *out_amount,
                                     GError     **error);
/* Checks a value that did not come from text (D-Bus, journal). */
gboolean  kassa_amount_validate     (gint64       amount,
                                     GError     **error);
/* Wire form: plain decimal digits, "1000000". Never an exponent, never ".00".
 * @amount must be valid. */
char     *kassa_amount_to_wire      (gint64       amount);
/* Parses the wire form strictly (plain digits only, no sign, no leading zero). */
gboolean  kassa_amount_from_wire    (const char  *text,
                                     gint64      *out_amount,
                                     GError     **error);
/* Display form: "1,500₮", "1,000,000₮". */
char     *kassa_amount_to_display   (gint64       amount);

G_END_DECLS
