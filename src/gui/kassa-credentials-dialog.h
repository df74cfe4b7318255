/* kassa-credentials-dialog.h — enter the bank terminal, its secret key and the bank address
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A modal window over the cashier window. "Test connection" sends a real
 * `check` of a made-up invoice number with the values typed in; "Save" puts
 * the secret key into KassaSecretStore (keyring or private file) and the
 * terminal and bank address into GSettings. Kassa switches from training to
 * real payments at its next start. Nothing is saved unless every field is
 * valid. The fields, the test and the save are KassaAccountForm's over
 * KassaCredentials (core), the same as in the preferences window.
 *
 * Actions (on the dialog): "credentials.test", "credentials.save".
 * The status and its sentence are the form's (its "status" and
 * "status-message" properties); the getters below read them.
 * Signals: ::saved () after a successful save.
 */

#pragma once

#include <adwaita.h>

#include "kassa-credentials.h"

G_BEGIN_DECLS

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

G_END_DECLS
