/* kassa-bank-fields.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-bank-fields.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kassa-error.h"

#define EXCERPT_MAX_CHARS 32
#define TERMINAL_LENGTH 8
#define PHONE_LENGTH 8

static gboolean
is_exact_digits (const char *text,
                 gsize       n_digits)
{
  gsize i;

  for (i = 0; text[i] != '\0'; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return FALSE;
    }

  return i == n_digits;
}

static gboolean
is_identifier_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-';
}

typedef enum
{
  IDENTIFIER_OK,
  IDENTIFIER_EMPTY,
  IDENTIFIER_BAD_CHAR,
  IDENTIFIER_TOO_LONG,
} IdentifierStatus;

/* Shared by invoice and settlement id: 1–@max_length of [A-Za-z0-9_-]. */
static IdentifierStatus
check_identifier (const char *value,
                  gsize       max_length)
{
  gsize len;

  if (value == NULL || value[0] == '\0')
    return IDENTIFIER_EMPTY;

  len = strlen (value);
  for (gsize i = 0; i < len; i++)
    {
      if (!is_identifier_char (value[i]))
        return IDENTIFIER_BAD_CHAR;
    }

  return len > max_length ? IDENTIFIER_TOO_LONG : IDENTIFIER_OK;
}

char *
kassa_input_excerpt (const char *text)
{
  g_autofree char *valid = NULL;
  GString *excerpt;
  const char *p;
  guint n_chars = 0;

  if (text == NULL)
    return g_strdup ("");

  valid = g_utf8_make_valid (text, -1);
  g_strstrip (valid);

  excerpt = g_string_new (NULL);
  for (p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (n_chars == EXCERPT_MAX_CHARS)
        {
          g_string_append (excerpt, "…");
          break;
        }

      /* Control and format characters (bidi overrides among them) could
       * garble or disguise the message. */
      g_string_append_unichar (excerpt, g_unichar_isprint (c) ? c : 0xFFFD);
      n_chars++;
    }

  return g_string_free (excerpt, FALSE);
}

gboolean
kassa_terminal_validate (const char  *terminal,
                         GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (terminal == NULL || terminal[0] == '\0')
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_TERMINAL,
                           _("No terminal id was given"));
      return FALSE;
    }

  if (!is_exact_digits (terminal, TERMINAL_LENGTH))
    {
      g_autofree char *excerpt = kassa_input_excerpt (terminal);

      /* Translators: %s is the terminal id as given */
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_TERMINAL,
                   _("The terminal id “%s” is not valid: it must be exactly 8 digits"),
                   excerpt);
      return FALSE;
    }

  return TRUE;
}

gboolean
kassa_invoice_validate (const char  *invoice,
                        GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  switch (check_identifier (invoice, KASSA_INVOICE_MAX_LENGTH))
    {
    case IDENTIFIER_OK:
      return TRUE;

    case IDENTIFIER_EMPTY:
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                           _("No invoice number was given"));
      return FALSE;

    case IDENTIFIER_TOO_LONG:
      /* Translators: the first %u is the length given, the second the maximum */
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                   _("The invoice number is %u characters long; at most %u are allowed"),
                   (guint) strlen (invoice), (guint) KASSA_INVOICE_MAX_LENGTH);
      return FALSE;

    case IDENTIFIER_BAD_CHAR:
    default:
      {
        g_autofree char *excerpt = kassa_input_excerpt (invoice);

        /* Translators: %s is the invoice number as given */
        g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_INVOICE,
                     _("The invoice number “%s” is not valid: use only Latin letters, "
                       "digits, “-” and “_”"),
                     excerpt);
        return FALSE;
      }
    }
}

gboolean
kassa_phone_validate (const char  *phone,
                      GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (phone == NULL || phone[0] == '\0')
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_PHONE,
                           _("No phone number was given"));
      return FALSE;
    }

  if (!is_exact_digits (phone, PHONE_LENGTH))
    {
      g_autofree char *excerpt = kassa_input_excerpt (phone);

      /* Translators: %s is the phone number as given */
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_PHONE,
                   _("The phone number “%s” is not valid: it must be exactly 8 digits, "
                     "without a country code"),
                   excerpt);
      return FALSE;
    }

  return TRUE;
}

gboolean
kassa_settlement_id_validate (const char  *settlement_id,
                              GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  switch (check_identifier (settlement_id, KASSA_SETTLEMENT_ID_MAX_LENGTH))
    {
    case IDENTIFIER_OK:
      return TRUE;

    case IDENTIFIER_EMPTY:
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_SETTLEMENT_ID,
                           _("No settlement id was given"));
      return FALSE;

    case IDENTIFIER_TOO_LONG:
      /* Translators: the first %u is the length given, the second the maximum */
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_SETTLEMENT_ID,
                   _("The settlement id is %u characters long; at most %u are allowed"),
                   (guint) strlen (settlement_id), (guint) KASSA_SETTLEMENT_ID_MAX_LENGTH);
      return FALSE;

    case IDENTIFIER_BAD_CHAR:
    default:
      {
        g_autofree char *excerpt = kassa_input_excerpt (settlement_id);

        /* Translators: %s is the settlement id as given */
        g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_SETTLEMENT_ID,
                     _("The settlement id “%s” is not valid: use only Latin letters, "
                       "digits, “-” and “_”"),
                     excerpt);
        return FALSE;
      }
    }
}

gboolean
kassa_secret_validate (const char  *secret,
                       GError     **error)
{
  const char *p;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Never quote the secret: error messages end up in logs and on screens. */
  if (secret == NULL || secret[0] == '\0')
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_SECRET,
                           _("No secret key was given"));
      return FALSE;
    }

  if (!g_utf8_validate (secret, -1, NULL))
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_SECRET,
                           _("The secret key is not valid text"));
      return FALSE;
    }

  for (p = secret; *p != '\0'; p = g_utf8_next_char (p))
    {
      /* Catches tabs and newlines pasted along with the key, too. */
      if (g_unichar_iscntrl (g_utf8_get_char (p)))
        {
          g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_SECRET,
                               _("The secret key contains control characters such as tabs or "
                                 "line breaks"));
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
kassa_reference_validate (const char  *reference,
                          GError     **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (reference == NULL)
    return TRUE;

  if (!g_utf8_validate (reference, -1, NULL))
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_REFERENCE,
                           _("The reference is not valid text (UTF-8)"));
      return FALSE;
    }

  if (g_utf8_strlen (reference, -1) > KASSA_REFERENCE_MAX_CHARS)
    {
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_REFERENCE,
                   g_dngettext (GETTEXT_PACKAGE,
                                "The reference is too long: at most %d character",
                                "The reference is too long: at most %d characters",
                                KASSA_REFERENCE_MAX_CHARS),
                   KASSA_REFERENCE_MAX_CHARS);
      return FALSE;
    }

  for (const char *p = reference; *p != '\0'; p = g_utf8_next_char (p))
    {
      GUnicodeType type = g_unichar_type (g_utf8_get_char (p));

      if (type == G_UNICODE_CONTROL || type == G_UNICODE_LINE_SEPARATOR ||
          type == G_UNICODE_PARAGRAPH_SEPARATOR)
        {
          g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_REFERENCE,
                               _("The reference must not contain control characters "
                                 "(line breaks, tabs)"));
          return FALSE;
        }

      /* All of Cf, not only the bidirectional controls (U+202E turns "001"
       * into "100" on a receipt): zero-width and other invisible characters
       * disguise a text as well, and Mongolian in Cyrillic needs none of them.
       * The message names none of them: they are invisible. */
      if (type == G_UNICODE_FORMAT)
        {
          g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_REFERENCE,
                               _("The reference must not contain invisible formatting "
                                 "characters (such as text direction marks)"));
          return FALSE;
        }
    }

  return TRUE;
}
