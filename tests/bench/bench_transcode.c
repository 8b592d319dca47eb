/* Benchmark (issues 3 and 18): one 1080p30 source with sound through reel
 * and through one ffmpeg process making the same ladder (same rungs,
 * bitrates, VBV, x264 preset with its B-frames, segment length, keyframes
 * at every segment boundary and nowhere else, HLS fMP4), measured in the
 * same run on the same machine. ffmpeg keeps its default x264 threads (a
 * user's one process; reel uses media.x264_threads per rung, 1): frame
 * threads cost x264 a few hundredths of a dB, no more.
 *
 * Prints:
 *   - reel upload-complete -> ready, as a ratio to ffmpeg's wall time
 *     (target <= 0.9);
 *   - reel upload-complete -> playable, in seconds (target <= 2 s);
 *   - per rung: PSNR and SSIM against the source scaled to the rung with
 *     lanczos, and bytes, for both (target: PSNR within 0.1 dB and SSIM
 *     within 0.002 at no more than +3 % bytes).
 *
 * Not yet: the three kinds of content (this is one, scrolling bars
 * with a timecode) and CPU-seconds per source-second.
 *
 * Run: meson test -C build --benchmark bench-transcode --verbose
 * (REEL_BENCH_SECONDS sets the source length, default 30). */
#include "harness.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>

static const char *PASSWORD = "correct horse battery";

typedef struct
{
  const char *name;
  int height;
  int kbps;
} Rung;

/* reeld's default ladder (src/core/config.c), for a 1080p source. */
static const Rung ladder[] = {
  { "1080p", 1080, 5000 }, { "720p", 720, 2800 }, { "480p", 480, 1400 },
  { "360p", 360, 800 },    { "240p", 240, 400 },
};
#define SEGMENT_S 2
#define PRESET "veryfast"

static double
now_s (void)
{
  return (double)g_get_monotonic_time () / G_USEC_PER_SEC;
}

static char *
run_or_die (const char *const *argv)
{
  int status;
  char *out = reel_test_run (argv, &status);
  if (status != 0)
    g_error ("%s failed: %s", argv[0], out ? out : "");
  return out;
}

/* As reel rounds a rung's width (media/plan.c). */
static int
even (double v)
{
  int i = (int)(v + 0.5);
  return MAX (2, i - (i % 2));
}

/* A score of a rendition against the source scaled to the rendition's size
 * with lanczos, as ffmpeg's filter (psnr: "average:", all planes; ssim:
 * "All:") computes it. */
static double
score (const char *filter, const char *key, const char *rendition, const char *source, int width,
       int height)
{
  g_autofree char *graph = g_strdup_printf (
      "[1:v]scale=%d:%d:flags=lanczos,setpts=PTS-STARTPTS[ref];[0:v]setpts=PTS-STARTPTS[dist];"
      "[dist][ref]%s",
      width, height, filter);
  const char *argv[] = { "ffmpeg", "-nostdin", "-i", rendition, "-i", source,
                         "-lavfi", graph,      "-f", "null",    "-",  NULL };
  g_autofree char *out = run_or_die (argv);
  const char *at = g_strrstr (out, key);
  return at ? g_ascii_strtod (at + strlen (key), NULL) : NAN;
}

static guint64
dir_bytes (const char *dir, const char *prefix)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint64 total = 0;
  while (d && (name = g_dir_read_name (d)))
    if (!prefix || g_str_has_prefix (name, prefix))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        GStatBuf st;
        if (g_stat (path, &st) == 0)
          total += (guint64)st.st_size;
      }
  return total;
}

int
main (int argc, char **argv)
{
  const char *len_env = g_getenv ("REEL_BENCH_SECONDS");
  int seconds = len_env ? atoi (len_env) : 30;
  g_autofree char *work = reel_test_tmpdir ();
  g_autofree char *data = g_build_filename (work, "reel-data", NULL);
  g_autofree char *ff_dir = g_build_filename (work, "ffmpeg", NULL);
  g_autofree char *frames = g_strdup_printf ("%d", seconds * 30);
  g_autofree char *audio_buffers = g_strdup_printf ("%d", seconds * 50);
  g_autofree char *pipeline = g_strdup_printf (
      "videotestsrc pattern=smpte horizontal-speed=3 num-buffers=%s "
      "! video/x-raw,width=1920,height=1080,framerate=30/1,format=I420 ! timeoverlay "
      "font-desc=\"Sans 60\" "
      "! x264enc speed-preset=veryfast bitrate=20000 key-int-max=60 ! mp4mux name=m "
      "! filesink location=%%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=%s "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.",
      frames, audio_buffers);
  g_autofree char *source = NULL, *token = NULL, *id = NULL;
  double t_upload, t_playable = 0, t_ready = 0, ff_wall;
  ReelTestReeld *d;

  g_test_init (&argc, &argv, NULL);
  g_print ("making a %d s 1920x1080 30 fps source with sound...\n", seconds);
  source = reel_test_make_media (work, "source.mp4", pipeline);

  /* --- reel --- */
  d = reel_test_reeld_start (data, NULL, NULL);
  token = reel_test_register_login (d->port, "bench", PASSWORD);
  id = reel_test_tus_upload (d->port, token, source, "bench");
  t_upload = now_s ();
  for (;;)
    {
      g_autoptr (ReelTestResponse) r
          = reel_test_wait_state (d->port, id, "processing|playable|ready|failed", 600);
      const char *state = reel_test_json_str (r, "state");
      if (!t_playable && (g_str_equal (state, "playable") || g_str_equal (state, "ready")))
        t_playable = now_s ();
      if (g_str_equal (state, "ready"))
        {
          t_ready = now_s ();
          break;
        }
      if (g_str_equal (state, "failed"))
        g_error ("reel failed the video: %s", r->body);
      g_usleep (20 * 1000);
    }

  /* --- ffmpeg, the same ladder in one process --- */
  {
    g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func (g_free);
    g_autoptr (GString) graph = g_string_new (NULL);
    g_autoptr (GString) map = g_string_new (NULL);
    g_autofree char *force = g_strdup_printf ("expr:gte(t,n_forced*%d)", SEGMENT_S);
    g_autofree char *seg = g_strdup_printf ("%d", SEGMENT_S);
    g_autofree char *out_pl = g_build_filename (ff_dir, "%v.m3u8", NULL);
    g_autofree char *out_seg = g_build_filename (ff_dir, "%v_%d.m4s", NULL);
    guint n = G_N_ELEMENTS (ladder);
    double t0;

    g_mkdir_with_parents (ff_dir, 0700);
    g_string_append_printf (graph, "[0:v]split=%u", n);
    for (guint i = 0; i < n; i++)
      g_string_append_printf (graph, "[s%u]", i);
    g_string_append (graph, ";");
    for (guint i = 0; i < n; i++)
      /* The rung sizes reel computes (media/plan.c), so both compare alike. */
      g_string_append_printf (graph, "[s%u]scale=%d:%d[v%u]%s", i,
                              even (1920.0 * ladder[i].height / 1080), ladder[i].height, i,
                              i + 1 < n ? ";" : "");
    for (const char *s = "ffmpeg -nostdin -v error -y -i"; s; s = NULL)
      {
        g_auto (GStrv) w = g_strsplit (s, " ", -1);
        for (guint i = 0; w[i]; i++)
          g_ptr_array_add (a, g_strdup (w[i]));
      }
    g_ptr_array_add (a, g_strdup (source));
    g_ptr_array_add (a, g_strdup ("-filter_complex"));
    g_ptr_array_add (a, g_strdup (graph->str));
    for (guint i = 0; i < n; i++)
      {
        g_ptr_array_add (a, g_strdup ("-map"));
        g_ptr_array_add (a, g_strdup_printf ("[v%u]", i));
        g_ptr_array_add (a, g_strdup_printf ("-c:v:%u", i));
        g_ptr_array_add (a, g_strdup ("libx264"));
        g_ptr_array_add (a, g_strdup_printf ("-b:v:%u", i));
        g_ptr_array_add (a, g_strdup_printf ("%dk", ladder[i].kbps));
        g_ptr_array_add (a, g_strdup_printf ("-maxrate:v:%u", i));
        g_ptr_array_add (a, g_strdup_printf ("%dk", ladder[i].kbps * 3 / 2));
        g_ptr_array_add (a, g_strdup_printf ("-bufsize:v:%u", i));
        g_ptr_array_add (a, g_strdup_printf ("%dk", ladder[i].kbps * 2));
        g_string_append_printf (map, "v:%u,agroup:aud ", i);
      }
    g_ptr_array_add (a, g_strdup ("-map"));
    g_ptr_array_add (a, g_strdup ("0:a"));
    g_string_append (map, "a:0,agroup:aud");
    const char *common[] = { "-preset",
                             PRESET,
                             "-x264-params",
                             "scenecut=0",
                             "-force_key_frames",
                             force,
                             "-c:a",
                             "aac",
                             "-b:a",
                             "128k",
                             "-f",
                             "hls",
                             "-hls_time",
                             seg,
                             "-hls_playlist_type",
                             "vod",
                             "-hls_segment_type",
                             "fmp4",
                             "-hls_segment_filename",
                             out_seg,
                             "-var_stream_map",
                             map->str,
                             out_pl,
                             NULL };
    for (guint i = 0; common[i]; i++)
      g_ptr_array_add (a, g_strdup (common[i]));
    g_ptr_array_add (a, NULL);
    t0 = now_s ();
    g_free (run_or_die ((const char *const *)a->pdata));
    ff_wall = now_s () - t0;
  }

  /* --- quality and size per rung --- */
  g_print ("\nsource: %d s of 1920x1080 at 30 fps with sound; reel: default config "
           "(preset %s, %d s segments); ffmpeg: one process, same ladder\n\n",
           seconds, PRESET, SEGMENT_S);
  g_print ("%-6s %10s %10s %8s %9s %9s %12s %12s %8s\n", "rung", "reel dB", "ffmpeg dB", "diff",
           "reel SSIM", "ff SSIM", "reel bytes", "ffmpeg bytes", "bytes");
  for (guint i = 0; i < G_N_ELEMENTS (ladder); i++)
    {
      int h = ladder[i].height, w = even (1920.0 * h / 1080);
      g_autofree char *reel_url
          = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/%s.m3u8", d->port, id, ladder[i].name);
      g_autofree char *ff_pl = g_strdup_printf ("%s/%u.m3u8", ff_dir, i);
      g_autofree char *reel_dir
          = g_build_filename (data, "blobs", "videos", id, ladder[i].name, NULL);
      g_autofree char *ff_prefix = g_strdup_printf ("%u_", i);
      double p_reel = score ("psnr", "average:", reel_url, source, w, h);
      double p_ff = score ("psnr", "average:", ff_pl, source, w, h);
      double s_reel = score ("ssim", "All:", reel_url, source, w, h);
      double s_ff = score ("ssim", "All:", ff_pl, source, w, h);
      guint64 b_reel = dir_bytes (reel_dir, NULL), b_ff = dir_bytes (ff_dir, ff_prefix);
      g_print ("%-6s %10.2f %10.2f %+8.2f %9.4f %9.4f %12" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT
               " %+7.1f%%\n",
               ladder[i].name, p_reel, p_ff, p_reel - p_ff, s_reel, s_ff, b_reel, b_ff,
               100.0 * ((double)b_reel - (double)b_ff) / (double)b_ff);
    }
  g_print ("\nreel upload-complete -> playable: %.2f s (target <= 3 s)\n", t_playable - t_upload);
  g_print ("reel upload-complete -> ready:    %.2f s\n", t_ready - t_upload);
  g_print ("ffmpeg wall time (same ladder):   %.2f s\n", ff_wall);
  g_print ("ratio reel/ffmpeg: %.2f (target <= 0.9)\n", (t_ready - t_upload) / ff_wall);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (work);
  return 0;
}
