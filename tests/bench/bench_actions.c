/* Benchmark of viewer-action ingest (issue 6), on this machine:
 *
 *   1. throughput: batches of actions POSTed to /api/v1/events by several
 *      concurrent clients as fast as they are answered, through JetStream
 *      into the views projection; events/s until the projection has applied
 *      the last one (and until the last answer, for ingest alone);
 *   2. lag at a sustained rate (the target, or 80 % of the measured
 *      throughput if that is lower): for a sample of actions, the time from
 *      the client sending its batch to the views projection committing it;
 *   3. the reference, measured in the same run on the same nats-server: raw
 *      nats.c JetStream asynchronous publishes of records of the same size
 *      (the cost of storing them, with no HTTP, validation or projection).
 *
 * Each session plays a 4 s video to its end (play, 3 progress, ended: 5
 * actions, one view), all five in one batch, 40 sessions to a batch of 200.
 * The sent-at time goes in each action's "at"; after a phase, the stream is
 * sampled and each sampled action's commit time is found from the views
 * projection's applied sequence, polled every few milliseconds.
 *
 * usage: bench-actions [EVENTS]   (default 300000; run through meson
 * benchmark, which sets the environment) */
#include "harness.h"

#include <libsoup/soup.h>
#include <nats/nats.h>
#include <stdio.h>

#define TARGET_EVENTS_PER_S 50000
#define TARGET_P99_LAG_S 1.0
#define SESSION_ACTIONS 5
#define BATCH_SESSIONS 40
#define BATCH (SESSION_ACTIONS * BATCH_SESSIONS)
#define CLIENTS 6
#define LAG_SAMPLES 4000
#define POLL_INTERVAL_US 3000
#define LAG_PHASE_S 8

/* All clients come from one address: the per-address flood limit on
 * viewer actions would measure 429s, not the path. */
static const char *CONFIG = "[views]\nmin_watch_seconds = 3\n"
                            "[media]\nx264_preset = ultrafast\n"
                            "[limits]\nevents_per_ip = off\n";

typedef struct
{
  guint16 port;
  const char *video;
  guint batches;   /* to send */
  double interval; /* seconds between this client's batches; 0 = no pause */
  guint first;     /* number of this client's first batch */
  guint failed;
} Client;

static gint64
now_us (void)
{
  return g_get_real_time ();
}

static char *
batch_body (const char *video, guint batch)
{
  GString *s = g_string_sized_new (BATCH * 170);
  gint64 at = now_us () / 1000;
  static const char *const steps[][2] = {
    { "play", "0" }, { "progress", "1" }, { "progress", "2" }, { "progress", "3" }, { "ended", "4" }
  };
  g_string_append (s, "{\"events\":[");
  for (guint i = 0; i < BATCH_SESSIONS; i++)
    for (guint k = 0; k < SESSION_ACTIONS; k++)
      g_string_append_printf (
          s,
          "%s{\"id\":\"b%07u-%02u-%u\",\"v\":1,\"video_id\":\"%s\",\"session_id\":\"s%07u-%02u\","
          "\"action\":\"%s\",\"position\":%s,\"at\":%" G_GINT64_FORMAT ",\"rendition\":\"240p\"}",
          i || k ? "," : "", batch, i, k, video, batch, i, steps[k][0], steps[k][1], at + k);
  g_string_append (s, "]}");
  return g_string_free (s, FALSE);
}

static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout", 60, NULL);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/events", c->port);
  gint64 next = now_us ();

  for (guint b = 0; b < c->batches; b++)
    {
      g_autofree char *body = NULL;
      g_autoptr (SoupMessage) msg = soup_message_new ("POST", url);
      g_autoptr (GBytes) bytes = NULL, resp = NULL;
      if (c->interval > 0)
        {
          gint64 wait = next - now_us ();
          if (wait > 0)
            g_usleep ((gulong)wait);
          next += (gint64)(c->interval * G_USEC_PER_SEC);
        }
      body = batch_body (c->video, c->first + b);
      bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "text/plain;charset=UTF-8", bytes);
      resp = soup_session_send_and_read (session, msg, NULL, NULL);
      if (!resp || soup_message_get_status (msg) != 202
          || !strstr (g_bytes_get_data (resp, NULL), "\"accepted\":200"))
        c->failed++;
    }
  return NULL;
}

/* --- the views projection's progress, polled --- */

typedef struct
{
  guint16 port;
  gint stop;
  GArray *samples; /* Sample */
} Poller;

typedef struct
{
  gint64 t_us;
  guint64 applied;
} Sample;

static guint64
views_applied (SoupSession *session, const char *url)
{
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);
  const char *series = "reel_projection_applied_sequence{projection=\"views\"} ";
  const char *text = body ? g_bytes_get_data (body, NULL) : NULL;
  const char *p = text ? strstr (text, series) : NULL;
  return p ? (guint64)g_ascii_strtod (p + strlen (series), NULL) : 0;
}

static gpointer
poller_thread (gpointer data)
{
  Poller *p = data;
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/metrics", p->port);
  while (!g_atomic_int_get (&p->stop))
    {
      Sample s;
      s.applied = views_applied (session, url);
      s.t_us = now_us ();
      g_array_append_val (p->samples, s);
      g_usleep (POLL_INTERVAL_US);
    }
  return NULL;
}

/* Runs n_clients clients sending batches batches in all; returns the
 * elapsed seconds until the last answer. */
static double
run_clients (guint16 port, const char *video, guint batches, double rate, guint *first,
             guint *failed)
{
  Client clients[CLIENTS];
  GThread *threads[CLIENTS];
  gint64 start = now_us ();
  for (guint i = 0; i < CLIENTS; i++)
    {
      clients[i]
          = (Client){ port, video, batches / CLIENTS + (i < batches % CLIENTS), 0, *first, 0 };
      if (rate > 0)
        clients[i].interval = (double)CLIENTS * BATCH / rate;
      *first += clients[i].batches;
      threads[i] = g_thread_new ("client", client_thread, &clients[i]);
    }
  for (guint i = 0; i < CLIENTS; i++)
    {
      g_thread_join (threads[i]);
      *failed += clients[i].failed;
    }
  return (double)(now_us () - start) / G_USEC_PER_SEC;
}

static guint64
stream_last (jsCtx *js, const char *stream)
{
  jsStreamInfo *si = NULL;
  guint64 last;
  g_assert_cmpint (js_GetStreamInfo (&si, js, stream, NULL, NULL), ==, NATS_OK);
  last = si->State.LastSeq;
  jsStreamInfo_Destroy (si);
  return last;
}

static void
wait_applied (guint16 port, guint64 seq)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/metrics", port);
  while (views_applied (session, url) < seq)
    g_usleep (POLL_INTERVAL_US);
}

static int
by_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Lags (seconds) of a sample of the messages in (from, to] (a batch's
 * actions, all sent at the "at" of the first): sent at their "at",
 * committed at the first poll that saw the sequence applied. */
static GArray *
measure_lags (jsCtx *js, GArray *samples, guint64 from, guint64 to)
{
  GArray *lags = g_array_new (FALSE, FALSE, sizeof (double));
  guint64 step = MAX (1, (to - from) / LAG_SAMPLES);
  guint s = 0;
  for (guint64 seq = from + 1; seq <= to; seq += step)
    {
      natsMsg *m = NULL;
      const char *at;
      double lag;
      g_assert_cmpint (js_GetMsg (&m, js, "REEL_ACTIONS", seq, NULL, NULL), ==, NATS_OK);
      at = strstr (natsMsg_GetData (m), "\"at\":");
      g_assert_nonnull (at);
      while (s < samples->len && g_array_index (samples, Sample, s).applied < seq)
        s++;
      g_assert_cmpuint (s, <, samples->len);
      lag = (double)g_array_index (samples, Sample, s).t_us / G_USEC_PER_SEC
            - g_ascii_strtod (at + 5, NULL) / 1000;
      g_array_append_val (lags, lag);
      natsMsg_Destroy (m);
    }
  g_array_sort (lags, by_double);
  return lags;
}

static double
percentile (GArray *sorted, double p)
{
  guint i = (guint)(p * (sorted->len - 1));
  return g_array_index (sorted, double, i);
}

/* The reference: raw JetStream async publishes of n records of len bytes. */
static double
reference_publish (const char *url, const char *record, guint n)
{
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  jsOptions jo;
  jsStreamConfig cfg;
  const char *subjects[] = { "bench.raw.>" };
  gint64 start;
  double elapsed;

  g_assert_cmpint (natsConnection_ConnectTo (&nc, url), ==, NATS_OK);
  jsOptions_Init (&jo);
  jo.PublishAsync.MaxPending = 4096;
  /* With MaxPending in flight a publish waits this long for an ack before
   * giving up (NATS_TIMEOUT); the default 200 ms is shorter than a busy
   * disk may make nats-server take. */
  jo.PublishAsync.StallWait = 10000;
  g_assert_cmpint (natsConnection_JetStream (&js, nc, &jo), ==, NATS_OK);
  jsStreamConfig_Init (&cfg);
  cfg.Name = "BENCH_RAW";
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Duplicates = (int64_t)120 * 1000000000;
  g_assert_cmpint (js_AddStream (NULL, js, &cfg, NULL, NULL), ==, NATS_OK);
  start = now_us ();
  for (guint i = 0; i < n; i++)
    {
      natsMsg *msg = NULL;
      jsPubOptions po;
      char id[32];
      g_snprintf (id, sizeof id, "raw-%u", i);
      jsPubOptions_Init (&po);
      po.MsgId = id;
      g_assert_cmpint (
          natsMsg_Create (&msg, "bench.raw.AAAAAAAAAAA", NULL, record, (int)strlen (record)), ==,
          NATS_OK);
      g_assert_cmpint (js_PublishMsgAsync (js, &msg, &po), ==, NATS_OK);
    }
  g_assert_cmpint (js_PublishAsyncComplete (js, NULL), ==, NATS_OK);
  elapsed = (double)(now_us () - start) / G_USEC_PER_SEC;
  js_DeleteStream (js, "BENCH_RAW", NULL, NULL);
  jsCtx_Destroy (js);
  natsConnection_Destroy (nc);
  return n / elapsed;
}

int
main (int argc, char **argv)
{
  guint events = argc > 1 ? (guint)atoi (argv[1]) : 300000;
  guint batches = MAX (CLIENTS, events / BATCH), first = 0, failed = 0;
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir (), *media = reel_test_tmpdir ();
  g_autofree char *config = g_build_filename (media, "reeld.conf", NULL);
  g_autofree char *clip = NULL, *token = NULL, *video = NULL, *record = NULL;
  natsConnection *nc = NULL;
  jsCtx *js = NULL;
  ReelTestReeld *d;
  Poller poller = { 0 };
  GThread *poll;
  double ingest_s, total_s, rate, lag_rate, lag_send_s, raw, reeld_cpu, nats_cpu;
  gint64 start;
  guint64 before, after, lag_from;
  g_autoptr (GArray) lags = NULL;
  g_autofree char *loadavg = NULL;

  events = batches * BATCH;
  g_assert_true (g_file_set_contents (config, CONFIG, -1, NULL));
  d = reel_test_reeld_start_config (dir, nats->url, config);
  token = reel_test_register_login (d->port, "bench", "correct horse battery");
  clip = reel_test_make_media (media, "clip.mp4",
                               "videotestsrc num-buffers=100 ! video/x-raw,width=320,height=240,"
                               "framerate=25/1 ! x264enc speed-preset=ultrafast ! mp4mux ! "
                               "filesink location=%s");
  video = reel_test_upload (d->port, token, clip, "Benchmark clip");
  reel_test_response_free (reel_test_wait_state (d->port, video, "ready", 300));
  g_assert_cmpint (natsConnection_ConnectTo (&nc, nats->url), ==, NATS_OK);
  g_assert_cmpint (natsConnection_JetStream (&js, nc, NULL), ==, NATS_OK);

  /* 1. Throughput. */
  before = stream_last (js, "REEL_ACTIONS");
  reeld_cpu = reel_test_cpu_seconds (d->proc, FALSE);
  nats_cpu = reel_test_cpu_seconds (nats->proc, FALSE);
  start = now_us ();
  ingest_s = run_clients (d->port, video, batches, 0, &first, &failed);
  after = stream_last (js, "REEL_ACTIONS");
  wait_applied (d->port, after);
  total_s = (double)(now_us () - start) / G_USEC_PER_SEC;
  /* Until every projection is done: their CPU belongs to these events. */
  reel_test_wait_actions_applied (d->port, nats->url);
  reeld_cpu = reel_test_cpu_seconds (d->proc, FALSE) - reeld_cpu;
  nats_cpu = reel_test_cpu_seconds (nats->proc, FALSE) - nats_cpu;
  rate = events / total_s;
  if (failed)
    g_error ("%u of %u batches were refused: the figures would not measure the path", failed,
             batches);
  /* A batch's actions of one video are one message (app/analytics/actions.h). */
  g_assert_cmpuint (after - before, ==, batches);

  {
    g_autofree char *text = NULL;
    g_file_get_contents ("/proc/loadavg", &text, NULL, NULL);
    loadavg = g_strdup (text ? text : "?\n");
  }

  /* 2. Lag at a sustained rate. */
  lag_rate = MIN (TARGET_EVENTS_PER_S, 0.8 * rate);
  lag_from = after;
  poller.port = d->port;
  poller.samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  poll = g_thread_new ("poller", poller_thread, &poller);
  {
    guint lag_batches = MAX (CLIENTS, (guint)(lag_rate * LAG_PHASE_S / BATCH));
    lag_send_s = run_clients (d->port, video, lag_batches, lag_rate, &first, &failed);
    after = stream_last (js, "REEL_ACTIONS");
    wait_applied (d->port, after);
    g_usleep (50 * 1000);
    g_atomic_int_set (&poller.stop, 1);
    g_thread_join (poll);
    lags = measure_lags (js, poller.samples, lag_from, after);
    lag_rate = (double)(after - lag_from) * BATCH / lag_send_s;
  }
  {
    /* Every session watched to the end: one view each. */
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", video);
    g_autoptr (ReelTestResponse) v = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
    gint64 views = json_object_get_int_member (json_node_get_object (v->json), "views");
    g_assert_cmpint (views, ==, (gint64)(first * BATCH_SESSIONS));
  }

  /* 3. The reference, records of the same size. */
  {
    natsMsg *m = NULL;
    const char *data, *end;
    g_assert_cmpint (js_GetMsg (&m, js, "REEL_ACTIONS", after, NULL, NULL), ==, NATS_OK);
    data = natsMsg_GetData (m);
    end = memchr (data, '\n', natsMsg_GetDataLength (m));
    /* One record of the message (one a line). */
    record = g_strndup (data, end ? (gsize)(end - data) : (gsize)natsMsg_GetDataLength (m));
    natsMsg_Destroy (m);
  }
  raw = reference_publish (nats->url, record, events);

  printf ("viewer-action ingest, %u-byte records, batches of %d (one message each) from %d "
          "clients, %u cores\n",
          (guint)strlen (record), BATCH, CLIENTS, g_get_num_processors ());
  printf ("  throughput into the views projection: %.0f events/s (%u events in %.2f s; "
          "ingest alone %.0f events/s)  target >= %d: %s\n",
          rate, events, total_s, events / ingest_s, TARGET_EVENTS_PER_S,
          rate >= TARGET_EVENTS_PER_S ? "met" : "MISSED");
  printf ("  lag, send to views commit, at %.0f events/s (%u samples): p50 %.3f s, p99 %.3f s, "
          "max %.3f s  target p99 < %.1f s: %s\n",
          lag_rate, lags->len, percentile (lags, 0.5), percentile (lags, 0.99),
          percentile (lags, 1.0), TARGET_P99_LAG_S,
          percentile (lags, 0.99) < TARGET_P99_LAG_S ? "met" : "MISSED");
  printf ("  CPU per event, all three projections included: reeld %.1f us, nats-server %.1f us "
          "(load average during the run: %.*s)\n",
          reeld_cpu / events * 1e6, nats_cpu / events * 1e6, (int)strcspn (loadavg, " "), loadavg);
  printf ("  reference, raw nats.c JetStream async publish on the same server: %.0f msgs/s\n", raw);
  printf ("  ratio reel / reference: %.2f\n", rate / raw);
  {
    /* How often a consumer found a record already parsed in this process
     * (app/analytics/action_cache.h), over both phases. */
    static const char *const names[] = { "views", "analytics", "related" };
    double parsed = 0, cached = 0;
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *p
            = g_strdup_printf ("reel_action_records_parsed_total{projection=\"%s\"}", names[i]);
        g_autofree char *c
            = g_strdup_printf ("reel_action_records_cached_total{projection=\"%s\"}", names[i]);
        parsed += MAX (0, reel_test_metric (d->port, p));
        cached += MAX (0, reel_test_metric (d->port, c));
      }
    printf ("  records the three projections parsed themselves: %.0f of %.0f (the rest were "
            "parsed once already, by the API or another projection)\n",
            parsed, parsed + cached);
  }
  printf ("  failed batches: %u\n", failed);

  jsCtx_Destroy (js);
  natsConnection_Destroy (nc);
  g_array_unref (poller.samples);
  reel_test_reeld_stop (d);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
  return failed ? 1 : 0;
}
