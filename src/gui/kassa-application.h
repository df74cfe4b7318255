/* kassa-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define KASSA_TYPE_APPLICATION (kassa_application_get_type ())

G_DECLARE_FINAL_TYPE (KassaApplication, kassa_application, KASSA, APPLICATION, AdwApplication)

KassaApplication *kassa_application_new            (void);
/* The training bank's URL, or NULL when Kassa talks to a real bank. */
const char       *kassa_application_get_training_url (KassaApplication *self);

G_END_DECLS
