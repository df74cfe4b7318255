/* test-customer-screen.c — what the customer display shows, for every invoice state
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "kassa-customer-screen.h"
#include "kassa-journal.h"
#include "kassa-test-util.h"

#define EMV "00020101021252046010530349654041500"
#define DEEPLINK "socialpay-payment://key=AbCdEfGhIjKlMnOpQrStUvWxYz012345"
#define EXPIRY 600

typedef struct
{
  KassaJournal *journal;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "kassa-test",
                                            "journal.sqlite", NULL);

  f->journal = kassa_journal_open (path, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_finalize_object (f->journal);
}

/* A real invoice through the real journal, moved along legal states to @path. */
static KassaInvoice *
make_invoice (Fixture            *f,
              KassaInvoiceMethod  method,
              const char         *payload,
              ...)
{
  g_autoptr(GError) error = NULL;
  KassaInvoice *invoice;
  va_list ap;

  invoice = kassa_journal_create_invoice (f->journal, KASSA_TEST_TERMINAL, 1500, method,
                                          method == KASSA_INVOICE_METHOD_PHONE ? "99112233" : NULL,
                                          NULL, &error);
  g_assert_no_error (error);

  va_start (ap, payload);
  for (int state = va_arg (ap, int); state >= 0; state = va_arg (ap, int))
    {
      g_assert_true (kassa_journal_move (f->journal, invoice, state,
                                         state == KASSA_INVOICE_AWAITING_PAYMENT ? payload : NULL,
                                         NULL, NULL, &error));
      g_assert_no_error (error);
    }
  va_end (ap);

  return invoice;
}

/* The screen at @offset_s seconds after the invoice's creation (or now), the
 * state reached @since_s seconds before that. */
static KassaCustomerScreen *
screen_at (KassaInvoice *invoice,
           gboolean      online,
           gint          offset_s,
           gint          since_s)
{
  g_autoptr(GDateTime) base = invoice != NULL
                               ? g_date_time_ref (kassa_invoice_get_created (invoice))
                               : g_date_time_new_now_utc ();
  g_autoptr(GDateTime) now = g_date_time_add_seconds (base, offset_s);
  g_autoptr(GDateTime) since = g_date_time_add_seconds (now, -since_s);
  KassaCustomerScreenInput input = {
    .invoice = invoice,
    .online = online,
    .now = now,
    .expiry_seconds = EXPIRY,
    .shop_name = "Номин дэлгүүр",
    .training = FALSE,
    .state_since = since,
  };

  return kassa_customer_screen_compute (&input);
}

static gboolean
has_cyrillic (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= 0x0400 && c <= 0x04FF)
        return TRUE;
    }

  return FALSE;
}

/* Every screen speaks both languages, each in its own script. */
static void
assert_bilingual (KassaCustomerScreen *screen)
{
  g_assert_nonnull (screen->title_mn);
  g_assert_nonnull (screen->title_en);
  g_assert_true (has_cyrillic (screen->title_mn));
  g_assert_false (has_cyrillic (screen->title_en));
  g_assert_true ((screen->instruction_mn == NULL) == (screen->instruction_en == NULL));
  if (screen->instruction_mn != NULL)
    {
      g_assert_true (has_cyrillic (screen->instruction_mn));
      g_assert_false (has_cyrillic (screen->instruction_en));
    }
  g_assert_cmpstr (screen->shop_name, ==, "Номин дэлгүүр");
}

static void
test_idle (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  KassaCustomerScreenInput input = { .invoice = NULL, .online = TRUE, .now = now,
                                     .expiry_seconds = EXPIRY, .shop_name = "",
                                     .training = TRUE };
  g_autoptr(KassaCustomerScreen) idle = kassa_customer_screen_compute (&input);
  g_autoptr(KassaCustomerScreen) named = screen_at (NULL, TRUE, 0, 0);

  g_assert_cmpint (idle->kind, ==, KASSA_CUSTOMER_SCREEN_IDLE);
  g_assert_cmpstr (idle->title_mn, ==, "Тавтай морилно уу");
  g_assert_cmpstr (idle->title_en, ==, "Welcome");
  g_assert_null (idle->shop_name);  /* "" is no name */
  g_assert_null (idle->amount_text);
  g_assert_null (idle->qr_payload);
  g_assert_null (idle->countdown_text);
  g_assert_cmpint (idle->seconds_left, ==, -1);
  g_assert_cmpint (idle->idle_in_seconds, ==, -1);
  g_assert_true (idle->training);

  g_assert_cmpint (named->kind, ==, KASSA_CUSTOMER_SCREEN_IDLE);
  g_assert_false (named->training);
  assert_bilingual (named);
  g_assert_cmpstr (kassa_customer_screen_kind_to_string (named->kind), ==, "idle");
}

static void
test_offline_idle (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(KassaCustomerScreen) screen = screen_at (NULL, FALSE, 0, 0);

  g_assert_cmpint (screen->kind, ==, KASSA_CUSTOMER_SCREEN_UNREACHABLE);
  g_assert_cmpstr (screen->title_en, ==, "Connecting to the bank");
  g_assert_cmpstr (screen->title_mn, ==, "Банктай холбогдож байна");
  g_assert_null (screen->qr_payload);
  assert_bilingual (screen);
}

static void
test_preparing (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(KassaInvoice) creating = make_invoice (f, KASSA_INVOICE_METHOD_QR, NULL, -1);
  g_autoptr(KassaInvoice) unknown = make_invoice (f, KASSA_INVOICE_METHOD_QR, NULL,
                                                  KASSA_INVOICE_CREATE_UNKNOWN, -1);
  KassaInvoice *invoices[] = { creating, unknown };

  for (guint i = 0; i < G_N_ELEMENTS (invoices); i++)
    {
      g_autoptr(KassaCustomerScreen) online = screen_at (invoices[i], TRUE, 1, 1);
      g_autoptr(KassaCustomerScreen) offline = screen_at (invoices[i], FALSE, 1, 1);

      g_assert_cmpint (online->kind, ==, KASSA_CUSTOMER_SCREEN_PREPARING);
      g_assert_cmpstr (online->amount_text, ==, "1,500₮");
      g_assert_null (online->qr_payload);
      g_assert_cmpint (online->idle_in_seconds, ==, -1);
      assert_bilingual (online);

      g_assert_cmpint (offline->kind, ==, KASSA_CUSTOMER_SCREEN_UNREACHABLE);
      g_assert_cmpstr (offline->amount_text, ==, "1,500₮");
      g_assert_null (offline->qr_payload);
    }
}

static void
test_awaiting_qr (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(KassaInvoice) qr = make_invoice (f, KASSA_INVOICE_METHOD_QR, EMV,
                                             KASSA_INVOICE_AWAITING_PAYMENT, -1);
  g_autoptr(KassaInvoice) deeplink = make_invoice (f, KASSA_INVOICE_METHOD_DEEPLINK, DEEPLINK,
                                                   KASSA_INVOICE_AWAITING_PAYMENT, -1);
  g_autoptr(KassaCustomerScreen) screen = screen_at (qr, TRUE, 0, 0);
  g_autoptr(KassaCustomerScreen) link = screen_at (deeplink, TRUE, 0, 0);
  /* The customer's phone reaches the bank by itself: the QR stays. */
  g_autoptr(KassaCustomerScreen) offline = screen_at (qr, FALSE, 30, 30);

  g_assert_cmpint (screen->kind, ==, KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT);
  g_assert_cmpstr (screen->title_mn, ==, "SocialPay-ээр уншуулна уу");
  g_assert_cmpstr (screen->title_en, ==, "Scan with SocialPay");
  g_assert_cmpstr (screen->qr_payload, ==, EMV);
  g_assert_cmpstr (screen->amount_text, ==, "1,500₮");
  g_assert_null (screen->masked_phone);
  g_assert_null (screen->notice_en);
  g_assert_cmpint (screen->idle_in_seconds, ==, -1);
  assert_bilingual (screen);

  g_assert_cmpint (link->kind, ==, KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT);
  g_assert_cmpstr (link->qr_payload, ==, DEEPLINK);

  g_assert_cmpint (offline->kind, ==, KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT);
  g_assert_cmpstr (offline->qr_payload, ==, EMV);
  g_assert_nonnull (offline->notice_en);
  g_assert_true (has_cyrillic (offline->notice_mn));
  g_assert_false (has_cyrillic (offline->notice_en));
  g_assert_cmpstr (kassa_customer_screen_kind_to_string (offline->kind), ==, "awaiting-payment");
}

static void
test_countdown (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(KassaInvoice) qr = make_invoice (f, KASSA_INVOICE_METHOD_QR, EMV,
                                             KASSA_INVOICE_AWAITING_PAYMENT, -1);
  struct { gint offset; gint left; const char *text; } cases[] = {
    { 0, 600, "10:00" },
    { 1, 599, "9:59" },
    { 61, 539, "8:59" },
    { 540, 60, "1:00" },
    { 599, 1, "0:01" },
    { 600, 0, "0:00" },
    { 900, 0, "0:00" },   /* the till is cancelling it: never negative */
    { -5, 600, "10:00" }, /* a clock step backwards: never above the expiry */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KassaCustomerScreen) screen = screen_at (qr, TRUE, cases[i].offset, 0);

      g_assert_cmpint (screen->kind, ==, KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT);
      g_assert_cmpint (screen->seconds_left, ==, cases[i].left);
      g_assert_cmpstr (screen->countdown_text, ==, cases[i].text);
    }
}

/* The screen when the wall clock says @clock_step_s after the invoice's
 * creation but the till's monotonic clock says @age_s, the state reached
 * @state_age_s ago by the same clock. */
static KassaCustomerScreen *
screen_with_ages (KassaInvoice *invoice,
                  gint          clock_step_s,
                  GTimeSpan     age_s,
                  GTimeSpan     state_age_s)
{
  g_autoptr(GDateTime) now = g_date_time_add_seconds (kassa_invoice_get_created (invoice),
                                                      clock_step_s);
  KassaCustomerScreenInput input = {
    .invoice = invoice,
    .online = TRUE,
    .now = now,
    .expiry_seconds = EXPIRY,
    .shop_name = "Номин дэлгүүр",
    .state_since = now,
    .ages_known = TRUE,
    .invoice_age = age_s < 0 ? -1 : age_s * G_TIME_SPAN_SECOND,
    .state_age = state_age_s * G_TIME_SPAN_SECOND,
  };

  return kassa_customer_screen_compute (&input);
}

/* With the till's monotonic ages, a wall-clock step moves neither the
 * countdown nor the time a result stays on screen. */
static void
test_countdown_clock_steps (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(KassaInvoice) qr = make_invoice (f, KASSA_INVOICE_METHOD_QR, EMV,
                                             KASSA_INVOICE_AWAITING_PAYMENT, -1);
  g_autoptr(KassaInvoice) paid = make_invoice (f, KASSA_INVOICE_METHOD_QR, EMV,
                                               KASSA_INVOICE_AWAITING_PAYMENT,
                                               KASSA_INVOICE_PAID, -1);
  struct { gint clock_step; gint age; gint left; const char *text; } cases[] = {
    { -86400 + 10, 10, 590, "9:50" },  /* the clock set back a day, 10 s in */
    { 7200 + 3, 3, 597, "9:57" },      /* forward two hours, 3 s in */
    { -86400 + 600, 600, 0, "0:00" },  /* set back, yet the time is over */
    { 7200 + 900, 900, 0, "0:00" },    /* never negative */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KassaCustomerScreen) screen = screen_with_ages (qr, cases[i].clock_step,
                                                                cases[i].age, 0);

      g_test_message ("case %u", i);
      g_assert_cmpint (screen->kind, ==, KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT);
      g_assert_cmpint (screen->seconds_left, ==, cases[i].left);
      g_assert_cmpstr (screen->countdown_text, ==, cases[i].text);
    }

  /* An age the till cannot tell: no countdown rather than a wrong one. */
  {
    g_autoptr(KassaCustomerScreen) screen = screen_with_ages (qr, 30, -1, 0);

    g_assert_cmpint (screen->kind, ==, KASSA_CUSTOMER_SCREEN_AWAITING_PAYMENT);
    g_assert_cmpint (screen->seconds_left, ==, -1);
    g_assert_null (screen->countdown_text);
  }

  /* A result stays its seconds on screen, whatever the wall clock did since. */
  {
    g_autoptr(KassaCustomerScreen) fresh = screen_with_ages (paid, 7200, 20, 1);
    g_autoptr(KassaCustomerScreen) back = screen_with_ages (paid, -86400, 20, 2);
    g_autoptr(KassaCustomerScreen) done =
      screen_with_ages (paid, -86400, 20, KASSA_CUSTOMER_SCREEN_RESULT_SECONDS);

    g_assert_cmpint (fresh->kind, ==, KASSA_CUSTOMER_SCREEN_PAID);
    g_assert_cmpint (fresh->idle_in_seconds, ==, KASSA_CUSTOMER_SCREEN_RESULT_SECONDS - 1);
    g_assert_cmpint (back->kind, ==, KASSA_CUSTOMER_SCREEN_PAID);
    g_assert_cmpint (back->idle_in_seconds, ==, KASSA_CUSTOMER_SCREEN_RESULT_SECONDS - 2);
    g_assert_cmpint (done->kind, ==, KASSA_CUSTOMER_SCREEN_IDLE);
  }
}

static void
test_phone (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(KassaInvoice) phone = make_invoice (f, KASSA_INVOICE_METHOD_PHONE, "success",
                                                KASSA_INVOICE_AWAITING_PAYMENT, -1);
  g_autoptr(KassaCustomerScreen) screen = screen_at (phone, TRUE, 10, 10);

  g_assert_cmpint (screen->kind, ==, KASSA_CUSTOMER_SCREEN_SENT_TO_PHONE);
  g_assert_cmpstr (screen->masked_phone, ==, "99** **33");
  /* The bank's "success" is not something to scan. */
  g_assert_null (screen->qr_payload);
  g_assert_cmpint (screen->seconds_left, ==, 590);
  g_assert_cmpstr (screen->amount_text, ==, "1,500₮");
  assert_bilingual (screen);
}

static void
test_awaiting_without_payload (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(KassaInvoice) odd = make_invoice (f, KASSA_INVOICE_METHOD_QR, NULL,
                                              KASSA_INVOICE_AWAITING_PAYMENT, -1);
  g_autoptr(KassaCustomerScreen) screen = screen_at (odd, TRUE, 0, 0);

  /* Never an empty QR code. */
  g_assert_cmpint (screen->kind, ==, KASSA_CUSTOMER_SCREEN_PREPARING);
  g_assert_null (screen->qr_payload);
}

/* Each finished state: its screen for RESULT_SECONDS, then idle. */
static void
test_results (Fixture       *f,
              gconstpointer  data)
{
  const KassaInvoiceState A = KASSA_INVOICE_AWAITING_PAYMENT;
  g_autoptr(KassaInvoice) paid = make_invoice (f, 0, EMV, A, KASSA_INVOICE_PAID, -1);
  g_autoptr(KassaInvoice) cancelling = make_invoice (f, 0, EMV, A, KASSA_INVOICE_CANCELLING, -1);
  g_autoptr(KassaInvoice) cancel_unknown = make_invoice (f, 0, EMV, A, KASSA_INVOICE_CANCELLING,
                                                         KASSA_INVOICE_CANCEL_UNKNOWN, -1);
  g_autoptr(KassaInvoice) cancelled = make_invoice (f, 0, EMV, A, KASSA_INVOICE_CANCELLING,
                                                    KASSA_INVOICE_CANCELLED, -1);
  g_autoptr(KassaInvoice) expired = make_invoice (f, 0, EMV, A, KASSA_INVOICE_CANCELLING,
                                                  KASSA_INVOICE_EXPIRED, -1);
  g_autoptr(KassaInvoice) declined = make_invoice (f, 0, EMV, A, KASSA_INVOICE_DECLINED, -1);
  g_autoptr(KassaInvoice) failed = make_invoice (f, 0, NULL, KASSA_INVOICE_FAILED, -1);
  struct {
    KassaInvoice            *invoice;
    KassaCustomerScreenKind  kind;
    const char              *title_en;
    const char              *title_mn;
  } cases[] = {
    { paid, KASSA_CUSTOMER_SCREEN_PAID, "Paid. Thank you!", "Төлбөр төлөгдлөө. Баярлалаа!" },
    { cancelling, KASSA_CUSTOMER_SCREEN_CANCELLED, "The payment was cancelled",
      "Төлбөр цуцлагдлаа" },
    { cancel_unknown, KASSA_CUSTOMER_SCREEN_CANCELLED, "The payment was cancelled",
      "Төлбөр цуцлагдлаа" },
    { cancelled, KASSA_CUSTOMER_SCREEN_CANCELLED, "The payment was cancelled",
      "Төлбөр цуцлагдлаа" },
    { expired, KASSA_CUSTOMER_SCREEN_EXPIRED, "The time to pay is over",
      "Төлбөрийн хугацаа дууслаа" },
    { declined, KASSA_CUSTOMER_SCREEN_DECLINED, "The payment did not go through",
      "Төлбөр амжилтгүй боллоо" },
    { failed, KASSA_CUSTOMER_SCREEN_FAILED, "The payment could not be started",
      "Төлбөрийг эхлүүлж чадсангүй" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KassaCustomerScreen) fresh = screen_at (cases[i].invoice, TRUE, 20, 0);
      g_autoptr(KassaCustomerScreen) later = screen_at (cases[i].invoice, TRUE, 20,
                                                        KASSA_CUSTOMER_SCREEN_RESULT_SECONDS - 1);
      g_autoptr(KassaCustomerScreen) done = screen_at (cases[i].invoice, TRUE, 20,
                                                       KASSA_CUSTOMER_SCREEN_RESULT_SECONDS);
      g_autoptr(KassaCustomerScreen) done_offline =
        screen_at (cases[i].invoice, FALSE, 20, KASSA_CUSTOMER_SCREEN_RESULT_SECONDS + 60);

      g_test_message ("case %u: %s", i,
                      kassa_invoice_state_to_string (kassa_invoice_get_state (cases[i].invoice)));
      g_assert_cmpint (fresh->kind, ==, cases[i].kind);
      g_assert_cmpstr (fresh->title_en, ==, cases[i].title_en);
      g_assert_cmpstr (fresh->title_mn, ==, cases[i].title_mn);
      g_assert_cmpstr (fresh->amount_text, ==, "1,500₮");
      g_assert_null (fresh->qr_payload);
      g_assert_null (fresh->countdown_text);
      g_assert_cmpint (fresh->seconds_left, ==, -1);
      g_assert_cmpint (fresh->idle_in_seconds, ==, KASSA_CUSTOMER_SCREEN_RESULT_SECONDS);
      assert_bilingual (fresh);

      g_assert_cmpint (later->kind, ==, cases[i].kind);
      g_assert_cmpint (later->idle_in_seconds, ==, 1);

      g_assert_cmpint (done->kind, ==, KASSA_CUSTOMER_SCREEN_IDLE);
      g_assert_null (done->amount_text);
      g_assert_cmpint (done->idle_in_seconds, ==, -1);

      g_assert_cmpint (done_offline->kind, ==, KASSA_CUSTOMER_SCREEN_UNREACHABLE);
    }
}

/* A refund is the manager's business: the customer display stays idle. */
static void
test_refund_is_idle (Fixture       *f,
                     gconstpointer  data)
{
  const KassaInvoiceState A = KASSA_INVOICE_AWAITING_PAYMENT;
  g_autoptr(KassaInvoice) refunding = make_invoice (f, 0, EMV, A, KASSA_INVOICE_PAID,
                                                    KASSA_INVOICE_REFUNDING, -1);
  g_autoptr(KassaInvoice) unknown = make_invoice (f, 0, EMV, A, KASSA_INVOICE_PAID,
                                                  KASSA_INVOICE_REFUNDING,
                                                  KASSA_INVOICE_REFUND_UNKNOWN, -1);
  g_autoptr(KassaInvoice) refunded = make_invoice (f, 0, EMV, A, KASSA_INVOICE_PAID,
                                                   KASSA_INVOICE_REFUNDING,
                                                   KASSA_INVOICE_REFUNDED, -1);
  KassaInvoice *invoices[] = { refunding, unknown, refunded };

  for (guint i = 0; i < G_N_ELEMENTS (invoices); i++)
    {
      g_autoptr(KassaCustomerScreen) screen = screen_at (invoices[i], TRUE, 30, 0);

      g_assert_cmpint (screen->kind, ==, KASSA_CUSTOMER_SCREEN_IDLE);
      g_assert_null (screen->amount_text);
      g_assert_null (screen->qr_payload);
    }
}

/* Paid after a cancel: the customer did pay, so they are thanked. */
static void
test_paid_after_cancel (Fixture       *f,
                        gconstpointer  data)
{
  const KassaInvoiceState A = KASSA_INVOICE_AWAITING_PAYMENT;
  g_autoptr(KassaInvoice) invoice = make_invoice (f, 0, EMV, A, KASSA_INVOICE_CANCELLING,
                                                  KASSA_INVOICE_CANCELLED, -1);
  g_autoptr(KassaCustomerScreen) cancelled = screen_at (invoice, TRUE, 10, 0);
  g_autoptr(KassaCustomerScreen) paid = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (cancelled->kind, ==, KASSA_CUSTOMER_SCREEN_CANCELLED);
  g_assert_true (kassa_journal_move (f->journal, invoice, KASSA_INVOICE_PAID, NULL, NULL, NULL,
                                     &error));
  g_assert_no_error (error);
  paid = screen_at (invoice, TRUE, 10, 0);
  g_assert_cmpint (paid->kind, ==, KASSA_CUSTOMER_SCREEN_PAID);
}

static void
test_training (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(KassaInvoice) qr = make_invoice (f, KASSA_INVOICE_METHOD_QR, EMV,
                                             KASSA_INVOICE_AWAITING_PAYMENT, -1);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  KassaCustomerScreenInput input = { .invoice = qr, .online = TRUE, .now = now,
                                     .expiry_seconds = 0, .shop_name = NULL,
                                     .training = TRUE };
  g_autoptr(KassaCustomerScreen) screen = kassa_customer_screen_compute (&input);

  g_assert_true (screen->training);
  g_assert_null (screen->shop_name);
  /* No expiry known: no countdown rather than a wrong one. */
  g_assert_cmpint (screen->seconds_left, ==, -1);
  g_assert_null (screen->countdown_text);
  g_assert_true (has_cyrillic (KASSA_CUSTOMER_SCREEN_TRAINING_MN));
}

static void
test_mask_phone (void)
{
  struct { const char *phone; const char *masked; } cases[] = {
    { "99112233", "99** **33" },
    { "9911 2233", "99** **33" },
    { "+976 8800-1122", "97** **** *22" },
    { "12345", "12*4 5" },
    { "1234", "****" },
    { "", "" },
    { NULL, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *masked = kassa_customer_screen_mask_phone (cases[i].phone);

      g_assert_cmpstr (masked, ==, cases[i].masked);
    }
}

static void
test_equal (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(KassaInvoice) qr = make_invoice (f, KASSA_INVOICE_METHOD_QR, EMV,
                                             KASSA_INVOICE_AWAITING_PAYMENT, -1);
  g_autoptr(KassaCustomerScreen) a = screen_at (qr, TRUE, 10, 0);
  g_autoptr(KassaCustomerScreen) b = screen_at (qr, TRUE, 10, 0);
  g_autoptr(KassaCustomerScreen) c = screen_at (qr, TRUE, 11, 0);
  g_autoptr(KassaCustomerScreen) d = screen_at (qr, FALSE, 10, 0);

  g_assert_true (kassa_customer_screen_equal (a, b));
  g_assert_false (kassa_customer_screen_equal (a, c));
  g_assert_false (kassa_customer_screen_equal (a, d));
  g_assert_false (kassa_customer_screen_equal (a, NULL));
  g_assert_true (kassa_customer_screen_equal (NULL, NULL));
}

/* Everything but the welcome screen keeps the PC awake. */
static void
test_keeps_awake (void)
{
  GEnumClass *klass = g_type_class_ref (KASSA_TYPE_CUSTOMER_SCREEN_KIND);

  g_assert_false (kassa_customer_screen_kind_keeps_awake (KASSA_CUSTOMER_SCREEN_IDLE));
  for (guint i = 0; i < klass->n_values; i++)
    if (klass->values[i].value != KASSA_CUSTOMER_SCREEN_IDLE)
      g_assert_true (kassa_customer_screen_kind_keeps_awake (klass->values[i].value));
  g_assert_cmpuint (klass->n_values, ==, KASSA_CUSTOMER_SCREEN_UNREACHABLE + 1);
  g_type_class_unref (klass);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/customer-screen/idle", test_idle);
  ADD ("/customer-screen/offline-idle", test_offline_idle);
  ADD ("/customer-screen/preparing", test_preparing);
  ADD ("/customer-screen/awaiting-qr", test_awaiting_qr);
  ADD ("/customer-screen/countdown", test_countdown);
  ADD ("/customer-screen/countdown-clock-steps", test_countdown_clock_steps);
  ADD ("/customer-screen/phone", test_phone);
  ADD ("/customer-screen/awaiting-without-payload", test_awaiting_without_payload);
  ADD ("/customer-screen/results", test_results);
  ADD ("/customer-screen/refund-is-idle", test_refund_is_idle);
  ADD ("/customer-screen/paid-after-cancel", test_paid_after_cancel);
  ADD ("/customer-screen/training", test_training);
  ADD ("/customer-screen/equal", test_equal);
#undef ADD
  g_test_add_func ("/customer-screen/mask-phone", test_mask_phone);
  g_test_add_func ("/customer-screen/keeps-awake", test_keeps_awake);

  return g_test_run ();
}
