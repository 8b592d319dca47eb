/* The governance tests of accounts (see test_governance.c):
 * /governance/passwords and /governance/quotas. */
#include "governance_common.h"

#include <json-glib/json-glib.h>
#include <signal.h>

void test_passwords (void);
void test_quotas (void);

static char *
login_with (const char *username, const char *password)
{
  g_autofree char *body
      = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
  g_autoptr (ReelTestResponse) r
      = reel_test_http (N.d->port, "POST", "/api/v1/sessions", NULL, body, 0);
  g_assert_cmpuint (r->status, ==, 201);
  return g_strdup (reel_test_json_str (r, "token"));
}

/* The token of a link to page (reset, verify) in a mail to "to" under dir
 * other than the token not, waiting up to 30 s. */
static char *
wait_link_token (const char *dir, const char *public_url, const char *page, const char *to,
                 const char * not )
{
  g_autofree char *marker = g_strdup_printf ("%s/%s#", public_url, page);
  g_autofree char *to_line = g_strdup_printf ("To: %s", to);
  for (int i = 0; i < 300; i++)
    {
      g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *path = g_build_filename (dir, name, NULL);
          g_autofree char *text = NULL;
          const char *at;
          if (!g_str_has_suffix (name, ".eml") || !g_file_get_contents (path, &text, NULL, NULL))
            continue;
          if ((at = strstr (text, marker)))
            {
              const char *start = at + strlen (marker), *end = start;
              g_autofree char *token = NULL;
              while (g_ascii_isalnum (*end) || *end == '-' || *end == '_')
                end++;
              token = g_strndup (start, end - start);
              if (g_strcmp0 (token, not ) == 0)
                continue;
              g_assert_nonnull (strstr (text, to_line));
              return g_steal_pointer (&token);
            }
        }
      g_usleep (100 * 1000);
    }
  g_assert_not_reached ();
}

static guint
count_mails (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;
  while (d && (name = g_dir_read_name (d)))
    n += g_str_has_suffix (name, ".eml");
  return n;
}

void
test_passwords (void)
{
  const char *url = "http://reel.test";
  g_autofree char *mail = reel_test_tmpdir (), *smtp_port = NULL, *extra = NULL;
  g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL, *token = NULL, *body = NULL;
  guint16 port = reel_test_free_port ();
  const char *argv[] = { reel_test_env ("REEL_TEST_PYTHON"), reel_test_env ("REEL_TEST_SMTP_SINK"),
                         NULL, mail, NULL };
  GSubprocess *smtp;
  const char *first = "correct horse battery", *second = "battery staple horse",
             *third = "staple horse correct";

  smtp_port = g_strdup_printf ("%u", port);
  argv[2] = smtp_port;
  smtp = reel_test_spawn (argv);
  for (int i = 0; i < 500 && !reel_test_port_open (port); i++)
    g_usleep (20 * 1000);
  g_assert_true (reel_test_port_open (port));
  extra = g_strdup_printf ("[smtp]\nurl = smtp://127.0.0.1:%u\nfrom = reel <noreply@reel.test>\n"
                           "[http]\npublic_url = %s\n",
                           port, url);
  node_start_extra ("registration = open\n", extra);

  body = g_strdup_printf ("{\"username\":\"pat\",\"password\":\"%s\","
                          "\"email\":\"pat@example.org\"}",
                          first);
  g_assert_cmpuint (status_of ("POST", "/api/v1/users", NULL, body), ==, 201);
  t1 = login_with ("pat", first);
  t2 = login_with ("pat", first);
  /* My sessions: two, t2 newest; t3 is ended from t1's list. */
  t3 = login_with ("pat", first);
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (N.d->port, "GET", "/api/v1/sessions", t1, NULL, 0);
    JsonArray *a;
    const char *ended = NULL;
    g_autofree char *path = NULL;
    g_assert_cmpuint (r->status, ==, 200);
    a = items (r);
    g_assert_cmpuint (json_array_get_length (a), ==, 3);
    for (guint i = 0; i < 3; i++)
      {
        JsonObject *s = json_array_get_object_element (a, i);
        g_assert_cmpuint (strlen (json_object_get_string_member (s, "id")), ==, 16);
        if (json_object_get_boolean_member (s, "current"))
          g_assert_cmpuint (i, ==, 2); /* t1 is the oldest */
      }
    ended = json_object_get_string_member (json_array_get_object_element (a, 0), "id");
    path = g_strdup_printf ("/api/v1/sessions/%s", ended);
    g_assert_cmpuint (status_of ("DELETE", path, NULL, NULL), ==, 401);
    g_assert_cmpuint (status_of ("DELETE", "/api/v1/sessions/0123456789abcdef", t1, NULL), ==, 404);
    g_assert_cmpuint (status_of ("DELETE", path, t1, NULL), ==, 204);
    g_assert_cmpuint (status_of ("GET", "/api/v1/sessions/current", t3, NULL), ==, 401);
    g_assert_cmpuint (status_of ("GET", "/api/v1/sessions/current", t2, NULL), ==, 200);
  }
  g_clear_pointer (&t3, g_free);

  /* A change needs the current password and ends the other sessions. */
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"current_password\":\"wrong password\",\"new_password\":\"%s\"}",
                          second);
  g_assert_cmpuint (status_of ("PUT", "/api/v1/users/me/password", t1, body), ==, 403);
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"current_password\":\"%s\",\"new_password\":\"%s\"}", first, second);
  g_assert_cmpuint (status_of ("PUT", "/api/v1/users/me/password", NULL, body), ==, 401);
  g_assert_cmpuint (status_of ("PUT", "/api/v1/users/me/password", t1, body), ==, 204);
  g_assert_cmpuint (status_of ("GET", "/api/v1/sessions/current", t1, NULL), ==, 200);
  g_assert_cmpuint (status_of ("GET", "/api/v1/sessions/current", t2, NULL), ==, 401);
  g_assert_cmpuint (login_status ("pat", first), ==, 401);
  g_assert_cmpuint (login_status ("pat", second), ==, 201);

  /* Resets: the same answer for everyone, a mail only for pat. */
  g_assert_cmpuint (
      status_of ("POST", "/api/v1/password-resets", NULL, "{\"username\":\"nobody\"}"), ==, 202);
  g_assert_cmpuint (status_of ("POST", "/api/v1/password-resets", NULL, "{}"), ==, 400);
  g_assert_cmpuint (
      status_of ("POST", "/api/v1/password-resets", NULL, "{\"email\":\"PAT@example.org\"}"), ==,
      202);
  token = wait_link_token (mail, url, "reset", "pat@example.org", NULL);
  g_assert_cmpuint (strlen (token), >=, 40);
  g_assert_cmpuint (status_of ("POST", "/api/v1/password-resets/confirm", NULL,
                               "{\"token\":\"forged\",\"new_password\":\"whatever it is\"}"),
                    ==, 403);
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"token\":\"%s\",\"new_password\":\"%s\"}", token, third);
  g_assert_cmpuint (status_of ("POST", "/api/v1/password-resets/confirm", NULL, body), ==, 204);
  g_assert_cmpuint (status_of ("POST", "/api/v1/password-resets/confirm", NULL, body), ==, 403);
  g_assert_cmpuint (status_of ("GET", "/api/v1/sessions/current", t1, NULL), ==, 401);
  g_assert_cmpuint (login_status ("pat", second), ==, 401);
  t3 = login_with ("pat", third);
  g_assert_cmpuint (status_of ("GET", "/api/v1/sessions/current", t3, NULL), ==, 200);
  /* The welcome mail and the one reset: nothing for "nobody". */
  g_assert_cmpuint (count_mails (mail), ==, 2);

  /* auth.verify_email: a new account needs an address, logs in only once
   * a mailed link is opened (a new link can be asked for; each works
   * once), and gets no welcome meanwhile; older accounts are unaffected. */
  node_stop ();
  node_start_extra ("registration = open\nverify_email = true\n", extra);
  {
    g_autofree char *v1 = NULL, *v2 = NULL, *confirm = NULL;
    g_autofree char *vic = g_strdup_printf ("{\"username\":\"vic\",\"password\":\"%s\","
                                            "\"email\":\"vic@example.org\"}",
                                            first);
    g_autofree char *no_mail
        = g_strdup_printf ("{\"username\":\"vic\",\"password\":\"%s\"}", first);
    {
      g_autoptr (ReelTestResponse) r
          = reel_test_http (N.d->port, "POST", "/api/v1/users", NULL, no_mail, 0);
      g_assert_cmpuint (r->status, ==, 400);
      g_assert_nonnull (strstr (r->body, "email"));
    }
    {
      g_autoptr (ReelTestResponse) r
          = reel_test_http (N.d->port, "POST", "/api/v1/users", NULL, vic, 0);
      g_assert_cmpuint (r->status, ==, 201);
      g_assert_true (
          json_object_get_boolean_member (json_node_get_object (r->json), "verify_email"));
    }
    {
      g_autofree char *login_body
          = g_strdup_printf ("{\"username\":\"vic\",\"password\":\"%s\"}", first);
      g_autoptr (ReelTestResponse) r
          = reel_test_http (N.d->port, "POST", "/api/v1/sessions", NULL, login_body, 0);
      g_assert_cmpuint (r->status, ==, 403);
      g_assert_nonnull (strstr (r->body, "verify your email"));
    }
    v1 = wait_link_token (mail, url, "verify", "vic@example.org", NULL);
    g_assert_cmpuint (
        status_of ("POST", "/api/v1/email-verifications", NULL, "{\"username\":\"vic\"}"), ==, 202);
    g_assert_cmpuint (
        status_of ("POST", "/api/v1/email-verifications", NULL, "{\"username\":\"nobody\"}"), ==,
        202);
    v2 = wait_link_token (mail, url, "verify", "vic@example.org", v1);
    g_assert_cmpuint (
        status_of ("POST", "/api/v1/email-verifications/confirm", NULL, "{\"token\":\"forged\"}"),
        ==, 403);
    confirm = g_strdup_printf ("{\"token\":\"%s\"}", v2);
    g_assert_cmpuint (status_of ("POST", "/api/v1/email-verifications/confirm", NULL, confirm), ==,
                      204);
    g_assert_cmpuint (status_of ("POST", "/api/v1/email-verifications/confirm", NULL, confirm), ==,
                      403);
    g_assert_cmpuint (login_status ("vic", first), ==, 201);
    /* Verified: no more links. pat, registered before, logs in as ever. */
    g_assert_cmpuint (
        status_of ("POST", "/api/v1/email-verifications", NULL, "{\"username\":\"vic\"}"), ==, 202);
    g_assert_cmpuint (login_status ("pat", third), ==, 201);
    /* (The reactor has had the time of the logins above to send wrongly.) */
    g_usleep (500 * 1000);
    g_assert_cmpuint (count_mails (mail), ==, 4);
    {
      guint64 last = 0;
      g_autoptr (GPtrArray) lines = reel_test_event_log (N.nats->url, &last);
      for (guint i = 0; i < lines->len; i++)
        {
          g_assert_null (strstr (lines->pdata[i], v1));
          g_assert_null (strstr (lines->pdata[i], v2));
        }
    }
  }

  {
    guint64 last = 0;
    g_autoptr (GPtrArray) lines = reel_test_event_log (N.nats->url, &last);
    for (guint i = 0; i < lines->len; i++)
      g_assert_null (strstr (lines->pdata[i], token));
    reel_test_validate_events (lines);
  }
  node_stop ();
  g_subprocess_send_signal (smtp, SIGTERM);
  g_subprocess_wait (smtp, NULL, NULL);
  g_object_unref (smtp);
  reel_test_rmtree (mail);
}

static void
assert_quota_refused (ReelTestResponse *r, const char *left)
{
  g_assert_cmpuint (r->status, ==, 413);
  g_assert_cmpstr (reel_test_error_code (r), ==, "quota_exceeded");
  g_assert_nonnull (strstr (r->body, left));
}

static gint64
quota_member (const char *token, const char *member)
{
  g_autoptr (ReelTestResponse) r
      = reel_test_http (N.d->port, "GET", "/api/v1/users/me", token, NULL, 0);
  JsonObject *q;
  g_assert_cmpuint (r->status, ==, 200);
  q = json_object_get_object_member (json_node_get_object (r->json), "quota");
  return json_object_get_null_member (q, member) ? -1 : json_object_get_int_member (q, member);
}

/* One of the uploads started at once (tus_create of 6000 bytes). */
static gpointer
create_at_once (gpointer token)
{
  return tus_create (token, 6000);
}

#define AT_ONCE 6

void
test_quotas (void)
{
  g_autofree char *root = NULL, *user = NULL, *first = NULL;
  GThread *threads[AT_ONCE];
  guint created = 0;
  node_start_extra ("admins = root\nregistration = open\n",
                    "[uploads]\nquota_bytes = 10000\ndaily_quota_bytes = 0\n");
  root = login ("root");
  user = reel_test_register_login (N.d->port, "quinn", PASSWORD);
  g_assert_cmpint (quota_member (user, "quota_bytes"), ==, 10000);
  g_assert_cmpint (quota_member (user, "daily_quota_bytes"), ==, -1);
  /* Uploads started at once pass the quota one at a time: one of them. */
  for (guint i = 0; i < AT_ONCE; i++)
    threads[i] = g_thread_new ("create", create_at_once, user);
  for (guint i = 0; i < AT_ONCE; i++)
    {
      g_autoptr (ReelTestResponse) r = g_thread_join (threads[i]);
      if (r->status == 201)
        {
          created++;
          first = g_strdup (reel_test_header (r, "Reel-Video-Id"));
        }
      else
        assert_quota_refused (r, "4000 of 10000 bytes are left");
    }
  g_assert_cmpuint (created, ==, 1);
  {
    g_autoptr (ReelTestResponse) over = tus_create (user, 5000);
    assert_quota_refused (over, "4000 of 10000 bytes are left");
  }
  g_assert_cmpint (quota_member (user, "used_bytes"), ==, 6000);
  /* Multipart: refused on its Content-Length, before the body is read. */
  {
    g_autofree char *body = g_malloc0 (5000);
    const char *h[] = { NULL };
    g_autoptr (ReelTestResponse) r
        = reel_test_http_full (N.d->port, "POST", "/api/v1/videos", user, h,
                               "multipart/form-data; boundary=xyz", body, 5000);
    assert_quota_refused (r, "4000 of 10000 bytes are left");
  }
  /* The abandoned upload gives its bytes back. */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/uploads/%s", first);
    const char *h[] = { "Tus-Resumable", "1.0.0", NULL };
    g_autoptr (ReelTestResponse) r
        = reel_test_http_full (N.d->port, "DELETE", path, user, h, NULL, NULL, 0);
    g_assert_cmpuint (r->status, ==, 204);
  }
  g_assert_cmpint (quota_member (user, "used_bytes"), ==, 0);
  g_assert_cmpint (quota_member (user, "daily_used_bytes"), ==, 6000);
  {
    g_autoptr (ReelTestResponse) ok = tus_create (user, 5000);
    g_assert_cmpuint (ok->status, ==, 201);
  }

  /* An admin's override, then the default again. */
  g_assert_cmpuint (status_of ("PATCH", "/api/v1/users/quinn", user, "{\"quota_bytes\":1}"), ==,
                    403);
  g_assert_cmpuint (status_of ("PATCH", "/api/v1/users/quinn", root, "{\"quota_bytes\":-5}"), ==,
                    400);
  g_assert_cmpuint (status_of ("PATCH", "/api/v1/users/quinn", root, "{\"quota_bytes\":6000}"), ==,
                    200);
  g_assert_cmpint (quota_member (user, "quota_bytes"), ==, 6000);
  {
    g_autoptr (ReelTestResponse) over = tus_create (user, 2000);
    assert_quota_refused (over, "1000 of 6000 bytes are left");
  }
  g_assert_cmpuint (status_of ("PATCH", "/api/v1/users/quinn", root, "{\"quota_bytes\":null}"), ==,
                    200);
  g_assert_cmpint (quota_member (user, "quota_bytes"), ==, 10000);
  /* The day's allowance counts the deleted upload: 11000 bytes so far. */
  g_assert_cmpuint (
      status_of ("PATCH", "/api/v1/users/quinn", root, "{\"daily_quota_bytes\":12000}"), ==, 200);
  {
    g_autoptr (ReelTestResponse) over = tus_create (user, 1500);
    assert_quota_refused (over, "1000 of 12000 bytes are left for the next 24 hours");
  }
  {
    guint64 last = 0;
    g_autoptr (GPtrArray) lines = reel_test_event_log (N.nats->url, &last);
    reel_test_validate_events (lines);
  }
  node_stop ();
}
