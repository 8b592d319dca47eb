/* The projector role: feeds the event log into the core projection (LMDB),
 * one write transaction per batch, each storing the last sequence it applied.
 *
 * It also serves read-your-writes: a request that published an event at
 * sequence N waits (bounded) with reel_projector_wait() until the local
 * projection has applied N, so the client can read its own write at once. The
 * feed runs on its own thread; the applied sequence is published to the main
 * context, where the waiters live. */
#pragma once

#include "bus/bus.h"
#include "store/store.h"

G_BEGIN_DECLS

typedef struct ReelProjector ReelProjector;

/* node_key distinguishes this node's consumer from other nodes' (each API
 * node keeps its own replica of the read models). */
ReelProjector *reel_projector_start (ReelBus *bus, ReelStore *store, const char *node_key);
void reel_projector_stop (ReelProjector *proj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ReelProjector, reel_projector_stop)

guint64 reel_projector_applied (ReelProjector *proj);

typedef void (*ReelProjectorWaitFunc) (gboolean reached, gpointer user_data);

/* Calls func on the main context once seq is applied, or with FALSE after
 * timeout_ms. */
void reel_projector_wait (ReelProjector *proj, guint64 seq, guint timeout_ms,
                          ReelProjectorWaitFunc func, gpointer user_data);

/* Blocks (iterating the main context) until seq is applied; for --rebuild. */
gboolean reel_projector_wait_sync (ReelProjector *proj, guint64 seq, guint timeout_ms);

G_END_DECLS
