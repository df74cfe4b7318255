/* kassa-counter.h — the checkout counter: one payment at a time, shared by every front end
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The cashier window, the customer display, `kassa --charge` and the D-Bus
 * interface all work on the same "current payment". KassaCounter keeps it: it
 * starts sales through KassaTill, follows the invoice the customer is looking
 * at, and in training mode plays the customer (pays / declines in the
 * in-process simulator). It uses no GTK, so it is tested without a display,
 * and the training bank only through KassaTrainingCustomer.
 */

#pragma once

#include <gio/gio.h>

#include "kassa-till.h"
#include "kassa-training-customer.h"

G_BEGIN_DECLS

typedef enum
{
  KASSA_COUNTER_ERROR_BUSY,         /* another payment is still open */
  KASSA_COUNTER_ERROR_NO_PAYMENT,   /* there is no open payment to act on */
  KASSA_COUNTER_ERROR_NOT_TRAINING, /* "customer pays/declines" exist only in training mode */
  KASSA_COUNTER_ERROR_NOT_READY,    /* Kassa is starting or recovering: no counter to charge yet
                                     * (KassaChargeQueue) */
} KassaCounterError;

#define KASSA_COUNTER_ERROR (kassa_counter_error_quark ())
GQuark kassa_counter_error_quark (void);

#define KASSA_TYPE_COUNTER (kassa_counter_get_type ())

G_DECLARE_FINAL_TYPE (KassaCounter, kassa_counter, KASSA, COUNTER, GObject)

/* Properties (all read-only, notify):
 *   "till"             KassaTill
 *   "training"         gboolean  TRUE when a training customer was given
 *   "current-invoice"  KassaInvoice  the payment the customer sees: set as
 *                      soon as a sale is journaled (state CREATING), kept
 *                      after it ends until the next sale starts (NULL before
 *                      the first sale)
 *   "open"             gboolean  the current invoice exists and is not final
 *   "recent-sales"     GListModel of KassaInvoice, today's (local time) sales
 *                      of this journal, newest first; recovered and new
 *                      invoices included
 * Signals:
 *   ::message (const char *text) a sentence for the cashier: the recovery
 *                      summary, "paid after cancel", a sale's error. */

/* References @till. @training (may be NULL) is the customer of the training
 * bank the till's client talks to in training mode: the in-process
 * simulator (KassaBankSim implements KassaTrainingCustomer). */
KassaCounter *kassa_counter_new                  (KassaTill             *till,
                                                  KassaTrainingCustomer *training);
KassaTill    *kassa_counter_get_till             (KassaCounter         *self);
gboolean      kassa_counter_get_training         (KassaCounter         *self);
KassaInvoice *kassa_counter_get_current_invoice  (KassaCounter         *self);
gboolean      kassa_counter_get_open             (KassaCounter         *self);
GListModel   *kassa_counter_get_recent_sales     (KassaCounter         *self);

/* Starts a sale (KassaTill's rules and errors), and makes it the current
 * invoice as soon as it is journaled. Refused with BUSY (nothing journaled)
 * while the current invoice is open. Completes like kassa_till_sale_async():
 * once the invoice awaits payment or has failed. */
void          kassa_counter_charge_async         (KassaCounter         *self,
                                                  gint64                amount,
                                                  KassaInvoiceMethod    method,
                                                  const char           *phone,
                                                  const char           *reference,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
KassaInvoice *kassa_counter_charge_finish        (KassaCounter         *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* Cancels the current invoice (kassa_till_cancel_async()); NO_PAYMENT when
 * nothing is open. */
void          kassa_counter_cancel_async         (KassaCounter         *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean      kassa_counter_cancel_finish        (KassaCounter         *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* Asks the bank about the current invoice now; NO_PAYMENT when nothing is open. */
gboolean      kassa_counter_check_now            (KassaCounter         *self,
                                                  GError              **error);
/* Training mode only: the simulated customer pays or declines the current
 * invoice in the training bank (the till learns it by its next check, which
 * is asked at once). NOT_TRAINING, NO_PAYMENT, or the simulator's error. */
gboolean      kassa_counter_customer_pays        (KassaCounter         *self,
                                                  GError              **error);
gboolean      kassa_counter_customer_declines    (KassaCounter         *self,
                                                  GError              **error);

G_END_DECLS
