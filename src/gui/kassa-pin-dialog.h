/* kassa-pin-dialog.h — asks the manager PIN and authorises an action with it
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small modal window: a PIN field, "Confirm" and "Cancel". Confirm checks
 * the PIN through KassaManager (kassa_manager_authorise_async(), so the audit
 * log gets its row) and the dialog stays open on a wrong PIN, saying so. While
 * the manager's rate limit holds (too many wrong PINs) it counts the wait
 * down and Confirm is disabled.
 *
 * Used for the actions that authorise once and then act locally
 * (KASSA_MANAGER_ACTION_PREFERENCES, KASSA_MANAGER_ACTION_LEAVE_TRAINING).
 * Refunds and settlement take the PIN in their own dialogs
 * (kassa-refund-dialog.h, kassa-close-day-dialog.h), because KassaTill
 * authorises those itself: one PIN check, one audit row per action.
 *
 * Actions (on the dialog): "pin.confirm".
 */

#pragma once

#include <adwaita.h>

#include "kassa-manager.h"

G_BEGIN_DECLS

#define KASSA_TYPE_PIN_DIALOG (kassa_pin_dialog_get_type ())

G_DECLARE_FINAL_TYPE (KassaPinDialog, kassa_pin_dialog, KASSA, PIN_DIALOG, AdwWindow)

/* Not shown yet; modal and transient for @parent (may be NULL). @action is
 * one of KASSA_MANAGER_ACTION_*; @title says what the PIN is for. */
GtkWindow *kassa_pin_dialog_new           (GtkWindow            *parent,
                                           KassaManager         *manager,
                                           const char           *action,
                                           const char           *title);
/* The sentence under the PIN field (a wrong PIN, the wait), or NULL. */
const char *kassa_pin_dialog_get_message  (KassaPinDialog       *self);

/* Shows a new dialog and completes once the PIN was accepted (TRUE; the
 * dialog closes), or the dialog was closed or @cancellable cancelled
 * (G_IO_ERROR_CANCELLED). A manager without a PIN completes at once with
 * KASSA_MANAGER_ERROR_NO_PIN (the caller offers to set one). */
void        kassa_pin_dialog_ask          (GtkWindow            *parent,
                                           KassaManager         *manager,
                                           const char           *action,
                                           const char           *title,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean    kassa_pin_dialog_ask_finish   (GAsyncResult         *result,
                                           GError              **error);

G_END_DECLS
