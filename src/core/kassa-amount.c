/* kassa-amount.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-amount.h"

#include <string.h>

#include <glib/gi18n.h>

#include "kassa-bank-fields.h"
#include "kassa-error.h"

#define TUGRIK_SIGN 0x20AE     /* ₮ */
#define MINUS_SIGN 0x2212      /* − */

/* Longest wire form: "1000000000000". */
#define WIRE_MAX_DIGITS 13

typedef enum
{
  SEPARATOR_NONE,
  SEPARATOR_COMMA,
  SEPARATOR_SPACE,
} SeparatorKind;

typedef enum
{
  PARSE_OK,
  PARSE_GARBAGE,
  PARSE_MIXED_SEPARATORS,
  PARSE_BAD_GROUPING,
  PARSE_TOO_LARGE,
} ParseStatus;

static SeparatorKind
separator_kind (gunichar c)
{
  switch (c)
    {
    case ',':
      return SEPARATOR_COMMA;
    /* What a keyboard, a spreadsheet or a locale's thousands separator puts between groups. */
    case ' ':
    case 0x00A0:  /* NO-BREAK SPACE */
    case 0x202F:  /* NARROW NO-BREAK SPACE */
      return SEPARATOR_SPACE;
    default:
      return SEPARATOR_NONE;
    }
}

/* Parses [p, end) as ASCII digits, optionally in groups of three separated by one
 * separator character of a single kind. The first group has 1–3 digits. Leading
 * zeros are accepted: what the cashier meant is not in doubt. */
static ParseStatus
parse_grouped (const char    *p,
               const char    *end,
               gint64        *out_value,
               SeparatorKind *out_kind)
{
  SeparatorKind kind = SEPARATOR_NONE;
  gboolean mixed = FALSE;
  gboolean bad_grouping = FALSE;
  gboolean too_large = FALSE;
  guint n_groups = 1;
  guint group_len = 0;
  gint64 value = 0;

  if (p >= end)
    return PARSE_GARBAGE;

  while (p < end)
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= '0' && c <= '9')
        {
          /* Stop accumulating once too large: no overflow, however many digits. */
          if (!too_large)
            {
              value = value * 10 + (c - '0');
              if (value > KASSA_AMOUNT_MAX)
                too_large = TRUE;
            }
          group_len++;
        }
      else if (separator_kind (c) != SEPARATOR_NONE)
        {
          SeparatorKind this_kind = separator_kind (c);

          /* A separator at the start, or two in a row. */
          if (group_len == 0)
            return PARSE_GARBAGE;
          if (kind != SEPARATOR_NONE && kind != this_kind)
            mixed = TRUE;
          kind = this_kind;
          if (n_groups == 1 ? group_len > 3 : group_len != 3)
            bad_grouping = TRUE;
          n_groups++;
          group_len = 0;
        }
      else
        {
          return PARSE_GARBAGE;
        }

      p = g_utf8_next_char (p);
    }

  if (group_len == 0)
    return PARSE_GARBAGE;
  if (n_groups > 1 && group_len != 3)
    bad_grouping = TRUE;

  if (out_kind != NULL)
    *out_kind = kind;

  if (mixed)
    return PARSE_MIXED_SEPARATORS;
  if (bad_grouping)
    return PARSE_BAD_GROUPING;

  *out_value = value;

  return too_large ? PARSE_TOO_LARGE : PARSE_OK;
}

static gboolean
all_ascii_digits (const char *p,
                  const char *end)
{
  if (p >= end)
    return FALSE;

  for (; p < end; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
    }

  return TRUE;
}

/* A number with a decimal part: "1500.5", "1500.00", "1,5", "15,00", "1 500,50".
 * A comma counts as a decimal comma only when it is the only comma and is followed
 * by one or two digits; "1,500" is a thousands separator. */
static gboolean
looks_like_fraction (const char *p,
                     const char *end)
{
  const char *dot = memchr (p, '.', end - p);
  const char *comma;
  gint64 ignored;

  if (dot != NULL)
    {
      ParseStatus status;

      if (!all_ascii_digits (dot + 1, end))
        return FALSE;
      if (dot == p)
        return TRUE;
      status = parse_grouped (p, dot, &ignored, NULL);
      return status == PARSE_OK || status == PARSE_TOO_LARGE;
    }

  comma = memchr (p, ',', end - p);
  if (comma != NULL && memchr (comma + 1, ',', end - (comma + 1)) == NULL)
    {
      ParseStatus status;
      gsize decimals = end - (comma + 1);

      if (decimals < 1 || decimals > 2 || !all_ascii_digits (comma + 1, end))
        return FALSE;
      status = parse_grouped (p, comma, &ignored, NULL);
      return status == PARSE_OK || status == PARSE_TOO_LARGE;
    }

  return FALSE;
}

static const char *
skip_space_forward (const char *p,
                    const char *end)
{
  while (p < end && g_unichar_isspace (g_utf8_get_char (p)))
    p = g_utf8_next_char (p);

  return p;
}

static const char *
skip_space_backward (const char *start,
                     const char *end)
{
  while (end > start)
    {
      const char *prev = g_utf8_find_prev_char (start, end);

      if (prev == NULL || !g_unichar_isspace (g_utf8_get_char (prev)))
        break;
      end = prev;
    }

  return end;
}

static void
set_too_small_error (GError **error)
{
  g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
                       _("The amount must be at least 1 ₮"));
}

static void
set_too_large_error (GError **error)
{
  g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
                       _("The amount cannot exceed 1,000,000,000,000 ₮"));
}

static void
set_not_an_amount_error (GError     **error,
                         const char  *text)
{
  g_autofree char *excerpt = kassa_input_excerpt (text);

  /* Translators: %s is what was typed, e.g. “12a” */
  g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
               _("“%s” is not an amount"), excerpt);
}

gboolean
kassa_amount_parse (const char  *text,
                    gint64      *out_amount,
                    GError     **error)
{
  const char *start;
  const char *end;
  const char *number_end;
  gboolean negative = FALSE;
  SeparatorKind kind = SEPARATOR_NONE;
  gint64 value = 0;
  ParseStatus status;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (text != NULL && !g_utf8_validate (text, -1, NULL))
    {
      set_not_an_amount_error (error, text);
      return FALSE;
    }

  if (text == NULL)
    text = "";
  start = skip_space_forward (text, text + strlen (text));
  end = skip_space_backward (start, text + strlen (text));

  if (start == end)
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
                           _("No amount was entered"));
      return FALSE;
    }

  /* "1500₮", "1 500 ₮" */
  number_end = end;
  {
    const char *last = g_utf8_find_prev_char (start, end);

    if (last != NULL && g_utf8_get_char (last) == TUGRIK_SIGN)
      number_end = skip_space_backward (start, last);
  }

  if (start < number_end && (*start == '-' || g_utf8_get_char (start) == MINUS_SIGN))
    {
      negative = TRUE;
      start = g_utf8_next_char (start);
    }

  status = parse_grouped (start, number_end, &value, &kind);

  if (status != PARSE_OK && status != PARSE_TOO_LARGE &&
      looks_like_fraction (start, number_end))
    {
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
                           _("Fractions of a tögrög are not accepted"));
      return FALSE;
    }

  switch (status)
    {
    case PARSE_OK:
    case PARSE_TOO_LARGE:
      break;

    case PARSE_MIXED_SEPARATORS:
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
                           _("Use only one kind of separator between groups of digits"));
      return FALSE;

    case PARSE_BAD_GROUPING:
      g_set_error_literal (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
                           _("Digits must be grouped in threes, like 1,500 or 1 500"));
      return FALSE;

    case PARSE_GARBAGE:
    default:
      set_not_an_amount_error (error, text);
      return FALSE;
    }

  if (negative || value < KASSA_AMOUNT_MIN)
    {
      set_too_small_error (error);
      return FALSE;
    }

  if (status == PARSE_TOO_LARGE)
    {
      set_too_large_error (error);
      return FALSE;
    }

  if (out_amount != NULL)
    *out_amount = value;

  return TRUE;
}

gboolean
kassa_amount_validate (gint64   amount,
                       GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (amount < KASSA_AMOUNT_MIN)
    {
      set_too_small_error (error);
      return FALSE;
    }

  if (amount > KASSA_AMOUNT_MAX)
    {
      set_too_large_error (error);
      return FALSE;
    }

  return TRUE;
}

char *
kassa_amount_to_wire (gint64 amount)
{
  g_return_val_if_fail (amount >= KASSA_AMOUNT_MIN && amount <= KASSA_AMOUNT_MAX, NULL);

  return g_strdup_printf ("%" G_GINT64_FORMAT, amount);
}

gboolean
kassa_amount_from_wire (const char  *text,
                        gint64      *out_amount,
                        GError     **error)
{
  gint64 value = 0;
  gsize len;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  len = text != NULL ? strlen (text) : 0;

  if (len == 0 || !all_ascii_digits (text, text + len) || (text[0] == '0' && len > 1))
    {
      g_autofree char *excerpt = kassa_input_excerpt (text);

      /* Translators: %s is a value received from another program or the bank */
      g_set_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT,
                   _("“%s” is not an amount in plain digits"), excerpt);
      return FALSE;
    }

  if (len > WIRE_MAX_DIGITS)
    {
      set_too_large_error (error);
      return FALSE;
    }

  for (gsize i = 0; i < len; i++)
    value = value * 10 + (text[i] - '0');

  if (!kassa_amount_validate (value, error))
    return FALSE;

  if (out_amount != NULL)
    *out_amount = value;

  return TRUE;
}

char *
kassa_amount_to_display (gint64 amount)
{
  g_autofree char *digits = NULL;
  GString *display;
  guint64 magnitude;
  gsize len;

  /* Through guint64 so that G_MININT64 has a magnitude too. */
  magnitude = amount < 0 ? (guint64) 0 - (guint64) amount : (guint64) amount;
  digits = g_strdup_printf ("%" G_GUINT64_FORMAT, magnitude);
  len = strlen (digits);

  display = g_string_sized_new (len + len / 3 + 8);
  if (amount < 0)
    g_string_append_c (display, '-');

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (display, ',');
      g_string_append_c (display, digits[i]);
    }

  g_string_append_unichar (display, TUGRIK_SIGN);

  return g_string_free (display, FALSE);
}
