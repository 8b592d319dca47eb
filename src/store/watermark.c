/* See watermark.h. */
#include "store/watermark.h"

/* How often reel_watermark_wait_sync() looks again while nothing on the
 * main context wakes it: short next to a rebuild, long enough not to spin. */
#define WAIT_SYNC_POLL_US (10 * 1000)

typedef struct
{
  guint64 seq;
  ReelWatermarkFunc func;
  gpointer user_data;
  guint timeout_source;
  ReelWatermark *w;
} Waiter;

struct ReelWatermark
{
  GMainContext *main_context;
  guint64 reached; /* __atomic */
  GList *waiters;  /* main context only */
  /* reel_watermark_block()'s: raise broadcasts under the lock. */
  GMutex lock;
  GCond raised;
};

static void
watermark_clear (gpointer data)
{
  ReelWatermark *w = data;
  g_main_context_unref (w->main_context);
  g_mutex_clear (&w->lock);
  g_cond_clear (&w->raised);
}

ReelWatermark *
reel_watermark_new (guint64 reached)
{
  ReelWatermark *w = g_atomic_rc_box_new0 (ReelWatermark);
  w->main_context = g_main_context_ref_thread_default ();
  w->reached = reached;
  g_mutex_init (&w->lock);
  g_cond_init (&w->raised);
  return w;
}

ReelWatermark *
reel_watermark_ref (ReelWatermark *w)
{
  return g_atomic_rc_box_acquire (w);
}

void
reel_watermark_unref (ReelWatermark *w)
{
  g_atomic_rc_box_release_full (w, watermark_clear);
}

guint64
reel_watermark_reached (ReelWatermark *w)
{
  return __atomic_load_n (&w->reached, __ATOMIC_SEQ_CST);
}

static void
waiter_finish (Waiter *waiter, gboolean reached)
{
  waiter->w->waiters = g_list_remove (waiter->w->waiters, waiter);
  g_clear_handle_id (&waiter->timeout_source, g_source_remove);
  waiter->func (reached, waiter->user_data);
  g_free (waiter);
}

static gboolean
wake_waiters (gpointer data)
{
  ReelWatermark *w = data;
  guint64 reached = reel_watermark_reached (w);
  for (GList *l = w->waiters; l;)
    {
      Waiter *waiter = l->data;
      l = l->next;
      if (waiter->seq <= reached)
        waiter_finish (waiter, TRUE);
    }
  return G_SOURCE_REMOVE;
}

void
reel_watermark_raise (ReelWatermark *w, guint64 seq)
{
  guint64 now = reel_watermark_reached (w);
  g_autoptr (GSource) idle = g_idle_source_new ();

  while (seq > now
         && !__atomic_compare_exchange_n (&w->reached, &now, seq, FALSE, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST))
    ;
  g_mutex_lock (&w->lock);
  g_cond_broadcast (&w->raised);
  g_mutex_unlock (&w->lock);
  /* Always an idle, never a call in place (g_main_context_invoke would
   * run it on this thread when nobody owns the context): waiters are
   * answered on their own context. It holds a reference, since it may
   * run after the owner let go. */
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, wake_waiters, reel_watermark_ref (w),
                         (GDestroyNotify)reel_watermark_unref);
  g_source_attach (idle, w->main_context);
}

static gboolean
waiter_timeout (gpointer data)
{
  Waiter *waiter = data;
  waiter->timeout_source = 0;
  waiter_finish (waiter, FALSE);
  return G_SOURCE_REMOVE;
}

void
reel_watermark_wait (ReelWatermark *w, guint64 seq, guint timeout_ms, ReelWatermarkFunc func,
                     gpointer user_data)
{
  Waiter *waiter;
  if (seq <= reel_watermark_reached (w))
    {
      func (TRUE, user_data);
      return;
    }
  waiter = g_new0 (Waiter, 1);
  waiter->seq = seq;
  waiter->func = func;
  waiter->user_data = user_data;
  waiter->w = w;
  w->waiters = g_list_prepend (w->waiters, waiter);
  waiter->timeout_source = g_timeout_add (timeout_ms, waiter_timeout, waiter);
}

gboolean
reel_watermark_wait_sync (ReelWatermark *w, guint64 seq, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  while (reel_watermark_reached (w) < seq)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (w->main_context, FALSE);
      g_usleep (WAIT_SYNC_POLL_US);
    }
  return TRUE;
}

gboolean
reel_watermark_block (ReelWatermark *w, guint64 seq, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  gboolean reached = TRUE;
  g_mutex_lock (&w->lock);
  while (reached && reel_watermark_reached (w) < seq)
    reached = g_cond_wait_until (&w->raised, &w->lock, deadline);
  g_mutex_unlock (&w->lock);
  return reel_watermark_reached (w) >= seq;
}

void
reel_watermark_close (ReelWatermark *w)
{
  while (w->waiters)
    waiter_finish (w->waiters->data, FALSE);
}
