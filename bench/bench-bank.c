/* bench-bank.c — bank round trips through KassaBankClient, and checksum throughput
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs the simulated bank in this process (loopback, plain http), then times N
 * sales: a QR invoice and a check of it, each a real HTTP exchange through
 * KassaBankClient. Half the invoices are paid first, so both check answers
 * (the error envelope of an unpaid invoice and the paid transaction) are
 * measured. Prints mean/p50/p95/max in milliseconds, then how many
 * HMAC-SHA256 checksums per second kassa_checksum_concat() computes.
 * It only reports numbers; it fails (exit 1) if a request fails.
 */

#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include "kassa-core.h"
#include "kassa-bank-sim.h"

#define TERMINAL "12345678"
#define SECRET   "secret123"
#define AMOUNT   ((gint64) 1500)

typedef struct
{
  GAsyncResult *result;
  gboolean      done;
} Waiter;

static void
got_result_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Waiter *waiter = user_data;

  waiter->result = g_object_ref (result);
  waiter->done = TRUE;
}

static GAsyncResult *
waiter_wait (Waiter *waiter)
{
  while (!waiter->done)
    g_main_context_iteration (NULL, TRUE);

  return waiter->result;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted @values. */
static gint64
percentile (const gint64 *values,
            guint         n,
            guint         pct)
{
  guint rank = (pct * n + 99) / 100;

  return values[rank > 0 ? rank - 1 : 0];
}

static void
print_stats (const char *label,
             gint64     *values_us,
             guint       n)
{
  gint64 sum = 0;

  qsort (values_us, n, sizeof *values_us, compare_gint64);
  for (guint i = 0; i < n; i++)
    sum += values_us[i];

  g_print ("%-16s %9.3f %9.3f %9.3f %9.3f\n", label,
           (sum / (gint64) n) / 1000.0,
           percentile (values_us, n, 50) / 1000.0,
           percentile (values_us, n, 95) / 1000.0,
           values_us[n - 1] / 1000.0);
}

/* One sale: QR invoice, optionally paid by the customer, then a check.
 * Returns FALSE (with @error) if anything is not what the bank should answer. */
static gboolean
round_trip (KassaBankClient  *client,
            KassaBankSim     *sim,
            guint             i,
            gint64           *out_qr_us,
            gint64           *out_check_us,
            GError          **error)
{
  g_autofree char *invoice = g_strdup_printf ("BENCH-%06u", i);
  g_autoptr(GAsyncResult) qr_result = NULL;
  g_autoptr(GAsyncResult) check_result = NULL;
  g_autoptr(KassaBankInvoiceReply) reply = NULL;
  g_autoptr(KassaBankTransaction) transaction = NULL;
  g_autoptr(GError) check_error = NULL;
  Waiter qr_waiter = { NULL, FALSE };
  Waiter check_waiter = { NULL, FALSE };
  gboolean pay = i % 2 == 0;
  gint64 start;

  start = g_get_monotonic_time ();
  kassa_bank_client_qr_async (client, AMOUNT, invoice, NULL, got_result_cb, &qr_waiter);
  qr_result = waiter_wait (&qr_waiter);
  reply = kassa_bank_client_qr_finish (client, qr_result, error);
  *out_qr_us = g_get_monotonic_time () - start;
  if (reply == NULL)
    return FALSE;

  /* The customer's side is not part of the till's latency. */
  if (pay && !kassa_bank_sim_pay (sim, NULL, invoice, error))
    return FALSE;

  start = g_get_monotonic_time ();
  kassa_bank_client_check_async (client, AMOUNT, invoice, NULL, got_result_cb, &check_waiter);
  check_result = waiter_wait (&check_waiter);
  transaction = kassa_bank_client_check_finish (client, check_result, &check_error);
  *out_check_us = g_get_monotonic_time () - start;

  if (pay)
    {
      if (transaction == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&check_error));
          return FALSE;
        }
      if (!transaction->paid || transaction->amount != AMOUNT)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "check of paid %s did not say paid %" G_GINT64_FORMAT, invoice, AMOUNT);
          return FALSE;
        }
    }
  else if (!g_error_matches (check_error, KASSA_BANK_ERROR, KASSA_BANK_ERROR_REJECTED))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "check of unpaid %s: %s", invoice,
                   check_error != NULL ? check_error->message : "answered as paid");
      return FALSE;
    }

  return TRUE;
}

static gboolean
bench_round_trips (guint    iterations,
                   GError **error)
{
  g_autoptr(KassaBankSim) sim = kassa_bank_sim_new (NULL);
  g_autoptr(KassaBankClient) client = NULL;
  g_autofree gint64 *qr_us = g_new (gint64, iterations);
  g_autofree gint64 *check_us = g_new (gint64, iterations);
  g_autofree gint64 *total_us = g_new (gint64, iterations);
  const guint warmup = 5;
  gint64 start, wall;

  if (!kassa_bank_sim_add_terminal (sim, TERMINAL, SECRET, error) ||
      !kassa_bank_sim_listen (sim, 0, NULL, NULL, error))
    return FALSE;

  client = kassa_bank_client_new (kassa_bank_sim_get_url (sim), TERMINAL, SECRET, NULL, NULL,
                                  error);
  if (client == NULL)
    return FALSE;
  kassa_bank_client_set_timeout (client, 10);

  /* Connection set-up and first-use costs are not what we measure. */
  for (guint i = 0; i < warmup; i++)
    {
      gint64 ignored_qr, ignored_check;

      if (!round_trip (client, sim, iterations + i, &ignored_qr, &ignored_check, error))
        return FALSE;
    }

  start = g_get_monotonic_time ();
  for (guint i = 0; i < iterations; i++)
    {
      if (!round_trip (client, sim, i, &qr_us[i], &check_us[i], error))
        return FALSE;
      total_us[i] = qr_us[i] + check_us[i];
    }
  wall = g_get_monotonic_time () - start;

  g_print ("Bank round trips: %u sales (qr + check; every other one paid) through "
           "KassaBankClient,\nsimulator in-process on %s, default profile\n\n",
           iterations, kassa_bank_sim_get_url (sim));
  g_print ("%-16s %9s %9s %9s %9s\n", "latency (ms)", "mean", "p50", "p95", "max");
  print_stats ("qr", qr_us, iterations);
  print_stats ("check", check_us, iterations);
  print_stats ("qr + check", total_us, iterations);
  g_print ("\n%u sales in %.3f s: %.1f sales per second\n\n", iterations, wall / 1e6,
           iterations / (wall / 1e6));

  g_assert_finalize_object (g_steal_pointer (&client));
  kassa_bank_sim_shutdown (sim);

  return TRUE;
}

static void
bench_checksum (guint iterations)
{
  gint64 start, elapsed;

  start = g_get_monotonic_time ();
  for (guint i = 0; i < iterations; i++)
    {
      /* A different invoice each time, as at a till; the formatting is part of the cost. */
      char invoice[32];
      g_autofree char *checksum = NULL;

      g_snprintf (invoice, sizeof invoice, "INV%08u", i);
      checksum = kassa_checksum_concat (SECRET, TERMINAL, invoice, "1000", NULL);
      if (checksum == NULL || checksum[KASSA_CHECKSUM_LENGTH] != '\0')
        g_error ("kassa_checksum_concat gave no 64-digit checksum");
    }
  elapsed = MAX (g_get_monotonic_time () - start, 1);

  g_print ("Checksums: %u HMAC-SHA256 (terminal + invoice + amount) in %.3f s: "
           "%.0f per second (%.2f µs each)\n",
           iterations, elapsed / 1e6, iterations / (elapsed / 1e6),
           (double) elapsed / iterations);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  int iterations = 200;
  int hmac_iterations = 100000;
  const GOptionEntry entries[] = {
    { "iterations", 'n', 0, G_OPTION_ARG_INT, &iterations,
      "Number of measured sales (qr + check)", "N" },
    { "hmac-iterations", 0, 0, G_OPTION_ARG_INT, &hmac_iterations,
      "Number of checksums to time", "N" },
    G_OPTION_ENTRY_NULL
  };

  setlocale (LC_ALL, "C.UTF-8");
  /* Loopback only: never consult the desktop's proxy settings. */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  context = g_option_context_new ("— time bank round trips against the in-process simulator");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-bank: %s\n", error->message);
      return 2;
    }
  if (iterations < 1 || iterations > 100000 || hmac_iterations < 1)
    {
      g_printerr ("bench-bank: --iterations must be 1…100000 and --hmac-iterations positive\n");
      return 2;
    }

  if (!bench_round_trips ((guint) iterations, &error))
    {
      g_printerr ("bench-bank: %s\n", error->message);
      return 1;
    }

  bench_checksum ((guint) hmac_iterations);

  return 0;
}
