/* A multi-node cluster on loopback (issue 15, acceptance 2): three
 * nats-server processes clustered with each other (every reel stream and
 * the user key bucket at three replicas), one s3rver for the blobs, and
 * four reeld processes with their own data directories and no shared disk:
 *
 *   A   --roles=api,projector,ingest
 *   B   --roles=api,projector
 *   W1  --roles=worker
 *   W2  --roles=worker
 *
 *   /cluster/ready     a tus upload through A becomes ready; B, which never
 *                      saw a byte of it, answers its record, serves its
 *                      playlists and the segments (the same bytes as A,
 *                      from the bucket), and ffmpeg decodes B's
 *                      master.m3u8 and manifest.mpd; both workers' and
 *                      both API nodes' DATA_DIR/blobs stay empty; the
 *                      streams really have three replicas; the event
 *                      log validates against its schemas; once both
 *                      projections have applied the whole log, their LMDB
 *                      dumps are identical.
 *   /cluster/tus-resume a tus upload through A, whose second PATCH is cut
 *                      off mid-body, resumes on B at the offset B reports
 *                      (which includes the bytes A got before the cut),
 *                      finishes there and becomes ready; the original in
 *                      the bucket (awscli) has the checksum of the file
 *                      sent; the partial upload never was a file under A's
 *                      DATA_DIR/uploads, and its pieces are gone from the
 *                      bucket afterwards.
 *   /cluster/faults    (acceptance 3) while four videos transcode, W1 is
 *                      SIGKILLed mid-chunk, one nats-server is SIGKILLed
 *                      for good, and A is SIGKILLed right after its last
 *                      upload was answered (and restarted, as systemd
 *                      would: it is the only ingest node): every video
 *                      becomes ready, B shows exactly one video_ready
 *                      notification for each, and ffmpeg decodes each from
 *                      B. */
#include "harness.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#define BUCKET "reel-cluster"
#define NATS_NODES 3
#define SEGMENT_S 2
#define CHUNK_SEGMENTS 2
#define READY_TIMEOUT_S 300
/* A clustered JetStream elects its meta leader within seconds; generous
 * for a loaded machine. */
#define CLUSTER_TIMEOUT_S 45
#define NATS_START_ATTEMPTS 3
#define PASSWORD "correct horse battery"
/* How far behind the log B applies each batch. */
#define B_LAG_MS 400

typedef struct
{
  GSubprocess *proc;
  guint16 port;         /* clients */
  guint16 cluster_port; /* routes between the servers */
  guint16 monitor_port; /* /jsz, to see the meta leader */
  char *dir;
} NatsNode;

typedef struct
{
  NatsNode nats[NATS_NODES];
  char *nats_urls; /* every node, comma-separated, as reeld takes them */
  ReelTestS3 *s3;
  char *media;  /* the clip and the config */
  char *config; /* --config=FILE */
  char *clip;
  char *dir_a, *dir_b, *dir_w1, *dir_w2;
  ReelTestReeld *a, *b, *w1, *w2;
} Cluster;

static void
nats_node_spawn (Cluster *c, guint i)
{
  NatsNode *n = &c->nats[i];
  g_autoptr (GSubprocessLauncher) l = reel_test_launcher (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) routes = g_string_new (NULL);

  for (guint j = 0; j < NATS_NODES; j++)
    if (j != i)
      g_string_append_printf (routes, "%snats://127.0.0.1:%u", routes->len ? "," : "",
                              c->nats[j].cluster_port);
  g_ptr_array_add (argv, g_strdup ("nats-server"));
  g_ptr_array_add (argv, g_strdup ("-js"));
  g_ptr_array_add (argv, g_strdup_printf ("--server_name=n%u", i + 1));
  g_ptr_array_add (argv, g_strdup ("--cluster_name=reel-test"));
  g_ptr_array_add (argv, g_strdup ("-a"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  g_ptr_array_add (argv, g_strdup_printf ("--port=%u", n->port));
  g_ptr_array_add (argv, g_strdup_printf ("--http_port=%u", n->monitor_port));
  g_ptr_array_add (argv, g_strdup_printf ("--cluster=nats://127.0.0.1:%u", n->cluster_port));
  g_ptr_array_add (argv, g_strdup_printf ("--routes=%s", routes->str));
  g_ptr_array_add (argv, g_strdup_printf ("--store_dir=%s", n->dir));
  g_ptr_array_add (argv, g_strdup_printf ("--log=%s/nats.log", n->dir));
  g_ptr_array_add (argv, NULL);
  n->proc = g_subprocess_launcher_spawnv (l, (const char *const *)argv->pdata, &error);
  g_assert_no_error (error);
}

/* Whether node i's JetStream knows the meta leader of a full cluster. */
static gboolean
nats_node_clustered (NatsNode *n)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (n->monitor_port, "GET", "/jsz", NULL, NULL, 0);
  if (r->status != 200 || !r->json)
    return FALSE;
  JsonObject *o = json_node_get_object (r->json);
  JsonObject *meta = json_object_has_member (o, "meta_cluster")
                         ? json_object_get_object_member (o, "meta_cluster")
                         : NULL;
  if (!meta || !json_object_has_member (meta, "leader")
      || !json_object_has_member (meta, "cluster_size"))
    return FALSE;
  const char *leader = json_object_get_string_member (meta, "leader");
  return leader && *leader && json_object_get_int_member (meta, "cluster_size") == NATS_NODES;
}

/* Stops the servers of a start that did not come up, saying why. */
static void
nats_abandon (Cluster *c)
{
  for (guint i = 0; i < NATS_NODES; i++)
    {
      NatsNode *n = &c->nats[i];
      g_autofree char *log_path = g_build_filename (n->dir, "nats.log", NULL);
      g_autofree char *log = NULL;
      g_subprocess_send_signal (n->proc, SIGKILL);
      g_subprocess_wait (n->proc, NULL, NULL);
      g_clear_object (&n->proc);
      if (g_file_get_contents (log_path, &log, NULL, NULL))
        g_printerr ("--- nats-server n%u (port %u, cluster %u) ---\n%s", i + 1, n->port,
                    n->cluster_port, log);
      reel_test_rmtree (n->dir);
      g_clear_pointer (&n->dir, g_free);
    }
}

/* Three servers on fresh ports, waited for until their meta leader is
 * elected. A port picked free may be taken before the server binds it (by
 * any outgoing connection), and an election can stall on a loaded machine:
 * a start that does not come up is logged and tried again on new ports. */
static gboolean
nats_try_start (Cluster *c)
{
  gint64 deadline = g_get_monotonic_time () + CLUSTER_TIMEOUT_S * G_USEC_PER_SEC;
  for (guint i = 0; i < NATS_NODES; i++)
    {
      c->nats[i].port = reel_test_free_port ();
      c->nats[i].cluster_port = reel_test_free_port ();
      c->nats[i].monitor_port = reel_test_free_port ();
      c->nats[i].dir = reel_test_tmpdir ();
    }
  for (guint i = 0; i < NATS_NODES; i++)
    nats_node_spawn (c, i);
  for (guint i = 0; i < NATS_NODES; i++)
    while (!reel_test_port_open (c->nats[i].monitor_port) || !nats_node_clustered (&c->nats[i]))
      {
        if (g_get_monotonic_time () > deadline)
          {
            g_printerr ("nats-server n%u: no meta leader after %d s\n", i + 1, CLUSTER_TIMEOUT_S);
            nats_abandon (c);
            return FALSE;
          }
        g_usleep (100 * 1000);
      }
  return TRUE;
}

static void
nats_start (Cluster *c)
{
  g_autoptr (GString) urls = g_string_new (NULL);
  guint attempt = 0;
  while (!nats_try_start (c))
    g_assert_cmpuint (++attempt, <, NATS_START_ATTEMPTS);
  for (guint i = 0; i < NATS_NODES; i++)
    g_string_append_printf (urls, "%snats://127.0.0.1:%u", i ? "," : "", c->nats[i].port);
  c->nats_urls = g_string_free (g_steal_pointer (&urls), FALSE);
  reel_test_jobs_nats (c->nats_urls);
}

static void
nats_stop (Cluster *c)
{
  for (guint i = 0; i < NATS_NODES; i++)
    {
      NatsNode *n = &c->nats[i];
      if (n->proc)
        {
          g_subprocess_send_signal (n->proc, SIGTERM);
          g_subprocess_wait (n->proc, NULL, NULL);
          g_clear_object (&n->proc);
        }
      reel_test_rmtree (n->dir);
      g_free (n->dir);
    }
  g_free (c->nats_urls);
}

/* 8 s of 640x360 with a tone: four chunks at 2 s segments, so both
 * workers get some. */
static char *
make_clip (const char *dir)
{
  return reel_test_make_media (
      dir, "clip.mp4",
      "videotestsrc pattern=ball num-buffers=240 "
      "! video/x-raw,width=640,height=360,framerate=30/1 ! timeoverlay "
      "! x264enc speed-preset=ultrafast key-int-max=30 ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=400 "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.");
}

static char *
write_config (const char *dir, ReelTestS3 *s3)
{
  g_autofree char *path = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *text = g_strdup_printf (
      "[media]\nsegment_seconds = %d\nchunk_segments = %d\nx264_preset = ultrafast\n"
      "[jobs]\nack_wait_seconds = 5\n"
      "[nats]\nreplicas = %d\n"
      "[blobs]\nbackend = s3\ns3_endpoint = %s\ns3_bucket = %s\ns3_region = us-east-1\n"
      "s3_access_key = " REEL_TEST_S3_ACCESS_KEY "\ns3_secret_key = " REEL_TEST_S3_SECRET_KEY
      "\ns3_path_style = true\n",
      SEGMENT_S, CHUNK_SEGMENTS, NATS_NODES, s3->url, s3->bucket);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return g_strdup_printf ("--config=%s", path);
}

/* Starts a node (env: extra KEY=VALUE entries, may be NULL); an api node
 * is waited for until ready. */
static ReelTestReeld *
node_spawn_env (Cluster *c, const char *dir, const char *roles, gboolean api,
                const char *const *env)
{
  g_autofree char *arg = g_strdup_printf ("--roles=%s", roles);
  const char *args[] = { c->config, arg, NULL };
  if (api)
    return reel_test_reeld_start_args (dir, c->nats_urls, env, args);
  return reel_test_reeld_spawn_args (dir, c->nats_urls, env, args);
}

static ReelTestReeld *
node_spawn (Cluster *c, const char *dir, const char *roles, gboolean api)
{
  return node_spawn_env (c, dir, roles, api, NULL);
}

/* The servers and the bucket, the clip and the config, the data
 * directories; no reeld yet. */
static void
cluster_prepare (Cluster *c)
{
  nats_start (c);
  c->s3 = reel_test_s3_start (BUCKET);
  c->media = reel_test_tmpdir ();
  c->clip = make_clip (c->media);
  c->config = write_config (c->media, c->s3);
  c->dir_a = reel_test_tmpdir ();
  c->dir_b = reel_test_tmpdir ();
  c->dir_w1 = reel_test_tmpdir ();
  c->dir_w2 = reel_test_tmpdir ();
}

static void
cluster_start (Cluster *c)
{
  cluster_prepare (c);
  /* A first: it creates the streams the others then find. */
  c->a = node_spawn (c, c->dir_a, "api,projector,ingest", TRUE);
  /* B's read models trail the log, as a busy node's do: what a client
   * did on A a moment ago must still hold on B. */
  c->b = node_spawn_env (
      c, c->dir_b, "api,projector", TRUE,
      (const char *[]){ "REEL_TEST_FAULT=projector-lag:" G_STRINGIFY (B_LAG_MS), NULL });
  c->w1 = node_spawn (c, c->dir_w1, "worker", FALSE);
  c->w2 = node_spawn (c, c->dir_w2, "worker", FALSE);
}

static void
node_stop (ReelTestReeld **d)
{
  if (!*d)
    return;
  g_assert_cmpint (reel_test_reeld_stop (*d), ==, 0);
  reel_test_reeld_free (*d);
  *d = NULL;
}

static void
cluster_stop (Cluster *c)
{
  node_stop (&c->w2);
  node_stop (&c->w1);
  node_stop (&c->b);
  node_stop (&c->a);
  reel_test_s3_stop (c->s3);
  nats_stop (c);
  for (char **d = (char *[]){ c->dir_a, c->dir_b, c->dir_w1, c->dir_w2, c->media, NULL }; *d; d++)
    {
      reel_test_rmtree (*d);
      g_free (*d);
    }
  g_free (c->config);
  g_free (c->clip);
}

/* The first node's URL with no other: enough for the helpers that read a
 * stream (any node answers for a replicated stream). */
static char *
first_url (Cluster *c)
{
  return g_strdup_printf ("nats://127.0.0.1:%u", c->nats[0].port);
}

static char *
get_text (guint16 port, const char *id, const char *file)
{
  g_autofree char *path = g_strdup_printf ("/videos/%s/%s", id, file);
  g_autoptr (ReelTestResponse) r = reel_test_http (port, "GET", path, NULL, NULL, 0);
  if (r->status != 200)
    g_printerr ("GET %s on port %u: %u %s\n", path, port, r->status, r->body);
  g_assert_cmpuint (r->status, ==, 200);
  return g_strdup (r->body);
}

/* The paths (below /videos/ID/) of every playlist and segment the HLS
 * master playlist names. */
static GPtrArray *
playback_files (guint16 port, const char *id)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *master = get_text (port, id, "master.m3u8");
  g_auto (GStrv) lines = g_strsplit (master, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *uri = strstr (lines[i], "URI=\"");
      g_autofree char *playlist = NULL;
      if (g_str_has_prefix (lines[i], "#EXT-X-MEDIA") && uri)
        playlist = g_strndup (uri + 5, strcspn (uri + 5, "\""));
      else if (*lines[i] && lines[i][0] != '#')
        playlist = g_strdup (lines[i]);
      if (!playlist)
        continue;
      g_autofree char *text = get_text (port, id, playlist);
      g_auto (GStrv) media = g_strsplit (text, "\n", -1);
      g_ptr_array_add (files, g_strdup (playlist));
      for (guint j = 0; media[j]; j++)
        {
          const char *map = strstr (media[j], "#EXT-X-MAP:URI=\"");
          if (map)
            g_ptr_array_add (files, g_strndup (map + 16, strcspn (map + 16, "\"")));
          else if (*media[j] && media[j][0] != '#')
            g_ptr_array_add (files, g_strdup (media[j]));
        }
    }
  return files;
}

static void
assert_no_local_blobs (const char *dir)
{
  g_autofree char *blobs = g_build_filename (dir, "blobs", NULL);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  if (g_file_test (blobs, G_FILE_TEST_EXISTS))
    reel_test_list_files (blobs, files);
  for (guint i = 0; i < files->len; i++)
    g_printerr ("written locally under %s: %s\n", dir, (char *)files->pdata[i]);
  g_assert_cmpuint (files->len, ==, 0);
}

/* Every reel stream has NATS_NODES replicas (stream info's cluster part
 * names the leader and the other replicas). */
static void
assert_replicated (Cluster *c)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (c->nats[0].monitor_port, "GET",
                                                   "/jsz?streams=true&config=true", NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_nonnull (r->json);
  /* Streams are listed per account; reel's are in the default one. */
  JsonArray *accounts
      = json_object_get_array_member (json_node_get_object (r->json), "account_details");
  guint seen = 0;
  for (guint i = 0; accounts && i < json_array_get_length (accounts); i++)
    {
      JsonObject *acc = json_array_get_object_element (accounts, i);
      JsonArray *streams = json_object_get_array_member (acc, "stream_detail");
      for (guint j = 0; streams && j < json_array_get_length (streams); j++)
        {
          JsonObject *s = json_array_get_object_element (streams, j);
          const char *name = json_object_get_string_member (s, "name");
          JsonObject *cfg = json_object_get_object_member (s, "config");
          JsonObject *cl = json_object_get_object_member (s, "cluster");
          JsonArray *replicas = json_object_get_array_member (cl, "replicas");
          g_test_message ("stream %s: %" G_GINT64_FORMAT " replicas", name,
                          json_object_get_int_member (cfg, "num_replicas"));
          g_assert_cmpint (json_object_get_int_member (cfg, "num_replicas"), ==, NATS_NODES);
          g_assert_nonnull (replicas);
          /* The leader plus the others. */
          g_assert_cmpuint (json_array_get_length (replicas), ==, NATS_NODES - 1);
          seen += g_str_equal (name, "REEL_EVENTS") || g_str_equal (name, "REEL_JOBS");
        }
    }
  g_assert_cmpuint (seen, ==, 2);
}

/* Both projections have applied every event of the log and every viewer
 * action. */
static void
wait_caught_up (Cluster *c, guint16 port)
{
  g_autofree char *url = first_url (c);
  guint64 last = reel_test_stream_last_seq (url, "REEL_EVENTS");
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (reel_test_metric (port, "reel_projection_applied_sequence{projection=\"core\"}")
         < (double)last)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }
  reel_test_wait_actions_applied (port, url);
}

static void
test_ready (void)
{
  Cluster c = { 0 };
  g_autofree char *token = NULL, *id = NULL;

  cluster_start (&c);
  assert_replicated (&c);
  token = reel_test_register_login (c.a->port, "ana", PASSWORD);
  id = reel_test_tus_upload (c.a->port, token, c.clip, "Across machines");
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (c.a->port, id, "ready|failed", READY_TIMEOUT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  /* B learns of it from the log alone. */
  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (c.b->port, id, "ready|failed", 60);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
    g_assert_cmpstr (reel_test_json_str (v, "title"), ==, "Across machines");
  }
  /* Every playlist and segment: B answers the same bytes as A. */
  {
    g_autoptr (GPtrArray) files = playback_files (c.b->port, id);
    guint segments = 0;
    for (guint i = 0; i < files->len; i++)
      {
        g_autofree char *path = g_strdup_printf ("/videos/%s/%s", id, (char *)files->pdata[i]);
        g_autoptr (ReelTestResponse) on_a = reel_test_http (c.a->port, "GET", path, NULL, NULL, 0);
        g_autoptr (ReelTestResponse) on_b = reel_test_http (c.b->port, "GET", path, NULL, NULL, 0);
        g_assert_cmpuint (on_b->status, ==, 200);
        g_assert_cmpuint (on_a->status, ==, 200);
        g_assert_cmpstr (reel_test_header (on_b, "Content-Length"), ==,
                         reel_test_header (on_a, "Content-Length"));
        g_assert_true (g_str_equal (on_a->body, on_b->body));
        segments += g_str_has_suffix (files->pdata[i], ".m4s");
      }
    /* At least the video rung's four segments. */
    g_assert_cmpuint (segments, >=, 4);
  }
  {
    g_autofree char *hls
        = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/master.m3u8", c.b->port, id);
    g_autofree char *dash
        = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/manifest.mpd", c.b->port, id);
    reel_test_assert_decodes (hls);
    reel_test_assert_decodes (dash);
  }
  /* No node kept a blob of its own: the original and the segments are
   * only in the bucket. */
  for (const char *const *d = (const char *const[]){ c.dir_a, c.dir_b, c.dir_w1, c.dir_w2, NULL };
       *d; d++)
    assert_no_local_blobs (*d);

  /* The log the nodes wrote through different servers is valid. */
  {
    g_autofree char *url = first_url (&c);
    guint64 last;
    g_autoptr (GPtrArray) log = reel_test_event_log (url, &last);
    g_assert_cmpuint (log->len, >, 0);
    reel_test_validate_events (log);
  }
  /* The two read models agree once both have applied everything. */
  wait_caught_up (&c, c.a->port);
  wait_caught_up (&c, c.b->port);
  node_stop (&c.a);
  node_stop (&c.b);
  {
    g_autofree char *dump_a = reel_test_dump_lmdb (c.dir_a);
    g_autofree char *dump_b = reel_test_dump_lmdb (c.dir_b);
    if (g_strcmp0 (dump_a, dump_b) != 0)
      {
        g_autofree char *fa = g_build_filename (c.media, "a.dump", NULL);
        g_autofree char *fb = g_build_filename (c.media, "b.dump", NULL);
        g_assert_true (g_file_set_contents (fa, dump_a, -1, NULL));
        g_assert_true (g_file_set_contents (fb, dump_b, -1, NULL));
        const char *diff[] = { "diff", fa, fb, NULL };
        int status;
        g_autofree char *out = reel_test_run (diff, &status);
        g_printerr ("the LMDB dumps of A and B differ:\n%.8000s\n", out);
      }
    g_assert_true (g_str_equal (dump_a, dump_b));
  }
  cluster_stop (&c);
}

/* Sends a PATCH announcing len bytes but sends only part, then hangs up:
 * what a phone losing its connection does. */
static void
patch_cut (guint16 port, const char *token, const char *id, guint64 offset, const char *data,
           gsize len, gsize sent)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  g_assert_nonnull (conn);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  g_autofree char *head = g_strdup_printf (
      "PATCH /api/v1/uploads/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
      "Tus-Resumable: 1.0.0\r\nUpload-Offset: %" G_GUINT64_FORMAT "\r\n"
      "Content-Type: application/offset+octet-stream\r\nContent-Length: %zu\r\n\r\n",
      id, token, offset, len);
  g_assert_true (g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL));
  g_assert_true (g_output_stream_write_all (out, data, sent, NULL, NULL, NULL));
  g_assert_true (g_output_stream_flush (out, NULL, NULL));
  /* Give the server the bytes before the hang-up. */
  g_usleep (200 * 1000);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
}

static guint64
head_offset (guint16 port, const char *token, const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/uploads/%s", id);
  const char *h[] = { "Tus-Resumable", "1.0.0", NULL };
  g_autoptr (ReelTestResponse) r
      = reel_test_http_full (port, "HEAD", path, token, h, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_nonnull (reel_test_header (r, "Upload-Offset"));
  return g_ascii_strtoull (reel_test_header (r, "Upload-Offset"), NULL, 10);
}

/* The keys in the bucket that start with prefix, one a line. */
static char *
bucket_keys (ReelTestS3 *s3, const char *prefix)
{
  g_autofree char *target = g_strdup_printf ("s3://%s/%s", s3->bucket, prefix);
  const char *ls[] = { "s3", "ls", "--recursive", target, NULL };
  int status;
  char *out = reel_test_aws (s3, "us-east-1", ls, &status);
  /* aws s3 ls exits 1 when nothing matches. */
  g_assert_true (status == 0 || status == 1);
  return out;
}

static void
test_tus_resume (void)
{
  Cluster c = { 0 };
  g_autofree char *token = NULL, *id = NULL, *data = NULL, *want = NULL;
  g_autofree char *got_path = NULL, *got = NULL, *prefix = NULL;
  gsize len, third;
  guint64 offset = 0;

  cluster_start (&c);
  g_assert_true (g_file_get_contents (c.clip, &data, &len, NULL));
  want = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)data, len);
  third = len / 3;
  token = reel_test_register_login (c.a->port, "ona", PASSWORD);
  {
    /* B takes the session A just issued, though its projection has not
     * applied it yet (B trails by B_LAG_MS). */
    g_autoptr (ReelTestResponse) r
        = reel_test_http (c.b->port, "GET", "/api/v1/sessions/current", token, NULL, 0);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (reel_test_json_str (r, "username"), ==, "ona");
  }
  id = reel_test_tus_create (c.a->port, token, len, "Cut and resumed");
  prefix = g_strdup_printf ("uploads/%s/", id);
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (c.a->port, token, id, 0, data, third);
    g_assert_cmpuint (r->status, ==, 204);
  }
  /* B knows the offset of an upload it never saw a byte of. */
  g_assert_cmpuint (head_offset (c.b->port, token, id), ==, third);

  /* The second PATCH to A breaks off half-way through its body. */
  patch_cut (c.a->port, token, id, third, data + third, len - third, third / 2);
  {
    /* What A received before the cut reaches the bucket once A notices
     * the hang-up; B then reports it. */
    gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    while ((offset = head_offset (c.b->port, token, id)) == third)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (50 * 1000);
      }
    g_assert_cmpuint (offset, >, third);
    g_assert_cmpuint (offset, <=, third + third / 2);
    g_assert_cmpuint (head_offset (c.a->port, token, id), ==, offset);
  }
  /* Nothing of it is a file on A: the partial upload is in the bucket. */
  {
    g_autofree char *uploads = g_build_filename (c.dir_a, "uploads", NULL);
    g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
    g_autofree char *pieces = bucket_keys (c.s3, prefix);
    reel_test_list_files (uploads, files);
    for (guint i = 0; i < files->len; i++)
      g_printerr ("left on A: %s\n", (char *)files->pdata[i]);
    g_assert_cmpuint (files->len, ==, 0);
    g_assert_nonnull (strstr (pieces, prefix));
  }
  /* A stale offset is refused on B too. */
  {
    g_autoptr (ReelTestResponse) r = reel_test_tus_patch (c.b->port, token, id, third, data, 10);
    g_assert_cmpuint (r->status, ==, 409);
  }
  /* The client resumes on B where B says. */
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_tus_patch (c.b->port, token, id, offset, data + offset, len - offset);
    g_autofree char *n = g_strdup_printf ("%zu", len);
    g_assert_cmpuint (r->status, ==, 204);
    g_assert_cmpstr (reel_test_header (r, "Upload-Offset"), ==, n);
  }
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (c.b->port, id, "ready|failed", READY_TIMEOUT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  {
    g_autoptr (ReelTestResponse) v = reel_test_wait_state (c.a->port, id, "ready|failed", 60);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  /* The original, as an independent client reads it from the bucket. */
  {
    g_autofree char *src = g_strdup_printf ("s3://%s/originals/%s", c.s3->bucket, id);
    const char *cp[] = { "s3", "cp", "--only-show-errors", src, NULL, NULL };
    int status;
    got_path = g_build_filename (c.media, "original", NULL);
    cp[4] = got_path;
    g_free (reel_test_aws (c.s3, "us-east-1", cp, &status));
    g_assert_cmpint (status, ==, 0);
    g_autofree char *bytes = NULL;
    gsize got_len;
    g_assert_true (g_file_get_contents (got_path, &bytes, &got_len, NULL));
    g_assert_cmpuint (got_len, ==, len);
    got = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)bytes, got_len);
    g_assert_cmpstr (got, ==, want);
  }
  /* The pieces are gone once the original is stored. */
  {
    g_autofree char *pieces = bucket_keys (c.s3, prefix);
    g_assert_null (strstr (pieces, prefix));
  }
  {
    g_autofree char *hls
        = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/master.m3u8", c.b->port, id);
    reel_test_assert_decodes (hls);
  }
  cluster_stop (&c);
}

#define FAULT_VIDEOS 4

/* The user's video_ready notifications on the node at port, by video id. */
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

static void
kill_node (ReelTestReeld **d)
{
  g_subprocess_send_signal ((*d)->proc, SIGKILL);
  g_assert_cmpint (reel_test_reeld_wait_killed (*d), ==, SIGKILL);
  reel_test_reeld_free (*d);
  *d = NULL;
}

static void
test_faults (void)
{
  Cluster c = { 0 };
  const char *dying[] = { "REEL_TEST_FAULT=kill-in-chunk:1", NULL };
  g_autofree char *token = NULL;
  char *ids[FAULT_VIDEOS] = { NULL };
  NatsNode *lost = &c.nats[NATS_NODES - 1];

  cluster_prepare (&c);
  c.a = node_spawn (&c, c.dir_a, "api,projector,ingest", TRUE);
  c.b = node_spawn (&c, c.dir_b, "api,projector", TRUE);
  /* W1 alone at first, so that it surely takes a chunk 1 and dies in it. */
  c.w1 = node_spawn_env (&c, c.dir_w1, "worker", FALSE, dying);
  token = reel_test_register_login (c.a->port, "fay", PASSWORD);
  for (guint i = 0; i < FAULT_VIDEOS; i++)
    {
      g_autofree char *title = g_strdup_printf ("Weathered %u", i);
      ids[i] = reel_test_tus_upload (c.a->port, token, c.clip, title);
    }
  /* A dies the moment its last upload was answered, and comes back as
   * systemd would bring it back: what it acknowledged must not be lost. */
  kill_node (&c.a);
  c.a = node_spawn (&c, c.dir_a, "api,projector,ingest", TRUE);

  /* W1 dies mid-chunk (the fault SIGKILLs it once the chunk's first rung
   * is stored); W2 takes over, and one nats-server is killed meanwhile. */
  g_assert_cmpint (reel_test_reeld_wait_killed (c.w1), ==, SIGKILL);
  reel_test_reeld_free (c.w1);
  c.w1 = NULL;
  c.w2 = node_spawn (&c, c.dir_w2, "worker", FALSE);
  g_subprocess_send_signal (lost->proc, SIGKILL);
  g_subprocess_wait (lost->proc, NULL, NULL);
  g_clear_object (&lost->proc);

  for (guint i = 0; i < FAULT_VIDEOS; i++)
    {
      g_autoptr (ReelTestResponse) v
          = reel_test_wait_state (c.b->port, ids[i], "ready|failed", READY_TIMEOUT_S);
      g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
    }
  /* Exactly one video_ready notification each, as B reads them; wait for
   * the last to arrive, then for any duplicate to show. */
  {
    gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
    for (;;)
      {
        g_autoptr (GHashTable) n = ready_notifications (c.b->port, token);
        guint have = 0;
        for (guint i = 0; i < FAULT_VIDEOS; i++)
          have += g_hash_table_contains (n, ids[i]);
        if (have == FAULT_VIDEOS)
          break;
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_usleep (100 * 1000);
      }
    wait_caught_up (&c, c.b->port);
    g_autoptr (GHashTable) n = ready_notifications (c.b->port, token);
    g_assert_cmpuint (g_hash_table_size (n), ==, FAULT_VIDEOS);
    for (guint i = 0; i < FAULT_VIDEOS; i++)
      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (n, ids[i])), ==, 1);
  }
  for (guint i = 0; i < FAULT_VIDEOS; i++)
    {
      g_autofree char *hls
          = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/master.m3u8", c.b->port, ids[i]);
      reel_test_assert_decodes (hls);
      g_free (ids[i]);
    }
  cluster_stop (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cluster/ready", test_ready);
  g_test_add_func ("/cluster/tus-resume", test_tus_resume);
  g_test_add_func ("/cluster/faults", test_faults);
  return g_test_run ();
}
