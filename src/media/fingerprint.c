/* See fingerprint.h. The pipeline is built by hand rather than from a
 * template (media/pipeline.h): its branches depend on which streams the
 * file has, and a branch left without a stream would never reach EOS. */
#include "media/fingerprint.h"
#include "core/error.h"
#include "media/branch.h"
#include "media/frames.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

/* The luma the hash is averaged from: 4x4 pixels per block of the 9x8
 * grid, so the scaler's own filtering matters little. */
#define BLOCKS_X 9
#define BLOCKS_Y 8
#define BLOCK_PX 4
#define LUMA_WIDTH (BLOCKS_X * BLOCK_PX)
#define LUMA_HEIGHT (BLOCKS_Y * BLOCK_PX)

typedef struct
{
  GstElement *pipeline;
  GstElement *chromaprint;
  GArray *video; /* guint64, appended from the streaming thread */
  guint max_seconds;
  const ReelFramesSpec *frames; /* NULL: no frames sampled */
  gboolean picture;
} Fingerprint;

/* The 9x8 difference hash of one GRAY8 frame. */
static guint64
dhash (const guint8 *data, gint stride)
{
  guint sums[BLOCKS_Y][BLOCKS_X] = { { 0 } };
  guint64 hash = 0;
  for (guint y = 0; y < LUMA_HEIGHT; y++)
    for (guint x = 0; x < LUMA_WIDTH; x++)
      sums[y / BLOCK_PX][x / BLOCK_PX] += data[y * stride + x];
  for (guint y = 0; y < BLOCKS_Y; y++)
    for (guint x = 0; x + 1 < BLOCKS_X; x++)
      hash = (hash << 1) | (sums[y][x] > sums[y][x + 1]);
  return hash;
}

static GstFlowReturn
on_frame (GstAppSink *sink, gpointer data)
{
  Fingerprint *f = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstVideoInfo info;
  GstMapInfo map;
  GstBuffer *buf;
  guint64 hash;

  if (!sample || !gst_video_info_from_caps (&info, gst_sample_get_caps (sample)))
    return GST_FLOW_ERROR;
  if (f->video->len >= (guint64)f->max_seconds * REEL_FINGERPRINT_VIDEO_RATE)
    return GST_FLOW_EOS;
  buf = gst_sample_get_buffer (sample);
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_FLOW_ERROR;
  hash = GUINT64_TO_LE (dhash (map.data, GST_VIDEO_INFO_PLANE_STRIDE (&info, 0)));
  gst_buffer_unmap (buf, &map);
  g_array_append_val (f->video, hash);
  return GST_FLOW_OK;
}

/* Links a chain of new elements after pad; FALSE when one is missing. */
static void
on_pad_added (GstElement *decodebin, GstPad *pad, gpointer data)
{
  Fingerprint *f = data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  const char *name = caps ? gst_structure_get_name (gst_caps_get_structure (caps, 0)) : "";

  if (g_str_has_prefix (name, "audio/") && !f->chromaprint)
    {
      GstElement *sink = gst_element_factory_make ("fakesink", NULL);
      f->chromaprint = gst_element_factory_make ("chromaprint", NULL);
      if (f->chromaprint)
        g_object_set (f->chromaprint, "duration", f->max_seconds, NULL);
      if (sink)
        g_object_set (sink, "sync", FALSE, NULL);
      GstElement *chain[]
          = { gst_element_factory_make ("queue", NULL),
              gst_element_factory_make ("audioconvert", NULL),
              gst_element_factory_make ("audioresample", NULL), f->chromaprint, sink };
      if (!reel_branch_link (f->pipeline, pad, chain, G_N_ELEMENTS (chain)))
        GST_ELEMENT_ERROR (decodebin, CORE, NEGOTIATION, ("cannot fingerprint the sound"), (NULL));
    }
  else if (g_str_has_prefix (name, "video/") && !f->picture)
    {
      GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
      GstElement *sink = gst_element_factory_make ("appsink", NULL);
      GstAppSinkCallbacks callbacks = { 0 };
      if (filter)
        {
          g_autoptr (GstCaps) want = gst_caps_new_simple (
              "video/x-raw", "format", G_TYPE_STRING, "GRAY8", "width", G_TYPE_INT, LUMA_WIDTH,
              "height", G_TYPE_INT, LUMA_HEIGHT, "framerate", GST_TYPE_FRACTION,
              REEL_FINGERPRINT_VIDEO_RATE, 1, NULL);
          g_object_set (filter, "caps", want, NULL);
        }
      if (sink)
        {
          callbacks.new_sample = on_frame;
          g_object_set (sink, "sync", FALSE, NULL);
          gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, f, NULL);
        }
      f->picture = TRUE;
      /* Frames are dropped to the sampling rate first and shrunk next,
       * so the conversion to grey touches a few tiny frames rather than
       * every full-size one (the luma plane is the same either way). */
      GstElement *chain[] = { gst_element_factory_make ("queue", NULL),
                              gst_element_factory_make ("videorate", NULL),
                              gst_element_factory_make ("videoscale", NULL),
                              gst_element_factory_make ("videoconvert", NULL),
                              filter,
                              sink };
      /* With frames to sample, a tee gives the decoded picture to both:
       * one decode for the two checks (decoding is most of their cost). A
       * branch that ends (the hashes at max_seconds) ends the other. */
      GstElement *tee = f->frames ? gst_element_factory_make ("tee", NULL) : NULL;
      g_autoptr (GstPad) hashes = NULL, frames = NULL;
      if (f->frames
          && (!tee || !reel_branch_link (f->pipeline, pad, &tee, 1)
              || !(hashes = gst_element_request_pad_simple (tee, "src_%u"))
              || !(frames = gst_element_request_pad_simple (tee, "src_%u"))
              || !reel_frames_link (f->pipeline, frames, f->frames)))
        GST_ELEMENT_ERROR (decodebin, CORE, NEGOTIATION, ("cannot sample the picture"), (NULL));
      else if (!reel_branch_link (f->pipeline, hashes ? hashes : pad, chain, G_N_ELEMENTS (chain)))
        GST_ELEMENT_ERROR (decodebin, CORE, NEGOTIATION, ("cannot fingerprint the picture"),
                           (NULL));
    }
}

JsonObject *
reel_fingerprint_file (const char *path, guint max_seconds, const ReelFramesSpec *frames,
                       ReelBranchTick tick, gpointer tick_data, GError **error)
{
  Fingerprint f = { 0 };
  g_autoptr (GstElement) pipeline = gst_pipeline_new ("fingerprint");
  g_autoptr (GArray) video = g_array_new (FALSE, FALSE, sizeof (guint64));
  JsonObject *out;
  gint64 duration = 0;

  f.pipeline = pipeline;
  f.video = video;
  f.max_seconds = max_seconds;
  f.frames = frames;
  if (!reel_branch_decode (pipeline, path, G_CALLBACK (on_pad_added), &f, "fingerprint", tick,
                           tick_data, error))
    return NULL;
  gst_element_query_position (pipeline, GST_FORMAT_TIME, &duration);
  out = json_object_new ();
  json_object_set_int_member (out, "duration_ns", MAX (duration, 0));
  if (f.chromaprint)
    {
      g_autofree char *print = NULL;
      g_object_get (f.chromaprint, "fingerprint", &print, NULL);
      if (print && *print)
        json_object_set_string_member (out, "audio", print);
    }
  if (video->len > 0)
    {
      g_autofree char *b64
          = g_base64_encode ((const guchar *)video->data, video->len * sizeof (guint64));
      json_object_set_string_member (out, "video", b64);
    }
  if (frames)
    json_object_set_int_member (out, "frames", reel_frames_count (frames->dir));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return out;
}
