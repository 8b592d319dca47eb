/* Recommendations ("up next") for a video A: first the videos most often
 * watched by the same viewers as A (co-watching, from the viewer-action
 * stream), then A's channel's other videos, newest first, then the videos
 * whose titles are most like A's. Never A itself, never a video that is not
 * ready (a deleted video has no ready record).
 *
 * Co-watching: when a viewer's view of B counts (app/analytics/watch.h), each video in
 * that viewer's recent history gets its pair count with B raised, both ways.
 * A viewer is the username when logged in, the session otherwise.
 * Tables: RELATED_WATCH (video id + session id -> watch state),
 * RELATED_HISTORY ("u:<username>" or "s:<session>" -> the last
 * RELATED_HISTORY_MAX video ids, 11 bytes each), RELATED_PAIRS (A + B ->
 * u64 BE viewers who watched both).
 *
 * The channel's videos come from its listing (app/social/channels.h), the
 * similar titles from the search index's title postings
 * (app/search/search.h): both read an index, never the whole VIDEOS
 * table. */
#pragma once

#include "app/analytics/action_projection.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define REEL_PROJECTION_RELATED "related"

extern const ReelActionProjection reel_related_projection;

/* Up to limit related videos of id, each the object GET /api/v1/videos/{id}
 * shows plus "reason" (co_watched, same_channel, similar_title);
 * REEL_ERROR_NOT_FOUND when id is unknown. */
JsonArray *reel_related_list (ReelStore *store, const char *id, guint limit, GError **error);

G_END_DECLS
