/* kassa-qr.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-qr.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <qrencode.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QRcode, QRcode_free)

struct _KassaQrMatrix
{
  gatomicrefcount  ref_count;
  char            *payload;
  guint            version;
  guint            width;
  guint8          *modules;  /* width × width, row by row: 1 dark, 0 light */
};

G_DEFINE_BOXED_TYPE (KassaQrMatrix, kassa_qr_matrix, kassa_qr_matrix_ref, kassa_qr_matrix_unref)

G_DEFINE_QUARK (kassa-qr-error-quark, kassa_qr_error)

KassaQrMatrix *
kassa_qr_matrix_new (const char  *payload,
                     GError     **error)
{
  g_autoptr(QRcode) code = NULL;
  KassaQrMatrix *self;
  size_t len;

  if (payload == NULL || *payload == '\0')
    {
      g_set_error_literal (error, KASSA_QR_ERROR, KASSA_QR_ERROR_EMPTY,
                           _("There is nothing to put in the QR code."));
      return NULL;
    }

  len = strlen (payload);
  if (len > KASSA_QR_MAX_BYTES)
    {
      g_set_error (error, KASSA_QR_ERROR, KASSA_QR_ERROR_TOO_LONG,
                   _("The QR payload is too long: %zu bytes, a QR code "
                     "holds at most %d."), len, KASSA_QR_MAX_BYTES);
      return NULL;
    }

  /* encodeData, not encodeString: the whole payload in 8-bit mode, exactly
   * the bytes given (encodeString would pick modes and may fold case). */
  errno = 0;
  code = QRcode_encodeData ((int) len, (const unsigned char *) payload, 0, QR_ECLEVEL_M);
  if (code == NULL)
    {
      int saved = errno;

      if (saved == ERANGE)
        g_set_error (error, KASSA_QR_ERROR, KASSA_QR_ERROR_TOO_LONG,
                     _("The QR payload is too long: %zu bytes do not fit "
                       "in a QR code."), len);
      else
        g_set_error (error, KASSA_QR_ERROR, KASSA_QR_ERROR_FAILED,
                     _("The QR code could not be made: %s"), g_strerror (saved));
      return NULL;
    }

  self = g_new0 (KassaQrMatrix, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->payload = g_strdup (payload);
  self->version = (guint) code->version;
  self->width = (guint) code->width;
  self->modules = g_new (guint8, (gsize) self->width * self->width);
  /* libqrencode: bit 0 of each byte is the module colour; the others are
   * how it got there (finder, timing, data…). */
  for (gsize i = 0; i < (gsize) self->width * self->width; i++)
    self->modules[i] = code->data[i] & 1;

  return self;
}

KassaQrMatrix *
kassa_qr_matrix_ref (KassaQrMatrix *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
kassa_qr_matrix_unref (KassaQrMatrix *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->payload);
  g_free (self->modules);
  g_free (self);
}

const char *
kassa_qr_matrix_get_payload (KassaQrMatrix *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->payload;
}

guint
kassa_qr_matrix_get_width (KassaQrMatrix *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->width;
}

guint
kassa_qr_matrix_get_version (KassaQrMatrix *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->version;
}

gboolean
kassa_qr_matrix_get_module (KassaQrMatrix *self,
                            guint          x,
                            guint          y)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (x < self->width && y < self->width, FALSE);

  return self->modules[(gsize) y * self->width + x] != 0;
}

guint
kassa_qr_matrix_module_size_for (KassaQrMatrix *self,
                                 guint          pixels)
{
  g_return_val_if_fail (self != NULL, 0);

  return pixels / (self->width + 2 * KASSA_QR_QUIET_ZONE);
}
