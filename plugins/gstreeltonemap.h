/* reeltonemap: HDR video to SDR. 10-bit 4:2:0 video whose transfer is PQ
 * (SMPTE ST 2084, HDR10) or HLG (ARIB STD-B67, what phones record) comes
 * out as 10-bit 4:2:0 BT.709 SDR: tone-mapped with the HDR reference white
 * (203 cd/m², ITU-R BT.2408) on the SDR white below a soft knee, the
 * highlights above it rolled off, the BT.2020 gamut mapped into BT.709.
 * Everything else passes through untouched. The H.264 ladder is 8-bit
 * and most players show it as SDR: PQ or HLG samples there, tagged or not,
 * come out the washed-out, grey picture HDR uploads are known for on
 * platforms that do not tone-map.
 *
 *   gst-launch-1.0 filesrc location=hdr.mov ! decodebin ! reeltonemap ! videoconvert !
 * autovideosink */
#pragma once

#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_REEL_TONE_MAP (gst_reel_tone_map_get_type ())
G_DECLARE_FINAL_TYPE (GstReelToneMap, gst_reel_tone_map, GST, REEL_TONE_MAP, GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE (reeltonemap);

G_END_DECLS
