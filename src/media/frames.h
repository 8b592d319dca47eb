/* Sampled frames for the adult-content check (app/checks/checks.h): what
 * reel-media writes for the "frames" request (media/child.h), one JPEG
 * every interval_s seconds of the picture, at most 320 pixels wide, as
 * DIR/frame-00000.jpg, ... A file without a picture gives none. */
#pragma once

#include "media/branch.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define REEL_FRAMES_PATTERN "frame-%05d.jpg"

/* Where the frames go and how many: one every interval_s seconds, at most
 * max_frames (the last ones written are kept). */
typedef struct
{
  const char *dir;
  guint interval_s;
  guint max_frames;
} ReelFramesSpec;

/* Samples a file's picture in its own decode: {"frames": N} once written;
 * tick is called every second meanwhile (media/branch.h). */
JsonObject *reel_frames_sample (const char *path, const ReelFramesSpec *spec, ReelBranchTick tick,
                                gpointer tick_data, GError **error);

/* Links the sampler behind pad, a decoded picture's, in pipeline: how
 * another decode of the file (media/fingerprint.c) samples its frames
 * too. FALSE when an element is missing or a link fails. */
gboolean reel_frames_link (GstElement *pipeline, GstPad *pad, const ReelFramesSpec *spec);

/* The frames written to dir. */
guint reel_frames_count (const char *dir);

G_END_DECLS
