/* kassa-training-customer.c — the customer Kassa plays in training mode
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "kassa-training-customer.h"

G_DEFINE_INTERFACE (KassaTrainingCustomer, kassa_training_customer, G_TYPE_OBJECT)

static void
kassa_training_customer_default_init (KassaTrainingCustomerInterface *iface)
{
}

gboolean
kassa_training_customer_pay (KassaTrainingCustomer  *self,
                             const char             *terminal,
                             const char             *invoice,
                             GError                **error)
{
  g_return_val_if_fail (KASSA_IS_TRAINING_CUSTOMER (self), FALSE);

  return KASSA_TRAINING_CUSTOMER_GET_IFACE (self)->pay (self, terminal, invoice, error);
}

gboolean
kassa_training_customer_decline (KassaTrainingCustomer  *self,
                                 const char             *terminal,
                                 const char             *invoice,
                                 GError                **error)
{
  g_return_val_if_fail (KASSA_IS_TRAINING_CUSTOMER (self), FALSE);

  return KASSA_TRAINING_CUSTOMER_GET_IFACE (self)->decline (self, terminal, invoice, error);
}
