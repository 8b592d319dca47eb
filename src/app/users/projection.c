/* The users projection (see users.h, reel_users_apply): accounts,
 * sessions and tokens from the users and sessions streams. */
#include "app/users/users.h"
#include "app/users/users-private.h"
#include "core/json.h"

static gboolean
put_record (ReelTxn *txn, ReelDb db, const char *key, JsonObject *obj, GError **error)
{
  return reel_txn_put_json (txn, db, key, strlen (key), obj, error);
}

static gboolean
apply_registered (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *username = reel_json_get_string (ev->data, "username", TRUE, error);
  g_autoptr (JsonObject) rec = json_object_new ();
  g_autoptr (JsonObject) fields = NULL;
  if (!username)
    return FALSE;
  /* The subject precondition makes a second registration impossible; should
   * one ever reach the log, the first one stands. */
  if (reel_txn_get (txn, REEL_DB_USERS, username, strlen (username), NULL, NULL, NULL))
    return TRUE;
  /* A shredded key leaves the user without personal data: the name shows as
   * the username and no password opens the account. */
  fields = reel_users_open_personal (ev->data, error);
  if (!fields && *error)
    return FALSE;
  if (!fields)
    fields = json_object_new ();
  json_object_set_string_member (rec, "username", username);
  json_object_set_string_member (
      rec, "display_name",
      json_object_get_string_member_with_default (fields, "display_name", username));
  if (json_object_has_member (fields, "email"))
    json_object_set_string_member (rec, "email", json_object_get_string_member (fields, "email"));
  json_object_set_string_member (
      rec, "password_hash",
      json_object_get_string_member_with_default (fields, "password_hash", ""));
  json_object_set_string_member (rec, "created_at", ev->at);
  if (json_object_get_boolean_member_with_default (ev->data, "verify_email", FALSE))
    json_object_set_boolean_member (rec, "email_unverified", TRUE);
  return put_record (txn, REEL_DB_USERS, username, rec, error);
}

/* The record of a hashed secret in db, keyed by its hash: a session
 * (session.created), a password reset (password_reset.issued) or an email
 * verification (email_verification.issued). */
static gboolean
apply_token_issued (ReelTxn *txn, ReelDb db, const ReelEvent *ev, GError **error)
{
  const char *username = reel_json_get_string (ev->data, "username", TRUE, error);
  const char *hash = username ? reel_json_get_string (ev->data, "token_hash", TRUE, error) : NULL;
  g_autoptr (JsonObject) rec = json_object_new ();
  if (!hash)
    return FALSE;
  json_object_set_string_member (rec, "username", username);
  json_object_set_int_member (rec, "expires_at",
                              json_object_get_int_member_with_default (ev->data, "expires_at", 0));
  json_object_set_string_member (rec, "created_at", ev->at);
  return put_record (txn, db, hash, rec, error);
}

static gboolean
apply_session_revoked (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *hash = reel_json_get_string (ev->data, "token_hash", TRUE, error);
  return hash && reel_txn_del (txn, REEL_DB_SESSIONS, hash, strlen (hash), error);
}

static gboolean
apply_sessions_expired (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  gint64 before = json_object_get_int_member_with_default (ev->data, "before", 0);
  g_autoptr (GPtrArray) keys = reel_txn_keys (txn, REEL_DB_SESSIONS, NULL, 0, error);
  if (!keys)
    return FALSE;
  for (guint i = 0; i < keys->len; i++)
    {
      gsize klen;
      const void *key = g_bytes_get_data (keys->pdata[i], &klen);
      const void *value;
      gsize vlen;
      if (reel_txn_get (txn, REEL_DB_SESSIONS, key, klen, &value, &vlen, NULL)
          && users_session_expiry (value, vlen) <= before
          && !reel_txn_del (txn, REEL_DB_SESSIONS, key, klen, error))
        return FALSE;
    }
  return TRUE;
}

/* Deletes every session of username except keep (a token hash, or NULL).
 * A scan of all sessions: it runs for password changes only. */
static gboolean
revoke_sessions (ReelTxn *txn, const char *username, const char *keep, GError **error)
{
  g_autoptr (GPtrArray) keys = reel_txn_keys (txn, REEL_DB_SESSIONS, NULL, 0, error);
  if (!keys)
    return FALSE;
  for (guint i = 0; i < keys->len; i++)
    {
      gsize klen, vlen;
      const char *key = g_bytes_get_data (keys->pdata[i], &klen);
      const void *value;
      g_autoptr (JsonObject) rec = NULL;
      if (keep && klen == strlen (keep) && memcmp (key, keep, klen) == 0)
        continue;
      if (!reel_txn_get (txn, REEL_DB_SESSIONS, key, klen, &value, &vlen, NULL))
        continue;
      rec = reel_json_parse_object (value, vlen, NULL);
      if (rec
          && g_strcmp0 (json_object_get_string_member_with_default (rec, "username", NULL),
                        username)
                 == 0
          && !reel_txn_del (txn, REEL_DB_SESSIONS, key, klen, error))
        return FALSE;
    }
  return TRUE;
}

/* Marks the token hash of db used at ev's time (if it is still there). */
static gboolean
mark_token_used (ReelTxn *txn, ReelDb db, const char *hash, const ReelEvent *ev, GError **error)
{
  g_autoptr (JsonObject) rec = users_load_record (txn, db, hash, error);
  if (!rec)
    return *error == NULL;
  json_object_set_string_member (rec, "used_at", ev->at);
  return put_record (txn, db, hash, rec, error);
}

/* user.password_changed and user.password_reset: the new hash, and the
 * user's other sessions (all of them for a reset) end. */
static gboolean
apply_password (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *username = reel_json_get_string (ev->data, "username", TRUE, error);
  /* Sealed since v2; a shredded key leaves no password at all. */
  g_autoptr (JsonObject) fields = username ? reel_users_open_personal (ev->data, error) : NULL;
  const char *hash
      = username && !*error ? (
            fields ? json_object_get_string_member_with_default (fields, "password_hash", "") : "")
                            : NULL;
  const char *keep = json_object_get_string_member_with_default (ev->data, "keep_session", NULL);
  const char *token = json_object_get_string_member_with_default (ev->data, "token_hash", NULL);
  g_autoptr (JsonObject) user = NULL;
  if (!hash)
    return FALSE;
  if (token && !mark_token_used (txn, REEL_DB_PASSWORD_RESETS, token, ev, error))
    return FALSE;
  user = users_load_record (txn, REEL_DB_USERS, username, error);
  if (!user)
    return *error == NULL;
  json_object_set_string_member (user, "password_hash", hash);
  return put_record (txn, REEL_DB_USERS, username, user, error)
         && revoke_sessions (txn, username, keep, error);
}

/* user.email_verified: the token is used, and the account may log in. */
static gboolean
apply_email_verified (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *username = reel_json_get_string (ev->data, "username", TRUE, error);
  const char *hash = username ? reel_json_get_string (ev->data, "token_hash", TRUE, error) : NULL;
  g_autoptr (JsonObject) user = NULL;
  if (!hash || !mark_token_used (txn, REEL_DB_EMAIL_VERIFICATIONS, hash, ev, error))
    return FALSE;
  user = users_load_record (txn, REEL_DB_USERS, username, error);
  if (!user)
    return *error == NULL;
  if (json_object_has_member (user, "email_unverified"))
    json_object_remove_member (user, "email_unverified");
  return put_record (txn, REEL_DB_USERS, username, user, error);
}

/* The record of the event's "username" (which it must name): NULL with
 * *error unset when there is no such user (deleted since: nothing to do). */
static JsonObject *
event_user (ReelTxn *txn, const ReelEvent *ev, const char **username, GError **error)
{
  *username = reel_json_get_string (ev->data, "username", TRUE, error);
  return *username ? users_load_record (txn, REEL_DB_USERS, *username, error) : NULL;
}

/* user.history_cleared and user.history_paused (app/analytics/history.h):
 * on the record, which the history reads and the action ingest consults. */
static gboolean
apply_history (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *username;
  g_autoptr (JsonObject) user = event_user (txn, ev, &username, error);
  if (!user)
    return *error == NULL;
  if (g_str_equal (ev->type, "user.history_cleared"))
    json_object_set_string_member (user, "history_cleared_at", ev->at);
  else
    json_object_set_boolean_member (
        user, "history_paused",
        json_object_get_boolean_member_with_default (ev->data, "paused", FALSE));
  return put_record (txn, REEL_DB_USERS, username, user, error);
}

/* user.banned: the record says why, and every session ends; user.unbanned
 * takes the mark away (the user logs in again). */
static gboolean
apply_ban (ReelTxn *txn, const ReelEvent *ev, gboolean banned, GError **error)
{
  const char *username;
  g_autoptr (JsonObject) user = event_user (txn, ev, &username, error);
  if (!user)
    return *error == NULL;
  if (banned)
    {
      JsonObject *ban = json_object_new ();
      json_object_set_string_member (
          ban, "reason", json_object_get_string_member_with_default (ev->data, "reason", ""));
      if (ev->actor)
        json_object_set_string_member (ban, "by", ev->actor);
      json_object_set_string_member (ban, "at", ev->at);
      json_object_set_object_member (user, "banned", ban);
    }
  else if (json_object_has_member (user, "banned"))
    json_object_remove_member (user, "banned");
  return put_record (txn, REEL_DB_USERS, username, user, error)
         && (!banned || revoke_sessions (txn, username, NULL, error));
}

static gboolean
apply_deleted (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *username = reel_json_get_string (ev->data, "username", TRUE, error);
  if (!username)
    return FALSE;
  users_keyring_forget (username);
  return revoke_sessions (txn, username, NULL, error)
         && reel_txn_del (txn, REEL_DB_USERS, username, strlen (username), error);
}

gboolean
reel_users_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  if (g_str_equal (ev->type, "user.deleted"))
    return apply_deleted (txn, ev, error);
  if (g_str_equal (ev->type, "user.banned") || g_str_equal (ev->type, "user.unbanned"))
    return apply_ban (txn, ev, g_str_equal (ev->type, "user.banned"), error);
  if (g_str_equal (ev->type, "user.password_changed")
      || g_str_equal (ev->type, "user.password_reset"))
    return apply_password (txn, ev, error);
  if (g_str_equal (ev->type, "password_reset.issued"))
    return apply_token_issued (txn, REEL_DB_PASSWORD_RESETS, ev, error);
  if (g_str_equal (ev->type, "email_verification.issued"))
    return apply_token_issued (txn, REEL_DB_EMAIL_VERIFICATIONS, ev, error);
  if (g_str_equal (ev->type, "user.email_verified"))
    return apply_email_verified (txn, ev, error);
  if (g_str_equal (ev->type, "user.history_cleared")
      || g_str_equal (ev->type, "user.history_paused"))
    return apply_history (txn, ev, error);
  if (g_str_equal (ev->type, "user.registered"))
    return apply_registered (txn, ev, error);
  if (g_str_equal (ev->type, "session.created"))
    return apply_token_issued (txn, REEL_DB_SESSIONS, ev, error);
  if (g_str_equal (ev->type, "session.revoked"))
    return apply_session_revoked (txn, ev, error);
  if (g_str_equal (ev->type, "session.expired"))
    return apply_sessions_expired (txn, ev, error);
  return TRUE;
}
