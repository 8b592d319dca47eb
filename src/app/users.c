/* See users.h.
 *
 * Tables:
 *   USERS    username -> {"username","display_name","email","password_hash","created_at"}
 *   SESSIONS hex(blake2b(token)) -> {"username","expires_at"(unix s),"created_at"}
 * Records are JSON so a later event version can add fields without a
 * migration; the projection is rebuilt from the log anyway. */
#include "app/users.h"
#include "app/channels.h"
#include "core/secret.h"
#include "core/error.h"
#include "core/json.h"
#include "core/text.h"

#include <sodium.h>

#define PASSWORD_MIN 8
/* argon2 accepts longer, but nobody types more, and hashing is the cost. */
#define PASSWORD_MAX 1024
#define DISPLAY_NAME_MAX 100
#define EMAIL_MAX 254 /* RFC 5321 path limit */

gboolean
reel_users_validate_username (const char *username, GError **error)
{
  gsize len = strlen (username);
  if (len < REEL_USERNAME_MIN || len > REEL_USERNAME_MAX)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "username must be %d to %d characters long", REEL_USERNAME_MIN,
                   REEL_USERNAME_MAX);
      return FALSE;
    }
  for (const char *p = username; *p; p++)
    if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '_' || *p == '-'))
      {
        g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                     "username may contain only a-z, 0-9, _ and -");
        return FALSE;
      }
  return TRUE;
}

gboolean
reel_users_validate_registration (const ReelRegistration *reg, GError **error)
{
  if (!reel_users_validate_username (reg->username, error))
    return FALSE;
  gsize plen = strlen (reg->password);
  if (plen < PASSWORD_MIN || plen > PASSWORD_MAX || !g_utf8_validate (reg->password, -1, NULL))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "password must be %d to %d bytes of UTF-8", PASSWORD_MIN, PASSWORD_MAX);
      return FALSE;
    }
  if (reg->display_name
      && !reel_text_check ("display_name", reg->display_name, 1, DISPLAY_NAME_MAX, FALSE, error))
    return FALSE;
  if (reg->email)
    {
      const char *at = strchr (reg->email, '@');
      if (!reel_text_check ("email", reg->email, 1, EMAIL_MAX, FALSE, error))
        return FALSE;
      if (!at || at == reg->email || !at[1] || strchr (at + 1, '@') || strchr (reg->email, ' '))
        {
          g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID, "email is not an address");
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
ensure_sodium (GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "libsodium failed to initialise");
      return FALSE;
    }
  return TRUE;
}

gboolean
reel_users_register (ReelBus *bus, const ReelRegistration *reg, guint64 *seq, GError **error)
{
  char hash[crypto_pwhash_STRBYTES];
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;

  if (!reel_users_validate_registration (reg, error) || !ensure_sodium (error))
    return FALSE;
  /* Interactive limits: ~0.1 s and 64 MiB per hash, the libsodium guidance
   * for logins; it runs on a worker thread, never the main loop. */
  if (crypto_pwhash_str (hash, reg->password, strlen (reg->password),
                         crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE)
      != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE, "out of memory hashing password");
      return FALSE;
    }
  json_object_set_string_member (data, "username", reg->username);
  json_object_set_string_member (data, "display_name",
                                 reg->display_name ? reg->display_name : reg->username);
  if (reg->email)
    json_object_set_string_member (data, "email", reg->email);
  json_object_set_string_member (data, "password_hash", hash);
  sodium_memzero (hash, sizeof hash);

  subject = reel_event_subject ("user", reg->username);
  if (!reel_events_publish (bus, subject, "user.registered", 1, reg->username, data, TRUE, seq,
                            error))
    {
      if (g_error_matches (*error, REEL_ERROR, REEL_ERROR_CONFLICT))
        {
          g_clear_error (error);
          g_set_error (error, REEL_ERROR, REEL_ERROR_CONFLICT, "username \"%s\" is taken",
                       reg->username);
        }
      return FALSE;
    }
  return TRUE;
}

static JsonObject *
load_record (ReelTxn *txn, ReelDb db, const char *key, GError **error)
{
  return reel_txn_get_json (txn, db, key, strlen (key), error);
}

static gboolean
put_record (ReelTxn *txn, ReelDb db, const char *key, JsonObject *obj, GError **error)
{
  return reel_txn_put_json (txn, db, key, strlen (key), obj, error);
}

JsonObject *
reel_users_load (ReelTxn *txn, const char *username, GError **error)
{
  return load_record (txn, REEL_DB_USERS, username, error);
}

static JsonObject *
load_user (ReelStore *store, const char *username, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (GError) local = NULL;
  JsonObject *user;
  if (!txn)
    return NULL;
  user = load_record (txn, REEL_DB_USERS, username, &local);
  if (!user)
    {
      if (local)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no user \"%s\"", username);
    }
  return user;
}

gboolean
reel_users_login (ReelBus *bus, ReelStore *store, const char *username, const char *password,
                  gint64 ttl_s, char **token, gint64 *expires_at, guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) user = NULL;
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL, *hash_hex = NULL, *tok = NULL;
  const char *stored;
  gint64 expiry;

  if (!ensure_sodium (error))
    return FALSE;
  /* One message for every failure, so the API does not reveal which names
   * exist; a storage failure is still reported as what it is. */
  if (reel_users_validate_username (username, NULL))
    {
      g_autoptr (GError) local = NULL;
      user = load_user (store, username, &local);
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

  if (!ensure_sodium (error))
    return NULL;
  hash_hex = reel_secret_hash (token);
  txn = reel_store_begin (store, FALSE, error);
  if (!txn)
    return NULL;
  session = load_record (txn, REEL_DB_SESSIONS, hash_hex, &local);
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

/* A session's expiry, 0 when unreadable. */
static gint64
session_expiry (const guint8 *value, gsize len)
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
  e->n += session_expiry (value, value_len) <= e->before_s;
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

JsonObject *
reel_users_get_public (ReelStore *store, const char *username, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  return txn ? reel_channels_public (txn, username, error) : NULL;
}

static gboolean
apply_registered (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *username = reel_json_get_string (ev->data, "username", TRUE, error);
  g_autoptr (JsonObject) rec = json_object_new ();
  if (!username)
    return FALSE;
  /* The subject precondition makes a second registration impossible; should
   * one ever reach the log, the first one stands. */
  if (reel_txn_get (txn, REEL_DB_USERS, username, strlen (username), NULL, NULL, NULL))
    return TRUE;
  json_object_set_string_member (rec, "username", username);
  json_object_set_string_member (
      rec, "display_name",
      json_object_get_string_member_with_default (ev->data, "display_name", username));
  if (json_object_has_member (ev->data, "email"))
    json_object_set_string_member (rec, "email", json_object_get_string_member (ev->data, "email"));
  json_object_set_string_member (
      rec, "password_hash",
      json_object_get_string_member_with_default (ev->data, "password_hash", ""));
  json_object_set_string_member (rec, "created_at", ev->at);
  return put_record (txn, REEL_DB_USERS, username, rec, error);
}

static gboolean
apply_session_created (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *hash = reel_json_get_string (ev->data, "token_hash", TRUE, error);
  const char *username = hash ? reel_json_get_string (ev->data, "username", TRUE, error) : NULL;
  g_autoptr (JsonObject) rec = json_object_new ();
  if (!username)
    return FALSE;
  json_object_set_string_member (rec, "username", username);
  json_object_set_int_member (rec, "expires_at",
                              json_object_get_int_member_with_default (ev->data, "expires_at", 0));
  json_object_set_string_member (rec, "created_at", ev->at);
  return put_record (txn, REEL_DB_SESSIONS, hash, rec, error);
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
          && session_expiry (value, vlen) <= before
          && !reel_txn_del (txn, REEL_DB_SESSIONS, key, klen, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
reel_users_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  if (g_str_equal (ev->type, "user.registered"))
    return apply_registered (txn, ev, error);
  if (g_str_equal (ev->type, "session.created"))
    return apply_session_created (txn, ev, error);
  if (g_str_equal (ev->type, "session.revoked"))
    return apply_session_revoked (txn, ev, error);
  if (g_str_equal (ev->type, "session.expired"))
    return apply_sessions_expired (txn, ev, error);
  return TRUE;
}
