/* kassa-printer-private.h — what kassa-printer.c shares with its tests
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "kassa-printer.h"

G_BEGIN_DECLS

/* Adds a KassaPrinterChoice for each lp* node in @dir (/dev/usb), sorted. */
void kassa_printer_discover_usb (const char *dir,
                                 GPtrArray  *choices);

G_END_DECLS
