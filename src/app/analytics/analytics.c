/* See analytics.h. */
#include "app/analytics/analytics.h"
#include "app/analytics/actions.h"
#include "core/error.h"

#include <stdio.h>

/* "day:YYYY-MM-DD": the date part of the API's RFC 3339 received_at. */
#define DATE_LEN 10

static gboolean
count (ReelTxn *txn, const char *video_id, const char *name, guint64 delta, GError **error)
{
  char key[REEL_ID_LEN + 64];
  gsize len = (gsize)g_snprintf (key, sizeof key, "%s%s", video_id, name);
  return delta == 0 || reel_txn_add_u64 (txn, REEL_DB_ANALYTICS_COUNTERS, key, len, delta, error);
}

static gboolean
analytics_apply (ReelTxn *txn, const ReelAction *a, const ReelWatchRules *rules, GError **error)
{
  ReelWatchStep step;
  char name[64];

  if (!reel_watch_apply (txn, REEL_DB_ANALYTICS_WATCH, a, rules, &step, error))
    return FALSE;
  if (step.started)
    {
      g_snprintf (name, sizeof name, "trigger:%s", reel_action_trigger_name (a->trigger));
      if (!count (txn, a->video_id, "viewers", 1, error)
          || !count (txn, a->video_id, name, 1, error))
        return FALSE;
    }
  if (step.watched_ns > 0)
    {
      g_snprintf (name, sizeof name, "rendition:%s", step.rendition);
      if (!count (txn, a->video_id, "watch_ns", (guint64)step.watched_ns, error)
          || (step.rendition[0]
              && !count (txn, a->video_id, name, (guint64)step.watched_ns, error)))
        return FALSE;
    }
  for (guint k = 0; k < REEL_RETENTION_POINTS; k++)
    if (step.reached & (1u << k))
      {
        g_snprintf (name, sizeof name, "reach:%02u", k);
        if (!count (txn, a->video_id, name, 1, error))
          return FALSE;
      }
  if (step.counted)
    {
      g_snprintf (name, sizeof name, "day:%.*s", DATE_LEN, a->received_at);
      if (!count (txn, a->video_id, "views", 1, error) || !count (txn, a->video_id, name, 1, error))
        return FALSE;
    }
  return TRUE;
}

static const ReelDb analytics_dbs[] = { REEL_DB_ANALYTICS_WATCH, REEL_DB_ANALYTICS_COUNTERS };

const ReelActionProjection reel_analytics_projection = {
  REEL_PROJECTION_ANALYTICS, analytics_dbs, G_N_ELEMENTS (analytics_dbs), analytics_apply, TRUE,
};

/* --- the report --- */

typedef struct
{
  guint64 views, viewers, watch_ns;
  guint64 reach[REEL_RETENTION_POINTS];
  JsonArray *days;
  GPtrArray *renditions; /* JsonObject {name, watch_ns} */
  JsonObject *triggers;
} Report;

static gboolean
collect (const guint8 *key, gsize key_len, const guint8 *value, gsize value_len, gpointer data)
{
  Report *r = data;
  g_autofree char *name = g_strndup ((const char *)key + REEL_ID_LEN, key_len - REEL_ID_LEN);
  guint64 v = value_len == 8 ? reel_store_read_u64 (value) : 0;
  guint k;

  if (g_str_equal (name, "views"))
    r->views = v;
  else if (g_str_equal (name, "viewers"))
    r->viewers = v;
  else if (g_str_equal (name, "watch_ns"))
    r->watch_ns = v;
  else if (sscanf (name, "reach:%2u", &k) == 1 && k < REEL_RETENTION_POINTS)
    r->reach[k] = v;
  else if (g_str_has_prefix (name, "day:"))
    {
      JsonObject *day = json_object_new ();
      json_object_set_string_member (day, "date", name + 4);
      json_object_set_int_member (day, "views", (gint64)v);
      json_array_add_object_element (r->days, day);
    }
  else if (g_str_has_prefix (name, "rendition:"))
    {
      JsonObject *rendition = json_object_new ();
      json_object_set_string_member (rendition, "name", name + 10);
      json_object_set_int_member (rendition, "watch_ns", (gint64)v);
      g_ptr_array_add (r->renditions, rendition);
    }
  else if (g_str_has_prefix (name, "trigger:"))
    json_object_set_int_member (r->triggers, name + 8, (gint64)v);
  return TRUE;
}

static gint
by_watch_time (gconstpointer a, gconstpointer b)
{
  JsonObject *x = *(JsonObject **)a, *y = *(JsonObject **)b;
  gint64 dx = json_object_get_int_member (x, "watch_ns");
  gint64 dy = json_object_get_int_member (y, "watch_ns");
  if (dx != dy)
    return dx > dy ? -1 : 1;
  return strcmp (json_object_get_string_member (x, "name"),
                 json_object_get_string_member (y, "name"));
}

static double
share (guint64 part, guint64 whole)
{
  return whole ? (double)part / (double)whole : 0.0;
}

JsonObject *
reel_analytics_report (ReelStore *store, const ReelVideo *video, GError **error)
{
  const char *id = video->id;
  gint64 duration = video->plan ? (gint64)video->plan->duration_ns : 0;
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, error);
  g_autoptr (GPtrArray) renditions
      = g_ptr_array_new_with_free_func ((GDestroyNotify)json_object_unref);
  Report r = { 0 };
  guint64 attributed = 0; /* watch time whose rendition the player reported */
  JsonObject *out;
  JsonArray *retention, *played;
  const char *const triggers[] = { "user", "autoplay", "up_next", "unspecified" };

  if (!txn)
    return NULL;
  r.days = json_array_new ();
  r.renditions = renditions;
  r.triggers = json_object_new ();
  for (guint i = 0; i < G_N_ELEMENTS (triggers); i++)
    json_object_set_int_member (r.triggers, triggers[i], 0);
  if (!reel_txn_scan (txn, REEL_DB_ANALYTICS_COUNTERS, id, strlen (id), NULL, 0, FALSE, collect, &r,
                      error))
    {
      json_array_unref (r.days);
      json_object_unref (r.triggers);
      return NULL;
    }
  out = json_object_new ();
  json_object_set_string_member (out, "video_id", id);
  json_object_set_double_member (out, "duration", (double)duration / 1e9);
  json_object_set_int_member (out, "views", (gint64)r.views);
  json_object_set_int_member (out, "viewers", (gint64)r.viewers);
  json_object_set_double_member (out, "watch_time", (double)r.watch_ns / 1e9);
  json_object_set_double_member (out, "average_view_duration",
                                 r.viewers ? (double)r.watch_ns / 1e9 / (double)r.viewers : 0.0);
  json_object_set_array_member (out, "views_per_day", r.days);
  retention = json_array_new ();
  for (guint k = 0; k < REEL_RETENTION_POINTS; k++)
    {
      JsonObject *point = json_object_new ();
      json_object_set_int_member (point, "percent", k * 100 / (REEL_RETENTION_POINTS - 1));
      json_object_set_double_member (point, "position",
                                     (double)reel_watch_point_ns (duration, k) / 1e9);
      json_object_set_int_member (point, "viewers", (gint64)r.reach[k]);
      json_object_set_double_member (point, "share", share (r.reach[k], r.viewers));
      json_array_add_object_element (retention, point);
    }
  json_object_set_array_member (out, "retention", retention);
  g_ptr_array_sort (renditions, by_watch_time);
  for (guint i = 0; i < renditions->len; i++)
    attributed += (guint64)json_object_get_int_member (renditions->pdata[i], "watch_ns");
  played = json_array_new ();
  for (guint i = 0; i < renditions->len; i++)
    {
      JsonObject *src = renditions->pdata[i], *item = json_object_new ();
      guint64 ns = (guint64)json_object_get_int_member (src, "watch_ns");
      json_object_set_string_member (item, "name", json_object_get_string_member (src, "name"));
      json_object_set_double_member (item, "watch_time", (double)ns / 1e9);
      json_object_set_double_member (item, "share", share (ns, attributed));
      json_array_add_object_element (played, item);
    }
  json_object_set_array_member (out, "renditions", played);
  json_object_set_object_member (out, "plays_by_trigger", r.triggers);
  return out;
}
