/* kassa-json.c — JSON text from outside, checked before json-glib reads it
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A validator of RFC 8259's grammar, iterative (a depth-limited stack, no
 * recursion), that builds nothing: kassa-json-private.h says why.
 */

#include "config.h"

#include "kassa-json-private.h"

#include <string.h>

typedef enum
{
  EXPECT_FIRST_MEMBER,  /* after "{": a key or "}" */
  EXPECT_MEMBER,        /* after "," in an object: a key */
  EXPECT_FIRST_ELEMENT, /* after "[": a value or "]" */
  EXPECT_VALUE,         /* after ":" or "," in an array */
  EXPECT_SEPARATOR,     /* after a value: ",", or the container's end */
} State;

static const char *
skip_space (const char *p,
            const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;

  return p;
}

/* The value of the four hex digits at @p, or -1. */
static gint
hex4 (const char *p)
{
  gint value = 0;

  for (guint i = 0; i < 4; i++)
    {
      gint digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }

  return value;
}

/* @p is at a backslash: the end of the escape, or NULL. */
static const char *
scan_escape (const char *p,
             const char *end)
{
  gint first, second;

  if (end - p < 2)
    return NULL;
  if (strchr ("\"\\/bfnrt", p[1]) != NULL && p[1] != '\0')
    return p + 2;
  if (p[1] != 'u' || end - p < 6 || (first = hex4 (p + 2)) < 0)
    return NULL;
  if (first < 0xD800 || first > 0xDFFF)
    return p + 6;

  /* A surrogate: a high one, then its low half. */
  if (first > 0xDBFF || end - p < 12 || p[6] != '\\' || p[7] != 'u')
    return NULL;
  second = hex4 (p + 8);
  if (second < 0xDC00 || second > 0xDFFF)
    return NULL;

  return p + 12;
}

/* @p is at a quote: the end of the string, or NULL. */
static const char *
scan_string (const char *p,
             const char *end)
{
  for (p++; p < end; )
    {
      guchar c = (guchar) *p;

      if (c == '"')
        return p + 1;
      if (c < 0x20)
        return NULL;  /* control characters must be escaped */
      if (c == '\\')
        {
          p = scan_escape (p, end);
          if (p == NULL)
            return NULL;
        }
      else
        {
          p++;
        }
    }

  return NULL;
}

static const char *
scan_digits (const char *p,
             const char *end)
{
  const char *start = p;

  while (p < end && g_ascii_isdigit (*p))
    p++;

  return p > start ? p : NULL;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static const char *
scan_number (const char *p,
             const char *end)
{
  if (p < end && *p == '-')
    p++;
  if (p < end && *p == '0')
    p++;
  else if ((p = scan_digits (p, end)) == NULL)
    return NULL;

  if (p < end && *p == '.' && (p = scan_digits (p + 1, end)) == NULL)
    return NULL;

  if (p < end && (*p == 'e' || *p == 'E'))
    {
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if ((p = scan_digits (p, end)) == NULL)
        return NULL;
    }

  return p;
}

static const char *
scan_literal (const char *p,
              const char *end)
{
  static const char * const literals[] = { "true", "false", "null" };

  for (gsize i = 0; i < G_N_ELEMENTS (literals); i++)
    {
      gsize length = strlen (literals[i]);

      if ((gsize) (end - p) >= length && memcmp (p, literals[i], length) == 0)
        return p + length;
    }

  return NULL;
}

gboolean
kassa_json_is_one_object (const char *data,
                          gsize       length)
{
  char stack[KASSA_JSON_MAX_DEPTH];  /* the open containers: '{' or '[' */
  guint depth = 0;
  State state;
  const char *end = data + length;
  const char *p;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (data == NULL)
    return FALSE;

  p = skip_space (data, end);
  if (p == end || *p != '{')
    return FALSE;
  stack[depth++] = '{';
  state = EXPECT_FIRST_MEMBER;
  p++;

  while (depth > 0)
    {
      p = skip_space (p, end);
      if (p == end)
        return FALSE;

      switch (state)
        {
        case EXPECT_FIRST_MEMBER:
        case EXPECT_MEMBER:
          if (state == EXPECT_FIRST_MEMBER && *p == '}')
            {
              depth--;
              p++;
              state = EXPECT_SEPARATOR;
              break;
            }
          if (*p != '"' || (p = scan_string (p, end)) == NULL)
            return FALSE;
          p = skip_space (p, end);
          if (p == end || *p != ':')
            return FALSE;
          p++;
          state = EXPECT_VALUE;
          break;

        case EXPECT_FIRST_ELEMENT:
        case EXPECT_VALUE:
          if (state == EXPECT_FIRST_ELEMENT && *p == ']')
            {
              depth--;
              p++;
              state = EXPECT_SEPARATOR;
              break;
            }
          if (*p == '{' || *p == '[')
            {
              if (depth == KASSA_JSON_MAX_DEPTH)
                return FALSE;
              stack[depth++] = *p;
              state = *p == '{' ? EXPECT_FIRST_MEMBER : EXPECT_FIRST_ELEMENT;
              p++;
              break;
            }
          if (*p == '"')
            p = scan_string (p, end);
          else if (*p == '-' || g_ascii_isdigit (*p))
            p = scan_number (p, end);
          else
            p = scan_literal (p, end);
          if (p == NULL)
            return FALSE;
          state = EXPECT_SEPARATOR;
          break;

        case EXPECT_SEPARATOR:
          if (*p == ',')
            {
              state = stack[depth - 1] == '{' ? EXPECT_MEMBER : EXPECT_VALUE;
              p++;
            }
          else if ((*p == '}' && stack[depth - 1] == '{') ||
                   (*p == ']' && stack[depth - 1] == '['))
            {
              depth--;
              p++;
            }
          else
            {
              return FALSE;
            }
          break;

        default:
          g_assert_not_reached ();
        }
    }

  /* The root object is closed: only whitespace may follow. */
  return skip_space (p, end) == end;
}
