/* kassa-qr.h — the module matrix of a QR code (libqrencode), without any drawing
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The customer display draws the matrix itself at an integer pixel size per
 * module (src/gui/kassa-qr-paintable.c); this part has no GTK so that it is
 * tested in the core suite.
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  KASSA_QR_ERROR_EMPTY,     /* nothing to encode */
  KASSA_QR_ERROR_TOO_LONG,  /* more bytes than the largest QR code holds at level M */
  KASSA_QR_ERROR_FAILED,    /* libqrencode failed otherwise (out of memory) */
} KassaQrError;

#define KASSA_QR_ERROR (kassa_qr_error_quark ())
GQuark kassa_qr_error_quark (void);

/* Error correction level M (15 %), 8-bit mode: version 40 holds 2331 bytes. */
#define KASSA_QR_MAX_BYTES 2331
/* The blank margin a reader needs around the symbol, in modules (ISO 18004). */
#define KASSA_QR_QUIET_ZONE 4

typedef struct _KassaQrMatrix KassaQrMatrix;

#define KASSA_TYPE_QR_MATRIX (kassa_qr_matrix_get_type ())

GType          kassa_qr_matrix_get_type        (void) G_GNUC_CONST;
/* Encodes @payload byte for byte (8-bit mode, case kept, error correction
 * level M, the smallest version that holds it). KASSA_QR_ERROR_EMPTY for NULL
 * or "", KASSA_QR_ERROR_TOO_LONG beyond KASSA_QR_MAX_BYTES. */
KassaQrMatrix *kassa_qr_matrix_new             (const char     *payload,
                                                GError        **error);
KassaQrMatrix *kassa_qr_matrix_ref             (KassaQrMatrix  *self);
void           kassa_qr_matrix_unref           (KassaQrMatrix  *self);
/* The payload it encodes. */
const char    *kassa_qr_matrix_get_payload     (KassaQrMatrix  *self);
/* Modules per side, without the quiet zone (21 for version 1 … 177 for 40). */
guint          kassa_qr_matrix_get_width       (KassaQrMatrix  *self);
guint          kassa_qr_matrix_get_version     (KassaQrMatrix  *self);
/* Whether the module at column @x, row @y (0 ≤ x, y < width) is dark. */
gboolean       kassa_qr_matrix_get_module      (KassaQrMatrix  *self,
                                                guint           x,
                                                guint           y);
/* The largest whole number of pixels per module with which the symbol and a
 * KASSA_QR_QUIET_ZONE-module margin on every side fit in @pixels; 0 when not
 * even one pixel per module fits. */
guint          kassa_qr_matrix_module_size_for (KassaQrMatrix  *self,
                                                guint           pixels);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaQrMatrix, kassa_qr_matrix_unref)

G_END_DECLS
