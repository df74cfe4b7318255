/* kassa-qr-paintable.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-qr-paintable.h"

struct _KassaQrPaintable
{
  GObject        parent_instance;

  KassaQrMatrix *matrix;  /* NULL: nothing to show */
};

enum {
  PROP_0,
  PROP_PAYLOAD,
  PROP_MATRIX,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void kassa_qr_paintable_paintable_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (KassaQrPaintable, kassa_qr_paintable, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE,
                                                      kassa_qr_paintable_paintable_init))

static void
kassa_qr_paintable_snapshot (GdkPaintable *paintable,
                             GdkSnapshot  *gdk_snapshot,
                             double        width,
                             double        height)
{
  KassaQrPaintable *self = KASSA_QR_PAINTABLE (paintable);
  GtkSnapshot *snapshot = GTK_SNAPSHOT (gdk_snapshot);
  const GdkRGBA white = { 1.f, 1.f, 1.f, 1.f };
  const GdkRGBA black = { 0.f, 0.f, 0.f, 1.f };
  guint module = kassa_qr_paintable_get_module_size (self, width, height);
  guint n;
  int total;
  float left;
  float top;

  gtk_snapshot_append_color (snapshot, &white, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (module == 0)
    return;

  n = kassa_qr_matrix_get_width (self->matrix);
  /* Whole pixels everywhere, or the edges of the modules blur. */
  total = (int) (module * (n + 2 * KASSA_QR_QUIET_ZONE));
  left = (float) (((int) width - total) / 2 + (int) (module * KASSA_QR_QUIET_ZONE));
  top = (float) (((int) height - total) / 2 + (int) (module * KASSA_QR_QUIET_ZONE));

  /* One rectangle per horizontal run of dark modules. */
  for (guint y = 0; y < n; y++)
    for (guint x = 0; x < n; )
      {
        guint run = 0;

        while (x + run < n && kassa_qr_matrix_get_module (self->matrix, x + run, y))
          run++;
        if (run == 0)
          {
            x++;
            continue;
          }

        gtk_snapshot_append_color (snapshot, &black,
                                   &GRAPHENE_RECT_INIT (left + (float) (x * module),
                                                        top + (float) (y * module),
                                                        (float) (run * module),
                                                        (float) module));
        x += run;
      }
}

static GdkPaintableFlags
kassa_qr_paintable_get_flags (GdkPaintable *paintable)
{
  /* No intrinsic size, so it never changes; the contents do. */
  return GDK_PAINTABLE_STATIC_SIZE;
}

static void
kassa_qr_paintable_paintable_init (GdkPaintableInterface *iface)
{
  iface->snapshot = kassa_qr_paintable_snapshot;
  iface->get_flags = kassa_qr_paintable_get_flags;
}

static void
kassa_qr_paintable_finalize (GObject *object)
{
  KassaQrPaintable *self = KASSA_QR_PAINTABLE (object);

  g_clear_pointer (&self->matrix, kassa_qr_matrix_unref);

  G_OBJECT_CLASS (kassa_qr_paintable_parent_class)->finalize (object);
}

static void
kassa_qr_paintable_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  KassaQrPaintable *self = KASSA_QR_PAINTABLE (object);

  switch (prop_id)
    {
    case PROP_PAYLOAD:
      g_value_set_string (value, kassa_qr_paintable_get_payload (self));
      break;
    case PROP_MATRIX:
      g_value_set_boxed (value, self->matrix);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
kassa_qr_paintable_class_init (KassaQrPaintableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = kassa_qr_paintable_finalize;
  object_class->get_property = kassa_qr_paintable_get_property;

  properties[PROP_PAYLOAD] =
    g_param_spec_string ("payload", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MATRIX] =
    g_param_spec_boxed ("matrix", NULL, NULL, KASSA_TYPE_QR_MATRIX,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
kassa_qr_paintable_init (KassaQrPaintable *self)
{
}

KassaQrPaintable *
kassa_qr_paintable_new (void)
{
  return g_object_new (KASSA_TYPE_QR_PAINTABLE, NULL);
}

static void
set_matrix (KassaQrPaintable *self,
            KassaQrMatrix    *matrix)
{
  if (self->matrix == matrix)
    return;

  g_clear_pointer (&self->matrix, kassa_qr_matrix_unref);
  self->matrix = matrix != NULL ? kassa_qr_matrix_ref (matrix) : NULL;

  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAYLOAD]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MATRIX]);
}

gboolean
kassa_qr_paintable_set_payload (KassaQrPaintable  *self,
                                const char        *payload,
                                GError           **error)
{
  g_autoptr(KassaQrMatrix) matrix = NULL;

  g_return_val_if_fail (KASSA_IS_QR_PAINTABLE (self), FALSE);

  if (payload == NULL || *payload == '\0')
    {
      set_matrix (self, NULL);
      return TRUE;
    }

  if (g_strcmp0 (payload, kassa_qr_paintable_get_payload (self)) == 0)
    return TRUE;

  matrix = kassa_qr_matrix_new (payload, error);
  set_matrix (self, matrix);

  return matrix != NULL;
}

const char *
kassa_qr_paintable_get_payload (KassaQrPaintable *self)
{
  g_return_val_if_fail (KASSA_IS_QR_PAINTABLE (self), NULL);

  return self->matrix != NULL ? kassa_qr_matrix_get_payload (self->matrix) : NULL;
}

KassaQrMatrix *
kassa_qr_paintable_get_matrix (KassaQrPaintable *self)
{
  g_return_val_if_fail (KASSA_IS_QR_PAINTABLE (self), NULL);

  return self->matrix;
}

guint
kassa_qr_paintable_get_module_size (KassaQrPaintable *self,
                                    double            width,
                                    double            height)
{
  double side;

  g_return_val_if_fail (KASSA_IS_QR_PAINTABLE (self), 0);

  side = MIN (width, height);
  if (self->matrix == NULL || side < 1.0)
    return 0;

  /* Truncation of a positive size: its floor. */
  return kassa_qr_matrix_module_size_for (self->matrix, (guint) side);
}
