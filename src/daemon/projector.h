/* The projector role: feeds the event log into the core projections
 * (app/projection.h; LMDB), one write transaction per batch, which stores
 * the last sequence each projection applied and the least of them
 * ("applied:core").
 *
 * It also serves read-your-writes: it raises a watermark (store/watermark.h)
 * after each batch, so a request that published an event at sequence N can
 * wait (bounded) until the local projection has applied N and the client
 * reads its own write at once. The feed runs on its own thread; the waiters
 * live on the main context. After each batch it also announces the videos
 * that became ready (app/video/lifecycle.h). */
#pragma once

#include "bus/bus.h"
#include "store/store.h"
#include "store/watermark.h"

G_BEGIN_DECLS

typedef struct ReelProjector ReelProjector;

/* node_key distinguishes this node's consumer from other nodes' (each API
 * node keeps its own replica of the read models). */
ReelProjector *reel_projector_start (ReelBus *bus, ReelStore *store, const char *node_key);
void reel_projector_stop (ReelProjector *proj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelProjector, reel_projector_stop)

/* How far the local read models are: raised after every committed batch;
 * what waits for the projection's writes waits on it (store/watermark.h).
 * Owned by the projector, valid until reel_projector_stop(). */
ReelWatermark *reel_projector_watermark (ReelProjector *proj);

G_END_DECLS
