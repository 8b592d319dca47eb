/* The checks tests' shared node and helpers (see checks_common.h). */
#include "checks_common.h"

static const char *PASSWORD = "correct horse battery";

ChecksNode F;

/* --- generated media --- */

/* An MP4 of a picture and a sound, each made of pieces (support/clips.h). */
char *
make_clip (const char *name, const Piece *picture, guint n_picture, const Piece *sound,
           guint n_sound, guint width, guint height, double crop, double brightness, guint kbps)
{
  return reel_test_clip_make (F.dir, name, picture, n_picture, sound, n_sound, width, height, crop,
                              brightness, kbps);
}

/* --- HTTP --- */

char *
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

JsonObject *
get_json (const char *path, const char *token, guint want)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (F.d->port, "GET", path, token, NULL, 0);
  g_assert_cmpuint (r->status, ==, want);
  return r->json && JSON_NODE_HOLDS_OBJECT (r->json)
             ? json_object_ref (json_node_get_object (r->json))
             : NULL;
}

/* Waits until a work is fingerprinted and indexed. */
void
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
char *
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
JsonObject *
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

JsonObject *
wait_check (const char *token, const char *video)
{
  return wait_named_check (token, video, "copyright");
}

JsonArray *
items_of (JsonObject *o)
{
  return json_object_get_array_member (o, "items");
}

gboolean
in_list (const char *path, const char *token, const char *video)
{
  g_autoptr (JsonObject) o = get_json (path, token, 200);
  return reel_test_items_have_video (items_of (o), video);
}

/* The notification of type about video token has, or NULL. */
JsonObject *
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

JsonObject *
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
void
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

void
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

void
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
void
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
