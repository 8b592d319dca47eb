/* Benchmark (meson benchmark, not a test): live latency from ingest to
 * playlist, median over SEGMENTS segments, against ffmpeg's own HLS muxer
 * receiving the same SRT stream, in one run.
 *
 * The same ffmpeg command pushes a 320x240 25 fps test picture with sound
 * in real time (-re) over SRT, once to reeld (live ladder of two rungs,
 * 1 s segments) and once to an ffmpeg listening on SRT that encodes one
 * 240-line rendition the same way (x264 ultrafast, zero latency, a
 * keyframe every second) into HLS with 1 s segments. Both playlists are
 * polled every POLL_MS; a segment's latency is the moment it first appears
 * in the playlist minus the moment its last frame was pushed, taking the
 * pusher's clock (it sends in real time from its start) as the reference
 * for both. For reel, the latency from the segment's last frame reaching
 * the live ingest (EXT-X-PROGRAM-DATE-TIME, stamped by reeld) is printed
 * too. */
#include "harness.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>

#define SEGMENTS 30
#define SEGMENT_S 1
/* A few segments more than measured: the first is partial, the last ones
 * may not make it into the playlist before the push ends. */
#define PUSH_S (SEGMENTS + 5)
#define POLL_MS 20

static GSubprocess *
push (const char *target)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *t = g_strdup_printf ("%d", PUSH_S);
  g_autoptr (GSubprocessLauncher) l
      = reel_test_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  GSubprocess *p = g_subprocess_launcher_spawn (
      l, &error, "ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i",
      "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
      "-t", t, "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
      "-c:a", "aac", "-f", "mpegts", target, NULL);
  g_assert_no_error (error);
  return p;
}

typedef struct
{
  double content_end; /* pusher time of the segment's last frame, s */
  double seen;        /* when the playlist first listed it, s after the push began */
  double ingest_lag;  /* reel: from the last frame's arrival at the ingest, s */
} Seen;

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int
cmp_seen (gconstpointer a, gconstpointer b)
{
  return cmp_double (&((const Seen *)a)->content_end, &((const Seen *)b)->content_end);
}

static double
median (GArray *v)
{
  g_array_sort (v, cmp_double);
  return v->len ? g_array_index (v, double, v->len / 2) : -1;
}

/* --- reel --- */

static double
parse_date_us (const char *text)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_iso8601 (text, NULL);
  return t ? (double)g_date_time_to_unix (t) * 1e6 + g_date_time_get_microsecond (t) : 0;
}

static GArray *
measure_reel (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  guint16 srt = reel_test_free_port ();
  g_autofree char *text
      = g_strdup_printf ("[live]\nsrt_port = %u\nladder = 240p:240:400,120p:120:150\n"
                         "[media]\nsegment_seconds = %d\nx264_preset = ultrafast\n",
                         srt, SEGMENT_S);
  g_autofree char *arg = g_strdup_printf ("--config=%s", conf);
  const char *args[] = { arg, NULL };
  ReelTestReeld *d;
  g_autofree char *token = NULL, *key = NULL, *target = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr (GSubprocess) pusher = NULL;
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Seen));
  double first_start = -1;
  gint64 t0;

  g_assert_true (g_file_set_contents (conf, text, -1, NULL));
  d = reel_test_reeld_start_args (data, nats->url, NULL, args);
  token = reel_test_register_login (d->port, "bench", "correct horse battery");
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (d->port, "POST", "/api/v1/live/keys", token, NULL, 0);
    key = g_strdup (reel_test_json_str (r, "key"));
  }
  g_usleep (2 * G_USEC_PER_SEC); /* the listener starts within a scan */
  target = g_strdup_printf ("srt://127.0.0.1:%u?streamid=%s&pkt_size=1316", srt, key);
  t0 = g_get_monotonic_time ();
  pusher = push (target);
  while (g_subprocess_get_identifier (pusher)
         || g_get_monotonic_time () - t0 < (PUSH_S + 3) * G_USEC_PER_SEC)
    {
      g_autoptr (ReelTestResponse) r
          = reel_test_http (d->port, "GET", "/live/bench/240p.m3u8", NULL, NULL, 0);
      double now = (double)(g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
      double real_now = (double)g_get_real_time ();
      g_auto (GStrv) lines = NULL;
      double duration = 0, date_us = 0;
      if (r->status == 200)
        lines = g_strsplit (r->body, "\n", -1);
      for (guint i = 0; lines && lines[i]; i++)
        if (g_str_has_prefix (lines[i], "#EXT-X-PROGRAM-DATE-TIME:"))
          date_us = parse_date_us (lines[i] + 25);
        else if (g_str_has_prefix (lines[i], "#EXTINF:"))
          duration = g_ascii_strtod (lines[i] + 8, NULL);
        else if (g_str_has_suffix (lines[i], ".m4s"))
          {
            gint64 n = g_ascii_strtoll (strrchr (lines[i], '/') + 1, NULL, 10);
            Seen *s;
            /* The first segment starts where the stream's timeline does. */
            if (first_start < 0)
              first_start = (double)(n + 1) * SEGMENT_S - duration;
            if (g_hash_table_contains (seen, &n))
              continue;
            s = g_new0 (Seen, 1);
            s->content_end = (double)n * SEGMENT_S + duration - first_start;
            s->seen = now;
            s->ingest_lag = (real_now - date_us) / 1e6 - duration;
            g_hash_table_insert (seen, g_memdup2 (&n, sizeof n), s);
          }
      g_usleep (POLL_MS * 1000);
      if (!g_subprocess_get_identifier (pusher) && now > PUSH_S + 3)
        break;
    }
  {
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init (&it, seen);
    while (g_hash_table_iter_next (&it, &k, &v))
      g_array_append_val (out, *(Seen *)v);
  }
  reel_test_reeld_stop (d);
  reel_test_reeld_free (d);
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
  return out;
}

/* --- the reference: ffmpeg's HLS muxer --- */

static GArray *
measure_ffmpeg (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *playlist = g_build_filename (dir, "live.m3u8", NULL);
  guint16 srt = reel_test_free_port ();
  g_autofree char *listen = g_strdup_printf ("srt://127.0.0.1:%u?mode=listener", srt);
  g_autofree char *target = g_strdup_printf ("srt://127.0.0.1:%u?pkt_size=1316", srt);
  g_autofree char *hls_time = g_strdup_printf ("%d", SEGMENT_S);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) silent
      = reel_test_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GSubprocess) receiver = NULL, pusher = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Seen));
  gint64 t0;

  receiver = g_subprocess_launcher_spawn (
      silent, &error, "ffmpeg", "-nostdin", "-v", "error", "-i", listen, "-map", "0:v", "-c:v",
      "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-keyint_min", "25",
      "-sc_threshold", "0", "-f", "hls", "-hls_time", hls_time, "-hls_list_size", "0", playlist,
      NULL);
  g_assert_no_error (error);
  g_usleep (G_USEC_PER_SEC);
  t0 = g_get_monotonic_time ();
  pusher = push (target);
  while (g_subprocess_get_identifier (pusher)
         || g_get_monotonic_time () - t0 < (PUSH_S + 3) * G_USEC_PER_SEC)
    {
      g_autofree char *text = NULL;
      double now = (double)(g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
      double end = 0, duration = 0;
      g_auto (GStrv) lines = NULL;
      gint64 n = 0;
      if (g_file_get_contents (playlist, &text, NULL, NULL))
        lines = g_strsplit (text, "\n", -1);
      for (guint i = 0; lines && lines[i]; i++)
        if (g_str_has_prefix (lines[i], "#EXTINF:"))
          duration = g_ascii_strtod (lines[i] + 8, NULL);
        else if (g_str_has_suffix (lines[i], ".ts"))
          {
            Seen *s;
            end += duration;
            n++;
            if (g_hash_table_contains (seen, &n))
              continue;
            s = g_new0 (Seen, 1);
            s->content_end = end;
            s->seen = now;
            s->ingest_lag = -1;
            g_hash_table_insert (seen, g_memdup2 (&n, sizeof n), s);
          }
      g_usleep (POLL_MS * 1000);
      if (!g_subprocess_get_identifier (pusher) && now > PUSH_S + 3)
        break;
    }
  g_subprocess_wait (receiver, NULL, NULL);
  {
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init (&it, seen);
    while (g_hash_table_iter_next (&it, &k, &v))
      g_array_append_val (out, *(Seen *)v);
  }
  reel_test_rmtree (dir);
  return out;
}

/* Latencies of SEGMENTS whole segments (not the first, partial one). */
static GArray *
latencies (GArray *seen, gboolean ingest)
{
  GArray *v = g_array_new (FALSE, FALSE, sizeof (double));
  GArray *sorted = g_array_copy (seen);
  g_array_sort (sorted, cmp_seen);
  for (guint i = 1; i < sorted->len && v->len < SEGMENTS; i++)
    {
      Seen *s = &g_array_index (sorted, Seen, i);
      double l = ingest ? s->ingest_lag : s->seen - s->content_end;
      g_array_append_val (v, l);
    }
  g_array_unref (sorted);
  return v;
}

int
main (int argc, char **argv)
{
  g_autoptr (GArray) reel = measure_reel ();
  g_autoptr (GArray) ref = measure_ffmpeg ();
  g_autoptr (GArray) reel_push = latencies (reel, FALSE);
  g_autoptr (GArray) reel_ingest = latencies (reel, TRUE);
  g_autoptr (GArray) ref_push = latencies (ref, FALSE);
  double r = median (reel_push), f = median (ref_push);

  printf ("live latency, median over %u / %u segments of %d s (320x240 25 fps over SRT)\n",
          reel_push->len, ref_push->len, SEGMENT_S);
  printf ("%-52s %6.3f s\n", "reference: ffmpeg SRT -> HLS muxer, last frame pushed -> playlist",
          f);
  printf ("%-52s %6.3f s  x%.2f of ffmpeg\n", "reel: last frame pushed -> live playlist", r,
          f > 0 ? r / f : 0);
  printf ("%-52s %6.3f s\n", "reel: last frame at the ingest -> live playlist",
          median (reel_ingest));
  return reel_push->len == SEGMENTS && ref_push->len == SEGMENTS ? 0 : 1;
}
