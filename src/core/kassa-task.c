/* kassa-task.c — GTask helpers shared by the core and the front ends
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-task.h"

void
kassa_task_return_object (GTask    *task,
                          gpointer  object,
                          GError   *error)
{
  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (object == NULL || G_IS_OBJECT (object));
  g_return_if_fail ((object == NULL) != (error == NULL));

  if (object == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, object, g_object_unref);
}
