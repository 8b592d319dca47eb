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

/* One asynchronous discovery on the thread-default main context. */
typedef struct
{
  GMainLoop *loop;
  GstDiscovererInfo *info;
  GError *error;
  ReelProbeTick tick;
  gpointer data;
} Discovery;

static void
on_discovered (GstDiscoverer *disc, GstDiscovererInfo *info, GError *error, gpointer data)
{
  Discovery *x = data;
  if (info && !x->info)
    x->info = GST_DISCOVERER_INFO (g_object_ref (info));
  if (error && !x->error)
    x->error = g_error_copy (error);
}

static void
on_finished (GstDiscoverer *disc, gpointer data)
{
  Discovery *x = data;
  g_main_loop_quit (x->loop);
}

static gboolean
on_tick (gpointer data)
{
  Discovery *x = data;
  x->tick (x->data);
  return G_SOURCE_CONTINUE;
}

/* What the discoverer found, judged: a video reel can use, or why not. */
static ReelProbe *
judge (GstDiscovererInfo *info, const GError *local, GError **error)
{
  g_autoptr (ReelProbe) p = g_new0 (ReelProbe, 1);
  GList *videos = NULL, *audios = NULL;
  GstDiscovererVideoInfo *v;

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
  if (p->duration_ns == GST_CLOCK_TIME_NONE || p->duration_ns < GST_MSECOND * 100)
    {
      unsupported (error, "the video has no length (is the file cut short?)");
      return NULL;
    }
  return g_steal_pointer (&p);
}

ReelProbe *
reel_probe_file (const char *path, guint timeout_s, ReelProbeTick tick, gpointer data,
                 GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GstDiscoverer) disc
      = gst_discoverer_new ((GstClockTime)timeout_s * GST_SECOND, &local);
  g_autofree char *uri = disc ? gst_filename_to_uri (path, &local) : NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (g_main_context_get_thread_default (), FALSE);
  Discovery x = { loop, NULL, NULL, tick, data };
  GSource *ticker = NULL;
  ReelProbe *p;

  if (!disc || !uri)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot probe: %s",
                   local ? local->message : "?");
      return NULL;
    }
  g_signal_connect (disc, "discovered", G_CALLBACK (on_discovered), &x);
  g_signal_connect (disc, "finished", G_CALLBACK (on_finished), &x);
  gst_discoverer_start (disc);
  if (!gst_discoverer_discover_uri_async (disc, uri))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot probe %s", path);
      return NULL;
    }
  if (tick)
    {
      ticker = g_timeout_source_new_seconds (1);
      g_source_set_callback (ticker, on_tick, &x, NULL);
      g_source_attach (ticker, g_main_loop_get_context (loop));
    }
  g_main_loop_run (loop);
  if (ticker)
    {
      g_source_destroy (ticker);
      g_source_unref (ticker);
    }
  gst_discoverer_stop (disc);
  p = judge (x.info, x.error, error);
  g_clear_object (&x.info);
  g_clear_error (&x.error);
  return p;
}

JsonObject *
reel_probe_to_json (const ReelProbe *p)
{
  JsonObject *o = json_object_new ();
  json_object_set_int_member (o, "duration_ns", (gint64)p->duration_ns);
  json_object_set_int_member (o, "width", p->width);
  json_object_set_int_member (o, "height", p->height);
  json_object_set_int_member (o, "coded_width", p->coded_width);
  json_object_set_int_member (o, "coded_height", p->coded_height);
  json_object_set_int_member (o, "rotation", p->rotation);
  json_object_set_int_member (o, "fps_n", p->fps_n);
  json_object_set_int_member (o, "fps_d", p->fps_d);
  json_object_set_boolean_member (o, "has_audio", p->has_audio);
  json_object_set_string_member (o, "video_codec", p->video_codec ? p->video_codec : "unknown");
  return o;
}

/* An integer member within [min, max], or FALSE. */
static gboolean
get_int (JsonObject *obj, const char *name, gint64 min, gint64 max, gint64 *out)
{
  JsonNode *n = json_object_get_member (obj, name);
  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (n);
  return *out >= min && *out <= max;
}

ReelProbe *
reel_probe_from_json (JsonObject *obj, GError **error)
{
  g_autoptr (ReelProbe) p = g_new0 (ReelProbe, 1);
  const struct
  {
    const char *name;
    gint64 min, max;
  } ints[] = {
    { "duration_ns", 1, G_MAXINT64 },  { "width", 1, G_MAXINT32 },
    { "height", 1, G_MAXINT32 },       { "coded_width", 1, G_MAXINT32 },
    { "coded_height", 1, G_MAXINT32 }, { "rotation", 0, 270 },
    { "fps_n", 0, G_MAXINT32 },        { "fps_d", 1, G_MAXINT32 },
  };
  gint64 v[G_N_ELEMENTS (ints)];
  JsonNode *audio = json_object_get_member (obj, "has_audio");
  const char *codec = json_object_get_string_member_with_default (obj, "video_codec", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    if (!get_int (obj, ints[i].name, ints[i].min, ints[i].max, &v[i]))
      {
        g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                     "the media process sent a probe without a valid %s", ints[i].name);
        return NULL;
      }
  if (!audio || !JSON_NODE_HOLDS_VALUE (audio) || json_node_get_value_type (audio) != G_TYPE_BOOLEAN
      || !codec || !g_utf8_validate (codec, -1, NULL) || v[5] % 90 != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "the media process sent a bad probe");
      return NULL;
    }
  p->duration_ns = (guint64)v[0];
  p->width = (guint)v[1];
  p->height = (guint)v[2];
  p->coded_width = (guint)v[3];
  p->coded_height = (guint)v[4];
  p->rotation = (guint)v[5];
  p->fps_n = (gint)v[6];
  p->fps_d = (gint)v[7];
  p->has_audio = json_node_get_boolean (audio);
  p->video_codec = g_strdup (codec);
  return g_steal_pointer (&p);
}
