/* See action_consumer.h. */
#include "daemon/action_consumer.h"
#include "daemon/batch.h"
#include "app/analytics/actions.h"
#include "bus/feed.h"
#include "core/error.h"
#include "core/metrics.h"

#include <sys/resource.h>

/* How much a background projection's consumer yields (nice value; Linux
 * keeps it per thread). */
#define BACKGROUND_NICE 10

struct ReelActionConsumer
{
  ReelStore *store;
  ReelActionCache *cache; /* not owned; may be NULL */
  const ReelActionProjection *proj;
  ReelWatchRules rules;
  ReelFeed *feed;
  JsonParser *parser; /* feed thread only: one parser for every record */
  char *labels;       /* projection="<name>" */
  gboolean reniced;   /* feed thread only */
  guint64 applied;    /* __atomic */
};

static guint64
resume_from (gpointer data)
{
  ReelActionConsumer *c = data;
  return reel_batch_resume_from (c->store, c->proj->name);
}

typedef struct
{
  ReelActionConsumer *c;
  ReelAction *actions;
  GError **unreadable; /* why actions[i] could not be read, or NULL */
} Batch;

static gboolean
apply_action (ReelTxn *txn, guint i, gpointer data, GError **error)
{
  Batch *b = data;
  if (b->unreadable[i])
    {
      /* A record this version cannot read (a newer node's action version):
       * skipped, as the core projection skips unknown types. */
      g_set_error_literal (error, REEL_ERROR, REEL_ERROR_INVALID, b->unreadable[i]->message);
      return FALSE;
    }
  return b->c->proj->apply (txn, &b->actions[i], &b->c->rules, error);
}

static gboolean
apply_batch (const ReelFeedMsg *msgs, guint n, gpointer data, GError **error)
{
  ReelActionConsumer *c = data;
  g_autofree ReelAction *actions = g_new (ReelAction, n);
  GError **unreadable = g_new0 (GError *, n);
  Batch b = { c, actions, unreadable };
  guint64 applied;
  guint hits = 0;
  gboolean ok;

  if (c->proj->background && !c->reniced)
    {
      /* On the feed's own thread: the calling thread alone is reniced. */
      if (setpriority (PRIO_PROCESS, 0, BACKGROUND_NICE) != 0)
        g_debug ("%s: cannot lower its priority: %s", c->proj->name, g_strerror (errno));
      c->reniced = TRUE;
    }
  /* Parsing is most of the work: done once per record in this process
   * (the cache), and before taking LMDB's one write lock, which the other
   * projections wait for. */
  for (guint i = 0; i < n; i++)
    if (reel_action_cache_get (c->cache, msgs[i].seq, msgs[i].data, msgs[i].len, &actions[i]))
      hits++;
    else if (reel_action_parse_record (c->parser, msgs[i].data, msgs[i].len, &actions[i],
                                       &unreadable[i]))
      reel_action_cache_put (c->cache, msgs[i].seq, msgs[i].data, msgs[i].len, &actions[i]);
  reel_metrics_add ("reel_action_records_parsed_total", c->labels, n - hits);
  reel_metrics_add ("reel_action_records_cached_total", c->labels, hits);
  ok = reel_batch_apply (c->store, c->proj->name, c->labels, msgs, n, apply_action, &b, &applied,
                         error);
  for (guint i = 0; i < n; i++)
    g_clear_error (&unreadable[i]);
  g_free (unreadable);
  if (!ok)
    return FALSE;
  __atomic_store_n (&c->applied, applied, __ATOMIC_SEQ_CST);
  return TRUE;
}

ReelActionConsumer *
reel_action_consumer_start (ReelBus *bus, ReelStore *store, ReelActionCache *cache,
                            const ReelActionProjection *proj, const ReelWatchRules *rules,
                            const char *node_key)
{
  ReelActionConsumer *c = g_new0 (ReelActionConsumer, 1);
  g_autofree char *name = g_strdup_printf ("reel-act-%s-%s", proj->name, node_key);
  g_autoptr (GString) labels = g_string_new (NULL);

  reel_batch_declare_metrics ();
  reel_metrics_declare ("reel_action_records_parsed_total", REEL_METRIC_COUNTER,
                        "Viewer-action records an action projection parsed itself");
  reel_metrics_declare ("reel_action_records_cached_total", REEL_METRIC_COUNTER,
                        "Viewer-action records an action projection found already parsed in "
                        "this process");
  reel_metrics_label (labels, "projection", proj->name);
  c->store = store;
  c->cache = cache;
  c->proj = proj;
  c->rules = *rules;
  c->parser = json_parser_new_immutable ();
  c->labels = g_string_free (g_steal_pointer (&labels), FALSE);
  __atomic_store_n (&c->applied, resume_from (c) - 1, __ATOMIC_SEQ_CST);
  reel_metrics_set ("reel_projection_applied_sequence", c->labels,
                    (double)reel_action_consumer_applied (c));
  c->feed = reel_feed_start (bus, REEL_STREAM_ACTIONS, REEL_SUBJECT_ACTIONS, name, resume_from,
                             apply_batch, c);
  return c;
}

void
reel_action_consumer_stop (ReelActionConsumer *c)
{
  if (!c)
    return;
  reel_feed_stop (c->feed);
  g_object_unref (c->parser);
  g_free (c->labels);
  g_free (c);
}

guint64
reel_action_consumer_applied (ReelActionConsumer *c)
{
  return __atomic_load_n (&c->applied, __ATOMIC_SEQ_CST);
}
