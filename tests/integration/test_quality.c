/* Quality parity with ffmpeg (issue 18, acceptance 1): a short clip with
 * fine detail, made at test time with GStreamer, goes through a real reeld
 * (tus upload, chunked ladder transcode); one ffmpeg process encodes the
 * same ladder at the same settings (bitrates, VBV, preset, 2 s closed GOPs,
 * fragmented MP4, x264 threads). Per rung, each is scored by ffmpeg's psnr
 * filter against the source scaled to the rung with lanczos.
 *
 *   /quality/fine-detail  every rung within QUALITY_MARGIN_DB of ffmpeg's
 *                         PSNR at no more than BYTES_MARGIN more video bytes
 *
 * ffmpeg is only the reference and the measuring tool here.
 *
 * Measured (2026-12-05), reel against ffmpeg: 720p 33.15/33.17 dB, 480p
 * 33.72/33.77, 360p 31.90/31.89, 240p 29.78/29.63, bytes 0.99 of ffmpeg's
 * on every rung. With Lanczos-3 at every ratio 480p was 33.64 (0.13 dB
 * short): at 1.5:1 it keeps detail that costs more bits than it gains, so
 * reelscale (plugins/gstreelscale.h) uses swscale's bicubic below 2:1. */
#include "harness.h"

#include <glib/gstdio.h>
#include <math.h>

static const char *PASSWORD = "correct horse battery";

/* Six seconds at 720p30: two chunks with the default plan (a 2 s first
 * chunk, then a 4 s tail of a 6 s chunk), so a chunk join is scored, while
 * four rungs encode in well under a minute on a loaded 2-core box. */
#define CLIP_FRAMES 180
#define READY_TIMEOUT_S 300
/* The acceptance point of issue 18: within 0.1 dB at no more than +3 %. */
#define QUALITY_MARGIN_DB 0.1
#define BYTES_MARGIN 1.03
/* reel's defaults (core/config.c, media/plan.h), which the test leaves
 * alone: ffmpeg gets the same. */
#define PRESET "veryfast"
#define GOP_FRAMES 60

typedef struct
{
  const char *name;
  int width, height, kbps;
} Rung;

/* The default ladder below the 720p source, at the sizes reel computes. */
static const Rung RUNGS[] = {
  { "720p", 1280, 720, 2800 },
  { "480p", 852, 480, 1400 },
  { "360p", 640, 360, 800 },
  { "240p", 426, 240, 400 },
};

/* Fine detail in motion: a zooming zone plate (detail up to the pixel at
 * the edges, growing over time) under scrolling colour bars with their
 * noise patch, and a timecode; near-lossless, so the source's own coding
 * noise does not dominate the scores. */
static char *
make_clip (const char *dir)
{
  return reel_test_make_media (
      dir, "detail.mp4",
      "compositor name=c sink_1::alpha=0.35 "
      "! video/x-raw,width=1280,height=720,framerate=30/1 ! timeoverlay font-desc=\"Sans 24\" "
      "! videoconvert ! video/x-raw,format=I420 "
      "! x264enc speed-preset=ultrafast pass=quant quantizer=16 key-int-max=30 "
      "! mp4mux ! filesink location=%s "
      "videotestsrc pattern=zone-plate kx2=20 ky2=20 kt2=1 num-buffers=" G_STRINGIFY (
          CLIP_FRAMES) " ! video/x-raw,width=1280,height=720,framerate=30/1 ! c. "
                       "videotestsrc pattern=smpte horizontal-speed=5 num-buffers=" G_STRINGIFY (
                           CLIP_FRAMES) " ! video/x-raw,width=1280,height=720,framerate=30/1 ! c.");
}

/* The ladder in one ffmpeg process, as a user would run it: ffmpeg's own
 * scaler (bicubic), libx264 at reel's settings, one fMP4 file per rung. */
static void
ffmpeg_ladder (const char *source, const char *out_dir)
{
  g_autoptr (GPtrArray) a = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) graph = g_string_new ("[0:v]split=" G_STRINGIFY (4));
  const char *head[] = { "ffmpeg", "-nostdin", "-v", "error", "-y", "-i", source };

  for (guint i = 0; i < G_N_ELEMENTS (head); i++)
    g_ptr_array_add (a, g_strdup (head[i]));
  for (guint i = 0; i < G_N_ELEMENTS (RUNGS); i++)
    g_string_append_printf (graph, "[s%u]", i);
  for (guint i = 0; i < G_N_ELEMENTS (RUNGS); i++)
    g_string_append_printf (graph, ";[s%u]scale=%d:%d[v%u]", i, RUNGS[i].width, RUNGS[i].height, i);
  g_ptr_array_add (a, g_strdup ("-filter_complex"));
  g_ptr_array_add (a, g_strdup (graph->str));
  for (guint i = 0; i < G_N_ELEMENTS (RUNGS); i++)
    {
      /* VBV as media/plan.h: peaks 3/2 of the rate, a 2 s buffer. x264
       * threads 1 as media.x264_threads: with more, x264's rate control
       * reads the sizes of frames still encoding on other threads, so the
       * reference would vary from run to run. */
      const char *fixed[] = { "-c:v",          "libx264",
                              "-preset",       PRESET,
                              "-threads",      "1",
                              "-sc_threshold", "0",
                              "-movflags",     "+frag_keyframe+empty_moov+default_base_moof" };
      g_ptr_array_add (a, g_strdup ("-map"));
      g_ptr_array_add (a, g_strdup_printf ("[v%u]", i));
      for (guint j = 0; j < G_N_ELEMENTS (fixed); j++)
        g_ptr_array_add (a, g_strdup (fixed[j]));
      g_ptr_array_add (a, g_strdup ("-g"));
      g_ptr_array_add (a, g_strdup_printf ("%d", GOP_FRAMES));
      g_ptr_array_add (a, g_strdup ("-keyint_min"));
      g_ptr_array_add (a, g_strdup_printf ("%d", GOP_FRAMES));
      g_ptr_array_add (a, g_strdup ("-b:v"));
      g_ptr_array_add (a, g_strdup_printf ("%dk", RUNGS[i].kbps));
      g_ptr_array_add (a, g_strdup ("-maxrate"));
      g_ptr_array_add (a, g_strdup_printf ("%dk", RUNGS[i].kbps * 3 / 2));
      g_ptr_array_add (a, g_strdup ("-bufsize"));
      g_ptr_array_add (a, g_strdup_printf ("%dk", RUNGS[i].kbps * 2));
      g_ptr_array_add (a, g_strdup_printf ("%s/%s.mp4", out_dir, RUNGS[i].name));
    }
  g_ptr_array_add (a, NULL);
  g_free (reel_test_run_ok ((const char *const *)a->pdata));
}

/* PSNR (average over Y, U and V, as ffmpeg prints it) of a rendition
 * against the source scaled to its size with lanczos (rounded exactly:
 * REEL_TEST_REFERENCE_SCALE); both start at 0 so frame n meets frame n. */
static double
psnr (const char *rendition, const char *source, const Rung *r)
{
  g_autofree char *graph = g_strdup_printf ("[1:v]scale=%d:%d:flags=" REEL_TEST_REFERENCE_SCALE
                                            ",setpts=PTS-STARTPTS[ref];"
                                            "[0:v]setpts=PTS-STARTPTS[dist];[dist][ref]psnr",
                                            r->width, r->height);
  const char *argv[] = { "ffmpeg", "-nostdin", "-i", rendition, "-i", source,
                         "-lavfi", graph,      "-f", "null",    "-",  NULL };
  g_autofree char *out = reel_test_run_ok (argv);
  const char *avg = g_strrstr (out, "average:");
  g_assert_nonnull (avg);
  return g_ascii_strtod (avg + strlen ("average:"), NULL);
}

/* The video bytes of a rendition (its packets, no container) and its
 * number of frames. */
static guint64
video_bytes (const char *rendition, guint *frames)
{
  const char *argv[] = { "ffprobe",     "-v",  "error",   "-select_streams", "v:0", "-show_entries",
                         "packet=size", "-of", "csv=p=0", rendition,         NULL };
  g_autofree char *out = reel_test_run_ok (argv);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  guint64 total = 0;
  *frames = 0;
  for (guint i = 0; lines[i]; i++)
    if (*lines[i])
      {
        total += g_ascii_strtoull (lines[i], NULL, 10);
        (*frames)++;
      }
  return total;
}

static void
test_fine_detail (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *ff_dir = g_build_filename (media, "ffmpeg", NULL);
  g_autofree char *clip = make_clip (media);
  ReelTestReeld *d = reel_test_reeld_start (dir, NULL, NULL);
  g_autofree char *token = reel_test_register_login (d->port, "quinn", PASSWORD);
  g_autofree char *id = reel_test_tus_upload (d->port, token, clip, "Zone plate");
  g_autoptr (ReelTestResponse) v
      = reel_test_wait_state (d->port, id, "ready|failed", READY_TIMEOUT_S);
  gboolean ok = TRUE;

  g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  g_assert_cmpint (g_mkdir_with_parents (ff_dir, 0700), ==, 0);
  ffmpeg_ladder (clip, ff_dir);

  g_test_message ("rung   reel dB  ffmpeg dB  reel bytes / ffmpeg bytes");
  for (guint i = 0; i < G_N_ELEMENTS (RUNGS); i++)
    {
      const Rung *r = &RUNGS[i];
      /* What players get: the rung's HLS playlist, every chunk joined. */
      g_autofree char *served
          = g_strdup_printf ("http://127.0.0.1:%u/videos/%s/%s.m3u8", d->port, id, r->name);
      g_autofree char *reference = g_strdup_printf ("%s/%s.mp4", ff_dir, r->name);
      guint reel_frames, ff_frames;
      guint64 reel_bytes = video_bytes (served, &reel_frames);
      guint64 ff_bytes = video_bytes (reference, &ff_frames);
      double reel_db = psnr (served, clip, r);
      double ff_db = psnr (reference, clip, r);
      double ratio = (double)reel_bytes / (double)ff_bytes;

      g_test_message ("%-5s  %7.3f  %9.3f  %.3f (%" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT ")",
                      r->name, reel_db, ff_db, ratio, reel_bytes, ff_bytes);
      g_printerr ("%s: reel %.3f dB, ffmpeg %.3f dB, bytes %.3f\n", r->name, reel_db, ff_db, ratio);
      g_assert_cmpuint (reel_frames, ==, CLIP_FRAMES);
      g_assert_cmpuint (ff_frames, ==, CLIP_FRAMES);
      g_assert_true (isfinite (reel_db) && isfinite (ff_db));
      /* Every rung is reported before the first failure is. */
      ok = ok && reel_db >= ff_db - QUALITY_MARGIN_DB && ratio <= BYTES_MARGIN;
    }
  g_assert_true (ok);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/quality/fine-detail", test_fine_detail);
  return g_test_run ();
}
