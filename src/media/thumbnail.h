/* Custom thumbnails: the owner's choice of poster (issue 14). Either a
 * frame at a time the owner picks, made by a poster job on the work queue
 * like the first poster (media/worker.c), or an uploaded image (JPEG, PNG
 * or WebP) decoded and encoded again in reel-media
 * (pipelines/thumbnail.pipeline): never stored or served as uploaded.
 * Every poster comes in two sizes: the poster rung's (watch page, feeds,
 * oEmbed) and 320 wide (lists), the small one encoded from the first.
 * Each custom poster gets a new file name (poster-<hex>.jpg, spelled in
 * store/blob_keys.h), so every URL naming it changes with it (posters are
 * cached as immutable) and the record's poster stays the one source of
 * truth for the API, feeds and oEmbed. */
#pragma once

#include "app/video/record.h"
#include "bus/bus.h"
#include "bus/jobs.h"
#include "core/config.h"
#include "store/blobs.h"

G_BEGIN_DECLS

/* Encodes the poster JPEG at path poster (width x height) again as the
 * small poster (320 wide, same aspect) at out, in reel-media for job (may
 * be NULL); returns its bytes. */
GBytes *reel_thumbnail_small (const ReelConfig *cfg, const char *poster, const char *out,
                              guint width, guint height, const ReelJob *job, GError **error);

/* Queues a poster job for video (its owner asked) taking the frame at
 * at_ns into a new file. REEL_ERROR_INVALID when the video has no plan
 * yet or at_ns is past its end. */
gboolean reel_thumbnail_queue_frame (ReelBus *bus, const ReelVideo *video, guint64 at_ns,
                                     GError **error);

/* Makes video's poster from image (of content type type: image/jpeg,
 * image/png or image/webp) in reel-media, stores it and publishes
 * video.poster. REEL_ERROR_INVALID when the image cannot be decoded as its
 * type. */
gboolean reel_thumbnail_from_image (const ReelConfig *cfg, ReelBus *bus, ReelBlobs *blobs,
                                    const ReelVideo *video, const char *type, GBytes *image,
                                    guint64 *seq, GError **error);

G_END_DECLS
