/* The filesystem blob backend (see blobs.h): one file per key under a root
 * directory. Writes go to a temp file beside the target, are fsynced and
 * renamed over it, and the directory is fsynced: a reader sees a whole blob
 * or none, even after a crash. */
#include "store/blobs-backend.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <unistd.h>

typedef struct
{
  ReelBlobs parent;
  char *root;
} FsBlobs;

#define FS(blobs) ((FsBlobs *)(blobs))

/* Copies are made through a buffer of this size: big enough that a read
 * is a few syscalls per segment, small enough to live on any thread. */
#define COPY_BUFFER_BYTES (64 * 1024)

/* What a temporary file's name adds to its blob's: "<key>.tmp-XXXXXX". */
#define TEMP_SUFFIX REEL_BLOBS_TEMP_MARK "XXXXXX"
/* How often a write tries again when a sweep reaped its fresh temporary
 * file before the write could lock it (see create_temp). */
#define TEMP_ATTEMPTS 5

static const ReelBlobsOps fs_ops;

ReelBlobs *
reel_blobs_fs_open (const char *root, GError **error)
{
  if (g_mkdir_with_parents (root, 0700) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot create %s: %s", root,
                   g_strerror (errno));
      return NULL;
    }
  FsBlobs *fs = g_new0 (FsBlobs, 1);
  fs->parent.ops = &fs_ops;
  fs->root = g_strdup (root);
  return &fs->parent;
}

static void
fs_close (ReelBlobs *blobs)
{
  g_free (FS (blobs)->root);
  g_free (blobs);
}

/* The key was checked by blobs.c: it names a path below the root. */
static char *
path_for (ReelBlobs *blobs, const char *key)
{
  return g_build_filename (FS (blobs)->root, key, NULL);
}

static gboolean
set_errno_error (GError **error, const char *what, const char *path)
{
  int e = errno;
  g_set_error (error, REEL_ERROR, e == ENOSPC ? REEL_ERROR_UNAVAILABLE : REEL_ERROR_INTERNAL,
               "%s %s: %s", what, path, g_strerror (e));
  return FALSE;
}

/* fsyncs the directory holding path, so a rename into it survives a crash. */
static gboolean
sync_parent (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    return set_errno_error (error, "open", dir);
  gboolean ok = fsync (fd) == 0 || set_errno_error (error, "fsync", dir);
  close (fd);
  return ok;
}

static gboolean
ensure_parent (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  return g_mkdir_with_parents (dir, 0700) == 0 || set_errno_error (error, "mkdir", dir);
}

/* Creates path's temporary file and locks it for as long as it stays
 * open: the lock is what tells a sweep (reel_blobs_reap_temp) that the
 * write is in progress, and the kernel drops it when the writer finishes
 * or dies. A sweep that locked and reaped the file between its creation and
 * our lock leaves it unlinked, so then a new one is made. */
static int
create_temp (const char *path, char **tmp_out, GError **error)
{
  for (guint attempt = 0; attempt < TEMP_ATTEMPTS; attempt++)
    {
      g_autofree char *tmp = g_strconcat (path, TEMP_SUFFIX, NULL);
      struct stat st;
      int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
      /* A delete may have pruned the directory in between: make it again. */
      if (fd < 0 && errno == ENOENT && ensure_parent (path, error))
        {
          memcpy (tmp + strlen (path), TEMP_SUFFIX, strlen (TEMP_SUFFIX));
          fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
        }
      if (fd < 0)
        {
          set_errno_error (error, "create", tmp);
          return -1;
        }
      /* A filesystem without locks still writes; sweeps then go by age. */
      if (flock (fd, LOCK_EX) != 0 && errno != ENOLCK && errno != EOPNOTSUPP && errno != EINVAL)
        {
          set_errno_error (error, "lock", tmp);
          close (fd);
          g_unlink (tmp);
          return -1;
        }
      if (fstat (fd, &st) == 0 && st.st_nlink > 0)
        {
          *tmp_out = g_steal_pointer (&tmp);
          return fd;
        }
      close (fd);
    }
  g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot keep a temporary file for %s", path);
  return -1;
}

static gboolean
fs_put (ReelBlobs *blobs, const char *key, GBytes *data, GError **error)
{
  g_autofree char *path = path_for (blobs, key);
  g_autofree char *tmp = NULL;
  gsize len;
  const guint8 *p;
  int fd;
  gboolean ok;

  if (!ensure_parent (path, error) || (fd = create_temp (path, &tmp, error)) < 0)
    return FALSE;
  p = g_bytes_get_data (data, &len);
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          set_errno_error (error, "write", tmp);
          g_unlink (tmp);
          close (fd);
          return FALSE;
        }
      p += n;
      len -= (gsize)n;
    }
  if (fsync (fd) != 0)
    {
      set_errno_error (error, "fsync", tmp);
      g_unlink (tmp);
      close (fd);
      return FALSE;
    }
  /* Renamed while still locked: the temporary name never exists unlocked
   * except after a crash. */
  ok = g_rename (tmp, path) == 0 || set_errno_error (error, "rename", tmp);
  if (!ok)
    g_unlink (tmp);
  close (fd);
  return ok && sync_parent (path, error);
}

static gboolean
fs_put_file (ReelBlobs *blobs, const char *key, const char *src, GError **error)
{
  g_autofree char *path = path_for (blobs, key);
  int fd;

  if (!ensure_parent (path, error))
    return FALSE;
  fd = open (src, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return set_errno_error (error, "open", src);
  if (fsync (fd) != 0)
    {
      close (fd);
      return set_errno_error (error, "fsync", src);
    }
  close (fd);
  if (g_rename (src, path) != 0)
    return set_errno_error (error, "rename", src);
  return sync_parent (path, error);
}

static char *
fs_local_path (ReelBlobs *blobs, const char *key, GError **error)
{
  g_autofree char *path = path_for (blobs, key);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no blob %s", key);
      return NULL;
    }
  return g_steal_pointer (&path);
}

/* rmdir only removes an empty directory; stops at the first that is not. */
static void
prune_dirs (ReelBlobs *blobs, const char *path)
{
  const char *root = FS (blobs)->root;
  g_autofree char *dir = g_path_get_dirname (path);
  while (!g_str_equal (dir, root) && g_str_has_prefix (dir, root) && g_rmdir (dir) == 0)
    {
      char *parent = g_path_get_dirname (dir);
      g_free (dir);
      dir = parent;
    }
}

static gboolean
fs_delete (ReelBlobs *blobs, const char *key, GError **error)
{
  g_autofree char *path = path_for (blobs, key);
  if (g_unlink (path) != 0 && errno != ENOENT)
    return set_errno_error (error, "unlink", path);
  prune_dirs (blobs, path);
  return TRUE;
}

static gboolean
fs_reap_temp (ReelBlobs *blobs, const char *key, ReelBlobsWrite *write, GError **error)
{
  g_autofree char *path = path_for (blobs, key);
  struct stat held, named;
  int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      /* Gone: renamed into place, or reaped by another sweep. */
      if (errno == ENOENT)
        *write = REEL_BLOBS_WRITE_IN_PROGRESS;
      return errno == ENOENT || set_errno_error (error, "open", path);
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int e = errno;
      close (fd);
      if (e == EWOULDBLOCK)
        *write = REEL_BLOBS_WRITE_IN_PROGRESS;
      return TRUE; /* held (a live writer), or no locks here: UNKNOWN */
    }
  /* Unlocked: its writer finished or died. Finished means renamed, so the
   * name is gone or (with a new write racing for it) another file. */
  if (fstat (fd, &held) == 0 && g_lstat (path, &named) == 0 && held.st_dev == named.st_dev
      && held.st_ino == named.st_ino)
    {
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          close (fd);
          return set_errno_error (error, "unlink", path);
        }
      *write = REEL_BLOBS_WRITE_ABANDONED;
      prune_dirs (blobs, path);
    }
  else
    *write = REEL_BLOBS_WRITE_IN_PROGRESS;
  close (fd);
  return TRUE;
}

typedef struct
{
  ReelBlobsFunc func;
  gpointer user_data;
  gboolean stopped;
} Listing;

/* Walks dir (whose key is key_dir, "" at the root) depth first. */
static gboolean
list_dir (const char *dir, const char *key_dir, const char *prefix, Listing *l, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &local);
  const char *name;
  if (!d)
    {
      /* A directory that vanished (pruned by a delete) holds nothing. */
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "%s", local->message);
      return FALSE;
    }
  while (!l->stopped && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *key = *key_dir ? g_strconcat (key_dir, "/", name, NULL) : g_strdup (name);
      GStatBuf st;
      /* Only what can still match the prefix. */
      if (!g_str_has_prefix (key, prefix) && !g_str_has_prefix (prefix, key))
        continue;
      if (g_lstat (path, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        {
          if (!list_dir (path, key, prefix, l, error))
            return FALSE;
        }
      else if (S_ISREG (st.st_mode) && g_str_has_prefix (key, prefix))
        l->stopped = !l->func (key, (guint64)st.st_size, (gint64)st.st_mtime, l->user_data);
    }
  return TRUE;
}

static gboolean
fs_list (ReelBlobs *blobs, const char *prefix, ReelBlobsFunc func, gpointer user_data,
         GError **error)
{
  Listing l = { func, user_data, FALSE };
  return list_dir (FS (blobs)->root, "", prefix, &l, error);
}

/* Opens key for reading and stats it; NOT_FOUND when absent. */
static int
open_blob (ReelBlobs *blobs, const char *key, GStatBuf *st, GError **error)
{
  g_autofree char *path = path_for (blobs, key);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no blob %s", key);
      return -1;
    }
  if (fd < 0)
    {
      set_errno_error (error, "open", path);
      return -1;
    }
  if (fstat (fd, st) != 0 || !S_ISREG (st->st_mode))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no blob %s", key);
      close (fd);
      return -1;
    }
  return fd;
}

static gboolean
fs_read (ReelBlobs *blobs, const char *key, guint64 offset, guint64 length, GOutputStream *out,
         GCancellable *cancellable, GError **error)
{
  g_autofree guint8 *buf = NULL;
  GStatBuf st;
  guint64 end;
  int fd = open_blob (blobs, key, &st, error);
  gboolean ok = TRUE;

  if (fd < 0)
    return FALSE;
  /* The same rule as S3's 416: only an empty blob may be read from its end. */
  if (offset > 0 && offset >= (guint64)st.st_size)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INVALID,
                   "offset %" G_GUINT64_FORMAT " is past the end of %s", offset, key);
      close (fd);
      return FALSE;
    }
  end = length == 0 || length > (guint64)st.st_size - offset ? (guint64)st.st_size
                                                             : offset + length;
  buf = g_malloc (COPY_BUFFER_BYTES);
  while (ok && offset < end)
    {
      ssize_t n = pread (fd, buf, MIN ((guint64)COPY_BUFFER_BYTES, end - offset), (off_t)offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          /* Short: the file shrank under us, which a store never does. */
          if (n == 0)
            errno = EIO;
          ok = set_errno_error (error, "read", key);
          break;
        }
      ok = g_output_stream_write_all (out, buf, (gsize)n, NULL, cancellable, error);
      offset += (guint64)n;
    }
  close (fd);
  return ok;
}

static gboolean
fs_stat (ReelBlobs *blobs, const char *key, ReelBlobInfo *info, GError **error)
{
  GStatBuf st;
  int fd = open_blob (blobs, key, &st, error);
  if (fd < 0)
    return FALSE;
  close (fd);
  info->size = (guint64)st.st_size;
  info->mtime_s = (gint64)st.st_mtime;
  /* The validator HTTP playback has always sent for files (respond.c). */
  g_snprintf (info->etag, sizeof info->etag, "\"%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "\"",
              (gint64)st.st_size, (gint64)st.st_mtime);
  return TRUE;
}

/* Local files need no signature: a file:// URI, valid as long as the file. */
static char *
fs_presign (ReelBlobs *blobs, const char *key, guint expires_s, GError **error)
{
  g_autofree char *path = fs_local_path (blobs, key, error);
  g_autoptr (GError) local = NULL;
  char *uri = path ? g_filename_to_uri (path, NULL, &local) : NULL;
  if (path && !uri)
    g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "%s", local->message);
  return uri;
}

static const ReelBlobsOps fs_ops = {
  .name = "fs",
  .close = fs_close,
  .put = fs_put,
  .put_file = fs_put_file,
  .read = fs_read,
  .stat = fs_stat,
  .presign = fs_presign,
  .local_path = fs_local_path,
  .delete = fs_delete,
  .reap_temp = fs_reap_temp,
  .list = fs_list,
};
