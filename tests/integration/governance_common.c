/* See governance_common.h. */
#include "governance_common.h"

#include <json-glib/json-glib.h>

Node N;

void
node_start_extra (const char *auth, const char *extra)
{
  g_autofree char *text = g_strdup_printf ("[auth]\n%s\n[limits]\nregister_per_ip = off\n"
                                           "login_per_ip = off\nlogin_per_account = off\n%s",
                                           auth, extra);
  g_assert_true (g_file_set_contents (N.config, text, -1, NULL));
  N.d = reel_test_reeld_start_config (N.dir, N.nats->url, N.config);
}

void
node_start (const char *auth)
{
  node_start_extra (auth, "");
}

void
node_stop (void)
{
  g_assert_cmpint (reel_test_reeld_stop (N.d), ==, 0);
  reel_test_reeld_free (N.d);
  N.d = NULL;
}

ReelTestResponse *
register_user (const char *username, const char *invite)
{
  g_autofree char *body
      = invite ? g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\",\"invite\":\"%s\"}",
                                  username, PASSWORD, invite)
               : g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, PASSWORD);
  return reel_test_http (N.d->port, "POST", "/api/v1/users", NULL, body, 0);
}

char *
login (const char *username)
{
  g_autofree char *body
      = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, PASSWORD);
  g_autoptr (ReelTestResponse) r
      = reel_test_http (N.d->port, "POST", "/api/v1/sessions", NULL, body, 0);
  g_assert_cmpuint (r->status, ==, 201);
  return g_strdup (reel_test_json_str (r, "token"));
}

JsonArray *
items (ReelTestResponse *r)
{
  g_assert_nonnull (r->json);
  return json_object_get_array_member (json_node_get_object (r->json), "items");
}

guint
status_of (const char *method, const char *path, const char *token, const char *body)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, method, path, token, body, 0);
  return r->status;
}

guint
login_status (const char *username, const char *password)
{
  g_autofree char *body
      = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
  return status_of ("POST", "/api/v1/sessions", NULL, body);
}

ReelTestResponse *
tus_create (const char *token, gsize size)
{
  g_autofree char *len = g_strdup_printf ("%zu", size);
  g_autofree char *t = g_base64_encode ((const guchar *)"clip", 4);
  g_autofree char *meta = g_strdup_printf ("title %s", t);
  const char *h[]
      = { "Tus-Resumable", "1.0.0", "Upload-Length", len, "Upload-Metadata", meta, NULL };
  return reel_test_http_full (N.d->port, "POST", "/api/v1/uploads", token, h, NULL, NULL, 0);
}

/* The audit log's newest two entries, as root sees them: newest (by
 * mod) after before (by mod). */
void
assert_last_audit (const char *root, const char *newest, const char *before)
{
  g_autoptr (ReelTestResponse) r
      = reel_test_http (N.d->port, "GET", "/api/v1/admin/audit?limit=2", root, NULL, 0);
  JsonArray *a;
  g_assert_cmpuint (r->status, ==, 200);
  a = items (r);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (a, 0), "type"), ==,
                   newest);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (a, 1), "type"), ==,
                   before);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (a, 0), "actor"),
                   ==, "mod");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (a, 1), "actor"),
                   ==, "mod");
}

/* 2 s, 320x240, with sound: one chunk, ready in seconds. */
char *
make_clip (const char *dir)
{
  return reel_test_make_media (
      dir, "clip.mp4",
      "videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc num-buffers=90 ! audioconvert ! avenc_aac ! m.");
}

/* Whether list (the answer of a listing route) names video. */
gboolean
lists (const char *path, const char *token, const char *video)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, "GET", path, token, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  return reel_test_items_have_video (items (r), video);
}

/* What token (NULL: anonymous) gets of the video's record, master
 * playlist, first segment and poster. */
void
assert_sight (const char *token, const char *video, const char *rendition, guint record,
              guint media)
{
  g_autofree char *rec = g_strdup_printf ("/api/v1/videos/%s", video);
  g_autofree char *master = g_strdup_printf ("/videos/%s/master.m3u8", video);
  g_autofree char *init = g_strdup_printf ("/videos/%s/%s/init-0.mp4", video, rendition);
  g_autofree char *poster = g_strdup_printf ("/videos/%s/poster.jpg", video);
  g_assert_cmpuint (status_of ("GET", rec, token, NULL), ==, record);
  g_assert_cmpuint (status_of ("GET", master, token, NULL), ==, media);
  g_assert_cmpuint (status_of ("GET", init, token, NULL), ==, media);
  g_assert_cmpuint (status_of ("GET", poster, token, NULL), ==, media);
}

gboolean
notified (const char *token, const char *type, const char *video, const char *reason)
{
  g_autoptr (ReelTestResponse) r
      = reel_test_http (N.d->port, "GET", "/api/v1/notifications", token, NULL, 0);
  JsonArray *a;
  g_assert_cmpuint (r->status, ==, 200);
  a = items (r);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      if (g_strcmp0 (json_object_get_string_member_with_default (o, "type", ""), type) == 0
          && g_strcmp0 (json_object_get_string_member_with_default (o, "video_id", ""), video) == 0
          && (!reason
              || g_strcmp0 (json_object_get_string_member_with_default (o, "reason", ""), reason)
                     == 0))
        return TRUE;
    }
  return FALSE;
}

/* Waits until the owner (token) was told the video is ready: video.ready
 * was applied, so lists, feeds and subscribers' notifications have it (a
 * record in state ready may still be waiting for its announcement); and
 * until it has its poster. */
void
wait_announced (const char *token, const char *video)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", video);
  for (guint i = 0; i < 600 && !notified (token, "video_ready", video, NULL); i++)
    g_usleep (50 * 1000);
  g_assert_true (notified (token, "video_ready", video, NULL));
  /* The poster is its own job: it may come after the last chunk, or
   * after a retry (a poster job that stands still for 30 s is stopped
   * and tried again, media/worker.c). */
  for (guint i = 0; i < 1800; i++)
    {
      g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, "GET", path, token, NULL, 0);
      if (reel_test_json_str (r, "thumbnail"))
        return;
      g_usleep (50 * 1000);
    }
  g_error ("video %s got no poster", video);
}
