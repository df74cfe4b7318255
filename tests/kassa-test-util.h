/* kassa-test-util.h — shared test helpers: init, a real kassa-bank-sim process, raw HTTP,
 * waiting for async results and invoice states
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "kassa-journal.h"

G_BEGIN_DECLS

/* The fact sheet's test terminal and secret (§2.3). */
#define KASSA_TEST_TERMINAL "12345678"
#define KASSA_TEST_SECRET   "secret123"

/* g_test_init with G_TEST_OPTION_ISOLATE_DIRS, C.UTF-8 locale. */
void          kassa_test_init            (int    *argc,
                                          char ***argv);
/* $@name (a program the build made: KASSA_CTL, KASSA_BANK_SIM, KASSA), or
 * fails the test naming it. */
const char   *kassa_test_env_path        (const char *name);

typedef struct _KassaTestSim KassaTestSim;

/* Starts $KASSA_BANK_SIM as a real process on a free loopback port with the
 * test terminal and secret, plus the NULL-terminated extra arguments, and
 * waits for the URL it prints. Aborts the test if it does not start. */
KassaTestSim *kassa_test_sim_spawn       (const char   *first_arg,
                                          ...) G_GNUC_NULL_TERMINATED;
KassaTestSim *kassa_test_sim_spawnv      (const char * const *extra_args);
const char   *kassa_test_sim_get_url     (KassaTestSim *sim);
GSubprocess  *kassa_test_sim_get_process (KassaTestSim *sim);
/* POSTs @json to the control interface path ("/sim/pay"); returns the reply
 * body and sets @out_status. Aborts the test on a transport error. */
char         *kassa_test_sim_control     (KassaTestSim *sim,
                                          const char   *path,
                                          const char   *json,
                                          guint        *out_status);
/* kassa_test_sim_control(), failing the test unless the answer is HTTP
 * @expected_status. */
void          kassa_test_sim_expect      (KassaTestSim *sim,
                                          const char   *path,
                                          const char   *json,
                                          guint         expected_status);
/* The customer pays (/sim/pay) or declines (/sim/decline) @invoice; fails the
 * test unless the simulator says 200. */
void          kassa_test_sim_pay         (KassaTestSim *sim,
                                          const char   *invoice);
void          kassa_test_sim_decline     (KassaTestSim *sim,
                                          const char   *invoice);
/* POSTs a fault to /sim/fault (docs/simulator.md "Fault injection"): @kind on
 * @endpoint for the next @count requests (0: until cleared), @delay_ms for a
 * delay. Aborts the test when the simulator refuses it. */
void          kassa_test_sim_fault       (KassaTestSim *sim,
                                          const char   *endpoint,
                                          const char   *kind,
                                          guint         delay_ms,
                                          guint         count);
/* SIGTERM, then waits for the process to exit. */
void          kassa_test_sim_free        (KassaTestSim *sim);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KassaTestSim, kassa_test_sim_free)

/* One synchronous HTTP exchange on a fresh session. @body may be NULL.
 * Returns the reply body (NUL-terminated copy) or NULL with @error set on a
 * transport failure. */
char         *kassa_test_http            (const char   *method,
                                          const char   *url,
                                          const char   *content_type,
                                          const char   *body,
                                          gssize        body_len,
                                          guint        *out_status,
                                          GError      **error);

/* The result of an async call: pass kassa_test_async_done_cb and &w, then wait
 * with kassa_test_async_wait (&w, …) (or kassa_test_wait_for (&w.done, …)); the
 * test owns (and unrefs) w.result. */
typedef struct
{
  gboolean      done;
  GAsyncResult *result;
} KassaTestAsync;

/* Fails the test if it runs twice for one call. */
void          kassa_test_async_done_cb   (GObject      *source,
                                          GAsyncResult *result,
                                          gpointer      user_data);
/* Runs the main context until @w's call has finished (or @timeout_s seconds,
 * then aborts); returns its result, which the caller owns. */
GAsyncResult *kassa_test_async_wait      (KassaTestAsync *w,
                                          guint           timeout_s);

/* Runs the main context until *@flag is TRUE (or @timeout_s seconds, then aborts). */
void          kassa_test_wait_for        (gboolean     *flag,
                                          guint         timeout_s);
/* Iterates the main context until @invoice has been in @state (it may have
 * moved on since); fails the test after @timeout_s. */
void          kassa_test_wait_for_state  (KassaInvoice      *invoice,
                                          KassaInvoiceState  state,
                                          guint              timeout_s);
/* kassa_test_wait_for_state(), then fails the test unless @invoice is still
 * in @state. (A kassa-ctl process: kassa_test_ctl_wait_for_state(); a kassa
 * process over D-Bus: kassa_test_remote_wait_for_state().) */
void          kassa_test_wait_in_state   (KassaInvoice      *invoice,
                                          KassaInvoiceState  state,
                                          guint              timeout_s);

/* Runs @sql on the SQLite file @path behind its owner's back (a tampered or
 * old journal); fails the test with SQLite's message if it fails. */
void          kassa_test_sqlite_exec     (const char   *path,
                                          const char   *sql);

/* Removes @path and everything below it; fails the test if anything stays. */
void          kassa_test_remove_tree     (const char   *path);

/* Runs `openssl @args…` (NULL-terminated) in @dir; fails the test, with
 * openssl's stderr, unless it exits 0. For making test certificates. */
void          kassa_test_run_openssl     (const char          *dir,
                                          const char * const  *args);

/* The simulator's invoice table (/sim/invoices): number → state ("unpaid",
 * "paid", "declined", "cancelled", "refunded"). Free with g_hash_table_unref. */
GHashTable   *kassa_test_sim_invoices          (KassaTestSim      *sim);
/* The simulator's state of @invoice ("unpaid", "paid", …), or NULL when it
 * does not know it. */
char         *kassa_test_sim_state             (KassaTestSim      *sim,
                                                const char        *invoice);
/* What the simulator's /sim/invoices says for an invoice in final journal
 * @state (NULL: the bank does not know it); *@unresolved when @state is not
 * final (the invoice is still being resolved). */
const char   *kassa_test_expected_sim_state    (KassaInvoiceState  state,
                                                gboolean          *unresolved);
/* Nothing lost, nothing doubled: every invoice of @journal (all final) has the
 * simulator's matching state, and the simulator has no invoice the journal
 * does not know. */
void          kassa_test_assert_journal_agrees (KassaJournal      *journal,
                                                KassaTestSim      *sim);

/* A real full disk. Call kassa_test_private_mounts() in main() before
 * kassa_test_init() (while the process has one thread): it gives the test its
 * own mount namespace, or returns FALSE with the reason (not root, no
 * unshare). kassa_test_mount_tmpfs() then mounts a tmpfs of @size_kib KiB on
 * the existing folder @dir (gone when the test process exits; children see
 * it). kassa_test_fill_disk() fills the file system of @dir to the last byte
 * with the file @dir/filler; kassa_test_unfill_disk() removes it. */
gboolean      kassa_test_private_mounts        (char             **out_reason);
void          kassa_test_mount_tmpfs           (const char        *dir,
                                                guint              size_kib);
void          kassa_test_fill_disk             (const char        *dir);
void          kassa_test_unfill_disk           (const char        *dir);

G_END_DECLS
