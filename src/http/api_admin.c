/* HTTP edge of roles, invites and the audit log (app/roles.h,
 * app/invites.h, app/audit.h):
 *   PUT  /api/v1/users/{username}/role  {"role"}: admins grant and revoke
 *   POST /api/v1/admin/invites          an invite code, shown once (admins)
 *   GET  /api/v1/admin/invites          the invites, used or not (admins)
 *   GET  /api/v1/admin/audit            what admins and moderators did (admins)
 * Every admin route answers 401 without a token and 403 to whoever
 * lacks the role, before anything else is looked at. */
#include "app/audit.h"
#include "app/invites.h"
#include "app/roles.h"
#include "core/error.h"
#include "core/json.h"
#include "http/query.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"

static const char *const *
admins_of (ReelHttp *http)
{
  return (const char *const *)http->cfg->admins;
}

/* The authenticated user when they hold role; NULL with the error to
 * answer (401 or 403) otherwise. */
static char *
require_role (ReelRequest *req, ReelUserRole role, GError **error)
{
  g_autofree char *user = reel_request_user (req, error);
  if (!user || !reel_roles_require (req->http->store, user, admins_of (req->http), role, error))
    return NULL;
  return g_steal_pointer (&user);
}

typedef struct
{
  char *actor;
  char *username;
  ReelUserRole role;
} RoleInput;

static void
role_input_free (gpointer p)
{
  RoleInput *in = p;
  g_free (in->actor);
  g_free (in->username);
  g_free (in);
}

static JsonNode *
set_role_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  RoleInput *in = data;
  JsonObject *out;
  if (!reel_roles_set (http->bus, http->store, admins_of (http), in->actor, in->username, in->role,
                       &reply->seq, error))
    return NULL;
  out = json_object_new ();
  json_object_set_string_member (out, "username", in->username);
  json_object_set_string_member (out, "role", reel_user_role_name (in->role));
  return json_node_init_object (json_node_alloc (), out);
}

static void
put_role (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *actor = require_role (req, REEL_USER_ROLE_ADMIN, &error);
  g_autoptr (JsonObject) body = actor ? reel_request_json (req, &error) : NULL;
  const char *name = body ? reel_json_get_string (body, "role", TRUE, &error) : NULL;
  ReelUserRole role = REEL_USER_ROLE_USER;
  RoleInput *in;
  if (name && !reel_user_role_from_name (name, &role))
    g_set_error (&error, REEL_ERROR, REEL_ERROR_INVALID, "role must be user, moderator or admin");
  if (error)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (RoleInput, 1);
  in->actor = g_steal_pointer (&actor);
  in->username = g_strdup (reel_request_param (req, "username"));
  in->role = role;
  reel_request_run_command (req, SOUP_STATUS_OK, set_role_command, in, role_input_free);
}

static JsonNode *
create_invite_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  const char *actor = data;
  gint64 expires_at;
  g_autofree char *code = reel_invites_create (http->bus, actor, http->cfg->invite_ttl_s,
                                               &expires_at, &reply->seq, error);
  JsonObject *out;
  if (!code)
    return NULL;
  out = json_object_new ();
  json_object_set_string_member (out, "code", code);
  json_object_set_int_member (out, "expires_at", expires_at);
  return json_node_init_object (json_node_alloc (), out);
}

static void
post_invites (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  char *actor = require_role (req, REEL_USER_ROLE_ADMIN, &error);
  if (!actor)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  reel_request_run_command (req, SOUP_STATUS_CREATED, create_invite_command, actor, g_free);
}

typedef JsonObject *(*ListFunc) (ReelStore *store, const ReelPage *page, GError **error);

static void
admin_list (ReelRequest *req, ListFunc list)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *actor = require_role (req, REEL_USER_ROLE_ADMIN, &error);
  g_auto (ReelPage) page = { 0 };
  g_autoptr (JsonObject) out = NULL;
  if (actor && reel_request_page (req, &page, &error))
    out = list (req->http->store, &page, &error);
  reel_request_answer (req, out, error);
}

static void
get_invites (ReelRequest *req)
{
  admin_list (req, reel_invites_list);
}

static void
get_audit (ReelRequest *req)
{
  admin_list (req, reel_audit_list);
}

void reel_api_admin_register (ReelRouter *router);

void
reel_api_admin_register (ReelRouter *router)
{
  reel_router_add (router, "PUT", "/api/v1/users/{username}/role", put_role);
  reel_router_add (router, "POST", "/api/v1/admin/invites", post_invites);
  reel_router_add (router, "GET", "/api/v1/admin/invites", get_invites);
  reel_router_add (router, "GET", "/api/v1/admin/audit", get_audit);
}
