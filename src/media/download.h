/* Downloads: a video's rendition as one MP4 file, for viewers when its
 * owner allows it (app/video/record.h "downloadable") and for the owner
 * always (http/api_downloads.c).
 *
 * The segments are remuxed, never re-encoded: the rung's init segment and
 * media segments (and the sound's) are each joined into one fragmented MP4,
 * and pipelines/download.pipeline muxes both into a plain MP4 with its index
 * in front. Joining alone would give a valid fragmented MP4 of the picture
 * only: no sound, and a duration players learn only by reading every
 * fragment. The work is in a scratch directory the caller owns. */
#pragma once

#include "app/video/record.h"
#include "store/blobs.h"
#include "store/store.h"

G_BEGIN_DECLS

/* Writes dir/<id>-<rendition>.mp4 for a ready video and returns its path.
 * REEL_ERROR_NOT_FOUND for a rendition the video lacks, REEL_ERROR_CONFLICT
 * while it is not ready, REEL_ERROR_INTERNAL when a segment or the
 * pipeline fails. Blocks for as long as the remux takes: call it from a
 * worker thread. */
char *reel_download_remux (ReelStore *store, ReelBlobs *blobs, const ReelVideo *video,
                           const char *rendition, const char *dir, GError **error);

G_END_DECLS
