/* kassa-test-ctl.h — kassa-ctl ($KASSA_CTL) as a real process, for every test that runs it
 *
 * One runner: the environment (bank, terminal, secret, journal, crash point,
 * locale), stdin, a time limit, a kill while a request is in flight, and the
 * output read as it comes; then the result and the assertions the tests share.
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "kassa-test-util.h"

G_BEGIN_DECLS

typedef enum
{
  KASSA_TEST_CTL_DEFAULT    = 0,
  /* Every stdout line is JSON: parsed into ->lines. */
  KASSA_TEST_CTL_JSON_LINES = 1 << 0,
  /* A signal is a result (->signalled), not a failure: crash points, kills. */
  KASSA_TEST_CTL_KILLABLE   = 1 << 1,
  /* Nothing is asserted about the run: a hang (->timed_out), a signal, the
   * secret in the output are the caller's to judge (the soak counts them). */
  KASSA_TEST_CTL_UNCHECKED  = 1 << 2,
} KassaTestCtlFlags;

/* Called with each stdout line (without its "\n") as soon as it is read. */
typedef void (*KassaTestCtlLineFunc) (const char *line,
                                      gpointer    user_data);

typedef struct
{
  /* The bank: KASSA_BANK_URL is its URL, KASSA_TERMINAL and KASSA_SECRET the
   * test terminal and secret; @url, @terminal and @secret override them.
   * Without @sim, @url, @terminal and @secret are set as given, NULL as set
   * but empty (which kassa-ctl treats as unset). */
  KassaTestSim         *sim;
  const char           *url;
  const char           *terminal;
  const char           *secret;     /* also never in the output (unless UNCHECKED) */
  const char           *journal;    /* KASSA_JOURNAL; NULL: left as it is */
  const char           *data_home;  /* XDG_DATA_HOME; NULL: left as it is */
  const char           *crash_point;  /* KASSA_CRASH_POINT; NULL: unset */
  /* Applied last: "NAME=VALUE" sets, "NAME" unsets (after the default
   * LANG=C.UTF-8 and LC_ALL unset). NULL-terminated. */
  const char * const   *env;
  /* kassa-ctl runs under this command (valgrind and its options). */
  const char * const   *wrapper;
  const char           *input;      /* written to stdin (a pipe), which is then closed */
  /* A run still going after @limit_s seconds is killed and fails the test
   * (->timed_out with UNCHECKED); 0: no limit. */
  guint                 limit_s;
  /* SIGKILLs the run as soon as @sim holds one of its requests (/sim/held):
   * a request in flight (docs/simulator.md). */
  gboolean              kill_when_held;
  KassaTestCtlFlags     flags;
  KassaTestCtlLineFunc  line_func;
  gpointer              line_data;
} KassaTestCtlOptions;

typedef struct _KassaTestCtlPrivate KassaTestCtlPrivate;

/* A kassa-ctl run. The result fields are set by kassa_test_ctl_finish(). */
typedef struct
{
  char                *command;    /* "kassa-ctl sale 1500 …", for messages */
  int                  status;     /* the exit status, unless signalled */
  gboolean             signalled;
  int                  signal;     /* when signalled */
  gboolean             timed_out;  /* killed at the limit */
  gboolean             held_kill;  /* killed with its request held */
  char                *out;
  char                *err;
  GPtrArray           *lines;      /* JsonNode, one per non-empty stdout line (JSON_LINES) */
  KassaTestCtlPrivate *priv;
} KassaTestCtl;

/* Starts kassa-ctl @args (NULL-terminated). Its output is read from the
 * start, so it never blocks on a full pipe. */
KassaTestCtl *kassa_test_ctl_start          (const KassaTestCtlOptions *options,
                                             const char * const        *args);
/* Reads the rest of the output and waits for the exit, then checks what holds
 * for every run (unless UNCHECKED): it ended within the limit, it exited (no
 * signal, unless KILLABLE), its output is UTF-8, and neither the test secret
 * nor the run's own secret is in it. */
void          kassa_test_ctl_finish         (KassaTestCtl              *ctl);
/* kassa_test_ctl_start() and kassa_test_ctl_finish(). */
KassaTestCtl *kassa_test_ctl_run            (const KassaTestCtlOptions *options,
                                             const char * const        *args);
GSubprocess  *kassa_test_ctl_get_process    (KassaTestCtl              *ctl);
/* Kills a run that is still going. */
void          kassa_test_ctl_free           (KassaTestCtl              *ctl);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaTestCtl, kassa_test_ctl_free)

/* While it runs: the next stdout line, which must be a JSON object (a new
 * reference), or NULL at the end of the output. Kills the run and fails the
 * test if no line comes within @timeout_s. */
JsonObject   *kassa_test_ctl_next_object    (KassaTestCtl              *ctl,
                                             guint                      timeout_s);
/* While it runs: reads lines up to the first whose "state" is @state and
 * returns it (a new reference); fails the test if the output ends first or a
 * line takes longer than @timeout_s. */
JsonObject   *kassa_test_ctl_wait_for_state (KassaTestCtl              *ctl,
                                             const char                *state,
                                             guint                      timeout_s);

/* Success: exit 0, nothing on stderr, and stdout is exactly one JSON object
 * on one line. Returns that object (owned by @ctl). */
JsonObject   *kassa_test_ctl_assert_json    (KassaTestCtl              *ctl);
/* Failure: the expected exit code, nothing on stdout, one or more
 * "kassa-ctl: …" lines on stderr. */
void          kassa_test_ctl_assert_failed  (KassaTestCtl              *ctl,
                                             int                        expected_status);
/* Exit @status, no signal. */
void          kassa_test_ctl_assert_exit    (KassaTestCtl              *ctl,
                                             int                        status);
/* Killed by SIGKILL (at its crash point, or by the test). */
void          kassa_test_ctl_assert_killed  (KassaTestCtl              *ctl);

/* With JSON_LINES: line @index, which must be an object (owned by @ctl). */
JsonObject   *kassa_test_ctl_line_object    (KassaTestCtl              *ctl,
                                             guint                      index);
/* With JSON_LINES: the last line, which must be an object. */
JsonObject   *kassa_test_ctl_last_object    (KassaTestCtl              *ctl);
/* With JSON_LINES: the only line, which must be an array. */
JsonArray    *kassa_test_ctl_only_array     (KassaTestCtl              *ctl);
/* The invoice number of the last stdout line that is a JSON object with one;
 * fails the test if there is none. */
char         *kassa_test_ctl_invoice        (KassaTestCtl              *ctl);

G_END_DECLS
