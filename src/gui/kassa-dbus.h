/* kassa-dbus.h — the mn.kassa.Kassa.Till D-Bus interface of a running Kassa
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exported by the application at its object path (/mn/kassa/Kassa) on the
 * session bus, for cash-register software: Charge, Cancel, State, CheckNow,
 * the training-only TrainingCustomerPays/-Declines, and the StateChanged
 * signal. docs/dbus.md documents it; the introspection data is
 * data/mn.kassa.Kassa.Till.xml, compiled into the application's resource.
 *
 * It knows the application only through what it works on: the charge queue
 * (charges wait there while Kassa starts) and the queue's counter. It uses
 * no GTK, but it stays in src/gui: it is a front end of the `kassa`
 * executable, like `kassa --charge`, on the bus name GApplication owns.
 */

#pragma once

#include <gio/gio.h>

#include "kassa-charge-queue.h"

G_BEGIN_DECLS

#define KASSA_DBUS_INTERFACE "mn.kassa.Kassa.Till"

/**
 * KassaDbusError:
 * The errors of the D-Bus interface. Each has the D-Bus name
 * "mn.kassa.Kassa.Error.<Name>"; the message is a sentence for a person.
 * Errors of the core are translated to these (kassa_dbus_error_from_error()).
 */
typedef enum
{
  KASSA_DBUS_ERROR_FAILED,          /* Failed: anything else (a bug) */
  KASSA_DBUS_ERROR_INVALID_INPUT,   /* InvalidInput: amount, method, phone or reference; nothing journaled */
  KASSA_DBUS_ERROR_BUSY,            /* Busy: another payment is open; nothing journaled */
  KASSA_DBUS_ERROR_NO_PAYMENT,      /* NoPayment: there is no open payment to act on */
  KASSA_DBUS_ERROR_NOT_TRAINING,    /* NotTraining: a training-only method in real mode */
  KASSA_DBUS_ERROR_NOT_READY,       /* NotReady: Kassa is starting or cannot take payments */
  KASSA_DBUS_ERROR_JOURNAL,         /* Journal: locked by another Kassa, corrupt, unwritable */
  KASSA_DBUS_ERROR_ILLEGAL,         /* Illegal: the payment's state forbids it */
  KASSA_DBUS_ERROR_UNKNOWN_OUTCOME, /* UnknownOutcome: the answer was lost; it will be resolved */
  KASSA_DBUS_ERROR_NETWORK,         /* Network: the bank cannot be reached */
  KASSA_DBUS_ERROR_REJECTED,        /* Rejected: the bank refused (its words in the message) */
  KASSA_DBUS_ERROR_BANK_SYSTEM,     /* BankSystem: the bank's own failure */
  KASSA_DBUS_ERROR_MALFORMED,       /* Malformed: the bank's answer was unusable */
} KassaDbusError;

#define KASSA_DBUS_N_ERRORS (KASSA_DBUS_ERROR_MALFORMED + 1)

#define KASSA_DBUS_ERROR (kassa_dbus_error_quark ())
/* Registers the domain with g_dbus_error_register_error_domain(): a client
 * that calls this gets KASSA_DBUS_ERROR errors back from the bus. */
GQuark kassa_dbus_error_quark (void);

/* A copy of @error in KASSA_DBUS_ERROR, keeping its message. */
GError *kassa_dbus_error_from_error (const GError *error);

#define KASSA_TYPE_DBUS (kassa_dbus_get_type ())

G_DECLARE_FINAL_TYPE (KassaDbus, kassa_dbus, KASSA, DBUS, GObject)

/* Exports the interface on @connection at @object_path. Charge goes through
 * @queue, the other methods to its counter; StateChanged follows the
 * counter's current invoice, and the property Training its mode, whenever
 * the queue's counter appears or changes. @queue is not referenced (its
 * owner, the application, owns this object too). */
KassaDbus    *kassa_dbus_new            (GDBusConnection   *connection,
                                         const char        *object_path,
                                         KassaChargeQueue  *queue,
                                         GError           **error);
/* Unexports (also done on dispose). */
void          kassa_dbus_unexport       (KassaDbus         *self);

G_END_DECLS
