/* The ingest role: turns an uploaded original into a media plan.
 *
 * For each ingest job (queued when an upload completes) it probes the
 * original (media/probe.c, in the reel-media child: media/child.h) and
 * holds the result to the limits of media/plan.h; a file that is not
 * playable video, or asks for more than those limits, fails the video with
 * the reason (video.failed), anything else publishes
 * video.probed (duration, size, rungs, chunk count) and queues one chunk job
 * per chunk plus one audio job for the workers. Publishing is idempotent
 * (jobs carry fixed ids), so a redelivered ingest job changes nothing. */
#pragma once

#include "app/video/record.h"
#include "bus/bus.h"
#include "core/config.h"
#include "store/blobs.h"
#include "store/store.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct ReelIngest ReelIngest;

/* store: this node's projection, or NULL when it keeps none (then every
 * copyright check waits for its job; see run_ingest). */
ReelIngest *reel_ingest_start (const ReelConfig *cfg, ReelBus *bus, ReelBlobs *blobs,
                               ReelStore *store);
void reel_ingest_stop (ReelIngest *ingest);

/* The job a worker gets for kind ("chunk", "audio", "poster"; chunk is the
 * chunk index for "chunk") of video id, from its media plan (the one
 * video.probed carries, or the video record's; NULL when it has none). The
 * one place jobs are made, so `reel pipeline` shows exactly what a worker
 * ran. REEL_ERROR_NOT_FOUND when the plan is missing or has no such chunk. */
JsonObject *reel_ingest_job (const char *kind, const char *id, const ReelVideoPlan *plan,
                             const char *original, guint chunk, GError **error);

/* The rung whose size the poster is made at (of rungs, best first, never
 * empty): what oEmbed reports as the thumbnail's size. */
const ReelRung *reel_ingest_poster_rung (const GArray *rungs);

G_END_DECLS
