/* kassa-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "kassa-application.h"
#include "kassa-bank-sim.h"
#include "kassa-training.h"
#include "kassa-window.h"

struct _KassaApplication
{
  AdwApplication  parent_instance;

  KassaBankSim   *training_bank;
};

G_DEFINE_FINAL_TYPE (KassaApplication, kassa_application, ADW_TYPE_APPLICATION)

/* No journal yet: the training bank keeps no state file, and its secret is
 * made anew at every start. */
static gboolean
start_training_bank (KassaApplication  *self,
                     GError           **error)
{
  self->training_bank = kassa_training_bank_new (NULL, NULL, error);

  return self->training_bank != NULL;
}

static void
kassa_application_startup (GApplication *application)
{
  KassaApplication *self = KASSA_APPLICATION (application);
  g_autoptr(GError) error = NULL;

  G_APPLICATION_CLASS (kassa_application_parent_class)->startup (application);

  /* No bank account can be configured yet, so Kassa always starts in training mode. */
  if (!start_training_bank (self, &error))
    g_printerr (_("Could not start the training bank: %s\n"), error->message);
}

static void
kassa_application_activate (GApplication *application)
{
  KassaApplication *self = KASSA_APPLICATION (application);
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (application));
  if (window == NULL)
    window = GTK_WINDOW (kassa_window_new (self));

  gtk_window_present (window);
}

static void
kassa_application_shutdown (GApplication *application)
{
  KassaApplication *self = KASSA_APPLICATION (application);

  if (self->training_bank != NULL)
    kassa_bank_sim_shutdown (self->training_bank);
  g_clear_object (&self->training_bank);

  G_APPLICATION_CLASS (kassa_application_parent_class)->shutdown (application);
}

static void
kassa_application_class_init (KassaApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = kassa_application_startup;
  app_class->activate = kassa_application_activate;
  app_class->shutdown = kassa_application_shutdown;
}

static void
kassa_application_init (KassaApplication *self)
{
}

KassaApplication *
kassa_application_new (void)
{
  return g_object_new (KASSA_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/mn/kassa/Kassa",
                       NULL);
}

const char *
kassa_application_get_training_url (KassaApplication *self)
{
  g_return_val_if_fail (KASSA_IS_APPLICATION (self), NULL);

  return self->training_bank ? kassa_bank_sim_get_url (self->training_bank) : NULL;
}
