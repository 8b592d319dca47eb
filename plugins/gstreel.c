/* The reel GStreamer plugin: elements of reel worth reusing outside the
 * service. reeld registers the same elements statically at start-up
 * (reel_gst_register), so the service always has the elements it was built
 * with; gst-launch-1.0 finds the shared plugin through GST_PLUGIN_PATH. */
#include "gstreel.h"
#include "gstreelrange.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  return GST_ELEMENT_REGISTER (reelrange, plugin);
}

#ifndef PACKAGE
#define PACKAGE "reel"
#endif

#ifdef REEL_GST_STATIC
void
reel_gst_register (void)
{
  gst_plugin_register_static (GST_VERSION_MAJOR, GST_VERSION_MINOR, "reel",
                              "reel video platform elements", plugin_init, REEL_VERSION, "LGPL",
                              "reel", "reel", "https://reel.invalid/");
}
#else
GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, reel, "reel video platform elements",
                   plugin_init, REEL_VERSION, "LGPL", "reel", "https://reel.invalid/")
#endif
