/* kassa-refund-dialog.h — refund a paid sale, with a reason and the manager PIN
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shows the sale (number, amount, time, masked card), asks a reason and the
 * manager PIN, and refunds through KassaTill (kassa_till_refund_async(): the
 * till authorises the PIN with its KassaManager, writes the audit row, and
 * journals every step). The outcome stays on screen: refunded, refused by
 * the bank (the sale stays paid), or unknown — the till checks it later. A
 * wrong PIN (or the rate limit) leaves the dialog open and nothing is sent.
 * With GSettings "auto-print-receipts" on, a refund receipt is printed to
 * "printer-name" on "paper-width".
 *
 * Actions (on the dialog): "refund.confirm".
 * Properties (read-only, notify): "outcome" (KassaRefundOutcome), "message"
 * (the sentence shown, or NULL).
 */

#pragma once

#include <adwaita.h>

#include "kassa-counter.h"
#include "kassa-print-queue.h"

G_BEGIN_DECLS

typedef enum
{
  KASSA_REFUND_OUTCOME_NONE,        /* not asked yet, or refused before sending (input, PIN) */
  KASSA_REFUND_OUTCOME_SENDING,
  KASSA_REFUND_OUTCOME_REFUNDED,
  KASSA_REFUND_OUTCOME_REFUSED,     /* the bank said no; the sale stays paid */
  KASSA_REFUND_OUTCOME_UNKNOWN,     /* the answer was lost; the till checks it */
} KassaRefundOutcome;

#define KASSA_TYPE_REFUND_OUTCOME (kassa_refund_outcome_get_type ())
GType kassa_refund_outcome_get_type (void) G_GNUC_CONST;

#define KASSA_TYPE_REFUND_DIALOG (kassa_refund_dialog_get_type ())

G_DECLARE_FINAL_TYPE (KassaRefundDialog, kassa_refund_dialog, KASSA, REFUND_DIALOG, AdwWindow)

/* Modal and transient for @parent (may be NULL); not shown yet. @settings
 * (schema mn.kassa.Kassa) may be NULL: no automatic receipt. */
GtkWindow          *kassa_refund_dialog_new         (GtkWindow         *parent,
                                                     KassaCounter      *counter,
                                                     KassaInvoice      *invoice,
                                                     GSettings         *settings);
KassaInvoice       *kassa_refund_dialog_get_invoice (KassaRefundDialog *self);
KassaRefundOutcome  kassa_refund_dialog_get_outcome (KassaRefundDialog *self);
const char         *kassa_refund_dialog_get_message (KassaRefundDialog *self);
/* The receipt printer's queue the refund receipt goes through when
 * "receipt-printer" is set (kassa-print-settings.h); may be NULL. */
void                kassa_refund_dialog_set_print_queue (KassaRefundDialog *self,
                                                         KassaPrintQueue   *queue);

G_END_DECLS
