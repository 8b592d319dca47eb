/* See uploads.h. */
#include "app/uploads.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

struct ReelUploads
{
  char *dir;
  GMutex lock;
  GHashTable *writing; /* ids being written */
};

ReelUploads *
reel_uploads_open (const char *dir, GError **error)
{
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot create %s: %s", dir,
                   g_strerror (errno));
      return NULL;
    }
  ReelUploads *u = g_new0 (ReelUploads, 1);
  u->dir = g_strdup (dir);
  g_mutex_init (&u->lock);
  u->writing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return u;
}

void
reel_uploads_close (ReelUploads *u)
{
  if (!u)
    return;
  g_hash_table_unref (u->writing);
  g_mutex_clear (&u->lock);
  g_free (u->dir);
  g_free (u);
}

static char *
part_path (ReelUploads *u, const char *id)
{
  g_autofree char *name = g_strconcat (id, ".part", NULL);
  return g_build_filename (u->dir, name, NULL);
}

guint64
reel_uploads_offset (ReelUploads *u, const char *id)
{
  g_autofree char *path = part_path (u, id);
  struct stat st;
  return g_stat (path, &st) == 0 ? (guint64)st.st_size : 0;
}

gboolean
reel_uploads_lock (ReelUploads *u, const char *id, GError **error)
{
  gboolean ok;
  g_mutex_lock (&u->lock);
  ok = g_hash_table_add (u->writing, g_strdup (id));
  g_mutex_unlock (&u->lock);
  if (!ok)
    g_set_error (error, REEL_ERROR, REEL_ERROR_CONFLICT, "another request is writing this upload");
  return ok;
}

void
reel_uploads_unlock (ReelUploads *u, const char *id)
{
  g_mutex_lock (&u->lock);
  g_hash_table_remove (u->writing, id);
  g_mutex_unlock (&u->lock);
}

static gboolean
errno_error (GError **error, const char *what, const char *path)
{
  int e = errno;
  g_set_error (error, REEL_ERROR, e == ENOSPC ? REEL_ERROR_UNAVAILABLE : REEL_ERROR_INTERNAL,
               "%s %s: %s", what, path, g_strerror (e));
  return FALSE;
}

int
reel_uploads_open_append (ReelUploads *u, const char *id, guint64 offset, GError **error)
{
  g_autofree char *path = part_path (u, id);
  guint64 current = reel_uploads_offset (u, id);
  int fd;
  if (offset != current)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_CONFLICT,
                   "Upload-Offset %" G_GUINT64_FORMAT
                   " does not match the upload's offset %" G_GUINT64_FORMAT,
                   offset, current);
      return -1;
    }
  fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    errno_error (error, "open", path);
  return fd;
}

gboolean
reel_uploads_write (int fd, const void *data, gsize len, GError **error)
{
  const guint8 *p = data;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return errno_error (error, "write", "upload");
      p += n;
      len -= (gsize)n;
    }
  return TRUE;
}

gboolean
reel_uploads_complete (ReelUploads *u, ReelBlobs *blobs, const char *id, const char *key,
                       GError **error)
{
  g_autofree char *path = part_path (u, id);
  return reel_blobs_put_file (blobs, key, path, error);
}

gboolean
reel_uploads_put (ReelUploads *u, const char *id, GBytes *data, GError **error)
{
  g_autofree char *path = part_path (u, id);
  gsize len;
  const void *p = g_bytes_get_data (data, &len);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  gboolean ok;
  if (fd < 0)
    return errno_error (error, "open", path);
  ok = reel_uploads_write (fd, p, len, error);
  close (fd);
  return ok;
}

void
reel_uploads_discard (ReelUploads *u, const char *id)
{
  g_autofree char *path = part_path (u, id);
  g_unlink (path);
}

void
reel_uploads_foreach (ReelUploads *u, ReelUploadsFunc func, gpointer user_data)
{
  g_autoptr (GDir) d = g_dir_open (u->dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (u->dir, name, NULL);
      g_autofree char *id = NULL;
      struct stat st;
      if (!g_str_has_suffix (name, ".part") || g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;
      id = g_strndup (name, strlen (name) - strlen (".part"));
      func (id, (guint64)st.st_size, (gint64)st.st_mtime, user_data);
    }
}
