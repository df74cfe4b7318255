/* kassa-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "kassa-application.h"

G_BEGIN_DECLS

#define KASSA_TYPE_WINDOW (kassa_window_get_type ())

G_DECLARE_FINAL_TYPE (KassaWindow, kassa_window, KASSA, WINDOW, AdwApplicationWindow)

KassaWindow *kassa_window_new (KassaApplication *application);

G_END_DECLS
