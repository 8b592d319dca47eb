/* Benchmark (issue 15): what more machines buy, measured on this one.
 *
 * One 1080p30 source with sound (REEL_BENCH_SECONDS, default 30) goes
 * through real reeld processes on a real nats-server and, for the S3
 * runs, s3rver (npm) on loopback:
 *   - upload complete -> ready on one node with blobs.backend = fs, and the
 *     same with blobs.backend = s3 (ratio s3/fs);
 *   - chunk throughput with one API node (api,projector,ingest) and one,
 *     then two worker-only processes (--roles=worker, own data dirs, blobs
 *     on S3 as a cluster has them): chunks per second and the ratio 2/1.
 * From the measured per-second cost it prints, on paper, what 1,000
 * uploads an hour of 10-minute 1080p videos need: worker cores, S3
 * bandwidth and NATS messages.
 *
 * Every configuration is measured in the same run on the same machine;
 * nothing here is a pass/fail threshold.
 *
 * Run: meson test -C build --benchmark cluster --verbose */
#include "harness.h"

#include <glib/gstdio.h>
#include <stdio.h>

static const char *PASSWORD = "correct horse battery";

/* The 10-minute uploads of the capacity question. */
#define PAPER_UPLOADS_PER_HOUR 1000
#define PAPER_VIDEO_S 600
/* Messages the log and the job queue carry per chunk: the job, its
 * completion event, and the ack; per video a few more (upload, probe,
 * plan, audio, poster, ready) are small next to them. */
#define MESSAGES_PER_CHUNK 3
#define MESSAGES_PER_VIDEO 12

typedef struct
{
  double seconds;       /* upload complete -> ready */
  guint chunks;         /* the video's chunk jobs */
  guint64 output_bytes; /* everything published under videos/ID (fs runs) */
} Run;

static double
now_s (void)
{
  return (double)g_get_monotonic_time () / G_USEC_PER_SEC;
}

/* The config: default media settings, and the bucket when s3 is given. */
static char *
write_config (const char *dir, const ReelTestS3 *s3)
{
  g_autofree char *path = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *text
      = s3 ? g_strdup_printf ("[blobs]\nbackend = s3\ns3_endpoint = %s\ns3_bucket = %s\n"
                              "s3_region = us-east-1\ns3_access_key = " REEL_TEST_S3_ACCESS_KEY
                              "\ns3_secret_key = " REEL_TEST_S3_SECRET_KEY
                              "\ns3_path_style = true\n",
                              s3->url, s3->bucket)
           : g_strdup ("[media]\n");
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return g_strdup_printf ("--config=%s", path);
}

static guint64
tree_bytes (const char *path)
{
  GStatBuf st;
  guint64 total = 0;
  g_autoptr (GDir) d = NULL;
  const char *name;

  if (g_lstat (path, &st) != 0)
    return 0;
  if (!S_ISDIR (st.st_mode))
    return (guint64)st.st_size;
  d = g_dir_open (path, 0, NULL);
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      total += tree_bytes (child);
    }
  return total;
}

/* The number of chunk jobs the plan made: the progress while transcoding
 * (0 when the video was ready before a poll saw it). */
static guint
chunks_of (ReelTestReeld *d, const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
  for (;;)
    {
      g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
      JsonObject *o, *progress;
      g_assert_cmpuint (r->status, ==, 200);
      o = json_node_get_object (r->json);
      progress = json_object_get_object_member (o, "progress");
      if (progress && json_object_get_int_member_with_default (progress, "chunks_total", 0) > 0)
        return (guint)json_object_get_int_member (progress, "chunks_total");
      if (g_str_equal (reel_test_json_str (r, "state"), "ready")
          || g_str_equal (reel_test_json_str (r, "state"), "failed"))
        return 0;
      g_usleep (20 * 1000);
    }
}

/* One upload through a node set: workers 0 is one node with every role;
 * otherwise an API node plus that many worker-only processes. */
static Run
run_once (const char *source, ReelTestS3 *s3, guint workers)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *root = reel_test_tmpdir ();
  g_autofree char *config = write_config (root, s3);
  g_autofree char *api_dir = g_build_filename (root, "api", NULL);
  g_autoptr (GPtrArray) nodes = g_ptr_array_new ();
  g_autofree char *token = NULL, *id = NULL;
  Run run = { 0 };
  double t0;

  if (workers == 0)
    {
      const char *args[] = { config, NULL };
      g_ptr_array_add (nodes, reel_test_reeld_start_args (api_dir, nats->url, NULL, args));
    }
  else
    {
      const char *args[] = { config, "--roles=api,projector,ingest", NULL };
      g_ptr_array_add (nodes, reel_test_reeld_start_args (api_dir, nats->url, NULL, args));
      for (guint i = 0; i < workers; i++)
        {
          g_autofree char *name = g_strdup_printf ("worker%u", i);
          g_autofree char *dir = g_build_filename (root, name, NULL);
          const char *wargs[] = { config, "--roles=worker", NULL };
          g_ptr_array_add (nodes, reel_test_reeld_spawn_args (dir, nats->url, NULL, wargs));
        }
    }
  ReelTestReeld *api = nodes->pdata[0];
  token = reel_test_register_login (api->port, "bench", PASSWORD);
  id = reel_test_tus_upload (api->port, token, source, "bench");
  t0 = now_s ();
  run.chunks = chunks_of (api, id);
  {
    g_autoptr (ReelTestResponse) r = reel_test_wait_state (api->port, id, "ready|failed", 1200);
    g_assert_cmpstr (reel_test_json_str (r, "state"), ==, "ready");
  }
  run.seconds = now_s () - t0;
  if (!s3)
    {
      g_autofree char *out = g_build_filename (api_dir, "blobs", "videos", id, NULL);
      run.output_bytes = tree_bytes (out);
    }
  for (guint i = nodes->len; i > 0; i--)
    {
      ReelTestReeld *d = nodes->pdata[i - 1];
      reel_test_reeld_stop (d);
      reel_test_reeld_free (d);
    }
  reel_test_nats_stop (nats);
  reel_test_rmtree (root);
  return run;
}

int
main (int argc, char **argv)
{
  const char *env_seconds = g_getenv ("REEL_BENCH_SECONDS");
  int seconds = env_seconds ? atoi (env_seconds) : 30;
  g_autofree char *work = reel_test_tmpdir ();
  g_autofree char *frames = g_strdup_printf ("%d", seconds * 30);
  g_autofree char *audio_buffers = g_strdup_printf ("%d", seconds * 50);
  g_autofree char *pipeline = g_strdup_printf (
      "videotestsrc pattern=smpte horizontal-speed=3 num-buffers=%s "
      "! video/x-raw,width=1920,height=1080,framerate=30/1,format=I420 ! timeoverlay "
      "font-desc=\"Sans 60\" "
      "! x264enc speed-preset=veryfast bitrate=16000 key-int-max=60 ! mp4mux name=m "
      "! filesink location=%%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=%s "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.",
      frames, audio_buffers);
  g_autofree char *source = NULL;
  ReelTestS3 *s3;
  Run fs, on_s3, one, two;
  GStatBuf st;
  guint cores = g_get_num_processors ();

  g_test_init (&argc, &argv, NULL);
  if (seconds < 4)
    g_error ("REEL_BENCH_SECONDS must be at least 4");
  g_print ("making a %d s 1920x1080 30 fps source with sound...\n", seconds);
  source = reel_test_make_media (work, "source.mp4", pipeline);
  g_assert_cmpint (g_stat (source, &st), ==, 0);

  g_print ("one node, blobs on the filesystem...\n");
  fs = run_once (source, NULL, 0);
  s3 = reel_test_s3_start ("bench");
  g_print ("one node, blobs on S3 (s3rver)...\n");
  on_s3 = run_once (source, s3, 0);
  g_print ("API node + 1 worker process (S3)...\n");
  one = run_once (source, s3, 1);
  g_print ("API node + 2 worker processes (S3)...\n");
  two = run_once (source, s3, 2);
  reel_test_s3_stop (s3);

  g_print ("\nsource: %d s of 1920x1080 at 30 fps with sound, %.1f MB; "
           "%u cores; reel's default ladder and worker.concurrency\n",
           seconds, st.st_size / 1e6, cores);
  g_print ("upload -> ready, one node:  fs %.1f s, s3 %.1f s  (s3/fs %.2f)\n", fs.seconds,
           on_s3.seconds, on_s3.seconds / fs.seconds);
  g_print ("chunk throughput (%u chunks): 1 worker %.3f chunks/s (%.1f s), "
           "2 workers %.3f chunks/s (%.1f s)  (2/1 %.2f)\n",
           two.chunks, one.chunks / one.seconds, one.seconds, two.chunks / two.seconds, two.seconds,
           one.seconds / two.seconds);

  /* On paper: the machine-seconds of this run's fastest shape per source
   * second, with every core busy (an upper bound on the cores' work). */
  {
    double best = MIN (fs.seconds, two.seconds);
    double core_s_per_media_s = best * cores / seconds;
    double media_s_per_s = (double)PAPER_UPLOADS_PER_HOUR * PAPER_VIDEO_S / 3600.0;
    double source_mbit = st.st_size * 8.0 / seconds / 1e6;
    double output_mbit = fs.output_bytes * 8.0 / seconds / 1e6;
    double chunks_per_video = (double)two.chunks * PAPER_VIDEO_S / seconds;
    double messages = PAPER_UPLOADS_PER_HOUR
                      * (chunks_per_video * MESSAGES_PER_CHUNK + MESSAGES_PER_VIDEO) / 3600.0;
    g_print ("\non paper, %d uploads/hour of %d-minute 1080p videos (%.0f source-seconds "
             "per second):\n",
             PAPER_UPLOADS_PER_HOUR, PAPER_VIDEO_S / 60, media_s_per_s);
    g_print ("  transcoding: %.2f core-seconds per source-second measured -> about %.0f "
             "worker cores busy (plus headroom for peaks)\n",
             core_s_per_media_s, core_s_per_media_s * media_s_per_s);
    g_print ("  S3: originals in %.0f Mbit/s (at this source's %.1f Mbit/s), read once more "
             "by the workers %.0f Mbit/s, renditions out %.0f Mbit/s (%.1f Mbit/s per "
             "source-second)\n",
             source_mbit * media_s_per_s, source_mbit, source_mbit * media_s_per_s,
             output_mbit * media_s_per_s, output_mbit);
    g_print ("  NATS: about %.0f messages/s (%.0f chunks per video), far below one "
             "server's capacity (bench_nats)\n",
             messages, chunks_per_video);
  }
  reel_test_rmtree (work);
  return 0;
}
