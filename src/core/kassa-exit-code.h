/* kassa-exit-code.h — the exit codes kassa-ctl and `kassa --charge` share
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both command lines end a payment with an exit code that scripts branch on
 * (README, docs/kassa-ctl.md, docs/dbus.md). The codes they have in common,
 * and the code for a payment that ended in a given state, live here once:
 * kassa-ctl (src/ctl/kassa-ctl-private.h) and the application
 * (src/gui/kassa-application.h) each add their own codes above these.
 * Header-only, so that both front ends share it without a build change.
 * Part of the interface: never renumber, only add.
 */

#pragma once

#include "kassa-invoice.h"

G_BEGIN_DECLS

typedef enum
{
  KASSA_EXIT_OK          = 0,  /* success; a paid (or refunded) payment */
  KASSA_EXIT_INTERNAL    = 1,  /* a bug or an unexpected failure */
  KASSA_EXIT_USAGE       = 2,  /* usage, input or configuration error: nothing was sent */
  KASSA_EXIT_NETWORK     = 3,  /* the bank cannot be reached (an invoice is journaled) */
  KASSA_EXIT_REJECTED    = 4,  /* the bank refused the request (FAILED) */
  KASSA_EXIT_BANK_SYSTEM = 5,  /* the bank's own failure */
  KASSA_EXIT_MALFORMED   = 6,  /* the bank's answer was unusable */
  KASSA_EXIT_NOT_PAID    = 7,  /* the customer did not pay: DECLINED, CANCELLED or EXPIRED */
  KASSA_EXIT_UNKNOWN     = 8,  /* outcome unknown: interrupted or still being resolved */
  KASSA_EXIT_JOURNAL     = 10, /* the journal is locked, corrupt, too new or unwritable */
} KassaExitCode;

/* The exit code for a payment that has reached @state: OK for PAID and
 * REFUNDED, NOT_PAID for DECLINED, CANCELLED and EXPIRED, REJECTED for
 * FAILED, UNKNOWN while the outcome is open. */
static inline int
kassa_exit_code_for_state (KassaInvoiceState state)
{
  switch (state)
    {
    case KASSA_INVOICE_PAID:
    case KASSA_INVOICE_REFUNDED:
      return KASSA_EXIT_OK;
    case KASSA_INVOICE_DECLINED:
    case KASSA_INVOICE_CANCELLED:
    case KASSA_INVOICE_EXPIRED:
      return KASSA_EXIT_NOT_PAID;
    case KASSA_INVOICE_FAILED:
      return KASSA_EXIT_REJECTED;
    case KASSA_INVOICE_CREATING:
    case KASSA_INVOICE_CREATE_UNKNOWN:
    case KASSA_INVOICE_AWAITING_PAYMENT:
    case KASSA_INVOICE_CANCELLING:
    case KASSA_INVOICE_CANCEL_UNKNOWN:
    case KASSA_INVOICE_REFUNDING:
    case KASSA_INVOICE_REFUND_UNKNOWN:
    default:
      return KASSA_EXIT_UNKNOWN;
    }
}

G_END_DECLS
