/* Views: how many times each video was watched, from the viewer-action
 * stream. A view counts once per viewer session and video, when the
 * session has watched views.min_watch_seconds of it, or the whole of a
 * shorter video (app/analytics/watch.h has the arithmetic).
 *
 * Tables: VIEW_WATCH (video id + session id -> watch state), VIEW_COUNTS
 * (video id -> u64 BE). The count shows on the video's metadata
 * (reel_videos_get / reel_videos_public); listings and search ranking read it
 * with reel_views_count(). */
#pragma once

#include "app/analytics/action_projection.h"

G_BEGIN_DECLS

#define REEL_PROJECTION_VIEWS "views"

extern const ReelActionProjection reel_views_projection;

/* The counted views of a video (0 when none or unknown). */
guint64 reel_views_count (ReelTxn *txn, const char *video_id);

G_END_DECLS
