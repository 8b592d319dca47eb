/* Integration tests of ingest (issue 3): media made at test time with
 * GStreamer, uploaded to a real reeld, probed by the ingest role.
 *
 *   /ingest/plan       a good clip gets its chunk plan; odd sizes, rotation
 *                      and a clip without sound are accepted
 *   /ingest/rejects    random bytes, a truncated file, audio only, a still
 *                      image and absurd dimensions fail with a readable
 *                      reason, and do not disturb a good video processed
 *                      alongside */
#include "harness.h"

static const char *PASSWORD = "correct horse battery";

/* Polls the video until ingest has decided (a plan or a failure). */
static ReelTestResponse *
wait_probed (guint16 port, const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
  for (int i = 0; i < 600; i++)
    {
      ReelTestResponse *r = reel_test_http (port, "GET", path, NULL, NULL, 0);
      g_assert_cmpuint (r->status, ==, 200);
      JsonObject *o = json_node_get_object (r->json);
      JsonObject *progress = json_object_get_object_member (o, "progress");
      if (g_strcmp0 (reel_test_json_str (r, "state"), "failed") == 0
          || json_object_get_int_member (progress, "chunks_total") > 0)
        return r;
      reel_test_response_free (r);
      g_usleep (50 * 1000);
    }
  g_assert_not_reached ();
}

static gint64
int_member (ReelTestResponse *r, const char *name)
{
  return json_object_get_int_member (json_node_get_object (r->json), name);
}

static gint64
chunks_total (ReelTestResponse *r)
{
  JsonObject *p = json_object_get_object_member (json_node_get_object (r->json), "progress");
  return json_object_get_int_member (p, "chunks_total");
}

static void
test_plan (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  ReelTestReeld *d = reel_test_reeld_start (dir, NULL, NULL);
  g_autofree char *token = reel_test_register_login (d->port, "zoe", PASSWORD);
  /* 10 s, 1280x720, 30 fps, with sound: chunks of 2 and 8 s (a short first
   * chunk, then at most media.chunk_segments' default 12 s). */
  g_autofree char *good = reel_test_make_media (
      media, "good.mp4",
      "videotestsrc pattern=ball num-buffers=300 ! "
      "video/x-raw,width=1280,height=720,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc num-buffers=431 ! audioconvert ! avenc_aac ! m.");
  /* Odd size, no sound, 3 s: chunks of 2 and 1 s. */
  g_autofree char *odd = reel_test_make_media (
      media, "odd.mkv",
      "videotestsrc num-buffers=75 ! video/x-raw,width=321,height=241,framerate=25/1 ! x264enc "
      "speed-preset=ultrafast ! matroskamux ! filesink location=%s");
  /* A phone's portrait video: landscape pixels plus a rotation in the
   * track header (mp4mux cannot write one; ffmpeg remuxes it in). */
  g_autofree char *landscape = reel_test_make_media (
      media, "landscape.mp4",
      "videotestsrc num-buffers=60 ! video/x-raw,width=640,height=360,framerate=30/1 ! x264enc "
      "speed-preset=ultrafast ! mp4mux ! filesink location=%s");
  g_autofree char *rotated = g_build_filename (media, "rotated.mp4", NULL);
  {
    const char *argv[] = { "ffmpeg", "-v",   "error",           "-y",        "-i",    landscape,
                           "-c",     "copy", "-metadata:s:v:0", "rotate=90", rotated, NULL };
    int status;
    g_autofree char *out = reel_test_run (argv, &status);
    g_assert_cmpint (status, ==, 0);
  }
  g_autofree char *id_good = reel_test_upload (d->port, token, good, "good");
  g_autofree char *id_odd = reel_test_upload (d->port, token, odd, "odd");
  g_autofree char *id_rot = reel_test_upload (d->port, token, rotated, "rotated");

  g_autoptr (ReelTestResponse) g = wait_probed (d->port, id_good);
  g_assert_cmpstr (reel_test_json_str (g, "state"), ==, "processing");
  g_assert_cmpint (chunks_total (g), ==, 2);
  g_assert_cmpint (int_member (g, "width"), ==, 1280);
  g_assert_cmpint (int_member (g, "height"), ==, 720);
  g_assert_cmpfloat_with_epsilon (
      json_object_get_double_member (json_node_get_object (g->json), "duration"), 10.0, 0.05);

  g_autoptr (ReelTestResponse) o = wait_probed (d->port, id_odd);
  g_assert_cmpstr (reel_test_json_str (o, "state"), ==, "processing");
  g_assert_cmpint (chunks_total (o), ==, 2);
  g_assert_cmpint (int_member (o, "width"), ==, 321);

  g_autoptr (ReelTestResponse) r = wait_probed (d->port, id_rot);
  g_assert_cmpstr (reel_test_json_str (r, "state"), ==, "processing");
  g_assert_cmpint (int_member (r, "width"), ==, 360);
  g_assert_cmpint (int_member (r, "height"), ==, 640);

  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

static void
expect_failed (guint16 port, const char *id, const char *reason_part)
{
  g_autoptr (ReelTestResponse) r = wait_probed (port, id);
  const char *error = reel_test_json_str (r, "error");
  g_assert_cmpstr (reel_test_json_str (r, "state"), ==, "failed");
  g_assert_nonnull (error);
  if (!strstr (error, reason_part))
    g_printerr ("reason: %s\n", error);
  g_assert_nonnull (strstr (error, reason_part));
}

static void
test_rejects (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = reel_test_tmpdir ();
  ReelTestReeld *d = reel_test_reeld_start (dir, NULL, NULL);
  g_autofree char *token = reel_test_register_login (d->port, "ada", PASSWORD);
  g_autofree char *random = g_build_filename (media, "random.bin", NULL);
  g_autofree char *truncated = g_build_filename (media, "truncated.mp4", NULL);
  g_autofree char *good = reel_test_make_media (
      media, "good.mp4",
      "videotestsrc num-buffers=90 ! video/x-raw,width=640,height=360,framerate=30/1 ! x264enc "
      "speed-preset=ultrafast ! mp4mux ! filesink location=%s");
  g_autofree char *audio = reel_test_make_media (
      media, "audio.m4a",
      "audiotestsrc num-buffers=100 ! audioconvert ! avenc_aac ! mp4mux ! filesink location=%s");
  g_autofree char *image = reel_test_make_media (
      media, "image.png",
      "videotestsrc num-buffers=1 ! video/x-raw,width=64,height=64 ! pngenc ! "
      "filesink location=%s");
  /* Wider than 8K: absurd for a video, and a decoder memory bomb. */
  g_autofree char *huge = reel_test_make_media (
      media, "huge.mp4",
      "videotestsrc num-buffers=3 ! video/x-raw,width=7744,height=64,framerate=30/1 ! x264enc "
      "speed-preset=ultrafast ! mp4mux ! filesink location=%s");
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  g_autofree guint8 *noise = g_malloc (100000);

  for (guint i = 0; i < 100000; i++)
    noise[i] = (guint8)g_rand_int (rand);
  g_assert_true (g_file_set_contents (random, (const char *)noise, 100000, NULL));
  /* mp4mux writes the index last: the first half has media but no index. */
  g_assert_true (g_file_get_contents (good, &data, &len, NULL));
  g_assert_true (g_file_set_contents (truncated, data, (gssize)len / 2, NULL));

  g_autofree char *id_random = reel_test_upload (d->port, token, random, "random");
  g_autofree char *id_trunc = reel_test_upload (d->port, token, truncated, "truncated");
  g_autofree char *id_audio = reel_test_upload (d->port, token, audio, "audio");
  g_autofree char *id_image = reel_test_upload (d->port, token, image, "image");
  g_autofree char *id_huge = reel_test_upload (d->port, token, huge, "huge");
  g_autofree char *id_good = reel_test_upload (d->port, token, good, "good");

  expect_failed (d->port, id_random, "not a video reel can read");
  expect_failed (d->port, id_trunc, "not a video reel can read");
  expect_failed (d->port, id_audio, "sound but no picture");
  expect_failed (d->port, id_image, "still image");
  expect_failed (d->port, id_huge, "the largest accepted is 7680x4320");
  {
    g_autoptr (ReelTestResponse) g = wait_probed (d->port, id_good);
    g_assert_cmpstr (reel_test_json_str (g, "state"), ==, "processing");
    g_assert_cmpint (chunks_total (g), ==, 2);
  }
  {
    g_autoptr (ReelTestResponse) h = reel_test_http (d->port, "GET", "/healthz", NULL, NULL, 0);
    g_assert_cmpuint (h->status, ==, 200);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
  reel_test_rmtree (media);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ingest/plan", test_plan);
  g_test_add_func ("/ingest/rejects", test_rejects);
  return g_test_run ();
}
