/* test-push.c — KassaPushListener against raw HTTP and a real kassa-bank-sim
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "kassa-bank-fields.h"
#include "kassa-checksum.h"
#include "kassa-error.h"
#include "kassa-push-listener.h"
#include "kassa-test-util.h"

#define T KASSA_TEST_TERMINAL
#define S KASSA_TEST_SECRET
#define PUSH_PATH "/kassa/push"

/* Fact sheet §2.3: HMAC("secret123", "12345678" "INV0001" "1000"). */
#define CHECKSUM_INV0001_1000 "e4d49e758d276b0da1247f36230e7765872e0e4094623018ff8f42407db9fe87"

/* ------------------------------------------------------------------ */
/* Fixture: a listener on 127.0.0.1:0 in this thread's main context     */

typedef struct
{
  KassaPushListener *listener;
  SoupSession       *session;
  char              *base_url;   /* "http://127.0.0.1:PORT" */
  guint              n_pushes;
  gboolean           got_push;
  char              *invoice;
  gint64             amount;
  char              *resp_code;
} Fixture;

static void
on_push_received_cb (KassaPushListener *listener,
                     const char        *invoice,
                     gint64             amount,
                     const char        *resp_code,
                     Fixture           *f)
{
  f->n_pushes++;
  f->got_push = TRUE;
  g_free (f->invoice);
  f->invoice = g_strdup (invoice);
  f->amount = amount;
  g_free (f->resp_code);
  f->resp_code = g_strdup (resp_code);
}

static void
fixture_start (Fixture          *f,
               KassaBankProfile *profile)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;

  f->listener = kassa_push_listener_new (T, S, profile);
  g_assert_nonnull (f->listener);
  g_assert_null (kassa_push_listener_get_url (f->listener));
  g_signal_connect (f->listener, "push-received", G_CALLBACK (on_push_received_cb), f);

  kassa_push_listener_listen (f->listener, "127.0.0.1", 0, PUSH_PATH, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (kassa_push_listener_get_url (f->listener),
                                   "http://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (kassa_push_listener_get_url (f->listener), PUSH_PATH));

  uri = g_uri_parse (kassa_push_listener_get_url (f->listener), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_uri_get_port (uri), >, 0);
  f->base_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uri));

  f->session = soup_session_new_with_options ("timeout", 20, NULL);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_start (f, NULL);
}

static void
fixture_setup_two_decimals (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autoptr(GError) error = NULL;

  kassa_bank_profile_set_reading (profile, "amount-format", "two-decimals", &error);
  g_assert_no_error (error);
  fixture_start (f, profile);
  g_assert_true (kassa_push_listener_get_profile (f->listener) == profile);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_finalize_object (g_steal_pointer (&f->session));
  g_assert_finalize_object (g_steal_pointer (&f->listener));
  g_free (f->base_url);
  g_free (f->invoice);
  g_free (f->resp_code);
}

/* Runs everything already queued in the main context (a push accepted by the
 * listener is announced from an idle source queued before the reply left). */
static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ------------------------------------------------------------------ */
/* Async raw HTTP: the listener runs in this thread, so no sync calls   */

typedef struct
{
  gboolean  done;
  guint     status;
  char     *body;
  char     *allow;
  char     *connection;
  GError   *error;
} Exchange;

static void
exchange_clear (Exchange *ex)
{
  g_free (ex->body);
  g_free (ex->allow);
  g_free (ex->connection);
  g_clear_error (&ex->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Exchange, exchange_clear)

static void
send_and_read_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Exchange *ex = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);
  g_autoptr(GBytes) reply = soup_session_send_and_read_finish (SOUP_SESSION (object), result,
                                                               &ex->error);

  if (reply != NULL)
    {
      SoupMessageHeaders *headers = soup_message_get_response_headers (msg);

      ex->status = soup_message_get_status (msg);
      ex->body = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
      ex->allow = g_strdup (soup_message_headers_get_one (headers, "Allow"));
      ex->connection = g_strdup (soup_message_headers_get_one (headers, "Connection"));
    }
  ex->done = TRUE;
}

/* One exchange; @chunked sends the body without a Content-Length. */
static void
exchange_full (Fixture    *f,
               const char *method,
               const char *url,
               const char *content_type,
               const char *body,
               gboolean    chunked,
               Exchange   *ex)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);

  g_assert_nonnull (msg);
  if (body != NULL && chunked)
    {
      g_autoptr(GInputStream) stream =
        g_memory_input_stream_new_from_data (g_strdup (body), strlen (body), g_free);

      soup_message_set_request_body (msg, content_type, stream, -1);
    }
  else if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }

  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    send_and_read_cb, ex);
  kassa_test_wait_for (&ex->done, 20);
  drain_main_context ();
}

/* POSTs to the listener's own URL and returns the HTTP status. */
static guint
post_push (Fixture    *f,
           const char *content_type,
           const char *body)
{
  g_auto(Exchange) ex = { 0, };

  exchange_full (f, "POST", kassa_push_listener_get_url (f->listener), content_type, body,
                 FALSE, &ex);
  g_assert_no_error (ex.error);
  g_assert_cmpstr (ex.connection, ==, "close");
  g_test_message ("%.200s → HTTP %u %s", body != NULL ? body : "(no body)", ex.status, ex.body);

  return ex.status;
}

static char *
push_json (const char *terminal,
           const char *invoice,
           const char *amount,
           const char *resp_code,
           const char *checksum)
{
  return g_strdup_printf ("{\"resp_code\": \"%s\", \"resp_desc\": \"Амжилттай\", "
                          "\"amount\": \"%s\", \"invoice\": \"%s\", \"terminal\": \"%s\", "
                          "\"approval_code\": \"123456\", \"card_number\": \"949625******0003\", "
                          "\"checksum\": \"%s\"}",
                          resp_code, amount, invoice, terminal, checksum);
}

static char *
valid_push_json (const char *invoice,
                 const char *amount)
{
  g_autofree char *checksum = kassa_checksum_concat (S, T, invoice, amount, NULL);

  return push_json (T, invoice, amount, "00", checksum);
}

/* ------------------------------------------------------------------ */
/* End to end: kassa-bank-sim as a real process pushes to the listener   */

static void
sim_create_invoice (KassaTestSim *sim,
                    const char   *invoice,
                    const char   *amount)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *checksum = kassa_checksum_concat (S, T, invoice, amount, NULL);
  g_autofree char *url = g_strconcat (kassa_test_sim_get_url (sim), "/pos/invoice/qr", NULL);
  g_autofree char *body = g_strdup_printf ("{\"amount\": \"%s\", \"invoice\": \"%s\", "
                                           "\"terminal\": \"%s\", \"checksum\": \"%s\"}",
                                           amount, invoice, T, checksum);
  g_autofree char *reply = NULL;
  guint status = 0;

  /* Synchronous is fine here: the simulator is another process. */
  reply = kassa_test_http ("POST", url, "application/json", body, -1, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (reply, "\"SUCCESS\""));
}

static void
sim_pay (KassaTestSim *sim,
         const char   *invoice)
{
  g_autofree char *json = g_strdup_printf ("{\"invoice\": \"%s\"}", invoice);
  g_autofree char *reply = NULL;
  guint status = 0;

  reply = kassa_test_sim_control (sim, "/sim/pay", json, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (reply, "\"paid\""));
}

static void
test_sim_push (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(KassaTestSim) sim =
    kassa_test_sim_spawn ("--push-url", kassa_push_listener_get_url (f->listener), NULL);

  sim_create_invoice (sim, "PUSH-E2E-1", "1500");
  /* Nothing is pushed for an unpaid invoice. */
  drain_main_context ();
  g_assert_cmpuint (f->n_pushes, ==, 0);

  sim_pay (sim, "PUSH-E2E-1");
  kassa_test_wait_for (&f->got_push, 20);
  drain_main_context ();

  g_assert_cmpuint (f->n_pushes, ==, 1);
  g_assert_cmpstr (f->invoice, ==, "PUSH-E2E-1");
  g_assert_cmpint (f->amount, ==, 1500);
  g_assert_cmpstr (f->resp_code, ==, "00");
}

/* The simulator writes "2500.00" under two-decimals; a listener with the
 * same reading verifies the checksum over exactly that string. */
static void
test_sim_push_two_decimals (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(KassaTestSim) sim =
    kassa_test_sim_spawn ("--push-url", kassa_push_listener_get_url (f->listener),
                          "--reading", "amount-format=two-decimals", NULL);

  sim_create_invoice (sim, "PUSH-E2E-2", "2500.00");
  sim_pay (sim, "PUSH-E2E-2");
  kassa_test_wait_for (&f->got_push, 20);
  drain_main_context ();

  g_assert_cmpuint (f->n_pushes, ==, 1);
  g_assert_cmpstr (f->invoice, ==, "PUSH-E2E-2");
  g_assert_cmpint (f->amount, ==, 2500);
}

/* ------------------------------------------------------------------ */
/* Raw requests                                                        */

static void
test_valid (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *body = NULL;
  g_autofree char *checksum = kassa_checksum_concat (S, T, "INV0001", "1000", NULL);
  g_auto(Exchange) ex = { 0, };

  /* The fact sheet's example push, byte for byte in its checksum. */
  g_assert_cmpstr (checksum, ==, CHECKSUM_INV0001_1000);
  body = push_json (T, "INV0001", "1000", "00", CHECKSUM_INV0001_1000);

  exchange_full (f, "POST", kassa_push_listener_get_url (f->listener), "application/json", body,
                 FALSE, &ex);
  g_assert_no_error (ex.error);
  g_assert_cmpuint (ex.status, ==, 200);
  g_assert_cmpstr (ex.body, ==, "{\"ok\":true}");
  g_assert_cmpstr (ex.connection, ==, "close");

  g_assert_cmpuint (f->n_pushes, ==, 1);
  g_assert_cmpstr (f->invoice, ==, "INV0001");
  g_assert_cmpint (f->amount, ==, 1000);
  g_assert_cmpstr (f->resp_code, ==, "00");
}

/* The listener does not judge resp_code: a declined push is announced too
 * (the till asks the bank anyway). */
static void
test_declined_resp_code (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *checksum = kassa_checksum_concat (S, T, "INV0002", "700", NULL);
  g_autofree char *body = push_json (T, "INV0002", "700", "05", checksum);

  g_assert_cmpuint (post_push (f, "application/json", body), ==, 200);
  g_assert_cmpuint (f->n_pushes, ==, 1);
  g_assert_cmpstr (f->resp_code, ==, "05");
  g_assert_cmpint (f->amount, ==, 700);
}

static void
test_uppercase_checksum (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *upper = g_ascii_strup (CHECKSUM_INV0001_1000, -1);
  g_autofree char *body = push_json (T, "INV0001", "1000", "00", upper);

  g_assert_cmpuint (post_push (f, "application/json", body), ==, 200);
  g_assert_cmpuint (f->n_pushes, ==, 1);
  g_assert_cmpstr (f->invoice, ==, "INV0001");
}

static void
test_wrong_method (Fixture       *f,
                   gconstpointer  data)
{
  const char * const methods[] = { "GET", "PUT", "DELETE", "HEAD" };

  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_auto(Exchange) ex = { 0, };

      exchange_full (f, methods[i], kassa_push_listener_get_url (f->listener), NULL, NULL,
                     FALSE, &ex);
      g_assert_no_error (ex.error);
      g_assert_cmpuint (ex.status, ==, 405);
      g_assert_cmpstr (ex.allow, ==, "POST");
      g_assert_cmpstr (ex.connection, ==, "close");
    }

  /* Even a valid push body does not make a PUT acceptable. */
    {
      g_auto(Exchange) ex = { 0, };
      g_autofree char *body = valid_push_json ("INV0001", "1000");

      exchange_full (f, "PUT", kassa_push_listener_get_url (f->listener), "application/json",
                     body, FALSE, &ex);
      g_assert_cmpuint (ex.status, ==, 405);
    }

  g_assert_cmpuint (f->n_pushes, ==, 0);
}

static void
test_wrong_path (Fixture       *f,
                 gconstpointer  data)
{
  const char * const paths[] = { "/", "/kassa", "/kassa/push/", "/kassa/pushx", "/KASSA/PUSH",
                                 "/other" };
  g_autofree char *body = valid_push_json ("INV0001", "1000");

  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_auto(Exchange) ex = { 0, };
      g_autofree char *url = g_strconcat (f->base_url, paths[i], NULL);

      exchange_full (f, "POST", url, "application/json", body, FALSE, &ex);
      g_assert_no_error (ex.error);
      g_test_message ("%s → %u", paths[i], ex.status);
      g_assert_cmpuint (ex.status, ==, 404);
      g_assert_cmpstr (ex.connection, ==, "close");
    }

  g_assert_cmpuint (f->n_pushes, ==, 0);

  /* A query string does not change the path. */
    {
      g_autofree char *url = g_strconcat (kassa_push_listener_get_url (f->listener), "?x=1",
                                          NULL);
      g_auto(Exchange) ex = { 0, };

      exchange_full (f, "POST", url, "application/json", body, FALSE, &ex);
      g_assert_cmpuint (ex.status, ==, 200);
      g_assert_cmpuint (f->n_pushes, ==, 1);
    }
}

/* A valid push padded with a long resp_desc to exactly @size bytes. */
static char *
padded_push (gsize size)
{
  g_autofree char *checksum = kassa_checksum_concat (S, T, "INV0001", "1000", NULL);
  g_autofree char *head = g_strdup_printf ("{\"resp_code\": \"00\", \"amount\": \"1000\", "
                                           "\"invoice\": \"INV0001\", \"terminal\": \"%s\", "
                                           "\"checksum\": \"%s\", \"resp_desc\": \"", T, checksum);
  const char tail[] = "\"}";
  gsize fill;
  GString *body;

  g_assert_cmpuint (size, >, strlen (head) + strlen (tail));
  fill = size - strlen (head) - strlen (tail);
  body = g_string_new (head);
  for (gsize i = 0; i < fill; i++)
    g_string_append_c (body, 'x');
  g_string_append (body, tail);
  g_assert_cmpuint (body->len, ==, size);

  return g_string_free (body, FALSE);
}

static void
test_oversized (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *at_limit = padded_push (KASSA_PUSH_MAX_BODY_SIZE);
  g_autofree char *above = padded_push (KASSA_PUSH_MAX_BODY_SIZE + 1);
  g_autofree char *huge = padded_push (1024 * 1024);

  /* Exactly the limit is still a push. */
  g_assert_cmpuint (post_push (f, "application/json", at_limit), ==, 200);
  g_assert_cmpuint (f->n_pushes, ==, 1);

  /* Declared by Content-Length: refused before the body is read. */
  g_assert_cmpuint (post_push (f, "application/json", above), ==, 413);
  g_assert_cmpuint (post_push (f, "application/json", huge), ==, 413);

  /* Chunked: no Content-Length, counted as it arrives. */
  for (guint i = 0; i < 2; i++)
    {
      g_auto(Exchange) ex = { 0, };

      exchange_full (f, "POST", kassa_push_listener_get_url (f->listener), "application/json",
                     i == 0 ? above : huge, TRUE, &ex);
      g_assert_no_error (ex.error);
      g_assert_cmpuint (ex.status, ==, 413);
    }

  /* A chunked body within the limit is fine. */
    {
      g_auto(Exchange) ex = { 0, };

      exchange_full (f, "POST", kassa_push_listener_get_url (f->listener), "application/json",
                     at_limit, TRUE, &ex);
      g_assert_cmpuint (ex.status, ==, 200);
    }

  g_assert_cmpuint (f->n_pushes, ==, 2);
}

static void
test_malformed (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *checksum = kassa_checksum_concat (S, T, "INV0001", "1000", NULL);
  const struct
  {
    const char *content_type;
    const char *body;
  } cases[] = {
    { "application/json", "not json" },
    { "application/json", "{\"resp_code\": \"00\"" },
    { "application/json", "[1, 2, 3]" },
    { "application/json", "\"a string\"" },
    { "application/json", "{}" },
    { "text/plain", "whatever" },
    { "text/html", "<p>hi</p>" },
    { NULL, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpuint (post_push (f, cases[i].content_type, cases[i].body), ==, 400);

  /* A valid push, but under a Content-Type that is neither JSON nor a form. */
    {
      g_autofree char *body = valid_push_json ("INV0001", "1000");

      g_assert_cmpuint (post_push (f, "text/plain", body), ==, 400);
    }

  /* Ill-typed fields, each with an otherwise valid push. */
    {
      const char * const bodies[] = {
        "{\"resp_code\": 0, \"amount\": \"1000\", \"invoice\": \"INV0001\", "
        "\"terminal\": \"" T "\", \"checksum\": \"@C@\"}",
        "{\"resp_code\": \"00\", \"amount\": 1000, \"invoice\": \"INV0001\", "
        "\"terminal\": \"" T "\", \"checksum\": \"@C@\"}",
        "{\"resp_code\": \"00\", \"amount\": \"1000\", \"invoice\": [\"INV0001\"], "
        "\"terminal\": \"" T "\", \"checksum\": \"@C@\"}",
        "{\"resp_code\": \"00\", \"amount\": \"1000\", \"invoice\": \"INV0001\", "
        "\"terminal\": 12345678, \"checksum\": \"@C@\"}",
        "{\"resp_code\": \"00\", \"amount\": \"1000\", \"invoice\": \"INV0001\", "
        "\"terminal\": \"" T "\", \"checksum\": {\"v\": \"@C@\"}}",
        /* Optional fields are type-checked too. */
        "{\"resp_code\": \"00\", \"amount\": \"1000\", \"invoice\": \"INV0001\", "
        "\"terminal\": \"" T "\", \"checksum\": \"@C@\", \"card_number\": 4}",
        /* Empty resp_code. */
        "{\"resp_code\": \"\", \"amount\": \"1000\", \"invoice\": \"INV0001\", "
        "\"terminal\": \"" T "\", \"checksum\": \"@C@\"}",
        /* Missing resp_code. */
        "{\"amount\": \"1000\", \"invoice\": \"INV0001\", "
        "\"terminal\": \"" T "\", \"checksum\": \"@C@\"}",
        /* Missing amount. */
        "{\"resp_code\": \"00\", \"invoice\": \"INV0001\", "
        "\"terminal\": \"" T "\", \"checksum\": \"@C@\"}",
      };

      for (gsize i = 0; i < G_N_ELEMENTS (bodies); i++)
        {
          g_autoptr(GString) body = g_string_new (bodies[i]);

          g_string_replace (body, "@C@", checksum, 0);
          g_assert_cmpuint (post_push (f, "application/json", body->str), ==, 400);
        }
    }

  /* Bad invoices and amounts, each with a checksum over its own strings. */
    {
      const char * const invoices[] = { "", "INV 0001", "INV/0001", "ИНВ0001",
                                        "123456789012345678901234567890123" };
      const char * const amounts[] = { "0", "-1000", "1e3", "1000.00", "1000.5", "01000", " 1000",
                                       "1000 ", "", "10000000000000" };

      for (gsize i = 0; i < G_N_ELEMENTS (invoices); i++)
        {
          g_autofree char *body = valid_push_json (invoices[i], "1000");

          g_assert_cmpuint (post_push (f, "application/json", body), ==, 400);
        }
      for (gsize i = 0; i < G_N_ELEMENTS (amounts); i++)
        {
          g_autofree char *body = valid_push_json ("INV0001", amounts[i]);

          g_assert_cmpuint (post_push (f, "application/json", body), ==, 400);
        }
    }

  g_assert_cmpuint (f->n_pushes, ==, 0);
}

static void
test_checksum_refused (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *wrong_secret = kassa_checksum_concat ("not-the-secret", T, "INV0001", "1000",
                                                         NULL);
  /* Over another amount than the pushed one. */
  g_autofree char *other_amount = kassa_checksum_concat (S, T, "INV0001", "1001", NULL);
  g_autofree char *flipped = g_strdup (CHECKSUM_INV0001_1000);
  const char *checksums[] = {
    wrong_secret, other_amount, flipped,
    "", "e4d49e758d276b0da1247f36230e7765",
    CHECKSUM_INV0001_1000 "00",
    "z4d49e758d276b0da1247f36230e7765872e0e4094623018ff8f42407db9fe87",
  };

  flipped[63] = flipped[63] == '7' ? '8' : '7';

  for (gsize i = 0; i < G_N_ELEMENTS (checksums); i++)
    {
      g_autofree char *body = push_json (T, "INV0001", "1000", "00", checksums[i]);

      g_assert_cmpuint (post_push (f, "application/json", body), ==, 403);
    }

  /* Missing entirely: a malformed push. */
    {
      const char body[] = "{\"resp_code\": \"00\", \"amount\": \"1000\", "
                          "\"invoice\": \"INV0001\", \"terminal\": \"" T "\"}";

      g_assert_cmpuint (post_push (f, "application/json", body), ==, 400);
    }

  /* null is absent. */
    {
      const char body[] = "{\"resp_code\": \"00\", \"amount\": \"1000\", "
                          "\"invoice\": \"INV0001\", \"terminal\": \"" T "\", \"checksum\": null}";

      g_assert_cmpuint (post_push (f, "application/json", body), ==, 400);
    }

  g_assert_cmpuint (f->n_pushes, ==, 0);
}

static void
test_wrong_terminal (Fixture       *f,
                     gconstpointer  data)
{
  /* Well-formed, signed with our secret, but another terminal: 403. */
  g_autofree char *checksum = kassa_checksum_concat (S, "87654321", "INV0001", "1000", NULL);
  g_autofree char *other = push_json ("87654321", "INV0001", "1000", "00", checksum);
  /* Not a terminal at all: 400. */
  g_autofree char *checksum_bad = kassa_checksum_concat (S, "1234", "INV0001", "1000", NULL);
  g_autofree char *malformed = push_json ("1234", "INV0001", "1000", "00", checksum_bad);

  g_assert_cmpuint (post_push (f, "application/json", other), ==, 403);
  g_assert_cmpuint (post_push (f, "application/json", malformed), ==, 400);
  g_assert_cmpuint (f->n_pushes, ==, 0);
}

static void
test_form (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *checksum = kassa_checksum_concat (S, T, "INV-F1", "1000", NULL);
  g_autofree char *form = soup_form_encode ("resp_code", "00",
                                            "resp_desc", "Амжилттай",
                                            "amount", "1000",
                                            "invoice", "INV-F1",
                                            "terminal", T,
                                            "checksum", checksum,
                                            NULL);
  g_autofree char *bad_form = soup_form_encode ("resp_code", "00", "amount", "1000",
                                                "invoice", "INV-F1", "terminal", T,
                                                "checksum", CHECKSUM_INV0001_1000, NULL);

  g_assert_cmpuint (post_push (f, "application/x-www-form-urlencoded", form), ==, 200);
  g_assert_cmpuint (f->n_pushes, ==, 1);
  g_assert_cmpstr (f->invoice, ==, "INV-F1");
  g_assert_cmpint (f->amount, ==, 1000);

  /* The same rules apply to a form. */
  g_assert_cmpuint (post_push (f, "application/x-www-form-urlencoded", bad_form), ==, 403);
  g_assert_cmpuint (post_push (f, "application/x-www-form-urlencoded", "resp_code=00"), ==, 400);
  g_assert_cmpuint (f->n_pushes, ==, 1);

  /* No Content-Type: a body starting with "{" is JSON, anything else a form. */
    {
      g_autofree char *json = valid_push_json ("INV-F2", "1000");

      g_assert_cmpuint (post_push (f, NULL, json), ==, 200);
      g_assert_cmpstr (f->invoice, ==, "INV-F2");
      g_assert_cmpuint (post_push (f, NULL, form), ==, 200);
      g_assert_cmpstr (f->invoice, ==, "INV-F1");
    }

  g_assert_cmpuint (f->n_pushes, ==, 3);
}

/* Fields missing from the body come from the query string (as erxes merges
 * them); the same field with two different values is refused. */
static void
test_query_merge (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *checksum = kassa_checksum_concat (S, T, "INV-Q1", "1000", NULL);
  g_autofree char *body = soup_form_encode ("resp_code", "00", "amount", "1000",
                                            "invoice", "INV-Q1", "terminal", T, NULL);
  g_autofree char *query = soup_form_encode ("checksum", checksum, NULL);
  g_autofree char *url = g_strconcat (kassa_push_listener_get_url (f->listener), "?", query,
                                      NULL);
  g_autofree char *conflict_query = soup_form_encode ("checksum", checksum, "invoice", "INV-Q2",
                                                      NULL);
  g_autofree char *conflict_url = g_strconcat (kassa_push_listener_get_url (f->listener), "?",
                                               conflict_query, NULL);
  g_autofree char *all_query = soup_form_encode ("resp_code", "00", "amount", "1000",
                                                 "invoice", "INV-Q1", "terminal", T,
                                                 "checksum", checksum, NULL);
  g_autofree char *all_url = g_strconcat (kassa_push_listener_get_url (f->listener), "?",
                                          all_query, NULL);

  for (guint i = 0; i < 3; i++)
    {
      g_auto(Exchange) ex = { 0, };
      const char *target = i == 0 ? url : i == 1 ? conflict_url : all_url;

      exchange_full (f, "POST", target, "application/x-www-form-urlencoded",
                     i == 2 ? NULL : body, FALSE, &ex);
      g_assert_no_error (ex.error);
      g_assert_cmpuint (ex.status, ==, i == 1 ? 400 : 200);
    }

  g_assert_cmpuint (f->n_pushes, ==, 2);
  g_assert_cmpstr (f->invoice, ==, "INV-Q1");
}

/* "1000.00" is a valid amount only under amount-format=two-decimals, and the
 * checksum is over the pushed string, not a normalised one. */
static void
test_amount_plain_profile (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *body = valid_push_json ("INV0001", "1000.00");

  g_assert_cmpuint (post_push (f, "application/json", body), ==, 400);
  g_assert_cmpuint (f->n_pushes, ==, 0);
}

static void
test_amount_two_decimals (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *decimals = valid_push_json ("INV0001", "1000.00");
  g_autofree char *plain = valid_push_json ("INV0002", "1000");
  /* "1000.00" with the checksum over "1000": the bytes differ, so refused. */
  g_autofree char *normalised = push_json (T, "INV0001", "1000.00", "00", CHECKSUM_INV0001_1000);
  g_autofree char *fraction = valid_push_json ("INV0001", "1000.50");

  g_assert_cmpuint (post_push (f, "application/json", decimals), ==, 200);
  g_assert_cmpuint (f->n_pushes, ==, 1);
  g_assert_cmpstr (f->invoice, ==, "INV0001");
  g_assert_cmpint (f->amount, ==, 1000);

  g_assert_cmpuint (post_push (f, "application/json", plain), ==, 200);
  g_assert_cmpuint (f->n_pushes, ==, 2);
  g_assert_cmpstr (f->invoice, ==, "INV0002");

  g_assert_cmpuint (post_push (f, "application/json", normalised), ==, 403);
  g_assert_cmpuint (post_push (f, "application/json", fraction), ==, 400);
  g_assert_cmpuint (f->n_pushes, ==, 2);
}

static void
test_amount_as_number (void)
{
  g_autoptr(KassaBankProfile) profile = kassa_bank_profile_new ();
  g_autoptr(GError) error = NULL;
  Fixture fixture = { 0, };
  Fixture *f = &fixture;
  g_autofree char *body = g_strdup_printf ("{\"resp_code\": \"00\", \"amount\": 1000, "
                                           "\"invoice\": \"INV0001\", \"terminal\": \"%s\", "
                                           "\"checksum\": \"%s\"}", T, CHECKSUM_INV0001_1000);
  g_autofree char *float_body = g_strdup_printf ("{\"resp_code\": \"00\", \"amount\": 1000.0, "
                                                 "\"invoice\": \"INV0001\", \"terminal\": \"%s\", "
                                                 "\"checksum\": \"%s\"}", T, CHECKSUM_INV0001_1000);

  kassa_bank_profile_set_reading (profile, "amount-as-number", "true", &error);
  g_assert_no_error (error);
  fixture_start (f, profile);

  g_assert_cmpuint (post_push (f, "application/json", body), ==, 200);
  g_assert_cmpuint (f->n_pushes, ==, 1);
  g_assert_cmpint (f->amount, ==, 1000);
  g_assert_cmpuint (post_push (f, "application/json", float_body), ==, 400);
  g_assert_cmpuint (f->n_pushes, ==, 1);

  fixture_teardown (f, NULL);
}

/* Several pushes in one go: each announced once, in order. */
static guint
count_open_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;

  return n;
}

static void
test_many (Fixture       *f,
           gconstpointer  data)
{
  guint fds_before;

  /* Warm up (the session's resolver and the like), then count descriptors:
   * every reply closes its connection, so none may pile up. */
    {
      g_autofree char *body = valid_push_json ("INV-WARM", "1000");

      g_assert_cmpuint (post_push (f, "application/json", body), ==, 200);
      f->n_pushes = 0;
    }
  fds_before = count_open_fds ();

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *invoice = g_strdup_printf ("INV-M%u", i);
      g_autofree char *body = valid_push_json (invoice, "1000");

      g_assert_cmpuint (post_push (f, "application/json", body), ==, 200);
      g_assert_cmpuint (f->n_pushes, ==, i + 1);
      g_assert_cmpstr (f->invoice, ==, invoice);
    }

  g_assert_cmpuint (count_open_fds (), <=, fds_before + 2);
}

/* ------------------------------------------------------------------ */
/* Slow clients: the connection cap and the request deadline            */

/* A request whose headers never end: one more byte each second. */
#define SLOW_REQUEST "POST " PUSH_PATH " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "

typedef struct _SlowClients SlowClients;

typedef struct
{
  SlowClients       *owner;
  GSocketConnection *connection;   /* NULL once closed */
  GSource           *watch;        /* readable: the listener closed its end */
  guint              sent;
} SlowClient;

struct _SlowClients
{
  GSocketClient *client;
  GPtrArray     *clients;          /* SlowClient *, one per connection */
  gboolean       silent;           /* connect and never send anything */
  guint          n_connecting;
  guint          n_open;           /* connected, and not closed yet (one descriptor each) */
  guint          n_dropped;        /* closed by the listener */
  GSource       *tick;
};

static void
slow_client_close (SlowClient *c)
{
  if (c->connection == NULL)
    return;

  if (c->watch != NULL)
    g_source_destroy (c->watch);
  g_clear_pointer (&c->watch, g_source_unref);
  g_io_stream_close (G_IO_STREAM (c->connection), NULL, NULL);
  g_clear_object (&c->connection);
  c->owner->n_open--;
}

static void
slow_client_dropped (SlowClient *c)
{
  c->owner->n_dropped++;
  slow_client_close (c);
}

/* EOF or an error: the listener closed the connection. */
static gboolean
on_slow_client_readable_cb (GSocket      *socket,
                            GIOCondition  condition,
                            gpointer      user_data)
{
  SlowClient *c = user_data;
  g_autoptr(GError) error = NULL;
  char buffer[512];
  gssize n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);

  if (n > 0 || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;

  slow_client_dropped (c);

  return G_SOURCE_REMOVE;
}

static void
slow_client_send_byte (SlowClient *c)
{
  static const char request[] = SLOW_REQUEST;
  g_autoptr(GError) error = NULL;
  char byte = c->sent < sizeof request - 1 ? request[c->sent] : 'a';
  GSocket *socket = g_socket_connection_get_socket (c->connection);

  if (g_socket_send (socket, &byte, 1, NULL, &error) == 1)
    c->sent++;
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    slow_client_dropped (c);
}

static gboolean
on_slow_clients_tick_cb (gpointer user_data)
{
  SlowClients *clients = user_data;

  if (clients->silent)
    return G_SOURCE_CONTINUE;

  for (guint i = 0; i < clients->clients->len; i++)
    {
      SlowClient *c = g_ptr_array_index (clients->clients, i);

      if (c->connection != NULL)
        slow_client_send_byte (c);
    }

  return G_SOURCE_CONTINUE;
}

static void
slow_client_connect_cb (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  SlowClient *c = user_data;
  g_autoptr(GError) error = NULL;
  GSocket *socket;

  c->connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  g_assert_no_error (error);
  c->owner->n_connecting--;
  c->owner->n_open++;

  socket = g_socket_connection_get_socket (c->connection);
  g_socket_set_blocking (socket, FALSE);
  c->watch = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (c->watch, G_SOURCE_FUNC (on_slow_client_readable_cb), c, NULL);
  g_source_attach (c->watch, NULL);
  if (!c->owner->silent)
    slow_client_send_byte (c);
}

static void
slow_client_free (gpointer data)
{
  SlowClient *c = data;

  slow_client_close (c);
  g_free (c);
}

/* Opens @n more connections to @f's listener (in this thread's main context). */
static void
slow_clients_add (SlowClients *clients,
                  Fixture     *f,
                  guint        n)
{
  g_autoptr(GUri) uri = g_uri_parse (f->base_url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1",
                                                                          g_uri_get_port (uri));

  for (guint i = 0; i < n; i++)
    {
      SlowClient *c = g_new0 (SlowClient, 1);

      c->owner = clients;
      g_ptr_array_add (clients->clients, c);
      clients->n_connecting++;
      g_socket_client_connect_async (clients->client, G_SOCKET_CONNECTABLE (address), NULL,
                                     slow_client_connect_cb, c);
    }
}

static SlowClients *
slow_clients_start (Fixture  *f,
                    guint     n,
                    gboolean  silent)
{
  SlowClients *clients = g_new0 (SlowClients, 1);

  /* No proxy lookup: loopback only, and no resolver's descriptors in the count. */
  clients->client = g_socket_client_new ();
  g_socket_client_set_enable_proxy (clients->client, FALSE);
  clients->clients = g_ptr_array_new_with_free_func (slow_client_free);
  clients->silent = silent;
  slow_clients_add (clients, f, n);

  clients->tick = g_timeout_source_new (1000);
  g_source_set_callback (clients->tick, on_slow_clients_tick_cb, clients, NULL);
  g_source_attach (clients->tick, NULL);

  return clients;
}

/* Closes the clients' ends of whatever is still open. */
static void
slow_clients_free (SlowClients *clients)
{
  g_source_destroy (clients->tick);
  g_source_unref (clients->tick);
  g_ptr_array_unref (clients->clients);
  g_assert_cmpuint (clients->n_open, ==, 0);
  g_assert_finalize_object (clients->client);
  g_free (clients);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlowClients, slow_clients_free)

static gboolean
wake_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main context until @done (@data) holds or @bound_s seconds passed;
 * returns whether it holds. The caller asserts what it waited for, so a
 * listener that never gets there fails with the numbers. */
static gboolean
wait_until (gboolean (*done) (gpointer data),
            gpointer   data,
            guint      bound_s)
{
  gint64 end = g_get_monotonic_time () + bound_s * G_USEC_PER_SEC;
  guint wake = g_timeout_add (100, wake_cb, NULL);

  while (!done (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);

  return done (data);
}

typedef struct
{
  SlowClients *clients;
  guint        n_dropped;
  guint        n_fds;
} SlowWait;

static gboolean
all_connected_and_dropped (gpointer data)
{
  SlowWait *w = data;

  return w->clients->n_connecting == 0 && w->clients->n_dropped >= w->n_dropped;
}

/* Everything the listener opened is closed again (and so are the clients). */
static gboolean
fds_back_to (gpointer data)
{
  SlowWait *w = data;

  return count_open_fds () <= w->n_fds;
}

/* The descriptors of this process that are not the clients' own. */
static guint
listener_fds (SlowClients *clients)
{
  drain_main_context ();

  return count_open_fds () - clients->n_open;
}

/* Warm-up of what the first connections allocate once (the session, the
 * socket client's machinery), so that the baseline is the steady state. */
static guint
warm_up_and_count_fds (Fixture *f)
{
  g_autofree char *body = valid_push_json ("INV-WARM", "1000");
  g_autoptr(SlowClients) clients = slow_clients_start (f, 1, FALSE);
  SlowWait w = { clients, 0, 0 };

  g_assert_cmpuint (post_push (f, "application/json", body), ==, 200);
  f->n_pushes = 0;
  f->got_push = FALSE;
  g_assert_true (wait_until (all_connected_and_dropped, &w, 20));
  slow_client_close (g_ptr_array_index (clients->clients, 0));
  g_clear_pointer (&clients, slow_clients_free);
  drain_main_context ();

  return count_open_fds ();
}

/* The fault: 200 connections trickling one byte a second were all kept open
 * (16 → 216 descriptors). Now at most max-connections are: each new one
 * closes the oldest, long before any deadline; a real push still gets
 * through while the cap is full; and everything is closed in the end. */
static void
test_connection_cap (Fixture       *f,
                     gconstpointer  data)
{
  const guint cap = 8;
  const guint n = 200;
  const guint batch = 20;
  gboolean keeping_up = TRUE;
  guint baseline;
  g_autoptr(SlowClients) clients = NULL;
  g_autofree char *body = valid_push_json ("INV-CAP", "1000");
  SlowWait w;

  /* A deadline far beyond the test's waits: only the cap can close anything. */
  g_object_set (f->listener, "max-connections", cap, "request-timeout", 600, NULL);
  baseline = warm_up_and_count_fds (f);

  /* In batches the listen queue holds, each waited for: the listener has
   * accepted the batch once all but the newest cap were closed. */
  clients = slow_clients_start (f, 0, FALSE);
  for (guint total = batch; total <= n; total += batch)
    {
      slow_clients_add (clients, f, batch);
      /* A listener that fell behind once is not waited for again: all n
       * still connect, and the assertions below say how many it kept. */
      w = (SlowWait) { clients, keeping_up ? total - cap : 0, 0 };
      keeping_up = wait_until (all_connected_and_dropped, &w, 30) && keeping_up;
    }
  g_test_message ("%u descriptors before, %u of the listener with %u clients open",
                  baseline, listener_fds (clients), clients->n_open);
  g_assert_cmpuint (listener_fds (clients), <=, baseline + cap);
  g_assert_cmpuint (clients->n_connecting, ==, 0);
  g_assert_cmpuint (clients->n_dropped, ==, n - cap);
  g_assert_cmpuint (clients->n_open, ==, cap);

  /* The cap is full of slow clients: a correctly signed push still gets
   * through, and still only the cap is open. */
  g_assert_cmpuint (post_push (f, "application/json", body), ==, 200);
  g_assert_cmpuint (f->n_pushes, ==, 1);
  g_assert_cmpstr (f->invoice, ==, "INV-CAP");
  g_assert_cmpuint (listener_fds (clients), <=, baseline + cap);

  /* The slow clients give up: the listener closes its ends, leaking none. */
  for (guint i = 0; i < clients->clients->len; i++)
    slow_client_close (g_ptr_array_index (clients->clients, i));
  w = (SlowWait) { clients, 0, baseline };
  wait_until (fds_back_to, &w, 30);
  g_assert_cmpuint (count_open_fds (), ==, baseline);
}

/* Under the cap, connections that never complete a request are closed by
 * the listener after request-timeout, whether they trickle or stay silent,
 * and their descriptors are gone. */
static void
test_request_timeout (Fixture       *f,
                      gconstpointer  data)
{
  guint baseline;
  g_autoptr(SlowClients) trickling = NULL;
  g_autoptr(SlowClients) silent = NULL;
  g_autofree char *body = valid_push_json ("INV-SLOW", "1000");
  SlowWait w;

  g_object_set (f->listener, "request-timeout", 2, NULL);
  baseline = warm_up_and_count_fds (f);

  trickling = slow_clients_start (f, 10, FALSE);
  silent = slow_clients_start (f, 5, TRUE);
  w = (SlowWait) { trickling, 10, 0 };
  wait_until (all_connected_and_dropped, &w, 30);
  w = (SlowWait) { silent, 5, 0 };
  wait_until (all_connected_and_dropped, &w, 30);
  g_assert_cmpuint (trickling->n_dropped, ==, 10);
  g_assert_cmpuint (silent->n_dropped, ==, 5);
  g_assert_cmpuint (trickling->n_open + silent->n_open, ==, 0);

  w = (SlowWait) { NULL, 0, baseline };
  wait_until (fds_back_to, &w, 30);
  g_assert_cmpuint (count_open_fds (), ==, baseline);

  /* A real push after them is answered as ever. */
  g_assert_cmpuint (post_push (f, "application/json", body), ==, 200);
  g_assert_cmpuint (f->n_pushes, ==, 1);
}

/* A client that asks to keep the connection alive is answered and closed:
 * no connection idles after its reply. */
static void
test_keep_alive_closed (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *body = valid_push_json ("INV-KEEP", "1000");
  g_autofree char *request = NULL;
  g_autoptr(SlowClients) clients = NULL;
  g_autoptr(GString) reply = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  SlowClient *c;
  SlowWait w;

  /* A silent client's connection, used by hand: one complete request. */
  g_object_set (f->listener, "request-timeout", 600, NULL);
  clients = slow_clients_start (f, 1, TRUE);
  w = (SlowWait) { clients, 0, 0 };
  g_assert_true (wait_until (all_connected_and_dropped, &w, 20));
  c = g_ptr_array_index (clients->clients, 0);
  g_source_destroy (c->watch);
  g_clear_pointer (&c->watch, g_source_unref);
  g_socket_set_blocking (g_socket_connection_get_socket (c->connection), TRUE);
  g_socket_set_timeout (g_socket_connection_get_socket (c->connection), 20);

  request = g_strdup_printf ("POST " PUSH_PATH " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Connection: keep-alive\r\nContent-Type: application/json\r\n"
                             "Content-Length: %zu\r\n\r\n%s", strlen (body), body);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (c->connection)),
                             request, strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);

  /* The listener runs in this thread: read with the main context turning. */
  for (guint i = 0; i < 200; i++)
    {
      char buffer[512];
      gssize n;

      drain_main_context ();
      n = g_socket_receive_with_blocking (g_socket_connection_get_socket (c->connection),
                                          buffer, sizeof buffer, FALSE, NULL, &error);
      if (n == 0)
        break;
      if (n < 0)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
          g_clear_error (&error);
          g_usleep (50000);
          continue;
        }
      g_string_append_len (reply, buffer, n);
    }

  g_test_message ("%s", reply->str);
  g_assert_true (g_str_has_prefix (reply->str, "HTTP/1.1 200"));
  g_assert_nonnull (strstr (reply->str, "Connection: close"));
  /* The loop ended on EOF, not on its bound. */
  g_assert_true (g_socket_condition_check (g_socket_connection_get_socket (c->connection),
                                           G_IO_IN) != 0);
  drain_main_context ();
  g_assert_cmpuint (f->n_pushes, ==, 1);
  slow_client_close (c);
}

/* The documented defaults (docs/push.md). */
static void
test_limits_defaults (void)
{
  g_autoptr(KassaPushListener) listener = kassa_push_listener_new (T, S, NULL);
  guint max_connections = 0;
  guint request_timeout = 0;

  g_object_get (listener, "max-connections", &max_connections,
                "request-timeout", &request_timeout, NULL);
  g_assert_cmpuint (max_connections, ==, 32);
  g_assert_cmpuint (request_timeout, ==, 10);
  g_assert_cmpuint (KASSA_PUSH_MAX_CONNECTIONS, ==, 32);
  g_assert_cmpuint (KASSA_PUSH_REQUEST_TIMEOUT, ==, 10);
}

/* ------------------------------------------------------------------ */
/* Lifecycle and configuration                                         */

static void
on_push_shutdown_cb (KassaPushListener *listener,
                     const char        *invoice,
                     gint64             amount,
                     const char        *resp_code,
                     Fixture           *f)
{
  kassa_push_listener_shutdown (listener);
}

static void
test_shutdown (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *old_url = g_strdup (kassa_push_listener_get_url (f->listener));
  g_autofree char *body = valid_push_json ("INV0001", "1000");
  g_autoptr(GError) error = NULL;

  kassa_push_listener_shutdown (f->listener);
  kassa_push_listener_shutdown (f->listener);
  g_assert_null (kassa_push_listener_get_url (f->listener));

  /* Nobody listens any more. */
    {
      g_auto(Exchange) ex = { 0, };

      exchange_full (f, "POST", old_url, "application/json", body, FALSE, &ex);
      g_assert_error (ex.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
    }

  /* And it can listen again; a handler may shut it down from the signal. */
  kassa_push_listener_listen (f->listener, "127.0.0.1", 0, "/other/path", NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (kassa_push_listener_get_url (f->listener), "/other/path"));
  g_signal_connect (f->listener, "push-received", G_CALLBACK (on_push_shutdown_cb), f);
  g_assert_cmpuint (post_push (f, "application/json", body), ==, 200);
  g_assert_cmpuint (f->n_pushes, ==, 1);
  g_assert_null (kassa_push_listener_get_url (f->listener));
}

static void
test_listen_errors (void)
{
  g_autoptr(KassaPushListener) listener = kassa_push_listener_new (T, S, NULL);
  g_autoptr(KassaPushListener) second = kassa_push_listener_new (T, S, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;
  const char * const bad_addresses[] = { "localhost", "", "127.0.0.1:80", "256.1.1.1" };
  const char * const bad_paths[] = { "", "kassa/push", "/kassa push", "/kassa?x=1", "/../etc",
                                     "/kassa/%2e", "/касс" };

  for (gsize i = 0; i < G_N_ELEMENTS (bad_addresses); i++)
    {
      g_assert_false (kassa_push_listener_listen (listener, bad_addresses[i], 0, PUSH_PATH,
                                                  NULL, NULL, &error));
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL);
      g_clear_error (&error);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (bad_paths); i++)
    {
      g_assert_false (kassa_push_listener_listen (listener, "127.0.0.1", 0, bad_paths[i],
                                                  NULL, NULL, &error));
      g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL);
      g_clear_error (&error);
    }

  g_assert_false (kassa_push_listener_listen (listener, "127.0.0.1", 70000, PUSH_PATH,
                                              NULL, NULL, &error));
  g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL);
  g_clear_error (&error);

  g_assert_false (kassa_push_listener_listen (listener, "127.0.0.1", 0, PUSH_PATH,
                                              "/nonexistent/cert.pem", NULL, &error));
  g_assert_error (error, KASSA_INPUT_ERROR, KASSA_INPUT_ERROR_URL);
  g_clear_error (&error);

  g_assert_false (kassa_push_listener_listen (listener, "127.0.0.1", 0, PUSH_PATH,
                                              "/nonexistent/cert.pem", "/nonexistent/key.pem",
                                              &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "TLS certificate"));
  g_clear_error (&error);
  g_assert_null (kassa_push_listener_get_url (listener));

  /* A port already taken: the GIO error, prefixed. */
  kassa_push_listener_listen (listener, "127.0.0.1", 0, PUSH_PATH, NULL, NULL, &error);
  g_assert_no_error (error);
  uri = g_uri_parse (kassa_push_listener_get_url (listener), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_false (kassa_push_listener_listen (second, "127.0.0.1", g_uri_get_port (uri),
                                              PUSH_PATH, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  g_assert_null (kassa_push_listener_get_url (second));

  /* The secret never comes back out. */
  g_assert_cmpstr (kassa_push_listener_get_terminal (listener), ==, T);
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (listener), "secret");

      g_assert_nonnull (pspec);
      g_assert_false (pspec->flags & G_PARAM_READABLE);
    }
}

/* LAN exposure: 0.0.0.0 is reachable on loopback too. */
static void
test_any_address (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;
  Fixture fixture = { 0, };
  Fixture *f = &fixture;
  g_autofree char *body = valid_push_json ("INV0001", "1000");
  g_autofree char *url = NULL;

  f->listener = kassa_push_listener_new (T, S, NULL);
  g_signal_connect (f->listener, "push-received", G_CALLBACK (on_push_received_cb), f);
  kassa_push_listener_listen (f->listener, "0.0.0.0", 0, PUSH_PATH, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (kassa_push_listener_get_url (f->listener), "http://0.0.0.0:"));
  uri = g_uri_parse (kassa_push_listener_get_url (f->listener), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  f->base_url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uri));
  f->session = soup_session_new_with_options ("timeout", 20, NULL);
  url = g_strconcat (f->base_url, PUSH_PATH, NULL);

    {
      g_auto(Exchange) ex = { 0, };

      exchange_full (f, "POST", url, "application/json", body, FALSE, &ex);
      g_assert_no_error (ex.error);
      g_assert_cmpuint (ex.status, ==, 200);
    }
  g_assert_cmpuint (f->n_pushes, ==, 1);

  fixture_teardown (f, NULL);
}

static void
test_tls (void)
{
  const char * const args[] = {
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem", NULL,
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kassa-push-tls-XXXXXX", &error);
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GTlsDatabase) database = NULL;
  g_autofree char *body = valid_push_json ("INV0001", "1000");
  Fixture fixture = { 0, };
  Fixture *f = &fixture;

  g_assert_no_error (error);
  /* See test-bank-client.c: LeakSanitizer cannot run with GnuTLS loaded. */
  if (g_getenv ("KASSA_TEST_NO_TLS") != NULL)
    {
      g_rmdir (dir);
      g_test_skip ("KASSA_TEST_NO_TLS is set (sanitizer run)");
      return;
    }
  kassa_test_run_openssl (dir, args);
  cert = g_build_filename (dir, "cert.pem", NULL);
  key = g_build_filename (dir, "key.pem", NULL);

  f->listener = kassa_push_listener_new (T, S, NULL);
  g_signal_connect (f->listener, "push-received", G_CALLBACK (on_push_received_cb), f);
  kassa_push_listener_listen (f->listener, "127.0.0.1", 0, PUSH_PATH, cert, key, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (kassa_push_listener_get_url (f->listener),
                                   "https://127.0.0.1:"));

  database = g_tls_file_database_new (cert, &error);
  g_assert_no_error (error);
  f->session = soup_session_new_with_options ("timeout", 20, "tls-database", database, NULL);
  f->base_url = g_strdup ("unused");

  g_assert_cmpuint (post_push (f, "application/json", body), ==, 200);
  g_assert_cmpuint (f->n_pushes, ==, 1);

  fixture_teardown (f, NULL);
  g_assert_cmpint (g_unlink (cert), ==, 0);
  g_assert_cmpint (g_unlink (key), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/push/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("sim", test_sim_push);
  g_test_add ("/push/sim-two-decimals", Fixture, NULL, fixture_setup_two_decimals,
              test_sim_push_two_decimals, fixture_teardown);
  ADD ("valid", test_valid);
  ADD ("declined-resp-code", test_declined_resp_code);
  ADD ("uppercase-checksum", test_uppercase_checksum);
  ADD ("wrong-method", test_wrong_method);
  ADD ("wrong-path", test_wrong_path);
  ADD ("oversized", test_oversized);
  ADD ("malformed", test_malformed);
  ADD ("checksum-refused", test_checksum_refused);
  ADD ("wrong-terminal", test_wrong_terminal);
  ADD ("form", test_form);
  ADD ("query-merge", test_query_merge);
  ADD ("amount-plain-profile", test_amount_plain_profile);
  g_test_add ("/push/amount-two-decimals", Fixture, NULL, fixture_setup_two_decimals,
              test_amount_two_decimals, fixture_teardown);
  g_test_add_func ("/push/amount-as-number", test_amount_as_number);
  ADD ("many", test_many);
  ADD ("connection-cap", test_connection_cap);
  ADD ("request-timeout", test_request_timeout);
  ADD ("keep-alive-closed", test_keep_alive_closed);
  g_test_add_func ("/push/limits-defaults", test_limits_defaults);
  ADD ("shutdown", test_shutdown);
  g_test_add_func ("/push/listen-errors", test_listen_errors);
  g_test_add_func ("/push/any-address", test_any_address);
  g_test_add_func ("/push/tls", test_tls);

#undef ADD

  return g_test_run ();
}
