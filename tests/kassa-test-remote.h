/* kassa-test-remote.h — the built `kassa` driven from outside, as a cash register or a shop's
 * own scripts drive it: its process, its name on the session bus, its D-Bus interface
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * For the ui tests that start $KASSA as a separate process under the display
 * harness' session bus (test-ui-remote, test-ui-real).
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "kassa-test-util.h"

G_BEGIN_DECLS

/* How long the helpers below wait for Kassa, in seconds. */
#define KASSA_TEST_REMOTE_LIMIT_S 30

/* A process of which the test waits for the output and exit. */
typedef struct
{
  GSubprocess *process;
  char        *out;
  char        *err;
  gboolean     done;
} KassaTestRun;

void          kassa_test_run_free           (KassaTestRun  *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaTestRun, kassa_test_run_free)

/* Starts @argv (NULL-terminated) with @launcher, its output captured. */
KassaTestRun *kassa_test_run_start          (GSubprocessLauncher *launcher,
                                             const char * const  *argv);
/* Waits for @run to exit (failing the test after KASSA_TEST_REMOTE_LIMIT_S)
 * and returns its exit status. */
int           kassa_test_run_finish         (KassaTestRun  *run);

/* @json parsed; fails the test unless it is one JSON object. */
JsonObject   *kassa_test_parse_object       (const char    *json);

typedef struct
{
  GDBusConnection *bus;
  char            *object_path;
} KassaTestRemote;

void          kassa_test_remote_init        (KassaTestRemote *remote);
void          kassa_test_remote_clear       (KassaTestRemote *remote);
/* Whether a Kassa owns APP_ID on the session bus. */
gboolean      kassa_test_remote_is_running  (KassaTestRemote *remote);
/* Conditions for kassa_test_ui_wait() (@data: the KassaTestRemote). */
gboolean      kassa_test_remote_running_cb  (gpointer         data);
gboolean      kassa_test_remote_gone_cb     (gpointer         data);
/* The process id of the Kassa that owns APP_ID. */
guint         kassa_test_remote_pid         (KassaTestRemote *remote);
/* Calls a mn.kassa.Kassa.Till method; its reply, or NULL with @error. */
GVariant     *kassa_test_remote_call        (KassaTestRemote *remote,
                                             const char      *method,
                                             GVariant        *parameters,
                                             const char      *reply_type,
                                             GError         **error);
/* State: the current invoice's JSON ("null" before the first). */
char         *kassa_test_remote_state       (KassaTestRemote *remote);
/* Polls State until the current invoice is in @state; returns its JSON. (An
 * invoice in this process: kassa_test_wait_for_state(); a kassa-ctl process:
 * kassa_test_ctl_wait_for_state().) */
JsonObject   *kassa_test_remote_wait_for_state (KassaTestRemote *remote,
                                                const char      *state);
/* The Training property. */
gboolean      kassa_test_remote_training    (KassaTestRemote *remote);
/* Activates the application action @name as a desktop shell does (org.gtk.Actions). */
void          kassa_test_remote_activate    (KassaTestRemote *remote,
                                             const char      *name);

G_END_DECLS
