/* kassa-utf8-output.h — what Kassa's programs print is UTF-8, whatever the locale
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Makes g_print() and g_printerr() write their UTF-8 text unchanged. */
void kassa_utf8_output_install (void);

G_END_DECLS
