/* See blob_cache.h. A copy is written to a temporary file and renamed into
 * place, so a reader sees a whole copy or none, and two jobs fetching the
 * same blob at once each finish with a whole file. */
#include "store/blob_cache.h"
#include "core/error.h"

#include <errno.h>
#include <gio/gunixoutputstream.h>
#include <glib/gstdio.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <utime.h>

/* A copy used this recently may be open in a job's pipeline (a chunk job
 * touches its copy when it starts and runs for minutes at most), so
 * eviction leaves it alone even over the bound. */
#define IN_USE_S (60 * 60)
/* A temporary file this old belongs to a fetch that died. */
#define STALE_TEMP_S (24 * 60 * 60)

typedef struct
{
  char *path;
  guint64 size;
  gint64 mtime_s;
} Entry;

static void
entry_free (gpointer p)
{
  Entry *e = p;
  g_free (e->path);
  g_free (e);
}

static gint
older_first (gconstpointer a, gconstpointer b)
{
  const Entry *x = *(Entry *const *)a, *y = *(Entry *const *)b;
  return (x->mtime_s > y->mtime_s) - (x->mtime_s < y->mtime_s);
}

/* Deletes the least recently used copies until the cache fits its bound,
 * never keep (just fetched) nor a copy that may be in use. */
static void
evict (const char *dir, const char *keep, guint64 max_bytes)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func (entry_free);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint64 total = 0;
  const char *name;

  if (!d)
    return;
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf st;
      if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;
      if (reel_blobs_is_temp (name))
        {
          if (now - st.st_mtime > STALE_TEMP_S)
            g_unlink (path);
          continue;
        }
      Entry *e = g_new0 (Entry, 1);
      e->path = g_steal_pointer (&path);
      e->size = (guint64)st.st_size;
      e->mtime_s = st.st_mtime;
      total += e->size;
      g_ptr_array_add (entries, e);
    }
  g_ptr_array_sort (entries, older_first);
  for (guint i = 0; i < entries->len && total > max_bytes; i++)
    {
      Entry *e = entries->pdata[i];
      if (g_str_equal (e->path, keep) || now - e->mtime_s < IN_USE_S)
        continue;
      if (g_unlink (e->path) == 0)
        total -= e->size;
    }
}

/* Streams key into a temporary file beside path and renames it into place. */
static gboolean
fetch (ReelBlobs *blobs, const char *key, const char *path, guint64 size, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, REEL_BLOBS_TEMP_MARK "XXXXXX", NULL);
  g_autoptr (GOutputStream) out = NULL;
  GStatBuf st;
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot create %s: %s", tmp,
                   g_strerror (errno));
      return FALSE;
    }
  out = g_unix_output_stream_new (fd, TRUE);
  if (!reel_blobs_read (blobs, key, 0, 0, out, NULL, error)
      || !g_output_stream_close (out, NULL, error))
    {
      g_unlink (tmp);
      return FALSE;
    }
  /* A blob replaced during the read would leave a mixed copy under the old
   * ETag's name: the size at least must be the one stat() promised. */
  if (g_stat (tmp, &st) != 0 || (guint64)st.st_size != size)
    {
      g_unlink (tmp);
      g_set_error (error, REEL_ERROR, REEL_ERROR_UNAVAILABLE,
                   "%s changed while it was copied; try again", key);
      return FALSE;
    }
  if (g_rename (tmp, path) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot rename %s: %s", tmp,
                   g_strerror (errno));
      g_unlink (tmp);
      return FALSE;
    }
  return TRUE;
}

char *
reel_blob_cache_file (ReelBlobs *blobs, const char *cache_dir, const char *key, guint64 max_bytes,
                      GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *path = reel_blobs_local_path (blobs, key, &local);
  g_autofree char *id = NULL, *sum = NULL;
  ReelBlobInfo info;
  GStatBuf st;

  if (path)
    return g_steal_pointer (&path);
  if (!g_error_matches (local, REEL_ERROR, REEL_ERROR_UNSUPPORTED))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  if (!reel_blobs_stat (blobs, key, &info, error))
    return NULL;
  id = g_strconcat (key, "\n", info.etag, NULL);
  sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, id, -1);
  path = g_build_filename (cache_dir, sum, NULL);
  if (g_mkdir_with_parents (cache_dir, 0700) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot create %s: %s", cache_dir,
                   g_strerror (errno));
      return NULL;
    }
  if (g_stat (path, &st) == 0 && (guint64)st.st_size == info.size)
    {
      /* Its time of use, which eviction goes by. */
      g_utime (path, NULL);
      return g_steal_pointer (&path);
    }
  if (!fetch (blobs, key, path, info.size, error))
    return NULL;
  evict (cache_dir, path, max_bytes ? max_bytes : REEL_BLOB_CACHE_MAX_BYTES);
  return g_steal_pointer (&path);
}
