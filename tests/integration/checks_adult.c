/* The checks tests of the adult check and of reel-media's decode for the
 * checks (see test_checks.c): /checks/adult, /checks/adult-default,
 * /checks/alive, /checks/frames-hdr and /checks/one-decode. */
#include "checks_common.h"

#include <math.h>

/* The classifier the node runs (checks.classifier_command): it insists
 * on JPEG frames, and scores them high while the flag file exists. */
char *
write_classifier (void)
{
  g_autofree char *script = g_strdup_printf (
      "s=0.01; [ -f %s/adult-on ] && s=0.97\n"
      /* Which job sampled the frames: the check job's directory is
       * <video>.check (media/checker.c), the adult job's <video>. */
      "echo \"${1%%/*}\" >> %s/classified.log\n"
      "case \"$1\" in *.check/*) [ -f %s/fail-merged ] && exit 1;; esac\n"
      "printf '['; sep=''\n"
      "for f in \"$@\"; do\n"
      "  [ \"$(head -c 3 \"$f\" | od -An -tx1 | tr -d ' \\n')\" = ffd8ff ] || exit 1\n"
      "  printf '%%s%%s' \"$sep\" \"$s\"; sep=','\n"
      "done\n"
      "printf ']\\n'\n",
      F.dir, F.dir, F.dir);
  char *path = g_build_filename (F.dir, "classifier.sh", NULL);
  g_assert_true (g_file_set_contents (path, script, -1, NULL));
  return path;
}

void
test_adult (void)
{
  const Piece clip[] = { { 11, 0, 20 } };
  g_autofree char *flag = g_build_filename (F.dir, "adult-on", NULL);
  g_autofree char *file = make_clip ("adult", clip, 1, clip, 1, 320, 240, 0, 0, 400);
  g_autofree char *video = NULL, *unblock = NULL;
  g_autoptr (JsonObject) c = NULL, n = NULL, decided = NULL, passed = NULL;
  /* Every upload so far ran the classifier for real and passed it. */
  passed = wait_named_check (F.alice, F.published, "adult");
  g_assert_cmpstr (json_object_get_string_member (passed, "state"), ==, "passed");
  g_assert_nonnull (strstr (json_object_get_string_member (passed, "detail"), "0.01"));
  g_assert_nonnull (strstr (json_object_get_string_member (passed, "detail"), " frames)"));

  g_assert_true (g_file_set_contents (flag, "", 0, NULL));
  video = reel_test_upload (F.d->port, F.alice, file, "adultclip");
  c = wait_named_check (F.alice, video, "adult");
  g_unlink (flag);
  g_assert_cmpstr (json_object_get_string_member (c, "state"), ==, "held");
  g_assert_nonnull (strstr (json_object_get_string_member (c, "detail"), "0.97"));
  n = wait_notification (F.alice, "video_held", video);
  assert_unpublished (video, "adultclip");
  /* The moderator's decision publishes it, and the owner is told. */
  unblock = g_strdup_printf ("/api/v1/admin/videos/%s/unblock", video);
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (F.d->port, "POST", unblock, F.root, NULL, 0);
    g_assert_cmpuint (r->status, ==, 200);
  }
  decided = wait_notification (F.alice, "video_unblocked", video);
  assert_published (video, "adultclip");
}

/* Acceptance 4 with reel's own classifier: a node whose config leaves
 * checks.classifier_command to its default runs nsfwjs (data/
 * classify-nsfw.mjs, offline) on the frames sampled from a generated clip;
 * a test pattern is no adult content, so the check passes, and the event
 * keeps one score per frame. The node has its own nats-server, so no other
 * node takes its jobs. */
void
test_adult_default (void)
{
  const Piece clip[] = { { 23, 0, 6 } };
  ReelTestNats *nats = reel_test_nats_start ();
  ReelTestReeld *outer = F.d;
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *config = g_build_filename (dir, "default.conf", NULL);
  g_autofree char *file = make_clip ("plain", clip, 1, clip, 1, 320, 240, 0, 0, 400);
  g_autofree char *token = NULL, *video = NULL;
  g_autoptr (JsonObject) c = NULL;
  JsonArray *scores = NULL;
  guint64 last = 0;

  /* Naming the setting (in a comment) keeps the harness from turning the
   * classifier off (tests/support/harness.c). */
  g_assert_true (g_file_set_contents (
      config,
      "# checks.classifier_command: reel's default (nsfwjs)\n[limits]\nregister_per_ip = off\n", -1,
      NULL));
  F.d = reel_test_reeld_start_config (dir, nats->url, config);
  token = user ("nadia");
  video = reel_test_upload (F.d->port, token, file, "testcard");
  c = wait_named_check (token, video, "adult");
  g_assert_cmpstr (json_object_get_string_member (c, "state"), ==, "passed");
  g_assert_nonnull (strstr (json_object_get_string_member (c, "detail"), "(3 frames)"));
  {
    g_autoptr (GPtrArray) lines = reel_test_event_log (nats->url, &last);
    for (guint i = 0; i < lines->len && !scores; i++)
      {
        g_autoptr (JsonParser) p = json_parser_new ();
        JsonObject *ev, *data;
        g_assert_true (json_parser_load_from_data (p, lines->pdata[i], -1, NULL));
        ev = json_node_get_object (json_parser_get_root (p));
        data = json_object_get_object_member (ev, "data");
        if (g_str_equal (json_object_get_string_member (ev, "type"), "video.checked")
            && g_str_equal (json_object_get_string_member (data, "name"), "adult"))
          {
            scores = json_array_ref (json_object_get_array_member (data, "scores"));
            g_assert_cmpuint (json_array_get_length (scores), ==, 3);
            for (guint k = 0; k < 3; k++)
              {
                double score = json_array_get_double_element (scores, k);
                g_assert_cmpfloat (score, >=, 0);
                g_assert_cmpfloat (score, <, 0.8);
              }
          }
      }
    g_assert_nonnull (scores);
    json_array_unref (scores);
  }
  /* It ran on TensorFlow.js's WebAssembly backend, a fifth of the CPU
   * backend's cost (data/classify-nsfw.mjs): a missing or broken install
   * of it would fall back to the slow one unseen. */
  {
    g_autofree char *script
        = g_build_filename (reel_test_env ("REEL_TEST_DATA_DIR"), "classify-nsfw.mjs", NULL);
    g_autofree char *frame
        = reel_test_make_media (dir, "frame.jpg",
                                "videotestsrc num-buffers=1 ! video/x-raw,width=320,height=240 "
                                "! jpegenc ! filesink location=%s");
    const char *argv[] = { "node", script, frame, NULL };
    int status = -1;
    g_autofree char *out = reel_test_run (argv, &status);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (out, "classify-nsfw: backend wasm"));
  }
  g_assert_cmpint (reel_test_reeld_stop (F.d), ==, 0);
  reel_test_reeld_free (F.d);
  F.d = outer;
  reel_test_nats_stop (nats);
  reel_test_rmtree (dir);
}

/* The longest silence, in seconds, of reel-media answering request (a
 * JSON line) on file: from its start to its first line, between lines, to
 * its end; fails unless it answered with a result. The worker stops a
 * child silent for a minute (media/child.h). */
static double
longest_silence (const char *request)
{
  g_autofree char *media = reel_test_media_path ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_new (
      G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, media, NULL);
  g_autoptr (GDataInputStream) out = NULL;
  gint64 last = g_get_monotonic_time (), longest = 0;
  gboolean answered = FALSE;
  char *line;
  g_assert_no_error (error);
  {
    GOutputStream *in = g_subprocess_get_stdin_pipe (p);
    g_autofree char *text = g_strconcat (request, "\n", NULL);
    g_assert_true (g_output_stream_write_all (in, text, strlen (text), NULL, NULL, &error));
    g_assert_true (g_output_stream_close (in, NULL, &error));
  }
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p));
  while ((line = g_data_input_stream_read_line (out, NULL, NULL, &error)))
    {
      gint64 now = g_get_monotonic_time ();
      longest = MAX (longest, now - last);
      last = now;
      answered = answered || g_str_has_prefix (line, "{\"result\"");
      g_free (line);
    }
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (p, NULL, &error));
  g_assert_true (answered);
  return (double)longest / G_USEC_PER_SEC;
}

/* reel-media's request to sample clip's frames into dir. */
static char *
frames_request (const char *clip, const char *dir, guint interval_s, guint max_frames)
{
  return g_strdup_printf (
      "{\"op\":\"frames\",\"path\":\"%s\",\"dir\":\"%s\",\"interval_s\":%u,\"max_frames\":%u}",
      clip, dir, interval_s, max_frames);
}

/* Fingerprinting and sampling frames decode a whole video, which takes
 * minutes for a long one, or beside a transcode that takes the CPU: the
 * child says it is alive every second meanwhile, or the worker would stop
 * it as wedged after a minute (it did: every check of a 1080p upload
 * during the transcode benchmark, and of any video over a few minutes). */
void
test_alive (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *frames = g_build_filename (dir, "frames", NULL);
  /* Long enough to take seconds to decode on any machine CI runs on. */
  g_autofree char *clip = reel_test_make_media (
      dir, "long.mp4",
      "videotestsrc pattern=ball num-buffers=3600 ! "
      "video/x-raw,width=1280,height=720,framerate=30/1 "
      "! x264enc speed-preset=ultrafast key-int-max=60 ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc wave=sine samplesperbuffer=960 num-buffers=6000 "
      "! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! m.");
  g_autofree char *print
      = g_strdup_printf ("{\"op\":\"fingerprint\",\"path\":\"%s\",\"max_seconds\":3600}", clip);
  g_autofree char *sample = frames_request (clip, frames, 2, 1800);
  g_assert_cmpint (g_mkdir (frames, 0700), ==, 0);
  g_assert_cmpfloat (longest_silence (print), <, 2.5);
  g_assert_cmpfloat (longest_silence (sample), <, 2.5);
  reel_test_rmtree (dir);
}

/* The adult check's frames of an HLG upload (as phones record) are
 * tone-mapped (reeltonemap) as its rungs are: the classifier sees what a
 * viewer sees, not the HLG signal read as SDR (washed out). */
void
test_frames_hdr (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *frames = g_build_filename (dir, "frames", NULL);
  g_autofree char *clip = reel_test_make_hlg_grey (dir, 640, 360, 30);
  g_autofree char *sample = frames_request (clip, frames, 1, 1);
  g_autofree char *sampled = NULL;
  g_autofree char *mapped = g_strdup_printf (
      "filesrc location=%s ! decodebin ! reeltonemap ! videoconvert ! jpegenc ! jpegdec", clip);
  g_autofree char *naive = g_strdup_printf (
      "filesrc location=%s ! decodebin ! videoconvert ! jpegenc ! jpegdec", clip);
  double got, want, unmapped;

  g_assert_cmpint (g_mkdir (frames, 0700), ==, 0);
  longest_silence (sample);
  {
    g_autoptr (GDir) d = g_dir_open (frames, 0, NULL);
    const char *name = d ? g_dir_read_name (d) : NULL;
    g_assert_nonnull (name);
    sampled = g_strdup_printf ("filesrc location=%s/%s ! jpegdec", frames, name);
  }
  got = reel_test_gst_mean_luma (sampled);
  want = reel_test_gst_mean_luma (mapped);
  unmapped = reel_test_gst_mean_luma (naive);
  g_test_message ("frame luma %.1f, tone-mapped %.1f, HLG read as SDR %.1f", got, want, unmapped);
  g_assert_cmpfloat (fabs (want - unmapped), >, 20);
  g_assert_cmpfloat (fabs (got - want), <=, 3);
  reel_test_rmtree (dir);
}

/* The last line of the test classifier's log: the directory of the frames
 * it was given last (write_classifier). */
static char *
last_classified (void)
{
  g_autofree char *log = g_build_filename (F.dir, "classified.log", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint n;
  g_assert_true (g_file_get_contents (log, &text, NULL, NULL));
  lines = g_strsplit (g_strchomp (text), "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, >, 0);
  return g_strdup (lines[n - 1]);
}

/* Both checks of an upload come from one decode of it (decoding is most
 * of their cost): the check job asks reel-media for the prints and the
 * adult check's frames in one request, and classifies the frames itself.
 * When that classification fails, the adult check falls back to a job of
 * its own, which samples the frames again, and still ends. */
void
test_one_decode (void)
{
  const Piece clip[] = { { 29, 0, 8 } };
  g_autofree char *file = make_clip ("once", clip, 1, clip, 1, 320, 240, 0, 0, 400);
  g_autofree char *frames = g_build_filename (F.dir, "once-frames", NULL);
  g_autofree char *fail = g_build_filename (F.dir, "fail-merged", NULL);
  g_autofree char *video = NULL, *dir = NULL, *again = NULL, *last = NULL;

  /* One decode: the same prints as alone, and the frames beside them. */
  {
    g_autofree char *alone
        = g_strdup_printf ("{\"op\":\"fingerprint\",\"path\":\"%s\",\"max_seconds\":3600}", file);
    g_autofree char *both = g_strdup_printf (
        "{\"op\":\"fingerprint\",\"path\":\"%s\",\"max_seconds\":3600,\"dir\":\"%s\","
        "\"interval_s\":2,\"max_frames\":1800}",
        file, frames);
    g_autoptr (JsonObject) a = NULL, b = NULL;
    g_autoptr (GDir) d = NULL;
    guint jpegs = 0;
    g_assert_cmpint (g_mkdir (frames, 0700), ==, 0);
    a = reel_test_media_result (alone);
    b = reel_test_media_result (both);
    g_assert_false (json_object_has_member (a, "frames"));
    g_assert_cmpstr (json_object_get_string_member (a, "video"), ==,
                     json_object_get_string_member (b, "video"));
    g_assert_cmpstr (json_object_get_string_member (a, "audio"), ==,
                     json_object_get_string_member (b, "audio"));
    /* 8 s, a frame every 2 s. */
    g_assert_cmpint (json_object_get_int_member (b, "frames"), ==, 4);
    d = g_dir_open (frames, 0, NULL);
    for (const char *name; (name = g_dir_read_name (d));)
      {
        g_autofree char *path = g_build_filename (frames, name, NULL);
        g_autofree char *bytes = NULL;
        gsize len = 0;
        g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
        g_assert_cmpuint (len, >, 3);
        g_assert_cmpmem (bytes, 3, "\xff\xd8\xff", 3);
        jpegs++;
      }
    g_assert_cmpuint (jpegs, ==, 4);
    reel_test_rmtree (frames);
  }

  /* An upload: its frames were the check job's. */
  video = reel_test_upload (F.d->port, F.alice, file, "once");
  {
    g_autoptr (JsonObject) c = wait_named_check (F.alice, video, "adult");
    g_assert_cmpstr (json_object_get_string_member (c, "state"), ==, "passed");
    g_assert_nonnull (strstr (json_object_get_string_member (c, "detail"), "(4 frames)"));
  }
  dir = g_strdup_printf ("/%s.check", video);
  last = last_classified ();
  g_assert_true (g_str_has_suffix (last, dir));

  /* Its classifier fails: the adult job of its own decides. */
  g_assert_true (g_file_set_contents (fail, "", 0, NULL));
  again = reel_test_upload (F.d->port, F.alice, file, "once again");
  {
    g_autoptr (JsonObject) c = wait_named_check (F.alice, again, "adult");
    g_unlink (fail);
    g_assert_cmpstr (json_object_get_string_member (c, "state"), ==, "passed");
    g_assert_nonnull (strstr (json_object_get_string_member (c, "detail"), "(4 frames)"));
  }
  g_free (dir);
  g_free (last);
  dir = g_strdup_printf ("/%s", again);
  last = last_classified ();
  g_assert_true (g_str_has_suffix (last, dir));
  assert_published (again, "once again");
}
