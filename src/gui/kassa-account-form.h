/* kassa-account-form.h — the bank account's fields, its storage note, "Test connection"
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one account form of Kassa, in the credentials dialog and in the
 * preferences window: terminal id, secret key (never filled from storage,
 * emptied once saved), bank address; a label that says where the secret key
 * is kept and names the terminal that has one stored already; the rows at
 * fault marked, the reasons under the fields, the verdict of a test or save
 * below. What the fields mean, the test and the save are KassaCredentials'
 * (core); this widget only shows them.
 *
 * The window that holds the form owns the actions: it names them in
 * "test-action-name" and "save-action-name" (the form's buttons activate
 * them; the save button shows with "show-save-button", else the window has
 * its own), calls kassa_account_form_test() and kassa_account_form_save()
 * from them and kassa_account_form_update_actions() on ::notify::status.
 * Nothing is saved while a test runs.
 *
 * Properties: "title" (of the
 * rows' group), "note" (appended to the storage label), "test-action-name",
 * "save-action-name", "show-save-button"; read-only, notify: "status"
 * (KassaCredentialsStatus),
 * "status-message" (the sentence shown, or NULL).
 * Signals: ::verdict () each time a status is shown (also the same again),
 * ::saved () after a successful save.
 */

#pragma once

#include <adwaita.h>

#include "kassa-credentials.h"

G_BEGIN_DECLS

#define KASSA_TYPE_ACCOUNT_FORM (kassa_account_form_get_type ())

G_DECLARE_FINAL_TYPE (KassaAccountForm, kassa_account_form, KASSA, ACCOUNT_FORM, AdwBin)

/* What the form works on, once: fills the fields from the credentials'
 * settings and finds out where the secret is kept. */
void                    kassa_account_form_set_credentials   (KassaAccountForm *self,
                                                             KassaCredentials *credentials);
void                    kassa_account_form_set_note          (KassaAccountForm *self,
                                                             const char       *note);

/* @field: TERMINAL, SECRET or URL (AdwEntryRow, AdwPasswordEntryRow, AdwEntryRow). */
GtkEditable            *kassa_account_form_get_row           (KassaAccountForm      *self,
                                                             KassaCredentialsField  field);
KassaCredentialsStatus  kassa_account_form_get_status        (KassaAccountForm *self);
const char             *kassa_account_form_get_status_message
                                                            (KassaAccountForm *self);
/* Seconds "Test connection" waits for the bank (default 15). */
void                    kassa_account_form_set_test_timeout  (KassaAccountForm *self,
                                                             guint             seconds);

/* TRUE when every field is valid; otherwise shows why (status INVALID). */
gboolean                kassa_account_form_validate          (KassaAccountForm *self);
/* Checks, then tests (a test still running is replaced) or saves (not while
 * a test or a save runs). */
void                    kassa_account_form_test              (KassaAccountForm *self);
void                    kassa_account_form_save              (KassaAccountForm *self);
/* Shows a verdict reached outside the form (the manager PIN refused…). */
void                    kassa_account_form_show_status       (KassaAccountForm       *self,
                                                             KassaCredentialsStatus  status,
                                                             KassaCredentialsField   fields,
                                                             const char             *message);
/* Enables @owner's actions named by the form's action-name properties as the
 * status allows. */
void                    kassa_account_form_update_actions    (KassaAccountForm *self,
                                                             GtkWidget        *owner);

G_END_DECLS
