/* kassa-test-printer-scan.c — finding DLE EOT in an ESC/POS stream (see the header)
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Command lengths follow Epson's ESC/POS reference. A command this scanner
 * does not know is counted as unknown bytes (its two opening bytes) and
 * scanning goes on after it, as a printer ignores what it does not know.
 */

#include "config.h"

#include <string.h>

#include "kassa-test-printer-scan.h"

#define ESC 0x1b
#define GS  0x1d
#define DLE 0x10
#define FS  0x1c

void
kassa_test_printer_scan_init (KassaTestPrinterScan *scan)
{
  memset (scan, 0, sizeof *scan);
}

/* The whole length of the command that starts with @c0 @c1 (and, for GS V,
 * @c2), or 0 when it is not one this scanner knows. */
static guint
command_length (guint8 c0,
                guint8 c1)
{
  switch (c0)
    {
    case ESC:
      if (c1 == '@' || c1 == '2' || c1 == '<')
        return 2;
      if (c1 == 'p')
        return 5;
      if (c1 == '$' || c1 == '\\')
        return 4;
      if (c1 == '*')
        return 5; /* ESC * m nL nH, then the image */
      if (c1 != '\0' && strchr ("!-3EGJMRVadt{ rce", c1) != NULL)
        return 3;
      return 0;
    case GS:
      if (c1 == 'v')
        return 8; /* GS v 0 m xL xH yL yH, then the image */
      if (c1 == 'V')
        return 3; /* 4 for the forms with a feed, decided on the third byte */
      if (c1 == '(')
        return 5; /* GS ( fn pL pH, then pL + 256 pH bytes */
      if (c1 == 'L' || c1 == 'W' || c1 == '$' || c1 == '\\')
        return 4;
      if (c1 != '\0' && strchr ("!BHafhwrb", c1) != NULL)
        return 3;
      return 0;
    case DLE:
      if (c1 == 0x04 || c1 == 0x05)
        return 3; /* DLE EOT n, DLE ENQ n */
      if (c1 == 0x14)
        return 5; /* DLE DC4 fn a b */
      return 0;
    case FS:
      if (c1 == '.' || c1 == '&')
        return 2;
      if (c1 == 'p')
        return 4;
      return 0;
    default:
      return 0;
    }
}

static void
complete_command (KassaTestPrinterScan       *scan,
                  KassaTestPrinterStatusFunc  on_status,
                  gpointer                    user_data)
{
  const guint8 *c = scan->command;
  KassaTestPrinterCounts *counts = &scan->counts;

  switch (c[0])
    {
    case ESC:
      if (c[1] == '@')
        counts->init++;
      else if (c[1] == 'p')
        counts->pulse++;
      else if (c[1] == 'J' || c[1] == 'd')
        counts->feed++;
      else if (c[1] == '*')
        {
          guint64 columns = c[3] + 256u * c[4];
          scan->skip = columns * (c[2] >= 32 ? 3 : 1);
          counts->other++;
        }
      else
        counts->other++;
      break;
    case GS:
      if (c[1] == 'v')
        {
          if (c[2] == '0' || c[2] == 0)
            {
              guint64 width = c[4] + 256u * c[5];
              guint64 height = c[6] + 256u * c[7];

              counts->raster++;
              scan->skip = width * height;
              counts->raster_bytes += scan->skip;
            }
          else
            counts->unknown += 8;
        }
      else if (c[1] == 'V')
        counts->cut++;
      else if (c[1] == '(')
        {
          scan->skip = c[3] + 256u * c[4];
          counts->other++;
        }
      else
        counts->other++;
      break;
    case DLE:
      if (c[1] == 0x04)
        {
          counts->status++;
          if (on_status != NULL)
            on_status (c[2], user_data);
        }
      else if (c[1] == 0x14 && c[2] == 1)
        counts->pulse++;
      else
        counts->other++;
      break;
    default:
      counts->other++;
      break;
    }
  scan->have = 0;
  scan->need = 0;
}

void
kassa_test_printer_scan_feed (KassaTestPrinterScan       *scan,
                              const guint8               *data,
                              gsize                       size,
                              KassaTestPrinterStatusFunc  on_status,
                              gpointer                    user_data)
{
  gsize i = 0;

  scan->counts.bytes += size;
  while (i < size)
    {
      guint8 b;

      if (scan->skip > 0)
        {
          gsize take = (gsize) MIN (scan->skip, (guint64) (size - i));

          scan->skip -= take;
          i += take;
          continue;
        }

      b = data[i++];
      if (scan->have == 0)
        {
          if (b == ESC || b == GS || b == DLE || b == FS)
            scan->command[scan->have++] = b;
          else if (b == '\n')
            scan->counts.feed++;
          else if (b == '\r' || b == '\t' || b == '\f')
            scan->counts.other++;
          else if (b >= 0x20 && b != 0x7f)
            scan->counts.text++;
          else
            scan->counts.unknown++;
          continue;
        }

      scan->command[scan->have++] = b;
      if (scan->have == 2)
        {
          scan->need = command_length (scan->command[0], b);
          if (scan->need == 0)
            {
              scan->counts.unknown += 2;
              scan->have = 0;
              continue;
            }
        }
      if (scan->have == 3 && scan->command[0] == GS && scan->command[1] == 'V'
          && (b == 65 || b == 66 || b == 97 || b == 98 || b == 103 || b == 104))
        scan->need = 4; /* GS V m n: cut after feeding n */
      if (scan->have == scan->need)
        complete_command (scan, on_status, user_data);
    }
}
