/* kassa-charge-request.h — the checks of a charge asked for from outside Kassa
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `kassa --charge` and the D-Bus method Charge take the payment method as
 * text and the phone and reference as given by another program. Both front
 * ends check them here, before anything is journaled.
 */

#pragma once

#include <glib.h>

#include "kassa-invoice.h"

G_BEGIN_DECLS

/* Checks a remote charge request before anything is journaled: @method is
 * "qr" (or NULL/""), "deeplink" or "phone"; @phone is required for "phone"
 * and refused for the others; @reference is at most 128 characters of text
 * (kassa_reference_validate()). KASSA_INPUT_ERROR with a message for the
 * person. */
gboolean kassa_charge_request_check (gint64               amount,
                                     const char          *method,
                                     const char          *phone,
                                     const char          *reference,
                                     KassaInvoiceMethod  *out_method,
                                     GError             **error);

G_END_DECLS
