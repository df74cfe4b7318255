/* kassa-till-private.h — what the parts of KassaTill share
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * KassaTill is three files: kassa-till.c (the object, its API, recovery and
 * settlement), kassa-till-tracker.c (one invoice's lifecycle, the state
 * machine of docs/lifecycle.md) and kassa-till-reading.c (what a bank's
 * answer means). Not installed, not for front ends.
 */

#pragma once

#include "kassa-till.h"

G_BEGIN_DECLS

typedef struct _KassaTillTracker KassaTillTracker;

struct _KassaTill
{
  GObject               parent_instance;

  KassaJournal         *journal;
  KassaBankClient      *client;
  KassaManager         *manager;       /* the PIN and the audit log of the journal */
  GCancellable         *cancellable;   /* cancelled on dispose: every request */
  GHashTable           *trackers;      /* invoice number → KassaTillTracker (owned) */
  GHashTable           *settle_jobs;   /* settlement id → SettleJob (owned) */

  KassaConnectionState  connection_state;
  GError               *connection_error;  /* why OFFLINE: the last failed exchange */
  gboolean              recovered;

  guint                 fast_ms;
  guint                 fast_period_s;
  guint                 slow_ms;
  guint                 expiry_s;
  guint                 max_backoff_s;

  /* Start-up recovery */
  GTask                *recover_task;
  guint                 recover_pending;
  guint                 recover_counts[KASSA_INVOICE_REFUNDED + 1];
  guint                 recover_total;
  guint                 recover_settled;
  GError               *recover_error;  /* a bank answer the journal could not record */

  KassaPushListener    *push_listener;
  gulong                push_handler_id;

  guint                 trim_id;  /* trims a v4 journal's exchanges, a chunk at a time */
};

/* ---- kassa-till.c: what a tracker uses of its till ---- */

/* Dies (SIGKILL) when KASSA_CRASH_POINT is @name: tests only, see
 * docs/lifecycle.md "Crash points". */
void               kassa_crash_point             (const char                 *name);
/* Updates the connection state after an exchange; returns whether the bank answered. */
gboolean           kassa_till_note_exchange      (KassaTill                  *self,
                                                  guint                      *failures,
                                                  const GError               *error);
/* The back-off after @failures exchanges without an answer. */
guint              kassa_till_backoff_ms         (KassaTill                  *self,
                                                  guint                       failures);
/* The request JSON of an exchange as the journal records it (no secret). */
char              *kassa_till_exchange_request   (KassaTill                  *self,
                                                  KassaInvoice               *invoice,
                                                  const char                 *settlement_id,
                                                  KassaBankEndpoint           endpoint);
/* Records an exchange in the journal (docs/lifecycle.md "The record"); a
 * @routine one (a check that says "not paid yet") is counted, not stored
 * anew (docs/journal.md "Trimming"). */
void               kassa_till_record_exchange    (KassaTill                  *self,
                                                  KassaInvoice               *invoice,
                                                  const char                 *settlement_id,
                                                  KassaBankEndpoint           endpoint,
                                                  const char                 *reply_json,
                                                  const GError               *error,
                                                  gboolean                    routine);
/* Finishes the start-up recovery once nothing is pending. */
void               kassa_till_recovery_progress  (KassaTill                  *self);
/* Emits ::invoice-tracked: the till has begun to follow @invoice. */
void               kassa_till_emit_tracked       (KassaTill                  *self,
                                                  KassaInvoice               *invoice);
/* Emits ::journal-failed. */
void               kassa_till_emit_journal_failed (KassaTill                 *self,
                                                   KassaInvoice              *invoice,
                                                   const char                *message);

/* ---- kassa-till-tracker.c: one invoice ---- */

/* The invoice's tracker, made if there is none yet (the till owns it). */
KassaTillTracker  *kassa_till_tracker_get        (KassaTill                  *self,
                                                  KassaInvoice               *invoice);
KassaTillTracker  *kassa_till_tracker_lookup     (KassaTill                  *self,
                                                  const char                 *number);
void               kassa_till_tracker_unref      (KassaTillTracker           *t);
void               kassa_till_tracker_detach     (KassaTillTracker           *t);
/* The age of a tracked invoice in µs, on the monotonic clock. */
gint64             kassa_till_tracker_age_us     (KassaTillTracker           *t);
/* The age of an untracked invoice by the wall clock, or -1 if not believable. */
gint64             kassa_till_invoice_wall_age_us (KassaInvoice              *invoice);
void               kassa_till_tracker_start_sale (KassaTillTracker           *t,
                                                  GTask                      *task);
void               kassa_till_tracker_send_create (KassaTillTracker          *t,
                                                   const char                *phone);
gboolean           kassa_till_tracker_recover    (KassaTillTracker           *t);
void               kassa_till_tracker_check_now  (KassaTillTracker           *t);
gboolean           kassa_till_tracker_cancel     (KassaTillTracker           *t,
                                                  GTask                      *task);
gboolean           kassa_till_tracker_refund     (KassaTillTracker           *t,
                                                  GTask                      *task);

/* ---- kassa-till-reading.c: what the bank's answers mean ---- */

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
