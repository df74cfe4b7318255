/* kassa-customer-screen.c
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-customer-screen.h"

#include <string.h>

#include "kassa-amount.h"

/* The customer's texts are literal, not translated: Mongolian and English
 * together, whatever language the cashier's interface speaks. */
typedef struct
{
  const char *title_mn;
  const char *title_en;
  const char *instruction_mn;
  const char *instruction_en;
} Words;

static const Words words[] = {
  [KASSA_CUSTOMER_SCREEN_IDLE] = {
    "Тавтай морилно уу", "Welcome",
    "SocialPay-ээр төлөх боломжтой", "You can pay with SocialPay" },
  [KASSA_CUSTOMER_SCREEN_PREPARING] = {
    "Төлбөрийг бэлтгэж байна", "Preparing your payment",
    "Түр хүлээнэ үү", "Please wait a moment" },
  [KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT] = {
    "SocialPay-ээр уншуулна уу", "Scan with SocialPay",
    "SocialPay аппаа нээгээд QR кодыг уншуулна уу",
    "Open the SocialPay app and scan the QR code" },
  [KASSA_CUSTOMER_SCREEN_SENT_TO_PHONE] = {
    "Нэхэмжлэх таны утас руу илгээгдлээ", "The invoice was sent to your phone",
    "SocialPay апп дээрээ нэхэмжлэхийг баталгаажуулна уу",
    "Confirm the invoice in your SocialPay app" },
  [KASSA_CUSTOMER_SCREEN_PAID] = {
    "Төлбөр төлөгдлөө. Баярлалаа!", "Paid. Thank you!",
    "Дахин ирээрэй", "Please come again" },
  [KASSA_CUSTOMER_SCREEN_CANCELLED] = {
    "Төлбөр цуцлагдлаа", "The payment was cancelled",
    "Кассчинд хандана уу", "Please ask the cashier" },
  [KASSA_CUSTOMER_SCREEN_EXPIRED] = {
    "Төлбөрийн хугацаа дууслаа", "The time to pay is over",
    "Кассчинд хандана уу", "Please ask the cashier" },
  [KASSA_CUSTOMER_SCREEN_DECLINED] = {
    "Төлбөр амжилтгүй боллоо", "The payment did not go through",
    "Кассчинд хандана уу", "Please ask the cashier" },
  [KASSA_CUSTOMER_SCREEN_FAILED] = {
    "Төлбөрийг эхлүүлж чадсангүй", "The payment could not be started",
    "Кассчинд хандана уу", "Please ask the cashier" },
  [KASSA_CUSTOMER_SCREEN_UNREACHABLE] = {
    "Банктай холбогдож байна", "Connecting to the bank",
    "Түр хүлээнэ үү", "Please wait a moment" },
};

#define NOTICE_MN "Банктай холболт удааширч байна. Төлсөн бол удахгүй баталгаажна."
#define NOTICE_EN "The connection to the bank is slow. " \
                  "If you have paid, it will be confirmed shortly."

G_DEFINE_ENUM_TYPE (KassaCustomerScreenKind, kassa_customer_screen_kind,
  G_DEFINE_ENUM_VALUE (KASSA_CUSTOMER_SCREEN_IDLE, "idle"),
  G_DEFINE_ENUM_VALUE (KASSA_CUSTOMER_SCREEN_PREPARING, "preparing"),
  G_DEFINE_ENUM_VALUE (KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT, "awaiting-payment"),
  G_DEFINE_ENUM_VALUE (KASSA_CUSTOMER_SCREEN_SENT_TO_PHONE, "sent-to-phone"),
  G_DEFINE_ENUM_VALUE (KASSA_CUSTOMER_SCREEN_PAID, "paid"),
  G_DEFINE_ENUM_VALUE (KASSA_CUSTOMER_SCREEN_CANCELLED, "cancelled"),
  G_DEFINE_ENUM_VALUE (KASSA_CUSTOMER_SCREEN_EXPIRED, "expired"),
  G_DEFINE_ENUM_VALUE (KASSA_CUSTOMER_SCREEN_DECLINED, "declined"),
  G_DEFINE_ENUM_VALUE (KASSA_CUSTOMER_SCREEN_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (KASSA_CUSTOMER_SCREEN_UNREACHABLE, "unreachable"))

const char *
kassa_customer_screen_kind_to_string (KassaCustomerScreenKind kind)
{
  GEnumClass *klass = g_type_class_ref (KASSA_TYPE_CUSTOMER_SCREEN_KIND);
  GEnumValue *value = g_enum_get_value (klass, (gint) kind);

  g_type_class_unref (klass);
  /* The class of a static enum type is never freed: the nick stays valid. */
  return value != NULL ? value->value_nick : "unknown";
}

gboolean
kassa_customer_screen_kind_keeps_awake (KassaCustomerScreenKind kind)
{
  return kind != KASSA_CUSTOMER_SCREEN_IDLE;
}

char *
kassa_customer_screen_mask_phone (const char *phone)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  GString *out = g_string_new (NULL);

  for (const char *p = phone; p != NULL && *p != '\0'; p++)
    if (g_ascii_isdigit (*p))
      g_string_append_c (digits, *p);

  for (gsize i = 0; i < digits->len; i++)
    {
      gboolean shown = digits->len >= 5 && (i < 2 || i >= digits->len - 2);

      if (i > 0 && i % 4 == 0)
        g_string_append_c (out, ' ');
      g_string_append_c (out, shown ? digits->str[i] : '*');
    }

  return g_string_free (out, FALSE);
}

static gint64
seconds_between (GDateTime *from,
                 GDateTime *to)
{
  /* Whole seconds, rounded toward zero; callers clamp. */
  return g_date_time_difference (to, from) / G_TIME_SPAN_SECOND;
}

static void
set_kind (KassaCustomerScreen     *screen,
          KassaCustomerScreenKind  kind)
{
  screen->kind = kind;
  g_free (screen->title_mn);
  g_free (screen->title_en);
  g_free (screen->instruction_mn);
  g_free (screen->instruction_en);
  screen->title_mn = g_strdup (words[kind].title_mn);
  screen->title_en = g_strdup (words[kind].title_en);
  screen->instruction_mn = g_strdup (words[kind].instruction_mn);
  screen->instruction_en = g_strdup (words[kind].instruction_en);
}

/* No payment to show: welcome, or a calm word when the bank is away. */
static void
set_idle (KassaCustomerScreen            *screen,
          const KassaCustomerScreenInput *input)
{
  set_kind (screen, input->online ? KASSA_CUSTOMER_SCREEN_IDLE
                                  : KASSA_CUSTOMER_SCREEN_UNREACHABLE);
  g_clear_pointer (&screen->amount_text, g_free);
  screen->idle_in_seconds = -1;
}

/* A finished payment stays KASSA_CUSTOMER_SCREEN_RESULT_SECONDS on screen. */
static void
set_result (KassaCustomerScreen            *screen,
            const KassaCustomerScreenInput *input,
            KassaCustomerScreenKind         kind)
{
  gint64 shown = 0;

  if (input->ages_known)
    shown = MAX (input->state_age / G_TIME_SPAN_SECOND, 0);
  else if (input->state_since != NULL)
    shown = MAX (seconds_between (input->state_since, input->now), 0);

  if (shown >= KASSA_CUSTOMER_SCREEN_RESULT_SECONDS)
    {
      set_idle (screen, input);
      return;
    }

  set_kind (screen, kind);
  screen->idle_in_seconds = (gint) (KASSA_CUSTOMER_SCREEN_RESULT_SECONDS - shown);
}

static void
set_countdown (KassaCustomerScreen            *screen,
               const KassaCustomerScreenInput *input)
{
  GDateTime *created = kassa_invoice_get_created (input->invoice);
  gint64 age;
  gint64 left;

  if (input->expiry_seconds == 0)
    return;

  if (input->ages_known)
    {
      /* The till could not tell the age (a journaled time it does not believe). */
      if (input->invoice_age < 0)
        return;
      age = input->invoice_age / G_TIME_SPAN_SECOND;
    }
  else if (created != NULL)
    age = seconds_between (created, input->now);
  else
    return;

  left = (gint64) input->expiry_seconds - age;
  left = CLAMP (left, 0, (gint64) input->expiry_seconds);
  screen->seconds_left = (gint) left;
  screen->countdown_text = g_strdup_printf ("%d:%02d", (int) (left / 60), (int) (left % 60));
}

KassaCustomerScreen *
kassa_customer_screen_compute (const KassaCustomerScreenInput *input)
{
  KassaCustomerScreen *screen;
  KassaInvoice *invoice;
  const char *payload;

  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (input->now != NULL, NULL);
  g_return_val_if_fail (input->invoice == NULL || KASSA_IS_INVOICE (input->invoice), NULL);

  screen = g_new0 (KassaCustomerScreen, 1);
  screen->training = input->training;
  screen->seconds_left = -1;
  screen->idle_in_seconds = -1;
  if (input->shop_name != NULL && *input->shop_name != '\0')
    screen->shop_name = g_strdup (input->shop_name);

  invoice = input->invoice;
  if (invoice == NULL)
    {
      set_idle (screen, input);
      return screen;
    }

  screen->amount_text = kassa_amount_to_display (kassa_invoice_get_amount (invoice));

  switch (kassa_invoice_get_state (invoice))
    {
    case KASSA_INVOICE_CREATING:
    case KASSA_INVOICE_CREATE_UNKNOWN:
      set_kind (screen, input->online ? KASSA_CUSTOMER_SCREEN_PREPARING
                                      : KASSA_CUSTOMER_SCREEN_UNREACHABLE);
      break;

    case KASSA_INVOICE_AWAITING_PAYMENT:
      payload = kassa_invoice_get_payload (invoice);
      if (kassa_invoice_get_method (invoice) == KASSA_INVOICE_METHOD_PHONE)
        {
          set_kind (screen, KASSA_CUSTOMER_SCREEN_SENT_TO_PHONE);
          screen->masked_phone =
            kassa_customer_screen_mask_phone (kassa_invoice_get_phone (invoice));
        }
      else if (payload != NULL && *payload != '\0')
        {
          set_kind (screen, KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT);
          screen->qr_payload = g_strdup (payload);
        }
      else
        {
          /* Cannot happen (the till validates the payload first); no empty QR. */
          set_kind (screen, KASSA_CUSTOMER_SCREEN_PREPARING);
          break;
        }
      set_countdown (screen, input);
      /* The customer's phone reaches the bank on its own: the invoice can
       * still be paid, the till will learn it when it is back. */
      if (!input->online)
        {
          screen->notice_mn = g_strdup (NOTICE_MN);
          screen->notice_en = g_strdup (NOTICE_EN);
        }
      break;

    case KASSA_INVOICE_PAID:
      set_result (screen, input, KASSA_CUSTOMER_SCREEN_PAID);
      break;

    /* The QR must go at once: the customer should not pay a cancelled invoice. */
    case KASSA_INVOICE_CANCELLING:
    case KASSA_INVOICE_CANCEL_UNKNOWN:
    case KASSA_INVOICE_CANCELLED:
      set_result (screen, input, KASSA_CUSTOMER_SCREEN_CANCELLED);
      break;

    case KASSA_INVOICE_EXPIRED:
      set_result (screen, input, KASSA_CUSTOMER_SCREEN_EXPIRED);
      break;

    case KASSA_INVOICE_DECLINED:
      set_result (screen, input, KASSA_CUSTOMER_SCREEN_DECLINED);
      break;

    case KASSA_INVOICE_FAILED:
      set_result (screen, input, KASSA_CUSTOMER_SCREEN_FAILED);
      break;

    /* A refund is the manager's business, not the next customer's. */
    case KASSA_INVOICE_REFUNDING:
    case KASSA_INVOICE_REFUND_UNKNOWN:
    case KASSA_INVOICE_REFUNDED:
    default:
      set_idle (screen, input);
      break;
    }

  return screen;
}

void
kassa_customer_screen_free (KassaCustomerScreen *screen)
{
  if (screen == NULL)
    return;

  g_free (screen->title_mn);
  g_free (screen->title_en);
  g_free (screen->instruction_mn);
  g_free (screen->instruction_en);
  g_free (screen->notice_mn);
  g_free (screen->notice_en);
  g_free (screen->amount_text);
  g_free (screen->shop_name);
  g_free (screen->qr_payload);
  g_free (screen->masked_phone);
  g_free (screen->countdown_text);
  g_free (screen);
}

gboolean
kassa_customer_screen_equal (const KassaCustomerScreen *a,
                             const KassaCustomerScreen *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  return a->kind == b->kind &&
         a->training == b->training &&
         a->seconds_left == b->seconds_left &&
         a->idle_in_seconds == b->idle_in_seconds &&
         g_strcmp0 (a->title_mn, b->title_mn) == 0 &&
         g_strcmp0 (a->title_en, b->title_en) == 0 &&
         g_strcmp0 (a->instruction_mn, b->instruction_mn) == 0 &&
         g_strcmp0 (a->instruction_en, b->instruction_en) == 0 &&
         g_strcmp0 (a->notice_mn, b->notice_mn) == 0 &&
         g_strcmp0 (a->notice_en, b->notice_en) == 0 &&
         g_strcmp0 (a->amount_text, b->amount_text) == 0 &&
         g_strcmp0 (a->shop_name, b->shop_name) == 0 &&
         g_strcmp0 (a->qr_payload, b->qr_payload) == 0 &&
         g_strcmp0 (a->masked_phone, b->masked_phone) == 0 &&
         g_strcmp0 (a->countdown_text, b->countdown_text) == 0;
}
