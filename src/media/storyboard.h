/* Storyboards: the seek previews of a video. A storyboard job (queued
 * beside the poster by media/ingest.c, run by media/worker.c) samples one
 * frame every interval_s seconds (pipelines/storyboard.pipeline), packs the
 * tiles row by row into one sprite sheet, encodes it as a JPEG
 * (pipelines/storyboard-sheet.pipeline) and writes a WebVTT thumbnails
 * track: one cue per interval, from 0 to the duration without gaps, whose
 * payload names the sprite's region ("storyboard.jpg#xywh=x,y,w,h"), the
 * form video.js and Shaka read. The sprite is named relative to the track,
 * so the track works under a signed URL too (/s/{token}/videos/...). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define REEL_STORYBOARD_SPRITE_FILE "storyboard.jpg"
#define REEL_STORYBOARD_VTT_FILE "storyboard.vtt"

typedef struct
{
  guint interval_s; /* seconds between tiles */
  guint tiles;      /* cues (and tiles wanted): ceil (duration / interval) */
  guint columns;    /* tiles per row of the sheet */
  guint width;      /* one tile */
  guint height;
} ReelStoryboard;

/* The layout for a video of duration_ns whose picture is
 * source_width x source_height (after rotation). */
void reel_storyboard_plan (guint64 duration_ns, guint source_width, guint source_height,
                           ReelStoryboard *out);

/* Packs the tiles (raw RGBx frames of width x height, one after another in
 * raw, available of them) into a sheet of columns x rows tiles, RGBx;
 * tiles beyond the sampled ones repeat the last (the decoder may give one
 * frame fewer than the duration suggests). Sets *sheet_width and
 * *sheet_height. NULL (error set) when raw holds no whole tile. */
GBytes *reel_storyboard_pack (const ReelStoryboard *sb, GBytes *raw, guint *sheet_width,
                              guint *sheet_height, GError **error);

/* The WebVTT thumbnails track of sprite for a video of duration_ns. */
char *reel_storyboard_vtt (const ReelStoryboard *sb, guint64 duration_ns, const char *sprite);

G_END_DECLS
