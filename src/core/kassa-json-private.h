/* kassa-json-private.h — JSON text from outside, checked before json-glib reads it
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Nesting deeper than this is refused; the bank's replies are four deep. */
#define KASSA_JSON_MAX_DEPTH 64

/* Whether @data (@length bytes, not NUL-terminated) is exactly one JSON
 * object (RFC 8259) with nothing but JSON whitespace around it, nested at
 * most KASSA_JSON_MAX_DEPTH deep. A surrogate escape must be a high one
 * followed by a low one ("\ud83d\ude00").
 *
 * json-glib 1.6 accepts much that is not JSON — text after the first value
 * ("{…}{…}", "8{…}"), JavaScript ("var a = {…};", comments, 'quotes', 0x10),
 * invalid escapes — and on several of these paths it leaks what it parsed
 * or the string it was scanning; a lone surrogate escape becomes bytes that
 * are not UTF-8 (found by fuzz/fuzz-reply.c, docs/fuzzing.md). Text from
 * outside goes to json-glib only once this says yes. */
gboolean kassa_json_is_one_object (const char *data,
                                   gsize       length);

G_END_DECLS
