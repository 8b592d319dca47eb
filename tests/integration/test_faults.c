/* Fault injection (issue 11, suite `fault`, not in the default run): reeld
 * and its embedded nats-server are SIGKILLed at random points while three
 * small videos are ingested and transcoded, over many trials, and then
 * nothing may be lost, duplicated or left behind.
 *
 *   /faults/kill-while-transcoding  per trial: a fresh data directory, a
 *       user, three uploads (acknowledged before the first kill), then one
 *       to three kills, each after a random delay, of reeld (its server gets
 *       SIGTERM as reeld dies), of nats-server alone (reeld restarts it), or
 *       of both at once; reeld is started again after each kill of it. After
 *       the last one, with reeld running undisturbed:
 *         - every video is ready, and ffmpeg decodes its master.m3u8 to the
 *           end without an error;
 *         - its owner has exactly one video_ready notification per video;
 *         - the blob store holds exactly the files the chunk tables name
 *           (plus each original, poster and storyboard): no stray segment, no missing
 *           one, no *.tmp-* left by an interrupted write;
 *         - the LMDB dump equals the one after `reeld --rebuild`.
 *
 * The random choices come from one seeded PRNG; the seed is printed, and
 * REEL_FAULT_SEED=N repeats a run exactly as far as the choices go (the
 * timing of the machine is never exactly the same). REEL_FAULT_TRIALS=N
 * changes the number of trials (default 15). */
#include "harness.h"
#include "replay.h"

#include <signal.h>

static const char *PASSWORD = "correct horse battery";

#define VIDEOS 3
#define DEFAULT_TRIALS 15
/* Kills per trial, and the longest wait before one: the three videos take
 * a few seconds to process here, so kills land in ingest, in transcoding,
 * in assembly, during a restart's replay and after everything is done. */
#define MAX_KILLS 3
#define MAX_DELAY_MS 4000
/* Generous: a loaded 2-core machine after three crashes. */
#define READY_TIMEOUT_S 180

typedef enum
{
  KILL_REELD,
  KILL_NATS,
  KILL_BOTH,
} Target;

static const char *const target_names[] = { "reeld", "nats-server", "reeld and nats-server" };

/* 4 s at 320x240 with sound: one chunk per second. */
static char *
make_clip (const char *dir, guint n)
{
  g_autofree char *name = g_strdup_printf ("clip%u.mp4", n);
  g_autofree char *pipeline = g_strdup_printf (
      "videotestsrc pattern=%u num-buffers=120 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast key-int-max=30 ! mp4mux name=m ! filesink location=%%s "
      "audiotestsrc wave=sine freq=%u samplesperbuffer=960 num-buffers=200 "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.",
      n == 0 ? 18 : n, 440 + 110 * n);
  return reel_test_make_media (dir, name, pipeline);
}

/* Short chunks (many jobs, many kill points), two small rungs, a fast
 * preset; a short ack wait so a dead worker's job comes back quickly, and
 * attempts to spare: a kill while a job runs costs that job an attempt. */
static char *
write_config (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "reeld.conf", NULL);
  const char *text = "[media]\nsegment_seconds = 1\nchunk_segments = 1\nx264_preset = ultrafast\n"
                     "ladder = 240p:240:400,120p:120:150\n"
                     "[jobs]\nack_wait_seconds = 5\nmax_attempts = 10\n";
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return g_steal_pointer (&path);
}

/* The embedded nats-server's pid, when the pid file names a live
 * nats-server of this data directory (0 otherwise: not started yet, or
 * gone). */
static int
nats_pid (const char *data_dir)
{
  g_autofree char *pid_file = g_build_filename (data_dir, "nats", "nats-server.pid", NULL);
  g_autofree char *text = NULL, *cmdline_path = NULL, *cmdline = NULL;
  gsize len = 0;
  int pid;
  if (!g_file_get_contents (pid_file, &text, NULL, NULL) || (pid = atoi (text)) <= 1)
    return 0;
  cmdline_path = g_strdup_printf ("/proc/%d/cmdline", pid);
  if (!g_file_get_contents (cmdline_path, &cmdline, &len, NULL))
    return 0;
  for (gsize i = 0; i + 1 < len; i++)
    if (!cmdline[i])
      cmdline[i] = ' ';
  return strstr (cmdline, "nats-server") && strstr (cmdline, data_dir) ? pid : 0;
}

static ReelTestReeld *
spawn (const char *dir, const char *config_arg)
{
  const char *args[] = { config_arg, NULL };
  return reel_test_reeld_spawn_args (dir, NULL, NULL, args);
}

/* Kills what target names; returns the reeld to carry on with (a new one
 * when reeld died). *what says what was killed. */
static ReelTestReeld *
kill_target (ReelTestReeld *d, Target target, const char *config_arg, const char **what)
{
  g_autofree char *dir = g_strdup (d->data_dir);
  int server = nats_pid (dir);
  *what = target_names[target];
  if (target != KILL_REELD && server)
    g_assert_cmpint (kill (server, SIGKILL), ==, 0);
  if (target == KILL_NATS && server)
    return d;
  if (target != KILL_REELD && !server)
    *what = "reeld (its nats-server was not up)";
  /* reeld (also when its server was not up yet to be killed alone). */
  g_subprocess_send_signal (d->proc, SIGKILL);
  reel_test_reeld_wait_killed (d);
  reel_test_reeld_free (d);
  return spawn (dir, config_arg);
}

/* The user's video_ready notifications, by video id. */
static GHashTable *
ready_notifications (guint16 port, const char *token)
{
  GHashTable *count = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *cursor = NULL;
  do
    {
      g_autofree char *path
          = cursor ? g_strdup_printf ("/api/v1/notifications?limit=100&cursor=%s", cursor)
                   : g_strdup ("/api/v1/notifications?limit=100");
      g_autoptr (ReelTestResponse) r = reel_test_http (port, "GET", path, token, NULL, 0);
      JsonObject *page;
      JsonArray *items;
      g_assert_cmpuint (r->status, ==, 200);
      page = json_node_get_object (r->json);
      items = json_object_get_array_member (page, "items");
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *n = json_array_get_object_element (items, i);
          const char *id = json_object_get_string_member_with_default (n, "video_id", NULL);
          if (!g_str_equal (json_object_get_string_member (n, "type"), "video_ready"))
            continue;
          g_hash_table_insert (
              count, g_strdup (id),
              GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (count, id)) + 1));
        }
      g_clear_pointer (&cursor, g_free);
      if (json_object_has_member (page, "next_cursor")
          && !json_object_get_null_member (page, "next_cursor"))
        cursor = g_strdup (json_object_get_string_member (page, "next_cursor"));
    }
  while (cursor);
  return count;
}

/* Waits (bounded) until every video has a video_ready notification. */
static void
wait_notified (guint16 port, const char *token, char **ids)
{
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_S * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr (GHashTable) n = ready_notifications (port, token);
      guint have = 0;
      for (guint i = 0; i < VIDEOS; i++)
        have += g_hash_table_contains (n, ids[i]);
      if (have == VIDEOS)
        return;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }
}

/* Waits until the core projection has applied the whole event log, and the
 * log stopped growing. */
static void
wait_settled (guint16 port, const char *dir)
{
  g_autofree char *url = reel_test_embedded_nats_url (dir);
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_S * G_USEC_PER_SEC;
  guint64 before = G_MAXUINT64;
  for (;;)
    {
      guint64 last = reel_test_stream_last_seq (url, "REEL_EVENTS");
      double applied
          = reel_test_metric (port, "reel_projection_applied_sequence{projection=\"core\"}");
      if (last == before && applied >= (double)last)
        return;
      before = last;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (500 * 1000);
    }
}

/* The jobs beside the transcode (poster, storyboard) may end after the
 * video is ready: waits until the record names what they made. */
static void
wait_extras (guint16 port, const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
  gint64 deadline = g_get_monotonic_time () + READY_TIMEOUT_S * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr (ReelTestResponse) r = reel_test_http (port, "GET", path, NULL, NULL, 0);
      JsonObject *o = r->json ? json_node_get_object (r->json) : NULL;
      if (o && json_object_has_member (o, "thumbnail_small")
          && json_object_has_member (o, "storyboard"))
        return;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (200 * 1000);
    }
}

/* ffmpeg decodes everything master.m3u8 names, without a word. */
static void
assert_decodes (guint16 port, const char *id)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/master.m3u8", port, id);
  reel_test_assert_decodes (url);
}

/* mdb_dump -p's printable form back to bytes: "\\" and "\xx" escapes. */
static char *
unprint (const char *line)
{
  GString *out = g_string_new (NULL);
  for (const char *p = line; *p; p++)
    {
      if (*p == '\\' && p[1] == '\\')
        g_string_append_c (out, *++p);
      else if (*p == '\\' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]))
        {
          g_string_append_c (
              out, (char)(g_ascii_xdigit_value (p[1]) * 16 + g_ascii_xdigit_value (p[2])));
          p += 2;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* Adds the blob keys one chunk-table rendition names: its init segment and
 * its media segments. */
static void
add_rendition (GHashTable *keys, const char *video, JsonObject *r)
{
  const char *name = json_object_get_string_member (r, "name");
  JsonArray *durations = json_object_get_array_member (r, "durations_ns");
  gint64 first = json_object_get_int_member (r, "first_segment");
  if (json_object_has_member (r, "init"))
    g_hash_table_add (keys, g_strdup_printf ("videos/%s/%s/%s", video, name,
                                             json_object_get_string_member (r, "init")));
  for (guint i = 0; i < json_array_get_length (durations); i++)
    g_hash_table_add (
        keys, g_strdup_printf ("videos/%s/%s/%" G_GINT64_FORMAT ".m4s", video, name, first + i));
}

/* Every segment blob the chunk tables of the LMDB in data_dir name. */
static GHashTable *
chunk_table_keys (const char *data_dir)
{
  g_autofree char *lmdb = g_build_filename (data_dir, "lmdb", NULL);
  const char *argv[] = { "mdb_dump", "-p", "-s", "chunks", lmdb, NULL };
  GHashTable *keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int status;
  g_autofree char *out = reel_test_run (argv, &status);
  g_auto (GStrv) lines = NULL;
  gboolean data = FALSE, value = FALSE;
  g_assert_cmpint (status, ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr (JsonParser) parser = NULL;
      g_autofree char *json = NULL;
      JsonObject *rec;
      const char *video;
      if (!data)
        {
          data = g_str_equal (lines[i], "HEADER=END");
          continue;
        }
      if (g_str_equal (lines[i], "DATA=END"))
        break;
      /* Key and value lines alternate; the values are the records. */
      value = !value;
      if (value)
        continue;
      value = FALSE;
      json = unprint (lines[i] + 1);
      parser = json_parser_new ();
      g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
      rec = json_node_get_object (json_parser_get_root (parser));
      video = json_object_get_string_member (rec, "video_id");
      if (json_object_has_member (rec, "rendition"))
        add_rendition (keys, video, json_object_get_object_member (rec, "rendition"));
      else
        {
          JsonArray *rs = json_object_get_array_member (rec, "renditions");
          for (guint j = 0; j < json_array_get_length (rs); j++)
            add_rendition (keys, video, json_array_get_object_element (rs, j));
        }
    }
  return keys;
}

/* The blob store holds exactly the chunk tables' segments, the originals
 * and the posters of videos: nothing missing, nothing more. */
static void
assert_blobs_exact (const char *data_dir, char **ids)
{
  g_autoptr (GHashTable) expected = chunk_table_keys (data_dir);
  g_autofree char *blobs = g_build_filename (data_dir, "blobs", NULL);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) stray = g_string_new (NULL);
  for (guint i = 0; i < VIDEOS; i++)
    {
      g_hash_table_add (expected, g_strdup_printf ("originals/%s", ids[i]));
      g_hash_table_add (expected, g_strdup_printf ("videos/%s/poster.jpg", ids[i]));
      /* The small poster and the storyboard (media/thumbnail.h, storyboard.h). */
      g_hash_table_add (expected, g_strdup_printf ("videos/%s/poster-small.jpg", ids[i]));
      g_hash_table_add (expected, g_strdup_printf ("videos/%s/storyboard.jpg", ids[i]));
      g_hash_table_add (expected, g_strdup_printf ("videos/%s/storyboard.vtt", ids[i]));
    }
  reel_test_list_files (blobs, files);
  for (guint i = 0; i < files->len; i++)
    if (!g_hash_table_remove (expected, files->pdata[i]))
      g_string_append_printf (stray, " %s", (char *)files->pdata[i]);
  if (stray->len)
    g_error ("files in the blob store that no chunk table names:%s", stray->str);
  if (g_hash_table_size (expected))
    {
      g_autoptr (GString) missing = g_string_new (NULL);
      GHashTableIter it;
      gpointer key;
      g_hash_table_iter_init (&it, expected);
      while (g_hash_table_iter_next (&it, &key, NULL))
        g_string_append_printf (missing, " %s", (char *)key);
      g_error ("files the chunk tables name that the blob store lacks:%s", missing->str);
    }
}

static void
run_trial (GRand *rand, guint trial, char **clips)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *config = write_config (dir);
  g_autofree char *config_arg = g_strdup_printf ("--config=%s", config);
  const char *args[] = { config_arg, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token = reel_test_register_login (d->port, "faulty", PASSWORD);
  g_autoptr (GHashTable) notified = NULL;
  g_autoptr (GString) plan = g_string_new (NULL);
  char *ids[VIDEOS + 1] = { NULL };
  guint kills = (guint)g_rand_int_range (rand, 1, MAX_KILLS + 1);

  for (guint i = 0; i < VIDEOS; i++)
    {
      g_autofree char *title = g_strdup_printf ("trial %u video %u", trial, i);
      ids[i] = reel_test_upload (d->port, token, clips[i], title);
    }
  for (guint k = 0; k < kills; k++)
    {
      guint delay = (guint)g_rand_int_range (rand, 0, MAX_DELAY_MS + 1);
      Target target = (Target)g_rand_int_range (rand, KILL_REELD, KILL_BOTH + 1);
      const char *what;
      g_usleep ((gulong)delay * 1000);
      d = kill_target (d, target, config_arg, &what);
      g_string_append_printf (plan, "%s%s after %u ms", k ? ", " : "", what, delay);
    }
  g_test_message ("trial %u: killed %s", trial, plan->str);

  g_assert_true (reel_test_reeld_wait_ready (d, READY_TIMEOUT_S * 1000));
  for (guint i = 0; i < VIDEOS; i++)
    {
      g_autoptr (ReelTestResponse) v
          = reel_test_wait_state (d->port, ids[i], "ready|failed", READY_TIMEOUT_S);
      if (!g_str_equal (reel_test_json_str (v, "state"), "ready"))
        g_error ("trial %u: video %s is %s: %s", trial, ids[i], reel_test_json_str (v, "state"),
                 v->body);
      assert_decodes (d->port, ids[i]);
      wait_extras (d->port, ids[i]);
    }
  /* The projector announces a video ready after the commit that made it
   * so, and the notification follows from that event: count once every
   * video has one and the projection has applied the whole log. */
  wait_notified (d->port, token, ids);
  wait_settled (d->port, dir);
  notified = ready_notifications (d->port, token);
  for (guint i = 0; i < VIDEOS; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (notified, ids[i])), ==, 1);
  g_assert_cmpuint (g_hash_table_size (notified), ==, VIDEOS);

  /* Its LMDB is what a --rebuild from its embedded log writes. */
  g_free (reel_test_stop_rebuild_same (d, NULL, config));
  assert_blobs_exact (dir, ids);
  for (guint i = 0; i < VIDEOS; i++)
    g_free (ids[i]);
  reel_test_rmtree (dir);
}

static void
test_kill_while_transcoding (void)
{
  const char *seed_env = g_getenv ("REEL_FAULT_SEED");
  const char *trials_env = g_getenv ("REEL_FAULT_TRIALS");
  guint32 seed = seed_env ? (guint32)g_ascii_strtoull (seed_env, NULL, 10) : g_random_int ();
  guint trials = trials_env ? (guint)g_ascii_strtoull (trials_env, NULL, 10) : DEFAULT_TRIALS;
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autofree char *media = reel_test_tmpdir ();
  char *clips[VIDEOS + 1] = { NULL };

  g_test_message ("fault seed %u (REEL_FAULT_SEED=%u repeats it), %u trials", seed, seed, trials);
  for (guint i = 0; i < VIDEOS; i++)
    clips[i] = make_clip (media, i);
  for (guint t = 0; t < trials; t++)
    run_trial (rand, t, clips);
  for (guint i = 0; i < VIDEOS; i++)
    g_free (clips[i]);
  reel_test_rmtree (media);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/faults/kill-while-transcoding", test_kill_while_transcoding);
  return g_test_run ();
}
