/**
 * SECTION:element-natssrc
 * @title: natssrc
 * @see_also: natssink
 *
 * Subscribes to a NATS subject and turns natssink's messages back into
 * buffers with their caps, timestamps, duration, offsets, flags and
 * reference timestamps; it ends at natssink's end marker.
 *
 * #GstNatsSrc:start chooses where reading begins: `live` subscribes with
 * core NATS and gets what is published from now on; the other values read
 * a JetStream stream that captures the subject through an ordered consumer:
 * `all` replays the whole stream, `new` waits for what is stored from now
 * on, `sequence` starts at #GstNatsSrc:start-sequence and `time` at the
 * first message stored at or after #GstNatsSrc:start-time. That is how a
 * consumer rewinds or replays: the stream's retention window is the reach.
 * When the first message carries no caps (natssink repeats them at sync
 * points once per caps-interval), the element looks back in the stream for
 * them; with core NATS it skips ahead to the next message that has them.
 *
 * Timestamps are the producer's. The segment is the producer's too, moved
 * so the first buffer plays at once: as a live source (#GstNatsSrc:is-live)
 * at the running time it arrived, otherwise at running time 0. A replay
 * from the past thus plays at normal speed from the chosen point.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 natssrc url=nats://127.0.0.1:4222 subject=cams.front ! h264parse ! \
 *   avdec_h264 ! videoconvert ! autovideosink
 * ]|
 * Replaying a JetStream stream from its 1000th message:
 * |[
 * gst-launch-1.0 natssrc subject=cams.front start=sequence start-sequence=1000 ! \
 *   h264parse ! avdec_h264 ! videoconvert ! autovideosink
 * ]|
 * From a server that requires a token (reeld's embedded one keeps its
 * token in DATA_DIR/nats/token; credentials and tls-* work as in natssink):
 * |[
 * gst-launch-1.0 natssrc url=nats://127.0.0.1:4222 token="$(cat reel-data/nats/token)" \
 *   subject=cams.front ! h264parse ! avdec_h264 ! videoconvert ! autovideosink
 * ]|
 */
#include "gstnatssrc.h"
#include "gstreelnats.h"

GST_DEBUG_CATEGORY_STATIC (nats_src_debug);
#define GST_CAT_DEFAULT nats_src_debug

/* How long one wait for a message lasts before checking whether the
 * element is being stopped, in ms. */
#define POLL_MS 100
/* How far back a consumer that joins mid-stream looks for caps, in
 * messages (natssink repeats them every second by default). */
#define CAPS_LOOKBACK_MAX 10000
#define DEFAULT_LATENCY (100 * GST_MSECOND)
#define SUBSCRIBE_TIMEOUT_MS 5000

enum
{
  PROP_0,
  PROP_URL,
  PROP_SUBJECT,
  PROP_START,
  PROP_START_SEQUENCE,
  PROP_START_TIME,
  PROP_STREAM,
  PROP_IS_LIVE,
  PROP_LATENCY,
  PROP_STOP_ON_EOS,
  PROP_AUTH, /* the first of REEL_NATS_AUTH_N_PROPS (gstreelnats.h) */
};

struct _GstNatsSrc
{
  GstPushSrc parent;

  /* properties (object lock) */
  char *url;
  ReelNatsAuth auth;
  char *subject;
  GstNatsSrcStart start;
  guint64 start_sequence;
  char *start_time;
  char *stream;
  gboolean is_live;
  GstClockTime latency;
  gboolean stop_on_eos;

  /* between start and stop */
  natsConnection *nc;
  jsCtx *js;
  natsSubscription *sub;
  gint unlocked; /* atomic */

  /* streaming thread */
  GstCaps *caps;
  gboolean looked_back;
  GstSegment producer; /* the producer's segment, as carried */
  GstSegment out;      /* the segment pushed downstream */
  gboolean new_segment;
  gboolean started;
  GstClockTime last_running_end; /* of the buffers pushed so far */
  gint64 skip_before;            /* start=time: drop messages stored before (unix ns) */
};

static GstStaticPadTemplate src_template
    = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

G_DEFINE_TYPE (GstNatsSrc, gst_nats_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE (natssrc, "natssrc", GST_RANK_NONE, GST_TYPE_NATS_SRC);

GType
gst_nats_src_start_get_type (void)
{
  static GType type;
  static const GEnumValue values[] = {
    { GST_NATS_SRC_START_LIVE, "Core NATS: what is published from now on", "live" },
    { GST_NATS_SRC_START_ALL, "JetStream: the whole stream", "all" },
    { GST_NATS_SRC_START_NEW, "JetStream: what is stored from now on", "new" },
    { GST_NATS_SRC_START_SEQUENCE, "JetStream: from start-sequence", "sequence" },
    { GST_NATS_SRC_START_TIME, "JetStream: from start-time", "time" },
    { 0, NULL, NULL },
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstNatsSrcStart", values));
  return type;
}

static gboolean
subscribe_jetstream (GstNatsSrc *self, GError **error)
{
  jsSubOptions so;
  jsErrCode jerr = 0;
  natsStatus s;

  jsSubOptions_Init (&so);
  so.Stream = self->stream;
  so.Ordered = true;
  switch (self->start)
    {
    case GST_NATS_SRC_START_NEW:
      so.Config.DeliverPolicy = js_DeliverNew;
      break;
    case GST_NATS_SRC_START_SEQUENCE:
      so.Config.DeliverPolicy = js_DeliverByStartSequence;
      so.Config.OptStartSeq = MAX (self->start_sequence, 1);
      break;
    case GST_NATS_SRC_START_TIME:
      {
        g_autoptr (GDateTime) t
            = self->start_time ? g_date_time_new_from_iso8601 (self->start_time, NULL) : NULL;
        if (!t)
          {
            g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                         "start-time \"%s\" is not an ISO 8601 time with a time zone, e.g. "
                         "2026-05-01T12:00:00Z",
                         self->start_time ? self->start_time : "");
            return FALSE;
          }
        /* nats.c 3.4 writes a start time's fraction of a second without
         * its leading zeros (12 ms goes out as .12 s): ask for the whole
         * second and drop what was stored before the fraction. */
        so.Config.DeliverPolicy = js_DeliverByStartTime;
        so.Config.OptStartTime = g_date_time_to_unix (t) * GST_SECOND;
        self->skip_before
            = so.Config.OptStartTime + g_date_time_get_microsecond (t) * (gint64)GST_USECOND;
        break;
      }
    default:
      so.Config.DeliverPolicy = js_DeliverAll;
      break;
    }
  s = natsConnection_JetStream (&self->js, self->nc, NULL);
  if (s == NATS_OK)
    s = js_SubscribeSync (&self->sub, self->js, self->subject, NULL, &so, &jerr);
  if (s != NATS_OK)
    {
      g_autofree char *why = reel_nats_status_text (s);
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
                   "cannot read subject %s from JetStream: %s (JetStream error %d)", self->subject,
                   why, (int)jerr);
      return FALSE;
    }
  return TRUE;
}

static gboolean stop (GstBaseSrc *src);

static gboolean
start (GstBaseSrc *src)
{
  GstNatsSrc *self = GST_NATS_SRC (src);
  g_autofree char *why = NULL, *name = gst_object_get_name (GST_OBJECT (self));
  g_autoptr (GError) error = NULL;

  if (!self->subject || !*self->subject)
    {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("No subject to read."),
                         ("set the subject property"));
      return FALSE;
    }
  self->nc = reel_nats_connect (self->url, &self->auth, name, NULL, &why);
  if (!self->nc)
    {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
                         ("Could not connect to the NATS server at %s.", self->url), ("%s", why));
      goto fail;
    }
  self->skip_before = 0;
  if (self->start == GST_NATS_SRC_START_LIVE)
    {
      natsStatus s = natsConnection_SubscribeSync (&self->sub, self->nc, self->subject);
      /* Once the server has the subscription, nothing published after
       * start() returns is missed. */
      if (s == NATS_OK)
        s = natsConnection_FlushTimeout (self->nc, SUBSCRIBE_TIMEOUT_MS);
      if (s != NATS_OK)
        g_set_error (&error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
                     "cannot subscribe to %s: %s", self->subject, natsStatus_GetText (s));
    }
  else
    subscribe_jetstream (self, &error);
  if (error)
    {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ, ("Could not read from NATS."),
                         ("%s", error->message));
      goto fail;
    }
  gst_base_src_set_live (src, self->is_live);
  gst_segment_init (&self->producer, GST_FORMAT_TIME);
  gst_segment_init (&self->out, GST_FORMAT_TIME);
  self->new_segment = TRUE;
  self->started = FALSE;
  self->looked_back = FALSE;
  self->last_running_end = 0;
  return TRUE;

fail:
  /* GStreamer does not call stop() after a failed start(). */
  stop (src);
  return FALSE;
}

static gboolean
stop (GstBaseSrc *src)
{
  GstNatsSrc *self = GST_NATS_SRC (src);
  if (self->sub)
    {
      natsSubscription_Unsubscribe (self->sub);
      g_clear_pointer (&self->sub, natsSubscription_Destroy);
    }
  g_clear_pointer (&self->js, jsCtx_Destroy);
  reel_nats_close (&self->nc);
  gst_clear_caps (&self->caps);
  return TRUE;
}

static gboolean
unlock (GstBaseSrc *src)
{
  g_atomic_int_set (&GST_NATS_SRC (src)->unlocked, 1);
  return TRUE;
}

static gboolean
unlock_stop (GstBaseSrc *src)
{
  g_atomic_int_set (&GST_NATS_SRC (src)->unlocked, 0);
  return TRUE;
}

static gboolean
query (GstBaseSrc *src, GstQuery *q)
{
  GstNatsSrc *self = GST_NATS_SRC (src);
  if (GST_QUERY_TYPE (q) == GST_QUERY_LATENCY)
    {
      gst_query_set_latency (q, self->is_live, self->latency, GST_CLOCK_TIME_NONE);
      return TRUE;
    }
  return GST_BASE_SRC_CLASS (gst_nats_src_parent_class)->query (src, q);
}

/* The caps in force where a JetStream consumer joined: the newest earlier
 * message on the same subject that carries them. */
static GstCaps *
look_back_for_caps (GstNatsSrc *self, natsMsg *msg)
{
  jsMsgMetaData *meta = NULL;
  GstCaps *caps = NULL;
  guint64 floor_seq;

  if (!self->js || natsMsg_GetMetaData (&meta, msg) != NATS_OK)
    return NULL;
  floor_seq
      = meta->Sequence.Stream > CAPS_LOOKBACK_MAX ? meta->Sequence.Stream - CAPS_LOOKBACK_MAX : 1;
  for (guint64 seq = meta->Sequence.Stream - 1; seq >= floor_seq && seq > 0 && !caps; seq--)
    {
      natsMsg *m = NULL;
      jsErrCode jerr = 0;
      if (js_GetMsg (&m, self->js, meta->Stream, seq, NULL, &jerr) != NATS_OK)
        {
          /* Below the stream's first message: nothing more to find. */
          if (jerr == JSNoMessageFoundErr)
            break;
          continue;
        }
      if (g_strcmp0 (natsMsg_GetSubject (m), natsMsg_GetSubject (msg)) == 0)
        caps = reel_nats_headers_caps (m);
      natsMsg_Destroy (m);
    }
  GST_INFO_OBJECT (self,
                   "looked back from sequence %" G_GUINT64_FORMAT " for caps: %" GST_PTR_FORMAT,
                   (guint64)meta->Sequence.Stream, caps);
  jsMsgMetaData_Destroy (meta);
  return caps;
}

/* The running time of the element's clock now, or 0 without a clock. */
static GstClockTime
running_time_now (GstNatsSrc *self)
{
  g_autoptr (GstClock) clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockTime now, base = gst_element_get_base_time (GST_ELEMENT (self));
  if (!clock)
    return 0;
  now = gst_clock_get_time (clock);
  return now > base ? now - base : 0;
}

/* A segment in which buf plays at once (see the element's description),
 * keeping the producer's rate and stream time. A later segment of the
 * producer's continues the running time where the last buffer ended, so
 * downstream (a muxer, say) sees one unbroken timeline. */
static void
push_segment (GstNatsSrc *self, GstBuffer *buf)
{
  GstSegment seg;
  GstClockTime ts = GST_BUFFER_DTS_OR_PTS (buf);
  if (GST_BUFFER_PTS_IS_VALID (buf) && GST_BUFFER_DTS_IS_VALID (buf))
    ts = MIN (GST_BUFFER_PTS (buf), GST_BUFFER_DTS (buf));
  /* A producer in another format (bytes, say) gives no time mapping. */
  if (self->producer.format == GST_FORMAT_TIME)
    gst_segment_copy_into (&self->producer, &seg);
  else
    gst_segment_init (&seg, GST_FORMAT_TIME);
  if (GST_CLOCK_TIME_IS_VALID (ts))
    {
      guint64 stream_time = gst_segment_to_stream_time (&seg, GST_FORMAT_TIME, ts);
      seg.start = ts;
      seg.time = GST_CLOCK_TIME_IS_VALID (stream_time) ? stream_time : ts;
      seg.position = ts;
      if (GST_CLOCK_TIME_IS_VALID (seg.stop) && seg.stop < ts)
        seg.stop = GST_CLOCK_TIME_NONE;
    }
  if (self->started)
    seg.base = self->last_running_end;
  else
    seg.base = self->is_live ? running_time_now (self) : 0;
  seg.offset = 0;
  seg.duration = GST_CLOCK_TIME_NONE;
  GST_DEBUG_OBJECT (self, "new segment %" GST_SEGMENT_FORMAT, &seg);
  gst_base_src_new_segment (GST_BASE_SRC (self), &seg);
  gst_segment_copy_into (&seg, &self->out);
  self->new_segment = FALSE;
}

/* Whether two segments map timestamps to the same stream and running
 * time (producers repeat segment events that change nothing). */
static gboolean
same_mapping (const GstSegment *a, const GstSegment *b)
{
  return a->format == b->format && a->rate == b->rate && a->applied_rate == b->applied_rate
         && a->start == b->start && a->stop == b->stop && a->time == b->time && a->base == b->base
         && a->offset == b->offset;
}

/* One message: NULL when it is skipped, else a buffer (*eos at the end). */
static GstBuffer *
message_to_buffer (GstNatsSrc *self, natsMsg *msg, gboolean *eos)
{
  g_autoptr (GstCaps) caps = NULL;
  GstSegment producer;
  GstBuffer *buf;

  if (reel_nats_is_eos (msg))
    {
      *eos = self->stop_on_eos;
      return NULL;
    }
  caps = reel_nats_headers_caps (msg);
  if (!caps && !self->caps && !self->looked_back)
    {
      self->looked_back = TRUE;
      caps = look_back_for_caps (self, msg);
    }
  if (!caps && !self->caps)
    {
      GST_DEBUG_OBJECT (self, "skipping a message: no caps yet");
      return NULL;
    }
  if (caps && (!self->caps || !gst_caps_is_equal (caps, self->caps)))
    {
      gst_caps_replace (&self->caps, caps);
      if (!gst_base_src_set_caps (GST_BASE_SRC (self), caps))
        GST_WARNING_OBJECT (self, "downstream refused caps %" GST_PTR_FORMAT, caps);
    }
  if (reel_nats_headers_segment (msg, &producer) && !same_mapping (&producer, &self->producer))
    {
      gst_segment_copy_into (&producer, &self->producer);
      self->new_segment = TRUE;
    }
  buf = gst_buffer_new_memdup (natsMsg_GetData (msg), natsMsg_GetDataLength (msg));
  reel_nats_headers_to_buffer (msg, buf);
  if (self->new_segment)
    push_segment (self, buf);
  if (!self->started)
    {
      GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
      self->started = TRUE;
    }
  {
    GstClockTime end = GST_BUFFER_PTS (buf);
    if (GST_CLOCK_TIME_IS_VALID (end) && GST_BUFFER_DURATION_IS_VALID (buf))
      end += GST_BUFFER_DURATION (buf);
    end = gst_segment_to_running_time (&self->out, GST_FORMAT_TIME, end);
    if (GST_CLOCK_TIME_IS_VALID (end))
      self->last_running_end = MAX (self->last_running_end, end);
  }
  return buf;
}

/* Whether JetStream stored msg before a time (unix ns). */
static gboolean
stored_before (natsMsg *msg, gint64 when)
{
  jsMsgMetaData *meta = NULL;
  gboolean before;
  if (natsMsg_GetMetaData (&meta, msg) != NATS_OK)
    return FALSE;
  before = meta->Timestamp < when;
  jsMsgMetaData_Destroy (meta);
  return before;
}

static GstFlowReturn
create (GstPushSrc *src, GstBuffer **out)
{
  GstNatsSrc *self = GST_NATS_SRC (src);
  for (;;)
    {
      natsMsg *msg = NULL;
      gboolean eos = FALSE;
      natsStatus s;

      if (g_atomic_int_get (&self->unlocked))
        return GST_FLOW_FLUSHING;
      s = natsSubscription_NextMsg (&msg, self->sub, POLL_MS);
      if (s == NATS_TIMEOUT)
        continue;
      if (s == NATS_SLOW_CONSUMER)
        {
          GST_ELEMENT_WARNING (
              self, RESOURCE, READ,
              ("Messages on %s were dropped: this consumer is too slow.", self->subject),
              ("NATS reported a slow consumer"));
          continue;
        }
      if (s != NATS_OK)
        {
          GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Could not read from %s.", self->subject),
                             ("%s", natsStatus_GetText (s)));
          return GST_FLOW_ERROR;
        }
      if (self->skip_before && stored_before (msg, self->skip_before))
        {
          natsMsg_Destroy (msg);
          continue;
        }
      self->skip_before = 0;
      *out = message_to_buffer (self, msg, &eos);
      natsMsg_Destroy (msg);
      if (eos)
        return GST_FLOW_EOS;
      if (*out)
        return GST_FLOW_OK;
    }
}

static void
set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstNatsSrc *self = GST_NATS_SRC (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_URL:
      g_free (self->url);
      self->url = g_value_dup_string (value);
      if (!self->url)
        self->url = g_strdup (REEL_NATS_DEFAULT_URL);
      break;
    case PROP_SUBJECT:
      g_free (self->subject);
      self->subject = g_value_dup_string (value);
      break;
    case PROP_START:
      self->start = g_value_get_enum (value);
      break;
    case PROP_START_SEQUENCE:
      self->start_sequence = g_value_get_uint64 (value);
      break;
    case PROP_START_TIME:
      g_free (self->start_time);
      self->start_time = g_value_dup_string (value);
      break;
    case PROP_STREAM:
      g_free (self->stream);
      self->stream = g_value_dup_string (value);
      if (self->stream && !*self->stream)
        g_clear_pointer (&self->stream, g_free);
      break;
    case PROP_IS_LIVE:
      self->is_live = g_value_get_boolean (value);
      break;
    case PROP_LATENCY:
      self->latency = g_value_get_uint64 (value);
      break;
    case PROP_STOP_ON_EOS:
      self->stop_on_eos = g_value_get_boolean (value);
      break;
    default:
      if (!reel_nats_auth_set_property (&self->auth, PROP_AUTH, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstNatsSrc *self = GST_NATS_SRC (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_SUBJECT:
      g_value_set_string (value, self->subject);
      break;
    case PROP_START:
      g_value_set_enum (value, self->start);
      break;
    case PROP_START_SEQUENCE:
      g_value_set_uint64 (value, self->start_sequence);
      break;
    case PROP_START_TIME:
      g_value_set_string (value, self->start_time);
      break;
    case PROP_STREAM:
      g_value_set_string (value, self->stream);
      break;
    case PROP_IS_LIVE:
      g_value_set_boolean (value, self->is_live);
      break;
    case PROP_LATENCY:
      g_value_set_uint64 (value, self->latency);
      break;
    case PROP_STOP_ON_EOS:
      g_value_set_boolean (value, self->stop_on_eos);
      break;
    default:
      if (!reel_nats_auth_get_property (&self->auth, PROP_AUTH, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
finalize (GObject *object)
{
  GstNatsSrc *self = GST_NATS_SRC (object);
  g_free (self->url);
  reel_nats_auth_clear (&self->auth);
  g_free (self->subject);
  g_free (self->start_time);
  g_free (self->stream);
  G_OBJECT_CLASS (gst_nats_src_parent_class)->finalize (object);
}

static void
gst_nats_src_class_init (GstNatsSrcClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *base_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *push_class = GST_PUSH_SRC_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->finalize = finalize;

  g_object_class_install_property (
      gobject_class, PROP_URL,
      g_param_spec_string ("url", "URL",
                           "NATS server to read from, e.g. nats://127.0.0.1:4222; a "
                           "comma-separated list for a cluster",
                           REEL_NATS_DEFAULT_URL, flags));
  g_object_class_install_property (
      gobject_class, PROP_SUBJECT,
      g_param_spec_string ("subject", "Subject", "NATS subject natssink publishes on (required)",
                           NULL, flags));
  g_object_class_install_property (
      gobject_class, PROP_START,
      g_param_spec_enum ("start", "Start",
                         "Where reading begins: live (core NATS, from now on) or, from a "
                         "JetStream stream capturing the subject, all, new, sequence "
                         "(start-sequence) or time (start-time)",
                         GST_TYPE_NATS_SRC_START, GST_NATS_SRC_START_LIVE, flags));
  g_object_class_install_property (
      gobject_class, PROP_START_SEQUENCE,
      g_param_spec_uint64 ("start-sequence", "Start sequence",
                           "Stream sequence of the first message read with start=sequence", 0,
                           G_MAXUINT64, 0, flags));
  g_object_class_install_property (
      gobject_class, PROP_START_TIME,
      g_param_spec_string ("start-time", "Start time",
                           "ISO 8601 time with a time zone (e.g. 2026-05-01T12:00:00Z): with "
                           "start=time, reading begins at the first message stored at or after it",
                           NULL, flags));
  g_object_class_install_property (
      gobject_class, PROP_STREAM,
      g_param_spec_string ("stream", "Stream",
                           "JetStream stream to read; empty: the stream capturing the subject",
                           NULL, flags));
  g_object_class_install_property (
      gobject_class, PROP_IS_LIVE,
      g_param_spec_boolean ("is-live", "Is live",
                            "Act as a live source (buffers play from the running time they "
                            "arrive at); otherwise they are read as fast as downstream takes them",
                            TRUE, flags));
  g_object_class_install_property (
      gobject_class, PROP_LATENCY,
      g_param_spec_uint64 ("latency", "Latency",
                           "Latency reported to a live pipeline, in ns: how late a message may "
                           "arrive and still be played in time",
                           0, G_MAXUINT64, DEFAULT_LATENCY, flags));
  g_object_class_install_property (
      gobject_class, PROP_STOP_ON_EOS,
      g_param_spec_boolean ("stop-on-eos", "Stop on EOS",
                            "End the stream at natssink's end marker; otherwise keep waiting for "
                            "the next stream on the subject",
                            TRUE, flags));

  reel_nats_auth_install_properties (gobject_class, PROP_AUTH);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (
      element_class, "NATS source", "Source/Network",
      "Restores natssink's buffers, with caps and timestamps, from a NATS subject or a "
      "JetStream stream (live, replay, or from a sequence or time)",
      "reel developers");

  base_class->start = GST_DEBUG_FUNCPTR (start);
  base_class->stop = GST_DEBUG_FUNCPTR (stop);
  base_class->unlock = GST_DEBUG_FUNCPTR (unlock);
  base_class->unlock_stop = GST_DEBUG_FUNCPTR (unlock_stop);
  base_class->query = GST_DEBUG_FUNCPTR (query);
  push_class->create = GST_DEBUG_FUNCPTR (create);
  gst_type_mark_as_plugin_api (GST_TYPE_NATS_SRC_START, 0);
  GST_DEBUG_CATEGORY_INIT (nats_src_debug, "natssrc", 0, "NATS source");
}

static void
gst_nats_src_init (GstNatsSrc *self)
{
  self->url = g_strdup (REEL_NATS_DEFAULT_URL);
  self->is_live = TRUE;
  self->latency = DEFAULT_LATENCY;
  self->stop_on_eos = TRUE;
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
  gst_base_src_set_live (GST_BASE_SRC (self), TRUE);
}
