/* kassa-customer-display.h — the window the customer looks at
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Draws kassa_customer_screen_compute() for the counter's current invoice:
 * the QR code large and crisp, the amount, the countdown, in Mongolian and
 * English together. Fullscreen on the monitor chosen in the settings
 * (customer-display-connector/-model), by default one other than the cashier
 * window's; a normal window when there is only one monitor; follows hot-plug.
 * docs/customer-display.md describes the states, the wording and the choice.
 */

#pragma once

#include <adwaita.h>

#include "kassa-counter.h"
#include "kassa-customer-screen.h"

G_BEGIN_DECLS

#define KASSA_TYPE_CUSTOMER_DISPLAY (kassa_customer_display_get_type ())

G_DECLARE_FINAL_TYPE (KassaCustomerDisplay, kassa_customer_display, KASSA, CUSTOMER_DISPLAY,
                      AdwApplicationWindow)

/* Properties: "counter" (KassaCounter, construct-only), "settings" (GSettings
 * of mn.kassa.Kassa, construct-only, may be NULL: defaults), "monitor"
 * (GdkMonitor, read-only, notify: where it is fullscreen, NULL for a normal
 * window), "screen-kind" (KassaCustomerScreenKind, read-only, notify).
 * It is on the default GdkDisplay; gtk_window_set_display() before it is
 * shown puts it on another one (it then chooses among that one's monitors). */
KassaCustomerDisplay      *kassa_customer_display_new         (GtkApplication       *app,
                                                               KassaCounter         *counter,
                                                               GSettings            *settings);
KassaCounter              *kassa_customer_display_get_counter (KassaCustomerDisplay *self);
/* The monitor it chose to be fullscreen on, or NULL (a normal window). */
GdkMonitor                *kassa_customer_display_get_monitor (KassaCustomerDisplay *self);
/* What it shows now. */
const KassaCustomerScreen *kassa_customer_display_get_screen  (KassaCustomerDisplay *self);
KassaCustomerScreenKind    kassa_customer_display_get_screen_kind (KassaCustomerDisplay *self);

/* Shows the customer display once @cashier (the cashier window, shown just
 * before) is on a monitor, on another monitor than @cashier's, and keeps it
 * there: when the cashier window is moved to the display's monitor (or is
 * mapped there), the display goes to another one. For a few seconds after it
 * goes fullscreen, the keyboard is handed back to @cashier if the
 * compositor gave it to the display (weston does): asked with
 * gtk_window_present(), else by mapping @cashier again. Once only.
 * @entered (GdkMonitor, last entered last; may be NULL) are the monitors
 * @cashier's surface entered before this was called (GDK says so only once). */
void                       kassa_customer_display_show_beside (KassaCustomerDisplay *self,
                                                               GtkWindow            *cashier,
                                                               GPtrArray            *entered);

/* The monitor for the customer display among @monitors (a GListModel of
 * GdkMonitor, as gdk_display_get_monitors()), or NULL for a normal window:
 * - fewer than two monitors: NULL (it must not cover the cashier's screen);
 * - @connector set: the monitor with that connector and @model, else the one
 *   with that @model (moved to another port), else the one with that
 *   connector (another monitor on the same port);
 * - otherwise (unset, or not connected): the first monitor that is not
 *   @cashier_monitor (may be NULL: then the second in the list). */
GdkMonitor                *kassa_customer_display_choose_monitor (GListModel *monitors,
                                                                  const char *connector,
                                                                  const char *model,
                                                                  GdkMonitor *cashier_monitor);

/* "Identify displays": shows on every monitor of @display, fullscreen for
 * @seconds, its number, connector and model (what the settings remember). */
void                       kassa_customer_display_identify    (GdkDisplay           *display,
                                                               guint                 seconds);

G_END_DECLS
