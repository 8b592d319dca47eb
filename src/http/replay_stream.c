/* See replay_stream.h. */
#include "http/replay_stream.h"

#include <string.h>

/* --- the input: head, then the base input --- */

#define REEL_TYPE_REPLAY_INPUT (reel_replay_input_get_type ())
G_DECLARE_FINAL_TYPE (ReelReplayInput, reel_replay_input, REEL, REPLAY_INPUT, GInputStream)

struct _ReelReplayInput
{
  GInputStream parent;
  GInputStream *base; /* pollable */
  GBytes *head;
  gsize offset; /* into head */
};

static void reel_replay_input_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_TYPE_WITH_CODE (ReelReplayInput, reel_replay_input, G_TYPE_INPUT_STREAM,
                         G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                reel_replay_input_pollable_init))

/* Copies what is left of the head into buffer; -1 when none is. */
static gssize
read_head (ReelReplayInput *in, void *buffer, gsize count)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (in->head, &len);
  gsize n = MIN (count, len - in->offset);
  if (in->offset >= len)
    return -1;
  memcpy (buffer, p + in->offset, n);
  in->offset += n;
  return (gssize)n;
}

static gboolean
head_pending (ReelReplayInput *in)
{
  return in->offset < g_bytes_get_size (in->head);
}

static gssize
replay_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancel, GError **error)
{
  ReelReplayInput *in = REEL_REPLAY_INPUT (stream);
  gssize n = read_head (in, buffer, count);
  return n >= 0 ? n : g_input_stream_read (in->base, buffer, count, cancel, error);
}

/* The base input closes with the connection (the GIOStream below). */
static gboolean
replay_close (GInputStream *stream, GCancellable *cancel, GError **error)
{
  return TRUE;
}

static gboolean
replay_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static gboolean
replay_is_readable (GPollableInputStream *stream)
{
  ReelReplayInput *in = REEL_REPLAY_INPUT (stream);
  return head_pending (in)
         || g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (in->base));
}

static GSource *
replay_create_source (GPollableInputStream *stream, GCancellable *cancel)
{
  ReelReplayInput *in = REEL_REPLAY_INPUT (stream);
  GSource *inner, *source;
  if (head_pending (in))
    {
      /* Readable now. */
      inner = g_idle_source_new ();
      g_source_set_dummy_callback (inner);
    }
  else
    inner = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (in->base), cancel);
  source = g_pollable_source_new_full (stream, inner, cancel);
  g_source_unref (inner);
  return source;
}

static gssize
replay_read_nonblocking (GPollableInputStream *stream, void *buffer, gsize count, GError **error)
{
  ReelReplayInput *in = REEL_REPLAY_INPUT (stream);
  gssize n = read_head (in, buffer, count);
  return n >= 0 ? n
                : g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (in->base),
                                                            buffer, count, NULL, error);
}

static void
reel_replay_input_finalize (GObject *object)
{
  ReelReplayInput *in = REEL_REPLAY_INPUT (object);
  g_clear_object (&in->base);
  g_clear_pointer (&in->head, g_bytes_unref);
  G_OBJECT_CLASS (reel_replay_input_parent_class)->finalize (object);
}

static void
reel_replay_input_class_init (ReelReplayInputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = reel_replay_input_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = replay_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = replay_close;
}

static void
reel_replay_input_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = replay_can_poll;
  iface->is_readable = replay_is_readable;
  iface->create_source = replay_create_source;
  iface->read_nonblocking = replay_read_nonblocking;
}

static void
reel_replay_input_init (ReelReplayInput *in)
{
}

/* --- the connection --- */

#define REEL_TYPE_REPLAY_STREAM (reel_replay_stream_get_type ())
G_DECLARE_FINAL_TYPE (ReelReplayStream, reel_replay_stream, REEL, REPLAY_STREAM, GIOStream)

struct _ReelReplayStream
{
  GIOStream parent;
  GIOStream *base;
  GInputStream *input;
};

G_DEFINE_TYPE (ReelReplayStream, reel_replay_stream, G_TYPE_IO_STREAM)

static GInputStream *
stream_get_input (GIOStream *stream)
{
  return REEL_REPLAY_STREAM (stream)->input;
}

static GOutputStream *
stream_get_output (GIOStream *stream)
{
  return g_io_stream_get_output_stream (REEL_REPLAY_STREAM (stream)->base);
}

static gboolean
stream_close (GIOStream *stream, GCancellable *cancel, GError **error)
{
  return g_io_stream_close (REEL_REPLAY_STREAM (stream)->base, cancel, error);
}

static void
reel_replay_stream_finalize (GObject *object)
{
  ReelReplayStream *s = REEL_REPLAY_STREAM (object);
  g_clear_object (&s->input);
  g_clear_object (&s->base);
  G_OBJECT_CLASS (reel_replay_stream_parent_class)->finalize (object);
}

static void
reel_replay_stream_class_init (ReelReplayStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = reel_replay_stream_finalize;
  G_IO_STREAM_CLASS (klass)->get_input_stream = stream_get_input;
  G_IO_STREAM_CLASS (klass)->get_output_stream = stream_get_output;
  G_IO_STREAM_CLASS (klass)->close_fn = stream_close;
}

static void
reel_replay_stream_init (ReelReplayStream *s)
{
}

GIOStream *
reel_replay_stream_new (GIOStream *base, GBytes *head)
{
  ReelReplayStream *s = g_object_new (REEL_TYPE_REPLAY_STREAM, NULL);
  ReelReplayInput *in = g_object_new (REEL_TYPE_REPLAY_INPUT, NULL);
  in->base = g_object_ref (g_io_stream_get_input_stream (base));
  in->head = g_bytes_ref (head);
  s->base = g_object_ref (base);
  s->input = G_INPUT_STREAM (in);
  return G_IO_STREAM (s);
}
