/* kassa-printer-status.c — what a receipt printer's DLE EOT answers mean
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions, no I/O: kassa-printer.c asks, this file reads the answer
 * (and fuzz/fuzz-printer-status.c feeds it every byte). The bits are those of
 * Epson's ESC/POS reference, "DLE EOT n: Transmit real-time status", which
 * the TM-T20/T88 and the common clones follow:
 *
 *   every answer   bit 0 off, bit 1 on, bit 4 on, bit 7 off (0x12 = nothing to report)
 *   n = 1 printer  bit 3: offline
 *   n = 2 offline  bit 2: cover open; bit 5: stopped at paper end; bit 6: an error
 *   n = 3 error    bit 2: mechanical error (some models); bit 3: autocutter error;
 *                  bit 5: unrecoverable error; bit 6: automatically recoverable error
 *                  (head temperature)
 *   n = 4 paper    bits 2-3: roll near its end; bits 5-6: no paper
 *
 * Both bits of a pair are set together by Epson printers; a clone that sets
 * only one still means it, so either counts.
 */

#include "config.h"

#include <glib/gi18n.h>

#include "kassa-printer.h"

#define FIXED_MASK 0x93 /* bits 0, 1, 4, 7 */
#define FIXED_BITS 0x12 /* bits 1 and 4 on */

G_DEFINE_QUARK (kassa-printer-error-quark, kassa_printer_error)

gboolean
kassa_printer_status_parse (guint               n,
                            guint8              byte,
                            KassaPrinterStatus *status)
{
  KassaPrinterStatus result = KASSA_PRINTER_STATUS_OK;

  g_return_val_if_fail (status != NULL, FALSE);

  *status = KASSA_PRINTER_STATUS_UNKNOWN;
  if ((byte & FIXED_MASK) != FIXED_BITS)
    return FALSE;

  switch (n)
    {
    case KASSA_PRINTER_DLE_EOT_PRINTER:
      if (byte & 0x08)
        result = KASSA_PRINTER_STATUS_OFFLINE;
      break;
    case KASSA_PRINTER_DLE_EOT_OFFLINE:
      if (byte & 0x04)
        result = KASSA_PRINTER_STATUS_COVER_OPEN;
      else if (byte & 0x20)
        result = KASSA_PRINTER_STATUS_PAPER_OUT;
      else if (byte & 0x40)
        result = KASSA_PRINTER_STATUS_ERROR;
      break;
    case KASSA_PRINTER_DLE_EOT_ERROR:
      if (byte & 0x6c)
        result = KASSA_PRINTER_STATUS_ERROR;
      break;
    case KASSA_PRINTER_DLE_EOT_PAPER:
      if (byte & 0x60)
        result = KASSA_PRINTER_STATUS_PAPER_OUT;
      else if (byte & 0x0c)
        result = KASSA_PRINTER_STATUS_PAPER_NEAR_END;
      break;
    default:
      return FALSE;
    }

  *status = result;
  return TRUE;
}

static int
status_rank (KassaPrinterStatus status)
{
  switch (status)
    {
    case KASSA_PRINTER_STATUS_COVER_OPEN:
      return 6;
    case KASSA_PRINTER_STATUS_PAPER_OUT:
      return 5;
    case KASSA_PRINTER_STATUS_ERROR:
      return 4;
    case KASSA_PRINTER_STATUS_OFFLINE:
      return 3;
    case KASSA_PRINTER_STATUS_PAPER_NEAR_END:
      return 2;
    case KASSA_PRINTER_STATUS_OK:
      return 1;
    case KASSA_PRINTER_STATUS_UNKNOWN:
    default:
      return 0;
    }
}

KassaPrinterStatus
kassa_printer_status_worst (KassaPrinterStatus a,
                            KassaPrinterStatus b)
{
  return status_rank (b) > status_rank (a) ? b : a;
}

const char *
kassa_printer_status_describe (KassaPrinterStatus status)
{
  switch (status)
    {
    case KASSA_PRINTER_STATUS_OK:
      return _("The printer is ready.");
    case KASSA_PRINTER_STATUS_PAPER_NEAR_END:
      return _("The printer’s paper roll is nearly used up.");
    case KASSA_PRINTER_STATUS_PAPER_OUT:
      return _("The printer is out of paper.");
    case KASSA_PRINTER_STATUS_COVER_OPEN:
      return _("The printer’s cover is open.");
    case KASSA_PRINTER_STATUS_ERROR:
      return _("The printer reports an error (paper jam, cutter or overheating).");
    case KASSA_PRINTER_STATUS_OFFLINE:
      return _("The printer is offline.");
    case KASSA_PRINTER_STATUS_UNKNOWN:
    default:
      return _("The printer does not report its status.");
    }
}

static const char * const status_names[] = {
  [KASSA_PRINTER_STATUS_UNKNOWN] = "unknown",
  [KASSA_PRINTER_STATUS_OK] = "ok",
  [KASSA_PRINTER_STATUS_PAPER_NEAR_END] = "near-end",
  [KASSA_PRINTER_STATUS_PAPER_OUT] = "paper-out",
  [KASSA_PRINTER_STATUS_COVER_OPEN] = "cover-open",
  [KASSA_PRINTER_STATUS_ERROR] = "error",
  [KASSA_PRINTER_STATUS_OFFLINE] = "offline",
};

const char *
kassa_printer_status_to_string (KassaPrinterStatus status)
{
  if ((guint) status >= G_N_ELEMENTS (status_names))
    return "unknown";
  return status_names[status];
}

gboolean
kassa_printer_status_from_string (const char         *text,
                                  KassaPrinterStatus *status)
{
  g_return_val_if_fail (status != NULL, FALSE);

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (g_str_equal (text, status_names[i]))
      {
        *status = (KassaPrinterStatus) i;
        return TRUE;
      }
  return FALSE;
}
