/* kassa-manager.h — the manager PIN, its rate limit and the audit log
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One KassaManager per journal (KassaTill owns one: kassa_till_get_manager()).
 * The PIN is 4 to 8 digits, stored only as a salted PBKDF2-HMAC-SHA256 hash in
 * the journal's meta table:
 *
 *   "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX"   (16-byte salt, 32-byte hash)
 *
 * with KASSA_MANAGER_PBKDF2_ITERATIONS rounds. Hashes written by older Kassa
 * (100 000 rounds, PINs of up to 12 digits) stay valid and are re-hashed with
 * the current count after their next successful use.
 *
 * Wrong PINs are rate limited: after KASSA_MANAGER_FREE_ATTEMPTS wrong PINs in
 * a row every further check must wait 2 s, then 4 s, 8 s, … up to
 * KASSA_MANAGER_MAX_DELAY_S after the last wrong one. The count and the time
 * of the last wrong PIN are kept in the journal, so a restart does not reset
 * them; a right PIN does.
 *
 * Every authorisation (granted or refused) and every PIN change is appended to
 * the journal's hash-chained audit log (kassa_journal_append_audit()).
 * docs/journal.md describes the log; docs/lifecycle.md who asks for the PIN.
 */

#pragma once

#include <gio/gio.h>

#include "kassa-journal.h"

G_BEGIN_DECLS

typedef enum
{
  KASSA_MANAGER_ERROR_NO_PIN,       /* no manager PIN has been set yet */
  KASSA_MANAGER_ERROR_WRONG_PIN,    /* the PIN does not match (counts towards the rate limit) */
  KASSA_MANAGER_ERROR_RATE_LIMITED, /* too many wrong PINs: the message says how long to wait */
  KASSA_MANAGER_ERROR_INVALID_PIN,  /* not 4 to 8 digits (the message says so); nothing checked */
} KassaManagerError;

#define KASSA_MANAGER_ERROR (kassa_manager_error_quark ())
GQuark kassa_manager_error_quark (void);

#define KASSA_MANAGER_PIN_MIN_DIGITS      4
#define KASSA_MANAGER_PIN_MAX_DIGITS      8
/* PBKDF2-HMAC-SHA256 rounds of a new hash: the OWASP Password Storage Cheat
 * Sheet's figure (2023) for PBKDF2-HMAC-SHA256; about 0.2 s on a till PC. */
#define KASSA_MANAGER_PBKDF2_ITERATIONS   600000
/* Wrong PINs in a row allowed without any delay. */
#define KASSA_MANAGER_FREE_ATTEMPTS       3
/* The longest wait imposed after wrong PINs, in seconds. */
#define KASSA_MANAGER_MAX_DELAY_S         300

/* The actions that need the PIN; also the audit log's action names. */
#define KASSA_MANAGER_ACTION_REFUND         "refund"
#define KASSA_MANAGER_ACTION_SETTLE         "settle"
#define KASSA_MANAGER_ACTION_PREFERENCES    "preferences"
#define KASSA_MANAGER_ACTION_LEAVE_TRAINING "leave-training"
#define KASSA_MANAGER_ACTION_OPEN_DRAWER    "open-drawer"
/* Written by kassa_manager_set_pin() itself. */
#define KASSA_MANAGER_ACTION_PIN_SET        "pin-set"
#define KASSA_MANAGER_ACTION_PIN_CHANGE     "pin-change"
#define KASSA_MANAGER_ACTION_PIN_CLEAR      "pin-clear"

/* The audit log's result words. */
#define KASSA_MANAGER_RESULT_AUTHORISED     "authorised"
#define KASSA_MANAGER_RESULT_WRONG_PIN      "wrong-pin"
#define KASSA_MANAGER_RESULT_RATE_LIMITED   "rate-limited"
/* The outcome of an authorised "open-drawer" (then "failed: …" with the reason). */
#define KASSA_MANAGER_RESULT_OPENED         "opened"

/* The wall clock in µs since the epoch (UTC), for tests; default g_get_real_time(). */
typedef gint64 (*KassaManagerClock) (gpointer user_data);

#define KASSA_TYPE_MANAGER (kassa_manager_get_type ())

G_DECLARE_FINAL_TYPE (KassaManager, kassa_manager, KASSA, MANAGER, GObject)

/* Properties: "journal" (KassaJournal, construct-only), "has-pin" (boolean,
 * notified when a PIN is first set). */

KassaManager *kassa_manager_new                (KassaJournal         *journal);
KassaJournal *kassa_manager_get_journal        (KassaManager         *self);
/* For tests: replaces the clock used for the rate limit and audit times. */
void          kassa_manager_set_clock          (KassaManager         *self,
                                                KassaManagerClock     clock,
                                                gpointer              user_data);

gboolean      kassa_manager_has_pin            (KassaManager         *self);
/* Whether @pin has the form of a new PIN (4 to 8 ASCII digits); the error
 * (KASSA_MANAGER_ERROR_INVALID_PIN) says what is wrong with it. */
gboolean      kassa_manager_check_pin_format   (const char           *pin,
                                                GError              **error);
/* Sets the PIN (first use: @old_pin NULL; it is ignored when no PIN is set)
 * or changes it (@old_pin must be the current PIN; it is rate limited like
 * any check). @new_pin NULL removes the PIN (needs the current one; refunds
 * and settlement are then refused until a PIN is set). Blocks for two PBKDF2
 * runs at most: call it from a thread or accept the pause (kassa-ctl does).
 * Writes "pin-set" / "pin-change" / "pin-clear" to the audit log (a wrong
 * old PIN too). Errors: INVALID_PIN (the new PIN's form, or @old_pin NULL
 * when a PIN exists), WRONG_PIN, RATE_LIMITED, a journal error. */
gboolean      kassa_manager_set_pin            (KassaManager         *self,
                                                const char           *old_pin,
                                                const char           *new_pin,
                                                GError              **error);

/* Seconds to wait before the next PIN check is accepted (0: now). */
guint         kassa_manager_get_wait           (KassaManager         *self);

/* Checks @pin for @action (one of KASSA_MANAGER_ACTION_*) in a thread (PBKDF2),
 * applies the rate limit and appends the audit row (action, @reason, @subject,
 * result). Checks run one at a time, in the order they were asked for.
 * Errors: NO_PIN, INVALID_PIN, WRONG_PIN, RATE_LIMITED (none of these run
 * PBKDF2 except WRONG_PIN), a journal error (the audit row could not be
 * written: not authorised). @reason and @subject may be NULL. */
void          kassa_manager_authorise_async    (KassaManager         *self,
                                                const char           *pin,
                                                const char           *action,
                                                const char           *reason,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
/* The same with the thing acted on (an invoice number, a batch id) for the audit row. */
void          kassa_manager_authorise_full_async (KassaManager       *self,
                                                  const char         *pin,
                                                  const char         *action,
                                                  const char         *reason,
                                                  const char         *subject,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
gboolean      kassa_manager_authorise_finish   (KassaManager         *self,
                                                GAsyncResult         *result,
                                                GError              **error);

/* Appends an audit row with the manager's clock (e.g. the outcome of an
 * authorised refund: result "refunded", "refused: …", "unknown"). */
gboolean      kassa_manager_record             (KassaManager         *self,
                                                const char           *action,
                                                const char           *reason,
                                                const char           *subject,
                                                const char           *result,
                                                GError              **error);

G_END_DECLS
