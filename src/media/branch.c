/* See branch.h. */
#include "media/branch.h"

gboolean
reel_branch_link (GstElement *pipeline, GstPad *pad, GstElement **chain, guint n)
{
  g_autoptr (GstPad) sinkpad = NULL;
  for (guint i = 0; i < n; i++)
    if (!chain[i])
      return FALSE;
  for (guint i = 0; i < n; i++)
    gst_bin_add (GST_BIN (pipeline), chain[i]);
  for (guint i = 0; i + 1 < n; i++)
    if (!gst_element_link (chain[i], chain[i + 1]))
      return FALSE;
  for (guint i = 0; i < n; i++)
    gst_element_sync_state_with_parent (chain[i]);
  sinkpad = gst_element_get_static_pad (chain[0], "sink");
  return gst_pad_link (pad, sinkpad) == GST_PAD_LINK_OK;
}
