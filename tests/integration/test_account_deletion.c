/* Account deletion with crypto-shredding (issue 12, acceptance 6).
 *
 *   /account-deletion/shred  a user with a distinctive email and display name
 *                            uploads a video and comments; GET users/me shows
 *                            the email (sealed, not lost); a wrong password
 *                            cannot delete; deletion refuses the token and the
 *                            login and 404s the video and its comments; after
 *                            `reeld --rebuild` neither `mdb_dump -a` nor any
 *                            byte under the data dir's JetStream store holds
 *                            the email or display name, though the projection
 *                            held both before and the rebuild still opens
 *                            the data of a user who stays. */
#define _GNU_SOURCE /* memmem */
#include "support/harness.h"
#include "support/replay.h"

#include <string.h>

#define PASSWORD "correct horse battery"
#define EMAIL "shred-me-7f3a@deletion.example"
#define DISPLAY "Zyxwv Deletable Qwerty"
/* A user who stays: the rebuild must still open their sealed data, or
 * "nothing left" would prove nothing. */
#define STAYS_EMAIL "still-here-51c2@deletion.example"
#define STAYS_DISPLAY "Persisting Person"
/* Transcoding a 2 s clip on a loaded 2-core runner. */
#define READY_TIMEOUT_S 240

/* TRUE when a file under root holds needle in its raw bytes. */
static gboolean
tree_contains (const char *root, const char *needle, char **where)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  reel_test_list_files (root, files);
  g_assert_cmpuint (files->len, >, 0);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *bytes = NULL;
      gsize len = 0;
      if (!g_file_get_contents (files->pdata[i], &bytes, &len, NULL))
        continue;
      if (memmem (bytes, len, needle, strlen (needle)))
        {
          *where = g_strdup (files->pdata[i]);
          return TRUE;
        }
    }
  return FALSE;
}

static void
test_shred (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *media = g_build_filename (dir, "media", NULL);
  g_autofree char *nats_dir = g_build_filename (dir, "nats", NULL);
  ReelTestReeld *d = reel_test_reeld_start (dir, NULL, NULL);
  const char *reg = "{\"username\":\"gone\",\"password\":\"" PASSWORD "\",\"email\":\"" EMAIL
                    "\",\"display_name\":\"" DISPLAY "\"}";
  const char *login = "{\"username\":\"gone\",\"password\":\"" PASSWORD "\"}";
  g_autofree char *token = NULL, *video = NULL, *clip = NULL, *comments = NULL, *video_path = NULL,
                  *dump = NULL, *where = NULL, *stays = NULL, *other = NULL, *other_comments = NULL,
                  *unfinished = NULL, *unfinished_path = NULL;
  g_autoptr (ReelTestResponse) r = NULL;

  g_assert_nonnull (d);
  r = reel_test_http (d->port, "POST", "/api/v1/users", NULL, reg, 0);
  g_assert_cmpuint (r->status, ==, 201);
  g_clear_pointer (&r, reel_test_response_free);
  r = reel_test_http (d->port, "POST", "/api/v1/sessions", NULL, login, 0);
  g_assert_cmpuint (r->status, ==, 201);
  token = g_strdup (reel_test_json_str (r, "token"));
  g_clear_pointer (&r, reel_test_response_free);

  /* Sealing is reversible while the key lives. */
  r = reel_test_http (d->port, "GET", "/api/v1/users/me", token, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (reel_test_json_str (r, "email"), ==, EMAIL);
  g_assert_cmpstr (reel_test_json_str (r, "display_name"), ==, DISPLAY);
  g_clear_pointer (&r, reel_test_response_free);

  g_mkdir_with_parents (media, 0700);
  clip = reel_test_make_media (
      media, "tiny.mp4",
      "videotestsrc num-buffers=30 ! video/x-raw,format=I420,width=160,height=120,"
      "framerate=15/1 ! x264enc speed-preset=ultrafast key-int-max=15 ! mp4mux faststart=true "
      "! filesink location=%s");
  video = reel_test_upload (d->port, token, clip, "Soon gone");
  g_assert_nonnull (video);
  r = reel_test_wait_state (d->port, video, "ready|failed", READY_TIMEOUT_S);
  g_assert_cmpstr (reel_test_json_str (r, "state"), ==, "ready");
  g_clear_pointer (&r, reel_test_response_free);
  /* An upload never finished is not on the channel; it goes too. */
  unfinished = reel_test_tus_create (d->port, token, 1000, "Never finished");
  unfinished_path = g_strdup_printf ("/api/v1/videos/%s", unfinished);
  r = reel_test_http (d->port, "GET", unfinished_path, token, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  g_clear_pointer (&r, reel_test_response_free);
  comments = g_strdup_printf ("/api/v1/videos/%s/comments", video);
  video_path = g_strdup_printf ("/api/v1/videos/%s", video);
  r = reel_test_http (d->port, "POST", comments, token, "{\"text\":\"my last words\"}", 0);
  g_assert_cmpuint (r->status, ==, 201);
  g_clear_pointer (&r, reel_test_response_free);

  /* Another user's video that the doomed user comments on and subscribes
   * to: the comment and the subscription go with the account. */
  r = reel_test_http (d->port, "POST", "/api/v1/users", NULL,
                      "{\"username\":\"stays\",\"password\":\"" PASSWORD
                      "\",\"email\":\"" STAYS_EMAIL "\",\"display_name\":\"" STAYS_DISPLAY "\"}",
                      0);
  g_assert_cmpuint (r->status, ==, 201);
  g_clear_pointer (&r, reel_test_response_free);
  r = reel_test_http (d->port, "POST", "/api/v1/sessions", NULL,
                      "{\"username\":\"stays\",\"password\":\"" PASSWORD "\"}", 0);
  g_assert_cmpuint (r->status, ==, 201);
  stays = g_strdup (reel_test_json_str (r, "token"));
  g_clear_pointer (&r, reel_test_response_free);
  /* A second registration of the name is refused and must leave the
   * owner's key alone (the rebuild below still opens stays' data). */
  r = reel_test_http (d->port, "POST", "/api/v1/users", NULL,
                      "{\"username\":\"stays\",\"password\":\"" PASSWORD "\"}", 0);
  g_assert_cmpuint (r->status, ==, 409);
  g_clear_pointer (&r, reel_test_response_free);
  other = reel_test_tus_create (d->port, stays, 1000, "Still here");
  other_comments = g_strdup_printf ("/api/v1/videos/%s/comments", other);
  r = reel_test_http (d->port, "POST", other_comments, token, "{\"text\":\"words on yours\"}", 0);
  g_assert_cmpuint (r->status, ==, 201);
  g_clear_pointer (&r, reel_test_response_free);
  r = reel_test_http (d->port, "POST", "/api/v1/subscriptions", token, "{\"channel\":\"stays\"}",
                      0);
  g_assert_cmpuint (r->status / 100, ==, 2);
  g_clear_pointer (&r, reel_test_response_free);
  r = reel_test_http (d->port, "GET", "/api/v1/users/stays", NULL, NULL, 0);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (r->json), "subscriber_count"),
                   ==, 1);
  g_clear_pointer (&r, reel_test_response_free);

  /* Not vacuous: the projection holds the personal data before deletion;
   * the log holds it sealed only. */
  dump = reel_test_dump_lmdb (dir);
  g_assert_nonnull (strstr (dump, EMAIL));
  g_assert_nonnull (strstr (dump, DISPLAY));
  g_clear_pointer (&dump, g_free);

  r = reel_test_http (d->port, "DELETE", "/api/v1/users/me", token,
                      "{\"password\":\"wrong password\"}", 0);
  g_assert_cmpuint (r->status, ==, 403);
  g_clear_pointer (&r, reel_test_response_free);
  r = reel_test_http (d->port, "DELETE", "/api/v1/users/me", token,
                      "{\"password\":\"" PASSWORD "\"}", 0);
  g_assert_cmpuint (r->status, ==, 204);
  g_clear_pointer (&r, reel_test_response_free);

  r = reel_test_http (d->port, "GET", "/api/v1/users/me", token, NULL, 0);
  g_assert_cmpuint (r->status, ==, 401);
  g_clear_pointer (&r, reel_test_response_free);
  r = reel_test_http (d->port, "POST", "/api/v1/sessions", NULL, login, 0);
  g_assert_cmpuint (r->status, ==, 401);
  g_clear_pointer (&r, reel_test_response_free);
  r = reel_test_http (d->port, "GET", video_path, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 404);
  g_clear_pointer (&r, reel_test_response_free);
  r = reel_test_http (d->port, "GET", comments, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 404);
  g_clear_pointer (&r, reel_test_response_free);
  r = reel_test_http (d->port, "GET", unfinished_path, token, NULL, 0);
  g_assert_cmpuint (r->status, ==, 404);
  g_clear_pointer (&r, reel_test_response_free);
  r = reel_test_http (d->port, "GET", other_comments, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_null (strstr (r->body, "words on yours"));
  g_clear_pointer (&r, reel_test_response_free);
  r = reel_test_http (d->port, "GET", "/api/v1/users/stays", NULL, NULL, 0);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (r->json), "subscriber_count"),
                   ==, 0);
  g_clear_pointer (&r, reel_test_response_free);
  /* The name stays taken: usernames remain identifiers in the log. */
  r = reel_test_http (d->port, "POST", "/api/v1/users", NULL, reg, 0);
  g_assert_cmpuint (r->status, ==, 409);
  g_clear_pointer (&r, reel_test_response_free);

  /* Every event, user.deleted and the sealed ones included, matches its
   * schema. */
  {
    g_autofree char *url = reel_test_embedded_nats_url (dir);
    guint64 last = 0;
    g_autoptr (GPtrArray) lines = reel_test_event_log (url, &last);
    gboolean deleted = FALSE;
    reel_test_validate_events (lines);
    for (guint i = 0; i < lines->len; i++)
      {
        g_assert_null (strstr (lines->pdata[i], EMAIL));
        deleted |= strstr (lines->pdata[i], "\"user.deleted\"") != NULL;
      }
    g_assert_true (deleted);
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  g_free (reel_test_rebuild (dir, NULL, NULL, NULL));
  dump = reel_test_dump_lmdb (dir);
  g_assert_null (strstr (dump, EMAIL));
  g_assert_null (strstr (dump, DISPLAY));
  g_assert_null (strstr (dump, "my last words"));
  g_assert_null (strstr (dump, "words on yours"));
  g_assert_nonnull (strstr (dump, STAYS_EMAIL));
  g_assert_nonnull (strstr (dump, STAYS_DISPLAY));
  if (tree_contains (nats_dir, EMAIL, &where) || tree_contains (nats_dir, DISPLAY, &where))
    g_error ("personal data in plain text in %s", where);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/account-deletion/shred", test_shred);
  return g_test_run ();
}
