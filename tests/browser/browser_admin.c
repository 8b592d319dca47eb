/* /browser/admin (see test_browser.c): the moderation and admin pages,
 * driven by tests/browser/admin.mjs. */
#include "browser_common.h"

#include <glib/gstdio.h>

void test_admin (void);

static char *
register_token (guint16 port, const char *username)
{
  return reel_test_register_login (port, username, PASSWORD);
}

void
test_admin (void)
{
  g_autofree char *dir = reel_test_tmpdir ();
  g_autofree char *conf = g_build_filename (dir, "reeld.conf", NULL);
  g_autofree char *conf_arg = g_strdup_printf ("--config=%s", conf);
  const char *args[] = { conf_arg, NULL };
  g_autofree char *root = NULL, *mod = NULL, *quinn = NULL, *pat = NULL, *video = NULL;
  g_autofree char *report = NULL, *body = NULL, *base = NULL, *block_report = NULL;
  g_autofree char *comment_report = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *script = g_build_filename (reel_test_env ("REEL_TEST_SOURCE_DIR"), "tests",
                                              "browser", "admin.mjs", NULL);
  JsonObject *r;
  ReelTestReeld *d;
  int status;

  g_assert_true (g_file_set_contents (conf, "[auth]\nadmins = root\n", -1, NULL));
  d = reel_test_reeld_start_args (dir, NULL, NULL, args);
  root = register_token (d->port, "root");
  mod = register_token (d->port, "mod");
  quinn = register_token (d->port, "quinn");
  pat = register_token (d->port, "pat");
  {
    g_autoptr (ReelTestResponse) set = reel_test_http (d->port, "PUT", "/api/v1/users/mod/role",
                                                       root, "{\"role\":\"moderator\"}", 0);
    g_assert_cmpuint (set->status, ==, 200);
  }
  video = reel_test_tus_create (d->port, quinn, 1000, "Cheap watches");
  body = g_strdup_printf ("{\"video_id\":\"%s\",\"reason\":\"spam\",\"text\":\"an ad\"}", video);
  {
    g_autoptr (ReelTestResponse) rep
        = reel_test_http (d->port, "POST", "/api/v1/reports", pat, body, 0);
    g_assert_cmpuint (rep->status, ==, 201);
    report = g_strdup (reel_test_json_str (rep, "id"));
  }
  {
    g_autofree char *copyright
        = g_strdup_printf ("{\"video_id\":\"%s\",\"reason\":\"copyright\"}", video);
    g_autoptr (ReelTestResponse) rep
        = reel_test_http (d->port, "POST", "/api/v1/reports", root, copyright, 0);
    g_assert_cmpuint (rep->status, ==, 201);
    block_report = g_strdup (reel_test_json_str (rep, "id"));
  }

  /* A comment of root's under the video, reported by pat. */
  {
    g_autofree char *comments = g_strdup_printf ("/api/v1/videos/%s/comments", video);
    g_autoptr (ReelTestResponse) c
        = reel_test_http (d->port, "POST", comments, root, "{\"text\":\"you all are idiots\"}", 0);
    g_autofree char *rbody = NULL;
    g_assert_cmpuint (c->status, ==, 201);
    rbody = g_strdup_printf ("{\"comment_id\":\"%s\",\"reason\":\"harassment\"}",
                             reel_test_json_str (c, "id"));
    g_autoptr (ReelTestResponse) rep
        = reel_test_http (d->port, "POST", "/api/v1/reports", pat, rbody, 0);
    g_assert_cmpuint (rep->status, ==, 201);
    comment_report = g_strdup (reel_test_json_str (rep, "id"));
  }

  base = g_strdup_printf ("http://127.0.0.1:%u", d->port);
  {
    g_autofree char *work = reel_test_make_media (
        dir, "work.mp4",
        "audiotestsrc wave=ticks num-buffers=150 ! audioconvert ! avenc_aac ! mp4mux "
        "! filesink location=%s");
    const char *argv[] = { "node", script, base,           mod,  root, pat, report, block_report,
                           video,  "60",   comment_report, work, NULL };
    out = reel_test_run_env (argv, NULL, &err, &status);
  }
  g_test_message ("admin.mjs said: %s %s", out ? out : "", err ? err : "");
  g_assert_nonnull (out);
  g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
  r = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member_with_default (r, "error", NULL), ==, NULL);
  g_assert_true (json_object_get_boolean_member (r, "ok"));
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (json_object_get_string_member (r, "commentReportText"), "idiots"));
  g_assert_cmpstr (json_object_get_string_member (r, "commentStatus"), ==,
                   "The comment of root is deleted.");
  g_assert_nonnull (strstr (json_object_get_string_member (r, "audit"), "comment.deleted"));
  g_assert_true (json_object_get_boolean_member (r, "blockReportGone"));
  g_assert_nonnull (
      strstr (json_object_get_string_member (r, "viewerStatus"), "counterfeit goods"));
  g_assert_false (json_object_get_boolean_member (r, "viewerSeesPlayer"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "audit"), "video.blocked"));
  g_assert_true (json_object_get_boolean_member (r, "reportShown"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "reportText"), "an ad"));
  g_assert_false (json_object_get_boolean_member (r, "modSeesInvites"));
  g_assert_false (json_object_get_boolean_member (r, "modSeesAudit"));
  g_assert_false (json_object_get_boolean_member (r, "modSeesWorks"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "worksEmpty"), "No protected work"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "worksListed"), "Sunrise Theme"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "worksListed"), "Example Records"));
  g_assert_nonnull (
      strstr (json_object_get_string_member (r, "worksAfterDelete"), "No protected work"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "audit"), "user.banned"));
  g_assert_nonnull (strstr (json_object_get_string_member (r, "audit"), "report.resolved"));
  g_assert_cmpuint (strlen (json_object_get_string_member (r, "inviteCode")), >=, 40);
  g_assert_nonnull (strstr (json_object_get_string_member (r, "denied"), "moderators"));
  g_assert_false (json_object_get_boolean_member (r, "userSeesReports"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "consoleErrors")), ==,
                    0);

  /* What the page did, seen through the API. */
  {
    g_autofree char *login
        = g_strdup_printf ("{\"username\":\"quinn\",\"password\":\"%s\"}", PASSWORD);
    g_autoptr (ReelTestResponse) refused
        = reel_test_http (d->port, "POST", "/api/v1/sessions", NULL, login, 0);
    g_assert_cmpuint (refused->status, ==, 403);
    g_assert_nonnull (strstr (refused->body, "spam links"));
    g_autoptr (ReelTestResponse) queue
        = reel_test_http (d->port, "GET", "/api/v1/admin/reports", mod, NULL, 0);
    g_assert_cmpuint (queue->status, ==, 200);
    g_assert_nonnull (strstr (queue->body, "\"items\":[]"));
    g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", video);
    /* Blocked, as a moderator sees (anyone else: 404 since the ban). */
    g_autoptr (ReelTestResponse) blocked = reel_test_http (d->port, "GET", path, mod, NULL, 0);
    g_assert_cmpuint (blocked->status, ==, 200);
    g_assert_cmpstr (reel_test_json_str (blocked, "moderation_reason"), ==, "counterfeit goods");
    g_autofree char *comments = g_strdup_printf ("/api/v1/videos/%s/comments", video);
    g_autoptr (ReelTestResponse) left = reel_test_http (d->port, "GET", comments, mod, NULL, 0);
    g_assert_cmpuint (left->status, ==, 200);
    g_assert_null (strstr (left->body, "idiots"));
  }
  g_assert_cmpint (reel_test_reeld_stop (d), ==, 0);
  reel_test_reeld_free (d);
  reel_test_rmtree (dir);
}
