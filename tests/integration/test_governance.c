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
 *                              a full rebuild gives (issue 17)
 *
 * One binary, whose tests run in turn against one node (N): passwords and
 * quotas are in governance_accounts.c, reports, bans and blocks in
 * governance_moderation.c, privacy in governance_privacy.c; what they
 * share in governance_common.h. */

#include "governance_common.h"
#include "replay.h"

#include <json-glib/json-glib.h>

/* In governance_accounts.c, governance_moderation.c and governance_privacy.c. */
void test_passwords (void);
void test_quotas (void);
void test_reports (void);
void test_bans (void);
void test_blocks (void);
void test_privacy (void);

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
  node_stop ();
  g_free (reel_test_rebuild_same (N.dir, N.nats->url, N.config));
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
  /* What the live node wrote (with a blocked video among it) is what a
   * full rebuild writes. */
  g_autofree char *dump = reel_test_rebuild_same (N.dir, N.nats->url, N.config);

  /* What the projections under test hold after the scenarios above. */
  g_assert_true (has_rows (dump, "audit"));
  g_assert_true (has_rows (dump, "reports"));
  g_assert_true (has_rows (dump, "invites"));
  g_assert_true (has_rows (dump, "quota_usage"));
  g_assert_true (has_rows (dump, "sessions"));
  g_assert_false (has_rows (dump, "no_such_table"));
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
