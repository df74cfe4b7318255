/* kassa-escpos-decode.c — parses an ESC/POS byte stream and rebuilds its raster image
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The command shapes follow Epson's ESC/POS reference (docs/printing.md).
 */

#include "config.h"

#include "kassa-escpos-decode.h"

#include <string.h>

#include <json-glib/json-glib.h>

G_DEFINE_QUARK (kassa-escpos-decode-error-quark, kassa_escpos_decode_error)

#define ESC 0x1b
#define GS  0x1d
#define DLE 0x10
#define FS  0x1c

typedef struct
{
  const guint8 *data;
  gsize         length;
  gsize         pos;
  GArray       *commands;
  GByteArray   *bits;        /* the image so far, width_bytes per row */
  guint         width_bytes;
  guint         rows;
  guint         n_bands;
  gsize         max_band_bytes;
} Parser;

static gboolean
need (Parser      *p,
      gsize        start,
      gsize        bytes,
      const char  *name,
      GError     **error)
{
  if (start + bytes <= p->length)
    return TRUE;

  g_set_error (error, KASSA_ESCPOS_DECODE_ERROR, KASSA_ESCPOS_DECODE_ERROR_TRUNCATED,
               "%s at byte %" G_GSIZE_FORMAT " is cut short: it needs %" G_GSIZE_FORMAT
               " bytes, %" G_GSIZE_FORMAT " are left", name, start, bytes, p->length - start);
  return FALSE;
}

static KassaEscposCommand *
add (Parser        *p,
     KassaEscposOp  op,
     const char    *name,
     gsize          length)
{
  KassaEscposCommand command = { 0 };

  command.op = op;
  command.offset = p->pos;
  command.length = length;
  command.name = name;
  g_array_append_val (p->commands, command);
  p->pos += length;

  return &g_array_index (p->commands, KassaEscposCommand, p->commands->len - 1);
}

static gboolean
unknown (Parser  *p,
         gsize    length,
         GError **error)
{
  g_autoptr(GString) bytes = g_string_new (NULL);

  for (gsize i = 0; i < length && p->pos + i < p->length; i++)
    g_string_append_printf (bytes, "%s%02x", i > 0 ? " " : "", p->data[p->pos + i]);

  g_set_error (error, KASSA_ESCPOS_DECODE_ERROR, KASSA_ESCPOS_DECODE_ERROR_UNKNOWN,
               "unknown command at byte %" G_GSIZE_FORMAT ": %s", p->pos, bytes->str);
  return FALSE;
}

static gboolean
invalid (Parser     *p,
         const char *name,
         const char *what,
         guint       value,
         GError    **error)
{
  g_set_error (error, KASSA_ESCPOS_DECODE_ERROR, KASSA_ESCPOS_DECODE_ERROR_INVALID,
               "%s at byte %" G_GSIZE_FORMAT ": %s %u is out of range", name, p->pos, what,
               value);
  return FALSE;
}

static gboolean
parse_raster (Parser  *p,
              GError **error)
{
  const guint8 *d = p->data + p->pos;
  KassaEscposCommand *command;
  guint m, width_bytes, rows;
  gsize bytes;

  if (!need (p, p->pos, 8, "GS v 0", error))
    return FALSE;
  m = d[3];
  width_bytes = d[4] | (d[5] << 8);
  rows = d[6] | (d[7] << 8);
  if (m > 3 && !(m >= 48 && m <= 51))
    return invalid (p, "GS v 0", "m", m, error);
  if (width_bytes == 0)
    return invalid (p, "GS v 0", "width in bytes", width_bytes, error);
  /* yH ≤ 8 in the printers' references: at most 2 303 rows in one command. */
  if (rows == 0 || rows > 2303)
    return invalid (p, "GS v 0", "rows", rows, error);
  bytes = (gsize) width_bytes * rows;
  if (!need (p, p->pos, 8 + bytes, "GS v 0", error))
    return FALSE;
  if (p->n_bands > 0 && width_bytes != p->width_bytes)
    {
      g_set_error (error, KASSA_ESCPOS_DECODE_ERROR, KASSA_ESCPOS_DECODE_ERROR_INVALID,
                   "GS v 0 at byte %" G_GSIZE_FORMAT " is %u bytes wide, the bands before it %u",
                   p->pos, width_bytes, p->width_bytes);
      return FALSE;
    }

  p->width_bytes = width_bytes;
  p->rows += rows;
  p->n_bands++;
  p->max_band_bytes = MAX (p->max_band_bytes, 8 + bytes);
  g_byte_array_append (p->bits, d + 8, bytes);

  command = add (p, KASSA_ESCPOS_OP_RASTER, "GS v 0", 8 + bytes);
  command->mode = m;
  command->width_bytes = width_bytes;
  command->rows = rows;

  return TRUE;
}

/* ESC and one parameter byte that only sets a mode: justification, bold,
 * print mode, code table, font, underline, double strike, upside down,
 * character set, line spacing, rotation, unidirection, peripheral. */
static gboolean
is_esc_setting_1 (guint8 c)
{
  return c != 0 && strchr ("aE!tM-G{R3VU=", c) != NULL;
}

/* "ESC a", "GS ( k", …: interned, so a command keeps its name without an owner. */
static const char *
command_name (const char *prefix,
              guint8      c)
{
  char name[16];

  g_snprintf (name, sizeof name, "%s%c", prefix, c);

  return g_intern_string (name);
}

static gboolean
parse_esc (Parser  *p,
           GError **error)
{
  const guint8 *d = p->data + p->pos;
  KassaEscposCommand *command;
  guint8 c;

  if (!need (p, p->pos, 2, "ESC", error))
    return FALSE;
  c = d[1];

  switch (c)
    {
    case '@':
      add (p, KASSA_ESCPOS_OP_INIT, "ESC @", 2);
      return TRUE;
    case '2':
      add (p, KASSA_ESCPOS_OP_SETTING, "ESC 2", 2);
      return TRUE;
    case 'i':
    case 'm':
      command = add (p, KASSA_ESCPOS_OP_CUT, c == 'i' ? "ESC i" : "ESC m", 2);
      command->partial = c == 'm';
      return TRUE;
    case 'J':
    case 'd':
      if (!need (p, p->pos, 3, c == 'J' ? "ESC J" : "ESC d", error))
        return FALSE;
      command = add (p, c == 'J' ? KASSA_ESCPOS_OP_FEED_DOTS : KASSA_ESCPOS_OP_FEED_LINES,
                     c == 'J' ? "ESC J" : "ESC d", 3);
      command->n = d[2];
      return TRUE;
    case 'p':
      if (!need (p, p->pos, 5, "ESC p", error))
        return FALSE;
      if (d[2] != 0 && d[2] != 1 && d[2] != 48 && d[2] != 49)
        return invalid (p, "ESC p", "m", d[2], error);
      command = add (p, KASSA_ESCPOS_OP_PULSE, "ESC p", 5);
      /* m 0/48 is pin 2, 1/49 pin 5; times are 2 ms units, off ≥ on. */
      command->mode = (d[2] & 1) ? 5 : 2;
      command->on_ms = d[3] * 2u;
      command->off_ms = MAX (d[4], d[3]) * 2u;
      return TRUE;
    case '*':
      {
        guint n, bytes;

        if (!need (p, p->pos, 5, "ESC *", error))
          return FALSE;
        n = d[3] | (d[4] << 8);
        if (d[2] == 0 || d[2] == 1)
          bytes = n;
        else if (d[2] == 32 || d[2] == 33)
          bytes = 3 * n;
        else
          return invalid (p, "ESC *", "m", d[2], error);
        if (!need (p, p->pos, 5 + bytes, "ESC *", error))
          return FALSE;
        add (p, KASSA_ESCPOS_OP_SETTING, "ESC *", 5 + bytes);
        return TRUE;
      }
    default:
      if (is_esc_setting_1 (c))
        {
          if (!need (p, p->pos, 3, "ESC", error))
            return FALSE;
          add (p, KASSA_ESCPOS_OP_SETTING, command_name ("ESC ", c), 3);
          return TRUE;
        }
      return unknown (p, 2, error);
    }
}

static gboolean
parse_gs (Parser  *p,
          GError **error)
{
  const guint8 *d = p->data + p->pos;
  KassaEscposCommand *command;
  guint8 c;

  if (!need (p, p->pos, 2, "GS", error))
    return FALSE;
  c = d[1];

  switch (c)
    {
    case 'v':
      if (!need (p, p->pos, 3, "GS v", error))
        return FALSE;
      if (d[2] != '0')
        return unknown (p, 3, error);
      return parse_raster (p, error);

    case 'V':
      {
        guint m;

        if (!need (p, p->pos, 3, "GS V", error))
          return FALSE;
        m = d[2];
        if (m == 0 || m == 1 || m == 48 || m == 49)
          {
            command = add (p, KASSA_ESCPOS_OP_CUT, "GS V", 3);
            command->partial = m == 1 || m == 49;
          }
        else if (m == 65 || m == 66 || m == 97 || m == 98 || m == 103 || m == 104)
          {
            /* Function B, C, D: with n, the feed (B: to the cutter, then n units). */
            if (!need (p, p->pos, 4, "GS V", error))
              return FALSE;
            command = add (p, KASSA_ESCPOS_OP_CUT, "GS V", 4);
            command->partial = m == 66 || m == 98 || m == 104;
            command->n = d[3];
          }
        else
          {
            return invalid (p, "GS V", "m", m, error);
          }
        command->mode = m;
        return TRUE;
      }

    case 'r':
      if (!need (p, p->pos, 3, "GS r", error))
        return FALSE;
      command = add (p, KASSA_ESCPOS_OP_STATUS, "GS r", 3);
      command->mode = d[2];
      return TRUE;

    case '!': case 'B': case 'H': case 'h': case 'w': case 'f': case 'a': case 'I':
      if (!need (p, p->pos, 3, "GS", error))
        return FALSE;
      add (p, KASSA_ESCPOS_OP_SETTING, command_name ("GS ", c), 3);
      return TRUE;

    case 'L':
    case 'W':
      if (!need (p, p->pos, 4, "GS", error))
        return FALSE;
      add (p, KASSA_ESCPOS_OP_SETTING, c == 'L' ? "GS L" : "GS W", 4);
      return TRUE;

    case '(':
      {
        /* GS ( fn pL pH, then pL + 256 pH bytes: GS ( k is a QR code, GS ( L graphics. */
        gsize bytes;

        if (!need (p, p->pos, 5, "GS (", error))
          return FALSE;
        if (d[2] >= 128 || !g_ascii_isalpha (d[2]))
          return unknown (p, 3, error);
        bytes = d[3] | (d[4] << 8);
        if (!need (p, p->pos, 5 + bytes, "GS (", error))
          return FALSE;
        add (p, KASSA_ESCPOS_OP_SETTING, command_name ("GS ( ", d[2]), 5 + bytes);
        return TRUE;
      }

    case 'k':
      {
        /* A barcode: m 0–6 ends with NUL, m 65–79 counts its bytes. */
        guint m;

        if (!need (p, p->pos, 3, "GS k", error))
          return FALSE;
        m = d[2];
        if (m <= 6)
          {
            const guint8 *end = memchr (d + 3, 0, p->length - p->pos - 3);

            if (end == NULL)
              return need (p, p->pos, p->length - p->pos + 1, "GS k", error);
            add (p, KASSA_ESCPOS_OP_SETTING, "GS k", (gsize) (end - d) + 1);
            return TRUE;
          }
        if (m >= 65 && m <= 79)
          {
            if (!need (p, p->pos, 4, "GS k", error) || !need (p, p->pos, 4 + d[3], "GS k", error))
              return FALSE;
            add (p, KASSA_ESCPOS_OP_SETTING, "GS k", 4 + d[3]);
            return TRUE;
          }
        return invalid (p, "GS k", "m", m, error);
      }

    default:
      return unknown (p, 2, error);
    }
}

static gboolean
parse_dle (Parser  *p,
           GError **error)
{
  const guint8 *d = p->data + p->pos;
  KassaEscposCommand *command;

  if (!need (p, p->pos, 3, "DLE", error))
    return FALSE;

  if (d[1] == 0x04)
    {
      if (d[2] < 1 || d[2] > 4)
        return invalid (p, "DLE EOT", "n", d[2], error);
      command = add (p, KASSA_ESCPOS_OP_STATUS, "DLE EOT", 3);
      command->mode = d[2];
      return TRUE;
    }
  if (d[1] == 0x05)
    {
      add (p, KASSA_ESCPOS_OP_SETTING, "DLE ENQ", 3);
      return TRUE;
    }
  if (d[1] == 0x14)
    {
      /* DLE DC4 1 m t: a real-time pulse of t × 100 ms on pin m. */
      if (!need (p, p->pos, 5, "DLE DC4", error))
        return FALSE;
      if (d[2] != 1)
        return unknown (p, 3, error);
      if (d[3] > 1)
        return invalid (p, "DLE DC4", "m", d[3], error);
      command = add (p, KASSA_ESCPOS_OP_PULSE, "DLE DC4", 5);
      command->mode = d[3] == 0 ? 2 : 5;
      command->on_ms = d[4] * 100u;
      command->off_ms = d[4] * 100u;
      return TRUE;
    }

  return unknown (p, 2, error);
}

KassaEscposDecoded *
kassa_escpos_decode (const guint8  *data,
                     gsize          length,
                     GError       **error)
{
  g_autoptr(GArray) commands = g_array_new (FALSE, TRUE, sizeof (KassaEscposCommand));
  g_autoptr(GByteArray) bits = g_byte_array_new ();
  Parser p = { data, length, 0, commands, bits, 0, 0, 0, 0 };
  KassaEscposDecoded *decoded;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  while (p.pos < length)
    {
      guint8 c = data[p.pos];
      gboolean ok = TRUE;

      if (c == ESC)
        ok = parse_esc (&p, error);
      else if (c == GS)
        ok = parse_gs (&p, error);
      else if (c == DLE)
        ok = parse_dle (&p, error);
      else if (c == FS && p.pos + 1 < length && (data[p.pos + 1] == '.' || data[p.pos + 1] == '&'))
        add (&p, KASSA_ESCPOS_OP_SETTING, data[p.pos + 1] == '.' ? "FS ." : "FS &", 2);
      else if (c == '\n')
        add (&p, KASSA_ESCPOS_OP_LINE_FEED, "LF", 1);
      else if (c == '\r' || c == '\t')
        add (&p, KASSA_ESCPOS_OP_SETTING, c == '\r' ? "CR" : "HT", 1);
      else if (c >= 0x20 && c != 0x7f)
        {
          gsize end = p.pos;

          while (end < length && data[end] >= 0x20 && data[end] != 0x7f)
            end++;
          add (&p, KASSA_ESCPOS_OP_TEXT, "text", end - p.pos);
        }
      else
        ok = unknown (&p, 1, error);

      if (!ok)
        return NULL;
    }

  decoded = g_new0 (KassaEscposDecoded, 1);
  decoded->commands = g_steal_pointer (&commands);
  decoded->width = p.width_bytes * 8;
  decoded->height = p.rows;
  decoded->n_bands = p.n_bands;
  decoded->max_band_bytes = p.max_band_bytes;

  if (p.rows > 0)
    {
      cairo_surface_t *image = cairo_image_surface_create (CAIRO_FORMAT_RGB24, decoded->width,
                                                           decoded->height);
      guint8 *pixels;
      int stride;

      if (cairo_surface_status (image) != CAIRO_STATUS_SUCCESS)
        {
          g_set_error (error, KASSA_ESCPOS_DECODE_ERROR, KASSA_ESCPOS_DECODE_ERROR_INVALID,
                       "an image of %u × %u dots cannot be made: %s", decoded->width,
                       decoded->height, cairo_status_to_string (cairo_surface_status (image)));
          cairo_surface_destroy (image);
          kassa_escpos_decoded_free (decoded);
          return NULL;
        }

      cairo_surface_flush (image);
      pixels = cairo_image_surface_get_data (image);
      stride = cairo_image_surface_get_stride (image);
      for (guint y = 0; y < decoded->height; y++)
        {
          guint32 *row = (guint32 *) (gpointer) (pixels + (gsize) y * stride);
          const guint8 *in = bits->data + (gsize) y * p.width_bytes;

          for (guint x = 0; x < decoded->width; x++)
            row[x] = (in[x / 8] & (0x80 >> (x % 8))) ? 0x000000 : 0xffffff;
        }
      cairo_surface_mark_dirty (image);
      decoded->image = image;
    }

  return decoded;
}

void
kassa_escpos_decoded_free (KassaEscposDecoded *decoded)
{
  if (decoded == NULL)
    return;

  g_clear_pointer (&decoded->commands, g_array_unref);
  g_clear_pointer (&decoded->image, cairo_surface_destroy);
  g_free (decoded);
}

guint
kassa_escpos_decoded_count (KassaEscposDecoded *decoded,
                            KassaEscposOp       op)
{
  guint n = 0;

  for (guint i = 0; i < decoded->commands->len; i++)
    if (g_array_index (decoded->commands, KassaEscposCommand, i).op == op)
      n++;

  return n;
}

gboolean
kassa_escpos_decoded_write_png (KassaEscposDecoded  *decoded,
                                const char          *path,
                                GError             **error)
{
  cairo_surface_t *blank = NULL;
  cairo_surface_t *image = decoded->image;
  cairo_status_t status;

  if (image == NULL)
    {
      cairo_t *cr;

      blank = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 1, 1);
      cr = cairo_create (blank);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_paint (cr);
      cairo_destroy (cr);
      image = blank;
    }

  status = cairo_surface_write_to_png (image, path);
  g_clear_pointer (&blank, cairo_surface_destroy);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot write %s: %s", path,
                   cairo_status_to_string (status));
      return FALSE;
    }

  return TRUE;
}

char *
kassa_escpos_decoded_to_json (KassaEscposDecoded *decoded)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  GArray *commands = decoded->commands;
  gsize text_bytes = 0;
  guint cuts = 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, decoded->width);
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, decoded->height);
  json_builder_set_member_name (builder, "bands");
  json_builder_add_int_value (builder, decoded->n_bands);
  json_builder_set_member_name (builder, "max_band_bytes");
  json_builder_add_int_value (builder, (gint64) decoded->max_band_bytes);
  json_builder_set_member_name (builder, "init_first");
  json_builder_add_boolean_value (builder, commands->len > 0 &&
                                  g_array_index (commands, KassaEscposCommand, 0).op ==
                                  KASSA_ESCPOS_OP_INIT);
  json_builder_set_member_name (builder, "cut_last");
  json_builder_add_boolean_value (builder, commands->len > 0 &&
                                  g_array_index (commands, KassaEscposCommand,
                                                 commands->len - 1).op == KASSA_ESCPOS_OP_CUT);

  json_builder_set_member_name (builder, "pulses");
  json_builder_begin_array (builder);
  for (guint i = 0; i < commands->len; i++)
    {
      const KassaEscposCommand *command = &g_array_index (commands, KassaEscposCommand, i);

      if (command->op == KASSA_ESCPOS_OP_CUT)
        cuts++;
      if (command->op == KASSA_ESCPOS_OP_TEXT)
        text_bytes += command->length;
      if (command->op != KASSA_ESCPOS_OP_PULSE)
        continue;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "pin");
      json_builder_add_int_value (builder, command->mode);
      json_builder_set_member_name (builder, "on_ms");
      json_builder_add_int_value (builder, command->on_ms);
      json_builder_set_member_name (builder, "off_ms");
      json_builder_add_int_value (builder, command->off_ms);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "cuts");
  json_builder_add_int_value (builder, cuts);
  json_builder_set_member_name (builder, "status_requests");
  json_builder_add_int_value (builder, kassa_escpos_decoded_count (decoded,
                                                                   KASSA_ESCPOS_OP_STATUS));
  json_builder_set_member_name (builder, "text_bytes");
  json_builder_add_int_value (builder, (gint64) text_bytes);

  json_builder_set_member_name (builder, "commands");
  json_builder_begin_array (builder);
  for (guint i = 0; i < commands->len; i++)
    {
      const KassaEscposCommand *command = &g_array_index (commands, KassaEscposCommand, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "offset");
      json_builder_add_int_value (builder, (gint64) command->offset);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, command->name);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

KassaEscposDecoded *
kassa_escpos_decode_bytes (GBytes  *bytes,
                           GError **error)
{
  gsize length = 0;
  const guint8 *data = g_bytes_get_data (bytes, &length);

  return kassa_escpos_decode (data, length, error);
}

guint
kassa_escpos_count_document (GBytes *haystack,
                             GBytes *needle)
{
  gsize h_len = 0, n_len = 0;
  const guint8 *h = g_bytes_get_data (haystack, &h_len);
  const guint8 *n = g_bytes_get_data (needle, &n_len);
  guint count = 0;

  g_return_val_if_fail (n_len > 0, 0);

  for (gsize i = 0; i + n_len <= h_len;)
    {
      if (memcmp (h + i, n, n_len) == 0)
        {
          count++;
          i += n_len;
        }
      else
        i++;
    }
  return count;
}
