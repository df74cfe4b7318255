/* kassa-application-awake.c — KassaApplication keeps the PC awake while a customer pays
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * While the customer display shows anything but the welcome screen
 * (kassa_customer_screen_kind_keeps_awake(), the one home of that rule),
 * idle and screen blanking are inhibited through gtk_application_inhibit():
 * GTK asks the session (org.gnome.SessionManager or Xfce's, the Inhibit
 * portal inside Flatpak, the Wayland idle-inhibit protocol for the display's
 * surface where the compositor has it). Released when the display is idle
 * again, when it goes away, and at shutdown. docs/customer-display.md.
 */

#include "config.h"

#include "kassa-application-private.h"

#include <glib/gi18n.h>

#include "kassa-customer-display.h"

static void
release (KassaApplication *self)
{
  if (self->awake_cookie == 0)
    return;

  gtk_application_uninhibit (GTK_APPLICATION (self), self->awake_cookie);
  self->awake_cookie = 0;
}

static void
on_display_screen_kind_cb (KassaCustomerDisplay *display,
                           GParamSpec           *pspec,
                           KassaApplication     *self)
{
  KassaCustomerScreenKind kind = kassa_customer_display_get_screen_kind (display);

  if (!kassa_customer_screen_kind_keeps_awake (kind))
    {
      release (self);
      return;
    }

  if (self->awake_cookie != 0)
    return;

  /* The display's own window: on a compositor with the idle-inhibit
   * protocol it is that surface, on screen, that keeps the monitors on. */
  self->awake_cookie = gtk_application_inhibit (GTK_APPLICATION (self), GTK_WINDOW (display),
                                                GTK_APPLICATION_INHIBIT_IDLE,
                                                /* Translators: why the screen saver waits,
                                                   shown by the desktop */
                                                _("A customer is paying"));
  /* 0: nothing on this desktop listens. Nothing to release, nothing to tell
   * the cashier: the screen saver's own settings then rule. */
}

static void
on_display_destroy_cb (GtkWidget        *display,
                       KassaApplication *self)
{
  release (self);
}

void
_kassa_application_awake_follow (KassaApplication *self,
                                 GtkWindow        *display)
{
  g_signal_connect_object (display, "notify::screen-kind",
                           G_CALLBACK (on_display_screen_kind_cb), self, 0);
  g_signal_connect_object (display, "destroy", G_CALLBACK (on_display_destroy_cb), self, 0);
  on_display_screen_kind_cb (KASSA_CUSTOMER_DISPLAY (display), NULL, self);
}

void
_kassa_application_awake_release (KassaApplication *self)
{
  release (self);
}
