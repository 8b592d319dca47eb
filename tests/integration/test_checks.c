/* Checks before publishing (issue 16): the copyright check against a
 * library of protected works, on a real nats-server and reeld.
 *
 * The media are made here: a "work" is a melody of seeded random notes (a
 * WAV written by this test) under a picture of seeded drifting waves and
 * blobs (a Y4M written by this test), encoded by gst-launch. A copy is
 * the same signal rendered from an offset, at another size, cropped and
 * brightened, encoded at another bitrate; unrelated clips use other seeds.
 *
 *   /checks/copyright   acceptance 1, 2, 3 (partly) and the notifications:
 *                       a registered work (30 s) is "indexed"; a copy
 *                       trimmed to 20 s from 5 s, 480p, cropped 3 %,
 *                       brightened, at a lower bitrate is blocked naming
 *                       the work and both ranges, its uploader is told so,
 *                       and it is in no listing, search or feed; the
 *                       work's sound under another picture and its
 *                       picture under another sound are blocked (audio,
 *                       video); an unrelated clip and one sharing 3 s with
 *                       the work are published (record, lists, search,
 *                       the subscriber's notification); the picture-only
 *                       copy's owner disputes the block: held, in the
 *                       moderators' queue, published by their unblock and
 *                       the owner told (only the owner, only a blocked
 *                       video, with a reason)
 *   /checks/backfill    acceptance 5: a work registered after a video was
 *                       published (with `reel works add`) holds that video
 *                       for review (owner told, out of the lists, `reel
 *                       checks ID` shows it); a moderator's unblock
 *                       publishes it again and the owner is told
 *   /checks/adult       acceptance 4 with a test classifier: every upload's
 *                       frames (JPEG, one per 2 s) went through
 *                       checks.classifier_command and its scores are on
 *                       the check; high scores hold the video (owner
 *                       told, unlisted) until a moderator's unblock
 *                       publishes it (owner told)
 *   /checks/adult-default  acceptance 4 with reel's default classifier:
 *                       nsfwjs (data/classify-nsfw.mjs) runs offline on a
 *                       generated clip's frames, the check passes and
 *                       video.checked keeps one score per frame
 *   /checks/alive       fingerprinting and sampling frames of a 2-minute
 *                       720p clip in reel-media: never silent for 2.5 s
 *                       (the worker stops a child silent for a minute)
 *   /checks/rebuild     acceptance 6: the events validate against their
 *                       schemas, and `reeld --rebuild` (and each
 *                       projection alone) writes what the live node wrote
 */
#include "checks_common.h"

static void
test_copyright (void)
{
  const Piece work[] = { { 1, 0, WORK_SECONDS } };
  /* Trimmed to 20 s from 5 s. */
  const Piece copy[] = { { 1, 5, 20 } };
  const Piece other_picture[] = { { 7, 0, 20 } };
  const Piece other_sound[] = { { 8, 0, 20 } };
  const Piece unrelated[] = { { 9, 0, 20 } };
  /* 3 s of the work (10–13 s) inside an unrelated clip. */
  const Piece quote[] = { { 10, 0, 8 }, { 1, 10, 3 }, { 10, 8, 9 } };
  g_autofree char *work_file = make_clip ("work", work, 1, work, 1, 320, 240, 0, 0, 800);
  g_autofree char *copy_file = make_clip ("copy", copy, 1, copy, 1, 854, 480, 0.03, 18, 300);
  g_autofree char *audio_file
      = make_clip ("audio-only", other_picture, 1, copy, 1, 320, 240, 0, 0, 400);
  g_autofree char *video_file
      = make_clip ("video-only", copy, 1, other_sound, 1, 320, 240, 0, 0, 400);
  g_autofree char *unrelated_file
      = make_clip ("unrelated", unrelated, 1, unrelated, 1, 320, 240, 0, 0, 400);
  g_autofree char *quote_file = make_clip ("quote", quote, G_N_ELEMENTS (quote), quote,
                                           G_N_ELEMENTS (quote), 320, 240, 0, 0, 400);
  g_autofree char *work_id = register_work (work_file, "Work One");
  g_autoptr (JsonObject) list = get_json ("/api/v1/admin/works", F.root, 200);
  g_autofree char *v_copy = NULL, *v_audio = NULL, *v_video = NULL, *v_unrelated = NULL,
                  *v_quote = NULL;

  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "works")), ==, 1);
  v_copy = reel_test_upload (F.d->port, F.alice, copy_file, "copyclip");
  v_audio = reel_test_upload (F.d->port, F.alice, audio_file, "soundclip");
  v_video = reel_test_upload (F.d->port, F.alice, video_file, "pictureclip");
  v_unrelated = reel_test_upload (F.d->port, F.alice, unrelated_file, "ownclip");
  v_quote = reel_test_upload (F.d->port, F.alice, quote_file, "quoteclip");

  assert_blocked (v_copy, "copyclip", NULL);
  assert_blocked (v_audio, "soundclip", "audio");
  assert_blocked (v_video, "pictureclip", "video");
  {
    g_autoptr (JsonObject) c = wait_check (F.alice, v_unrelated);
    g_autoptr (JsonObject) q = wait_check (F.alice, v_quote);
    g_assert_cmpstr (json_object_get_string_member (c, "state"), ==, "passed");
    g_assert_cmpstr (json_object_get_string_member (q, "state"), ==, "passed");
  }
  assert_published (v_unrelated, "ownclip");
  assert_published (v_quote, "quoteclip");
  F.published = g_strdup (v_unrelated);
  assert_disputed (v_video, "pictureclip", v_unrelated);
}

static void
test_backfill (void)
{
  /* The unrelated clip's source, registered after it was published. */
  const Piece source[] = { { 9, 0, WORK_SECONDS } };
  g_autofree char *file = make_clip ("late-work", source, 1, source, 1, 320, 240, 0, 0, 800);
  g_autofree char *work_id = NULL, *unblock = NULL;
  g_autoptr (JsonObject) c = NULL, n = NULL, decided = NULL;
  g_assert_nonnull (F.published);
  /* Through the CLI this time: reel works add. */
  {
    g_autofree char *server = g_strdup_printf ("http://127.0.0.1:%u", F.d->port);
    const char *argv[] = { reel_test_env ("REEL_TEST_REEL"),
                           "works",
                           "add",
                           file,
                           "--title",
                           "Late Work",
                           "--rights-holder",
                           "Test Records",
                           "--server",
                           server,
                           "--token",
                           F.root,
                           NULL };
    g_autofree char *out = reel_test_run_ok (argv);
    work_id = g_strdup (g_strstrip (out));
    wait_indexed (work_id);
  }
  c = wait_check (F.alice, F.published);
  for (guint i = 0;
       i < WAIT_STEPS && g_str_equal (json_object_get_string_member (c, "state"), "passed"); i++)
    {
      g_usleep (WAIT_STEP_US);
      g_clear_pointer (&c, json_object_unref);
      c = wait_check (F.alice, F.published);
    }
  g_assert_cmpstr (json_object_get_string_member (c, "state"), ==, "held");
  g_assert_nonnull (strstr (json_object_get_string_member (c, "detail"), "\"Late Work\""));
  n = wait_notification (F.alice, "video_held", F.published);
  /* reel checks ID shows the owner the same. */
  {
    g_autofree char *server = g_strdup_printf ("http://127.0.0.1:%u", F.d->port);
    const char *argv[] = { reel_test_env ("REEL_TEST_REEL"),
                           "checks",
                           F.published,
                           "--server",
                           server,
                           "--token",
                           F.alice,
                           NULL };
    g_autofree char *out = reel_test_run_ok (argv);
    g_assert_nonnull (strstr (out, "copyright"));
    g_assert_nonnull (strstr (out, "held"));
    g_assert_nonnull (strstr (out, "\"Late Work\""));
  }
  g_assert_false (in_list ("/api/v1/videos", NULL, F.published));
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", F.published);
    g_autoptr (ReelTestResponse) anon = reel_test_http (F.d->port, "GET", path, NULL, NULL, 0);
    g_assert_cmpuint (anon->status, ==, 404);
  }
  /* The moderator decides: published again, the owner told. */
  unblock = g_strdup_printf ("/api/v1/admin/videos/%s/unblock", F.published);
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (F.d->port, "POST", unblock, F.root, NULL, 0);
    g_assert_cmpuint (r->status, ==, 200);
  }
  decided = wait_notification (F.alice, "video_unblocked", F.published);
  g_clear_pointer (&c, json_object_unref);
  c = wait_check (F.alice, F.published);
  g_assert_cmpstr (json_object_get_string_member (c, "state"), ==, "passed");
  g_assert_true (in_list ("/api/v1/videos", NULL, F.published));
}

static void
test_rebuild (void)
{
  g_autofree char *dump = NULL;
  {
    guint64 last = 0;
    g_autoptr (GPtrArray) lines = reel_test_event_log (F.nats->url, &last);
    reel_test_validate_events (lines);
  }
  dump = reel_test_stop_rebuild_same (g_steal_pointer (&F.d), F.nats->url, F.config);
  g_assert_nonnull (strstr (dump, "work_index"));
  g_assert_cmpuint (reel_test_rebuild_each_alone (F.dir, F.nats->url, F.config), >=, 10);
}

int
main (int argc, char **argv)
{
  int rc;
  g_test_init (&argc, &argv, NULL);
  F.nats = reel_test_nats_start ();
  F.dir = reel_test_tmpdir ();
  F.config = g_build_filename (F.dir, "reeld.conf", NULL);
  {
    g_autofree char *classifier = write_classifier ();
    g_autofree char *config
        = g_strdup_printf ("[auth]\nadmins = root\n[limits]\nregister_per_ip = off\n"
                           "login_per_ip = off\nlogin_per_account = off\n"
                           "[checks]\nclassifier_command = /bin/sh %s\n",
                           classifier);
    g_assert_true (g_file_set_contents (F.config, config, -1, NULL));
  }
  F.d = reel_test_reeld_start_config (F.dir, F.nats->url, F.config);
  F.root = user ("root");
  F.alice = user ("alice");
  F.bob = user ("bob");
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (F.d->port, "POST", "/api/v1/subscriptions",
                                                     F.bob, "{\"channel\":\"alice\"}", 0);
    g_assert_cmpuint (r->status / 100, ==, 2);
  }
  g_test_add_func ("/checks/copyright", test_copyright);
  g_test_add_func ("/checks/backfill", test_backfill);
  g_test_add_func ("/checks/adult", test_adult);
  g_test_add_func ("/checks/adult-default", test_adult_default);
  g_test_add_func ("/checks/one-decode", test_one_decode);
  g_test_add_func ("/checks/rebuild", test_rebuild);
  g_test_add_func ("/checks/alive", test_alive);
  g_test_add_func ("/checks/frames-hdr", test_frames_hdr);
  rc = g_test_run ();
  if (F.d)
    {
      reel_test_reeld_stop (F.d);
      reel_test_reeld_free (F.d);
    }
  reel_test_nats_stop (F.nats);
  reel_test_rmtree (F.dir);
  return rc;
}