/* kassa-settlement.h — one settlement batch (end of day) as the journal records it
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A KassaSettlement is a view of a journal row; only KassaJournal changes it,
 * after its commit. Its report compares the journal's count and sum of the
 * batch's invoices with the bank's answer.
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  KASSA_SETTLEMENT_SETTLING,        /* journaled; the request is (about to be) sent */
  KASSA_SETTLEMENT_SETTLE_UNKNOWN,  /* request sent, outcome not seen */
  KASSA_SETTLEMENT_SETTLED,         /* the bank answered; final, once */
  KASSA_SETTLEMENT_FAILED,          /* the bank refused; final, invoices released */
} KassaSettlementState;

#define KASSA_TYPE_SETTLEMENT_STATE (kassa_settlement_state_get_type ())
GType       kassa_settlement_state_get_type    (void) G_GNUC_CONST;

/* "SETTLING", "SETTLE_UNKNOWN", "SETTLED", "FAILED" */
const char *kassa_settlement_state_to_string   (KassaSettlementState  state);
gboolean    kassa_settlement_state_from_string (const char           *text,
                                                KassaSettlementState *out_state);
/* SETTLED and FAILED. */
gboolean    kassa_settlement_state_is_final    (KassaSettlementState  state);
/* SETTLING → SETTLED | SETTLE_UNKNOWN | FAILED; SETTLE_UNKNOWN → SETTLED | FAILED | SETTLING. */
gboolean    kassa_settlement_state_can_move    (KassaSettlementState  from,
                                                KassaSettlementState  to);

#define KASSA_TYPE_SETTLEMENT (kassa_settlement_get_type ())

G_DECLARE_FINAL_TYPE (KassaSettlement, kassa_settlement, KASSA, SETTLEMENT, GObject)

const char          *kassa_settlement_get_id             (KassaSettlement *self);
const char          *kassa_settlement_get_terminal       (KassaSettlement *self);
KassaSettlementState kassa_settlement_get_state          (KassaSettlement *self);
GDateTime           *kassa_settlement_get_created        (KassaSettlement *self);
/* NULL until SETTLED. */
GDateTime           *kassa_settlement_get_settled        (KassaSettlement *self);
gint64               kassa_settlement_get_local_count    (KassaSettlement *self);
gint64               kassa_settlement_get_local_amount   (KassaSettlement *self);
/* Whether the bank's {amount, count, status} has been stored. */
gboolean             kassa_settlement_get_has_bank_reply (KassaSettlement *self);
gint64               kassa_settlement_get_bank_count     (KassaSettlement *self);
gint64               kassa_settlement_get_bank_amount    (KassaSettlement *self);
const char          *kassa_settlement_get_bank_status    (KassaSettlement *self);
const char          *kassa_settlement_get_last_error     (KassaSettlement *self);
/* The numbers of the invoices the batch covers, oldest first. */
const char * const  *kassa_settlement_get_invoices       (KassaSettlement *self);
/* The batch covers no invoice. */
gboolean             kassa_settlement_get_empty          (KassaSettlement *self);

/* TRUE when the bank has answered and its count and amount equal the journal's. */
gboolean             kassa_settlement_reconcile          (KassaSettlement *self);
/* The report as one JSON object: settlement, terminal, state, created, settled,
 * local_count, local_amount, bank_count, bank_amount, bank_status (null until
 * the bank answered), matches, empty, invoices (array of numbers), last_error. */
char                *kassa_settlement_to_json            (KassaSettlement *self);

G_END_DECLS
