/* The playlists and manifests of the videos being watched, built once:
 * building one walks the video's chunk table, and a finished video's never
 * change, while a playable one's change only when a chunk is done. Each
 * entry remembers what its text was built from (the video's state, done
 * chunks and last state change), so any change of those builds it anew;
 * a deleted or hidden video never reaches the cache (the handler answers
 * 404 first). Each text carries a strong ETag (a hash of its bytes) for
 * If-None-Match. Any thread: the HTTP server threads share one cache
 * (http/readers.h), and what a lookup gives is the caller's own copy. */
#pragma once

#include "app/video/record.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct ReelPlaylistCache ReelPlaylistCache;

typedef struct
{
  GBytes *text;
  const char *content_type; /* static */
  char *etag;               /* quoted */
  gboolean final;           /* the video is done: the text will not change */
} ReelPlaylist;

/* Frees what a ReelPlaylist holds (not the struct). */
void reel_playlist_clear (ReelPlaylist *pl);

ReelPlaylistCache *reel_playlist_cache_new (void);
void reel_playlist_cache_free (ReelPlaylistCache *cache);

/* Fills *out (clear it after) with the cached playlist of video named
 * name (with segments under cdn_base, NULL: reel itself) when it was built
 * from the video as it is now; FALSE otherwise. */
gboolean reel_playlist_cache_get (ReelPlaylistCache *cache, const ReelVideo *video,
                                  const char *name, const char *cdn_base, ReelPlaylist *out);

/* Keeps text (taken) as that playlist, and fills *out with it. */
void reel_playlist_cache_put (ReelPlaylistCache *cache, const ReelVideo *video, const char *name,
                              const char *cdn_base, char *text, const char *content_type,
                              gboolean final, ReelPlaylist *out);

G_END_DECLS
