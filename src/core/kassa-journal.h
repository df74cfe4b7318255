/* kassa-journal.h — the durable record of every sale (SQLite)
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One file per mode (real, training). WAL, synchronous=FULL, exclusive lock while
 * open. Every function commits before it returns: when it returns TRUE the
 * change is on disk; when it returns FALSE nothing changed.
 */

#pragma once

#include <gio/gio.h>

#include "kassa-bank-reply.h"
#include "kassa-invoice.h"
#include "kassa-settlement.h"

G_BEGIN_DECLS

typedef enum
{
  KASSA_JOURNAL_ERROR_LOCKED,       /* another Kassa has it open */
  KASSA_JOURNAL_ERROR_CORRUPT,      /* not a Kassa journal, or damaged */
  KASSA_JOURNAL_ERROR_TOO_NEW,      /* written by a newer Kassa (schema version) */
  KASSA_JOURNAL_ERROR_IO,           /* cannot create, read or write the file */
  KASSA_JOURNAL_ERROR_NOT_FOUND,    /* no such invoice / settlement */
  KASSA_JOURNAL_ERROR_ILLEGAL_MOVE, /* the state machine forbids it */
  KASSA_JOURNAL_ERROR_ALREADY_SETTLED, /* a settlement batch can be settled once */
  KASSA_JOURNAL_ERROR_BATCH_OPEN,   /* the terminal already has an unfinished settlement batch */
  KASSA_JOURNAL_ERROR_AUDIT_BROKEN, /* the audit log's hash chain is broken (a row edited or removed) */
} KassaJournalError;

#define KASSA_JOURNAL_ERROR (kassa_journal_error_quark ())
GQuark kassa_journal_error_quark (void);

/* PRAGMA user_version of a current journal; docs/journal.md lists the versions. */
#define KASSA_JOURNAL_SCHEMA_VERSION 6

/* Why the till cancelled an invoice, recorded with its CANCELLING state
 * (schema version 4) so that a restart knows how the cancel ends: EXPIRED for
 * the expiry's cancel, CANCELLED for every other. */
typedef enum
{
  KASSA_CANCEL_REASON_UNKNOWN,      /* not recorded: a cancel journaled before version 4 */
  KASSA_CANCEL_REASON_CASHIER,      /* kassa_till_cancel_async */
  KASSA_CANCEL_REASON_EXPIRY,       /* the invoice expired */
  KASSA_CANCEL_REASON_LOST_PAYLOAD, /* the create's reply was lost: the customer never saw a code */
  KASSA_CANCEL_REASON_BAD_PAYLOAD,  /* the bank's payload failed its check and was not shown */
} KassaCancelReason;

#define KASSA_TYPE_CANCEL_REASON (kassa_cancel_reason_get_type ())
GType kassa_cancel_reason_get_type (void);

typedef enum
{
  KASSA_JOURNAL_MODE_REAL,
  KASSA_JOURNAL_MODE_TRAINING,
} KassaJournalMode;

/* $KASSA_JOURNAL, else $XDG_DATA_HOME/kassa/journal.sqlite (real) or
 * $XDG_DATA_HOME/kassa/training.sqlite (training). */
char *kassa_journal_default_path (KassaJournalMode mode);

#define KASSA_TYPE_JOURNAL (kassa_journal_get_type ())

G_DECLARE_FINAL_TYPE (KassaJournal, kassa_journal, KASSA, JOURNAL, GObject)

/* Opens or creates the journal (and its folder). Never recreates an existing
 * file: a damaged or foreign file is KASSA_JOURNAL_ERROR_CORRUPT; one that
 * another process holds is KASSA_JOURNAL_ERROR_LOCKED (the lock is PATH.lock,
 * so it holds for the path). Migrates older schemas. A new file is 0600.
 *
 * Before every write the journal checks that its file is still at its path;
 * one deleted, renamed or replaced is put back from the open database, and
 * ::notice (const char *message) tells the person. */
KassaJournal *kassa_journal_open               (const char          *path,
                                                GError             **error);
/* A sentence the person must read about the opening, or NULL: the file was
 * a copy of another journal file, and now has a new journal id. */
const char   *kassa_journal_get_open_notice    (KassaJournal        *self);
/* Whether opening ran the full PRAGMA quick_check: only when the journal
 * was not closed cleanly last time (docs/journal.md "Checking"). */
gboolean      kassa_journal_get_checked_at_open (KassaJournal       *self);
const char   *kassa_journal_get_path           (KassaJournal        *self);
/* The journal's random id (6 hex digits), part of every invoice number. */
const char   *kassa_journal_get_id             (KassaJournal        *self);
/* Closes the database; later calls fail. Also done on finalize. */
void          kassa_journal_close              (KassaJournal        *self);

/* Allocates a new invoice number (unique forever in this journal, ≤ 32 characters,
 * [A-Za-z0-9-]) and records the invoice in state CREATING, in one transaction. */
KassaInvoice *kassa_journal_create_invoice     (KassaJournal        *self,
                                                const char          *terminal,
                                                gint64               amount,
                                                KassaInvoiceMethod   method,
                                                const char          *phone,
                                                const char          *reference,
                                                GError             **error);
/* Moves @invoice to @state, storing the bank's fields when @transaction /
 * @payload are given, and a note (an error text) in the transition log, in one
 * transaction. Only after the commit are the invoice's properties updated and
 * notified. Illegal moves are KASSA_JOURNAL_ERROR_ILLEGAL_MOVE. */
gboolean      kassa_journal_move               (KassaJournal               *self,
                                                KassaInvoice               *invoice,
                                                KassaInvoiceState           state,
                                                const char                 *payload,
                                                const KassaBankTransaction *transaction,
                                                const char                 *note,
                                                GError                    **error);
/* Moves @invoice to CANCELLING like kassa_journal_move() and records
 * @reason (KASSA_CANCEL_REASON_UNKNOWN keeps what is recorded) in the same
 * transaction. */
gboolean      kassa_journal_move_to_cancelling (KassaJournal        *self,
                                                KassaInvoice        *invoice,
                                                KassaCancelReason    reason,
                                                const char          *note,
                                                GError             **error);
/* Why @invoice was last cancelled: KASSA_CANCEL_REASON_UNKNOWN when no
 * reason was recorded (a cancel journaled by an older Kassa, or none). */
gboolean      kassa_journal_get_cancel_reason  (KassaJournal        *self,
                                                KassaInvoice        *invoice,
                                                KassaCancelReason   *reason,
                                                GError             **error);
/* Marks a PAID invoice as paid after a cancel (the cashier must be told). */
gboolean      kassa_journal_set_paid_after_cancel (KassaJournal     *self,
                                                   KassaInvoice     *invoice,
                                                   GError          **error);
/* Records a bank exchange (request JSON without any secret, reply body or
 * error). @invoice or @settlement_id may be NULL. */
gboolean      kassa_journal_record_exchange    (KassaJournal        *self,
                                                KassaInvoice        *invoice,
                                                const char          *settlement_id,
                                                KassaBankEndpoint    endpoint,
                                                const char          *request_json,
                                                guint                http_status,
                                                const char          *reply_body,
                                                const GError        *reply_error,
                                                GError             **error);

/* A successful bank exchange whose answer moves an invoice, for
 * kassa_journal_move_recording(): the request JSON (no secret), the HTTP
 * status and the reply body. */
typedef struct
{
  KassaBankEndpoint  endpoint;
  const char        *request_json;
  guint              http_status;
  const char        *reply_body;
} KassaJournalExchange;

/* kassa_journal_move() and kassa_journal_record_exchange() of the @exchange
 * that caused the move, in one transaction: the answer and what it changed
 * are on disk together, with one sync (the create reply that opens a sale). */
gboolean      kassa_journal_move_recording     (KassaJournal                *self,
                                                KassaInvoice                *invoice,
                                                KassaInvoiceState            state,
                                                const char                  *payload,
                                                const KassaBankTransaction  *transaction,
                                                const char                  *note,
                                                const KassaJournalExchange  *exchange,
                                                GError                     **error);

/* Records an exchange of @invoice whose outcome changed nothing (a check
 * that says "not paid yet"): when the invoice's latest exchange row is a
 * routine one of the same endpoint, it is counted there (its repeats, and
 * its first and last time) instead of stored anew; otherwise it is a new
 * routine row. Errors and outcomes that change something go to
 * kassa_journal_record_exchange(). docs/journal.md "Trimming". */
gboolean      kassa_journal_record_routine_exchange (KassaJournal   *self,
                                                     KassaInvoice   *invoice,
                                                     KassaBankEndpoint endpoint,
                                                     const char     *request_json,
                                                     guint           http_status,
                                                     const char     *reply_body,
                                                     const GError   *reply_error,
                                                     GError        **error);

/* The same object for the same number while it is alive. */
KassaInvoice *kassa_journal_lookup             (KassaJournal        *self,
                                                const char          *number,
                                                GError             **error);
/* Invoices not in a final state (CREATING, *_UNKNOWN, AWAITING_PAYMENT, …). */
GPtrArray    *kassa_journal_list_unfinished    (KassaJournal        *self,
                                                GError             **error);
/* Invoices created in [@from, @to) (either may be NULL), oldest first. */
GPtrArray    *kassa_journal_list               (KassaJournal        *self,
                                                GDateTime           *from,
                                                GDateTime           *to,
                                                GError             **error);
/* The transition log of one invoice as a JSON array text. */
char         *kassa_journal_get_history_json   (KassaJournal        *self,
                                                KassaInvoice        *invoice,
                                                GError             **error);

/* Settlement batches. A batch id is "S" + YYMMDD (UTC) + "-" + journal id + "-"
 * + sequence, unique forever in this journal. Begin assigns every PAID invoice
 * of @terminal that is in no batch yet to a new SETTLING batch (it may be empty)
 * and stores the local count and sum, in one transaction; a terminal has at most
 * one unfinished (SETTLING or SETTLE_UNKNOWN) batch: KASSA_JOURNAL_ERROR_BATCH_OPEN. */
KassaSettlement *kassa_journal_begin_settlement  (KassaJournal                   *self,
                                                  const char                     *terminal,
                                                  GError                        **error);
/* Moves @settlement to @state (SETTLED, SETTLE_UNKNOWN, FAILED or SETTLING for a
 * retry), storing the bank's @reply when given and @note as its last error.
 * A SETTLED batch is KASSA_JOURNAL_ERROR_ALREADY_SETTLED; other illegal moves are
 * KASSA_JOURNAL_ERROR_ILLEGAL_MOVE. FAILED releases the batch's invoices so a
 * later batch covers them (the batch keeps its list). Properties are updated and
 * notified only after the commit. */
gboolean         kassa_journal_finish_settlement (KassaJournal                   *self,
                                                  KassaSettlement                *settlement,
                                                  KassaSettlementState            state,
                                                  const KassaBankSettlementReply *reply,
                                                  const char                     *note,
                                                  GError                        **error);
/* The same object for the same id while it is alive. */
KassaSettlement *kassa_journal_lookup_settlement (KassaJournal                   *self,
                                                  const char                     *id,
                                                  GError                        **error);
/* All batches, oldest first. */
GPtrArray       *kassa_journal_list_settlements  (KassaJournal                   *self,
                                                  GError                        **error);
/* The batch of @settlement's terminal created last before it that the bank
 * did not refuse (not FAILED): where @settlement's day began. NULL without
 * an error when there is none. Reads that one batch, not every batch. */
KassaSettlement *kassa_journal_lookup_previous_settlement (KassaJournal          *self,
                                                           KassaSettlement       *settlement,
                                                           GError               **error);
/* Batches in SETTLING or SETTLE_UNKNOWN (to be resolved at start-up). */
GPtrArray       *kassa_journal_list_open_settlements (KassaJournal               *self,
                                                      GError                    **error);

/* Small settings kept with the journal (e.g. the manager PIN hash). Keys are
 * [a-z0-9_.-]; the journal's own keys (journal_id, next_*) cannot be set.
 * get returns NULL without an error when the key is not set. */
char            *kassa_journal_get_meta          (KassaJournal                   *self,
                                                  const char                     *key,
                                                  GError                        **error);
/* @value NULL removes the key. */
gboolean         kassa_journal_set_meta          (KassaJournal                   *self,
                                                  const char                     *key,
                                                  const char                     *value,
                                                  GError                        **error);

/* The audit log (schema 3): one row per manager action, hash-chained. Each
 * row's hash is SHA-256 (lowercase hex) over
 *
 *   "kassa-audit-v1\n" PREV_HASH "\n" N(id) N(time) N(action) N(reason) N(subject) N(result)
 *
 * where PREV_HASH is the previous row's hash (64 "0" for the first row), N(x)
 * is the netstring of x (decimal byte length, ":", the UTF-8 bytes, ","),
 * integers are written in decimal and an absent text is the empty string.
 * docs/journal.md has an example. */
typedef struct
{
  gint64  id;        /* 1, 2, 3, … */
  gint64  time_us;   /* µs since the epoch, UTC */
  char   *action;    /* "refund", "settle", "preferences", "leave-training", "pin-set", … */
  char   *reason;    /* "" when none was given */
  char   *subject;   /* invoice number, batch id or "" */
  char   *result;    /* "authorised", "wrong-pin", "refunded", … */
  char   *prev_hash;
  char   *hash;
} KassaAuditEntry;

void             kassa_audit_entry_free          (KassaAuditEntry                *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaAuditEntry, kassa_audit_entry_free)

/* The canonical hash of a row (see above); a fresh string. */
char            *kassa_audit_entry_compute_hash  (const KassaAuditEntry          *entry);

/* Appends a row chained to the last one, in one transaction. @action and
 * @result are required; @reason and @subject may be NULL. Returns the new
 * row's id, or 0 with @error set. */
gint64           kassa_journal_append_audit      (KassaJournal                   *self,
                                                  gint64                          time_us,
                                                  const char                     *action,
                                                  const char                     *reason,
                                                  const char                     *subject,
                                                  const char                     *result,
                                                  GError                        **error);
/* Every row (KassaAuditEntry), oldest first. */
GPtrArray       *kassa_journal_list_audit        (KassaJournal                   *self,
                                                  GError                        **error);
/* Checks the whole chain. TRUE when intact (*@out_rows: rows checked).
 * Broken: FALSE with KASSA_JOURNAL_ERROR_AUDIT_BROKEN, *@out_bad_id the first
 * row that does not verify (for rows removed at the end: the first missing
 * id) and a message saying what is wrong. Other errors leave *@out_bad_id 0. */
gboolean         kassa_journal_verify_audit      (KassaJournal                   *self,
                                                  gint64                         *out_rows,
                                                  gint64                         *out_bad_id,
                                                  GError                        **error);

/* The print log (schema 6, docs/printing.md "A receipt is never lost"): one
 * row per job sent to a receipt printer (kassa-print-queue.h), written in
 * state PRINTING before the first byte goes out and finished PRINTED or
 * FAILED (with the reason, in the cashier's words) after. A row still
 * PRINTING when the journal opens was cut short by a crash: the open marks it
 * FAILED ("Kassa stopped while printing"). Nothing prints it again on its own. */
typedef enum
{
  KASSA_PRINT_KIND_RECEIPT,     /* a PAID sale's or a REFUNDED invoice's receipt */
  KASSA_PRINT_KIND_SLIP,        /* an end-of-day slip */
  KASSA_PRINT_KIND_TEST_PAGE,
  KASSA_PRINT_KIND_DRAWER,      /* a cash drawer pulse */
} KassaPrintKind;

typedef enum
{
  KASSA_PRINT_STATE_NONE,       /* never printed here (no job in the journal) */
  KASSA_PRINT_STATE_PRINTING,
  KASSA_PRINT_STATE_PRINTED,
  KASSA_PRINT_STATE_FAILED,
} KassaPrintState;

/* "receipt", "slip", "test-page", "drawer" (the journal's words). */
const char      *kassa_print_kind_to_string      (KassaPrintKind                  kind);
/* "none", "printing", "printed", "failed". */
const char      *kassa_print_state_to_string     (KassaPrintState                 state);

/* Journals a new job in state PRINTING: @invoice (a number in the journal)
 * for a receipt, @settlement (a batch id) for a slip, NULL otherwise;
 * @printer is the printer's URI. Returns the job's id (> 0), or 0 with
 * @error set. */
gint64           kassa_journal_begin_print       (KassaJournal                   *self,
                                                  KassaPrintKind                  kind,
                                                  const char                     *invoice,
                                                  const char                     *settlement,
                                                  const char                     *printer,
                                                  GError                        **error);
/* Ends job @id: PRINTED when @error_text is NULL, else FAILED with it. Only a
 * PRINTING job ends: another is KASSA_JOURNAL_ERROR_ILLEGAL_MOVE, an unknown
 * id KASSA_JOURNAL_ERROR_NOT_FOUND. */
gboolean         kassa_journal_finish_print      (KassaJournal                   *self,
                                                  gint64                          id,
                                                  const char                     *error_text,
                                                  GError                        **error);
/* The state of the newest receipt job of invoice @number (NONE when there is
 * none) and, when FAILED, its reason (*@out_error_text, may be NULL). */
gboolean         kassa_journal_get_receipt_print (KassaJournal                   *self,
                                                  const char                     *number,
                                                  KassaPrintState                *out_state,
                                                  char                          **out_error_text,
                                                  GError                        **error);
/* The invoice numbers (char *) whose newest receipt job FAILED and was
 * started at or after @since (NULL: ever), oldest job first: the cashier
 * window's "not printed" list after a restart. */
GPtrArray       *kassa_journal_list_failed_receipts (KassaJournal                *self,
                                                     GDateTime                   *since,
                                                     GError                     **error);

G_END_DECLS
