/* See users.h.
 *
 * Tables:
 *   USERS    username -> {"username","display_name","email","password_hash","created_at",
 *                        "role"? (app/roles.h; absent: user),
 *                        "banned"? {"reason","by","at"} (app/moderation/moderation.h)}
 *   SESSIONS hex(blake2b(token)) -> {"username","expires_at"(unix s),"created_at"}
 *   PASSWORD_RESETS hex(blake2b(token)) -> {"username","expires_at","created_at","used_at"?}
 *   EMAIL_VERIFICATIONS hex(blake2b(token)) -> the same, for auth.verify_email
 * A USERS record has "email_unverified": true while its email awaits
 * verification (auth.verify_email at registration).
 * Records are JSON so a later event version can add fields without a
 * migration; the projection is rebuilt from the log anyway. */
#include "app/users/users.h"
#include "app/users/users-private.h"
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

gboolean
users_ensure_sodium (GError **error)
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
  if (!users_ensure_sodium (error))
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

void
users_keyring_forget (const char *username)
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

int
users_put_new_password (ReelBus *bus, const char *username, JsonObject *data, const char *password,
                        GError **error)
{
  char hash[crypto_pwhash_STRBYTES];
  int version;
  if (!hash_password (password, hash, error))
    return 0;
  json_object_set_string_member (data, "username", username);
  version = put_password_hash (bus, username, data, hash, error);
  sodium_memzero (hash, sizeof hash);
  return version;
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

JsonObject *
users_load_record (ReelTxn *txn, ReelDb db, const char *key, GError **error)
{
  return reel_txn_get_json (txn, db, key, strlen (key), error);
}

JsonObject *
reel_users_load (ReelTxn *txn, const char *username, GError **error)
{
  return users_load_record (txn, REEL_DB_USERS, username, error);
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
  JsonObject *user = users_load_record (txn, REEL_DB_USERS, username, &local);
  if (!user)
    {
      if (local)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no user \"%s\"", username);
    }
  return user;
}

JsonObject *
users_load_user (ReelStore *store, const char *username, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  return txn ? reel_users_require (txn, username, error) : NULL;
}

gboolean
reel_users_change_password (ReelBus *bus, ReelStore *store, const char *username,
                            const char *old_password, const char *new_password,
                            const char *keep_token, guint64 *seq, GError **error)
{
  g_autoptr (JsonObject) user = NULL;
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL, *keep = NULL;
  const char *stored;
  int version;

  if (!reel_users_validate_password (new_password, error) || !users_ensure_sodium (error)
      || !(user = users_load_user (store, username, error)))
    return FALSE;
  stored = json_object_get_string_member_with_default (user, "password_hash", "");
  if (crypto_pwhash_str_verify (stored, old_password, strlen (old_password)) != 0)
    {
      /* 403, not 401: the session is fine (a client that forgets its token
       * on 401 must not log the user out over a typo). */
      g_set_error (error, REEL_ERROR, REEL_ERROR_FORBIDDEN, "the current password is wrong");
      return FALSE;
    }
  if (!(version = users_put_new_password (bus, username, data, new_password, error)))
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

  if (!users_ensure_sodium (error) || !(user = users_load_user (store, username, error)))
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
  users_keyring_forget (username);
  if (!reel_userkeys_purge (bus, username, &purge_error))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&purge_error),
                                  "account deleted but its key is not yet shredded: ");
      return FALSE;
    }
  return TRUE;
}
