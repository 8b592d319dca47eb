/* Fingerprints of a media file for the copyright check (app/checks/):
 * what reel-media computes for the "fingerprint" request (media/child.h),
 * for a registered work and for every upload alike.
 *
 *   audio: Chromaprint's raw fingerprint (GStreamer's chromaprint element;
 *          its compressed output is unpacked by app/checks/prints.h), one
 *          32-bit item per 1365 samples at 11025 Hz (~8 a second);
 *   video: a 64-bit difference hash of the picture's luma per half second:
 *          the frame area-averaged down to 9x8 blocks, one bit per pair of
 *          horizontal neighbours (is the left one brighter). Averaging
 *          makes it blind to re-encoding and scaling, comparing neighbours
 *          to brightness and contrast changes, and large blocks to small
 *          crops.
 * Both are computed in one pass over the decoded file; a file without
 * sound (or picture) has no audio (or video) print. */
#pragma once

#include "media/branch.h"
#include "media/frames.h"

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Video hashes a second: two, so a copy cut between samples still lines
 * up within a quarter second. */
#define REEL_FINGERPRINT_VIDEO_RATE 2

/* Fingerprints path (decoding at most max_seconds of it, calling tick
 * every second: media/branch.h) into
 * {"duration_ns", "audio"?: compressed Chromaprint string,
 *  "video"?: base64 of the 64-bit hashes, little-endian,
 *  "frames"?: N}. With frames (may be NULL), the same decode also samples
 * the adult check's frames (media/frames.h) into frames->dir, of the same
 * max_seconds at most. */
JsonObject *reel_fingerprint_file (const char *path, guint max_seconds,
                                   const ReelFramesSpec *frames, ReelBranchTick tick,
                                   gpointer tick_data, GError **error);

G_END_DECLS
