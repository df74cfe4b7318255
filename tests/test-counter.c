/* test-counter.c — KassaCounter, the current payment shared by every front end
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real journal file and a real till. Training cases use the training bank
 * exactly as the application does (an in-process KassaBankSim serving on
 * loopback, src/sim/kassa-training.h); the "not training" case talks to a
 * kassa-bank-sim process.
 */

#include "config.h"

#include <string.h>
#include <sys/mount.h>

#include <glib/gstdio.h>

#include "kassa-counter.h"
#include "kassa-test-util.h"
#include "kassa-training.h"

#define LIMIT_S 20

typedef struct
{
  char            *journal_path;
  KassaJournal    *journal;
  KassaBankSim    *bank;       /* training cases */
  KassaTestSim    *sim;        /* the "real bank" case */
  KassaBankClient *client;
  KassaTill       *till;
  KassaCounter    *counter;
  GPtrArray       *messages;
  guint            current_notifies;
} Fixture;

static void
on_message_cb (KassaCounter *counter,
               const char   *text,
               Fixture      *f)
{
  g_ptr_array_add (f->messages, g_strdup (text));
}

static void
on_current_cb (KassaCounter *counter,
               GParamSpec   *pspec,
               Fixture      *f)
{
  f->current_notifies++;
}

static void
recover (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  KassaTestAsync w = { 0, };

  kassa_till_recover_async (f->till, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, LIMIT_S);
  g_assert_true (kassa_till_recover_finish (f->till, w.result, &summary, &error));
  g_assert_no_error (error);
  g_object_unref (w.result);
}

/* Journal, till and counter over f->client; recovered. */
static void
open_counter (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  f->journal = kassa_journal_open (f->journal_path, &error);
  g_assert_no_error (error);
  f->till = kassa_till_new (f->journal, f->client);
  kassa_till_set_poll_schedule (f->till, 100, 120, 100);
  f->counter = kassa_counter_new (f->till, KASSA_TRAINING_CUSTOMER (f->bank));
  g_signal_connect (f->counter, "message", G_CALLBACK (on_message_cb), f);
  g_signal_connect (f->counter, "notify::current-invoice", G_CALLBACK (on_current_cb), f);
  recover (f);
}

static void
close_counter (Fixture *f)
{
  g_clear_object (&f->counter);
  g_clear_object (&f->till);
  if (f->journal != NULL)
    kassa_journal_close (f->journal);
  g_clear_object (&f->journal);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  gboolean training = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;

  f->messages = g_ptr_array_new_with_free_func (g_free);
  f->journal_path = g_build_filename (g_get_user_data_dir (), "counter.sqlite", NULL);
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);

  if (training)
    {
      g_autofree char *secret = NULL;
      g_autofree char *state = kassa_training_state_path (f->journal_path);

      f->bank = kassa_training_bank_new (state, &secret, &error);
      g_assert_no_error (error);
      f->client = kassa_training_client_new (f->bank, secret, &error);
      g_assert_no_error (error);
      explicit_bzero (secret, strlen (secret));
    }
  else
    {
      f->sim = kassa_test_sim_spawnv (NULL);
      f->client = kassa_bank_client_new (kassa_test_sim_get_url (f->sim), KASSA_TEST_TERMINAL,
                                         KASSA_TEST_SECRET, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  kassa_bank_client_set_timeout (f->client, 5);

  open_counter (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  close_counter (f);
  g_clear_object (&f->client);
  if (f->bank != NULL)
    kassa_bank_sim_shutdown (f->bank);
  g_clear_object (&f->bank);
  g_clear_pointer (&f->sim, kassa_test_sim_free);
  g_clear_pointer (&f->messages, g_ptr_array_unref);
  g_free (f->journal_path);
}

static KassaInvoice *
charge (Fixture            *f,
        gint64              amount,
        KassaInvoiceMethod  method,
        const char         *phone,
        GError            **error)
{
  KassaTestAsync w = { 0, };
  KassaInvoice *invoice;

  kassa_counter_charge_async (f->counter, amount, method, phone, NULL, NULL,
                              kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, LIMIT_S);
  invoice = kassa_counter_charge_finish (f->counter, w.result, error);
  g_object_unref (w.result);

  return invoice;
}

static gboolean
cancel (Fixture  *f,
        GError  **error)
{
  KassaTestAsync w = { 0, };
  gboolean ok;

  kassa_counter_cancel_async (f->counter, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, LIMIT_S);
  ok = kassa_counter_cancel_finish (f->counter, w.result, error);
  g_object_unref (w.result);

  return ok;
}

static void
assert_counter_error (GError *error,
                      int     code)
{
  g_assert_error (error, KASSA_COUNTER_ERROR, code);
  g_assert_nonnull (error->message);
  g_assert_cmpuint (strlen (error->message), >, 10);
}

/* ---- tests ---- */

static void
test_charge_and_pay (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  GListModel *recent = kassa_counter_get_recent_sales (f->counter);

  g_assert_true (kassa_counter_get_training (f->counter));
  g_assert_null (kassa_counter_get_current_invoice (f->counter));
  g_assert_false (kassa_counter_get_open (f->counter));
  g_assert_cmpuint (g_list_model_get_n_items (recent), ==, 0);

  invoice = charge (f, 1500, KASSA_INVOICE_METHOD_QR, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (kassa_counter_get_current_invoice (f->counter) == invoice);
  g_assert_cmpuint (f->current_notifies, ==, 1);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_true (kassa_counter_get_open (f->counter));
  g_assert_cmpuint (g_list_model_get_n_items (recent), ==, 1);

  g_assert_true (kassa_counter_customer_pays (f->counter, &error));
  g_assert_no_error (error);
  kassa_test_wait_for_state (invoice, KASSA_INVOICE_PAID, LIMIT_S);
  g_assert_false (kassa_counter_get_open (f->counter));
  /* A finished payment stays current (the display thanks the customer). */
  g_assert_true (kassa_counter_get_current_invoice (f->counter) == invoice);
  g_assert_cmpint (kassa_bank_sim_get_invoice_state (f->bank, KASSA_TRAINING_TERMINAL,
                                                    kassa_invoice_get_number (invoice), &error),
                   ==, KASSA_SIM_INVOICE_PAID);
  g_assert_no_error (error);
}

static void
test_busy (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) first = NULL;
  g_autoptr(KassaInvoice) second = NULL;
  g_autoptr(KassaInvoice) third = NULL;
  g_autoptr(GPtrArray) all = NULL;

  first = charge (f, 1500, KASSA_INVOICE_METHOD_QR, NULL, &error);
  g_assert_no_error (error);

  /* One payment at a time: refused, nothing journaled. */
  second = charge (f, 2000, KASSA_INVOICE_METHOD_QR, NULL, &error);
  g_assert_null (second);
  assert_counter_error (error, KASSA_COUNTER_ERROR_BUSY);
  g_clear_error (&error);
  all = kassa_journal_list (f->journal, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 1);
  g_assert_true (kassa_counter_get_current_invoice (f->counter) == first);

  /* Once it is cancelled, the next sale goes. */
  g_assert_true (cancel (f, &error));
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (first), ==, KASSA_INVOICE_CANCELLED);
  third = charge (f, 2000, KASSA_INVOICE_METHOD_QR, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (kassa_counter_get_current_invoice (f->counter) == third);
  g_assert_cmpuint (g_list_model_get_n_items (kassa_counter_get_recent_sales (f->counter)), ==, 2);
}

static void
test_bad_input (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(KassaInvoice) phone = NULL;
  g_autoptr(GPtrArray) all = NULL;

  invoice = charge (f, 0, KASSA_INVOICE_METHOD_QR, NULL, &error);
  g_assert_null (invoice);
  g_assert_nonnull (error);
  g_clear_error (&error);

  phone = charge (f, 1500, KASSA_INVOICE_METHOD_PHONE, "12", &error);
  g_assert_null (phone);
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* Nothing journaled, nothing current, and the counter is not stuck. */
  all = kassa_journal_list (f->journal, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 0);
  g_assert_null (kassa_counter_get_current_invoice (f->counter));
  g_clear_object (&invoice);
  invoice = charge (f, 1500, KASSA_INVOICE_METHOD_QR, NULL, &error);
  g_assert_no_error (error);
}

static void
test_no_payment (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (cancel (f, &error));
  assert_counter_error (error, KASSA_COUNTER_ERROR_NO_PAYMENT);
  g_clear_error (&error);
  g_assert_false (kassa_counter_check_now (f->counter, &error));
  assert_counter_error (error, KASSA_COUNTER_ERROR_NO_PAYMENT);
  g_clear_error (&error);
  g_assert_false (kassa_counter_customer_pays (f->counter, &error));
  assert_counter_error (error, KASSA_COUNTER_ERROR_NO_PAYMENT);
}

static void
test_decline_and_phone (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  g_autoptr(KassaInvoice) phone = NULL;

  invoice = charge (f, 1500, KASSA_INVOICE_METHOD_QR, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (kassa_counter_customer_declines (f->counter, &error));
  g_assert_no_error (error);
  kassa_test_wait_for_state (invoice, KASSA_INVOICE_DECLINED, LIMIT_S);
  g_assert_false (kassa_counter_get_open (f->counter));

  /* The customer can act only on an open payment. */
  g_assert_false (kassa_counter_customer_pays (f->counter, &error));
  assert_counter_error (error, KASSA_COUNTER_ERROR_NO_PAYMENT);
  g_clear_error (&error);

  phone = charge (f, 2500, KASSA_INVOICE_METHOD_PHONE, "99112233", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kassa_invoice_get_phone (phone), ==, "99112233");
  g_assert_true (kassa_counter_check_now (f->counter, &error));
  g_assert_no_error (error);
  g_assert_true (kassa_counter_customer_pays (f->counter, &error));
  g_assert_no_error (error);
  kassa_test_wait_for_state (phone, KASSA_INVOICE_PAID, LIMIT_S);
}

static void
test_not_training (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;

  g_assert_false (kassa_counter_get_training (f->counter));
  invoice = charge (f, 1500, KASSA_INVOICE_METHOD_QR, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (kassa_counter_customer_pays (f->counter, &error));
  assert_counter_error (error, KASSA_COUNTER_ERROR_NOT_TRAINING);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);
}

/* Today's sales come back after a restart, newest first; the recovery
 * summary reaches the cashier as a message. */
static void
test_reopen (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) paid = NULL;
  g_autoptr(KassaInvoice) open = NULL;
  g_autofree char *paid_number = NULL;
  g_autofree char *open_number = NULL;
  GListModel *recent;

  paid = charge (f, 1500, KASSA_INVOICE_METHOD_QR, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (kassa_counter_customer_pays (f->counter, &error));
  g_assert_no_error (error);
  kassa_test_wait_for_state (paid, KASSA_INVOICE_PAID, LIMIT_S);
  open = charge (f, 700, KASSA_INVOICE_METHOD_QR, NULL, &error);
  g_assert_no_error (error);
  paid_number = g_strdup (kassa_invoice_get_number (paid));
  open_number = g_strdup (kassa_invoice_get_number (open));
  g_clear_object (&paid);
  g_clear_object (&open);

  /* The till goes away with a payment open; the customer pays meanwhile. */
  close_counter (f);
  g_assert_true (kassa_bank_sim_pay (f->bank, KASSA_TRAINING_TERMINAL, open_number, &error));
  g_assert_no_error (error);
  g_ptr_array_set_size (f->messages, 0);
  open_counter (f);

  recent = kassa_counter_get_recent_sales (f->counter);
  g_assert_cmpuint (g_list_model_get_n_items (recent), ==, 2);
  {
    g_autoptr(KassaInvoice) newest = g_list_model_get_item (recent, 0);
    g_autoptr(KassaInvoice) oldest = g_list_model_get_item (recent, 1);

    g_assert_cmpstr (kassa_invoice_get_number (newest), ==, open_number);
    g_assert_cmpstr (kassa_invoice_get_number (oldest), ==, paid_number);
    /* Recovery resolved it with the bank, on the same object the list shows. */
    g_assert_cmpint (kassa_invoice_get_state (newest), ==, KASSA_INVOICE_PAID);
  }
  g_assert_cmpuint (f->messages->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (f->messages, 0), "1"));
  /* Nothing is current after a restart: the display starts idle. */
  g_assert_null (kassa_counter_get_current_invoice (f->counter));
}

/* The customer pays while the cancel is on its way: the bank refuses the
 * cancel, the payment is kept, and the cashier is told. */
static void
test_paid_after_cancel (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  KassaTestAsync w = { 0, };

  invoice = charge (f, 1500, KASSA_INVOICE_METHOD_QR, NULL, &error);
  g_assert_no_error (error);

  kassa_bank_sim_inject_fault (f->bank, KASSA_BANK_ENDPOINT_CANCEL, KASSA_SIM_FAULT_DELAY,
                               1000, 1);
  kassa_counter_cancel_async (f->counter, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for_state (invoice, KASSA_INVOICE_CANCELLING, LIMIT_S);
  g_assert_true (kassa_bank_sim_pay (f->bank, KASSA_TRAINING_TERMINAL,
                                     kassa_invoice_get_number (invoice), &error));
  g_assert_no_error (error);
  for (guint i = 0; i < f->messages->len; i++)
    g_test_message ("message: %s", (char *) g_ptr_array_index (f->messages, i));
  g_assert_cmpuint (f->messages->len, ==, 0);

  kassa_test_wait_for (&w.done, LIMIT_S);
  g_assert_false (kassa_counter_cancel_finish (f->counter, w.result, &error));
  g_object_unref (w.result);
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
  g_assert_true (kassa_invoice_get_paid_after_cancel (invoice));
  g_assert_cmpuint (f->messages->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (f->messages, 0),
                            kassa_invoice_get_number (invoice)));
}

static char *no_mounts_reason;  /* why the disk-full case is skipped, or NULL */

static void
on_message_flag_cb (KassaCounter *counter,
                    const char   *text,
                    gboolean     *flag)
{
  *flag = TRUE;
}

/* The customer pays while the journal's disk is full (a real tmpfs): the
 * cashier is told the bank said paid and that it is not recorded; the sale
 * never looks paid or unpaid-and-final. */
static void
test_disk_full (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *disk = g_build_filename (g_get_user_data_dir (), "disk", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) invoice = NULL;
  gboolean told = FALSE;
  const char *text;

  if (no_mounts_reason != NULL)
    {
      g_test_skip (no_mounts_reason);
      return;
    }

  close_counter (f);
  g_assert_cmpint (g_mkdir (disk, 0700), ==, 0);
  kassa_test_mount_tmpfs (disk, 2048);
  g_free (f->journal_path);
  f->journal_path = g_build_filename (disk, "counter.sqlite", NULL);
  open_counter (f);
  g_signal_connect (f->counter, "message", G_CALLBACK (on_message_flag_cb), &told);

  invoice = charge (f, 1500, KASSA_INVOICE_METHOD_QR, NULL, &error);
  g_assert_no_error (error);
  kassa_test_fill_disk (disk);
  g_assert_true (kassa_counter_customer_pays (f->counter, &error));
  g_assert_no_error (error);
  kassa_test_wait_for (&told, LIMIT_S);

  g_assert_cmpuint (f->messages->len, ==, 1);
  text = g_ptr_array_index (f->messages, 0);
  g_assert_nonnull (strstr (text, kassa_invoice_get_number (invoice)));
  g_assert_nonnull (strstr (text, "is paid, but it could not be recorded"));
  g_assert_nonnull (strstr (text, "the disk is full"));
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);
  g_assert_true (kassa_counter_get_open (f->counter));

  /* Room again: the payment is recorded by the till's next try. */
  kassa_test_unfill_disk (disk);
  kassa_test_wait_for_state (invoice, KASSA_INVOICE_PAID, LIMIT_S);

  close_counter (f);
  g_assert_cmpint (umount2 (disk, MNT_DETACH), ==, 0);
}

/* The journal deleted while the counter runs: put back, and the cashier is told. */
static void
test_journal_deleted (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaInvoice) first = NULL;
  g_autoptr(KassaInvoice) second = NULL;
  g_autoptr(KassaJournal) reopened = NULL;
  g_autoptr(KassaInvoice) found = NULL;

  first = charge (f, 1500, KASSA_INVOICE_METHOD_QR, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_unlink (f->journal_path), ==, 0);

  g_assert_true (kassa_counter_customer_pays (f->counter, &error));
  g_assert_no_error (error);
  kassa_test_wait_for_state (first, KASSA_INVOICE_PAID, LIMIT_S);
  g_assert_cmpuint (f->messages->len, >=, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (f->messages, 0), "was deleted or moved away"));
  g_assert_nonnull (strstr (g_ptr_array_index (f->messages, 0), f->journal_path));

  close_counter (f);
  reopened = kassa_journal_open (f->journal_path, &error);
  g_assert_no_error (error);
  found = kassa_journal_lookup (reopened, kassa_invoice_get_number (first), &error);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (found), ==, KASSA_INVOICE_PAID);
}

int
main (int   argc,
      char *argv[])
{
  /* Before any thread: the mount namespace is the whole process's. */
  if (!kassa_test_private_mounts (&no_mounts_reason))
    g_printerr ("# the disk-full case will be skipped: %s\n", no_mounts_reason);

  kassa_test_init (&argc, &argv);

  g_test_add ("/counter/charge-and-pay", Fixture, GINT_TO_POINTER (TRUE), fixture_setup,
              test_charge_and_pay, fixture_teardown);
  g_test_add ("/counter/busy", Fixture, GINT_TO_POINTER (TRUE), fixture_setup, test_busy,
              fixture_teardown);
  g_test_add ("/counter/bad-input", Fixture, GINT_TO_POINTER (TRUE), fixture_setup,
              test_bad_input, fixture_teardown);
  g_test_add ("/counter/no-payment", Fixture, GINT_TO_POINTER (TRUE), fixture_setup,
              test_no_payment, fixture_teardown);
  g_test_add ("/counter/decline-and-phone", Fixture, GINT_TO_POINTER (TRUE), fixture_setup,
              test_decline_and_phone, fixture_teardown);
  g_test_add ("/counter/not-training", Fixture, GINT_TO_POINTER (FALSE), fixture_setup,
              test_not_training, fixture_teardown);
  g_test_add ("/counter/reopen", Fixture, GINT_TO_POINTER (TRUE), fixture_setup, test_reopen,
              fixture_teardown);
  g_test_add ("/counter/paid-after-cancel", Fixture, GINT_TO_POINTER (TRUE), fixture_setup,
              test_paid_after_cancel, fixture_teardown);
  g_test_add ("/counter/disk-full", Fixture, GINT_TO_POINTER (TRUE), fixture_setup,
              test_disk_full, fixture_teardown);
  g_test_add ("/counter/journal-deleted", Fixture, GINT_TO_POINTER (TRUE), fixture_setup,
              test_journal_deleted, fixture_teardown);

  return g_test_run ();
}
