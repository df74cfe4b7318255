/* kassa-error.h — the error domains of libkassa-core
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * KassaInputError:
 * Something a person or a calling program gave us is not acceptable. Nothing
 * has been sent and nothing has changed. The message is for that person.
 */
typedef enum
{
  KASSA_INPUT_ERROR_AMOUNT,
  KASSA_INPUT_ERROR_TERMINAL,
  KASSA_INPUT_ERROR_INVOICE,
  KASSA_INPUT_ERROR_PHONE,
  KASSA_INPUT_ERROR_SETTLEMENT_ID,
  KASSA_INPUT_ERROR_SECRET,
  KASSA_INPUT_ERROR_URL,
  KASSA_INPUT_ERROR_REFERENCE,
} KassaInputError;

#define KASSA_INPUT_ERROR (kassa_input_error_quark ())
GQuark kassa_input_error_quark (void);

/**
 * KassaEmvError:
 * A QR payload is not a valid EMV merchant-presented payload.
 */
typedef enum
{
  KASSA_EMV_ERROR_SYNTAX,   /* not TLV: bad tag, length, or truncated */
  KASSA_EMV_ERROR_CRC,      /* tag 63 missing, misplaced, or wrong */
  KASSA_EMV_ERROR_AMOUNT,   /* tag 54 missing or not a whole tögrög amount */
} KassaEmvError;

#define KASSA_EMV_ERROR (kassa_emv_error_quark ())
GQuark kassa_emv_error_quark (void);

/**
 * KassaBankError:
 * @KASSA_BANK_ERROR_TRANSPORT: no HTTP exchange completed (refused, reset,
 *   dropped mid-reply, DNS, or an HTTP error status without a readable envelope).
 * @KASSA_BANK_ERROR_TIMEOUT: the bank did not answer in time. The request may
 *   or may not have been carried out.
 * @KASSA_BANK_ERROR_TLS: the bank's certificate could not be verified.
 * @KASSA_BANK_ERROR_MALFORMED_REPLY: an answer came but it is not the documented
 *   envelope (not JSON, truncated, wrong node types, missing objects).
 * @KASSA_BANK_ERROR_REJECTED: `header.code` 400: the bank refused the request.
 *   kassa_bank_error_get_error_type()/_get_error_desc() give its words.
 * @KASSA_BANK_ERROR_BANK_SYSTEM: `header.code` 500: the bank's own failure.
 * @KASSA_BANK_ERROR_CHECKSUM_MISMATCH: a reply's data contradicts the request
 *   (another invoice, terminal or amount echoed back).
 *
 * Errors of this domain carry the HTTP status, `header.code`, and the bank's
 * `errorType`/`errorDesc` when they were present (GLib extended error).
 */
typedef enum
{
  KASSA_BANK_ERROR_TRANSPORT,
  KASSA_BANK_ERROR_TIMEOUT,
  KASSA_BANK_ERROR_TLS,
  KASSA_BANK_ERROR_MALFORMED_REPLY,
  KASSA_BANK_ERROR_REJECTED,
  KASSA_BANK_ERROR_BANK_SYSTEM,
  KASSA_BANK_ERROR_CHECKSUM_MISMATCH,
} KassaBankError;

#define KASSA_BANK_ERROR (kassa_bank_error_quark ())
GQuark kassa_bank_error_quark (void);

/* Sets a KASSA_BANK_ERROR carrying the bank's details; any of the strings may be NULL. */
void        kassa_bank_error_set            (GError         **error,
                                             KassaBankError   code,
                                             guint            http_status,
                                             gint             header_code,
                                             const char      *error_type,
                                             const char      *error_desc,
                                             const char      *format,
                                             ...) G_GNUC_PRINTF (7, 8);
/* Accessors; NULL / 0 / -1 when absent or when @error is of another domain. */
const char *kassa_bank_error_get_error_type (const GError    *error);
const char *kassa_bank_error_get_error_desc (const GError    *error);
guint       kassa_bank_error_get_http_status (const GError   *error);
gint        kassa_bank_error_get_header_code (const GError   *error);

G_END_DECLS
