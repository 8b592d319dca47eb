/* The janitor: the periodic orphan clean-up (app/cleanup.c), every
 * cleanup.interval_seconds.
 *
 * Two kinds of storage, two ways to run:
 *   - The blob store and the CDN origin are shared by the cluster (an
 *     S3-style store in production), so they are swept by one node per
 *     interval: every node's timer queues the job reel.job.sweep.<N> (N =
 *     the interval's number since the epoch) with Nats-Msg-Id
 *     "job-sweep-<N>", timers fire at the same wall-clock boundaries, so the
 *     stream's duplicate window keeps one copy, and the work queue hands it
 *     to one node. A second sweep would be harmless, only wasted work.
 *     Expired sessions are removed in the same job (app/users/users.h).
 *   - Partial uploads live on the API node that received them
 *     (DATA_DIR/uploads), so every such node sweeps its own, on the same
 *     timer, along with its work directory (DATA_DIR/work).
 *   - The temporary files of writes a crash cut short are swept once at
 *     start-up too (app/cleanup.h tells them from writes in progress), so a
 *     restart after a crash leaves none behind.
 * Why a periodic job rather than the event-driven reactor: an orphan is the
 * absence of a reference (a crash between writing a blob and publishing
 * the event naming it), which no event announces. */
#pragma once

#include "app/uploads.h"
#include "bus/bus.h"
#include "core/config.h"
#include "store/blobs.h"
#include "store/store.h"
#include "store/watermark.h"

G_BEGIN_DECLS

typedef struct ReelJanitor ReelJanitor;

/* cdn may be NULL; uploads NULL when this node serves no uploads. applied
 * is how far the local read models are (the projector's watermark): the
 * blob sweep judges orphans only against read models that have applied
 * the whole log as it was when the sweep began. */
ReelJanitor *reel_janitor_start (const ReelConfig *cfg, ReelBus *bus, ReelStore *store,
                                 ReelBlobs *blobs, ReelBlobs *cdn, ReelUploads *uploads,
                                 ReelWatermark *applied);
void reel_janitor_stop (ReelJanitor *janitor);

G_END_DECLS
