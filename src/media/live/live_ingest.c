/* See live_ingest.h. */
#include "media/live/live_ingest.h"
#include "app/live/live.h"
#include "app/video/lifecycle.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/metrics.h"
#include "core/json.h"
#include "media/child.h"
#include "media/pipeline.h"
#include "media/plan.h"
#include "store/blob_keys.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <signal.h>
#include <unistd.h>

/* How often the channel list is read for new stream keys. */
#define SCAN_INTERVAL_MS 1000
/* A listener that failed (its port taken, say) is retried after this. */
#define RETRY_AFTER_US (10 * G_USEC_PER_SEC)
/* A session's child writes a line every second; one silent this long is
 * wedged and is killed (a stream it had started still becomes a video). */
#define SILENCE_US (30 * G_USEC_PER_SEC)
/* Stopping reeld: children get SIGTERM, then this long to end cleanly. */
#define STOP_GRACE_US (10 * G_USEC_PER_SEC)

struct ReelLiveIngest
{
  const ReelConfig *cfg;
  ReelBus *bus;
  ReelStore *store;
  ReelBlobs *blobs;
  char *work_dir;
  GHashTable *sessions; /* channel -> Session (listening or streaming) */
  GHashTable *failed;   /* channel -> gint64* monotonic time of the last failure */
  guint scan;
  guint finishing; /* sessions being handed to the upload path */
  guint deciding;  /* callers being checked on a thread */
};

/* One listener and its session, run by a reel-media child (op "live"):
 * the MPEG-TS a caller sends is decoded there, never in reeld. Shared by
 * the main context, the child's line reader and the caller check on a
 * thread: reference counted. */
typedef struct
{
  gint ref;
  ReelLiveIngest *li;
  char *channel;
  guint slot;
  char *session;
  char *recording;
  GSubprocess *child;
  int talk_fd; /* answers to the child's questions */
  GDataInputStream *lines;
  GCancellable *cancel;
  gint64 last_line; /* monotonic, µs: the child's last sign of life */
  guint watchdog;
  guint deciding;      /* caller checks in flight (main context) */
  gboolean exited;     /* the child ended while a check was in flight */
  gint started;        /* atomic: a caller was accepted and live.started published */
  gint64 started_real; /* wall clock of the acceptance, µs */
  char *failure;       /* the child's last error */
} Session;

static Session *
session_ref (Session *s)
{
  g_atomic_int_inc (&s->ref);
  return s;
}

static void
session_unref (Session *s)
{
  if (!g_atomic_int_dec_and_test (&s->ref))
    return;
  if (s->talk_fd >= 0)
    close (s->talk_fd);
  g_clear_object (&s->lines);
  g_clear_object (&s->cancel);
  g_clear_object (&s->child);
  g_free (s->channel);
  g_free (s->session);
  g_free (s->recording);
  g_free (s->failure);
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
  for (guint i = 0; i < li->cfg->live_ladder.rungs->len; i++)
    {
      ReelRung *r = &g_array_index (li->cfg->live_ladder.rungs, ReelRung, i);
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
  g_hash_table_insert (v, "rungs", g_strdup (li->cfg->live_ladder.text));
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

/* A thread, while the child holds the caller's SRT handshake: only the
 * channel's key gets in, and only one caller per session. Accepting starts
 * the session before any of its data can reach the stream. */
static gboolean
caller_allowed (Session *s, const char *stream_id)
{
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
  rungs = reel_ladder_to_json (li->cfg->live_ladder.rungs);
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

static void
decide_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  Session *s = g_object_get_data (G_OBJECT (task), "session");
  const char *stream_id = data;
  g_autoptr (JsonObject) answer = json_object_new ();
  g_autoptr (GError) error = NULL;

  json_object_set_boolean_member (answer, "accept", caller_allowed (s, stream_id));
  if (!reel_media_child_answer (s->talk_fd, answer, &error))
    g_warning ("live: %s: %s", s->channel, error->message);
  g_task_return_boolean (task, TRUE);
}

static void end_session (Session *s);

static void
decide_done (GObject *source, GAsyncResult *res, gpointer data)
{
  Session *s = data;
  s->li->deciding--;
  s->deciding--;
  if (s->exited && !s->deciding)
    end_session (s);
  session_unref (s);
}

/* The child asks whether the caller with stream_id may stream. */
static void
decide (Session *s, const char *stream_id)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, decide_done, session_ref (s));
  g_object_set_data (G_OBJECT (task), "session", s);
  g_task_set_task_data (task, g_strdup (stream_id), g_free);
  s->deciding++;
  s->li->deciding++;
  g_task_run_in_thread (task, decide_thread);
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
          key = reel_blob_key_original (id);
          if (!reel_blobs_put_file (li->blobs, key, s->recording, &error)
              || !reel_lifecycle_accept_original (li->bus, id, s->channel, (guint64)st.st_size,
                                                  NULL, &error))
            {
              g_warning ("live: cannot store %s's recording: %s", s->channel, error->message);
              g_clear_error (&error);
              reel_lifecycle_fail (li->bus, id, "the live recording could not be stored", NULL);
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
  session_unref (s);
}

/* After the session's child ended (main context): a session that streamed
 * is handed to the upload path on a thread; a listener that failed before
 * anyone streamed is retried after a while. */
static void
end_session (Session *s)
{
  ReelLiveIngest *li = s->li;
  g_autoptr (GTask) task = NULL;
  if (s->deciding)
    {
      s->exited = TRUE; /* decide_done ends it */
      return;
    }
  g_cancellable_cancel (s->cancel);
  g_clear_handle_id (&s->watchdog, g_source_remove);
  if (g_hash_table_lookup (li->sessions, s->channel) == s)
    g_hash_table_remove (li->sessions, s->channel);
  if (g_subprocess_get_if_signaled (s->child))
    g_warning ("live: %s's ingest process died (signal %d, %s)", s->channel,
               g_subprocess_get_term_sig (s->child),
               g_strsignal (g_subprocess_get_term_sig (s->child)));
  if (!g_atomic_int_get (&s->started))
    {
      if (s->failure || !g_subprocess_get_if_exited (s->child))
        {
          gint64 *when = g_new (gint64, 1);
          *when = g_get_monotonic_time ();
          g_warning ("live: %s's listener failed: %s", s->channel,
                     s->failure ? s->failure : "its process died");
          g_hash_table_insert (li->failed, g_strdup (s->channel), when);
        }
      g_unlink (s->recording);
      session_unref (s);
      return;
    }
  if (s->failure)
    g_warning ("live: %s's stream failed: %s", s->channel, s->failure);
  reel_metrics_add ("reel_live_sessions", NULL, -1);
  g_message ("live: %s's session %s ended", s->channel, s->session);
  li->finishing++;
  task = g_task_new (NULL, NULL, finish_done, NULL);
  g_task_set_task_data (task, s, NULL);
  g_task_run_in_thread (task, finish_thread);
}

static void
on_child_exit (GObject *source, GAsyncResult *res, gpointer data)
{
  Session *s = data;
  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  end_session (s); /* takes over the reference */
}

static void read_next (Session *s);

/* One line of the session's child: a sign of life, a question about a
 * caller, or its end. */
static void
on_line (GObject *source, GAsyncResult *res, gpointer data)
{
  Session *s = data;
  g_autofree char *line
      = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, NULL, NULL);
  g_autoptr (JsonObject) o = line ? reel_json_parse_object (line, strlen (line), NULL) : NULL;
  JsonNode *caller = o ? json_object_get_member (o, "caller") : NULL;
  JsonNode *err = o ? json_object_get_member (o, "error") : NULL;

  if (!line)
    {
      session_unref (s);
      return;
    }
  s->last_line = g_get_monotonic_time ();
  if (caller && JSON_NODE_HOLDS_OBJECT (caller))
    {
      const char *id
          = reel_json_get_string (json_node_get_object (caller), "stream_id", FALSE, NULL);
      decide (s, id ? id : "");
    }
  if (err && JSON_NODE_HOLDS_OBJECT (err))
    {
      const char *message
          = reel_json_get_string (json_node_get_object (err), "message", FALSE, NULL);
      g_free (s->failure);
      s->failure = g_strdup (message ? message : "failed");
    }
  read_next (s);
  session_unref (s);
}

static void
read_next (Session *s)
{
  g_data_input_stream_read_line_async (s->lines, G_PRIORITY_DEFAULT, s->cancel, on_line,
                                       session_ref (s));
}

/* A child that falls silent is killed; its end follows as usual. */
static gboolean
watchdog (gpointer data)
{
  Session *s = data;
  if (g_get_monotonic_time () - s->last_line > SILENCE_US)
    {
      g_warning ("live: %s's ingest process stopped answering; killed", s->channel);
      g_subprocess_force_exit (s->child);
    }
  return G_SOURCE_CONTINUE;
}

static void
start_session (ReelLiveIngest *li, const char *channel, guint slot)
{
  Session *s = g_new0 (Session, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) request = json_object_new ();
  g_autofree char *line = NULL, *file = NULL;

  s->ref = 1;
  s->li = li;
  s->talk_fd = -1;
  s->channel = g_strdup (channel);
  s->slot = slot;
  s->session = g_uuid_string_random ();
  file = g_strdup_printf ("live-%s-%s.ts", channel, s->session);
  s->recording = g_build_filename (li->work_dir, file, NULL);
  line = ingest_line (li, s, &error);
  if (line)
    {
      json_object_set_string_member (request, "op", "live");
      json_object_set_string_member (request, "line", line);
      s->child = reel_media_child_start (request, (guint64)li->cfg->memory_limit_mb << 20,
                                         &s->talk_fd, &error);
    }
  if (!s->child)
    {
      g_warning ("live: cannot start %s's listener: %s", channel, error->message);
      session_unref (s);
      return;
    }
  s->cancel = g_cancellable_new ();
  s->lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->child));
  s->last_line = g_get_monotonic_time ();
  s->watchdog = g_timeout_add_seconds (1, watchdog, s);
  g_hash_table_insert (li->sessions, s->channel, s);
  read_next (s);
  g_subprocess_wait_async (s->child, NULL, on_child_exit, s); /* the table's reference */
  /* The port, not the line: the line holds the NATS token. */
  g_debug ("live: %s listens on SRT port %u", channel, li->cfg->live_srt_port + slot);
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
  li->cfg = cfg;
  li->bus = bus;
  li->store = store;
  li->blobs = blobs;
  li->work_dir = reel_config_data_path (cfg, "work");
  g_mkdir_with_parents (li->work_dir, 0700);
  li->sessions = g_hash_table_new (g_str_hash, g_str_equal);
  li->failed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
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
  gint64 deadline = g_get_monotonic_time () + STOP_GRACE_US;
  if (!li)
    return;
  g_source_remove (li->scan);
  /* Streams in progress end here (each child ends its pipeline cleanly on
   * SIGTERM): their recordings still become videos. */
  g_hash_table_iter_init (&it, li->sessions);
  while (g_hash_table_iter_next (&it, NULL, &value))
    g_subprocess_send_signal (((Session *)value)->child, SIGTERM);
  while (g_hash_table_size (li->sessions) || li->finishing || li->deciding)
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_hash_table_iter_init (&it, li->sessions);
          while (g_hash_table_iter_next (&it, NULL, &value))
            g_subprocess_force_exit (((Session *)value)->child);
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  g_hash_table_unref (li->sessions);
  g_hash_table_unref (li->failed);
  g_free (li->work_dir);
  g_free (li);
}
