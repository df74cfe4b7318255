/* kassa-bank-profile.h — every wire detail the public sources disagree on
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Nothing outside KassaBankProfile branches on these readings. Defaults are the
 * majority reading of the fact sheet (§9); docs/bank-protocol.md explains each.
 * The simulator takes the same profile, so a test can run both readings end to end.
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* How an amount is written, identically in the JSON and in the checksum (§3). */
typedef enum
{
  KASSA_AMOUNT_FORMAT_PLAIN,        /* "1000"    (erxes; default) */
  KASSA_AMOUNT_FORMAT_TWO_DECIMALS, /* "1000.00" (S8) */
} KassaAmountFormat;

/* Checksum order of /pos/payment/cancel (§2.2). */
typedef enum
{
  KASSA_REFUND_CHECKSUM_TERMINAL_INVOICE_AMOUNT, /* S1, S2; default */
  KASSA_REFUND_CHECKSUM_AMOUNT_INVOICE_TERMINAL, /* erxes 2022 */
} KassaRefundChecksumOrder;

/* Which endpoint a "QR" sale uses (§6.2/§6.3). */
typedef enum
{
  KASSA_QR_ENDPOINT_QR,       /* /pos/invoice/qr: EMV payload; default */
  KASSA_QR_ENDPOINT_DEEPLINK, /* /pos/invoice/qr/deeplink: socialpay-payment://… */
} KassaQrEndpoint;

/* How `check` answers for an invoice that is not paid (yet) (§6.8, open question 3). */
typedef enum
{
  KASSA_UNPAID_CHECK_ERROR_ENVELOPE, /* header.code 400 + body.error; default */
  KASSA_UNPAID_CHECK_RESP_CODE,      /* header.code 200, resp_code != "00" */
} KassaUnpaidCheckStyle;

/* What proves a check reply says "paid" (§9). */
typedef enum
{
  KASSA_PAID_TEST_RESP_CODE, /* resp_code == "00"; default */
  KASSA_PAID_TEST_RESP_DESC, /* resp_desc == "Амжилттай" (erxes 2022 plugin) */
} KassaPaidTest;

/* What proves an invoice cancel succeeded (§6.7, open question 8). */
typedef enum
{
  KASSA_CANCEL_SUCCESS_EITHER,    /* status == "SUCCESS" or resp_code == "00", and no
                                   * field that is present says otherwise; default */
  KASSA_CANCEL_SUCCESS_STATUS,    /* status == "SUCCESS" only (erxes 2022) */
  KASSA_CANCEL_SUCCESS_RESP_CODE, /* resp_code == "00" only (erxes 2026) */
} KassaCancelSuccessTest;

/* Whether check/refund replies carry a checksum we can verify (§2.2: formula unknown). */
typedef enum
{
  KASSA_REPLY_CHECKSUM_IGNORE,                  /* not verified; default */
  KASSA_REPLY_CHECKSUM_TERMINAL_INVOICE_AMOUNT, /* HMAC(terminal+invoice+amount), as the push */
} KassaReplyChecksum;

/* The enum types of the profile's properties; value nicks are the reading names. */
#define KASSA_TYPE_AMOUNT_FORMAT          (kassa_amount_format_get_type ())
#define KASSA_TYPE_REFUND_CHECKSUM_ORDER  (kassa_refund_checksum_order_get_type ())
#define KASSA_TYPE_QR_ENDPOINT            (kassa_qr_endpoint_get_type ())
#define KASSA_TYPE_UNPAID_CHECK_STYLE     (kassa_unpaid_check_style_get_type ())
#define KASSA_TYPE_PAID_TEST              (kassa_paid_test_get_type ())
#define KASSA_TYPE_CANCEL_SUCCESS_TEST    (kassa_cancel_success_test_get_type ())
#define KASSA_TYPE_REPLY_CHECKSUM         (kassa_reply_checksum_get_type ())

GType kassa_amount_format_get_type         (void) G_GNUC_CONST;
GType kassa_refund_checksum_order_get_type (void) G_GNUC_CONST;
GType kassa_qr_endpoint_get_type           (void) G_GNUC_CONST;
GType kassa_unpaid_check_style_get_type    (void) G_GNUC_CONST;
GType kassa_paid_test_get_type             (void) G_GNUC_CONST;
GType kassa_cancel_success_test_get_type   (void) G_GNUC_CONST;
GType kassa_reply_checksum_get_type        (void) G_GNUC_CONST;

#define KASSA_TYPE_BANK_PROFILE (kassa_bank_profile_get_type ())

G_DECLARE_FINAL_TYPE (KassaBankProfile, kassa_bank_profile, KASSA, BANK_PROFILE, GObject)

KassaBankProfile        *kassa_bank_profile_new                       (void);
/* Reads "key=value" lines (# comments), keys as the property names
 * (amount-format=two-decimals …). Unknown keys or values are an error
 * (G_KEY_FILE_ERROR_INVALID_VALUE / G_KEY_FILE_ERROR_KEY_NOT_FOUND; a line
 * without "=" is G_KEY_FILE_ERROR_PARSE); on error nothing is changed.
 * Booleans: true/false (also yes/no, 1/0). amount-as-number=true together with
 * amount-format=two-decimals is refused (INVALID_VALUE): a JSON number cannot
 * carry "1000.00" through json-glib, so the two readings cannot both hold. */
gboolean                 kassa_bank_profile_set_from_string           (KassaBankProfile  *self,
                                                                       const char        *text,
                                                                       GError           **error);
/* Sets one reading by property nick: ("refund-checksum-order", "amount-invoice-terminal"). */
gboolean                 kassa_bank_profile_set_reading               (KassaBankProfile  *self,
                                                                       const char        *key,
                                                                       const char        *value,
                                                                       GError           **error);

KassaAmountFormat        kassa_bank_profile_get_amount_format         (KassaBankProfile *self);
KassaRefundChecksumOrder kassa_bank_profile_get_refund_checksum_order (KassaBankProfile *self);
KassaQrEndpoint          kassa_bank_profile_get_qr_endpoint           (KassaBankProfile *self);
KassaUnpaidCheckStyle    kassa_bank_profile_get_unpaid_check_style    (KassaBankProfile *self);
KassaPaidTest            kassa_bank_profile_get_paid_test             (KassaBankProfile *self);
KassaCancelSuccessTest   kassa_bank_profile_get_cancel_success_test   (KassaBankProfile *self);
KassaReplyChecksum       kassa_bank_profile_get_reply_checksum        (KassaBankProfile *self);
/* Whether every request URL ends in "?" like erxes' (§1). Default FALSE. */
gboolean                 kassa_bank_profile_get_trailing_query        (KassaBankProfile *self);
/* Whether the JSON `amount` is a number rather than a string (§9). Default FALSE. */
gboolean                 kassa_bank_profile_get_amount_as_number      (KassaBankProfile *self);

/* The decisions themselves, so no caller re-implements them: */
/* The amount as written on the wire under this profile, the same bytes in the
 * JSON and in the checksum. With amount-as-number it is always the plain
 * digits (the JSON number's own text). @amount must be >= 0. */
char                    *kassa_bank_profile_format_amount             (KassaBankProfile *self,
                                                                       gint64            amount);
/* Parses an amount as it may appear in a reply or request under this profile:
 * "1000", and also "1000.00" (or "1000.0") when the format is two-decimals.
 * Plain digits, no sign, no leading zero, no space. "0" is accepted (an empty
 * settlement); callers that need a positive amount use kassa_amount_validate().
 * A non-zero fraction is refused. Errors are KASSA_INPUT_ERROR_AMOUNT. */
gboolean                 kassa_bank_profile_parse_amount              (KassaBankProfile  *self,
                                                                       const char        *text,
                                                                       gint64            *out_amount,
                                                                       GError           **error);
/* The checksum message parts of the refund request, in this profile's order;
 * returns a NULL-terminated array of borrowed pointers (free the array only). */
const char             **kassa_bank_profile_refund_checksum_parts     (KassaBankProfile *self,
                                                                       const char       *terminal,
                                                                       const char       *invoice,
                                                                       const char       *amount);
/* The request path of the "QR" sale. */
const char              *kassa_bank_profile_get_qr_path               (KassaBankProfile *self);
/* Whether resp_code/resp_desc of a check or refund reply mean "paid". */
gboolean                 kassa_bank_profile_is_paid                   (KassaBankProfile *self,
                                                                       const char       *resp_code,
                                                                       const char       *resp_desc);
/* Whether a cancel reply's fields mean success; either may be NULL (absent).
 * The one reading of a cancel reply: kassa_bank_reply_parse_invoice() calls it. */
gboolean                 kassa_bank_profile_is_cancelled              (KassaBankProfile *self,
                                                                       const char       *status,
                                                                       const char       *resp_code);
/* The same, and for a reply that is not a success, @out_refusal (may be NULL)
 * is set to the field value that refused, the bank's word for the error
 * (borrowed from @status or @resp_code): the field that says otherwise under
 * `either`; the reading's own field, else the other, under `status` and
 * `resp-code`. NULL when both fields are absent. */
gboolean                 kassa_bank_profile_read_cancel               (KassaBankProfile *self,
                                                                       const char       *status,
                                                                       const char       *resp_code,
                                                                       const char      **out_refusal);
/* A one-line summary, "amount-format=plain refund-checksum-order=…", for logs and --help. */
char                    *kassa_bank_profile_describe                  (KassaBankProfile *self);

G_END_DECLS
