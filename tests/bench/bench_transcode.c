/* Benchmark (issues 3 and 18): 1080p30 sources with sound through reel
 * and through one ffmpeg process making the same ladder (same rungs,
 * bitrates, VBV, x264 preset with its B-frames, segment length, keyframes
 * at every segment boundary and nowhere else, HLS fMP4), measured in the
 * same run on the same machine. ffmpeg keeps its default x264 threads (a
 * user's one process: 3 on 2 cores; reel uses media.x264_threads per rung,
 * 1). Frame threads change x264's rate control: on most content by a few
 * hundredths of a dB, but where a scene cuts into noise, one thread
 * spends a burst on the first frames after the cut and starves the next
 * under the VBV (in cuts, ffmpeg itself at -threads 1 scores 1.4 dB less
 * in the segment of the first cut to noise than at its default); and with
 * more than one, x264's bytes, ffmpeg's included, vary from run to run.
 *
 * Three kinds of content, made with GStreamer at run time:
 *   detail   fine detail in motion (a zone plate drifting under a clock)
 *   still    little motion, like a talking head: still bars, a clock
 *   cuts     fast motion with a scene cut every 2.5 s (between segment
 *            boundaries): scrolling bars, drifting rings, noise, circles
 *
 * And "long": 5 minutes of 640x360 with sound, through reel only, to show
 * that playable does not grow with the length (the soundtrack's head,
 * media/worker.c).
 *
 * Prints, for each kind:
 *   - reel upload-complete -> ready, as a ratio to ffmpeg's wall time
 *     (target <= 0.9);
 *   - reel upload-complete -> playable, in seconds (target <= 2 s);
 *   - reel upload-complete -> published: ready and every check passed,
 *     when viewers other than the owner see it (no target);
 *   - CPU-seconds per source-second: reeld and every media process it ran
 *     for the video (the checks and previews that go on after it is ready
 *     included: ffmpeg runs once they are done), and ffmpeg's;
 *   - per rung: PSNR and SSIM against the source scaled to the rung with
 *     lanczos, and bytes, for both (target: PSNR within 0.1 dB and SSIM
 *     within 0.002 at no more than +3 % bytes); the PSNR both as ffmpeg's
 *     psnr filter averages it (of the mean squared error: the frames no
 *     bitrate makes good, such as the noise scenes of cuts, weigh the most)
 *     and as the mean of the frames' PSNR ("fdB": every frame alike).
 *
 * Run: meson test -C build --benchmark bench-transcode --verbose
 * (REEL_BENCH_SECONDS sets the source length, default 30;
 * REEL_BENCH_KINDS a comma-separated subset, e.g. "cuts" or "long";
 * REEL_BENCH_CONFIG a reeld.conf to measure in place of the defaults;
 * REEL_BENCH_WINDOWS a comma-separated list of rungs, e.g. "1080p", to
 * print per segment: both PSNRs of the mean squared error and both
 * segments' bytes, which shows where a rung's difference comes from).
 * The defaults are reeld's own, the adult-content classifier included
 * (nsfwjs under node, as `./dev.sh run` has it), which the test harness
 * otherwise turns off. */
#include "harness.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

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

/* The mean of the frames' PSNR (all planes, as the psnr filter's
 * psnr_avg) in a stats file of ffmpeg's psnr filter; identical frames
 * count as 100 dB. */
static double
mean_frame_psnr (const char *stats, GArray *mse)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  double sum = 0;
  guint n = 0;
  if (!g_file_get_contents (stats, &text, NULL, NULL))
    return NAN;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *v = strstr (lines[i], "psnr_avg:");
      const char *m = strstr (lines[i], "mse_avg:");
      if (!v)
        continue;
      v += strlen ("psnr_avg:");
      sum += g_str_has_prefix (v, "inf") ? 100.0 : MIN (100.0, g_ascii_strtod (v, NULL));
      n++;
      if (mse)
        {
          double e = m ? g_ascii_strtod (m + strlen ("mse_avg:"), NULL) : NAN;
          g_array_append_val (mse, e);
        }
    }
  return n ? sum / n : NAN;
}

/* The PSNR of the mean of mse's frames first to first + n (8-bit). */
static double
window_psnr (const GArray *mse, guint first, guint n)
{
  double sum = 0;
  guint k = 0;
  for (guint i = first; i < first + n && i < mse->len; i++, k++)
    sum += g_array_index (mse, double, i);
  if (!k)
    return NAN;
  return sum > 0 ? 10 * log10 (255.0 * 255.0 / (sum / k)) : 100.0;
}

static guint64
file_bytes (const char *path)
{
  GStatBuf st;
  return g_stat (path, &st) == 0 ? (guint64)st.st_size : 0;
}

/* Per segment of one rung: PSNR of the mean squared error and bytes, reel
 * against ffmpeg (REEL_BENCH_WINDOWS). */
static void
print_windows (const char *rung, guint index, const GArray *mse_reel, const GArray *mse_ff,
               const char *reel_dir, const char *ff_dir)
{
  guint frames = SEGMENT_S * 30;
  g_print ("  %s per segment: %4s %9s %9s %8s %10s %10s %8s\n", rung, "seg", "reel dB", "ff dB",
           "diff", "reel B", "ff B", "bytes");
  for (guint k = 0; k * frames < MAX (mse_reel->len, mse_ff->len); k++)
    {
      g_autofree char *rp = g_strdup_printf ("%s/%u.m4s", reel_dir, k);
      g_autofree char *fp = g_strdup_printf ("%s/%u_%u.m4s", ff_dir, index, k);
      double r = window_psnr (mse_reel, k * frames, frames);
      double f = window_psnr (mse_ff, k * frames, frames);
      guint64 rb = file_bytes (rp), fb = file_bytes (fp);
      g_print ("  %s per segment: %4u %9.2f %9.2f %+8.2f %10" G_GUINT64_FORMAT
               " %10" G_GUINT64_FORMAT " %+7.1f%%\n",
               rung, k, r, f, r - f, rb, fb, fb ? 100.0 * ((double)rb - (double)fb) / fb : NAN);
    }
}

/* PSNR and SSIM of a rendition against the source scaled to the
 * rendition's size with lanczos (rounded exactly:
 * REEL_TEST_REFERENCE_SCALE), as ffmpeg's filters (psnr: "average:", all
 * planes; ssim: "All:") compute them, in one decode of each. The psnr
 * filter's "average" is the PSNR of the frames' mean squared error, so a
 * few frames that no bitrate can make good (noise) weigh the most;
 * psnr_frames is the mean of the frames' PSNR, which weighs every frame
 * alike. */
static void
score (const char *rendition, const char *source, int width, int height, double *psnr,
       double *psnr_frames, double *ssim, GArray *mse)
{
  g_autofree char *stats = NULL;
  g_autofree char *graph = NULL;
  int fd = g_file_open_tmp ("reel-psnr-XXXXXX", &stats, NULL);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_null (strpbrk (stats, ":'\\,;[]="));
  graph = g_strdup_printf ("[1:v]scale=%d:%d:flags=" REEL_TEST_REFERENCE_SCALE
                           ",setpts=PTS-STARTPTS,split[r0][r1];"
                           "[0:v]setpts=PTS-STARTPTS,split[d0][d1];[d0][r0]psnr=stats_file=%s;"
                           "[d1][r1]ssim",
                           width, height, stats);
  const char *argv[] = { "ffmpeg", "-nostdin", "-i", rendition, "-i", source,
                         "-lavfi", graph,      "-f", "null",    "-",  NULL };
  g_autofree char *out = run_or_die (argv);
  const char *p = g_strrstr (out, "average:"), *q = g_strrstr (out, "All:");
  *psnr = p ? g_ascii_strtod (p + strlen ("average:"), NULL) : NAN;
  *ssim = q ? g_ascii_strtod (q + strlen ("All:"), NULL) : NAN;
  *psnr_frames = mean_frame_psnr (stats, mse);
  g_unlink (stats);
}

/* CPU-seconds of this process's waited-for children so far. */
static double
children_cpu (void)
{
  struct rusage ru;
  getrusage (RUSAGE_CHILDREN, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec
         + ru.ru_stime.tv_usec / 1e6;
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
        total += file_bytes (path);
      }
  return total;
}

/* The same ladder through one ffmpeg process, into ff_dir: its wall time
 * and CPU-seconds. */
static void
run_ffmpeg (const char *source, const char *ff_dir, double *wall, double *cpu)
{
  g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) graph = g_string_new (NULL);
  g_autoptr (GString) map = g_string_new (NULL);
  g_autofree char *force = g_strdup_printf ("expr:gte(t,n_forced*%d)", SEGMENT_S);
  g_autofree char *seg = g_strdup_printf ("%d", SEGMENT_S);
  g_autofree char *out_pl = g_build_filename (ff_dir, "%v.m3u8", NULL);
  g_autofree char *out_seg = g_build_filename (ff_dir, "%v_%d.m4s", NULL);
  guint n = G_N_ELEMENTS (ladder);
  double t0, cpu0;

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
  cpu0 = children_cpu ();
  g_free (run_or_die ((const char *const *)a->pdata));
  *wall = now_s () - t0;
  *cpu = children_cpu () - cpu0;
}

typedef struct
{
  const char *name;
  const char *what;
  /* gst-launch video source, 1920x1080 I420 at 30 fps, before
   * num-buffers; NULL: scene cuts (cut_scenes) */
  const char *video;
} Kind;

#define RAW "video/x-raw,width=1920,height=1080,framerate=30/1,format=I420"
#define CLOCK "timeoverlay font-desc=\"Sans 60\""

static const Kind kinds[] = {
  { "detail", "fine detail in motion (a drifting zone plate)",
    "videotestsrc pattern=zone-plate kx2=40 ky2=24 kt=2 kxt=1" },
  { "still", "little motion (still bars, a clock)", "videotestsrc pattern=smpte" },
  { "cuts", "fast motion, a scene cut every 2.5 s", NULL },
};

/* The scenes of "cuts", in turn, 75 frames (2.5 s: between segment
 * boundaries) each. */
static const char *const scenes[] = {
  "videotestsrc pattern=smpte horizontal-speed=24",
  "videotestsrc pattern=zone-plate kx2=20 ky2=20 kt=6",
  "videotestsrc pattern=snow",
  "videotestsrc pattern=circular kt=8",
  "videotestsrc pattern=smpte horizontal-speed=-40",
  "videotestsrc pattern=zone-plate kx2=60 ky2=10 kt=4",
  "videotestsrc pattern=checkers-8 horizontal-speed=12",
  "videotestsrc pattern=ball motion=sweep",
};
#define SCENE_FRAMES 75

/* The raw video of kind, frames long, with a clock on it. */
static char *
video_of (const Kind *kind, int frames)
{
  GString *s = g_string_new (NULL);
  if (kind->video)
    g_string_append_printf (s, "%s num-buffers=%d ! " RAW, kind->video, frames);
  else
    {
      /* concat plays its inputs one after the other; identity makes their
       * segments one, or x264enc's decoding times jump at each cut (a
       * file reel refuses to mux, and so would many a player). */
      for (int i = 0; i * SCENE_FRAMES < frames; i++)
        g_string_append_printf (s, "%s num-buffers=%d ! " RAW " ! cut. ",
                                scenes[i % G_N_ELEMENTS (scenes)],
                                MIN (SCENE_FRAMES, frames - i * SCENE_FRAMES));
      g_string_append (s, "concat name=cut ! identity single-segment=true");
    }
  g_string_append (s, " ! " CLOCK);
  return g_string_free (s, FALSE);
}

/* Whether reeld (proc) has a child other than its nats-server and its
 * waiting warm media process: a media process or a classifier at work. */
static gboolean
media_busy (GSubprocess *proc)
{
  g_auto (GStrv) kids = reel_test_children (proc);
  for (guint i = 0; kids[i]; i++)
    {
      g_autofree char *comm = reel_test_proc_name (kids[i]);
      if (comm && !g_str_has_prefix (comm, "nats-server") && !g_str_equal (comm, "reel-media-warm"))
        return TRUE;
    }
  return FALSE;
}

/* Waits until reeld has run no media process for a second (at most ten
 * minutes); returns when that quiet began. */
static double
wait_media_idle (ReelTestReeld *d)
{
  double quiet = 0;
  for (int i = 0; i < 6000; i++)
    {
      double now = now_s ();
      if (media_busy (d->proc))
        quiet = 0;
      else if (!quiet)
        quiet = now;
      else if (now - quiet >= 1.0)
        return quiet;
      g_usleep (100 * 1000);
    }
  return now_s ();
}

/* One kind through reel (the running reeld d) and ffmpeg; prints its
 * table and figures. */
static void
run_kind (ReelTestReeld *d, const char *token, const char *data, const char *work, const Kind *kind,
          int seconds)
{
  g_autofree char *audio_buffers = g_strdup_printf ("%d", seconds * 50);
  g_autofree char *video = video_of (kind, seconds * 30);
  g_autofree char *file = g_strdup_printf ("%s.mp4", kind->name);
  g_autofree char *ff_dir = g_build_filename (work, kind->name, NULL);
  g_autofree char *pipeline = NULL, *source = NULL, *id = NULL;
  double t_upload, t_playable = 0, t_ready = 0, t_published = 0, t_idle, ff_wall, ff_cpu, reel_cpu;
  const char *windows_env = g_getenv ("REEL_BENCH_WINDOWS");
  g_auto (GStrv) per_segment = windows_env ? g_strsplit (windows_env, ",", -1) : NULL;

  /* %%s: reel_test_make_media's output file. */
  pipeline = g_strdup_printf (
      "%s ! x264enc speed-preset=veryfast bitrate=20000 key-int-max=60 ! mp4mux name=mux "
      "! filesink location=%%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=%s "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! mux.",
      video, audio_buffers);
  g_print ("\n=== %s: %s; making a %d s source with sound...\n", kind->name, kind->what, seconds);
  source = reel_test_make_media (work, file, pipeline);

  /* --- reel --- */
  reel_cpu = reel_test_cpu_seconds (d->proc, TRUE);
  id = reel_test_tus_upload (d->port, token, source, kind->name);
  t_upload = now_s ();
  for (;;)
    {
      g_autoptr (ReelTestResponse) r
          = reel_test_wait_state_as (d->port, token, id, "processing|playable|ready|failed", 600);
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
  /* Viewers see it once its checks passed too (anonymous reads answer
   * 404 until then): when the creator's video is out. */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
    for (guint i = 0; i < 6000 && !t_published; i++)
      {
        g_autoptr (ReelTestResponse) r = reel_test_http (d->port, "GET", path, NULL, NULL, 0);
        if (r->status == 200)
          t_published = now_s ();
        else
          g_usleep (100 * 1000);
      }
    if (!t_published)
      g_error ("reel never published the video");
  }
  /* The checks and the seek previews may still run once the video is
   * ready: their CPU is reel's, and ffmpeg must not share the machine
   * with them. */
  t_idle = wait_media_idle (d);
  reel_cpu = reel_test_cpu_seconds (d->proc, TRUE) - reel_cpu;
  if (t_idle > t_ready + 0.5)
    g_print ("%s: reel's checks and previews went on %.1f s after ready\n", kind->name,
             t_idle - t_ready);

  /* --- ffmpeg, the same ladder in one process --- */
  run_ffmpeg (source, ff_dir, &ff_wall, &ff_cpu);

  /* --- quality and size per rung --- */
  g_print ("%-6s %10s %10s %8s %9s %9s %12s %12s %8s %9s %9s %8s\n", "rung", "reel dB", "ffmpeg dB",
           "diff", "reel SSIM", "ff SSIM", "reel bytes", "ffmpeg bytes", "bytes", "reel fdB",
           "ff fdB", "fdiff");
  for (guint i = 0; i < G_N_ELEMENTS (ladder); i++)
    {
      int h = ladder[i].height, w = even (1920.0 * h / 1080);
      g_autofree char *reel_url
          = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/%s.m3u8", d->port, id, ladder[i].name);
      g_autofree char *ff_pl = g_strdup_printf ("%s/%u.m3u8", ff_dir, i);
      g_autofree char *reel_dir
          = g_build_filename (data, "blobs", "videos", id, ladder[i].name, NULL);
      g_autofree char *ff_prefix = g_strdup_printf ("%u_", i);
      double p_reel, p_ff, f_reel, f_ff, s_reel, s_ff;
      guint64 b_reel = dir_bytes (reel_dir, NULL), b_ff = dir_bytes (ff_dir, ff_prefix);
      gboolean windows
          = per_segment && g_strv_contains ((const char *const *)per_segment, ladder[i].name);
      g_autoptr (GArray) mse_reel = windows ? g_array_new (FALSE, FALSE, sizeof (double)) : NULL;
      g_autoptr (GArray) mse_ff = windows ? g_array_new (FALSE, FALSE, sizeof (double)) : NULL;
      score (reel_url, source, w, h, &p_reel, &f_reel, &s_reel, mse_reel);
      score (ff_pl, source, w, h, &p_ff, &f_ff, &s_ff, mse_ff);
      g_print ("%-6s %10.2f %10.2f %+8.2f %9.4f %9.4f %12" G_GUINT64_FORMAT " %12" G_GUINT64_FORMAT
               " %+7.1f%% %9.2f %9.2f %+8.2f\n",
               ladder[i].name, p_reel, p_ff, p_reel - p_ff, s_reel, s_ff, b_reel, b_ff,
               100.0 * ((double)b_reel - (double)b_ff) / (double)b_ff, f_reel, f_ff, f_reel - f_ff);
      if (windows)
        print_windows (ladder[i].name, i, mse_reel, mse_ff, reel_dir, ff_dir);
    }
  g_print ("%s: reel upload-complete -> playable: %.2f s (target <= 2 s)\n", kind->name,
           t_playable - t_upload);
  g_print ("%s: reel upload-complete -> ready: %.2f s; ffmpeg (same ladder): %.2f s; "
           "ratio %.2f (target <= 0.9)\n",
           kind->name, t_ready - t_upload, ff_wall, (t_ready - t_upload) / ff_wall);
  g_print ("%s: reel upload-complete -> published (ready, and its checks passed): %.2f s\n",
           kind->name, t_published - t_upload);
  g_print ("%s: CPU-seconds per source-second: reel %.2f, ffmpeg %.2f\n", kind->name,
           reel_cpu / seconds, ff_cpu / seconds);
}

/* A long video becomes playable as soon as a short one: upload-complete
 * -> playable for 5 minutes of 640x360 with sound. */
#define LONG_S 300
static void
run_long (ReelTestReeld *d, const char *token, const char *work)
{
  g_autofree char *frames = g_strdup_printf ("%d", LONG_S * 30);
  g_autofree char *audio_buffers = g_strdup_printf ("%d", LONG_S * 50);
  g_autofree char *pipeline = NULL, *source = NULL, *id = NULL;
  double t_upload;

  /* %%s: reel_test_make_media's output file. */
  pipeline = g_strdup_printf (
      "videotestsrc pattern=ball num-buffers=%s ! video/x-raw,width=640,height=360,framerate=30/1 "
      "! x264enc speed-preset=ultrafast bitrate=800 key-int-max=60 ! mp4mux name=mux "
      "! filesink location=%%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=%s "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! mux.",
      frames, audio_buffers);
  g_print ("\n=== long: %d s of 640x360 with sound; making it...\n", LONG_S);
  source = reel_test_make_media (work, "long.mp4", pipeline);
  id = reel_test_tus_upload (d->port, token, source, "long");
  t_upload = now_s ();
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_wait_state_as (d->port, token, id, "playable|ready|failed", 600);
    if (g_str_equal (reel_test_json_str (r, "state"), "failed"))
      g_error ("reel failed the video: %s", r->body);
  }
  g_print ("long: reel upload-complete -> playable: %.2f s (target <= 2 s)\n", now_s () - t_upload);
}

int
main (int argc, char **argv)
{
  const char *len_env = g_getenv ("REEL_BENCH_SECONDS");
  const char *kinds_env = g_getenv ("REEL_BENCH_KINDS");
  const char *config = g_getenv ("REEL_BENCH_CONFIG");
  g_autofree char *defaults = NULL;
  int seconds = len_env ? atoi (len_env) : 30;
  g_autofree char *work = reel_test_tmpdir ();
  g_autofree char *data = g_build_filename (work, "reel-data", NULL);
  g_auto (GStrv) only = kinds_env ? g_strsplit (kinds_env, ",", -1) : NULL;
  g_autofree char *token = NULL;
  ReelTestReeld *d;

  g_test_init (&argc, &argv, NULL);
  if (!config)
    {
      /* Naming the setting keeps the harness from turning it off. */
      defaults = g_build_filename (work, "reeld.conf", NULL);
      g_assert_true (g_file_set_contents (
          defaults, "# checks.classifier_command: reeld's default, as ./dev.sh run has it\n", -1,
          NULL));
    }
  d = reel_test_reeld_start_config (data, NULL, config ? config : defaults);
  token = reel_test_register_login (d->port, "bench", PASSWORD);
  g_print ("sources: %d s of 1920x1080 at 30 fps with sound; reel: %s "
           "(preset %s, %d s segments); ffmpeg: one process, same ladder; %u cores\n",
           seconds, config ? config : "default config", PRESET, SEGMENT_S, g_get_num_processors ());
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    if (!only || g_strv_contains ((const char *const *)only, kinds[k].name))
      run_kind (d, token, data, work, &kinds[k], seconds);
  if (!only || g_strv_contains ((const char *const *)only, "long"))
    run_long (d, token, work);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (work);
  return 0;
}
