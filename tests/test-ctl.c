/* test-ctl.c — kassa-ctl as a real process against kassa-bank-sim
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "kassa-test-ctl.h"
#include "kassa-test-util.h"

/* A secret the bank does not know; it must never show up in any output. */
#define WRONG_SECRET "topsecret-XYZ"

typedef struct
{
  KassaTestSim *sim;
  char         *tmpdir;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sim = kassa_test_sim_spawnv (NULL);
  f->tmpdir = g_dir_make_tmp ("test-ctl-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  kassa_test_remove_tree (f->tmpdir);
  g_free (f->tmpdir);
  g_clear_pointer (&f->sim, kassa_test_sim_free);
}

/* What holds for every run besides kassa_test_ctl_finish()'s checks: a secret
 * the bank does not know never shows up in the output either. */
static KassaTestCtl *
ctl_checked (KassaTestCtl *result)
{
  g_assert_null (strstr (result->out, WRONG_SECRET));
  g_assert_null (strstr (result->err, WRONG_SECRET));

  return result;
}

/* The environment is set explicitly: NULL means "set but empty", which
 * kassa-ctl treats as unset. */
static KassaTestCtl *
ctl_run_envv (const char          *url,
              const char          *terminal,
              const char          *secret,
              const char * const  *args)
{
  KassaTestCtlOptions options = { .url = url, .terminal = terminal, .secret = secret };

  return ctl_checked (kassa_test_ctl_run (&options, args));
}

/* NULL-terminated argument lists. */
#define ctl_run_env(url, terminal, secret, ...) \
  ctl_run_envv ((url), (terminal), (secret), (const char * const []) { __VA_ARGS__ })
/* kassa-ctl with the simulator's URL and the test terminal and secret. */
#define ctl_run(f, ...) \
  ctl_run_envv (kassa_test_sim_get_url ((f)->sim), KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, \
                (const char * const []) { __VA_ARGS__ })

/* The member @name of @object, which must hold a value of @type. */
static JsonNode *
typed_member (JsonObject *object,
              const char *name,
              GType       type)
{
  JsonNode *node = json_object_get_member (object, name);

  g_assert_nonnull (node);
  g_assert_cmpint (json_node_get_value_type (node), ==, type);

  return node;
}

static void
assert_string_member (JsonObject *object,
                      const char *name,
                      const char *expected)
{
  JsonNode *node = typed_member (object, name, G_TYPE_STRING);

  if (expected != NULL)
    g_assert_cmpstr (json_node_get_string (node), ==, expected);
  else
    g_assert_cmpstr (json_node_get_string (node), !=, "");
}

static void
assert_int_member (JsonObject *object,
                   const char *name,
                   gint64      expected)
{
  g_assert_cmpint (json_node_get_int (typed_member (object, name, G_TYPE_INT64)), ==, expected);
}

static void
assert_bool_member (JsonObject *object,
                    const char *name,
                    gboolean    expected)
{
  g_assert_cmpint (json_node_get_boolean (typed_member (object, name, G_TYPE_BOOLEAN)), ==,
                   expected);
}

/* The invoices the simulated bank knows, as a JSON array. */
static guint
sim_count_invoices (Fixture *f)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *reply = NULL;
  guint status = 0;
  JsonNode *root;

  reply = kassa_test_sim_control (f->sim, "/sim/invoices", NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  json_parser_load_from_data (parser, reply, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_cmpint (json_node_get_node_type (root), ==, JSON_NODE_ARRAY);

  return json_array_get_length (json_node_get_array (root));
}

static char *
write_file (Fixture    *f,
            const char *name,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->tmpdir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);

  return path;
}

static char *
write_secret_file (Fixture    *f,
                   const char *name,
                   const char *contents,
                   int         mode)
{
  char *path = write_file (f, name, contents);

  g_assert_cmpint (g_chmod (path, mode), ==, 0);

  return path;
}

/* A loopback URL on which nothing listens. */
static char *
dead_url (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;

  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_listener_close (listener);

  return g_strdup_printf ("http://127.0.0.1:%u", port);
}

/* --- help ------------------------------------------------------------------------------------ */

static void
assert_lists_exit_codes (const char *text)
{
  for (int code = 0; code <= 6; code++)
    {
      g_autofree char *pattern = g_strdup_printf ("^\\s+%d\\s+\\w", code);

      if (!g_regex_match_simple (pattern, text, G_REGEX_MULTILINE, 0))
        g_error ("exit code %d is not in the help:\n%s", code, text);
    }
}

static void
test_ctl_help (void)
{
  g_autoptr(KassaTestCtl) bank = NULL;
  g_autoptr(KassaTestCtl) top = NULL;
  g_autoptr(KassaTestCtl) bare = NULL;
  g_autoptr(KassaTestCtl) unknown = NULL;

  bank = ctl_run_env (NULL, NULL, NULL, "bank", "--help", NULL);
  g_assert_cmpint (bank->status, ==, 0);
  assert_lists_exit_codes (bank->out);
  for (guint i = 0; i < 7; i++)
    {
      const char *words[] = { "qr AMOUNT INVOICE", "deeplink AMOUNT INVOICE",
                              "phone AMOUNT INVOICE PHONE", "check AMOUNT INVOICE",
                              "cancel AMOUNT INVOICE", "refund AMOUNT INVOICE",
                              "settle SETTLEMENT_ID" };

      g_assert_nonnull (strstr (bank->out, words[i]));
    }
  g_assert_nonnull (strstr (bank->out, "--secret-file"));
  g_assert_nonnull (strstr (bank->out, "/proc"));
  g_assert_nonnull (strstr (bank->out, "KASSA_BANK_CA_FILE"));

  top = ctl_run_env (NULL, NULL, NULL, "--help", NULL);
  g_assert_cmpint (top->status, ==, 0);
  g_assert_nonnull (strstr (top->out, "bank"));
  assert_lists_exit_codes (top->out);

  bare = ctl_run_envv (NULL, NULL, NULL, (const char * const[]) { NULL });
  g_assert_cmpint (bare->status, ==, 2);
  g_assert_cmpstr (bare->out, ==, "");

  unknown = ctl_run_env (NULL, NULL, NULL, "banc", "qr", "1000", "INV1", NULL);
  kassa_test_ctl_assert_failed (unknown, 2);
}

/* --- the full cycle ---------------------------------------------------------------------------- */

static void
test_ctl_cycle (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(KassaTestCtl) qr1 = NULL;
  g_autoptr(KassaTestCtl) qr2 = NULL;
  g_autoptr(KassaTestCtl) check1 = NULL;
  g_autoptr(KassaTestCtl) check2 = NULL;
  g_autoptr(KassaTestCtl) refund = NULL;
  g_autoptr(KassaTestCtl) settle = NULL;
  JsonObject *json;

  /* The cashier's ways of typing an amount all reach the bank as a whole number. */
  qr1 = ctl_run (f, "bank", "qr", "1 500", "CYCLE-1", NULL);
  json = kassa_test_ctl_assert_json (qr1);
  assert_string_member (json, "command", "qr");
  assert_string_member (json, "invoice", "CYCLE-1");
  assert_int_member (json, "amount", 1500);
  assert_string_member (json, "desc", NULL);
  /* the desc of a QR invoice is an EMV merchant-presented payload */
  g_assert_true (g_str_has_prefix (json_object_get_string_member (json, "desc"), "000201"));

  qr2 = ctl_run (f, "bank", "qr", "2,000₮", "CYCLE-2", NULL);
  json = kassa_test_ctl_assert_json (qr2);
  assert_int_member (json, "amount", 2000);

  kassa_test_sim_pay (f->sim, "CYCLE-1");
  kassa_test_sim_pay (f->sim, "CYCLE-2");

  check1 = ctl_run (f, "bank", "check", "1500", "CYCLE-1", NULL);
  json = kassa_test_ctl_assert_json (check1);
  assert_string_member (json, "command", "check");
  assert_string_member (json, "invoice", "CYCLE-1");
  assert_int_member (json, "amount", 1500);
  assert_bool_member (json, "paid", TRUE);

  check2 = ctl_run (f, "bank", "check", "2000", "CYCLE-2", NULL);
  json = kassa_test_ctl_assert_json (check2);
  assert_bool_member (json, "paid", TRUE);

  refund = ctl_run (f, "bank", "refund", "2000", "CYCLE-2", NULL);
  json = kassa_test_ctl_assert_json (refund);
  assert_string_member (json, "command", "refund");
  assert_string_member (json, "invoice", "CYCLE-2");
  assert_int_member (json, "amount", 2000);
  assert_bool_member (json, "refunded", TRUE);
  g_assert_false (json_object_has_member (json, "paid"));

  /* Flags after the command words work as well as before them. */
  settle = ctl_run (f, "bank", "settle", "DAY-1", "--timeout", "10", NULL);
  json = kassa_test_ctl_assert_json (settle);
  assert_string_member (json, "command", "settle");
  assert_string_member (json, "settlement_id", "DAY-1");
  g_assert_false (json_object_has_member (json, "invoice"));
  /* CYCLE-2 was refunded: only CYCLE-1 is in the batch. */
  assert_int_member (json, "count", 1);
  assert_int_member (json, "amount", 1500);
}

static void
test_ctl_check_unpaid (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(KassaTestCtl) qr = NULL;
  g_autoptr(KassaTestCtl) check = NULL;

  qr = ctl_run (f, "bank", "qr", "1000", "UNPAID-1", NULL);
  kassa_test_ctl_assert_json (qr);

  /* Under the default reading an unpaid invoice is a refusal, in the bank's words. */
  check = ctl_run (f, "bank", "check", "1000", "UNPAID-1", NULL);
  kassa_test_ctl_assert_failed (check, 4);
  g_assert_true (g_regex_match_simple ("\\[\\S+\\]\n$", check->err, 0, 0));
}

static void
test_ctl_cancel (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(KassaTestCtl) qr = NULL;
  g_autoptr(KassaTestCtl) cancel = NULL;
  g_autoptr(KassaTestCtl) cancel_again = NULL;

  qr = ctl_run (f, "bank", "qr", "1000", "CANCEL-1", NULL);
  kassa_test_ctl_assert_json (qr);

  cancel = ctl_run (f, "bank", "cancel", "1000", "CANCEL-1", NULL);
  assert_string_member (kassa_test_ctl_assert_json (cancel), "command", "cancel");

  cancel_again = ctl_run (f, "bank", "cancel", "1000", "CANCEL-1", NULL);
  kassa_test_ctl_assert_failed (cancel_again, 4);
}

static void
test_ctl_deeplink_phone (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(KassaTestCtl) deeplink = NULL;
  g_autoptr(KassaTestCtl) phone = NULL;
  g_autoptr(KassaTestCtl) check = NULL;
  JsonObject *json;

  deeplink = ctl_run (f, "bank", "deeplink", "3000", "LINK-1", NULL);
  json = kassa_test_ctl_assert_json (deeplink);
  assert_string_member (json, "command", "deeplink");
  assert_string_member (json, "invoice", "LINK-1");
  assert_int_member (json, "amount", 3000);
  assert_string_member (json, "desc", NULL);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (json, "desc"),
                                   "socialpay-payment://"));

  phone = ctl_run (f, "bank", "phone", "4000", "PHONE-1", "99112233", NULL);
  json = kassa_test_ctl_assert_json (phone);
  assert_string_member (json, "command", "phone");
  assert_string_member (json, "invoice", "PHONE-1");
  assert_string_member (json, "phone", "99112233");
  assert_int_member (json, "amount", 4000);

  kassa_test_sim_pay (f->sim, "PHONE-1");
  check = ctl_run (f, "bank", "check", "4000", "PHONE-1", NULL);
  assert_bool_member (kassa_test_ctl_assert_json (check), "paid", TRUE);
}

/* --- exit code 2: nothing is sent ------------------------------------------------------------- */

static void
test_ctl_usage (Fixture       *f,
                gconstpointer  data)
{
  const char *invoice33 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456";
  const char *invoice32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
  const char *url = kassa_test_sim_get_url (f->sim);
  g_autofree char *missing = g_build_filename (f->tmpdir, "missing", NULL);
  g_autofree char *bad_ca = write_file (f, "bad-ca.pem", "not a certificate\n");
  g_autofree char *bad_profile = write_file (f, "bad.profile", "no-such-reading=1\n");
  const char * const cases[][8] = {
    { "bank", "qr", "abc", "USAGE-1", NULL },
    { "bank", "qr", "0", "USAGE-1", NULL },
    { "bank", "qr", "-5", "USAGE-1", NULL },
    { "bank", "qr", "10.50", "USAGE-1", NULL },
    { "bank", "qr", "1000", invoice33, NULL },
    { "bank", "qr", "1000", "BAD INVOICE", NULL },
    { "bank", "qr", "1000", "", NULL },
    { "bank", "phone", "1000", "USAGE-1", "123", NULL },
    { "bank", "phone", "1000", "USAGE-1", "9911223x", NULL },
    { "bank", "settle", "BAD ID", NULL },
    { "bank", NULL },
    { "bank", "pay", "1000", "USAGE-1", NULL },
    { "bank", "qr", "1000", NULL },
    { "bank", "qr", "1000", "USAGE-1", "extra", NULL },
    { "bank", "--secret", KASSA_TEST_SECRET, "qr", "1000", "USAGE-1", NULL },
    { "bank", "--timeout", "0", "qr", "1000", "USAGE-1", NULL },
    { "bank", "--reading", "nonsense", "qr", "1000", "USAGE-1", NULL },
    { "bank", "--reading", "unpaid-check-style=maybe", "qr", "1000", "USAGE-1", NULL },
    { "bank", "--secret-file", missing, "qr", "1000", "USAGE-1", NULL },
    { "bank", "--ca-file", missing, "qr", "1000", "USAGE-1", NULL },
    { "bank", "--ca-file", bad_ca, "qr", "1000", "USAGE-1", NULL },
    { "bank", "--profile", missing, "qr", "1000", "USAGE-1", NULL },
    { "bank", "--profile", bad_profile, "qr", "1000", "USAGE-1", NULL },
    { "bank", "--url", "http://example.com", "qr", "1000", "USAGE-1", NULL },
    { "bank", "--url", "not a url", "qr", "1000", "USAGE-1", NULL },
  };
  g_autoptr(KassaTestCtl) no_secret = NULL;
  g_autoptr(KassaTestCtl) no_terminal = NULL;
  g_autoptr(KassaTestCtl) bad_terminal = NULL;
  g_autoptr(KassaTestCtl) plain_http = NULL;
  g_autoptr(KassaTestCtl) longest = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KassaTestCtl) result = NULL;

      g_test_message ("case %u: %s %s %s", i, cases[i][1], cases[i][2], cases[i][3]);
      result = ctl_run_envv (url, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET, cases[i]);
      kassa_test_ctl_assert_failed (result, 2);
    }

  no_secret = ctl_run_env (url, KASSA_TEST_TERMINAL, NULL,
                           "bank", "qr", "1000", "USAGE-1", NULL);
  kassa_test_ctl_assert_failed (no_secret, 2);
  g_assert_nonnull (strstr (no_secret->err, "KASSA_SECRET"));

  no_terminal = ctl_run_env (url, NULL, KASSA_TEST_SECRET,
                             "bank", "qr", "1000", "USAGE-1", NULL);
  kassa_test_ctl_assert_failed (no_terminal, 2);
  g_assert_nonnull (strstr (no_terminal->err, "KASSA_TERMINAL"));

  bad_terminal = ctl_run_env (url, "1234", KASSA_TEST_SECRET,
                              "bank", "qr", "1000", "USAGE-1", NULL);
  kassa_test_ctl_assert_failed (bad_terminal, 2);

  /* From the environment as well as from --url. */
  plain_http = ctl_run_env ("http://example.com", KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                            "bank", "qr", "1000", "USAGE-1", NULL);
  kassa_test_ctl_assert_failed (plain_http, 2);

  /* None of it reached the bank. */
  g_assert_cmpuint (sim_count_invoices (f), ==, 0);

  /* The boundary: 32 characters is a valid invoice number. */
  longest = ctl_run (f, "bank", "qr", "1000", invoice32, NULL);
  assert_string_member (kassa_test_ctl_assert_json (longest), "invoice", invoice32);
  g_assert_cmpuint (sim_count_invoices (f), ==, 1);
}

/* --- exit code 3: network ---------------------------------------------------------------------- */

static void
test_ctl_network (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *dead = dead_url ();
  g_autoptr(KassaTestCtl) refused = NULL;
  g_autoptr(KassaTestCtl) qr = NULL;
  g_autoptr(KassaTestCtl) slow = NULL;
  g_autoptr(KassaTestCtl) dropped = NULL;
  g_autoptr(KassaTestCtl) after = NULL;

  refused = ctl_run_env (dead, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                         "bank", "qr", "1000", "NET-1", NULL);
  kassa_test_ctl_assert_failed (refused, 3);

  qr = ctl_run (f, "bank", "qr", "1000", "NET-1", NULL);
  kassa_test_ctl_assert_json (qr);
  kassa_test_sim_pay (f->sim, "NET-1");

  kassa_test_sim_fault (f->sim, "check", "delay", 3000, 1);
  slow = ctl_run (f, "bank", "--timeout", "1", "check", "1000", "NET-1", NULL);
  kassa_test_ctl_assert_failed (slow, 3);

  kassa_test_sim_fault (f->sim, "check", "drop", 0, 1);
  dropped = ctl_run (f, "bank", "check", "1000", "NET-1", NULL);
  kassa_test_ctl_assert_failed (dropped, 3);

  /* The faults were for one request each. */
  after = ctl_run (f, "bank", "check", "1000", "NET-1", NULL);
  assert_bool_member (kassa_test_ctl_assert_json (after), "paid", TRUE);
}

/* A bank on loopback (the simulator) is reached directly even when the
 * environment names a proxy — here one that refuses every connection — and
 * GIO's system proxy resolver (libproxy, which honours http_proxy) is in use. */
static void
test_ctl_loopback_no_proxy (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *saved_resolver = g_strdup (g_getenv ("GIO_USE_PROXY_RESOLVER"));
  g_autofree char *proxy = dead_url ();
  g_autoptr(KassaTestCtl) qr = NULL;

  g_unsetenv ("GIO_USE_PROXY_RESOLVER");
  g_setenv ("http_proxy", proxy, TRUE);
  g_setenv ("HTTP_PROXY", proxy, TRUE);
  g_unsetenv ("no_proxy");
  g_unsetenv ("NO_PROXY");

  qr = ctl_run (f, "bank", "qr", "1000", "PROXY-1", NULL);

  g_unsetenv ("http_proxy");
  g_unsetenv ("HTTP_PROXY");
  if (saved_resolver != NULL)
    g_setenv ("GIO_USE_PROXY_RESOLVER", saved_resolver, TRUE);

  assert_string_member (kassa_test_ctl_assert_json (qr), "invoice", "PROXY-1");
}

static void
test_ctl_sigint (Fixture       *f,
                 gconstpointer  data)
{
  const char * const args[] = { "bank", "qr", "1000", "SIGINT-1", NULL };
  KassaTestCtlOptions options = { .sim = f->sim };
  g_autoptr(KassaTestCtl) result = NULL;

  kassa_test_sim_fault (f->sim, "qr", "delay", 20000, 1);
  result = kassa_test_ctl_start (&options, args);
  /* Give it time to start and send; the bank holds the answer for 20 s. */
  g_usleep (G_USEC_PER_SEC);
  g_subprocess_send_signal (kassa_test_ctl_get_process (result), SIGINT);

  kassa_test_ctl_finish (result);
  ctl_checked (result);
  kassa_test_ctl_assert_failed (result, 3);
  g_assert_nonnull (strstr (result->err, "cancelled"));
}

/* --- exit codes 4, 5, 6: the bank's answers ---------------------------------------------------- */

static void
test_ctl_rejected (Fixture       *f,
                   gconstpointer  data)
{
  const char *url = kassa_test_sim_get_url (f->sim);
  g_autoptr(KassaTestCtl) wrong_secret = NULL;
  g_autoptr(KassaTestCtl) first = NULL;
  g_autoptr(KassaTestCtl) duplicate = NULL;

  wrong_secret = ctl_run_env (url, KASSA_TEST_TERMINAL, WRONG_SECRET,
                              "bank", "qr", "1000", "REJ-1", NULL);
  kassa_test_ctl_assert_failed (wrong_secret, 4);
  /* the bank's errorType, in brackets */
  g_assert_true (g_regex_match_simple ("\\[\\S+\\]\n$", wrong_secret->err, 0, 0));

  first = ctl_run (f, "bank", "qr", "1000", "REJ-2", NULL);
  kassa_test_ctl_assert_json (first);
  duplicate = ctl_run (f, "bank", "qr", "1000", "REJ-2", NULL);
  kassa_test_ctl_assert_failed (duplicate, 4);
}

static void
test_ctl_bank_faults (Fixture       *f,
                      gconstpointer  data)
{
  const struct
  {
    const char *kind;
    int         status;
  } faults[] = {
    { "code500", 5 },
    { "http500-envelope", 5 },
    { "http500", 5 },
    { "malformed", 6 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autofree char *invoice = g_strdup_printf ("FAULT-%u", i);
      g_autoptr(KassaTestCtl) result = NULL;

      g_test_message ("fault %s", faults[i].kind);
      kassa_test_sim_fault (f->sim, "qr", faults[i].kind, 0, 1);
      result = ctl_run (f, "bank", "qr", "1000", invoice, NULL);
      kassa_test_ctl_assert_failed (result, faults[i].status);
    }
}

/* --- configuration ------------------------------------------------------------------------------ */

static void
test_ctl_secret_file (Fixture       *f,
                      gconstpointer  data)
{
  const char *url = kassa_test_sim_get_url (f->sim);
  g_autofree char *dead = dead_url ();
  g_autofree char *lf = write_secret_file (f, "secret-lf", KASSA_TEST_SECRET "\n", 0600);
  g_autofree char *crlf = write_secret_file (f, "secret-crlf", KASSA_TEST_SECRET "\r\n", 0600);
  g_autofree char *bare = write_secret_file (f, "secret-bare", KASSA_TEST_SECRET, 0600);
  g_autofree char *empty = write_secret_file (f, "secret-empty", "\nsecret123\n", 0600);
  g_autofree char *wrong = write_secret_file (f, "secret-wrong", WRONG_SECRET "\n", 0600);
  /* One line, as the till's file store requires: a second line is refused. */
  g_autofree char *two = write_secret_file (f, "secret-two", KASSA_TEST_SECRET "\nsecond\n",
                                            0600);
  g_autoptr(KassaTestCtl) from_two = NULL;
  g_autoptr(KassaTestCtl) from_lf = NULL;
  g_autoptr(KassaTestCtl) from_crlf = NULL;
  g_autoptr(KassaTestCtl) overrides_env = NULL;
  g_autoptr(KassaTestCtl) from_empty = NULL;
  g_autoptr(KassaTestCtl) from_wrong = NULL;
  g_autoptr(KassaTestCtl) url_flag = NULL;
  g_autoptr(KassaTestCtl) terminal_flag = NULL;

  from_lf = ctl_run_env (url, KASSA_TEST_TERMINAL, NULL,
                         "bank", "--secret-file", lf, "qr", "1000", "FILE-1", NULL);
  kassa_test_ctl_assert_json (from_lf);

  from_two = ctl_run_env (url, KASSA_TEST_TERMINAL, NULL,
                          "bank", "--secret-file", two, "qr", "1000", "FILE-0", NULL);
  kassa_test_ctl_assert_failed (from_two, 2);

  from_crlf = ctl_run_env (url, KASSA_TEST_TERMINAL, NULL,
                           "bank", "qr", "1000", "FILE-2", "--secret-file", crlf, NULL);
  kassa_test_ctl_assert_json (from_crlf);

  /* The flag wins over a wrong secret in the environment. */
  overrides_env = ctl_run_env (url, KASSA_TEST_TERMINAL, WRONG_SECRET,
                               "bank", "qr", "1000", "FILE-3", "--secret-file", bare, NULL);
  kassa_test_ctl_assert_json (overrides_env);

  from_empty = ctl_run_env (url, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                            "bank", "--secret-file", empty, "qr", "1000", "FILE-4", NULL);
  kassa_test_ctl_assert_failed (from_empty, 2);

  /* A wrong secret from the file is refused by the bank and never printed. */
  from_wrong = ctl_run_env (url, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                            "bank", "--secret-file", wrong, "qr", "1000", "FILE-5", NULL);
  kassa_test_ctl_assert_failed (from_wrong, 4);

  url_flag = ctl_run_env (dead, KASSA_TEST_TERMINAL, KASSA_TEST_SECRET,
                          "bank", "--url", url, "qr", "1000", "FILE-6", NULL);
  kassa_test_ctl_assert_json (url_flag);

  terminal_flag = ctl_run_env (url, "87654321", KASSA_TEST_SECRET,
                               "bank", "--terminal", KASSA_TEST_TERMINAL,
                               "qr", "1000", "FILE-7", NULL);
  kassa_test_ctl_assert_json (terminal_flag);
}

/* --- option values, the secret-file rule, the locale ------------------------------------------ */

/* Stands for a secret typed into the wrong option: it must never be echoed. */
#define TYPED_SECRET "Typed-S3cr3t-9f8e"

static void
test_ctl_option_values_not_echoed (Fixture       *f,
                                   gconstpointer  data)
{
  const char *url = kassa_test_sim_get_url (f->sim);
  const struct
  {
    const char *args[8];
    const char *name;  /* the option the message must name */
  } cases[] = {
    { { "bank", "--secret=" TYPED_SECRET, "qr", "1000", "OPT-1", NULL }, "--secret" },
    { { "bank", "qr", "1000", "OPT-1", "--secret=" TYPED_SECRET, NULL }, "--secret" },
    { { "bank", "--timeout=" TYPED_SECRET, "qr", "1000", "OPT-1", NULL }, "--timeout" },
    { { "bank", "--timeout", TYPED_SECRET, "qr", "1000", "OPT-1", NULL }, "--timeout" },
    { { "bank", "-s" TYPED_SECRET, "qr", "1000", "OPT-1", NULL }, "-s" },
    { { "sale", "1000", "--secret=" TYPED_SECRET, NULL }, "--secret" },
    { { "sale", "1000", "--poll-ms=" TYPED_SECRET, NULL }, "--poll-ms" },
    { { "--secret=" TYPED_SECRET, "sale", "1000", NULL }, "--secret" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(KassaTestCtl) result = NULL;

      g_test_message ("case %u", i);
      /* kassa_test_ctl_finish() asserts TYPED_SECRET is in neither stdout nor stderr. */
      result = ctl_run_envv (url, KASSA_TEST_TERMINAL, TYPED_SECRET, cases[i].args);
      kassa_test_ctl_assert_failed (result, 2);
      g_assert_nonnull (strstr (result->err, cases[i].name));
    }
}

static void
test_ctl_secret_file_rule (Fixture       *f,
                           gconstpointer  data)
{
  const char *url = kassa_test_sim_get_url (f->sim);
  g_autofree char *good = write_secret_file (f, "good", KASSA_TEST_SECRET "\n", 0600);
  g_autofree char *open_to_all = write_secret_file (f, "0644", KASSA_TEST_SECRET "\n", 0644);
  g_autofree char *group = write_secret_file (f, "0640", KASSA_TEST_SECRET "\n", 0640);
  g_autofree char *empty = write_secret_file (f, "empty", "", 0600);
  g_autofree char *big_text = g_strnfill (5 * 1024, 'k');
  g_autofree char *big = write_secret_file (f, "big", big_text, 0600);
  g_autofree char *fifo = g_build_filename (f->tmpdir, "fifo", NULL);
  g_autofree char *link = g_build_filename (f->tmpdir, "link", NULL);
  const struct
  {
    const char *path;
    const char *says;
  } refused[] = {
    { open_to_all, "chmod 600" },
    { group, "chmod 600" },
    { empty, "secret" },
    { big, "too big" },
    { fifo, "regular file" },      /* would wait for a writer forever */
    { "/dev/zero", "regular file" }, /* would be read forever */
    { link, "symbolic link" },
  };
  g_autoptr(KassaTestCtl) works = NULL;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (symlink (good, link), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(KassaTestCtl) result = NULL;

      g_test_message ("refused: %s", refused[i].path);
      result = ctl_run_env (url, KASSA_TEST_TERMINAL, NULL,
                            "bank", "--secret-file", refused[i].path, "qr", "1000", "RULE-1",
                            NULL);
      kassa_test_ctl_assert_failed (result, 2);
      g_assert_nonnull (strstr (result->err, refused[i].says));
    }

  works = ctl_run_env (url, KASSA_TEST_TERMINAL, NULL,
                       "bank", "--secret-file", good, "qr", "1000", "RULE-2", NULL);
  kassa_test_ctl_assert_json (works);
}

/* kassa-ctl under @locale_env ("NAME=VALUE"; every other locale variable
 * unset), with the simulator and the test terminal and secret. */
static KassaTestCtl *
ctl_run_locale (Fixture            *f,
                const char * const *locale_env,
                const char * const *args)
{
  g_autoptr(GPtrArray) env = g_ptr_array_new ();
  KassaTestCtlOptions options = { .sim = f->sim };
  static const char * const locale_vars[] = {
    "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_CTYPE",
  };

  /* Unset, then @locale_env. */
  for (guint i = 0; i < G_N_ELEMENTS (locale_vars); i++)
    g_ptr_array_add (env, (char *) locale_vars[i]);
  for (guint i = 0; locale_env[i] != NULL; i++)
    g_ptr_array_add (env, (char *) locale_env[i]);
  g_ptr_array_add (env, NULL);
  options.env = (const char * const *) env->pdata;

  /* kassa_test_ctl_finish() reads the output as UTF-8 and fails on anything else. */
  return ctl_checked (kassa_test_ctl_run (&options, args));
}

/* The simulator's words for an unpaid invoice (docs/simulator.md). */
#define SIM_NOT_PAID_MN "Төлбөр төлөгдөөгүй байна"
/* po/mn.po's msgstr of kassa_amount_parse()'s “%s” is not an amount. */
#define NOT_AN_AMOUNT_MN "“abc” нь дүн биш байна"

static void
test_ctl_locale_utf8 (Fixture       *f,
                      gconstpointer  data)
{
  const struct
  {
    const char *env[4];
    gboolean    mongolian;  /* kassa-ctl's own words in Mongolian */
  } locales[] = {
    { { "LANG=C", NULL }, FALSE },
    { { NULL }, FALSE },  /* nothing set, as under a service */
    { { "LC_ALL=C", "LANG=C.UTF-8", NULL }, FALSE },
    { { "LC_MESSAGES=C.UTF-8", "LANGUAGE=mn", NULL }, TRUE },
    { { "LANG=C.UTF-8", "LANGUAGE=mn", NULL }, TRUE },
    { { "LANG=mn_MN.UTF-8", NULL }, TRUE },
  };
  const char * const qr[] = { "bank", "qr", "1000", "LOCALE-1", NULL };
  const char * const check[] = { "bank", "check", "1000", "LOCALE-1", NULL };
  const char * const bad_amount[] = { "bank", "qr", "abc", "LOCALE-2", NULL };
  const char * const no_env[] = { "LANG=C.UTF-8", NULL };
  g_autoptr(KassaTestCtl) created = ctl_run_locale (f, no_env, qr);

  kassa_test_ctl_assert_json (created);

  for (guint i = 0; i < G_N_ELEMENTS (locales); i++)
    {
      g_autoptr(KassaTestCtl) unpaid = NULL;
      g_autoptr(KassaTestCtl) usage = NULL;
      locale_t available;

      if (g_str_has_prefix (locales[i].env[0] != NULL ? locales[i].env[0] : "", "LANG=mn_MN"))
        {
          available = newlocale (LC_ALL_MASK, "mn_MN.UTF-8", (locale_t) 0);
          if (available == (locale_t) 0)
            {
              g_test_message ("mn_MN.UTF-8 is not installed here; case %u not run", i);
              continue;
            }
          freelocale (available);
        }

      g_test_message ("locale case %u: %s %s", i, locales[i].env[0], locales[i].env[1]);

      /* The bank's Mongolian words reach stderr intact. */
      unpaid = ctl_run_locale (f, locales[i].env, check);
      kassa_test_ctl_assert_failed (unpaid, 4);
      g_assert_nonnull (strstr (unpaid->err, SIM_NOT_PAID_MN));
      g_assert_null (strchr (unpaid->err, '?'));

      /* kassa-ctl's own words: in Mongolian when the environment asks for it. */
      usage = ctl_run_locale (f, locales[i].env, bad_amount);
      kassa_test_ctl_assert_failed (usage, 2);
      g_assert_null (strchr (usage->err, '?'));
      if (locales[i].mongolian)
        g_assert_nonnull (strstr (usage->err, NOT_AN_AMOUNT_MN));
      else
        g_assert_nonnull (strstr (usage->err, "“abc”"));
    }
}

int
main (int   argc,
      char *argv[])
{
  kassa_test_init (&argc, &argv);

  g_test_add_func ("/ctl/help", test_ctl_help);
  g_test_add ("/ctl/cycle", Fixture, NULL, fixture_setup, test_ctl_cycle, fixture_teardown);
  g_test_add ("/ctl/check-unpaid", Fixture, NULL,
              fixture_setup, test_ctl_check_unpaid, fixture_teardown);
  g_test_add ("/ctl/cancel", Fixture, NULL, fixture_setup, test_ctl_cancel, fixture_teardown);
  g_test_add ("/ctl/deeplink-phone", Fixture, NULL,
              fixture_setup, test_ctl_deeplink_phone, fixture_teardown);
  g_test_add ("/ctl/usage", Fixture, NULL, fixture_setup, test_ctl_usage, fixture_teardown);
  g_test_add ("/ctl/network", Fixture, NULL, fixture_setup, test_ctl_network, fixture_teardown);
  g_test_add ("/ctl/loopback-no-proxy", Fixture, NULL,
              fixture_setup, test_ctl_loopback_no_proxy, fixture_teardown);
  g_test_add ("/ctl/sigint", Fixture, NULL, fixture_setup, test_ctl_sigint, fixture_teardown);
  g_test_add ("/ctl/rejected", Fixture, NULL, fixture_setup, test_ctl_rejected, fixture_teardown);
  g_test_add ("/ctl/bank-faults", Fixture, NULL,
              fixture_setup, test_ctl_bank_faults, fixture_teardown);
  g_test_add ("/ctl/secret-file", Fixture, NULL,
              fixture_setup, test_ctl_secret_file, fixture_teardown);
  g_test_add ("/ctl/option-values-not-echoed", Fixture, NULL,
              fixture_setup, test_ctl_option_values_not_echoed, fixture_teardown);
  g_test_add ("/ctl/secret-file-rule", Fixture, NULL,
              fixture_setup, test_ctl_secret_file_rule, fixture_teardown);
  g_test_add ("/ctl/locale-utf8", Fixture, NULL,
              fixture_setup, test_ctl_locale_utf8, fixture_teardown);

  return g_test_run ();
}
