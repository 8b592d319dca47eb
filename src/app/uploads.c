/* See uploads.h. */
#include "app/uploads.h"
#include "core/error.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMP_PREFIX "multipart-"
#define TEMP_SUFFIX ".tmp"

/* The writer of one upload. */
typedef struct
{
  char *user;         /* NULL: reel itself (clean-up, termination) */
  guint64 token;      /* changes when another writer takes over */
  gint64 progress_us; /* monotonic time of the last progress */
  gboolean pinned;    /* finishing: never taken over */
} Writer;

struct ReelUploads
{
  char *dir;
  GMutex lock;
  GHashTable *writing; /* id -> Writer */
  guint64 next_token;
};

static void
writer_free (gpointer p)
{
  Writer *w = p;
  g_free (w->user);
  g_free (w);
}

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
  u->writing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, writer_free);
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

static guint
writers_of (ReelUploads *u, const char *user)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;
  g_hash_table_iter_init (&iter, u->writing);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += g_strcmp0 (((Writer *)value)->user, user) == 0;
  return n;
}

guint64
reel_uploads_lock (ReelUploads *u, const char *id, const char *user, gint64 takeover_us,
                   guint max_per_user, GError **error)
{
  gint64 now = g_get_monotonic_time ();
  guint64 token = 0;
  Writer *w;

  g_mutex_lock (&u->lock);
  w = g_hash_table_lookup (u->writing, id);
  if (w && (w->pinned || takeover_us <= 0 || now - w->progress_us < takeover_us))
    g_set_error (error, REEL_ERROR, REEL_ERROR_CONFLICT, "another request is writing this upload");
  else if (!w && user && max_per_user > 0 && writers_of (u, user) >= max_per_user)
    g_set_error (error, REEL_ERROR, REEL_ERROR_RATE_LIMITED,
                 "you have %u uploads in progress already; finish one first "
                 "(uploads.max_concurrent_per_user)",
                 max_per_user);
  else
    {
      /* A stalled writer's upload changes hands; its token stops working. */
      if (!w)
        {
          w = g_new0 (Writer, 1);
          w->user = g_strdup (user);
          g_hash_table_insert (u->writing, g_strdup (id), w);
        }
      w->token = token = ++u->next_token;
      w->progress_us = now;
    }
  g_mutex_unlock (&u->lock);
  return token;
}

/* The writer of id if token is still its token (call with the lock held). */
static Writer *
holder (ReelUploads *u, const char *id, guint64 token)
{
  Writer *w = g_hash_table_lookup (u->writing, id);
  return w && w->token == token ? w : NULL;
}

void
reel_uploads_unlock (ReelUploads *u, const char *id, guint64 token)
{
  g_mutex_lock (&u->lock);
  if (holder (u, id, token))
    g_hash_table_remove (u->writing, id);
  g_mutex_unlock (&u->lock);
}

gboolean
reel_uploads_touch (ReelUploads *u, const char *id, guint64 token)
{
  Writer *w;
  g_mutex_lock (&u->lock);
  if ((w = holder (u, id, token)))
    w->progress_us = g_get_monotonic_time ();
  g_mutex_unlock (&u->lock);
  return w != NULL;
}

void
reel_uploads_pin (ReelUploads *u, const char *id, guint64 token)
{
  Writer *w;
  g_mutex_lock (&u->lock);
  if ((w = holder (u, id, token)))
    w->pinned = TRUE;
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

void
reel_uploads_discard (ReelUploads *u, const char *id)
{
  g_autofree char *path = part_path (u, id);
  g_unlink (path);
}

int
reel_uploads_open_temp (ReelUploads *u, char **name, GError **error)
{
  g_autofree char *path = g_build_filename (u->dir, TEMP_PREFIX "XXXXXX" TEMP_SUFFIX, NULL);
  int fd = g_mkstemp_full (path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      errno_error (error, "create", path);
      return -1;
    }
  *name = g_path_get_basename (path);
  return fd;
}

static gboolean
is_temp_name (const char *name)
{
  return name && g_str_has_prefix (name, TEMP_PREFIX) && g_str_has_suffix (name, TEMP_SUFFIX)
         && !strchr (name, '/');
}

gboolean
reel_uploads_adopt_temp (ReelUploads *u, const char *name, const char *id, GError **error)
{
  g_autofree char *from = g_build_filename (u->dir, name, NULL);
  g_autofree char *to = part_path (u, id);
  g_return_val_if_fail (is_temp_name (name), FALSE);
  if (g_rename (from, to) != 0)
    return errno_error (error, "rename", from);
  return TRUE;
}

void
reel_uploads_discard_temp (ReelUploads *u, const char *name)
{
  g_autofree char *path = NULL;
  g_return_if_fail (is_temp_name (name));
  path = g_build_filename (u->dir, name, NULL);
  g_unlink (path);
}

/* Each regular file whose name ends in suffix, named without it, or for
 * temporary files (temp), whole. */
static void
foreach_file (ReelUploads *u, const char *suffix, gboolean temp, ReelUploadsFunc func,
              gpointer user_data)
{
  g_autoptr (GDir) d = g_dir_open (u->dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (u->dir, name, NULL);
      g_autofree char *id = NULL;
      struct stat st;
      if (!g_str_has_suffix (name, suffix) || (temp && !is_temp_name (name))
          || g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;
      id = temp ? g_strdup (name) : g_strndup (name, strlen (name) - strlen (suffix));
      func (id, (guint64)st.st_size, (gint64)st.st_mtime, user_data);
    }
}

void
reel_uploads_foreach (ReelUploads *u, ReelUploadsFunc func, gpointer user_data)
{
  foreach_file (u, ".part", FALSE, func, user_data);
}

void
reel_uploads_foreach_temp (ReelUploads *u, ReelUploadsFunc func, gpointer user_data)
{
  foreach_file (u, TEMP_SUFFIX, TRUE, func, user_data);
}
