/* test-charge-queue.c — KassaChargeQueue: charges that wait until Kassa can take payments
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No display: a real journal, a real till and counter over the training bank
 * (an in-process KassaBankSim on loopback), as the application has them.
 */

#include "config.h"

#include <string.h>

#include "kassa-bank-sim.h"
#include "kassa-charge-queue.h"
#include "kassa-error.h"
#include "kassa-test-util.h"
#include "kassa-training.h"

#define LIMIT_S 20

typedef struct
{
  char             *journal_path;
  KassaBankSim     *bank;
  KassaBankClient  *client;
  KassaJournal     *journal;
  KassaTill        *till;
  KassaCounter     *counter;
  KassaChargeQueue *queue;
  guint             accepted;
  guint             counter_notifies;
} Fixture;

static void
on_accepted_cb (KassaChargeQueue *queue,
                Fixture          *f)
{
  f->accepted++;
}

static void
on_counter_cb (KassaChargeQueue *queue,
               GParamSpec       *pspec,
               Fixture          *f)
{
  f->counter_notifies++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *state = NULL;

  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  f->journal_path = g_build_filename (g_get_user_data_dir (), "queue.sqlite", NULL);
  state = kassa_training_state_path (f->journal_path);
  f->bank = kassa_training_bank_new (state, &secret, &error);
  g_assert_no_error (error);
  f->client = kassa_training_client_new (f->bank, secret, &error);
  g_assert_no_error (error);
  explicit_bzero (secret, strlen (secret));

  f->queue = kassa_charge_queue_new ();
  g_signal_connect (f->queue, "accepted", G_CALLBACK (on_accepted_cb), f);
  g_signal_connect (f->queue, "notify::counter", G_CALLBACK (on_counter_cb), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  kassa_charge_queue_set_counter (f->queue, NULL);
  g_assert_finalize_object (g_steal_pointer (&f->queue));
  g_clear_object (&f->counter);
  g_clear_object (&f->till);
  if (f->journal != NULL)
    kassa_journal_close (f->journal);
  g_clear_object (&f->journal);
  g_clear_object (&f->client);
  kassa_bank_sim_shutdown (f->bank);
  g_clear_object (&f->bank);
  g_free (f->journal_path);
}

/* What start-up makes: journal, till, counter (not recovered yet). */
static void
open_counter (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->journal = kassa_journal_open (f->journal_path, &error);
  g_assert_no_error (error);
  f->till = kassa_till_new (f->journal, f->client);
  f->counter = kassa_counter_new (f->till, KASSA_TRAINING_CUSTOMER (f->bank));
}

static void
on_recovered_cb (KassaTill  *till,
                 GParamSpec *pspec,
                 gboolean   *recovered)
{
  *recovered = kassa_till_get_recovered (till);
}

/* Recovery as at start-up; the queue notices it by itself (notify::recovered). */
static void
recover (Fixture *f)
{
  gboolean recovered = FALSE;
  gulong id = g_signal_connect (f->till, "notify::recovered", G_CALLBACK (on_recovered_cb),
                                &recovered);

  kassa_till_recover_async (f->till, NULL, NULL, NULL);
  kassa_test_wait_for (&recovered, LIMIT_S);
  g_signal_handler_disconnect (f->till, id);
}

static void
charge_start (Fixture        *f,
              gint64          amount,
              KassaTestAsync *w)
{
  kassa_charge_queue_charge_async (f->queue, amount, KASSA_INVOICE_METHOD_QR, NULL, "queue-test",
                                   NULL, kassa_test_async_done_cb, w);
}

static KassaInvoice *
charge_finish (Fixture         *f,
               KassaTestAsync  *w,
               GError         **error)
{
  KassaInvoice *invoice;

  kassa_test_wait_for (&w->done, LIMIT_S);
  invoice = kassa_charge_queue_charge_finish (f->queue, w->result, error);
  g_clear_object (&w->result);

  return invoice;
}

/* The charge of @w completes without an invoice, with @expected (its domain,
 * code and message). */
static void
assert_charge_fails (Fixture        *f,
                     KassaTestAsync *w,
                     const GError   *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = charge_finish (f, w, &error);

  g_assert_null (invoice);
  g_assert_error (error, expected->domain, expected->code);
  g_assert_cmpstr (error->message, ==, expected->message);
}

/* A few turns of the main loop: what is waiting keeps waiting. */
static void
spin (void)
{
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* ---- tests ---- */

static void
test_waits_for_recovery (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  KassaTestAsync w = { 0, };

  /* Kassa is starting: no counter yet. */
  g_assert_null (kassa_charge_queue_get_counter (f->queue));
  g_assert_null (kassa_charge_queue_require_counter (f->queue, &error));
  g_assert_error (error, KASSA_COUNTER_ERROR, KASSA_COUNTER_ERROR_NOT_READY);
  g_clear_error (&error);

  charge_start (f, 1500, &w);
  g_assert_cmpuint (f->accepted, ==, 1);
  spin ();
  g_assert_false (w.done);

  /* The counter exists, recovery still runs: the charge still waits. */
  open_counter (f);
  kassa_charge_queue_set_counter (f->queue, f->counter);
  g_assert_cmpuint (f->counter_notifies, ==, 1);
  g_assert_true (kassa_charge_queue_get_counter (f->queue) == f->counter);
  g_assert_true (kassa_charge_queue_require_counter (f->queue, &error) == f->counter);
  g_assert_no_error (error);
  spin ();
  g_assert_false (w.done);
  g_assert_null (kassa_counter_get_current_invoice (f->counter));

  recover (f);
  invoice = charge_finish (f, &w, &error);
  g_assert_no_error (error);
  g_assert_nonnull (invoice);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_cmpint (kassa_invoice_get_amount (invoice), ==, 1500);
  g_assert_cmpstr (kassa_invoice_get_reference (invoice), ==, "queue-test");
  g_assert_true (kassa_counter_get_current_invoice (f->counter) == invoice);
  g_assert_cmpuint (f->accepted, ==, 1);
}

static void
test_ready (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(KassaInvoice) second = NULL;
  KassaTestAsync w = { 0, };
  KassaTestAsync w2 = { 0, };

  open_counter (f);
  recover (f);
  kassa_charge_queue_set_counter (f->queue, f->counter);
  /* The same counter again is no news. */
  kassa_charge_queue_set_counter (f->queue, f->counter);
  g_assert_cmpuint (f->counter_notifies, ==, 1);

  charge_start (f, 700, &w);
  invoice = charge_finish (f, &w, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);

  /* The counter's rules hold: one payment at a time. */
  charge_start (f, 800, &w2);
  second = charge_finish (f, &w2, &error);
  g_assert_null (second);
  g_assert_error (error, KASSA_COUNTER_ERROR, KASSA_COUNTER_ERROR_BUSY);
  g_assert_cmpuint (f->accepted, ==, 2);
}

static void
test_failed_start (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) why = g_error_new_literal (KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_LOCKED,
                                               "The journal is in use by another Kassa.");
  KassaTestAsync w = { 0, };
  KassaTestAsync late = { 0, };

  charge_start (f, 1500, &w);
  g_assert_cmpuint (f->accepted, ==, 1);

  /* Start-up failed: the waiting charge gets the reason. */
  kassa_charge_queue_fail (f->queue, why);
  assert_charge_fails (f, &w, why);

  /* A later one is refused at once, and not shown to the customer. */
  charge_start (f, 1500, &late);
  assert_charge_fails (f, &late, why);
  g_assert_cmpuint (f->accepted, ==, 1);

  g_assert_null (kassa_charge_queue_require_counter (f->queue, &error));
  g_assert_error (error, KASSA_JOURNAL_ERROR, KASSA_JOURNAL_ERROR_LOCKED);
}

static void
test_recovery_failed (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) why = g_error_new_literal (KASSA_BANK_ERROR, KASSA_BANK_ERROR_TRANSPORT,
                                               "The bank cannot be reached.");
  KassaTestAsync w = { 0, };

  open_counter (f);
  kassa_charge_queue_set_counter (f->queue, f->counter);
  charge_start (f, 1500, &w);
  spin ();
  g_assert_false (w.done);

  /* Unfinished payments could not be checked: the counter is there, but the
   * charge gets the reason instead. */
  kassa_charge_queue_fail (f->queue, why);
  assert_charge_fails (f, &w, why);
  g_assert_true (kassa_charge_queue_require_counter (f->queue, &error) == f->counter);
  g_assert_no_error (error);
  g_assert_null (kassa_counter_get_current_invoice (f->counter));
}

static void
test_close (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  KassaTestAsync w = { 0, };

  charge_start (f, 1500, &w);
  spin ();
  g_assert_false (w.done);

  kassa_charge_queue_close (f->queue);
  invoice = charge_finish (f, &w, &error);
  g_assert_null (invoice);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add ("/charge-queue/waits-for-recovery", Fixture, NULL, fixture_setup,
              test_waits_for_recovery, fixture_teardown);
  g_test_add ("/charge-queue/ready", Fixture, NULL, fixture_setup, test_ready, fixture_teardown);
  g_test_add ("/charge-queue/failed-start", Fixture, NULL, fixture_setup, test_failed_start,
              fixture_teardown);
  g_test_add ("/charge-queue/recovery-failed", Fixture, NULL, fixture_setup,
              test_recovery_failed, fixture_teardown);
  g_test_add ("/charge-queue/close", Fixture, NULL, fixture_setup, test_close, fixture_teardown);

  return g_test_run ();
}
