/* kassa-qr-paintable.h — a QR code drawn crisply at any size
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GTK 4.8 cannot scale a texture with nearest-neighbour filtering, and a
 * blurred QR scans badly. This paintable draws the modules itself as
 * rectangles, a whole number of pixels each, with the 4-module quiet zone,
 * centred on a white background in whatever size it is given. It has no
 * intrinsic size: the widget showing it decides how big it is.
 */

#pragma once

#include <gtk/gtk.h>

#include "kassa-qr.h"

G_BEGIN_DECLS

#define KASSA_TYPE_QR_PAINTABLE (kassa_qr_paintable_get_type ())

G_DECLARE_FINAL_TYPE (KassaQrPaintable, kassa_qr_paintable, KASSA, QR_PAINTABLE, GObject)

/* Properties (read-only, notify): "payload" (string), "matrix" (KassaQrMatrix). */

KassaQrPaintable *kassa_qr_paintable_new             (void);
/* Encodes @payload (NULL or "" clears: the paintable draws only white).
 * On error (KASSA_QR_ERROR) the paintable is cleared, never left showing an
 * older code. */
gboolean          kassa_qr_paintable_set_payload     (KassaQrPaintable  *self,
                                                      const char        *payload,
                                                      GError           **error);
const char       *kassa_qr_paintable_get_payload     (KassaQrPaintable  *self);
KassaQrMatrix    *kassa_qr_paintable_get_matrix      (KassaQrPaintable  *self);
/* The pixels per module it draws with in a @width × @height area (0: no code,
 * or not even one pixel per module fits, and only white is drawn). */
guint             kassa_qr_paintable_get_module_size (KassaQrPaintable  *self,
                                                      double             width,
                                                      double             height);

G_END_DECLS
