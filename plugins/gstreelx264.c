/* The reelx264 GStreamer plugin: reelx264enc alone, apart from the reel
 * plugin because libx264 is GPL-2.0-or-later while the rest of reel is
 * LGPL (gstreelx264enc.c). reel-media registers the element statically;
 * gst-launch-1.0 finds this plugin through GST_PLUGIN_PATH. */
#include "gstreelx264enc.h"

#ifndef PACKAGE
#define PACKAGE "reel"
#endif

static gboolean
plugin_init (GstPlugin *plugin)
{
  return GST_ELEMENT_REGISTER (reelx264enc, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, reelx264,
                   "reel's x264 encoder with ffmpeg's rate control", plugin_init, REEL_VERSION,
                   "GPL", "reel", "https://reel.invalid/")
