/* See users.h.
 *
 * Tables:
 *   USERS    username -> {"username","display_name","email","password_hash","created_at",
 *                        "role"? (app/roles.h; absent: user),
 *                        "banned"? {"reason","by","at"} (app/moderation.h)}
 *   SESSIONS hex(blake2b(token)) -> {"username","expires_at"(unix s),"created_at"}
 *   PASSWORD_RESETS hex(blake2b(token)) -> {"username","expires_at","created_at","used_at"?}
 *   EMAIL_VERIFICATIONS hex(blake2b(token)) -> the same, for auth.verify_email
 * A USERS record has "email_unverified": true while its email awaits
 * verification (auth.verify_email at registration).
 * Records are JSON so a later event version can add fields without a
 * migration; the projection is rebuilt from the log anyway. */
#include "app/users.h"
#include "bus/userkeys.h"
#include "core/secret.h"
#include "core/error.h"
#include "core/json.h"
#include "core/memo.h"
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
  return reel_text_check_username (username, error);
}

gboolean
reel_users_validate_password (const char *password, GError **error)
{
  gsize plen = strlen (password);
  if (plen < PASSWORD_MIN || plen > PASSWORD_MAX || !g_utf8_validate (password, -1, NULL))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "password must be %d to %d bytes of UTF-8", PASSWORD_MIN, PASSWORD_MAX);
      return FALSE;
    }
  return TRUE;
}

gboolean
reel_users_validate_registration (const ReelRegistration *reg, GError **error)
{
  if (!reel_users_validate_username (reg->username, error)
      || !reel_users_validate_password (reg->password, error))
    return FALSE;
  if (reg->display_name
      && !reel_text_check ("display_name", reg->display_name, 1, DISPLAY_NAME_MAX, FALSE, error))
    return FALSE;
  if (reg->verify && !reg->email)
    {
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_INVALID,
                           "this server verifies email addresses: registration needs an email");
      return FALSE;
    }
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

/* The argon2id hash of password into hash. */
static gboolean
hash_password (const char *password, char hash[crypto_pwhash_STRBYTES], GError **error)
{
  if (!ensure_sodium (error))
    return FALSE;
  /* Interactive limits: ~0.1 s and 64 MiB per hash, the libsodium guidance
   * for logins; it runs on a worker thread, never the main loop. */
  if (crypto_pwhash_str (hash, password, strlen (password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_MEMLIMIT_INTERACTIVE)
      != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE, "out of memory hashing password");
      return FALSE;
    }
  return TRUE;
}

/* The key store the projection opens sealed fields with; set once by the
 * daemon (reel_users_set_keyring). Keys are cached: a projection applies many
 * events per user and the cache is dropped for a user on deletion. */
static ReelBus *keyring_bus;
static GMutex keyring_lock;
static GHashTable *keyring_cache; /* username -> guint8[REEL_USER_KEY_BYTES] */

void
reel_users_set_keyring (ReelBus *bus)
{
  g_mutex_lock (&keyring_lock);
  keyring_bus = bus;
  if (!keyring_cache)
    keyring_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_mutex_unlock (&keyring_lock);
}

static void
keyring_forget (const char *username)
{
  g_mutex_lock (&keyring_lock);
  if (keyring_cache)
    g_hash_table_remove (keyring_cache, username);
  g_mutex_unlock (&keyring_lock);
}

static void
keyring_remember (const char *username, const guint8 *key)
{
  g_mutex_lock (&keyring_lock);
  if (keyring_cache)
    g_hash_table_replace (keyring_cache, g_strdup (username), g_memdup2 (key, REEL_USER_KEY_BYTES));
  g_mutex_unlock (&keyring_lock);
}

/* FALSE without error when the user's key is gone (shredded); FALSE with
 * error when the key store cannot answer, so the projector retries instead
 * of projecting a live user as shredded. */
static gboolean
keyring_lookup (const char *username, guint8 key[REEL_USER_KEY_BYTES], GError **error)
{
  gboolean found = FALSE;
  ReelBus *bus;
  g_autoptr (GError) local = NULL;
  g_mutex_lock (&keyring_lock);
  if (keyring_cache)
    {
      const guint8 *cached = g_hash_table_lookup (keyring_cache, username);
      if (cached)
        {
          memcpy (key, cached, REEL_USER_KEY_BYTES);
          found = TRUE;
        }
    }
  bus = keyring_bus;
  g_mutex_unlock (&keyring_lock);
  if (found)
    return TRUE;
  if (!bus)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                   "no user key store to open sealed personal data with");
      return FALSE;
    }
  if (!reel_userkeys_get (bus, username, key, &local))
    {
      if (!g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  keyring_remember (username, key);
  return TRUE;
}

/* base64(nonce || secretbox(json(fields))): the personal fields of an event. */
static char *
seal_fields (JsonObject *fields, const guint8 *key)
{
  g_autofree char *plain = reel_json_object_to_string (fields);
  gsize plain_len = strlen (plain);
  g_autofree guint8 *box
      = g_malloc (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain_len);
  randombytes_buf (box, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy (box + crypto_secretbox_NONCEBYTES, (const guint8 *)plain, plain_len, box,
                         key);
  sodium_memzero (plain, plain_len);
  return g_base64_encode (box, crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain_len);
}

JsonObject *
reel_users_open_personal (JsonObject *data, GError **error)
{
  const char *username = json_object_get_string_member_with_default (data, "username", NULL);
  const char *sealed = json_object_get_string_member_with_default (data, "sealed", NULL);
  guint8 key[REEL_USER_KEY_BYTES];
  g_autofree guint8 *box = NULL;
  g_autofree char *plain = NULL;
  gsize box_len = 0, plain_len;
  JsonObject *fields;
  if (!sealed)
    return json_object_ref (data);
  if (!username)
    return NULL;
  if (!keyring_lookup (username, key, error))
    return NULL;
  box = g_base64_decode (sealed, &box_len);
  if (box_len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return NULL;
  plain_len = box_len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
  plain = g_malloc0 (plain_len + 1);
  if (crypto_secretbox_open_easy ((guint8 *)plain, box + crypto_secretbox_NONCEBYTES,
                                  box_len - crypto_secretbox_NONCEBYTES, box, key)
      != 0)
    {
      sodium_memzero (key, sizeof key);
      return NULL;
    }
  sodium_memzero (key, sizeof key);
  fields = reel_json_parse_object (plain, plain_len, NULL);
  sodium_memzero (plain, plain_len);
  return fields;
}

/* Puts a new password hash into data: sealed with the user's key (event
 * version 2), or in plain text (version 1) for an account registered before
 * keys existed, which has no key to seal with. Returns the version, 0 on
 * error. */
static int
put_password_hash (ReelBus *bus, const char *username, JsonObject *data, const char *hash,
                   GError **error)
{
  guint8 key[REEL_USER_KEY_BYTES];
  g_autoptr (JsonObject) fields = json_object_new ();
  g_autofree char *sealed = NULL;
  g_autoptr (GError) local = NULL;
  if (!reel_userkeys_get (bus, username, key, &local))
    {
      if (!g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return 0;
        }
      json_object_set_string_member (data, "password_hash", hash);
      return 1;
    }
  json_object_set_string_member (fields, "password_hash", hash);
  sealed = seal_fields (fields, key);
  sodium_memzero (key, sizeof key);
  json_object_set_string_member (data, "sealed", sealed);
  return 2;
}

gboolean
reel_users_register (ReelBus *bus, const ReelRegistration *reg, guint64 *seq, GError **error)
{
  char hash[crypto_pwhash_STRBYTES];
  guint8 key[REEL_USER_KEY_BYTES];
  g_autoptr (JsonObject) data = json_object_new ();
  g_autoptr (JsonObject) fields = json_object_new ();
  g_autofree char *sealed = NULL;
  g_autofree char *subject = NULL;

  if (!reel_users_validate_registration (reg, error) || !hash_password (reg->password, hash, error))
    return FALSE;
  /* The key exists before the event that needs it: a projector reading the
   * event always finds it (or finds it shredded). */
  if (!reel_userkeys_create (bus, reg->username, key, error))
    return FALSE;
  json_object_set_string_member (fields, "display_name",
                                 reg->display_name ? reg->display_name : reg->username);
  if (reg->email)
    json_object_set_string_member (fields, "email", reg->email);
  json_object_set_string_member (fields, "password_hash", hash);
  sodium_memzero (hash, sizeof hash);
  sealed = seal_fields (fields, key);
  sodium_memzero (key, sizeof key);
  json_object_set_string_member (data, "username", reg->username);
  json_object_set_string_member (data, "sealed", sealed);
  if (reg->verify)
    json_object_set_boolean_member (data, "verify_email", TRUE);

  subject = reel_event_subject ("user", reg->username);
  if (!reel_events_publish (bus, subject, "user.registered", 2, reg->username, data, TRUE, seq,
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

/* What reel_users_is_banned found in each record (core/memo.h): every
 * list of videos asks it of each item's owner, and the parses of a page's
 * records added up. Values: BANNED or NOT_BANNED. */
#define BANNED_MEMO_MAX 1024
#define BANNED GINT_TO_POINTER (2)
#define NOT_BANNED GINT_TO_POINTER (1)

static ReelMemo banned_memo = REEL_MEMO_INIT (BANNED_MEMO_MAX, NULL, NULL);

gboolean
reel_users_is_banned (ReelTxn *txn, const char *username)
{
  const void *data = NULL;
  gsize len = 0;
  gpointer known;
  g_autoptr (JsonObject) user = NULL;

  if (!username
      || !reel_txn_get (txn, REEL_DB_USERS, username, strlen (username), &data, &len, NULL))
    return FALSE;
  if (!(known = reel_memo_get (&banned_memo, username, data, len)))
    {
      if (!(user = reel_users_load (txn, username, NULL)))
        return FALSE;
      known = json_object_has_member (user, "banned") ? BANNED : NOT_BANNED;
      reel_memo_put (&banned_memo, username, data, len, known);
    }
  return known == BANNED;
}

JsonObject *
reel_users_require (ReelTxn *txn, const char *username, GError **error)
{
  g_autoptr (GError) local = NULL;
  JsonObject *user = load_record (txn, REEL_DB_USERS, username, &local);
  if (!user)
    {
      if (local)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no user \"%s\"", username);
    }
  return user;
}

static JsonObject *
load_user (ReelStore *store, const char *username, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  return txn ? reel_users_require (txn, username, error) : NULL;
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

gboolean
reel_users_change_password (ReelBus *bus, ReelStore *store, const char *username,
                            const char *old_password, const char *new_password,
                            const char *keep_token, guint64 *seq, GError **error)
{
  char hash[crypto_pwhash_STRBYTES];
  g_autoptr (JsonObject) user = NULL;
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL, *keep = NULL;
  const char *stored;
  int version;

  if (!reel_users_validate_password (new_password, error) || !ensure_sodium (error)
      || !(user = load_user (store, username, error)))
    return FALSE;
  stored = json_object_get_string_member_with_default (user, "password_hash", "");
  if (crypto_pwhash_str_verify (stored, old_password, strlen (old_password)) != 0)
    {
      /* 403, not 401: the session is fine (a client that forgets its token
       * on 401 must not log the user out over a typo). */
      g_set_error (error, REEL_ERROR, REEL_ERROR_FORBIDDEN, "the current password is wrong");
      return FALSE;
    }
  if (!hash_password (new_password, hash, error))
    return FALSE;
  json_object_set_string_member (data, "username", username);
  version = put_password_hash (bus, username, data, hash, error);
  sodium_memzero (hash, sizeof hash);
  if (!version)
    return FALSE;
  if (keep_token)
    {
      keep = reel_secret_hash (keep_token);
      json_object_set_string_member (data, "keep_session", keep);
    }
  subject = reel_event_subject ("password", username);
  return reel_events_publish (bus, subject, "user.password_changed", version, username, data, FALSE,
                              seq, error);
}

gboolean
reel_users_delete (ReelBus *bus, ReelStore *store, const char *username, const char *password,
                   guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) user = NULL;
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;
  g_autoptr (GError) purge_error = NULL;
  const char *stored;

  if (!ensure_sodium (error) || !(user = load_user (store, username, error)))
    return FALSE;
  stored = json_object_get_string_member_with_default (user, "password_hash", "");
  if (crypto_pwhash_str_verify (stored, password, strlen (password)) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_FORBIDDEN, "the password is wrong");
      return FALSE;
    }
  json_object_set_string_member (data, "username", username);
  subject = reel_event_subject ("user", username);
  if (!reel_events_publish (bus, subject, "user.deleted", 1, username, data, FALSE, seq, error))
    return FALSE;
  /* Only once the deletion is durable: a key purged before a failed publish
   * would shred a live account. */
  keyring_forget (username);
  if (!reel_userkeys_purge (bus, username, &purge_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&purge_error),
                                  "account deleted but its key is not yet shredded: ");
      return FALSE;
    }
  return TRUE;
}

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

gboolean
reel_users_request_reset (ReelBus *bus, ReelStore *store, const char *username, const char *email,
                          guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autoptr (JsonObject) user = NULL;
  g_autofree char *subject = NULL, *found = NULL;
  g_autoptr (GError) local = NULL;

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
  if (!username || !reel_users_validate_username (username, NULL))
    return TRUE;
  user = load_user (store, username, &local);
  if (!user)
    {
      if (g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!json_object_has_member (user, "email"))
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
    rec = load_record (txn, db, hash_hex, &local);
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
  g_autoptr (JsonObject) user = load_user (store, username, error);
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
  g_autoptr (GError) local = NULL;
  g_autofree char *subject = NULL;
  *seq = 0;
  if (!username || !reel_users_validate_username (username, NULL))
    return TRUE;
  user = load_user (store, username, &local);
  if (!user)
    {
      if (g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!awaits_verification (user))
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
  g_autoptr (JsonObject) user = load_user (store, username, error);
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
  char hash[crypto_pwhash_STRBYTES];
  g_autofree char *hash_hex = NULL, *username = NULL;
  int version;
  g_autoptr (JsonObject) reset = NULL, data = json_object_new ();
  gboolean bad = FALSE;

  if (!reel_users_validate_password (new_password, error) || !ensure_sodium (error))
    return FALSE;
  hash_hex = reel_secret_hash (token);
  if (!(reset = live_token (store, REEL_DB_PASSWORD_RESETS, hash_hex, &bad, error)))
    {
      if (bad)
        set_bad_reset (error);
      return FALSE;
    }
  username = g_strdup (json_object_get_string_member_with_default (reset, "username", ""));
  if (!hash_password (new_password, hash, error))
    return FALSE;
  json_object_set_string_member (data, "username", username);
  version = put_password_hash (bus, username, data, hash, error);
  sodium_memzero (hash, sizeof hash);
  if (!version)
    return FALSE;
  if (spend_token (bus, "reset", hash_hex, "user.password_reset", version, username, data, &bad,
                   seq, error))
    return TRUE;
  if (bad)
    set_bad_reset (error);
  return FALSE;
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
          && session_expiry (value, vlen) <= before
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
  g_autoptr (JsonObject) rec = load_record (txn, db, hash, error);
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
  user = load_record (txn, REEL_DB_USERS, username, error);
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
  user = load_record (txn, REEL_DB_USERS, username, error);
  if (!user)
    return *error == NULL;
  if (json_object_has_member (user, "email_unverified"))
    json_object_remove_member (user, "email_unverified");
  return put_record (txn, REEL_DB_USERS, username, user, error);
}

/* user.history_cleared and user.history_paused (app/analytics/history.h):
 * on the record, which the history reads and the action ingest consults. */
static gboolean
apply_history (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *username = reel_json_get_string (ev->data, "username", TRUE, error);
  g_autoptr (JsonObject) user = NULL;
  if (!username)
    return FALSE;
  user = load_record (txn, REEL_DB_USERS, username, error);
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
  const char *username = reel_json_get_string (ev->data, "username", TRUE, error);
  g_autoptr (JsonObject) user = NULL;
  if (!username)
    return FALSE;
  user = load_record (txn, REEL_DB_USERS, username, error);
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
  keyring_forget (username);
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
