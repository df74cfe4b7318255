/* kassa-escpos-decode.h — what a receipt printer would make of an ESC/POS byte stream
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The decoding half of the test printer (docs/printing.md, "Testing"): parses
 * the raw bytes a printer receives, checks every command's shape, rebuilds the
 * raster image from its GS v 0 bands (stacked in order; feeds and cuts are
 * commands, not image rows) and lists the commands with their byte offsets.
 * An unknown command or a truncated one is an error naming the offset: the
 * bytes are garbage to a printer too. Printable bytes outside a command are
 * text (a printer prints them in its own font); they are listed, not drawn.
 */

#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  KASSA_ESCPOS_DECODE_ERROR_UNKNOWN,    /* a byte that starts no command this printer knows */
  KASSA_ESCPOS_DECODE_ERROR_TRUNCATED,  /* a command cut short by the end of the data */
  KASSA_ESCPOS_DECODE_ERROR_INVALID,    /* a command with a parameter out of its range */
} KassaEscposDecodeError;

#define KASSA_ESCPOS_DECODE_ERROR (kassa_escpos_decode_error_quark ())
GQuark kassa_escpos_decode_error_quark (void);

typedef enum
{
  KASSA_ESCPOS_OP_INIT,        /* ESC @ */
  KASSA_ESCPOS_OP_RASTER,      /* GS v 0: one band */
  KASSA_ESCPOS_OP_LINE_FEED,   /* LF */
  KASSA_ESCPOS_OP_FEED_DOTS,   /* ESC J n */
  KASSA_ESCPOS_OP_FEED_LINES,  /* ESC d n */
  KASSA_ESCPOS_OP_CUT,         /* GS V (all forms), ESC i, ESC m */
  KASSA_ESCPOS_OP_PULSE,       /* ESC p m t1 t2, DLE DC4 1 m t */
  KASSA_ESCPOS_OP_STATUS,      /* DLE EOT n, GS r n */
  KASSA_ESCPOS_OP_SETTING,     /* a mode (ESC a, ESC E, GS !, …) or a symbol (GS ( k, GS k) */
  KASSA_ESCPOS_OP_TEXT,        /* a run of printable bytes */
} KassaEscposOp;

typedef struct
{
  KassaEscposOp op;
  gsize         offset;       /* of the command's first byte */
  gsize         length;       /* bytes, with its data */
  const char   *name;         /* "GS v 0", "ESC @", "text", … */
  guint         mode;         /* GS v 0 m; GS V m; ESC p / DLE DC4 pin m; DLE EOT n */
  guint         n;            /* feeds: n; GS V 65/66: n */
  gboolean      partial;      /* CUT: a partial cut */
  guint         width_bytes;  /* RASTER */
  guint         rows;         /* RASTER */
  guint         on_ms;        /* PULSE */
  guint         off_ms;       /* PULSE */
} KassaEscposCommand;

typedef struct
{
  GArray          *commands;        /* KassaEscposCommand, in stream order */
  cairo_surface_t *image;           /* RGB24, black on white; NULL without raster */
  guint            width;           /* dots */
  guint            height;          /* rows: the bands' sum */
  guint            n_bands;
  gsize            max_band_bytes;  /* the largest GS v 0 command, header included */
} KassaEscposDecoded;

/* NULL and @error on malformed data. All bands must have one width. */
KassaEscposDecoded *kassa_escpos_decode            (const guint8        *data,
                                                    gsize                length,
                                                    GError             **error);
void                kassa_escpos_decoded_free      (KassaEscposDecoded  *decoded);
/* How many commands of @op. */
guint               kassa_escpos_decoded_count     (KassaEscposDecoded  *decoded,
                                                    KassaEscposOp        op);
/* The image as a PNG (a 1×1 white one when there was no raster). */
gboolean            kassa_escpos_decoded_write_png (KassaEscposDecoded  *decoded,
                                                    const char          *path,
                                                    GError             **error);
/* {"width", "height", "bands", "max_band_bytes", "init_first", "cut_last",
 *  "cuts", "pulses": [{"pin", "on_ms", "off_ms"}], "status_requests",
 *  "text_bytes", "commands": [{"offset", "name"}]} */
char               *kassa_escpos_decoded_to_json   (KassaEscposDecoded  *decoded);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaEscposDecoded, kassa_escpos_decoded_free)

/* kassa_escpos_decode() of @bytes. */
KassaEscposDecoded *kassa_escpos_decode_bytes      (GBytes              *bytes,
                                                    GError             **error);
/* How many times @needle (a whole document, not empty) stands in @haystack,
 * not overlapping: a document received once, twice, never. */
guint               kassa_escpos_count_document    (GBytes              *haystack,
                                                    GBytes              *needle);

G_END_DECLS
