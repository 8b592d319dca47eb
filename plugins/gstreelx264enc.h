/* reelx264enc: H.264 through libx264 with x264's own rate control and VBV,
 * as ffmpeg's libx264 drives it. */
#pragma once

#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_TYPE_REEL_X264_ENC (gst_reel_x264_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstReelX264Enc, gst_reel_x264_enc, GST, REEL_X264_ENC, GstVideoEncoder)

GST_ELEMENT_REGISTER_DECLARE (reelx264enc);

G_END_DECLS
