/* kassa-customer-screen.h — what the customer display shows, as a pure function
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The customer display (src/gui/kassa-customer-display.c) only draws what
 * kassa_customer_screen_compute() decides from the current invoice, the
 * connection state and the clock, so every state is tested without GTK.
 * The texts are Mongolian and English together, whatever the cashier's UI
 * language: the customer may read either. docs/customer-display.md lists them.
 */

#pragma once

#include <glib-object.h>

#include "kassa-invoice.h"

G_BEGIN_DECLS

typedef enum
{
  KASSA_CUSTOMER_SCREEN_IDLE,             /* no payment: welcome */
  KASSA_CUSTOMER_SCREEN_PREPARING,        /* the invoice is being made at the bank */
  KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT, /* the QR code (QR or deeplink invoice) */
  KASSA_CUSTOMER_SCREEN_SENT_TO_PHONE,    /* a phone invoice: pay in the app */
  KASSA_CUSTOMER_SCREEN_PAID,             /* thank you */
  KASSA_CUSTOMER_SCREEN_CANCELLED,        /* also while the cancel is under way */
  KASSA_CUSTOMER_SCREEN_EXPIRED,
  KASSA_CUSTOMER_SCREEN_DECLINED,
  KASSA_CUSTOMER_SCREEN_FAILED,           /* the bank refused to make the invoice */
  KASSA_CUSTOMER_SCREEN_UNREACHABLE,      /* the bank cannot be reached and there is no QR */
} KassaCustomerScreenKind;

#define KASSA_TYPE_CUSTOMER_SCREEN_KIND (kassa_customer_screen_kind_get_type ())
GType       kassa_customer_screen_kind_get_type  (void) G_GNUC_CONST;
/* "idle", "preparing", "awaiting-payment", … (also the CSS class of the display) */
const char *kassa_customer_screen_kind_to_string (KassaCustomerScreenKind kind);

/* Whether the screen of @kind must stay on: everything but the idle
 * (welcome) screen. The application inhibits idle and screen blanking while
 * this holds (docs/customer-display.md, "Awake while it matters"). */
gboolean    kassa_customer_screen_kind_keeps_awake (KassaCustomerScreenKind kind);

/* A finished payment (paid, cancelled, expired, declined, failed) stays on
 * screen this long after it reached that state, then the screen is idle. */
#define KASSA_CUSTOMER_SCREEN_RESULT_SECONDS 5

/* Shown on top of every screen in training mode. */
#define KASSA_CUSTOMER_SCREEN_TRAINING_MN "Сургалт — бодит мөнгө биш"
#define KASSA_CUSTOMER_SCREEN_TRAINING_EN "Training — no real money"

typedef struct
{
  KassaInvoice *invoice;        /* the counter's current invoice, or NULL */
  gboolean      online;         /* KassaTill:connection-state is ONLINE */
  GDateTime    *now;            /* required */
  guint         expiry_seconds; /* an unpaid invoice is cancelled this long after creation */
  const char   *shop_name;      /* may be NULL or "" */
  gboolean      training;
  GDateTime    *state_since;    /* when the invoice reached its current state (NULL: now) */
  /* Ages on the monotonic clock, which wall-clock steps do not move. When
   * ages_known is set they replace now − created and now − state_since. */
  gboolean      ages_known;
  GTimeSpan     invoice_age;    /* since creation (kassa_till_get_invoice_age); -1: unknown */
  GTimeSpan     state_age;      /* since the invoice reached its current state */
} KassaCustomerScreenInput;

typedef struct
{
  KassaCustomerScreenKind kind;
  char     *title_mn;         /* never NULL */
  char     *title_en;         /* never NULL */
  char     *instruction_mn;   /* may be NULL */
  char     *instruction_en;   /* may be NULL */
  char     *notice_mn;        /* a calm word about the connection while awaiting payment, or NULL */
  char     *notice_en;
  char     *amount_text;      /* "1,500₮", NULL on the idle screen */
  char     *shop_name;        /* NULL when none is set */
  char     *qr_payload;       /* the invoice's payload, only for AWAITING_PAYMENT */
  char     *masked_phone;     /* "99** **33", only for SENT_TO_PHONE */
  gint      seconds_left;     /* until the invoice expires; -1: no countdown */
  char     *countdown_text;   /* "9:58", NULL without a countdown */
  gboolean  training;
  gint      idle_in_seconds;  /* until a result screen turns idle; -1: it does not */
} KassaCustomerScreen;

/* What the customer sees for @input. Never fails: an odd invoice shows a
 * sensible screen (see docs/customer-display.md). */
KassaCustomerScreen *kassa_customer_screen_compute (const KassaCustomerScreenInput *input);
void                 kassa_customer_screen_free    (KassaCustomerScreen            *screen);
/* Whether @a and @b show the same thing (the display redraws only on change). */
gboolean             kassa_customer_screen_equal   (const KassaCustomerScreen      *a,
                                                    const KassaCustomerScreen      *b);

/* "99112233" → "99** **33": the first two and last two digits, the rest
 * masked, in groups of four. Short numbers (under 5 digits) are all masked. */
char                *kassa_customer_screen_mask_phone (const char *phone);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaCustomerScreen, kassa_customer_screen_free)

G_END_DECLS
