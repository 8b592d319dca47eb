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

#include "bus/bus.h"
#include "core/config.h"
#include "store/blobs.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct ReelIngest ReelIngest;

ReelIngest *reel_ingest_start (const ReelConfig *cfg, ReelBus *bus, ReelBlobs *blobs);
void reel_ingest_stop (ReelIngest *ingest);

/* Queues the ingest of a video whose original is complete (called by the
 * API when an upload finishes). */
gboolean reel_ingest_enqueue (ReelBus *bus, const char *video_id, const char *original_key,
                              GError **error);
/* Ends an upload whose original is complete in the blob store: queues its
 * ingest, then publishes video.uploaded (*seq). The job goes first, so a
 * death in between still gets the video processed; both steps are
 * idempotent (the job's message id is the video's, and video.uploaded
 * moves only an upload in progress), so an interrupted completion may
 * simply run again. */
gboolean reel_ingest_accept_upload (ReelBus *bus, const char *video_id, const char *actor,
                                    guint64 size, guint64 *seq, GError **error);

/* The job a worker gets for kind ("chunk", "audio", "poster"; chunk is the
 * chunk index for "chunk") of video id, from its media plan: the data of
 * its video.probed event, or the video record that holds the same members. The
 * one place jobs are made, so `reel pipeline` shows exactly what a worker
 * ran. REEL_ERROR_NOT_FOUND when the plan is missing or has no such chunk. */
JsonObject *reel_ingest_job (const char *kind, const char *id, JsonObject *plan,
                             const char *original, guint chunk, GError **error);

/* Publishes video.failed with a reason the uploader can read. */
gboolean reel_ingest_fail_video (ReelBus *bus, const char *video_id, const char *reason,
                                 GError **error);

G_END_DECLS
