/* kassa-emv.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-emv.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kassa-amount.h"
#include "kassa-bank-fields.h"
#include "kassa-error.h"

/* EMVCo caps a merchant-presented payload at 512 characters; we cap the bytes. */
#define EMV_MAX_PAYLOAD_BYTES 512
#define EMV_TAG_AMOUNT "54"
#define EMV_TAG_MERCHANT_NAME "59"
#define EMV_TAG_CRC "63"
#define EMV_CRC_HEADER "6304"
#define EMV_CRC_DIGITS 4

struct _KassaEmv
{
  gatomicrefcount  ref_count;
  GHashTable      *tags;       /* two-digit tag → value, top level only */
  KassaEmvCrcKind  crc_kind;
};

G_DEFINE_BOXED_TYPE (KassaEmv, kassa_emv, kassa_emv_ref, kassa_emv_unref)

static guint16
crc_x25 (const guchar *data,
         gsize         len)
{
  guint16 crc = 0xFFFF;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (guint bit = 0; bit < 8; bit++)
        crc = (crc & 1) ? (crc >> 1) ^ 0x8408 : crc >> 1;
    }

  return crc ^ 0xFFFF;
}

static guint16
crc_ccitt_false (const guchar *data,
                 gsize         len)
{
  guint16 crc = 0xFFFF;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= (guint16) (data[i] << 8);
      for (guint bit = 0; bit < 8; bit++)
        crc = (crc & 0x8000) ? (guint16) ((crc << 1) ^ 0x1021) : (guint16) (crc << 1);
    }

  return crc;
}

static gboolean
is_two_digits (const char *p)
{
  return g_ascii_isdigit (p[0]) && g_ascii_isdigit (p[1]);
}

static gboolean
is_hex_digits (const char *p,
               gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isxdigit (p[i]))
        return FALSE;
    }

  return TRUE;
}

static void
set_syntax_error (GError     **error,
                  const char  *payload,
                  const char  *position,
                  const char  *what)
{
  /* Translators: the first %u is a character position in the QR code's text,
   * %s says what is wrong there */
  g_set_error (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_SYNTAX,
               _("The QR code’s data is damaged at position %u: %s"),
               (guint) g_utf8_strlen (payload, position - payload) + 1, what);
}

KassaEmv *
kassa_emv_parse (const char  *payload,
                 GError     **error)
{
  g_autoptr(GHashTable) tags = NULL;
  const char *p;
  const char *end;
  const char *last_tag = NULL;
  const char *last_value = NULL;
  gsize last_len = 0;
  g_autofree char *x25 = NULL;
  g_autofree char *ccitt = NULL;
  KassaEmvCrcKind kind;
  KassaEmv *self;
  gsize len;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (payload == NULL || payload[0] == '\0')
    {
      g_set_error_literal (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_SYNTAX,
                           _("The QR code’s data is empty"));
      return NULL;
    }

  len = strlen (payload);
  if (len > EMV_MAX_PAYLOAD_BYTES)
    {
      /* Translators: %u is the maximum length, 512 */
      g_set_error (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_SYNTAX,
                   _("The QR code’s data is longer than %u bytes"),
                   (guint) EMV_MAX_PAYLOAD_BYTES);
      return NULL;
    }

  if (!g_utf8_validate (payload, len, NULL))
    {
      g_set_error_literal (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_SYNTAX,
                           _("The QR code’s data is not valid UTF-8 text"));
      return NULL;
    }

  for (p = payload; *p != '\0'; p = g_utf8_next_char (p))
    {
      if (g_unichar_iscntrl (g_utf8_get_char (p)))
        {
          set_syntax_error (error, payload, p, _("a control character"));
          return NULL;
        }
    }

  tags = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  end = payload + len;
  p = payload;

  while (p < end)
    {
      const char *element = p;
      const char *value;
      g_autofree char *tag = NULL;
      guint n_chars;

      if (end - p < 4)
        {
          set_syntax_error (error, payload, p, _("the data ends in the middle of a tag"));
          return NULL;
        }
      if (!is_two_digits (p))
        {
          set_syntax_error (error, payload, p, _("a tag must be two digits"));
          return NULL;
        }
      if (!is_two_digits (p + 2))
        {
          set_syntax_error (error, payload, p + 2, _("a length must be two digits"));
          return NULL;
        }

      tag = g_strndup (p, 2);
      n_chars = (p[2] - '0') * 10 + (p[3] - '0');
      value = p + 4;
      p = value;

      /* EMVCo counts lengths in characters; for the ASCII the bank sends,
       * characters and bytes are the same. */
      for (guint i = 0; i < n_chars; i++)
        {
          if (p >= end)
            {
              set_syntax_error (error, payload, element,
                                _("a value is shorter than its length says"));
              return NULL;
            }
          p = g_utf8_next_char (p);
        }

      if (g_hash_table_contains (tags, tag))
        {
          set_syntax_error (error, payload, element, _("a tag appears twice"));
          return NULL;
        }

      last_value = value;
      last_len = p - value;
      g_hash_table_insert (tags, g_steal_pointer (&tag), g_strndup (value, last_len));
      last_tag = element;
    }

  g_assert (last_tag != NULL);

  if (strncmp (last_tag, EMV_TAG_CRC, 2) != 0)
    {
      g_set_error_literal (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_CRC,
                           g_hash_table_contains (tags, EMV_TAG_CRC)
                             ? _("The QR code’s checksum (tag 63) is not at the end")
                             : _("The QR code has no checksum (tag 63)"));
      return NULL;
    }

  if (strncmp (last_tag, EMV_CRC_HEADER, 4) != 0 || last_len != EMV_CRC_DIGITS ||
      !is_hex_digits (last_value, EMV_CRC_DIGITS))
    {
      g_set_error_literal (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_CRC,
                           _("The QR code’s checksum (tag 63) is not four hexadecimal digits"));
      return NULL;
    }

  /* The CRC covers everything up to and including "6304". */
  x25 = kassa_emv_crc (payload, last_value - payload, KASSA_EMV_CRC_X25);
  ccitt = kassa_emv_crc (payload, last_value - payload, KASSA_EMV_CRC_CCITT_FALSE);

  if (g_ascii_strncasecmp (last_value, x25, EMV_CRC_DIGITS) == 0)
    kind = KASSA_EMV_CRC_X25;
  else if (g_ascii_strncasecmp (last_value, ccitt, EMV_CRC_DIGITS) == 0)
    kind = KASSA_EMV_CRC_CCITT_FALSE;
  else
    {
      g_set_error_literal (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_CRC,
                           _("The QR code’s checksum does not match its data"));
      return NULL;
    }

  self = g_new0 (KassaEmv, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->tags = g_steal_pointer (&tags);
  self->crc_kind = kind;

  return self;
}

KassaEmv *
kassa_emv_ref (KassaEmv *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);

  return self;
}

void
kassa_emv_unref (KassaEmv *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_hash_table_unref (self->tags);
      g_free (self);
    }
}

const char *
kassa_emv_get_tag (KassaEmv   *self,
                   const char *tag)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (tag != NULL, NULL);

  return g_hash_table_lookup (self->tags, tag);
}

gboolean
kassa_emv_get_amount (KassaEmv  *self,
                      gint64    *out_amount,
                      GError   **error)
{
  g_autofree char *excerpt = NULL;
  const char *value;
  const char *p;
  gint64 amount = 0;
  gboolean too_large = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  value = kassa_emv_get_tag (self, EMV_TAG_AMOUNT);
  if (value == NULL)
    {
      g_set_error_literal (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_AMOUNT,
                           _("The QR code does not state an amount"));
      return FALSE;
    }

  excerpt = kassa_input_excerpt (value);

  /* EMVCo's form: digits, optionally "." and decimals. */
  for (p = value; g_ascii_isdigit (*p); p++)
    {
      if (!too_large)
        {
          amount = amount * 10 + (*p - '0');
          too_large = amount > KASSA_AMOUNT_MAX;
        }
    }

  if (p == value || (*p != '\0' && *p != '.') ||
      (*p == '.' && (p[1] == '\0' || strspn (p + 1, "0123456789") != strlen (p + 1))))
    {
      /* Translators: %s is the amount as written in the QR code */
      g_set_error (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_AMOUNT,
                   _("The QR code’s amount “%s” is not a number"), excerpt);
      return FALSE;
    }

  if (*p == '.' && strspn (p + 1, "0") != strlen (p + 1))
    {
      /* Translators: %s is the amount as written in the QR code, e.g. “1100.50” */
      g_set_error (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_AMOUNT,
                   _("The QR code’s amount “%s” is not a whole number of tögrög"), excerpt);
      return FALSE;
    }

  if (too_large || amount < KASSA_AMOUNT_MIN)
    {
      /* Translators: %s is the amount as written in the QR code */
      g_set_error (error, KASSA_EMV_ERROR, KASSA_EMV_ERROR_AMOUNT,
                   _("The QR code’s amount “%s” is out of range"), excerpt);
      return FALSE;
    }

  if (out_amount != NULL)
    *out_amount = amount;

  return TRUE;
}

const char *
kassa_emv_get_merchant_name (KassaEmv *self)
{
  return kassa_emv_get_tag (self, EMV_TAG_MERCHANT_NAME);
}

KassaEmvCrcKind
kassa_emv_get_crc_kind (KassaEmv *self)
{
  g_return_val_if_fail (self != NULL, KASSA_EMV_CRC_X25);

  return self->crc_kind;
}

char *
kassa_emv_crc (const char      *data,
               gssize           len,
               KassaEmvCrcKind  kind)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  if (len < 0)
    len = strlen (data);

  switch (kind)
    {
    case KASSA_EMV_CRC_X25:
      return g_strdup_printf ("%04x", crc_x25 ((const guchar *) data, len));

    case KASSA_EMV_CRC_CCITT_FALSE:
      return g_strdup_printf ("%04X", crc_ccitt_false ((const guchar *) data, len));

    default:
      g_return_val_if_reached (NULL);
    }
}

char *
kassa_emv_seal (const char      *tlv_without_crc,
                KassaEmvCrcKind  kind)
{
  g_autofree char *unsealed = NULL;
  g_autofree char *crc = NULL;

  g_return_val_if_fail (tlv_without_crc != NULL, NULL);

  unsealed = g_strconcat (tlv_without_crc, EMV_CRC_HEADER, NULL);
  crc = kassa_emv_crc (unsealed, -1, kind);

  return g_strconcat (unsealed, crc, NULL);
}
