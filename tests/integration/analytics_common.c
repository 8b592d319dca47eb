/* See analytics_common.h. */
#include "analytics_common.h"

#include <math.h>

/* views.min_watch_seconds = 3 with 4 s and 2 s videos: the first counts at
 * 3 s, the second only when watched whole. A short duplicate window, so a
 * replay beyond it is quick to provoke. */
static const char *CONFIG = "[views]\nmin_watch_seconds = 3\n"
                            "[actions]\nbatch_max = 20\nduplicate_window_seconds = 4\n"
                            "[media]\nx264_preset = ultrafast\n";
#define CLIP                                                                                       \
  "videotestsrc num-buffers=%d ! video/x-raw,width=320,height=240,framerate=25/1 ! "               \
  "x264enc speed-preset=ultrafast ! mp4mux ! filesink location=%%s"

Fixture fx;

double
duration_of (guint16 port, const char *id)
{
  g_autoptr (ReelTestResponse) r = reel_test_wait_state (port, id, "ready", 180);
  return json_object_get_double_member (json_node_get_object (r->json), "duration");
}

char *
make_clip (int frames, const char *name)
{
  g_autofree char *pipeline = g_strdup_printf (CLIP, frames);
  return reel_test_make_media (fx.media, name, pipeline);
}

void
setup (void)
{
  g_autofree char *clip4 = NULL, *clip2 = NULL, *garbage = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (6);
  guint8 noise[4096];

  if (fx.d)
    return;
  fx.nats = reel_test_nats_start ();
  fx.dir = reel_test_tmpdir ();
  fx.media = reel_test_tmpdir ();
  fx.config = g_build_filename (fx.media, "reeld.conf", NULL);
  g_assert_true (g_file_set_contents (fx.config, CONFIG, -1, NULL));
  fx.d = reel_test_reeld_start_config (fx.dir, fx.nats->url, fx.config);
  fx.amy = reel_test_register_login (fx.d->port, "amy", PASSWORD);
  fx.bob = reel_test_register_login (fx.d->port, "bob", PASSWORD);
  fx.carl = reel_test_register_login (fx.d->port, "carl", PASSWORD);
  fx.dan = reel_test_register_login (fx.d->port, "dan", PASSWORD);
  clip4 = make_clip (100, "four.mp4");
  clip2 = make_clip (50, "two.mp4");
  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (guint8)g_rand_int (rand);
  garbage = g_build_filename (fx.media, "garbage.mp4", NULL);
  g_assert_true (g_file_set_contents (garbage, (const char *)noise, sizeof noise, NULL));
  fx.a = reel_test_upload (fx.d->port, fx.amy, clip4, "Cooking pasta at home");
  fx.b = reel_test_upload (fx.d->port, fx.bob, clip4, "Mountain bike trail");
  fx.c = reel_test_upload (fx.d->port, fx.carl, clip4, "Jazz piano lesson");
  fx.e = reel_test_upload (fx.d->port, fx.amy, clip4, "Garden tour");
  fx.f = reel_test_upload (fx.d->port, fx.dan, clip4, "Pasta sauce secrets");
  fx.s = reel_test_upload (fx.d->port, fx.bob, clip2, "Short clip");
  fx.x = reel_test_upload (fx.d->port, fx.amy, garbage, "Pasta gone wrong");
  fx.dur_a = duration_of (fx.d->port, fx.a);
  fx.dur_s = duration_of (fx.d->port, fx.s);
  g_assert_cmpfloat (fx.dur_a, >, 3.5);
  g_assert_cmpfloat (fx.dur_s, <, 3.0);
  duration_of (fx.d->port, fx.b);
  duration_of (fx.d->port, fx.c);
  duration_of (fx.d->port, fx.e);
  duration_of (fx.d->port, fx.f);
  reel_test_response_free (reel_test_wait_state (fx.d->port, fx.x, "failed", 60));
  fx.at = 1795459669000;
}

/* One action; extra is appended inside the object (",\"rendition\":..."). */
char *
action (const char *video, const char *session, int v, const char *name, double position,
        const char *extra)
{
  char pos[G_ASCII_DTOSTR_BUF_SIZE];
  fx.at += 250;
  return g_strdup_printf ("{\"id\":\"act-%06u\",\"v\":%d,\"video_id\":\"%s\",\"session_id\":\"%s\","
                          "\"action\":\"%s\",\"position\":%s,\"at\":%" G_GINT64_FORMAT "%s}",
                          fx.n_ids++, v, video, session, name,
                          g_ascii_dtostr (pos, sizeof pos, position), fx.at, extra ? extra : "");
}

void
add (GPtrArray *batch, char *action_text)
{
  g_ptr_array_add (batch, action_text);
}

/* A session that watches a whole video: play, then ended. */
void
watch_whole (GPtrArray *batch, const char *video, const char *session, double duration,
             const char *play_extra)
{
  add (batch, action (video, session, play_extra ? 2 : 1, "play", 0, play_extra));
  add (batch, action (video, session, 1, "progress", duration / 2, NULL));
  add (batch, action (video, session, 1, "ended", duration, NULL));
}

char *
body_of (GPtrArray *batch, const char *token)
{
  g_autoptr (GString) s = g_string_new ("{\"events\":[");
  for (guint i = 0; i < batch->len; i++)
    g_string_append_printf (s, "%s%s", i ? "," : "", (char *)batch->pdata[i]);
  g_string_append (s, "]");
  if (token)
    g_string_append_printf (s, ",\"token\":\"%s\"", token);
  g_string_append (s, "}");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

ReelTestResponse *
post (const char *body, const char *bearer, const char *content_type)
{
  return reel_test_http_full (fx.d->port, "POST", "/api/v1/events", bearer, NULL,
                              content_type ? content_type : "application/json", body,
                              strlen (body));
}

gint64
member_int (JsonNode *json, const char *name)
{
  return json_object_get_int_member (json_node_get_object (json), name);
}

/* Posts a batch that must be taken whole. */
void
post_all (GPtrArray *batch, const char *token, const char *content_type)
{
  g_autofree char *body = body_of (batch, token);
  g_autoptr (ReelTestResponse) r = post (body, NULL, content_type);
  g_assert_cmpuint (r->status, ==, 202);
  g_assert_cmpint (member_int (r->json, "accepted"), ==, batch->len);
  g_assert_cmpuint (json_array_get_length (
                        json_object_get_array_member (json_node_get_object (r->json), "rejected")),
                    ==, 0);
}

gint64
views_of (const char *id)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", id);
  g_autoptr (ReelTestResponse) r = reel_test_http (fx.d->port, "GET", path, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  return member_int (r->json, "views");
}

ReelTestResponse *
analytics_of (const char *id, const char *token)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s/analytics", id);
  return reel_test_http (fx.d->port, "GET", path, token, NULL, 0);
}

guint64
actions_stored (void)
{
  guint64 last = 0;
  g_autoptr (GPtrArray) records = reel_test_stream_log (fx.nats->url, "REEL_ACTIONS", &last);
  return records->len;
}

void
assert_near (double got, double want)
{
  if (fabs (got - want) > 1e-6)
    g_error ("got %.9f, want %.9f", got, want);
}
