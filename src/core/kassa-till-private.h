/* kassa-till-private.h — what the parts of KassaTill share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "kassa-till.h"

G_BEGIN_DECLS

/* What a `check` answer says about an invoice. One function,
 * kassa_till_read_check(), turns a reply or an error into one of these;
 * nothing else in the till looks at resp_code or errorType. */
typedef enum
{
  KASSA_CHECK_PAID,            /* the profile's paid test passed */
  KASSA_CHECK_NOT_PAID,        /* the invoice exists and is not paid (yet) */
  KASSA_CHECK_DECLINED,        /* a finished transaction that was not approved */
  KASSA_CHECK_UNKNOWN_INVOICE, /* the bank does not know the invoice */
  KASSA_CHECK_CANCELLED,       /* the bank says the invoice is cancelled */
  KASSA_CHECK_REFUNDED,        /* the bank says the payment was refunded */
  KASSA_CHECK_UNREADABLE,      /* the bank answered, but we cannot tell what it means */
  KASSA_CHECK_NO_ANSWER,       /* no usable answer (network, timeout, 5xx, malformed) */
} KassaCheckReading;

const char        *kassa_check_reading_to_string (KassaCheckReading       reading);

/* The interpretation of a `check` outcome under @profile: @transaction on
 * success, else @error. docs/lifecycle.md "Reading a check" documents it. */
KassaCheckReading  kassa_till_read_check         (KassaBankProfile           *profile,
                                                  const KassaBankTransaction *transaction,
                                                  const GError               *error);

/* Whether a failed request's outcome is unknown (it may have been carried
 * out) rather than refused. Input errors and cancellation are neither. */
gboolean           kassa_till_error_is_unknown_outcome (const GError        *error);

/* Validates the `desc` of a create reply for @method under @profile: an EMV
 * payload must parse and ask exactly @amount; a deeplink must be
 * socialpay-payment://…; a phone invoice's desc is not shown and not checked.
 * KASSA_TILL_ERROR_PAYLOAD on failure. */
gboolean           kassa_till_validate_payload   (KassaBankProfile           *profile,
                                                  KassaInvoiceMethod          method,
                                                  gint64                      amount,
                                                  const char                 *payload,
                                                  GError                    **error);

G_END_DECLS
