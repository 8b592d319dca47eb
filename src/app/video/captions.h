/* Captions of a video (issue 14): its owner uploads a WebVTT or SRT file
 * per language; reel checks it and keeps it as WebVTT (core/webvtt.h) in
 * the blob store beside the renditions, under a new file name each time,
 * and publishes video.captions, which sets or (without a file) removes
 * the language's track on the record (app/video/videos.c applies it and
 * lists the tracks in the API). Playlists then offer the tracks
 * (media/playback.h): an HLS SUBTITLES group and a DASH text set. */
#pragma once

#include "app/video/record.h"
#include "bus/bus.h"
#include "store/blobs.h"
#include "store/store.h"

G_BEGIN_DECLS

/* Checks data, stores it and publishes the track (the owner only). The
 * file it replaces is deleted once the event is in the log. */
gboolean reel_captions_put (ReelBus *bus, ReelStore *store, ReelBlobs *blobs, const char *user,
                            const char *id, const char *lang, const char *data, gsize len,
                            guint64 *seq, GError **error);
/* Removes the track in lang (the owner only); NOT_FOUND when there is none. */
gboolean reel_captions_delete (ReelBus *bus, ReelStore *store, ReelBlobs *blobs, const char *user,
                               const char *id, const char *lang, guint64 *seq, GError **error);

G_END_DECLS
