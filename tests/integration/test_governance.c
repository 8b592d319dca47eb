/* Integration tests of operators' control (issue 12), against a real reeld
 * and nats-server, over HTTP like a client:
 *
 *   /governance/roles-invites  auth.admins = root with registration by
 *                              invitation: root registers without a code,
 *                              others need one; a code makes one account,
 *                              also when four registrations race for it;
 *                              root makes mod a moderator; the admin routes
 *                              is 401 anonymous and 403 for users and
 *                              moderators (acceptance 1, the roles part);
 *                              the audit log lists what root did; an
 *                              auth.admins account cannot be demoted; the
 *                              events match their schemas and a --rebuild
 *                              gives the same LMDB
 *   /governance/closed         after a restart with registration = closed
 *                              nobody registers (403 with a clear message),
 *                              and an account named in auth.admins later is
 *                              an admin at once
 *   /governance/passwords      a user lists their sessions and ends one;
 *                              a password change ends the user's other
 *                              sessions; a reset by email (captured by an
 *                              SMTP sink) mails a token that sets a new
 *                              password once, after which the old password
 *                              and every old session stop working; the
 *                              token is never in the log (acceptance 5);
 *                              with auth.verify_email a new account needs
 *                              an email and logs in only after opening a
 *                              mailed link (a new one on request; each
 *                              works once), older accounts unaffected
 *   /governance/quotas         tus and multipart creations past the storage
 *                              quota (also of uploads started at once: one
 *                              of them passes) get 413 quota_exceeded saying what is
 *                              left; usage drops when an upload goes; an
 *                              admin's per-user override and its reset; the
 *                              daily limit counts what was deleted too
 *                              (acceptance 3)
 *   /governance/reports        a user reports a video (bad reports 400/404,
 *                              anonymous 401); moderators see the open
 *                              queue (users get 403), resolve a report once
 *                              (409 after), and the audit log names them
 *   /governance/bans           a moderator bans a user (not someone of
 *                              their rank or higher; a reason needed): the
 *                              user's token stops working and the login is
 *                              refused with the reason; unban restores
 *                              (acceptance 4, the account part)
 *   /governance/blocks         a plain user gets 403 from every admin route;
 *                              a reported video, seen by a moderator in the
 *                              queue, is blocked with a reason: viewers get
 *                              451 with it on the record and 404 on the
 *                              playlist, a segment and the poster; the owner
 *                              and moderators still see it, the owner is
 *                              notified; it leaves the global list, the
 *                              channel and search; unblocked, it is back
 *                              everywhere; the audit log names the
 *                              moderator; a ban of the owner hides the
 *                              video (404 to others, out of every list)
 *                              and their comment, the unban brings both
 *                              back (acceptance 1, 4); a moderator
 *                              deletes another user's comment, audited,
 *                              which a plain user cannot
 *   /governance/privacy        the privacy matrix (acceptance 2): a public,
 *                              an unlisted and a private video (multipart
 *                              field; the tus metadata key too) × owner,
 *                              other user, anonymous, moderator × record,
 *                              channel list, global list, search, feed,
 *                              new-video notification, related, master
 *                              playlist, a segment, the poster, the
 *                              comments, its own related list; the owner and moderators play the
 *                              private one through the signed URLs its
 *                              record names, with no credentials, and a
 *                              token opens that video only; a bad
 *                              privacy is 400; only the owner changes it;
 *                              private -> public shows it everywhere at
 *                              once, public -> private hides it
 *   /governance/rebuild-alone  on the data all the above left (roles,
 *                              invites, audit, quotas, reports, bans,
 *                              sessions, a blocked video), a full
 *                              `reeld --rebuild` writes what the live node
 *                              wrote, and `reeld --rebuild --only NAME`
 *                              for every core projection gives the tables
 *                              a full rebuild gives (issue 17) */
#include "harness.h"
#include "replay.h"

#include <json-glib/json-glib.h>
#include <signal.h>

static const char *PASSWORD = "correct horse battery";

typedef struct
{
  ReelTestNats *nats;
  char *dir;
  char *config;
  ReelTestReeld *d;
} Node;

static Node N;

static void
node_start_extra (const char *auth, const char *extra)
{
  g_autofree char *text = g_strdup_printf ("[auth]\n%s\n[limits]\nregister_per_ip = off\n"
                                           "login_per_ip = off\nlogin_per_account = off\n%s",
                                           auth, extra);
  g_assert_true (g_file_set_contents (N.config, text, -1, NULL));
  N.d = reel_test_reeld_start_config (N.dir, N.nats->url, N.config);
}

static void
node_start (const char *auth)
{
  node_start_extra (auth, "");
}

static void
node_stop (void)
{
  g_assert_cmpint (reel_test_reeld_stop (N.d), ==, 0);
  reel_test_reeld_free (N.d);
  N.d = NULL;
}

static ReelTestResponse *
register_user (const char *username, const char *invite)
{
  g_autofree char *body
      = invite ? g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\",\"invite\":\"%s\"}",
                                  username, PASSWORD, invite)
               : g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, PASSWORD);
  return reel_test_http (N.d->port, "POST", "/api/v1/users", NULL, body, 0);
}

static char *
login (const char *username)
{
  g_autofree char *body
      = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, PASSWORD);
  g_autoptr (ReelTestResponse) r
      = reel_test_http (N.d->port, "POST", "/api/v1/sessions", NULL, body, 0);
  g_assert_cmpuint (r->status, ==, 201);
  return g_strdup (reel_test_json_str (r, "token"));
}

static char *
role_of (const char *username)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/users/%s", username);
  g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, "GET", path, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  return g_strdup (reel_test_json_str (r, "role"));
}

static ReelTestResponse *
set_role (const char *token, const char *username, const char *role)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/users/%s/role", username);
  g_autofree char *body = g_strdup_printf ("{\"role\":\"%s\"}", role);
  return reel_test_http (N.d->port, "PUT", path, token, body, 0);
}

static char *
make_invite (const char *token)
{
  g_autoptr (ReelTestResponse) r
      = reel_test_http (N.d->port, "POST", "/api/v1/admin/invites", token, "", 0);
  if (r->status != 201)
    g_printerr ("%s\n", r->body);
  g_assert_cmpuint (r->status, ==, 201);
  g_assert_nonnull (reel_test_json_str (r, "code"));
  return g_strdup (reel_test_json_str (r, "code"));
}

/* Every admin route answers status to token (NULL: anonymous). */
static void
assert_admin_routes (const char *token, guint status)
{
  const char *routes[][2] = {
    { "GET", "/api/v1/admin/audit" },
    { "GET", "/api/v1/admin/invites" },
    { "POST", "/api/v1/admin/invites" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_autoptr (ReelTestResponse) r
          = reel_test_http (N.d->port, routes[i][0], routes[i][1], token, "", 0);
      g_assert_cmpuint (r->status, ==, status);
      g_assert_cmpstr (reel_test_error_code (r), ==, status == 401 ? "unauthorized" : "forbidden");
    }
}

typedef struct
{
  const char *invite;
  char username[16];
  guint status;
} Racer;

static gpointer
race (gpointer data)
{
  Racer *r = data;
  g_autoptr (ReelTestResponse) resp = register_user (r->username, r->invite);
  r->status = resp->status;
  return NULL;
}

static JsonArray *
items (ReelTestResponse *r)
{
  g_assert_nonnull (r->json);
  return json_object_get_array_member (json_node_get_object (r->json), "items");
}

static void
test_roles_invites (void)
{
  g_autofree char *root = NULL, *mo = NULL, *code1 = NULL, *code2 = NULL, *role = NULL;
  Racer racers[4];
  GThread *threads[G_N_ELEMENTS (racers)];
  guint won = 0;

  node_start ("admins = root\nregistration = invite\n");

  {
    g_autoptr (ReelTestResponse) r = register_user ("eve", NULL);
    g_assert_cmpuint (r->status, ==, 403);
    g_assert_cmpstr (reel_test_error_code (r), ==, "forbidden");
    g_assert_nonnull (strstr (r->body, "invitation"));
  }
  {
    g_autoptr (ReelTestResponse) r = register_user ("eve", "not-a-code");
    g_assert_cmpuint (r->status, ==, 403);
  }
  /* The configured admin needs no code. */
  {
    g_autoptr (ReelTestResponse) r = register_user ("root", NULL);
    g_assert_cmpuint (r->status, ==, 201);
  }
  root = login ("root");
  role = role_of ("root");
  g_assert_cmpstr (role, ==, "admin");
  {
    g_autoptr (ReelTestResponse) me
        = reel_test_http (N.d->port, "GET", "/api/v1/users/me", root, NULL, 0);
    g_assert_cmpuint (me->status, ==, 200);
    g_assert_cmpstr (reel_test_json_str (me, "username"), ==, "root");
    g_assert_cmpstr (reel_test_json_str (me, "role"), ==, "admin");
    g_autoptr (ReelTestResponse) anon
        = reel_test_http (N.d->port, "GET", "/api/v1/users/me", NULL, NULL, 0);
    g_assert_cmpuint (anon->status, ==, 401);
  }

  code1 = make_invite (root);
  code2 = make_invite (root);
  {
    g_autoptr (ReelTestResponse) r = register_user ("mod", code1);
    g_assert_cmpuint (r->status, ==, 201);
    g_autoptr (ReelTestResponse) again = register_user ("mod2", code1);
    g_assert_cmpuint (again->status, ==, 403);
    g_assert_cmpstr (reel_test_error_code (again), ==, "forbidden");
  }
  /* One code, four registrations at once: one account. */
  for (guint i = 0; i < G_N_ELEMENTS (racers); i++)
    {
      racers[i].invite = code2;
      g_snprintf (racers[i].username, sizeof racers[i].username, "racer%u", i);
      threads[i] = g_thread_new ("race", race, &racers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (racers); i++)
    {
      g_thread_join (threads[i]);
      if (racers[i].status == 201)
        won++;
      else
        g_assert_cmpuint (racers[i].status, ==, 403);
    }
  g_assert_cmpuint (won, ==, 1);

  /* Roles: a plain user and (later) a moderator cannot reach the admin
   * routes or grant roles. */
  mo = login ("mod");
  g_clear_pointer (&role, g_free);
  role = role_of ("mod");
  g_assert_cmpstr (role, ==, "user");
  assert_admin_routes (NULL, 401);
  assert_admin_routes (mo, 403);
  {
    g_autoptr (ReelTestResponse) r = set_role (mo, "mod", "admin");
    g_assert_cmpuint (r->status, ==, 403);
  }
  {
    g_autoptr (ReelTestResponse) r = set_role (root, "mod", "moderator");
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (reel_test_json_str (r, "role"), ==, "moderator");
  }
  g_clear_pointer (&role, g_free);
  role = role_of ("mod");
  g_assert_cmpstr (role, ==, "moderator");
  assert_admin_routes (mo, 403);
  {
    g_autoptr (ReelTestResponse) demote = set_role (root, "root", "user");
    g_assert_cmpuint (demote->status, ==, 409);
    g_autoptr (ReelTestResponse) nobody = set_role (root, "nobody", "moderator");
    g_assert_cmpuint (nobody->status, ==, 404);
    g_autoptr (ReelTestResponse) bad = set_role (root, "mod", "emperor");
    g_assert_cmpuint (bad->status, ==, 400);
  }

  /* The audit log: newest first, root as the actor. */
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (N.d->port, "GET", "/api/v1/admin/audit", root, NULL, 0);
    JsonArray *a;
    g_assert_cmpuint (r->status, ==, 200);
    a = items (r);
    g_assert_cmpuint (json_array_get_length (a), ==, 3);
    const char *expect[] = { "user.role_set", "invite.created", "invite.created" };
    for (guint i = 0; i < 3; i++)
      {
        JsonObject *e = json_array_get_object_element (a, i);
        g_assert_cmpstr (json_object_get_string_member (e, "type"), ==, expect[i]);
        g_assert_cmpstr (json_object_get_string_member (e, "actor"), ==, "root");
      }
    JsonObject *data = json_object_get_object_member (json_array_get_object_element (a, 0), "data");
    g_assert_cmpstr (json_object_get_string_member (data, "username"), ==, "mod");
    g_assert_cmpstr (json_object_get_string_member (data, "role"), ==, "moderator");
  }
  /* The invites: both used, by mo and by the race's winner. */
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (N.d->port, "GET", "/api/v1/admin/invites", root, NULL, 0);
    JsonArray *a;
    guint used = 0;
    g_assert_cmpuint (r->status, ==, 200);
    a = items (r);
    g_assert_cmpuint (json_array_get_length (a), ==, 2);
    for (guint i = 0; i < 2; i++)
      {
        JsonObject *inv = json_array_get_object_element (a, i);
        g_assert_cmpstr (json_object_get_string_member (inv, "created_by"), ==, "root");
        used += json_object_has_member (inv, "used_by");
      }
    g_assert_cmpuint (used, ==, 2);
  }

  {
    guint64 last = 0;
    g_autoptr (GPtrArray) lines = reel_test_event_log (N.nats->url, &last);
    reel_test_validate_events (lines);
  }

  /* The read model is the log's: a rebuild writes the same tables. */
  {
    g_autofree char *before = NULL, *after = NULL, *out = NULL;
    g_autofree char *data_arg = g_strdup_printf ("--data-dir=%s", N.dir);
    g_autofree char *nats_arg = g_strdup_printf ("--nats-url=%s", N.nats->url);
    g_autofree char *config_arg = g_strdup_printf ("--config=%s", N.config);
    const char *argv[]
        = { reel_test_env ("REEL_TEST_REELD"), data_arg, nats_arg, config_arg, "--rebuild", NULL };
    int status;
    node_stop ();
    before = reel_test_dump_lmdb (N.dir);
    out = reel_test_run (argv, &status);
    g_assert_cmpint (status, ==, 0);
    after = reel_test_dump_lmdb (N.dir);
    g_assert_cmpstr (before, ==, after);
  }
}

static void
test_closed (void)
{
  g_autofree char *mo = NULL, *role = NULL;
  node_start ("admins = root,mod\nregistration = closed\n");
  {
    g_autoptr (ReelTestResponse) r = register_user ("newcomer", NULL);
    g_assert_cmpuint (r->status, ==, 403);
    g_assert_cmpstr (reel_test_error_code (r), ==, "forbidden");
    g_assert_nonnull (strstr (r->body, "registration is closed"));
  }
  /* mod, a moderator in the log, is an admin by the configuration now. */
  role = role_of ("mod");
  g_assert_cmpstr (role, ==, "admin");
  mo = login ("mod");
  {
    g_autoptr (ReelTestResponse) r
        = reel_test_http (N.d->port, "GET", "/api/v1/admin/audit", mo, NULL, 0);
    g_assert_cmpuint (r->status, ==, 200);
  }
  node_stop ();
}

static guint
status_of (const char *method, const char *path, const char *token, const char *body)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, method, path, token, body, 0);
  return r->status;
}

static guint
login_status (const char *username, const char *password)
{
  g_autofree char *body
      = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
  return status_of ("POST", "/api/v1/sessions", NULL, body);
}

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

static void
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

static ReelTestResponse *
tus_create (const char *token, gsize size)
{
  g_autofree char *len = g_strdup_printf ("%zu", size);
  g_autofree char *t = g_base64_encode ((const guchar *)"clip", 4);
  g_autofree char *meta = g_strdup_printf ("title %s", t);
  const char *h[]
      = { "Tus-Resumable", "1.0.0", "Upload-Length", len, "Upload-Metadata", meta, NULL };
  return reel_test_http_full (N.d->port, "POST", "/api/v1/uploads", token, h, NULL, NULL, 0);
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

static void
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

static void
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

/* The audit log's newest two entries, as root sees them: newest (by
 * mod) after before (by mod). */
static void
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

static void
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

/* 2 s, 320x240, with sound: one chunk, ready in seconds. */
static char *
make_clip (const char *dir)
{
  return reel_test_make_media (
      dir, "clip.mp4",
      "videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! x264enc speed-preset=ultrafast ! mp4mux name=m ! filesink location=%s "
      "audiotestsrc num-buffers=90 ! audioconvert ! avenc_aac ! m.");
}

/* Whether list (the answer of a listing route) names video. */
static gboolean
lists (const char *path, const char *token, const char *video)
{
  g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, "GET", path, token, NULL, 0);
  JsonArray *a;
  g_assert_cmpuint (r->status, ==, 200);
  a = items (r);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      const char *id = json_object_has_member (o, "video_id")
                           ? json_object_get_string_member (o, "video_id")
                           : json_object_get_string_member_with_default (o, "id", "");
      if (g_strcmp0 (id, video) == 0)
        return TRUE;
    }
  return FALSE;
}

/* What token (NULL: anonymous) gets of the video's record, master
 * playlist, first segment and poster. */
static void
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

static gboolean
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
static void
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

static void
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
  /* Blocked again for the rebuild below: it must come back blocked. */
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

typedef enum
{
  SEES_NOTHING, /* 404 on the record and the media */
  SEES_ALL,     /* 200 on both */
} Sight;

/* One viewer of the privacy matrix. */
typedef struct
{
  const char *name;
  const char *token; /* NULL: anonymous */
  gboolean follows;  /* subscribed to the owner: has a feed and notifications */
} Viewer;

/* The privacy matrix for one video of olga's: what each viewer gets of its
 * record and media, and whether any list, search, feed or related list
 * names it (never, unless it is public); notice: whether followers have a
 * new_video notification of it (-1: not checked). */
static void
assert_privacy (const char *video, const char *rendition, const char *privacy,
                const Viewer *viewers, guint n_viewers, const char *related_of, int notice)
{
  gboolean listed = g_str_equal (privacy, "public");
  g_autofree char *related = g_strdup_printf ("/api/v1/videos/%s/related", related_of);
  for (guint i = 0; i < n_viewers; i++)
    {
      const Viewer *v = &viewers[i];
      gboolean privileged = g_str_equal (v->name, "owner") || g_str_equal (v->name, "moderator");
      Sight sight = g_str_equal (privacy, "private") && !privileged ? SEES_NOTHING : SEES_ALL;
      g_test_message ("privacy %s, viewer %s", privacy, v->name);
      assert_sight (v->token, video, rendition, sight == SEES_ALL ? 200 : 404,
                    sight == SEES_ALL ? 200 : 404);
      {
        g_autofree char *comments = g_strdup_printf ("/api/v1/videos/%s/comments", video);
        g_autofree char *own_related = g_strdup_printf ("/api/v1/videos/%s/related", video);
        g_assert_cmpuint (status_of ("GET", comments, v->token, NULL), ==,
                          sight == SEES_ALL ? 200 : 404);
        g_assert_cmpuint (status_of ("GET", own_related, v->token, NULL), ==,
                          sight == SEES_ALL ? 200 : 404);
      }
      g_assert_cmpint (lists ("/api/v1/users/olga/videos", v->token, video), ==, listed);
      g_assert_cmpint (lists ("/api/v1/videos", v->token, video), ==, listed);
      g_assert_cmpint (lists ("/api/v1/search?q=kilimanjaro", v->token, video), ==, listed);
      g_assert_cmpint (lists (related, v->token, video), ==, listed);
      if (v->follows)
        {
          g_assert_cmpint (lists ("/api/v1/feed", v->token, video), ==, listed);
          if (notice >= 0)
            g_assert_cmpint (notified (v->token, "new_video", video, NULL), ==, notice);
        }
    }
}

/* The first URI (a line that is no tag) of a playlist, or of its
 * EXT-X-MAP when map is set. */
static char *
playlist_uri (const char *text, gboolean map)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *l = lines[i];
      if (map && g_str_has_prefix (l, "#EXT-X-MAP:URI=\""))
        return g_strndup (l + 16, strcspn (l + 16, "\""));
      if (!map && *l && *l != '#')
        return g_strdup (l);
    }
  g_assert_not_reached ();
}

/* A private video plays through the signed URLs its record names, with no
 * credentials (a <video> element, hls.js): master, media playlist, init and
 * media segment, poster. The token opens that video only, and nothing opens
 * with a tampered one. */
static void
assert_signed_playback (const char *token, const char *video, const char *other)
{
  g_autofree char *rec = g_strdup_printf ("/api/v1/videos/%s", video);
  g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, "GET", rec, token, NULL, 0);
  const char *hls = reel_test_json_str (r, "hls"), *dash = reel_test_json_str (r, "dash");
  const char *thumb = reel_test_json_str (r, "thumbnail");
  g_autofree char *prefix = NULL, *suffix = g_strdup_printf ("/videos/%s/master.m3u8", video);
  g_autofree char *media_uri = NULL, *media = NULL, *seg = NULL, *init = NULL;
  g_autofree char *other_master = NULL, *tampered = NULL;
  g_autoptr (ReelTestResponse) master = NULL, pl = NULL;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (g_str_has_prefix (hls, "/s/"));
  g_assert_true (g_str_has_suffix (hls, suffix));
  prefix = g_strndup (hls, strlen (hls) - strlen ("/master.m3u8"));
  g_assert_true (g_str_has_prefix (dash, prefix));
  g_assert_true (g_str_has_prefix (thumb, prefix));

  master = reel_test_http (N.d->port, "GET", hls, NULL, NULL, 0);
  g_assert_cmpuint (master->status, ==, 200);
  g_assert_true (g_str_has_prefix (reel_test_header (master, "Cache-Control"), "private"));
  media_uri = playlist_uri (master->body, FALSE);
  media = g_strdup_printf ("%s/%s", prefix, media_uri);
  pl = reel_test_http (N.d->port, "GET", media, NULL, NULL, 0);
  g_assert_cmpuint (pl->status, ==, 200);
  {
    g_autofree char *s = playlist_uri (pl->body, FALSE), *m = playlist_uri (pl->body, TRUE);
    seg = g_strdup_printf ("%s/%s", prefix, s);
    init = g_strdup_printf ("%s/%s", prefix, m);
  }
  g_assert_cmpuint (status_of ("GET", seg, NULL, NULL), ==, 200);
  g_assert_cmpuint (status_of ("GET", init, NULL, NULL), ==, 200);
  g_assert_cmpuint (status_of ("GET", dash, NULL, NULL), ==, 200);
  g_assert_cmpuint (status_of ("GET", thumb, NULL, NULL), ==, 200);

  /* The token is this video's only. */
  other_master = g_strdup_printf ("%s/master.m3u8", prefix);
  {
    char *at = strstr (other_master, video);
    g_assert_cmpuint (strlen (other), ==, strlen (video));
    memcpy (at, other, strlen (other));
  }
  g_assert_cmpuint (status_of ("GET", other_master, NULL, NULL), ==, 404);
  /* A claimed longer life breaks the mac. */
  tampered = g_strdup (hls);
  tampered[3] = tampered[3] == '9' ? '8' : '9';
  g_assert_cmpuint (status_of ("GET", tampered, NULL, NULL), ==, 404);
}

static void
test_privacy (void)
{
  const char *privacies[] = { "public", "unlisted", "private" };
  g_autofree char *mod = NULL, *olga = NULL, *vera = NULL, *media = NULL, *clip = NULL;
  g_autofree char *rendition = NULL;
  char *videos[G_N_ELEMENTS (privacies)];

  node_start ("admins = root\n");
  mod = login ("mod");
  vera = login ("vera");
  olga = reel_test_register_login (N.d->port, "olga", PASSWORD);
  g_assert_cmpuint (status_of ("POST", "/api/v1/subscriptions", vera, "{\"channel\":\"olga\"}"), ==,
                    201);
  g_assert_cmpuint (status_of ("POST", "/api/v1/subscriptions", mod, "{\"channel\":\"olga\"}"), ==,
                    201);

  /* Creation refuses a privacy that is none of the three, by tus and by
   * multipart alike. */
  {
    g_autofree char *p = g_base64_encode ((const guchar *)"secret", 6);
    g_autofree char *meta = g_strdup_printf ("privacy %s", p);
    const char *h[]
        = { "Tus-Resumable", "1.0.0", "Upload-Length", "1000", "Upload-Metadata", meta, NULL };
    g_autoptr (ReelTestResponse) r
        = reel_test_http_full (N.d->port, "POST", "/api/v1/uploads", olga, h, NULL, NULL, 0);
    g_assert_cmpuint (r->status, ==, 400);
    g_assert_nonnull (strstr (r->body, "privacy"));
  }
  {
    g_autofree char *p = g_base64_encode ((const guchar *)"private", 7);
    g_autofree char *meta = g_strdup_printf ("privacy %s", p);
    const char *h[]
        = { "Tus-Resumable", "1.0.0", "Upload-Length", "1000", "Upload-Metadata", meta, NULL };
    g_autoptr (ReelTestResponse) r
        = reel_test_http_full (N.d->port, "POST", "/api/v1/uploads", olga, h, NULL, NULL, 0);
    g_autofree char *path = NULL;
    g_assert_cmpuint (r->status, ==, 201);
    path = g_strdup_printf ("/api/v1/videos/%s", reel_test_header (r, "Reel-Video-Id"));
    g_assert_cmpuint (status_of ("GET", path, NULL, NULL), ==, 404);
    g_assert_cmpuint (status_of ("GET", path, olga, NULL), ==, 200);
    g_assert_cmpuint (status_of ("DELETE", path, olga, NULL), ==, 204);
  }

  media = reel_test_tmpdir ();
  clip = make_clip (media);
  for (guint i = 0; i < G_N_ELEMENTS (privacies); i++)
    {
      g_autofree char *title = g_strdup_printf ("Kilimanjaro %s", privacies[i]);
      g_autoptr (ReelTestResponse) r = NULL;
      videos[i] = reel_test_upload_private (N.d->port, olga, clip, title, privacies[i]);
      r = reel_test_wait_state_as (N.d->port, olga, videos[i], "ready", 120);
      wait_announced (olga, videos[i]);
      g_assert_cmpstr (reel_test_json_str (r, "privacy"), ==, privacies[i]);
      if (!rendition)
        rendition = g_strdup (json_object_get_string_member (
            json_array_get_object_element (
                json_object_get_array_member (json_node_get_object (r->json), "renditions"), 0),
            "name"));
    }
  {
    const Viewer viewers[] = {
      { "owner", olga, FALSE },
      { "other user", vera, TRUE },
      { "anonymous", NULL, FALSE },
      { "moderator", mod, TRUE },
    };
    /* No shared cache keeps what not everyone may see. */
    for (guint i = 0; i < G_N_ELEMENTS (privacies); i++)
      {
        g_autofree char *init = g_strdup_printf ("/videos/%s/%s/init-0.mp4", videos[i], rendition);
        g_autofree char *master = g_strdup_printf ("/videos/%s/master.m3u8", videos[i]);
        g_autoptr (ReelTestResponse) seg = reel_test_http (N.d->port, "GET", init, olga, NULL, 0);
        g_autoptr (ReelTestResponse) pl = reel_test_http (N.d->port, "GET", master, olga, NULL, 0);
        gboolean restricted = g_str_equal (privacies[i], "private");
        g_assert_cmpint (g_str_has_prefix (reel_test_header (seg, "Cache-Control"), "private"), ==,
                         restricted);
        g_assert_cmpint (g_str_has_prefix (reel_test_header (pl, "Cache-Control"), "private"), ==,
                         restricted);
      }
    /* Related lists of the public video name the channel's other videos. */
    for (guint i = 0; i < G_N_ELEMENTS (privacies); i++)
      assert_privacy (videos[i], rendition, privacies[i], viewers, G_N_ELEMENTS (viewers),
                      i == 0 ? videos[1] : videos[0], i == 0);

    /* Those who may watch the private video get signed URLs that play
     * without credentials; the public one's stay plain. */
    assert_signed_playback (olga, videos[2], videos[1]);
    assert_signed_playback (mod, videos[2], videos[1]);
    {
      g_autofree char *rec = g_strdup_printf ("/api/v1/videos/%s", videos[0]);
      g_autofree char *plain = g_strdup_printf ("/videos/%s/master.m3u8", videos[0]);
      g_autoptr (ReelTestResponse) r = reel_test_http (N.d->port, "GET", rec, olga, NULL, 0);
      g_assert_cmpstr (reel_test_json_str (r, "hls"), ==, plain);
    }

    /* Only the owner changes it; a bad value is 400; a change takes effect
     * at once everywhere. */
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", videos[2]);
      g_assert_cmpuint (status_of ("PATCH", path, vera, "{\"privacy\":\"public\"}"), ==, 403);
      g_assert_cmpuint (status_of ("PATCH", path, olga, "{\"privacy\":\"everyone\"}"), ==, 400);
      g_assert_cmpuint (status_of ("PATCH", path, olga, "{\"privacy\":\"public\"}"), ==, 204);
    }
    /* (No new_video now: subscribers hear of a video once, when it is
     * published.) */
    assert_privacy (videos[2], rendition, "public", viewers, G_N_ELEMENTS (viewers), videos[0], 0);
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/videos/%s", videos[0]);
      g_assert_cmpuint (status_of ("PATCH", path, olga, "{\"privacy\":\"private\"}"), ==, 204);
    }
    /* (The notification sent while it was public stays; it leads to a
     * 404 now.) */
    assert_privacy (videos[0], rendition, "private", viewers, G_N_ELEMENTS (viewers), videos[2],
                    -1);
  }
  {
    guint64 last = 0;
    g_autoptr (GPtrArray) lines = reel_test_event_log (N.nats->url, &last);
    reel_test_validate_events (lines);
  }
  node_stop ();
  for (guint i = 0; i < G_N_ELEMENTS (privacies); i++)
    g_free (videos[i]);
  reel_test_rmtree (media);
}

/* Whether the table name of an mdb_dump has a row. */
static gboolean
has_rows (const char *dump, const char *name)
{
  g_autofree char *header = g_strdup_printf ("database=%s\n", name);
  const char *at = strstr (dump, header), *data;
  if (!at || !(data = strstr (at, "HEADER=END\n")))
    return FALSE;
  data += strlen ("HEADER=END\n");
  return !g_str_has_prefix (data, "DATA=END");
}

static void
test_rebuild_alone (void)
{
  g_autofree char *arg_dir = g_strdup_printf ("--data-dir=%s", N.dir);
  g_autofree char *arg_nats = g_strdup_printf ("--nats-url=%s", N.nats->url);
  g_autofree char *arg_config = g_strdup_printf ("--config=%s", N.config);
  const char *argv[]
      = { reel_test_env ("REEL_TEST_REELD"), arg_dir, arg_nats, arg_config, "--rebuild", NULL };
  /* What the live node wrote (with a blocked video among it) is what a
   * full rebuild writes. */
  g_autofree char *live = reel_test_dump_lmdb (N.dir);
  g_autofree char *out = reel_test_run_ok (argv);
  g_autofree char *dump = reel_test_dump_lmdb (N.dir);

  /* What the projections under test hold after the scenarios above. */
  g_assert_true (has_rows (dump, "audit"));
  g_assert_true (has_rows (dump, "reports"));
  g_assert_true (has_rows (dump, "invites"));
  g_assert_true (has_rows (dump, "quota_usage"));
  g_assert_true (has_rows (dump, "sessions"));
  g_assert_false (has_rows (dump, "no_such_table"));
  g_assert_cmpstr (live, ==, dump);
  g_assert_cmpuint (reel_test_rebuild_each_alone (N.dir, N.nats->url, N.config), >=, 10);
}

int
main (int argc, char **argv)
{
  int rc;
  g_test_init (&argc, &argv, NULL);
  N.nats = reel_test_nats_start ();
  N.dir = reel_test_tmpdir ();
  N.config = g_build_filename (N.dir, "reeld.conf", NULL);
  g_test_add_func ("/governance/roles-invites", test_roles_invites);
  g_test_add_func ("/governance/closed", test_closed);
  g_test_add_func ("/governance/passwords", test_passwords);
  g_test_add_func ("/governance/quotas", test_quotas);
  g_test_add_func ("/governance/reports", test_reports);
  g_test_add_func ("/governance/bans", test_bans);
  g_test_add_func ("/governance/blocks", test_blocks);
  g_test_add_func ("/governance/privacy", test_privacy);
  g_test_add_func ("/governance/rebuild-alone", test_rebuild_alone);
  rc = g_test_run ();
  reel_test_nats_stop (N.nats);
  reel_test_rmtree (N.dir);
  g_free (N.dir);
  g_free (N.config);
  return rc;
}
