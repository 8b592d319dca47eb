/* Live streaming end to end (issue 5): a real reeld with its own
 * nats-server (one that requires a token, given to reeld as nats.token, so
 * the live pipelines' natssink and natssrc must present it too), ffmpeg
 * pushing a 30 s 320x240 test stream over SRT, ffmpeg playing the live HLS.
 *
 *   /live/stream   a stream key from the API; a wrong key is refused; within
 *                  3 segment lengths of the push the live playlist plays in
 *                  ffmpeg; a request 20 s back (rewind=20) plays from there;
 *                  when the push ends the recording becomes an ordinary
 *                  video that reaches ready; every event validates; the
 *                  live read model survives a rebuild unchanged
 *   /live/api      the live API's errors: no token, unknown channel, bad
 *                  paging, bad rewind, segments that do not exist */
#include "harness.h"
#include "replay.h"

#include <gio/gio.h>

#define SEGMENT_S 2
#define STREAM_S 30
#define REWIND_S 20
static const char *PASSWORD = "correct horse battery";

typedef struct
{
  ReelTestNats *nats;
  ReelTestReeld *reeld;
  char *dir;
  char *config; /* reeld.conf */
  guint16 srt_port;
} Live;

static Live *
live_start (void)
{
  Live *l = g_new0 (Live, 1);
  g_autofree char *config_arg = NULL, *text = NULL;
  l->dir = reel_test_tmpdir ();
  l->nats = reel_test_nats_start_token ("live-nats-token");
  l->srt_port = reel_test_free_port ();
  l->config = g_build_filename (l->dir, "reeld.conf", NULL);
  /* Small and quick: a 2-rung live ladder, the same for the recording. */
  text = g_strdup_printf ("[live]\nsrt_port = %u\nwindow_seconds = 60\n"
                          "ladder = 240p:240:400,120p:120:150\n"
                          "[media]\nsegment_seconds = %d\nladder = 240p:240:400,120p:120:150\n"
                          "x264_preset = ultrafast\n[nats]\ntoken = %s\n",
                          l->srt_port, SEGMENT_S, l->nats->token);
  g_assert_true (g_file_set_contents (l->config, text, -1, NULL));
  config_arg = g_strdup_printf ("--config=%s", l->config);
  {
    g_autofree char *data = g_build_filename (l->dir, "data", NULL);
    const char *args[] = { config_arg, NULL };
    l->reeld = reel_test_reeld_start_args (data, l->nats->url, NULL, args);
  }
  return l;
}

static void
live_stop (Live *l)
{
  g_assert_cmpint (reel_test_reeld_stop (l->reeld), ==, 0);
  reel_test_reeld_free (l->reeld);
  reel_test_nats_stop (l->nats);
  reel_test_rmtree (l->dir);
  g_free (l->dir);
  g_free (l->config);
  g_free (l);
}

/* Whether something listens on UDP port (binding it fails). */
static gboolean
udp_port_taken (guint16 port)
{
  g_autoptr (GSocket) s
      = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) a = g_inet_socket_address_new (lo, port);
  return !g_socket_bind (s, a, FALSE, NULL);
}

static char *
srt_target (Live *l, const char *key)
{
  return g_strdup_printf ("srt://127.0.0.1:%u?streamid=%s&pkt_size=1316", l->srt_port, key);
}

/* ffmpeg pushing seconds of 320x240 test picture and a tone as MPEG-TS. */
static GSubprocess *
push (Live *l, const char *key, int seconds, GError **error)
{
  g_autofree char *target = srt_target (l, key);
  g_autofree char *t = g_strdup_printf ("%d", seconds);
  g_autoptr (GSubprocessLauncher) launcher
      = reel_test_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  return g_subprocess_launcher_spawn (
      launcher, error, "ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i",
      "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
      "-t", t, "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "50",
      "-c:a", "aac", "-f", "mpegts", target, NULL);
}

/* ffmpeg decoding 10 frames of url (with extra input options); returns its
 * output, *status its exit status. */
static char *
play (const char *url, const char *opt, const char *value, int *status)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *head[] = { "ffmpeg", "-nostdin", "-v", "verbose" };
  const char *tail[] = { "-i", url, "-frames:v", "10", "-f", "null", "-", NULL };
  for (guint i = 0; i < G_N_ELEMENTS (head); i++)
    g_ptr_array_add (argv, (gpointer)head[i]);
  if (opt)
    {
      g_ptr_array_add (argv, (gpointer)opt);
      g_ptr_array_add (argv, (gpointer)value);
    }
  for (guint i = 0; i < G_N_ELEMENTS (tail); i++)
    g_ptr_array_add (argv, (gpointer)tail[i]);
  return reel_test_run ((const char *const *)argv->pdata, status);
}

static JsonObject *
channel (Live *l, const char *name)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/live/%s", name);
  g_autoptr (ReelTestResponse) r = reel_test_http (l->reeld->port, "GET", path, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  return json_object_ref (json_node_get_object (r->json));
}

/* Where ffmpeg started playing: the number of the first segment of
 * rendition it opened, in seconds (segment n starts at n segment lengths). */
static double
playback_start (const char *out, const char *rendition)
{
  g_autofree char *needle = g_strdup_printf ("/%s/", rendition);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *p = strstr (lines[i], needle);
      if (strstr (lines[i], "Opening") && p && strstr (p, ".m4s"))
        {
          g_test_message ("%s", lines[i]);
          return g_ascii_strtod (p + strlen (needle), NULL) * SEGMENT_S;
        }
    }
  g_assert_not_reached ();
}

/* The end of the newest segment of a live media playlist, in stream time:
 * segment n starts at n segment lengths. */
static double
live_edge (Live *l, const char *playlist, gboolean *has_dates)
{
  g_autofree char *path = g_strdup_printf ("/live/ann/%s", playlist);
  g_autoptr (ReelTestResponse) r = reel_test_http (l->reeld->port, "GET", path, NULL, NULL, 0);
  g_auto (GStrv) lines = NULL;
  double duration = 0, edge = 0;
  g_assert_cmpuint (r->status, ==, 200);
  g_test_message ("%s", r->body);
  *has_dates = strstr (r->body, "#EXT-X-PROGRAM-DATE-TIME:") != NULL;
  lines = g_strsplit (r->body, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "#EXTINF:"))
      duration = g_ascii_strtod (lines[i] + 8, NULL);
    else if (g_str_has_suffix (lines[i], ".m4s"))
      {
        const char *slash = strrchr (lines[i], '/');
        edge = g_ascii_strtod (slash + 1, NULL) * SEGMENT_S + duration;
      }
  return edge;
}

static void
test_stream (void)
{
  Live *l = live_start ();
  g_autofree char *token = reel_test_register_login (l->reeld->port, "ann", PASSWORD);
  g_autoptr (GSubprocess) pusher = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) ch = NULL;
  g_autofree char *key = NULL, *out = NULL, *url = NULL;
  g_autofree char *recording = NULL;
  g_autoptr (GPtrArray) events = NULL;
  gint64 t0, t1;
  guint64 last = 0;
  int status;

  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (l->reeld->port, "POST", "/api/v1/live/keys", token, NULL, 0);
    g_assert_cmpuint (r->status, ==, 201);
    g_assert_cmpstr (reel_test_json_str (r, "channel"), ==, "ann");
    key = g_strdup (reel_test_json_str (r, "key"));
    g_assert_cmpuint (strlen (key), ==, 43);
  }
  ch = channel (l, "ann");
  g_assert_false (json_object_get_boolean_member (ch, "live"));
  url = g_strdup_printf ("srt://127.0.0.1:%u", l->srt_port);
  g_assert_cmpstr (json_object_get_string_member (ch, "srt_url"), ==, url);
  /* The channel's listener comes up within a scan of the read models. */
  for (int i = 0; i < 100 && !udp_port_taken (l->srt_port); i++)
    g_usleep (50 * 1000);
  g_assert_true (udp_port_taken (l->srt_port));

  /* A wrong key is refused at the handshake. */
  {
    g_autoptr (GSubprocess) wrong = push (l, "not-the-key", 2, &error);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait (wrong, NULL, NULL));
    g_assert_false (g_subprocess_get_successful (wrong));
    g_clear_pointer (&ch, json_object_unref);
    ch = channel (l, "ann");
    g_assert_false (json_object_get_boolean_member (ch, "live"));
  }

  /* Within 3 segment lengths of the push, the playlist plays. */
  t0 = g_get_monotonic_time ();
  pusher = push (l, key, STREAM_S, &error);
  g_assert_no_error (error);
  g_free (url);
  url = g_strdup_printf ("http://127.0.0.1:%u/live/ann/master.m3u8", l->reeld->port);
  for (;;)
    {
      g_autoptr (ReelTestResponse) r
          = reel_test_http (l->reeld->port, "GET", "/live/ann/master.m3u8", NULL, NULL, 0);
      if (r->status == 200)
        {
          g_free (out);
          out = play (url, NULL, NULL, &status);
          if (status == 0)
            break;
        }
      g_assert_cmpint (g_get_monotonic_time () - t0, <, 3 * SEGMENT_S * G_USEC_PER_SEC);
      g_usleep (100 * 1000);
    }
  t1 = g_get_monotonic_time ();
  g_test_message ("the live playlist played %.2f s after the push began",
                  (double)(t1 - t0) / G_USEC_PER_SEC);
  g_assert_cmpint (t1 - t0, <=, 3 * SEGMENT_S * G_USEC_PER_SEC);
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (l->reeld->port, "GET", "/api/v1/live", NULL, NULL, 0);
    JsonArray *items = json_object_get_array_member (json_node_get_object (r->json), "items");
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (items), ==, 1);
    g_assert_cmpstr (
        json_object_get_string_member (json_array_get_object_element (items, 0), "channel"), ==,
        "ann");
    g_assert_true (
        json_object_get_boolean_member (json_array_get_object_element (items, 0), "live"));
  }

  /* 20 s back: the player starts there, not at the live edge. */
  while (g_get_monotonic_time () - t0 < (REWIND_S + 3 * SEGMENT_S) * G_USEC_PER_SEC)
    g_usleep (200 * 1000);
  {
    gboolean dated = FALSE;
    double edge = live_edge (l, "240p.m3u8", &dated), start;
    g_autofree char *back = g_strdup_printf ("%s?rewind=%d", url, REWIND_S);
    g_free (out);
    out = play (back, "-prefer_x_start", "1", &status);
    g_assert_cmpint (status, ==, 0);
    start = playback_start (out, "240p");
    g_test_message ("live edge %.2f s, rewound playback starts at %.2f s", edge, start);
    g_assert_true (dated);
    /* The player starts at the segment holding the point; the playlist may
     * have grown by a segment meanwhile. */
    g_assert_cmpfloat (start, >=, edge - REWIND_S - SEGMENT_S);
    g_assert_cmpfloat (start, <=, edge - REWIND_S + SEGMENT_S);
  }

  /* The end of the push ends the session; the recording becomes a video. */
  g_assert_true (g_subprocess_wait (pusher, NULL, NULL));
  g_assert_true (g_subprocess_get_successful (pusher));
  for (int i = 0; i < 300 && !recording; i++)
    {
      g_clear_pointer (&ch, json_object_unref);
      ch = channel (l, "ann");
      if (!json_object_get_boolean_member (ch, "live") && json_object_has_member (ch, "recording"))
        recording = g_strdup (json_object_get_string_member (ch, "recording"));
      else
        g_usleep (50 * 1000);
    }
  g_assert_nonnull (recording);
  {
    g_autoptr (ReelTestResponse) v
        = reel_test_wait_state (l->reeld->port, recording, "ready|failed", 180);
    JsonObject *o = json_node_get_object (v->json);
    g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
    g_assert_cmpstr (reel_test_json_str (v, "owner"), ==, "ann");
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "duration"), STREAM_S, 1.5);
  }
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (l->reeld->port, "GET", "/live/ann/240p.m3u8", NULL, NULL, 0);
    g_assert_cmpuint (r->status, ==, 200);
    for (int i = 0; i < 100 && !strstr (r->body, "#EXT-X-ENDLIST"); i++)
      {
        g_usleep (100 * 1000);
        reel_test_response_free (g_steal_pointer (&r));
        r = reel_test_http (l->reeld->port, "GET", "/live/ann/240p.m3u8", NULL, NULL, 0);
      }
    g_assert_nonnull (strstr (r->body, "#EXT-X-ENDLIST"));
  }

  events = reel_test_event_log (l->nats->auth_url, &last);
  reel_test_validate_events (events);
  for (const char *const *t = (const char *const[]){ "\"live.key_created\"", "\"live.started\"",
                                                     "\"live.ended\"", NULL };
       *t; t++)
    {
      gboolean seen = FALSE;
      for (guint i = 0; i < events->len && !seen; i++)
        seen = strstr (events->pdata[i], *t) != NULL;
      g_assert_true (seen);
    }

  /* The live table is a pure function of the log. */
  g_free (reel_test_stop_rebuild_same (g_steal_pointer (&l->reeld), l->nats->url, l->config));
  reel_test_nats_stop (l->nats);
  reel_test_rmtree (l->dir);
  g_free (l->dir);
  g_free (l->config);
  g_free (l);
}

static guint
status_of (Live *l, const char *method, const char *path, const char *token)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (l->reeld->port, method, path, token, NULL, 0);
  g_assert_nonnull (reel_test_error_code (r));
  return r->status;
}

static void
test_api (void)
{
  Live *l = live_start ();
  g_autofree char *token = reel_test_register_login (l->reeld->port, "bea", PASSWORD);
  g_assert_cmpuint (status_of (l, "POST", "/api/v1/live/keys", NULL), ==, 401);
  g_assert_cmpuint (status_of (l, "POST", "/api/v1/live/keys", "not-a-token"), ==, 401);
  g_assert_cmpuint (status_of (l, "GET", "/api/v1/live/bea", NULL), ==, 404);
  g_assert_cmpuint (status_of (l, "GET", "/api/v1/live/..", NULL), ==, 404);
  g_assert_cmpuint (status_of (l, "GET", "/api/v1/live?limit=0", NULL), ==, 400);
  g_assert_cmpuint (status_of (l, "GET", "/api/v1/live?limit=101", NULL), ==, 400);
  g_assert_cmpuint (status_of (l, "GET", "/api/v1/live?cursor=%25%25", NULL), ==, 400);
  g_assert_cmpuint (status_of (l, "GET", "/live/bea/master.m3u8", NULL), ==, 404);
  g_assert_cmpuint (status_of (l, "GET", "/live/bea/master.m3u8?rewind=x", NULL), ==, 400);
  g_assert_cmpuint (status_of (l, "GET", "/live/bea/240p.m3u8?rewind=-5", NULL), ==, 400);
  {
    /* In the error format every 400 has. */
    g_autoptr (ReelTestResponse) r
        = reel_test_http (l->reeld->port, "GET", "/live/bea/master.m3u8?rewind=x", NULL, NULL, 0);
    JsonObject *e = json_object_get_object_member (json_node_get_object (r->json), "error");
    g_assert_cmpstr (json_object_get_string_member (e, "code"), ==, "invalid_request");
  }
  g_assert_cmpuint (status_of (l, "GET", "/live/bea/s/240p/0.m4s", NULL), ==, 404);
  {
    g_autoptr (ReelTestResponse) k
        = reel_test_http (l->reeld->port, "POST", "/api/v1/live/keys", token, NULL, 0);
    g_autoptr (ReelTestResponse) r
        = reel_test_http (l->reeld->port, "GET", "/api/v1/live?limit=5", NULL, NULL, 0);
    JsonObject *o = json_node_get_object (r->json);
    g_assert_cmpuint (k->status, ==, 201);
    /* A channel with a key that is not streaming is not listed. */
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "items")), ==, 0);
    g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (o, "next_cursor")));
  }
  {
    g_autoptr (ReelTestResponse) h
        = reel_test_http (l->reeld->port, "GET", "/healthz", NULL, NULL, 0);
    g_assert_cmpuint (h->status, ==, 200);
  }
  live_stop (l);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/live/api", test_api);
  g_test_add_func ("/live/stream", test_stream);
  return g_test_run ();
}
