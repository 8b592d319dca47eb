/* The governance tests of moderation (see test_governance.c):
 * /governance/reports, /governance/bans and /governance/blocks. */
#include "governance_common.h"

#include <json-glib/json-glib.h>

void test_reports (void);
void test_bans (void);
void test_blocks (void);

void
test_reports (void)
{
  g_autofree char *root = NULL, *mod = NULL, *quinn = NULL, *video = NULL, *report = NULL;
  g_autofree char *body = NULL, *resolve = NULL;
  node_start ("admins = root\n");
  root = login ("root");
  mod = login ("mod");
  quinn = login ("quinn");
  {
    g_autoptr (ReelTestResponse) r = tus_create (quinn, 1000);
    g_assert_cmpuint (r->status, ==, 201);
    video = g_strdup (reel_test_header (r, "Reel-Video-Id"));
  }
  body = g_strdup_printf ("{\"video_id\":\"%s\",\"reason\":\"spam\",\"text\":\"buy now\"}", video);
  g_assert_cmpuint (status_of ("POST", "/api/v1/reports", NULL, body), ==, 401);
  g_assert_cmpuint (status_of ("POST", "/api/v1/reports", quinn,
                               "{\"video_id\":\"AAAAAAAAAAA\",\"reason\":\"spam\"}"),
                    ==, 404);
  g_assert_cmpuint (status_of ("POST", "/api/v1/reports", quinn,
                               "{\"comment_id\":\"AAAAAAAAAAA\",\"reason\":\"spam\"}"),
                    ==, 404);
  g_assert_cmpuint (
      status_of ("POST", "/api/v1/reports", quinn, "{\"video_id\":\"x\",\"reason\":\"spam\"}"), ==,
      400);
  {
    g_autofree char *bad = g_strdup_printf ("{\"video_id\":\"%s\",\"reason\":\"dislike\"}", video);
    g_assert_cmpuint (status_of ("POST", "/api/v1/reports", quinn, bad), ==, 400);
  }
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (N.d->port, "POST", "/api/v1/reports", quinn, body, 0);
    g_assert_cmpuint (r->status, ==, 201);
    report = g_strdup (reel_test_json_str (r, "id"));
    g_assert_nonnull (report);
  }
  /* mod is a moderator since /governance/roles-invites. */
  g_assert_cmpuint (status_of ("GET", "/api/v1/admin/reports", quinn, NULL), ==, 403);
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (N.d->port, "GET", "/api/v1/admin/reports", mod, NULL, 0);
    JsonArray *a;
    JsonObject *rep;
    g_assert_cmpuint (r->status, ==, 200);
    a = items (r);
    g_assert_cmpuint (json_array_get_length (a), ==, 1);
    rep = json_array_get_object_element (a, 0);
    g_assert_cmpstr (json_object_get_string_member (rep, "id"), ==, report);
    g_assert_cmpstr (json_object_get_string_member (rep, "reporter"), ==, "quinn");
    g_assert_cmpstr (json_object_get_string_member (rep, "video_id"), ==, video);
    g_assert_cmpstr (json_object_get_string_member (rep, "reason"), ==, "spam");
    g_assert_cmpstr (json_object_get_string_member (rep, "text"), ==, "buy now");
  }
  resolve = g_strdup_printf ("/api/v1/admin/reports/%s/resolve", report);
  g_assert_cmpuint (status_of ("POST", resolve, quinn, "{}"), ==, 403);
  g_assert_cmpuint (status_of ("POST", resolve, mod, "{\"note\":\"an ad, but harmless\"}"), ==,
                    200);
  g_assert_cmpuint (status_of ("POST", resolve, mod, "{}"), ==, 409);
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (N.d->port, "GET", "/api/v1/admin/reports", mod, NULL, 0);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (items (r)), ==, 0);
  }
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (N.d->port, "GET", "/api/v1/admin/audit?limit=1", root, NULL, 0);
    JsonObject *e;
    g_assert_cmpuint (r->status, ==, 200);
    e = json_array_get_object_element (items (r), 0);
    g_assert_cmpstr (json_object_get_string_member (e, "type"), ==, "report.resolved");
    g_assert_cmpstr (json_object_get_string_member (e, "actor"), ==, "mod");
  }
  {
    guint64 last = 0;
    g_autoptr (GPtrArray) lines = reel_test_event_log (N.nats->url, &last);
    reel_test_validate_events (lines);
  }
  node_stop ();
}

void
test_bans (void)
{
  g_autofree char *root = NULL, *mod = NULL, *quinn = NULL, *again = NULL;
  node_start ("admins = root\n");
  root = login ("root");
  mod = login ("mod");
  quinn = login ("quinn");
  g_assert_cmpuint (
      status_of ("POST", "/api/v1/admin/users/mod/ban", quinn, "{\"reason\":\"revenge\"}"), ==,
      403);
  g_assert_cmpuint (
      status_of ("POST", "/api/v1/admin/users/root/ban", mod, "{\"reason\":\"coup\"}"), ==, 403);
  g_assert_cmpuint (status_of ("POST", "/api/v1/admin/users/quinn/ban", mod, "{}"), ==, 400);
  g_assert_cmpuint (
      status_of ("POST", "/api/v1/admin/users/nobody/ban", mod, "{\"reason\":\"spam links\"}"), ==,
      404);
  g_assert_cmpuint (
      status_of ("POST", "/api/v1/admin/users/quinn/ban", mod, "{\"reason\":\"spam links\"}"), ==,
      200);
  g_assert_cmpuint (status_of ("GET", "/api/v1/sessions/current", quinn, NULL), ==, 401);
  {
    g_autofree char *body
        = g_strdup_printf ("{\"username\":\"quinn\",\"password\":\"%s\"}", PASSWORD);
    g_autoptr (ReelTestResponse) r
        = reel_test_http (N.d->port, "POST", "/api/v1/sessions", NULL, body, 0);
    g_assert_cmpuint (r->status, ==, 403);
    g_assert_nonnull (strstr (r->body, "spam links"));
  }
  g_assert_cmpuint (login_status ("quinn", "not the password"), ==, 401);
  g_assert_cmpuint (
      status_of ("POST", "/api/v1/admin/users/quinn/ban", mod, "{\"reason\":\"spam links\"}"), ==,
      409);
  g_assert_cmpuint (status_of ("POST", "/api/v1/admin/users/quinn/unban", mod, ""), ==, 200);
  g_assert_cmpuint (status_of ("POST", "/api/v1/admin/users/quinn/unban", mod, ""), ==, 409);
  again = login ("quinn");
  g_assert_cmpuint (status_of ("GET", "/api/v1/sessions/current", again, NULL), ==, 200);
  assert_last_audit (root, "user.unbanned", "user.banned");
  {
    guint64 last = 0;
    g_autoptr (GPtrArray) lines = reel_test_event_log (N.nats->url, &last);
    reel_test_validate_events (lines);
  }
  node_stop ();
}

void
test_blocks (void)
{
  /* Every route under /api/v1/admin: a plain user gets 403 from each. */
  const char *admin_routes[][2] = {
    { "GET", "/api/v1/admin/audit" },
    { "GET", "/api/v1/admin/invites" },
    { "POST", "/api/v1/admin/invites" },
    { "GET", "/api/v1/admin/reports" },
    { "POST", "/api/v1/admin/reports/AAAAAAAAAAA/resolve" },
    { "POST", "/api/v1/admin/users/mod/ban" },
    { "POST", "/api/v1/admin/users/mod/unban" },
    { "POST", "/api/v1/admin/videos/AAAAAAAAAAA/block" },
    { "POST", "/api/v1/admin/videos/AAAAAAAAAAA/unblock" },
  };
  const char *reason = "copyright claim by the label";
  g_autofree char *root = NULL, *mod = NULL, *una = NULL, *vera = NULL, *video = NULL;
  g_autofree char *media = NULL, *clip = NULL, *rendition = NULL, *block = NULL;
  g_autofree char *unblock = NULL, *report = NULL, *search = NULL, *rec_path = NULL;

  node_start ("admins = root\n");
  root = login ("root");
  mod = login ("mod"); /* a moderator since /governance/roles-invites */
  una = reel_test_register_login (N.d->port, "una", PASSWORD);
  vera = reel_test_register_login (N.d->port, "vera", PASSWORD);
  for (guint i = 0; i < G_N_ELEMENTS (admin_routes); i++)
    {
      g_autoptr (ReelTestResponse) r
          = reel_test_http (N.d->port, admin_routes[i][0], admin_routes[i][1], vera, "{}", 0);
      g_assert_cmpuint (r->status, ==, 403);
      g_assert_cmpstr (reel_test_error_code (r), ==, "forbidden");
    }

  media = reel_test_tmpdir ();
  clip = make_clip (media);
  video = reel_test_upload (N.d->port, una, clip, "Zanzibar sunset");
  {
    g_autoptr (ReelTestResponse) r = reel_test_wait_state (N.d->port, video, "ready", 120);
    JsonArray *renditions
        = json_object_get_array_member (json_node_get_object (r->json), "renditions");
    rendition = g_strdup (
        json_object_get_string_member (json_array_get_object_element (renditions, 0), "name"));
  }
  wait_announced (una, video);
  search = g_strdup ("/api/v1/search?q=zanzibar");
  g_assert_true (lists ("/api/v1/videos", NULL, video));
  g_assert_true (lists ("/api/v1/users/una/videos", NULL, video));
  g_assert_true (lists (search, NULL, video));
  assert_sight (NULL, video, rendition, 200, 200);

  /* vera reports it; the moderator sees the report. */
  {
    g_autofree char *body
        = g_strdup_printf ("{\"video_id\":\"%s\",\"reason\":\"copyright\"}", video);
    g_autoptr (ReelTestResponse) r
        = reel_test_http (N.d->port, "POST", "/api/v1/reports", vera, body, 0);
    g_assert_cmpuint (r->status, ==, 201);
    report = g_strdup (reel_test_json_str (r, "id"));
  }
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (N.d->port, "GET", "/api/v1/admin/reports", mod, NULL, 0);
    gboolean seen = FALSE;
    JsonArray *a;
    g_assert_cmpuint (r->status, ==, 200);
    a = items (r);
    for (guint i = 0; i < json_array_get_length (a); i++)
      seen |= g_strcmp0 (json_object_get_string_member (json_array_get_object_element (a, i), "id"),
                         report)
              == 0;
    g_assert_true (seen);
  }

  /* The block: only moderators, with a reason, once. */
  block = g_strdup_printf ("/api/v1/admin/videos/%s/block", video);
  unblock = g_strdup_printf ("/api/v1/admin/videos/%s/unblock", video);
  {
    g_autofree char *body = g_strdup_printf ("{\"reason\":\"%s\"}", reason);
    g_assert_cmpuint (status_of ("POST", block, una, body), ==, 403);
    g_assert_cmpuint (status_of ("POST", block, NULL, body), ==, 401);
    g_assert_cmpuint (status_of ("POST", block, mod, "{}"), ==, 400);
    g_assert_cmpuint (status_of ("POST", "/api/v1/admin/videos/AAAAAAAAAAA/block", mod, body), ==,
                      404);
    g_assert_cmpuint (status_of ("POST", unblock, mod, ""), ==, 409);
    g_assert_cmpuint (status_of ("POST", block, mod, body), ==, 200);
    g_assert_cmpuint (status_of ("POST", block, mod, body), ==, 409);
  }
  /* Viewers: 451 with the reason on the record, 404 on every medium. */
  rec_path = g_strdup_printf ("/api/v1/videos/%s", video);
  for (guint i = 0; i < 2; i++)
    {
      const char *viewer = i == 0 ? NULL : vera;
      g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, "GET", rec_path, viewer, NULL, 0);
      g_assert_cmpuint (r->status, ==, 451);
      g_assert_cmpstr (reel_test_error_code (r), ==, "blocked");
      g_assert_nonnull (strstr (r->body, reason));
      assert_sight (viewer, video, rendition, 451, 404);
    }
  /* The owner and the moderators still see it, and why. */
  assert_sight (una, video, rendition, 200, 200);
  assert_sight (mod, video, rendition, 200, 200);
  {
    g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, "GET", rec_path, una, NULL, 0);
    g_assert_cmpstr (reel_test_json_str (r, "moderation"), ==, "blocked");
    g_assert_cmpstr (reel_test_json_str (r, "moderation_reason"), ==, reason);
  }
  g_assert_true (notified (una, "video_blocked", video, reason));
  g_assert_false (lists ("/api/v1/videos", NULL, video));
  g_assert_false (lists ("/api/v1/users/una/videos", NULL, video));
  g_assert_false (lists (search, NULL, video));

  /* Unblocked: back everywhere. */
  g_assert_cmpuint (status_of ("POST", unblock, vera, ""), ==, 403);
  g_assert_cmpuint (status_of ("POST", unblock, mod, ""), ==, 200);
  assert_sight (NULL, video, rendition, 200, 200);
  assert_sight (vera, video, rendition, 200, 200);
  g_assert_true (notified (una, "video_unblocked", video, NULL));
  g_assert_true (lists ("/api/v1/videos", NULL, video));
  g_assert_true (lists ("/api/v1/users/una/videos", NULL, video));
  g_assert_true (lists (search, NULL, video));
  assert_last_audit (root, "video.unblocked", "video.blocked");
  /* Anyone's comment on anyone's video: a moderator deletes it, a plain
   * user other than its author and the video's owner cannot, and the
   * audit log names the moderator. */
  {
    g_autofree char *comments = g_strdup_printf ("/api/v1/videos/%s/comments", video);
    g_autofree char *walt = reel_test_register_login (N.d->port, "walt", PASSWORD);
    g_autofree char *one = NULL;
    const char *spam = "{\"text\":\"cheap watches at example dot com\"}";
    {
      g_autoptr (ReelTestResponse) r
          = reel_test_http (N.d->port, "POST", comments, vera, spam, strlen (spam));
      g_assert_cmpuint (r->status, ==, 201);
      one = g_strdup_printf ("%s/%s", comments, reel_test_json_str (r, "id"));
    }
    g_assert_cmpuint (status_of ("DELETE", one, walt, NULL), ==, 403);
    g_assert_cmpuint (status_of ("DELETE", one, mod, NULL), ==, 204);
    {
      g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, "GET", comments, NULL, NULL, 0);
      g_assert_null (strstr (r->body, "cheap watches"));
    }
    assert_last_audit (root, "comment.deleted", "video.unblocked");
  }
  /* A ban hides the owner's videos and comments from everyone else; the
   * unban brings them back. */
  {
    g_autofree char *comments = g_strdup_printf ("/api/v1/videos/%s/comments", video);
    const char *words = "sunset over the dhows";
    g_autofree char *body = g_strdup_printf ("{\"text\":\"%s\"}", words);
    /* Also a comment of hers under someone else's video. */
    g_autofree char *elsewhere = reel_test_tus_create (N.d->port, vera, 1000, "Vera's harbour");
    g_autofree char *vera_comments = g_strdup_printf ("/api/v1/videos/%s/comments", elsewhere);
    const char *remark = "lovely light on the water";
    g_autofree char *remark_body = g_strdup_printf ("{\"text\":\"%s\"}", remark);
    g_assert_cmpuint (status_of ("POST", comments, una, body), ==, 201);
    g_assert_cmpuint (status_of ("POST", vera_comments, una, remark_body), ==, 201);
    {
      g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, "GET", comments, NULL, NULL, 0);
      g_assert_nonnull (strstr (r->body, words));
    }
    g_assert_cmpuint (
        status_of ("POST", "/api/v1/admin/users/una/ban", mod, "{\"reason\":\"piracy\"}"), ==, 200);
    assert_sight (NULL, video, rendition, 404, 404);
    assert_sight (vera, video, rendition, 404, 404);
    assert_sight (mod, video, rendition, 200, 200);
    g_assert_false (lists ("/api/v1/videos", NULL, video));
    g_assert_false (lists ("/api/v1/users/una/videos", NULL, video));
    g_assert_false (lists (search, NULL, video));
    /* Hidden with the video it is on, and under the other video. */
    g_assert_cmpuint (status_of ("GET", comments, vera, NULL), ==, 404);
    {
      g_autoptr (ReelTestResponse) r
          = reel_test_http (N.d->port, "GET", vera_comments, NULL, NULL, 0);
      g_assert_cmpuint (r->status, ==, 200);
      g_assert_null (strstr (r->body, remark));
    }
    g_assert_cmpuint (status_of ("POST", "/api/v1/admin/users/una/unban", mod, ""), ==, 200);
    assert_sight (NULL, video, rendition, 200, 200);
    g_assert_true (lists ("/api/v1/videos", NULL, video));
    g_assert_true (lists ("/api/v1/users/una/videos", NULL, video));
    g_assert_true (lists (search, NULL, video));
    {
      g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, "GET", comments, NULL, NULL, 0);
      g_assert_nonnull (strstr (r->body, words));
    }
    {
      g_autoptr (ReelTestResponse) r
          = reel_test_http (N.d->port, "GET", vera_comments, NULL, NULL, 0);
      g_assert_nonnull (strstr (r->body, remark));
    }
  }
  /* Blocked again for /governance/rebuild-alone, which runs after: it
   * must come back blocked. */
  {
    g_autofree char *body = g_strdup_printf ("{\"reason\":\"%s\"}", reason);
    g_assert_cmpuint (status_of ("POST", block, mod, body), ==, 200);
  }
  {
    guint64 last = 0;
    g_autoptr (GPtrArray) lines = reel_test_event_log (N.nats->url, &last);
    reel_test_validate_events (lines);
  }
  node_stop ();
  reel_test_rmtree (media);
}
