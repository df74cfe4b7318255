/* kassa-credentials-dialog.h — enter the bank terminal, its secret key and the bank address
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A modal window over the cashier window. "Test connection" sends a real
 * `check` of a made-up invoice number with the values typed in; "Save" puts
 * the secret key into KassaSecretStore (keyring or private file) and the
 * terminal and bank address into GSettings. Kassa switches from training to
 * real payments at its next start. Nothing is saved unless every field is
 * valid.
 *
 * Actions (on the dialog): "credentials.test", "credentials.save".
 * Properties (read-only, notify): "settings" (GSettings, construct-only),
 * "status" (KassaCredentialsStatus), "status-message" (string, the sentence
 * shown to the person, or NULL).
 * Signals: ::saved () after a successful save.
 */

#pragma once

#include <adwaita.h>

#include "kassa-secret-store.h"

G_BEGIN_DECLS

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

#define KASSA_TYPE_CREDENTIALS_DIALOG (kassa_credentials_dialog_get_type ())

G_DECLARE_FINAL_TYPE (KassaCredentialsDialog, kassa_credentials_dialog,
                      KASSA, CREDENTIALS_DIALOG, AdwWindow)

/* Modal and transient for @parent (may be NULL). Reads and writes "terminal"
 * and "bank-url" of @settings (schema mn.kassa.Kassa). */
GtkWindow              *kassa_credentials_dialog_new                (GtkWindow *parent,
                                                                    GSettings *settings);

KassaCredentialsStatus  kassa_credentials_dialog_get_status         (KassaCredentialsDialog *self);
const char             *kassa_credentials_dialog_get_status_message (KassaCredentialsDialog *self);

/* The fields, for tests and for focus handling (AdwEntryRow and
 * AdwPasswordEntryRow, both GtkEditable). */
GtkEditable            *kassa_credentials_dialog_get_terminal_row   (KassaCredentialsDialog *self);
GtkEditable            *kassa_credentials_dialog_get_secret_row     (KassaCredentialsDialog *self);
GtkEditable            *kassa_credentials_dialog_get_url_row        (KassaCredentialsDialog *self);

/* Seconds "Test connection" waits for the bank (default 15). */
void kassa_credentials_dialog_set_test_timeout (KassaCredentialsDialog *self,
                                                guint                   seconds);

/* ------------------------------------------------------------------ */
/* The checks, "Test connection" and "Save" without the dialog: shared with
 * the preferences window (kassa-preferences-window.c), so both say the same.
 * @terminal and @url are trimmed; @secret is taken exactly as typed, and NULL
 * or "" means "the one already stored for @terminal". */

/* Which fields a verdict points at. */
typedef enum
{
  KASSA_CREDENTIALS_FIELD_NONE     = 0,
  KASSA_CREDENTIALS_FIELD_TERMINAL = 1 << 0,
  KASSA_CREDENTIALS_FIELD_SECRET   = 1 << 1,
  KASSA_CREDENTIALS_FIELD_URL      = 1 << 2,
} KassaCredentialsField;

/* Every problem at once, one sentence a line, in @error (KASSA_INPUT_ERROR);
 * @out_fields (may be NULL) gets the fields at fault. Nothing is looked up. */
gboolean kassa_credentials_validate       (const char             *terminal,
                                           const char             *secret,
                                           const char             *url,
                                           KassaCredentialsField  *out_fields,
                                           GError                **error);

/* Checks the fields, looks the secret up in @store when none is given, and
 * sends `check` of a made-up invoice number to the bank (@timeout_s > 0).
 * The verdict is TEST_OK, TEST_FAILED or INVALID (a field refused, or no
 * secret given nor stored), with the sentence for the person (which never
 * contains the secret). */
void     kassa_credentials_test_async     (KassaSecretStore       *store,
                                           const char             *terminal,
                                           const char             *secret,
                                           const char             *url,
                                           guint                   timeout_s,
                                           GCancellable           *cancellable,
                                           GAsyncReadyCallback     callback,
                                           gpointer                user_data);
/* Saves: the secret into @store (or checks that one is stored), then
 * "terminal" and "bank-url" into @settings. SAVED, SAVE_FAILED (the store or
 * the settings refused; GSettings untouched when the store refused) or INVALID. */
void     kassa_credentials_save_async     (KassaSecretStore       *store,
                                           GSettings              *settings,
                                           const char             *terminal,
                                           const char             *secret,
                                           const char             *url,
                                           GCancellable           *cancellable,
                                           GAsyncReadyCallback     callback,
                                           gpointer                user_data);
/* For both: FALSE only when cancelled (G_IO_ERROR_CANCELLED in @error);
 * otherwise the verdict in the out arguments (each may be NULL). */
gboolean kassa_credentials_verdict_finish (GAsyncResult           *result,
                                           KassaCredentialsStatus *out_status,
                                           KassaCredentialsField  *out_fields,
                                           char                  **out_message,
                                           GError                **error);

G_END_DECLS
