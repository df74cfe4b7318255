/* kassa-training-customer.h — the customer Kassa plays in training mode
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * In training mode the cashier (or a cash register over D-Bus) makes the
 * customer pay or decline an invoice. That happens in the training bank, as
 * it would in the customer's banking app; the till then learns it by its
 * next check. KassaCounter needs only this much of the bank, so the core
 * does not depend on the simulator (src/sim), which implements it.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define KASSA_TYPE_TRAINING_CUSTOMER (kassa_training_customer_get_type ())

G_DECLARE_INTERFACE (KassaTrainingCustomer, kassa_training_customer, KASSA, TRAINING_CUSTOMER,
                     GObject)

struct _KassaTrainingCustomerInterface
{
  GTypeInterface parent_iface;

  gboolean (*pay)     (KassaTrainingCustomer  *self,
                       const char             *terminal,
                       const char             *invoice,
                       GError                **error);
  gboolean (*decline) (KassaTrainingCustomer  *self,
                       const char             *terminal,
                       const char             *invoice,
                       GError                **error);
};

/* The customer pays (declines) invoice number @invoice of @terminal at the
 * bank. FALSE with the bank's error when it does not know the invoice or
 * its state forbids it. */
gboolean kassa_training_customer_pay     (KassaTrainingCustomer  *self,
                                          const char             *terminal,
                                          const char             *invoice,
                                          GError                **error);
gboolean kassa_training_customer_decline (KassaTrainingCustomer  *self,
                                          const char             *terminal,
                                          const char             *invoice,
                                          GError                **error);

G_END_DECLS
