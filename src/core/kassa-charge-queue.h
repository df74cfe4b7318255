/* kassa-charge-queue.h — charges that wait until Kassa can take payments
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `kassa --charge` and the D-Bus method Charge can arrive while Kassa starts:
 * before the counter exists (the secret is looked up, the journal opened) or
 * while the till still resolves unfinished payments with the bank. The queue
 * holds such a charge (at most KASSA_CHARGE_QUEUE_WAIT_S seconds) and starts
 * it on the counter once the till has recovered, or answers it with the
 * reason Kassa cannot take payments. It uses no GTK: the application owns
 * one and the D-Bus interface charges through it.
 */

#pragma once

#include <gio/gio.h>

#include "kassa-counter.h"

G_BEGIN_DECLS

/* How long a charge waits for start-up and recovery before it gives up. */
#define KASSA_CHARGE_QUEUE_WAIT_S 60

#define KASSA_TYPE_CHARGE_QUEUE (kassa_charge_queue_get_type ())

G_DECLARE_FINAL_TYPE (KassaChargeQueue, kassa_charge_queue, KASSA, CHARGE_QUEUE, GObject)

/* Properties (read-only, notify):
 *   "counter"  KassaCounter  the counter charges go to, NULL until Kassa can
 *              take payments (kassa_charge_queue_set_counter())
 * Signals:
 *   ::accepted  a charge was accepted: it starts now or waits. The customer
 *              must see it, whoever asked: the application shows its windows.
 *              Not emitted for a charge refused because Kassa cannot start. */

KassaChargeQueue *kassa_charge_queue_new             (void);

/* Start-up made @counter (NULL when Kassa shuts down). Waiting charges start
 * on it once its till has recovered. */
void              kassa_charge_queue_set_counter     (KassaChargeQueue     *self,
                                                      KassaCounter         *counter);
KassaCounter     *kassa_charge_queue_get_counter     (KassaChargeQueue     *self);
/* Kassa cannot take payments: start-up failed (there is no counter) or the
 * unfinished payments could not be checked. Every waiting charge, and every
 * later one that cannot start, gets a copy of @error. */
void              kassa_charge_queue_fail            (KassaChargeQueue     *self,
                                                      const GError         *error);
/* The counter, or NULL with the reason in @error: the error of a failed
 * start-up, else KASSA_COUNTER_ERROR_NOT_READY. */
KassaCounter     *kassa_charge_queue_require_counter (KassaChargeQueue     *self,
                                                      GError              **error);

/* Charges through the counter once Kassa can take payments (start-up and
 * recovery finished). Completes like kassa_counter_charge_async(); when Kassa
 * cannot take payments, with the error given to kassa_charge_queue_fail();
 * after KASSA_CHARGE_QUEUE_WAIT_S seconds of waiting, with
 * KASSA_COUNTER_ERROR_NOT_READY. */
void              kassa_charge_queue_charge_async    (KassaChargeQueue     *self,
                                                      gint64                amount,
                                                      KassaInvoiceMethod    method,
                                                      const char           *phone,
                                                      const char           *reference,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
KassaInvoice     *kassa_charge_queue_charge_finish   (KassaChargeQueue     *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
/* Kassa shuts down: every waiting charge completes with G_IO_ERROR_CANCELLED. */
void              kassa_charge_queue_close           (KassaChargeQueue     *self);

G_END_DECLS
