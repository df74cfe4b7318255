/* kassa-invoice-private.h — what KassaJournal uses to build and update invoices
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "kassa-invoice.h"

G_BEGIN_DECLS

/* One row of the invoices table. Times are UTC microseconds since the epoch. */
typedef struct
{
  char               *number;
  char               *terminal;
  gint64              amount;
  KassaInvoiceMethod  method;
  char               *phone;
  char               *reference;
  gint64              created_us;
  KassaInvoiceState   state;
  char               *payload;
  char               *approval_code;
  char               *card_number;
  char               *resp_code;
  char               *resp_desc;
  gboolean            paid_after_cancel;
  char               *settlement_id;
  char               *last_error;
  gint64              updated_us;
} KassaInvoiceRow;

void                   kassa_invoice_row_clear    (KassaInvoiceRow       *row);
void                   kassa_invoice_row_copy     (const KassaInvoiceRow *src,
                                                   KassaInvoiceRow       *dest);

/* Takes the row's contents. */
KassaInvoice          *kassa_invoice_new_from_row (KassaInvoiceRow       *row);
const KassaInvoiceRow *kassa_invoice_get_row      (KassaInvoice          *self);
/* Replaces the row (taking its contents) and notifies every property that
 * changed. The number must be the same. Call only after the journal committed. */
void                   kassa_invoice_apply_row    (KassaInvoice          *self,
                                                   KassaInvoiceRow       *row);

G_END_DECLS
