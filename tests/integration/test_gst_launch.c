/* The reel GStreamer plugin from the outside, as a GStreamer developer
 * meets it: gst-inspect-1.0 and gst-launch-1.0 processes with
 * GST_PLUGIN_PATH pointing at the build.
 *
 *   /gst-launch/inspect       gst-inspect-1.0 finds the plugins' elements
 *   /gst-launch/roundtrip     a producer and a consumer process through a
 *                             real nats-server: the consumer decodes every
 *                             frame the producer encoded, with the same
 *                             timestamps
 *   /gst-launch/worker-chunk  the line reel_job_line() builds for a
 *                             chunk job (the one `reel pipeline` prints) uses
 *                             reelladder, runs in gst-launch-1.0 and writes
 *                             one fragmented MP4 per rung: one fragment per
 *                             segment, keyframes exactly at the segment
 *                             boundaries, B-frames (the default preset's)
 *                             inside them, and every segment decodes alone
 *                             (closed GOPs) */
#include "core/config.h"
#include "harness.h"
#include "media/cmaf.h"
#include "media/job_line.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#define FRAMES 50

/* Runs a command line with GST_PLUGIN_PATH set; returns its output. */
static char *
run (const char *cmd, int *status)
{
  g_autoptr (GSubprocessLauncher) l
      = reel_test_gst_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_auto (GStrv) argv = NULL;
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  g_assert_true (g_shell_parse_argv (cmd, NULL, &argv, NULL));
  p = g_subprocess_launcher_spawnv (l, (const char *const *)argv, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
  *status = g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
  return out;
}

static void
test_inspect (void)
{
  int status;
  g_autofree char *out = run ("gst-inspect-1.0 reel", &status);
  g_autofree char *x264 = run ("gst-inspect-1.0 reelx264", &status);
  g_assert_cmpint (status, ==, 0);
  for (const char *const *e
       = (const char *const[]){ "natssink", "natssrc", "reelladder", "reelrange", NULL };
       *e; e++)
    g_assert_nonnull (strstr (out, *e));
  g_assert_nonnull (strstr (x264, "reelx264enc"));
}

/* The PTS of every buffer an identity named "probe" saw, from gst-launch
 * -v output. */
static GPtrArray *
probe_timestamps (const char *out)
{
  GPtrArray *ts = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *p;
      if (!strstr (lines[i], "probe: last-message = chain") || !(p = strstr (lines[i], "pts: ")))
        continue;
      p += 5;
      g_ptr_array_add (ts, g_strndup (p, strcspn (p, ",)")));
    }
  return ts;
}

static void
test_roundtrip (void)
{
  ReelTestNats *nats = reel_test_nats_start ();
  g_autoptr (GSubprocessLauncher) l
      = reel_test_gst_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) consumer = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (GString) consumed = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *cmd = NULL, *produced = NULL;
  g_autofree char *url = g_strdup_printf ("url=%s", nats->url);
  g_autoptr (GPtrArray) sent = NULL, got = NULL;
  char *line;
  int status;

  consumer = g_subprocess_launcher_spawn (
      l, &error, "gst-launch-1.0", "-v", "natssrc", url, "subject=cams.front", "!", "h264parse",
      "!", "avdec_h264", "!", "identity", "name=probe", "silent=false", "!", "fakesink", NULL);
  g_assert_no_error (error);
  /* The consumer subscribes while going to PAUSED: once it is live (no
   * preroll), nothing the producer publishes is missed. */
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (consumer));
  while ((line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error)))
    {
      gboolean ready = strstr (line, "does not need PREROLL") != NULL;
      g_string_append_printf (consumed, "%s\n", line);
      g_free (line);
      if (ready)
        break;
    }
  g_assert_no_error (error);
  cmd = g_strdup_printf (
      "gst-launch-1.0 -v videotestsrc num-buffers=%d ! video/x-raw,width=320,height=240,"
      "framerate=25/1 ! x264enc tune=zerolatency speed-preset=ultrafast ! h264parse ! identity "
      "name=probe silent=false ! natssink url=%s subject=cams.front",
      FRAMES, nats->url);
  produced = run (cmd, &status);
  g_assert_cmpint (status, ==, 0);
  /* natssink's end marker ends the consumer. */
  while ((line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error)))
    {
      g_string_append_printf (consumed, "%s\n", line);
      g_free (line);
    }
  g_assert_true (g_subprocess_wait (consumer, NULL, NULL));
  if (g_subprocess_get_exit_status (consumer) != 0)
    g_test_message ("consumer:\n%s", consumed->str);
  g_assert_cmpint (g_subprocess_get_exit_status (consumer), ==, 0);

  sent = probe_timestamps (produced);
  got = probe_timestamps (consumed->str);
  g_assert_cmpuint (sent->len, ==, FRAMES);
  g_assert_cmpuint (got->len, ==, FRAMES);
  for (guint i = 0; i < FRAMES; i++)
    g_assert_cmpstr (got->pdata[i], ==, sent->pdata[i]);
  reel_test_nats_stop (nats);
}

/* ffprobe's view of a file's video frames: "key_frame,pict_type" lines. */
static char *
frames (const char *file)
{
  const char *argv[] = { "ffprobe",
                         "-v",
                         "error",
                         "-select_streams",
                         "v",
                         "-show_entries",
                         "frame=key_frame,pict_type",
                         "-of",
                         "csv=p=0",
                         file,
                         NULL };
  int status;
  char *out = reel_test_run (argv, &status);
  g_assert_cmpint (status, ==, 0);
  return out;
}

/* The frames ffmpeg decodes, without a single complaint, from an init
 * segment and one media segment on their own. */
static guint
decoded_frames (const char *dir, GBytes *init, GBytes *segment)
{
  g_autofree char *path = g_build_filename (dir, "alone.mp4", NULL);
  g_autoptr (GByteArray) both = g_byte_array_new ();
  const char *argv[] = { "ffprobe",
                         "-v",
                         "error",
                         "-count_frames",
                         "-select_streams",
                         "v",
                         "-show_entries",
                         "stream=nb_read_frames",
                         "-of",
                         "csv=p=0",
                         path,
                         NULL };
  g_autofree char *out = NULL;
  int status;
  g_byte_array_append (both, g_bytes_get_data (init, NULL), (guint)g_bytes_get_size (init));
  g_byte_array_append (both, g_bytes_get_data (segment, NULL), (guint)g_bytes_get_size (segment));
  g_assert_true (g_file_set_contents (path, (const char *)both->data, both->len, NULL));
  out = reel_test_run (argv, &status);
  g_assert_cmpint (status, ==, 0);
  /* Any error line would come before the count. */
  g_assert_true (g_ascii_isdigit (out[0]));
  return (guint)g_ascii_strtoull (out, NULL, 10);
}

static JsonObject *
rung (const char *name, int width, int height, int kbps)
{
  JsonObject *r = json_object_new ();
  json_object_set_string_member (r, "name", name);
  json_object_set_int_member (r, "width", width);
  json_object_set_int_member (r, "height", height);
  json_object_set_int_member (r, "kbps", kbps);
  return r;
}

static void
test_worker_chunk (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *out_dir = g_build_filename (dir, "out", NULL);
  /* 4 s at 25 fps; the job is its second chunk: 2 s to 4 s in 1 s segments. */
  g_autofree char *source = reel_test_make_media (
      dir, "source.mp4",
      "videotestsrc num-buffers=100 ! video/x-raw,width=320,height=240,framerate=25/1 ! "
      "x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%s");
  g_autoptr (ReelConfig) cfg = reel_config_new ();
  g_autoptr (JsonObject) job = json_object_new ();
  JsonArray *rungs = json_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL, *cmd = NULL, *out = NULL;
  const char *names[] = { "240p", "120p" };
  int status;

  json_array_add_object_element (rungs, rung ("240p", 320, 240, 400));
  json_array_add_object_element (rungs, rung ("120p", 160, 120, 150));
  json_object_set_string_member (job, "video_id", "AAAAAAAAAAA");
  json_object_set_int_member (job, "chunk", 1);
  json_object_set_int_member (job, "start_ns", 2 * G_GINT64_CONSTANT (1000000000));
  json_object_set_int_member (job, "duration_ns", 2 * G_GINT64_CONSTANT (1000000000));
  json_object_set_int_member (job, "segment_ns", G_GINT64_CONSTANT (1000000000));
  json_object_set_array_member (job, "rungs", rungs);
  g_assert_cmpint (g_mkdir (out_dir, 0700), ==, 0);

  line = reel_job_line (cfg, "chunk", job, source, out_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (line, "reelladder"));
  cmd = g_strdup_printf ("gst-launch-1.0 -e %s", line);
  out = run (cmd, &status);
  if (status != 0)
    g_test_message ("%s\n%s", cmd, out);
  g_assert_cmpint (status, ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *file_name = g_strconcat (names[i], ".mp4", NULL);
      g_autofree char *file = g_build_filename (out_dir, file_name, NULL);
      g_autofree char *data = NULL, *seen = NULL;
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (ReelCmaf) c = NULL;
      g_auto (GStrv) lines = NULL;
      gsize len;
      guint n = 0, b_frames = 0;

      g_assert_true (g_file_get_contents (file, &data, &len, NULL));
      bytes = g_bytes_new_take (g_steal_pointer (&data), len);
      /* One fragment per segment, each exactly one segment long. */
      c = reel_cmaf_split (bytes, 2 * GST_SECOND, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (c->segments->len, ==, 2);
      for (guint s = 0; s < 2; s++)
        g_assert_cmpuint (g_array_index (c->durations_ns, guint64, s), ==, GST_SECOND);
      /* High profile, as the default preset gives every rung. */
      g_assert_true (g_str_has_prefix (c->codecs, "avc1.64"));
      /* Keyframes on the first frame of each segment only, B-frames
       * between them. */
      seen = frames (file);
      lines = g_strsplit (seen, "\n", -1);
      for (guint l = 0; lines[l]; l++)
        {
          /* ffprobe may add side data after the two fields, and a blank
           * line after that. */
          g_auto (GStrv) f = g_strsplit (lines[l], ",", 3);
          if (!f[0] || !f[1])
            continue;
          g_assert_cmpstr (f[0], ==, n % 25 == 0 ? "1" : "0");
          if (n % 25 == 0)
            g_assert_cmpstr (f[1], ==, "I");
          else
            g_assert_cmpstr (f[1], !=, "I");
          b_frames += g_str_equal (f[1], "B");
          n++;
        }
      g_assert_cmpuint (n, ==, 50);
      g_assert_cmpuint (b_frames, >, 0);
      /* Each segment with the init alone gives all its frames. */
      for (guint s = 0; s < c->segments->len; s++)
        g_assert_cmpuint (decoded_frames (dir, c->init, c->segments->pdata[s]), ==, 25);
    }
  reel_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gst-launch/inspect", test_inspect);
  g_test_add_func ("/gst-launch/roundtrip", test_roundtrip);
  g_test_add_func ("/gst-launch/worker-chunk", test_worker_chunk);
  return g_test_run ();
}
