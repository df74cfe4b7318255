/* kassa-training.h — the training bank: one simulated terminal on loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Training mode (the GUI's, and `kassa-ctl --training`) sells against an
 * in-process KassaBankSim that knows one terminal. Header-only so that every
 * front end that links the simulator shares it without a build change.
 */

#pragma once

#include <string.h>

#include "kassa-bank-client.h"
#include "kassa-bank-sim.h"

G_BEGIN_DECLS

/* The training bank's terminal id. Never a real Golomt terminal's: a training
 * invoice cannot be confused with a real one in a journal or a log. */
#define KASSA_TRAINING_TERMINAL "99999999"

/* The simulator's state file next to a training journal: "training-bank.json"
 * in the journal's folder. */
static inline char *
kassa_training_state_path (const char *journal_path)
{
  g_autofree char *dir = g_path_get_dirname (journal_path);

  return g_build_filename (dir, "training-bank.json", NULL);
}

/* Creates the training bank and starts it on 127.0.0.1 (any free port).
 * With @state_file (may be NULL) the bank keeps its invoices, settlements and
 * the terminal's secret there, so a later run finds them; without it the
 * secret is new every time. @out_secret (may be NULL) receives a copy of the
 * terminal's secret, for the client (wipe it when done). */
static inline KassaBankSim *
kassa_training_bank_new (const char  *state_file,
                         char       **out_secret,
                         GError     **error)
{
  g_autoptr(KassaBankSim) sim = kassa_bank_sim_new (NULL);
  char *secret = NULL;

  if (state_file != NULL && !kassa_bank_sim_set_state_file (sim, state_file, error))
    return NULL;

  secret = kassa_bank_sim_dup_secret (sim, KASSA_TRAINING_TERMINAL);
  if (secret == NULL)
    {
      GString *fresh = g_string_new (NULL);

      for (guint i = 0; i < 4; i++)
        g_string_append_printf (fresh, "%08x", g_random_int ());
      secret = g_string_free (fresh, FALSE);

      if (!kassa_bank_sim_add_terminal (sim, KASSA_TRAINING_TERMINAL, secret, error))
        {
          explicit_bzero (secret, strlen (secret));
          g_free (secret);
          return NULL;
        }
    }

  if (!kassa_bank_sim_listen (sim, 0, NULL, NULL, error))
    {
      explicit_bzero (secret, strlen (secret));
      g_free (secret);
      return NULL;
    }

  if (out_secret != NULL)
    *out_secret = secret;
  else
    {
      explicit_bzero (secret, strlen (secret));
      g_free (secret);
    }

  return g_steal_pointer (&sim);
}

/* A client of the training bank @bank for its terminal, with @secret (from
 * kassa_training_bank_new()). */
static inline KassaBankClient *
kassa_training_client_new (KassaBankSim  *bank,
                           const char    *secret,
                           GError       **error)
{
  return kassa_bank_client_new (kassa_bank_sim_get_url (bank), KASSA_TRAINING_TERMINAL,
                                secret, NULL, NULL, error);
}

G_END_DECLS
