/* HTTP edge of running the server: roles, quotas, invites, reports and the
 * audit log (app/roles.h, app/quotas.h, app/invites.h,
 * app/moderation/reports.h, app/moderation/audit.h):
 *   PUT  /api/v1/users/{username}/role  {"role"}: admins grant and revoke
 *   PATCH /api/v1/users/{username}      {"quota_bytes"?, "daily_quota_bytes"?}:
 *                                       admins set a user's quotas (null: the
 *                                       server's default again; 0: no limit)
 *   POST /api/v1/admin/invites          an invite code, shown once (admins)
 *   GET  /api/v1/admin/invites          the invites, used or not (admins)
 *   GET  /api/v1/admin/audit            what admins and moderators did (admins)
 *   POST /api/v1/reports                {video_id|comment_id, reason, text?}:
 *                                       any logged-in user tells the moderators
 *   GET  /api/v1/admin/reports          the open reports, oldest first (moderators)
 *   POST /api/v1/admin/reports/{id}/resolve  {note?} (moderators)
 *   POST /api/v1/admin/users/{username}/ban    {reason} (moderators)
 *   POST /api/v1/admin/users/{username}/unban  (moderators)
 *   POST /api/v1/admin/videos/{id}/block    {reason} (moderators)
 *   POST /api/v1/admin/videos/{id}/unblock  (moderators)
 *   POST /api/v1/admin/videos/{id}/retranscode  a ready video transcoded
 *                                       again with the ladder configured now
 *                                       (admins; media/retranscode.h)
 *   GET  /api/v1/admin/videos/{id}/retranscode  the set served, the one
 *                                       being made and the last that failed
 *                                       (admins)
 *   POST /api/v1/admin/retranscode      every ready video so (admins)
 * Every admin route answers 401 without a token and 403 to whoever
 * lacks the role, before anything else is looked at. */
#include "app/moderation/audit.h"
#include "app/invites.h"
#include "app/moderation/moderation.h"
#include "app/quotas.h"
#include "app/moderation/reports.h"
#include "app/roles.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "core/json.h"
#include "http/query.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"
#include "media/retranscode.h"

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

typedef struct
{
  char *actor;
  char *username;
  gboolean has_quota, has_daily;
  gint64 quota, daily; /* -1: back to the default */
} QuotaInput;

static void
quota_input_free (gpointer p)
{
  QuotaInput *in = p;
  g_free (in->actor);
  g_free (in->username);
  g_free (in);
}

static JsonNode *
set_quota_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  QuotaInput *in = data;
  ReelQuota q;
  JsonObject *out;
  if (!reel_quotas_set (http->bus, http->store, in->actor, in->username, in->has_quota, in->quota,
                        in->has_daily, in->daily, &reply->seq, error))
    return NULL;
  /* The answer states the limits that now apply: what the command set,
   * the defaults where it reset them. */
  q.quota = in->has_quota ? (in->quota < 0 ? http->cfg->quota_bytes : (guint64)in->quota) : 0;
  q.daily = in->has_daily ? (in->daily < 0 ? http->cfg->daily_quota_bytes : (guint64)in->daily) : 0;
  out = json_object_new ();
  json_object_set_string_member (out, "username", in->username);
  if (in->has_quota)
    json_object_set_int_member (out, "quota_bytes", (gint64)q.quota);
  if (in->has_daily)
    json_object_set_int_member (out, "daily_quota_bytes", (gint64)q.daily);
  return json_node_init_object (json_node_alloc (), out);
}

/* A quota member: absent (keep), null (-1: the default), or 0..2^63-1. */
static gboolean
read_limit (JsonObject *body, const char *member, gboolean *has, gint64 *value, GError **error)
{
  JsonNode *node = json_object_get_member (body, member);
  *has = node != NULL;
  *value = -1;
  if (!node || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "%s must be a whole number of bytes (0: no limit) or null (the default)",
                   member);
      return FALSE;
    }
  *value = json_node_get_int (node);
  return TRUE;
}

static void
patch_user (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *actor = require_role (req, REEL_USER_ROLE_ADMIN, &error);
  g_autoptr (JsonObject) body = actor ? reel_request_json (req, &error) : NULL;
  QuotaInput *in = g_new0 (QuotaInput, 1);
  if (body && read_limit (body, "quota_bytes", &in->has_quota, &in->quota, &error)
      && read_limit (body, "daily_quota_bytes", &in->has_daily, &in->daily, &error)
      && !in->has_quota && !in->has_daily)
    g_set_error_literal (&error, REEL_ERROR, REEL_ERROR_INVALID,
                         "give quota_bytes, daily_quota_bytes or both");
  if (error)
    {
      quota_input_free (in);
      reel_respond_error (req->msg, error);
      return;
    }
  in->actor = g_steal_pointer (&actor);
  in->username = g_strdup (reel_request_param (req, "username"));
  reel_request_run_command (req, SOUP_STATUS_OK, set_quota_command, in, quota_input_free);
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
admin_list (ReelRequest *req, ReelUserRole role, ListFunc list)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *actor = require_role (req, role, &error);
  g_auto (ReelPage) page = { 0 };
  g_autoptr (JsonObject) out = NULL;
  if (actor && reel_request_page (req, &page, &error))
    out = list (req->http->store, &page, &error);
  reel_request_answer (req, out, error);
}

static void
get_invites (ReelRequest *req)
{
  admin_list (req, REEL_USER_ROLE_ADMIN, reel_invites_list);
}

static void
get_audit (ReelRequest *req)
{
  admin_list (req, REEL_USER_ROLE_ADMIN, reel_audit_list);
}

static void
get_reports (ReelRequest *req)
{
  admin_list (req, REEL_USER_ROLE_MODERATOR, reel_reports_list_open);
}

typedef struct
{
  char *actor;
  char *video_id, *comment_id, *reason, *text; /* a report */
  char *id, *note;                             /* a resolution */
} ReportInput;

static void
report_input_free (gpointer p)
{
  ReportInput *in = p;
  g_free (in->actor);
  g_free (in->video_id);
  g_free (in->comment_id);
  g_free (in->reason);
  g_free (in->text);
  g_free (in->id);
  g_free (in->note);
  g_free (in);
}

static JsonNode *
report_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  ReportInput *in = data;
  ReelReportDraft d = { in->actor, in->video_id, in->comment_id, in->reason, in->text };
  g_autofree char *id = NULL;
  JsonObject *out;
  if (!reel_reports_create (http->bus, http->store, &d, &id, &reply->seq, error))
    return NULL;
  out = json_object_new ();
  json_object_set_string_member (out, "id", id);
  json_object_set_string_member (out, "state", "open");
  return json_node_init_object (json_node_alloc (), out);
}

/* An optional string member into *out; FALSE with error when it is there
 * but not a string. */
static gboolean
optional_string (JsonObject *body, const char *member, char **out, GError **error)
{
  const char *value = reel_json_get_string (body, member, FALSE, error);
  *out = g_strdup (value);
  return value || !*error;
}

static void
post_reports (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  g_autoptr (JsonObject) body = user ? reel_request_json (req, &error) : NULL;
  ReportInput *in = g_new0 (ReportInput, 1);
  if (body
      && (!optional_string (body, "video_id", &in->video_id, &error)
          || !optional_string (body, "comment_id", &in->comment_id, &error)
          || !optional_string (body, "reason", &in->reason, &error)
          || !optional_string (body, "text", &in->text, &error)))
    g_assert (error);
  if (error)
    {
      report_input_free (in);
      reel_respond_error (req->msg, error);
      return;
    }
  in->actor = g_steal_pointer (&user);
  reel_request_run_command (req, SOUP_STATUS_CREATED, report_command, in, report_input_free);
}

static JsonNode *
resolve_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  ReportInput *in = data;
  JsonObject *out;
  if (!reel_reports_resolve (http->bus, http->store, in->actor, in->id, in->note, &reply->seq,
                             error))
    return NULL;
  out = json_object_new ();
  json_object_set_string_member (out, "id", in->id);
  json_object_set_string_member (out, "state", "resolved");
  return json_node_init_object (json_node_alloc (), out);
}

static void
post_resolve (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *actor = require_role (req, REEL_USER_ROLE_MODERATOR, &error);
  g_autoptr (JsonObject) body = actor ? reel_request_json (req, &error) : NULL;
  ReportInput *in = g_new0 (ReportInput, 1);
  if (body && !optional_string (body, "note", &in->note, &error))
    g_assert (error);
  if (error)
    {
      report_input_free (in);
      reel_respond_error (req->msg, error);
      return;
    }
  in->actor = g_steal_pointer (&actor);
  in->id = g_strdup (reel_request_param (req, "id"));
  reel_request_run_command (req, SOUP_STATUS_OK, resolve_command, in, report_input_free);
}

/* A moderator's ban or block, or its lifting. */
typedef struct
{
  char *actor;
  char *target; /* the username or the video id */
  char *reason;
  gboolean on; /* ban or block; FALSE: lift it */
} ModerationInput;

static void
moderation_input_free (gpointer p)
{
  ModerationInput *in = p;
  g_free (in->actor);
  g_free (in->target);
  g_free (in->reason);
  g_free (in);
}

static JsonNode *
ban_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  ModerationInput *in = data;
  JsonObject *out;
  if (!reel_moderation_ban (http->bus, http->store, admins_of (http), in->actor, in->target, in->on,
                            in->reason, &reply->seq, error))
    return NULL;
  out = json_object_new ();
  json_object_set_string_member (out, "username", in->target);
  json_object_set_boolean_member (out, "banned", in->on);
  return json_node_init_object (json_node_alloc (), out);
}

static JsonNode *
block_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  ModerationInput *in = data;
  JsonObject *out;
  if (!reel_moderation_block (http->bus, http->store, admins_of (http), in->actor, in->target,
                              in->on, in->reason, &reply->seq, error))
    return NULL;
  out = json_object_new ();
  json_object_set_string_member (out, "video_id", in->target);
  json_object_set_boolean_member (out, "blocked", in->on);
  return json_node_init_object (json_node_alloc (), out);
}

/* A moderator's action on the route's {param}: a reason in the body when
 * it is put on (on), none when it is lifted. */
static void
moderate (ReelRequest *req, const char *param, gboolean on, ReelCommandFunc command)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *actor = require_role (req, REEL_USER_ROLE_MODERATOR, &error);
  g_autoptr (JsonObject) body = actor && on ? reel_request_json (req, &error) : NULL;
  ModerationInput *in = g_new0 (ModerationInput, 1);
  if (body)
    in->reason = g_strdup (reel_json_get_string (body, "reason", TRUE, &error));
  if (error)
    {
      moderation_input_free (in);
      reel_respond_error (req->msg, error);
      return;
    }
  in->actor = g_steal_pointer (&actor);
  in->target = g_strdup (reel_request_param (req, param));
  in->on = on;
  reel_request_run_command (req, SOUP_STATUS_OK, command, in, moderation_input_free);
}

static void
post_ban (ReelRequest *req)
{
  moderate (req, "username", TRUE, ban_command);
}

static void
post_unban (ReelRequest *req)
{
  moderate (req, "username", FALSE, ban_command);
}

static void
post_block (ReelRequest *req)
{
  moderate (req, "id", TRUE, block_command);
}

static void
post_unblock (ReelRequest *req)
{
  moderate (req, "id", FALSE, block_command);
}

/* Re-transcodes: the actor and one video id, or NULL for every ready
 * video. */
typedef struct
{
  char *actor;
  char *id;
} RetranscodeInput;

static void
retranscode_input_free (gpointer p)
{
  RetranscodeInput *in = p;
  g_free (in->actor);
  g_free (in->id);
  g_free (in);
}

static JsonNode *
retranscode_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  RetranscodeInput *in = data;
  g_autoptr (GPtrArray) ids = NULL;
  JsonObject *out = json_object_new ();
  JsonArray *queued = json_array_new ();
  json_object_set_array_member (out, "queued", queued);
  if (in->id)
    {
      ids = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (ids, g_strdup (in->id));
    }
  else if (!(ids = reel_videos_ready_ids (http->store, error)))
    {
      json_object_unref (out);
      return NULL;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr (ReelVideo) v = reel_videos_get (http->store, ids->pdata[i], error);
      g_autoptr (GError) local = NULL;
      JsonObject *item;
      guint set = 0;
      if (!v)
        {
          json_object_unref (out);
          return NULL;
        }
      if (!reel_retranscode (http->cfg, http->bus, v, in->actor, &set, &local))
        {
          /* One video: its error; all of them: the others go on. */
          if (in->id || !g_error_matches (local, REEL_ERROR, REEL_ERROR_CONFLICT))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              json_object_unref (out);
              return NULL;
            }
          continue;
        }
      item = json_object_new ();
      json_object_set_string_member (item, "video_id", v->id);
      json_object_set_int_member (item, "set", set);
      json_array_add_object_element (queued, item);
    }
  return json_node_init_object (json_node_alloc (), out);
}

static void
retranscode (ReelRequest *req, const char *id)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *actor = require_role (req, REEL_USER_ROLE_ADMIN, &error);
  RetranscodeInput *in;
  /* An unknown id is 404 here, before anything is queued. */
  if (actor && id)
    reel_video_free (reel_request_video (req, &error));
  if (error)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (RetranscodeInput, 1);
  in->actor = g_steal_pointer (&actor);
  in->id = g_strdup (id);
  reel_request_run_command (req, SOUP_STATUS_ACCEPTED, retranscode_command, in,
                            retranscode_input_free);
}

static void
get_retranscode_video (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *actor = require_role (req, REEL_USER_ROLE_ADMIN, &error);
  g_autoptr (ReelVideo) v = actor ? reel_request_video (req, &error) : NULL;
  g_autoptr (ReelTxn) txn = v ? reel_store_begin (req->http->store, FALSE, &error) : NULL;
  g_autoptr (JsonObject) out = NULL;
  if (!txn)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  out = reel_videos_retranscode_json (txn, v, g_get_real_time () / G_USEC_PER_SEC,
                                      req->http->cfg->cleanup_grace_s);
  reel_respond_object (req->msg, SOUP_STATUS_OK, out);
}

static void
post_retranscode_video (ReelRequest *req)
{
  retranscode (req, reel_request_param (req, "id"));
}

static void
post_retranscode_all (ReelRequest *req)
{
  retranscode (req, NULL);
}

void reel_api_admin_register (ReelRouter *router);

void
reel_api_admin_register (ReelRouter *router)
{
  reel_router_add (router, "PUT", "/api/v1/users/{username}/role", put_role);
  reel_router_add (router, "PATCH", "/api/v1/users/{username}", patch_user);
  reel_router_add (router, "POST", "/api/v1/admin/invites", post_invites);
  reel_router_add (router, "GET", "/api/v1/admin/invites", get_invites);
  reel_router_add (router, "GET", "/api/v1/admin/audit", get_audit);
  reel_router_add (router, "POST", "/api/v1/reports", post_reports);
  reel_router_add (router, "GET", "/api/v1/admin/reports", get_reports);
  reel_router_add (router, "POST", "/api/v1/admin/reports/{id}/resolve", post_resolve);
  reel_router_add (router, "POST", "/api/v1/admin/users/{username}/ban", post_ban);
  reel_router_add (router, "POST", "/api/v1/admin/users/{username}/unban", post_unban);
  reel_router_add (router, "POST", "/api/v1/admin/videos/{id}/block", post_block);
  reel_router_add (router, "POST", "/api/v1/admin/videos/{id}/unblock", post_unblock);
  reel_router_add (router, "GET", "/api/v1/admin/videos/{id}/retranscode", get_retranscode_video);
  reel_router_add (router, "POST", "/api/v1/admin/videos/{id}/retranscode", post_retranscode_video);
  reel_router_add (router, "POST", "/api/v1/admin/retranscode", post_retranscode_all);
}
