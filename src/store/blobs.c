/* See blobs.h. Filesystem backend. */
#include "store/blobs.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

struct ReelBlobs
{
  char *root;
};

ReelBlobs *
reel_blobs_open (const char *root, GError **error)
{
  if (g_mkdir_with_parents (root, 0700) != 0)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "cannot create %s: %s", root,
                   g_strerror (errno));
      return NULL;
    }
  ReelBlobs *blobs = g_new0 (ReelBlobs, 1);
  blobs->root = g_strdup (root);
  return blobs;
}

void
reel_blobs_close (ReelBlobs *blobs)
{
  if (!blobs)
    return;
  g_free (blobs->root);
  g_free (blobs);
}

gboolean
reel_blobs_key_valid (const char *key)
{
  g_auto (GStrv) parts = NULL;
  if (!key || !*key || strlen (key) > 512)
    return FALSE;
  parts = g_strsplit (key, "/", -1);
  for (guint i = 0; parts[i]; i++)
    {
      const char *p = parts[i];
      if (!*p || g_str_equal (p, ".") || g_str_equal (p, ".."))
        return FALSE;
      for (; *p; p++)
        if (!(g_ascii_isalnum (*p) || *p == '.' || *p == '_' || *p == '-'))
          return FALSE;
    }
  return TRUE;
}

static char *
path_for (ReelBlobs *blobs, const char *key, GError **error)
{
  if (!reel_blobs_key_valid (key))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "invalid blob key");
      return NULL;
    }
  return g_build_filename (blobs->root, key, NULL);
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

gboolean
reel_blobs_put (ReelBlobs *blobs, const char *key, GBytes *data, GError **error)
{
  g_autofree char *path = path_for (blobs, key, error);
  g_autofree char *tmp = NULL;
  gsize len;
  const guint8 *p;
  int fd;

  if (!path || !ensure_parent (path, error))
    return FALSE;
  tmp = g_strconcat (path, ".tmp-XXXXXX", NULL);
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return set_errno_error (error, "create", tmp);
  p = g_bytes_get_data (data, &len);
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          set_errno_error (error, "write", tmp);
          close (fd);
          g_unlink (tmp);
          return FALSE;
        }
      p += n;
      len -= (gsize)n;
    }
  if (fsync (fd) != 0)
    {
      set_errno_error (error, "fsync", tmp);
      close (fd);
      g_unlink (tmp);
      return FALSE;
    }
  close (fd);
  if (g_rename (tmp, path) != 0)
    {
      set_errno_error (error, "rename", tmp);
      g_unlink (tmp);
      return FALSE;
    }
  return sync_parent (path, error);
}

gboolean
reel_blobs_put_file (ReelBlobs *blobs, const char *key, const char *src, GError **error)
{
  g_autofree char *path = path_for (blobs, key, error);
  int fd;

  if (!path || !ensure_parent (path, error))
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

char *
reel_blobs_local_path (ReelBlobs *blobs, const char *key, GError **error)
{
  g_autofree char *path = path_for (blobs, key, error);
  if (!path)
    return NULL;
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_NOT_FOUND, "no blob %s", key);
      return NULL;
    }
  return g_steal_pointer (&path);
}

gboolean
reel_blobs_delete (ReelBlobs *blobs, const char *key, GError **error)
{
  g_autofree char *path = path_for (blobs, key, error);
  if (!path)
    return FALSE;
  if (g_unlink (path) != 0 && errno != ENOENT)
    return set_errno_error (error, "unlink", path);
  return TRUE;
}
