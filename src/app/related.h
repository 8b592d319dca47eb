/* Recommendations ("up next") for a video A: first the videos most often
 * watched by the same viewers as A (co-watching, from the viewer-action
 * stream), then A's channel's other videos, newest first, then the videos
 * whose titles are most like A's. Never A itself, never a video that is not
 * ready (a deleted video has no ready record).
 *
 * Co-watching: when a viewer's view of B counts (app/watch.h), each video in
 * that viewer's recent history gets its pair count with B raised, both ways.
 * A viewer is the username when logged in, the session otherwise.
 * Tables: RELATED_WATCH (video id + session id -> watch state),
 * RELATED_HISTORY ("u:<username>" or "s:<session>" -> the last
 * RELATED_HISTORY_MAX video ids, 11 bytes each), RELATED_PAIRS (A + B ->
 * u64 BE viewers who watched both).
 *
 * The channel and title candidates come from one function each
 * (reel_related_same_channel, reel_related_similar_titles), which scan the
 * VIDEOS table for now; they are the seams where the channel listing and the
 * search index take over. */
#pragma once

#include "app/action_projection.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define REEL_PROJECTION_RELATED "related"

extern const ReelActionProjection reel_related_projection;

/* Up to limit related videos of id, each the object GET /api/v1/videos/{id}
 * shows plus "reason" (co_watched, same_channel, similar_title);
 * REEL_ERROR_NOT_FOUND when id is unknown. */
JsonArray *reel_related_list (ReelStore *store, const char *id, guint limit, GError **error);

/* Ready videos of source's channel, newest first, as video ids (owned). */
void reel_related_same_channel (ReelTxn *txn, JsonObject *source, guint limit, GPtrArray *out);
/* Ready videos whose titles share words with source's, most alike first. */
void reel_related_similar_titles (ReelTxn *txn, JsonObject *source, guint limit, GPtrArray *out);

G_END_DECLS
