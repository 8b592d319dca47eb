/* See probe.h. */
#include "media/probe.h"
#include "core/error.h"
#include "core/json.h"

#include <gst/pbutils/pbutils.h>
#include <string.h>

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
      /* Not surely the file's fault (a machine that busy, a decoder's
       * bad moment): its job is tried again, and fails with this. */
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                           "the file could not be read in time (is it a complete video file?)");
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

/* ---- Does the media reach the end its header states? -----------------
 *
 * A header can claim any length; the chunk plan and every job follow from
 * it. So the claim is checked where it is cheap: the file is parsed (not
 * decoded) after a seek to shortly before the stated end, and some stream
 * must deliver media that reaches there. A file cut short behind its index,
 * or whose index claims more than it holds, delivers nothing there (the
 * demuxer ends at once) and is refused. A file whose demuxer cannot seek,
 * errs, or takes too long is given the benefit of the doubt: the limits of
 * media/plan.h still bound it, and its jobs fail on what is missing. The
 * verdict goes into the probe (ends_early); reeld decides. */

/* The check seeks this far before the stated end (or a quarter of a
 * shorter video before it), and gives up (accepting) after this long. */
#define END_CHECK_BACK_NS (2 * GST_SECOND)
#define END_CHECK_TIMEOUT_S 10

typedef struct
{
  GstElement *pipeline;
  GstClockTime target;
  gint seeked;  /* atomic: the seek is under way */
  gint flushed; /* atomic: some stream was flushed by it */
  gint reached; /* atomic: one reached target */
} EndCheck;

/* A parsebin output's segment, to read its buffers in stream time. */
typedef struct
{
  EndCheck *x;
  GstSegment segment;
  gboolean have_segment;
  gboolean flushed; /* by the seek: what follows comes from the end */
} EndPad;

static GstPadProbeReturn
end_check_probe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  EndPad *ep = data;
  GstBuffer *b;
  guint64 at;

  if (GST_PAD_PROBE_INFO_TYPE (info)
      & (GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH))
    {
      GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
      /* The buffers of the preroll, and any the demuxer pushed before the
       * seek reached it, come before the flush. */
      if (GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_STOP && g_atomic_int_get (&ep->x->seeked))
        {
          ep->flushed = TRUE;
          g_atomic_int_set (&ep->x->flushed, 1);
        }
      if (GST_EVENT_TYPE (ev) == GST_EVENT_SEGMENT)
        {
          gst_event_copy_segment (ev, &ep->segment);
          ep->have_segment = ep->segment.format == GST_FORMAT_TIME;
        }
      return GST_PAD_PROBE_OK;
    }
  b = GST_PAD_PROBE_INFO_BUFFER (info);
  if (!ep->flushed || !ep->have_segment || !GST_BUFFER_PTS_IS_VALID (b))
    return GST_PAD_PROBE_OK;
  at = gst_segment_to_stream_time (&ep->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (b));
  if (GST_CLOCK_TIME_IS_VALID (at) && GST_BUFFER_DURATION_IS_VALID (b))
    at += GST_BUFFER_DURATION (b);
  if (GST_CLOCK_TIME_IS_VALID (at) && at >= ep->x->target
      && g_atomic_int_compare_and_exchange (&ep->x->reached, 0, 1))
    gst_element_post_message (ep->x->pipeline, gst_message_new_application (
                                                   GST_OBJECT (ep->x->pipeline),
                                                   gst_structure_new_empty ("reel-end-reached")));
  return GST_PAD_PROBE_OK;
}

/* Every parsed stream ends in a queue and a fakesink, watched. The queue
 * lets one stream's sink preroll without blocking the demuxer that must
 * still feed the others (an MPEG-TS has one thread for all). */
static void
end_check_pad (GstElement *parsebin, GstPad *pad, gpointer data)
{
  EndCheck *x = data;
  GstElement *queue = gst_element_factory_make ("queue", NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  g_autoptr (GstPad) queuepad = NULL;
  EndPad *ep = g_new0 (EndPad, 1);

  ep->x = x;
  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (x->pipeline), queue, sink, NULL);
  queuepad = gst_element_get_static_pad (queue, "sink");
  gst_pad_add_probe (pad,
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM
                         | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
                     end_check_probe, ep, g_free);
  if (gst_element_link (queue, sink) && gst_pad_link (pad, queuepad) == GST_PAD_LINK_OK)
    {
      gst_element_sync_state_with_parent (sink);
      gst_element_sync_state_with_parent (queue);
    }
}

typedef enum
{
  END_UNKNOWN, /* could not be checked */
  END_REACHED,
  END_MISSING,
} EndVerdict;

/* Pops bus messages of the types in mask until one comes, ticking every
 * second, for at most END_CHECK_TIMEOUT_S in all (deadline, monotonic). */
static GstMessage *
end_check_wait (GstBus *bus, GstMessageType mask, gint64 deadline, ReelProbeTick tick,
                gpointer data)
{
  while (g_get_monotonic_time () < deadline)
    {
      GstMessage *m = gst_bus_timed_pop_filtered (bus, GST_SECOND, mask);
      if (m)
        return m;
      if (tick)
        tick (data);
    }
  return NULL;
}

static EndVerdict
check_end (const char *path, guint64 duration_ns, ReelProbeTick tick, gpointer data)
{
  EndCheck x = { 0 };
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("filesrc", NULL);
  GstElement *parse = gst_element_factory_make ("parsebin", NULL);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) m = NULL;
  gint64 deadline = g_get_monotonic_time () + END_CHECK_TIMEOUT_S * G_USEC_PER_SEC;
  EndVerdict verdict = END_UNKNOWN;

  if (!src || !parse)
    return END_UNKNOWN;
  x.pipeline = pipeline;
  x.target = duration_ns - MIN (duration_ns / 4, END_CHECK_BACK_NS);
  g_object_set (src, "location", path, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, parse, NULL);
  g_signal_connect (parse, "pad-added", G_CALLBACK (end_check_pad), &x);
  if (!gst_element_link (src, parse)
      || gst_element_set_state (pipeline, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE)
    goto out;
  m = end_check_wait (bus, GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR | GST_MESSAGE_EOS, deadline,
                      tick, data);
  if (!m || GST_MESSAGE_TYPE (m) != GST_MESSAGE_ASYNC_DONE)
    goto out;
  g_atomic_int_set (&x.seeked, 1);
  if (!gst_element_seek (pipeline, 1.0, GST_FORMAT_TIME,
                         GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT | GST_SEEK_FLAG_SNAP_BEFORE,
                         GST_SEEK_TYPE_SET, (gint64)x.target, GST_SEEK_TYPE_NONE, -1))
    goto out;
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (;;)
    {
      gst_clear_message (&m);
      m = end_check_wait (bus, GST_MESSAGE_APPLICATION | GST_MESSAGE_ERROR | GST_MESSAGE_EOS,
                          deadline, tick, data);
      if (!m || GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
        break;
      if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS || g_atomic_int_get (&x.reached))
        {
          /* Without a flush nothing tells the end's data from the rest. */
          verdict = g_atomic_int_get (&x.reached)   ? END_REACHED
                    : g_atomic_int_get (&x.flushed) ? END_MISSING
                                                    : END_UNKNOWN;
          break;
        }
    }
out:
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return verdict;
}

/* ---- Can the video stream be copied as it is? ------------------------
 *
 * A source that is already what a rung would be (H.264 of a common
 * profile, at the rung's size, keyframes on the segment grid) is copied
 * into that rung instead of encoded again: no generation loss, no CPU
 * (PeerTube issue 6539). Whether its keyframes fall on a grid is read
 * from the file itself: every sample is demuxed and parsed (not
 * decoded). Only MP4/MOV files holding H.264 are scanned. */

#define COPY_SCAN_SLACK_NS GST_MSECOND
/* Shorter keyframe intervals are no segment length reel would use. */
#define COPY_GOP_MIN_NS (GST_SECOND / 2)

/* Whether the discovered file is H.264 in an ISO BMFF container. */
static gboolean
copy_candidate (GstDiscovererInfo *info)
{
  GstDiscovererStreamInfo *top = info ? gst_discoverer_info_get_stream_info (info) : NULL;
  GList *videos = info ? gst_discoverer_info_get_video_streams (info) : NULL;
  GstCaps *tc = top ? gst_discoverer_stream_info_get_caps (top) : NULL;
  GstCaps *vc = videos ? gst_discoverer_stream_info_get_caps (videos->data) : NULL;
  gboolean yes = tc && vc
                 && gst_structure_has_name (gst_caps_get_structure (tc, 0), "video/quicktime")
                 && gst_structure_has_name (gst_caps_get_structure (vc, 0), "video/x-h264")
                 && g_list_length (videos) == 1;
  if (tc)
    gst_caps_unref (tc);
  if (vc)
    gst_caps_unref (vc);
  gst_discoverer_stream_info_list_free (videos);
  if (top)
    gst_discoverer_stream_info_unref (top);
  return yes;
}

typedef struct
{
  gint failed; /* atomic */
  guint keys;
  GstClockTime first_key, gop, last_key, latest; /* latest: the last shown since last_key */
  guint64 bytes;
  gboolean caps_checked;
} CopyScan;

/* Whether the parser's caps are H.264 every player decodes. */
static gboolean
copy_caps_ok (GstPad *pad)
{
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstStructure *s = caps ? gst_caps_get_structure (caps, 0) : NULL;
  const char *profiles[] = { "constrained-baseline", "baseline", "main", "high", NULL };
  const char *profile = s ? gst_structure_get_string (s, "profile") : NULL;
  const char *chroma = s ? gst_structure_get_string (s, "chroma-format") : NULL;
  const char *interlace = s ? gst_structure_get_string (s, "interlace-mode") : NULL;
  guint depth = 0;
  return s && profile && g_strv_contains (profiles, profile) && chroma
         && g_str_equal (chroma, "4:2:0") && gst_structure_get_uint (s, "bit-depth-luma", &depth)
         && depth == 8 && (!interlace || g_str_equal (interlace, "progressive"));
}

static GstPadProbeReturn
copy_scan_probe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  CopyScan *x = data;
  GstBuffer *b = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr (GstEvent) ev = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  const GstSegment *seg = NULL;
  GstClockTime pts;
  gboolean ok = TRUE;

  if (g_atomic_int_get (&x->failed))
    return GST_PAD_PROBE_DROP;
  if (ev)
    gst_event_parse_segment (ev, &seg);
  pts = seg && seg->format == GST_FORMAT_TIME
            ? gst_segment_to_stream_time (seg, GST_FORMAT_TIME, GST_BUFFER_PTS (b))
            : GST_CLOCK_TIME_NONE;
  if (!x->caps_checked)
    {
      ok = copy_caps_ok (pad);
      x->caps_checked = TRUE;
    }
  /* B-frames would need a cut by decode order: left to the encoder. */
  ok = ok && GST_CLOCK_TIME_IS_VALID (pts)
       && (!GST_BUFFER_DTS_IS_VALID (b) || GST_BUFFER_DTS (b) == GST_BUFFER_PTS (b));
  if (ok && !GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DELTA_UNIT))
    {
      if (x->keys == 0)
        ok = pts < COPY_SCAN_SLACK_NS;
      else
        {
          GstClockTime want;
          if (x->keys == 1)
            x->gop = pts - x->first_key;
          want = x->first_key + x->keys * x->gop;
          ok = x->gop >= COPY_GOP_MIN_NS && pts + COPY_SCAN_SLACK_NS > want
               && pts < want + COPY_SCAN_SLACK_NS && x->latest < pts;
        }
      if (x->keys == 0)
        x->first_key = pts;
      x->last_key = x->latest = pts;
      x->keys++;
    }
  else if (ok)
    {
      /* In order, after its keyframe (and, by the check at the next
       * keyframe, before it). */
      ok = x->keys > 0 && pts > x->latest;
      x->latest = pts;
    }
  x->bytes += gst_buffer_get_size (b);
  /* The scan's loop wakes at once: a phone's B-frames end it here, on the
   * way to the first chunk. */
  if (!ok && g_atomic_int_compare_and_exchange (&x->failed, 0, 1))
    {
      g_autoptr (GstObject) parser = gst_pad_get_parent (pad);
      if (parser)
        gst_element_post_message (
            GST_ELEMENT (parser),
            gst_message_new_application (parser, gst_structure_new_empty ("reel-copy-scan")));
    }
  return GST_PAD_PROBE_OK;
}

/* Scans path's video samples; sets p->copy_gop_ns and p->copy_kbps when it
 * can be copied. Gives up (no copy) on anything unexpected or after
 * timeout_s, calling tick every second. */
static void
scan_copyable (const char *path, ReelProbe *p, guint timeout_s, ReelProbeTick tick, gpointer data)
{
  g_autofree char *desc = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) parser = NULL;
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GstBus) bus = NULL;
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_s * G_USEC_PER_SEC;
  gint64 next_tick = g_get_monotonic_time () + G_USEC_PER_SEC;
  CopyScan x = { 0 };
  gboolean done = FALSE, eos = FALSE;

  if (strpbrk (path, "\"\\"))
    return;
  desc = g_strdup_printf ("filesrc location=\"%s\" ! qtdemux name=d d.video_0 ! queue "
                          "! h264parse name=p ! fakesink sync=false",
                          path);
  pipeline = gst_parse_launch (desc, NULL);
  if (!pipeline)
    return;
  gst_object_ref_sink (pipeline);
  parser = gst_bin_get_by_name (GST_BIN (pipeline), "p");
  pad = parser ? gst_element_get_static_pad (parser, "src") : NULL;
  if (!pad)
    return;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, copy_scan_probe, &x, NULL);
  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    done = TRUE;
  while (!done)
    {
      g_autoptr (GstMessage) m = gst_bus_timed_pop_filtered (
          bus, 100 * GST_MSECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_APPLICATION);
      gint64 now = g_get_monotonic_time ();
      if (m)
        {
          eos = GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS;
          done = TRUE;
        }
      if (g_atomic_int_get (&x.failed) || now > deadline)
        done = TRUE;
      if (tick && now >= next_tick)
        {
          tick (data);
          next_tick = now + G_USEC_PER_SEC;
        }
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (eos && !g_atomic_int_get (&x.failed) && x.keys >= 2 && p->duration_ns > 0)
    {
      p->copy_gop_ns = x.gop;
      p->copy_kbps = (guint)MIN (x.bytes * 8 * 1000000 / p->duration_ns, G_MAXUINT);
    }
}

ReelProbe *
reel_probe_file (const char *path, guint timeout_s, const GArray *copy_heights, ReelProbeTick tick,
                 gpointer data, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GstDiscoverer) disc
      = gst_discoverer_new ((GstClockTime)timeout_s * GST_SECOND, &local);
  g_autofree char *uri = disc ? gst_filename_to_uri (path, &local) : NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (g_main_context_get_thread_default (), FALSE);
  Discovery x = { loop, NULL, NULL, tick, data };
  GSource *ticker = NULL;
  gboolean candidate;
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
  candidate = copy_candidate (x.info);
  g_clear_object (&x.info);
  g_clear_error (&x.error);
  if (p)
    p->ends_early = check_end (path, p->duration_ns, tick, data) == END_MISSING;
  if (p && !p->ends_early && candidate && p->rotation == 0 && p->width % 2 == 0)
    for (guint i = 0; copy_heights && i < copy_heights->len; i++)
      if (g_array_index (copy_heights, guint, i) == p->height)
        {
          scan_copyable (path, p, timeout_s, tick, data);
          break;
        }
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
  json_object_set_boolean_member (o, "ends_early", p->ends_early);
  json_object_set_int_member (o, "copy_gop_ns", (gint64)p->copy_gop_ns);
  json_object_set_int_member (o, "copy_kbps", p->copy_kbps);
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
  JsonNode *early = json_object_get_member (obj, "ends_early");
  const char *codec = reel_json_get_string (obj, "video_codec", TRUE, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    if (!get_int (obj, ints[i].name, ints[i].min, ints[i].max, &v[i]))
      {
        g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                     "the media process sent a probe without a valid %s", ints[i].name);
        return NULL;
      }
  if (!audio || !JSON_NODE_HOLDS_VALUE (audio) || json_node_get_value_type (audio) != G_TYPE_BOOLEAN
      || !early || !JSON_NODE_HOLDS_VALUE (early)
      || json_node_get_value_type (early) != G_TYPE_BOOLEAN || !codec
      || !g_utf8_validate (codec, -1, NULL)
      || v[5] % 90 != 0
      /* The displayed size is the coded one, turned: the caps check the
       * coded size and the ladder reads the displayed one, so they must
       * agree (a width of 766767 over a coded 1280x720 passed the caps
       * and planned rungs a million pixels wide). */
      || v[1] != (v[5] % 180 ? v[4] : v[3]) || v[2] != (v[5] % 180 ? v[3] : v[4]))
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
  p->ends_early = json_node_get_boolean (early);
  p->video_codec = g_strdup (codec);
  /* Optional: absent, nothing is copied. */
  {
    gint64 gop = 0, kbps = 0;
    if (json_object_has_member (obj, "copy_gop_ns")
        && (!get_int (obj, "copy_gop_ns", 0, G_MAXINT64, &gop)
            || !get_int (obj, "copy_kbps", 0, G_MAXUINT32, &kbps)))
      {
        g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                     "the media process sent a bad probe (copy)");
        return NULL;
      }
    p->copy_gop_ns = (guint64)gop;
    p->copy_kbps = (guint)kbps;
  }
  return g_steal_pointer (&p);
}
