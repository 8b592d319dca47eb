/* Transcoding a ready video again with the ladder configured now (reel
 * retranscode, after media.ladder or media.codecs changed; PeerTube issue
 * 2836).
 *
 * A new rendition set is planned from the video's plan with the rungs the
 * ladder gives its picture now, each named "<rung>_<set>" (720p_1), so
 * every URL and blob of the set served keeps its meaning (segments are
 * cached for a year). video.retranscoding records it as the video's next
 * plan, and one chunk job per chunk is queued as at ingest, under rows
 * REEL_CHUNK_SET_BASE (set) + i (app/video/chunks.h); the soundtrack and
 * the poster are kept. Viewers get the served set until the new one's
 * last chunk is in; then the record switches to it in one transaction
 * (app/video/lifecycle.c), and the old set's blobs, named by no row any
 * more, are reclaimed by the clean-up after cleanup.grace_seconds. */
#pragma once

#include "app/video/record.h"
#include "bus/bus.h"
#include "core/config.h"

#include <glib.h>

G_BEGIN_DECLS

/* Queues the re-transcode of video (ready, with a plan and an original)
 * by actor (an admin's username); *set gets the new set's number.
 * REEL_ERROR_CONFLICT when the video is not ready, or has had
 * REEL_CHUNK_SET_MAX sets. */
gboolean reel_retranscode (const ReelConfig *cfg, ReelBus *bus, const ReelVideo *video,
                           const char *actor, guint *set, GError **error);

/* The jobs key of set's chunk jobs (bus/jobs.h): "<video_id>.s<set>", under
 * the video's, so cancelling the video's jobs cancels them too, and a set
 * given up or superseded has its own cancelled alone. */
char *reel_retranscode_jobs_key (const char *video_id, guint set);

G_END_DECLS
