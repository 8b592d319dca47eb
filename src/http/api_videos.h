/* What the two upload edges share: tus (api_videos.c) and one-shot
 * multipart (api_multipart.c) both end an upload the same way and answer
 * a created video the same way. */
#pragma once

#include "app/video/record.h"
#include "http/command.h"

G_BEGIN_DECLS

/* The body {id, state, url, upload_url?} of a created video, and its
 * Location and Reel-Video-Id headers. */
JsonNode *reel_api_video_created_body (const char *id, ReelReply *reply, ReelVideoState state);

G_END_DECLS
