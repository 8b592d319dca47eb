/* HTTP edge of users and sessions (app/users/):
 *   POST   /api/v1/users              register (auth.registration: open,
 *                                     closed, or invite with {"invite"})
 *   GET    /api/v1/users/me           my account: the public view, role, email,
 *                                     storage used and quotas
 *   GET    /api/v1/users/{username}   channel, with the user's role
 *   DELETE /api/v1/users/me           {password}: deletes my account, my
 *                                      videos, and shreds my personal data
 *   PUT    /api/v1/users/me/password  {current_password, new_password}: my
 *                                     other sessions end
 *   POST   /api/v1/password-resets    {username} or {email}: a reset link is
 *                                     mailed when the account has an address
 *                                     (202 whatever happens, so the answer
 *                                     does not tell who exists)
 *   POST   /api/v1/password-resets/confirm  {token, new_password}: once
 *   POST   /api/v1/email-verifications  {username}: a new verification
 *                                     link (auth.verify_email; 202 whatever
 *                                     happens)
 *   POST   /api/v1/email-verifications/confirm  {token}: the address is
 *                                     verified, the account may log in
 *   POST   /api/v1/sessions           log in -> {token}
 *   GET    /api/v1/sessions/current   who am I
 *   DELETE /api/v1/sessions/current   log out
 *   GET    /api/v1/sessions           my sessions (devices), newest first
 *   DELETE /api/v1/sessions/{id}      end one of them
 * Handlers parse and validate on the main loop, then hand the slow part
 * (argon2, publishing) to reel_request_run_password_command(), whose pool
 * bounds how many hashes run and wait. */
#include "app/query/profiles.h"
#include "app/invites.h"
#include "app/quotas.h"
#include "app/roles.h"
#include "app/social/comments.h"
#include "app/users/users.h"
#include "app/video/videos.h"
#include <sodium.h>
#include "core/error.h"
#include "core/json.h"
#include "http/command.h"
#include "http/request.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"

typedef struct
{
  char *username;
  char *password;
  char *display_name;
  char *email;
  char *token;
  char *invite; /* the invite code, when registration is by invitation */
  char *new_password;
} UserInput;

/* Clears a password before the memory goes back to the allocator. */
static void
free_password (char *password)
{
  if (password)
    {
      memset (password, 0, strlen (password));
      g_free (password);
    }
}

static void
user_input_free (gpointer p)
{
  UserInput *in = p;
  g_free (in->username);
  free_password (in->password);
  free_password (in->new_password);
  g_free (in->display_name);
  g_free (in->email);
  g_free (in->token);
  g_free (in->invite);
  g_free (in);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (UserInput, user_input_free)

static UserInput *
read_credentials (ReelRequest *req, gboolean with_profile, GError **error)
{
  g_autoptr (JsonObject) body = reel_request_json (req, error);
  g_autoptr (UserInput) in = g_new0 (UserInput, 1);
  const char *username, *password, *display_name = NULL, *email = NULL, *invite = NULL;
  if (!body)
    return NULL;
  if (!(username = reel_json_get_string (body, "username", TRUE, error))
      || !(password = reel_json_get_string (body, "password", TRUE, error)))
    return NULL;
  if (with_profile
      && ((!(display_name = reel_json_get_string (body, "display_name", FALSE, error)) && *error)
          || (!(email = reel_json_get_string (body, "email", FALSE, error)) && *error)
          || (!(invite = reel_json_get_string (body, "invite", FALSE, error)) && *error)))
    return NULL;
  in->username = g_strdup (username);
  in->password = g_strdup (password);
  in->display_name = g_strdup (display_name);
  in->email = g_strdup (email);
  in->invite = g_strdup (invite);
  return g_steal_pointer (&in);
}

static JsonNode *
register_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  UserInput *in = data;
  ReelRegistration reg
      = { in->username, in->password, in->display_name, in->email, http->cfg->verify_email };
  if (in->invite)
    {
      /* Spend the code only for a name that is free (as far as this node
       * knows), so a typo in a taken name does not cost the invite. */
      g_autoptr (ReelTxn) txn = reel_store_begin (http->store, FALSE, error);
      g_autoptr (JsonObject) existing = NULL;
      if (!txn)
        return NULL;
      existing = reel_users_load (txn, in->username, error);
      if (existing)
        g_set_error (error, REEL_ERROR, REEL_ERROR_CONFLICT, "username \"%s\" is taken",
                     in->username);
      if (*error || !reel_invites_redeem (http->bus, in->invite, in->username, NULL, error))
        return NULL;
    }
  if (!reel_users_register (http->bus, &reg, &reply->seq, error))
    return NULL;
  JsonObject *out = json_object_new ();
  json_object_set_string_member (out, "username", in->username);
  json_object_set_string_member (out, "display_name",
                                 in->display_name ? in->display_name : in->username);
  /* The account logs in once the link mailed to it is opened. */
  if (reg.verify)
    json_object_set_boolean_member (out, "verify_email", TRUE);
  return json_node_init_object (json_node_alloc (), out);
}

/* auth.registration, checked before the password is hashed. The accounts
 * auth.admins names may always register: that is how the first admin of a
 * closed or invite-only server gets in. */
static gboolean
registration_allowed (ReelHttp *http, UserInput *in, GError **error)
{
  if (g_strv_contains ((const char *const *)http->cfg->admins, in->username))
    {
      g_clear_pointer (&in->invite, g_free);
      return TRUE;
    }
  switch (http->cfg->registration)
    {
    case REEL_REGISTRATION_OPEN:
      /* An invite sent anyway is not needed, and not spent. */
      g_clear_pointer (&in->invite, g_free);
      return TRUE;
    case REEL_REGISTRATION_CLOSED:
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_FORBIDDEN,
                           "registration is closed on this server");
      return FALSE;
    case REEL_REGISTRATION_INVITE:
      if (!in->invite)
        {
          g_set_error_literal (error, REEL_ERROR, REEL_ERROR_FORBIDDEN,
                               "registration on this server is by invitation: send the code "
                               "an admin gave you as \"invite\"");
          return FALSE;
        }
      return reel_invites_check (http->store, in->invite, error);
    }
  g_assert_not_reached ();
}

static void
post_users (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  UserInput *in = read_credentials (req, TRUE, &error);
  ReelRegistration reg;
  if (in)
    {
      reg = (ReelRegistration){ in->username, in->password, in->display_name, in->email,
                                req->http->cfg->verify_email };
      if (!reel_users_validate_registration (&reg, &error)
          || !registration_allowed (req->http, in, &error))
        g_clear_pointer (&in, user_input_free);
    }
  if (!in)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  reel_request_run_password_command (req, SOUP_STATUS_CREATED, register_command, in,
                                     user_input_free);
}

/* The public view of username with its role, plus the email for the
 * account itself. */
static JsonObject *
account_view (ReelHttp *http, const char *username, gboolean own, GError **error)
{
  const char *const *admins = (const char *const *)http->cfg->admins;
  g_autoptr (JsonObject) user = reel_profiles_get (http->store, username, error);
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (JsonObject) rec = NULL;
  if (!user || !(txn = reel_store_begin (http->store, FALSE, error)))
    return NULL;
  if (!(rec = reel_users_require (txn, username, error)))
    return NULL;
  json_object_set_string_member (user, "role",
                                 reel_user_role_name (reel_roles_of_record (rec, admins)));
  if (own && json_object_has_member (rec, "email"))
    json_object_set_string_member (user, "email", json_object_get_string_member (rec, "email"));
  if (own)
    json_object_set_boolean_member (
        user, "history_paused",
        json_object_get_boolean_member_with_default (rec, "history_paused", FALSE));
  if (own)
    {
      ReelQuota q;
      if (!reel_quotas_get (txn, username, http->cfg->quota_bytes, http->cfg->daily_quota_bytes,
                            g_get_real_time () / G_USEC_PER_SEC, &q, error))
        return NULL;
      json_object_set_object_member (user, "quota", reel_quota_to_json (&q));
    }
  return g_steal_pointer (&user);
}

static void
get_user (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) user
      = account_view (req->http, reel_request_param (req, "username"), FALSE, &error);
  if (!user)
    reel_respond_error (req->msg, error);
  else
    reel_respond_object (req->msg, SOUP_STATUS_OK, user);
}

static void
get_me (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *username = reel_request_user (req, &error);
  g_autoptr (JsonObject) user = username ? account_view (req->http, username, TRUE, &error) : NULL;
  if (!user)
    reel_respond_error (req->msg, error);
  else
    reel_respond_object (req->msg, SOUP_STATUS_OK, user);
}

static JsonNode *
login_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  UserInput *in = data;
  g_autofree char *token = NULL;
  gint64 expires_at;
  if (!reel_users_login (http->bus, http->store, in->username, in->password,
                         http->cfg->session_ttl_s, &token, &expires_at, &reply->seq, error))
    return NULL;
  JsonObject *out = json_object_new ();
  g_autoptr (GDateTime) exp = g_date_time_new_from_unix_utc (expires_at);
  g_autofree char *exp_text = g_date_time_format_iso8601 (exp);
  json_object_set_string_member (out, "token", token);
  json_object_set_string_member (out, "username", in->username);
  json_object_set_string_member (out, "expires_at", exp_text);
  return json_node_init_object (json_node_alloc (), out);
}

static void
post_sessions (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  UserInput *in = read_credentials (req, FALSE, &error);
  if (!in)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  reel_request_run_password_command (req, SOUP_STATUS_CREATED, login_command, in, user_input_free);
}

static void
get_current_session (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  const char *token = reel_request_token (req, &error);
  gint64 expires_at = 0;
  g_autofree char *user
      = token ? reel_http_authenticate (req->http, token, &expires_at, &error) : NULL;
  if (!user)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  g_autoptr (JsonObject) out = json_object_new ();
  g_autoptr (GDateTime) exp = g_date_time_new_from_unix_utc (expires_at);
  g_autofree char *exp_text = g_date_time_format_iso8601 (exp);
  json_object_set_string_member (out, "username", user);
  json_object_set_string_member (out, "expires_at", exp_text);
  reel_respond_object (req->msg, SOUP_STATUS_OK, out);
}

static JsonNode *
logout_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  UserInput *in = data;
  /* 204 either way: success has no body, a failure is reported through error. */
  (void)reel_users_logout (http->bus, http->store, in->token, &reply->seq, error);
  return NULL;
}

/* Ends a session of the caller: which one, token says (the current
 * session's token, or a listed session's id), and func how. */
static void
end_session (ReelRequest *req, ReelCommandFunc func, const char *token)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  UserInput *in;
  if (!user)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (UserInput, 1);
  in->username = g_steal_pointer (&user);
  in->token = g_strdup (token);
  reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, func, in, user_input_free);
}

static void
delete_current_session (ReelRequest *req)
{
  end_session (req, logout_command, reel_request_token (req, NULL));
}

static JsonNode *
change_password_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  UserInput *in = data;
  reel_users_change_password (http->bus, http->store, in->username, in->password, in->new_password,
                              in->token, &reply->seq, error);
  return NULL;
}

static void
put_my_password (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  g_autoptr (JsonObject) body = user ? reel_request_json (req, &error) : NULL;
  const char *current = body ? reel_json_get_string (body, "current_password", TRUE, &error) : NULL;
  const char *fresh = current ? reel_json_get_string (body, "new_password", TRUE, &error) : NULL;
  UserInput *in;
  if (!fresh || !reel_users_validate_password (fresh, &error))
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (UserInput, 1);
  in->username = g_steal_pointer (&user);
  in->password = g_strdup (current);
  in->new_password = g_strdup (fresh);
  in->token = g_strdup (reel_request_token (req, NULL));
  reel_request_run_password_command (req, SOUP_STATUS_NO_CONTENT, change_password_command, in,
                                     user_input_free);
}

typedef struct
{
  const char *owner;
  GPtrArray *ids;
} OwnedVideos;

static gboolean
collect_owned (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
               gpointer data)
{
  OwnedVideos *o = data;
  g_autoptr (ReelVideo) v = reel_video_from_bytes (value, value_len, NULL);
  if (v && g_strcmp0 (v->owner, o->owner) == 0)
    g_ptr_array_add (o->ids, g_strndup ((const char *)key, key_len));
  return TRUE;
}

static JsonNode *
delete_account_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  UserInput *in = data;
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonObject) user = NULL;
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (http->store, FALSE, error);
    if (!txn || !(user = reel_users_require (txn, in->username, error)))
      return NULL;
    /* Every video, not only the published ones a channel lists: a whole
     * scan, but accounts are deleted rarely. */
    OwnedVideos o = { in->username, ids };
    if (!reel_txn_scan (txn, REEL_DB_VIDEOS, NULL, 0, NULL, 0, FALSE, collect_owned, &o, error))
      return NULL;
  }
  /* The password first (inside reel_users_delete would be too late: the
   * videos would be gone on a typo). */
  if (crypto_pwhash_str_verify (
          json_object_get_string_member_with_default (user, "password_hash", ""), in->password,
          strlen (in->password))
      != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_FORBIDDEN, "the password is wrong");
      return NULL;
    }
  /* The videos go the way DELETE /api/v1/videos/{id} sends them, so the
   * usual cleanup removes their blobs, comments and listings. */
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr (GError) video_error = NULL;
      if (!reel_videos_delete (http->bus, http->store, in->username, ids->pdata[i], NULL,
                               &video_error)
          && !g_error_matches (video_error, REEL_ERROR, REEL_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&video_error));
          return NULL;
        }
    }
  /* Comments on other people's videos go too (those on the user's videos
   * went with them). */
  if (!reel_comments_delete_by_author (http->bus, http->store, in->username, error))
    return NULL;
  reel_users_delete (http->bus, http->store, in->username, in->password, &reply->seq, error);
  return NULL;
}

static void
delete_me (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  g_autoptr (JsonObject) body = user ? reel_request_json (req, &error) : NULL;
  const char *password = body ? reel_json_get_string (body, "password", TRUE, &error) : NULL;
  UserInput *in;
  if (!password)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (UserInput, 1);
  in->username = g_steal_pointer (&user);
  in->password = g_strdup (password);
  reel_request_run_password_command (req, SOUP_STATUS_NO_CONTENT, delete_account_command, in,
                                     user_input_free);
}

static JsonNode *
request_reset_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  UserInput *in = data;
  JsonObject *out;
  if (!reel_users_request_reset (http->bus, http->store, in->username, in->email, &reply->seq,
                                 error))
    return NULL;
  out = json_object_new ();
  json_object_set_string_member (out, "message",
                                 "if the account exists and has an email address, a reset "
                                 "link is on its way");
  return json_node_init_object (json_node_alloc (), out);
}

static void
post_password_resets (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) body = reel_request_json (req, &error);
  const char *username = NULL, *email = NULL;
  UserInput *in;
  if (body
      && (((username = reel_json_get_string (body, "username", FALSE, &error)) || !error)
          && ((email = reel_json_get_string (body, "email", FALSE, &error)) || !error))
      && !username == !email)
    g_set_error_literal (&error, REEL_ERROR, REEL_ERROR_INVALID,
                         "give either \"username\" or \"email\"");
  if (error)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (UserInput, 1);
  in->username = g_strdup (username);
  in->email = g_strdup (email);
  reel_request_run_command (req, SOUP_STATUS_ACCEPTED, request_reset_command, in, user_input_free);
}

static JsonNode *
request_verification_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  UserInput *in = data;
  JsonObject *out;
  if (!reel_users_request_verification (http->bus, http->store, in->username, &reply->seq, error))
    return NULL;
  out = json_object_new ();
  json_object_set_string_member (out, "message",
                                 "if the account exists and awaits verification, a new link is "
                                 "on its way");
  return json_node_init_object (json_node_alloc (), out);
}

/* POST {username}: a new verification link (auth.verify_email). */
static void
post_email_verifications (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) body = reel_request_json (req, &error);
  const char *username = body ? reel_json_get_string (body, "username", TRUE, &error) : NULL;
  UserInput *in;
  if (!username)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (UserInput, 1);
  in->username = g_strdup (username);
  reel_request_run_command (req, SOUP_STATUS_ACCEPTED, request_verification_command, in,
                            user_input_free);
}

static JsonNode *
confirm_verification_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  UserInput *in = data;
  reel_users_verify_email (http->bus, http->store, in->token, &reply->seq, error);
  return NULL;
}

/* POST {token}: the link's token; the account may log in from now on. */
static void
post_email_verification_confirm (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) body = reel_request_json (req, &error);
  const char *token = body ? reel_json_get_string (body, "token", TRUE, &error) : NULL;
  UserInput *in;
  if (!token)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (UserInput, 1);
  in->token = g_strdup (token);
  reel_request_run_command (req, SOUP_STATUS_NO_CONTENT, confirm_verification_command, in,
                            user_input_free);
}

static JsonNode *
confirm_reset_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  UserInput *in = data;
  reel_users_reset_password (http->bus, http->store, in->token, in->new_password, &reply->seq,
                             error);
  return NULL;
}

static void
post_password_reset_confirm (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) body = reel_request_json (req, &error);
  const char *token = body ? reel_json_get_string (body, "token", TRUE, &error) : NULL;
  const char *fresh = token ? reel_json_get_string (body, "new_password", TRUE, &error) : NULL;
  UserInput *in;
  if (!fresh || !reel_users_validate_password (fresh, &error))
    {
      reel_respond_error (req->msg, error);
      return;
    }
  in = g_new0 (UserInput, 1);
  in->token = g_strdup (token);
  in->new_password = g_strdup (fresh);
  reel_request_run_password_command (req, SOUP_STATUS_NO_CONTENT, confirm_reset_command, in,
                                     user_input_free);
}

static void
get_sessions (ReelRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *user = reel_request_user (req, &error);
  g_autoptr (JsonArray) items
      = user ? reel_users_sessions (req->http->store, user, reel_request_token (req, NULL), &error)
             : NULL;
  g_autoptr (JsonObject) out = NULL;
  if (!items)
    {
      reel_respond_error (req->msg, error);
      return;
    }
  out = json_object_new ();
  json_object_set_array_member (out, "items", g_steal_pointer (&items));
  reel_respond_object (req->msg, SOUP_STATUS_OK, out);
}

static JsonNode *
revoke_command (ReelHttp *http, gpointer data, ReelReply *reply, GError **error)
{
  UserInput *in = data;
  reel_users_revoke_session (http->bus, http->store, in->username, in->token, &reply->seq, error);
  return NULL;
}

static void
delete_session (ReelRequest *req)
{
  /* The session's id, not a token. */
  end_session (req, revoke_command, reel_request_param (req, "id"));
}

void reel_api_users_register (ReelRouter *router);

void
reel_api_users_register (ReelRouter *router)
{
  reel_router_add (router, "POST", "/api/v1/users", post_users);
  /* Before {username}: the first route that fits wins ("me" is too short
   * to be a username). */
  reel_router_add (router, "GET", "/api/v1/users/me", get_me);
  reel_router_add (router, "GET", "/api/v1/users/{username}", get_user);
  reel_router_add (router, "PUT", "/api/v1/users/me/password", put_my_password);
  reel_router_add (router, "DELETE", "/api/v1/users/me", delete_me);
  reel_router_add (router, "POST", "/api/v1/password-resets", post_password_resets);
  reel_router_add (router, "POST", "/api/v1/password-resets/confirm", post_password_reset_confirm);
  reel_router_add (router, "POST", "/api/v1/email-verifications", post_email_verifications);
  reel_router_add (router, "POST", "/api/v1/email-verifications/confirm",
                   post_email_verification_confirm);
  reel_router_add (router, "POST", "/api/v1/sessions", post_sessions);
  reel_router_add (router, "GET", "/api/v1/sessions/current", get_current_session);
  reel_router_add (router, "DELETE", "/api/v1/sessions/current", delete_current_session);
  reel_router_add (router, "GET", "/api/v1/sessions", get_sessions);
  reel_router_add (router, "DELETE", "/api/v1/sessions/{id}", delete_session);
}
