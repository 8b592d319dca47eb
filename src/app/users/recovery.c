/* Password resets and email verification (see users.h): single-use
 * tokens sent by email, kept as hashes. */
#include "app/users/users.h"
#include "app/users/users-private.h"
#include "core/secret.h"
#include "core/error.h"
#include "core/json.h"

typedef struct
{
  const char *email;
  char *username;
} ByEmail;

static gboolean
match_email (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  ByEmail *b = data;
  g_autoptr (JsonObject) rec = reel_json_parse_object ((const char *)value, value_len, NULL);
  const char *email = rec ? json_object_get_string_member_with_default (rec, "email", NULL) : NULL;
  /* Addresses compare without case: people type them both ways. */
  if (email && g_ascii_strcasecmp (email, b->email) == 0)
    {
      b->username = g_strndup ((const char *)key, key_len);
      return FALSE;
    }
  return TRUE;
}

/* The record of username, for a request that must not tell whether the
 * account exists: *user stays NULL for an invalid or unknown name. FALSE
 * only on a failure to read. */
static gboolean
load_if_any (ReelStore *store, const char *username, JsonObject **user, GError **error)
{
  g_autoptr (GError) local = NULL;
  *user = NULL;
  if (!username || !reel_users_validate_username (username, NULL))
    return TRUE;
  *user = users_load_user (store, username, &local);
  if (*user || g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

gboolean
reel_users_request_reset (ReelBus *bus, ReelStore *store, const char *username, const char *email,
                          guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autoptr (JsonObject) user = NULL;
  g_autofree char *subject = NULL, *found = NULL;

  *seq = 0;
  if (email)
    {
      /* A scan: resets are rare, and an email index would be one more
       * table to keep for them alone. */
      g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
      ByEmail b = { email, NULL };
      if (!txn
          || !reel_txn_scan (txn, REEL_DB_USERS, NULL, 0, NULL, 0, FALSE, match_email, &b, error))
        return FALSE;
      username = found = b.username;
    }
  if (!load_if_any (store, username, &user, error))
    return FALSE;
  if (!user || !json_object_has_member (user, "email"))
    return TRUE;
  json_object_set_string_member (data, "username", username);
  subject = reel_event_subject ("password", username);
  return reel_events_publish (bus, subject, "password_reset.requested", 1, NULL, data, FALSE, seq,
                              error);
}

/* Single-use tokens mailed to a user (password resets, email
 * verifications): a new secret, its hash published as type on the
 * kind.<username> subject with its expiry; the token itself goes into the
 * email alone. */
static char *
issue_token (ReelBus *bus, JsonObject *user, const char *username, const char *kind,
             const char *type, gint64 ttl_s, char **email, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *hash_hex = NULL, *subject = NULL, *token = NULL;
  if (!(token = reel_secret_new (&hash_hex, error)))
    return NULL;
  json_object_set_string_member (data, "username", username);
  json_object_set_string_member (data, "token_hash", hash_hex);
  json_object_set_int_member (data, "expires_at", g_get_real_time () / G_USEC_PER_SEC + ttl_s);
  subject = reel_event_subject (kind, username);
  if (!reel_events_publish (bus, subject, type, 1, NULL, data, FALSE, NULL, error))
    return NULL;
  *email = g_strdup (json_object_get_string_member (user, "email"));
  return g_steal_pointer (&token);
}

/* The record of a token a client presented (hash_hex), when it is known,
 * unused and unexpired; else NULL, with error set only when the store
 * failed (*bad set when the token is no good). */
static JsonObject *
live_token (ReelStore *store, ReelDb db, const char *hash_hex, gboolean *bad, GError **error)
{
  g_autoptr (JsonObject) rec = NULL;
  g_autoptr (GError) local = NULL;
  *bad = FALSE;
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
    if (!txn)
      return NULL;
    rec = users_load_record (txn, db, hash_hex, &local);
  }
  if (!rec && local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (!rec || json_object_has_member (rec, "used_at")
      || json_object_get_int_member_with_default (rec, "expires_at", 0)
             <= g_get_real_time () / G_USEC_PER_SEC)
    {
      *bad = TRUE;
      return NULL;
    }
  return g_steal_pointer (&rec);
}

/* Publishes the use of a token on its own subject (kind.<hash>.used), first
 * message only: one use, even when two requests race. A second use is
 * *bad (REEL_ERROR_CONFLICT cleared). */
static gboolean
spend_token (ReelBus *bus, const char *kind, const char *hash_hex, const char *type, int version,
             const char *actor, JsonObject *data, gboolean *bad, guint64 *seq, GError **error)
{
  g_autofree char *key = g_strconcat (hash_hex, ".used", NULL);
  g_autofree char *subject = reel_event_subject (kind, key);
  *bad = FALSE;
  json_object_set_string_member (data, "token_hash", hash_hex);
  if (reel_events_publish (bus, subject, type, version, actor, data, TRUE, seq, error))
    return TRUE;
  if (g_error_matches (*error, REEL_ERROR, REEL_ERROR_CONFLICT))
    {
      g_clear_error (error);
      *bad = TRUE;
    }
  return FALSE;
}

char *
reel_users_issue_reset (ReelBus *bus, ReelStore *store, const char *username, gint64 ttl_s,
                        char **email, GError **error)
{
  g_autoptr (JsonObject) user = users_load_user (store, username, error);
  if (!user)
    return NULL;
  if (!json_object_has_member (user, "email"))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "%s has no email address", username);
      return NULL;
    }
  return issue_token (bus, user, username, "password", "password_reset.issued", ttl_s, email,
                      error);
}

/* Whether the user's record awaits a verified email. */
static gboolean
awaits_verification (JsonObject *user)
{
  return json_object_has_member (user, "email")
         && json_object_get_boolean_member_with_default (user, "email_unverified", FALSE);
}

gboolean
reel_users_request_verification (ReelBus *bus, ReelStore *store, const char *username, guint64 *seq,
                                 GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autoptr (JsonObject) user = NULL;
  g_autofree char *subject = NULL;
  *seq = 0;
  if (!load_if_any (store, username, &user, error))
    return FALSE;
  if (!user || !awaits_verification (user))
    return TRUE;
  json_object_set_string_member (data, "username", username);
  subject = reel_event_subject ("verify", username);
  return reel_events_publish (bus, subject, "email_verification.requested", 1, NULL, data, FALSE,
                              seq, error);
}

char *
reel_users_issue_verification (ReelBus *bus, ReelStore *store, const char *username, gint64 ttl_s,
                               char **email, GError **error)
{
  g_autoptr (JsonObject) user = users_load_user (store, username, error);
  if (!user)
    return NULL;
  if (!awaits_verification (user))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "%s has no email to verify", username);
      return NULL;
    }
  return issue_token (bus, user, username, "verify", "email_verification.issued", ttl_s, email,
                      error);
}

static void
set_bad_verification (GError **error)
{
  g_set_error_literal (error, REEL_ERROR, REEL_ERROR_FORBIDDEN,
                       "this verification link is not valid: it is unknown, used or expired; "
                       "ask for a new one");
}

gboolean
reel_users_verify_email (ReelBus *bus, ReelStore *store, const char *token, guint64 *seq,
                         GError **error)
{
  g_autofree char *hash_hex = reel_secret_hash (token);
  g_autoptr (JsonObject) data = json_object_new ();
  gboolean bad = FALSE;
  g_autoptr (JsonObject) rec
      = live_token (store, REEL_DB_EMAIL_VERIFICATIONS, hash_hex, &bad, error);
  const char *username;
  if (rec)
    {
      username = json_object_get_string_member_with_default (rec, "username", "");
      json_object_set_string_member (data, "username", username);
      if (spend_token (bus, "verify", hash_hex, "user.email_verified", 1, username, data, &bad, seq,
                       error))
        return TRUE;
    }
  if (bad)
    set_bad_verification (error);
  return FALSE;
}

static void
set_bad_reset (GError **error)
{
  g_set_error_literal (error, REEL_ERROR, REEL_ERROR_FORBIDDEN,
                       "this password reset link is not valid: it is unknown, used or expired; "
                       "ask for a new one");
}

gboolean
reel_users_reset_password (ReelBus *bus, ReelStore *store, const char *token,
                           const char *new_password, guint64 *seq, GError **error)
{
  g_autofree char *hash_hex = NULL, *username = NULL;
  int version;
  g_autoptr (JsonObject) reset = NULL, data = json_object_new ();
  gboolean bad = FALSE;

  if (!reel_users_validate_password (new_password, error) || !users_ensure_sodium (error))
    return FALSE;
  hash_hex = reel_secret_hash (token);
  if (!(reset = live_token (store, REEL_DB_PASSWORD_RESETS, hash_hex, &bad, error)))
    {
      if (bad)
        set_bad_reset (error);
      return FALSE;
    }
  username = g_strdup (json_object_get_string_member_with_default (reset, "username", ""));
  if (!(version = users_put_new_password (bus, username, data, new_password, error)))
    return FALSE;
  if (spend_token (bus, "reset", hash_hex, "user.password_reset", version, username, data, &bad,
                   seq, error))
    return TRUE;
  if (bad)
    set_bad_reset (error);
  return FALSE;
}
