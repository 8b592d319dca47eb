/* Watching: what one viewer session did with one video, folded action by
 * action. This is the arithmetic every action consumer shares (views,
 * analytics, related); each keeps its own copy of the state in its own
 * table, so each can be rebuilt alone.
 *
 * Model. Time counts as watched between consecutive actions while the
 * player is playing: play (or a progress heartbeat) starts an interval at
 * its position; progress, pause, seek (up to its "from"), quality_change and
 * ended close it (ended at the end of the video, even after the pause event
 * browsers send just before it). A jump backwards without a seek action
 * credits nothing. An interval [a, b] reaches retention point k (k = 0..20,
 * at k * 5 % of the duration) when a <= point <= b. The view counts once,
 * when the watched time reaches views.min_watch_seconds, or the whole
 * duration of a shorter video.
 *
 * Order and duplicates. A session's actions apply in the client's time
 * order ("at"): an action older than the newest applied, or one whose id was
 * already applied at that same millisecond, is ignored. That makes a
 * replayed batch change nothing however late it comes, at O(1) state per
 * session and video; the price is that a session's batches must arrive in
 * order (the page sends them one after the other).
 *
 * Stored form: a small binary record (version byte first), not JSON: it is
 * read and written for every action. */
#pragma once

#include "app/analytics/action_record.h"
#include "store/store.h"

G_BEGIN_DECLS

/* 0 %, 5 %, ..., 100 % of the duration. */
#define REEL_RETENTION_POINTS 21
/* Ids remembered for the newest client millisecond; more than a few actions
 * in one millisecond only happen when a page scripts them. */
#define REEL_WATCH_IDS 8

typedef struct
{
  gint64 min_watch_ns; /* views.min_watch_seconds */
} ReelWatchRules;

typedef struct
{
  gint64 at_ms; /* newest client time applied */
  guint n_ids;  /* ids applied at exactly at_ms */
  char ids[REEL_WATCH_IDS][REEL_ACTION_TOKEN_MAX + 1];
  gint64 position_ns; /* where playback was at the last action */
  gint64 watched_ns;
  guint32 reached; /* bit k: retention point k was played */
  gboolean playing;
  gboolean started; /* playback ever started */
  gboolean counted; /* the view counted */
  char rendition[REEL_ACTION_RENDITION_MAX + 1];
} ReelWatch;

/* What one action changed. */
typedef struct
{
  gboolean applied;  /* FALSE: older than the session's newest, or a duplicate */
  gboolean started;  /* the session's first playback of the video */
  gboolean counted;  /* this action made the view count */
  gint64 watched_ns; /* newly watched */
  guint32 reached;   /* retention points newly reached */
  char rendition[REEL_ACTION_RENDITION_MAX + 1]; /* what watched_ns was played in ("" unknown) */
} ReelWatchStep;

void reel_watch_step (ReelWatch *w, const ReelAction *a, const ReelWatchRules *rules,
                      ReelWatchStep *out);

/* Retention point k of a duration, in nanoseconds. */
gint64 reel_watch_point_ns (gint64 duration_ns, guint k);

/* The state of a's session and video in db (zeroed when absent), and back.
 * Key: video id (11 bytes) + session id. */
gboolean reel_watch_load (ReelTxn *txn, ReelDb db, const ReelAction *a, ReelWatch *w,
                          GError **error);
gboolean reel_watch_save (ReelTxn *txn, ReelDb db, const ReelAction *a, const ReelWatch *w,
                          GError **error);

/* Loads, steps and saves (when the action applied) in one go. */
gboolean reel_watch_apply (ReelTxn *txn, ReelDb db, const ReelAction *a,
                           const ReelWatchRules *rules, ReelWatchStep *out, GError **error);

G_END_DECLS
