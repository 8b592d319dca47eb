/* See playlist_cache.h. */
#include "http/playlist_cache.h"

#include <string.h>

/* More entries than this and the cache starts afresh: a few thousand
 * videos being watched at once, each with a master, an MPD and a media
 * playlist per rung, fit; a crawler walking every video cannot grow it
 * without bound. */
#define MAX_ENTRIES 8192

struct ReelPlaylistCache
{
  GMutex lock;
  GHashTable *entries; /* key -> Entry */
};

typedef struct
{
  ReelPlaylist playlist;
  char *built_from;
} Entry;

void
reel_playlist_clear (ReelPlaylist *pl)
{
  g_clear_pointer (&pl->text, g_bytes_unref);
  g_clear_pointer (&pl->etag, g_free);
}

static void
entry_free (gpointer p)
{
  Entry *e = p;
  reel_playlist_clear (&e->playlist);
  g_free (e->built_from);
  g_free (e);
}

/* The caller's copy of an entry's playlist. */
static void
copy_out (const ReelPlaylist *pl, ReelPlaylist *out)
{
  out->text = g_bytes_ref (pl->text);
  out->content_type = pl->content_type;
  out->etag = g_strdup (pl->etag);
  out->final = pl->final;
}

ReelPlaylistCache *
reel_playlist_cache_new (void)
{
  ReelPlaylistCache *cache = g_new0 (ReelPlaylistCache, 1);
  g_mutex_init (&cache->lock);
  cache->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
  return cache;
}

void
reel_playlist_cache_free (ReelPlaylistCache *cache)
{
  if (!cache)
    return;
  g_hash_table_unref (cache->entries);
  g_mutex_clear (&cache->lock);
  g_free (cache);
}

static char *
key_of (const ReelVideo *video, const char *name, const char *cdn_base)
{
  return g_strjoin ("\n", video->id, name, cdn_base ? cdn_base : "", NULL);
}

/* What a playlist is built from: the state, the rendition set served and
 * the done prefix of its chunk rows (and how many chunks there are), and
 * when the state last changed. */
static char *
built_from (const ReelVideo *video)
{
  return g_strdup_printf ("%s\n%u\n%u\n%u\n%s", reel_video_state_name (video->state),
                          video->rendition_set, video->chunks_done,
                          video->plan ? video->plan->chunks_total : 0,
                          video->updated_at ? video->updated_at : "");
}

gboolean
reel_playlist_cache_get (ReelPlaylistCache *cache, const ReelVideo *video, const char *name,
                         const char *cdn_base, ReelPlaylist *out)
{
  g_autofree char *key = key_of (video, name, cdn_base);
  g_autofree char *from = built_from (video);
  G_GNUC_UNUSED g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&cache->lock);
  Entry *e = g_hash_table_lookup (cache->entries, key);
  if (!e || !g_str_equal (from, e->built_from))
    return FALSE;
  copy_out (&e->playlist, out);
  return TRUE;
}

void
reel_playlist_cache_put (ReelPlaylistCache *cache, const ReelVideo *video, const char *name,
                         const char *cdn_base, char *text, const char *content_type, gboolean final,
                         ReelPlaylist *out)
{
  Entry *e = g_new0 (Entry, 1);
  gsize len = strlen (text);
  g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)text, len);
  e->playlist.text = g_bytes_new_take (text, len);
  e->playlist.content_type = content_type;
  /* 128 bits of the hash: equal texts, equal tags, on every API node. */
  e->playlist.etag = g_strdup_printf ("\"%.32s\"", sum);
  e->playlist.final = final;
  e->built_from = built_from (video);
  copy_out (&e->playlist, out);
  g_mutex_lock (&cache->lock);
  if (g_hash_table_size (cache->entries) >= MAX_ENTRIES)
    g_hash_table_remove_all (cache->entries);
  g_hash_table_replace (cache->entries, key_of (video, name, cdn_base), e);
  g_mutex_unlock (&cache->lock);
}
