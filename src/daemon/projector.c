/* See projector.h. */
#include "daemon/projector.h"
#include "daemon/batch.h"
#include "daemon/checkpoints.h"
#include "app/projection.h"
#include "app/video/lifecycle.h"
#include "bus/feed.h"
#include "core/error.h"
#include "core/metrics.h"
#include "store/watermark.h"
#include "core/fault.h"

#include <signal.h>

/* The metric labels of the core projections (one series for the group). */
#define CORE_LABELS "projection=\"core\""

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

/* Applies msg to p unless p's checkpoint has it; a malformed event is
 * skipped by that projection alone. */
static gboolean
apply_one (ReelTxn *txn, const ReelProjection *p, const ReelFeedMsg *msg, const ReelEvent *ev,
           guint64 *reached, GError **error)
{
  g_autoptr (GError) local = NULL;
  if (msg->seq <= *reached)
    return TRUE;
  if (ev && !p->apply (txn, ev, &local))
    {
      if (!g_error_matches (local, REEL_ERROR, REEL_ERROR_INVALID))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      g_warning ("message %" G_GUINT64_FORMAT " on %s skipped by %s: %s", msg->seq, msg->subject,
                 p->name, local->message);
      reel_metrics_add ("reel_events_skipped_total", CORE_LABELS, 1);
    }
  *reached = msg->seq;
  return TRUE;
}

/* One write transaction for the batch: every core projection applies the
 * events past its own checkpoint, then each checkpoint and the group's
 * (the least of them) are stored with the changes. */
static gboolean
apply_batch (const ReelFeedMsg *msgs, guint n, gpointer data, GError **error)
{
  ReelProjector *proj = data;
  const ReelProjection *const *all = reel_projections ();
  g_autoptr (ReelTxn) txn = reel_store_begin (proj->store, TRUE, error);
  g_autoptr (GArray) reached = g_array_new (FALSE, TRUE, sizeof (guint64));
  guint64 before, least = G_MAXUINT64;
  guint n_applied = 0;
  const char *lag = reel_test_fault ("projector-lag");

  if (!txn)
    return FALSE;
  /* Test hook: a projection that trails the log by lag ms (a node under
   * load, or across a slow link). */
  if (lag)
    g_usleep (g_ascii_strtoull (lag, NULL, 10) * 1000);
  before = reel_txn_get_applied (txn, REEL_PROJECTION_CORE);
  for (guint j = 0; all[j]; j++)
    {
      guint64 at = reel_txn_get_applied (txn, all[j]->name);
      g_array_append_val (reached, at);
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) bad = NULL;
      g_autoptr (ReelEvent) ev = NULL;
      if (msgs[i].seq <= before)
        continue;
      if (!(ev = reel_event_parse (msgs[i].data, msgs[i].len, &bad)))
        {
          g_warning ("message %" G_GUINT64_FORMAT " on %s skipped: %s", msgs[i].seq,
                     msgs[i].subject, bad->message);
          reel_metrics_add ("reel_events_skipped_total", CORE_LABELS, 1);
        }
      for (guint j = 0; all[j]; j++)
        if (!apply_one (txn, all[j], &msgs[i], ev, &g_array_index (reached, guint64, j), error))
          return FALSE;
      n_applied++;
    }
  for (guint j = 0; all[j]; j++)
    least = MIN (least, g_array_index (reached, guint64, j));
  if (least != before)
    {
      /* Test hook: die between the log and the read model. */
      if (reel_test_fault ("kill-before-apply"))
        raise (SIGKILL);
      for (guint j = 0; all[j]; j++)
        if (!reel_txn_set_applied (txn, all[j]->name, g_array_index (reached, guint64, j), error))
          return FALSE;
      if (!reel_txn_set_applied (txn, REEL_PROJECTION_CORE, least, error)
          || !reel_txn_commit (g_steal_pointer (&txn), error))
        return FALSE;
    }
  reel_metrics_add ("reel_events_applied_total", CORE_LABELS, n_applied);
  reel_metrics_set ("reel_projection_applied_sequence", CORE_LABELS, (double)least);
  reel_metrics_set ("reel_projection_lag_events", CORE_LABELS, (double)msgs[n - 1].pending);
  reel_watermark_raise (proj->applied, least);
  announce_ready (proj);
  return TRUE;
}

ReelProjector *
reel_projector_start (ReelBus *bus, ReelStore *store, const char *node_key)
{
  ReelProjector *proj = g_new0 (ReelProjector, 1);
  g_autofree char *name = g_strdup_printf ("reel-proj-core-%s", node_key);
  g_autoptr (GError) error = NULL;

  reel_batch_declare_metrics ();
  /* Normally done by reel_checkpoints_verify() already; a projector that
   * started on a data directory from before the split would otherwise
   * apply the whole log again to every projection. */
  if (!reel_checkpoints_split (store, &error))
    g_error ("cannot split the core checkpoint: %s", error->message);
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
