/* kassa-soak.c — the soak: thousands of sales with random faults and kills, then the journal
 * must agree with the bank
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs N sales as real `kassa-ctl` processes ($KASSA_CTL) against one
 * kassa-bank-sim process ($KASSA_BANK_SIM) on loopback and one journal file.
 * Each sale, chosen at random from a seeded GRand (the seed is printed;
 * --seed replays it), is paid, declined, cancelled, left for later, hit by a
 * simulator fault on create, check, cancel or refund, killed at a crash point
 * (KASSA_CRASH_POINT) or killed by SIGKILL with its request in flight (the
 * simulator holds it with a delay fault and carries it out afterwards);
 * paid ones are sometimes refunded, and `kassa-ctl recover` runs after every
 * kill (sometimes with more faults). At the end the faults are cleared,
 * recovery runs until nothing is pending, and:
 *
 *   - every journal invoice agrees with the simulator, and the simulator has
 *     no invoice the journal does not know (counted, not stopped at the first);
 *   - no sale is lost: every invoice number a sale printed is in the journal,
 *     and the journal holds exactly the sales that were not refused before
 *     journaling;
 *   - `kassa-ctl audit verify` passes;
 *   - no run crashed, hung, or exited 1 (internal error).
 *
 * Output is TAP: the counts as "# " comments, then one "ok"/"not ok" line per
 * check. Exit status 0 only when every check passed. docs/reliability.md.
 */

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "kassa-exit-code.h"
#include "kassa-invoice.h"
#include "kassa-test-ctl.h"
#include "kassa-test-util.h"

#define PIN "4321"
#define TIMEOUT_S "1"      /* --timeout of every kassa-ctl run: the grace period is 2 s */
#define POLL_MS "10"       /* --poll-ms: a payment is seen 10 ms after it happens */
#define RUN_LIMIT_S 60     /* a kassa-ctl run that takes longer is a hang */
#define RECOVER_EVERY 20   /* sales between routine recoveries */
#define SETTLE_EVERY 2500  /* sales between settlements */
#define MAX_OPEN 4         /* unpaid invoices left open before the cashier acts */

static const char * const fault_kinds[] = {
  "delay", "http500", "http500-envelope", "malformed", "drop", "code500",
};

static const char * const crash_points[] = {
  "create-committed", "create-replied", "awaiting", "cancel-committed", "cancel-replied",
  "refund-committed", "refund-replied",
};

typedef enum
{
  SC_PAY,           /* sale --wait, the customer pays */
  SC_DECLINE,       /* sale --wait, the customer declines */
  SC_CANCEL,        /* sale, then cancel (sometimes the customer pays first) */
  SC_LATER,         /* sale; the customer pays, declines or walks away; recovery finds out */
  SC_FAULT_CREATE,  /* a fault on the create request */
  SC_FAULT_CHECK,   /* faults on check while the sale waits */
  SC_FAULT_CANCEL,  /* a fault on the cancel request */
  SC_CRASH,         /* killed at a crash point */
  SC_IN_FLIGHT,     /* SIGKILL with the create, cancel or refund in flight */
  SC_BAD_INPUT,     /* an amount kassa-ctl must refuse before journaling */
  N_SCENARIOS
} Scenario;

static const struct
{
  const char *name;
  guint       weight;
} scenarios[N_SCENARIOS] = {
  /* Per mille. A fault or kill costs up to the 2 s grace period (a delay
   * fault up to 1.6 s more), a plain sale some 70 ms: with these weights
   * 10 000 sales take about half an hour on 2 cores (docs/reliability.md). */
  [SC_PAY] = { "pay", 560 },
  [SC_DECLINE] = { "decline", 80 },
  [SC_CANCEL] = { "cancel", 100 },
  [SC_LATER] = { "later", 100 },
  [SC_FAULT_CREATE] = { "fault-create", 15 },
  [SC_FAULT_CHECK] = { "fault-check", 50 },
  [SC_FAULT_CANCEL] = { "fault-cancel", 40 },
  [SC_CRASH] = { "crash-point", 30 },
  [SC_IN_FLIGHT] = { "in-flight-kill", 15 },
  [SC_BAD_INPUT] = { "bad-input", 10 },
};

typedef enum
{
  CUSTOMER_NONE,
  CUSTOMER_PAY,
  CUSTOMER_DECLINE,
} Customer;

typedef struct
{
  GRand        *rand;
  guint32       seed;
  KassaTestSim *sim;
  char         *dir;
  char         *journal_path;
  gboolean      verbose;

  GHashTable   *numbers;       /* every invoice number a sale printed */
  GPtrArray    *paid;          /* PAID invoices that may be refunded */
  GPtrArray    *open;          /* invoices left AWAITING_PAYMENT */

  /* counts */
  guint         sales;
  guint         scenario_count[N_SCENARIOS];
  double        scenario_seconds[N_SCENARIOS];
  guint         refused;       /* sale runs refused before journaling */
  guint         unnamed;       /* sale runs that printed no number and were not refused */
  guint         runs;
  guint         exit_count[256];
  guint         crash_kills;
  guint         crash_not_reached;
  guint         flight_kills;
  guint         flight_not_held;
  guint         recoveries;
  guint         recover_failures;
  guint         refunds;
  guint         cancels;
  guint         settles;
  guint         settle_mismatch;
  guint         customer_pays;
  guint         customer_declines;
  GHashTable   *faults;        /* "endpoint/kind" → count */
  GHashTable   *crash_by_point;
  guint         anomalies;     /* exit 1, a signal we did not send, a hang, the secret */
  GString      *anomaly_log;
} Soak;

typedef struct
{
  Soak             *s;
  /* in */
  const char       *crash_point;
  gboolean          kill_when_held;
  Customer          customer;
  const char       *input;
  /* out */
  char             *number;     /* the first invoice number on stdout */
  char             *state;      /* the last state on stdout */
  GString          *out;
  char             *err;
  gboolean          signalled;
  int               signal;
  int               status;
  gboolean          held_kill;  /* we killed it with its request held */
  /* while it runs */
  gboolean          customer_done;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->number);
  g_free (r->state);
  if (r->out != NULL)
    g_string_free (r->out, TRUE);
  g_free (r->err);
}

static const char *
env_path (const char *name)
{
  const char *path = g_getenv (name);

  if (path == NULL || *path == '\0')
    {
      g_printerr ("kassa-soak: %s is not set (build-aux/soak.sh and meson test set it)\n", name);
      exit (2);
    }

  return path;
}

static void
anomaly (Soak       *s,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static void
anomaly (Soak       *s,
         const char *format,
         ...)
{
  va_list ap;
  g_autofree char *text = NULL;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  s->anomalies++;
  if (s->anomalies <= 20)
    g_string_append_printf (s->anomaly_log, "# anomaly: %s\n", text);
  g_printerr ("kassa-soak: %s\n", text);
}

static void
count_key (GHashTable *table,
           const char *key)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (table, key));

  g_hash_table_insert (table, g_strdup (key), GUINT_TO_POINTER (n + 1));
}

/* ---- the simulator ---- */

static guint
sim_control (Soak       *s,
             const char *path,
             const char *json)
{
  guint status = 0;
  g_autofree char *reply = kassa_test_sim_control (s->sim, path, json, &status);

  return status;
}

static void
sim_fault (Soak       *s,
           const char *endpoint,
           const char *kind,
           guint       delay_ms,
           guint       count)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", endpoint, kind);

  kassa_test_sim_fault (s->sim, endpoint, kind, delay_ms, count);
  count_key (s->faults, key);
}

/* A random fault kind; a delay is mostly shorter than the client's 1 s
 * timeout (an answer that comes late), sometimes longer (a timeout). */
static const char *
random_fault (Soak  *s,
              guint *delay_ms)
{
  const char *kind = fault_kinds[g_rand_int_range (s->rand, 0, G_N_ELEMENTS (fault_kinds))];

  if (g_rand_int_range (s->rand, 0, 4) != 0)
    *delay_ms = (guint) g_rand_int_range (s->rand, 20, 600);
  else
    *delay_ms = (guint) g_rand_int_range (s->rand, 1100, 1600);
  return kind;
}

static void
sim_clear_faults (Soak *s)
{
  if (sim_control (s, "/sim/clear-faults", "{}") != 200)
    g_error ("the simulator refused clear-faults");
}

/* The customer pays or declines @number; 404/409 (not there, not unpaid)
 * are fine: a customer cannot pay what is not open. */
static gboolean
customer_act (Soak       *s,
              const char *number,
              Customer    what)
{
  g_autofree char *json = g_strdup_printf ("{\"invoice\": \"%s\"}", number);
  guint status = sim_control (s, what == CUSTOMER_PAY ? "/sim/pay" : "/sim/decline", json);

  if (status == 200)
    {
      if (what == CUSTOMER_PAY)
        s->customer_pays++;
      else
        s->customer_declines++;
    }
  else if (status != 404 && status != 409)
    {
      g_error ("the simulator answered %u to %s", status, json);
    }

  return status == 200;
}

/* ---- kassa-ctl ---- */

/* Each stdout line as it comes (KassaTestCtlLineFunc). */
static void
run_check_line (const char *line,
                gpointer    user_data)
{
  Run *r = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *o;

  if (line[0] != '{' || !json_parser_load_from_data (parser, line, -1, NULL))
    return;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return;
  o = json_node_get_object (root);
  if (!json_object_has_member (o, "invoice") || !json_object_has_member (o, "state"))
    return;
  if (r->number == NULL)
    r->number = g_strdup (json_object_get_string_member (o, "invoice"));
  g_free (r->state);
  r->state = g_strdup (json_object_get_string_member (o, "state"));

  /* The customer scans the code as soon as the till shows it. */
  if (r->customer != CUSTOMER_NONE && !r->customer_done &&
      g_strcmp0 (r->state, "AWAITING_PAYMENT") == 0)
    {
      r->customer_done = TRUE;
      customer_act (r->s, r->number, r->customer);
    }
}

/* Runs kassa-ctl ARGS… --timeout 1 (--poll-ms for till commands) with the
 * simulator, the terminal and the journal in its environment. */
static void
run_ctl (Run                *r,
         const char * const *args)
{
  Soak *s = r->s;
  const char *iterations = g_getenv ("KASSA_TEST_PBKDF2_ITERATIONS");
  g_autofree char *iterations_env = g_strconcat ("KASSA_TEST_PBKDF2_ITERATIONS=",
                                                 iterations != NULL ? iterations : "1000",
                                                 NULL);
  const char * const env[] = { iterations_env, NULL };
  KassaTestCtlOptions options = {
    .sim = s->sim,
    .journal = s->journal_path,
    .crash_point = r->crash_point,
    .env = env,
    .input = r->input,
    .limit_s = RUN_LIMIT_S,
    .kill_when_held = r->kill_when_held,
    /* Every surprise is an anomaly, counted, not a stop. */
    .flags = KASSA_TEST_CTL_UNCHECKED,
    .line_func = run_check_line,
    .line_data = r,
  };
  g_autoptr(KassaTestCtl) ctl = NULL;

  s->runs++;
  ctl = kassa_test_ctl_run (&options, args);
  if (ctl->timed_out)
    anomaly (s, "%s did not finish within %d s (killed)", ctl->command, RUN_LIMIT_S);
  r->out = g_string_new (ctl->out);
  r->err = g_strdup (ctl->err);
  r->signalled = ctl->signalled;
  r->signal = ctl->signal;
  r->status = ctl->status;
  r->held_kill = ctl->held_kill;

  if (s->verbose)
    g_printerr ("%s → %s %d\n%s", ctl->command, r->signalled ? "signal" : "exit",
                r->signalled ? r->signal : r->status, r->err);

  if (r->signalled)
    {
      gboolean expected = r->signal == SIGKILL && (r->crash_point != NULL || r->held_kill);

      if (!expected)
        anomaly (s, "%s was killed by signal %d: %s", ctl->command, r->signal, r->err);
    }
  else
    {
      s->exit_count[r->status & 0xff]++;
      if (r->status == 1)
        anomaly (s, "%s exited 1 (internal error): %s", ctl->command, r->err);
    }
  if (strstr (r->out->str, KASSA_TEST_SECRET) != NULL ||
      strstr (r->err, KASSA_TEST_SECRET) != NULL)
    anomaly (s, "%s printed the secret", ctl->command);
}

/* Appends the till options to a kassa-ctl command line. */
static void
add_till_options (GPtrArray *args)
{
  g_ptr_array_add (args, (char *) "--timeout");
  g_ptr_array_add (args, (char *) TIMEOUT_S);
  g_ptr_array_add (args, (char *) "--poll-ms");
  g_ptr_array_add (args, (char *) POLL_MS);
  g_ptr_array_add (args, NULL);
}

/* ---- the steps ---- */

static void recover (Soak *s, gboolean with_faults);

/* One `kassa-ctl sale`. @wait: --wait; @customer acts when the QR is shown. */
static void
sale (Soak       *s,
      Run        *r,
      gboolean    wait,
      Customer    customer,
      const char *crash_point,
      gboolean    kill_when_held,
      const char *bad_amount)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *amount = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *reference = NULL;
  guint method = (guint) g_rand_int_range (s->rand, 0, 100);

  amount = bad_amount != NULL ? g_strdup (bad_amount)
                              : g_strdup_printf ("%d", 50 * g_rand_int_range (s->rand, 1, 4000));
  g_ptr_array_add (args, (char *) "sale");
  g_ptr_array_add (args, amount);
  if (method >= 85)
    {
      phone = g_strdup_printf ("99%06d", g_rand_int_range (s->rand, 0, 1000000));
      g_ptr_array_add (args, (char *) "--method");
      g_ptr_array_add (args, (char *) "phone");
      g_ptr_array_add (args, (char *) "--phone");
      g_ptr_array_add (args, phone);
    }
  else if (method >= 70)
    {
      g_ptr_array_add (args, (char *) "--method");
      g_ptr_array_add (args, (char *) "deeplink");
    }
  if (g_rand_int_range (s->rand, 0, 10) == 0)
    {
      reference = g_strdup_printf ("soak %u “%s”", s->sales, "Хаан");
      g_ptr_array_add (args, (char *) "--reference");
      g_ptr_array_add (args, reference);
    }
  if (wait)
    g_ptr_array_add (args, (char *) "--wait");
  add_till_options (args);

  r->s = s;
  r->customer = customer;
  r->crash_point = crash_point;
  r->kill_when_held = kill_when_held;
  run_ctl (r, (const char * const *) args->pdata);

  /* kassa-ctl prints (and flushes) the CREATING line as soon as the invoice
   * is journaled: a run that exited without one journaled nothing; one that
   * was killed may have died between the commit and the line. */
  s->sales++;
  if (r->number != NULL)
    {
      if (g_hash_table_contains (s->numbers, r->number))
        anomaly (s, "invoice number %s was printed by two sales", r->number);
      g_hash_table_add (s->numbers, g_strdup (r->number));
    }
  else if (!r->signalled)
    {
      s->refused++;
    }
  else
    {
      s->unnamed++;
    }

  if (bad_amount != NULL && (r->signalled || r->status != KASSA_EXIT_USAGE || r->number != NULL))
    anomaly (s, "sale %s was not refused before journaling (exit %d)", bad_amount, r->status);
}

/* The method's create endpoint, for a fault before we know the method: the
 * same for all three so the fault hits whichever the sale uses. */
static void
fault_create (Soak       *s,
              const char *kind,
              guint       delay_ms)
{
  static const char * const endpoints[] = { "qr", "deeplink", "phone" };
  g_autofree char *key = g_strdup_printf ("create/%s", kind);

  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"endpoint\": \"%s\", \"kind\": \"%s\", "
                                               "\"delay_ms\": %u, \"count\": 1}",
                                               endpoints[i], kind, delay_ms);

      if (sim_control (s, "/sim/fault", json) != 200)
        g_error ("the simulator refused %s", json);
    }
  count_key (s->faults, key);
}

static gboolean
is_awaiting (Run *r)
{
  return g_strcmp0 (r->state, "AWAITING_PAYMENT") == 0;
}

static gboolean
is_paid (Run *r)
{
  return !r->signalled && r->status == 0 && g_strcmp0 (r->state, "PAID") == 0;
}

static void
cancel (Soak       *s,
        Run        *r,
        const char *number,
        const char *crash_point,
        gboolean    kill_when_held)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  g_ptr_array_add (args, (char *) "cancel");
  g_ptr_array_add (args, (char *) number);
  add_till_options (args);
  r->s = s;
  r->crash_point = crash_point;
  r->kill_when_held = kill_when_held;
  run_ctl (r, (const char * const *) args->pdata);
  s->cancels++;
}

/* Refunds a random paid invoice (if there is one); TRUE when the run was
 * killed (at @crash_point, or with its request held). */
static gboolean
refund (Soak       *s,
        const char *crash_point,
        gboolean    kill_when_held,
        gboolean    fault)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autofree char *number = NULL;
  Run r = { 0, };
  gboolean killed;
  guint i;

  if (s->paid->len == 0)
    return FALSE;
  i = (guint) g_rand_int_range (s->rand, 0, (gint32) s->paid->len);
  number = g_ptr_array_steal_index_fast (s->paid, i);

  if (fault)
    {
      guint delay_ms;
      const char *kind = random_fault (s, &delay_ms);

      sim_fault (s, "refund", kind, delay_ms, 1);
    }
  g_ptr_array_add (args, (char *) "refund");
  g_ptr_array_add (args, number);
  g_ptr_array_add (args, (char *) "--pin");
  g_ptr_array_add (args, (char *) "-");
  if (g_rand_boolean (s->rand))
    {
      g_ptr_array_add (args, (char *) "--reason");
      g_ptr_array_add (args, (char *) "soak: the customer changed their mind");
    }
  add_till_options (args);
  r.s = s;
  r.input = PIN "\n";
  r.crash_point = crash_point;
  r.kill_when_held = kill_when_held;
  run_ctl (&r, (const char * const *) args->pdata);
  s->refunds++;
  killed = r.signalled;
  if (fault || crash_point != NULL || kill_when_held)
    {
      sim_clear_faults (s);
      if (r.signalled || r.status != 0)
        recover (s, FALSE);
    }
  run_clear (&r);

  return killed;
}

/* `kassa-ctl recover`, again while it fails (bounded). With @with_faults the
 * first attempt meets a fault on check. Invoices it leaves unpaid go to the
 * open list. */
static void
recover (Soak    *s,
         gboolean with_faults)
{
  for (guint attempt = 0; attempt < 6; attempt++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      g_autoptr(JsonParser) parser = json_parser_new ();
      Run r = { 0, };
      gboolean ok;

      if (with_faults && attempt == 0)
        {
          guint delay_ms;
          const char *kind = random_fault (s, &delay_ms);

          sim_fault (s, "check", kind, delay_ms, (guint) g_rand_int_range (s->rand, 1, 3));
        }
      g_ptr_array_add (args, (char *) "recover");
      add_till_options (args);
      r.s = s;
      run_ctl (&r, (const char * const *) args->pdata);
      s->recoveries++;
      ok = !r.signalled && r.status == 0;
      if (ok && json_parser_load_from_data (parser, r.out->str, -1, NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          JsonObject *root = json_node_get_object (json_parser_get_root (parser));
          JsonArray *invoices = json_object_has_member (root, "invoices")
                                ? json_object_get_array_member (root, "invoices") : NULL;

          for (guint i = 0; invoices != NULL && i < json_array_get_length (invoices); i++)
            {
              JsonObject *o = json_array_get_object_element (invoices, i);
              const char *number = json_object_get_string_member (o, "invoice");
              const char *state = json_object_get_string_member (o, "state");
              gboolean known = FALSE;

              if (g_strcmp0 (state, "PAID") == 0)
                {
                  g_ptr_array_add (s->paid, g_strdup (number));
                  continue;
                }
              if (g_strcmp0 (state, "AWAITING_PAYMENT") != 0)
                continue;
              for (guint j = 0; j < s->open->len && !known; j++)
                known = g_str_equal (g_ptr_array_index (s->open, j), number);
              if (!known)
                g_ptr_array_add (s->open, g_strdup (number));
            }
        }
      sim_clear_faults (s);
      run_clear (&r);
      if (ok)
        return;
      s->recover_failures++;
    }
  anomaly (s, "kassa-ctl recover failed 6 times in a row");
}

/* The unpaid invoices left open: each customer pays, declines, or the
 * cashier cancels. The journal learns it at the next recovery. */
static void
close_open (Soak *s)
{
  while (s->open->len > 0)
    {
      g_autofree char *number = g_ptr_array_steal_index (s->open, 0);
      guint what = (guint) g_rand_int_range (s->rand, 0, 3);

      if (what == 0)
        {
          Run r = { 0, };

          cancel (s, &r, number, NULL, FALSE);
          run_clear (&r);
        }
      else
        {
          customer_act (s, number, what == 1 ? CUSTOMER_PAY : CUSTOMER_DECLINE);
        }
    }
}

static void
remember_open (Soak *s,
               Run  *r)
{
  if (r->number != NULL && is_awaiting (r) && !r->signalled)
    g_ptr_array_add (s->open, g_strdup (r->number));
}

static void
settle (Soak *s)
{
  const char *args[] = { "settle", "--pin", "-", "--timeout", TIMEOUT_S, "--poll-ms", POLL_MS,
                         NULL };
  Run r = { 0, };

  r.s = s;
  r.input = PIN "\n";
  run_ctl (&r, args);
  s->settles++;
  if (r.signalled || r.status != 0)
    {
      s->settle_mismatch++;
      anomaly (s, "settle exited %d: %s", r.status, r.err);
    }
  run_clear (&r);
}

static Scenario
pick_scenario (Soak *s)
{
  guint total = 0;
  guint x;

  for (guint i = 0; i < N_SCENARIOS; i++)
    total += scenarios[i].weight;
  x = (guint) g_rand_int_range (s->rand, 0, (gint32) total);
  for (guint i = 0; i < N_SCENARIOS; i++)
    {
      if (x < scenarios[i].weight)
        return (Scenario) i;
      x -= scenarios[i].weight;
    }
  g_assert_not_reached ();
}

static void
one_sale (Soak *s)
{
  Scenario sc = pick_scenario (s);
  Run r = { 0, };
  Run c = { 0, };
  g_autoptr(GTimer) timer = g_timer_new ();

  s->scenario_count[sc]++;
  switch (sc)
    {
    case SC_PAY:
      sale (s, &r, TRUE, CUSTOMER_PAY, NULL, FALSE, NULL);
      if (is_paid (&r))
        g_ptr_array_add (s->paid, g_strdup (r.number));
      if (g_rand_int_range (s->rand, 0, 100) < 20)
        refund (s, NULL, FALSE, g_rand_int_range (s->rand, 0, 8) == 0);
      break;

    case SC_DECLINE:
      sale (s, &r, TRUE, CUSTOMER_DECLINE, NULL, FALSE, NULL);
      break;

    case SC_CANCEL:
      sale (s, &r, FALSE, CUSTOMER_NONE, NULL, FALSE, NULL);
      if (r.number != NULL && is_awaiting (&r))
        {
          /* Sometimes the customer pays just before the cashier cancels. */
          if (g_rand_int_range (s->rand, 0, 4) == 0)
            customer_act (s, r.number, CUSTOMER_PAY);
          cancel (s, &c, r.number, NULL, FALSE);
          if (is_paid (&c) || g_strcmp0 (c.state, "PAID") == 0)
            g_ptr_array_add (s->paid, g_strdup (r.number));
        }
      break;

    case SC_LATER:
      sale (s, &r, FALSE, CUSTOMER_NONE, NULL, FALSE, NULL);
      if (r.number != NULL && is_awaiting (&r))
        {
          guint what = (guint) g_rand_int_range (s->rand, 0, 3);

          if (what == 2)
            remember_open (s, &r);
          else
            customer_act (s, r.number, what == 0 ? CUSTOMER_PAY : CUSTOMER_DECLINE);
        }
      break;

    case SC_FAULT_CREATE:
      {
        guint delay_ms;
        const char *kind = random_fault (s, &delay_ms);

        fault_create (s, kind, delay_ms);
        sale (s, &r, TRUE, CUSTOMER_PAY, NULL, FALSE, NULL);
        sim_clear_faults (s);
        if (r.signalled || (r.status != 0 && r.status != KASSA_EXIT_NOT_PAID))
          recover (s, FALSE);
      }
      break;

    case SC_FAULT_CHECK:
      {
        guint delay_ms;
        const char *kind = random_fault (s, &delay_ms);

        sim_fault (s, "check", kind, delay_ms, (guint) g_rand_int_range (s->rand, 1, 3));
        sale (s, &r, TRUE, g_rand_int_range (s->rand, 0, 5) == 0 ? CUSTOMER_DECLINE
                                                                  : CUSTOMER_PAY,
              NULL, FALSE, NULL);
        sim_clear_faults (s);
        if (is_paid (&r))
          g_ptr_array_add (s->paid, g_strdup (r.number));
        else if (r.signalled || (r.status != 0 && r.status != KASSA_EXIT_NOT_PAID))
          recover (s, FALSE);
      }
      break;

    case SC_FAULT_CANCEL:
      sale (s, &r, FALSE, CUSTOMER_NONE, NULL, FALSE, NULL);
      if (r.number != NULL && is_awaiting (&r))
        {
          guint delay_ms;
          const char *kind = random_fault (s, &delay_ms);

          sim_fault (s, "cancel", kind, delay_ms, 1);
          cancel (s, &c, r.number, NULL, FALSE);
          sim_clear_faults (s);
          if (c.signalled || c.status != 0)
            recover (s, FALSE);
        }
      break;

    case SC_CRASH:
      {
        const char *point = crash_points[g_rand_int_range (s->rand, 0,
                                                           G_N_ELEMENTS (crash_points))];
        gboolean pay_while_dead = g_rand_int_range (s->rand, 0, 10) < 4;
        Run *killed = &r;

        count_key (s->crash_by_point, point);
        if (g_str_has_prefix (point, "create") || g_str_equal (point, "awaiting"))
          {
            sale (s, &r, TRUE, CUSTOMER_NONE, point, FALSE, NULL);
          }
        else if (g_str_has_prefix (point, "cancel"))
          {
            sale (s, &r, FALSE, CUSTOMER_NONE, NULL, FALSE, NULL);
            if (r.number == NULL || !is_awaiting (&r))
              break;
            cancel (s, &c, r.number, point, FALSE);
            killed = &c;
          }
        else
          {
            sale (s, &r, TRUE, CUSTOMER_PAY, NULL, FALSE, NULL);
            if (is_paid (&r))
              g_ptr_array_add (s->paid, g_strdup (r.number));
            if (refund (s, point, FALSE, FALSE))
              s->crash_kills++;
            else
              s->crash_not_reached++;
            break;
          }

        if (killed->signalled)
          s->crash_kills++;
        else
          s->crash_not_reached++;
        /* The till is dead; the customer may pay meanwhile. */
        if (pay_while_dead && r.number != NULL)
          customer_act (s, r.number, CUSTOMER_PAY);
        recover (s, g_rand_int_range (s->rand, 0, 10) < 3);
      }
      break;

    case SC_IN_FLIGHT:
      {
        guint where = (guint) g_rand_int_range (s->rand, 0, 3);
        guint delay_ms = (guint) g_rand_int_range (s->rand, 200, 1500);
        Run *killed = &r;

        if (where == 0)
          {
            fault_create (s, "delay", delay_ms);
            sale (s, &r, TRUE, CUSTOMER_NONE, NULL, TRUE, NULL);
          }
        else if (where == 1)
          {
            sale (s, &r, FALSE, CUSTOMER_NONE, NULL, FALSE, NULL);
            if (r.number == NULL || !is_awaiting (&r))
              break;
            sim_fault (s, "cancel", "delay", delay_ms, 1);
            cancel (s, &c, r.number, NULL, TRUE);
            killed = &c;
          }
        else
          {
            sale (s, &r, TRUE, CUSTOMER_PAY, NULL, FALSE, NULL);
            if (is_paid (&r))
              g_ptr_array_add (s->paid, g_strdup (r.number));
            if (s->paid->len == 0)
              break;
            sim_fault (s, "refund", "delay", delay_ms, 1);
            if (refund (s, NULL, TRUE, FALSE))
              s->flight_kills++;
            else
              s->flight_not_held++;
            sim_clear_faults (s);
            break;
          }
        if (killed->held_kill)
          s->flight_kills++;
        else
          s->flight_not_held++;
        sim_clear_faults (s);
        recover (s, g_rand_int_range (s->rand, 0, 10) < 3);
      }
      break;

    case SC_BAD_INPUT:
      {
        static const char * const bad[] = {
          "0", "-100", "12.5", "abc", "1e3", "", "99999999999999",
        };

        sale (s, &r, TRUE, CUSTOMER_NONE, NULL, FALSE,
              bad[g_rand_int_range (s->rand, 0, G_N_ELEMENTS (bad))]);
      }
      break;

    case N_SCENARIOS:
    default:
      g_assert_not_reached ();
    }

  run_clear (&r);
  run_clear (&c);
  s->scenario_seconds[sc] += g_timer_elapsed (timer, NULL);
}

/* ---- the end ---- */

static guint tap_n;
static gboolean tap_failed;

static void
tap (gboolean    ok,
     const char *format,
     ...) G_GNUC_PRINTF (2, 3);

static void
tap (gboolean    ok,
     const char *format,
     ...)
{
  va_list ap;
  g_autofree char *text = NULL;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_print ("%s %u - %s\n", ok ? "ok" : "not ok", ++tap_n, text);
  if (!ok)
    tap_failed = TRUE;
}

static void
print_table (const char *title,
             GHashTable *table)
{
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (table), (GCompareFunc) strcmp);
  g_autoptr(GString) line = g_string_new (NULL);
  guint total = 0;

  for (GList *l = keys; l != NULL; l = l->next)
    {
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (table, l->data));

      total += n;
      g_string_append_printf (line, " %s=%u", (char *) l->data, n);
    }
  g_print ("# %s: %u:%s\n", title, total, line->str);
}

static void
usage (void)
{
  g_printerr ("usage: kassa-soak [--sales N] [--seed S] [--dir DIR] [--keep] [--verbose]\n");
  exit (2);
}

int
main (int   argc,
      char *argv[])
{
  Soak soak = { 0, };
  Soak *s = &soak;
  guint n_sales = 300;
  gboolean have_seed = FALSE;
  gboolean keep = FALSE;
  const char *parent = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(KassaJournal) journal = NULL;
  g_autoptr(GPtrArray) invoices = NULL;
  g_autoptr(GHashTable) bank = NULL;
  g_autoptr(GHashTable) states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) in_journal = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *template = NULL;
  guint mismatches = 0;
  guint unresolved = 0;
  guint missing = 0;
  guint at_bank = 0;
  guint extra_at_bank = 0;
  guint unnamed_in_journal = 0;
  guint pending_left = G_MAXUINT;
  gboolean audit_ok;
  double seconds;

  setlocale (LC_ALL, "C.UTF-8");
  /* Loopback only: no proxy lookup (GIO's GNOME module wants GSettings). */
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--sales") && i + 1 < argc)
        {
          guint64 v;

          if (!g_ascii_string_to_unsigned (argv[++i], 10, 1, 10000000, &v, NULL))
            usage ();
          n_sales = (guint) v;
        }
      else if (g_str_equal (argv[i], "--seed") && i + 1 < argc)
        {
          guint64 v;

          if (!g_ascii_string_to_unsigned (argv[++i], 10, 0, G_MAXUINT32, &v, NULL))
            usage ();
          s->seed = (guint32) v;
          have_seed = TRUE;
        }
      else if (g_str_equal (argv[i], "--dir") && i + 1 < argc)
        {
          parent = argv[++i];
        }
      else if (g_str_equal (argv[i], "--keep"))
        {
          keep = TRUE;
        }
      else if (g_str_equal (argv[i], "--verbose"))
        {
          s->verbose = TRUE;
        }
      else
        {
          usage ();
        }
    }
  if (!have_seed)
    s->seed = g_random_int ();

  env_path ("KASSA_CTL");
  env_path ("KASSA_BANK_SIM");

  /* The journal lives on tmpfs when there is one: the soak is about the
   * till's logic, not the disk's fsync time (which triples each run). */
  if (parent == NULL)
    parent = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) && access ("/dev/shm", W_OK) == 0
             ? "/dev/shm" : g_get_tmp_dir ();
  template = g_build_filename (parent, "kassa-soak-XXXXXX", NULL);
  if (g_mkdtemp (template) == NULL)
    g_error ("cannot make a folder in %s: %s", parent, g_strerror (errno));
  s->dir = g_strdup (template);
  s->journal_path = g_build_filename (s->dir, "journal.sqlite", NULL);
  s->rand = g_rand_new_with_seed (s->seed);
  s->numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->paid = g_ptr_array_new_with_free_func (g_free);
  s->open = g_ptr_array_new_with_free_func (g_free);
  s->faults = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->crash_by_point = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->anomaly_log = g_string_new (NULL);

  g_print ("# kassa-soak: %u sales, seed %" G_GUINT32_FORMAT
           " (replay: kassa-soak --sales %u --seed %" G_GUINT32_FORMAT ")\n",
           n_sales, s->seed, n_sales, s->seed);
  g_print ("# journal: %s\n", s->journal_path);

  s->sim = kassa_test_sim_spawnv (NULL);

  /* The manager's PIN, for refunds and settlement. */
  {
    const char *args[] = { "manager-pin", NULL };
    Run r = { 0, };

    r.s = s;
    r.input = PIN "\n";
    run_ctl (&r, args);
    if (r.signalled || r.status != 0)
      g_error ("kassa-ctl manager-pin failed: %s", r.err);
    run_clear (&r);
  }

  for (guint i = 0; i < n_sales; i++)
    {
      one_sale (s);
      if (s->open->len > MAX_OPEN)
        close_open (s);
      if ((i + 1) % RECOVER_EVERY == 0)
        recover (s, FALSE);
      if ((i + 1) % SETTLE_EVERY == 0 || (n_sales < SETTLE_EVERY && i + 1 == n_sales / 2))
        settle (s);
      if ((i + 1) % 500 == 0)
        {
          g_print ("# %u sales, %.0f s\n", i + 1, g_timer_elapsed (timer, NULL));
          fflush (stdout);
        }
    }

  /* The end: no more faults; every open invoice is paid, declined or
   * cancelled; recovery until nothing is pending (bounded). */
  sim_clear_faults (s);
  for (guint round = 0; round < 10 && pending_left != 0; round++)
    {
      const char *args[] = { "pending", NULL };
      g_autoptr(JsonParser) parser = json_parser_new ();
      Run r = { 0, };

      close_open (s);
      recover (s, FALSE);
      r.s = s;
      run_ctl (&r, args);
      if (!r.signalled && r.status == 0 &&
          json_parser_load_from_data (parser, r.out->str, -1, NULL) &&
          JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
        {
          JsonArray *array = json_node_get_array (json_parser_get_root (parser));

          pending_left = json_array_get_length (array);
          for (guint i = 0; i < pending_left; i++)
            {
              JsonObject *o = json_array_get_object_element (array, i);

              if (g_strcmp0 (json_object_get_string_member (o, "state"), "AWAITING_PAYMENT") == 0)
                g_ptr_array_add (s->open, g_strdup (json_object_get_string_member (o, "invoice")));
            }
        }
      run_clear (&r);
    }
  seconds = g_timer_elapsed (timer, NULL);

  /* The journal (read here, no kassa-ctl running) against the bank. */
  journal = kassa_journal_open (s->journal_path, &error);
  if (journal == NULL)
    g_error ("%s", error->message);
  invoices = kassa_journal_list (journal, NULL, NULL, &error);
  if (invoices == NULL)
    g_error ("%s", error->message);
  bank = kassa_test_sim_invoices (s->sim);
  for (guint i = 0; i < invoices->len; i++)
    {
      KassaInvoice *invoice = g_ptr_array_index (invoices, i);
      const char *number = kassa_invoice_get_number (invoice);
      KassaInvoiceState state = kassa_invoice_get_state (invoice);
      gboolean open_state;
      const char *expected = kassa_test_expected_sim_state (state, &open_state);
      const char *actual = g_hash_table_lookup (bank, number);

      count_key (states, kassa_invoice_state_to_string (state));
      if (!g_hash_table_contains (s->numbers, number))
        unnamed_in_journal++;
      g_hash_table_add (in_journal, (gpointer) number);
      if (open_state)
        {
          unresolved++;
          g_print ("# unresolved: %s is %s\n", number, kassa_invoice_state_to_string (state));
        }
      else if (g_strcmp0 (expected, actual) != 0)
        {
          mismatches++;
          if (mismatches <= 20)
            g_print ("# mismatch: %s journal %s, simulator %s\n", number,
                     kassa_invoice_state_to_string (state), actual ? actual : "(none)");
        }
      if (actual != NULL)
        at_bank++;
    }
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, bank);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      if (!g_hash_table_contains (in_journal, key))
        {
          extra_at_bank++;
          if (extra_at_bank <= 20)
            g_print ("# the simulator has %s, the journal does not\n", (char *) key);
        }
    g_hash_table_iter_init (&iter, s->numbers);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      if (!g_hash_table_contains (in_journal, key))
        {
          missing++;
          if (missing <= 20)
            g_print ("# lost: sale %s is not in the journal\n", (char *) key);
        }
  }
  g_hash_table_remove_all (in_journal);
  g_clear_object (&journal);

  /* The audit log's hash chain (refunds, PINs, settlements). */
  {
    const char *args[] = { "audit", "verify", NULL };
    Run r = { 0, };

    r.s = s;
    run_ctl (&r, args);
    audit_ok = !r.signalled && r.status == 0 && strstr (r.out->str, "\"ok\":true") != NULL;
    if (!audit_ok)
      g_print ("# audit verify: exit %d %s %s\n", r.status, r.out->str, r.err);
    run_clear (&r);
  }

  /* The counts. */
  g_print ("# sales: %u (%.1f sales/s), wall time %.1f s, kassa-ctl runs: %u\n",
           s->sales, s->sales / seconds, seconds, s->runs);
  {
    g_autoptr(GString) line = g_string_new (NULL);

    for (guint i = 0; i < N_SCENARIOS; i++)
      g_string_append_printf (line, " %s=%u (%.0f s)", scenarios[i].name,
                              s->scenario_count[i], s->scenario_seconds[i]);
    g_print ("# scenarios:%s\n", line->str);
    g_string_truncate (line, 0);
    for (guint i = 0; i < G_N_ELEMENTS (s->exit_count); i++)
      if (s->exit_count[i] > 0)
        g_string_append_printf (line, " %u:%u", i, s->exit_count[i]);
    g_print ("# kassa-ctl exit codes:%s\n", line->str);
  }
  print_table ("journal invoices by state", states);
  g_print ("# at the bank: %u, refused before journaling: %u, "
           "killed before printing a number: %u\n", at_bank, s->refused, s->unnamed);
  print_table ("faults injected (endpoint/kind)", s->faults);
  print_table ("crash-point runs", s->crash_by_point);
  g_print ("# kills: %u at a crash point (%u points not reached), %u in flight (%u ended "
           "before the request was held)\n",
           s->crash_kills, s->crash_not_reached, s->flight_kills, s->flight_not_held);
  g_print ("# recoveries: %u (%u failed and were retried), cancels: %u, refunds: %u, "
           "settlements: %u, customer pays: %u, declines: %u\n",
           s->recoveries, s->recover_failures, s->cancels, s->refunds, s->settles,
           s->customer_pays, s->customer_declines);
  g_print ("# mismatches: %u, unresolved: %u, lost: %u, unknown to the journal: %u, "
           "anomalies: %u\n", mismatches, unresolved, missing, extra_at_bank, s->anomalies);
  g_print ("%s", s->anomaly_log->str);

  tap (pending_left == 0, "recovery ends with nothing pending (%u left)", pending_left);
  tap (mismatches == 0 && unresolved == 0,
       "every journal invoice agrees with the simulator (%u invoices, %u mismatches)",
       invoices->len, mismatches);
  tap (extra_at_bank == 0, "the simulator has no invoice the journal does not know");
  tap (missing == 0 && unnamed_in_journal <= s->unnamed &&
       invoices->len == s->sales - s->refused - (s->unnamed - unnamed_in_journal),
       "no sale lost: %u sales, %u refused before journaling, %u killed before journaling, "
       "%u in the journal", s->sales, s->refused, s->unnamed - unnamed_in_journal,
       invoices->len);
  tap (audit_ok, "kassa-ctl audit verify");
  tap (s->anomalies == 0, "no crash, hang, internal error or leaked secret in %u runs", s->runs);
  g_print ("1..%u\n", tap_n);
  if (tap_failed)
    g_print ("# FAILED: replay with kassa-soak --sales %u --seed %" G_GUINT32_FORMAT "\n",
             n_sales, s->seed);

  kassa_test_sim_free (s->sim);
  if (!keep && !tap_failed)
    {
      g_autofree char *wal = g_strconcat (s->journal_path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (s->journal_path, "-shm", NULL);

      g_unlink (s->journal_path);
      g_unlink (wal);
      g_unlink (shm);
      g_rmdir (s->dir);
    }
  else
    {
      g_print ("# kept: %s\n", s->dir);
    }

  g_rand_free (s->rand);
  g_hash_table_unref (s->numbers);
  g_ptr_array_unref (s->paid);
  g_ptr_array_unref (s->open);
  g_hash_table_unref (s->faults);
  g_hash_table_unref (s->crash_by_point);
  g_string_free (s->anomaly_log, TRUE);
  g_free (s->dir);
  g_free (s->journal_path);

  return tap_failed ? 1 : 0;
}
