/* Runs one projection of the viewer-action stream (app/analytics/action_projection.h)
 * as its own durable consumer: a feed (bus/feed.h) whose position is the
 * projection's own checkpoint, one LMDB write transaction per batch that
 * also stores the last sequence applied. Like the core projector, a crash
 * never applies an action twice nor skips one. */
#pragma once

#include "app/analytics/action_cache.h"
#include "app/analytics/action_projection.h"
#include "bus/bus.h"

G_BEGIN_DECLS

typedef struct ReelActionConsumer ReelActionConsumer;

/* node_key names this node's consumer (every API node keeps its own
 * replica of the projections). cache (may be NULL) holds the records the
 * other consumers of this process, or its API, have already parsed. */
ReelActionConsumer *reel_action_consumer_start (ReelBus *bus, ReelStore *store,
                                                ReelActionCache *cache,
                                                const ReelActionProjection *proj,
                                                const ReelWatchRules *rules, const char *node_key);
/* Finishes the batch in progress, then stops. */
void reel_action_consumer_stop (ReelActionConsumer *c);

/* The newest actions-stream sequence committed to the projection. */
guint64 reel_action_consumer_applied (ReelActionConsumer *c);

G_END_DECLS
