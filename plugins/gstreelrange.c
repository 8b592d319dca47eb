/**
 * SECTION:element-reelrange
 * @title: reelrange
 *
 * Passes the part of a stream between #GstReelRange:start and
 * #GstReelRange:stop (stream time), so one pipeline can work on one time
 * range of a file: reel's workers transcode a video as independent chunks.
 *
 * When the first data arrives it sends an accurate, flushing seek upstream
 * to the range and hides everything before the seek (the flush included)
 * from downstream, so muxers and sinks see one clean stream. The seek
 * leaves from another thread, so upstream may reach its end first: that
 * end is held back until the seek has landed (a flush after an end of
 * stream would leave the sinks waiting for another one). Buffers leave
 * with their stream time as timestamps in a segment starting at 0: the
 * range's running time equals its place in the source, so the output of
 * consecutive ranges forms one continuous timeline. When upstream cannot
 * seek, it drops what lies outside the range instead.
 *
 * Raw frames (video/x-raw, audio/x-raw) whose timestamp does not come after
 * the previous one's, or that have none, are dropped: a file whose decoding
 * times jump (some editors write them, and so does concat before an
 * encoder) decodes into frames out of order or with one timestamp many
 * times, which an encoder cannot place on a timeline and a muxer refuses.
 * What remains holds still over the gap, as a player would.
 *
 * With #GstReelRange:keyframe-interval set, it asks downstream encoders for
 * a keyframe at every multiple of that interval, so segments cut at those
 * points start with a keyframe in every rung of a ladder.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=in.mp4 ! decodebin ! videoconvert ! \
 *   reelrange start=6000000000 stop=12000000000 keyframe-interval=2000000000 ! \
 *   x264enc ! h264parse ! mp4mux fragment-duration=2000 ! filesink location=chunk1.mp4
 * ]|
 */
#include "gstreelrange.h"
#include "gstreelkeyunits.h"

GST_DEBUG_CATEGORY_STATIC (reel_range_debug);
#define GST_CAT_DEFAULT reel_range_debug

enum
{
  PROP_0,
  PROP_START,
  PROP_STOP,
  PROP_KEYFRAME_INTERVAL,
};

typedef enum
{
  STATE_IDLE,    /* nothing seen yet */
  STATE_SEEKING, /* seek sent, waiting for the new segment */
  STATE_RUNNING, /* passing the range */
  STATE_DONE,    /* past the stop: EOS sent */
} RangeState;

struct _GstReelRange
{
  GstElement parent;
  GstPad *sinkpad, *srcpad;

  /* properties */
  guint64 start;
  guint64 stop; /* GST_CLOCK_TIME_NONE: to the end */
  guint64 keyframe_interval;

  /* streaming state (stream lock) */
  RangeState state;
  GstSegment segment; /* upstream's */
  gboolean segment_pushed;
  gboolean seek_flushed; /* STATE_SEEKING: the seek's flush has passed */
  gboolean early_eos;    /* STATE_SEEKING: upstream ended before the seek landed */
  ReelKeyUnits keyframes;
  gboolean raw;      /* the caps are raw frames */
  guint64 last_pts;  /* of the last raw frame passed; GST_CLOCK_TIME_NONE: none yet */
  guint64 misplaced; /* raw frames dropped for their timestamp */
};

static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template
    = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

G_DEFINE_TYPE (GstReelRange, gst_reel_range, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (reelrange, "reelrange", GST_RANK_NONE, GST_TYPE_REEL_RANGE);

static void
reset (GstReelRange *self)
{
  self->state = STATE_IDLE;
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  self->segment_pushed = FALSE;
  self->seek_flushed = FALSE;
  self->early_eos = FALSE;
  self->last_pts = GST_CLOCK_TIME_NONE;
  self->misplaced = 0;
  reel_key_units_reset (&self->keyframes, self->keyframe_interval, self->start);
}

static gboolean
push_segment (GstReelRange *self)
{
  GstSegment seg;
  gst_segment_init (&seg, GST_FORMAT_TIME);
  self->segment_pushed = TRUE;
  return gst_pad_push_event (self->srcpad, gst_event_new_segment (&seg));
}

static GstFlowReturn
finish (GstReelRange *self)
{
  if (self->state != STATE_DONE)
    {
      self->state = STATE_DONE;
      if (!self->segment_pushed)
        push_segment (self);
      gst_pad_push_event (self->srcpad, gst_event_new_eos ());
    }
  return GST_FLOW_EOS;
}

/* On GStreamer's thread pool (gst_element_call_async), once data came. */
static void
do_seek (GstElement *element, gpointer data)
{
  GstReelRange *self = GST_REEL_RANGE (element);
  GstEvent *seek;
  gboolean seeking;

  /* Only this seek moves a seeking range on, so it is still wanted. */
  GST_PAD_STREAM_LOCK (self->sinkpad);
  seeking = self->state == STATE_SEEKING;
  GST_PAD_STREAM_UNLOCK (self->sinkpad);
  if (!seeking)
    return;
  seek = gst_event_new_seek (1.0, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
                             GST_SEEK_TYPE_SET, (gint64)self->start,
                             self->stop == GST_CLOCK_TIME_NONE ? GST_SEEK_TYPE_NONE
                                                               : GST_SEEK_TYPE_SET,
                             self->stop == GST_CLOCK_TIME_NONE ? -1 : (gint64)self->stop);
  GST_DEBUG_OBJECT (self, "seeking upstream to %" GST_TIME_FORMAT, GST_TIME_ARGS (self->start));
  if (!gst_pad_push_event (self->sinkpad, seek))
    {
      /* Not seekable: drop what lies before the range as it passes. */
      GST_INFO_OBJECT (self, "upstream cannot seek; filtering the range instead");
      GST_PAD_STREAM_LOCK (self->sinkpad);
      if (self->state == STATE_SEEKING && self->early_eos)
        finish (self);
      else if (self->state == STATE_SEEKING)
        self->state = STATE_RUNNING;
      GST_PAD_STREAM_UNLOCK (self->sinkpad);
    }
}

static GstFlowReturn
chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstReelRange *self = GST_REEL_RANGE (parent);
  guint64 pts, dts, ts;
  GstEvent *fku;

  if (self->state == STATE_IDLE)
    {
      if (self->start > 0 || self->stop != GST_CLOCK_TIME_NONE)
        {
          self->state = STATE_SEEKING;
          /* A flushing seek from the streaming thread would deadlock. */
          gst_element_call_async (GST_ELEMENT (self), do_seek, NULL, NULL);
        }
      else
        self->state = STATE_RUNNING;
    }
  if (self->state == STATE_SEEKING)
    {
      gst_buffer_unref (buf);
      return GST_FLOW_OK;
    }
  if (self->state == STATE_DONE)
    {
      gst_buffer_unref (buf);
      return GST_FLOW_EOS;
    }

  /* Stream time is the position in the source, whatever upstream's segment. */
  pts = gst_segment_to_stream_time (&self->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
  dts = gst_segment_to_stream_time (&self->segment, GST_FORMAT_TIME, GST_BUFFER_DTS (buf));
  ts = GST_CLOCK_TIME_IS_VALID (pts) ? pts : dts;
  if (GST_CLOCK_TIME_IS_VALID (ts) && ts < self->start)
    {
      gst_buffer_unref (buf);
      return GST_FLOW_OK;
    }
  if (GST_CLOCK_TIME_IS_VALID (ts) && self->stop != GST_CLOCK_TIME_NONE && ts >= self->stop)
    {
      gst_buffer_unref (buf);
      return finish (self);
    }
  if (self->raw
      && (!GST_CLOCK_TIME_IS_VALID (pts)
          || (GST_CLOCK_TIME_IS_VALID (self->last_pts) && pts <= self->last_pts)))
    {
      if (self->misplaced++ == 0)
        GST_WARNING_OBJECT (self,
                            "dropping raw frames that do not come after the previous one "
                            "(%" GST_TIME_FORMAT " after %" GST_TIME_FORMAT ")",
                            GST_TIME_ARGS (pts), GST_TIME_ARGS (self->last_pts));
      gst_buffer_unref (buf);
      return GST_FLOW_OK;
    }
  if (self->raw)
    self->last_pts = pts;
  if (!self->segment_pushed)
    push_segment (self);

  buf = gst_buffer_make_writable (buf);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DTS (buf) = dts;
  fku = reel_key_units_check (&self->keyframes, ts);
  if (fku)
    gst_pad_push_event (self->srcpad, fku);
  return gst_pad_push (self->srcpad, buf);
}

static gboolean
sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstReelRange *self = GST_REEL_RANGE (parent);

  switch (GST_EVENT_TYPE (event))
    {
    case GST_EVENT_FLUSH_START:
    case GST_EVENT_FLUSH_STOP:
      /* Our own seek's flush stays here: downstream never started over.
       * What upstream sent before it (an end included) is void. */
      if (self->state == STATE_SEEKING || self->state == STATE_IDLE)
        {
          if (self->state == STATE_SEEKING && GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
            {
              self->seek_flushed = TRUE;
              self->early_eos = FALSE;
            }
          gst_event_unref (event);
          return TRUE;
        }
      /* Anyone else's: the frames after it start a timeline again. */
      if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
        self->last_pts = GST_CLOCK_TIME_NONE;
      break;
    case GST_EVENT_SEGMENT:
      {
        const GstSegment *seg;
        gst_event_parse_segment (event, &seg);
        if (seg->format != GST_FORMAT_TIME)
          {
            GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("reelrange needs time-based input"),
                               ("got a %s segment", gst_format_get_name (seg->format)));
            gst_event_unref (event);
            return FALSE;
          }
        gst_segment_copy_into (seg, &self->segment);
        GST_DEBUG_OBJECT (self, "upstream segment %" GST_SEGMENT_FORMAT, seg);
        /* The seek's segment: what lies before the range is dropped as
         * it passes (a demuxer may start at the keyframe before it). */
        if (self->state == STATE_SEEKING && self->seek_flushed)
          self->state = STATE_RUNNING;
        /* Downstream gets our own segment (start 0) before the first buffer. */
        gst_event_unref (event);
        return TRUE;
      }
    case GST_EVENT_CAPS:
      {
        GstCaps *caps;
        const GstStructure *st;
        gst_event_parse_caps (event, &caps);
        st = gst_caps_get_size (caps) > 0 ? gst_caps_get_structure (caps, 0) : NULL;
        self->raw = st
                    && (gst_structure_has_name (st, "video/x-raw")
                        || gst_structure_has_name (st, "audio/x-raw"));
        break;
      }
    case GST_EVENT_EOS:
      if (self->state == STATE_DONE)
        {
          gst_event_unref (event);
          return TRUE;
        }
      if (self->state == STATE_SEEKING)
        {
          /* The end of what came before the seek: the seek still lands
           * (and a range past the end gets a segment and an end then). */
          self->early_eos = TRUE;
          gst_event_unref (event);
          return TRUE;
        }
      if (!self->segment_pushed)
        push_segment (self);
      self->state = STATE_DONE;
      break;
    default:
      break;
    }
  return gst_pad_event_default (pad, parent, event);
}

static GstStateChangeReturn
change_state (GstElement *element, GstStateChange transition)
{
  GstReelRange *self = GST_REEL_RANGE (element);
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    reset (self);
  return GST_ELEMENT_CLASS (gst_reel_range_parent_class)->change_state (element, transition);
}

static void
set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstReelRange *self = GST_REEL_RANGE (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_START:
      self->start = g_value_get_uint64 (value);
      break;
    case PROP_STOP:
      self->stop = g_value_get_uint64 (value);
      if (self->stop == 0)
        self->stop = GST_CLOCK_TIME_NONE;
      break;
    case PROP_KEYFRAME_INTERVAL:
      self->keyframe_interval = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstReelRange *self = GST_REEL_RANGE (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_START:
      g_value_set_uint64 (value, self->start);
      break;
    case PROP_STOP:
      g_value_set_uint64 (value, self->stop == GST_CLOCK_TIME_NONE ? 0 : self->stop);
      break;
    case PROP_KEYFRAME_INTERVAL:
      g_value_set_uint64 (value, self->keyframe_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_reel_range_class_init (GstReelRangeClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  element_class->change_state = change_state;

  g_object_class_install_property (
      gobject_class, PROP_START,
      g_param_spec_uint64 (
          "start", "Start", "Stream time (ns) where the range begins; upstream is sought there", 0,
          G_MAXUINT64, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (
      gobject_class, PROP_STOP,
      g_param_spec_uint64 (
          "stop", "Stop", "Stream time (ns) where the range ends (exclusive); 0 = the end", 0,
          G_MAXUINT64, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (
      gobject_class, PROP_KEYFRAME_INTERVAL,
      g_param_spec_uint64 ("keyframe-interval", "Keyframe interval",
                           "Request a keyframe from downstream encoders at every multiple of this "
                           "stream time (ns); 0 = never",
                           0, G_MAXUINT64, 0,
                           G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (
      element_class, "Time range", "Generic",
      "Passes one time range of a stream, seeking upstream to it, with timestamps kept on the "
      "source's timeline and keyframes requested at a fixed interval",
      "reel developers");
  GST_DEBUG_CATEGORY_INIT (reel_range_debug, "reelrange", 0, "reel time range");
}

static void
gst_reel_range_init (GstReelRange *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, chain);
  gst_pad_set_event_function (self->sinkpad, sink_event);
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
  self->stop = GST_CLOCK_TIME_NONE;
  reset (self);
}
