/* kassa-enum.h — an enum's values by their nicks, the words Kassa writes down
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The nicks of Kassa's registered enums (G_DEFINE_ENUM_TYPE) are the words
 * stored in the journal, in settings and printed by kassa-ctl; every
 * to/from-string function of such an enum goes through these two.
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The nick of @value in the enum @enum_type, or @fallback (may be NULL) if
 * @value is not one of its values. */
const char *kassa_enum_to_nick   (GType       enum_type,
                                  int         value,
                                  const char *fallback);
/* Looks @nick up exactly (case-sensitive); NULL or an unknown nick is FALSE
 * and leaves @out_value alone. */
gboolean    kassa_enum_from_nick (GType       enum_type,
                                  const char *nick,
                                  int        *out_value);

G_END_DECLS
