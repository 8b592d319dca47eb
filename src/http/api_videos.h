/* What the two upload edges share: tus (api_videos.c) and one-shot
 * multipart (api_multipart.c) both end an upload the same way and answer
 * a created video the same way. */
#pragma once

#include "http/router.h"
#include "http/server.h"

G_BEGIN_DECLS

/* Completes the upload of video id (its bytes complete under
 * DATA_DIR/uploads): moves them into the blob store, queues the ingest job
 * and publishes video.uploaded (*seq). Runs in a command. */
gboolean reel_api_upload_complete (ReelHttp *http, const char *id, const char *user, guint64 size,
                                   guint64 *seq, GError **error);

/* The body {id, state, url, upload_url?} of a created video, and its
 * Location and Reel-Video-Id headers. */
JsonNode *reel_api_video_created_body (const char *id, ReelReply *reply, const char *state);

void reel_api_multipart_register (ReelRouter *router, ReelRouter *early);

G_END_DECLS
