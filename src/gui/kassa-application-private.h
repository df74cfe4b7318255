/* kassa-application-private.h — what the files of KassaApplication share
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * KassaApplication is split by job, as GNOME Text Editor splits its own:
 *   kassa-application.c          the object: GApplication start-up, activate, D-Bus
 *                                registration, shutdown; the windows; alerts
 *   kassa-application-session.c  the session: mode, secret, journal, bank, till,
 *                                counter, recovery; settings applied while running
 *   kassa-application-actions.c  the app.* actions of the main menu
 *   kassa-application-remote.c   the command line: options, `kassa --charge`
 *                                forwarded to the running instance, exit codes
 *   kassa-application-print.c    the receipt printer's queue; receipts and the cash
 *                                drawer when a sale is paid
 *   kassa-application-awake.c    idle inhibited while the customer display is not idle
 * Charges that arrive before Kassa can take them wait in a KassaChargeQueue
 * (src/core), which the D-Bus interface (kassa-dbus.c) also charges through.
 */

#pragma once

#include "kassa-application.h"

#include "kassa-bank-sim.h"
#include "kassa-charge-queue.h"
#include "kassa-dbus.h"
#include "kassa-journal.h"
#include "kassa-print-queue.h"
#include "kassa-push-listener.h"
#include "kassa-secret-store.h"

G_BEGIN_DECLS

typedef enum
{
  STAGE_STARTING,  /* settings read, secret being looked up */
  STAGE_READY,     /* journal, till and counter exist (recovery may still run) */
  STAGE_FAILED,    /* Kassa cannot take payments: startup_error says why */
} KassaApplicationStage;

struct _KassaApplication
{
  AdwApplication    parent_instance;

  GSettings        *settings;
  char             *journal_option;   /* --journal, absolute */
  char             *journal_path;     /* the journal this instance uses (or tried) */

  KassaApplicationStage stage;
  GError           *startup_error;
  GCancellable     *cancellable;

  KassaSecretStore *secret_store;
  KassaJournal     *journal;
  KassaBankSim     *training_bank;
  KassaBankClient  *client;
  KassaTill        *till;
  KassaCounter     *counter;
  KassaChargeQueue *charge_queue;     /* charges waiting for start-up and recovery */
  KassaDbus        *dbus;
  KassaPushListener *push_listener;   /* real bank only; listens when the settings say so */
  KassaPrintQueue  *print_queue;      /* the receipt printer's jobs, journaled (print.c) */

  GPtrArray        *alerts;           /* char *: news for the cashier window */
  GPtrArray        *remote_charges;   /* `kassa --charge` command lines (remote.c) */

  GtkWindow        *cashier_window;   /* weak */
  GtkWindow        *customer_display; /* weak */
  GdkFrameClock    *display_clock;    /* weak: the cashier's, until its first frame (the display waits) */
  guint             display_idle_id;  /* builds the customer display after that frame */
  gulong            render_hook_id;   /* GdkSurface::render, until the cashier's is seen */
  gboolean          cashier_rendered; /* the cashier window was drawn in this cycle */
  GdkSurface       *entered_surface;  /* the cashier's, watched until the display is built */
  GPtrArray        *cashier_entered;  /* GdkMonitor it entered meanwhile, last entered last */
  GtkWindow        *error_window;     /* weak */
  GtkWindow        *history_window;   /* weak */
  gboolean          activate_pending;
  guint             awake_cookie;     /* gtk_application_inhibit() (awake.c); 0: none */
  guint             terminate_ids[2]; /* SIGTERM, SIGHUP: quit like the Quit action */
};

/* kassa-application.c */
void                _kassa_application_add_alert          (KassaApplication        *self,
                                                           const char              *text);

/* kassa-application-session.c */
void                _kassa_application_start_session      (KassaApplication        *self);
void                _kassa_application_fail_startup       (KassaApplication        *self,
                                                           GError                  *error);
KassaInvoiceMethod  _kassa_application_get_qr_method      (KassaApplication        *self);

/* kassa-application-actions.c */
void                _kassa_application_actions_init       (KassaApplication        *self);

/* kassa-application-remote.c */
void                _kassa_application_remote_init        (KassaApplication        *self);
int                 _kassa_application_handle_local_options (GApplication          *application,
                                                             GVariantDict          *options);
int                 _kassa_application_command_line       (GApplication            *application,
                                                           GApplicationCommandLine *cmdline);
void                _kassa_application_remote_shutdown    (KassaApplication        *self);

/* kassa-application-print.c */
void                _kassa_application_auto_print_start  (KassaApplication        *self);
/* One drawer pulse through the queue; a failure is an alert. @audited: the
 * manager's "open-drawer", whose outcome gets its audit row. */
void                _kassa_application_open_drawer       (KassaApplication        *self,
                                                          gboolean                 audited);

/* kassa-application-awake.c */
void                _kassa_application_awake_follow      (KassaApplication        *self,
                                                          GtkWindow               *display);
void                _kassa_application_awake_release     (KassaApplication        *self);

G_END_DECLS
