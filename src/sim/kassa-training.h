/* kassa-training.h — the training bank: one simulated terminal on loopback
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Training mode (the GUI's, and `kassa-ctl --training`) sells against an
 * in-process KassaBankSim that knows one terminal. Part of libkassa-sim, so
 * every front end that links the simulator shares it.
 */

#pragma once

#include "kassa-bank-client.h"
#include "kassa-bank-sim.h"

G_BEGIN_DECLS

/* The training bank's terminal id. Never a real Golomt terminal's: a training
 * invoice cannot be confused with a real one in a journal or a log. */
#define KASSA_TRAINING_TERMINAL "99999999"

/* The simulator's state file next to a training journal: "training-bank.json"
 * in the journal's folder. */
char            *kassa_training_state_path (const char    *journal_path);

/* Creates the training bank and starts it on 127.0.0.1 (any free port).
 * With @state_file (may be NULL) the bank keeps its invoices, settlements and
 * the terminal's secret there, so a later run finds them; without it the
 * secret is new every time. @out_secret (may be NULL) receives a copy of the
 * terminal's secret, for the client (wipe it when done). */
KassaBankSim    *kassa_training_bank_new   (const char    *state_file,
                                            char         **out_secret,
                                            GError       **error);

/* A client of the training bank @bank for its terminal, with @secret (from
 * kassa_training_bank_new()). */
KassaBankClient *kassa_training_client_new (KassaBankSim  *bank,
                                            const char    *secret,
                                            GError       **error);

G_END_DECLS
