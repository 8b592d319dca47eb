/* See feed_tokens.h. */
#include "app/feeds/feed_tokens.h"
#include "core/error.h"
#include "core/json.h"
#include "core/secret.h"

char *
reel_feed_tokens_rotate (ReelBus *bus, const char *username, guint64 *seq, GError **error)
{
  g_autofree char *hash = NULL;
  g_autofree char *token = reel_secret_new (&hash, error);
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = NULL;
  if (!token)
    return NULL;
  json_object_set_string_member (data, "username", username);
  json_object_set_string_member (data, "token_hash", hash);
  subject = reel_event_subject ("feed_token", username);
  if (!reel_events_publish (bus, subject, "feed_token.created", 1, username, data, FALSE, seq,
                            error))
    return NULL;
  return g_steal_pointer (&token);
}

gboolean
reel_feed_tokens_check (ReelStore *store, const char *username, const char *token)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (JsonObject) row = NULL;
  g_autofree char *hash = NULL;
  if (!username || !token || !*token || !(txn = reel_store_begin (store, FALSE, NULL)))
    return FALSE;
  row = reel_txn_get_json (txn, REEL_DB_FEED_TOKENS, username, strlen (username), NULL);
  if (!row)
    return FALSE;
  hash = reel_secret_hash (token);
  return reel_secret_hash_equal (
      hash, json_object_get_string_member_with_default (row, "token_hash", ""));
}

gboolean
reel_feed_tokens_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *username;
  if (g_str_equal (ev->type, "feed_token.created"))
    {
      g_autoptr (JsonObject) row = json_object_new ();
      const char *hash;
      if (!(username = reel_json_get_string (ev->data, "username", TRUE, error))
          || !(hash = reel_json_get_string (ev->data, "token_hash", TRUE, error)))
        return FALSE;
      json_object_set_string_member (row, "token_hash", hash);
      json_object_set_string_member (row, "created_at", ev->at);
      return reel_txn_put_json (txn, REEL_DB_FEED_TOKENS, username, strlen (username), row, error);
    }
  if (g_str_equal (ev->type, "user.deleted"))
    {
      if (!(username = reel_json_get_string (ev->data, "username", TRUE, error)))
        return FALSE;
      return reel_txn_del (txn, REEL_DB_FEED_TOKENS, username, strlen (username), error);
    }
  return TRUE;
}
