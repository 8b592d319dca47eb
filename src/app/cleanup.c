/* See cleanup.h. One read transaction per sweep: the set of referenced
 * keys of each video is computed once (from its record and chunk table)
 * and reused for all of that video's blobs. */
#include "app/cleanup.h"
#include "app/video/videos.h"
#include "core/error.h"
#include "store/blob_keys.h"
#include "core/id.h"
#include "core/json.h"
#include "core/metrics.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#define METRIC_FILES "reel_blobs_reclaimed_total"
#define METRIC_BYTES "reel_blobs_reclaimed_bytes_total"

void
reel_cleanup_declare_metrics (void)
{
  reel_metrics_declare (METRIC_FILES, REEL_METRIC_COUNTER,
                        "Blobs, partial uploads and work files deleted because nothing "
                        "referenced them, by store (blobs, cdn, uploads, work)");
  reel_metrics_declare (METRIC_BYTES, REEL_METRIC_COUNTER,
                        "Bytes reclaimed by deleting unreferenced blobs and partial uploads, by "
                        "store");
}

static void
count (const char *label, ReelCleanupStats *stats, guint64 size)
{
  g_autoptr (GString) labels = g_string_new (NULL);
  reel_metrics_label (labels, "store", label);
  reel_metrics_add (METRIC_FILES, labels->str, 1);
  reel_metrics_add (METRIC_BYTES, labels->str, (double)size);
  stats->files++;
  stats->bytes += size;
}

typedef struct
{
  char *key;
  guint64 size;
  gboolean old; /* past its grace period */
} Blob;

static void
blob_free (gpointer p)
{
  Blob *b = p;
  g_free (b->key);
  g_free (b);
}

typedef struct
{
  gint64 before_s; /* blobs modified before this are past their grace */
  gboolean temp_only;
  GPtrArray *found; /* of Blob: the old ones, and every temporary file */
} Listing;

/* Collects the candidates: blobs past their grace, and temporary files of
 * any age (their writer's lock, not their age, says whether they are
 * leftovers). */
static gboolean
list_candidates (const char *key, guint64 size, gint64 mtime_s, gpointer data)
{
  Listing *l = data;
  gboolean temp = reel_blobs_is_temp (key);
  if (temp || (mtime_s < l->before_s && !l->temp_only))
    {
      Blob *b = g_new0 (Blob, 1);
      b->key = g_strdup (key);
      b->size = size;
      b->old = mtime_s < l->before_s;
      g_ptr_array_add (l->found, b);
    }
  return TRUE;
}

/* Deletes a temporary file whose write was abandoned: at once when its
 * writer is known to be gone, after the grace period when the filesystem
 * cannot tell (no file locks). *deleted says whether it went. */
static gboolean
reap_temp (ReelBlobs *blobs, const Blob *b, gboolean *deleted, GError **error)
{
  ReelBlobsWrite write;
  *deleted = FALSE;
  if (!reel_blobs_reap_temp (blobs, b->key, &write, error))
    return FALSE;
  if (write == REEL_BLOBS_WRITE_UNKNOWN && b->old)
    {
      if (!reel_blobs_delete (blobs, b->key, error))
        return FALSE;
      write = REEL_BLOBS_WRITE_ABANDONED;
    }
  *deleted = write == REEL_BLOBS_WRITE_ABANDONED;
  return TRUE;
}

/* A media file (init or media segment) by its extension: what a worker
 * writes into a rendition's directory. */
static gboolean
segment_shaped (const char *file)
{
  return g_str_has_suffix (file, ".m4s") || g_str_has_suffix (file, ".mp4");
}

typedef struct
{
  ReelTxn *txn;
  GHashTable *videos; /* id -> set of referenced keys, or NULL when the video is gone */
  gint64 now_s;
  guint grace_s; /* a retired rendition set is referenced so long (reel_video_retired_served) */
} Refs;

/* TRUE when the video exists; *keys is its referenced set. */
static gboolean
video_refs (Refs *r, const char *id, GHashTable **keys, GError **error)
{
  GHashTable *set;
  if (g_hash_table_lookup_extended (r->videos, id, NULL, (gpointer *)&set))
    {
      *keys = set;
      return set != NULL;
    }
  g_autoptr (GError) local = NULL;
  g_autoptr (ReelVideo) rec = reel_videos_load (r->txn, id, &local);
  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  set = NULL;
  if (rec)
    {
      set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      if (!reel_videos_blob_keys (r->txn, id, r->now_s, r->grace_s, set, error))
        {
          g_hash_table_unref (set);
          return FALSE;
        }
      /* The poster it shows now, and its small copy. */
      if (rec->poster)
        g_hash_table_add (set, reel_blob_key_video_file (id, rec->poster));
      if (rec->poster_small)
        g_hash_table_add (set, reel_blob_key_video_file (id, rec->poster_small));
    }
  g_hash_table_insert (r->videos, g_strdup (id), set);
  *keys = set;
  return set != NULL;
}

/* Whether an old blob is an orphan (see cleanup.h). */
static gboolean
is_orphan (Refs *r, const char *key, gboolean *orphan, GError **error)
{
  g_autofree char *id = NULL;
  const char *file = NULL;
  ReelBlobKeyKind kind = reel_blob_key_parse (key, &id, &file);
  GHashTable *keys = NULL;
  g_autoptr (GError) local = NULL;

  *orphan = FALSE;
  if (kind == REEL_BLOB_KEY_OTHER || !reel_id_valid (id))
    return TRUE; /* not a layout we know */
  if (!video_refs (r, id, &keys, &local))
    {
      /* A video that is gone leaves orphans; one we could not read does not. */
      if (local)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      *orphan = TRUE;
      return TRUE;
    }
  /* Of a video that exists, only what its records no longer name: an
   * original, a segment or a custom poster replaced since (never the first
   * poster or anything else). */
  if (kind == REEL_BLOB_KEY_ORIGINAL)
    *orphan = !g_hash_table_contains (keys, key);
  else if (kind == REEL_BLOB_KEY_SEGMENT)
    *orphan = segment_shaped (file) && !g_hash_table_contains (keys, key);
  else if (kind == REEL_BLOB_KEY_VIDEO_FILE)
    *orphan = reel_poster_file_replaceable (file) && !g_hash_table_contains (keys, key);
  return TRUE;
}

static void
set_free (gpointer set)
{
  if (set)
    g_hash_table_unref (set);
}

gboolean
reel_cleanup_blobs (ReelStore *store, ReelBlobs *blobs, const char *label, gint64 now_s,
                    guint grace_s, ReelCleanupStats *stats, GError **error)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (blob_free);
  g_autoptr (GHashTable) videos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, set_free);
  g_autoptr (ReelTxn) txn = NULL;
  Listing l = { now_s - (gint64)grace_s, FALSE, found };
  Refs r = { NULL, videos, now_s, grace_s };

  /* List first, then look the candidates up in one snapshot: a blob
   * written after the listing is young and never a candidate. */
  if (!reel_blobs_list (blobs, "", list_candidates, &l, error)
      || !(txn = reel_store_begin (store, FALSE, error)))
    return FALSE;
  r.txn = txn;
  for (guint i = 0; i < found->len; i++)
    {
      Blob *b = found->pdata[i];
      gboolean orphan;
      if (reel_blobs_is_temp (b->key))
        {
          if (!reap_temp (blobs, b, &orphan, error))
            return FALSE;
          if (orphan)
            count (label, stats, b->size);
          continue;
        }
      if (!is_orphan (&r, b->key, &orphan, error))
        return FALSE;
      if (!orphan)
        continue;
      if (!reel_blobs_delete (blobs, b->key, error))
        return FALSE;
      g_debug ("cleanup: deleted %s blob %s (%" G_GUINT64_FORMAT " bytes)", label, b->key, b->size);
      count (label, stats, b->size);
    }
  return TRUE;
}

gboolean
reel_cleanup_abandoned_writes (ReelBlobs *blobs, const char *label, ReelCleanupStats *stats,
                               GError **error)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (blob_free);
  Listing l = { G_MININT64, TRUE, found };
  if (!reel_blobs_list (blobs, "", list_candidates, &l, error))
    return FALSE;
  for (guint i = 0; i < found->len; i++)
    {
      Blob *b = found->pdata[i];
      gboolean deleted;
      if (!reap_temp (blobs, b, &deleted, error))
        return FALSE;
      if (deleted)
        count (label, stats, b->size);
    }
  return TRUE;
}

typedef struct
{
  ReelBlobs *blobs;
  const char *label;
  ReelCleanupStats *stats;
  GError *error;
} VideoBlobs;

static gboolean
delete_one (const char *key, guint64 size, gint64 mtime_s, gpointer data)
{
  VideoBlobs *v = data;
  if (!reel_blobs_delete (v->blobs, key, &v->error))
    return FALSE;
  count (v->label, v->stats, size);
  return TRUE;
}

gboolean
reel_cleanup_video (ReelBlobs *blobs, const char *label, const char *video_id,
                    ReelCleanupStats *stats, GError **error)
{
  g_autofree char *original = reel_blob_key_original (video_id);
  g_autofree char *segments = reel_blob_key_video_prefix (video_id);
  VideoBlobs v = { blobs, label, stats, NULL };
  g_return_val_if_fail (reel_id_valid (video_id), FALSE);
  if (!reel_blobs_list (blobs, original, delete_one, &v, error) || v.error
      || !reel_blobs_list (blobs, segments, delete_one, &v, error) || v.error)
    {
      if (v.error)
        g_propagate_error (error, v.error);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  ReelBus *bus;
  ReelStore *store;
  ReelUploads *uploads;
  gint64 before_s;
  gint64 grace_us;
  ReelCleanupStats *stats;
  GError *error;
} Staging;

static void
sweep_upload (const char *id, guint64 size, gint64 mtime_s, gpointer data)
{
  Staging *s = data;
  g_autoptr (ReelVideo) video = NULL;
  g_autoptr (GError) local = NULL;
  guint64 token;
  /* A writer that made no progress for the whole grace period is gone. */
  if (s->error || mtime_s >= s->before_s || !reel_id_valid (id)
      || !(token = reel_uploads_lock (s->uploads, id, NULL, s->grace_us, 0, NULL)))
    return;
  /* Abort the video first: should that fail (NATS away), the file stays
   * and the next sweep tries again. */
  video = reel_videos_get (s->store, id, &local);
  if (video && video->state == REEL_VIDEO_UPLOADING
      && !reel_videos_abort_upload (s->bus, id, NULL, NULL, &s->error))
    {
      reel_uploads_unlock (s->uploads, id, token);
      return;
    }
  if (local && !g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
    {
      g_propagate_error (&s->error, g_steal_pointer (&local));
      reel_uploads_unlock (s->uploads, id, token);
      return;
    }
  reel_uploads_discard (s->uploads, id);
  reel_uploads_unlock (s->uploads, id, token);
  g_debug ("cleanup: discarded the abandoned upload of video %s (%" G_GUINT64_FORMAT " bytes)", id,
           size);
  count ("uploads", s->stats, size);
}

static void
sweep_temp (const char *name, guint64 size, gint64 mtime_s, gpointer data)
{
  Staging *s = data;
  if (mtime_s >= s->before_s)
    return;
  reel_uploads_discard_temp (s->uploads, name);
  g_debug ("cleanup: deleted the temporary upload file %s (%" G_GUINT64_FORMAT " bytes)", name,
           size);
  count ("uploads", s->stats, size);
}

gboolean
reel_cleanup_uploads (ReelBus *bus, ReelStore *store, ReelUploads *uploads, gint64 now_s,
                      guint grace_s, ReelCleanupStats *stats, GError **error)
{
  Staging s = { bus,   store, uploads, now_s - (gint64)grace_s, (gint64)grace_s * G_USEC_PER_SEC,
                stats, NULL };
  reel_uploads_foreach (uploads, sweep_upload, &s);
  reel_uploads_foreach_temp (uploads, sweep_temp, &s);
  if (s.error)
    {
      g_propagate_error (error, s.error);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  gint64 before_s;
  GPtrArray *ids; /* of upload records created before before_s */
} OldUploads;

static gboolean
collect_old_upload (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len,
                    gpointer data)
{
  OldUploads *o = data;
  g_autoptr (ReelVideo) rec = reel_video_from_bytes (value, value_len, NULL);
  g_autoptr (GDateTime) created = NULL;
  if (!rec || rec->state != REEL_VIDEO_UPLOADING || !rec->created_at
      || !(created = g_date_time_new_from_iso8601 (rec->created_at, NULL)))
    return TRUE;
  if (g_date_time_to_unix (created) < o->before_s)
    g_ptr_array_add (o->ids, g_strndup ((const char *)key, key_len));
  return TRUE;
}

/* One old upload record without a partial file here: stored, aborted, or
 * left alone (someone is writing it, or it is gone). */
static gboolean
sweep_empty_upload (ReelBus *bus, ReelStore *store, ReelUploads *uploads, ReelBlobs *blobs,
                    const char *id, gint64 grace_us, GPtrArray *stored, ReelCleanupStats *stats,
                    GError **error)
{
  g_autoptr (ReelVideo) video = NULL;
  g_autofree char *key = NULL;
  g_autoptr (GError) local = NULL;
  guint64 token;
  gboolean ok = TRUE;

  if (!reel_id_valid (id) || reel_uploads_offset (uploads, id) > 0
      || !(token = reel_uploads_lock (uploads, id, NULL, grace_us, 0, NULL)))
    return TRUE;
  video = reel_videos_get (store, id, &local);
  key = reel_blob_key_original (id);
  if (!video && !g_error_matches (local, REEL_ERROR, REEL_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      ok = FALSE;
    }
  else if (!video || video->state != REEL_VIDEO_UPLOADING)
    ; /* gone or moved on since the scan */
  else if (reel_blobs_size (blobs, key) == (gint64)video->size)
    g_ptr_array_add (stored, g_strdup (id));
  else if ((ok = reel_videos_abort_upload (bus, id, NULL, NULL, error)))
    {
      g_debug ("cleanup: aborted the upload of video %s, which never received a byte", id);
      stats->aborted++;
    }
  reel_uploads_unlock (uploads, id, token);
  return ok;
}

gboolean
reel_cleanup_empty_uploads (ReelBus *bus, ReelStore *store, ReelUploads *uploads, ReelBlobs *blobs,
                            gint64 now_s, guint grace_s, GPtrArray *stored, ReelCleanupStats *stats,
                            GError **error)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  OldUploads o = { now_s - (gint64)grace_s, ids };
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  if (!txn
      || !reel_txn_scan (txn, REEL_DB_VIDEOS, NULL, 0, NULL, 0, FALSE, collect_old_upload, &o,
                         error))
    return FALSE;
  g_clear_pointer (&txn, reel_txn_abort);
  for (guint i = 0; i < ids->len; i++)
    if (!sweep_empty_upload (bus, store, uploads, blobs, ids->pdata[i],
                             (gint64)grace_s * G_USEC_PER_SEC, stored, stats, error))
      return FALSE;
  return TRUE;
}

/* The newest modification time in a tree (not following links). */
static gint64
newest_mtime (const char *path)
{
  GStatBuf st;
  g_autoptr (GDir) d = NULL;
  const char *name;
  gint64 newest;
  if (g_lstat (path, &st) != 0)
    return G_MAXINT64; /* vanished or unreadable: leave it */
  newest = (gint64)st.st_mtime;
  if (S_ISDIR (st.st_mode) && (d = g_dir_open (path, 0, NULL)))
    while ((name = g_dir_read_name (d)))
      {
        g_autofree char *child = g_build_filename (path, name, NULL);
        newest = MAX (newest, newest_mtime (child));
      }
  return newest;
}

static void
remove_tree (const char *path, ReelCleanupStats *stats)
{
  GStatBuf st;
  g_autoptr (GDir) d = NULL;
  const char *name;
  if (g_lstat (path, &st) != 0)
    return;
  if (!S_ISDIR (st.st_mode))
    {
      if (g_unlink (path) == 0)
        count ("work", stats, (guint64)st.st_size);
      return;
    }
  if ((d = g_dir_open (path, 0, NULL)))
    while ((name = g_dir_read_name (d)))
      {
        g_autofree char *child = g_build_filename (path, name, NULL);
        remove_tree (child, stats);
      }
  g_rmdir (path);
}

gboolean
reel_cleanup_work_dir (const char *dir, gint64 now_s, guint grace_s, ReelCleanupStats *stats,
                       GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &local);
  const char *name;
  if (!d)
    {
      /* No work directory yet: nothing to sweep. */
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot list %s: %s", dir,
                   local->message);
      return FALSE;
    }
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (newest_mtime (path) < now_s - (gint64)grace_s)
        {
          g_debug ("cleanup: deleting %s, left by a job that died", path);
          remove_tree (path, stats);
        }
    }
  return TRUE;
}
