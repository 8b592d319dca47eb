/* See projector.h. */
#include "daemon/projector.h"
#include "daemon/batch.h"
#include "app/projection.h"
#include "app/videos.h"
#include "bus/feed.h"
#include "core/error.h"
#include "core/fault.h"
#include "core/metrics.h"

#include <signal.h>

typedef struct
{
  guint64 seq;
  ReelProjectorWaitFunc func;
  gpointer user_data;
  guint timeout_source;
  ReelProjector *proj;
} Waiter;

struct ReelProjector
{
  ReelBus *bus;
  ReelStore *store;
  ReelFeed *feed;
  GMainContext *main_context;
  guint64 applied; /* __atomic: newest sequence committed to LMDB */
  GList *waiters;  /* main context only */
};

static void
projector_clear (gpointer data)
{
  ReelProjector *proj = data;
  g_main_context_unref (proj->main_context);
}

static void
projector_release (gpointer data)
{
  g_atomic_rc_box_release_full (data, projector_clear);
}

static void announce_ready (ReelProjector *proj);

/* The feed (re)starts (on its thread): first what an earlier run (or an
 * outage) left unannounced, then from the checkpoint. */
static guint64
resume_from (gpointer data)
{
  ReelProjector *proj = data;
  announce_ready (proj);
  return reel_batch_resume_from (proj->store, REEL_PROJECTION_CORE);
}

static void
waiter_finish (Waiter *w, gboolean reached)
{
  w->proj->waiters = g_list_remove (w->proj->waiters, w);
  g_clear_handle_id (&w->timeout_source, g_source_remove);
  w->func (reached, w->user_data);
  g_free (w);
}

static gboolean
wake_waiters (gpointer data)
{
  ReelProjector *proj = data;
  guint64 applied = reel_projector_applied (proj);
  for (GList *l = proj->waiters; l;)
    {
      Waiter *w = l->data;
      l = l->next;
      if (w->seq <= applied)
        waiter_finish (w, TRUE);
    }
  return G_SOURCE_REMOVE;
}

/* Announces every video the read model holds as ready but unannounced
 * (app/videos.h), after the commit, so the state it reads is the one just
 * derived. The list lives in LMDB, not here: a crash between the commit
 * and the announcement loses nothing, the next round (after the next batch,
 * or when the feed starts again) announces it. A failed announcement (NATS
 * away) never holds the projection back. Feed thread only. */
static void
announce_ready (ReelProjector *proj)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) ids = NULL;
  ids = reel_videos_unannounced (proj->store, &error);
  if (!ids)
    g_warning ("cannot list the videos to announce ready: %s", error->message);
  for (guint i = 0; ids && i < ids->len; i++)
    {
      g_autoptr (GError) local = NULL;
      /* Test hook: die between the commit and the announcement. */
      if (reel_test_fault ("kill-before-announce"))
        raise (SIGKILL);
      if (!reel_videos_announce_ready (proj->bus, proj->store, ids->pdata[i], &local))
        g_warning ("video %s: cannot announce it ready yet: %s", (char *)ids->pdata[i],
                   local->message);
    }
}

static gboolean
apply_event (ReelTxn *txn, guint i, gpointer data, GError **error)
{
  const ReelFeedMsg *msgs = data;
  g_autoptr (ReelEvent) ev = reel_event_parse (msgs[i].data, msgs[i].len, error);
  return ev && reel_projection_apply (txn, ev, error);
}

static gboolean
apply_batch (const ReelFeedMsg *msgs, guint n, gpointer data, GError **error)
{
  ReelProjector *proj = data;
  guint64 applied;

  if (!reel_batch_apply (proj->store, REEL_PROJECTION_CORE, "projection=\"core\"", msgs, n,
                         apply_event, (gpointer)msgs, &applied, error))
    return FALSE;
  __atomic_store_n (&proj->applied, applied, __ATOMIC_SEQ_CST);
  announce_ready (proj);
  /* The idle holds a reference: it may run after reel_projector_stop(). */
  g_main_context_invoke_full (proj->main_context, G_PRIORITY_DEFAULT, wake_waiters,
                              g_atomic_rc_box_acquire (proj), projector_release);
  return TRUE;
}

ReelProjector *
reel_projector_start (ReelBus *bus, ReelStore *store, const char *node_key)
{
  ReelProjector *proj = g_atomic_rc_box_new0 (ReelProjector);
  g_autofree char *name = g_strdup_printf ("reel-proj-core-%s", node_key);

  reel_batch_declare_metrics ();
  proj->bus = bus;
  proj->store = store;
  proj->main_context = g_main_context_ref_thread_default ();
  __atomic_store_n (&proj->applied, reel_batch_resume_from (store, REEL_PROJECTION_CORE) - 1,
                    __ATOMIC_SEQ_CST);
  reel_metrics_set ("reel_projection_applied_sequence", "projection=\"core\"",
                    (double)reel_projector_applied (proj));
  proj->feed = reel_feed_start (bus, REEL_STREAM_EVENTS, REEL_SUBJECT_EVENTS, name, resume_from,
                                apply_batch, proj);
  return proj;
}

void
reel_projector_stop (ReelProjector *proj)
{
  if (!proj)
    return;
  reel_feed_stop (proj->feed);
  while (proj->waiters)
    waiter_finish (proj->waiters->data, FALSE);
  proj->feed = NULL;
  projector_release (proj);
}

guint64
reel_projector_applied (ReelProjector *proj)
{
  return __atomic_load_n (&proj->applied, __ATOMIC_SEQ_CST);
}

static gboolean
waiter_timeout (gpointer data)
{
  Waiter *w = data;
  w->timeout_source = 0;
  waiter_finish (w, FALSE);
  return G_SOURCE_REMOVE;
}

void
reel_projector_wait (ReelProjector *proj, guint64 seq, guint timeout_ms, ReelProjectorWaitFunc func,
                     gpointer user_data)
{
  Waiter *w = g_new0 (Waiter, 1);
  w->seq = seq;
  w->func = func;
  w->user_data = user_data;
  w->proj = proj;
  proj->waiters = g_list_prepend (proj->waiters, w);
  if (seq <= reel_projector_applied (proj))
    {
      waiter_finish (w, TRUE);
      return;
    }
  w->timeout_source = g_timeout_add (timeout_ms, waiter_timeout, w);
}

gboolean
reel_projector_wait_sync (ReelProjector *proj, guint64 seq, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64)timeout_ms * 1000;
  while (reel_projector_applied (proj) < seq)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
  return TRUE;
}
