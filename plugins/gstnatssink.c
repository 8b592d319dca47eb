/**
 * SECTION:element-natssink
 * @title: natssink
 * @see_also: natssrc
 *
 * Publishes every buffer as one message on a NATS subject: the payload is
 * the buffer's bytes; caps (when they change), timestamps, duration,
 * offsets, flags, the segment and reference timestamps travel in NATS
 * headers (see gstreelnats.h), so natssrc restores the buffers exactly. At
 * the end of the stream it publishes an end marker and waits until the
 * server has everything.
 *
 * With #GstNatsSink:jetstream the messages go to a JetStream stream, which
 * keeps them for replay and rewind (natssrc can start anywhere in it).
 * Publishing is asynchronous with at most #GstNatsSink:max-pending
 * messages awaiting the server's acknowledgement: more would block the
 * streaming thread, which is the back-pressure upstream feels when the
 * server is slow or away. Each message carries a Nats-Msg-Id, so the
 * messages whose acknowledgement was lost in an outage are sent again after
 * the reconnection and stored once. With core NATS, the sink waits for the
 * server every #GstNatsSink:max-pending messages.
 *
 * A buffer larger than the server's maximum payload (1 MiB by default) is
 * an error: raise max_payload in nats-server's configuration or send
 * smaller buffers (encoded video rather than raw frames).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! x264enc tune=zerolatency ! h264parse ! \
 *   natssink url=nats://127.0.0.1:4222 subject=cams.front
 * ]|
 * To a server that requires a token (reeld's embedded one keeps its token
 * in DATA_DIR/nats/token), or a .creds file, over TLS:
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! x264enc tune=zerolatency ! h264parse ! \
 *   natssink url=nats://127.0.0.1:4222 token="$(cat reel-data/nats/token)" subject=cams.front
 * gst-launch-1.0 ... ! natssink url=tls://nats.example.org:4222 credentials=user.creds \
 *   tls-ca=ca.pem subject=cams.front
 * ]|
 * With a stream that keeps ten minutes (created if missing):
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! x264enc tune=zerolatency ! h264parse ! \
 *   natssink subject=cams.front stream=CAMS max-age=600
 * ]|
 */
#include "gstnatssink.h"
#include "gstreelnats.h"

GST_DEBUG_CATEGORY_STATIC (nats_sink_debug);
#define GST_CAT_DEFAULT nats_sink_debug

#define DEFAULT_SUBJECT NULL
#define DEFAULT_MAX_PENDING 256
#define DEFAULT_CAPS_INTERVAL GST_SECOND
/* How long a publish waits for room among the pending messages before it
 * checks whether the element is being stopped, in ms. */
#define STALL_WAIT_MS 100
/* How long the end of the stream waits for the server's acknowledgements. */
#define FINISH_TIMEOUT_MS 10000
/* While disconnected, core NATS buffers up to 8 MiB, then refuses: retry. */
#define RETRY_SLEEP_US (10 * 1000)
/* publish() was interrupted by unlock (flushing or stopping). */
#define PUBLISH_INTERRUPTED ((natsStatus)-1)

enum
{
  PROP_0,
  PROP_URL,
  PROP_SUBJECT,
  PROP_JETSTREAM,
  PROP_STREAM,
  PROP_MAX_AGE,
  PROP_MAX_BYTES,
  PROP_MAX_PENDING,
  PROP_CAPS_INTERVAL,
  PROP_AUTH, /* the first of REEL_NATS_AUTH_N_PROPS (gstreelnats.h) */
};

struct _GstNatsSink
{
  GstBaseSink parent;

  /* properties (object lock) */
  char *url;
  ReelNatsAuth auth;
  char *subject;
  gboolean jetstream;
  char *stream;
  guint64 max_age_s;
  gint64 max_bytes;
  guint max_pending;
  guint64 caps_interval;

  /* between start and stop */
  natsConnection *nc;
  jsCtx *js;
  gint64 max_payload;
  char *id_prefix; /* Nats-Msg-Id = <prefix>-<n> */
  guint64 sent;

  /* streaming thread */
  GstCaps *caps; /* current caps */
  gboolean send_caps;
  gboolean send_segment;
  GstClockTime last_caps_ts;

  gint unlocked;      /* atomic: stop waiting, we are flushing or stopping */
  ReelNatsLink *link; /* shared with nats.c's threads (between start and stop) */
};

static GstStaticPadTemplate sink_template
    = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

G_DEFINE_TYPE (GstNatsSink, gst_nats_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE (natssink, "natssink", GST_RANK_NONE, GST_TYPE_NATS_SINK);

/* A JetStream acknowledgement that failed (nats.c thread). */
static void
on_ack_error (jsCtx *js, jsPubAckErr *pae, void *closure)
{
  reel_nats_link_fail (closure, g_strdup_printf ("%s (%s, JetStream error %d)",
                                                 pae->ErrText ? pae->ErrText : "no reason given",
                                                 natsStatus_GetText (pae->Err), (int)pae->ErrCode));
}

static gboolean
ensure_stream (GstNatsSink *self, GError **error)
{
  jsStreamConfig cfg;
  jsStreamInfo *si = NULL;
  jsErrCode jerr = 0;
  const char *subjects[] = { self->subject };
  natsStatus s;

  if (js_GetStreamInfo (&si, self->js, self->stream, NULL, &jerr) == NATS_OK)
    {
      jsStreamInfo_Destroy (si);
      return TRUE;
    }
  jsStreamConfig_Init (&cfg);
  cfg.Name = self->stream;
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.MaxAge = (int64_t)self->max_age_s * GST_SECOND;
  cfg.MaxBytes = self->max_bytes;
  s = js_AddStream (&si, self->js, &cfg, NULL, &jerr);
  jsStreamInfo_Destroy (si);
  if (s != NATS_OK)
    {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                   "cannot create the JetStream stream %s: %s (JetStream error %d)", self->stream,
                   natsStatus_GetText (s), (int)jerr);
      return FALSE;
    }
  return TRUE;
}

static gboolean stop (GstBaseSink *sink);

static gboolean
start (GstBaseSink *sink)
{
  GstNatsSink *self = GST_NATS_SINK (sink);
  g_autofree char *why = NULL, *name = gst_object_get_name (GST_OBJECT (self));
  g_autoptr (GError) error = NULL;
  jsOptions jo;
  natsStatus s;

  if (!self->subject || !*self->subject)
    {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("No subject to publish on."),
                         ("set the subject property"));
      return FALSE;
    }
  self->link = reel_nats_link_new ();
  self->nc = reel_nats_connect (self->url, &self->auth, name, self->link, &why);
  if (!self->nc)
    {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
                         ("Could not connect to the NATS server at %s.", self->url), ("%s", why));
      goto fail;
    }
  self->max_payload = natsConnection_GetMaxPayload (self->nc);
  if (self->jetstream || self->stream)
    {
      jsOptions_Init (&jo);
      jo.PublishAsync.MaxPending = self->max_pending;
      jo.PublishAsync.StallWait = STALL_WAIT_MS;
      jo.PublishAsync.ErrHandler = on_ack_error;
      jo.PublishAsync.ErrHandlerClosure = self->link;
      s = natsConnection_JetStream (&self->js, self->nc, &jo);
      if (s != NATS_OK)
        {
          GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE, ("Could not use JetStream."),
                             ("%s", natsStatus_GetText (s)));
          goto fail;
        }
      if (self->stream && !ensure_stream (self, &error))
        {
          GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("Could not create the JetStream stream."),
                             ("%s", error->message));
          goto fail;
        }
    }
  self->id_prefix = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
  self->sent = 0;
  self->send_caps = TRUE;
  self->send_segment = TRUE;
  self->last_caps_ts = GST_CLOCK_TIME_NONE;
  return TRUE;

fail:
  /* GStreamer does not call stop() after a failed start(). */
  stop (sink);
  return FALSE;
}

static gboolean
stop (GstBaseSink *sink)
{
  GstNatsSink *self = GST_NATS_SINK (sink);
  g_clear_pointer (&self->js, jsCtx_Destroy);
  reel_nats_close (&self->nc);
  g_clear_pointer (&self->id_prefix, g_free);
  gst_clear_caps (&self->caps);
  g_clear_pointer (&self->link, reel_nats_link_unref);
  return TRUE;
}

static gboolean
unlock (GstBaseSink *sink)
{
  g_atomic_int_set (&GST_NATS_SINK (sink)->unlocked, 1);
  return TRUE;
}

static gboolean
unlock_stop (GstBaseSink *sink)
{
  g_atomic_int_set (&GST_NATS_SINK (sink)->unlocked, 0);
  return TRUE;
}

static gboolean
set_caps (GstBaseSink *sink, GstCaps *caps)
{
  GstNatsSink *self = GST_NATS_SINK (sink);
  if (!self->caps || !gst_caps_is_equal (self->caps, caps))
    {
      gst_caps_replace (&self->caps, caps);
      self->send_caps = TRUE;
    }
  return TRUE;
}

/* After an outage, the messages whose acknowledgement never came are sent
 * again; their Nats-Msg-Id makes the stream store each one once. */
static void
resend_pending (GstNatsSink *self)
{
  natsMsgList pending = { 0 };
  if (!g_atomic_int_compare_and_exchange (&self->link->reconnected, 1, 0) || !self->js)
    return;
  if (js_PublishAsyncGetPendingList (&pending, self->js) != NATS_OK)
    return;
  GST_INFO_OBJECT (self, "resending %d messages after the reconnection", pending.Count);
  for (int i = 0; i < pending.Count; i++)
    while (js_PublishMsgAsync (self->js, &pending.Msgs[i], NULL) == NATS_TIMEOUT
           && !g_atomic_int_get (&self->unlocked))
      ;
  natsMsgList_Destroy (&pending);
}

/* Publishes msg (taking it), waiting for room while the server is slow or
 * away. NATS_OK, or the failure; PUBLISH_INTERRUPTED when unlocked. */
static natsStatus
publish (GstNatsSink *self, natsMsg **msg)
{
  natsStatus s;
  if (self->js)
    {
      jsPubOptions po;
      g_autofree char *id = g_strdup_printf ("%s-%" G_GUINT64_FORMAT, self->id_prefix, self->sent);
      jsPubOptions_Init (&po);
      po.MsgId = id;
      for (;;)
        {
          resend_pending (self);
          s = js_PublishMsgAsync (self->js, msg, &po);
          /* NATS_TIMEOUT: max-pending messages await their ack (stall). */
          if (s != NATS_TIMEOUT)
            break;
          if (g_atomic_int_get (&self->unlocked))
            return PUBLISH_INTERRUPTED;
          /* Refused acks free no room for long: report them instead. */
          if (reel_nats_link_has_error (self->link))
            return NATS_ERR;
        }
    }
  else
    {
      for (;;)
        {
          s = natsConnection_PublishMsg (self->nc, *msg);
          if (s != NATS_INSUFFICIENT_BUFFER)
            break;
          if (g_atomic_int_get (&self->unlocked))
            return PUBLISH_INTERRUPTED;
          g_usleep (RETRY_SLEEP_US);
        }
      natsMsg_Destroy (*msg);
      *msg = NULL;
      /* Core NATS has no acks: every max-pending messages, a round trip to
       * the server bounds what may be in flight. While the connection is
       * being re-established, that round trip waits for it. */
      if (s == NATS_OK && self->max_pending && (self->sent + 1) % self->max_pending == 0)
        while ((s = natsConnection_FlushTimeout (self->nc, STALL_WAIT_MS)) != NATS_OK)
          {
            if (natsConnection_IsClosed (self->nc))
              break;
            if (g_atomic_int_get (&self->unlocked))
              return PUBLISH_INTERRUPTED;
            if (s != NATS_TIMEOUT)
              g_usleep (RETRY_SLEEP_US);
          }
    }
  if (s == NATS_OK)
    self->sent++;
  return s;
}

static GstFlowReturn
check_async_error (GstNatsSink *self)
{
  g_autofree char *error = reel_nats_link_take_error (self->link);
  if (!error)
    return GST_FLOW_OK;
  GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
                     ("JetStream did not store a message published on %s.", self->subject),
                     ("%s", error));
  return GST_FLOW_ERROR;
}

static GstFlowReturn
render (GstBaseSink *sink, GstBuffer *buf)
{
  GstNatsSink *self = GST_NATS_SINK (sink);
  GstMapInfo map;
  natsMsg *msg = NULL;
  natsStatus s;
  gsize total;
  GstClockTime ts = (GST_BUFFER_PTS_IS_VALID (buf) ? GST_BUFFER_PTS (buf) : GST_BUFFER_DTS (buf));
  gboolean sync_point = !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  gboolean with_caps;
  GstFlowReturn ret = check_async_error (self);

  if (ret != GST_FLOW_OK)
    return ret;
  /* Caps again at a sync point now and then, so a consumer can join. */
  with_caps
      = self->caps
        && (self->send_caps
            || (sync_point && self->caps_interval && GST_CLOCK_TIME_IS_VALID (ts)
                && (!GST_CLOCK_TIME_IS_VALID (self->last_caps_ts)
                    || ts >= self->last_caps_ts + self->caps_interval || ts < self->last_caps_ts)));
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    {
      GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Could not read a buffer."), (NULL));
      return GST_FLOW_ERROR;
    }
  s = natsMsg_Create (&msg, self->subject, NULL, (const char *)map.data, (int)map.size);
  total = map.size;
  gst_buffer_unmap (buf, &map);
  if (s == NATS_OK)
    s = reel_nats_headers_from_buffer (msg, buf, with_caps ? self->caps : NULL,
                                       self->send_segment ? &sink->segment : NULL);
  if (s != NATS_OK)
    {
      natsMsg_Destroy (msg);
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("Could not build a NATS message."),
                         ("%s", natsStatus_GetText (s)));
      return GST_FLOW_ERROR;
    }
  total += reel_nats_headers_size (msg);
  if (self->max_payload > 0 && total > (gsize)self->max_payload)
    {
      natsMsg_Destroy (msg);
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
                         ("A buffer of %" G_GSIZE_FORMAT " bytes is too large for a NATS message: "
                          "the server accepts at most %" G_GINT64_FORMAT " bytes.",
                          gst_buffer_get_size (buf), self->max_payload),
                         ("raise max_payload in the nats-server configuration, or send smaller "
                          "buffers (e.g. encoded rather than raw video)"));
      return GST_FLOW_ERROR;
    }
  s = publish (self, &msg);
  natsMsg_Destroy (msg);
  if (s == PUBLISH_INTERRUPTED)
    return GST_FLOW_FLUSHING;
  if (s != NATS_OK && reel_nats_link_has_error (self->link))
    return check_async_error (self);
  if (s != NATS_OK)
    {
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("Could not publish on %s.", self->subject),
                         ("%s", natsStatus_GetText (s)));
      return GST_FLOW_ERROR;
    }
  if (with_caps)
    {
      self->send_caps = FALSE;
      self->last_caps_ts = ts;
    }
  self->send_segment = FALSE;
  return GST_FLOW_OK;
}

/* The end marker, then every message acknowledged (or flushed). */
static gboolean
finish (GstNatsSink *self)
{
  natsMsg *msg = NULL;
  natsStatus s = natsMsg_Create (&msg, self->subject, NULL, NULL, 0);
  if (s == NATS_OK)
    s = natsMsgHeader_Set (msg, REEL_NATS_HDR_EVENT, REEL_NATS_EVENT_EOS);
  if (s == NATS_OK)
    s = publish (self, &msg);
  natsMsg_Destroy (msg);
  if (s == NATS_OK && self->js)
    {
      jsPubOptions po;
      jsPubOptions_Init (&po);
      po.MaxWait = FINISH_TIMEOUT_MS;
      s = js_PublishAsyncComplete (self->js, &po);
    }
  else if (s == NATS_OK)
    s = natsConnection_FlushTimeout (self->nc, FINISH_TIMEOUT_MS);
  if (s == NATS_OK && check_async_error (self) != GST_FLOW_OK)
    return FALSE;
  if (s != NATS_OK && s != PUBLISH_INTERRUPTED)
    {
      GST_ELEMENT_ERROR (
          self, RESOURCE, WRITE,
          ("The NATS server did not confirm the end of the stream on %s.", self->subject),
          ("%s", natsStatus_GetText (s)));
      return FALSE;
    }
  return TRUE;
}

static gboolean
event (GstBaseSink *sink, GstEvent *event)
{
  GstNatsSink *self = GST_NATS_SINK (sink);
  switch (GST_EVENT_TYPE (event))
    {
    case GST_EVENT_SEGMENT:
      self->send_segment = TRUE;
      break;
    case GST_EVENT_EOS:
      if (self->nc && !finish (self))
        {
          gst_event_unref (event);
          return FALSE;
        }
      break;
    default:
      break;
    }
  return GST_BASE_SINK_CLASS (gst_nats_sink_parent_class)->event (sink, event);
}

static void
set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstNatsSink *self = GST_NATS_SINK (object);
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
    case PROP_JETSTREAM:
      self->jetstream = g_value_get_boolean (value);
      break;
    case PROP_STREAM:
      g_free (self->stream);
      self->stream = g_value_dup_string (value);
      if (self->stream && !*self->stream)
        g_clear_pointer (&self->stream, g_free);
      break;
    case PROP_MAX_AGE:
      self->max_age_s = g_value_get_uint64 (value);
      break;
    case PROP_MAX_BYTES:
      self->max_bytes = g_value_get_int64 (value);
      break;
    case PROP_MAX_PENDING:
      self->max_pending = g_value_get_uint (value);
      break;
    case PROP_CAPS_INTERVAL:
      self->caps_interval = g_value_get_uint64 (value);
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
  GstNatsSink *self = GST_NATS_SINK (object);
  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_SUBJECT:
      g_value_set_string (value, self->subject);
      break;
    case PROP_JETSTREAM:
      g_value_set_boolean (value, self->jetstream);
      break;
    case PROP_STREAM:
      g_value_set_string (value, self->stream);
      break;
    case PROP_MAX_AGE:
      g_value_set_uint64 (value, self->max_age_s);
      break;
    case PROP_MAX_BYTES:
      g_value_set_int64 (value, self->max_bytes);
      break;
    case PROP_MAX_PENDING:
      g_value_set_uint (value, self->max_pending);
      break;
    case PROP_CAPS_INTERVAL:
      g_value_set_uint64 (value, self->caps_interval);
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
  GstNatsSink *self = GST_NATS_SINK (object);
  g_free (self->url);
  reel_nats_auth_clear (&self->auth);
  g_free (self->subject);
  g_free (self->stream);
  G_OBJECT_CLASS (gst_nats_sink_parent_class)->finalize (object);
}

static void
gst_nats_sink_class_init (GstNatsSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *base_class = GST_BASE_SINK_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->finalize = finalize;

  g_object_class_install_property (
      gobject_class, PROP_URL,
      g_param_spec_string ("url", "URL",
                           "NATS server to publish to, e.g. nats://127.0.0.1:4222; a "
                           "comma-separated list for a cluster",
                           REEL_NATS_DEFAULT_URL, flags));
  g_object_class_install_property (
      gobject_class, PROP_SUBJECT,
      g_param_spec_string ("subject", "Subject",
                           "NATS subject every buffer is published on (required)", DEFAULT_SUBJECT,
                           flags));
  g_object_class_install_property (
      gobject_class, PROP_JETSTREAM,
      g_param_spec_boolean ("jetstream", "JetStream",
                            "Publish to JetStream and wait for its acknowledgements (a stream must "
                            "capture the subject; see stream); otherwise core NATS",
                            FALSE, flags));
  g_object_class_install_property (
      gobject_class, PROP_STREAM,
      g_param_spec_string ("stream", "Stream",
                           "JetStream stream to create for the subject when it does not exist "
                           "(implies jetstream); empty: the stream is managed elsewhere",
                           NULL, flags));
  g_object_class_install_property (
      gobject_class, PROP_MAX_AGE,
      g_param_spec_uint64 ("max-age", "Max age",
                           "Age in seconds after which a created stream drops messages; 0 = "
                           "never",
                           0, G_MAXINT64 / GST_SECOND, 0, flags));
  g_object_class_install_property (
      gobject_class, PROP_MAX_BYTES,
      g_param_spec_int64 ("max-bytes", "Max bytes",
                          "Size in bytes above which a created stream drops its oldest "
                          "messages; -1 = unlimited",
                          -1, G_MAXINT64, -1, flags));
  g_object_class_install_property (
      gobject_class, PROP_MAX_PENDING,
      g_param_spec_uint ("max-pending", "Max pending",
                         "Messages that may await the server's acknowledgement before the "
                         "streaming thread blocks (back-pressure); 0 = JetStream's default, "
                         "never wait with core NATS",
                         0, G_MAXINT32, DEFAULT_MAX_PENDING, flags));
  g_object_class_install_property (
      gobject_class, PROP_CAPS_INTERVAL,
      g_param_spec_uint64 ("caps-interval", "Caps interval",
                           "Repeat the caps on a sync point at most this often (stream time, "
                           "ns), so a consumer can join mid-stream; 0 = only when they change",
                           0, G_MAXUINT64, DEFAULT_CAPS_INTERVAL, flags));

  reel_nats_auth_install_properties (gobject_class, PROP_AUTH);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (
      element_class, "NATS sink", "Sink/Network",
      "Publishes buffers with their caps and timestamps on a NATS subject or JetStream stream",
      "reel developers");

  base_class->start = GST_DEBUG_FUNCPTR (start);
  base_class->stop = GST_DEBUG_FUNCPTR (stop);
  base_class->unlock = GST_DEBUG_FUNCPTR (unlock);
  base_class->unlock_stop = GST_DEBUG_FUNCPTR (unlock_stop);
  base_class->set_caps = GST_DEBUG_FUNCPTR (set_caps);
  base_class->render = GST_DEBUG_FUNCPTR (render);
  base_class->event = GST_DEBUG_FUNCPTR (event);
  GST_DEBUG_CATEGORY_INIT (nats_sink_debug, "natssink", 0, "NATS sink");
}

static void
gst_nats_sink_init (GstNatsSink *self)
{
  self->url = g_strdup (REEL_NATS_DEFAULT_URL);
  self->max_bytes = -1;
  self->max_pending = DEFAULT_MAX_PENDING;
  self->caps_interval = DEFAULT_CAPS_INTERVAL;
  /* A network sink publishes what it gets as it gets it. */
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
}
