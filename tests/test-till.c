/* test-till.c — the payment lifecycle against kassa-bank-sim as a real process
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test uses a real journal file in the isolated data directory and a
 * real simulator process; every wait is for an event (a notify or an async
 * result), with generous time limits. At the end of each test the journal
 * must agree with the simulator's invoice table.
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "kassa-core.h"
#include "kassa-journal.h"
#include "kassa-settlement.h"
#include "kassa-test-util.h"
#include "kassa-till.h"
#include "kassa-till-private.h"

#define WAIT_S 30
#define CLIENT_TIMEOUT_S 2
#define PIN "4321"

typedef struct
{
  KassaTestSim    *sim;
  char            *journal_path;
  KassaJournal    *journal;
  KassaBankClient *client;
  KassaTill       *till;
  GPtrArray       *added;        /* invoices announced by ::invoice-added */
  char            *recovered_summary;
  gboolean         seen_offline;
  gboolean         seen_online_after_offline;
} Fixture;

/* ---- fixture ---- */

static void
on_invoice_added_cb (KassaTill    *till,
                     KassaInvoice *invoice,
                     Fixture      *f)
{
  g_ptr_array_add (f->added, g_object_ref (invoice));
}

static void
on_recovered_cb (KassaTill  *till,
                 const char *summary,
                 Fixture    *f)
{
  g_free (f->recovered_summary);
  f->recovered_summary = g_strdup (summary);
}

static void
on_connection_state_cb (KassaTill  *till,
                        GParamSpec *pspec,
                        Fixture    *f)
{
  if (kassa_till_get_connection_state (till) == KASSA_CONNECTION_OFFLINE)
    f->seen_offline = TRUE;
  else if (f->seen_offline)
    f->seen_online_after_offline = TRUE;
}

static KassaBankClient *
new_client (Fixture    *f,
            const char *profile_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  KassaBankClient *client;

  if (profile_text != NULL)
    {
      kassa_bank_profile_set_from_string (profile, profile_text, &error);
      g_assert_no_error (error);
    }

  client = kassa_bank_client_new (kassa_test_sim_get_url (f->sim), KASSA_TEST_TERMINAL,
                                  KASSA_TEST_SECRET, NULL, profile, &error);
  g_assert_no_error (error);
  kassa_bank_client_set_timeout (client, CLIENT_TIMEOUT_S);

  return client;
}

static void
fixture_open_journal (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->journal = kassa_journal_open (f->journal_path, &error);
  g_assert_no_error (error);
}

/* A till with a fast schedule, not yet recovered. */
static void
fixture_new_till (Fixture *f)
{
  f->till = kassa_till_new (f->journal, f->client);
  kassa_till_set_poll_schedule (f->till, 100, 120, 100);
  kassa_till_set_max_backoff (f->till, 1);
  g_signal_connect (f->till, "invoice-added", G_CALLBACK (on_invoice_added_cb), f);
  g_signal_connect (f->till, "recovered", G_CALLBACK (on_recovered_cb), f);
  g_signal_connect (f->till, "notify::connection-state", G_CALLBACK (on_connection_state_cb), f);
}

static char *
fixture_recover (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0, };
  char *summary = NULL;

  g_assert_false (kassa_till_get_recovered (f->till));
  kassa_till_recover_async (f->till, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  g_assert_true (kassa_till_recover_finish (f->till, w.result, &summary, &error));
  g_assert_no_error (error);
  g_object_unref (w.result);
  g_assert_true (kassa_till_get_recovered (f->till));
  g_assert_cmpstr (summary, ==, f->recovered_summary);

  return summary;
}

static void
fixture_setup_with (Fixture    *f,
                    const char *sim_reading,
                    const char *profile_text)
{
  static guint serial;
  g_autofree char *name = g_strdup_printf ("journal-%u.sqlite", ++serial);

  if (sim_reading != NULL)
    f->sim = kassa_test_sim_spawn ("--reading", sim_reading, NULL);
  else
    f->sim = kassa_test_sim_spawnv (NULL);
  f->journal_path = g_build_filename (g_get_user_data_dir (), name, NULL);
  f->added = g_ptr_array_new_with_free_func (g_object_unref);
  f->client = new_client (f, profile_text);
  fixture_open_journal (f);
}

/* The usual start: an empty journal, a recovered till. */
static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *summary = NULL;

  fixture_setup_with (f, NULL, NULL);
  fixture_new_till (f);
  summary = fixture_recover (f);
  g_assert_cmpstr (summary, ==, "No unfinished payments");
}

/* Recovery tests build their till themselves. */
static void
fixture_setup_bare (Fixture       *f,
                    gconstpointer  data)
{
  fixture_setup_with (f, NULL, NULL);
}

static void
fixture_setup_resp_code (Fixture       *f,
                         gconstpointer  data)
{
  fixture_setup_with (f, "unpaid-check-style=resp-code", "unpaid-check-style=resp-code");
  fixture_new_till (f);
  g_free (fixture_recover (f));
}

/* Lets pending callbacks (cancelled requests) run, then checks the till is gone. */
static void
fixture_drop_till (Fixture *f)
{
  if (f->till == NULL)
    return;

  g_assert_finalize_object (g_steal_pointer (&f->till));
  for (guint i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  fixture_drop_till (f);
  g_clear_object (&f->client);
  if (f->journal != NULL)
    g_assert_finalize_object (g_steal_pointer (&f->journal));
  g_clear_pointer (&f->added, g_ptr_array_unref);
  g_clear_pointer (&f->sim, kassa_test_sim_free);
  g_free (f->journal_path);
  g_free (f->recovered_summary);
}

/* ---- helpers ---- */

static void
on_state_recorded_cb (KassaInvoice *invoice,
                      GParamSpec   *pspec,
                      GArray       *seen)
{
  KassaInvoiceState state = kassa_invoice_get_state (invoice);

  g_array_append_val (seen, state);
}

/* kassa_test_wait_in_state() with this suite's limit. */
static void
wait_for_state (KassaInvoice      *invoice,
                KassaInvoiceState  state)
{
  kassa_test_wait_in_state (invoice, state, WAIT_S);
}

/* Records every state an invoice passes through (connect before acting). */
static gulong
record_states (KassaInvoice *invoice,
               GArray       *seen)
{
  return g_signal_connect (invoice, "notify::state", G_CALLBACK (on_state_recorded_cb), seen);
}

static gboolean
states_contain (GArray            *seen,
                KassaInvoiceState  state)
{
  for (guint i = 0; i < seen->len; i++)
    if (g_array_index (seen, KassaInvoiceState, i) == state)
      return TRUE;

  return FALSE;
}

static KassaInvoice *
run_sale (Fixture             *f,
          gint64               amount,
          KassaInvoiceMethod   method,
          const char          *phone,
          GError             **error)
{
  KassaTestAsync w = { 0, };
  KassaInvoice *invoice;

  kassa_till_sale_async (f->till, amount, method, phone, "test", NULL, kassa_test_async_done_cb,
                         &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  invoice = kassa_till_sale_finish (f->till, w.result, error);
  g_object_unref (w.result);

  return invoice;
}

static KassaInvoice *
sale_ok (Fixture            *f,
         gint64              amount,
         KassaInvoiceMethod  method,
         const char         *phone)
{
  g_autoptr(GError) error = NULL;
  KassaInvoice *invoice = run_sale (f, amount, method, phone, &error);

  g_assert_no_error (error);
  g_assert_nonnull (invoice);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);

  return invoice;
}

static gboolean
run_cancel (Fixture       *f,
            KassaInvoice  *invoice,
            GError       **error)
{
  KassaTestAsync w = { 0, };
  gboolean ok;

  kassa_till_cancel_async (f->till, invoice, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  ok = kassa_till_cancel_finish (f->till, w.result, error);
  g_object_unref (w.result);

  return ok;
}

/* The manager PIN of the fixture's journal (set once). */
static void
set_pin (Fixture *f)
{
  KassaManager *manager = kassa_till_get_manager (f->till);
  g_autoptr(GError) error = NULL;

  if (kassa_manager_has_pin (manager))
    return;
  g_assert_true (kassa_manager_set_pin (manager, NULL, PIN, &error));
  g_assert_no_error (error);
}

static gboolean
run_refund (Fixture       *f,
            KassaInvoice  *invoice,
            const char    *pin,
            GError       **error)
{
  KassaTestAsync w = { 0, };
  gboolean ok;

  kassa_till_refund_async (f->till, invoice, pin, NULL, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  ok = kassa_till_refund_finish (f->till, w.result, error);
  g_object_unref (w.result);

  return ok;
}

static KassaSettlement *
run_settle (Fixture  *f,
            GError  **error)
{
  KassaTestAsync w = { 0, };
  KassaSettlement *settlement;

  set_pin (f);
  kassa_till_settle_async (f->till, PIN, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  settlement = kassa_till_settle_finish (f->till, w.result, error);
  g_object_unref (w.result);

  return settlement;
}

static void
sim_invoice_action (Fixture      *f,
                    const char   *path,
                    KassaInvoice *invoice)
{
  g_autofree char *json = g_strdup_printf ("{\"invoice\": \"%s\"}",
                                           kassa_invoice_get_number (invoice));

  kassa_test_sim_expect (f->sim, path, json, 200);
}

static char *
sim_state (Fixture      *f,
           KassaInvoice *invoice)
{
  return kassa_test_sim_state (f->sim, kassa_invoice_get_number (invoice));
}

/* ---- reading and validation (no network) ---- */

static void
test_read_check (void)
{
  g_autoptr(KassaBankProfile) envelope = kassa_bank_profile_new ();
  g_autoptr(KassaBankProfile) resp_code = kassa_bank_profile_new ();
  KassaBankTransaction tx = { 0, };
  static const struct
  {
    const char        *error_type;
    KassaCheckReading  reading;
  } refusals[] = {
    { "NOT_PAID", KASSA_CHECK_NOT_PAID },
    { "not_paid", KASSA_CHECK_NOT_PAID },
    { "NOT_FOUND", KASSA_CHECK_UNKNOWN_INVOICE },
    { "CANCELLED", KASSA_CHECK_CANCELLED },
    { "REFUNDED", KASSA_CHECK_REFUNDED },
    { "CHECKSUM", KASSA_CHECK_UNREADABLE },
    { "SOMETHING_NEW", KASSA_CHECK_UNREADABLE },
    { NULL, KASSA_CHECK_UNREADABLE },
  };
  static const KassaBankError no_answer[] = {
    KASSA_BANK_ERROR_TRANSPORT, KASSA_BANK_ERROR_TIMEOUT, KASSA_BANK_ERROR_TLS,
    KASSA_BANK_ERROR_MALFORMED_REPLY, KASSA_BANK_ERROR_BANK_SYSTEM,
  };

  kassa_bank_profile_set_reading (resp_code, "unpaid-check-style", "resp-code", NULL);

  tx.paid = TRUE;
  tx.resp_code = (char *) "00";
  g_assert_cmpint (kassa_till_read_check (envelope, &tx, NULL), ==, KASSA_CHECK_PAID);
  g_assert_cmpint (kassa_till_read_check (resp_code, &tx, NULL), ==, KASSA_CHECK_PAID);

  tx.paid = FALSE;
  tx.resp_code = (char *) "05";
  g_assert_cmpint (kassa_till_read_check (envelope, &tx, NULL), ==, KASSA_CHECK_DECLINED);
  g_assert_cmpint (kassa_till_read_check (resp_code, &tx, NULL), ==, KASSA_CHECK_DECLINED);

  /* The simulator's "not paid yet" is never a decline, whatever the reading. */
  tx.resp_code = (char *) "01";
  g_assert_cmpint (kassa_till_read_check (envelope, &tx, NULL), ==, KASSA_CHECK_NOT_PAID);
  g_assert_cmpint (kassa_till_read_check (resp_code, &tx, NULL), ==, KASSA_CHECK_NOT_PAID);

  /* No code at all: we cannot tell, so we keep asking. */
  tx.resp_code = NULL;
  g_assert_cmpint (kassa_till_read_check (resp_code, &tx, NULL), ==, KASSA_CHECK_UNREADABLE);

  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      g_autoptr(GError) error = NULL;

      kassa_bank_error_set (&error, KASSA_BANK_ERROR_REJECTED, 200, 400, refusals[i].error_type,
                            "Тайлбар", "refused");
      g_assert_cmpstr (kassa_check_reading_to_string (kassa_till_read_check (envelope, NULL,
                                                                              error)),
                       ==, kassa_check_reading_to_string (refusals[i].reading));
    }

  for (guint i = 0; i < G_N_ELEMENTS (no_answer); i++)
    {
      g_autoptr(GError) error = NULL;

      kassa_bank_error_set (&error, no_answer[i], 0, -1, NULL, NULL, "no answer");
      g_assert_cmpint (kassa_till_read_check (envelope, NULL, error), ==, KASSA_CHECK_NO_ANSWER);
    }

  {
    g_autoptr(GError) error = NULL;

    kassa_bank_error_set (&error, KASSA_BANK_ERROR_CHECKSUM_MISMATCH, 200, 200, NULL, NULL, "x");
    g_assert_cmpint (kassa_till_read_check (envelope, NULL, error), ==, KASSA_CHECK_UNREADABLE);
    g_assert_true (kassa_till_error_is_unknown_outcome (error));
  }
  {
    g_autoptr(GError) error = NULL;

    kassa_bank_error_set (&error, KASSA_BANK_ERROR_REJECTED, 200, 400, "DUPLICATE", NULL, "x");
    g_assert_false (kassa_till_error_is_unknown_outcome (error));
  }
}

static void
test_validate_payload (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autoptr(KassaBankProfile) deeplink_profile = kassa_bank_profile_new ();
  g_autofree char *good = NULL;
  g_autofree char *other_amount = NULL;
  g_autoptr(GError) error = NULL;
#define TLV(amount) "000201010212520460105303496" amount "5802MN5914KASSA TRAINING6011ULAANBAATAR"
  const char *tlv_1500 = TLV ("54041500");
  const char *tlv_1600 = TLV ("54041600");
#undef TLV

  kassa_bank_profile_set_reading (deeplink_profile, "qr-endpoint", "deeplink", NULL);
  good = kassa_emv_seal (tlv_1500, KASSA_EMV_CRC_X25);
  other_amount = kassa_emv_seal (tlv_1600, KASSA_EMV_CRC_X25);

  g_assert_true (kassa_till_validate_payload (profile, KASSA_INVOICE_METHOD_QR, 1500, good,
                                              &error));
  g_assert_no_error (error);

  g_assert_false (kassa_till_validate_payload (profile, KASSA_INVOICE_METHOD_QR, 1500,
                                               other_amount, &error));
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_PAYLOAD);
  g_assert_nonnull (strstr (error->message, "1600"));
  g_clear_error (&error);

  /* A damaged CRC. */
  good[strlen (good) - 1] = good[strlen (good) - 1] == '0' ? '1' : '0';
  g_assert_false (kassa_till_validate_payload (profile, KASSA_INVOICE_METHOD_QR, 1500, good,
                                               &error));
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_PAYLOAD);
  g_clear_error (&error);

  g_assert_false (kassa_till_validate_payload (profile, KASSA_INVOICE_METHOD_QR, 1500, "",
                                               &error));
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_PAYLOAD);
  g_clear_error (&error);

  /* Deeplinks: the method, or a QR sale under qr-endpoint=deeplink. */
  g_assert_true (kassa_till_validate_payload (profile, KASSA_INVOICE_METHOD_DEEPLINK, 1500,
                                              "socialpay-payment://key=abc", &error));
  g_assert_true (kassa_till_validate_payload (deeplink_profile, KASSA_INVOICE_METHOD_QR, 1500,
                                              "socialpay-payment://key=abc", &error));
  g_assert_no_error (error);
  g_assert_false (kassa_till_validate_payload (deeplink_profile, KASSA_INVOICE_METHOD_QR, 1500,
                                               "https://evil.example/pay", &error));
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_PAYLOAD);
  g_clear_error (&error);
  g_assert_false (kassa_till_validate_payload (profile, KASSA_INVOICE_METHOD_DEEPLINK, 1500,
                                               "socialpay-payment://", &error));
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_PAYLOAD);
  g_clear_error (&error);

  /* A phone invoice's desc is only the bank's word. */
  g_assert_true (kassa_till_validate_payload (profile, KASSA_INVOICE_METHOD_PHONE, 1500,
                                              "success", &error));
  g_assert_no_error (error);
}

/* ---- sales ---- */

static void
test_sale_qr (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(KassaEmv) emv = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *history = NULL;
  gint64 amount = 0;

  invoice = sale_ok (f, 1500, KASSA_INVOICE_METHOD_QR, NULL);
  g_assert_cmpuint (f->added->len, ==, 1);
  g_assert_true (g_ptr_array_index (f->added, 0) == invoice);

  /* The payload is the bank's EMV QR, asking exactly the sale's amount. */
  emv = kassa_emv_parse (kassa_invoice_get_payload (invoice), &error);
  g_assert_no_error (error);
  g_assert_true (kassa_emv_get_amount (emv, &amount, &error));
  g_assert_cmpint (amount, ==, 1500);

  /* Polling finds nothing to do until the customer pays. */
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);
  sim_invoice_action (f, "/sim/pay", invoice);
  wait_for_state (invoice, KASSA_INVOICE_PAID);
  g_assert_cmpuint (strlen (kassa_invoice_get_approval_code (invoice)), ==, 6);
  g_assert_true (g_str_has_prefix (kassa_invoice_get_card_number (invoice), "949625"));
  g_assert_cmpstr (kassa_invoice_get_resp_code (invoice), ==, "00");
  g_assert_false (kassa_invoice_get_paid_after_cancel (invoice));
  g_assert_cmpint (kassa_till_get_connection_state (f->till), ==, KASSA_CONNECTION_ONLINE);

  history = kassa_journal_get_history_json (f->journal, invoice, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (history, "AWAITING_PAYMENT"));
  g_assert_nonnull (strstr (history, "PAID"));

  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

static void
test_sale_deeplink (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 2500, KASSA_INVOICE_METHOD_DEEPLINK, NULL);

  g_assert_true (g_str_has_prefix (kassa_invoice_get_payload (invoice), "socialpay-payment://"));
  sim_invoice_action (f, "/sim/pay", invoice);
  wait_for_state (invoice, KASSA_INVOICE_PAID);
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

static void
test_sale_phone (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 3000, KASSA_INVOICE_METHOD_PHONE, "99112233");

  g_assert_cmpstr (kassa_invoice_get_phone (invoice), ==, "99112233");
  sim_invoice_action (f, "/sim/pay", invoice);
  wait_for_state (invoice, KASSA_INVOICE_PAID);
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

static void
test_sale_bad_input (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;

  g_assert_null (run_sale (f, 0, KASSA_INVOICE_METHOD_QR, NULL, &error));
  g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_AMOUNT);
  g_clear_error (&error);
  g_assert_null (run_sale (f, 1000, KASSA_INVOICE_METHOD_PHONE, "123", &error));
  g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_PHONE);
  g_clear_error (&error);

  /* Nothing journaled, nothing sent. */
  all = kassa_journal_list (f->journal, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 0);
  g_assert_cmpuint (f->added->len, ==, 0);
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

static void
test_decline (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);

  sim_invoice_action (f, "/sim/decline", invoice);
  wait_for_state (invoice, KASSA_INVOICE_DECLINED);
  g_assert_cmpstr (kassa_invoice_get_resp_code (invoice), ==, "05");
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

static void
test_resp_code_reading (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(KassaInvoice) paid = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  g_autoptr(KassaInvoice) declined = sale_ok (f, 1100, KASSA_INVOICE_METHOD_QR, NULL);
  g_autoptr(KassaInvoice) open = sale_ok (f, 1200, KASSA_INVOICE_METHOD_QR, NULL);

  /* 200 replies with resp_code "01" keep them open. */
  sim_invoice_action (f, "/sim/pay", paid);
  wait_for_state (paid, KASSA_INVOICE_PAID);
  sim_invoice_action (f, "/sim/decline", declined);
  wait_for_state (declined, KASSA_INVOICE_DECLINED);
  g_assert_cmpint (kassa_invoice_get_state (open), ==, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_true (run_cancel (f, open, NULL));
  g_assert_cmpint (kassa_invoice_get_state (open), ==, KASSA_INVOICE_CANCELLED);
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

/* ---- cancel ---- */

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *state = NULL;

  g_assert_true (run_cancel (f, invoice, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_CANCELLED);
  state = sim_state (f, invoice);
  g_assert_cmpstr (state, ==, "cancelled");

  g_assert_false (run_cancel (f, invoice, &error));
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL);
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

static void
test_cancel_paid (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  g_autoptr(GError) error = NULL;

  sim_invoice_action (f, "/sim/pay", invoice);
  wait_for_state (invoice, KASSA_INVOICE_PAID);
  g_assert_false (run_cancel (f, invoice, &error));
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL);
  g_assert_nonnull (strstr (error->message, "refund"));
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

/* The customer pays while the cancel is on its way: the bank refuses the
 * cancel, the till checks, and the payment is kept and flagged. */
static void
test_cancel_race (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0, };

  kassa_test_sim_fault (f->sim, "cancel", "delay", 1000, 1);
  kassa_till_cancel_async (f->till, invoice, NULL, kassa_test_async_done_cb, &w);
  /* CANCELLING is committed just before the cancel is sent. */
  wait_for_state (invoice, KASSA_INVOICE_CANCELLING);
  sim_invoice_action (f, "/sim/pay", invoice);

  kassa_test_wait_for (&w.done, WAIT_S);
  g_assert_false (kassa_till_cancel_finish (f->till, w.result, &error));
  g_object_unref (w.result);
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
  g_assert_true (kassa_invoice_get_paid_after_cancel (invoice));
  g_assert_nonnull (kassa_invoice_get_approval_code (invoice));
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

static void
test_expiry (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autofree char *state = NULL;

  kassa_till_set_expiry (f->till, 2);
  invoice = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  wait_for_state (invoice, KASSA_INVOICE_EXPIRED);
  state = sim_state (f, invoice);
  g_assert_cmpstr (state, ==, "cancelled");
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

/* ---- unknown outcomes ---- */

/* The create times out but the bank carries it out later: the till never
 * creates it twice. A QR the customer never saw is cancelled at the bank. */
static void
test_create_timeout_qr (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (KassaInvoiceState));
  g_autoptr(GHashTable) table = NULL;
  KassaInvoice *invoice;
  KassaTestAsync w = { 0, };

  kassa_test_sim_fault (f->sim, "qr", "delay", (CLIENT_TIMEOUT_S + 1) * 1000, 1);
  kassa_till_sale_async (f->till, 1000, KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL,
                         kassa_test_async_done_cb, &w);
  g_assert_cmpuint (f->added->len, ==, 1);
  invoice = g_ptr_array_index (f->added, 0);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_CREATING);
  record_states (invoice, seen);

  kassa_test_wait_for (&w.done, WAIT_S);
  g_assert_null (kassa_till_sale_finish (f->till, w.result, &error));
  g_object_unref (w.result);
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_UNKNOWN_OUTCOME);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_CREATE_UNKNOWN);

  wait_for_state (invoice, KASSA_INVOICE_CANCELLED);
  g_assert_true (states_contain (seen, KASSA_INVOICE_CREATE_UNKNOWN));
  g_assert_true (states_contain (seen, KASSA_INVOICE_CANCELLING));
  g_assert_false (states_contain (seen, KASSA_INVOICE_FAILED));
  g_assert_nonnull (kassa_invoice_get_last_error (invoice));
  g_assert_nonnull (strstr (kassa_invoice_get_last_error (invoice), "QR"));

  table = kassa_test_sim_invoices (f->sim);
  g_assert_cmpuint (g_hash_table_size (table), ==, 1);
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

/* The same for a phone invoice: it needs no payload, so it is kept and paid. */
static void
test_create_timeout_phone (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) none = NULL;
  KassaInvoice *invoice;

  kassa_test_sim_fault (f->sim, "phone", "delay", (CLIENT_TIMEOUT_S + 1) * 1000, 1);
  none = run_sale (f, 1000, KASSA_INVOICE_METHOD_PHONE, "99112233", &error);
  g_assert_null (none);
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_UNKNOWN_OUTCOME);
  invoice = g_ptr_array_index (f->added, 0);

  wait_for_state (invoice, KASSA_INVOICE_AWAITING_PAYMENT);
  sim_invoice_action (f, "/sim/pay", invoice);
  wait_for_state (invoice, KASSA_INVOICE_PAID);
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

static void
test_check_faults (Fixture       *f,
                   gconstpointer  data)
{
  const char *kind = data;
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);

  f->seen_offline = FALSE;
  f->seen_online_after_offline = FALSE;
  kassa_test_sim_fault (f->sim, "check", kind, 0, 3);
  kassa_test_wait_for (&f->seen_offline, WAIT_S);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);

  sim_invoice_action (f, "/sim/pay", invoice);
  wait_for_state (invoice, KASSA_INVOICE_PAID);
  g_assert_true (f->seen_online_after_offline);
  g_assert_cmpint (kassa_till_get_connection_state (f->till), ==, KASSA_CONNECTION_ONLINE);
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

/* ---- refund ---- */

static void
test_refund (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  g_autoptr(KassaInvoice) unpaid = sale_ok (f, 1100, KASSA_INVOICE_METHOD_QR, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *history_before = NULL;
  g_autofree char *history_after = NULL;
  g_autofree char *state = NULL;
  g_autoptr(GPtrArray) audit = NULL;
  const KassaAuditEntry *row;

  sim_invoice_action (f, "/sim/pay", invoice);
  wait_for_state (invoice, KASSA_INVOICE_PAID);

  /* No PIN set: every refund is refused. */
  g_assert_false (run_refund (f, invoice, PIN, &error));
  g_assert_error (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_NO_PIN);
  g_clear_error (&error);

  set_pin (f);
  stored = kassa_journal_get_meta (f->journal, "manager-pin", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (stored, "pbkdf2-sha256$"));
  g_assert_null (strstr (stored, PIN));

  history_before = kassa_journal_get_history_json (f->journal, invoice, NULL);
  g_assert_false (run_refund (f, invoice, "1111", &error));
  g_assert_error (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_WRONG_PIN);
  g_assert_nonnull (strstr (error->message, "refund was not made"));
  g_clear_error (&error);
  g_assert_false (run_refund (f, invoice, NULL, &error));
  g_assert_error (error, KASSA_MANAGER_ERROR, KASSA_MANAGER_ERROR_INVALID_PIN);
  g_clear_error (&error);
  /* Nothing journaled by a refused refund. */
  history_after = kassa_journal_get_history_json (f->journal, invoice, NULL);
  g_assert_cmpstr (history_before, ==, history_after);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);

  /* An unpaid invoice cannot be refunded, even with the PIN. */
  g_assert_false (run_refund (f, unpaid, PIN, &error));
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL);
  g_clear_error (&error);

  g_assert_true (run_refund (f, invoice, PIN, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_REFUNDED);
  state = sim_state (f, invoice);
  g_assert_cmpstr (state, ==, "refunded");

  g_assert_false (run_refund (f, invoice, PIN, &error));
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL);
  g_clear_error (&error);

  /* PIN cleared: refused again. */
  g_assert_true (kassa_manager_set_pin (kassa_till_get_manager (f->till), PIN, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (kassa_manager_has_pin (kassa_till_get_manager (f->till)));
  g_assert_true (run_cancel (f, unpaid, NULL));

  /* The audit log: pin-set, the wrong PIN and the refund, for this invoice. */
  audit = kassa_journal_list_audit (f->journal, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (audit->len, ==, 4);
  row = g_ptr_array_index (audit, 1);
  g_assert_cmpstr (row->action, ==, "refund");
  g_assert_cmpstr (row->result, ==, "wrong-pin");
  g_assert_cmpstr (row->subject, ==, kassa_invoice_get_number (invoice));
  row = g_ptr_array_index (audit, 2);
  g_assert_cmpstr (row->action, ==, "refund");
  g_assert_cmpstr (row->result, ==, "authorised");
  row = g_ptr_array_index (audit, 3);
  g_assert_cmpstr (row->action, ==, "pin-clear");
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

static void
test_refund_timeout (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (KassaInvoiceState));

  set_pin (f);
  sim_invoice_action (f, "/sim/pay", invoice);
  wait_for_state (invoice, KASSA_INVOICE_PAID);
  record_states (invoice, seen);

  kassa_test_sim_fault (f->sim, "refund", "delay", (CLIENT_TIMEOUT_S + 1) * 1000, 1);
  g_assert_false (run_refund (f, invoice, PIN, &error));
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_UNKNOWN_OUTCOME);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_REFUND_UNKNOWN);

  /* Checks see "paid" until the delayed refund is carried out; the till does
   * not believe them before a late refund could have arrived. */
  wait_for_state (invoice, KASSA_INVOICE_REFUNDED);
  g_assert_false (states_contain (seen, KASSA_INVOICE_PAID));
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

/* ---- settlement ---- */

static void
test_settlement (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(KassaInvoice) a = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  g_autoptr(KassaInvoice) b = sale_ok (f, 2500, KASSA_INVOICE_METHOD_PHONE, "99112233");
  g_autoptr(KassaInvoice) c = sale_ok (f, 700, KASSA_INVOICE_METHOD_DEEPLINK, NULL);
  g_autoptr(KassaInvoice) unpaid = sale_ok (f, 900, KASSA_INVOICE_METHOD_QR, NULL);
  g_autoptr(KassaSettlement) settlement = NULL;
  g_autoptr(KassaSettlement) empty = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *numbers;

  set_pin (f);
  sim_invoice_action (f, "/sim/pay", a);
  sim_invoice_action (f, "/sim/pay", b);
  sim_invoice_action (f, "/sim/pay", c);
  wait_for_state (a, KASSA_INVOICE_PAID);
  wait_for_state (b, KASSA_INVOICE_PAID);
  wait_for_state (c, KASSA_INVOICE_PAID);
  g_assert_true (run_refund (f, c, PIN, NULL));

  settlement = run_settle (f, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_settlement_get_state (settlement), ==, KASSA_SETTLEMENT_SETTLED);
  g_assert_true (kassa_settlement_get_has_bank_reply (settlement));
  g_assert_cmpint (kassa_settlement_get_bank_count (settlement), ==, 2);
  g_assert_cmpint (kassa_settlement_get_bank_amount (settlement), ==, 3500);
  g_assert_cmpint (kassa_settlement_get_local_count (settlement), ==, 2);
  g_assert_cmpint (kassa_settlement_get_local_amount (settlement), ==, 3500);
  g_assert_true (kassa_settlement_reconcile (settlement));
  numbers = kassa_settlement_get_invoices (settlement);
  g_assert_cmpuint (g_strv_length ((char **) numbers), ==, 2);
  g_assert_true (g_strv_contains (numbers, kassa_invoice_get_number (a)));
  g_assert_true (g_strv_contains (numbers, kassa_invoice_get_number (b)));

  /* Right after, a new batch is empty and says so. */
  empty = run_settle (f, &error);
  g_assert_no_error (error);
  g_assert_true (empty != settlement);
  g_assert_cmpstr (kassa_settlement_get_id (empty), !=, kassa_settlement_get_id (settlement));
  g_assert_true (kassa_settlement_get_empty (empty));
  g_assert_cmpint (kassa_settlement_get_bank_count (empty), ==, 0);
  g_assert_true (kassa_settlement_reconcile (empty));

  g_assert_true (run_cancel (f, unpaid, NULL));
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

typedef struct
{
  KassaSettlementState want;
  gboolean             done;
} SettleWait;

static void
on_settlement_state_cb (KassaSettlement *settlement,
                        GParamSpec      *pspec,
                        SettleWait      *w)
{
  if (kassa_settlement_get_state (settlement) == w->want)
    w->done = TRUE;
}

static void
test_settlement_timeout (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(KassaInvoice) a = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) open = NULL;
  g_autoptr(GPtrArray) all = NULL;
  KassaSettlement *settlement;
  SettleWait w = { KASSA_SETTLEMENT_SETTLED, FALSE };

  sim_invoice_action (f, "/sim/pay", a);
  wait_for_state (a, KASSA_INVOICE_PAID);

  kassa_test_sim_fault (f->sim, "settlement", "delay", (CLIENT_TIMEOUT_S + 1) * 1000, 1);
  g_assert_null (run_settle (f, &error));
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_UNKNOWN_OUTCOME);

  open = kassa_journal_list_open_settlements (f->journal, NULL);
  g_assert_cmpuint (open->len, ==, 1);
  settlement = g_ptr_array_index (open, 0);

  /* The till sends the same id again until the bank answers. */
  g_signal_connect (settlement, "notify::state", G_CALLBACK (on_settlement_state_cb), &w);
  w.done = kassa_settlement_get_state (settlement) == KASSA_SETTLEMENT_SETTLED;
  kassa_test_wait_for (&w.done, WAIT_S);
  g_signal_handlers_disconnect_by_data (settlement, &w);
  g_assert_cmpint (kassa_settlement_get_bank_count (settlement), ==, 1);
  g_assert_cmpint (kassa_settlement_get_bank_amount (settlement), ==, 1000);
  g_assert_true (kassa_settlement_reconcile (settlement));

  all = kassa_journal_list_settlements (f->journal, NULL);
  g_assert_cmpuint (all->len, ==, 1);
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

/* ---- recovery ---- */

static void
test_recover_never_sent (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autofree char *summary = NULL;
  KassaTestAsync w = { 0, };

  /* Kassa stopped right after the write-ahead commit. */
  invoice = kassa_journal_create_invoice (f->journal, KASSA_TEST_TERMINAL, 1000,
                                          KASSA_INVOICE_METHOD_QR, NULL, NULL, &error);
  g_assert_no_error (error);

  fixture_new_till (f);
  g_assert_false (kassa_till_get_recovered (f->till));

  /* No sale before recovery. */
  kassa_till_sale_async (f->till, 1000, KASSA_INVOICE_METHOD_QR, NULL, NULL, NULL,
                         kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  g_assert_null (kassa_till_sale_finish (f->till, w.result, &error));
  g_object_unref (w.result);
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_NOT_RECOVERED);
  g_clear_error (&error);
  g_assert_null (run_settle (f, &error));
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_NOT_RECOVERED);
  g_clear_error (&error);

  summary = fixture_recover (f);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_FAILED);
  g_assert_cmpstr (summary, ==, "1 payment recovered: 1 never reached the bank");
  kassa_test_assert_journal_agrees (f->journal, f->sim);

  /* Now sales work. */
  g_clear_object (&invoice);
  invoice = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  g_assert_true (run_cancel (f, invoice, NULL));
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

static void
test_recover_paid_while_away (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(KassaInvoice) lost_reply = NULL;
  g_autoptr(KassaBankInvoiceReply) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  KassaTestAsync w = { 0, };

  fixture_new_till (f);
  g_free (fixture_recover (f));
  invoice = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  /* The till goes away while it polls (its pending check is cancelled). */
  fixture_drop_till (f);
  sim_invoice_action (f, "/sim/pay", invoice);

  /* Another invoice reached the bank, but Kassa stopped before the reply
   * was journaled: the customer never saw its QR. */
  lost_reply = kassa_journal_create_invoice (f->journal, KASSA_TEST_TERMINAL, 1200,
                                             KASSA_INVOICE_METHOD_QR, NULL, NULL, &error);
  g_assert_no_error (error);
  kassa_bank_client_qr_async (f->client, 1200, kassa_invoice_get_number (lost_reply), NULL,
                              kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  reply = kassa_bank_client_qr_finish (f->client, w.result, &error);
  g_object_unref (w.result);
  g_assert_no_error (error);

  fixture_new_till (f);
  summary = fixture_recover (f);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
  g_assert_nonnull (kassa_invoice_get_approval_code (invoice));
  g_assert_cmpint (kassa_invoice_get_state (lost_reply), ==, KASSA_INVOICE_CANCELLED);
  g_assert_cmpstr (summary, ==, "2 payments recovered: 1 paid, 1 cancelled");
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

/* An invoice left in CANCELLING and one in REFUND_UNKNOWN are both resolved. */
static void
test_recover_cancel_and_refund (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(KassaInvoice) cancelling = NULL;
  g_autoptr(KassaInvoice) refunding = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;

  fixture_new_till (f);
  g_free (fixture_recover (f));
  set_pin (f);
  cancelling = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  refunding = sale_ok (f, 1300, KASSA_INVOICE_METHOD_QR, NULL);
  sim_invoice_action (f, "/sim/pay", refunding);
  wait_for_state (refunding, KASSA_INVOICE_PAID);
  fixture_drop_till (f);

  /* Kassa stopped right after journaling the cancel and the refund. */
  g_assert_true (kassa_journal_move (f->journal, cancelling, KASSA_INVOICE_CANCELLING,
                                     NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (kassa_journal_move (f->journal, refunding, KASSA_INVOICE_REFUNDING,
                                     NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  fixture_new_till (f);
  summary = fixture_recover (f);
  /* The cancel is sent again; the refund was never sent, so it stays paid. */
  g_assert_cmpint (kassa_invoice_get_state (cancelling), ==, KASSA_INVOICE_CANCELLED);
  g_assert_cmpint (kassa_invoice_get_state (refunding), ==, KASSA_INVOICE_PAID);
  g_assert_cmpstr (summary, ==, "2 payments recovered: 1 paid, 1 cancelled");
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

/* A cancel that waits (the create's outcome is still unknown) ends at once
 * when its GCancellable fires, and is withdrawn: nothing was sent yet. */
static void
test_cancel_cancellable (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) none = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  KassaInvoice *invoice;
  KassaTestAsync w = { 0, };

  kassa_test_sim_fault (f->sim, "phone", "delay", (CLIENT_TIMEOUT_S + 1) * 1000, 1);
  none = run_sale (f, 1000, KASSA_INVOICE_METHOD_PHONE, "99112233", &error);
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_UNKNOWN_OUTCOME);
  g_clear_error (&error);
  invoice = g_ptr_array_index (f->added, 0);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_CREATE_UNKNOWN);

  kassa_till_cancel_async (f->till, invoice, cancellable, kassa_test_async_done_cb, &w);
  g_cancellable_cancel (cancellable);
  kassa_test_wait_for (&w.done, WAIT_S);
  g_assert_false (kassa_till_cancel_finish (f->till, w.result, &error));
  g_object_unref (w.result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_CREATE_UNKNOWN);

  wait_for_state (invoice, KASSA_INVOICE_AWAITING_PAYMENT);
  sim_invoice_action (f, "/sim/pay", invoice);
  wait_for_state (invoice, KASSA_INVOICE_PAID);
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

/* ---- check now ---- */

static void
test_check_now (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = NULL;

  /* Polls far apart: only "check now" can find the payment within the wait. */
  kassa_till_set_poll_schedule (f->till, 600000, 120, 600000);
  invoice = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  sim_invoice_action (f, "/sim/pay", invoice);
  kassa_till_check_now (f->till, invoice);
  wait_for_state (invoice, KASSA_INVOICE_PAID);
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

/* ---- a bank whose QR asks the wrong amount ----
 *
 * The simulator always sends a correct payload, so this one test uses a
 * minimal stand-in bank: qr answers with an EMV payload for amount + 100,
 * cancel succeeds, check then says CANCELLED. */

typedef struct
{
  GPtrArray *paths;
  gboolean   cancelled;
} FakeBank;

static void
fake_bank_cb (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  FakeBank *bank = user_data;
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *body = NULL;
  gint64 amount = 0;

  g_ptr_array_add (bank->paths, g_strdup (path));
  if (json_parser_load_from_data (parser, request->data, request->length, NULL))
    {
      JsonObject *o = json_node_get_object (json_parser_get_root (parser));

      g_ascii_string_to_signed (json_object_get_string_member_with_default (o, "amount", "0"),
                                10, 0, G_MAXINT64, &amount, NULL);
    }

  if (g_str_equal (path, "/pos/invoice/qr"))
    {
      g_autofree char *wrong = g_strdup_printf ("%" G_GINT64_FORMAT, amount + 100);
      g_autofree char *tlv = g_strdup_printf ("000201010212530349654%02u%s5802MN",
                                              (guint) strlen (wrong), wrong);
      g_autofree char *payload = kassa_emv_seal (tlv, KASSA_EMV_CRC_X25);

      body = g_strdup_printf ("{\"header\":{\"code\":200,\"status\":\"success\"},"
                              "\"body\":{\"response\":{\"desc\":\"%s\",\"status\":\"SUCCESS\"}}}",
                              payload);
    }
  else if (g_str_equal (path, "/pos/invoice/cancel"))
    {
      bank->cancelled = TRUE;
      body = g_strdup ("{\"header\":{\"code\":200,\"status\":\"success\"},"
                       "\"body\":{\"response\":{\"desc\":\"ok\",\"status\":\"SUCCESS\"}}}");
    }
  else
    {
      body = g_strdup_printf ("{\"header\":{\"code\":400,\"status\":\"failed\"},"
                              "\"body\":{\"error\":{\"errorType\":\"%s\",\"errorDesc\":\"-\"}}}",
                              bank->cancelled ? "CANCELLED" : "NOT_PAID");
    }

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    body, strlen (body));
}

static void
test_wrong_payload_amount (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(KassaBankClient) client = NULL;
  g_autoptr(KassaTill) till = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(KassaInvoice) none = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "fake.sqlite", NULL);
  g_autofree char *url = NULL;
  GSList *uris;
  FakeBank bank = { g_ptr_array_new_with_free_func (g_free), FALSE };
  Fixture f = { 0, };

  soup_server_add_handler (server, NULL, fake_bank_cb, &bank, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  journal = kassa_journal_open (path, &error);
  g_assert_no_error (error);
  client = kassa_bank_client_new (url, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, NULL, NULL, &error);
  g_assert_no_error (error);
  kassa_bank_client_set_timeout (client, CLIENT_TIMEOUT_S);

  f.journal = journal;
  f.client = client;
  f.added = g_ptr_array_new_with_free_func (g_object_unref);
  fixture_new_till (&f);
  till = g_steal_pointer (&f.till);
  f.till = till;
  g_free (fixture_recover (&f));

  none = run_sale (&f, 1500, KASSA_INVOICE_METHOD_QR, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_PAYLOAD);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "1600"));
  invoice = g_object_ref (g_ptr_array_index (f.added, 0));

  /* Cancelled at the bank, the reason kept, the bad payload never stored. */
  wait_for_state (invoice, KASSA_INVOICE_CANCELLED);
  g_assert_true (bank.cancelled);
  g_assert_null (kassa_invoice_get_payload (invoice));
  g_assert_nonnull (strstr (kassa_invoice_get_last_error (invoice), "1600"));
  g_assert_cmpstr (g_ptr_array_index (bank.paths, 0), ==, "/pos/invoice/qr");
  g_assert_cmpstr (g_ptr_array_index (bank.paths, 1), ==, "/pos/invoice/cancel");

  f.till = NULL;
  g_assert_finalize_object (g_steal_pointer (&till));
  g_ptr_array_unref (f.added);
  g_ptr_array_unref (bank.paths);
  g_free (f.recovered_summary);
}

/* A bank whose cancel replies carry only one of the two success fields
 * (kassa-bank-sim --cancel-reply @data), and a till on the default reading. */
static void
fixture_setup_cancel_reply (Fixture       *f,
                            gconstpointer  data)
{
  fixture_setup_with (f, NULL, NULL);
  kassa_test_sim_free (f->sim);
  f->sim = kassa_test_sim_spawn ("--cancel-reply", (const char *) data, NULL);
  g_clear_object (&f->client);
  f->client = new_client (f, NULL);
  fixture_new_till (f);
  g_free (fixture_recover (f));
}

/* A cashier's cancel whose answer was lost, resolved after a restart by a
 * till whose expiry the invoice has outlived: the journal says the cancel
 * was the cashier's, so it ends CANCELLED, not EXPIRED. A cancel journaled
 * without a reason (by an older Kassa) keeps the old reading by age. */
static void
test_recover_cashier_cancel (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(KassaInvoice) unexplained = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  KassaCancelReason reason = KASSA_CANCEL_REASON_UNKNOWN;

  fixture_new_till (f);
  g_free (fixture_recover (f));
  invoice = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  unexplained = sale_ok (f, 1100, KASSA_INVOICE_METHOD_QR, NULL);

  /* The bank holds the cancel past the client's timeout (and carries it out later). */
  kassa_test_sim_fault (f->sim, "cancel", "delay", (CLIENT_TIMEOUT_S + 1) * 1000, 1);
  g_assert_false (run_cancel (f, invoice, &error));
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_UNKNOWN_OUTCOME);
  g_clear_error (&error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_CANCEL_UNKNOWN);
  g_assert_true (kassa_journal_get_cancel_reason (f->journal, invoice, &reason, NULL));
  g_assert_cmpint (reason, ==, KASSA_CANCEL_REASON_CASHIER);
  fixture_drop_till (f);

  g_assert_true (kassa_journal_move (f->journal, unexplained, KASSA_INVOICE_CANCELLING,
                                     NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  /* Both invoices are more than CLIENT_TIMEOUT_S old: past this expiry. */
  fixture_new_till (f);
  kassa_till_set_expiry (f->till, 1);
  summary = fixture_recover (f);
  g_assert_cmpstr (kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)), ==,
                   "CANCELLED");
  g_assert_cmpstr (kassa_invoice_state_to_string (kassa_invoice_get_state (unexplained)), ==,
                   "EXPIRED");
  g_assert_cmpstr (summary, ==, "2 payments recovered: 2 cancelled");
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

/* The expiry's cancel, its answer lost, resolved after a restart by a till
 * whose expiry the invoice has not reached: it still ends EXPIRED. */
static void
test_recover_expiry_cancel (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autofree char *summary = NULL;
  KassaCancelReason reason = KASSA_CANCEL_REASON_UNKNOWN;

  fixture_new_till (f);
  kassa_till_set_expiry (f->till, 2);
  g_free (fixture_recover (f));
  kassa_test_sim_fault (f->sim, "cancel", "delay", (CLIENT_TIMEOUT_S + 1) * 1000, 1);
  invoice = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  wait_for_state (invoice, KASSA_INVOICE_CANCEL_UNKNOWN);
  g_assert_true (kassa_journal_get_cancel_reason (f->journal, invoice, &reason, NULL));
  g_assert_cmpint (reason, ==, KASSA_CANCEL_REASON_EXPIRY);
  fixture_drop_till (f);

  /* The default expiry (600 s): by its age the invoice is far from expired. */
  fixture_new_till (f);
  summary = fixture_recover (f);
  g_assert_cmpstr (kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)), ==,
                   "EXPIRED");
  g_assert_cmpstr (summary, ==, "1 payment recovered: 1 cancelled");
  kassa_test_assert_journal_agrees (f->journal, f->sim);
}

/* ::invoice-tracked announces every invoice the till follows: a new sale
 * (before ::invoice-added), one left awaiting payment at the stop (so an
 * observer sees it paid after the restart), and a paid one again when it is
 * refunded. */
typedef struct
{
  GString   *log;
  GPtrArray *tracked;
} TrackedLog;

static void
on_tracked_logged_cb (KassaTill    *till,
                      KassaInvoice *invoice,
                      TrackedLog   *t)
{
  g_string_append_printf (t->log, "tracked %s %s;", kassa_invoice_get_number (invoice),
                          kassa_invoice_state_to_string (kassa_invoice_get_state (invoice)));
  g_ptr_array_add (t->tracked, g_object_ref (invoice));
}

static void
on_added_logged_cb (KassaTill    *till,
                    KassaInvoice *invoice,
                    TrackedLog   *t)
{
  g_string_append_printf (t->log, "added %s;", kassa_invoice_get_number (invoice));
}

static void
test_recover_tracked (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (KassaInvoiceState));
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *number = NULL;
  TrackedLog t = { g_string_new (NULL), g_ptr_array_new_with_free_func (g_object_unref) };
  KassaInvoice *recovered;

  fixture_new_till (f);
  g_signal_connect (f->till, "invoice-tracked", G_CALLBACK (on_tracked_logged_cb), &t);
  g_signal_connect (f->till, "invoice-added", G_CALLBACK (on_added_logged_cb), &t);
  g_free (fixture_recover (f));
  invoice = sale_ok (f, 1000, KASSA_INVOICE_METHOD_QR, NULL);
  number = g_strdup (kassa_invoice_get_number (invoice));
  expected = g_strdup_printf ("tracked %s CREATING;added %s;", number, number);
  g_assert_cmpstr (t.log->str, ==, expected);
  fixture_drop_till (f);
  g_clear_object (&invoice);

  /* After the restart the unpaid invoice is followed again, by a new object. */
  g_string_truncate (t.log, 0);
  g_ptr_array_set_size (t.tracked, 0);
  fixture_new_till (f);
  g_signal_connect (f->till, "invoice-tracked", G_CALLBACK (on_tracked_logged_cb), &t);
  g_signal_connect (f->till, "invoice-added", G_CALLBACK (on_added_logged_cb), &t);
  summary = fixture_recover (f);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("tracked %s AWAITING_PAYMENT;", number);
  g_assert_cmpstr (t.log->str, ==, expected);
  g_assert_cmpuint (t.tracked->len, ==, 1);
  recovered = g_ptr_array_index (t.tracked, 0);
  g_assert_cmpint (kassa_invoice_get_state (recovered), ==, KASSA_INVOICE_AWAITING_PAYMENT);

  /* Paid after the restart: the observer sees the edge into PAID. */
  record_states (recovered, seen);
  sim_invoice_action (f, "/sim/pay", recovered);
  wait_for_state (recovered, KASSA_INVOICE_PAID);
  g_assert_true (states_contain (seen, KASSA_INVOICE_PAID));

  /* Its tracking ended when it was paid; the refund announces it again. */
  set_pin (f);
  g_assert_true (run_refund (f, recovered, PIN, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (recovered), ==, KASSA_INVOICE_REFUNDED);
  g_assert_cmpuint (t.tracked->len, ==, 2);
  g_assert_true (g_ptr_array_index (t.tracked, 1) == recovered);
  kassa_test_assert_journal_agrees (f->journal, f->sim);

  fixture_drop_till (f);
  g_ptr_array_unref (t.tracked);
  g_string_free (t.log, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/till/read-check", test_read_check);
  g_test_add_func ("/till/validate-payload", test_validate_payload);
  g_test_add_func ("/till/sale/wrong-payload-amount", test_wrong_payload_amount);

#define ADD(path, fn) \
  g_test_add ("/till/" path, Fixture, NULL, fixture_setup, fn, fixture_teardown)

  ADD ("sale/qr", test_sale_qr);
  ADD ("sale/deeplink", test_sale_deeplink);
  ADD ("sale/phone", test_sale_phone);
  ADD ("sale/bad-input", test_sale_bad_input);
  ADD ("decline", test_decline);
  ADD ("check-now", test_check_now);
  ADD ("cancel/simple", test_cancel);
  ADD ("cancel/paid", test_cancel_paid);
  ADD ("cancel/race", test_cancel_race);
  ADD ("cancel/cancellable", test_cancel_cancellable);
  ADD ("expiry", test_expiry);
  ADD ("create-timeout/qr", test_create_timeout_qr);
  ADD ("create-timeout/phone", test_create_timeout_phone);
  ADD ("refund/pin", test_refund);
  ADD ("refund/timeout", test_refund_timeout);
  ADD ("settlement/reconcile", test_settlement);
  ADD ("settlement/timeout", test_settlement_timeout);

#undef ADD

  g_test_add ("/till/check-fault/http500", Fixture, "http500", fixture_setup,
              test_check_faults, fixture_teardown);
  g_test_add ("/till/check-fault/malformed", Fixture, "malformed", fixture_setup,
              test_check_faults, fixture_teardown);
  g_test_add ("/till/check-fault/drop", Fixture, "drop", fixture_setup,
              test_check_faults, fixture_teardown);
  g_test_add ("/till/check-fault/code500", Fixture, "code500", fixture_setup,
              test_check_faults, fixture_teardown);
  g_test_add ("/till/resp-code-reading", Fixture, NULL, fixture_setup_resp_code,
              test_resp_code_reading, fixture_teardown);
  g_test_add ("/till/recover/never-sent", Fixture, NULL, fixture_setup_bare,
              test_recover_never_sent, fixture_teardown);
  g_test_add ("/till/recover/paid-while-away", Fixture, NULL, fixture_setup_bare,
              test_recover_paid_while_away, fixture_teardown);
  g_test_add ("/till/recover/cancel-and-refund", Fixture, NULL, fixture_setup_bare,
              test_recover_cancel_and_refund, fixture_teardown);
  g_test_add ("/till/recover/cashier-cancel-of-old-invoice", Fixture, NULL, fixture_setup_bare,
              test_recover_cashier_cancel, fixture_teardown);
  g_test_add ("/till/recover/expiry-cancel", Fixture, NULL, fixture_setup_bare,
              test_recover_expiry_cancel, fixture_teardown);
  g_test_add ("/till/recover/tracked", Fixture, NULL, fixture_setup_bare,
              test_recover_tracked, fixture_teardown);

  /* Either success field alone is a cancel under the default reading. */
  g_test_add ("/till/cancel-reply/status", Fixture, "status", fixture_setup_cancel_reply,
              test_cancel, fixture_teardown);
  g_test_add ("/till/cancel-reply/resp-code", Fixture, "resp-code", fixture_setup_cancel_reply,
              test_cancel, fixture_teardown);

  return g_test_run ();
}
