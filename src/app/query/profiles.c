/* See profiles.h. */
#include "app/query/profiles.h"
#include "app/social/channels.h"
#include "app/users/users.h"
#include "core/error.h"
#include "core/json.h"

JsonObject *
reel_profiles_get (ReelStore *store, const char *username, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  return txn ? reel_channels_public (txn, username, error) : NULL;
}

static JsonObject *
render_channel (ReelTxn *txn, const guint8 *key, gsize key_len, const guint8 *value,
                gsize value_len, gpointer data, GError **error)
{
  gsize prefix_len = GPOINTER_TO_SIZE (data);
  g_autofree char *name = g_strndup ((const char *)key + prefix_len, key_len - prefix_len);
  g_autoptr (JsonObject) rec = reel_json_parse_object ((const char *)value, value_len, NULL);
  JsonObject *item = reel_channels_public (txn, name, NULL);
  if (!item)
    return NULL; /* not a user (any more): nothing to show */
  json_object_set_string_member (
      item, "subscribed_at", rec ? json_object_get_string_member_with_default (rec, "at", "") : "");
  return item;
}

static JsonObject *
list (ReelStore *store, ReelDb db, const char *name, const ReelPage *page, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (GBytes) prefix = reel_page_name_prefix (name);
  if (!txn)
    return NULL;
  if (page->after)
    {
      /* The cursor is the last name returned. */
      g_autofree char *last
          = g_strndup (g_bytes_get_data (page->after, NULL), g_bytes_get_size (page->after));
      if (strlen (last) != g_bytes_get_size (page->after)
          || !reel_users_validate_username (last, NULL))
        {
          reel_page_bad_cursor (error);
          return NULL;
        }
    }
  if (db == REEL_DB_SUBSCRIBERS)
    {
      g_autoptr (JsonObject) user = reel_users_load (txn, name, error);
      if (!user)
        {
          if (error && !*error)
            g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no channel \"%s\"", name);
          return NULL;
        }
    }
  return reel_page_scan (txn, db, g_bytes_get_data (prefix, NULL), g_bytes_get_size (prefix), page,
                         FALSE, render_channel, GSIZE_TO_POINTER (g_bytes_get_size (prefix)),
                         error);
}

JsonObject *
reel_profiles_subscriptions (ReelStore *store, const char *subscriber, const ReelPage *page,
                             GError **error)
{
  return list (store, REEL_DB_SUBSCRIPTIONS, subscriber, page, error);
}

JsonObject *
reel_profiles_subscribers (ReelStore *store, const char *channel, const ReelPage *page,
                           GError **error)
{
  if (!reel_users_validate_username (channel, NULL))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no channel \"%s\"", channel);
      return NULL;
    }
  return list (store, REEL_DB_SUBSCRIBERS, channel, page, error);
}
