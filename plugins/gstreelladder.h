/* reelladder: raw video in, one encoded, keyframe-aligned stream per rung out. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_REEL_LADDER (gst_reel_ladder_get_type ())
G_DECLARE_FINAL_TYPE (GstReelLadder, gst_reel_ladder, GST, REEL_LADDER, GstBin)

GST_ELEMENT_REGISTER_DECLARE (reelladder);

G_END_DECLS
