/* kassa-test-portal.h — a stand-in org.freedesktop.portal.Desktop with the Background portal
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No xdg-desktop-portal runs here (it needs a desktop's backend and a
 * sandboxed caller): the stand-in owns org.freedesktop.portal.Desktop on the
 * session bus, from its own connection, and speaks the Background portal as
 * xdg-desktop-portal 1.16 does (interface version 1): RequestBackground
 * (s parent_window, a{sv} options) → o handle, the handle being
 * /org/freedesktop/portal/desktop/request/SENDER/TOKEN with the caller's
 * handle_token; a org.freedesktop.portal.Request object there (Close); then
 * Request::Response (u response, a{sv} results {background, autostart}).
 * It records every request's options. "No portal at all" is no stand-in:
 * the bus answers that the name has no owner, as on a desktop without one.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  KASSA_TEST_PORTAL_GRANT,           /* response 0: background, autostart as asked */
  KASSA_TEST_PORTAL_DENY_AUTOSTART,  /* response 0: background, autostart false */
  KASSA_TEST_PORTAL_CANCEL,          /* response 1: the person cancelled */
  KASSA_TEST_PORTAL_FAIL,            /* response 2: ended otherwise */
} KassaTestPortalReply;

typedef struct _KassaTestPortal KassaTestPortal;

/* Owns the name on the session bus ($DBUS_SESSION_BUS_ADDRESS) and returns
 * when it is owned; fails the test if it cannot. */
KassaTestPortal *kassa_test_portal_new          (KassaTestPortalReply  reply);
void             kassa_test_portal_set_reply    (KassaTestPortal      *portal,
                                                 KassaTestPortalReply  reply);
/* While held, requests get their handle but no Response until
 * kassa_test_portal_release() (a person still looking at the question). */
void             kassa_test_portal_set_hold     (KassaTestPortal      *portal,
                                                 gboolean              hold);
/* Sends the Response of every held request that was not closed. */
void             kassa_test_portal_release      (KassaTestPortal      *portal);
guint            kassa_test_portal_n_requests   (KassaTestPortal      *portal);
/* The options of request @index (from 0), and whether the caller closed it. */
GVariant        *kassa_test_portal_get_options  (KassaTestPortal      *portal,
                                                 guint                 index);
gboolean         kassa_test_portal_get_closed   (KassaTestPortal      *portal,
                                                 guint                 index);
/* Checks the options of request @index as the portal reads them:
 * handle_token, reason (non-empty), autostart = @autostart, commandline
 * ['kassa'], dbus-activatable false, no other key. */
void             kassa_test_portal_assert_request (KassaTestPortal    *portal,
                                                   guint               index,
                                                   gboolean            autostart);
/* Releases the name and closes the connection. */
void             kassa_test_portal_free         (KassaTestPortal      *portal);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaTestPortal, kassa_test_portal_free)

G_END_DECLS
