/* Popular channels on a CDN: copying a video's segments to the CDN origin,
 * a second blob store with the same key layout (videos/<id>/<rendition>/
 * <file>), from which a CDN pulls; the playlists then name cdn.base_url.
 *
 * Whether a channel is popular is read when its video becomes ready
 * (subscribers >= cdn.min_subscribers); a video pushed stays on the CDN.
 * The push itself is a side effect run once per video by the reactor
 * (daemon/reactor.c), which then publishes video.cdn_pushed. */
#pragma once

#include "core/config.h"
#include "store/blobs.h"
#include "store/store.h"

G_BEGIN_DECLS

/* Whether the CDN is configured (cdn.base_url and cdn.origin_dir). */
gboolean reel_cdn_enabled (const ReelConfig *cfg);

/* Whether video_id's channel is popular enough now; FALSE (error unset)
 * when the video is gone. */
gboolean reel_cdn_wanted (const ReelConfig *cfg, ReelStore *store, const char *video_id,
                          GError **error);

/* Copies every segment the video's chunk table names from blobs to cdn;
 * returns how many and their bytes. */
gboolean reel_cdn_push (ReelStore *store, ReelBlobs *blobs, ReelBlobs *cdn, const char *video_id,
                        guint *segments, guint64 *bytes, GError **error);

/* The URL prefix of a pushed video's segments, "<cdn.base_url>/videos/<id>/". */
char *reel_cdn_segment_base (const ReelConfig *cfg, const char *video_id);

G_END_DECLS
