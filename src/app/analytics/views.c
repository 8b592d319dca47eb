/* See views.h. */
#include "app/analytics/views.h"

static gboolean
views_apply (ReelTxn *txn, const ReelAction *a, const ReelWatchRules *rules, GError **error)
{
  ReelWatchStep step;
  if (!reel_watch_apply (txn, REEL_DB_VIEW_WATCH, a, rules, &step, error))
    return FALSE;
  return !step.counted
         || reel_txn_add_u64 (txn, REEL_DB_VIEW_COUNTS, a->video_id, strlen (a->video_id), 1,
                              error);
}

static const ReelDb views_dbs[] = { REEL_DB_VIEW_WATCH, REEL_DB_VIEW_COUNTS };

const ReelActionProjection reel_views_projection = {
  REEL_PROJECTION_VIEWS, views_dbs, G_N_ELEMENTS (views_dbs), views_apply, FALSE,
};

guint64
reel_views_count (ReelTxn *txn, const char *video_id)
{
  return reel_txn_get_u64 (txn, REEL_DB_VIEW_COUNTS, video_id, strlen (video_id));
}
