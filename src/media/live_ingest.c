/* See live_ingest.h. */
#include "media/live_ingest.h"
#include "app/live.h"
#include "app/videos.h"
#include "core/error.h"
#include "core/metrics.h"
#include "media/ingest.h"
#include "media/pipeline.h"
#include "media/plan.h"

#include <glib/gstdio.h>
#include <gst/gst.h>

/* How often the channel list is read for new stream keys. */
#define SCAN_INTERVAL_MS 1000
/* A listener that failed (its port taken, say) is retried after this. */
#define RETRY_AFTER_US (10 * G_USEC_PER_SEC)

struct ReelLiveIngest
{
  const ReelConfig *cfg;
  ReelBus *bus;
  ReelStore *store;
  ReelBlobs *blobs;
  char *work_dir;
  GHashTable *sessions; /* channel -> Session (listening or streaming) */
  GHashTable *failed;   /* channel -> gint64* monotonic time of the last failure */
  GArray *ladder;       /* ReelRung of live.ladder */
  GstCaps *unix_ref;    /* timestamp/x-unix */
  guint scan;
  guint finishing; /* sessions being handed to the upload path */
};

typedef struct
{
  ReelLiveIngest *li;
  char *channel;
  guint slot;
  char *session;
  char *recording;
  GstElement *pipeline;
  gint started;        /* atomic: a caller was accepted and live.started published */
  gint64 started_real; /* wall clock of the acceptance, µs */
} Session;

/* After end_session stopped the pipeline, or before there was one. */
static void
session_free (Session *s)
{
  g_free (s->channel);
  g_free (s->session);
  g_free (s->recording);
  g_free (s);
}

static char *
srt_uri (const ReelConfig *cfg, guint slot)
{
  gboolean v6 = strchr (cfg->live_srt_host, ':') != NULL;
  return g_strdup_printf ("srt://%s%s%s:%u?mode=listener", v6 ? "[" : "", cfg->live_srt_host,
                          v6 ? "]" : "", cfg->live_srt_port + slot);
}

/* The filled pipelines/live-ingest.pipeline of a session. */
static char *
ingest_line (ReelLiveIngest *li, Session *s, GError **error)
{
  g_autofree char *tpl = reel_pipeline_load ("live-ingest", error);
  g_autofree char *rung_tpl = tpl ? reel_pipeline_load ("live-ingest-rung", error) : NULL;
  g_autofree char *prefix = reel_live_subject_prefix (s->channel);
  g_autoptr (GHashTable) v = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr (GString) outputs = g_string_new (NULL);
  const char *raw[] = { "outputs", "nats_auth", NULL };
  const char *rung_raw[] = { "nats_auth", NULL };
  g_autofree char *auth = reel_pipeline_nats_auth (reel_bus_auth (li->bus));

  if (!rung_tpl)
    return NULL;
  for (guint i = 0; i < li->ladder->len; i++)
    {
      ReelRung *r = &g_array_index (li->ladder, ReelRung, i);
      g_autoptr (GHashTable) rv = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
      g_autofree char *output = NULL;
      g_hash_table_insert (rv, "index", g_strdup_printf ("%u", i));
      g_hash_table_insert (rv, "nats", g_strdup (reel_bus_url (li->bus)));
      g_hash_table_insert (rv, "nats_auth", g_strdup (auth));
      g_hash_table_insert (rv, "subject", g_strdup_printf ("%s.%s", prefix, r->name));
      if (!(output = reel_pipeline_fill (rung_tpl, rv, rung_raw, error)))
        return NULL;
      g_string_append_printf (outputs, "%s%s", i ? " " : "", output);
    }
  g_hash_table_insert (v, "uri", srt_uri (li->cfg, s->slot));
  g_hash_table_insert (v, "recording", g_strdup (s->recording));
  g_hash_table_insert (v, "rungs", g_strdup (li->cfg->live_ladder));
  g_hash_table_insert (v, "segment",
                       g_strdup_printf ("%" G_GUINT64_FORMAT, li->cfg->segment_s * GST_SECOND));
  g_hash_table_insert (v, "preset", g_strdup (li->cfg->x264_preset));
  g_hash_table_insert (v, "peak", g_strdup (REEL_VBV_PEAK));
  g_hash_table_insert (v, "buffer", g_strdup (REEL_VBV_BUFFER));
  g_hash_table_insert (v, "outputs", g_strdup (outputs->str));
  g_hash_table_insert (v, "nats", g_strdup (reel_bus_url (li->bus)));
  g_hash_table_insert (v, "nats_auth", g_strdup (auth));
  g_hash_table_insert (v, "audio_subject", g_strdup_printf ("%s.audio", prefix));
  g_hash_table_insert (v, "audio_bitrate", g_strdup_printf ("%d", REEL_AUDIO_BITRATE));
  g_hash_table_insert (v, "audio_rate", g_strdup_printf ("%d", REEL_AUDIO_RATE));
  return reel_pipeline_fill (tpl, v, raw, error);
}

/* srtsrc's thread, during the caller's handshake: only the channel's key
 * gets in, and only one caller per session. Accepting starts the session
 * before any of its data can reach the stream. */
static gboolean
on_caller_connecting (GstElement *srt, GSocketAddress *addr, const char *stream_id, gpointer data)
{
  Session *s = data;
  ReelLiveIngest *li = s->li;
  g_autoptr (GError) error = NULL;
  g_autofree char *stream = reel_live_stream_name (s->channel);
  g_autofree char *prefix = reel_live_subject_prefix (s->channel);
  g_autoptr (JsonArray) rungs = NULL;

  if (g_atomic_int_get (&s->started))
    return FALSE;
  if (!reel_live_key_matches (li->store, s->channel, stream_id))
    {
      g_message ("live: refused a caller on %s's port: wrong stream key", s->channel);
      return FALSE;
    }
  rungs = reel_ladder_to_json (li->ladder);
  if (!reel_bus_reset_live_stream (li->bus, stream, prefix, li->cfg->live_window_s,
                                   li->cfg->live_max_bytes, li->cfg->stream_replicas, &error)
      || !reel_live_publish_started (li->bus, s->channel, s->session,
                                     (guint64)li->cfg->segment_s * GST_SECOND, rungs, &error))
    {
      g_warning ("live: cannot start %s's session: %s", s->channel, error->message);
      return FALSE;
    }
  s->started_real = g_get_real_time ();
  g_atomic_int_set (&s->started, 1);
  reel_metrics_add ("reel_live_sessions", NULL, 1);
  g_message ("live: %s is live (session %s)", s->channel, s->session);
  return TRUE;
}

/* Each decoded frame carries the wall-clock time it reached the ladder. */
static GstPadProbeReturn
stamp_arrival (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  ReelLiveIngest *li = data;
  GstBuffer *buf = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  gst_buffer_add_reference_timestamp_meta (buf, li->unix_ref, (guint64)g_get_real_time () * 1000,
                                           GST_CLOCK_TIME_NONE);
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  return GST_PAD_PROBE_OK;
}

/* The sender's timestamps, as they are: tsdemux would otherwise correct
 * them for the skew between the sender's clock (PCR) and ours while it
 * learns it, which makes frames a few ms early or late for the first
 * seconds, and segments uneven. Nothing here plays against our clock. */
static void
on_element_added (GstBin *bin, GstBin *sub, GstElement *element, gpointer data)
{
  GstElementFactory *f = gst_element_get_factory (element);
  if (f && g_str_equal (GST_OBJECT_NAME (f), "tsdemux"))
    g_object_set (element, "ignore-pcr", TRUE, NULL);
}

/* A stream without sound (or picture) leaves a branch unlinked; it must
 * still end, or the pipeline never does. */
static void
on_no_more_pads (GstElement *dec, gpointer data)
{
  Session *s = data;
  const char *branches[] = { "video", "audio" };
  for (guint i = 0; i < G_N_ELEMENTS (branches); i++)
    {
      g_autoptr (GstElement) q = gst_bin_get_by_name (GST_BIN (s->pipeline), branches[i]);
      g_autoptr (GstPad) sink = q ? gst_element_get_static_pad (q, "sink") : NULL;
      if (sink && !gst_pad_is_linked (sink))
        gst_pad_send_event (sink, gst_event_new_eos ());
    }
}

/* The thread half of a session's end: the recording becomes an ordinary
 * video, then live.ended names it. */
static void
finish_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  Session *s = data;
  ReelLiveIngest *li = s->li;
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL, *key = NULL, *title = NULL;
  g_autoptr (GDateTime) when = g_date_time_new_from_unix_utc (s->started_real / G_USEC_PER_SEC);
  GStatBuf st;

  if (g_stat (s->recording, &st) == 0 && st.st_size > 0)
    {
      g_autofree char *day = g_date_time_format (when, "%Y-%m-%d %H:%M UTC");
      ReelVideoDraft d = { s->channel, NULL, "", "live.ts", (guint64)st.st_size };
      d.title = title = g_strdup_printf ("Live %s", day);
      if (!reel_videos_create (li->bus, &d, li->cfg->upload_max, &id, NULL, &error))
        g_warning ("live: %s's recording cannot become a video: %s", s->channel, error->message);
      else
        {
          key = reel_videos_original_key (id);
          if (!reel_blobs_put_file (li->blobs, key, s->recording, &error)
              || !reel_ingest_enqueue (li->bus, id, key, &error)
              || !reel_videos_mark_uploaded (li->bus, id, s->channel, key, (guint64)st.st_size,
                                             NULL, &error))
            {
              g_warning ("live: cannot store %s's recording: %s", s->channel, error->message);
              g_clear_error (&error);
              reel_ingest_fail_video (li->bus, id, "the live recording could not be stored", NULL);
            }
        }
    }
  g_clear_error (&error);
  if (!reel_live_publish_ended (li->bus, s->channel, s->session, id, &error))
    g_warning ("live: cannot record the end of %s's session: %s", s->channel, error->message);
  g_unlink (s->recording);
  g_task_return_boolean (task, TRUE);
}

static void
finish_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Session *s = g_task_get_task_data (G_TASK (res));
  s->li->finishing--;
  session_free (s);
}

/* Stops a session's pipeline (main context); a session that streamed is
 * handed to the upload path on a thread. */
static void
end_session (Session *s)
{
  ReelLiveIngest *li = s->li;
  g_autoptr (GTask) task = NULL;
  g_hash_table_steal (li->sessions, s->channel);
  gst_bus_remove_watch (GST_ELEMENT_BUS (s->pipeline));
  gst_element_set_state (s->pipeline, GST_STATE_NULL);
  g_clear_object (&s->pipeline);
  if (!g_atomic_int_get (&s->started))
    {
      g_unlink (s->recording);
      session_free (s);
      return;
    }
  reel_metrics_add ("reel_live_sessions", NULL, -1);
  g_message ("live: %s's session %s ended", s->channel, s->session);
  li->finishing++;
  task = g_task_new (NULL, NULL, finish_done, NULL);
  g_task_set_task_data (task, s, NULL);
  g_task_run_in_thread (task, finish_thread);
}

static gboolean
on_bus (GstBus *bus, GstMessage *m, gpointer data)
{
  Session *s = data;
  switch (GST_MESSAGE_TYPE (m))
    {
    case GST_MESSAGE_EOS:
      end_session (s);
      return G_SOURCE_REMOVE;
    case GST_MESSAGE_ERROR:
      {
        g_autoptr (GError) error = NULL;
        g_autofree char *dbg = NULL;
        gst_message_parse_error (m, &error, &dbg);
        g_warning ("live: %s's %s failed: %s", s->channel,
                   g_atomic_int_get (&s->started) ? "stream" : "listener", error->message);
        g_debug ("live pipeline error detail: %s", dbg ? dbg : "");
        if (!g_atomic_int_get (&s->started))
          {
            gint64 *when = g_new (gint64, 1);
            *when = g_get_monotonic_time ();
            g_hash_table_insert (s->li->failed, g_strdup (s->channel), when);
          }
        end_session (s);
        return G_SOURCE_REMOVE;
      }
    default:
      return G_SOURCE_CONTINUE;
    }
}

static void
start_session (ReelLiveIngest *li, const char *channel, guint slot)
{
  Session *s = g_new0 (Session, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL, *file = NULL;
  g_autoptr (GstElement) srt = NULL, dec = NULL, ladder = NULL;
  g_autoptr (GstPad) ladder_sink = NULL;

  s->li = li;
  s->channel = g_strdup (channel);
  s->slot = slot;
  s->session = g_uuid_string_random ();
  file = g_strdup_printf ("live-%s-%s.ts", channel, s->session);
  s->recording = g_build_filename (li->work_dir, file, NULL);
  line = ingest_line (li, s, &error);
  if (line)
    s->pipeline = gst_parse_launch_full (line, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (!s->pipeline)
    {
      g_warning ("live: cannot build %s's listener: %s", channel, error->message);
      session_free (s);
      return;
    }
  srt = gst_bin_get_by_name (GST_BIN (s->pipeline), "srt");
  dec = gst_bin_get_by_name (GST_BIN (s->pipeline), "dec");
  ladder = gst_bin_get_by_name (GST_BIN (s->pipeline), "ladder");
  ladder_sink = gst_element_get_static_pad (ladder, "sink");
  g_signal_connect (srt, "caller-connecting", G_CALLBACK (on_caller_connecting), s);
  g_signal_connect (dec, "no-more-pads", G_CALLBACK (on_no_more_pads), s);
  g_signal_connect (dec, "deep-element-added", G_CALLBACK (on_element_added), NULL);
  gst_pad_add_probe (ladder_sink, GST_PAD_PROBE_TYPE_BUFFER, stamp_arrival, li, NULL);
  gst_bus_add_watch (GST_ELEMENT_BUS (s->pipeline), on_bus, s);
  g_hash_table_insert (li->sessions, s->channel, s);
  /* The port, not the line: the line holds the NATS token. */
  g_debug ("live: %s listens on SRT port %u", channel, li->cfg->live_srt_port + slot);
  gst_element_set_state (s->pipeline, GST_STATE_PLAYING);
}

/* Every channel with a key has a listener (unless its slot is beyond
 * live.max_channels or it failed a moment ago). */
static gboolean
scan (gpointer data)
{
  ReelLiveIngest *li = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) channels = reel_live_channels (li->store, &error);
  if (!channels)
    {
      g_warning ("live: cannot read the live channels: %s", error->message);
      return G_SOURCE_CONTINUE;
    }
  for (guint i = 0; i < channels->len; i++)
    {
      JsonObject *rec = channels->pdata[i];
      const char *channel = json_object_get_string_member (rec, "channel");
      gint64 slot = json_object_get_int_member_with_default (rec, "slot", -1);
      gint64 *failed = g_hash_table_lookup (li->failed, channel);
      if (slot < 0 || slot >= li->cfg->live_max_channels
          || (guint)slot + li->cfg->live_srt_port > G_MAXUINT16
          || g_hash_table_contains (li->sessions, channel)
          || (failed && g_get_monotonic_time () - *failed < RETRY_AFTER_US))
        continue;
      start_session (li, channel, (guint)slot);
    }
  return G_SOURCE_CONTINUE;
}

ReelLiveIngest *
reel_live_ingest_start (const ReelConfig *cfg, ReelBus *bus, ReelStore *store, ReelBlobs *blobs)
{
  ReelLiveIngest *li = g_new0 (ReelLiveIngest, 1);
  g_autoptr (GError) error = NULL;
  li->cfg = cfg;
  li->bus = bus;
  li->store = store;
  li->blobs = blobs;
  li->work_dir = reel_config_data_path (cfg, "work");
  g_mkdir_with_parents (li->work_dir, 0700);
  li->sessions = g_hash_table_new (g_str_hash, g_str_equal);
  li->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  li->unix_ref = gst_caps_new_empty_simple ("timestamp/x-unix");
  /* The config parser has checked the ladder. */
  if (!reel_ladder_parse (cfg->live_ladder, &li->ladder, &error))
    g_error ("live.ladder: %s", error->message);
  reel_metrics_declare ("reel_live_sessions", REEL_METRIC_GAUGE,
                        "Live streams this node is ingesting now");
  scan (li);
  li->scan = g_timeout_add (SCAN_INTERVAL_MS, scan, li);
  return li;
}

void
reel_live_ingest_stop (ReelLiveIngest *li)
{
  GHashTableIter it;
  gpointer value;
  if (!li)
    return;
  g_source_remove (li->scan);
  /* Streams in progress end here: their recordings still become videos. */
  while (g_hash_table_size (li->sessions))
    {
      g_hash_table_iter_init (&it, li->sessions);
      g_hash_table_iter_next (&it, NULL, &value);
      end_session (value);
    }
  while (li->finishing)
    g_main_context_iteration (NULL, TRUE);
  g_hash_table_unref (li->sessions);
  g_hash_table_unref (li->failed);
  g_array_unref (li->ladder);
  gst_caps_unref (li->unix_ref);
  g_free (li->work_dir);
  g_free (li);
}
