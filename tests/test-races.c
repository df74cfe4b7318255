/* test-races.c — pushes and races: an in-process KassaTill against kassa-bank-sim
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real simulator process, a real journal file and, for pushes, a real
 * KassaPushListener on loopback that the simulator POSTs to. After each test
 * the journal must agree with the simulator, and the journal file is read
 * directly (SQLite, once the till has closed it) to count the requests that
 * were really sent: a race that doubles a request shows there.
 */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "kassa-checksum.h"
#include "kassa-core.h"
#include "kassa-journal.h"
#include "kassa-push-listener.h"
#include "kassa-test-util.h"
#include "kassa-till.h"

#define WAIT_S 30
#define CLIENT_TIMEOUT_S 2
#define PIN "4321"
#define PUSH_PATH "/kassa/push"

/* Far longer than any wait of these tests: a check that happens is not a poll. */
#define SLOW_POLL_MS 60000

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3, sqlite3_close_v2)

typedef struct
{
  KassaTestSim      *sim;
  char              *journal_path;
  KassaJournal      *journal;
  KassaBankClient   *client;
  KassaTill         *till;
  KassaPushListener *listener;
  SoupSession       *session;     /* for pushes sent by the test itself */
  guint              n_pushes;    /* verified pushes announced by the listener */
} Fixture;

static gboolean
timeout_flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context for @ms: only for "nothing happens" assertions. */
static void
spin_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* ---- fixture ---- */

static void
on_push_counted_cb (KassaPushListener *listener,
                    const char        *invoice,
                    gint64             amount,
                    const char        *resp_code,
                    Fixture           *f)
{
  f->n_pushes++;
}

static void
fixture_start (Fixture  *f,
               gboolean  with_push,
               guint     poll_ms)
{
  static guint serial;
  g_autofree char *name = g_strdup_printf ("races-%u.sqlite", ++serial);
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  KassaTestAsync w = { 0, };

  if (with_push)
    {
      f->listener = kassa_push_listener_new (KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, NULL);
      kassa_push_listener_listen (f->listener, "127.0.0.1", 0, PUSH_PATH, NULL, NULL, &error);
      g_assert_no_error (error);
      g_signal_connect (f->listener, "push-received", G_CALLBACK (on_push_counted_cb), f);
      f->sim = kassa_test_sim_spawn ("--push-url", kassa_push_listener_get_url (f->listener),
                                     NULL);
    }
  else
    {
      f->sim = kassa_test_sim_spawnv (NULL);
    }

  f->session = soup_session_new_with_options ("timeout", 20, NULL);
  f->journal_path = g_build_filename (g_get_user_data_dir (), name, NULL);
  f->journal = kassa_journal_open (f->journal_path, &error);
  g_assert_no_error (error);
  f->client = kassa_bank_client_new (kassa_test_sim_get_url (f->sim), KASSA_TEST_TERMINAL,
                                     KASSA_TEST_SECRET, NULL, NULL, &error);
  g_assert_no_error (error);
  kassa_bank_client_set_timeout (f->client, CLIENT_TIMEOUT_S);

  f->till = kassa_till_new (f->journal, f->client);
  kassa_till_set_poll_schedule (f->till, poll_ms, 120, poll_ms);
  kassa_till_set_max_backoff (f->till, 1);
  if (f->listener != NULL)
    kassa_till_set_push_listener (f->till, f->listener);

  kassa_till_recover_async (f->till, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  g_assert_true (kassa_till_recover_finish (f->till, w.result, &summary, &error));
  g_assert_no_error (error);
  g_object_unref (w.result);
  g_assert_cmpstr (summary, ==, "No unfinished payments");
}

static void
fixture_setup_push (Fixture       *f,
                    gconstpointer  data)
{
  fixture_start (f, TRUE, SLOW_POLL_MS);
}

/* Push and a 100 ms poll. */
static void
fixture_setup_push_fast (Fixture       *f,
                         gconstpointer  data)
{
  fixture_start (f, TRUE, 100);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_start (f, FALSE, 100);
}

/* Drops the till (letting cancelled requests call back) and closes the
 * journal, so that the file can be read with SQLite. */
static void
fixture_close_till (Fixture *f)
{
  if (f->till != NULL)
    {
      g_assert_finalize_object (g_steal_pointer (&f->till));
      for (guint i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
        ;
    }
  if (f->journal != NULL)
    g_assert_finalize_object (g_steal_pointer (&f->journal));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  fixture_close_till (f);
  g_clear_object (&f->client);
  if (f->session != NULL)
    g_assert_finalize_object (g_steal_pointer (&f->session));
  if (f->listener != NULL)
    g_assert_finalize_object (g_steal_pointer (&f->listener));
  g_clear_pointer (&f->sim, kassa_test_sim_free);
  g_free (f->journal_path);
}

/* ---- helpers ---- */

static KassaInvoice *
sale_ok (Fixture *f,
         gint64   amount)
{
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0, };
  KassaInvoice *invoice;

  kassa_till_sale_async (f->till, amount, KASSA_INVOICE_METHOD_QR, NULL, "race", NULL,
                         kassa_test_async_done_cb, &w);
  kassa_test_wait_for (&w.done, WAIT_S);
  invoice = kassa_till_sale_finish (f->till, w.result, &error);
  g_object_unref (w.result);
  g_assert_no_error (error);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);

  return invoice;
}

static void
sim_pay (Fixture      *f,
         KassaInvoice *invoice)
{
  kassa_test_sim_pay (f->sim, kassa_invoice_get_number (invoice));
}

/* How many transition rows of @invoice end in @state. */
static guint
count_transitions_to (Fixture           *f,
                      KassaInvoice      *invoice,
                      KassaInvoiceState  state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *history = kassa_journal_get_history_json (f->journal, invoice, &error);
  const char *name = kassa_invoice_state_to_string (state);
  JsonArray *rows;
  guint n = 0;

  g_assert_no_error (error);
  json_parser_load_from_data (parser, history, -1, &error);
  g_assert_no_error (error);
  rows = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (rows); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (rows, i),
                                                  "to"), name) == 0)
      n++;

  return n;
}

/* Every transition row of @invoice must be a different move: a duplicate
 * (the same from → to twice in a row) is a race that was not serialised. */
static void
assert_no_repeated_transition (Fixture      *f,
                               KassaInvoice *invoice)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *history = kassa_journal_get_history_json (f->journal, invoice, &error);
  JsonArray *rows;

  g_assert_no_error (error);
  g_test_message ("history of %s: %s", kassa_invoice_get_number (invoice), history);
  json_parser_load_from_data (parser, history, -1, &error);
  g_assert_no_error (error);
  rows = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 1; i < json_array_get_length (rows); i++)
    {
      JsonObject *a = json_array_get_object_element (rows, i - 1);
      JsonObject *b = json_array_get_object_element (rows, i);

      g_assert_cmpstr (json_object_get_string_member (a, "to"), ==,
                       json_object_get_string_member (b, "from"));
      g_assert_cmpstr (json_object_get_string_member (b, "from"), !=,
                       json_object_get_string_member (b, "to"));
    }
}

/* The number of requests to @endpoint recorded for @number. The till must be
 * closed (fixture_close_till): the journal holds an exclusive lock. */
static guint
count_exchanges (Fixture    *f,
                 const char *number,
                 const char *endpoint)
{
  g_autoptr(sqlite3) db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint n;

  g_assert_null (f->journal);
  g_assert_cmpint (sqlite3_open_v2 (f->journal_path, &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM exchanges "
                                           "WHERE invoice = ?1 AND endpoint = ?2",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, number, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, endpoint, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = (guint) sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  return n;
}

typedef struct
{
  guint    status;
  gboolean done;
} PushWait;

static void
push_sent_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PushWait *w = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              &error);

  g_assert_no_error (error);
  w->status = soup_message_get_status (soup_session_get_async_result_message (
                                         SOUP_SESSION (source), result));
  w->done = TRUE;
}

/* Starts POSTing a push to the in-process listener; the caller runs the main
 * loop until @w->done (the listener runs in this thread). */
static void
push_start (Fixture    *f,
            const char *number,
            gint64      amount,
            const char *checksum,
            PushWait   *w)
{
  g_autofree char *amount_text = g_strdup_printf ("%" G_GINT64_FORMAT, amount);
  g_autofree char *good = kassa_checksum_concat (KASSA_TEST_SECRET, KASSA_TEST_TERMINAL, number,
                                                 amount_text, NULL);
  g_autofree char *body = g_strdup_printf ("{\"terminal\": \"%s\", \"invoice\": \"%s\", "
                                           "\"amount\": \"%s\", \"checksum\": \"%s\", "
                                           "\"resp_code\": \"00\"}",
                                           KASSA_TEST_TERMINAL, number, amount_text,
                                           checksum != NULL ? checksum : good);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST",
                                                 kassa_push_listener_get_url (f->listener));
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    push_sent_cb, w);
}

static guint
push_send (Fixture    *f,
           const char *number,
           gint64      amount,
           const char *checksum)
{
  PushWait w = { 0, };

  push_start (f, number, amount, checksum, &w);
  kassa_test_wait_for (&w.done, WAIT_S);

  return w.status;
}

/* ---- push → check ---- */

/* With polls a minute apart, a payment is seen within seconds only through
 * the check that the simulator's push triggers; a forged push triggers
 * nothing. The journal's exchange log proves which checks were sent. */
static void
test_push_triggers_check (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 1500);
  g_autofree char *number = g_strdup (kassa_invoice_get_number (invoice));
  /* HMAC with another secret: well-formed, wrong. */
  g_autofree char *forged = kassa_checksum_concat ("not-the-secret", KASSA_TEST_TERMINAL,
                                                   number, "1500", NULL);

  /* A forged push is refused and checks nothing. */
  g_assert_cmpuint (push_send (f, number, 1500, forged), ==, 403);
  spin_ms (500);
  g_assert_cmpuint (f->n_pushes, ==, 0);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);

  /* The customer pays: the simulator pushes, the till checks, well before
   * the next poll. */
  sim_pay (f, invoice);
  kassa_test_wait_in_state (invoice, KASSA_INVOICE_PAID, 10);
  g_assert_cmpuint (f->n_pushes, ==, 1);
  g_assert_nonnull (kassa_invoice_get_approval_code (invoice));
  g_assert_cmpuint (count_transitions_to (f, invoice, KASSA_INVOICE_PAID), ==, 1);
  kassa_test_assert_journal_agrees (f->journal, f->sim);

  fixture_close_till (f);
  /* One check, the push's: the forged push sent none, no poll came. */
  g_assert_cmpuint (count_exchanges (f, number, "check"), ==, 1);
}

/* A payment the simulator does not push: a forged push (right shape, wrong
 * checksum) does not make the till look, even though the invoice is paid at
 * the bank; a push for a number the till does not know does nothing; a
 * genuine push does. A verified push for an unpaid invoice marks nothing
 * paid: only the check's answer moves an invoice. */
static void
test_push_forged (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 2500);
  g_autoptr(KassaInvoice) unpaid = sale_ok (f, 3500);
  g_autofree char *number = g_strdup (kassa_invoice_get_number (invoice));
  g_autofree char *unpaid_number = g_strdup (kassa_invoice_get_number (unpaid));
  g_autofree char *forged = kassa_checksum_concat ("not-the-secret", KASSA_TEST_TERMINAL,
                                                   number, "2500", NULL);

  kassa_test_sim_expect (f->sim, "/sim/push-url", "{\"url\": null}", 200);
  sim_pay (f, invoice);

  g_assert_cmpuint (push_send (f, number, 2500, forged), ==, 403);
  g_assert_cmpuint (push_send (f, number, 2500, "00"), ==, 403);
  /* Verified, but the till does not know the invoice. */
  g_assert_cmpuint (push_send (f, "K000000-000000-9999", 2500, NULL), ==, 200);
  spin_ms (1000);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);

  /* A verified push that claims "00" for an unpaid invoice: checked, not believed. */
  g_assert_cmpuint (push_send (f, unpaid_number, 3500, NULL), ==, 200);
  spin_ms (1000);
  g_assert_cmpint (kassa_invoice_get_state (unpaid), ==, KASSA_INVOICE_AWAITING_PAYMENT);

  g_assert_cmpuint (push_send (f, number, 2500, NULL), ==, 200);
  kassa_test_wait_in_state (invoice, KASSA_INVOICE_PAID, 10);
  g_assert_cmpuint (f->n_pushes, ==, 3);

  kassa_test_assert_journal_agrees (f->journal, f->sim);

  fixture_close_till (f);
  g_assert_cmpuint (count_exchanges (f, number, "check"), ==, 1);
  /* The unpaid one was checked once, for its push, and is still unpaid. */
  g_assert_cmpuint (count_exchanges (f, unpaid_number, "check"), ==, 1);
}

/* The listener can be replaced and removed; a disposed till leaves no
 * handler behind on a listener that lives on. */
static void
test_push_listener_lifetime (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 4500);
  g_autoptr(KassaPushListener) other = kassa_push_listener_new (KASSA_TEST_TERMINAL,
                                                                KASSA_TEST_SECRET, NULL);
  g_autofree char *number = g_strdup (kassa_invoice_get_number (invoice));

  kassa_test_sim_expect (f->sim, "/sim/push-url", "{\"url\": null}", 200);
  sim_pay (f, invoice);

  /* Replaced: the first listener's pushes no longer reach the till. */
  kassa_till_set_push_listener (f->till, other);
  g_assert_cmpuint (push_send (f, number, 4500, NULL), ==, 200);
  spin_ms (1000);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_AWAITING_PAYMENT);

  kassa_till_set_push_listener (f->till, NULL);
  kassa_till_set_push_listener (f->till, f->listener);
  kassa_till_set_push_listener (f->till, f->listener);
  g_assert_cmpuint (push_send (f, number, 4500, NULL), ==, 200);
  kassa_test_wait_in_state (invoice, KASSA_INVOICE_PAID, 10);

  /* Disposing the till disconnects it: a later push finds nobody. */
  kassa_till_set_push_listener (f->till, other);
  kassa_test_assert_journal_agrees (f->journal, f->sim);
  fixture_close_till (f);
  g_assert_finalize_object (g_steal_pointer (&other));
  g_assert_cmpuint (push_send (f, number, 4500, NULL), ==, 200);
  g_assert_cmpuint (count_exchanges (f, number, "check"), ==, 1);
}

/* ---- races ---- */

/* The customer pays while the cancel is on its way (the simulator holds the
 * cancel for a second): the bank refuses it, the till checks, the payment is
 * kept and flagged, and nothing is sent twice. */
static void
test_race_pay_while_cancelling (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 1000);
  g_autofree char *number = g_strdup (kassa_invoice_get_number (invoice));
  g_autoptr(GError) error = NULL;
  KassaTestAsync w = { 0, };

  kassa_test_sim_fault (f->sim, "cancel", "delay", 1000, 1);
  kassa_till_cancel_async (f->till, invoice, NULL, kassa_test_async_done_cb, &w);
  kassa_test_wait_in_state (invoice, KASSA_INVOICE_CANCELLING, WAIT_S);
  sim_pay (f, invoice);

  kassa_test_wait_for (&w.done, WAIT_S);
  g_assert_false (kassa_till_cancel_finish (f->till, w.result, &error));
  g_object_unref (w.result);
  g_assert_error (error, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
  g_assert_true (kassa_invoice_get_paid_after_cancel (invoice));
  g_assert_cmpuint (count_transitions_to (f, invoice, KASSA_INVOICE_CANCELLING), ==, 1);
  g_assert_cmpuint (count_transitions_to (f, invoice, KASSA_INVOICE_PAID), ==, 1);
  g_assert_cmpuint (count_transitions_to (f, invoice, KASSA_INVOICE_CANCELLED), ==, 0);
  assert_no_repeated_transition (f, invoice);
  kassa_test_assert_journal_agrees (f->journal, f->sim);

  fixture_close_till (f);
  g_assert_cmpuint (count_exchanges (f, number, "cancel"), ==, 1);
}

/* Push and poll together: every check is held 300 ms by the simulator, the
 * till polls every 100 ms, and the payment brings the simulator's push plus
 * a burst of replayed pushes. Checks are serialised (one in flight, at most
 * one more wanted), the invoice becomes PAID exactly once. */
static void
test_race_push_and_poll (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 1200);
  g_autofree char *number = g_strdup (kassa_invoice_get_number (invoice));
  PushWait pushes[8] = { { 0, }, };
  guint n_checks;

  kassa_test_sim_fault (f->sim, "check", "delay", 300, 0);
  spin_ms (400);  /* a slow poll is in flight */
  sim_pay (f, invoice);
  for (guint i = 0; i < G_N_ELEMENTS (pushes); i++)
    push_start (f, number, 1200, NULL, &pushes[i]);
  for (guint i = 0; i < G_N_ELEMENTS (pushes); i++)
    {
      kassa_test_wait_for (&pushes[i].done, WAIT_S);
      g_assert_cmpuint (pushes[i].status, ==, 200);
    }

  kassa_test_wait_in_state (invoice, KASSA_INVOICE_PAID, WAIT_S);
  /* Replays after the payment find a finished invoice: nothing to check. */
  for (guint i = 0; i < 4; i++)
    g_assert_cmpuint (push_send (f, number, 1200, NULL), ==, 200);
  /* Let every check already wanted finish. */
  spin_ms (1000);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_PAID);
  g_assert_cmpuint (f->n_pushes, >=, G_N_ELEMENTS (pushes));
  g_assert_cmpuint (count_transitions_to (f, invoice, KASSA_INVOICE_PAID), ==, 1);
  g_assert_cmpuint (count_transitions_to (f, invoice, KASSA_INVOICE_AWAITING_PAYMENT), ==, 1);
  assert_no_repeated_transition (f, invoice);
  kassa_test_assert_journal_agrees (f->journal, f->sim);

  fixture_close_till (f);
  /* A check or two of 300 ms before the payment, at most two after it:
   * thirteen pushes did not each send their own. */
  n_checks = count_exchanges (f, number, "check");
  g_test_message ("%u checks for %u pushes", n_checks, f->n_pushes);
  g_assert_cmpuint (n_checks, >=, 1);
  g_assert_cmpuint (n_checks, <=, 6);
}

/* Two refunds started back to back (the first held by the simulator): one
 * refund reaches the bank, the other is refused ILLEGAL without a request. */
static void
test_race_two_refunds (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(KassaInvoice) invoice = sale_ok (f, 1300);
  g_autofree char *number = g_strdup (kassa_invoice_get_number (invoice));
  g_autoptr(GError) error1 = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(GError) error3 = NULL;
  KassaTestAsync w1 = { 0, }, w2 = { 0, }, w3 = { 0, };
  gboolean ok1, ok2;

  g_assert_true (kassa_manager_set_pin (kassa_till_get_manager (f->till), NULL, PIN, NULL));
  sim_pay (f, invoice);
  kassa_test_wait_in_state (invoice, KASSA_INVOICE_PAID, WAIT_S);

  kassa_test_sim_fault (f->sim, "refund", "delay", 500, 1);
  kassa_till_refund_async (f->till, invoice, PIN, NULL, NULL, kassa_test_async_done_cb, &w1);
  kassa_till_refund_async (f->till, invoice, PIN, NULL, NULL, kassa_test_async_done_cb, &w2);
  kassa_test_wait_for (&w1.done, WAIT_S);
  kassa_test_wait_for (&w2.done, WAIT_S);
  ok1 = kassa_till_refund_finish (f->till, w1.result, &error1);
  ok2 = kassa_till_refund_finish (f->till, w2.result, &error2);
  g_object_unref (w1.result);
  g_object_unref (w2.result);

  /* Exactly one succeeded; the other is ILLEGAL. */
  g_assert_true (ok1 != ok2);
  if (ok1)
    g_assert_error (error2, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL);
  else
    g_assert_error (error1, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL);
  g_assert_cmpint (kassa_invoice_get_state (invoice), ==, KASSA_INVOICE_REFUNDED);

  /* And a third, afterwards. */
  kassa_till_refund_async (f->till, invoice, PIN, NULL, NULL, kassa_test_async_done_cb, &w3);
  kassa_test_wait_for (&w3.done, WAIT_S);
  g_assert_false (kassa_till_refund_finish (f->till, w3.result, &error3));
  g_object_unref (w3.result);
  g_assert_error (error3, KASSA_TILL_ERROR, KASSA_TILL_ERROR_ILLEGAL);

  g_assert_cmpuint (count_transitions_to (f, invoice, KASSA_INVOICE_REFUNDING), ==, 1);
  g_assert_cmpuint (count_transitions_to (f, invoice, KASSA_INVOICE_REFUNDED), ==, 1);
  assert_no_repeated_transition (f, invoice);
  kassa_test_assert_journal_agrees (f->journal, f->sim);

  fixture_close_till (f);
  g_assert_cmpuint (count_exchanges (f, number, "refund"), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add ("/races/push/triggers-check", Fixture, NULL, fixture_setup_push,
              test_push_triggers_check, fixture_teardown);
  g_test_add ("/races/push/forged", Fixture, NULL, fixture_setup_push,
              test_push_forged, fixture_teardown);
  g_test_add ("/races/push/listener-lifetime", Fixture, NULL, fixture_setup_push,
              test_push_listener_lifetime, fixture_teardown);
  g_test_add ("/races/pay-while-cancelling", Fixture, NULL, fixture_setup,
              test_race_pay_while_cancelling, fixture_teardown);
  g_test_add ("/races/push-and-poll", Fixture, NULL, fixture_setup_push_fast,
              test_race_push_and_poll, fixture_teardown);
  g_test_add ("/races/two-refunds", Fixture, NULL, fixture_setup,
              test_race_two_refunds, fixture_teardown);

  return g_test_run ();
}
