/* See live_packager.h. */
#include "media/live/live_packager.h"
#include "app/live/live.h"
#include "core/error.h"
#include "core/metrics.h"
#include "media/cmaf.h"
#include "media/manifest.h"
#include "media/pipeline.h"
#include "media/plan.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

/* How often the read models are checked for sessions that started or
 * ended: part of the time to the first playlist, so short. */
#define SCAN_INTERVAL_MS 250
/* After live.ended, how long the pipelines may take to read the rest of
 * the stream before they are stopped. */
#define DRAIN_AFTER_END_US (10 * G_USEC_PER_SEC)
/* The sound is muxed in fragments this short and gathered into segments on
 * the grid: the segment boundaries are this exact. 200 ms costs a few
 * hundred bytes of moof per second. */
#define AUDIO_FRAGMENT_NS (200 * GST_MSECOND)

typedef struct
{
  guint64 index;
  guint64 start_ns; /* stream time */
  guint64 duration_ns;
  GBytes *data;
  gint64 arrival_us; /* wall clock of the first frame's arrival at the ingest; 0 unknown */
} Segment;

typedef struct
{
  gint64 first_us;
  gint64 last_us;
} Arrival;

typedef struct Channel Channel;

typedef struct
{
  Channel *ch;
  char *name;
  gboolean audio;
  guint kbps;
  GstElement *pipeline;
  /* under ch->lock */
  gint width, height;
  char *codecs;
  GBytes *init;
  GByteArray *pending;  /* mp4mux output not yet cut */
  gsize fragment_start; /* offset of a moof in pending, or G_MAXSIZE */
  gboolean have_base;
  guint64 base_ns;      /* stream time of the first decode timestamp */
  guint64 next_start;   /* stream time of the next fragment */
  GQueue segments;      /* Segment*, oldest first */
  GHashTable *arrivals; /* segment index -> Arrival */
  GByteArray *sound;    /* audio: fragments of the segment being gathered */
  guint64 sound_index, sound_start, sound_duration;
  gboolean eos;
  /* the parser's streaming thread only */
  GstSegment segment;
} Rendition;

struct Channel
{
  ReelLivePackager *pk;
  char *channel;
  char *session;
  guint64 segment_ns;
  GPtrArray *renditions; /* video rungs in ladder order, then audio */
  GMutex lock;
  gboolean ended;       /* the read models say the session ended */
  gint64 ended_seen_us; /* monotonic */
  gboolean stopped;     /* pipelines stopped */
};

struct ReelLivePackager
{
  const ReelConfig *cfg;
  ReelStore *store;
  char *nats_url;
  ReelNatsAuth nats_auth;
  GHashTable *channels; /* channel -> Channel */
  guint scan;
};

static void
segment_free (Segment *s)
{
  g_bytes_unref (s->data);
  g_free (s);
}

static void
stop_pipelines (Channel *ch)
{
  for (guint i = 0; i < ch->renditions->len; i++)
    {
      Rendition *r = ch->renditions->pdata[i];
      if (!r->pipeline)
        continue;
      gst_bus_remove_watch (GST_ELEMENT_BUS (r->pipeline));
      gst_element_set_state (r->pipeline, GST_STATE_NULL);
      g_clear_object (&r->pipeline);
    }
  ch->stopped = TRUE;
}

static void
rendition_free (Rendition *r)
{
  g_free (r->name);
  g_free (r->codecs);
  g_clear_pointer (&r->init, g_bytes_unref);
  g_byte_array_unref (r->pending);
  g_byte_array_unref (r->sound);
  g_queue_clear_full (&r->segments, (GDestroyNotify)segment_free);
  g_hash_table_unref (r->arrivals);
  g_free (r);
}

static void
channel_free (Channel *ch)
{
  stop_pipelines (ch);
  g_ptr_array_unref (ch->renditions);
  g_mutex_clear (&ch->lock);
  g_free (ch->channel);
  g_free (ch->session);
  g_free (ch);
}

/* --- streaming threads --- */

/* Before mp4mux: where the timeline starts, the picture's size, and when
 * each segment's frames reached the ingest. */
static GstPadProbeReturn
parse_probe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Rendition *r = data;
  Channel *ch = r->ch;
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM)
    {
      GstEvent *e = GST_PAD_PROBE_INFO_EVENT (info);
      if (GST_EVENT_TYPE (e) == GST_EVENT_SEGMENT)
        gst_event_copy_segment (e, &r->segment);
      else if (GST_EVENT_TYPE (e) == GST_EVENT_CAPS && !r->audio)
        {
          GstCaps *caps;
          GstStructure *s;
          gst_event_parse_caps (e, &caps);
          s = gst_caps_get_structure (caps, 0);
          g_mutex_lock (&ch->lock);
          gst_structure_get_int (s, "width", &r->width);
          gst_structure_get_int (s, "height", &r->height);
          g_mutex_unlock (&ch->lock);
        }
      return GST_PAD_PROBE_OK;
    }
  {
    static GstCaps *unix_ref;
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    GstClockTime ts = GST_BUFFER_DTS_IS_VALID (buf) ? GST_BUFFER_DTS (buf) : GST_BUFFER_PTS (buf);
    guint64 st = gst_segment_to_stream_time (&r->segment, GST_FORMAT_TIME, ts);
    GstReferenceTimestampMeta *ref;
    if (g_once_init_enter (&unix_ref))
      g_once_init_leave (&unix_ref, gst_caps_new_empty_simple ("timestamp/x-unix"));
    if (!GST_CLOCK_TIME_IS_VALID (st))
      return GST_PAD_PROBE_OK;
    ref = gst_buffer_get_reference_timestamp_meta (buf, unix_ref);
    g_mutex_lock (&ch->lock);
    if (!r->have_base)
      {
        r->have_base = TRUE;
        r->base_ns = r->next_start = st;
      }
    if (ref)
      {
        guint64 index = st / ch->segment_ns;
        Arrival *a = g_hash_table_lookup (r->arrivals, &index);
        if (!a)
          {
            guint64 *key = g_memdup2 (&index, sizeof index);
            a = g_new0 (Arrival, 1);
            a->first_us = (gint64)(ref->timestamp / 1000);
            g_hash_table_insert (r->arrivals, key, a);
          }
        a->last_us = (gint64)(ref->timestamp / 1000);
      }
    g_mutex_unlock (&ch->lock);
  }
  return GST_PAD_PROBE_OK;
}

/* Adds a finished segment to the window (ch->lock held). */
static void
push_segment (Rendition *r, guint64 index, guint64 start_ns, guint64 duration_ns, GBytes *data)
{
  Channel *ch = r->ch;
  guint64 window_ns = (guint64)ch->pk->cfg->live_window_s * GST_SECOND;
  Segment *s = g_new0 (Segment, 1);
  Arrival *a;

  s->start_ns = start_ns;
  s->duration_ns = duration_ns;
  s->data = g_bytes_ref (data);
  /* A stray keyframe could make two fragments round to one number. */
  if (!g_queue_is_empty (&r->segments))
    index = MAX (index, ((Segment *)g_queue_peek_tail (&r->segments))->index + 1);
  s->index = index;
  a = g_hash_table_lookup (r->arrivals, &s->index);
  if (a)
    {
      s->arrival_us = a->first_us;
      reel_metrics_observe ("reel_live_segment_latency_seconds", NULL,
                            (double)(g_get_real_time () - a->last_us) / G_USEC_PER_SEC);
      g_hash_table_remove (r->arrivals, &s->index);
    }
  g_queue_push_tail (&r->segments, s);
  /* The window: what the broker keeps, live.window_seconds. */
  while (!g_queue_is_empty (&r->segments))
    {
      Segment *old = g_queue_peek_head (&r->segments);
      if (old->start_ns + old->duration_ns + window_ns >= start_ns + duration_ns)
        break;
      g_hash_table_remove (r->arrivals, &old->index);
      segment_free (g_queue_pop_head (&r->segments));
    }
}

/* The sound's segment in the making, as one (ch->lock held). */
static void
flush_sound (Rendition *r)
{
  g_autoptr (GBytes) data = NULL;
  if (!r->sound->len)
    return;
  data = g_byte_array_free_to_bytes (g_steal_pointer (&r->sound));
  r->sound = g_byte_array_new ();
  push_segment (r, r->sound_index, r->sound_start, r->sound_duration, data);
}

/* One moof+mdat at its absolute place on the timeline (ch->lock held).
 * A picture fragment is a segment (its keyframe is on the grid); the
 * sound comes in short fragments (AAC frames never fit the grid exactly),
 * gathered into the segment of the grid they start in, so sound and
 * picture segments of one number cover the same time. */
static void
add_fragment (Rendition *r, const guint8 *data, gsize len)
{
  Channel *ch = r->ch;
  g_autoptr (GByteArray) whole = g_byte_array_new ();
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (ReelCmaf) c = NULL;
  g_autoptr (GError) error = NULL;
  guint64 start = r->next_start, duration;

  g_byte_array_append (whole, g_bytes_get_data (r->init, NULL), g_bytes_get_size (r->init));
  g_byte_array_append (whole, data, len);
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&whole));
  c = reel_cmaf_split (bytes, r->base_ns, &error);
  if (!c || c->segments->len != 1)
    {
      g_warning ("live %s/%s: a fragment could not be read: %s", ch->channel, r->name,
                 error ? error->message : "not one fragment");
      return;
    }
  if (!r->codecs)
    r->codecs = g_strdup (c->codecs ? c->codecs : "");
  duration = g_array_index (c->durations_ns, guint64, 0);
  r->next_start += duration;
  if (!r->audio)
    {
      push_segment (r, (start + ch->segment_ns / 2) / ch->segment_ns, start, duration,
                    c->segments->pdata[0]);
      return;
    }
  {
    guint64 index = (start + AUDIO_FRAGMENT_NS / 2) / ch->segment_ns;
    if (r->sound->len && index != r->sound_index)
      flush_sound (r);
    if (!r->sound->len)
      {
        r->sound_index = index;
        r->sound_start = start;
        r->sound_duration = 0;
      }
    g_byte_array_append (r->sound, g_bytes_get_data (c->segments->pdata[0], NULL),
                         g_bytes_get_size (c->segments->pdata[0]));
    r->sound_duration += duration;
  }
}

/* Cuts mp4mux's output into the init segment and fragments as it comes
 * (ch->lock held). */
static void
take_output (Rendition *r)
{
  gsize off = 0;
  for (;;)
    {
      char type[5];
      gsize size = reel_cmaf_box_size (r->pending->data + off, r->pending->len - off, type);
      gsize end;
      if (size == 0 || (size != G_MAXSIZE && size > r->pending->len - off))
        break;
      if (size == G_MAXSIZE)
        {
          g_warning ("live %s/%s: mp4mux wrote a malformed box", r->ch->channel, r->name);
          g_byte_array_set_size (r->pending, 0);
          r->fragment_start = G_MAXSIZE;
          return;
        }
      end = off + size;
      if (!r->init && g_str_equal (type, "moov"))
        {
          /* ftyp + moov */
          r->init = g_bytes_new (r->pending->data, end);
          g_byte_array_remove_range (r->pending, 0, end);
          off = 0;
          continue;
        }
      if (r->init && g_str_equal (type, "moof"))
        r->fragment_start = off;
      else if (r->init && g_str_equal (type, "mdat") && r->fragment_start != G_MAXSIZE)
        {
          add_fragment (r, r->pending->data + r->fragment_start, end - r->fragment_start);
          g_byte_array_remove_range (r->pending, 0, end);
          r->fragment_start = G_MAXSIZE;
          off = 0;
          continue;
        }
      else if (r->init && r->fragment_start == G_MAXSIZE)
        {
          /* mfra and the like: nothing a player needs */
          g_byte_array_remove_range (r->pending, 0, end);
          off = 0;
          continue;
        }
      off = end;
    }
}

static GstFlowReturn
on_sample (GstAppSink *sink, gpointer data)
{
  Rendition *r = data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf = sample ? gst_sample_get_buffer (sample) : NULL;
  GstMapInfo map;
  if (!buf || !gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_FLOW_OK;
  g_mutex_lock (&r->ch->lock);
  g_byte_array_append (r->pending, map.data, map.size);
  take_output (r);
  g_mutex_unlock (&r->ch->lock);
  gst_buffer_unmap (buf, &map);
  return GST_FLOW_OK;
}

static void
on_eos (GstAppSink *sink, gpointer data)
{
  Rendition *r = data;
  g_mutex_lock (&r->ch->lock);
  if (r->audio)
    flush_sound (r);
  r->eos = TRUE;
  g_mutex_unlock (&r->ch->lock);
}

/* --- main context --- */

static gboolean
on_bus (GstBus *bus, GstMessage *m, gpointer data)
{
  Rendition *r = data;
  if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;
      gst_message_parse_error (m, &error, NULL);
      g_warning ("live %s/%s: packaging failed: %s", r->ch->channel, r->name, error->message);
      g_mutex_lock (&r->ch->lock);
      r->eos = TRUE;
      g_mutex_unlock (&r->ch->lock);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
start_rendition (Channel *ch, Rendition *r, GError **error)
{
  g_autofree char *tpl = reel_pipeline_load ("live-package", error);
  g_autofree char *prefix = reel_live_subject_prefix (ch->channel);
  g_autoptr (GHashTable) v = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *line = NULL;
  g_autoptr (GstElement) parse = NULL, out = NULL;
  g_autoptr (GstPad) pad = NULL;
  const char *raw[] = { "parser", "nats_auth", NULL };
  GstAppSinkCallbacks cb = { .eos = on_eos, .new_sample = on_sample };

  if (!tpl)
    return FALSE;
  g_hash_table_insert (v, "nats", g_strdup (ch->pk->nats_url));
  g_hash_table_insert (v, "nats_auth", reel_pipeline_nats_auth (&ch->pk->nats_auth));
  g_hash_table_insert (v, "subject", g_strdup_printf ("%s.%s", prefix, r->name));
  g_hash_table_insert (v, "parser", g_strdup (r->audio ? "aacparse" : "h264parse"));
  /* mp4mux starts a picture fragment at every keyframe (on the grid); its
   * duration limit is only a backstop, and must not fire a frame early
   * when timestamps wobble. */
  g_hash_table_insert (
      v, "fragment_ms",
      g_strdup_printf ("%" G_GUINT64_FORMAT,
                       (r->audio ? AUDIO_FRAGMENT_NS : 2 * ch->segment_ns) / GST_MSECOND));
  if (!(line = reel_pipeline_fill (tpl, v, raw, error)))
    return FALSE;
  r->pipeline = gst_parse_launch_full (line, NULL, GST_PARSE_FLAG_FATAL_ERRORS, error);
  if (!r->pipeline)
    return FALSE;
  gst_object_ref_sink (r->pipeline);
  parse = gst_bin_get_by_name (GST_BIN (r->pipeline), "parse");
  out = gst_bin_get_by_name (GST_BIN (r->pipeline), "out");
  pad = gst_element_get_static_pad (parse, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                     parse_probe, r, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (out), &cb, r, NULL);
  gst_bus_add_watch (GST_ELEMENT_BUS (r->pipeline), on_bus, r);
  gst_element_set_state (r->pipeline, GST_STATE_PLAYING);
  return TRUE;
}

static Rendition *
rendition_new (Channel *ch, const char *name, gboolean audio, guint kbps)
{
  Rendition *r = g_new0 (Rendition, 1);
  r->ch = ch;
  r->name = g_strdup (name);
  r->audio = audio;
  r->kbps = kbps;
  r->pending = g_byte_array_new ();
  r->sound = g_byte_array_new ();
  r->fragment_start = G_MAXSIZE;
  r->arrivals = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_queue_init (&r->segments);
  gst_segment_init (&r->segment, GST_FORMAT_TIME);
  return r;
}

static void
start_channel (ReelLivePackager *pk, JsonObject *rec)
{
  Channel *ch = g_new0 (Channel, 1);
  JsonArray *rungs = json_object_get_array_member (rec, "rungs");
  g_autoptr (GError) error = NULL;

  ch->pk = pk;
  ch->channel = g_strdup (json_object_get_string_member (rec, "channel"));
  ch->session = g_strdup (json_object_get_string_member (rec, "session"));
  ch->segment_ns = (guint64)json_object_get_int_member_with_default (rec, "segment_ns", 0);
  ch->renditions = g_ptr_array_new_with_free_func ((GDestroyNotify)rendition_free);
  g_mutex_init (&ch->lock);
  if (ch->segment_ns < GST_SECOND / 10)
    ch->segment_ns = (guint64)pk->cfg->segment_s * GST_SECOND;
  for (guint i = 0; rungs && i < json_array_get_length (rungs); i++)
    {
      JsonObject *rung = json_array_get_object_element (rungs, i);
      g_ptr_array_add (ch->renditions,
                       rendition_new (ch, json_object_get_string_member (rung, "name"), FALSE,
                                      (guint)json_object_get_int_member (rung, "kbps")));
    }
  g_ptr_array_add (ch->renditions, rendition_new (ch, "audio", TRUE, REEL_AUDIO_BITRATE / 1000));
  g_hash_table_replace (pk->channels, ch->channel, ch);
  for (guint i = 0; i < ch->renditions->len; i++)
    if (!start_rendition (ch, ch->renditions->pdata[i], &error))
      {
        g_warning ("live %s: cannot package: %s", ch->channel, error->message);
        g_clear_error (&error);
      }
  g_message ("live: packaging %s's session %s", ch->channel, ch->session);
}

static gboolean
all_eos (Channel *ch)
{
  gboolean eos = TRUE;
  g_mutex_lock (&ch->lock);
  for (guint i = 0; i < ch->renditions->len; i++)
    eos = eos && ((Rendition *)ch->renditions->pdata[i])->eos;
  g_mutex_unlock (&ch->lock);
  return eos;
}

/* Whether an ended session still lies within the window. */
static gboolean
recently_ended (ReelLivePackager *pk, JsonObject *rec)
{
  const char *at = json_object_get_string_member_with_default (rec, "ended_at", NULL);
  g_autoptr (GDateTime) t = at ? g_date_time_new_from_iso8601 (at, NULL) : NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  return t
         && g_date_time_difference (now, t)
                < (GTimeSpan)pk->cfg->live_window_s * G_TIME_SPAN_SECOND;
}

static void
follow (ReelLivePackager *pk, JsonObject *rec)
{
  const char *channel = json_object_get_string_member (rec, "channel");
  const char *session = json_object_get_string_member_with_default (rec, "session", NULL);
  gboolean live = g_strcmp0 (json_object_get_string_member_with_default (rec, "state", ""),
                             REEL_LIVE_STATE_LIVE)
                  == 0;
  Channel *ch = g_hash_table_lookup (pk->channels, channel);

  if (!session)
    return;
  if (ch && g_strcmp0 (ch->session, session) != 0)
    {
      if (!live && !recently_ended (pk, rec))
        return;
      g_hash_table_remove (pk->channels, channel);
      ch = NULL;
    }
  if (!ch)
    {
      if (live || recently_ended (pk, rec))
        start_channel (pk, rec);
      ch = g_hash_table_lookup (pk->channels, channel);
      if (!ch)
        return;
    }
  if (!live && !ch->ended)
    {
      ch->ended = TRUE;
      ch->ended_seen_us = g_get_monotonic_time ();
    }
  if (ch->ended && !ch->stopped
      && (all_eos (ch) || g_get_monotonic_time () - ch->ended_seen_us > DRAIN_AFTER_END_US))
    stop_pipelines (ch);
  if (ch->ended && !recently_ended (pk, rec))
    g_hash_table_remove (pk->channels, channel);
}

static gboolean
scan (gpointer data)
{
  ReelLivePackager *pk = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) channels = reel_live_channels (pk->store, &error);
  if (!channels)
    {
      g_warning ("live: cannot read the live channels: %s", error->message);
      return G_SOURCE_CONTINUE;
    }
  for (guint i = 0; i < channels->len; i++)
    follow (pk, channels->pdata[i]);
  return G_SOURCE_CONTINUE;
}

ReelLivePackager *
reel_live_packager_start (const ReelConfig *cfg, ReelStore *store, const char *nats_url,
                          const ReelNatsAuth *nats_auth)
{
  ReelLivePackager *pk = g_new0 (ReelLivePackager, 1);
  pk->cfg = cfg;
  pk->store = store;
  pk->nats_url = g_strdup (nats_url);
  reel_nats_auth_copy (&pk->nats_auth, nats_auth);
  pk->channels
      = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)channel_free);
  reel_metrics_declare ("reel_live_segment_latency_seconds", REEL_METRIC_HISTOGRAM,
                        "From the arrival of a live segment's last frame at the ingest to the "
                        "segment's appearance in this node's playlist");
  pk->scan = g_timeout_add (SCAN_INTERVAL_MS, scan, pk);
  return pk;
}

void
reel_live_packager_stop (ReelLivePackager *pk)
{
  if (!pk)
    return;
  g_source_remove (pk->scan);
  g_hash_table_unref (pk->channels);
  g_free (pk->nats_url);
  reel_nats_auth_clear (&pk->nats_auth);
  g_free (pk);
}

/* --- reading (main context) --- */

static Channel *
find_channel (ReelLivePackager *pk, const char *channel, GError **error)
{
  Channel *ch = g_hash_table_lookup (pk->channels, channel);
  if (!ch)
    g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "%s is not live", channel);
  return ch;
}

static guint
measured_bandwidth (Rendition *r)
{
  guint peak = r->kbps * 1000;
  for (GList *l = r->segments.head; l; l = l->next)
    {
      Segment *s = l->data;
      if (s->duration_ns)
        peak = MAX (peak, (guint)(g_bytes_get_size (s->data) * 8 * GST_SECOND / s->duration_ns));
    }
  return peak;
}

/* A manifest rendition of r (ch->lock held); with_segments for a media
 * playlist. */
static ReelRendition *
describe (Channel *ch, Rendition *r, gboolean with_segments)
{
  ReelRendition *out = reel_rendition_new (r->name);
  out->width = (guint)r->width;
  out->height = (guint)r->height;
  out->bandwidth = measured_bandwidth (r);
  out->codecs = g_strdup (r->codecs);
  out->init_uri = g_strdup_printf ("%s/%s/init.mp4", ch->session, r->name);
  if (!g_queue_is_empty (&r->segments))
    out->first_sequence = (guint)((Segment *)g_queue_peek_head (&r->segments))->index;
  for (GList *l = with_segments ? r->segments.head : NULL; l; l = l->next)
    {
      Segment *s = l->data;
      g_autofree char *uri
          = g_strdup_printf ("%s/%s/%" G_GUINT64_FORMAT ".m4s", ch->session, r->name, s->index);
      reel_rendition_add_live_segment (out, s->duration_ns, uri, s->arrival_us);
    }
  return out;
}

static gboolean
ready (Rendition *r)
{
  return r->codecs && !g_queue_is_empty (&r->segments);
}

char *
reel_live_packager_master (ReelLivePackager *pk, const char *channel, guint64 rewind_ns,
                           GError **error)
{
  Channel *ch = find_channel (pk, channel, error);
  ReelManifest m = { 0 };
  g_autofree char *query = NULL;
  char *text = NULL;

  if (!ch)
    return NULL;
  m.live = TRUE;
  m.video = g_ptr_array_new_with_free_func ((GDestroyNotify)reel_rendition_free);
  if (rewind_ns)
    m.playlist_query = query
        = g_strdup_printf ("?rewind=%" G_GUINT64_FORMAT, rewind_ns / GST_SECOND);
  g_mutex_lock (&ch->lock);
  for (guint i = 0; i < ch->renditions->len; i++)
    {
      Rendition *r = ch->renditions->pdata[i];
      if (!ready (r))
        continue;
      if (r->audio)
        m.audio = describe (ch, r, FALSE);
      else
        g_ptr_array_add (m.video, describe (ch, r, FALSE));
    }
  g_mutex_unlock (&ch->lock);
  if (m.video->len)
    text = reel_hls_multivariant (&m);
  else
    g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "%s's stream has no segment yet",
                 channel);
  reel_manifest_clear (&m);
  return text;
}

static Rendition *
find_rendition (Channel *ch, const char *name)
{
  for (guint i = 0; i < ch->renditions->len; i++)
    if (g_str_equal (((Rendition *)ch->renditions->pdata[i])->name, name))
      return ch->renditions->pdata[i];
  return NULL;
}

char *
reel_live_packager_media (ReelLivePackager *pk, const char *channel, const char *rendition,
                          guint64 rewind_ns, GError **error)
{
  Channel *ch = find_channel (pk, channel, error);
  ReelManifest m = { 0 };
  ReelRendition *out = NULL;
  Rendition *r;
  char *text = NULL;
  guint64 span = 0;

  if (!ch)
    return NULL;
  g_mutex_lock (&ch->lock);
  r = find_rendition (ch, rendition);
  if (r && ready (r))
    {
      out = describe (ch, r, TRUE);
      m.final = ch->ended && r->eos;
    }
  g_mutex_unlock (&ch->lock);
  if (!out)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no rendition %s of %s", rendition,
                   channel);
      return NULL;
    }
  for (guint i = 0; i < out->segments->len; i++)
    span += g_array_index (out->segments, ReelSegment, i).duration_ns;
  m.live = TRUE;
  /* Not further back than the window reaches. */
  m.start_offset_ns = MIN (rewind_ns, span);
  text = reel_hls_media (&m, out);
  reel_rendition_free (out);
  return text;
}

GBytes *
reel_live_packager_segment (ReelLivePackager *pk, const char *channel, const char *session,
                            const char *rendition, const char *file, GError **error)
{
  Channel *ch = find_channel (pk, channel, error);
  GBytes *out = NULL;
  guint64 index;
  Rendition *r;

  if (!ch)
    return NULL;
  g_mutex_lock (&ch->lock);
  r = g_str_equal (session, ch->session) ? find_rendition (ch, rendition) : NULL;
  if (r && g_str_equal (file, "init.mp4") && r->codecs)
    out = g_bytes_ref (r->init);
  else if (r && g_str_has_suffix (file, ".m4s"))
    {
      g_autofree char *number = g_strndup (file, strlen (file) - 4);
      if (g_ascii_string_to_unsigned (number, 10, 0, G_MAXUINT32, &index, NULL))
        for (GList *l = r->segments.head; l && !out; l = l->next)
          if (((Segment *)l->data)->index == index)
            out = g_bytes_ref (((Segment *)l->data)->data);
    }
  g_mutex_unlock (&ch->lock);
  if (!out)
    g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND,
                 "no such segment (it may have left the "
                 "window)");
  return out;
}
