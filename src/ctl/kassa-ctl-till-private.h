/* kassa-ctl-till-private.h — what the till commands share: the executable's
 * journal commands and the bank module's commands (kassa-ctl-till-bank.c)
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kassa-ctl-till.c parses every till command's options and runs the ones that
 * only read the journal; the others (sale, recover, cancel, refund, settle,
 * manager-pin, customer) are in libkassa-ctl-bank.so, which uses the functions
 * below from the executable (docs/kassa-ctl.md, "Lean start").
 */

#pragma once

#include "kassa-ctl-private.h"

#include "kassa-core.h"
#include "kassa-bank-sim.h"

G_BEGIN_DECLS

/* While --training sale --wait runs, the simulated customer pays after this long. */
#define DEFAULT_TRAINING_AUTOPAY 3
#define PIN_LINE_MAX 64

typedef enum
{
  TILL_SALE,
  TILL_PENDING,
  TILL_RECOVER,
  TILL_CANCEL,
  TILL_REFUND,
  TILL_SETTLE,
  TILL_HISTORY,
  TILL_MANAGER_PIN,
  TILL_CUSTOMER,
  TILL_AUDIT,
  TILL_REPORT,
  TILL_RECEIPT,
  TILL_PRINTER,
} TillCommandKind;

typedef struct
{
  const char      *name;
  TillCommandKind  kind;
  guint            n_args;
  gboolean         needs_bank;
  const char      *parameters;  /* marked for translation */
} TillCommand;

typedef struct
{
  const TillCommand   *command;
  char               **words;

  /* Options */
  KassaCtlBankOptions  bank;
  char                *journal_path;
  gboolean             training;
  int                  poll_ms;
  int                  expiry;
  char                *method;
  char                *phone;
  char                *reference;
  gboolean             wait;
  int                  autopay;
  char                *pin;
  char                *reason;
  char                *from;
  char                *to;
  gboolean             json;
  gboolean             csv;
  gboolean             clear;
  KassaCtlReportOptions documents;  /* settle, report, receipt (kassa-ctl-report.c) */

  /* What the command runs on */
  KassaJournal        *journal;
  KassaBankSim        *sim;
  KassaBankClient     *client;
  KassaTill           *till;
  char                *secret;
  GCancellable        *cancellable;

  /* The main loop */
  gboolean             done;
  gboolean             interrupted;
  gboolean             recovering;
  gboolean             offline;
  guint                give_up_id;  /* recovery while the bank is unreachable */
  gint64               reachable_us; /* recovery: when the bank last answered (or it began) */
  gboolean             following;   /* --wait: done when the invoice is final */
  GAsyncResult        *result;

  /* The invoice whose state changes are printed */
  KassaInvoice        *watched;
  gulong               watched_state_id;
  int                  last_printed;  /* a KassaInvoiceState, or -1 */
  GError              *print_error;

  char                *journal_failure;  /* the first ::journal-failed message */
} Till;

void         kassa_ctl_till_clear               (Till          *t);
int          kassa_ctl_till_exit_code           (const GError  *error);
int          kassa_ctl_till_fail                (Till          *t,
                                                 const GError  *error);
int          kassa_ctl_till_usage_error         (Till          *t,
                                                 const char    *message);
gboolean     kassa_ctl_till_print_line          (const char    *text,
                                                 GError       **error);
JsonNode    *kassa_ctl_till_invoice_to_node     (KassaInvoice  *invoice);
void         kassa_ctl_till_print_invoice_state (Till          *t);
void         kassa_ctl_till_watch_invoice       (Till          *t,
                                                 KassaInvoice  *invoice,
                                                 gboolean       print_now);
void         kassa_ctl_till_store_result_cb     (GObject       *source,
                                                 GAsyncResult  *result,
                                                 gpointer       user_data);
void         kassa_ctl_till_run                 (Till          *t);
gboolean     kassa_ctl_till_journal_failed      (Till          *t,
                                                 int           *out_status);
void         kassa_ctl_till_on_journal_failed_cb (KassaTill    *till,
                                                  KassaInvoice *invoice,
                                                  const char   *message,
                                                  gpointer      user_data);
int          kassa_ctl_till_open_journal        (Till          *t);
int          kassa_ctl_till_lookup_invoice      (Till          *t,
                                                 const char    *number,
                                                 KassaInvoice **out_invoice);
char        *kassa_ctl_till_read_pin_line       (const char    *prompt,
                                                 gboolean       tty);

/* printer list|status|test|drawer (kassa-ctl-print.c): checks the words and
 * options, runs list, status and test, and hands drawer to the bank module
 * (the manager PIN), which calls kassa_ctl_printer_run_job() once authorised. */
int          kassa_ctl_printer_main             (Till          *t);
/* One test page or drawer pulse on t->documents.printer_uri through the print
 * queue (journaled in t->journal), with the output and messages of the
 * printer commands. *@out_error (may be NULL): why it failed. */
int          kassa_ctl_printer_run_job          (Till            *t,
                                                 KassaPrintKind   kind,
                                                 GError         **out_error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Till, kassa_ctl_till_clear)

/* libkassa-ctl-bank.so: the commands that need libsoup, libcrypto or
 * libsecret. The executable opens it (kassa-ctl-module.c) and calls the
 * table of kassa_ctl_bank_module_get(); the table is versioned, and a module
 * of another build is refused rather than called. Bump the version when the
 * table, a function's signature or the Till struct changes (2: the printer
 * options in Till.documents, TILL_PRINTER). */
#define KASSA_CTL_BANK_MODULE_ABI 2
#define KASSA_CTL_BANK_MODULE_SYMBOL "kassa_ctl_bank_module_get"

typedef struct
{
  guint abi; /* KASSA_CTL_BANK_MODULE_ABI */
  /* `kassa-ctl bank …` (kassa-ctl-bank.c) */
  int (*bank_main)      (int            argc,
                         char         **argv);
  /* sale, recover, cancel, refund, settle, manager-pin, customer, printer drawer
   * (kassa-ctl-till-bank.c), once the options are parsed */
  int (*till_command)   (Till          *t);
  /* The exit code of an error of the till, the manager or the training bank; -1 for others. */
  int (*till_exit_code) (const GError  *error);
} KassaCtlBankModule;

typedef const KassaCtlBankModule *(*KassaCtlBankModuleGetFunc) (void);

/* Opens the module once; NULL with @error set (a usage error: exit 2) when it is missing. */
const KassaCtlBankModule *kassa_ctl_bank_module      (GError **error);
/* The module when a command opened it already, else NULL. */
const KassaCtlBankModule *kassa_ctl_bank_module_peek (void);

G_END_DECLS
