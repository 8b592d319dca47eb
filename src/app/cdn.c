/* See cdn.h. */
#include "app/cdn.h"
#include "app/social/subscriptions.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "store/blob_keys.h"

/* The largest playback file copied to the CDN in one piece: a segment of
 * media.segment_seconds at the top rung is a few MiB; this leaves room for
 * a 10 s segment at a very high bitrate. */
#define CDN_BLOB_MAX_BYTES (256u << 20)

gboolean
reel_cdn_enabled (const ReelConfig *cfg)
{
  return cfg->cdn_base_url && cfg->cdn_origin_dir;
}

gboolean
reel_cdn_wanted (const ReelConfig *cfg, ReelStore *store, const char *video_id, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (GError) local = NULL;
  g_autoptr (ReelVideo) rec = txn ? reel_videos_load (txn, video_id, &local) : NULL;
  if (local)
    g_propagate_error (error, g_steal_pointer (&local));
  if (!rec)
    return FALSE;
  return reel_subscriptions_count (txn, rec->owner) >= cfg->cdn_min_subs;
}

gboolean
reel_cdn_push (ReelStore *store, ReelBlobs *blobs, ReelBlobs *cdn, const char *video_id,
               guint *segments, guint64 *bytes, GError **error)
{
  g_autoptr (GHashTable) keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autofree char *original = reel_blob_key_original (video_id);
  GHashTableIter it;
  gpointer key;

  *segments = 0;
  *bytes = 0;
  /* The sets it serves or is making: not the one retired (served from
   * here, media/playback.h). */
  if (!txn || !reel_videos_blob_keys (txn, video_id, 0, 0, keys, error))
    return FALSE;
  g_clear_pointer (&txn, reel_txn_abort);
  g_hash_table_remove (keys, original); /* the CDN serves playback, not originals */
  g_hash_table_iter_init (&it, keys);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      /* Through the store's own read, so the copy works from S3 as well
       * as from the filesystem. */
      g_autoptr (GBytes) data = reel_blobs_get (blobs, key, CDN_BLOB_MAX_BYTES, error);
      if (!data || !reel_blobs_put (cdn, key, data, error))
        return FALSE;
      (*segments)++;
      *bytes += g_bytes_get_size (data);
    }
  return TRUE;
}

char *
reel_cdn_segment_base (const ReelConfig *cfg, const char *video_id)
{
  /* The CDN mirrors the blob layout under its base URL. */
  g_autofree char *prefix = reel_blob_key_video_prefix (video_id);
  return g_strdup_printf ("%s/%s", cfg->cdn_base_url, prefix);
}
