/* See liked.h. */
#include "app/query/liked.h"
#include "app/social/ratings.h"
#include "app/video/videos.h"
#include "core/error.h"

static JsonObject *
render_liked (ReelTxn *txn, const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
              gpointer data, GError **error)
{
  ReelViewer viewer = { data, REEL_USER_ROLE_USER };
  g_autofree char *id = NULL;
  if (key_len < REEL_RATINGS_LIKED_SUFFIX_LEN)
    return NULL;
  id = g_strndup ((const char *)key + key_len - REEL_ID_LEN, REEL_ID_LEN);
  /* Liked while it could be watched; shown while it still can. */
  return reel_videos_watchable_item (txn, id, &viewer, error);
}

JsonObject *
reel_liked_videos (ReelStore *store, const char *user, const ReelPage *page, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autoptr (GBytes) prefix = reel_page_name_prefix (user);
  if (page->after && g_bytes_get_size (page->after) != REEL_RATINGS_LIKED_SUFFIX_LEN)
    {
      reel_page_bad_cursor (error);
      return NULL;
    }
  if (!(txn = reel_store_begin (store, FALSE, error)))
    return NULL;
  return reel_page_scan (txn, REEL_DB_LIKED, g_bytes_get_data (prefix, NULL),
                         g_bytes_get_size (prefix), page, TRUE, render_liked, (gpointer)user,
                         error);
}
