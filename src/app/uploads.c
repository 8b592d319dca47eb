/* See uploads.h. */
#include "app/uploads.h"
#include "core/error.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMP_PREFIX "multipart-"
#define TEMP_SUFFIX ".tmp"
/* Shared staging (reel_uploads_share): the bytes of one PATCH spool into
 * "ID-TOKEN.spool" before they become a piece in the store. */
#define SPOOL_SUFFIX ".spool"
/* A piece's key: "uploads/ID/OFFSET-NONCE", the offset zero-padded so that
 * keys sort as offsets do (20 digits hold any guint64), and a random nonce
 * so that two nodes storing pieces at one offset (a cut request flushed
 * late while its client already resumed elsewhere) never overwrite each
 * other: tus puts the same byte at the same offset, so overlapping pieces
 * agree and the longer one counts. */
#define PIECES_PREFIX "uploads/"
#define PIECE_OFFSET_DIGITS 20
#define PIECE_NONCE_DIGITS 16

/* The writer of one upload. */
typedef struct
{
  char *user;         /* NULL: reel itself (clean-up, termination) */
  guint64 token;      /* changes when another writer takes over */
  gint64 progress_us; /* monotonic time of the last progress */
  gboolean pinned;    /* finishing: never taken over */
  char *spool;        /* shared staging: this writer's spool file, or NULL */
  guint64 spool_at;   /* the upload offset of the spool's first byte */
} Writer;

struct ReelUploads
{
  char *dir;
  GMutex lock;
  GHashTable *writing; /* id -> Writer */
  guint64 next_token;
  ReelBlobs *shared; /* shared staging in this store, or NULL (see uploads.h) */
};

static void
writer_free (gpointer p)
{
  Writer *w = p;
  if (w->spool)
    g_unlink (w->spool);
  g_free (w->spool);
  g_free (w->user);
  g_free (w);
}

/* Spools left by a process that died: bytes of a request that never
 * ended, which its client sends again after asking for the offset. */
static void
remove_spools (ReelUploads *u)
{
  g_autoptr (GDir) d = g_dir_open (u->dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, SPOOL_SUFFIX))
      {
        g_autofree char *path = g_build_filename (u->dir, name, NULL);
        g_unlink (path);
      }
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
  remove_spools (u);
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

/* The writer of id if token is still its token (call with the lock held). */
static Writer *
holder (ReelUploads *u, const char *id, guint64 token)
{
  Writer *w = g_hash_table_lookup (u->writing, id);
  return w && w->token == token ? w : NULL;
}

/* --- shared staging: pieces in the store --- */

typedef struct
{
  guint64 at;
  guint64 size;
  gint64 mtime_s;
  char *key;
} Piece;

static void
piece_free (gpointer p)
{
  Piece *piece = p;
  g_free (piece->key);
  g_free (piece);
}

static char *
pieces_prefix (const char *id)
{
  return g_strconcat (PIECES_PREFIX, id, "/", NULL);
}

static char *
piece_key (const char *id, guint64 at)
{
  return g_strdup_printf (PIECES_PREFIX "%s/%0*" G_GUINT64_FORMAT "-%08x%08x", id,
                          PIECE_OFFSET_DIGITS, at, g_random_int (), g_random_int ());
}

static gboolean
collect_piece (const char *key, guint64 size, gint64 mtime_s, gpointer data)
{
  GPtrArray *pieces = data;
  const char *name = strrchr (key, '/');
  g_autofree char *digits = NULL;
  guint64 at;
  /* Anything else under the prefix (a temporary file of the filesystem
   * backend) is not a piece. */
  if (!name || strlen (name + 1) != PIECE_OFFSET_DIGITS + 1 + PIECE_NONCE_DIGITS
      || name[1 + PIECE_OFFSET_DIGITS] != '-')
    return TRUE;
  digits = g_strndup (name + 1, PIECE_OFFSET_DIGITS);
  if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXUINT64, &at, NULL))
    return TRUE;
  Piece *p = g_new0 (Piece, 1);
  p->at = at;
  p->size = size;
  p->mtime_s = mtime_s;
  p->key = g_strdup (key);
  g_ptr_array_add (pieces, p);
  return TRUE;
}

static gint
compare_pieces (gconstpointer a, gconstpointer b)
{
  const Piece *x = *(Piece *const *)a, *y = *(Piece *const *)b;
  return x->at < y->at ? -1 : x->at > y->at;
}

/* The pieces of upload id in the store, by offset. */
static GPtrArray *
list_pieces (ReelUploads *u, const char *id, GError **error)
{
  g_autoptr (GPtrArray) pieces = g_ptr_array_new_with_free_func (piece_free);
  g_autofree char *prefix = pieces_prefix (id);
  if (!reel_blobs_list (u->shared, prefix, collect_piece, pieces, error))
    return NULL;
  g_ptr_array_sort (pieces, compare_pieces);
  return g_steal_pointer (&pieces);
}

/* Where the bytes the pieces hold without a gap from offset 0 end: the
 * upload's offset. A piece after a gap (never written by reel, which
 * appends at the offset only) does not count. */
static guint64
pieces_end (GPtrArray *pieces)
{
  guint64 end = 0;
  for (guint i = 0; i < pieces->len; i++)
    {
      const Piece *p = pieces->pdata[i];
      if (p->at > end)
        break;
      end = MAX (end, p->at + p->size);
    }
  return end;
}

guint64
reel_uploads_offset (ReelUploads *u, const char *id)
{
  g_autofree char *path = part_path (u, id);
  struct stat st;
  if (g_stat (path, &st) == 0)
    return (guint64)st.st_size;
  if (u->shared)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GPtrArray) pieces = list_pieces (u, id, &error);
      if (pieces)
        return pieces_end (pieces);
      /* The client asks again, or resends from an earlier offset: the
       * pieces are overwritten with the same bytes. */
      g_warning ("upload %s: cannot list its pieces: %s", id, error->message);
    }
  return 0;
}

void
reel_uploads_share (ReelUploads *u, ReelBlobs *blobs)
{
  u->shared = blobs;
}

gboolean
reel_uploads_is_shared (ReelUploads *u)
{
  return u->shared != NULL;
}

/* Stores the spool of writer w (if it has bytes) as the piece at its
 * offset; the spool is gone afterwards. Call without the lock, while w
 * holds the upload (nobody else touches w then). */
static gboolean
flush_spool (ReelUploads *u, const char *id, Writer *w, GError **error)
{
  GStatBuf st;
  g_autofree char *key = NULL;
  if (!w->spool)
    return TRUE;
  if (g_stat (w->spool, &st) != 0 || st.st_size == 0)
    {
      g_unlink (w->spool);
      g_clear_pointer (&w->spool, g_free);
      return TRUE;
    }
  key = piece_key (id, w->spool_at);
  if (!reel_blobs_put_file (u->shared, key, w->spool, error))
    return FALSE;
  g_clear_pointer (&w->spool, g_free);
  return TRUE;
}

gboolean
reel_uploads_flush (ReelUploads *u, const char *id, guint64 token, GError **error)
{
  Writer *w;
  g_mutex_lock (&u->lock);
  w = holder (u, id, token);
  g_mutex_unlock (&u->lock);
  if (!w)
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_CONFLICT,
                   "a newer request took this upload over after it stalled");
      return FALSE;
    }
  return !u->shared || flush_spool (u, id, w, error);
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

void
reel_uploads_unlock (ReelUploads *u, const char *id, guint64 token)
{
  Writer *w;
  g_mutex_lock (&u->lock);
  w = holder (u, id, token);
  g_mutex_unlock (&u->lock);
  /* A PATCH cut off mid-body: what arrived is kept, as on one node, so
   * that the client resumes after it on any node. */
  if (w && u->shared && w->spool)
    {
      g_autoptr (GError) error = NULL;
      if (!flush_spool (u, id, w, &error))
        g_warning ("upload %s: keeping the bytes of a cut request failed: %s", id, error->message);
    }
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

/* A new spool for the writer of id (which the caller holds), its bytes
 * to go to the store at offset. */
static int
open_spool (ReelUploads *u, const char *id, guint64 offset, GError **error)
{
  Writer *w;
  int fd;
  g_mutex_lock (&u->lock);
  w = g_hash_table_lookup (u->writing, id);
  if (w)
    {
      g_autofree char *name = g_strdup_printf ("%s-%" G_GUINT64_FORMAT SPOOL_SUFFIX, id, w->token);
      if (w->spool)
        g_unlink (w->spool);
      g_free (w->spool);
      w->spool = g_build_filename (u->dir, name, NULL);
      w->spool_at = offset;
      fd = open (w->spool, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0)
        errno_error (error, "open", w->spool);
    }
  else
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL, "upload %s is not locked", id);
      fd = -1;
    }
  g_mutex_unlock (&u->lock);
  return fd;
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
  if (u->shared)
    return open_spool (u, id, offset, error);
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

/* Deletes the pieces of upload id. */
static gboolean
delete_pieces (ReelUploads *u, const char *id, GError **error)
{
  g_autoptr (GPtrArray) pieces = list_pieces (u, id, error);
  if (!pieces)
    return FALSE;
  for (guint i = 0; i < pieces->len; i++)
    if (!reel_blobs_delete (u->shared, ((Piece *)pieces->pdata[i])->key, error))
      return FALSE;
  return TRUE;
}

/* Joins the pieces of upload id, from any node, into one file in order
 * (streamed, never whole in memory) and moves that into the store under
 * key; the pieces are deleted afterwards. The bytes of the completing
 * request are still in its spool: they become a piece first. */
static gboolean
complete_pieces (ReelUploads *u, ReelBlobs *blobs, const char *id, const char *key, GError **error)
{
  g_autofree char *name = g_strconcat (id, ".joined", NULL);
  g_autofree char *path = g_build_filename (u->dir, name, NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileOutputStream) out = NULL;
  g_autoptr (GPtrArray) pieces = NULL;
  guint64 pos = 0;
  Writer *w;

  g_mutex_lock (&u->lock);
  w = g_hash_table_lookup (u->writing, id);
  g_mutex_unlock (&u->lock);
  /* The completing writer is pinned: nobody takes it over meanwhile. */
  if (w && !flush_spool (u, id, w, error))
    return FALSE;
  if (!(pieces = list_pieces (u, id, error)))
    return FALSE;
  out = g_file_replace (file, NULL, FALSE,
                        G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION, NULL, error);
  if (!out)
    return FALSE;
  for (guint i = 0; i < pieces->len; i++)
    {
      const Piece *p = pieces->pdata[i];
      /* Pieces may overlap where a client resent bytes: each adds only
       * what lies past the bytes joined so far. */
      if (p->at > pos)
        break;
      if (p->at + p->size <= pos)
        continue;
      if (!reel_blobs_read (u->shared, p->key, pos - p->at, p->at + p->size - pos,
                            G_OUTPUT_STREAM (out), NULL, error))
        {
          g_unlink (path);
          return FALSE;
        }
      pos = p->at + p->size;
    }
  if (!g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error)
      || !reel_blobs_put_file (blobs, key, path, error))
    {
      g_unlink (path);
      return FALSE;
    }
  /* The original is stored: leftover pieces only cost space, and the
   * clean-up of abandoned uploads finds them. */
  {
    g_autoptr (GError) local = NULL;
    if (!delete_pieces (u, id, &local))
      g_warning ("upload %s: deleting its pieces failed: %s", id, local->message);
  }
  return TRUE;
}

gboolean
reel_uploads_complete (ReelUploads *u, ReelBlobs *blobs, const char *id, const char *key,
                       GError **error)
{
  g_autofree char *path = part_path (u, id);
  /* A one-shot upload, and every upload without shared staging, is one
   * local file. */
  if (!u->shared || g_file_test (path, G_FILE_TEST_EXISTS))
    return reel_blobs_put_file (blobs, key, path, error);
  return complete_pieces (u, blobs, id, key, error);
}

void
reel_uploads_discard (ReelUploads *u, const char *id)
{
  g_autofree char *path = part_path (u, id);
  g_unlink (path);
  if (u->shared)
    {
      g_autoptr (GError) error = NULL;
      if (!delete_pieces (u, id, &error))
        g_warning ("upload %s: deleting its pieces failed: %s", id, error->message);
    }
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

/* An upload whose pieces are in the store: where they end and when the
 * newest was stored. */
typedef struct
{
  GPtrArray *pieces;
  gint64 mtime_s;
} Staged;

static void
staged_free (gpointer p)
{
  Staged *st = p;
  g_ptr_array_unref (st->pieces);
  g_free (st);
}

static gboolean
collect_staged (const char *key, guint64 size, gint64 mtime_s, gpointer data)
{
  GHashTable *uploads = data;
  const char *id = key + strlen (PIECES_PREFIX);
  const char *slash = strchr (id, '/');
  g_autofree char *name = NULL;
  Staged *st;
  if (!slash)
    return TRUE;
  name = g_strndup (id, (gsize)(slash - id));
  if (!(st = g_hash_table_lookup (uploads, name)))
    {
      st = g_new0 (Staged, 1);
      st->pieces = g_ptr_array_new_with_free_func (piece_free);
      g_hash_table_insert (uploads, g_strdup (name), st);
    }
  st->mtime_s = MAX (st->mtime_s, mtime_s);
  return collect_piece (key, size, mtime_s, st->pieces);
}

void
reel_uploads_foreach (ReelUploads *u, ReelUploadsFunc func, gpointer user_data)
{
  foreach_file (u, ".part", FALSE, func, user_data);
  if (u->shared)
    {
      /* Every node sees every upload staged in the store, so an upload
       * abandoned on a node that is gone is still cleaned up. */
      g_autoptr (GHashTable) staged
          = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, staged_free);
      g_autoptr (GError) error = NULL;
      GHashTableIter iter;
      gpointer key, value;
      if (!reel_blobs_list (u->shared, PIECES_PREFIX, collect_staged, staged, &error))
        {
          g_warning ("cannot list the uploads staged in the store: %s", error->message);
          return;
        }
      g_hash_table_iter_init (&iter, staged);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          Staged *st = value;
          g_autofree char *local = part_path (u, key);
          if (g_file_test (local, G_FILE_TEST_EXISTS))
            continue;
          g_ptr_array_sort (st->pieces, compare_pieces);
          func (key, pieces_end (st->pieces), st->mtime_s, user_data);
        }
    }
}

void
reel_uploads_foreach_temp (ReelUploads *u, ReelUploadsFunc func, gpointer user_data)
{
  foreach_file (u, TEMP_SUFFIX, TRUE, func, user_data);
}
