/* kassa-error.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-error.h"
#include "kassa-secret-store.h"

G_DEFINE_QUARK (kassa-input-error-quark, kassa_input_error)
G_DEFINE_QUARK (kassa-emv-error-quark, kassa_emv_error)
/* Declared in kassa-secret-store.h; here so that it needs no libsecret. */
G_DEFINE_QUARK (kassa-secret-store-error-quark, kassa_secret_store_error)

typedef struct
{
  guint  http_status;
  gint   header_code;
  char  *error_type;
  char  *error_desc;
} KassaBankErrorPrivate;

static void
kassa_bank_error_private_init (KassaBankErrorPrivate *priv)
{
  priv->header_code = -1;
}

static void
kassa_bank_error_private_copy (const KassaBankErrorPrivate *src,
                               KassaBankErrorPrivate       *dest)
{
  dest->http_status = src->http_status;
  dest->header_code = src->header_code;
  dest->error_type = g_strdup (src->error_type);
  dest->error_desc = g_strdup (src->error_desc);
}

static void
kassa_bank_error_private_clear (KassaBankErrorPrivate *priv)
{
  g_clear_pointer (&priv->error_type, g_free);
  g_clear_pointer (&priv->error_desc, g_free);
}

/* An extended error domain (GLib ≥ 2.68): the bank's own words travel with the GError. */
G_DEFINE_EXTENDED_ERROR (KassaBankError, kassa_bank_error)

static KassaBankErrorPrivate *
lookup_private (const GError *error)
{
  /* The accessors promise NULL/0/-1 for errors of other domains. */
  if (error == NULL || error->domain != KASSA_BANK_ERROR)
    return NULL;

  return kassa_bank_error_get_private (error);
}

void
kassa_bank_error_set (GError         **error,
                      KassaBankError   code,
                      guint            http_status,
                      gint             header_code,
                      const char      *error_type,
                      const char      *error_desc,
                      const char      *format,
                      ...)
{
  g_autofree char *message = NULL;
  KassaBankErrorPrivate *priv;
  GError *new_error;
  va_list args;

  if (error == NULL)
    return;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  new_error = g_error_new_literal (KASSA_BANK_ERROR, code, message);
  priv = kassa_bank_error_get_private (new_error);
  priv->http_status = http_status;
  priv->header_code = header_code;
  priv->error_type = g_strdup (error_type);
  priv->error_desc = g_strdup (error_desc);

  g_propagate_error (error, new_error);
}

const char *
kassa_bank_error_get_error_type (const GError *error)
{
  KassaBankErrorPrivate *priv = lookup_private (error);

  return priv ? priv->error_type : NULL;
}

const char *
kassa_bank_error_get_error_desc (const GError *error)
{
  KassaBankErrorPrivate *priv = lookup_private (error);

  return priv ? priv->error_desc : NULL;
}

guint
kassa_bank_error_get_http_status (const GError *error)
{
  KassaBankErrorPrivate *priv = lookup_private (error);

  return priv ? priv->http_status : 0;
}

gint
kassa_bank_error_get_header_code (const GError *error)
{
  KassaBankErrorPrivate *priv = lookup_private (error);

  return priv ? priv->header_code : -1;
}
