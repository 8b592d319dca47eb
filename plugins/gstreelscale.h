/* reelscale: converts and scales raw video in one pass (GstVideoConverter),
 * with the kernel chosen by how much the picture shrinks: below 2:1 a
 * bicubic whose shape is a property, by default B = 0, C = 0.6, the kernel
 * of swscale's "bicubic" (what ffmpeg scales with unless told otherwise;
 * videoconvertscale offers Catmull-Rom, C = 0.5, and no other cubic); from
 * 2:1 down Lanczos with `lobes` lobes (3). reelladder scales its rungs with
 * it; the choice and the figures behind it are in gstreelscale.c.
 *
 *   gst-launch-1.0 videotestsrc ! reelscale ! video/x-raw,width=852,height=480 ! autovideosink */
#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_REEL_SCALE (gst_reel_scale_get_type ())
G_DECLARE_FINAL_TYPE (GstReelScale, gst_reel_scale, GST, REEL_SCALE, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE (reelscale);

G_END_DECLS
