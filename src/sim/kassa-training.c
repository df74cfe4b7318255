/* kassa-training.c — the training bank: one simulated terminal on loopback
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-training.h"

#include <string.h>

static void
wipe_secret (char *secret)
{
  explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

char *
kassa_training_state_path (const char *journal_path)
{
  g_autofree char *dir = g_path_get_dirname (journal_path);

  return g_build_filename (dir, "training-bank.json", NULL);
}

KassaBankSim *
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
          wipe_secret (secret);
          return NULL;
        }
    }

  if (!kassa_bank_sim_listen (sim, 0, NULL, NULL, error))
    {
      wipe_secret (secret);
      return NULL;
    }

  if (out_secret != NULL)
    *out_secret = secret;
  else
    wipe_secret (secret);

  return g_steal_pointer (&sim);
}

KassaBankClient *
kassa_training_client_new (KassaBankSim  *bank,
                           const char    *secret,
                           GError       **error)
{
  return kassa_bank_client_new (kassa_bank_sim_get_url (bank), KASSA_TRAINING_TERMINAL,
                                secret, NULL, NULL, error);
}
