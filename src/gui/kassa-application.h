/* kassa-application.h — the kassa executable's application: mode, till, windows, remote control
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One instance per session (application id APP_ID). At start-up it decides
 * the mode (training when no terminal, or no secret for it, is configured),
 * opens the journal, starts the till and its recovery, and shares one
 * KassaCounter between the cashier window, the customer display, the command
 * line (`kassa --charge`, forwarded to the running instance) and the D-Bus
 * interface (kassa-dbus.h), whose charges wait in a KassaChargeQueue until
 * Kassa can take them. docs/dbus.md documents the remote control;
 * kassa-application-private.h lists the files of this class.
 */

#pragma once

#include <adwaita.h>

#include "kassa-charge-queue.h"
#include "kassa-counter.h"
#include "kassa-exit-code.h"
#include "kassa-print-queue.h"

G_BEGIN_DECLS

/* Exit codes of `kassa --charge`: those it shares with kassa-ctl
 * (KassaExitCode in src/core/kassa-exit-code.h: KASSA_EXIT_OK is paid with
 * --wait, or awaiting payment without it), plus its own below. Part of the
 * interface: never renumber, only add. */
typedef enum
{
  KASSA_EXIT_BUSY        = 12, /* another payment is open on the counter: nothing charged */
} KassaExit;

/* The exit code for an error of a charge. For a payment that ended in a
 * state: kassa_exit_code_for_state() (src/core/kassa-exit-code.h). */
int           kassa_exit_code_for_error          (const GError       *error);

#define KASSA_TYPE_APPLICATION (kassa_application_get_type ())

G_DECLARE_FINAL_TYPE (KassaApplication, kassa_application, KASSA, APPLICATION, AdwApplication)

KassaApplication *kassa_application_new               (void);
/* The counter, or NULL while Kassa starts and when it cannot take payments
 * (the journal could not be opened): kassa_charge_queue_require_counter()
 * says why. */
KassaCounter     *kassa_application_get_counter       (KassaApplication  *self);
/* The mn.kassa.Kassa settings (valid after start-up). */
GSettings        *kassa_application_get_settings      (KassaApplication  *self);
/* The training bank's URL, or NULL when Kassa talks to a real bank. */
const char       *kassa_application_get_training_url  (KassaApplication  *self);
/* The windows, or NULL before activation (and after they were closed). */
GtkWindow        *kassa_application_get_cashier_window    (KassaApplication *self);
GtkWindow        *kassa_application_get_customer_display  (KassaApplication *self);

/* Where charges from outside (`kassa --charge`, D-Bus) go: they wait there
 * until Kassa can take payments (start-up and recovery finished), and an
 * accepted one shows both windows. */
KassaChargeQueue *kassa_application_get_charge_queue  (KassaApplication  *self);
/* The receipt printer's journaled jobs (kassa-print-queue.h), set up as the
 * settings say; NULL before start-up or when the journal could not be opened. */
KassaPrintQueue  *kassa_application_get_print_queue   (KassaApplication  *self);

G_END_DECLS
