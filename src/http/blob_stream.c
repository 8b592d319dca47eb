/* See blob_stream.h. The message is paused while a thread asks the store;
 * the thread posts each piece it reads to the main context, which appends
 * it to the response body and resumes the message. The thread waits while
 * more than STREAM_WINDOW bytes are appended but not yet written to the
 * client, so a slow client holds back the read rather than fill memory. */
#include "http/blob_stream.h"
#include "core/error.h"
#include "http/respond.h"

#include <stdlib.h>
#include <string.h>

/* Bytes handed to libsoup and not yet on the wire, at most: a few of
 * libcurl's 16 KiB reads, enough to keep a fast client busy. */
#define STREAM_WINDOW (256 * 1024)
/* Streams read at once, at most; more wait their turn. Each holds a thread
 * and an S3 connection, and a node serving more segments than this at once
 * wants a CDN in front (cdn.base_url) rather than more threads. */
#define STREAM_THREADS 32

typedef struct
{
  SoupServerMessage *msg;
  GMainContext *context;
  ReelBlobs *blobs;
  char *key;
  char *type;
  char *cache_control;
  char *range;         /* the request's Range header, or NULL */
  char *if_none_match; /* the request's If-None-Match header, or NULL */
  gboolean head;
  GCancellable *cancellable;
  GMutex lock;
  GCond cond;
  gsize pending; /* appended to the body, not yet written */
  gboolean gone; /* the client went away or the answer is finished */
  gulong on_wrote, on_disconnected, on_finished;
} Stream;

static void
stream_free (gpointer p)
{
  Stream *s = p;
  /* finish() has disconnected the handlers on every path; this only
   * keeps a path missed from leaving them pointing at freed memory. */
  g_clear_signal_handler (&s->on_wrote, s->msg);
  g_clear_signal_handler (&s->on_disconnected, s->msg);
  g_clear_signal_handler (&s->on_finished, s->msg);
  g_object_unref (s->msg);
  g_main_context_unref (s->context);
  g_free (s->key);
  g_free (s->type);
  g_free (s->cache_control);
  g_free (s->range);
  g_free (s->if_none_match);
  g_object_unref (s->cancellable);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
}

static Stream *
stream_ref (Stream *s)
{
  return g_atomic_rc_box_acquire (s);
}

static void
stream_unref (gpointer s)
{
  g_atomic_rc_box_release_full (s, stream_free);
}

/* The client's end: the reading thread stops at its next piece. */
static void
stream_gone (Stream *s)
{
  g_mutex_lock (&s->lock);
  s->gone = TRUE;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
  g_cancellable_cancel (s->cancellable);
}

static void
on_wrote_body_data (SoupServerMessage *msg, guint size, gpointer data)
{
  Stream *s = data;
  g_mutex_lock (&s->lock);
  s->pending -= MIN (s->pending, size);
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);
}

/* What the thread posts to the main context. */
typedef enum
{
  POST_FAIL,    /* before any header: an error answer */
  POST_HEADERS, /* status and headers; the body follows */
  POST_CHUNK,
  POST_END,
  POST_ABORT, /* a read failed after the headers went: cut the connection */
} PostKind;

typedef struct
{
  Stream *s;
  PostKind kind;
  guint status;
  GError *error;
  GBytes *chunk;
  ReelBlobInfo info;
  guint64 offset, length; /* the range answered */
} Post;

static void
post_free (gpointer p)
{
  Post *x = p;
  stream_unref (x->s);
  g_clear_error (&x->error);
  g_clear_pointer (&x->chunk, g_bytes_unref);
  g_free (x);
}

static void
finish (Stream *s)
{
  g_clear_signal_handler (&s->on_wrote, s->msg);
  g_clear_signal_handler (&s->on_disconnected, s->msg);
  g_clear_signal_handler (&s->on_finished, s->msg);
  stream_gone (s);
}

/* The client left (or libsoup is done with the message): the handlers go
 * at once, on the main context that runs them, so none can run after the
 * reading thread drops the last reference. */
static void
on_client_gone (SoupServerMessage *msg, gpointer data)
{
  finish (data);
}

static gboolean
post_run (gpointer p)
{
  Post *x = p;
  Stream *s = x->s;
  SoupMessageHeaders *h = soup_server_message_get_response_headers (s->msg);
  SoupMessageBody *body = soup_server_message_get_response_body (s->msg);
  gboolean gone;

  g_mutex_lock (&s->lock);
  gone = s->gone;
  g_mutex_unlock (&s->lock);
  if (gone)
    return G_SOURCE_REMOVE;
  switch (x->kind)
    {
    case POST_FAIL:
      reel_respond_error (s->msg, x->error);
      soup_server_message_unpause (s->msg);
      finish (s);
      break;
    case POST_HEADERS:
      soup_message_headers_replace (h, "ETag", x->info.etag);
      soup_message_headers_replace (h, "Cache-Control", s->cache_control);
      soup_message_headers_replace (h, "Accept-Ranges", "bytes");
      if (x->status == SOUP_STATUS_NOT_MODIFIED)
        {
          reel_respond_empty (s->msg, SOUP_STATUS_NOT_MODIFIED);
          soup_server_message_unpause (s->msg);
          finish (s);
          break;
        }
      if (x->status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
        {
          g_autofree char *cr = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, x->info.size);
          soup_message_headers_replace (h, "Content-Range", cr);
          reel_respond_error_code (s->msg, x->status, reel_error_code_name (REEL_ERROR_INVALID),
                                   "the range is past the end of the file");
          soup_server_message_unpause (s->msg);
          finish (s);
          break;
        }
      soup_server_message_set_status (s->msg, x->status, NULL);
      soup_message_headers_set_content_type (h, s->type, NULL);
      if (x->status == SOUP_STATUS_PARTIAL_CONTENT)
        soup_message_headers_set_content_range (
            h, (goffset)x->offset, (goffset)(x->offset + x->length - 1), (goffset)x->info.size);
      soup_message_headers_set_content_length (h, (goffset)x->length);
      soup_message_body_set_accumulate (body, FALSE);
      if (s->head || x->length == 0)
        {
          soup_message_body_complete (body);
          finish (s);
        }
      soup_server_message_unpause (s->msg);
      break;
    case POST_CHUNK:
      soup_message_body_append_bytes (body, x->chunk);
      soup_server_message_unpause (s->msg);
      break;
    case POST_END:
      soup_message_body_complete (body);
      soup_server_message_unpause (s->msg);
      finish (s);
      break;
    case POST_ABORT:
      {
        /* The length is promised: a short body must not look whole, so the
         * connection is shut down (as http/connections.c does), and libsoup
         * drops the message as if the client had left. */
        GSocket *sock = soup_server_message_get_socket (s->msg);
        g_warning ("streaming %s failed midway: %s", s->key, x->error->message);
        finish (s);
        if (sock)
          g_socket_shutdown (sock, TRUE, TRUE, NULL);
      }
      break;
    }
  return G_SOURCE_REMOVE;
}

static void
post (Stream *s, Post *x)
{
  x->s = stream_ref (s);
  g_main_context_invoke_full (s->context, G_PRIORITY_DEFAULT, post_run, x, post_free);
}

/* A GOutputStream that posts what is written to it as body chunks. */
typedef struct
{
  GOutputStream parent;
  Stream *s;
} ChunkOut;
typedef GOutputStreamClass ChunkOutClass;
G_DEFINE_TYPE (ChunkOut, chunk_out, G_TYPE_OUTPUT_STREAM)

static gssize
chunk_out_write (GOutputStream *o, const void *buf, gsize n, GCancellable *cancellable,
                 GError **error)
{
  Stream *s = ((ChunkOut *)o)->s;
  Post *x;
  g_mutex_lock (&s->lock);
  while (s->pending >= STREAM_WINDOW && !s->gone)
    g_cond_wait (&s->cond, &s->lock);
  if (s->gone)
    {
      g_mutex_unlock (&s->lock);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the client went away");
      return -1;
    }
  s->pending += n;
  g_mutex_unlock (&s->lock);
  x = g_new0 (Post, 1);
  x->kind = POST_CHUNK;
  x->chunk = g_bytes_new (buf, n);
  post (s, x);
  return (gssize)n;
}

static void
chunk_out_class_init (ChunkOutClass *klass)
{
  klass->write_fn = chunk_out_write;
}

static void
chunk_out_init (ChunkOut *self)
{
}

/* Parses a Range header of one range against size: TRUE with the range
 * when there is one to honour; FALSE for the whole blob (no header, or one
 * this answer ignores, as RFC 9110 allows). *unsatisfiable when it starts
 * past the end. */
static gboolean
parse_range (const char *header, guint64 size, guint64 *offset, guint64 *length,
             gboolean *unsatisfiable)
{
  const char *p;
  char *end;
  guint64 first, last;

  *unsatisfiable = FALSE;
  if (!header || !g_str_has_prefix (header, "bytes=") || strchr (header, ','))
    return FALSE;
  p = header + strlen ("bytes=");
  if (*p == '-')
    {
      guint64 suffix = g_ascii_strtoull (p + 1, &end, 10);
      if (end == p + 1 || *end || suffix == 0)
        return FALSE;
      suffix = MIN (suffix, size);
      if (suffix == 0)
        {
          *unsatisfiable = TRUE;
          return FALSE;
        }
      *offset = size - suffix;
      *length = suffix;
      return TRUE;
    }
  if (!g_ascii_isdigit (*p))
    return FALSE;
  first = g_ascii_strtoull (p, &end, 10);
  if (*end != '-')
    return FALSE;
  p = end + 1;
  if (*p)
    {
      last = g_ascii_strtoull (p, &end, 10);
      if (!g_ascii_isdigit (*p) || *end || last < first)
        return FALSE;
    }
  else
    last = G_MAXUINT64;
  if (first >= size)
    {
      *unsatisfiable = TRUE;
      return FALSE;
    }
  *offset = first;
  *length = MIN (last, size - 1) - first + 1;
  return TRUE;
}

static void
stream_thread (gpointer data, gpointer unused)
{
  Stream *s = data;
  Post *x = g_new0 (Post, 1);
  g_autoptr (GError) error = NULL;
  gboolean unsatisfiable;

  if (!reel_blobs_stat (s->blobs, s->key, &x->info, &x->error))
    {
      x->kind = POST_FAIL;
      post (s, x);
      stream_unref (s);
      return;
    }
  x->kind = POST_HEADERS;
  x->offset = 0;
  x->length = x->info.size;
  x->status = SOUP_STATUS_OK;
  if (reel_etag_matches (s->if_none_match, x->info.etag))
    x->status = SOUP_STATUS_NOT_MODIFIED;
  else if (parse_range (s->range, x->info.size, &x->offset, &x->length, &unsatisfiable))
    x->status = SOUP_STATUS_PARTIAL_CONTENT;
  else if (unsatisfiable)
    x->status = SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE;
  guint status = x->status;
  guint64 offset = x->offset, length = x->length;
  post (s, x);
  if ((status == SOUP_STATUS_OK || status == SOUP_STATUS_PARTIAL_CONTENT) && !s->head && length > 0)
    {
      g_autoptr (GOutputStream) out = g_object_new (chunk_out_get_type (), NULL);
      ((ChunkOut *)out)->s = s;
      x = g_new0 (Post, 1);
      if (reel_blobs_read (s->blobs, s->key, offset, length, out, s->cancellable, &error))
        x->kind = POST_END;
      else
        {
          x->kind = POST_ABORT;
          x->error = g_steal_pointer (&error);
        }
      post (s, x);
    }
  stream_unref (s);
}

/* The threads that read the streams, shared by every request. */
static GThreadPool *
stream_pool (void)
{
  static GThreadPool *pool;
  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, g_thread_pool_new (stream_thread, NULL, STREAM_THREADS, FALSE, NULL));
  return pool;
}

void
reel_respond_blob (SoupServerMessage *msg, ReelBlobs *blobs, const char *key, const char *type,
                   const char *cache_control)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = reel_blobs_local_path (blobs, key, &error);
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  Stream *s;

  if (path)
    {
      reel_respond_file (msg, path, type, cache_control);
      return;
    }
  if (!g_error_matches (error, REEL_ERROR, REEL_ERROR_UNSUPPORTED))
    {
      reel_respond_fail (msg, REEL_ERROR_NOT_FOUND, "no such file");
      return;
    }
  s = g_atomic_rc_box_new0 (Stream);
  s->msg = g_object_ref (msg);
  s->context = g_main_context_ref_thread_default ();
  s->blobs = blobs;
  s->key = g_strdup (key);
  s->type = g_strdup (type);
  s->cache_control = g_strdup (cache_control);
  s->range = g_strdup (soup_message_headers_get_one (req, "Range"));
  s->if_none_match = g_strdup (soup_message_headers_get_one (req, "If-None-Match"));
  s->head = g_str_equal (soup_server_message_get_method (msg), "HEAD");
  s->cancellable = g_cancellable_new ();
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->on_wrote = g_signal_connect (msg, "wrote-body-data", G_CALLBACK (on_wrote_body_data), s);
  s->on_disconnected = g_signal_connect (msg, "disconnected", G_CALLBACK (on_client_gone), s);
  s->on_finished = g_signal_connect (msg, "finished", G_CALLBACK (on_client_gone), s);
  soup_server_message_pause (msg);
  g_thread_pool_push (stream_pool (), stream_ref (s), NULL);
  stream_unref (s);
}
