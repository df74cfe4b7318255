/* kassa-core.h — umbrella header of libkassa-core
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "kassa-amount.h"
#include "kassa-bank-client.h"
#include "kassa-bank-fields.h"
#include "kassa-bank-profile.h"
#include "kassa-bank-reply.h"
#include "kassa-checksum.h"
#include "kassa-emv.h"
#include "kassa-error.h"
#include "kassa-invoice.h"
#include "kassa-journal.h"
#include "kassa-manager.h"
#include "kassa-push-listener.h"
#include "kassa-settlement.h"
#include "kassa-till.h"
