/* See projector.h. */
#include "daemon/projector.h"
#include "daemon/batch.h"
#include "app/projection.h"
#include "app/video/lifecycle.h"
#include "bus/feed.h"
#include "core/error.h"
#include "core/metrics.h"
#include "store/watermark.h"

struct ReelProjector
{
  ReelBus *bus;
  ReelStore *store;
  ReelFeed *feed;
  ReelWatermark *applied; /* newest sequence committed to LMDB */
};

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

/* Announces every video the read model holds as ready but unannounced
 * (app/video/lifecycle.h), after the commit, so the state it reads is the
 * one just derived. A failed announcement never holds the projection back.
 * Feed thread only. */
static void
announce_ready (ReelProjector *proj)
{
  reel_lifecycle_announce_pending (proj->bus, proj->store);
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
  reel_watermark_raise (proj->applied, applied);
  announce_ready (proj);
  return TRUE;
}

ReelProjector *
reel_projector_start (ReelBus *bus, ReelStore *store, const char *node_key)
{
  ReelProjector *proj = g_new0 (ReelProjector, 1);
  g_autofree char *name = g_strdup_printf ("reel-proj-core-%s", node_key);

  reel_batch_declare_metrics ();
  proj->bus = bus;
  proj->store = store;
  proj->applied = reel_watermark_new (reel_batch_resume_from (store, REEL_PROJECTION_CORE) - 1);
  reel_metrics_set ("reel_projection_applied_sequence", "projection=\"core\"",
                    (double)reel_watermark_reached (proj->applied));
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
  reel_watermark_close (proj->applied);
  reel_watermark_unref (proj->applied);
  g_free (proj);
}

ReelWatermark *
reel_projector_watermark (ReelProjector *proj)
{
  return proj->applied;
}
