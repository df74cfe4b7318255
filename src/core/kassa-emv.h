/* kassa-emv.h — the EMV merchant-presented QR payload the bank returns as `desc`
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  KASSA_EMV_CRC_X25,          /* what the bank's sample uses (lowercase hex) */
  KASSA_EMV_CRC_CCITT_FALSE,  /* EMVCo's rule */
} KassaEmvCrcKind;

typedef struct _KassaEmv KassaEmv;

#define KASSA_TYPE_EMV (kassa_emv_get_type ())

GType            kassa_emv_get_type             (void) G_GNUC_CONST;
/* Parses the TLV payload (two-digit tag, two-digit length, value) and validates
 * its CRC (tag 63, last, four hex digits; X-25 or CCITT-FALSE, any case; X-25
 * wins if both match). At most 512 bytes of UTF-8 without control characters;
 * lengths count characters as EMVCo says (bytes, for ASCII). A top-level tag
 * may appear only once. Templates (26–51, 62, 64, 80…) are kept as opaque values.
 * Errors are KASSA_EMV_ERROR. */
KassaEmv        *kassa_emv_parse                (const char  *payload,
                                                 GError     **error);
KassaEmv        *kassa_emv_ref                  (KassaEmv    *self);
void             kassa_emv_unref                (KassaEmv    *self);
/* The value of a top-level tag ("54"), or NULL. */
const char      *kassa_emv_get_tag              (KassaEmv    *self,
                                                 const char  *tag);
/* Tag 54 as whole tögrög; FALSE with an error if absent or not a whole amount. */
gboolean         kassa_emv_get_amount           (KassaEmv    *self,
                                                 gint64      *out_amount,
                                                 GError     **error);
/* Tag 59, or NULL. */
const char      *kassa_emv_get_merchant_name    (KassaEmv    *self);
KassaEmvCrcKind  kassa_emv_get_crc_kind         (KassaEmv    *self);
/* The CRC of @len bytes of @data (-1: NUL-terminated) as four hex digits:
 * lowercase for X-25 (as the bank writes it), uppercase for CCITT-FALSE (as
 * EMVCo writes it). */
char            *kassa_emv_crc                  (const char      *data,
                                                 gssize           len,
                                                 KassaEmvCrcKind  kind);
/* Builds a payload from @tlv_without_crc, the data objects WITHOUT the CRC's
 * "6304": appends "6304", then the CRC (@kind, see kassa_emv_crc()) over all of
 * that. Does not check @tlv_without_crc. Used by the simulator. */
char            *kassa_emv_seal                 (const char      *tlv_without_crc,
                                                 KassaEmvCrcKind  kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaEmv, kassa_emv_unref)

G_END_DECLS
