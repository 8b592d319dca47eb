/* See checkpoints.h. */
#include "daemon/checkpoints.h"
#include "app/projection.h"
#include "core/metrics.h"

#include <string.h>

/* What a stream looks like now, and what the projections last saw of it. */
typedef struct
{
  const char *stream;
  guint64 last_seq;
  gint64 created_ns;
  gint64 origin_ns; /* 0: none recorded (a data directory from before this check) */
} Log;

static char *
origin_key (const char *stream)
{
  return g_strconcat ("origin:", stream, NULL);
}

static gboolean
read_log (ReelBus *bus, ReelStore *store, const char *stream, Log *log, GError **error)
{
  g_autoptr (ReelTxn) txn = NULL;
  g_autofree char *key = origin_key (stream);
  log->stream = stream;
  if (!reel_bus_stream_state (bus, stream, &log->last_seq, &log->created_ns, error)
      || !(txn = reel_store_begin (store, FALSE, error)))
    return FALSE;
  log->origin_ns = (gint64)reel_txn_get_u64 (txn, REEL_DB_META, key, strlen (key));
  return TRUE;
}

static guint64
stored_applied (ReelStore *store, const char *projection)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, NULL);
  return txn ? reel_txn_get_applied (txn, projection) : 0;
}

/* Why projection's checkpoint is not backed by log, or NULL when it is. */
static char *
lost_because (ReelStore *store, const char *projection, const Log *log)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, NULL);
  guint64 applied = txn ? reel_txn_get_applied (txn, projection) : 0;
  if (applied > log->last_seq)
    return g_strdup_printf ("it has applied %s up to sequence %" G_GUINT64_FORMAT
                            ", but the stream ends at %" G_GUINT64_FORMAT,
                            log->stream, applied, log->last_seq);
  if (log->origin_ns && log->origin_ns != log->created_ns)
    return g_strdup_printf ("%s was created again since it was applied", log->stream);
  return NULL;
}

static void
report (const char *projection, const char *why)
{
  g_autofree char *labels = g_strdup_printf ("projection=\"%s\"", projection);
  g_warning ("projection %s does not match the log: %s (the NATS store was lost, recreated or "
             "restored from an older backup); rebuilding it from the log",
             projection, why);
  reel_metrics_add ("reel_projection_rebuilds_total", labels, 1);
}

static gboolean
record_origins (ReelStore *store, const Log *logs, guint n, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, error);
  if (!txn)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *key = origin_key (logs[i].stream);
      guint8 v[8];
      if (logs[i].origin_ns == logs[i].created_ns)
        continue;
      reel_store_key_u64 (v, (guint64)logs[i].created_ns);
      if (!reel_txn_put (txn, REEL_DB_META, key, strlen (key), v, sizeof v, error))
        return FALSE;
    }
  return reel_txn_commit (g_steal_pointer (&txn), error);
}

static char *
applied_key (const char *projection)
{
  return g_strconcat ("applied:", projection, NULL);
}

static char *
layout_key (const char *projection)
{
  return g_strconcat ("layout:", projection, NULL);
}

static gboolean
set_layout (ReelTxn *txn, const char *projection, guint layout, GError **error)
{
  g_autofree char *key = layout_key (projection);
  guint8 v[8];
  reel_store_key_u64 (v, layout);
  return reel_txn_put (txn, REEL_DB_META, key, strlen (key), v, sizeof v, error);
}

static guint64
get_layout (ReelStore *store, const char *projection)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, FALSE, NULL);
  g_autofree char *key = layout_key (projection);
  return txn ? reel_txn_get_u64 (txn, REEL_DB_META, key, strlen (key)) : 0;
}

/* The layout every core projection had while they were one. */
#define LAYOUT_BEFORE_SPLIT 1

gboolean
reel_checkpoints_split (ReelStore *store, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, error);
  const ReelProjection *const *all = reel_projections ();
  guint64 core;

  if (!txn)
    return FALSE;
  core = reel_txn_get_applied (txn, REEL_PROJECTION_CORE);
  for (guint i = 0; all[i]; i++)
    if (reel_txn_get_applied (txn, all[i]->name))
      return TRUE; /* split already (a missing one is a new projection) */
  if (!core)
    return TRUE; /* nothing applied yet */
  for (guint i = 0; all[i]; i++)
    if (!reel_txn_set_applied (txn, all[i]->name, core, error)
        || !set_layout (txn, all[i]->name, LAYOUT_BEFORE_SPLIT, error))
      return FALSE;
  return reel_txn_commit (g_steal_pointer (&txn), error);
}

gboolean
reel_checkpoints_drop (ReelStore *store, const ReelProjection *p, GError **error)
{
  g_autoptr (ReelTxn) txn = reel_store_begin (store, TRUE, error);
  g_autofree char *key = applied_key (p->name);
  g_autofree char *core = applied_key (REEL_PROJECTION_CORE);

  if (!txn)
    return FALSE;
  for (guint i = 0; i < p->n_dbs; i++)
    if (!reel_txn_drop (txn, p->dbs[i], error))
      return FALSE;
  for (guint i = 0; i < p->n_rows; i++)
    {
      const char *prefix = p->rows[i].prefix;
      g_autoptr (GPtrArray) keys
          = reel_txn_keys (txn, p->rows[i].db, prefix, strlen (prefix), error);
      if (!keys)
        return FALSE;
      for (guint j = 0; j < keys->len; j++)
        {
          gsize len;
          const void *k = g_bytes_get_data (keys->pdata[j], &len);
          if (!reel_txn_del (txn, p->rows[i].db, k, len, error))
            return FALSE;
        }
    }
  /* The group's checkpoint is the least of its members': now nothing. */
  return reel_txn_del (txn, REEL_DB_META, key, strlen (key), error)
         && reel_txn_del (txn, REEL_DB_META, core, strlen (core), error)
         && set_layout (txn, p->name, p->layout, error)
         && reel_txn_commit (g_steal_pointer (&txn), error);
}

gboolean
reel_checkpoints_upgrade (ReelStore *store, GError **error)
{
  const ReelProjection *const *core = reel_projections ();
  if (!reel_checkpoints_split (store, error))
    return FALSE;
  for (guint i = 0; core[i]; i++)
    {
      guint64 layout = get_layout (store, core[i]->name);
      g_autoptr (ReelTxn) txn = NULL;
      if (layout == core[i]->layout)
        continue;
      if (layout == 0 && !stored_applied (store, core[i]->name))
        {
          /* Not built yet: it will be, in this layout. */
          if (!(txn = reel_store_begin (store, TRUE, error))
              || !set_layout (txn, core[i]->name, core[i]->layout, error)
              || !reel_txn_commit (g_steal_pointer (&txn), error))
            return FALSE;
          continue;
        }
      g_message ("projection %s is stored in layout %" G_GUINT64_FORMAT
                 ", this version writes layout %u: rebuilding it from the log",
                 core[i]->name, layout, core[i]->layout);
      if (!reel_checkpoints_drop (store, core[i], error))
        return FALSE;
    }
  return TRUE;
}

gboolean
reel_checkpoints_verify (ReelBus *bus, ReelStore *store, GError **error)
{
  const ReelActionProjection *const *actions = reel_action_projections ();
  Log logs[2];
  const ReelProjection *const *core = reel_projections ();
  gboolean core_lost = FALSE;

  reel_metrics_declare ("reel_projection_rebuilds_total", REEL_METRIC_COUNTER,
                        "Projections rebuilt at start-up because the log no longer backed them");
  if (!read_log (bus, store, REEL_STREAM_EVENTS, &logs[0], error)
      || !read_log (bus, store, REEL_STREAM_ACTIONS, &logs[1], error))
    return FALSE;
  if (!reel_checkpoints_upgrade (store, error))
    return FALSE;
  /* Each core projection by its own checkpoint; reported as the group, as
   * they all follow the one event log. */
  for (guint i = 0; core[i]; i++)
    {
      g_autofree char *why = lost_because (store, core[i]->name, &logs[0]);
      if (!why)
        continue;
      if (!core_lost)
        report (REEL_PROJECTION_CORE, why);
      core_lost = TRUE;
      if (!reel_checkpoints_drop (store, core[i], error))
        return FALSE;
    }
  for (guint i = 0; actions[i]; i++)
    {
      g_autofree char *why = lost_because (store, actions[i]->name, &logs[1]);
      if (!why)
        continue;
      report (actions[i]->name, why);
      if (!reel_store_drop_projection (store, actions[i]->name, actions[i]->dbs, actions[i]->n_dbs,
                                       error))
        return FALSE;
    }
  return record_origins (store, logs, G_N_ELEMENTS (logs), error);
}
