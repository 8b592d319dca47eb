/* See batch.h. */
#include "daemon/batch.h"
#include "core/error.h"
#include "core/fault.h"
#include "core/metrics.h"

#include <signal.h>

void
reel_batch_declare_metrics (void)
{
  reel_metrics_declare ("reel_events_applied_total", REEL_METRIC_COUNTER,
                        "Events (or viewer actions) applied to a projection");
  reel_metrics_declare ("reel_events_skipped_total", REEL_METRIC_COUNTER,
                        "Malformed events (or viewer actions) a projection skipped");
  reel_metrics_declare ("reel_projection_applied_sequence", REEL_METRIC_GAUGE,
                        "Newest stream sequence applied to a projection");
  reel_metrics_declare ("reel_projection_lag_events", REEL_METRIC_GAUGE,
                        "Messages in the stream not yet applied to a projection");
}

guint64
reel_batch_resume_from (ReelStore *store, const char *projection)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, NULL);
  return txn ? reel_txn_get_applied (txn, projection) + 1 : 1;
}

gboolean
reel_batch_apply (ReelStore *store, const char *projection, const char *labels,
                  const ReelFeedMsg *msgs, guint n, ReelBatchApplyFunc apply, gpointer user_data,
                  guint64 *applied, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, error);
  guint64 reached, before;
  guint n_applied = 0;

  if (!txn)
    return FALSE;
  reached = before = reel_txn_get_applied (txn, projection);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GError) local = NULL;
      if (msgs[i].seq <= reached)
        continue;
      if (!apply (txn, i, user_data, &local))
        {
          if (!g_error_matches (local, REEL_ERROR, REEL_ERROR_INVALID))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return FALSE;
            }
          g_warning ("message %" G_GUINT64_FORMAT " on %s skipped by %s: %s", msgs[i].seq,
                     msgs[i].subject, projection, local->message);
          reel_metrics_add ("reel_events_skipped_total", labels, 1);
        }
      reached = msgs[i].seq;
      n_applied++;
    }
  if (reached != before)
    {
      /* Test hook: die between the log and the read model. */
      if (reel_test_fault ("kill-before-apply"))
        raise (SIGKILL);
      if (!reel_txn_set_applied (txn, projection, reached, error)
          || !reel_txn_commit (g_steal_pointer (&txn), error))
        return FALSE;
    }
  *applied = reached;
  reel_metrics_add ("reel_events_applied_total", labels, n_applied);
  reel_metrics_set ("reel_projection_applied_sequence", labels, (double)reached);
  reel_metrics_set ("reel_projection_lag_events", labels, (double)msgs[n - 1].pending);
  return TRUE;
}
