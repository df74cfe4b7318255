/* kassa-till.h — the payment lifecycle controller
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The only code that moves invoices. Write-ahead: every move is committed to the
 * KassaJournal before the request that causes it is sent, and every reply is
 * committed before any observer sees it. Front ends (GUI, kassa-ctl, D-Bus)
 * call KassaTill and observe KassaInvoice objects; they never call the bank.
 */

#pragma once

#include <gio/gio.h>

#include "kassa-bank-client.h"
#include "kassa-invoice.h"
#include "kassa-journal.h"
#include "kassa-manager.h"
#include "kassa-push-listener.h"
#include "kassa-settlement.h"

G_BEGIN_DECLS

typedef enum
{
  KASSA_TILL_ERROR_NOT_RECOVERED,  /* unfinished invoices must be resolved before new sales */
  KASSA_TILL_ERROR_NOT_AUTHORISED, /* unused since the manager PIN moved to KassaManager
                                    * (its KASSA_MANAGER_ERROR is returned instead) */
  KASSA_TILL_ERROR_ILLEGAL,        /* the invoice's state forbids it (message says why) */
  KASSA_TILL_ERROR_PAYLOAD,        /* the bank's QR payload is invalid or asks another amount */
  KASSA_TILL_ERROR_UNKNOWN_OUTCOME,/* the request's outcome was not seen; it will be resolved */
  KASSA_TILL_ERROR_INVALID_PIN,    /* unused: see KASSA_MANAGER_ERROR_INVALID_PIN */
} KassaTillError;

#define KASSA_TILL_ERROR (kassa_till_error_quark ())
GQuark kassa_till_error_quark (void);

typedef enum
{
  KASSA_CONNECTION_ONLINE,   /* the last exchange with the bank completed */
  KASSA_CONNECTION_OFFLINE,  /* the bank cannot be reached or is failing; backing off */
} KassaConnectionState;

#define KASSA_TYPE_CONNECTION_STATE (kassa_connection_state_get_type ())
GType kassa_connection_state_get_type (void) G_GNUC_CONST;

/* A journaled invoice's wall-clock age (now minus its creation time) is only
 * believed up to this (7 days: a shop closed over a long holiday), and never
 * when negative. Beyond it one of the two clocks was wrong (a dead clock
 * battery, a mistyped date), so the age is unknown and counts from now. */
#define KASSA_TILL_MAX_TRUSTED_AGE (7 * G_TIME_SPAN_DAY)

#define KASSA_TYPE_TILL (kassa_till_get_type ())

G_DECLARE_FINAL_TYPE (KassaTill, kassa_till, KASSA, TILL, GObject)

/* Signals: ::invoice-added (KassaInvoice *) when a sale is journaled;
 * ::invoice-tracked (KassaInvoice *) whenever the till begins to follow an
 * invoice: a new sale (just before ::invoice-added), an unfinished one at
 * recovery, a cancelled one checked again, a paid one being refunded. Every
 * move the till makes happens while the invoice is tracked, so an observer
 * of its notify::state from here on sees every later state, whichever
 * session started it. The same invoice may be announced again once its
 * tracking has ended (e.g. a refund long after the sale);
 * ::recovered (const char *summary) when start-up recovery has finished;
 * ::journal-failed (KassaInvoice *, const char *message) when the journal
 * could not record a step or the bank's answer (e.g. the disk is full): the
 * message says what the bank said and that it is not recorded. The till tries
 * again later; recovery fails with the same message.
 * Properties: "connection-state" (KassaConnectionState), "recovered" (boolean).
 * docs/lifecycle.md describes the lifecycle this class drives. */

/* The till owns neither: @journal and @client are referenced. */
KassaTill           *kassa_till_new                   (KassaJournal     *journal,
                                                       KassaBankClient  *client);
KassaJournal        *kassa_till_get_journal           (KassaTill        *self);
KassaBankClient     *kassa_till_get_client            (KassaTill        *self);
KassaConnectionState kassa_till_get_connection_state  (KassaTill        *self);
/* While OFFLINE, the failure of the last exchange (the bank unreachable, or
 * it answered with a system error or an unreadable reply); NULL while ONLINE. */
const GError        *kassa_till_get_connection_error  (KassaTill        *self);
/* Whether start-up recovery has finished (sales are refused until then). */
gboolean             kassa_till_get_recovered         (KassaTill        *self);

/* Polling: every @fast_ms for @fast_period_s after creation, then every @slow_ms.
 * Defaults 1000 ms for 120 s, then 3000 ms. */
void                 kassa_till_set_poll_schedule     (KassaTill        *self,
                                                       guint             fast_ms,
                                                       guint             fast_period_s,
                                                       guint             slow_ms);
/* The schedule in use (each out argument may be NULL). */
void                 kassa_till_get_poll_schedule     (KassaTill        *self,
                                                       guint            *fast_ms,
                                                       guint            *fast_period_s,
                                                       guint            *slow_ms);
/* An unpaid invoice is cancelled at the bank this long after creation (default 600 s). */
void                 kassa_till_set_expiry            (KassaTill        *self,
                                                       guint             seconds);
guint                kassa_till_get_expiry            (KassaTill        *self);
/* How long ago @invoice was created, in µs, as the till counts it for the
 * expiry and the poll schedule: on the monotonic clock for an invoice it
 * tracks (wall-clock steps do not move it); otherwise by the wall clock,
 * -1 when that age is negative or above KASSA_TILL_MAX_TRUSTED_AGE. */
GTimeSpan            kassa_till_get_invoice_age       (KassaTill        *self,
                                                       KassaInvoice     *invoice);
/* Upper bound of the back-off while the bank is unreachable (default 30 s). */
void                 kassa_till_set_max_backoff       (KassaTill        *self,
                                                       guint             seconds);
/* The manager of the till's journal: the PIN that authorises refunds and
 * settlement, and the audit log. Owned by the till. */
KassaManager        *kassa_till_get_manager           (KassaTill        *self);

/* Resolves every unfinished invoice (and open settlement) with the bank before
 * new sales. The summary is a translated sentence ("2 payments recovered: 1
 * paid, 1 cancelled") and also emitted as ::recovered. */
void                 kassa_till_recover_async         (KassaTill            *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean             kassa_till_recover_finish        (KassaTill            *self,
                                                       GAsyncResult         *result,
                                                       char                **summary,
                                                       GError              **error);

/* Starts a sale. Completes once the invoice is AWAITING_PAYMENT (QR payload
 * validated) or has failed; afterwards the till polls it until it is final.
 * The returned invoice is also announced with ::invoice-added at creation.
 * Errors: NOT_RECOVERED, KASSA_INPUT_ERROR (nothing journaled), the bank's
 * refusal (invoice FAILED), PAYLOAD (invoice cancelled at the bank),
 * UNKNOWN_OUTCOME (CREATE_UNKNOWN; the till resolves it with check, never by
 * a second create — observe the invoice from ::invoice-added). @cancellable
 * is honoured before the write-ahead commit; after it, cancelling only ends
 * this call early: the invoice is still tracked. */
void                 kassa_till_sale_async            (KassaTill            *self,
                                                       gint64                amount,
                                                       KassaInvoiceMethod    method,
                                                       const char           *phone,
                                                       const char           *reference,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
KassaInvoice        *kassa_till_sale_finish           (KassaTill            *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
/* Checks at once (a push, or the cashier's "check now"). */
void                 kassa_till_check_now             (KassaTill            *self,
                                                       KassaInvoice         *invoice);
/* Checks the invoice numbered @number at once if the till tracks it (or it is
 * a cancelled or expired invoice of this terminal in the journal, which may
 * still turn out paid). Anything else (an unknown number, a finished invoice,
 * another terminal's, before recovery) is ignored with a g_debug(). Nothing is
 * moved by the call itself: only the bank's answer to `check` does. */
void                 kassa_till_check_number          (KassaTill            *self,
                                                       const char           *number);
/* Connects @listener's ::push-received to kassa_till_check_number(): a push
 * is only a hint. The till references @listener; NULL disconnects. The
 * connection is dropped when replaced and on dispose. */
void                 kassa_till_set_push_listener     (KassaTill            *self,
                                                       KassaPushListener    *listener);
/* Cancels an unpaid invoice at the bank, then checks once more. TRUE when the
 * invoice will not be paid; ILLEGAL (message says why) for a paid or finished
 * invoice, or when the customer paid first (PAID, paid_after_cancel);
 * UNKNOWN_OUTCOME when the answer was lost (CANCEL_UNKNOWN, resolved later). */
void                 kassa_till_cancel_async          (KassaTill            *self,
                                                       KassaInvoice         *invoice,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean             kassa_till_cancel_finish         (KassaTill            *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);
/* Refunds a PAID invoice, once, with the manager PIN, authorised through
 * kassa_till_get_manager() (the audit row names the invoice and @reason,
 * which may be NULL). ILLEGAL (not PAID, or already refunded; checked before
 * the PIN), a KASSA_MANAGER_ERROR (no PIN set, none given, wrong, rate
 * limited; nothing journaled), the bank's refusal (invoice stays PAID),
 * UNKNOWN_OUTCOME (REFUND_UNKNOWN, resolved later by check; a refund is never
 * re-sent). */
void                 kassa_till_refund_async          (KassaTill            *self,
                                                       KassaInvoice         *invoice,
                                                       const char           *pin,
                                                       const char           *reason,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
gboolean             kassa_till_refund_finish         (KassaTill            *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);

/* Closes the current batch of @client's terminal, with the manager PIN
 * (authorised through kassa_till_get_manager(); a KASSA_MANAGER_ERROR and
 * nothing journaled when it is not). Then journals it (the journal
 * allocates the batch id), sends /pos/settlement and stores the bank's
 * {amount, count, status}. Returns the batch with its reconciliation
 * (kassa_settlement_reconcile()). An unfinished batch (SETTLE_UNKNOWN after a
 * lost reply) is re-sent with the same id and returned instead of a new one.
 * A lost reply is KASSA_TILL_ERROR_UNKNOWN_OUTCOME; the till keeps re-sending
 * the same id until the bank answers. */
void                 kassa_till_settle_async          (KassaTill            *self,
                                                       const char           *pin,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
KassaSettlement     *kassa_till_settle_finish         (KassaTill            *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);

G_END_DECLS
