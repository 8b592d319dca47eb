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
#include "clips.h"
#include "harness.h"
#include "replay.h"

#include <libsoup/soup.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *PASSWORD = "correct horse battery";

#define WORK_SECONDS 30
/* How long a check may take on a loaded 2-core machine: generous, it is
 * no acceptance threshold (the checks only have to finish). */
#define WAIT_STEPS 2400
#define WAIT_STEP_US (100 * 1000)

typedef struct
{
  ReelTestNats *nats;
  char *dir;
  char *config;
  ReelTestReeld *d;
  char *root, *alice, *bob;
  char *published; /* the unrelated clip, for the backfill */
} Fixture;

static Fixture F;

/* --- generated media --- */

typedef ReelTestPiece Piece;

/* An MP4 of a picture and a sound, each made of pieces (support/clips.h). */
static char *
make_clip (const char *name, const Piece *picture, guint n_picture, const Piece *sound,
           guint n_sound, guint width, guint height, double crop, double brightness, guint kbps)
{
  return reel_test_clip_make (F.dir, name, picture, n_picture, sound, n_sound, width, height, crop,
                              brightness, kbps);
}

/* --- HTTP --- */

static char *
user (const char *username)
{
  g_autofree char *body
      = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, PASSWORD);
  g_autoptr (ReelTestResponse) r
      = reel_test_http (F.d->port, "POST", "/api/v1/users", NULL, body, 0);
  g_autoptr (ReelTestResponse) s = NULL;
  g_assert_cmpuint (r->status, ==, 201);
  s = reel_test_http (F.d->port, "POST", "/api/v1/sessions", NULL, body, 0);
  g_assert_cmpuint (s->status, ==, 201);
  return g_strdup (reel_test_json_str (s, "token"));
}

static JsonObject *
get_json (const char *path, const char *token, guint want)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (F.d->port, "GET", path, token, NULL, 0);
  g_assert_cmpuint (r->status, ==, want);
  return r->json && JSON_NODE_HOLDS_OBJECT (r->json)
             ? json_object_ref (json_node_get_object (r->json))
             : NULL;
}

/* Waits until a work is fingerprinted and indexed. */
static void
wait_indexed (const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/admin/works/%s", id);
  for (guint i = 0; i < WAIT_STEPS; i++)
    {
      g_autoptr (JsonObject) w = get_json (path, F.root, 200);
      if (g_str_equal (json_object_get_string_member (w, "state"), "indexed"))
        {
          /* The prints stay inside. */
          g_assert_false (json_object_has_member (w, "audio"));
          return;
        }
      g_usleep (WAIT_STEP_US);
    }
  g_error ("work %s was never indexed", id);
}

/* Registers a work as root and waits until it is indexed. */
static char *
register_work (const char *path, const char *title)
{
  g_autoptr (SoupMultipart) mp = soup_multipart_new ("multipart/form-data");
  g_autoptr (SoupMessageHeaders) h = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autoptr (GBytes) body = NULL, file = NULL;
  g_autofree char *contents = NULL, *id = NULL;
  const char *headers[] = { NULL };
  gsize len;
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  file = g_bytes_new_take (g_steal_pointer (&contents), len);
  soup_multipart_append_form_string (mp, "title", title);
  soup_multipart_append_form_string (mp, "rights_holder", "Test Records");
  soup_multipart_append_form_file (mp, "file", "work.mp4", "video/mp4", file);
  soup_multipart_to_message (mp, h, &body);
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http_full (F.d->port, "POST", "/api/v1/admin/works", F.root, headers,
                               soup_message_headers_get_one (h, "Content-Type"),
                               g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    g_assert_cmpuint (r->status, ==, 202);
    g_assert_cmpstr (reel_test_json_str (r, "state"), ==, "indexing");
    id = g_strdup (reel_test_json_str (r, "id"));
  }
  /* Only admins. */
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (F.d->port, "GET", "/api/v1/admin/works", F.alice, NULL, 0);
    g_assert_cmpuint (r->status, ==, 403);
  }
  wait_indexed (id);
  return g_steal_pointer (&id);
}

/* The copyright check of a video as its owner sees it, once it is no
 * longer pending (and, for a passed one, once the video is ready). */
static JsonObject *
wait_named_check (const char *token, const char *video, const char *name)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", video);
  for (guint i = 0; i < WAIT_STEPS; i++)
    {
      g_autoptr (JsonObject) v = get_json (path, token, 200);
      JsonArray *checks = json_object_has_member (v, "checks")
                              ? json_object_get_array_member (v, "checks")
                              : NULL;
      JsonObject *c = NULL;
      for (guint k = 0; checks && k < json_array_get_length (checks); k++)
        if (g_str_equal (
                json_object_get_string_member (json_array_get_object_element (checks, k), "name"),
                name))
          c = json_array_get_object_element (checks, k);
      const char *state = c ? json_object_get_string_member (c, "state") : "none";
      if (c && !g_str_equal (state, "pending")
          && (!g_str_equal (state, "passed")
              || g_str_equal (json_object_get_string_member (v, "state"), "ready")))
        {
          return json_object_ref (c);
        }
      g_usleep (WAIT_STEP_US);
    }
  g_error ("the check of video %s never ended", video);
}

static JsonObject *
wait_check (const char *token, const char *video)
{
  return wait_named_check (token, video, "copyright");
}

static JsonArray *
items_of (JsonObject *o)
{
  return json_object_get_array_member (o, "items");
}

static gboolean
in_list (const char *path, const char *token, const char *video)
{
  g_autoptr (JsonObject) o = get_json (path, token, 200);
  JsonArray *a = items_of (o);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *it = json_array_get_object_element (a, i);
      const char *id = json_object_has_member (it, "video_id")
                           ? json_object_get_string_member (it, "video_id")
                           : json_object_get_string_member_with_default (it, "id", "");
      if (g_strcmp0 (id, video) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The notification of type about video token has, or NULL. */
static JsonObject *
notification (const char *token, const char *type, const char *video)
{
  g_autoptr (JsonObject) o = get_json ("/api/v1/notifications", token, 200);
  JsonArray *a = items_of (o);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *n = json_array_get_object_element (a, i);
      if (g_strcmp0 (json_object_get_string_member_with_default (n, "type", ""), type) == 0
          && g_strcmp0 (json_object_get_string_member_with_default (n, "video_id", ""), video) == 0)
        return json_object_ref (n);
    }
  return NULL;
}

static JsonObject *
wait_notification (const char *token, const char *type, const char *video)
{
  for (guint i = 0; i < WAIT_STEPS; i++)
    {
      JsonObject *n = notification (token, type, video);
      if (n)
        return n;
      g_usleep (WAIT_STEP_US);
    }
  g_error ("no %s notification about %s", type, video);
}

/* Nobody but the owner and moderators sees it, and no list has it. */
static void
assert_unpublished (const char *video, const char *title)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", video);
  g_autofree char *search = g_strdup_printf ("/api/v1/search?q=%s", title);
  g_autoptr (ReelTestResponse) anon = reel_test_http (F.d->port, "GET", path, NULL, NULL, 0);
  g_autoptr (ReelTestResponse) other = reel_test_http (F.d->port, "GET", path, F.bob, NULL, 0);
  g_assert_cmpuint (anon->status, !=, 200);
  g_assert_cmpuint (other->status, !=, 200);
  g_assert_false (in_list ("/api/v1/videos", NULL, video));
  g_assert_false (in_list (search, NULL, video));
  g_assert_false (in_list ("/api/v1/feed", F.bob, video));
  g_assert_null (notification (F.bob, "new_video", video));
}

static void
assert_published (const char *video, const char *title)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", video);
  g_autofree char *search = g_strdup_printf ("/api/v1/search?q=%s", title);
  g_autoptr (JsonObject) sub = wait_notification (F.bob, "new_video", video);
  g_autoptr (JsonObject) rec = get_json (path, NULL, 200);
  g_autoptr (JsonObject) ready = notification (F.alice, "video_ready", video);
  g_autoptr (JsonObject) published = notification (F.alice, "video_published", video);
  g_autoptr (JsonObject) decided = notification (F.alice, "video_unblocked", video);
  /* The owner is told it is published: by video_ready when the checks
   * were done first, by video_published when the last one passed later,
   * by video_unblocked when a moderator decided. */
  g_assert_true (
      published || decided
      || (ready && json_object_get_boolean_member_with_default (ready, "published", FALSE)));
  g_assert_true (in_list ("/api/v1/videos", NULL, video));
  g_assert_true (in_list (search, NULL, video));
  g_assert_true (in_list ("/api/v1/feed", F.bob, video));
}

static void
assert_blocked (const char *video, const char *title, const char *kind)
{
  g_autoptr (JsonObject) c = wait_check (F.alice, video);
  g_autoptr (JsonObject) n = NULL;
  const char *detail;
  g_autofree char *named = g_strdup_printf ("\"%s\"", "Work One");
  g_autofree char *kind_named = g_strdup_printf ("(%s)", kind);
  g_assert_cmpstr (json_object_get_string_member (c, "state"), ==, "blocked");
  detail = json_object_get_string_member (c, "detail");
  g_test_message ("%s: %s", title, detail);
  g_assert_nonnull (strstr (detail, named));
  if (kind)
    g_assert_nonnull (strstr (detail, kind_named));
  g_assert_nonnull (strstr (detail, " at 0:"));
  g_assert_nonnull (strstr (detail, "(work 0:"));
  n = wait_notification (F.alice, "video_blocked", video);
  g_assert_cmpstr (json_object_get_string_member (n, "reason"), ==, detail);
  assert_unpublished (video, title);
}

/* The uploader disputes the block of video (acceptance of "a dispute route
 * lets the uploader contest a block"): held for a moderator, in the
 * moderators' queue, published by their unblock, and the uploader is told.
 * Only the owner disputes, only a blocked video, and says why. */
static void
assert_disputed (const char *video, const char *title, const char *passed_video)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/dispute", video);
  g_autofree char *passed_path = g_strdup_printf ("/api/v1/videos/%s/dispute", passed_video);
  g_autofree char *unblock = g_strdup_printf ("/api/v1/admin/videos/%s/unblock", video);
  const char *body = "{\"text\":\"It is my own footage\"}";
  g_autofree char *report = NULL;
  g_autoptr (JsonObject) c = NULL, reports = NULL, n = NULL;
  gboolean queued = FALSE;
  {
    g_autoptr (ReelTestResponse) other = reel_test_http (F.d->port, "POST", path, F.bob, body, 0);
    g_autoptr (ReelTestResponse) fine
        = reel_test_http (F.d->port, "POST", passed_path, F.alice, body, 0);
    g_autoptr (ReelTestResponse) mute
        = reel_test_http (F.d->port, "POST", path, F.alice, "{\"text\":\"\"}", 0);
    g_autoptr (ReelTestResponse) anon = reel_test_http (F.d->port, "POST", path, NULL, body, 0);
    g_assert_cmpuint (other->status, ==, 403);
    g_assert_cmpuint (fine->status, ==, 409);
    g_assert_cmpuint (mute->status, ==, 400);
    g_assert_cmpuint (anon->status, ==, 401);
  }
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (F.d->port, "POST", path, F.alice, body, 0);
    g_assert_cmpuint (r->status, ==, 201);
    g_assert_cmpstr (reel_test_json_str (r, "state"), ==, "held");
    report = g_strdup (reel_test_json_str (r, "report_id"));
  }
  c = wait_check (F.alice, video);
  g_assert_cmpstr (json_object_get_string_member (c, "state"), ==, "held");
  g_assert_nonnull (
      strstr (json_object_get_string_member (c, "detail"), "disputed by the owner: It is my own"));
  assert_unpublished (video, title);
  reports = get_json ("/api/v1/admin/reports", F.root, 200);
  {
    JsonArray *items = json_object_get_array_member (reports, "items");
    for (guint i = 0; i < json_array_get_length (items); i++)
      {
        JsonObject *r = json_array_get_object_element (items, i);
        if (g_str_equal (json_object_get_string_member (r, "id"), report))
          {
            g_assert_cmpstr (json_object_get_string_member (r, "video_id"), ==, video);
            queued = TRUE;
          }
      }
  }
  g_assert_true (queued);
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (F.d->port, "POST", unblock, F.root, NULL, 0);
    g_assert_cmpuint (r->status, ==, 200);
  }
  n = wait_notification (F.alice, "video_unblocked", video);
  assert_published (video, title);
}

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

/* The classifier the node runs (checks.classifier_command): it insists
 * on JPEG frames, and scores them high while the flag file exists. */
static char *
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

static void
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
static void
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

static void
test_rebuild (void)
{
  g_autofree char *dump = NULL;
  {
    guint64 last = 0;
    g_autoptr (GPtrArray) lines = reel_test_event_log (F.nats->url, &last);
    reel_test_validate_events (lines);
  }
  g_assert_cmpint (reel_test_reeld_stop (F.d), ==, 0);
  reel_test_reeld_free (F.d);
  F.d = NULL;
  dump = reel_test_rebuild_same (F.dir, F.nats->url, F.config);
  g_assert_nonnull (strstr (dump, "work_index"));
  g_assert_cmpuint (reel_test_rebuild_each_alone (F.dir, F.nats->url, F.config), >=, 10);
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

/* Fingerprinting and sampling frames decode a whole video, which takes
 * minutes for a long one, or beside a transcode that takes the CPU: the
 * child says it is alive every second meanwhile, or the worker would stop
 * it as wedged after a minute (it did: every check of a 1080p upload
 * during the transcode benchmark, and of any video over a few minutes). */
static void
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
  g_autofree char *sample = g_strdup_printf (
      "{\"op\":\"frames\",\"path\":\"%s\",\"dir\":\"%s\",\"interval_s\":2,\"max_frames\":1800}",
      clip, frames);
  g_assert_cmpint (g_mkdir (frames, 0700), ==, 0);
  g_assert_cmpfloat (longest_silence (print), <, 2.5);
  g_assert_cmpfloat (longest_silence (sample), <, 2.5);
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
static void
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
