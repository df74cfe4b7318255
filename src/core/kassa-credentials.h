/* kassa-credentials.h — the bank account's checks, connection test and save, without a window
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one home of what both account forms (the credentials dialog and the
 * preferences window, through KassaAccountForm) do with a terminal id, its
 * secret key and the bank address: every field checked at once; "Test
 * connection" as a real `check` of a made-up invoice, read by
 * kassa_bank_read_probe(); "Save" into the secret store, then GSettings; and
 * the sentence that says where the secret key is kept. Every verdict is a
 * KassaCredentialsStatus, the fields at fault and one sentence for the
 * person, which never contains the secret.
 *
 * @terminal and @url are trimmed; @secret is taken exactly as typed (spaces
 * can be part of a key), and NULL or "" means "the one already stored for
 * @terminal".
 */

#pragma once

#include <gio/gio.h>

#include "kassa-bank-reply.h"
#include "kassa-secret-store.h"

G_BEGIN_DECLS

#define KASSA_CREDENTIALS_DEFAULT_TEST_TIMEOUT 15 /* seconds */

typedef enum
{
  KASSA_CREDENTIALS_STATUS_NONE,
  KASSA_CREDENTIALS_STATUS_INVALID,      /* a field was refused; nothing sent, nothing saved */
  KASSA_CREDENTIALS_STATUS_TESTING,
  KASSA_CREDENTIALS_STATUS_TEST_OK,      /* the bank accepted terminal and secret key */
  KASSA_CREDENTIALS_STATUS_TEST_FAILED,
  KASSA_CREDENTIALS_STATUS_SAVING,
  KASSA_CREDENTIALS_STATUS_SAVED,
  KASSA_CREDENTIALS_STATUS_SAVE_FAILED,  /* keyring or file failed; GSettings untouched */
} KassaCredentialsStatus;

#define KASSA_TYPE_CREDENTIALS_STATUS (kassa_credentials_status_get_type ())
GType kassa_credentials_status_get_type (void);

/* Which fields a verdict points at. */
typedef enum
{
  KASSA_CREDENTIALS_FIELD_NONE     = 0,
  KASSA_CREDENTIALS_FIELD_TERMINAL = 1 << 0,
  KASSA_CREDENTIALS_FIELD_SECRET   = 1 << 1,
  KASSA_CREDENTIALS_FIELD_URL      = 1 << 2,
} KassaCredentialsField;

#define KASSA_TYPE_CREDENTIALS (kassa_credentials_get_type ())

G_DECLARE_FINAL_TYPE (KassaCredentials, kassa_credentials, KASSA, CREDENTIALS, GObject)

/* Keeps the secret in @store; reads and writes "terminal" and "bank-url" of
 * @settings (schema mn.kassa.Kassa). */
KassaCredentials *kassa_credentials_new              (KassaSecretStore       *store,
                                                      GSettings              *settings);
KassaSecretStore *kassa_credentials_get_store        (KassaCredentials       *self);
GSettings        *kassa_credentials_get_settings     (KassaCredentials       *self);

/* Every problem at once, one sentence a line, in @error (KASSA_INPUT_ERROR);
 * @out_fields (may be NULL) gets the fields at fault. Nothing is looked up.
 * The bank address follows kassa_bank_url_validate(). */
gboolean kassa_credentials_validate                  (const char             *terminal,
                                                      const char             *secret,
                                                      const char             *url,
                                                      KassaCredentialsField  *out_fields,
                                                      GError                **error);

/* Checks the fields, looks the secret up when none is given, and sends
 * `check` of a made-up invoice number to the bank (@timeout_s > 0). The
 * verdict is TEST_OK, TEST_FAILED or INVALID (a field refused, or no secret
 * given nor stored). */
void     kassa_credentials_test_async                (KassaCredentials       *self,
                                                      const char             *terminal,
                                                      const char             *secret,
                                                      const char             *url,
                                                      guint                   timeout_s,
                                                      GCancellable           *cancellable,
                                                      GAsyncReadyCallback     callback,
                                                      gpointer                user_data);
/* Saves: the secret into the store (or checks that one is stored), then
 * "terminal" and "bank-url" into the settings. SAVED, SAVE_FAILED (the store
 * or the settings refused; GSettings untouched when the store refused) or
 * INVALID. */
void     kassa_credentials_save_async                (KassaCredentials       *self,
                                                      const char             *terminal,
                                                      const char             *secret,
                                                      const char             *url,
                                                      GCancellable           *cancellable,
                                                      GAsyncReadyCallback     callback,
                                                      gpointer                user_data);
/* For both: FALSE only when cancelled (G_IO_ERROR_CANCELLED in @error);
 * otherwise the verdict in the out arguments (each may be NULL). */
gboolean kassa_credentials_verdict_finish            (GAsyncResult           *result,
                                                      KassaCredentialsStatus *out_status,
                                                      KassaCredentialsField  *out_fields,
                                                      char                  **out_message,
                                                      GError                **error);

/* Whether a secret is stored for @terminal (looked up and wiped at once:
 * the secret never leaves this object). FALSE with @error when the store
 * cannot be read (a file with wrong permissions…). */
void     kassa_credentials_lookup_stored_async       (KassaCredentials       *self,
                                                      const char             *terminal,
                                                      GCancellable           *cancellable,
                                                      GAsyncReadyCallback     callback,
                                                      gpointer                user_data);
gboolean kassa_credentials_lookup_stored_finish      (KassaCredentials       *self,
                                                      GAsyncResult           *result,
                                                      GError                **error);

/* Where the secret key is kept (kassa_secret_store_describe()), then, when
 * @lookup_error is set, why the stored one cannot be read, or else, when
 * @stored_terminal is set, that a key for it is stored and an empty field
 * keeps it. */
char    *kassa_credentials_describe_storage          (KassaCredentials       *self,
                                                      const char             *stored_terminal,
                                                      const GError           *lookup_error);

/* ------------------------------------------------------------------ */
/* The reading of the connection test's answer. Implemented in
 * kassa-till-reading.c beside kassa_till_read_check(), with the same errorType
 * words compared the same way, so that the test and the till cannot read one
 * answer two ways. */

/* @transaction or @error (exactly one) is the outcome of the `check` (or
 * @error the bank client's refusal of the values) for @terminal at @url with
 * a @timeout_s timeout. Returns TEST_OK, TEST_FAILED or INVALID; @out_fields
 * gets the fields at fault, @out_message the sentence for the person. */
KassaCredentialsStatus kassa_bank_read_probe         (const char                 *terminal,
                                                      const char                 *url,
                                                      guint                       timeout_s,
                                                      const KassaBankTransaction *transaction,
                                                      const GError               *error,
                                                      KassaCredentialsField      *out_fields,
                                                      char                      **out_message);

G_END_DECLS
