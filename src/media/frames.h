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

/* {"frames": N} once written; tick is called every second meanwhile
 * (media/branch.h). */
JsonObject *reel_frames_sample (const char *path, const char *dir, guint interval_s,
                                guint max_frames, ReelBranchTick tick, gpointer tick_data,
                                GError **error);

G_END_DECLS
