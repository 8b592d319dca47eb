/* See subscriptions.h. */
#include "app/social/subscriptions.h"
#include "app/users/users.h"
#include "core/error.h"
#include "core/json.h"
#include "store/counters.h"

static GBytes *
pair_key (const char *a, const char *b)
{
  GByteArray *k = g_byte_array_new ();
  g_byte_array_append (k, (const guint8 *)a, (guint)strlen (a) + 1);
  g_byte_array_append (k, (const guint8 *)b, (guint)strlen (b));
  return g_byte_array_free_to_bytes (k);
}

static char *
counter_name (const char *channel)
{
  return g_strconcat ("subscribers:", channel, NULL);
}

guint64
reel_subscriptions_count (ReelTxn *txn, const char *channel)
{
  g_autofree char *name = counter_name (channel);
  return reel_counter_get (txn, name);
}

char *
reel_subscriptions_since (ReelTxn *txn, const char *subscriber, const char *channel)
{
  g_autoptr (GBytes) key = pair_key (subscriber, channel);
  g_autoptr (JsonObject) rec = reel_txn_get_json (
      txn, REEL_DB_SUBSCRIPTIONS, g_bytes_get_data (key, NULL), g_bytes_get_size (key), NULL);
  if (!rec)
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (rec, "at", ""));
}

/* Checks a command against the projection; *since is the current state. */
static gboolean
check (ReelStore *store, const char *subscriber, const char *channel, char **since, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (JsonObject) user = NULL;

  if (!reel_users_validate_username (channel, NULL))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no channel \"%s\"", channel);
      return FALSE;
    }
  if (g_str_equal (subscriber, channel))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNPROCESSABLE,
                   "you cannot subscribe to your own channel");
      return FALSE;
    }
  if (!(txn = reel_store_begin (store, FALSE, error)))
    return FALSE;
  if (!(user = reel_users_load (txn, channel, error)))
    {
      if (error && !*error)
        g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no channel \"%s\"", channel);
      return FALSE;
    }
  *since = reel_subscriptions_since (txn, subscriber, channel);
  return TRUE;
}

static gboolean
publish (ReelBus *bus, const char *type, const char *subscriber, const char *channel, guint64 *seq,
         GError **error)
{
  g_autoptr (JsonObject) data = json_object_new ();
  g_autofree char *subject = reel_event_subject ("subscription", subscriber);
  json_object_set_string_member (data, "subscriber", subscriber);
  json_object_set_string_member (data, "channel", channel);
  return reel_events_publish (bus, subject, type, 1, subscriber, data, FALSE, seq, error);
}

gboolean
reel_subscriptions_subscribe (ReelBus *bus, ReelStore *store, const char *subscriber,
                              const char *channel, gboolean *created, guint64 *seq, GError **error)
{
  g_autofree char *since = NULL;
  if (!check (store, subscriber, channel, &since, error))
    return FALSE;
  *created = since == NULL;
  return since || publish (bus, "subscription.created", subscriber, channel, seq, error);
}

gboolean
reel_subscriptions_unsubscribe (ReelBus *bus, ReelStore *store, const char *subscriber,
                                const char *channel, guint64 *seq, GError **error)
{
  g_autofree char *since = NULL;
  g_autoptr (GError) local = NULL;
  /* Leaving a channel that has since disappeared is still leaving it. */
  if (!check (store, subscriber, channel, &since, &local)
      && !g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return !since || publish (bus, "subscription.deleted", subscriber, channel, seq, error);
}

/* --- queries --- */

typedef struct
{
  gsize prefix_len;
  ReelNameFunc func;
  gpointer user_data;
} Each;

static gboolean
each_name (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  Each *e = data;
  g_autofree char *name = g_strndup ((const char *)key + e->prefix_len, key_len - e->prefix_len);
  return e->func (name, e->user_data);
}

static gboolean foreach (ReelTxn *txn, ReelDb db, const char *name, ReelNameFunc func,
                         gpointer user_data, GError * *error)
{
  g_autoptr (GBytes) prefix = reel_page_name_prefix (name);
  Each e = { g_bytes_get_size (prefix), func, user_data };
  return reel_txn_scan (txn, db, g_bytes_get_data (prefix, NULL), g_bytes_get_size (prefix), NULL,
                        0, FALSE, each_name, &e, error);
}

gboolean
reel_subscriptions_foreach_subscriber (ReelTxn *txn, const char *channel, ReelNameFunc func,
                                       gpointer user_data, GError **error)
{
  return foreach (txn, REEL_DB_SUBSCRIBERS, channel, func, user_data, error);
}

gboolean
reel_subscriptions_foreach_channel (ReelTxn *txn, const char *subscriber, ReelNameFunc func,
                                    gpointer user_data, GError **error)
{
  return foreach (txn, REEL_DB_SUBSCRIPTIONS, subscriber, func, user_data, error);
}

/* --- projection --- */

static gboolean
collect_name (const char *name, gpointer data)
{
  g_ptr_array_add (data, g_strdup (name));
  return TRUE;
}

/* Removes one subscription's two rows and its count. */
static gboolean
drop_pair (ReelTxn *txn, const char *subscriber, const char *channel, GError **error)
{
  g_autoptr (GBytes) mine = pair_key (subscriber, channel);
  g_autoptr (GBytes) theirs = pair_key (channel, subscriber);
  g_autofree char *counter = counter_name (channel);
  return reel_txn_del (txn, REEL_DB_SUBSCRIPTIONS, g_bytes_get_data (mine, NULL),
                       g_bytes_get_size (mine), error)
         && reel_txn_del (txn, REEL_DB_SUBSCRIBERS, g_bytes_get_data (theirs, NULL),
                          g_bytes_get_size (theirs), error)
         && reel_counter_add (txn, counter, -1, error);
}

/* A deleted account leaves no subscription either way: names are collected
 * first since rows cannot go while a scan walks them. */
static gboolean
apply_user_deleted (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  const char *user = reel_json_get_string (ev->data, "username", TRUE, error);
  g_autoptr (GPtrArray) channels = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) subscribers = g_ptr_array_new_with_free_func (g_free);
  if (!user || !reel_subscriptions_foreach_channel (txn, user, collect_name, channels, error)
      || !reel_subscriptions_foreach_subscriber (txn, user, collect_name, subscribers, error))
    return FALSE;
  for (guint i = 0; i < channels->len; i++)
    if (!drop_pair (txn, user, channels->pdata[i], error))
      return FALSE;
  for (guint i = 0; i < subscribers->len; i++)
    if (!drop_pair (txn, subscribers->pdata[i], user, error))
      return FALSE;
  return reel_txn_del (txn, REEL_DB_SUBSCRIPTION_USERS, user, strlen (user), error);
}

gboolean
reel_subscriptions_apply (ReelTxn *txn, const ReelEvent *ev, GError **error)
{
  gboolean subscribe = g_str_equal (ev->type, "subscription.created");
  const char *subscriber, *channel;
  g_autoptr (GBytes) mine = NULL, theirs = NULL;
  g_autofree char *counter = NULL, *since = NULL;
  gboolean present;

  /* Which accounts exist, mirrored (SUBSCRIPTION_USERS) so this projection
   * reads no other's tables; as the users projection, a registration of a
   * name taken changes nothing. */
  if (g_str_equal (ev->type, "user.registered"))
    {
      const char *user = reel_json_get_string (ev->data, "username", TRUE, error);
      return user
             && reel_txn_put (txn, REEL_DB_SUBSCRIPTION_USERS, user, strlen (user), "", 0, error);
    }
  if (g_str_equal (ev->type, "user.deleted"))
    return apply_user_deleted (txn, ev, error);
  if (!subscribe && !g_str_equal (ev->type, "subscription.deleted"))
    return TRUE;
  if (!(subscriber = reel_json_get_string (ev->data, "subscriber", TRUE, error))
      || !(channel = reel_json_get_string (ev->data, "channel", TRUE, error)))
    return FALSE;
  if (!reel_users_validate_username (subscriber, error)
      || !reel_users_validate_username (channel, error))
    return FALSE;
  mine = pair_key (subscriber, channel);
  theirs = pair_key (channel, subscriber);
  counter = counter_name (channel);
  since = reel_subscriptions_since (txn, subscriber, channel);
  present = since != NULL;
  if (subscribe)
    {
      g_autoptr (JsonObject) rec = json_object_new ();
      g_autofree char *text = NULL;
      gboolean a = reel_txn_get (txn, REEL_DB_SUBSCRIPTION_USERS, subscriber, strlen (subscriber),
                                 NULL, NULL, NULL);
      gboolean b = reel_txn_get (txn, REEL_DB_SUBSCRIPTION_USERS, channel, strlen (channel), NULL,
                                 NULL, NULL);
      /* A repeat (two nodes raced), or a command the log cannot honour. */
      if (present || !a || !b || g_str_equal (subscriber, channel))
        return TRUE;
      json_object_set_string_member (rec, "at", ev->at);
      text = reel_json_object_to_string (rec);
      return reel_txn_put (txn, REEL_DB_SUBSCRIPTIONS, g_bytes_get_data (mine, NULL),
                           g_bytes_get_size (mine), text, strlen (text), error)
             && reel_txn_put (txn, REEL_DB_SUBSCRIBERS, g_bytes_get_data (theirs, NULL),
                              g_bytes_get_size (theirs), text, strlen (text), error)
             && reel_counter_add (txn, counter, 1, error);
    }
  if (!present)
    return TRUE;
  return reel_txn_del (txn, REEL_DB_SUBSCRIPTIONS, g_bytes_get_data (mine, NULL),
                       g_bytes_get_size (mine), error)
         && reel_txn_del (txn, REEL_DB_SUBSCRIBERS, g_bytes_get_data (theirs, NULL),
                          g_bytes_get_size (theirs), error)
         && reel_counter_add (txn, counter, -1, error);
}
