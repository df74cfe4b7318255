/* kassa-settlement-private.h — what KassaJournal uses to build and update batches
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "kassa-settlement.h"

G_BEGIN_DECLS

/* One row of the settlements table plus its invoice list. Times are UTC
 * microseconds since the epoch; settled_us is 0 while not settled. */
typedef struct
{
  char                 *id;
  char                 *terminal;
  KassaSettlementState  state;
  gint64                created_us;
  gint64                settled_us;
  gint64                local_count;
  gint64                local_amount;
  gboolean              has_bank_reply;
  gint64                bank_count;
  gint64                bank_amount;
  char                 *bank_status;
  char                 *last_error;
  char                **invoices;
} KassaSettlementRow;

void                      kassa_settlement_row_clear    (KassaSettlementRow       *row);
void                      kassa_settlement_row_copy     (const KassaSettlementRow *src,
                                                         KassaSettlementRow       *dest);
/* Takes the row's contents. */
KassaSettlement          *kassa_settlement_new_from_row (KassaSettlementRow       *row);
const KassaSettlementRow *kassa_settlement_get_row      (KassaSettlement          *self);
/* Replaces the row (taking its contents) and notifies what changed. */
void                      kassa_settlement_apply_row    (KassaSettlement          *self,
                                                         KassaSettlementRow       *row);

G_END_DECLS
