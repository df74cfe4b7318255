/* kassa-enum.c — an enum's values by their nicks
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-enum.h"

const char *
kassa_enum_to_nick (GType       enum_type,
                    int         value,
                    const char *fallback)
{
  g_autoptr(GEnumClass) enum_class = NULL;
  GEnumValue *enum_value;

  g_return_val_if_fail (G_TYPE_IS_ENUM (enum_type), fallback);

  /* The values of a static enum type live as long as the program. */
  enum_class = g_type_class_ref (enum_type);
  enum_value = g_enum_get_value (enum_class, value);

  return enum_value != NULL ? enum_value->value_nick : fallback;
}

gboolean
kassa_enum_from_nick (GType       enum_type,
                      const char *nick,
                      int        *out_value)
{
  g_autoptr(GEnumClass) enum_class = NULL;
  GEnumValue *enum_value;

  g_return_val_if_fail (G_TYPE_IS_ENUM (enum_type), FALSE);

  if (nick == NULL)
    return FALSE;

  enum_class = g_type_class_ref (enum_type);
  enum_value = g_enum_get_value_by_nick (enum_class, nick);
  if (enum_value == NULL)
    return FALSE;

  if (out_value != NULL)
    *out_value = enum_value->value;

  return TRUE;
}
