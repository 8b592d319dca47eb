/* Sessions (see users.h): logging in and out, the sessions of an
 * account, and their expiry. */
#include "app/users/users.h"
#include "app/users/users-private.h"
#include "core/secret.h"
#include "core/error.h"
#include "core/json.h"

gboolean
reel_users_login (ReelBus *bus, ReelStore *store, const char *username, const char *password,
                  gint64 ttl_s, char **token, gint64 *expires_at, guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) user = NULL;
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL, *hash_hex = NULL, *tok = NULL;
  const char *stored;
  gint64 expiry;

  if (!users_ensure_sodium (error))
    return FALSE;
  /* One message for every failure, so the API does not reveal which names
   * exist; a storage failure is still reported as what it is. */
  if (reel_users_validate_username (username, NULL))
    {
      g_autoptr (GError) local = NULL;
      user = users_load_user (store, username, &local);
      if (!user && !g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  stored = user ? json_object_get_string_member_with_default (user, "password_hash", "") : "";
  if (!user || crypto_pwhash_str_verify (stored, password, strlen (password)) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAUTHORIZED, "wrong username or password");
      return FALSE;
    }
  /* Said only to whoever knows the password: the owner learns why. */
  if (json_object_has_member (user, "banned"))
    {
      JsonObject *ban = json_object_get_object_member (user, "banned");
      g_set_error (error, REEL_ERROR, REEL_ERROR_FORBIDDEN,
                   "this account is banned by the moderators: %s",
                   ban ? json_object_get_string_member_with_default (ban, "reason", "") : "");
      return FALSE;
    }
  if (json_object_get_boolean_member_with_default (user, "email_unverified", FALSE))
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_FORBIDDEN,
                           "verify your email address first: open the link we mailed to it, "
                           "or ask for a new one");
      return FALSE;
    }
  tok = reel_secret_new (&hash_hex, error);
  if (!tok)
    return FALSE;
  expiry = g_get_real_time () / G_USEC_PER_SEC + ttl_s;

  json_object_set_string_member (data, "username", username);
  json_object_set_string_member (data, "token_hash", hash_hex);
  json_object_set_int_member (data, "expires_at", expiry);
  subject = reel_event_subject ("session", username);
  if (!reel_events_publish (bus, subject, "session.created", 1, username, data, FALSE, seq, error))
    return FALSE;
  *token = g_steal_pointer (&tok);
  *expires_at = expiry;
  return TRUE;
}

/* The session record behind a token, valid or not. */
static JsonObject *
load_session (ReelStore *store, const char *token, char **hash_hex_out, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autofree char *hash_hex = NULL;
  g_autoptr (GError) local = NULL;
  JsonObject *session;

  if (!users_ensure_sodium (error))
    return NULL;
  hash_hex = reel_secret_hash (token);
  txn = reel_store_begin (store, FALSE, error);
  if (!txn)
    return NULL;
  session = users_load_record (txn, REEL_DB_SESSIONS, hash_hex, &local);
  if (!session)
    {
      if (local)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, REEL_ERROR, REEL_ERROR_UNAUTHORIZED, "invalid or expired token");
      return NULL;
    }
  if (hash_hex_out)
    *hash_hex_out = g_steal_pointer (&hash_hex);
  return session;
}

char *
reel_users_authenticate (ReelStore *store, const char *token, gint64 *expires_at, GError **error)
{
  g_autoptr (JsonObject) session = load_session (store, token, NULL, error);
  if (!session)
    return NULL;
  gint64 expiry = json_object_get_int_member_with_default (session, "expires_at", 0);
  if (expiry <= g_get_real_time () / G_USEC_PER_SEC)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAUTHORIZED, "invalid or expired token");
      return NULL;
    }
  if (expires_at)
    *expires_at = expiry;
  return g_strdup (json_object_get_string_member (session, "username"));
}

gboolean
reel_users_logout (ReelBus *bus, ReelStore *store, const char *token, guint64 *seq, GError **error)
{
  g_autofree char *hash_hex = NULL;
  g_autoptr (JsonObject) session = load_session (store, token, &hash_hex, error);
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;
  const char *username;

  if (!session)
    return FALSE;
  username = json_object_get_string_member (session, "username");
  json_object_set_string_member (data, "username", username);
  json_object_set_string_member (data, "token_hash", hash_hex);
  subject = reel_event_subject ("session", username);
  return reel_events_publish (bus, subject, "session.revoked", 1, username, data, FALSE, seq,
                              error);
}

/* How much of a session's hash names it in lists: enough to tell a user's
 * sessions apart, too little to be the key. */
#define SESSION_ID_CHARS 16

typedef struct
{
  const char *username;
  const char *current; /* hash of the current token, or NULL */
  const char *id;      /* revoke: the session sought */
  GPtrArray *found;    /* of JsonObject (list) or of char * hashes (revoke) */
} SessionWalk;

static gboolean
walk_sessions (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
               gpointer data)
{
  SessionWalk *w = data;
  g_autoptr (JsonObject) rec = reel_json_parse_object ((const char *)value, value_len, NULL);
  g_autofree char *hash = g_strndup ((const char *)key, key_len);
  JsonObject *item;
  if (!rec
      || g_strcmp0 (json_object_get_string_member_with_default (rec, "username", NULL), w->username)
             != 0)
    return TRUE;
  if (w->id)
    {
      if (key_len > SESSION_ID_CHARS && g_str_has_prefix (hash, w->id)
          && strlen (w->id) == SESSION_ID_CHARS)
        g_ptr_array_add (w->found, g_steal_pointer (&hash));
      return TRUE;
    }
  item = json_object_new ();
  hash[MIN (key_len, SESSION_ID_CHARS)] = '\0';
  json_object_set_string_member (item, "id", hash);
  json_object_set_string_member (
      item, "created_at", json_object_get_string_member_with_default (rec, "created_at", ""));
  {
    g_autoptr (GDateTime) exp = g_date_time_new_from_unix_utc (
        json_object_get_int_member_with_default (rec, "expires_at", 0));
    g_autofree char *text = g_date_time_format_iso8601 (exp);
    json_object_set_string_member (item, "expires_at", text);
  }
  json_object_set_boolean_member (item, "current",
                                  w->current && key_len == strlen (w->current)
                                      && memcmp (key, w->current, key_len) == 0);
  g_ptr_array_add (w->found, item);
  return TRUE;
}

static gint
newest_first (gconstpointer a, gconstpointer b)
{
  JsonObject *x = *(JsonObject *const *)a, *y = *(JsonObject *const *)b;
  return -g_strcmp0 (json_object_get_string_member (x, "created_at"),
                     json_object_get_string_member (y, "created_at"));
}

JsonArray *
reel_users_sessions (ReelStore *store, const char *username, const char *current_token,
                     GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autofree char *current = current_token ? reel_secret_hash (current_token) : NULL;
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  SessionWalk w = { username, current, NULL, found };
  JsonArray *out;
  if (!txn
      || !reel_txn_scan (txn, REEL_DB_SESSIONS, NULL, 0, NULL, 0, FALSE, walk_sessions, &w, error))
    return NULL;
  g_ptr_array_sort (found, newest_first);
  out = json_array_new ();
  for (guint i = 0; i < found->len; i++)
    json_array_add_object_element (out, json_object_ref (found->pdata[i]));
  return out;
}

gboolean
reel_users_revoke_session (ReelBus *bus, ReelStore *store, const char *username, const char *id,
                           guint64 *seq, GError **error)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;
  SessionWalk w = { username, NULL, id, found };
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
    if (!txn
        || !reel_txn_scan (txn, REEL_DB_SESSIONS, NULL, 0, NULL, 0, FALSE, walk_sessions, &w,
                           error))
      return FALSE;
  }
  if (found->len != 1)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "you have no session %s", id);
      return FALSE;
    }
  json_object_set_string_member (data, "username", username);
  json_object_set_string_member (data, "token_hash", found->pdata[0]);
  subject = reel_event_subject ("session", username);
  return reel_events_publish (bus, subject, "session.revoked", 1, username, data, FALSE, seq,
                              error);
}

/* A session's expiry, 0 when unreadable. */
gint64
users_session_expiry (const guint8 *value, gsize len)
{
  g_autoptr (JsonObject) rec = reel_json_parse_object ((const char *)value, len, NULL);
  return rec ? json_object_get_int_member_with_default (rec, "expires_at", 0) : 0;
}

typedef struct
{
  gint64 before_s;
  guint n;
} Expired;

static gboolean
count_expired (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
               gpointer data)
{
  Expired *e = data;
  e->n += users_session_expiry (value, value_len) <= e->before_s;
  return TRUE;
}

gboolean
reel_users_expire_sessions (ReelBus *bus, ReelStore *store, gint64 now_s, guint *expired,
                            GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;
  Expired e = { now_s, 0 };

  *expired = 0;
  if (!txn
      || !reel_txn_scan (txn, REEL_DB_SESSIONS, NULL, 0, NULL, 0, FALSE, count_expired, &e, error))
    return FALSE;
  if (e.n == 0)
    return TRUE;
  json_object_set_int_member (data, "before", now_s);
  subject = reel_event_subject ("sessions", "expired");
  if (!reel_events_publish (bus, subject, "session.expired", 1, NULL, data, FALSE, NULL, error))
    return FALSE;
  *expired = e.n;
  return TRUE;
}
