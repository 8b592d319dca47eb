/* See watch.h. */
#include "app/analytics/watch.h"
#include "core/error.h"

/* Stored record layout, version 1, integers big-endian:
 *   u8 version, u8 flags (1 playing, 2 started, 4 counted),
 *   i64 at_ms, i64 position_ns, i64 watched_ns, u32 reached,
 *   u8 len + rendition, u8 n_ids, n_ids * (u8 len + id) */
#define WATCH_FORMAT 1
#define WATCH_MAX_SIZE                                                                             \
  (2 + 3 * 8 + 4 + 1 + REEL_ACTION_RENDITION_MAX + 1 + REEL_WATCH_IDS * (1 + REEL_ACTION_TOKEN_MAX))
#define FLAG_PLAYING 1
#define FLAG_STARTED 2
#define FLAG_COUNTED 4

gint64
reel_watch_point_ns (gint64 duration_ns, guint k)
{
  return duration_ns / (REEL_RETENTION_POINTS - 1) * k
         + duration_ns % (REEL_RETENTION_POINTS - 1) * k / (REEL_RETENTION_POINTS - 1);
}

/* Whether the action is new to the session; remembers it if so. */
static gboolean
admit (ReelWatch *w, const ReelAction *a)
{
  if (a->at_ms < w->at_ms)
    return FALSE;
  if (a->at_ms > w->at_ms)
    {
      w->at_ms = a->at_ms;
      w->n_ids = 0;
    }
  for (guint i = 0; i < w->n_ids; i++)
    if (g_str_equal (w->ids[i], a->id))
      return FALSE;
  if (w->n_ids == REEL_WATCH_IDS)
    {
      memmove (w->ids[0], w->ids[1], sizeof w->ids[0] * (REEL_WATCH_IDS - 1));
      w->n_ids--;
    }
  g_strlcpy (w->ids[w->n_ids++], a->id, sizeof w->ids[0]);
  return TRUE;
}

/* Credits [from, to] as watched. */
static void
played (ReelWatch *w, gint64 from, gint64 to, gint64 duration, ReelWatchStep *out)
{
  if (to < from)
    return;
  w->watched_ns += to - from;
  out->watched_ns += to - from;
  g_strlcpy (out->rendition, w->rendition, sizeof out->rendition);
  for (guint k = 0; k < REEL_RETENTION_POINTS; k++)
    {
      gint64 p = reel_watch_point_ns (duration, k);
      if (from <= p && p <= to && !(w->reached & (1u << k)))
        {
          w->reached |= 1u << k;
          out->reached |= 1u << k;
        }
    }
}

static void
start (ReelWatch *w, gint64 pos, gint64 duration, ReelWatchStep *out)
{
  w->playing = TRUE;
  played (w, pos, pos, duration, out); /* the point playback starts at is reached */
  if (!w->started)
    w->started = out->started = TRUE;
}

void
reel_watch_step (ReelWatch *w, const ReelAction *a, const ReelWatchRules *rules, ReelWatchStep *out)
{
  gint64 d = a->duration_ns;
  gint64 pos = MIN (a->position_ns, d);

  memset (out, 0, sizeof *out);
  if (!(out->applied = admit (w, a)))
    return;
  switch (a->kind)
    {
    case REEL_ACTION_PLAY:
    case REEL_ACTION_PROGRESS:
      if (w->playing)
        played (w, w->position_ns, pos, d, out);
      else
        {
          if (a->rendition[0])
            g_strlcpy (w->rendition, a->rendition, sizeof w->rendition);
          start (w, pos, d, out);
        }
      break;
    case REEL_ACTION_PAUSE:
      if (w->playing)
        played (w, w->position_ns, pos, d, out);
      w->playing = FALSE;
      break;
    case REEL_ACTION_SEEK:
      if (w->playing)
        played (w, w->position_ns, MIN (a->from_ns, d), d, out);
      break;
    case REEL_ACTION_QUALITY_CHANGE:
      if (w->playing)
        played (w, w->position_ns, pos, d, out);
      break;
    case REEL_ACTION_ENDED:
      /* Browsers fire pause just before ended: the rest still counts. */
      if (w->playing || d - w->position_ns <= REEL_ACTION_POSITION_SLACK_NS)
        played (w, w->position_ns, d, d, out);
      w->playing = FALSE;
      pos = d;
      break;
    }
  w->position_ns = pos;
  /* Time before this action was played in the rendition before it. */
  if (a->rendition[0])
    g_strlcpy (w->rendition, a->rendition, sizeof w->rendition);
  if (!w->counted && w->watched_ns >= MIN (rules->min_watch_ns, d))
    w->counted = out->counted = TRUE;
}

/* --- storage --- */

#define WATCH_KEY_MAX (REEL_ID_LEN + REEL_ACTION_TOKEN_MAX)

/* video id + session id into key; returns its length. */
static gsize
watch_key (const ReelAction *a, char key[WATCH_KEY_MAX])
{
  gsize len = strlen (a->session_id);
  memcpy (key, a->video_id, REEL_ID_LEN);
  memcpy (key + REEL_ID_LEN, a->session_id, len);
  return REEL_ID_LEN + len;
}

static guint8 *
put_i64 (guint8 *p, gint64 v)
{
  reel_store_key_u64 (p, (guint64)v);
  return p + 8;
}

static guint8 *
put_str (guint8 *p, const char *s)
{
  gsize len = strlen (s);
  *p++ = (guint8)len;
  memcpy (p, s, len);
  return p + len;
}

/* Reads a length-prefixed string of at most max bytes into out. */
static const guint8 *
get_str (const guint8 *p, const guint8 *end, char *out, gsize max)
{
  if (!p || p >= end || *p > max || p + 1 + *p > end)
    return NULL;
  memcpy (out, p + 1, *p);
  out[*p] = '\0';
  return p + 1 + *p;
}

static gboolean
unpack (const guint8 *p, gsize len, ReelWatch *w)
{
  const guint8 *end = p + len;
  memset (w, 0, sizeof *w);
  if (len < 2 + 3 * 8 + 4 + 1 || p[0] != WATCH_FORMAT)
    return FALSE;
  w->playing = (p[1] & FLAG_PLAYING) != 0;
  w->started = (p[1] & FLAG_STARTED) != 0;
  w->counted = (p[1] & FLAG_COUNTED) != 0;
  w->at_ms = (gint64)reel_store_read_u64 (p + 2);
  w->position_ns = (gint64)reel_store_read_u64 (p + 10);
  w->watched_ns = (gint64)reel_store_read_u64 (p + 18);
  w->reached = (guint32)p[26] << 24 | (guint32)p[27] << 16 | (guint32)p[28] << 8 | p[29];
  p = get_str (p + 30, end, w->rendition, REEL_ACTION_RENDITION_MAX);
  if (!p || p >= end || *p > REEL_WATCH_IDS)
    return FALSE;
  w->n_ids = *p++;
  for (guint i = 0; i < w->n_ids; i++)
    p = get_str (p, end, w->ids[i], REEL_ACTION_TOKEN_MAX);
  return p == end;
}

gboolean
reel_watch_load (ReelTxn *txn, ReelDb db, const ReelAction *a, ReelWatch *w, GError **error)
{
  char key[WATCH_KEY_MAX];
  gsize key_len = watch_key (a, key);
  g_autoptr (GError) local = NULL;
  const void *v;
  gsize len;
  if (!reel_txn_get (txn, db, key, key_len, &v, &len, &local))
    {
      memset (w, 0, sizeof *w);
      if (!local)
        return TRUE; /* a session's first action */
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!unpack (v, len, w))
    {
      g_set_error (error, REEL_ERROR, REEL_ERROR_INTERNAL,
                   "corrupt watch state of video %s, session %s", a->video_id, a->session_id);
      return FALSE;
    }
  return TRUE;
}

gboolean
reel_watch_save (ReelTxn *txn, ReelDb db, const ReelAction *a, const ReelWatch *w, GError **error)
{
  char key[WATCH_KEY_MAX];
  gsize key_len = watch_key (a, key);
  guint8 buf[WATCH_MAX_SIZE], *p = buf;
  *p++ = WATCH_FORMAT;
  *p++ = (w->playing ? FLAG_PLAYING : 0) | (w->started ? FLAG_STARTED : 0)
         | (w->counted ? FLAG_COUNTED : 0);
  p = put_i64 (p, w->at_ms);
  p = put_i64 (p, w->position_ns);
  p = put_i64 (p, w->watched_ns);
  *p++ = (guint8)(w->reached >> 24);
  *p++ = (guint8)(w->reached >> 16);
  *p++ = (guint8)(w->reached >> 8);
  *p++ = (guint8)w->reached;
  p = put_str (p, w->rendition);
  *p++ = (guint8)w->n_ids;
  for (guint i = 0; i < w->n_ids; i++)
    p = put_str (p, w->ids[i]);
  return reel_txn_put (txn, db, key, key_len, buf, (gsize)(p - buf), error);
}

gboolean
reel_watch_apply (ReelTxn *txn, ReelDb db, const ReelAction *a, const ReelWatchRules *rules,
                  ReelWatchStep *out, GError **error)
{
  ReelWatch w;
  if (!reel_watch_load (txn, db, a, &w, error))
    return FALSE;
  reel_watch_step (&w, a, rules, out);
  return !out->applied || reel_watch_save (txn, db, a, &w, error);
}
