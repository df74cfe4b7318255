/* kassa-autostart.h — "Start Kassa when I log in": the XDG autostart entry, or the
 * Background portal inside Flatpak
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Outside Flatpak, Kassa starts at login from its own XDG autostart entry,
 * $XDG_CONFIG_HOME/autostart/<app-id>.desktop (the desktop's session starts
 * every enabled entry there). The entry is the truth: it is on when the file
 * is there, a desktop entry, not Hidden and not X-GNOME-Autostart-enabled=false.
 *
 * Inside Flatpak the sandbox cannot write the host's autostart folder: Kassa
 * asks the desktop through the Background portal instead
 * (org.freedesktop.portal.Background.RequestBackground on
 * org.freedesktop.portal.Desktop, version 1 as in xdg-desktop-portal 1.16:
 * options reason, autostart, commandline ['kassa'], dbus-activatable false),
 * and the portal writes the host's entry. The portal cannot be asked later
 * whether autostart is on: the caller remembers the answer (Preferences keep
 * it in the GSettings key autostart-requested). Talking to the portal needs no
 * permission in the Flatpak manifest: every sandbox may talk to
 * org.freedesktop.portal.*.
 *
 * "Inside Flatpak" means the file /.flatpak-info exists (flatpak puts it in
 * every sandbox). $KASSA_FLATPAK_INFO names another file to look for instead:
 * a sandbox made by other tools, or the tests, which have no sandbox of
 * their own.
 * No GTK: the preferences window only calls this.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How the Background portal did not answer a request. */
#define KASSA_AUTOSTART_ERROR (kassa_autostart_error_quark ())

typedef enum
{
  KASSA_AUTOSTART_ERROR_CANCELLED, /* the person cancelled the desktop's question (response 1) */
  KASSA_AUTOSTART_ERROR_FAILED,    /* the portal ended the request otherwise (response 2) */
  KASSA_AUTOSTART_ERROR_NO_PORTAL, /* no Background portal on the session bus (a D-Bus error) */
} KassaAutostartError;

GQuark    kassa_autostart_error_quark (void);

/* Whether Kassa runs inside Flatpak ($KASSA_FLATPAK_INFO, else /.flatpak-info, exists). */
gboolean  kassa_autostart_in_flatpak  (void);
/* $XDG_CONFIG_HOME/autostart/@app_id.desktop */
char     *kassa_autostart_path        (const char  *app_id);
/* Whether the entry of @app_id is there and enabled (see above). */
gboolean  kassa_autostart_get_enabled (const char  *app_id);
/* Writes (atomically, 0644) or removes the entry of @app_id, starting
 * @exec (the installed kassa). On failure @error says why in the user's
 * language, and nothing was changed. Removing an entry that is not there
 * succeeds. */
gboolean  kassa_autostart_set_enabled (const char  *app_id,
                                       const char  *exec,
                                       gboolean     enabled,
                                       GError     **error);

/* Asks the Background portal (inside Flatpak) to start Kassa at login when
 * @enabled, or not to. The portal may ask the person first: this can take as
 * long as they take. @callback gets the answer through
 * kassa_autostart_request_finish(); cancelling @cancellable closes the
 * request. */
void      kassa_autostart_request_async  (gboolean              enabled,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
/* TRUE when the portal answered: @out_autostart is whether Kassa will start at
 * login now (it may be FALSE though @enabled was TRUE: the desktop did not
 * allow it). FALSE with @error (KASSA_AUTOSTART_ERROR, in the user's language,
 * or G_IO_ERROR_CANCELLED) when it did not: nothing was changed. */
gboolean  kassa_autostart_request_finish (GAsyncResult         *result,
                                          gboolean             *out_autostart,
                                          GError              **error);

G_END_DECLS
