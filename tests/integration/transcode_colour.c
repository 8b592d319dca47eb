/* The colour test of test-transcode (see test_transcode.c):
 * /transcode/hdr. */
#include "transcode_common.h"

#include <math.h>

void test_hdr (void);

/* Runs argv; its standard output. */
static GBytes *
output_of (const char *const *argv)
{
  g_autoptr (GSubprocessLauncher) l = reel_test_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GError) error = NULL;
  GBytes *out = NULL;
  p = g_subprocess_launcher_spawnv (l, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (p, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (p));
  return out;
}

/* The first picture of the source as GStreamer decodes it, through
 * converter (a gst-launch element, or "identity"): its mean luma. */
static double
source_luma (const char *source, const char *converter)
{
  g_autofree char *head
      = g_strdup_printf ("filesrc location=%s ! decodebin ! %s", source, converter);
  return reel_test_gst_mean_luma (head);
}

/* An HLG upload (as phones record) comes out SDR: every rung says BT.709,
 * and its picture has the levels reeltonemap gives the source
 * (test_gst_tonemap.c checks those against the standards), not the HLG
 * signal read as SDR (the washed-out picture). */
void
test_hdr (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  g_autofree char *clip = reel_test_make_hlg_grey (media, 320, 240, 60);
  g_autofree char *config = write_config (dir, NULL);
  const char *args[] = { config, NULL };
  ReelTestReeld *d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  g_autofree char *token = reel_test_register_login (d->port, "hana", PASSWORD);
  g_autofree char *id = reel_test_tus_upload (d->port, token, clip, "HLG");
  g_autoptr (ReelTestResponse) v
      = reel_test_wait_state (d->port, id, "ready|failed", READY_TIMEOUT_S);
  g_autofree char *master = url_of (d->port, id, "master.m3u8");
  double mapped = source_luma (clip, "reeltonemap"), naive = source_luma (clip, "identity");

  g_assert_cmpstr (reel_test_json_str (v, "state"), ==, "ready");
  {
    const char *argv[] = { "ffprobe",
                           "-v",
                           "error",
                           "-select_streams",
                           "v:0",
                           "-show_entries",
                           "stream=color_transfer,color_primaries,color_space",
                           "-of",
                           "default=nw=1",
                           master,
                           NULL };
    g_autoptr (GBytes) out = output_of (argv);
    g_autofree char *text = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
    g_assert_nonnull (strstr (text, "color_transfer=bt709"));
    g_assert_nonnull (strstr (text, "color_primaries=bt709"));
    g_assert_nonnull (strstr (text, "color_space=bt709"));
  }
  {
    const char *argv[]
        = { "ffmpeg", "-v",       "error",   "-i", master,     "-map", "0:v:0", "-frames:v",
            "1",      "-pix_fmt", "yuv420p", "-f", "rawvideo", "-",    NULL };
    g_autoptr (GBytes) out = output_of (argv);
    gsize size;
    const guint8 *y = g_bytes_get_data (out, &size);
    guint64 sum = 0;
    double served;
    g_assert_cmpuint (size, >=, 320 * 240);
    for (guint i = 0; i < 320 * 240; i++)
      sum += y[i];
    served = (double)sum / (320 * 240);
    g_test_message ("luma: served %.1f, tone-mapped source %.1f, HLG read as SDR %.1f", served,
                    mapped, naive);
    g_assert_cmpfloat (fabs (mapped - naive), >, 20);
    g_assert_cmpfloat (fabs (served - mapped), <=, 3);
  }

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}
