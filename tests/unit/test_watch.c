/* app/watch: the watching arithmetic every action consumer shares, on
 * scripted sessions with exact expected numbers, and its stored form. */
#include "app/analytics/watch.h"
#include "core/error.h"

#include "harness-free-tmp.h"

#define S ((gint64)1000000000)

static const ReelWatchRules rules = { 30 * S };

typedef struct
{
  ReelWatch w;
  gint64 at;
  guint n;
} Session;

/* One action of a session on a video of duration d; returns what changed. */
static ReelWatchStep
act (Session *s, gint64 d, ReelActionKind kind, double position, const char *rendition)
{
  ReelAction a = { 0 };
  ReelWatchStep step;
  a.kind = kind;
  a.v = 1;
  g_snprintf (a.id, sizeof a.id, "action-%04u", s->n++);
  g_strlcpy (a.video_id, "AAAAAAAAAAA", sizeof a.video_id);
  g_strlcpy (a.session_id, "session-1", sizeof a.session_id);
  g_strlcpy (a.rendition, rendition ? rendition : "", sizeof a.rendition);
  a.position_ns = (gint64)(position * S);
  a.from_ns = a.position_ns;
  a.at_ms = (s->at += 1000);
  a.duration_ns = d;
  reel_watch_step (&s->w, &a, &rules, &step);
  return step;
}

static ReelWatchStep
seek (Session *s, gint64 d, double from, double to)
{
  ReelAction a = { 0 };
  ReelWatchStep step;
  a.kind = REEL_ACTION_SEEK;
  g_snprintf (a.id, sizeof a.id, "action-%04u", s->n++);
  a.position_ns = (gint64)(to * S);
  a.from_ns = (gint64)(from * S);
  a.at_ms = (s->at += 1000);
  a.duration_ns = d;
  reel_watch_step (&s->w, &a, &rules, &step);
  return step;
}

static guint32
points (guint first, guint last)
{
  guint32 bits = 0;
  for (guint k = first; k <= last; k++)
    bits |= 1u << k;
  return bits;
}

static void
test_session (void)
{
  const gint64 d = 100 * S;
  Session s = { 0 };
  ReelWatchStep st;

  st = act (&s, d, REEL_ACTION_PLAY, 0, "240p");
  g_assert_true (st.applied);
  g_assert_true (st.started);
  g_assert_cmpuint (st.reached, ==, points (0, 0));
  act (&s, d, REEL_ACTION_PROGRESS, 10, NULL);
  act (&s, d, REEL_ACTION_PROGRESS, 20, NULL);
  st = act (&s, d, REEL_ACTION_PAUSE, 25, NULL);
  g_assert_cmpint (st.watched_ns, ==, 5 * S);
  g_assert_cmpstr (st.rendition, ==, "240p");
  g_assert_cmpint (s.w.watched_ns, ==, 25 * S);
  g_assert_cmpuint (s.w.reached, ==, points (0, 5)); /* 25 s is point 5, reached */
  g_assert_false (s.w.counted);

  /* Resuming is not a new start; 30 s of watching makes the view, once. */
  st = act (&s, d, REEL_ACTION_PLAY, 25, NULL);
  g_assert_false (st.started);
  g_assert_cmpint (st.watched_ns, ==, 0);
  st = act (&s, d, REEL_ACTION_PROGRESS, 35, NULL);
  g_assert_true (st.counted);
  st = act (&s, d, REEL_ACTION_PROGRESS, 40, NULL);
  g_assert_false (st.counted);
  g_assert_true (s.w.counted);

  /* A quality switch: what came before belongs to the old rendition. */
  st = act (&s, d, REEL_ACTION_QUALITY_CHANGE, 42, "720p");
  g_assert_cmpint (st.watched_ns, ==, 2 * S);
  g_assert_cmpstr (st.rendition, ==, "240p");
  /* A seek credits the time up to its start, not the jump. */
  st = seek (&s, d, 44, 80);
  g_assert_cmpint (st.watched_ns, ==, 2 * S);
  g_assert_cmpstr (st.rendition, ==, "720p");
  st = act (&s, d, REEL_ACTION_PROGRESS, 90, NULL);
  g_assert_cmpint (st.watched_ns, ==, 10 * S);
  g_assert_cmpuint (st.reached, ==, points (16, 18));
  g_assert_cmpint (s.w.watched_ns, ==, 54 * S);
  g_assert_cmpuint (s.w.reached, ==, points (0, 8) | points (16, 18));

  /* Browsers send pause just before ended: the rest still counts. */
  act (&s, d, REEL_ACTION_PROGRESS, 99.5, NULL);
  act (&s, d, REEL_ACTION_PAUSE, 99.5, NULL);
  st = act (&s, d, REEL_ACTION_ENDED, 99.5, NULL);
  g_assert_cmpint (st.watched_ns, ==, S / 2);
  g_assert_cmpuint (st.reached, ==, points (20, 20));
  g_assert_cmpint (s.w.watched_ns, ==, 64 * S);
  g_assert_false (s.w.playing);
}

static void
test_short_video (void)
{
  /* Shorter than views.min_watch_seconds: counts when watched whole. */
  const gint64 d = 10 * S;
  Session s = { 0 };
  act (&s, d, REEL_ACTION_PLAY, 0, NULL);
  g_assert_false (act (&s, d, REEL_ACTION_PROGRESS, 9.9, NULL).counted);
  g_assert_true (act (&s, d, REEL_ACTION_ENDED, 9.9, NULL).counted);
  g_assert_cmpint (s.w.watched_ns, ==, d);
  g_assert_cmpuint (s.w.reached, ==, points (0, 20));
  /* Watching it again in the same session adds time, not a view. */
  g_assert_false (act (&s, d, REEL_ACTION_PLAY, 0, NULL).counted);
  g_assert_false (act (&s, d, REEL_ACTION_ENDED, 10, NULL).counted);
  g_assert_cmpint (s.w.watched_ns, ==, 2 * d);
  /* Positions a little past the probed duration read as the end. */
  g_assert_cmpint (act (&s, d, REEL_ACTION_PLAY, 10.5, NULL).watched_ns, ==, 0);
  g_assert_cmpint (s.w.position_ns, ==, d);
}

static void
test_no_credit (void)
{
  const gint64 d = 100 * S;
  Session s = { 0 };
  /* Nothing is watched while paused, nor by jumping back. */
  act (&s, d, REEL_ACTION_PLAY, 50, NULL);
  act (&s, d, REEL_ACTION_PAUSE, 60, NULL);
  g_assert_cmpint (act (&s, d, REEL_ACTION_SEEK, 90, NULL).watched_ns, ==, 0);
  g_assert_cmpint (act (&s, d, REEL_ACTION_PROGRESS, 95, NULL).watched_ns, ==, 0); /* resumes */
  g_assert_cmpint (act (&s, d, REEL_ACTION_PROGRESS, 30, NULL).watched_ns, ==, 0);
  g_assert_cmpint (act (&s, d, REEL_ACTION_PROGRESS, 40, NULL).watched_ns, ==, 10 * S);
  g_assert_cmpint (s.w.watched_ns, ==, 20 * S);
  /* ended long after a pause mid-video is not the end watched. */
  act (&s, d, REEL_ACTION_PAUSE, 40, NULL);
  g_assert_cmpint (act (&s, d, REEL_ACTION_ENDED, 100, NULL).watched_ns, ==, 0);
}

static void
test_duplicates (void)
{
  const gint64 d = 100 * S;
  Session s = { 0 };
  ReelAction a = { 0 };
  ReelWatchStep st;
  ReelWatch before;

  act (&s, d, REEL_ACTION_PLAY, 0, NULL);
  act (&s, d, REEL_ACTION_PROGRESS, 10, NULL);
  /* The same action again, and an older one: ignored, state untouched. */
  a.kind = REEL_ACTION_PROGRESS;
  g_strlcpy (a.id, "action-0001", sizeof a.id);
  a.position_ns = 10 * S;
  a.at_ms = s.at;
  a.duration_ns = d;
  before = s.w;
  reel_watch_step (&s.w, &a, &rules, &st);
  g_assert_false (st.applied);
  g_assert_cmpmem (&before, sizeof before, &s.w, sizeof s.w);
  g_strlcpy (a.id, "action-0000", sizeof a.id);
  a.at_ms = s.at - 1000;
  reel_watch_step (&s.w, &a, &rules, &st);
  g_assert_false (st.applied);
  /* Distinct actions in the same millisecond all apply, in order. */
  for (guint i = 0; i < REEL_WATCH_IDS + 2; i++)
    {
      g_snprintf (a.id, sizeof a.id, "same-ms-%02u", i);
      a.at_ms = s.at + 1;
      a.position_ns = (11 + i) * S;
      reel_watch_step (&s.w, &a, &rules, &st);
      g_assert_true (st.applied);
      g_assert_cmpint (st.watched_ns, ==, S);
    }
  g_strlcpy (a.id, "same-ms-09", sizeof a.id);
  reel_watch_step (&s.w, &a, &rules, &st);
  g_assert_false (st.applied);
}

static void
test_points (void)
{
  g_assert_cmpint (reel_watch_point_ns (100 * S, 0), ==, 0);
  g_assert_cmpint (reel_watch_point_ns (100 * S, 7), ==, 35 * S);
  g_assert_cmpint (reel_watch_point_ns (100 * S, 20), ==, 100 * S);
  g_assert_cmpint (reel_watch_point_ns (7, 20), ==, 7);
  g_assert_cmpint (reel_watch_point_ns (G_MAXINT64 / 2, 20), ==, G_MAXINT64 / 2);
}

static void
test_storage (void)
{
  g_autofree char *dir = tmpdir ();
  g_autoptr (GError) error = NULL;
  g_autoptr (ReelStore) store = reel_store_open (dir, &error);
  const gint64 d = 100 * S;
  Session s = { 0 };
  ReelAction a = { 0 };
  ReelWatch loaded;
  ReelWatchStep st;

  act (&s, d, REEL_ACTION_PLAY, 0, "1080p");
  act (&s, d, REEL_ACTION_PROGRESS, 31, NULL);
  g_strlcpy (a.video_id, "AAAAAAAAAAA", sizeof a.video_id);
  g_strlcpy (a.session_id, "session-1", sizeof a.session_id);
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, &error);
    g_assert_true (reel_watch_load (txn, REEL_DB_VIEW_WATCH, &a, &loaded, &error));
    g_assert_cmpint (loaded.at_ms, ==, 0); /* absent: a fresh session */
    g_assert_true (reel_watch_save (txn, REEL_DB_VIEW_WATCH, &a, &s.w, &error));
    g_assert_true (reel_txn_commit (g_steal_pointer (&txn), &error));
  }
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, &error);
    g_assert_true (reel_watch_load (txn, REEL_DB_VIEW_WATCH, &a, &loaded, &error));
  }
  g_assert_cmpint (loaded.at_ms, ==, s.w.at_ms);
  g_assert_cmpint (loaded.watched_ns, ==, 31 * S);
  g_assert_cmpint (loaded.position_ns, ==, 31 * S);
  g_assert_cmpuint (loaded.reached, ==, s.w.reached);
  g_assert_true (loaded.playing && loaded.started && loaded.counted);
  g_assert_cmpstr (loaded.rendition, ==, "1080p");
  g_assert_cmpuint (loaded.n_ids, ==, 1);
  g_assert_cmpstr (loaded.ids[0], ==, "action-0001");
  /* A stored state that is not one is an error, not a fresh session. */
  {
    g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, &error);
    g_assert_true (
        reel_txn_put (txn, REEL_DB_VIEW_WATCH, "AAAAAAAAAAAsession-1", 20, "x", 1, &error));
    g_assert_false (reel_watch_load (txn, REEL_DB_VIEW_WATCH, &a, &loaded, &error));
    g_assert_error (error, REEL_ERROR, REEL_ERROR_INTERNAL);
    g_clear_error (&error);
    a.kind = REEL_ACTION_PLAY;
    a.duration_ns = d;
    g_assert_false (reel_watch_apply (txn, REEL_DB_VIEW_WATCH, &a, &rules, &st, &error));
  }
  g_clear_pointer (&store, reel_store_close);
  rmtree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/watch/session", test_session);
  g_test_add_func ("/watch/short-video", test_short_video);
  g_test_add_func ("/watch/no-credit", test_no_credit);
  g_test_add_func ("/watch/duplicates", test_duplicates);
  g_test_add_func ("/watch/points", test_points);
  g_test_add_func ("/watch/storage", test_storage);
  return g_test_run ();
}
