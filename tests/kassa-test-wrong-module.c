/* kassa-test-wrong-module.c — a module that is not the one kassa-ctl asks for
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * /report/ctl-wrong-module copies it in place of libkassa-ctl-bank.so (its
 * table has a version no kassa-ctl has) and of libkassa-report-module.so (it
 * has no kassa_report_module_get at all): kassa-ctl must refuse both before
 * calling anything of them.
 */

#include <gmodule.h>

typedef struct
{
  guint abi;
  gpointer functions[3];
} WrongTable;

static const WrongTable wrong_table = { G_MAXUINT, { NULL, NULL, NULL } };

G_MODULE_EXPORT const WrongTable *kassa_ctl_bank_module_get (void);

const WrongTable *
kassa_ctl_bank_module_get (void)
{
  return &wrong_table;
}
