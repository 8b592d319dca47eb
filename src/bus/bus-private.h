/* Shared between the files of src/bus only: the nats.c handles behind ReelBus
 * and the mapping of nats.c failures onto REEL_ERROR. */
#pragma once

#include "bus/bus.h"
#include <nats/nats.h>

struct ReelBus
{
  natsConnection *conn;
  jsCtx *js;
  gint connected; /* atomic: 1 while the connection is up */
  gint closing;   /* atomic: 1 once reel_bus_free started */
  char *url;      /* as given to reel_bus_connect */
};

/* Sets error from a nats.c status (and JetStream error code, if any).
 * Connection-level failures become REEL_ERROR_UNAVAILABLE. */
void reel_bus_set_error (GError **error, natsStatus s, jsErrCode jerr, const char *what);
