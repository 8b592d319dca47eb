/* See branch.h. */
#include "media/branch.h"
#include "core/error.h"

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

gboolean
reel_branch_decode (GstElement *pipeline, const char *path, GCallback on_pad_added, gpointer data,
                    const char *what, ReelBranchTick tick, gpointer tick_data, GError **error)
{
  GstElement *src = gst_element_factory_make ("filesrc", NULL);
  GstElement *decode = gst_element_factory_make ("decodebin", NULL);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;

  if (!src || !decode)
    {
      g_clear_object (&src);
      g_clear_object (&decode);
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "GStreamer lacks filesrc or decodebin");
      return FALSE;
    }
  g_object_set (src, "location", path, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, decode, NULL);
  gst_element_link (src, decode);
  g_signal_connect (decode, "pad-added", on_pad_added, data);
  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      gst_element_set_state (pipeline, GST_STATE_NULL);
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED, "cannot %s: cannot decode the file",
                   what);
      return FALSE;
    }
  /* A whole file may take minutes (an hour of 4K, or a little CPU beside
   * a transcode): a tick every second says it is still going. */
  while (!(msg = gst_bus_timed_pop_filtered (bus, tick ? GST_SECOND : GST_CLOCK_TIME_NONE,
                                             GST_MESSAGE_EOS | GST_MESSAGE_ERROR)))
    {
      gint64 position = -1;
      if (!gst_element_query_position (pipeline, GST_FORMAT_TIME, &position))
        position = -1;
      tick (position, tick_data);
    }
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) gerr = NULL;
      gst_message_parse_error (msg, &gerr, NULL);
      gst_element_set_state (pipeline, GST_STATE_NULL);
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED, "cannot %s: %s", what, gerr->message);
      return FALSE;
    }
  return TRUE;
}
