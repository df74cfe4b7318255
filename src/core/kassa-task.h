/* kassa-task.h — GTask helpers shared by the core and the front ends
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Completes @task with @object (a new reference, which the task takes) or,
 * when @object is NULL, with @error (which it takes too): the end of a
 * callback that hands another object's _finish() result on to its own task,
 * as KassaCounter does for KassaTill's sales. */
void kassa_task_return_object (GTask    *task,
                               gpointer  object,
                               GError   *error);

G_END_DECLS
