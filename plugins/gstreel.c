/* The reel GStreamer plugin: elements of reel worth reusing outside the
 * service. reeld registers the same elements statically at start-up
 * (reel_gst_register), so the service always has the elements it was built
 * with; gst-launch-1.0 finds the shared plugin through GST_PLUGIN_PATH. */
#include "gstreel.h"
#include "gstnatssink.h"
#include "gstnatssrc.h"
#include "gstreelladder.h"
#include "gstreelrange.h"
#include "gstreelscale.h"
#include "gstreeltonemap.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ok = GST_ELEMENT_REGISTER (reelrange, plugin);
  ok &= GST_ELEMENT_REGISTER (reelladder, plugin);
  ok &= GST_ELEMENT_REGISTER (reelscale, plugin);
  ok &= GST_ELEMENT_REGISTER (reeltonemap, plugin);
  ok &= GST_ELEMENT_REGISTER (natssink, plugin);
  ok &= GST_ELEMENT_REGISTER (natssrc, plugin);
  return ok;
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
