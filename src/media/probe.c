/* See probe.h. */
#include "media/probe.h"
#include "core/error.h"

#include <gst/pbutils/pbutils.h>

void
reel_probe_free (ReelProbe *p)
{
  if (!p)
    return;
  g_free (p->video_codec);
  g_free (p);
}

static guint
rotation_of (const GstTagList *tags)
{
  g_autofree char *orientation = NULL;
  if (tags && gst_tag_list_get_string (tags, GST_TAG_IMAGE_ORIENTATION, &orientation))
    {
      if (g_str_equal (orientation, "rotate-90"))
        return 90;
      if (g_str_equal (orientation, "rotate-180"))
        return 180;
      if (g_str_equal (orientation, "rotate-270"))
        return 270;
    }
  return 0;
}

static gboolean
unsupported (GError **error, const char *message)
{
  g_set_error_literal (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED, message);
  return FALSE;
}

ReelProbe *
reel_probe_file (const char *path, guint timeout_s, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GstDiscoverer) disc
      = gst_discoverer_new ((GstClockTime)timeout_s * GST_SECOND, &local);
  g_autoptr (GstDiscovererInfo) info = NULL;
  g_autofree char *uri = gst_filename_to_uri (path, &local);
  g_autoptr (ReelProbe) p = g_new0 (ReelProbe, 1);
  GList *videos = NULL, *audios = NULL;
  GstDiscovererVideoInfo *v;

  if (!disc || !uri)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot probe: %s",
                   local ? local->message : "?");
      return NULL;
    }
  info = gst_discoverer_discover_uri (disc, uri, &local);
  switch (info ? gst_discoverer_info_get_result (info) : GST_DISCOVERER_ERROR)
    {
    case GST_DISCOVERER_OK:
      break;
    case GST_DISCOVERER_TIMEOUT:
      unsupported (error, "the file could not be read in time (is it a complete video file?)");
      return NULL;
    case GST_DISCOVERER_MISSING_PLUGINS:
      unsupported (error, "the file uses a format or codec reel cannot decode");
      return NULL;
    default:
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED,
                   "the file is not a video reel can read (%s)",
                   local ? local->message : "unknown format");
      return NULL;
    }

  videos = gst_discoverer_info_get_video_streams (info);
  audios = gst_discoverer_info_get_audio_streams (info);
  p->has_audio = audios != NULL;
  gst_discoverer_stream_info_list_free (audios);
  if (!videos)
    {
      unsupported (error, p->has_audio ? "the file has sound but no picture: upload a video"
                                       : "the file has no video track");
      return NULL;
    }
  v = videos->data;
  if (gst_discoverer_video_info_is_image (v))
    {
      gst_discoverer_stream_info_list_free (videos);
      unsupported (error, "the file is a still image, not a video");
      return NULL;
    }
  p->coded_width = gst_discoverer_video_info_get_width (v);
  p->coded_height = gst_discoverer_video_info_get_height (v);
  p->fps_n = (gint)gst_discoverer_video_info_get_framerate_num (v);
  p->fps_d = (gint)gst_discoverer_video_info_get_framerate_denom (v);
  if (p->fps_d == 0)
    p->fps_n = 0, p->fps_d = 1;
  p->rotation = rotation_of (gst_discoverer_stream_info_get_tags (GST_DISCOVERER_STREAM_INFO (v)));
  if (!p->rotation)
    p->rotation = rotation_of (gst_discoverer_info_get_tags (info));
  {
    GstCaps *caps = gst_discoverer_stream_info_get_caps (GST_DISCOVERER_STREAM_INFO (v));
    p->video_codec = caps ? gst_pb_utils_get_codec_description (caps) : g_strdup ("unknown");
    if (caps)
      gst_caps_unref (caps);
  }
  gst_discoverer_stream_info_list_free (videos);

  p->width = p->rotation % 180 ? p->coded_height : p->coded_width;
  p->height = p->rotation % 180 ? p->coded_width : p->coded_height;
  p->duration_ns = gst_discoverer_info_get_duration (info);
  if (p->coded_width < 16 || p->coded_height < 16)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED,
                   "the picture is %ux%u; at least 16x16 is needed", p->coded_width,
                   p->coded_height);
      return NULL;
    }
  if (p->coded_width > REEL_PROBE_MAX_WIDTH || p->coded_height > REEL_PROBE_MAX_HEIGHT)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED,
                   "the picture is %ux%u; the largest accepted is %ux%u", p->coded_width,
                   p->coded_height, REEL_PROBE_MAX_WIDTH, REEL_PROBE_MAX_HEIGHT);
      return NULL;
    }
  if (p->duration_ns == GST_CLOCK_TIME_NONE || p->duration_ns < GST_MSECOND * 100)
    {
      unsupported (error, "the video has no length (is the file cut short?)");
      return NULL;
    }
  return g_steal_pointer (&p);
}
