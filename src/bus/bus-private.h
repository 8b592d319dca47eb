/* Shared between the files of src/bus only: the nats.c handles behind ReelBus
 * and the mapping of nats.c failures onto REEL_ERROR. */
#pragma once

#include "bus/bus.h"
#include <nats/nats.h>

struct ReelBus
{
  natsConnection *conn;
  jsCtx *js;
  gint connected;     /* atomic: 1 while the connection is up */
  gint closing;       /* atomic: 1 once reel_bus_free started */
  gint jobs_stopping; /* atomic: 1 once reel_jobs_request_stop (jobs.c) */
  /* Idle JetStream contexts for batch publishes (bus.c): each batch takes
   * one, so waiting for its acks never waits for another batch's. */
  GMutex batch_lock;
  GSList *batch_pool;
  /* nats.c runs connection callbacks on a thread of its own, after Close
   * returns: reel_bus_free waits for the last one (closed) before freeing. */
  GMutex close_lock;
  GCond close_cond;
  gboolean closed;
  char *url;         /* as given to reel_bus_connect */
  ReelNatsAuth auth; /* a copy of reel_bus_connect's */
};

/* Sets error from a nats.c status (and JetStream error code, if any).
 * Connection-level failures become REEL_ERROR_UNAVAILABLE. */
void reel_bus_set_error (GError **error, natsStatus s, jsErrCode jerr, const char *what);
