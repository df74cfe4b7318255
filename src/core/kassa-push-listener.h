/* kassa-push-listener.h — the bank's push notification, received as a hint
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Off by default: nothing listens until kassa_push_listener_listen() is called.
 * A push is only a hint. The listener verifies it (path, POST, size, fields,
 * terminal, checksum) and then emits ::push-received; whoever listens to that
 * signal asks the bank with `check`. It never marks anything paid. The wire
 * format and every refusal are documented in docs/push.md.
 *
 * Properties "max-connections" (default KASSA_PUSH_MAX_CONNECTIONS) and
 * "request-timeout" (seconds, default KASSA_PUSH_REQUEST_TIMEOUT) bound the
 * connections: beyond the cap the oldest is closed, and each is closed that
 * long after it was accepted. They apply to connections accepted afterwards.
 *
 * Signal ::push-received (const char *invoice, gint64 amount, const char *resp_code):
 * once per verified push, never for a refused one, from an idle source in the
 * listener's main context after the HTTP reply was queued. resp_code is not
 * covered by the checksum.
 */

#pragma once

#include <gio/gio.h>

#include "kassa-bank-profile.h"

G_BEGIN_DECLS

/* Largest request body accepted, in bytes; a bigger one is answered 413. */
#define KASSA_PUSH_MAX_BODY_SIZE 8192

/* Defaults of the "max-connections" and "request-timeout" properties
 * (docs/push.md): at most 32 connections at once, a new one closing the
 * oldest; each is closed 10 s after it was accepted, complete or not. */
#define KASSA_PUSH_MAX_CONNECTIONS         32
#define KASSA_PUSH_MAX_CONNECTIONS_LIMIT   1024
#define KASSA_PUSH_REQUEST_TIMEOUT         10
#define KASSA_PUSH_REQUEST_TIMEOUT_LIMIT   600

#define KASSA_TYPE_PUSH_LISTENER (kassa_push_listener_get_type ())

G_DECLARE_FINAL_TYPE (KassaPushListener, kassa_push_listener, KASSA, PUSH_LISTENER, GObject)

/* @terminal: 8 digits; @secret: the terminal's secret (non-empty), used only
 * to verify checksums, never logged. @profile may be NULL (default readings);
 * it decides how the pushed amount may be written ("1000", or "1000.00" under
 * amount-format=two-decimals). */
KassaPushListener *kassa_push_listener_new        (const char         *terminal,
                                                   const char         *secret,
                                                   KassaBankProfile   *profile);

/* Starts listening on @address ("127.0.0.1", the documented default; "0.0.0.0"
 * or any other IP literal to be reachable from the network, normally behind a
 * TLS proxy) and @port (0 = any free port), in the thread-default main context
 * of the caller. Only @path ("/kassa/push": starts with "/", no query) is
 * served. @tls_cert_file and @tls_key_file are PEM files, both or neither.
 * Errors: KASSA_INPUT_ERROR_URL for a bad address, path or TLS pair (nothing
 * started), or the GIO error of loading the certificate or binding the port. */
gboolean           kassa_push_listener_listen     (KassaPushListener  *self,
                                                   const char         *address,
                                                   guint               port,
                                                   const char         *path,
                                                   const char         *tls_cert_file,
                                                   const char         *tls_key_file,
                                                   GError            **error);

/* "http://127.0.0.1:PORT/kassa/push" (or https, the bound address and port),
 * NULL when not listening. This is the local URL: what the bank is given is the
 * shop's public URL of its TLS proxy. */
const char        *kassa_push_listener_get_url    (KassaPushListener  *self);
const char        *kassa_push_listener_get_terminal (KassaPushListener *self);
KassaBankProfile  *kassa_push_listener_get_profile (KassaPushListener *self);

/* Stops listening and drops pushes not yet announced. Safe to call twice, and
 * from a ::push-received handler; listen() may be called again afterwards. */
void               kassa_push_listener_shutdown   (KassaPushListener  *self);

G_END_DECLS
