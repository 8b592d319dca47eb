/* reelrange: passes one time range of a stream, seeking upstream to it. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_REEL_RANGE (gst_reel_range_get_type ())
G_DECLARE_FINAL_TYPE (GstReelRange, gst_reel_range, GST, REEL_RANGE, GstElement)

GST_ELEMENT_REGISTER_DECLARE (reelrange);

G_END_DECLS
