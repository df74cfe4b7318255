/* kassa-escpos-decode-tool.c — decode a file of raw ESC/POS bytes: PNG + JSON summary
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   kassa-escpos-decode-tool INPUT [OUTPUT.png]
 *
 * Prints the summary (kassa_escpos_decoded_to_json) on stdout and writes the
 * rebuilt image to OUTPUT.png (INPUT.png when not given). Exit status 1 with a
 * message naming the byte offset when the bytes are not ESC/POS. For tests and
 * for support: `kassa-ctl receipt INVOICE --printer file:PATH` writes such a file.
 */

#include "config.h"

#include <stdio.h>

#include <glib.h>

#include "kassa-escpos-decode.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(KassaEscposDecoded) decoded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *png = NULL;
  g_autofree char *json = NULL;
  gsize length = 0;

  if (argc < 2 || argc > 3)
    {
      g_printerr ("usage: %s INPUT [OUTPUT.png]\n", argv[0]);
      return 2;
    }

  if (!g_file_get_contents (argv[1], &data, &length, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  decoded = kassa_escpos_decode ((const guint8 *) data, length, &error);
  if (decoded == NULL)
    {
      g_printerr ("%s: %s\n", argv[1], error->message);
      return 1;
    }

  png = argc == 3 ? g_strdup (argv[2]) : g_strconcat (argv[1], ".png", NULL);
  if (!kassa_escpos_decoded_write_png (decoded, png, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  json = kassa_escpos_decoded_to_json (decoded);
  printf ("%s\n", json);

  return 0;
}
