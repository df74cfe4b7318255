/* kassa-autostart.h — "Start Kassa when I log in": the XDG autostart entry
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Outside Flatpak, Kassa starts at login from its own XDG autostart entry,
 * $XDG_CONFIG_HOME/autostart/<app-id>.desktop (the desktop's session starts
 * every enabled entry there). The entry is the truth: it is on when the file
 * is there, a desktop entry, not Hidden and not X-GNOME-Autostart-enabled=false.
 * Inside Flatpak the sandbox cannot write the host's autostart folder: the
 * preferences hide their switch (the Background portal would be the way; not
 * asked yet).
 * No GTK: the preferences window only calls this.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Whether Kassa runs inside Flatpak (/.flatpak-info exists). */
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

G_END_DECLS
