/* Integration tests of hostile media (issue 11): a real reeld, media made
 * at test time with GStreamer and then damaged on purpose, uploaded like
 * any client would. Media is read only in reel-media, reeld's child
 * process, so none of it may take reeld down.
 *
 *   /hostile-media/decoder-crash  a video whose chunk job's decoder
 *                           segfaults (test fault media-crash) fails with
 *                           "crashed (signal 11 ...)" after its attempts;
 *                           /healthz and GET of another video answer
 *                           throughout; that other video, uploaded
 *                           alongside, becomes ready; reeld's pid is the same
 *   /hostile-media/decoder-hang   the same with a child that stops
 *                           answering (media-hang): "took longer than N s"
 *   /hostile-media/decoder-oom    the same with a child that allocates
 *                           without end (media-oom) under
 *                           media.memory_limit_mb: "ran out of memory"
 *   /hostile-media/ten-years      an MP4 whose mvhd/tkhd/mdhd/elst claim ten
 *                           years fails at ingest with the reason, and
 *                           REEL_JOBS never held more than its ingest job
 *   /hostile-media/deleted-jobs   a deleted video's queued chunk jobs never
 *                           run: no chunk.transcoded, no segment, nothing
 *                           left in REEL_JOBS
 *   /hostile-media/corpus   more than 30 damaged files (truncated, bit
 *                           flips, wrong box sizes, absurd sizes, durations
 *                           and timescales, empty tracks, forged SPS,
 *                           audio only, codec mismatches, MPEG-TS garbage)
 *                           made from small sources with a fixed seed
 *                           (media_damage.c), all
 *                           uploaded alongside a good video: each ends
 *                           failed with a reason (or, for the few listed as
 *                           maybe decodable, ready, which the log says),
 *                           the good one ready, reeld up throughout
 *   /hostile-media/jumping-timestamps  a file whose decoding times go
 *                           backwards and repeat (GStreamer's concat in
 *                           front of x264enc writes them; ffprobe and
 *                           players take them) becomes ready, and its rungs
 *                           decode in ffprobe
 *   /hostile-media/live-decoder-crash  a live caller whose stream crashes
 *                           the decoder (media-crash:live): the session
 *                           ends (live.started, then live.ended), a new
 *                           listener comes up, reeld stays up
 *   /hostile-media/starved  a pipeline that gets little CPU (reel-media
 *                           pinned beside a busy loop, at nice 19) for
 *                           longer than its stall limit is not failed as
 *                           stuck, and completes once it gets the CPU */
#define _GNU_SOURCE /* sched_getaffinity */
#include "harness.h"
#include "media_damage.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <nats/nats.h>
#include <signal.h>
#include <string.h>

static const char *PASSWORD = "correct horse battery";
/* Every damage is drawn from this seed: a failure reproduces. */
#define CORPUS_SEED 20251104
/* Long enough for a busy 2-core machine; the corpus takes about a minute. */
#define SETTLE_TIMEOUT_S 240
#define RAW_SMALL "video/x-raw,width=320,height=240,framerate=30/1,format=I420"

/* A config for 1 s segments and chunks (so a 3 s clip has chunks 0, 1 and
 * 2 and a 1 s clip only chunk 0), a fast preset, workers chunk pipelines at
 * once, two attempts per job and extra [media] lines. */
static char *
write_config (const char *dir, guint workers, const char *extra)
{
  g_autofree char *path = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *text = g_strdup_printf (
      "[media]\nsegment_seconds = 1\nchunk_segments = 1\nx264_preset = ultrafast\n%s\n"
      "[worker]\nconcurrency = %u\n[jobs]\nmax_attempts = 2\nack_wait_seconds = 5\n",
      extra ? extra : "", workers);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return g_strdup_printf ("--config=%s", path);
}

static pid_t
pid_of (ReelTestReeld *d)
{
  const char *id = g_subprocess_get_identifier (d->proc);
  g_assert_nonnull (id); /* NULL once the process has ended */
  return (pid_t)g_ascii_strtoll (id, NULL, 10);
}

/* Asserts that the API answers: /healthz 200, and GET of video other
 * (may be NULL) 200. */
static void
assert_api_answers (guint16 port, const char *other)
{
  g_autoptr (ReelTestResponse) h = reel_test_http (port, "GET", "/healthz", NULL, NULL, 0);
  g_assert_cmpuint (h->status, ==, 200);
  if (other)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", other);
      g_autoptr (ReelTestResponse) v = reel_test_http (port, "GET", path, NULL, NULL, 0);
      g_assert_cmpuint (v->status, ==, 200);
    }
}

/* Waits for video id to reach one of states ('|'-separated), asserting
 * all the while that the API answers (and GET of other works). */
static ReelTestResponse *
wait_state_watching (guint16 port, const char *id, const char *states, const char *other)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
  g_auto (GStrv) wanted = g_strsplit (states, "|", -1);
  gint64 deadline = g_get_monotonic_time () + SETTLE_TIMEOUT_S * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      ReelTestResponse *r = reel_test_http (port, "GET", path, NULL, NULL, 0);
      g_assert_cmpuint (r->status, ==, 200);
      if (g_strv_contains ((const char *const *)wanted, reel_test_json_str (r, "state")))
        return r;
      reel_test_response_free (r);
      assert_api_answers (port, other);
      g_usleep (100 * 1000);
    }
  g_error ("video %s did not reach %s in %d s", id, states, SETTLE_TIMEOUT_S);
}

/* One injected failure of the media child, on chunk 1 of a 3 s video,
 * while a 1 s video (chunk 0 only) is processed alongside. */
static void
run_child_fault (const char *fault, const char *config_extra, const char *reason_part)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *victim_clip = damage_make_clip (media, "victim.mp4", 90, FALSE);
  g_autofree char *other_clip = damage_make_clip (media, "other.mp4", 30, FALSE);
  g_autofree char *config = write_config (dir, 2, config_extra);
  g_autofree char *env_fault = g_strdup_printf ("REEL_TEST_FAULT=%s", fault);
  const char *env[] = { env_fault, NULL };
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, env, args);
  pid_t pid = pid_of (d);
  g_autofree char *token = reel_test_register_login (d->port, "mallory", PASSWORD);
  g_autofree char *victim = reel_test_upload (d->port, token, victim_clip, "victim");
  g_autofree char *other = reel_test_upload (d->port, token, other_clip, "bystander");
  const char *reason;

  {
    g_autoptr (ReelTestResponse) v = wait_state_watching (d->port, victim, "failed|ready", other);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "failed");
    reason = reel_test_json_str (v, "error");
    g_test_message ("%s: the video failed with \"%s\"", fault, reason);
    g_assert_nonnull (strstr (reason, reason_part));
    g_assert_nonnull (strstr (reason, "chunk 1"));
  }
  {
    g_autoptr (ReelTestResponse) v = wait_state_watching (d->port, other, "failed|ready", victim);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  /* Both attempts ran and failed in a child; reeld is the one we started. */
  g_assert_cmpfloat (reel_test_metric (d->port, "reel_jobs_retried_total{kind=\"chunk\"}"), ==, 1);
  g_assert_cmpfloat (reel_test_metric (d->port, "reel_jobs_given_up_total{kind=\"chunk\"}"), ==, 1);
  g_assert_cmpint (pid_of (d), ==, pid);
  g_assert_cmpint (kill (pid, 0), ==, 0);
  assert_api_answers (d->port, other);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

static void
test_decoder_crash (void)
{
  /* An AddressSanitizer build's child reports the SEGV itself. */
  run_child_fault ("media-crash:1", NULL,
                   g_getenv ("LSAN_OPTIONS") ? "the decoder crashed (AddressSanitizer: SEGV)"
                                             : "the decoder crashed (signal 11");
}

static void
test_decoder_hang (void)
{
  /* A 1 s chunk after its 1 s warm-up (media.warmup_segments) may take
   * 20 + 2 s: plenty for 160x120 at ultrafast, even on a busy machine. */
  run_child_fault ("media-hang:1", "job_timeout_seconds = 20\njob_timeout_factor = 1",
                   "took longer than 22 s");
}

static void
test_decoder_oom (void)
{
  /* The address-space limit is left out of AddressSanitizer builds (its
   * shadow memory needs terabytes), and the fault refuses to run without
   * one. */
  if (g_getenv ("LSAN_OPTIONS"))
    {
      g_test_skip ("no address-space limit in AddressSanitizer builds");
      return;
    }
  run_child_fault ("media-oom:1", "memory_limit_mb = 512", "ran out of memory (the limit is 512");
}

/* Every message a stream ever held: a work queue forgets acked jobs, not
 * their sequence numbers. */
static guint64
jobs_ever_queued (const char *url)
{
  return reel_test_stream_last_seq (url, "REEL_JOBS");
}

static void
test_ten_years (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  /* 3 s of real content: 2 chunks at the default 2 s segments and a short
   * first chunk of one segment. */
  g_autofree char *clip = damage_make_clip (media, "real.mp4", 90, FALSE);
  g_autoptr (GByteArray) f = damage_load (clip);
  g_autofree char *liar = NULL, *id = NULL, *token = NULL;
  ReelTestReeld *d = reel_test_reeld_start (dir, nats->url, NULL);
  pid_t pid = pid_of (d);
  const guint real_chunks = 2;

  damage_claim_ten_years (f);
  liar = damage_save (media, "ten-years.mp4", f->data, f->len);
  token = reel_test_register_login (d->port, "eve", PASSWORD);
  id = reel_test_upload (d->port, token, liar, "A very long film");
  {
    g_autoptr (ReelTestResponse) v = wait_state_watching (d->port, id, "failed|ready", NULL);
    JsonObject *progress
        = json_object_get_object_member (json_node_get_object (v->json), "progress");
    const char *reason = reel_test_json_str (v, "error");
    g_test_message ("ten years: \"%s\"", reason);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "failed");
    g_assert_nonnull (strstr (reason, "87600 h"));
    g_assert_nonnull (strstr (reason, "the longest accepted is 12 h"));
    g_assert_cmpint (json_object_get_int_member (progress, "chunks_total"), ==, 0);
  }
  /* The ingest job, and not one chunk, poster or audio job after it: far
   * fewer than the real content's chunks would have queued. */
  g_assert_cmpuint (jobs_ever_queued (nats->url), ==, 1);
  g_assert_cmpuint (jobs_ever_queued (nats->url), <, real_chunks + 1);
  g_assert_cmpint (pid_of (d), ==, pid);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

/* Whether REEL_JOBS holds a message on subject. */
static gboolean
queued (const char *url, const char *subject)
{
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  natsMsg *m = NULL;
  jsErrCode jerr = 0;
  natsStatus s;
  g_assert_cmpint (natsConnection_ConnectTo (&nc, url), ==, NATS_OK);
  g_assert_cmpint (natsConnection_JetStream (&js, nc, NULL), ==, NATS_OK);
  s = js_GetLastMsg (&m, js, "REEL_JOBS", subject, NULL, &jerr);
  natsMsg_Destroy (m);
  jsCtx_Destroy (js);
  natsConnection_Destroy (nc);
  g_assert_true (s == NATS_OK || s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr);
  return s == NATS_OK;
}

static guint
count_events (const char *url, const char *type, const char *video)
{
  guint64 last;
  g_autoptr (GPtrArray) log = reel_test_event_log (url, &last);
  guint n = 0;
  for (guint i = 0; i < log->len; i++)
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      JsonObject *ev, *data;
      g_assert_true (json_parser_load_from_data (p, log->pdata[i], -1, NULL));
      ev = json_node_get_object (json_parser_get_root (p));
      data = json_object_get_object_member (ev, "data");
      if (g_str_equal (json_object_get_string_member (ev, "type"), type)
          && g_strcmp0 (json_object_get_string_member_with_default (data, "video_id", ""), video)
                 == 0)
        n++;
    }
  return n;
}

static void
test_deleted_jobs (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *hold = g_build_filename (media, "hold", NULL);
  g_autofree char *fault = g_strdup_printf ("REEL_TEST_FAULT=hold-last-chunk:%s", hold);
  g_autofree char *first_clip = damage_make_clip (media, "first.mp4", 30, FALSE);
  g_autofree char *doomed_clip = damage_make_clip (media, "doomed.mp4", 90, FALSE);
  /* One chunk pipeline at a time, so the doomed video's jobs wait in the
   * queue behind the first video's only (and so last) chunk, held. */
  g_autofree char *config = write_config (dir, 1, NULL);
  const char *env[] = { fault, NULL };
  const char *args[] = { config, NULL };
  ReelTestReeld *d;
  g_autofree char *token = NULL, *first = NULL, *doomed = NULL, *path = NULL, *blobs = NULL;
  g_autofree char *chunk_subject = NULL;

  g_assert_true (g_file_set_contents (hold, "", 0, NULL));
  d = reel_test_reeld_start_args (dir, nats->url, env, args);
  token = reel_test_register_login (d->port, "dora", PASSWORD);
  /* Ingest runs one job at a time, in order: the first video's only chunk
   * is queued (and taken by the worker) before the doomed video's. */
  first = reel_test_upload (d->port, token, first_clip, "first");
  doomed = reel_test_upload (d->port, token, doomed_clip, "doomed");
  chunk_subject = g_strdup_printf ("reel.job.chunk.%s", doomed);
  /* Its plan and chunk jobs are queued; the one worker is held. */
  for (guint i = 0; i < 600 && !queued (nats->url, chunk_subject); i++)
    g_usleep (50 * 1000);
  g_assert_true (queued (nats->url, chunk_subject));
  path = g_strdup_printf ("/api/v1/videos/%s", doomed);
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "DELETE", path, token, NULL, 0);
    g_assert_cmpuint (r->status, ==, 204);
  }
  /* The deletion cancels its queued jobs. */
  for (guint i = 0; i < 600 && queued (nats->url, chunk_subject); i++)
    g_usleep (50 * 1000);
  g_assert_false (queued (nats->url, chunk_subject));
  g_unlink (hold);
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, first, "ready|failed", REEL_TEST_READY_WAIT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  /* Give a stray job time to run, were there one: the worker is free. */
  g_usleep (3 * G_USEC_PER_SEC);
  g_assert_cmpuint (count_events (nats->url, "chunk.transcoded", doomed), ==, 0);
  g_assert_cmpuint (count_events (nats->url, "chunk.transcoded", first), ==, 1);
  blobs = g_build_filename (dir, "blobs", "videos", doomed, NULL);
  g_assert_false (g_file_test (blobs, G_FILE_TEST_EXISTS));
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
    g_assert_cmpuint (r->status, ==, 404);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

/* Uploads every case and a good video, in an order drawn from rng, and
 * waits until each has settled, asserting that the API answers all along. */
static void
test_corpus (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autoptr (GRand) rng = g_rand_new_with_seed (CORPUS_SEED);
  g_autoptr (GPtrArray) cases = damage_corpus (media, rng);
  g_autofree char *good_path = damage_make_clip (media, "good.mp4", 60, TRUE);
  /* A pipeline that stands still is stopped after 20 s, not two minutes. */
  g_autofree char *config
      = write_config (dir, 2, "job_timeout_seconds = 20\njob_timeout_factor = 10");
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  pid_t pid = pid_of (d);
  g_autofree char *token = reel_test_register_login (d->port, "trudy", PASSWORD);
  g_autofree char *good = NULL;
  gint64 deadline, worst_health = 0;
  guint must_fail = 0, settled = 0, failed = 0;

  for (guint i = 0; i < cases->len; i++)
    must_fail += ((DamageCase *)cases->pdata[i])->maybe_decodable == NULL;
  g_test_message ("%u damaged files, %u of which must fail", cases->len, must_fail);
  g_assert_cmpuint (must_fail, >=, 30);
  /* A fixed shuffle, the good video in the middle of it. */
  for (guint i = cases->len; i > 1; i--)
    {
      guint j = (guint)g_rand_int_range (rng, 0, (gint32)i);
      gpointer t = cases->pdata[i - 1];
      cases->pdata[i - 1] = cases->pdata[j];
      cases->pdata[j] = t;
    }
  for (guint i = 0; i < cases->len; i++)
    {
      DamageCase *c = cases->pdata[i];
      if (i == cases->len / 2)
        good = reel_test_upload (d->port, token, good_path, "good");
      c->id = reel_test_upload (d->port, token, c->path, c->name);
    }

  deadline = g_get_monotonic_time () + SETTLE_TIMEOUT_S * G_USEC_PER_SEC;
  while (settled < cases->len && g_get_monotonic_time () < deadline)
    {
      gint64 t0 = g_get_monotonic_time ();
      assert_api_answers (d->port, good);
      worst_health = MAX (worst_health, g_get_monotonic_time () - t0);
      for (guint i = 0; i < cases->len; i++)
        {
          DamageCase *c = cases->pdata[i];
          g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", c->id);
          g_autoptr (ReelTestResponse) r = NULL;
          const char *state;
          if (c->state)
            continue;
          r = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
          g_assert_cmpuint (r->status, ==, 200);
          state = reel_test_json_str (r, "state");
          if (g_strcmp0 (state, "failed") == 0 || g_strcmp0 (state, "ready") == 0)
            {
              c->state = g_strdup (state);
              c->reason = g_strdup (reel_test_json_str (r, "error"));
              settled++;
            }
        }
      g_usleep (200 * 1000);
    }
  for (guint i = 0; i < cases->len; i++)
    {
      DamageCase *c = cases->pdata[i];
      g_autofree char *note = g_strcmp0 (c->state, "ready") == 0
                                  ? g_strdup_printf (" (decodable: %s)", c->maybe_decodable)
                                  : NULL;
      g_test_message ("%-32s %-7s %s%s", c->name, c->state ? c->state : "STUCK",
                      c->reason ? c->reason : "", note ? note : "");
      failed += g_strcmp0 (c->state, "failed") == 0;
    }
  g_test_message ("%u of %u damaged files failed; slowest /healthz %.0f ms", failed, cases->len,
                  worst_health / 1000.0);
  for (guint i = 0; i < cases->len; i++)
    {
      DamageCase *c = cases->pdata[i];
      g_assert_nonnull (c->state);
      if (g_str_equal (c->state, "failed"))
        {
          g_assert_nonnull (c->reason);
          g_assert_cmpuint (strlen (c->reason), >, 10);
        }
      else
        g_assert_nonnull (c->maybe_decodable);
    }
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (d->port, good, "ready|failed", REEL_TEST_READY_WAIT_S);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  g_assert_cmpint (pid_of (d), ==, pid);
  g_assert_cmpint (kill (pid, 0), ==, 0);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

/* ---- A live stream that crashes its decoder -------------------------- */

/* Whether something listens on UDP port (binding it fails). */
static gboolean
udp_taken (guint16 port)
{
  g_autoptr (GSocket) s
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) a = g_inet_socket_address_new (lo, port);
  return !g_socket_bind (s, a, FALSE, NULL);
}

static gboolean
wait_udp_taken (guint16 port)
{
  for (int i = 0; i < 200 && !udp_taken (port); i++)
    g_usleep (50 * 1000);
  return udp_taken (port);
}

static void
test_live_crash (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  guint16 srt_port = reel_test_free_port ();
  g_autofree char *text = g_strdup_printf (
      "[live]\nsrt_port = %u\nladder = 120p:120:150\n[media]\nx264_preset = ultrafast\n", srt_port);
  g_autofree char *arg = g_strdup_printf ("--config=%s", conf);
  const char *env[] = { "REEL_TEST_FAULT=media-crash:live", NULL };
  const char *args[] = { arg, NULL };
  ReelTestReeld *d;
  pid_t pid;
  g_autofree char *token = NULL, *key = NULL, *target = NULL;
  g_autoptr (GSubprocessLauncher) launcher
      = reel_test_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) pusher = NULL;
  g_autoptr (GError) error = NULL;
  guint started = 0, ended = 0;

  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  d = reel_test_reeld_start_args (dir, nats->url, env, args);
  pid = pid_of (d);
  token = reel_test_register_login (d->port, "lena", PASSWORD);
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (d->port, "POST", "/api/v1/live/keys", token, NULL, 0);
    g_assert_cmpuint (r->status, ==, 201);
    key = g_strdup (reel_test_json_str (r, "key"));
  }
  g_assert_true (wait_udp_taken (srt_port));
  /* The caller is accepted; the first decoded frame kills the decoding
   * child, which ends the session; reeld carries on. */
  target = g_strdup_printf ("srt://127.0.0.1:%u?streamid=%s&pkt_size=1316", srt_port, key);
  pusher = g_subprocess_launcher_spawn (launcher, &error, "ffmpeg", "-nostdin", "-v", "error",
                                        "-re", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
                                        "-t", "6", "-c:v", "libx264", "-preset", "ultrafast",
                                        "-tune", "zerolatency", "-f", "mpegts", target, NULL);
  g_assert_no_error (error);
  for (int i = 0; i < 600 && ended == 0; i++)
    {
      g_autoptr (GPtrArray) log = NULL;
      guint64 last;
      assert_api_answers (d->port, NULL);
      g_usleep (100 * 1000);
      log = reel_test_event_log (nats->url, &last);
      started = ended = 0;
      for (guint k = 0; k < log->len; k++)
        {
          started += strstr (log->pdata[k], "\"type\":\"live.started\"") != NULL;
          ended += strstr (log->pdata[k], "\"type\":\"live.ended\"") != NULL;
        }
    }
  g_assert_cmpuint (started, ==, 1);
  g_assert_cmpuint (ended, ==, 1);
  g_subprocess_wait (pusher, NULL, NULL);
  /* A new listener waits for the next session. */
  g_assert_true (wait_udp_taken (srt_port));
  g_assert_cmpint (pid_of (d), ==, pid);
  assert_api_answers (d->port, NULL);
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

/* ffprobe's CSV (no section names) of entries for file, with extra
 * options (e.g. "-count_frames"; may be NULL). */
static char *
probe_csv (const char *file, const char *select, const char *entries, const char *extra)
{
  const char *argv[12];
  guint n = 0;
  g_autofree char *err = NULL;
  int status;
  char *out;
  argv[n++] = "ffprobe";
  argv[n++] = "-v";
  argv[n++] = "error";
  if (extra)
    argv[n++] = extra;
  if (select)
    {
      argv[n++] = "-select_streams";
      argv[n++] = select;
    }
  argv[n++] = "-show_entries";
  argv[n++] = entries;
  argv[n++] = "-of";
  argv[n++] = "csv=p=0";
  argv[n++] = file;
  argv[n] = NULL;
  out = reel_test_run_env (argv, NULL, &err, &status);
  g_test_message ("ffprobe %s: %.200s %s", entries, out ? out : "", err ? err : "");
  g_assert_cmpint (status, ==, 0);
  return out;
}

static void
test_jumping_timestamps (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  /* Three scenes of 2.5, 2.5 and 1 s, concatenated before the encoder:
   * each starts a segment of its own, and x264enc's decoding times jump. */
  g_autofree char *clip = reel_test_make_media (
      media, "jumps.mp4",
      "videotestsrc pattern=smpte horizontal-speed=4 num-buffers=75 ! " RAW_SMALL " ! cut. "
      "videotestsrc pattern=ball num-buffers=75 ! " RAW_SMALL " ! cut. "
      "videotestsrc pattern=circular num-buffers=30 ! " RAW_SMALL " ! cut. "
      "concat name=cut ! x264enc speed-preset=ultrafast bframes=2 key-int-max=30 ! mp4mux name=mux "
      "! filesink location=%s audiotestsrc num-buffers=280 ! audioconvert ! avenc_aac ! mux.");
  g_autofree char *dts = probe_csv (clip, "v", "packet=dts_time", NULL);
  g_auto (GStrv) lines = g_strsplit (dts, "\n", -1);
  guint backwards = 0;
  g_autofree char *id = NULL, *token = NULL;
  ReelTestReeld *d;

  /* The default segments and chunks (2 s; chunks of 3 after a first of
   * 1), a fast preset. */
  g_assert_true (g_file_set_contents (conf, "[media]\nx264_preset = ultrafast\n", -1, NULL));
  /* The file is what this test is about: decoding times that do not
   * increase. */
  for (guint i = 1; lines[i] && lines[i][0]; i++)
    backwards += g_ascii_strtod (lines[i], NULL) <= g_ascii_strtod (lines[i - 1], NULL);
  g_test_message ("%u decoding times do not increase", backwards);
  g_assert_cmpuint (backwards, >, 0);

  d = reel_test_reeld_start_config (dir, nats->url, conf);
  token = reel_test_register_login (d->port, "eve", PASSWORD);
  id = reel_test_upload (d->port, token, clip, "Jumps");
  {
    /* Its middle scene decodes with one timestamp over and over, inside
     * the second chunk (2 s to the end): those frames are dropped and the
     * picture holds. Before, the chunk's muxer got frames without a
     * timestamp and the video failed ("Could not multiplex stream."). */
    g_autoptr (ReelTestResponse) v = wait_state_watching (d->port, id, "failed|ready", NULL);
    const char *reason = reel_test_json_str (v, "error");
    g_test_message ("jumping timestamps: %s", reason ? reason : "(ready)");
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  }
  {
    g_autofree char *url
        = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/master.m3u8", d->port, id);
    g_autofree char *out
        = probe_csv (url, NULL, "stream=codec_type,nb_read_frames", "-count_frames");
    g_assert_nonnull (strstr (out, "video,"));
    g_assert_null (strstr (out, "video,0\n"));
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

/* The first CPU this process may run on. */
static int
first_cpu (void)
{
  cpu_set_t set;
  g_assert_cmpint (sched_getaffinity (0, sizeof set, &set), ==, 0);
  for (int i = 0; i < CPU_SETSIZE; i++)
    if (CPU_ISSET (i, &set))
      return i;
  g_assert_not_reached ();
}

/* A pipeline that gets little CPU for longer than its stall limit is slow,
 * not stuck: reel-media, pinned to one CPU at nice 19 beside a busy loop
 * pinned there too, runs a 2 s stall limit through 6 s without a frame out
 * of its encoder (whose look-ahead holds the first 60), and completes once
 * the loop ends. (Counted in wall time, the stall
 * failed it: what could fail a niced poster or seek-preview job on a node
 * busy with transcodes.) */
static void
test_starved (void)
{
  g_autofree char *media = reel_test_media_path ();
  g_autofree char *cpu = g_strdup_printf ("%d", first_cpu ());
  const char *request
      = "{\"op\":\"pipeline\",\"kind\":\"thumbnail\",\"stall_timeout_s\":2,\"line\":"
        "\"videotestsrc num-buffers=90 ! video/x-raw,width=320,height=240,framerate=30/1 "
        "! x264enc speed-preset=medium rc-lookahead=60 ! fakesink\"}\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) hog = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "taskset", "-c",
                                                  cpu, "sh", "-c", "while :; do :; done", NULL);
  g_autoptr (GSubprocess) child = NULL;
  g_autofree char *out = NULL;
  gint64 started;

  g_assert_no_error (error);
  /* The loop has the CPU before the child starts. */
  g_usleep (300 * 1000);
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                            "taskset", "-c", cpu, "nice", "-n", "19", media, NULL);
  g_assert_no_error (error);
  started = g_get_monotonic_time ();
  {
    GOutputStream *in = g_subprocess_get_stdin_pipe (child);
    g_assert_true (g_output_stream_write_all (in, request, strlen (request), NULL, NULL, &error));
    g_assert_true (g_output_stream_close (in, NULL, &error));
  }
  g_usleep (6 * G_USEC_PER_SEC);
  g_subprocess_force_exit (hog);
  g_assert_true (g_subprocess_wait (hog, NULL, NULL));
  {
    g_autoptr (GDataInputStream) lines
        = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
    g_autoptr (GString) all = g_string_new (NULL);
    char *line;
    while ((line = g_data_input_stream_read_line (lines, NULL, NULL, &error)))
      {
        g_string_append_printf (all, "%s\n", line);
        g_free (line);
      }
    g_assert_no_error (error);
    out = g_string_free (g_steal_pointer (&all), FALSE);
  }
  g_assert_true (g_subprocess_wait (child, NULL, NULL));
  g_test_message ("reel-media answered after %.1f s: %s",
                  (double)(g_get_monotonic_time () - started) / G_USEC_PER_SEC, out);
  g_assert_null (strstr (out, "{\"error\""));
  g_assert_nonnull (strstr (out, "{\"result\""));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hostile-media/decoder-crash", test_decoder_crash);
  g_test_add_func ("/hostile-media/decoder-hang", test_decoder_hang);
  g_test_add_func ("/hostile-media/decoder-oom", test_decoder_oom);
  g_test_add_func ("/hostile-media/ten-years", test_ten_years);
  g_test_add_func ("/hostile-media/deleted-jobs", test_deleted_jobs);
  g_test_add_func ("/hostile-media/corpus", test_corpus);
  g_test_add_func ("/hostile-media/jumping-timestamps", test_jumping_timestamps);
  g_test_add_func ("/hostile-media/live-decoder-crash", test_live_crash);
  g_test_add_func ("/hostile-media/starved", test_starved);
  return g_test_run ();
}
